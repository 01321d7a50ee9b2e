"""torch.nn.MultiheadAttention against specref's MultiheadAttention (specref.compare.suites.torch_attention),
case by case, in the peer venv.

Each case compares the output, the autograd gradients of every input (the one self-attention input, or query,
key and value) and of every parameter (torch's names are specref's), and with ``need_weights=True`` the
per-head attention weights, each within its derived bound, with no peer error. A coverage test checks that the
suite holds what it promises (self- and cross-attention, bool and float masks of both kinds, per-head masks,
a fully masked query row, both of torch's attention paths, both layouts, bias=False, float32). Outside the
suite: torch's explicit-softmax path gives NaN on a fully masked query row where specref (and torch's
scaled_dot_product_attention path) give 0. Nothing is written.
"""

from __future__ import annotations

import numpy as np
import pytest

from specref.compare import suites

_INSTALLED, _PIP = suites.peer_available("torch")


def _params():
    if not _INSTALLED:
        return [pytest.param(None, id="torch-not-installed",
                             marks=pytest.mark.skip(reason=f"torch is not installed ({_PIP})"))]
    from specref.compare.suites import torch_attention

    return [pytest.param(case, id=f"torch:{case.id}") for case in torch_attention.cases()]


@pytest.mark.parametrize("case", _params())
def test_suite_case(case):
    result = case.run()
    assert not result.known and not result.peer_error, result.message()
    assert result.passed, result.message()
    names = {t.name for t in result.tensors}
    params = {"grad in_proj_weight", "grad out_proj.weight"}
    if result.config["bias"]:
        params |= {"grad in_proj_bias", "grad out_proj.bias"}
    inputs = {"grad query", "grad key", "grad value"} if case.label.startswith("cross") else {"grad x"}
    weights = {"attention weights"} if "need_weights=True" in case.label else set()
    assert names == {"output"} | inputs | params | weights, names
    assert result.dtype == ("float32" if "dtype=float32" in case.label else "float64")


def test_suite_coverage():
    if not _INSTALLED:
        pytest.skip(f"torch is not installed ({_PIP})")
    from specref.compare.suites import torch_attention as suite

    options = [p[5] for p in suite.POINTS]
    cross = [p for p in suite.POINTS if p[2] is not None]
    assert cross and any(p[2] is None for p in suite.POINTS)
    assert {o.get("key_padding_mask") for o in options} >= {"bool", "float"}
    assert {o.get("attn_mask") for o in options} >= {"causal", "bool", "float", "bool_per_head", "float_per_head",
                                                      "row_masked"}
    assert any(o.get("need_weights") for o in options) and any(not o.get("need_weights") for o in options)
    assert any(o.get("batch_first") is False for o in options) and any(o.get("bias") is False for o in options)
    assert any(o.get("dtype") == "float32" for o in options)
    assert {p[4] for p in suite.POINTS} >= {1, 2, 3, 4}
    assert any(p[1] % 2 for p in suite.POINTS) and any(p[2] and p[2] % 2 for p in cross)  # odd lengths
    ids = [c.id for c in suite.cases()]
    assert len(ids) == len(set(ids))


def test_fully_masked_row_torch_explicit_softmax_is_nan_specref_zero():
    if not _INSTALLED:
        pytest.skip(f"torch is not installed ({_PIP})")
    import torch

    from specref.layers.attention import MultiheadAttention

    layer = MultiheadAttention(4, 2, seed=0)
    module = torch.nn.MultiheadAttention(4, 2, batch_first=True, dtype=torch.float64)
    module.load_state_dict({k: torch.from_numpy(v) for k, v in layer.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 3, 4))
    am = np.zeros((3, 3), dtype=bool)
    am[1] = True
    tx = torch.tensor(x, requires_grad=True)
    explicit = module(tx, tx, tx, attn_mask=torch.from_numpy(am), need_weights=True)[0].detach().numpy()
    sdpa = module(tx, tx, tx, attn_mask=torch.from_numpy(am), need_weights=False)[0].detach().numpy()
    ours = layer(x, attn_mask=am)
    assert np.all(np.isnan(explicit[0, 1])) and np.all(sdpa[0, 1] == 0.0) and np.all(ours[0, 1] == 0.0)
