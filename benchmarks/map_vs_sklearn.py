r"""Time our MAP solvers against scikit-learn and glum at EQUAL OBJECTIVE.

Every method is scored on our objective (docs/contract.md), recomputed here with
numpy from each library's coefficients, independently of bayesreg:

    U(w, b) = Σ_n [log(1 + e^{η_n}) − y_n η_n] + λ1‖w‖₁ + (λ2/2)‖w‖²,   η = Xw + b.

Conversions (U = library objective × constant):

* scikit-learn ``LogisticRegression(C, l1_ratio=ρ)``: C·Σ loss + (1−ρ)/2‖w‖² + ρ‖w‖₁
  ⇒ λ1 = ρ/C, λ2 = (1−ρ)/C.  ``liblinear`` penalizes the intercept (as the
  weight of a constant column ``intercept_scaling``); 1e4 makes that negligible,
  and U below does not include it, so any residual shows up as a U gap.
* glum ``GeneralizedLinearRegressor(family="binomial", alpha=α, l1_ratio=ρ)``:
  1/(2N)·deviance + α[(1−ρ)/2‖w‖² + ρ‖w‖₁], deviance = 2Σ nll
  ⇒ λ1 = N·α·ρ, λ2 = N·α·(1−ρ).

Protocol, per problem:

1. *Ladder*: every method is fitted at tol = 1e-4, 1e-5, …, 1e-12 (``--quick``:
   1e-4, 1e-6, …; its own tolerance parameter, whatever it means for that
   solver), each fit in a forked child that is stopped after a time budget.  A
   method's ladder ends when U no longer changes over three rungs, a fit times
   out, fails or hits max_iter, or it is within GAP/100 of the best U seen (resumed if a later
   method finds a lower U).
2. U* = the smallest U any fit of any method reached.
3. Each method's *setting* = the loosest tol whose U has relative gap
   (U − U*)/|U*| ≤ 1e-8; a method that never gets there is reported as such.
4. That setting is timed over repeats in this process, round-robin over the
   methods (the whole ``fit`` call, input validation included, the garbage
   collector off as in timeit); median and min–max are printed, and the ratio
   to the fastest peer (scikit-learn or glum) that reached the gap.

All methods run under one threadpoolctl limit (BLAS and OpenMP), ``--threads``
(default 1).  glum gets X in Fortran order (its documented preference for
irls-cd, prepared outside the timing); the others get C order.

Also timed: one logistic gradient (X@w, sigmoid, Xᵀr) on the largest problem
against the memory-bandwidth bound 2·bytes(X)/B, with B the STREAM-style copy
bandwidth (bytes read + written per second by ``np.copyto`` of an X-sized
array); so the bound equals the time to copy X once.

Usage::

    python benchmarks/map_vs_sklearn.py --quick     # < 1 min, smaller problems, prints only
    python benchmarks/map_vs_sklearn.py             # full run, writes benchmarks/results/map_vs_sklearn.txt
"""

from __future__ import annotations

import argparse
import datetime
import gc
import math
import multiprocessing as mp
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


def _threads_from_argv(argv) -> str:
    """--threads N (or --threads=N) from the command line, before argparse (default 1)."""
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "1"


# Every OpenMP runtime gets the thread count from the environment, before any library loads one.
# threadpoolctl alone limits only the runtimes it detects, and glum's (tabmat's) OpenMP then ran a
# 2-thread team in this process: the ladder's forked children hung in tabmat (libgomp after fork),
# so glum's irls-cd "did not reach" any tolerance (2026-12-01, after numba joined the process).
os.environ["OMP_NUM_THREADS"] = _threads_from_argv(sys.argv[1:])

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import bayesreg  # noqa: E402
from bayesreg.datasets import load_breast_cancer, make_lecture_wide  # noqa: E402

GAP = 1e-8
VERBOSE = False
QUICK = False
LADDER = [10.0 ** -k for k in range(4, 13)]  # --quick uses every other rung


# ---------------------------------------------------------------------------------------------
# The objective, independently of bayesreg
# ---------------------------------------------------------------------------------------------
def objective(X, y, coef, intercept, lam1, lam2) -> float:
    """U(w, b) = Σ log(1+e^η) − yη + λ1‖w‖₁ + λ2/2‖w‖² (a sum, λ precisions)."""
    coef = np.asarray(coef, dtype=float).ravel()
    eta = X @ coef + float(intercept)
    nll = float(np.sum(np.logaddexp(0.0, eta))) - float(y @ eta)
    return nll + lam1 * float(np.abs(coef).sum()) + 0.5 * lam2 * float(coef @ coef)


# ---------------------------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------------------------
@dataclass
class Problem:
    name: str
    X: np.ndarray
    y: np.ndarray
    lam1: float
    lam2: float
    note: str = ""
    X_f: np.ndarray | None = None  # Fortran copy for glum

    @property
    def kind(self) -> str:
        if self.lam1 > 0 and self.lam2 > 0:
            return "EN"
        return "L1" if self.lam1 > 0 else "L2"

    @property
    def prior_text(self) -> str:
        if self.kind == "EN":
            return f"ElasticNet({self.lam1:g}, {self.lam2:g})"
        if self.kind == "L1":
            return f"Laplace({self.lam1:g})"
        return f"Gaussian({self.lam2:g})"


def gaussian_data(n, d, seed=0, n_nonzero=10):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = np.zeros(d)
    idx = rng.choice(d, n_nonzero, replace=False)
    w[idx] = rng.choice([-1.0, 1.0], n_nonzero) * rng.uniform(0.5, 1.5, n_nonzero)
    eta = X @ w + 0.3
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    return X, y, w


def lambda_max_l1(X, y) -> float:
    """Smallest λ1 at which the L1 MAP (flat intercept) is all zeros: ‖Xᵀ(y − ȳ)‖∞."""
    return float(np.abs(X.T @ (y - y.mean())).max())


def make_problems(quick: bool) -> list[Problem]:
    probs = []
    d = make_lecture_wide()
    probs.append(Problem("lecture wide 50×50", d.X, d.y, 2.0, 0.0, "X ~ U[-5,5], raw scale"))
    bc = load_breast_cancer()
    for lam1, lam2 in [(0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]:
        probs.append(Problem("breast cancer 569×30", bc.X, bc.y, lam1, lam2, "standardized"))
    raw = load_breast_cancer(standardize=False)
    for lam1, lam2 in [(0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]:
        probs.append(Problem("breast raw 569×30", raw.X, raw.y, lam1, lam2,
                             "NOT standardized: column sds 0.0026–569"))
    sizes = [(5_000, 100), (10_000, 200)] if quick else [(10_000, 100), (200_000, 200)]
    for n, dd in sizes:
        X, y, w = gaussian_data(n, dd, seed=n + dd)
        lmax = lambda_max_l1(X, y)
        lam1 = round(0.05 * lmax, -1) if lmax > 200 else 0.05 * lmax
        tag = f"Gaussian {n // 1000}k×{dd}"
        probs.append(Problem(tag, X, y, 0.0, 1.0, f"iid N(0,1), 10 true non-zeros"))
        probs.append(Problem(tag, X, y, lam1, 0.0, f"λ1 = {lam1:g} ≈ 0.05·λ_max ({lmax:.4g})"))
    return probs


# ---------------------------------------------------------------------------------------------
# Methods: fit(tol) -> (coef, intercept, n_iter)
# ---------------------------------------------------------------------------------------------
@dataclass
class Method:
    label: str
    group: str  # "ours" | "peer"
    fit: Callable[[float], tuple[np.ndarray, float, object]]
    tol_name: str = "tol"
    max_iter: int | None = None  # a fit that hits it ends the ladder: tighter tols only hit it again


def our_prior(p: Problem):
    if p.kind == "EN":
        return bayesreg.ElasticNet(p.lam1, p.lam2)
    if p.kind == "L1":
        return bayesreg.Laplace(p.lam1)
    return bayesreg.Gaussian(p.lam2)


def methods_for(p: Problem) -> list[Method]:
    from glum import GeneralizedLinearRegressor
    from sklearn.linear_model import LogisticRegression as SkLR

    X, y = p.X, p.y
    n, d = X.shape
    prior = our_prior(p)
    out: list[Method] = []

    def ours(solver, max_iter):
        def fit(tol):
            est = bayesreg.LogisticRegression(prior=prior, solver=solver, tol=tol, max_iter=max_iter).fit(X, y)
            return est.coef_, est.intercept_, est.n_iter_
        return fit

    out.append(Method("ours auto", "ours", ours("auto", None)))  # the default: newton or fista, max_iter its own
    out.append(Method("ours fista", "ours", ours("fista", 1_000_000), max_iter=1_000_000))
    if d <= 200:
        out.append(Method("ours newton", "ours", ours("newton", 500), max_iter=500))
    if p.kind == "L2":  # quasi-Newton: smooth priors only
        out.append(Method("ours lbfgs", "ours", ours("lbfgs", 100_000), max_iter=100_000))

    # scikit-learn: λ1 = ρ/C, λ2 = (1−ρ)/C
    lam = p.lam1 + p.lam2
    C, rho = 1.0 / lam, p.lam1 / lam

    def sk(solver, max_iter, **extra):
        def fit(tol):
            est = SkLR(C=C, l1_ratio=rho, solver=solver, tol=tol, max_iter=max_iter, **extra).fit(X, y)
            return est.coef_.ravel(), float(est.intercept_[0]), int(np.max(est.n_iter_))
        return fit

    if p.kind == "L2":
        out.append(Method("sklearn lbfgs", "peer", sk("lbfgs", 100_000), max_iter=100_000))
        out.append(Method("sklearn newton-cholesky", "peer", sk("newton-cholesky", 1000), max_iter=1000))
    if p.kind == "L1":
        out.append(Method("sklearn liblinear", "peer", sk("liblinear", 1000, intercept_scaling=1e4, random_state=0),
                          max_iter=1000))
    if p.kind in ("L1", "EN"):
        out.append(Method("sklearn saga", "peer", sk("saga", 100_000, random_state=0), max_iter=100_000))

    # glum: λ1 = N·α·ρ, λ2 = N·α·(1−ρ) ⇒ α = (λ1+λ2)/N, ρ = λ1/(λ1+λ2)
    alpha = lam / n
    if p.X_f is None:
        p.X_f = np.asfortranarray(X)
    Xf = p.X_f

    def gl(solver):
        def fit(tol):
            est = GeneralizedLinearRegressor(family="binomial", alpha=alpha, l1_ratio=rho, solver=solver,
                                             gradient_tol=tol, max_iter=1000).fit(Xf, y)
            return est.coef_, float(est.intercept_), est.n_iter_
        return fit

    gsolver = "irls-cd" if p.lam1 > 0 else "irls-ls"
    out.append(Method(f"glum {gsolver}", "peer", gl(gsolver), "gradient_tol", max_iter=1000))
    return out


# ---------------------------------------------------------------------------------------------
# Ladder and timing
# ---------------------------------------------------------------------------------------------
@dataclass
class Row:
    method: Method
    ladder: list[tuple[float, float, float, object]] = field(default_factory=list)  # (tol, U, seconds, n_iter)
    warned: set = field(default_factory=set)
    chosen: tuple | None = None
    times: list[float] = field(default_factory=list)
    error: str = ""
    finished: bool = False  # the ladder cannot usefully go on (plateau, timeout, error, end)
    spent: float = 0.0


def quiet_call(fn, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args)
    names = {type(w.message).__name__ for w in caught if not issubclass(w.category, DeprecationWarning)}
    return out, names


def _ladder_child(conn, fit, tol):
    try:
        t0 = time.perf_counter()
        (coef, b, n_iter), names = quiet_call(fit, tol)
        conn.send(("ok", np.asarray(coef, dtype=float).ravel(), float(b), time.perf_counter() - t0, n_iter, names))
    except Exception as exc:  # a library refusing a setting is a result, not a crash
        conn.send(("error", f"{type(exc).__name__}: {exc}"[:80]))
    conn.close()


def fit_with_timeout(fit, tol, timeout):
    """Run one ladder fit in a forked child (X shared copy-on-write) so a stalled solver can be stopped."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_ladder_child, args=(child, fit, tol), daemon=True)
    proc.start()
    child.close()
    if parent.poll(timeout):
        msg = parent.recv()
    else:
        msg = ("timeout",)
    if proc.is_alive():
        proc.kill()
    proc.join()
    parent.close()
    return msg


def run_ladder(p: Problem, row: Row, budget: float, best_so_far: float = math.inf) -> None:
    """Go down LADDER (each fit in a child stopped after ``budget`` s).

    Stops for good (``row.finished``) when U no longer changes over three rungs, a fit
    times out or fails, or the method has spent 3×budget.  Stops *for now* when U is
    within GAP/100 of the best U seen so far and moved by less than that on the last
    rung: only a later, lower U* could make more rungs matter, and then the caller
    calls again to resume.
    """
    done = {e[0] for e in row.ladder}
    for tol in (LADDER[::2] if QUICK else LADDER):
        if tol in done:
            continue
        msg = fit_with_timeout(row.method.fit, tol, budget)
        if msg[0] == "timeout":
            row.error = f"{row.method.tol_name}={tol:.0e} took > {budget:g} s (stopped)"
            row.finished = True
            if VERBOSE:
                print(f"    [{p.name} {p.kind}] {row.method.label} tol={tol:.0e} TIMEOUT", file=sys.stderr, flush=True)
            return
        if msg[0] == "error":
            row.error = msg[1]
            row.finished = True
            return
        _, coef, b, dt, n_iter, names = msg
        row.warned |= names
        U = objective(p.X, p.y, coef, b, p.lam1, p.lam2)
        row.ladder.append((tol, U, dt, n_iter))
        row.spent += dt
        if VERBOSE:
            print(f"    [{p.name} {p.kind}] {row.method.label} tol={tol:.0e} U={U:.15g} {dt:.3f}s it={n_iter} "
                  f"{sorted(names)}", file=sys.stderr, flush=True)
        Us = [e[1] for e in row.ladder]
        if len(Us) >= 3 and max(Us[-3:]) - min(Us[-3:]) <= 1e-13 * abs(U):
            row.finished = True  # converged to its own limit: tighter settings change nothing
            return
        if row.method.max_iter is not None and isinstance(n_iter, (int, np.integer)) and n_iter >= row.method.max_iter:
            row.error = f"hit max_iter={row.method.max_iter} at {row.method.tol_name}={tol:.0e}"
            row.finished = True
            return
        if row.spent > 3 * budget:
            row.error = f"ladder stopped after {row.spent:.0f} s"
            row.finished = True
            return
        best = min(best_so_far, min(Us))
        if len(Us) >= 2 and (U - best) <= 0.01 * GAP * abs(best) and abs(Us[-2] - U) <= 0.01 * GAP * abs(U):
            return  # good enough unless a later method finds a lower U*
    row.finished = True


def time_settings(rows: list[Row], min_repeats: int, max_repeats: int, row_budget: float) -> None:
    """Time each row's chosen setting, round-robin over the rows so that load from other
    processes on the machine falls on all methods alike; like timeit, the garbage
    collector is off during each fit."""
    rows = [r for r in rows if r.chosen is not None]
    want = {}
    for r in rows:
        est = r.chosen[2]  # ladder time
        want[id(r)] = int(max(min_repeats, min(max_repeats, row_budget / max(est, 1e-6))))
        if est < (0.1 if QUICK else 1.0):
            quiet_call(r.method.fit, r.chosen[0])  # warm-up (the ladder ran in child processes)
    gc.collect()
    for k in range(max(want.values(), default=0)):
        for r in rows:
            if k >= want[id(r)]:
                continue
            gc.disable()
            try:
                t0 = time.perf_counter()
                quiet_call(r.method.fit, r.chosen[0])
                r.times.append(time.perf_counter() - t0)
            finally:
                gc.enable()


def fmt_t(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1.0:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def fmt_spread(ts):
    return f"{fmt_t(min(ts))}–{fmt_t(max(ts))}"


# ---------------------------------------------------------------------------------------------
# Gradient vs memory bandwidth
# ---------------------------------------------------------------------------------------------
def gradient_vs_bandwidth(p: Problem, repeats: int) -> list[str]:
    """One logistic gradient against 2·bytes(X)/B, B the copy bandwidth of np.copyto."""
    X, y = p.X, p.y
    n, d = X.shape
    rng = np.random.default_rng(1)
    w = rng.standard_normal(d) * 0.1
    Xf = p.X_f if p.X_f is not None else np.asfortranarray(X)

    from bayesreg.likelihoods import Bernoulli
    from bayesreg.model import Model

    model = Model(X, y, Bernoulli(), bayesreg.Gaussian(1.0))
    theta = np.append(w, 0.1)
    eta0 = X @ w
    r0 = 0.5 + 0.5 * np.tanh(0.5 * eta0) - y
    dst = np.empty_like(X)

    def grad(A):
        eta = A @ w
        r = 0.5 + 0.5 * np.tanh(0.5 * eta) - y
        return A.T @ r

    cases = {
        "copy": lambda: np.copyto(dst, X),
        "grad": lambda: grad(X),
        "ours": lambda: model.data_gradient(model.linear_predictor(theta)),
        "fused": lambda: model.value_and_gradient(theta),
        "gradF": lambda: grad(Xf),
        "Xw": lambda: X @ w,
        "sig": lambda: 0.5 + 0.5 * np.tanh(0.5 * eta0) - y,
        "XTr": lambda: X.T @ r0,
    }
    # Interleave all cases in every repeat and take ratios to that repeat's copy time, so
    # that what the other processes on the machine do hits numerator and denominator alike.
    for fn in cases.values():
        fn()
    ts = {k: [] for k in cases}
    for _ in range(repeats):
        for k, fn in cases.items():
            t0 = time.perf_counter()
            fn()
            ts[k].append(time.perf_counter() - t0)
    ts = {k: np.asarray(v) for k, v in ts.items()}
    ratio = {k: float(np.median(v / ts["copy"])) for k, v in ts.items()}
    med = {k: float(np.median(v)) for k, v in ts.items()}
    tc = med["copy"]
    nbytes = X.nbytes
    bw = 2 * nbytes / tc  # STREAM: bytes read + written per second

    def line(label, k, target=""):
        return (f"  {label:<52} {fmt_t(med[k]):>9} (min {fmt_t(float(ts[k].min())):>8})  "
                f"{ratio[k]:.2f}× bound{target}")

    return [
        f"Gradient vs memory bandwidth on {p.name} (X = {nbytes / 1e6:.0f} MB float64; same thread limit as above; "
        f"{repeats} interleaved repeats; ratio = median over repeats of time / that repeat's copy time):",
        f"  np.copyto of an X-sized array: {fmt_t(tc)} ⇒ copy bandwidth B = {bw / 1e9:.2f} GB/s counting read + write "
        f"(STREAM convention), so the bound 2 passes × bytes(X) / B = {fmt_t(tc)} (= one copy of X).",
        f"  [If B is counted as bytes copied per second ({bw / 2e9:.2f} GB/s), the bound doubles and every ratio below halves.]",
        line("numpy  X@w, 0.5+0.5·tanh(η/2) − y, Xᵀr  (X C-order)", "grad"),
        line("ours   Model.data_gradient(linear_predictor(θ))", "ours"),
        line("ours   Model.value_and_gradient(θ)  (one pass)", "fused", "   (target ≤ 1.3×)"),
        line("numpy  same gradient, X Fortran-order", "gradF"),
        line("  of which X@w (C-order)", "Xw"),
        line("  of which sigmoid − y (N-vector)", "sig"),
        line("  of which Xᵀr (C-order)", "XTr"),
    ]


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------
def machine_lines(threads: int, quick: bool) -> list[str]:
    import glum
    import scipy
    import sklearn
    import threadpoolctl

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024**2:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    blas = ", ".join(sorted({f"{i.get('internal_api')} {i.get('version')} ({i.get('threading_layer', i.get('user_api'))})"
                             for i in threadpoolctl.threadpool_info()}))
    load = os.getloadavg()
    return [
        f"bayesreg MAP vs scikit-learn / glum at equal objective — {datetime.datetime.now().isoformat(timespec='seconds')}"
        + ("  [--quick]" if quick else ""),
        f"machine: nproc={os.cpu_count()}, CPU: {cpu}, RAM {mem}, {platform.platform()}",
        f"versions: python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"scikit-learn {sklearn.__version__}, glum {glum.__version__}, threadpoolctl {threadpoolctl.__version__}, "
        f"bayesreg {bayesreg.__version__}",
        f"thread pools: {blas}",
        f"threads: every method runs under threadpoolctl.threadpool_limits({threads}) (BLAS and OpenMP alike).",
        f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} — the machine's cores are shared with other "
        f"processes, so times carry noise; the spread column shows how much.",
        f"U = Σ log(1+e^η) − yη + λ1‖w‖₁ + λ2/2‖w‖² (sum over rows), recomputed with numpy for every method; "
        f"setting = loosest tol in {'1e-4, 1e-6, …, 1e-12' if quick else '1e-4, 1e-5, …, 1e-12'} with (U − U*)/|U*| ≤ {GAP:g}, U* = best U of any fit.",
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repeats, 5k×100 and 10k×200 instead of 10k×100 and 200k×200 (< 1 min)")
    ap.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads for every method (default 1)")
    ap.add_argument("--output", type=Path, default=None,
                    help="where to save the report (default: benchmarks/results/map_vs_sklearn.txt for a full run, "
                         "nothing for --quick)")
    ap.add_argument("--only", default=None, help="run only problems whose name contains this text")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every ladder fit to stderr")
    args = ap.parse_args(argv)
    global VERBOSE, QUICK
    VERBOSE, QUICK = args.verbose, args.quick
    from threadpoolctl import threadpool_limits

    if args.output is None and not args.quick:
        args.output = HERE / "results" / "map_vs_sklearn.txt"
    if args.quick:
        ladder_budget, min_rep, max_rep, row_budget, grad_rep = 1.0, 3, 3, 0.0, 9
    else:
        ladder_budget, min_rep, max_rep, row_budget, grad_rep = 60.0, 5, 31, 20.0, 21

    lines: list[str] = []

    def emit(s=""):
        print(s, flush=True)
        lines.append(s)

    t_start = time.perf_counter()
    try:  # compile or load the one-pass kernel once here: the ladder's forked children inherit it
        from bayesreg import fused_kernel
        fused_kernel.warm()
    except ImportError:
        pass
    with threadpool_limits(limits=args.threads):
        for s in machine_lines(args.threads, args.quick):
            emit(s)
        emit()
        from bayesreg.solvers import coordinate

        t0 = time.perf_counter()
        coordinate.lasso_quadratic(np.eye(2), np.ones(2), np.zeros(2), np.ones(2))  # numba: import + load/compile
        emit(f"numba kernel of newton's L1 subproblem (bayesreg.solvers.coordinate), first call in this process: "
             f"{time.perf_counter() - t0:.2f} s (import numba + load from its disk cache, or compile when the cache "
             f"is empty); paid here, once, before any timing (the ladder's forked children inherit it)")
        emit()
        problems = make_problems(args.quick)
        if args.only:
            problems = [p for p in problems if args.only in p.name]
        header = (f"{'problem':<22} {'prior':<18} {'method':<24} {'setting':<18} {'median':>9} "
                  f"{'min–max':>19} {'n':>3} {'U gap':>8} {'iters':>6} {'÷best peer':>10}")
        table: list[str] = [header, "-" * len(header)]
        summary: list[str] = []
        for p in problems:
            rows = [Row(m) for m in methods_for(p)]
            U_star = math.inf
            for r in rows:
                run_ladder(p, r, ladder_budget, U_star)
                U_star = min([U_star] + [e[1] for e in r.ladder])
            while True:  # resume rows paused early whose best is no longer within the gap of U*
                todo = [r for r in rows if not r.finished
                        and min(e[1] for e in r.ladder) - U_star > 0.01 * GAP * abs(U_star)]
                if not todo:
                    break
                for r in todo:
                    run_ladder(p, r, ladder_budget, U_star)
                    U_star = min([U_star] + [e[1] for e in r.ladder])
            for r in rows:
                for entry in r.ladder:
                    if (entry[1] - U_star) / abs(U_star) <= GAP:
                        r.chosen = entry
                        break
            time_settings(rows, min_rep, max_rep, row_budget)
            peer_best = min((float(np.median(r.times)) for r in rows if r.method.group == "peer" and r.times),
                            default=math.nan)
            emit(f"{p.name}, {p.prior_text}: U* = {U_star:.12g}   ({p.note})")
            for r in rows:
                if r.chosen is None:
                    best = min(r.ladder, key=lambda e: e[1]) if r.ladder else None
                    why = (f"best gap {(best[1] - U_star) / abs(U_star):.1e} at {r.method.tol_name}={best[0]:.0e} "
                           f"({fmt_t(best[2])}, iters {best[3]})" if best else "no fit")
                    if r.error:
                        why += f"; {r.error}"
                    line = (f"{p.name:<22} {p.prior_text:<18} {r.method.label:<24} "
                            f"{'DID NOT REACH 1e-8':<18} {why}")
                    if r.warned:
                        line += f" [{', '.join(sorted(r.warned))}]"
                    table.append(line)
                    emit("  " + line)
                    continue
                tol, U, _, n_iter = r.chosen
                med = float(np.median(r.times))
                gap = max((U - U_star) / abs(U_star), 0.0)
                ratio = med / peer_best if math.isfinite(peer_best) else math.nan
                line = (f"{p.name:<22} {p.prior_text:<18} {r.method.label:<24} {r.method.tol_name + '=' + f'{tol:.0e}':<18} "
                        f"{fmt_t(med):>9} {fmt_spread(r.times):>19} {len(r.times):>3} {gap:>8.1e} {str(n_iter):>6} "
                        f"{ratio:>10.2f}")
                table.append(line)
                emit("  " + line)
                if r.method.group == "ours":
                    summary.append(f"{p.name}, {p.prior_text}, {r.method.label}: {ratio:.2f}× best peer"
                                   + ("   <-- above target 1.0" if not ratio <= 1.0 else ""))
            ladder_txt = "; ".join(
                f"{r.method.label}: " + " ".join(f"{t:.0e}→{max((u - U_star) / abs(U_star), 0):.0e}"
                                                 for (t, u, _, _) in r.ladder) for r in rows)
            emit(f"  ladder (tol→gap): {ladder_txt}")
            emit()
        emit("=" * len(header))
        emit("TABLE (median time of the whole fit at the setting that reaches the gap; ÷best peer = "
             "median / fastest scikit-learn-or-glum median on that problem)")
        for s in table:
            emit(s)
        emit()
        emit("ours vs best peer (target ≤ 1.0):")
        for s in summary:
            emit("  " + s)
        emit()
        largest = max(problems, key=lambda q: q.X.size)
        for s in gradient_vs_bandwidth(largest, grad_rep):
            emit(s)
        load = os.getloadavg()
        emit()
        emit(f"total wall time {time.perf_counter() - t_start:.0f} s; load average at end: "
             f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"saved to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
