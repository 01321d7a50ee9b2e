"""Shared fixtures: the ``xp`` fixture over installed backends, hypothesis profiles, the ``--full`` option."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from specref.backend import get_namespace, gpu_unavailable_reason

# "ci" (the default): derandomized, 10 examples per property, so the README's command stays under 5 minutes
# on 2 cores (every VJP and adjoint is also checked on the registry's grids); "dev" (HYPOTHESIS_PROFILE=dev):
# 200 random examples per property.
settings.register_profile(
    "ci", max_examples=10, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _backend_params():
    params = [pytest.param("numpy", id="numpy")]
    params.append(pytest.param("strict", id="strict"))
    params.append(pytest.param("cupy", id="cupy", marks=pytest.mark.gpu))
    return params


@pytest.fixture(params=_backend_params())
def xp(request):
    """The array namespace of each installed backend; CuPy skips saying whether CuPy or the device is missing."""
    name = request.param
    if name == "cupy" and (reason := gpu_unavailable_reason()) is not None:
        pytest.skip(f"CuPy backend: {reason}")
    try:
        return get_namespace(name)
    except ImportError as exc:
        pytest.skip(f"{name} backend not installed: {exc}")


@pytest.fixture
def backend_name(xp):
    from specref.backend import backend_name as name

    return name(xp)


def pytest_addoption(parser):
    parser.addoption("--full", action="store_true", default=False,
                     help="also run the heavier checks the default run leaves to `specref verify` (the registry's "
                          "dense adjoint matrices on array-api-strict)")


@pytest.fixture
def full(request) -> bool:
    """Whether ``--full`` was given."""
    return bool(request.config.getoption("--full"))
