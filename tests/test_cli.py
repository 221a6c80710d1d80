"""The `bayesreg` command: output, exit codes, and agreement with the library."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression as SkLogistic

from bayesreg import datasets
from bayesreg.cli import main


def _run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_fit_default_prints_prior_convergence_and_sparse_coefficients(capsys):
    code, out, _ = _run(capsys, ["fit"])
    assert code == 0
    assert "λ = 2" in out and "scale 1/λ = 0.5" in out  # λ next to what it means
    assert "converged" in out and "U/N" in out
    # the MAP printed equals the MAP of the same data fitted by a peer: count zeros independently
    data = datasets.make_lecture_wide(seed=0)
    ref = SkLogistic(C=1 / 2.0, l1_ratio=1.0, solver="liblinear", intercept_scaling=1e4, tol=1e-10, random_state=0,
                     max_iter=10_000).fit(data.X, data.y)
    n_zero_ref = int(np.sum(np.abs(ref.coef_.ravel()) < 1e-8))
    assert f"{n_zero_ref} of 50 weights are exactly zero" in out


def test_fit_csv_with_standardize_reports_original_scale(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2)) * [1.0, 10.0]
    y = (X[:, 0] + 0.1 * X[:, 1] + rng.normal(size=80) > 0).astype(int)
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "label": y}).to_csv(path, index=False)
    code, out, _ = _run(capsys, ["fit", str(path), "--target", "label", "--prior", "gaussian", "--lam", "0.1",
                                 "--standardize"])
    assert code == 0
    assert "standardized" in out and "variance 10" in out
    # prior sd on the original scale of column b = sd / std(b)
    sd_b = (1 / np.sqrt(0.1)) / X[:, 1].std()
    line = next(l for l in out.splitlines() if l.startswith("b "))
    assert float(line.split()[-1]) == pytest.approx(sd_b, rel=1e-3)


@pytest.mark.parametrize("content, argv_extra, fragment", [
    (None, ["--target", "y"], "not found"),
    ("a,y\n1,0\n2,1\n", ["--target", "nope"], "not a column"),
    ("a,y\nfoo,0\nfoo,1\n", ["--target", "y"], "once constant text columns are dropped"),
    ("a,y\n1,0\n,1\n", ["--target", "y"], "missing"),
    ("a,y\n1,0\n2,1\n", [], "--target"),
])
def test_bad_input_is_one_line_and_status_2(tmp_path, capsys, content, argv_extra, fragment):
    path = tmp_path / "d.csv"
    if content is not None:
        path.write_text(content)
    code, out, err = _run(capsys, ["fit", str(path), *argv_extra])
    assert code == 2
    assert fragment in err and len(err.strip().splitlines()) == 1


def test_negative_lambda_is_rejected(capsys):
    code, _, err = _run(capsys, ["fit", "--prior", "gaussian", "--lam", "-1"])
    assert code == 2 and "lam" in err and "-1" in err


def test_demo_lists_and_runs_an_example(tmp_path, capsys):
    code, out, _ = _run(capsys, ["demo"])
    assert code == 0 and "01_penalty_derivatives" in out and "05_elastic_net" in out
    code, out, _ = _run(capsys, ["demo", "01", "--quick", "--out", str(tmp_path)])
    assert code == 0 and (tmp_path / "01_penalty_derivatives.png").is_file()
    code, _, err = _run(capsys, ["demo", "nonexistent"])
    assert code == 2 and "nonexistent" in err


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_compare_writes_table_figures_and_results(tmp_path, capsys):
    from bayesreg import load_results
    import bayesreg as br

    code, out, _ = _run(capsys, ["compare", "--draws", "150", "--tune", "150", "--chains", "2",
                                 "--out", str(tmp_path)])
    assert code == 0
    for name in ["forest.png", "densities.png", "cost_history.png", "comparison.csv", "results.nc"]:
        assert (tmp_path / name).stat().st_size > 1000, name
    table = pd.read_csv(tmp_path / "comparison.csv", index_col=0)
    data = datasets.make_lecture_wide(seed=0)
    ref = br.LogisticRegression(prior=br.Laplace(2.0)).fit(data.X, data.y)  # an independent fit of the same MAP
    np.testing.assert_allclose(table.loc[[f"x{j}" for j in range(50)], "map"], ref.coef_, atol=1e-6)
    zeros = table["map_is_zero"].astype(bool)
    assert zeros.sum() == np.sum(ref.coef_ == 0) > 20
    assert (table.loc[zeros, "p_near_zero"] < 1).all() and (table.loc[zeros, "mean"] != 0).all()
    saved = load_results(tmp_path / "results.nc")
    np.testing.assert_allclose(saved.map.coef, ref.coef_, atol=1e-6)
    assert saved.prior == br.Laplace(2.0)


# -- every argument is checked before any work: one line, status 2 ----------------------------------

@pytest.mark.parametrize("argv, fragment", [
    (["compare", "--chains", "0"], "--chains: expected an integer >= 1"),
    (["compare", "--draws", "0"], "--draws: expected an integer >= 1"),
    (["compare", "--tune", "-1"], "--tune: expected an integer >= 0"),
    (["compare", "--tune", "0"], "--tune must be >= 1"),
    (["compare", "--seed", "-1"], "--seed: expected an integer in [0, 4294967296)"),
    (["sweep", "--hyper-b", "-1"], "--hyper-b: expected a number > 0"),
    (["sweep", "--hyper-a", "0"], "--hyper-a: expected a number > 0"),
    (["sweep", "--cv-folds", "1"], "--cv-folds: expected an integer >= 2"),
    (["sweep", "--lams", "-1:10:3"], "START and STOP must be finite and > 0"),
    (["fit", "--lam", "1e300"], "must be in [1e-100, 1e+100]"),
    (["fit", "--max-iter", "0"], "--max-iter: expected an integer >= 1"),
])
def test_bad_options_fail_in_one_line_before_any_work(capsys, monkeypatch, argv, fragment):
    import bayesreg.cli.common as common

    def no_work(*a, **k):  # the check must come before fitting
        raise AssertionError("fitted before the options were checked")

    monkeypatch.setattr(common.LogisticRegression, "fit", no_work)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors exit 2 with the usage and one error line
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert fragment in err and err.strip().splitlines()[-1].count("error") == 1


def test_out_that_is_a_file_or_unwritable_fails_before_fitting(tmp_path, capsys, monkeypatch):
    import os

    import bayesreg.cli.common as common

    monkeypatch.setattr(common.LogisticRegression, "fit", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    a_file = tmp_path / "taken"
    a_file.write_text("x")
    code, _, err = _run(capsys, ["compare", "--out", str(a_file)])
    assert code == 2 and "is an existing file" in err
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: nothing to check
            pytest.skip("running as a user who may write anywhere")
        code, _, err = _run(capsys, ["sweep", "--out", str(locked / "sub")])
        assert code == 2 and "cannot write" in err
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize("content, fragment", [
    ("a,y\n", "no rows"),
    ("a,intercept,y\n1,2,0\n2,1,1\n3,3,0\n", "named 'intercept'"),
    ("a,y\n1,0\ninf,1\n2,1\n", "infinite values"),
])
def test_misleading_csv_messages_say_what_is_wrong(tmp_path, capsys, content, fragment):
    path = tmp_path / "d.csv"
    path.write_text(content)
    code, _, err = _run(capsys, ["compare", str(path), "--target", "y", "--standardize", "--out",
                                 str(tmp_path / "o")])
    assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1


def test_a_folder_given_as_data_is_named_a_folder(tmp_path, capsys):
    code, _, err = _run(capsys, ["fit", str(tmp_path), "--target", "y"])
    assert code == 2 and "is a folder" in err


def test_library_errors_after_the_checks_are_one_line(capsys, monkeypatch):
    """A DivergenceError (a FloatingPointError) or a ValueError from the library: status 2, no traceback."""
    import bayesreg.cli.common as common
    from bayesreg.solvers import DivergenceError

    def diverge(*a, **k):
        raise DivergenceError("gd diverged at iteration 3")

    monkeypatch.setattr(common.LogisticRegression, "fit", diverge)
    code, _, err = _run(capsys, ["fit"])
    assert code == 2 and err.strip() == "bayesreg fit: error: gd diverged at iteration 3"


def test_ctrl_c_exits_130_with_one_line(capsys, monkeypatch):
    import bayesreg.cli.common as common

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(common.LogisticRegression, "fit", interrupted)
    code, _, err = _run(capsys, ["fit"])
    assert code == 130 and err.strip() == "bayesreg fit: interrupted"


# -- the linear model's noise sd σ ---------------------------------------------------------------------------

@pytest.fixture()
def linear_csv(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2))
    y = X @ [2.0, -1.0] + 1.0 + 3.0 * rng.normal(size=60)
    path = tmp_path / "lin.csv"
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": y}).to_csv(path, index=False)
    return path, X, y


def test_linear_fit_estimates_sigma_and_says_so(linear_csv, capsys):
    from bayesreg import Jeffreys, Laplace, LinearRegression

    path, X, y = linear_csv
    code, out, _ = _run(capsys, ["fit", str(path), "--target", "y", "--likelihood", "linear", "--prior", "gaussian"])
    assert code == 0
    ref = LinearRegression().fit(X, y)  # the library's default: σ estimated, Exponential(1/sd(y))
    assert f"σ estimated (MAP σ = {ref.noise_sd_:.4g}), prior Exponential(rate {1 / np.std(y):.3g} = 1/sd(y))" in out
    line = next(l for l in out.splitlines() if l.startswith("sigma (noise sd)"))
    assert float(line.split()[-1]) == pytest.approx(ref.noise_sd_, rel=1e-4)
    code, out, _ = _run(capsys, ["fit", str(path), "--target", "y", "--likelihood", "linear", "--noise-sd", "1"])
    assert code == 0 and "σ fixed at 1" in out and "sigma (noise sd)" not in out
    code, out, _ = _run(capsys, ["fit", str(path), "--target", "y", "--likelihood", "linear", "--prior", "laplace",
                                 "--lam", "0.5", "--noise-scaled", "--noise-prior", "jeffreys"])
    ref = LinearRegression(prior=Laplace(0.5, noise_scaled=True), noise_prior=Jeffreys()).fit(X, y)
    assert code == 0 and "scale multiplied by σ" in out and "Jeffreys" in out
    assert f"MAP σ = {ref.noise_sd_:.4g}" in out
    code, out, _ = _run(capsys, ["fit", str(path), "--target", "y", "--likelihood", "linear", "--noise-prior",
                                 "exponential", "--noise-scale", "4"])
    assert code == 0 and "Exponential(rate 0.25)" in out


@pytest.mark.parametrize("argv, fragment", [
    (["--likelihood", "linear", "--noise-sd", "1", "--noise-prior", "jeffreys"], "--noise-sd fixes σ"),
    (["--likelihood", "linear", "--noise-scale", "2"], "--noise-scale needs --noise-prior"),
    (["--likelihood", "linear", "--noise-prior", "jeffreys", "--noise-scale", "2"], "no scale"),
    (["--likelihood", "linear", "--noise-prior", "halfnormal", "--noise-scale", "0"], "--noise-scale must be > 0"),
    (["--likelihood", "linear", "--noise-sd", "-1"], "--noise-sd must be > 0"),
    (["--likelihood", "linear", "--prior", "elasticnet", "--noise-scaled"], "--noise-scaled applies"),
    (["--noise-scaled", "--prior", "laplace"], "--likelihood linear only"),
    (["--noise-sd", "2"], "--likelihood linear only"),
])
def test_bad_noise_options_are_one_line(linear_csv, capsys, argv, fragment):
    path, _, _ = linear_csv
    code, _, err = _run(capsys, ["fit", str(path), "--target", "y", *argv])
    assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1


def test_linear_sweep_prints_sigma_per_lambda(linear_csv, tmp_path, capsys):
    path, X, y = linear_csv
    code, out, _ = _run(capsys, ["sweep", str(path), "--target", "y", "--likelihood", "linear", "--prior", "gaussian",
                                 "--lams", "0.1:10:3", "--no-full-bayes", "--cv-folds", "2", "--out",
                                 str(tmp_path / "sw")])
    assert code == 0 and "noise: σ estimated, prior Exponential" in out and "MAP σ" in out
