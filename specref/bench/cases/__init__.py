"""The bench cases of every family, collected in one list (``specref bench --list`` prints it).

Each family module holds a ``CASES`` list of :class:`~specref.bench.case.BenchCase`; :func:`all_cases` imports
the modules in :data:`FAMILY_MODULES` (a module not written yet is skipped) and returns their cases in order.
"""

from __future__ import annotations

import importlib

__all__ = ["FAMILY_MODULES", "all_cases", "select"]

FAMILY_MODULES = (
    "specref.bench.cases.mixing",
    "specref.bench.cases.attention",
    "specref.bench.cases.operators",
    "specref.bench.cases.transforms",
    "specref.bench.cases.kernels",
    "specref.bench.cases.fastpaths",
    "specref.bench.cases.neural_kernels",
    "specref.bench.cases.blocks",
    "specref.bench.cases.models",
    "specref.bench.cases.beyond",
)


def all_cases() -> list:
    """Every registered bench case, family by family."""
    out = []
    for path in FAMILY_MODULES:
        try:
            module = importlib.import_module(path)
        except ModuleNotFoundError as exc:
            if exc.name != path:
                raise
            continue
        out.extend(module.CASES)
    return out


def select(cases, names) -> list:
    """The cases named (component or family names, case-insensitive; none: all).

    Raises
    ------
    ValueError
        Naming every component and family when a name matches none.
    """
    if not names:
        return list(cases)
    wanted = {n.lower() for n in names}
    chosen = [c for c in cases if c.name.lower() in wanted or c.family.lower() in wanted]
    known = {c.name.lower() for c in cases} | {c.family.lower() for c in cases}
    unknown = sorted(wanted - known)
    if unknown:
        raise ValueError(f"no bench case or family named {', '.join(unknown)}; known: "
                         f"{', '.join(sorted({c.family for c in cases}))} and "
                         f"{', '.join(c.name for c in cases)}")
    return chosen
