"""The gradient-descent core: solvers for the MAP, selectable by name.

``gd`` (the lecture's fixed-step subgradient loop), ``ista`` (proximal
gradient with backtracking), ``fista`` (accelerated, with restart),
``newton`` (proximal Newton with an exact L1 subproblem, for few features or
ill-conditioned data), ``lbfgs`` (quasi-Newton, smooth priors only: large N·D) and
``auto`` (the estimators' default: newton, lbfgs or fista, :mod:`bayesreg.solvers.auto`;
the result says which and why).  Each takes a :class:`bayesreg.model.Model` and a
starting θ and returns a :class:`MapResult`.
"""

from .auto import auto, choose
from .gd import gd, lipschitz_constant
from .lbfgs import lbfgs
from .newton import newton
from .proximal import fista, ista
from .result import ConvergenceWarning, DivergenceError, History, MapResult

SOLVERS = {"gd": gd, "ista": ista, "fista": fista, "newton": newton, "lbfgs": lbfgs, "auto": auto}

__all__ = ["SOLVERS", "solve", "auto", "choose", "gd", "ista", "fista", "newton", "lbfgs", "lipschitz_constant",
           "MapResult", "History", "ConvergenceWarning", "DivergenceError"]


def solve(model, theta0, solver: str = "auto", **options) -> MapResult:
    """Run the named solver; unknown names are a ValueError listing the choices."""
    try:
        fn = SOLVERS[solver]
    except (KeyError, TypeError):
        raise ValueError(f"solver must be one of {sorted(SOLVERS)}, got {solver!r}") from None
    return fn(model, theta0, **options)
