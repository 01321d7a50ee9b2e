"""Every component has its ``specref bench`` case (DESIGN section 6: the fourth registration), and every case's
quick point runs in the main venv (no torch, no JAX: their columns must say why they did not run): here the
families without a test file of their own (the mixing layers); tests/bench/test_cases_*.py run the others'.

The components: every concrete layer class that ``specref.layers`` exports, every model class of
``specref.models``, and every module of
``specref.transforms`` and ``specref.kernels`` that registers verify cases (at least one of its registered
names, or the class a method case belongs to, has a bench case). The transforms' building blocks (the FFT
cores, the structural steps, the shared permutations) are timed through the transforms they build.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import specref.kernels
import specref.layers
import specref.transforms
from specref.bench.cases import all_cases
from specref.bench.runner import run_case
from specref.layers.base import Layer

CASES = all_cases()
NAMES = {c.name for c in CASES}
ABSTRACT = {"Layer", "MixingLayer", "UnitaryMixingLayer", "FilterMixingLayer"}
BUILDING_BLOCKS = {"specref.transforms._shared", "specref.transforms.fourier_core", "specref.transforms.structural"}


def _layer_classes() -> set:
    return {name for name in specref.layers.__all__
            if inspect.isclass(obj := getattr(specref.layers, name)) and issubclass(obj, Layer)
            and name not in ABSTRACT}


def test_every_layer_has_a_bench_case():
    missing = sorted(_layer_classes() - NAMES)
    assert not missing, f"layers without a specref bench case: {missing}"


def test_every_model_has_a_bench_case():
    import specref.models

    classes = {name for name in specref.models.__all__ if inspect.isclass(obj := getattr(specref.models, name))
               and issubclass(obj, specref.models.Model) and name != "Model"}
    missing = sorted(classes - NAMES)
    assert not missing, f"models without a specref bench case: {missing}"


@pytest.mark.parametrize("package", [specref.transforms, specref.kernels], ids=["transforms", "kernels"])
def test_every_registering_module_has_a_bench_case(package):
    missing = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if module.__name__ in BUILDING_BLOCKS:
            continue
        registered = {c.name.split("[")[0] for c in getattr(module, "CASES", [])}
        registered |= {name.split(".")[0] for name in registered}  # "GaussianRFFKernel.forward" -> the class
        if registered and not registered & NAMES:
            missing.append(f"{module.__name__} ({', '.join(sorted(registered)[:4])}...)")
    assert not missing, f"modules whose components have no specref bench case: {missing}"


def test_cases_are_well_formed():
    assert len(NAMES) == len(CASES), "two bench cases share a name"
    for case in CASES:
        assert case.grid and len(case.quick) == 1, case.name
        assert set(case.goals) <= set(case.peers), (case.name, "a goal for a peer the case does not run")


# attention, operators and the feed-forward network: test_cases_attention_operators.py; the blocks and Sequential:
# test_cases_blocks.py; transforms, kernels and the hot loops:
# test_cases_transforms_kernels_fastpaths.py; the neural kernels: test_cases_neural_kernels.py (each runs its quick
# points with more checks)
OWN_TEST_FILE = {"attention", "beyond spectrans", "blocks", "models", "operators", "transforms", "kernels",
                 "fast paths", "neural kernels"}
UNCOVERED = [c for c in CASES if c.family not in OWN_TEST_FILE]


@pytest.mark.parametrize("case", UNCOVERED, ids=[c.name for c in UNCOVERED])
def test_quick_point_runs_here(case):
    rows = run_case(case, quick=True, dtypes=[case.dtypes[0]], repeats=1, budget=0.0)
    assert rows and all("specref" in r["times"] for r in rows)
    for r in rows:
        for peer, why in r["unavailable"].items():
            assert why, (case.name, peer)


def test_every_family_runs_its_quick_points_somewhere():
    assert {c.family for c in CASES} <= OWN_TEST_FILE | {c.family for c in UNCOVERED}
    assert {c.family for c in UNCOVERED} == {"mixing"}

