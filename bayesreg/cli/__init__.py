"""The ``bayesreg`` command.

    bayesreg fit     [DATA.csv --target COL] --prior laplace --lam 2 [--standardize]
    bayesreg compare [DATA.csv --target COL] --prior laplace --lam 2 [--draws N] [--out DIR]
    bayesreg compare-priors [DATA.csv --target COL] --priors gaussian:1 laplace:2 [--out DIR]
    bayesreg sweep   [DATA.csv --target COL] --prior laplace --lams 0.01:100:20 [--posterior] [--out DIR]
    bayesreg demo    [NAME] [--quick] [--out DIR]

Without data fit, compare and sweep run on the lecture's wide data set
(N = D = 50).  Input errors print one line and exit with status 2.  This
package is the only part of bayesreg that prints.

One module per subcommand (``fit``, ``compare``, ``compare_priors``, ``sweep``, ``demo``), each with
``add_parser(subparsers)`` and its ``cmd_*`` function; what they share is in
``common``, and the wording of messages (library argument names → flags, the
positive class) in ``messages``.  They never import this ``__init__``, which imports them.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys

from . import compare, compare_priors, demo, fit, sweep
from .common import CLIError, flag_message

__all__ = ["main", "build_parser"]


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of each record."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


@contextlib.contextmanager
def progress_log_shown():
    """Show the library's progress logger (``bayesreg.progress``: compiling, sampling, timing) at INFO on stderr.

    Only that logger: the root stays at WARNING, so PyMC's and the library's other INFO lines stay quiet.
    The logger's settings are restored afterwards (``main`` may run inside a larger program or a test).
    """
    from ..progress import logger

    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # not a second time through the root's handler
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bayesreg", description="Bayesian regression with regularizing priors: the MAP (penalized fit) next to "
                                     "the full posterior of the same model.",
        epilog="examples:\n"
               "  bayesreg fit cancer.csv --target diagnosis --standardize --prior laplace --lam 1\n"
               "  bayesreg compare --draws 500\n"
               "  bayesreg sweep --lams 0.01:100:20\n\n"
               "bayesreg COMMAND --help shows each command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in (fit, compare, compare_priors, sweep, demo):  # the order of the help listing
        command.add_parser(sub)
    return parser


def _join_dash_values(argv: list[str]) -> list[str]:
    """``--lams -1:10:3`` → ``--lams=-1:10:3``: argparse takes a value starting with "-" for an option."""
    out: list[str] = []
    for i, token in enumerate(argv):
        if out and out[-1] in _TAKES_DASH_VALUE and token.startswith("-") and token[1:2].isdigit():
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


_TAKES_DASH_VALUE = {"--lams", "--lam", "--lam1", "--lam2", "--df", "--l2-ratio", "--noise-sd", "--noise-scale", "--tol",
                     "--hyper-a", "--hyper-b", "--seed", "--scale-global", "--slab-scale", "--slab-df", "--draws",
                     "--tune", "--chains", "--cv-folds", "--max-iter"}

#: Errors of the library that are the user's input (bad values, a diverging fit): one line and status 2.
_INPUT_ERRORS = (ValueError, TypeError, FloatingPointError, OverflowError, MemoryError)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_join_dash_values(list(sys.argv[1:] if argv is None else argv)))
    if args.command in ("fit", "compare") and args.prior in ("laplace", "elasticnet") and args.lam is None \
            and args.data is None:
        args.lam = 2.0  # the lecture's λ = 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        with progress_log_shown():
            return args.func(args)
    except CLIError as exc:
        print(f"bayesreg {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except _INPUT_ERRORS as exc:
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, MemoryError):
            reason = "out of memory: try fewer draws or rows, or --sampler laplace-is"
        print(f"bayesreg {args.command}: error: {flag_message(reason)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"bayesreg {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0

