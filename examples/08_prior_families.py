"""Prior families on a sparse problem: Gaussian vs Laplace vs Cauchy vs horseshoe.

A linear model with D = 20 features of which 3 matter (noise sd σ = 1, known),
N = 60 rows.  The same data under four priors, each at a comparable scale:

* ``Gaussian(1)``: ridge; every MAP weight is non-zero, all shrunk alike;
* ``Laplace(√2)``: lasso with the same prior sd (1); its MAP sets many weights
  *exactly* to 0, its posterior never does (mass near 0, not at 0);
* ``Cauchy(1)``: heavy tails — small weights are shrunk, large ones hardly;
  its penalty is not convex, so its MAP is a local mode;
* ``Horseshoe(τ₀)``: τ₀ from Piironen & Vehtari's rule for 3 expected non-zeros;
  **no MAP at all** (its density is unbounded at 0), and the posterior that
  separates signal from noise best: useless as a penalty, excellent as a prior.

Run:  python examples/08_prior_families.py [--quick] [--out DIR]
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_args, save  # noqa: E402

import bayesreg as br  # noqa: E402
from bayesreg.plots import plot_prior_families  # noqa: E402

N, D, SIGNALS = 60, 20, {0: 3.0, 1: -2.0, 2: 1.5}


def make_data(seed: int):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    w = np.zeros(D)
    for j, v in SIGNALS.items():
        w[j] = v
    y = X @ w + rng.standard_normal(N)
    return X, y, w


def main(argv=None) -> dict:
    import pandas as pd

    args = parse_args(__doc__.splitlines()[0], argv)
    X, y, w = make_data(args.seed)
    X = pd.DataFrame(X, columns=[f"x{j}" for j in range(D)])
    tau0 = br.global_scale(len(SIGNALS), D, N, sigma=1.0)
    priors = {"Gaussian(1)": br.Gaussian(1.0), "Laplace(√2)": br.Laplace(2.0**0.5), "Cauchy(1)": br.Cauchy(1.0),
              f"Horseshoe({tau0:.2g})": br.Horseshoe(tau0)}
    draws = 300 if args.quick else 1000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # per-run diagnostics are kept in the result
        result = br.compare_priors(br.LinearRegression(noise_sd=1.0), X, y, priors, draws=draws, tune=draws,
                                   chains=2, random_seed=args.seed, true_coef=w, true_intercept=0.0)
    table = result.table
    nulls = [f"x{j}" for j in range(D) if j not in SIGNALS]
    signals = [f"x{j}" for j in SIGNALS]
    null_size = {label: float(table[label].loc[nulls, "median"].abs().mean()) for label in priors}
    signal_error = {label: float((table[label].loc[signals, "median"] - w[list(SIGNALS)]).abs().mean())
                    for label in priors}
    width = {label: float((table[label]["hdi_high"] - table[label]["hdi_low"]).loc[nulls].mean()) for label in priors}

    ax = plot_prior_families(result)
    files = [save(ax.figure, args.out, "08_prior_families.png")]
    print(f"{'prior':<18}{'MAP zeros':>10}{'mean |median| nulls':>22}{'mean error signals':>21}"
          f"{'null HDI width':>16}  MAP")
    for label in priors:
        block = table[label]
        zeros = int(block["map_is_zero"].eq(True).sum())
        note = "fitted" if priors[label].has_mode else "none: the density is unbounded at 0"
        print(f"{label:<18}{zeros:>10}{null_size[label]:>22.3f}{signal_error[label]:>21.3f}{width[label]:>16.3f}"
              f"  {note}")
    return {"files": files, "result": result, "X": X.to_numpy(), "y": y, "w": w, "priors": priors,
            "null_size": null_size, "signal_error": signal_error, "null_width": width}


if __name__ == "__main__":
    main()
