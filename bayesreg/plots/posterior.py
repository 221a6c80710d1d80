"""Figures of one fit's posterior next to its MAP.

* :func:`plot_forest` — the :func:`bayesreg.compare.compare` table: HDI bars,
  posterior means, the MAP (exact zeros marked distinctly; without a MAP, a
  legend entry saying why), the truth if known,
  several posteriors side by side if the table came from a dict.
* :func:`plot_densities` — per coefficient, a histogram of the posterior draws,
  the MAP as a vertical line and the prior density overlaid; the title gives λ
  and the prior sd, so λ-as-precision shows up as the prior's width.

Artists carry a ``gid`` ("hdi", "mean", "map", "map_zero", "true", "posterior",
"prior") so callers and tests can find them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..compare import INTERCEPT, SHARED_COLUMNS, hdi, is_posterior_tree, posterior_draws, posterior_features
from ..priors import Flat, as_prior
from ..validation import ArgumentTypeError, check_bool, check_int
from .axes import MAP_STYLE, TRUE_STYLE, ZERO_STYLE, as_axes_list, new_axes

__all__ = ["plot_forest", "plot_densities", "NO_MAP_LABEL", "FOREST_MAX_HEIGHT", "AUTO_FEATURES"]

#: The legend entry in place of the MAP for a prior without a mode (the horseshoe).
NO_MAP_LABEL = "no MAP: the prior's density is unbounded at 0"


# -- forest --------------------------------------------------------------------------

def _forest_blocks(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """(shared columns, {label: per-posterior columns}) for a single or a dict-built table."""
    if not isinstance(table, pd.DataFrame):
        raise ArgumentTypeError(f"table must be the DataFrame returned by compare(), got {type(table).__name__}")
    if isinstance(table.columns, pd.MultiIndex):
        shared = pd.DataFrame({c: table[c] for c in SHARED_COLUMNS if (c, "") in table.columns})
        labels = [lab for lab in table.columns.get_level_values(0).unique() if lab not in SHARED_COLUMNS]
        blocks = {lab: table[lab] for lab in labels}
    else:
        shared = table[[c for c in SHARED_COLUMNS if c in table.columns]]
        blocks = {"": table}
    needed = {"hdi_low", "hdi_high", "mean"}
    if "map" not in shared or not blocks or any(not needed <= set(b.columns) for b in blocks.values()):
        raise ValueError("table must be the DataFrame returned by compare() (columns map, mean, hdi_low, hdi_high)")
    return shared, blocks


#: Forest figure height cap (inches): many rows share it instead of growing the figure.
FOREST_MAX_HEIGHT = 14.0


def plot_forest(table: pd.DataFrame, *, ax=None, show_true: bool = True, title: str | None = None):
    """Forest plot of a :func:`~bayesreg.compare.compare` table, one row per coefficient.

    Per posterior: a bar over the HDI and a dot at the posterior mean (several
    posteriors are drawn side by side, slightly offset).  Per row: the MAP as a
    black ×, or a hollow red diamond where the MAP is exactly zero; the truth
    as a green star, drawn just below the row (behind the MAP) so that a true
    zero and an exactly-zero MAP stay two markers.  The figure is at most
    :data:`FOREST_MAX_HEIGHT` inches tall (rows and markers shrink for many
    rows) and the legend sits outside the data, right of the axes.

    Returns the matplotlib Axes.
    """
    shared, blocks = _forest_blocks(table)
    show_true = check_bool(show_true, "show_true")
    n = len(table)
    height = min(FOREST_MAX_HEIGHT, 1.5 + 0.45 * n)
    ax = new_axes(ax, (7.0, height))
    pitch_pt = 72.0 * (ax.figure.get_figheight() * ax.get_position().height) / max(n, 1)  # points per row
    scale = float(np.clip(pitch_pt / 28.0, 0.55, 1.0))   # 0.45 in rows (≈ 32 pt) keep full-size markers
    y = np.arange(n)[::-1].astype(float)          # first row at the top
    k = len(blocks)
    offsets = np.linspace(-0.15 * (k - 1), 0.15 * (k - 1), k) if k > 1 else np.zeros(1)
    true_offset = -(0.15 * (k - 1) + 0.3)       # below the row's bars, still inside the row
    prob = table.attrs.get("prob")
    hdi_text = f"{prob:.0%} HDI" if isinstance(prob, float) else "HDI"
    ax.axvline(0.0, color="0.85", linewidth=1, zorder=0)
    for i, (label, block) in enumerate(blocks.items()):
        color = f"C{i}"
        yy = y + offsets[i]
        suffix = f" ({label})" if label else ""
        bars = ax.hlines(yy, block["hdi_low"].to_numpy(float), block["hdi_high"].to_numpy(float), color=color,
                         linewidth=2.5 * scale, alpha=0.8, label=hdi_text + suffix, zorder=2)
        bars.set_gid("hdi")
        ax.plot(block["mean"].to_numpy(float), yy, "o", color=color, markersize=5 * scale,
                label="posterior mean" + suffix, gid="mean", zorder=3)
    map_values = shared["map"].to_numpy(float)
    is_zero = (shared["map_is_zero"].to_numpy(bool) if "map_is_zero" in shared else map_values == 0.0)

    def sized(style):
        return {**style, "markersize": style["markersize"] * scale}

    if np.isnan(map_values).all():  # a prior without a mode (the horseshoe): say so instead of a marker
        ax.plot([], [], " ", label=NO_MAP_LABEL, gid="no_map")
    else:
        ax.plot(map_values[~is_zero], y[~is_zero], label="MAP", gid="map", **sized(MAP_STYLE))
    if is_zero.any():
        ax.plot(map_values[is_zero], y[is_zero], label="MAP = 0 exactly", gid="map_zero", **sized(ZERO_STYLE))
    if show_true and "true" in shared:
        truth = shared["true"].to_numpy(float)
        ok = np.isfinite(truth)
        ax.plot(truth[ok], y[ok] + true_offset, label="true value", gid="true",
                **{**sized(TRUE_STYLE), "zorder": 1})
    ax.set_yticks(y, [str(r) for r in table.index], fontsize="small" if n > 25 else None)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel("coefficient value")
    ax.set_title(title if title is not None else f"MAP vs posterior ({hdi_text})")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, framealpha=0.8)
    return ax


# -- densities -----------------------------------------------------------------------

_SYMBOLS = {"lam": "λ", "lam1": "λ1", "lam2": "λ2"}


def _prior_label(prior) -> str:
    """Short title text: the prior's parameters (λ, or λ1, λ2, …) and its sd."""
    sd = float(prior.sd)
    sd_text = f"prior sd {sd:.3g}" if math.isfinite(sd) else "prior sd ∞"
    params = ", ".join(f"{_SYMBOLS.get(k, k)}={float(v):.3g}" for k, v in prior.params().items())
    if not prior.proper:
        params = "(improper), " + (params or "λ=0")
    return f"{type(prior).__name__} {params}, {sd_text}"


#: How many panels ``plot_densities(features="auto")`` draws at most.
AUTO_FEATURES = 6


def _interest(draws: dict, names: list[str], map_values: dict, prob: float) -> dict[str, float]:
    """Per coefficient: how far the MAP sits from the posterior, in posterior sds.

    The score is max over posteriors of |MAP − mean| / sd, plus 10 when the MAP
    lies outside the posterior's HDI (so those come first).  Without a MAP
    (the horseshoe) it is |mean| / sd, the coefficients the data pin down.
    """
    score = {}
    for name in names:
        m = map_values.get(name, math.nan)
        best = 0.0
        for d in draws.values():
            x = np.asarray(d[name], dtype=float).ravel()
            x = x[np.isfinite(x)]
            if x.size == 0:
                continue
            sd = float(np.std(x)) or 1e-300
            mean = float(np.mean(x))
            if math.isnan(m):
                best = max(best, abs(mean) / sd)
                continue
            low, high = hdi(x, prob)
            best = max(best, abs(m - mean) / sd + (10.0 if not low <= m <= high else 0.0))
        score[name] = best
    return score


def plot_densities(est, posterior, *, features: Sequence[str] | str | None = "auto", axes=None, bins: int = 40,
                   max_auto: int = AUTO_FEATURES):
    """Posterior density of each coefficient with its MAP and its prior.

    Parameters
    ----------
    est : fitted estimator (its MAP, ``prior_`` and ``intercept_prior_``)
    posterior : DataTree or dict {label: DataTree} (the contract of :func:`bayesreg.compare.compare`)
    features : names to draw; ``"intercept"`` is allowed.  ``"auto"`` (default): the
        ``max_auto`` most interesting coefficients, most interesting first — the MAP
        outside the posterior's 94% HDI, then the largest |MAP − mean| / sd (see
        :func:`_interest`); the intercept is left out.  None: every coefficient.
    axes : Axes, or a sequence/array of at least ``len(features)`` Axes; None makes a grid
    bins : histogram bins

    Each panel: a density-normalized histogram of the draws (one per posterior),
    the MAP as a dashed vertical line, and the prior density p(w) (none for a
    Flat prior, which is improper, nor for a horseshoe, which has no closed form).
    For a prior without a mode (the horseshoe) ``est`` may be unfitted: there is
    no MAP line, and the legend says why.  Returns a 1-D array of the Axes used.
    """
    no_map = hasattr(est, "has_mode") and not est.has_mode()  # the horseshoe: no MAP, est may be unfitted
    if not no_map and (not hasattr(est, "coef_") or not hasattr(est, "prior_")):
        raise ValueError(f"est must be a fitted bayesreg estimator, got {type(est).__name__}")
    names = posterior_features(posterior) if no_map else list(est.feature_names())
    fit_intercept = bool(getattr(est, "fit_intercept", True))
    runs = dict(posterior) if isinstance(posterior, Mapping) and not is_posterior_tree(posterior) else {"": posterior}
    if not runs:
        raise ValueError("posterior must be a DataTree or a non-empty dict {label: DataTree}")
    draws = {label: posterior_draws(tree, names, fit_intercept, "posterior" if not label else f"posterior[{label!r}]")
             for label, tree in runs.items()}
    available = names + ([INTERCEPT] if fit_intercept else [])
    auto = isinstance(features, str) and features == "auto"
    if not auto:
        features = list(names if features is None else ([features] if isinstance(features, str) else features))
    unknown = [] if auto else [f for f in features if f not in available]
    if not auto and (not features or unknown):
        raise ValueError(f"features must be a non-empty list of names from {available}, got unknown {unknown}"
                         if unknown else "features must not be empty")
    bins = check_int(bins, "bins", 1)
    if no_map:
        priors = {"coef": as_prior(est.prior, "est.prior"), INTERCEPT: as_prior(est.intercept_prior,
                                                                                 "est.intercept_prior", default=Flat())}
        map_values = dict.fromkeys(names + [INTERCEPT], math.nan)
    else:
        priors = {"coef": est.prior_, INTERCEPT: est.intercept_prior_}
        map_values = dict(zip(names, np.asarray(est.coef_, dtype=float).tolist()))
        if fit_intercept:
            map_values[INTERCEPT] = float(est.intercept_)
    if auto:
        max_auto = check_int(max_auto, "max_auto", 1)
        score = _interest(draws, names, map_values, 0.94)
        features = sorted(names, key=lambda f: -score[f])[:max_auto]  # stable: ties keep the model's order

    ax_list = as_axes_list(axes, len(features))
    for ax, name in zip(ax_list, features):
        prior = priors[INTERCEPT] if name == INTERCEPT else priors["coef"]
        xs = [d[name].ravel() for d in draws.values()]
        m = map_values[name]
        lo = min(float(np.min(x)) for x in xs + ([] if no_map else [np.array([m])]))
        hi = max(float(np.max(x)) for x in xs + ([] if no_map else [np.array([m])]))
        pad = 0.1 * (hi - lo) if hi > lo else 1.0
        for i, (label, x) in enumerate(zip(draws, xs)):
            _, _, patches = ax.hist(x, bins=bins, density=True, histtype="stepfilled", alpha=0.35, color=f"C{i}",
                                    label=f"posterior ({label})" if label else "posterior")
            for p in patches:
                p.set_gid("posterior")
        if no_map:
            ax.plot([], [], " ", label=NO_MAP_LABEL, gid="no_map")
        else:
            ax.axvline(m, color="black", linestyle="--", linewidth=1.5, label="MAP" + (" = 0" if m == 0 else ""),
                       gid="map")
        if prior.proper and prior.has_logpdf:
            grid = np.linspace(lo - pad, hi + pad, 401)
            ax.plot(grid, np.exp(prior.logpdf(grid)), color="crimson", linewidth=1.5, label="prior", gid="prior")
        ax.set_title(f"{name}\n{_prior_label(prior)}", fontsize="small")
        ax.set_xlabel(name)
        ax.set_xlim(lo - pad, hi + pad)
    ax_list[0].set_ylabel("density")
    ax_list[0].legend(fontsize="x-small")
    return np.asarray(ax_list, dtype=object)
