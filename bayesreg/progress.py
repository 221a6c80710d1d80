"""How long runs report progress: a bar where someone watches, INFO log lines otherwise.

* :func:`progress_mode` resolves ``progressbar=None`` (the default of
  ``sample_posterior``): ``"bar"`` in a terminal (stderr a TTY) or a Jupyter kernel
  (nutpie draws its own HTML bar there), else ``"log"``: an INFO line on the
  ``bayesreg.progress`` logger at most every :data:`LOG_EVERY` seconds, so that a
  logged or piped run (``logging.basicConfig(level=logging.INFO)``) sees it.
  ``True``/``False`` force a bar / nothing.
* :class:`ChainLog` is nutpie's ``progress_callback`` in ``"log"`` mode.
* :func:`log_progress` is a ``progress(done, total)`` callable for sweeps that logs
  instead of printing (``progress="log"``, the default of :func:`bayesreg.sweep`;
  :func:`as_progress` resolves it).
* :data:`logger` (``bayesreg.progress``) also carries the start/end lines with timing
  and the compile message; the CLI shows this logger at INFO (``bayesreg.cli``).

Nothing here prints: progress is logging, never ``print``.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

from .validation import check_bool

__all__ = ["logger", "progress_mode", "in_notebook", "ChainLog", "log_progress", "LOG_EVERY", "COMPILE_MESSAGE",
           "as_progress", "log_rate_ms"]

#: The logger of user-facing progress (compile, sampling start/end, periodic progress).
logger = logging.getLogger("bayesreg.progress")

#: Seconds between periodic progress lines in "log" mode.
LOG_EVERY = 5.0

#: Logged at INFO before a PyMC model is compiled.
COMPILE_MESSAGE = "compiling the model (first run only; 10–75 s)…"


def in_notebook() -> bool:
    """True inside a Jupyter (IPython kernel) session, where nutpie shows an HTML progress bar."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # noqa: BLE001 - an IPython without a running shell
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def progress_mode(progressbar) -> str:
    """"bar", "log" or "none" for ``progressbar`` (None: a bar in a terminal or Jupyter, log lines otherwise)."""
    if progressbar is None:
        return "bar" if _stderr_isatty() or in_notebook() else "log"
    return "bar" if check_bool(progressbar, "progressbar") else "none"


def _stderr_isatty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


def log_rate_ms() -> int:
    """How often (ms) nutpie calls :class:`ChainLog`: often enough for :data:`LOG_EVERY`, at most once a second."""
    return int(1000 * max(0.05, min(LOG_EVERY, 1.0)))


class ChainLog:
    """nutpie's ``progress_callback``: an INFO line (draws done, divergences) at most every ``every`` seconds.

    It runs on nutpie's background thread (hence the lock).
    """

    def __init__(self, label: str, every: float | None = None):
        self.label = label
        self.every = LOG_EVERY if every is None else float(every)
        self._last = time.perf_counter()
        self._lock = threading.Lock()

    def __call__(self, chains) -> None:
        now = time.perf_counter()
        with self._lock:
            if now - self._last < self.every:
                return
            self._last = now
        done = sum(int(c.finished_draws) for c in chains)
        total = sum(int(c.total_draws) for c in chains)
        divergences = sum(int(c.divergences) for c in chains)
        phase = "tuning" if any(bool(c.tuning) for c in chains) else "sampling"
        logger.info("%s: %d/%d draws (%.0f%%, %s), %d divergences", self.label, done, total,
                    100.0 * done / max(total, 1), phase, divergences)


def log_progress(label: str, every: float | None = None):
    """A ``progress(done, total)`` callable logging 'label: done/total' at INFO (at most every ``every`` s, and the end)."""
    every = LOG_EVERY if every is None else float(every)
    start = time.perf_counter()
    last = [-float("inf")]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if done >= total or now - last[0] >= every:
            last[0] = now
            logger.info("%s: %d/%d (%.1f s)", label, done, total, now - start)

    return progress


def as_progress(value, label: str, name: str = "progress"):
    """A ``progress(done, total)`` callable or None: ``"log"`` → :func:`log_progress` (label), None → silent."""
    if value is None or callable(value):
        return value
    if isinstance(value, str) and value == "log":
        return log_progress(label)
    raise TypeError(f"{name} must be a callable progress(done, total), 'log' or None, got {value!r}")
