"""The noise sd σ of linear regression as a parameter: noise priors, the MAP over (w, b, σ), its posterior.

References are independent of the code under test: SciPy densities and optimizers with U written out
here, finite differences, the exact normal-inverse-gamma posterior, replicated data drawn from the prior.
"""

import math
import warnings

import numpy as np
import pytest
from scipy import optimize, special, stats

import bayesreg as br
from bayesreg import Exponential, Gaussian, HalfCauchy, HalfNormal, Jeffreys, Laplace, LinearRegression
from bayesreg.log_sigma import LogSigma
from bayesreg.noise import noise_prior_from_params
from bayesreg.posterior.problem import Problem
from bayesreg.solvers.noise import sigma_step, sigma_step_numeric

NOISE_PRIORS = [Exponential(0.7), HalfNormal(2.0), HalfCauchy(1.5), Jeffreys()]


def _data(n=60, p=3, sigma=1.5, seed=0, intercept=0.5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    w = np.array([1.0, -2.0, 0.0, 0.5, 0.0][:p])
    return X, X @ w + intercept + sigma * rng.normal(size=n)


# -- noise priors ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("prior,ref", [(Exponential(0.7), stats.expon(scale=1 / 0.7)),
                                       (HalfNormal(2.0), stats.halfnorm(scale=2.0)),
                                       (HalfCauchy(1.5), stats.halfcauchy(scale=1.5))])
def test_noise_prior_densities_are_scipys(prior, ref):
    s = np.array([0.01, 0.3, 1.0, 2.5, 10.0])
    np.testing.assert_allclose(prior.logpdf(s), ref.logpdf(s), rtol=1e-12)
    assert prior.logpdf(-1.0) == -np.inf and prior.logpdf(0.0) == -np.inf


@pytest.mark.parametrize("prior", NOISE_PRIORS)
def test_noise_prior_derivatives_by_finite_differences(prior):
    s, h = np.array([0.4, 1.3, 3.0]), 1e-5
    fd1 = (prior.logpdf(s + h) - prior.logpdf(s - h)) / (2 * h)
    fd2 = (prior.dlogpdf(s + h) - prior.dlogpdf(s - h)) / (2 * h)
    np.testing.assert_allclose(prior.dlogpdf(s), fd1, rtol=1e-6)
    np.testing.assert_allclose(prior.d2logpdf(s), fd2, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("prior", NOISE_PRIORS)
def test_noise_prior_rebuilds_and_describes(prior):
    assert noise_prior_from_params(type(prior).__name__, prior.params()) == prior
    assert type(prior).__name__ in repr(prior) and prior.describe()


@pytest.mark.parametrize("make,exc", [(lambda: Exponential(0.0), ValueError), (lambda: HalfNormal(-1.0), ValueError),
                                      (lambda: HalfCauchy(float("nan")), ValueError),
                                      (lambda: Exponential("1"), TypeError)])
def test_noise_prior_bad_parameters(make, exc):
    with pytest.raises(exc, match="rate|scale"):
        make()


def test_bad_estimator_input():
    X, y = _data()
    with pytest.raises(ValueError, match="noise_prior.*noise_sd"):
        LinearRegression(noise_sd=1.0, noise_prior=Jeffreys()).fit(X, y)
    with pytest.raises(TypeError, match="noise_prior"):
        LinearRegression(noise_prior="jeffreys").fit(X, y)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="noise_sd"):
            LinearRegression(noise_sd=bad).fit(X, y)
    with pytest.raises(TypeError, match="noise_scaled"):
        Gaussian(1.0, noise_scaled="yes")
    with pytest.raises(ValueError, match=r"Laplace\(lam=1.0, noise_scaled=True\).*noise_scaled"):
        br.LogisticRegression(prior=Laplace(1.0, noise_scaled=True)).fit(X, (y > 0).astype(int))


# -- the noise-scaled priors -------------------------------------------------------------------------------

def test_noise_scaled_prior_is_the_density_given_sigma():
    w, sigma = np.array([-1.2, 0.0, 0.4]), 1.7
    g = Gaussian(2.0, noise_scaled=True).given_sigma(sigma)
    np.testing.assert_allclose(g.logpdf(w), stats.norm(0, sigma / math.sqrt(2.0)).logpdf(w), rtol=1e-12)
    lap = Laplace(2.0, noise_scaled=True).given_sigma(sigma)
    np.testing.assert_allclose(lap.logpdf(w), stats.laplace(0, sigma / 2.0).logpdf(w), rtol=1e-12)
    assert "scale multiplied by σ" in Laplace(2.0, noise_scaled=True).describe()
    assert "σ" not in Laplace(2.0).describe()


def test_noise_scaled_is_structure_and_identity():
    a, b = Laplace(2.0), Laplace(2.0, noise_scaled=True)
    assert a != b and a.structure_key() != b.structure_key()
    assert b.with_strength(3.0) == Laplace(3.0, noise_scaled=True)
    assert a.params() == {"lam": 2.0}  # old files (no noise_scaled) still load
    assert br.priors.prior_from_params("Laplace", b.params()) == b


# -- the MAP over (w, b, σ) against SciPy on U written out here --------------------------------------------

def _U(X, y, w, b, sigma, prior, noise_prior):
    """U(w, b, σ) written independently: Σ[(y − η)²/(2σ²) + log σ] − log p(w | σ) − log p(σ) (+ constants)."""
    r = y - X @ w - b
    out = r @ r / (2 * sigma**2) + y.size * math.log(sigma)
    scale = sigma if prior.noise_scaled else 1.0
    if isinstance(prior, Gaussian):
        out -= stats.norm(0, scale / math.sqrt(prior.lam)).logpdf(w).sum()
    else:
        out -= stats.laplace(0, scale / prior.lam).logpdf(w).sum()
    return out - (-math.log(sigma) if isinstance(noise_prior, Jeffreys) else float(noise_prior.logpdf(sigma)))


CASES = [(Gaussian(0.5), Exponential(0.7)), (Gaussian(3.0, noise_scaled=True), Jeffreys()),
         (Gaussian(1.0, noise_scaled=True), HalfNormal(2.0)), (Gaussian(0.2), HalfCauchy(1.5)),
         (Laplace(4.0, noise_scaled=True), Jeffreys()), (Laplace(8.0, noise_scaled=True), Exponential(0.5)),
         (Laplace(6.0), HalfNormal(1.0))]


@pytest.mark.parametrize("prior,noise_prior", CASES, ids=[f"{p!r}-{q!r}" for p, q in CASES])
def test_map_matches_scipy_minimize(prior, noise_prior):
    X, y = _data(seed=3)
    est = LinearRegression(prior=prior, noise_prior=noise_prior, solver="fista", tol=1e-10).fit(X, y)
    assert est.map_.converged and est.map_.sigma_estimated and est.map_.n_outer >= 1
    assert est.noise_sd_ == est.map_.sigma and est.noise_prior_ == noise_prior

    def f(v):
        return _U(X, y, v[:3], v[3], math.exp(v[4]), prior, noise_prior)

    start = np.array([0.0, 0.0, 0.0, 0.0, math.log(np.std(y))])
    method = "L-BFGS-B" if isinstance(prior, Gaussian) else "Powell"
    ref = optimize.minimize(f, start, method=method, options={"xtol": 1e-10, "ftol": 1e-14, "maxiter": 100000}
                            if method == "Powell" else {"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10000})
    ours = f(np.r_[est.coef_, est.intercept_, math.log(est.noise_sd_)])
    assert ours <= ref.fun + 1e-7 * abs(ref.fun)  # ours is at least as low (it is the exact minimum)
    assert ours >= ref.fun - 1e-5 * abs(ref.fun)
    tol = 1e-5 if method == "L-BFGS-B" else 2e-3
    np.testing.assert_allclose(np.r_[est.coef_, est.intercept_, est.noise_sd_],
                               np.r_[ref.x[:4], math.exp(ref.x[4])], atol=tol, rtol=tol)
    if isinstance(prior, Laplace):  # the zeros are exact in ours, near zero in SciPy's
        zero = est.coef_ == 0
        assert zero.any() and np.all(np.abs(ref.x[:3][zero]) < 1e-3) and np.all(np.abs(ref.x[:3][~zero]) > 1e-2)


@pytest.mark.parametrize("prior", [Gaussian(2.0), Gaussian(2.0, noise_scaled=True), Laplace(3.0, noise_scaled=True)])
@pytest.mark.parametrize("noise_prior", [Jeffreys(), Exponential(0.4), HalfNormal(1.5)])
def test_closed_form_sigma_step_is_the_numerical_one(prior, noise_prior):
    X, y = _data(seed=4)
    m = LinearRegression(prior=prior, noise_prior=noise_prior).fit(X, y).to_model(X, y)
    theta = m.theta_from(np.array([0.8, -1.5, 0.3]), 0.2)  # not the MAP: any θ
    closed, numeric = sigma_step(m, theta), sigma_step_numeric(m, theta)
    assert closed == pytest.approx(numeric, rel=1e-6)  # a 1-D minimization by values: √ε-accurate
    assert noise_prior.stationary_sigma(*m.sigma_terms(theta, m.linear_predictor(theta))) == closed


def test_fixed_sigma_is_the_known_sigma_model():
    X, y = _data(seed=5)
    est = LinearRegression(prior=Gaussian(2.0), noise_sd=0.8, solver="newton", tol=1e-12).fit(X, y)
    assert est.noise_prior_ is None and est.noise_sd_ == 0.8 and not est.map_.sigma_estimated
    Xc = np.column_stack([X, np.ones(len(y))])
    A = Xc.T @ Xc / 0.8**2 + np.diag([2.0, 2.0, 2.0, 0.0])  # ridge with a flat intercept, closed form
    np.testing.assert_allclose(np.r_[est.coef_, est.intercept_], np.linalg.solve(A, Xc.T @ y / 0.8**2), rtol=1e-9)
    # noise-scaled with a fixed σ: the prior N(0, σ²/λ)
    est2 = LinearRegression(prior=Gaussian(2.0, noise_scaled=True), noise_sd=0.8, solver="newton", tol=1e-12).fit(X, y)
    A2 = Xc.T @ Xc / 0.8**2 + np.diag([2.0 / 0.64] * 3 + [0.0])
    np.testing.assert_allclose(est2.coef_, np.linalg.solve(A2, Xc.T @ y / 0.8**2)[:3], rtol=1e-9)


def test_default_noise_prior_is_exponential_one_over_sd_y_weighted():
    X, y = _data(seed=6)
    est = LinearRegression().fit(X, y)
    assert est.noise_prior_ == Exponential(1.0 / np.std(y)) and est.noise_prior is None
    sw = np.arange(1.0, y.size + 1)
    est_w = LinearRegression().fit(X, y, sample_weight=sw)
    mean = sw @ y / sw.sum()
    assert est_w.noise_prior_.rate == pytest.approx(1.0 / math.sqrt(sw @ (y - mean) ** 2 / sw.sum()))
    assert "1/sd(y)" in est.noise_description() and "σ = " in repr(est.map_)


def test_exact_fit_warns_that_sigma_has_no_map():
    X, _ = _data(n=10, p=3)
    with pytest.warns(br.ConvergenceWarning, match="MAP of σ does not exist"):
        est = LinearRegression(prior=Gaussian(1.0), tol=1e-10).fit(X, X @ np.array([1.0, 2.0, 3.0]))
    assert not est.map_.converged


# -- U in (w, b, log σ): gradient and Hessian by finite differences ----------------------------------------

@pytest.mark.parametrize("prior,noise_prior", [(Gaussian(0.5), HalfCauchy(1.0)), (Laplace(3.0, noise_scaled=True),
                                                                                    Exponential(0.5))])
def test_log_sigma_gradient_and_hessian(prior, noise_prior):
    X, y = _data(seed=7)
    est = LinearRegression(prior=prior, noise_prior=noise_prior).fit(X, y)
    problem = Problem.from_estimator(est, X, y)
    target = problem.target
    assert isinstance(target, LogSigma)
    theta = problem.theta() + np.array([0.05, -0.03, 0.1, 0.02, 0.1])  # no weight crosses 0
    theta[2] = 0.3 if theta[2] == 0 else theta[2]
    l1 = target.l1_weights(theta)
    f = lambda t: target.objective(t)  # noqa: E731
    g = target.smooth_gradient(theta) + l1 * np.sign(theta)
    h = 1e-6
    E = np.eye(theta.size)
    fd = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in E])
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-6)
    grad = lambda t: target.smooth_gradient(t) + target.l1_weights(t) * np.sign(t)  # noqa: E731
    fdH = np.array([(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in E])
    np.testing.assert_allclose(target.hessian(theta), fdH, rtol=1e-4, atol=1e-4)
    # the draws' log posterior (normalized densities) is −U_s up to a constant
    thetas = np.array([theta, theta + 0.01, theta - 0.02])
    lp = problem.log_posterior(thetas)
    np.testing.assert_allclose(lp - lp[0], [-(f(t) - f(theta)) for t in thetas], rtol=1e-8, atol=1e-8)


# -- the posterior: exact normal-inverse-gamma, coverage ----------------------------------------------------

def _nig(X, y, lam):
    """Exact posterior of w ~ N(0, σ²/λ), p(σ) ∝ 1/σ, no intercept: w | y ~ t_n(m, S/n·V), σ² | y ~ IG(n/2, S/2)."""
    n, p = X.shape
    V = np.linalg.inv(X.T @ X + lam * np.eye(p))
    m = V @ X.T @ y
    S = y @ y - m @ (X.T @ X + lam * np.eye(p)) @ m
    a, b = n / 2, S / 2
    w_sd = np.sqrt(S / (n - 2) * np.diag(V))
    e_sigma = math.sqrt(b) * math.exp(special.gammaln(a - 0.5) - special.gammaln(a))
    sigma_sd = math.sqrt(b / (a - 1) - e_sigma**2)
    return m, w_sd, e_sigma, sigma_sd


@pytest.mark.parametrize("sampler", ["laplace-is", "laplace"])
def test_posterior_is_the_exact_normal_inverse_gamma(sampler):
    X, y = _data(n=40, seed=8, intercept=0.0)
    est = LinearRegression(prior=Gaussian(2.0, noise_scaled=True), noise_prior=Jeffreys(), fit_intercept=False,
                           solver="newton", tol=1e-10).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.posterior.PosteriorWarning)
        tree = (est.sample_posterior(X, y, draws=1000, chains=4, sampler="laplace-is", random_seed=1)
                if sampler == "laplace-is" else est.laplace_approximation(X, y, draws=4000, random_seed=1))
    m, w_sd, e_sigma, sigma_sd = _nig(X, y, 2.0)
    W = tree.posterior["coef"].values.reshape(-1, 3)
    S = tree.posterior["sigma"].values.ravel()
    assert tree.posterior["sigma"].dims == ("chain", "draw") and "sigma" in tree["log_prior"].dataset
    if sampler == "laplace-is":  # exact up to Monte Carlo error (ESS ≥ 400 of 4000 draws: 5 sd/√400)
        np.testing.assert_array_less(np.abs(W.mean(axis=0) - m), 0.25 * w_sd)
        np.testing.assert_allclose(W.std(axis=0), w_sd, rtol=0.1)
        assert S.mean() == pytest.approx(e_sigma, abs=0.25 * sigma_sd)
        assert S.std() == pytest.approx(sigma_sd, rel=0.12)
    else:  # N(mode, H⁻¹) in (w, log σ): the joint mode is w = m, σ² = S/(n + p); H = diag(V⁻¹/σ², 2(n + p))
        n, p = X.shape
        A = X.T @ X + 2.0 * np.eye(p)
        S_ = y @ y - m @ A @ m
        s2 = S_ / (n + p)
        approx = tree["approximation"].dataset
        assert list(approx["parameter"].values)[-1] == "log_sigma"
        np.testing.assert_allclose(approx["mean"].values, np.r_[m, 0.5 * math.log(s2)], rtol=1e-8, atol=1e-10)
        cov = np.zeros((p + 1, p + 1))
        cov[:p, :p] = s2 * np.linalg.inv(A)
        cov[p, p] = 1.0 / (2 * (n + p))
        np.testing.assert_allclose(approx["covariance"].values, cov, rtol=1e-6, atol=1e-12)


def test_intervals_cover_the_truth_over_replicated_data():
    """90% intervals of w and σ from data drawn from the prior cover the truth about 90% of the time."""
    rng = np.random.default_rng(11)
    lam, n, p, reps = 1.0, 25, 2, 40
    noise_prior = HalfNormal(1.0)
    hits = []
    for r in range(reps):
        sigma = abs(rng.normal())
        w = rng.normal(0.0, sigma / math.sqrt(lam), p)
        X = rng.normal(size=(n, p))
        y = X @ w + sigma * rng.normal(size=n)
        est = LinearRegression(prior=Gaussian(lam, noise_scaled=True), noise_prior=noise_prior, fit_intercept=False,
                               solver="newton").fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", br.posterior.PosteriorWarning)
            tree = est.sample_posterior(X, y, draws=250, chains=4, sampler="laplace-is", random_seed=r)
        W = tree.posterior["coef"].values.reshape(-1, p)
        S = tree.posterior["sigma"].values.ravel()
        lo, hi = np.quantile(W, [0.05, 0.95], axis=0)
        hits.extend((lo <= w) & (w <= hi))
        slo, shi = np.quantile(S, [0.05, 0.95])
        hits.append(slo <= sigma <= shi)
    coverage = float(np.mean(hits))
    assert 0.75 <= coverage <= 0.98, coverage


# -- compare, identity, sweeps, save/load ------------------------------------------------------------------

@pytest.fixture(scope="module")
def fitted_with_posterior():
    X, y = _data(n=80, seed=12)
    est = LinearRegression(prior=Laplace(2.0, noise_scaled=True), noise_prior=Exponential(0.5)).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.posterior.PosteriorWarning)
        tree = est.sample_posterior(X, y, draws=500, chains=2, sampler="laplace-is", random_seed=0)
    return X, y, est, tree


def test_compare_has_a_sigma_row(fitted_with_posterior):
    X, y, est, tree = fitted_with_posterior
    table = br.compare(est, tree, prob=0.9)
    assert list(table.index)[-1] == "sigma"
    row = table.loc["sigma"]
    S = tree.posterior["sigma"].values.ravel()
    assert row["map"] == est.noise_sd_ and row["mean"] == pytest.approx(S.mean())
    assert row["median"] == pytest.approx(np.median(S)) and row["hdi_low"] < row["map"] < row["hdi_high"]
    assert math.isnan(row["p_positive"]) and math.isnan(row["p_near_zero"])
    assert "σ estimated" in table.attrs["noise"]
    # the posterior of another noise prior is another model
    other = LinearRegression(prior=Laplace(2.0, noise_scaled=True), noise_prior=HalfNormal(3.0)).fit(X, y)
    with pytest.raises(ValueError, match="noise_prior"):
        br.compare(other, tree)
    fixed = LinearRegression(prior=Laplace(2.0, noise_scaled=True), noise_sd=1.0).fit(X, y)
    with pytest.raises(ValueError, match="another model"):
        br.compare(fixed, tree)


def test_attrs_and_save_load_round_trip(fitted_with_posterior, tmp_path):
    X, y, est, tree = fitted_with_posterior
    a = tree.posterior.attrs
    assert a["sigma_estimated"] == 1 and a["noise_prior_kind"] == "Exponential" and a["map_sigma"] == est.noise_sd_
    assert "noise_scaled" in a["prior_params"]
    path = tmp_path / "r.nc"
    br.save_results(path, est=est, posterior=tree, comparison=br.compare(est, tree))
    loaded = br.load_results(path)
    assert loaded.noise_prior == Exponential(0.5) and loaded.prior == Laplace(2.0, noise_scaled=True)
    assert loaded.map.sigma == est.noise_sd_ and loaded.map.sigma_estimated
    np.testing.assert_array_equal(loaded.posterior.posterior["sigma"].values, tree.posterior["sigma"].values)
    assert loaded.comparison.loc["sigma", "map"] == est.noise_sd_


def test_sweep_records_sigma_per_lambda():
    X, y = _data(n=50, seed=13)
    est = LinearRegression(prior=Gaussian(1.0, noise_scaled=True), noise_prior=Jeffreys(), solver="newton", tol=1e-10)
    lams = np.array([0.1, 1.0, 10.0])
    ds = br.sweep(est, X, y, lams)
    for i, lam in enumerate(lams):
        ref = LinearRegression(prior=Gaussian(lam, noise_scaled=True), noise_prior=Jeffreys(), solver="newton",
                               tol=1e-10).fit(X, y)
        assert ds["map_sigma"].values[i] == pytest.approx(ref.noise_sd_, rel=1e-7)
    assert "σ estimated" in ds.attrs["noise"]
    fixed = br.sweep(LinearRegression(noise_sd=1.0), X, y, lams)
    assert "map_sigma" not in fixed and fixed.attrs["noise"] == "σ fixed at 1"


@pytest.mark.slow
def test_posterior_sweep_records_sigma_against_the_exact_posterior():
    """nutpie at every λ: the posterior mean of σ is the normal-inverse-gamma one (flat intercept: a = (n − 1)/2)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    y = X @ [1.0, -1.0] + 2.0 * rng.normal(size=50)
    lams = [0.1, 1.0, 10.0]
    est = LinearRegression(prior=Gaussian(1.0, noise_scaled=True), noise_prior=Jeffreys(), solver="newton")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = br.sweep(est, X, y, lams, posterior=True, draws=500, tune=500, chains=2, random_seed=0)
    n, p = X.shape
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    for i, lam in enumerate(lams):
        A = Xc.T @ Xc + lam * np.eye(p)
        m = np.linalg.solve(A, Xc.T @ yc)
        a, b = (n - 1) / 2, (yc @ yc - m @ A @ m) / 2
        e_sigma = math.sqrt(b) * math.exp(special.gammaln(a - 0.5) - special.gammaln(a))
        sd = math.sqrt(b / (a - 1) - e_sigma**2)
        assert ds["sigma_mean"].values[i] == pytest.approx(e_sigma, abs=4 * sd / math.sqrt(300))
        assert ds["sigma_sd"].values[i] == pytest.approx(sd, rel=0.2)
        assert np.isnan(ds["sigma_p_positive"].values[i]) and np.isfinite(ds["map_sigma"].values[i])


def test_compile_key_has_the_noise_prior_kind_and_its_parameters_are_data():
    from bayesreg.posterior.pymc_model import build, data_values, structure_key

    X, y = _data(seed=14)

    def problem(**kw):
        return Problem.from_estimator(LinearRegression(**kw).fit(X, y), X, y)

    a, b = problem(noise_prior=HalfNormal(1.0)), problem(noise_prior=HalfNormal(3.0))
    c, fixed = problem(noise_prior=HalfCauchy(1.0)), problem(noise_sd=1.0)
    scaled = problem(prior=Gaussian(1.0, noise_scaled=True), noise_prior=HalfNormal(1.0))
    assert structure_key(a) == structure_key(b)
    assert len({structure_key(a), structure_key(c), structure_key(fixed), structure_key(scaled)}) == 4
    assert data_values(b)["sigma_scale"] == 3.0 and "obs_noise_sd" in data_values(fixed)
    m = build(scaled)
    assert {"sigma", "coef", "intercept"} <= set(m.named_vars) and "sigma_scale" in {v.name for v in m.data_vars}
    assert [v.name for v in m.value_vars][0] == "sigma_log__"  # σ first: the starting points' order


def test_sample_weights_are_repeated_rows_for_sigma_too():
    X, y = _data(n=30, seed=15)
    sw = np.arange(30) % 3 + 1.0
    rows = np.repeat(np.arange(30), sw.astype(int))
    for prior in (Gaussian(1.0), Laplace(2.0, noise_scaled=True)):
        a = LinearRegression(prior=prior, solver="newton", tol=1e-12).fit(X, y, sample_weight=sw)
        b = LinearRegression(prior=prior, solver="newton", tol=1e-12).fit(X[rows], y[rows])
        assert a.noise_prior_ == b.noise_prior_
        np.testing.assert_allclose(np.r_[a.coef_, a.intercept_, a.noise_sd_], np.r_[b.coef_, b.intercept_, b.noise_sd_],
                                   rtol=1e-8, atol=1e-10)
        pa, pb = Problem.from_estimator(a, X, y, sw), Problem.from_estimator(b, X[rows], y[rows])
        t = pa.theta() + 0.05
        assert pa.log_posterior(t[None])[0] == pytest.approx(pb.log_posterior(t[None])[0], rel=1e-10)
