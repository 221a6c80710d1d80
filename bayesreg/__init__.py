"""bayesreg: Bayesian regression with regularizing priors.

Penalties are priors (λ is a precision), the MAP is the posterior's mode found
by our own gradient-descent core, and the full posterior is sampled with PyMC.
"""

from . import datasets
from .compare import compare, hdi
from .estimators import LogisticRegression
from .regressors import LinearRegression, PoissonRegression
from .formula import design, from_formula
from .noise import Exponential, HalfCauchy, HalfNormal, Jeffreys, NoisePrior
from .io import load_results, load_sweep, save_results, save_sweep
from .sensitivity import choose_lambda, compare_priors, full_bayes_lambda, prior_sensitivity, sweep
from .priors import (Cauchy, ElasticNet, Flat, Gaussian, Horseshoe, Laplace, NoModeError, Prior, RegularizedHorseshoe,
                     StudentT, global_scale)
from .separation import SeparationError, detect_separation
from .solvers import ConvergenceWarning, DivergenceError, MapResult

__all__ = [
    "LogisticRegression", "LinearRegression", "PoissonRegression",
    "from_formula", "design",
    "Prior", "Flat", "Gaussian", "Laplace", "ElasticNet", "StudentT", "Cauchy",
    "Horseshoe", "RegularizedHorseshoe", "global_scale", "NoModeError",
    "NoisePrior", "Exponential", "HalfNormal", "HalfCauchy", "Jeffreys",
    "MapResult", "ConvergenceWarning", "DivergenceError",
    "SeparationError", "detect_separation",
    "compare", "hdi", "save_results", "load_results", "datasets",
    "sweep", "prior_sensitivity", "compare_priors", "choose_lambda", "full_bayes_lambda", "save_sweep", "load_sweep",
]
__version__ = "0.1.0"
