"""The bench cases beyond spectrans (long convolution, Monarch FFT): well formed, their quick points run in the
main venv (torch and JAX absent: their columns say why), the long convolution's sweep reaches N = 2^20. No
timing asserts."""

from __future__ import annotations

import importlib.util

import pytest

from specref.bench.case import COMPLEXITIES
from specref.bench.cases import beyond
from tests.bench._quick import check_quick_point

CASES = beyond.CASES
HAVE_PEERS = importlib.util.find_spec("torch") is not None and importlib.util.find_spec("jax") is not None


def test_cases_are_well_formed():
    assert [c.name for c in CASES] == ["longconv", "monarch_fft", "s4d_kernel", "butterfly"]
    for case in CASES:
        assert set(case.peers) == {"torch", "jax"} and dict(case.goals) == {"torch": 0.8, "jax": 0.8}
        assert case.sweep.claim in COMPLEXITIES and set(case.sweep.quick) <= set(case.sweep.values)
    assert max(CASES[0].sweep.values) == 2**20  # issue 22: the scaling sweep to N = 2^20


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_quick_point_runs_here(case):
    check_quick_point(case, frameworks_absent=not HAVE_PEERS)
