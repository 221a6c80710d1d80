"""Separation detection on hand-built data, and what the estimator does with it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from bayesreg import Gaussian, Laplace, LogisticRegression, SeparationError, detect_separation
from bayesreg.datasets import make_gaussian_clouds
from bayesreg.priors import Flat


def _margins(X, y, direction, fit_intercept=True):
    """s_n·x̃_n·β for labels s = 2y − 1 (all > 0: complete; all ≥ 0: quasi-complete)."""
    A = np.column_stack([X, np.ones(len(X))]) if fit_intercept else np.asarray(X, dtype=float)
    return (2.0 * np.asarray(y) - 1.0) * (A @ direction)


COMPLETE = [
    (np.array([[-2.0], [-1.0], [1.0], [2.0]]), np.array([0, 0, 1, 1])),
    (np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [3.0, 3.0], [4.0, 2.0], [2.0, 4.0]]), np.array([0, 0, 0, 1, 1, 1])),
    (np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([1, 1, 0, 0])),  # reversed: β < 0
]
QUASI = [
    # the two rows at x = 0 carry both labels; every other row is on its own side
    (np.array([[-2.0], [-1.0], [0.0], [0.0], [1.0], [2.0]]), np.array([0, 0, 0, 1, 1, 1])),
    (np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [2.0, 0.0], [0.0, 2.0], [3.0, 3.0]]), np.array([0, 0, 1, 0, 1, 1])),
]
NONE = [
    (np.array([[-2.0], [-1.0], [1.0], [2.0], [0.5], [-0.5]]), np.array([0, 1, 0, 1, 0, 1])),
    (np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.5], [0.2, 0.8]]), np.array([0, 1, 1, 0, 1, 0])),
]


@pytest.mark.parametrize("X,y", COMPLETE)
def test_complete_separation(X, y):
    sep = detect_separation(X, y)
    assert sep.kind == "complete" and sep.separated
    assert np.all(_margins(X, y, sep.direction) > 0)


@pytest.mark.parametrize("X,y", QUASI)
def test_quasi_complete_separation(X, y):
    sep = detect_separation(X, y)
    assert sep.kind == "quasi-complete" and sep.separated
    m = _margins(X, y, sep.direction)
    assert np.all(m >= -1e-9)
    assert np.any(np.abs(m) <= 1e-9) and np.any(m > 1e-6)
    assert np.any(sep.direction != 0)


@pytest.mark.parametrize("X,y", NONE)
def test_no_separation(X, y):
    sep = detect_separation(X, y)
    assert sep.kind == "none" and not sep.separated and sep.direction is None
    # and the flat-prior MLE exists: the estimator fits it, with a finite optimum (gradient ≈ 0)
    est = LogisticRegression(prior=Flat(), solver="newton", tol=1e-10).fit(X, y)
    r = special.expit(X @ est.coef_ + est.intercept_) - y
    assert np.all(np.isfinite(est.coef_))
    assert np.abs(X.T @ r).max() < 1e-8 and abs(r.sum()) < 1e-8


def test_intercept_matters():
    # separable by a threshold at 2.5, but not by a line through the origin
    X = np.array([[1.0], [2.0], [3.0], [4.0]])
    y = np.array([0, 0, 1, 1])
    assert detect_separation(X, y, fit_intercept=True).kind == "complete"
    assert detect_separation(X, y, fit_intercept=False).kind == "none"
    # and through the origin, a mixed-sign feature can separate on its own
    X2 = np.array([[-1.0], [-3.0], [2.0], [5.0]])
    sep = detect_separation(X2, y, fit_intercept=False)
    assert sep.kind == "complete"
    assert np.all(_margins(X2, y, sep.direction, fit_intercept=False) > 0)


def test_gaussian_clouds_far_apart_and_overlapping():
    far = make_gaussian_clouds(n_per_class=30, seed=1, centre=6.0)
    assert detect_separation(far.X, far.y).kind == "complete"
    near = make_gaussian_clouds(n_per_class=30, seed=1, centre=0.5)
    assert detect_separation(near.X, near.y).kind == "none"


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match="match"):
        detect_separation(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError):
        detect_separation(np.zeros(4), np.zeros(4))


# ---------------------------------------------------------------------------------------
# the estimator: a flat prior on separable data is refused, a proper prior is fine
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("X,y,kind", [(*COMPLETE[1], "complete"), (*QUASI[0], "quasi-complete")])
def test_flat_prior_on_separable_data_raises(X, y, kind):
    with pytest.raises(SeparationError) as info:
        LogisticRegression(prior=Flat()).fit(X, y)
    msg = str(info.value)
    assert "proper prior" in msg and kind in msg
    assert isinstance(info.value, ValueError)
    assert info.value.separation is not None and info.value.separation.kind == kind


def test_separation_check_uses_the_encoded_labels():
    X, y01 = COMPLETE[0]
    with pytest.raises(SeparationError):
        LogisticRegression(prior=Flat()).fit(X, np.where(y01 == 1, "yes", "no"))


@pytest.mark.parametrize("prior", [Gaussian(1.0), Gaussian(0.01), Laplace(0.5)], ids=repr)
@pytest.mark.parametrize("X,y", COMPLETE[:2] + QUASI[:1])
def test_proper_prior_on_separable_data_fits_finitely(X, y, prior):
    est = LogisticRegression(prior=prior, solver="newton", tol=1e-10).fit(X, y)
    assert est.map_.converged
    assert np.all(np.isfinite(est.coef_)) and np.isfinite(est.intercept_)
    # stationarity of U written out (the weights are nonzero here, so ∂|w| is a sign)
    r = special.expit(X @ est.coef_ + est.intercept_) - y
    g = X.T @ r
    if isinstance(prior, Gaussian):
        g = g + prior.lam * est.coef_
    else:
        nz = est.coef_ != 0
        assert np.all(np.abs(g[~nz]) <= prior.lam + 1e-8)
        g = np.where(nz, g + prior.lam * np.sign(est.coef_), 0.0)
    assert np.abs(g).max() < 1e-8 and abs(r.sum()) < 1e-8
    # a weaker prior lets the weights grow, but they stay finite
    assert np.abs(est.coef_).max() < 1e3


def test_weaker_prior_gives_larger_weights_on_separable_data():
    X, y = COMPLETE[0]
    norms = [np.abs(LogisticRegression(prior=Gaussian(lam), solver="newton", tol=1e-10).fit(X, y).coef_).max()
             for lam in (10.0, 1.0, 0.1, 0.01)]
    assert all(a < b for a, b in zip(norms, norms[1:]))
