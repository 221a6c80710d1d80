"""Figures.  Plot functions only draw: each takes results, an optional ``ax``, returns the axes.

* :mod:`.posterior` — :func:`plot_forest` (the :func:`bayesreg.compare.compare`
  table) and :func:`plot_densities` (posterior draws, MAP and prior per coefficient).
* :mod:`.solver` — :func:`plot_cost_history` (U and the optimality measure per
  iteration of the MAP solver).
* :mod:`.sweep` — λ sweeps and the choice of λ (results of :mod:`bayesreg.sensitivity`):
  :func:`plot_coef_path`, :func:`plot_zero_pattern`, :func:`plot_prior_sensitivity`,
  :func:`plot_lambda_choice`.
* :mod:`.families` — :func:`plot_prior_families` (the result of :func:`bayesreg.compare_priors`).
* :mod:`.axes` — the helpers they share (new axes, the prior-scale top axis, marker styles).

Artists carry a ``gid`` ("hdi", "mean", "map", "map_zero", "true", "prior",
"optimality", "tol", …) so callers and tests can find them.
"""

from .families import plot_prior_families
from .posterior import plot_densities, plot_forest
from .solver import plot_cost_history
from .sweep import plot_coef_path, plot_lambda_choice, plot_prior_sensitivity, plot_zero_pattern

__all__ = ["plot_forest", "plot_densities", "plot_cost_history",
           "plot_coef_path", "plot_zero_pattern", "plot_prior_sensitivity", "plot_lambda_choice",
           "plot_prior_families"]
