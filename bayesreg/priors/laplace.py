"""The Laplace (L1, lasso) prior (λ/2)·exp(−λ|w|): penalty λ·‖w‖₁, scale b = 1/λ.

``noise_scaled=True``: w | σ ~ (λ/2σ)·exp(−λ|w|/σ), rate λ/σ at the noise sd σ — Park &
Casella's (2008) Bayesian lasso, whose posterior is unimodal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import OneStrengthPrior, ScaleLaw, fmt

__all__ = ["Laplace", "soft_threshold"]


def soft_threshold(v, t) -> np.ndarray:
    """sign(v)·max(|v| − t, 0): the prox of t·|w|, which lands exactly on zero (+0.0, never −0.0)."""
    v = np.asarray(v, dtype=float)
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0) + 0.0


@dataclass(frozen=True, eq=False, repr=False)
class Laplace(OneStrengthPrior):
    """Laplace (L1, lasso) prior (λ/2)·exp(−λ|w|): penalty λ·‖w‖₁, scale b = 1/λ."""

    noise_scaled: bool = False
    scale_law = ScaleLaw(1.0, "prior scale 1/λ", "rate: prior scale 1/λ")
    exact_curvature = True  # the smooth part is 0: curvature 0 is exact

    def penalty(self, w) -> float:
        return self.lam * float(np.abs(np.asarray(w, dtype=float)).sum())

    def gradient(self, w) -> np.ndarray:
        return self.lam * np.sign(np.asarray(w, dtype=float))  # sign(0) = 0

    def prox(self, v, step: float) -> np.ndarray:
        return soft_threshold(v, step * self.lam)

    def l1(self) -> float:
        return self.lam

    def logpdf(self, w) -> np.ndarray:
        return math.log(0.5 * self.lam) - self.lam * np.abs(np.asarray(w, dtype=float))

    @property
    def scale(self) -> float:
        return 1.0 / self.lam

    @property
    def variance(self) -> float:
        return 2.0 / self.lam**2

    def __repr__(self) -> str:
        return self.params_repr()

    def describe(self) -> str:
        return (f"Laplace prior (λ/2)·exp(−λ|w|): λ = {fmt(self.lam)} ⇔ "
                f"scale 1/λ = {fmt(self.scale)} (sd {fmt(self.sd)})"
                f"{self.noise_scale_note()}")

    def to_pymc(self, name: str, *, dims=None, strength=None):
        import pymc as pm

        lam = self.pymc_strength(name, strength)
        return pm.Laplace(name, mu=0.0, b=1.0 / lam, dims=dims)
