"""Figures of λ sweeps, sensitivity and the choice of λ: they draw exactly the numbers they are given.

The inputs are built by hand (no sampling), in the layout of bayesreg.sensitivity's results.
"""

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bayesreg import plots  # noqa: E402
from bayesreg.validation import ArgumentTypeError  # noqa: E402

LAMS = np.array([8.0, 0.5, 2.0, 32.0])   # not sorted: the plots sort by λ
FEATS = ["a", "b", "c"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _sweep(kind="Laplace", posterior=True):
    rng = np.random.default_rng(0)
    map_coef = np.array([[0.9, 0.0, 0.0], [1.5, -0.8, 0.3], [1.2, -0.4, 0.0], [0.0, 0.0, 0.0]])
    ds = xr.Dataset({"map_coef": (("lam", "feature"), map_coef)}, coords={"lam": LAMS, "feature": FEATS},
                    attrs={"prior_kind": kind, "scale_power": 1.0 if kind == "Laplace" else 0.5,
                           "scale_name": "prior scale 1/λ" if kind == "Laplace" else "prior sd 1/√λ"})
    if posterior:
        mean = map_coef + 0.05 * rng.normal(size=map_coef.shape)
        ds["mean"] = (("lam", "feature"), mean)
        ds["hdi_low"] = ds["mean"] - 0.3
        ds["hdi_high"] = ds["mean"] + 0.4
        ds["p_near_zero"] = (("lam", "feature"), rng.uniform(size=map_coef.shape))
        ds.attrs.update({"prob": 0.94, "eps": 0.05})
    return ds


def _lines(ax, gid):
    return [line for line in ax.get_lines() if line.get_gid() == gid]


def _scale_axis(ax):
    found = [c for c in ax.child_axes if c.get_gid() == "prior_scale_axis"]
    assert len(found) == 1
    return found[0]


def test_coef_path_draws_map_and_posterior_per_feature():
    ds = _sweep()
    ax = plots.plot_coef_path(ds)
    order = np.argsort(LAMS)
    maps, means = _lines(ax, "map_path"), _lines(ax, "mean_path")
    assert len(maps) == len(means) == 3
    for line, name in zip(maps, [l.get_label() for l in maps]):
        np.testing.assert_array_equal(line.get_xdata(), LAMS[order])
        np.testing.assert_array_equal(line.get_ydata(), ds["map_coef"].sel(feature=name).values[order])
    bands = [c for c in ax.collections if c.get_gid() == "hdi_band"]
    assert len(bands) == 3
    # band of the first feature drawn spans [hdi_low, hdi_high]
    name = maps[0].get_label()
    verts = bands[0].get_paths()[0].vertices
    ys = verts[:, 1]
    assert ys.min() == pytest.approx(ds["hdi_low"].sel(feature=name).min())
    assert ys.max() == pytest.approx(ds["hdi_high"].sel(feature=name).max())
    assert ax.get_xscale() == "log"


@pytest.mark.parametrize("kind, power", [("Laplace", 1.0), ("Gaussian", 0.5)])
def test_top_axis_reads_prior_scale(kind, power):
    ax = plots.plot_coef_path(_sweep(kind))
    top = _scale_axis(ax)
    assert top.get_xlabel() == ("prior scale 1/λ" if kind == "Laplace" else "prior sd 1/√λ")
    ax.figure.canvas.draw()
    for lam in (0.5, 2.0, 8.0):
        scale = lam ** -power                            # 1/λ or 1/√λ
        x_top = top.transData.transform((scale, 0.0))[0]
        x_lam = ax.transData.transform((lam, 0.0))[0]
        assert x_top == pytest.approx(x_lam, abs=1e-6)


def test_coef_path_on_a_map_only_sweep_and_feature_choice():
    ds = _sweep(posterior=False)
    ax = plots.plot_coef_path(ds, max_features=2)
    assert [l.get_label() for l in _lines(ax, "map_path")] == ["a", "b"]   # the two largest |MAP|
    assert not _lines(ax, "mean_path")
    ax = plots.plot_coef_path(ds, features=["c"])
    assert [l.get_label() for l in _lines(ax, "map_path")] == ["c"]
    with pytest.raises(ValueError, match="unknown"):
        plots.plot_coef_path(ds, features=["zz"])
    with pytest.raises(ValueError, match="sweep") as info:
        plots.plot_coef_path(xr.Dataset())
    assert not isinstance(info.value, TypeError)
    with pytest.raises(ArgumentTypeError, match="sweep.*got DataFrame"):
        plots.plot_zero_pattern(pd.DataFrame({"lam": [1.0]}))


def test_coef_path_max_features_and_show_hdi_follow_the_one_policy():
    ds = _sweep()
    ax = plots.plot_coef_path(ds, max_features=np.int64(2), show_hdi=np.bool_(False))
    assert [l.get_label() for l in _lines(ax, "map_path")] == ["a", "b"]
    assert not [c for c in ax.collections if c.get_gid() == "hdi_band"]
    with pytest.raises(ValueError, match="max_features must be an integer >= 1, got 0") as info:
        plots.plot_coef_path(ds, max_features=0)
    assert not isinstance(info.value, TypeError)
    for bad in (2.0, "2", True):
        with pytest.raises(ArgumentTypeError, match="max_features") as info:
            plots.plot_coef_path(ds, max_features=bad)
        assert repr(bad) in str(info.value)
    with pytest.raises(ArgumentTypeError, match="show_hdi.*None"):
        plots.plot_coef_path(ds, show_hdi=None)


def test_zero_pattern_shows_p_near_zero_next_to_exact_zeros():
    ds = _sweep()
    left, right = plots.plot_zero_pattern(ds)
    order = np.argsort(LAMS)
    pz = [c for c in left.collections if c.get_gid() == "p_near_zero"][0]
    zero = [c for c in right.collections if c.get_gid() == "map_zero"][0]
    np.testing.assert_allclose(np.asarray(pz.get_array()).reshape(3, 4), ds["p_near_zero"].values[order].T)
    np.testing.assert_array_equal(np.asarray(zero.get_array()).reshape(3, 4),
                                  (ds["map_coef"].values[order].T == 0).astype(float))
    assert "0.05" in left.get_title()
    assert [t.get_text() for t in left.get_yticklabels()] == FEATS


def test_zero_pattern_without_posterior_says_so():
    # on its own figure: the MAP panel alone, no empty half
    (only,) = plots.plot_zero_pattern(_sweep(posterior=False))
    assert [c for c in only.collections if c.get_gid() == "map_zero"]
    assert "no posterior" in only.get_title()
    assert [a for a in only.figure.axes if a.get_visible() and a.get_label() != "<colorbar>"] == [only]
    assert [t.get_text() for t in only.get_yticklabels()] == FEATS
    # on two given Axes the left one says why it is empty
    fig, given = plt.subplots(1, 2)
    left, right = plots.plot_zero_pattern(_sweep(posterior=False), axes=given)
    assert any(t.get_gid() == "no_posterior" for t in left.texts)
    assert [c for c in right.collections if c.get_gid() == "map_zero"]


def _labels_overlap(axis, parent):
    """Pairs of shown, non-empty x tick labels (major and minor, bottom or top) whose boxes intersect."""
    renderer = axis.figure.canvas.get_renderer()
    x0, x1 = parent.get_window_extent(renderer).intervalx
    boxes = []
    for t in axis.xaxis.get_major_ticks() + axis.xaxis.get_minor_ticks():
        for label in (t.label1, t.label2):
            if label.get_visible() and label.get_text():
                box = label.get_window_extent(renderer)
                if x0 - 1 <= 0.5 * (box.x0 + box.x1) <= x1 + 1:   # drawn inside the panel's width
                    boxes.append(box)
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)], len(boxes)


@pytest.mark.parametrize("lams", [np.array([0.3, 1.0, 3.0]), np.array([0.9, 1.3, 1.8]), np.geomspace(0.01, 100, 15)])
def test_lambda_tick_labels_do_not_overlap_on_short_or_long_grids(lams):
    ds = _sweep().isel(lam=[0, 1, 2]).assign_coords(lam=lams[:3]) if len(lams) == 3 else None
    if ds is None:
        rng = np.random.default_rng(2)
        ds = xr.Dataset({"map_coef": (("lam", "feature"), rng.normal(size=(len(lams), 3)))},
                        coords={"lam": lams, "feature": FEATS},
                        attrs={"scale_power": 1.0, "scale_name": "prior scale 1/λ"})
    for panels in (plots.plot_zero_pattern(ds), [plots.plot_coef_path(ds)]):
        fig = panels[0].figure
        fig.canvas.draw()
        for a in panels:
            for axis in (a, _scale_axis(a)):
                clashes, n = _labels_overlap(axis, a)
                assert not clashes, [b.bounds for pair in clashes for b in pair]
                assert n >= (3 if len(lams) == 3 else 2)  # a short grid: a label at every grid point
        plt.close(fig)


def _overlap(a, b):
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0.0) * max(h, 0.0)


def test_coef_path_one_outlier_does_not_flatten_the_rest():
    # one coefficient ~ 76 (the users' case), seven of order 1
    lams = np.geomspace(0.1, 100, 9)
    size = np.array([76.0, 2.0, -1.5, 1.0, -0.8, 0.6, 1.2, -2.2])
    names = [f"f{j}" for j in range(8)]
    path = size[None, :] / (1.0 + lams[:, None])
    ds = xr.Dataset({"map_coef": (("lam", "feature"), path), "mean": (("lam", "feature"), path * 1.1),
                     "hdi_low": (("lam", "feature"), path * 1.1 - 0.5), "hdi_high": (("lam", "feature"), path * 1.1 + 0.5)},
                    coords={"lam": lams, "feature": names}, attrs={"prob": 0.94, "scale_power": 1.0,
                                                                    "scale_name": "prior scale 1/λ"})
    ax = plots.plot_coef_path(ds)
    ax.figure.canvas.draw()
    # the display height taken by the seven ordinary coefficients' MAP lines (from the median line's
    # range up): they use a reasonable part of the axis, not the sliver a linear axis up to 76 leaves them
    to_px = ax.transData.transform
    lines = {l.get_label(): l for l in _lines(ax, "map_path")}
    ordinary = np.concatenate([lines[n].get_ydata() for n in names[1:]])
    lam0 = np.full(ordinary.size, lams[0])
    px = to_px(np.column_stack([lam0, ordinary]))[:, 1]
    axis_px = ax.get_window_extent().height
    assert (px.max() - px.min()) / axis_px > 0.3          # linear y up to 76 would leave ≈ 0.06
    # …while the outlier is still on the axis
    lo, hi = ax.get_ylim()
    assert hi >= lines["f0"].get_ydata().max()
    # at most MAX_BANDS HDI bands, and the legend outside the data area
    assert len([c for c in ax.collections if c.get_gid() == "hdi_band"]) == plots.sweep.MAX_BANDS
    assert _overlap(ax.get_legend().get_window_extent(), ax.get_window_extent()) == 0.0


def test_coef_path_stays_linear_without_an_outlier():
    ax = plots.plot_coef_path(_sweep())
    assert ax.get_yscale() == "linear"


def _choice(eb=True, fb=True):
    lams = np.geomspace(0.1, 100, 7)
    ds = xr.Dataset({"cv_loss": ("lam", (np.log(lams) - 1.0) ** 2 / 10 + 0.5), "cv_se": ("lam", np.full(7, 0.02)),
                     "log_evidence": ("lam", -(np.log(lams) - 0.5) ** 2 if eb else np.full(7, np.nan))},
                    coords={"lam": lams},
                    attrs={"lam_min": 2.15, "lam_1se": 10.0, "lam_eb": 1.6 if eb else math.nan, "n_folds": 5,
                           "scale_power": 0.5, "scale_name": "prior sd 1/√λ", "eb_note": "needs a Gaussian prior",
                           "lam_fb_median": 3.0 if fb else math.nan, "lam_fb_hdi_low": 0.8 if fb else math.nan,
                           "lam_fb_hdi_high": 9.0 if fb else math.nan, "fb_prob": 0.94,
                           "hyperprior": "λ ~ Gamma(shape 1, rate 0.1)", "full_bayes": int(fb)})
    if fb:
        ds["lam_draws"] = ("sample", np.random.default_rng(1).lognormal(np.log(3.0), 0.6, size=500))
    return ds


def test_lambda_choice_marks_every_chosen_lambda_on_both_panels():
    top, bottom = plots.plot_lambda_choice(_choice())
    for key, value in [("lam_min", 2.15), ("lam_1se", 10.0), ("lam_eb", 1.6), ("lam_fb_median", 3.0)]:
        for axis in (top, bottom):
            lines = _lines(axis, key)
            assert len(lines) == 1 and lines[0].get_xdata()[0] == value
    legend = [t.get_text() for t in top.get_legend().get_texts()]
    assert "λ_min (CV) = 2.15" in legend and "λ_FB (posterior median) = 3" in legend
    # the evidence is on a twin axis, the draws are a histogram over log-spaced bins
    assert any(_lines(a, "log_evidence") for a in top.figure.axes)
    patches = [p for p in bottom.patches if p.get_gid() == "lam_draws"]
    assert len(patches) == 40 and sum(p.get_height() for p in patches) == pytest.approx(1.0)
    _scale_axis(top)


def test_lambda_choice_without_evidence_or_full_bayes():
    top, bottom = plots.plot_lambda_choice(_choice(eb=False, fb=False))
    assert not _lines(top, "lam_eb") and not _lines(top, "lam_fb_median")
    # the note sits in the legend, which lies outside both panels' data areas
    legend = top.get_legend()
    assert any("empirical Bayes: needs a Gaussian" in t.get_text().replace("\n", " ") for t in legend.get_texts())
    top.figure.canvas.draw()
    box = legend.get_window_extent()
    assert _overlap(box, top.get_window_extent()) == 0.0 and _overlap(box, bottom.get_window_extent()) == 0.0
    assert any(t.get_gid() == "no_full_bayes" for t in bottom.texts)
    with pytest.raises(ValueError, match="choose_lambda") as info:
        plots.plot_lambda_choice(xr.Dataset())
    assert not isinstance(info.value, TypeError)  # the right type, without cv_loss
    with pytest.raises(ArgumentTypeError, match="choose_lambda, got list"):
        plots.plot_lambda_choice([1.0])


def test_prior_sensitivity_plot():
    table = pd.DataFrame({"dmean_dloglam_refit": [-0.4, 0.2], "refit_se": [0.02, 0.03],
                          "dmean_dloglam_is": [-0.38, 0.21], "dmean_dloglam_cov": [-0.39, 0.2],
                          "sensitive": [True, False]}, index=pd.Index(["a", "b"], name="feature"))
    table.attrs.update({"lam": 8.0, "delta": 0.1})
    ax = plots.plot_prior_sensitivity(table)
    ax.figure.canvas.draw()
    assert _overlap(ax.get_legend().get_window_extent(), ax.get_window_extent()) == 0.0  # the legend hides no bar
    np.testing.assert_allclose(_lines(ax, "is")[0].get_xdata(), [-0.38, 0.21])
    bars = [c for c in ax.collections if c.get_gid() == "refit"][0]
    segs = bars.get_segments()
    assert segs[0][0][0] == pytest.approx(-0.44) and segs[0][1][0] == pytest.approx(-0.36)
    colors = [t.get_color() for t in ax.get_yticklabels()]
    assert colors[0] == "crimson" and colors[1] != "crimson"
    assert "λ = 8" in ax.get_title()
    with pytest.raises(ValueError, match="prior_sensitivity") as info:
        plots.plot_prior_sensitivity(pd.DataFrame({"x": [1]}))
    assert not isinstance(info.value, TypeError)
    with pytest.raises(ArgumentTypeError, match="prior_sensitivity, got NoneType"):
        plots.plot_prior_sensitivity(None)


def test_lambda_choice_legend_clears_the_evidence_axis():
    top, bottom = plots.plot_lambda_choice(_choice())
    fig = top.figure
    fig.canvas.draw()
    box = top.get_legend().get_window_extent()
    twin = next(a for a in fig.axes if a is not top and a is not bottom and any(_lines(a, "log_evidence")))
    assert _overlap(box, twin.get_tightbbox(fig.canvas.get_renderer())) == 0.0  # data, ticks and label
