"""L2 on two Gaussian clouds: the Bayes classifier, separation, and the prior's variance.

Two unit-variance clouds centred at (2, 2) (y = 1) and (−2, −2) (y = 0).  The
log-odds of the true generating model is 4x₁ + 4x₂, so the Bayes classifier
has weights (bias, w₁, w₂) = (0, 4, 4) and decision line x₂ = −x₁.

The lecture blurs two different facts, shown here apart:

* For **one point** (1, 1) with y = 1 the cost −log σ(w·x) keeps falling as w
  grows: σ(8) ≈ 0.99966 for w = (0, 4, 4), better than w = (0, 1, 1), worse
  than w = (0, 10, 10).  A single point always prefers larger weights.
* For the **whole sample** that is not so: on an *overlapping* sample the
  unregularized MLE is finite and near (0, 4, 4); only on a *separable* sample
  do the weights run off to infinity — the lecture's "(0, ∞, ∞)" (bayesreg
  detects that and refuses a flat prior).

A Gaussian prior with λ = 0.1 (variance 1/λ = 10, sd 3.16) keeps the weights
finite either way; its density is drawn beside the weights.

Run:  python examples/04_l2_gaussian_clouds.py [--quick] [--out DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_args, save  # noqa: E402

from bayesreg import Flat, Gaussian, LogisticRegression, SeparationError  # noqa: E402
from bayesreg.datasets import make_gaussian_clouds  # noqa: E402
from bayesreg.likelihoods import log1pexp  # noqa: E402


def one_point_costs() -> dict:
    """−log σ(w·x) at x = (1, 1, 1) (bias first), y = 1, for three weight vectors."""
    x = np.array([1.0, 1.0, 1.0])
    return {w: float(log1pexp(-(np.array(w) @ x))) for w in [(0, 1, 1), (0, 4, 4), (0, 10, 10)]}


def fit_both(data, lam: float) -> dict:
    """MLE (flat prior) and MAP (Gaussian(λ)); the MLE is None when the sample is separable."""
    out = {}
    try:
        mle = LogisticRegression(prior=Flat(), solver="newton").fit(data.X, data.y)
        out["mle"] = np.r_[mle.intercept_, mle.coef_]
    except SeparationError as exc:
        out["mle"] = None
        out["separation"] = str(exc)
    map_ = LogisticRegression(prior=Gaussian(lam), solver="newton").fit(data.X, data.y)
    out["map"] = np.r_[map_.intercept_, map_.coef_]
    return out


def plot(samples: dict, fits: dict, lam: float, out: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 5.8), layout="constrained")
    below = dict(loc="upper center", bbox_to_anchor=(0.5, -0.13))  # legends under the panels: lines fill the axes
    for ax, (name, data) in zip(axes[:2], samples.items()):
        f = fits[name]
        ax.scatter(*data.X[data.y == 1].T, s=12, label="y = 1")
        ax.scatter(*data.X[data.y == 0].T, s=12, label="y = 0")
        xs = np.linspace(-5, 5, 10)
        ax.plot(xs, -xs, "k-", lw=2, label="Bayes classifier x₂ = −x₁ (w = 0, 4, 4)")
        for key, style, label in [("mle", "--", "flat prior (MLE)"), ("map", ":", f"Gaussian prior λ = {lam:g}")]:
            w = f[key]
            if w is not None and abs(w[2]) > 1e-12:
                ax.plot(xs, -(w[0] + w[1] * xs) / w[2], style, lw=2, label=f"{label}: w = {np.round(w, 2)}")
        if f["mle"] is None:
            ax.plot([], [], " ", label="separable: MLE weights → ∞ (the lecture's (0, ∞, ∞))")
        ax.set(xlim=(-5, 5), ylim=(-5, 5), xlabel="x₁", ylabel="x₂", title=f"{name} sample")
        ax.legend(fontsize=8, **below)
    ax = axes[2]
    prior = Gaussian(lam)
    grid = np.linspace(-12, 12, 400)
    ax.plot(grid, np.exp(prior.logpdf(grid)), label=f"prior N(0, 1/λ): λ = {lam:g}, variance {prior.variance:g}")
    for name, f in fits.items():
        for j, w in enumerate(f["map"][1:], start=1):
            ax.axvline(w, ls=":", color="C1" if name == "separable" else "C2",
                       label=f"MAP weights, {name} sample" if j == 1 else None)
    ax.axvline(4, color="k", label="Bayes weight 4")
    ax.set(xlabel="weight", title="prior density; MAP weights of both samples (dotted)")
    ax.legend(fontsize=8, **below)
    return [save(fig, out, "04_l2_gaussian_clouds.png")]


def main(argv=None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv)
    lam = 0.1
    n = 30 if args.quick else 100
    samples = {"overlapping": make_gaussian_clouds(n, seed=args.seed, centre=1.0),
               "separable": make_gaussian_clouds(n, seed=args.seed, centre=3.0)}
    # centre 1 gives Bayes weights (0, 2, 2); rescale X so the model's truth stays (0, 4, 4)
    samples["overlapping"].X = samples["overlapping"].X * 0.5
    fits = {name: fit_both(data, lam) for name, data in samples.items()}
    costs = one_point_costs()
    files = plot(samples, fits, lam, args.out)
    print("one point x = (1, 1), y = 1: cost −log σ(w·x)")
    for w, c in costs.items():
        print(f"  w = {w}: σ = {np.exp(-c):.10g}, cost {c:.3g}")
    for name, f in fits.items():
        mle = "does not exist (separable; weights → ∞)" if f["mle"] is None else np.round(f["mle"], 3)
        print(f"{name} sample: MLE {mle}; MAP with Gaussian(λ={lam:g}) {np.round(f['map'], 3)}")
    print(f"figure: {files[0]}")
    return {"costs": costs, "fits": fits, "files": files}


if __name__ == "__main__":
    main()
