"""Figures of λ sweeps, prior sensitivity and the choice of λ (results of :mod:`bayesreg.sensitivity`).

* :func:`plot_coef_path` — MAP paths against log λ next to posterior means with HDI bands
  (Park & Casella's Bayesian-lasso figure); a top axis in prior sd (1/√λ) or scale (1/λ).
* :func:`plot_zero_pattern` — p_near_zero per coefficient and λ, next to where the MAP is exactly 0.
* :func:`plot_prior_sensitivity` — d E[θ | y] / d log λ by importance reweighting vs by refits.
* :func:`plot_lambda_choice` — cross-validation, empirical Bayes and the full-Bayes posterior of λ.

Artists carry a ``gid`` ("map_path", "mean_path", "hdi_band", "p_near_zero", "map_zero",
"refit", "is", "cv_loss", "log_evidence", "lam_draws", "lam_min", …) so callers and tests
can find them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..validation import ArgumentTypeError, check_bool, check_int
from .axes import log_ticks, new_axes, scale_axis

__all__ = ["plot_coef_path", "plot_zero_pattern", "plot_prior_sensitivity", "plot_lambda_choice"]


def _check_sweep(sweep, needed=("map_coef",)):
    import xarray as xr

    if not isinstance(sweep, xr.Dataset) or "lam" not in sweep.dims:
        error = ValueError if isinstance(sweep, xr.Dataset) else ArgumentTypeError
        raise error(f"sweep must be the Dataset returned by bayesreg.sensitivity.sweep, got {type(sweep).__name__}")
    missing = [v for v in needed if v not in sweep]
    if missing:
        raise ValueError(f"sweep has no {missing} (a posterior sweep needs sweep(..., posterior=True))")


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


#: At most this many HDI bands on one coefficient-path figure (the largest coefficients'):
#: more overlap into one grey cloud.
MAX_BANDS = 4


def _path_scale(curves: list[np.ndarray]):
    """(use symlog, linthresh): symlog when one curve's max |value| exceeds 5× the median curve's.

    The linear part then reaches the 75th percentile of the curves' sizes (so the
    ordinary coefficients are drawn linearly) and the outlier is compressed on the log part.
    """
    sizes = np.array([np.nanmax(np.abs(c)) if np.isfinite(c).any() else 0.0 for c in curves])
    sizes = sizes[sizes > 0]
    if sizes.size < 2:
        return False, 1.0
    typical = float(np.median(sizes))
    if sizes.max() <= 5.0 * typical:
        return False, 1.0
    return True, float(np.percentile(sizes, 75))


def plot_coef_path(sweep, *, features: Sequence[str] | None = None, ax=None, max_features: int = 8,
                   show_hdi: bool = True):
    """Coefficient paths against λ (log axis): MAP lines and posterior means with HDI bands.

    Solid lines: the MAP (an L1 prior's exact zeros show as flat segments at
    0); dashed: the posterior mean; band: the HDI (``sweep.attrs["prob"]``),
    for the :data:`MAX_BANDS` largest coefficients only (more overlap into one
    cloud).  When one coefficient dwarfs the rest (its max |value| is over 5×
    the median coefficient's) the y axis is symlog: linear up to the 75th
    percentile of the sizes, logarithmic beyond, so the outlier does not
    flatten the others.  The top axis gives the prior's sd 1/√λ (Gaussian) or
    scale 1/λ (Laplace), so λ-as-precision reads off the figure.  The legend
    sits outside the axes.  ``features`` default: the ``max_features`` largest
    in max |MAP| or |mean| along the path.  Works on a MAP-only sweep (no
    dashed lines or bands).  Returns the Axes.
    """
    _check_sweep(sweep)
    feats = _path_features(sweep, features, check_int(max_features, "max_features", 1))
    show_hdi = check_bool(show_hdi, "show_hdi")
    if ax is None:
        ax = new_axes(None, (8.5, 4.5))
        ax.figure.set_layout_engine("constrained")  # room for the top (prior scale) axis, the title and legend
    lam = sweep["lam"].values.astype(float)
    order = np.argsort(lam)
    lam = lam[order]
    has_post = "mean" in sweep
    ax.axhline(0.0, color="0.8", linewidth=1, zorder=0)
    curves = []
    for k, name in enumerate(feats):
        color = f"C{k % 10}"
        map_path = sweep["map_coef"].sel(feature=name).values[order]
        curves.append(map_path)
        ax.plot(lam, map_path, color=color, linewidth=1.8, label=name, gid="map_path")
        if has_post:
            mean_path = sweep["mean"].sel(feature=name).values[order]
            curves[-1] = np.concatenate([map_path, mean_path])
            ax.plot(lam, mean_path, color=color, linestyle="--", linewidth=1.4, gid="mean_path")
            if show_hdi and k < MAX_BANDS:  # feats come largest first unless the caller chose them
                band = ax.fill_between(lam, sweep["hdi_low"].sel(feature=name).values[order],
                                       sweep["hdi_high"].sel(feature=name).values[order], color=color, alpha=0.12,
                                       linewidth=0)
                band.set_gid("hdi_band")
    symlog, linthresh = _path_scale(curves)
    if symlog:
        from matplotlib.ticker import FuncFormatter

        ax.set_yscale("symlog", linthresh=linthresh, linscale=2.0)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))  # 10, 1, −1 rather than 10¹, 10⁰, −10⁰
        ax.axhspan(-linthresh, linthresh, color="0.96", zorder=-1, gid="linear_part")
    ax.set_xscale("log")
    log_ticks(ax, lam)
    ax.set_xlabel("λ (prior precision / rate; log scale)")
    ax.set_ylabel("coefficient" + (f" (symlog: linear within ±{linthresh:.2g})" if symlog else ""))
    scale_axis(ax, sweep, ticks=lam)
    prob = sweep.attrs.get("prob")
    n_bands = min(MAX_BANDS, len(feats))
    bands = (f", {float(prob):.0%} HDI bands" + (f" ({n_bands} largest)" if len(feats) > n_bands else "")
             if has_post and show_hdi and prob is not None else "")
    what = "MAP (solid) vs posterior mean (dashed)" + bands if has_post else "MAP path"
    ax.set_title(f"Coefficient paths: {what}", fontsize="medium")
    ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
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
    On a MAP-only sweep with ``axes=None`` the figure has the MAP panel only
    (with two given Axes, the left one says there is no posterior).  λ tick
    labels sit at the grid points on a short grid (:func:`.axes.log_ticks`).
    Returns an array of the Axes drawn (two, or the MAP panel alone).
    """
    _check_sweep(sweep)
    names = [str(f) for f in sweep["feature"].values]
    feats = names if features is None else _path_features(sweep, features, len(names))
    has_post = "p_near_zero" in sweep
    if axes is None:
        import matplotlib.pyplot as plt

        height = 2.4 + 0.22 * len(feats)
        if has_post:
            fig, axes = plt.subplots(1, 2, figsize=(10.0, height), sharey=True)
        else:  # a MAP-only sweep: one panel, no empty half
            fig, ax = plt.subplots(figsize=(6.0, height))
            axes = [None, ax]
        fig.set_layout_engine("constrained")
    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) < 2:
        raise ValueError(f"axes must hold two Axes, got {len(axes)}")
    lam = sweep["lam"].values.astype(float)
    order = np.argsort(lam)
    x_edges = _log_edges(lam[order])
    y_edges = np.arange(len(feats) + 1) - 0.5
    left, right = axes[:2]
    if has_post:
        pz = sweep["p_near_zero"].sel(feature=feats).values[order].T  # (feature, lam)
        mesh = left.pcolormesh(x_edges, y_edges, pz, cmap="viridis", vmin=0.0, vmax=1.0)
        mesh.set_gid("p_near_zero")
        left.figure.colorbar(mesh, ax=left, label="P(|w| ≤ eps | y)", fraction=0.05)
        eps = sweep.attrs.get("eps")
        left.set_title("posterior: P(|w| ≤ eps)" + (f", eps = {float(eps):.3g}" if eps is not None else ""),
                       fontsize="medium")
    elif left is not None:
        left.text(0.5, 0.5, "no posterior in this sweep\n(sweep(..., posterior=True))", ha="center",
                  va="center", transform=left.transAxes, gid="no_posterior")
        left.set_title("posterior: P(|w| ≤ eps)", fontsize="medium")
    zero = (sweep["map_coef"].sel(feature=feats).values[order].T == 0.0).astype(float)
    mesh = right.pcolormesh(x_edges, y_edges, zero, cmap="Greys", vmin=0.0, vmax=1.0)
    mesh.set_gid("map_zero")
    right.set_title("MAP: exactly zero (black)" + ("" if has_post or left is not None else
                                                    " — MAP-only sweep, no posterior"), fontsize="medium")
    panels = [a for a in (left, right) if a is not None]
    for a in panels:
        a.set_xscale("log")
        log_ticks(a, lam)
        a.set_xlabel("λ (log scale)")
        a.set_ylim(len(feats) - 0.5, -0.5)
        scale_axis(a, sweep, ticks=lam)
    panels[0].set_yticks(np.arange(len(feats)), feats, fontsize="x-small" if len(feats) > 15 else "small")
    return np.asarray(panels, dtype=object)


def plot_prior_sensitivity(table: pd.DataFrame, *, ax=None):
    """d E[θ | y] / d log λ per coefficient: refits (bar: ± 2 MC se) vs importance reweighting (dot).

    ``table`` is :func:`bayesreg.sensitivity.prior_sensitivity`'s.  Rows
    flagged ``sensitive`` (the mean moves more than ``flag_sd`` posterior sds
    per doubling of λ) are labelled in red.  Returns the Axes.
    """
    needed = {"dmean_dloglam_refit", "refit_se", "dmean_dloglam_is", "sensitive"}
    if not isinstance(table, pd.DataFrame) or not needed <= set(table.columns):
        error = ValueError if isinstance(table, pd.DataFrame) else ArgumentTypeError
        raise error(f"table must be the DataFrame returned by bayesreg.sensitivity.prior_sensitivity, "
                    f"got {type(table).__name__}")
    n = len(table)
    ax = new_axes(ax, (6.5, 1.2 + 0.4 * n))
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
    ax.set_title("Sensitivity to λ" + (f" at λ = {float(lam):.3g}" if lam is not None else "")
                 + (f", δ = {float(delta):g}" if delta is not None else "") + " (red: sensitive)", fontsize="medium")
    ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)  # off the bars
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
        error = ValueError if isinstance(choice, xr.Dataset) else ArgumentTypeError
        raise error(f"choice must be the Dataset returned by bayesreg.sensitivity.choose_lambda, "
                    f"got {type(choice).__name__}")
    if axes is None:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(2, 1, figsize=(9.5, 6.5), sharex=True, height_ratios=[3, 2])
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
    else:  # the note goes into the legend (outside the data), as an entry without a marker
        import textwrap

        note = textwrap.fill(f"empirical Bayes: {a.get('eb_note', 'not available')}", 38)
        handles += top.plot([], [], " ", color="C3", label=note, gid="eb_note")
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
    log_ticks(bottom, lam)
    bottom.set_xlabel("λ (log scale)")
    scale_axis(top, choice, ticks=lam)
    # legends right of the axes (past the evidence axis' labels), never over a curve
    h, l = top.get_legend_handles_labels()
    h = [x for x in h if x.get_gid() != "eb_note"]
    l = [x.get_label() for x in h]
    right = 1.16 if "log_evidence" in choice and np.isfinite(choice["log_evidence"].values).any() else 1.02
    top.legend(h + handles, l + [hh.get_label() for hh in handles], fontsize="x-small", loc="upper left",
               bbox_to_anchor=(right, 1.0), borderaxespad=0.0)
    if "lam_draws" in choice:
        bottom.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(right, 1.0), borderaxespad=0.0)
    top.set_title("Choosing λ: cross-validation, empirical Bayes, full Bayes", fontsize="medium")
    return np.asarray([top, bottom], dtype=object)

