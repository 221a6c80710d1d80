"""The model U(θ) against the objective written out in the test, and finite differences."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import special

from bayesreg.likelihoods import Bernoulli, Normal
from bayesreg.model import Model
from bayesreg.priors import ElasticNet, Flat, Gaussian, Laplace

N, D = 40, 5
_rng = np.random.default_rng(7)
X = _rng.normal(size=(N, D)) + np.array([3.0, -2.0, 0.0, 10.0, 0.5])  # nonzero means: centring matters
Y01 = (_rng.random(N) < special.expit(X @ np.array([0.4, -0.3, 0.8, 0.1, 0.0]) - 0.5)).astype(float)
YLIN = X @ np.array([1.0, -0.5, 0.0, 0.2, 2.0]) + 1.5 + _rng.normal(scale=0.7, size=N)
SIGMA = 0.7

LIKELIHOODS = {"bernoulli": Bernoulli(), "normal": Normal(SIGMA)}
PRIORS = {"gauss": Gaussian(0.5), "laplace": Laplace(0.8), "enet": ElasticNet(0.4, 1.1), "flat": Flat()}
INTERCEPTS = {"none": (False, None), "flat": (True, None), "gauss": (True, Gaussian(0.3))}
CASES = list(itertools.product(LIKELIHOODS, PRIORS, INTERCEPTS))


def _make(lik_name, prior_name, icpt_name):
    fit_intercept, intercept_prior = INTERCEPTS[icpt_name]
    lik = LIKELIHOODS[lik_name]
    y = Y01 if lik_name == "bernoulli" else YLIN
    return Model(X, y, lik, PRIORS[prior_name], intercept_prior, fit_intercept), y


def _theta(model, seed=0):
    """A θ with no zero coordinate (away from the L1 kinks)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.1, 0.6, size=model.n_params) * rng.choice([-1.0, 1.0], size=model.n_params)
    return t


# -- the objective written out independently ------------------------------------------------

def _eta(model_name_icpt, theta):
    """η in the solver's parametrization: centred X with a flat intercept, raw X otherwise."""
    icpt = model_name_icpt
    if icpt == "none":
        return X @ theta
    w, c = theta[:-1], theta[-1]
    if icpt == "flat":
        return (X - X.mean(axis=0)) @ w + c
    return X @ w + c


def _nll(lik_name, y, eta):
    if lik_name == "bernoulli":
        return float(-np.sum(y * special.log_expit(eta) + (1 - y) * special.log_expit(-eta)))
    return float(np.sum((y - eta) ** 2) / (2 * SIGMA**2))


def _penalty(prior_name, icpt_name, theta):
    w = theta if icpt_name == "none" else theta[:-1]
    pen = {"gauss": 0.5 * 0.5 * np.sum(w**2), "laplace": 0.8 * np.sum(np.abs(w)),
           "enet": 0.4 * np.sum(np.abs(w)) + 0.5 * 1.1 * np.sum(w**2), "flat": 0.0}[prior_name]
    if icpt_name == "gauss":
        pen += 0.5 * 0.3 * theta[-1] ** 2
    return float(pen)


def _U(lik_name, prior_name, icpt_name, y, theta):
    return _nll(lik_name, y, _eta(icpt_name, theta)) + _penalty(prior_name, icpt_name, theta)


def _fd_grad(fun, theta, h=1e-6):
    g = np.empty_like(theta)
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        g[j] = (fun(theta + e) - fun(theta - e)) / (2 * h)
    return g


# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lik_name,prior_name,icpt_name", CASES)
def test_objective_is_sum_nll_plus_penalty(lik_name, prior_name, icpt_name):
    model, y = _make(lik_name, prior_name, icpt_name)
    for seed in range(3):
        theta = _theta(model, seed)
        expected = _U(lik_name, prior_name, icpt_name, y, theta)
        assert model.objective(theta) == pytest.approx(expected, rel=1e-12)
        eta = model.linear_predictor(theta)
        np.testing.assert_allclose(eta, _eta(icpt_name, theta), rtol=1e-12, atol=1e-12)
        assert model.objective(theta, eta) == pytest.approx(expected, rel=1e-12)
        assert model.data_nll(eta) == pytest.approx(_nll(lik_name, y, eta), rel=1e-12)
        assert model.penalty(theta) == pytest.approx(_penalty(prior_name, icpt_name, theta), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("lik_name,prior_name,icpt_name", CASES)
def test_gradients_match_finite_differences(lik_name, prior_name, icpt_name):
    model, y = _make(lik_name, prior_name, icpt_name)
    theta = _theta(model, 1)
    # data part
    fd_data = _fd_grad(lambda t: _nll(lik_name, y, _eta(icpt_name, t)), theta)
    g_data = model.data_gradient(model.linear_predictor(theta))
    np.testing.assert_allclose(g_data, fd_data, rtol=1e-6, atol=1e-6)
    # the whole U (θ is away from the L1 kinks)
    fd_full = _fd_grad(lambda t: _U(lik_name, prior_name, icpt_name, y, t), theta)
    np.testing.assert_allclose(g_data + model.penalty_gradient(theta), fd_full, rtol=1e-6, atol=1e-6)
    # the adjoint is the transpose of the linear predictor's map
    r = np.random.default_rng(2).normal(size=N)
    v = _theta(model, 5)
    assert model.adjoint(r) @ v == pytest.approx(r @ (model.linear_predictor(v)), rel=1e-12)


@pytest.mark.parametrize("icpt_name", list(INTERCEPTS))
@pytest.mark.parametrize("lik_name", list(LIKELIHOODS))
def test_penalty_subgradient_and_prox_at_zero(lik_name, icpt_name):
    model, _ = _make(lik_name, "laplace", icpt_name)
    theta = np.zeros(model.n_params)
    np.testing.assert_array_equal(model.penalty_gradient(theta), np.zeros(model.n_params))  # sign(0) = 0
    # prox: soft-threshold the weights; shrink a Gaussian-prior intercept; leave a flat one alone
    v = np.linspace(-2.0, 2.0, model.n_params)
    step = 0.5
    p = model.prox(v, step)
    w_expected = np.sign(v[:D]) * np.maximum(np.abs(v[:D]) - step * 0.8, 0.0)
    np.testing.assert_allclose(p[:D], w_expected, atol=1e-15)
    if icpt_name == "flat":
        assert p[-1] == v[-1]
    elif icpt_name == "gauss":
        assert p[-1] == pytest.approx(v[-1] / (1 + step * 0.3), rel=1e-15)


@pytest.mark.parametrize("icpt_name", list(INTERCEPTS))
def test_coef_intercept_round_trip_and_predictions(icpt_name):
    model, _ = _make("bernoulli", "gauss", icpt_name)
    theta = _theta(model, 3)
    w, b = model.coef_intercept(theta)
    # (w, b) in the user's parametrization predicts the same η as θ does
    np.testing.assert_allclose(X @ w + b, model.linear_predictor(theta), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model.theta_from(w, b), theta, rtol=1e-13, atol=1e-13)
    if icpt_name == "none":
        assert b == 0.0
    w2 = np.array([0.3, -1.0, 2.0, 0.0, 0.5])
    t2 = model.theta_from(w2, -0.75 if model.fit_intercept else 0.0)
    w2b, b2 = model.coef_intercept(t2)
    np.testing.assert_allclose(w2b, w2, rtol=1e-14)
    assert b2 == pytest.approx(-0.75 if model.fit_intercept else 0.0, abs=1e-12)
    # the returned coef is a copy: editing it leaves θ alone
    w[:] = 99.0
    assert not np.any(theta == 99.0)


def test_centred_parametrization_only_with_flat_intercept():
    m_flat, _ = _make("bernoulli", "gauss", "flat")
    m_gauss, _ = _make("bernoulli", "gauss", "gauss")
    m_none, _ = _make("bernoulli", "gauss", "none")
    assert m_flat.centered and not m_gauss.centered and not m_none.centered
    np.testing.assert_allclose(m_flat.x_mean, X.mean(axis=0), rtol=1e-15)
    assert (m_flat.n_params, m_gauss.n_params, m_none.n_params) == (D + 1, D + 1, D)


@pytest.mark.parametrize("lik_name,prior_name,icpt_name", CASES)
def test_hessian_matches_finite_differences_of_the_gradient(lik_name, prior_name, icpt_name):
    model, y = _make(lik_name, prior_name, icpt_name)
    theta = _theta(model, 4)

    def grad(t):
        return model.data_gradient(model.linear_predictor(t)) + model.penalty_gradient(t)

    h = 1e-6
    fd = np.empty((model.n_params, model.n_params))
    for j in range(model.n_params):
        e = np.zeros(model.n_params)
        e[j] = h
        fd[:, j] = (grad(theta + e) - grad(theta - e)) / (2 * h)
    H = model.hessian(theta)
    scale = np.abs(fd).max()
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-6 * scale)
    np.testing.assert_allclose(H, H.T, rtol=1e-13, atol=1e-12 * scale)
    # a sub-block is the same sub-block
    for idx in ([0, 2, model.n_params - 1], [model.n_params - 1, 0, 3], [4, 1], [model.n_params - 1]):
        idx = np.array(idx)
        np.testing.assert_allclose(model.hessian(theta, idx), H[np.ix_(idx, idx)], rtol=1e-12,
                                   atol=1e-12 * scale)


@pytest.mark.parametrize("icpt_name", list(INTERCEPTS))
@pytest.mark.parametrize("block_rows,small", [(4096, True), (4096, False), (7, False)])
@pytest.mark.parametrize("negative", [False, True])
def test_gram_is_the_weighted_cross_product_of_the_design(icpt_name, block_rows, small, negative, monkeypatch):
    """AᵀWA against A written out (centred X, a column of ones): the cached design, X in one row block, in several."""
    import bayesreg.gram

    monkeypatch.setattr(bayesreg.gram, "SMALL_DESIGN", 2**16 if small else 0)
    model, _ = _make("bernoulli", "gauss", icpt_name)
    assert (model.small_design() is not None) == small
    # weights ≥ 0 (a likelihood's curvature) and of both signs (the symmetric product needs W^½)
    weights = np.random.default_rng(3).uniform(-0.5 if negative else 0.1, 2.0, size=N)
    A = {"none": X, "flat": np.column_stack([X - X.mean(axis=0), np.ones(N)]),
         "gauss": np.column_stack([X, np.ones(N)])}[icpt_name]
    expected = A.T @ (weights[:, None] * A)
    G = model.gram(weights, block_rows=block_rows)
    np.testing.assert_allclose(G, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())
    idx = np.arange(model.n_params)[::-1]  # the index path agrees, in any order
    np.testing.assert_allclose(model.gram(weights, idx, block_rows=block_rows), expected[np.ix_(idx, idx)],
                               rtol=1e-12, atol=1e-12 * np.abs(expected).max())


@pytest.mark.parametrize("icpt_name", list(INTERCEPTS))
def test_small_design_and_x_itself_give_the_same_model(icpt_name, monkeypatch):
    """η, Aᵀr, U, its gradient and Hessian: from the cached design (small X) and from X with the centring by hand."""
    import bayesreg.gram

    model, _ = _make("bernoulli", "enet", icpt_name)
    theta, r = _theta(model, 5), np.random.default_rng(5).normal(size=N)
    funcs = (lambda m: m.linear_predictor(theta), lambda m: m.adjoint(r), lambda m: m.objective(theta),
             lambda m: m.smooth_gradient(theta), lambda m: m.hessian(theta), lambda m: m.hessian_diagonal(theta))
    small = [f(model) for f in funcs]
    assert model.small_design() is not None
    monkeypatch.setattr(bayesreg.gram, "SMALL_DESIGN", 0)
    model, _ = _make("bernoulli", "enet", icpt_name)
    large = [f(model) for f in funcs]
    assert model.small_design() is None
    for a, b in zip(small, large):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_prior_curvature_and_l1_weights():
    m, _ = _make("normal", "enet", "gauss")
    np.testing.assert_array_equal(m.prior_curvature(), [1.1] * D + [0.3])
    np.testing.assert_array_equal(m.l1_weights(), [0.4] * D + [0.0])
    m, _ = _make("normal", "enet", "flat")
    np.testing.assert_array_equal(m.prior_curvature(), [1.1] * D + [0.0])
    m, _ = _make("normal", "laplace", "none")
    np.testing.assert_array_equal(m.l1_weights(), [0.8] * D)


def test_kkt_residual_and_optimality_by_hand():
    # Normal likelihood, no intercept: ∇f = Xᵀ(Xw − y)/σ², computed here directly
    model, y = _make("normal", "laplace", "none")
    w = np.array([0.0, 0.5, 0.0, -0.2, 0.0])
    g = X.T @ (X @ w - y) / SIGMA**2
    expected = np.where(w != 0, np.abs(g + 0.8 * np.sign(w)), np.maximum(np.abs(g) - 0.8, 0.0))
    got = model.kkt_residual(w, model.data_gradient(model.linear_predictor(w)))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    scale = np.abs(X.T @ (-y) / SIGMA**2).max()
    assert model.gradient_scale == pytest.approx(scale, rel=1e-12)
    assert model.optimality(w, g) == pytest.approx(expected.max() / scale, rel=1e-12)
