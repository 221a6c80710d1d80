"""solver="auto" and proximal Newton's exact L1 subproblem, against independent references.

References: scikit-learn's ``Lasso`` and glum (with an unpenalized coordinate) for the
L1-penalized quadratic subproblem; scikit-learn's ``LogisticRegression``, glum and
SciPy's L-BFGS-B on the objective written out here for the MAP on raw-scale breast
cancer (not standardized: column sds from 0.0026 to 569), where FISTA took thousands
of iterations (issue 12).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import optimize

import bayesreg
from bayesreg import ElasticNet, Gaussian, Laplace, LinearRegression, LogisticRegression
from bayesreg.datasets import load_breast_cancer, make_lecture_wide
from bayesreg.likelihoods import Bernoulli
from bayesreg.model import Model
from bayesreg.solvers import choose, coordinate


def logistic_U(X, y, coef, b, l1=0.0, l2=0.0) -> float:
    """Σ log(1 + e^η) − yη + λ1‖w‖₁ + λ2/2‖w‖², written out independently of bayesreg."""
    eta = X @ coef + b
    return float(np.sum(np.logaddexp(0.0, eta)) - y @ eta + l1 * np.abs(coef).sum() + 0.5 * l2 * coef @ coef)


# ---------------------------------------------------------------------------------------------
# The L1 quadratic subproblem
# ---------------------------------------------------------------------------------------------
def _lasso_problem(seed, n, d, spread, corr):
    """A least-squares design: H = AᵀA/n, and g chosen so that q(z) is sklearn's Lasso objective + const."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d)) * np.exp(rng.uniform(-spread, spread, d))
    A[:, 1] = A[:, 0] + corr * A[:, 1]  # two nearly collinear columns
    yv = A[:, :3] @ (np.array([1.0, -2.0, 0.5]) / np.abs(A[:, :3]).mean(axis=0)) + rng.standard_normal(n)
    H = A.T @ A / n
    x = rng.standard_normal(d) * 0.1  # the outer iterate (q is centred there)
    g = H @ x - A.T @ yv / n  # so that q(z) = ½zᵀHz − (Aᵀy/n)ᵀz + const
    return A, yv, H, g, x


def _q(H, g, x, l1, z):
    return float(g @ (z - x) + 0.5 * (z - x) @ H @ (z - x) + l1 @ np.abs(z))


@pytest.mark.parametrize("seed,n,d,spread,corr", [(0, 200, 5, 0.0, 1.0), (1, 200, 30, 3.0, 0.01),
                                                  (2, 60, 50, 1.0, 0.1), (3, 300, 120, 2.0, 0.01)])
@pytest.mark.parametrize("compiled", [True, False])
def test_cd_subproblem_matches_sklearn_lasso(seed, n, d, spread, corr, compiled):
    from sklearn.linear_model import Lasso

    if not compiled and d > 50:
        pytest.skip("the uncompiled kernel is slow; small problems check it")
    A, yv, H, g, x = _lasso_problem(seed, n, d, spread, corr)
    alpha = 0.3 if d == 5 else 0.05
    z, _ = coordinate.lasso_quadratic(H, g, x, np.full(d, alpha), compiled=compiled)
    ref = Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=1_000_000).fit(A, yv).coef_
    assert np.count_nonzero(ref == 0) > 0 and np.count_nonzero(ref) > 0  # the premise: zeros and non-zeros
    np.testing.assert_array_equal(z == 0, ref == 0)  # the same exact zeros
    np.testing.assert_allclose(z, ref, atol=1e-9 * max(1.0, np.abs(ref).max()))
    assert _q(H, g, x, np.full(d, alpha), z) <= _q(H, g, x, np.full(d, alpha), ref) + 1e-12


def test_cd_subproblem_with_an_unpenalized_coordinate_matches_glum():
    from glum import GeneralizedLinearRegressor

    A, yv, H, g, x = _lasso_problem(5, 150, 20, 2.0, 0.05)
    alpha = 0.08
    l1 = np.full(20, alpha)
    l1[4] = 0.0  # like the intercept: no |·| term
    z, _ = coordinate.lasso_quadratic(H, g, x, l1)
    # glum: (1/2n)‖y − Az‖² + α Σ P1_j |z_j| with l1_ratio = 1 is q up to a constant
    ref = GeneralizedLinearRegressor(family="normal", alpha=alpha, l1_ratio=1.0, P1=(l1 > 0).astype(float),
                                     fit_intercept=False, gradient_tol=1e-14, max_iter=10_000).fit(A, yv).coef_
    assert z[4] != 0 and np.count_nonzero(z == 0) > 0
    np.testing.assert_allclose(z, ref, atol=1e-7)
    assert _q(H, g, x, l1, z) <= _q(H, g, x, l1, ref) + 1e-12
    assert set(np.flatnonzero(z == 0)) == set(np.flatnonzero(np.abs(ref) < 1e-10))


# ---------------------------------------------------------------------------------------------
# Raw-scale breast cancer with the default solver
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def raw_cancer():
    d = load_breast_cancer(standardize=False)
    return d.X, d.y


def _scipy_reference(X, y, l1, l2, start):
    """min U by L-BFGS-B on w = u − v (u, v ≥ 0), which makes the L1 term smooth; scaled columns for conditioning."""
    s = X.std(axis=0)
    Z = (X - X.mean(axis=0)) / s  # w_j = ω_j/s_j, b = β − Σ ω_j x̄_j/s_j: the same U in other coordinates
    d = X.shape[1]
    w0, b0 = start
    om0 = w0 * s
    z0 = np.concatenate([np.maximum(om0, 0), np.maximum(-om0, 0), [b0 + X.mean(axis=0) @ w0]])

    def f(zz):
        u, v, beta = zz[:d], zz[d:2 * d], zz[-1]
        om = u - v
        eta = Z @ om + beta
        p = 0.5 + 0.5 * np.tanh(0.5 * eta)
        w = om / s
        val = np.sum(np.logaddexp(0.0, eta)) - y @ eta + l1 * np.sum((u + v) / s) + 0.5 * l2 * w @ w
        gom = Z.T @ (p - y) + l2 * w / s
        return val, np.concatenate([gom + l1 / s, -gom + l1 / s, [np.sum(p - y)]])

    res = optimize.minimize(f, z0, jac=True, method="L-BFGS-B", bounds=[(0, None)] * (2 * d) + [(None, None)],
                            options={"ftol": 1e-16, "gtol": 1e-12, "maxiter": 100_000, "maxcor": 50})
    om = res.x[:d] - res.x[d:2 * d]
    w = om / s
    return w, float(res.x[-1] - X.mean(axis=0) @ w)


@pytest.mark.parametrize("prior,l1,l2", [(Gaussian(1.0), 0.0, 1.0), (Laplace(1.0), 1.0, 0.0),
                                         (ElasticNet(1.0, 1.0), 1.0, 1.0)])
def test_raw_scale_breast_cancer_converges_to_1e8_with_the_default_solver(raw_cancer, prior, l1, l2):
    from glum import GeneralizedLinearRegressor

    X, y = raw_cancer
    n = X.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning either
        est = LogisticRegression(prior=prior).fit(X, y)  # solver="auto", tol=1e-6: the defaults
    res = est.map_
    assert res.converged and res.solver == "newton" and res.solver_reason.startswith("auto:")
    ours = logistic_U(X, y, est.coef_, est.intercept_, l1, l2)
    assert ours == pytest.approx(res.objective, rel=1e-12)
    lam = l1 + l2
    refs = []
    g = GeneralizedLinearRegressor(family="binomial", alpha=lam / n, l1_ratio=l1 / lam, gradient_tol=1e-10,
                                   max_iter=10_000).fit(np.asfortranarray(X), y)
    refs.append((g.coef_, float(g.intercept_)))
    refs.append(_scipy_reference(X, y, l1, l2, refs[0]))
    if l1 == 0:
        from sklearn.linear_model import LogisticRegression as SkLR

        sk = SkLR(C=1.0 / l2, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
        refs.append((sk.coef_.ravel(), float(sk.intercept_[0])))
    best = min(logistic_U(X, y, w, b, l1, l2) for w, b in refs)
    assert ours - best <= 1e-8 * abs(best)  # within 1e-8 (relative) of the best reference
    assert best - ours <= 1e-6 * abs(best)  # and the references agree with each other and us
    if l1 > 0:  # the exact zeros: the references' near-zeros
        w_ref = refs[0][0]
        assert np.count_nonzero(est.coef_ == 0) > 5
        np.testing.assert_array_equal(est.coef_ == 0, np.abs(w_ref) < 1e-7 * np.abs(w_ref).max())


def test_proximal_newton_on_standardized_cancer_and_lecture_matches_glum():
    from glum import GeneralizedLinearRegressor

    d = load_breast_cancer()
    lec = make_lecture_wide()
    for X, y, lam1 in ((d.X, d.y, 1.0), (lec.X, lec.y, 2.0)):
        est = LogisticRegression(prior=Laplace(lam1), solver="newton", tol=1e-10).fit(X, y)
        g = GeneralizedLinearRegressor(family="binomial", alpha=lam1 / X.shape[0], l1_ratio=1.0,
                                       gradient_tol=1e-12, max_iter=10_000).fit(np.asfortranarray(X), y)
        u_ours = logistic_U(X, y, est.coef_, est.intercept_, lam1)
        u_ref = logistic_U(X, y, g.coef_, float(g.intercept_), lam1)
        assert u_ours <= u_ref + 1e-10 * abs(u_ref)
        np.testing.assert_allclose(est.coef_, g.coef_, atol=1e-5)
        np.testing.assert_array_equal(est.coef_ == 0, np.abs(g.coef_) < 1e-8)


# ---------------------------------------------------------------------------------------------
# The rule
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class NoCurvatureGaussian(bayesreg.Prior):
    """A user's N(0, 1/lam) that gives penalty, gradient and prox but no curvature (the README's minimum)."""

    lam: float = 1.0

    def penalty(self, w) -> float:
        w = np.asarray(w, dtype=float)
        return 0.5 * self.lam * float(w @ w)

    def gradient(self, w):
        return self.lam * np.asarray(w, dtype=float)

    def prox(self, v, step):
        return np.asarray(v, dtype=float) / (1.0 + step * self.lam)

    def logpdf(self, w):
        return -0.5 * self.lam * np.asarray(w, dtype=float) ** 2 + 0.5 * math.log(self.lam / (2 * math.pi))

    @property
    def variance(self):
        return 1.0 / self.lam

    def params(self):
        return {"lam": self.lam}

    def describe(self):
        return f"N(0, 1/{self.lam})"


def test_auto_keeps_fista_for_a_prior_without_curvature_and_matches_newton_otherwise():
    d = load_breast_cancer()
    user = LogisticRegression(prior=NoCurvatureGaussian(1.0), tol=1e-9).fit(d.X, d.y)
    assert user.map_.solver == "fista" and "curvature" in user.map_.solver_reason
    ref = LogisticRegression(prior=Gaussian(1.0), solver="newton", tol=1e-10).fit(d.X, d.y)
    np.testing.assert_allclose(user.coef_, ref.coef_, atol=1e-6)


def test_auto_picks_lbfgs_or_fista_for_many_well_scaled_columns_and_newton_when_they_are_not():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 100))
    y = (X[:, 0] + rng.standard_normal(2000) > 0).astype(float)
    name, why = choose(Model(X, y, Bernoulli(), Gaussian(1.0)))
    assert name == "lbfgs" and "well-scaled" in why and "smooth" in why
    name, why = choose(Model(X, y, Bernoulli(), Laplace(1.0)))
    assert name == "fista" and "well-scaled" in why and "L1" in why
    Xs = X * np.r_[1e3, np.ones(99)]
    name, why = choose(Model(Xs, y, Bernoulli(), Gaussian(1.0)))
    assert name == "newton" and "ill-conditioned" in why
    big = choose(Model(np.zeros((10, 2)), np.zeros(10), Bernoulli(), Gaussian(1.0)))
    assert big[0] == "newton" and "p = 3" in big[1]
    from glum import GeneralizedLinearRegressor

    est = LogisticRegression(prior=Laplace(5.0)).fit(Xs, y)
    ref = GeneralizedLinearRegressor(family="binomial", alpha=5.0 / 2000, l1_ratio=1.0, gradient_tol=1e-10,
                                     max_iter=10_000).fit(np.asfortranarray(Xs), y)
    u_ref = logistic_U(Xs, y, ref.coef_, float(ref.intercept_), 5.0)
    assert est.map_.solver == "newton" and est.map_.converged
    assert logistic_U(Xs, y, est.coef_, est.intercept_, 5.0) <= u_ref + 1e-8 * abs(u_ref)


def test_auto_with_sigma_estimated_chooses_once_and_matches_newton():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((80, 6)) * np.r_[1.0, 10.0, 0.1, 1.0, 1.0, 1.0]
    y = X @ np.r_[1.0, 0.1, 0.0, 0.0, -2.0, 0.5] + rng.standard_normal(80)
    a = LinearRegression(prior=Laplace(3.0), tol=1e-10).fit(X, y)
    b = LinearRegression(prior=Laplace(3.0), solver="newton", tol=1e-10).fit(X, y)
    assert a.map_.solver == "newton" and a.map_.solver_reason.startswith("auto:") and a.map_.converged
    assert a.map_.sigma_estimated and b.map_.solver_reason == ""
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-10)
    assert a.noise_sd_ == pytest.approx(b.noise_sd_, rel=1e-10)


def test_auto_on_a_non_convex_prior_reaches_the_mode_fista_reaches_from_zero():
    d = load_breast_cancer()
    auto = LogisticRegression(prior=bayesreg.Cauchy(1.0), tol=1e-9).fit(d.X, d.y)
    assert auto.map_.solver == "newton" and "local mode" in auto.map_.solver_reason and auto.map_.converged
    fista = LogisticRegression(prior=bayesreg.Cauchy(1.0), solver="fista", tol=1e-9, max_iter=100_000).fit(d.X, d.y)
    assert auto.map_.objective <= fista.map_.objective + 1e-10 * abs(fista.map_.objective)
    np.testing.assert_allclose(auto.coef_, fista.coef_, rtol=1e-6, atol=1e-6)  # fista stops at tol 1e-9 of KKT, not of w
    raw = load_breast_cancer(standardize=False)  # where fista needed 17,000 iterations
    assert LogisticRegression(prior=bayesreg.Cauchy(1.0)).fit(raw.X, raw.y).map_.converged


def test_solver_reason_round_trips_and_the_cli_prints_it(tmp_path, capsys):
    from bayesreg.cli import main
    from bayesreg.io import load_results, save_results

    d = load_breast_cancer()
    est = LogisticRegression(prior=Laplace(1.0)).fit(d.X, d.y)
    path = save_results(tmp_path / "fit.nc", est=est)
    assert load_results(path).map.solver_reason == est.map_.solver_reason != ""
    assert main(["fit"]) == 0
    out = capsys.readouterr().out
    assert "solver newton" in out and "why newton: auto: p = 51" in out
