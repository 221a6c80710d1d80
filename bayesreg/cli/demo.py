"""``bayesreg demo``: list the teaching examples in ``examples/``, or run one.

    bayesreg demo [NAME] [--quick] [--out DIR]
    bayesreg demo --report [--quick]      # examples 01–08 on one page, out/examples/demo.html

The examples ship with the source tree, not the wheel.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import CLIError

__all__ = ["add_parser", "cmd_demo", "match_example"]


def _examples_dir() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "examples"  # bayesreg/cli/demo.py -> repo root


def _list_examples() -> dict[str, Path]:
    folder = _examples_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("[0-9][0-9]_*.py"))}


def match_example(name: str, stems: list[str]) -> list[str]:
    """The example names ``name`` picks: an exact name, else a prefix (``01``, ``01_pen``), else names holding
    every word of ``name`` as whole words (``penalty`` or ``prior_contours`` or ``l1-wide``)."""
    key = name.strip().lower().replace("-", "_")
    exact = [s for s in stems if s == key or s[3:] == key]
    if exact:
        return exact
    prefix = [s for s in stems if s.startswith(key)]
    if prefix:
        return prefix
    words = [w for w in key.split("_") if w]
    return [s for s in stems if words and all(w in s.split("_")[1:] for w in words)]


def cmd_demo(args) -> int:
    import importlib.util

    examples = _list_examples()
    if not examples:
        raise CLIError(f"no examples found in {_examples_dir()} (they ship with the source tree, not the wheel)")
    if args.report:
        return _demo_report(args, examples)
    if args.name is None:
        print("examples (run one with: bayesreg demo NAME [--quick] [--out DIR]):")
        for stem, path in examples.items():
            doc = path.read_text(encoding="utf-8").split('"""')[1].strip().splitlines()[0]
            print(f"  {stem:<28} {doc}")
        return 0
    matches = match_example(args.name, list(examples))
    if not matches:
        raise CLIError(f"NAME {args.name!r} matches no example; choose one of {list(examples)}")
    if len(matches) > 1:
        raise CLIError(f"NAME {args.name!r} is ambiguous: it matches {matches}; give more of the name")
    spec = importlib.util.spec_from_file_location(matches[0], examples[matches[0]])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main((["--quick"] if args.quick else []) + ["--out", args.out])
    return 0


LECTURE = tuple(f"{i:02d}" for i in range(1, 9))  # the lecture's experiments; 09 and later are extras


def _demo_report(args, examples: dict[str, Path]) -> int:
    from ..reports import demo_report  # lazy: the CLI's import stays light

    if args.name is None:
        stems = [s for s in examples if s[:2] in LECTURE]
    else:
        stems = match_example(args.name, list(examples))
        if not stems:
            raise CLIError(f"NAME {args.name!r} matches no example; choose one of {list(examples)}")
    out = Path(args.out)
    print(f"running {len(stems)} example(s){' (--quick)' if args.quick else ''} for the teaching page…", flush=True)
    page = demo_report([examples[s] for s in stems], out / "demo.html", out=out, quick=args.quick)
    print(f"wrote {page} (the lecture's experiments with their figures: open it in a browser)")
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``demo`` sub-command to an argparse ``add_subparsers()`` object; returns its parser."""
    p = subparsers.add_parser(
        "demo", help="list the teaching examples, or run one",
        description="List the teaching examples in examples/ (without NAME), or run one.",
        epilog="examples:\n"
               "  bayesreg demo                      # list them\n"
               "  bayesreg demo penalty --quick      # a word of the name: 01_penalty_derivatives\n"
               "  bayesreg demo 06 --out figs        # by number\n"
               "  bayesreg demo --report --quick     # examples 01–08 on one page: out/examples/demo.html",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", nargs="?", help="example: its full name, its number (01), or words of its name "
                                           "(penalty, prior_contours)")
    p.add_argument("--quick", action="store_true", help="tiny settings (seconds instead of minutes)")
    p.add_argument("--out", default="out/examples", help="folder for the figures (default out/examples)")
    p.add_argument("--report", action="store_true",
                   help="run the lecture's examples 01–08 (or NAME) and write them, explained and with their "
                        "figures, to one self-contained page --out/demo.html")
    p.set_defaults(func=cmd_demo)
    return p
