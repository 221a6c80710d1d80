r"""Priors on the noise sd σ > 0 of linear regression.

=====================  ===============================================  ==========================
prior                  density p(σ), σ > 0                               parameter means
=====================  ===============================================  ==========================
``Exponential(rate)``  rate·e^{−rate·σ}                                  mean 1/rate (the default:
                                                                         rate = 1/sd(y), rstanarm's)
``HalfNormal(scale)``  √(2/π)/scale · e^{−σ²/(2·scale²)}                 sd of the parent normal
``HalfCauchy(scale)``  2/(π·scale·(1 + σ²/scale²))                       median σ = scale
``Jeffreys()``         ∝ 1/σ (improper; flat in log σ)                  — (Park & Casella's
                                                                         p(σ²) ∝ 1/σ², the same)
=====================  ===============================================  ==========================

Each prior gives the normalized ``logpdf(σ)`` (Jeffreys: −log σ, no normalizer exists),
its first and second derivatives in σ (what the MAP's σ-step and the Laplace
approximation in log σ use), ``to_pymc(name)`` (the positive variable ``name`` with
PyMC's log transform; parameters as ``pm.Data`` ``{name}_{param}``), ``describe()``
and ``params()``; :data:`NoisePrior.registry` rebuilds a saved one from its kind and
params (:func:`noise_prior_from_params`).

The posterior's σ-part of U is written once, in :mod:`bayesreg.model`.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from .nested_params import NestedParams
from .validation import ArgumentTypeError, check_real

__all__ = ["NoisePrior", "Exponential", "HalfNormal", "HalfCauchy", "Jeffreys", "as_noise_prior",
           "noise_prior_from_params"]

_LOG_SQRT_2_OVER_PI = 0.5 * math.log(2.0 / math.pi)


def _positive(value, name: str) -> float:
    return check_real(value, name, low=0.0, low_open=True)


class NoisePrior(NestedParams):
    """Base class: a prior density on σ > 0 (see the module table).

    A scikit-learn nested parameter (``est.set_params(noise_prior__scale=2)``), changed in place
    through :mod:`bayesreg.nested_params` (validated; its hash changes with it).
    """

    #: True where the density integrates to one.
    proper: bool = True
    #: Every NoisePrior subclass by lower-case class name: what a saved file is rebuilt from.
    registry: ClassVar[dict[str, type]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        NoisePrior.registry[cls.__name__.lower()] = cls

    def logpdf(self, sigma) -> np.ndarray:
        """Normalized log p(σ), elementwise (−inf for σ ≤ 0)."""
        raise NotImplementedError

    def dlogpdf(self, sigma) -> np.ndarray:
        """d log p(σ) / dσ."""
        raise NotImplementedError

    def d2logpdf(self, sigma) -> np.ndarray:
        """d² log p(σ) / dσ²."""
        raise NotImplementedError

    def params(self) -> dict[str, float]:
        return {}

    def describe(self) -> str:
        raise NotImplementedError

    def to_pymc(self, name: str):
        """Create the PyMC variable σ (named ``name``, log-transformed) in the current model."""
        raise NotImplementedError

    def pymc_data(self, name: str) -> dict:
        import pymc as pm

        return {k: pm.Data(f"{name}_{k}", float(v)) for k, v in self.params().items()}

    def pymc_data_values(self, name: str) -> dict[str, float]:
        return {f"{name}_{k}": float(v) for k, v in self.params().items()}

    def structure_key(self) -> tuple:
        """The class only: every parameter is ``pm.Data``."""
        return (type(self).__module__, type(self).__qualname__)

    def stationary_sigma(self, a: float, b: float, m: float) -> float | None:
        r"""argmin over σ of a/(2σ²) + b/σ + m·log σ − log p(σ) in closed form, or None.

        (The σ-part of U at fixed weights: a from the squared residuals and a
        Gaussian noise-scaled prior, b from a Laplace noise-scaled prior, m the
        number of σ-scaled terms.)  None: the model minimizes numerically.
        """
        return None

    def _sigma(self, sigma) -> np.ndarray:
        return np.asarray(sigma, dtype=float)

    def __eq__(self, other):
        return type(other) is type(self) and other.params() == self.params()

    def __hash__(self):
        return hash((type(self).__name__, tuple(sorted(self.params().items()))))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"

    def __str__(self):
        return self.describe()


def _positive_root(coeffs) -> float | None:
    """The largest real positive root of a polynomial (highest power first)."""
    roots = np.roots(coeffs)
    real = roots[np.abs(roots.imag) <= 1e-10 * np.maximum(1.0, np.abs(roots))].real
    real = real[real > 0]
    return float(real.max()) if real.size else None


class Exponential(NoisePrior):
    """Exponential(rate): p(σ) = rate·e^{−rate·σ}, mean 1/rate."""

    def __init__(self, rate: float = 1.0):
        self.rate = _positive(rate, "rate")

    def logpdf(self, sigma):
        s = self._sigma(sigma)
        with np.errstate(invalid="ignore"):
            return np.where(s > 0, math.log(self.rate) - self.rate * s, -np.inf)

    def dlogpdf(self, sigma):
        return np.full(np.shape(sigma), -self.rate)

    def d2logpdf(self, sigma):
        return np.zeros(np.shape(sigma))

    def params(self):
        return {"rate": self.rate}

    def describe(self):
        return f"Exponential(rate {self.rate:.3g}): prior mean of σ 1/rate = {1.0 / self.rate:.3g}"

    def stationary_sigma(self, a, b, m):
        # σ³·dU/dσ = rate·σ³ + m·σ² − b·σ − a = 0: one sign change, one positive root (U convex there)
        return _positive_root([self.rate, m, -b, -a])

    def to_pymc(self, name):
        import pymc as pm

        return pm.Exponential(name, lam=self.pymc_data(name)["rate"])


class HalfNormal(NoisePrior):
    """HalfNormal(scale): p(σ) = √(2/π)/scale·e^{−σ²/(2 scale²)}."""

    def __init__(self, scale: float = 1.0):
        self.scale = _positive(scale, "scale")

    def logpdf(self, sigma):
        s = self._sigma(sigma)
        with np.errstate(invalid="ignore"):
            return np.where(s > 0, _LOG_SQRT_2_OVER_PI - math.log(self.scale) - 0.5 * (s / self.scale) ** 2, -np.inf)

    def dlogpdf(self, sigma):
        return -self._sigma(sigma) / self.scale**2

    def d2logpdf(self, sigma):
        return np.full(np.shape(sigma), -1.0 / self.scale**2)

    def params(self):
        return {"scale": self.scale}

    def describe(self):
        return f"HalfNormal(scale {self.scale:.3g}): σ = |N(0, {self.scale:.3g}²)|"

    def stationary_sigma(self, a, b, m):
        # σ⁴/scale² + m·σ² − b·σ − a = 0: one sign change, one positive root
        return _positive_root([1.0 / self.scale**2, 0.0, m, -b, -a])

    def to_pymc(self, name):
        import pymc as pm

        return pm.HalfNormal(name, sigma=self.pymc_data(name)["scale"])


class HalfCauchy(NoisePrior):
    """HalfCauchy(scale): p(σ) = 2/(π·scale·(1 + σ²/scale²)), median σ = scale."""

    def __init__(self, scale: float = 1.0):
        self.scale = _positive(scale, "scale")

    def logpdf(self, sigma):
        s = self._sigma(sigma)
        with np.errstate(invalid="ignore"):
            return np.where(s > 0, math.log(2.0 / (math.pi * self.scale)) - np.log1p((s / self.scale) ** 2), -np.inf)

    def dlogpdf(self, sigma):
        s = self._sigma(sigma)
        return -2.0 * s / (self.scale**2 + s * s)

    def d2logpdf(self, sigma):
        s = self._sigma(sigma)
        c2 = self.scale**2
        return -2.0 * (c2 - s * s) / (c2 + s * s) ** 2

    def params(self):
        return {"scale": self.scale}

    def describe(self):
        return f"HalfCauchy(scale {self.scale:.3g}): median of σ {self.scale:.3g}"

    def to_pymc(self, name):
        import pymc as pm

        return pm.HalfCauchy(name, beta=self.pymc_data(name)["scale"])


class Jeffreys(NoisePrior):
    """Jeffreys' p(σ) ∝ 1/σ: improper, flat in log σ (equivalently p(σ²) ∝ 1/σ²)."""

    proper = False

    def logpdf(self, sigma):
        s = self._sigma(sigma)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s > 0, -np.log(np.where(s > 0, s, 1.0)), -np.inf)

    def dlogpdf(self, sigma):
        return -1.0 / self._sigma(sigma)

    def d2logpdf(self, sigma):
        s = self._sigma(sigma)
        return 1.0 / (s * s)

    def describe(self):
        return "Jeffreys p(σ) ∝ 1/σ (improper, flat in log σ)"

    def stationary_sigma(self, a, b, m):
        # (m + 1)·σ² − b·σ − a = 0
        m1 = m + 1.0
        return (b + math.sqrt(b * b + 4.0 * m1 * a)) / (2.0 * m1) if a > 0 or b > 0 else None

    def to_pymc(self, name):
        import pymc as pm
        import pytensor.tensor as pt

        sigma = pm.HalfFlat(name)  # log-transformed: flat in log σ after the Jacobian, i.e. p(σ) ∝ 1/σ
        pm.Potential(f"{name}_jeffreys", -pt.log(sigma))
        return sigma


def as_noise_prior(value, name: str = "noise_prior") -> NoisePrior | None:
    """A NoisePrior or None; anything else is a TypeError naming ``name``."""
    if value is None or isinstance(value, NoisePrior):
        return value
    raise ArgumentTypeError(f"{name} must be a bayesreg noise prior (Exponential, HalfNormal, HalfCauchy, Jeffreys) "
                    f"or None, got {value!r}")


def noise_prior_from_params(kind: str, params: dict[str, float]) -> NoisePrior:
    """Rebuild a noise prior from ``type(p).__name__`` and ``p.params()``."""
    try:
        cls = NoisePrior.registry[str(kind).lower()]
    except KeyError:
        raise ValueError(f"unknown noise prior kind {kind!r}; expected one of {sorted(NoisePrior.registry)}") from None
    return cls(**params)
