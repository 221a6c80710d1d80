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
import math
import sys
import warnings
from pathlib import Path

import numpy as np

from .. import datasets
from ..estimators import LinearRegression, LogisticRegression
from ..priors import ElasticNet, Flat, Gaussian, Laplace, Prior
from ..solvers import SOLVERS

__all__ = ["main"]

PRIORS = ("gaussian", "laplace", "elasticnet", "flat")


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


def _prior_from_args(kind: str, lam: float | None, lam2: float | None) -> Prior:
    try:
        if kind == "flat":
            return Flat()
        if kind == "gaussian":
            return Gaussian(1.0 if lam is None else lam)
        if kind == "laplace":
            return Laplace(1.0 if lam is None else lam)
        return ElasticNet(1.0 if lam is None else lam, 1.0 if lam2 is None else lam2)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"--lam/--lam2: {exc}") from None


def _load_data(args) -> datasets.Dataset:
    if args.data is None:
        if args.target is not None:
            raise CLIError("--target needs a DATA.csv")
        data = datasets.make_lecture_wide(seed=args.seed)
    else:
        data = _read_csv(Path(args.data), args.target)
    if args.standardize:
        scale = data.X.std(axis=0)
        if np.any(scale == 0):
            bad = [n for n, s in zip(data.feature_names, scale) if s == 0]
            raise CLIError(f"--standardize: constant column(s) {bad} cannot be standardized")
        data.X = (data.X - data.X.mean(axis=0)) / scale
        data.scale = scale
    return data


def _read_csv(path: Path, target: str | None) -> datasets.Dataset:
    import pandas as pd

    if target is None:
        raise CLIError("DATA.csv needs --target COL (the column to predict)")
    if not path.is_file():
        raise CLIError(f"data file not found: {path}")
    try:
        frame = pd.read_csv(path)
    except Exception as exc:  # pandas raises many types for bad files
        raise CLIError(f"cannot read {path} as CSV: {exc}") from None
    if target not in frame.columns:
        raise CLIError(f"--target {target!r} is not a column of {path}; columns are {list(frame.columns)}")
    features = frame.drop(columns=[target])
    if features.shape[1] == 0:
        raise CLIError(f"{path} has no feature columns besides {target!r}")
    text = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    if text:
        raise CLIError(f"column(s) {text} of {path} hold text where numbers belong; encode them first")
    missing = features.columns[features.isna().any()].tolist() + ([target] if frame[target].isna().any() else [])
    if missing:
        raise CLIError(f"column(s) {missing} of {path} have missing values; drop or impute them first")
    if len(frame) == 0:
        raise CLIError(f"{path} has no rows")
    return datasets.Dataset(X=features.to_numpy(dtype=float), y=frame[target].to_numpy(),
                            feature_names=[str(c) for c in features.columns], description=f"{path} (target {target})")


def _estimator(args, prior: Prior):
    common = dict(prior=prior, fit_intercept=not args.no_intercept, solver=args.solver, tol=args.tol,
                  max_iter=args.max_iter)
    if args.likelihood == "linear":
        return LinearRegression(noise_sd=args.noise_sd, **common)
    return LogisticRegression(**common)


def _fit(args):
    data = _load_data(args)
    prior = _prior_from_args(args.prior, args.lam, args.lam2)
    est = _estimator(args, prior)
    import pandas as pd

    X = pd.DataFrame(data.X, columns=data.feature_names)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(X, data.y)
        except ValueError as exc:
            raise CLIError(str(exc)) from None
    return data, est, [w for w in caught]


def _print_fit(data, est, caught) -> None:
    res = est.map_
    n = data.X.shape[0]
    print(f"data: {data.description}")
    if data.scale is not None:
        print("features standardized: λ is a precision on the standardized scale "
              "(prior sd on the original scale = sd / column sd, shown below)")
    print(f"prior on weights:   {est.prior_.describe()}")
    print(f"prior on intercept: {est.intercept_prior_.describe()}" if est.fit_intercept else "no intercept")
    state = "converged" if res.converged else "NOT CONVERGED"
    print(f"solver {res.solver}: {state} in {res.n_iter} iterations (optimality {res.optimality:.1e}, tol {res.tol:.0e})")
    print(f"U = {res.objective:.6g} (negative log posterior, a sum over {n} observations); "
          f"U/N = {res.objective / n:.6g} (the lecture's mean cost)")
    for w in caught:
        print(f"warning: {w.message}")
    rows = list(zip(est.feature_names(), est.coef_))
    header = f"{'feature':<24}{'coef':>12}"
    if data.scale is not None:
        header += f"{'coef (orig)':>14}{'prior sd (orig)':>17}"
    print(header)
    sd = est.prior_.sd
    for j, (name, c) in enumerate(rows):
        c = c + 0.0  # print -0.0 as 0
        line = f"{name:<24}{c:>12.5g}"
        if data.scale is not None:
            line += f"{c / data.scale[j]:>14.5g}{sd / data.scale[j]:>17.4g}"
        print(line + ("   (exactly 0)" if c == 0 else ""))
    if est.fit_intercept:
        print(f"{'intercept':<24}{est.intercept_:>12.5g}")
    print(f"{res.n_zero} of {len(rows)} weights are exactly zero")


def cmd_fit(args) -> int:
    data, est, caught = _fit(args)
    _print_fit(data, est, caught)
    return 0


def cmd_compare(args) -> int:
    from .. import io, plots
    from ..compare import compare as compare_table
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if args.draws < 1:
        raise CLIError(f"--draws must be >= 1, got {args.draws}")
    data, est, caught = _fit(args)
    _print_fit(data, est, caught)
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


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    """Likelihood, solver and data-handling options shared by fit, compare and sweep."""
    p.add_argument("--likelihood", choices=("logistic", "linear"), default="logistic")
    p.add_argument("--noise-sd", type=_positive_float, default=1.0, help="σ of the linear model")
    p.add_argument("--solver", choices=sorted(SOLVERS), default="fista")
    p.add_argument("--tol", type=_positive_float, default=1e-6)
    p.add_argument("--max-iter", type=int, default=None)
    p.add_argument("--no-intercept", action="store_true")
    p.add_argument("--standardize", action="store_true", help="standardize features (λ then acts on that scale)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bayesreg", description="Bayesian regression with regularizing priors.")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("data", nargs="?", help="CSV file (default: the lecture's wide data set)")
        p.add_argument("--target", help="column of DATA.csv to predict")
        p.add_argument("--prior", choices=PRIORS, default="laplace", help="prior on the weights (default laplace)")
        p.add_argument("--lam", "--lam1", dest="lam", type=_positive_float, default=None,
                       help="λ: precision (gaussian: variance 1/λ), rate (laplace: scale 1/λ), λ1 (elasticnet); default 2 for laplace on the lecture data, else 1")
        p.add_argument("--lam2", type=_positive_float, default=None, help="elastic net λ2 (L2 precision), default 1")
        add_model_arguments(p)
        p.add_argument("--seed", type=int, default=0, help="seed for the generated data and the sampler")

    fit = sub.add_parser("fit", help="fit the MAP and print it")
    common(fit)
    fit.set_defaults(func=cmd_fit)

    cmp_ = sub.add_parser("compare", help="MAP vs full posterior, with figures and a results file")
    common(cmp_)
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

