r"""The compiled one-pass kernel behind :mod:`bayesreg.fused` (numba; imported only where used).

One pass over the rows of a C-ordered X computes, with each row x_i read once:

    η_i   = x_i·w + shift                      (the linear predictor at the trial point)
    η^g_i = η_i + β·(η_i − η^old_i)            (the point where the gradient is wanted; β = 0: the same)
    f     = Σ_i s_i·nll(y_i, η_i),   f_g = Σ_i s_i·nll(y_i, η^g_i)
    r_i   = s_i·dnll/dη(y_i, η^g_i),   g = Σ_i r_i·x_i,   r_sum = Σ_i r_i

(s_i the sample weights, 1 without them).  The likelihood is chosen by ``kind``
(:data:`BERNOULLI`, :data:`NORMAL`, :data:`POISSON`; ``param`` is 1/σ² for the Normal),
with the same overflow-free forms as :mod:`bayesreg.likelihoods` and :mod:`bayesreg.poisson`:
log(1 + e^η) = max(η, 0) + log1p(e^{−|η|}), σ(η) from e^{−|η|}, and a Poisson e^η that
overflows gives +inf (no warning), which the line searches reject.

Compiled with ``cache=True`` (the first compile, ≈ 3–5 s, is stored next to this file
or in numba's cache directory; later processes load it) and ``fastmath`` limited to
reassociation and contraction (no assumption that values are finite), so sums may be
taken in a different order than numpy's: results agree to rounding (~1e-14 relative).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .numba_ids import use_random_ids

use_random_ids()  # before the first compile below (bayesreg.numba_ids)

__all__ = ["BERNOULLI", "NORMAL", "POISSON", "one_pass"]

BERNOULLI, NORMAL, POISSON = 0, 1, 2

_FLAGS = {"reassoc", "contract", "nsz", "arcp"}


@numba.njit(cache=True, inline="always")
def _nll_residual(kind, y, eta, param):
    """(nll(y, η), dnll/dη) of one row."""
    if kind == 0:
        e = math.exp(-abs(eta))
        nll = max(eta, 0.0) - y * eta + math.log1p(e)
        p = 1.0 / (1.0 + e) if eta >= 0.0 else e / (1.0 + e)
        return nll, p - y
    if kind == 1:
        d = eta - y
        return 0.5 * param * d * d, param * d
    mu = math.exp(eta)
    return mu - y * eta, mu - y


@numba.njit(cache=True, nogil=True, fastmath=_FLAGS)
def one_pass(X, w, shift, eta_old, beta, y, weights, kind, param, eta, eta_g, g):
    """Fill η, η^g and g (see the module docstring); return (f, f_g, r_sum).

    ``weights`` of length 0 means no sample weights; ``eta_old`` is read only when β ≠ 0.
    """
    n, d = X.shape
    for j in range(d):
        g[j] = 0.0
    weighted = weights.shape[0] > 0
    moved = beta != 0.0
    f = 0.0
    f_g = 0.0
    r_sum = 0.0
    for i in range(n):
        s = shift
        for j in range(d):
            s += X[i, j] * w[j]
        eta[i] = s
        si = weights[i] if weighted else 1.0
        nll, r = _nll_residual(kind, y[i], s, param)
        if moved:
            e = s + beta * (s - eta_old[i])
            eta_g[i] = e
            nll_g, r = _nll_residual(kind, y[i], e, param)
            f_g += si * nll_g
        else:
            eta_g[i] = s
        f += si * nll
        r *= si
        r_sum += r
        if r != 0.0:
            for j in range(d):
                g[j] += r * X[i, j]
    if not moved:
        f_g = f
    return f, f_g, r_sum


def warm() -> None:
    """Compile (or load from the cache) the kernel for float64 arrays."""
    z = np.zeros((1, 1))
    v = np.zeros(1)
    one_pass(z, v, 0.0, v, 0.0, v, np.zeros(0), BERNOULLI, 0.0, np.zeros(1), np.zeros(1), np.zeros(1))
