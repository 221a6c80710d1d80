"""What every solver returns, and how it reports failure."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning

from ..warn import LIBRARY_FILES

__all__ = ["MapResult", "History", "ConvergenceWarning", "DivergenceError", "finish"]


class ConvergenceWarning(SklearnConvergenceWarning):
    """A solver stopped at max_iter before meeting its tolerance.

    A subclass of scikit-learn's ``ConvergenceWarning`` (itself a UserWarning), so a filter on
    scikit-learn's warning (``warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)``)
    silences ours too.
    """


class DivergenceError(FloatingPointError):
    """The objective became non-finite or exploded (e.g. a too-large learning rate)."""


@dataclass
class History:
    """Per-iteration record: U, the step size used, and the optimality measure."""

    objective: list[float] = field(default_factory=list)
    step_size: list[float] = field(default_factory=list)
    optimality: list[float] = field(default_factory=list)

    def append(self, objective: float, step_size: float, optimality: float) -> None:
        self.objective.append(float(objective))
        self.step_size.append(float(step_size))
        self.optimality.append(float(optimality))

    def record(self, model, x, grad, objective: float, step_size: float, tol: float) -> tuple[float, bool]:
        """Append this iterate's U, step and KKT optimality; (optimality, whether it meets tol)."""
        opt = model.optimality(x, grad)
        self.append(objective, step_size, opt)
        return opt, opt <= tol

    def as_arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(getattr(self, k), dtype=float) for k in ("objective", "step_size", "optimality")}


@dataclass
class MapResult:
    """The MAP estimate and how it was reached.

    ``objective`` is U (the negative log posterior, a sum over observations);
    ``optimality`` is the scale-free KKT violation at ``coef``/``intercept``.
    ``local_mode`` is True where a penalty is non-convex (Student-t, Cauchy): U may have
    several minima and this is the one the solver reached from its start (0 by default).
    """

    coef: np.ndarray
    intercept: float
    objective: float
    converged: bool
    n_iter: int
    n_grad: int
    optimality: float
    solver: str
    tol: float
    history: History
    message: str = ""
    local_mode: bool = False
    #: the noise sd at the MAP: estimated (``sigma_estimated``) or the fixed one; None without a σ
    sigma: float | None = None
    sigma_estimated: bool = False
    #: outer (θ-block, σ-step) iterations of the block-coordinate MAP over (w, b, σ); 0 when σ is not estimated
    n_outer: int = 0
    #: why this solver ran: ``solver="auto"`` says what it picked and why ("auto: …"); "" for a named solver
    solver_reason: str = ""

    @property
    def n_zero(self) -> int:
        return int(np.count_nonzero(self.coef == 0))

    def __repr__(self) -> str:
        state = "converged" if self.converged else "NOT converged"
        mode = ", a local mode (non-convex prior)" if self.local_mode else ""
        why = f" ({self.solver_reason})" if self.solver_reason else ""
        return (f"MapResult(solver={self.solver!r}{why}, {state}{mode} in {self.n_iter} iterations{self._outer()}, "
                f"U={self.objective:.10g}, optimality={self.optimality:.2e}, "
                f"{self.n_zero}/{self.coef.size} coefficients exactly zero{self._noise()})")

    def _outer(self) -> str:
        return f" ({self.n_outer} outer σ-steps)" if self.sigma_estimated else ""

    def _noise(self) -> str:
        if self.sigma is None:
            return ""
        return f", σ = {self.sigma:.6g} ({'MAP' if self.sigma_estimated else 'fixed'})"

    def describe(self) -> str:
        """One line: solver, convergence, U, optimality, zeros and σ."""
        return repr(self)


def finish(model, theta, *, objective, converged, n_iter, optimality, solver, tol, history, message="") -> MapResult:
    """Build the result in the user's parametrization and warn if not converged."""
    coef, intercept = model.coef_intercept(theta)
    if not converged:
        text = (f"{solver} did not converge in {n_iter} iterations: optimality {optimality:.2e} > tol {tol:.1e}. "
                f"{message}".strip())
        warnings.warn(text, ConvergenceWarning, skip_file_prefixes=LIBRARY_FILES)
        message = text
    return MapResult(coef=coef, intercept=intercept, objective=float(objective), converged=bool(converged),
                     n_iter=int(n_iter), n_grad=int(model.n_rmatvec), optimality=float(optimality),
                     solver=solver, tol=float(tol), history=history, message=message,
                     local_mode=not model.convex)
