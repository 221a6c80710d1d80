"""Horseshoe priors: no MAP, the posterior sampled without one, checked against quadrature and SciPy.

One compiled nutpie model is shared (linear, 8 features + intercept, 60 rows: the sparse
problem); the one-coefficient quadrature reference runs PyMC's own NUTS (2 chains), which
also covers that sampler's start without a MAP.
"""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, special, stats

import bayesreg as br
from bayesreg.cli import main
from bayesreg.posterior import PosteriorWarning, laplace_approximation, sample_posterior
from bayesreg.priors import prior_from_params

FEATURES = [f"x{j}" for j in range(8)]


# -- the prior objects (no sampling) ------------------------------------------------------

@pytest.mark.parametrize("make, arg", [
    (lambda v: br.Horseshoe(v), "scale_global"),
    (lambda v: br.RegularizedHorseshoe(1.0, v, 4.0), "slab_scale"),
    (lambda v: br.RegularizedHorseshoe(1.0, 2.0, v), "slab_df"),
])
@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_scales_must_be_positive_and_finite(make, arg, bad):
    with pytest.raises(ValueError, match=arg):
        make(bad)


def test_scale_of_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="scale_global"):
        br.Horseshoe("0.1")


@pytest.mark.parametrize("prior", [br.Horseshoe(0.05), br.RegularizedHorseshoe(0.05, 1.5, 3.0)])
def test_no_mode_no_lambda_and_a_registry_round_trip(prior):
    assert prior.has_mode is False and prior.has_logpdf is False
    w = np.array([0.5, 0.0])
    for call in (lambda: prior.penalty(w), lambda: prior.gradient(w), lambda: prior.prox(w, 0.1)):
        with pytest.raises(br.NoModeError, match="unbounded at 0") as info:
            call()
        assert isinstance(info.value, ValueError) and "sample_posterior" in str(info.value)
    with pytest.raises(ValueError, match="not independent"):
        prior.logpdf(w)
    with pytest.raises(TypeError, match="no λ to sweep.*scale_global"):
        prior.strength
    with pytest.raises(TypeError, match="no λ"):
        prior.with_strength(2.0)
    assert "scale_global" in prior.describe() and "no MAP" in prior.describe()
    rebuilt = prior_from_params(type(prior).__name__, prior.params())
    assert rebuilt == prior and type(rebuilt) is type(prior)
    assert math.isinf(br.Horseshoe(1.0).variance)


def test_global_scale_is_piironen_vehtari_formula():
    # τ₀ = p₀/(D − p₀) · σ/√N, by hand
    assert br.global_scale(2, 8, 60) == pytest.approx(2 / 6 / math.sqrt(60), rel=1e-14)
    assert br.global_scale(3, 100, 400, sigma=2.0) == pytest.approx(3 / 97 * 2 / 20, rel=1e-14)
    assert br.global_scale(0.5, 10, 1, sigma=0.3) == pytest.approx(0.5 / 9.5 * 0.3, rel=1e-14)
    for kwargs, arg in [(dict(n_nonzero=8), "n_nonzero"), (dict(n_nonzero=0), "n_nonzero"),
                        (dict(sigma=0.0), "sigma"), (dict(n_samples=0), "n_samples")]:
        args = dict(n_nonzero=2, n_features=8, n_samples=60, sigma=1.0) | kwargs
        with pytest.raises(ValueError, match=arg):
            br.global_scale(**args)


def test_regularized_latent_prior_matches_scipy():
    """c² ~ InvGamma(ν/2, ν s²/2), τ ~ C⁺(0, s_g), λ ~ C⁺(0, 1); w = τ·λ̃·z against a NumPy/SciPy re-draw."""
    import pymc as pm

    prior = br.RegularizedHorseshoe(0.3, 1.5, 3.0)
    with pm.Model(coords={"feature": ["a", "b"]}) as m:
        prior.to_pymc("coef", dims="feature")
    assert {"coef_tau", "coef_local", "coef_z", "coef_c2"} <= set(m.named_vars)
    nu, s = 3.0, 1.5
    grid = np.array([0.05, 0.7, 2.25, 9.0])
    c2_logp, tau_logp = pm.draw([pm.logp(m["coef_c2"], grid), pm.logp(m["coef_tau"], grid)], mode="FAST_COMPILE")
    np.testing.assert_allclose(c2_logp, stats.invgamma(nu / 2, scale=nu * s * s / 2).logpdf(grid), rtol=1e-10)
    np.testing.assert_allclose(tau_logp, stats.halfcauchy(scale=0.3).logpdf(grid), rtol=0, atol=1e-8)

    draws = pm.draw([m["coef"], m["coef_c2"], m["coef_tau"]], draws=4000, random_seed=1)
    w, c2, tau = (np.asarray(d) for d in draws)
    assert stats.kstest(c2, stats.invgamma(nu / 2, scale=nu * s * s / 2).cdf).pvalue > 1e-3
    assert stats.kstest(tau, stats.halfcauchy(scale=0.3).cdf).pvalue > 1e-3
    rng = np.random.default_rng(2)
    n = 20_000  # the reference re-draw is cheap: many draws
    c2_r = stats.invgamma(nu / 2, scale=nu * s * s / 2).rvs(n, random_state=rng)
    tau_r = stats.halfcauchy(scale=0.3).rvs(n, random_state=rng)
    lam_r = stats.halfcauchy().rvs(n, random_state=rng)
    lam_t = np.sqrt(c2_r * lam_r**2 / (c2_r + tau_r**2 * lam_r**2))
    w_r = tau_r * lam_t * rng.standard_normal(n)
    assert stats.ks_2samp(w[:, 0], w_r).pvalue > 1e-3


def _sparse(seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 8))
    w = np.zeros(8)
    w[[0, 3]] = [2.0, -1.5]
    y = X @ w + 0.3 + rng.normal(size=60)
    return pd.DataFrame(X, columns=FEATURES), y, w


def test_fit_refuses_with_the_reason_and_the_estimator_is_left_unfitted():
    X, y, _ = _sparse()
    est = br.LinearRegression(prior=br.Horseshoe(0.1))
    with pytest.raises(br.NoModeError, match=r"infinite at w = 0.*U has no minimum.*sample_posterior"):
        est.fit(X, y)
    assert not est.has_mode() and not hasattr(est, "coef_")
    with pytest.raises(ValueError, match="intercept_prior"):
        br.LinearRegression(intercept_prior=br.Horseshoe(1.0)).fit(X, y)
    with pytest.raises(ValueError, match="no Laplace approximation without a MAP"):
        laplace_approximation(est, X, y)
    with pytest.raises(ValueError, match="laplace-is.*needs a MAP.*unbounded at 0"):
        sample_posterior(est, X, y, sampler="laplace-is")


@pytest.mark.parametrize("run", [
    lambda est, X, y: br.sweep(est, X, y, [0.1, 1.0]),
    lambda est, X, y: br.choose_lambda(est, X, y, [0.1, 1.0]),
    lambda est, X, y: br.prior_sensitivity(est, X, y),   # power-scaling needs λ (and a log prior of coef)
    lambda est, X, y: br.full_bayes_lambda(est, X, y),
], ids=["sweep", "choose_lambda", "prior_sensitivity", "full_bayes_lambda"])
def test_lambda_sweeps_and_power_scaling_refuse_a_horseshoe(run):
    X, y, _ = _sparse()
    with pytest.raises(TypeError, match="no λ to sweep.*scale_global"):
        run(br.LinearRegression(prior=br.Horseshoe(0.1)), X, y)


def test_cli_fit_exits_2_with_the_explanation(capsys):
    assert main(["fit", "--prior", "horseshoe"]) == 2
    err = capsys.readouterr().err
    assert "no MAP" in err and "unbounded at 0" in err
    assert main(["fit", "--prior", "horseshoe", "--lam", "2"]) == 2
    assert "has no λ" in capsys.readouterr().err
    assert main(["compare", "--prior", "regularized-horseshoe", "--slab-df", "-1"]) == 2
    assert "slab_df" in capsys.readouterr().err


# -- the sparse problem: one compiled model ---------------------------------------------------

@pytest.fixture(scope="module")
def sparse_runs():
    X, y, w = _sparse()
    tau0 = br.global_scale(2, 8, 60, sigma=1.0)
    est = br.LinearRegression(prior=br.Horseshoe(tau0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        post = sample_posterior(est, X, y, draws=400, tune=400, chains=2, random_seed=7)
    # the Gaussian prior of the same sd as the prior of the signals (N(0, 1)): exact draws (laplace-is)
    gauss = br.LinearRegression(prior=br.Gaussian(1.0))
    gpost = sample_posterior(gauss, X, y, draws=400, chains=2, random_seed=7)
    return X, y, w, est, post, gauss, gpost, caught


def test_sample_posterior_without_a_map(sparse_runs):
    X, y, w, est, post, *_, caught = sparse_runs
    a = post["posterior"].attrs
    assert not hasattr(est, "coef_")  # not fitted, not modified
    assert a["sampler"] == "nutpie" and "no MAP" in a["auto_reason"] and "Laplace" in a["auto_reason"]
    assert "unbounded at 0" in a["map_missing"]
    assert a["target_accept"] == pytest.approx(0.95)
    n_div = int(post["sample_stats"]["diverging"].sum())
    assert a["n_divergent"] == n_div
    messages = [str(c.message) for c in caught if issubclass(c.category, PosteriorWarning)]
    if n_div:  # divergences are reported with their count, never hidden
        assert any(f"{n_div} divergent" in m for m in messages)
    ds = post["posterior"].dataset
    assert {"coef", "intercept", "coef_tau", "coef_local", "coef_z"} <= set(ds.data_vars)
    np.testing.assert_allclose(ds["coef"].values, ds["coef_tau"].values[..., None] * ds["coef_local"].values
                               * ds["coef_z"].values, rtol=1e-10)
    assert "coef" not in post["log_prior"].dataset and "intercept" in post["log_prior"].dataset
    assert "not independent" in post["log_prior"].attrs["coef_omitted"]


def test_horseshoe_shrinks_the_nulls_far_more_than_a_gaussian_and_keeps_the_signals(sparse_runs):
    X, y, w, est, post, gauss, gpost, _ = sparse_runs
    hs = post["posterior"]["coef"].median(("chain", "draw")).values
    ga = gpost["posterior"]["coef"].median(("chain", "draw")).values
    nulls, signals = w == 0, w != 0
    assert np.all(np.abs(hs[signals] - w[signals]) < 0.35)
    assert np.all(np.abs(ga[signals] - w[signals]) < 0.35)
    # the teaching point: the nulls' medians sit much closer to 0 under the horseshoe
    assert np.mean(np.abs(hs[nulls])) < 0.4 * np.mean(np.abs(ga[nulls]))


def test_compare_has_empty_map_columns_with_the_reason(sparse_runs, tmp_path):
    X, y, w, est, post, *_ = sparse_runs
    table = br.compare(est, post, true_coef=w)
    assert list(table.index) == FEATURES + ["intercept", "sigma"]  # σ is estimated: its row, without a MAP too
    sigma = post["posterior"]["sigma"].values.ravel()
    assert table.loc["sigma", "mean"] == pytest.approx(sigma.mean(), rel=1e-12)
    assert 0.6 < table.loc["sigma", "median"] < 1.6  # the data's noise sd is 1
    assert table["map"].isna().all() and table["map_is_zero"].isna().all() and table["map_in_hdi"].isna().all()
    assert "no MAP" in table.attrs["map_missing"] and "unbounded at 0" in table.attrs["map_missing"]
    draws = post["posterior"]["coef"].values.reshape(-1, 8)
    np.testing.assert_allclose(table.loc[FEATURES, "mean"], draws.mean(axis=0), rtol=1e-12)
    assert table.attrs["runs"]["posterior"]["n_divergent"] == post["posterior"].attrs["n_divergent"]
    with pytest.raises(ValueError, match="another model"):
        br.compare(br.LinearRegression(prior=br.Horseshoe(0.5)), post)

    # plots cope: no MAP marker, a legend entry that says why
    import matplotlib.pyplot as plt

    from bayesreg.plots import plot_densities, plot_forest

    ax = plot_forest(table)
    gids = {a.get_gid() for a in ax.get_children()}
    assert "no_map" in {line.get_gid() for line in ax.lines} and "map" not in gids
    assert any("no MAP" in t.get_text() for t in ax.get_legend().get_texts())
    axes = plot_densities(est, post, features=["x0", "intercept"])
    assert not any(line.get_gid() in ("map", "prior") for line in axes[0].lines)
    plt.close("all")

    # save/load round trip of the results (no MAP to save)
    path = br.save_results(tmp_path / "hs.nc", posterior=post, comparison=table)
    back = br.load_results(path)
    assert back.map is None
    empty = ["map_is_zero", "map_in_hdi"]  # None in memory, NaN once saved: empty either way
    assert back.comparison[empty].isna().all().all()
    pd.testing.assert_frame_equal(back.comparison.drop(columns=empty), table.drop(columns=empty), check_dtype=False)
    assert back.comparison.attrs["map_missing"] == table.attrs["map_missing"]
    loaded = back.posterior
    np.testing.assert_array_equal(loaded["posterior"]["coef_tau"].values, post["posterior"]["coef_tau"].values)


def test_cli_compare_prints_no_map_and_divergences(sparse_runs, tmp_path, capsys):
    X, y, *_ = sparse_runs
    csv = tmp_path / "sparse.csv"
    X.assign(target=y).to_csv(csv, index=False)
    tau0 = br.global_scale(2, 8, 60)
    code = main(["compare", str(csv), "--target", "target", "--likelihood", "linear", "--prior", "horseshoe",
                 "--scale-global", str(tau0), "--draws", "300", "--tune", "300", "--chains", "2",
                 "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "no MAP: " in out and "solver" not in out
    assert "divergent transitions:" in out and "target_accept 0.95" in out
    assert (tmp_path / "out" / "forest.png").exists() and not (tmp_path / "out" / "cost_history.png").exists()
    table = pd.read_csv(tmp_path / "out" / "comparison.csv", index_col=0)
    assert table["map"].isna().all()


# -- one coefficient against quadrature --------------------------------------------------------

X1 = np.array([[1.0], [-0.5], [0.8], [1.2], [-1.0]])
Y1 = np.array([0.9, -0.1, 0.1, 0.7, -0.6])
SIGMA1, SCALE1 = 1.0, 0.5


def _log_scale_density(r: np.ndarray, s: float) -> np.ndarray:
    """Density of log t, t = τ·λ, τ ~ C⁺(0, s), λ ~ C⁺(0, 1): quadrature over u = log λ.

    log λ has density sech(u)/π (λ·C⁺(λ | 0, 1)); log τ = log s + u' with u' of the same
    density; the integrand is smooth and decays like e^(−|u|), so a fine trapezoid rule on
    [−80, 80] is exact to rounding (checked against scipy's adaptive quad at a few points).
    """
    u = np.linspace(-80.0, 80.0, 3201)
    v = np.atleast_1d(r)[:, None] - math.log(s)
    # sech(u)·sech(v − u) = 4 / ((e^u + e^−u)(e^(v−u) + e^(u−v))), written without overflow
    f = np.exp(-np.abs(u) - np.abs(v - u) - np.log1p(np.exp(-2 * np.abs(u))) - np.log1p(np.exp(-2 * np.abs(v - u))))
    out = 4.0 * integrate.trapezoid(f, u, axis=1) / math.pi**2
    for i in (0, len(out) // 2, len(out) - 1):
        vi = float(v[i, 0])
        ref = integrate.quad(lambda x: 1.0 / (math.cosh(x) * math.cosh(vi - x)) / math.pi**2, -80.0, 80.0,
                             points=[0.0, vi], limit=200)[0]
        assert out[i] == pytest.approx(ref, rel=1e-8)
    return out


def _reference(q_probs=(0.05, 0.5, 0.95)):
    """Posterior mean, sd, quantiles and the density at them, by quadrature in r = log(τλ).

    Given t = τλ the model is conjugate: w | t, y ~ N(m_t, v_t), and p(y | t) = N(y | 0, σ²I + t² x xᵀ).
    """
    x, y = X1[:, 0], Y1
    r = np.linspace(-14.0, 8.0, 701)
    h = _log_scale_density(r, SCALE1)
    # the closed form of that convolution, ∫ sech(u) sech(v − u) du = 2v / sinh v, as a check of the quadrature
    v = r - math.log(SCALE1)
    np.testing.assert_allclose(h, np.where(v == 0, 1.0, 2 * v / np.sinh(np.where(v == 0, 1.0, v))) / math.pi**2,
                               rtol=1e-7, atol=1e-300)
    t2 = np.exp(2 * r)
    sxx, sxy = x @ x, x @ y
    prec = 1.0 / t2 + sxx / SIGMA1**2
    var = 1.0 / prec
    mean = var * sxy / SIGMA1**2
    # log N(y | 0, σ²I + t² x xᵀ) via the matrix determinant lemma and Sherman–Morrison
    quad_form = (y @ y) / SIGMA1**2 - t2 * sxy**2 / (SIGMA1**2 * (SIGMA1**2 + t2 * sxx))
    logdet = len(y) * math.log(SIGMA1**2) + np.log1p(t2 * sxx / SIGMA1**2)
    log_ml = -0.5 * (quad_form + logdet + len(y) * math.log(2 * math.pi))
    log_post_r = np.log(h) + log_ml
    weights = np.exp(log_post_r - log_post_r.max())
    weights /= integrate.trapezoid(weights, r)
    m1 = integrate.trapezoid(weights * mean, r)
    m2 = integrate.trapezoid(weights * (var + mean**2), r)
    sd = math.sqrt(m2 - m1**2)
    cdf = lambda w: integrate.trapezoid(weights * special.ndtr((w - mean) / np.sqrt(var)), r)
    pdf = lambda w: integrate.trapezoid(weights * stats.norm.pdf(w, mean, np.sqrt(var)), r)
    qs = [optimize.brentq(lambda w: cdf(w) - p, -20, 20, xtol=1e-12) for p in q_probs]
    return m1, sd, np.array(qs), np.array([pdf(q) for q in qs])


def _check_against_quadrature(post, tol=4.5):
    import arviz as az

    probs = (0.05, 0.5, 0.95)
    mean, sd, qs, dens = _reference(probs)
    da = post["posterior"]["coef"].sel(feature="x0")
    w = da.values.ravel()
    ess = min(float(az.ess(da, method="bulk")), float(az.ess(da, method="tail")))
    assert ess > 150, ess
    assert abs(w.mean() - mean) < tol * sd / math.sqrt(ess)
    assert abs(w.std(ddof=1) - sd) < tol * sd / math.sqrt(2 * ess) * 1.5  # heavier than Gaussian kurtosis allowed
    for p, q, f in zip(probs, qs, dens):
        se = math.sqrt(p * (1 - p) / ess) / f
        assert abs(np.quantile(w, p) - q) < tol * se, (p, np.quantile(w, p), q, se)


def test_one_coefficient_posterior_matches_quadrature_pymc_nuts():
    est = br.LinearRegression(prior=br.Horseshoe(SCALE1), noise_sd=SIGMA1, fit_intercept=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorWarning)  # a few divergences are checked by the reference itself
        post = sample_posterior(est, X1, Y1, draws=600, tune=500, chains=2, random_seed=11, sampler="pymc")
    assert post["posterior"].attrs["target_accept"] == pytest.approx(0.95)
    _check_against_quadrature(post)


@pytest.mark.slow
def test_one_coefficient_posterior_matches_quadrature_nutpie_long():
    est = br.LinearRegression(prior=br.Horseshoe(SCALE1), noise_sd=SIGMA1, fit_intercept=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorWarning)
        post = sample_posterior(est, X1, Y1, draws=5000, tune=2000, chains=4, random_seed=12)
    _check_against_quadrature(post, tol=4.0)


@pytest.mark.slow
def test_regularized_horseshoe_posterior_on_the_sparse_problem():
    X, y, w = _sparse()
    est = br.LinearRegression(prior=br.RegularizedHorseshoe(br.global_scale(2, 8, 60), 2.0, 4.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorWarning)
        post = sample_posterior(est, X, y, draws=500, tune=500, chains=2, random_seed=3)
    ds = post["posterior"].dataset
    tau, local, c2 = ds["coef_tau"].values[..., None], ds["coef_local"].values, ds["coef_c2"].values[..., None]
    np.testing.assert_allclose(ds["coef"].values,
                               tau * np.sqrt(c2 * local**2 / (c2 + tau**2 * local**2)) * ds["coef_z"].values,
                               rtol=1e-8)
    med = ds["coef"].median(("chain", "draw")).values
    assert np.all(np.abs(med[w != 0] - w[w != 0]) < 0.35) and np.all(np.abs(med[w == 0]) < 0.1)
    assert post["posterior"].attrs["n_divergent"] == int(post["sample_stats"]["diverging"].sum())
