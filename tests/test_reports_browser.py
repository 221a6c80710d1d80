"""The HTML reports in a real browser: headless Chromium driven by Selenium through the system chromedriver.

Each page (report.html of ``compare``, sweep.html of ``sweep``, the demo's teaching page) is opened from
file:// and must: log no console error, make no network request (every resource the browser asks for is
the page itself or a data: URI), load every image, and lay out on a phone without sideways scrolling.
The comparison table has one row per coefficient of the saved results and sorts by a clicked header;
the λ slider, moved with the arrow keys, shows the readout, the prior and the HDI of a known coefficient
that the Python sweep computed at that λ.  A screenshot of each page is saved (to docs/figures/ for the README with BAYESREG_SCREENSHOTS=docs/figures).

Chromium and chromedriver come from the system package manager (``make test`` installs them on a
Debian machine as root); where they are missing these tests skip and say so.
"""

import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.browser

#: Where screenshots go: a temporary folder, or docs/figures/ for the README when the run says so
#: (`BAYESREG_SCREENSHOTS=docs/figures pytest tests/test_reports_browser.py`; the compare page then
#: comes from a real NUTS run of the main job, not the quick importance-sampled one).
SHOTS = os.environ.get("BAYESREG_SCREENSHOTS", "")
FIGURES = Path(SHOTS).resolve() if SHOTS else Path(tempfile.mkdtemp(prefix="bayesreg-shots-"))
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _binaries():
    driver = shutil.which("chromedriver")
    browser = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    return driver, browser


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed: pip install -e '.[test]'")
    from selenium.webdriver.chrome.service import Service

    driver_path, browser_path = _binaries()
    if not driver_path or not browser_path:
        pytest.skip("browser tests skipped: chromium and chromedriver are not installed and could not be "
                    "(run `make test` as root on Debian/Ubuntu, or apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1200,900", "--hide-scrollbars", "--disable-extensions",
                "--no-first-run", "--disable-background-networking", "--disable-component-update"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service(driver_path), options=options)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


def _open(drv, path: Path):
    drv.get_log("browser"), drv.get_log("performance")  # drop what earlier pages logged
    drv.set_window_size(1200, 900)
    drv.get(path.resolve().as_uri())
    assert drv.execute_script("return document.readyState") == "complete"


def _check_page(drv, path: Path):
    """No console errors, no request but the page itself and data: URIs, every image loaded."""
    errors = [e for e in drv.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert not errors, errors
    urls = []
    for entry in drv.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    page_url = path.resolve().as_uri()
    assert page_url in urls
    assert all(u == page_url or u.startswith("data:") for u in urls), [u[:80] for u in urls]
    images = drv.execute_script("return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])")
    assert all(done and width > 0 for done, width, _ in images), images
    return images


def _phone_fits(drv):
    drv.set_window_size(400, 900)
    overflow = drv.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    drv.set_window_size(1200, 900)
    assert overflow <= 1, f"the page scrolls sideways on a phone by {overflow}px"


def _screenshot(drv, name: str, max_height: int = 2600):
    height = drv.execute_script("return document.documentElement.scrollHeight")
    drv.set_window_size(1100, min(height, max_height))
    FIGURES.mkdir(parents=True, exist_ok=True)
    assert drv.save_screenshot(str(FIGURES / name))
    drv.set_window_size(1200, 900)


# -- report.html of `bayesreg compare` ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def compare_run(tmp_path_factory):
    """`bayesreg compare` on the lecture's wide data (N = D = 50), importance sampling: no compile."""
    from bayesreg.cli import main

    out = tmp_path_factory.mktemp("compare")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quick = [] if SHOTS else ["--sampler", "laplace-is", "--draws", "150", "--chains", "2"]
        assert main(["compare", *quick, "--out", str(out)]) == 0
    return out


def test_compare_report_renders_and_its_table_sorts(browser, compare_run, capsys):
    from selenium.webdriver.common.by import By

    from bayesreg import load_results

    page = compare_run / "report.html"
    assert page.is_file()
    _open(browser, page)
    images = _check_page(browser, page)
    assert len(images) == 3  # forest, densities, cost history
    saved = load_results(compare_run / "results.nc").comparison
    rows = browser.find_elements(By.CSS_SELECTOR, "#comparison tbody tr")
    assert [r.find_element(By.TAG_NAME, "th").text for r in rows] == [str(i) for i in saved.index]
    headers = browser.find_elements(By.CSS_SELECTOR, "#comparison thead th")
    labels = [h.text for h in headers]
    col = labels.index("mean")

    def column():
        cells = browser.find_elements(By.CSS_SELECTOR, f"#comparison tbody tr > :nth-child({col + 1})")
        return [float(c.get_attribute("data-value")) for c in cells]

    headers[col].find_element(By.TAG_NAME, "button").click()
    np.testing.assert_allclose(column(), np.sort(saved["mean"].to_numpy(float)))
    assert headers[col].get_attribute("aria-sort") == "ascending"
    headers[col].find_element(By.TAG_NAME, "button").click()
    np.testing.assert_allclose(column(), np.sort(saved["mean"].to_numpy(float))[::-1])
    first = browser.find_element(By.CSS_SELECTOR, "#comparison tbody tr th").text
    assert first == str(saved["mean"].astype(float).idxmax())
    # the diagnostics in words follow the saved numbers: k̂ of this run is far above its threshold
    attrs = load_results(compare_run / "results.nc").posterior["posterior"].attrs
    verdicts = browser.find_element(By.ID, "posterior").text
    if "pareto_k" in attrs or not SHOTS:        # (the screenshot run samples with NUTS: no k̂ of its own)
        k = float(attrs["pareto_k"])
        assert ("NOT reliable" in verdicts) == (k >= 0.7) and "Pareto k̂" in verdicts
    zeros = int(saved.drop(index="intercept")["map_is_zero"].astype(bool).sum())
    assert f"{zeros} of {len(saved) - 1} MAP weights are exactly zero" in browser.find_element(By.ID, "notice").text
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})
    assert len(pdf["data"]) > 10_000
    _phone_fits(browser)
    headers[col].find_element(By.TAG_NAME, "button").click()  # back to ascending for the picture
    browser.execute_script("window.scrollTo(0, 0)")
    _screenshot(browser, "report.png")


def test_compare_report_is_the_page_of_the_saved_results(compare_run):
    """The CLI builds the page from memory; read back from results.nc, the same page comes out."""
    from bayesreg import load_results
    from bayesreg.reports.compare_page import FIGURES, compare_html

    again = compare_html(load_results(compare_run / "results.nc"), figures={n: compare_run / n for n in sorted(FIGURES)})
    assert again == (compare_run / "report.html").read_text(encoding="utf-8")


# -- sweep.html: the λ explorer ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sweep_run(tmp_path_factory):
    """`bayesreg sweep --posterior` on a tiny CSV (N = 60, D = 3, logistic, Laplace, 4 λ): its sweep.nc and page."""
    from bayesreg import load_sweep
    from bayesreg.cli import main

    folder = tmp_path_factory.mktemp("sweep")
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["age", "dose", "noise"])
    y = (rng.uniform(size=60) < 1 / (1 + np.exp(-(1.5 * X["age"] - 1.0 * X["dose"])))).astype(int)
    X.assign(y=y).to_csv(folder / "data.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["sweep", str(folder / "data.csv"), "--target", "y", "--posterior", "--lams", "0.25:16:4",
                     "--draws", "150", "--tune", "150", "--no-full-bayes", "--cv-folds", "2",
                     "--out", str(folder / "out")]) == 0
    return load_sweep(folder / "out" / "sweep.nc").sweep, folder / "out" / "sweep.html"


def _interval(drv, feature):
    line = drv.find_element("css selector", f'#forest line.interval[data-feature="{feature}"]')
    return {k: float(line.get_attribute(k)) for k in ("data-lo", "data-hi", "x1", "x2")}


def test_sweep_slider_moves_readout_prior_and_intervals(browser, sweep_run):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    import bayesreg as br

    ds, page = sweep_run
    _open(browser, page)
    images = _check_page(browser, page)
    assert len(images) == 3  # the path figures of `sweep` below the explorer
    slider = browser.find_element(By.ID, "lam-slider")
    assert browser.find_element(By.CSS_SELECTOR, 'label[for="lam-slider"]').text
    lams = ds["lam"].values
    start = int(slider.get_attribute("value"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#forest line.interval")) == ds.sizes["feature"]

    def check(i):
        lam = float(lams[i])
        assert float(browser.find_element(By.ID, "forest").get_attribute("data-lam")) == lam
        out = browser.find_element(By.ID, "readout").text
        sd = br.Laplace(lam).sd  # √2/λ
        assert out.startswith(f"λ = {lam:.3g} ⇔ prior scale 1/λ = {1 / lam:.3g}") and f"(sd {sd:.3g})" in out
        assert browser.find_element(By.ID, "describe").text == br.Laplace(lam).describe()
        assert f"p(0) = {lam / 2:.3g}" in browser.find_element(By.ID, "density-caption").text
        # every drawn interval is the stored HDI, at pixel positions linear in it
        got = {f: _interval(browser, f) for f in ds["feature"].values}
        lo = ds["hdi_low"].sel(lam=lam).values
        hi = ds["hdi_high"].sel(lam=lam).values
        np.testing.assert_allclose([got[f]["data-lo"] for f in ds["feature"].values], lo, rtol=1e-12)
        np.testing.assert_allclose([got[f]["data-hi"] for f in ds["feature"].values], hi, rtol=1e-12)
        values = np.r_[lo, hi]
        pixels = np.array([got[f]["x1"] for f in ds["feature"].values] + [got[f]["x2"] for f in ds["feature"].values])
        slope, icpt = np.polyfit(values, pixels, 1)
        assert slope > 0 and np.max(np.abs(slope * values + icpt - pixels)) < 1e-6 * max(1.0, slope)
        return got["age"]

    before = check(start)
    slider.send_keys(Keys.ARROW_RIGHT)
    assert int(slider.get_attribute("value")) == start + 1
    after = check(start + 1)
    assert after["x2"] != before["x2"]  # the interval of `age` moved with λ
    slider.send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    check(start - 1)
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    _phone_fits(browser)
    slider.send_keys(Keys.ARROW_RIGHT)
    _screenshot(browser, "sweep_report.png")


# -- the demo's teaching page ------------------------------------------------------------------------------

def test_demo_page_shows_the_examples_in_order(browser, tmp_path):
    """Two of the lecture's examples (the quick ones without sampling); `bayesreg demo --report` runs 01–08."""
    from bayesreg.reports import demo_report

    folder = Path(__file__).resolve().parent.parent / "examples"
    chosen = sorted(folder.glob("0[12]_*.py"))
    assert len(chosen) == 2
    page = demo_report(chosen, tmp_path / "demo.html", out=tmp_path, quick=True)
    _open(browser, page)
    images = _check_page(browser, page)
    written = sorted(p.name for s in chosen for p in (tmp_path / s.stem).glob("*.png"))
    assert len(images) == len(written) > 0
    titles = [h.text for h in browser.find_elements("css selector", "section.example h2")]
    assert [t.split(". ", 1)[0] for t in titles] == ["1", "2"]
    assert titles[0].endswith(chosen[0].read_text(encoding="utf-8").split('"""')[1].strip().splitlines()[0])
    _phone_fits(browser)
    _screenshot(browser, "demo_report.png")
