r"""The weighted Gram matrix AᵀWA of the solvers' design A (Newton's Hessian, the Laplace approximation).

With θ = (w, c) the design is A = [X − 1x̄ᵀ | 1] (centred, with a flat intercept),
[X | 1] (an intercept with a prior) or X (no intercept), so that η = Aθ
(:mod:`bayesreg.model`).  Two ways to form AᵀWA, W = diag(weights):

* **small X** (at most :data:`SMALL_DESIGN` entries): A is built once (≤ 512 KB) and
  AᵀWA is one product; for such an X the cost of the blockwise sums below is their
  call overhead, not arithmetic (a 50 × 50 Gram matrix: ~25 µs against ~110 µs).
* **otherwise** from XᵀWX in row blocks (no copy of X), with the centring and the
  intercept column added as rank-one corrections:

      (X − 1x̄ᵀ)ᵀW(X − 1x̄ᵀ) = XᵀWX − x̄sᵀ − sx̄ᵀ + (Σw)x̄x̄ᵀ,   s = XᵀW1,

  and the intercept's row and column (the column sums of W(X − 1x̄ᵀ), and Σw).

Both give the same matrix to rounding.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SMALL_DESIGN", "assemble", "blockwise_gram", "design"]

#: X with at most this many entries gets its design A built once (``design``)
SMALL_DESIGN = 2**16


def design(X: np.ndarray, x_mean: np.ndarray | None, fit_intercept: bool) -> np.ndarray:
    """A = [X − 1x̄ᵀ | 1] (without x̄: no centring; without an intercept: no column of ones), C-ordered."""
    X = np.asarray(X, dtype=float)
    cols = [X - x_mean if x_mean is not None else X] + ([np.ones((X.shape[0], 1))] if fit_intercept else [])
    return np.ascontiguousarray(np.hstack(cols))


def blockwise_gram(X: np.ndarray, x_mean: np.ndarray | None, weights: np.ndarray, cols: np.ndarray,
                   all_columns: bool, block_rows: int = 4096) -> np.ndarray:
    """AᵀWA over the parameter positions ``cols`` (< D: weights, ≥ D: the intercept), from X in row blocks.

    ``x_mean`` None: A's weight columns are X itself (no centring).  ``all_columns``: the
    weight positions in ``cols`` are 0 … D−1 in order (X's blocks are then used without a copy).
    """
    d = X.shape[1]
    is_w = cols < d
    wc = cols[is_w]
    G = np.zeros((wc.size, wc.size))
    s = np.zeros(wc.size)
    for start in range(0, X.shape[0], block_rows):
        Xb = X[start:start + block_rows]
        if not all_columns:
            Xb = Xb[:, wc]
        wb = weights[start:start + block_rows]
        WXb = Xb * wb[:, None]
        G += Xb.T @ WXb
        s += WXb.sum(axis=0)
    return assemble(G, s, float(weights.sum()), x_mean, cols, d)


def assemble(G: np.ndarray, s: np.ndarray, total: float, x_mean: np.ndarray | None, cols: np.ndarray,
             d: int) -> np.ndarray:
    """AᵀWA over ``cols`` from the sums over rows G = X_cᵀWX_c, s = X_cᵀW1 and Σw (X_c: X's columns in ``cols``).

    The centring (rank-one corrections) and the intercept's row and column, where ``cols`` puts it;
    the sums may come from row blocks here or from a cluster's chunks (:mod:`bayesreg.chunked`).
    """
    is_w = cols < d
    wc = cols[is_w]
    if x_mean is not None:
        m = x_mean[wc]
        G = G + total * np.outer(m, m) - np.outer(m, s) - np.outer(s, m)  # not in place: G may be the caller's
        s = s - total * m  # column sums of W(X − 1x̄ᵀ)
    out = np.empty((cols.size, cols.size))
    iw = np.flatnonzero(is_w)
    out[np.ix_(iw, iw)] = G
    ib = np.flatnonzero(~is_w)
    if ib.size:  # the intercept column of ones, where ``cols`` puts it
        out[np.ix_(ib, iw)] = s
        out[np.ix_(iw, ib)] = s[:, None]
        out[np.ix_(ib, ib)] = total
    return out
