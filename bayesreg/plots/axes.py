"""Drawing helpers shared by the plot modules: where to draw and how markers look.

* :func:`new_axes` — the caller's ``ax``, or a fresh figure's single Axes.
* :func:`as_axes_list` — one Axes per panel: the caller's, or a new grid of up
  to three columns (unused cells hidden).
* :func:`scale_axis` — a top x axis in the prior's scale λ^(−p) over a λ axis
  (sd 1/√λ for a Gaussian prior, scale 1/λ for a Laplace), from a Dataset's attrs;
  gid "prior_scale_axis".
* :func:`log_ticks` — tick labels on a log λ axis that do not collide on short grids.
* :data:`MAP_STYLE`, :data:`ZERO_STYLE`, :data:`TRUE_STYLE` — markers for the
  MAP, an exactly-zero MAP and the true value.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["new_axes", "as_axes_list", "scale_axis", "log_ticks", "FEW_TICKS", "MAP_STYLE", "ZERO_STYLE",
           "TRUE_STYLE"]

MAP_STYLE = dict(color="black", marker="x", linestyle="none", markersize=8, markeredgewidth=2, zorder=4)
ZERO_STYLE = dict(color="crimson", marker="D", linestyle="none", markersize=7, markerfacecolor="none",
                  markeredgewidth=1.8, zorder=4)
TRUE_STYLE = dict(color="forestgreen", marker="*", linestyle="none", markersize=10, zorder=5)


def new_axes(ax, figsize):
    """``ax`` itself, or the Axes of a new figure of size ``figsize`` when ``ax`` is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def as_axes_list(axes, n: int):
    """The first ``n`` Axes of ``axes`` (an Axes or any sequence/array of them), or of a new grid.

    With ``axes=None``: a grid of up to three columns with a constrained layout,
    the cells beyond ``n`` hidden.  Raises ValueError if ``axes`` holds fewer than ``n``.
    """
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


#: A λ grid of at most this many points gets a tick label at each point (and no others).
FEW_TICKS = 6


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def log_ticks(axis, values) -> None:
    """Readable labels on a log x axis over the grid ``values``: no minor-tick labels (they collide on
    short ranges); on a grid of at most :data:`FEW_TICKS` points, one label at each grid point."""
    from matplotlib.ticker import NullFormatter

    v = np.unique(np.asarray(values, dtype=float))
    v = v[np.isfinite(v) & (v > 0)]
    axis.xaxis.set_minor_formatter(NullFormatter())
    if 0 < v.size <= FEW_TICKS:
        axis.set_xticks(v, [_fmt(x) for x in v])


def scale_axis(ax, ds, ticks=None):
    """A top x axis in the prior's scale λ^(−p) (p from ds.attrs; none if unknown). Returns it or None.

    ``ticks``: the λ grid; its tick labels then follow :func:`log_ticks` (in the prior's scale)."""
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
    if ticks is not None:
        log_ticks(top, forward(np.asarray(ticks, dtype=float)))
    top.set_xlabel(str(ds.attrs.get("scale_name", "prior scale")), fontsize="small")
    top.set_gid("prior_scale_axis")
    return top
