"""mkdocs hook: fill the status page from the case registry at build time.

The page `status.md` holds the marker ``<!-- status-table -->``; this hook replaces it with one row per
registered case (the same list `specref verify` and the tests iterate), so the table can never go stale.
"""

from __future__ import annotations

MARKER = "<!-- status-table -->"
MODULES = "<!-- module-table -->"


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
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    lines = ["## Every module", "", "| module | lines | what it holds |", "| --- | --- | --- |"]
    for path in sorted((root / "specref").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        doc = ast.get_docstring(ast.parse(text)) or ""
        first = doc.strip().splitlines()[0] if doc.strip() else ""
        rel = path.relative_to(root).as_posix()
        lines.append(f"| `{rel}` | {len(text.splitlines())} | {first.replace('|', '/')} |")
    return "\n".join(lines)


def on_page_markdown(markdown, page, config, files):
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, _table())
    if MODULES in markdown:
        markdown = markdown.replace(MODULES, _module_table())
    return markdown
