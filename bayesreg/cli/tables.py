"""The printed tables of ``bayesreg compare`` and ``sweep``: a compact 80-column view and the legend under it.

``compare``'s full table (:func:`bayesreg.compare.compare`) has 14 columns (150–175 characters).  By default
the CLI prints the essential ones — ``true`` (generated data only), ``map``, ``mean``, ``hdi_low``,
``hdi_high``, ``p_near_zero``, ``r_hat`` — in 3 significant digits, feature names cut to 20 characters;
``--wide`` prints them all.  The legend says what each printed column means: the HDI probability, the
near-zero band eps and its rule (``table.attrs``), why r_hat/ess are NaN under importance sampling.
"""

from __future__ import annotations

import math

__all__ = ["COMPACT_COLUMNS", "ARVIZ_DEFAULT", "compact_table", "format_table", "compare_legend", "sampler_lines",
           "sweep_legend", "wrap_legend"]

#: The columns of the compact ``compare`` table, in order (those present are shown).
COMPACT_COLUMNS = ("true", "map", "mean", "hdi_low", "hdi_high", "p_near_zero", "r_hat")

#: What ArviZ 1.x's ``az.summary`` shows by default (rcParams stats.ci_kind / stats.ci_prob).
ARVIZ_DEFAULT = "an 89% equal-tailed interval (ETI)"

_NAME_WIDTH = 20


def _short(name: str, width: int = _NAME_WIDTH) -> str:
    name = str(name)
    return name if len(name) <= width else name[: width - 1] + "…"


def compact_table(table, *, wide: bool = False):
    """The columns to print: the essential subset of :data:`COMPACT_COLUMNS`, or all with ``wide``."""
    if wide:
        return table
    shown = table[[c for c in COMPACT_COLUMNS if c in table.columns]].copy()
    shown.index = [_short(i) for i in shown.index]
    shown.index.name = table.index.name
    return shown


def format_table(shown, *, wide: bool = False) -> str:
    """The table as text: 3 significant digits compact (4 wide), NaN as "nan"."""
    import pandas as pd

    digits = "{:.4g}" if wide else "{:.3g}"
    with pd.option_context("display.max_rows", 500, "display.width", 250 if wide else 80,
                           "display.max_columns", 100, "display.float_format", digits.format):
        return shown.to_string()


def wrap_legend(lines: list[str], width: int = 80) -> list[str]:
    """Legend items ("  key          text") wrapped to ``width`` with the text's indent kept."""
    import textwrap

    out = []
    for line in lines:
        indent = 15 if line.startswith("  ") else 2
        out += textwrap.wrap(line, width=width, subsequent_indent=" " * indent, break_on_hyphens=False) or [line]
    return out


def compare_legend(table, sampler: str, *, wide: bool = False, has_map: bool = True) -> list[str]:
    """Lines under the ``compare`` table: what the columns mean, with the HDI probability and eps rule."""
    a = table.attrs
    prob = float(a.get("prob", math.nan))
    eps = float(a.get("eps", math.nan))
    lines = ["legend:"]
    if "true" in table.columns:
        lines.append("  true         the weight that generated the data")
    if has_map:
        lines.append("  map          the MAP: the posterior's mode (the penalized fit)")
    lines.append("  mean         the posterior mean")
    lines.append(f"  hdi_low/high the {prob:.0%} highest-density interval (--hdi-prob; ArviZ 1.x's az.summary "
                 f"shows {ARVIZ_DEFAULT} by default)")
    rule = str(a.get("eps_rule", ""))
    if math.isfinite(eps):
        lines.append(f"  p_near_zero  P(|w| < eps), eps = {eps:.3g} ({rule})")
    else:
        lines.append(f"  p_near_zero  NaN: {rule}")
    if sampler == "laplace-is":
        lines.append("  r_hat        NaN: importance sampling (laplace-is) draws are independent, not Markov chains; "
                     "its reliability is k̂ and ESS_IS (above)")
    else:
        lines.append("  r_hat        split R̂ across chains (≤ 1.01 is good; needs ≥ 2 chains)")
    if not wide:
        lines.append("  --wide       shows every column (median, sd, p_positive, map_in_hdi, true_in_hdi, ess_bulk, …)")
    return wrap_legend(lines)


def sampler_lines(attrs) -> list[str]:
    """'importance sampling: Pareto k̂ = …, ESS_IS = …' whenever the draws are importance-sampled."""
    if "pareto_k" not in attrs:
        return []
    k, threshold = float(attrs["pareto_k"]), float(attrs.get("pareto_k_threshold", 0.7))
    ess = float(attrs.get("ess_importance", math.nan))
    verdict = "reliable" if k < threshold else "NOT reliable"
    return [f"importance sampling from the Laplace approximation: Pareto k̂ = {k:.3g} (threshold {threshold:.2g}: "
            f"{verdict}),", f"  importance ESS_IS = {ess:.0f} of {int(attrs.get('n_proposals', 0))} proposals"]


def sweep_legend(posterior: bool) -> list[str]:
    """Lines under the ``sweep`` table."""
    lines = ["legend:",
             "  MAP ≠ 0      how many MAP weights are not exactly zero",
             "  CV loss      held-out negative log-likelihood per row of the MAP, averaged over the CV folds",
             "  ± se         its standard error over the folds (the one-SE rule below uses it)",
             "  log evid.    log p(y | λ), Laplace approximation (empirical Bayes); nan for non-smooth priors"]
    if posterior:
        lines += ["  P(near 0)>½  how many weights have P(|w| < eps) > ½ (eps above)",
                  "  max R̂        the largest split R̂ over the weights (≤ 1.01 is good); div. = divergent transitions"]
    return wrap_legend(lines)
