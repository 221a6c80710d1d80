"""λ sweeps and choosing λ, against independent fits and exact evidences."""

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import minimize_scalar

import bayesreg as br
from bayesreg.datasets import make_lecture_wide
from bayesreg.sensitivity import (check_lams, cross_validate_path, empirical_bayes_lambda, laplace_log_evidence,
                                  map_path, with_strength)


@pytest.fixture(scope="module")
def wide():
    return make_lecture_wide(seed=0)


@pytest.mark.parametrize("prior", [br.Laplace(1.0), br.Gaussian(1.0), br.ElasticNet(1.0, 0.5)])
def test_map_path_equals_independent_fits(wide, prior):
    lams = np.geomspace(0.2, 20, 7)[::-1][[3, 0, 6, 1, 5, 2, 4]]  # any order in, same order out
    est = br.LogisticRegression(prior=prior, tol=1e-10, solver="newton")
    path = map_path(est, wide.X, wide.y, lams)
    np.testing.assert_array_equal(path.lam.values, lams)
    for i, lam in enumerate(lams):
        ref = br.LogisticRegression(prior=with_strength(prior, lam), tol=1e-10, solver="newton").fit(wide.X, wide.y)
        assert path.objective.values[i] == pytest.approx(ref.objective_, rel=1e-8)
        np.testing.assert_allclose(path.map_coef.values[i], ref.coef_, atol=1e-6)
    assert path.converged.all()


def test_warm_start_saves_iterations(wide):
    lams = np.geomspace(0.2, 20, 15)
    est = br.LogisticRegression(prior=br.Laplace(1.0))
    path = map_path(est, wide.X, wide.y, lams)
    cold = sum(br.LogisticRegression(prior=br.Laplace(l)).fit(wide.X, wide.y).n_iter_ for l in lams)
    assert path.n_iter.values.sum() < cold


def test_elastic_net_keeps_its_ratio():
    assert with_strength(br.ElasticNet(2.0, 1.0), 4.0) == br.ElasticNet(4.0, 2.0)
    with pytest.raises(TypeError, match="Flat"):
        with_strength(br.Flat(), 1.0)


@pytest.mark.parametrize("bad", [[], [1.0, -1.0], [0.0], [np.nan], [1.0, 1.0], "1,2"])
def test_bad_lams(bad):
    with pytest.raises(ValueError, match="lams"):
        check_lams(bad)


def test_laplace_evidence_is_exact_for_the_linear_gaussian_model():
    rng = np.random.default_rng(0)
    n, d, sigma = 60, 5, 1.5
    X = rng.normal(size=(n, d))
    y = X @ (0.7 * rng.normal(size=d)) + sigma * rng.normal(size=n)
    est = br.LinearRegression(noise_sd=sigma, fit_intercept=False, solver="newton", tol=1e-10)

    def exact(lam):  # y ~ N(0, σ²I + XXᵀ/λ)
        return stats.multivariate_normal(np.zeros(n), sigma**2 * np.eye(n) + X @ X.T / lam).logpdf(y)

    for lam in [0.1, 10.0]:
        got = laplace_log_evidence(est, X, y, lam) - laplace_log_evidence(est, X, y, 1.0)
        assert got == pytest.approx(exact(lam) - exact(1.0), rel=1e-9)
    lam_eb, _ = empirical_bayes_lambda(est, X, y)
    ref = np.exp(minimize_scalar(lambda g: -exact(np.exp(g)), bounds=(-8, 8), method="bounded").x)
    assert lam_eb == pytest.approx(ref, rel=1e-3)


def test_cv_picks_an_interior_lambda_where_it_must():
    # 30 noise features and 3 real ones, few rows: λ→0 overfits, λ→∞ underfits
    rng = np.random.default_rng(1)
    n, d = 80, 30
    X = rng.normal(size=(n, d))
    w = np.zeros(d)
    w[:3] = [2.0, -1.5, 1.0]
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ w))).astype(int)
    lams = np.geomspace(0.01, 300, 12)
    cv = cross_validate_path(br.LogisticRegression(prior=br.Laplace(1.0)), X, y, lams, n_folds=5)
    assert lams[0] < cv.attrs["lam_min"] < lams[-1]
    assert cv.attrs["lam_1se"] >= cv.attrs["lam_min"]
    # recompute one fold's loss independently with scikit-learn's log_loss
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold
    train, test = next(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    lam = lams[4]
    fit = br.LogisticRegression(prior=br.Laplace(lam)).fit(X[train], y[train])
    ref = log_loss(y[test], fit.predict_proba(X[test]))
    assert cv.fold_loss.values[0, 4] == pytest.approx(ref, rel=1e-4)
