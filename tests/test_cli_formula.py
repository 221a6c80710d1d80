"""The CLI on a CSV with a text column: one-hot encoding, --formula, standardization that leaves
dummies alone; every fitted number checked against scikit-learn or a closed form on a hand-built design."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression as SkLogistic

from bayesreg.cli import build_parser, main

LAM = 0.5


def _run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(3)
    n = 150
    df = pd.DataFrame({"x1": rng.normal(size=n) * 3.0, "group": rng.choice(["a", "b", "c"], n),
                       "x2": rng.normal(size=n), "x3": rng.normal(size=n)})
    eta = 0.4 * df.x1 + 1.0 * (df.group == "b") - 0.8 * (df.group == "c") + 0.5 * df.x2 * df.x3
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    df["z"] = 2.0 + eta + 0.8 * rng.normal(size=n)
    return df


@pytest.fixture(scope="module")
def csv(frame, tmp_path_factory):
    path = tmp_path_factory.mktemp("formula") / "d.csv"
    frame.drop(columns=["z"]).to_csv(path)  # with pandas' index: read back as "Unnamed: 0"
    return path


@pytest.fixture(scope="module")
def csv_z(frame, tmp_path_factory):
    path = tmp_path_factory.mktemp("formula_z") / "dz.csv"
    frame.to_csv(path, index=False)
    return path


def _table(out: str) -> dict[str, list[float]]:
    """The MAP table of print_fit: feature → [coef, (coef (orig), prior sd (orig))]."""
    lines = out.splitlines()
    start = next(i for i, l in enumerate(lines) if l.split()[:2] == ["feature", "coef"])
    rows = {}
    for line in lines[start + 1:]:
        if " weights are exactly zero" in line:
            break
        parts = line.replace("(exactly 0)", "").split()
        rows[parts[0]] = [float(v) for v in parts[1:]]
    return rows


def _dummies(frame):
    return pd.get_dummies(frame["group"], prefix="group", prefix_sep="", drop_first=True, dtype=float)


def _sk(X, y):
    return SkLogistic(C=1 / LAM, tol=1e-12, max_iter=10_000).fit(X, y)


def test_text_column_is_one_hot_encoded_with_the_baseline_printed(capsys, csv, frame):
    code, out, _ = _run(capsys, ["fit", str(csv), "--target", "y", "--prior", "gaussian", "--lam", str(LAM),
                                 "--solver", "newton", "--tol", "1e-10"])
    assert code == 0
    assert "column 'Unnamed: 0' is a saved row index (0, 1, …): dropped" in out
    assert "column 'group' (text, 3 levels: a, b, c) → group[b], group[c]; 'a' is the baseline" in out
    rows = _table(out)
    assert list(rows) == ["x1", "group[b]", "group[c]", "x2", "x3", "intercept"]
    X = pd.concat([frame[["x1"]], _dummies(frame), frame[["x2", "x3"]]], axis=1).to_numpy(float)
    sk = _sk(X, frame["y"])
    np.testing.assert_allclose([rows[k][0] for k in list(rows)[:-1]], sk.coef_.ravel(), rtol=1e-4, atol=1e-5)
    assert rows["intercept"][0] == pytest.approx(sk.intercept_[0], rel=1e-4, abs=1e-5)


def test_a_text_target_stays_the_target(capsys, frame, tmp_path):
    labelled = frame.drop(columns=["z"]).assign(y=np.where(frame["y"] == 1, "yes", "no"))
    labelled.to_csv(tmp_path / "t.csv", index=False)
    code, out, _ = _run(capsys, ["fit", str(tmp_path / "t.csv"), "--target", "y", "--prior", "gaussian", "--lam",
                                 str(LAM), "--solver", "newton", "--tol", "1e-10"])
    assert code == 0 and "column 'y'" not in out  # not encoded: the labels are the classes
    X = pd.concat([frame[["x1"]], _dummies(frame), frame[["x2", "x3"]]], axis=1).to_numpy(float)
    sk = _sk(X, frame["y"])  # "yes" (the second class, sorted) is y = 1
    rows = _table(out)
    np.testing.assert_allclose([rows[k][0] for k in list(rows)[:-1]], sk.coef_.ravel(), rtol=1e-4, atol=1e-5)


def test_formula_names_the_target_and_the_columns(capsys, csv, frame):
    formula = "y ~ x1 + C(group) + x2:x3"
    code, out, _ = _run(capsys, ["fit", str(csv), "--formula", formula, "--prior", "gaussian", "--lam", str(LAM),
                                 "--solver", "newton", "--tol", "1e-10"])
    assert code == 0
    assert f"formula {formula!r}: 4 column(s) x1, C(group)[T.b], C(group)[T.c], x2:x3 (with intercept)" in out
    assert "C(group): 3 levels (a, b, c) → C(group)[T.b], C(group)[T.c]; 'a' is the baseline" in out
    rows = _table(out)
    X = pd.concat([frame[["x1"]], _dummies(frame), (frame.x2 * frame.x3).rename("i")], axis=1).to_numpy(float)
    sk = _sk(X, frame["y"])
    np.testing.assert_allclose([rows[k][0] for k in ["x1", "C(group)[T.b]", "C(group)[T.c]", "x2:x3"]],
                               sk.coef_.ravel(), rtol=1e-4, atol=1e-5)
    code, same, _ = _run(capsys, ["fit", str(csv), "--formula", formula, "--target", "y", "--prior", "gaussian",
                                  "--lam", str(LAM), "--solver", "newton", "--tol", "1e-10"])
    assert code == 0 and _table(same) == rows


def test_formula_without_intercept(capsys, csv):
    code, out, _ = _run(capsys, ["fit", str(csv), "--formula", "y ~ C(group) + x1 - 1"])
    assert code == 0 and "no intercept" in out and "intercept" not in _table(out)
    assert list(_table(out)) == ["C(group)[a]", "C(group)[b]", "C(group)[c]", "x1"]
    code, _, err = _run(capsys, ["fit", str(csv), "--formula", "y ~ x1", "--no-intercept"])
    assert code == 2 and "write '- 1'" in err


@pytest.mark.parametrize("formula, extra, fragment", [
    ("y ~ x1 + C(group) +", [], "insuffient arguments"),
    ("y ~ x1 + nope", [], "`nope` is not present"),
    ("x1 + x2", [], "no left side"),
    ("y ~ x1", ["--target", "x2"], "name different targets"),
    ("y ~ np.log(x2)", [], "contains null values"),  # x2 < 0 somewhere: log gives nan, not dropped rows
    ("y ~ x1 + np.log(x2 * 0)", [], "infinite values"),
])
def test_bad_formulas_are_one_line_and_status_2(capsys, csv, formula, extra, fragment):
    code, out, err = _run(capsys, ["fit", str(csv), "--formula", formula, *extra])
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err and "\x1b" not in err
    assert formula in err or "--target" in err


def test_standardize_leaves_dummies_alone_unless_asked(capsys, csv, frame):
    lam_sd = 1 / np.sqrt(LAM)
    code, out, _ = _run(capsys, ["fit", str(csv), "--target", "y", "--prior", "gaussian", "--lam", str(LAM),
                                 "--standardize", "--solver", "newton", "--tol", "1e-10"])
    assert code == 0
    assert "the dummies group[b], group[c] stay 0/1 (not standardized" in out
    rows = _table(out)
    for name in ("group[b]", "group[c]"):  # scale 1: the original scale is the fitted one
        coef, coef_orig, sd_orig = rows[name]
        assert coef_orig == pytest.approx(coef, rel=1e-4) and sd_orig == pytest.approx(lam_sd, rel=1e-3)
    assert rows["x1"][2] == pytest.approx(lam_sd / frame.x1.std(ddof=0), rel=1e-3)
    # the same fit by scikit-learn on a design standardized by hand, dummies kept 0/1
    num = frame[["x1", "x2", "x3"]]
    z = (num - num.mean()) / num.std(ddof=0)
    X = pd.concat([z[["x1"]], _dummies(frame), z[["x2", "x3"]]], axis=1).to_numpy(float)
    sk = _sk(X, frame["y"])
    np.testing.assert_allclose([rows[k][0] for k in ["x1", "group[b]", "group[c]", "x2", "x3"]], sk.coef_.ravel(),
                               rtol=1e-4, atol=1e-5)

    code, out, _ = _run(capsys, ["fit", str(csv), "--target", "y", "--prior", "gaussian", "--lam", str(LAM),
                                 "--standardize", "--standardize-dummies"])
    assert code == 0 and "group[b], group[c] are standardized too" in out
    assert _table(out)["group[b]"][2] == pytest.approx(lam_sd / _dummies(frame)["groupb"].std(ddof=0), rel=1e-3)
    code, _, err = _run(capsys, ["fit", str(csv), "--target", "y", "--standardize-dummies"])
    assert code == 2 and "needs --standardize" in err


def test_recorded_scales_of_a_formula_design(csv, frame):
    from bayesreg.cli.common import load_data

    args = build_parser().parse_args(["fit", str(csv), "--formula", "y ~ C(group) + x1", "--standardize"])
    data = load_data(args)
    assert data.feature_names == ["C(group)[T.b]", "C(group)[T.c]", "x1"]
    assert data.dummies == ("C(group)[T.b]", "C(group)[T.c]")
    np.testing.assert_array_equal(data.scale[:2], [1.0, 1.0])
    assert data.scale[2] == pytest.approx(frame.x1.std(ddof=0))
    np.testing.assert_array_equal(data.X[:, 0], (frame.group == "b").astype(float))  # still 0/1
    assert data.X[:, 2].mean() == pytest.approx(0, abs=1e-12)


def test_linear_formula_matches_closed_form_ridge(capsys, csv_z, frame):
    lam, sigma = 2.0, 0.8
    code, out, _ = _run(capsys, ["fit", str(csv_z), "--formula", "z ~ x1 + C(group)", "--likelihood", "linear",
                                 "--prior", "gaussian", "--lam", str(lam), "--noise-sd", str(sigma),
                                 "--solver", "newton", "--tol", "1e-12"])
    assert code == 0
    A = np.column_stack([frame.x1, _dummies(frame).to_numpy(), np.ones(len(frame))])
    P = np.diag([lam * sigma**2] * 3 + [0.0])  # U = ‖z − Aθ‖²/(2σ²) + (λ/2)‖w‖², intercept flat
    theta = np.linalg.solve(A.T @ A + P, A.T @ frame.z.to_numpy())
    rows = _table(out)
    np.testing.assert_allclose([rows[k][0] for k in ["x1", "C(group)[T.b]", "C(group)[T.c]", "intercept"]], theta,
                               rtol=1e-4)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_compare_with_a_formula_keeps_the_names(capsys, csv, tmp_path):
    from bayesreg import load_results

    formula = "y ~ x1 + C(group)"
    code, out, _ = _run(capsys, ["compare", str(csv), "--formula", formula, "--prior", "gaussian", "--tol", "1e-10",
                                 "--sampler", "laplace-is", "--draws", "200", "--chains", "2",
                                 "--out", str(tmp_path / "c")])
    assert code == 0 and "C(group): 3 levels" in out
    saved = load_results(tmp_path / "c" / "results.nc")
    assert saved.feature_names == ["x1", "C(group)[T.b]", "C(group)[T.c]"] and saved.settings["formula"] == formula
    table = pd.read_csv(tmp_path / "c" / "comparison.csv", index_col=0)
    np.testing.assert_allclose(table.loc[saved.feature_names, "map"], saved.map.coef, atol=1e-6)
    import bayesreg as br

    ref = br.from_formula(formula, pd.read_csv(csv), prior=br.Gaussian(1.0), tol=1e-10)  # the library, same model
    np.testing.assert_allclose(saved.map.coef, ref.coef_, atol=1e-7)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_sweep_with_a_formula_keeps_the_names(capsys, csv, tmp_path):
    from bayesreg import load_sweep

    formula = "y ~ x1 + C(group)"
    code, out, _ = _run(capsys, ["sweep", str(csv), "--formula", formula, "--lams", "0.1:10:3", "--no-full-bayes",
                                 "--cv-folds", "2", "--out", str(tmp_path / "s")])
    assert code == 0 and "C(group): 3 levels" in out
    sw = load_sweep(tmp_path / "s" / "sweep.nc")
    assert sw.sweep["feature"].values.tolist() == ["x1", "C(group)[T.b]", "C(group)[T.c]"]
    assert sw.settings["formula"] == formula
