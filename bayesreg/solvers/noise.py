r"""The MAP over (w, b, σ) of a linear model whose noise sd is estimated: block-coordinate descent.

U(w, b, σ) is the model's (:mod:`bayesreg.model`).  Each outer iteration

1. minimizes U(·, σ) over θ = (w, c) at fixed σ with the chosen solver (gd / ista /
   fista / newton: the prox on w is kept; ``auto`` picks one of them once, at the
   starting σ, and keeps it), warm-started at the previous θ;
2. minimizes U(θ, ·) over σ exactly (:func:`sigma_step`: the noise prior's
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

from ..warn import LIBRARY_FILES

__all__ = ["solve_with_sigma", "sigma_step", "sigma_step_numeric", "sigma_floor", "MAX_OUTER"]

MAX_OUTER = 500


def sigma_step(model, theta: np.ndarray, eta: np.ndarray | None = None) -> float:
    """argmin_σ U(θ, σ) at fixed θ: the noise prior's closed form where it has one, else :func:`sigma_step_numeric`."""
    if eta is None:
        eta = model.linear_predictor(theta)
    terms = model.sigma_terms(theta, eta)
    sigma = None if terms is None else model.noise_prior.stationary_sigma(*terms)
    if sigma is not None and math.isfinite(sigma) and sigma > sigma_floor(model):
        return float(sigma)
    return sigma_step_numeric(model, theta, eta)


def sigma_floor(model) -> float:
    """The smallest σ the MAP takes (a perfect fit would send σ to 0): 1e-8·(weighted sd(y), or 1)."""
    if model.sample_weight is None or not model.sample_weight.sum() > 0:
        sd = float(np.std(model.y))
    else:
        sw = model.sample_weight
        sd = float(np.sqrt(sw @ (model.y - (sw @ model.y) / sw.sum()) ** 2 / sw.sum()))
    return 1e-8 * (sd or 1.0)


def sigma_step_numeric(model, theta: np.ndarray, eta: np.ndarray | None = None) -> float:
    """argmin_σ U(θ, σ) by a bounded 1-D minimization on log σ of the model's ``noise_objective``."""
    from scipy.optimize import minimize_scalar

    if eta is None:
        eta = model.linear_predictor(theta)
    r = model.y - eta
    floor = sigma_floor(model)
    s0 = math.log(max(float(np.sqrt(np.mean(r * r))), floor))
    lo = max(s0 - 25.0, math.log(floor))
    res = minimize_scalar(lambda s: model.at_sigma(math.exp(s)).noise_objective(theta, eta), bounds=(lo, s0 + 25.0),
                          method="bounded", options={"xatol": 1e-12, "maxiter": 2000})
    return float(math.exp(res.x))


def solve_with_sigma(model, theta0: np.ndarray, sigma0: float | None, solve, solver: str, *, tol: float,
                     max_outer: int = MAX_OUTER, **options) -> MapResult:
    """MAP over (θ, σ) (module docstring); ``solve(model, θ, solver, **options)`` runs the inner solver."""
    theta = np.asarray(theta0, dtype=float).copy()
    if sigma0 is None:
        r = model.y - model.linear_predictor(theta)
        sigma0 = max(float(np.sqrt(np.mean(r * r))), sigma_floor(model))
    sigma = float(sigma0)
    reason = ""
    if solver == "auto":  # decide once, so that every σ-step runs the same solver
        from .auto import choose

        solver, reason = choose(model.at_sigma(sigma))
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
        new = sigma_step(m, theta, eta)
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
    if sigma <= 100.0 * sigma_floor(model):
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
                      f"tol {tol:.1e})", ConvergenceWarning, skip_file_prefixes=LIBRARY_FILES)
    result.sigma, result.sigma_estimated, result.n_outer = float(sigma), True, int(k)
    result.solver_reason = reason
    return result
