r"""Prior sensitivity across families: the same data under several priors, side by side.

A λ sweep moves one prior's strength; :func:`compare_priors` changes the *family*
(Gaussian vs Laplace vs Student-t/Cauchy vs horseshoe …) and puts, per
coefficient, each prior's MAP (where the prior has one) next to its posterior
median and highest-density interval.  The teaching point it makes visible:

* a Laplace prior's MAP sets weights exactly to 0, its posterior never does;
* a heavy-tailed prior (Cauchy) shrinks small weights and leaves large ones alone;
* a horseshoe has **no MAP** (its density is unbounded at 0, so U has no
  minimum) and yet its posterior separates signal from noise best — a prior
  useless as a penalty and excellent as a prior.

Each prior gets a clone of the template estimator with that prior; priors with
a mode are fitted (the MAP), the posterior is sampled with the same settings and
seed for all, and :func:`bayesreg.compare.compare` summarizes each.  Nothing
here prints: progress goes to ``progress(done, total)`` and to ``logging``.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..compare import compare
from ..priors import Prior
from ..validation import ArgumentTypeError, check_probability
from ..warn import LIBRARY_FILES

__all__ = ["compare_priors", "PriorComparison", "prior_label", "FAMILY_COLUMNS"]

logger = logging.getLogger(__name__)

#: The per-prior columns of the table (the shared ``true`` column comes first when known).
FAMILY_COLUMNS = ("map", "map_is_zero", "mean", "median", "hdi_low", "hdi_high", "map_in_hdi", "r_hat")


def prior_label(prior: Prior) -> str:
    """A short label: the class name and its parameter values, e.g. ``Laplace(2)``, ``StudentT(3, 1)``."""
    values = ", ".join(f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in prior.params().values())
    return f"{type(prior).__name__}({values})"


@dataclass
class PriorComparison:
    """What :func:`compare_priors` returns.

    ``table``: rows are the coefficients (then ``intercept``), columns a two-level
    index (prior label, stat) with the stats :data:`FAMILY_COLUMNS` (plus a shared
    ``("true", "")`` column when the truth was given).  ``table.attrs["priors"]``
    holds, per label, the prior in words, the sampler, its divergences and why the
    MAP columns are empty where they are.  ``posteriors`` and ``estimators`` are
    the DataTrees and the (fitted where a MAP exists) estimators, by label.
    """

    table: pd.DataFrame
    posteriors: dict = field(default_factory=dict)
    estimators: dict = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return list(self.posteriors)


def _as_labelled(priors) -> dict[str, Prior]:
    if isinstance(priors, Prior) or isinstance(priors, (str, bytes)):
        raise ArgumentTypeError(f"priors must be a list of priors or a dict {{label: prior}}, got {priors!r}")
    if isinstance(priors, Mapping):
        items = list(priors.items())
    elif isinstance(priors, Sequence):
        items = [(prior_label(p) if isinstance(p, Prior) else None, p) for p in priors]
    else:
        raise ArgumentTypeError(f"priors must be a list of priors or a dict {{label: prior}}, got {type(priors).__name__}")
    if not items:
        raise ValueError("priors must hold at least one prior, got none")
    out: dict[str, Prior] = {}
    for label, p in items:
        if not isinstance(p, Prior):
            raise ArgumentTypeError(f"priors must hold bayesreg priors (Gaussian, Laplace, …), got {p!r}")
        if not isinstance(label, str) or not label or label == "true":
            raise ValueError(f"prior labels must be non-empty strings other than 'true', got {label!r}")
        if label in out:
            raise ValueError(f"two priors have the label {label!r}; pass a dict {{label: prior}} to tell them apart")
        out[label] = p
    return out


def _divergences(tree) -> int:
    stats = tree.children.get("sample_stats")
    if stats is None or "diverging" not in stats.dataset:
        return 0
    return int(np.asarray(stats.dataset["diverging"].values).sum())


def compare_priors(est, X, y, priors, *, draws: int = 1000, tune: int = 1000, chains: int = 4,
                   random_seed: int | None = None, sampler: str = "auto", prob: float = 0.94,
                   true_coef=None, true_intercept: float | None = None, sample_weight=None,
                   progress: Callable[[int, int], None] | None = None) -> PriorComparison:
    """The MAP and the posterior of the same model under each prior, side by side.

    Parameters
    ----------
    est : bayesreg estimator (fitted or not)
        The template: likelihood, intercept and solver settings; its prior is
        replaced by each of ``priors`` in a clone (``est`` is not modified).
    X, y : the data, as for ``fit``.
    priors : list of Prior, or dict {label: Prior}
        Labels default to :func:`prior_label` (``"Laplace(2)"``).
    draws, tune, chains, random_seed, sampler :
        Passed to :func:`bayesreg.posterior.sample_posterior` for every prior
        (the same seed for each, so differences come from the priors).
    prob : HDI probability.
    true_coef, true_intercept : the generating values, if known (column ``true``).
    progress : callable(done, total), called after each prior.

    Returns
    -------
    PriorComparison
        ``table`` with columns (label, stat), stat in :data:`FAMILY_COLUMNS`; the MAP
        columns of a prior without a mode are NaN and ``table.attrs["priors"][label]
        ["map"]`` says why.
    """
    from sklearn.base import clone

    from ..posterior import sample_posterior

    if not hasattr(est, "prepare_data") or not hasattr(est, "get_params") or "prior" not in est.get_params():
        raise ArgumentTypeError(f"est must be a bayesreg estimator (LogisticRegression, LinearRegression, …), "
                                f"got {type(est).__name__}")
    prob = check_probability(prob)
    labelled = _as_labelled(priors)
    total = len(labelled)
    posteriors, estimators, tables, meta = {}, {}, {}, {}
    true_column = None
    for done, (label, prior) in enumerate(labelled.items(), start=1):
        t0 = time.perf_counter()
        work = clone(est).set_params(prior=prior)
        if prior.has_mode:
            work.fit(X, y, sample_weight=sample_weight)
            map_note = f"fitted ({work.map_.solver})"
        else:
            map_note = (f"{prior!r} has no MAP: its density is unbounded at 0, so U has no minimum; "
                        f"only its posterior is shown")
        with warnings.catch_warnings(record=True) as caught:  # re-issued below, naming the prior
            warnings.simplefilter("always")
            post = sample_posterior(work, X, y, draws=draws, tune=tune, chains=chains, random_seed=random_seed,
                                    sampler=sampler, sample_weight=sample_weight)
        for w in caught:
            warnings.warn(f"{label}: {w.message}", w.category, skip_file_prefixes=LIBRARY_FILES)
        table = compare(work, post, prob=prob, true_coef=true_coef, true_intercept=true_intercept)
        if "true" in table.columns and true_column is None:
            true_column = table["true"]
        part = table.reindex(columns=list(FAMILY_COLUMNS))
        if not prior.has_mode:
            part[["map", "map_is_zero", "map_in_hdi"]] = np.nan
        tables[label] = part
        posteriors[label], estimators[label] = post, work
        attrs = post["posterior"].attrs
        meta[label] = {"prior": prior.describe(), "sampler": str(attrs.get("sampler", "unknown")),
                       "auto_reason": str(attrs.get("auto_reason", "")), "divergences": _divergences(post),
                       "map": map_note, "seconds": time.perf_counter() - t0}
        logger.info("compare_priors: %s done (%d/%d, %s, %.1f s)", label, done, total, meta[label]["sampler"],
                    meta[label]["seconds"])
        if progress is not None:
            progress(done, total)

    parts = []
    if true_column is not None:
        parts.append(true_column.to_frame().set_axis(pd.MultiIndex.from_tuples([("true", "")]), axis=1))
    for label, t in tables.items():
        parts.append(t.set_axis(pd.MultiIndex.from_tuples([(label, c) for c in t.columns]), axis=1))
    out = pd.concat(parts, axis=1)
    out.columns = out.columns.set_names(["prior", "stat"])
    out.index.name = "feature"
    out.attrs.update({"prob": prob, "priors": meta, "labels": list(tables),
                      "what": "per coefficient: each prior's MAP (where one exists) next to its posterior "
                              f"median and {prob:.0%} HDI"})
    return PriorComparison(out, posteriors, estimators)
