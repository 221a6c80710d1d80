"""HTML reports without a browser: self-contained, escaped, and saying what the numbers say.

The browser half (pages rendered in headless Chromium) is tests/test_reports_browser.py.
"""

import html
import json
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayesreg as br
from bayesreg.io import Results
from bayesreg.reports import diagnostics
from bayesreg.reports.html import json_block, page, paragraphs
from bayesreg.reports.sweep_page import readout, sweep_payload


def _table(names=("a", "b", "c", "intercept")):
    """A comparison table in compare()'s layout, by hand: b's MAP is 0 and outside its HDI."""
    df = pd.DataFrame({
        "map": [1.0, 0.0, -0.5, 0.2], "map_is_zero": [False, True, False, False],
        "mean": [0.9, 0.3, -0.4, 0.1], "median": [0.9, 0.25, -0.4, 0.1], "sd": [0.2, 0.1, 0.3, 0.1],
        "hdi_low": [0.5, 0.1, -0.9, -0.1], "hdi_high": [1.3, 0.5, 0.1, 0.3],
        "map_in_hdi": [True, False, True, True], "p_positive": [1.0, 0.99, 0.1, 0.8],
        "p_near_zero": [0.0, 0.25, 0.2, 0.4], "r_hat": [1.001, 1.05, 1.0, 1.0], "ess_bulk": [900.0, 150.0, 800.0, 700.0],
    }, index=pd.Index(list(names), name="feature"))
    df.attrs.update({"prob": 0.94, "eps": 0.05})
    return df


def _attrs(values):
    return re.findall(r'\b(?:src|href)\s*=\s*["\']([^"\']*)["\']', values)


def test_page_is_self_contained_and_forbids_network_access():
    text = page("t", '<a href="#x">x</a>', scripts=("sortable.js",), data={"a": 1})
    assert all(v.startswith(("data:", "#")) for v in _attrs(text)), _attrs(text)
    assert not re.search(r"<link\b|@import|url\(\s*['\"]?https?:", text)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1)
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    assert "@media print" in text and 'name="viewport"' in text


def test_json_block_cannot_close_its_script_and_round_trips():
    data = {"name": "</script><script>alert(1)</script>", "x": [1.5, None], "amp": "a & b"}
    block = json_block("d", data)
    inner = block[block.index(">") + 1: block.rindex("</script>")]
    assert "</script" not in inner.lower() and "<" not in inner
    assert json.loads(inner) == data


def test_names_from_the_data_are_escaped_everywhere():
    evil = '<img src=x onerror="alert(1)">'
    res = Results(comparison=_table((evil, "b", "c", "intercept")),
                  settings={"data": "<b>data</b>", "model": "model: P(y = <1>) = σ(x·w)", "map_missing": "<i>none</i>"})
    text = br.reports.compare_page.compare_html(res, figures={})
    assert evil not in text and "<b>data</b>" not in text and "<i>none</i>" not in text
    assert html.escape(evil) in text


def test_report_from_results_draws_the_forest_when_no_figures_are_given(tmp_path):
    res = Results(comparison=_table(), settings={"data": "hand-made"})
    path = br.report(res, tmp_path / "r.html")
    text = path.read_text(encoding="utf-8")
    imgs = re.findall(r'<img src="data:image/png;base64,([^"]+)"', text)
    assert len(imgs) == 1 and len(imgs[0]) > 1000
    rows = re.findall(r"<tr>", text.split('id="comparison"')[1])
    assert len(rows) == 1 + 4  # header + one row per coefficient


def test_report_rejects_what_it_cannot_read(tmp_path):
    with pytest.raises(TypeError, match="results must be"):
        br.report(42, tmp_path / "r.html")
    with pytest.raises(FileNotFoundError):
        br.report(tmp_path / "missing.nc", tmp_path / "r.html")


def test_what_to_notice_counts_from_the_table():
    df = _table()
    notes = diagnostics.what_to_notice(df, ["separation: the classes are completely separated"])
    heads = " | ".join(h for _, h, _ in notes)
    coefs = df.drop(index="intercept")
    n_zero = int(coefs["map_is_zero"].sum())
    assert f"{n_zero} of {len(coefs)} MAP weights are exactly zero" in heads
    share = 100 * coefs.loc[coefs["map_is_zero"], "p_near_zero"].mean()
    assert f"{share:.3g}% of their mass near zero" in heads
    outside = df.index[~df["map_in_hdi"]].tolist()
    assert f"outside its 94% HDI for {len(outside)} coefficient(s): {', '.join(outside)}" in heads
    assert any(level == "bad" and "separat" in detail for level, _, detail in notes)
    ratio = (coefs["mean"].abs() / coefs["sd"]).sort_values(ascending=False)
    assert f"most clearly non-zero: {', '.join(ratio.index[:3])}" in heads
    collapsed = diagnostics.what_to_notice(df.assign(sd=1e-17))  # e.g. importance weights on one draw
    assert not any("most clearly" in h for _, h, _ in collapsed)


def test_posterior_verdicts_flag_rhat_ess_divergences_and_khat():
    df = _table()
    bad = diagnostics.posterior_verdicts(df, {"sampler": "nutpie", "n_chains": 4, "n_divergent": 3,
                                               "target_accept": 0.8})
    levels = {h.split()[0]: lvl for lvl, h, _ in bad}
    assert levels["R̂"] == "bad" and levels["3"] == "bad"
    assert any(lvl == "bad" and "ESS" in h and "150" in h for lvl, h, _ in bad)  # 150 < 100 × 4 chains
    good = df.assign(r_hat=1.0, ess_bulk=1000.0)
    ok = diagnostics.posterior_verdicts(good, {"sampler": "laplace-is", "n_chains": 2, "pareto_k": 0.3,
                                               "pareto_k_threshold": 0.7, "auto_reason": "laplace-is: k̂ small"})
    assert all(lvl in ("good", "info") for lvl, _, _ in ok)
    worse = diagnostics.posterior_verdicts(good, {"sampler": "laplace-is", "pareto_k": 1.2, "pareto_k_threshold": 0.7})
    assert any(lvl == "bad" and "NOT reliable" in h and "nutpie" in d for lvl, h, d in worse)


@pytest.mark.parametrize("prior, lam, expected", [
    (br.Laplace(1.0), 2.0, "λ = 2 ⇔ prior scale 1/λ = 0.5 (sd 0.707)"),       # sd √2/λ
    (br.Gaussian(1.0), 4.0, "λ = 4 ⇔ prior sd 1/√λ = 0.5"),                    # sd is the scale
    (br.Cauchy(1.0), 4.0, "λ = 4 ⇔ prior scale 1/√λ = 0.5 (sd ∞)"),
])
def test_readout_states_the_scale_of_each_family(prior, lam, expected):
    assert readout(prior, lam) == expected


def _hand_sweep():
    import xarray as xr

    lams = np.array([0.5, 2.0, 8.0])
    feats = ["a", "b"]
    mapc = np.array([[1.2, -0.4], [0.9, 0.0], [0.3, 0.0]])
    ds = xr.Dataset({"map_coef": (("lam", "feature"), mapc), "mean": (("lam", "feature"), mapc + 0.1),
                     "hdi_low": (("lam", "feature"), mapc - 0.5), "hdi_high": (("lam", "feature"), mapc + 0.6),
                     "failed": ("lam", [False, False, False])},
                    coords={"lam": lams, "feature": feats}, attrs={"prob": 0.9, "prior_kind": "Laplace"})
    return ds


def test_sweep_payload_holds_the_sweep_and_the_prior_density():
    ds = _hand_sweep()
    data = sweep_payload(ds, br.Laplace(1.0))
    np.testing.assert_array_equal(data["map"], ds["map_coef"].values)
    np.testing.assert_array_equal(data["lo"], ds["hdi_low"].values)
    assert data["describe"][1] == br.Laplace(2.0).describe()
    grid = np.asarray(data["grid"])
    assert grid[0] <= ds["hdi_low"].values.min() and grid[-1] >= ds["hdi_high"].values.max()
    for i, lam in enumerate(ds["lam"].values):  # density × peak integrates to the Laplace mass on the grid
        dens = np.asarray(data["density"][i]) * data["peak"][i]
        mass = np.trapezoid(dens, grid)
        law = stats.laplace(scale=1 / lam)
        assert mass == pytest.approx(law.cdf(grid[-1]) - law.cdf(grid[0]), rel=2e-3)
        assert data["peak"][i] == pytest.approx(law.pdf(0.0), rel=1e-9)


def test_sweep_report_needs_a_prior_it_can_rebuild(tmp_path):
    ds = _hand_sweep()
    ds.attrs["prior_kind"] = "StudentT"
    with pytest.raises(ValueError, match="prior"):
        br.sweep_report(ds, None, tmp_path / "s.html")
    path = br.sweep_report(ds, br.StudentT(3.0, 1.0), tmp_path / "s.html")
    assert 'type="range"' in path.read_text(encoding="utf-8")


def test_docstring_paragraphs_and_lists_become_html():
    text = "Title line\n\n* one\n  more\n* two <b>\n\n1. first\n2. second\n\nplain & text, a *fraction*, **no** ``U`` 2*3*4"
    out = paragraphs(text)
    assert "<ul><li>one more</li><li>two &lt;b&gt;</li></ul>" in out
    assert "a <em>fraction</em>, <strong>no</strong> <code>U</code> 2*3*4" in out
    assert "<ol><li>first</li><li>second</li></ol>" in out
    assert "<p>plain &amp; text," in out
