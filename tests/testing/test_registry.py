"""Every registered case passes every check that applies, on every installed backend (generic, OpInfo-like).

This is the one place a case's checks run in the tests: per-module files test what the registry does not (a
forward against an independent formula, bad inputs, state_dict) and, for a layer, that its registered grid
covers each configuration, so that every VJP is checked once.

On array-api-strict the dense adjoint matrices (one forward and one adjoint call per coordinate, about half of
this file's time) run with ``--full`` and in ``specref verify --backend strict`` (a CI step); by default the
strict run checks adjoints by the dot test, which fails for any ``A* != A^T`` with probability 1 at the random
pair drawn, and the dense check runs on NumPy at every grid point and dtype.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from specref.backend import backend_name
from specref.testing.registry import collect
from specref.testing.runner import run_case

CASES = collect()
PRIMARY = {"linear": "adjoint", "nonlinear": "vjp"}  # the check a case of each kind exists for


def test_registry_is_not_empty():
    assert CASES, "no case registered"


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_passes(case, xp, full):
    backend = backend_name(xp)
    if backend == "strict" and not full:
        case = replace(case, dense=False)
    failures, rows = [], []
    for point in run_case(case, xp):
        rows.extend(point)
        for r in point:
            if r.passed is False:
                failures.append(f"{r.check} {r.params} {r.dtype}: error {r.max_error} > bound {r.bound}: {r.reason}")
    assert not failures, f"{case.name} on {backend}:\n" + "\n".join(failures)
    if backend in case.backend_limits:  # a documented limit: every point skipped with its reason
        assert all(r.passed is None and r.reason == case.backend_limits[backend] for r in rows)
    else:  # the case's own check ran and passed somewhere, not skipped at every point
        primary = PRIMARY.get(case.kind)
        assert any(r.passed and (primary is None or r.check == primary) for r in rows), (case.name, backend)
