"""Likelihoods against closed forms written with scipy.special / scipy.stats, and finite differences."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import special, stats

from bayesreg.likelihoods import Bernoulli, Likelihood, Normal, log1pexp, sigmoid

RNG = np.random.default_rng(20240601)
ETA = np.concatenate([np.linspace(-40.0, 40.0, 41), RNG.normal(scale=3.0, size=30)])
Y01 = (RNG.random(ETA.size) < 0.5).astype(float)
Y01[:4] = [0.0, 1.0, 0.0, 1.0]


def _bernoulli_nll_rows(y, eta):
    """−log p(y | η) = −[y·log σ(η) + (1 − y)·log σ(−η)], with SciPy's stable log_expit."""
    return -(y * special.log_expit(eta) + (1.0 - y) * special.log_expit(-eta))


def _normal_nll_rows(y, eta, sd):
    return (y - eta) ** 2 / (2.0 * sd**2)


def _rowwise(fn, y, eta):
    """Apply a summing function (like nll) to each observation separately."""
    return np.array([fn(np.array([yi]), np.array([ei])) for yi, ei in zip(y, eta)])


# ---------------------------------------------------------------------------------------
# Bernoulli
# ---------------------------------------------------------------------------------------

def test_bernoulli_nll_matches_log_expit():
    lik = Bernoulli()
    expected_rows = _bernoulli_nll_rows(Y01, ETA)
    assert lik.nll(Y01, ETA) == pytest.approx(expected_rows.sum(), rel=1e-13)
    # row by row, including well-fitted rows whose nll ≈ e^{−|η|} is tiny: relative accuracy
    np.testing.assert_allclose(_rowwise(lik.nll, Y01, ETA), expected_rows, rtol=1e-12, atol=0)


def test_bernoulli_nll_keeps_digits_of_well_fitted_rows():
    lik = Bernoulli()
    eta = np.array([30.0, -30.0, 35.0, -36.0])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    expected = np.log1p(np.exp(-np.abs(eta))).sum()  # every row fits: nll_n = log(1 + e^{−|η|})
    assert lik.nll(y, eta) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(lik.loglik_rows(y, eta), -np.log1p(np.exp(-np.abs(eta))), rtol=1e-12, atol=0)


def test_bernoulli_loglik_rows_match_scipy_bernoulli():
    lik = Bernoulli()
    moderate = np.abs(ETA) <= 20  # where SciPy's log(p) of a rounded p is still accurate
    y, eta = Y01[moderate], ETA[moderate]
    expected = stats.bernoulli.logpmf(y.astype(int), special.expit(eta))
    np.testing.assert_allclose(lik.loglik_rows(y, eta), expected, rtol=1e-6, atol=1e-14)
    np.testing.assert_allclose(lik.loglik_rows(Y01, ETA), -_bernoulli_nll_rows(Y01, ETA), rtol=1e-12, atol=0)


def test_bernoulli_loglik_rows_broadcast_over_draws():
    lik = Bernoulli()
    draws = np.vstack([ETA, 0.5 * ETA, -ETA])
    out = lik.loglik_rows(Y01, draws)
    assert out.shape == draws.shape
    for k in range(3):
        np.testing.assert_allclose(out[k], -_bernoulli_nll_rows(Y01, draws[k]), rtol=1e-12, atol=0)


def test_bernoulli_residual_and_curvature_closed_form():
    lik = Bernoulli()
    np.testing.assert_allclose(lik.residual(Y01, ETA), special.expit(ETA) - Y01, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(lik.curvature(Y01, ETA), special.expit(ETA) * special.expit(-ETA),
                               rtol=1e-9, atol=1e-16)
    np.testing.assert_allclose(lik.mean(ETA), special.expit(ETA), rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("lik", [Bernoulli(), Normal(1.0), Normal(0.3), Normal(4.0)], ids=repr)
def test_residual_and_curvature_match_finite_differences(lik):
    y = Y01 if isinstance(lik, Bernoulli) else RNG.normal(size=ETA.size)
    eta = np.clip(ETA, -15, 15)
    h = 1e-5
    nll_p = _rowwise(lik.nll, y, eta + h)
    nll_m = _rowwise(lik.nll, y, eta - h)
    fd1 = (nll_p - nll_m) / (2 * h)
    np.testing.assert_allclose(lik.residual(y, eta), fd1, rtol=1e-6, atol=1e-9)
    fd2 = (lik.residual(y, eta + h) - lik.residual(y, eta - h)) / (2 * h)
    np.testing.assert_allclose(lik.curvature(y, eta), fd2, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("big", [1e4, 1e300])
def test_bernoulli_is_stable_for_huge_eta(big):
    lik = Bernoulli()
    eta = np.array([big, big, -big, -big, 0.0, 745.0, -745.0, 800.0, -800.0])
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        nll = lik.nll(y, eta)
        rows = lik.loglik_rows(y, eta)
        res = lik.residual(y, eta)
        curv = lik.curvature(y, eta)
        mean = lik.mean(eta)
        lp = log1pexp(eta)
        sg = sigmoid(eta)
    for arr in (rows, res, curv, mean, lp, sg):
        assert np.all(np.isfinite(arr))
    assert math.isfinite(nll)
    # the wrong-side rows cost |η| each; the right-side rows cost (almost) nothing
    expected_rows = np.array([0.0, big, big, 0.0, math.log(2.0), 0.0, 0.0, 800.0, 800.0])
    np.testing.assert_allclose(-rows, expected_rows, rtol=1e-15, atol=1e-300)
    assert nll == pytest.approx(2 * big + math.log(2.0) + 1600.0, rel=1e-15)
    np.testing.assert_array_equal(res, np.array([0.0, 1.0, -1.0, 0.0, -0.5, 0.0, 0.0, 1.0, -1.0]))
    assert np.all((curv >= 0) & (curv <= 0.25))
    assert curv[4] == 0.25 and curv[0] == 0.0
    np.testing.assert_array_equal(mean, [1.0, 1.0, 0.0, 0.0, 0.5, 1.0, 0.0, 1.0, 0.0])


def test_log1pexp_and_sigmoid_match_numpy_and_scipy():
    eta = np.concatenate([np.linspace(-50, 50, 201), [-1e300, -1e4, -745.0, 709.0, 710.0, 1e4, 1e300]])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        lp = log1pexp(eta)
        sg = sigmoid(eta)
    np.testing.assert_allclose(lp, np.logaddexp(0.0, eta), rtol=1e-14, atol=0)
    # 0.5 + 0.5·tanh(η/2) is accurate to rounding in absolute terms (what σ(η) − y needs);
    # far in the lower tail it returns 0 rather than e^η.
    np.testing.assert_allclose(sg, special.expit(eta), rtol=1e-14, atol=2.3e-16)
    assert np.all((sg >= 0) & (sg <= 1))
    assert log1pexp(np.array(3.0)).shape == ()


def test_bernoulli_check_y():
    lik = Bernoulli()
    lik.check_y(np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"0/1.*2\.0"):
        lik.check_y(np.array([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError):
        lik.check_y(np.array([0.5]))


def test_bernoulli_identity():
    assert Bernoulli() == Bernoulli() and hash(Bernoulli()) == hash(Bernoulli())
    assert Bernoulli() != Normal(1.0)
    assert Bernoulli().params() == {}


# ---------------------------------------------------------------------------------------
# Normal
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("sd", [0.1, 1.0, 2.5])
def test_normal_matches_closed_form_and_scipy(sd):
    lik = Normal(sd)
    y = RNG.normal(scale=3.0, size=ETA.size)
    eta = ETA
    assert lik.nll(y, eta) == pytest.approx(_normal_nll_rows(y, eta, sd).sum(), rel=1e-13)
    np.testing.assert_allclose(lik.loglik_rows(y, eta), stats.norm(loc=eta, scale=sd).logpdf(y), rtol=1e-12)
    # nll is −loglik without the constant log(σ√(2π))
    const = math.log(sd * math.sqrt(2 * math.pi))
    assert lik.nll(y, eta) == pytest.approx(-(stats.norm.logpdf(y, eta, sd) + const).sum(), rel=1e-12)
    np.testing.assert_allclose(lik.residual(y, eta), (eta - y) / sd**2, rtol=1e-13)
    np.testing.assert_allclose(lik.curvature(y, eta), np.full(eta.size, 1.0 / sd**2), rtol=1e-15)
    np.testing.assert_array_equal(lik.mean(eta), eta)
    assert lik.params() == {"noise_sd": sd}


def test_normal_loglik_rows_broadcast_over_draws():
    lik = Normal(0.7)
    y = RNG.normal(size=5)
    draws = RNG.normal(size=(4, 5))
    out = lik.loglik_rows(y, draws)
    np.testing.assert_allclose(out, stats.norm(loc=draws, scale=0.7).logpdf(y), rtol=1e-12)


@pytest.mark.parametrize("big", [1e4, 1e150])
def test_normal_is_stable_for_large_eta(big):
    # (y − η)² for |η| = 1e300 is beyond the float range, so the Normal is checked up to 1e150.
    lik = Normal(2.0)
    eta = np.array([big, -big, 0.0])
    y = np.array([0.0, 1.0, -1.0])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        nll = lik.nll(y, eta)
        rows = lik.loglik_rows(y, eta)
        res = lik.residual(y, eta)
    assert math.isfinite(nll) and np.all(np.isfinite(rows)) and np.all(np.isfinite(res))
    assert nll == pytest.approx(_normal_nll_rows(y, eta, 2.0).sum(), rel=1e-14)


@pytest.mark.parametrize("bad,exc", [(0.0, ValueError), (-1.0, ValueError), (float("nan"), ValueError),
                                     (float("inf"), ValueError), ("1", TypeError), (True, TypeError),
                                     (None, TypeError)])
def test_normal_rejects_bad_noise_sd(bad, exc):
    with pytest.raises(exc) as info:
        Normal(bad)
    msg = str(info.value)
    assert "noise_sd" in msg and repr(float(bad) if exc is ValueError else bad) in msg


def test_normal_identity():
    assert Normal(2.0) == Normal(2) and hash(Normal(2.0)) == hash(Normal(2))
    assert Normal(2.0) != Normal(3.0)
    assert "2.0" in repr(Normal(2.0))


def test_likelihood_base_is_abstract():
    with pytest.raises(NotImplementedError):
        Likelihood().nll(np.zeros(1), np.zeros(1))


def test_likelihood_identity_comes_from_class_and_params():
    """Equality, hash and repr are the base class's, from params(): built-in and user likelihoods alike."""
    from bayesreg.likelihoods import Bernoulli, Likelihood, Normal
    from bayesreg.poisson import Poisson

    class Scaled(Likelihood):
        def __init__(self, k):
            self.k = k

        def params(self):
            return {"k": self.k}

    assert Normal(2.0) == Normal(2.0) and hash(Normal(2.0)) == hash(Normal(2.0))
    assert Normal(2.0) != Normal(3.0) and Bernoulli() != Poisson() and Poisson() == Poisson()
    assert (repr(Bernoulli()), repr(Normal(2.0)), repr(Poisson())) == ("Bernoulli()", "Normal(noise_sd=2.0)", "Poisson()")
    assert Scaled(1.5) == Scaled(1.5) and Scaled(1.5) != Scaled(2.5) and repr(Scaled(1.5)) == "Scaled(k=1.5)"
    assert len({Scaled(1.5), Scaled(1.5), Normal(1.0)}) == 2
