"""Formulas and categorical predictors (bayesreg.formula): the design against formulaic's own
model matrix and hand-built dummies, the fits against independent references, new data."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression as SkLogistic

import bayesreg as br

FORMULA = "y ~ x1 + C(g) + x2:x3 + np.log(x4) + center(x3)"


def _frame(n=160, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x1": rng.normal(size=n), "g": rng.choice(["a", "b", "c"], n), "x2": rng.normal(size=n),
                       "x3": rng.normal(size=n), "x4": rng.uniform(0.5, 3.0, n)})
    eta = 0.8 * df.x1 + 1.0 * (df.g == "b") - 0.7 * (df.g == "c") + 0.5 * df.x2 * df.x3
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    df["z"] = 1.5 + eta + rng.normal(size=n)
    df["label"] = np.where(df["y"] == 1, "yes", "no")
    return df


@pytest.fixture(scope="module")
def df():
    return _frame()


def _by_hand(df, drop_first=True):
    """x1, the dummies of g (pandas), x2·x3: the design of 'y ~ x1 + C(g) + x2:x3' built without formulaic."""
    dummies = pd.get_dummies(df["g"], prefix="g", drop_first=drop_first, dtype=float)
    return pd.concat([df[["x1"]], dummies, (df.x2 * df.x3).rename("x2x3")], axis=1).to_numpy(float)


# -- the design --------------------------------------------------------------------------------------

@pytest.mark.parametrize("formula", [FORMULA, "y ~ .", "y ~ x1 * C(g)", "y ~ C(g, contr.treatment(base='b')) + x1",
                                     "y ~ scale(x2) + C(g):x3 - 1", "label ~ g + x1"])
def test_design_columns_and_values_are_formulaics_without_the_intercept_column(df, formula):
    from formulaic import model_matrix

    data = df.drop(columns=["z", "label"]) if formula == "y ~ ." else df
    ref = model_matrix(formula, data).rhs
    d = br.design(formula, data)
    assert list(d.X.columns) == [c for c in ref.columns if c != "Intercept"]
    np.testing.assert_array_equal(d.X.to_numpy(), ref.drop(columns="Intercept", errors="ignore").to_numpy(float))
    assert d.spec.fit_intercept == ("Intercept" in ref.columns)
    assert d.X.dtypes.eq(np.float64).all()


def test_design_of_transforms_interactions_and_dummies(df):
    from formulaic import model_matrix

    ref = model_matrix(FORMULA, df).rhs
    d = br.design(FORMULA, df)
    assert list(d.X.columns) == [c for c in ref.columns if c != "Intercept"]
    assert list(d.X.columns) == ["x1", "C(g)[T.b]", "C(g)[T.c]", "np.log(x4)", "center(x3)", "x2:x3"]
    np.testing.assert_array_equal(d.X.to_numpy(), ref.drop(columns="Intercept").to_numpy(float))
    np.testing.assert_array_equal(d.y, df["y"].to_numpy())
    # and against numpy directly: the transforms and the interaction
    np.testing.assert_allclose(d.X["np.log(x4)"], np.log(df.x4))
    np.testing.assert_allclose(d.X["center(x3)"], df.x3 - df.x3.mean())
    np.testing.assert_allclose(d.X["x2:x3"], df.x2 * df.x3)
    np.testing.assert_array_equal(d.X["C(g)[T.b]"], (df.g == "b").astype(float))
    assert d.spec.fit_intercept and d.spec.dummies == ("C(g)[T.b]", "C(g)[T.c]")
    assert d.spec.levels == {"C(g)": ("a", "b", "c")} and d.spec.baselines == {"C(g)": "a"}
    assert d.spec.describe_encoding() == ["C(g): 3 levels (a, b, c) → C(g)[T.b], C(g)[T.c]; 'a' is the baseline"]
    assert br.design("y ~ C(g, contr.treatment(base='b'))", df).spec.baselines == {"C(g, contr.treatment(base='b'))": "b"}


def test_new_rows_get_the_fitted_encoding_and_transforms(df):
    from formulaic import model_matrix

    est = br.from_formula(FORMULA, df, prior=br.Gaussian(1.0))
    new = _frame(n=7, seed=5).drop(columns=["y"])
    new.loc[:, "g"] = ["c", "c", "a", "c", "a", "a", "c"]  # a subset of the levels: still both dummies
    d = br.design(est, new)
    ref = model_matrix(FORMULA, df).rhs.model_spec.get_model_matrix(new)
    np.testing.assert_allclose(d.X.to_numpy(), ref.drop(columns="Intercept").to_numpy(float))
    np.testing.assert_allclose(d.X["center(x3)"], new.x3 - df.x3.mean())  # centred by the fit's mean, not new's
    assert d.y is None  # the new rows carry no target
    eta = d.X.to_numpy() @ est.coef_ + est.intercept_
    np.testing.assert_array_equal(est.predict(d.X), (eta > 0).astype(int))


def test_an_unseen_level_is_an_error_not_a_baseline_row(df):
    est = br.from_formula("y ~ x1 + C(g)", df)
    new = df.head(3).copy()
    new.loc[new.index[1], "g"] = "d"
    with pytest.raises(ValueError, match=r"not seen in fit.*'d'.*C\(g\): a, b, c"):
        br.design(est, new)


# -- the fits against hand-built designs and independent solvers ------------------------------------

def test_formula_fit_equals_a_fit_on_hand_built_dummies(df):
    est = br.from_formula("y ~ x1 + C(g) + x2:x3", df, prior=br.Laplace(2.0), tol=1e-10)
    ref = br.LogisticRegression(prior=br.Laplace(2.0), tol=1e-10).fit(_by_hand(df), df["y"])
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=1e-8)
    assert est.intercept_ == pytest.approx(ref.intercept_, abs=1e-8)
    assert est.feature_names() == ["x1", "C(g)[T.b]", "C(g)[T.c]", "x2:x3"]
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(df))  # row weights reach the fit
    est_w = br.from_formula("y ~ x1 + C(g) + x2:x3", df, prior=br.Laplace(2.0), tol=1e-10, sample_weight=w)
    ref_w = br.LogisticRegression(prior=br.Laplace(2.0), tol=1e-10).fit(_by_hand(df), df["y"], sample_weight=w)
    np.testing.assert_allclose(est_w.coef_, ref_w.coef_, atol=1e-8)
    assert not np.allclose(est_w.coef_, est.coef_, atol=1e-3)
    # an independent solver on the hand-built design: scikit-learn's L2 logistic, C = 1/λ
    est2 = br.from_formula("y ~ x1 + C(g) + x2:x3", df, prior=br.Gaussian(0.5), solver="newton", tol=1e-12)
    sk = SkLogistic(C=1 / 0.5, tol=1e-12, max_iter=10_000).fit(_by_hand(df), df["y"])
    np.testing.assert_allclose(est2.coef_, sk.coef_.ravel(), atol=1e-6)
    assert est2.intercept_ == pytest.approx(sk.intercept_[0], abs=1e-6)


def test_minus_one_means_no_intercept_and_every_level_a_column(df):
    for formula in ("y ~ C(g) + x1 - 1", "y ~ 0 + C(g) + x1"):
        est = br.from_formula(formula, df, prior=br.Gaussian(1.0), solver="newton", tol=1e-12)
        assert est.fit_intercept is False and est.intercept_ == 0.0
        assert est.feature_names() == ["C(g)[a]", "C(g)[b]", "C(g)[c]", "x1"]
        assert est.formula_spec_.baselines == {"C(g)": None}
        X = np.column_stack([pd.get_dummies(df["g"], dtype=float).to_numpy(), df.x1])
        sk = SkLogistic(C=1.0, fit_intercept=False, tol=1e-12, max_iter=10_000).fit(X, df["y"])
        np.testing.assert_allclose(est.coef_, sk.coef_.ravel(), atol=1e-6)


def test_linear_formula_with_a_transformed_target_is_closed_form_ridge(df):
    lam, sigma = 2.0, 0.8
    est = br.from_formula("np.log(x4) ~ x1 + C(g)", df, likelihood="linear", prior=br.Gaussian(lam),
                          noise_sd=sigma, tol=1e-12, solver="newton")
    X, y = _by_hand(df)[:, :3], np.log(df.x4.to_numpy())
    # U = ‖y − Xw − b‖²/(2σ²) + (λ/2)‖w‖², intercept flat: the normal equations of [X 1]
    A = np.column_stack([X, np.ones(len(y))])
    P = np.diag([lam * sigma**2] * 3 + [0.0])
    theta = np.linalg.solve(A.T @ A + P, A.T @ y)
    np.testing.assert_allclose(est.coef_, theta[:3], atol=1e-8)
    assert est.intercept_ == pytest.approx(theta[3], abs=1e-8)
    d = br.design(est, df)
    np.testing.assert_allclose(d.y, y)
    assert br.design(est, df.drop(columns=["x4"])).y is None  # new rows without the target's column


def test_text_labels_stay_labels(df):
    est = br.from_formula("label ~ x1 + C(g)", df, prior=br.Gaussian(1.0), tol=1e-10)
    ref = br.from_formula("y ~ x1 + C(g)", df, prior=br.Gaussian(1.0), tol=1e-10)
    assert est.classes_.tolist() == ["no", "yes"]
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=1e-8)


def test_an_estimator_instance_is_cloned_and_the_intercept_follows_the_formula(df):
    given = br.LogisticRegression(prior=br.Gaussian(3.0), fit_intercept=True)
    est = br.from_formula("y ~ x1 - 1", df, estimator=given)
    assert est is not given and not hasattr(given, "coef_") and given.fit_intercept is True
    assert est.fit_intercept is False and est.prior == br.Gaussian(3.0)
    with pytest.raises(ValueError, match="fit_intercept=False"):
        br.from_formula("y ~ x1", df, estimator=br.LogisticRegression(fit_intercept=False))
    with pytest.raises(ValueError, match="fit_intercept=False"):
        br.from_formula("z ~ x1", df, likelihood="linear", fit_intercept=False)
    with pytest.raises(ValueError, match="not both"):
        br.from_formula("y ~ x1", df, likelihood="logistic", estimator=given)
    with pytest.raises(TypeError, match="fit_intercept"):
        br.from_formula("y ~ x1", df, estimator=object())
    with pytest.raises(TypeError, match="formula must be a string"):
        br.from_formula(["y ~ x1"], df)
    with pytest.raises(ValueError, match="likelihood must be one of"):
        br.from_formula("y ~ x1", df, likelihood="poisson-ish")


# -- bad input --------------------------------------------------------------------------------------

@pytest.mark.parametrize("formula, fragment", [
    ("y ~ x1 + nope", "nope"),
    ("y ~ x1 +", "insuffient arguments"),  # formulaic's spelling
    ("y ~ (x1", "matching"),
    ("y ~ x1 | x2", "'|'"),
    ("x1 + x2", "no left side"),
    ("y + z ~ x1", "one target"),
    ("missing_col ~ x1", "missing_col"),
])
def test_bad_formulas_are_one_line_value_errors_naming_the_formula(df, formula, fragment):
    with pytest.raises(ValueError) as info:
        br.from_formula(formula, df)
    msg = str(info.value)
    assert msg.startswith(f"formula {formula!r}") and fragment in msg and "\n" not in msg and "\x1b" not in msg


def test_missing_values_are_an_error_not_dropped_rows(df):
    holes = df.copy()
    holes.loc[holes.index[3], "x1"] = np.nan
    with pytest.raises(ValueError, match="null values"):
        br.from_formula("y ~ x1", holes)
    holes = df.astype({"y": float})
    holes.loc[holes.index[3], "y"] = np.nan
    with pytest.raises(ValueError, match="target 'y' has 1 missing"):
        br.from_formula("y ~ x1", holes)
    with pytest.raises(TypeError, match="DataFrame"):
        br.design("y ~ x1", df.to_numpy())
    with pytest.raises(TypeError, match="from_formula"):
        br.design(br.LogisticRegression(), df)


# -- the posterior and save/load use the same names -------------------------------------------------

@pytest.mark.filterwarnings("ignore::UserWarning")
def test_posterior_and_saved_results_keep_the_formula_names(df, tmp_path):
    est = br.from_formula("y ~ x1 + C(g)", df, prior=br.Gaussian(1.0))
    d = br.design(est, df)
    post = est.sample_posterior(d.X, d.y, sampler="laplace-is", draws=200, chains=2, random_seed=0)
    names = ["x1", "C(g)[T.b]", "C(g)[T.c]"]
    assert post["posterior"]["coef"].coords["feature"].values.tolist() == names
    table = br.compare(est, post)
    assert table.index.tolist() == names + ["intercept"]
    br.save_results(tmp_path / "r.nc", est=est, posterior=post, comparison=table)
    saved = br.load_results(tmp_path / "r.nc")
    assert saved.feature_names == names and saved.formula == "y ~ x1 + C(g)"
    np.testing.assert_allclose(saved.map.coef, est.coef_)
    plain = br.LogisticRegression().fit(d.X, d.y)
    br.save_results(tmp_path / "p.nc", est=plain)
    assert br.load_results(tmp_path / "p.nc").formula is None
