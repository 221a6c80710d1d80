"""``report.html``: one self-contained page for a MAP-vs-posterior analysis (``bayesreg compare --report``).

Sections: data and model (likelihood, priors and what λ means, the positive
class, σ), the MAP (solver, convergence, U and U/N), the posterior (sampler and
why, R̂, ESS, divergences, k̂ — in words, with what to do when bad), the
comparison table (sortable: click a header), the figures, and "what to notice",
written from the numbers (:mod:`bayesreg.reports.diagnostics`).

The input is what ``compare`` saves: a :class:`bayesreg.io.Results` or the path
of its ``results.nc``.  Figures are embedded as base64 PNG: given ones, else the
PNGs ``compare`` wrote next to ``results.nc``, else drawn here from the table
(forest) and the MAP (cost history).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .diagnostics import map_verdicts, posterior_verdicts, sigma_text, what_to_notice
from .html import data_table, esc, fmt, img, page, write_page

__all__ = ["report", "compare_html", "results_in_memory"]

FIGURES = {"forest.png": "Forest plot: per coefficient, the MAP (point), the posterior mean and its HDI (line)",
           "densities.png": "Posterior densities of the most interesting coefficients, with the MAP (dashed) "
                            "and the prior",
           "cost_history.png": "The MAP solver's cost U per iteration"}

COLUMN_LABELS = {"map": "MAP", "true": "true", "map_is_zero": "MAP = 0", "mean": "mean", "median": "median",
                 "sd": "sd", "hdi_low": "HDI low", "hdi_high": "HDI high", "map_in_hdi": "MAP in HDI",
                 "true_in_hdi": "true in HDI", "p_positive": "P(w > 0)", "p_near_zero": "P(near 0)",
                 "r_hat": "R̂", "ess_bulk": "ESS bulk"}


def _load(results):
    from ..io import Results, load_results

    if isinstance(results, Results):
        return results, None
    if isinstance(results, (str, Path)):
        return load_results(results), Path(results).parent
    raise TypeError(f"results must be a bayesreg.io.Results or the path of a results.nc, got {type(results).__name__}")


def results_in_memory(est, posterior, comparison: pd.DataFrame, settings: dict):
    """The :class:`bayesreg.io.Results` that ``save_results(est=est, posterior=…, comparison=…, settings=…)``
    would read back, without the round trip through the file (``est`` None: no MAP, e.g. a horseshoe)."""
    from ..io import Results

    res = Results(posterior=posterior, comparison=comparison, settings=dict(settings or {}))
    if est is not None:
        res.map, res.prior = est.map_, est.prior_
        res.intercept_prior = getattr(est, "intercept_prior_", None)
        res.feature_names = [str(n) for n in est.feature_names()] if hasattr(est, "feature_names") else None
        res.fit_intercept = bool(getattr(est, "fit_intercept", True))
        res.estimator = type(est).__name__
    return res


def _posteriors(res) -> dict:
    post = res.posterior
    if post is None:
        return {}
    return dict(post) if isinstance(post, dict) else {"posterior": post}


def _n_obs(trees: dict) -> int | None:
    for tree in trees.values():
        if "observed_data" in tree.children:
            ds = tree["observed_data"].to_dataset()
            for v in ds.data_vars.values():
                return int(v.sizes.get("obs_id", v.size))
    return None


def _figures(res, folder, figures) -> dict:
    if figures is not None:
        return dict(figures)
    found = {name: folder / name for name in FIGURES if folder is not None and (folder / name).is_file()}
    if found:
        return found
    import matplotlib

    matplotlib.use("Agg", force=False)
    from .. import plots

    drawn = {}
    if res.comparison is not None:
        drawn["forest.png"] = plots.plot_forest(res.comparison).figure
    if res.map is not None:
        drawn["cost_history.png"] = plots.plot_cost_history(res.map).figure
    return drawn


def _facts(pairs) -> str:
    return '<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in pairs if v) + "</dl>"


def _verdicts(items) -> str:
    return "".join(f'<div class="verdict {esc(level)}" data-level="{esc(level)}"><strong>{esc(head)}</strong>'
                   f"{esc(detail)}</div>" for level, head, detail in items)


def _model_section(res, attrs: dict) -> str:
    s = res.settings or {}
    model = str(s.get("model", "") or "").removeprefix("model: ")
    prior = res.prior.describe() if res.prior is not None else str(attrs.get("prior", s.get("prior", "")))
    intercept = (res.intercept_prior.describe() if res.intercept_prior is not None
                 else str(attrs.get("intercept_prior", "")))
    meaning = ""
    if res.prior is not None:
        try:
            meaning = res.prior.strength_meaning()
        except (TypeError, ValueError):  # a prior without one λ (horseshoe)
            meaning = ""
    pairs = [("model", model), ("likelihood", attrs.get("likelihood", "")), ("data", s.get("data", "")),
             ("formula", s.get("formula") or res.formula or ""), ("estimator", res.estimator or ""),
             ("prior on weights", prior), ("λ", meaning), ("prior on intercept", intercept),
             ("noise σ", sigma_text(attrs))]
    text = ("λ is a precision: a Gaussian prior has variance 1/λ, a Laplace prior scale 1/λ. "
            "A larger λ is a narrower prior, i.e. stronger shrinkage toward 0.")
    return f'<section id="model"><h2>Data and model</h2>{_facts(pairs)}<p class="muted">{esc(text)}</p></section>'


def _map_section(res, n_obs) -> str:
    if res.map is None:
        why = (res.settings or {}).get("map_missing") or "this prior has no MAP"
        return (f'<section id="map"><h2>The MAP</h2><div class="verdict info"><strong>no MAP</strong>'
                f"{esc(why)}</div></section>")
    zero = int(np.sum(np.asarray(res.map.coef) == 0.0))
    body = _verdicts(map_verdicts(res.map, n_obs))
    body += f"<p>{zero} of {np.asarray(res.map.coef).size} weights are exactly zero at the MAP.</p>"
    return f'<section id="map"><h2>The MAP (penalized fit)</h2>{body}</section>'


def _posterior_section(res, trees: dict) -> str:
    s = res.settings or {}
    parts = []
    for label, tree in trees.items():
        attrs = dict(tree["posterior"].attrs)
        table = res.comparison if res.comparison is not None else pd.DataFrame()
        if len(trees) > 1 and isinstance(table.columns, pd.MultiIndex) and label in table.columns.get_level_values(0):
            table = table[label]
        draws = f"{s.get('chains', attrs.get('n_chains', '?'))} chains × {s.get('draws', '?')} draws"
        head = f"<h3>{esc(label)}</h3>" if len(trees) > 1 else ""
        parts.append(head + f"<p>{esc(draws)}.</p>" + _verdicts(posterior_verdicts(table, attrs)))
    if not parts:
        parts.append("<p>No posterior was saved.</p>")
    return f'<section id="posterior"><h2>The posterior</h2>{"".join(parts)}</section>'


def _flat_columns(table: pd.DataFrame) -> list[str]:
    return [" ".join(str(c) for c in col) if isinstance(col, tuple) else str(col) for col in table.columns]


def _table_section(table: pd.DataFrame | None) -> str:
    if table is None:
        return '<section id="table"><h2>Comparison table</h2><p>No comparison table was saved.</p></section>'
    names = _flat_columns(table)
    keep = [i for i, n in enumerate(names) if not np.all(pd.isna(table.iloc[:, i]))]
    cols = [("feature", "coefficient")] + [(names[i], COLUMN_LABELS.get(names[i], names[i])) for i in keep]
    rows = [[str(idx)] + [_cell(table.iloc[r, i]) for i in keep] for r, idx in enumerate(table.index)]
    prob = float(table.attrs.get("prob", 0.94))
    eps = table.attrs.get("eps")
    cap = (f"One row per coefficient. HDI: the {prob:.0%} highest-density interval; P(near 0) = P(|w| < eps), "
           f"eps = {fmt(eps, 3)}. Click a column header to sort by it (again to reverse).")
    return (f'<section id="table"><h2>Comparison table</h2>'
            f'{data_table(cols, rows, table_id="comparison", caption=cap)}</section>')


def _cell(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v) + 0.0
    return "" if v is None else str(v)


def _figure_section(figs: dict) -> str:
    if not figs:
        return ""
    body = "".join(img(f, alt=FIGURES.get(name, name), caption=FIGURES.get(name, name)) for name, f in figs.items())
    return f'<section id="figures"><h2>Figures</h2>{body}</section>'


TOC = [("model", "Data and model"), ("map", "The MAP"), ("posterior", "The posterior"),
       ("notice", "What to notice"), ("table", "Comparison table"), ("figures", "Figures")]


def compare_html(results, *, figures: dict | None = None, notes=None, title: str = "bayesreg: MAP vs posterior") -> str:
    """The HTML text of the report (see :func:`report`)."""
    res, folder = _load(results)
    trees = _posteriors(res)
    attrs = dict(next(iter(trees.values()))["posterior"].attrs) if trees else {}
    s = res.settings or {}
    if notes is None:
        notes = s.get("notes", [])
    notes = [notes] if isinstance(notes, str) else list(notes)
    figs = _figures(res, folder, figures)
    notice = ""
    if res.comparison is not None:
        notice = (f'<section id="notice"><h2>What to notice</h2>'
                  f"{_verdicts(what_to_notice(res.comparison, notes))}</section>")
    toc = '<nav class="toc" aria-label="contents"><ol>' + "".join(
        f'<li><a href="#{k}">{esc(v)}</a></li>' for k, v in TOC) + "</ol></nav>"
    body = "\n".join([toc, _model_section(res, attrs), _map_section(res, _n_obs(trees)),
                      _posterior_section(res, trees), notice, _table_section(res.comparison), _figure_section(figs)])
    if figures is None and any(hasattr(f, "savefig") for f in figs.values()):  # drawn here: close them
        import matplotlib.pyplot as plt

        for f in figs.values():
            plt.close(f)
    subtitle = str(s.get("data", "") or "")
    return page(title, body, scripts=("sortable.js",), subtitle=subtitle)


def report(results, path="report.html", *, figures: dict | None = None, notes=None) -> Path:
    """Write ``report.html`` for a ``compare`` analysis; returns its path.

    Parameters
    ----------
    results : :class:`bayesreg.io.Results` (from :func:`bayesreg.load_results`) or the path of a ``results.nc``
        written by ``bayesreg compare`` / :func:`bayesreg.save_results`.
    path : where to write the page (atomically).
    figures : ``{name: matplotlib Figure or PNG path}`` to embed; default: the PNGs ``compare`` wrote next to
        ``results.nc``, else a forest plot and the cost history drawn from ``results``.
    notes : extra observations for "what to notice" (e.g. a separation warning); default
        ``results.settings["notes"]``.

    The page is self-contained: no file or network access when it is opened.
    """
    return write_page(path, compare_html(results, figures=figures, notes=notes))

