"""The Laplace (L1, lasso) prior (λ/2)·exp(−λ|w|): penalty λ·‖w‖₁, scale b = 1/λ."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import Prior, check_strength, fmt

__all__ = ["Laplace", "soft_threshold"]


def soft_threshold(v, t) -> np.ndarray:
    """sign(v)·max(|v| − t, 0): the prox of t·|w|, which lands exactly on zero."""
    v = np.asarray(v, dtype=float)
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


@dataclass(frozen=True, eq=False)
class Laplace(Prior):
    """Laplace (L1, lasso) prior (λ/2)·exp(−λ|w|): penalty λ·‖w‖₁, scale b = 1/λ."""

    lam: float = 1.0
    smooth = False
    scale_family = True

    def __post_init__(self):
        object.__setattr__(self, "lam", check_strength(self.lam, "lam", positive=True))

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
    def precision(self) -> float:
        return self.lam

    @property
    def scale(self) -> float:
        return 1.0 / self.lam

    @property
    def variance(self) -> float:
        return 2.0 / self.lam**2

    def describe(self) -> str:
        return (f"Laplace prior (λ/2)·exp(−λ|w|): λ = {fmt(self.lam)} ⇔ "
                f"scale 1/λ = {fmt(self.scale)} (sd {fmt(self.sd)})")

    def params(self) -> dict[str, float]:
        return {"lam": self.lam}

    def scale_power(self) -> tuple[float, str]:
        return 1.0, "prior scale 1/λ"

    def strength_meaning(self) -> str:
        return "rate: prior scale 1/λ"

    def to_pymc(self, name: str, *, dims=None, strength=None):
        import pymc as pm

        lam = self.pymc_data(name)["lam"] if strength is None else strength
        return pm.Laplace(name, mu=0.0, b=1.0 / lam, dims=dims)

    def structure_key(self) -> tuple:
        return ("Laplace",)

    def canonical_key(self) -> tuple:
        return ("Laplace", self.lam)

    def __repr__(self):
        return f"Laplace(lam={self.lam!r})"
