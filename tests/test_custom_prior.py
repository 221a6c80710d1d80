"""A prior written outside the package works end to end: MAP, NUTS, laplace-is, compare, sweep.

``ShiftedGaussian(lam, mu)`` — N(mu, 1/lam) on every weight — is defined here by
subclassing :class:`bayesreg.Prior`, as a user would.  With a Normal likelihood
(known σ) and no intercept its posterior is Gaussian and known exactly:

    precision P = XᵀX/σ² + λI,   mean m = P⁻¹(Xᵀy/σ² + λμ·1),   covariance P⁻¹,

and the MAP is m.  That is the independent reference for the linear MAP, the
NUTS and laplace-is draws, ``compare`` and every λ of a ``sweep``; the logistic
MAP is checked against scipy.optimize.minimize of U written out here.  μ is
chosen so that a prior that ignored it would miss every reference by many
Monte-Carlo standard errors (``test_mu_moves_every_reference``).

One module-scoped fixture runs the sweep first (its first λ compiles the nutpie
model: λ and μ are pm.Data), then NUTS and laplace-is at one λ on the same
compiled model.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from types import SimpleNamespace

import arviz as az
import numpy as np
import pytest
from scipy import optimize, special, stats

import bayesreg
from bayesreg import ConvergenceWarning, LinearRegression, LogisticRegression
from bayesreg.posterior import sample_posterior
from bayesreg.priors.base import LOG_2PI, fmt

SIGMA = 0.7                     # the linear model's noise sd
LAM, MU = 20.0, 1.5             # the prior of the single-λ tests
LAMS = (5.0, 20.0, 80.0)        # the sweep (it keeps μ)
LOGISTIC_LAM = 2.0
DRAWS, TUNE, CHAINS = 500, 300, 2


@dataclass(frozen=True, eq=False)
class ShiftedGaussian(bayesreg.Prior):
    """N(mu, 1/lam) on every weight: penalty (lam/2)·‖w − mu‖², lam a precision."""

    lam: float = 1.0
    mu: float = 0.0
    quadratic = True

    # -- the MAP ---------------------------------------------------------------------
    def penalty(self, w) -> float:
        d = np.asarray(w, dtype=float) - self.mu
        return 0.5 * self.lam * float(d @ d)

    def gradient(self, w) -> np.ndarray:
        return self.lam * (np.asarray(w, dtype=float) - self.mu)

    def prox(self, v, step: float) -> np.ndarray:
        return (np.asarray(v, dtype=float) + step * self.lam * self.mu) / (1.0 + step * self.lam)

    def curvature(self) -> float:
        return self.lam

    def logpdf(self, w) -> np.ndarray:
        d = np.asarray(w, dtype=float) - self.mu
        return 0.5 * (math.log(self.lam) - LOG_2PI) - 0.5 * self.lam * d * d

    @property
    def variance(self) -> float:
        return 1.0 / self.lam

    def params(self) -> dict[str, float]:
        return {"lam": self.lam, "mu": self.mu}

    def describe(self) -> str:
        return f"Shifted Gaussian prior N(μ, 1/λ): μ = {fmt(self.mu)}, precision λ = {fmt(self.lam)}"

    # -- the posterior -----------------------------------------------------------------
    def to_pymc(self, name: str, *, dims=None, strength=None):
        import pymc as pm
        import pytensor.tensor as pt

        d = self.pymc_data(name)
        lam = d["lam"] if strength is None else strength
        return pm.Normal(name, mu=d["mu"], sigma=1.0 / pt.sqrt(lam), dims=dims)

    def structure_key(self) -> tuple:
        # to_pymc reads λ and μ from pm.Data, so one compiled graph serves every value
        return (type(self).__module__, type(self).__qualname__)


# -- references ----------------------------------------------------------------------------

def _linear_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -0.5, 0.0]) + SIGMA * rng.normal(size=40)
    return X, y


def _logistic_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    y = (rng.random(40) < special.expit(X @ np.array([1.0, -0.5, 0.3]))).astype(int)
    return X, y


def _exact(X, y, lam, mu):
    """The conjugate posterior: (mean = the MAP, covariance)."""
    P = X.T @ X / SIGMA**2 + lam * np.eye(X.shape[1])
    cov = np.linalg.inv(P)
    return np.linalg.solve(P, X.T @ y / SIGMA**2 + lam * mu), cov


def _logistic_map(X, y, lam, mu):
    """argmin U(w) = Σ log(1 + e^η) − yη + (λ/2)‖w − μ‖², by SciPy's trust-region Newton."""
    def U(w):
        eta = X @ w
        return float(np.sum(np.logaddexp(0.0, eta) - y * eta) + 0.5 * lam * np.sum((w - mu) ** 2))

    def grad(w):
        return X.T @ (special.expit(X @ w) - y) + lam * (w - mu)

    def hess(w):
        p = special.expit(X @ w)
        return X.T @ (X * (p * (1 - p))[:, None]) + lam * np.eye(X.shape[1])

    res = optimize.minimize(U, np.zeros(X.shape[1]), jac=grad, hess=hess, method="trust-exact",
                            options={"gtol": 1e-10})
    if not res.success:
        raise RuntimeError(f"the SciPy reference failed: {res.message}")
    return res.x


def _agree_within_mcse(draws, mean, cov, n_se=4.0):
    """Each mean and each covariance entry within n_se Monte-Carlo standard errors (ArviZ ESS).

    As in test_posterior: a covariance entry is the mean of (x_i − μ_i)(x_j − μ_j), with its own ESS.
    """
    k = draws.shape[-1]
    for i in range(k):
        x = draws[..., i]
        se = x.std() / math.sqrt(float(az.ess(x, method="mean")))
        assert abs(x.mean() - mean[i]) < n_se * se, (i, x.mean(), mean[i], se)
    for i in range(k):
        for j in range(i, k):
            q = (draws[..., i] - mean[i]) * (draws[..., j] - mean[j])
            se = q.std() / math.sqrt(float(az.ess(q, method="mean")))
            assert abs(q.mean() - cov[i, j]) < n_se * se, (i, j, q.mean(), cov[i, j], se)


def _coef_draws(tree) -> np.ndarray:
    return tree["posterior"]["coef"].transpose("chain", "draw", "feature").values


# -- the prior itself, against SciPy's N(μ, 1/λ) ---------------------------------------------

def test_the_test_prior_is_a_shifted_gaussian():
    """The references below are only as good as this: every piece against scipy.stats.norm(μ, 1/√λ)."""
    import pymc as pm

    prior = ShiftedGaussian(LAM, MU)
    twin = stats.norm(loc=MU, scale=1.0 / math.sqrt(LAM))
    w = MU + np.array([-3.0, -0.4, 0.0, 0.1, 2.5]) * twin.std()
    np.testing.assert_allclose(prior.logpdf(w), twin.logpdf(w), rtol=1e-13)
    assert prior.penalty(w) == pytest.approx(-(twin.logpdf(w) - twin.logpdf(MU)).sum(), rel=1e-13)
    h = 1e-6
    fd = [(prior.penalty(w + h * e) - prior.penalty(w - h * e)) / (2 * h) for e in np.eye(w.size)]
    np.testing.assert_allclose(prior.gradient(w), fd, rtol=1e-7)
    for step in (0.01, 0.3):
        def prox_objective(u, v, step=step):
            return prior.penalty(np.array([u])) + (u - v) ** 2 / (2 * step)

        brute = [optimize.minimize_scalar(prox_objective, args=(v,)).x for v in w]
        np.testing.assert_allclose(prior.prox(w, step), brute, rtol=1e-7)
    assert prior.variance == pytest.approx(twin.var(), rel=1e-13) and prior.sd == pytest.approx(twin.std())
    with pm.Model(coords={"f": range(w.size)}) as model:
        prior.to_pymc("w", dims="f")
    logp = model.compile_logp(sum=False, jacobian=False, mode="FAST_COMPILE")
    np.testing.assert_allclose(logp({"w": w})[0], twin.logpdf(w), rtol=1e-12)
    # λ and μ are pm.Data: a new λ (or μ) needs no new graph
    assert {d.name for d in model.data_vars} == {"w_lam", "w_mu"}
    assert prior.pymc_data_values("coef") == {"coef_lam": LAM, "coef_mu": MU}
    assert prior.structure_key() == ShiftedGaussian(1.0, -2.0).structure_key()
    # what the base class gives a prior with a parameter called `lam`
    assert prior.strength == LAM
    assert prior.with_strength(5.0) == ShiftedGaussian(5.0, MU)
    assert prior.scale_power() == (pytest.approx(0.5, rel=1e-12), "prior sd")


def test_mu_moves_every_reference():
    """A prior that lost μ anywhere would miss the references by far more than the tests allow."""
    X, y = _linear_data()
    for lam in LAMS:
        with_mu, cov = _exact(X, y, lam, MU)
        without, _ = _exact(X, y, lam, 0.0)
        # the MCSE tests allow 4·sd/√ESS with ESS ≈ 10³, i.e. ≈ 0.13 posterior sd
        assert np.all(np.abs(with_mu - without) > 0.5 * np.sqrt(np.diag(cov))), lam
    Xl, yl = _logistic_data()
    assert np.all(np.abs(_logistic_map(Xl, yl, LOGISTIC_LAM, MU) - _logistic_map(Xl, yl, LOGISTIC_LAM, 0.0)) > 0.1)


# -- the MAP ---------------------------------------------------------------------------------

SOLVERS = ["fista", "newton"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_linear_map_is_the_closed_form(solver):
    X, y = _linear_data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        est = LinearRegression(prior=ShiftedGaussian(LAM, MU), noise_sd=SIGMA, fit_intercept=False, tol=1e-10,
                               solver=solver).fit(X, y)
    mean, _ = _exact(X, y, LAM, MU)
    np.testing.assert_allclose(est.coef_, mean, rtol=1e-8, atol=1e-12)
    assert est.map_.converged, est.map_
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]


@pytest.mark.parametrize("solver", SOLVERS)
def test_logistic_map_matches_scipy(solver):
    X, y = _logistic_data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        est = LogisticRegression(prior=ShiftedGaussian(LOGISTIC_LAM, MU), fit_intercept=False, tol=1e-10,
                                 solver=solver).fit(X, y)
    np.testing.assert_allclose(est.coef_, _logistic_map(X, y, LOGISTIC_LAM, MU), rtol=1e-7, atol=1e-9)
    assert est.map_.converged, est.map_
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]


# -- the posterior: one compile for the sweep, NUTS and laplace-is ------------------------------

@pytest.fixture(scope="module")
def run():
    X, y = _linear_data()
    est = LinearRegression(prior=ShiftedGaussian(LAM, MU), noise_sd=SIGMA, fit_intercept=False, tol=1e-10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
        # the sweep first: its first λ compiles the model, everything after reuses it
        sweep = bayesreg.sweep(est, X, y, LAMS, posterior=True, draws=DRAWS, tune=TUNE, chains=CHAINS,
                               random_seed=7)
        nuts = sample_posterior(est, X, y, sampler="nutpie", draws=DRAWS, tune=TUNE, chains=CHAINS,
                                random_seed=11, progressbar=False)
        lis = sample_posterior(est, X, y, sampler="laplace-is", draws=DRAWS, chains=CHAINS, random_seed=13)
    return SimpleNamespace(X=X, y=y, est=est, sweep=sweep, nuts=nuts, lis=lis, warnings=caught)


def test_nutpie_matches_the_conjugate_posterior(run):
    mean, cov = _exact(run.X, run.y, LAM, MU)
    draws = _coef_draws(run.nuts)
    assert draws.shape == (CHAINS, DRAWS, 3)
    _agree_within_mcse(draws, mean, cov)
    attrs = run.nuts["posterior"].attrs
    assert attrs["sampler"] == "nutpie" and attrs["prior_kind"] == "ShiftedGaussian"
    assert json.loads(attrs["prior_params"]) == {"lam": LAM, "mu": MU}
    assert attrs["compile_time"] == 0.0  # the sweep compiled this model; λ = 20 came in through with_data
    # the stored log prior is the prior's normalized density at the draws
    twin = stats.norm(loc=MU, scale=1.0 / math.sqrt(LAM))
    lp = run.nuts["log_prior"]["coef"].transpose("chain", "draw", "feature").values
    np.testing.assert_allclose(lp, twin.logpdf(draws), rtol=1e-12)


def test_laplace_is_is_exact(run):
    """U is quadratic (Normal likelihood, quadratic prior): the proposal is the posterior, every weight equal."""
    mean, cov = _exact(run.X, run.y, LAM, MU)
    attrs = run.lis["posterior"].attrs
    assert attrs["sampler"] == "laplace-is" and attrs["proposal"] == "gaussian"
    log_w = run.lis["sample_stats"]["log_weight"].values
    assert np.ptp(log_w) < 1e-9
    draws = _coef_draws(run.lis)
    assert draws.shape == (CHAINS, DRAWS, 3)
    _agree_within_mcse(draws, mean, cov)


def test_compare_puts_the_map_next_to_the_posterior(run):
    mean, _ = _exact(run.X, run.y, LAM, MU)
    table = bayesreg.compare(run.est, run.nuts)
    assert list(table.index) == ["x0", "x1", "x2"]
    np.testing.assert_allclose(table["map"].to_numpy(), mean, rtol=1e-8, atol=1e-12)
    draws = _coef_draws(run.nuts)
    se = np.array([draws[..., j].std() / math.sqrt(float(az.ess(draws[..., j], method="mean"))) for j in range(3)])
    assert np.all(np.abs(table["mean"].to_numpy() - mean) < 4.0 * se), (table["mean"].to_numpy(), mean, se)
    assert np.all(table["map_in_hdi"]) and not table["map_is_zero"].any()
    assert np.all(table["r_hat"] < 1.01)
    assert table.attrs["prior"] == ShiftedGaussian(LAM, MU).describe()
    assert table.attrs["eps"] == pytest.approx(0.1 / math.sqrt(LAM))  # 0.1 × the prior's sd


def test_sweep_map_path_is_the_closed_form_at_every_lam(run):
    ds = run.sweep
    np.testing.assert_array_equal(ds["lam"].values, LAMS)
    for lam in LAMS:
        mean, _ = _exact(run.X, run.y, lam, MU)  # the sweep moves λ and keeps μ
        np.testing.assert_allclose(ds["map_coef"].sel(lam=lam).values, mean, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ds["prior_sd"].values, 1.0 / np.sqrt(LAMS), rtol=1e-12)
    assert ds.attrs["scale_power"] == pytest.approx(0.5, rel=1e-12)  # the base class's default, read off the sd
    assert ds.attrs["prior_kind"] == "ShiftedGaussian"


def test_sweep_posterior_means_match_the_conjugate_means(run):
    ds = run.sweep
    assert not ds["failed"].any() and int(ds["divergences"].sum()) == 0
    for lam in LAMS:
        mean, _ = _exact(run.X, run.y, lam, MU)
        row = ds.sel(lam=lam)
        se = row["sd"].values / np.sqrt(row["ess_bulk"].values)
        assert np.all(np.abs(row["mean"].values - mean) < 4.0 * se), (lam, row["mean"].values, mean, se)


def test_sweep_compiles_once(run):
    """λ is pm.Data and the prior's structure_key ignores it: the first λ compiles, the others reuse it."""
    assert run.sweep.attrs["n_compilations"] == 1
    np.testing.assert_array_equal(run.sweep["compiled"].values, [True, False, False])


def test_the_fits_report_convergence(run):
    assert run.est.map_.converged
    assert run.sweep["converged"].all()
    assert not [w for w in run.warnings if issubclass(w.category, ConvergenceWarning)
                or "did not converge" in str(w.message)]
