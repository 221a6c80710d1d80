"""The lecture's generators and the shipped data, checked against their stated recipes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from bayesreg.datasets import Dataset, load_breast_cancer, make_gaussian_clouds, make_lecture_wide
from bayesreg.validation import ArgumentTypeError


# ---------------------------------------------------------------------------------------
# make_lecture_wide
# ---------------------------------------------------------------------------------------

def test_lecture_wide_shapes_and_truth():
    d = make_lecture_wide()
    assert isinstance(d, Dataset)
    assert d.X.shape == (50, 50) and d.y.shape == (50,)
    expected = np.zeros(50)
    expected[:3] = [1.0, 0.5, -0.5]
    np.testing.assert_array_equal(d.coef, expected)
    assert d.intercept == 0.0
    assert set(np.unique(d.y)) <= {0.0, 1.0} and 0 < d.y.sum() < 50
    assert d.feature_names == [f"x{j}" for j in range(50)]
    assert "N=50" in d.description and "D=50" in d.description


def test_lecture_wide_X_is_uniform_on_minus5_5():
    d = make_lecture_wide(n_samples=400, n_features=10, seed=3)
    assert d.X.min() >= -5.0 and d.X.max() <= 5.0
    ks = stats.kstest(d.X.ravel(), stats.uniform(loc=-5.0, scale=10.0).cdf)
    assert ks.pvalue > 1e-3


def test_lecture_wide_labels_follow_the_true_weights():
    # noise-free, y = round(σ(X·w)) is exactly [X·w > 0]
    d = make_lecture_wide(n_samples=200, n_features=6, seed=2, noise_sd=0.0)
    np.testing.assert_array_equal(d.y, (d.X @ d.coef > 0).astype(float))
    # with the default noise the labels mostly agree with the sign of X·w (|X·w| is typically ≫ 0.5)
    d = make_lecture_wide(n_samples=400, n_features=6, seed=2)
    agree = np.mean(d.y == (d.X @ d.coef > 0))
    assert agree > 0.85
    # the recipe itself, redone here with the same generator draws
    rng = np.random.default_rng(2)
    X = (rng.random((400, 6)) - 0.5) * 10.0
    y = np.round(special.expit(X @ d.coef + rng.standard_normal(400) * 0.5))
    np.testing.assert_array_equal(d.X, X)
    np.testing.assert_array_equal(d.y, y)


def test_lecture_wide_is_reproducible():
    a, b = make_lecture_wide(seed=7), make_lecture_wide(seed=7)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    c = make_lecture_wide(seed=8)
    assert not np.array_equal(a.X, c.X)
    np.testing.assert_array_equal(make_lecture_wide().X, make_lecture_wide(seed=0).X)


@pytest.mark.parametrize("n,d", [(10, 3), (120, 7), (1, 50)])
def test_lecture_wide_custom_sizes(n, d):
    ds = make_lecture_wide(n_samples=n, n_features=d)
    assert ds.X.shape == (n, d) and ds.y.shape == (n,) and ds.coef.shape == (d,)
    assert len(ds.feature_names) == d


@pytest.mark.parametrize("kwargs,message", [
    ({"n_samples": 0}, "n_samples must be an integer >= 1, got 0"),
    ({"n_features": 2}, "n_features must be an integer >= 3, got 2"),
    ({"noise_sd": -0.5}, "noise_sd must be a number >= 0, got -0.5"),
    ({"noise_sd": float("nan")}, "noise_sd must be a finite number, got nan"),
])
def test_lecture_wide_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError) as info:
        make_lecture_wide(**kwargs)
    assert not isinstance(info.value, TypeError)
    assert str(info.value) == message


@pytest.mark.parametrize("kwargs,name", [({"n_samples": 2.5}, "n_samples"), ({"n_features": True}, "n_features"),
                                         ({"n_samples": "50"}, "n_samples"), ({"noise_sd": "0.5"}, "noise_sd")])
def test_lecture_wide_rejects_bad_types(kwargs, name):
    # a TypeError, and still the ValueError it was before the one policy
    with pytest.raises(ArgumentTypeError, match=name) as info:
        make_lecture_wide(**kwargs)
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    assert repr(next(iter(kwargs.values()))) in str(info.value)


def test_lecture_wide_accepts_numpy_scalars():
    a = make_lecture_wide(n_samples=np.int64(20), n_features=np.int32(5), seed=np.int64(3), noise_sd=np.float32(0.5))
    b = make_lecture_wide(n_samples=20, n_features=5, seed=3, noise_sd=0.5)
    assert a.X.shape == (20, 5)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert a.description == b.description


# ---------------------------------------------------------------------------------------
# make_gaussian_clouds
# ---------------------------------------------------------------------------------------

def test_gaussian_clouds_shapes_and_classes():
    d = make_gaussian_clouds()
    assert d.X.shape == (100, 2) and d.y.shape == (100,)
    np.testing.assert_array_equal(d.y, np.r_[np.ones(50), np.zeros(50)])
    assert d.feature_names == ["x1", "x2"]


def test_gaussian_clouds_centres_and_spread():
    d = make_gaussian_clouds(n_per_class=2000, seed=4, centre=2.0)
    pos, neg = d.X[d.y == 1], d.X[d.y == 0]
    se = 4.0 / np.sqrt(2000)  # four standard errors
    np.testing.assert_allclose(pos.mean(axis=0), [2.0, 2.0], atol=se)
    np.testing.assert_allclose(neg.mean(axis=0), [-2.0, -2.0], atol=se)
    np.testing.assert_allclose(np.cov(pos.T), np.eye(2), atol=0.1)
    np.testing.assert_allclose(np.cov(neg.T), np.eye(2), atol=0.1)


@pytest.mark.parametrize("centre", [2.0, 0.5, 3.0])
def test_gaussian_clouds_truth_is_the_bayes_log_odds(centre):
    d = make_gaussian_clouds(n_per_class=5, seed=0, centre=centre)
    pts = np.array([[0.3, -1.2], [2.0, 2.0], [-4.0, 1.0], [0.0, 0.0]])
    mu = np.array([centre, centre])
    log_odds = (stats.multivariate_normal(mu, np.eye(2)).logpdf(pts)
                - stats.multivariate_normal(-mu, np.eye(2)).logpdf(pts))
    np.testing.assert_allclose(pts @ d.coef + d.intercept, log_odds, rtol=1e-12, atol=1e-12)


def test_gaussian_clouds_reproducible_and_validated():
    np.testing.assert_array_equal(make_gaussian_clouds(seed=5).X, make_gaussian_clouds(seed=5).X)
    assert not np.array_equal(make_gaussian_clouds(seed=5).X, make_gaussian_clouds(seed=6).X)
    with pytest.raises(ValueError, match="n_per_class must be an integer >= 1, got 0"):
        make_gaussian_clouds(n_per_class=0)
    with pytest.raises(ArgumentTypeError, match="n_per_class.*10.0"):
        make_gaussian_clouds(n_per_class=10.0)
    with pytest.raises(ValueError, match="centre must be a finite number, got inf"):
        make_gaussian_clouds(centre=float("inf"))
    with pytest.raises(ArgumentTypeError, match="centre.*None"):
        make_gaussian_clouds(centre=None)


def test_gaussian_clouds_accept_numpy_scalars():
    a = make_gaussian_clouds(n_per_class=np.int64(10), seed=np.int64(1), centre=np.float32(1.5))
    b = make_gaussian_clouds(n_per_class=10, seed=1, centre=1.5)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.coef, b.coef)
    assert a.description == b.description


# ---------------------------------------------------------------------------------------
# load_breast_cancer
# ---------------------------------------------------------------------------------------

def test_breast_cancer_standardized_and_raw():
    from sklearn.datasets import load_breast_cancer as sk_load

    raw = sk_load()
    d = load_breast_cancer()
    assert d.X.shape == (569, 30) and d.y.shape == (569,)
    np.testing.assert_array_equal(d.y, raw.target.astype(float))
    assert d.y.sum() == 357  # benign = 1
    np.testing.assert_allclose(d.X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(d.X.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(d.scale, raw.data.std(axis=0), rtol=1e-14)
    np.testing.assert_allclose(d.X * d.scale + raw.data.mean(axis=0), raw.data, rtol=1e-12, atol=1e-9)
    assert len(d.feature_names) == 30 and all(" " not in n for n in d.feature_names)
    assert d.feature_names[0] == "mean_radius"
    assert "standardized" in d.description

    r = load_breast_cancer(standardize=False)
    np.testing.assert_array_equal(r.X, raw.data)
    assert r.scale is None and "standardized" not in r.description
    assert load_breast_cancer(standardize=np.bool_(False)).scale is None


def test_breast_cancer_standardize_must_be_a_bool():
    with pytest.raises(ArgumentTypeError, match="standardize.*'yes'"):
        load_breast_cancer(standardize="yes")
