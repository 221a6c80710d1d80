"""NUTS on the problem's PyMC model: nutpie (compiled once per structure) or PyMC's own sampler.

Both start every chain at the MAP jittered by U(−1, 1)·(1/√H_jj), H the Hessian
of U there (seeded per chain; in (w, b, log σ) where σ is estimated), so no chain
starts in a far corner.  Without a MAP
(a prior with no mode: the horseshoe) they start from PyMC's own initial point
(the prior's support point, jittered per chain), and run with the prior's
``nuts_target_accept`` when it names one (the horseshoe's funnel needs small steps).
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from ..parallel import available_cores, blas_one_thread
from ..progress import ChainLog, log_rate_ms
from ..validation import check_int
from .problem import Problem
from .pymc_model import build, compiled_nutpie, flat_point

__all__ = ["check_tune", "starting_points", "target_accept_option", "pymc_initial_point", "sample_nutpie",
           "sample_pymc"]


def check_tune(tune, sampler: str = "nutpie") -> int:
    """Tuning steps per chain: an integer >= 0, and >= 1 where nutpie may run (it panics with none)."""
    tune = check_int(tune, "tune", 0)
    if tune == 0 and sampler in ("nutpie", "auto"):
        hint = "; sampler='auto' may run nutpie (sampler='pymc' or 'laplace-is' take 0)" if sampler == "auto" else ""
        raise ValueError(f"tune must be >= 1 for nutpie, which needs at least one tuning step, got 0{hint}")
    return tune


def _refuse_unfinished(post, chains: int, draws: int) -> None:
    """A Ctrl-C that the sampler swallowed: raise KeyboardInterrupt rather than return a partial sample.

    nutpie returns the unfinished draws as NaN padding, PyMC (after a second Ctrl-C)
    fewer chains than asked for; neither says so.  Draws of a finished run are finite.
    """
    coef = post["coef"]
    if coef.sizes.get("chain") != chains or coef.sizes.get("draw") != draws or np.isnan(coef.values).any():
        raise KeyboardInterrupt(f"sampling was interrupted: the sampler returned {coef.sizes.get('chain')} of "
                                f"{chains} chains with unfinished draws; nothing was kept")


def starting_points(problem: Problem, seed) -> np.ndarray:
    """The MAP jittered by U(−1, 1)·(1/√H_jj), seeded."""
    theta = problem.theta()
    scale = 1.0 / np.sqrt(np.maximum(problem.target.hessian_diagonal(theta), 1e-12))
    rng = np.random.default_rng(seed)
    return theta + rng.uniform(-1.0, 1.0, problem.n_params) * scale


def target_accept_option(problem: Problem) -> dict:
    """{"target_accept": the prior's ``nuts_target_accept``}, or {} for the sampler's default."""
    value = problem.model.prior.nuts_target_accept
    return {} if value is None else {"target_accept": float(value)}


def pymc_initial_point(problem: Problem, shape_info, n_dim: int):
    """nutpie's default start for a model loaded from disk: PyMC's support point, jittered by U(−1, 1), seeded per chain.

    ``shape_info`` (names, slices, shapes) says where each free variable sits in the first ``n_dim`` entries.
    """
    import threading

    from pymc.initial_point import make_initial_point_fn

    m = build(problem)
    point_fn = make_initial_point_fn(model=m, jitter_rvs=set(m.free_RVs), return_transformed=True)
    lock = threading.Lock()

    def initial_point(seed):
        with lock:
            point = point_fn(seed)
        flat = np.empty(n_dim)
        for name, where, shape in zip(*shape_info):
            if where.stop <= n_dim:
                flat[where] = np.asarray(point[name], dtype=float).reshape(shape).ravel()
        return flat

    return initial_point


def sample_nutpie(problem: Problem, draws, tune, chains, seed, progress: str):
    """(posterior Dataset, sample_stats Dataset, {compile_time, cache_load_time, sampling_time}).

    ``progress`` from :func:`bayesreg.progress.progress_mode`: "bar" (nutpie's, HTML in Jupyter),
    "log" (INFO lines through nutpie's ``progress_callback``) or "none".
    """
    import nutpie

    compiled, compile_seconds, load_seconds = compiled_nutpie(problem)

    # nutpie ignores init_mean for PyMC models: it calls initial_point_func(chain_seed) per chain
    # (chain_seed derived from `seed`), so that function is replaced by the jittered MAP.
    def initial_point(chain_seed):
        return flat_point(problem, starting_points(problem, [seed, int(chain_seed)]))

    if problem.has_map:  # without one, nutpie's own: PyMC's jittered initial point
        compiled = dataclasses.replace(compiled, initial_point_func=initial_point)
    elif compiled.initial_point_func is None:  # loaded from disk: PyMC's initial point is made here
        compiled = dataclasses.replace(compiled, initial_point_func=pymc_initial_point(problem, compiled.shape_info,
                                                                                       compiled.n_dim))
    cores = available_cores(chains)
    extra = target_accept_option(problem)
    t0 = time.perf_counter()
    with blas_one_thread(cores > 1):
        tree = nutpie.sample(compiled, draws=draws, tune=tune, chains=chains, cores=cores, seed=seed,
                             progress_bar=progress == "bar", save_warmup=False, **extra,
                             **({"progress_callback": ChainLog("nutpie"), "progress_rate": log_rate_ms()}
                                if progress == "log" else {}))
    seconds = time.perf_counter() - t0
    post = tree["posterior"].dataset
    _refuse_unfinished(post, chains, draws)
    stats = tree["sample_stats"].dataset
    # object-typed columns (messages) do not survive to_netcdf
    stats = stats.drop_vars([v for v in stats.data_vars if stats[v].dtype == object])
    return post, stats, {"compile_time": compile_seconds, "cache_load_time": load_seconds, "sampling_time": seconds,
                         **extra}


def sample_pymc(problem: Problem, draws, tune, chains, seed, progress: str):
    """PyMC's own NUTS (compiles on every call; chains one after another); a bar only for ``progress="bar"``."""
    import pymc as pm

    progressbar = progress == "bar"
    m = build(problem)
    rng = np.random.default_rng(seed)
    p = problem.model.n_features
    initvals = []
    for _ in range(chains if problem.has_map else 0):  # without a MAP: PyMC's jittered initial point
        start = starting_points(problem, rng.integers(2**63))
        point = {"coef": start[:p]}
        if problem.fit_intercept:
            point["intercept"] = np.asarray(start[p])
        if problem.estimates_sigma:
            point["sigma"] = np.asarray(np.exp(start[-1]))
        initvals.append(point)
    extra = target_accept_option(problem)
    # cores=1: PyMC runs parallel chains in forked processes, unsafe in a process with threads
    t0 = time.perf_counter()
    tree = pm.sample(draws=draws, tune=tune, chains=chains, cores=1, random_seed=seed, progressbar=progressbar,
                     quiet=not progressbar, nuts_sampler="pymc", initvals=initvals or None,
                     init="adapt_diag" if problem.has_map else "jitter+adapt_diag",
                     compute_convergence_checks=False, model=m, **extra)
    seconds = time.perf_counter() - t0
    _refuse_unfinished(tree["posterior"].dataset, chains, draws)
    # PyMC times its sampling loop; the rest of the call is compiling the logp/gradient and setting up
    sampling = float(tree["posterior"].attrs.get("sampling_time", math.nan))
    post, stats = tree["posterior"].dataset, tree["sample_stats"].dataset
    if not 0.0 <= sampling <= seconds:
        return post, stats, {"compile_time": math.nan, "sampling_time": seconds, **extra}
    return post, stats, {"compile_time": seconds - sampling, "sampling_time": sampling, **extra}
