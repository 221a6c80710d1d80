r"""The Laplace approximation q(θ) = N(θ̂, H⁻¹) at the MAP, and U's local shape it is built from.

θ̂ is the MAP and H = ∇²U(θ̂) in the user's (w, b) parametrization (with
s = log σ appended, and U with its Jacobian, where σ is estimated: ``Problem.target``) (the model's
own Hessian: Aᵀ diag(d²nll/dη²) A + diag(prior curvature), A = [X, 1]).  An L1
(Laplace or elastic-net) penalty has a kink at 0, so U has no Hessian at a
coefficient the MAP set exactly to zero: there the approximation is a **point
mass at 0** (its draws are exactly 0) and the Gaussian lives on the active set
(nonzero coefficients and the intercept).

Its Pareto k̂ is PSIS of the exact posterior against a *proper* proposal: the
Gaussian on the active set times, for each zeroed weight j, an asymmetric
Laplace with rate λ1 + g_j on w > 0 and λ1 − g_j on w < 0 (g_j the gradient of
U's smooth part at the MAP; |g_j| < λ1 there, by optimality), which is U's own
first-order shape around the kink.  log w = −U(θ) − log q(θ); k̂ > 0.7 means the
approximation cannot be trusted.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy import linalg

from ..priors.base import LOG_2PI
from ..validation import check_int, check_seed
from ..warn import LIBRARY_FILES
from .assemble import assemble, attrs_of
from .diagnostics import PARETO_K_MAX, PosteriorWarning, psis
from .problem import Problem

__all__ = ["LaplaceFit", "laplace_fit", "laplace_approximation"]


def _polish(problem: Problem, theta: np.ndarray, active: np.ndarray, steps: int = 5) -> np.ndarray:
    """A few Newton steps on the active set, keeping the signs of L1-penalized coordinates.

    The solver stops at a scale-free KKT tolerance; Newton makes the mode exact to
    rounding, so the approximation's mean is the MAP and not the solver's last iterate.
    """
    m = problem.target
    kinked = active & (m.l1_weights(theta) > 0)
    u = m.objective(theta)
    for _ in range(steps):
        l1 = m.l1_weights(theta)
        eta = m.linear_predictor(theta)
        g, H = m.smooth_gradient(theta, eta), m.hessian(theta, eta=eta)
        ga = (g + l1 * np.sign(theta))[active]
        try:
            step = linalg.solve(H[np.ix_(active, active)], ga, assume_a="pos")
        except (linalg.LinAlgError, ValueError):
            break
        new = theta.copy()
        new[active] -= step
        if np.any(np.sign(new[kinked]) != np.sign(theta[kinked])):
            break
        u_new = m.objective(new)
        if not u_new <= u + 1e-12 * max(1.0, abs(u)):
            break
        theta, u = new, u_new
        if np.max(np.abs(step), initial=0.0) <= 1e-15 * (1.0 + np.max(np.abs(theta))):
            break
    return theta


@dataclass(frozen=True)
class LaplaceFit:
    """U's local shape at the MAP: what the Laplace approximation and the IS proposal are built from.

    ``active``: nonzero coefficients, the intercept and every coordinate without an
    L1 term; the rest are *zeroed* (an L1 penalty set them exactly to 0).  ``L`` is
    the Cholesky factor of H on the active set; ``g`` the gradient of U's smooth part
    (|g_j| ≤ λ1 on zeroed coordinates: the KKT condition).
    """

    theta: np.ndarray    # the polished MAP
    active: np.ndarray   # bool
    g: np.ndarray        # ∇ of U's smooth part at the MAP
    H: np.ndarray        # ∇² of U's smooth part at the MAP (all coordinates)
    L: np.ndarray        # cholesky(H[active, active]), lower
    rate_pos: np.ndarray  # λ1 + g_j on zeroed coordinates (NaN elsewhere): U's slope for w_j > 0
    rate_neg: np.ndarray  # λ1 − g_j: U's slope for w_j < 0

    @property
    def k(self) -> int:
        return int(self.active.sum())


def laplace_fit(problem: Problem) -> LaplaceFit:
    """U's local shape at the (polished) MAP; ValueError when H is not positive definite there."""
    m = problem.target
    theta = problem.theta()
    active = (m.l1_weights(theta) == 0) | (theta != 0)
    theta = _polish(problem, theta, active)
    l1 = m.l1_weights(theta)
    eta = m.linear_predictor(theta)
    g, H = m.smooth_gradient(theta, eta), m.hessian(theta, eta=eta)
    try:
        L = linalg.cholesky(H[np.ix_(active, active)], lower=True)
    except linalg.LinAlgError:
        raise ValueError("the Hessian of U at the MAP is not positive definite, so there is no Laplace "
                         "approximation (the posterior is improper or flat in some direction, e.g. a Flat "
                         "prior with collinear features)") from None
    rate_pos = np.full(m.n_params, np.nan)
    rate_neg = np.full(m.n_params, np.nan)
    zeroed = ~active
    lam1, gz = l1[zeroed], g[zeroed]
    rate_pos[zeroed] = np.maximum(lam1 + gz, 1e-6 * lam1)  # > 0 up to the solver's KKT tolerance
    rate_neg[zeroed] = np.maximum(lam1 - gz, 1e-6 * lam1)
    return LaplaceFit(theta, active, g, H, L, rate_pos, rate_neg)


def _asymmetric_laplace(rng, a: np.ndarray, c: np.ndarray, draws: int) -> tuple[np.ndarray, np.ndarray]:
    """Draws (draws, m) and their summed log density from ∝ exp(−a·w) (w > 0), exp(c·w) (w < 0)."""
    positive = rng.random((draws, a.size)) < c / (a + c)
    e = rng.standard_exponential((draws, a.size))
    w = np.where(positive, e / a, -e / c)
    return w, (np.log(a * c / (a + c)) - np.where(positive, a * w, -c * w)).sum(axis=1)


def laplace_approximation(est, X, y, *, draws: int = 1000, random_seed: int | None = None,
                          sample_weight=None) -> xr.DataTree:
    """The Laplace approximation N(MAP, H⁻¹) of the posterior, as draws in a DataTree.

    H is the exact Hessian of U at the MAP in the (w, b) parametrization.  A
    coefficient that an L1 penalty set exactly to zero has no Hessian (U has a
    kink there): it is a point mass at 0 (all its draws are exactly 0), and the
    Gaussian covers the active set (nonzero coefficients and the intercept).

    Returns
    -------
    xarray.DataTree shaped like :func:`sample_posterior`'s (chain = 1, no
    ``sample_stats``), plus a group ``approximation`` with ``mean``
    (parameter: the coefficients, the intercept and, where σ is estimated,
    ``log_sigma``), ``covariance`` (parameter, parameter_2; zero rows for zeroed
    coefficients), ``active`` (parameter) and, for zeroed coefficients, the
    asymmetric-Laplace rates of the PSIS proposal (``rate_positive``,
    ``rate_negative``).  ``posterior.attrs["pareto_k"]`` (also on the
    approximation group) is the PSIS k̂ of the exact posterior against a proper
    version of the approximation (module docstring); NaN with fewer than 25 draws.

    Warns
    -----
    PosteriorWarning
        If k̂ > 0.7: the approximation cannot be trusted.

    Raises
    ------
    ValueError
        For a prior without a mode (``Prior.has_mode`` False, e.g. the horseshoe): no MAP to centre on.
    """
    draws = check_int(draws, "draws", 1)
    seed = check_seed(random_seed)
    problem = Problem.from_estimator(est, X, y, sample_weight)
    if not problem.has_map:
        raise ValueError(f"no Laplace approximation without a MAP: {problem.no_map_reason()}")
    rng = np.random.default_rng(seed)
    lap = laplace_fit(problem)
    theta, active, L, k = lap.theta, lap.active, lap.L, lap.k
    z = rng.standard_normal((draws, k))
    dev = linalg.solve_triangular(L, z.T, lower=True, trans="T").T  # L⁻ᵀz ~ N(0, H⁻¹)
    thetas = np.zeros((draws, problem.n_params))
    thetas[:, active] = theta[active] + dev
    # log N(θ | θ̂, H⁻¹) = −½ zᵀz − (k/2) log 2π + ½ log det H
    log_q = -0.5 * np.einsum("ij,ij->i", z, z) - 0.5 * k * LOG_2PI + np.log(np.diag(L)).sum()

    # Proper proposal for the zeroed coordinates: asymmetric Laplace with U's slopes at the kink.
    zeroed = ~active
    proposal = thetas.copy()
    if zeroed.any():
        wz, lq = _asymmetric_laplace(rng, lap.rate_pos[zeroed], lap.rate_neg[zeroed], draws)
        proposal[:, zeroed] = wz
        log_q = log_q + lq
    _, khat = psis(problem.log_posterior(proposal) - log_q)

    attrs = attrs_of(problem, "laplace", seed)
    attrs["pareto_k"] = khat
    W, B = problem.split(thetas[None])
    S = problem.sigma_of(thetas[None])
    tree = assemble(problem, np.asarray(W), np.asarray(B) if problem.fit_intercept else None, None, attrs,
                    pointwise=True, S=S)

    names = problem.param_names()
    cov = np.zeros((problem.n_params, problem.n_params))
    cov[np.ix_(active, active)] = linalg.cho_solve((L, True), np.eye(k))
    approx = xr.Dataset(
        {"mean": (("parameter",), theta), "covariance": (("parameter", "parameter_2"), cov),
         "active": (("parameter",), active), "rate_positive": (("parameter",), lap.rate_pos),
         "rate_negative": (("parameter",), lap.rate_neg)},
        coords={"parameter": names, "parameter_2": names},
        attrs={"pareto_k": khat, "method": "N(MAP, H⁻¹) on the active set; point mass at 0 for coefficients "
                                           "an L1 penalty set exactly to zero",
               "zeroed": json.dumps([n for n, a_ in zip(names, active) if not a_])})
    tree["approximation"] = xr.DataTree(approx)
    if khat > PARETO_K_MAX:
        warnings.warn(f"The Laplace approximation can't be trusted here: Pareto k̂ = {khat:.2f} > {PARETO_K_MAX} "
                      f"(importance sampling from it to the exact posterior fails: the posterior's shape is far "
                      f"from Gaussian). Use sample_posterior instead.",
                      PosteriorWarning, skip_file_prefixes=LIBRARY_FILES)
    return tree
