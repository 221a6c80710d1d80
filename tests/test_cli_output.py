"""What the `bayesreg` command prints for users on real CSVs: the positive class, help texts, messages
named by their flags, compact tables with a legend, quiet Dask, separation and the HDI probability."""

import argparse
import os

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression as SkLogistic

from bayesreg.cli import build_parser, main


def _run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def cancer_csv(tmp_path_factory):
    """Breast cancer, 4 features, the target as text labels 'benign'/'malignant' (as users have it)."""
    bc = load_breast_cancer(as_frame=True)
    frame = bc.data.iloc[:, :4].copy()
    frame.columns = ["radius", "texture", "perimeter", "area"]
    frame["diagnosis"] = np.where(bc.target == 0, "malignant", "benign")
    path = tmp_path_factory.mktemp("cancer") / "cancer.csv"
    frame.to_csv(path, index=False)
    return path


def test_fit_names_the_positive_class(cancer_csv, capsys):
    code, out, _ = _run(capsys, ["fit", str(cancer_csv), "--target", "diagnosis", "--standardize",
                                 "--prior", "gaussian", "--lam", "1"])
    assert code == 0
    frame = pd.read_csv(cancer_csv)
    positive = SkLogistic().fit(frame.drop(columns="diagnosis"), frame["diagnosis"]).classes_[1]  # scikit-learn's rule
    assert positive == "malignant"
    first = out.splitlines()[0]
    assert first.startswith(f"model: P(diagnosis = {positive}) = σ(x·w + b)"), first
    assert "the other class is benign" in first


def test_linear_fit_has_no_class_line(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
    frame["y"] = frame["a"] + rng.normal(size=40)
    frame.to_csv(tmp_path / "lin.csv", index=False)
    code, out, _ = _run(capsys, ["fit", str(tmp_path / "lin.csv"), "--target", "y", "--likelihood", "linear"])
    assert code == 0 and "P(y =" not in out


def test_sweep_names_the_positive_class(cancer_csv, tmp_path, capsys):
    from bayesreg.io import load_sweep  # noqa: F401  (the file must stay loadable)

    code, out, _ = _run(capsys, ["sweep", str(cancer_csv), "--target", "diagnosis", "--standardize", "--lams",
                                 "0.1:10:3", "--no-full-bayes", "--cv-folds", "2", "--out", str(tmp_path)])
    assert code == 0
    assert out.splitlines()[0].startswith("model: P(diagnosis = malignant) = σ(x·w + b)")


# -- 6: help texts, examples, demo names -------------------------------------------------------------

def _subparsers(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_every_option_of_every_subcommand_has_help_and_examples():
    commands = _subparsers(build_parser())
    assert set(commands) == {"fit", "compare", "compare-priors", "sweep", "demo"}
    missing = [f"{name} {'/'.join(a.option_strings) or a.dest}" for name, p in commands.items() for a in p._actions
               if not isinstance(a, argparse._HelpAction) and not a.help]
    assert missing == []
    for name, p in commands.items():
        assert p.epilog and p.epilog.count(f"bayesreg {name}") >= 2, name  # two or three real examples
        assert p.formatter_class is argparse.RawDescriptionHelpFormatter, name
        text = p.format_help()
        assert "``" not in text, name  # no RST markup
        assert f"  bayesreg {name}" in text  # the examples keep their line breaks


@pytest.mark.parametrize("name, expected", [
    ("penalty", ["01_penalty_derivatives"]), ("01", ["01_penalty_derivatives"]),
    ("prior-contours", ["02_prior_contours"]), ("06_map_vs_posterior", ["06_map_vs_posterior"]),
    ("lasso", ["09_bayesian_lasso"]), ("zzz", [])])
def test_demo_name_matches_a_word_of_the_example(name, expected):
    from bayesreg.cli.demo import _list_examples, match_example

    assert match_example(name, list(_list_examples())) == expected


def test_demo_ambiguous_name_lists_the_matches(capsys):
    code, _, err = _run(capsys, ["demo", "prior"])  # 02_prior_contours, 07_prior_sensitivity, 08_prior_families
    assert code == 2
    assert "ambiguous" in err and "02_prior_contours" in err and "08_prior_families" in err


# -- 7: messages name the flags ----------------------------------------------------------------------

@pytest.mark.parametrize("library, cli", [
    ("Raise max_iter, or try solver='newton' for few features.", "Raise --max-iter, or try --solver newton"),
    ("lam must be > 0 for a proper prior, got -1.0; use Flat() for no prior", "--lam must be > 0"),
    ("lam must be > 0 for a proper prior, got -1.0; use Flat() for no prior", "use --prior flat for no prior"),
    ("noise_sd must be finite and > 0, got 0", "--noise-sd must be finite and > 0"),
    ("a proper prior such as Gaussian(lam) or Laplace(lam) gives", "--prior gaussian or --prior laplace with --lam"),
])
def test_library_messages_name_the_flags(library, cli):
    from bayesreg.cli.common import flag_message

    assert cli in flag_message(library)
    assert flag_message("--lam 2 and --max-iter 5 and lambda") == "--lam 2 and --max-iter 5 and lambda"  # no double
    assert flag_message("prior=Laplace(lam=2.0)") == "prior=Laplace(lam=2.0)"  # a repr stays a repr


def test_non_convergence_warning_names_the_flags(cancer_csv, capsys):
    code, out, _ = _run(capsys, ["fit", str(cancer_csv), "--target", "diagnosis", "--max-iter", "2"])
    assert code == 0 and "NOT CONVERGED" in out
    warning = [line for line in out.splitlines() if line.startswith("warning:")]
    assert warning and "--max-iter" in " ".join(warning) and "max_iter" not in " ".join(warning)


@pytest.fixture(scope="module")
def diabetes_csv(tmp_path_factory):
    from sklearn.datasets import load_diabetes

    d = load_diabetes(as_frame=True, scaled=False)
    frame = d.data.iloc[:, :4].copy()
    frame["progression"] = d.target
    path = tmp_path_factory.mktemp("diabetes") / "diabetes.csv"
    frame.to_csv(path, index=False)
    return path


def test_continuous_target_under_logistic_suggests_linear(diabetes_csv, capsys):
    code, _, err = _run(capsys, ["fit", str(diabetes_csv), "--target", "progression"])
    assert code == 2 and len(err.strip().splitlines()) == 1
    y = pd.read_csv(diabetes_csv)["progression"]
    assert f"holds {y.nunique()} distinct values" in err and "'progression'" in err
    assert "--likelihood linear" in err


def test_yes_no_target_under_linear_suggests_logistic(cancer_csv, capsys):
    code, _, err = _run(capsys, ["fit", str(cancer_csv), "--target", "diagnosis", "--likelihood", "linear"])
    assert code == 2 and "'diagnosis'" in err and "--likelihood logistic" in err and "benign / malignant" in err


def test_standardized_laplace_states_its_own_lambda_and_intercept_is_b(cancer_csv, capsys):
    import bayesreg as br

    code, out, _ = _run(capsys, ["fit", str(cancer_csv), "--target", "diagnosis", "--standardize", "--prior",
                                 "laplace", "--lam", "1"])
    assert code == 0
    assert "precision" not in out.split("prior on weights")[0]  # λ of a Laplace is a rate
    assert br.Laplace(1.0).strength_meaning() in out
    intercept = next(line for line in out.splitlines() if line.startswith("prior on intercept"))
    assert "p(b)" in intercept and "p(w)" not in intercept


# -- 8, 12: compact compare table, legend, k̂ and ESS_IS, --hdi-prob ------------------------------------

@pytest.fixture(scope="module")
def cancer_compare(cancer_csv, tmp_path_factory):
    """One compare run (laplace-is forced: no compile) with --hdi-prob 0.8; its stdout and output folder."""
    out_dir = tmp_path_factory.mktemp("cmp")
    capture = __import__("io").StringIO()
    from contextlib import redirect_stdout

    with redirect_stdout(capture):
        code = main(["compare", str(cancer_csv), "--target", "diagnosis", "--standardize", "--prior", "gaussian",
                     "--lam", "1", "--sampler", "laplace-is", "--draws", "500", "--chains", "2",
                     "--hdi-prob", "0.8", "--out", str(out_dir)])
    assert code == 0
    return capture.getvalue(), out_dir


def _table_lines(out):
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["map", "mean"])
    end = lines.index("legend:")
    stop = next((i for i in range(end, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end], lines[end:stop]


def test_compare_table_fits_80_columns_with_a_legend(cancer_compare):
    out, folder = cancer_compare
    table, legend = _table_lines(out)
    assert max(len(line) for line in table) <= 80
    assert table[0].split() == ["map", "mean", "hdi_low", "hdi_high", "p_near_zero", "r_hat"]
    saved = pd.read_csv(folder / "comparison.csv", index_col=0)
    assert {"median", "sd", "ess_bulk"} <= set(saved.columns)  # the file keeps every column
    text = " ".join(legend)
    assert "80% highest-density interval" in text
    import arviz as az

    assert f"{az.rcParams['stats.ci_prob']:.0%} equal-tailed" in text  # ArviZ's own default, read from ArviZ
    assert "eps = 0.1 (eps = 0.1 × prior sd)" in text  # Gaussian λ = 1: prior sd 1
    assert "k̂ and ESS_IS" in text
    assert all(len(line) <= 80 for line in legend)


def test_forced_laplace_is_prints_khat_and_importance_ess(cancer_compare):
    from bayesreg import load_results

    out, folder = cancer_compare
    attrs = load_results(folder / "results.nc").posterior["posterior"].attrs
    assert f"Pareto k̂ = {float(attrs['pareto_k']):.3g}" in out
    assert f"ESS_IS = {float(attrs['ess_importance']):.0f}" in out


def test_hdi_prob_reaches_the_table(cancer_compare):
    from bayesreg import load_results

    _, folder = cancer_compare
    saved = pd.read_csv(folder / "comparison.csv", index_col=0)
    coef = load_results(folder / "results.nc").posterior["posterior"]["coef"].values.reshape(-1, 4)
    for j, name in enumerate(["radius", "texture", "perimeter", "area"]):
        # a reference 80% HDI of the same draws: the narrowest window holding at least 80% of them
        x = np.sort(coef[:, j])
        k = int(np.ceil(0.8 * len(x)))
        i = int(np.argmin(x[k - 1:] - x[: len(x) - k + 1]))
        low, high = x[i], x[i + k - 1]
        np.testing.assert_allclose(saved.loc[name, ["hdi_low", "hdi_high"]], [low, high], rtol=1e-6, atol=1e-9)


def test_wide_prints_every_column(cancer_csv, tmp_path, capsys):
    code, out, _ = _run(capsys, ["compare", str(cancer_csv), "--target", "diagnosis", "--standardize", "--prior",
                                 "gaussian", "--sampler", "laplace-is", "--draws", "200", "--chains", "2", "--wide",
                                 "--out", str(tmp_path)])
    assert code == 0
    header = next(line for line in out.splitlines() if line.split()[:1] == ["map"])
    assert {"median", "sd", "p_positive", "map_in_hdi", "ess_bulk"} <= set(header.split())
    assert "--wide       shows every column" not in out


def test_sweep_legend_and_lambda_eb_off_the_grid(tmp_path, capsys):
    code, out, _ = _run(capsys, ["sweep", "--prior", "gaussian", "--lams", "0.1:10:3", "--no-full-bayes",
                                 "--cv-folds", "2", "--out", str(tmp_path)])
    assert code == 0
    assert "CV loss      held-out negative log-likelihood per row" in out
    eb_line = next(line for line in out.splitlines() if "empirical Bayes (max evidence)" in line)
    lam_eb = float(eb_line.split("λ =")[1].split()[0])
    grid = np.geomspace(0.1, 10, 3)
    expected = "outside the --lams grid" if not grid.min() <= lam_eb <= grid.max() else "between grid points"
    assert ("continuous optimum" in eb_line) == (not np.isclose(grid, lam_eb, rtol=1e-3).any())
    assert expected in eb_line


# -- 9: quiet Dask -------------------------------------------------------------------------------------

def test_quiet_dask_raises_every_dask_logger(monkeypatch):
    import logging

    from bayesreg.cli.daskrun import quiet_dask

    import distributed  # noqa: F401

    monkeypatch.delenv("DASK_LOGGING__DISTRIBUTED", raising=False)
    names = ("distributed", "distributed.scheduler", "distributed.nanny", "distributed.batched", "tornado")
    before = {n: logging.getLogger(n).level for n in names}
    logging.getLogger("distributed.scheduler").setLevel(logging.INFO)  # as Dask's own config leaves it
    try:
        quiet_dask()
        for name in names:
            assert not logging.getLogger(name).isEnabledFor(logging.WARNING), name
        assert os.environ["DASK_LOGGING__DISTRIBUTED"] == "error"  # for the worker processes
    finally:
        for n, level in before.items():
            logging.getLogger(n).setLevel(level)


def test_dashboard_needs_the_local_scheduler(capsys):
    code, _, err = _run(capsys, ["sweep", "--posterior", "--dashboard"])
    assert code == 2 and "--dashboard applies to --scheduler local" in err


@pytest.mark.slow
def test_local_dask_posterior_sweep_is_quiet(tmp_path):
    """A real run in a fresh process (the workers are processes too): no Dask INFO, no shutdown traceback."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    run = subprocess.run([sys.executable, "-m", "bayesreg.cli", "sweep", "--posterior", "--scheduler", "local",
                          "--prior", "gaussian", "--lams", "0.5:2:2", "--draws", "100", "--tune", "100", "--chains",
                          "1", "--no-full-bayes", "--cv-folds", "2", "--out", str(tmp_path)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    both = run.stdout + run.stderr
    for noise in ("INFO", "Traceback", "CommClosedError", "still alive", "8787"):
        assert noise not in both, noise
    assert "dask LocalCluster" in run.stdout and (tmp_path / "sweep.nc").exists()


# -- 10: separation ------------------------------------------------------------------------------------

def _separable_by_sklearn(X, y) -> bool:
    """An independent check: a nearly unpenalized scikit-learn fit classifies every training row correctly."""
    from sklearn.preprocessing import StandardScaler

    Xs = StandardScaler().fit_transform(X)
    return SkLogistic(C=1e8, max_iter=100_000, tol=1e-10).fit(Xs, y).score(Xs, y) == 1.0


def test_fit_explains_separation_on_the_lecture_data(capsys):
    from bayesreg import datasets

    data = datasets.make_lecture_wide(seed=0)
    assert _separable_by_sklearn(data.X, data.y)
    code, out, _ = _run(capsys, ["fit"])
    assert code == 0
    lines = [line for line in out.splitlines() if "separat" in line]
    assert lines and "completely separated" in lines[0] and "infinity" in lines[0]
    assert "MAP (the mode) stays near the origin" in out


def test_no_separation_line_when_the_classes_overlap(cancer_csv, cancer_compare, capsys):
    frame = pd.read_csv(cancer_csv)
    assert not _separable_by_sklearn(frame.drop(columns="diagnosis"), frame["diagnosis"])
    code, out, _ = _run(capsys, ["fit", str(cancer_csv), "--target", "diagnosis", "--standardize"])
    assert code == 0 and "separat" not in out
    assert "separat" not in cancer_compare[0]


def test_compare_explains_separation_under_the_table(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)  # separable by construction
    frame = pd.DataFrame(X, columns=["a", "b"]).assign(y=y)
    frame.to_csv(tmp_path / "sep.csv", index=False)
    assert _separable_by_sklearn(X, y)
    code, out, _ = _run(capsys, ["compare", str(tmp_path / "sep.csv"), "--target", "y", "--prior", "gaussian",
                                 "--sampler", "laplace-is", "--draws", "200", "--chains", "2",
                                 "--out", str(tmp_path / "o")])
    assert code == 0
    legend = out.index("legend:")
    assert out.index("completely separated") > legend and out.count("completely separated") == 1


def test_compare_priors_hdi_prob(cancer_csv, tmp_path, capsys):
    code, out, _ = _run(capsys, ["compare-priors", str(cancer_csv), "--target", "diagnosis", "--standardize",
                                 "--priors", "gaussian:1", "laplace:2", "--sampler", "laplace-is", "--draws", "300",
                                 "--chains", "2", "--hdi-prob", "0.5", "--out", str(tmp_path)])
    assert code == 0
    assert "median [50% HDI]" in out and "50% highest-density interval" in out
    saved = pd.read_csv(tmp_path / "prior_families.csv", index_col=0)
    code, _, _ = _run(capsys, ["compare-priors", str(cancer_csv), "--target", "diagnosis", "--standardize",
                               "--priors", "gaussian:1", "laplace:2", "--sampler", "laplace-is", "--draws", "300",
                               "--chains", "2", "--out", str(tmp_path / "default")])
    assert code == 0
    default = pd.read_csv(tmp_path / "default" / "prior_families.csv", index_col=0)
    ratio = ((saved["gaussian:1/hdi_high"] - saved["gaussian:1/hdi_low"])
             / (default["gaussian:1/hdi_high"] - default["gaussian:1/hdi_low"]))
    # same draws (same seed); a near-Gaussian posterior's 50% HDI is 1.349 sd wide, its 94% HDI 3.762 sd
    from scipy.stats import norm

    expected = (norm.ppf(0.75) - norm.ppf(0.25)) / (norm.ppf(0.97) - norm.ppf(0.03))
    np.testing.assert_allclose(ratio.drop("intercept", errors="ignore"), expected, rtol=0.25)


def test_compare_names_the_positive_class_and_records_it(cancer_compare):
    from bayesreg import load_results

    out, folder = cancer_compare
    assert out.splitlines()[0].startswith("model: P(diagnosis = malignant) = σ(x·w + b)")
    settings = load_results(folder / "results.nc").settings
    assert settings["model"].startswith("model: P(diagnosis = malignant)")
