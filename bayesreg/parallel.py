"""Where work runs: cores and BLAS threads in this process, and independent jobs serially or on Dask.

* Parallel chains or likelihood threads each running a multi-threaded BLAS
  oversubscribe the machine (PyMC on 10,000 × 100 ran 5× faster with one BLAS
  thread per chain), so parallel sections limit BLAS to one thread.
* :func:`run_all` calls a function on every item, in process or as Dask tasks,
  with retries, a rescheduled task when a worker dies, results fetched as they
  finish and returned in the order of the items, and the failures reported
  rather than raised (nothing already finished is lost).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from typing import Sequence

__all__ = ["available_cores", "blas_one_thread", "open_client", "close_all", "run_all", "where"]

logger = logging.getLogger(__name__)

#: Seconds to reach a Dask scheduler before giving up.
CONNECT_TIMEOUT = 5.0

#: What stops a whole run rather than failing one job (a sampler's Rust panic is a BaseException too, but not these).
_STOP = (KeyboardInterrupt, SystemExit, GeneratorExit)


def available_cores(wanted: int | None = None) -> int:
    """The CPUs this process may run on (its affinity), at most ``wanted``, at least 1."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        available = os.cpu_count() or 1
    return max(1, available if wanted is None else min(int(wanted), available))


def blas_one_thread(parallel: bool = True):
    """A context limiting BLAS to one thread when ``parallel`` (a no-op context otherwise).

    The BLAS thread count is process-wide, so the limit is reference-counted: the
    first caller to enter sets it, the last to leave restores the original.  Fits
    run from several user threads therefore never leave BLAS stuck at one thread
    (nested or overlapping ``threadpool_limits`` restore each other's values).
    """
    return _one_blas_thread() if parallel else contextlib.nullcontext()


_BLAS_LOCK = threading.Lock()
_blas_users = 0
_blas_limiter = None


_blas_controller = None


def _controller():
    """threadpoolctl's view of the loaded BLAS libraries, found once: scanning them costs ~4 ms per call."""
    global _blas_controller
    if _blas_controller is None:
        from threadpoolctl import ThreadpoolController

        _blas_controller = ThreadpoolController()
    return _blas_controller


@contextlib.contextmanager
def _one_blas_thread():
    global _blas_users, _blas_limiter
    with _BLAS_LOCK:
        if _blas_users == 0:
            _blas_limiter = _controller().limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


def _cpu_share(worker, n_workers: int) -> None:
    """Worker k of n keeps every n-th of the CPUs it may run on (Linux; no-op elsewhere)."""
    if not hasattr(os, "sched_setaffinity"):
        return
    try:
        k = int(worker.name) % n_workers
    except (TypeError, ValueError):
        return
    cpus = sorted(os.sched_getaffinity(0))
    share = cpus[k::n_workers]
    if share and len(cpus) >= n_workers:
        os.sched_setaffinity(0, share)


def _cpu_share_plugin(n_workers: int):
    """A WorkerPlugin giving each of n workers its own share of the CPUs.

    Each worker's nutpie runs its chains on as many threads as it has CPUs; without
    this, two workers on two CPUs run four chain threads on two CPUs.  Used only
    for the LocalCluster that ``client="local"`` starts; a restarted worker gets its
    share again (plugins run on every new worker).
    """
    from distributed.diagnostics.plugin import WorkerPlugin

    class CpuShare(WorkerPlugin):
        idempotent = True

        def setup(self, worker):
            _cpu_share(worker, n_workers)

    return CpuShare()


def open_client(client):
    """(Client or None, close_after: list of objects to close, description)."""
    if client is None:
        return None, [], "serial (in process)"
    from distributed import Client, LocalCluster

    if isinstance(client, Client):
        return client, [], f"dask client {client.scheduler.address if client.scheduler else '?'}"
    if client == "local":
        # no dashboard, and its HTTP server on a free port (":0"): the default 8787 may be taken
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                               scheduler_kwargs={"dashboard": False}, silence_logs=logging.ERROR)
        c = Client(cluster)
        try:
            c.register_plugin(_cpu_share_plugin(2), name="bayesreg-cpu-share")
        except Exception as exc:  # noqa: BLE001 - an optimization only
            logger.info("could not give the workers separate CPUs: %r", exc)
        return c, [c, cluster], f"dask LocalCluster (2 workers × 1 thread) at {cluster.scheduler_address}"
    if isinstance(client, str) and client:
        c = Client(client, timeout=CONNECT_TIMEOUT)  # an unreachable address fails in seconds, not 30
        return c, [c], f"dask scheduler {client}"
    raise TypeError(f"client must be None (serial), 'local', a scheduler address string or a "
                    f"distributed.Client, got {client!r}")


def run_all(fn, items: Sequence, *, client=None, retries: int = 1, progress=None, shared=(),
             describe=lambda i: f"run {i}") -> tuple[list, dict[int, str]]:
    """Call ``fn(item, *shared)`` for every item; (results in the order of items, {index: error}).

    Serial when ``client`` is None; else every item is a Dask task (submitted with
    ``retries=``; a task whose worker dies is rescheduled by the scheduler, up to
    its ``allowed-failures``).  Each result is fetched as soon as its task
    finishes, so a worker dying later loses nothing already finished.  A run
    that still fails is reported in the returned dict (None in its slot).
    """
    retries = int(retries)
    n = len(items)
    results: list = [None] * n
    failures: dict[int, str] = {}
    done = 0

    def _tick(i):
        nonlocal done
        done += 1
        logger.info("%s finished (%d/%d)%s", describe(i), done, n, " (FAILED)" if i in failures else "")
        if progress is not None:
            progress(done, n)

    if client is None:
        for i, item in enumerate(items):
            for attempt in range(retries + 1):
                try:
                    results[i] = fn(item, *shared)
                    break
                except BaseException as exc:  # noqa: BLE001 - a failed run (even a Rust panic) is retried, then reported
                    if isinstance(exc, _STOP):
                        raise
                    logger.warning("%s failed (attempt %d of %d): %r", describe(i), attempt + 1, retries + 1, exc)
                    if attempt == retries:
                        failures[i] = f"{type(exc).__name__}: {exc}"
            _tick(i)
        return results, failures

    import uuid

    from distributed import as_completed

    shared_f = [client.scatter(s, broadcast=True) for s in shared]
    token = uuid.uuid4().hex[:10]
    futures = [client.submit(fn, item, *shared_f, key=f"bayesreg-run-{token}-{i}", retries=retries, pure=False)
               for i, item in enumerate(items)]
    index = {f.key: i for i, f in enumerate(futures)}
    try:
        for fut in as_completed(futures):
            i = index[fut.key]
            try:
                if fut.status == "finished":
                    results[i] = fut.result()
                else:
                    exc = fut.exception()
                    failures[i] = f"{type(exc).__name__}: {exc}" if exc is not None else fut.status
            except Exception as exc:  # noqa: BLE001 - e.g. the result was lost and could not be recomputed
                failures[i] = f"{type(exc).__name__}: {exc}"
            fut.release()
            _tick(i)
    finally:
        for f in futures:
            f.cancel()
        for s in shared_f:
            s.release()
    return results, failures



def where() -> tuple[str, int]:
    """(worker address or "local", process id) of the process running this."""
    try:
        from distributed import get_worker

        address = get_worker().address
    except (ImportError, ValueError):
        address = "local"
    return address, os.getpid()



def close_all(objects) -> None:
    """Close what :func:`open_client` opened (a Client, then its LocalCluster)."""
    for obj in objects:
        obj.close()
