"""The on-disk cache of compiled nutpie models (bayesreg.posterior.disk_cache).

One real compile for the whole module (a logistic model whose feature names no other
test uses, so it is this module's own structure); everything else reuses it.  The cache
folder is a temporary one (conftest turns the disk cache off for every other test).
"""

import logging
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import bayesreg as br
from bayesreg.posterior import disk_cache, sample_posterior
from bayesreg.posterior.disk_cache import DiskEntry, cache_dir, check_density, decode_entry, encode_entry
from bayesreg.posterior.nuts import pymc_initial_point
from bayesreg.posterior.problem import Problem
from bayesreg.posterior.pymc_model import COMPILED, build, data_values, flat_point, structure_key

NAMES = ["dc_a", "dc_b", "dc_c"]
RUN = {"draws": 150, "tune": 150, "chains": 2, "random_seed": 5, "sampler": "nutpie", "progressbar": False}


def _data(seed=0, n=40):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, len(NAMES))), columns=NAMES)
    y = (X["dc_a"] - 0.5 * X["dc_b"] + rng.normal(size=n) > 0).astype(int)
    return X, y


def _entry(est, X, y):
    problem = Problem.from_estimator(est, X, y)
    return DiskEntry(problem, structure_key(problem), data_values(problem), flat_point), problem


def _sample(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # few draws: ESS warnings are expected
        return sample_posterior(est, X, y, **RUN)


@pytest.fixture(scope="module")
def cached(tmp_path_factory):
    """Sample once with a compile (stored on disk), then again with the model loaded from disk."""
    import nutpie

    folder = tmp_path_factory.mktemp("bayesreg-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("BAYESREG_CACHE_DIR", str(folder))
    compiled = []
    original = nutpie.compile_pymc_model
    mp.setattr(nutpie, "compile_pymc_model", lambda model: compiled.append(original(model)) or compiled[-1])
    X, y = _data()
    est = br.LogisticRegression(prior=br.Gaussian(1.0)).fit(X, y)
    entry, problem = _entry(est, X, y)
    COMPILED.discard(structure_key(problem))
    first = _sample(est, X, y)
    n_compiles = len(compiled)
    COMPILED.discard(structure_key(problem))  # a new process: only the disk has it
    second = _sample(est, X, y)
    yield {"folder": folder, "est": est, "X": X, "y": y, "first": first, "second": second, "entry": entry,
           "problem": problem, "fresh": compiled[0], "n_compiles": n_compiles, "n_compiles_after": len(compiled),
           "monkeypatch": mp}
    COMPILED.discard(structure_key(problem))
    mp.undo()


def test_a_model_loaded_from_disk_gives_the_same_draws(cached):
    first, second = cached["first"]["posterior"], cached["second"]["posterior"]
    assert cached["n_compiles"] == 1 and cached["n_compiles_after"] == 1  # the second run compiled nothing
    assert first.attrs["compile_time"] > 0 and first.attrs["cache_load_time"] == 0.0
    assert second.attrs["compile_time"] == 0.0 and second.attrs["cache_load_time"] > 0
    for name in ("coef", "intercept"):
        np.testing.assert_array_equal(first[name].values, second[name].values)
    assert list(cached["folder"].glob("nutpie/*.bin")) == [cached["entry"].path]


def test_the_loaded_density_is_minus_U(cached):
    loaded = cached["entry"].load()
    assert loaded is not None
    assert check_density(loaded, cached["problem"], flat_point) == ""
    # and the check can fail: the same callbacks read against another λ's U (an independent numpy U)
    other = br.LogisticRegression(prior=br.Gaussian(3.0)).fit(cached["X"], cached["y"])
    _, other_problem = _entry(other, cached["X"], cached["y"])
    assert "differences" in check_density(loaded, other_problem, flat_point)


def test_new_data_go_through_with_data(cached):
    # same structure, other rows (and another number of them) and λ: the cached callbacks read the new data
    X, y = _data(seed=1, n=60)
    est = br.LogisticRegression(prior=br.Gaussian(0.5)).fit(X, y)
    entry, problem = _entry(est, X, y)
    assert entry.path == cached["entry"].path
    loaded = entry.load()
    assert loaded is not None and check_density(loaded, problem, flat_point) == ""
    np.testing.assert_array_equal(loaded.shared_data[next(k for v, k in loaded.shared_var_keys.items()
                                                          if v.name == "X")], X.to_numpy())


def test_a_corrupted_file_is_removed_and_rebuilt(cached, monkeypatch, caplog):
    entry = cached["entry"]
    good = entry.path.read_bytes()
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0xFF
    entry.path.write_bytes(bytes(bad))
    with caplog.at_level(logging.WARNING, logger="bayesreg.posterior.disk_cache"):
        assert entry.load() is None
    assert "checksum" in caplog.text and not entry.path.exists()
    # the next run compiles (here: hands back the compiled model instead of compiling again) and stores it anew
    import nutpie

    monkeypatch.setattr(nutpie, "compile_pymc_model", lambda model: cached["fresh"])
    key = structure_key(cached["problem"])
    COMPILED.discard(key)
    _, seconds = COMPILED.get(key, lambda: build(cached["problem"]), data_values(cached["problem"]), disk=entry)
    COMPILED.discard(key)
    assert seconds > 0 and entry.path.exists()
    assert entry.load() is not None
    entry.path.write_bytes(good[: len(good) // 3])  # truncated (a crash mid-write of another tool)
    assert entry.load() is None and not entry.path.exists()
    entry.path.write_bytes(good)


def test_an_entry_whose_code_is_not_this_model_is_refused(cached, caplog):
    # a Laplace model of the same shapes has its own key; a file under that key holding the Gaussian
    # model's code (what a stale entry would be) passes the checksum but not the check against U
    est = br.LogisticRegression(prior=br.Laplace(1.0)).fit(cached["X"], cached["y"])
    entry, _ = _entry(est, cached["X"], cached["y"])
    assert entry.path != cached["entry"].path and entry.load() is None  # not the Gaussian's entry
    state = decode_entry(cached["entry"].path.read_bytes())
    state["key"] = entry.key
    entry.path.write_bytes(encode_entry(state))
    with caplog.at_level(logging.WARNING, logger="bayesreg.posterior.disk_cache"):
        assert entry.load() is None
    assert "disagrees with U" in caplog.text and not entry.path.exists()
    # a file renamed onto another key is refused by its stored key
    state["key"] = "something else"
    entry.path.write_bytes(encode_entry(state))
    assert entry.load() is None and not entry.path.exists()


@pytest.mark.parametrize("change", ["prior", "intercept", "features", "likelihood", "dtype"])
def test_another_structure_has_another_entry(cached, change):
    X, y, est = cached["X"], cached["y"], cached["est"]
    if change == "prior":
        est = br.LogisticRegression(prior=br.ElasticNet(1.0, 1.0))
    elif change == "intercept":
        est = br.LogisticRegression(prior=br.Gaussian(1.0), fit_intercept=False)
    elif change == "features":
        X = X.rename(columns={"dc_c": "dc_z"})
    elif change == "likelihood":
        est, y = br.LinearRegression(prior=br.Gaussian(1.0)), X["dc_a"] + np.random.default_rng(2).normal(size=len(X))
    entry, problem = _entry(clone(est), X, y)
    values = data_values(problem)
    if change == "dtype":  # y stored as integers: another compiled type
        values = {**values, "y": values["y"].astype(np.int64)}
        entry = DiskEntry(problem, structure_key(problem), values, flat_point)
    assert entry.key != cached["entry"].key and entry.path != cached["entry"].path
    assert entry.load() is None


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("BAYESREG_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine" / "nutpie"
    for off in ("off", "0", "", "none"):
        monkeypatch.setenv("BAYESREG_CACHE_DIR", off)
        assert cache_dir() is None
    monkeypatch.delenv("BAYESREG_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "bayesreg" / "nutpie"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "bayesreg" / "nutpie"


def test_off_means_no_file(cached, monkeypatch):
    monkeypatch.setenv("BAYESREG_CACHE_DIR", "off")
    entry, _ = _entry(cached["est"], cached["X"], cached["y"])
    assert entry.path is None and entry.load() is None
    entry.save(cached["fresh"])  # a no-op


def test_concurrent_writers_leave_one_complete_file(cached, tmp_path, monkeypatch):
    monkeypatch.setenv("BAYESREG_CACHE_DIR", str(tmp_path))
    entry, _ = _entry(cached["est"], cached["X"], cached["y"])
    threads = [threading.Thread(target=entry.save, args=(cached["fresh"],)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.name for p in (tmp_path / "nutpie").iterdir()] == [entry.path.name]  # no temporary file left
    assert entry.load() is not None


def test_the_initial_point_of_a_loaded_model_is_nutpies(cached):
    # a model loaded from disk has no initial-point function; without a MAP it is rebuilt from PyMC's
    fresh = cached["fresh"]
    mine = pymc_initial_point(cached["problem"], fresh.shape_info, fresh.n_dim)
    for seed in (0, 7):
        np.testing.assert_array_equal(mine(seed), fresh.initial_point_func(seed))


def test_only_random_numba_ids_are_stored():
    assert disk_cache._small_uids(["_ZN5numba3fooB2v7E", "x"])
    assert not disk_cache._small_uids(["_ZN5numba3fooB40v" + "3" * 39 + "E", "B2IKSgI4B1v"])
