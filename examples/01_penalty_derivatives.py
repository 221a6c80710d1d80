"""The one-weight picture: why L1 gives exact zeros and L2 only small weights.

Gradient descent on the penalty alone, starting from w = 1:

* L2, (λ/2)w²: the derivative λw shrinks with w, so each step removes a fixed
  *fraction*: w_t = (1 − ηλ)^t · w_0.  It gets small and never reaches zero.
* L1, λ|w|: the derivative λ·sign(w) has constant size, so w moves toward zero
  at constant *speed* ηλ per step.  The plain subgradient loop (the lecture's)
  then overshoots and hovers within ηλ of zero — it never lands on it.
* The proximal step (soft-thresholding, what ISTA/FISTA use) lands exactly on
  zero and stays there.

Run:  python examples/01_penalty_derivatives.py [--quick] [--out DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_args, save  # noqa: E402

from bayesreg import Gaussian, Laplace  # noqa: E402


def run(n_steps: int, lam: float = 1.0, learning_rate: float = 0.03, w0: float = 1.0) -> dict:
    """Trajectories of w under GD on each penalty alone, and under the L1 proximal step."""
    l2, l1 = Gaussian(lam), Laplace(lam)
    w_l2 = [w0]
    w_sub = [w0]
    w_prox = [w0]
    for _ in range(n_steps):
        w_l2.append(w_l2[-1] - learning_rate * l2.gradient(np.array([w_l2[-1]]))[0])
        w_sub.append(w_sub[-1] - learning_rate * l1.gradient(np.array([w_sub[-1]]))[0])  # sign(0) = 0
        w_prox.append(l1.prox(np.array([w_prox[-1]]), learning_rate)[0])
    return {"l2": np.array(w_l2), "subgradient": np.array(w_sub), "prox": np.array(w_prox),
            "lam": lam, "learning_rate": learning_rate}


def plot(res: dict, out: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    lam, lr = res["lam"], res["learning_rate"]
    w = np.linspace(-1.5, 1.5, 601)
    fig, axes = plt.subplots(1, 3, figsize=(14, 5), layout="constrained")
    ax = axes[0]
    ax.plot(w, 0.5 * lam * w**2, label="L2 penalty (λ/2)w²")
    ax.plot(w, lam * np.abs(w), label="L1 penalty λ|w|")
    ax.plot(w, lam * w, "--", label="L2 derivative λw → 0 near 0")
    ax.plot(w, lam * np.sign(w), "--", label="L1 derivative λ·sign(w): constant size")
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlabel="w", title=f"penalties and their derivatives (λ = {lam:g})")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14))  # below: the curves fill the axes
    ax = axes[1]
    t = np.arange(len(res["l2"]))
    ax.plot(t, res["l2"], label="L2: w_t = (1−ηλ)^t w₀, small but ≠ 0")
    ax.plot(t, res["subgradient"], label="L1, subgradient loop: constant speed, then hovers")
    ax.plot(t, res["prox"], ":", lw=2, label="L1, proximal step: lands on 0")
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlabel="iteration", ylabel="w", title=f"gradient descent on the penalty alone (η = {lr:g})")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14))  # below: the curves fill the axes
    ax = axes[2]
    tail = slice(max(0, len(t) - 40), None)
    band = lr * lam
    ax.axhspan(-band, band, color="C1", alpha=0.15, label=f"±ηλ = ±{band:g}")
    ax.plot(t[tail], res["subgradient"][tail], "o-", color="C1", label="subgradient loop")
    ax.plot(t[tail], res["prox"][tail], "s", color="C2", label="proximal step (exactly 0)")
    ax.plot(t[tail], res["l2"][tail], color="C0", label="L2")
    ax.set(xlabel="iteration", title="zoom: the last 40 steps")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14))  # below: the curves fill the axes
    return [save(fig, out, "01_penalty_derivatives.png")]


def main(argv=None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv)
    res = run(n_steps=60 if args.quick else 200)
    files = plot(res, args.out)
    summary = {
        "l2_final": float(res["l2"][-1]),
        "subgradient_final": float(res["subgradient"][-1]),
        "subgradient_max_tail": float(np.abs(res["subgradient"][-10:]).max()),
        "prox_final": float(res["prox"][-1]),
        "band": res["learning_rate"] * res["lam"],
        "files": files,
    }
    print(f"after {len(res['l2']) - 1} steps from w = 1 (λ = {res['lam']:g}, η = {res['learning_rate']:g}):")
    print(f"  L2 gradient descent: w = {summary['l2_final']:.3g}  (small, never exactly 0)")
    print(f"  L1 subgradient loop: w = {summary['subgradient_final']:+.3g}  "
          f"(hovers within ηλ = {summary['band']:g} of 0)")
    print(f"  L1 proximal step:    w = {summary['prox_final']:g}  (exactly 0)")
    print(f"figure: {files[0]}")
    return summary


if __name__ == "__main__":
    main()
