"""Prior sensitivity: λ paths, how much the posterior moves with λ, and choosing λ.

One concept per module:

* :mod:`~bayesreg.sensitivity.path` — the warm-started MAP path and the prior scale of each λ;
* :mod:`~bayesreg.sensitivity.posterior_sweep` — :func:`sweep`: the posterior at every λ, compiled once,
  in process or on Dask (:mod:`bayesreg.parallel` runs the jobs);
* :mod:`~bayesreg.sensitivity.power_scaling` — :func:`prior_sensitivity`: power-scaling is λ → αλ;
* :mod:`~bayesreg.sensitivity.hyperprior` — :func:`full_bayes_lambda`: a Gamma hyperprior on λ;
* :mod:`~bayesreg.sensitivity.choice` — cross-validation, empirical Bayes, and :func:`choose_lambda`;
* :mod:`~bayesreg.sensitivity.families` — :func:`compare_priors`: the same data under several prior families.

What λ means and how a prior is moved to another λ belong to the prior
(``Prior.strength``, ``with_strength``, ``scale_power``, ``strength_meaning``).
Nothing here prints: progress goes to a ``progress(done, total)`` callable and
to ``logging``; problems are warnings.
"""

from .choice import choose_lambda, cross_validate_path, empirical_bayes_lambda, laplace_log_evidence
from .families import PriorComparison, compare_priors
from .hyperprior import full_bayes_lambda
from .path import map_path
from .posterior_sweep import SweepFailure, sweep
from .power_scaling import prior_sensitivity

__all__ = ["map_path", "sweep", "SweepFailure", "prior_sensitivity", "cross_validate_path",
           "empirical_bayes_lambda", "laplace_log_evidence", "full_bayes_lambda", "choose_lambda",
           "compare_priors", "PriorComparison"]
