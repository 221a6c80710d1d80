"""The PyMC model, NUTS, laplace-is and the Laplace approximation, checked against independent answers.

Independent references: the exact conjugate posterior of the linear model, dense-grid
quadrature of 2-weight logistic posteriors (Gaussian and Laplace priors), U from
bayesreg.model.Model (the MAP's objective), PyMC's own log densities and find_MAP,
NUTS draws, numerical integration of the proposal densities, and PSIS on known Gaussians.

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
from bayesreg.posterior import PosteriorWarning, Problem, build_pymc_model, laplace_approximation, sample_posterior
from bayesreg.posterior.diagnostics import psis
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

def _grid_posterior(X, y, coef, *, lam, half_width_sd, n):
    """Mean and covariance of exp(−U) (2 weights, Gaussian(lam) prior, no intercept) by dense-grid quadrature
    over the MAP ± half_width_sd Laplace sd, computed here independently of bayesreg."""
    p_map = 1 / (1 + np.exp(-X @ coef))
    H = X.T @ (X * (p_map * (1 - p_map))[:, None]) + lam * np.eye(2)
    sd = np.sqrt(np.diag(np.linalg.inv(H)))
    axes = [np.linspace(m - half_width_sd * s, m + half_width_sd * s, n) for m, s in zip(coef, sd)]
    W = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
    eta = W @ X.T
    U = (np.logaddexp(0.0, eta) - y * eta).sum(axis=1) + 0.5 * lam * (W * W).sum(axis=1)
    p = np.exp(-(U - U.min()))
    p /= p.sum()
    mean = p @ W
    return mean, (W - mean).T @ ((W - mean) * p[:, None])


@pytest.fixture(scope="module")
def linear():
    X, y = _linear_data(40, seed=0)
    est = LinearRegression(prior=Gaussian(2.0), intercept_prior=Gaussian(0.5), noise_sd=0.7,
                           solver="newton", tol=1e-10).fit(X, y)
    tree = sample_posterior(est, X, y, draws=DRAWS, tune=TUNE, chains=CHAINS, random_seed=11, sampler="nutpie")
    return {"X": X, "y": y, "est": est, "tree": tree}


@pytest.fixture(scope="module")
def logistic2():
    """2 weights, no intercept, Gaussian prior, 30 observations, and its grid posterior."""
    X, y = _logistic_data(30, seed=1)
    est = LogisticRegression(prior=Gaussian(1.0), fit_intercept=False, solver="newton", tol=1e-10).fit(X, y)
    tree = sample_posterior(est, X, y, draws=DRAWS, tune=TUNE, chains=CHAINS, random_seed=5, sampler="nutpie")
    mean, cov = _grid_posterior(X, y, est.coef_, lam=1.0, half_width_sd=8, n=400)
    return {"X": X, "y": y, "est": est, "tree": tree, "mean": mean, "cov": cov}


# -- 1. the PyMC model is exactly exp(−U) -------------------------------------------------------

def _logp_case(kind):
    """A fitted estimator and its data (the posterior functions leave an unfitted one unfitted)."""
    if kind == "bernoulli-laplace":
        X, y = _logistic_data(35, seed=2, p=4, intercept=0.5)
        est = LogisticRegression(prior=Laplace(1.5))
    elif kind == "bernoulli-elasticnet":
        X, y = _logistic_data(35, seed=3, p=4)
        est = LogisticRegression(prior=ElasticNet(0.8, 0.6), intercept_prior=Gaussian(0.3))
    else:
        X, y = _linear_data(25, seed=4)
        est = (LinearRegression(prior=ElasticNet(2.0, 0.5), intercept_prior=ElasticNet(0.4, 0.1), noise_sd=0.8)
               if kind == "normal-elasticnet-intercept"
               else LinearRegression(prior=Gaussian(3.0), intercept_prior=Laplace(0.7), noise_sd=1.3))
    return est.fit(X, y), X, y


@pytest.mark.parametrize("kind", ["bernoulli-laplace", "bernoulli-elasticnet", "normal-gaussian-laplace-intercept",
                                  "normal-elasticnet-intercept"])
def test_pymc_logp_is_minus_U_plus_const(kind):
    est, X, y = _logp_case(kind)
    m = build_pymc_model(est, X, y)
    assert {v.name for v in m.free_RVs} == {"coef", "intercept"}
    assert all(t is None for t in m.rvs_to_transforms.values())  # no Jacobian term
    assert list(m.coords["feature"]) == est.feature_names()
    logp = m.compile_logp(**FAST)
    model = Model(X, est.encode_targets(y), est.likelihood(), est.prior_, est.intercept_prior_, est.fit_intercept)
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
    tree = sample_posterior(est, X, y, draws=DRAWS, tune=TUNE, chains=CHAINS, random_seed=2, sampler="nutpie")
    assert tree["posterior"].attrs["compile_time"] == 0.0
    mean, cov = _conjugate(X, y, 1.1, 0.3, 2.0)
    _agree_within_mcse(_theta_draws(tree), mean, cov)
    # nutpie's own logp of each draw is −U + const for the new data and λ
    model = Model(X, y, est.likelihood(), est.prior_, est.intercept_prior_, True)
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


@pytest.mark.parametrize("sampler", ["nutpie", "laplace-is"])
def test_summed_log_likelihood(logistic2, sampler):
    tree = sample_posterior(logistic2["est"], logistic2["X"], logistic2["y"], draws=50, tune=50, chains=2,
                            random_seed=5, pointwise_log_likelihood=False, sampler=sampler)
    assert tree["log_likelihood"]["obs"].dims == ("chain", "draw")
    full = sample_posterior(logistic2["est"], logistic2["X"], logistic2["y"], draws=50, tune=50, chains=2,
                            random_seed=5, sampler=sampler)
    np.testing.assert_allclose(tree["log_likelihood"]["obs"].values,
                               full["log_likelihood"]["obs"].sum("obs_id").values, rtol=1e-12)


# -- 4. reproducibility, samplers, starting points -------------------------------------------------

def test_same_seed_same_draws(logistic2):
    args = (logistic2["est"], logistic2["X"], logistic2["y"])
    a = sample_posterior(*args, draws=100, tune=100, chains=2, random_seed=123, sampler="nutpie")
    b = sample_posterior(*args, draws=100, tune=100, chains=2, random_seed=123, sampler="nutpie")
    c = sample_posterior(*args, draws=100, tune=100, chains=2, random_seed=124, sampler="nutpie")
    np.testing.assert_array_equal(a["posterior"]["coef"].values, b["posterior"]["coef"].values)
    assert not np.array_equal(a["posterior"]["coef"].values, c["posterior"]["coef"].values)
    la = laplace_approximation(*args, draws=50, random_seed=4)
    lb = laplace_approximation(*args, draws=50, random_seed=4)
    np.testing.assert_array_equal(la["posterior"]["coef"].values, lb["posterior"]["coef"].values)
    # no seed: one is drawn and recorded, and it reproduces the run
    d = sample_posterior(*args, draws=30, tune=30, chains=2, sampler="nutpie")
    e = sample_posterior(*args, draws=30, tune=30, chains=2, random_seed=d["posterior"].attrs["random_seed"],
                         sampler="nutpie")
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
    from bayesreg.posterior.nuts import starting_points

    prob = Problem.from_estimator(logistic2["est"], logistic2["X"], logistic2["y"])
    starts = np.array([starting_points(prob, [1, s]) for s in range(20)])
    assert np.all(np.abs(starts - logistic2["est"].coef_) <= 1.0 / np.sqrt(prob.model.hessian_diagonal(prob.theta())))
    assert np.ptp(starts, axis=0).min() > 0


def test_unfitted_estimator_is_fitted_as_a_clone_and_left_unfitted():
    X, y = _logistic_data(40, seed=6)
    est = LogisticRegression(prior=Gaussian(1.0))
    tree = laplace_approximation(est, X, y, draws=10, random_seed=0)
    assert not hasattr(est, "coef_")  # the caller's estimator is never modified
    ref = LogisticRegression(prior=Gaussian(1.0), tol=1e-10).fit(X, y)
    np.testing.assert_allclose(tree["approximation"]["mean"].values[:2], ref.coef_, atol=1e-6)


def test_changed_parameters_after_fit_give_the_posterior_of_the_current_ones():
    """set_params after fit: the posterior is of the estimator's current prior, not the fitted one."""
    X, y = _logistic_data(80, seed=0, p=3)
    est = LogisticRegression(prior=Gaussian(1.0)).fit(X, y)
    est.set_params(prior=Laplace(50.0))
    tree = laplace_approximation(est, X, y, draws=10, random_seed=0)
    ref = LogisticRegression(prior=Laplace(50.0), tol=1e-10).fit(X, y)
    np.testing.assert_allclose(tree["approximation"]["mean"].values[:3], ref.coef_, atol=1e-6)
    assert tree["posterior"].attrs["prior_kind"] == "Laplace"
    assert est.prior_ == Gaussian(1.0)  # the caller's fitted state is untouched


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
    tree = sample_posterior(est, data.X, data.y, draws=300, tune=300, chains=2, random_seed=0)  # sampler="auto"
    # "auto" tried laplace-is, saw a k̂ far above 0.7, and ran NUTS instead
    a = tree["posterior"].attrs
    assert a["sampler"] == "nutpie" and a["sampler_requested"] == "auto"
    assert a["auto_pareto_k"] > 0.7 and a["auto_reason"].startswith("nutpie: Pareto k̂")
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
    _, khat = psis(_gauss_logpdf(x, 1.0) - _gauss_logpdf(x, scale))
    assert (khat < 0.5) if small else (khat > 0.7)
    _, khat_same = psis(np.zeros(100))
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
        sample_posterior(logistic2["est"], logistic2["X"], logistic2["y"], draws=5, tune=5, chains=2, random_seed=0,
                         sampler="nutpie")
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

    assert set(post.__all__) == {"PosteriorWarning", "Problem", "build_pymc_model", "clear_compile_cache",
                                 "sample_posterior", "laplace_approximation"}
    assert "laplace-is" in sample_posterior.__doc__
    assert issubclass(PosteriorWarning, UserWarning)
    assert bayesreg.LogisticRegression.sample_posterior.__doc__


# -- 8. laplace-is: PSIS from the Laplace approximation -------------------------------------------

def test_psislw_is_given_minus_log_weights():
    """ArviZ's psislw smooths −(its input): fed −log w, its output ∝ w except in the smoothed tail."""
    rng = np.random.default_rng(1)
    x = rng.normal(scale=1.3, size=5000)
    log_w = _gauss_logpdf(x, 1.0) - _gauss_logpdf(x, 1.3)  # target N(0, 1), proposal N(0, 1.3²)
    lw, khat = psis(log_w)
    assert abs(np.logaddexp.reduce(lw)) < 1e-12  # normalized
    diff = lw - log_w
    body = log_w < np.quantile(log_w, 0.9)  # the tail PSIS smooths is the largest 3√S weights
    assert np.ptp(diff[body]) < 1e-9
    w = np.exp(lw)
    assert abs(w @ x**2 - 1.0) < 0.05 and khat < 0.5  # E_p[x²] = 1, not the proposal's 1.69


def test_two_piece_proposal_density_is_normalized_and_sampled():
    """The zeroed-coordinate proposal: its log q against quadrature, its draws against its density."""
    from bayesreg.posterior.importance import two_piece

    # h = 0 and a tiny h are the asymmetric Laplace
    a, c, h = np.array([3.0, 0.5, 2.0, 4.0]), np.array([1.0, 2.5, 2.0, 1.0]), np.array([4.0, 30.0, 0.0, 1e-12])
    draws, log_q = two_piece(np.random.default_rng(0), a, c, h, 40_000)
    assert draws.shape == (40_000, 4) and np.all(draws != 0.0)
    half = np.linspace(0.0, 80.0, 800_001)
    per = np.empty_like(draws)
    for j in range(4):
        z_pos = np.trapezoid(np.exp(-a[j] * half - 0.5 * h[j] * half**2), half)
        z_neg = np.trapezoid(np.exp(-c[j] * half - 0.5 * h[j] * half**2), half)
        x = draws[:, j]
        per[:, j] = np.where(x > 0, -a[j] * x, c[j] * x) - 0.5 * h[j] * x**2 - np.log(z_pos + z_neg)
        p_pos = z_pos / (z_pos + z_neg)
        mean = (np.trapezoid(half * np.exp(-a[j] * half - 0.5 * h[j] * half**2), half)
                - np.trapezoid(half * np.exp(-c[j] * half - 0.5 * h[j] * half**2), half)) / (z_pos + z_neg)
        assert abs(x.mean() - mean) < 4 * x.std() / math.sqrt(len(x))
        assert abs((x > 0).mean() - p_pos) < 4 * math.sqrt(p_pos * (1 - p_pos) / len(x))
    np.testing.assert_allclose(log_q, per.sum(axis=1), rtol=1e-7, atol=1e-7)


def test_fast_log_likelihood_sums_match_rowwise():
    rng = np.random.default_rng(3)
    for est, (X, y) in [(LogisticRegression(prior=Gaussian(1.0)), _logistic_data(300, seed=2, p=4)),
                        (LinearRegression(prior=Laplace(1.0), noise_sd=0.6), _linear_data(300, seed=2))]:
        prob = Problem.from_estimator(est, X, y)  # 300 rows: 4 blocks of 64 and a remainder
        W, B = rng.normal(size=(2100, X.shape[1])), rng.normal(size=2100)
        W[::2] *= 30.0  # |η| up to ~100: e^−|η| underflows, the products of (1 + e^−|η|) must not
        ref = prob.model.loglik(W, B, pointwise=False)
        np.testing.assert_allclose(prob.model.loglik_sums(W, B), ref, rtol=1e-12)
        np.testing.assert_allclose(prob.model.loglik_sums(W, B, chunk_elements=100 * 300), ref, rtol=1e-12)  # 21 chunks


def test_laplace_is_is_exact_on_the_linear_gaussian_model(linear):
    """U is quadratic: the proposal is the posterior, every weight is equal, the draws are i.i.d. exact."""
    mean, cov = _conjugate(linear["X"], linear["y"], 0.7, 2.0, 0.5)
    tree = sample_posterior(linear["est"], linear["X"], linear["y"], draws=1000, chains=2, random_seed=3,
                            sampler="laplace-is")
    a = tree["posterior"].attrs
    assert a["sampler"] == "laplace-is" and a["proposal"] == "gaussian"
    assert a["pareto_k"] < 0.5 and a["n_proposals"] == 2000
    assert a["ess_importance"] == pytest.approx(2000, rel=1e-6)
    np.testing.assert_array_equal(tree["sample_stats"]["proposal_index"].values.ravel(), np.arange(2000))
    _agree_within_mcse(_theta_draws(tree), mean, cov)


def _skewed_logistic():
    """60 rows, 2 weights, weak Gaussian(0.1) prior: the posterior mean is 0.3 sd away from the MAP."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2))
    y = (rng.random(60) < 1 / (1 + np.exp(-X @ [3.0, -1.5]))).astype(int)
    est = LogisticRegression(prior=Gaussian(0.1), fit_intercept=False, solver="newton", tol=1e-10).fit(X, y)
    mean, cov = _grid_posterior(X, y, est.coef_, lam=0.1, half_width_sd=14, n=500)
    return X, y, est, mean, np.sqrt(np.diag(cov))


def test_laplace_is_corrects_a_skewed_posterior():
    """Against dense-grid quadrature, laplace-is beats the Laplace approximation on mean and sd."""
    X, y, est, mean, sd = _skewed_logistic()
    assert np.all(np.abs(est.coef_ - mean) > 0.25 * sd)  # the Laplace mean (the MAP) is visibly off
    tree = sample_posterior(est, X, y, draws=1000, chains=4, random_seed=0, sampler="laplace-is")
    a = tree["posterior"].attrs
    assert a["proposal"] == "student-t" and a["pareto_k"] < 0.5 and a["ess_importance"] > 3000
    draws = _theta_draws(tree).reshape(-1, 2)
    err_is_mean = np.abs(draws.mean(0) - mean)
    assert np.all(err_is_mean < 4 * sd / math.sqrt(a["ess_importance"]))
    lap = laplace_approximation(est, X, y, draws=10, random_seed=0)["approximation"]
    err_lap_mean = np.abs(lap["mean"].values - mean)
    err_lap_sd = np.abs(np.sqrt(np.diag(lap["covariance"].values)) - sd)
    err_is_sd = np.abs(draws.std(0) - sd)
    assert np.all(err_is_mean < err_lap_mean / 5) and np.all(err_is_sd < err_lap_sd)


def test_laplace_is_agrees_with_nuts(logistic2):
    tree = sample_posterior(logistic2["est"], logistic2["X"], logistic2["y"], draws=1000, chains=2, random_seed=2,
                            sampler="laplace-is")
    is_draws, nuts_draws = _theta_draws(tree).reshape(-1, 2), _theta_draws(logistic2["tree"])
    for j in range(2):
        se = math.hypot(is_draws[:, j].std() / math.sqrt(tree["posterior"].attrs["ess_importance"]),
                        nuts_draws[..., j].std() / math.sqrt(float(az.ess(nuts_draws[..., j], method="mean"))))
        assert abs(is_draws[:, j].mean() - nuts_draws[..., j].mean()) < 4 * se
    _agree_within_mcse(is_draws[None], logistic2["mean"], logistic2["cov"])


def test_laplace_is_with_l1_zeros_matches_grid():
    """A weight the L1 MAP sets to exactly 0: its posterior mass on both sides of 0 is reproduced."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = (rng.random(100) < 1 / (1 + np.exp(-1.5 * X[:, 0]))).astype(int)
    est = LogisticRegression(prior=Laplace(10.0), fit_intercept=False, tol=1e-10).fit(X, y)
    assert est.coef_[1] == 0.0 and est.coef_[0] != 0.0
    a = np.linspace(est.coef_[0] - 2.0, est.coef_[0] + 2.0, 401)
    b = np.linspace(-1.2, 1.2, 601)  # contains 0 exactly: the kink
    W = np.stack(np.meshgrid(a, b, indexing="ij"), axis=-1).reshape(-1, 2)
    eta = W @ X.T
    p = -((np.logaddexp(0.0, eta) - y * eta).sum(axis=1) + 10.0 * np.abs(W).sum(axis=1))
    p = np.exp(p - p.max())
    p /= p.sum()
    mean = p @ W
    tree = sample_posterior(est, X, y, draws=1000, chains=4, random_seed=1, sampler="laplace-is")
    draws = _theta_draws(tree).reshape(-1, 2)
    assert np.all(draws != 0.0)  # no point mass at 0 in the posterior, nor in these draws
    assert tree["posterior"].attrs["pareto_k"] < 0.7
    ess = tree["posterior"].attrs["ess_importance"]
    sd = np.sqrt(p @ (W - mean) ** 2)
    assert np.all(np.abs(draws.mean(0) - mean) < 4 * sd / math.sqrt(ess))
    p_pos = p[W[:, 1] > 0].sum()  # ≈ 0.71
    assert abs((draws[:, 1] > 0).mean() - p_pos) < 4 * math.sqrt(p_pos * (1 - p_pos) / ess)


def test_auto_picks_laplace_is_on_a_tall_easy_problem():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(2000, 3))
    y = (rng.random(2000) < 1 / (1 + np.exp(-(X @ [1.0, -1.0, 0.5] + 0.3)))).astype(int)
    est = LogisticRegression(prior=Gaussian(1.0)).fit(X, y)
    tree = sample_posterior(est, X, y, draws=500, chains=4, random_seed=0)
    a = tree["posterior"].attrs
    assert a["sampler"] == "laplace-is" and a["sampler_requested"] == "auto"
    assert a["auto_reason"].startswith("laplace-is: Pareto k̂") and a["auto_pareto_k"] == a["pareto_k"] < 0.7
    assert a["ess_importance"] > 0.8 * a["n_proposals"]
    assert set(tree.children) == {"posterior", "sample_stats", "log_likelihood", "log_prior", "observed_data"}
    assert tree["posterior"]["coef"].dims == ("chain", "draw", "feature") and tree["posterior"]["coef"].shape == (4, 500, 3)
    assert tree["log_likelihood"]["obs"].shape == (4, 500, 2000)
    # compare() reads it; it treats laplace* samplers as approximations: no R-hat / ESS columns
    from bayesreg.compare import compare

    table = compare(est, tree)
    np.testing.assert_allclose(table.loc["intercept", "mean"], tree["posterior"]["intercept"].values.mean())
    assert table["r_hat"].isna().all()


def test_laplace_is_same_seed_same_draws_and_round_trip(logistic2, tmp_path):
    args = (logistic2["est"], logistic2["X"], logistic2["y"])
    a = sample_posterior(*args, draws=300, chains=2, random_seed=7, sampler="laplace-is")
    b = sample_posterior(*args, draws=300, chains=2, random_seed=7, sampler="laplace-is")
    c = sample_posterior(*args, draws=300, chains=2, random_seed=8, sampler="laplace-is")
    np.testing.assert_array_equal(a["posterior"]["coef"].values, b["posterior"]["coef"].values)
    assert not np.array_equal(a["posterior"]["coef"].values, c["posterior"]["coef"].values)
    a.to_netcdf(tmp_path / "is.nc")
    back = xr.open_datatree(tmp_path / "is.nc")
    assert back["posterior"].attrs["pareto_k"] == a["posterior"].attrs["pareto_k"]
    np.testing.assert_array_equal(back["sample_stats"]["log_weight"].values, a["sample_stats"]["log_weight"].values)


def test_laplace_is_warns_when_k_hat_is_large():
    data = make_lecture_wide()
    est = LogisticRegression(prior=Laplace(2.0)).fit(data.X, data.y)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        tree = sample_posterior(est, data.X, data.y, draws=500, chains=2, random_seed=0, sampler="laplace-is")
    mine = [str(r.message) for r in rec if issubclass(r.category, PosteriorWarning)]
    assert len(mine) == 1 and "k̂" in mine[0] and "nutpie" in mine[0]
    assert tree["posterior"].attrs["pareto_k"] > 0.7
    assert np.all(tree["posterior"]["coef"].values != 0.0)


def test_laplace_is_needs_a_laplace_approximation():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [1.5, 1.5]])  # collinear, flat prior
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0])
    est = LinearRegression(prior=Flat(), fit_intercept=False, noise_sd=1.0)
    with pytest.raises(ValueError, match="laplace-is"):
        sample_posterior(est, X, y, draws=10, chains=1, random_seed=0, sampler="laplace-is")


def test_tune_zero_is_refused_up_front_where_nutpie_may_run(logistic2):
    """nutpie panics in Rust with tune=0 after compiling; the check comes before any work."""
    args = (logistic2["est"], logistic2["X"], logistic2["y"])
    for sampler in ("nutpie", "auto"):
        with pytest.raises(ValueError, match="tune must be >= 1"):
            sample_posterior(*args, draws=10, tune=0, chains=1, sampler=sampler)
    tree = sample_posterior(*args, draws=10, tune=0, chains=2, random_seed=0, sampler="laplace-is")
    assert tree["posterior"]["coef"].shape[:2] == (2, 10)  # laplace-is has no tuning: 0 is fine


def test_pointwise_log_likelihood_over_budget_keeps_the_row_sum_and_says_so(logistic2, monkeypatch):
    import bayesreg.posterior.sample as sample_module

    args = (logistic2["est"], logistic2["X"], logistic2["y"])
    n = len(logistic2["y"])
    small = sample_posterior(*args, draws=50, chains=2, random_seed=0, sampler="laplace-is")
    assert small["log_likelihood"]["obs"].dims == ("chain", "draw", "obs_id")  # within budget: per row
    monkeypatch.setattr(sample_module, "POINTWISE_BUDGET_BYTES", 2 * 50 * n * 8 - 1)
    with pytest.warns(PosteriorWarning, match="only its row sum is kept"):
        big = sample_posterior(*args, draws=50, chains=2, random_seed=0, sampler="laplace-is")
    assert big["log_likelihood"]["obs"].dims == ("chain", "draw")
    np.testing.assert_allclose(big["log_likelihood"]["obs"].values,
                               small["log_likelihood"]["obs"].sum("obs_id").values, rtol=1e-12)
    forced = sample_posterior(*args, draws=50, chains=2, random_seed=0, sampler="laplace-is",
                              pointwise_log_likelihood=True)  # asked for: kept whatever its size
    assert forced["log_likelihood"]["obs"].dims == ("chain", "draw", "obs_id")


@pytest.mark.parametrize("sampler", ["nutpie", "pymc"])
def test_a_swallowed_ctrl_c_raises_instead_of_returning_a_partial_sample(logistic2, monkeypatch, sampler):
    """nutpie returns unfinished draws as NaN padding, PyMC fewer chains, both without a word: that is an interrupt."""
    import nutpie
    import pymc as pm

    real = nutpie.sample if sampler == "nutpie" else pm.sample

    def interrupted(*args, **kwargs):
        tree = real(*args, **kwargs)
        post = tree["posterior"].dataset
        if sampler == "nutpie":  # the rest of chain 0 never ran
            tree["posterior"] = xr.DataTree(post.assign(coef=post["coef"].where(post["draw"] < 5)))
        else:  # one chain of two came back
            tree["posterior"] = xr.DataTree(post.isel(chain=[0]))
        return tree

    monkeypatch.setattr(nutpie if sampler == "nutpie" else pm, "sample", interrupted)
    with pytest.raises(KeyboardInterrupt, match="interrupted"):
        sample_posterior(logistic2["est"], logistic2["X"], logistic2["y"], draws=20, tune=20, chains=2,
                         random_seed=0, sampler=sampler)


def test_ctrl_c_during_the_compile_is_raised_when_it_returns(logistic2, monkeypatch):
    """numba drops a KeyboardInterrupt raised inside its ctypes callbacks; it must not be lost."""
    import os
    import signal

    import nutpie

    from bayesreg.posterior.pymc_model import CompileCache

    def compile_and_get_interrupted(model):
        os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl-C mid-compile
        return "compiled"

    monkeypatch.setattr(nutpie, "compile_pymc_model", compile_and_get_interrupted)
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt, match="compiling"):
        CompileCache().get(("test-interrupt",), lambda: build_pymc_model(logistic2["est"], logistic2["X"],
                                                                          logistic2["y"]), {})
    assert signal.getsignal(signal.SIGINT) is handler  # the user's handler is back


def test_progress_is_logged_where_there_is_no_terminal(logistic2, caplog, monkeypatch):
    # stderr not a TTY and no Jupyter (pytest captures it): progressbar=None logs at INFO instead of a bar
    import io
    import logging
    import sys

    import bayesreg.progress

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setattr(bayesreg.progress, "LOG_EVERY", 0.0)  # every callback of nutpie's
    caplog.set_level(logging.INFO, logger="bayesreg")
    args = (logistic2["est"], logistic2["X"], logistic2["y"])
    sample_posterior(*args, draws=1000, tune=300, chains=2, random_seed=3, sampler="nutpie")
    lines = [r.getMessage() for r in caplog.records if r.name == "bayesreg.progress"]
    assert lines[0].startswith("sampling the posterior with nutpie: 2 chains × (300 tune + 1000 draws)")
    assert lines[-1].startswith("sampled in ")
    assert any("draws (" in line and "divergences" in line for line in lines[1:-1]), lines
    assert sys.stderr.getvalue() == ""  # no bar drawn into a log
