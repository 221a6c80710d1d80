r"""The MAP over (w, b, σ) of a linear model whose noise sd is estimated: block-coordinate descent.

U(w, b, σ) is the model's (:mod:`bayesreg.model`).  Each outer iteration

1. minimizes U(·, σ) over θ = (w, c) at fixed σ with the chosen solver (gd / ista /
   fista / newton: the prox on w is kept), warm-started at the previous θ;
2. minimizes U(θ, ·) over σ exactly (:meth:`Model.sigma_step`: the noise prior's
   closed form where it has one, else a bounded 1-D minimization on log σ).

Each step lowers U, so U decreases monotonically.  It stops when σ changed by at
most ``tol`` (relatively) and θ meets the KKT tolerance at the new σ; otherwise after
``max_outer`` iterations with a ConvergenceWarning and ``converged=False``.

Where the data can be fitted exactly (noise-free y, or p ≥ n) and the prior is not
noise-scaled, U → −∞ as σ → 0: the MAP of σ does not exist.  σ then runs down
towards the model's floor (1e-8·sd(y)) until the solver's tolerance stops it; below
1e-6·sd(y) the result says ``converged=False`` and a ConvergenceWarning says why
(fix ``noise_sd``, or use a noise-scaled prior).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .result import ConvergenceWarning, MapResult, finish

__all__ = ["solve_with_sigma", "MAX_OUTER"]

MAX_OUTER = 500


def solve_with_sigma(model, theta0: np.ndarray, sigma0: float | None, solve, solver: str, *, tol: float,
                     max_outer: int = MAX_OUTER, **options) -> MapResult:
    """MAP over (θ, σ) (module docstring); ``solve(model, θ, solver, **options)`` runs the inner solver."""
    theta = np.asarray(theta0, dtype=float).copy()
    if sigma0 is None:
        r = model.y - model.linear_predictor(theta)
        sigma0 = max(float(np.sqrt(np.mean(r * r))), model.sigma_floor())
    sigma = float(sigma0)
    n_iter = n_grad = 0
    converged = False
    inner = None
    k = 0
    for k in range(1, max_outer + 1):
        m = model.at_sigma(sigma)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # judged below, at the final σ
            inner = solve(m, theta, solver, tol=tol, **options)
        n_iter += inner.n_iter
        n_grad += inner.n_grad
        theta = m.theta_from(inner.coef, inner.intercept)
        eta = m.linear_predictor(theta)
        new = m.sigma_step(theta, eta)
        change = abs(math.log(new / sigma))
        sigma = new
        m = model.at_sigma(sigma)
        optimality = m.optimality(theta, m.data_gradient(eta))
        if change <= tol and optimality <= tol:
            converged = True
            break
    m = model.at_sigma(sigma)
    eta = m.linear_predictor(theta)
    optimality = m.optimality(theta, m.data_gradient(eta))
    message = "" if converged else (f"the block-coordinate MAP over (w, b, σ) stopped after {k} outer iterations "
                                    f"(σ = {sigma:.6g}); raise max_iter or tol")
    if sigma <= 100.0 * model.sigma_floor():
        converged = False
        message = (f"σ went to {sigma:.3g} ≤ 1e-6·sd(y): the data are fitted exactly, so U → −∞ as σ → 0 "
                   f"and the MAP of σ does not exist; fix noise_sd, or use a noise-scaled prior "
                   f"(e.g. Gaussian(lam, noise_scaled=True))")
    m.n_rmatvec = n_grad
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = finish(m, theta, objective=m.noise_objective(theta, eta), converged=converged, n_iter=n_iter,
                        optimality=optimality, solver=solver, tol=tol, history=inner.history, message=message)
    if not converged:
        warnings.warn(f"{solver} with σ estimated did not converge: {message} (optimality {optimality:.2e}, "
                      f"tol {tol:.1e})", ConvergenceWarning, stacklevel=4)
    result.sigma, result.sigma_estimated, result.n_outer = float(sigma), True, int(k)
    return result
