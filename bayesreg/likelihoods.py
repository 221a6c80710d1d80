r"""Likelihoods of one observation given its linear predictor η = x·w + b.

=====================  ==========================================  ===================
likelihood             nll(y, η)                                     dnll/dη
=====================  ==========================================  ===================
``Bernoulli()``        log(1 + e^η) − y·η       (y ∈ {0, 1})         σ(η) − y
``Normal(noise_sd)``   (y − η)² / (2σ²)  [+ log(σ√(2π)) in loglik]   (η − y) / σ²
=====================  ==========================================  ===================

``Poisson()`` (counts, log link: nll = e^η − y·η) lives in :mod:`bayesreg.poisson`.
The model sums nll over the observations (docs/contract.md).  A Normal likelihood holds
one σ; where σ is estimated (a noise prior) the model varies it and adds the
σ-dependent terms (:mod:`bayesreg.model`).  ``residual`` is
dnll/dη, so ∇_w Σ nll = Xᵀ·residual; ``curvature`` is d²nll/dη², the weights
of the Gauss–Newton/Hessian XᵀWX.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["Likelihood", "Bernoulli", "Normal", "log1pexp", "sigmoid"]


def log1pexp(eta: np.ndarray) -> np.ndarray:
    """log(1 + e^η) for any real η, never overflowing.

    max(η, 0) + log1p(e^{−|η|}) equals np.logaddexp(0, η) and is ~2.7× faster.
    """
    eta = np.asarray(eta, dtype=float)
    return np.maximum(eta, 0.0) + np.log1p(np.exp(-np.abs(eta)))


def sigmoid(eta: np.ndarray) -> np.ndarray:
    """σ(η) = 1/(1 + e^−η), written as 0.5 + 0.5·tanh(η/2): no overflow, no warning."""
    return 0.5 + 0.5 * np.tanh(0.5 * np.asarray(eta, dtype=float))


def _bernoulli_nll_rows(y, eta) -> np.ndarray:
    """log(1 + e^η) − y·η per row, accurate to rounding *relative to itself*.

    Written max(η, 0) − y·η + log1p(e^{−|η|}): for y ∈ {0, 1} the first two terms
    are exactly max(±η, 0), so a well-fitted row (nll ≈ e^{−|η|}) keeps its digits;
    log1pexp(η) − y·η would cancel them (e.g. η = 35, y = 1 gives 0, not 6e-16).
    """
    eta = np.asarray(eta, dtype=float)
    tail = np.abs(eta)
    np.negative(tail, out=tail)
    np.exp(tail, out=tail)
    np.log1p(tail, out=tail)
    return np.maximum(eta, 0.0) - y * eta + tail  # broadcasts y against η


_BLOCK = 64  # rows per product in Bernoulli.loglik_total


class Likelihood:
    """One observation's likelihood as a function of its linear predictor.

    Subclasses give ``nll``, ``residual``, ``curvature``, ``loglik_rows``, ``mean``,
    ``max_curvature`` where the curvature is bounded (None, the default, means it is
    not) and, to be sampled, ``to_pymc``.  A likelihood written outside the package
    works everywhere a built-in one does.
    """

    name: str = ""
    #: True where nll is quadratic in η (with quadratic priors U is then exactly quadratic).
    quadratic: bool = False
    #: True where y is a real number (False: y holds labels that ``encode`` maps to numbers).
    numeric_targets: bool = True
    #: True where the likelihood has a noise sd σ that can be estimated (``with_noise_sd``, ``loglik_total(sigma=)``).
    estimable_noise: bool = False

    def nll(self, y: np.ndarray, eta: np.ndarray, weights: np.ndarray | None = None) -> float:
        """Σ_n w_n·nll(y_n, η_n) (w_n = 1 without weights)."""
        rows = -self.loglik_rows(y, eta)
        return float(rows.sum() if weights is None else rows @ weights)

    def residual(self, y: np.ndarray, eta: np.ndarray) -> np.ndarray:
        """dnll/dη per observation."""
        raise NotImplementedError

    def curvature(self, y: np.ndarray, eta: np.ndarray) -> np.ndarray:
        """d²nll/dη² per observation."""
        raise NotImplementedError

    def loglik_rows(self, y: np.ndarray, eta: np.ndarray) -> np.ndarray:
        """Normalized log p(y_n | η_n), elementwise (broadcasts over leading axes)."""
        raise NotImplementedError

    def loglik_total(self, y: np.ndarray, eta: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Σ_n w_n·log p(y_n | η_n) along the last axis of η, which may be overwritten (a scratch buffer)."""
        rows = self.loglik_rows(y, eta)
        return rows.sum(axis=-1) if weights is None else rows @ weights

    def mean(self, eta: np.ndarray) -> np.ndarray:
        """E[y | η]."""
        raise NotImplementedError

    def max_curvature(self, y: np.ndarray) -> float | None:
        """An upper bound of ``curvature(y, η)`` over every η and these y, or None where there is none.

        None (the default) tells the solvers that the curvature is unbounded (Poisson:
        e^η), so a global Lipschitz constant does not exist and steps must be found by
        line search; a bound lets them use it.
        """
        return None

    def kernel_spec(self) -> tuple[str, float] | None:
        """(name, parameter) of this likelihood in the one-pass kernel (:mod:`bayesreg.fused`), or None.

        None (the default, and a likelihood written outside the package) uses numpy's
        two passes; the built-in ones name their row formula there.
        """
        return None

    def check_y(self, y: np.ndarray) -> None:
        """Raise ValueError if y is not valid for this likelihood (what ``fit``, the MAP, accepts)."""

    def check_posterior_y(self, y: np.ndarray) -> None:
        """Raise ValueError if y is valid for the MAP but not for the posterior's normalized likelihood.

        By default the two agree; a Poisson MAP takes any y ≥ 0 (quasi-Poisson), its posterior counts only.
        """
        self.check_y(y)

    def params(self) -> dict[str, float]:
        return {}

    # -- identity: two likelihoods are equal when they are the same class with the same parameters --
    def __eq__(self, other):
        return type(other) is type(self) and other.params() == self.params()

    def __hash__(self):
        return hash((type(self).__qualname__, tuple(sorted(self.params().items()))))

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params().items())})"

    def describe(self) -> str:
        """One line saying what the likelihood is."""
        return repr(self)

    # -- PyMC ----------------------------------------------------------------------------
    def to_pymc(self, name: str, eta, observed, *, dims=None, weights=None):
        """Create the observed PyMC variable with linear predictor ``eta`` in the current model.

        With ``weights`` (a tensor, one per row), the rows' log-likelihoods enter
        weighted: a ``pm.Potential`` of Σ w_n log p(y_n | η_n) named ``name``.
        """
        raise NotImplementedError(f"{type(self).__name__} has no PyMC form: implement "
                                  f"to_pymc(name, eta, observed, *, dims=None, weights=None) to sample its posterior")

    def pymc_data_values(self, name: str) -> dict[str, float]:
        """Values of the ``pm.Data`` scalars ``to_pymc`` creates, by data name (none by default)."""
        return {}

    def structure_key(self) -> tuple:
        """What decides a compiled PyMC graph (class and parameters unless they are ``pm.Data``)."""
        return (type(self).__module__, type(self).__qualname__, tuple(sorted(self.params().items())))


class Bernoulli(Likelihood):
    """Bernoulli likelihood with the logit link: logistic regression."""

    name = "bernoulli"
    numeric_targets = False

    def nll(self, y, eta, weights=None) -> float:
        rows = _bernoulli_nll_rows(y, eta)
        return float(rows.sum() if weights is None else rows @ weights)

    def residual(self, y, eta) -> np.ndarray:
        return sigmoid(eta) - y

    def curvature(self, y, eta) -> np.ndarray:
        p = sigmoid(eta)
        return p * (1.0 - p)

    def loglik_rows(self, y, eta) -> np.ndarray:
        # log p(y|η) = y·η − log(1 + e^η)
        return -_bernoulli_nll_rows(y, eta)

    def loglik_total(self, y, eta, weights=None) -> np.ndarray:
        r"""Σ_n log p(y_n | η_n) = Σ (y − ½)·η − ½Σ|η| − Σ log(1 + e^−|η|), overwriting η.

        (log(1 + e^η) = max(η, 0) + log(1 + e^−|η|) and max(η, 0) = (|η| + η)/2.)  The
        last sum is taken as log Π over blocks of 64 rows: a product of 64 factors in
        (1, 2] cannot overflow, and one log per 64 rows replaces 64 log1p calls, the
        slowest step; the absolute error stays ~1e-15 per block.  Weighted rows take the
        plain row-wise form.
        """
        if weights is not None:
            return super().loglik_total(y, eta, weights)
        eta = np.asarray(eta, dtype=float)
        n = eta.shape[-1]
        lead = eta.shape[:-1]
        lin = eta @ (np.asarray(y, dtype=float) - 0.5)
        np.abs(eta, out=eta)
        s_abs = eta.sum(axis=-1)
        np.negative(eta, out=eta)
        np.exp(eta, out=eta)
        eta += 1.0
        n_main = (n // _BLOCK) * _BLOCK
        s_log = np.log(np.multiply.reduce(eta[..., :n_main].reshape(lead + (-1, _BLOCK)), axis=-1)).sum(axis=-1)
        if n_main < n:
            s_log += np.log(eta[..., n_main:]).sum(axis=-1)
        return lin - 0.5 * s_abs - s_log

    def mean(self, eta) -> np.ndarray:
        return sigmoid(eta)

    def max_curvature(self, y) -> float:
        return 0.25  # σ(η)(1 − σ(η)) peaks at η = 0

    def kernel_spec(self) -> tuple[str, float] | None:
        return ("bernoulli", 0.0) if type(self) is Bernoulli else None  # a subclass may change the formulas

    def to_pymc(self, name: str, eta, observed, *, dims=None, weights=None):
        import pymc as pm

        if weights is None:
            return pm.Bernoulli(name, logit_p=eta, observed=observed, dims=dims)
        return pm.Potential(name, (weights * pm.logp(pm.Bernoulli.dist(logit_p=eta), observed)).sum())

    def structure_key(self) -> tuple:
        return ("Bernoulli",)

    def check_y(self, y) -> None:
        bad = ~np.isin(y, (0.0, 1.0))
        if bad.any():
            raise ValueError(f"y must hold 0/1 labels for a Bernoulli likelihood, got {y[bad][0]!r}")


class Normal(Likelihood):
    """Normal likelihood with noise sd σ: linear regression (σ known here; the model may estimate it).

    ``loglik_total``/``loglik_rows_at`` take σ per draw, and ``to_pymc`` a σ variable,
    where the model estimates σ.
    """

    name = "normal"
    quadratic = True
    estimable_noise = True

    def __init__(self, noise_sd: float = 1.0):
        if isinstance(noise_sd, bool) or not isinstance(noise_sd, numbers.Real):
            raise TypeError(f"noise_sd must be a real number, got {noise_sd!r}")
        noise_sd = float(noise_sd)
        if not (math.isfinite(noise_sd) and noise_sd > 0):
            raise ValueError(f"noise_sd must be finite and > 0, got {noise_sd!r}")
        self.noise_sd = noise_sd

    def nll(self, y, eta, weights=None) -> float:
        r = np.asarray(y) - eta
        return float(r @ r if weights is None else (weights * r) @ r) / (2.0 * self.noise_sd**2)

    def residual(self, y, eta) -> np.ndarray:
        return (eta - y) / self.noise_sd**2

    def curvature(self, y, eta) -> np.ndarray:
        return np.full(np.shape(eta), 1.0 / self.noise_sd**2)

    def loglik_rows(self, y, eta) -> np.ndarray:
        r = (y - eta) / self.noise_sd
        return -0.5 * r * r - math.log(self.noise_sd) - 0.5 * math.log(2.0 * math.pi)

    def with_noise_sd(self, noise_sd: float) -> "Normal":
        return Normal(noise_sd)

    @staticmethod
    def loglik_rows_at(y, eta, sigma) -> np.ndarray:
        """log N(y | η, σ²) elementwise, σ broadcast against η (e.g. one σ per draw, shape (S, 1))."""
        sigma = np.asarray(sigma, dtype=float)
        r = (y - eta) / sigma
        return -0.5 * r * r - np.log(sigma) - 0.5 * math.log(2.0 * math.pi)

    def loglik_total(self, y, eta, weights=None, sigma=None) -> np.ndarray:
        """Σ_n w_n·log N(y_n | η_n, σ²) along η's last axis (overwritten); ``sigma``: one σ per row of η."""
        if sigma is not None:
            sig = np.asarray(sigma, dtype=float)[..., None]
            rows = self.loglik_rows_at(y, eta, sig)
            return rows.sum(axis=-1) if weights is None else rows @ weights
        if weights is not None:
            return super().loglik_total(y, eta, weights)
        eta = np.asarray(eta, dtype=float)
        n = eta.shape[-1]
        eta -= y
        const = -n * (math.log(self.noise_sd) + 0.5 * math.log(2.0 * math.pi))
        return const - 0.5 * np.einsum("...i,...i->...", eta, eta) / self.noise_sd**2

    def mean(self, eta) -> np.ndarray:
        return np.asarray(eta, dtype=float)

    def max_curvature(self, y) -> float:
        return 1.0 / self.noise_sd**2  # constant in η

    def kernel_spec(self) -> tuple[str, float] | None:
        return ("normal", 1.0 / self.noise_sd**2) if type(self) is Normal else None

    def to_pymc(self, name: str, eta, observed, *, dims=None, weights=None, sigma=None):
        """The observed ``name``; σ is ``sigma`` (a random variable, when estimated) or the data ``{name}_noise_sd``."""
        import pymc as pm

        if sigma is None:
            sigma = pm.Data(f"{name}_noise_sd", self.noise_sd)
        if weights is None:
            return pm.Normal(name, mu=eta, sigma=sigma, observed=observed, dims=dims)
        return pm.Potential(name, (weights * pm.logp(pm.Normal.dist(mu=eta, sigma=sigma), observed)).sum())

    def pymc_data_values(self, name: str) -> dict[str, float]:
        return {f"{name}_noise_sd": self.noise_sd}

    def structure_key(self) -> tuple:
        return ("Normal",)

    def params(self) -> dict[str, float]:
        return {"noise_sd": self.noise_sd}
