"""Contours: the L1 diamond, the L2 circle, and where the posterior mass really is.

Left: level sets of the negative log priors — |w₁| + |w₂| (L1, a diamond),
(w₁² + w₂²)/2 (L2, a circle) and the elastic net between them.
Middle: a two-weight logistic problem.  The MAP minimizes
nll + penalty, so it sits where a likelihood contour touches a level set of
the penalty; with L1 that is often a *corner* of the diamond — a weight
exactly 0.
Right: the posterior density exp(−U) of the same model on a grid.  Its mass
is not on the corner: the posterior mean of the zeroed weight is not 0, and
only part of its mass lies near 0.  The MAP is one point of this picture, not
its summary.

Run:  python examples/02_prior_contours.py [--quick] [--out DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_args, save  # noqa: E402

from bayesreg import Flat, Laplace, LogisticRegression  # noqa: E402
from bayesreg.likelihoods import Bernoulli  # noqa: E402


def make_data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    X[:, 1] = 0.6 * X[:, 0] + 0.8 * X[:, 1]  # correlated features
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ np.array([1.5, 0.3]))))).astype(float)
    return X, y


def corner_lambda(X, y, lams) -> tuple[float, np.ndarray]:
    """The smallest λ on the grid whose L1 MAP has exactly one weight at 0."""
    for lam in lams:
        w = LogisticRegression(prior=Laplace(lam), fit_intercept=False, solver="newton").fit(X, y).coef_
        if np.count_nonzero(w == 0) == 1:
            return float(lam), w
    raise RuntimeError("no λ on the grid puts the MAP on a corner")


def posterior_grid(X, y, lam, grid):
    """Normalized posterior density exp(−U) of (w₁, w₂) on a square grid."""
    W1, W2 = np.meshgrid(grid, grid, indexing="xy")
    W = np.stack([W1.ravel(), W2.ravel()], axis=1)
    eta = W @ X.T
    U = -Bernoulli().loglik_rows(y, eta).sum(axis=1) + lam * np.abs(W).sum(axis=1)
    dens = np.exp(-(U - U.min())).reshape(W1.shape)
    cell = (grid[1] - grid[0]) ** 2
    return W1, W2, dens / (dens.sum() * cell), U.reshape(W1.shape)


def main(argv=None) -> dict:
    import matplotlib.pyplot as plt

    args = parse_args(__doc__.splitlines()[0], argv)
    X, y = make_data(40, args.seed)
    lam, w_map = corner_lambda(X, y, np.linspace(0.5, 30, 60))
    mle = LogisticRegression(prior=Flat(), fit_intercept=False, solver="newton").fit(X, y).coef_
    grid = np.linspace(-1.0, 2.5, 121 if args.quick else 281)
    W1, W2, dens, U = posterior_grid(X, y, lam, grid)
    cell = (grid[1] - grid[0]) ** 2
    mean = np.array([(W1 * dens).sum() * cell, (W2 * dens).sum() * cell])
    zero = int(np.flatnonzero(w_map == 0)[0])
    Wz = W1 if zero == 0 else W2
    eps = 0.05
    p_near_zero = float(dens[np.abs(Wz) <= eps].sum() * cell)

    fig, axes = plt.subplots(1, 3, figsize=(16, 5))
    ax = axes[0]
    g = np.linspace(-2, 2, 201)
    A, B = np.meshgrid(g, g)
    for Z, color, label in [(np.abs(A) + np.abs(B), "C0", "L1: |w₁|+|w₂|"), ((A**2 + B**2) / 2, "C1", "L2: ‖w‖²/2"),
                            (0.5 * (np.abs(A) + np.abs(B)) + 0.25 * (A**2 + B**2), "C2", "elastic net")]:
        ax.contour(A, B, Z, levels=[0.5, 1.0, 1.5], colors=color)
        ax.plot([], [], color=color, label=label)
    ax.set(aspect="equal", xlabel="w₁", ylabel="w₂", title="negative log priors")
    ax.legend(fontsize=8)
    ax = axes[1]
    nll = U - lam * (np.abs(W1) + np.abs(W2))
    ax.contour(W1, W2, nll, levels=np.quantile(nll, [0.01, 0.03, 0.08, 0.2]), colors="0.4")
    r = np.abs(w_map).sum()
    ax.plot([r, 0, -r, 0, r], [0, r, 0, -r, 0], "C0", label=f"L1 level set through the MAP (λ = {lam:.3g})")
    ax.plot(*mle, "k^", label=f"MLE {np.round(mle, 2)}")
    ax.plot(*w_map, "C3o", ms=9, label=f"L1 MAP {np.round(w_map, 2)} (on a corner)")
    ax.set(aspect="equal", xlabel="w₁", ylabel="w₂", title="likelihood contours (grey) and the diamond")
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.contourf(W1, W2, dens, levels=12, cmap="Blues")
    ax.plot(*w_map, "C3o", ms=9, label="MAP (mode)")
    ax.plot(*mean, "k*", ms=12, label=f"posterior mean {np.round(mean, 2)}")
    ax.set(aspect="equal", xlabel="w₁", ylabel="w₂",
           title=f"posterior: P(|w{zero + 1}| ≤ {eps}) = {p_near_zero:.2f}")
    ax.legend(fontsize=8)
    files = [save(fig, args.out, "02_prior_contours.png")]
    print(f"λ = {lam:.3g} (Laplace scale {1 / lam:.3g}) puts the L1 MAP on a corner: w = {w_map}")
    print(f"posterior mean {mean}; the zeroed weight w{zero + 1} has posterior mean {mean[zero]:.3g}, "
          f"P(|w{zero + 1}| ≤ {eps}) = {p_near_zero:.2f}")
    print(f"figure: {files[0]}")
    return {"lam": lam, "map": w_map, "mle": mle, "mean": mean, "zero_index": zero,
            "p_near_zero": p_near_zero, "X": X, "y": y, "files": files}


if __name__ == "__main__":
    main()
