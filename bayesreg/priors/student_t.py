r"""The Student-t prior t_ν(0, 1/√λ) and the Cauchy prior (ν = 1): heavy tails, a non-convex penalty.

Each weight is Student-t with ν = ``df`` degrees of freedom, location 0 and
**scale 1/√λ** (λ is the precision of the scale, as for the Gaussian; ν → ∞
gives ``Gaussian(lam)``):

    p(w) = Γ((ν+1)/2) / (Γ(ν/2)·√(νπ)) · √λ · (1 + λw²/ν)^(−(ν+1)/2)

    penalty(w)  = ((ν+1)/2)·Σ_j log(1 + λ w_j²/ν)
    gradient    = (ν+1)·λ·w / (ν + λw²)
    curvature   = (ν+1)·λ·(ν − λw²) / (ν + λw²)²    (largest, (ν+1)λ/ν, at w = 0;
                                                     smallest, −(ν+1)λ/(8ν), at λw² = 3ν)

variance ν/(ν − 2)/λ for ν > 2, infinite for ν ≤ 2.  ``Cauchy(lam)`` is
``StudentT(1, lam)``: Gelman, Jakulin, Pittau & Su (2008, "A weakly informative
default prior distribution for logistic and other regression models") take a
Cauchy with scale 2.5 on inputs standardized to sd ½ as the default for logistic
regression, i.e. λ = 1/2.5² = 0.16.

**Non-convex.**  The penalty is concave where λw² > 3ν, so U can have several
local minima: the solvers (started at 0, as always) find *a* local mode, and
the MAP result says so (``MapResult.local_mode``).  Its Hessian is not constant:
:meth:`StudentT.curvature_at` gives it at w (the Newton solver and the Laplace
approximation use it); :meth:`StudentT.curvature` is its maximum, the bound
step sizes need.

**The prox** argmin_w penalty(w) + (w − v)²/(2t) has no closed form.  With
w = s·u, s = √(ν/λ), a = v/s and k = (ν+1)λt/ν, its stationary points are the
real roots of the cubic h(u) = u³ − a·u² + (1 + k)·u − a, all between 0 and a.
For k < 8 (t·(ν+1)λ/(8ν) < 1) the prox objective is strictly convex and h has
one root.  For larger steps h may have three; the two outer ones are local
minima, each bracketed by the turning points of h, and :meth:`StudentT.prox`
returns the one with the lower objective (the global minimizer, the smaller
|w| on an exact tie).  Each root is found by Newton's method safeguarded by
bisection on its bracket (vectorized over coordinates), so every step size is
handled.  The proximal-gradient solvers nevertheless keep their steps below
1/ρ, ρ = (ν+1)λ/(8ν) (:meth:`StudentT.weak_convexity`), where the prox is unique
and continuous: a larger step could jump from one basin of U to another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from ..validation import check_real
from .base import Prior, check_strength, fmt

__all__ = ["StudentT", "Cauchy", "GELMAN_CAUCHY_LAM"]

#: Gelman et al. (2008)'s default Cauchy scale 2.5 as a precision of the scale: λ = 1/2.5².
GELMAN_CAUCHY_LAM = 1.0 / 2.5**2


def _log1p_square(z: np.ndarray) -> np.ndarray:
    """log(1 + z²) without overflow: log1p for moderate |z|, 2·log|z| + log1p(1/z²) beyond."""
    az = np.abs(z)
    big = az > 1e100
    with np.errstate(divide="ignore", over="ignore"):
        return np.where(big, 2.0 * np.log(np.where(big, az, 1.0)) + np.log1p(1.0 / np.where(big, az, 1.0) ** 2),
                        np.log1p(np.where(big, 0.0, az) ** 2))


def _cubic(u, a, c):
    """h(u) = u³ − a·u² + c·u − a and h'(u), elementwise."""
    return ((u - a) * u + c) * u - a, (3.0 * u - 2.0 * a) * u + c


def _increasing_root(lo, hi, a, c, max_iter: int = 200):
    """The root of h in [lo, hi] where h increases from h(lo) ≤ 0 to h(hi) ≥ 0: Newton kept inside by bisection."""
    lo, hi = lo.copy(), hi.copy()
    u = 0.5 * (lo + hi)
    for _ in range(max_iter):
        h, dh = _cubic(u, a, c)
        lo = np.where(h <= 0, u, lo)
        hi = np.where(h >= 0, u, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = u - h / dh
        inside = (newton > lo) & (newton < hi) & np.isfinite(newton)
        tiny = 4e-16 * np.maximum(np.abs(u), 1e-300)
        done = (h == 0) | (np.abs(newton - u) <= tiny) | (hi - lo <= tiny)  # at the root to rounding
        u = np.where(done, u, np.where(inside, newton, 0.5 * (lo + hi)))
        if np.all(done):
            break
    return u


def _prox_scaled(a: np.ndarray, k: float, nu: float) -> np.ndarray:
    """argmin_u ((ν+1)/2)·log(1 + u²) + ((ν+1)/(2k))·(u − a)² for a ≥ 0 (the prox in units of s = √(ν/λ))."""
    c = 1.0 + k
    zero = np.zeros_like(a)
    disc = a * a - 3.0 * c  # h' has real zeros (turning points) only where this is > 0
    turning = disc > 0
    root = np.sqrt(np.where(turning, disc, 0.0))
    u_minus, u_plus = (a - root) / 3.0, (a + root) / 3.0
    h_minus, _ = _cubic(u_minus, a, c)
    h_plus, _ = _cubic(u_plus, a, c)
    # left root in [0, u−] where h(u−) ≥ 0; right root in [u+, a] where h(u+) ≤ 0 (a single root: [0, a])
    has_left = ~turning | (h_minus >= 0)
    has_right = turning & (h_plus <= 0)
    left = _increasing_root(zero, np.where(has_left, np.where(turning, u_minus, a), zero), a, c)
    right = _increasing_root(np.where(has_right, u_plus, zero), np.where(has_right, a, zero), a, c)

    def objective(u):
        return 0.5 * (nu + 1.0) * (_log1p_square(u) + (u - a) ** 2 / k)

    take_right = has_right & (~has_left | (objective(right) < objective(left)))
    return np.where(take_right, right, left)


@dataclass(frozen=True, eq=False)
class StudentT(Prior):
    """Student-t prior t_ν(0, scale 1/√λ) on each weight: penalty ((ν+1)/2)·Σ log(1 + λw²/ν), non-convex.

    λ is the precision of the scale (scale 1/√λ; variance ν/(ν−2)/λ for ν > 2,
    infinite for ν ≤ 2); ν = ``df`` → ∞ is ``Gaussian(lam)``.  The MAP under
    this prior is a local mode (see the module docstring).
    """

    df: float = 3.0
    lam: float = 1.0

    scale_family = True
    convex = False

    def __post_init__(self):
        df = check_real(self.df, "df", low=0.0, low_open=True)
        object.__setattr__(self, "df", df)
        object.__setattr__(self, "lam", check_strength(self.lam, "lam", positive=True))

    # -- the penalty and its pieces ------------------------------------------------
    @property
    def scale(self) -> float:
        """The scale 1/√λ."""
        return 1.0 / math.sqrt(self.lam)

    def _z(self, w) -> np.ndarray:
        """w/√(ν/λ): the weight in units of √ν·scale, so that λw²/ν = z²."""
        return np.asarray(w, dtype=float) * math.sqrt(self.lam / self.df)

    def penalty(self, w) -> float:
        return 0.5 * (self.df + 1.0) * float(_log1p_square(self._z(w)).sum())

    def gradient(self, w) -> np.ndarray:
        z = self._z(w)
        with np.errstate(over="ignore"):
            ratio = np.where(np.abs(z) > 1.0, 1.0 / (z + 1.0 / np.where(z == 0, 1.0, z)), z / (1.0 + z * z))
        return (self.df + 1.0) * math.sqrt(self.lam / self.df) * ratio

    def curvature(self) -> float:
        """The largest second derivative of the penalty, (ν+1)λ/ν (at w = 0): the bound step sizes use."""
        return (self.df + 1.0) * self.lam / self.df

    def curvature_at(self, w) -> np.ndarray:
        """Second derivative of the penalty at each w: (ν+1)λ(ν − λw²)/(ν + λw²)² (negative where λw² > ν)."""
        z = self._z(w)
        with np.errstate(over="ignore", invalid="ignore"):
            inv = 1.0 / (1.0 + z * z)
            out = self.curvature() * (2.0 * inv - 1.0) * inv  # (1 − z²)/(1 + z²)² = (2/(1+z²) − 1)/(1+z²)
        return np.where(np.isfinite(z * z), out, 0.0)

    def weak_convexity(self) -> float:
        """(ν+1)λ/(8ν): minus the smallest curvature, so penalty + (ρ/2)w² is convex."""
        return (self.df + 1.0) * self.lam / (8.0 * self.df)

    def prox(self, v, step: float) -> np.ndarray:
        """argmin_w penalty(w) + (w − v)²/(2·step), the global minimizer for every step (module docstring)."""
        v = np.asarray(v, dtype=float)
        step = float(step)
        if step <= 0:
            return v.copy()
        s = math.sqrt(self.df / self.lam)
        k = (self.df + 1.0) * self.lam * step / self.df
        a = np.abs(v) / s
        u = _prox_scaled(a.reshape(-1), k, self.df).reshape(a.shape)
        return np.sign(v) * u * s

    # -- the density -----------------------------------------------------------------
    def logpdf(self, w) -> np.ndarray:
        nu = self.df
        const = (gammaln(0.5 * (nu + 1.0)) - gammaln(0.5 * nu) - 0.5 * math.log(nu * math.pi)
                 + 0.5 * math.log(self.lam))
        return const - 0.5 * (nu + 1.0) * _log1p_square(self._z(w))

    # -- what λ means ----------------------------------------------------------------
    @property
    def precision(self) -> float:
        return self.lam

    @property
    def variance(self) -> float:
        """ν/(ν − 2)/λ for ν > 2; infinite for ν ≤ 2."""
        return self.df / (self.df - 2.0) / self.lam if self.df > 2 else math.inf

    def spread(self) -> tuple[float, str]:
        """The sd, or the scale 1/√λ where the sd is infinite (ν ≤ 2)."""
        if math.isinf(self.variance):
            return self.scale, "prior scale 1/√λ (the sd is infinite)"
        return self.sd, "prior sd"

    def _spread(self) -> str:
        if math.isinf(self.variance):
            return "variance infinite (df ≤ 2)"
        return f"variance {fmt(self.variance)} (sd {fmt(self.sd)})"

    def describe(self) -> str:
        return (f"Student-t prior t_ν(0, 1/√λ), df ν = {fmt(self.df)}: precision of the scale λ = {fmt(self.lam)} ⇔ "
                f"scale 1/√λ = {fmt(self.scale)}, {self._spread()}; non-convex penalty, the MAP is a local mode")

    def params(self) -> dict[str, float]:
        return {"df": self.df, "lam": self.lam}

    def simplest(self) -> Prior:
        return Cauchy(self.lam) if self.df == 1.0 else self

    def scale_power(self) -> tuple[float, str]:
        return 0.5, "prior scale 1/√λ"

    def strength_meaning(self) -> str:
        return f"precision of the scale: prior scale 1/√λ (Student-t, df = {fmt(self.df)} fixed)"

    # -- PyMC ----------------------------------------------------------------------------
    def to_pymc(self, name: str, *, dims=None, strength=None):
        import pymc as pm
        import pytensor.tensor as pt

        data = self.pymc_data(name)  # ν and λ as pm.Data: a compiled model takes new values without compiling
        lam = data["lam"] if strength is None else pt.cast(strength, "float64")
        return pm.StudentT(name, nu=data["df"], mu=0.0, sigma=1.0 / pt.sqrt(lam), dims=dims)

    def structure_key(self) -> tuple:
        return (type(self).__module__, type(self).__qualname__)

    # -- identity ------------------------------------------------------------------------
    def canonical_key(self) -> tuple:
        return ("StudentT", (("df", self.df), ("lam", self.lam)))  # Cauchy(l) == StudentT(1, l)


class Cauchy(StudentT):
    """Cauchy prior (Student-t with ν = 1), location 0, scale 1/√λ: penalty Σ log(1 + λw²), non-convex.

    λ is the precision of the scale; the variance is infinite.  Gelman et al.
    (2008)'s default weakly-informative prior for logistic regression (scale 2.5
    on standardized inputs) is ``Cauchy(0.16)`` (λ = 1/2.5², :data:`GELMAN_CAUCHY_LAM`).
    """

    def __init__(self, lam: float = 1.0):
        super().__init__(1.0, lam)

    def __repr__(self) -> str:
        return f"Cauchy(lam={self.lam!r})"

    def params(self) -> dict[str, float]:
        return {"lam": self.lam}

    def simplest(self) -> Prior:
        return self

    def describe(self) -> str:
        return (f"Cauchy prior (Student-t, df 1) with scale 1/√λ: precision of the scale λ = {fmt(self.lam)} ⇔ "
                f"scale {fmt(self.scale)}, variance infinite (df ≤ 2); non-convex penalty, the MAP is a local mode")

    def strength_meaning(self) -> str:
        return "precision of the scale: prior scale 1/√λ (Cauchy)"

    def to_pymc(self, name: str, *, dims=None, strength=None):
        import pymc as pm
        import pytensor.tensor as pt

        lam = self.pymc_strength(name, strength)
        return pm.Cauchy(name, alpha=0.0, beta=1.0 / pt.sqrt(lam), dims=dims)
