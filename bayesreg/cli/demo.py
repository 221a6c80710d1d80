"""``bayesreg demo``: list the teaching examples in ``examples/``, or run one.

    bayesreg demo [NAME] [--quick] [--out DIR]

The examples ship with the source tree, not the wheel.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import CLIError

__all__ = ["add_parser", "cmd_demo"]


def _examples_dir() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "examples"  # bayesreg/cli/demo.py -> repo root


def _list_examples() -> dict[str, Path]:
    folder = _examples_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("[0-9][0-9]_*.py"))}


def cmd_demo(args) -> int:
    import importlib.util

    examples = _list_examples()
    if not examples:
        raise CLIError(f"no examples found in {_examples_dir()} (they ship with the source tree, not the wheel)")
    if args.name is None:
        print("examples (run one with: bayesreg demo NAME [--quick] [--out DIR]):")
        for stem, path in examples.items():
            doc = path.read_text(encoding="utf-8").split('"""')[1].strip().splitlines()[0]
            print(f"  {stem:<28} {doc}")
        return 0
    matches = [stem for stem in examples if stem == args.name or stem.startswith(args.name) or stem[3:] == args.name]
    if len(matches) != 1:
        raise CLIError(f"NAME {args.name!r} matches {len(matches)} examples; choose one of {list(examples)}")
    spec = importlib.util.spec_from_file_location(matches[0], examples[matches[0]])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main((["--quick"] if args.quick else []) + ["--out", args.out])
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``demo`` sub-command to an argparse ``add_subparsers()`` object; returns its parser."""
    p = subparsers.add_parser("demo", help="list the teaching examples, or run one")
    p.add_argument("name", nargs="?", help="example name or number prefix, e.g. 01 or penalty_derivatives")
    p.add_argument("--quick", action="store_true", help="tiny settings")
    p.add_argument("--out", default="out/examples", help="folder for the figures")
    p.set_defaults(func=cmd_demo)
    return p
