r"""The model: likelihood + prior + intercept prior → the negative log posterior U.

    U(w, b) = Σ_n nll(y_n, x_n·w + b) + penalty(w) + intercept_penalty(b)

written as a **sum** over observations (DESIGN.md §1), so that exp(−U) is the
unnormalized posterior sampled in :mod:`bayesreg.posterior` and argmin U is
its mode.  The solvers split U = f + g with f = Σ nll (smooth) and
g = the two penalties (each with a closed-form prox).

The solvers work on one flat parameter vector θ = (w, c), c present only with
an intercept.  With a flat intercept prior, c is the *centred* intercept
c = b + x̄·w, so η = (X − x̄)·w + c without ever copying X; this is exact (the
flat prior is invariant to the shift) and makes the problem far better
conditioned when features have large means.  ``coef_intercept`` maps θ back
to (w, b).
"""

from __future__ import annotations

import numpy as np

from .likelihoods import Likelihood
from .priors import Flat, Prior

__all__ = ["Model"]


class Model:
    """U(θ) for data (X, y), a likelihood, a prior on w and one on the intercept."""

    def __init__(self, X: np.ndarray, y: np.ndarray, likelihood: Likelihood, prior: Prior,
                 intercept_prior: Prior | None = None, fit_intercept: bool = True):
        self.X = X
        self.y = y
        self.likelihood = likelihood
        self.prior = prior
        self.intercept_prior = Flat() if intercept_prior is None else intercept_prior
        self.fit_intercept = bool(fit_intercept)
        self.n_samples, self.n_features = X.shape
        self.n_params = self.n_features + int(self.fit_intercept)
        self.centered = self.fit_intercept and isinstance(self.intercept_prior, Flat)
        self.x_mean = X.mean(axis=0) if self.centered else None
        self.n_matvec = 0  # passes over X: η = Xθ
        self.n_rmatvec = 0  # passes over X: Xᵀr
        self._grad_scale: float | None = None

    # -- parametrization -------------------------------------------------------------
    def split(self, theta: np.ndarray) -> tuple[np.ndarray, float]:
        """(w, c): the weights and the solver's intercept coordinate (0.0 without one)."""
        if self.fit_intercept:
            return theta[:-1], float(theta[-1])
        return theta, 0.0

    def coef_intercept(self, theta: np.ndarray) -> tuple[np.ndarray, float]:
        """(w, b) in the user's parametrization."""
        w, c = self.split(theta)
        if self.centered:
            c = c - float(self.x_mean @ w)
        return np.array(w, dtype=float, copy=True), float(c)

    def theta_from(self, coef, intercept: float = 0.0) -> np.ndarray:
        """θ from (w, b): the inverse of :meth:`coef_intercept`."""
        w = np.asarray(coef, dtype=float).reshape(self.n_features)
        if not self.fit_intercept:
            return w.copy()
        c = float(intercept) + (float(self.x_mean @ w) if self.centered else 0.0)
        return np.append(w, c)

    # -- the linear predictor and its adjoint ---------------------------------------
    def linear_predictor(self, theta: np.ndarray) -> np.ndarray:
        w, c = self.split(theta)
        self.n_matvec += 1
        eta = self.X @ w
        shift = c - (float(self.x_mean @ w) if self.centered else 0.0)
        if shift:
            eta += shift
        return eta

    def adjoint(self, r: np.ndarray) -> np.ndarray:
        """Aᵀr: the gradient of Σ nll with respect to θ, given r = dnll/dη."""
        self.n_rmatvec += 1
        gw = self.X.T @ r
        if not self.fit_intercept:
            return gw
        s = float(r.sum())
        if self.centered:
            gw -= s * self.x_mean
        return np.append(gw, s)

    # -- f = Σ nll, g = penalties ------------------------------------------------------
    def data_nll(self, eta: np.ndarray) -> float:
        return self.likelihood.nll(self.y, eta)

    def data_gradient(self, eta: np.ndarray) -> np.ndarray:
        return self.adjoint(self.likelihood.residual(self.y, eta))

    def penalty(self, theta: np.ndarray) -> float:
        w, c = self.split(theta)
        out = self.prior.penalty(w)
        if self.fit_intercept and not self.centered:
            out += self.intercept_prior.penalty(np.array([c]))
        return out

    def penalty_gradient(self, theta: np.ndarray) -> np.ndarray:
        """Subgradient of the penalties with sign(0) = 0 (the lecture's choice)."""
        w, c = self.split(theta)
        gw = self.prior.gradient(w)
        if not self.fit_intercept:
            return gw
        gc = 0.0 if self.centered else float(self.intercept_prior.gradient(np.array([c]))[0])
        return np.append(gw, gc)

    def prox(self, theta: np.ndarray, step: float) -> np.ndarray:
        w, c = self.split(theta)
        pw = self.prior.prox(w, step)
        if not self.fit_intercept:
            return pw
        pc = c if self.centered else float(self.intercept_prior.prox(np.array([c]), step)[0])
        return np.append(pw, pc)

    def objective(self, theta: np.ndarray, eta: np.ndarray | None = None) -> float:
        """U(θ) = Σ nll + penalties."""
        if eta is None:
            eta = self.linear_predictor(theta)
        return self.data_nll(eta) + self.penalty(theta)

    # -- optimality --------------------------------------------------------------------
    def kkt_residual(self, theta: np.ndarray, data_grad: np.ndarray) -> np.ndarray:
        """Per-parameter distance of 0 from ∇f(θ) + ∂g(θ)."""
        w, c = self.split(theta)
        gw = data_grad[: self.n_features]
        out = self.prior.kkt_residual(w, gw)
        if not self.fit_intercept:
            return out
        gc = data_grad[-1]
        rc = abs(gc) if self.centered else float(self.intercept_prior.kkt_residual(np.array([c]), np.array([gc]))[0])
        return np.append(out, rc)

    @property
    def gradient_scale(self) -> float:
        """‖∇f(0)‖∞: what makes the optimality measure scale-free."""
        if self._grad_scale is None:
            eta0 = np.zeros(self.n_samples)
            self.n_rmatvec += 1
            r = self.likelihood.residual(self.y, eta0)
            g = np.abs(self.X.T @ r).max(initial=0.0)
            if self.fit_intercept:
                g = max(g, abs(float(r.sum())))
            self._grad_scale = float(g) if g > 0 else 1.0
        return self._grad_scale

    def optimality(self, theta: np.ndarray, data_grad: np.ndarray) -> float:
        """Scale-free KKT violation ‖∇f + ∂g‖∞ / ‖∇f(0)‖∞ (0 exactly at the MAP)."""
        return float(self.kkt_residual(theta, data_grad).max(initial=0.0)) / self.gradient_scale

    # -- second order ------------------------------------------------------------------
    def prior_curvature(self) -> np.ndarray:
        """Diagonal second derivative of the smooth parts of the penalties, per θ."""
        d = np.full(self.n_features, self.prior.curvature())
        if self.fit_intercept:
            d = np.append(d, 0.0 if self.centered else self.intercept_prior.curvature())
        return d

    def l1_weights(self) -> np.ndarray:
        """Per-parameter weight of the non-smooth |θ_j| part of the penalties."""
        d = np.full(self.n_features, self.prior.l1())
        if self.fit_intercept:
            d = np.append(d, 0.0 if self.centered else self.intercept_prior.l1())
        return d

    def gram(self, weights: np.ndarray, index: np.ndarray | None = None, block_rows: int = 4096) -> np.ndarray:
        """AᵀWA restricted to the parameters in ``index`` (all by default).

        Built from XᵀWX in row blocks (no copy of X), with the centring and the
        intercept column added as rank-one corrections:
        (X − 1x̄ᵀ)ᵀW(X − 1x̄ᵀ) = XᵀWX − x̄sᵀ − sx̄ᵀ + (Σw)x̄x̄ᵀ,  s = XᵀW1.
        """
        d = self.n_features
        cols = np.arange(self.n_params) if index is None else np.asarray(index, dtype=int).reshape(-1)
        if cols.size and (cols.min() < 0 or cols.max() >= self.n_params):
            raise IndexError(f"index must hold parameter positions in [0, {self.n_params}), got {cols.tolist()}")
        is_w = cols < d
        wc = cols[is_w]
        weights = np.asarray(weights, dtype=float)
        G = np.zeros((wc.size, wc.size))
        s = np.zeros(wc.size)
        all_columns = index is None or (wc.size == d and np.array_equal(wc, np.arange(d)))
        for start in range(0, self.n_samples, block_rows):
            Xb = self.X[start:start + block_rows]
            if not all_columns:
                Xb = Xb[:, wc]
            wb = weights[start:start + block_rows]
            WXb = Xb * wb[:, None]
            G += Xb.T @ WXb
            s += WXb.sum(axis=0)
        total = float(weights.sum())
        if self.centered:
            m = self.x_mean[wc]
            G += total * np.outer(m, m) - np.outer(m, s) - np.outer(s, m)
            s = s - total * m  # column sums of W(X − 1x̄ᵀ)
        out = np.empty((cols.size, cols.size))
        iw = np.flatnonzero(is_w)
        out[np.ix_(iw, iw)] = G
        ib = np.flatnonzero(~is_w)
        if ib.size:  # the intercept column of ones, where ``index`` puts it
            out[np.ix_(ib, iw)] = s
            out[np.ix_(iw, ib)] = s[:, None]
            out[np.ix_(ib, ib)] = total
        return out

    def hessian(self, theta: np.ndarray, index: np.ndarray | None = None) -> np.ndarray:
        """Hessian of U's smooth part at θ (data curvature + smooth prior curvature)."""
        eta = self.linear_predictor(theta)
        H = self.gram(self.likelihood.curvature(self.y, eta), index)
        diag = self.prior_curvature() if index is None else self.prior_curvature()[index]
        H[np.diag_indices_from(H)] += diag
        return H
