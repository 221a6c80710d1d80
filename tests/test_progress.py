"""Progress reporting: a bar where someone watches, INFO log lines elsewhere; the compile message; sweep's default."""

from __future__ import annotations

import io
import logging
import sys
import types

import numpy as np
import pytest

import bayesreg as br
from bayesreg import progress
from bayesreg.posterior.pymc_model import CompileCache


class _TTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_mode(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert progress.progress_mode(None) == "log"       # a log or a pipe: log lines
    assert progress.progress_mode(True) == "bar" and progress.progress_mode(False) == "none"
    monkeypatch.setattr(sys, "stderr", _TTY())
    assert progress.progress_mode(None) == "bar"       # a terminal
    with pytest.raises(TypeError, match="progressbar"):
        progress.progress_mode("yes")


def test_jupyter_kernel_gets_a_bar(monkeypatch):
    class ZMQInteractiveShell:  # the shell class of a Jupyter kernel
        pass

    class TerminalInteractiveShell:
        pass

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    fake = types.ModuleType("IPython")
    monkeypatch.setitem(sys.modules, "IPython", fake)
    fake.get_ipython = lambda: ZMQInteractiveShell()
    assert progress.in_notebook() and progress.progress_mode(None) == "bar"
    fake.get_ipython = lambda: TerminalInteractiveShell()  # IPython in a terminal whose stderr is redirected
    assert not progress.in_notebook() and progress.progress_mode(None) == "log"
    fake.get_ipython = lambda: None
    assert not progress.in_notebook()


def _chain(done, total, div=0, tuning=False):
    return types.SimpleNamespace(finished_draws=done, total_draws=total, divergences=div, tuning=tuning)


def test_chain_log_throttles_and_sums_the_chains(caplog):
    caplog.set_level(logging.INFO, logger="bayesreg.progress")
    log = progress.ChainLog("nutpie", every=0.0)
    log([_chain(300, 2000, 1, tuning=True), _chain(500, 2000, 2)])
    assert caplog.records[-1].getMessage() == "nutpie: 800/4000 draws (20%, tuning), 3 divergences"
    slow = progress.ChainLog("nutpie", every=3600.0)
    n = len(caplog.records)
    slow([_chain(1, 2)])
    assert len(caplog.records) == n  # nothing before `every` seconds


def test_log_progress_logs_the_end_and_at_most_every_few_seconds(caplog):
    caplog.set_level(logging.INFO, logger="bayesreg.progress")
    report = progress.log_progress("MAP fits", every=3600.0)
    for done in range(1, 6):
        report(done, 5)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2 and messages[0].startswith("MAP fits: 1/5") and messages[1].startswith("MAP fits: 5/5")


def test_compile_is_announced_and_timed(caplog, monkeypatch):
    # a stand-in for nutpie's compile: the cache logs around whatever compiles
    import nutpie

    class Compiled:
        def with_data(self, **values):
            return self

    monkeypatch.setattr(nutpie, "compile_pymc_model", lambda model: Compiled())
    caplog.set_level(logging.INFO, logger="bayesreg")
    cache = CompileCache()
    model = types.SimpleNamespace(data_vars=[])
    _, seconds = cache.get(("key",), lambda: model, {})
    messages = [r.getMessage() for r in caplog.records if r.name == "bayesreg.progress"]
    assert messages[0] == progress.COMPILE_MESSAGE and messages[1].startswith("compiled in ")
    assert seconds >= 0
    caplog.clear()
    assert cache.get(("key",), lambda: model, {})[1] == 0.0
    assert not caplog.records  # from the cache: no compile, no message


def test_sweep_logs_progress_by_default(caplog):
    caplog.set_level(logging.INFO, logger="bayesreg")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] + rng.normal(size=40) > 0).astype(int)
    est = br.LogisticRegression(prior=br.Gaussian(1.0))
    br.sweep(est, X, y, [0.1, 1.0, 10.0])
    assert any(r.name == "bayesreg.progress" and r.getMessage().startswith("MAP fits: 3/3") for r in caplog.records)
    caplog.clear()
    br.sweep(est, X, y, [0.1, 1.0], progress=None)  # silent
    assert not [r for r in caplog.records if r.name == "bayesreg.progress"]
    seen = []
    br.sweep(est, X, y, [0.1, 1.0], progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]
    with pytest.raises(TypeError, match="progress must be"):
        br.sweep(est, X, y, [0.1, 1.0], progress="bar")


def test_cli_shows_the_progress_logger_only_while_it_runs(capsys):
    from bayesreg.cli import progress_log_shown

    with progress_log_shown():
        progress.logger.info("compiling the model")
        logging.getLogger("bayesreg.parallel").info("not shown: only the progress logger is")
    assert capsys.readouterr().err == "compiling the model\n"
    assert progress.logger.handlers == [] and progress.logger.propagate
