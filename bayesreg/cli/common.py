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
from typing import TYPE_CHECKING

from .data import check_counts, estimator_input, load_data, read_csv
from .messages import (CLIError, check_target, flag_message, intercept_text, model_line, separation_lines,
                       target_name)
from ..noise import Exponential, HalfCauchy, HalfNormal, Jeffreys

if TYPE_CHECKING:
    from ..priors import Prior

__all__ = ["PRIORS", "LIKELIHOODS", "NOISE_PRIORS", "DF_HELP", "CLIError", "check_counts", "noise_options", "noise_line",
           "prior_from_args", "load_data", "data_and_estimator", "read_csv",
           "make_estimator", "fit_map",
           "print_fit", "positive_float", "probability", "strictly_positive_float", "int_at_least", "SEED", "check_tune_option",
           "check_output_folder",
           "check_feature_names", "add_data_arguments", "add_prior_arguments", "add_model_arguments",
           "add_fit_arguments", "progress_printer", "target_name", "model_line", "flag_message", "check_target"]

# The choices of --prior, --likelihood and --solver as plain names, so that building the parser (``bayesreg --help``)
# imports neither the priors (SciPy) nor the solvers and estimators (scikit-learn); tests/test_import_time.py checks
# them against Prior.registry, the estimators and bayesreg.solvers.SOLVERS.
PRIORS = ("gaussian", "laplace", "elasticnet", "studentt", "cauchy", "flat", "horseshoe", "regularized-horseshoe")
LIKELIHOODS = ("logistic", "linear", "poisson")
SOLVERS = ("auto", "gd", "ista", "fista", "newton", "lbfgs")

#: Help text of ``--df`` (fit, compare and sweep).
DF_HELP = ("studentt: degrees of freedom ν > 0 (default 3); ν = 1 is the Cauchy, ν → ∞ the Gaussian; "
           "variance ν/(ν−2)/λ, infinite for ν ≤ 2")

#: ``--noise-prior`` choices: the noise prior classes of :mod:`bayesreg.noise`.
NOISE_PRIORS = {"exponential": Exponential, "halfnormal": HalfNormal, "halfcauchy": HalfCauchy, "jeffreys": Jeffreys}


def prior_from_args(kind: str, lam: float | None, lam2: float | None, df: float | None = None, *,
                    scale_global: float | None = None, slab_scale: float | None = None,
                    slab_df: float | None = None) -> Prior:
    """The prior named by ``--prior`` with ``--lam``/``--lam2`` (1 where not given) and ``--df`` (3).

    The horseshoes take ``--scale-global`` (default 1), ``--slab-scale`` (default 2), ``--slab-df`` (default 4).
    """
    from ..priors import Cauchy, ElasticNet, Flat, Gaussian, Horseshoe, Laplace, RegularizedHorseshoe, StudentT

    if df is not None and kind != "studentt":
        raise CLIError(f"--df applies only to --prior studentt, not {kind}")
    if kind in ("horseshoe", "regularized-horseshoe"):
        if lam is not None or lam2 is not None:
            raise CLIError(f"--prior {kind} has no λ (--lam/--lam2); its scale is --scale-global")
        try:
            if kind == "horseshoe":
                return Horseshoe(1.0 if scale_global is None else scale_global)
            return RegularizedHorseshoe(1.0 if scale_global is None else scale_global,
                                        2.0 if slab_scale is None else slab_scale, 4.0 if slab_df is None else slab_df)
        except (ValueError, TypeError) as exc:
            raise CLIError(f"--scale-global/--slab-scale/--slab-df: {flag_message(exc)}") from None
    if kind != "regularized-horseshoe" and (slab_scale is not None or slab_df is not None):
        raise CLIError("--slab-scale/--slab-df belong to --prior regularized-horseshoe")
    if scale_global is not None:
        raise CLIError("--scale-global belongs to --prior horseshoe or regularized-horseshoe")
    if kind in ("studentt", "cauchy"):
        try:
            if kind == "cauchy":
                return Cauchy(1.0 if lam is None else lam)
            return StudentT(3.0 if df is None else df, 1.0 if lam is None else lam)
        except (ValueError, TypeError) as exc:
            raise CLIError(f"--df/--lam: {flag_message(exc)}") from None
    try:
        if kind == "flat":
            return Flat()
        if kind == "gaussian":
            return Gaussian(1.0 if lam is None else lam)
        if kind == "laplace":
            return Laplace(1.0 if lam is None else lam)
        return ElasticNet(1.0 if lam is None else lam, 1.0 if lam2 is None else lam2)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"--lam/--lam2: {flag_message(exc)}") from None


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
    from ..estimators import LogisticRegression
    from ..regressors import LinearRegression, PoissonRegression

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
    if args.likelihood == "poisson":
        return PoissonRegression(**common)
    return LogisticRegression(**common)


def noise_line(est) -> str | None:
    """'noise: σ estimated, prior …' or 'noise: σ fixed at 1' for a linear model (None otherwise)."""
    return f"noise: {est.noise_description()}" if hasattr(est, "noise_description") else None


def data_and_estimator(args):
    """Load the data and build the (unfitted) estimator of the options: ``(data, estimator)``."""
    data = load_data(args)
    prior = prior_from_args(args.prior, args.lam, args.lam2, getattr(args, "df", None),
                            scale_global=getattr(args, "scale_global", None),
                            slab_scale=getattr(args, "slab_scale", None), slab_df=getattr(args, "slab_df", None))
    est = make_estimator(args, prior)  # the options are checked before the data
    check_target(args, data)
    return data, est


def fit_map(args, prepared=None):
    """Load the data and fit the MAP; returns ``(data, estimator, caught warnings)``.

    ``prepared``: ``(data, estimator)`` from :func:`data_and_estimator`, when already made.
    A prior without a MAP (the horseshoe) is a :class:`CLIError` saying why.
    """
    data, est = data_and_estimator(args) if prepared is None else prepared
    X = estimator_input(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(X, data.y)
        except ValueError as exc:
            raise CLIError(flag_message(exc)) from None
    return data, est, [w for w in caught]


def print_fit(data, est, caught, args=None, *, separation: bool = True) -> None:
    """Print the prior, the solver's convergence, the cost and the MAP weights (used by fit and compare)."""
    res = est.map_
    n = data.n_samples
    model = model_line(args, data) if args is not None else None
    if model:
        print(model)
    print(f"data: {data.description}")
    for note in data.notes:
        print(note)
    if data.scale is not None:
        print(f"features standardized: λ acts on the standardized scale ({est.prior_.strength_meaning()}, in "
              f"standardized units; on the original scale divide by the column sd, shown below)")
    print(f"prior on weights:   {est.prior_.describe()}")
    print(f"prior on intercept: {intercept_text(est.intercept_prior_)}" if est.fit_intercept else "no intercept")
    noise = noise_line(est)
    if noise:
        print(noise)
    state = "converged" if res.converged else "NOT CONVERGED"
    outer = f", {res.n_outer} outer σ-steps" if res.sigma_estimated else ""
    print(f"solver {res.solver}: {state} in {res.n_iter} iterations{outer} (optimality {res.optimality:.1e}, "
          f"tol {res.tol:.0e})")
    if res.solver_reason:
        print(f"  why {res.solver}: {res.solver_reason}")
    if res.local_mode:
        print("local mode: the prior is non-convex, so U may have several minima; this MAP is the one reached "
              "from 0")
    print(f"U = {res.objective:.6g} (negative log posterior, a sum over {n} observations); "
          f"U/N = {res.objective / n:.6g} (the lecture's mean cost)")
    for w in caught:
        print(f"warning: {flag_message(w.message)}")
    for line in separation_lines(args, data) if separation and args is not None else []:
        print(line)
    rows = list(zip(est.feature_names(), est.coef_))
    sd, what = est.prior_.spread()  # the sd, or (Cauchy, Student-t with df ≤ 2) the scale
    header = f"{'feature':<24}{'coef':>12}"
    if data.scale is not None:
        header += f"{'coef (orig)':>14}{'prior sd (orig)' if what == 'prior sd' else 'prior scale (orig)':>19}"
    print(header)
    for j, (name, c) in enumerate(rows):
        c = c + 0.0  # print -0.0 as 0
        line = f"{name:<24}{c:>12.5g}"
        if data.scale is not None:
            line += f"{c / data.scale[j]:>14.5g}{sd / data.scale[j]:>19.4g}"
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


def probability(text: str) -> float:
    """argparse type: a probability strictly between 0 and 1 (``--hdi-prob``)."""
    value = positive_float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a probability in (0, 1), got {text!r}")
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
    p.add_argument("--formula", help="a Wilkinson formula such as 'y ~ x1 + C(group) + x2:x3' (formulaic): its left "
                                     "side is the target, '- 1' drops the intercept; text columns are categorical")
    p.add_argument("--standardize-dummies", action="store_true",
                   help="with --standardize, standardize the 0/1 dummy columns of text columns too (default: keep 0/1)")


def add_prior_arguments(p: argparse.ArgumentParser) -> None:
    """``--prior`` with a fixed ``--lam``/``--lam2`` (fit and compare; sweep has its own)."""
    p.add_argument("--prior", choices=PRIORS, default="laplace", help="prior on the weights (default laplace)")
    p.add_argument("--lam", "--lam1", dest="lam", type=positive_float, default=None,
                   help="λ: precision (gaussian: variance 1/λ), rate (laplace: scale 1/λ), λ1 (elasticnet), precision of "
                        "the scale (studentt, cauchy: scale 1/√λ); default 2 for laplace on the lecture data, else 1")
    p.add_argument("--lam2", type=positive_float, default=None, help="elastic net λ2 (L2 precision), default 1")
    p.add_argument("--df", type=positive_float, default=None, help=DF_HELP)
    p.add_argument("--scale-global", type=positive_float, default=None,
                   help="horseshoe: scale s of the global scale's prior τ ~ C⁺(0, s), default 1 (Piironen & "
                        "Vehtari: s = p0/(D − p0)·σ/√N, σ = 2 for logistic; bayesreg.global_scale); "
                        "a horseshoe has no λ and no MAP (compare only)")
    p.add_argument("--slab-scale", type=positive_float, default=None,
                   help="regularized horseshoe: slab scale (large weights ~ t_ν(0, slab scale)), default 2")
    p.add_argument("--slab-df", type=positive_float, default=None,
                   help="regularized horseshoe: slab degrees of freedom ν, default 4")


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    """Likelihood, solver and data-handling options shared by fit, compare and sweep."""
    p.add_argument("--likelihood", choices=LIKELIHOODS, default="logistic",
                   help="logistic (0/1 target), linear (Normal; σ estimated, or fixed by --noise-sd) or poisson "
                        "(counts 0, 1, 2, …; log link: E[y] = exp(η)); default logistic")
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
    p.add_argument("--solver", choices=sorted(SOLVERS), default="auto",
                   help="MAP solver: auto (newton for few features or badly scaled columns, else lbfgs for a smooth "
                        "prior and fista for an L1 one; the output says which and why), gd (gradient descent), "
                        "ista/fista (proximal), newton (proximal Newton), lbfgs (smooth priors only); "
                        "all but gd and lbfgs give exact zeros under laplace; default auto")
    p.add_argument("--tol", type=positive_float, default=1e-6,
                   help="solver tolerance on the optimality measure (default 1e-6)")
    p.add_argument("--max-iter", type=int_at_least(1), default=None,
                   help="maximum solver iterations (default: the solver's own)")
    p.add_argument("--no-intercept", action="store_true", help="fit no intercept b (default: an intercept with a flat "
                                                               "prior)")
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


def __getattr__(name: str):
    """The estimator classes, named here before they loaded lazily (``bayesreg.cli.common.LogisticRegression``)."""
    if name in ("LogisticRegression", "LinearRegression", "PoissonRegression"):
        import bayesreg

        return getattr(bayesreg, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
