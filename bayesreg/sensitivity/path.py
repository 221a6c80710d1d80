r"""The MAP path: the MAP at every λ of a grid, warm-started, and the scale each λ stands for.

A sweep varies the prior strength λ with everything else fixed
(``Prior.with_strength``; an elastic net keeps its ratio λ2/λ1).  λ is visited
from the strongest prior to the weakest, each fit warm-started from the previous
solutions (extrapolated linearly in log λ; L1 zeros kept at zero), the data
validated once; results are returned in the order the caller gave.  The path
equals independent fits (each to the solver's tol).  Under a non-convex prior
(``Prior.convex`` False: Student-t, Cauchy) every λ is fitted from 0 instead,
like an independent fit, so that each MAP is the local mode a fit would report.
"""

from __future__ import annotations

import copy
import math
import warnings
from typing import Callable, Sequence

import numpy as np
import xarray as xr
from sklearn.base import clone

from ..priors import Gaussian, Prior
from ..validation import check_lams
from ..warn import LIBRARY_FILES

__all__ = ["swept_prior", "map_path", "fit_path", "with_scales"]


def swept_prior(est) -> Prior:
    """The estimator's prior (None means Gaussian(1)); a TypeError when it has no λ to sweep."""
    prior = est.prior if est.prior is not None else Gaussian(1.0)
    prior.strength  # noqa: B018 - raises TypeError (naming the prior) when there is no λ
    return prior


def map_path(est, X, y, lams: Sequence[float], *, progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """MAP at every λ, warm-started from the strongest prior to the weakest.

    Returns a Dataset with dims (lam, feature): ``map_coef``, ``map_intercept``,
    ``objective`` (U), ``converged``, ``n_iter``, in the order of ``lams``; for a
    linear model whose σ is estimated also ``map_sigma`` (the MAP σ at each λ), and
    ``attrs["noise"]`` says how σ was handled.
    """
    return fit_path(est, X, y, lams, progress=progress, keep=False)[0]


def fit_path(est, X, y, lams, *, progress=None, keep: bool = False):
    """(map_path Dataset, [fitted estimator per λ in the order of lams] or None, the last fitted estimator)."""
    lams = check_lams(lams)
    prior = swept_prior(est)
    order = np.argsort(-lams)  # strong → weak: sparse, fast solutions first
    warm = bool(prior.convex)  # a non-convex U: every fit starts at 0, as an independent fit does
    work = clone(est).set_params(warm_start=warm)
    n = len(lams)
    coefs = intercepts = None
    objective = np.empty(n)
    converged = np.empty(n, dtype=bool)
    n_iter = np.empty(n, dtype=int)
    sigmas = np.full(n, np.nan)
    fitted: list = [None] * n
    visited: list[int] = []
    data = None
    for done, i in enumerate(order, start=1):
        work.set_params(prior=prior.with_strength(float(lams[i])))
        start = {}
        if warm and len(visited) >= 2:
            start = _extrapolated_start(lams, coefs, intercepts, visited[-2], visited[-1], i)
        visited.append(i)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)  # reported per λ in `converged`
            if data is None:
                work.fit(X, y)  # validates everything once; later λ differ only in the prior
                data = work.prepare_data(X, y)
            else:
                work.fit_encoded(*data, **start)
        if coefs is None:
            coefs = np.empty((n, work.coef_.size))
            intercepts = np.empty(n)
        coefs[i] = work.coef_
        intercepts[i] = work.intercept_
        objective[i] = work.objective_
        converged[i] = work.map_.converged
        n_iter[i] = work.n_iter_
        if work.map_.sigma_estimated:
            sigmas[i] = work.map_.sigma
        if keep:
            fitted[i] = copy.deepcopy(work)
        if progress is not None:
            progress(done, n)
    if not converged.all():
        warnings.warn(f"the MAP did not converge at λ = {lams[~converged].tolist()}", UserWarning,
                      skip_file_prefixes=LIBRARY_FILES)
    ds = xr.Dataset(
        {"map_coef": (("lam", "feature"), coefs), "map_intercept": ("lam", intercepts),
         "objective": ("lam", objective), "converged": ("lam", converged), "n_iter": ("lam", n_iter)},
        coords={"lam": lams, "feature": work.feature_names()},
        attrs={"prior": prior.describe(), "prior_kind": type(prior).__name__,
               "lam_meaning": prior.strength_meaning()})
    if not np.isnan(sigmas).all():  # σ estimated: its MAP at every λ
        ds["map_sigma"] = ("lam", sigmas)
    if hasattr(work, "noise_description"):
        ds.attrs["noise"] = work.noise_description(with_map=False)
    return ds, (fitted if keep else None), work


def _extrapolated_start(lams, coefs, intercepts, a: int, b: int, i: int) -> dict:
    """Warm start at λ_i from the solutions at λ_a, λ_b (visited in that order): linear in log λ.

    The path is piecewise smooth in log λ, so the tangent predictor starts the solver
    O(Δ²) rather than O(Δ) from the solution.  A weight that is exactly 0 at λ_b
    stays 0 (an L1 zero), and one whose prediction crosses 0 starts at 0.
    """
    step_prev = math.log(lams[b]) - math.log(lams[a])
    if step_prev == 0:
        return {}
    r = min((math.log(lams[i]) - math.log(lams[b])) / step_prev, 2.0)
    last = coefs[b]
    pred = last + r * (last - coefs[a])
    pred[(last == 0) | (np.sign(pred) != np.sign(last))] = 0.0
    return {"coef_init": pred, "intercept_init": float(intercepts[b] + r * (intercepts[b] - intercepts[a]))}


def with_scales(ds: xr.Dataset, prior: Prior) -> xr.Dataset:
    """Add ``prior_scale`` (λ^(−p)) and ``prior_sd`` (the prior's standard deviation) along lam."""
    power, name = prior.scale_power()
    lams = ds["lam"].values
    ds = ds.assign(prior_scale=("lam", lams ** -power),
                   prior_sd=("lam", np.array([float(prior.with_strength(float(l)).sd) for l in lams])))
    ds["prior_scale"].attrs["long_name"] = name
    ds["prior_sd"].attrs["long_name"] = "prior standard deviation"
    ds.attrs.update({"scale_power": power, "scale_name": name})
    return ds
