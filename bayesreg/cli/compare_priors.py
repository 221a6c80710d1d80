"""``bayesreg compare-priors``: the same data under several prior families, side by side.

    bayesreg compare-priors [DATA.csv --target COL] --priors gaussian:1 laplace:2 [--draws N] [--out DIR]

A prior is written ``KIND[:VALUES]``: the kind is a prior's class name in any
case, dashes ignored (``gaussian``, ``laplace``, ``elastic-net``, …), and the
values are its parameters in order (``elastic-net:2,1`` is λ1 = 2, λ2 = 1) or by
name (``elastic-net:lam1=2,lam2=1``).  Prints, per coefficient and prior, the MAP
and the posterior median with its HDI, and writes ``prior_families.png`` and
``prior_families.csv`` to ``--out``.
"""

from __future__ import annotations

import argparse
import inspect
import warnings
from typing import TYPE_CHECKING

from .data import estimator_input
from .tables import ARVIZ_DEFAULT
from .common import (flag_message, check_target, CLIError, PRIORS, SEED, add_data_arguments, add_model_arguments, check_feature_names,
                     check_output_folder, check_tune_option, int_at_least, load_data, make_estimator, probability,
                     progress_printer)

if TYPE_CHECKING:  # the priors load with the first spec parsed, not with the CLI's parser
    from ..priors import Prior

__all__ = ["add_parser", "cmd_compare_priors", "parse_prior_spec", "prior_kinds"]

DEFAULT_PRIORS = ("gaussian:1", "laplace:2", "cauchy:1", "regularized-horseshoe:0.05")


def _key(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


def prior_kinds() -> dict[str, type]:
    """The priors a spec may name: every registered Prior class with a PyMC form, by normalized name."""
    from ..priors import Prior

    return {_key(name): cls for name, cls in Prior.registry.items() if cls.to_pymc is not Prior.to_pymc}


def parse_prior_spec(spec: str) -> Prior:
    """``KIND[:V1,V2,…]`` or ``KIND:name=value,…`` → the prior; a CLIError naming the spec otherwise."""
    kind, _, values = str(spec).partition(":")
    kinds = prior_kinds()
    cls = kinds.get(_key(kind.strip()))
    if cls is None:
        raise CLIError(f"--priors {spec!r}: unknown prior kind {kind!r}; known kinds are {sorted(kinds)}")
    # numbers go in order; switches (a bool default, e.g. noise_scaled) only by name: noise_scaled=true
    params = [p for p in inspect.signature(cls).parameters.values()
              if p.kind is p.POSITIONAL_OR_KEYWORD and not isinstance(p.default, bool)]
    args, kwargs = [], {}
    for item in filter(None, (v.strip() for v in values.split(","))):
        name, eq, text = item.rpartition("=") if "=" in item else ("", "", item)
        try:
            value = {"true": True, "false": False}.get(text.strip().lower()) if eq else None
            value = float(text) if value is None else value
        except ValueError:
            raise CLIError(f"--priors {spec!r}: {text!r} is not a number") from None
        if eq:
            kwargs[name.strip()] = value
        else:
            args.append(value)
    if len(args) > len(params):
        raise CLIError(f"--priors {spec!r}: {cls.__name__} takes at most {len(params)} values "
                       f"({', '.join(p.name for p in params)}), got {len(args)}")
    try:
        return cls(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        raise CLIError(f"--priors {spec!r}: {exc}") from None


def _cell(block, row) -> str:
    return f"{block.loc[row, 'median']:.3g} [{block.loc[row, 'hdi_low']:.3g}, {block.loc[row, 'hdi_high']:.3g}]"


def cmd_compare_priors(args) -> int:
    import arviz_base  # noqa: F401  (first: why in cli/compare.py's cmd_compare)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from .. import plots
    from ..sensitivity import compare_priors

    check_tune_option(args.tune, args.sampler)
    out = check_output_folder(args.out)
    priors = {}
    for spec in args.priors:
        if spec in priors:
            raise CLIError(f"--priors: {spec!r} is given twice")
        priors[spec] = parse_prior_spec(spec)
    data = load_data(args)
    check_feature_names(data)
    est = make_estimator(args, next(iter(priors.values())))
    check_target(args, data)
    X = estimator_input(data)
    print(f"data: {data.description}")
    for label, prior in priors.items():
        print(f"  {label:<24} {prior.describe()}")
    print(f"\nsampling {len(priors)} posteriors ({args.sampler}, {args.chains} chains × {args.draws} draws)…",
          flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = compare_priors(est, X, data.y, priors, draws=args.draws, tune=args.tune, chains=args.chains,
                                random_seed=args.seed, sampler=args.sampler, prob=args.hdi_prob, true_coef=data.coef,
                                true_intercept=data.intercept, progress=progress_printer("priors"))
    for w in caught:
        if issubclass(w.category, UserWarning):
            print(f"warning: {flag_message(w.message)}")
    table = result.table
    print()
    for label, meta in table.attrs["priors"].items():
        print(f"{label}: sampler {meta['sampler']}, {meta['divergences']} divergences; MAP {meta['map']}")
    prob = table.attrs["prob"]
    cells = {}
    for label in table.attrs["labels"]:
        block = table[label]
        has_map = block["map"].notna().any()
        cells[(label, "MAP")] = [f"{v + 0.0:.3g}" if has_map else "—" for v in block["map"]]
        cells[(label, f"median [{prob:.0%} HDI]")] = [_cell(block, r) for r in table.index]
    shown = pd.DataFrame(cells, index=table.index)
    if ("true", "") in table.columns:
        shown.insert(0, ("", "true"), [f"{v:.3g}" for v in table[("true", "")]])
    print()
    with pd.option_context("display.max_rows", 200, "display.width", 250):
        print(shown.to_string())
    print(f"median [{prob:.0%} HDI]: the posterior median and the {prob:.0%} highest-density interval (--hdi-prob; "
          f"ArviZ 1.x's az.summary shows {ARVIZ_DEFAULT} by default); MAP: the posterior's mode, — where the prior "
          f"has none")
    out.mkdir(parents=True, exist_ok=True)
    ax = plots.plot_prior_families(result)
    ax.figure.savefig(out / "prior_families.png", dpi=110, bbox_inches="tight")
    plt.close(ax.figure)
    flat = table.copy()
    flat.columns = [f"{a}/{b}" if b else a for a, b in flat.columns]
    flat.to_csv(out / "prior_families.csv")
    print(f"\nwrote prior_families.png and prior_families.csv to {out}/")
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``compare-priors`` sub-command to an argparse ``add_subparsers()`` object; returns its parser."""
    kinds = ", ".join(sorted({_key(kind) for kind in PRIORS}))  # the built-in kinds, without importing the priors
    p = subparsers.add_parser(
        "compare-priors", help="the same data under several prior families: MAP and posterior side by side",
        description="Fit the MAP (where the prior has one) and sample the posterior under each prior, and show them "
                    "side by side per coefficient.",
        epilog="examples:\n"
               "  bayesreg compare-priors --draws 500\n"
               "  bayesreg compare-priors --priors gaussian:1 laplace:2 studentt:3,1 horseshoe:0.05\n"
               "  bayesreg compare-priors cancer.csv --target diagnosis --standardize --priors gaussian:1 laplace:1 "
               "elastic-net:1,1\n\n"
               f"prior kinds: {kinds}",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arguments(p)
    p.add_argument("--priors", nargs="+", default=list(DEFAULT_PRIORS), metavar="KIND[:VALUES]",
                   help=f"the priors to compare, e.g. gaussian:1 laplace:2 (values are the prior's parameters in "
                        f"order, or name=value); default {' '.join(DEFAULT_PRIORS)}")
    add_model_arguments(p)
    p.add_argument("--seed", type=SEED, default=0, help="seed for the generated data and the samplers")
    p.add_argument("--draws", type=int_at_least(1), default=1000, help="posterior draws per chain (default 1000)")
    p.add_argument("--tune", type=int_at_least(0), default=1000, help="NUTS tuning steps per chain (default 1000)")
    p.add_argument("--chains", type=int_at_least(1), default=4, help="chains (default 4)")
    p.add_argument("--sampler", default="auto", choices=("auto", "nutpie", "pymc", "laplace-is"),
                   help="auto: laplace-is when PSIS finds it clearly reliable (k̂ well below 0.5, >= 400 "
                        "effective draws), else nutpie (default)")
    p.add_argument("--hdi-prob", type=probability, default=0.94,
                   help="probability of the highest-density interval shown next to each median (default 0.94; "
                        "ArviZ 1.x's az.summary shows an 89%% equal-tailed interval by default)")
    p.add_argument("--out", default="out", help="output folder (default ./out)")
    p.set_defaults(func=cmd_compare_priors)
    return p
