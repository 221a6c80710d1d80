"""scikit-learn idioms: priors as nested parameters (set_params, GridSearchCV, clone), warnings, lazy imports."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import bayesreg as br

pytestmark = pytest.mark.usefixtures("one_blas_thread")


@pytest.fixture(scope="module")
def raw_cancer():
    return load_breast_cancer(return_X_y=True)


def _pipe(prior):
    return Pipeline([("scale", StandardScaler()), ("clf", br.LogisticRegression(prior=prior))])


# ---------------------------------------------------------------------------------------
# priors as nested parameters
# ---------------------------------------------------------------------------------------

def test_grid_search_over_prior_lam(raw_cancer):
    X, y = raw_cancer
    lams = [0.1, 1, 10]
    search = GridSearchCV(Pipeline([("scale", StandardScaler()), ("clf", br.LogisticRegression(prior=br.Laplace(1.0)))]),
                          {"clf__prior__lam": lams}, cv=3).fit(X, y)
    # independent: the same folds (GridSearchCV's cv=3 for a classifier), a fresh pipeline per λ
    scores = []
    for lam in lams:
        fold = [_pipe(br.Laplace(lam)).fit(X[tr], y[tr]).score(X[te], y[te])
                for tr, te in StratifiedKFold(3).split(X, y)]
        scores.append(np.mean(fold))
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], scores, rtol=0, atol=1e-12)
    best = lams[int(np.argmax(scores))]
    assert search.best_params_ == {"clf__prior__lam": best}
    direct = _pipe(br.Laplace(best)).fit(X, y)
    refit = search.best_estimator_.named_steps["clf"]
    assert refit.prior_ == br.Laplace(best)
    np.testing.assert_allclose(refit.coef_, direct.named_steps["clf"].coef_, rtol=0, atol=1e-12)
    assert refit.intercept_ == pytest.approx(direct.named_steps["clf"].intercept_, abs=1e-12)
    # the search's base estimator is untouched (GridSearchCV works on clones)
    assert search.estimator.named_steps["clf"].prior == br.Laplace(1.0)


def test_set_params_nested_equals_constructor(raw_cancer):
    X, y = raw_cancer
    X = StandardScaler().fit_transform(X)
    est = br.LogisticRegression(prior=br.Laplace(1.0)).fit(X, y)
    assert est.is_current()
    prior = est.prior
    est.set_params(prior__lam=2)
    assert est.prior is prior and est.prior == br.Laplace(2.0)   # in place, as scikit-learn expects
    assert est.prior_ == br.Laplace(1.0)                          # what was fitted did not change
    assert not est.is_current()                                   # ... and the estimator knows it is stale
    est.fit(X, y)
    ref = br.LogisticRegression(prior=br.Laplace(2)).fit(X, y)
    np.testing.assert_array_equal(est.coef_, ref.coef_)
    assert est.get_params()["prior__lam"] == 2.0


def test_set_params_on_default_prior_makes_it_explicit():
    est = br.LogisticRegression()
    est.set_params(prior__lam=3)
    assert est.prior == br.Gaussian(3.0)
    with pytest.raises(ValueError, match="lam"):
        br.LinearRegression().set_params(prior__lam=-1)


def test_set_params_validates_and_leaves_the_prior_unchanged():
    p = br.Laplace(1.0)
    with pytest.raises(ValueError, match="lam must be >= 0.*-1"):
        p.set_params(lam=-1)
    assert p == br.Laplace(1.0)
    with pytest.raises(ValueError, match="invalid parameter 'scale'.*'lam'"):
        p.set_params(scale=2)
    with pytest.raises(ValueError, match="slab_df"):
        br.RegularizedHorseshoe().set_params(slab_df=0)
    assert br.ElasticNet(1, 2).set_params(lam2=0).simplest() == br.Laplace(1)
    assert br.Cauchy(0.5).set_params(lam=2) == br.StudentT(1, 2)
    with pytest.raises(ValueError, match="scale"):
        br.HalfNormal(1.0).set_params(scale=0)


@pytest.mark.parametrize("prior", [br.Gaussian(2.0), br.Laplace(0.5, noise_scaled=True), br.ElasticNet(1, 2),
                                   br.StudentT(4, 2), br.Cauchy(0.3), br.Flat(), br.Horseshoe(0.1),
                                   br.RegularizedHorseshoe(0.1, 3.0, 5.0), br.Exponential(2.0), br.HalfNormal(3.0),
                                   br.HalfCauchy(0.5), br.Jeffreys()], ids=repr)
def test_get_params_rebuilds_and_clone_copies(prior):
    params = prior.get_params(deep=True)
    assert type(prior)(**params) == prior and prior.get_params(deep=False) == params
    copy = clone(prior)
    assert copy == prior and copy is not prior and type(copy) is type(prior)


def test_clone_of_an_estimator_holding_priors():
    est = br.LinearRegression(prior=br.Laplace(1.0), noise_prior=br.HalfNormal(2.0))
    twin = clone(est)
    assert twin.prior == est.prior and twin.prior is not est.prior
    assert twin.noise_prior == est.noise_prior and twin.noise_prior is not est.noise_prior
    twin.set_params(prior__lam=5, noise_prior__scale=4)
    assert est.prior == br.Laplace(1.0) and est.noise_prior == br.HalfNormal(2.0)
    assert twin.get_params()["noise_prior__scale"] == 4.0


def test_noise_prior_nested_parameter():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ np.array([1.0, -1.0, 0.5]) + rng.normal(size=50)
    est = br.LinearRegression(noise_prior=br.HalfNormal(1.0)).set_params(noise_prior__scale=0.3).fit(X, y)
    ref = br.LinearRegression(noise_prior=br.HalfNormal(0.3)).fit(X, y)
    assert est.noise_sd_ == ref.noise_sd_
    np.testing.assert_array_equal(est.coef_, ref.coef_)


def test_a_changed_prior_has_a_new_hash():
    # documented: priors hash by their parameters, so a prior that is a dict key must not be changed
    p = br.Gaussian(1.0)
    old = hash(p)
    table = {p: "one"}
    p.set_params(lam=2.0)
    assert hash(p) == hash(br.Gaussian(2.0)) != old
    assert br.Gaussian(1.0) not in table and br.Gaussian(2.0) not in table  # the key sits under its old hash


# ---------------------------------------------------------------------------------------
# warnings
# ---------------------------------------------------------------------------------------

def _not_converging():
    X, y = load_breast_cancer(return_X_y=True)
    return br.LogisticRegression(prior=br.Laplace(0.1), max_iter=2), X[:100], y[:100]


def test_convergence_warning_is_sklearns():
    import warnings

    from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning

    assert issubclass(br.ConvergenceWarning, SkConvergenceWarning) and issubclass(br.ConvergenceWarning, UserWarning)
    est, X, y = _not_converging()
    with pytest.warns(br.ConvergenceWarning):
        est.fit(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", SkConvergenceWarning)  # filtering scikit-learn's silences ours
        est.fit(X, y)
    assert not [w for w in caught if issubclass(w.category, SkConvergenceWarning)]
    assert not est.map_.converged


def test_library_warnings_point_at_the_callers_line():
    import warnings

    est, X, y = _not_converging()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    conv = [w for w in caught if issubclass(w.category, br.ConvergenceWarning)]
    assert conv and all(w.filename == __file__ for w in conv)


@pytest.fixture(scope="module")
def lasso_fit():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return br.LogisticRegression(prior=br.Laplace(20.0)).fit(X, y), X, y


def test_posterior_warnings_point_at_the_callers_line(lasso_fit):
    import warnings

    est, X, y = lasso_fit
    calls = {"est.laplace_approximation": lambda: est.laplace_approximation(X, y, draws=100, random_seed=0),
             "br.laplace_approximation": lambda: br.laplace_approximation(est, X, y, draws=100, random_seed=0),
             "est.sample_posterior": lambda: est.sample_posterior(X, y, draws=20, chains=2, sampler="laplace-is",
                                                                  random_seed=0),
             "br.posterior.sample_posterior": lambda: br.posterior.sample_posterior(
                 est, X, y, draws=20, chains=2, sampler="laplace-is", random_seed=0)}
    for label, call in calls.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        posterior = [w for w in caught if issubclass(w.category, br.PosteriorWarning)]
        assert posterior, label
        assert {w.filename for w in posterior} == {__file__}, label


def test_compare_table_never_shows_negative_zero(lasso_fit):
    est, X, y = lasso_fit
    zero = est.coef_ == 0
    assert zero.sum() > 5 and not np.signbit(est.coef_[zero]).any()  # soft-thresholding lands on +0.0
    with pytest.warns(br.PosteriorWarning):
        post = est.laplace_approximation(X, y, draws=100, random_seed=0)
    table = br.compare(est, post, true_coef=-np.zeros(X.shape[1]), true_intercept=-0.0)  # −0.0 on the way in
    values = table.select_dtypes("number").to_numpy(dtype=float)
    assert (values == 0).any() and not np.signbit(values[values == 0]).any()
    import re

    assert not re.search(r"(^|\s)-0(\.0+)?(\s|$)", table.to_string(), re.M)  # no "-0.000000" cell


# ---------------------------------------------------------------------------------------
# the Python API: lazy submodules, real signatures
# ---------------------------------------------------------------------------------------

def test_import_is_light_and_submodules_are_attributes():
    import subprocess
    import sys

    code = ("import sys, bayesreg as br; heavy = [m for m in ('pymc', 'matplotlib', 'dask', 'arviz', 'nutpie') "
            "if m in sys.modules]; assert not heavy, heavy; "
            "import types; assert all(isinstance(getattr(br, m), types.ModuleType) "
            "for m in ('convert', 'plots', 'posterior', 'sensitivity')); "
            "assert br.sample_posterior is br.posterior.sample_posterior; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        br.nonexistent  # noqa: B018
    assert {"plots", "posterior", "convert"} <= set(dir(br))


@pytest.mark.parametrize("method", ["sample_posterior", "laplace_approximation"])
def test_estimator_methods_show_the_real_signature(method):
    import inspect

    from bayesreg import posterior

    shown = inspect.signature(getattr(br.LogisticRegression(), method))
    real = inspect.signature(getattr(posterior, method))
    assert list(shown.parameters)[:2] == ["X", "y"]
    assert ([(p.name, p.default, p.kind) for p in shown.parameters.values()]
            == [(p.name, p.default, p.kind) for p in list(real.parameters.values())[1:]])  # all but `est`
    if method == "sample_posterior":
        assert {"draws", "tune", "chains", "random_seed", "sampler", "progressbar", "pointwise_log_likelihood",
                "sample_weight"} <= set(shown.parameters)
    doc = getattr(br.LogisticRegression, method).__doc__
    assert doc and "draws" in doc and "random_seed" in doc
