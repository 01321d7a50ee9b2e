"""The bench cases of the blocks and of Sequential: well formed, every block of :mod:`specref.blocks` covered,
their quick points run in the main venv (torch and spectrans absent: the torch column says why), specref's
callables return the block's output and a gradient for every parameter. No timing asserts.
"""

from __future__ import annotations

import importlib.util
import inspect

import numpy as np
import pytest

from specref import blocks as specref_blocks
from specref.bench.case import COMPLEXITIES, PeerUnavailable
from specref.bench.cases import blocks
from specref.layers import Sequential
from tests.bench._quick import check_quick_point

CASES = blocks.CASES
IDS = [c.name for c in CASES]
HAVE_TORCH = importlib.util.find_spec("torch") is not None


def _block_classes() -> set:
    return {name for name in specref_blocks.__all__
            if inspect.isclass(obj := getattr(specref_blocks, name)) and issubclass(obj, specref_blocks.Block)
            and "block" in name.lower() and name not in {"Block", "HybridBlock"}}


def test_cases_are_well_formed():
    assert len(set(IDS)) == len(IDS), "two cases share a name"
    for case in CASES:
        assert case.family == "blocks", case.name
        assert case.grid and len(case.quick) == 1, case.name
        assert set(case.peers) == {"torch"}, case.name
        assert set(case.goals) <= set(case.peers) and case.peer_note, case.name
        assert case.sweep.claim in COMPLEXITIES and set(case.sweep.quick) <= set(case.sweep.values), case.name


def test_every_block_and_sequential_is_covered():
    names = {name.split("[")[0] for name in IDS} - {"PreNormFNOBlock"} | {"FNOBlock"}
    assert "PreNormFNOBlock" in IDS  # blocks.FNOBlock; the operators' FNOBlock has the bench name FNOBlock
    assert _block_classes() | {"Sequential"} == names
    # the gate and fusion variants whose work differs: the hard gate's per-sample selection, concatenation
    assert {"AdaptiveBlock[hard]", "MultiscaleBlock[concat]"} <= set(IDS)
    by_name = {c.name: c for c in CASES}
    for name in ("GFNetBlock", "FNetBlock"):  # issue 19: B = 8, N = 1024, D = 256 against spectrans, goal 0.8
        assert by_name[name].grid == ({"B": 8, "N": 1024, "D": 256},)
        assert dict(by_name[name].goals) == {"torch": 0.8}


def _setup(case, dtype="float64"):
    point = case.quick[0]
    return point, case.setup(point, dtype, np.random.default_rng(0))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_quick_point_runs_here(case):
    check_quick_point(case, frameworks_absent=not HAVE_TORCH)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_specref_returns_output_and_gradients(case):
    _point, setup = _setup(case)
    layer, x, dy = setup.data["layer"], setup.data["x"], setup.data["dy"]
    y, _ctx = setup.specref.forward()
    assert y.shape == dy.shape == x.shape and np.all(np.isfinite(y))
    dx, grads = setup.specref.forward_backward()
    assert dx.shape == x.shape and np.all(np.isfinite(dx))
    assert set(grads) == set(layer.params)
    assert setup.specref.floor_bytes > 0


def test_the_composites_wrap_the_named_layers():
    by_name = {c.name: c for c in CASES}
    _point, setup = _setup(by_name["Sequential"])
    seq = setup.data["layer"]
    assert isinstance(seq, Sequential) and [type(s).__name__ for s in seq.layers] == ["GlobalFilterMixing"] * 2
    _point, setup = _setup(by_name["AdaptiveBlock[hard]"])
    assert setup.data["layer"].gate_type == "hard"
    _point, setup = _setup(by_name["MultiscaleBlock[concat]"])
    assert setup.data["layer"].fusion_type == "concat"


@pytest.mark.skipif(HAVE_TORCH, reason="torch is installed here")
def test_torch_peer_says_why_here():
    for case in CASES:
        point, setup = _setup(case)
        with pytest.raises(PeerUnavailable, match="torch"):
            case.peers["torch"](setup, point, "float32")
