"""``bayesreg compare``: the MAP next to the full posterior, with figures and a results file.

    bayesreg compare [DATA.csv --target COL] --prior laplace --lam 2 [--draws N] [--out DIR]
    bayesreg compare DATA.parquet --target COL --scheduler ADDRESS   (larger than memory: laplace-is)

Prints the MAP report of ``bayesreg fit``, samples the posterior, prints the
comparison table and writes ``forest.png``, ``densities.png``,
``cost_history.png``, ``comparison.csv``, ``results.nc`` and (unless
``--no-report``) the self-contained page ``report.html`` to ``--out``.
With ``--prior horseshoe`` (or ``regularized-horseshoe``), which has no MAP, it
prints "no MAP: …" instead of the MAP report, and the table has no MAP columns
(nor a cost history; results.nc holds no MAP).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from .chunked_data import add_scheduler_argument, cluster_session
from .messages import separation_lines
from .tables import compact_table, compare_legend, format_table, sampler_lines
from .data import estimator_input
from .common import (flag_message, CLIError, add_fit_arguments, check_feature_names, check_output_folder, check_tune_option,
                     data_and_estimator, fit_map, int_at_least, model_line, print_fit, probability)

__all__ = ["add_parser", "cmd_compare"]


def cmd_compare(args) -> int:
    with cluster_session(args):
        return _compare(args)


def _compare(args) -> int:
    # ArviZ first, while few modules are loaded: arviz_base (imported by nutpie) calls
    # lazy_loader.load("jax"/"numpyro"), which for a missing module runs inspect.stack(),
    # whose cost grows with the stack depth × len(sys.modules): 0.1 s here, 1 s after
    # scikit-learn, SciPy and matplotlib (python -X importtime; benchmarks/main_job.py).
    import arviz_base  # noqa: F401

    from .. import io, plots
    from ..compare import compare as compare_table
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    check_tune_option(args.tune, args.sampler)
    out = check_output_folder(args.out)
    data, est = data_and_estimator(args)
    density_features = _density_features(args.features, data)  # before any work: a typo fails at once
    has_map = est.has_mode()
    if has_map:
        data, est, caught = fit_map(args, (data, est))
    check_feature_names(data)
    if has_map:
        print_fit(data, est, caught, args, separation=False)  # said under the table, where it shows
    else:  # a horseshoe: nothing to fit, the posterior is all there is
        if args.sampler == "laplace-is":
            raise CLIError(f"--sampler laplace-is needs a MAP: {est.prior.no_mode_reason()}")
        model = model_line(args, data)
        if model:
            print(model)
        print(f"data: {data.description}")
        print(f"prior on weights:   {est.prior.describe()}")
        print(f"no MAP: {est.prior.no_mode_reason()}")
    X = estimator_input(data)
    print(f"\nsampling the posterior ({args.sampler}, {args.chains} chains × {args.draws} draws)…", flush=True)
    with warnings.catch_warnings(record=True) as caught_post:
        warnings.simplefilter("always")
        post = est.sample_posterior(X, data.y, draws=args.draws, tune=args.tune, chains=args.chains,
                                    random_seed=args.seed, sampler=args.sampler,
                                    pointwise_log_likelihood=False if args.no_pointwise else None)
    for w in caught_post:
        if issubclass(w.category, UserWarning):
            print(f"warning: {flag_message(w.message)}")
    reason = post["posterior"].attrs.get("auto_reason")
    if reason:
        print(f"sampler: {reason}")
    for line in sampler_lines(post["posterior"].attrs):
        print(line)
    sampler = str(post["posterior"].attrs.get("sampler", args.sampler))
    n_div = post["posterior"].attrs.get("n_divergent")
    if n_div is not None:
        accept = post["posterior"].attrs.get("target_accept")
        print(f"divergent transitions: {int(n_div)}" + (f" (target_accept {float(accept):g})" if accept else ""))
    table = compare_table(est, post, prob=args.hdi_prob, true_coef=data.coef, true_intercept=data.intercept)
    table["map"] = table["map"] + 0.0  # print -0.0 as 0
    # without a MAP its columns are empty: the "no MAP" line above says why
    shown = table if has_map else table.drop(columns=["map", "map_is_zero", "map_in_hdi"])
    print(format_table(compact_table(shown, wide=args.wide), wide=args.wide))
    for line in compare_legend(shown, sampler, wide=args.wide, has_map=has_map):
        print(line)
    separation = separation_lines(args, data)
    for line in separation:
        print(line)
    zeros = table.index[table["map_is_zero"].astype(bool)] if "map_is_zero" in table else []
    if len(zeros):
        print(f"\n{len(zeros)} MAP weights are exactly zero; their posterior means are not "
              f"(largest |mean| among them: {table.loc[zeros, 'mean'].abs().max():.3g}).")
    out.mkdir(parents=True, exist_ok=True)
    figs = {}
    ax = plots.plot_forest(table)
    figs["forest.png"] = ax.figure
    axes = plots.plot_densities(est, post, features=density_features)
    figs["densities.png"] = np.ravel(axes)[0].figure
    if has_map:
        ax = plots.plot_cost_history(est.map_)
        figs["cost_history.png"] = ax.figure
    for name, fig in figs.items():
        fig.savefig(out / name, dpi=110, bbox_inches="tight")
        plt.close(fig)
    table.to_csv(out / "comparison.csv")
    settings = {"command": "compare", "data": data.description, "draws": args.draws,
                "chains": args.chains, "sampler": args.sampler, "seed": args.seed,
                "formula": args.formula, "model": model_line(args, data) or args.likelihood,
                "notes": [" ".join(line.strip() for line in separation)] if separation else [],
                **({} if has_map else {"prior": repr(est.prior), "map_missing": table.attrs["map_missing"]})}
    if data.n_rows is not None:  # read with Dask: y stays on the cluster: results.nc would otherwise hold all N rows of it
        post = post.drop_nodes("observed_data")
        settings["notes"] = settings["notes"] + ["observed_data not saved: y was read with Dask and stays on the cluster"]
    io.save_results(out / "results.nc", est=est if has_map else None, posterior=post, comparison=table,
                    settings=settings)
    print(f"\nwrote {', '.join(sorted(figs))}, comparison.csv and results.nc to {out}/")
    if args.report:
        from ..reports import report, results_in_memory  # lazy: the CLI's import stays light

        saved = results_in_memory(est if has_map else None, post, table, settings)  # what results.nc holds
        page = report(saved, out / "report.html", figures={name: out / name for name in sorted(figs)})
        print(f"wrote {page} (open it in a browser; self-contained)")
    return 0


def _density_features(text, data):
    """``--features a,b,c`` as a list of names of the design (or "intercept"); None → "auto"."""
    if text is None:
        return "auto"
    names = [t.strip() for t in str(text).split(",") if t.strip()]
    known = list(data.feature_names) + ["intercept"]
    unknown = [n for n in names if n not in known]
    if not names or unknown:
        raise CLIError(f"--features must be a comma-separated list of columns of the design or 'intercept', "
                       f"got {text!r}" + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
    return names


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``compare`` sub-command to an argparse ``add_subparsers()`` object; returns its parser."""
    p = subparsers.add_parser(
        "compare", help="MAP vs full posterior, with figures and a results file",
        description="Fit the MAP, sample the full posterior of the same model, and print them side by side "
                    "(writes forest.png, densities.png, cost_history.png, comparison.csv, results.nc and report.html "
                    "to --out).",
        epilog="examples:\n"
               "  bayesreg compare --draws 500                      # the lecture's wide data, laplace λ = 2\n"
               "  bayesreg compare cancer.csv --target diagnosis --standardize --prior gaussian --lam 1\n"
               "  bayesreg compare diabetes.csv --target y --likelihood linear --standardize --prior horseshoe",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_fit_arguments(p)
    p.add_argument("--draws", type=int_at_least(1), default=1000, help="posterior draws per chain (default 1000)")
    p.add_argument("--tune", type=int_at_least(0), default=1000, help="NUTS tuning steps per chain (default 1000)")
    p.add_argument("--chains", type=int_at_least(1), default=4, help="chains (default 4)")
    p.add_argument("--sampler", default="auto", choices=("auto", "nutpie", "pymc", "laplace-is"),
                   help="auto: laplace-is when PSIS finds it clearly reliable (k̂ well below 0.5, >= 400 "
                        "effective draws), else nutpie (default)")
    p.add_argument("--no-pointwise", action="store_true",
                   help="keep only the summed log-likelihood per draw, not one value per row "
                        "(by default per row when that takes at most 512 MiB)")
    p.add_argument("--hdi-prob", type=probability, default=0.94,
                   help="probability of the highest-density interval hdi_low/hdi_high (default 0.94)")
    p.add_argument("--wide", action="store_true",
                   help="print every column of the table (default: an 80-column essential subset)")
    p.add_argument("--features", metavar="A,B,C",
                   help="coefficients for densities.png, comma-separated (default: the 6 whose MAP sits furthest "
                        "from the posterior, MAP outside the HDI first)")
    p.add_argument("--out", default="out", help="output folder (default ./out)")
    p.add_argument("--report", action=argparse.BooleanOptionalAction, default=True,
                   help="write report.html to --out: the model, diagnostics in words, the sortable table and the "
                        "figures on one self-contained page (default: on; --no-report skips it)")
    add_scheduler_argument(p)
    p.set_defaults(func=cmd_compare)
    return p
