"""Figures of the MAP solver's run.

* :func:`plot_cost_history` — U per iteration of the MAP solver, with the
  optimality measure on a log-scaled second axis.

Artists carry a ``gid`` ("objective", "optimality", "tol") so callers and tests can find them.
"""

from __future__ import annotations

import numpy as np

from ..validation import ArgumentTypeError, check_int
from .axes import new_axes

__all__ = ["plot_cost_history"]


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
        raise ArgumentTypeError(f"map_result must be a MapResult (est.map_), got {type(map_result).__name__}")
    if objective.size == 0:
        raise ValueError("map_result.history is empty: nothing to plot")
    per_observation_n = check_int(per_observation_n, "per_observation_n", 1, allow_none=True)
    optimality = np.asarray(history.optimality, dtype=float)
    it = np.arange(objective.size)
    ax = new_axes(ax, (6.5, 3.8))
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
