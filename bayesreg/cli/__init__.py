"""The ``bayesreg`` command.

    bayesreg fit     [DATA.csv --target COL] --prior laplace --lam 2 [--standardize]
    bayesreg compare [DATA.csv --target COL] --prior laplace --lam 2 [--draws N] [--out DIR]
    bayesreg sweep   [DATA.csv --target COL] --prior laplace --lams 0.01:100:20 [--posterior] [--out DIR]
    bayesreg demo    [NAME] [--quick] [--out DIR]

Without data fit, compare and sweep run on the lecture's wide data set
(N = D = 50).  Input errors print one line and exit with status 2.  This
package is the only part of bayesreg that prints.

One module per subcommand (``fit``, ``compare``, ``sweep``, ``demo``), each with
``add_parser(subparsers)`` and its ``cmd_*`` function; what they share is in
``common``.  They never import this ``__init__``, which imports them.
"""

from __future__ import annotations

import argparse
import logging
import sys

from . import compare, demo, fit, sweep
from .common import CLIError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bayesreg", description="Bayesian regression with regularizing priors.")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in (fit, compare, sweep, demo):  # the order of the help listing
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("fit", "compare") and args.prior in ("laplace", "elasticnet") and args.lam is None \
            and args.data is None:
        args.lam = 2.0  # the lecture's λ = 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return args.func(args)
    except CLIError as exc:
        print(f"bayesreg {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0

