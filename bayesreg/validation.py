"""One validation policy for every public entry point.

* A value of the wrong **type** raises :class:`ArgumentTypeError`, a ``TypeError``
  (that is also a ``ValueError``, so code written against the older
  "everything is a ValueError" behaviour keeps catching it).
* A value of the right type but outside its range raises ``ValueError``.
* NumPy scalars are accepted wherever Python numbers are (``np.float32(0.9)``,
  ``np.int64(3)``); ``bool`` is never a number.
* Every message names the argument and shows the bad value.

Helpers: :func:`check_int` (optionally None), :func:`check_real` (bounds, open or
closed), :func:`check_probability`, :func:`check_seed`, :func:`check_bool`,
:func:`check_choice` (optionally ignoring case), :func:`check_lams`.  Each returns
the value as a plain Python ``int``/``float``/``bool``/``str`` (or array for λs).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["ArgumentTypeError", "check_int", "check_real", "check_probability", "check_seed", "check_bool",
           "check_choice", "check_lams", "check_data_magnitude", "MAX_DATA_MAGNITUDE", "check_sample_weight",
           "plain_arrays"]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a TypeError; also a ValueError for older callers)."""


def _type_error(name: str, value, expected: str) -> ArgumentTypeError:
    return ArgumentTypeError(f"{name} must be {expected}, got {value!r} of type {type(value).__name__}")


def check_int(value, name: str, minimum: int | None = None, *, allow_none: bool = False) -> int | None:
    """An integer (Python or NumPy, not bool), at least ``minimum``; ``allow_none`` lets None through as None."""
    if value is None and allow_none:
        return None
    expected = "an integer" + (f" >= {minimum}" if minimum is not None else "") + (" or None" if allow_none else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _type_error(name, value, expected)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return int(value)


def check_real(value, name: str, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False, allow_inf: bool = False) -> float:
    """A real number (Python or NumPy, not bool), finite unless ``allow_inf``, inside the given bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _type_error(name, value, "a real number")
    try:
        value = float(value)
    except OverflowError:  # an int beyond float's range
        value = math.inf if value > 0 else -math.inf
    if math.isnan(value) or (not allow_inf and math.isinf(value)):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        lo = "" if low is None else f"{'(' if low_open else '['}{low:g}"
        hi = "" if high is None else f"{high:g}{')' if high_open else ']'}"
        where = (f"in {lo}, {hi}" if low is not None and high is not None
                 else f"{'>' if low_open else '>='} {low:g}" if low is not None
                 else f"{'<' if high_open else '<='} {high:g}")
        raise ValueError(f"{name} must be a number {where}, got {value!r}")
    return value


def check_probability(value, name: str = "prob") -> float:
    """A number in the open interval (0, 1)."""
    return check_real(value, name, low=0.0, high=1.0, low_open=True, high_open=True)


def check_seed(random_seed, name: str = "random_seed") -> int:
    """An int seed in [0, 2**32); None draws a fresh one (record it so that a run can be repeated)."""
    if random_seed is None:
        return int(np.random.default_rng().integers(2**31 - 1))
    if isinstance(random_seed, bool) or not isinstance(random_seed, numbers.Integral):
        raise _type_error(name, random_seed, "None or an integer in [0, 2**32)")
    if not 0 <= random_seed < 2**32:
        raise ValueError(f"{name} must be None or an integer in [0, 2**32), got {random_seed!r}")
    return int(random_seed)


def check_bool(value, name: str) -> bool:
    """True or False (NumPy bools too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise _type_error(name, value, "True or False")
    return bool(value)


def check_choice(value, name: str, choices, *, ignore_case: bool = False) -> str:
    """One of the strings ``choices``, returned as spelled there.

    A non-string is an :class:`ArgumentTypeError`, an unknown option a ValueError;
    both list the choices.  ``ignore_case`` matches ``"Gaussian"`` to ``"gaussian"``.
    """
    options = list(choices)
    if not isinstance(value, str):
        raise _type_error(name, value, f"one of {options}")
    for option in options:
        if value == option or (ignore_case and value.casefold() == option.casefold()):
            return option
    raise ValueError(f"{name} must be one of {options}, got {value!r}")


def check_lams(lams, name: str = "lams") -> np.ndarray:
    """λ values as a 1-D float array: finite, > 0, no duplicates."""
    arr = None
    if not isinstance(lams, str):
        try:
            arr = np.asarray(lams, dtype=float).ravel()
        except (TypeError, ValueError):
            arr = None
    if arr is None or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty sequence of numbers > 0, got {lams!r}")
    bad = arr[~np.isfinite(arr) | (arr <= 0)]
    if bad.size:
        raise ValueError(f"{name} must be finite and > 0, got {bad[0]!r}")
    if np.unique(arr).size != arr.size:
        raise ValueError(f"{name} must not repeat a value")
    return arr


#: Data values beyond this cannot be squared or multiplied through a fit without overflow (1e100² = 1e200).
MAX_DATA_MAGNITUDE = 1e100


def check_data_magnitude(values: np.ndarray, name: str, columns: list[str] | None = None) -> None:
    """A ValueError naming the column (or ``name``) whose values are too large to fit, instead of a silent 0.

    Squares and products of values near 1e300 overflow: a fit then runs to its
    iteration limit on infinities and returns nonsense with a flood of RuntimeWarnings.
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return
    # Two reductions without a copy first (np.abs(X) would copy X: slow on a large X); columns only on failure
    if not max(float(values.max()), -float(values.min())) > MAX_DATA_MAGNITUDE:
        return
    big = np.abs(values).max(axis=0) if values.ndim == 2 else np.array([np.abs(values).max()])
    bad = np.flatnonzero(big > MAX_DATA_MAGNITUDE)
    if bad.size:
        where = ", ".join(f"{columns[j] if columns is not None else j!r} (up to {big[j]:.3g})" for j in bad[:5])
        what = f"{name} column(s) {where}" if values.ndim == 2 else f"{name} (up to {big[0]:.3g})"
        raise ValueError(f"{what}: values beyond {MAX_DATA_MAGNITUDE:g} cannot be fitted without overflow; "
                         f"rescale them (e.g. standardize, or change units)")


def check_sample_weight(sample_weight, n_samples: int, name: str = "sample_weight") -> np.ndarray | None:
    """None, or a float copy of one finite weight ≥ 0 per row, not all zero (scikit-learn's convention)."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, str):
        raise _type_error(name, sample_weight, "None or one number per row")
    try:
        w = np.array(sample_weight, dtype=float)
    except (TypeError, ValueError):
        raise _type_error(name, sample_weight, "None or one number per row") from None
    if w.ndim == 0:  # a scalar weights every row alike
        w = np.full(n_samples, float(w))
    if w.shape != (n_samples,):
        raise ValueError(f"{name} must hold one weight per row: shape ({n_samples},), got {w.shape}")
    bad = w[~np.isfinite(w) | (w < 0)]
    if bad.size:
        raise ValueError(f"{name} must be finite and >= 0, got {bad[0]!r}")
    if not w.sum() > 0:
        raise ValueError(f"{name} must not be all zero")
    return w


def plain_arrays(X, y) -> bool:
    """Whether scikit-learn's ``validate_data(est, X, y, dtype=np.float64)`` would return (X, y) unchanged.

    True for X a non-empty 2-D native float64 ndarray and y a 1-D bool/int/float ndarray of as
    many rows, all finite: the estimators then skip scikit-learn's checks (their call overhead is
    most of a small fit's validation).  Anything else (lists, DataFrames, NaN, wrong shapes) goes
    through scikit-learn, which raises its usual errors.  A sum that overflows to inf only sends
    finite data the slow way.
    """
    return (type(X) is np.ndarray and type(y) is np.ndarray and X.ndim == 2 and y.ndim == 1
            and X.dtype == np.float64 and y.dtype.kind in "biuf" and X.shape[0] == y.shape[0]
            and X.shape[0] > 0 and X.shape[1] > 0 and math.isfinite(float(X.sum()))
            and (y.dtype.kind != "f" or math.isfinite(float(y.sum()))))
