"""compare() and hdi(): every number recomputed here from the raw draws with numpy.

Posteriors are hand-made DataTrees (arviz.from_dict) with known Gaussian draws,
so nothing here depends on PyMC or on bayesreg.posterior.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayesreg
from bayesreg.datasets import make_lecture_wide
from bayesreg.compare import compare, hdi
from bayesreg.priors import Flat, Gaussian, Laplace, Prior

FEATURES = ["a", "b", "c"]


@dataclass
class StubEstimator:
    """The attributes compare() reads from a fitted estimator, with a MAP chosen by hand."""

    coef_: np.ndarray
    intercept_: float = 0.0
    fit_intercept: bool = True
    prior_: Prior = field(default_factory=lambda: Laplace(2.0))
    intercept_prior_: Prior = field(default_factory=Flat)
    names: list = field(default_factory=lambda: list(FEATURES))

    def feature_names(self):
        return list(self.names)


def make_tree(coef, intercept=None, features=FEATURES, sampler=None, approximation=False):
    """A posterior DataTree in the project's contract from raw (chain, draw, feature) draws."""
    post = {"coef": np.asarray(coef, dtype=float)}
    if intercept is not None:
        post["intercept"] = np.asarray(intercept, dtype=float)
    groups = {"posterior": post}
    if approximation:
        groups["approximation"] = {"mean": np.asarray(coef)[:1, :1].copy()}
    attrs = {"posterior": {"sampler": sampler}} if sampler else None
    return az.from_dict(groups, coords={"feature": list(features)}, dims={"coef": ["feature"], "mean": ["feature"]},
                        attrs=attrs)


def gaussian_draws(n_chain, n_draw, means, sds, seed, chain_shift=None):
    rng = np.random.default_rng(seed)
    x = np.asarray(means) + np.asarray(sds) * rng.standard_normal((n_chain, n_draw, len(means)))
    if chain_shift is not None:  # make chains disagree (per feature) to move R-hat
        x = x + np.arange(n_chain)[:, None, None] * np.asarray(chain_shift)[None, None, :]
    return x


# -- independent reference computations -----------------------------------------------

def brute_force_hdi(x, prob):
    """Scan every [x_i, x_j] (draw values as endpoints), count draws inside, keep the narrowest ≥ prob."""
    x = np.asarray(x, dtype=float).ravel()
    vals = np.unique(x)
    best = None
    for a in vals:
        for b in vals[vals >= a]:
            inside = np.count_nonzero((x >= a) & (x <= b))
            if inside / x.size >= prob - 1e-12:
                if best is None or b - a < best[1] - best[0] or (b - a == best[1] - best[0] and a < best[0]):
                    best = (a, b)
                break  # wider b only widens the interval
    return best


def split_rhat_rank(x):
    """Rank-normalized split R-hat (Vehtari et al. 2021), max of bulk and folded, written from the paper."""
    x = np.asarray(x, dtype=float)
    half = x.shape[1] // 2
    split = np.vstack([x[:, :half], x[:, -half:]])

    def z(a):
        r = stats.rankdata(a, method="average").reshape(a.shape)
        return stats.norm.ppf((r - 3 / 8) / (a.size + 1 / 4))

    def rhat(a):
        n = a.shape[1]
        w = a.var(axis=1, ddof=1).mean()
        b = n * a.mean(axis=1).var(ddof=1)
        return math.sqrt(((n - 1) / n * w + b / n) / w)

    return max(rhat(z(split)), rhat(z(np.abs(split - np.median(split)))))


# -- hdi ------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("prob", [0.5, 0.8, 0.94])
def test_hdi_is_the_brute_force_narrowest_window(seed, prob):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    kind = seed % 3
    if kind == 0:
        x = rng.exponential(size=n)                          # skewed
    elif kind == 1:
        x = np.r_[rng.normal(-3, 0.3, n), rng.normal(2, 1.0, n // 2 + 1)]  # bimodal
    else:
        x = np.round(rng.normal(size=n), 1)                   # ties
    lo, hi = hdi(x, prob)
    ref = brute_force_hdi(x, prob)
    assert (lo, hi) == pytest.approx(ref, abs=0)
    assert np.mean((x >= lo) & (x <= hi)) >= prob


def test_hdi_simple_cases():
    assert hdi([0.0, 1.0, 2.0, 3.0, 10.0], 0.6) == (0.0, 2.0)
    assert hdi([5.0], 0.9) == (5.0, 5.0)
    assert hdi(np.array([[3.0, 0.0], [1.0, 2.0]]), 0.5) == (0.0, 1.0)  # pooled over axes, first on ties


@pytest.mark.parametrize("prob", [0.5, 0.89, 0.94])
def test_hdi_agrees_with_arviz_when_prob_times_n_is_not_an_integer(prob):
    x = np.random.default_rng(11).gamma(2.0, size=1001)
    assert prob * x.size != int(prob * x.size)
    np.testing.assert_array_equal(hdi(x, prob), np.asarray(az.hdi(x, prob=prob)))


def test_hdi_vs_arviz_when_prob_times_n_is_an_integer():
    # 0.9 × 1000 = 900 draws suffice; ArviZ keeps ⌊prob·n⌋ + 1 = 901, so its interval is never narrower.
    x = np.random.default_rng(12).normal(size=1000)
    lo, hi = hdi(x, 0.9)
    alo, ahi = np.asarray(az.hdi(x, prob=0.9))
    assert np.count_nonzero((x >= lo) & (x <= hi)) == 900
    assert np.count_nonzero((x >= alo) & (x <= ahi)) == 901
    assert hi - lo <= ahi - alo


@pytest.mark.parametrize("prob", [0.0, 1.0, -0.1, 1.5, float("nan"), True, "0.9"])
def test_hdi_rejects_bad_prob(prob):
    with pytest.raises(ValueError, match="prob"):
        hdi([1.0, 2.0], prob)


def test_hdi_rejects_empty_and_nonfinite():
    with pytest.raises(ValueError, match="samples"):
        hdi([], 0.9)
    with pytest.raises(ValueError, match="samples"):
        hdi([1.0, np.nan], 0.9)


# -- compare: one posterior -----------------------------------------------------------

@pytest.fixture(scope="module")
def setup():
    # 4 chains × 251 draws: prob·n = 943.76 is not an integer, so az.hdi is an exact reference too.
    est = StubEstimator(coef_=np.array([0.0, 1.2, -0.7]), intercept_=0.3)
    coef = gaussian_draws(4, 251, means=[0.3, 1.1, -0.6], sds=[0.2, 0.3, 0.25], seed=1, chain_shift=[0.0, 0.0, 0.2])
    b = 0.25 + 0.1 * np.random.default_rng(2).standard_normal((4, 251))
    tree = make_tree(coef, b, sampler="nutpie")
    return est, coef, b, tree


def test_every_column_recomputed_from_the_draws(setup):
    est, coef, b, tree = setup
    table = compare(est, tree, prob=0.9)
    assert list(table.index) == FEATURES + ["intercept"]
    assert table.index.name == "feature"
    eps = 0.1 * math.sqrt(2.0) / 2.0  # Laplace(2): sd = √2/λ
    assert table.attrs["eps"] == pytest.approx(eps)
    draws = {f: coef[:, :, j] for j, f in enumerate(FEATURES)} | {"intercept": b}
    maps = dict(zip(FEATURES, est.coef_)) | {"intercept": est.intercept_}
    for name, x in draws.items():
        row = table.loc[name]
        flat = x.ravel()
        lo, hi = np.sort(np.asarray(az.hdi(flat, prob=0.9)))
        assert row["map"] == maps[name]
        assert row["map_is_zero"] == (maps[name] == 0.0)
        assert row["mean"] == pytest.approx(flat.mean(), rel=1e-12)
        assert row["median"] == pytest.approx(np.median(flat), rel=1e-12)
        assert row["sd"] == pytest.approx(np.std(flat, ddof=1), rel=1e-12)
        assert (row["hdi_low"], row["hdi_high"]) == (lo, hi)
        assert row["map_in_hdi"] == (lo <= maps[name] <= hi)
        assert row["p_positive"] == np.count_nonzero(flat > 0) / flat.size
        assert row["p_near_zero"] == np.count_nonzero(np.abs(flat) <= eps) / flat.size
        assert row["r_hat"] == pytest.approx(split_rhat_rank(x), rel=1e-10)
        assert row["ess_bulk"] == pytest.approx(float(az.ess(x, method="bulk")), rel=1e-12)
        if name != "c":  # independent draws from one distribution
            assert 0.5 * flat.size < row["ess_bulk"] < 1.5 * flat.size
    # the chains of "c" were shifted apart: only its R-hat flags it (and proves the feature order)
    assert table.loc["c", "r_hat"] > 1.1
    assert table.loc[["a", "b", "intercept"], "r_hat"].max() < 1.02
    assert table["map_is_zero"].dtype == bool and table["map_in_hdi"].dtype == bool
    assert "true" not in table and "true_in_hdi" not in table


def test_exact_zero_map_next_to_a_posterior_whose_mean_is_not_zero(setup):
    est, coef, b, tree = setup
    table = compare(est, tree)
    row = table.loc["a"]
    assert row["map"] == 0.0 and row["map_is_zero"]
    assert row["mean"] == pytest.approx(coef[:, :, 0].mean()) and abs(row["mean"]) > 0.2
    assert 0.0 < row["p_near_zero"] < 1.0
    assert not table.loc[["b", "c", "intercept"], "map_is_zero"].any()
    # −0.0 is exactly zero too (FISTA's soft-thresholding returns it)
    est2 = StubEstimator(coef_=np.array([-0.0, 1.2, -0.7]), intercept_=0.3)
    assert compare(est2, tree).loc["a", "map_is_zero"]


def test_attrs_state_prob_eps_and_prior(setup):
    est, coef, b, tree = setup
    table = compare(est, tree, prob=0.8, eps=0.05)
    assert table.attrs["prob"] == 0.8
    assert table.attrs["eps"] == 0.05 and "caller" in table.attrs["eps_rule"]
    assert table.attrs["prior"] == Laplace(2.0).describe()
    assert table.attrs["runs"]["posterior"] == {"sampler": "nutpie", "n_chains": 4, "n_draws": 251,
                                                 "approximation": False}
    default = compare(est, tree)
    assert default.attrs["eps"] == pytest.approx(0.1 * Laplace(2.0).sd)
    assert "0.1 × prior sd" in default.attrs["eps_rule"]
    flat = compare(StubEstimator(coef_=est.coef_, intercept_=0.3, prior_=Flat()), tree)
    assert math.isnan(flat.attrs["eps"]) and flat["p_near_zero"].isna().all()
    gauss = compare(StubEstimator(coef_=est.coef_, intercept_=0.3, prior_=Gaussian(4.0)), tree)
    assert gauss.attrs["eps"] == pytest.approx(0.05)  # sd = 1/√4


def test_truth_columns(setup):
    est, coef, b, tree = setup
    true = np.array([0.0, 1.0, -0.5])
    table = compare(est, tree, true_coef=true, true_intercept=0.25, prob=0.9)
    np.testing.assert_array_equal(table["true"], np.r_[true, 0.25])
    inside = (table["hdi_low"] <= table["true"]) & (table["true"] <= table["hdi_high"])
    pd.testing.assert_series_equal(table["true_in_hdi"], inside, check_names=False)
    no_b = compare(est, tree, true_coef=true)
    assert math.isnan(no_b.loc["intercept", "true"]) and not no_b.loc["intercept", "true_in_hdi"]


def test_posterior_feature_order_does_not_matter(setup):
    est, coef, b, tree = setup
    perm = [2, 0, 1]
    shuffled = make_tree(coef[:, :, perm], b, features=[FEATURES[j] for j in perm])
    pd.testing.assert_frame_equal(compare(est, shuffled), compare(est, tree), check_exact=True)


def test_single_chain_and_approximations(setup):
    est, coef, b, tree = setup
    one = compare(est, make_tree(coef[:1], b[:1]))
    assert one["r_hat"].isna().all()
    np.testing.assert_allclose(one.loc["b", "ess_bulk"], float(az.ess(coef[:1, :, 1], method="bulk")))
    for approx in (make_tree(coef[:1], b[:1], approximation=True), make_tree(coef[:1], b[:1], sampler="laplace-is")):
        t = compare(est, approx)
        assert t["r_hat"].isna().all() and t["ess_bulk"].isna().all()
        assert t.attrs["runs"]["posterior"]["approximation"]
        assert t.loc["b", "mean"] == pytest.approx(coef[0, :, 1].mean())


def test_no_intercept():
    est = StubEstimator(coef_=np.array([0.0, 1.0, 2.0]), fit_intercept=False)
    coef = gaussian_draws(2, 50, [0.1, 1.0, 2.0], [0.1, 0.1, 0.1], seed=3)
    table = compare(est, make_tree(coef))
    assert list(table.index) == FEATURES
    with pytest.raises(ValueError, match="intercept"):
        compare(est, make_tree(coef, np.zeros((2, 50))))
    with pytest.raises(ValueError, match="intercept"):
        compare(StubEstimator(coef_=est.coef_), make_tree(coef))


# -- compare: several posteriors ---------------------------------------------------------

def test_dict_of_posteriors_side_by_side(setup):
    est, coef, b, tree = setup
    lap = make_tree(coef[:1, :200] * 0.9, b[:1, :200], sampler="laplace", approximation=True)
    table = compare(est, {"NUTS": tree, "Laplace": lap}, true_coef=[0.0, 1.0, -0.5], true_intercept=0.0)
    assert isinstance(table.columns, pd.MultiIndex)
    assert table.columns.names == ["label", "stat"]
    # one shared map column (and truth), then each posterior's own block
    assert [c for c in table.columns if c[1] == ""] == [("map", ""), ("true", ""), ("map_is_zero", "")]
    assert list(table.columns.get_level_values(0).unique()) == ["map", "true", "map_is_zero", "NUTS", "Laplace"]
    np.testing.assert_array_equal(table["map"], np.r_[est.coef_, est.intercept_])
    single = compare(est, tree, true_coef=[0.0, 1.0, -0.5], true_intercept=0.0)
    block = table["NUTS"]
    block.columns.name = None
    pd.testing.assert_frame_equal(block, single.drop(columns=["map", "true", "map_is_zero"]))
    lap_block = table["Laplace"]
    assert lap_block["r_hat"].isna().all() and lap_block["ess_bulk"].isna().all()
    assert lap_block.loc["b", "mean"] == pytest.approx(0.9 * coef[0, :200, 1].mean())
    assert table.attrs["labels"] == ["NUTS", "Laplace"]
    assert table.attrs["runs"]["Laplace"]["sampler"] == "laplace"


# -- compare: with a real fitted estimator ---------------------------------------------

def test_with_a_fitted_estimator():
    data = make_lecture_wide(n_samples=40, n_features=6, seed=3)
    est = bayesreg.LogisticRegression(prior=bayesreg.Laplace(2.0)).fit(data.X, data.y)
    rng = np.random.default_rng(5)
    coef = est.coef_ + 0.05 + 0.2 * rng.standard_normal((2, 100, 6))  # shifted: no mass exactly at the MAP
    b = est.intercept_ + 0.1 * rng.standard_normal((2, 100))
    table = compare(est, make_tree(coef, b, features=est.feature_names()), true_coef=data.coef,
                    true_intercept=data.intercept)
    assert list(table.index) == est.feature_names() + ["intercept"]
    np.testing.assert_array_equal(table["map"].to_numpy()[:-1], est.coef_)
    zero = est.coef_ == 0
    assert zero.any()  # the L1 MAP of this data set has exact zeros
    np.testing.assert_array_equal(table["map_is_zero"].to_numpy()[:-1], zero)
    assert (table.loc[table["map_is_zero"], "mean"].abs() > 0).all()
    assert (table.loc[table["map_is_zero"], "p_near_zero"] < 1).all()


# -- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("prob", [0.0, 1.0, -0.5, 2.0, float("nan"), None, True])
def test_bad_prob(setup, prob):
    est, coef, b, tree = setup
    with pytest.raises(ValueError, match="prob"):
        compare(est, tree, prob=prob)


@pytest.mark.parametrize("eps", [-0.1, float("nan"), float("inf"), "0.1", True])
def test_bad_eps(setup, eps):
    est, coef, b, tree = setup
    with pytest.raises(ValueError, match="eps"):
        compare(est, tree, eps=eps)


def test_posterior_without_coef(setup):
    est, coef, b, tree = setup
    bad = az.from_dict({"posterior": {"w": coef, "intercept": b}}, coords={"feature": FEATURES},
                       dims={"w": ["feature"]})
    with pytest.raises(ValueError, match="posterior.*coef"):
        compare(est, bad)
    with pytest.raises(ValueError, match="posterior"):
        compare(est, coef)  # a bare array is not a DataTree
    with pytest.raises(ValueError, match="posterior"):
        compare(est, az.from_dict({"sample_stats": {"lp": b}}))


def test_feature_mismatch(setup):
    est, coef, b, tree = setup
    with pytest.raises(ValueError, match="posterior.*feature"):
        compare(est, make_tree(coef, b, features=["a", "b", "zz"]))
    with pytest.raises(ValueError, match="posterior.*feature"):
        compare(est, make_tree(coef[:, :, :2], b, features=["a", "b"]))


def test_bad_truth_and_labels(setup):
    est, coef, b, tree = setup
    with pytest.raises(ValueError, match="true_coef"):
        compare(est, tree, true_coef=[1.0, 2.0])
    with pytest.raises(ValueError, match="true_intercept"):
        compare(est, tree, true_intercept=0.0)
    with pytest.raises(ValueError, match="posterior"):
        compare(est, {})
    with pytest.raises(ValueError, match="label"):
        compare(est, {"map": tree})
    with pytest.raises(ValueError, match=r"posterior\['B'\]"):
        compare(est, {"A": tree, "B": make_tree(coef, b, features=["x", "y", "z"])})
    with pytest.raises(ValueError, match="est"):
        compare(object(), tree)


# -- the posterior must be of est's model ---------------------------------------------------------

def test_compare_refuses_the_posterior_of_another_model():
    """A posterior records its model; compare() names what differs instead of mixing two models."""
    data = make_lecture_wide(n_samples=40, n_features=3, seed=2)
    strong = bayesreg.LogisticRegression(prior=Laplace(40.0)).fit(data.X, data.y)
    weak = bayesreg.LogisticRegression(prior=Laplace(0.5)).fit(data.X, data.y)
    tree = weak.laplace_approximation(data.X, data.y, draws=30, random_seed=0)
    compare(weak, tree)  # its own posterior is fine
    with pytest.raises(ValueError, match=r"another model.*prior_params.*0\.5.*40\.0"):
        compare(strong, tree)
    linear = bayesreg.LinearRegression(prior=Laplace(0.5)).fit(data.X, data.y)
    with pytest.raises(ValueError, match=r"likelihood: 'Bernoulli' vs 'Normal'"):
        compare(linear, tree)
    with pytest.raises(ValueError, match="another model"):
        compare(strong, {"ok": strong.laplace_approximation(data.X, data.y, draws=30, random_seed=0), "bad": tree})


def test_compare_after_set_params_without_refit_is_refused():
    """set_params after fit: the posterior follows the new prior, the MAP does not — compare says so."""
    data = make_lecture_wide(n_samples=40, n_features=3, seed=3)
    est = bayesreg.LogisticRegression(prior=Gaussian(1.0)).fit(data.X, data.y)
    est.set_params(prior=Laplace(50.0))
    tree = est.laplace_approximation(data.X, data.y, draws=30, random_seed=0)
    with pytest.raises(ValueError, match="prior: 'Laplace' vs 'Gaussian'"):
        compare(est, tree)
    est.fit(data.X, data.y)
    assert compare(est, tree)["map"].tolist()[:3] == est.coef_.tolist()
