r"""L-BFGS for smooth priors: SciPy's L-BFGS-B driven by the one-pass value and gradient.

For a prior without an |θ| part (Gaussian, Student-t, Cauchy, …) U is smooth, and a
quasi-Newton method needs far fewer passes over X than proximal gradient: each
evaluation of U and ∇U is one pass (:mod:`bayesreg.fused`: η, Σ nll and Aᵀr with each
row of X read once), and L-BFGS (m = 10 curvature pairs, More–Thuente line search,
SciPy's ``L-BFGS-B`` without bounds) takes about as many evaluations as iterations.

Stopping: SciPy stops when ‖∇U‖∞ ≤ tol·‖∇f(0)‖∞, which for a smooth U is exactly
the scale-free KKT measure of the other solvers (``Model.optimality``), re-checked
at the returned point; its relative-decrease test is switched off (ftol = 0).  Where
SciPy stops short of the test (its line search makes no progress in rounding), it is
restarted from there with a fresh memory, at most twice; a stop that still misses the
test is reported as not converged.  A prior with an L1 part is refused: use ``fista`` or
``newton``, which keep exact zeros.
"""

from __future__ import annotations

import math

import numpy as np

from .. import fused
from .result import DivergenceError, History, MapResult, finish

__all__ = ["lbfgs"]


def lbfgs(model, theta0, *, tol: float = 1e-6, max_iter: int = 10_000, memory: int = 10) -> MapResult:
    """Quasi-Newton L-BFGS on the smooth U (no L1 part in the prior)."""
    from scipy.optimize import minimize

    if np.any(model.l1_weights()):
        raise ValueError(f"solver='lbfgs' needs a smooth prior (no |w| term), got {model.prior!r}; "
                         "use solver='fista' or 'newton', which keep exact zeros")
    x0 = np.array(theta0, dtype=float, copy=True)
    memo: dict = {}

    def value_grad(theta):
        key = theta.tobytes()
        if memo.get("key") != key:
            point = fused.evaluate(model, theta)
            U = point.f + model.penalty(theta)
            g = point.gradient + model.prior_smooth_gradient(theta)
            memo.update(key=key, U=U, g=g, data_grad=point.gradient)
        return memo["U"], memo["g"]

    U0, _ = value_grad(x0)
    if not math.isfinite(U0):
        raise DivergenceError(f"the objective is not finite at the starting point (U = {U0}); check the data")
    if not np.any(x0):
        model.gradient_at_zero(memo["data_grad"])
    history = History()
    opt0 = model.optimality(x0, memo["data_grad"])
    history.append(U0, math.nan, opt0)
    if opt0 <= tol:
        return finish(model, x0, objective=U0, converged=True, n_iter=0, optimality=opt0,
                      solver="lbfgs", tol=tol, history=history)

    def value_grad_safe(theta):
        U, g = value_grad(theta)
        if not math.isfinite(U):  # Poisson's e^η overflowed: a step the line search must shrink
            return math.inf, np.zeros_like(g)
        return U, g

    def record(intermediate_result):
        x = intermediate_result.x
        U, _ = value_grad(x)
        history.append(U, math.nan, model.optimality(x, memo["data_grad"]))

    x, U, n_iter = x0, U0, 0
    for _ in range(3):  # a line search stalled in rounding: start again from there with a fresh memory
        res = minimize(value_grad_safe, x, jac=True, method="L-BFGS-B", callback=record,
                       options={"maxiter": int(max_iter) - n_iter, "maxfun": 4 * int(max_iter) + 20,
                                "maxcor": int(memory), "gtol": tol * model.gradient_scale, "ftol": 0.0})
        n_iter += int(res.nit)
        x_new = np.asarray(res.x, dtype=float)
        U_new, _ = value_grad(x_new)
        if U_new > U:
            break
        x, U = x_new, U_new
        opt = model.optimality(x, memo["data_grad"])
        if opt <= tol or n_iter >= max_iter or res.nit == 0:
            break
    U, _ = value_grad(x)
    opt = model.optimality(x, memo["data_grad"])
    converged = bool(opt <= tol)
    return finish(model, x, objective=U, converged=converged, n_iter=n_iter, optimality=opt,
                  solver="lbfgs", tol=tol, history=history,
                  message="" if converged else f"L-BFGS stopped ({res.message.strip(' .:')}). Raise max_iter, or try "
                                               "solver='newton' for few features.")
