r"""The large rows of ``map_vs_sklearn.py``, interleaved in one process, optionally against an older bayesreg.

Same problems (Gaussian 10k×100 and 200k×200 logistic data, Gaussian(1) and Laplace
≈ 0.05·λ_max), same objective U and the same equal-objective rule (each method at the
loosest of a few tolerances whose U is within 1e-8 of U*), but with every method
timed **round-robin in one process**, so that a loaded machine slows all of them
alike: ours (this tree), the peers (scikit-learn lbfgs / liblinear, glum irls-ls /
irls-cd), and with ``--baseline REV`` the same fits by bayesreg at git revision REV
(exported with ``git archive`` and imported as another package), for a before/after
ratio measured in the same minutes.

Per problem it prints each method's median time, min–max and U gap, the ratio
median ÷ best peer's median, and the per-round ratio (each round times every method
once) as median [min–max] over rounds.

Usage::

    python benchmarks/map_large.py --quick                 # < 1 min: 10k×100 only, 3 rounds
    python benchmarks/map_large.py --baseline baa8c9e      # before/after, ~5–10 min on a quiet machine
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from map_vs_sklearn import GAP, gaussian_data, lambda_max_l1, objective

import bayesreg


def load_baseline(rev: str):
    """bayesreg at git revision ``rev``, importable as ``bayesreg_<rev>``."""
    tmp = Path(tempfile.mkdtemp(prefix="bayesreg-baseline-"))
    name = f"bayesreg_{rev.replace('-', '_').replace('.', '_')}"
    archive = subprocess.run(["git", "-C", str(HERE.parent), "archive", rev, "bayesreg"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    (tmp / "bayesreg").rename(tmp / name)
    sys.path.insert(0, str(tmp))
    return importlib.import_module(name)


def methods(X, y, lam1, lam2, baseline):
    from glum import GeneralizedLinearRegressor
    from sklearn.linear_model import LogisticRegression as SkLR

    Xf = np.asfortranarray(X)
    kind = "L1" if lam1 > 0 else "L2"
    prior = (lambda mod: mod.Laplace(lam1)) if kind == "L1" else (lambda mod: mod.Gaussian(lam2))

    def ours(mod, solver):
        def fit(tol):
            e = mod.LogisticRegression(prior=prior(mod), solver=solver, tol=tol, max_iter=100_000).fit(X, y)
            return e.coef_, e.intercept_
        return fit

    lam = lam1 + lam2
    C = 1.0 / lam

    def sk(solver, **kw):
        def fit(tol):
            e = SkLR(C=C, l1_ratio=lam1 / lam, solver=solver, tol=tol, max_iter=100_000, **kw).fit(X, y)
            return e.coef_.ravel(), float(e.intercept_[0])
        return fit

    def gl(solver):
        def fit(tol):
            e = GeneralizedLinearRegressor(family="binomial", alpha=lam / len(y), l1_ratio=lam1 / lam, solver=solver,
                                           gradient_tol=tol, max_iter=1000).fit(Xf, y)
            return e.coef_, float(e.intercept_)
        return fit

    tols = [1e-4, 1e-5, 1e-6, 1e-7]
    out = {"ours fista": ("ours", ours(bayesreg, "fista"), tols)}
    if kind == "L2":
        out["ours lbfgs"] = ("ours", ours(bayesreg, "lbfgs"), tols)
    if baseline is not None:
        out["baseline fista"] = ("baseline", ours(baseline, "fista"), tols)
    if kind == "L2":
        out["sklearn lbfgs"] = ("peer", sk("lbfgs"), [1e-5, 1e-6, 1e-7, 1e-8])
        out["glum irls-ls"] = ("peer", gl("irls-ls"), tols)
    else:
        out["sklearn liblinear"] = ("peer", sk("liblinear", intercept_scaling=1e4, random_state=0), tols)
        out["glum irls-cd"] = ("peer", gl("irls-cd"), tols)
    return out


def quiet(fn, *a):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a)


def run_problem(name, X, y, lam1, lam2, baseline, rounds, emit):
    ms = methods(X, y, lam1, lam2, baseline)
    U = {}
    for label, (_, fit, tols) in ms.items():  # the mini-ladder: U at each candidate tol
        U[label] = [(tol, objective(X, y, *quiet(fit, tol), lam1, lam2)) for tol in tols]
    U_star = min(u for rows in U.values() for _, u in rows)
    chosen = {}
    for label, rows in U.items():
        ok = [(tol, u) for tol, u in rows if (u - U_star) / abs(U_star) <= GAP]
        if ok:
            chosen[label] = ok[0]
    times = {k: [] for k in chosen}
    for label in chosen:
        quiet(ms[label][1], chosen[label][0])  # warm-up (numba's cache load, imports)
    for _ in range(rounds):
        for label in chosen:
            gc.collect()
            gc.disable()
            try:
                t0 = time.perf_counter()
                quiet(ms[label][1], chosen[label][0])
                times[label].append(time.perf_counter() - t0)
            finally:
                gc.enable()
    T = {k: np.asarray(v) for k, v in times.items()}
    peers = [k for k in T if ms[k][0] == "peer"]
    best_peer = min(peers, key=lambda k: np.median(T[k]))
    per_round_best = np.min(np.stack([T[k] for k in peers]), axis=0)
    emit(f"{name}, {'Laplace' if lam1 else 'Gaussian'}({lam1 or lam2:g}): U* = {U_star:.12g}; "
         f"best peer {best_peer}; {rounds} rounds")
    for label in list(ms):
        if label not in T:
            best = min(U[label], key=lambda e: e[1])
            emit(f"  {label:<18} did not reach gap {GAP:g} (best {(best[1] - U_star) / abs(U_star):.1e})")
            continue
        t = T[label]
        r = t / per_round_best
        tol, u = chosen[label]
        emit(f"  {label:<18} tol={tol:.0e}  {np.median(t) * 1e3:9.1f} ms  [{t.min() * 1e3:.1f}–{t.max() * 1e3:.1f}]  "
             f"gap {max(u - U_star, 0) / abs(U_star):.1e}  ÷best peer {np.median(t) / np.median(T[best_peer]):.2f}  "
             f"per round ÷fastest peer {np.median(r):.2f} [{r.min():.2f}–{r.max():.2f}]")
    if "baseline fista" in T:
        r = T["ours fista"] / T["baseline fista"]
        emit(f"  ours fista ÷ baseline fista per round: {np.median(r):.2f} [{r.min():.2f}–{r.max():.2f}]")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="10k×100 only, 3 rounds (< 1 min)")
    ap.add_argument("--baseline", default=None, help="git revision to time against (e.g. baa8c9e)")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--only", default=None, help="'10k' or '200k'")
    ap.add_argument("--output", type=Path, default=None, help="also write the lines to this file")
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits

    baseline = load_baseline(args.baseline) if args.baseline else None
    lines = []

    def emit(s=""):
        print(s, flush=True)
        lines.append(s)

    emit(f"map_large.py — {datetime.datetime.now(datetime.UTC):%Y-%m-%dT%H:%M}Z, "
         f"load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}, 1 thread (threadpoolctl), "
         f"baseline {args.baseline or 'none'}; other work was running on the 2 cores")
    sizes = [(10_000, 100)] if args.quick else [(10_000, 100), (200_000, 200)]
    with threadpool_limits(limits=1):
        for n, d in sizes:
            if args.only and args.only != f"{n // 1000}k":
                continue
            X, y, _ = gaussian_data(n, d, seed=n + d)
            lmax = lambda_max_l1(X, y)
            lam1 = round(0.05 * lmax, -1) if lmax > 200 else 0.05 * lmax
            rounds = args.rounds or (3 if args.quick else (15 if n <= 10_000 else 7))
            for l1, l2 in [(0.0, 1.0), (lam1, 0.0)]:
                run_problem(f"Gaussian {n // 1000}k×{d}", X, y, l1, l2, baseline, rounds, emit)
    emit(f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.output:
        args.output.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
