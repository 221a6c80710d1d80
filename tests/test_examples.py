"""Every example runs in --quick mode and its key numbers hold against independent references."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, optimize, special

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(name, tmp_path, capsys):
    result = _load(name).main(["--quick", "--out", str(tmp_path)])
    capsys.readouterr()
    for f in result["files"]:
        assert Path(f).is_file() and Path(f).stat().st_size > 10_000, f
    return result


def test_01_l2_shrinks_geometrically_l1_hovers_prox_lands(tmp_path, capsys):
    r = _run("01_penalty_derivatives", tmp_path, capsys)
    lam, lr, steps = 1.0, 0.03, 60
    assert r["l2_final"] == pytest.approx((1 - lr * lam) ** steps)  # closed form of GD on (λ/2)w²
    assert r["l2_final"] > 0
    assert 0 < abs(r["subgradient_final"]) <= r["band"] + 1e-12
    assert r["subgradient_max_tail"] <= r["band"] + 1e-12
    assert r["prox_final"] == 0.0


def test_02_map_on_a_corner_while_posterior_mass_is_not(tmp_path, capsys):
    r = _run("02_prior_contours", tmp_path, capsys)
    X, y, lam, w = r["X"], r["y"], r["lam"], r["map"]
    assert np.count_nonzero(w == 0) == 1

    def U(v):
        eta = X @ v
        return np.sum(np.logaddexp(0, eta) - y * eta) + lam * np.abs(v).sum()

    # the MAP is the minimum of U: no point nearby (independent optimizer from elsewhere) is lower
    best = optimize.minimize(U, np.ones(2), method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12})
    assert U(w) <= best.fun + 1e-8
    z = r["zero_index"]
    assert abs(r["mean"][z]) > 0.05  # posterior mean of the zeroed weight is not 0
    assert r["p_near_zero"] < 0.5
    # the grid posterior mean agrees with adaptive quadrature of the same density
    def dens(a, b):
        return np.exp(-(U(np.array([a, b])) - U(w)))
    Z = integrate.dblquad(lambda b, a: dens(a, b), -1.0, 2.5, -1.0, 2.5, epsabs=1e-7)[0]
    m = integrate.dblquad(lambda b, a: (a, b)[z] * dens(a, b), -1.0, 2.5, -1.0, 2.5, epsabs=1e-7)[0] / Z
    assert r["mean"][z] == pytest.approx(m, abs=0.02)


def test_04_costs_and_the_two_samples(tmp_path, capsys):
    r = _run("04_l2_gaussian_clouds", tmp_path, capsys)
    costs = r["costs"]
    assert np.exp(-costs[(0, 4, 4)]) == pytest.approx(special.expit(8.0))
    assert np.exp(-costs[(0, 4, 4)]) == pytest.approx(0.99966, abs=1e-5)  # the lecture's σ(8)
    assert costs[(0, 10, 10)] < costs[(0, 4, 4)] < costs[(0, 1, 1)]  # one point always wants bigger w
    fits = r["fits"]
    assert fits["separable"]["mle"] is None and "prior" in fits["separable"]["separation"]
    mle = fits["overlapping"]["mle"]
    assert np.all(np.isfinite(mle)) and np.all(np.abs(mle[1:] - 4) < 2.5)  # near the Bayes weights (0, 4, 4)
    for f in fits.values():
        assert np.all(np.abs(f["map"]) < 8)


def test_05_ridge_to_lasso(tmp_path, capsys):
    r = _run("05_elastic_net", tmp_path, capsys)
    zeros = r["zeros"]
    assert zeros[0] == 0 and zeros[-1] > 20
    assert np.all(np.diff(zeros) >= 0)
    # the pure-lasso end equals scikit-learn's L1 fit (C = 1/λ)
    from sklearn.linear_model import LogisticRegression as Sk
    from bayesreg.datasets import make_lecture_wide
    d = make_lecture_wide(seed=0)
    sk = Sk(C=1 / 2.0, l1_ratio=1.0, solver="liblinear", intercept_scaling=1e4, tol=1e-10, max_iter=10000, random_state=0).fit(d.X, d.y)
    np.testing.assert_allclose(r["coefs"][-1], sk.coef_.ravel(), atol=2e-3)


def test_03_lecture_loop_hovers_fista_is_exact_posterior_is_not_zero(tmp_path, capsys):
    r = _run("03_l1_wide_data", tmp_path, capsys)
    r2, r10 = r[2.0], r[10.0]
    # the lecture's facts: the three true weights are the largest; λ = 10 shrinks more than λ = 2
    assert set(np.argsort(-np.abs(r2["gd_coef"]))[:3]) == {0, 1, 2}
    assert r10["fista_zeros"] > r2["fista_zeros"] > 0
    assert np.abs(r10["fista_coef"]).sum() < np.abs(r2["fista_coef"]).sum()
    # the subgradient loop never lands on zero and stays above FISTA's minimum
    assert r2["gd_zeros"] == 0 and not r2["gd_converged"]
    assert r2["fista_objective"] <= r2["gd_objective"]
    # FISTA's exact zeros are the zeros of an independent L1 solver
    from sklearn.linear_model import LogisticRegression as Sk
    from bayesreg.datasets import make_lecture_wide
    d = make_lecture_wide(seed=0)
    sk = Sk(C=1 / 2.0, l1_ratio=1.0, solver="liblinear", intercept_scaling=1e4, tol=1e-10, max_iter=10000, random_state=0).fit(d.X, d.y)
    np.testing.assert_array_equal(r2["fista_coef"] == 0, np.abs(sk.coef_.ravel()) < 1e-8)
    # the posterior: where the MAP is exactly 0 the posterior mean is not, and mass near 0 is below 1
    t = r["table"].drop(index="intercept")
    zero = t["map_is_zero"].astype(bool)
    assert zero.sum() == r2["fista_zeros"]
    assert (t.loc[zero, "mean"] != 0).all() and (t.loc[zero, "p_near_zero"] < 1).all()


def test_06_breast_cancer_map_vs_posterior(tmp_path, capsys):
    r = _run("06_map_vs_posterior", tmp_path, capsys)
    t = r["table"]
    assert {"NUTS", "Laplace"} <= set(t.columns.get_level_values(0))
    zero = t["map_is_zero"].astype(bool)
    assert 5 < zero.sum() < 30
    # the MAP is the L1 fit an independent solver finds (C = 1/λ)
    from sklearn.linear_model import LogisticRegression as Sk
    from bayesreg.datasets import load_breast_cancer
    d = load_breast_cancer()
    sk = Sk(C=1.0, l1_ratio=1.0, solver="liblinear", intercept_scaling=1e4, tol=1e-10, max_iter=10000,
            random_state=0).fit(d.X, d.y)
    np.testing.assert_allclose(t["map"].values[:-1], sk.coef_.ravel(), atol=5e-3)
    # NUTS: posterior mass near zero is partial where the MAP is exactly zero; Laplace: a point mass there
    assert (t.loc[zero, ("NUTS", "p_near_zero")] < 1).all()
    assert (t.loc[zero, ("Laplace", "sd")] == 0).all()
    assert r["k_hat"] > 0.7  # the approximation is flagged on this collinear problem


def test_07_sweep_sensitivity_and_choice(tmp_path, capsys):
    r = _run("07_prior_sensitivity", tmp_path, capsys)
    import bayesreg as br
    from bayesreg.sensitivity import laplace_log_evidence
    X, y, lams, path = r["X"], r["y"], r["lams"], r["path"]
    # the MAP path at one λ equals an independent fit
    i = 2
    ref = br.LogisticRegression(prior=br.Gaussian(float(lams[i])), solver="newton", tol=1e-10).fit(X, y)
    np.testing.assert_allclose(path.map_coef.values[i], ref.coef_, atol=1e-5)
    # a stronger prior pulls the posterior means toward 0
    norms = np.abs(path["mean"].values).sum(axis=1)
    assert norms[-1] < norms[0]
    # refit and importance-reweighting derivatives estimate the same difference: they agree within
    # Monte-Carlo error, and in sign wherever the refit derivative is clearly (3 MC se) away from 0
    sens = r["sensitivity"].drop(index="intercept", errors="ignore")
    d_is, d_refit, se = sens["dmean_dloglam_is"], sens["dmean_dloglam_refit"], sens["refit_se"]
    assert (np.abs(d_is - d_refit) <= 4 * se).all()
    clear = d_refit.abs() > 3 * se
    assert clear.any() and (np.sign(d_refit[clear]) == np.sign(d_is[clear])).all()
    # the empirical-Bayes λ is a maximum of the evidence, checked at neighbours
    lam_eb = r["choice"].attrs["lam_eb"]
    est = br.LogisticRegression(prior=br.Gaussian(1.0), solver="newton", tol=1e-10)
    e0 = laplace_log_evidence(est, X, y, lam_eb)
    assert e0 >= laplace_log_evidence(est, X, y, lam_eb * 1.2) and e0 >= laplace_log_evidence(est, X, y, lam_eb / 1.2)
    assert lams[0] <= r["choice"].attrs["lam_min"] <= lams[-1]


def test_08_prior_families_horseshoe_has_no_map_and_shrinks_the_nulls(tmp_path, capsys):
    from sklearn.linear_model import Lasso

    r = _run("08_prior_families", tmp_path, capsys)
    X, y, w = r["X"], r["y"], r["w"]
    table = r["result"].table
    n, d = X.shape
    labels = list(r["priors"])
    gauss, laplace, cauchy, horseshoe = labels
    # Gaussian(1), σ = 1 known, flat intercept: the exact posterior mean (= MAP) in closed form
    A = np.column_stack([X, np.ones(n)])
    Sigma = np.linalg.inv(A.T @ A + np.diag([1.0] * d + [0.0]))
    m = Sigma @ A.T @ y
    np.testing.assert_allclose(table[gauss]["map"], m, atol=1e-5)
    np.testing.assert_array_less(np.abs(table[gauss]["median"] - m), 5 * np.sqrt(np.diag(Sigma)) / np.sqrt(150))
    # Laplace(√2): the MAP is scikit-learn's Lasso with alpha = λ/N, exact zeros included
    lasso = Lasso(alpha=2**0.5 / n, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(table[laplace]["map"].iloc[:d], lasso.coef_, atol=1e-5)
    assert (table[laplace]["map_is_zero"].iloc[:d].astype(bool).to_numpy() == (lasso.coef_ == 0)).all()
    # Cauchy(1): a local mode of U reached from 0, as SciPy reaches it from 0
    def U(theta):
        res = y - X @ theta[:d] - theta[d]
        return 0.5 * res @ res + np.log1p(theta[:d] ** 2).sum()
    ref = optimize.minimize(U, np.zeros(d + 1), method="BFGS", options={"gtol": 1e-10})
    np.testing.assert_allclose(table[cauchy]["map"], ref.x, atol=1e-4)
    # the horseshoe has no MAP, and its posterior shrinks the nulls far more, keeping the signals
    assert table[horseshoe]["map"].isna().all()
    assert "no MAP" in table.attrs["priors"][horseshoe]["map"]
    assert r["null_size"][horseshoe] < 0.5 * r["null_size"][gauss]
    assert r["signal_error"][horseshoe] < 0.5


def _park_casella_gibbs(X, y, lam, n_iter, burn, seed):
    """Park & Casella's (2008) Gibbs sampler of the Bayesian lasso, written out here as the reference.

    y centred (a flat intercept integrated out), β | τ, σ² ~ N(A⁻¹Xᵀỹ, σ²A⁻¹) with A = XᵀX + D_τ⁻¹;
    σ² | … ~ InvGamma((n−1)/2 + p/2, (‖ỹ − Xβ‖² + βᵀD_τ⁻¹β)/2); 1/τ_j² | … ~ InvGauss(√(λ²σ²/β_j²), λ²).
    """
    from scipy.linalg import cho_solve, solve_triangular

    rng = np.random.default_rng(seed)
    n, p = X.shape
    yt = y - y.mean()
    XtX, Xty = X.T @ X, X.T @ yt
    beta = np.linalg.lstsq(X, yt, rcond=None)[0]
    sigma2 = float(np.var(yt - X @ beta))
    inv_tau2 = np.ones(p)
    betas, sigmas = [], []
    for it in range(n_iter):
        L = np.linalg.cholesky(XtX + np.diag(inv_tau2))
        mean = cho_solve((L, True), Xty)
        beta = mean + np.sqrt(sigma2) * solve_triangular(L.T, rng.standard_normal(p), lower=False)
        r = yt - X @ beta
        sigma2 = 0.5 * (r @ r + beta @ (inv_tau2 * beta)) / rng.gamma((n - 1) / 2 + p / 2)
        inv_tau2 = rng.wald(np.sqrt(lam**2 * sigma2 / beta**2), lam**2)
        if it >= burn:
            betas.append(beta)
            sigmas.append(np.sqrt(sigma2))
    return np.array(betas), np.array(sigmas)


def test_09_bayesian_lasso_matches_park_casella_gibbs(tmp_path, capsys):
    """Our NUTS posterior of the noise-scaled Laplace + Jeffreys model is Park & Casella's (their Gibbs sampler)."""
    r = _run("09_bayesian_lasso", tmp_path, capsys)
    X, y = np.asarray(r["X"], dtype=float), np.asarray(r["y"], dtype=float)
    beta, sigma = _park_casella_gibbs(X, y, 0.237, n_iter=8000, burn=1000, seed=1)
    sd = beta.std(axis=0)
    ours, ref = r["coef"], beta
    # medians to Monte-Carlo tolerance (a fraction of the posterior sd), and the 95% interval ends
    np.testing.assert_array_less(np.abs(np.median(ours, axis=0) - np.median(ref, axis=0)), 0.3 * sd)
    for q in (0.025, 0.975):
        np.testing.assert_array_less(np.abs(np.quantile(ours, q, axis=0) - np.quantile(ref, q, axis=0)), 0.6 * sd)
    assert abs(np.median(r["sigma"]) - np.median(sigma)) < 0.3 * sigma.std()
    assert abs(np.quantile(r["sigma"], 0.975) - np.quantile(sigma, 0.975)) < 0.6 * sigma.std()
    # and the MAP is the lasso's: two coefficients exactly 0 (age and s2), none of the medians
    assert set(r["table"].index[r["est"].coef_ == 0]) == {"age", "s2"}
    assert (r["table"]["median"] != 0).all()
