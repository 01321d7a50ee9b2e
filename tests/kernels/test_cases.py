"""Every public ``*_vjp`` method of every kernel class is exercised by a registered case (specref.kernels.cases).

The registry checks each case's VJP by central finite differences (tests/testing/test_registry.py); this test
makes sure that no VJP method escapes it. It enumerates the concrete kernel classes of every
``specref.kernels`` module and their public methods ending in ``_vjp`` (inherited ones included: an inherited
``gram_matrix_vjp`` that does not fit a subclass's ``compute_vjp`` is exactly the defect this catches), runs the
VJP of every kernel case once, and records which (class, method) pairs a case's VJP called directly (a call
made inside another VJP method does not count: ``gram_matrix_vjp`` calling ``compute_vjp`` exercises the
first only).
"""

from __future__ import annotations

import functools
import importlib
import inspect

import numpy as np
import pytest

from specref.kernels.base import KernelFunction, RandomFeatureMap, ShiftInvariantKernel, SpectralKernel
from specref.kernels.spectral import FeatureSpectralKernel
from specref.testing.checks import random_like
from specref.testing.registry import case_modules

KERNEL_MODULES = [name for name in case_modules() if name.startswith("specref.kernels.")]
INTERFACES = {KernelFunction, ShiftInvariantKernel, RandomFeatureMap, SpectralKernel, FeatureSpectralKernel}


def _kernel_classes() -> dict[str, type]:
    classes = {}
    for name in KERNEL_MODULES:
        for obj in vars(importlib.import_module(name)).values():
            if (inspect.isclass(obj) and obj.__module__ == name and issubclass(obj, KernelFunction | RandomFeatureMap)
                    and not obj.__name__.startswith("_") and obj not in INTERFACES):
                classes[obj.__name__] = obj
    return classes


def _vjp_methods(cls) -> list[str]:
    return sorted(n for n in dir(cls) if n.endswith("_vjp") and not n.startswith("_") and callable(getattr(cls, n)))


def _kernel_cases():
    return [case for name in KERNEL_MODULES for case in getattr(importlib.import_module(name), "CASES", ())]


def test_the_enumeration_finds_the_kernels():
    classes = _kernel_classes()
    assert {"CosineKernel", "PolynomialKernel", "GaussianRFFKernel", "LaplacianRFFKernel", "OrthogonalRandomFeatures",
            "RFFAttentionKernel", "FourierKernel", "LearnableSpectralKernel", "PolynomialSpectralKernel",
            "TruncatedSVDKernel"} <= set(classes)
    assert _vjp_methods(classes["FourierKernel"]) == ["compute_vjp", "extract_features_vjp", "gram_matrix_vjp"]


@pytest.fixture
def recorded(monkeypatch):
    """Wrap every public VJP method where it is defined; record (class of self, method) of outermost calls."""
    calls: set[tuple[str, str]] = set()
    depth = [0]

    def wrap(method_name, fn):
        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            if depth[0] == 0:
                calls.add((type(self).__name__, method_name))
            depth[0] += 1
            try:
                return fn(self, *args, **kwargs)
            finally:
                depth[0] -= 1

        return wrapper

    for cls in {*_kernel_classes().values(), *INTERFACES}:
        for klass in cls.__mro__:
            for method_name in _vjp_methods(cls):
                fn = vars(klass).get(method_name)
                if fn is not None and not hasattr(fn, "__wrapped__"):
                    monkeypatch.setattr(klass, method_name, wrap(method_name, fn))
    return calls


def test_every_public_vjp_method_has_a_registered_case(recorded):
    for case in _kernel_cases():
        if case.vjp is None:
            continue
        params = case.points()[0]
        inputs = case.make(np.random.default_rng(0), np, "float64", **params)
        y = case.forward(*inputs.args, **inputs.kwargs)
        case.vjp(random_like(1, y), *inputs.args, y, **inputs.kwargs)
    missing = [f"{name}.{method}" for name, cls in sorted(_kernel_classes().items()) for method in _vjp_methods(cls)
               if (name, method) not in recorded]
    assert not missing, f"public VJP methods no registered case calls: {missing}"
