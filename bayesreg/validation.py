"""One validation policy for every public entry point.

* A value of the wrong **type** raises :class:`ArgumentTypeError`, a ``TypeError``
  (that is also a ``ValueError``, so code written against the older
  "everything is a ValueError" behaviour keeps catching it).
* A value of the right type but outside its range raises ``ValueError``.
* NumPy scalars are accepted wherever Python numbers are (``np.float32(0.9)``,
  ``np.int64(3)``); ``bool`` is never a number.
* Every message names the argument and shows the bad value.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["ArgumentTypeError", "check_int", "check_real", "check_probability", "check_seed", "check_bool",
           "check_choice", "check_lams"]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a TypeError; also a ValueError for older callers)."""


def _type_error(name: str, value, expected: str) -> ArgumentTypeError:
    return ArgumentTypeError(f"{name} must be {expected}, got {value!r} of type {type(value).__name__}")


def check_int(value, name: str, minimum: int | None = None) -> int:
    """An integer (Python or NumPy, not bool), at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _type_error(name, value, "an integer" + (f" >= {minimum}" if minimum is not None else ""))
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_real(value, name: str, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False, allow_inf: bool = False) -> float:
    """A real number (Python or NumPy, not bool), finite unless ``allow_inf``, inside the given bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _type_error(name, value, "a real number")
    value = float(value)
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


def check_choice(value, name: str, choices) -> str:
    """One of ``choices`` (an unknown option is a ValueError listing them)."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


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
