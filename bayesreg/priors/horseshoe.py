r"""Horseshoe priors: global-local shrinkage with no MAP (Carvalho, Polson & Scott 2010; Piironen & Vehtari 2017).

**Horseshoe(scale_global = s)**, written non-centred as PyMC samples it:

    w_j = τ·λ_j·z_j,   z_j ~ N(0, 1),   λ_j ~ C⁺(0, 1),   τ ~ C⁺(0, s)

(C⁺ a half-Cauchy).  λ_j is a *local scale* (not a precision: this prior has no
strength λ in the sense of the rest of bayesreg, so it cannot be swept); τ is the
*global scale*, shared by all weights, and ``scale_global`` s is the scale of its
prior.  Small τ shrinks every weight towards 0; the heavy-tailed λ_j let a few
weights escape.  Piironen & Vehtari's choice is s = τ₀ = p₀/(D − p₀)·σ/√N for p₀
expected non-zero weights out of D, N rows and noise sd σ (:func:`global_scale`;
for logistic regression a pseudo-σ = 2 in place of σ, the likelihood's curvature
at p = ½ being 1/σ² = p(1 − p) = ¼).

**RegularizedHorseshoe(scale_global = s, slab_scale = s_c, slab_df = ν)** (the
"Finnish horseshoe") bounds the weights that escape by a slab of scale c:

    λ̃_j² = c²λ_j² / (c² + τ²λ_j²),   w_j = τ·λ̃_j·z_j,   c² ~ InvGamma(ν/2, ν·s_c²/2)

so that τλ_j ≪ c gives the horseshoe and τλ_j ≫ c gives w_j ≈ N(0, c²): a
Student-t_ν(0, s_c) slab for the large weights.

**No MAP.**  Given τ, the marginal density of one weight lies between
(K/2)·log(1 + 4τ²/w²) and K·log(1 + 2τ²/w²) with K = 1/(τ·√(2π³)) (Carvalho et
al., Theorem 1): it is *infinite at w = 0* (a log singularity), also after
integrating over τ, and the regularized form has the same spike.  So U = −log
posterior → −∞ as any w_j → 0: U has no minimum, and its infimum, w = 0, is the
same for every data set.  :attr:`~bayesreg.priors.base.Prior.has_mode` is False:
``fit`` raises :class:`~bayesreg.priors.base.NoModeError`, as do ``penalty``,
``gradient`` and ``prox``, and ``sample_posterior`` samples the posterior from
PyMC's own starting points (no MAP, no Laplace approximation).

**No logpdf.**  The marginal density of one weight has no closed form, and once τ
is random the weights are not independent, so there is no per-weight log density
(``has_logpdf`` False): a posterior's ``log_prior`` group omits ``coef`` and says
why in its attrs.  The latent variables (``coef_tau``, ``coef_local``, ``coef_z``,
``coef_c2``) are kept in the ``posterior`` group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..validation import check_real
from .base import NoModeError, Prior, fmt

__all__ = ["Horseshoe", "RegularizedHorseshoe", "global_scale", "LOGISTIC_PSEUDO_SIGMA"]

#: Piironen & Vehtari's pseudo noise sd for logistic regression, σ̃ = 1/√(p(1 − p)) at p = ½.
LOGISTIC_PSEUDO_SIGMA = 2.0


def global_scale(n_nonzero: float, n_features: int, n_samples: int, sigma: float = 1.0) -> float:
    r"""Piironen & Vehtari's (2017, eq. 3.12) global scale τ₀ = p₀/(D − p₀) · σ/√N.

    Parameters
    ----------
    n_nonzero : p₀, the number of weights you expect to be non-zero (0 < p₀ < D; need not be an integer).
    n_features : D, the number of weights.
    n_samples : N, the number of rows.
    sigma : the noise sd σ of a linear model.  For logistic regression use the pseudo-σ = 2
        (:data:`LOGISTIC_PSEUDO_SIGMA`: 1/√(p(1 − p)) at p = ½, the likelihood's curvature there).

    With τ = τ₀ the prior's expected number of effectively non-zero weights is about p₀.

    Examples
    --------
    >>> round(global_scale(2, 8, 60, sigma=1.0), 6)   # 2/6 · 1/√60
    0.043033
    """
    D = check_real(n_features, "n_features", low=1.0)
    p0 = check_real(n_nonzero, "n_nonzero", low=0.0, high=D, low_open=True, high_open=True)
    N = check_real(n_samples, "n_samples", low=1.0)
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    return p0 / (D - p0) * sigma / math.sqrt(N)


def _positive(value, name: str) -> float:
    return check_real(value, name, low=0.0, low_open=True)


@dataclass(frozen=True, eq=False)
class Horseshoe(Prior):
    """Horseshoe prior: w_j = τ·λ_j·z_j, λ_j ~ C⁺(0, 1), τ ~ C⁺(0, scale_global); no MAP, no λ.

    ``scale_global`` (> 0) is the scale of the half-Cauchy prior of the global scale τ
    (see :func:`global_scale` for Piironen & Vehtari's choice).
    """

    scale_global: float = 1.0
    has_mode = False
    has_logpdf = False
    #: NUTS's target acceptance rate for this prior: the funnel near τ → 0 needs small steps.
    nuts_target_accept = 0.95

    def __post_init__(self):
        object.__setattr__(self, "scale_global", _positive(self.scale_global, "scale_global"))

    def params(self) -> dict[str, float]:
        return {"scale_global": self.scale_global}

    # -- no mode, no closed-form density -------------------------------------------------
    def no_mode_reason(self) -> str:
        return (f"{self!r} has no MAP: its density is unbounded at 0 (infinite at w = 0, a log singularity), "
                f"so U has no minimum (the 'MAP' would be w = 0 with U = −∞ for any data); "
                f"sample the posterior with sample_posterior instead")

    def no_logpdf_reason(self) -> str:
        return (f"{self!r} has no closed-form density of one weight, and its weights are not independent "
                f"(they share the random global scale τ)")

    def _refuse(self, what: str):
        raise NoModeError(f"{what}: {self.no_mode_reason()}")

    def penalty(self, w) -> float:
        self._refuse("penalty")

    def gradient(self, w):
        self._refuse("gradient")

    def prox(self, v, step: float):
        self._refuse("prox")

    def logpdf(self, w):
        raise ValueError(f"logpdf: {self.no_logpdf_reason()}")

    # -- what the scales mean ---------------------------------------------------------------
    @property
    def variance(self) -> float:
        """Infinite: E[τ²λ²] diverges for half-Cauchy τ and λ."""
        return math.inf

    @property
    def strength(self) -> float:
        raise TypeError(f"a horseshoe has no λ to sweep ({self!r}): its global scale τ has a half-Cauchy prior of "
                        f"scale scale_global, and its local scales are random; vary scale_global instead")

    def describe(self) -> str:
        return (f"Horseshoe prior w_j = τ·λ_j·z_j: global scale τ ~ C⁺(0, scale_global = {fmt(self.scale_global)}), "
                f"local scales λ_j ~ C⁺(0, 1) (scales, not precisions), z_j ~ N(0, 1); "
                f"no MAP (density infinite at 0), no λ")

    # -- PyMC --------------------------------------------------------------------------------
    def structure_key(self) -> tuple:
        return (type(self).__module__, type(self).__qualname__)

    def _latent(self, name: str, dims, strength):
        """(τ, λ, z, data) in the current model: the horseshoe's latent variables."""
        import pymc as pm

        if strength is not None:
            self.strength  # noqa: B018 - raises the TypeError: there is no λ to replace
        data = self.pymc_data(name)
        tau = pm.HalfCauchy(f"{name}_tau", beta=data["scale_global"])
        local = pm.HalfCauchy(f"{name}_local", beta=1.0, dims=dims)
        z = pm.Normal(f"{name}_z", mu=0.0, sigma=1.0, dims=dims)
        return tau, local, z, data

    def to_pymc(self, name: str, *, dims=None, strength=None):
        import pymc as pm

        tau, local, z, _ = self._latent(name, dims, strength)
        return pm.Deterministic(name, tau * local * z, dims=dims)


@dataclass(frozen=True, eq=False)
class RegularizedHorseshoe(Horseshoe):
    """Regularized ("Finnish") horseshoe: λ̃_j² = c²λ_j²/(c² + τ²λ_j²), c² ~ InvGamma(ν/2, ν·s_c²/2), w_j = τ·λ̃_j·z_j.

    ``scale_global`` as for :class:`Horseshoe`; ``slab_scale`` s_c (> 0) and ``slab_df`` ν (> 0):
    the large weights see a Student-t_ν(0, s_c) slab instead of the Cauchy tail.
    """

    slab_scale: float = 2.0
    slab_df: float = 4.0

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "slab_scale", _positive(self.slab_scale, "slab_scale"))
        object.__setattr__(self, "slab_df", _positive(self.slab_df, "slab_df"))

    def params(self) -> dict[str, float]:
        return {"scale_global": self.scale_global, "slab_scale": self.slab_scale, "slab_df": self.slab_df}

    @property
    def variance(self) -> float:
        """Not in closed form (finite for slab_df > 2, below the slab's ν·s_c²/(ν − 2)): NaN."""
        return math.nan

    def describe(self) -> str:
        return (f"Regularized horseshoe w_j = τ·λ̃_j·z_j, λ̃_j² = c²λ_j²/(c² + τ²λ_j²): global scale "
                f"τ ~ C⁺(0, scale_global = {fmt(self.scale_global)}), local scales λ_j ~ C⁺(0, 1), slab "
                f"c² ~ InvGamma(ν/2, ν·s²/2) with slab_scale s = {fmt(self.slab_scale)}, slab_df ν = "
                f"{fmt(self.slab_df)} (large weights ~ t_ν(0, s)); no MAP (density infinite at 0), no λ")

    def to_pymc(self, name: str, *, dims=None, strength=None):
        import pymc as pm
        import pytensor.tensor as pt

        tau, local, z, data = self._latent(name, dims, strength)
        nu, s = data["slab_df"], data["slab_scale"]
        c2 = pm.InverseGamma(f"{name}_c2", alpha=0.5 * nu, beta=0.5 * nu * s * s)
        # λ̃² = c²λ²/(c² + τ²λ²) = c²/(c²/λ² + τ²): no overflow for large λ
        local_reg = pt.sqrt(c2 / (c2 / pt.sqr(local) + pt.sqr(tau)))
        return pm.Deterministic(name, tau * local_reg * z, dims=dims)
