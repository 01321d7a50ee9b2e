"""The package's layers and the direction of its imports (docs/design.md).

Imports run one way: backend and _args, then ops, transforms and _jit, then kernels, then layers, with the
cross-cutting leaves (the Case type, the params container) importing only below themselves. Each check reads
the source (no import side effects), and each leaf module is also imported alone in a fresh interpreter, so
a leaf that pulls in a family (or a cycle that only a particular import order hides) fails here.
"""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "specref"

# The rank of each part of the package: a module may import modules of its own or a lower rank.
# ops, transforms and _jit share a rank, but ops must not import transforms (checked separately).
RANKS = {
    "specref.backend": 0,
    "specref._args": 0,
    "specref.testing.case": 1,
    "specref.testing.trees": 1,
    "specref.testing.draws": 1,
    "specref.testing.inputs": 1,
    "specref.testing.tolerances": 1,
    "specref.testing.checks": 1,
    "specref.interop": 1,
    "specref._jit": 2,
    "specref.ops": 2,
    "specref.transforms": 2,
    "specref.oracle": 3,
    "specref.kernels": 4,
    "specref.layers": 5,
    "specref.compare": 6,
    "specref.bench": 6,
}

# Leaves: modules that must import nothing of specref beyond what is listed (the modules named here or below).
LEAVES = {
    "specref.backend": set(),
    "specref._args": {"specref.backend"},  # its docstring: "it imports only specref.backend" (dtype checks)
    "specref.testing.case": set(),
    "specref.testing.draws": set(),
    "specref.bench.case": set(),
    "specref.interop.state_dict": {"specref.backend"},
    "specref.interop.params": {"specref.backend", "specref.interop.state_dict"},
}

# Parts that must not import one another although their ranks allow it.
FORBIDDEN = [
    ("specref.compare", "specref.bench"),
    ("specref.ops", "specref.transforms"),
    ("specref.testing", "specref.ops"),
    ("specref.testing", "specref.transforms"),
    ("specref.testing", "specref.kernels"),
    ("specref.testing", "specref.layers"),
    ("specref.testing", "specref._jit"),
    ("specref.interop", "specref.ops"),
    ("specref.interop", "specref.transforms"),
    ("specref.interop", "specref.kernels"),
    ("specref.interop", "specref.layers"),
]


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, pathlib.Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(path: pathlib.Path) -> set[str]:
    """The specref modules a file imports at module level or inside functions (``from x import y`` gives x)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("specref"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("specref"):
            found.add(node.module)
    return found


def _rank(module: str) -> int | None:
    best = None
    for prefix, rank in RANKS.items():
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, rank)
    return None if best is None else best[1]


def _within(module: str, part: str) -> bool:
    return module == part or module.startswith(part + ".")


def test_every_family_imports_downwards():
    wrong = []
    for name, path in _modules().items():
        own = _rank(name)
        if own is None:
            continue  # cli, the registry, the runner and other top-level users may import anything
        for target in _imports(path):
            rank = _rank(target)
            if rank is not None and rank > own:
                wrong.append(f"{name} (rank {own}) imports {target} (rank {rank})")
    assert not wrong, "imports against the direction of docs/design.md:\n" + "\n".join(wrong)


def test_forbidden_pairs():
    wrong = []
    for name, path in _modules().items():
        if name == "specref.testing.registry":
            continue  # the registry collects every family's CASES by walking the package, on purpose
        for source, target in FORBIDDEN:
            if _within(name, source):
                wrong += [f"{name} imports {t}" for t in _imports(path) if _within(t, target)]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("leaf", sorted(LEAVES))
def test_leaves_import_only_what_they_declare(leaf):
    path = _modules()[leaf]
    extra = {t for t in _imports(path) if t != leaf and t not in LEAVES[leaf]}
    assert not extra, f"{leaf} is a leaf but imports {sorted(extra)}"


@pytest.mark.parametrize("leaf", sorted(LEAVES))
def test_leaf_imports_alone(leaf):
    """A fresh interpreter imports the leaf, and no family module comes with it."""
    code = (
        "import sys, importlib; importlib.import_module(sys.argv[1]); "
        "families = ('specref.ops', 'specref.transforms', 'specref.kernels', 'specref.layers', 'specref._jit'); "
        "print(sorted(m for m in sys.modules if m.startswith(families)))"
    )
    out = subprocess.run([sys.executable, "-c", code, leaf], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"importing {leaf} alone also imported {out.stdout.strip()}"
