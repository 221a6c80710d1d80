"""Blockwise sums over the row chunks of Dask arrays: the one primitive :mod:`bayesreg.chunked` needs.

``row_sum(fn, size, arrays, params)`` runs ``fn(*params, *row_blocks)`` on every row
chunk (on the worker holding it), each giving a 1-D array of ``size`` numbers, and
returns their sum: a tree reduction on the cluster, so the client receives ``size``
numbers whatever N is.  ``params`` (θ, draws, the likelihood) are small and part of
the graph's key, so two calls with different parameters never share a result.
"""

from __future__ import annotations

import numpy as np

__all__ = ["row_map", "row_sum"]


def _one_row(fn, *args):
    return np.asarray(fn(*args), dtype=float).reshape(1, -1)


def _pairs(arrays, params) -> list:
    out: list = []
    for p in params:
        out += [p, None]
    for a in arrays:
        out += [a, "ij" if a.ndim == 2 else "i"]
    return out


def row_sum(fn, size: int, arrays, params=()) -> np.ndarray:
    """Σ over row chunks of ``fn(*params, *chunks)`` (a length-``size`` vector), computed on the cluster."""
    import dask.array as da

    parts = da.blockwise(_one_row, "ik", fn, None, *_pairs(arrays, params), new_axes={"k": size},
                         adjust_chunks={"i": 1}, dtype=float, concatenate=True, meta=np.empty((0, 0)))
    return np.asarray(parts.sum(axis=0).compute(), dtype=float)


def row_map(fn, arrays, params=()):
    """The lazy per-row result of ``fn(*params, *chunks)`` (one value per row), chunked as the rows."""
    import dask.array as da

    return da.blockwise(fn, "i", *_pairs(arrays, params), dtype=float, concatenate=True, meta=np.empty((0,)))
