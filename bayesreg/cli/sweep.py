"""``bayesreg sweep``: λ paths (MAP and posterior), the choice of λ, figures and a results file.

    bayesreg sweep [DATA.csv --target COL] --prior laplace --lams 0.01:100:20 [--posterior]
                   [--scheduler local|ADDRESS] [--out DIR]

Without data it runs on the lecture's wide data set (N = D = 50).  It prints
the λ table (λ next to the prior sd 1/√λ or scale 1/λ it stands for), the λ
chosen by cross-validation, empirical Bayes and full Bayes, and writes
``coef_path.png``, ``zero_pattern.png``, ``lambda_choice.png``,
``sweep.nc`` (read it with :func:`bayesreg.io.load_sweep`) and (unless
``--no-report``) the λ explorer ``sweep.html`` to ``--out``.

Wiring (in :func:`bayesreg.cli.build_parser`)::

    from . import sweep
    sweep.add_parser(sub)          # sets func=cmd_sweep

Like the rest of :mod:`bayesreg.cli`, this module prints; errors are
:class:`bayesreg.cli.common.CLIError` (one line, status 2).
"""

from __future__ import annotations

import argparse
import math
import warnings

import numpy as np

from .data import estimator_input
from .daskrun import scheduler_for
from .tables import sweep_legend
from .common import (flag_message, DF_HELP, SEED, CLIError, add_data_arguments, add_model_arguments, check_feature_names, check_output_folder,
                     check_tune_option, int_at_least, load_data, make_estimator, model_line, check_target, positive_float, progress_printer,
                     strictly_positive_float)

__all__ = ["add_parser", "cmd_sweep", "parse_lams"]


def parse_lams(text: str) -> np.ndarray:
    """``START:STOP:NUM`` → NUM λ values spaced evenly in log λ from START to STOP (both > 0)."""
    parts = str(text).split(":")
    if len(parts) != 3:
        raise CLIError(f"--lams must be START:STOP:NUM (e.g. 0.01:100:20), got {text!r}")
    try:
        start, stop = float(parts[0]), float(parts[1])
        num = int(parts[2])
    except ValueError:
        raise CLIError(f"--lams must be START:STOP:NUM with numbers START, STOP > 0 and an integer NUM, "
                       f"got {text!r}") from None
    if not (math.isfinite(start) and math.isfinite(stop)) or start <= 0 or stop <= 0:
        raise CLIError(f"--lams: START and STOP must be finite and > 0 (λ is a precision), got {text!r}")
    if num < 1 or (num > 1 and start == stop):
        raise CLIError(f"--lams: NUM must be >= 1, and START != STOP when NUM > 1, got {text!r}")
    if num > 10_000:
        raise CLIError(f"--lams: NUM must be <= 10000, got {num}")
    return np.geomspace(start, stop, num)


def _prior(args):
    from ..priors import Cauchy, ElasticNet, Gaussian, Laplace, StudentT

    if args.df is not None and args.prior != "studentt":
        raise CLIError(f"--df applies only to --prior studentt, not {args.prior}")
    if args.prior == "gaussian":
        return Gaussian(1.0)
    if args.prior == "laplace":
        return Laplace(1.0)
    if args.prior == "studentt":
        return StudentT(3.0 if args.df is None else args.df, 1.0)
    if args.prior == "cauchy":
        return Cauchy(1.0)
    return ElasticNet(1.0, args.l2_ratio)


def _fmt(x) -> str:
    x = float(x)
    return "nan" if not math.isfinite(x) else f"{x:.4g}"


def _print_table(ds, choice) -> None:
    scale_name = str(ds.attrs["scale_name"])
    post = "mean" in ds
    w = max(11, len(scale_name))
    header = f"{'λ':>9} {scale_name:>{w}} {'MAP ≠ 0':>7} {'CV loss':>8} {'± se':>7} {'log evid.':>9}"
    sigma = "map_sigma" in ds
    if sigma:
        header += f" {'MAP σ':>9}"
    if post:
        header += f" {'P(near 0)>½':>11} {'max R̂':>6} {'div.':>4}"
        if sigma:
            header += f" {'mean σ':>9}"
    print(header)
    ev = choice["log_evidence"].values if choice is not None else np.full(ds.sizes["lam"], np.nan)
    for i, lam in enumerate(ds["lam"].values):
        nz = int(np.sum(ds["map_coef"].values[i] != 0.0))
        cv = choice["cv_loss"].values[i] if choice is not None else math.nan
        se = choice["cv_se"].values[i] if choice is not None else math.nan
        line = (f"{lam:>9.4g} {ds['prior_scale'].values[i]:>{w}.4g} {nz:>7d} {_fmt(cv):>8} {_fmt(se):>7} "
                f"{_fmt(ev[i]):>9}")
        if sigma:
            line += f" {_fmt(ds['map_sigma'].values[i]):>9}"
        if post:
            if bool(ds["failed"].values[i]):
                line += f" {'FAILED':>11}"
            else:
                near = int(np.sum(ds["p_near_zero"].values[i] > 0.5))
                rhat = np.nanmax(ds["r_hat"].values[i]) if np.isfinite(ds["r_hat"].values[i]).any() else math.nan
                line += f" {near:>11d} {_fmt(rhat):>6} {int(ds['divergences'].values[i]):>4d}"
                if sigma and "sigma_mean" in ds:
                    line += f" {_fmt(ds['sigma_mean'].values[i]):>9}"
        print(line)


def _off_grid(lam: float, grid) -> str:
    """λ_EB is a continuous optimum, not a grid point: say where it lies relative to the grid."""
    if np.isclose(grid, lam, rtol=1e-9, atol=0.0).any():
        return ""
    if lam < grid.min() or lam > grid.max():
        return " (continuous optimum, outside the --lams grid)"
    return " (continuous optimum, between grid points)"


def _print_choice(choice) -> None:
    a = choice.attrs
    power, scale_name = float(a["scale_power"]), str(a["scale_name"])

    def line(label, lam, extra=""):
        lam = float(lam)
        if not math.isfinite(lam):
            print(f"  {label:<34} not available{extra}")
        else:
            print(f"  {label:<34} λ = {lam:<10.4g} ({scale_name} = {lam ** -power:.4g}){extra}")

    print("chosen λ:")
    line("cross-validation, minimum", a["lam_min"])
    line("cross-validation, one-SE rule", a["lam_1se"])
    eb = float(a["lam_eb"])
    line("empirical Bayes (max evidence)", eb, _off_grid(eb, choice["lam"].values) if math.isfinite(eb)
         else f": {a.get('eb_note', '')}")
    if int(a.get("full_bayes", 0)):
        line("full Bayes, posterior median", a["lam_fb_median"],
             f"; {float(a['fb_prob']):.0%} HDI [{float(a['lam_fb_hdi_low']):.4g}, {float(a['lam_fb_hdi_high']):.4g}]"
             f" under {a['hyperprior']}")
    else:
        print(f"  {'full Bayes':<34} not run (--no-full-bayes)")


def cmd_sweep(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .. import io, plots
    from ..sensitivity import SweepFailure, choose_lambda, sweep

    if args.scheduler is not None and not args.posterior:
        raise CLIError("--scheduler only applies to posterior sweeps: add --posterior")
    if args.dashboard and args.scheduler != "local":
        raise CLIError("--dashboard applies to --scheduler local (a remote scheduler serves its own dashboard)")
    if args.posterior or not args.no_full_bayes:  # both sample with nutpie
        check_tune_option(args.tune, "nutpie")
    lams = parse_lams(args.lams)
    out = check_output_folder(args.out)
    data = load_data(args)
    check_feature_names(data)
    try:
        prior = _prior(args)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"{'--df' if args.prior == 'studentt' else '--l2-ratio'}: {exc}") from None
    est = make_estimator(args, prior)
    check_target(args, data)
    X = estimator_input(data)

    model = model_line(args, data)
    if model:
        print(model)
    print(f"data: {data.description}")
    for note in data.notes:
        print(note)
    if data.scale is not None:
        print(f"features standardized: λ acts on the standardized scale ({prior.strength_meaning()}, in "
              f"standardized units)")
    what = "MAP and posterior" if args.posterior else "MAP"
    where = "" if not args.posterior else (f" on dask ({args.scheduler})" if args.scheduler else " in this process")
    print(f"sweeping λ over {len(lams)} values from {lams.min():.4g} to {lams.max():.4g} ({what}{where})", flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with scheduler_for(args.scheduler, args.dashboard) as client:
                ds = sweep(est, X, data.y, lams, posterior=args.posterior, draws=args.draws, tune=args.tune,
                           chains=args.chains, random_seed=args.seed, client=client,
                           progress=progress_printer("posterior runs" if args.posterior else "MAP fits"))
            choice = choose_lambda(est, X, data.y, lams, n_folds=args.cv_folds, full_bayes=not args.no_full_bayes,
                                   hyper_a=args.hyper_a, hyper_b=args.hyper_b, draws=args.draws, tune=args.tune,
                                   chains=args.chains, random_seed=args.seed)
        except (ValueError, TypeError, SweepFailure) as exc:
            raise CLIError(flag_message(exc)) from None
        except (OSError, TimeoutError) as exc:
            raise CLIError(f"--scheduler {args.scheduler}: cannot use the Dask scheduler: {exc}") from None
    print(f"prior: {ds.attrs['prior_kind']}, λ = {ds.attrs['lam_meaning']}"
          + ("; scale multiplied by σ" if args.noise_scaled else ""))
    if not est.prior.convex:
        print("local mode: the prior is non-convex, so each MAP is the local mode reached from 0 (no warm starts)")
    if "noise" in ds.attrs:
        print(f"noise: {ds.attrs['noise']}" + (" (its MAP at every λ below)" if "map_sigma" in ds else ""))
    if args.posterior:
        print(f"posterior: {ds.attrs['chains']} chains × {ds.attrs['draws']} draws per λ, "
              f"seed {ds.attrs['random_seed']}"
              f", {ds.attrs['scheduler']}; model compiled {ds.attrs['n_compilations']} time(s)"
              f"; P(near 0) uses eps = {float(ds.attrs['eps']):.3g}")
    _print_table(ds, choice)
    for line in sweep_legend(bool(args.posterior)):
        print(line)
    _print_choice(choice)
    for w in caught:
        if issubclass(w.category, UserWarning):
            print(f"warning: {flag_message(w.message)}")

    out.mkdir(parents=True, exist_ok=True)
    figs = {"coef_path.png": plots.plot_coef_path(ds).figure,
            "zero_pattern.png": plots.plot_zero_pattern(ds)[0].figure,
            "lambda_choice.png": plots.plot_lambda_choice(choice)[0].figure}
    for name, fig in figs.items():
        fig.savefig(out / name, dpi=110, bbox_inches="tight")
        plt.close(fig)
    io.save_sweep(out / "sweep.nc", ds, choice=choice,
                  settings={"command": "sweep", "data": data.description, "prior": args.prior, "lams": args.lams,
                            "posterior": bool(args.posterior), "draws": args.draws, "tune": args.tune,
                            "chains": args.chains, "seed": args.seed, "scheduler": args.scheduler,
                            "standardized": data.scale is not None, "formula": args.formula,
                            "model": model_line(args, data) or args.likelihood})
    print(f"\nwrote {', '.join(figs)} and sweep.nc to {out}/")
    if args.report:
        from ..reports import sweep_report  # lazy: the CLI's import stays light

        page = sweep_report(out / "sweep.nc", est.prior, out / "sweep.html", figures={n: out / n for n in figs})
        print(f"wrote {page} (the λ explorer: open it in a browser and move the slider)")
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``sweep`` sub-command to an argparse ``add_subparsers()`` object; returns its parser."""
    p = subparsers.add_parser(
        "sweep", help="λ paths (MAP, posterior), the choice of λ, figures and a results file",
        description="λ paths (MAP and posterior), the choice of λ (cross-validation, empirical Bayes, full Bayes), "
                    "figures and a results file (coef_path.png, zero_pattern.png, lambda_choice.png, sweep.nc).",
        epilog="examples:\n"
               "  bayesreg sweep --lams 0.01:100:20                 # the lecture's wide data, laplace\n"
               "  bayesreg sweep cancer.csv --target diagnosis --standardize --prior gaussian --lams 0.001:10:15\n"
               "  bayesreg sweep --posterior --scheduler local --lams 0.1:10:5 --draws 500",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arguments(p)
    p.add_argument("--prior", choices=("gaussian", "laplace", "elasticnet", "studentt", "cauchy"), default="laplace",
                   help="prior on the weights (default laplace); λ is swept")
    p.add_argument("--df", type=positive_float, default=None, help=DF_HELP + "; kept fixed along the sweep")
    p.add_argument("--l2-ratio", type=positive_float, default=1.0,
                   help="elasticnet: λ2/λ1, kept fixed along the sweep (default 1)")
    p.add_argument("--lams", default="0.01:100:20",
                   help="START:STOP:NUM, NUM values evenly spaced in log λ (default 0.01:100:20)")
    p.add_argument("--posterior", action="store_true", help="also sample the posterior at every λ (nutpie)")
    p.add_argument("--scheduler", default=None,
                   help="run the posterior runs on Dask: 'local' (2 local worker processes) or a scheduler "
                        "address such as tcp://host:8786 (default: in this process)")
    p.add_argument("--dashboard", action="store_true",
                   help="with --scheduler local: start the Dask dashboard and print its link (default: none)")
    p.add_argument("--draws", type=int_at_least(1), default=1000, help="draws per chain per λ (default 1000)")
    p.add_argument("--tune", type=int_at_least(0), default=1000, help="tuning steps per chain per λ (default 1000)")
    p.add_argument("--chains", type=int_at_least(1), default=2, help="chains per λ (default 2)")
    p.add_argument("--cv-folds", type=int_at_least(2), default=5, help="cross-validation folds (default 5)")
    p.add_argument("--no-full-bayes", action="store_true", help="skip the Gamma-hyperprior posterior of λ")
    p.add_argument("--hyper-a", type=strictly_positive_float, default=1.0, help="Gamma hyperprior shape (default 1)")
    p.add_argument("--hyper-b", type=strictly_positive_float, default=0.1, help="Gamma hyperprior rate (default 0.1)")
    add_model_arguments(p)
    p.add_argument("--seed", type=SEED, default=0, help="seed for the generated data, CV folds' sampler and NUTS")
    p.add_argument("--out", default="out/sweep", help="output folder (default ./out/sweep)")
    p.add_argument("--report", action=argparse.BooleanOptionalAction, default=True,
                   help="write sweep.html to --out: a λ slider moving the MAP, the posterior intervals and the prior "
                        "density, one self-contained page (default: on; --no-report skips it)")
    p.set_defaults(func=cmd_sweep)
    return p
