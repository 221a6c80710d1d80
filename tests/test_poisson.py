"""Poisson regression: the likelihood, the MAP, the posterior, conversions, files and the CLI.

References, all independent of the code under test: SciPy's Poisson pmf, finite
differences, U written out here and minimized by scipy.optimize, scikit-learn's
PoissonRegressor and glum's GeneralizedLinearRegressor (through ``convert``), and the
2-D posterior by quadrature on a grid.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import optimize, special, stats

import bayesreg as br
from bayesreg import convert
from bayesreg.model import Model
from bayesreg.poisson import Poisson

pytestmark = pytest.mark.usefixtures("one_blas_thread")


def _counts(n=400, d=5, rho=0.6, seed=0, intercept=0.3):
    """Counts from exp(b + Xw) with equicorrelated features (correlation rho)."""
    rng = np.random.default_rng(seed)
    cov = np.full((d, d), rho) + (1 - rho) * np.eye(d)
    X = rng.multivariate_normal(np.zeros(d), cov, size=n)
    w = np.array([0.5, -0.4, 0.0, 0.25, 0.0, 0.1, -0.2, 0.0][:d])
    y = rng.poisson(np.exp(intercept + X @ w)).astype(float)
    return X, y


def _U(theta, X, y, lam2=0.0, lam1=0.0):
    """U(w, b) = Σ (e^η − y·η) + λ1‖w‖₁ + (λ2/2)‖w‖², written out independently."""
    w, b = theta[:-1], theta[-1]
    eta = X @ w + b
    return float(np.sum(np.exp(eta) - y * eta) + lam1 * np.abs(w).sum() + 0.5 * lam2 * w @ w)


def _U_grad(theta, X, y, lam2=0.0):
    w, b = theta[:-1], theta[-1]
    r = np.exp(X @ w + b) - y
    return np.append(X.T @ r + lam2 * w, r.sum())


@pytest.fixture(scope="module")
def randhie():
    """3,000 rows of the RAND health insurance experiment (statsmodels): outpatient visits (counts)."""
    import statsmodels.api as sm

    d = sm.datasets.randhie.load_pandas().data.iloc[:3000]
    X = d.drop(columns="mdvis").to_numpy(float)
    return (X - X.mean(axis=0)) / X.std(axis=0), d["mdvis"].to_numpy(float)


# ---------------------------------------------------------------------------------------
# the likelihood
# ---------------------------------------------------------------------------------------

def test_loglik_rows_is_scipys_poisson_logpmf_and_nll_drops_only_log_y_factorial():
    rng = np.random.default_rng(1)
    y = rng.poisson(3.0, size=50).astype(float)
    eta = rng.normal(1.0, 1.5, size=(4, 50))  # a stack of draws broadcasts against y
    lik = Poisson()
    np.testing.assert_allclose(lik.loglik_rows(y, eta), stats.poisson.logpmf(y, np.exp(eta)), rtol=1e-12)
    for e in eta:
        assert lik.nll(y, e) == pytest.approx(-stats.poisson.logpmf(y, np.exp(e)).sum()
                                              - special.gammaln(y + 1).sum(), rel=1e-12)
    weights = rng.uniform(0, 2, size=50)
    assert lik.nll(y, eta[0], weights) == pytest.approx(weights @ (np.exp(eta[0]) - y * eta[0]), rel=1e-12)
    expected = stats.poisson.logpmf(y, np.exp(eta)).sum(axis=1)
    np.testing.assert_allclose(lik.loglik_total(y, eta.copy()), expected, rtol=1e-12)
    np.testing.assert_allclose(lik.loglik_total(y, eta.copy(), weights),
                               stats.poisson.logpmf(y, np.exp(eta)) @ weights, rtol=1e-12)
    np.testing.assert_allclose(lik.mean(eta), np.exp(eta))


def test_residual_and_curvature_are_the_derivatives_of_nll():
    y = np.array([0.0, 1.0, 4.0, 12.0])
    eta = np.array([-1.3, 0.2, 1.1, 2.6])
    lik = Poisson()
    h = 1e-6
    fd1 = np.array([(lik.nll(y[i:i + 1], eta[i:i + 1] + h) - lik.nll(y[i:i + 1], eta[i:i + 1] - h)) / (2 * h)
                    for i in range(4)])
    np.testing.assert_allclose(lik.residual(y, eta), fd1, rtol=1e-7)
    fd2 = (lik.residual(y, eta + h) - lik.residual(y, eta - h)) / (2 * h)
    np.testing.assert_allclose(lik.curvature(y, eta), fd2, rtol=1e-7)
    assert lik.max_curvature(y) is None  # e^η has no upper bound


def test_overflow_is_plus_infinity_without_a_warning():
    lik = Poisson()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lik.nll(np.array([1.0]), np.array([800.0])) == np.inf
        assert lik.loglik_total(np.array([1.0]), np.array([[800.0]]))[0] == -np.inf


@pytest.mark.parametrize("bad, shown", [(-1.0, "-1.0"), (np.nan, "nan"), (np.inf, "inf")])
def test_bad_targets_are_value_errors_naming_the_value(bad, shown):
    X, y = _counts(n=20, d=2)
    y[3] = bad
    with pytest.raises(ValueError, match=shown):
        Poisson().check_y(y)
    with pytest.raises(ValueError, match=shown if np.isfinite(bad) else "(NaN|infinity)"):
        br.PoissonRegression().fit(X, y)
    est = br.PoissonRegression().fit(X, _counts(n=20, d=2)[1])
    with pytest.raises(ValueError, match=shown if np.isfinite(bad) else "(NaN|infinity)"):
        est.sample_posterior(X, y, sampler="laplace-is")


def test_rates_fit_the_quasi_poisson_map_but_the_posterior_needs_counts():
    """Non-integer y ≥ 0: the MAP is scikit-learn's PoissonRegressor (quasi-Poisson); the posterior refuses."""
    from sklearn.linear_model import PoissonRegressor

    X, y = _counts(n=200, d=3, seed=21)
    rates = y + 0.37
    est = br.PoissonRegression(prior=br.Gaussian(2.0), tol=1e-10).fit(X, rates)
    ref = PoissonRegressor(alpha=2.0 / len(y), tol=1e-12, max_iter=10_000).fit(X, rates)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-6)
    assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-6)
    with pytest.raises(ValueError, match=r"counts .*posterior.*got 0.37|counts .*posterior.*\(row"):
        est.sample_posterior(X, rates, sampler="laplace-is")
    with pytest.raises(ValueError, match="counts"):
        est.laplace_approximation(X, rates)


def test_model_gradient_and_hessian_match_finite_differences():
    X, y = _counts(n=80, d=3, seed=2)
    for center in (True, False):
        m = Model(X, y, Poisson(), br.Gaussian(0.7), fit_intercept=True, center=center)
        theta = np.array([0.3, -0.2, 0.1, 0.4])
        g = m.smooth_gradient(theta)
        H = m.hessian(theta)
        h = 1e-6
        eye = np.eye(4)
        fd_g = np.array([(m.objective(theta + h * e) - m.objective(theta - h * e)) / (2 * h) for e in eye])
        fd_H = np.array([(m.smooth_gradient(theta + h * e) - m.smooth_gradient(theta - h * e)) / (2 * h) for e in eye])
        np.testing.assert_allclose(g, fd_g, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(H, fd_H, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(np.diag(H), m.hessian_diagonal(theta), rtol=1e-12)
    assert m.max_curvature() is None


# ---------------------------------------------------------------------------------------
# the MAP
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("solver", ["fista", "ista", "newton", "gd"])
@pytest.mark.parametrize("lam", [0.0, 2.0])
def test_map_is_scipys_minimum_of_U(solver, lam):
    X, y = _counts(n=120, d=3, seed=3)
    prior = br.Flat() if lam == 0 else br.Gaussian(lam)
    opts = dict(learning_rate=2e-3, max_iter=200_000, tol=1e-8) if solver == "gd" else dict(tol=1e-10)
    est = br.PoissonRegression(prior=prior, solver=solver, **opts).fit(X, y)
    ref = optimize.minimize(_U, np.zeros(4), args=(X, y, lam), jac=lambda t, *a: _U_grad(t, *a), method="BFGS",
                            options={"gtol": 1e-10, "maxiter": 10_000})
    assert est.map_.converged
    np.testing.assert_allclose(est.coef_, ref.x[:3], rtol=1e-6, atol=1e-7)
    assert est.intercept_ == pytest.approx(ref.x[3], abs=1e-7)
    assert est.objective_ == pytest.approx(_U(ref.x, X, y, lam), rel=1e-10)
    np.testing.assert_allclose(est.predict(X), np.exp(X @ est.coef_ + est.intercept_), rtol=1e-12)


@pytest.mark.parametrize("solver", ["fista", "ista", "newton"])
def test_laplace_map_meets_the_kkt_conditions_written_out(solver):
    X, y = _counts(n=200, d=5, seed=4)
    lam = 15.0
    est = br.PoissonRegression(prior=br.Laplace(lam), solver=solver, tol=1e-10).fit(X, y)
    r = np.exp(X @ est.coef_ + est.intercept_) - y
    g = X.T @ r
    scale = np.abs(X.T @ (1 - y)).max()
    assert abs(r.sum()) <= 1e-8 * scale
    nz = est.coef_ != 0
    assert (~nz).any() and nz.any()
    assert np.abs(g[nz] + lam * np.sign(est.coef_[nz])).max() <= 1e-8 * scale
    assert np.all(np.abs(g[~nz]) <= lam * (1 + 1e-8))


@pytest.mark.parametrize("solver", ["fista", "ista", "newton"])
def test_large_counts_steps_that_overflow_are_rejected_silently(solver):
    # counts around e^7 ≈ 1100 with spread-out features: a first step of 1/L from θ = 0
    # (curvature e^0 = 1 there) lands where e^η overflows; the line search must back off
    rng = np.random.default_rng(5)
    X = rng.normal(scale=3.0, size=(150, 2))
    y = rng.poisson(np.exp(7.0 + X @ np.array([0.2, -0.1]))).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning, no ConvergenceWarning
        est = br.PoissonRegression(prior=br.Gaussian(1.0), solver=solver, tol=1e-10).fit(X, y)
    ref = optimize.minimize(_U, np.array([0.0, 0.0, np.log(y.mean())]), args=(X, y, 1.0),
                            jac=lambda t, *a: _U_grad(t, *a), method="BFGS", options={"gtol": 1e-8})
    np.testing.assert_allclose(np.append(est.coef_, est.intercept_), ref.x, rtol=1e-6)


def test_gd_with_too_large_a_rate_raises_divergence_naming_a_rate():
    X, y = _counts(n=100, d=3, seed=6)
    with pytest.raises(br.DivergenceError, match="learning_rate"):
        br.PoissonRegression(solver="gd", learning_rate=5.0, max_iter=50).fit(X, y)


def test_sample_weight_is_copies_of_rows():
    X, y = _counts(n=60, d=3, seed=7)
    w = np.random.default_rng(7).integers(0, 4, size=60)
    a = br.PoissonRegression(prior=br.Laplace(2.0), solver="newton", tol=1e-10).fit(X, y, sample_weight=w)
    rows = np.repeat(np.arange(60), w)
    b = br.PoissonRegression(prior=br.Laplace(2.0), solver="newton", tol=1e-10).fit(X[rows], y[rows])
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)


# ---------------------------------------------------------------------------------------
# convert: scikit-learn's PoissonRegressor and glum
# ---------------------------------------------------------------------------------------

def _datasets(randhie):
    return {"simulated": _counts(n=400, d=5, seed=8), "randhie": randhie}


@pytest.mark.parametrize("which", ["simulated", "randhie"])
def test_sklearn_poisson_regressor_alpha_is_gaussian_n_alpha(which, randhie):
    from sklearn.linear_model import PoissonRegressor

    X, y = _datasets(randhie)[which]
    alpha = 0.02
    sk = PoissonRegressor(alpha=alpha, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    prior = convert.from_poisson_regressor(alpha, n_samples=len(y))
    assert prior == br.Gaussian(alpha * len(y))
    assert convert.to_poisson_regressor(prior, len(y))["alpha"] == pytest.approx(alpha, rel=1e-15)
    ours = br.PoissonRegression(prior=prior, solver="newton", tol=1e-12).fit(X, y)
    np.testing.assert_allclose(ours.coef_, sk.coef_, rtol=1e-6)
    assert ours.intercept_ == pytest.approx(sk.intercept_, rel=1e-6)
    np.testing.assert_allclose(ours.predict(X), sk.predict(X), rtol=1e-6)


_GLUM_PRIORS = {  # (simulated, randhie): on 3,000 rows an L1 part must be stronger to zero some weights
    "gaussian": (br.Gaussian(40.0), br.Gaussian(40.0)),
    "laplace": (br.Laplace(40.0), br.Laplace(1500.0)),
    "elasticnet": (br.ElasticNet(25.0, 30.0), br.ElasticNet(1000.0, 500.0)),
}


@pytest.mark.parametrize("which", ["simulated", "randhie"])
@pytest.mark.parametrize("kind", list(_GLUM_PRIORS))
def test_glum_poisson_with_converted_alpha(which, kind, randhie):
    from glum import GeneralizedLinearRegressor

    X, y = _datasets(randhie)[which]
    prior = _GLUM_PRIORS[kind][which == "randhie"]
    kw = convert.to_glmnet(prior, n_samples=len(y), family="poisson")
    back = convert.from_glmnet(kw["alpha"], kw["l1_ratio"], len(y), family="poisson")
    assert type(back) is type(prior)
    np.testing.assert_allclose(list(back.params().values()), list(prior.params().values()), rtol=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glum's line-search notes near its tolerance
        g = GeneralizedLinearRegressor(family="poisson", **kw, gradient_tol=1e-10, max_iter=1000).fit(X, y)
    ours = br.PoissonRegression(prior=prior, solver="newton", tol=1e-12).fit(X, y)
    np.testing.assert_array_equal(ours.coef_ == 0, g.coef_ == 0)
    if kind != "gaussian":
        assert (ours.coef_ == 0).any()
    np.testing.assert_allclose(ours.coef_, g.coef_, rtol=1e-6, atol=1e-9)
    assert ours.intercept_ == pytest.approx(g.intercept_, rel=1e-6)


def test_poisson_converters_validate():
    with pytest.raises(ValueError, match="L1 part"):
        convert.to_poisson_regressor(br.Laplace(1.0), 10)
    with pytest.raises(ValueError, match="alpha"):
        convert.from_poisson_regressor(-1.0, 10)
    with pytest.raises(ValueError, match="n_samples"):
        convert.from_poisson_regressor(0.1, 0)
    with pytest.raises(ValueError, match="noise sd"):
        convert.from_glmnet(0.1, 0.5, 10, family="poisson", noise_sd=2.0)


# ---------------------------------------------------------------------------------------
# the posterior in 2-D against quadrature
# ---------------------------------------------------------------------------------------

LAM_2D = 1.0


@pytest.fixture(scope="module")
def two_d():
    """One feature + intercept, 30 rows, Gaussian(1) prior; the posterior's moments by quadrature."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=30)
    y = rng.poisson(np.exp(0.5 + 0.8 * x)).astype(float)
    X = x[:, None]
    est = br.PoissonRegression(prior=br.Gaussian(LAM_2D), solver="newton", tol=1e-10).fit(X, y)
    # grid ±8 posterior sd (from the Hessian written out) around the MAP
    mu = np.exp(est.intercept_ + est.coef_[0] * x)
    H = np.array([[mu @ x**2 + LAM_2D, mu @ x], [mu @ x, mu.sum()]])
    sd = np.sqrt(np.diag(np.linalg.inv(H)))
    w = est.coef_[0] + np.linspace(-8, 8, 401) * sd[0]
    b = est.intercept_ + np.linspace(-8, 8, 401) * sd[1]
    W, B = np.meshgrid(w, b, indexing="ij")
    eta = W[..., None] * x + B[..., None]
    U = np.sum(np.exp(eta) - y * eta, axis=-1) + 0.5 * LAM_2D * W**2
    p = np.exp(-(U - U.min()))
    p /= p.sum()
    mean = np.array([(p * W).sum(), (p * B).sum()])
    sds = np.sqrt(np.array([(p * W**2).sum(), (p * B**2).sum()]) - mean**2)
    return X, y, est, mean, sds


def _moments(post):
    c = post["posterior"]["coef"].values.reshape(-1)
    b = post["posterior"]["intercept"].values.reshape(-1)
    return np.array([c.mean(), b.mean()]), np.array([c.std(), b.std()])


@pytest.fixture(scope="module")
def nutpie_2d(two_d):
    X, y, est, *_ = two_d
    return est.sample_posterior(X, y, sampler="nutpie", draws=500, tune=500, chains=2, random_seed=3)


@pytest.mark.parametrize("sampler", ["nutpie", "laplace-is"])
def test_posterior_2d_matches_quadrature(sampler, two_d, nutpie_2d):
    X, y, est, mean, sd = two_d
    if sampler == "nutpie":
        post = nutpie_2d
    else:
        post = est.sample_posterior(X, y, sampler="laplace-is", draws=1000, chains=2, random_seed=4)
        assert post["posterior"].attrs["pareto_k"] < 0.7
    m, s = _moments(post)
    # Monte Carlo error of a mean with ≳ 400 effective draws is ≤ sd/20: allow 4 of those
    np.testing.assert_allclose(m, mean, atol=0.2 * sd.max())
    np.testing.assert_allclose(s, sd, rtol=0.12)
    assert post["posterior"].attrs["sampler"] == sampler
    ll = post["log_likelihood"]["obs"].values  # per row, = SciPy's log pmf at the draws
    c = post["posterior"]["coef"].values[..., 0]
    b = post["posterior"]["intercept"].values
    np.testing.assert_allclose(ll, stats.poisson.logpmf(y, np.exp(c[..., None] * X[:, 0] + b[..., None])),
                               rtol=1e-10)


def test_laplace_approximation_is_gaussian_at_the_map_with_the_inverse_hessian(two_d):
    X, y, est, *_ = two_d
    lap = est.laplace_approximation(X, y, draws=200, random_seed=0)
    approx = lap["approximation"].dataset
    mu = np.exp(est.intercept_ + est.coef_[0] * X[:, 0])
    x = X[:, 0]
    H = np.array([[mu @ x**2 + LAM_2D, mu @ x], [mu @ x, mu.sum()]])
    np.testing.assert_allclose(approx["covariance"].values, np.linalg.inv(H), rtol=1e-6)
    np.testing.assert_allclose(approx["mean"].values, [est.coef_[0], est.intercept_], atol=1e-8)


def test_compare_and_save_load_round_trip(two_d, nutpie_2d, tmp_path):
    X, y, est, *_ = two_d
    table = br.compare(est, nutpie_2d)
    assert list(table.index) == ["x0", "intercept"]
    assert table.loc["x0", "map"] == est.coef_[0]
    assert table.loc["x0", "mean"] == pytest.approx(float(nutpie_2d["posterior"]["coef"].mean()))
    path = tmp_path / "poisson.nc"
    br.save_results(path, est=est, posterior=nutpie_2d, comparison=table)
    loaded = br.load_results(path)
    assert loaded.estimator == "PoissonRegression"
    assert loaded.estimator_params == {k: v for k, v in est.get_params().items() if k in loaded.estimator_params}
    np.testing.assert_array_equal(loaded.map.coef, est.coef_)
    assert loaded.map.intercept == est.intercept_
    assert loaded.prior == br.Gaussian(LAM_2D)
    assert loaded.posterior.identical(nutpie_2d)


@pytest.mark.filterwarnings("ignore:posterior warnings at:UserWarning")  # 2 × 200 draws: ESS < 400, on purpose
def test_lambda_sweep_runs_map_and_posterior(two_d, nutpie_2d):
    X, y, est, *_ = two_d
    lams = [0.1, 1.0, 10.0]
    path = br.sweep(est, X, y, lams, posterior=True, draws=200, tune=300, chains=2, random_seed=1)
    for i, lam in enumerate(lams):
        ref = br.PoissonRegression(prior=br.Gaussian(lam), solver="newton", tol=1e-10).fit(X, y)
        assert float(path["map_coef"].isel(lam=i)[0]) == pytest.approx(ref.coef_[0], abs=1e-5)
    assert int(path["compiled"].sum()) == 0  # the 2-D posterior's compiled model is reused
    assert not path["failed"].any()
    # a stronger prior pulls the posterior mean of the slope towards 0
    means = np.abs(path["mean"].sel(feature="x0").values)
    assert means[-1] < means[0]


# ---------------------------------------------------------------------------------------
# when the MAP does not exist: separated zero counts with a flat prior
# ---------------------------------------------------------------------------------------

def _separated():
    """y = 0 wherever x1 > 0.5: along w1 → −∞ those rates fall to 0 while the other rows do not move."""
    rng = np.random.default_rng(12)
    X = rng.normal(size=(60, 2))
    X[:, 1] = np.where(rng.random(60) < 0.3, rng.uniform(1.0, 2.0, 60), 0.0)
    y = rng.poisson(np.exp(0.4 + 0.5 * X[:, 0])).astype(float)
    y[X[:, 1] > 0.5] = 0.0
    return X, y


def test_separated_zero_counts_with_a_flat_prior_are_a_separation_error():
    X, y = _separated()
    with pytest.raises(br.SeparationError, match="zero counts are separated") as info:
        br.PoissonRegression(prior=br.Flat()).fit(X, y)
    direction = info.value.separation.direction
    eta = np.column_stack([X, np.ones(60)]) @ direction
    assert np.all(eta <= 1e-9) and np.all(np.abs(eta[y > 0]) <= 1e-9) and eta.min() < -1e-3
    # independently: U keeps falling along that direction, so no finite minimum exists
    U = [_U(np.array([0.3, 0.0, 0.2]) + t * direction, X, y) for t in (0.0, 10.0, 20.0, 40.0)]
    assert all(b < a for a, b in zip(U, U[1:]))
    # a proper prior gives a finite MAP; without the separating column the flat-prior MLE exists
    assert np.isfinite(br.PoissonRegression(prior=br.Gaussian(1.0)).fit(X, y).coef_).all()
    assert br.PoissonRegression(prior=br.Flat(), tol=1e-8).fit(X[:, :1], y).map_.converged
    with pytest.raises(br.SeparationError, match="every count is 0"):
        br.PoissonRegression(prior=br.Gaussian(1.0)).fit(X, np.zeros(60))
    assert br.PoissonRegression(prior=br.Gaussian(1.0), intercept_prior=br.Gaussian(0.1)).fit(X, np.zeros(60)).map_.converged


# ---------------------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------------------

@pytest.fixture
def counts_csv(tmp_path):
    import pandas as pd

    X, y = _counts(n=80, d=3, seed=13)
    path = tmp_path / "counts.csv"
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "visits": y.astype(int)}).to_csv(path, index=False)
    return path, X, y


def test_cli_fit_poisson_prints_the_libraries_map(counts_csv, capsys):
    from bayesreg.cli import main

    path, X, y = counts_csv
    assert main(["fit", str(path), "--target", "visits", "--likelihood", "poisson", "--prior", "gaussian",
                 "--lam", "2", "--tol", "1e-10"]) == 0
    out = capsys.readouterr().out
    ref = optimize.minimize(_U, np.zeros(4), args=(X, y, 2.0), jac=lambda t, *a: _U_grad(t, *a), method="BFGS",
                            options={"gtol": 1e-10})
    printed = {line.split()[0]: float(line.split()[1]) for line in out.splitlines()
               if line.split() and line.split()[0] in ("a", "b", "c", "intercept")}
    np.testing.assert_allclose([printed[k] for k in ("a", "b", "c", "intercept")], ref.x, rtol=1e-4, atol=1e-5)


def test_cli_poisson_refuses_a_target_that_is_not_counts(tmp_path, capsys):
    from bayesreg.cli import main

    path = tmp_path / "rates.csv"
    path.write_text("a,rate\n1.0,0\n2.0,1.5\n3.0,2\n")
    assert main(["fit", str(path), "--target", "rate", "--likelihood", "poisson"]) == 2
    err = capsys.readouterr().err
    assert "counts" in err and "1.5" in err and len(err.strip().splitlines()) == 1


def test_cli_compare_poisson(counts_csv, tmp_path, capsys):
    from bayesreg.cli import main

    path, X, y = counts_csv
    out_dir = tmp_path / "cmp"
    assert main(["compare", str(path), "--target", "visits", "--likelihood", "poisson", "--prior", "laplace",
                 "--lam", "3", "--sampler", "laplace-is", "--draws", "500", "--chains", "2", "--out",
                 str(out_dir)]) == 0
    assert (out_dir / "results.nc").is_file()
    loaded = br.load_results(out_dir / "results.nc")
    assert loaded.estimator == "PoissonRegression"
    assert loaded.posterior["posterior"].attrs["sampler"] == "laplace-is"
    capsys.readouterr()


@pytest.mark.slow  # ~10 s of figures; the sweep itself is tested above (test_lambda_sweep_runs_map_and_posterior)
def test_cli_sweep_poisson(counts_csv, tmp_path, capsys):
    from bayesreg.cli import main

    path, X, y = counts_csv
    sweep_dir = tmp_path / "sweep"
    assert main(["sweep", str(path), "--target", "visits", "--likelihood", "poisson", "--prior", "gaussian",
                 "--lams", "0.1:10:4", "--no-full-bayes", "--cv-folds", "3", "--out", str(sweep_dir)]) == 0
    assert (sweep_dir / "sweep.nc").is_file()
    loaded = br.load_sweep(sweep_dir / "sweep.nc")
    for i, lam in enumerate(loaded.sweep["lam"].values):  # each λ's MAP is the library's fit
        ref = br.PoissonRegression(prior=br.Gaussian(float(lam)), tol=1e-6).fit(X, y)
        np.testing.assert_allclose(loaded.sweep["map_coef"].values[i], ref.coef_, atol=1e-4)
    assert np.isfinite(loaded.choice.attrs["lam_eb"])
    capsys.readouterr()


def test_pymc_model_is_exp_minus_U_with_and_without_weights():
    from bayesreg.posterior import build_pymc_model

    X, y = _counts(n=40, d=2, seed=14)
    weights = np.random.default_rng(14).uniform(0.2, 3.0, size=40)
    est = br.PoissonRegression(prior=br.Gaussian(2.0))
    for sw in (None, weights):
        m = build_pymc_model(est, X, y, sample_weight=sw)
        logp = m.compile_logp()
        points = [np.array([0.2, -0.3, 0.1]), np.array([-0.5, 0.4, 0.8])]
        lp = [logp({"coef": t[:2], "intercept": t[2]}) for t in points]

        def U(t):
            eta = X @ t[:2] + t[2]
            rows = np.exp(eta) - y * eta
            return float((rows if sw is None else sw * rows).sum() + t[:2] @ t[:2])  # Gaussian(2): (2/2)‖w‖²

        assert lp[0] - lp[1] == pytest.approx(U(points[1]) - U(points[0]), rel=1e-10)
