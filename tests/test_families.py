"""compare_priors: the same data under several prior families, against closed forms and scikit-learn."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.linear_model import Lasso

import bayesreg as br
from bayesreg.cli import main
from bayesreg.cli.compare_priors import parse_prior_spec
from bayesreg.plots import plot_prior_families
from bayesreg.sensitivity.families import FAMILY_COLUMNS, prior_label

N, D = 60, 3


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((N, D))
    w = np.array([1.5, 0.0, -0.7])
    y = X @ w + 0.4 + rng.standard_normal(N)
    return X, y, w


@pytest.fixture(scope="module")
def result(data):
    X, y, w = data
    est = br.LinearRegression(noise_sd=1.0, tol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return br.compare_priors(est, X, y, {"ridge": br.Gaussian(2.0), "lasso": br.Laplace(12.0)},
                                 draws=2000, chains=2, random_seed=5, sampler="laplace-is", true_coef=w,
                                 true_intercept=0.4)


def test_gaussian_prior_column_is_the_exact_conjugate_posterior(data, result):
    """Normal likelihood (σ = 1) + Gaussian prior + flat intercept: the posterior is N(m, Σ) in closed form."""
    X, y, _ = data
    A = np.column_stack([X, np.ones(N)])
    Sigma = np.linalg.inv(A.T @ A + np.diag([2.0] * D + [0.0]))
    m = Sigma @ A.T @ y
    sd = np.sqrt(np.diag(Sigma))
    block = result.table["ridge"]
    np.testing.assert_allclose(block["map"], m, rtol=1e-7, atol=1e-9)  # the MAP is the posterior mode = mean
    mc = 4 * sd / np.sqrt(2 * 2000 * 0.5)  # a generous Monte Carlo band (ESS ≥ half the draws)
    np.testing.assert_array_less(np.abs(block["mean"] - m), mc)
    np.testing.assert_array_less(np.abs(block["median"] - m), 1.3 * mc)
    z = stats.norm.ppf(0.5 + 0.94 / 2)
    np.testing.assert_allclose(block["hdi_high"] - block["hdi_low"], 2 * z * sd, rtol=0.12)


def test_laplace_prior_map_is_the_lasso(data, result):
    """U = ½‖y − Xw − b‖² + λ‖w‖₁ is scikit-learn's Lasso with alpha = λ/N (and the same exact zeros)."""
    X, y, _ = data
    lasso = Lasso(alpha=12.0 / N, tol=1e-12, max_iter=100_000).fit(X, y)
    block = result.table["lasso"]
    np.testing.assert_allclose(block["map"].iloc[:D], lasso.coef_, atol=1e-6)
    assert block["map"].iloc[D] == pytest.approx(lasso.intercept_, abs=1e-6)
    np.testing.assert_array_equal(block["map_is_zero"].iloc[:D].astype(bool), lasso.coef_ == 0)
    assert (lasso.coef_ == 0).any()  # the data make the point: an exact zero in the MAP
    zero = np.flatnonzero(lasso.coef_ == 0)[0]
    assert block["hdi_low"].iloc[zero] < 0 < block["hdi_high"].iloc[zero]
    assert block["mean"].iloc[zero] != 0.0  # the posterior has no point mass at 0


def test_table_layout_and_metadata(data, result):
    table = result.table
    assert list(table.index) == ["x0", "x1", "x2", "intercept"]
    assert table.attrs["labels"] == ["ridge", "lasso"] == result.labels
    assert list(table["ridge"].columns) == list(FAMILY_COLUMNS)
    np.testing.assert_array_equal(table[("true", "")].iloc[:D], data[2])
    for label in ("ridge", "lasso"):
        meta = table.attrs["priors"][label]
        assert meta["sampler"] == "laplace-is" and meta["divergences"] == 0
        assert "fitted" in meta["map"]
        assert result.estimators[label].prior_ == {"ridge": br.Gaussian(2.0), "lasso": br.Laplace(12.0)}[label]
    assert "λ = 12" in table.attrs["priors"]["lasso"]["prior"]


def test_the_template_is_not_modified(data):
    X, y, _ = data
    est = br.LinearRegression(noise_sd=1.0, prior=br.Gaussian(1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        br.compare_priors(est, X, y, [br.Gaussian(4.0)], draws=200, chains=1, random_seed=1, sampler="laplace-is")
    assert est.prior == br.Gaussian(1.0) and not hasattr(est, "coef_")


@pytest.mark.parametrize("priors, error", [
    ([], ValueError), (br.Gaussian(1.0), TypeError), (["gaussian"], TypeError),
    ([br.Gaussian(1.0), br.Gaussian(1.0)], ValueError), ({"": br.Gaussian(1.0)}, ValueError),
    ({"true": br.Gaussian(1.0)}, ValueError)])
def test_bad_priors_are_refused_by_name(data, priors, error):
    X, y, _ = data
    with pytest.raises(error, match="prior"):
        br.compare_priors(br.LinearRegression(noise_sd=1.0), X, y, priors, draws=10, chains=1)


def test_labels_name_the_prior_and_its_parameters():
    assert prior_label(br.Laplace(2.0)) == "Laplace(2)"
    assert prior_label(br.ElasticNet(1.0, 0.5)) == "ElasticNet(1, 0.5)"


def test_plot_has_one_interval_set_per_prior_and_the_maps(result):
    import matplotlib.pyplot as plt

    ax = plot_prior_families(result)
    hdis = [c for c in ax.collections if c.get_gid() == "hdi"]
    assert len(hdis) == 2
    zeros = [line for line in ax.lines if line.get_gid() == "map_zero"]
    n_zero = int(result.table["lasso"]["map_is_zero"].sum())
    assert sum(len(line.get_xdata()) for line in zeros) == n_zero
    assert [t.get_text() for t in ax.get_yticklabels()] == list(result.table.index)
    plt.close(ax.figure)
    with pytest.raises(TypeError, match="compare_priors"):
        plot_prior_families(pd.DataFrame({"a": [1]}))


def test_plot_truth_hides_no_map_marker_and_legend_is_outside(result):
    import matplotlib.pyplot as plt

    ax = plot_prior_families(result)
    fig = ax.figure
    fig.canvas.draw()
    (true_line,) = [line for line in ax.lines if line.get_gid() == "true"]
    star = ax.transData.transform(np.column_stack([true_line.get_xdata(), true_line.get_ydata()]))
    markers = [line for line in ax.lines if line.get_gid() in ("map", "map_zero")]
    assert markers
    for line in markers:
        xy = ax.transData.transform(np.column_stack([line.get_xdata(), line.get_ydata()]))
        dist = np.hypot(*(xy[:, None, :] - star[None, :, :]).transpose(2, 0, 1))  # every marker vs every star
        assert dist.min() > 0.5 * line.get_markersize() * fig.dpi / 72  # even where MAP == truth (lasso zeros)
        assert true_line.get_zorder() < line.get_zorder()
    lasso_zero = result.table["lasso"]["map_is_zero"].astype(bool)
    assert (result.table.loc[lasso_zero, ("true", "")] == 0).any()  # the case that used to pile up
    legend, data_area = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.x0 >= data_area.x1 or not legend.overlaps(data_area)
    plt.close(fig)


@pytest.mark.parametrize("spec, expected", [
    ("gaussian:2", br.Gaussian(2.0)), ("Laplace:0.5", br.Laplace(0.5)), ("elastic-net:2,1", br.ElasticNet(2.0, 1.0)),
    ("elasticnet:lam2=3,lam1=1", br.ElasticNet(1.0, 3.0)), ("flat", br.Flat()), ("gaussian", br.Gaussian(1.0)),
    ("studentt:3,0.5", br.StudentT(3.0, 0.5)), ("cauchy:0.16", br.Cauchy(0.16)), ("horseshoe:0.1", br.Horseshoe(0.1)),
    ("laplace:2,noise_scaled=true", br.Laplace(2.0, noise_scaled=True))])
def test_prior_specs(spec, expected):
    assert parse_prior_spec(spec) == expected


@pytest.mark.parametrize("spec, message", [
    ("ridge:1", "unknown prior kind 'ridge'"), ("gaussian:x", "'x' is not a number"),
    ("gaussian:1,2", "at most 1 values"), ("gaussian:-1", "lam must be >= 0"), ("laplace:lam=0", "lam must be > 0")])
def test_bad_prior_specs_exit_2_naming_the_spec(spec, message, tmp_path, capsys):
    assert main(["compare-priors", "--priors", spec, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and repr(spec) in err


def test_cli_writes_the_table_and_the_figure(data, tmp_path, capsys):
    X, y, _ = data
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y)
    frame.to_csv(tmp_path / "d.csv", index=False)
    code = main(["compare-priors", str(tmp_path / "d.csv"), "--target", "y", "--likelihood", "linear",
                 "--noise-sd", "1", "--priors", "gaussian:2", "laplace:12", "--sampler", "laplace-is",
                 "--draws", "300", "--chains", "2", "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert code == 0
    assert "gaussian:2" in out and "laplace:12" in out and "median [94% HDI]" in out
    saved = pd.read_csv(tmp_path / "o" / "prior_families.csv", index_col=0)
    assert list(saved.index) == ["a", "b", "c", "intercept"]
    est = br.LinearRegression(noise_sd=1.0, prior=br.Laplace(12.0)).fit(frame[["a", "b", "c"]], y)
    np.testing.assert_allclose(saved["laplace:12/map"].iloc[:3], est.coef_, atol=1e-5)
    assert (tmp_path / "o" / "prior_families.png").stat().st_size > 10_000
