"""The one-pass value+gradient kernel (bayesreg.fused) and the L-BFGS solver.

References: the plain numpy gradient Xᵀr written out here (two products), central
finite differences of U, scikit-learn's LogisticRegression / PoissonRegressor and the
ridge normal equations for the solvers, and the same fits with the kernel turned off.
Problems are small; ``min_elements=1`` / ``MIN_ELEMENTS = 1`` forces the kernel onto them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import special
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.linear_model import PoissonRegressor

import bayesreg
from bayesreg import fused
from bayesreg.likelihoods import Bernoulli, Normal
from bayesreg.model import Model
from bayesreg.poisson import Poisson
from bayesreg.priors import Gaussian, Laplace
from bayesreg.solvers import solve

pytestmark = pytest.mark.usefixtures("one_blas_thread")

pytest.importorskip("numba")


@pytest.fixture
def kernel_always(monkeypatch):
    """Every model uses the compiled kernel, however small its X."""
    monkeypatch.setattr(fused, "MIN_ELEMENTS", 1)
    monkeypatch.delenv("BAYESREG_FUSED", raising=False)


def _data(n=400, d=12, seed=0, order="C"):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) + 0.7  # non-zero means: the centred intercept matters
    X = np.asfortranarray(X) if order == "F" else np.ascontiguousarray(X)
    w = rng.standard_normal(d) * 0.3
    eta = X @ w + 0.2
    targets = {
        "bernoulli": (rng.random(n) < special.expit(eta)).astype(float),
        "normal": eta + 0.8 * rng.standard_normal(n),
        "poisson": rng.poisson(np.exp(0.5 * eta)).astype(float),
    }
    return X, targets, rng


LIKELIHOODS = {"bernoulli": Bernoulli(), "normal": Normal(0.7), "poisson": Poisson()}


def _numpy_reference(lik, X, y, theta, fit_intercept, centered, sw):
    """Σ s·nll and its θ-gradient with plain numpy, independently of Model."""
    d = X.shape[1]
    w = theta[:d]
    xbar = X.mean(axis=0)
    c = theta[d] if fit_intercept else 0.0
    eta = X @ w + (c - xbar @ w if centered else c)
    s = np.ones(len(y)) if sw is None else sw
    if isinstance(lik, Bernoulli):
        nll, r = np.logaddexp(0.0, eta) - y * eta, special.expit(eta) - y
    elif isinstance(lik, Normal):
        nll, r = 0.5 * (y - eta) ** 2 / lik.noise_sd**2, (eta - y) / lik.noise_sd**2
    else:
        nll, r = np.exp(eta) - y * eta, np.exp(eta) - y
    r = s * r
    gw = X.T @ r - (r.sum() * xbar if centered else 0.0)
    g = np.append(gw, r.sum()) if fit_intercept else gw
    return float(s @ nll), g, eta


@pytest.mark.parametrize("name", sorted(LIKELIHOODS))
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("intercept", ["centred", "raw", "none"])
def test_one_pass_equals_numpy(name, weighted, intercept):
    X, targets, rng = _data(seed=3)
    y = targets[name]
    sw = rng.random(len(y)) * 2.0 if weighted else None
    fit_intercept = intercept != "none"
    model = Model(X, y, LIKELIHOODS[name], Gaussian(1.0), fit_intercept=fit_intercept,
                  center=intercept == "centred", sample_weight=sw)
    theta = rng.standard_normal(model.n_params) * 0.2
    theta_old = rng.standard_normal(model.n_params) * 0.2
    X0, y0, t0 = X.copy(), y.copy(), theta.copy()
    for beta in (0.0, 0.6):
        point = fused.evaluate(model, theta, model.linear_predictor(theta_old), beta, min_elements=1)
        assert point.known_gradient is not None  # the kernel ran
        f, _, eta = _numpy_reference(model.likelihood, X, y, theta, fit_intercept, model.centered, sw)
        f_g, g_g, eta_g = _numpy_reference(model.likelihood, X, y, theta + beta * (theta - theta_old),
                                           fit_intercept, model.centered, sw)
        np.testing.assert_allclose(point.eta, eta, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(point.eta_g, eta_g, rtol=1e-12, atol=1e-12)
        assert point.f == pytest.approx(f, rel=1e-12)
        assert point.f_g == pytest.approx(f_g, rel=1e-12)
        assert np.abs(point.gradient - g_g).max() <= 1e-12 * np.abs(g_g).max()
    np.testing.assert_array_equal(X, X0)  # the caller's arrays are untouched
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(theta, t0)


@pytest.mark.parametrize("name", sorted(LIKELIHOODS))
def test_value_and_gradient_matches_finite_differences(name, kernel_always):
    X, targets, rng = _data(n=200, d=6, seed=5)
    model = Model(X, targets[name], LIKELIHOODS[name], Gaussian(1.0))
    theta = rng.standard_normal(model.n_params) * 0.2
    f, g, _ = model.value_and_gradient(theta)
    assert f == pytest.approx(model.data_nll(model.linear_predictor(theta)), rel=1e-12)
    h = 1e-6
    fd = np.array([(model.value_and_gradient(theta + h * e)[0] - model.value_and_gradient(theta - h * e)[0]) / (2 * h)
                   for e in np.eye(model.n_params)])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6 * np.abs(fd).max())


def test_kernel_used_only_where_it_applies(monkeypatch):
    X, targets, _ = _data(n=50, d=4)
    y = targets["bernoulli"]
    assert fused.kernel_for(Model(X, y, Bernoulli(), Gaussian(1.0)), min_elements=1) is not None
    # Fortran order, float32 and small X go through numpy, with the same numbers
    assert fused.kernel_for(Model(np.asfortranarray(X), y, Bernoulli(), Gaussian(1.0)), min_elements=1) is None
    assert fused.kernel_for(Model(X.astype(np.float32), y, Bernoulli(), Gaussian(1.0)), min_elements=1) is None
    assert fused.kernel_for(Model(X, y, Bernoulli(), Gaussian(1.0))) is None  # below MIN_ELEMENTS

    class MyBernoulli(Bernoulli):  # a subclass may change the formulas: never the built-in kernel
        pass

    assert fused.kernel_for(Model(X, y, MyBernoulli(), Gaussian(1.0)), min_elements=1) is None
    monkeypatch.setenv("BAYESREG_FUSED", "0")
    assert fused.kernel_for(Model(X, y, Bernoulli(), Gaussian(1.0)), min_elements=1) is None


def test_poisson_overflow_is_inf_without_warning(kernel_always):
    X, targets, _ = _data(n=100, d=5)
    model = Model(X, targets["poisson"], Poisson(), Gaussian(1.0))
    theta = np.full(model.n_params, 300.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        point = fused.evaluate(model, theta)
    assert point.f == np.inf


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("name,prior", [("bernoulli", Gaussian(1.0)), ("bernoulli", Laplace(8.0)),
                                        ("normal", Laplace(8.0)), ("poisson", Gaussian(1.0))])
def test_fista_same_answer_with_and_without_kernel(name, prior, order, monkeypatch):
    X, targets, _ = _data(n=600, d=15, seed=7, order=order)
    y = targets[name]
    out = {}
    for use in ("0", "1"):
        monkeypatch.setenv("BAYESREG_FUSED", use)
        monkeypatch.setattr(fused, "MIN_ELEMENTS", 1)
        model = Model(X, y, LIKELIHOODS[name], prior)
        res = solve(model, np.zeros(model.n_params), "fista", tol=1e-9)
        assert res.converged
        out[use] = (res.objective, (res.coef, res.intercept))
    assert out["1"][0] == pytest.approx(out["0"][0], rel=1e-12)
    np.testing.assert_allclose(out["1"][1][0], out["0"][1][0], atol=1e-6)


def test_fista_reads_X_about_once_per_step(kernel_always, monkeypatch):
    """Start-up two passes, then one per accepted step (plus line-search retries): counted, not timed."""
    from bayesreg import fused_kernel

    X, targets, _ = _data(n=2000, d=20, seed=11)
    passes = {"n": 0}
    real = {"kernel": fused_kernel.one_pass, "lp": Model.linear_predictor, "adj": Model.adjoint}

    def count(key):
        def wrapped(*args):
            passes["n"] += 1
            return real[key](*args)
        return wrapped

    monkeypatch.setattr(fused_kernel, "one_pass", count("kernel"))
    monkeypatch.setattr(Model, "linear_predictor", count("lp"))
    monkeypatch.setattr(Model, "adjoint", count("adj"))
    model = Model(X, targets["bernoulli"], Bernoulli(), Gaussian(1.0))
    res = solve(model, np.zeros(model.n_params), "fista", tol=1e-6)
    assert res.converged and res.n_iter >= 10
    # without the kernel: 5 at start-up and ≥ 2 per step (X·x⁺ and Xᵀr at y)
    assert passes["n"] <= 1.5 * res.n_iter + 3, (passes["n"], res.n_iter)


def test_estimator_float32_and_fortran_input_give_the_float64_fit(kernel_always):
    X, targets, _ = _data(n=500, d=10, seed=13)
    y = targets["bernoulli"]
    ref = bayesreg.LogisticRegression(prior=Gaussian(1.0), tol=1e-10).fit(X, y)
    X32 = X.astype(np.float32)
    for Xin in (X32, np.asfortranarray(X32)):
        est = bayesreg.LogisticRegression(prior=Gaussian(1.0), tol=1e-10).fit(Xin, y)
        ref32 = bayesreg.LogisticRegression(prior=Gaussian(1.0), tol=1e-10, solver="newton").fit(
            X32.astype(np.float64), y)
        np.testing.assert_allclose(est.coef_, ref32.coef_, atol=1e-7)
    assert np.isfinite(ref.coef_).all()


def test_sigma_estimated_linear_model_with_kernel(monkeypatch):
    X, targets, _ = _data(n=400, d=8, seed=17)
    y = 3.0 * targets["normal"]
    fits = {}
    for use in ("0", "1"):
        monkeypatch.setenv("BAYESREG_FUSED", use)
        monkeypatch.setattr(fused, "MIN_ELEMENTS", 1)
        est = bayesreg.LinearRegression(prior=Gaussian(2.0), noise_prior=bayesreg.HalfNormal(5.0), tol=1e-10).fit(X, y)
        fits[use] = est
    np.testing.assert_allclose(fits["1"].coef_, fits["0"].coef_, atol=1e-7)
    assert fits["1"].noise_sd_ == pytest.approx(fits["0"].noise_sd_, rel=1e-7)


# -- L-BFGS -----------------------------------------------------------------------------------

def test_lbfgs_matches_sklearn_logistic(kernel_always):
    X, targets, _ = _data(n=800, d=20, seed=19)
    y = targets["bernoulli"]
    ours = bayesreg.LogisticRegression(prior=Gaussian(2.0), solver="lbfgs", tol=1e-8).fit(X, y)
    assert ours.map_.converged and ours.map_.solver == "lbfgs"
    sk = SkLogisticRegression(C=0.5, tol=1e-12, max_iter=10_000).fit(X, y)  # λ2 = 1/C
    np.testing.assert_allclose(ours.coef_, sk.coef_.ravel(), atol=1e-6)
    assert ours.intercept_ == pytest.approx(float(sk.intercept_[0]), abs=1e-6)


def test_lbfgs_ridge_normal_equations():
    X, targets, _ = _data(n=300, d=10, seed=23)
    y = targets["normal"]
    lam, sd = 3.0, 0.7
    model = Model(X, y, Normal(sd), Gaussian(lam))
    res = solve(model, np.zeros(model.n_params), "lbfgs", tol=1e-8)
    assert res.converged
    w, b = res.coef, res.intercept
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    w_ref = np.linalg.solve(Xc.T @ Xc + lam * sd**2 * np.eye(X.shape[1]), Xc.T @ yc)
    np.testing.assert_allclose(w, w_ref, atol=1e-7)
    assert b == pytest.approx(y.mean() - X.mean(axis=0) @ w_ref, abs=1e-7)


def test_lbfgs_matches_sklearn_poisson(kernel_always):
    X, targets, _ = _data(n=500, d=6, seed=29)
    y = targets["poisson"]
    lam = 4.0
    ours = bayesreg.PoissonRegression(prior=Gaussian(lam), solver="lbfgs", tol=1e-8).fit(X, y)
    assert ours.map_.converged
    sk = PoissonRegressor(alpha=lam / len(y), tol=1e-12, max_iter=10_000).fit(X, y)  # (1/N)Σ nll + α/2‖w‖²
    np.testing.assert_allclose(ours.coef_, sk.coef_, atol=1e-6)


def test_lbfgs_refuses_l1():
    X, targets, _ = _data(n=50, d=4)
    model = Model(X, targets["bernoulli"], Bernoulli(), Laplace(1.0))
    with pytest.raises(ValueError, match="solver='lbfgs' needs a smooth prior"):
        solve(model, np.zeros(model.n_params), "lbfgs")


def test_lbfgs_not_converged_says_so():
    X, targets, _ = _data(n=300, d=10, seed=31)
    model = Model(X, targets["bernoulli"], Bernoulli(), Gaussian(0.01))
    res = solve(model, np.zeros(model.n_params), "lbfgs", tol=1e-12, max_iter=2)
    assert not res.converged and res.n_iter <= 2 and "max_iter" in res.message


def test_kernels_compile_with_random_numba_ids_before_pytensor(tmp_path):
    """bayesreg.numba_ids: a function compiled after bayesreg's kernels module carries a random 128-bit id.

    With numba's counter (1, 2, …) such ids repeat across processes, and the disk cache of
    compiled posteriors must refuse any model linked with them (numba issue 10486).
    """
    import os
    import subprocess
    import sys

    code = (
        "import re, sys\n"
        "import bayesreg.fused_kernel\n"
        "import numba\n"
        "assert 'pytensor' not in sys.modules\n"
        "f = numba.njit(lambda x: x + 1.0)\n"
        "f(1.0)\n"
        "names = [fn.name for fn in f.overloads[f.signatures[0]].library._final_module.functions]\n"
        "uids = [int(u) for n in names for k, u in re.findall(r'B(\\d+)v(\\d+)', n) if int(k) == len(u) + 1]\n"
        "assert uids and min(uids) >= 2**64, uids\n"
        "print('ok', len(uids))\n")
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0 and run.stdout.startswith("ok"), run.stderr[-2000:]
