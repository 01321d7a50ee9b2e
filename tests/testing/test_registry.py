"""Every registered case passes every check that applies, on every installed backend (generic, OpInfo-like).

This is the one place a case's checks run in the tests: per-module files test what the registry does not (a
forward against an independent formula, bad inputs, state_dict) and, for a layer, that its registered grid
covers each configuration, so that every VJP is checked once.

On array-api-strict the dense adjoint matrices (one forward and one adjoint call per coordinate, about half of
this file's time) run with ``--full`` and in ``specref verify --backend strict`` (a CI step); by default the
strict run checks adjoints by the dot test, which fails for any ``A* != A^T`` with probability 1 at the random
pair drawn, and the dense check runs on NumPy at every grid point and dtype.

The blocks' cases (compositions of layers whose every primitive and layer case runs on strict here) run on
array-api-strict with ``--full`` and in the CI's ``specref verify --backend strict`` step, not in the default
run: each point differentiates some ten parameter arrays through a whole block, about 40 s on strict, which
the README's five-minute budget cannot hold; so do the layers that compose other layers (STRICT_WITH_FULL).
For the same budget the models' cases (compositions of blocks, each block's case run here) run on NumPy in
``specref verify`` (the README's first command, a CI step, which fails when any case fails) and here with
``--full``: a model's finite-difference check evaluates its whole stack some 150 times per point, ~30 s for the
families together.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from specref.backend import backend_name
from specref.testing.registry import collect
from specref.testing.runner import run_case

CASES = collect()
FAMILY = {}  # case name -> registering module
# families whose strict run is deferred to --full and `specref verify --backend strict`: the blocks, and the layers
# that compose other layers whose own cases run on strict here (torch's Transformer encoder around
# MultiheadAttention and the FFN, the 2-D wavelet mixings around the 2-D DWT and attention, the FNO layers and
# block around the spectral convolutions)
STRICT_WITH_FULL = ("blocks.", "layers.attention.transformer", "layers.mixing.wavelet2d", "layers.operators.fno")
# the whole models' families, whose NumPy run is deferred to --full and `specref verify` (the heads, encodings and
# losses of specref.models run here)
NUMPY_WITH_VERIFY = tuple(f"models.{m}" for m in ("fnet", "gfnet", "afno", "lst", "spectral_attention", "wavelet",
                                                  "fno", "hybrid"))
PRIMARY = {"linear": "adjoint", "nonlinear": "vjp"}  # the check a case of each kind exists for


def test_registry_is_not_empty():
    assert CASES, "no case registered"


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_passes(case, xp, full):
    backend = backend_name(xp)
    if not full and not FAMILY:
        from specref.testing.registry import registered

        FAMILY.update({r.case.name: r.family for r in registered()})
    if backend == "numpy" and not full and FAMILY.get(case.name, "").startswith(NUMPY_WITH_VERIFY):
        pytest.skip("a model on NumPy runs in `specref verify` (the README's first command, a CI step) and with --full")
    if backend == "strict" and not full:
        if FAMILY.get(case.name, "").startswith(STRICT_WITH_FULL):
            pytest.skip("a composition on array-api-strict runs with --full and in `specref verify --backend strict`")
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


def test_registered_names_each_family_and_marks_the_demonstration_cases():
    from specref.testing.registry import registered

    regs = registered()
    assert [r.case for r in regs] == CASES
    by_name = {r.case.name: r for r in regs}
    assert by_name["rfft"].family == "transforms.fourier" and not by_name["rfft"].demo
    assert {r.case.name for r in regs if r.demo} == {"demo_dense_dft", "demo_scaled_softplus"}
    assert all(r.family == "demo" for r in regs if r.demo)


def test_load_cases_refuses_what_is_not_a_cases_module(tmp_path, monkeypatch):
    from specref.testing.registry import load_cases

    monkeypatch.setattr("sys.path", list(__import__("sys").path))
    with pytest.raises(TypeError, match="module name or a file path"):
        load_cases(3)
    with pytest.raises(ValueError, match="got ''"):
        load_cases("")
    with pytest.raises(ImportError, match="no such file"):
        load_cases(str(tmp_path / "absent.py"))
    with pytest.raises(ValueError, match="has no CASES"):
        load_cases("specref.testing.case")
    (tmp_path / "tuple_cases.py").write_text("from specref.demo import CASES as _c\nCASES = tuple(_c)\n")
    family, cases = load_cases(str(tmp_path / "tuple_cases.py"))
    assert family == str(tmp_path / "tuple_cases.py") and [c.name for c in cases][0] == "demo_dense_dft"
