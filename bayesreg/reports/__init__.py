"""Self-contained HTML reports: one page per analysis, an interactive λ explorer, the lecture's teaching page.

* :func:`report` — ``report.html`` of a ``compare`` run (MAP vs posterior), from its
  :class:`bayesreg.io.Results` or ``results.nc`` (:mod:`.compare_page`);
* :func:`sweep_report` — ``sweep.html``: a λ slider that moves the coefficient forest, the
  prior density and the "λ ⇔ scale" readout (:mod:`.sweep_page`);
* :func:`demo_report` — the lecture's examples and figures on one page (:mod:`.demo_page`).

Pages embed their CSS, scripts, figures and data and make no network request
(:mod:`.html`).
"""

from .compare_page import report, results_in_memory

__all__ = ["report", "results_in_memory", "sweep_report", "demo_report"]


def __getattr__(name: str):
    if name == "sweep_report":
        from .sweep_page import sweep_report
        return sweep_report
    if name == "demo_report":
        from .demo_page import demo_report
        return demo_report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
