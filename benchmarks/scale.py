r"""bayesreg on Dask arrays (``bayesreg.chunked``) against dask-glm, beyond memory, and laplace-is vs NUTS.

Everything runs on ``distributed.LocalCluster(n_workers=2, threads_per_worker=1)``.
The data are logistic: X has standard normal entries, y ~ Bernoulli(σ(Xw)) with a
sparse true w, **no intercept** (dask-glm fits none unless X holds a constant column,
so every method here fits none: bayesreg with ``fit_intercept=False``).  Each row
chunk is generated from ``numpy.random.default_rng([seed, chunk index])`` by
:func:`make_chunk`, so the cluster, the client and the reference below all build
bit-identical chunks from the seed alone.

The objective, recomputed here with numpy from each method's coefficients,
independently of bayesreg:

    U(w) = Σ_n [log(1 + e^{η_n}) − y_n η_n] + λ1‖w‖₁ + (λ2/2)‖w‖²,   η = Xw.

dask-glm 0.4 minimizes ``family.loglike(Xβ, y) + lamduh·regularizer.f(β)`` with
``Logistic.loglike = Σ (η + log1p(e^{−η})) − yη`` (= the same Σ nll) and
``L1.f = Σ|β|``, ``L2.f = ½‖β‖²``; so Laplace(λ) ↔ ``regularizer="l1", lamduh=λ`` and
Gaussian(λ) ↔ ``regularizer="l2", lamduh=λ``.  Its solvers standardize X unless
``normalize=False`` (which changes the penalty), so they get ``normalize=False``.
The part (a) header prints both objectives at one random β as a check of this mapping.

(a) **Data in memory** (default 2M × 20, persisted on the cluster before timing).
    Equal objective as in ``map_vs_sklearn.py``: every method climbs a tolerance ladder
    (1e-4, 1e-5, … 1e-12 of its own ``tol``) until its U is within GAP = 1e-8 (relative)
    of U* = the best U of any fit (re-opened if a later method finds a lower U; ended
    when U stops changing over three rungs or one fit exceeds ``--budget`` seconds); the
    loosest such rung is then timed ``--repeats`` more times, round-robin over methods
    (its ladder fit is the first timing); median and min–max are printed, with the ratio to dask-glm ``proximal_grad``.  Methods:
    bayesreg chunked (auto = Newton; FISTA), bayesreg in memory on the same numpy data
    (in the client process), dask-glm ``proximal_grad``, and ``lbfgs`` (L2 only) as an
    extra row; ``admm`` only with ``--admm``: on 2M × 20 under load its first rung
    (abstol = reltol = 1e-4, max_iter 1000: an L-BFGS solve per chunk per iteration)
    had not finished after 9 minutes (2026-12-02), so the full run leaves it out.  "iters" is the solver's iteration count, "graphs" the graphs one
    fit submits to the scheduler (each compute or persist: a round trip; counted by a
    scheduler plugin; bayesreg's input checks included).
(b) **Larger than the workers' memory**: X is a lazy Dask array (default 50M × 20 float64
    = 8 GB) on a fresh cluster whose workers have ``--memory-limit`` each, so bayesreg
    must stream X from the generator on every pass (``ChunkedModel.persisted`` is False);
    y (8 bytes a row) is persisted first.  Reported: wall time, passes, the peak resident
    memory of each worker process (VmHWM from /proc, the kernel's high-water mark, read
    at the end) against the limit, and U against a **streaming numpy reference written
    here** (Gaussian prior, smooth U): one pass that regenerates every chunk in this process
    and sums U, ∇U and ∇²U at bayesreg's w; the half squared Newton decrement ½gᵀH⁻¹g
    (≈ U(w) − min U) and U after that Newton step (a second pass) say how far from the
    minimum bayesreg's w is, with nothing shared with bayesreg's code path.
(c) **laplace-is vs NUTS** on the first ``--rows-c`` rows (default 1M × 20): bayesreg
    laplace-is on the chunked data (1000 draws) vs bayesreg NUTS (nutpie, in memory,
    2 chains × (200 tune + 200 draws)); bulk ESS (ArviZ) of the weights, min over
    weights, per second of the whole ``sample_posterior`` call (compile included, and
    stated separately), and the Pareto k̂ of the importance weights.

Usage::

    python benchmarks/scale.py --quick        # ~3 min: small sizes, 1 repeat, prints only
    python benchmarks/scale.py                # full run, writes benchmarks/results/scale.txt
    python benchmarks/scale.py --parts b --rows-b 20000000   # one part, another size
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import bayesreg as br  # noqa: E402

GAP = 1e-8
LADDER = [10.0 ** -k for k in range(4, 13)]
D = 20
SEED = 14
N_NONZERO = 12


# ---------------------------------------------------------------------------------------------
# Data: one generator for the cluster, the client and the reference
# ---------------------------------------------------------------------------------------------
def true_weights(d: int = D, seed: int = SEED) -> np.ndarray:
    rng = np.random.default_rng([seed, 10**9])
    w = np.zeros(d)
    idx = rng.choice(d, N_NONZERO, replace=False)
    w[idx] = rng.choice([-1.0, 1.0], N_NONZERO) * rng.uniform(0.05, 0.5, N_NONZERO)
    return w


def make_chunk(i: int, rows: int, d: int = D, seed: int = SEED):
    """Row chunk ``i``: (X_i, y_i) from ``default_rng([seed, i])``; the same bits wherever it is called."""
    rng = np.random.default_rng([seed, int(i)])
    X = rng.standard_normal((rows, d))
    y = (rng.random(rows) < 1.0 / (1.0 + np.exp(-(X @ true_weights(d, seed))))).astype(float)
    return X, y


def _x_block(block, rows, d, seed):
    return make_chunk(int(block[0]), rows, d, seed)[0]


def _y_block(block, rows, d, seed):
    return make_chunk(int(block[0]), rows, d, seed)[1]


def lazy_data(n: int, rows: int, d: int = D, seed: int = SEED):
    """(X, y) as lazy Dask arrays of ``n // rows`` chunks of ``rows`` rows, each from :func:`make_chunk`."""
    import dask.array as da

    k = n // rows
    idx = da.arange(k, chunks=1)
    X = da.map_blocks(_x_block, idx, rows, d, seed, chunks=((rows,) * k, (d,)), new_axis=[1], dtype=float,
                      meta=np.empty((0, 0)))
    y = da.map_blocks(_y_block, idx, rows, d, seed, chunks=((rows,) * k,), dtype=float, meta=np.empty((0,)))
    return X, y


def objective(X, y, w, lam1, lam2) -> float:
    """U(w) = Σ log(1+e^η) − yη + λ1‖w‖₁ + λ2/2‖w‖², η = Xw (no intercept)."""
    w = np.asarray(w, dtype=float).ravel()
    eta = X @ w
    return (float(np.logaddexp(0.0, eta).sum()) - float(y @ eta) + lam1 * float(np.abs(w).sum())
            + 0.5 * lam2 * float(w @ w))


# ---------------------------------------------------------------------------------------------
# Counting graphs and iterations (measurement only)
# ---------------------------------------------------------------------------------------------
class GraphCounter:
    """Counts graph submissions (every compute/persist: a client → scheduler round trip) on the scheduler."""

    def __init__(self, cluster):
        from distributed.diagnostics.plugin import SchedulerPlugin

        counter = self

        class Plugin(SchedulerPlugin):
            name = "scale-benchmark-graph-counter"

            def update_graph(self, scheduler, **kwargs):
                counter.n += 1

        self.n = 0
        cluster.scheduler.add_plugin(Plugin())


class Iterations:
    """Counts dask-glm's iterations by wrapping the module-level function it calls once per iteration."""

    def __init__(self, obj, name, when=lambda a, k: True):
        self.obj, self.name, self.when, self.n = obj, name, when, 0

    def __enter__(self):
        self.orig = getattr(self.obj, self.name)

        def counted(*a, **k):
            if self.when(a, k):
                self.n += 1
            return self.orig(*a, **k)

        setattr(self.obj, self.name, counted)
        return self

    def __exit__(self, *exc):
        setattr(self.obj, self.name, self.orig)


# ---------------------------------------------------------------------------------------------
# Methods of part (a)
# ---------------------------------------------------------------------------------------------
class Method:
    def __init__(self, name, fit):
        self.name, self.fit = name, fit  # fit(tol) -> (coef, iters, trips)
        self.rungs: list[tuple[float, float, float, int, int]] = []  # (tol, U, seconds, iters, trips)
        self.done = False
        self.note = ""
        self.setting = None
        self.times: list[float] = []


def methods_a(Xd, yd, X, y, prior_kind, lam, max_iter_glm, graphs, admm=False):
    import dask_glm.algorithms as alg
    from dask_glm.families import Logistic

    prior = (lambda: br.Laplace(lam)) if prior_kind == "L1" else (lambda: br.Gaussian(lam))
    reg = "l1" if prior_kind == "L1" else "l2"

    def ours(solver, chunked):
        def fit(tol):
            n0 = graphs.n
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                e = br.LogisticRegression(prior=prior(), solver=solver, fit_intercept=False, tol=tol,
                                          max_iter=100_000).fit(Xd if chunked else X, yd if chunked else y)
            if chunked and solver == "auto":
                assert e.map_.solver == "newton", e.map_.solver
            return e.coef_.ravel(), e.n_iter_, graphs.n - n0
        return fit

    def glm(algo, tol_kw, **extra):
        def fit(tol):
            n0 = graphs.n
            # one call per iteration: proximal_grad persists (Xβ, f, ∇f); admm computes the chunks' β;
            # lbfgs computes (f, ∇f) once per evaluation
            probe = {"proximal_grad": (alg, "persist", lambda a, k: len(a) == 3),
                     "admm": (alg.da, "compute", lambda a, k: True),
                     "lbfgs": (alg, "compute", lambda a, k: True)}[algo]
            with Iterations(*probe) as it:
                kw = {k: tol for k in tol_kw}
                beta = getattr(alg, algo)(Xd, yd, regularizer=reg, lamduh=lam, family=Logistic, normalize=False,
                                          **kw, **extra)
            return np.asarray(beta).ravel(), it.n, graphs.n - n0
        return fit

    out = [Method("bayesreg chunked auto", ours("auto", True)),
           Method("bayesreg chunked fista", ours("fista", True)),
           Method("bayesreg in-memory auto", ours("auto", False)),
           Method("dask-glm proximal_grad", glm("proximal_grad", ["tol"], max_iter=max_iter_glm))]
    if admm:
        out.append(Method("dask-glm admm", glm("admm", ["abstol", "reltol"], max_iter=max_iter_glm)))
    if prior_kind == "L2":
        out.append(Method("dask-glm lbfgs", glm("lbfgs", ["tol"], max_iter=max_iter_glm)))
    return out


def run_ladders(methods, X, y, lam1, lam2, budget, log):
    best = np.inf

    def climb(m):
        nonlocal best
        start = len(m.rungs)
        for tol in LADDER[start:]:
            t0 = time.perf_counter()
            try:
                coef, iters, trips = m.fit(tol)
            except Exception as exc:  # a method that fails is reported, not fatal
                m.note = f"failed: {type(exc).__name__}: {str(exc)[:80]}"
                m.done = True
                log(f"    {m.name:26s} tol={tol:.0e} FAILED {m.note}")
                return
            sec = time.perf_counter() - t0
            U = objective(X, y, coef, lam1, lam2)
            m.rungs.append((tol, U, sec, iters, trips))
            best = min(best, U)
            log(f"    {m.name:26s} tol={tol:.0e}  U={U:.10f}  {sec:7.2f}s  iters={iters} graphs={trips}")
            if (U - best) <= GAP * abs(best):
                return
            if len(m.rungs) >= 3 and max(r[1] for r in m.rungs[-3:]) - min(r[1] for r in m.rungs[-3:]) <= 1e-13 * abs(U):
                m.note = m.note or "U stopped changing"
                m.done = True
                return
            if sec > budget:
                m.note = f"stopped: a fit took {sec:.0f}s > budget {budget:.0f}s"
                m.done = True
                return
        m.done = True

    for m in methods:
        climb(m)
    for m in methods:  # re-open ladders a later method's lower U left behind
        if not m.done and m.rungs and (m.rungs[-1][1] - best) > GAP * abs(best):
            climb(m)
    for m in methods:
        ok = [r for r in m.rungs if (r[1] - best) <= GAP * abs(best)]
        m.setting = ok[0] if ok else None
    return best


def time_settings(methods, repeats, log):
    for m in methods:  # the ladder's own fit at the chosen rung is the first timing
        if m.setting is not None:
            m.times.append(m.setting[2])
    for rep in range(repeats):
        for m in methods:
            if m.setting is None:
                continue
            t0 = time.perf_counter()
            m.fit(m.setting[0])
            m.times.append(time.perf_counter() - t0)
        log(f"    round {rep + 1}/{repeats} done")


def fmt_spread(ts) -> str:
    return f"{np.median(ts):8.2f}s [{min(ts):.2f}–{max(ts):.2f}]"


def part_a(client, graphs, n, rows, repeats, budget, emit, log, admm=False):
    from dask_glm.families import Logistic
    from dask_glm.regularizers import L1, L2
    from distributed import wait

    Xd, yd = lazy_data(n, rows)
    Xd, yd = client.persist([Xd, yd])
    wait([Xd, yd])
    X, y = Xd.compute(), yd.compute()
    beta = np.random.default_rng(1).normal(size=D) * 0.1
    ours = objective(X, y, beta, 0.7, 0.0), objective(X, y, beta, 0.0, 0.7)
    theirs = (float(Logistic.loglike(X @ beta, y)) + 0.7 * L1().f(beta),
              float(Logistic.loglike(X @ beta, y)) + 0.7 * L2().f(beta))
    lam_max = float(np.abs(X.T @ (y - 0.5)).max())
    emit(f"(a) data in memory: {n:,} × {D} logistic (no intercept), {n // rows} chunks of {rows:,} rows, persisted "
         f"on the cluster ({X.nbytes / 2**20:.0f} MiB); λ_max(L1) = {lam_max:.4g}")
    emit(f"    objective mapping check at a random β: U(l1, λ=0.7) ours {ours[0]:.10f} vs dask-glm "
         f"{theirs[0]:.10f}; U(l2) ours {ours[1]:.10f} vs dask-glm {theirs[1]:.10f}")
    rows_out = []
    for kind, lam in (("L1", round(0.02 * lam_max, -1)), ("L2", 1.0)):
        lam1, lam2 = (lam, 0.0) if kind == "L1" else (0.0, lam)
        prior_text = f"Laplace({lam:g})" if kind == "L1" else f"Gaussian({lam:g})"
        log(f"  ladder {prior_text}")
        methods = methods_a(Xd, yd, X, y, kind, lam, max_iter_glm=1000, graphs=graphs, admm=admm)
        best = run_ladders(methods, X, y, lam1, lam2, budget, log)
        time_settings(methods, repeats, log)
        ref = next((m for m in methods if m.name == "dask-glm proximal_grad"), None)
        ref_t = np.median(ref.times) if ref is not None and ref.times else np.nan
        nz = None
        emit(f"  {prior_text}: U* = {best:.10f}; GAP {GAP:g}; ratio = median ÷ dask-glm proximal_grad median")
        header = (f"    {'method':<26} {'setting':<10} {'median [min–max]':<26} {'gap':>9} {'iters':>6} {'graphs':>6} "
                  f"{'÷proximal_grad':>14}")
        emit(header)
        for m in methods:
            if m.setting is None:
                last = m.rungs[-1] if m.rungs else None
                why = m.note or "never within GAP"
                tail = f" (tightest: tol={last[0]:.0e}, gap {(last[1] - best) / abs(best):.1e}, {last[2]:.1f}s)" if last else ""
                emit(f"    {m.name:<26} did not reach the gap: {why}{tail}")
                continue
            tol, U, _, iters, trips = m.setting
            ratio = np.median(m.times) / ref_t if np.isfinite(ref_t) else np.nan
            emit(f"    {m.name:<26} tol={tol:<6.0e} {fmt_spread(m.times):<26} {(U - best) / abs(best):9.1e} "
                 f"{iters:>6} {trips:>6} {ratio:>14.3f}")
            rows_out.append((prior_text, m.name, np.median(m.times), ratio))
        del nz
    client.cancel([Xd, yd])
    return rows_out


# ---------------------------------------------------------------------------------------------
# Part (b): beyond the workers' memory
# ---------------------------------------------------------------------------------------------
def reference_check(n, rows, w, lam2):
    """One streaming numpy pass at ``w`` (chunks regenerated here): U, ∇U, ∇²U, and the Newton step from w.

    For this smooth convex U, half the squared Newton decrement ½·gᵀH⁻¹g estimates U(w) − min U
    (exactly so for a quadratic); the step also gives the reference minimizer w − H⁻¹g, whose U is
    evaluated by a second pass.
    """
    def one_pass(w):
        U, g, H = 0.5 * lam2 * float(w @ w), lam2 * w.copy(), lam2 * np.eye(D)
        for i in range(n // rows):
            X, y = make_chunk(i, rows)
            eta = X @ w
            p = 0.5 * (1.0 + np.tanh(0.5 * eta))  # σ(η), no overflow
            U += float(np.logaddexp(0.0, eta).sum() - y @ eta)
            g += X.T @ (p - y)
            H += X.T @ (X * (p * (1.0 - p))[:, None])
        return U, g, H

    U, g, H = one_pass(w)
    step = np.linalg.solve(H, g)
    U_newton = one_pass(w - step)[0]
    return U, float(g @ step) / 2.0, U_newton, float(np.abs(g).max())


def _peak_rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return -1


def part_b(n, rows, memory_limit, lam2, emit, log):
    import dask
    from distributed import Client, LocalCluster, wait

    from bayesreg.chunked import model as cmodel

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, memory_limit=memory_limit, dashboard_address=None)
    client = Client(cluster)
    graphs = GraphCounter(cluster)
    limits = [w["memory_limit"] for w in client.scheduler_info()["workers"].values()]
    Xd, yd = lazy_data(n, rows)
    t0 = time.perf_counter()
    yd = client.persist(yd)
    wait(yd)
    t_y = time.perf_counter() - t0
    seen = {}
    orig_init = cmodel.ChunkedModel.__init__

    def init(self, *a, **k):
        orig_init(self, *a, **k)
        seen["persisted"] = self.persisted

    cmodel.ChunkedModel.__init__ = init
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            n0 = graphs.n
            t0 = time.perf_counter()
            e = br.LogisticRegression(prior=br.Gaussian(lam2), fit_intercept=False, tol=1e-9).fit(Xd, yd)
            t_fit = time.perf_counter() - t0
    finally:
        cmodel.ChunkedModel.__init__ = orig_init
    peaks = client.run(_peak_rss)
    client.close()
    cluster.close()
    del dask
    gib = 2**30
    emit(f"(b) beyond memory: {n:,} × {D} float64 = {Xd.nbytes / gib:.2f} GiB of X, lazy ({n // rows} chunks of "
         f"{rows:,} rows made by make_chunk on the workers), y persisted first ({yd.nbytes / gib:.2f} GiB, "
         f"{t_y:.1f}s); 2 workers × memory_limit {limits[0] / gib:.2f} GiB (total {sum(limits) / gib:.2f} GiB)")
    emit(f"    bayesreg LogisticRegression(Gaussian({lam2:g}), fit_intercept=False, tol=1e-9), solver "
         f"{e.map_.solver}: ChunkedModel.persisted = {seen.get('persisted')}; converged {e.map_.converged}, "
         f"{e.n_iter_} iterations, {graphs.n - n0} graphs submitted (one pass over X each at most); "
         f"wall {t_fit:.1f}s")
    emit("    peak RSS per worker (VmHWM): " + ", ".join(f"{v / gib:.2f} GiB" for v in peaks.values())
         + f" vs limit {limits[0] / gib:.2f} GiB each")
    spill = [str(w.message)[:100] for w in caught if "memory" in str(w.message).lower()]
    if spill:
        emit("    memory warnings: " + "; ".join(spill[:3]))
    log("  streaming numpy reference …")
    t0 = time.perf_counter()
    U, dec, U_newton, gmax = reference_check(n, rows, e.coef_.ravel(), lam2)
    t_ref = time.perf_counter() - t0
    emit(f"    streaming numpy reference (written here; chunks regenerated in one process from the seed, 2 passes, "
         f"{t_ref:.0f}s) at bayesreg's w: U = {U:.12f}, max|∇U| = {gmax:.2e}, half Newton decrement "
         f"½gᵀH⁻¹g = {dec:.2e} (relative {dec / abs(U):.1e}); U after one more Newton step {U_newton:.12f} "
         f"(relative gap of bayesreg's U to it {(U - U_newton) / abs(U_newton):.1e})")
    return dict(t=t_fit, peaks=peaks, limit=limits[0], persisted=seen.get("persisted"))


# ---------------------------------------------------------------------------------------------
# Part (c): laplace-is vs NUTS
# ---------------------------------------------------------------------------------------------
def part_c(client, n, rows, lam, draws_is, tune, draws, emit, log):
    import arviz as az
    from distributed import wait

    Xd, yd = lazy_data(n, rows)
    Xd, yd = client.persist([Xd, yd])
    wait([Xd, yd])
    X, y = Xd.compute(), yd.compute()
    emit(f"(c) posterior draws on {n:,} × {D} (prior Gaussian({lam:g}), no intercept): ESS = ArviZ bulk ESS of the "
         f"weights (min over the {D}), per second of the whole sample_posterior call")

    def ess_min(idata):
        return float(np.asarray(az.ess(idata, var_names=["coef"], method="bulk")["coef"].values).min())

    est = br.LogisticRegression(prior=br.Gaussian(lam), fit_intercept=False).fit(Xd, yd)
    t0 = time.perf_counter()
    post = est.sample_posterior(Xd, yd, sampler="laplace-is", draws=draws_is, chains=1, random_seed=0)
    t_is = time.perf_counter() - t0
    attrs = post["posterior"].attrs
    khat, ess_imp = float(attrs["pareto_k"]), float(attrs["ess_importance"])
    e_is = ess_min(post)
    emit(f"    laplace-is (chunked): {draws_is} draws from {int(attrs['n_proposals'])} proposals in {t_is:.2f}s; "
         f"Pareto k̂ = {khat:.3f} (threshold {float(attrs['pareto_k_threshold']):.2f}); importance ESS "
         f"1/Σw̃² = {ess_imp:.0f} → {ess_imp / t_is:.0f} ESS/s; min bulk ESS of the draws {e_is:.0f} → "
         f"{e_is / t_is:.0f} ESS/s")
    e_is = min(e_is, ess_imp)
    est_m = br.LogisticRegression(prior=br.Gaussian(lam), fit_intercept=False).fit(X, y)
    t0 = time.perf_counter()
    post_n = est_m.sample_posterior(X, y, sampler="nutpie", tune=tune, draws=draws, chains=2, random_seed=0,
                                    progressbar=False)
    t_nuts = time.perf_counter() - t0
    e_nuts = ess_min(post_n)
    rhat = float(np.asarray(az.rhat(post_n, var_names=["coef"])["coef"].values).max())
    emit(f"    NUTS (nutpie, in memory): 2 chains × ({tune} tune + {draws} draws) in {t_nuts:.1f}s (compile "
         f"included); min bulk ESS {e_nuts:.0f} → {e_nuts / t_nuts:.1f} ESS/s; max R̂ {rhat:.3f}")
    gap = np.abs(post["posterior"]["coef"].values.mean(axis=(0, 1)) - post_n["posterior"]["coef"].values.mean(axis=(0, 1)))
    sd = post_n["posterior"]["coef"].values.std(axis=(0, 1))
    emit(f"    ESS/s ratio laplace-is ÷ NUTS (the smaller of laplace-is's two ESS) = "
         f"{(e_is / t_is) / (e_nuts / t_nuts):.0f}; posterior means differ by ≤ {float((gap / sd).max()):.2f} NUTS sd")
    client.cancel([Xd, yd])
    return post, post_n


# ---------------------------------------------------------------------------------------------
def machine_lines(quick: bool) -> list[str]:
    import dask
    import dask_glm
    import distributed

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    kb = int(Path("/proc/meminfo").read_text().split()[1])
    load = os.getloadavg()
    return [f"bayesreg on Dask arrays — {datetime.datetime.now().isoformat(timespec='seconds')}"
            + ("  [--quick]" if quick else ""),
            f"machine: nproc={os.cpu_count()}, CPU: {cpu}, RAM {kb / 1024**2:.0f} GiB, {platform.platform()}",
            f"versions: python {platform.python_version()}, numpy {np.__version__}, dask {dask.__version__}, "
            f"distributed {distributed.__version__}, dask-glm {getattr(dask_glm, '__version__', '?')}, "
            f"bayesreg {br.__version__}",
            "cluster: distributed.LocalCluster(n_workers=2, threads_per_worker=1) (worker BLAS: 1 thread)",
            f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} — the 2 cores are shared with other "
            f"processes; the spreads show the noise."]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--parts", default="abc")
    ap.add_argument("--rows-a", type=int, default=None)
    ap.add_argument("--rows-b", type=int, default=None)
    ap.add_argument("--rows-c", type=int, default=None)
    ap.add_argument("--memory-limit", default="1.5GiB")
    ap.add_argument("--admm", action="store_true", help="add dask-glm admm to part (a) (slow: see the docstring)")
    ap.add_argument("--budget", type=float, default=None, help="seconds: a ladder stops after a fit this long")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    q = args.quick
    n_a = args.rows_a or (200_000 if q else 2_000_000)
    n_b = args.rows_b or (4_000_000 if q else 50_000_000)
    n_c = args.rows_c or (100_000 if q else 1_000_000)
    repeats = args.repeats or (0 if q else 2)
    out = None if q else Path(args.out or HERE / "results" / "scale.txt")
    lines: list[str] = []

    def emit(s=""):
        print(s, flush=True)
        lines.append(s)
        if out is not None:  # written as it goes: a part that fails or is stopped leaves the earlier ones
            out.write_text("\n".join(lines) + "\n")

    def log(s):
        print(s, flush=True)

    for s in machine_lines(q):
        emit(s)
    emit("U = Σ log(1+e^η) − yη + λ1‖w‖₁ + λ2/2‖w‖², η = Xw, recomputed with numpy from each method's coefficients.")
    emit()
    from distributed import Client, LocalCluster

    if "a" in args.parts or "c" in args.parts:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
        client = Client(cluster)
        graphs = GraphCounter(cluster)
        if "a" in args.parts:
            part_a(client, graphs, n_a, min(200_000, n_a // 10), repeats, args.budget or (300.0 if not q else 60.0), emit, log,
                   admm=args.admm)
            emit()
        if "c" in args.parts:
            part_c(client, n_c, min(100_000, n_c // 10), 1.0, 1000, 200 if not q else 100, 200 if not q else 100,
                   emit, log)
            emit()
        client.close()
        cluster.close()
    if "b" in args.parts:
        part_b(n_b, 250_000 if n_b >= 2_500_000 else n_b // 10, args.memory_limit, 1.0, emit, log)
        emit()
    load = os.getloadavg()
    emit(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    emit(f"Command: python benchmarks/scale.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    if out is not None:
        out.write_text("\n".join(lines) + "\n")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
