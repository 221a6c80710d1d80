"""Fits and laplace-is on Dask arrays (bayesreg.chunked) against the same fits in memory.

The in-memory fits are themselves tested against SciPy, scikit-learn and glum
(tests/test_solvers.py, tests/test_estimators.py); here the chunked ones must give the
same MAP (relative objective ≤ 1e-8, the same exact zeros) and the same laplace-is
draws, on Dask's threaded scheduler and on a LocalCluster of two worker processes,
where the client must receive less than one N-vector in a whole fit and a worker
killed mid-fit must not change the answer.
"""

import contextlib
import os
import signal
import threading

import numpy as np
import pytest

import bayesreg as br

da = pytest.importorskip("dask.array")


def _logistic_data(n=6000, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d) + rng.normal(size=d)
    w = rng.normal(size=d) * (rng.random(d) < 0.6)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w * 0.4 - 0.5)))).astype(int)
    return X, y


@pytest.fixture(scope="module")
def logistic():
    X, y = _logistic_data()
    return X, y, da.from_array(X, chunks=(1000, X.shape[1])), da.from_array(y, chunks=1000)


def _same_map(a, b, rtol=1e-8):
    assert b.map_.converged
    assert abs(a.objective_ - b.objective_) <= rtol * abs(a.objective_)
    np.testing.assert_allclose(b.coef_, a.coef_, atol=1e-6)
    np.testing.assert_array_equal(b.coef_ == 0, a.coef_ == 0)  # the same exact zeros


@pytest.mark.parametrize("prior, solver", [(br.Gaussian(1.0), "auto"), (br.Laplace(30.0), "auto"),
                                           (br.ElasticNet(20.0, 1.0), "auto"), (br.Laplace(30.0), "fista")], ids=repr)
def test_logistic_fit_equals_in_memory(logistic, prior, solver):
    X, y, Xd, yd = logistic
    a = br.LogisticRegression(prior=prior, solver=solver, tol=1e-9).fit(X, y)
    b = br.LogisticRegression(prior=prior, solver=solver, tol=1e-9).fit(Xd, yd)
    _same_map(a, b)
    assert b.map_.solver == a.map_.solver if solver != "auto" else b.map_.solver == "newton"
    if isinstance(prior, br.Laplace):
        assert (a.coef_ == 0).any()  # the test can see a lost zero


def test_auto_says_why_newton_on_chunked_data(logistic):
    _, _, Xd, yd = logistic
    b = br.LogisticRegression(prior=br.Gaussian(1.0)).fit(Xd, yd)
    assert "chunked" in b.map_.solver_reason and b.map_.solver == "newton"


def test_linear_lbfgs_and_weights_equal_in_memory(logistic):
    X, _, Xd, _ = logistic
    rng = np.random.default_rng(3)
    yl = X @ rng.normal(size=X.shape[1]) + rng.normal(size=X.shape[0])
    sw = rng.uniform(0.0, 2.0, size=X.shape[0])
    yd, swd = da.from_array(yl, chunks=1000), da.from_array(sw, chunks=1000)
    for solver in ("lbfgs", "newton"):
        a = br.LinearRegression(prior=br.Gaussian(2.0), noise_sd=1.5, solver=solver, tol=1e-10).fit(X, yl, sample_weight=sw)
        b = br.LinearRegression(prior=br.Gaussian(2.0), noise_sd=1.5, solver=solver, tol=1e-10).fit(
            Xd, yd, sample_weight=swd)
        _same_map(a, b)
    # and the weights matter (the comparison could fail)
    c = br.LinearRegression(prior=br.Gaussian(2.0), noise_sd=1.5, tol=1e-10).fit(Xd, yd)
    assert abs(c.objective_ - b.objective_) > 1e-3 * abs(b.objective_)


@pytest.mark.filterwarnings("ignore:Dask currently has limited support:UserWarning")
def test_dataframe_columns_become_feature_names(logistic):
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    X, y, _, _ = logistic
    names = [f"f{j}" for j in range(X.shape[1])]
    frame = dd.from_pandas(pd.DataFrame(X, columns=names), npartitions=4)
    target = dd.from_pandas(pd.Series(np.where(y == 1, "yes", "no")), npartitions=4)
    b = br.LogisticRegression(prior=br.Laplace(30.0), tol=1e-9).fit(frame, target)
    a = br.LogisticRegression(prior=br.Laplace(30.0), tol=1e-9).fit(pd.DataFrame(X, columns=names),
                                                                   np.where(y == 1, "yes", "no"))
    assert list(b.feature_names_in_) == names and list(b.classes_) == ["no", "yes"]
    _same_map(a, b)


def test_bad_chunked_input_names_the_problem(logistic):
    X, y, Xd, yd = logistic
    est = br.LogisticRegression()
    Xn = X.copy()
    Xn[2500, 4] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite.*'x4'"):
        est.fit(da.from_array(Xn, chunks=(1000, 6)), yd)
    with pytest.raises(ValueError, match="exactly two classes.*3 class"):
        est.fit(Xd, da.from_array(np.where(np.arange(y.size) == 7, 2, y), chunks=1000))
    with pytest.raises(ValueError, match="different numbers of rows: 6000 and 5999"):
        est.fit(Xd, yd[:-1])
    with pytest.raises(TypeError, match="y must be a Dask array or DataFrame"):
        est.fit(Xd, y)
    with pytest.raises(ValueError, match="noise sd σ is not supported on chunked"):
        br.LinearRegression().fit(Xd, yd.astype(float))
    with pytest.raises(TypeError, match="PoissonRegression does not take chunked"):
        br.PoissonRegression().fit(Xd, yd)
    with pytest.raises(ValueError, match="sample_weight holds 1 negative"):
        est.fit(Xd, yd, sample_weight=da.from_array(np.where(np.arange(6000) == 9, -1.0, 1.0), chunks=1000))
    with pytest.raises(ValueError, match="sample_weight must not be all zero"):  # as in memory
        est.fit(Xd, yd, sample_weight=da.zeros(6000, chunks=1000))
    with pytest.raises(ValueError, match="sample_weight must not be all zero"):
        est.fit(X, y, sample_weight=np.zeros(6000))


def test_laplace_is_equals_in_memory_and_nuts_is_refused(logistic):
    X, y, Xd, yd = logistic
    est = br.LogisticRegression(prior=br.Laplace(3.0))
    a = est.sample_posterior(X, y, sampler="laplace-is", draws=300, chains=2, random_seed=5)
    b = est.sample_posterior(Xd, yd, draws=300, chains=2, random_seed=5)  # auto → laplace-is
    assert b.posterior.attrs["sampler"] == "laplace-is" and "chunked" in b.posterior.attrs["auto_reason"]
    np.testing.assert_allclose(b.posterior.coef.values, a.posterior.coef.values, rtol=1e-9, atol=1e-12)
    assert b.posterior.attrs["pareto_k"] == pytest.approx(a.posterior.attrs["pareto_k"], abs=1e-6)
    np.testing.assert_allclose(b.log_likelihood.obs.values, a.log_likelihood.obs.sum("obs_id").values, rtol=1e-10)
    assert type(b.observed_data.obs.data).__module__.startswith("dask")  # y stays lazy on the cluster
    with pytest.raises(ValueError, match="NUTS evaluates the gradient.*laplace-is"):
        est.sample_posterior(Xd, yd, sampler="nutpie")
    with pytest.raises(ValueError, match="pointwise_log_likelihood=True cannot be kept"):
        est.sample_posterior(Xd, yd, pointwise_log_likelihood=True)
    with pytest.raises(ValueError, match="laplace-is, which needs a MAP.*NUTS cannot run on chunked"):
        br.LogisticRegression(prior=br.Horseshoe(0.1)).sample_posterior(Xd, yd)


def test_newton_takes_f_gradient_and_gram_from_one_pass_and_fista_stops_fusing(logistic, monkeypatch):
    """Newton makes one pass over X per iteration for f, ∇f and AᵀWA, with the same MAP; FISTA, which
    never asks for a Hessian, stops computing the fused sums after its first steps."""
    from bayesreg.chunked import model as chunked_model

    X, y, Xd, yd = logistic
    kinds: list[str] = []
    original = chunked_model.row_sum

    def row_sum(fn, *args, **kwargs):
        kinds.append(fn.__name__)
        return original(fn, *args, **kwargs)

    monkeypatch.setattr(chunked_model, "row_sum", row_sum)
    for prior in (br.Gaussian(1.0), br.Laplace(30.0)):
        kinds.clear()
        a = br.LogisticRegression(prior=prior, solver="newton", tol=1e-9).fit(X, y)
        b = br.LogisticRegression(prior=prior, solver="newton", tol=1e-9).fit(Xd, yd)
        _same_map(a, b)
        # every pass is a line-search f that also gives ∇f and AᵀWA there (one per point Newton visits);
        # ‖∇f(0)‖∞ came from Newton's first gradient, not a pass of its own
        assert set(kinds) == {"_nll_gradient_gram"} and len(kinds) >= b.n_iter_ + 1
    kinds.clear()
    c = br.LogisticRegression(prior=br.Laplace(30.0), solver="fista", tol=1e-5).fit(Xd, yd)
    assert c.map_.converged and kinds.count("_gradient_gram") + kinds.count("_nll_gradient_gram") <= 3
    assert kinds.count("_gradient") >= 10


# -- the command line: Parquet and CSV read lazily ------------------------------------------
def _coefficients(out: str, names) -> np.ndarray:
    rows = {line.split()[0]: float(line.split()[1]) for line in out.splitlines()
            if line.split() and line.split()[0] in names and len(line.split()) >= 2}
    return np.array([rows[n] for n in names])


@pytest.fixture(scope="module")
def parquet_folder(tmp_path_factory):
    pytest.importorskip("pyarrow")
    import pandas as pd

    X, y = _logistic_data(n=8000, d=4, seed=4)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(label=np.where(y == 1, "yes", "no"))
    folder = tmp_path_factory.mktemp("parquet")
    for i in range(4):
        frame.iloc[i * 2000:(i + 1) * 2000].to_parquet(folder / f"part{i}.parquet")
    frame.to_csv(folder.parent / "all.csv", index=False)
    return folder, folder.parent / "all.csv", frame


def test_cli_fit_parquet_equals_the_csv_fit_in_memory(parquet_folder, capsys):
    from bayesreg.cli import main

    folder, csv, _ = parquet_folder
    argv = ["--target", "label", "--prior", "laplace", "--lam", "40", "--tol", "1e-10"]
    assert main(["fit", str(csv), *argv]) == 0
    in_memory = capsys.readouterr().out
    assert main(["fit", str(folder), *argv]) == 0  # Parquet: read with Dask even without --scheduler
    chunked = capsys.readouterr().out
    assert "8000 rows read lazily with Dask" in chunked and "on chunked data" in chunked
    assert "positive class yes" in chunked and "separation: not checked" in chunked
    names = ["a", "b", "c", "d", "intercept"]
    np.testing.assert_allclose(_coefficients(chunked, names), _coefficients(in_memory, names), rtol=1e-4, atol=1e-6)
    assert chunked.count("(exactly 0)") == in_memory.count("(exactly 0)") >= 1


def test_cli_compare_on_chunked_data_uses_laplace_is_and_saves_no_rows(parquet_folder, capsys, tmp_path):
    from bayesreg.cli import main
    from bayesreg.io import load_results

    folder, csv, _ = parquet_folder
    out = tmp_path / "out"
    code = main(["compare", str(csv), "--target", "label", "--scheduler", "threads", "--draws", "200",
                 "--chains", "2", "--out", str(out), "--no-report"])
    text = capsys.readouterr().out
    assert code == 0 and "laplace-is: chunked (Dask) data" in text
    saved = load_results(out / "results.nc")
    assert "observed_data" not in saved.posterior.children
    assert main(["compare", str(folder), "--target", "label", "--sampler", "nutpie", "--out", str(out)]) != 0
    assert "NUTS evaluates the gradient" in capsys.readouterr().err
    assert main(["fit", str(folder), "--target", "label", "--standardize"]) != 0
    assert "--standardize needs the data in memory" in capsys.readouterr().err


# -- on a cluster (last in this module: while its Client lives, Dask computes go to it) --------
@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  memory_limit="1GiB") as cl, distributed.Client(cl) as client:
        yield cl, client


def _largest_array(msg) -> int:
    """The most values in one numpy array inside a message (nested dicts, lists, tuples)."""
    if isinstance(msg, np.ndarray):
        return int(msg.size)
    if isinstance(msg, dict):
        msg = list(msg.values())
    if isinstance(msg, (list, tuple)):
        return max((_largest_array(m) for m in msg), default=0)
    return 0


@contextlib.contextmanager
def received_by_client(scheduler_address):
    """[bytes (dask's sizeof), largest array] of the messages read in this process except by the scheduler's listener.

    LocalCluster runs its scheduler in this process, so this counts the client's messages
    and the scheduler's replies from workers: an upper bound of what the client received.
    """
    from dask.sizeof import sizeof
    from distributed.comm import tcp

    seen = [0, 0]
    original = tcp.TCP.read

    async def read(self, deserializers=None):
        msg = await original(self, deserializers)
        if self.local_address != scheduler_address:
            seen[0] += sizeof(msg)
            seen[1] = max(seen[1], _largest_array(msg))
        return msg

    tcp.TCP.read = read
    try:
        yield seen
    finally:
        tcp.TCP.read = original


@pytest.mark.filterwarnings("ignore:Large object:UserWarning")  # from_array of numpy data, as in the docs' examples
def test_cluster_fit_equals_in_memory_and_gathers_no_rows(cluster):
    cl, _ = cluster
    X, y = _logistic_data(n=200_000, d=8, seed=1)
    Xd, yd = da.from_array(X, chunks=(50_000, 8)), da.from_array(y, chunks=50_000)
    a = br.LogisticRegression(prior=br.Laplace(40.0), tol=1e-9).fit(X, y)
    with received_by_client(cl.scheduler_address) as got:
        b = br.LogisticRegression(prior=br.Laplace(40.0), tol=1e-9).fit(Xd, yd)
    _same_map(a, b)
    one_vector, p = 8 * X.shape[0], X.shape[1] + 1
    # bookkeeping grows with the number of passes (~20), not with N: a 200k-row η is 1.6 MB
    assert got[0] < one_vector / 2, f"the client received {got[0]} bytes in the fit; one N-vector is {one_vector}"
    assert got[1] <= p * p + p + 1, f"an array of {got[1]} values reached the client (the Gram sums have {p * p + p + 1})"
    with received_by_client(cl.scheduler_address) as control:  # the measure sees a gather of one column
        Xd[:, 0].compute()
    assert control[0] > one_vector and control[1] == X.shape[0]


@pytest.mark.filterwarnings("ignore:Large object:UserWarning")
def test_killed_worker_mid_fit_gives_the_same_map(cluster, monkeypatch):
    cl, client = cluster
    from bayesreg.chunked import model as chunked_model

    X, y = _logistic_data(n=60_000, d=6, seed=2)
    Xd, yd = da.from_array(X, chunks=(10_000, 6)), da.from_array(y, chunks=10_000)
    a = br.LogisticRegression(prior=br.Laplace(20.0), tol=1e-9).fit(X, y)
    pids = client.run(os.getpid)
    calls, killed = [0], threading.Event()
    original = chunked_model.row_sum

    def row_sum(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 4 and not killed.is_set():  # after a few passes, with X persisted on both workers
            os.kill(next(iter(pids.values())), signal.SIGKILL)
            killed.set()
        return original(*args, **kwargs)

    monkeypatch.setattr(chunked_model, "row_sum", row_sum)
    b = br.LogisticRegression(prior=br.Laplace(20.0), tol=1e-9).fit(Xd, yd)
    assert killed.is_set() and calls[0] > 4
    _same_map(a, b)
    client.wait_for_workers(2, timeout=60)


@pytest.mark.filterwarnings("ignore:Large object:UserWarning")
def test_cluster_laplace_is_equals_in_memory(cluster):
    X, y = _logistic_data(n=20_000, d=5, seed=6)
    Xd, yd = da.from_array(X, chunks=(5_000, 5)), da.from_array(y, chunks=5_000)
    est = br.LogisticRegression(prior=br.Gaussian(2.0))
    a = est.sample_posterior(X, y, sampler="laplace-is", draws=200, chains=2, random_seed=11)
    b = est.sample_posterior(Xd, yd, sampler="laplace-is", draws=200, chains=2, random_seed=11)
    np.testing.assert_allclose(b.posterior.coef.values, a.posterior.coef.values, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b.log_likelihood.obs.values, a.log_likelihood.obs.sum("obs_id").values, rtol=1e-10)
    assert b.posterior.attrs["pareto_k"] == pytest.approx(a.posterior.attrs["pareto_k"], abs=1e-6)
