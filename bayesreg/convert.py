r"""Other libraries' penalty conventions ⇄ our priors, exactly.

Our objective is a **sum** over observations with a prior whose λ is a
precision (docs/contract.md)::

    U(w, b) = Σ_n nll(y_n, x_n·w + b) + λ1‖w‖₁ + (λ2/2)‖w‖²
    logistic nll(y, η) = log(1 + e^η) − y·η        linear nll(y, η) = (y − η)²/(2σ²)
    Poisson  nll(y, η) = e^η − y·η

with ``Gaussian(λ)`` = (λ1, λ2) = (0, λ), ``Laplace(λ)`` = (λ, 0), and
``ElasticNet(λ1, λ2)``.  Another library's objective has the same minimizer as
U when it is U times a positive constant; that constant fixes the conversion.
Write ρ for the library's ``l1_ratio``, N for the number of observations and
σ for the noise sd of the linear model:

+------------------------------------------+----------------------------------------------+-----------+----------------------------------------+
| library (call)                           | its objective                                | U = it ×  | our prior                              |
+==========================================+==============================================+===========+========================================+
| scikit-learn ``LogisticRegression``      | C·Σ nll + (1−ρ)/2‖w‖² + ρ‖w‖₁                | 1/C       | λ1 = ρ/C, λ2 = (1−ρ)/C; ρ = 0 is       |
| (``C``, ``l1_ratio=ρ``)                  |                                              |           | Gaussian(1/C), ρ = 1 is Laplace(1/C)   |
+------------------------------------------+----------------------------------------------+-----------+----------------------------------------+
| scikit-learn ``Ridge(alpha)``            | ‖y − η‖² + alpha·‖w‖²                        | 1/(2σ²)   | Gaussian(alpha/σ²)                     |
+------------------------------------------+----------------------------------------------+-----------+----------------------------------------+
| glum / glmnet ``family="binomial"``      | (1/N)·Σ nll                                  | N         | λ1 = N·alpha·ρ,                        |
| (``alpha``, ``l1_ratio=ρ``)              | + alpha·[(1−ρ)/2‖w‖² + ρ‖w‖₁]                |           | λ2 = N·alpha·(1−ρ)                     |
+------------------------------------------+----------------------------------------------+-----------+----------------------------------------+
| glum / glmnet ``family="gaussian"``;     | 1/(2N)·‖y − η‖²                              | N/σ²      | λ1 = N·alpha·ρ/σ²,                     |
| scikit-learn ``ElasticNet(alpha,         | + alpha·[(1−ρ)/2‖w‖² + ρ‖w‖₁]                |           | λ2 = N·alpha·(1−ρ)/σ²                  |
| l1_ratio=ρ)``, ``Lasso(alpha)`` (ρ = 1)  |                                              |           |                                        |
+------------------------------------------+----------------------------------------------+-----------+----------------------------------------+
| scikit-learn ``PoissonRegressor(alpha)`` | 1/(2N)·Σ deviance + (alpha/2)‖w‖²            | N         | Gaussian(N·alpha)                      |
+------------------------------------------+----------------------------------------------+-----------+----------------------------------------+
| glum / glmnet ``family="poisson"``       | 1/(2N)·Σ deviance                            | N         | λ1 = N·alpha·ρ,                        |
| (``alpha``, ``l1_ratio=ρ``)              | + alpha·[(1−ρ)/2‖w‖² + ρ‖w‖₁]                |           | λ2 = N·alpha·(1−ρ)                     |
+------------------------------------------+----------------------------------------------+-----------+----------------------------------------+
| statsmodels ``Logit.fit_regularized``    | −loglike + Σ_k alpha_k·abs(w_k)              | 1         | Laplace(alpha)                         |
| (``alpha``, ``method="l1"``)             |                                              |           |                                        |
+------------------------------------------+----------------------------------------------+-----------+----------------------------------------+

Functions: :func:`from_sklearn`/:func:`to_sklearn`, :func:`from_ridge`/:func:`to_ridge`,
:func:`from_glmnet`/:func:`to_glmnet` (glum, glmnet, scikit-learn Lasso/ElasticNet),
:func:`from_statsmodels`/:func:`to_statsmodels`, :func:`from_poisson_regressor`/:func:`to_poisson_regressor`.
``from_*`` return a prior;
``to_*`` return a dict of keyword arguments for the other library.

(glmnet's ``lambda`` is glum's / scikit-learn's ``alpha`` and glmnet's
``alpha`` is their ``l1_ratio``; this module uses the Python names.  glum's
objective is written 1/(2N)·deviance, and the binomial deviance is 2·Σ nll; the Poisson
deviance 2·Σ [y·log(y/μ) − (y − μ)] is 2·Σ nll plus a term in y alone, which does not move
the minimizer.  With ``sample_weight`` every N above is the sum of the weights.)

Things the table implies:

* glmnet-style penalties are on the **mean** loss, so one ``alpha`` means a
  prior whose precision grows in proportion to N: the same ``alpha`` on twice
  the data is twice the λ.  scikit-learn's ``C``, ``Ridge`` and statsmodels
  are on the **sum** and give the same λ at every N.
* For the linear model the converted λ depends on σ because our nll is divided
  by σ² and the libraries' loss is not.
* The intercept: scikit-learn, glmnet, glum and ``Ridge``/``Lasso`` leave it
  unpenalized, as our default flat intercept prior does — except scikit-learn's
  ``solver="liblinear"``, which fits b/s as the weight of a constant feature s =
  ``intercept_scaling`` and so puts ``Laplace(1/(s·C))`` (L1) or
  ``Gaussian(1/(s²·C))`` (L2) on b; a large s makes that negligible.  statsmodels
  penalizes every column of ``exog``, the constant included, unless ``alpha``
  is a vector with 0 for the constant.
* A ``Flat()`` prior (no penalty) is not expressed by any converter, and a
  library that has only one kind of penalty cannot express the others
  (``Ridge`` only Gaussian, statsmodels ``"l1"`` only Laplace): those are
  ValueErrors rather than silently different models.

Every function validates its arguments and names the bad one in the error.
"""

from __future__ import annotations

import math

import numpy as np

from .priors import ElasticNet, Flat, Gaussian, Laplace, Prior
from .validation import ArgumentTypeError, check_choice, check_int, check_real

__all__ = [
    "from_sklearn", "to_sklearn",
    "from_ridge", "to_ridge",
    "from_glmnet", "to_glmnet",
    "from_statsmodels", "to_statsmodels",
    "from_poisson_regressor", "to_poisson_regressor",
]

#: family name → is it the Gaussian (linear, noise sd σ) family.  "normal" is glum's alias.
_FAMILIES = {"binomial": False, "gaussian": True, "normal": True, "poisson": False}


# -- validation (bayesreg.validation: wrong type → ArgumentTypeError, bad value → ValueError) ----

def _family(family) -> bool:
    """True for the Gaussian family, False for binomial or Poisson (any case); anything else is an error."""
    return _FAMILIES[check_choice(family, "family", _FAMILIES, ignore_case=True)]


def _dispersion(gaussian: bool, noise_sd) -> float:
    """σ² for the Gaussian family; 1 for binomial and Poisson, which have no noise sd to set."""
    sd = check_real(noise_sd, "noise_sd", low=0.0, low_open=True)
    if gaussian:
        var = sd * sd
        if not (math.isfinite(var) and var > 0):
            raise ValueError(f"noise_sd**2 must be finite and > 0, got noise_sd={noise_sd!r}")
        return var
    if sd != 1.0:
        raise ValueError(f"noise_sd applies only to family='gaussian'; a binomial or Poisson model has no noise sd, "
                         f"got noise_sd={noise_sd!r}")
    return 1.0


def _strengths(prior, name: str = "prior") -> tuple[float, float]:
    """(λ1, λ2) of a proper prior; Flat and non-priors are errors."""
    if not isinstance(prior, Prior):
        raise ArgumentTypeError(f"{name} must be a bayesreg prior (Gaussian, Laplace, ElasticNet), got {prior!r}")
    if isinstance(prior, Flat):
        raise ValueError(f"{name}=Flat() (no penalty) has no equivalent penalty strength here; "
                         f"fit the library without a penalty instead")
    if isinstance(prior, Gaussian):
        return 0.0, prior.lam
    if isinstance(prior, Laplace):
        return prior.lam, 0.0
    if isinstance(prior, ElasticNet):
        return prior.lam1, prior.lam2
    raise ArgumentTypeError(f"{name} must be Gaussian, Laplace or ElasticNet, got {type(prior).__name__}: {prior!r}")


def _prior(lam1: float, lam2: float, source: str) -> Prior:
    """The simplest prior with strengths (λ1, λ2); ``source`` names the inputs for errors."""
    if not (math.isfinite(lam1) and math.isfinite(lam2)):
        raise ValueError(f"{source} gives an infinite prior strength (lam1={lam1!r}, lam2={lam2!r})")
    if lam1 == 0 and lam2 == 0:
        raise ValueError(f"{source} gives no penalty at all (lam1 = lam2 = 0, e.g. from underflow)")
    if lam1 == 0:
        return Gaussian(lam2)
    if lam2 == 0:
        return Laplace(lam1)
    return ElasticNet(lam1, lam2)


def _split(lam1: float, lam2: float) -> tuple[float, float]:
    """(total, l1_ratio) with total = λ1 + λ2 and l1_ratio = λ1 / total (exact 0 and 1 kept)."""
    total = lam1 + lam2
    if lam2 == 0:
        return total, 1.0
    if lam1 == 0:
        return total, 0.0
    return total, lam1 / total


# -- scikit-learn LogisticRegression ---------------------------------------------------------

def from_sklearn(C: float, l1_ratio: float = 0.0) -> Prior:
    """The prior of scikit-learn's ``LogisticRegression(C=C, l1_ratio=l1_ratio)``.

    scikit-learn minimizes C·Σ nll + (1−ρ)/2‖w‖² + ρ‖w‖₁; divided by C that is U with
    λ1 = ρ/C and λ2 = (1−ρ)/C.  So ρ = 0 (L2) is ``Gaussian(1/C)``, ρ = 1 (L1) is
    ``Laplace(1/C)``, anything between is ``ElasticNet(ρ/C, (1−ρ)/C)``.  The same λ at
    every N: C multiplies a sum.

    >>> from_sklearn(0.5)
    Gaussian(lam=2.0)
    >>> from_sklearn(0.5, l1_ratio=1.0)
    Laplace(lam=2.0)
    """
    C = check_real(C, "C", low=0.0, low_open=True)
    rho = check_real(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    return _prior(rho / C, (1.0 - rho) / C, f"C={C!r}, l1_ratio={rho!r}")


def to_sklearn(prior: Prior) -> dict[str, float]:
    """``dict(C=..., l1_ratio=...)`` for scikit-learn's ``LogisticRegression`` (the inverse of :func:`from_sklearn`).

    C = 1/(λ1 + λ2), l1_ratio = λ1/(λ1 + λ2).  Pass it on directly:
    ``sklearn.linear_model.LogisticRegression(**to_sklearn(prior), solver=...)`` —
    l1_ratio in (0, 1] needs ``solver="saga"`` (or ``"liblinear"`` for exactly 1).
    ``Flat()`` is a ValueError.

    >>> to_sklearn(Gaussian(4.0))
    {'C': 0.25, 'l1_ratio': 0.0}
    """
    total, rho = _split(*_strengths(prior))
    C = 1.0 / total
    if not math.isfinite(C):
        raise ValueError(f"prior={prior!r} is too weak to express as a finite C")
    return {"C": C, "l1_ratio": rho}


# -- scikit-learn Ridge --------------------------------------------------------------------

def from_ridge(alpha: float, noise_sd: float = 1.0) -> Prior:
    """The prior of scikit-learn's ``Ridge(alpha)`` for a linear model with noise sd σ.

    Ridge minimizes ‖y − η‖² + alpha‖w‖²; divided by 2σ² that is
    Σ (y − η)²/(2σ²) + (alpha/σ²)/2·‖w‖², i.e. ``Gaussian(alpha/σ²)``.

    >>> from_ridge(2.0, noise_sd=0.5)
    Gaussian(lam=8.0)
    """
    alpha = check_real(alpha, "alpha", low=0.0, low_open=True)
    var = _dispersion(True, noise_sd)
    return _prior(0.0, alpha / var, f"alpha={alpha!r}, noise_sd={noise_sd!r}")


def to_ridge(prior: Prior, noise_sd: float = 1.0) -> dict[str, float]:
    """``dict(alpha=...)`` for scikit-learn's ``Ridge``: alpha = λ·σ².  Only a Gaussian prior has one.

    >>> to_ridge(Gaussian(8.0), noise_sd=0.5)
    {'alpha': 2.0}
    """
    lam1, lam2 = _strengths(prior)
    if lam1 != 0:
        raise ValueError(f"Ridge has only an L2 penalty; prior={prior!r} has an L1 part (use to_glmnet for "
                         f"scikit-learn's Lasso/ElasticNet)")
    var = _dispersion(True, noise_sd)
    return {"alpha": lam2 * var}


# -- glmnet / glum / scikit-learn Lasso & ElasticNet -------------------------------------------

def from_glmnet(alpha: float, l1_ratio: float, n_samples: int, family: str = "binomial",
                noise_sd: float = 1.0) -> Prior:
    """The prior of a glmnet-style fit: glum's ``GeneralizedLinearRegressor``, scikit-learn's
    ``Lasso``/``ElasticNet`` (``family="gaussian"``), R's glmnet (lambda = ``alpha``,
    alpha = ``l1_ratio``).

    Their objective is the **mean** loss plus alpha·[(1−ρ)/2‖w‖² + ρ‖w‖₁]:

    * binomial and poisson: (1/N)·Σ nll + … (the deviance is 2·Σ nll, up to a term in y
      alone); times N it is U with λ1 = N·alpha·ρ, λ2 = N·alpha·(1−ρ);
    * gaussian: 1/(2N)·‖y − η‖² + …; times N/σ² it is U with λ1 = N·alpha·ρ/σ²,
      λ2 = N·alpha·(1−ρ)/σ².

    **The implied prior gets stronger as N grows**: the same ``alpha`` fitted on twice the
    data is a prior with twice the precision (λ ∝ N), unlike scikit-learn's ``C``.  So an
    ``alpha`` chosen at one N is a different prior at another N.

    ``noise_sd`` is σ for ``family="gaussian"`` (``"normal"`` is accepted, as in glum); a
    binomial or Poisson model has no noise sd and any value but 1 is a ValueError.

    >>> from_glmnet(0.01, 1.0, n_samples=200)
    Laplace(lam=2.0)
    >>> from_glmnet(0.01, 1.0, n_samples=400)
    Laplace(lam=4.0)
    """
    alpha = check_real(alpha, "alpha", low=0.0, low_open=True)
    rho = check_real(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    n = check_int(n_samples, "n_samples", 1)
    var = _dispersion(_family(family), noise_sd)
    scale = n * alpha / var
    return _prior(scale * rho, scale * (1.0 - rho),
                  f"alpha={alpha!r}, l1_ratio={rho!r}, n_samples={n!r}, noise_sd={noise_sd!r}")


def to_glmnet(prior: Prior, n_samples: int, family: str = "binomial", noise_sd: float = 1.0) -> dict[str, float]:
    """``dict(alpha=..., l1_ratio=...)`` for a glmnet-style fit on N observations (inverse of :func:`from_glmnet`).

    alpha = (λ1 + λ2)·φ/N and l1_ratio = λ1/(λ1 + λ2), with φ = σ² for ``family="gaussian"``
    and 1 for ``"binomial"`` and ``"poisson"``.  A fixed prior needs an ``alpha`` that shrinks as 1/N.

    >>> to_glmnet(Laplace(2.0), n_samples=200)
    {'alpha': 0.01, 'l1_ratio': 1.0}
    """
    lam1, lam2 = _strengths(prior)
    n = check_int(n_samples, "n_samples", 1)
    var = _dispersion(_family(family), noise_sd)
    total, rho = _split(lam1, lam2)
    alpha = total * var / n
    if not (math.isfinite(alpha) and alpha > 0):
        raise ValueError(f"prior={prior!r} with n_samples={n!r}, noise_sd={noise_sd!r} gives alpha={alpha!r}, "
                         f"not a finite positive number")
    return {"alpha": alpha, "l1_ratio": rho}


# -- statsmodels Logit.fit_regularized -------------------------------------------------------

def from_statsmodels(alpha) -> Laplace:
    """The prior of statsmodels' ``Logit(...).fit_regularized(alpha=alpha, method="l1")``.

    statsmodels minimizes −loglike + Σ_k alpha_k·|w_k| with loglike a **sum**, so this is
    exactly U with ``Laplace(alpha)``.

    ``alpha`` may be a scalar or a 1-D vector, one entry per column of ``exog``.  Our prior
    is the same on every weight, so the positive entries of a vector must all be equal;
    at most one entry may be 0 — the unpenalized constant, which is our flat intercept
    prior.  (A scalar ``alpha`` penalizes the constant column too, which our default
    intercept prior does not: pass a vector with 0 for the constant to match.)

    >>> from_statsmodels(3.0)
    Laplace(lam=3.0)
    >>> from_statsmodels([0.0, 3.0, 3.0])
    Laplace(lam=3.0)
    """
    if np.ndim(alpha) == 0:
        if isinstance(alpha, np.ndarray):  # a 0-d array is a scalar
            alpha = alpha.item()
        return Laplace(check_real(alpha, "alpha", low=0.0, low_open=True))
    try:
        a = np.array(alpha, dtype=float)  # a copy: the caller's vector is never touched
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"alpha must be a real number or a 1-D vector of them, got {alpha!r}") from None
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"alpha must be a scalar or a non-empty 1-D vector, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"alpha must be finite, got {alpha!r}")
    if np.any(a < 0):
        raise ValueError(f"alpha must be >= 0, got {alpha!r}")
    positive = np.unique(a[a > 0])
    if positive.size == 0:
        raise ValueError(f"alpha={alpha!r} penalizes nothing; that is a Flat() prior")
    if positive.size > 1:
        raise ValueError(f"alpha must give every penalized weight the same strength (our prior is i.i.d.), "
                         f"got distinct values {positive.tolist()}")
    if np.count_nonzero(a == 0) > 1:
        raise ValueError(f"alpha may have at most one 0 (the unpenalized constant), got {alpha!r}")
    return Laplace(float(positive[0]))


def to_statsmodels(prior: Prior) -> dict:
    """``dict(alpha=λ, method="l1")`` for statsmodels' ``Logit.fit_regularized``; only a Laplace prior has one.

    statsmodels penalizes the constant column too; to leave it unpenalized (our default)
    pass a vector::

        kw = to_statsmodels(prior)
        alpha = np.full(exog.shape[1], kw["alpha"]); alpha[const_index] = 0.0
        sm.Logit(y, exog).fit_regularized(alpha=alpha, method="l1")

    >>> to_statsmodels(Laplace(3.0))
    {'alpha': 3.0, 'method': 'l1'}
    """
    lam1, lam2 = _strengths(prior)
    if lam2 != 0:
        raise ValueError(f"statsmodels' method='l1' has only an L1 penalty; prior={prior!r} has an L2 part")
    return {"alpha": lam1, "method": "l1"}


# -- scikit-learn PoissonRegressor ----------------------------------------------------------

def from_poisson_regressor(alpha: float, n_samples: int) -> Gaussian:
    """The prior of scikit-learn's ``PoissonRegressor(alpha=alpha)`` fitted on N observations.

    scikit-learn minimizes 1/(2N)·Σ deviance + (alpha/2)‖w‖² with the Poisson deviance
    2·Σ [y·log(y/μ) − (y − μ)] = 2·Σ (e^η − y·η) + (a term in y alone); times N that is U
    with ``Gaussian(N·alpha)``.  As for glmnet, **the prior gets stronger as N grows**.
    With ``sample_weight``, N is the sum of the weights.  The intercept is unpenalized
    in both.

    >>> from_poisson_regressor(0.01, n_samples=300)
    Gaussian(lam=3.0)
    """
    alpha = check_real(alpha, "alpha", low=0.0, low_open=True)
    n = check_int(n_samples, "n_samples", 1)
    return _prior(0.0, n * alpha, f"alpha={alpha!r}, n_samples={n!r}")


def to_poisson_regressor(prior: Prior, n_samples: int) -> dict[str, float]:
    """``dict(alpha=λ/N)`` for scikit-learn's ``PoissonRegressor`` (inverse of :func:`from_poisson_regressor`).

    It has only an L2 penalty: a prior with an L1 part is a ValueError (use
    :func:`to_glmnet` with ``family="poisson"`` for glum).

    >>> to_poisson_regressor(Gaussian(3.0), n_samples=300)
    {'alpha': 0.01}
    """
    lam1, lam2 = _strengths(prior)
    if lam1 != 0:
        raise ValueError(f"PoissonRegressor has only an L2 penalty; prior={prior!r} has an L1 part (use "
                         f"to_glmnet(prior, n_samples, family='poisson') for glum)")
    n = check_int(n_samples, "n_samples", 1)
    alpha = lam2 / n
    if not (math.isfinite(alpha) and alpha > 0):
        raise ValueError(f"prior={prior!r} with n_samples={n!r} gives alpha={alpha!r}, not a finite positive number")
    return {"alpha": alpha}
