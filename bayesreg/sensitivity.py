r"""Prior sensitivity: λ paths, how much the posterior moves with λ, and choosing λ.

A sweep varies the prior strength λ with everything else fixed.  For an
elastic net, λ is λ1 and the ratio λ2/λ1 is kept (``with_strength``).

* **MAP path.**  λ is visited from the strongest prior to the weakest, each fit
  warm-started from the previous solution; results are returned in the order
  the caller gave.  The path equals independent fits (each to the solver's tol).
* **Posterior path.**  The PyMC model is compiled once; only λ (a ``pm.Data``)
  changes between runs (nutpie ``with_data``).  Runs are independent, so they
  can be spread over a Dask cluster (``client=``); each worker compiles once.
* **Sensitivity in λ units.**  For Gaussian and Laplace priors, raising the
  prior density to the power α is the same as λ → αλ (up to normalization), so
  ArviZ's power-scaling diagnostic and the derivative d E[w | y] / d log λ
  (from refits at λ·(1 ± δ)) measure the same thing.
* **Choosing λ.**  K-fold cross-validated log-loss along the MAP path (λ_min
  and the one-standard-error λ: the strongest prior within one SE of the
  minimum); the empirical-Bayes λ that maximizes the Laplace-approximation
  evidence (Gaussian prior)

      log p(y | λ) ≈ −Σ nll(ŵ) − (λ/2)‖ŵ‖² + (D/2) log λ − ½ log det H(ŵ) + const,

  exact for the linear–Gaussian model; and full Bayes with a Gamma hyperprior
  on λ.
"""

from __future__ import annotations

import logging
import math
import warnings
from typing import Callable, Sequence

import numpy as np
import xarray as xr
from sklearn.base import clone

from .priors import ElasticNet, Flat, Gaussian, Laplace, Prior

__all__ = ["with_strength", "strength_of", "map_path", "cross_validate_path", "empirical_bayes_lambda",
           "laplace_log_evidence"]

logger = logging.getLogger(__name__)


def strength_of(prior: Prior) -> float:
    """The λ a sweep varies: lam for Gaussian/Laplace, lam1 for the elastic net."""
    if isinstance(prior, (Gaussian, Laplace)):
        return prior.lam
    if isinstance(prior, ElasticNet):
        return prior.lam1 if prior.lam1 > 0 else prior.lam2
    raise TypeError(f"prior must be Gaussian, Laplace or ElasticNet to sweep λ, got {prior!r}")


def with_strength(prior: Prior, lam: float) -> Prior:
    """The same kind of prior at strength λ (an elastic net keeps its ratio λ2/λ1)."""
    if isinstance(prior, Gaussian):
        return Gaussian(lam)
    if isinstance(prior, Laplace):
        return Laplace(lam)
    if isinstance(prior, ElasticNet):
        if prior.lam1 == 0:
            return ElasticNet(0.0, lam)
        return ElasticNet(lam, lam * prior.lam2 / prior.lam1)
    raise TypeError(f"prior must be Gaussian, Laplace or ElasticNet to sweep λ, got {prior!r}")


def check_lams(lams) -> np.ndarray:
    """λ values as a 1-D float array: finite, > 0, no duplicates."""
    arr = np.asarray(lams, dtype=float).ravel() if not isinstance(lams, str) else None
    if arr is None or arr.size == 0:
        raise ValueError(f"lams must be a non-empty sequence of numbers > 0, got {lams!r}")
    bad = arr[~np.isfinite(arr) | (arr <= 0)]
    if bad.size:
        raise ValueError(f"lams must be finite and > 0, got {bad[0]!r}")
    if np.unique(arr).size != arr.size:
        raise ValueError("lams must not repeat a value")
    return arr


def _resolved_prior(est) -> Prior:
    prior = est.prior if est.prior is not None else Gaussian(1.0)
    if isinstance(prior, Flat):
        raise TypeError("est.prior is Flat: there is no λ to sweep")
    return prior


def map_path(est, X, y, lams: Sequence[float], *, progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """MAP at every λ, warm-started from the strongest prior to the weakest.

    Returns a Dataset with dims (lam, feature): ``map_coef``, ``map_intercept``,
    ``objective`` (U), ``converged``, ``n_iter``, in the order of ``lams``.
    """
    lams = check_lams(lams)
    prior = _resolved_prior(est)
    order = np.argsort(-lams)  # strong → weak: sparse, fast solutions first
    work = clone(est).set_params(warm_start=True)
    n = len(lams)
    coefs = intercepts = None
    objective = np.empty(n)
    converged = np.empty(n, dtype=bool)
    n_iter = np.empty(n, dtype=int)
    for done, i in enumerate(order, start=1):
        work.set_params(prior=with_strength(prior, float(lams[i])))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)  # reported per λ in `converged`
            work.fit(X, y)
        if coefs is None:
            coefs = np.empty((n, work.coef_.size))
            intercepts = np.empty(n)
        coefs[i] = work.coef_
        intercepts[i] = work.intercept_
        objective[i] = work.objective_
        converged[i] = work.map_.converged
        n_iter[i] = work.n_iter_
        if progress is not None:
            progress(done, n)
    if not converged.all():
        warnings.warn(f"the MAP did not converge at λ = {lams[~converged].tolist()}", UserWarning, stacklevel=2)
    features = work.feature_names()
    return xr.Dataset(
        {"map_coef": (("lam", "feature"), coefs), "map_intercept": ("lam", intercepts),
         "objective": ("lam", objective), "converged": ("lam", converged), "n_iter": ("lam", n_iter)},
        coords={"lam": lams, "feature": features},
        attrs={"prior": prior.describe(), "prior_kind": type(prior).__name__,
               "lam_meaning": _lam_meaning(prior)})


def _lam_meaning(prior: Prior) -> str:
    if isinstance(prior, Gaussian):
        return "precision: prior variance 1/λ, sd 1/√λ"
    if isinstance(prior, Laplace):
        return "rate: prior scale 1/λ"
    return f"λ1 (L1 rate), with λ2 = {prior.lam2 / prior.lam1 if prior.lam1 else math.inf:g}·λ1"


def _log_loss(est, X, y) -> np.ndarray:
    """Per-row negative log predictive density at the MAP."""
    yy = est.encode_targets(y)
    eta = est._linear_predictor(X)
    return -est._likelihood().loglik_rows(yy, eta)


def cross_validate_path(est, X, y, lams, *, n_folds: int = 5, random_state: int | None = 0) -> xr.Dataset:
    """K-fold cross-validated log-loss along the MAP path.

    Returns a Dataset with ``cv_loss`` (lam; mean over folds of the mean
    per-row log-loss), ``cv_se`` (its standard error over folds) and
    ``fold_loss`` (fold, lam); attrs ``lam_min`` and ``lam_1se`` (the largest λ
    whose loss is within one SE of the minimum).
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    lams = check_lams(lams)
    if isinstance(n_folds, bool) or not isinstance(n_folds, (int, np.integer)) or n_folds < 2:
        raise ValueError(f"n_folds must be an integer >= 2, got {n_folds!r}")
    X = np.asarray(X, dtype=float) if not hasattr(X, "iloc") else X
    y = np.asarray(y)
    classifier = hasattr(est, "predict_proba")
    splitter = (StratifiedKFold if classifier else KFold)(n_splits=n_folds, shuffle=True, random_state=random_state)
    fold_loss = np.empty((n_folds, len(lams)))
    for k, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y)):
        Xtr = X.iloc[train] if hasattr(X, "iloc") else X[train]
        Xte = X.iloc[test] if hasattr(X, "iloc") else X[test]
        path = map_path(est, Xtr, y[train], lams)
        fitted = clone(est).fit(Xtr, y[train])  # sets classes_ etc.; coefficients replaced below
        for i in range(len(lams)):
            fitted.coef_ = path.map_coef.values[i]
            fitted.intercept_ = float(path.map_intercept.values[i])
            fold_loss[k, i] = _log_loss(fitted, Xte, y[test]).mean()
    mean = fold_loss.mean(axis=0)
    se = fold_loss.std(axis=0, ddof=1) / math.sqrt(n_folds)
    i_min = int(np.argmin(mean))
    within = mean <= mean[i_min] + se[i_min]
    lam_1se = float(lams[within].max())
    return xr.Dataset({"cv_loss": ("lam", mean), "cv_se": ("lam", se), "fold_loss": (("fold", "lam"), fold_loss)},
                      coords={"lam": lams, "fold": np.arange(n_folds)},
                      attrs={"lam_min": float(lams[i_min]), "lam_1se": lam_1se, "n_folds": n_folds})


def laplace_log_evidence(est, X, y, lam: float) -> float:
    """Laplace-approximation log marginal likelihood log p(y | λ) (Gaussian prior), up to a λ-free constant."""
    from .model import Model

    prior = Gaussian(lam)
    fitted = clone(est).set_params(prior=prior).fit(X, y)
    Xa = np.asarray(X, dtype=float)
    yy = fitted.encode_targets(y)
    model = Model(Xa, yy, fitted._likelihood(), prior, fitted.intercept_prior_, fitted.fit_intercept)
    theta = model.theta_from(fitted.coef_, fitted.intercept_)
    eta = model.linear_predictor(theta)
    H = model.hessian(theta)
    sign, logdet = np.linalg.slogdet(H)
    if sign <= 0:
        return -math.inf
    w = fitted.coef_
    d = w.size
    nll = model.data_nll(eta)
    return float(-nll - 0.5 * lam * (w @ w) + 0.5 * d * math.log(lam) - 0.5 * logdet)


def empirical_bayes_lambda(est, X, y, *, bounds: tuple[float, float] = (1e-4, 1e4)) -> tuple[float, float]:
    """λ maximizing the Laplace-approximation evidence (Gaussian prior); returns (λ, log evidence)."""
    from scipy.optimize import minimize_scalar

    lo, hi = (math.log(b) for b in bounds)
    grid = np.linspace(lo, hi, 25)
    vals = np.array([laplace_log_evidence(est, X, y, math.exp(g)) for g in grid])
    i = int(np.argmax(vals))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    res = minimize_scalar(lambda g: -laplace_log_evidence(est, X, y, math.exp(g)), bounds=(a, b), method="bounded",
                          options={"xatol": 1e-6})
    return float(math.exp(res.x)), float(-res.fun)
