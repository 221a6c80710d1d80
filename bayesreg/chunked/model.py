r"""``ChunkedModel``: the model U of :mod:`bayesreg.model` on Dask arrays, every data sum blockwise.

It is a :class:`~bayesreg.model.Model` whose methods that read X or y run as
reductions over row chunks (:func:`bayesreg.chunked.blocks.row_sum`); everything on
θ (penalties, prox, KKT, the client-side solver state) is the parent's.  The sums:

* f = Σ_n w_n·nll(y_n, η_n) from the persisted η (no pass over X, unless fused: below);
* ∇f = Aᵀr with r = w·dnll/dη: per chunk (X_bᵀr_b, Σr_b), the centring applied on
  the client as in the parent (one pass);
* AᵀWA: per chunk (X_bᵀW_bX_b, X_bᵀW_b1, ΣW_b) — p² + p + 1 numbers (one pass);
  X_bᵀW_bX_b as (√W_b X_b)ᵀ(√W_b X_b), which NumPy computes as a symmetric rank-k
  update (half the flops of a general product) when every W ≥ 0;
* Newton's ∇f and AᵀWA at the same η in **one pass**: a gradient pass also returns the
  Gram sums at its η, and :meth:`ChunkedModel.hessian` at that η takes them instead of
  a second pass (the pattern of Newton and of the Laplace approximation).  The first
  gradient whose Gram sums go unused turns this off (a first-order solver pays one
  Gram computation, no extra pass); a Hessian asked for at the η of the latest
  gradient turns it on again;
* and while fusing, f's pass at a point (Newton's line search) also returns ∇f and AᵀWA
  there, which the gradient and Hessian at that point then take: **one pass per Newton
  iteration**.  A gradient asked for elsewhere than at the latest f's point (FISTA's
  extrapolation) turns the fusion off;
* ‖∇f(0)‖∞ (the scale of the stopping test) from the solver's own first gradient when
  it starts at θ = 0, not from a pass of its own;
* diag ∇²f: per chunk Σ c x², Σ c x, Σ c (one pass);
* for laplace-is, Σ_n w_n log p(y_n | θ_s) per draw s: per chunk X_b·W_sᵀ in slices
  of draws (≤ 2²² values at a time), summed per draw (one pass for all draws).

η of a trial point (:meth:`linear_predictor`) is persisted on the cluster: the
solvers hold it as they hold a numpy η, and only scalars and p-vectors come back.
"""

from __future__ import annotations

import numpy as np

from .. import gram
from ..model import Model
from .blocks import row_map, row_sum
from .inputs import column_means, fits_in_memory

__all__ = ["ChunkedModel"]

#: values of η (rows × draws) formed at once per chunk in :meth:`ChunkedModel.loglik_sums`
DRAW_BLOCK_ELEMENTS = 2**22


def _nll(likelihood, y, eta, weights=None):
    return [likelihood.nll(y, eta, weights)]


def _gradient(likelihood, X, y, eta, weights=None):
    r = likelihood.residual(y, eta)
    if weights is not None:
        r = r * weights
    return np.append(X.T @ r, r.sum())


def _adjoint(X, r):
    return np.append(X.T @ r, r.sum())


def _curvature(likelihood, y, eta, weights=None):
    c = likelihood.curvature(y, eta)
    return c if weights is None else c * weights


def _gram(columns, X, c):
    Xb = X if columns is None else X[:, columns]
    if np.all(c >= 0.0):  # (√c·X)ᵀ(√c·X): NumPy's symmetric rank-k update, half the flops of Xᵀ(cX)
        S = Xb * np.sqrt(c)[:, None]
        G = S.T @ S
    else:
        G = Xb.T @ (Xb * c[:, None])
    return np.concatenate([G.ravel(), c @ Xb, [c.sum()]])


def _nll_gradient_gram(likelihood, X, y, eta, weights=None):
    """Σ nll, then :func:`_gradient_gram` at the same η: a Newton iteration's one pass."""
    return np.concatenate([[likelihood.nll(y, eta, weights)], _gradient_gram(likelihood, X, y, eta, weights)])


def _gradient_gram(likelihood, X, y, eta, weights=None):
    """(Xᵀr, Σr) and the Gram sums of :func:`_gram` at the same η: Newton's two passes in one."""
    r = likelihood.residual(y, eta)
    c = likelihood.curvature(y, eta)
    if weights is not None:
        r, c = r * weights, c * weights
    return np.concatenate([X.T @ r, [r.sum()], _gram(None, X, c)])


def _diagonal(X, c):
    return np.concatenate([np.einsum("ij,ij,i->j", X, X, c), c @ X, [c.sum()]])


def _loglik_sums(likelihood, W, B, X, y, weights=None):
    S = W.shape[0]
    out = np.empty(S)
    step = max(1, DRAW_BLOCK_ELEMENTS // max(X.shape[0], 1))
    for s in range(0, S, step):
        eta = W[s:s + step] @ X.T + B[s:s + step, None]
        out[s:s + step] = likelihood.loglik_total(y, eta, weights)
    return out


def _matvec(w, shift, X):
    eta = X @ w
    if shift:
        eta += shift
    return eta


class ChunkedModel(Model):
    """U(θ) on row-chunked Dask arrays X (N × D, one column chunk), y and sample weights (module docstring)."""

    #: a pass over X is a round trip to a cluster (``solver="auto"`` prefers few passes)
    remote = True

    def __init__(self, X, y, likelihood, prior, intercept_prior=None, fit_intercept: bool = True, *,
                 center: bool = True, feature_names=None, sample_weight=None, noise_prior=None):
        if noise_prior is not None:
            raise ValueError("estimating the noise sd σ is not supported on chunked (Dask) data: give "
                             "LinearRegression a fixed noise_sd, or fit a subsample in memory")
        super().__init__(X, y, likelihood, prior, intercept_prior, fit_intercept, center=center,
                         feature_names=feature_names, sample_weight=None, noise_prior=None)
        self.sample_weight = sample_weight  # a Dask array (the parent would gather it)
        if self.centered:
            self.x_mean = column_means(X)
        #: whether X, y live in the cluster's memory (else every pass streams them from their source)
        self.persisted = fits_in_memory(X.nbytes + y.nbytes)
        #: compute the Gram sums in each gradient pass (module docstring: Newton's ∇f and AᵀWA in one pass)
        self.fuse_gram = True
        self._zero_eta = None  # the Dask name of an η = A·0 (its gradient gives ‖∇f(0)‖∞)
        self._last_gradient_eta = None  # the Dask name of the η of the latest gradient pass
        self._fused = None  # (η name, Gram sums) from the latest gradient pass, until the Hessian takes them
        self._ahead = None  # (η name, gradient and Gram sums) from the latest f pass, until the gradient takes them

    def _rows(self, *arrays) -> list:
        """The row-aligned arrays of a blockwise call, with the weights last where there are any."""
        return [*arrays] if self.sample_weight is None else [*arrays, self.sample_weight]

    def weights_key(self) -> str | None:
        """The weights named by their Dask key (hashing their bytes would gather them)."""
        return None if self.sample_weight is None else "dask:" + str(self.sample_weight.name)[-16:]

    # -- rows ---------------------------------------------------------------------------
    def linear_predictor(self, theta: np.ndarray):
        """η = Aθ as a Dask array persisted on the cluster (one pass over X)."""
        w, c = self.split(np.asarray(theta, dtype=float))
        shift = c - (float(self.x_mean @ w) if self.centered else 0.0)
        eta = row_map(_matvec, [self.X], (np.ascontiguousarray(w), float(shift))).persist()
        if not np.any(w) and shift == 0.0:
            self._zero_eta = eta.name
        return eta

    def adjoint(self, r) -> np.ndarray:
        self.n_rmatvec += 1
        sums = row_sum(_adjoint, self.n_features + 1, [self.X, r])
        return self._assemble_gradient(sums)

    def _assemble_gradient(self, sums: np.ndarray) -> np.ndarray:
        gw, s = sums[:-1], float(sums[-1])
        if not self.fit_intercept:
            return gw
        if self.centered:
            gw = gw - s * self.x_mean
        return np.append(gw, s)

    def data_nll(self, eta) -> float:
        name = getattr(eta, "name", None)
        if not self.fuse_gram or name is None:
            return float(row_sum(_nll, 1, self._rows(self.y, eta), (self.likelihood,))[0])
        d = self.n_features
        sums = row_sum(_nll_gradient_gram, 1 + d + 1 + d * d + d + 1, [self.X, *self._rows(self.y, eta)],
                       (self.likelihood,))
        self._ahead = (name, sums[1:])
        return float(sums[0])

    def data_gradient(self, eta) -> np.ndarray:
        self.n_rmatvec += 1
        d = self.n_features
        if self._fused is not None:  # the last fused Gram sums went unused: a solver that needs no Hessian
            self.fuse_gram, self._fused = False, None
        self._last_gradient_eta = getattr(eta, "name", None)
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] != self._last_gradient_eta:
            self.fuse_gram = False  # the gradient is wanted elsewhere than where f was: a first-order solver
        if ahead is not None and ahead[0] == self._last_gradient_eta:
            sums = ahead[1][:d + 1]
            self._fused = (self._last_gradient_eta, ahead[1][d + 1:])
        elif self.fuse_gram and self._last_gradient_eta is not None:
            sums = row_sum(_gradient_gram, d + 1 + d * d + d + 1, [self.X, *self._rows(self.y, eta)],
                           (self.likelihood,))
            self._fused = (self._last_gradient_eta, sums[d + 1:])
            sums = sums[:d + 1]
        else:
            sums = row_sum(_gradient, d + 1, [self.X, *self._rows(self.y, eta)], (self.likelihood,))
        grad = self._assemble_gradient(sums)
        if self._grad_scale is None and self._last_gradient_eta == self._zero_eta:
            self.gradient_at_zero(grad)
        return grad

    def curvature_rows(self, eta):
        return row_map(_curvature, self._rows(self.y, eta), (self.likelihood,))

    def max_curvature(self) -> float | None:
        c = self.likelihood.max_curvature(np.zeros(0))
        if c is None:
            return None
        return float(c) if self.sample_weight is None else float(c) * float(self.sample_weight.max().compute())

    @property
    def gradient_scale(self) -> float:
        if self._grad_scale is None:
            import dask.array as da

            eta0 = da.zeros(self.n_samples, chunks=self.X.chunks[0])
            self._zero_eta = eta0.name
            self.data_gradient(eta0)
        return self._grad_scale

    # -- second order --------------------------------------------------------------------
    def gram(self, weights, index=None, block_rows: int = 0) -> np.ndarray:
        """AᵀWA restricted to ``index``, from per-chunk (XᵀWX, XᵀW1, ΣW) (one pass)."""
        d = self.n_features
        cols = np.arange(self.n_params) if index is None else np.asarray(index, dtype=int).reshape(-1)
        if cols.size and (cols.min() < 0 or cols.max() >= self.n_params):
            raise IndexError(f"index must hold parameter positions in [0, {self.n_params}), got {cols.tolist()}")
        wc = cols[cols < d]
        k = wc.size
        sums = row_sum(_gram, k * k + k + 1, [self.X, weights],
                       (None if k == d and np.array_equal(wc, np.arange(d)) else wc,))
        return self._assemble_gram(sums, cols)

    def _assemble_gram(self, sums: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """AᵀWA on ``cols`` from the summed (XᵀWX, XᵀW1, ΣW) of those columns (:func:`bayesreg.gram.assemble`)."""
        k = int(np.count_nonzero(cols < self.n_features))
        return gram.assemble(sums[:k * k].reshape(k, k), sums[k * k:-1], float(sums[-1]),
                             self.x_mean if self.centered else None, cols, self.n_features)

    def hessian(self, theta: np.ndarray, index=None, eta=None) -> np.ndarray:
        """The parent's, with AᵀWA from the latest gradient pass where it computed it at this η (module docstring)."""
        name = getattr(eta, "name", None)
        if index is None and name is not None:
            if self._fused is not None and self._fused[0] == name:
                H = self._assemble_gram(self._fused[1], np.arange(self.n_params))
                self._fused = None
                H[np.diag_indices_from(H)] += self.prior_curvature(theta)
                return H
            if name == self._last_gradient_eta:
                self.fuse_gram = True  # the gradient's pass could have given this Gram matrix
        return super().hessian(theta, index, eta)

    def hessian_diagonal(self, theta: np.ndarray) -> np.ndarray:
        c = self.curvature_rows(self.linear_predictor(theta))
        d = self.n_features
        sums = row_sum(_diagonal, 2 * d + 1, [self.X, c])
        diag, cx, total = sums[:d], sums[d:2 * d], float(sums[-1])
        if self.centered:
            diag = diag + self.x_mean * (total * self.x_mean - 2.0 * cx)
        if self.fit_intercept:
            diag = np.append(diag, total)
        return diag + self.prior_curvature(theta)

    # -- draws ---------------------------------------------------------------------------
    def loglik(self, W, B, pointwise: bool = True, chunk: int = 256, S=None):
        if pointwise:
            raise ValueError(f"the per-row log-likelihood of chunked data would bring {self.n_samples} values per "
                             f"draw to the client; use pointwise_log_likelihood=False (the row sums)")
        lead = np.shape(W)[:-1]
        Wf = np.asarray(W, dtype=float).reshape(-1, self.n_features)
        Bf = np.broadcast_to(np.asarray(B, dtype=float), lead).reshape(-1)
        return self.loglik_sums(Wf, Bf, S=S).reshape(lead)

    def loglik_sums(self, W, B, chunk_elements: int = 0, S=None) -> np.ndarray:
        if S is not None:
            raise ValueError("an estimated σ is not supported on chunked data")
        W = np.ascontiguousarray(W, dtype=float)
        B = np.ascontiguousarray(np.broadcast_to(np.asarray(B, dtype=float), (W.shape[0],)))
        return row_sum(_loglik_sums, W.shape[0], [self.X, *self._rows(self.y)], (self.likelihood, W, B))
