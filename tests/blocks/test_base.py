"""TransformerBlock (pre- and post-norm), PreNormBlock, PostNormBlock, ParallelBlock: forward against an independent
NumPy formula written from spectrans's code, injected dropout masks by module path (``"dropout@2"`` for the second
application of the block's dropout), state_dict names, order and round trip, bad input, batch independence
(hypothesis). The registry (tests/testing/test_registry.py) checks every VJP against central differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specref.backend import finfo_eps
from specref.blocks import GFNetBlock, ParallelBlock, PostNormBlock, PreNormBlock, TransformerBlock
from specref.blocks._cases import randomize_block
from specref.blocks.base import nth_application
from specref.interop.state_dict import StateDictError
from specref.layers import FeedForwardNetwork, GlobalFilterMixing, LSTAttention

EPS64 = finfo_eps("float64")
TOL = 1e3 * EPS64  # O(1) values through FFTs of <= 8 points, layer norms of <= 8 and sums of <= 32 terms


def ln(x, w, b, eps=1e-12):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def ffn(x, p, prefix="ffn.", mask=None, rate=0.0):
    h = np.tanh(x @ p[prefix + "fc1.weight"].T + p[prefix + "fc1.bias"])
    if mask is not None:
        h = h * mask / (1 - rate)
    return h @ p[prefix + "fc2.weight"].T + p[prefix + "fc2.bias"]


def gfnet(x, p, prefix="mixing_layer."):
    """spectrans's GlobalFilterMixing at L = N: Re ifft(H fft x) along the sequence, ortho, H = s(Wr) + i s(Wi)."""
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    h = sig(p[prefix + "filter_real"]) + 1j * sig(p[prefix + "filter_imag"])
    return np.fft.ifft(h * np.fft.fft(x, axis=-2, norm="ortho"), axis=-2, norm="ortho").real


def _block(cls=TransformerBlock, seed=0, **kw):
    gen = np.random.default_rng(seed)
    kw.setdefault("activation", "tanh")
    return randomize_block(cls(GlobalFilterMixing(4, 6, seed=gen), hidden_dim=4, seed=gen, **kw), gen)


def _x(shape=(2, 6, 4), seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


def test_pre_norm_forward_matches_spectrans_formula():
    block = _block(ffn_hidden_dim=5)
    p, x = block.params, _x()
    h = x + gfnet(ln(x, p["norm1.weight"], p["norm1.bias"]), p)
    want = h + ffn(ln(h, p["norm2.weight"], p["norm2.bias"]), p)
    np.testing.assert_allclose(block(x), want, rtol=0, atol=TOL)


def test_post_norm_forward_matches_spectrans_formula():
    block = _block(ffn_hidden_dim=5, use_pre_norm=False)
    p, x = block.params, _x()
    h = ln(x + gfnet(x, p), p["norm1.weight"], p["norm1.bias"])
    want = ln(h + ffn(h, p), p["norm2.weight"], p["norm2.bias"])
    np.testing.assert_allclose(block(x), want, rtol=0, atol=TOL)


def test_parallel_forward_matches_spectrans_formula():
    block = _block(ParallelBlock, ffn_hidden_dim=5)
    p, x = block.params, _x()
    u = ln(x, p["norm.weight"], p["norm.bias"])
    np.testing.assert_allclose(block(x), x + gfnet(u, p) + ffn(u, p), rtol=0, atol=TOL)


def test_transformer_block_without_ffn_has_no_norm2_and_is_the_residual_branch():
    block = _block()  # ffn_hidden_dim None: spectrans builds no FFN (its docstring says 4D, #25)
    assert list(block.params) == ["mixing_layer.filter_real", "mixing_layer.filter_imag", "norm1.weight",
                                  "norm1.bias"]
    p, x = block.params, _x()
    np.testing.assert_allclose(block(x), x + gfnet(ln(x, p["norm1.weight"], p["norm1.bias"]), p), rtol=0, atol=TOL)


def test_pre_and_post_norm_blocks_default_to_an_ffn_of_four_d():
    for cls in (PreNormBlock, PostNormBlock, ParallelBlock):
        block = cls(GlobalFilterMixing(4, 6), 4)
        assert block.params["ffn.fc1.weight"].shape == (16, 4)
    assert PostNormBlock(GlobalFilterMixing(4, 6), 4).use_pre_norm is False


def test_keys_and_order_are_spectrans_named_parameters():
    block = GFNetBlock(8, 16, ffn_hidden_dim=12)
    assert list(block.params) == [
        "mixing_layer.filter_real", "mixing_layer.filter_imag", "norm1.weight", "norm1.bias", "ffn.fc1.weight",
        "ffn.fc1.bias", "ffn.fc2.weight", "ffn.fc2.bias", "norm2.weight", "norm2.bias"]
    assert list(ParallelBlock(GlobalFilterMixing(8, 16), 8).params)[-4:] == [
        "ffn.fc2.weight", "ffn.fc2.bias", "norm.weight", "norm.bias"]


def test_injected_masks_by_module_path_reproduce_the_training_pass():
    block = _block(ffn_hidden_dim=5, dropout=0.4)
    block = TransformerBlock(GlobalFilterMixing(4, 6, dropout=0.4), 4, 5, "tanh", 0.4).with_params(block.params)
    assert block.dropout_names == ("mixing_layer.dropout", "dropout", "ffn.dropout", "dropout@2")
    gen = np.random.default_rng(3)
    x = _x()
    masks = {"mixing_layer.dropout": gen.random((2, 6, 4)) > 0.4, "dropout": gen.random((2, 6, 4)) > 0.4,
             "ffn.dropout": gen.random((2, 6, 5)) > 0.4, "dropout@2": gen.random((2, 6, 4)) > 0.4}
    p = block.params
    keep = lambda v, m: v * m / 0.6  # noqa: E731
    h = x + keep(keep(gfnet(ln(x, p["norm1.weight"], p["norm1.bias"]), p), masks["mixing_layer.dropout"]),
                 masks["dropout"])
    want = h + keep(ffn(ln(h, p["norm2.weight"], p["norm2.bias"]), p, mask=masks["ffn.dropout"], rate=0.4),
                    masks["dropout@2"])
    y, ctx = block.forward(x, training=True, masks=masks)
    np.testing.assert_allclose(y, want, rtol=0, atol=TOL)
    assert ctx.mask1 is not None and ctx.mask2 is not None
    np.testing.assert_array_equal(block(x), block(x, training=False))  # eval: no dropout
    with pytest.raises(ValueError, match="no dropout named 'dropout@3'"):
        block.forward(x, training=True, masks={"dropout@3": masks["dropout"]})
    with pytest.raises(ValueError, match="needs rng="):
        block.forward(x, training=True)


def test_seeded_training_pass_is_deterministic():
    block = _block(ffn_hidden_dim=5, dropout=0.3)
    x = _x()
    np.testing.assert_array_equal(block(x, training=True, rng=4), block(x, training=True, rng=4))
    assert not np.array_equal(block(x, training=True, rng=4), block(x, training=True, rng=5))


def test_nth_application_names():
    assert nth_application("dropout", 1) == "dropout" and nth_application("dropout", 3) == "dropout@3"


def test_state_dict_round_trip_and_prefix():
    block = _block(ffn_hidden_dim=5)
    sd = {f"blocks.0.{k}": v for k, v in block.state_dict().items()}
    again = TransformerBlock.from_state_dict(sd, prefix="blocks.0.", mixing_layer=GlobalFilterMixing(4, 6),
                                             hidden_dim=4, ffn_hidden_dim=5, activation="tanh")
    x = _x()
    np.testing.assert_array_equal(again(x), block(x))
    f32 = TransformerBlock.from_state_dict(block.state_dict(), dtype=np.float32, mixing_layer=GlobalFilterMixing(4, 6),
                                           hidden_dim=4, ffn_hidden_dim=5, activation="tanh")
    assert f32(x.astype(np.float32)).dtype == np.float32


def test_a_state_dict_of_another_block_names_the_unexpected_and_missing_keys():
    parallel = ParallelBlock(GlobalFilterMixing(4, 6), 4, 5).state_dict()
    with pytest.raises(StateDictError, match=r"missing keys: norm1\.weight.*unexpected keys: norm\.weight"):
        PreNormBlock.from_state_dict(parallel, mixing_layer=GlobalFilterMixing(4, 6), hidden_dim=4, ffn_hidden_dim=5)


def test_bad_input():
    with pytest.raises(ValueError, match="has hidden size 6, the block has hidden_dim 4"):
        TransformerBlock(GlobalFilterMixing(6, 6), 4)
    with pytest.raises(TypeError, match="must be a specref Layer"):
        TransformerBlock(object(), 4)
    with pytest.raises(ValueError, match="activation"):
        PreNormBlock(GlobalFilterMixing(4, 6), 4, activation="swish")
    with pytest.raises(ValueError, match="norm_eps"):
        PreNormBlock(GlobalFilterMixing(4, 6), 4, norm_eps=0.0)
    block = _block(ffn_hidden_dim=5)
    with pytest.raises(ValueError, match="hidden_dim 4 but x has 3"):
        block(_x((2, 6, 3)))
    with pytest.raises(ValueError, match=r"\(B, N, D\)"):
        block(_x((6, 4)))
    with pytest.raises(TypeError):
        block(_x().astype(np.float32))
    y, ctx = block.forward(_x())
    with pytest.raises(TypeError, match="float32"):
        block.backward(ctx, y.astype(np.float32))


def test_a_wrapped_layer_keeps_its_own_backward_and_the_block_its_precision():
    lst = LSTAttention(4, 2, seed=0).astype("float32")
    block = PreNormBlock(lst, 4, 6, activation="tanh")
    assert {str(v.dtype) for v in block.params.values()} == {"float32"}
    x = _x().astype(np.float32)
    y, ctx = block.forward(x)
    dx, grads = block.backward(ctx, np.ones_like(y))
    assert dx.dtype == np.float32 and set(grads) == set(block.params)
    assert isinstance(block._child("ffn"), FeedForwardNetwork)


@settings(max_examples=8, deadline=None)
@given(batch=st.lists(st.integers(1, 3), min_size=1, max_size=2), dtype=st.sampled_from(["float32", "float64"]),
       post=st.booleans())
def test_samples_are_independent_for_any_batch_shape(batch, dtype, post):
    block = _block(ffn_hidden_dim=5, use_pre_norm=not post).astype(dtype)
    x = _x((*batch, 6, 4)).astype(dtype)
    y = block(x)
    flat = x.reshape(-1, 6, 4)
    each = np.stack([block(flat[i:i + 1])[0] for i in range(flat.shape[0])]).reshape(y.shape)
    # one sample alone or in a batch: the same operations; the FFT may block differently, so ulps of O(1) values
    tol = 64 * finfo_eps(dtype)
    np.testing.assert_allclose(y, each, rtol=0, atol=tol)
    assert y.dtype == np.dtype(dtype) and math.isfinite(float(np.abs(y).max()))
