"""The registry: every ``CASES`` list of every specref module, collected in one place.

Each family module ends with ``CASES = [Case(...), ...]``. :func:`collect` imports every module of the
package (except the command line and the hypothesis strategies, which need test-only dependencies) and
concatenates their lists, so a new family is registered by writing its ``CASES``, with no list to update
here. `specref verify`, the tests and the docs status table all iterate :func:`collect`;
:func:`registered` gives each case with its family (the module that registers it) and whether it is a
demonstration case, which `specref verify` leaves out of its default report.

A user's own cases come in through ``extra``: a module name (``mypkg.cases``, importable from ``sys.path``)
or the path of a Python file (``path/to/cases.py``), whose ``CASES`` list is added.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
import sys
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import specref
from specref.testing.case import Case

__all__ = ["collect", "case_modules", "registered", "Registered", "load_cases", "DEMO_MODULES"]

# Modules that cannot or need not be imported to find cases.
_SKIP = ("specref.cli", "specref.testing.strategies", "specref.__main__")
# Packages searched by another registry: specref.bench's CASES are bench cases (specref.bench.cases.all_cases),
# and its JAX peer module imports JAX.
_SKIP_PACKAGES = ("specref.bench",)
# Modules whose cases demonstrate the toolkit (templates for a new family) rather than verify a component.
DEMO_MODULES = ("specref.demo",)


@dataclass(frozen=True)
class Registered:
    """One registered case, where it comes from and whether it is a demonstration case.

    ``family`` is the registering module without the ``specref.`` prefix (``"transforms.fourier"``), an extra
    module's name, or an extra file's path as given.
    """

    case: Case
    family: str
    demo: bool = False


def case_modules() -> list[str]:
    """Names of the specref modules that are searched for ``CASES``, in a stable order."""
    names = []
    for info in pkgutil.walk_packages(specref.__path__, prefix="specref."):
        if info.name in _SKIP or info.name.rsplit(".", 1)[-1].startswith("test_"):
            continue
        if any(info.name == p or info.name.startswith(p + ".") for p in _SKIP_PACKAGES):
            continue
        names.append(info.name)
    return sorted(names)


def _is_path(spec: str) -> bool:
    return spec.endswith(".py") or "/" in spec or "\\" in spec


def _import_file(spec: str):
    path = Path(spec).expanduser()
    # Like running a script: its folder goes on sys.path, so it can import the modules beside it.
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    # A private module name (dataclasses and pickling look the module up in sys.modules), never shadowing one.
    name = "_specref_extra_" + re.sub(r"\W", "_", path.stem)
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise ImportError(f"{spec} is not a Python file")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = module
    try:
        loader_spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def load_cases(spec: str) -> tuple[str, list[Case]]:
    """Import a user's cases: ``spec`` is a module name or the path of a ``.py`` file holding a ``CASES`` list.

    Returns the family name (``spec`` as given) and the cases.

    Raises
    ------
    ImportError
        If the module or file cannot be found or its import fails (any exception the module raises, a
        syntax error included, is chained and named in the message).
    ValueError
        If ``spec`` is empty or the module has no ``CASES``.
    TypeError
        If ``spec`` is not a string, or ``CASES`` is not a list or tuple of :class:`~specref.testing.case.Case`.
    """
    if not isinstance(spec, str):
        raise TypeError(f"extra cases must be a module name or a file path (str), got {type(spec).__name__}")
    if not spec:
        raise ValueError("extra cases must be a module name or a file path, got ''")
    if _is_path(spec) and not Path(spec).expanduser().is_file():
        raise ImportError(f"no such file: {spec}")
    try:
        module = _import_file(spec) if _is_path(spec) else importlib.import_module(spec)
    except ImportError as exc:
        missing = exc.name if isinstance(exc, ModuleNotFoundError) else None
        if missing and (spec == missing or spec.startswith(missing + ".")):  # the module itself, not a dependency
            raise ImportError(
                f"no module named {missing!r} (give a module on sys.path, one in the current directory, "
                "or the path of a .py file)"
            ) from exc
        raise ImportError(f"cannot import {spec}: {exc}") from exc
    except (Exception, SystemExit) as exc:  # the user's module raised while importing: name it, chain it
        raise ImportError(f"importing {spec} raised {type(exc).__name__}: {exc}") from exc
    if not hasattr(module, "CASES"):
        raise ValueError(f"{spec} has no CASES list (a list of specref.testing.Case)")
    cases = module.CASES
    if not isinstance(cases, (list, tuple)):
        raise TypeError(f"{spec}.CASES must be a list of Case, got {type(cases).__name__}")
    for case in cases:
        if not isinstance(case, Case):
            raise TypeError(f"{spec}.CASES holds a {type(case).__name__}, not a Case")
    return spec, list(cases)


def registered(pattern: str | None = None, *, extra: tuple[str, ...] = ()) -> list[Registered]:
    """Every registered case with its family, optionally those whose name matches the glob ``pattern``.

    ``extra`` adds a user's cases (module names or file paths, see :func:`load_cases`).

    Raises
    ------
    ValueError
        If two cases share a name (the message names both families).
    ImportError, TypeError
        From :func:`load_cases` for a bad ``extra``.
    """
    seen: dict[str, str] = {}
    out: list[Registered] = []
    sources = [(name, getattr(importlib.import_module(name), "CASES", ())) for name in case_modules()]
    sources += [load_cases(spec) for spec in extra]
    for name, cases in sources:
        family = name.removeprefix("specref.") if name.startswith("specref.") else name
        for case in cases:
            if not isinstance(case, Case):
                raise TypeError(f"{name}.CASES holds a {type(case).__name__}, not a Case")
            if case.name in seen:
                raise ValueError(f"case {case.name!r} registered twice: in {seen[case.name]} and {name}")
            seen[case.name] = name
            out.append(Registered(case, family, name in DEMO_MODULES))
    if pattern:
        out = [r for r in out if fnmatch(r.case.name, pattern)]
    return out


def collect(pattern: str | None = None, *, extra_modules: tuple[str, ...] = ()) -> list[Case]:
    """All registered cases, optionally those whose name matches the glob ``pattern`` (e.g. ``"rfft*"``).

    ``extra_modules`` are imported too and their ``CASES`` added (a user's own cases: module names or file
    paths). Demonstration cases are included (the tests run them); see :func:`registered`.

    Raises
    ------
    ValueError
        If two cases share a name (the message names both modules).
    """
    return [r.case for r in registered(pattern, extra=tuple(extra_modules))]
