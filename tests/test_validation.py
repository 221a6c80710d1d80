"""bayesreg.validation: the one error policy, helper by helper.

Wrong type → ArgumentTypeError (a TypeError and a ValueError); right type, bad
value → ValueError (not a TypeError); NumPy scalars pass wherever Python numbers
do; every message names the argument and shows the bad value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bayesreg.validation import (ArgumentTypeError, check_bool, check_choice, check_int, check_lams,
                                 check_probability, check_real, check_seed)

NOT_NUMBERS = [True, False, np.bool_(True), "1", None, [1], 1 + 0j]


def _type_error(call, name, shown):
    """``call()`` raises an ArgumentTypeError (a TypeError and a ValueError) naming ``name`` and ``shown``."""
    with pytest.raises(ArgumentTypeError) as info:
        call()
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    msg = str(info.value)
    assert name in msg and shown in msg, msg


def _value_error(call, name, shown):
    """``call()`` raises a plain ValueError (not a TypeError) naming ``name`` and ``shown``."""
    with pytest.raises(ValueError) as info:
        call()
    assert not isinstance(info.value, TypeError), info.value
    msg = str(info.value)
    assert name in msg and shown in msg, msg


def test_argument_type_error_is_both():
    assert issubclass(ArgumentTypeError, TypeError) and issubclass(ArgumentTypeError, ValueError)


# -- check_int -------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3), np.uint8(3)])
def test_check_int_accepts_python_and_numpy_integers(value):
    out = check_int(value, "n", 1)
    assert out == 3 and type(out) is int


@pytest.mark.parametrize("value", NOT_NUMBERS + [2.0, np.float64(2.0), 2.5])
def test_check_int_rejects_other_types(value):
    _type_error(lambda: check_int(value, "n_things", 1), "n_things", repr(value))


@pytest.mark.parametrize("value", [0, -5, np.int64(0)])
def test_check_int_rejects_values_below_the_minimum(value):
    _value_error(lambda: check_int(value, "n_things", 1), "n_things", f"got {value!r}")
    with pytest.raises(ValueError, match=r"n_things must be an integer >= 1, got"):
        check_int(value, "n_things", 1)


def test_check_int_without_minimum_takes_any_integer():
    assert check_int(-7, "k") == -7


def test_check_int_allow_none():
    assert check_int(None, "max_iter", 1, allow_none=True) is None
    assert check_int(np.int64(4), "max_iter", 1, allow_none=True) == 4
    _type_error(lambda: check_int(None, "max_iter", 1), "max_iter", "None")
    with pytest.raises(ArgumentTypeError, match=r"max_iter must be an integer >= 1 or None, got 2\.5"):
        check_int(2.5, "max_iter", 1, allow_none=True)
    with pytest.raises(ValueError, match=r"max_iter must be an integer >= 1 or None, got 0"):
        check_int(0, "max_iter", 1, allow_none=True)


# -- check_real ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0.5, 1, np.float32(0.5), np.float64(0.5), np.int64(1), np.float16(0.5)])
def test_check_real_accepts_python_and_numpy_numbers(value):
    out = check_real(value, "x")
    assert out == float(value) and type(out) is float


@pytest.mark.parametrize("value", NOT_NUMBERS + [np.array([1.0])])
def test_check_real_rejects_other_types(value):
    _type_error(lambda: check_real(value, "scale"), "scale", repr(value))


@pytest.mark.parametrize("value, shown", [(math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf"),
                                          (np.float32("nan"), "nan"), (np.float64("inf"), "inf"),
                                          (10**400, "inf"), (-10**400, "-inf")], ids=repr)
def test_check_real_rejects_nan_and_inf(value, shown):
    _value_error(lambda: check_real(value, "scale"), "scale", shown)
    with pytest.raises(ValueError, match="must be a finite number"):
        check_real(value, "scale")


def test_check_real_allow_inf_still_rejects_nan():
    assert check_real(math.inf, "x", low=0.0, allow_inf=True) == math.inf
    _value_error(lambda: check_real(math.nan, "x", allow_inf=True), "x", "nan")


@pytest.mark.parametrize("kwargs, bad, where", [
    (dict(low=0.0, low_open=True), 0.0, "> 0"),
    (dict(low=0.0), -0.5, ">= 0"),
    (dict(high=1.0, high_open=True), 1.0, "< 1"),
    (dict(high=1.0), 1.5, "<= 1"),
    (dict(low=0.0, high=1.0), -0.25, "in [0, 1]"),
    (dict(low=0.0, high=1.0, low_open=True, high_open=True), 1.0, "in (0, 1)"),
    (dict(low=0.0, high=0.5, low_open=True), 0.75, "in (0, 0.5]"),
])
def test_check_real_bounds(kwargs, bad, where):
    _value_error(lambda: check_real(bad, "rate", **kwargs), "rate", repr(bad))
    with pytest.raises(ValueError) as info:
        check_real(np.float32(bad), "rate", **kwargs)
    assert f"rate must be a number {where}, got {bad!r}" == str(info.value)


def test_check_real_bounds_are_inclusive_unless_open():
    assert check_real(0.0, "x", low=0.0, high=1.0) == 0.0
    assert check_real(np.float32(1.0), "x", low=0.0, high=1.0) == 1.0
    assert check_real(np.float32(0.9), "x", low=0.0, high=1.0, low_open=True, high_open=True) == pytest.approx(0.9)


# -- check_probability -------------------------------------------------------------------------

def test_check_probability():
    assert check_probability(np.float32(0.5), "prob") == 0.5
    assert check_probability(0.94) == 0.94
    for bad in (0.0, 1.0, -0.2, 1.5, math.nan):
        _value_error(lambda: check_probability(bad, "prob"), "prob", repr(bad))
    _type_error(lambda: check_probability("0.9", "hdi_prob"), "hdi_prob", "'0.9'")


# -- check_seed ------------------------------------------------------------------------------

def test_check_seed():
    assert check_seed(np.int64(7)) == 7 and type(check_seed(np.uint32(7))) is int
    assert check_seed(2**32 - 1) == 2**32 - 1
    fresh = check_seed(None)
    assert isinstance(fresh, int) and 0 <= fresh < 2**32
    for bad in (-1, 2**32, np.int64(-3)):
        _value_error(lambda: check_seed(bad), "random_seed", repr(bad))
    for bad in (1.0, "3", True, np.bool_(False)):
        _type_error(lambda: check_seed(bad, "seed"), "seed", repr(bad))


# -- check_bool ------------------------------------------------------------------------------

def test_check_bool():
    assert check_bool(True, "flag") is True
    assert check_bool(np.bool_(False), "flag") is False
    for bad in (1, 0, np.int64(1), "True", None, 1.0):
        _type_error(lambda: check_bool(bad, "fit_intercept"), "fit_intercept", repr(bad))


# -- check_choice ----------------------------------------------------------------------------

def test_check_choice():
    assert check_choice("gd", "solver", ["fista", "gd"]) == "gd"
    assert check_choice("gd", "solver", {"fista": 1, "gd": 2}) == "gd"  # a dict's keys
    with pytest.raises(ValueError, match=r"solver must be one of \['fista', 'gd'\], got 'bogus'") as info:
        check_choice("bogus", "solver", ["fista", "gd"])
    assert not isinstance(info.value, TypeError)
    _value_error(lambda: check_choice("GD", "solver", ["fista", "gd"]), "solver", "'GD'")
    for bad in (None, 3, np.float32(1.0), ["gd"]):
        _type_error(lambda: check_choice(bad, "solver", ["fista", "gd"]), "solver", repr(bad))
    with pytest.raises(ArgumentTypeError, match=r"one of \['fista', 'gd'\]"):
        check_choice(None, "solver", ["fista", "gd"])


def test_check_choice_ignore_case_returns_the_spelling_of_the_choice():
    assert check_choice("Gaussian", "family", ["binomial", "gaussian"], ignore_case=True) == "gaussian"
    _value_error(lambda: check_choice("poisson", "family", ["binomial"], ignore_case=True), "family", "'poisson'")


# -- check_lams ------------------------------------------------------------------------------

def test_check_lams():
    np.testing.assert_array_equal(check_lams([np.float32(0.5), 2, np.int64(4)]), [0.5, 2.0, 4.0])
    np.testing.assert_array_equal(check_lams(np.float64(3.0)), [3.0])
    for bad, shown in (([1.0, 0.0], "0.0"), ([1.0, -2.0], "-2.0"), ([math.nan], "nan"), ([math.inf], "inf")):
        _value_error(lambda: check_lams(bad), "lams", shown)
    for bad in ([], "1.0", None, [1.0, 1.0]):
        with pytest.raises(ValueError, match="lams"):
            check_lams(bad)


# -- plain_arrays: the fit's shortcut past scikit-learn's validate_data ------------------------------------

def _xy_cases():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = (X[:, 0] + rng.normal(size=30) > 0).astype(int)
    nan_X, inf_X, nan_y = X.copy(), X.copy(), y.astype(float)
    nan_X[3, 1], inf_X[0, 0], nan_y[5] = np.nan, -np.inf, np.nan
    return {
        "float64 X, int y": (X, y, True),
        "Fortran X, float y": (np.asfortranarray(X), y.astype(float), True),
        "bool y": (X, y.astype(bool), True),
        "labels 3/7 as floats": (X, np.where(y == 1, 7.0, 3.0), True),
        "non-integral float y": (X, np.where(y == 1, 0.5, 0.0), True),
        "three classes": (X, np.arange(30) % 3, True),
        "one class": (X, np.ones(30, dtype=int), True),
        "string labels": (X, np.where(y == 1, "yes", "no"), False),
        "int X": (np.round(X * 10).astype(int), y, False),
        "float32 X": (X.astype(np.float32), y, False),
        "big-endian X": (X.astype(">f8"), y, False),
        "list X": (X.tolist(), y, False),
        "NaN in X": (nan_X, y, False),
        "inf in X": (inf_X, y, False),
        "NaN in y": (X, nan_y, False),
        "2-D y": (X, y[:, None], False),
        "1-D X": (X[:, 0], y, False),
        "rows differ": (X, y[:-1], False),
        "no features": (X[:, :0], y, False),
        "no rows": (X[:0], y[:0], False),
    }


@pytest.mark.parametrize("estimator", ["LogisticRegression", "LinearRegression"])
@pytest.mark.parametrize("case", list(_xy_cases()))
def test_plain_arrays_fit_matches_scikit_learn_validation(case, estimator, monkeypatch):
    """A fit through the shortcut and one through scikit-learn's validate_data: same errors, same fitted state."""
    import bayesreg
    from bayesreg import estimators
    from bayesreg.validation import plain_arrays

    X, y, plain = _xy_cases()[case]
    assert plain_arrays(X, y) == plain

    def fit(shortcut):
        if not shortcut:
            monkeypatch.setattr(estimators, "plain_arrays", lambda X, y: False)
        est = getattr(bayesreg, estimator)(prior=bayesreg.Laplace(0.5))
        est.feature_names_in_ = np.array(["stale"], dtype=object)  # a previous fit on a DataFrame
        try:
            est.fit(X, y)
        except Exception as e:  # noqa: BLE001 - the two paths must fail alike
            return type(e), str(e)
        finally:
            monkeypatch.undo()
        classes = getattr(est, "classes_", None)
        return (est.coef_.tolist(), est.intercept_, None if classes is None else (classes.tolist(), classes.dtype),
                est.n_features_in_, hasattr(est, "feature_names_in_"), getattr(est, "noise_sd_", None))

    fast, slow = fit(True), fit(False)
    assert fast == slow
    fits = ("float64 X, int y", "bool y", "labels 3/7 as floats") if estimator == "LogisticRegression" else \
        ("float64 X, int y", "Fortran X, float y", "bool y", "non-integral float y", "three classes")
    if plain and case in fits:
        assert isinstance(fast[0], list)  # these fit
