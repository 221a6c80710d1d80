r"""Posterior samplers head to head: effective draws per second of wall time.

Samplers (all on the same posterior exp(−U), docs/contract.md):

* ``auto``       — ``sample_posterior``'s default: laplace-is when PSIS says it is
  reliable, else nutpie (the time of the laplace-is attempt is included);
* ``laplace-is`` — Pareto-smoothed importance sampling from the Laplace
  approximation, resampled to equal-weight draws (``bayesreg.posterior``);
* ``nutpie``     — ``sample_posterior(sampler="nutpie")``;
* ``pymc``       — ``sample_posterior(sampler="pymc")`` (PyMC's own NUTS, chains
  one after another, as bayesreg runs it);
* ``numpyro``    — ``pm.sample(nuts_sampler="numpyro")`` on ``build_pymc_model``'s
  model (JAX; only if numpyro and jax are importable: they are *not* bayesreg
  dependencies).

Problems: (a) the lecture's wide data (N = D = 50, logistic, ``Laplace(2)``,
flat intercept); (b) N = 10,000 × D = 100 iid N(0, 1) features, 10 true non-zeros
(the generator of ``map_vs_sklearn.py``), logistic, ``Gaussian(1)``.

Protocol.  Every run is a fresh Python process (so every compile is paid once,
as in a script run once; on-disk caches — pytensor's numba cache — are warm, as
for a user's second script).  The libraries are imported (numpy, scipy, pymc,
nutpie, arviz, and jax when installed: scipy imports it lazily on first use;
xarray's first Dataset, which imports dask) and the MAP is fitted *before* the
clock starts.  The clock covers the sampling call
only, end to end (compile + tune + draws + building the result;
``pointwise_log_likelihood=False``).  draws = tune = 1000, 4 chains, in every
sampler; the samplers' order rotates from seed to seed.

* ESS = min over the coefficients and the intercept of ArviZ's bulk ESS of the
  returned draws (for laplace-is: of the resampled draws, whose duplicates are kept
  adjacent so ArviZ counts them; the importance ESS 1/Σw̃² is shown too).
* ESS/s (1 run) = ESS / wall time of the call (compile included);
  ESS/s (no compile) = ESS / (wall − compile).  nutpie's compile is its
  ``compile_pymc_model``; PyMC's is the call minus its timed sampling loop;
  numpyro's is the same (its JAX jit happens inside the sampling loop and is
  therefore *not* excluded).
* divergences, max R-hat, "failed": NUTS chains stuck (draws repeating in > 50%
  of the steps) or max R-hat > 1.1; laplace-is runs with k̂ ≥ 0.7 or an importance
  ESS < 400 (its draws are then not the posterior's, whatever ArviZ's ESS says).
  Pareto k̂ and the importance ESS for laplace-is (and for auto's attempt).
* median and [min–max] over seeds.

Threads (2-core machine): nutpie runs 4 chains on 2 threads with 1 BLAS thread
each, laplace-is evaluates its likelihood chunks on 2 threads with 1 BLAS thread
each (both set by threadpoolctl inside ``bayesreg.posterior``); PyMC's chains run
one after another with 2 BLAS threads (threadpoolctl here); numpyro runs 4
parallel chains on 4 virtual XLA host devices (``XLA_FLAGS=
--xla_force_host_platform_device_count=4``), XLA using its own thread pool.

Usage::

    python benchmarks/posterior_samplers.py --quick   # < 2 min smoke run: (b) at 2,000×20, 1 seed, in-process
    python benchmarks/posterior_samplers.py           # full: writes benchmarks/results/posterior_samplers.txt
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
METHODS = ("auto", "laplace-is", "nutpie", "pymc", "numpyro")
XLA_FLAGS = "--xla_force_host_platform_device_count=4"


# ---------------------------------------------------------------------------------------------
# problems
# ---------------------------------------------------------------------------------------------
def gaussian_data(n, d, seed=0, n_nonzero=10):
    """The generator of map_vs_sklearn.py: iid N(0, 1) features, n_nonzero weights ±U(0.5, 1.5), b = 0.3."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = np.zeros(d)
    n_nonzero = min(n_nonzero, d)
    idx = rng.choice(d, n_nonzero, replace=False)
    w[idx] = rng.choice([-1.0, 1.0], n_nonzero) * rng.uniform(0.5, 1.5, n_nonzero)
    eta = X @ w + 0.3
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    return X, y


def problem(name: str):
    """(X, y, unfitted estimator, description)."""
    import bayesreg
    from bayesreg.datasets import make_lecture_wide

    if name == "lecture":
        d = make_lecture_wide()
        return d.X, d.y, bayesreg.LogisticRegression(prior=bayesreg.Laplace(2.0)), \
            "lecture wide data 50×50, logistic, Laplace(2), flat intercept"
    n, d = {"gauss10k": (10_000, 100), "gauss2k": (2_000, 20)}[name]
    X, y = gaussian_data(n, d, seed=n + d)
    return X, y, bayesreg.LogisticRegression(prior=bayesreg.Gaussian(1.0), tol=1e-8), \
        f"{n:,}×{d} iid N(0,1) features, logistic, Gaussian(1), flat intercept"


# ---------------------------------------------------------------------------------------------
# one run (in its own process)
# ---------------------------------------------------------------------------------------------
def _theta(post) -> np.ndarray:
    """(chain, draw, k) array of coef and intercept."""
    parts = [np.asarray(post["coef"].transpose("chain", "draw", ...).values)]
    if "intercept" in post:
        parts.append(np.asarray(post["intercept"].values)[..., None])
    return np.concatenate(parts, axis=-1)


def _diagnostics(theta: np.ndarray, nuts: bool) -> dict:
    import arviz as az

    # a constant parameter (importance weights collapsed on one proposal) holds one draw, whatever ArviZ says
    ess = np.array([float(az.ess(theta[..., j], method="bulk")) if np.ptp(theta[..., j]) > 0 else 1.0
                    for j in range(theta.shape[-1])])
    rhat = np.array([float(az.rhat(theta[..., j])) for j in range(theta.shape[-1])])
    stuck = 0
    if nuts:
        for c in range(theta.shape[0]):
            same = np.all(np.diff(theta[c], axis=0) == 0.0, axis=1).mean()
            stuck += int(same > 0.5)
    return {"ess_min": float(ess.min()), "ess_median": float(np.median(ess)), "rhat_max": float(np.nanmax(rhat)),
            "stuck_chains": stuck}


def worker(spec: dict) -> dict:
    import warnings

    import arviz  # noqa: F401  (imports are not timed)
    import arviz_stats.base  # noqa: F401
    import nutpie  # noqa: F401
    import pymc as pm

    import xarray as xr

    try:  # when installed, scipy's array-API layer imports jax on first use (1-2 s): not timed either
        import jax  # noqa: F401
    except ImportError:
        pass
    xr.Dataset({"a": ("x", np.zeros(1))})  # xarray imports its duck-array modules (dask) on first use
    from threadpoolctl import threadpool_info, threadpool_limits

    from bayesreg.posterior import build_pymc_model, sample_posterior

    method, seed = spec["method"], spec["seed"]
    draws, tune, chains = spec["draws"], spec["tune"], spec["chains"]
    X, y, est, _ = problem(spec["problem"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    out = {"method": method, "seed": seed, "problem": spec["problem"]}
    if method == "numpyro":
        import jax  # noqa: F401
        import numpyro  # noqa: F401

        model = build_pymc_model(est, X, y)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = pm.sample(draws=draws, tune=tune, chains=chains, random_seed=seed, nuts_sampler="numpyro",
                              model=model, progressbar=False, compute_convergence_checks=False,
                              nuts_sampler_kwargs={"chain_method": "parallel"})
        wall = time.perf_counter() - t0
        sampling = float(idata["posterior"].attrs["sampling_time"])
        out.update(wall=wall, compile=wall - sampling, sampling=sampling, sampler="numpyro",
                   divergences=int(idata["sample_stats"]["diverging"].sum()))
        out.update(_diagnostics(_theta(idata["posterior"].dataset), nuts=True))
        return out

    sampler = {"auto": "auto", "laplace-is": "laplace-is", "nutpie": "nutpie", "pymc": "pymc"}[method]
    blas = threadpool_limits(2, user_api="blas") if method == "pymc" else None
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tree = sample_posterior(est, X, y, draws=draws, tune=tune, chains=chains, random_seed=seed,
                                sampler=sampler, progressbar=False, pointwise_log_likelihood=False)
    wall = time.perf_counter() - t0
    if blas is not None:
        blas.restore_original_limits()
    a = tree["posterior"].attrs
    used = a["sampler"]
    compile_s = float(a.get("compile_time", 0.0))
    out.update(wall=wall, compile=0.0 if math.isnan(compile_s) else compile_s,
               sampling=float(a.get("sampling_time", math.nan)), sampler=used,
               auto_reason=a.get("auto_reason", ""), auto_check=float(a.get("auto_check_time", 0.0)),
               khat=float(a.get("pareto_k", a.get("auto_pareto_k", math.nan))),
               ess_importance=float(a.get("ess_importance", a.get("auto_ess_importance", math.nan))),
               warnings=[str(w.message)[:200] for w in caught if "PosteriorWarning" in w.category.__name__])
    stats = tree["sample_stats"].dataset if "sample_stats" in tree.children else None
    out["divergences"] = int(stats["diverging"].sum()) if stats is not None and "diverging" in stats else 0
    out.update(_diagnostics(_theta(tree["posterior"].dataset), nuts=used in ("nutpie", "pymc")))
    out["blas"] = [(i["internal_api"], i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]
    return out


def run_one(spec: dict, timeout: float, in_process: bool = False) -> dict:
    if in_process:  # --quick: one process, nutpie's compile cache cleared before each run
        from bayesreg.posterior import clear_compile_cache

        clear_compile_cache()
        try:
            return worker(spec)
        except Exception as exc:  # noqa: BLE001 - reported in the table
            return {**spec, "error": f"{type(exc).__name__}: {exc}"[:300]}
    env = dict(os.environ, XLA_FLAGS=XLA_FLAGS, PYTHONWARNINGS="ignore")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)], capture_output=True,
                              text=True, env=env, timeout=timeout, cwd=str(ROOT))
    except subprocess.TimeoutExpired:
        return {**spec, "error": f"timeout after {timeout:.0f} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        return {**spec, "error": (proc.stderr.strip().splitlines() or ["?"])[-1][:300]}
    res = json.loads(lines[-1][len("RESULT "):])
    res["process_wall"] = time.perf_counter() - t0
    return res


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------
def _med(vals) -> float:
    vals = [v for v in vals if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return float(np.median(vals)) if vals else math.nan


def _spread(vals, fmt="{:.3g}") -> str:
    vals = [v for v in vals if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not vals:
        return "—"
    m = float(np.median(vals))
    if len(vals) == 1:
        return fmt.format(m)
    return f"{fmt.format(m)} [{fmt.format(min(vals))}–{fmt.format(max(vals))}]"


def summarize(results: list[dict], problems: list[str], methods: list[str]) -> tuple[str, dict]:
    lines, verdict = [], {}
    for prob in problems:
        _, _, _, desc = problem(prob)
        lines.append(f"\n## ({'ab'[problems.index(prob)]}) {prob}: {desc}\n")
        hdr = (f"{'sampler':<11} {'n':>2} {'used':<11} {'wall s':>17} {'compile s':>15} {'sampling s':>17} "
               f"{'min bulk ESS':>18} {'ESS/s (1 run)':>20} {'ESS/s no compile':>20} {'div':>4} "
               f"{'max R-hat':>9} {'failed':>6} {'k̂':>16} {'ESS_IS':>13}")
        lines.append(hdr)
        lines.append("-" * len(hdr))
        best = {}
        for m in methods:
            rs = [r for r in results if r["problem"] == prob and r["method"] == m and "error" not in r]
            errs = [r for r in results if r["problem"] == prob and r["method"] == m and "error" in r]
            if not rs:
                if errs:
                    lines.append(f"{m:<11} failed: {errs[0]['error']}")
                continue
            per_run = [r["ess_min"] / r["wall"] for r in rs]
            no_comp = [r["ess_min"] / max(r["wall"] - r["compile"], 1e-9) for r in rs]
            # NUTS: a stuck chain or R-hat > 1.1; laplace-is: PSIS says its draws are unreliable
            failed = sum(r["stuck_chains"] + (r["rhat_max"] > 1.1) if r["sampler"] != "laplace-is"
                         else int(not (r["khat"] < 0.7 and r["ess_importance"] >= 400)) for r in rs)
            used = ",".join(sorted({r["sampler"] for r in rs}))
            best[m] = {"ess_s": _med(per_run), "ess_s_nocompile": _med(no_comp), "failed": failed,
                       "divergences": sum(r["divergences"] for r in rs), "used": used}
            lines.append(
                f"{m:<11} {len(rs):>2} {used:<11} {_spread([r['wall'] for r in rs]):>17} "
                f"{_spread([r['compile'] for r in rs]):>15} {_spread([r['sampling'] for r in rs]):>17} "
                f"{_spread([r['ess_min'] for r in rs], '{:.0f}'):>18} {_spread(per_run):>20} "
                f"{_spread(no_comp):>20} {sum(r['divergences'] for r in rs):>4} "
                f"{max(r['rhat_max'] for r in rs):>9.3f} {failed:>6} "
                f"{_spread([r.get('khat') for r in rs], '{:.2f}'):>16} "
                f"{_spread([r.get('ess_importance') for r in rs], '{:.0f}'):>13}")
            if errs:
                lines.append(f"{'':<11} ({len(errs)} run(s) failed: {errs[0]['error']})")
        reasons = sorted({r.get("auto_reason", "") for r in results if r["problem"] == prob and r["method"] == "auto"
                          and r.get("auto_reason")})
        for reason in reasons:
            lines.append(f"  auto: {reason}")
        verdict[prob] = best
        # targets
        valid = {m: b for m, b in best.items() if b["failed"] == 0}
        if "auto" in best and valid:
            top = max(valid, key=lambda m: valid[m]["ess_s"])
            ratio = best["auto"]["ess_s"] / valid[top]["ess_s"]
            ok = ratio >= 0.9 and best["auto"]["failed"] == 0
            lines.append(f"\n  target 1 — auto within 10% of the best ESS/s (1 run, compile counted), no failed "
                         f"chains: best valid = {top} ({valid[top]['ess_s']:.3g}/s); auto = "
                         f"{best['auto']['ess_s']:.3g}/s = {ratio:.2f}× → {'MET' if ok else 'MISSED'}")
            verdict[prob]["_target_auto"] = (ok, ratio, top)
        nuts = {m: b for m, b in best.items() if m in ("nutpie", "pymc", "numpyro")}
        if "laplace-is" in best and best["laplace-is"]["failed"]:
            lines.append("  laplace-is: not applicable here (Pareto k̂ ≥ 0.7: its draws are not the posterior's)")
        elif "laplace-is" in best and nuts:
            top = max(nuts, key=lambda m: nuts[m]["ess_s"])
            ratio = best["laplace-is"]["ess_s"] / nuts[top]["ess_s"]
            ratio_nc = best["laplace-is"]["ess_s_nocompile"] / max(b["ess_s_nocompile"] for b in nuts.values())
            lines.append(f"  laplace-is vs best NUTS ({top}): {ratio:.1f}× ESS/s (1 run), "
                         f"{ratio_nc:.1f}× excluding compile")
            verdict[prob]["_is_ratio"] = (ratio, ratio_nc, top)
    return "\n".join(lines), verdict


def header(args, load_start, started: str) -> str:
    import importlib.metadata as md

    def ver(p):
        try:
            return md.version(p)
        except md.PackageNotFoundError:
            return "not installed"

    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    ncpu = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    vers = ", ".join(f"{p} {ver(p)}" for p in ("numpy", "scipy", "pymc", "pytensor", "nutpie", "numba", "arviz",
                                                "arviz-stats", "jax", "numpyro", "threadpoolctl"))
    return "\n".join([
        "# posterior_samplers.py — effective draws per second, per sampler",
        f"date (start): {started}",
        f"machine: {platform.node()}, {cpu}, {ncpu} cores usable, {platform.system()} {platform.release()}",
        f"python {platform.python_version()}; {vers}",
        f"settings: draws = {args.draws}, tune = {args.tune}, chains = {args.chains}; "
        + ("--quick: all runs in ONE process (imports and numba caches shared: indicative only); "
           if args.quick else "every run a fresh process; ")
        + f"XLA_FLAGS={XLA_FLAGS}",
        f"load average at start: {load_start}",
        "threads: nutpie 2 chain threads × 1 BLAS thread; laplace-is 2 likelihood threads × 1 BLAS thread; "
        "PyMC NUTS sequential chains × 2 BLAS threads; numpyro 4 parallel chains on 4 XLA host devices",
    ])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="< 2 min smoke run: problem (b) at 2,000×20, one seed, 300 draws, all runs in this process")
    ap.add_argument("--seeds", type=int, default=None, help="seeds per sampler (default 5; 1 with --quick)")
    ap.add_argument("--nuts-seeds-big", type=int, default=None,
                    help="seeds for the NUTS samplers on 10,000×100 (default 3 for nutpie, 2 for pymc/numpyro)")
    ap.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated subset of {METHODS}")
    ap.add_argument("--draws", type=int, default=None)
    ap.add_argument("--tune", type=int, default=None)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    ap.add_argument("--out", default=None, help="results file (default benchmarks/results/posterior_samplers.txt; "
                                                "--quick prints only)")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        res = worker(json.loads(args.worker))
        print("RESULT " + json.dumps(res), flush=True)
        return 0

    methods = [m for m in args.methods.split(",") if m]
    bad = [m for m in methods if m not in METHODS]
    if bad:
        ap.error(f"unknown methods {bad}; choose from {METHODS}")
    if "numpyro" in methods:
        try:
            import jax  # noqa: F401
            import numpyro  # noqa: F401
        except ImportError:
            print("numpyro/jax not importable: skipping numpyro", flush=True)
            methods.remove("numpyro")
    args.draws = args.draws or (300 if args.quick else 1000)
    args.tune = args.tune or (300 if args.quick else 1000)
    if args.quick:
        os.environ["XLA_FLAGS"] = XLA_FLAGS  # before jax is imported
    seeds = args.seeds or (1 if args.quick else 5)
    problems = ["lecture", "gauss2k" if args.quick else "gauss10k"]
    load_start = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    print(header(args, load_start, started), flush=True)

    plan = []
    for prob in problems:
        for seed in range(1, seeds + 1):
            k = (seed - 1) % len(methods)  # rotate the order: no sampler always runs first
            for m in methods[k:] + methods[:k]:
                if prob == "gauss10k" and m in ("nutpie", "pymc", "numpyro"):
                    n_big = args.nuts_seeds_big or (3 if m == "nutpie" else 2)
                    if seed > n_big:
                        continue
                plan.append({"problem": prob, "method": m, "seed": seed, "draws": args.draws, "tune": args.tune,
                             "chains": args.chains})
    results = []
    t_start = time.perf_counter()
    for i, spec in enumerate(plan, 1):
        res = run_one(spec, args.timeout, in_process=args.quick)
        results.append(res)
        if "error" in res:
            msg = f"ERROR {res['error']}"
        else:
            msg = (f"{res['sampler']:<10} wall {res['wall']:7.2f} s (compile {res['compile']:6.2f}) "
                   f"ESS {res['ess_min']:6.0f}  ESS/s {res['ess_min'] / res['wall']:8.2f}  div {res['divergences']}"
                   f"  R-hat {res['rhat_max']:.3f}  k̂ {res.get('khat', math.nan):.2f}")
        print(f"[{i:>2}/{len(plan)}] {spec['problem']:<8} {spec['method']:<10} seed {spec['seed']}: {msg}", flush=True)
    table, verdict = summarize(results, problems, methods)
    load_end = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    text = (header(args, load_start, started) + f"\nload average at end: {load_end}; total {time.perf_counter() - t_start:.0f} s"
            + "\n" + table + "\n")
    if args.quick:
        table += ("\n\n(--quick: a smoke run in one process, one seed; walls of ~0.1 s are noise and the target "
                  "lines above are not verdicts: run without --quick for those)")
    print(table, flush=True)
    if not args.quick or args.out:
        out = Path(args.out) if args.out else HERE / "results" / "posterior_samplers.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n# raw runs (JSON lines)\n" + "\n".join(json.dumps(r) for r in results) + "\n")
        print(f"\nwrote {out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
