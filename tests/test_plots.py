"""Plots draw what they are given: artists exist and sit at the values of the inputs (headless)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import arviz as az  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

import bayesreg  # noqa: E402
from bayesreg.compare import compare  # noqa: E402
from bayesreg.datasets import make_lecture_wide  # noqa: E402
from bayesreg.plots import plot_cost_history, plot_densities, plot_forest  # noqa: E402
from bayesreg.validation import ArgumentTypeError  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted():
    data = make_lecture_wide(n_samples=40, n_features=6, seed=3)
    est = bayesreg.LogisticRegression(prior=bayesreg.Laplace(2.0)).fit(data.X, data.y)
    rng = np.random.default_rng(7)
    coef = est.coef_ + 0.05 + 0.2 * rng.standard_normal((2, 150, 6))
    b = est.intercept_ + 0.1 * rng.standard_normal((2, 150))
    tree = az.from_dict({"posterior": {"coef": coef, "intercept": b}}, coords={"feature": est.feature_names()},
                        dims={"coef": ["feature"]})
    lap = az.from_dict({"posterior": {"coef": coef[:1] * 0.9, "intercept": b[:1]}},
                       coords={"feature": est.feature_names()}, dims={"coef": ["feature"]},
                       attrs={"posterior": {"sampler": "laplace"}})
    return data, est, tree, lap, coef, b


def _by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def _row_y(ax):
    """{tick label: y} of the forest plot's rows."""
    return {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks())}


# -- forest ---------------------------------------------------------------------------

def test_forest_single_posterior(fitted):
    data, est, tree, lap, coef, b = fitted
    table = compare(est, tree, true_coef=data.coef, true_intercept=data.intercept)
    fig, ax = plt.subplots()
    out = plot_forest(table, ax=ax)
    assert out is ax
    rows = _row_y(ax)
    assert list(rows) == list(table.index)
    # one HDI bar per row, spanning exactly [hdi_low, hdi_high] at the row's height
    (bars,) = _by_gid(ax, "hdi")
    segs = bars.get_segments()
    assert len(segs) == len(table)
    for (x0, y0), (x1, y1) in segs:
        name = next(k for k, v in rows.items() if v == y0)
        assert y0 == y1
        assert (x0, x1) == (table.loc[name, "hdi_low"], table.loc[name, "hdi_high"])
    (means,) = _by_gid(ax, "mean")
    np.testing.assert_array_equal(means.get_xdata(), table["mean"])
    # MAP markers: nonzero MAPs as ×, exact zeros distinct, each at its row
    (map_line,) = _by_gid(ax, "map")
    (zero_line,) = _by_gid(ax, "map_zero")
    nz = table[~table["map_is_zero"]]
    z = table[table["map_is_zero"]]
    assert len(z) >= 1
    np.testing.assert_array_equal(map_line.get_xdata(), nz["map"])
    np.testing.assert_array_equal(map_line.get_ydata(), [rows[r] for r in nz.index])
    np.testing.assert_array_equal(zero_line.get_xdata(), np.zeros(len(z)))
    np.testing.assert_array_equal(zero_line.get_ydata(), [rows[r] for r in z.index])
    assert zero_line.get_marker() != map_line.get_marker()
    (true_line,) = _by_gid(ax, "true")
    np.testing.assert_array_equal(true_line.get_xdata(), table["true"])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "MAP" in labels and "MAP = 0 exactly" in labels and "true value" in labels
    assert "94% HDI" in ax.get_title()


def test_forest_without_truth_makes_its_own_axes(fitted):
    data, est, tree, lap, coef, b = fitted
    table = compare(est, tree)
    ax = plot_forest(table)
    assert ax.figure is not None
    assert _by_gid(ax, "true") == []
    assert len(_by_gid(ax, "hdi")[0].get_segments()) == len(table)


def test_forest_show_true_is_a_bool(fitted):
    data, est, tree, lap, coef, b = fitted
    table = compare(est, tree, true_coef=data.coef, true_intercept=data.intercept)
    assert len(_by_gid(plot_forest(table, show_true=np.bool_(True)), "true")) == 1
    assert _by_gid(plot_forest(table, show_true=np.bool_(False)), "true") == []
    with pytest.raises(ArgumentTypeError, match="show_true.*'no'"):
        plot_forest(table, show_true="no")


def test_forest_several_posteriors_side_by_side(fitted):
    data, est, tree, lap, coef, b = fitted
    table = compare(est, {"NUTS": tree, "Laplace": lap})
    ax = plot_forest(table)
    bars = _by_gid(ax, "hdi")
    assert len(bars) == 2
    for bar, label in zip(bars, ["NUTS", "Laplace"]):
        segs = bar.get_segments()
        assert len(segs) == len(table)
        np.testing.assert_array_equal([s[0][0] for s in segs], table[(label, "hdi_low")])
        np.testing.assert_array_equal([s[1][0] for s in segs], table[(label, "hdi_high")])
    # offset vertically so they do not overlap
    y_nuts = [s[0][1] for s in bars[0].get_segments()]
    y_lap = [s[0][1] for s in bars[1].get_segments()]
    assert all(a != c for a, c in zip(y_nuts, y_lap))
    means = _by_gid(ax, "mean")
    np.testing.assert_array_equal(means[1].get_xdata(), table[("Laplace", "mean")])
    (map_line,) = _by_gid(ax, "map")  # one shared MAP
    np.testing.assert_array_equal(map_line.get_xdata(), table.loc[~table["map_is_zero"], "map"])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("NUTS" in t for t in labels) and any("Laplace" in t for t in labels)


def _display_xy(line):
    return line.axes.transData.transform(np.column_stack([line.get_xdata(), line.get_ydata()]))


def _overlap(a, b):
    """Area shared by two display-space Bboxes."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0.0) * max(h, 0.0)


def test_forest_many_rows_capped_height_distinct_markers_legend_outside():
    # the lecture's shape: 50 weights + intercept = 51 rows, most MAPs exactly 0 and most true values 0
    data = make_lecture_wide(n_samples=60, n_features=50, seed=0)
    est = bayesreg.LogisticRegression(prior=bayesreg.Laplace(2.0)).fit(data.X, data.y)
    rng = np.random.default_rng(1)
    tree = az.from_dict({"posterior": {"coef": est.coef_ + 0.3 * rng.standard_normal((1, 100, 50)),
                                       "intercept": est.intercept_ + 0.3 * rng.standard_normal((1, 100))}},
                        coords={"feature": est.feature_names()}, dims={"coef": ["feature"]})
    truth = np.where(est.coef_ == 0, 0.0, est.coef_)  # the truth equals the MAP on every row
    table = compare(est, tree, true_coef=truth, true_intercept=est.intercept_)
    assert len(table) == 51 and table["map_is_zero"].sum() > 10
    ax = plot_forest(table)
    fig = ax.figure
    assert fig.get_figheight() <= 14.0  # was 1 + 0.45·51 ≈ 24 in (2,121 px at the CLI's 110 dpi…)
    fig.canvas.draw()
    # every row's MAP marker (× or ◇) and its true-value star sit at different display points,
    # more than half a marker apart, though their data x are equal
    (true_line,) = _by_gid(ax, "true")
    t_xy = _display_xy(true_line)
    for gid in ("map", "map_zero"):
        (line,) = _by_gid(ax, gid)
        m_xy = _display_xy(line)
        rows = [list(table.index).index(r) for r in table.index[(table["map_is_zero"] == (gid == "map_zero"))]]
        np.testing.assert_array_equal(line.get_xdata(), true_line.get_xdata()[rows])  # equal values…
        dist = np.hypot(*(m_xy - t_xy[rows]).T)
        px_per_pt = fig.dpi / 72.0
        assert dist.min() > 0.5 * line.get_markersize() * px_per_pt  # …distinct positions
        assert true_line.get_zorder() < line.get_zorder()              # the star is behind the MAP
    # a star stays within its own row: closer to its row than to the next one
    row_y = _row_y(ax)
    offsets = true_line.get_ydata() - np.array([row_y[r] for r in table.index])
    assert np.all(np.abs(offsets) < 0.5) and np.all(offsets != 0)
    # the legend does not cover the data area
    legend_box = ax.get_legend().get_window_extent()
    assert _overlap(legend_box, ax.get_window_extent()) == 0.0


def test_forest_few_rows_keep_full_size_markers(fitted):
    data, est, tree, lap, coef, b = fitted
    ax = plot_forest(compare(est, tree, true_coef=data.coef, true_intercept=data.intercept))
    assert ax.figure.get_figheight() == pytest.approx(1.5 + 0.45 * 7)
    (line,) = _by_gid(ax, "map") or _by_gid(ax, "map_zero")
    assert line.get_markersize() >= 7


def test_forest_rejects_other_input(fitted):
    with pytest.raises(ArgumentTypeError, match="table.*ndarray"):  # a TypeError that is still a ValueError
        plot_forest(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="table"):
        plot_forest(pd.DataFrame({"map": [1.0]}))


# -- densities ------------------------------------------------------------------------

def test_densities_map_line_prior_and_title(fitted):
    data, est, tree, lap, coef, b = fitted
    feats = ["x0", "x3", "intercept"]
    axes = plot_densities(est, tree, features=feats)
    assert len(axes) == 3
    ref_prior = stats.laplace(scale=1 / 2.0)  # Laplace(λ=2) is scipy's laplace with scale 1/λ
    for ax, name in zip(axes, feats):
        m = est.intercept_ if name == "intercept" else est.coef_[est.feature_names().index(name)]
        (vline,) = _by_gid(ax, "map")
        assert np.all(np.asarray(vline.get_xdata()) == m)
        patches = _by_gid(ax, "posterior")
        assert len(patches) >= 1
        if name == "intercept":  # flat intercept prior: improper, no curve
            assert _by_gid(ax, "prior") == []
            assert "Flat" in ax.get_title()
        else:
            (prior_line,) = _by_gid(ax, "prior")
            x, y = prior_line.get_data()
            np.testing.assert_allclose(y, ref_prior.pdf(x), rtol=1e-12)
            assert "λ=2" in ax.get_title() and "prior sd 0.707" in ax.get_title()
    # the histogram is a density over the draws: its area is one
    counts, edges = np.histogram(coef[:, :, 0].ravel(), bins=40, density=True)
    assert np.sum(counts * np.diff(edges)) == pytest.approx(1.0)


def test_densities_default_features_and_given_axes(fitted):
    data, est, tree, lap, coef, b = fitted
    fig, grid = plt.subplots(2, 3)
    axes = plot_densities(est, tree, features=None, axes=grid)
    assert list(axes) == list(grid.ravel())
    assert [ax.get_xlabel() for ax in axes] == est.feature_names()
    fig1, ax1 = plt.subplots()
    (only,) = plot_densities(est, {"NUTS": tree, "Laplace": lap}, features="x1", axes=ax1)
    assert only is ax1
    assert len({p.get_facecolor() for p in _by_gid(ax1, "posterior")}) == 2  # one histogram per posterior


def test_densities_auto_picks_the_map_outside_its_hdi(fitted):
    data, est, tree, lap, coef, b = fitted
    moved = coef.copy()
    moved[:, :, 3] += 1.5          # x3's posterior moves away: its MAP falls outside the HDI
    moved[:, :, 5] += 0.25         # x5's moves a little (MAP inside, but off-centre)
    tree2 = az.from_dict({"posterior": {"coef": moved, "intercept": b + 5.0}},  # intercept: never auto
                         coords={"feature": est.feature_names()}, dims={"coef": ["feature"]})
    d = moved.reshape(-1, 6)
    low, high = az.hdi(d[:, 3], prob=0.94)
    assert not low <= est.coef_[3] <= high                                  # the constructed case holds
    assert all(az.hdi(d[:, j], prob=0.94)[0] <= est.coef_[j] <= az.hdi(d[:, j], prob=0.94)[1] for j in (0, 5))
    axes = plot_densities(est, tree2)  # default "auto"
    picked = [ax.get_xlabel() for ax in axes]
    assert picked[0] == "x3"
    assert picked[1] == "x5"  # the next largest |MAP − mean| / sd
    assert "intercept" not in picked and sorted(picked) == sorted(est.feature_names())
    (first,) = plot_densities(est, tree2, features="auto", max_auto=1, axes=plt.subplots()[1])
    assert first.get_xlabel() == "x3"


def test_compare_cli_features_option(capsys, monkeypatch):
    import bayesreg.cli.common as common
    from bayesreg.cli import main

    def no_work(*a, **k):
        raise AssertionError("fitted before --features was checked")

    monkeypatch.setattr(common.LogisticRegression, "fit", no_work)
    code = main(["compare", "--features", "x1,nope"])
    err = capsys.readouterr().err
    assert code == 2 and "--features" in err and "nope" in err


def test_densities_gaussian_prior_width_follows_lambda():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] + rng.normal(size=30) > 0).astype(int)
    peaks = []
    for lam in (1.0, 16.0):
        est = bayesreg.LogisticRegression(prior=bayesreg.Gaussian(lam)).fit(X, y)
        tree = az.from_dict({"posterior": {"coef": est.coef_ + 0.1 * rng.standard_normal((1, 50, 2)),
                                           "intercept": 0.1 * rng.standard_normal((1, 50))}},
                            coords={"feature": est.feature_names()}, dims={"coef": ["feature"]})
        (ax,) = plot_densities(est, tree, features=["x1"])
        x, dens = _by_gid(ax, "prior")[0].get_data()
        np.testing.assert_allclose(dens, stats.norm(scale=1 / np.sqrt(lam)).pdf(x), rtol=1e-12)
        assert f"prior sd {1 / np.sqrt(lam):.3g}" in ax.get_title()
        peaks.append(dens.max())
    assert peaks[1] > peaks[0]  # more precision, narrower and taller prior


def test_densities_bad_input(fitted):
    data, est, tree, lap, coef, b = fitted
    with pytest.raises(ValueError, match="features"):
        plot_densities(est, tree, features=["nope"])
    with pytest.raises(ValueError, match="axes"):
        plot_densities(est, tree, features=["x0", "x1"], axes=plt.subplots()[1])
    with pytest.raises(ValueError, match="posterior"):
        plot_densities(est, az.from_dict({"posterior": {"w": coef}}))
    with pytest.raises(ValueError, match="bins must be an integer >= 1, got 0") as info:
        plot_densities(est, tree, features=["x0"], bins=0)
    assert not isinstance(info.value, TypeError)
    for bad in (2.5, "40", True, None):
        with pytest.raises(ArgumentTypeError, match="bins") as info:
            plot_densities(est, tree, features=["x0"], bins=bad)
        assert repr(bad) in str(info.value)


def test_densities_numpy_bins(fitted):
    data, est, tree, lap, coef, b = fitted
    (a,) = plot_densities(est, tree, features=["x0"], bins=np.int64(7))
    (c,) = plot_densities(est, tree, features=["x0"], bins=7)
    np.testing.assert_array_equal(_by_gid(a, "posterior")[0].get_path().vertices,
                                  _by_gid(c, "posterior")[0].get_path().vertices)


# -- cost history ---------------------------------------------------------------------

def test_cost_history(fitted):
    data, est, tree, lap, coef, b = fitted
    res = est.map_
    fig, ax = plt.subplots()
    out = plot_cost_history(res, ax=ax)
    assert out is ax
    (line,) = _by_gid(ax, "objective")
    np.testing.assert_array_equal(line.get_ydata(), res.history.objective)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(len(res.history.objective)))
    (twin,) = [a for a in fig.axes if a is not ax]
    assert twin.get_yscale() == "log"
    (opt,) = _by_gid(twin, "optimality")
    h = np.asarray(res.history.optimality)
    np.testing.assert_array_equal(opt.get_ydata(), h[h > 0])
    (tol,) = _by_gid(twin, "tol")
    assert tol.get_ydata()[0] == res.tol
    assert ("converged" in ax.get_title()) and res.solver in ax.get_title()


def test_cost_history_per_observation(fitted):
    data, est, tree, lap, coef, b = fitted
    ax = plot_cost_history(est.map_, per_observation_n=40)
    (line,) = _by_gid(ax, "objective")
    np.testing.assert_allclose(line.get_ydata(), np.asarray(est.map_.history.objective) / 40)
    assert "mean" in ax.get_ylabel()


def test_cost_history_bad_input(fitted):
    data, est, tree, lap, coef, b = fitted
    from bayesreg.solvers import History, MapResult

    empty = MapResult(coef=np.zeros(2), intercept=0.0, objective=0.0, converged=True, n_iter=0, n_grad=0,
                      optimality=0.0, solver="fista", tol=1e-6, history=History())
    with pytest.raises(ValueError, match="empty"):
        plot_cost_history(empty)
    with pytest.raises(ArgumentTypeError, match="map_result.*object"):
        plot_cost_history(object())
    with pytest.raises(ValueError, match="per_observation_n must be an integer >= 1 or None, got 0") as info:
        plot_cost_history(est.map_, per_observation_n=0)
    assert not isinstance(info.value, TypeError)
    for bad in (40.0, "40", True):
        with pytest.raises(ArgumentTypeError, match="per_observation_n") as info:
            plot_cost_history(est.map_, per_observation_n=bad)
        assert repr(bad) in str(info.value)


def test_cost_history_numpy_per_observation_n(fitted):
    data, est, tree, lap, coef, b = fitted
    ax = plot_cost_history(est.map_, per_observation_n=np.int64(40))
    (line,) = _by_gid(ax, "objective")
    np.testing.assert_allclose(line.get_ydata(), np.asarray(est.map_.history.objective) / 40)
    assert "N = 40" in line.get_label()
