r"""Proximal Newton: second order, still with exact zeros under L1.

For few features (D up to a few hundred) the exact Hessian
H = Aᵀ diag(d²nll/dη²) A + diag(smooth prior curvature) is cheap, and Newton
needs a handful of iterations where first-order methods need hundreds on
ill-conditioned data.  Each iteration (Lee, Sun & Saunders 2014; the scheme of
glmnet/newGLMNET):

1. solves the L1-penalized quadratic model
   d = argmin_d  ∇f̃·d + ½ dᵀHd + Σ_j λ1_j |θ_j + d_j|
   (f̃ = the smooth part of U) exactly: coordinate descent finds the sign pattern
   (soft-thresholding makes coordinates land exactly on zero) and a Cholesky solve
   on it finishes (:mod:`bayesreg.solvers.coordinate`); without λ1 it is the plain
   Newton step H d = −∇f̃ (Cholesky);
2. backtracks θ + α d (α = 1, ½, …) until
   U(θ + αd) ≤ U(θ) + 10⁻⁴·α·Δ,  Δ = ∇f̃·d + Σ λ1_j (|θ_j + d_j| − |θ_j|) < 0.

Stopping uses the same scale-free KKT measure as the proximal solvers.  A
non-convex prior (Student-t) can make H indefinite away from a mode; the step
then solves (H + μI)d = −∇f̃ with the smallest μ that makes H + μI positive
definite, a descent direction, and the solver finds a local mode.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import linalg
from scipy.linalg import lapack

from ..parallel import blas_one_thread
from .coordinate import lasso_quadratic
from .result import History, MapResult, finish

__all__ = ["newton"]


def _positive_definite(H):
    """H, shifted by μI (the smallest μ found) if it is not positive definite.

    A non-convex prior can make H indefinite away from a mode; the shifted step is
    still a descent direction.  At a local minimum H is positive definite and is kept.
    """
    try:
        linalg.cholesky(H)
        return H
    except linalg.LinAlgError:
        pass
    lowest = float(linalg.eigvalsh(H, subset_by_index=[0, 0])[0])
    mu = max(-lowest, 0.0) + 1e-8 * (np.abs(np.diag(H)).max(initial=0.0) + 1.0)
    eye = np.eye(len(H))
    while True:
        try:
            linalg.cholesky(H + mu * eye)
            return H + mu * eye
        except linalg.LinAlgError:
            mu *= 2.0


def _solve_pos(H, g):
    """H⁻¹g for H symmetric positive definite: LAPACK's posv directly (a small H's solve is mostly call overhead).

    Where H is not positive definite, scipy's ``solve`` gives its usual error.  U was finite, so H and g are.
    """
    _, sol, info = lapack.dposv(H, g)
    if info != 0:
        return linalg.solve(H, g, assume_a="pos", check_finite=False)
    return sol


def newton(model, theta0, *, tol: float = 1e-6, max_iter: int = 100) -> MapResult:
    """Proximal Newton with Armijo backtracking."""
    # Small Gram matrices are slower with several BLAS threads than with one
    # (thread start-up and spinning dominate; 0.05 ms vs up to 50 ms on a busy 2-core machine).
    with blas_one_thread(model.n_samples * model.n_params**2 < 5e7):
        return _newton(model, theta0, tol=tol, max_iter=max_iter)


def _newton(model, theta0, *, tol: float, max_iter: int) -> MapResult:
    x = np.array(theta0, dtype=float, copy=True)
    l1 = model.l1_weights()
    convex = model.convex
    eta = model.linear_predictor(x)
    F = model.objective(x, eta)
    history = History()
    converged = False
    opt = math.inf
    n_iter = 0
    step = math.nan  # the step that led to x
    for n_iter in range(0, max_iter + 1):
        grad = model.data_gradient(eta)
        if n_iter == 0 and not np.any(x):
            model.gradient_at_zero(grad)  # ‖∇f(0)‖∞ for the stopping test, without its own pass
        opt, converged = history.record(model, x, grad, F, step, tol)
        if converged or n_iter == max_iter:
            break
        g = grad + model.prior_smooth_gradient(x)
        H = model.hessian(x, eta=eta)
        H.flat[:: len(x) + 1] += 1e-12 * (np.trace(H) / len(x) + 1.0)  # the diagonal
        if not convex:
            H = _positive_definite(H)
        if l1.any():
            d = lasso_quadratic(H, g, x, l1)[0] - x
        else:  # smooth U: the plain Newton step
            d = -_solve_pos(H, g)
        delta = float(g @ d) + float(l1 @ (np.abs(x + d) - np.abs(x)))
        if not delta < 0:
            break  # no descent direction left at machine precision
        step = 1.0
        while True:
            trial = x + step * d
            eta_t = model.linear_predictor(trial)
            F_t = model.objective(trial, eta_t)
            # below rounding level U cannot tell steps apart: take the Newton step as is
            if F_t <= F + 1e-4 * step * delta or -delta <= 1e-13 * (abs(F) + 1.0):
                break
            step *= 0.5
            if step < 1e-12:
                break
        if step < 1e-12:
            break
        x, eta, F = trial, eta_t, F_t
    return finish(model, x, objective=F, converged=converged, n_iter=n_iter, optimality=opt,
                  solver="newton", tol=tol, history=history,
                  message="" if converged else "Newton stalled; try solver='fista' with a larger max_iter.")
