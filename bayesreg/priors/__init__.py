"""Priors on the weights: penalties that are negative log densities, λ a precision.

The contract (what a prior must provide, and the table of the built-in ones) is
stated in :mod:`bayesreg.priors.base`; each built-in prior is one module.
"""

from __future__ import annotations

from .base import NoModeError, Prior
from .elastic_net import ElasticNet
from .flat import Flat
from .gaussian import Gaussian
from .horseshoe import Horseshoe, RegularizedHorseshoe, global_scale
from .laplace import Laplace
from .student_t import Cauchy, StudentT

__all__ = ["Prior", "Flat", "Gaussian", "Laplace", "ElasticNet", "StudentT", "Cauchy", "Horseshoe",
           "RegularizedHorseshoe", "NoModeError", "global_scale", "as_prior", "prior_from_params"]



def as_prior(value, name: str = "prior", default: Prior | None = None) -> Prior:
    """Accept a Prior (or None for ``default``); anything else is a TypeError naming ``name``."""
    if value is None and default is not None:
        return default
    if isinstance(value, Prior):
        return value
    raise TypeError(f"{name} must be a bayesreg prior (Gaussian, Laplace, ElasticNet, StudentT, Cauchy, Flat) or None, got {value!r}")


def prior_from_params(kind: str, params: dict[str, float]) -> Prior:
    """Rebuild a prior from ``type(prior).__name__`` and ``prior.params()``.

    Any subclass of :class:`Prior` defined in this process counts (a user's own prior
    too, once its module is imported); an unknown kind is a ValueError listing the known ones.
    """
    try:
        cls = Prior.registry[str(kind).lower()]
    except KeyError:
        raise ValueError(f"unknown prior kind {kind!r}; expected one of {sorted(Prior.registry)} "
                         f"(a prior of your own must be defined, i.e. its module imported, before loading)") from None
    return cls(**params)
