r"""Choosing λ three ways on one grid: cross-validation, empirical Bayes, full Bayes.

* K-fold cross-validated log-loss along the MAP path (λ_min and the one-standard-
  error λ: the strongest prior within one SE of the minimum);
* the empirical-Bayes λ that maximizes the Laplace-approximation evidence
  (a smooth prior: Gaussian)

      log p(y | λ) ≈ −Σ nll(ŵ) + Σ_j log p(ŵ_j | λ) + (D/2) log 2π − ½ log det H(ŵ) + const
                   = −Σ nll(ŵ) − (λ/2)‖ŵ‖² + (D/2) log λ − ½ log det H(ŵ) + const   (Gaussian),

  exact for the linear–Gaussian model;
* full Bayes with a Gamma hyperprior on λ (:mod:`bayesreg.sensitivity.hyperprior`).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import xarray as xr
from sklearn.base import clone

from ..priors.base import LOG_2PI
from ..validation import check_int, check_lams
from .hyperprior import full_bayes_lambda
from .path import fit_path, swept_prior

__all__ = ["cross_validate_path", "laplace_log_evidence", "empirical_bayes_lambda", "choose_lambda"]


def cross_validate_path(est, X, y, lams, *, n_folds: int = 5, random_state: int | None = 0) -> xr.Dataset:
    """K-fold cross-validated log-loss along the MAP path.

    Returns a Dataset with ``cv_loss`` (lam; mean over folds of the mean
    per-row log-loss), ``cv_se`` (its standard error over folds) and
    ``fold_loss`` (fold, lam); attrs ``lam_min`` and ``lam_1se`` (the largest λ
    whose loss is within one SE of the minimum).
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    lams = check_lams(lams)
    n_folds = check_int(n_folds, "n_folds", 2)
    X = np.asarray(X, dtype=float) if not hasattr(X, "iloc") else X
    y = np.asarray(y)
    classifier = hasattr(est, "predict_proba")
    splitter = (StratifiedKFold if classifier else KFold)(n_splits=n_folds, shuffle=True, random_state=random_state)
    fold_loss = np.empty((n_folds, len(lams)))
    for k, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y)):
        Xtr = X.iloc[train] if hasattr(X, "iloc") else X[train]
        Xte = X.iloc[test] if hasattr(X, "iloc") else X[test]
        path, _, fitted = fit_path(est, Xtr, y[train], lams)
        Xv, yv = fitted.prepare_data(Xte, y[test])
        eta = Xv @ path.map_coef.values.T + path.map_intercept.values  # (rows, lam)
        fold_loss[k] = -fitted.likelihood().loglik_rows(yv[:, None], eta).mean(axis=0)
    mean = fold_loss.mean(axis=0)
    se = fold_loss.std(axis=0, ddof=1) / math.sqrt(n_folds)
    i_min = int(np.argmin(mean))
    within = mean <= mean[i_min] + se[i_min]
    lam_1se = float(lams[within].max())
    return xr.Dataset({"cv_loss": ("lam", mean), "cv_se": ("lam", se), "fold_loss": (("fold", "lam"), fold_loss)},
                      coords={"lam": lams, "fold": np.arange(n_folds)},
                      attrs={"lam_min": float(lams[i_min]), "lam_1se": lam_1se, "n_folds": n_folds})


def laplace_log_evidence(est, X, y, lam: float) -> float:
    """Laplace-approximation log marginal likelihood log p(y | λ) (a smooth prior), up to a λ-free constant."""
    prior = swept_prior(est).with_strength(float(lam))
    if not prior.smooth:
        raise ValueError(f"the Laplace-approximation evidence needs a smooth (Gaussian) prior, got {prior!r}")
    fitted = clone(est).set_params(prior=prior).fit(X, y)
    if getattr(fitted, "noise_prior_", None) is not None:
        # σ estimated: the Laplace approximation in (w, b, log σ), with every normalizing constant
        from ..posterior.problem import Problem

        problem = Problem.from_estimator(fitted, X, y)
        th = problem.theta()
        sign, logdet = np.linalg.slogdet(problem.target.hessian(th))
        if sign <= 0:
            return -math.inf
        return float(problem.log_posterior(th[None])[0] + 0.5 * th.size * LOG_2PI - 0.5 * logdet)
    model = fitted.to_model(*fitted.prepare_data(X, y))
    theta = model.theta_from(fitted.coef_, fitted.intercept_)
    eta = model.linear_predictor(theta)
    sign, logdet = np.linalg.slogdet(model.hessian(theta, eta=eta))
    if sign <= 0:
        return -math.inf
    w = fitted.coef_
    return float(-model.data_nll(eta) + prior.logpdf(w).sum() + 0.5 * w.size * LOG_2PI - 0.5 * logdet)


def empirical_bayes_lambda(est, X, y, *, bounds: tuple[float, float] = (1e-4, 1e4)) -> tuple[float, float]:
    """λ maximizing the Laplace-approximation evidence (a smooth prior); returns (λ, log evidence)."""
    from scipy.optimize import minimize_scalar

    lo, hi = (math.log(b) for b in bounds)
    grid = np.linspace(lo, hi, 25)
    vals = np.array([laplace_log_evidence(est, X, y, math.exp(g)) for g in grid])
    i = int(np.argmax(vals))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    res = minimize_scalar(lambda g: -laplace_log_evidence(est, X, y, math.exp(g)), bounds=(a, b), method="bounded",
                          options={"xatol": 1e-6})
    return float(math.exp(res.x)), float(-res.fun)


def choose_lambda(est, X, y, lams: Sequence[float], *, n_folds: int = 5, random_state: int | None = 0,
                  full_bayes: bool = True, hyper_a: float = 1.0, hyper_b: float = 0.1, draws: int = 1000,
                  tune: int = 1000, chains: int = 2, random_seed: int | None = None, prob: float = 0.94,
                  centered: bool = False) -> xr.Dataset:
    """The three ways of choosing λ, on one grid, in one Dataset (for :func:`bayesreg.plots.plot_lambda_choice`).

    * cross-validation (:func:`cross_validate_path`): ``cv_loss``, ``cv_se``,
      ``fold_loss``; attrs ``lam_min``, ``lam_1se``;
    * empirical Bayes (:func:`empirical_bayes_lambda`, smooth priors only — its
      Laplace-approximation evidence needs one): ``log_evidence`` along the grid;
      attrs ``lam_eb``, ``eb_log_evidence`` (NaN otherwise, with ``eb_note``
      saying why);
    * full Bayes (:func:`full_bayes_lambda`, Gamma(hyper_a, hyper_b)
      hyperprior): ``lam_draws`` (sample); attrs ``lam_fb_median``,
      ``lam_fb_mean``, ``lam_fb_hdi_low``, ``lam_fb_hdi_high`` (``prob`` HDI of
      λ), ``fb_r_hat``, ``fb_divergences``.
    """
    from ..compare import hdi

    lams = check_lams(lams)
    prior = swept_prior(est)
    cv = cross_validate_path(est, X, y, lams, n_folds=n_folds, random_state=random_state)
    ds = cv.copy()
    power, name = prior.scale_power()
    ds.attrs.update({"prior": prior.describe(), "prior_kind": type(prior).__name__, "scale_power": power,
                     "scale_name": name, "lam_meaning": prior.strength_meaning()})
    if prior.smooth:
        evidence = np.array([laplace_log_evidence(est, X, y, float(l)) for l in lams])
        lam_eb, ev = empirical_bayes_lambda(est, X, y)
        ds["log_evidence"] = ("lam", evidence)
        ds.attrs.update({"lam_eb": lam_eb, "eb_log_evidence": ev,
                         "eb_note": "maximizes the Laplace-approximation log evidence log p(y | λ)"})
    else:
        ds["log_evidence"] = ("lam", np.full(len(lams), np.nan))
        ds.attrs.update({"lam_eb": math.nan, "eb_log_evidence": math.nan,
                         "eb_note": f"the Laplace-approximation evidence needs a smooth (Gaussian) prior, "
                                    f"not a {type(prior).__name__} one"})
    if full_bayes:
        tree = full_bayes_lambda(est, X, y, a=hyper_a, b=hyper_b, draws=draws, tune=tune, chains=chains,
                                 random_seed=random_seed, centered=centered)
        lam_draws = np.asarray(tree["posterior"]["lam"].values, dtype=float).ravel()
        lo, hi = hdi(lam_draws, prob)
        a = tree["posterior"].attrs
        ds["lam_draws"] = ("sample", lam_draws)
        ds.attrs.update({"lam_fb_median": float(np.median(lam_draws)), "lam_fb_mean": float(lam_draws.mean()),
                         "lam_fb_hdi_low": lo, "lam_fb_hdi_high": hi, "fb_prob": float(prob),
                         "hyper_a": float(hyper_a), "hyper_b": float(hyper_b), "hyperprior": a["hyperprior"],
                         "fb_r_hat": a["lam_r_hat"], "fb_divergences": a["divergences"], "full_bayes": 1})
    else:
        ds.attrs.update({"lam_fb_median": math.nan, "lam_fb_mean": math.nan, "lam_fb_hdi_low": math.nan,
                         "lam_fb_hdi_high": math.nan, "full_bayes": 0})
    return ds
