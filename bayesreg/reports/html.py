"""The page skeleton shared by every report: escaping, inline CSS/JS, embedded figures and JSON.

Every page is ONE self-contained file: the stylesheet and scripts (``static/``,
package data) are inlined, figures are ``data:`` URIs (base64 PNG) or inline
SVG, and the data a script needs is a JSON ``<script type="application/json">``
block.  A Content-Security-Policy ``<meta>`` forbids the browser any network
request (``default-src 'none'``), so a page that tried one would fail loudly in
the browser's console rather than leak or break offline.

All text that comes from data (feature names, settings, messages) goes through
:func:`esc`; nothing here prints.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = ["esc", "fmt", "static_text", "page", "png_data_uri", "img", "json_block", "write_page", "paragraphs"]

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'")


def esc(text) -> str:
    """``text`` as HTML text or attribute value (quotes escaped too)."""
    return html.escape(str(text), quote=True)


def fmt(x, digits: int = 4) -> str:
    """A number as short text: ``nan`` for missing values, ``g`` format otherwise; others as ``str``."""
    if x is None:
        return "—"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(v):
        return "—" if math.isnan(v) else ("∞" if v > 0 else "−∞")
    return f"{v + 0.0:.{digits}g}"


def static_text(name: str) -> str:
    """The text of a file in ``bayesreg/report/static`` (package data)."""
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def json_block(element_id: str, data) -> str:
    """``data`` as a JSON ``<script>`` block a page's script reads with ``JSON.parse``.

    ``<``, ``>`` and ``&`` are written as ``\\u003c`` etc., so no string in the
    data can close the script element.
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{esc(element_id)}">{text}</script>'


def png_data_uri(figure_or_path, dpi: int = 110) -> str:
    """A ``data:image/png;base64,…`` URI of a matplotlib Figure or of a PNG file."""
    if isinstance(figure_or_path, (str, Path)):
        raw = Path(figure_or_path).read_bytes()
        if raw[:8] != b"\x89PNG\r\n\x1a\n":
            raise ValueError(f"figure {str(figure_or_path)!r} is not a PNG file")
    else:
        buf = io.BytesIO()
        figure_or_path.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        raw = buf.getvalue()
    return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")


def img(figure_or_path, alt: str, caption: str = "") -> str:
    """A ``<figure>`` with the image embedded and an optional caption."""
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{png_data_uri(figure_or_path)}" alt="{esc(alt)}">{cap}</figure>'


def _inline(text: str) -> str:
    """Escaped text with the docstrings' light markup: ``code``, **strong**, *emphasis*."""
    out = esc(text)
    out = re.sub(r"``(.+?)``", r"<code>\1</code>", out)
    out = re.sub(r"\*\*(\S(?:.*?\S)?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])", r"<em>\1</em>", out)


def paragraphs(text: str) -> str:
    """Plain text (a docstring) as HTML: blank-line separated paragraphs, ``*``/``-`` and ``1.`` lists, indented code."""
    out = []
    for block in [b for b in str(text).strip().split("\n\n") if b.strip()]:
        lines = block.splitlines()
        stripped = [ln.strip() for ln in lines]
        if all(ln.startswith("    ") for ln in lines):
            out.append(f"<pre>{esc(chr(10).join(ln[4:] for ln in lines))}</pre>")
            continue
        items, current = [], None
        for ln in stripped:
            marker = ln[:2] in ("* ", "- ") or (ln[:1].isdigit() and ln[1:3] in (". ", ") "))
            if marker:
                current = [ln[2:] if ln[:2] in ("* ", "- ") else ln[3:]]
                items.append(current)
            elif current is not None:
                current.append(ln)
            else:
                items = None
                break
        if items:
            tag = "ol" if stripped[0][:1].isdigit() else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(' '.join(i))}</li>" for i in items) + f"</{tag}>")
        else:
            out.append(f"<p>{_inline(' '.join(stripped))}</p>")
    return "\n".join(out)


def page(title: str, body: str, *, scripts: tuple[str, ...] = (), data: dict | None = None,
         subtitle: str = "") -> str:
    """A whole HTML document: ``body`` (already HTML) inside the shared layout, CSS and ``scripts`` inlined.

    ``scripts`` are names of files in ``static/``; ``data`` becomes the JSON block ``id="report-data"``.
    """
    from .. import __version__

    css = static_text("report.css")
    js = "\n".join(f"<script>{static_text(name)}</script>" for name in scripts)
    blob = json_block("report-data", data) if data is not None else ""
    sub = f'<p class="subtitle">{esc(subtitle)}</p>' if subtitle else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
        f"<header><h1>{esc(title)}</h1>{sub}</header>\n<main>\n{body}\n</main>\n"
        f'<footer>written by bayesreg {esc(__version__)}: one self-contained file, no network access.</footer>\n'
        f"{blob}\n{js}\n</body>\n</html>\n")


def write_page(path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8); returns the path."""
    from ..files import atomic_write, check_path

    p = check_path(path, for_writing=True)
    atomic_write(lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), p)
    return p


def data_table(columns: list[tuple[str, str]], rows: list[list], *, table_id: str, caption: str = "",
               row_header: bool = True) -> str:
    """A sortable ``<table>``: ``columns`` are (key, label); each row's cells are raw values.

    Every header is a ``<button>`` (keyboard: Tab + Enter) that sorts by its column;
    each cell keeps its raw number in ``data-value`` so sorting is numeric.
    """
    head = "".join(f'<th scope="col" aria-sort="none"><button type="button" data-col="{i}">{esc(label)}</button></th>'
                   for i, (_, label) in enumerate(columns))
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            num = _number(v)
            val = f' data-value="{num!r}"' if num is not None else f' data-value="{esc(v)}"'
            text = esc(v) if num is None else esc(fmt(v))
            tag = "th scope=\"row\"" if (i == 0 and row_header) else "td"
            cls = ' class="num"' if num is not None else ""
            cells.append(f"<{tag}{val}{cls}>{text}</{tag.split()[0]}>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (f'<div class="table-wrap"><table class="sortable" id="{esc(table_id)}">{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _number(v):
    if isinstance(v, (bool, np.bool_)):
        return float(bool(v))
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else None
    return None


__all__ += ["data_table"]
