"""The regressors: ``LinearRegression`` (Normal likelihood, σ estimated or fixed) and ``PoissonRegression`` (counts).

Both are :class:`bayesreg.estimators.BayesianGLM`: the MAP of U (docs/contract.md) by the
gradient-descent core, the posterior of the same model, the same priors.
"""

from __future__ import annotations

import copy

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .chunked import is_chunked
from .estimators import BayesianGLM
from .likelihoods import Likelihood, Normal
from .noise import Exponential, as_noise_prior
from .poisson import Poisson
from .priors import Prior
from .separation import SeparationError, detect_poisson_separation
from .validation import check_sample_weight

__all__ = ["LinearRegression", "PoissonRegression"]


class LinearRegression(RegressorMixin, BayesianGLM):
    r"""Linear regression: Normal likelihood with noise sd σ (estimated by default), a prior on the weights.

    The model (docs/contract.md, the sum over observations n with weights w_n)::

        y_n | w, b, σ ~ N(x_n·w + b, σ²),   w ~ prior [| σ],   b ~ intercept_prior,   σ ~ noise_prior

        U(w, b, σ) = Σ_n w_n·[(y_n − η_n)²/(2σ²) + log σ] − log p(w [| σ]) − log p(b) − log p(σ)

    and the fit is the MAP over (w, b, σ) (block-coordinate: the solver on (w, b) at
    fixed σ, then σ exactly; ``map_.n_outer`` counts the rounds).  With a fixed
    ``noise_sd`` σ is known and U is the first form without −log p(σ).

    Parameters
    ----------
    prior, intercept_prior, fit_intercept, solver, tol, max_iter, learning_rate, warm_start
        As in :class:`LogisticRegression`.  A prior with ``noise_scaled=True`` has
        its scale multiplied by σ: ``Gaussian(lam, noise_scaled=True)`` is
        w | σ ~ N(0, σ²/λ) (the conjugate ridge), ``Laplace(lam, noise_scaled=True)``
        is rate λ/σ (Park & Casella's Bayesian lasso).
    noise_sd : float or None
        None (the default): σ is estimated.  A number > 0: σ is fixed there (the
        known-σ model).
    noise_prior : NoisePrior or None
        Prior of an estimated σ (:mod:`bayesreg.noise`); None means
        ``Exponential(rate = 1/sd(y))`` computed at fit (the weighted sd with
        ``sample_weight``; rate 1 when y is constant), rstanarm's default.  Must be
        None with a fixed ``noise_sd``.

    Attributes
    ----------
    noise_sd_ : float
        The MAP σ (or the fixed one).
    noise_prior_ : NoisePrior or None
        The prior of σ used (None when σ is fixed).
    """

    def __init__(self, prior: Prior | None = None, intercept_prior: Prior | None = None, noise_sd: float | None = None,
                 noise_prior=None, fit_intercept: bool = True, solver: str = "auto", tol: float = 1e-6,
                 max_iter: int | None = None, learning_rate: float = 0.001, warm_start: bool = False):
        self.prior = prior
        self.intercept_prior = intercept_prior
        self.noise_sd = noise_sd
        self.noise_prior = noise_prior
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.warm_start = warm_start

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.noise_sd is not None:
            Normal(self.noise_sd)  # validates noise_sd: a real number, finite, > 0
        as_noise_prior(self.noise_prior, "noise_prior")
        if self.noise_sd is not None and self.noise_prior is not None:
            raise ValueError(f"noise_prior={self.noise_prior!r} needs an estimated σ, but noise_sd={self.noise_sd!r} "
                             f"fixes it; pass noise_sd=None to estimate σ, or drop noise_prior")

    def estimates_sigma(self) -> bool:
        """True when σ is estimated (``noise_sd=None``)."""
        return self.noise_sd is None

    def _set_noise(self, y: np.ndarray, sample_weight) -> None:
        if not self.estimates_sigma():
            self.noise_prior_ = None
            self.noise_sd_ = float(self.noise_sd)
            return
        if self.noise_prior is not None:
            self.noise_prior_ = copy.deepcopy(self.noise_prior)  # est.noise_prior may change in place later
            return
        sw = check_sample_weight(sample_weight, np.shape(y)[0])
        yv = np.asarray(y, dtype=float)
        if sw is None or not sw.sum() > 0:
            sd = float(np.std(yv))
        else:
            mean = float(sw @ yv) / float(sw.sum())
            sd = float(np.sqrt(sw @ (yv - mean) ** 2 / sw.sum()))
        self.noise_prior_ = Exponential(1.0 / sd if sd > 0 and np.isfinite(1.0 / sd) else 1.0)

    def noise_model_prior(self):
        return self.noise_prior_ if self.estimates_sigma() else None

    def noise_description(self, with_map: bool = True) -> str:
        """'σ estimated (MAP σ = 54.1), prior Exponential(rate 0.0129 = 1/sd(y))' or 'σ fixed at 1' (after fit)."""
        check_is_fitted(self, "coef_")
        if not self.estimates_sigma():
            return f"σ fixed at {self.noise_sd_:.6g}"
        p = self.noise_prior_
        text = f"Exponential(rate {p.rate:.3g} = 1/sd(y))" if self.noise_prior is None else p.describe()
        return f"σ estimated{f' (MAP σ = {self.noise_sd_:.4g})' if with_map else ''}, prior {text}"

    def likelihood(self) -> Likelihood:
        if self.noise_sd is not None:
            return Normal(self.noise_sd)
        return Normal(getattr(self, "noise_sd_", None) or 1.0)

    def encode_targets(self, y) -> np.ndarray:
        return np.asarray(y, dtype=float)

    def fit(self, X, y, sample_weight=None) -> "LinearRegression":
        """The MAP of the model on (X, y); ``sample_weight`` weights each row's likelihood term."""
        X, y = self._prepare_fit(X, y)
        self._set_noise(y, sample_weight)
        return self._fit_model(X, y, sample_weight=sample_weight)

    def _prepare_fit(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        if is_chunked(X) or is_chunked(y):
            return self._prepare_chunked(X, y)
        self._validate_params()
        X, y, _ = self._validate_fit_data(X, y, y_numeric=True)
        self._check_magnitudes(X, y)
        return X, self.encode_targets(y)

    def predict(self, X) -> np.ndarray:
        """The posterior-mode prediction E[y | X] = Xw + b."""
        return self.linear_predictor(X)


class PoissonRegression(RegressorMixin, BayesianGLM):
    """Poisson regression of counts: log link, E[y | x] = e^{x·w + b}, a prior on the weights.

    Minimizes U(w, b) = Σ_n [e^{η_n} − y_n η_n] + penalty(w) + intercept_penalty(b)
    (:mod:`bayesreg.poisson`).  y must hold counts (non-negative integers).  Same
    parameters as :class:`LogisticRegression`; ``prior=None`` means ``Gaussian(1.0)``.
    scikit-learn's ``PoissonRegressor(alpha)`` is ``Gaussian(alpha·N)`` here
    (:func:`bayesreg.convert.from_poisson_regressor`).

    Examples
    --------
    >>> import numpy as np, bayesreg
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([1, 2, 4, 9])
    >>> est = bayesreg.PoissonRegression(prior=bayesreg.Gaussian(0.1)).fit(X, y)
    >>> est.predict([[4.0]]).round(1)
    array([18.6])
    """

    def __init__(self, prior: Prior | None = None, intercept_prior: Prior | None = None, fit_intercept: bool = True,
                 solver: str = "auto", tol: float = 1e-6, max_iter: int | None = None, learning_rate: float = 0.001,
                 warm_start: bool = False):
        self.prior = prior
        self.intercept_prior = intercept_prior
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.warm_start = warm_start

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True  # as scikit-learn's PoissonRegressor: y ≥ 0
        return tags

    def likelihood(self) -> Likelihood:
        return Poisson()

    def encode_targets(self, y) -> np.ndarray:
        return np.asarray(y, dtype=float)

    def fit(self, X, y, sample_weight=None) -> "PoissonRegression":
        """The MAP of the model on (X, y), y counts; ``sample_weight`` weights each row's likelihood term."""
        if is_chunked(X) or is_chunked(y):
            raise TypeError("PoissonRegression does not take chunked (Dask) data yet: pass numpy arrays, or use "
                            "LogisticRegression / LinearRegression(noise_sd=…) on Dask arrays")
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        y = self.encode_targets(y)
        self.likelihood().check_y(y)
        self._check_magnitudes(X, y)
        self._check_mle_exists(X, y)
        return self._fit_model(X, y, sample_weight=sample_weight)

    def _check_mle_exists(self, X, y) -> None:
        """SeparationError where flat priors leave the MAP at infinity (:func:`detect_poisson_separation`)."""
        if self.fit_intercept and self.intercept_prior_.flat and not np.any(y):
            raise SeparationError("every count is 0, so with a Flat intercept prior the MAP intercept is −∞ (the rate "
                                  "e^b → 0); give the intercept a proper prior, e.g. intercept_prior=Gaussian(0.1)")
        if self.prior_.flat:
            sep = detect_poisson_separation(X, y, fit_intercept=self.fit_intercept)
            if sep.separated:
                raise SeparationError(
                    "the zero counts are separated: along some direction the rows with y = 0 get rates e^η → 0 "
                    "while the others do not change, so with a Flat prior the maximum-likelihood weights are "
                    "infinite; a proper prior such as Gaussian(lam) or Laplace(lam) gives a finite MAP", sep)

    def predict(self, X) -> np.ndarray:
        """The posterior-mode prediction E[y | X] = exp(Xw + b)."""
        return Poisson().mean(self.linear_predictor(X))
