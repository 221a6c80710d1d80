"""The gradient-descent core against independent optimizers and optimality conditions.

References: scikit-learn's LogisticRegression (lbfgs / newton-cholesky for L2,
liblinear for L1), the ridge normal equations, statsmodels' Logit for the MLE,
and KKT conditions recomputed here from scratch.  Objectives are compared as
U = Σ nll + penalty computed in the test (docs/contract.md).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from scipy import special
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from bayesreg.datasets import load_breast_cancer, make_lecture_wide
from bayesreg.likelihoods import Bernoulli, Normal
from bayesreg.model import Model
from bayesreg.priors import ElasticNet, Flat, Gaussian, Laplace
from bayesreg.solvers import SOLVERS, ConvergenceWarning, DivergenceError, MapResult, gd, solve
from bayesreg.validation import ArgumentTypeError

ITERATIONS: dict[str, int] = {}  # iteration counts, printed at the end with -s (see the report)


pytestmark = pytest.mark.usefixtures("one_blas_thread")  # small matrices: one BLAS thread is faster


@pytest.fixture(scope="module")
def wide():
    d = make_lecture_wide()
    return d.X, d.y


# -- the objective and its optimality, written out ----------------------------------------

def logistic_U(X, y, coef, intercept, *, l1=0.0, l2=0.0):
    eta = X @ coef + intercept
    nll = -np.sum(y * special.log_expit(eta) + (1 - y) * special.log_expit(-eta))
    return float(nll + l1 * np.abs(coef).sum() + 0.5 * l2 * coef @ coef)


def logistic_kkt(X, y, coef, intercept, *, l1=0.0, l2=0.0):
    """max violation of 0 ∈ ∇(Σ nll + l2/2‖w‖²) + l1·∂‖w‖₁ (intercept unpenalized), and ‖∇f(0)‖∞."""
    r = special.expit(X @ coef + intercept) - y
    g = X.T @ r + l2 * coef
    gb = r.sum()
    viol = np.where(coef != 0, np.abs(g + l1 * np.sign(coef)), np.maximum(np.abs(g) - l1, 0.0))
    r0 = 0.5 - y
    scale = max(np.abs(X.T @ r0).max(), abs(r0.sum()))
    return max(viol.max(), abs(gb)), scale


def rel_gap(u, u_ref):
    return (u - u_ref) / abs(u_ref)


def _fit(X, y, prior, solver, tol=1e-6, likelihood=None, **kw):
    model = Model(X, y, likelihood or Bernoulli(), prior, **kw)
    return solve(model, np.zeros(model.n_params), solver, tol=tol)


_CACHE: dict[tuple, MapResult] = {}


def _cancer_fit(prior, solver, tol=1e-6):
    """A MAP on the standardized breast-cancer data, computed once per (prior, solver, tol).

    Keyed by repr, not by equality: ElasticNet(2, 0) == Laplace(2), but the point of
    comparing them is to run both.
    """
    key = (type(prior).__name__, repr(prior), solver, tol)
    if key not in _CACHE:
        d = load_breast_cancer()
        _CACHE[key] = _fit(d.X, d.y, prior, solver, tol)
    return _CACHE[key]


def _sk_l2(X, y, lam, sk_solver):
    return SkLogisticRegression(C=1.0 / lam, l1_ratio=0.0, solver=sk_solver, tol=1e-10, max_iter=10_000).fit(X, y)


def _sk_l1(X, y, lam):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # liblinear may stop a hair short of 1e-10; U is compared below
        return SkLogisticRegression(C=1.0 / lam, l1_ratio=1.0, solver="liblinear", intercept_scaling=1e4, tol=1e-10,
                                    max_iter=100_000, random_state=0).fit(X, y)


# ---------------------------------------------------------------------------------------
# L2: scikit-learn
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lam", [1.0, 0.1])
@pytest.mark.parametrize("solver", ["fista", "ista", "newton"])
def test_l2_matches_sklearn_at_default_tol(cancer, solver, lam):
    X, y = cancer
    sk = _sk_l2(X, y, lam, "newton-cholesky")
    u_sk = logistic_U(X, y, sk.coef_[0], sk.intercept_[0], l2=lam)
    res = _cancer_fit(Gaussian(lam), solver)
    ITERATIONS[f"L2 lam={lam} {solver} tol=1e-6"] = res.n_iter
    assert res.converged
    u = logistic_U(X, y, res.coef, res.intercept, l2=lam)
    assert res.objective == pytest.approx(u, rel=1e-12)  # the reported U is the U of the returned point
    assert abs(rel_gap(u, u_sk)) <= 1e-6
    assert rel_gap(u, u_sk) >= -1e-12  # nobody beats the optimum
    np.testing.assert_allclose(res.coef, sk.coef_[0], atol=2e-2 * np.abs(sk.coef_).max())


@pytest.mark.parametrize("sk_solver", ["lbfgs", "newton-cholesky"])
@pytest.mark.parametrize("solver", ["newton", "fista"])
def test_l2_matches_sklearn_at_tight_tol(cancer, solver, sk_solver):
    X, y = cancer
    lam = 1.0
    sk = _sk_l2(X, y, lam, sk_solver)
    u_sk = logistic_U(X, y, sk.coef_[0], sk.intercept_[0], l2=lam)
    res = _cancer_fit(Gaussian(lam), solver, 1e-10)
    ITERATIONS[f"L2 lam=1 {solver} tol=1e-10"] = res.n_iter
    assert res.converged, res.message
    u = logistic_U(X, y, res.coef, res.intercept, l2=lam)
    assert abs(rel_gap(u, u_sk)) <= 1e-10
    if sk_solver == "newton-cholesky":  # lbfgs stops on its own (looser) criterion
        np.testing.assert_allclose(res.coef, sk.coef_[0], rtol=1e-6, atol=1e-6)
        assert res.intercept == pytest.approx(sk.intercept_[0], abs=1e-6)
    viol, scale = logistic_kkt(X, y, res.coef, res.intercept, l2=lam)
    assert viol <= 2e-10 * scale


def test_fista_reaches_tight_tol_at_weak_prior(cancer):
    # λ = 0.1 on standardized breast cancer is badly conditioned; FISTA must still get there
    X, y = cancer
    res = _cancer_fit(Gaussian(0.1), "fista", 1e-10)
    ITERATIONS["L2 lam=0.1 fista tol=1e-10"] = res.n_iter
    assert res.converged, res.message
    assert res.n_iter < 2000
    viol, scale = logistic_kkt(X, y, res.coef, res.intercept, l2=0.1)
    assert viol <= 2e-10 * scale


# ---------------------------------------------------------------------------------------
# L1: liblinear and KKT
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lam", [1.0, 10.0])
@pytest.mark.parametrize("solver", ["fista", "ista", "newton"])
def test_l1_matches_liblinear(cancer, solver, lam):
    X, y = cancer
    sk = _sk_l1(X, y, lam)
    u_sk = logistic_U(X, y, sk.coef_[0], sk.intercept_[0], l1=lam)
    res = _cancer_fit(Laplace(lam), solver)
    ITERATIONS[f"L1 lam={lam} {solver} tol=1e-6"] = res.n_iter
    assert res.converged
    u = logistic_U(X, y, res.coef, res.intercept, l1=lam)
    assert abs(rel_gap(u, u_sk)) <= 1e-6
    # the same features are switched off (liblinear's zeros are exact too)
    assert res.n_zero > 0
    np.testing.assert_array_equal(res.coef == 0, sk.coef_[0] == 0)


@pytest.mark.parametrize("solver,tol", [("newton", 1e-10), ("fista", 1e-10), ("fista", 1e-6), ("ista", 1e-6)])
def test_l1_solution_satisfies_kkt(cancer, solver, tol):
    X, y = cancer
    lam = 1.0
    res = _cancer_fit(Laplace(lam), solver, tol)
    ITERATIONS[f"L1 lam=1 {solver} tol={tol:g}"] = res.n_iter
    assert res.converged
    viol, scale = logistic_kkt(X, y, res.coef, res.intercept, l1=lam)
    assert viol <= 2 * tol * scale
    assert res.optimality <= tol
    assert 0 < res.n_zero < X.shape[1]
    if tol <= 1e-10:
        sk = _sk_l1(X, y, lam)
        u_sk = logistic_U(X, y, sk.coef_[0], sk.intercept_[0], l1=lam)
        assert rel_gap(logistic_U(X, y, res.coef, res.intercept, l1=lam), u_sk) <= 1e-9


# ---------------------------------------------------------------------------------------
# elastic net: KKT, and two solvers agreeing
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("l1,l2", [(2.0, 0.5), (0.3, 3.0)])
def test_elastic_net_kkt_and_solver_agreement(cancer, l1, l2):
    X, y = cancer
    fista = _cancer_fit(ElasticNet(l1, l2), "fista", 1e-10)
    newton = _cancer_fit(ElasticNet(l1, l2), "newton", 1e-10)
    ITERATIONS[f"EN ({l1},{l2}) fista tol=1e-10"] = fista.n_iter
    ITERATIONS[f"EN ({l1},{l2}) newton tol=1e-10"] = newton.n_iter
    for res in (fista, newton):
        assert res.converged
        viol, scale = logistic_kkt(X, y, res.coef, res.intercept, l1=l1, l2=l2)
        assert viol <= 2e-10 * scale
    np.testing.assert_array_equal(fista.coef == 0, newton.coef == 0)
    assert fista.n_zero > 0
    np.testing.assert_allclose(fista.coef, newton.coef, atol=1e-7)
    u_f = logistic_U(X, y, fista.coef, fista.intercept, l1=l1, l2=l2)
    u_n = logistic_U(X, y, newton.coef, newton.intercept, l1=l1, l2=l2)
    assert abs(rel_gap(u_f, u_n)) <= 1e-12


def test_elastic_net_between_its_limits(cancer):
    # ElasticNet(l, 0) and ElasticNet(0, l) give the Laplace and Gaussian MAPs
    X, y = cancer
    for en, ref in [(ElasticNet(2.0, 0.0), Laplace(2.0)), (ElasticNet(0.0, 2.0), Gaussian(2.0))]:
        a = _cancer_fit(en, "newton", 1e-10)
        b = _cancer_fit(ref, "newton", 1e-10)
        np.testing.assert_allclose(a.coef, b.coef, atol=1e-9)


# ---------------------------------------------------------------------------------------
# linear regression: the ridge normal equations
# ---------------------------------------------------------------------------------------

def _ridge_data(seed=11, n=120, d=8, centre=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * np.linspace(0.5, 3.0, d) + np.linspace(-4, 4, d)
    y = X @ rng.normal(size=d) + 2.0 + rng.normal(scale=0.5, size=n)
    return (X - X.mean(axis=0) if centre else X), y


def _ridge_closed_form(X, y, lam, sigma, fit_intercept=True, lam_b=0.0):
    """argmin Σ(y − Xw − b)²/(2σ²) + λ/2‖w‖² + λ_b/2 b²: the normal equations.

    Also returns ∇U as a function and the smallest Hessian eigenvalue μ, so that
    ‖θ − θ*‖₂ ≤ ‖∇U(θ)‖₂ / μ bounds the error of any θ (U is a strongly convex quadratic).
    """
    A = np.column_stack([X, np.ones(len(X))]) if fit_intercept else X
    P = np.diag([lam] * X.shape[1] + ([lam_b] if fit_intercept else []))
    H = A.T @ A / sigma**2 + P
    beta = np.linalg.solve(H, A.T @ y / sigma**2)
    grad = lambda th: A.T @ (A @ th - y) / sigma**2 + P @ th  # noqa: E731
    return beta, grad, np.linalg.eigvalsh(H)[0], np.abs(grad(np.zeros_like(beta))).max()


# ISTA is not run on the uncentred data with a penalized intercept: its Hessian has
# condition number ≈ 5000 there, and ISTA would need ~10⁵ iterations (FISTA and Newton are run).
RIDGE_CASES = [(s, True, None, False) for s in ("fista", "ista", "newton")] + \
              [(s, False, None, False) for s in ("fista", "ista", "newton")] + \
              [(s, True, 0.7, False) for s in ("fista", "newton")] + \
              [(s, True, 0.7, True) for s in ("fista", "ista", "newton")]


@pytest.mark.parametrize("solver,fit_intercept,lam_b,centre", RIDGE_CASES)
def test_ridge_matches_normal_equations(solver, fit_intercept, lam_b, centre):
    X, y = _ridge_data(centre=centre)
    lam, sigma, tol = 3.0, 0.5, 1e-10
    beta, grad, mu, scale = _ridge_closed_form(X, y, lam, sigma, fit_intercept, lam_b or 0.0)
    model = Model(X, y, Normal(sigma), Gaussian(lam), None if lam_b is None else Gaussian(lam_b), fit_intercept)
    res = solve(model, np.zeros(model.n_params), solver, tol=tol)
    ITERATIONS[f"ridge {solver} icpt={fit_intercept} lam_b={lam_b} centre={centre}"] = res.n_iter
    assert res.converged
    theta = np.append(res.coef, res.intercept) if fit_intercept else res.coef
    g = grad(theta)
    assert np.abs(g).max() <= 2 * tol * scale  # optimal to the requested tolerance, checked here
    bound = np.linalg.norm(g) / mu + 1e-12 * np.abs(beta).max()
    np.testing.assert_allclose(theta, beta, rtol=0, atol=bound)
    np.testing.assert_allclose(theta, beta, rtol=1e-6, atol=1e-6)
    if not fit_intercept:
        assert res.intercept == 0.0


# ---------------------------------------------------------------------------------------
# flat prior: the MLE, against statsmodels
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("solver", ["newton", "fista"])
def test_flat_prior_mle_matches_statsmodels(solver):
    import statsmodels.api as sm

    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 4)) + np.array([1.0, 0.0, -2.0, 5.0])
    y = (rng.random(300) < special.expit(X @ np.array([0.8, -0.5, 0.3, 0.2]) - 1.0)).astype(float)
    ref = sm.Logit(y, sm.add_constant(X)).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
    res = _fit(X, y, Flat(), solver, tol=1e-10)
    ITERATIONS[f"MLE {solver} tol=1e-10"] = res.n_iter
    assert res.converged
    np.testing.assert_allclose(res.coef, ref.params[1:], rtol=1e-6, atol=1e-7)
    assert res.intercept == pytest.approx(ref.params[0], rel=1e-6, abs=1e-7)
    assert res.objective == pytest.approx(-ref.llf, rel=1e-12)


# ---------------------------------------------------------------------------------------
# FISTA: monotone objective with restart; honest results
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("prior", [Laplace(1.0), Gaussian(0.1), ElasticNet(1.0, 0.5)], ids=repr)
def test_fista_objective_history_never_rises(cancer, prior):
    X, y = cancer
    res = _cancer_fit(prior, "fista", 1e-10)
    F = np.asarray(res.history.objective)
    assert F.size == res.n_iter + 1
    # momentum is restarted whenever U would rise; below rounding U cannot order two points
    rises = np.diff(F)
    assert rises.max() <= 1e-12 * (abs(F).max() + 1.0)
    assert F[-1] < F[0]
    assert F[-1] == pytest.approx(res.objective, rel=0, abs=0)


def test_fista_objective_never_rises_on_the_wide_data(wide):
    X, y = wide
    res = _fit(X, y, Laplace(2.0), "fista", tol=1e-10)
    F = np.asarray(res.history.objective)
    assert np.diff(F).max() <= 1e-12 * (abs(F).max() + 1.0)
    assert res.converged


def test_result_object(cancer):
    X, y = cancer
    res = _cancer_fit(Laplace(1.0), "fista")
    assert isinstance(res, MapResult)
    assert res.solver == "fista" and res.tol == 1e-6 and res.converged and res.message == ""
    assert res.n_zero == int(np.sum(res.coef == 0))
    assert res.objective == pytest.approx(logistic_U(X, y, res.coef, res.intercept, l1=1.0), rel=1e-12)
    arrays = res.history.as_arrays()
    assert {k: v.size for k, v in arrays.items()} == {k: res.n_iter + 1 for k in arrays}
    assert res.n_grad > 0
    assert "converged" in repr(res) and f"{res.n_zero}/{X.shape[1]}" in repr(res)


@pytest.mark.parametrize("solver", ["fista", "ista", "newton"])
def test_starting_at_the_optimum_stops_at_once(cancer, solver):
    X, y = cancer
    first = _cancer_fit(Laplace(1.0), "newton", 1e-10)
    model = Model(X, y, Bernoulli(), Laplace(1.0))
    res = solve(model, model.theta_from(first.coef, first.intercept), solver, tol=1e-8)
    assert res.converged and res.n_iter == 0


def test_solve_rejects_unknown_solver(cancer):
    X, y = cancer
    model = Model(X, y, Bernoulli(), Gaussian(1.0))
    with pytest.raises(ValueError, match=r"solver.*'bogus'") as info:
        solve(model, np.zeros(model.n_params), "bogus")
    for name in SOLVERS:
        assert name in str(info.value)


def test_solvers_do_not_mutate_the_start(cancer):
    X, y = cancer
    model = Model(X, y, Bernoulli(), Laplace(10.0))
    theta0 = np.zeros(model.n_params)
    theta0.flags.writeable = False
    for name in ("fista", "ista", "newton"):
        solve(model, theta0, name)
    np.testing.assert_array_equal(theta0, 0.0)


# ---------------------------------------------------------------------------------------
# max_iter too small
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("solver,max_iter", [("fista", 3), ("ista", 3), ("newton", 1), ("gd", 3)])
def test_too_few_iterations_warn_and_say_so(cancer, solver, max_iter):
    X, y = cancer
    model = Model(X, y, Bernoulli(), Laplace(1.0))
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        res = solve(model, np.zeros(model.n_params), solver, max_iter=max_iter)
    assert res.converged is False
    assert res.n_iter == max_iter
    assert res.optimality > res.tol
    assert "did not converge" in res.message


# ---------------------------------------------------------------------------------------
# the lecture's loop (gd) on the wide data, against FISTA
# ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lecture_gd(wide):
    X, y = wide
    model = Model(X, y, Bernoulli(), Laplace(2.0))
    with pytest.warns(ConvergenceWarning, match="hover"):
        res = solve(model, np.zeros(model.n_params), "gd", learning_rate=0.001, max_iter=5000)
    return res


def test_lecture_gd_does_not_converge_and_hovers(lecture_gd):
    res = lecture_gd
    assert res.converged is False
    assert res.n_iter == 5000
    assert "did not converge" in res.message and "fista" in res.message
    assert res.n_zero == 0  # the subgradient never lands on zero
    assert np.all(np.isfinite(res.coef))
    # ... but the three true weights [1, 0.5, −0.5] stand out
    top3 = set(np.argsort(-np.abs(res.coef))[:3].tolist())
    assert top3 == {0, 1, 2}
    assert np.sign(res.coef[0]) == 1 and np.sign(res.coef[1]) == 1 and np.sign(res.coef[2]) == -1
    # many weights hover within learning_rate·λ of zero
    assert np.sum(np.abs(res.coef) <= 0.001 * 2.0) >= 5


def test_fista_on_lecture_data_gives_exact_zeros(wide, lecture_gd):
    X, y = wide
    res2 = _fit(X, y, Laplace(2.0), "fista")
    res10 = _fit(X, y, Laplace(10.0), "fista")
    for res, lam in [(res2, 2.0), (res10, 10.0)]:
        assert res.converged
        viol, scale = logistic_kkt(X, y, res.coef, res.intercept, l1=lam)
        assert viol <= 2e-6 * scale
        assert res.n_zero > X.shape[1] // 2
        assert res.coef[0] > 0  # the strongest true weight survives
    assert res10.n_zero > res2.n_zero
    assert np.abs(res10.coef).sum() < np.abs(res2.coef).sum()
    assert np.linalg.norm(res10.coef) < np.linalg.norm(res2.coef)
    # the lecture's loop sits above the MAP it is chasing
    u_gd = logistic_U(X, y, lecture_gd.coef, lecture_gd.intercept, l1=2.0)
    u_map = logistic_U(X, y, res2.coef, res2.intercept, l1=2.0)
    assert u_map < u_gd


def test_gd_with_a_huge_learning_rate_diverges_and_suggests_one(wide):
    X, y = wide
    model = Model(X, y, Bernoulli(), Gaussian(1.0))
    with pytest.raises(DivergenceError, match="learning_rate") as info:
        solve(model, np.zeros(model.n_params), "gd", learning_rate=1e3, max_iter=50)
    msg = str(info.value)
    m = re.search(r"try learning_rate=([0-9.eE+-]+)", msg)
    assert m, msg
    suggested = float(m.group(1))
    # independent bound: L ≤ ¼·σ_max([X − x̄, 1])² + λ, so a good rate is below 2/L
    A = np.column_stack([X - X.mean(axis=0), np.ones(len(X))])
    L = 0.25 * np.linalg.norm(A, 2) ** 2 + 1.0
    assert suggested < 2.0 / L
    assert suggested > 0.25 / L
    # and the suggestion works: plain gradient descent with it is monotone on this smooth U
    res = solve(Model(X, y, Bernoulli(), Gaussian(1.0)), np.zeros(X.shape[1] + 1), "gd",
                learning_rate=suggested, max_iter=20000, tol=1e-6)
    F = np.asarray(res.history.objective)
    assert np.diff(F).max() <= 1e-12 * abs(F[0])
    assert res.converged


def test_gd_rejects_a_bad_learning_rate(wide):
    X, y = wide
    model = Model(X, y, Bernoulli(), Gaussian(1.0))
    for bad in (0.0, -1.0, float("nan"), float("inf"), np.float32(-1e-3)):
        with pytest.raises(ValueError, match="learning_rate must be a") as info:
            solve(model, np.zeros(model.n_params), "gd", learning_rate=bad)
        assert not isinstance(info.value, TypeError)
        assert repr(float(bad)) in str(info.value)
    for bad in ("0.1", True, None, [1e-3]):  # wrong types: a TypeError that is still the ValueError it was
        with pytest.raises(ArgumentTypeError, match="learning_rate") as info:
            solve(model, np.zeros(model.n_params), "gd", learning_rate=bad)
        assert isinstance(info.value, ValueError) and repr(bad) in str(info.value)


@pytest.mark.filterwarnings("ignore::bayesreg.solvers.ConvergenceWarning")  # 50 steps: only the inputs matter
def test_gd_accepts_a_numpy_learning_rate(wide):
    X, y = wide
    model = Model(X, y, Bernoulli(), Gaussian(1.0))
    rate = np.float32(1e-3)
    res = solve(model, np.zeros(model.n_params), "gd", learning_rate=rate, max_iter=50)
    ref = gd(model, np.zeros(model.n_params), learning_rate=float(rate), max_iter=50)
    np.testing.assert_array_equal(res.coef, ref.coef)
    assert res.history.step_size == ref.history.step_size
    assert all(type(step) is float for step in res.history.step_size)  # Python floats, not np.float32
    gd(model, np.zeros(model.n_params), learning_rate=np.float64(1e-3), max_iter=5)


@pytest.mark.filterwarnings("ignore::bayesreg.solvers.ConvergenceWarning")
def test_gd_far_too_large_rate_says_so_in_the_warning(wide):
    X, y = wide
    model = Model(X, y, Bernoulli(), Laplace(2.0))
    res = solve(model, np.zeros(model.n_params), "gd", learning_rate=1.0, max_iter=200)
    assert not res.converged
    assert "2/L" in res.message


@pytest.mark.parametrize("prior", [Gaussian(1.0), Gaussian(0.1), Laplace(1.0), Laplace(10.0), ElasticNet(2.0, 0.5)],
                         ids=repr)
def test_iteration_budgets_at_tight_tol(prior):
    """Newton needs a handful of steps and FISTA hundreds at tol 1e-10 (FISTA used to stall
    at rounding level here: its restart test threw away every step that rounded upward)."""
    newton = _cancer_fit(prior, "newton", 1e-10)
    fista = _cancer_fit(prior, "fista", 1e-10)
    ITERATIONS[f"{prior!r} newton tol=1e-10"] = newton.n_iter
    ITERATIONS[f"{prior!r} fista tol=1e-10"] = fista.n_iter
    assert newton.converged and fista.converged
    assert newton.n_iter <= 20
    assert fista.n_iter <= 2000


def test_report_iteration_counts(cancer):
    """Prints the iteration counts gathered in this module (run with -s), and checks they were all honest."""
    if ITERATIONS:
        width = max(map(len, ITERATIONS))
        print("\niterations:\n" + "\n".join(f"  {k:<{width}}  {v}" for k, v in sorted(ITERATIONS.items())))
    for (prior_name, _, solver, tol), res in _CACHE.items():
        cap = {"newton": 100}.get(solver, 10_000)
        assert 0 <= res.n_iter <= cap
        assert res.converged == (res.optimality <= tol)
