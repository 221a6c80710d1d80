"""``sweep.html``: a λ explorer — move a slider, watch the MAP, the posterior and the prior respond.

Everything is computed here, in Python, and embedded in the page as JSON; the
page's small script (``static/sweep.js``) only draws it.  At each λ of the
sweep the page holds:

* the readout ``λ = 2 ⇔ prior scale 1/λ = 0.5 (sd 0.707)``, from the prior's own
  :meth:`~bayesreg.Prior.scale_power`, :attr:`~bayesreg.Prior.sd` and
  :meth:`~bayesreg.Prior.describe` at that λ, so it is right for every family;
* per coefficient the MAP and, for a posterior sweep, the posterior mean and
  HDI — drawn as a forest on one fixed w-axis, so a move of λ shows as a move
  of the points;
* the prior density p(w | λ) on the same w-axis (scaled to its peak, whose
  value is printed).

The slider is an ``<input type="range">`` over the sweep's λ indices with a
``<label>``; arrow keys move it one λ at a time.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .html import esc, fmt, img, page, write_page

__all__ = ["sweep_report", "sweep_html", "sweep_payload", "readout"]

GRID = 241


def readout(prior, lam: float) -> str:
    """``λ = 2 ⇔ prior scale 1/λ = 0.5 (sd 0.707)``: λ next to the scale it stands for, from the prior's methods."""
    at = prior.with_strength(float(lam))
    power, name = at.scale_power()
    text = f"λ = {fmt(lam, 3)} ⇔ {name} = {fmt(float(lam) ** -power, 3)}"
    if "sd" not in name:
        try:
            sd = at.sd
        except (NotImplementedError, ValueError, ZeroDivisionError):
            sd = math.nan
        text += f" (sd {fmt(sd, 3)})"
    return text


def _values(ds, name: str) -> list | None:
    if name not in ds:
        return None
    arr = np.asarray(ds[name].values, dtype=float)
    return [[None if not math.isfinite(v) else float(v) for v in row] for row in arr]


def sweep_payload(ds, prior, *, choice=None) -> dict:
    """The JSON the page embeds: λ grid, readouts, MAP and posterior per λ and coefficient, prior densities."""
    lams = np.asarray(ds["lam"].values, dtype=float)
    features = [str(f) for f in ds["feature"].values]
    mapc = _values(ds, "map_coef")
    lo, hi, mean = _values(ds, "hdi_low"), _values(ds, "hdi_high"), _values(ds, "mean")
    failed = [bool(v) for v in ds["failed"].values] if "failed" in ds else [False] * len(lams)
    stack = [np.asarray(v, dtype=float) for v in (mapc, lo, hi, mean) if v is not None]
    allv = np.concatenate([np.ravel(np.where(np.equal(s, None), np.nan, s).astype(float)) for s in stack] + [[0.0]])
    allv = allv[np.isfinite(allv)]
    span = float(np.max(np.abs(allv))) if allv.size else 1.0
    span = 1.1 * (span if span > 0 else 1.0)
    grid = np.linspace(-span, span, GRID)
    density, peaks = [], []
    for lam in lams:
        at = prior.with_strength(float(lam))
        if not getattr(at, "has_logpdf", True):
            density.append(None)
            peaks.append(None)
            continue
        d = np.exp(np.asarray(at.logpdf(grid), dtype=float))
        top = float(np.max(d)) if np.isfinite(d).all() and np.max(d) > 0 else math.nan
        density.append([round(float(v / top), 5) for v in d] if math.isfinite(top) else None)
        peaks.append(top if math.isfinite(top) else None)
    payload = {
        "lams": [float(v) for v in lams], "features": features,
        "readout": [readout(prior, lam) for lam in lams],
        "describe": [prior.with_strength(float(lam)).describe() for lam in lams],
        "map": mapc, "lo": lo, "hi": hi, "mean": mean, "failed": failed,
        "prob": float(ds.attrs.get("prob", 0.94)),
        "xmin": -span, "xmax": span, "grid": [float(v) for v in grid], "density": density, "peak": peaks,
        "start": int(len(lams) // 2),
    }
    if choice is not None:
        a = choice.attrs
        picks = {"CV minimum": a.get("lam_min"), "CV one-SE": a.get("lam_1se"), "empirical Bayes": a.get("lam_eb"),
                 "full Bayes (median)": a.get("lam_fb_median") if int(a.get("full_bayes", 0) or 0) else None}
        payload["choices"] = {k: float(v) for k, v in picks.items() if v is not None and math.isfinite(float(v))}
    return payload


def sweep_html(ds, prior, *, choice=None, figures: dict | None = None, settings: dict | None = None,
               title: str = "bayesreg: the λ explorer") -> str:
    """The HTML text of the λ explorer (see :func:`sweep_report`)."""
    data = sweep_payload(ds, prior, choice=choice)
    n = len(data["lams"])
    posterior = data["lo"] is not None
    s = settings or {}
    model = str(s.get("model", "") or "").removeprefix("model: ")
    intro = (f"<p>{esc(model)}</p>" if model else "") + (
        f"<p>Prior: {esc(ds.attrs.get('prior_kind', type(prior).__name__))}; λ is a precision "
        f"({esc(ds.attrs.get('lam_meaning', prior.strength_meaning()))}). A larger λ is a narrower prior: "
        "the MAP shrinks toward 0 (an L1 prior sets weights exactly to 0)"
        + (", and the posterior intervals narrow and move toward 0 too." if posterior else ".") + "</p>")
    if not posterior:
        intro += "<p class=\"muted\">MAP only: run the sweep with --posterior to see posterior intervals.</p>"
    controls = (
        '<div class="controls">'
        f'<label for="lam-slider">λ (prior precision): move with the mouse or the arrow keys</label>'
        f'<input type="range" id="lam-slider" min="0" max="{n - 1}" step="1" value="{data["start"]}" '
        f'aria-describedby="readout">'
        f'<output id="readout" class="readout" for="lam-slider" aria-live="polite">{esc(data["readout"][data["start"]])}'
        f'</output><div id="describe" class="muted">{esc(data["describe"][data["start"]])}</div></div>')
    legend = ('<p class="legend"><span><span class="swatch" style="background:var(--map)"></span>MAP</span>'
              + (f'<span><span class="swatch" style="background:var(--post)"></span>posterior mean and '
                 f'{data["prob"]:.0%} HDI</span>' if posterior else "") + "</p>")
    choices = ""
    if data.get("choices"):
        choices = "<p>Chosen λ: " + "; ".join(f"{esc(k)} λ = {esc(fmt(v, 4))}" for k, v in data["choices"].items()) + \
                  ".</p>"
    density = ('<figure><svg id="density" role="img" aria-label="prior density at the chosen λ"></svg>'
               '<figcaption id="density-caption">The prior density p(w | λ) on the same w-axis, scaled to its peak.'
               '</figcaption></figure>')
    forest = (f'<figure><svg id="forest" role="img" aria-label="coefficient forest at the chosen λ" '
              f'data-xmin="{data["xmin"]!r}" data-xmax="{data["xmax"]!r}"></svg>'
              "<figcaption>Per coefficient at this λ: the MAP (open circle: exactly 0)"
              + (" and the posterior mean with its HDI" if posterior else "") + " — one w-axis for every λ."
              "</figcaption></figure>")
    charts = f'<div class="charts">{density}{legend}{forest}</div>'
    figs = ""
    if figures:
        figs = '<section id="figures"><h2>The whole path</h2>' + "".join(
            img(f, alt=str(name), caption=str(name)) for name, f in figures.items()) + "</section>"
    body = (f'<section id="explorer"><h2>Move λ</h2>{intro}{controls}{charts}{choices}</section>{figs}')
    return page(title, body, scripts=("sweep.js",), data=data, subtitle=str(s.get("data", "") or ""))


def sweep_report(sweep, prior=None, path="sweep.html", *, choice=None, figures: dict | None = None,
                 settings: dict | None = None) -> Path:
    """Write ``sweep.html``, the λ explorer of a sweep; returns its path.

    Parameters
    ----------
    sweep : the Dataset of :func:`bayesreg.sweep` (``lam``, ``feature``), or a
        :class:`bayesreg.io.SweepResults` / the path of a ``sweep.nc`` (then ``choice`` and
        ``settings`` come from it).
    prior : the swept prior (any λ: it is re-made at every λ with ``with_strength``); default:
        rebuilt from the sweep's ``prior_kind`` at λ = 1 when that kind takes λ alone.
    choice : the Dataset of :func:`bayesreg.choose_lambda` (its chosen λ are listed).
    figures : ``{name: Figure or PNG path}`` embedded below the explorer.
    """
    from ..io import SweepResults, load_sweep

    if isinstance(sweep, (str, Path)):
        sweep = load_sweep(sweep)
    if isinstance(sweep, SweepResults):
        choice = sweep.choice if choice is None else choice
        settings = sweep.settings if settings is None else settings
        sweep = sweep.sweep
    if prior is None:
        prior = _default_prior(sweep)
    return write_page(path, sweep_html(sweep, prior, choice=choice, figures=figures, settings=settings))


def _default_prior(ds):
    """The swept prior from the sweep's ``prior_kind``, only where λ is its one parameter (Gaussian, Laplace, Cauchy)."""
    from ..priors import Prior

    kind = str(ds.attrs.get("prior_kind", ""))
    cls = Prior.registry.get(kind.lower())
    try:
        prior = cls(lam=1.0) if cls is not None else None
    except TypeError:
        prior = None
    if prior is None or set(prior.params()) != {"lam"}:
        raise ValueError(f"prior: the sweep's prior_kind {kind!r} takes more than λ (or is unknown), so it cannot be "
                         f"rebuilt from the sweep; pass prior= (e.g. the swept prior at any λ)")
    return prior
