"""Park & Casella's Bayesian lasso on the diabetes data: posterior medians and 95% intervals vs the MAP.

Park & Casella (2008, JASA 103:681) put a Laplace prior whose scale is
multiplied by the noise sd σ on the weights of a linear regression,

    y | β, σ ~ N(μ + Xβ, σ²),   β_j | σ ~ (λ/2σ)·exp(−λ|β_j|/σ),   p(σ²) ∝ 1/σ²,   μ flat,

so the posterior is unimodal; on scikit-learn's diabetes data (442 patients, 10
columns already centred and scaled, y as is) with λ = 0.237 (their marginal
maximum-likelihood choice) they plot the posterior medians with 95% intervals per
coefficient next to the lasso.  Here: ``LinearRegression(prior=Laplace(0.237,
noise_scaled=True), noise_prior=Jeffreys())`` (p(σ) ∝ 1/σ is p(σ²) ∝ 1/σ²), the MAP
by our solver and the posterior by NUTS (nutpie).

Run:  python examples/09_bayesian_lasso.py [--quick] [--out DIR]
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_args, save  # noqa: E402

from bayesreg import Jeffreys, Laplace, LinearRegression  # noqa: E402

LAM = 0.237


def main(argv=None) -> dict:
    import matplotlib.pyplot as plt
    import pandas as pd
    from sklearn.datasets import load_diabetes

    args = parse_args(__doc__.splitlines()[0], argv)
    d = load_diabetes()
    X = pd.DataFrame(d.data, columns=d.feature_names)
    y = d.target
    est = LinearRegression(prior=Laplace(LAM, noise_scaled=True), noise_prior=Jeffreys()).fit(X, y)
    draws = 500 if args.quick else 2500
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        post = est.sample_posterior(X, y, draws=draws, tune=draws, chains=2 if args.quick else 4,
                                    random_seed=args.seed, sampler="nutpie")
    coef = post.posterior["coef"].stack(sample=("chain", "draw")).transpose("sample", "feature").values
    sigma = post.posterior["sigma"].values.ravel()
    median = np.median(coef, axis=0)
    low, high = np.quantile(coef, [0.025, 0.975], axis=0)
    table = pd.DataFrame({"map": est.coef_ + 0.0, "median": median, "q2.5%": low, "q97.5%": high},
                         index=d.feature_names)

    fig, ax = plt.subplots(figsize=(7, 5))
    pos = np.arange(len(d.feature_names))
    ax.hlines(pos, low, high, color="0.3", lw=1.5, label="95% posterior interval")
    ax.plot(median, pos, "o", color="k", label="posterior median")
    ax.plot(est.coef_, pos, "x", color="C3", ms=8, mew=2, label="MAP (zeros exact)")
    ax.axvline(0.0, color="0.7", lw=0.8)
    ax.set_yticks(pos, d.feature_names)
    ax.invert_yaxis()
    ax.set_xlabel("coefficient")
    ax.set_title(f"Bayesian lasso (Park & Casella), diabetes, λ = {LAM}\n"
                 f"w | σ ~ Laplace(rate λ/σ), p(σ) ∝ 1/σ; posterior median σ = {np.median(sigma):.1f}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    files = [save(fig, args.out, "09_bayesian_lasso.png")]

    with pd.option_context("display.width", 120, "display.float_format", "{:.1f}".format):
        print(table.to_string())
    print(f"σ: MAP {est.noise_sd_:.2f}, posterior median {np.median(sigma):.2f} "
          f"(95% interval {np.quantile(sigma, 0.025):.2f} … {np.quantile(sigma, 0.975):.2f})")
    print(f"{est.map_.n_zero} of {len(d.feature_names)} MAP weights are exactly 0; no posterior median is.")
    for w in caught:
        print(f"note: {w.message}")
    print(f"figure: {files[0]}")
    return {"table": table, "coef": coef, "sigma": sigma, "est": est, "X": X, "y": y, "files": files}


if __name__ == "__main__":
    main()
