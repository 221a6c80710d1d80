r"""The model's U in (θ, s = log σ) for an estimated noise sd: what the posterior's local shape is built from.

:mod:`bayesreg.model` states U(θ, σ); the posterior of s = log σ has density
p(σ | y)·σ, so

    U_s(θ, s) = U(θ, e^s) − s
              = e^{−2s}·½Σ w_n r_n² + m·s + penalty_λ(w·e^{−s}) − log p(e^s) − s + (terms free of s),

r = y − η, m = Σ w_n (+ the number of weights for a noise-scaled prior).  Its value
is the model's own (:meth:`Model.noise_objective` at σ = e^s, minus s); the θ-block of
the gradient and Hessian is the model's at σ; the s-derivatives, with u = w·e^{−s},
g = penalty_λ'(u), c = penalty_λ'' (the prior's curvature), are

    ∂U_s/∂s    = −Σ w_n r_n²/σ² + m − Σ_j g_j u_j − σ·(log p)'(σ) − 1
    ∂²U_s/∂s²  = 2Σ w_n r_n²/σ² + Σ_j (c u_j² + g_j u_j) − σ·(log p)'(σ) − σ²·(log p)''(σ)
    ∂²U_s/∂θ∂s = −2·∇_θ(Σ nll at σ)  − (c u_j + g_j)/σ on the weights of a noise-scaled prior,

the prior terms present only when the prior is noise-scaled.  The L1 part of a
noise-scaled Laplace is smooth in s (for fixed w ≠ 0), so it is in these.
"""

from __future__ import annotations

import math

import numpy as np

from .model import Model

__all__ = ["LogSigma"]


class LogSigma:
    """U_s(θ, s) of a model whose σ is estimated, on θ_ext = (θ, s); the interface of Model the posterior uses."""

    def __init__(self, model: Model):
        if model.noise_prior is None:
            raise ValueError("LogSigma needs a model whose noise sd is estimated (a noise_prior)")
        self.model = model
        self.n_params = model.n_params + 1
        self.fit_intercept = model.fit_intercept

    def split(self, theta_ext: np.ndarray) -> tuple[np.ndarray, float]:
        return theta_ext[:-1], float(theta_ext[-1])

    def at(self, s: float) -> Model:
        return self.model.at_sigma(math.exp(s))

    def linear_predictor(self, theta_ext: np.ndarray) -> np.ndarray:
        return self.model.linear_predictor(theta_ext[:-1])

    def objective(self, theta_ext: np.ndarray, eta: np.ndarray | None = None) -> float:
        theta, s = self.split(theta_ext)
        return self.at(s).noise_objective(theta, eta) - s

    def l1_weights(self, theta_ext: np.ndarray) -> np.ndarray:
        """λ1 of each |θ_j| at this σ (λ/σ for a noise-scaled Laplace); 0 for s."""
        theta, s = self.split(theta_ext)
        return np.append(self.at(s).l1_weights(), 0.0)

    def _s_parts(self, m: Model, theta: np.ndarray, eta: np.ndarray) -> tuple[float, float, np.ndarray]:
        """(∂U_s/∂s, ∂²U_s/∂s², ∂²U_s/∂θ∂s) at σ = m.sigma (module docstring)."""
        sigma = m.sigma
        r = m.y - eta
        rss = float(r @ r if m.sample_weight is None else (m.sample_weight * r) @ r) / sigma**2
        ds = -rss + m.n_sigma_terms()
        dss = 2.0 * rss
        cross = -2.0 * m.data_gradient(eta)
        prior = m.prior_spec
        if prior.noise_scaled:
            u = m.split(theta)[0] / sigma
            g, c = prior.gradient(u), prior.curvature()
            ds -= float(g @ u)
            dss += float(c * (u @ u) + g @ u)
            cross[:m.n_features] -= (c * u + g) / sigma
        d1 = float(m.noise_prior.dlogpdf(sigma))
        d2 = float(m.noise_prior.d2logpdf(sigma))
        return ds - sigma * d1 - 1.0, dss - sigma * d1 - sigma**2 * d2, cross

    def smooth_gradient(self, theta_ext: np.ndarray, eta: np.ndarray | None = None) -> np.ndarray:
        theta, s = self.split(theta_ext)
        m = self.at(s)
        if eta is None:
            eta = m.linear_predictor(theta)
        return np.append(m.smooth_gradient(theta, eta), self._s_parts(m, theta, eta)[0])

    def hessian(self, theta_ext: np.ndarray, eta: np.ndarray | None = None) -> np.ndarray:
        theta, s = self.split(theta_ext)
        m = self.at(s)
        if eta is None:
            eta = m.linear_predictor(theta)
        _, dss, cross = self._s_parts(m, theta, eta)
        P = m.n_params
        H = np.empty((P + 1, P + 1))
        H[:P, :P] = m.hessian(theta, eta=eta)
        H[:P, P] = H[P, :P] = cross
        H[P, P] = dss
        return H

    def hessian_diagonal(self, theta_ext: np.ndarray) -> np.ndarray:
        theta, s = self.split(theta_ext)
        m = self.at(s)
        eta = m.linear_predictor(theta)
        return np.append(m.hessian_diagonal(theta), self._s_parts(m, theta, eta)[1])
