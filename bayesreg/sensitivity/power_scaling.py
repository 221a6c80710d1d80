r"""Sensitivity in λ units: power-scaling the prior is a change of λ.

For a Gaussian, Laplace or elastic-net prior, raising the prior density to the
power α is the same as λ → αλ (up to normalization), so ArviZ's power-scaling
diagnostic and the derivative d E[w | y] / d log λ measure the same thing; the
derivative is computed by importance reweighting (psense's weights) and by
refits at λ·(1 ± δ) with the same seed.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr
from sklearn.base import clone

from ..compare import posterior_draws
from ..posterior.diagnostics import PARETO_K_MAX, psis
from ..posterior.nuts import check_tune
from ..validation import check_int, check_real, check_seed
from ..warn import LIBRARY_FILES
from .path import swept_prior

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["prior_sensitivity"]


def _flat_draws(tree: xr.DataTree, names: list[str], fit_intercept: bool) -> np.ndarray:
    """(chain, draw, k) draws of the coefficients, then the intercept when there is one."""
    return np.stack(list(posterior_draws(tree, names, fit_intercept, "posterior").values()), axis=-1)


def _mcse_mean(x: np.ndarray) -> np.ndarray:
    """Monte-Carlo standard error of the mean of each (chain, draw, k) column (ESS-based)."""
    import arviz as az

    out = np.empty(x.shape[-1])
    for k in range(x.shape[-1]):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            ess = float(az.ess(x[..., k], method="mean"))
        out[k] = x[..., k].std(ddof=1) / math.sqrt(max(ess, 1.0))
    return out


def prior_sensitivity(est, X, y, *, draws: int = 1000, tune: int = 1000, chains: int = 4, delta: float = 0.1,
                      random_seed: int | None = None, flag_sd: float = 0.5) -> "pd.DataFrame":
    r"""How much the posterior moves with λ, per coefficient, three ways.

    For a Gaussian, Laplace or elastic-net prior, raising the prior to a power
    α is the same density (up to normalization) as the prior at α·λ (both λ's
    of an elastic net), so ArviZ's power-scaling diagnostic is a statement in
    λ units.  Beside it, the derivative of the posterior mean with respect to
    log λ at the estimator's λ:

    * ``dmean_dloglam_is`` — importance reweighting of the draws at λ to
      λ·(1 ± δ) (weights p(w)^(α−1), Pareto-smoothed as in ``az.psense``),
      a central difference over log λ;
    * ``dmean_dloglam_cov`` — its δ → 0 limit, Cov(θ, log p(w)) over the draws
      (d E_α[θ] / dα at α = 1);
    * ``dmean_dloglam_refit`` — new NUTS runs at λ·(1 − δ) and λ·(1 + δ) with
      the same seed (common random numbers), the same central difference;
      ``refit_se`` its Monte-Carlo standard error (ESS-based).

    The IS and refit derivatives estimate the same finite difference, so they
    should agree within a few ``refit_se`` (column ``agree``).

    Parameters
    ----------
    est : estimator with a Gaussian, Laplace or ElasticNet prior (at the λ of interest).
    draws, tune, chains, random_seed : per NUTS run (three runs: λ, λ(1−δ), λ(1+δ)).
    delta : relative step in λ, in (0, 0.5].
    flag_sd : a coefficient is ``sensitive`` when its posterior mean moves
        by more than ``flag_sd`` posterior sds per doubling of λ.

    Returns
    -------
    pandas.DataFrame, index the features (then ``"intercept"``), columns
    ``map``, ``mean``, ``sd``, ``psense_prior``, ``psense_likelihood`` (ArviZ's
    cumulative-Jensen–Shannon power-scaling sensitivities, prior = the weights'
    prior only), ``diagnosis`` (ArviZ's rule, threshold 0.05),
    ``dmean_dloglam_is``, ``dmean_dloglam_cov``, ``dmean_dloglam_refit``,
    ``refit_se``, ``agree``, ``shift_per_doubling`` (= refit derivative × ln 2:
    the change of the posterior mean when λ doubles), ``shift_per_doubling_sd``
    (that in posterior sds) and ``sensitive``.  ``attrs``: λ, δ, the prior,
    the Pareto k̂ of both IS weightings, the seed.
    """
    import arviz as az
    import pandas as pd
    from arviz_stats.base import array_stats  # noqa: F401 - psense's backend, checked early

    from ..posterior import sample_posterior

    prior = swept_prior(est)
    lam = prior.strength
    delta = check_real(delta, "delta", low=0.0, high=0.5, low_open=True)
    flag_sd = check_real(flag_sd, "flag_sd", low=0.0, low_open=True)
    draws = check_int(draws, "draws", 1)
    tune = check_tune(tune)
    chains = check_int(chains, "chains", 1)
    seed = check_seed(random_seed)
    alphas = (1.0 - float(delta), 1.0 + float(delta))
    span = math.log(alphas[1] / alphas[0])  # Δ log λ of the central difference

    def run(strength):
        fitted = clone(est).set_params(prior=prior.with_strength(strength))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # convergence is checked by sample_posterior
            fitted.fit(X, y)
        tree = sample_posterior(fitted, X, y, draws=draws, tune=tune, chains=chains, random_seed=seed,
                                sampler="nutpie", progressbar=False, pointwise_log_likelihood=False)
        return fitted, tree

    fitted, tree = run(lam)
    names = [str(f) for f in fitted.feature_names()]
    theta = _flat_draws(tree, names, fitted.fit_intercept)  # (chain, draw, k)
    rows = names + (["intercept"] if theta.shape[-1] > len(names) else [])
    flat = theta.reshape(-1, theta.shape[-1])
    mean, sd = flat.mean(axis=0), flat.std(axis=0, ddof=1)

    # -- ArviZ's power-scaling diagnostic (only the weights' prior is scaled: that is λ → αλ)
    var_names = ["coef"] + (["intercept"] if len(rows) > len(names) else [])
    ps = {g: az.psense(tree, var_names=var_names, group=g, group_var_names=["coef"] if g == "prior" else None)
          for g in ("prior", "likelihood")}

    def per_row(ds):
        vals = list(np.asarray(ds["coef"].sel(feature=names).values, dtype=float))
        if "intercept" in rows:
            vals.append(float(ds["intercept"].values))
        return np.array(vals)

    ps_prior, ps_like = per_row(ps["prior"]), per_row(ps["likelihood"])

    # -- importance reweighting to λ·α: weights ∝ p(w)^(α−1), Pareto-smoothed like psense
    log_prior = tree["log_prior"]["coef"].sum("feature").transpose("chain", "draw")
    moved, khat = [], []
    for a in alphas:
        lw = log_prior.azstats.power_scale_lw(alpha=a, dim=["chain", "draw"])
        w = np.exp(np.asarray(lw.values, dtype=float).ravel() - np.max(lw.values))
        w /= w.sum()
        moved.append(w @ flat)
        khat.append(psis((a - 1.0) * log_prior.values)[1])
    d_is = (moved[1] - moved[0]) / span
    lp = log_prior.values.ravel()
    d_cov = ((flat - mean) * (lp - lp.mean())[:, None]).sum(axis=0) / (lp.size - 1)

    # -- refits at λ(1 ± δ), same seed
    refit_means, refit_mcse = [], []
    for a in alphas:
        _, t = run(lam * a)
        th = _flat_draws(t, names, fitted.fit_intercept)
        refit_means.append(th.reshape(-1, th.shape[-1]).mean(axis=0))
        refit_mcse.append(_mcse_mean(th))
    d_refit = (refit_means[1] - refit_means[0]) / span
    se = np.sqrt(refit_mcse[0] ** 2 + refit_mcse[1] ** 2) / span

    map_values = list(np.asarray(fitted.coef_, dtype=float))
    if "intercept" in rows:
        map_values.append(float(fitted.intercept_))
    shift = d_refit * math.log(2.0)
    table = pd.DataFrame({
        "map": map_values, "mean": mean, "sd": sd,
        "psense_prior": ps_prior, "psense_likelihood": ps_like,
        "diagnosis": [_psense_diagnosis(p, l) for p, l in zip(ps_prior, ps_like)],
        "dmean_dloglam_is": d_is, "dmean_dloglam_cov": d_cov, "dmean_dloglam_refit": d_refit, "refit_se": se,
        "agree": np.abs(d_is - d_refit) <= 3.0 * se + 1e-12,
        "shift_per_doubling": shift, "shift_per_doubling_sd": shift / sd,
        "sensitive": np.abs(shift) > flag_sd * sd,
    }, index=pd.Index(rows, name="feature"))
    table.attrs.update({"lam": float(lam), "delta": float(delta), "lam_low": lam * alphas[0],
                        "lam_high": lam * alphas[1], "prior": prior.describe(), "lam_meaning": prior.strength_meaning(),
                        "pareto_k_low": khat[0], "pareto_k_high": khat[1], "random_seed": seed, "draws": draws,
                        "tune": tune, "chains": chains, "flag_sd": float(flag_sd), "psense_threshold": 0.05})
    if max(khat) > PARETO_K_MAX:
        warnings.warn(f"importance reweighting to λ·(1 ± {delta:g}) is unreliable "
                      f"(Pareto k̂ = {max(khat):.2f} > {PARETO_K_MAX}): "
                      f"trust the refit derivative", UserWarning, skip_file_prefixes=LIBRARY_FILES)
    return table


def _psense_diagnosis(prior_value: float, like_value: float, threshold: float = 0.05) -> str:
    """ArviZ's psense_summary rule."""
    if prior_value >= threshold and like_value >= threshold:
        return "potential prior-data conflict"
    if prior_value > threshold > like_value:
        return "potential strong prior / weak likelihood"
    return "✓"


