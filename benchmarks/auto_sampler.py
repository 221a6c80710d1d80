r"""sampler="auto": how often each rule keeps laplace-is over seeds, and what the check costs.

For each problem and seed, the decision alone (no NUTS run) by

* **old**: one laplace-is run with max(chains·draws, 1000) proposals, kept when
  k̂ < min(0.7, 1 − 1/log10 M) and ESS_IS ≥ 400 (the rule before issue 12), and
  whether the kept draws then fail the ESS check that warns (``ISResult.problems``);
* **new**: :func:`bayesreg.posterior.auto.auto_laplace_is` (k̂ + 2·se < 0.5 and the
  ESS check passes, a second stage when inconclusive).

Both are timed in the same run, interleaved per seed; the time is what
``posterior.attrs["auto_check_time"]`` records (MAP polish + Hessian + proposals +
PSIS + resampling).  Problems: the lecture's wide data with Laplace(2) (what
``bayesreg compare`` runs by default), standardized breast cancer with Gaussian(1),
a tall easy logistic problem (5,000 × 4) and a linear model with known σ.

Usage::

    python benchmarks/auto_sampler.py           # 20 seeds, writes benchmarks/results/auto_sampler.txt
    python benchmarks/auto_sampler.py --quick   # 5 seeds, prints only
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import bayesreg  # noqa: E402
from bayesreg import Gaussian, Laplace, LinearRegression, LogisticRegression  # noqa: E402
from bayesreg.datasets import load_breast_cancer, make_lecture_wide  # noqa: E402
from bayesreg.posterior import Problem  # noqa: E402
from bayesreg.posterior.auto import auto_laplace_is  # noqa: E402
from bayesreg.posterior.importance import importance_sample  # noqa: E402


def problems():
    lec = make_lecture_wide()
    yield "lecture 50x50 Laplace(2)", LogisticRegression(prior=Laplace(2.0)), lec.X, lec.y
    bc = load_breast_cancer()
    yield "breast cancer std Gaussian(1)", LogisticRegression(prior=Gaussian(1.0)), bc.X, bc.y
    rng = np.random.default_rng(4)
    X = rng.normal(size=(5000, 4))
    y = (rng.random(5000) < 1 / (1 + np.exp(-(X @ [1.0, -1.0, 0.5, 0.0] + 0.3)))).astype(float)
    yield "tall logistic 5000x4 Gaussian(1)", LogisticRegression(prior=Gaussian(1.0)), X, y
    X = rng.normal(size=(3000, 3))
    y = X @ [1.0, -0.5, 0.0] + 0.3 + 0.7 * rng.normal(size=3000)
    yield "linear 3000x3 known sigma", LinearRegression(prior=Gaussian(2.0), noise_sd=0.7), X, y


def old_rule(problem, draws, chains, seed):
    t0 = time.perf_counter()
    res = importance_sample(problem, draws, chains, seed)
    keep = res.reliable
    seconds = time.perf_counter() - t0
    return keep, seconds, keep and bool(res.problems(chains * draws)[0]), res.khat


def new_rule(problem, draws, chains, seed):
    t0 = time.perf_counter()
    res, keep, attrs = auto_laplace_is(problem, draws, chains, seed, "nutpie")
    seconds = time.perf_counter() - t0
    return keep, seconds, keep and bool(res.problems(chains * draws)[0]), attrs["auto_stages"]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="5 seeds, print only")
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4)
    args = ap.parse_args(argv)
    seeds = range(1000, 1005 if args.quick else 1020)
    lines = [f"# sampler='auto' decision: old rule vs new, {len(seeds)} seeds, draws={args.draws} chains={args.chains}",
             f"date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}; {platform.machine()} "
             f"{os.cpu_count()} CPUs; Python {platform.python_version()}, numpy {np.__version__}, bayesreg "
             f"{getattr(bayesreg, '__version__', '?')}; load average at start {os.getloadavg()[0]:.2f} "
             f"(the machine was shared with other work)", ""]
    header = (f"{'problem':34s} {'rule':4s} {'kept':>6s} {'kept+warns':>10s} {'stage 2':>7s} "
              f"{'check s median (min-max)':>26s}")
    lines.append(header)
    print("\n".join(lines), flush=True)
    for name, est, X, y in problems():
        problem = Problem.from_estimator(est.fit(X, y), X, y)
        importance_sample(problem, 10, 1, 0)  # warm
        rows = {"old": [], "new": []}
        for seed in seeds:  # interleaved
            rows["old"].append(old_rule(problem, args.draws, args.chains, seed))
            rows["new"].append(new_rule(problem, args.draws, args.chains, seed))
        for rule, rs in rows.items():
            t = [r[1] for r in rs]
            stage2 = "-" if rule == "old" else f"{sum(r[3] == 2 for r in rs)}/{len(rs)}"
            line = (f"{name:34s} {rule:4s} {sum(r[0] for r in rs):>3d}/{len(rs):<2d} {sum(r[2] for r in rs):>7d}/"
                    f"{len(rs):<2d} {stage2:>7s} {statistics.median(t):>10.3f} ({min(t):.3f}-{max(t):.3f})")
            lines.append(line)
            print(line, flush=True)
        if name.startswith("breast"):
            ks = [r[3] for r in rows["old"]]
            lines.append(f"{'':34s} old k̂ over seeds {min(ks):.2f}-{max(ks):.2f}")
    lines.append(f"\nload average at end {os.getloadavg()[0]:.2f}")
    print(lines[-1])
    if not args.quick:
        (HERE / "results" / "auto_sampler.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
