"""``bayesreg fit``: fit the MAP and print it.

    bayesreg fit [DATA.csv --target COL] --prior laplace --lam 2 [--standardize]
    bayesreg fit DATA.csv --formula "y ~ x1 + C(group) + x2:x3" [--standardize [--standardize-dummies]]
    bayesreg fit DATA.parquet --target COL [--scheduler ADDRESS|local|threads]   (larger than memory)

Text columns of DATA.csv are one-hot encoded (first level the baseline) and the
encoding is printed; a formula's left side is the target (:mod:`bayesreg.cli.encoding`).

The fitting and the printout live in :mod:`bayesreg.cli.common` (``fit_map`` and
``print_fit``) because ``bayesreg compare`` starts with the same report.
"""

from __future__ import annotations

import argparse

from .chunked_data import add_scheduler_argument, cluster_session
from .common import add_fit_arguments, fit_map, print_fit

__all__ = ["add_parser", "cmd_fit"]


def cmd_fit(args) -> int:
    with cluster_session(args):
        data, est, caught = fit_map(args)
        print_fit(data, est, caught, args)
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``fit`` sub-command to an argparse ``add_subparsers()`` object; returns its parser."""
    p = subparsers.add_parser(
        "fit", help="fit the MAP and print it",
        description="Fit the MAP (the posterior mode: the penalized fit) and print the prior, the solver's "
                    "convergence, the cost U and the weights.",
        epilog="examples:\n"
               "  bayesreg fit                                       # the lecture's wide data, laplace λ = 2\n"
               "  bayesreg fit cancer.csv --target diagnosis --standardize --prior laplace --lam 1\n"
               "  bayesreg fit diabetes.csv --formula 'y ~ age + bmi + C(sex)' --likelihood linear --standardize\n"
               "  bayesreg fit clicks/ --target clicked --scheduler tcp://10.0.0.5:8786   # Parquet folder, on a cluster",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_fit_arguments(p)
    add_scheduler_argument(p)
    p.set_defaults(func=cmd_fit)
    return p
