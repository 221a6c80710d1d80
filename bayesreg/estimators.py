"""Scikit-learn estimators whose fit is the MAP of a Bayesian regression: the shared base and the classifier.

``LogisticRegression`` minimizes (docs/contract.md)

    U(w, b) = Σ_n [log(1 + e^{η_n}) − y_n η_n] + penalty(w) + intercept_penalty(b),  η = Xw + b,

and ``LinearRegression`` the same with nll = (y − η)²/(2σ²), over (w, b, σ) when the
noise sd σ is estimated (the default; its class docstring states that U).  The prior is an
object from :mod:`bayesreg.priors` whose λ is a precision; ``prior=None``
means ``Gaussian(1.0)`` (scikit-learn's ``check_estimator`` wants simple
defaults; this is the same strength as its ``C=1``).  The intercept has its
own prior, flat (unpenalized) by default.

``PoissonRegression`` (counts, log link) has nll = e^η − y·η (:mod:`bayesreg.poisson`).
The regressors (``LinearRegression``, ``PoissonRegression``) live in :mod:`bayesreg.regressors`;
:class:`BayesianGLM` here is the contract all three share.
"""

from __future__ import annotations

import copy
import functools

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .likelihoods import Bernoulli, Likelihood
from .chunked import is_chunked
from .model import Model
from .priors import Flat, Gaussian, NoModeError, Prior, as_prior
from .separation import SeparationError, detect_separation
from .solvers import SOLVERS, MapResult, solve
from .solvers.noise import solve_with_sigma
from .validation import (check_bool, check_choice, check_data_magnitude, check_int, check_real, check_sample_weight,
                         plain_arrays)

__all__ = ["BayesianGLM", "LogisticRegression", "check_shapes"]

#: max_iter=None means these; "auto" leaves it to the solver it picks (its entry here)
_MAX_ITER_DEFAULT = {"gd": 5000, "ista": 10_000, "fista": 10_000, "newton": 100, "lbfgs": 10_000, "auto": None}


@functools.cache
def _param_names(cls) -> tuple[str, ...]:
    """The names ``get_params`` lists for an estimator class (its ``__init__`` arguments), found once."""
    return tuple(cls._get_param_names())


def check_shapes(X, y) -> None:
    """X 2-D, y 1-D, the same number of rows: a ValueError naming the shapes otherwise."""
    if is_chunked(X) or is_chunked(y):
        return  # checked blockwise where they are prepared (bayesreg.chunked.inputs)
    if np.ndim(X) != 2:
        raise ValueError(f"X must be a 2-D array (n_samples, n_features), got shape {np.shape(X)}")
    if np.ndim(y) != 1:
        raise ValueError(f"y must be a 1-D array (n_samples,), got shape {np.shape(y)}")
    if np.shape(y)[0] != np.shape(X)[0]:
        raise ValueError(f"X and y must have the same number of rows, got X {np.shape(X)} and y {np.shape(y)}")


class BayesianGLM(BaseEstimator):
    """Shared fitting logic; subclasses give the likelihood and the targets.

    The public contract the posterior and sweep code rely on (and nothing else):
    :meth:`likelihood`, :meth:`prepare_data`, :meth:`fit_encoded`,
    :meth:`to_model`, :meth:`linear_predictor`, :meth:`is_current`,
    :meth:`feature_names`, :meth:`has_mode` and :meth:`model_without_map` (a
    prior with no MAP), and the fitted attributes ``coef_``, ``intercept_``,
    ``prior_``, ``intercept_prior_``, ``map_``.
    """

    def likelihood(self) -> Likelihood:
        """The likelihood of the current parameters."""
        raise NotImplementedError

    def encode_targets(self, y) -> np.ndarray:
        """y as the numbers the likelihood takes (0/1 for a classifier)."""
        raise NotImplementedError

    #: The object a ``None`` parameter stands for, made explicit when a nested parameter of it is set.
    _nested_defaults = {"prior": lambda: Gaussian(1.0), "intercept_prior": Flat}

    def set_params(self, **params):
        """scikit-learn's ``set_params``; ``prior__lam=…`` on ``prior=None`` first makes the default explicit.

        (``prior=None`` means ``Gaussian(1.0)``: ``set_params(prior__lam=2)`` then sets
        ``prior=Gaussian(2.0)``.)  A nested parameter changes the prior in place
        (:mod:`bayesreg.nested_params`).
        """
        for key in {k.partition("__")[0] for k in params if "__" in k}:
            if key in self._nested_defaults and key not in params and getattr(self, key, None) is None:
                setattr(self, key, self._nested_defaults[key]())
        return super().set_params(**params)

    def _validate_params(self) -> None:
        """Check every parameter at fit (scikit-learn's convention; ``__init__`` only stores them).

        The one policy of :mod:`bayesreg.validation`: a wrong type is an ArgumentTypeError (a
        TypeError and a ValueError), a bad value a ValueError; NumPy scalars are accepted.
        ``learning_rate`` is checked whatever the solver, so a bad one fails before a solver switch.
        """
        # copies: a later est.set_params(prior__lam=…) changes est.prior in place, not what was fitted
        self.prior_ = copy.deepcopy(as_prior(self.prior, "prior", default=Gaussian(1.0)))
        self.intercept_prior_ = copy.deepcopy(as_prior(self.intercept_prior, "intercept_prior", default=Flat()))
        if not self.intercept_prior_.has_mode:
            raise ValueError(f"intercept_prior={self.intercept_prior_!r} is a shrinkage prior for many weights with no "
                             f"mode; give the intercept Flat() or Gaussian(lam)")
        check_choice(self.solver, "solver", sorted(SOLVERS))
        check_real(self.tol, "tol", low=0.0, high=1.0, low_open=True, high_open=True)
        check_int(self.max_iter, "max_iter", 1, allow_none=True)
        check_real(self.learning_rate, "learning_rate", low=0.0, low_open=True)
        check_bool(self.fit_intercept, "fit_intercept")
        check_bool(self.warm_start, "warm_start")

    def _solver_options(self) -> dict:
        options = {"tol": float(self.tol),
                   "max_iter": int(self.max_iter) if self.max_iter is not None else _MAX_ITER_DEFAULT[self.solver]}
        if options["max_iter"] is None:
            del options["max_iter"]
        if self.solver == "gd":
            options["learning_rate"] = float(self.learning_rate)
        return options

    def noise_model_prior(self):
        """The prior of an estimated noise sd σ (None: no σ, or a fixed one)."""
        return None

    def to_model(self, X: np.ndarray, y: np.ndarray, *, center: bool = True, sample_weight=None) -> Model:
        """The model U of the fitted priors on data already passed through :meth:`prepare_data`.

        ``center=False`` keeps the user's (w, b) coordinates (the posterior's);
        ``sample_weight`` weights the rows' likelihood terms (validated here).  Where σ
        is estimated the model holds the fitted σ (``noise_sd_``).
        """
        names = getattr(self, "feature_names_in_", None)
        if is_chunked(X):
            from .chunked.inputs import prepare_weights
            from .chunked.model import ChunkedModel

            return ChunkedModel(X, y, self.likelihood(), self.prior_, self.intercept_prior_, self.fit_intercept,
                                center=center, feature_names=names, sample_weight=prepare_weights(sample_weight, X),
                                noise_prior=self.noise_model_prior())
        return Model(X, y, self.likelihood(), self.prior_, self.intercept_prior_, self.fit_intercept,
                     center=center, feature_names=names,
                     sample_weight=check_sample_weight(sample_weight, X.shape[0]),
                     noise_prior=self.noise_model_prior())

    def fit_encoded(self, X: np.ndarray, y: np.ndarray, *, coef_init=None, intercept_init: float = 0.0,
                    sample_weight=None, sigma_init: float | None = None):
        """Fit the MAP on data already validated and encoded by :meth:`prepare_data` (the fast path of sweeps).

        The estimator must have been fitted once (that fixes the features and the
        classes); the current parameters are used.  ``coef_init``/``intercept_init``
        (and ``sigma_init`` where σ is estimated) start the solver there (by default:
        zero, or the previous fit with ``warm_start``).
        """
        check_is_fitted(self, "coef_")
        self._validate_params()
        self._set_noise(y, sample_weight)
        return self._fit_model(X, y, coef_init=coef_init, intercept_init=intercept_init, sample_weight=sample_weight,
                               sigma_init=sigma_init)

    def _set_noise(self, y: np.ndarray, sample_weight) -> None:
        """Fix the noise attributes (``noise_prior_``, ``noise_sd_``) for a fit on y (no σ: nothing)."""

    def _prepare_fit(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        """Validate the parameters and (X, y) as ``fit`` does, set the data attributes; (X, y encoded)."""
        raise NotImplementedError

    def _prepare_chunked(self, X, y, reset: bool = True):
        """(X, y encoded) as Dask arrays, checked blockwise (:mod:`bayesreg.chunked.inputs`)."""
        from .chunked.inputs import prepare

        if reset:
            self._validate_params()
        if getattr(self, "estimates_sigma", lambda: False)():
            raise ValueError("estimating the noise sd σ is not supported on chunked (Dask) data: pass a fixed "
                             "noise_sd, or fit a subsample in memory")
        X, y_enc, _ = prepare(self, X, y, reset=reset)
        return X, y_enc

    def has_mode(self) -> bool:
        """Whether the current prior has a mode, i.e. ``fit`` can find a MAP (``Prior.has_mode``; the horseshoe has none)."""
        return as_prior(self.prior, "prior", default=Gaussian(1.0)).has_mode

    def _check_has_mode(self) -> None:
        if not self.prior_.has_mode:
            raise NoModeError(f"cannot fit the MAP: {self.prior_.no_mode_reason()} "
                              f"(e.g. est.sample_posterior(X, y) or bayesreg.compare(est, posterior))")

    def model_without_map(self, X, y, *, sample_weight=None) -> Model:
        """The model U on (X, y) in (w, b) coordinates, validated as ``fit`` does but without fitting a MAP.

        For priors without a mode (``has_mode()`` False), whose posterior is sampled
        without a MAP.  The data are validated on a clone: the estimator is not modified.
        """
        from sklearn.base import clone

        work = clone(self)
        X, y_enc = work._prepare_fit(X, y)
        work._set_noise(y_enc, sample_weight)  # σ's prior where σ is estimated (scaled to these data)
        return work.to_model(X, y_enc, center=False, sample_weight=sample_weight)

    def _fit_model(self, X: np.ndarray, y01: np.ndarray, *, coef_init=None, intercept_init: float = 0.0,
                   sample_weight=None, sigma_init: float | None = None):
        self._check_has_mode()
        model = self.to_model(X, y01, sample_weight=sample_weight)
        warm = self.warm_start and hasattr(self, "coef_") and np.shape(self.coef_) == (X.shape[1],)
        if coef_init is not None:
            theta0 = model.theta_from(coef_init, intercept_init if self.fit_intercept else 0.0)
        elif warm:
            theta0 = model.theta_from(self.coef_, self.intercept_ if self.fit_intercept else 0.0)
        else:
            theta0 = np.zeros(model.n_params)
        if model.noise_prior is None:
            result = solve(model, theta0, self.solver, **self._solver_options())
            result.sigma = model.sigma
        else:
            if sigma_init is None and warm and getattr(self, "noise_sd_", None):
                sigma_init = self.noise_sd_
            result = solve_with_sigma(model, theta0, sigma_init, solve, self.solver, **self._solver_options())
            self.noise_sd_ = result.sigma
            model = model.at_sigma(result.sigma)
        self.map_: MapResult = result
        self.coef_ = result.coef
        self.intercept_ = float(result.intercept) if self.fit_intercept else 0.0
        self.objective_ = result.objective
        self.n_iter_ = result.n_iter
        # a snapshot (priors change in place): get_params(deep=False), without its inspect.signature per call
        self.fit_params_ = copy.deepcopy({name: getattr(self, name) for name in _param_names(type(self))})
        self.model_identity_ = model.identity()
        return self

    def is_current(self) -> bool:
        """True when the estimator is fitted and its parameters have not changed since (``set_params``)."""
        return hasattr(self, "coef_") and getattr(self, "fit_params_", None) == self.get_params(deep=False)

    def feature_names(self) -> list[str]:
        """Column names seen in fit (DataFrame columns), else x0, x1, …"""
        check_is_fitted(self, "coef_")
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            return [str(n) for n in names]
        return [f"x{j}" for j in range(self.n_features_in_)]

    def prepare_data(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        """(X as contiguous float64, y encoded) validated against the fitted estimator.

        Errors name what is wrong: the shapes, a column count other than in fit,
        labels not seen in fit, targets the likelihood cannot take.
        """
        check_is_fitted(self, "coef_")
        if is_chunked(X) or is_chunked(y):
            return self._prepare_chunked(X, y, reset=False)
        check_shapes(X, y)
        if np.shape(X)[1] != self.n_features_in_:
            raise ValueError(f"X has {np.shape(X)[1]} features (columns), but the estimator was fitted with "
                             f"{self.n_features_in_}")
        likelihood = self.likelihood()
        Xv, yv = validate_data(self, X, y, reset=False, dtype=np.float64, y_numeric=likelihood.numeric_targets)
        self._check_labels(yv)
        y_enc = np.asarray(self.encode_targets(yv), dtype=float)
        likelihood.check_y(y_enc)
        return np.ascontiguousarray(Xv), y_enc

    def _validate_fit_data(self, X, y, *, y_numeric: bool) -> tuple[np.ndarray, np.ndarray, bool]:
        """scikit-learn's ``validate_data(self, X, y, dtype=np.float64, y_numeric=…)`` at fit; (X, y, plain).

        ``plain``: the arrays were already what it returns (:func:`bayesreg.validation.plain_arrays`),
        so only its effect on the estimator is repeated (``n_features_in_``, no ``feature_names_in_``).
        """
        if plain_arrays(X, y):
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            self.n_features_in_ = X.shape[1]
            return X, y, True
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=y_numeric)
        return X, y, False

    def _check_magnitudes(self, X, y=None) -> None:
        """Values too large to fit (≳1e100) are a ValueError naming the column, before the solver runs."""
        names = [str(n) for n in getattr(self, "feature_names_in_", range(X.shape[1]))]
        check_data_magnitude(X, "X", names)
        if y is not None:
            check_data_magnitude(y, "y")

    def _check_labels(self, y) -> None:
        """Raise ValueError for targets this estimator did not see in fit (classifiers only)."""

    def linear_predictor(self, X) -> np.ndarray:
        """The linear predictor η = Xw + b."""
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_ + self.intercept_

    def sample_posterior(self, X, y, *, draws: int = 1000, tune: int = 1000, chains: int = 4,
                         random_seed: int | None = None, sampler: str = "auto", progressbar: bool | None = None,
                         pointwise_log_likelihood: bool | None = None, sample_weight=None):
        """Sample the full posterior exp(−U) of this model on (X, y): an ArviZ-style ``xarray.DataTree``.

        The estimator is not modified (a clone is fitted when it is not current on these data).

        Parameters
        ----------
        X, y : the data (y as passed to ``fit``).
        draws, tune, chains : draws kept and tuning steps, per chain.
        random_seed : int or None (None draws one, recorded in ``posterior.attrs["random_seed"]``).
        sampler : {"auto", "laplace-is", "nutpie", "pymc"}
        progressbar : bool or None (None: a bar in a terminal or Jupyter, log lines otherwise).
        pointwise_log_likelihood : bool or None (per-row log-likelihood, what LOO needs).
        sample_weight : one weight ≥ 0 per row, or None.

        The full description of each parameter: :func:`bayesreg.posterior.sample_posterior`.
        """
        from .posterior import sample_posterior

        return sample_posterior(self, X, y, draws=draws, tune=tune, chains=chains, random_seed=random_seed,
                                sampler=sampler, progressbar=progressbar,
                                pointwise_log_likelihood=pointwise_log_likelihood, sample_weight=sample_weight)

    def laplace_approximation(self, X, y, *, draws: int = 1000, random_seed: int | None = None, sample_weight=None):
        """The Laplace approximation N(MAP, H⁻¹) of the posterior, as ``draws`` draws in a DataTree.

        Parameters
        ----------
        X, y : the data (y as passed to ``fit``).
        draws : number of draws.
        random_seed : int or None.
        sample_weight : one weight ≥ 0 per row, or None.

        Warns (PosteriorWarning) when PSIS's k̂ says the approximation cannot be trusted;
        the full description: :func:`bayesreg.posterior.laplace_approximation`.
        """
        from .posterior import laplace_approximation

        return laplace_approximation(self, X, y, draws=draws, random_seed=random_seed, sample_weight=sample_weight)


class LogisticRegression(ClassifierMixin, BayesianGLM):
    """Logistic regression: Bernoulli likelihood, logit link, a prior on the weights.

    Parameters
    ----------
    prior : Prior or None
        Prior on the weights; None means ``Gaussian(1.0)`` (precision 1, variance 1).
    intercept_prior : Prior or None
        Prior on the intercept; None means ``Flat()`` (unpenalized).
    fit_intercept : bool
    solver : {"auto", "fista", "ista", "gd", "newton", "lbfgs"}
        "auto" (the default) runs newton where the problem is small or ill-conditioned, and
        where N·D is large lbfgs for a smooth prior and fista for one with an L1 part;
        ``map_.solver`` and ``map_.solver_reason`` say which and why (:mod:`bayesreg.solvers.auto`).
    tol : float
        Scale-free KKT tolerance ‖∇f + ∂g‖∞ / ‖∇f(0)‖∞.
    max_iter : int or None
        None means the solver's own default (gd 5000, ista/fista 10000, newton 100; auto: the one it picks).
    learning_rate : float
        Fixed step of ``solver="gd"`` (the lecture's 0.001); unused by the others.
    warm_start : bool
        Start from the previous ``coef_`` when refitting.

    Examples
    --------
    >>> import numpy as np, bayesreg
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 1, 0, 1])
    >>> est = bayesreg.LogisticRegression(prior=bayesreg.Laplace(2.0)).fit(X, y)
    >>> est.coef_
    array([0.])
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
        tags.classifier_tags.multi_class = False
        return tags

    def likelihood(self) -> Likelihood:
        return Bernoulli()

    def _check_labels(self, y) -> None:
        unseen = ~np.isin(y, self.classes_)
        if unseen.any():
            raise ValueError(f"y holds labels not seen in fit (classes {self.classes_.tolist()}): "
                             f"{np.unique(y[unseen])[:5].tolist()}")

    def encode_targets(self, y) -> np.ndarray:
        """Map the two labels in ``classes_`` to 0/1 floats."""
        return (np.asarray(y) == self.classes_[1]).astype(float)

    def fit(self, X, y, sample_weight=None) -> "LogisticRegression":
        """The MAP of the model on (X, y); ``sample_weight`` weights each row's likelihood term."""
        X, y01 = self._prepare_fit(X, y)
        if self.prior_.flat and not is_chunked(X):  # the LP needs every row: not run on chunked data
            sep = detect_separation(X, y01, fit_intercept=self.fit_intercept)
            if sep.separated:
                raise SeparationError(
                    f"the classes are {sep.kind}ly separated, so with a Flat prior the maximum-likelihood weights are "
                    f"infinite (the lecture's (0, ∞, ∞)); a proper prior such as Gaussian(lam) or Laplace(lam) "
                    f"gives a finite MAP", sep)
        return self._fit_model(X, y01, sample_weight=sample_weight)

    def _prepare_fit(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        if is_chunked(X) or is_chunked(y):
            return self._prepare_chunked(X, y)
        self._validate_params()
        X, y, plain = self._validate_fit_data(X, y, y_numeric=False)
        self._check_magnitudes(X)
        classes = np.unique(y)
        # numeric 1-D y: scikit-learn's target check fails only for non-integral floats ("continuous")
        if not plain or (y.dtype.kind == "f" and np.any(classes != classes.astype(np.int64).astype(y.dtype))):
            check_classification_targets(y)
        if classes.size != 2:
            raise ValueError(f"Only binary classification is supported: y must hold exactly two classes for "
                             f"logistic regression, got {classes.size} "
                             f"class(es): {classes[:10].tolist()}")
        self.classes_ = classes
        return X, self.encode_targets(y)

    def decision_function(self, X) -> np.ndarray:
        """The linear predictor η = Xw + b (the log-odds of ``classes_[1]``)."""
        return self.linear_predictor(X)

    def predict_proba(self, X) -> np.ndarray:
        """[P(classes_[0]), P(classes_[1])] per row."""
        p1 = Bernoulli().mean(self.decision_function(X))
        return np.column_stack([1.0 - p1, p1])

    def predict_log_proba(self, X) -> np.ndarray:
        from .likelihoods import log1pexp

        eta = self.decision_function(X)
        return np.column_stack([-log1pexp(eta), -log1pexp(-eta)])

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "coef_")
        return self.classes_[(self.decision_function(X) > 0).astype(int)]
