"""sample_weight: U = Σ_n w_n·nll_n + penalties everywhere — MAP, PyMC model, posterior, identity.

References: duplicated rows (an integer weight is that many copies), scikit-learn's own
weighted fit, the exact weighted conjugate posterior of the linear model, and U itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import bayesreg as br
from bayesreg.posterior import build_pymc_model

pytestmark = pytest.mark.filterwarnings("ignore::bayesreg.posterior.PosteriorWarning")


def _logistic(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X @ np.array([1.0, -1.0, 0.5]) + rng.normal(size=n) > 0).astype(int)
    return X, y, rng.integers(0, 4, size=n)  # weights 0..3, some rows dropped


@pytest.mark.parametrize("solver", ["fista", "newton"])
@pytest.mark.parametrize("prior", [br.Gaussian(0.5), br.Laplace(2.0)], ids=repr)
def test_an_integer_weight_is_that_many_copies_of_the_row(solver, prior):
    X, y, w = _logistic()
    weighted = br.LogisticRegression(prior=prior, solver=solver, tol=1e-10).fit(X, y, sample_weight=w)
    rows = np.repeat(np.arange(len(y)), w)
    copies = br.LogisticRegression(prior=prior, solver=solver, tol=1e-10).fit(X[rows], y[rows])
    np.testing.assert_allclose(weighted.coef_, copies.coef_, atol=1e-7)
    assert weighted.intercept_ == pytest.approx(copies.intercept_, abs=1e-7)
    assert weighted.objective_ == pytest.approx(copies.objective_, rel=1e-10)


def test_weighted_ridge_logistic_matches_scikit_learn():
    X, y, _ = _logistic(80, seed=1)
    w = np.random.default_rng(2).uniform(0.2, 3.0, size=80)
    ours = br.LogisticRegression(prior=br.Gaussian(0.7), solver="newton", tol=1e-12).fit(X, y, sample_weight=w)
    ref = SkLogisticRegression(C=1 / 0.7, tol=1e-12, max_iter=10_000).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, ref.coef_.ravel(), atol=1e-6)
    assert ours.intercept_ == pytest.approx(ref.intercept_[0], abs=1e-6)


def test_bad_weights_name_the_argument():
    X, y, _ = _logistic()
    est = br.LogisticRegression()
    for bad, match in [(np.ones(5), r"shape \(60,\)"), (-np.ones(60), ">= 0"), (np.zeros(60), "all zero"),
                       (np.full(60, np.nan), "finite"), ("heavy", "sample_weight must be")]:
        with pytest.raises(ValueError, match=match):
            est.fit(X, y, sample_weight=bad)


def test_cross_val_score_passes_the_weights_to_fit():
    from sklearn.model_selection import KFold, cross_val_score

    X, y, w = _logistic(90, seed=3)
    w = w + 1.0
    folds = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(br.LogisticRegression(), X, y, cv=folds, params={"sample_weight": w})
    manual = [br.LogisticRegression().fit(X[tr], y[tr], sample_weight=w[tr]).score(X[te], y[te])
              for tr, te in folds.split(X)]
    np.testing.assert_allclose(scores, manual)


def test_pymc_logp_of_a_weighted_model_is_minus_U():
    X, y, w = _logistic(40, seed=4)
    est = br.LogisticRegression(prior=br.Laplace(1.0)).fit(X, y, sample_weight=w)
    m = build_pymc_model(est, X, y, sample_weight=w)
    assert "obs_weight" in m.named_vars
    logp = m.compile_logp(mode="FAST_COMPILE")
    model = est.to_model(*est.prepare_data(X, y), center=False, sample_weight=w)
    rng = np.random.default_rng(0)
    points = [(est.coef_, est.intercept_)] + [(rng.normal(size=3), rng.normal()) for _ in range(4)]
    lp = np.array([logp({"coef": c, "intercept": np.array(b)}) for c, b in points])
    mU = np.array([-model.objective(model.theta_from(c, b)) for c, b in points])
    np.testing.assert_allclose(lp - lp[0], mU - mU[0], atol=1e-9)


def test_weighted_linear_posterior_is_the_exact_weighted_conjugate():
    rng = np.random.default_rng(5)
    n, sigma, lam = 50, 0.8, 2.0
    X = rng.normal(size=(n, 2))
    y = X @ np.array([1.0, -0.5]) + sigma * rng.normal(size=n)
    w = rng.uniform(0.0, 2.0, size=n)
    est = br.LinearRegression(prior=br.Gaussian(lam), noise_sd=sigma, fit_intercept=False, tol=1e-10)
    tree = est.fit(X, y, sample_weight=w).sample_posterior(X, y, sample_weight=w, draws=2000, chains=2,
                                                           random_seed=0, sampler="laplace-is")
    P = X.T @ (X * w[:, None]) / sigma**2 + lam * np.eye(2)
    cov = np.linalg.inv(P)
    mean = cov @ X.T @ (w * y) / sigma**2
    draws = tree["posterior"]["coef"].values.reshape(-1, 2)
    se = np.sqrt(np.diag(cov) / draws.shape[0])
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 5 * se)
    np.testing.assert_allclose(np.cov(draws.T), cov, rtol=0.15)
    ll = tree["log_likelihood"]["obs"].values  # w_n·log p(y_n | θ), summing to the likelihood term
    c = draws[0]
    ref = w * (-0.5 * ((y - X @ c) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi))
    np.testing.assert_allclose(ll.reshape(-1, n)[0], ref, rtol=1e-10)


def test_compare_refuses_a_posterior_with_other_weights():
    X, y, w = _logistic(60, seed=6)
    unweighted = br.LogisticRegression(prior=br.Gaussian(1.0)).fit(X, y)
    tree = br.LogisticRegression(prior=br.Gaussian(1.0)).fit(X, y, sample_weight=w).laplace_approximation(
        X, y, sample_weight=w, draws=20, random_seed=0)
    with pytest.raises(ValueError, match="sample_weight"):
        br.compare(unweighted, tree)
    weighted = br.LogisticRegression(prior=br.Gaussian(1.0)).fit(X, y, sample_weight=w)
    assert br.compare(weighted, tree)["map"].iloc[0] == weighted.coef_[0]
