"""The figure of :func:`bayesreg.compare_priors`: one row per coefficient, one colour per prior.

Per coefficient and prior: the HDI as a bar, the posterior median as a dot, the
MAP as a cross (a hollow diamond when it is exactly 0) — absent for a prior
without a mode, whose legend entry says "no MAP" — and the truth as a star
just below the row's bars, behind them, so it never hides a MAP marker.
Artists carry a ``gid`` ("hdi", "median", "map", "map_zero", "true").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..validation import ArgumentTypeError
from .axes import MAP_STYLE, TRUE_STYLE, ZERO_STYLE, new_axes

__all__ = ["plot_prior_families"]


def _table_of(result) -> pd.DataFrame:
    table = getattr(result, "table", result)
    if not isinstance(table, pd.DataFrame) or not isinstance(table.columns, pd.MultiIndex) \
            or "labels" not in table.attrs:
        raise ArgumentTypeError(f"result must be what compare_priors returns (or its table), got "
                                f"{type(result).__name__}")
    return table


def plot_prior_families(result, ax=None, features=None):
    """Draw each prior's MAP, posterior median and HDI per coefficient; returns the Axes.

    ``features``: the rows to show (default all, in the table's order).
    """
    import matplotlib.pyplot as plt

    table = _table_of(result)
    rows = list(table.index) if features is None else [str(f) for f in features]
    unknown = [r for r in rows if r not in table.index]
    if unknown:
        raise ValueError(f"features {unknown} are not rows of the table; rows are {list(table.index)}")
    labels = list(table.attrs["labels"])
    ax = new_axes(ax, figsize=(8, min(14.0, 1.5 + len(rows) * (0.25 + 0.1 * len(labels)))))
    # the truth is a green star: no prior gets a green of its own
    from matplotlib.colors import to_hex

    colors = [c for c in plt.rcParams["axes.prop_cycle"].by_key()["color"] if to_hex(c) not in ("#2ca02c", "#008000")]
    n = len(labels)
    offsets = ((n - 1) / 2 - np.arange(n)) * (0.7 / max(n, 1))  # the first prior on top, as in the legend
    y0 = np.arange(len(rows))[::-1].astype(float)
    map_drawn = zero_drawn = False
    for k, label in enumerate(labels):
        block = table[label].loc[rows]
        color = colors[k % len(colors)]
        y = y0 + offsets[k]
        has_map = bool(block["map"].notna().any())
        name = label if has_map else f"{label} — no MAP"
        ax.hlines(y, block["hdi_low"], block["hdi_high"], color=color, linewidth=2.2, label=name, gid="hdi")
        ax.plot(block["median"], y, "o", color=color, markersize=5, gid="median")
        if has_map:
            zero = block["map_is_zero"].eq(True).to_numpy()
            m = block["map"].to_numpy(dtype=float)
            if (~zero).any():
                ax.plot(m[~zero], y[~zero], gid="map", **{**MAP_STYLE, "markersize": 6,
                                                          "label": None if map_drawn else "MAP"})
                map_drawn = True
            if zero.any():
                ax.plot(m[zero], y[zero], gid="map_zero", **{**ZERO_STYLE, "markersize": 5,
                                                            "label": None if zero_drawn else "MAP exactly 0"})
                zero_drawn = True
    if ("true", "") in table.columns:  # below the last prior's bar and behind the markers: it hides none of them
        ax.plot(table[("true", "")].loc[rows].to_numpy(dtype=float), y0 + offsets.min() - 0.14, gid="true",
                **{**TRUE_STYLE, "markersize": 8, "zorder": 1, "label": "true (below the row's bars)"})
    ax.axvline(0.0, color="grey", linewidth=0.8, zorder=0)
    ax.set_yticks(y0, rows)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    prob = float(table.attrs.get("prob", 0.94))
    ax.set_xlabel(f"coefficient (dot: posterior median, bar: {prob:.0%} HDI)")
    ax.set_title("The same data under each prior: MAP vs posterior")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", borderaxespad=0.0)
    return ax
