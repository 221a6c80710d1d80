r"""Proximal gradient (ISTA) and its accelerated form (FISTA).

With U = f + g, f = Σ nll (smooth, gradient Lipschitz with constant L) and g
the penalties (closed-form prox), one step from a point y is

    x⁺ = prox_{g/L}(y − ∇f(y)/L),

accepted when f(x⁺) ≤ f(y) + ⟨∇f(y), x⁺ − y⟩ + (L/2)‖x⁺ − y‖² (backtracking
doubles L until it holds, and each iteration first tries L/1.25, or L/1.1 after a
step that backtracked: every failed trial costs a pass over X).  Where that
test is swamped by rounding (|excess| ≤ 1e-12·|f|), the step is accepted on the
gradient test ⟨∇f(x⁺) − ∇f(y), x⁺ − y⟩ ≤ (L/2)‖x⁺ − y‖² instead.
Where the likelihood's curvature is unbounded (Poisson, e^η) there is no global
L: backtracking finds a local one, a trial point whose f overflows to +inf
doubles L like a failed test, and an extrapolated y whose f overflows is
replaced by x_k (no momentum for that step).

ISTA takes y = x_k.  FISTA (Beck & Teboulle 2009) extrapolates
y = x_k + β_k (x_k − x_{k−1}), β_k = (t_{k−1} − 1)/t_k; X·y is the same
extrapolation of X·x_k and X·x_{k−1}, so no pass over X is needed for it; and
the pass that evaluates a trial point x⁺ also forms ∇f at the y that follows
it if accepted (:mod:`bayesreg.fused`), so an accepted step reads X once.
Start-up reads X twice (f and ∇f at θ0 in one pass, ‖∇f(0)‖∞ from the same
gradient when θ0 = 0, and A·∇f for the first estimate of L).
Adaptive restart (O'Donoghue & Candès 2015): if U would rise, the step is
discarded and momentum reset, so U never increases (beyond rounding,
|ΔU| ≤ 1e-12·(|U| + 1), where U cannot order two points and the gradient
restart test ⟨y − x⁺, x⁺ − x_k⟩ > 0 decides instead).  The soft-thresholding in
prox gives exact zeros under L1.  A non-convex penalty with weak-convexity
modulus ρ (g + (ρ/2)‖·‖² convex; ``Model.weak_convexity``) keeps L ≥ 1.5ρ, so
every prox objective is strictly convex and the iterates descend into the basin
of a local mode instead of jumping between basins.

Stopping: the scale-free KKT violation ‖∇f(x) + ∂g(x)‖∞ / ‖∇f(0)‖∞ ≤ tol,
evaluated at the returned point (a cheap bound L‖x⁺ − y‖ decides when to
evaluate it).
"""

from __future__ import annotations

import math

import numpy as np

from .. import fused
from .result import DivergenceError, History, MapResult, finish

__all__ = ["fista", "ista"]

_ROUNDING = 1e-12
_SHRINK = 1.25  # each step first tries L / _SHRINK …
_SHRINK_AFTER = 1.1  # … or L / 1.1 right after a step that had to backtrack (fewer failed trials)


def _initial_lipschitz(model, eta, grad) -> float:
    """A cheap lower estimate of L along the gradient: c_max·‖A g‖²/‖g‖² (one pass)."""
    g = grad if np.any(grad) else np.ones_like(grad)
    eta_g = model.linear_predictor(g)  # η is linear in θ
    rows = model.curvature_rows(eta)  # numpy, or a lazy Dask array (bayesreg.chunked)
    c = float(rows.max()) if rows.size else 0.0
    est = c * float(eta_g @ eta_g) / float(g @ g)
    return est if est > 0 and math.isfinite(est) else 1.0


def _next_beta(t: float) -> float:
    """The β of the next momentum step, given t after this step's update."""
    return (t - 1.0) / (0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t)))


def _proximal_gradient(model, theta0, *, tol, max_iter, accelerate, name) -> MapResult:
    x = np.array(theta0, dtype=float, copy=True)
    start = fused.evaluate(model, x)  # η, f and ∇f at x: one pass
    eta, f = start.eta, start.f
    F = f + model.penalty(x)
    if not math.isfinite(F):
        raise DivergenceError(f"the objective is not finite at the starting point (U = {F}); check the data")
    grad = start.gradient
    if not np.any(x):
        model.gradient_at_zero(grad)  # ‖∇f(0)‖∞ for the stopping test, without its own pass
    opt = model.optimality(x, grad)
    history = History()
    history.append(F, math.nan, opt)
    if opt <= tol:
        return finish(model, x, objective=F, converged=True, n_iter=0, optimality=opt,
                      solver=name, tol=tol, history=history)
    # A non-convex (weakly convex) penalty: steps 1/L below 1/ρ keep each prox unique (model.weak_convexity)
    L_floor = 1.5 * model.weak_convexity()
    L = max(_initial_lipschitz(model, eta, grad), L_floor)
    x_prev, eta_prev = x, eta
    t = 1.0
    converged = False
    n_iter = 0
    g_x = grad  # ∇f at x where known (else None)
    backtracked = False
    ahead = None  # (β, Point): the accepted trial point, with f and ∇f at the next y = x + β(x − x_prev)
    for n_iter in range(1, max_iter + 1):
        if accelerate and x_prev is not x:
            t_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
            beta = (t - 1.0) / t_next
            t = t_next
            y = x + beta * (x - x_prev)
            if ahead is not None and ahead[0] == beta:  # the last trial pass computed them
                eta_y, f_y = ahead[1].eta_g, ahead[1].f_g
                g_y = ahead[1].gradient if math.isfinite(f_y) else None
            else:
                eta_y = eta + beta * (eta - eta_prev)
                f_y = model.data_nll(eta_y)
                g_y = model.data_gradient(eta_y) if math.isfinite(f_y) else None
            if g_y is None:  # the extrapolation overflowed (Poisson: e^η = inf): no momentum this step
                x_prev, eta_prev, t = x, eta, 1.0
                y, eta_y, f_y = x, eta, f
                g_y = g_x = g_x if g_x is not None else model.data_gradient(eta)
        else:
            y, eta_y, f_y = x, eta, f
            g_y = g_x = g_x if g_x is not None else model.data_gradient(eta_y)
        # If this step is accepted, the next one extrapolates with β_next (0 without momentum):
        # each trial pass computes ∇f there too, so that an accepted step costs one pass over X.
        beta_next = _next_beta(t) if accelerate else 0.0
        L = max(L / (_SHRINK if not backtracked else _SHRINK_AFTER), L_floor)
        backtracked = False
        g_new = None
        while True:
            x_new = model.prox(y - g_y / L, 1.0 / L)
            d = x_new - y
            dd = float(d @ d)
            trial = fused.evaluate(model, x_new, eta, beta_next)
            eta_new, f_new = trial.eta, trial.f
            if not math.isfinite(f_new):
                L *= 2.0
                backtracked = True
                continue
            excess = f_new - (f_y + float(g_y @ d) + 0.5 * L * dd)
            if excess <= 0 or dd == 0:
                break
            if excess <= _ROUNDING * (abs(f_y) + 1.0):
                g_new = trial.gradient if beta_next == 0.0 else model.data_gradient(eta_new)
                if float((g_new - g_y) @ d) <= 0.5 * L * dd:
                    break
                g_new = None
            L *= 2.0
            backtracked = True
            if L > 1e300:
                raise DivergenceError(f"{name}: the line search found no step (L > 1e300); the data may hold inf or NaN")
        F_new = f_new + model.penalty(x_new)
        rise = F_new - F
        if accelerate and rise > 0 and (rise > _ROUNDING * (abs(F) + 1.0) or float((y - x_new) @ (x_new - x)) > 0):
            # Adaptive restart: drop the momentum and redo the step from x.  Where the
            # rise is below rounding, U cannot tell the points apart and the gradient
            # scheme decides instead (restart when the step opposes the momentum);
            # without that, a plain step from x that rounds upward is discarded forever.
            x_prev, eta_prev, t = x, eta, 1.0
            ahead = None
            history.append(F, 1.0 / L, history.optimality[-1])
            continue
        x_prev, eta_prev = x, eta
        x, eta, f, F = x_new, eta_new, f_new, F_new
        ahead = (beta_next, trial)
        g_x = g_new if g_new is not None else (trial.known_gradient if beta_next == 0.0 else None)
        bound = L * math.sqrt(dd) / model.gradient_scale
        if bound <= tol:
            if g_x is None:
                g_x = trial.gradient if beta_next == 0.0 else model.data_gradient(eta)
            opt = model.optimality(x, g_x)
        else:
            opt = bound
        history.append(F, 1.0 / L, opt)
        if opt <= tol and bound <= tol:
            converged = True
            break
    if not converged:
        opt = model.optimality(x, g_x if g_x is not None else model.data_gradient(eta))
        converged = opt <= tol
    return finish(model, x, objective=F, converged=converged, n_iter=n_iter, optimality=opt,
                  solver=name, tol=tol, history=history,
                  message="" if converged else "Raise max_iter, or try solver='newton' for few features.")


def fista(model, theta0, *, tol: float = 1e-6, max_iter: int = 10_000) -> MapResult:
    """Accelerated proximal gradient with backtracking and adaptive restart."""
    return _proximal_gradient(model, theta0, tol=tol, max_iter=max_iter, accelerate=True, name="fista")


def ista(model, theta0, *, tol: float = 1e-6, max_iter: int = 10_000) -> MapResult:
    """Proximal gradient with backtracking (no momentum)."""
    return _proximal_gradient(model, theta0, tol=tol, max_iter=max_iter, accelerate=False, name="ista")
