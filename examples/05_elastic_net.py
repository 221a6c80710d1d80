"""Elastic net: both penalties at once, and the path from ridge to lasso.

The elastic-net prior ∝ exp(−λ1|w| − λ2·w²/2) has penalty
λ1‖w‖₁ + (λ2/2)‖w‖².  Holding the total strength λ fixed and moving the mix
α from 0 to 1 (λ1 = αλ, λ2 = (1 − α)λ) walks from the ridge (Gaussian prior,
no zeros) to the lasso (Laplace prior, many exact zeros).  The lecture calls
this "adding both fines"; as a prior it is one density, and its variance
(computed exactly, beside each mix) shows how wide it is.

Run:  python examples/05_elastic_net.py [--quick] [--out DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_args, save  # noqa: E402

from bayesreg import ElasticNet, LogisticRegression  # noqa: E402
from bayesreg.datasets import make_lecture_wide  # noqa: E402


def mix_path(data, lam: float, mixes: np.ndarray) -> np.ndarray:
    """MAP weights for each mix α (rows), warm-started along the path."""
    est = LogisticRegression(prior=ElasticNet(lam * mixes[0], lam * (1 - mixes[0])), warm_start=True, solver="newton")
    coefs = []
    for a in mixes:
        est.set_params(prior=ElasticNet(lam * a, lam * (1 - a)))
        coefs.append(est.fit(data.X, data.y).coef_.copy())
    return np.array(coefs)


def plot(mixes, coefs, lam, data, out: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
    ax = axes[0]
    for j in range(coefs.shape[1]):
        ax.plot(mixes, coefs[:, j], color="C3" if data.coef[j] != 0 else "0.6", lw=2 if data.coef[j] != 0 else 0.8)
    ax.set(xlabel="mix α  (0 = ridge, 1 = lasso)", ylabel="MAP weight",
           title=f"ridge → lasso at total λ = {lam:g} (red: true non-zero)")
    ax = axes[1]
    ax.plot(mixes, (coefs == 0).sum(axis=1), "o-")
    ax.set(xlabel="mix α", ylabel="weights exactly 0", title="sparsity appears as soon as λ1 > 0")
    ax = axes[2]
    w = np.linspace(-3, 3, 601)
    for a in [0.0, 0.5, 1.0]:
        prior = ElasticNet(lam * a, lam * (1 - a)).simplest()
        ax.plot(w, np.exp(prior.logpdf(w)), label=f"α = {a:g}: {type(prior).__name__}, variance {prior.variance:.3g}")
    ax.set(xlabel="w", title="the prior densities")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)  # the peaks fill the top
    return [save(fig, out, "05_elastic_net.png")]


def main(argv=None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv)
    data = make_lecture_wide(seed=args.seed)
    lam = 2.0
    mixes = np.linspace(0.0, 1.0, 6 if args.quick else 21)
    coefs = mix_path(data, lam, mixes)
    files = plot(mixes, coefs, lam, data, args.out)
    zeros = (coefs == 0).sum(axis=1)
    for a, z in zip(mixes, zeros):
        print(f"α = {a:.2f}: λ1 = {lam * a:.2f}, λ2 = {lam * (1 - a):.2f} → {z} of {coefs.shape[1]} weights exactly 0")
    print(f"figure: {files[0]}")
    return {"mixes": mixes, "coefs": coefs, "zeros": zeros, "files": files}


if __name__ == "__main__":
    main()
