"""sampler="auto": the decision between laplace-is and NUTS is stable across seeds and never contradicts itself.

The decision is checked directly (:func:`bayesreg.posterior.auto.auto_laplace_is`) or
through ``sample_posterior`` with NUTS replaced by a stub that raises, so no PyMC model
is compiled here.  References: the exact conjugate posterior of a linear model with
known σ, and the ESS check of ``ISResult.problems`` that would warn about the draws.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

import bayesreg.posterior.sample as sample_module
from bayesreg import Gaussian, Laplace, LinearRegression, LogisticRegression
from bayesreg.datasets import load_breast_cancer, make_lecture_wide
from bayesreg.posterior import PosteriorWarning, Problem, sample_posterior
from bayesreg.posterior.auto import AUTO_KHAT_MAX, auto_laplace_is, decide
from bayesreg.posterior.diagnostics import khat_threshold
from bayesreg.posterior.importance import ISResult

SEEDS = range(1000, 1020)


class NutsCalled(Exception):
    """Raised by the NUTS stub: "auto" chose NUTS."""


@pytest.fixture
def no_nuts(monkeypatch):
    def stub(*args, **kwargs):
        raise NutsCalled

    monkeypatch.setattr(sample_module, "sample_nutpie", stub)
    monkeypatch.setattr(sample_module, "sample_pymc", stub)


def _decisions(problem, draws, chains):
    out = []
    for seed in SEEDS:
        res, keep, attrs = auto_laplace_is(problem, draws, chains, seed, "nutpie")
        if keep:  # what it keeps passes the very check that warns (k̂, ESS_IS, ESS of the returned draws)
            assert res.problems(chains * draws)[0] == []
            assert res.khat < AUTO_KHAT_MAX and attrs["auto_reason"].startswith("laplace-is: Pareto k̂")
        else:
            assert attrs["auto_reason"].startswith("nutpie: ")
        assert attrs["auto_stages"] in (1, 2) and attrs["auto_pareto_k"] == res.khat
        out.append(keep)
    return out


def test_breast_cancer_gaussian1_runs_nuts_on_every_seed():
    """k̂ spans 0.43–0.77 over these seeds (true value about 0.6): the old k̂ < 0.7 test kept laplace-is in 4 of 20."""
    data = load_breast_cancer()
    est = LogisticRegression(prior=Gaussian(1.0)).fit(data.X, data.y)
    keeps = _decisions(Problem.from_estimator(est, data.X, data.y), draws=1000, chains=4)
    assert keeps == [False] * len(SEEDS)


def test_breast_cancer_seed_1001_does_not_keep_draws_that_fail_its_ess_check(no_nuts):
    """The old rule kept laplace-is here and then warned about < 400 effective draws."""
    data = load_breast_cancer()
    est = LogisticRegression(prior=Gaussian(1.0)).fit(data.X, data.y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PosteriorWarning)
        with pytest.raises(NutsCalled):
            sample_posterior(est, data.X, data.y, random_seed=1001)


def test_tall_logistic_keeps_laplace_is_on_every_seed():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(5000, 4))
    y = (rng.random(5000) < 1 / (1 + np.exp(-(X @ [1.0, -1.0, 0.5, 0.0] + 0.3)))).astype(int)
    est = LogisticRegression(prior=Gaussian(1.0)).fit(X, y)
    keeps = _decisions(Problem.from_estimator(est, X, y), draws=500, chains=2)
    assert keeps == [True] * len(SEEDS)


def test_linear_known_sigma_keeps_laplace_is_on_every_seed_and_matches_the_conjugate_posterior(no_nuts):
    rng = np.random.default_rng(2)
    n, lam, sigma = 3000, 2.0, 0.7
    X = rng.normal(size=(n, 3)) + [1.0, -2.0, 0.5]
    y = X @ [1.0, -0.5, 0.0] + 0.3 + sigma * rng.normal(size=n)
    est = LinearRegression(prior=Gaussian(lam), noise_sd=sigma).fit(X, y)
    A = np.column_stack([X, np.ones(n)])
    cov = np.linalg.inv(A.T @ A / sigma**2 + np.diag([lam] * 3 + [0.0]))  # flat intercept prior
    mean = cov @ A.T @ y / sigma**2
    sd = np.sqrt(np.diag(cov))
    pooled = []
    for seed in SEEDS:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PosteriorWarning)
            tree = sample_posterior(est, X, y, draws=250, chains=2, random_seed=seed)
        a = tree["posterior"].attrs
        assert a["sampler"] == "laplace-is" and a["auto_stages"] == 1
        post = tree["posterior"]
        theta = np.column_stack([post["coef"].values.reshape(-1, 3), post["intercept"].values.ravel()])
        assert np.all(np.abs(theta.mean(0) - mean) < 5 * sd / math.sqrt(len(theta)))  # i.i.d. exact draws
        pooled.append(theta)
    theta = np.concatenate(pooled)  # 10,000 draws
    np.testing.assert_allclose(theta.mean(0), mean, atol=float(4 * sd.max() / math.sqrt(len(theta))))
    np.testing.assert_allclose(np.cov(theta.T), cov, rtol=0.1, atol=0.1 * float(sd.min()) ** 2)


def test_lecture_wide_lasso_runs_nuts_on_every_seed():
    data = make_lecture_wide()
    est = LogisticRegression(prior=Laplace(2.0)).fit(data.X, data.y)
    keeps = _decisions(Problem.from_estimator(est, data.X, data.y), draws=500, chains=2)
    assert keeps == [False] * len(SEEDS)


def test_decide_never_keeps_what_the_ess_check_warns_about():
    """Over a grid of k̂, ESS_IS, proposals and draws: "keep" implies no problems, and k̂ ≥ ½ is never kept."""
    for khat, ess_frac, m, n_out in itertools.product([-math.inf, -0.2, 0.1, 0.3, 0.45, 0.55, 0.8],
                                                      [0.01, 0.05, 0.2, 0.9], [1000, 4000, 20000],
                                                      [200, 400, 600, 1000, 4000]):
        res = ISResult(W=None, B=None, S=None, loglik=None, stats=None, khat=khat, ess=ess_frac * m,
                       threshold=khat_threshold(m), n_proposals=m, info={}, times={})
        for final in (False, True):
            verdict, reason = decide(res, n_out, final)
            assert verdict in ("keep", "nuts") or (verdict == "more" and not final)
            if verdict == "keep":
                assert res.problems(n_out)[0] == [] and khat < AUTO_KHAT_MAX
            if not khat < AUTO_KHAT_MAX or (n_out <= 400 and khat > -math.inf):  # 400 draws: 400 only if i.i.d.
                assert verdict == "nuts" and reason
