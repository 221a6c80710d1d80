"""Where work runs: how many cores this process may use, and BLAS threads around parallel work.

Parallel chains or likelihood threads each running a multi-threaded BLAS
oversubscribe the machine (PyMC on 10,000 × 100 ran 5× faster with one BLAS
thread per chain), so parallel sections limit BLAS to one thread.
"""

from __future__ import annotations

import contextlib
import os

__all__ = ["available_cores", "blas_one_thread"]


def available_cores(wanted: int | None = None) -> int:
    """The CPUs this process may run on (its affinity), at most ``wanted``, at least 1."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        available = os.cpu_count() or 1
    return max(1, available if wanted is None else min(int(wanted), available))


def blas_one_thread(parallel: bool = True):
    """A context limiting BLAS to one thread when ``parallel`` (a no-op context otherwise)."""
    if not parallel:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1, user_api="blas")
