r"""Import time: ``bayesreg --help`` and ``import bayesreg`` against ``import sklearn.base``.

Each command runs in a fresh process, round-robin (one of each per round, the order
rotated every round, so a slow phase of a shared machine hits all of them); one warm-up
round (file cache) is not counted.  Wall time of the whole process, from spawn to exit:

* ``bayesreg --help``         the console script next to this Python (as a user runs it)
* ``import bayesreg``         ``python -c "import bayesreg"``
* ``import sklearn.base``     the peer: what any scikit-learn estimator pays at import
* ``import numpy``            a floor: bayesreg's CLI needs numpy
* ``python -c pass``          the interpreter's own start-up

Medians, min–max and the ratio of medians to ``import sklearn.base`` are printed; the
target (issue 12) is ``bayesreg --help`` ≤ 1.0× ``import sklearn.base``.  The paired
ratio (per round) is printed too.  ``--baseline REF`` adds ``bayesreg --help`` and
``import bayesreg`` of a git revision (e.g. ``main``) to the same rounds, for a
before/after measured in one run.  The ``-X importtime`` top contributors of each
bayesreg command are listed after the timings.

Every process runs this checkout (``PYTHONPATH`` set to it), checked before timing.

Usage::

    python benchmarks/import_time.py                  # 15 rounds, writes benchmarks/results/import_time.txt
    python benchmarks/import_time.py --baseline main  # also time the main branch's bayesreg, in the same rounds
    python benchmarks/import_time.py --quick          # 7 rounds, prints only (< 1 min)
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEER = "import sklearn.base"
#: Working folder of every timed process: ``python -c`` puts it first on sys.path, so not a checkout.
NEUTRAL = tempfile.gettempdir()


def console_script() -> list[str]:
    """The ``bayesreg`` console script of this Python's environment, or ``python -m bayesreg.cli``."""
    script = Path(sys.executable).parent / "bayesreg"
    if script.is_file():
        return [str(script)]
    found = shutil.which("bayesreg")
    return [found] if found else [sys.executable, "-m", "bayesreg.cli"]


def env_for(tree: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "0"}


def commands(baseline: Path | None) -> dict[str, tuple[list[str], dict]]:
    here = env_for(ROOT)
    cmds = {
        "bayesreg --help": ([*console_script(), "--help"], here),
        "import bayesreg": ([sys.executable, "-c", "import bayesreg"], here),
        PEER: ([sys.executable, "-c", PEER], here),
        "import numpy": ([sys.executable, "-c", "import numpy"], here),
        "python -c pass": ([sys.executable, "-c", "pass"], here),
    }
    if baseline is not None:
        base = env_for(baseline)
        cmds["bayesreg --help (baseline)"] = ([*console_script(), "--help"], base)
        cmds["import bayesreg (baseline)"] = ([sys.executable, "-c", "import bayesreg"], base)
    return cmds


def check_tree(env: dict, tree: Path) -> str:
    """The bayesreg a process with ``env`` imports must be the one in ``tree``."""
    out = subprocess.run([sys.executable, "-c", "import bayesreg; print(bayesreg.__file__)"], env=env,
                         capture_output=True, text=True, check=True, cwd=NEUTRAL).stdout.strip()
    if Path(out).resolve().parent.parent != tree.resolve():
        sys.exit(f"import bayesreg found {out}, not the tree {tree}")
    return out


def run_once(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=NEUTRAL)
    return time.perf_counter() - start


def importtime_top(argv: list[str], env: dict, top: int) -> list[str]:
    """The ``top`` largest cumulative entries of ``python -X importtime`` for one run of ``argv``."""
    if argv[0] != sys.executable:  # the console script: run its code under -X importtime
        argv = [sys.executable, "-X", "importtime", "-c",
                "import sys; sys.argv = ['bayesreg', *sys.argv[1:]]; from bayesreg.cli import main; main()",
                *argv[1:]]
    else:
        argv = [sys.executable, "-X", "importtime", *argv[1:]]
    err = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=NEUTRAL,
                         check=False).stderr
    rows = []
    for line in err.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            rows.append((int(m.group(2)), (len(m.group(3)) - 1) // 2, m.group(4)))
    total = sum(c for c, depth, _ in rows if depth == 0)
    lines = [f"  total of top-level imports {total / 1e6:6.3f} s; largest cumulative:"]
    lines += [f"  {c / 1e6:6.3f} s  {'  ' * depth}{name}" for c, depth, name in sorted(rows, reverse=True)[:top]]
    return lines


def export_tree(ref: str, dest: Path) -> Path:
    """``git archive REF bayesreg`` of this repository unpacked in ``dest``."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "bayesreg"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def fmt_row(name: str, times: list[float], peer_median: float) -> str:
    med = statistics.median(times)
    return (f"{name:<28} median {med:6.3f} s  (min {min(times):6.3f}, max {max(times):6.3f}, n={len(times)})  "
            f"{med / peer_median:5.2f}× {PEER}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=15, help="timed rounds (default 15; --quick 7)")
    ap.add_argument("--quick", action="store_true", help="7 rounds, no results file")
    ap.add_argument("--baseline", metavar="REF", help="also time bayesreg of this git revision (e.g. main)")
    ap.add_argument("--top", type=int, default=12, help="-X importtime entries listed per command (default 12)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "import_time.txt")
    args = ap.parse_args(argv)
    rounds = 7 if args.quick else max(7, args.rounds)

    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    with tempfile.TemporaryDirectory() as tmp:
        baseline = export_tree(args.baseline, Path(tmp)) if args.baseline else None
        cmds = commands(baseline)
        found = check_tree(env_for(ROOT), ROOT)
        if baseline is not None:
            check_tree(env_for(baseline), baseline)
        import numpy
        import sklearn

        load0 = os.getloadavg()
        say(f"# benchmarks/import_time.py  {datetime.datetime.now().isoformat(timespec='seconds')}")
        say(f"# {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
            f"load average (1/5/15 min) at start {load0[0]:.2f} / {load0[1]:.2f} / {load0[2]:.2f}")
        say(f"# numpy {numpy.__version__}, scikit-learn {sklearn.__version__}; bayesreg from {found}"
            + (f"; baseline: git {args.baseline}" if args.baseline else ""))
        say(f"# console script: {' '.join(console_script())}; {rounds} rounds round-robin (order rotated per round), "
            f"1 warm-up round not counted; wall time of each process from spawn to exit")
        say("# the machine is shared: other work (tests, benchmarks of other branches) may be running")
        say()

        names = list(cmds)
        for name in names:  # warm-up: file cache, .pyc files
            run_once(*cmds[name])
        times: dict[str, list[float]] = {name: [] for name in names}
        for r in range(rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                times[name].append(run_once(*cmds[name]))
        load1 = os.getloadavg()

        peer = statistics.median(times[PEER])
        for name in names:
            say(fmt_row(name, times[name], peer))
        say()
        for name in [n for n in names if n.startswith(("bayesreg --help", "import bayesreg"))]:
            paired = [a / b for a, b in zip(times[name], times[PEER])]
            say(f"{name:<28} / {PEER}, paired per round: median {statistics.median(paired):5.2f}× "
                f"(min {min(paired):.2f}, max {max(paired):.2f})")
        cli = statistics.median(times["bayesreg --help"])
        say()
        say(f"target bayesreg --help ≤ 1.0× {PEER}: {cli / peer:.2f}× — {'met' if cli <= peer else 'NOT met'}")
        say(f"load average (1/5/15 min) at end {load1[0]:.2f} / {load1[1]:.2f} / {load1[2]:.2f}")
        say()
        for name in [n for n in names if n.startswith(("bayesreg --help", "import bayesreg"))]:
            say(f"-X importtime, {name} (one run):")
            for line in importtime_top(*cmds[name], top=args.top):
                say(line)
            say()

    if not args.quick:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
