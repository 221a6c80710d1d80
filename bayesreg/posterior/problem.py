"""The posterior's problem: the model U of a fitted estimator on (X, y), and its MAP.

Everything in :mod:`bayesreg.posterior` works on :class:`Problem`: the data and
the priors live in one :class:`bayesreg.model.Model` in the user's (w, b)
coordinates (``center=False``), so U, its gradient, Hessian and per-row
log-likelihood are the model's own — the posterior has no second copy of the math.

Where the noise sd σ is estimated the posterior's parameters are θ = (w, b, s),
s = log σ, and U is :class:`bayesreg.log_sigma.LogSigma`'s (with the Jacobian);
``target`` is whichever of the two the posterior works on.

The estimator is never modified.  Its MAP is used when it is *current* (fitted,
parameters unchanged since) and optimal for these data; otherwise a clone with
the estimator's current parameters is fitted to (X, y).  A prior without a mode
(``Prior.has_mode`` False: the horseshoe) gives a problem *without* a MAP
(``has_map`` False, ``coef`` and ``intercept`` None): nothing is fitted, NUTS
starts from PyMC's own initial points and there is no Laplace approximation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..log_sigma import LogSigma
from ..model import Model
from ..solvers.noise import sigma_step

__all__ = ["Problem"]


@dataclass(frozen=True)
class Problem:
    """The data and model of one posterior, and its mode."""

    model: Model                 # U in (w, b) coordinates
    coef: np.ndarray | None      # the MAP for these data (None: the prior has no mode, so no MAP)
    intercept: float | None
    sigma: float | None = None   # the MAP σ where σ is estimated (None: fixed, or no σ)

    @classmethod
    def from_estimator(cls, est, X, y, sample_weight=None) -> "Problem":
        """Validate (X, y) against the estimator and take its MAP (fitting a clone where needed).

        ``sample_weight`` weights each row's likelihood term, as in ``fit``; a MAP
        fitted with other weights is not optimal here, so a clone is refitted.
        """
        from sklearn.base import clone

        from ..estimators import check_shapes

        if not hasattr(est, "prepare_data") or not hasattr(est, "to_model"):
            raise TypeError(f"est must be a bayesreg estimator (LogisticRegression, LinearRegression, "
                            f"PoissonRegression), got {type(est).__name__}")
        check_shapes(X, y)
        if not est.has_mode():
            problem = cls(model=est.model_without_map(X, y, sample_weight=sample_weight), coef=None, intercept=None)
        else:
            work = est if est.is_current() else clone(est).fit(X, y, sample_weight=sample_weight)
            problem = cls._of(work, X, y, sample_weight)
            if work is est and not problem.map_is_optimal(float(est.tol)):
                # fitted on other data (or weights): the MAP of these is needed
                problem = cls._of(clone(est).fit(X, y, sample_weight=sample_weight), X, y, sample_weight)
        problem.model.likelihood.check_posterior_y(problem.model.y)  # e.g. counts, where the MAP took any y ≥ 0
        return problem

    @classmethod
    def _of(cls, fitted, X, y, sample_weight) -> "Problem":
        Xv, y_enc = fitted.prepare_data(X, y)
        model = fitted.to_model(Xv, y_enc, center=False, sample_weight=sample_weight)
        return cls(model=model, coef=np.asarray(fitted.coef_, dtype=float).copy(),
                   intercept=float(fitted.intercept_) if fitted.fit_intercept else 0.0,
                   sigma=model.sigma if model.noise_prior is not None else None)

    def map_is_optimal(self, tol: float) -> bool:
        """The stored MAP meets the KKT conditions of U on these data (to 100·tol, at least 1e-4), σ too."""
        theta = self.model.theta_from(self.coef, self.intercept)
        m = self.model
        eta = m.linear_predictor(theta)
        bound = max(100.0 * tol, 1e-4)
        ok = m.optimality(theta, m.data_gradient(eta)) <= bound
        if self.estimates_sigma:
            ok = ok and abs(np.log(sigma_step(m, theta, eta) / self.sigma)) <= bound
        return bool(ok)

    @property
    def estimates_sigma(self) -> bool:
        return self.model.noise_prior is not None

    @property
    def target(self):
        """What the posterior's U is on θ: the model, or (σ estimated) :class:`LogSigma` of it on (w, b, log σ)."""
        return LogSigma(self.model) if self.estimates_sigma else self.model

    @property
    def has_map(self) -> bool:
        """False when the prior has no mode (the horseshoe): no MAP, no Laplace approximation."""
        return self.coef is not None

    def no_map_reason(self) -> str:
        """Why there is no MAP ("" when there is one)."""
        return "" if self.has_map else self.model.prior.no_mode_reason()

    # -- shorthands -------------------------------------------------------------------
    @property
    def fit_intercept(self) -> bool:
        return self.model.fit_intercept

    @property
    def feature_names(self) -> list[str]:
        return self.model.feature_names

    @property
    def n_params(self) -> int:
        return self.model.n_params + int(self.estimates_sigma)

    def param_names(self) -> list[str]:
        return ([f"coef[{f}]" for f in self.feature_names] + (["intercept"] if self.fit_intercept else [])
                + (["log_sigma"] if self.estimates_sigma else []))

    def theta(self) -> np.ndarray:
        """The MAP as one vector θ = (w, b[, log σ]); a ValueError saying why when there is none."""
        if not self.has_map:
            raise ValueError(f"this posterior has no MAP: {self.no_map_reason()}")
        theta = self.model.theta_from(self.coef, self.intercept)
        return np.append(theta, np.log(self.sigma)) if self.estimates_sigma else theta

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray | float]:
        """(w, b) from θ, or from a stack of θ's along the last axis."""
        p = self.model.n_features
        return theta[..., :p], (theta[..., p] if self.fit_intercept else 0.0)

    def sigma_of(self, theta: np.ndarray) -> np.ndarray | None:
        """σ = e^s from θ (or a stack of them) where σ is estimated, else None."""
        return np.exp(theta[..., -1]) if self.estimates_sigma else None

    def exactly_gaussian(self) -> bool:
        """U is quadratic (a Normal likelihood, known σ, Gaussian or flat priors): the Laplace approximation is exact."""
        m = self.model
        return (m.likelihood.quadratic and m.prior.quadratic and not self.estimates_sigma
                and (not m.fit_intercept or m.intercept_prior.quadratic))

    def log_parts(self, thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(Σ log-likelihood, log prior + log Jacobian of s = log σ) for a stack of θ's (S, P)."""
        w, b = self.split(thetas)
        S = self.sigma_of(thetas)
        lp = self.model.log_prior_sums(w, b, S)
        if S is not None:
            lp = lp + thetas[..., -1]  # p(s) = p(σ)·σ
        return self.model.loglik_sums(w, b, S=S), lp

    def log_posterior(self, thetas: np.ndarray) -> np.ndarray:
        """−U(θ) + const, with normalized densities, for a stack of θ's (S, P): one threaded pass."""
        ll, lp = self.log_parts(thetas)
        return ll + lp
