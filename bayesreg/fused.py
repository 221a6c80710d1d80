r"""Σ nll and its gradient at a trial point in **one pass over X** (the fused kernel).

A first-order solver needs, per step, η = Aθ at a trial point (for the value f) and
∇f = Aᵀr at the point it moves from, r = s·dnll/dη.  Done as two matrix–vector
products, that reads X twice; X does not fit in cache on large problems, so the
time is the memory traffic.  The kernel (:mod:`bayesreg.fused_kernel`, numba) reads
each row of X once and, while it is in cache, forms η_i, r_i and adds r_i·x_i to
the gradient.

The gradient may be asked for at a *different* point on the line through the trial
point θ and an old one: η is linear in θ, so at θ_g = θ + β(θ − θ_old) it is
η_g = η + β(η − η_old) without another product.  FISTA uses that: with the trial
point x⁺ it gets the gradient at the next extrapolated point y = x⁺ + β(x⁺ − x), so an
accepted step costs one pass, not two (:mod:`bayesreg.solvers.proximal`).

The kernel is used when the likelihood has one (``Likelihood.kernel_spec``: Bernoulli,
Normal, Poisson), X is C-ordered float64 with at least :data:`MIN_ELEMENTS` entries
(below that a pass is cheap and numba's import, ≈ 0.3 s once per process, is not), and
numba imports; ``BAYESREG_FUSED=0`` in the environment turns it off.  Otherwise
:func:`evaluate` does the same with numpy (a product for η, and Aᵀr only when the
gradient is asked for).  Both give the same numbers to rounding.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["MIN_ELEMENTS", "Point", "evaluate", "kernel_for", "shift_of"]

#: smallest X (rows × columns) that uses the compiled kernel
MIN_ELEMENTS = 500_000
_EMPTY = np.zeros(0)


def _enabled() -> bool:
    return os.environ.get("BAYESREG_FUSED", "1") not in ("0", "false", "no")


def kernel_for(model, min_elements: int | None = None):
    """The compiled kernel module and the likelihood's (name, param), or None where numpy is used."""
    spec = model.likelihood.kernel_spec()
    if spec is not None and spec[0] not in ("bernoulli", "normal", "poisson"):
        spec = None
    X = model.X
    limit = MIN_ELEMENTS if min_elements is None else min_elements
    if (spec is None or not _enabled() or not isinstance(X, np.ndarray) or X.dtype != np.float64 or X.ndim != 2
            or not X.flags.c_contiguous or X.size < max(limit, 1)):
        return None
    try:
        from . import fused_kernel
    except ImportError:  # numba missing or broken: numpy does the same, in two passes
        return None
    return fused_kernel, spec


def shift_of(model, theta: np.ndarray) -> float:
    """The constant added to X·w in η: c, or c − x̄·w with a centred intercept (0 without one)."""
    w, c = model.split(theta)
    return c - float(model.x_mean @ w) if model.centered else c


class Point:
    """η and f at a trial point θ, and f and ∇f at θ_g = θ + β(θ − θ_old) (θ itself when β = 0).

    With the kernel, all of them come from one pass; with numpy, ``f_g`` and
    ``gradient`` are computed when first read.
    """

    __slots__ = ("_f_g", "_grad", "beta", "eta", "eta_g", "f", "model")

    def __init__(self, model, eta, f, eta_g, beta, f_g=None, grad=None):
        self.model, self.eta, self.f, self.eta_g, self.beta = model, eta, f, eta_g, beta
        self._f_g, self._grad = f_g, grad

    @property
    def f_g(self) -> float:
        if self._f_g is None:
            self._f_g = self.f if self.beta == 0.0 else self.model.data_nll(self.eta_g)
        return self._f_g

    @property
    def known_gradient(self) -> np.ndarray | None:
        """``gradient`` if it is already computed (the kernel's pass gives it), else None."""
        return self._grad

    @property
    def gradient(self) -> np.ndarray:
        """∇f at θ_g (θ-shaped, the intercept coordinate last)."""
        if self._grad is None:
            self._grad = self.model.data_gradient(self.eta_g)
        return self._grad


def evaluate(model, theta: np.ndarray, eta_old: np.ndarray | None = None, beta: float = 0.0,
             min_elements: int | None = None) -> Point:
    """f at θ and, with the gradient, at θ + β(θ − θ_old), η_old = A·θ_old (module docstring)."""
    beta = float(beta)
    if beta != 0.0 and eta_old is None:
        raise ValueError("eta_old is needed when beta != 0")
    found = kernel_for(model, min_elements)
    if found is None:
        eta = model.linear_predictor(theta)
        eta_g = eta if beta == 0.0 else eta + beta * (eta - eta_old)
        return Point(model, eta, model.data_nll(eta), eta_g, beta)
    kernel, (name, param) = found
    kind = {"bernoulli": kernel.BERNOULLI, "normal": kernel.NORMAL, "poisson": kernel.POISSON}[name]
    w, _ = model.split(theta)
    w = np.ascontiguousarray(w, dtype=float)
    y = np.ascontiguousarray(model.y, dtype=float)
    weights = _EMPTY if model.sample_weight is None else np.ascontiguousarray(model.sample_weight, dtype=float)
    n = model.n_samples
    eta = np.empty(n)
    eta_g = eta if beta == 0.0 else np.empty(n)
    gw = np.empty(model.n_features)
    old = _EMPTY if beta == 0.0 else np.ascontiguousarray(eta_old, dtype=float)
    f, f_g, r_sum = kernel.one_pass(model.X, w, shift_of(model, theta), old, beta, y, weights,
                                    kind, float(param), eta, eta_g, gw)
    model.n_rmatvec += 1
    if model.fit_intercept:
        if model.centered:
            with np.errstate(invalid="ignore", over="ignore"):  # an overflowed (inf) Poisson gradient stays unused
                gw -= r_sum * model.x_mean
        gw = np.append(gw, r_sum)
    return Point(model, eta, float(f), eta_g, beta, f_g=float(f_g), grad=gw)
