"""Files along their seams, and documentation that cites only what ships in the repository (docs/design.md)."""

from __future__ import annotations

import ast
import pathlib
import re

REPO = pathlib.Path(__file__).resolve().parents[1]
MAX_LINES = 800  # no module over this
LONG = 600  # a module over this says in its docstring why it is one family (the phrase "one family")


def test_no_module_over_800_lines_and_long_ones_say_why():
    too_long, unexplained = [], []
    for path in sorted((REPO / "specref").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        n = len(text.splitlines())
        rel = path.relative_to(REPO).as_posix()
        if n > MAX_LINES:
            too_long.append(f"{rel}: {n} lines")
        elif n > LONG and "one family" not in (ast.get_docstring(ast.parse(text)) or "").lower():
            unexplained.append(f"{rel}: {n} lines")
    assert not too_long, "modules over 800 lines (split along the seam): " + ", ".join(too_long)
    assert not unexplained, "modules over 600 lines whose docstring does not say why they are one family: " + ", ".join(
        unexplained
    )


# Documents that live outside the repository: the docs and README cite docs/design.md instead.
OUTSIDE = re.compile(r"DESIGN\.md|STYLE\.md|shared/|peer-pitfalls|spectrans-inventory")


def test_docs_cite_only_documents_in_the_repository():
    pages = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    found = []
    for page in pages:
        for i, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{page.relative_to(REPO).as_posix()}:{i}: {line.strip()[:100]}")
    assert not found, "cite docs/design.md (or the repository's own files), not notes outside it:\n" + "\n".join(found)
