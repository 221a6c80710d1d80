r"""``solver="auto"`` (the estimators' default): Newton where it is cheap or needed, L-BFGS or FISTA where N·D is large.

With p = D (+1 with an intercept) parameters and N rows, one Newton iteration builds
the p × p Hessian AᵀWA (≈ N·p² flops) and factors it (p³/3); it converges in a
handful of iterations whatever the conditioning.  One FISTA iteration costs a few
passes over X (≈ 4·N·p flops) but needs tens of iterations on well-conditioned data
and thousands on ill-conditioned data (raw-scale columns: breast cancer without
standardizing took 4,705 FISTA iterations for a Gaussian prior and did not converge
in 10,000 for a Laplace one, against 9 Newton iterations).  So auto takes, in order:

1. **fista** where the prior does not give its curvature (``Prior.has_curvature``
   False: a user's prior without ``curvature``/``curvature_at``), since Newton's
   Hessian would be wrong;
2. **newton** where p ≤ :data:`SMALL_P` and either N·p² ≤ :data:`NEWTON_WORK` or the data
   are chunked on a cluster (``Model.remote``: each pass is a round trip, and Newton
   takes ~10 passes where FISTA takes hundreds; :mod:`bayesreg.chunked`): the p × p
   system is cheap, and Newton's few iterations beat FISTA's many on any data;
3. **newton** where the problem is ill-conditioned and N·p² ≤ :data:`ILL_WORK`:
   the diagonal of the Hessian at θ = 0 (:meth:`Model.hessian_diagonal`, one pass
   over X) spans a factor ≥ :data:`ILL_SPREAD` (column scales ≥ 100 apart), where
   first-order methods crawl;
4. otherwise (large N·D, well-scaled columns) **lbfgs** for a smooth U (no |θ| term:
   Gaussian, Student-t, …; :mod:`bayesreg.solvers.lbfgs`, one pass over X per
   evaluation) and **fista** where the prior has an L1 part (its prox gives exact zeros).

A non-convex prior (``Prior.convex`` False: Student-t, Cauchy) follows the same rules:
Newton's step (on H made positive definite where the prior's curvature is negative)
and its line search descend from the start (0) as FISTA's steps do, and on breast
cancer both reach the same local mode, Newton in 9–11 iterations where FISTA took
300–1,000 (standardized) and 17,000–25,000 (raw scale); the reason then adds that
the MAP is the local mode reached from 0.

Newton solves the L1 part exactly (proximal Newton with a coordinate-descent
subproblem, :mod:`bayesreg.solvers.coordinate`), so exact zeros are kept.  The
result records the choice: ``MapResult.solver`` is the solver that ran and
``MapResult.solver_reason`` says why ("auto: …").  :func:`choose` is the rule,
:func:`auto` runs it; the σ-estimating block-coordinate MAP
(:mod:`bayesreg.solvers.noise`) chooses once and keeps that solver for every σ.
"""

from __future__ import annotations

import numpy as np

__all__ = ["auto", "choose", "SMALL_P", "NEWTON_WORK", "ILL_SPREAD", "ILL_WORK"]

#: Newton whenever there are at most this many parameters (and N·p² ≤ NEWTON_WORK).
SMALL_P = 64
#: N·p² of a Newton iteration that costs at most ~ tens of ms (one Gram matrix).
NEWTON_WORK = 1e8
#: max/min of the Hessian diagonal at θ = 0 from which the problem counts as ill-conditioned (column sds 100× apart).
ILL_SPREAD = 1e4
#: N·p² up to which an ill-conditioned problem still takes Newton.
ILL_WORK = 5e9


def _fmt(x: float) -> str:
    """3 significant digits, exponents without padding: 5.47e5, 1e8, 31."""
    text = f"{x:.3g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}e{int(exp)}"
    return text


def choose(model) -> tuple[str, str]:
    """(solver name, why: a short text starting "auto: ") for this model (module docstring)."""
    return _with_mode_note(model, _choose(model))


def _choose(model) -> tuple[str, str]:
    if not model.prior.has_curvature:
        return "fista", "auto: the prior gives no curvature (Prior.curvature_at) for Newton's Hessian"
    n, p = model.n_samples, model.n_params
    work = float(n) * p * p
    if model.remote and p <= SMALL_P:
        return "newton", (f"auto: p = {p} ≤ {SMALL_P} parameters on chunked data, where each pass over X is a "
                          f"round trip to the cluster: Newton's few passes")
    if p <= SMALL_P and work <= NEWTON_WORK:
        return "newton", f"auto: p = {p} ≤ {SMALL_P} parameters, N·p² = {_fmt(work)} ≤ {_fmt(NEWTON_WORK)}"
    if work > ILL_WORK:
        return _first_order(model, f"auto: N·p² = {_fmt(work)} > {_fmt(ILL_WORK)}, too large for Newton")
    spread = _diagonal_spread(model)
    if spread >= ILL_SPREAD:
        return "newton", (f"auto: ill-conditioned, Hessian diagonal spans ×{_fmt(spread)} ≥ {_fmt(ILL_SPREAD)} "
                          f"(columns on very different scales)")
    return _first_order(model, f"auto: p = {p} > {SMALL_P}, well-scaled columns "
                               f"(Hessian diagonal spans ×{_fmt(spread)})")


def _first_order(model, why: str) -> tuple[str, str]:
    """lbfgs for a smooth U (no |θ| term), fista (whose prox keeps exact zeros) otherwise."""
    if np.any(model.l1_weights()):
        return "fista", why + "; L1 part in the prior: fista (exact zeros)"
    return "lbfgs", why + "; smooth prior: lbfgs"


def _with_mode_note(model, choice: tuple[str, str]) -> tuple[str, str]:
    """A non-convex prior: say that the MAP is the local mode reached from the start."""
    return choice if model.convex else (choice[0], choice[1] + "; non-convex prior: the local mode reached from 0")


def _diagonal_spread(model) -> float:
    """max/min over the parameters of the Hessian diagonal at θ = 0 (zero entries, constant columns, left out)."""
    diag = model.hessian_diagonal(np.zeros(model.n_params))
    diag = diag[np.isfinite(diag) & (diag > 0)]
    if diag.size < 2:
        return 1.0
    return float(diag.max() / diag.min())


def auto(model, theta0, **options):
    """Run the solver :func:`choose` picks, with ``options`` (tol, max_iter: None means that solver's default)."""
    from . import SOLVERS

    name, reason = choose(model)
    options = {k: v for k, v in options.items() if v is not None}
    result = SOLVERS[name](model, theta0, **options)
    result.solver_reason = reason
    return result
