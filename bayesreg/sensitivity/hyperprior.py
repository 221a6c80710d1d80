r"""Full Bayes on λ: the estimator's model with a Gamma hyperprior on the prior strength.

    λ ~ Gamma(a, b),   w_j | λ ~ prior(λ),   y | w, b ~ likelihood,

written non-centred by default: w = z·λ^(−p) with z drawn from the prior at
λ = 1 (p from ``Prior.scale_power``: ½ for the Gaussian sd 1/√λ, 1 for the
Laplace scale 1/λ), which NUTS follows where the data say little about a weight;
``centered=True`` samples w directly (the prior's own ``to_pymc`` with λ random).
Either needs a prior that is a scale family in λ (``Prior.scale_family``).
The model is the posterior's PyMC model with its ``coef`` replaced, compiled
once per structure in the posterior's compile cache (another λ grid, other data
or other (a, b) do not recompile).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import xarray as xr
from sklearn.base import clone

from ..parallel import available_cores
from ..posterior import Problem
from ..posterior.diagnostics import RHAT_MAX, PosteriorWarning
from ..posterior.pymc_model import COMPILED, build, data_values, structure_key
from ..posterior.nuts import check_tune
from ..validation import check_bool, check_int, check_real, check_seed
from ..warn import LIBRARY_FILES
from .path import swept_prior

__all__ = ["full_bayes_lambda"]


def _weights_with_random_lambda(prior, centered: bool, a: float, b: float):
    """The ``coef`` builder of the hyperprior model (runs inside the PyMC model context)."""

    def weights(dims):
        import pymc as pm

        lam = pm.Gamma("lam", alpha=pm.Data("hyper_a", a), beta=pm.Data("hyper_b", b))
        if centered:
            return prior.to_pymc("coef", dims=dims, strength=lam)
        power, _ = prior.scale_power()
        z = prior.with_strength(1.0).to_pymc("z", dims=dims)
        return pm.Deterministic("coef", z * lam ** (-power), dims=dims)

    return weights


def full_bayes_lambda(est, X, y, *, a: float = 1.0, b: float = 0.1, draws: int = 1000, tune: int = 1000,
                      chains: int = 2, random_seed: int | None = None, centered: bool = False) -> xr.DataTree:
    r"""Posterior of λ itself under a Gamma(a, b) hyperprior (shape a, rate b; mean a/b).

    The model is the estimator's, with λ random (module docstring).  Sampled with
    nutpie.  Returns nutpie's DataTree (``posterior``: ``lam``, ``coef``
    (feature), ``intercept``, ``z``), with the hyperprior in ``posterior.attrs``.
    Warns (``PosteriorWarning``) on divergences or R̂(λ) > 1.01.
    """
    import arviz as az
    import nutpie

    a = check_real(a, "a", low=0.0, low_open=True)
    b = check_real(b, "b", low=0.0, low_open=True)
    draws = check_int(draws, "draws", 1)
    tune = check_tune(tune)
    chains = check_int(chains, "chains", 1)
    seed = check_seed(random_seed)
    centered = check_bool(centered, "centered")
    prior = swept_prior(est)
    if not prior.scale_family:
        raise TypeError(f"full Bayes on λ needs a prior whose scale is λ^(−p), such as a Gaussian or Laplace "
                        f"prior on the weights, got {prior!r}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fitted = clone(est).fit(X, y)
    problem = Problem.from_estimator(fitted, X, y)
    if problem.estimates_sigma and problem.model.prior_spec.noise_scaled:
        raise ValueError(f"full Bayes on λ with an estimated σ needs a prior that is not noise_scaled, got {prior!r}; "
                         f"fix noise_sd or use noise_scaled=False")
    key = (structure_key(problem), "gamma-hyperprior", centered)
    weights = _weights_with_random_lambda(problem.model.prior, centered, a, b)
    compiled, _ = COMPILED.get(key, lambda: build(problem, weights),
                               {**data_values(problem), "hyper_a": a, "hyper_b": b})
    tree = nutpie.sample(compiled, draws=draws, tune=tune, chains=chains, cores=available_cores(chains), seed=seed,
                         progress_bar=False, save_warmup=False)
    post = tree["posterior"].dataset
    n_div = int(tree["sample_stats"].dataset["diverging"].sum()) if "sample_stats" in tree.children else 0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        rhat = float(az.rhat(post["lam"].values)) if chains > 1 else math.nan
        ess = float(az.ess(post["lam"].values, method="bulk"))
    tree["posterior"].attrs.update({"hyper_a": a, "hyper_b": b, "prior_kind": type(prior).__name__,
                                    "hyperprior": f"λ ~ Gamma(shape {a:g}, rate {b:g})", "random_seed": seed,
                                    "parametrization": "centered" if centered else "non-centered",
                                    "lam_r_hat": rhat, "lam_ess_bulk": ess, "divergences": n_div})
    problems = []
    if n_div:
        problems.append(f"{n_div} divergent transitions")
    if rhat > RHAT_MAX:
        problems.append(f"R-hat of λ = {rhat:.3f} > {RHAT_MAX}")
    if problems:
        warnings.warn("the posterior of λ may not be reliable: " + "; ".join(problems)
                      + ". Try more tune and draws.", PosteriorWarning, skip_file_prefixes=LIBRARY_FILES)
    return tree
