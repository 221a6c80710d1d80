"""save_results / load_results: lossless round trips in one netCDF file, atomic writes, clear errors."""

from __future__ import annotations

import json
import os
import stat

import arviz as az
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import bayesreg
from bayesreg.compare import compare
from bayesreg.datasets import make_lecture_wide
from bayesreg.io import FORMAT, Results, load_results, load_sweep, save_results, save_sweep
from bayesreg.priors import ElasticNet, Flat, Gaussian, Laplace
from bayesreg.validation import ArgumentTypeError


@pytest.fixture(scope="module")
def fitted():
    data = make_lecture_wide(n_samples=40, n_features=6, seed=3)
    est = bayesreg.LogisticRegression(prior=bayesreg.Laplace(2.0)).fit(data.X, data.y)
    feats = est.feature_names()
    rng = np.random.default_rng(9)
    coef = est.coef_ + 0.2 * rng.standard_normal((2, 60, 6))
    b = est.intercept_ + 0.1 * rng.standard_normal((2, 60))
    nuts = az.from_dict(
        {"posterior": {"coef": coef, "intercept": b},
         "sample_stats": {"diverging": rng.random((2, 60)) < 0.05, "step_size": rng.random((2, 60))},
         "log_likelihood": {"obs": rng.normal(size=(2, 60, 40))},
         "observed_data": {"obs": data.y}},
        coords={"feature": feats, "obs_id": np.arange(40)},
        dims={"coef": ["feature"], "obs": ["obs_id"]},
        attrs={"posterior": {"sampler": "nutpie", "prior": est.prior_.describe()}})
    lap = az.from_dict(
        {"posterior": {"coef": coef[:1], "intercept": b[:1]},
         "approximation": {"mean": np.r_[est.intercept_, est.coef_][None, None, :],
                           "cov": np.eye(7)[None, None]}},
        coords={"feature": feats, "param": ["intercept"] + feats, "param2": ["intercept"] + feats},
        dims={"coef": ["feature"], "mean": ["param"], "cov": ["param", "param2"]},
        attrs={"posterior": {"sampler": "laplace"}})
    return data, est, nuts, lap


def _assert_map_equal(loaded: Results, est):
    res, ref = loaded.map, est.map_
    assert isinstance(res, bayesreg.MapResult)
    np.testing.assert_array_equal(res.coef, ref.coef)
    np.testing.assert_array_equal(np.signbit(res.coef), np.signbit(ref.coef))  # −0.0 stays −0.0
    for name in ("intercept", "objective", "converged", "n_iter", "n_grad", "optimality", "solver", "tol", "message"):
        assert getattr(res, name) == getattr(ref, name), name
        assert type(getattr(res, name)) is type(getattr(ref, name)), name
    for name in ("objective", "step_size", "optimality"):
        np.testing.assert_array_equal(getattr(res.history, name), getattr(ref.history, name))  # NaN == NaN here
        assert isinstance(getattr(res.history, name), list)


def test_full_round_trip_single_posterior(tmp_path, fitted):
    data, est, nuts, lap = fitted
    table = compare(est, nuts, true_coef=data.coef, true_intercept=data.intercept)
    settings = {"command": "compare", "draws": 60, "seed": None, "lam": 2.0, "nested": {"a": [1, 2]},
                "np_value": np.float64(0.5)}
    path = tmp_path / "results.nc"
    assert save_results(path, est=est, posterior=nuts, comparison=table, settings=settings) == path
    assert sorted(os.listdir(tmp_path)) == ["results.nc"]
    loaded = load_results(path)

    _assert_map_equal(loaded, est)
    assert loaded.prior == Laplace(2.0) and type(loaded.prior) is Laplace
    assert loaded.intercept_prior == Flat() and type(loaded.intercept_prior) is Flat
    assert loaded.feature_names == est.feature_names()
    assert loaded.fit_intercept is True
    assert loaded.estimator == "LogisticRegression"
    assert loaded.estimator_params["tol"] == est.tol and loaded.estimator_params["solver"] == est.solver == "auto"

    assert isinstance(loaded.posterior, xr.DataTree)
    assert loaded.posterior.identical(nuts)  # values, coords, dtypes (bool diverging) and attrs
    assert loaded.posterior["sample_stats"]["diverging"].dtype == bool

    pd.testing.assert_frame_equal(loaded.comparison, table, check_exact=True)
    assert loaded.comparison["map_is_zero"].dtype == bool and loaded.comparison["map_is_zero"].any()
    assert loaded.comparison.attrs == table.attrs

    assert loaded.settings == {**settings, "np_value": 0.5}


def test_round_trip_dict_of_posteriors_and_multiindex_table(tmp_path, fitted):
    data, est, nuts, lap = fitted
    runs = {"NUTS/nutpie": nuts, "Laplace": lap}   # "/" cannot be a node name: labels live in attrs
    table = compare(est, runs)
    path = tmp_path / "two.nc"
    save_results(path, est=est, posterior=runs, comparison=table)
    loaded = load_results(path)
    assert list(loaded.posterior) == ["NUTS/nutpie", "Laplace"]
    for label in runs:
        assert loaded.posterior[label].identical(runs[label])
    assert "approximation" in loaded.posterior["Laplace"].children
    pd.testing.assert_frame_equal(loaded.comparison, table, check_exact=True)
    assert isinstance(loaded.comparison.columns, pd.MultiIndex)
    assert loaded.comparison["Laplace"]["r_hat"].isna().all()
    assert loaded.comparison.attrs["runs"] == table.attrs["runs"]
    assert loaded.settings == {}


def test_other_priors_and_no_intercept(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(25, 3))
    y = X @ np.array([1.0, 0.0, -2.0]) + 0.1 * rng.normal(size=25)
    cases = [
        bayesreg.LinearRegression(prior=ElasticNet(0.5, 1.5), intercept_prior=Gaussian(0.01), noise_sd=0.5),
        bayesreg.LinearRegression(prior=Gaussian(3.0), fit_intercept=False),
    ]
    for i, est in enumerate(cases):
        est.fit(X, y)
        path = tmp_path / f"r{i}.nc"
        save_results(path, est=est)
        loaded = load_results(path)
        _assert_map_equal(loaded, est)
        assert loaded.prior == est.prior_ and type(loaded.prior) is type(est.prior_)
        assert loaded.intercept_prior == est.intercept_prior_
        assert loaded.fit_intercept == est.fit_intercept
        assert loaded.posterior is None and loaded.comparison is None
        # σ: fixed (no noise prior) in the first case, estimated (the default) in the second
        assert loaded.noise_prior == est.noise_prior_ and loaded.map.sigma == est.noise_sd_
        assert loaded.map.sigma_estimated == (est.noise_sd is None) and loaded.map.n_outer == est.map_.n_outer
    assert loaded.estimator_params["fit_intercept"] is False and loaded.estimator_params["noise_sd"] is None
    assert type(loaded.noise_prior).__name__ == "Exponential" and loaded.noise_prior.rate == 1.0 / np.std(y)


def test_partial_contents(tmp_path, fitted):
    data, est, nuts, lap = fitted
    p = tmp_path / "s.nc"
    save_results(p, settings={"a": 1})
    r = load_results(p)
    assert r.settings == {"a": 1} and r.map is None and r.prior is None and r.posterior is None
    save_results(p, posterior=lap)
    r = load_results(p)
    assert r.posterior.identical(lap) and r.map is None and r.settings == {}


def test_overwrite_replaces_and_keeps_normal_permissions(tmp_path, fitted):
    data, est, nuts, lap = fitted
    p = tmp_path / "r.nc"
    save_results(p, settings={"run": 1})
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o666 & ~mask  # not the 0600 of a temporary file
    save_results(p, settings={"run": 2})
    assert load_results(p).settings == {"run": 2}
    assert os.listdir(tmp_path) == ["r.nc"]


# -- atomicity ------------------------------------------------------------------------

@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_interrupted_write_leaves_old_file_untouched(tmp_path, fitted, monkeypatch, error):
    data, est, nuts, lap = fitted
    p = tmp_path / "results.nc"
    save_results(p, est=est, settings={"version": "old"})
    before = p.read_bytes()
    written = []

    def half_write(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as f:  # a truncated file where the write was going
            f.write(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
        written.append(os.fspath(filepath))
        raise error

    monkeypatch.setattr(xr.DataTree, "to_netcdf", half_write)
    with pytest.raises(type(error)):
        save_results(p, est=est, posterior=nuts, settings={"version": "new"})
    assert written and os.path.dirname(written[0]) == str(tmp_path)  # the temp file was in the same directory
    assert written[0] != str(p)
    assert p.read_bytes() == before
    assert os.listdir(tmp_path) == ["results.nc"]  # no temporary file left behind
    monkeypatch.undo()
    assert load_results(p).settings == {"version": "old"}


def test_failed_first_write_creates_nothing(tmp_path, monkeypatch):
    def boom(self, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(xr.DataTree, "to_netcdf", boom)
    with pytest.raises(RuntimeError, match="boom"):
        save_results(tmp_path / "new.nc", settings={"a": 1})
    assert os.listdir(tmp_path) == []


# -- errors ---------------------------------------------------------------------------

def test_bad_paths(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_results(tmp_path / "no" / "such" / "dir.nc", settings={"a": 1})
    with pytest.raises(IsADirectoryError, match="directory"):
        save_results(tmp_path, settings={"a": 1})
    with pytest.raises(ArgumentTypeError, match="path.*None"):  # a TypeError (and a ValueError)
        save_results(None, settings={"a": 1})
    with pytest.raises(ArgumentTypeError, match="path.*3"):
        load_results(3)
    with pytest.raises(ValueError, match="path must be a non-empty file path, got ''") as info:
        save_results("", settings={"a": 1})
    assert not isinstance(info.value, TypeError)
    with pytest.raises(FileNotFoundError, match="no results file"):
        load_results(tmp_path / "missing.nc")
    with pytest.raises(IsADirectoryError):
        load_results(tmp_path)
    garbage = tmp_path / "garbage.nc"
    garbage.write_bytes(b"not a netCDF file at all")
    with pytest.raises(ValueError, match="not a results file"):
        load_results(garbage)
    foreign = tmp_path / "foreign.nc"
    xr.DataTree(dataset=xr.Dataset({"x": ("i", [1.0, 2.0])})).to_netcdf(foreign, engine="h5netcdf")
    with pytest.raises(ValueError, match="not a bayesreg results file"):
        load_results(foreign)
    assert sorted(os.listdir(tmp_path)) == ["foreign.nc", "garbage.nc"]


def test_bad_arguments(tmp_path, fitted):
    data, est, nuts, lap = fitted
    p = tmp_path / "r.nc"
    with pytest.raises(ValueError, match="nothing to save"):
        save_results(p)
    # one policy: a wrong type is an ArgumentTypeError (a TypeError that is still a ValueError),
    # the right type with a bad value a ValueError that is not a TypeError
    for call, exc, match in [
        (lambda: save_results(p, est=bayesreg.LogisticRegression()), ValueError, "est"),  # unfitted
        (lambda: save_results(p, posterior=np.zeros((2, 3))), ArgumentTypeError, "posterior.*ndarray"),
        (lambda: save_results(p, posterior={}), ValueError, "posterior.*non-empty"),
        (lambda: save_results(p, posterior={1: nuts}), ArgumentTypeError, r"posterior labels.*\[1\]"),
        (lambda: save_results(p, posterior={"a": np.zeros(3)}), ArgumentTypeError, r"posterior\['a'\]"),
        (lambda: save_results(p, comparison={"map": [1.0]}), ArgumentTypeError, "comparison.*dict"),
        (lambda: save_results(p, settings=["a"]), ArgumentTypeError, r"settings.*\['a'\]"),
        (lambda: save_results(p, settings={1: "a"}), ArgumentTypeError, "settings.*string keys"),
        (lambda: save_results(p, settings={"f": object()}), ArgumentTypeError, "settings"),
    ]:
        with pytest.raises(exc, match=match) as info:
            call()
        assert isinstance(info.value, ValueError)
        assert isinstance(info.value, TypeError) == (exc is ArgumentTypeError), info.value
    assert os.listdir(tmp_path) == []


def test_save_sweep_bad_arguments(tmp_path):
    p = tmp_path / "s.nc"
    ds = xr.Dataset({"map_coef": (("lam", "feature"), np.zeros((2, 1)))}, coords={"lam": [1.0, 2.0], "feature": ["a"]})
    with pytest.raises(ArgumentTypeError, match="sweep.*DataFrame"):
        save_sweep(p, pd.DataFrame({"lam": [1.0]}))
    with pytest.raises(ValueError, match="sweep.*'lam' dimension") as info:
        save_sweep(p, xr.Dataset({"x": ("i", [1.0])}))
    assert not isinstance(info.value, TypeError)
    with pytest.raises(ArgumentTypeError, match="choice"):
        save_sweep(p, ds, choice=[1.0])
    with pytest.raises(ArgumentTypeError, match="settings"):
        save_sweep(p, ds, settings=("a", 1))
    with pytest.raises(ArgumentTypeError, match=r"sweep.attrs \['flag'\]"):
        save_sweep(p, ds.assign_attrs(flag=True))
    assert os.listdir(tmp_path) == []
    # NumPy numbers in settings and attrs are written as plain numbers
    save_sweep(p, ds.assign_attrs(prob=np.float32(0.5)), settings={"lam": np.float32(0.5), "n": np.int64(3)})
    loaded = load_sweep(p)
    assert loaded.settings == {"lam": 0.5, "n": 3}
    assert float(loaded.sweep.attrs["prob"]) == 0.5


def test_file_is_one_self_describing_netcdf(tmp_path, fitted):
    data, est, nuts, lap = fitted
    p = tmp_path / "r.nc"
    save_results(p, est=est, posterior={"a": nuts, "b": lap}, settings={"x": 1})
    with xr.open_datatree(p, engine="h5netcdf") as tree:
        assert tree.attrs["format"] == FORMAT
        assert json.loads(tree.attrs["contents"]) == ["map", "posteriors:dict"]  # the layout is said twice
        assert {"/map", "/posteriors/r0/posterior", "/posteriors/r1/approximation"} <= set(tree.groups)
        np.testing.assert_array_equal(tree["map"]["coef"].values, est.coef_)


# -- hand-edited files are refused, naming the file ---------------------------------------------------

def _set_attr(path, group, key, value):
    import h5py

    with h5py.File(path, "r+") as f:
        node = f[group] if group != "/" else f
        if value is None:
            del node.attrs[key]
        else:
            node.attrs[key] = value


@pytest.mark.parametrize("group, key, value, fragment", [
    ("/posteriors", "layout", "dict", None),                      # single → dict: was read back as a dict
    ("/posteriors", "layout", "several", "layout"),
    ("/posteriors", "labels", '["a", "b"]', "single"),
    ("/posteriors", "labels", "[not json", "not valid JSON"),
    ("/comparison", "columns", '["map"]', "column names for"),    # shortened: was a 1-column table
    ("/", "format_version", "x", "format_version must be an integer"),
    ("/", "settings", None, "missing"),
    ("/", "added_by_hand", "1", "unknown attrs"),
    ("/", "contents", '["map"]', "contents"),
    ("/map", "prior_params", "{", "not valid JSON"),
    ("/map", "solver", None, "missing"),
])
def test_hand_edited_results_file_is_refused(tmp_path, fitted, group, key, value, fragment):
    data, est, nuts, lap = fitted
    path = tmp_path / "res.nc"
    save_results(path, est=est, posterior=nuts, comparison=compare(est, nuts), settings={"a": 1})
    _set_attr(path, group, key, value)
    with pytest.raises(ValueError, match=str(path).replace("\\", "\\\\") + ".*" + (fragment or "")) as info:
        load_results(path)
    assert str(path) in str(info.value)


def test_dict_layout_edited_to_single_is_refused(tmp_path, fitted):
    data, est, nuts, lap = fitted
    path = tmp_path / "res.nc"
    save_results(path, posterior={"NUTS": nuts, "Laplace": lap})
    _set_attr(path, "/posteriors", "layout", "single")
    with pytest.raises(ValueError, match="single"):
        load_results(path)


def test_hand_edited_sweep_file_is_refused(tmp_path):
    ds = xr.Dataset({"map_coef": (("lam", "feature"), np.ones((2, 2)))}, coords={"lam": [1.0, 2.0],
                                                                                  "feature": ["a", "b"]})
    path = tmp_path / "s.nc"
    save_sweep(path, ds)
    _set_attr(path, "/", "format_version", "two")
    with pytest.raises(ValueError, match="format_version must be an integer"):
        load_sweep(path)


# -- links and orphans ------------------------------------------------------------------------------

def test_a_symlinked_path_is_written_through_the_link(tmp_path, fitted):
    data, est, nuts, lap = fitted
    real = tmp_path / "real" / "res.nc"
    real.parent.mkdir()
    save_results(real, settings={"v": 1})
    link = tmp_path / "link.nc"
    link.symlink_to(real)
    save_results(link, est=est, settings={"v": 2})
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert load_results(real).settings == {"v": 2} and load_results(link).map is not None


def test_stale_temporaries_of_dead_writers_are_removed_on_the_next_save(tmp_path):
    import time

    target = tmp_path / "res.nc"
    dead = tmp_path / ".res.nc.2147480000.abcd1234.tmp"        # a pid that is not running
    alive = tmp_path / f".res.nc.{os.getppid()}.efgh5678.tmp"   # a live writer: keep
    old_style = tmp_path / ".res.nc.x1y2z3.tmp"                  # the earlier naming, abandoned long ago
    other = tmp_path / ".other.nc.2147480000.abcd1234.tmp"      # another target's: not ours to touch
    for f in (dead, alive, old_style, other):
        f.write_bytes(b"partial")
    old = time.time() - 7200
    os.utime(old_style, (old, old))
    save_results(target, settings={"x": 1})
    assert not dead.exists() and not old_style.exists()
    assert alive.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name, "res.nc"])


def test_a_writer_killed_mid_save_leaves_nothing_after_the_next_save(tmp_path):
    """SIGKILL runs no clean-up; the orphan it leaves is removed by the next save to that path."""
    import signal
    import subprocess
    import sys
    import time

    target = tmp_path / "res.nc"
    script = f"""
import time, xarray as xr
import bayesreg
def slow(self, path, **kw):
    open(path, "wb").write(b"half")
    time.sleep(60)
xr.DataTree.to_netcdf = slow
bayesreg.save_results({str(target)!r}, settings={{"a": 1}})
"""
    proc = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        deadline = time.time() + 120
        while not list(tmp_path.glob(".res.nc.*.tmp")):
            assert proc.poll() is None and time.time() < deadline, "the writer never started its temporary file"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert list(tmp_path.glob(".res.nc.*.tmp"))  # the orphan
    save_results(target, settings={"a": 2})
    assert not list(tmp_path.glob(".res.nc.*.tmp")) and load_results(target).settings == {"a": 2}


def test_permission_error_names_the_users_path_not_the_temporary_file(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        with pytest.raises(PermissionError, match="res.nc") as info:
            save_results(locked / "res.nc", settings={"a": 1})
        assert ".tmp" not in str(info.value)
    finally:
        locked.chmod(0o700)
