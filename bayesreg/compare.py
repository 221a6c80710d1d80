r"""MAP vs posterior, coefficient by coefficient.

The MAP ŵ = argmin U(w, b) is the *mode* of the posterior p(w, b | y) ∝ exp(−U)
(docs/contract.md).  :func:`compare` puts it next to summaries of draws from that
same posterior, one row per coefficient (plus ``"intercept"`` when fitted):

==============  ===================================================================
column          meaning (per coefficient; draws pooled over chains)
==============  ===================================================================
``map``         the MAP value (the estimator's ``coef_`` / ``intercept_``)
``true``        the generating value, when ``true_coef`` is given
``map_is_zero`` the MAP is *exactly* 0.0 (an L1 prior's sparsity)
``mean``        posterior mean
``median``      posterior median
``sd``          posterior standard deviation (ddof = 1)
``hdi_low``,    the highest-density interval: the narrowest interval holding at
``hdi_high``    least ``prob`` of the draws (:func:`hdi`)
``map_in_hdi``  hdi_low ≤ map ≤ hdi_high
``true_in_hdi`` the same for ``true`` (only with ``true_coef``)
``p_positive``  fraction of draws > 0
``p_near_zero`` fraction of draws with |w| ≤ eps (default eps = 0.1 × prior sd; Cauchy: × scale)
``r_hat``       rank-normalized split R̂ (ArviZ); NaN with one chain or for an
                approximation
``ess_bulk``    bulk effective sample size (ArviZ); NaN for an approximation
==============  ===================================================================

A linear model whose noise sd σ is estimated has a row ``"sigma"`` last: the MAP
σ (``est.noise_sd_``) and the posterior of σ (``posterior.sigma``); ``p_positive``
and ``p_near_zero`` are NaN there (σ > 0 always).

An L1 MAP sets weights to exactly zero, but the posterior has no mass *at*
zero: its mean is not zero and ``p_near_zero`` < 1.  That contrast is the
point of the table.

R̂ and ESS are MCMC diagnostics.  For a Laplace approximation (a group
``"approximation"`` in the tree, or a posterior attr ``sampler`` starting with
``"laplace"``) the draws are independent draws from a Gaussian that is not the
posterior, so neither says anything about the posterior: both are NaN.  R̂
needs at least two chains (NaN otherwise); ESS is computed for one chain.

A posterior from :func:`bayesreg.posterior.sample_posterior` records its model
(``posterior.attrs["model_identity"]``: likelihood, priors, intercept, features);
``compare`` refuses one whose model is not the estimator's, with a ValueError
saying what differs — a MAP next to the posterior of another prior would be
silently wrong.

A prior without a mode (``Prior.has_mode`` False: the horseshoe, whose density is
infinite at 0) has no MAP: the estimator may be unfitted, ``map`` is NaN,
``map_is_zero`` and ``map_in_hdi`` are None, ``table.attrs["map_missing"]`` says
why, and only the prior (not the whole model identity) is checked against the posterior.

Several posteriors (a dict ``{label: DataTree}``, e.g. NUTS vs Laplace) give
side-by-side columns: a two-level column index ``(label, stat)`` in which the
shared columns sit under ``(name, "")``, so ``table["map"]`` is a Series and
``table["NUTS"]`` the familiar one-posterior table.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .model import identity_differences
from .priors import Flat, as_prior
from .validation import check_probability, check_real

__all__ = ["compare", "hdi", "SHARED_COLUMNS", "INTERCEPT", "SIGMA", "is_posterior_tree", "posterior_draws",
           "posterior_features", "sigma_draws"]

#: Columns that do not depend on the posterior (one copy even for several posteriors).
SHARED_COLUMNS = ("map", "true", "map_is_zero")

#: Row name of the intercept (in the table and in :func:`posterior_draws`).
INTERCEPT = "intercept"

#: Row name of an estimated noise sd σ (the posterior variable of the same name).
SIGMA = "sigma"


def hdi(samples, prob: float = 0.94) -> tuple[float, float]:
    """Highest-density interval of draws: the narrowest [low, high] holding ≥ ``prob`` of them.

    With the n draws sorted, s₀ ≤ … ≤ s_{n−1}, and k = ⌈prob·n⌉ the fewest draws
    that make up a fraction ≥ prob, the interval is [s_i, s_{i+k−1}] for the i
    minimizing s_{i+k−1} − s_i (the first such i on ties).  Draws are pooled
    over all axes.  This is ArviZ's ``method="nearest"`` HDI, except that
    ArviZ keeps ⌊prob·n⌋ + 1 draws, one more than needed when prob·n is an
    integer.

    Examples
    --------
    >>> hdi([0.0, 1.0, 2.0, 3.0, 10.0], prob=0.6)
    (0.0, 2.0)
    """
    prob = check_probability(prob)
    s = np.sort(np.asarray(samples, dtype=float).ravel())
    n = s.size
    if n == 0:
        raise ValueError("samples must hold at least one draw, got an empty array")
    if not np.all(np.isfinite(s)):
        raise ValueError("samples must be finite, got NaN or infinite draws")
    # round() so that e.g. 0.94 * 50 = 46.99999999999999 counts as 47
    k = max(1, min(n, math.ceil(round(prob * n, 9))))
    widths = s[k - 1:] - s[:n - k + 1]
    i = int(np.argmin(widths))
    return float(s[i]), float(s[i + k - 1])


# -- reading a posterior -------------------------------------------------------------

def is_posterior_tree(obj) -> bool:
    """Whether ``obj`` is an xarray DataTree, i.e. one posterior rather than a dict {label: DataTree}.

    A DataTree is itself a Mapping, so test this before treating ``obj`` as a dict.
    """
    import xarray as xr

    return isinstance(obj, xr.DataTree)


def _is_approximation(tree) -> bool:
    if "approximation" in tree.children:
        return True
    sampler = str(tree["posterior"].attrs.get("sampler", ""))
    return sampler.lower().startswith("laplace")


def posterior_draws(tree, names: list[str], fit_intercept: bool, arg: str) -> dict[str, np.ndarray]:
    """{row name: (chain, draw) array} from a posterior tree, validated against the estimator.

    ``names`` are the estimator's ``feature_names()``; the rows come in that
    order, then :data:`INTERCEPT` when ``fit_intercept``.  The tree needs a
    ``posterior`` group with ``coef`` (chain, draw, feature) holding exactly
    those features and, iff ``fit_intercept``, ``intercept`` (chain, draw);
    every draw must be finite.  ``arg`` names the tree in error messages
    (e.g. ``"posterior['NUTS']"``).  Raises ValueError otherwise.
    """
    if not is_posterior_tree(tree) or "posterior" not in tree.children:
        raise ValueError(f"{arg} must be an ArviZ DataTree with a 'posterior' group, got {type(tree).__name__}")
    post = tree["posterior"].dataset
    if "coef" not in post.data_vars:
        raise ValueError(f"{arg} has no variable 'coef' in its posterior group "
                         f"(found {sorted(map(str, post.data_vars))})")
    coef = post["coef"]
    if set(coef.dims) != {"chain", "draw", "feature"}:
        raise ValueError(f"{arg}: posterior 'coef' must have dims (chain, draw, feature), got {coef.dims}")
    have = [str(f) for f in coef["feature"].values] if "feature" in coef.coords else None
    if have is None or sorted(have) != sorted(names) or len(have) != len(names):
        raise ValueError(f"{arg}: posterior 'coef' features {have} do not match the estimator's "
                         f"feature_names() {names}")
    coef = coef.sel(feature=names).transpose("chain", "draw", "feature")
    values = np.asarray(coef.values, dtype=float)
    out = {name: values[:, :, j] for j, name in enumerate(names)}
    has_b = "intercept" in post.data_vars
    if fit_intercept and not has_b:
        raise ValueError(f"{arg} has no 'intercept' in its posterior group, but the estimator fits one")
    if not fit_intercept and has_b:
        raise ValueError(f"{arg} has an 'intercept' in its posterior group, but the estimator has fit_intercept=False")
    if has_b:
        b = post["intercept"]
        if set(b.dims) != {"chain", "draw"}:
            raise ValueError(f"{arg}: posterior 'intercept' must have dims (chain, draw), got {b.dims}")
        out[INTERCEPT] = np.asarray(b.transpose("chain", "draw").values, dtype=float)
    for name, v in out.items():
        if v.size == 0 or not np.all(np.isfinite(v)):
            raise ValueError(f"{arg}: draws of {name!r} are empty or not all finite")
    return out


def sigma_draws(tree, arg: str) -> np.ndarray:
    """The (chain, draw) draws of σ from a posterior tree: ValueError if absent or not finite and positive."""
    post = tree["posterior"].dataset
    if SIGMA not in post.data_vars:
        raise ValueError(f"{arg} has no '{SIGMA}' in its posterior group, but the estimator estimates the noise sd σ")
    s = post[SIGMA]
    if set(s.dims) != {"chain", "draw"}:
        raise ValueError(f"{arg}: posterior '{SIGMA}' must have dims (chain, draw), got {s.dims}")
    values = np.asarray(s.transpose("chain", "draw").values, dtype=float)
    if values.size == 0 or not np.all(np.isfinite(values) & (values > 0)):
        raise ValueError(f"{arg}: draws of {SIGMA!r} are empty or not all finite and > 0")
    return values


def _summarize(draws: dict[str, np.ndarray], map_values: dict[str, float], true_values: dict[str, float] | None,
               prob: float, eps: float, approximation: bool) -> pd.DataFrame:
    from .posterior.diagnostics import rhat_ess

    rows = {}
    names = list(draws)
    if not approximation and names and len({draws[n].shape for n in names}) == 1:  # all columns in one pass
        r_hat, ess_bulk, _ = rhat_ess(np.stack([draws[n] for n in names], axis=-1), tail=False)
        diagnostics = {n: (float(r_hat[i]), float(ess_bulk[i])) for i, n in enumerate(names)}
    else:
        diagnostics = {n: (math.nan, math.nan) if approximation else
                       tuple(float(v[0]) for v in rhat_ess(draws[n][..., None], tail=False)[:2]) for n in names}
    for name, x in draws.items():
        flat = x.ravel()
        lo, hi = hdi(flat, prob)
        m = map_values[name]
        row = {
            "mean": float(flat.mean()),
            "median": float(np.median(flat)),
            "sd": float(flat.std(ddof=1)) if flat.size > 1 else math.nan,
            "hdi_low": lo,
            "hdi_high": hi,
            "map_in_hdi": bool(lo <= m <= hi) if math.isfinite(m) else None,  # no MAP: None
        }
        if true_values is not None:
            t = true_values[name]
            row["true_in_hdi"] = bool(lo <= t <= hi)
        scale = name == SIGMA  # σ > 0: no sign, no band around 0
        row["p_positive"] = math.nan if scale else float(np.mean(flat > 0))
        row["p_near_zero"] = float(np.mean(np.abs(flat) <= eps)) if math.isfinite(eps) and not scale else math.nan
        row["r_hat"], row["ess_bulk"] = diagnostics[name]  # rank-normalized split R-hat and bulk ESS (ArviZ's)
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def _as_vector(value, n: int, arg: str) -> np.ndarray:
    try:
        v = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{arg} must be a vector of {n} numbers, got {value!r}") from None
    if v.shape != (n,):
        raise ValueError(f"{arg} must have shape ({n},) (one value per feature), got shape {v.shape}")
    return v


def _check_same_model(est, tree, arg: str) -> None:
    """A posterior that records its model must be of est's model (the MAP's): a ValueError saying what differs."""
    recorded = tree["posterior"].attrs.get("model_identity")
    ours = getattr(est, "model_identity_", None)
    if recorded is None or ours is None:
        return  # a tree built by hand, or an estimator from before identities were recorded
    differences = identity_differences(ours, json.loads(str(recorded)))
    if differences:
        raise ValueError(f"{arg} is the posterior of another model than est's MAP ({'; '.join(differences)}: "
                         f"the posterior's value vs est's); refit est or sample the posterior of est")


def _without_map(est) -> bool:
    """True for an estimator whose prior has no mode (``has_mode()`` False): there is no MAP to compare."""
    return hasattr(est, "has_mode") and not est.has_mode()


def posterior_features(posterior) -> list[str]:
    """The feature names of the (first) posterior's ``coef``: the rows when the estimator has no MAP (nor names)."""
    tree = next(iter(posterior.values()), None) if isinstance(posterior, Mapping) and not is_posterior_tree(
        posterior) else posterior
    try:
        return [str(f) for f in tree["posterior"].dataset["coef"]["feature"].values]
    except (KeyError, TypeError, AttributeError):
        raise ValueError(f"posterior must be a DataTree (or dict of them) whose 'posterior' group has 'coef' with "
                         f"a 'feature' coordinate, got {type(tree).__name__}") from None


def _check_same_prior(prior, fit_intercept: bool, tree, arg: str) -> None:
    """Without a MAP (nor a fitted model identity): the posterior's recorded prior and intercept must be est's."""
    recorded = tree["posterior"].attrs.get("model_identity")
    if recorded is None:
        return
    theirs = json.loads(str(recorded))
    ours = json.loads(json.dumps({"prior": type(prior.simplest()).__name__, "prior_params": prior.simplest().params(),
                                  "fit_intercept": fit_intercept}))
    differences = identity_differences(ours, {k: theirs.get(k) for k in ours})
    if differences:
        raise ValueError(f"{arg} is the posterior of another model than est's ({'; '.join(differences)}: "
                         f"the posterior's value vs est's); sample the posterior of est")


def compare(est, posterior, *, prob: float = 0.94, eps: float | None = None, true_coef=None,
            true_intercept: float | None = None) -> pd.DataFrame:
    """Table of the MAP next to posterior summaries, one row per coefficient.

    Parameters
    ----------
    est : fitted bayesreg estimator (or unfitted, for a prior without a mode: no MAP)
        Supplies the MAP (``coef_``, ``intercept_``), ``feature_names()`` and the prior.
    posterior : DataTree or dict {label: DataTree}
        Draws of the same model: ``posterior.coef`` (chain, draw, feature) and
        ``posterior.intercept`` (chain, draw) when the estimator fits an intercept.
    prob : float in (0, 1)
        Probability of the highest-density interval.
    eps : float ≥ 0 or None
        Half-width of the "near zero" band for ``p_near_zero``; None means
        0.1 × the prior's sd (NaN — no band — for a Flat prior, whose sd is infinite).
    true_coef, true_intercept : optional
        The generating values (a synthetic data set), shown as column ``true``.

    Returns
    -------
    pandas.DataFrame
        Index: the feature names, then ``"intercept"``.  Columns: see the module
        docstring; with a dict, a two-level column index (label, stat).
        ``df.attrs`` holds ``prob``, ``eps``, ``eps_rule``, ``prior``,
        ``intercept_prior``, ``labels``, and per label (``runs``) the ``sampler``,
        ``n_chains``, ``n_draws``, whether it is an ``approximation`` and, for NUTS,
        ``n_divergent``; without a MAP, ``map_missing`` (why).

    Examples
    --------
    >>> table = compare(est, idata)                                  # doctest: +SKIP
    >>> table.loc[table.map_is_zero, ["map", "mean", "p_near_zero"]]  # doctest: +SKIP
    """
    prob = check_probability(prob)
    no_map = _without_map(est)
    if not no_map and (not hasattr(est, "coef_") or not hasattr(est, "prior_")):
        raise ValueError(f"est must be a fitted bayesreg estimator (with coef_ and prior_), got {type(est).__name__}")
    prior = as_prior(est.prior, "est.prior") if no_map else est.prior_
    if eps is None:
        sd, what = prior.spread()  # the sd, or a heavy-tailed prior's scale
        eps_value = 0.1 * sd if math.isfinite(sd) else math.nan
        eps_rule = (f"eps = 0.1 × {what}" if math.isfinite(sd)
                    else f"no default eps: the prior's sd is not finite ({type(prior).__name__}); p_near_zero is NaN")
    else:
        eps_value = check_real(eps, "eps", low=0.0)
        eps_rule = "eps given by the caller"

    names = posterior_features(posterior) if no_map else list(est.feature_names())
    if INTERCEPT in names:
        raise ValueError(f"a feature is named {INTERCEPT!r}, which clashes with the intercept row")
    fit_intercept = bool(getattr(est, "fit_intercept", True))
    coef = np.full(len(names), math.nan) if no_map else np.asarray(est.coef_, dtype=float).ravel()
    if coef.shape != (len(names),):
        raise ValueError(f"est.coef_ has shape {coef.shape} but est has {len(names)} features")
    map_values = dict(zip(names, coef.tolist()))
    if fit_intercept:
        map_values[INTERCEPT] = math.nan if no_map else float(est.intercept_)
    estimates_sigma = (est.get_params().get("noise_sd", 1.0) is None if no_map
                       else getattr(est, "noise_prior_", None) is not None)
    if estimates_sigma:
        if SIGMA in names:
            raise ValueError(f"a feature is named {SIGMA!r}, which clashes with the noise sd row")
        map_values[SIGMA] = math.nan if no_map else float(est.noise_sd_)
    rows = list(map_values)

    true_values = None
    if true_coef is not None:
        t = _as_vector(true_coef, len(names), "true_coef")
        true_values = dict(zip(names, t.tolist()))
        if fit_intercept:
            if true_intercept is None:
                true_values[INTERCEPT] = math.nan
            else:
                true_values[INTERCEPT] = check_real(true_intercept, "true_intercept", allow_inf=True)
        if estimates_sigma:
            true_values[SIGMA] = math.nan
    elif true_intercept is not None:
        raise ValueError("true_intercept was given without true_coef")

    # -- the posterior(s) ---------------------------------------------------------------
    if isinstance(posterior, Mapping) and not is_posterior_tree(posterior):
        if len(posterior) == 0:
            raise ValueError("posterior must be a DataTree or a non-empty dict {label: DataTree}, got an empty dict")
        runs = {}
        for label, tree in posterior.items():
            if not isinstance(label, str) or not label or label in SHARED_COLUMNS:
                raise ValueError(f"posterior labels must be non-empty strings other than {SHARED_COLUMNS}, "
                                 f"got {label!r}")
            runs[label] = tree
        single = False
    else:
        runs = {"posterior": posterior}
        single = True

    shared = pd.DataFrame(index=pd.Index(rows, name="feature"))
    shared["map"] = [map_values[r] for r in rows]
    if true_values is not None:
        shared["true"] = [true_values[r] for r in rows]
    shared["map_is_zero"] = [None if no_map else map_values[r] == 0.0 for r in rows]

    tables, meta = {}, {}
    for label, tree in runs.items():
        arg = "posterior" if single else f"posterior[{label!r}]"
        draws = posterior_draws(tree, names, fit_intercept, arg)
        if no_map:
            _check_same_prior(prior, fit_intercept, tree, arg)
        else:
            _check_same_model(est, tree, arg)
        if estimates_sigma:
            draws[SIGMA] = sigma_draws(tree, arg)
        approx = _is_approximation(tree)
        n_chain, n_draw = draws[names[0]].shape if names else draws[INTERCEPT].shape
        tables[label] = _summarize(draws, map_values, true_values, prob, eps_value, approx).loc[rows]
        meta[label] = {"sampler": str(tree["posterior"].attrs.get("sampler", "unknown")),
                       "n_chains": int(n_chain), "n_draws": int(n_draw), "approximation": bool(approx)}
        if "sample_stats" in tree.children and "diverging" in tree["sample_stats"].dataset:
            meta[label]["n_divergent"] = int(tree["sample_stats"].dataset["diverging"].sum())

    if single:
        table = pd.concat([shared, tables["posterior"]], axis=1)
    else:
        parts = [shared.set_axis(pd.MultiIndex.from_tuples([(c, "") for c in shared.columns]), axis=1)]
        for label, t in tables.items():
            parts.append(t.set_axis(pd.MultiIndex.from_tuples([(label, c) for c in t.columns]), axis=1))
        table = pd.concat(parts, axis=1)
        table.columns = table.columns.set_names(["label", "stat"])
    table.index.name = "feature"
    for col in table.columns:
        if pd.api.types.is_float_dtype(table[col]):
            table[col] = table[col] + 0.0  # −0.0 + 0.0 = 0.0: a table never shows "-0.0"

    table.attrs.update({
        "prob": prob,
        "eps": eps_value,
        "eps_rule": eps_rule,
        "prior": prior.describe(),
        "intercept_prior": (as_prior(est.intercept_prior, "est.intercept_prior", default=Flat()).describe() if no_map
                            else est.intercept_prior_.describe() if hasattr(est, "intercept_prior_") else "")
        if fit_intercept else "",
        "noise": est.noise_description() if hasattr(est, "noise_description") and not no_map else "",
        "labels": list(runs) if not single else [],
        "runs": meta,
        "diagnostics": "r_hat needs >= 2 chains; r_hat and ess_bulk are NaN for approximations (e.g. Laplace)",
    })
    if no_map:
        table.attrs["map_missing"] = prior.no_mode_reason()
    return table
