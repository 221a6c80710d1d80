"""bayesreg.convert: each conversion checked by fitting the other library and our estimator.

The other libraries are the independent reference (docs/contract.md §9): for each
convention the same data is fitted by scikit-learn / glum / statsmodels with their
penalty and by our ``solver="newton"`` (tol 1e-10) with the converted prior, and the
coefficients must agree.  Pure formula checks are only for round trips, the N-scaling
and validation.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import bayesreg
from bayesreg import ElasticNet, Flat, Gaussian, Laplace
from bayesreg.convert import (from_glmnet, from_ridge, from_sklearn, from_statsmodels, to_glmnet, to_ridge,
                              to_sklearn, to_statsmodels)
from bayesreg.validation import ArgumentTypeError

ATOL = 1e-5  # coefficients; the fits themselves agree to ~1e-8 or better, statsmodels to ~1e-6


# -- data ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def logistic_data():
    """200 × 5 standardized features, a sparse truth, Bernoulli labels (not separable)."""
    rng = np.random.default_rng(20240601)
    X = rng.normal(size=(200, 5))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    w = np.array([1.5, -1.0, 0.0, 0.5, 0.0])
    p = 1.0 / (1.0 + np.exp(-(X @ w + 0.3)))
    y = (rng.random(200) < p).astype(int)
    return X, y


@pytest.fixture(scope="module")
def linear_data():
    """120 × 5, unstandardized (means ≠ 0, scales differ), noise sd 0.7."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(120, 5)) * np.array([1.0, 2.0, 0.5, 1.0, 3.0]) + 1.0
    y = X @ np.array([1.5, -1.0, 0.0, 0.5, 0.0]) + 2.0 + 0.7 * rng.normal(size=120)
    return X, y


def ours_logistic(X, y, prior, **kw):
    return bayesreg.LogisticRegression(prior=prior, solver="newton", tol=1e-10, **kw).fit(X, y)


def ours_linear(X, y, prior, noise_sd):
    return bayesreg.LinearRegression(prior=prior, noise_sd=noise_sd, solver="newton", tol=1e-10).fit(X, y)


def assert_same_fit(coef, intercept, est, atol=ATOL):
    np.testing.assert_allclose(np.ravel(coef), est.coef_, rtol=0, atol=atol)
    assert float(np.ravel(intercept)[0]) == pytest.approx(est.intercept_, abs=atol)


# -- scikit-learn LogisticRegression -----------------------------------------------------------

@pytest.mark.parametrize("C", [0.02, 1.0])
def test_sklearn_logistic_l2_matches_fit(logistic_data, C):
    from sklearn.linear_model import LogisticRegression

    X, y = logistic_data
    sk = LogisticRegression(C=C, l1_ratio=0.0, solver="lbfgs", tol=1e-10, max_iter=10_000).fit(X, y)
    prior = from_sklearn(C)
    assert prior == Gaussian(1.0 / C)
    assert_same_fit(sk.coef_, sk.intercept_, ours_logistic(X, y, prior))


@pytest.mark.parametrize("intercept_scaling", [1e4, 1.0])
def test_sklearn_logistic_l1_liblinear_matches_fit(logistic_data, intercept_scaling):
    """liblinear penalizes b/s as a weight: that is an intercept prior Laplace(1/(s·C)) on our side."""
    from sklearn.linear_model import LogisticRegression

    X, y = logistic_data
    C = 0.05  # strong enough that some weights are exactly zero
    sk = LogisticRegression(C=C, l1_ratio=1.0, solver="liblinear", intercept_scaling=intercept_scaling,
                            tol=1e-10, max_iter=10_000).fit(X, y)
    prior = from_sklearn(C, l1_ratio=1.0)
    assert prior == Laplace(1.0 / C)
    ours = ours_logistic(X, y, prior, intercept_prior=Laplace(1.0 / (intercept_scaling * C)))
    assert_same_fit(sk.coef_, sk.intercept_, ours)
    np.testing.assert_array_equal(sk.coef_.ravel() == 0, ours.coef_ == 0)
    assert (ours.coef_ == 0).any()
    if intercept_scaling == 1e4:  # the intercept penalty is then negligible: the default flat one agrees too
        assert_same_fit(sk.coef_, sk.intercept_, ours_logistic(X, y, prior), atol=1e-3)


def test_sklearn_logistic_elasticnet_saga_matches_fit(logistic_data):
    from sklearn.linear_model import LogisticRegression

    X, y = logistic_data
    C, rho = 0.05, 0.5
    sk = LogisticRegression(C=C, l1_ratio=rho, solver="saga", tol=1e-10, max_iter=100_000).fit(X, y)
    prior = from_sklearn(C, l1_ratio=rho)
    assert prior == ElasticNet(rho / C, (1 - rho) / C)
    assert_same_fit(sk.coef_, sk.intercept_, ours_logistic(X, y, prior))


# -- scikit-learn Ridge, Lasso, ElasticNet (Gaussian) ------------------------------------------------

@pytest.mark.parametrize("noise_sd", [0.5, 2.0])
def test_ridge_matches_fit(linear_data, noise_sd):
    """With λ = alpha/σ² the MAP does not depend on σ, so a wrong σ power would show."""
    from sklearn.linear_model import Ridge

    X, y = linear_data
    sk = Ridge(alpha=3.0).fit(X, y)
    prior = from_ridge(3.0, noise_sd=noise_sd)
    assert prior == Gaussian(3.0 / noise_sd**2)
    assert_same_fit(sk.coef_, sk.intercept_, ours_linear(X, y, prior, noise_sd))


@pytest.mark.parametrize("noise_sd", [0.5, 2.0])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.4])
def test_sklearn_lasso_elasticnet_match_fit(linear_data, noise_sd, l1_ratio):
    from sklearn.linear_model import ElasticNet as SkElasticNet
    from sklearn.linear_model import Lasso

    X, y = linear_data
    alpha = 0.2
    if l1_ratio == 1.0:
        sk = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    else:
        sk = SkElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000).fit(X, y)
    prior = from_glmnet(alpha, l1_ratio, n_samples=len(y), family="gaussian", noise_sd=noise_sd)
    ours = ours_linear(X, y, prior, noise_sd)
    assert_same_fit(sk.coef_, sk.intercept_, ours)
    np.testing.assert_array_equal(sk.coef_ == 0, ours.coef_ == 0)


# -- glum ----------------------------------------------------------------------------------

@pytest.mark.parametrize("l1_ratio", [0.0, 0.5, 1.0])
def test_glum_binomial_matches_fit(logistic_data, l1_ratio):
    import glum

    X, y = logistic_data
    alpha = 0.02
    g = glum.GeneralizedLinearRegressor(family="binomial", alpha=alpha, l1_ratio=l1_ratio,
                                        gradient_tol=1e-12, max_iter=1000).fit(X, y)
    prior = from_glmnet(alpha, l1_ratio, n_samples=len(y), family="binomial")
    assert_same_fit(g.coef_, g.intercept_, ours_logistic(X, y, prior))


def test_glum_gaussian_matches_fit(linear_data):
    import glum

    X, y = linear_data
    g = glum.GeneralizedLinearRegressor(family="normal", alpha=0.2, l1_ratio=0.4, gradient_tol=1e-12,
                                        max_iter=1000).fit(X, y)
    prior = from_glmnet(0.2, 0.4, n_samples=len(y), family="normal", noise_sd=1.5)
    assert_same_fit(g.coef_, g.intercept_, ours_linear(X, y, prior, 1.5))


def test_glmnet_alpha_means_a_prior_growing_with_n_by_fitting(logistic_data):
    """Every row twice: glum's alpha gives the same fit (mean loss), so the prior must double.

    Ours with the prior converted at 2N matches glum on the doubled data; the prior
    converted at N (what one would get by ignoring N) does not.
    """
    import glum

    X, y = logistic_data
    X2, y2 = np.vstack([X, X]), np.concatenate([y, y])
    alpha, rho = 0.02, 0.5
    kw = dict(family="binomial", alpha=alpha, l1_ratio=rho, gradient_tol=1e-12, max_iter=1000)
    g1 = glum.GeneralizedLinearRegressor(**kw).fit(X, y)
    g2 = glum.GeneralizedLinearRegressor(**kw).fit(X2, y2)
    np.testing.assert_allclose(g1.coef_, g2.coef_, atol=1e-8)  # the library fact behind the N-scaling

    assert_same_fit(g2.coef_, g2.intercept_, ours_logistic(X2, y2, from_glmnet(alpha, rho, 2 * len(y))))
    wrong = ours_logistic(X2, y2, from_glmnet(alpha, rho, len(y)))
    assert np.abs(wrong.coef_ - g2.coef_).max() > 100 * ATOL


def test_sklearn_and_glum_agree_through_our_prior(logistic_data):
    """One prior, two libraries: sklearn's C and glum's alpha from the same prior give the same fit."""
    import glum
    from sklearn.linear_model import LogisticRegression

    X, y = logistic_data
    prior = Gaussian(5.0)
    sk = LogisticRegression(**to_sklearn(prior), solver="lbfgs", tol=1e-10, max_iter=10_000).fit(X, y)
    g = glum.GeneralizedLinearRegressor(family="binomial", **to_glmnet(prior, len(y)), gradient_tol=1e-12,
                                        max_iter=1000).fit(X, y)
    np.testing.assert_allclose(sk.coef_.ravel(), g.coef_, atol=ATOL)
    assert sk.intercept_[0] == pytest.approx(g.intercept_, abs=ATOL)


# -- statsmodels ---------------------------------------------------------------------------

def _sm_logit_l1(X, y, alpha):
    import statsmodels.api as sm

    exog = sm.add_constant(X, prepend=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' own convergence chatter; agreement is what we test
        res = sm.Logit(y, exog).fit_regularized(alpha=alpha, method="l1", acc=1e-12, maxiter=1000, disp=0)
    return res.params[1:], res.params[0]


def test_statsmodels_logit_l1_matches_fit(logistic_data):
    X, y = logistic_data
    kw = to_statsmodels(Laplace(4.0))
    assert kw == {"alpha": 4.0, "method": "l1"}
    alpha = np.full(X.shape[1] + 1, kw["alpha"])
    alpha[0] = 0.0  # the constant: unpenalized, like our flat intercept prior
    alpha_before = alpha.copy()
    coef, intercept = _sm_logit_l1(X, y, alpha)
    prior = from_statsmodels(alpha)
    np.testing.assert_array_equal(alpha, alpha_before)  # not mutated
    assert prior == Laplace(4.0)
    ours = ours_logistic(X, y, prior)
    assert_same_fit(coef, intercept, ours)
    assert (ours.coef_ == 0).any()


def test_statsmodels_scalar_alpha_also_penalizes_the_constant(logistic_data):
    """A scalar alpha puts the same Laplace on the constant column: our intercept_prior=Laplace(alpha)."""
    X, y = logistic_data
    coef, intercept = _sm_logit_l1(X, y, 4.0)
    prior = from_statsmodels(4.0)
    assert_same_fit(coef, intercept, ours_logistic(X, y, prior, intercept_prior=prior))


# -- formulas: round trips, identities, N-scaling --------------------------------------------------

@pytest.mark.parametrize("C, l1_ratio", [(1.0, 0.0), (0.3, 1.0), (0.05, 0.5), (7.0, 0.15), (1e-3, 0.999)])
def test_sklearn_round_trip(C, l1_ratio):
    out = to_sklearn(from_sklearn(C, l1_ratio))
    assert set(out) == {"C", "l1_ratio"}
    assert out["C"] == pytest.approx(C, rel=1e-12)
    assert out["l1_ratio"] == pytest.approx(l1_ratio, rel=1e-12)


@pytest.mark.parametrize("prior", [Gaussian(2.5), Laplace(0.7), ElasticNet(1.5, 3.0), ElasticNet(2.0, 0.0)])
def test_prior_round_trips(prior):
    """to_x then from_x gives the prior back (ElasticNet(l, 0) comes back as the Laplace it equals)."""
    expected = prior.simplest() if isinstance(prior, ElasticNet) else prior
    for back in (from_sklearn(**to_sklearn(prior)),
                 from_glmnet(**to_glmnet(prior, 150), n_samples=150),
                 from_glmnet(**to_glmnet(prior, 150, "gaussian", 0.3), n_samples=150, family="gaussian",
                             noise_sd=0.3)):
        assert type(back) is type(expected)
        for k, v in expected.params().items():
            assert back.params()[k] == pytest.approx(v, rel=1e-12)


def test_ridge_and_statsmodels_round_trips():
    assert to_ridge(from_ridge(3.0, noise_sd=0.5), noise_sd=0.5)["alpha"] == pytest.approx(3.0, rel=1e-15)
    assert from_ridge(**to_ridge(Gaussian(8.0), noise_sd=0.5), noise_sd=0.5) == Gaussian(8.0)
    assert to_ridge(ElasticNet(0.0, 8.0)) == {"alpha": 8.0}  # an elastic net with no L1 part is Gaussian
    assert to_statsmodels(from_statsmodels(2.5)) == {"alpha": 2.5, "method": "l1"}
    assert from_statsmodels(to_statsmodels(ElasticNet(2.5, 0.0))["alpha"]) == Laplace(2.5)


def test_formulas_from_the_contract():
    assert from_sklearn(0.25) == Gaussian(4.0)
    assert from_sklearn(0.25, l1_ratio=1.0) == Laplace(4.0)
    assert from_sklearn(0.25, l1_ratio=0.25) == ElasticNet(1.0, 3.0)
    assert from_ridge(2.0, noise_sd=0.5) == Gaussian(8.0)
    assert from_glmnet(0.01, 0.25, 400, "binomial") == ElasticNet(1.0, 3.0)
    assert from_glmnet(0.01, 0.25, 400, "gaussian", noise_sd=2.0) == ElasticNet(0.25, 0.75)
    assert from_statsmodels(3.0) == Laplace(3.0)
    assert to_glmnet(ElasticNet(1.0, 3.0), 400) == {"alpha": 0.01, "l1_ratio": 0.25}
    assert to_sklearn(Laplace(4.0)) == {"C": 0.25, "l1_ratio": 1.0}


@pytest.mark.parametrize("family, noise_sd", [("binomial", 1.0), ("gaussian", 0.4)])
def test_glmnet_prior_scales_with_n(family, noise_sd):
    small = from_glmnet(0.03, 0.6, 100, family, noise_sd)
    big = from_glmnet(0.03, 0.6, 300, family, noise_sd)
    assert big.lam1 == pytest.approx(3 * small.lam1, rel=1e-14)
    assert big.lam2 == pytest.approx(3 * small.lam2, rel=1e-14)
    # and a fixed prior needs alpha ∝ 1/N
    assert to_glmnet(small, 300, family, noise_sd)["alpha"] == pytest.approx(0.01, rel=1e-14)


def test_sklearn_c_means_the_same_prior_at_every_n_by_fitting(logistic_data):
    """C multiplies a sum: on every row twice, the same C is still from_sklearn(C) (no N anywhere)."""
    from sklearn.linear_model import LogisticRegression

    X, y = logistic_data
    X2, y2 = np.vstack([X, X]), np.concatenate([y, y])
    sk = LogisticRegression(C=0.02, solver="lbfgs", tol=1e-10, max_iter=10_000).fit(X2, y2)
    assert_same_fit(sk.coef_, sk.intercept_, ours_logistic(X2, y2, from_sklearn(0.02)))


# -- validation ----------------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, match", [
    (lambda: from_sklearn(0.0), ValueError, r"C must be a number > 0, got 0\.0"),
    (lambda: from_sklearn(-1.0), ValueError, r"C must be a number > 0, got -1\.0"),
    (lambda: from_sklearn(math.nan), ValueError, r"C must be a finite number, got nan"),
    (lambda: from_sklearn(math.inf), ValueError, r"C must be a finite number, got inf"),
    (lambda: from_sklearn("1"), ArgumentTypeError, r"C must be a real number, got '1'"),
    (lambda: from_sklearn(True), ArgumentTypeError, r"C must be a real number, got True"),
    (lambda: from_sklearn(1.0, l1_ratio=1.5), ValueError, r"l1_ratio must be a number in \[0, 1\], got 1\.5"),
    (lambda: from_sklearn(1.0, l1_ratio=-0.1), ValueError, r"l1_ratio must be a number in \[0, 1\], got -0\.1"),
    (lambda: from_sklearn(1.0, l1_ratio=None), ArgumentTypeError, r"l1_ratio must be a real number, got None"),
    (lambda: from_sklearn(1e-320), ValueError, r"infinite prior strength"),
    (lambda: to_sklearn(Flat()), ValueError, r"prior=Flat\(\)"),
    (lambda: to_sklearn("gaussian"), ArgumentTypeError, r"prior must be a bayesreg prior.*'gaussian'"),
    (lambda: from_ridge(0.0), ValueError, r"alpha must be a number > 0, got 0\.0"),
    (lambda: from_ridge(1.0, noise_sd=0.0), ValueError, r"noise_sd must be a number > 0, got 0\.0"),
    (lambda: from_ridge(1.0, noise_sd=math.inf), ValueError, r"noise_sd must be a finite number, got inf"),
    (lambda: to_ridge(Laplace(1.0)), ValueError, r"Ridge has only an L2 penalty; prior=Laplace"),
    (lambda: to_ridge(ElasticNet(1.0, 1.0)), ValueError, r"Ridge has only an L2 penalty"),
    (lambda: to_ridge(Flat()), ValueError, r"prior=Flat\(\)"),
    (lambda: to_ridge(Gaussian(1.0), noise_sd=-2.0), ValueError, r"noise_sd must be a number > 0, got -2\.0"),
    (lambda: from_glmnet(-0.1, 0.5, 100), ValueError, r"alpha must be a number > 0, got -0\.1"),
    (lambda: from_glmnet(math.nan, 0.5, 100), ValueError, r"alpha must be a finite number, got nan"),
    (lambda: from_glmnet(0.1, 2.0, 100), ValueError, r"l1_ratio must be a number in \[0, 1\], got 2\.0"),
    (lambda: from_glmnet(0.1, 0.5, 0), ValueError, r"n_samples must be an integer >= 1, got 0"),
    (lambda: from_glmnet(0.1, 0.5, 100.0), ArgumentTypeError, r"n_samples must be an integer >= 1, got 100\.0"),
    (lambda: from_glmnet(0.1, 0.5, 100, family="gamma"), ValueError, r"family must be one of .*'gamma'"),
    (lambda: from_glmnet(0.1, 0.5, 100, family=None), ArgumentTypeError, r"family must be one of .*, got None"),
    (lambda: from_glmnet(0.1, 0.5, 100, family="binomial", noise_sd=2.0), ValueError,
     r"noise_sd applies only to family='gaussian'.*noise_sd=2\.0"),
    (lambda: to_glmnet(Flat(), 100), ValueError, r"prior=Flat\(\)"),
    (lambda: to_glmnet(Gaussian(1.0), -5), ValueError, r"n_samples must be an integer >= 1, got -5"),
    (lambda: to_glmnet(Gaussian(1.0), 100, family="logit"), ValueError, r"family must be one of .*'logit'"),
    (lambda: from_statsmodels(0.0), ValueError, r"alpha must be a number > 0, got 0\.0"),
    (lambda: from_statsmodels(-1.0), ValueError, r"alpha must be a number > 0, got -1\.0"),
    (lambda: from_statsmodels(math.inf), ValueError, r"alpha must be a finite number, got inf"),
    (lambda: from_statsmodels([0.0, 1.0, 2.0]), ValueError, r"same strength.*\[1\.0, 2\.0\]"),
    (lambda: from_statsmodels([0.0, 0.0, 2.0]), ValueError, r"at most one 0"),
    (lambda: from_statsmodels([0.0, 0.0]), ValueError, r"penalizes nothing"),
    (lambda: from_statsmodels([1.0, -1.0]), ValueError, r"alpha must be >= 0"),
    (lambda: from_statsmodels([1.0, math.nan]), ValueError, r"alpha must be finite"),
    (lambda: from_statsmodels([[1.0]]), ValueError, r"1-D vector, got shape \(1, 1\)"),
    (lambda: from_statsmodels(["a"]), ArgumentTypeError, r"alpha must be a real number or a 1-D vector"),
    (lambda: to_statsmodels(Gaussian(1.0)), ValueError, r"only an L1 penalty; prior=Gaussian"),
    (lambda: to_statsmodels(ElasticNet(1.0, 1.0)), ValueError, r"only an L1 penalty; prior=ElasticNet"),
    (lambda: to_statsmodels(Flat()), ValueError, r"prior=Flat\(\)"),
    (lambda: to_statsmodels(None), ArgumentTypeError, r"prior must be a bayesreg prior.*None"),
])
def test_bad_input_is_rejected_with_the_value_named(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    # one policy: a wrong type is an ArgumentTypeError (also a ValueError); a bad value is not a TypeError
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, TypeError) == issubclass(exc, TypeError)


def test_numpy_scalars_are_accepted():
    assert from_sklearn(np.float32(0.5)) == Gaussian(2.0)
    assert from_sklearn(np.float64(0.5), l1_ratio=np.float32(1.0)) == Laplace(2.0)
    assert from_glmnet(np.float64(0.01), np.float64(1.0), np.int64(200)) == Laplace(2.0)
    assert from_glmnet(np.float32(0.5), np.float32(0.0), np.int32(4), family="gaussian",
                       noise_sd=np.float32(0.5)) == Gaussian(8.0)
    assert to_glmnet(Laplace(2.0), np.int64(200)) == {"alpha": 0.01, "l1_ratio": 1.0}
    assert to_glmnet(Gaussian(8.0), np.uint16(4), family="gaussian", noise_sd=np.float64(0.5)) == \
        {"alpha": 0.5, "l1_ratio": 0.0}
    assert from_ridge(np.float32(2.0), noise_sd=np.float32(0.5)) == Gaussian(8.0)
    assert to_ridge(Gaussian(8.0), noise_sd=np.float32(0.5)) == {"alpha": 2.0}
    assert from_statsmodels(np.array(3.0)) == Laplace(3.0)
    assert from_statsmodels(np.float32(3.0)) == Laplace(3.0)
    assert from_statsmodels(np.int64(3)) == Laplace(3.0)
    # what comes back is plain Python floats, not NumPy scalars
    assert type(from_sklearn(np.float32(0.5)).lam) is float
    assert all(type(v) is float for v in to_glmnet(Laplace(2.0), np.int64(200)).values())


def test_family_is_case_insensitive():
    assert from_glmnet(0.5, 0.0, 4, family="Gaussian", noise_sd=0.5) == Gaussian(8.0)
    assert to_glmnet(Laplace(2.0), 200, family="BINOMIAL") == {"alpha": 0.01, "l1_ratio": 1.0}


def test_docstring_examples_run():
    import doctest

    import bayesreg.convert

    result = doctest.testmod(bayesreg.convert)
    assert result.attempted >= 8 and result.failed == 0
