r"""The posterior path: NUTS at every λ of a grid, compiled once, in process or on Dask.

The PyMC model is compiled once; only λ (a ``pm.Data``) changes between runs
(nutpie ``with_data``).  Runs are independent, so they can be spread over a
Dask cluster (:mod:`bayesreg.parallel`): each worker process compiles once (the
posterior's compile cache is per process), results come back in λ order, a run
that raises is retried, a run whose worker dies is rescheduled, and one that
still fails is reported (NaN row, ``failed``) without losing the others.
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Callable, Sequence

import numpy as np
import xarray as xr

from ..compare import SIGMA
from ..parallel import close_all, open_client, run_all, where
from ..posterior.nuts import check_tune
from ..progress import as_progress
from ..validation import check_bool, check_int, check_lams, check_probability, check_real, check_seed
from ..warn import LIBRARY_FILES
from .path import fit_path, swept_prior, with_scales

__all__ = ["SweepFailure", "sweep", "posterior_run", "POSTERIOR_STATS"]

#: compare()'s columns that a posterior sweep keeps per coefficient and λ.
POSTERIOR_STATS = ("mean", "sd", "hdi_low", "hdi_high", "p_near_zero", "p_positive", "r_hat", "ess_bulk")


class SweepFailure(RuntimeError):
    """Raised when every run of a sweep failed (nothing to return)."""


def posterior_run(spec: dict, X, y) -> dict:
    """Sample the posterior at one λ and summarize it (compare()'s columns per coefficient)."""
    from ..compare import compare
    from ..posterior import sample_posterior

    est = spec["est"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tree = sample_posterior(est, X, y, draws=spec["draws"], tune=spec["tune"], chains=spec["chains"],
                                random_seed=spec["seed"], sampler=spec["sampler"], progressbar=False,
                                pointwise_log_likelihood=False)
        table = compare(est, tree, prob=spec["prob"], eps=spec["eps"])
    attrs = tree["posterior"].attrs
    stats = tree["sample_stats"].dataset if "sample_stats" in tree.children else None
    address, pid = where()
    compile_time = float(attrs.get("compile_time", math.nan))
    return {
        "lam": spec["lam"],
        "table": {c: table[c].to_numpy(dtype=float) for c in POSTERIOR_STATS},
        "rows": [str(r) for r in table.index],
        "divergences": int(stats["diverging"].sum()) if stats is not None and "diverging" in stats else 0,
        "compiled": bool(compile_time > 0.0),
        "compile_time": compile_time,
        "sampling_time": float(attrs.get("sampling_time", math.nan)),
        "worker": address,
        "pid": pid,
        "warnings": [str(w.message) for w in caught if issubclass(w.category, UserWarning)],
    }




def sweep(est, X, y, lams: Sequence[float], *, posterior: bool = False, draws: int = 1000, tune: int = 1000,
          chains: int = 2, random_seed: int | None = None, prob: float = 0.94, eps: float | None = None,
          client=None, retries: int = 1, progress: Callable[[int, int], None] | str | None = "log") -> xr.Dataset:
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
        (after each MAP fit when ``posterior=False``).  ``"log"`` (the default): an
        INFO line on the ``bayesreg.progress`` logger every few seconds and at the end
        (shown with ``logging.basicConfig(level=logging.INFO)``); None: silent.

    Returns
    -------
    xarray.Dataset with dims (lam, feature):

    * always: ``map_coef``, ``map_intercept``, ``objective``, ``converged``,
      ``n_iter`` (as :func:`map_path`), ``prior_scale`` (λ^(−p): sd 1/√λ for
      a Gaussian, scale 1/λ for a Laplace) and ``prior_sd``;
    * with ``posterior=True``: ``mean``, ``sd``, ``hdi_low``, ``hdi_high``,
      ``p_near_zero``, ``p_positive``, ``r_hat``, ``ess_bulk`` (lam, feature),
      the same for the intercept as ``intercept_mean``, … (lam) and, for a linear
      model whose σ is estimated, for σ as ``sigma_mean``, … (lam) (with
      ``map_sigma`` from the MAP path), and per run
      ``divergences``, ``compiled`` (this run compiled the model),
      ``worker``, ``pid``, ``sampling_time``, ``failed``.  attrs record draws,
      tune, chains, random_seed, prob, eps, the scheduler, ``n_compilations``
      and the failures (JSON).

    Examples
    --------
    >>> ds = sweep(est, X, y, np.geomspace(0.1, 100, 20), posterior=True, client="local")  # doctest: +SKIP
    >>> ds.mean.sel(feature="x0").plot(x="lam", xscale="log")                               # doctest: +SKIP
    """
    lams = check_lams(lams)
    prior = swept_prior(est)
    posterior = check_bool(posterior, "posterior")
    draws = check_int(draws, "draws", 1)
    tune = check_tune(tune) if posterior else check_int(tune, "tune", 0)
    chains = check_int(chains, "chains", 1)
    retries = check_int(retries, "retries", 0)
    prob = check_probability(prob, "prob")
    if eps is not None:
        eps = check_real(eps, "eps", low=0.0)
    seed = check_seed(random_seed)
    progress = as_progress(progress, "posterior runs" if posterior else "MAP fits")

    ds, fitted, _ = fit_path(est, X, y, lams, progress=None if posterior else progress, keep=posterior)
    ds = with_scales(ds, prior)
    ds.attrs["posterior"] = int(bool(posterior))
    if not posterior:
        return ds

    if eps is None:
        middle = float(np.exp(np.mean(np.log(lams))))
        width, what = prior.with_strength(middle).spread()  # the sd, or a heavy-tailed prior's scale
        eps = 0.1 * float(width)
        eps_rule = f"eps = 0.1 × {what} at λ = {middle:.4g} (geometric middle of the grid), the same at every λ"
    else:
        eps, eps_rule = float(eps), "eps given by the caller, the same at every λ"
    specs = [{"est": fitted[i], "lam": float(lams[i]), "draws": draws, "tune": tune, "chains": chains, "seed": seed,
              "sampler": "nutpie", "prob": float(prob), "eps": eps} for i in range(len(lams))]
    dask_client, to_close, scheduler = open_client(client)
    try:
        runs, failures = run_all(posterior_run, specs, client=dask_client, retries=retries, progress=progress,
                                 shared=(X, y), describe=lambda i: f"posterior at λ = {lams[i]:.4g}")
    finally:
        close_all(to_close)
    if len(failures) == len(lams):
        raise SweepFailure(f"every posterior run failed; first error: {failures[min(failures)]}")
    ds = _assemble_posterior(ds, runs, failures)
    ds.attrs.update({"draws": draws, "tune": tune, "chains": chains, "random_seed": seed, "sampler": "nutpie",
                     "prob": float(prob), "eps": eps, "eps_rule": eps_rule, "scheduler": scheduler,
                     "n_compilations": int(ds["compiled"].sum()),
                     "failures": json.dumps({f"{lams[i]:.17g}": msg for i, msg in failures.items()})})
    if failures:
        warnings.warn(f"the posterior run failed at λ = {_lam_list(lams[sorted(failures)])} (their rows "
                      f"are NaN, `failed` is True): {failures[min(failures)]}",
                      UserWarning, skip_file_prefixes=LIBRARY_FILES)
    flagged = sorted({float(r["lam"]) for r in runs if r is not None and r["warnings"]})
    if flagged:
        first = next(r for r in runs if r is not None and r["warnings"])
        warnings.warn(f"posterior warnings at λ = {_lam_list(flagged)}; the first: {first['warnings'][0]}",
                      UserWarning, skip_file_prefixes=LIBRARY_FILES)
    return ds


def _lam_list(values) -> str:
    return "[" + ", ".join(f"{float(v):.4g}" for v in values) + "]"


def _assemble_posterior(ds: xr.Dataset, runs: list, failures: dict) -> xr.Dataset:
    features = [str(f) for f in ds["feature"].values]
    n, p = len(runs), len(features)
    coef = {c: np.full((n, p), np.nan) for c in POSTERIOR_STATS}
    icpt = {c: np.full(n, np.nan) for c in POSTERIOR_STATS}
    sig = {c: np.full(n, np.nan) for c in POSTERIOR_STATS}
    has_intercept = has_sigma = False
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
        for c in POSTERIOR_STATS:
            coef[c][i] = r["table"][c][pos]
            if "intercept" in rows:
                has_intercept = True
                icpt[c][i] = r["table"][c][rows.index("intercept")]
            if SIGMA in rows:
                has_sigma = True
                sig[c][i] = r["table"][c][rows.index(SIGMA)]
        divergences[i] = r["divergences"]
        compiled[i] = r["compiled"]
        sampling_time[i] = r["sampling_time"]
        worker[i] = r["worker"]
        pid[i] = r["pid"]
    new = {c: (("lam", "feature"), coef[c]) for c in POSTERIOR_STATS}
    if has_intercept:
        new.update({f"intercept_{c}": ("lam", icpt[c]) for c in POSTERIOR_STATS})
    if has_sigma:  # σ estimated: its posterior summaries per λ (p_near_zero, p_positive are NaN for σ)
        new.update({f"sigma_{c}": ("lam", sig[c]) for c in POSTERIOR_STATS})
    failed = np.zeros(n, dtype=bool)
    failed[list(failures)] = True
    new.update({"divergences": ("lam", divergences), "compiled": ("lam", compiled),
                "sampling_time": ("lam", sampling_time), "worker": ("lam", worker.astype(str)),
                "pid": ("lam", pid), "failed": ("lam", failed)})
    return ds.assign(new)


