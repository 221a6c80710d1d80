"""The posterior DataTree: draws of (w, b), their log-likelihood and log prior, and where they came from.

Groups: ``posterior`` (``coef`` (chain, draw, feature), ``intercept``, ``sigma``
where the noise sd is estimated),
``sample_stats`` (when the sampler has them), ``log_likelihood`` (``obs``,
per row or summed), ``log_prior`` (normalized densities) and ``observed_data``.
``posterior.attrs`` record the sampler, the priors (λ in words, kind and
parameters), the likelihood, the seed and the model's identity
(``model_identity``, JSON) that :func:`bayesreg.compare.compare` checks.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np
import xarray as xr

from .problem import Problem

__all__ = ["attrs_of", "assemble", "noise_text"]


def attrs_of(problem: Problem, sampler: str, seed: int) -> dict:
    """The ``posterior.attrs`` every sampler writes."""
    m = problem.model
    attrs = {
        "sampler": sampler,
        "prior": m.prior_spec.describe(),
        "prior_kind": type(m.prior_spec).__name__,
        "prior_params": json.dumps(m.prior_spec.params()),
        "likelihood": repr(m.likelihood),
        "likelihood_params": json.dumps(m.likelihood.params()),
        "fit_intercept": int(m.fit_intercept),
        "model_identity": m.identity_json(),
        "noise": noise_text(problem),
        "noise_prior_kind": type(m.noise_prior).__name__ if problem.estimates_sigma else "none",
        "noise_prior_params": json.dumps(m.noise_prior.params() if problem.estimates_sigma else {}),
        "map_sigma": float(m.sigma) if m.sigma is not None else float("nan"),
        "sigma_estimated": int(problem.estimates_sigma),
        "random_seed": int(seed),
        "inference_library": "bayesreg",
        "created_at": datetime.now(timezone.utc).isoformat(),
    }
    if m.fit_intercept:
        attrs.update({"intercept_prior": m.intercept_prior.describe(),
                      "intercept_prior_kind": type(m.intercept_prior).__name__,
                      "intercept_prior_params": json.dumps(m.intercept_prior.params())})
    else:
        attrs.update({"intercept_prior": "none (fit_intercept=False)", "intercept_prior_kind": "none",
                      "intercept_prior_params": "{}"})
    return attrs


def noise_text(problem: Problem) -> str:
    """'σ estimated, prior …', 'σ fixed at …' or 'no noise sd' (the likelihood has none)."""
    m = problem.model
    if m.sigma is None:
        return "no noise sd"
    if not problem.estimates_sigma:
        return f"σ fixed at {m.sigma:.6g}"
    return f"σ estimated, prior {m.noise_prior.describe()}"


def _with_latent(post: xr.Dataset, latent: xr.Dataset | None) -> xr.Dataset:
    """The posterior with the priors' latent variables (sampler attrs and extra coords dropped)."""
    if latent is None:
        return post
    keep = {str(k): (v.dims, np.asarray(v.values, dtype=float)) for k, v in latent.data_vars.items()
            if set(v.dims) <= {"chain", "draw", "feature"}}
    return post.assign({k: (dims, values) for k, (dims, values) in keep.items()})


def assemble(problem: Problem, W: np.ndarray, B: np.ndarray | None, stats: xr.Dataset | None, attrs: dict,
             pointwise: bool, loglik_sum: np.ndarray | None = None, S: np.ndarray | None = None,
             latent: xr.Dataset | None = None) -> xr.DataTree:
    """The DataTree: posterior, [sample_stats], log_likelihood, log_prior, observed_data.

    ``loglik_sum`` (chain, draw): the summed log likelihood when it is already known;
    ``S`` (chain, draw): the draws of σ where it is estimated.
    ``latent``: the priors' latent variables (a horseshoe's ``coef_tau``, …), added to ``posterior``.
    A prior without a closed-form density (``Prior.has_logpdf`` False) has no ``coef`` in
    ``log_prior``; its attrs ``coef_omitted`` say why.
    """
    m = problem.model
    chains, draws = W.shape[:2]
    base = {"chain": np.arange(chains), "draw": np.arange(draws)}
    feat = {"feature": list(m.feature_names)}
    obs = {} if m.remote else {"obs_id": np.arange(m.n_samples)}
    group_attrs = {"created_at": attrs["created_at"], "inference_library": "bayesreg"}

    lp_w, lp_b = m.log_prior(W, B, S)
    post = {"coef": (("chain", "draw", "feature"), W)}
    lp = {} if lp_w is None else {"coef": (("chain", "draw", "feature"), lp_w)}
    lp_attrs = dict(group_attrs) if lp_w is not None else {**group_attrs, "coef_omitted": m.prior.no_logpdf_reason()}
    if m.fit_intercept:
        post["intercept"] = (("chain", "draw"), B)
        lp["intercept"] = (("chain", "draw"), lp_b)
    if S is not None:
        post["sigma"] = (("chain", "draw"), S)
        lp["sigma"] = (("chain", "draw"), m.noise_prior.logpdf(S))
    if loglik_sum is not None and not pointwise:
        ll = loglik_sum
    else:
        ll = m.loglik(W, B if m.fit_intercept else 0.0, pointwise, S=S)
    ll_var = (("chain", "draw", "obs_id"), ll) if pointwise else (("chain", "draw"), ll)

    groups = {
        "posterior": _with_latent(xr.Dataset(post, coords={**base, **feat}, attrs=attrs), latent),
        "log_likelihood": xr.Dataset({"obs": ll_var}, coords={**base, **(obs if pointwise else {})},
                                     attrs={**group_attrs, "pointwise": int(pointwise)}),
        "log_prior": xr.Dataset(lp, coords={**base, **feat}, attrs=lp_attrs),
        # chunked data: y stays a lazy Dask array (no obs_id coordinate, which would take N values in memory)
        "observed_data": xr.Dataset({"obs": (("obs_id",), m.y)}, coords=obs, attrs=group_attrs),
    }
    if stats is not None:
        groups["sample_stats"] = stats.assign_coords(base)
    order = ["posterior", "sample_stats", "log_likelihood", "log_prior", "observed_data"]
    return xr.DataTree.from_dict({f"/{k}": groups[k] for k in order if k in groups})
