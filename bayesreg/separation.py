r"""Detecting separation: when the logistic MLE does not exist.

With labels s_n = 2y_n − 1 and rows x̃_n = (x_n, 1), the data are

* **completely separated** if some β has s_n x̃_n·β > 0 for every n, and
* **quasi-completely separated** if some β ≠ 0 has s_n x̃_n·β ≥ 0 for every n
  with equality for some but not all.

Either way the log likelihood keeps rising along β, so the flat-prior MAP
(the MLE) runs off to infinity — the lecture's (0, ∞, ∞).  A proper prior
(any λ > 0) restores a finite MAP.  Detection is two linear programs
(Konis 2007, §3):

1. maximize Σ_n s_n x̃_n·β subject to s_n x̃_n·β ≥ 0, −1 ≤ β ≤ 1: a positive
   optimum means (at least quasi-complete) separation;
2. maximize t subject to s_n x̃_n·β ≥ t, −1 ≤ β ≤ 1, t ≤ 1: t > 0 means complete.

The **Poisson** MLE does not exist either when the zero counts are separated
(Santos Silva & Tenreyro 2010): some β ≠ 0 with x̃_n·β ≤ 0 for every n, = 0 for
every n with y_n > 0, and < 0 for some n with y_n = 0.  Along β the zero rows'
rates e^η fall to 0 and the other rows do not change, so the log likelihood rises
towards its supremum forever (all counts zero is the simplest case: β = −intercept).
One linear program decides it: maximize −Σ_{y_n = 0} x̃_n·β subject to those
constraints and −1 ≤ β ≤ 1; a positive optimum means separation (reported as
"quasi-complete": the rows with y > 0 lie on the hyperplane).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

__all__ = ["Separation", "SeparationError", "detect_separation", "detect_poisson_separation"]


@dataclass(frozen=True)
class Separation:
    """Outcome of :func:`detect_separation`.

    ``kind`` is "complete", "quasi-complete" or "none"; ``direction`` the β
    (weights, then intercept when fitted) along which the likelihood rises.
    """

    kind: str
    direction: np.ndarray | None

    @property
    def separated(self) -> bool:
        return self.kind != "none"


class SeparationError(ValueError):
    """The classes are separable and the prior is flat: the MAP would be infinite."""

    def __init__(self, message: str, separation: Separation | None = None):
        super().__init__(message)
        self.separation = separation


def _design(X, y, fit_intercept: bool):
    """(X̃ with columns scaled to max |·| = 1 for the LP, the scales, y) after checking the shapes."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be 2-D and y 1-D of matching length, got X {X.shape} and y {y.shape}")
    A = np.column_stack([X, np.ones(len(X))]) if fit_intercept else X
    scale = np.abs(A).max(axis=0)
    scale[scale == 0] = 1.0
    return A / scale, scale, y


def detect_separation(X, y, *, fit_intercept: bool = True, tol: float = 1e-7) -> Separation:
    """Check whether the 0/1 labels ``y`` are (quasi-)completely separable by a hyperplane on ``X``."""
    A, scale, y = _design(X, y, fit_intercept)
    S = (2.0 * y - 1.0)[:, None] * A  # rows s_n x̃_n
    n, p = S.shape
    bounds = [(-1.0, 1.0)] * p
    # 1. max Σ S β  s.t.  S β ≥ 0
    res = linprog(-S.sum(axis=0), A_ub=-S, b_ub=np.zeros(n), bounds=bounds, method="highs")
    if res.status != 0 or -res.fun <= tol * n:
        return Separation("none", None)
    beta = res.x / scale
    # 2. max t  s.t.  S β ≥ t
    c = np.zeros(p + 1)
    c[-1] = -1.0
    res2 = linprog(c, A_ub=np.column_stack([-S, np.ones(n)]), b_ub=np.zeros(n),
                   bounds=bounds + [(None, 1.0)], method="highs")
    if res2.status == 0 and res2.x[-1] > tol:
        return Separation("complete", res2.x[:-1] / scale)
    return Separation("quasi-complete", beta)


def detect_poisson_separation(X, y, *, fit_intercept: bool = True, tol: float = 1e-7) -> Separation:
    """Check whether the zero counts in ``y`` are separated, so that the Poisson MLE is infinite (module docstring)."""
    A, scale, y = _design(X, y, fit_intercept)
    zero = y == 0
    if not zero.any():
        return Separation("none", None)
    Az, Ap = A[zero], A[~zero]
    p = A.shape[1]
    res = linprog(Az.sum(axis=0), A_ub=Az, b_ub=np.zeros(len(Az)),
                  A_eq=Ap if len(Ap) else None, b_eq=np.zeros(len(Ap)) if len(Ap) else None,
                  bounds=[(-1.0, 1.0)] * p, method="highs")
    if res.status != 0 or -res.fun <= tol * len(y):
        return Separation("none", None)
    return Separation("quasi-complete", res.x / scale)
