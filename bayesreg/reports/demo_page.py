"""The teaching page: the lecture's experiments (``examples/01_…`` to ``08_…``), in order, on one page.

Each example is run as ``bayesreg demo NAME`` runs it (its ``main(["--out",
folder] + ["--quick"])``); the page shows its explanation (the example's
docstring, which is the lecture's text), what it printed, and every figure it
wrote — nothing is recomputed for the page.  The examples print (they are
scripts); their output is captured here, not passed through.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import warnings
from pathlib import Path

from .html import esc, img, page, paragraphs, write_page

__all__ = ["demo_report", "demo_html", "run_example"]


def _docstring(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    m = re.search(r'"""(.*?)"""', text, re.S)
    return m.group(1).strip() if m else ""


def run_example(path: Path, folder: Path, *, quick: bool) -> dict:
    """Run one example into ``folder``; returns its title, explanation, printed output and figure paths."""
    folder.mkdir(parents=True, exist_ok=True)
    before = {p: p.stat().st_mtime for p in folder.glob("*.png")}
    spec = importlib.util.spec_from_file_location(f"bayesreg_example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spec.loader.exec_module(module)
        module.main((["--quick"] if quick else []) + ["--out", str(folder)])
    figures = sorted((p for p in folder.glob("*.png") if before.get(p) != p.stat().st_mtime),
                     key=lambda p: (p.stat().st_mtime, p.name))
    doc = _docstring(path)
    title, _, rest = doc.partition("\n")
    rest = "\n".join(ln for ln in rest.splitlines() if not ln.strip().startswith("Run:"))
    notes = sorted({str(w.message) for w in caught if issubclass(w.category, UserWarning)})
    return {"stem": path.stem, "title": title.strip(), "text": rest.strip(), "output": buf.getvalue().rstrip(),
            "figures": figures, "warnings": notes}


def _section(i: int, r: dict) -> str:
    figs = "".join(img(p, alt=f"{r['stem']}: {p.stem.replace('_', ' ')}", caption=p.name) for p in r["figures"])
    out = (f"<details><summary>what it printed</summary><pre>{esc(r['output'])}</pre></details>"
           if r["output"] else "")
    warn = "".join(f'<div class="verdict info">{esc(w)}</div>' for w in r["warnings"])
    return (f'<section id="{esc(r["stem"])}" class="example"><h2>{i}. {esc(r["title"])}</h2>'
            f'<p class="muted"><code>bayesreg demo {esc(r["stem"][:2])}</code> · {esc(r["stem"])}.py</p>'
            f"{paragraphs(r['text'])}{figs}{out}{warn}</section>")


def demo_html(results: list[dict], *, quick: bool, title: str = "bayesreg: the lecture, run") -> str:
    """The page for the results of :func:`run_example` (in order)."""
    toc = '<nav class="toc" aria-label="contents"><ol>' + "".join(
        f'<li><a href="#{esc(r["stem"])}">{esc(r["title"])}</a></li>' for r in results) + "</ol></nav>"
    intro = ("<p>The lecture's experiments, each run by bayesreg and shown with its explanation and figures. "
             "Penalties are priors and λ is a precision: a Gaussian prior has variance 1/λ, a Laplace prior scale "
             "1/λ. The MAP is the posterior's mode; the posterior itself is sampled.</p>")
    if quick:
        intro += ('<p class="muted">Built with --quick: tiny settings (few draws, few λ), so some numbers are '
                  "rougher than in the full run.</p>")
    body = toc + intro + "".join(_section(i, r) for i, r in enumerate(results, start=1))
    return page(title, body, subtitle="examples 01–08, in the lecture's order")


def demo_report(examples, path="demo.html", *, out="out/examples", quick: bool = False) -> Path:
    """Run ``examples`` (paths of example scripts, in order) and write the teaching page; returns its path.

    Each example writes its figures to ``out/<name>/``; the page embeds them, so it stands alone.
    """
    paths = [Path(p) for p in examples]
    missing = [str(p) for p in paths if not p.is_file()]
    if not paths or missing:
        raise ValueError(f"examples must be existing example scripts, got {missing or 'none'}")
    results = [run_example(p, Path(out) / p.stem, quick=quick) for p in paths]
    return write_page(path, demo_html(results, quick=quick))
