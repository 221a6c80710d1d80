r"""The model: likelihood + prior + intercept prior → the negative log posterior U.

    U(w, b) = Σ_n nll(y_n, x_n·w + b) + penalty(w) + intercept_penalty(b)

written as a **sum** over observations (docs/contract.md), so that exp(−U) is the
unnormalized posterior sampled in :mod:`bayesreg.posterior` and argmin U is
its mode.  The solvers split U = f + g with f = Σ nll (smooth) and
g = the two penalties (each with a prox).  A non-convex penalty (``Prior.convex``
False: Student-t, Cauchy) makes U multimodal; the solvers then find a local mode
from their start (0), and the Hessian uses the prior's curvature at θ.

The solvers work on one flat parameter vector θ = (w, c), c present only with
an intercept.  With a flat intercept prior, c is the *centred* intercept
c = b + x̄·w, so η = (X − x̄)·w + c without copying X (a small X's design is built
once, :mod:`bayesreg.gram`); this is exact (the
flat prior is invariant to the shift) and makes the problem far better
conditioned when features have large means.  ``coef_intercept`` maps θ back
to (w, b).  ``center=False`` keeps θ = (w, b) exactly: the posterior code works
there, on the same U, gradient and Hessian.

**The noise sd σ** of a Normal likelihood is fixed (``noise_prior=None``: U as
above, the likelihood's σ) or estimated (a ``noise_prior`` p(σ)); then, with
every σ-dependent normalizing constant (k = the number of weights when the prior
is ``noise_scaled``, w | σ with scale times σ; else 0),

    U(w, b, σ) = Σ_n w_n·[(y_n − η_n)²/(2σ²) + log σ] + penalty_λ(w/σ) + k·log σ
                 + intercept_penalty(b) − log p(σ),

and the model holds one σ (the likelihood's): at fixed σ, U(·, σ) is the model of
the lines above with the prior ``prior.given_sigma(σ)`` (:meth:`Model.at_sigma`),
which the solvers minimize; :func:`bayesreg.solvers.noise.sigma_step` minimizes over σ at fixed
(w, b).  The posterior works in s = log σ, U_s(θ, s) = U(θ, e^s) − s (the
Jacobian): :class:`bayesreg.log_sigma.LogSigma`, with its exact gradient and Hessian.

The model also evaluates U's pieces on *draws*: the per-row log-likelihood
log p(y_n | w, b) (``loglik``; its row sums, threaded, ``loglik_sums``) and the
normalized log prior (``log_prior``).  ``identity()`` names the model (likelihood,
priors and their parameters, intercept, features), and every result records it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math

import numpy as np

from . import fused, gram
from .likelihoods import Likelihood
from .noise import NoisePrior
from .parallel import available_cores, blas_one_thread
from .priors import Flat, Prior

__all__ = ["Model", "identity_differences"]


def identity_differences(ours: dict, theirs: dict) -> list[str]:
    """'key: theirs vs ours' for every entry in which two model identities differ."""
    return [f"{k}: {theirs.get(k)!r} vs {ours.get(k)!r}" for k in sorted(set(ours) | set(theirs))
            if ours.get(k) != theirs.get(k)]


class Model:
    """U(θ) for data (X, y), a likelihood, a prior on w and one on the intercept."""

    remote = False  #: True where a pass over X is a round trip to a cluster (bayesreg.chunked.model.ChunkedModel)

    def __init__(self, X: np.ndarray, y: np.ndarray, likelihood: Likelihood, prior: Prior,
                 intercept_prior: Prior | None = None, fit_intercept: bool = True, *, center: bool = True,
                 feature_names: list[str] | None = None, sample_weight: np.ndarray | None = None,
                 noise_prior: NoisePrior | None = None):
        if noise_prior is not None and not likelihood.estimable_noise:
            raise ValueError(f"noise_prior={noise_prior!r} needs a likelihood with a noise sd (Normal), "
                             f"got {likelihood!r}")
        if prior.noise_scaled and not likelihood.estimable_noise:
            raise ValueError(f"prior={prior!r} is noise_scaled (its scale is multiplied by the noise sd σ), but "
                             f"the likelihood {likelihood!r} has no σ; use noise_scaled=False")
        self.X = X
        self.y = y
        #: w_n ≥ 0 per row (None: all 1): U = Σ_n w_n·nll_n + penalties, so a weight of 2 is a duplicated row.
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.likelihood = likelihood
        #: p(σ) when σ is estimated (None: σ fixed at the likelihood's)
        self.noise_prior = noise_prior
        #: the prior as given (maybe noise-scaled); ``prior`` is it at the model's σ, what the solvers see
        self.prior_spec = prior
        self.prior = prior.given_sigma(likelihood.noise_sd) if prior.noise_scaled else prior
        self.intercept_prior = Flat() if intercept_prior is None else intercept_prior
        self.fit_intercept = bool(fit_intercept)
        self.n_samples, self.n_features = X.shape
        self.n_params = self.n_features + int(self.fit_intercept)
        self.centered = bool(center) and self.fit_intercept and self.intercept_prior.flat
        self.x_mean = X.mean(axis=0) if self.centered else None
        self.feature_names = ([f"x{j}" for j in range(self.n_features)] if feature_names is None
                              else [str(f) for f in feature_names])
        self.n_rmatvec = 0  # passes over X: Xᵀr
        self._grad_scale: float | None = None
        self._design: np.ndarray | None = None  # :meth:`small_design`

    def identity(self) -> dict:
        """What this model is, as JSON values: equal for the same posterior on the same columns.

        Priors are named in their simplest form (``ElasticNet(l, 0)`` is ``Laplace(l)``).
        """
        prior, intercept_prior = self.prior_spec.simplest(), self.intercept_prior.simplest()
        ident = {
            "likelihood": type(self.likelihood).__name__,
            # an estimated σ is not part of the model (only its prior is)
            "likelihood_params": self.likelihood.params() if self.noise_prior is None else {},
            "prior": type(prior).__name__,
            "prior_params": prior.params(),
            "fit_intercept": self.fit_intercept,
            "intercept_prior": type(intercept_prior).__name__ if self.fit_intercept else None,
            "intercept_prior_params": intercept_prior.params() if self.fit_intercept else {},
            "features": list(self.feature_names),
            "sample_weight": self.weights_key(),
        }
        if self.noise_prior is not None:
            ident["noise_prior"] = type(self.noise_prior).__name__
            ident["noise_prior_params"] = self.noise_prior.params()
        return json.loads(json.dumps(ident))  # plain JSON types, as a saved file gives them back

    def weights_key(self) -> str | None:
        """The sample weights in the identity: a hash of their bytes (None without weights)."""
        return (None if self.sample_weight is None else
                hashlib.sha1(np.ascontiguousarray(self.sample_weight).tobytes()).hexdigest()[:16])

    def identity_json(self) -> str:
        return json.dumps(self.identity(), sort_keys=True)

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
        A = self.small_design()
        if A is not None:  # η = Aθ in one product
            return A @ np.asarray(theta, dtype=float)
        w, c = self.split(theta)
        eta = self.X @ w
        shift = c - (float(self.x_mean @ w) if self.centered else 0.0)
        if shift:
            eta += shift
        return eta

    def adjoint(self, r: np.ndarray) -> np.ndarray:
        """Aᵀr: the gradient of Σ nll with respect to θ, given r = dnll/dη."""
        self.n_rmatvec += 1
        A = self.small_design()
        if A is not None:
            return A.T @ r
        gw = self.X.T @ r
        if not self.fit_intercept:
            return gw
        s = float(r.sum())
        if self.centered:
            gw -= s * self.x_mean
        return np.append(gw, s)

    # -- f = Σ nll, g = penalties ------------------------------------------------------
    def weighted(self, per_row: np.ndarray) -> np.ndarray:
        """Per-row values times the sample weights (unchanged without weights)."""
        return per_row if self.sample_weight is None else per_row * self.sample_weight

    def data_nll(self, eta: np.ndarray) -> float:
        return self.likelihood.nll(self.y, eta, self.sample_weight)

    def data_gradient(self, eta: np.ndarray) -> np.ndarray:
        return self.adjoint(self.weighted(self.likelihood.residual(self.y, eta)))

    def value_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """(Σ nll, its gradient, η) at θ, in one pass over X where the kernel applies (:mod:`bayesreg.fused`)."""
        point = fused.evaluate(self, theta)
        return point.f, point.gradient, point.eta

    def curvature_rows(self, eta: np.ndarray) -> np.ndarray:
        """w_n·d²nll/dη² per row: the weights of the Gauss–Newton/Hessian AᵀWA."""
        return self.weighted(self.likelihood.curvature(self.y, eta))

    def max_curvature(self) -> float | None:
        """An upper bound of the rows' curvature times the largest weight; None where the likelihood has none.

        (Poisson's e^η is unbounded: callers then use the curvature where they are,
        :meth:`curvature_rows`, and must say that it is a local value.)
        """
        c = self.likelihood.max_curvature(self.y)
        if c is None:
            return None
        c = float(c)
        return c if self.sample_weight is None else c * float(self.sample_weight.max(initial=0.0))

    def _per_parameter(self, theta: np.ndarray, of_prior, centred_intercept=lambda c: 0.0) -> np.ndarray:
        """θ-shaped: ``of_prior(prior, values)`` on the weights, then on the intercept.

        A centred intercept (flat prior) has no penalty: it gets ``centred_intercept(c)``.
        """
        if not self.fit_intercept:
            return of_prior(self.prior, theta)
        d = self.n_features
        out = np.empty(d + 1)
        out[:d] = of_prior(self.prior, theta[:d])
        c = float(theta[d])
        out[d] = centred_intercept(c) if self.centered else float(of_prior(self.intercept_prior, np.array([c]))[0])
        return out

    def prior_smooth_gradient(self, theta: np.ndarray) -> np.ndarray:
        """Gradient of the penalties without their λ1·|θ| parts, per θ."""
        return self._per_parameter(theta, lambda prior, v: prior.smooth_gradient(v))

    def smooth_gradient(self, theta: np.ndarray, eta: np.ndarray | None = None) -> np.ndarray:
        """Gradient of U without its |θ| terms: Aᵀr + the penalties' smooth gradient."""
        if eta is None:
            eta = self.linear_predictor(theta)
        return self.data_gradient(eta) + self.prior_smooth_gradient(theta)

    def penalty(self, theta: np.ndarray) -> float:
        w, c = self.split(theta)
        out = self.prior.penalty(w)
        if self.fit_intercept and not self.centered:
            out += self.intercept_prior.penalty(np.array([c]))
        return out

    def penalty_gradient(self, theta: np.ndarray) -> np.ndarray:
        """Subgradient of the penalties with sign(0) = 0 (the lecture's choice)."""
        return self._per_parameter(theta, lambda prior, v: prior.gradient(v))

    def prox(self, theta: np.ndarray, step: float) -> np.ndarray:
        return self._per_parameter(theta, lambda prior, v: prior.prox(v, step), centred_intercept=lambda c: c)

    def objective(self, theta: np.ndarray, eta: np.ndarray | None = None) -> float:
        """U(θ) = Σ nll + penalties."""
        if eta is None:
            eta = self.linear_predictor(theta)
        return self.data_nll(eta) + self.penalty(theta)

    # -- the noise sd σ (module docstring) ---------------------------------------------
    @property
    def sigma(self) -> float | None:
        """The model's σ (fixed, or the current one where it is estimated); None without one."""
        return self.likelihood.noise_sd if self.likelihood.estimable_noise else None

    def at_sigma(self, sigma: float) -> "Model":
        """The same model (sharing X and y) at noise sd σ, its prior given σ."""
        new = copy.copy(self)
        new.likelihood = self.likelihood.with_noise_sd(float(sigma))
        new.prior = self.prior_spec.given_sigma(new.likelihood.noise_sd) if self.prior_spec.noise_scaled \
            else self.prior_spec
        new._grad_scale = None
        return new

    def n_sigma_terms(self) -> float:
        """The m of m·log σ in U: Σ_n w_n, plus the number of weights for a noise-scaled prior."""
        total = float(self.n_samples if self.sample_weight is None else self.sample_weight.sum())
        return total + (self.n_features if self.prior_spec.noise_scaled else 0)

    def noise_objective(self, theta: np.ndarray, eta: np.ndarray | None = None) -> float:
        """U(θ, σ) at the model's σ with every σ-dependent term (−log p(σ) when σ is estimated)."""
        if eta is None:
            eta = self.linear_predictor(theta)
        out = self.objective(theta, eta) + self.n_sigma_terms() * math.log(self.sigma)
        return out if self.noise_prior is None else out - float(self.noise_prior.logpdf(self.sigma))

    def sigma_terms(self, theta: np.ndarray, eta: np.ndarray) -> tuple[float, float, float] | None:
        """(a, b, m) with U(θ, σ) = a/(2σ²) + b/σ + m·log σ − log p(σ) + terms free of σ; None if not of that form.

        a = Σ w_n r_n² (+ 2·penalty_λ(w) for a noise-scaled prior of degree 2, the Gaussian),
        b = penalty_λ(w) for one of degree 1 (the Laplace): penalty_λ(w/σ) = penalty_λ(w)·σ^(−1/p).
        """
        r = self.y - eta
        a = float(r @ r if self.sample_weight is None else (self.sample_weight * r) @ r)
        b = 0.0
        if self.prior_spec.noise_scaled:
            degree = 1.0 / self.prior_spec.scale_power()[0]
            pen = self.prior_spec.penalty(self.split(theta)[0])
            if degree == 2.0:
                a += 2.0 * pen
            elif degree == 1.0:
                b += pen
            else:
                return None
        return a, b, self.n_sigma_terms()

    # -- optimality --------------------------------------------------------------------
    def kkt_residual(self, theta: np.ndarray, data_grad: np.ndarray) -> np.ndarray:
        """Per-parameter distance of 0 from ∇f(θ) + ∂g(θ)."""
        d = self.n_features
        if not self.fit_intercept:
            return self.prior.kkt_residual(theta, data_grad[:d])
        out = np.empty(d + 1)
        out[:d] = self.prior.kkt_residual(theta[:d], data_grad[:d])
        gc = float(data_grad[d])
        out[d] = abs(gc) if self.centered else float(
            self.intercept_prior.kkt_residual(np.array([float(theta[d])]), np.array([gc]))[0])
        return out

    @property
    def gradient_scale(self) -> float:
        """‖∇f(0)‖∞: what makes the optimality measure scale-free."""
        if self._grad_scale is None:
            eta0 = np.zeros(self.n_samples)
            self.n_rmatvec += 1
            r = self.weighted(self.likelihood.residual(self.y, eta0))
            g = np.abs(self.X.T @ r).max(initial=0.0)
            if self.fit_intercept:
                g = max(g, abs(float(r.sum())))
            self._grad_scale = float(g) if g > 0 else 1.0
        return self._grad_scale

    def gradient_at_zero(self, data_grad: np.ndarray) -> None:
        """Take ‖∇f(0)‖∞ from ∇f at θ = 0 (A's centring undone), sparing :attr:`gradient_scale` its pass."""
        if self._grad_scale is None:
            gw = data_grad[: self.n_features]
            if self.centered:
                gw = gw + data_grad[-1] * self.x_mean  # Xᵀr = (X − 1x̄ᵀ)ᵀr + (Σr)·x̄
            g = float(np.abs(gw).max(initial=0.0))
            if self.fit_intercept:
                g = max(g, abs(float(data_grad[-1])))
            self._grad_scale = g if g > 0 else 1.0

    def optimality(self, theta: np.ndarray, data_grad: np.ndarray) -> float:
        """Scale-free KKT violation ‖∇f + ∂g‖∞ / ‖∇f(0)‖∞ (0 exactly at the MAP)."""
        return float(self.kkt_residual(theta, data_grad).max(initial=0.0)) / self.gradient_scale

    # -- second order ------------------------------------------------------------------
    @property
    def convex(self) -> bool:
        """True where every penalty is convex; else the MAP the solvers find is a local mode."""
        return bool(self.prior.convex and (not self.fit_intercept or self.intercept_prior.convex))

    def prior_curvature(self, theta: np.ndarray | None = None) -> np.ndarray:
        """Diagonal second derivative of the smooth parts of the penalties, per θ.

        At ``theta`` it is exact (``Prior.curvature_at``); without it, each prior's
        constant ``curvature()`` (for a prior whose curvature varies, its maximum: a bound for step sizes).
        """
        if theta is None:
            return self._per_parameter(np.zeros(self.n_params), lambda prior, v: np.full(v.shape, prior.curvature()))
        return self._per_parameter(np.asarray(theta, dtype=float), lambda prior, v: prior.curvature_at(v))

    def weak_convexity(self) -> float:
        """The largest ρ of the penalties (``Prior.weak_convexity``): prox steps stay below 1/ρ (0: any step)."""
        rho = self.prior.weak_convexity()
        if self.fit_intercept and not self.centered:
            rho = max(rho, self.intercept_prior.weak_convexity())
        return float(rho)

    def l1_weights(self, theta: np.ndarray | None = None) -> np.ndarray:
        """Per-parameter weight of the non-smooth |θ_j| part of the penalties (the same at every θ)."""
        return self._per_parameter(np.zeros(self.n_params), lambda prior, v: np.full(v.shape, prior.l1()))

    def gram(self, weights: np.ndarray, index: np.ndarray | None = None, block_rows: int = 4096) -> np.ndarray:
        """AᵀWA restricted to the parameters in ``index`` (all by default): :mod:`bayesreg.gram`."""
        d = self.n_features
        cols = None if index is None else np.asarray(index, dtype=int).reshape(-1)
        if cols is not None and cols.size and (cols.min() < 0 or cols.max() >= self.n_params):
            raise IndexError(f"index must hold parameter positions in [0, {self.n_params}), got {cols.tolist()}")
        weights = np.asarray(weights, dtype=float)
        A = self.small_design()
        if A is not None:
            A = A if cols is None else A[:, cols]
            if weights.size and weights.min() >= 0:  # BᵀB, B = W^½A: numpy's symmetric product (half the flops)
                B = A * np.sqrt(weights)[:, None]
                return B.T @ B
            return A.T @ (A * weights[:, None])
        cols = np.arange(self.n_params) if cols is None else cols
        wc = cols[cols < d]
        all_columns = index is None or (wc.size == d and np.array_equal(wc, np.arange(d)))
        return gram.blockwise_gram(self.X, self.x_mean if self.centered else None, weights, cols, all_columns,
                                   block_rows)

    def small_design(self) -> np.ndarray | None:
        """θ's design A (η = Aθ) as one array where X is small (``gram.SMALL_DESIGN``), made once; else None."""
        if self._design is None and self.X.size <= gram.SMALL_DESIGN:
            self._design = gram.design(self.X, self.x_mean if self.centered else None, self.fit_intercept)
        return self._design

    def hessian(self, theta: np.ndarray, index: np.ndarray | None = None, eta: np.ndarray | None = None) -> np.ndarray:
        """Hessian of U's smooth part at θ (data curvature + smooth prior curvature)."""
        if eta is None:
            eta = self.linear_predictor(theta)
        H = self.gram(self.curvature_rows(eta), index)
        diag = self.prior_curvature(theta) if index is None else self.prior_curvature(theta)[index]
        H.flat[:: len(H) + 1] += diag  # the diagonal
        return H

    def hessian_diagonal(self, theta: np.ndarray) -> np.ndarray:
        """diag ∇²(smooth part of U) at θ, without forming the Hessian or copying X."""
        c = self.curvature_rows(self.linear_predictor(theta))
        d = np.einsum("ij,ij,i->j", self.X, self.X, c)
        total = float(c.sum())
        if self.centered:  # Σ c (x − x̄)² = Σ c x² − 2 x̄ Σ c x + x̄² Σ c
            d += self.x_mean * (total * self.x_mean - 2.0 * (c @ self.X))
        if self.fit_intercept:
            d = np.append(d, total)
        return d + self.prior_curvature(theta)

    # -- U's pieces on draws (user coordinates: W (..., p), B (...)) ------------------------
    def loglik(self, W: np.ndarray, B, pointwise: bool = True, chunk: int = 256, S=None) -> np.ndarray:
        """w_n·log p(y_n | w, b[, σ]) for stacks of draws: (..., n), or its row sum (...) when not ``pointwise``.

        ``S``: σ per draw (shape of B) where σ is estimated; None: the model's σ.
        """
        lead = W.shape[:-1]
        Wf = W.reshape(-1, W.shape[-1])
        Bf = np.broadcast_to(np.asarray(B, dtype=float), lead).reshape(-1)
        Sf = None if S is None else np.broadcast_to(np.asarray(S, dtype=float), lead).reshape(-1)
        n = self.n_samples
        out = np.empty((Wf.shape[0], n) if pointwise else Wf.shape[0])
        for s in range(0, Wf.shape[0], chunk):
            eta = Wf[s:s + chunk] @ self.X.T + Bf[s:s + chunk, None]  # η = coef @ Xᵀ + intercept
            rows = (self.likelihood.loglik_rows(self.y, eta) if Sf is None
                    else self.likelihood.loglik_rows_at(self.y, eta, Sf[s:s + chunk, None]))
            ll = self.weighted(rows)
            out[s:s + chunk] = ll if pointwise else ll.sum(axis=1)
        return out.reshape(lead + ((n,) if pointwise else ()))

    def loglik_sums(self, W: np.ndarray, B, chunk_elements: int = 2**20, S=None) -> np.ndarray:
        """Σ_n w_n·log p(y_n | w, b[, σ]) for each row of W (S, p): ``loglik(pointwise=False)``, faster.

        Chunks of draws (≈ chunk_elements values of η) run in one thread per core,
        one BLAS thread each, with a reused buffer per thread; the chunk boundaries do
        not depend on the number of threads, so the result is reproducible.
        """
        import queue
        from concurrent.futures import ThreadPoolExecutor

        sig = S
        S, n = W.shape[0], self.n_samples
        B = np.broadcast_to(np.asarray(B, dtype=float), (S,))
        extra = {} if sig is None else {"sigma": np.broadcast_to(np.asarray(sig, dtype=float), (S,))}
        out = np.empty(S)
        rows = int(max(1, min(S, chunk_elements // max(n, 1))))
        starts = range(0, S, rows)
        workers = min(available_cores(len(starts)), len(starts))
        buffers: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(max(workers, 1)):
            buffers.put(np.empty((rows, n)))

        def job(s: int) -> None:
            e = min(s + rows, S)
            full = buffers.get()
            buf = full[:e - s]
            np.matmul(W[s:e], self.X.T, out=buf)
            buf += B[s:e, None]
            kw = {k: v[s:e] for k, v in extra.items()}
            out[s:e] = self.likelihood.loglik_total(self.y, buf, self.sample_weight, **kw)
            buffers.put(full)

        if workers <= 1:
            for s in starts:
                job(s)
        else:
            with blas_one_thread(), ThreadPoolExecutor(workers) as ex:
                list(ex.map(job, starts))
        return out

    def log_prior(self, W: np.ndarray, B=None, S=None) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Normalized log prior densities of draws: (per weight (..., p), of the intercept (...) or None).

        The per-weight part is None for a prior without a closed-form density (``Prior.has_logpdf``).
        ``S``: σ per draw; a noise-scaled prior is then log p(w | σ) = log p_λ(w/σ) − log σ.
        """
        lp_b = self.intercept_prior.logpdf(np.asarray(B, dtype=float)) if self.fit_intercept else None
        if not self.prior.has_logpdf:
            return None, lp_b
        if S is not None and self.prior_spec.noise_scaled:
            sig = np.asarray(S, dtype=float)[..., None]
            return self.prior_spec.logpdf(W / sig) - np.log(sig), lp_b
        return self.prior.logpdf(W), lp_b

    def log_prior_sums(self, W: np.ndarray, B=None, S=None) -> np.ndarray:
        """Σ_j log p(w_j [| σ]) + log p(b) [+ log p(σ)] per draw."""
        lp_w, lp_b = self.log_prior(W, B, S)
        if lp_w is None:
            raise ValueError(f"no log prior of the weights: {self.prior.no_logpdf_reason()}")
        total = lp_w.sum(axis=-1)
        if S is not None:
            total = total + self.noise_prior.logpdf(S)
        return total if lp_b is None else total + lp_b
