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
    "report", "sweep_report", "demo_report",
]
__version__ = "0.1.0"

# Submodules whose imports are heavy (PyMC, ArviZ, matplotlib, Dask) load on first attribute access
# (PEP 562): ``import bayesreg as br; br.plots`` works, and ``import bayesreg`` stays light.
_LAZY_SUBMODULES = ("convert", "plots", "posterior", "sensitivity", "parallel", "cli", "reports")
_LAZY_FROM = {"sample_posterior": "posterior", "laplace_approximation": "posterior", "PosteriorWarning": "posterior",
              "report": "reports", "sweep_report": "reports", "demo_report": "reports"}


def __getattr__(name: str):
    import importlib

    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY_FROM:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY_FROM[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_SUBMODULES) | set(_LAZY_FROM))
