r"""The PyMC model of exactly exp(−U), and one compile cache for nutpie.

With normalized densities

    log p(w, b | y) = Σ_n log p(y_n | η_n) + Σ_j log p(w_j) + log p(b) − log p(y) = −U(w, b) + const,

so the model is built from the same objects as U: each prior creates its own
variable (``Prior.to_pymc``: ``coef`` with dims ``feature``, ``intercept``) and
the likelihood its observed ``obs`` (``Likelihood.to_pymc``).  X and y are
``pm.Data``, and so is every strength λ (``coef_lam``, ``coef_lam1``, …) and the
noise sd (``obs_noise_sd``), so nutpie compiles a model once per *structure*
(likelihood, prior kinds, intercept, features: :func:`structure_key`) and takes
new data and new λ through ``with_data``.  Where the noise sd is estimated the
model has ``sigma`` from the noise prior (created first: a noise-scaled prior on w
depends on it; PyMC samples it as log σ, with the Jacobian), its parameters
``sigma_rate``/``sigma_scale`` as data; the noise prior's kind is structure.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable

import numpy as np

from ..progress import COMPILE_MESSAGE
from ..progress import logger as progress_logger
from .problem import Problem

__all__ = ["build", "build_pymc_model", "data_values", "structure_key", "CompileCache", "COMPILED",
           "compiled_nutpie", "clear_compile_cache", "interrupt_after", "flat_point"]


def build(problem: Problem, weights: Callable | None = None):
    """The PyMC model of the problem's posterior.

    ``weights(dims)``, when given, creates the ``coef`` variable instead of the
    problem's prior (a hyperprior on λ does); it runs inside the model context.
    """
    import pymc as pm
    import pytensor.tensor as pt

    m = problem.model
    coords = {"feature": list(m.feature_names), "obs_id": np.arange(m.n_samples)}
    with pm.Model(coords=coords) as pymc_model:
        Xd = pm.Data("X", m.X, dims=("obs_id", "feature"))
        yd = pm.Data("y", m.y, dims="obs_id")
        sigma = m.noise_prior.to_pymc("sigma") if m.noise_prior is not None else None
        if weights is not None:
            coef = weights("feature")
        elif sigma is not None and m.prior_spec.noise_scaled:
            coef = m.prior_spec.to_pymc_given_sigma("coef", sigma, dims="feature")
        else:
            coef = m.prior.to_pymc("coef", dims="feature")
        eta = pt.dot(Xd, coef)
        if m.fit_intercept:
            eta = eta + m.intercept_prior.to_pymc("intercept", dims=None)
        weights = None if m.sample_weight is None else pm.Data("obs_weight", m.sample_weight, dims="obs_id")
        extra = {} if sigma is None else {"sigma": sigma}
        m.likelihood.to_pymc("obs", eta, yd, dims="obs_id", weights=weights, **extra)
    return pymc_model


def data_values(problem: Problem) -> dict[str, object]:
    """Every pm.Data value of the problem's model, by name (what nutpie's ``with_data`` takes)."""
    m = problem.model
    values: dict[str, object] = {"X": m.X, "y": m.y}
    estimated = m.noise_prior is not None
    values.update((m.prior_spec if estimated else m.prior).pymc_data_values("coef"))
    if estimated:
        values.update(m.noise_prior.pymc_data_values("sigma"))
    if m.fit_intercept:
        values.update(m.intercept_prior.pymc_data_values("intercept"))
    values.update(m.likelihood.pymc_data_values("obs"))
    if m.sample_weight is not None:
        values["obs_weight"] = m.sample_weight
    return values


def structure_key(problem: Problem) -> tuple:
    """What decides the compiled graph: not the data values, not λ, not the number of rows."""
    m = problem.model
    estimated = m.noise_prior is not None
    return (m.likelihood.structure_key(), (m.prior_spec if estimated else m.prior).structure_key(),
            m.noise_prior.structure_key() if estimated else None,
            m.intercept_prior.structure_key() if m.fit_intercept else None,
            m.fit_intercept, tuple(m.feature_names), m.sample_weight is not None)


def build_pymc_model(est, X, y, sample_weight=None):
    """The PyMC model of exactly the posterior exp(−U) of an estimator on (X, y).

    Variables: ``coef`` (dims ``feature``), ``intercept`` (scalar; absent with
    ``fit_intercept=False``) and the observed ``obs`` (dims ``obs_id``).
    Data (``pm.Data``, changeable with ``pm.set_data``): ``X``, ``y`` (the
    encoded targets: 0/1 for logistic), ``coef_lam`` (or ``coef_lam1``,
    ``coef_lam2`` for an elastic net), ``intercept_lam``… and ``obs_noise_sd``
    for a linear model with a fixed σ (an estimated σ is the variable ``sigma``, its
    prior's parameters ``sigma_rate`` or ``sigma_scale``); with ``sample_weight``, ``obs_weight`` and ``obs`` is a
    ``pm.Potential`` of the weighted log-likelihood.  The estimator is not
    modified (a clone is fitted when it is not fitted with its current parameters).

    Examples
    --------
    >>> import numpy as np, bayesreg
    >>> from bayesreg.posterior import build_pymc_model
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 1, 0, 1])
    >>> m = build_pymc_model(bayesreg.LogisticRegression(prior=bayesreg.Laplace(2.0)), X, y)
    >>> sorted(m.named_vars)[:4]
    ['X', 'coef', 'coef_lam', 'intercept']
    """
    return build(Problem.from_estimator(est, X, y, sample_weight))


def flat_point(problem: Problem, theta: np.ndarray) -> np.ndarray:
    """θ = (w, b[, log σ]) in the order of the PyMC model's unconstrained vector: (log σ, w, b) when σ is estimated.

    (σ is created first, since a noise-scaled prior on w depends on it.)
    """
    return np.concatenate([theta[-1:], theta[:-1]]) if problem.estimates_sigma else theta


@contextlib.contextmanager
def interrupt_after():
    """Ctrl-C during a compile raises KeyboardInterrupt when the compile returns, instead of being lost.

    numba's compile runs Python callbacks through ctypes, where a KeyboardInterrupt is
    printed ("Exception ignored on calling ctypes callback") and dropped.  In the main
    thread a SIGINT handler records the Ctrl-C and it is raised afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt("interrupted while compiling the model")


class CompileCache:
    """Compiled nutpie models by structure key (least recently added dropped beyond ``max_size``), thread-safe."""

    def __init__(self, max_size: int = 16):
        self.max_size = max_size
        self._compiled: dict[tuple, tuple[object, frozenset]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, build_model: Callable, values: dict, disk=None) -> tuple[object, float]:
        """(compiled model with ``values`` set, compile seconds; 0.0 when it came from a cache).

        ``build_model()`` makes the PyMC model on a miss.  Only the values the compiled
        model has as ``pm.Data`` are passed to ``with_data``.  ``disk``, a
        :class:`~bayesreg.posterior.disk_cache.DiskEntry`, is tried before compiling
        and stores what was compiled (it already holds ``values``).
        """
        with self._lock:
            entry = self._compiled.get(key)
            seconds = 0.0
            if entry is None and disk is not None:
                loaded = disk.load()
                if loaded is not None:
                    progress_logger.info("loaded the compiled model from the cache in %.2f s (%s)",
                                         disk.load_seconds, disk.path.parent)
                    entry = self._remember(key, (loaded, frozenset(k.name for k in loaded.shared_var_keys)))
            if entry is None:
                import nutpie

                progress_logger.info(COMPILE_MESSAGE)
                t0 = time.perf_counter()
                pymc_model = build_model()
                names = frozenset(v.name for v in pymc_model.data_vars)
                with interrupt_after():
                    compiled = nutpie.compile_pymc_model(pymc_model)
                seconds = time.perf_counter() - t0
                if disk is not None:
                    disk.save(compiled)
                progress_logger.info("compiled in %.1f s (cached: the next run with this model structure skips it)",
                                     seconds)
                entry = self._remember(key, (compiled, names))
        compiled, names = entry
        return compiled.with_data(**{k: v for k, v in values.items() if k in names}), seconds

    def _remember(self, key: tuple, entry: tuple) -> tuple:
        if len(self._compiled) >= self.max_size:
            self._compiled.pop(next(iter(self._compiled)))
        self._compiled[key] = entry
        return entry

    def discard(self, key: tuple) -> None:
        """Forget one structure's compiled model (the next ``get`` loads it from disk or compiles it)."""
        with self._lock:
            self._compiled.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._compiled.clear()


#: The process's compiled posterior models (a Dask worker has its own).
COMPILED = CompileCache()


def compiled_nutpie(problem: Problem) -> tuple[object, float, float]:
    """(compiled model with this problem's data, compile seconds, seconds loading it from disk).

    Compile seconds are 0 when the model came from a cache: this process's, or the
    disk cache of :mod:`~bayesreg.posterior.disk_cache` (then the load seconds are > 0).
    """
    from .disk_cache import DiskEntry

    key, values = structure_key(problem), data_values(problem)
    disk = DiskEntry(problem, key, values, flat_point)
    compiled, seconds = COMPILED.get(key, lambda: build(problem), values, disk=disk)
    return compiled, seconds, disk.load_seconds


def clear_compile_cache() -> None:
    """Forget every compiled nutpie model of this process (the next sample loads it from the disk cache or compiles it).

    The disk cache (:mod:`~bayesreg.posterior.disk_cache`) is not touched: delete its folder, or set
    ``BAYESREG_CACHE_DIR=off`` to compile every time.
    """
    COMPILED.clear()
