"""Dask for ``bayesreg sweep --posterior --scheduler``: quiet logs, no dashboard unless asked, a clean shutdown.

Dask's ``distributed`` logs at INFO (cluster start, every connection, the shutdown) and, when a
LocalCluster closes, a benign ``CommClosedError`` traceback and "Worker process still alive … killing".
The CLI prints its own progress, so :func:`quiet_dask` raises every Dask logger to ERROR (in this process,
and through ``DASK_LOGGING__DISTRIBUTED`` in the worker processes it starts).  ``--dashboard`` makes the CLI
start the LocalCluster itself with a dashboard and print its link; otherwise the library starts it
(:func:`bayesreg.parallel.open_client`, no dashboard).
"""

from __future__ import annotations

import contextlib
import logging
import os

__all__ = ["quiet_dask", "scheduler_for"]

_NOISY = ("distributed", "tornado", "asyncio", "bokeh")


def quiet_dask(level: int = logging.ERROR) -> None:
    """Raise Dask's loggers (and those it uses: tornado, asyncio, bokeh) to ``level``."""
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", logging.getLevelName(level).lower())  # worker processes
    try:
        import distributed  # noqa: F401  (its import configures its loggers; set ours after it)
    except ImportError:
        return
    names = [n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] in _NOISY]
    for name in set(names) | set(_NOISY):
        logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def scheduler_for(scheduler: str | None, dashboard: bool):
    """What to pass as ``client=`` to the sweep: the ``--scheduler`` value, or (``local`` with
    ``--dashboard``) a Client of a LocalCluster this CLI starts, shows and closes (client, then cluster)."""
    if scheduler is None:
        yield None
        return
    quiet_dask()
    if not (dashboard and scheduler == "local"):
        yield scheduler
        return
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.ERROR)
    client = Client(cluster)
    print(f"dask dashboard: {cluster.dashboard_link}", flush=True)
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):  # the benign shutdown noise (closed comms) of a finished run
            client.close()
        with contextlib.suppress(Exception):
            cluster.close()
