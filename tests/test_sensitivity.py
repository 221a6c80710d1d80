"""λ sweeps and choosing λ, against independent fits and exact evidences."""

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import minimize_scalar

import bayesreg as br
from bayesreg.datasets import make_lecture_wide
from bayesreg.parallel import run_all
from bayesreg.sensitivity import cross_validate_path, empirical_bayes_lambda, laplace_log_evidence, map_path
from bayesreg.validation import check_lams


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
        ref = br.LogisticRegression(prior=prior.with_strength(lam), tol=1e-10, solver="newton").fit(wide.X, wide.y)
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
    assert br.ElasticNet(2.0, 1.0).with_strength(4.0) == br.ElasticNet(4.0, 2.0)
    with pytest.raises(TypeError, match="Flat"):
        br.Flat().with_strength(1.0)


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


# =================================================================================================
# Posterior sweeps, Dask, sensitivity in λ units, choosing λ, the CLI
# =================================================================================================
#
# Every NUTS run below uses ONE model structure (linear, Gaussian prior, no intercept, the two
# features in NAMES), so this process compiles it once and each Dask worker once.  NAMES are new
# per test session, so no earlier test can have compiled the structure already.

import argparse
import logging
import os
import time
import uuid
import warnings

import pandas as pd
import xarray as xr

from bayesreg import io as br_io
from bayesreg import sensitivity as sens
from bayesreg.posterior import PosteriorWarning

_TAG = uuid.uuid4().hex[:6]
NAMES = [f"s{_TAG}_a", f"s{_TAG}_b"]
LAM = 8.0          # prior precision comparable to the data's: the posterior really moves with λ
SWEEP_LAMS = [0.5, 2.0, 8.0]
RUN = dict(draws=200, tune=200, chains=2, random_seed=3)


def _tiny_linear():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(12, 2)), columns=NAMES)
    y = X.to_numpy() @ np.array([1.5, -1.0]) + rng.normal(size=12)
    est = br.LinearRegression(prior=br.Gaussian(LAM), noise_sd=1.0, fit_intercept=False, solver="newton", tol=1e-10)
    return est, X, y


def _conjugate_mean(X, y, lam):
    """Exact posterior mean of w for y ~ N(Xw, 1), w ~ N(0, I/λ)."""
    A = np.asarray(X, dtype=float)
    return np.linalg.solve(A.T @ A + lam * np.eye(A.shape[1]), A.T @ y)


@pytest.fixture(scope="module")
def serial_sweep():
    """The first NUTS sweep of this process over the NAMES structure, with compile() counted."""
    import nutpie

    est, X, y = _tiny_linear()
    calls = []
    original = nutpie.compile_pymc_model

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    nutpie.compile_pymc_model = counting
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # tiny draws: ESS warnings are expected
            ds = sens.sweep(est, X, y, SWEEP_LAMS, posterior=True, **RUN)
    finally:
        nutpie.compile_pymc_model = original
    return ds, len(calls)


def test_posterior_sweep_compiles_once(serial_sweep):
    ds, n_compile_calls = serial_sweep
    assert n_compile_calls == 1                        # one compile for three λ ...
    assert ds["compiled"].values.tolist() == [True, False, False]  # ... by the first run; the rest reuse it
    assert ds.attrs["n_compilations"] == 1
    # and the runs really are at different λ: the posterior mean follows the exact one
    est, X, y = _tiny_linear()
    for i, lam in enumerate(SWEEP_LAMS):
        exact = _conjugate_mean(X, y, lam)
        np.testing.assert_allclose(ds["mean"].values[i], exact, atol=4 * ds["sd"].values[i].max() / np.sqrt(50))


def test_posterior_sweep_dataset(serial_sweep):
    ds, _ = serial_sweep
    assert ds["mean"].dims == ("lam", "feature") and list(ds["feature"].values) == NAMES
    np.testing.assert_array_equal(ds["lam"].values, SWEEP_LAMS)
    np.testing.assert_allclose(ds["prior_scale"].values, 1 / np.sqrt(SWEEP_LAMS))   # Gaussian: sd 1/√λ
    assert (ds["hdi_low"] <= ds["mean"]).all() and (ds["mean"] <= ds["hdi_high"]).all()
    assert not ds["failed"].any() and ds.attrs["random_seed"] == 3
    assert "intercept_mean" not in ds                         # fit_intercept=False
    # the MAP path inside is the warm-started one
    est, X, y = _tiny_linear()
    np.testing.assert_allclose(ds["map_coef"].values, map_path(est, X, y, SWEEP_LAMS)["map_coef"].values)


def test_sweep_round_trips_through_a_file(serial_sweep, tmp_path):
    ds, _ = serial_sweep
    path = br_io.save_sweep(tmp_path / "sweep.nc", ds, settings={"note": "test"})
    back = br_io.load_sweep(path)
    xr.testing.assert_identical(back.sweep, ds)
    assert back.choice is None and back.settings == {"note": "test"}
    with pytest.raises(ValueError, match="not a bayesreg results file"):
        br_io.load_results(path)
    other = br_io.save_results(tmp_path / "results.nc", settings={"a": 1})
    with pytest.raises(ValueError, match="not a bayesreg sweep file"):
        br_io.load_sweep(other)


def test_map_only_sweep_has_no_posterior_and_reports_progress():
    est, X, y = _tiny_linear()
    seen = []
    ds = sens.sweep(est, X, y, [4.0, 1.0], progress=lambda done, total: seen.append((done, total)))
    assert "mean" not in ds and ds.attrs["posterior"] == 0
    assert seen == [(1, 2), (2, 2)]


@pytest.mark.parametrize("kwargs, match", [({"draws": 0}, "draws"), ({"retries": -1}, "retries"),
                                           ({"client": 3}, "client"), ({"eps": -1.0}, "eps"), ({"prob": 1.5}, "prob")])
def test_sweep_bad_arguments(kwargs, match):
    est, X, y = _tiny_linear()
    with pytest.raises((ValueError, TypeError), match=match):
        sens.sweep(est, X, y, [1.0], posterior=True, **kwargs)


# -- the scheduler, with fake runs (no sampling) -----------------------------------------------

def _echo_after(item, log_dir):
    """Run 0 waits (up to 60 s) until another run has finished; return (item, finish time).

    A barrier rather than a fixed sleep: on a loaded machine the other worker may take
    seconds just to start its first run.
    """
    i = item
    if i == 0:
        deadline = time.time() + 60.0
        while not any(f.startswith("echo-done-") for f in os.listdir(log_dir)) and time.time() < deadline:
            time.sleep(0.05)
    finish = time.time()
    if i != 0:
        with open(os.path.join(log_dir, f"echo-done-{i}"), "w"):
            pass
    return i * 10, finish


def _flaky(item, log_dir):
    """Fails the first time it sees i = 1, then succeeds; i = 2 always fails."""
    i = item
    marker = os.path.join(log_dir, f"seen-{i}")
    first = not os.path.exists(marker)
    open(marker, "a").close()
    if i == 2 or (i == 1 and first):
        raise RuntimeError(f"boom {i}")
    return i * 10


def _exit_once(item, log_dir):
    """Kill the worker process the first time it runs i = kill; log every finished run."""
    i, kill = item
    marker = os.path.join(log_dir, "killed")
    if i == kill and not os.path.exists(marker):
        open(marker, "w").close()
        time.sleep(0.3)     # let the other worker finish its runs first
        os._exit(1)         # the worker process dies mid-sweep
    time.sleep(0.1)
    with open(os.path.join(log_dir, f"done-{i}-{os.getpid()}"), "w"):
        pass
    return i * 10


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=logging.CRITICAL)
    client = distributed.Client(cluster)
    client.wait_for_workers(2, timeout=120)
    yield client
    client.close()
    cluster.close()


def test_serial_runs_are_retried_then_reported(tmp_path):
    results, failures = run_all(_flaky, [0, 1, 2, 3], retries=1, shared=(str(tmp_path),))
    assert results == [0, 10, None, 30]
    assert list(failures) == [2] and "boom 2" in failures[2]


def test_dask_sweep_equals_serial_and_each_worker_compiles_once(serial_sweep, dask_client):
    ds_serial, _ = serial_sweep
    est, X, y = _tiny_linear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ds = sens.sweep(est, X, y, SWEEP_LAMS, posterior=True, client=dask_client, **RUN)
    for var in ("mean", "sd", "hdi_low", "hdi_high", "p_near_zero", "r_hat", "ess_bulk", "divergences"):
        np.testing.assert_allclose(ds[var].values, ds_serial[var].values, rtol=1e-12, err_msg=var)
    # the runs happened in the two worker processes, each compiling at most once and reusing it
    pids = ds["pid"].values
    assert os.getpid() not in pids and set(ds["worker"].values) <= set(dask_client.scheduler_info()["workers"])
    for pid in set(pids):
        assert ds["compiled"].values[pids == pid].sum() <= 1
    assert max(np.sum(pids == pid) for pid in set(pids)) >= 2  # some worker ran ≥ 2 λ: reuse was exercised
    assert ds.attrs["n_compilations"] <= 2


def test_dask_results_come_back_in_lambda_order(dask_client, tmp_path):
    seen = []                                     # run 0 finishes after another run, even on a loaded machine
    results, failures = run_all(_echo_after, list(range(5)), client=dask_client, shared=(str(tmp_path),),
                                progress=lambda d, n: seen.append((d, n)))
    assert not failures
    assert [r[0] for r in results] == [0, 10, 20, 30, 40]
    finish = [r[1] for r in results]
    assert finish[0] > min(finish[1:])           # they did finish out of order
    assert seen == [(k, 5) for k in range(1, 6)]


def test_dask_retries_a_failing_run_and_reports_one_that_keeps_failing(dask_client, tmp_path):
    results, failures = run_all(_flaky, [0, 1, 2, 3], client=dask_client, retries=1, shared=(str(tmp_path),))
    assert results == [0, 10, None, 30]
    assert list(failures) == [2] and "boom 2" in failures[2]


def test_a_worker_killed_mid_sweep_loses_no_finished_run(dask_client, tmp_path):
    """Runs last in this file: the killed worker is replaced by its nanny, without a compiled model."""
    n, kill = 6, 0
    items = [(i, kill) for i in range(n)]
    results, failures = run_all(_exit_once, items, client=dask_client, retries=1, shared=(str(tmp_path),))
    assert not failures
    assert results == [10 * i for i in range(n)]          # every λ, in order, the killed one retried
    assert os.path.exists(tmp_path / "killed")
    done = [f.name for f in tmp_path.iterdir() if f.name.startswith("done-")]
    assert {int(f.split("-")[1]) for f in done} == set(range(n))


# -- sensitivity in λ units -------------------------------------------------------------------

def test_psense_reweighting_and_refits_agree_with_the_exact_derivative(serial_sweep):
    est, X, y = _tiny_linear()
    table = sens.prior_sensitivity(est, X, y, draws=1000, tune=300, chains=2, delta=0.2, random_seed=1)
    assert list(table.index) == NAMES
    # exact: the central difference of the conjugate posterior mean over log λ
    span = np.log(1.2 / 0.8)
    exact = (_conjugate_mean(X, y, LAM * 1.2) - _conjugate_mean(X, y, LAM * 0.8)) / span
    d_is, d_refit, se = (table[c].to_numpy() for c in ("dmean_dloglam_is", "dmean_dloglam_refit", "refit_se"))
    assert np.all(np.abs(exact) > 0.1)                      # a model where λ matters
    assert np.all(np.sign(d_is) == np.sign(exact)) and np.all(np.sign(d_refit) == np.sign(exact))
    np.testing.assert_allclose(d_is, exact, rtol=0.25)       # rough size
    np.testing.assert_allclose(table["dmean_dloglam_cov"], exact, rtol=0.25)
    assert np.all(np.abs(d_refit - exact) < 4 * se + 0.05 * np.abs(exact))
    assert table["agree"].all()
    # ArviZ's psense sees the same: an informative prior on both weights
    assert (table["psense_prior"] > 0.05).all()
    # flag: moves > 0.5 posterior sd per doubling of λ
    np.testing.assert_allclose(table["shift_per_doubling"], d_refit * np.log(2))
    expect = np.abs(table["shift_per_doubling"]) > 0.5 * table["sd"]
    assert (table["sensitive"] == expect).all() and table["sensitive"].any()
    assert table.attrs["lam"] == LAM and table.attrs["pareto_k_high"] < 0.7


def test_power_scaling_is_a_change_of_lambda():
    """p_λ(w)^α ∝ p_{αλ}(w) for Gaussian, Laplace and the elastic net (both λ's scaled)."""
    w = np.linspace(-3, 3, 13)
    for prior in (br.Gaussian(2.0), br.Laplace(1.5), br.ElasticNet(1.0, 0.5)):
        alpha = 1.7
        lhs = alpha * prior.logpdf(w)
        rhs = prior.with_strength(alpha * prior.strength).logpdf(w)
        np.testing.assert_allclose(lhs - rhs, (lhs - rhs)[0], atol=1e-12)


# -- the CLI ------------------------------------------------------------------------------------

def _cli(argv):
    from bayesreg.cli import sweep
    from bayesreg.cli.common import CLIError

    parser = argparse.ArgumentParser(prog="bayesreg")
    sweep.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CLIError as exc:
        print(f"bayesreg {args.command}: error: {exc}")
        return 2


def test_cli_sweep_prints_lambda_table_and_choices_and_writes_files(tmp_path, capsys):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 3))
    y = (X @ np.array([1.0, -1.0, 0.0]) + rng.normal(size=60) > 0).astype(int)
    csv = tmp_path / "d.csv"
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "label": y}).to_csv(csv, index=False)
    out = tmp_path / "out"
    code = _cli(["sweep", str(csv), "--target", "label", "--prior", "gaussian", "--lams", "0.1:10:4",
                 "--no-full-bayes", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "prior sd 1/√λ" in text and "chosen λ" in text and "empirical Bayes" in text
    for lam, sd in zip(np.geomspace(0.1, 10, 4), 1 / np.sqrt(np.geomspace(0.1, 10, 4))):
        assert f"{lam:.4g}" in text and f"{sd:.4g}" in text          # λ next to the sd it stands for
    for name in ("coef_path.png", "zero_pattern.png", "lambda_choice.png", "sweep.nc"):
        assert (out / name).is_file()
    saved = br_io.load_sweep(out / "sweep.nc")
    assert saved.settings["command"] == "sweep"
    assert f"λ = {saved.choice.attrs['lam_min']:.4g}" in text and f"λ = {saved.choice.attrs['lam_eb']:.4g}" in text


@pytest.mark.parametrize("lams", ["1:10", "0:10:5", "a:b:c", "1:10:0"])
def test_cli_sweep_bad_lams_is_one_line(lams, capsys, tmp_path):
    code = _cli(["sweep", "--lams", lams, "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 2 and out.count("\n") == 1 and "--lams" in out


# -- full Bayes on λ (a new model to compile: slow) ----------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("centered", [False, True])
def test_full_bayes_lambda_matches_quadrature(centered):
    """Linear-Gaussian: p(λ | y) ∝ Gamma(λ; a, b) · N(y; 0, I + XXᵀ/λ), integrated on a grid."""
    rng = np.random.default_rng(4)
    n, d = 30, 4
    X = rng.normal(size=(n, d))
    y = X @ (0.5 * rng.normal(size=d)) + rng.normal(size=n)
    est = br.LinearRegression(prior=br.Gaussian(1.0), noise_sd=1.0, fit_intercept=False)
    a, b = 2.0, 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorWarning)
        tree = sens.full_bayes_lambda(est, X, y, a=a, b=b, draws=2000, tune=1000, chains=2, random_seed=1,
                                      centered=centered)
    lam = tree["posterior"]["lam"].values
    grid = np.geomspace(1e-3, 1e3, 4000)
    logp = np.array([stats.gamma(a, scale=1 / b).logpdf(l)
                     + stats.multivariate_normal(np.zeros(n), np.eye(n) + X @ X.T / l).logpdf(y) for l in grid])
    w = np.exp(logp - logp.max()) * grid          # integrate over log λ
    w /= w.sum()
    exact_mean_log = float(w @ np.log(grid))
    sd_log = float(np.sqrt(w @ (np.log(grid) - exact_mean_log) ** 2))
    assert np.log(lam).mean() == pytest.approx(exact_mean_log, abs=0.1 * sd_log + 4 * sd_log / np.sqrt(400))


@pytest.mark.slow
def test_choose_lambda_puts_three_choices_on_one_dataset():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -0.5, 0.0]) + rng.normal(size=40)
    est = br.LinearRegression(prior=br.Gaussian(1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PosteriorWarning)
        ch = sens.choose_lambda(est, X, y, np.geomspace(0.01, 100, 9), draws=500, tune=500, random_seed=1)
    a = ch.attrs
    assert 0.01 <= a["lam_min"] <= 100 and np.isfinite(a["lam_eb"]) and a["lam_fb_hdi_low"] < a["lam_fb_median"]
    assert ch["lam_draws"].size == 1000 and np.isfinite(ch["log_evidence"]).all()


def test_choose_lambda_without_full_bayes_has_cv_and_evidence():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -0.5, 0.0]) + rng.normal(size=40)
    lams = np.geomspace(0.01, 100, 7)
    ch = sens.choose_lambda(br.LinearRegression(prior=br.Gaussian(1.0)), X, y, lams, full_bayes=False)
    est = br.LinearRegression(prior=br.Gaussian(1.0))
    assert ch.attrs["lam_eb"] == pytest.approx(empirical_bayes_lambda(est, X, y)[0])
    np.testing.assert_allclose(ch["log_evidence"], [laplace_log_evidence(est, X, y, l) for l in lams])
    assert ch.attrs["lam_min"] == cross_validate_path(est, X, y, lams).attrs["lam_min"]
    assert "lam_draws" not in ch and np.isnan(ch.attrs["lam_fb_median"]) and ch.attrs["scale_power"] == 0.5
    lap = sens.choose_lambda(br.LinearRegression(prior=br.Laplace(1.0)), X, y, lams, full_bayes=False)
    assert np.isnan(lap.attrs["lam_eb"]) and "Gaussian" in lap.attrs["eb_note"] and lap.attrs["scale_power"] == 1.0


def test_a_job_that_panics_fails_alone(tmp_path):
    """A sampler's Rust panic is a BaseException (not an Exception): it fails that job, not the run."""

    class PanicException(BaseException):  # what pyo3 raises for a Rust panic
        pass

    def job(i):
        if i == 1:
            raise PanicException("Poisoned sampler state mutex")
        return i

    results, failures = run_all(job, [0, 1, 2], retries=0)
    assert results == [0, None, 2] and "Poisoned" in failures[1]

    def interrupted(i):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_all(interrupted, [0], retries=3)


def test_sweep_refuses_tune_zero_before_fitting_the_path():
    est, X, y = _tiny_linear()
    with pytest.raises(ValueError, match="tune must be >= 1"):
        sens.sweep(est, X, y, SWEEP_LAMS, posterior=True, tune=0, draws=10)
    ds = sens.sweep(est, X, y, SWEEP_LAMS, posterior=False, tune=0)  # the MAP path has no tuning
    assert ds["map_coef"].shape[0] == len(SWEEP_LAMS)
