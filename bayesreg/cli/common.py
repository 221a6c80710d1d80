"""What the ``bayesreg`` subcommands share: the user-error type, data loading,
the estimator built from the options, shared options, and the MAP report.

Subcommand modules import from here (never from the package ``__init__``, which
imports them).  Like the rest of :mod:`bayesreg.cli`, this module may print.
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from pathlib import Path

import numpy as np

from .. import datasets
from ..estimators import LinearRegression, LogisticRegression
from ..noise import Exponential, HalfCauchy, HalfNormal, Jeffreys
from ..priors import ElasticNet, Flat, Gaussian, Laplace, Prior
from ..solvers import SOLVERS

__all__ = ["PRIORS", "NOISE_PRIORS", "noise_options", "noise_line", "CLIError", "prior_from_args", "load_data", "read_csv", "make_estimator", "fit_map",
           "print_fit", "positive_float", "strictly_positive_float", "int_at_least", "SEED", "check_tune_option",
           "check_output_folder",
           "check_feature_names", "add_data_arguments", "add_prior_arguments", "add_model_arguments",
           "add_fit_arguments", "progress_printer"]

PRIORS = ("gaussian", "laplace", "elasticnet", "flat")

#: ``--noise-prior`` choices: the noise prior classes of :mod:`bayesreg.noise`.
NOISE_PRIORS = {"exponential": Exponential, "halfnormal": HalfNormal, "halfcauchy": HalfCauchy, "jeffreys": Jeffreys}


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


def prior_from_args(kind: str, lam: float | None, lam2: float | None) -> Prior:
    """The prior named by ``--prior`` with ``--lam``/``--lam2`` (1 where not given)."""
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


def load_data(args) -> datasets.Dataset:
    """DATA.csv (with ``--target``) or the lecture's wide data set, standardized if ``--standardize``."""
    if args.data is None:
        if args.target is not None:
            raise CLIError("--target needs a DATA.csv")
        data = datasets.make_lecture_wide(seed=args.seed)
    else:
        data = read_csv(Path(args.data), args.target)
    if args.standardize:
        scale = data.X.std(axis=0)
        if np.any(scale == 0):
            bad = [n for n, s in zip(data.feature_names, scale) if s == 0]
            raise CLIError(f"--standardize: constant column(s) {bad} cannot be standardized")
        data.X = (data.X - data.X.mean(axis=0)) / scale
        data.scale = scale
    return data


def read_csv(path: Path, target: str | None) -> datasets.Dataset:
    """A numeric CSV as a :class:`~bayesreg.datasets.Dataset`; every problem is a one-line :class:`CLIError`."""
    import pandas as pd

    if target is None:
        raise CLIError("DATA.csv needs --target COL (the column to predict)")
    if path.is_dir():
        raise CLIError(f"{path} is a folder, not a CSV file")
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
    if len(frame) == 0:
        raise CLIError(f"{path} has no rows (only a header)")
    text = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    if text:
        raise CLIError(f"column(s) {text} of {path} hold text where numbers belong; encode them first")
    missing = features.columns[features.isna().any()].tolist() + ([target] if frame[target].isna().any() else [])
    if missing:
        raise CLIError(f"column(s) {missing} of {path} have missing values; drop or impute them first")
    infinite = features.columns[~np.isfinite(features.to_numpy(dtype=float)).all(axis=0)].tolist()
    if infinite:
        raise CLIError(f"column(s) {infinite} of {path} hold infinite values; drop or cap them first")
    return datasets.Dataset(X=features.to_numpy(dtype=float), y=frame[target].to_numpy(),
                            feature_names=[str(c) for c in features.columns], description=f"{path} (target {target})")


def noise_options(args) -> dict:
    """``noise_sd``/``noise_prior`` of a linear model from ``--noise-sd``, ``--noise-prior``, ``--noise-scale``."""
    given = [f for f, v in (("--noise-sd", args.noise_sd), ("--noise-prior", args.noise_prior),
                            ("--noise-scale", args.noise_scale)) if v is not None]
    if args.likelihood != "linear":
        if given or args.noise_scaled:
            raise CLIError(f"{(given or ['--noise-scaled'])[0]} applies to --likelihood linear only (logistic "
                           f"regression has no noise sd)")
        return {}
    if args.noise_sd is not None:
        if args.noise_prior is not None or args.noise_scale is not None:
            raise CLIError("--noise-prior/--noise-scale set the prior of an estimated σ, but --noise-sd fixes σ; "
                           "give one or the other")
        if not args.noise_sd > 0:
            raise CLIError(f"--noise-sd must be > 0, got {args.noise_sd!r}")
        return {"noise_sd": args.noise_sd}
    if args.noise_prior is None:
        if args.noise_scale is not None:
            raise CLIError("--noise-scale needs --noise-prior (the default Exponential has rate 1/sd(y))")
        return {}
    if args.noise_prior == "jeffreys":
        if args.noise_scale is not None:
            raise CLIError("--noise-scale: the Jeffreys prior p(σ) ∝ 1/σ has no scale")
        return {"noise_prior": Jeffreys()}
    scale = 1.0 if args.noise_scale is None else args.noise_scale
    if not scale > 0:
        raise CLIError(f"--noise-scale must be > 0, got {scale!r}")
    cls = NOISE_PRIORS[args.noise_prior]
    return {"noise_prior": cls(1.0 / scale) if cls is Exponential else cls(scale)}


def make_estimator(args, prior: Prior):
    """The (unfitted) estimator the likelihood, noise and solver options describe, with ``prior``."""
    noise = noise_options(args)
    if args.noise_scaled:
        try:
            prior = type(prior)(**{**prior.params(), "noise_scaled": True})
        except TypeError:  # a prior without a noise-scaled form
            raise CLIError(f"--noise-scaled applies to the gaussian and laplace priors, got --prior {args.prior}") from None
    common = dict(prior=prior, fit_intercept=not args.no_intercept, solver=args.solver, tol=args.tol,
                  max_iter=args.max_iter)
    if args.likelihood == "linear":
        return LinearRegression(**noise, **common)
    return LogisticRegression(**common)


def noise_line(est) -> str | None:
    """'noise: σ estimated, prior …' or 'noise: σ fixed at 1' for a linear model (None otherwise)."""
    return f"noise: {est.noise_description()}" if hasattr(est, "noise_description") else None


def fit_map(args):
    """Load the data and fit the MAP; returns ``(data, estimator, caught warnings)``."""
    data = load_data(args)
    prior = prior_from_args(args.prior, args.lam, args.lam2)
    est = make_estimator(args, prior)
    import pandas as pd

    X = pd.DataFrame(data.X, columns=data.feature_names)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(X, data.y)
        except ValueError as exc:
            raise CLIError(str(exc)) from None
    return data, est, [w for w in caught]


def print_fit(data, est, caught) -> None:
    """Print the prior, the solver's convergence, the cost and the MAP weights (used by fit and compare)."""
    res = est.map_
    n = data.X.shape[0]
    print(f"data: {data.description}")
    if data.scale is not None:
        print("features standardized: λ is a precision on the standardized scale "
              "(prior sd on the original scale = sd / column sd, shown below)")
    print(f"prior on weights:   {est.prior_.describe()}")
    print(f"prior on intercept: {est.intercept_prior_.describe()}" if est.fit_intercept else "no intercept")
    noise = noise_line(est)
    if noise:
        print(noise)
    state = "converged" if res.converged else "NOT CONVERGED"
    outer = f", {res.n_outer} outer σ-steps" if res.sigma_estimated else ""
    print(f"solver {res.solver}: {state} in {res.n_iter} iterations{outer} (optimality {res.optimality:.1e}, "
          f"tol {res.tol:.0e})")
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
    if res.sigma_estimated:
        print(f"{'sigma (noise sd)':<24}{res.sigma:>12.5g}")
    print(f"{res.n_zero} of {len(rows)} weights are exactly zero")


def positive_float(text: str) -> float:
    """argparse type: a finite number (the sign is checked where the value is used: a prior's λ, σ)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def strictly_positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = positive_float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def int_at_least(minimum: int, maximum: int | None = None):
    """argparse type factory: an integer >= minimum (and < maximum when given)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum or (maximum is not None and value >= maximum):
            where = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum})"
            raise argparse.ArgumentTypeError(f"expected an integer {where}, got {text!r}")
        return value

    return parse


SEED = int_at_least(0, 2**32)


def check_tune_option(tune: int, sampler: str) -> None:
    """``--tune``: the library's rule (nutpie needs a tuning step), checked before any work."""
    from ..posterior.nuts import check_tune

    try:
        check_tune(tune, sampler)
    except ValueError as exc:
        raise CLIError(f"--{exc}") from None


def check_output_folder(path) -> Path:
    """``--out``: a folder that exists or can be made, and can be written — checked before any work."""
    import os

    out = Path(path)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {str(out)!r} is an existing file, not a folder")
    parent = out
    while not parent.exists():  # the nearest folder that exists must let us create the rest
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise CLIError(f"--out {str(out)!r}: cannot write in {str(parent)!r} (permission denied)")
    return out


def check_feature_names(data) -> None:
    """A feature called "intercept" would clash with the intercept row of every table."""
    if "intercept" in data.feature_names:
        raise CLIError("a feature column is named 'intercept', which clashes with the intercept row of the tables; "
                       "rename it")


def add_data_arguments(p: argparse.ArgumentParser) -> None:
    """The optional DATA.csv and its ``--target`` column (fit, compare and sweep)."""
    p.add_argument("data", nargs="?", help="CSV file (default: the lecture's wide data set)")
    p.add_argument("--target", help="column of DATA.csv to predict")


def add_prior_arguments(p: argparse.ArgumentParser) -> None:
    """``--prior`` with a fixed ``--lam``/``--lam2`` (fit and compare; sweep has its own)."""
    p.add_argument("--prior", choices=PRIORS, default="laplace", help="prior on the weights (default laplace)")
    p.add_argument("--lam", "--lam1", dest="lam", type=positive_float, default=None,
                   help="λ: precision (gaussian: variance 1/λ), rate (laplace: scale 1/λ), λ1 (elasticnet); default 2 for laplace on the lecture data, else 1")
    p.add_argument("--lam2", type=positive_float, default=None, help="elastic net λ2 (L2 precision), default 1")


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    """Likelihood, solver and data-handling options shared by fit, compare and sweep."""
    p.add_argument("--likelihood", choices=("logistic", "linear"), default="logistic")
    p.add_argument("--noise-sd", type=positive_float, default=None,
                   help="linear: fix the noise sd σ at this value (default: σ is estimated)")
    p.add_argument("--noise-prior", choices=sorted(NOISE_PRIORS), default=None,
                   help="linear: prior of the estimated σ (default exponential with rate 1/sd(y), rstanarm's); "
                        "jeffreys is p(σ) ∝ 1/σ")
    p.add_argument("--noise-scale", type=positive_float, default=None,
                   help="linear: scale of --noise-prior: the mean 1/rate of exponential, the scale of halfnormal "
                        "and halfcauchy (default 1)")
    p.add_argument("--noise-scaled", action="store_true",
                   help="linear: multiply the prior's scale by σ (gaussian: w | σ ~ N(0, σ²/λ), the conjugate ridge; "
                        "laplace: rate λ/σ, Park & Casella's Bayesian lasso)")
    p.add_argument("--solver", choices=sorted(SOLVERS), default="fista")
    p.add_argument("--tol", type=positive_float, default=1e-6)
    p.add_argument("--max-iter", type=int_at_least(1), default=None)
    p.add_argument("--no-intercept", action="store_true")
    p.add_argument("--standardize", action="store_true", help="standardize features (λ then acts on that scale)")


def add_fit_arguments(p: argparse.ArgumentParser) -> None:
    """Everything fit and compare share, in their help order: data, prior, model, ``--seed``."""
    add_data_arguments(p)
    add_prior_arguments(p)
    add_model_arguments(p)
    p.add_argument("--seed", type=SEED, default=0, help="seed for the generated data and the sampler")


def progress_printer(label: str):
    """A progress callable writing 'label: done/total' to stderr (in place on a terminal)."""
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty:
            print(f"\r{label}: {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)
        elif done == total:
            print(f"{label}: {done}/{total} done", file=sys.stderr, flush=True)

    return progress
