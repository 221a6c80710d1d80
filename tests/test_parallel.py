"""bayesreg.parallel: cores, and the BLAS thread limit shared safely between user threads."""

from __future__ import annotations

import threading

from threadpoolctl import threadpool_info

from bayesreg.parallel import available_cores, blas_one_thread


def _blas_threads() -> list[int]:
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_available_cores_respects_the_request():
    assert available_cores(1) == 1
    assert 1 <= available_cores() == available_cores(10_000)


def test_overlapping_blas_limits_from_two_threads_restore_the_original():
    """A enters, B enters, A leaves, B leaves: plain threadpool_limits would leave BLAS at 1 thread."""
    original = _blas_threads()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    inside = {}

    def thread_a():
        with blas_one_thread():
            a_in.set()
            b_in.wait(10)
        a_out.set()

    def thread_b():
        a_in.wait(10)
        with blas_one_thread():
            b_in.set()
            a_out.wait(10)
            inside["b_after_a_left"] = _blas_threads()  # A has left: B still runs with one thread

    ts = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(20)
    assert all(n == 1 for n in inside["b_after_a_left"])
    assert _blas_threads() == original


def test_blas_limit_is_a_no_op_when_not_parallel():
    original = _blas_threads()
    with blas_one_thread(False):
        assert _blas_threads() == original
