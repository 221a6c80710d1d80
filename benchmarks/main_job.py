r"""The main job's latency: ``bayesreg compare`` against plain ``pm.sample()`` on the same model.

The main job is the README's ``make run``: ``bayesreg compare --out DIR`` on the
lecture's wide data (N = D = 50, logistic, Laplace(λ = 2) on the weights, flat
intercept; 4 chains × (1000 tune + 1000 draws)).  It fits the MAP, tries
laplace-is (rejected here: k̂ ≫ 0.7), samples with nutpie, prints the table and
writes three figures, comparison.csv and results.nc.

The peer is what a PyMC user writes for the same posterior: a script that loads
the same X, y (from an .npz written beforehand, so it imports neither bayesreg nor
its data code), builds the same PyMC model (``pm.Laplace`` on ``coef`` with
b = 1/λ, ``pm.Flat`` intercept, ``pm.Bernoulli(logit_p=…)``; X, y and λ as
``pm.Data``) and calls ``pm.sample(draws=1000, tune=1000, chains=4)`` with the
defaults otherwise (PyMC 6 picks nutpie when it is installed; no figures, no file).

Both run as fresh processes (``subprocess``), timed by wall clock from start to
exit; their children's CPU time (user + sys) is recorded too.

* **warm**: the caches of a user's second run are filled (PyTensor's compiledir and
  numba cache, bayesreg's compiled-model cache): one unrecorded run of each first,
  then n rounds, the order alternating (ours, peer / peer, ours).
* **cold**: each run gets fresh, empty cache folders: ``PYTENSOR_FLAGS=
  base_compiledir=…``, ``NUMBA_CACHE_DIR``, ``BAYESREG_CACHE_DIR`` (matplotlib's font
  cache stays, as for a user who has ever used matplotlib).
* **sampling-only**: ``sampling_time`` from results.nc (nutpie's sampling call, the
  compiled model in hand), and ``cache_load_time``/``compile_time`` next to it.

The **floor** is the least any bayesreg job can do for this posterior: a script
that imports bayesreg, fits the MAP and samples with nutpie from the cached compiled
model (:func:`bayesreg.posterior.nuts.sample_nutpie`), with no laplace-is attempt,
no table, figures or files.  Its ratio to ``pm.sample()`` bounds what the warm
target can be; cold, the bound is our compile alone (the same nutpie compile of
the same PyMC model that ``pm.sample()`` runs).

Ratios are of medians (ours ÷ peer) with min–max over the rounds; targets
(issue 12, goal 1): warm ≤ 0.35× ``pm.sample()``; posterior step (load or compile +
sampling) ≤ 2× sampling-only; cold ≤ 0.6× ``pm.sample()`` cold.

Usage::

    python benchmarks/main_job.py --quick   # < 1 min: 200 tune + 200 draws, 1 warm round, no cold run; prints only
    python benchmarks/main_job.py           # n=5 warm, n=2 cold: writes benchmarks/results/main_job.txt
    python benchmarks/main_job.py --warm 3 --cold 1
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable

PEER = textwrap.dedent("""
    import sys, time
    import numpy as np
    import pymc as pm
    import pytensor.tensor as pt

    data = np.load(sys.argv[1])
    X, y, lam = data["X"], data["y"], float(data["lam"])
    draws, tune, chains = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    coords = {"feature": [f"x{j}" for j in range(X.shape[1])], "obs_id": np.arange(X.shape[0])}
    with pm.Model(coords=coords) as model:
        Xd = pm.Data("X", X, dims=("obs_id", "feature"))
        yd = pm.Data("y", y, dims="obs_id")
        coef_lam = pm.Data("coef_lam", lam)
        coef = pm.Laplace("coef", mu=0.0, b=1.0 / coef_lam, dims="feature")
        intercept = pm.Flat("intercept")
        pm.Bernoulli("obs", logit_p=pt.dot(Xd, coef) + intercept, observed=yd, dims="obs_id")
        idata = pm.sample(draws=draws, tune=tune, chains=chains, random_seed=0, progressbar=False)
    print("peer posterior mean coef[0]", float(idata.posterior["coef"].values[..., 0].mean()))
""")


FLOOR = textwrap.dedent("""
    import sys
    import numpy as np
    import bayesreg as br
    from bayesreg.posterior.nuts import sample_nutpie
    from bayesreg.posterior.problem import Problem

    data = np.load(sys.argv[1])
    X, y, lam = data["X"], data["y"], float(data["lam"])
    draws, tune, chains = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    est = br.LogisticRegression(prior=br.Laplace(lam)).fit(X, y)
    post, stats, times = sample_nutpie(Problem.from_estimator(est, X, y), draws, tune, chains, 0, "none")
    print("floor posterior mean coef[0]", float(post["coef"].values[..., 0].mean()), times)
""")


def lecture_npz(folder: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from bayesreg.datasets import make_lecture_wide

    d = make_lecture_wide()
    path = folder / "lecture.npz"
    np.savez(path, X=d.X, y=d.y.astype(float), lam=2.0)
    return path


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd: list[str], env: dict, cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh process; raises with its output if it fails."""
    c0, t0 = children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, check=False, env=env, cwd=cwd, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, children_cpu() - c0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return wall, cpu


def ours_cmd(out: Path, draws: int, tune: int, chains: int) -> list[str]:
    return [PYTHON, "-c", "import sys; from bayesreg.cli import main; sys.argv[0] = 'bayesreg'; sys.exit(main())",
            "compare", "--out", str(out), "--draws", str(draws), "--tune", str(tune), "--chains", str(chains)]


def results_times(out: Path) -> dict:
    import xarray as xr

    tree = xr.open_datatree(out / "results.nc")
    try:
        attrs = dict(tree["posteriors/r0/posterior"].attrs)
    finally:
        tree.close()
    return {k: float(attrs.get(k, np.nan)) for k in ("sampling_time", "compile_time", "cache_load_time",
                                                      "auto_check_time")}


def env_with(caches: dict[str, str] | None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    if caches:
        env.update(caches)
    return env


def fresh_caches(folder: Path, tag: str) -> dict[str, str]:
    base = Path(tempfile.mkdtemp(prefix=f"cold-{tag}-", dir=folder))
    return {"PYTENSOR_FLAGS": f"base_compiledir={base / 'pytensor'}", "NUMBA_CACHE_DIR": str(base / "numba"),
            "BAYESREG_CACHE_DIR": str(base / "bayesreg")}


def summary(xs: list[float]) -> str:
    return f"{statistics.median(xs):7.2f} s  (min {min(xs):.2f}, max {max(xs):.2f}, n={len(xs)})"


def ratio_line(name: str, ours: list[float], peer: list[float], target: str) -> str:
    r = statistics.median(ours) / statistics.median(peer)
    pairs = [a / b for a, b in zip(ours, peer)]
    return f"{name}: {r:5.2f}×  (per round {min(pairs):.2f}–{max(pairs):.2f}; target {target})"


def load() -> str:
    a, b, c = os.getloadavg()
    return f"{a:.2f} / {b:.2f} / {c:.2f}"


def rounds(n: int, jobs: dict, say) -> dict[str, list[dict]]:
    """Run every job ``n`` times, the order rotating each round; {name: [record per round]}.

    A job is ``(command, env)``; a record holds ``wall`` and ``cpu``, and for "ours"
    the times saved in results.nc (:func:`results_times`).
    """
    names = list(jobs)
    out: dict[str, list[dict]] = {name: [] for name in names}
    for i in range(n):
        k = i % len(names)
        for name in names[k:] + names[:k]:
            cmd, env, out_dir = jobs[name]
            wall, cpu = run(cmd, env() if callable(env) else env, out_dir.parent)
            rec = {"wall": wall, "cpu": cpu}
            text = f"  round {i + 1} {name:<5}: {wall:6.2f} s wall, {cpu:6.2f} s CPU"
            if name == "ours":
                rec.update(results_times(out_dir))
                text += (f"; sampling {rec['sampling_time']:.2f} s, cache load {rec['cache_load_time']:.2f} s, "
                         f"compile {rec['compile_time']:.2f} s, laplace-is attempt {rec['auto_check_time']:.2f} s")
            out[name].append(rec)
            say(text)
    return out


def column(records: list[dict], key: str) -> list[float]:
    return [r[key] for r in records]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="200+200 draws, 1 warm round, no cold run, print only")
    ap.add_argument("--warm", type=int, default=5, help="warm rounds (default 5)")
    ap.add_argument("--cold", type=int, default=2, help="cold rounds (default 2; 0 to skip)")
    ap.add_argument("--out", default=str(HERE / "results" / "main_job.txt"))
    args = ap.parse_args()
    draws = tune = 200 if args.quick else 1000
    chains = 4
    n_warm, n_cold = (1, 0) if args.quick else (args.warm, args.cold)
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    versions = ", ".join(f"{n} {importlib.metadata.version(n)}" for n in ("pymc", "pytensor", "nutpie", "numba"))
    say(f"# benchmarks/main_job.py  {datetime.datetime.now().isoformat(timespec='seconds')}")
    say(f"# {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average (1/5/15 min) at start {load()}")
    say(f"# {versions}")
    say(f"# job: bayesreg compare (lecture wide data N=D=50, logistic, Laplace λ=2, flat intercept) vs a "
        f"pm.sample() script of the same model; {chains} chains × ({tune} tune + {draws} draws)")
    say("# floor: the same posterior through bayesreg with nothing else (MAP, cached compiled model, nutpie "
        "sampling; no laplace-is attempt, table, figures or files)")
    with tempfile.TemporaryDirectory(prefix="bayesreg-main-job-") as tmp:
        tmp = Path(tmp)
        npz = lecture_npz(tmp)
        sizes = [str(draws), str(tune), str(chains)]
        (tmp / "peer.py").write_text(PEER)
        (tmp / "floor.py").write_text(FLOOR)
        out = tmp / "out"
        peer = [PYTHON, str(tmp / "peer.py"), str(npz), *sizes]
        floor = [PYTHON, str(tmp / "floor.py"), str(npz), *sizes]
        ours = ours_cmd(out, draws, tune, chains)

        say("\n== warm (caches filled by one unrecorded run of each) ==")
        env = env_with(None)
        for cmd in (ours, peer, floor):
            run(cmd, env, tmp)
        warm = rounds(n_warm, {"ours": (ours, env, out), "peer": (peer, env, out), "floor": (floor, env, out)}, say)
        w = {name: column(recs, "wall") for name, recs in warm.items()}
        c = {name: column(recs, "cpu") for name, recs in warm.items()}
        samp = column(warm["ours"], "sampling_time")
        post_step = [r["sampling_time"] + r["compile_time"] + r["cache_load_time"] for r in warm["ours"]]
        say(f"bayesreg compare   : {summary(w['ours'])}   CPU {statistics.median(c['ours']):.2f} s")
        say(f"pm.sample() script : {summary(w['peer'])}   CPU {statistics.median(c['peer']):.2f} s")
        say(f"floor script       : {summary(w['floor'])}   CPU {statistics.median(c['floor']):.2f} s")
        say(f"sampling only      : {summary(samp)}")
        say(f"posterior step     : {summary(post_step)}   (cache load or compile + sampling)")
        say(ratio_line("ratio compare / pm.sample (wall)", w["ours"], w["peer"], "≤ 0.35"))
        say(ratio_line("ratio compare / pm.sample (CPU) ", c["ours"], c["peer"], "—"))
        say(ratio_line("ratio floor / pm.sample (wall)  ", w["floor"], w["peer"], "— (the bound of the target)"))
        say(ratio_line("ratio posterior step / sampling-only", post_step, samp, "≤ 2"))
        say(ratio_line("ratio whole job / sampling-only", w["ours"], samp, "≤ 2 (read: the job's fixed costs)"))

        if n_cold:
            say("\n== cold (every run with fresh, empty PyTensor, numba and bayesreg cache folders) ==")
            cold = rounds(n_cold, {"ours": (ours, lambda: env_with(fresh_caches(tmp, "ours")), out),
                                   "peer": (peer, lambda: env_with(fresh_caches(tmp, "peer")), out)}, say)
            k = {name: column(recs, "wall") for name, recs in cold.items()}
            kc = {name: column(recs, "cpu") for name, recs in cold.items()}
            compile_ = column(cold["ours"], "compile_time")
            say(f"bayesreg compare   : {summary(k['ours'])}   CPU {statistics.median(kc['ours']):.2f} s")
            say(f"pm.sample() script : {summary(k['peer'])}   CPU {statistics.median(kc['peer']):.2f} s")
            say(f"our compile alone  : {summary(compile_)}   (nutpie's numba compile of the PyMC model, as pm.sample's)")
            say(ratio_line("ratio compare / pm.sample cold (wall)", k["ours"], k["peer"], "≤ 0.6"))
            say(ratio_line("ratio compare / pm.sample cold (CPU) ", kc["ours"], kc["peer"], "—"))
            say(ratio_line("ratio our compile alone / pm.sample cold", compile_, k["peer"], "— (the bound)"))
    say(f"\n# load average at end {load()}; other work was running on this 2-CPU machine unless said otherwise")
    if not args.quick:
        Path(args.out).write_text("\n".join(lines) + "\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
