r"""λ sweeps: what compiling once, Dask workers and warm starts buy.

Comparisons on the lecture's wide data (N = D = 50, logistic, Laplace prior):

0. **Per-λ diagnostics outside sampling** (R-hat, bulk and tail ESS of every
   coefficient, as ``compare`` and the convergence check need them): ArviZ called per
   coefficient, as before issue 12, vs :func:`bayesreg.posterior.diagnostics.rhat_ess`
   (one vectorized pass; the same numbers), interleaved.

1. **Posterior sweep, compiled once vs rebuilt per λ** (20 λ, serial).  "Once" is
   :func:`bayesreg.sensitivity.sweep` from a cold compile cache: the nutpie model is
   compiled by the first run and every later λ only changes ``coef_lam``
   (``with_data``).  "Rebuilt" runs the same per-λ work (sample + summary) after
   :func:`bayesreg.posterior.clear_compile_cache`, so every λ builds and compiles
   the PyMC model again — what ``pm.sample`` does on every call.  Target ≥ 5×.
2. **Posterior sweep, 2 Dask workers vs serial** (20 λ, both warm: the serial
   process and each worker have compiled already).  A ``LocalCluster(n_workers=2,
   threads_per_worker=1, processes=True)``; also its cold cost (cluster start +
   one compile per worker).  Same seeds, so the numbers must be identical — checked.
   Target ≥ 1.6×.
   Bound: a serial run already samples its chains on both CPUs; only the rest
   (summaries, diagnostics, Python) is single-threaded.  With per-λ wall time T of
   which S is sampling on c threads, the CPU work is ≈ c·S + (T − S), so two CPUs
   can at best do a λ in half that: the printed "2-CPU bound".  The same is timed
   with 1 chain per λ, where serial uses one CPU and the bound approaches 2×.
3. **MAP path, 100 λ, warm-started vs independent fits** (:func:`map_path` vs a
   fresh ``fit`` per λ).  Target ≥ 3×.

Each timing is repeated (``--repeats``; interleaved, so slow phases of a shared
machine hit both sides); medians and min–max are printed, ratios are of medians.
The 1-minute load average before and after is printed: this machine is shared.

Usage::

    python benchmarks/sweep.py            # full run (~10-15 min), writes benchmarks/results/sweep.txt
    python benchmarks/sweep.py --quick    # smaller: 6 λ, 3 rebuilt runs, 1 repeat; prints only
    python benchmarks/sweep.py --skip posterior dask map   # only section 0 (prints; writes the file unless --quick)
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import bayesreg  # noqa: E402
from bayesreg import posterior as post_mod  # noqa: E402
from bayesreg import sensitivity as sens  # noqa: E402
from bayesreg.parallel import open_client  # noqa: E402
from bayesreg.sensitivity.path import fit_path  # noqa: E402
from bayesreg.sensitivity.posterior_sweep import posterior_run  # noqa: E402
from bayesreg.datasets import make_lecture_wide  # noqa: E402

LINES: list[str] = []


def say(text: str = "") -> None:
    print(text, flush=True)
    LINES.append(text)


def med_range(values) -> str:
    v = list(values)
    return f"{statistics.median(v):8.2f} s  (min {min(v):.2f}, max {max(v):.2f}, n={len(v)})"


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def timed_sweep(est, X, y, lams, **kw):
    """(Dataset, total seconds, per-run seconds from the progress callback)."""
    stamps = [time.perf_counter()]
    t0 = stamps[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ds = sens.sweep(est, X, y, lams, progress=lambda d, n: stamps.append(time.perf_counter()), **kw)
    return ds, time.perf_counter() - t0, list(np.diff(stamps))


def bench_posterior(args, data, lams, run_kw):
    est = bayesreg.LogisticRegression(prior=bayesreg.Laplace(2.0))
    X, y = data.X, data.y

    say("== 1. posterior sweep: compiled once vs rebuilt per λ (serial, in this process) ==")
    # The first nutpie compile in a process also initializes numba (~5-10 s more than later
    # compiles); pay that on a throwaway model so that both arms see the steady-state compile.
    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    Xw = rng.normal(size=(10, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        post_mod.sample_posterior(bayesreg.LinearRegression(), Xw, Xw[:, 0], draws=10, tune=10, chains=1,
                                  random_seed=0, sampler="nutpie", progressbar=False)
    say(f"(warm-up: first compile in this process, on another model: {time.perf_counter() - t0:.2f} s, not counted)")
    post_mod.clear_compile_cache()
    ds_once, total_once, per_once = timed_sweep(est, X, y, lams, posterior=True, **run_kw)
    say(f"compiled once   : {len(lams)} λ in {total_once:7.2f} s; compilations {int(ds_once['compiled'].sum())}; "
        f"first run (compile + sample) {per_once[0]:.2f} s; later runs median {statistics.median(per_once[1:]):.2f} s "
        f"(min {min(per_once[1:]):.2f}, max {max(per_once[1:]):.2f})")

    # rebuilt: exactly the sweep's per-λ work, with the compile cache emptied before every λ
    _, fitted, _ = fit_path(est, X, y, lams, keep=True)
    n_rebuilt = len(lams) if not args.quick else 3
    per_rebuilt = []
    n_compiled = 0
    max_diff = 0.0
    for i in range(n_rebuilt):
        post_mod.clear_compile_cache()
        spec = {"est": fitted[i], "lam": float(lams[i]), "sampler": "nutpie", "prob": 0.94,
                "eps": float(ds_once.attrs["eps"]), "seed": run_kw["random_seed"],
                **{k: run_kw[k] for k in ("draws", "tune", "chains")}}
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            r = posterior_run(spec, X, y)
        per_rebuilt.append(time.perf_counter() - t0)
        n_compiled += bool(r["compiled"])  # False: a compile came from another cache (e.g. on disk)
        max_diff = max(max_diff, float(np.max(np.abs(r["table"]["mean"][:-1] - ds_once["mean"].values[i]))))
    total_rebuilt = statistics.mean(per_rebuilt) * len(lams)
    note = "" if n_rebuilt == len(lams) else f" (extrapolated from {n_rebuilt} runs)"
    say(f"rebuilt per λ   : per λ {med_range(per_rebuilt)}; {len(lams)} λ ≈ {total_rebuilt:7.2f} s{note}; "
        f"{n_compiled} of {n_rebuilt} compiled (the rest loaded a compile cached outside this process)")
    say(f"ratio rebuilt / compiled-once (whole sweep): {total_rebuilt / total_once:5.1f}×   (target ≥ 5×)")
    say(f"  (same seed either way: max |posterior mean difference| = {max_diff:.1e})")
    say()
    return est, ds_once


def bench_overhead(args, data, run_kw):
    """The per-λ diagnostics outside sampling: ArviZ called per coefficient (before issue 12) vs ``rhat_ess``."""
    import arviz as az
    import xarray as xr

    from bayesreg.posterior.diagnostics import rhat_ess

    say("== 0. per-λ diagnostics outside sampling: ArviZ per coefficient (before) vs one vectorized pass ==")
    est = bayesreg.LogisticRegression(prior=bayesreg.Laplace(2.0)).fit(data.X, data.y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tree = post_mod.sample_posterior(est, data.X, data.y, sampler="nutpie", progressbar=False, **run_kw)
    post = tree["posterior"].dataset
    x = np.concatenate([post["coef"].transpose("chain", "draw", "feature").values, post["intercept"].values[..., None]],
                       axis=-1)

    def old():  # what compare() (r_hat, ess_bulk per row) and convergence_problems (R-hat, bulk, tail) called
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = [(float(az.rhat(x[..., j])), float(az.ess(x[..., j], method="bulk"))) for j in range(x.shape[-1])]
            for var in ("coef", "intercept"):
                az.rhat(post[var]), az.ess(post[var], method="bulk"), az.ess(post[var], method="tail")
        return np.array(rows)

    def new():
        r, b, _ = rhat_ess(x, tail=False)
        rhat_ess(x)
        return np.column_stack([r, b])

    t_old, t_new = [], []
    for _ in range(max(args.repeats, 3) * 2):  # interleaved
        t0 = time.perf_counter()
        a = old()
        t_old.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        b = new()
        t_new.append(time.perf_counter() - t0)
    dev = float(np.max(np.abs(a - b) / np.abs(a)))
    da = xr.DataArray(x[..., 0], dims=("chain", "draw"))
    dev_tail = abs(float(az.ess(da, method="tail")) - float(rhat_ess(x)[2][0]))
    say(f"{x.shape[-1]} parameters, {x.shape[0]} chains × {x.shape[1]} draws")
    say(f"ArviZ per coefficient : {med_range(t_old)}")
    say(f"rhat_ess, vectorized  : {med_range(t_new)}")
    say(f"ratio: {statistics.median(t_old) / statistics.median(t_new):5.1f}×; max relative difference of R-hat and "
        f"bulk ESS {dev:.1e}, |tail ESS difference| {dev_tail:.1e}")
    say()


def bench_dask(args, data, lams, run_kw, est, ds_ref):
    X, y = data.X, data.y
    say("== 2. posterior sweep: 2 Dask workers vs serial (both warm) ==")
    t0 = time.perf_counter()
    client, to_close, where = open_client("local")   # exactly what sweep(client="local") starts
    client.wait_for_workers(2)
    t_start = time.perf_counter() - t0
    say(f"{where}; each worker on its own CPU: {client.run(lambda: sorted(os.sched_getaffinity(0)))}")
    try:
        ds_cold, t_cold, _ = timed_sweep(est, X, y, lams, posterior=True, client=client, **run_kw)
        say(f"cold: cluster start {t_start:.2f} s; first sweep {t_cold:.2f} s "
            f"(each worker compiles once: compilations {int(ds_cold['compiled'].sum())} "
            f"over {len(set(ds_cold['pid'].values))} workers)")
        diff = max(float(np.max(np.abs(ds_cold[v].values - ds_ref[v].values)))
                   for v in ("mean", "sd", "hdi_low", "hdi_high", "p_near_zero"))
        say(f"same seeds: Dask vs serial max |difference| over mean, sd, HDI, p_near_zero = {diff:.1e}")
        for chains in (run_kw["chains"], 1):
            kw = {**run_kw, "chains": chains}
            serial, dask = [], []
            sampling = []
            for _ in range(args.repeats):
                ds_s, t, _ = timed_sweep(est, X, y, lams, posterior=True, **kw)
                serial.append(t)
                sampling.extend(ds_s["sampling_time"].values.tolist())
                ds, t, _ = timed_sweep(est, X, y, lams, posterior=True, client=client, **kw)
                dask.append(t)
                assert int(ds["compiled"].sum()) == 0, "a warm worker compiled again"
            ratio = statistics.median(serial) / statistics.median(dask)
            per_run = statistics.median(serial) / len(lams)
            samp = statistics.median(sampling)
            # Amdahl: serial already runs min(chains, 2) chains in parallel in the sampling part
            par = min(chains, len(os.sched_getaffinity(0)))
            work = samp * par + (per_run - samp)           # CPU-seconds per λ (approx.)
            bound = per_run / (work / 2)
            say(f"-- {chains} chain(s) per λ --")
            say(f"serial (warm)      : {med_range(serial)}")
            say(f"2 Dask workers     : {med_range(dask)}")
            say(f"ratio serial / Dask: {ratio:5.2f}×   (target ≥ 1.6×); per λ serial {per_run:.2f} s, of which "
                f"sampling {samp:.2f} s on {par} thread(s) → 2-CPU bound ≈ {bound:.2f}×")
    finally:
        for obj in to_close:
            obj.close()
    say()


def bench_map(args, data):
    n = 100 if not args.quick else 30
    lams = np.geomspace(0.05, 50.0, n)
    est = bayesreg.LogisticRegression(prior=bayesreg.Laplace(1.0))
    say(f"== 3. MAP path: {n} λ (0.05 … 50), warm-started map_path vs independent fits (FISTA, tol 1e-6) ==")
    warm, cold = [], []
    iters_warm = iters_cold = 0
    for _ in range(max(args.repeats, 3)):
        t0 = time.perf_counter()
        path = sens.map_path(est, data.X, data.y, lams)
        warm.append(time.perf_counter() - t0)
        iters_warm = int(path["n_iter"].sum())
        t0 = time.perf_counter()
        iters_cold = 0
        coefs = []
        for lam in lams:
            fit = bayesreg.LogisticRegression(prior=bayesreg.Laplace(float(lam))).fit(data.X, data.y)
            iters_cold += fit.n_iter_
            coefs.append(fit.coef_)
        cold.append(time.perf_counter() - t0)
    dev = float(np.max(np.abs(np.asarray(coefs) - path["map_coef"].values)))
    say(f"warm-started path  : {med_range(warm)}; {iters_warm} iterations in all")
    say(f"independent fits   : {med_range(cold)}; {iters_cold} iterations in all")
    say(f"ratio independent / warm: {statistics.median(cold) / statistics.median(warm):5.1f}×   (target ≥ 3×); "
        f"max |coef difference| {dev:.1e} (each fit to tol 1e-6)")
    say()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip", nargs="*", default=[], choices=["overhead", "posterior", "dask", "map"])
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats = 1
    data = make_lecture_wide(seed=0)
    n_lams = 20 if not args.quick else 6
    lams = np.geomspace(0.5, 50.0, n_lams)
    run_kw = dict(draws=500, tune=500, chains=2, random_seed=1)

    say(f"# benchmarks/sweep.py  {datetime.datetime.now().isoformat(timespec='seconds')}")
    say(f"# {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs "
        f"(affinity {len(os.sched_getaffinity(0))}), load average (1/5/15 min) at start {load()}")
    import dask
    import nutpie
    import pymc

    say(f"# bayesreg {bayesreg.__version__}, pymc {pymc.__version__}, nutpie {nutpie.__version__}, "
        f"dask {dask.__version__}")
    say(f"# data: {data.description}; prior Laplace, λ grid {n_lams} values 0.5 … 50 (log-spaced); "
        f"per λ: {run_kw['chains']} chains × ({run_kw['tune']} tune + {run_kw['draws']} draws), seed "
        f"{run_kw['random_seed']} at every λ")
    say()
    est = ds_ref = None
    if "overhead" not in args.skip:
        bench_overhead(args, data, run_kw)
    if "posterior" not in args.skip or "dask" not in args.skip:
        est, ds_ref = bench_posterior(args, data, lams, run_kw)
    if "dask" not in args.skip:
        bench_dask(args, data, lams, run_kw, est, ds_ref)
    if "map" not in args.skip:
        bench_map(args, data)
    say(f"# load average (1/5/15 min) at end {load()}")
    if not args.quick:
        out = HERE / "results" / "sweep.txt"
        out.parent.mkdir(exist_ok=True)
        out.write_text("\n".join(LINES) + "\n", encoding="utf-8")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
