"""The book's structure: every family page has its book block, forward, backward and cost sections, guards that
exist and test that page, and between them the pages claim every module once, so every component has a page
with its status and its API links (docs/scripts/book.py renders them at build time)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
sys.path.insert(0, str(DOCS / "scripts"))

import book  # noqa: E402

from specref.testing.registry import registered  # noqa: E402

FAMILY_PAGES = sorted([*(DOCS / "transforms").glob("*.md"), *(DOCS / "layers").glob("*.md"),
                       *(DOCS / "kernels").glob("*.md"),
                       *(DOCS / name for name in ("kernels.md", "ops.md", "blocks.md", "models.md", "beyond.md",
                                                  "neural_kernels.md"))])
SECTIONS = {  # what a family page must hold, as headings or bold lead-ins (named as its math calls them)
    "forward": r"forward|definition|the forward|analysis|exact kernels|the feature maps|compositions",
    "backward": r"backward|adjoint|vjp|derivation|derived|jacobian",
    "cost": r"cost",
}


def _rel(page: Path) -> str:
    return page.relative_to(DOCS.parent).as_posix()


@pytest.mark.parametrize("page", FAMILY_PAGES, ids=lambda p: _rel(p))
def test_family_page_has_its_block_sections_and_guards(page):
    block = book.read_block(page)
    assert block is not None, f"{_rel(page)} has no <!-- book ... --> block"
    assert block.modules, f"{_rel(page)}: the block names no module"
    text = page.read_text(encoding="utf-8")
    # headings, and the bold lead-ins a page's sections use ("**Backward.**", "**Cost.**", "**VJP** (...)")
    headings = [h.lower() for h in re.findall(r"^#{2,4} (.*)$|^\*\*([^*]{2,40})\*\*", text, re.M) for h in h if h]
    for section, pattern in SECTIONS.items():
        assert any(re.search(pattern, h) for h in headings), f"{_rel(page)} has no {section} section: {headings}"
    assert block.guards, f"{_rel(page)} names no guard"
    for guard in block.guards:
        tests = book.guard_tests(guard, None if guard.startswith("tests/book/") else page.name)
        assert tests, f"{_rel(page)}: guard {guard} does not exist or holds no test of this page"
        if guard.startswith("tests/book/"):
            stray = [name for name, doc in tests if not doc.startswith(_rel(page))]
            assert not stray, f"{guard}: tests whose docstring does not name {_rel(page)} first: {stray}"


def test_every_guard_file_is_named_by_its_page():
    named = {g for b in book.pages() for g in b.guards}
    files = {p.relative_to(DOCS.parent).as_posix() for p in (DOCS.parent / "tests" / "book").glob("test_*.py")}
    assert files <= named, f"guard files no page names: {sorted(files - named)}"


def test_every_module_is_claimed_by_exactly_one_page():
    claims: dict[str, list[str]] = {}
    for b in book.pages():
        for module in b.modules:
            claims.setdefault(module, []).append(_rel(b.page))
    twice = {m: p for m, p in claims.items() if len(p) > 1}
    assert not twice, f"modules claimed by more than one page: {twice}"
    needed = {r.family for r in registered()}
    for package in book.MATH_PACKAGES:
        needed |= {book.family_of(path) for path in book.public_names(package).values()}
    missing = sorted(needed - set(claims))
    assert not missing, f"modules with verify cases or public names that no page claims: {missing}"
    unknown = sorted(set(claims) - needed)
    assert not unknown, f"pages claim modules that define nothing public and register no case: {unknown}"


@pytest.mark.parametrize("package", book.PACKAGES)
def test_every_package_has_its_api_page(package):
    page = DOCS / "api" / f"{package}.md"
    text = page.read_text(encoding="utf-8")
    assert f"<!-- api: {package} -->" in text or f"::: specref.{package}" in text


def test_the_notation_page_defines_each_symbol_once():
    text = (DOCS / "notation.md").read_text(encoding="utf-8")
    symbols = re.findall(r"^\| (\$[^|]*\$)[^|]* \|", text, re.M)
    assert len(symbols) == len(set(symbols)), sorted(s for s in symbols if symbols.count(s) > 1)


def test_every_figure_is_drawn_by_the_build():
    """Each SVG a page shows is written by a figure script the docs build runs, and none is committed."""
    import subprocess

    hooks = (DOCS / "hooks.py").read_text(encoding="utf-8")
    scripts = re.search(r"FIGURE_SCRIPTS = \((.*?)\)", hooks, re.S).group(1)
    sources = "".join((DOCS / "scripts" / f"{name}.py").read_text(encoding="utf-8")
                      for name in re.findall(r'"(\w+)"', scripts))
    shown = {m for page in DOCS.rglob("*.md") for m in re.findall(r"figures/([\w.-]+\.svg)",
                                                                  page.read_text(encoding="utf-8"))}
    undrawn = [name for name in shown
               if name not in sources and not (name.startswith("performance_") and "performance_" in sources)]
    assert not undrawn, f"figures no build script draws: {undrawn}"
    tracked = subprocess.run(["git", "ls-files", "docs/figures/*.svg"], cwd=DOCS.parent, capture_output=True,
                             text=True).stdout.split()
    assert not tracked, f"generated figures committed: {tracked}"
