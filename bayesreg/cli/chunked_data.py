"""Data larger than memory in the CLI: ``bayesreg fit|compare DATA --target COL --scheduler ADDRESS``.

DATA (a Parquet file or folder, a CSV file, a folder of CSV files, or a glob such as
``'logs/*.csv'``) is read lazily with Dask, and the fit (and compare's laplace-is
posterior) runs on the cluster (:mod:`bayesreg.chunked`): nothing of N rows comes to
this process.  ``--scheduler`` takes a scheduler address (``tcp://host:8786``),
``local`` (a LocalCluster of this machine's cores, started and closed here) or
``threads`` (Dask's threads in this process, no cluster).  A Parquet file or folder
is read lazily even without ``--scheduler`` (``threads``).

Every column but the target must be numeric (no one-hot encoding, no ``--formula``, no
``--standardize``: that would need the data in memory; prepare them when writing the
files); the CLIError says so.
"""

from __future__ import annotations

import contextlib
import glob
from pathlib import Path

import numpy as np

from .messages import CLIError

__all__ = ["add_scheduler_argument", "cluster_session", "read_chunked", "wants_chunked"]


def add_scheduler_argument(p) -> None:
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="read DATA lazily with Dask (Parquet or CSV file, folder or glob) and fit on this Dask "
                        "scheduler: tcp://host:8786, 'local' (a LocalCluster here) or 'threads' (no cluster); "
                        "DATA never comes into memory. NUTS is not run on such data: compare uses laplace-is")
    p.set_defaults(chunked_data=True)


def _is_parquet(path: str) -> bool:
    p = Path(path)
    return p.suffix == ".parquet" or (p.is_dir() and any(p.glob("*.parquet")))


def wants_chunked(args) -> bool:
    """Read DATA lazily: a command that can (fit, compare) with ``--scheduler`` given, or DATA in Parquet."""
    return (getattr(args, "chunked_data", False) and args.data is not None
            and (args.scheduler is not None or _is_parquet(args.data)))


def _frame(path: str):
    import dask.dataframe as dd

    if _is_parquet(path):
        return dd.read_parquet(path)
    p = Path(path)
    pattern = str(p / "*.csv") if p.is_dir() else path
    if not glob.glob(pattern):
        raise CLIError(f"data file not found: {path}" if not p.is_dir() else f"{path} holds no .csv or .parquet files")
    return dd.read_csv(pattern)


def read_chunked(args):
    """DATA as a :class:`~bayesreg.datasets.Dataset` of Dask DataFrame X and Series y (module docstring)."""
    from ..datasets import Dataset

    for flag, value in (("--formula", getattr(args, "formula", None)), ("--standardize", args.standardize)):
        if value:
            raise CLIError(f"{flag} needs the data in memory; with --scheduler/Parquet data, prepare the columns when "
                           f"writing the files (numeric features, standardized if wanted)")
    if args.target is None:
        raise CLIError(f"{args.data} needs --target COL (the column to predict)")
    try:
        frame = _frame(args.data)
    except CLIError:
        raise
    except Exception as exc:  # noqa: BLE001 - dask/pyarrow raise many types for bad files
        raise CLIError(f"cannot read {args.data} with Dask: {exc}") from None
    if args.target not in frame.columns:
        raise CLIError(f"--target {args.target!r} is not a column of {args.data}; columns are {list(frame.columns)}")
    features = [str(c) for c in frame.columns if c != args.target]
    if not features:
        raise CLIError(f"{args.data} has no feature columns besides {args.target!r}")
    text = [c for c in features if not np.issubdtype(frame[c].dtype, np.number)]
    if text:
        raise CLIError(f"column(s) {text} of {args.data} are not numeric; with --scheduler/Parquet data encode them "
                       f"(e.g. one-hot) when writing the files")
    import dask

    y = frame[args.target]
    logistic = getattr(args, "likelihood", "logistic") == "logistic"
    # one pass: the row count and (logistic) ≤ 3 distinct labels per partition, a small answer
    n, found = dask.compute(frame.map_partitions(len).sum(),
                            y.map_partitions(lambda s: s.drop_duplicates().head(3)) if logistic else None)
    n = int(n)
    labels = np.unique(found.to_numpy()) if logistic else None
    where = getattr(args, "scheduler", None) or "threads"
    return Dataset(X=frame[features], y=y, feature_names=features, labels=labels, n_rows=n,
                   description=f"{args.data} (target {args.target}; {n} rows read lazily with Dask, "
                               f"{frame.npartitions} partitions, scheduler {where})")


@contextlib.contextmanager
def cluster_session(args):
    """The Dask client of ``--scheduler`` for the length of a command (nothing for ``threads`` or no flag)."""
    scheduler = getattr(args, "scheduler", None)
    if scheduler in (None, "threads"):
        yield None
        return
    from ..parallel import open_client
    from .daskrun import quiet_dask

    quiet_dask()
    try:
        client, close_after, description = open_client(scheduler)
    except (OSError, TimeoutError, ValueError) as exc:
        raise CLIError(f"--scheduler {scheduler}: cannot connect to the Dask scheduler: {exc}") from None
    print(f"dask: {description}", flush=True)
    try:
        yield client
    finally:
        for obj in close_after:
            with contextlib.suppress(Exception):  # the benign shutdown noise of a finished run
                obj.close()
