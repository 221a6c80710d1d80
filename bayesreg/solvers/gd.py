r"""The lecture's loop: (sub)gradient descent with a fixed learning rate.

    w ← w − learning_rate · (Xᵀ(σ(Xw + b) − y) + ∂penalty(w)),   sign(0) = 0

It is kept as the teaching baseline.  Under L1 the subgradient λ·sign(w) has
constant size, so weights run to zero at constant speed — and then overshoot
and *hover* within about learning_rate·λ of it instead of landing on it: the
KKT conditions are never met to a tight tolerance, and the result says so.
Proximal gradient (``ista``/``fista``) lands on exact zeros.

A learning rate far above 2/L makes U explode; that raises
:class:`DivergenceError` naming a rate that works (1/L, with L estimated by
power iteration).  The logistic gradient is bounded, so a rate only tens or
hundreds of times too large makes the iterates oscillate at a high U instead
of exploding; then the ConvergenceWarning says that the rate exceeds 2/L.
"""

from __future__ import annotations

import math

import numpy as np

from ..validation import check_real
from .result import DivergenceError, History, MapResult, finish

__all__ = ["gd", "lipschitz_constant"]


def lipschitz_constant(model, n_iter: int = 50, seed: int = 0, theta=None) -> float:
    """Upper curvature of U's smooth part: c_max·‖A‖² + prior curvature (power iteration).

    c_max is the likelihood's bound on d²nll/dη² (logistic 1/4, normal 1/σ²).  Where
    there is none (Poisson: e^η), it is the largest row curvature at ``theta`` (default
    θ = 0): then L is *local*, valid near θ only.
    """
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(model.n_params)
    c_max = model.max_curvature()
    if c_max is None:
        at = np.zeros(model.n_params) if theta is None else np.asarray(theta, dtype=float)
        rows = model.curvature_rows(model.linear_predictor(at))
        c_max = float(rows.max()) if rows.size else 0.0
    s = 0.0
    for _ in range(n_iter):
        v /= np.linalg.norm(v)
        Av = model.linear_predictor(v)  # η is linear in θ
        v = model.adjoint(Av)
        s = float(np.linalg.norm(v))
    return c_max * s + float(model.prior_curvature().max(initial=0.0))


def gd(model, theta0, *, tol: float = 1e-6, max_iter: int = 5000, learning_rate: float = 0.001) -> MapResult:
    """Plain (sub)gradient descent with a fixed learning rate (the lecture's loop)."""
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, low_open=True)
    x = np.array(theta0, dtype=float, copy=True)
    history = History()
    F0 = None
    opt = math.inf
    n_iter = 0
    converged = False
    for n_iter in range(0, max_iter + 1):
        eta = model.linear_predictor(x)
        F = model.data_nll(eta) + model.penalty(x)
        if F0 is None:
            F0 = F
        if not math.isfinite(F) or F > F0 + 1e3 * (abs(F0) + 1.0):
            L = lipschitz_constant(model, theta=theta0)
            raise DivergenceError(
                f"gd diverged at iteration {n_iter} (U = {F:.3g}, started at {F0:.3g}): "
                f"learning_rate={learning_rate:g} is too large for this data (it must be below 2/L = {2 / L:.3g}); "
                f"try learning_rate={1 / L:.3g}, or solver='fista', which chooses its own step")
        grad = model.data_gradient(eta)
        opt, converged = history.record(model, x, grad, F, learning_rate, tol)
        if converged or n_iter == max_iter:
            break
        x = x - learning_rate * (grad + model.penalty_gradient(x))
    message = ""
    if not converged and F0 is not None and F > F0:
        L = lipschitz_constant(model, theta=theta0)
        if learning_rate > 2.0 / L:
            message = (f"U ended above its starting value ({F:.6g} > {F0:.6g}): learning_rate={learning_rate:g} "
                       f"is above 2/L = {2 / L:.3g}; try learning_rate={1 / L:.3g}, or solver='fista'. ")
    l1 = model.prior.l1()
    if not converged and l1 > 0:
        w, _ = model.split(x)
        band = learning_rate * l1
        hovering = int(np.count_nonzero(np.abs(w) <= band))
        message += (f"Subgradient descent never lands on zero under L1: {hovering} weights hover within "
                    f"learning_rate·λ1 = {band:.3g} of it. solver='fista' or 'ista' gives exact zeros.")
    return finish(model, x, objective=F, converged=converged, n_iter=n_iter, optimality=opt,
                  solver="gd", tol=tol, history=history, message=message)
