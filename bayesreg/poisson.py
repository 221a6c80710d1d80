r"""The Poisson likelihood with the log link: regression of counts.

    y ~ Poisson(μ),  μ = e^η,  η = x·w + b

    log p(y | η) = y·η − e^η − log y!
    nll(y, η)    = e^η − y·η                 (log y! left out: it does not depend on w, b)
    dnll/dη      = e^η − y                   (the ``residual``)
    d²nll/dη²    = e^η                       (the ``curvature``)

U sums nll over the observations (docs/contract.md), so the MAP is the mode of the
posterior whose likelihood PyMC writes as ``pm.Poisson(mu=exp(η))``.

Unlike the Bernoulli and Normal likelihoods, the curvature e^η has **no upper
bound**: there is no global Lipschitz constant for the gradient, and
``max_curvature`` is None.  For η ≳ 709, e^η overflows; nll is then +inf (without
a floating-point warning), and every line search (FISTA's backtracking, Newton's
Armijo test, the Laplace polish) rejects such a step as it would any step that
raises U.

The MAP also takes non-integer y ≥ 0 (rates, or scikit-learn's checks): e^η − y·η is
then the **quasi-Poisson** loss, as in scikit-learn's ``PoissonRegressor`` and glum.
The posterior needs the normalized likelihood, defined on counts only:
``sample_posterior`` and the Laplace approximation refuse other y
(:meth:`Poisson.check_posterior_y`).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from .likelihoods import Likelihood

__all__ = ["Poisson"]


def _exp(eta) -> np.ndarray:
    """e^η, +inf where it overflows (on purpose: the line searches reject such steps), without a warning."""
    with np.errstate(over="ignore"):
        return np.exp(np.asarray(eta, dtype=float))


class Poisson(Likelihood):
    """Poisson likelihood with the log link: E[y | η] = e^η, y a count (0, 1, 2, …).

    Examples
    --------
    >>> import numpy as np
    >>> Poisson().nll(np.array([0.0, 3.0]), np.array([0.0, np.log(3.0)]))  # (1 − 0) + (3 − 3·log 3)
    0.7041685...
    """

    name = "poisson"

    def nll(self, y, eta, weights=None) -> float:
        eta = np.asarray(eta, dtype=float)
        rows = _exp(eta) - y * eta  # +inf where e^η overflows; finite otherwise
        return float(rows.sum() if weights is None else rows @ weights)

    def residual(self, y, eta) -> np.ndarray:
        return _exp(eta) - y

    def curvature(self, y, eta) -> np.ndarray:
        return _exp(eta)

    def max_curvature(self, y) -> None:
        return None  # e^η is unbounded

    def kernel_spec(self) -> tuple[str, float] | None:
        return ("poisson", 0.0) if type(self) is Poisson else None  # a subclass may change the formulas

    def loglik_rows(self, y, eta) -> np.ndarray:
        eta = np.asarray(eta, dtype=float)
        return y * eta - _exp(eta) - special.gammaln(np.asarray(y, dtype=float) + 1.0)

    def loglik_total(self, y, eta, weights=None) -> np.ndarray:
        """Σ_n log p(y_n | η_n) = η·y − Σ e^η − Σ log y!, overwriting η (a scratch buffer)."""
        if weights is not None:
            return super().loglik_total(y, eta, weights)
        eta = np.asarray(eta, dtype=float)
        y = np.asarray(y, dtype=float)
        lin = eta @ y
        with np.errstate(over="ignore"):
            np.exp(eta, out=eta)
        return lin - eta.sum(axis=-1) - float(special.gammaln(y + 1.0).sum())

    def mean(self, eta) -> np.ndarray:
        return _exp(eta)

    def check_y(self, y) -> None:
        """The MAP takes any finite y ≥ 0: e^η − y·η is the quasi-Poisson loss (as scikit-learn and glum take it)."""
        self._check(y, integers=False)

    def check_posterior_y(self, y) -> None:
        """The posterior needs counts: the normalized Poisson likelihood is defined on 0, 1, 2, … only."""
        self._check(y, integers=True)

    @staticmethod
    def _check(y, integers: bool) -> None:
        y = np.asarray(y)
        want = ("counts (non-negative integers) for the posterior of a Poisson likelihood" if integers
                else "non-negative numbers (counts, or rates for a quasi-Poisson MAP) for a Poisson likelihood")
        if y.dtype.kind not in "biuf":
            raise ValueError(f"y must hold {want}, got values of type {y.dtype}")
        yf = y.astype(float, copy=False)
        bad = ~np.isfinite(yf) | (yf < 0)
        if integers:
            bad |= yf != np.floor(yf)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"y must hold {want}, got {y.reshape(-1)[i].item()!r} (row {i})")

    def describe(self) -> str:
        return "Poisson likelihood, log link: y ~ Poisson(e^η), y a count (0, 1, 2, …)"

    def to_pymc(self, name: str, eta, observed, *, dims=None, weights=None):
        import pymc as pm
        import pytensor.tensor as pt

        mu = pt.exp(eta)
        if weights is None:
            return pm.Poisson(name, mu=mu, observed=observed, dims=dims)
        return pm.Potential(name, (weights * pm.logp(pm.Poisson.dist(mu=mu), observed)).sum())

    def structure_key(self) -> tuple:
        return ("Poisson",)
