"""The ``bayesreg`` command.

    bayesreg fit     [DATA.csv --target COL] --prior laplace --lam 2 [--standardize]
    bayesreg compare [DATA.csv --target COL] --prior laplace --lam 2 [--draws N] [--out DIR]

Without data both run on the lecture's wide data set (N = D = 50).  Input
errors print one line and exit with status 2.  This module is the only one
that prints.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path

import numpy as np

from .common import CLIError, add_fit_arguments, fit_map, print_fit

__all__ = ["main"]


def cmd_fit(args) -> int:
    data, est, caught = fit_map(args)
    print_fit(data, est, caught)
    return 0


def cmd_compare(args) -> int:
    from .. import io, plots
    from ..compare import compare as compare_table
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if args.draws < 1:
        raise CLIError(f"--draws must be >= 1, got {args.draws}")
    data, est, caught = fit_map(args)
    print_fit(data, est, caught)
    import pandas as pd

    X = pd.DataFrame(data.X, columns=data.feature_names)
    print(f"\nsampling the posterior ({args.sampler}, {args.chains} chains × {args.draws} draws)…", flush=True)
    with warnings.catch_warnings(record=True) as caught_post:
        warnings.simplefilter("always")
        post = est.sample_posterior(X, data.y, draws=args.draws, tune=args.tune, chains=args.chains,
                                    random_seed=args.seed, sampler=args.sampler)
    for w in caught_post:
        if issubclass(w.category, UserWarning):
            print(f"warning: {w.message}")
    reason = post["posterior"].attrs.get("auto_reason")
    if reason:
        print(f"sampler: {reason}")
    table = compare_table(est, post, true_coef=data.coef, true_intercept=data.intercept)
    table["map"] = table["map"] + 0.0  # print -0.0 as 0
    with pd.option_context("display.max_rows", 200, "display.width", 200, "display.float_format", "{:.4g}".format):
        print(table.to_string())
    zeros = table.index[table["map_is_zero"].astype(bool)] if "map_is_zero" in table else []
    if len(zeros):
        print(f"\n{len(zeros)} MAP weights are exactly zero; their posterior means are not "
              f"(largest |mean| among them: {table.loc[zeros, 'mean'].abs().max():.3g}).")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    figs = {}
    ax = plots.plot_forest(table)
    figs["forest.png"] = ax.figure
    axes = plots.plot_densities(est, post, features=list(table.index[:6]))
    figs["densities.png"] = np.ravel(axes)[0].figure
    ax = plots.plot_cost_history(est.map_)
    figs["cost_history.png"] = ax.figure
    for name, fig in figs.items():
        fig.savefig(out / name, dpi=110, bbox_inches="tight")
        plt.close(fig)
    table.to_csv(out / "comparison.csv")
    io.save_results(out / "results.nc", est=est, posterior=post, comparison=table,
                    settings={"command": "compare", "data": data.description, "draws": args.draws,
                              "chains": args.chains, "sampler": args.sampler, "seed": args.seed})
    print(f"\nwrote {', '.join(sorted(figs))}, comparison.csv and results.nc to {out}/")
    return 0


def _examples_dir() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "examples"


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bayesreg", description="Bayesian regression with regularizing priors.")
    sub = parser.add_subparsers(dest="command", required=True)

    fit = sub.add_parser("fit", help="fit the MAP and print it")
    add_fit_arguments(fit)
    fit.set_defaults(func=cmd_fit)

    cmp_ = sub.add_parser("compare", help="MAP vs full posterior, with figures and a results file")
    add_fit_arguments(cmp_)
    cmp_.add_argument("--draws", type=int, default=1000)
    cmp_.add_argument("--tune", type=int, default=1000)
    cmp_.add_argument("--chains", type=int, default=4)
    cmp_.add_argument("--sampler", default="auto", choices=("auto", "nutpie", "pymc", "laplace-is"),
                      help="auto: laplace-is when its Pareto k̂ < 0.7, else nutpie (default)")
    cmp_.add_argument("--out", default="out", help="output folder (default ./out)")
    cmp_.set_defaults(func=cmd_compare)

    from .sweep import add_sweep_parser

    add_sweep_parser(sub)

    demo = sub.add_parser("demo", help="list the teaching examples, or run one")
    demo.add_argument("name", nargs="?", help="example name or number prefix, e.g. 01 or penalty_derivatives")
    demo.add_argument("--quick", action="store_true", help="tiny settings")
    demo.add_argument("--out", default="out/examples", help="folder for the figures")
    demo.set_defaults(func=cmd_demo)
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

