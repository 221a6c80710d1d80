"""The improper flat prior p(w) ∝ 1: no penalty, so the MAP is the maximum-likelihood estimate."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import Prior

__all__ = ["Flat"]


@dataclass(frozen=True, eq=False)
class Flat(Prior):
    """Improper flat prior p(w) ∝ 1: no penalty (maximum likelihood)."""

    proper = False
    quadratic = True
    flat = True
    exact_curvature = True  # no penalty: curvature 0 is exact

    def penalty(self, w) -> float:
        return 0.0

    def gradient(self, w) -> np.ndarray:
        return np.zeros_like(np.asarray(w, dtype=float))

    def prox(self, v, step: float) -> np.ndarray:
        return np.array(v, dtype=float, copy=True)

    def logpdf(self, w) -> np.ndarray:
        return np.zeros_like(np.asarray(w, dtype=float))

    @property
    def precision(self) -> float:
        return 0.0

    @property
    def variance(self) -> float:
        return math.inf

    @property
    def strength(self) -> float:
        raise TypeError("the prior is Flat: there is no λ to sweep")

    def describe(self) -> str:
        return "Flat prior p(w) ∝ 1 (improper): precision λ = 0 ⇔ variance ∞ (no penalty)"

    def params(self) -> dict[str, float]:
        return {}

    def to_pymc(self, name: str, *, dims=None, strength=None):
        import pymc as pm

        return pm.Flat(name, dims=dims)

    def structure_key(self) -> tuple:
        return ("Flat",)

    def canonical_key(self) -> tuple:
        return ("Flat",)

    def __repr__(self):
        return "Flat()"
