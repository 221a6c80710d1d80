"""Checking and preparing chunked inputs for the estimators: the in-memory checks, blockwise.

``prepare(est, X, y)`` does for Dask inputs what ``fit``'s validation does for numpy
ones, without bringing rows to the client: X becomes a float64 Dask array with one
column chunk (a Dask DataFrame's columns become the feature names), y is aligned to
X's row chunks and encoded.  One graph (one round trip) checks every value is finite
and below 1e100, finds a classifier's classes (per-chunk ``unique``: a small answer) or
runs the likelihood's ``check_y`` on numeric targets, and takes X's column means (the
model's x̄, :func:`column_means`).  X and y are persisted when they fit in half of the
cluster's memory (:func:`fits_in_memory`).
"""

from __future__ import annotations

import warnings

import numpy as np

from . import is_chunked

__all__ = ["MEMORY_FRACTION", "column_means", "fits_in_memory", "prepare", "prepare_weights"]

#: persist X and y when their bytes are at most this fraction of the workers' memory limit
MEMORY_FRACTION = 0.5
#: without a distributed client (Dask's threads in this process): persist up to this many bytes
LOCAL_PERSIST_BYTES = 2 * 2**30


def _as_array(obj, name: str):
    """A Dask array from a Dask array, DataFrame or Series (names of DataFrame columns, or None)."""
    import dask.array as da

    if not is_chunked(obj):
        raise TypeError(f"{name} must be a Dask array or DataFrame when the other input is one, got "
                        f"{type(obj).__name__}; wrap it with dask.array.from_array({name}, chunks=…)")
    names = None
    if hasattr(obj, "to_dask_array"):  # its chunk sizes below, from the array's own graph (Dask may merge partitions)
        names = [str(c) for c in obj.columns] if hasattr(obj, "columns") else None
        with warnings.catch_warnings():  # pandas' string labels become an object array, as wanted
            warnings.filterwarnings("ignore", "Dask currently has limited support for converting pandas extension")
            obj = obj.to_dask_array()
    if not isinstance(obj, da.Array):
        raise TypeError(f"{name} must be a Dask array, DataFrame or Series, got {type(obj).__name__}")
    if any(np.isnan(c) for dim in obj.chunks for c in dim):
        obj = obj.compute_chunk_sizes()
    return obj, names


def fits_in_memory(nbytes: int) -> bool:
    """Whether data of ``nbytes`` should be persisted: within half the workers' memory (or 2 GiB locally)."""
    try:
        from distributed import get_client

        client = get_client()
    except (ImportError, ValueError):
        return nbytes <= LOCAL_PERSIST_BYTES
    limits = [w.get("memory_limit") or 0 for w in client.scheduler_info()["workers"].values()]
    total = sum(limits)
    return total > 0 and nbytes <= MEMORY_FRACTION * total


def prepare(est, X, y, *, reset: bool = True):
    """(X, y encoded, persisted) as Dask arrays for ``est``: checked blockwise (module docstring).

    ``reset``: set ``n_features_in_``, ``feature_names_in_`` and (classifiers)
    ``classes_`` as ``fit`` does; False checks against them as ``prepare_data`` does.
    """
    import dask
    import dask.array as da

    X, names = _as_array(X, "X")
    y, _ = _as_array(y, "y")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (rows × features), got a Dask array of shape {X.shape}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got a Dask array of shape {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y have different numbers of rows: {X.shape[0]} and {y.shape[0]}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X is empty: shape {X.shape}")
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
        raise ValueError(f"X must hold real numbers, got dtype {X.dtype}")
    X = X.astype(np.float64).rechunk({0: X.chunks[0], 1: -1})
    y = y.rechunk(X.chunks[0])
    likelihood = est.likelihood()
    if reset:
        est.n_features_in_ = int(X.shape[1])
        if names is not None:
            est.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(est, "feature_names_in_"):
            del est.feature_names_in_
    elif X.shape[1] != est.n_features_in_:
        raise ValueError(f"X has {X.shape[1]} features (columns), but the estimator was fitted with "
                         f"{est.n_features_in_}")
    persisted = fits_in_memory(X.nbytes + y.nbytes)
    if persisted:
        X, y = dask.persist(X, y)
    # one graph for every check (each compute is a round trip to the cluster): X's bad values and
    # magnitudes, and y's distinct labels (classifier) or its bad values and the likelihood's check_y
    if likelihood.numeric_targets:
        y = y.astype(np.float64)
        y_checks = [(~da.isfinite(y)).sum(), _per_block(y, _check_y_block, likelihood)]
    else:
        y_checks = [y.map_blocks(np.unique, dtype=y.dtype, chunks=(np.nan,))]
    bad, magnitude, mean, *y_found = dask.compute((~da.isfinite(X)).sum(axis=0), abs(X).max(axis=0),
                                                  X.mean(axis=0), *y_checks)
    _remember_mean(X, mean)
    columns = est.feature_names() if not reset and hasattr(est, "coef_") else (names or
                                                                              [f"x{j}" for j in range(X.shape[1])])
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise ValueError(f"X holds {int(bad.sum())} NaN or infinite value(s), e.g. {int(bad[j])} in column "
                         f"{columns[j]!r}; drop or impute them first")
    if (magnitude >= 1e100).any():
        j = int(np.argmax(magnitude))
        raise ValueError(f"X column {columns[j]!r} holds values up to {magnitude[j]:.3g}: too large to fit; rescale it")
    if likelihood.numeric_targets:
        if int(y_found[0]):
            raise ValueError(f"y holds {int(y_found[0])} NaN or infinite value(s)")
        y_enc = y
    else:  # the encoding is 0/1 by construction: Bernoulli's check_y holds
        y_enc = _encode_classes(est, y, np.unique(y_found[0]), reset)
    return X, y_enc, persisted


_MEANS: dict[str, np.ndarray] = {}  # X's column means by Dask key, found with the checks (the model's x̄)


def _remember_mean(X, mean) -> None:
    while len(_MEANS) >= 8:
        _MEANS.pop(next(iter(_MEANS)))
    _MEANS[X.name] = np.asarray(mean, dtype=float)


def column_means(X) -> np.ndarray:
    """X's column means: from the checks of :func:`prepare` (no pass), else one pass now."""
    mean = _MEANS.get(X.name)
    return mean.copy() if mean is not None else np.asarray(X.mean(axis=0).compute(), dtype=float)


def _per_block(y, fn, *args):
    """``fn(block, *args)`` on every block of y (raising where it must), lazily: one value per block."""
    return y.map_blocks(fn, *args, dtype=float, chunks=((1,) * y.numblocks[0],)).sum()


def _encode_classes(est, y, classes: np.ndarray, reset: bool):
    if reset:
        if classes.size != 2:
            raise ValueError(f"Only binary classification is supported: y must hold exactly two classes for "
                             f"logistic regression, got {classes.size} class(es): {classes[:10].tolist()}")
        est.classes_ = classes
    else:
        unseen = classes[~np.isin(classes, est.classes_)]
        if unseen.size:
            raise ValueError(f"y holds labels not seen in fit (classes {est.classes_.tolist()}): "
                             f"{unseen[:5].tolist()}")
    return (y == est.classes_[1]).astype(np.float64)


def _check_y_block(y, likelihood):
    likelihood.check_y(y)
    return np.zeros(1)


def prepare_weights(sample_weight, X):
    """Sample weights as a Dask array aligned with X's rows (≥ 0, finite), or None."""
    if sample_weight is None:
        return None
    import dask.array as da

    w, _ = _as_array(sample_weight, "sample_weight")
    if w.ndim != 1 or w.shape[0] != X.shape[0]:
        raise ValueError(f"sample_weight must hold one weight per row ({X.shape[0]}), got shape {w.shape}")
    w = w.astype(np.float64).rechunk(X.chunks[0])
    bad, total = da.compute(((~da.isfinite(w)) | (w < 0)).sum(), w.sum())
    if bad:
        raise ValueError(f"sample_weight holds {int(bad)} negative, NaN or infinite value(s); weights must be finite "
                         f"and ≥ 0")
    if not total > 0:  # as check_sample_weight in memory
        raise ValueError("sample_weight must not be all zero")
    return w.persist() if fits_in_memory(w.nbytes) else w
