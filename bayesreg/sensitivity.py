r"""Prior sensitivity: λ paths, how much the posterior moves with λ, and choosing λ.

A sweep varies the prior strength λ with everything else fixed.  For an
elastic net, λ is λ1 and the ratio λ2/λ1 is kept (``with_strength``).

* **MAP path.**  λ is visited from the strongest prior to the weakest, each fit
  warm-started from the previous solutions (extrapolated linearly in log λ; L1
  zeros kept at zero), the data validated once; results are returned in the
  order the caller gave.  The path equals independent fits (each to the solver's tol).
* **Posterior path** (:func:`sweep`).  The PyMC model is compiled once; only λ
  (a ``pm.Data``) changes between runs (nutpie ``with_data``).  Runs are
  independent, so they can be spread over a Dask cluster (``client=``): each
  worker process compiles once (``posterior``'s compile cache is per process),
  results are fetched as each run finishes and put back in λ order, a run that
  raises is retried (``retries=``), a run whose worker dies is rescheduled, and
  one that still fails is reported (NaN row, ``failed``) without losing the others.
* **Sensitivity in λ units** (:func:`prior_sensitivity`).  For Gaussian,
  Laplace and elastic-net priors, raising the prior density to the power α is
  the same as λ → αλ (up to normalization), so ArviZ's power-scaling diagnostic
  and the derivative d E[w | y] / d log λ measure the same thing; the
  derivative is computed by importance reweighting (psense's weights) and by
  refits at λ·(1 ± δ) with the same seed.
* **Choosing λ.**  K-fold cross-validated log-loss along the MAP path (λ_min
  and the one-standard-error λ: the strongest prior within one SE of the
  minimum); the empirical-Bayes λ that maximizes the Laplace-approximation
  evidence (Gaussian prior)

      log p(y | λ) ≈ −Σ nll(ŵ) − (λ/2)‖ŵ‖² + (D/2) log λ − ½ log det H(ŵ) + const,

  exact for the linear–Gaussian model; and full Bayes with a Gamma hyperprior
  on λ (:func:`full_bayes_lambda`).  :func:`choose_lambda` puts all three on one grid.

Nothing here prints: progress goes to a ``progress(done, total)`` callable and
to ``logging``; problems are warnings.
"""

from __future__ import annotations

import copy
import logging
import math
import warnings
from typing import Callable, Sequence

import numpy as np
import xarray as xr
from sklearn.base import clone

from .priors import ElasticNet, Flat, Gaussian, Laplace, Prior

__all__ = ["with_strength", "strength_of", "check_lams", "scale_power", "map_path", "sweep", "SweepFailure",
           "prior_sensitivity", "cross_validate_path", "empirical_bayes_lambda", "laplace_log_evidence",
           "full_bayes_lambda", "choose_lambda"]

logger = logging.getLogger(__name__)


def strength_of(prior: Prior) -> float:
    """The λ a sweep varies: lam for Gaussian/Laplace, lam1 for the elastic net."""
    if isinstance(prior, (Gaussian, Laplace)):
        return prior.lam
    if isinstance(prior, ElasticNet):
        return prior.lam1 if prior.lam1 > 0 else prior.lam2
    raise TypeError(f"prior must be Gaussian, Laplace or ElasticNet to sweep λ, got {prior!r}")


def with_strength(prior: Prior, lam: float) -> Prior:
    """The same kind of prior at strength λ (an elastic net keeps its ratio λ2/λ1)."""
    if isinstance(prior, Gaussian):
        return Gaussian(lam)
    if isinstance(prior, Laplace):
        return Laplace(lam)
    if isinstance(prior, ElasticNet):
        if prior.lam1 == 0:
            return ElasticNet(0.0, lam)
        return ElasticNet(lam, lam * prior.lam2 / prior.lam1)
    raise TypeError(f"prior must be Gaussian, Laplace or ElasticNet to sweep λ, got {prior!r}")


def check_lams(lams) -> np.ndarray:
    """λ values as a 1-D float array: finite, > 0, no duplicates."""
    arr = np.asarray(lams, dtype=float).ravel() if not isinstance(lams, str) else None
    if arr is None or arr.size == 0:
        raise ValueError(f"lams must be a non-empty sequence of numbers > 0, got {lams!r}")
    bad = arr[~np.isfinite(arr) | (arr <= 0)]
    if bad.size:
        raise ValueError(f"lams must be finite and > 0, got {bad[0]!r}")
    if np.unique(arr).size != arr.size:
        raise ValueError("lams must not repeat a value")
    return arr


def _resolved_prior(est) -> Prior:
    prior = est.prior if est.prior is not None else Gaussian(1.0)
    if isinstance(prior, Flat):
        raise TypeError("est.prior is Flat: there is no λ to sweep")
    return prior


def map_path(est, X, y, lams: Sequence[float], *, progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """MAP at every λ, warm-started from the strongest prior to the weakest.

    Returns a Dataset with dims (lam, feature): ``map_coef``, ``map_intercept``,
    ``objective`` (U), ``converged``, ``n_iter``, in the order of ``lams``.
    """
    return _fit_path(est, X, y, lams, progress=progress, keep=False, stacklevel=3)[0]


def _fit_path(est, X, y, lams, *, progress=None, keep: bool = False, stacklevel: int = 2):
    """(map_path Dataset, [fitted estimator per λ in the order of lams] or None)."""
    lams = check_lams(lams)
    prior = _resolved_prior(est)
    order = np.argsort(-lams)  # strong → weak: sparse, fast solutions first
    work = clone(est).set_params(warm_start=True)
    n = len(lams)
    coefs = intercepts = None
    objective = np.empty(n)
    converged = np.empty(n, dtype=bool)
    n_iter = np.empty(n, dtype=int)
    fitted: list = [None] * n
    visited: list[int] = []
    data = None
    for done, i in enumerate(order, start=1):
        work.set_params(prior=with_strength(prior, float(lams[i])))
        start = {}
        if len(visited) >= 2:
            start = _extrapolate_start(lams, coefs, intercepts, visited[-2], visited[-1], i)
        visited.append(i)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)  # reported per λ in `converged`
            if data is None:
                work.fit(X, y)  # validates everything once; later λ differ only in the prior
                data = work.prepare_data(X, y)
            else:
                work.fit_encoded(*data, **start)
        if coefs is None:
            coefs = np.empty((n, work.coef_.size))
            intercepts = np.empty(n)
        coefs[i] = work.coef_
        intercepts[i] = work.intercept_
        objective[i] = work.objective_
        converged[i] = work.map_.converged
        n_iter[i] = work.n_iter_
        if keep:
            fitted[i] = copy.deepcopy(work)
        if progress is not None:
            progress(done, n)
    if not converged.all():
        warnings.warn(f"the MAP did not converge at λ = {lams[~converged].tolist()}", UserWarning,
                      stacklevel=stacklevel)
    features = work.feature_names()
    ds = xr.Dataset(
        {"map_coef": (("lam", "feature"), coefs), "map_intercept": ("lam", intercepts),
         "objective": ("lam", objective), "converged": ("lam", converged), "n_iter": ("lam", n_iter)},
        coords={"lam": lams, "feature": features},
        attrs={"prior": prior.describe(), "prior_kind": type(prior).__name__,
               "lam_meaning": _lam_meaning(prior)})
    return ds, (fitted if keep else None)


def _extrapolate_start(lams, coefs, intercepts, a: int, b: int, i: int) -> dict:
    """Warm start at λ_i from the solutions at λ_a, λ_b (visited in that order): linear in log λ.

    The path is piecewise smooth in log λ, so the tangent predictor starts the solver
    O(Δ²) rather than O(Δ) from the solution.  A weight that is exactly 0 at λ_b
    stays 0 (an L1 zero), and one whose prediction crosses 0 starts at 0.
    """
    step_prev = math.log(lams[b]) - math.log(lams[a])
    if step_prev == 0:
        return {}
    r = min((math.log(lams[i]) - math.log(lams[b])) / step_prev, 2.0)
    last = coefs[b]
    pred = last + r * (last - coefs[a])
    pred[(last == 0) | (np.sign(pred) != np.sign(last))] = 0.0
    return {"coef_init": pred, "intercept_init": float(intercepts[b] + r * (intercepts[b] - intercepts[a]))}


def _lam_meaning(prior: Prior) -> str:
    if isinstance(prior, Gaussian):
        return "precision: prior variance 1/λ, sd 1/√λ"
    if isinstance(prior, Laplace):
        return "rate: prior scale 1/λ"
    return f"λ1 (L1 rate), with λ2 = {prior.lam2 / prior.lam1 if prior.lam1 else math.inf:g}·λ1"


def _log_loss(est, X, y) -> np.ndarray:
    """Per-row negative log predictive density at the MAP."""
    yy = est.encode_targets(y)
    eta = est.linear_predictor(X)
    return -est.likelihood().loglik_rows(yy, eta)


def cross_validate_path(est, X, y, lams, *, n_folds: int = 5, random_state: int | None = 0) -> xr.Dataset:
    """K-fold cross-validated log-loss along the MAP path.

    Returns a Dataset with ``cv_loss`` (lam; mean over folds of the mean
    per-row log-loss), ``cv_se`` (its standard error over folds) and
    ``fold_loss`` (fold, lam); attrs ``lam_min`` and ``lam_1se`` (the largest λ
    whose loss is within one SE of the minimum).
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    lams = check_lams(lams)
    if isinstance(n_folds, bool) or not isinstance(n_folds, (int, np.integer)) or n_folds < 2:
        raise ValueError(f"n_folds must be an integer >= 2, got {n_folds!r}")
    X = np.asarray(X, dtype=float) if not hasattr(X, "iloc") else X
    y = np.asarray(y)
    classifier = hasattr(est, "predict_proba")
    splitter = (StratifiedKFold if classifier else KFold)(n_splits=n_folds, shuffle=True, random_state=random_state)
    fold_loss = np.empty((n_folds, len(lams)))
    for k, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y)):
        Xtr = X.iloc[train] if hasattr(X, "iloc") else X[train]
        Xte = X.iloc[test] if hasattr(X, "iloc") else X[test]
        path = map_path(est, Xtr, y[train], lams)
        fitted = clone(est).fit(Xtr, y[train])  # sets classes_ etc.; coefficients replaced below
        for i in range(len(lams)):
            fitted.coef_ = path.map_coef.values[i]
            fitted.intercept_ = float(path.map_intercept.values[i])
            fold_loss[k, i] = _log_loss(fitted, Xte, y[test]).mean()
    mean = fold_loss.mean(axis=0)
    se = fold_loss.std(axis=0, ddof=1) / math.sqrt(n_folds)
    i_min = int(np.argmin(mean))
    within = mean <= mean[i_min] + se[i_min]
    lam_1se = float(lams[within].max())
    return xr.Dataset({"cv_loss": ("lam", mean), "cv_se": ("lam", se), "fold_loss": (("fold", "lam"), fold_loss)},
                      coords={"lam": lams, "fold": np.arange(n_folds)},
                      attrs={"lam_min": float(lams[i_min]), "lam_1se": lam_1se, "n_folds": n_folds})


def laplace_log_evidence(est, X, y, lam: float) -> float:
    """Laplace-approximation log marginal likelihood log p(y | λ) (Gaussian prior), up to a λ-free constant."""
    from .model import Model

    prior = Gaussian(lam)
    fitted = clone(est).set_params(prior=prior).fit(X, y)
    Xa = np.asarray(X, dtype=float)
    yy = fitted.encode_targets(y)
    model = Model(Xa, yy, fitted.likelihood(), prior, fitted.intercept_prior_, fitted.fit_intercept)
    theta = model.theta_from(fitted.coef_, fitted.intercept_)
    eta = model.linear_predictor(theta)
    H = model.hessian(theta)
    sign, logdet = np.linalg.slogdet(H)
    if sign <= 0:
        return -math.inf
    w = fitted.coef_
    d = w.size
    nll = model.data_nll(eta)
    return float(-nll - 0.5 * lam * (w @ w) + 0.5 * d * math.log(lam) - 0.5 * logdet)


def empirical_bayes_lambda(est, X, y, *, bounds: tuple[float, float] = (1e-4, 1e4)) -> tuple[float, float]:
    """λ maximizing the Laplace-approximation evidence (Gaussian prior); returns (λ, log evidence)."""
    from scipy.optimize import minimize_scalar

    lo, hi = (math.log(b) for b in bounds)
    grid = np.linspace(lo, hi, 25)
    vals = np.array([laplace_log_evidence(est, X, y, math.exp(g)) for g in grid])
    i = int(np.argmax(vals))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    res = minimize_scalar(lambda g: -laplace_log_evidence(est, X, y, math.exp(g)), bounds=(a, b), method="bounded",
                          options={"xatol": 1e-6})
    return float(math.exp(res.x)), float(-res.fun)


# ================================================================================================
# The scale a λ stands for
# ================================================================================================

def scale_power(prior: Prior) -> tuple[float, str]:
    """(p, name): the prior's scale is λ^(−p) — Gaussian sd 1/√λ (p = ½), Laplace scale 1/λ (p = 1).

    An elastic net is swept in λ1 (ratio λ2/λ1 fixed); its axis shows the L1 scale 1/λ1.
    """
    if isinstance(prior, Gaussian) or (isinstance(prior, ElasticNet) and prior.lam1 == 0):
        return 0.5, "prior sd 1/√λ"
    if isinstance(prior, Laplace):
        return 1.0, "prior scale 1/λ"
    if isinstance(prior, ElasticNet):
        return 1.0, "L1 scale 1/λ1"
    raise TypeError(f"prior must be Gaussian, Laplace or ElasticNet to sweep λ, got {prior!r}")


def _with_scales(ds: xr.Dataset, prior: Prior) -> xr.Dataset:
    """Add ``prior_scale`` (λ^(−p)) and ``prior_sd`` (the prior's standard deviation) along lam."""
    power, name = scale_power(prior)
    lams = ds["lam"].values
    ds = ds.assign(prior_scale=("lam", lams ** -power),
                   prior_sd=("lam", np.array([float(with_strength(prior, float(l)).sd) for l in lams])))
    ds["prior_scale"].attrs["long_name"] = name
    ds["prior_sd"].attrs["long_name"] = "prior standard deviation"
    ds.attrs.update({"scale_power": power, "scale_name": name})
    return ds


# ================================================================================================
# Running independent jobs: in process, or on a Dask cluster
# ================================================================================================

class SweepFailure(RuntimeError):
    """Raised when every run of a sweep failed (nothing to return)."""


def _cpu_share(worker, n_workers: int) -> None:
    """Worker k of n keeps every n-th of the CPUs it may run on (Linux; no-op elsewhere)."""
    import os

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


def _open_client(client):
    """(Client or None, close_after: list of objects to close, description)."""
    if client is None:
        return None, [], "serial (in process)"
    from distributed import Client, LocalCluster

    if isinstance(client, Client):
        return client, [], f"dask client {client.scheduler.address if client.scheduler else '?'}"
    if client == "local":
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
        c = Client(cluster)
        try:
            c.register_plugin(_cpu_share_plugin(2), name="bayesreg-cpu-share")
        except Exception as exc:  # noqa: BLE001 - an optimization only
            logger.info("could not give the workers separate CPUs: %r", exc)
        return c, [c, cluster], f"dask LocalCluster (2 workers × 1 thread) at {cluster.scheduler_address}"
    if isinstance(client, str) and client:
        c = Client(client)
        return c, [c], f"dask scheduler {client}"
    raise TypeError(f"client must be None (serial), 'local', a scheduler address string or a "
                    f"distributed.Client, got {client!r}")


def _run_all(fn, items: Sequence, *, client=None, retries: int = 1, progress=None, shared=(),
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
                except Exception as exc:  # noqa: BLE001 - a failed run is retried, then reported
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


# ================================================================================================
# One posterior run (executed in this process or on a Dask worker)
# ================================================================================================

def _where() -> tuple[str, int]:
    """(worker address or "local", process id) of the process running this."""
    import os

    try:
        from distributed import get_worker

        address = get_worker().address
    except (ImportError, ValueError):
        address = "local"
    return address, os.getpid()


def _posterior_run(spec: dict, X, y) -> dict:
    """Sample the posterior at one λ and summarize it (compare()'s columns per coefficient)."""
    from .compare import compare
    from .posterior import sample_posterior

    est = spec["est"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tree = sample_posterior(est, X, y, draws=spec["draws"], tune=spec["tune"], chains=spec["chains"],
                                random_seed=spec["seed"], sampler=spec["sampler"], progressbar=False,
                                pointwise_log_likelihood=False)
        table = compare(est, tree, prob=spec["prob"], eps=spec["eps"])
    attrs = tree["posterior"].attrs
    stats = tree["sample_stats"].dataset if "sample_stats" in tree.children else None
    address, pid = _where()
    compile_time = float(attrs.get("compile_time", math.nan))
    return {
        "lam": spec["lam"],
        "table": {c: table[c].to_numpy(dtype=float) for c in _POSTERIOR_STATS},
        "rows": [str(r) for r in table.index],
        "divergences": int(stats["diverging"].sum()) if stats is not None and "diverging" in stats else 0,
        "compiled": bool(compile_time > 0.0),
        "compile_time": compile_time,
        "sampling_time": float(attrs.get("sampling_time", math.nan)),
        "worker": address,
        "pid": pid,
        "warnings": [str(w.message) for w in caught if issubclass(w.category, UserWarning)],
    }


_POSTERIOR_STATS = ("mean", "sd", "hdi_low", "hdi_high", "p_near_zero", "p_positive", "r_hat", "ess_bulk")


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_seed(random_seed) -> int:
    if random_seed is None:
        return int(np.random.default_rng().integers(2**31 - 1))
    if isinstance(random_seed, bool) or not isinstance(random_seed, (int, np.integer)) \
            or not 0 <= random_seed < 2**32:
        raise ValueError(f"random_seed must be None or an integer in [0, 2**32), got {random_seed!r}")
    return int(random_seed)


def sweep(est, X, y, lams: Sequence[float], *, posterior: bool = False, draws: int = 1000, tune: int = 1000,
          chains: int = 2, random_seed: int | None = None, prob: float = 0.94, eps: float | None = None,
          client=None, retries: int = 1, progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    r"""The MAP path and, optionally, the posterior path over a grid of λ.

    The MAP path is :func:`map_path` (warm-started).  With ``posterior=True``
    each λ is an independent NUTS run (nutpie) of the same PyMC model: it is
    compiled once per process and only λ changes between runs (``with_data``),
    so a serial sweep compiles at most once, and a Dask sweep at most once per
    worker.  Every run uses the same ``random_seed`` (common random numbers,
    so differences between neighbouring λ are not seed noise).

    Parameters
    ----------
    est : LogisticRegression or LinearRegression with a Gaussian, Laplace or
        ElasticNet prior (an elastic net is swept in λ1 at fixed λ2/λ1).
    X, y : the data.
    lams : λ values (> 0, distinct); results come back in this order.
    posterior : also sample the posterior at every λ.
    draws, tune, chains : per run (per chain for draws and tune).
    random_seed : the seed of every run; None draws one (recorded in attrs).
    prob : HDI probability.
    eps : half-width of the "near zero" band of ``p_near_zero``, the same at
        every λ; None means 0.1 × the prior sd at the geometric middle of the grid.
    client : where the posterior runs go (ignored without ``posterior=True``):
        None (one after another in this process), ``"local"`` (a
        ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)``
        started and closed here), a scheduler address such as
        ``"tcp://10.0.0.5:8786"``, or a ``distributed.Client``.  The local
        cluster gives each worker its own share of the CPUs (so two workers'
        chains do not contend for the same CPU).  A script that uses
        ``"local"`` needs the ``if __name__ == "__main__":`` guard.
    retries : a run that raises is retried this many times (Dask: ``submit(retries=)``;
        a run whose worker dies is rescheduled by the scheduler).  A run that
        still fails is reported: its row is NaN, ``failed`` is True, and a
        UserWarning names its λ.
    progress : called as ``progress(done, total)`` after each posterior run
        (after each MAP fit when ``posterior=False``).

    Returns
    -------
    xarray.Dataset with dims (lam, feature):

    * always: ``map_coef``, ``map_intercept``, ``objective``, ``converged``,
      ``n_iter`` (as :func:`map_path`), ``prior_scale`` (λ^(−p): sd 1/√λ for
      a Gaussian, scale 1/λ for a Laplace) and ``prior_sd``;
    * with ``posterior=True``: ``mean``, ``sd``, ``hdi_low``, ``hdi_high``,
      ``p_near_zero``, ``p_positive``, ``r_hat``, ``ess_bulk`` (lam, feature),
      the same for the intercept as ``intercept_mean``, … (lam), and per run
      ``divergences``, ``compiled`` (this run compiled the model),
      ``worker``, ``pid``, ``sampling_time``, ``failed``.  attrs record draws,
      tune, chains, random_seed, prob, eps, the scheduler, ``n_compilations``
      and the failures (JSON).

    Examples
    --------
    >>> ds = sweep(est, X, y, np.geomspace(0.1, 100, 20), posterior=True, client="local")  # doctest: +SKIP
    >>> ds.mean.sel(feature="x0").plot(x="lam", xscale="log")                               # doctest: +SKIP
    """
    import json

    lams = check_lams(lams)
    prior = _resolved_prior(est)
    draws = _check_int(draws, "draws", 1)
    tune = _check_int(tune, "tune", 0)
    chains = _check_int(chains, "chains", 1)
    retries = _check_int(retries, "retries", 0)
    if not isinstance(posterior, (bool, np.bool_)):
        raise TypeError(f"posterior must be True or False, got {posterior!r}")
    if isinstance(prob, bool) or not isinstance(prob, (int, float)) or not 0.0 < prob < 1.0:
        raise ValueError(f"prob must be a number in (0, 1), got {prob!r}")
    if eps is not None and (isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 <= eps < math.inf):
        raise ValueError(f"eps must be a finite number >= 0 or None, got {eps!r}")
    seed = _check_seed(random_seed)

    ds, fitted = _fit_path(est, X, y, lams, progress=None if posterior else progress, keep=posterior, stacklevel=3)
    ds = _with_scales(ds, prior)
    ds.attrs["posterior"] = int(bool(posterior))
    if not posterior:
        return ds

    if eps is None:
        middle = float(np.exp(np.mean(np.log(lams))))
        eps = 0.1 * float(with_strength(prior, middle).sd)
        eps_rule = f"eps = 0.1 × prior sd at λ = {middle:.4g} (geometric middle of the grid), the same at every λ"
    else:
        eps, eps_rule = float(eps), "eps given by the caller, the same at every λ"
    specs = [{"est": fitted[i], "lam": float(lams[i]), "draws": draws, "tune": tune, "chains": chains, "seed": seed,
              "sampler": "nutpie", "prob": float(prob), "eps": eps} for i in range(len(lams))]
    dask_client, to_close, where = _open_client(client)
    try:
        runs, failures = _run_all(_posterior_run, specs, client=dask_client, retries=retries, progress=progress,
                                  shared=(X, y), describe=lambda i: f"posterior at λ = {lams[i]:.4g}")
    finally:
        for obj in to_close:
            obj.close()
    if len(failures) == len(lams):
        raise SweepFailure(f"every posterior run failed; first error: {failures[min(failures)]}")
    ds = _assemble_posterior(ds, runs, failures)
    ds.attrs.update({"draws": draws, "tune": tune, "chains": chains, "random_seed": seed, "sampler": "nutpie",
                     "prob": float(prob), "eps": eps, "eps_rule": eps_rule, "scheduler": where,
                     "n_compilations": int(ds["compiled"].sum()),
                     "failures": json.dumps({f"{lams[i]:.17g}": msg for i, msg in failures.items()})})
    if failures:
        warnings.warn(f"the posterior run failed at λ = {_lam_list(lams[sorted(failures)])} (their rows "
                      f"are NaN, `failed` is True): {failures[min(failures)]}", UserWarning, stacklevel=2)
    flagged = sorted({float(r["lam"]) for r in runs if r is not None and r["warnings"]})
    if flagged:
        first = next(r for r in runs if r is not None and r["warnings"])
        warnings.warn(f"posterior warnings at λ = {_lam_list(flagged)}; the first: {first['warnings'][0]}",
                      UserWarning, stacklevel=2)
    return ds


def _lam_list(values) -> str:
    return "[" + ", ".join(f"{float(v):.4g}" for v in values) + "]"


def _assemble_posterior(ds: xr.Dataset, runs: list, failures: dict) -> xr.Dataset:
    features = [str(f) for f in ds["feature"].values]
    n, p = len(runs), len(features)
    coef = {c: np.full((n, p), np.nan) for c in _POSTERIOR_STATS}
    icpt = {c: np.full(n, np.nan) for c in _POSTERIOR_STATS}
    has_intercept = False
    divergences = np.zeros(n, dtype=int)
    compiled = np.zeros(n, dtype=bool)
    sampling_time = np.full(n, np.nan)
    worker = np.array([""] * n, dtype=object)
    pid = np.full(n, -1, dtype=int)
    for i, r in enumerate(runs):
        if r is None:
            continue
        rows = r["rows"]
        pos = [rows.index(f) for f in features]
        for c in _POSTERIOR_STATS:
            coef[c][i] = r["table"][c][pos]
            if "intercept" in rows:
                has_intercept = True
                icpt[c][i] = r["table"][c][rows.index("intercept")]
        divergences[i] = r["divergences"]
        compiled[i] = r["compiled"]
        sampling_time[i] = r["sampling_time"]
        worker[i] = r["worker"]
        pid[i] = r["pid"]
    new = {c: (("lam", "feature"), coef[c]) for c in _POSTERIOR_STATS}
    if has_intercept:
        new.update({f"intercept_{c}": ("lam", icpt[c]) for c in _POSTERIOR_STATS})
    failed = np.zeros(n, dtype=bool)
    failed[list(failures)] = True
    new.update({"divergences": ("lam", divergences), "compiled": ("lam", compiled),
                "sampling_time": ("lam", sampling_time), "worker": ("lam", worker.astype(str)),
                "pid": ("lam", pid), "failed": ("lam", failed)})
    return ds.assign(new)


# ================================================================================================
# Sensitivity in λ units: power-scaling = λ → αλ
# ================================================================================================

def _flat_draws(tree: xr.DataTree, names: list[str]) -> np.ndarray:
    """(chain, draw, k) draws of the coefficients, then the intercept when there is one."""
    post = tree["posterior"].dataset
    parts = [post["coef"].sel(feature=names).transpose("chain", "draw", "feature").values]
    if "intercept" in post:
        parts.append(post["intercept"].transpose("chain", "draw").values[..., None])
    return np.concatenate(parts, axis=-1).astype(float)


def _mcse_mean(x: np.ndarray) -> np.ndarray:
    """Monte-Carlo standard error of the mean of each (chain, draw, k) column (ESS-based)."""
    import arviz as az

    out = np.empty(x.shape[-1])
    for k in range(x.shape[-1]):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            ess = float(az.ess(x[..., k], method="mean"))
        out[k] = x[..., k].std(ddof=1) / math.sqrt(max(ess, 1.0))
    return out


def _pareto_k(log_w: np.ndarray) -> float:
    """PSIS k̂ of importance log weights (ArviZ's psislw takes −log w: the LOO convention)."""
    from arviz_stats.base import array_stats

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, khat = array_stats.psislw(-np.ravel(log_w), r_eff=1.0)
    return float(khat)


def prior_sensitivity(est, X, y, *, draws: int = 1000, tune: int = 1000, chains: int = 4, delta: float = 0.1,
                      random_seed: int | None = None, flag_sd: float = 0.5) -> "pd.DataFrame":
    r"""How much the posterior moves with λ, per coefficient, three ways.

    For a Gaussian, Laplace or elastic-net prior, raising the prior to a power
    α is the same density (up to normalization) as the prior at α·λ (both λ's
    of an elastic net), so ArviZ's power-scaling diagnostic is a statement in
    λ units.  Beside it, the derivative of the posterior mean with respect to
    log λ at the estimator's λ:

    * ``dmean_dloglam_is`` — importance reweighting of the draws at λ to
      λ·(1 ± δ) (weights p(w)^(α−1), Pareto-smoothed as in ``az.psense``),
      a central difference over log λ;
    * ``dmean_dloglam_cov`` — its δ → 0 limit, Cov(θ, log p(w)) over the draws
      (d E_α[θ] / dα at α = 1);
    * ``dmean_dloglam_refit`` — new NUTS runs at λ·(1 − δ) and λ·(1 + δ) with
      the same seed (common random numbers), the same central difference;
      ``refit_se`` its Monte-Carlo standard error (ESS-based).

    The IS and refit derivatives estimate the same finite difference, so they
    should agree within a few ``refit_se`` (column ``agree``).

    Parameters
    ----------
    est : estimator with a Gaussian, Laplace or ElasticNet prior (at the λ of interest).
    draws, tune, chains, random_seed : per NUTS run (three runs: λ, λ(1−δ), λ(1+δ)).
    delta : relative step in λ, in (0, 0.5].
    flag_sd : a coefficient is ``sensitive`` when its posterior mean moves
        by more than ``flag_sd`` posterior sds per doubling of λ.

    Returns
    -------
    pandas.DataFrame, index the features (then ``"intercept"``), columns
    ``map``, ``mean``, ``sd``, ``psense_prior``, ``psense_likelihood`` (ArviZ's
    cumulative-Jensen–Shannon power-scaling sensitivities, prior = the weights'
    prior only), ``diagnosis`` (ArviZ's rule, threshold 0.05),
    ``dmean_dloglam_is``, ``dmean_dloglam_cov``, ``dmean_dloglam_refit``,
    ``refit_se``, ``agree``, ``shift_per_doubling`` (= refit derivative × ln 2:
    the change of the posterior mean when λ doubles), ``shift_per_doubling_sd``
    (that in posterior sds) and ``sensitive``.  ``attrs``: λ, δ, the prior,
    the Pareto k̂ of both IS weightings, the seed.
    """
    import arviz as az
    import pandas as pd
    from arviz_stats.base import array_stats  # noqa: F401 - psense's backend, checked early

    from .posterior import sample_posterior

    prior = _resolved_prior(est)
    lam = strength_of(prior)
    if isinstance(delta, bool) or not isinstance(delta, (int, float)) or not 0.0 < delta <= 0.5:
        raise ValueError(f"delta must be a number in (0, 0.5], got {delta!r}")
    if isinstance(flag_sd, bool) or not isinstance(flag_sd, (int, float)) or not flag_sd > 0:
        raise ValueError(f"flag_sd must be a number > 0, got {flag_sd!r}")
    draws = _check_int(draws, "draws", 1)
    tune = _check_int(tune, "tune", 0)
    chains = _check_int(chains, "chains", 1)
    seed = _check_seed(random_seed)
    alphas = (1.0 - float(delta), 1.0 + float(delta))
    span = math.log(alphas[1] / alphas[0])  # Δ log λ of the central difference

    def run(strength):
        fitted = clone(est).set_params(prior=with_strength(prior, strength))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # convergence is checked by sample_posterior
            fitted.fit(X, y)
        tree = sample_posterior(fitted, X, y, draws=draws, tune=tune, chains=chains, random_seed=seed,
                                sampler="nutpie", progressbar=False, pointwise_log_likelihood=False)
        return fitted, tree

    fitted, tree = run(lam)
    names = [str(f) for f in fitted.feature_names()]
    theta = _flat_draws(tree, names)                       # (chain, draw, k)
    rows = names + (["intercept"] if theta.shape[-1] > len(names) else [])
    flat = theta.reshape(-1, theta.shape[-1])
    mean, sd = flat.mean(axis=0), flat.std(axis=0, ddof=1)

    # -- ArviZ's power-scaling diagnostic (only the weights' prior is scaled: that is λ → αλ)
    var_names = ["coef"] + (["intercept"] if len(rows) > len(names) else [])
    ps = {g: az.psense(tree, var_names=var_names, group=g, group_var_names=["coef"] if g == "prior" else None)
          for g in ("prior", "likelihood")}

    def per_row(ds):
        vals = list(np.asarray(ds["coef"].sel(feature=names).values, dtype=float))
        if "intercept" in rows:
            vals.append(float(ds["intercept"].values))
        return np.array(vals)

    ps_prior, ps_like = per_row(ps["prior"]), per_row(ps["likelihood"])

    # -- importance reweighting to λ·α: weights ∝ p(w)^(α−1), Pareto-smoothed like psense
    log_prior = tree["log_prior"]["coef"].sum("feature").transpose("chain", "draw")
    moved, khat = [], []
    for a in alphas:
        lw = log_prior.azstats.power_scale_lw(alpha=a, dim=["chain", "draw"])
        w = np.exp(np.asarray(lw.values, dtype=float).ravel() - np.max(lw.values))
        w /= w.sum()
        moved.append(w @ flat)
        khat.append(_pareto_k((a - 1.0) * log_prior.values))
    d_is = (moved[1] - moved[0]) / span
    lp = log_prior.values.ravel()
    d_cov = ((flat - mean) * (lp - lp.mean())[:, None]).sum(axis=0) / (lp.size - 1)

    # -- refits at λ(1 ± δ), same seed
    refit_means, refit_mcse = [], []
    for a in alphas:
        _, t = run(lam * a)
        th = _flat_draws(t, names)
        refit_means.append(th.reshape(-1, th.shape[-1]).mean(axis=0))
        refit_mcse.append(_mcse_mean(th))
    d_refit = (refit_means[1] - refit_means[0]) / span
    se = np.sqrt(refit_mcse[0] ** 2 + refit_mcse[1] ** 2) / span

    map_values = list(np.asarray(fitted.coef_, dtype=float))
    if "intercept" in rows:
        map_values.append(float(fitted.intercept_))
    shift = d_refit * math.log(2.0)
    table = pd.DataFrame({
        "map": map_values, "mean": mean, "sd": sd,
        "psense_prior": ps_prior, "psense_likelihood": ps_like,
        "diagnosis": [_psense_diagnosis(p, l) for p, l in zip(ps_prior, ps_like)],
        "dmean_dloglam_is": d_is, "dmean_dloglam_cov": d_cov, "dmean_dloglam_refit": d_refit, "refit_se": se,
        "agree": np.abs(d_is - d_refit) <= 3.0 * se + 1e-12,
        "shift_per_doubling": shift, "shift_per_doubling_sd": shift / sd,
        "sensitive": np.abs(shift) > flag_sd * sd,
    }, index=pd.Index(rows, name="feature"))
    table.attrs.update({"lam": float(lam), "delta": float(delta), "lam_low": lam * alphas[0],
                        "lam_high": lam * alphas[1], "prior": prior.describe(), "lam_meaning": _lam_meaning(prior),
                        "pareto_k_low": khat[0], "pareto_k_high": khat[1], "random_seed": seed, "draws": draws,
                        "tune": tune, "chains": chains, "flag_sd": float(flag_sd), "psense_threshold": 0.05})
    if max(khat) > 0.7:
        warnings.warn(f"importance reweighting to λ·(1 ± {delta:g}) is unreliable "
                      f"(Pareto k̂ = {max(khat):.2f} > 0.7): "
                      f"trust the refit derivative", UserWarning, stacklevel=2)
    return table


def _psense_diagnosis(prior_value: float, like_value: float, threshold: float = 0.05) -> str:
    """ArviZ's psense_summary rule."""
    if prior_value >= threshold and like_value >= threshold:
        return "potential prior-data conflict"
    if prior_value > threshold > like_value:
        return "potential strong prior / weak likelihood"
    return "✓"


# ================================================================================================
# Full Bayes: a Gamma hyperprior on λ
# ================================================================================================

_HYPER_COMPILED: dict[tuple, object] = {}
_HYPER_LOCK = None


def _hyper_lock():
    global _HYPER_LOCK
    if _HYPER_LOCK is None:
        import threading

        _HYPER_LOCK = threading.Lock()
    return _HYPER_LOCK


def _hyper_data(fitted, X, y) -> tuple[dict, tuple, list[str]]:
    """(with_data values, structure key, feature names) of the hyperprior model."""
    from sklearn.utils.validation import validate_data

    from .likelihoods import Normal

    prior = fitted.prior_
    if not isinstance(prior, (Gaussian, Laplace)):
        raise TypeError(f"full Bayes on λ needs a Gaussian or Laplace prior on the weights, got {prior!r}")
    likelihood = fitted.likelihood()
    Xv, yv = validate_data(fitted, X, y, reset=False, dtype=np.float64, y_numeric=isinstance(likelihood, Normal))
    values = {"X": np.ascontiguousarray(Xv), "y": np.asarray(fitted.encode_targets(yv), dtype=float)}
    ip = fitted.intercept_prior_ if fitted.fit_intercept else None
    if ip is not None and not isinstance(ip, (Flat, Gaussian, Laplace)):
        raise TypeError(f"full Bayes on λ supports a Flat, Gaussian or Laplace intercept prior, got {ip!r}")
    if isinstance(ip, (Gaussian, Laplace)):
        values["intercept_lam"] = ip.lam
    if isinstance(likelihood, Normal):
        values["noise_sd"] = likelihood.noise_sd
    names = [str(f) for f in fitted.feature_names()]
    key = (type(likelihood).__name__, type(prior).__name__, type(ip).__name__ if ip is not None else None,
           tuple(names))
    return values, key, names


def _hyper_model(values: dict, key: tuple, names: list[str], a: float, b: float):
    centered = key[-1]
    import pymc as pm
    import pytensor.tensor as pt

    likelihood, prior_kind, intercept_kind, _, _ = key
    n = len(values["y"])
    with pm.Model(coords={"feature": names, "obs_id": np.arange(n)}) as m:
        Xd = pm.Data("X", values["X"], dims=("obs_id", "feature"))
        yd = pm.Data("y", values["y"], dims="obs_id")
        lam = pm.Gamma("lam", alpha=pm.Data("hyper_a", a), beta=pm.Data("hyper_b", b))
        if centered:
            if prior_kind == "Gaussian":
                coef = pm.Normal("coef", 0.0, 1.0 / pt.sqrt(lam), dims="feature")
            else:
                coef = pm.Laplace("coef", 0.0, 1.0 / lam, dims="feature")
        # non-centred: coef = z · scale(λ), which NUTS follows where the data say little about a weight
        elif prior_kind == "Gaussian":
            z = pm.Normal("z", 0.0, 1.0, dims="feature")
            coef = pm.Deterministic("coef", z / pt.sqrt(lam), dims="feature")
        else:
            z = pm.Laplace("z", 0.0, 1.0, dims="feature")
            coef = pm.Deterministic("coef", z / lam, dims="feature")
        eta = pt.dot(Xd, coef)
        if intercept_kind == "Flat":
            eta = eta + pm.Flat("intercept")
        elif intercept_kind == "Gaussian":
            eta = eta + pm.Normal("intercept", 0.0, 1.0 / pt.sqrt(pm.Data("intercept_lam", 1.0)))
        elif intercept_kind == "Laplace":
            eta = eta + pm.Laplace("intercept", 0.0, 1.0 / pm.Data("intercept_lam", 1.0))
        if likelihood == "Bernoulli":
            pm.Bernoulli("obs", logit_p=eta, observed=yd, dims="obs_id")
        else:
            pm.Normal("obs", mu=eta, sigma=pm.Data("noise_sd", 1.0), observed=yd, dims="obs_id")
    return m


def full_bayes_lambda(est, X, y, *, a: float = 1.0, b: float = 0.1, draws: int = 1000, tune: int = 1000,
                      chains: int = 2, random_seed: int | None = None, centered: bool = False) -> xr.DataTree:
    r"""Posterior of λ itself under a Gamma(a, b) hyperprior (shape a, rate b; mean a/b).

    The model is the estimator's, with λ random:

        λ ~ Gamma(a, b),   w_j | λ ~ prior(λ)  (N(0, 1/λ) or Laplace(0, 1/λ)),   y | w, b ~ likelihood,

    written non-centred by default (w = z/√λ or z/λ with z standard: good where the
    data say little about most weights); ``centered=True`` samples w directly
    (better when every weight is well determined by the data).  Sampled with
    nutpie; the compiled model is cached per structure, so another λ grid, other
    data or other (a, b) do not recompile.  Returns nutpie's DataTree
    (``posterior``: ``lam``, ``coef`` (feature), ``intercept``, ``z``), with
    the hyperprior in ``posterior.attrs``.  Warns (``PosteriorWarning``) on
    divergences or R̂(λ) > 1.01.
    """
    import arviz as az
    import nutpie

    from .posterior import PosteriorWarning

    for name, v in (("a", a), ("b", b)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (0 < v < math.inf):
            raise ValueError(f"{name} (Gamma hyperprior) must be a finite number > 0, got {v!r}")
    draws = _check_int(draws, "draws", 1)
    tune = _check_int(tune, "tune", 0)
    chains = _check_int(chains, "chains", 1)
    seed = _check_seed(random_seed)
    _resolved_prior(est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fitted = clone(est).fit(X, y)
    values, key, names = _hyper_data(fitted, X, y)
    key = key + (bool(centered),)
    with _hyper_lock():
        compiled = _HYPER_COMPILED.get(key)
        if compiled is None:
            compiled = nutpie.compile_pymc_model(_hyper_model(values, key, names, float(a), float(b)))
            _HYPER_COMPILED[key] = compiled
    compiled = compiled.with_data(**values, hyper_a=float(a), hyper_b=float(b))
    try:
        import os

        cores = max(1, min(chains, len(os.sched_getaffinity(0))))
    except AttributeError:  # pragma: no cover
        cores = 1
    tree = nutpie.sample(compiled, draws=draws, tune=tune, chains=chains, cores=cores, seed=seed,
                         progress_bar=False, save_warmup=False)
    post = tree["posterior"].dataset
    n_div = int(tree["sample_stats"].dataset["diverging"].sum()) if "sample_stats" in tree.children else 0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        rhat = float(az.rhat(post["lam"].values)) if chains > 1 else math.nan
        ess = float(az.ess(post["lam"].values, method="bulk"))
    tree["posterior"].attrs.update({"hyper_a": float(a), "hyper_b": float(b), "prior_kind": key[1],
                                    "hyperprior": f"λ ~ Gamma(shape {a:g}, rate {b:g})", "random_seed": seed,
                                    "parametrization": "centered" if centered else "non-centered",
                                    "lam_r_hat": rhat, "lam_ess_bulk": ess, "divergences": n_div})
    problems = []
    if n_div:
        problems.append(f"{n_div} divergent transitions")
    if rhat > 1.01:
        problems.append(f"R-hat of λ = {rhat:.3f} > 1.01")
    if problems:
        warnings.warn("the posterior of λ may not be reliable: " + "; ".join(problems)
                      + ". Try more tune and draws.", PosteriorWarning, stacklevel=2)
    return tree


# ================================================================================================
# Choosing λ: cross-validation, empirical Bayes, full Bayes — side by side
# ================================================================================================

def choose_lambda(est, X, y, lams: Sequence[float], *, n_folds: int = 5, random_state: int | None = 0,
                  full_bayes: bool = True, hyper_a: float = 1.0, hyper_b: float = 0.1, draws: int = 1000,
                  tune: int = 1000, chains: int = 2, random_seed: int | None = None, prob: float = 0.94,
                  centered: bool = False) -> xr.Dataset:
    """The three ways of choosing λ, on one grid, in one Dataset (for :func:`bayesreg.plots.plot_lambda_choice`).

    * cross-validation (:func:`cross_validate_path`): ``cv_loss``, ``cv_se``,
      ``fold_loss``; attrs ``lam_min``, ``lam_1se``;
    * empirical Bayes (:func:`empirical_bayes_lambda`, Gaussian prior only — its
      Laplace-approximation evidence needs a smooth prior): ``log_evidence``
      along the grid; attrs ``lam_eb``, ``eb_log_evidence`` (NaN otherwise, with
      ``eb_note`` saying why);
    * full Bayes (:func:`full_bayes_lambda`, Gamma(hyper_a, hyper_b)
      hyperprior): ``lam_draws`` (sample); attrs ``lam_fb_median``,
      ``lam_fb_mean``, ``lam_fb_hdi_low``, ``lam_fb_hdi_high`` (``prob`` HDI of
      λ), ``fb_r_hat``, ``fb_divergences``.
    """
    from .compare import hdi

    lams = check_lams(lams)
    prior = _resolved_prior(est)
    cv = cross_validate_path(est, X, y, lams, n_folds=n_folds, random_state=random_state)
    ds = cv.copy()
    power, name = scale_power(prior)
    ds.attrs.update({"prior": prior.describe(), "prior_kind": type(prior).__name__, "scale_power": power,
                     "scale_name": name, "lam_meaning": _lam_meaning(prior)})
    if isinstance(prior, Gaussian):
        evidence = np.array([laplace_log_evidence(est, X, y, float(l)) for l in lams])
        lam_eb, ev = empirical_bayes_lambda(est, X, y)
        ds["log_evidence"] = ("lam", evidence)
        ds.attrs.update({"lam_eb": lam_eb, "eb_log_evidence": ev,
                         "eb_note": "maximizes the Laplace-approximation log evidence log p(y | λ)"})
    else:
        ds["log_evidence"] = ("lam", np.full(len(lams), np.nan))
        ds.attrs.update({"lam_eb": math.nan, "eb_log_evidence": math.nan,
                         "eb_note": f"the Laplace-approximation evidence needs a smooth (Gaussian) prior, "
                                    f"not a {type(prior).__name__} one"})
    if full_bayes:
        tree = full_bayes_lambda(est, X, y, a=hyper_a, b=hyper_b, draws=draws, tune=tune, chains=chains,
                                 random_seed=random_seed, centered=centered)
        lam_draws = np.asarray(tree["posterior"]["lam"].values, dtype=float).ravel()
        lo, hi = hdi(lam_draws, prob)
        a = tree["posterior"].attrs
        ds["lam_draws"] = ("sample", lam_draws)
        ds.attrs.update({"lam_fb_median": float(np.median(lam_draws)), "lam_fb_mean": float(lam_draws.mean()),
                         "lam_fb_hdi_low": lo, "lam_fb_hdi_high": hi, "fb_prob": float(prob),
                         "hyper_a": float(hyper_a), "hyper_b": float(hyper_b), "hyperprior": a["hyperprior"],
                         "fb_r_hat": a["lam_r_hat"], "fb_divergences": a["divergences"], "full_bayes": 1})
    else:
        ds.attrs.update({"lam_fb_median": math.nan, "lam_fb_mean": math.nan, "lam_fb_hdi_low": math.nan,
                         "lam_fb_hdi_high": math.nan, "full_bayes": 0})
    return ds
