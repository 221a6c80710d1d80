"""The full posterior of exactly the model whose mode the estimator found.

    p(w, b | y) ∝ exp(−U(w, b)),   U = Σ_n nll(y_n, x_n·w + b) + penalty(w) + intercept_penalty(b)

One concept per module:

* :mod:`~bayesreg.posterior.problem` — the model U of an estimator on (X, y) and its MAP;
* :mod:`~bayesreg.posterior.pymc_model` — the PyMC model of exp(−U) and one compile cache;
* :mod:`~bayesreg.posterior.disk_cache` — that compiled model on disk, for the next process;
* :mod:`~bayesreg.posterior.nuts` — NUTS (nutpie or PyMC) started at the MAP;
* :mod:`~bayesreg.posterior.laplace` — the Laplace approximation at the MAP;
* :mod:`~bayesreg.posterior.importance` — laplace-is, PSIS from U's local model;
* :mod:`~bayesreg.posterior.auto` — the "auto" sampler's two-stage decision: laplace-is or NUTS;
* :mod:`~bayesreg.posterior.diagnostics` — thresholds, PSIS, R-hat and ESS, problems in words;
* :mod:`~bayesreg.posterior.assemble` — the DataTree and its attrs;
* :mod:`~bayesreg.posterior.sample` — :func:`sample_posterior` and the "auto" policy.
"""

from .diagnostics import PosteriorWarning
from .laplace import laplace_approximation
from .problem import Problem
from .pymc_model import build_pymc_model, clear_compile_cache
from .sample import sample_posterior

__all__ = ["PosteriorWarning", "Problem", "build_pymc_model", "clear_compile_cache", "laplace_approximation",
           "sample_posterior"]
