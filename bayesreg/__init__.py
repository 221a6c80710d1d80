"""bayesreg: Bayesian regression with regularizing priors.

Penalties are priors (λ is a precision), the MAP is the posterior's mode found
by our own gradient-descent core, and the full posterior is sampled with PyMC.

Every public name loads on first use (PEP 562): ``import bayesreg`` imports none
of scikit-learn, SciPy, pandas, PyMC, ArviZ, matplotlib or Dask, and
``bayesreg.LogisticRegression`` imports what the estimator needs the first time it is
named.  ``from bayesreg import X``, ``bayesreg.X``, ``dir(bayesreg)`` and ``import *``
work as with eager imports.
"""

import importlib as _importlib
import sys as _sys
import types as _types

#: Where each public name lives (module → names); the one list of them, read by ``__getattr__``.
_EXPORTS = {
    "estimators": ("LogisticRegression",),
    "regressors": ("LinearRegression", "PoissonRegression"),
    "formula": ("from_formula", "design"),
    "priors": ("Prior", "Flat", "Gaussian", "Laplace", "ElasticNet", "StudentT", "Cauchy", "Horseshoe",
               "RegularizedHorseshoe", "global_scale", "NoModeError"),
    "noise": ("NoisePrior", "Exponential", "HalfNormal", "HalfCauchy", "Jeffreys"),
    "solvers": ("MapResult", "ConvergenceWarning", "DivergenceError"),
    "separation": ("SeparationError", "detect_separation"),
    "compare": ("compare", "hdi"),
    "io": ("save_results", "load_results", "save_sweep", "load_sweep"),
    "sensitivity": ("sweep", "prior_sensitivity", "compare_priors", "choose_lambda", "full_bayes_lambda"),
    "posterior": ("sample_posterior", "laplace_approximation", "PosteriorWarning"),
    "reports": ("report", "sweep_report", "demo_report"),
}
_LAZY_FROM = {name: module for module, names in _EXPORTS.items() for name in names}
#: Submodules named in ``__all__`` or ``dir()``; any other submodule also loads on ``bayesreg.NAME``.
_LAZY_SUBMODULES = ("datasets", "convert", "plots", "posterior", "sensitivity", "parallel", "cli", "reports")

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


def _submodules() -> list[str]:
    import pkgutil

    return [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]


def __getattr__(name: str):
    if name in _LAZY_FROM:
        value = getattr(_importlib.import_module(f"{__name__}.{_LAZY_FROM[name]}"), name)
        globals()[name] = value  # next time a plain attribute; also replaces the submodule bayesreg.compare
        return value
    if not name.startswith("_") and name in (*_LAZY_SUBMODULES, *_submodules()):
        return _importlib.import_module(f"{__name__}.{name}")  # the import binds it in globals()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_LAZY_FROM) | set(_LAZY_SUBMODULES) | set(_submodules()))


class _Package(_types.ModuleType):
    """The package's module type: importing the submodule ``bayesreg.compare`` (the CLI and io do) must not
    replace the function ``bayesreg.compare`` with the module, as it did not when this file imported eagerly."""

    def __setattr__(self, name, value):
        if isinstance(value, _types.ModuleType) and _LAZY_FROM.get(name) == name:
            return  # the submodule stays in sys.modules; the package attribute is the function
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
