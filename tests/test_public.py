"""The public surface: names at package level, a light ``import specref``, and every name the docs use.

Each family package re-exports the ``__all__`` of its public modules (docs/design.md): a name two modules
export must be one object (else one would silently shadow the other), a private module (``_shared``,
``_common``) exports nothing at package level, and the deep paths keep working. ``import specref`` imports
no family, no Numba, no torch and no JAX. Every ``from specref... import ...`` line, backticked
``specref.x.y`` reference and ``::: specref.x`` directive of README.md and docs/ resolves.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pathlib
import pkgutil
import re
import subprocess
import sys
import types

import pytest

import specref
from specref import backend

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "specref"

# The packages that re-export their modules' public names (and their public subpackages').
REEXPORTING = [
    "specref.transforms",
    "specref.ops",
    "specref.kernels",
    "specref.layers",
    "specref.layers.attention",
    "specref.layers.mixing",
    "specref.layers.operators",
    "specref.interop",
    "specref.neural_kernels",
    "specref.blocks",
]
# Entry points, not libraries: run as programs, they export nothing.
ENTRY_POINTS = {"specref.__main__", "specref.cli"}


def _public_parts(package: str) -> dict[str, types.ModuleType]:
    """The package's public modules and subpackages (no leading underscore), imported."""
    pkg = importlib.import_module(package)
    return {
        info.name: importlib.import_module(f"{package}.{info.name}")
        for info in pkgutil.iter_modules(pkg.__path__)
        if not info.name.startswith("_")
    }


def _declares_all(path: pathlib.Path) -> bool:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return True
    return False


# ------------------------------------------------------------------------------------------------------------
# names at package level


def test_every_module_declares_all():
    """Every module and package of specref (the two entry points excepted) assigns ``__all__``."""
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name not in ENTRY_POINTS and not _declares_all(path):
            missing.append(name)
    assert not missing, f"modules without __all__: {missing}"


@pytest.mark.parametrize("package", REEXPORTING)
def test_package_all_is_its_modules_all(package):
    """``__all__`` lists each name once, and is exactly the union of its public parts' ``__all__``."""
    pkg = importlib.import_module(package)
    duplicated = sorted({n for n in pkg.__all__ if pkg.__all__.count(n) > 1})
    assert not duplicated, f"{package}.__all__ lists {duplicated} more than once"
    union = {name for part in _public_parts(package).values() for name in part.__all__}
    assert set(pkg.__all__) == union, (
        f"{package}.__all__ differs from its modules': missing {sorted(union - set(pkg.__all__))}, "
        f"extra {sorted(set(pkg.__all__) - union)}"
    )


@pytest.mark.parametrize("package", REEXPORTING)
def test_no_name_clash_between_modules(package):
    """A name exported by two modules of one package is one object; otherwise the package would shadow one."""
    owner: dict[str, tuple[str, object]] = {}
    clashes = []
    for part_name, part in _public_parts(package).items():
        for name in part.__all__:
            obj = getattr(part, name)
            if name in owner and owner[name][1] is not obj:
                clashes.append(f"{name}: {package}.{owner[name][0]} and {package}.{part_name}")
            owner.setdefault(name, (part_name, obj))
    assert not clashes, "one name, two objects:\n" + "\n".join(clashes)


@pytest.mark.parametrize("package", REEXPORTING)
def test_every_public_name_is_reachable_from_its_package(package):
    """Each public module's ``__all__`` resolves on the package to the module's own object."""
    pkg = importlib.import_module(package)
    wrong = [
        f"{package}.{name} (from .{part_name})"
        for part_name, part in _public_parts(package).items()
        for name in part.__all__
        if getattr(pkg, name, None) is not getattr(part, name)
    ]
    assert not wrong, f"not reachable as the module's object: {wrong}"


@pytest.mark.parametrize("package", REEXPORTING)
def test_private_modules_export_nothing_at_package_level(package):
    """A private module's names reach the package only where a public module exports them too."""
    pkg = importlib.import_module(package)
    public = {name for part in _public_parts(package).values() for name in part.__all__}
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            private = importlib.import_module(f"{package}.{info.name}")
            leaked = sorted((set(private.__all__) & set(pkg.__all__)) - public)
            assert not leaked, f"{package} re-exports {leaked} of its private module {info.name}"


@pytest.mark.parametrize("package", ["specref.transforms", "specref.ops", "specref.kernels", "specref.layers"])
def test_every_public_class_and_function_is_in_all(package):
    """A class or function a module defines under a public name is in that module's ``__all__``."""
    unlisted = []
    pkg = importlib.import_module(package)
    for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{package}."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        unlisted += [
            f"{info.name}.{name}"
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and (inspect.isclass(obj) or inspect.isfunction(obj))
            and obj.__module__ == info.name
            and name not in module.__all__
        ]
    assert not unlisted, f"public but not in __all__ (so not re-exported): {unlisted}"


def test_the_layers_import_from_their_package():
    from specref.layers import (  # noqa: F401
        AdaptiveGlobalFilter,
        AFNOMixing,
        BlockDiagonalAFNOMixing,
        FourierMixing,
        FourierMixing1D,
        GlobalFilterMixing,
        GlobalFilterMixing2D,
        Layer,
        RealFourierMixing,
        SeparableFourierMixing,
    )
    from specref.layers.mixing.afno import AFNOMixing as deep

    assert AFNOMixing is deep


def test_the_families_import_from_their_packages():
    from specref.kernels import GaussianRFFKernel, OrthogonalRandomFeatures, TruncatedSVDKernel  # noqa: F401
    from specref.ops import gelu, gelu_vjp, softmax, sum_to_shape  # noqa: F401
    from specref.transforms import dct, hadamard, mdct, rfft, rfft_adjoint, slant, wavedec  # noqa: F401
    from specref.transforms.fourier import rfft as deep

    assert rfft is deep
    # three functions share their module's name: the package attribute is the function, the module stays
    # importable by name
    for name in ("hadamard", "slant", "mdct"):
        module = importlib.import_module(f"specref.transforms.{name}")
        assert getattr(importlib.import_module("specref.transforms"), name) is getattr(module, name)


def test_activation_tables_have_distinct_names():
    """AFNO's and the global filters' activation tables were both ``ACTIVATIONS``: each now names its layer."""
    from specref.layers import AFNO_ACTIVATIONS, FILTER_ACTIVATIONS

    assert set(FILTER_ACTIVATIONS) == {"sigmoid", "tanh", "identity"}
    assert {"gelu", "relu", "identity"} <= set(AFNO_ACTIVATIONS)
    assert not hasattr(importlib.import_module("specref.layers"), "ACTIVATIONS")


# ------------------------------------------------------------------------------------------------------------
# import specref stays light


def _fresh(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_import_specref_is_light():
    """A fresh ``import specref`` brings no family, no Numba (so nothing compiled), no torch and no JAX."""
    out = _fresh(
        "import sys; import specref; "
        "heavy = ('numba', 'torch', 'jax', 'cupy', 'specref.ops', 'specref.transforms', 'specref.kernels', "
        "'specref.layers', 'specref._jit'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(heavy)))"
    )
    assert out == "[]", f"import specref also imported {out}"


def test_importing_the_families_compiles_nothing_and_needs_no_peer():
    """The families import Numba (their hot loops) but compile nothing until called; torch and JAX stay out."""
    out = _fresh(
        "import sys; import specref.transforms, specref.ops, specref.kernels, specref.layers, specref.interop; "
        "from numba.core.registry import CPUDispatcher; "
        "compiled = [f'{m}.{n}' for m, mod in list(sys.modules.items()) if m.startswith('specref') "
        "for n, obj in vars(mod).items() if isinstance(obj, CPUDispatcher) and obj.signatures]; "
        "print(compiled, sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'jax')))"
    )
    assert out == "[] []", out


# ------------------------------------------------------------------------------------------------------------
# every name the docs and the README use


def _doc_files() -> list[pathlib.Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


_FROM_IMPORT = re.compile(r"from (specref(?:\.\w+)*) import (\([^)]*\)|[^\n`]*)")
_BACKTICKED = re.compile(r"`(specref(?:\.\w+)+)")
_DIRECTIVE = re.compile(r"^:::\s*(specref(?:\.\w+)*)", re.M)


def _doc_imports() -> list[tuple[str, str, str]]:
    """(file, module, name) of every ``from specref... import name`` in the docs."""
    found = []
    for path in _doc_files():
        for module, names in _FROM_IMPORT.findall(path.read_text(encoding="utf-8")):
            names = re.sub(r"#[^\n]*", "", names).strip("() \n")
            for item in names.split(","):
                name = item.strip().split(" as ")[0].strip()
                if name:
                    found.append((path.relative_to(ROOT).as_posix(), module, name))
    return found


def _doc_references() -> list[tuple[str, str]]:
    """(file, dotted name) of every backticked ``specref.x.y`` and every ``::: specref.x`` directive."""
    found = []
    for path in _doc_files():
        text = path.read_text(encoding="utf-8")
        found += [(path.relative_to(ROOT).as_posix(), ref) for ref in _BACKTICKED.findall(text)]
        found += [(path.relative_to(ROOT).as_posix(), ref) for ref in _DIRECTIVE.findall(text)]
    return found


def _resolve(dotted: str):
    """The object a dotted reference names; a submodule wins over a package attribute of the same name."""
    parts = dotted.split(".")
    obj, name = importlib.import_module(parts[0]), parts[0]
    for part in parts[1:]:
        name = f"{name}.{part}"
        if hasattr(obj, "__path__") and importlib.util.find_spec(name) is not None:
            obj = importlib.import_module(name)
        else:
            obj = getattr(obj, part)
    return obj


def test_the_docs_use_names():
    """The scan finds the imports and references the pages are known to use (guards the regexes)."""
    imports = {(m, n) for _, m, n in _doc_imports()}
    assert ("specref.transforms", "rfft_adjoint") in imports  # README's example
    assert ("specref.testing", "check_dense_adjoint") in imports
    refs = {r for _, r in _doc_references()}
    assert "specref.transforms.fourier" in refs and "specref.layers.mixing.afno" in refs


def test_every_import_in_the_docs_resolves():
    wrong = []
    for file, module, name in _doc_imports():
        try:
            exec(f"from {module} import {name}", {})
        except ImportError as exc:
            wrong.append(f"{file}: from {module} import {name}: {exc}")
    assert not wrong, "\n".join(wrong)


def test_every_reference_in_the_docs_resolves():
    wrong = []
    for file, ref in _doc_references():
        try:
            _resolve(ref)
        except (ImportError, AttributeError) as exc:
            wrong.append(f"{file}: {ref}: {exc}")
    assert not wrong, "\n".join(wrong)


def test_the_readme_names_every_layer_that_exists():
    """The front page lists the layers of specref.layers, each by its class name."""
    import specref.layers as layers
    from specref.layers.mixing import base as mixing_base

    bases = {layers.Layer, *(getattr(mixing_base, n) for n in mixing_base.__all__)}
    concrete = [n for n in layers.__all__
                if inspect.isclass(getattr(layers, n)) and issubclass(getattr(layers, n), layers.Layer)
                and getattr(layers, n) not in bases]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert concrete and not [n for n in concrete if f"`{n}`" not in readme]


# ------------------------------------------------------------------------------------------------------------
# the CuPy skip reason says what is missing


def test_gpu_reason_when_cupy_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy raises ImportError
    assert backend.gpu_unavailable_reason() == "CuPy is not installed (pip install 'specref[gpu]')"
    assert backend.gpu_available() is False


@pytest.mark.parametrize(
    ("is_available", "fragment"),
    [
        (lambda: False, "CuPy is installed but cupy.cuda.is_available() is False (no CUDA device here)"),
        (lambda: 1 / 0, "CuPy is installed but the CUDA device query failed (ZeroDivisionError"),
        (lambda: True, None),
    ],
)
def test_gpu_reason_when_the_device_is_missing(monkeypatch, is_available, fragment):
    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(is_available=is_available)
    monkeypatch.setitem(sys.modules, "cupy", fake)
    reason = backend.gpu_unavailable_reason()
    if fragment is None:
        assert reason is None and backend.gpu_available() is True
    else:
        assert reason.startswith(fragment) and backend.gpu_available() is False


def test_version_is_exported():
    assert specref.__all__ == ["__version__"] and isinstance(specref.__version__, str)
