"""The PyMC model, NUTS sampling and the Laplace approximation, checked against independent answers.

Independent references: the exact conjugate posterior of the linear model, dense-grid
quadrature of a 2-weight logistic posterior, U from bayesreg.model.Model (the MAP's
objective), PyMC's own log densities and find_MAP, and PSIS on known Gaussians.

Each nutpie model structure is compiled once per process (the module cache in
bayesreg.posterior), so module-scoped fixtures share samples between tests.
"""

from __future__ import annotations

import json
import math
import warnings

import arviz as az
import numpy as np
import pytest
import xarray as xr

import bayesreg
from bayesreg import ElasticNet, Flat, Gaussian, Laplace, LinearRegression, LogisticRegression
from bayesreg.datasets import make_lecture_wide
from bayesreg.model import Model
from bayesreg.posterior import (PosteriorWarning, _psis_khat, build_pymc_model, laplace_approximation,
                                sample_posterior)
from bayesreg.priors import prior_from_params

pytestmark = pytest.mark.filterwarnings("ignore::bayesreg.posterior.PosteriorWarning")

FAST = {"mode": "FAST_COMPILE"}  # PyMC-side reference functions: the math, not the speed
DRAWS, TUNE, CHAINS = 500, 300, 2


# -- data -----------------------------------------------------------------------------------

def _linear_data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) + np.array([1.0, -2.0, 0.5])
    y = X @ np.array([1.0, -0.5, 0.0]) + 0.3 + 0.7 * rng.normal(size=n)
    return X, y


def _logistic_data(n=30, seed=1, p=2, intercept=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    eta = X @ np.linspace(1.5, -1.0, p) + intercept
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
    return X, y


def _conjugate(X, y, sigma, lam, lam_b):
    """Exact posterior of θ = (w, b): precision AᵀA/σ² + diag(λ, λ_b), mean precision⁻¹Aᵀy/σ²."""
    A = np.column_stack([X, np.ones(len(y))])
    P = A.T @ A / sigma**2 + np.diag([lam] * X.shape[1] + [lam_b])
    cov = np.linalg.inv(P)
    return cov @ A.T @ y / sigma**2, cov


def _theta_draws(tree):
    """(chain, draw, params) array of (coef..., intercept)."""
    post = tree["posterior"].dataset
    parts = [post["coef"].transpose("chain", "draw", "feature").values]
    if "intercept" in post:
        parts.append(post["intercept"].values[..., None])
    return np.concatenate(parts, axis=-1)


def _agree_within_mcse(draws, mean, cov, n_se=4.0):
    """Each mean and each covariance entry within n_se Monte-Carlo standard errors (ESS-based).

    For a covariance entry, the MCSE is that of the mean of (x_i − μ_i)(x_j − μ_j), with
    its own ESS (NUTS draws of squares are less efficient than of means).
    """
    k = draws.shape[-1]
    for i in range(k):
        x = draws[..., i]
        se = x.std() / math.sqrt(float(az.ess(x, method="mean")))
        assert abs(x.mean() - mean[i]) < n_se * se, (i, x.mean(), mean[i], se)
    if cov is None:
        return
    for i in range(k):
        for j in range(i, k):
            q = (draws[..., i] - mean[i]) * (draws[..., j] - mean[j])
            se = q.std() / math.sqrt(float(az.ess(q, method="mean")))
            assert abs(q.mean() - cov[i, j]) < n_se * se, (i, j, q.mean(), cov[i, j], se)


# -- fixtures (module scope: one sample per model, shared) ------------------------------------

@pytest.fixture(scope="module")
def linear():
    X, y = _linear_data(40, seed=0)
    est = LinearRegression(prior=Gaussian(2.0), intercept_prior=Gaussian(0.5), noise_sd=0.7,
                           solver="newton", tol=1e-10).fit(X, y)
    tree = sample_posterior(est, X, y, draws=DRAWS, tune=TUNE, chains=CHAINS, random_seed=11)
    return {"X": X, "y": y, "est": est, "tree": tree}


@pytest.fixture(scope="module")
def logistic2():
    """2 weights, no intercept, Gaussian prior, 30 observations, and its grid posterior."""
    X, y = _logistic_data(30, seed=1)
    est = LogisticRegression(prior=Gaussian(1.0), fit_intercept=False, solver="newton", tol=1e-10).fit(X, y)
    tree = sample_posterior(est, X, y, draws=DRAWS, tune=TUNE, chains=CHAINS, random_seed=5)
    # dense-grid quadrature of exp(−U) over the MAP ± 8 Laplace sd
    H = X.T @ (X * (lambda p: p * (1 - p))(1 / (1 + np.exp(-X @ est.coef_)))[:, None]) + np.eye(2)
    sd = np.sqrt(np.diag(np.linalg.inv(H)))
    axes = [np.linspace(m - 8 * s, m + 8 * s, 400) for m, s in zip(est.coef_, sd)]
    W = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
    eta = W @ X.T
    U = (np.logaddexp(0.0, eta) - y * eta).sum(axis=1) + 0.5 * (W * W).sum(axis=1)
    p = np.exp(-(U - U.min()))
    p /= p.sum()
    mean = p @ W
    cov = (W - mean).T @ ((W - mean) * p[:, None])
    return {"X": X, "y": y, "est": est, "tree": tree, "mean": mean, "cov": cov}


# -- 1. the PyMC model is exactly exp(−U) -------------------------------------------------------

def _logp_case(kind):
    if kind == "bernoulli-laplace":
        X, y = _logistic_data(35, seed=2, p=4, intercept=0.5)
        return LogisticRegression(prior=Laplace(1.5)), X, y
    if kind == "bernoulli-elasticnet":
        X, y = _logistic_data(35, seed=3, p=4)
        return LogisticRegression(prior=ElasticNet(0.8, 0.6), intercept_prior=Gaussian(0.3)), X, y
    X, y = _linear_data(25, seed=4)
    if kind == "normal-elasticnet-intercept":
        return LinearRegression(prior=ElasticNet(2.0, 0.5), intercept_prior=ElasticNet(0.4, 0.1), noise_sd=0.8), X, y
    return LinearRegression(prior=Gaussian(3.0), intercept_prior=Laplace(0.7), noise_sd=1.3), X, y


@pytest.mark.parametrize("kind", ["bernoulli-laplace", "bernoulli-elasticnet", "normal-gaussian-laplace-intercept",
                                  "normal-elasticnet-intercept"])
def test_pymc_logp_is_minus_U_plus_const(kind):
    est, X, y = _logp_case(kind)
    m = build_pymc_model(est, X, y)
    assert {v.name for v in m.free_RVs} == {"coef", "intercept"}
    assert all(t is None for t in m.rvs_to_transforms.values())  # no Jacobian term
    assert list(m.coords["feature"]) == est.feature_names()
    logp = m.compile_logp(**FAST)
    model = Model(X, est.encode_targets(y), est._likelihood(), est.prior_, est.intercept_prior_, est.fit_intercept)
    rng = np.random.default_rng(0)
    points = [(est.coef_, est.intercept_)] + [(rng.normal(size=X.shape[1]), rng.normal()) for _ in range(5)]
    lp = np.array([logp({"coef": w, "intercept": np.array(b)}) for w, b in points])
    mU = np.array([-model.objective(model.theta_from(w, b)) for w, b in points])
    np.testing.assert_allclose(lp - lp[0], mU - mU[0], rtol=0, atol=1e-9)


def test_pymc_model_names_data_and_lambdas():
    est, X, y = _logp_case("bernoulli-elasticnet")
    m = build_pymc_model(est, X, y)
    data = {d.name: d.get_value() for d in m.data_vars}
    assert set(data) == {"X", "y", "coef_lam1", "coef_lam2", "intercept_lam"}
    assert (data["coef_lam1"], data["coef_lam2"], data["intercept_lam"]) == (0.8, 0.6, 0.3)
    np.testing.assert_array_equal(data["y"], est.encode_targets(y))
    assert m.named_vars_to_dims["obs"] == ("obs_id",)
    # ElasticNet(λ, 0) is a Laplace, without an intercept there is no intercept variable
    est2 = LogisticRegression(prior=ElasticNet(1.0, 0.0), fit_intercept=False)
    m2 = build_pymc_model(est2, X, y)
    assert {v.name for v in m2.free_RVs} == {"coef"} and {d.name for d in m2.data_vars} == {"X", "y", "coef_lam"}


def test_elastic_net_log_prior_is_normalized():
    """PyMC's log prior of the CustomDist is ElasticNet.logpdf (normalized), not just the penalty."""
    prior = ElasticNet(0.8, 0.6)
    w = np.linspace(-30, 30, 200_001)
    assert abs(np.exp(prior.logpdf(w)).sum() * (w[1] - w[0]) - 1.0) < 1e-6
    import pymc as pm

    est, X, y = _logp_case("bernoulli-elasticnet")
    tree = laplace_approximation(est, X, y, draws=4, random_seed=0)
    lp = pm.stats.compute_log_prior(tree, model=build_pymc_model(est, X, y), progressbar=False,
                                    extend_inferencedata=False, compile_kwargs=FAST)
    np.testing.assert_allclose(lp["coef"].values, prior.logpdf(tree["posterior"]["coef"].values), atol=1e-12)


# -- 2. NUTS against exact answers --------------------------------------------------------------

def test_linear_nuts_matches_conjugate_posterior(linear):
    mean, cov = _conjugate(linear["X"], linear["y"], 0.7, 2.0, 0.5)
    draws = _theta_draws(linear["tree"])
    assert draws.shape == (CHAINS, DRAWS, 4)
    _agree_within_mcse(draws, mean, cov)


def test_linear_laplace_approximation_is_exact(linear):
    mean, cov = _conjugate(linear["X"], linear["y"], 0.7, 2.0, 0.5)
    # a loose solver: the approximation polishes the MAP itself
    est = LinearRegression(prior=Gaussian(2.0), intercept_prior=Gaussian(0.5), noise_sd=0.7, tol=1e-4)
    tree = laplace_approximation(est, linear["X"], linear["y"], draws=2000, random_seed=0)
    approx = tree["approximation"].dataset
    np.testing.assert_allclose(approx["mean"].values, mean, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(approx["covariance"].values, cov, rtol=1e-8, atol=1e-12)
    assert list(approx["parameter"].values) == ["coef[x0]", "coef[x1]", "coef[x2]", "intercept"]
    # exact approximation: importance weights are constant
    assert tree["posterior"].attrs["pareto_k"] < 0.5
    draws = _theta_draws(tree)[0]
    np.testing.assert_allclose(draws.mean(0), mean, atol=5 * np.sqrt(np.diag(cov)).max() / np.sqrt(2000))


def test_nutpie_reuses_compiled_model_for_new_data_and_lambda(linear):
    """Same structure, other n and λ: no compile, and still the exact posterior (and exact logp)."""
    X, y = _linear_data(60, seed=9)
    est = LinearRegression(prior=Gaussian(0.3), intercept_prior=Gaussian(2.0), noise_sd=1.1,
                           solver="newton", tol=1e-10).fit(X, y)
    tree = sample_posterior(est, X, y, draws=DRAWS, tune=TUNE, chains=CHAINS, random_seed=2)
    assert tree["posterior"].attrs["compile_time"] == 0.0
    mean, cov = _conjugate(X, y, 1.1, 0.3, 2.0)
    _agree_within_mcse(_theta_draws(tree), mean, cov)
    # nutpie's own logp of each draw is −U + const for the new data and λ
    model = Model(X, y, est._likelihood(), est.prior_, est.intercept_prior_, True)
    th = _theta_draws(tree).reshape(-1, 4)
    mU = np.array([-model.objective(model.theta_from(t[:3], t[3])) for t in th])
    lp = tree["sample_stats"]["logp"].values.reshape(-1)
    np.testing.assert_allclose(lp - mU, (lp - mU)[0], atol=1e-9)


def test_logistic_nuts_matches_grid_quadrature(logistic2):
    tree = logistic2["tree"]
    assert "intercept" not in tree["posterior"].dataset and "intercept" not in tree["log_prior"].dataset
    _agree_within_mcse(_theta_draws(tree), logistic2["mean"], logistic2["cov"])
    # the Laplace approximation is close but not exact (the posterior is skewed)
    approx = laplace_approximation(logistic2["est"], logistic2["X"], logistic2["y"], draws=1000, random_seed=1)
    sd_grid = np.sqrt(np.diag(logistic2["cov"]))
    sd_lap = np.sqrt(np.diag(approx["approximation"]["covariance"].values))
    np.testing.assert_allclose(sd_lap, sd_grid, rtol=0.15)
    assert 0 <= approx["posterior"].attrs["pareto_k"] < 0.7


def test_pymc_find_map_agrees_with_our_map(logistic2):
    import pymc as pm

    est, X, y = logistic2["est"], logistic2["X"], logistic2["y"]
    dt = pm.find_MAP(model=build_pymc_model(est, X, y), progressbar=False, return_inferencedata=True,
                     jitter=False, compile_kwargs=FAST)
    np.testing.assert_allclose(dt["posterior"]["coef"].values[0, 0], est.coef_, atol=1e-4)
    # and with an intercept (Flat intercept: Model's centred parametrization converted back)
    X2, y2 = _logistic_data(50, seed=7, p=3, intercept=1.0)
    est2 = LogisticRegression(prior=Gaussian(0.5), tol=1e-9).fit(X2 + 3.0, y2)
    dt2 = pm.find_MAP(model=build_pymc_model(est2, X2 + 3.0, y2), progressbar=False, return_inferencedata=True,
                      jitter=False, compile_kwargs=FAST)
    np.testing.assert_allclose(dt2["posterior"]["coef"].values[0, 0], est2.coef_, atol=1e-4)
    np.testing.assert_allclose(dt2["posterior"]["intercept"].values[0, 0], est2.intercept_, atol=1e-4)


# -- 3. the DataTree ------------------------------------------------------------------------------

def test_tree_layout_and_attrs(linear):
    tree, est = linear["tree"], linear["est"]
    assert set(tree.children) == {"posterior", "sample_stats", "log_likelihood", "log_prior", "observed_data"}
    post = tree["posterior"].dataset
    assert post["coef"].dims == ("chain", "draw", "feature") and post["intercept"].dims == ("chain", "draw")
    assert list(post["feature"].values) == est.feature_names()
    assert tree["log_likelihood"]["obs"].dims == ("chain", "draw", "obs_id")
    assert tree["log_prior"]["coef"].dims == ("chain", "draw", "feature")
    assert tree["log_prior"]["intercept"].dims == ("chain", "draw")
    np.testing.assert_array_equal(tree["observed_data"]["obs"].values, linear["y"])
    assert "diverging" in tree["sample_stats"].dataset
    a = post.attrs
    assert a["sampler"] == "nutpie" and a["random_seed"] == 11 and a["prior"] == est.prior_.describe()
    assert prior_from_params(a["prior_kind"], json.loads(a["prior_params"])) == est.prior_
    assert prior_from_params(a["intercept_prior_kind"], json.loads(a["intercept_prior_params"])) == Gaussian(0.5)
    assert a["intercept_prior"] == est.intercept_prior_.describe() and a["likelihood"] == "Normal(noise_sd=0.7)"


def test_tree_round_trips_through_netcdf(linear, tmp_path):
    path = tmp_path / "post.nc"
    linear["tree"].to_netcdf(path)
    back = xr.open_datatree(path)
    np.testing.assert_array_equal(back["posterior"]["coef"].values, linear["tree"]["posterior"]["coef"].values)
    assert back["posterior"].attrs["prior_params"] == linear["tree"]["posterior"].attrs["prior_params"]


def test_log_likelihood_and_log_prior_match_pymc():
    import pymc as pm

    est, X, y = _logp_case("normal-gaussian-laplace-intercept")
    tree = laplace_approximation(est, X, y, draws=6, random_seed=3)
    m = build_pymc_model(est, X, y)
    ll = pm.compute_log_likelihood(tree, model=m, progressbar=False, extend_inferencedata=False, compile_kwargs=FAST)
    lp = pm.stats.compute_log_prior(tree, model=m, progressbar=False, extend_inferencedata=False, compile_kwargs=FAST)
    np.testing.assert_allclose(tree["log_likelihood"]["obs"].values, ll["obs"].values, rtol=1e-12, atol=1e-12)
    for var in ("coef", "intercept"):
        np.testing.assert_allclose(tree["log_prior"][var].values, lp[var].values, rtol=1e-12, atol=1e-12)


def test_log_likelihood_of_nuts_draws_matches_pymc(logistic2):
    import pymc as pm

    tree = logistic2["tree"].isel(draw=slice(0, 5))
    m = build_pymc_model(logistic2["est"], logistic2["X"], logistic2["y"])
    ll = pm.compute_log_likelihood(tree, model=m, progressbar=False, extend_inferencedata=False, compile_kwargs=FAST)
    lp = pm.stats.compute_log_prior(tree, model=m, progressbar=False, extend_inferencedata=False, compile_kwargs=FAST)
    np.testing.assert_allclose(tree["log_likelihood"]["obs"].values, ll["obs"].values, atol=1e-12)
    np.testing.assert_allclose(tree["log_prior"]["coef"].values, lp["coef"].values, atol=1e-12)


def test_summed_log_likelihood(logistic2):
    tree = sample_posterior(logistic2["est"], logistic2["X"], logistic2["y"], draws=50, tune=50, chains=2,
                            random_seed=5, pointwise_log_likelihood=False)
    assert tree["log_likelihood"]["obs"].dims == ("chain", "draw")
    full = sample_posterior(logistic2["est"], logistic2["X"], logistic2["y"], draws=50, tune=50, chains=2,
                            random_seed=5)
    np.testing.assert_allclose(tree["log_likelihood"]["obs"].values,
                               full["log_likelihood"]["obs"].sum("obs_id").values, rtol=1e-12)


# -- 4. reproducibility, samplers, starting points -------------------------------------------------

def test_same_seed_same_draws(logistic2):
    args = (logistic2["est"], logistic2["X"], logistic2["y"])
    a = sample_posterior(*args, draws=100, tune=100, chains=2, random_seed=123)
    b = sample_posterior(*args, draws=100, tune=100, chains=2, random_seed=123)
    c = sample_posterior(*args, draws=100, tune=100, chains=2, random_seed=124)
    np.testing.assert_array_equal(a["posterior"]["coef"].values, b["posterior"]["coef"].values)
    assert not np.array_equal(a["posterior"]["coef"].values, c["posterior"]["coef"].values)
    la = laplace_approximation(*args, draws=50, random_seed=4)
    lb = laplace_approximation(*args, draws=50, random_seed=4)
    np.testing.assert_array_equal(la["posterior"]["coef"].values, lb["posterior"]["coef"].values)
    # no seed: one is drawn and recorded, and it reproduces the run
    d = sample_posterior(*args, draws=30, tune=30, chains=2)
    e = sample_posterior(*args, draws=30, tune=30, chains=2, random_seed=d["posterior"].attrs["random_seed"])
    np.testing.assert_array_equal(d["posterior"]["coef"].values, e["posterior"]["coef"].values)


def test_pymc_sampler(logistic2):
    args = (logistic2["est"], logistic2["X"], logistic2["y"])
    a = sample_posterior(*args, draws=200, tune=200, chains=2, random_seed=8, sampler="pymc")
    b = sample_posterior(*args, draws=200, tune=200, chains=2, random_seed=8, sampler="pymc")
    assert a["posterior"].attrs["sampler"] == "pymc"
    assert set(a.children) == {"posterior", "sample_stats", "log_likelihood", "log_prior", "observed_data"}
    np.testing.assert_array_equal(a["posterior"]["coef"].values, b["posterior"]["coef"].values)
    _agree_within_mcse(_theta_draws(a), logistic2["mean"], None)


def test_chains_start_near_the_map(logistic2):
    """The starting points are the MAP jittered by at most 1/√H_jj per coordinate."""
    from bayesreg.posterior import _init_scale, _prepare, _starting_points

    prob = _prepare(logistic2["est"], logistic2["X"], logistic2["y"])
    starts = np.array([_starting_points(prob, [1, s]) for s in range(20)])
    assert np.all(np.abs(starts - logistic2["est"].coef_) <= _init_scale(prob))
    assert np.ptp(starts, axis=0).min() > 0


def test_unfitted_estimator_is_fitted_first():
    X, y = _logistic_data(40, seed=6)
    est = LogisticRegression(prior=Gaussian(1.0))
    tree = laplace_approximation(est, X, y, draws=10, random_seed=0)
    assert hasattr(est, "coef_")
    np.testing.assert_allclose(tree["approximation"]["mean"].values[:2], est.coef_, atol=1e-4)


def test_estimator_fitted_on_other_data_is_not_used_as_the_map():
    X, y = _logistic_data(40, seed=6)
    X2, y2 = _logistic_data(40, seed=16)
    est = LogisticRegression(prior=Gaussian(1.0), tol=1e-9).fit(X, y)
    coef_before = est.coef_.copy()
    tree = laplace_approximation(est, X2, y2, draws=10, random_seed=0)
    ref = LogisticRegression(prior=Gaussian(1.0), tol=1e-9).fit(X2, y2)
    np.testing.assert_allclose(tree["approximation"]["mean"].values[:2], ref.coef_, atol=1e-7)
    np.testing.assert_array_equal(est.coef_, coef_before)  # the user's estimator is untouched


def test_estimator_method_delegates(logistic2):
    tree = logistic2["est"].sample_posterior(logistic2["X"], logistic2["y"], draws=20, tune=20, chains=1,
                                             random_seed=0)
    assert tree["posterior"]["coef"].shape == (1, 20, 2)


# -- 5. the lecture's L1 story ----------------------------------------------------------------------

def test_lasso_zeros_are_not_posterior_zeros():
    data = make_lecture_wide()
    est = LogisticRegression(prior=Laplace(2.0)).fit(data.X, data.y)
    zero = est.coef_ == 0
    assert zero.sum() >= 25  # many MAP coefficients exactly zero
    tree = sample_posterior(est, data.X, data.y, draws=300, tune=300, chains=2, random_seed=0)
    coef = tree["posterior"]["coef"].values
    assert coef.shape == (2, 300, 50)
    mean = coef.mean(axis=(0, 1))
    assert np.all(mean[zero] != 0.0) and np.all(coef[..., zero] != 0.0)  # no point mass at 0 in the posterior
    # the Laplace approximation puts a point mass at 0 for exactly those coefficients
    lap = laplace_approximation(est, data.X, data.y, draws=200, random_seed=0)
    lc = lap["posterior"]["coef"].values
    assert np.all(lc[..., zero] == 0.0) and np.all(lc[..., ~zero] != 0.0)
    approx = lap["approximation"].dataset
    np.testing.assert_array_equal(approx["active"].values[:50], ~zero)
    assert np.all(approx["covariance"].values[:50][zero] == 0.0)
    rp, rn = approx["rate_positive"].values[:50][zero], approx["rate_negative"].values[:50][zero]
    assert np.all(rp > 0) and np.all(rn > 0) and np.allclose(rp + rn, 2 * 2.0)  # λ1 ± g_j
    assert lap["posterior"].attrs["pareto_k"] > 0.7  # (≈ 16) the Gaussian-plus-point-mass misses this posterior


def test_laplace_with_zeroed_coefficients_can_be_good():
    """200 rows, 2 of 4 weights zeroed by L1: the proper proposal gives a small k̂, no warning."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = (rng.random(200) < 1 / (1 + np.exp(-(X @ [1.0, -1.0, 0.0, 0.0] + 0.3)))).astype(int)
    est = LogisticRegression(prior=Laplace(5.0), tol=1e-9).fit(X, y)
    assert np.sum(est.coef_ == 0) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", PosteriorWarning)
        tree = laplace_approximation(est, X, y, draws=2000, random_seed=0)
    assert tree["posterior"].attrs["pareto_k"] < 0.5
    assert json.loads(tree["approximation"].attrs["zeroed"]) == ["coef[x2]", "coef[x3]"]


# -- 6. Pareto k̂ -------------------------------------------------------------------------------------

def _gauss_logpdf(x, s):
    return -0.5 * (x / s) ** 2 - np.log(s) - 0.5 * np.log(2 * np.pi)


@pytest.mark.parametrize("scale, small", [(1.5, True), (0.25, False)])
def test_psis_sign_convention(scale, small):
    """A proposal wider than the target has k̂ < 0.5; a too narrow one k̂ > 0.7."""
    x = np.random.default_rng(0).normal(scale=scale, size=4000)
    _, khat = _psis_khat(_gauss_logpdf(x, 1.0) - _gauss_logpdf(x, scale))
    assert (khat < 0.5) if small else (khat > 0.7)
    _, khat_same = _psis_khat(np.zeros(100))
    assert khat_same < 0.5


def test_laplace_warns_when_k_hat_is_large():
    """Logistic regression with a flat prior on 12 points: a skewed posterior the Gaussian misses."""
    X, y = _logistic_data(12, seed=0, p=1)
    X = np.column_stack([X[:, 0], np.random.default_rng(1).normal(size=12)])
    est = LogisticRegression(prior=Flat(), fit_intercept=False, tol=1e-9).fit(X, y)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        tree = laplace_approximation(est, X, y, draws=2000, random_seed=0)
    khat = tree["posterior"].attrs["pareto_k"]
    assert tree["approximation"].attrs["pareto_k"] == khat
    assert any(issubclass(r.category, PosteriorWarning) for r in rec) == (khat > 0.7)


# -- 7. warnings and bad input ------------------------------------------------------------------------

def test_one_warning_naming_the_coefficients(logistic2):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        sample_posterior(logistic2["est"], logistic2["X"], logistic2["y"], draws=5, tune=5, chains=2, random_seed=0)
    mine = [r for r in rec if issubclass(r.category, PosteriorWarning)]
    assert len(mine) == 1  # 10 draws: an ESS of 400 is impossible
    assert "coef[x0]" in str(mine[0].message) and "ESS" in str(mine[0].message)


@pytest.mark.parametrize("kwargs, name", [
    ({"draws": 0}, "draws"), ({"chains": 0}, "chains"), ({"tune": -1}, "tune"), ({"draws": 2.5}, "draws"),
    ({"sampler": "metropolis"}, "sampler"), ({"random_seed": -3}, "random_seed"),
])
def test_bad_arguments(logistic2, kwargs, name):
    with pytest.raises(ValueError, match=name):
        sample_posterior(logistic2["est"], logistic2["X"], logistic2["y"], **kwargs)


def test_bad_data(logistic2):
    est, X, y = logistic2["est"], logistic2["X"], logistic2["y"]
    with pytest.raises(ValueError, match="X"):
        sample_posterior(est, X[:, :1], y)
    with pytest.raises(ValueError, match="X"):
        sample_posterior(est, X[:, 0], y)
    with pytest.raises(ValueError, match="y"):
        sample_posterior(est, X, y[:-1])
    with pytest.raises(ValueError, match="labels"):
        laplace_approximation(est, X, np.where(y == 1, 2, 0))
    with pytest.raises(ValueError, match="draws"):
        laplace_approximation(est, X, y, draws=0)
    with pytest.raises(ValueError, match="X"):
        laplace_approximation(est, np.hstack([X, X]), y)
    with pytest.raises(ValueError, match="X"):
        build_pymc_model(est, X[:, :1], y)


def test_public_names():
    import bayesreg.posterior as post

    assert set(post.__all__) == {"PosteriorWarning", "build_pymc_model", "sample_posterior",
                                 "laplace_approximation"}
    assert issubclass(PosteriorWarning, UserWarning)
    assert bayesreg.LogisticRegression.sample_posterior.__doc__
