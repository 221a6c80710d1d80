"""The README and docs stand alone for someone with only a clone.

* No tracked file points at the design notes or the shared folder that live
  outside the repository (the contract is docs/contract.md).
* Every relative link (and image) in README.md and docs/*.md names a file that
  exists, and an anchor into a Markdown file names one of its headings.
* Every python block of the README compiles; the self-contained ones run, and
  their stated results are checked (the custom prior's MAP against the closed form).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Written in two pieces so that this file does not match itself.
FORBIDDEN = ["DESIGN" + ".md", "../" + "shared"]

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in out.decode().split("\0") if name]


def test_no_tracked_file_points_outside_the_repository():
    hits = []
    for path in tracked_files():
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:  # binary (figures)
            continue
        text = data.decode("utf-8", errors="replace")
        for lineno, line in enumerate(text.splitlines(), 1):
            hits += [f"{path.relative_to(ROOT)}:{lineno}: {word}" for word in FORBIDDEN if word in line]
    assert not hits, "references to files a clone does not have:\n" + "\n".join(hits)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces → '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", text, re.M)}


def test_slug_matches_githubs_rule():
    assert slug("7. Where the lecture's text slips") == "7-where-the-lectures-text-slips"
    assert slug("Linear regression: σ estimated") == "linear-regression-σ-estimated"


def relative_links(path: Path) -> list[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))  # code is not a link
    return [t for t in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_to_existing_files(path):
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading with anchor #{anchor}")
    assert not broken, f"{path.name}: " + "; ".join(broken)


def test_readme_links_the_lecture_summary_and_the_contract():
    links = relative_links(ROOT / "README.md")
    assert any(t.split("#")[0] == "docs/lecture.md" for t in links)
    assert "docs/contract.md" in links


def readme_python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [m.group(2) for m in FENCE.finditer(text) if m.group(1) == "python"]


def block_starting(prefix: str) -> str:
    found = [b for b in readme_python_blocks() if b.lstrip().startswith(prefix)]
    assert len(found) == 1, f"expected one README python block starting {prefix!r}, found {len(found)}"
    return found[0]


def test_every_readme_python_block_compiles():
    blocks = readme_python_blocks()
    assert len(blocks) >= 5
    for i, block in enumerate(blocks):
        compile(block, f"README.md python block {i}", "exec")


def test_readme_use_block_runs_and_its_comment_holds():
    """The first example is self-contained; its comment promises 34/50 exact zeros and U = 10.08."""
    ns: dict = {}
    exec(compile(block_starting("import bayesreg as br\nfrom bayesreg.datasets"), "README use", "exec"), ns)
    res = ns["est"].map_
    assert res.converged
    assert int(np.sum(ns["est"].coef_ == 0.0)) == 34
    assert res.objective == pytest.approx(10.08, abs=0.005)


def test_readme_custom_prior_block_fits_the_closed_form_map():
    """The "Write your own prior" block up to the MAP fit (the posterior part is the slow, compiled one).

    With σ fixed and no intercept, U = ‖y − Xw‖²/(2σ²) + (λ/2)‖w − μ‖², whose minimizer is
    (XᵀX/σ² + λI)⁻¹(Xᵀy/σ² + λμ): the README's prior must reach it through the solvers.
    """
    block = block_starting("import math")
    head = block.split("\npost = ", 1)[0]
    assert "est = br.LinearRegression(" in head
    ns: dict = {}
    exec(compile(head, "README custom prior", "exec"), ns)
    X, y, est = ns["X"], ns["y"], ns["est"]
    lam, mu, sigma = 20.0, 1.5, 0.7
    expected = np.linalg.solve(X.T @ X / sigma**2 + lam * np.eye(3), X.T @ y / sigma**2 + lam * mu)
    assert est.map_.converged
    np.testing.assert_allclose(est.coef_, expected, rtol=1e-5, atol=1e-5)  # the solver's tolerance


def test_readme_poisson_block_fit_matches_its_comments():
    """The Poisson block up to the posterior: "1 of 4 weights exactly 0" and predict = exp(x·w + b)."""
    block = block_starting("import numpy as np\nimport bayesreg as br")
    head = block.split("\npost = ", 1)[0]
    ns: dict = {}
    exec(compile(head, "README poisson", "exec"), ns)
    X, est = ns["X"], ns["est"]
    assert est.map_.converged
    assert int(np.sum(est.coef_ == 0.0)) == 1
    np.testing.assert_allclose(est.predict(X[:3]), np.exp(X[:3] @ est.coef_ + est.intercept_), rtol=1e-12)


def free_names(block: str) -> set[str]:
    """Names a block reads but neither assigns, imports, defines nor gets from builtins."""
    import ast
    import builtins

    bound, loaded = set(dir(builtins)), set()
    for node in ast.walk(ast.parse(block)):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return loaded - bound


def test_free_names_finds_what_a_block_needs():
    assert free_names("import numpy as np\nx = np.ones(3)\nprint(x, y)") == {"y"}


def test_readme_python_blocks_are_self_contained_or_say_what_they_need():
    """A block that uses names it does not define starts with a comment saying where they come from."""
    for block in readme_python_blocks():
        free = free_names(block)
        if free:
            assert block.lstrip().startswith("#"), f"block uses {sorted(free)} without saying where from:\n{block[:200]}"
