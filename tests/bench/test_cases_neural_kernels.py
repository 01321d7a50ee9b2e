"""The neural-kernel bench cases (specref/bench/cases/neural_kernels.py): every quick point runs here (no torch, no
JAX: their columns say why), the layers in both modes, the NTK forward only, and the torch twin of the
NTK-parameterised MLP holds the same function in plain nn.Linear weights."""

from __future__ import annotations

import numpy as np
import pytest

from specref.bench.cases import all_cases
from specref.bench.cases.neural_kernels import _mlp_state
from specref.bench.runner import run_case
from specref.neural_kernels import ReLUMLP

CASES = [c for c in all_cases() if c.family == "neural kernels"]


def test_the_family_has_its_four_cases():
    assert [c.name for c in CASES] == ["LFF", "RFFMLP", "ReLUMLP", "empirical_ntk"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_quick_point_runs_here(case):
    rows = run_case(case, quick=True, dtypes=["float64"], repeats=1, budget=0.0)
    modes = {r["mode"] for r in rows}
    assert modes == ({"forward"} if case.name == "empirical_ntk" else {"forward", "forward_backward"})
    for r in rows:
        assert "specref" in r["times"]
        for peer, why in r["unavailable"].items():
            assert why, (case.name, peer)


def test_the_torch_twin_weights_compute_the_same_function():
    mlp = ReLUMLP(2, 8, 2, 3, parameterization="ntk", seed=1)
    state = _mlp_state(mlp)
    x = np.random.default_rng(0).standard_normal((5, 2))
    a = x
    for i in (0, 2, 4):
        a = a @ state[f"{i}.weight"].T + state[f"{i}.bias"]
        a = np.maximum(a, 0) if i < 4 else a
    # the scales moved into the weights: the same products, rounded in another order
    np.testing.assert_allclose(a, mlp(x), rtol=0, atol=1e-14 * np.abs(a).max())
