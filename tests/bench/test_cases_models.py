"""The bench cases of the models: well formed, every model class of :mod:`specref.models` covered, their quick
points run in the main venv (torch and spectrans absent: the torch column says why), specref's callables return
the model's output and a gradient for every parameter. No timing asserts.
"""

from __future__ import annotations

import importlib.util
import inspect

import numpy as np
import pytest

from specref import models as specref_models
from specref.bench.case import COMPLEXITIES, PeerUnavailable
from specref.bench.cases import models
from tests.bench._quick import check_quick_point

CASES = models.CASES
IDS = [c.name for c in CASES]
HAVE_TORCH = importlib.util.find_spec("torch") is not None


def _model_classes() -> set:
    return {name for name in specref_models.__all__
            if inspect.isclass(obj := getattr(specref_models, name)) and issubclass(obj, specref_models.Model)
            and name != "Model"}


def test_cases_are_well_formed_and_cover_every_model():
    assert len(set(IDS)) == len(IDS), "two cases share a name"
    assert set(IDS) == _model_classes()
    for case in CASES:
        assert case.family == "models", case.name
        assert case.grid and len(case.quick) == 1 and set(case.peers) == {"torch"}, case.name
        assert set(case.goals) <= set(case.peers) and case.peer_note, case.name
        assert case.sweep.claim in COMPLEXITIES and set(case.sweep.quick) <= set(case.sweep.values), case.name
    by_name = {c.name: c for c in CASES}
    for name in ("GFNetEncoder", "FNetEncoder"):  # issue 20: 4 layers, B = 8, N = 1024, D = 256, goal 0.8
        assert by_name[name].grid == ({"B": 8, "N": 1024, "D": 256, "L": 4},)
        assert dict(by_name[name].goals) == {"torch": 0.8}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_quick_point_runs_here(case):
    check_quick_point(case, frameworks_absent=not HAVE_TORCH)


@pytest.mark.parametrize("case", [c for c in CASES if c.name in ("GFNet", "LSTDecoder", "FNOEncoder")],
                         ids=["GFNet", "LSTDecoder", "FNOEncoder"])
def test_specref_returns_output_and_gradients(case):
    point = case.quick[0]
    setup = case.setup(point, "float64", np.random.default_rng(0))
    model, x = setup.data["layer"], setup.data["x"]
    y, _ctx = setup.specref.forward()
    assert np.all(np.isfinite(y)) and y.shape == setup.data["dy"].shape
    dx, grads = setup.specref.forward_backward()
    assert dx.shape == x.shape and set(grads) == set(model.params)
    assert setup.specref.floor_bytes > 0


@pytest.mark.skipif(HAVE_TORCH, reason="torch is installed here")
def test_torch_peer_says_why_here():
    case = CASES[0]
    point = case.quick[0]
    setup = case.setup(point, "float32", np.random.default_rng(0))
    with pytest.raises(PeerUnavailable, match="torch"):
        case.peers["torch"](setup, point, "float32")
