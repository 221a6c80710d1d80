r"""The L1-penalized quadratic model of proximal Newton, solved exactly: coordinate descent + an active-set finish.

Proximal Newton (:mod:`bayesreg.solvers.newton`) needs, at each outer iteration,

    z* = argmin_z  q(z) = gᵀ(z − x) + ½(z − x)ᵀH(z − x) + Σ_j λ1_j·|z_j|

with H (D × D) symmetric positive definite, g the gradient of U's smooth part at x
and λ1_j ≥ 0 (0 for unpenalized coordinates: the intercept).  This is the inner
problem that glmnet and glum's ``irls-cd`` solve by coordinate descent.

**Coordinate descent** adds coordinates.  With r = g + H(z − x) (the gradient of
the smooth part of q at z, kept up to date with one row of H per change), a sweep sets

    z_j ← S(z_j − r_j/H_jj, λ1_j/H_jj),   S(u, t) = sign(u)·max(|u| − t, 0),

for j = 1 … D: the exact minimizer of q along coordinate j; soft-thresholding puts
coordinates exactly on zero.  Alone it crawls where H is ill-conditioned (raw-scale
or strongly correlated columns: thousands of sweeps on breast cancer).

**Subspace steps finish exactly** (feature-sign search, Lee, Battle, Raina & Ng 2007).
With the signs s of z fixed on S = {j : z_j ≠ 0 or λ1_j = 0}, q is a quadratic whose
minimizer solves

    H_SS z_S = (Hx)_S − g_S − λ1_S·s_S,   z_j = 0 off S     (Cholesky).

If it keeps the signs, z moves there; if not, z moves towards it only up to the first
coordinate that reaches zero (q falls all the way), which leaves S, and the solve is
repeated.  When the signs hold and every zero satisfies |r_j| ≤ λ1_j, z is z* exactly
(the KKT conditions of a strictly convex problem).  Otherwise a coordinate-descent
sweep brings in the violators and the next subspace step follows.  The first
subspace step uses the pattern of x itself: near the optimum the outer Newton
iterates keep their pattern, and one Cholesky solve is the whole subproblem.  It
stops (inexact, reported) only if a sweep moves no coordinate by more than ``tol``
(in √H_jj·|δ_j|, relative to the size of z in that metric) and the KKT test still
fails at rounding level, or after ``max_sweeps`` sweeps.

The kernel is compiled by numba (``cache=True``: compiled once per machine and then
loaded from disk; numba is imported at the first call, not with bayesreg).  Without
numba the same Python function runs uncompiled (correct, but ~100× slower).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["lasso_quadratic", "kernel_info"]


def _cholesky_solve(A, b, m, L, out) -> bool:
    """Solve A[:m, :m]·out = b[:m] by Cholesky into the buffer L; False where A is not positive definite."""
    for i in range(m):
        for j in range(i + 1):
            s = A[i, j]
            for k in range(j):
                s -= L[i, k] * L[j, k]
            if i == j:
                if not s > 0.0:
                    return False
                L[i, i] = math.sqrt(s)
            else:
                L[i, j] = s / L[j, j]
    for i in range(m):  # L y = b
        s = b[i]
        for k in range(i):
            s -= L[i, k] * out[k]
        out[i] = s / L[i, i]
    for i in range(m - 1, -1, -1):  # Lᵀ out = y
        s = out[i]
        for k in range(i + 1, m):
            s -= L[k, i] * out[k]
        out[i] = s / L[i, i]
    return True


def _residual(H, g, x, z, r) -> None:
    """r = g + H(z − x): the gradient of q's smooth part at z."""
    d = x.shape[0]
    for j in range(d):
        r[j] = g[j]
    for k in range(d):
        step = z[k] - x[k]
        if step != 0.0:
            for j in range(d):
                r[j] += H[k, j] * step


def _subspace(H, g, x, l1, z, r, gscale, S, A, b, L, sol) -> bool:
    """Minimize q on z's sign pattern, shrinking the pattern where a sign would flip; True where z is then z*.

    On S = {z_j ≠ 0 or λ1_j = 0} with the signs of z fixed, q is a quadratic whose minimizer
    solves H_SS z_S = (Hx)_S − g_S − λ1_S·s_S.  If that keeps the signs, z moves there and is
    z* when every zero satisfies |r_j| ≤ λ1_j.  Otherwise z moves along the segment towards it
    up to the first coordinate that reaches zero (q decreases all the way: it equals the
    sign-fixed quadratic there, whose minimum is the segment's end), that coordinate leaves
    S, and the solve is repeated: each round lowers q and shrinks S (feature-sign search).
    """
    d = x.shape[0]
    for _ in range(d + 1):
        m = 0
        for j in range(d):
            if z[j] != 0.0 or l1[j] == 0.0:
                S[m] = j
                m += 1
        for p in range(m):
            i = S[p]
            for q in range(m):
                A[p, q] = H[i, S[q]]
            s = 0.0
            for k in range(d):
                s += H[i, k] * x[k]
            s -= g[i]
            if l1[i] != 0.0:
                s -= l1[i] if z[i] > 0.0 else -l1[i]
            b[p] = s
        if m > 0 and not _cholesky_solve(A, b, m, L, sol):
            return False
        t_first = 1.0
        first = -1
        for p in range(m):
            i = S[p]
            if l1[i] != 0.0 and not sol[p] * z[i] > 0.0:  # the sign of z_i would flip (or reach 0)
                t = z[i] / (z[i] - sol[p])
                if t < t_first or first < 0:
                    t_first = t
                    first = p
        if first < 0:
            for p in range(m):
                z[S[p]] = sol[p]
            _residual(H, g, x, z, r)
            for j in range(d):
                if z[j] == 0.0 and l1[j] != 0.0 and abs(r[j]) > l1[j] + 1e-9 * (l1[j] + gscale):
                    return False  # a zero that should move: coordinate descent adds it
            return True
        for p in range(m):
            i = S[p]
            z[i] += t_first * (sol[p] - z[i])
        z[S[first]] = 0.0
        _residual(H, g, x, z, r)
    return False


def _sweep(H, l1, z, r, n) -> float:
    """One cyclic pass over all coordinates; the largest √H_jj·|δ_j| it made."""
    biggest = 0.0
    for j in range(n):
        a = H[j, j]
        if not a > 0.0:
            continue
        zj = z[j]
        u = zj - r[j] / a
        t = l1[j] / a
        if u > t:
            new = u - t
        elif u < -t:
            new = u + t
        else:
            new = 0.0
        delta = new - zj
        if delta != 0.0:
            for k in range(n):
                r[k] += delta * H[j, k]
            z[j] = new
            moved = math.sqrt(a) * abs(delta)
            if moved > biggest:
                biggest = moved
    return biggest


def _size(H, z) -> float:
    """max_j √H_jj·|z_j|, at least 1: what the stopping test is relative to."""
    out = 1.0
    for j in range(z.shape[0]):
        v = math.sqrt(max(H[j, j], 0.0)) * abs(z[j])
        if v > out:
            out = v
    return out


def _cd(H, g, x, l1, z, tol, max_sweeps):
    """Minimize q (module docstring) from z = x into z; (sweeps, whether z is exact: KKT met)."""
    d = x.shape[0]
    r = g.copy()
    gscale = 0.0
    for j in range(d):
        z[j] = x[j]
        if abs(g[j]) > gscale:
            gscale = abs(g[j])
    S = np.empty(d, dtype=np.int64)
    A = np.empty((d, d))
    L = np.empty((d, d))
    b = np.empty(d)
    sol = np.empty(d)
    if _subspace(H, g, x, l1, z, r, gscale, S, A, b, L, sol):  # x's own pattern may be the answer
        return 0, True
    sweeps = 0
    while sweeps < max_sweeps:
        sweeps += 1
        moved = _sweep(H, l1, z, r, d)
        if _subspace(H, g, x, l1, z, r, gscale, S, A, b, L, sol):
            return sweeps, True
        if moved <= tol * _size(H, z):
            break
    return sweeps, False


_compiled = None
_compile_seconds: float | None = None


def _kernel():
    """The numba-compiled ``_cd`` (compiled or loaded from numba's disk cache at the first call); the Python one without numba."""
    global _compiled, _compile_seconds
    if _compiled is None:
        import time

        t0 = time.perf_counter()
        try:
            from numba import njit
        except ImportError:  # pragma: no cover - numba is a dependency
            _compiled = _cd
        else:
            from ..numba_ids import use_random_ids

            use_random_ids()  # compiled here, the ids must not be numba's counter (bayesreg.numba_ids)
            jit = njit(cache=True, nogil=True)
            for fn in (_cholesky_solve, _residual, _subspace, _sweep, _size):
                globals()[fn.__name__] = jit(fn)  # the helpers _cd calls, compiled first
            _compiled = jit(_cd)
            x = np.zeros(1)
            _compiled(np.eye(1), x, x, x, np.zeros(1), 1e-12, 1)  # compile (or load) now, not mid-solve
        _compile_seconds = time.perf_counter() - t0
    return _compiled


def kernel_info() -> dict:
    """Whether the kernel is numba-compiled, and the seconds its first call took (import + compile or cache load)."""
    return {"numba": _compiled is not None and _compiled is not _cd, "first_call_seconds": _compile_seconds}


def lasso_quadratic(H, g, x, l1, *, tol: float = 1e-12, max_sweeps: int = 100_000, compiled: bool = True):
    """argmin_z gᵀ(z − x) + ½(z − x)ᵀH(z − x) + Σ_j λ1_j|z_j| (module docstring); returns (z, sweeps).

    H must be symmetric positive definite; zeros in z are exact.  ``compiled=False`` runs
    the uncompiled Python kernel (for tests).
    """
    H = np.ascontiguousarray(H, dtype=float)
    g = np.ascontiguousarray(g, dtype=float)
    x = np.ascontiguousarray(x, dtype=float)
    l1 = np.ascontiguousarray(l1, dtype=float)
    z = np.empty_like(x)
    fn = _kernel() if compiled else _cd
    sweeps, _ = fn(H, g, x, l1, z, float(tol), int(max_sweeps))
    return z, int(sweeps)
