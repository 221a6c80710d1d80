"""The Gaussian (L2, ridge) prior N(0, 1/λ): penalty (λ/2)·‖w‖², λ the precision.

``noise_scaled=True``: w | σ ~ N(0, σ²/λ) (the conjugate ridge of a linear model), i.e.
precision λ/σ² at the noise sd σ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import LOG_2PI, OneStrengthPrior, ScaleLaw, fmt

__all__ = ["Gaussian"]


@dataclass(frozen=True, eq=False, repr=False)
class Gaussian(OneStrengthPrior):
    """Gaussian (L2, ridge) prior N(0, 1/λ): penalty (λ/2)·‖w‖², λ = precision."""

    noise_scaled: bool = False
    quadratic = True
    scale_law = ScaleLaw(0.5, "prior sd 1/√λ", "precision: prior variance 1/λ, sd 1/√λ")

    def penalty(self, w) -> float:
        w = np.asarray(w, dtype=float)
        return 0.5 * self.lam * float(w @ w)

    def gradient(self, w) -> np.ndarray:
        return self.lam * np.asarray(w, dtype=float)

    def prox(self, v, step: float) -> np.ndarray:
        return np.asarray(v, dtype=float) / (1.0 + step * self.lam)

    def curvature(self) -> float:
        return self.lam

    def logpdf(self, w) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        return 0.5 * (math.log(self.lam) - LOG_2PI) - 0.5 * self.lam * w * w

    @property
    def variance(self) -> float:
        return 1.0 / self.lam

    def __repr__(self) -> str:
        return self.params_repr()

    def describe(self) -> str:
        return (f"Gaussian prior N(0, 1/λ): precision λ = {fmt(self.lam)} ⇔ "
                f"variance {fmt(self.variance)} (sd {fmt(self.sd)})"
                f"{self.noise_scale_note()}")

    def to_pymc(self, name: str, *, dims=None, strength=None):
        import pymc as pm
        import pytensor.tensor as pt

        lam = self.pymc_strength(name, strength)
        return pm.Normal(name, mu=0.0, sigma=1.0 / pt.sqrt(lam), dims=dims)
