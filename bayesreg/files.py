"""Files on disk, written all-or-nothing: path checks, atomic replace, no orphans, through symlinks.

* A write goes to a temporary file ``.{name}.{pid}.{random}.tmp`` in the target's
  folder, is flushed to disk, then renamed over the target (``os.replace``): an
  interrupted or failed write leaves any existing file untouched.
* A process killed mid-write (SIGKILL: no clean-up runs) leaves its temporary file;
  the next write to the same target removes every such file whose process is gone
  (and any older-format one more than an hour old), so orphans do not pile up.
* A target that is a symbolic link is written *through* the link (the link's
  target is replaced; the link stays), never replaced by a regular file.
* Errors name the user's path, not the hidden temporary file.
* :func:`write_netcdf` — a DataTree to netCDF-4 (h5netcdf) without importing
  ``dask.distributed`` when no distributed client can exist.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from .validation import ArgumentTypeError

__all__ = ["check_path", "atomic_write", "stale_temporaries", "write_netcdf"]


def check_path(path, *, for_writing: bool, what: str = "results file") -> Path:
    """A file path: for writing, its folder must exist (a symlink resolves to its target); else it must exist."""
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentTypeError(f"path must be a file path (str or os.PathLike), got {path!r}")
    if not os.fspath(path):
        raise ValueError(f"path must be a non-empty file path, got {path!r}")
    p = Path(path)
    if for_writing and p.is_symlink():
        p = p.resolve()  # write through the link
    if p.is_dir():
        raise IsADirectoryError(f"path {str(p)!r} is a directory, not a {what}")
    if for_writing:
        parent = p.absolute().parent
        if not parent.is_dir():
            raise FileNotFoundError(f"cannot save to {str(p)!r}: directory {str(parent)!r} does not exist")
    elif not p.exists():
        raise FileNotFoundError(f"no {what} at {str(p)!r}")
    return p


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def stale_temporaries(target: Path, max_age: float = 3600.0) -> list[Path]:
    """Temporary files of earlier writes to ``target`` whose writer is gone."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(?:(\d+)\.)?[^.]+\.tmp$")
    stale = []
    for entry in target.absolute().parent.glob(f".{target.name}.*.tmp"):
        m = pattern.match(entry.name)
        if not m:
            continue
        pid = m.group(1)
        if pid is not None:
            if int(pid) != os.getpid() and not _alive(int(pid)):
                stale.append(entry)
        else:  # the older naming without a pid: only when clearly abandoned
            with contextlib.suppress(OSError):
                if time.time() - entry.stat().st_mtime > max_age:
                    stale.append(entry)
    return stale


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(write, target: Path) -> None:
    """Call ``write(tmp_path)``, flush it to disk, and rename it over ``target``: all or nothing."""
    directory = target.absolute().parent
    for orphan in stale_temporaries(target):
        with contextlib.suppress(OSError):
            orphan.unlink()
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp")
    except PermissionError:
        raise PermissionError(f"cannot write {str(target)!r}: permission denied in {str(directory)!r}") from None
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:  # on disk before the rename makes it visible
            os.fsync(f.fileno())
        mode = (os.stat(target).st_mode & 0o777) if target.exists() else (0o666 & ~_umask())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, PermissionError):
            raise PermissionError(f"cannot write {str(target)!r}: {exc.strerror or exc}") from None
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX)
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


_DISTRIBUTED = ("distributed", "dask.distributed")


def write_netcdf(tree, path) -> None:
    """``tree.to_netcdf(path, engine="h5netcdf")``, without importing ``distributed`` to learn that no client runs.

    On every write xarray asks dask which scheduler is active, and asking imports
    ``distributed`` (0.7 s, most of a small file's write; ``python -X importtime``) to
    look for a running client.  A client can only exist once ``distributed`` has been
    imported, so while it has not been the answer ("none: threaded") is known: for the
    write only, ``distributed`` is marked as not importable (an import of it raises
    ImportError, which dask and xarray read as "no client"), and the mark is removed
    after it.  When ``distributed`` is loaded, the write is xarray's own, unchanged.
    (Another thread importing ``distributed`` during such a write would get an
    ImportError: the CLI has no such thread, a program that has one has usually
    imported it already.)
    """
    if any(name in sys.modules for name in _DISTRIBUTED):
        tree.to_netcdf(path, engine="h5netcdf")
        return
    for name in _DISTRIBUTED:
        sys.modules[name] = None
    try:
        tree.to_netcdf(path, engine="h5netcdf")
    finally:
        for name in _DISTRIBUTED:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
