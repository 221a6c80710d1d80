"""StudentT and Cauchy priors: density, penalty, prox, MAP, Hessian, posterior, save/load, sweep, CLI.

Independent references: scipy.stats.t / cauchy densities, finite differences,
scipy.optimize (minimize_scalar for the prox, minimize for the MAP, on U written
here), numerical quadrature of a one-weight posterior, and Gaussian(λ) as ν → ∞.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.optimize as so
import scipy.stats as st

from bayesreg import Cauchy, Gaussian, LinearRegression, LogisticRegression, StudentT
from bayesreg.model import Model
from bayesreg.priors import as_prior, prior_from_params

DFS = [0.5, 1.0, 3.0, 30.0]
LAMS = [0.04, 1.0, 25.0]


# -- data ---------------------------------------------------------------------------------------

def _logistic_data(n=60, p=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + 0.3
    w = np.array([2.0, -1.5, 0.0, 0.5, 1.0, -1.0][:p])
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w + 0.4)))).astype(float)
    return X, y


def _linear_data(n=40, p=4, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + 1.0
    y = X @ np.array([1.5, -2.0, 0.0, 0.3, 1.0][:p]) - 0.7 + 0.8 * rng.normal(size=n)
    return X, y


def _t_penalty(w, nu, lam):
    """((ν+1)/2)·Σ log(1 + λw²/ν) and its gradient, written out here independently of the package."""
    return 0.5 * (nu + 1) * np.sum(np.log1p(lam * w**2 / nu)), (nu + 1) * lam * w / (nu + lam * w**2)


def _reference_map(X, y, nu, lam, kind, sigma=1.0):
    """scipy.optimize.minimize of U(w, b) from 0, with U and its gradient written in the test."""

    def U(theta):
        w, b = theta[:-1], theta[-1]
        eta = X @ w + b
        if kind == "logistic":
            f, r = np.sum(np.logaddexp(0.0, eta) - y * eta), 1.0 / (1.0 + np.exp(-eta)) - y
        else:
            f, r = np.sum((y - eta) ** 2) / (2 * sigma**2), (eta - y) / sigma**2
        pen, gpen = _t_penalty(w, nu, lam)
        return f + pen, np.append(X.T @ r + gpen, r.sum())

    res = so.minimize(U, np.zeros(X.shape[1] + 1), jac=True, method="BFGS", options={"gtol": 1e-11, "maxiter": 10_000})
    return res.x


# -- the density and its pieces ---------------------------------------------------------------------

@pytest.mark.parametrize("nu", DFS)
@pytest.mark.parametrize("lam", LAMS)
def test_logpdf_matches_scipy_t(nu, lam):
    prior = StudentT(nu, lam)
    w = np.array([-1e3, -30.0, -2.5, -0.1, 0.0, 0.3, 1.0, 7.0, 1e4])
    np.testing.assert_allclose(prior.logpdf(w), st.t(nu, scale=1 / math.sqrt(lam)).logpdf(w), rtol=1e-12, atol=1e-12)
    # the penalty is −log p without its constant
    diffs = [prior.penalty(np.array([x])) + float(prior.logpdf(np.array([x]))[0]) for x in w]
    np.testing.assert_allclose(diffs, diffs[0], atol=1e-9)


def test_cauchy_is_student_t_with_one_df():
    lam = 0.16
    c, t = Cauchy(lam), StudentT(1, lam)
    w = np.linspace(-40, 40, 17)
    np.testing.assert_allclose(c.logpdf(w), st.cauchy(scale=2.5).logpdf(w), rtol=1e-12)
    assert c == t and hash(c) == hash(t) and c != StudentT(1, 0.2) and c != Gaussian(lam)
    assert t.simplest() == c and type(t.simplest()) is Cauchy and type(StudentT(2, lam).simplest()) is StudentT
    assert c.penalty(w) == t.penalty(w)
    np.testing.assert_array_equal(c.gradient(w), t.gradient(w))
    np.testing.assert_array_equal(c.prox(w, 3.0), t.prox(w, 3.0))
    assert "Cauchy" in c.describe() and "scale 2.5" in c.describe() and "variance infinite (df ≤ 2)" in c.describe()
    assert repr(c) == "Cauchy(lam=0.16)" and c.params() == {"lam": 0.16}


@pytest.mark.parametrize("nu, lam", [(0.5, 4.0), (1.0, 1.0), (4.0, 0.3), (50.0, 2.0)])
def test_gradient_and_curvature_match_finite_differences(nu, lam):
    prior = StudentT(nu, lam)
    w = np.array([-9.0, -2.0, -0.7, 0.0, 0.05, 1.3, 3.0, 12.0]) / math.sqrt(lam)
    h = 1e-6 / math.sqrt(lam)
    fd = np.array([(prior.penalty(np.array([x + h])) - prior.penalty(np.array([x - h]))) / (2 * h) for x in w])
    np.testing.assert_allclose(prior.gradient(w), fd, rtol=1e-6, atol=1e-8 * lam)
    fd2 = (prior.gradient(w + h) - prior.gradient(w - h)) / (2 * h)
    np.testing.assert_allclose(prior.curvature_at(w), fd2, rtol=1e-5, atol=1e-6 * lam)
    # the constant curvature() is the largest one (at 0), the bound step sizes need
    grid = np.linspace(-50, 50, 20001) / math.sqrt(lam)
    assert prior.curvature() == pytest.approx(prior.curvature_at(grid).max(), rel=1e-12)
    assert prior.curvature_at(grid).min() == pytest.approx(-(nu + 1) * lam / (8 * nu), rel=1e-4)
    assert np.all(np.isfinite(prior.gradient(np.array([1e200, -1e300])))) and prior.penalty(np.array([1e300])) < np.inf


@pytest.mark.parametrize("nu, lam", [(0.5, 4.0), (1.0, 1.0), (3.0, 0.2), (30.0, 5.0)])
@pytest.mark.parametrize("step", [0.01, 0.7, 5.0, 60.0])
def test_prox_is_the_global_minimizer_of_its_objective(nu, lam, step):
    """Against minimize_scalar on each piece of a fine grid (the objective is non-convex for large steps)."""
    prior = StudentT(nu, lam)
    rng = np.random.default_rng(3)
    v = np.concatenate([rng.normal(size=12) * 4 / math.sqrt(lam), [0.0, -1e-9, 250.0 / math.sqrt(lam)]])
    out = prior.prox(v, step)
    assert out.shape == v.shape
    for vi, wi in zip(v, out):
        def obj(x):
            return _t_penalty(np.array([x]), nu, lam)[0] + (x - vi) ** 2 / (2 * step)

        grid = np.linspace(min(vi, 0.0), max(vi, 0.0), 401)
        i = int(np.argmin([obj(x) for x in grid]))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, 400)]
        ref = so.minimize_scalar(obj, bounds=(lo, hi), method="bounded", options={"xatol": 1e-13}).x if hi > lo else lo
        assert obj(wi) <= obj(ref) + 1e-12 * (1 + abs(obj(ref)))
        assert wi == pytest.approx(ref, abs=1e-6 * (1 + abs(vi)))


def test_prox_picks_the_lower_of_two_local_minima():
    """Cauchy, λ = 1, step 20: the prox objective has two local minima; the prox is the lower one."""
    prior = Cauchy(1.0)
    sides = set()
    for v in (13.0, 14.0, 15.0, 18.0, 21.0):
        obj = lambda x, v=v: math.log1p(x * x) + (x - v) ** 2 / 40.0  # noqa: E731
        grid = np.linspace(0.0, v, 20001)
        vals = np.array([obj(x) for x in grid])
        inner = np.flatnonzero((vals[1:-1] < vals[:-2]) & (vals[1:-1] < vals[2:])) + 1
        assert len(inner) == 2  # the premise: two local minima
        found = [so.minimize_scalar(obj, bounds=(grid[i - 1], grid[i + 1]), method="bounded",
                                    options={"xatol": 1e-13}) for i in inner]
        best = min(found, key=lambda r: r.fun)
        sides.add(best is found[1])
        ours = float(prior.prox(np.array([v]), 20.0)[0])
        assert ours == pytest.approx(best.x, abs=1e-6) and obj(ours) <= best.fun + 1e-14
        assert float(prior.prox(np.array([-v]), 20.0)[0]) == -ours
    assert sides == {False, True}  # both the inner and the outer minimum win somewhere


def test_variance_sd_scale_and_description():
    p = StudentT(5, 2.0)
    assert p.variance == pytest.approx(st.t(5, scale=1 / math.sqrt(2.0)).var(), rel=1e-12)
    assert p.sd == pytest.approx(math.sqrt(p.variance)) and p.scale == pytest.approx(1 / math.sqrt(2.0))
    assert "precision of the scale λ = 2" in p.describe() and "scale 1/√λ = 0.707" in p.describe()
    assert "df ν = 5" in p.describe() and "local mode" in p.describe()
    for nu in (0.5, 1.0, 2.0):
        q = StudentT(nu, 1.0)
        assert q.variance == math.inf and q.sd == math.inf and "variance infinite (df ≤ 2)" in q.describe()
    assert StudentT(2.5, 1.0).variance == pytest.approx(st.t(2.5).var())
    assert StudentT(3, 1.0).convex is False and Gaussian(1.0).convex is True


@pytest.mark.parametrize("args, name, bad", [((0.0, 1.0), "df", "0.0"), ((-2.0, 1.0), "df", "-2.0"),
                                             ((math.inf, 1.0), "df", "inf"), ((math.nan, 1.0), "df", "nan"),
                                             ((3.0, -1.0), "lam", "-1.0"), ((3.0, 0.0), "lam", "0.0"),
                                             ((3.0, math.inf), "lam", "inf"), ((3.0, 1e300), "lam", "1e+300")])
def test_bad_df_and_lam_are_value_errors_naming_them(args, name, bad):
    with pytest.raises(ValueError, match=name) as info:
        StudentT(*args)
    assert bad in str(info.value)
    if args[0] == 3.0:
        with pytest.raises(ValueError, match=name):
            Cauchy(args[1])
    with pytest.raises(TypeError, match="df"):
        StudentT("3", 1.0)


def test_rebuild_from_params_strength_and_scale_law():
    for prior in (StudentT(4.0, 0.5), Cauchy(0.16)):
        again = prior_from_params(type(prior).__name__, prior.params())
        assert again == prior and type(again) is type(prior)
        stronger = prior.with_strength(4 * prior.lam)
        assert type(stronger) is type(prior) and stronger.df == prior.df
        assert stronger.scale == pytest.approx(prior.scale / 2)  # scale ∝ λ^(−½)
        assert prior.scale_power()[0] == 0.5 and prior.strength == prior.lam
        assert "scale 1/√λ" in prior.strength_meaning()
    assert as_prior(Cauchy(1.0)) == Cauchy(1.0)
    with pytest.raises(TypeError, match="StudentT, Cauchy"):
        as_prior("cauchy")


# -- the MAP -------------------------------------------------------------------------------------------

SOLVER_OPTIONS = {"gd": {"max_iter": 200_000}, "ista": {}, "fista": {}, "newton": {}}


def _gd_rate(X, curvature, prior):
    """1/L for gd: L = c_max·‖[X, 1]‖² + the prior's largest curvature (computed here with numpy)."""
    A = np.column_stack([X, np.ones(len(X))])
    return 1.0 / (curvature * np.linalg.norm(A, 2) ** 2 + prior.curvature())


@pytest.mark.parametrize("solver", sorted(SOLVER_OPTIONS))
@pytest.mark.parametrize("kind, prior", [("logistic", StudentT(3.0, 1.0)), ("logistic", Cauchy(0.16)),
                                         ("linear", StudentT(0.7, 2.0)), ("linear", Cauchy(4.0))])
def test_map_matches_scipy_minimize_from_zero(kind, prior, solver):
    options = dict(SOLVER_OPTIONS[solver])
    if kind == "logistic":
        X, y = _logistic_data()
        if solver == "gd":
            options["learning_rate"] = _gd_rate(X, 0.25, prior)
        est = LogisticRegression(prior=prior, solver=solver, tol=1e-10, **options)
    else:
        X, y = _linear_data()
        if solver == "gd":
            options["learning_rate"] = _gd_rate(X, 1 / 0.8**2, prior)
        est = LinearRegression(prior=prior, noise_sd=0.8, solver=solver, tol=1e-10, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning
        est.fit(X, y)
    ref = _reference_map(X, y, prior.df, prior.lam, kind, sigma=0.8)
    np.testing.assert_allclose(np.append(est.coef_, est.intercept_), ref, rtol=0, atol=2e-7)
    res = est.map_
    assert res.converged and res.local_mode and "local mode" in repr(res)


def test_gaussian_prior_map_is_not_a_local_mode():
    X, y = _logistic_data()
    res = LogisticRegression(prior=Gaussian(1.0)).fit(X, y).map_
    assert res.local_mode is False and "local mode" not in repr(res)


def test_large_df_gives_the_gaussian_map():
    X, y = _logistic_data()
    for solver in ("fista", "newton"):
        t = LogisticRegression(prior=StudentT(1e9, 0.7), solver=solver, tol=1e-10).fit(X, y)
        g = LogisticRegression(prior=Gaussian(0.7), solver=solver, tol=1e-10).fit(X, y)
        np.testing.assert_allclose(t.coef_, g.coef_, atol=1e-7)
        assert t.intercept_ == pytest.approx(g.intercept_, abs=1e-7)


def test_two_local_modes_the_solvers_report_the_one_reached_from_zero():
    """One weight, a strong Cauchy prior and data pulling to about 6: U has a mode near 0 and one near 6."""
    x = np.ones((10, 1))
    y = np.full(10, 6.0)
    prior = Cauchy(100.0)
    u = lambda w: np.sum((y - w) ** 2) / 2 / 9.0 + math.log1p(100.0 * w * w)  # noqa: E731  (σ = 3)
    grid = np.linspace(-1, 8, 9001)
    vals = np.array([u(w) for w in grid])
    minima = grid[1:-1][(vals[1:-1] < vals[:-2]) & (vals[1:-1] < vals[2:])]
    assert len(minima) == 2  # the test's premise: two local modes
    near_zero = so.minimize_scalar(u, bounds=(minima[0] - 0.5, minima[0] + 0.5), method="bounded",
                                   options={"xatol": 1e-12}).x
    far = so.minimize_scalar(u, bounds=(minima[1] - 0.5, minima[1] + 0.5), method="bounded",
                             options={"xatol": 1e-12}).x
    for solver, options in (("gd", {"learning_rate": 0.009, "max_iter": 100_000}), ("ista", {}), ("fista", {}),
                            ("newton", {})):
        est = LinearRegression(prior=prior, noise_sd=3.0, fit_intercept=False, solver=solver, tol=1e-10, **options)
        est.fit(x, y)
        assert est.coef_[0] == pytest.approx(near_zero, abs=1e-7) and est.map_.local_mode
        est.fit_encoded(x, y, coef_init=np.array([5.0]))
        assert est.coef_[0] == pytest.approx(far, abs=1e-6)


# -- second order: the Hessian, the Laplace approximation --------------------------------------------

def _fd_hessian(fun, theta, h=1e-5):
    n = theta.size
    H = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        H[:, j] = (fun(theta + e) - fun(theta - e)) / (2 * h)
    return 0.5 * (H + H.T)


@pytest.mark.parametrize("center", [True, False])
def test_model_hessian_is_exact_at_theta(center):
    from bayesreg.likelihoods import Bernoulli

    X, y = _logistic_data()
    prior = StudentT(2.0, 1.5)
    model = Model(X, y, Bernoulli(), prior, intercept_prior=Cauchy(0.5) if not center else None, center=center)
    theta = np.array([3.0, -0.2, 1.4, -2.6, 0.3])  # some weights where the penalty is concave
    assert np.any(prior.curvature_at(theta[:-1]) < 0)
    H = model.hessian(theta)
    np.testing.assert_allclose(H, _fd_hessian(model.smooth_gradient, theta), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(model.hessian_diagonal(theta), np.diag(H), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model.hessian(theta, index=np.array([3, 1])), H[np.ix_([3, 1], [3, 1])], rtol=1e-12)
    assert model.convex is False


def test_laplace_approximation_uses_the_hessian_of_U_at_the_map():
    from bayesreg.posterior import laplace_approximation

    X, y = _logistic_data()
    prior = StudentT(3.0, 0.8)
    est = LogisticRegression(prior=prior, solver="newton", tol=1e-12).fit(X, y)

    def U(theta):  # written here, in (w, b)
        w, b = theta[:-1], theta[-1]
        eta = X @ w + b
        return np.sum(np.logaddexp(0.0, eta) - y * eta) + _t_penalty(w, 3.0, 0.8)[0]

    theta = np.append(est.coef_, est.intercept_)
    h = 1e-4
    n = theta.size
    H = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.eye(n)[i] * h, np.eye(n)[j] * h
            H[i, j] = (U(theta + ei + ej) - U(theta + ei - ej) - U(theta - ei + ej) + U(theta - ei - ej)) / (4 * h * h)
    tree = laplace_approximation(est, X, y, draws=4, random_seed=0)
    cov = tree["approximation"]["covariance"].values
    np.testing.assert_allclose(cov, np.linalg.inv(H), rtol=2e-5, atol=1e-8)
    np.testing.assert_allclose(tree["approximation"]["mean"].values, theta, atol=1e-8)


# -- the posterior (PyMC) --------------------------------------------------------------------------------

FAST = {"mode": "FAST_COMPILE"}


@pytest.mark.parametrize("prior", [StudentT(2.5, 0.7), Cauchy(0.3)])
def test_pymc_logp_is_minus_U_plus_const(prior):
    from bayesreg.posterior import build_pymc_model

    X, y = _logistic_data(30)
    est = LogisticRegression(prior=prior, intercept_prior=StudentT(4.0, 0.1)).fit(X, y)
    m = build_pymc_model(est, X, y)
    data = {d.name: float(d.get_value()) for d in m.data_vars if d.name not in ("X", "y")}
    expected = {"coef_lam": prior.lam, "intercept_df": 4.0, "intercept_lam": 0.1}
    if type(prior) is StudentT:
        expected["coef_df"] = prior.df
    assert data == expected  # ν and λ are pm.Data: new values need no new compile
    logp = m.compile_logp(**FAST)
    model = est.to_model(*est.prepare_data(X, y))
    rng = np.random.default_rng(0)
    points = [(est.coef_, est.intercept_)] + [(3 * rng.normal(size=X.shape[1]), rng.normal()) for _ in range(5)]
    lp = np.array([logp({"coef": w, "intercept": np.array(b)}) for w, b in points])
    mU = np.array([-model.objective(model.theta_from(w, b)) for w, b in points])
    np.testing.assert_allclose(lp - lp[0], mU - mU[0], rtol=0, atol=1e-9)


def _quadrature(x, y, prior):
    """Posterior mean and sd of the single weight by quadrature of exp(−U) on a fine grid."""
    w = np.linspace(-25, 25, 250_001)
    eta = np.outer(w, x)
    logpost = -(np.logaddexp(0.0, eta) - y * eta).sum(axis=1) + st.t(prior.df, scale=1 / math.sqrt(prior.lam)).logpdf(w)
    p = np.exp(logpost - logpost.max())
    p /= p.sum()
    mean = float(p @ w)
    return mean, float(math.sqrt(p @ (w - mean) ** 2))


def test_nutpie_posterior_matches_quadrature_and_reuses_the_compiled_model_for_new_df():
    import arviz as az

    from bayesreg.posterior import sample_posterior

    rng = np.random.default_rng(4)
    X = rng.normal(size=(25, 1))
    y = (rng.random(25) < 1 / (1 + np.exp(-1.5 * X[:, 0]))).astype(float)
    for i, prior in enumerate([StudentT(3.0, 1.0), StudentT(1.0, 0.5)]):
        est = LogisticRegression(prior=prior, fit_intercept=False, solver="newton").fit(X, y)
        tree = sample_posterior(est, X, y, draws=1000, tune=400, chains=2, random_seed=3, sampler="nutpie")
        if i == 1:
            assert tree["posterior"].attrs["compile_time"] == 0.0  # a new df went in through with_data
        draws = tree["posterior"]["coef"].values[..., 0]
        mean, sd = _quadrature(X[:, 0], y, prior)
        ess = float(az.ess(draws, method="mean"))
        mcse = sd / math.sqrt(max(ess, 50.0))
        assert abs(draws.mean() - mean) < 4.5 * mcse, (draws.mean(), mean, mcse)
        assert abs(draws.std() - sd) < 0.12 * sd


# -- save/load, sweeps, CLI ------------------------------------------------------------------------------

def test_save_load_round_trip(tmp_path):
    from bayesreg import load_results, save_results

    X, y = _logistic_data()
    for prior in (StudentT(2.5, 0.4), Cauchy(0.16)):
        est = LogisticRegression(prior=prior, intercept_prior=StudentT(7.0, 0.01)).fit(X, y)
        path = save_results(tmp_path / f"{type(prior).__name__}.nc", est=est)
        loaded = load_results(path)
        assert loaded.prior == prior and type(loaded.prior) is type(prior)
        assert loaded.intercept_prior == StudentT(7.0, 0.01)
        np.testing.assert_array_equal(loaded.map.coef, est.coef_)
        assert loaded.map.local_mode is True and loaded.map.objective == est.map_.objective


def test_lambda_sweep_runs_and_equals_fits_from_zero():
    from bayesreg.sensitivity import map_path

    X, y = _logistic_data()
    lams = np.array([0.05, 1.0, 20.0])
    est = LogisticRegression(prior=StudentT(4.0, 1.0), tol=1e-10)
    ds = map_path(est, X, y, lams)
    assert bool(ds["converged"].all()) and "scale 1/√λ" in ds.attrs["lam_meaning"]
    for i, lam in enumerate(lams):
        ref = _reference_map(X, y, 4.0, lam, "logistic")
        np.testing.assert_allclose(ds["map_coef"].values[i], ref[:-1], atol=2e-7)


def test_cli_fit_student_t_and_cauchy_say_local_mode(capsys):
    from bayesreg import datasets
    from bayesreg.cli import main

    data = datasets.make_lecture_wide(seed=0)
    assert main(["fit", "--prior", "studentt", "--df", "4", "--lam", "0.5", "--tol", "1e-10"]) == 0
    out = capsys.readouterr().out
    assert "local mode" in out and "df ν = 4" in out and "precision of the scale λ = 0.5" in out
    ref = _reference_map(data.X, data.y.astype(float), 4.0, 0.5, "logistic")
    line = next(l for l in out.splitlines() if l.startswith("x0 "))
    assert float(line.split()[1]) == pytest.approx(ref[0], rel=1e-4)
    assert main(["fit", "--prior", "cauchy", "--lam", "0.16"]) == 0
    out = capsys.readouterr().out
    assert "Cauchy" in out and "local mode" in out and "variance infinite" in out
    assert main(["fit", "--prior", "studentt", "--df", "-1"]) == 2
    err = capsys.readouterr().err
    assert "df" in err and "-1" in err and len(err.strip().splitlines()) == 1
    assert main(["fit", "--prior", "laplace", "--df", "3"]) == 2
    assert "--df applies only to --prior studentt" in capsys.readouterr().err


def test_compare_measures_near_zero_against_the_cauchy_scale():
    """A Cauchy's sd is infinite: "near zero" is 0.1 × its scale 1/√λ, and p_near_zero is the draws' fraction."""
    from bayesreg import compare
    from bayesreg.posterior import laplace_approximation

    X, y = _logistic_data()
    est = LogisticRegression(prior=Cauchy(4.0)).fit(X, y)
    tree = laplace_approximation(est, X, y, draws=400, random_seed=1)
    table = compare(est, tree)
    assert table.attrs["eps"] == pytest.approx(0.05) and "scale" in table.attrs["eps_rule"]
    draws = tree["posterior"]["coef"].values.reshape(-1, X.shape[1])
    np.testing.assert_allclose(table["p_near_zero"].values[:X.shape[1]], (np.abs(draws) <= 0.05).mean(axis=0))
    assert StudentT(3.0, 4.0).spread() == (StudentT(3.0, 4.0).sd, "prior sd")
