"""Figures.  Plot functions only draw: each takes results, an optional ``ax``, returns the axes.

* :func:`plot_forest` — the :func:`bayesreg.compare.compare` table: HDI bars,
  posterior means, the MAP (exact zeros marked distinctly), the truth if known,
  several posteriors side by side if the table came from a dict.
* :func:`plot_densities` — per coefficient, a histogram of the posterior draws,
  the MAP as a vertical line and the prior density overlaid; the title gives λ
  and the prior sd, so λ-as-precision shows up as the prior's width.
* :func:`plot_cost_history` — U per iteration of the MAP solver, with the
  optimality measure on a log-scaled second axis.

Artists carry a ``gid`` ("hdi", "mean", "map", "map_zero", "true", "prior",
"optimality", "tol", …) so callers and tests can find them.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .compare import SHARED_COLUMNS

__all__ = ["plot_forest", "plot_densities", "plot_cost_history"]

_MAP_STYLE = dict(color="black", marker="x", linestyle="none", markersize=8, markeredgewidth=2, zorder=4)
_ZERO_STYLE = dict(color="crimson", marker="D", linestyle="none", markersize=7, markerfacecolor="none",
                   markeredgewidth=1.8, zorder=4)
_TRUE_STYLE = dict(color="forestgreen", marker="*", linestyle="none", markersize=10, zorder=5)


def _new_axes(ax, figsize):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


# -- forest --------------------------------------------------------------------------

def _forest_blocks(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """(shared columns, {label: per-posterior columns}) for a single or a dict-built table."""
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table must be the DataFrame returned by compare(), got {type(table).__name__}")
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


def plot_forest(table: pd.DataFrame, *, ax=None, show_true: bool = True, title: str | None = None):
    """Forest plot of a :func:`~bayesreg.compare.compare` table, one row per coefficient.

    Per posterior: a bar over the HDI and a dot at the posterior mean (several
    posteriors are drawn side by side, slightly offset).  Per row: the MAP as a
    black ×, or a hollow red diamond where the MAP is exactly zero; the truth
    as a green star when the table has it.

    Returns the matplotlib Axes.
    """
    shared, blocks = _forest_blocks(table)
    n = len(table)
    ax = _new_axes(ax, (7.0, 1.0 + 0.45 * n))
    y = np.arange(n)[::-1].astype(float)          # first row at the top
    k = len(blocks)
    offsets = np.linspace(-0.15 * (k - 1), 0.15 * (k - 1), k) if k > 1 else np.zeros(1)
    prob = table.attrs.get("prob")
    hdi_text = f"{prob:.0%} HDI" if isinstance(prob, float) else "HDI"
    ax.axvline(0.0, color="0.85", linewidth=1, zorder=0)
    for i, (label, block) in enumerate(blocks.items()):
        color = f"C{i}"
        yy = y + offsets[i]
        suffix = f" ({label})" if label else ""
        bars = ax.hlines(yy, block["hdi_low"].to_numpy(float), block["hdi_high"].to_numpy(float), color=color,
                         linewidth=2.5, alpha=0.8, label=hdi_text + suffix, zorder=2)
        bars.set_gid("hdi")
        ax.plot(block["mean"].to_numpy(float), yy, "o", color=color, markersize=5, label="posterior mean" + suffix,
                gid="mean", zorder=3)
    map_values = shared["map"].to_numpy(float)
    is_zero = (shared["map_is_zero"].to_numpy(bool) if "map_is_zero" in shared else map_values == 0.0)
    ax.plot(map_values[~is_zero], y[~is_zero], label="MAP", gid="map", **_MAP_STYLE)
    if is_zero.any():
        ax.plot(map_values[is_zero], y[is_zero], label="MAP = 0 exactly", gid="map_zero", **_ZERO_STYLE)
    if show_true and "true" in shared:
        truth = shared["true"].to_numpy(float)
        ok = np.isfinite(truth)
        ax.plot(truth[ok], y[ok], label="true value", gid="true", **_TRUE_STYLE)
    ax.set_yticks(y, [str(r) for r in table.index])
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel("coefficient value")
    ax.set_title(title if title is not None else f"MAP vs posterior ({hdi_text})")
    ax.legend(fontsize="small", loc="best", framealpha=0.8)
    return ax


# -- densities -----------------------------------------------------------------------

def _prior_label(prior) -> str:
    """Short title text: λ (or λ1, λ2) and the prior sd."""
    name = type(prior).__name__
    sd = float(prior.sd)
    sd_text = f"prior sd {sd:.3g}" if math.isfinite(sd) else "prior sd ∞"
    if hasattr(prior, "lam1"):
        return f"{name} λ1={prior.lam1:.3g}, λ2={prior.lam2:.3g}, {sd_text}"
    if hasattr(prior, "lam"):
        return f"{name} λ={prior.lam:.3g}, {sd_text}"
    return f"{name} (improper), λ=0, {sd_text}"


def _as_axes_list(axes, n: int):
    if axes is None:
        import matplotlib.pyplot as plt

        ncols = min(3, n)
        nrows = math.ceil(n / ncols)
        fig, grid = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.9 * nrows), squeeze=False)
        flat = list(grid.ravel())
        for extra in flat[n:]:
            extra.set_visible(False)
        fig.set_layout_engine("constrained")
        return flat[:n]
    flat = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(flat) < n:
        raise ValueError(f"axes must hold at least one Axes per feature ({n}), got {len(flat)}")
    return flat[:n]


def plot_densities(est, posterior, *, features: Sequence[str] | None = None, axes=None, bins: int = 40):
    """Posterior density of each coefficient with its MAP and its prior.

    Parameters
    ----------
    est : fitted estimator (its MAP, ``prior_`` and ``intercept_prior_``)
    posterior : DataTree or dict {label: DataTree} (the contract of :func:`bayesreg.compare.compare`)
    features : names to draw (default: every coefficient); ``"intercept"`` is allowed
    axes : Axes, or a sequence/array of at least ``len(features)`` Axes; None makes a grid
    bins : histogram bins

    Each panel: a density-normalized histogram of the draws (one per posterior),
    the MAP as a dashed vertical line, and the prior density p(w) (none for a
    Flat prior, which is improper).  Returns a 1-D array of the Axes used.
    """
    from .compare import INTERCEPT, is_posterior_tree, posterior_draws

    if not hasattr(est, "coef_") or not hasattr(est, "prior_"):
        raise ValueError(f"est must be a fitted bayesreg estimator, got {type(est).__name__}")
    names = list(est.feature_names())
    fit_intercept = bool(getattr(est, "fit_intercept", True))
    runs = dict(posterior) if isinstance(posterior, Mapping) and not is_posterior_tree(posterior) else {"": posterior}
    if not runs:
        raise ValueError("posterior must be a DataTree or a non-empty dict {label: DataTree}")
    draws = {label: posterior_draws(tree, names, fit_intercept, "posterior" if not label else f"posterior[{label!r}]")
             for label, tree in runs.items()}
    available = names + ([INTERCEPT] if fit_intercept else [])
    features = list(names if features is None else ([features] if isinstance(features, str) else features))
    unknown = [f for f in features if f not in available]
    if not features or unknown:
        raise ValueError(f"features must be a non-empty list of names from {available}, got unknown {unknown}"
                         if unknown else "features must not be empty")
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or bins < 1:
        raise ValueError(f"bins must be an integer >= 1, got {bins!r}")
    map_values = dict(zip(names, np.asarray(est.coef_, dtype=float).tolist()))
    if fit_intercept:
        map_values[INTERCEPT] = float(est.intercept_)

    ax_list = _as_axes_list(axes, len(features))
    for ax, name in zip(ax_list, features):
        prior = est.intercept_prior_ if name == INTERCEPT else est.prior_
        xs = [d[name].ravel() for d in draws.values()]
        m = map_values[name]
        lo = min(float(np.min(x)) for x in xs + [np.array([m])])
        hi = max(float(np.max(x)) for x in xs + [np.array([m])])
        pad = 0.1 * (hi - lo) if hi > lo else 1.0
        for i, (label, x) in enumerate(zip(draws, xs)):
            _, _, patches = ax.hist(x, bins=bins, density=True, histtype="stepfilled", alpha=0.35, color=f"C{i}",
                                    label=f"posterior ({label})" if label else "posterior")
            for p in patches:
                p.set_gid("posterior")
        ax.axvline(m, color="black", linestyle="--", linewidth=1.5, label="MAP" + (" = 0" if m == 0 else ""),
                   gid="map")
        if prior.proper:
            grid = np.linspace(lo - pad, hi + pad, 401)
            ax.plot(grid, np.exp(prior.logpdf(grid)), color="crimson", linewidth=1.5, label="prior", gid="prior")
        ax.set_title(f"{name}\n{_prior_label(prior)}", fontsize="small")
        ax.set_xlabel(name)
        ax.set_xlim(lo - pad, hi + pad)
    ax_list[0].set_ylabel("density")
    ax_list[0].legend(fontsize="x-small")
    return np.asarray(ax_list, dtype=object)


# -- cost history --------------------------------------------------------------------

def plot_cost_history(map_result, *, ax=None, per_observation_n: int | None = None):
    """U per iteration of a MAP solve (left axis) and the optimality measure (right, log scale).

    ``map_result`` is a :class:`bayesreg.MapResult` (``est.map_``).  With
    ``per_observation_n=N`` the left axis shows U / N, the lecture's mean cost
    (``.mean()``), instead of the sum U that is the negative log posterior.
    The solver's tolerance is drawn on the optimality axis.  Returns the left
    Axes; the optimality axis is its twin (``ax.figure.axes``).
    """
    history = getattr(map_result, "history", None)
    objective = np.asarray(getattr(history, "objective", []), dtype=float)
    if history is None:
        raise ValueError(f"map_result must be a MapResult (est.map_), got {type(map_result).__name__}")
    if objective.size == 0:
        raise ValueError("map_result.history is empty: nothing to plot")
    if per_observation_n is not None and (isinstance(per_observation_n, bool)
                                          or not isinstance(per_observation_n, numbers.Integral)
                                          or per_observation_n < 1):
        raise ValueError(f"per_observation_n must be an integer >= 1 or None, got {per_observation_n!r}")
    optimality = np.asarray(history.optimality, dtype=float)
    it = np.arange(objective.size)
    ax = _new_axes(ax, (6.5, 3.8))
    if per_observation_n is None:
        ax.plot(it, objective, color="C0", label="U (sum: negative log posterior)", gid="objective")
        ax.set_ylabel("U = Σ nll + penalty")
    else:
        ax.plot(it, objective / per_observation_n, color="C0", label=f"U / N (mean cost, N = {per_observation_n})",
                gid="objective")
        ax.set_ylabel("U / N (the lecture's mean cost)")
    ax.set_xlabel("iteration")
    ax2 = ax.twinx()
    if optimality.size:
        it2 = np.arange(optimality.size)
        ok = optimality > 0
        ax2.plot(it2[ok], optimality[ok], color="C1", linestyle=":", label="optimality (KKT)", gid="optimality")
        ax2.set_yscale("log")
        tol = getattr(map_result, "tol", None)
        if tol:
            ax2.axhline(tol, color="C1", linewidth=0.8, alpha=0.6, label=f"tol = {tol:.0e}", gid="tol")
    ax2.set_ylabel("optimality (log scale)")
    state = "converged" if getattr(map_result, "converged", False) else "NOT converged"
    ax.set_title(f"{getattr(map_result, 'solver', '?')}: {state} in {getattr(map_result, 'n_iter', '?')} iterations")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize="small", loc="upper right")
    return ax


# =====================================================================================
# λ sweeps, sensitivity and the choice of λ (results of bayesreg.sensitivity)
# =====================================================================================
#
# * plot_coef_path — MAP paths against log λ next to posterior means with HDI bands
#   (Park & Casella's Bayesian-lasso figure); a top axis in prior sd (1/√λ) or scale (1/λ).
# * plot_zero_pattern — p_near_zero per coefficient and λ, next to where the MAP is exactly 0.
# * plot_prior_sensitivity — d E[θ | y] / d log λ by importance reweighting vs by refits.
# * plot_lambda_choice — cross-validation, empirical Bayes and the full-Bayes posterior of λ.

def _check_sweep(sweep, needed=("map_coef",)):
    import xarray as xr

    if not isinstance(sweep, xr.Dataset) or "lam" not in sweep.dims:
        raise ValueError(f"sweep must be the Dataset returned by bayesreg.sensitivity.sweep, "
                         f"got {type(sweep).__name__}")
    missing = [v for v in needed if v not in sweep]
    if missing:
        raise ValueError(f"sweep has no {missing} (a posterior sweep needs sweep(..., posterior=True))")


def _scale_axis(ax, ds):
    """A top x axis in the prior's scale λ^(−p) (p from ds.attrs; none if unknown). Returns it or None."""
    power = ds.attrs.get("scale_power")
    if power is None:
        return None
    power = float(power)

    def forward(lam):
        with np.errstate(all="ignore"):
            return np.where(np.asarray(lam) > 0, np.asarray(lam, dtype=float) ** -power, np.inf)

    def inverse(scale):
        with np.errstate(all="ignore"):
            return np.where(np.asarray(scale) > 0, np.asarray(scale, dtype=float) ** (-1.0 / power), np.inf)

    top = ax.secondary_xaxis("top", functions=(forward, inverse))
    top.set_xlabel(str(ds.attrs.get("scale_name", "prior scale")), fontsize="small")
    top.set_gid("prior_scale_axis")
    return top


def _path_features(ds, features, max_features: int) -> list[str]:
    names = [str(f) for f in ds["feature"].values]
    if features is not None:
        features = [features] if isinstance(features, str) else list(features)
        unknown = [f for f in features if f not in names]
        if not features or unknown:
            raise ValueError(f"features must be a non-empty list of names from the sweep, unknown: {unknown}")
        return features
    size = np.nanmax(np.abs(ds["map_coef"].values), axis=0)
    if "mean" in ds:
        size = np.fmax(size, np.nanmax(np.abs(ds["mean"].values), axis=0))
    order = np.argsort(-size, kind="stable")
    return [names[j] for j in order[:max_features]]


def plot_coef_path(sweep, *, features: Sequence[str] | None = None, ax=None, max_features: int = 8,
                   show_hdi: bool = True):
    """Coefficient paths against λ (log axis): MAP lines and posterior means with HDI bands.

    Solid lines: the MAP (an L1 prior's exact zeros show as flat segments at
    0); dashed: the posterior mean; band: the HDI (``sweep.attrs["prob"]``).
    The top axis gives the prior's sd 1/√λ (Gaussian) or scale 1/λ (Laplace),
    so λ-as-precision reads off the figure.  ``features`` default: the
    ``max_features`` largest in max |MAP| or |mean| along the path.  Works on a
    MAP-only sweep (no dashed lines or bands).  Returns the Axes.
    """
    _check_sweep(sweep)
    if isinstance(max_features, bool) or not isinstance(max_features, numbers.Integral) or max_features < 1:
        raise ValueError(f"max_features must be an integer >= 1, got {max_features!r}")
    feats = _path_features(sweep, features, int(max_features))
    if ax is None:
        ax = _new_axes(None, (7.5, 4.5))
        ax.figure.set_layout_engine("constrained")  # room for the top (prior scale) axis and the title
    lam = sweep["lam"].values.astype(float)
    order = np.argsort(lam)
    lam = lam[order]
    has_post = "mean" in sweep
    ax.axhline(0.0, color="0.8", linewidth=1, zorder=0)
    for k, name in enumerate(feats):
        color = f"C{k % 10}"
        ax.plot(lam, sweep["map_coef"].sel(feature=name).values[order], color=color, linewidth=1.8,
                label=name, gid="map_path")
        if has_post:
            ax.plot(lam, sweep["mean"].sel(feature=name).values[order], color=color, linestyle="--",
                    linewidth=1.4, gid="mean_path")
            if show_hdi:
                band = ax.fill_between(lam, sweep["hdi_low"].sel(feature=name).values[order],
                                       sweep["hdi_high"].sel(feature=name).values[order], color=color, alpha=0.12,
                                       linewidth=0)
                band.set_gid("hdi_band")
    ax.set_xscale("log")
    ax.set_xlabel("λ (prior precision / rate; log scale)")
    ax.set_ylabel("coefficient")
    _scale_axis(ax, sweep)
    prob = sweep.attrs.get("prob")
    what = ("MAP (solid) vs posterior mean (dashed)"
            + (f", {float(prob):.0%} HDI bands" if has_post and show_hdi and prob is not None else "")
            if has_post else "MAP path")
    ax.set_title(f"Coefficient paths: {what}", fontsize="medium")
    ax.legend(fontsize="x-small", ncol=2, loc="best", framealpha=0.8)
    return ax


def _log_edges(values: np.ndarray) -> np.ndarray:
    """Cell edges on a log axis around sorted positive centres (geometric midpoints)."""
    v = np.log(values)
    if v.size == 1:
        return np.exp(np.array([v[0] - 0.5, v[0] + 0.5]))
    mid = 0.5 * (v[1:] + v[:-1])
    return np.exp(np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]]))


def plot_zero_pattern(sweep, *, features: Sequence[str] | None = None, axes=None):
    """``p_near_zero`` per coefficient and λ (left) next to the MAP's exact zeros (right).

    Both panels: one row per coefficient, λ on a log x axis.  Left: the
    posterior probability that |w| ≤ eps (eps in the title, the same at every
    λ); right: black where the MAP is exactly 0.  An L1 MAP switches a weight
    off at a λ; the posterior only drifts towards 0.  ``features`` default: all.
    On a MAP-only sweep the left panel says so.  Returns the two Axes.
    """
    _check_sweep(sweep)
    names = [str(f) for f in sweep["feature"].values]
    feats = names if features is None else _path_features(sweep, features, len(names))
    if axes is None:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(10.0, 2.4 + 0.22 * len(feats)), sharey=True)
        fig.set_layout_engine("constrained")
    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) < 2:
        raise ValueError(f"axes must hold two Axes, got {len(axes)}")
    lam = sweep["lam"].values.astype(float)
    order = np.argsort(lam)
    x_edges = _log_edges(lam[order])
    y_edges = np.arange(len(feats) + 1) - 0.5
    left, right = axes[:2]
    if "p_near_zero" in sweep:
        pz = sweep["p_near_zero"].sel(feature=feats).values[order].T  # (feature, lam)
        mesh = left.pcolormesh(x_edges, y_edges, pz, cmap="viridis", vmin=0.0, vmax=1.0)
        mesh.set_gid("p_near_zero")
        left.figure.colorbar(mesh, ax=left, label="P(|w| ≤ eps | y)", fraction=0.05)
        eps = sweep.attrs.get("eps")
        left.set_title("posterior: P(|w| ≤ eps)" + (f", eps = {float(eps):.3g}" if eps is not None else ""),
                       fontsize="medium")
    else:
        left.text(0.5, 0.5, "no posterior in this sweep\n(sweep(..., posterior=True))", ha="center",
                  va="center", transform=left.transAxes, gid="no_posterior")
        left.set_title("posterior: P(|w| ≤ eps)", fontsize="medium")
    zero = (sweep["map_coef"].sel(feature=feats).values[order].T == 0.0).astype(float)
    mesh = right.pcolormesh(x_edges, y_edges, zero, cmap="Greys", vmin=0.0, vmax=1.0)
    mesh.set_gid("map_zero")
    right.set_title("MAP: exactly zero (black)", fontsize="medium")
    for a in (left, right):
        a.set_xscale("log")
        a.set_xlabel("λ (log scale)")
        a.set_ylim(len(feats) - 0.5, -0.5)
        _scale_axis(a, sweep)
    left.set_yticks(np.arange(len(feats)), feats, fontsize="x-small" if len(feats) > 15 else "small")
    return np.asarray([left, right], dtype=object)


def plot_prior_sensitivity(table: pd.DataFrame, *, ax=None):
    """d E[θ | y] / d log λ per coefficient: refits (bar: ± 2 MC se) vs importance reweighting (dot).

    ``table`` is :func:`bayesreg.sensitivity.prior_sensitivity`'s.  Rows
    flagged ``sensitive`` (the mean moves more than ``flag_sd`` posterior sds
    per doubling of λ) are labelled in red.  Returns the Axes.
    """
    needed = {"dmean_dloglam_refit", "refit_se", "dmean_dloglam_is", "sensitive"}
    if not isinstance(table, pd.DataFrame) or not needed <= set(table.columns):
        raise ValueError("table must be the DataFrame returned by bayesreg.sensitivity.prior_sensitivity")
    n = len(table)
    ax = _new_axes(ax, (6.5, 1.2 + 0.4 * n))
    y = np.arange(n)[::-1].astype(float)
    refit = table["dmean_dloglam_refit"].to_numpy(float)
    se = table["refit_se"].to_numpy(float)
    ax.axvline(0.0, color="0.85", linewidth=1, zorder=0)
    bars = ax.hlines(y, refit - 2 * se, refit + 2 * se, color="C0", linewidth=3, alpha=0.6,
                     label="refits at λ(1 ± δ), ± 2 MC se")
    bars.set_gid("refit")
    ax.plot(refit, y, "|", color="C0", markersize=12, gid="refit_point")
    ax.plot(table["dmean_dloglam_is"].to_numpy(float), y, "o", color="C1", markersize=5,
            label="importance reweighting (psense weights)", gid="is")
    if "dmean_dloglam_cov" in table:
        ax.plot(table["dmean_dloglam_cov"].to_numpy(float), y, "x", color="C2", markersize=6,
                label="Cov(θ, log p(w)) (δ → 0)", gid="cov")
    ax.set_yticks(y, [str(r) for r in table.index])
    for label, flagged in zip(ax.get_yticklabels(), table["sensitive"].to_numpy(bool)):
        if flagged:
            label.set_color("crimson")
    lam = table.attrs.get("lam")
    delta = table.attrs.get("delta")
    ax.set_xlabel("d E[θ | y] / d log λ  (× ln 2 = shift per doubling of λ)")
    ax.set_title(f"Sensitivity to λ" + (f" at λ = {float(lam):.3g}" if lam is not None else "")
                 + (f", δ = {float(delta):g}" if delta is not None else "") + " (red: sensitive)", fontsize="medium")
    ax.legend(fontsize="x-small", loc="best")
    return ax


def plot_lambda_choice(choice, *, axes=None):
    """Choosing λ three ways on one figure (from :func:`bayesreg.sensitivity.choose_lambda`).

    Top: the cross-validated log-loss ± 1 SE (λ_min, λ_1se) and, on a right
    axis, the empirical-Bayes log evidence (λ_EB; Gaussian prior only).
    Bottom: the full-Bayes posterior of λ under its Gamma hyperprior
    (histogram over log λ, median and HDI).  Every chosen λ is marked on both
    panels; the top axis gives the prior sd / scale.  Returns the two Axes.
    """
    import xarray as xr

    if not isinstance(choice, xr.Dataset) or "cv_loss" not in choice:
        raise ValueError("choice must be the Dataset returned by bayesreg.sensitivity.choose_lambda")
    if axes is None:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(2, 1, figsize=(7.5, 6.5), sharex=True, height_ratios=[3, 2])
        fig.set_layout_engine("constrained")
    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) < 2:
        raise ValueError(f"axes must hold two Axes, got {len(axes)}")
    top, bottom = axes[:2]
    a = choice.attrs
    lam = choice["lam"].values.astype(float)
    order = np.argsort(lam)
    lam = lam[order]
    loss = choice["cv_loss"].values[order]
    se = choice["cv_se"].values[order]
    top.plot(lam, loss, "o-", color="C0", markersize=3, label=f"{int(a.get('n_folds', 0))}-fold CV log-loss",
             gid="cv_loss")
    band = top.fill_between(lam, loss - se, loss + se, color="C0", alpha=0.15, linewidth=0)
    band.set_gid("cv_band")
    top.set_ylabel("CV log-loss per row")
    top.set_xscale("log")

    def fin(key):
        v = a.get(key)
        return v is not None and math.isfinite(float(v))

    marks = [("lam_min", "λ_min (CV)", "C0", "-"), ("lam_1se", "λ_1se (CV)", "C0", ":"),
             ("lam_eb", "λ_EB (evidence)", "C3", "-."), ("lam_fb_median", "λ_FB (posterior median)", "C2", "--")]
    handles = []
    if "log_evidence" in choice and np.isfinite(choice["log_evidence"].values).any():
        ev_ax = top.twinx()
        ev_ax.plot(lam, choice["log_evidence"].values[order], "s-", color="C3", markersize=3,
                   label="log evidence (Laplace approx.)", gid="log_evidence")
        ev_ax.set_ylabel("log p(y | λ) + const", color="C3")
        handles += ev_ax.get_legend_handles_labels()[0]
    else:
        top.text(0.02, 0.03, f"empirical Bayes: {a.get('eb_note', 'not available')}", transform=top.transAxes,
                 fontsize="x-small", color="C3", gid="eb_note")
    if "lam_draws" in choice:
        draws = choice["lam_draws"].values.astype(float)
        draws = draws[np.isfinite(draws) & (draws > 0)]
        lo = min(draws.min(), lam[0]) if draws.size else lam[0]
        hi = max(draws.max(), lam[-1]) if draws.size else lam[-1]
        bins = np.geomspace(lo, hi, 41)
        _, _, patches = bottom.hist(draws, bins=bins, density=False, weights=np.full(draws.size, 1.0 / draws.size),
                                    color="C2", alpha=0.5, label=str(a.get("hyperprior", "posterior of λ")))
        for p in patches:
            p.set_gid("lam_draws")
        if fin("lam_fb_hdi_low") and fin("lam_fb_hdi_high"):
            span = bottom.axvspan(float(a["lam_fb_hdi_low"]), float(a["lam_fb_hdi_high"]), color="C2", alpha=0.1,
                                  label=f"{float(a.get('fb_prob', 0.94)):.0%} HDI")
            span.set_gid("lam_fb_hdi")
        bottom.set_ylabel("posterior mass per bin")
        bottom.set_title("full Bayes: posterior of λ", fontsize="small")
    else:
        bottom.text(0.5, 0.5, "full Bayes not run", ha="center", va="center", transform=bottom.transAxes,
                    gid="no_full_bayes")
    for key, text, color, style in marks:
        if fin(key):
            v = float(a[key])
            for axis in (top, bottom):
                line = axis.axvline(v, color=color, linestyle=style, linewidth=1.5,
                                    label=f"{text} = {v:.3g}" if axis is top else None)
                line.set_gid(key)
    bottom.set_xscale("log")
    bottom.set_xlabel("λ (log scale)")
    _scale_axis(top, choice)
    h, l = top.get_legend_handles_labels()
    top.legend(h + handles, l + [hh.get_label() for hh in handles], fontsize="x-small", loc="best")
    if "lam_draws" in choice:
        bottom.legend(fontsize="x-small", loc="best")
    top.set_title("Choosing λ: cross-validation, empirical Bayes, full Bayes", fontsize="medium")
    return np.asarray([top, bottom], dtype=object)


__all__ += ["plot_coef_path", "plot_zero_pattern", "plot_prior_sensitivity", "plot_lambda_choice"]
