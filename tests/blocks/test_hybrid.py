"""The hybrid blocks: forward against independent NumPy formulas (soft and hard gate, each fusion, the cascade),
the hard gate's zero gradient and per-sample selection, the unused norm3 and unselected layer (zero gradients),
CascadeBlock's shared norm (one array, alias keys in state_dict, #26), bad input. The registry checks every VJP
against central differences."""

from __future__ import annotations

import numpy as np
import pytest

from specref.blocks import AdaptiveBlock, AlternatingBlock, CascadeBlock, MultiscaleBlock
from specref.blocks._cases import randomize_block
from specref.interop.state_dict import StateDictError
from specref.layers import GlobalFilterMixing, LSTAttention

TOL = 1e3 * np.finfo(np.float64).eps  # O(1) values through FFTs/DCTs of <= 6 points, norms and sums of <= 32 terms


def _layers(seed=0):
    gen = np.random.default_rng(seed)
    return [GlobalFilterMixing(4, 6, seed=gen), LSTAttention(4, 2, "dct", seed=gen)]


def _x(shape=(3, 6, 4), seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


def _random(block, seed=2):
    return randomize_block(block, np.random.default_rng(seed))


def _ln(x, p, name):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-12) * p[f"{name}.weight"] + p[f"{name}.bias"]


def _tail(block, h):
    """h + FFN(LN2 h) with the block's own FFN (gelu, the default)."""
    return h + block._child("ffn")(_ln(h, block.params, "norm2"))


def test_soft_gate_is_a_softmax_mixture_of_the_layers():
    block = _random(AdaptiveBlock(_layers(), 4))
    p, x = block.params, _x()
    u = _ln(x, p, "norm1")
    z = u.mean(-2) @ p["gate.weight"].T + p["gate.bias"]
    g = np.exp(z - z.max(-1, keepdims=True))
    g /= g.sum(-1, keepdims=True)
    outs = [block._child(f"layers.{i}")(u) for i in range(2)]
    want = _tail(block, x + sum(g[:, i, None, None] * o for i, o in enumerate(outs)))
    np.testing.assert_allclose(block(x), want, rtol=0, atol=TOL)


def test_hard_gate_selects_per_sample_and_passes_no_gradient_to_the_gate():
    block = _random(AdaptiveBlock(_layers(), 4, gate_type="hard"), seed=5)
    p, x = block.params, _x((5, 6, 4))
    u = _ln(x, p, "norm1")
    pick = np.argmax(u.mean(-2) @ p["gate.weight"].T + p["gate.bias"], axis=-1)
    assert len(set(pick.tolist())) == 2  # both layers used at this point
    mixed = np.stack([block._child(f"layers.{i}")(u[j:j + 1])[0] for j, i in enumerate(pick)])
    y, ctx = block.forward(x)
    np.testing.assert_allclose(y, _tail(block, x + mixed), rtol=0, atol=TOL)
    _, grads = block.backward(ctx, np.ones_like(y))
    assert not grads["gate.weight"].any() and not grads["gate.bias"].any()  # argmax: derivative 0 a.e.


def test_hard_gate_at_initialisation_takes_layer_zero_for_every_sample():
    block = AdaptiveBlock(_layers(), 4, gate_type="hard")  # zero gate: a tie, the first index wins
    y, ctx = block.forward(_x())
    assert ctx.mix.used == ("layers.0",)
    _, grads = block.backward(ctx, np.ones_like(y))
    assert not grads["layers.1.q_proj.weight"].any()


@pytest.mark.parametrize("fusion", ["add", "weighted", "concat"])
def test_multiscale_fusions(fusion):
    block = _random(MultiscaleBlock(_layers(), 4, fusion))
    p, x = block.params, _x()
    u = _ln(x, p, "norm1")
    outs = [block._child(f"layers.{i}")(u) for i in range(2)]
    if fusion == "add":
        mixed = (outs[0] + outs[1]) / 2
    elif fusion == "weighted":
        a = np.exp(p["fusion_weights"]) / np.exp(p["fusion_weights"]).sum()
        mixed = a[0] * outs[0] + a[1] * outs[1]
    else:
        mixed = np.concatenate(outs, -1) @ p["fusion_proj.weight"].T + p["fusion_proj.bias"]
    np.testing.assert_allclose(block(x), _tail(block, x + mixed), rtol=0, atol=TOL)


def test_multiscale_key_order_follows_torch():
    assert list(MultiscaleBlock(_layers(), 4, "weighted").params)[0] == "fusion_weights"  # a direct parameter
    assert list(MultiscaleBlock(_layers(), 4, "concat").params)[-2:] == ["fusion_proj.weight", "fusion_proj.bias"]


@pytest.mark.parametrize("share", [False, True])
def test_cascade(share):
    block = _random(CascadeBlock(_layers(), 4, share_norm=share))
    p, x = block.params, _x()
    h = x
    for i in range(2):
        h = h + block._child(f"layers.{i}")(_ln(h, p, "norm1" if share else f"norms.{i}"))
    y, ctx = block.forward(x)
    np.testing.assert_allclose(y, _tail(block, h), rtol=0, atol=TOL)
    _, grads = block.backward(ctx, np.ones_like(y))
    assert not grads["norm3.weight"].any()  # allocated, never used (#26)
    assert bool(grads["norm1.weight"].any()) == share  # norm1 unused without a shared norm


def test_shared_norm_keeps_one_array_and_exports_spectrans_alias_keys():
    block = _random(CascadeBlock(_layers(), 4, share_norm=True))
    assert not any(k.startswith("norms.") for k in block.params)  # as torch's named_parameters()
    sd = block.state_dict()
    np.testing.assert_array_equal(sd["norms.1.weight"], sd["norm1.weight"])
    again = CascadeBlock.from_state_dict(sd, layers=_layers(), hidden_dim=4, share_norm=True)
    np.testing.assert_array_equal(again(_x()), block(_x()))
    sd["norms.0.bias"] = sd["norms.0.bias"] + 1.0
    with pytest.raises(StateDictError, match="norms.0.bias aliases norm1.bias"):
        CascadeBlock.from_state_dict(sd, layers=_layers(), hidden_dim=4, share_norm=True)


def test_alternating_block_uses_one_layer_and_zero_grads_for_the_other():
    block = _random(AlternatingBlock(*_layers(), 4))
    x = _x()
    u = _ln(x, block.params, "norm1")
    np.testing.assert_allclose(block(x), _tail(block, x + block._child("layer1")(u)), rtol=0, atol=TOL)
    other = block.with_layer(False)
    np.testing.assert_allclose(other(x), _tail(block, x + block._child("layer2")(u)), rtol=0, atol=TOL)
    assert block.use_layer1  # with_layer never mutates
    y, ctx = other.forward(x)
    _, grads = other.backward(ctx, np.ones_like(y))
    assert not grads["layer1.filter_real"].any() and grads["layer2.q_proj.weight"].any()


def test_cascade_mask_names_follow_the_order_of_application():
    names = CascadeBlock([GlobalFilterMixing(4, 6, dropout=0.1)] * 2, 4, dropout=0.1).dropout_names
    assert names == ("layers.0.dropout", "dropout", "layers.1.dropout", "dropout@2", "ffn.dropout", "dropout@3")


def test_bad_input():
    with pytest.raises(ValueError, match="gate_type"):
        AdaptiveBlock(_layers(), 4, gate_type="sparse")
    with pytest.raises(ValueError, match="fusion_type"):
        MultiscaleBlock(_layers(), 4, fusion_type="max")  # spectrans raises only in forward
    with pytest.raises(ValueError, match="non-empty list"):
        CascadeBlock([], 4)
    with pytest.raises(ValueError, match="hidden size 6"):
        MultiscaleBlock([GlobalFilterMixing(4, 6), GlobalFilterMixing(6, 6)], 4)
    with pytest.raises(StateDictError, match=r"missing keys: gate\.weight"):
        AdaptiveBlock.from_state_dict(MultiscaleBlock(_layers(), 4).state_dict(), layers=_layers(), hidden_dim=4)


def test_the_registered_hard_gate_point_uses_both_layers():
    from specref.blocks.hybrid import CASES
    from specref.testing.runner import case_rng

    case = next(c for c in CASES if c.name == "AdaptiveBlock")
    index, point = next((i, p) for i, p in enumerate(case.grid) if p.get("gate_type") == "hard")
    for dtype in case.dtypes:  # the inputs `specref verify` and the registry test draw (seed 0)
        inputs = case.make(case_rng(case.name, index, dtype), np, dtype, **point)
        x, block = inputs.args[0], inputs.kwargs["layer"]
        _, ctx = block.forward(x, **inputs.kwargs["forward_kwargs"])
        assert ctx.mix.used == ("layers.0", "layers.1")
