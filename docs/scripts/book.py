"""The book's machinery: what each family page documents, what guards it, and its live status.

A family page holds one block

    <!-- book
    modules: transforms.fourier transforms.fourier_nd
    guards: tests/book/test_transforms_fourier.py
    -->

naming the modules it is the home of (as ``specref verify`` names families: the module path less ``specref.``)
and the test modules whose tests evaluate the page's formulas independently of the code. At build time
(docs/hooks.py) the block becomes the page's last section: the verify results of the modules' cases read from
the JSON report that CI's ``specref verify --json`` wrote before the build (verify is never rerun here), the
peers' verdicts from validation/REPORT.md, the findings that explain the known differences, the guards with the
first line of each test's docstring, and a link to the API reference of every public name the modules define.
The same functions tell tests/test_book.py which page claims which module and which guards exist, so the book
and its checks read one description.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BookBlock", "MATH_PACKAGES", "PACKAGES", "ROOT", "DOCS", "read_block", "pages", "public_names",
           "family_of", "guard_tests", "render_block", "api_markdown", "verify_report", "peer_rows", "findings"]

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
# The packages whose public names the API reference documents; the first group's modules each have a family page.
MATH_PACKAGES = ("transforms", "ops", "kernels", "layers", "blocks", "models", "ssm", "neural_kernels")
PACKAGES = (*MATH_PACKAGES, "backend", "testing", "compare", "interop", "bench", "oracle")
_BLOCK = re.compile(r"<!-- book\n(.*?)\n-->", re.S)
VERIFY_JSONS = ("verify-strict.json", "verify.json")  # CI writes the first (its strict step) before the build


@dataclass(frozen=True)
class BookBlock:
    """A page's book block: the modules it documents and its guard test files (paths from the repository root)."""

    page: Path
    modules: tuple[str, ...]
    guards: tuple[str, ...]


def read_block(page: Path, text: str | None = None) -> BookBlock | None:
    """The page's book block, or None when it has none."""
    text = page.read_text(encoding="utf-8") if text is None else text
    m = _BLOCK.search(text)
    if m is None:
        return None
    fields = {}
    for line in m.group(1).splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = tuple(value.split())
    return BookBlock(page, fields.get("modules", ()), fields.get("guards", ()))


def pages() -> list[BookBlock]:
    """Every page of docs/ that holds a book block."""
    return [b for p in sorted(DOCS.rglob("*.md")) if (b := read_block(p)) is not None]


def public_names(package: str) -> dict[str, str]:
    """``{public name: its documented path}`` of ``specref.<package>.__all__``: the defining module's path for
    functions and classes (``specref.transforms.fourier.rfft``), the package's for other objects."""
    mod = importlib.import_module(f"specref.{package}")
    out = {}
    for name in mod.__all__:
        obj = getattr(mod, name)
        home = getattr(obj, "__module__", None) if callable(obj) else None
        out[name] = f"{home}.{name}" if home and home.startswith("specref.") else f"specref.{package}.{name}"
    return out


def family_of(path: str) -> str:
    """``specref.transforms.fourier.rfft`` -> ``transforms.fourier`` (the module a page claims)."""
    return path.removeprefix("specref.").rsplit(".", 1)[0]


def guard_tests(guard: str, mention: str | None = None) -> list[tuple[str, str]]:
    """``(test name, first line of its docstring)`` of every test function of a guard file (read, not imported);
    with ``mention``, only the tests whose docstring contains it (a shared file guarding several pages)."""
    path = ROOT / guard
    if not path.is_file():
        return []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            doc = (ast.get_docstring(node) or "").strip()
            if mention is None or mention in doc:
                out.append((node.name, doc.splitlines()[0] if doc else ""))
    return out


def verify_report() -> tuple[dict | None, str]:
    """The verify JSON report CI wrote before the build (``SPECREF_VERIFY_JSON`` or the first of
    :data:`VERIFY_JSONS` in the repository root) and its path; ``(None, "")`` when there is none."""
    candidates = [os.environ["SPECREF_VERIFY_JSON"]] if os.environ.get("SPECREF_VERIFY_JSON") else VERIFY_JSONS
    for name in candidates:
        path = ROOT / name
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8")), name
    if os.environ.get("SPECREF_BOOK_REQUIRE_STATUS"):
        raise FileNotFoundError(f"no verify report among {candidates}: run `specref verify --json PATH` first")
    return None, ""


def peer_rows() -> tuple[list[list[str]], str]:
    """The rows of validation/REPORT.md's summary table (peer, component, dtype, configurations, worst / bound,
    max error, verdict) and the report's header line with its date and totals."""
    path = ROOT / "validation" / "REPORT.md"
    if not path.is_file():
        return [], ""
    text = path.read_text(encoding="utf-8")
    header = next((ln.removeprefix("- ") for ln in text.splitlines() if ln.startswith("- comparisons:")), "")
    date = next((ln.split("date (UTC):")[-1].strip() for ln in text.splitlines() if "date (UTC):" in ln), "")
    summary = text.split("## Summary", 1)[-1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in summary.splitlines()
            if ln.startswith("| ") and not ln.startswith("| peer") and not ln.startswith("| ---")]
    return rows, f"{header}, {date}" if date else header


def findings() -> dict[str, str]:
    """``{slug: title}`` of every entry of validation/FINDINGS.md."""
    path = ROOT / "validation" / "FINDINGS.md"
    if not path.is_file():
        return {}
    return dict(re.findall(r"^## `([a-z0-9_]+)`: (.*)$", path.read_text(encoding="utf-8"), re.M))


def _names_of(block: BookBlock, cases: dict[str, str]) -> set[str]:
    names = {case for case, fam in cases.items() if fam in block.modules}
    for package in MATH_PACKAGES:
        names |= {n for n, path in public_names(package).items() if family_of(path) in block.modules}
    from specref.compare.spectrans_transforms import CLASSES

    names |= {peer for peer, ours in CLASSES.items() if ours in names}
    return names


def _ratio(r: dict) -> float | None:
    err, bound = r.get("max_error"), r.get("bound")
    if isinstance(err, (int, float)) and isinstance(bound, (int, float)) and bound > 0:
        return err / bound
    return None


def _verify_table(block: BookBlock, report: dict, cases: dict[str, str]) -> list[str]:
    rows: dict[str, dict] = {}
    for r in report["results"]:
        if cases.get(r["case"]) not in block.modules:
            continue
        row = rows.setdefault(r["case"], {"pass": 0, "fail": 0, "skip": 0, "worst": {}})
        row["pass" if r["passed"] is True else "fail" if r["passed"] is False else "skip"] += 1
        if (ratio := _ratio(r)) is not None:
            row["worst"][r["check"]] = max(ratio, row["worst"].get(r["check"], 0.0))
    if not rows:
        return ["No registered verify case belongs to this page's modules."]
    lines = ["| case | points passed / failed / skipped | worst error / bound, per check |", "| --- | --- | --- |"]
    for case, row in rows.items():
        worst = ", ".join(f"{check} {ratio:.2g}" for check, ratio in sorted(row["worst"].items())) or "-"
        mark = "" if row["fail"] == 0 else " **FAILED**"
        lines.append(f"| `{case}` | {row['pass']} / {row['fail']}{mark} / {row['skip']} | {worst} |")
    return lines


def render_block(block: BookBlock) -> str:
    """The generated section that replaces a page's book block."""
    from specref.testing.registry import registered

    cases = {r.case.name: r.family for r in registered()}
    names = _names_of(block, cases)
    report, report_path = verify_report()
    depth = len(block.page.resolve().relative_to(DOCS).parts) - 1
    out = ["## Status, guards and API", "",
           "*Generated when this site was built, from the reports CI wrote before the build. Symbols as in "
           f"[Notation]({'../' * depth}notation.md).*", ""]
    out += ["### Verification", ""]
    if report is None:
        out += ["No verify report was present at build time (`specref verify --json verify.json` writes one).", ""]
    else:
        numpy_version = report.get("environment", {}).get("versions", {}).get("numpy", "?")
        out += [f"`specref verify --backend {report.get('backend')}` (`{report_path}`, specref "
                f"{report.get('specref')}, numpy {numpy_version}): every grid point of this page's cases; an "
                "error at 1 would be at its derived bound.", ""]
        out += _verify_table(block, report, cases) + [""]
    rows, header = peer_rows()
    mine = [r for r in rows if len(r) >= 7 and re.split(r"[ (]", r[1], maxsplit=1)[0] in names]
    out += ["### Peers", ""]
    if mine:
        out += [f"From `validation/REPORT.md` ({header}).", "",
                "| peer | component | dtype | configurations | worst error / bound | verdict |",
                "| --- | --- | --- | --- | --- | --- |"]
        out += [f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[6]} |" for r in mine]
    else:
        out += ["No peer implements this page's components (validation/REPORT.md has no row for them)."]
    out.append("")
    known = findings()
    slugs = dict.fromkeys(m for r in mine for m in re.findall(r"known: ([a-z0-9_]+)", r[6]))
    slugs.update(dict.fromkeys(s for s, title in known.items()
                               if any(f"`{n}`" in title for n in names if n[:1].isupper())))
    if slugs:
        out += ["### Findings", "", "Where a peer computes something else, each difference is an entry of "
                "`validation/FINDINGS.md` with its reproduction in `validation/findings/<slug>.py`:", ""]
        out += [f"- `{s}`: {known.get(s, '(no entry)')}" for s in slugs] + [""]
    guards = [f"- `{guard}::{name}`: {doc}" for guard in block.guards
              for name, doc in guard_tests(guard, None if guard.startswith("tests/book/") else block.page.name)]
    if guards:
        out += ["### Guards", "", "The tests that evaluate this page's formulas independently of the code and "
                "compare them with the functions it names:", "", *guards, ""]
    out += ["### API reference", ""]
    links = []
    for package in MATH_PACKAGES:
        for name, path in public_names(package).items():
            if family_of(path) in block.modules:
                links.append(f"[`{name}`][{path}]")
    out += [", ".join(dict.fromkeys(links)) or "This page's modules define no public name.", ""]
    return "\n".join(out)


def api_markdown(package: str) -> str:
    """The API reference of ``specref.<package>``: one mkdocstrings entry per public name, grouped by module."""
    by_module: dict[str, list[str]] = {}
    for path in public_names(package).values():
        by_module.setdefault(path.rsplit(".", 1)[0], []).append(path)
    out = []
    for module, paths in by_module.items():
        out += [f"## `{module}`", ""]
        for path in paths:
            out += [f"::: {path}", "    options:", "      heading_level: 3", ""]
    return "\n".join(out)
