"""mkdocs hooks: the parts of the site generated at build time.

- before the build, every figure script in docs/scripts/ (:data:`FIGURE_SCRIPTS`, each a ``figures()`` returning
  ``{file name: SVG}``, drawn with matplotlib) writes its figures into docs/figures/ (not committed);
- on each page, the markers are filled in: ``<!-- status-table -->`` (status.md: one row per registered case),
  ``<!-- module-table -->`` (design.md: every module), ``<!-- api: PACKAGE -->`` (the API reference of
  ``specref.PACKAGE``, one mkdocstrings entry per public name) and a family page's ``<!-- book ... -->`` block
  (its verify status, peers, findings, guards and API links: docs/scripts/book.py);
- after the build, MathJax is copied from the package the docs extra installs (django-static-mathjax) into the
  site, so the math renders without a network; the package's files are never committed.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent / "scripts"
FIGURE_SCRIPTS = ("performance", "attention_approximation", "train_by_hand", "fig_global_filter",
                  "fig_dwt_subbands", "fig_rff_approximation", "fig_fft_accuracy")
MARKER = "<!-- status-table -->"
MODULES = "<!-- module-table -->"
MATHJAX_SITE_DIR = "javascripts/mathjax"

if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import book  # noqa: E402  (docs/scripts is not a package)


def _table() -> str:
    from specref.testing.registry import collect

    lines = [
        "| case | kind | checks | grid points (default / full) | dtypes | backend limits |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for case in collect():
        if case.kind == "linear":
            checks = "adjoint, dense_adjoint, no_mutation"
        elif case.kind == "nonlinear":
            checks = "vjp, no_mutation"
        else:
            checks = ""
        extra = [name for name, on in (("reference", case.reference is not None),
                                       ("extra", bool(case.extra_checks))) if on]
        checks = ", ".join(c for c in [checks, *extra] if c)
        limits = "; ".join(f"{k}: {v}" for k, v in case.backend_limits.items()) or "-"
        lines.append(
            f"| `{case.name}` | {case.kind} | {checks} | {len(case.points())} / {len(case.points(True))} | "
            f"{', '.join(case.dtypes)} | {limits} |"
        )
    return "\n".join(lines)


def _module_table() -> str:
    """One row per module of the package: its path, its length and the first line of its docstring."""
    import ast

    lines = ["## Every module", "", "| module | lines | what it holds |", "| --- | --- | --- |"]
    for path in sorted((book.ROOT / "specref").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        doc = ast.get_docstring(ast.parse(text)) or ""
        first = doc.strip().splitlines()[0] if doc.strip() else ""
        rel = path.relative_to(book.ROOT).as_posix()
        lines.append(f"| `{rel}` | {len(text.splitlines())} | {first.replace('|', '/')} |")
    return "\n".join(lines)


def draw_figures() -> list[str]:
    """Run every figure script and write its figures into docs/figures/; return the files written."""
    if str(SCRIPTS) not in sys.path:  # mkdocs restores sys.path after loading the hooks
        sys.path.insert(0, str(SCRIPTS))
    from _plot import write_figures

    return [file for name in FIGURE_SCRIPTS for file in write_figures(importlib.import_module(name).figures())]


def mathjax_dir() -> Path:
    """MathJax's es5 bundle inside the installed django-static-mathjax package (the docs extra)."""
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("MathJax for the offline site comes from the docs extra: pip install -e '.[docs]'")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"


def on_pre_build(config):
    draw_figures()


def on_page_markdown(markdown, page, config, files):
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, _table())
    if MODULES in markdown:
        markdown = markdown.replace(MODULES, _module_table())
    if "<!-- api: " in markdown:
        for package in book.PACKAGES:
            markdown = markdown.replace(f"<!-- api: {package} -->", book.api_markdown(package))
    block = book.read_block(Path(page.file.abs_src_path), markdown)
    if block is not None:
        markdown = book._BLOCK.sub(lambda _: book.render_block(block), markdown)
    return markdown


def on_post_build(config):
    shutil.copytree(mathjax_dir(), Path(config["site_dir"]) / MATHJAX_SITE_DIR, dirs_exist_ok=True)
