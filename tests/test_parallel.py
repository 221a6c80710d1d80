"""bayesreg.parallel: cores, and the BLAS thread limit shared safely between user threads."""

from __future__ import annotations

import threading

import pytest

from threadpoolctl import threadpool_info

from bayesreg.parallel import available_cores, blas_one_thread


def _blas_threads() -> list[int]:
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_available_cores_respects_the_request():
    assert available_cores(1) == 1
    assert 1 <= available_cores() == available_cores(10_000)


def test_overlapping_blas_limits_from_two_threads_restore_the_original(monkeypatch):
    """A enters, B enters, A leaves, B leaves: one limit set by the first in, restored by the last out.

    (Plain nested threadpool_limits restore in the wrong order and leave BLAS at one thread.)
    threadpoolctl's controller is replaced by a recorder: whether a BLAS build keeps its thread count per
    thread or per process is the library's business, the reference counting is ours.
    """
    from bayesreg import parallel

    events = []

    class Limiter:
        def restore_original_limits(self):
            events.append(("restore",))

    class Recorder:
        def limit(self, *, limits, user_api):
            events.append(("set", limits, user_api))
            return Limiter()

    monkeypatch.setattr(parallel, "_blas_controller", Recorder())
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def thread_a():
        with blas_one_thread():
            a_in.set()
            assert b_in.wait(30)
        a_out.set()

    def thread_b():
        assert a_in.wait(30)
        with blas_one_thread():
            b_in.set()
            assert a_out.wait(30)
            seen["while_b_alone"] = list(events)  # A has left: nothing restored yet

    ts = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert seen["while_b_alone"] == [("set", 1, "blas")]
    assert events == [("set", 1, "blas"), ("restore",)]
    with blas_one_thread():  # and the next user sets it again
        pass
    assert events[2:] == [("set", 1, "blas"), ("restore",)]


def test_blas_limit_is_set_and_restored_for_real():
    original = _blas_threads()
    with blas_one_thread():
        assert all(n == 1 for n in _blas_threads())
    assert _blas_threads() == original


def test_blas_limit_is_a_no_op_when_not_parallel():
    original = _blas_threads()
    with blas_one_thread(False):
        assert _blas_threads() == original


def test_an_unreachable_scheduler_fails_within_the_connect_timeout(monkeypatch):
    import distributed

    from bayesreg import parallel

    seen = {}

    class Refusing:
        def __init__(self, address, **kwargs):
            seen.update(kwargs, address=address)
            raise OSError(f"Timed out trying to connect to {address} after {kwargs.get('timeout')} s")

    monkeypatch.setattr(distributed, "Client", Refusing)
    with pytest.raises(OSError, match="127.0.0.1:9"):
        parallel.open_client("tcp://127.0.0.1:9")
    assert seen["address"] == "tcp://127.0.0.1:9" and 0 < seen["timeout"] <= 5


def test_fits_from_several_user_threads_do_not_interfere():
    """Newton limits BLAS threads inside fit; four threads fitting at once get the serial answers."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    import bayesreg as br

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 8))
    y = (X[:, 0] - X[:, 1] + rng.normal(size=300) > 0).astype(int)
    priors = [br.Gaussian(0.5), br.Laplace(2.0), br.ElasticNet(1.0, 1.0), br.Gaussian(5.0)] * 2

    def fit(prior):
        return br.LogisticRegression(prior=prior, solver="newton", tol=1e-10).fit(X, y).coef_

    serial = [fit(p) for p in priors]
    with ThreadPoolExecutor(4) as ex:
        threaded = list(ex.map(fit, priors))
    for a, b in zip(serial, threaded):
        np.testing.assert_allclose(a, b, atol=1e-9)
