"""The bench cases of the attention layers, the feed-forward block and the neural operators: well formed, their
quick points run in the main venv (torch, spectrans and JAX absent: those columns say why), specref's
callables return the layer's output and gradients, the floor (the context's bytes) is positive, and the
FFT-pass bound runs here (scipy). No timing asserts.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from specref.bench.case import COMPLEXITIES, PeerUnavailable
from specref.bench.cases import attention, operators
from tests.bench._quick import FRAMEWORKS, check_quick_point

CASES = [*attention.CASES, *operators.CASES]
IDS = [c.name for c in CASES]
HAVE_PEERS = importlib.util.find_spec("torch") is not None or importlib.util.find_spec("jax") is not None


def _setup(case, dtype="float64"):
    point = case.quick[0]
    return point, case.setup(point, dtype, np.random.default_rng(0))


def test_cases_are_well_formed():
    assert len(set(IDS)) == len(IDS), "two cases share a name"
    for case in attention.CASES:
        assert case.family == ("blocks" if case.name == "FeedForwardNetwork" else "attention"), case.name
    for case in operators.CASES:
        assert case.family == "operators", case.name
    for case in CASES:
        assert case.grid and len(case.quick) == 1, case.name
        assert set(case.goals) <= set(case.peers), case.name
        assert case.peer_note, case.name
        if case.sweep is not None:
            assert case.sweep.claim in COMPLEXITIES
            assert set(case.sweep.quick) <= set(case.sweep.values)


def test_the_layers_are_covered():
    assert set(IDS) == {"MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder", "LSTAttention",
                        "DCTAttention", "HadamardAttention", "MixedSpectralAttention", "SpectralAttention",
                        "PerformerAttention", "KernelAttention", "FeedForwardNetwork", "SpectralConv1d",
                        "SpectralConv2d", "SpectralConv2dTwoCorners", "FourierNeuralOperator", "FNOBlock"}
    sweeps = {c.name: c.sweep.claim for c in CASES if c.sweep is not None}
    # every layer is swept (over N, the 2-D convolutions over the image side H) with the complexity its docs claim
    assert sweeps == {"MultiheadAttention": "n^2", "TransformerEncoderLayer": "n^2", "TransformerEncoder": "n^2",
                      "SpectralConv2d": "n^2 log n", "SpectralConv2dTwoCorners": "n^2 log n", "FeedForwardNetwork": "n",
                      "LSTAttention": "n log n", "DCTAttention": "n log n", "HadamardAttention": "n log n",
                      "MixedSpectralAttention": "n log n", "SpectralAttention": "n", "PerformerAttention": "n",
                      "KernelAttention": "n", "SpectralConv1d": "n log n", "FourierNeuralOperator": "n log n",
                      "FNOBlock": "n log n"}
    by_name = {c.name: c for c in CASES}
    assert set(by_name["SpectralAttention"].peers) == {"torch", "jax"}
    assert set(by_name["SpectralConv1d"].peers) == {"torch", "jax", "bound"}
    assert set(by_name["SpectralConv2dTwoCorners"].peers) == {"bound"}
    assert dict(by_name["SpectralConv1d"].goals) == {"torch": 0.8, "jax": 0.8, "bound": 1.3}
    for name in ("SpectralAttention", "PerformerAttention", "KernelAttention"):
        assert dict(by_name[name].goals) == {"torch": 1.0}
        assert {p["N"] for p in by_name[name].grid} == {512, 2048, 4096}
    # the operators' grid has the 1-D and the 2-D FNO of benchmarks/bench_operators.py
    assert {len(operators._channels_last(p)) for p in by_name["FourierNeuralOperator"].grid} == {3, 4}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_quick_point_runs_here(case):
    check_quick_point(case, frameworks_absent=not HAVE_PEERS)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_specref_returns_output_and_gradients(case):
    _point, setup = _setup(case)
    layer, x, dy = setup.data["layer"], setup.data["x"], setup.data["dy"]
    y, _ctx = setup.specref.forward()
    assert y.shape == dy.shape and np.all(np.isfinite(y))
    dx, grads = setup.specref.forward_backward()
    assert dx.shape == x.shape and np.all(np.isfinite(dx))
    assert set(grads) == set(layer.params)
    assert setup.specref.floor_bytes > 0


@pytest.mark.skipif(HAVE_PEERS, reason="torch or JAX is installed here")
@pytest.mark.parametrize("case", [c for c in CASES if set(c.peers) & FRAMEWORKS], ids=lambda c: c.name)
def test_framework_peers_say_why_here(case):
    point, setup = _setup(case)
    for name in set(case.peers) & FRAMEWORKS:
        with pytest.raises(PeerUnavailable):
            case.peers[name](setup, point, "float64")


def test_spectrans_hadamard_peers_stop_above_the_quick_size():
    by_name = {c.name: c for c in CASES}
    for name in ("HadamardAttention", "MixedSpectralAttention"):
        case = by_name[name]
        point = {**case.quick[0], "N": attention.HADAMARD_MAX_N * 2}
        with pytest.raises(PeerUnavailable, match="Python loop"):
            case.peers["torch"](None, point, "float64")


def test_operator_layouts():
    assert operators._channels_first({"B": 2, "C": 3, "N": 5}) == (2, 3, 5)
    assert operators._channels_first({"B": 2, "C": 3, "H": 4}) == (2, 3, 4, 4)
    assert operators._channels_last({"B": 2, "C": 3, "N": 5}) == (2, 5, 3)
    assert operators._channels_last({"B": 2, "C": 3, "H": 4}) == (2, 4, 4, 3)
    assert operators._label({"B": 2, "C": 3, "H": 4, "modes": (2, 2)}) == "B=2 C=3 4x4 modes=(2, 2)"
