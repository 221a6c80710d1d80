r"""The prior contract: a penalty that is a negative log density, with λ a precision.

Every prior here is a product of identical independent densities over the
coordinates, and its *penalty* is the negative log density without its
normalizing constant, so that (the project's one objective)

    U(w, b) = Σ_n nll(y_n, x_n·w + b) + penalty(w) [+ intercept penalty]

is the negative log posterior up to a constant.  The strength λ is a
**precision** (an inverse scale), never a multiplier of a mean cost:

=====================  ==================================  =========================
prior                  density p(w_j)                       penalty
=====================  ==================================  =========================
``Gaussian(lam)``      N(0, 1/λ)                            (λ/2)·‖w‖²
``Laplace(lam)``       (λ/2)·exp(−λ|w|)                     λ·‖w‖₁
``ElasticNet(l1, l2)`` ∝ exp(−λ1|w| − λ2 w²/2)              λ1‖w‖₁ + (λ2/2)‖w‖²
``StudentT(df, lam)``  t_ν(0, scale 1/√λ)                   ((ν+1)/2)·Σ log(1 + λw²/ν)
``Cauchy(lam)``        ``StudentT(1, lam)``                 Σ log(1 + λw²)
``Flat()``             improper, constant                   0
=====================  ==================================  =========================

So Gaussian variance = 1/λ (sd 1/√λ); Laplace scale b = 1/λ (variance 2/λ²).
``Gaussian(lam, noise_scaled=True)`` and ``Laplace(lam, noise_scaled=True)`` (linear
regression only) multiply the scale by the noise sd σ: N(0, σ²/λ), scale σ/λ — the
same kind of prior at strength λ·σ^(−1/p) (:meth:`Prior.given_sigma`).
``ElasticNet(l, 0) == Laplace(l)`` and ``ElasticNet(0, l) == Gaussian(l)``.

The (sub)gradient uses sign(0) = 0, as in the lecture.  The proximal operator
prox_{t·g}(v) = argmin_w g(w) + ‖w − v‖²/(2t) is closed-form for all four:
shrinkage for L2, soft-thresholding for L1, and both for the elastic net.

The Student-t penalty (Cauchy: ν = 1) is **not convex** (``convex = False``): U
may have several minima, the MAP the solvers return is a local mode, its
curvature varies with w (``curvature_at``; ``curvature()`` is its maximum) and
its prox, not closed-form, is solved per coordinate (see
:mod:`bayesreg.priors.student_t`); ``weak_convexity()`` bounds its concavity.

**Writing your own prior.**  Subclass :class:`Prior` (outside the package is
fine) and give it ``penalty``, ``gradient``, ``prox``, ``logpdf``, ``variance``,
``params`` and ``describe``; that is enough for the MAP.  For the posterior add
``to_pymc(name, *, dims=None, strength=None)``, which creates the PyMC variable
in the current model (read its parameters from :meth:`Prior.pymc_data` so that
a compiled model takes a new λ without compiling again).  A prior with a
parameter called ``lam`` can be swept in λ with no more code.

**A prior without a mode** (its density unbounded, like the horseshoe's at 0)
sets ``has_mode = False`` and says why in :meth:`Prior.no_mode_reason`: ``fit``
raises :class:`NoModeError` and the posterior is sampled without a MAP.  One
without a closed-form ``logpdf`` sets ``has_logpdf = False``
(:meth:`Prior.no_logpdf_reason`).  These are flags on the contract: no code
asks which class a prior is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from ..nested_params import NestedParams
from ..validation import check_bool, check_real

__all__ = ["Prior", "NoModeError", "OneStrengthPrior", "ScaleLaw", "check_strength", "fmt", "LOG_2PI", "LAM_MIN", "LAM_MAX"]

LOG_2PI = math.log(2.0 * math.pi)


#: The strengths a prior takes: 0 (where allowed) or λ in [LAM_MIN, LAM_MAX] — prior sds from about
#: 1e-50 to 1e50, far beyond any data, so that sd, variance (2/λ² for a Laplace) and logs stay finite.
LAM_MIN, LAM_MAX = 1e-100, 1e100


def check_strength(value, name: str, *, positive: bool) -> float:
    """Validate a strength: a real number, 0 (unless ``positive``) or in [LAM_MIN, LAM_MAX]."""
    value = check_real(value, name)
    if value < 0:
        raise ValueError(f"{name} must be >= 0 (it is a precision), got {value!r}")
    if positive and value == 0:
        raise ValueError(f"{name} must be > 0 for a proper prior, got {value!r}; use Flat() for no prior")
    if value != 0 and not LAM_MIN <= value <= LAM_MAX:
        raise ValueError(f"{name} must be in [{LAM_MIN:g}, {LAM_MAX:g}] (a prior scale from about 1e-50 to 1e50), "
                         f"got {value!r}")
    return value


class NoModeError(ValueError):
    """The prior's density is unbounded, so U has no minimum and there is no MAP (sample the posterior instead)."""


def fmt(x: float) -> str:
    """A number for a one-line description (3 significant digits)."""
    return f"{x:.3g}"


class Prior(NestedParams):
    """Base class: an i.i.d. prior over the coordinates of a weight vector.

    Subclasses give the density (``penalty``, ``gradient``, ``prox``, ``logpdf``),
    what λ means (``variance``, ``describe``, ``params``) and, to be sampled,
    ``to_pymc``.  Equality is by :meth:`canonical_key`: two priors are equal
    when they are the same density.

    A prior is a scikit-learn nested parameter (``est.set_params(prior__lam=2)``):
    ``set_params`` changes it in place, validated by its constructor, which changes
    its hash too — do not change a prior used as a dict key (:mod:`bayesreg.nested_params`).
    """

    #: True where the density integrates to one.
    proper: bool = True
    #: True where the penalty is a quadratic form (with a Normal likelihood, U is then quadratic).
    quadratic: bool = False
    #: True where w = z·λ^(−p) with z drawn from the prior at λ = 1 (p from :meth:`scale_power`).
    scale_family: bool = False
    #: True where the penalty is constant (the flat prior): a shift of the parameter changes nothing.
    flat: bool = False
    #: True where the penalty is convex, so U has one minimum.  A non-convex prior (Student-t, Cauchy)
    #: makes the MAP a *local* mode: the solvers start at 0 and the result says ``local_mode``.
    convex: bool = True
    #: False where the density is unbounded (the horseshoe: infinite at w = 0), so U has no minimum and
    #: there is no MAP: ``fit`` raises :class:`NoModeError`, the posterior is sampled without one.
    has_mode: bool = True
    #: False where ``logpdf`` has no closed form (a hierarchical prior whose weights share a random scale):
    #: the posterior's ``log_prior`` group then omits the weights (see :meth:`no_logpdf_reason`).
    has_logpdf: bool = True
    #: NUTS's target acceptance rate for this prior's posterior (None: the sampler's default); a prior whose
    #: posterior has a funnel (the horseshoe's global scale) asks for smaller steps.
    nuts_target_accept: float | None = None
    #: True where the prior's scale is multiplied by the noise sd σ (linear regression; see :meth:`given_sigma`).
    noise_scaled: bool = False
    #: True where :meth:`curvature_at` is the exact second derivative of the smooth part of the penalty (Newton's
    #: Hessian uses it); None (the default): True where the class defines ``curvature`` or ``curvature_at``.
    #: A prior whose smooth part is linear or absent (Laplace, Flat) sets True; see :attr:`has_curvature`.
    exact_curvature: ClassVar[bool | None] = None

    #: Every Prior subclass by class name (user classes too, once defined): what a saved file is rebuilt from.
    registry: ClassVar[dict[str, type]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        Prior.registry[cls.__name__.lower()] = cls

    @property
    def has_curvature(self) -> bool:
        """Whether :meth:`curvature_at` is exact (:attr:`exact_curvature`): ``solver="auto"`` takes Newton only then.

        A user's prior that gives only ``penalty``, ``gradient`` and ``prox`` inherits a curvature of 0,
        which would make Newton's Hessian wrong wherever its smooth part is curved.
        """
        if self.exact_curvature is not None:
            return bool(self.exact_curvature)
        cls = type(self)
        return cls.curvature is not Prior.curvature or cls.curvature_at is not Prior.curvature_at

    @property
    def smooth(self) -> bool:
        """True where the penalty is differentiable everywhere: no λ1·|w| kink (a subclass may say otherwise)."""
        return self.l1() == 0

    # -- the penalty and its pieces ------------------------------------------------
    def penalty(self, w) -> float:
        """Negative log density up to its constant, summed over coordinates."""
        raise NotImplementedError(f"{type(self).__name__} must implement penalty(w)")

    def gradient(self, w) -> np.ndarray:
        """(Sub)gradient of the penalty, with sign(0) = 0."""
        raise NotImplementedError(f"{type(self).__name__} must implement gradient(w)")

    def prox(self, v, step: float) -> np.ndarray:
        """argmin_w penalty(w) + ‖w − v‖² / (2·step)."""
        raise NotImplementedError(f"{type(self).__name__} must implement prox(v, step)")

    def curvature(self) -> float:
        """Second derivative of the smooth part of the penalty (per coordinate; a constant).

        Used by step sizes (and, through :meth:`curvature_at`, by the Newton solver and
        the Laplace approximation); a prior whose smooth part is curved must say so (0
        means: linear or no smooth part).  Where the curvature varies with w, this is
        its largest value (an upper bound), and :meth:`curvature_at` gives it exactly.
        """
        return 0.0

    def curvature_at(self, w) -> np.ndarray:
        """Second derivative of the smooth part of the penalty at each coordinate of w (the Hessian's diagonal).

        By default the constant :meth:`curvature`; a prior whose curvature varies with w overrides it.
        """
        return np.full(np.shape(w), self.curvature())

    def weak_convexity(self) -> float:
        """ρ ≥ 0 such that penalty(w) + (ρ/2)·‖w‖² is convex (0 for a convex prior).

        The prox objective penalty(w) + ‖w − v‖²/(2t) is strictly convex when t·ρ < 1,
        so the proximal-gradient solvers keep their steps t below 1/ρ.
        """
        return 0.0

    def l1(self) -> float:
        """Weight λ1 of the non-smooth |w| part (0 for smooth priors)."""
        return 0.0

    def smooth_gradient(self, w) -> np.ndarray:
        """Gradient of the penalty without its λ1·|w| part: gradient(w) − λ1·sign(w)."""
        w = np.asarray(w, dtype=float)
        return self.gradient(w) - self.l1() * np.sign(w)

    def kkt_residual(self, w, data_gradient) -> np.ndarray:
        """Per-coordinate violation of 0 ∈ data_gradient + ∂penalty(w) (0 at the optimum).

        ``data_gradient`` is the gradient of everything but this prior; the prior's
        smooth part (:meth:`smooth_gradient`) and its λ1·|w| subdifferential are added here.
        """
        w = np.asarray(w, dtype=float)
        g = np.asarray(data_gradient, dtype=float) + self.smooth_gradient(w)
        l1 = self.l1()
        if l1 == 0:
            return np.abs(g)
        return np.where(w != 0, np.abs(g + l1 * np.sign(w)), np.maximum(np.abs(g) - l1, 0.0))

    # -- the density -----------------------------------------------------------------
    def logpdf(self, w) -> np.ndarray:
        """Normalized log density of each coordinate (elementwise)."""
        raise NotImplementedError(f"{type(self).__name__} must implement logpdf(w)")

    def no_mode_reason(self) -> str:
        """Why there is no MAP (for ``has_mode = False``), in words, with what to do instead."""
        return (f"{self!r} has no mode (its density is unbounded), so U has no minimum and there is no MAP; "
                f"sample the posterior with sample_posterior instead")

    def no_logpdf_reason(self) -> str:
        """Why ``logpdf`` is not available (for ``has_logpdf = False``), in words."""
        return f"{self!r} has no closed-form density of the weights"

    # -- what λ means ----------------------------------------------------------------
    @property
    def precision(self) -> float:
        """The precision λ (NaN where a prior has no single one)."""
        return float(self.params().get("lam", math.nan))

    @property
    def variance(self) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement variance")

    @property
    def sd(self) -> float:
        return math.sqrt(self.variance)

    def spread(self) -> tuple[float, str]:
        """(width, its name): the sd, or for a heavy-tailed prior with infinite sd its finite scale.

        What "near zero" is measured against (eps = 0.1 × width); infinite only where the prior has no scale (Flat).
        """
        return self.sd, "prior sd"

    def describe(self) -> str:
        """One line saying what λ means for this prior."""
        return f"{self!r}: variance {fmt(self.variance)} (sd {fmt(self.sd)})"

    def params(self) -> dict[str, float]:
        """The constructor arguments, for saving and rebuilding."""
        raise NotImplementedError(f"{type(self).__name__} must implement params()")

    def given_sigma(self, sigma: float) -> "Prior":
        """The prior of w at noise sd σ: itself, or (``noise_scaled``) the same kind with its scale times σ.

        For a scale family with scale ∝ λ^(−p), scale·σ is strength λ·σ^(−1/p)
        (Gaussian λ/σ², Laplace λ/σ); the result is not noise-scaled itself.
        """
        if not self.noise_scaled:
            return self
        p, _ = self.scale_power()
        params = {k: v for k, v in self.params().items() if k != "noise_scaled"}
        params["lam"] = self.strength * float(sigma) ** (-1.0 / p)
        return type(self)(**params)

    def params_repr(self) -> str:
        """``Kind(param=value, …)`` from :meth:`params` (so a noise-scaled prior shows it, a plain one does not)."""
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params().items())})"

    def noise_scale_note(self) -> str:
        """'; scale multiplied by σ' for a noise-scaled prior, '' otherwise (appended to ``describe``)."""
        return "; scale multiplied by σ (w | σ)" if self.noise_scaled else ""

    def simplest(self) -> "Prior":
        """The same density in its simplest form (an elastic net with one zero strength is a Laplace or Gaussian)."""
        return self

    # -- λ as a strength (what λ sweeps vary) ------------------------------------------
    @property
    def strength(self) -> float:
        """The λ a sweep varies (by default the parameter ``lam``)."""
        params = self.params()
        if "lam" not in params:
            raise TypeError(f"the prior {self!r} has no λ to sweep (it has no parameter 'lam'); "
                            f"use Gaussian, Laplace or ElasticNet, or give it a `strength` property")
        return float(params["lam"])

    def with_strength(self, lam: float) -> "Prior":
        """The same kind of prior at strength λ."""
        self.strength  # noqa: B018 - raises TypeError when there is no λ
        return type(self)(**{**self.params(), "lam": float(lam)})

    def scale_power(self) -> tuple[float, str]:
        """(p, name): the prior's scale is ∝ λ^(−p).  By default p is read off the sd at λ and 2λ."""
        lam = self.strength
        p = -math.log(self.with_strength(2.0 * lam).sd / self.with_strength(lam).sd) / math.log(2.0)
        return p, "prior sd"

    def strength_meaning(self) -> str:
        """What λ is, in words (shown next to every λ in sweep output)."""
        p, name = self.scale_power()
        return f"strength: {name} ∝ λ^(−{p:.3g})"

    # -- PyMC ----------------------------------------------------------------------------
    def to_pymc(self, name: str, *, dims=None, strength=None):
        """Create this prior's PyMC random variable in the current model context.

        ``strength``, when given, is a PyTensor scalar that replaces λ (a full-Bayes
        hyperprior on λ passes its random λ here).
        """
        raise NotImplementedError(f"{type(self).__name__} has no PyMC form: implement "
                                  f"to_pymc(name, *, dims=None, strength=None) to sample its posterior")

    def to_pymc_given_sigma(self, name: str, sigma, *, dims=None):
        """The PyMC variable of w | σ for a noise-scaled prior: strength λ·σ^(−1/p) with λ the data ``{name}_lam``."""
        p, _ = self.scale_power()
        return self.to_pymc(name, dims=dims, strength=self.pymc_strength(name) * sigma ** (-1.0 / p))

    def pymc_data(self, name: str) -> dict:
        """``pm.Data`` scalars ``{name}_{param}`` for every entry of :meth:`params`, keyed by param.

        A model whose parameters are data takes new values through nutpie's
        ``with_data`` without compiling again (see :meth:`pymc_data_values`).
        """
        import pymc as pm

        return {k: pm.Data(f"{name}_{k}", float(v)) for k, v in self.params().items() if not isinstance(v, bool)}

    def pymc_strength(self, name: str, strength=None, key: str = "lam"):
        """λ inside ``to_pymc``: the ``pm.Data`` scalar ``{name}_{key}``, or ``strength`` (number or tensor) as float64."""
        if strength is None:
            return self.pymc_data(name)[key]
        import pytensor.tensor as pt

        return pt.cast(strength, "float64")

    def pymc_data_values(self, name: str) -> dict[str, float]:
        """The values of the ``pm.Data`` scalars :meth:`pymc_data` creates, by data name."""
        return {f"{name}_{k}": float(v) for k, v in self.params().items() if not isinstance(v, bool)}

    def structure_key(self) -> tuple:
        """What decides a compiled PyMC graph of this prior.

        By default the class and its parameter values (a prior that bakes its
        parameters into the graph must recompile when they change).  Priors whose
        ``to_pymc`` reads every parameter from :meth:`pymc_data` return only their class.
        """
        return (type(self).__module__, type(self).__qualname__, tuple(sorted(self.params().items())))

    # -- identity ------------------------------------------------------------------------
    def canonical_key(self) -> tuple:
        """A key equal for priors that are the same density."""
        return (type(self).__qualname__, tuple(sorted(self.params().items())))

    def __eq__(self, other):
        return isinstance(other, Prior) and self.canonical_key() == other.canonical_key()

    def __hash__(self):
        return hash(self.canonical_key())

    def __str__(self) -> str:
        return self.describe()


class ScaleLaw(NamedTuple):
    """How λ sets a scale-family prior's width: the scale is λ^(−exponent)."""

    exponent: float   # ½ for a Gaussian's sd 1/√λ, 1 for a Laplace's scale 1/λ
    name: str         # that scale in words, e.g. "prior sd 1/√λ"
    meaning: str      # what λ is, e.g. "precision: prior variance 1/λ, sd 1/√λ"


@dataclass(frozen=True, eq=False)
class OneStrengthPrior(Prior):
    """A scale family with a single strength λ > 0 (the field ``lam``), read by ``to_pymc`` from ``pm.Data``.

    w = z·λ^(−p) with z drawn at λ = 1 (p from ``scale_law``).  Gives what such
    priors share: validation of λ, ``params``, the precision, the scale law, and a
    ``structure_key`` without λ (a compiled model takes a new λ through ``with_data``).
    """

    lam: float = 1.0
    scale_family = True
    #: The scale law; None: read off the sd (Prior.scale_power).
    scale_law: ClassVar[ScaleLaw | None] = None

    def __post_init__(self):
        object.__setattr__(self, "lam", check_strength(self.lam, "lam", positive=True))
        if "noise_scaled" in self.__dataclass_fields__:
            object.__setattr__(self, "noise_scaled", check_bool(self.noise_scaled, "noise_scaled"))

    @property
    def precision(self) -> float:
        return self.lam

    def params(self) -> dict[str, float]:
        """{"lam": λ}, plus ``noise_scaled: True`` for a noise-scaled prior (omitted when False: old files load)."""
        return {"lam": self.lam, **({"noise_scaled": True} if self.noise_scaled else {})}

    def structure_key(self) -> tuple:
        return (type(self).__module__, type(self).__qualname__) + (("noise_scaled",) if self.noise_scaled else ())

    def scale_power(self) -> tuple[float, str]:
        return super().scale_power() if self.scale_law is None else (self.scale_law.exponent, self.scale_law.name)

    def strength_meaning(self) -> str:
        return super().strength_meaning() if self.scale_law is None else self.scale_law.meaning
