r"""The elastic-net prior ∝ exp(−λ1|w| − λ2·w²/2): penalty λ1‖w‖₁ + (λ2/2)‖w‖².

Its normalizer, per coordinate, is

    Z = 2∫₀^∞ exp(−λ1 w − λ2 w²/2) dw = √(2π/λ2) · erfcx(λ1/√(2λ2))

(erfcx keeps it finite for large λ1/√λ2); with λ2 = 0 it is the Laplace 2/λ1.
A sweep varies λ1 and keeps the ratio λ2/λ1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from .base import LOG_2PI, Prior, check_strength, fmt
from .gaussian import Gaussian
from .laplace import Laplace, soft_threshold

__all__ = ["ElasticNet"]


def _logp(value, lam1, lam2):
    """Normalized elastic-net log density −λ1|w| − λ2w²/2 − log Z, in PyTensor (ElasticNet.log_normalizer)."""
    import pytensor.tensor as pt

    log_z = 0.5 * (LOG_2PI - pt.log(lam2)) + pt.log(pt.erfcx(lam1 / pt.sqrt(2.0 * lam2)))
    return -lam1 * pt.abs(value) - 0.5 * lam2 * value * value - log_z


@dataclass(frozen=True, eq=False)
class ElasticNet(Prior):
    """Elastic-net prior ∝ exp(−λ1|w| − λ2·w²/2): penalty λ1‖w‖₁ + (λ2/2)‖w‖²."""

    lam1: float = 1.0
    lam2: float = 1.0

    def __post_init__(self):
        l1 = check_strength(self.lam1, "lam1", positive=False)
        l2 = check_strength(self.lam2, "lam2", positive=False)
        if l1 == 0 and l2 == 0:
            raise ValueError("ElasticNet needs lam1 > 0 or lam2 > 0 for a proper prior, got lam1=0.0, lam2=0.0")
        object.__setattr__(self, "lam1", l1)
        object.__setattr__(self, "lam2", l2)

    @property
    def quadratic(self) -> bool:  # type: ignore[override]
        return self.lam1 == 0

    def penalty(self, w) -> float:
        w = np.asarray(w, dtype=float)
        return self.lam1 * float(np.abs(w).sum()) + 0.5 * self.lam2 * float(w @ w)

    def gradient(self, w) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        return self.lam1 * np.sign(w) + self.lam2 * w

    def prox(self, v, step: float) -> np.ndarray:
        return soft_threshold(v, step * self.lam1) / (1.0 + step * self.lam2)

    def curvature(self) -> float:
        return self.lam2

    def l1(self) -> float:
        return self.lam1

    def log_normalizer(self) -> float:
        """log Z of one coordinate's density."""
        if self.lam2 == 0:
            return math.log(2.0 / self.lam1)
        a = self.lam1 / math.sqrt(2.0 * self.lam2)
        return 0.5 * (LOG_2PI - math.log(self.lam2)) + math.log(special.erfcx(a))

    def logpdf(self, w) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        return -self.lam1 * np.abs(w) - 0.5 * self.lam2 * w * w - self.log_normalizer()

    @property
    def precision(self) -> float:
        return math.nan  # two strengths: no single precision

    @property
    def variance(self) -> float:
        """E[w²] = ∫ w² p(w) dw: via the Gaussian tail (Mills ratio), or a continued fraction when λ1 ≫ √λ2."""
        l1, l2 = self.lam1, self.lam2
        if l2 == 0:
            return 2.0 / l1**2
        if l1 == 0:
            return 1.0 / l2
        z = l1 / math.sqrt(l2)
        if z < 2.0:
            # With m = λ1/λ2, s = 1/√λ2 the half-line density is a Gaussian tail:
            # E[w²] = s² + m² − m·s·R,  R = 1/ (Mills ratio) = √(2/π)/erfcx(m/(s√2)).
            s = 1.0 / math.sqrt(l2)
            m = l1 / l2
            r = math.sqrt(2.0 / math.pi) / special.erfcx(m / (s * math.sqrt(2.0)))
            return s * s + m * m - m * s * r
        # For large λ1/√λ2 that formula cancels catastrophically (it even turns
        # negative).  With v = λ1·w, ε = λ2/λ1², I_k = ∫₀^∞ v^k e^{−v−εv²/2} dv,
        # parts give k·I_{k−1} = I_k + ε·I_{k+1}, so r_k = I_k/I_{k−1} = k/(1 + ε·r_{k+1}):
        # a continued fraction, stable run backwards.  E[w²] = r_1·r_2 / λ1².
        eps = l2 / (l1 * l1)
        r = math.sqrt(101.0 / eps)  # r_k ≈ √(k/ε) for large k
        r2 = 0.0
        for k in range(100, 0, -1):
            r = k / (1.0 + eps * r)
            if k == 2:
                r2 = r
        return r * r2 / (l1 * l1)

    def describe(self) -> str:
        return (f"Elastic-net prior ∝ exp(−λ1|w| − λ2·w²/2): λ1 = {fmt(self.lam1)} (L1 rate), "
                f"λ2 = {fmt(self.lam2)} (L2 precision) ⇔ sd {fmt(self.sd)}")

    def params(self) -> dict[str, float]:
        return {"lam1": self.lam1, "lam2": self.lam2}

    def simplest(self) -> Prior:
        """The same prior as a Laplace or Gaussian when one strength is zero."""
        if self.lam2 == 0:
            return Laplace(self.lam1)
        if self.lam1 == 0:
            return Gaussian(self.lam2)
        return self

    # -- λ as a strength: λ1, at a fixed ratio λ2/λ1 ------------------------------------
    @property
    def strength(self) -> float:
        return self.lam1 if self.lam1 > 0 else self.lam2

    def with_strength(self, lam: float) -> "ElasticNet":
        if self.lam1 == 0:
            return ElasticNet(0.0, lam)
        return ElasticNet(lam, lam * self.lam2 / self.lam1)

    def scale_power(self) -> tuple[float, str]:
        if self.lam1 == 0:
            return 0.5, "prior sd 1/√λ"
        return 1.0, "L1 scale 1/λ1"

    def strength_meaning(self) -> str:
        if self.lam1 == 0:
            return self.simplest().strength_meaning()
        return f"λ1 (L1 rate), with λ2 = {self.lam2 / self.lam1:g}·λ1"

    # -- PyMC: a CustomDist with the normalized log density ------------------------------
    def to_pymc(self, name: str, *, dims=None, strength=None):
        import pymc as pm

        simple = self.simplest()
        if simple is not self:
            return simple.to_pymc(name, dims=dims, strength=strength)
        if strength is None:
            data = self.pymc_data(name)
            lam1, lam2 = data["lam1"], data["lam2"]
        else:
            lam1 = self.pymc_strength(name, strength)
            lam2 = lam1 * (self.lam2 / self.lam1)
        return pm.CustomDist(name, lam1, lam2, logp=_logp, dims=dims)

    def pymc_data_values(self, name: str) -> dict[str, float]:
        simple = self.simplest()
        return super().pymc_data_values(name) if simple is self else simple.pymc_data_values(name)

    def structure_key(self) -> tuple:
        simple = self.simplest()
        return ("ElasticNet",) if simple is self else simple.structure_key()

    def canonical_key(self) -> tuple:
        simple = self.simplest()
        return ("ElasticNet", self.lam1, self.lam2) if simple is self else simple.canonical_key()

    def __repr__(self):
        return f"ElasticNet(lam1={self.lam1!r}, lam2={self.lam2!r})"
