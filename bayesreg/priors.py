r"""Priors on the weights: penalties that are negative log densities.

Every prior here is a product of identical independent densities over the
coordinates, and its *penalty* is the negative log density without its
normalizing constant, so that (DESIGN.md §1)

    U(w, b) = Σ_n nll(y_n, x_n·w + b) + penalty(w) [+ intercept penalty]

is the negative log posterior up to a constant.  The strength λ is a
**precision** (an inverse scale), never a multiplier of a mean cost:

=====================  ==================================  =========================
prior                  density p(w_j)                       penalty
=====================  ==================================  =========================
``Gaussian(lam)``      N(0, 1/λ)                            (λ/2)·‖w‖²
``Laplace(lam)``       (λ/2)·exp(−λ|w|)                     λ·‖w‖₁
``ElasticNet(l1, l2)`` ∝ exp(−λ1|w| − λ2 w²/2)              λ1‖w‖₁ + (λ2/2)‖w‖²
``Flat()``             improper, constant                   0
=====================  ==================================  =========================

So Gaussian variance = 1/λ (sd 1/√λ); Laplace scale b = 1/λ (variance 2/λ²).
``ElasticNet(l, 0) == Laplace(l)`` and ``ElasticNet(0, l) == Gaussian(l)``.

The (sub)gradient uses sign(0) = 0, as in the lecture.  The proximal operator
prox_{t·g}(v) = argmin_w g(w) + ‖w − v‖²/(2t) is closed-form for all four:
shrinkage for L2, soft-thresholding for L1, and both for the elastic net.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = ["Prior", "Flat", "Gaussian", "Laplace", "ElasticNet", "as_prior"]

_LOG_2PI = math.log(2.0 * math.pi)


def _check_lam(value, name: str, *, positive: bool) -> float:
    """Validate a strength: a real, finite number, ≥ 0 (or > 0 for a proper prior)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0 (it is a precision), got {value!r}")
    if positive and value == 0:
        raise ValueError(f"{name} must be > 0 for a proper prior, got {value!r}; use Flat() for no prior")
    return value


def _fmt(x: float) -> str:
    return f"{x:.3g}"


class Prior:
    """Base class: an i.i.d. prior over the coordinates of a weight vector."""

    #: True where the penalty is differentiable everywhere (no kink at zero).
    smooth: bool = True
    #: True where the density integrates to one.
    proper: bool = True

    # -- the penalty and its pieces ------------------------------------------------
    def penalty(self, w) -> float:
        """Negative log density up to its constant, summed over coordinates."""
        raise NotImplementedError

    def gradient(self, w) -> np.ndarray:
        """(Sub)gradient of the penalty, with sign(0) = 0."""
        raise NotImplementedError

    def prox(self, v, step: float) -> np.ndarray:
        """argmin_w penalty(w) + ‖w − v‖² / (2·step)."""
        raise NotImplementedError

    def curvature(self) -> float:
        """Second derivative of the smooth part of the penalty (per coordinate)."""
        return 0.0

    def l1(self) -> float:
        """Weight λ1 of the non-smooth |w| part (0 for smooth priors)."""
        return 0.0

    def kkt_residual(self, w, grad_smooth) -> np.ndarray:
        """Per-coordinate violation of 0 ∈ grad_smooth + ∂penalty(w) (0 at the optimum).

        ``grad_smooth`` is the gradient of everything except this prior's
        non-smooth part; the smooth part of the prior is added here.
        """
        w = np.asarray(w, dtype=float)
        g = np.asarray(grad_smooth, dtype=float) + self.curvature() * w
        l1 = self.l1()
        if l1 == 0:
            return np.abs(g)
        return np.where(w != 0, np.abs(g + l1 * np.sign(w)), np.maximum(np.abs(g) - l1, 0.0))

    # -- the density -----------------------------------------------------------------
    def logpdf(self, w) -> np.ndarray:
        """Normalized log density of each coordinate (elementwise)."""
        raise NotImplementedError

    # -- what λ means ----------------------------------------------------------------
    @property
    def precision(self) -> float:
        raise NotImplementedError

    @property
    def variance(self) -> float:
        raise NotImplementedError

    @property
    def sd(self) -> float:
        return math.sqrt(self.variance)

    def describe(self) -> str:
        """One line saying what λ means for this prior."""
        raise NotImplementedError

    def params(self) -> dict[str, float]:
        """The constructor arguments, for saving and rebuilding."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True, eq=False)
class Flat(Prior):
    """Improper flat prior p(w) ∝ 1: no penalty (maximum likelihood)."""

    proper = False

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

    def describe(self) -> str:
        return "Flat prior p(w) ∝ 1 (improper): precision λ = 0 ⇔ variance ∞ (no penalty)"

    def params(self) -> dict[str, float]:
        return {}

    def __eq__(self, other):
        return isinstance(other, Prior) and _canonical(other) == ("Flat",)

    def __hash__(self):
        return hash(("Flat",))

    def __repr__(self):
        return "Flat()"


@dataclass(frozen=True, eq=False)
class Gaussian(Prior):
    """Gaussian (L2, ridge) prior N(0, 1/λ): penalty (λ/2)·‖w‖², λ = precision."""

    lam: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "lam", _check_lam(self.lam, "lam", positive=True))

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
        return 0.5 * (math.log(self.lam) - _LOG_2PI) - 0.5 * self.lam * w * w

    @property
    def precision(self) -> float:
        return self.lam

    @property
    def variance(self) -> float:
        return 1.0 / self.lam

    def describe(self) -> str:
        return (f"Gaussian prior N(0, 1/λ): precision λ = {_fmt(self.lam)} ⇔ "
                f"variance {_fmt(self.variance)} (sd {_fmt(self.sd)})")

    def params(self) -> dict[str, float]:
        return {"lam": self.lam}

    def __eq__(self, other):
        return isinstance(other, Prior) and _canonical(other) == _canonical(self)

    def __hash__(self):
        return hash(_canonical(self))

    def __repr__(self):
        return f"Gaussian(lam={self.lam!r})"


@dataclass(frozen=True, eq=False)
class Laplace(Prior):
    """Laplace (L1, lasso) prior (λ/2)·exp(−λ|w|): penalty λ·‖w‖₁, scale b = 1/λ."""

    lam: float = 1.0
    smooth = False

    def __post_init__(self):
        object.__setattr__(self, "lam", _check_lam(self.lam, "lam", positive=True))

    def penalty(self, w) -> float:
        return self.lam * float(np.abs(np.asarray(w, dtype=float)).sum())

    def gradient(self, w) -> np.ndarray:
        return self.lam * np.sign(np.asarray(w, dtype=float))  # sign(0) = 0

    def prox(self, v, step: float) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        return np.sign(v) * np.maximum(np.abs(v) - step * self.lam, 0.0)

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
        return (f"Laplace prior (λ/2)·exp(−λ|w|): λ = {_fmt(self.lam)} ⇔ "
                f"scale 1/λ = {_fmt(self.scale)} (sd {_fmt(self.sd)})")

    def params(self) -> dict[str, float]:
        return {"lam": self.lam}

    __eq__ = Gaussian.__eq__
    __hash__ = Gaussian.__hash__

    def __repr__(self):
        return f"Laplace(lam={self.lam!r})"


@dataclass(frozen=True, eq=False)
class ElasticNet(Prior):
    """Elastic-net prior ∝ exp(−λ1|w| − λ2·w²/2): penalty λ1‖w‖₁ + (λ2/2)‖w‖².

    Its normalizer, per coordinate, is
    Z = 2∫₀^∞ exp(−λ1 w − λ2 w²/2) dw = √(2π/λ2) · erfcx(λ1/√(2λ2))
    (erfcx keeps it finite for large λ1/√λ2); with λ2 = 0 it is the Laplace 2/λ1.
    """

    lam1: float = 1.0
    lam2: float = 1.0

    def __post_init__(self):
        l1 = _check_lam(self.lam1, "lam1", positive=False)
        l2 = _check_lam(self.lam2, "lam2", positive=False)
        if l1 == 0 and l2 == 0:
            raise ValueError("ElasticNet needs lam1 > 0 or lam2 > 0 for a proper prior, got lam1=0.0, lam2=0.0")
        object.__setattr__(self, "lam1", l1)
        object.__setattr__(self, "lam2", l2)

    @property
    def smooth(self) -> bool:  # type: ignore[override]
        return self.lam1 == 0

    def penalty(self, w) -> float:
        w = np.asarray(w, dtype=float)
        return self.lam1 * float(np.abs(w).sum()) + 0.5 * self.lam2 * float(w @ w)

    def gradient(self, w) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        return self.lam1 * np.sign(w) + self.lam2 * w

    def prox(self, v, step: float) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        return np.sign(v) * np.maximum(np.abs(v) - step * self.lam1, 0.0) / (1.0 + step * self.lam2)

    def curvature(self) -> float:
        return self.lam2

    def l1(self) -> float:
        return self.lam1

    def log_normalizer(self) -> float:
        """log Z of one coordinate's density."""
        if self.lam2 == 0:
            return math.log(2.0 / self.lam1)
        a = self.lam1 / math.sqrt(2.0 * self.lam2)
        return 0.5 * (_LOG_2PI - math.log(self.lam2)) + math.log(special.erfcx(a))

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
        return (f"Elastic-net prior ∝ exp(−λ1|w| − λ2·w²/2): λ1 = {_fmt(self.lam1)} (L1 rate), "
                f"λ2 = {_fmt(self.lam2)} (L2 precision) ⇔ sd {_fmt(self.sd)}")

    def params(self) -> dict[str, float]:
        return {"lam1": self.lam1, "lam2": self.lam2}

    def simplest(self) -> Prior:
        """The same prior as a Laplace or Gaussian when one strength is zero."""
        if self.lam2 == 0:
            return Laplace(self.lam1)
        if self.lam1 == 0:
            return Gaussian(self.lam2)
        return self

    __eq__ = Gaussian.__eq__
    __hash__ = Gaussian.__hash__

    def __repr__(self):
        return f"ElasticNet(lam1={self.lam1!r}, lam2={self.lam2!r})"


def _canonical(prior: Prior) -> tuple:
    """A key equal for priors that are the same density (ElasticNet(l, 0) == Laplace(l))."""
    if isinstance(prior, ElasticNet):
        prior = prior.simplest()
    if isinstance(prior, Flat):
        return ("Flat",)
    if isinstance(prior, (Gaussian, Laplace)):
        return (type(prior).__name__, prior.lam)
    if isinstance(prior, ElasticNet):
        return ("ElasticNet", prior.lam1, prior.lam2)
    return (type(prior).__name__, id(prior))


_BY_NAME = {"flat": Flat, "gaussian": Gaussian, "laplace": Laplace, "elasticnet": ElasticNet}


def as_prior(value, name: str = "prior", default: Prior | None = None) -> Prior:
    """Accept a Prior (or None for ``default``); anything else is a TypeError naming ``name``."""
    if value is None and default is not None:
        return default
    if isinstance(value, Prior):
        return value
    raise TypeError(f"{name} must be a bayesreg prior (Gaussian, Laplace, ElasticNet, Flat) or None, got {value!r}")


def prior_from_params(kind: str, params: dict[str, float]) -> Prior:
    """Rebuild a prior from ``type(prior).__name__`` and ``prior.params()``."""
    try:
        cls = _BY_NAME[kind.lower()]
    except KeyError:
        raise ValueError(f"unknown prior kind {kind!r}; expected one of {sorted(_BY_NAME)}") from None
    return cls(**params)
