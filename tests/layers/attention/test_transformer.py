"""TransformerEncoderLayer and TransformerEncoder: torch's names, order and init laws, the forward against its
composition (attention, layer norms, the FFN) in post-norm and pre-norm, the backward against central differences
(padding mask, injected dropout masks, bias=False), model width 1 (a constant output with exactly zero input
gradient in post-norm), batch_first=False, the encoder's identical layers, state_dict, strict, bad arguments.
The comparison with torch itself is validation/test_torch_transformer.py."""

from __future__ import annotations

import numpy as np
import pytest

from specref.backend import get_namespace, to_numpy
from specref.layers.attention.softmax import MultiheadAttention
from specref.layers.attention.transformer import CASES, TransformerEncoder, TransformerEncoderLayer
from specref.ops.norm import layer_norm
from specref.testing import assert_close, check_vjp
from specref.testing.draws import draw_away

E, H, F = 4, 2, 6
TORCH_NAMES = ["self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
               "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
               "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"]
_ROUND = "float64 roundings of a few short stages (n <= 8)"


def _random(layer, seed=0):
    gen = np.random.default_rng(seed)
    new = {}
    for k, v in layer.params.items():
        draw = gen.standard_normal(v.shape)
        new[k] = 1.0 + 0.5 * draw if "norm" in k and k.endswith("weight") else (
            0.5 * draw if k.endswith("bias") else draw / np.sqrt(v.shape[-1]))
    return layer.with_params(new)


def _padding(batch=2, length=5):
    mask = np.zeros((batch, length), dtype=bool)
    mask[0, -2:] = True
    return mask


def _composed(layer, x, padding=None):
    """The layer's math written from its parts: specref's MultiheadAttention, layer_norm, a NumPy FFN."""
    p = layer.params
    mha = MultiheadAttention(E, H, dropout=0.0).with_params(
        {k[len("self_attn."):]: v for k, v in p.items() if k.startswith("self_attn.")})

    def ln(name, v):
        return layer_norm(v, p[f"{name}.weight"], p[f"{name}.bias"])

    def sa(v):
        return mha.forward(v, key_padding_mask=padding)[0]

    def ff(v):
        hidden = np.maximum(v @ p["linear1.weight"].T + p["linear1.bias"], 0.0)
        return hidden @ p["linear2.weight"].T + p["linear2.bias"]

    if layer.norm_first:
        x1 = x + sa(ln("norm1", x))
        return x1 + ff(ln("norm2", x1))
    x1 = ln("norm1", x + sa(x))
    return ln("norm2", x1 + ff(x1))


def _vjp_check(layer, x, rng, **forward_kwargs):
    names = list(layer.params)

    def f(x, *vals):
        return layer.with_params(dict(zip(names, vals, strict=True))).forward(x, **forward_kwargs)[0]

    def f_vjp(dy, x, *vals_y):
        bound = layer.with_params(dict(zip(names, vals_y[:-1], strict=True)))
        dx, grads = bound.backward(bound.forward(x, **forward_kwargs)[1], dy)
        assert list(grads) == names
        return (dx, *(grads[k] for k in names))

    return check_vjp(f, f_vjp, (x, *layer.params.values()), argnums=tuple(range(1 + len(names))), rng=rng,
                     error_scale=layer.error_scale(x.shape[-2]))


def _away_from_relu_kink(layer, x, rng, head=""):
    key = f"{head}linear1.bias"
    ctx = layer.forward(x)[1]
    h = (ctx.layers[int(head.split(".")[1])] if head else ctx).h
    u_w1 = h - layer.params[key]
    return layer.with_params({key: draw_away(rng, (F,), kinks=(0.0,), scale=0.5, image=lambda b: u_w1 + b)})


# ----------------------------------------------------------------------------------------------------------
# the layer


def test_params_are_torchs_names_in_torchs_order_with_torchs_init():
    layer = TransformerEncoderLayer(E, H, dim_feedforward=F)
    assert list(layer.params) == TORCH_NAMES
    shapes = {k: tuple(v.shape) for k, v in layer.params.items()}
    assert shapes["self_attn.in_proj_weight"] == (3 * E, E) and shapes["linear1.weight"] == (F, E)
    assert shapes["linear2.weight"] == (E, F) and shapes["norm2.bias"] == (E,)
    assert np.all(layer.params["norm1.weight"] == 1.0) and np.all(layer.params["norm2.bias"] == 0.0)
    assert np.all(layer.params["self_attn.in_proj_bias"] == 0.0)
    assert np.max(np.abs(layer.params["linear2.weight"])) <= 1.0 / np.sqrt(F)  # nn.Linear's U(+-1/sqrt(fan_in))
    assert (layer.dropout, layer.activation, layer.layer_norm_eps) == (0.1, "relu", 1e-5)  # torch's defaults
    assert TransformerEncoderLayer(E, H).dim_feedforward == 2048
    no_bias = TransformerEncoderLayer(E, H, dim_feedforward=F, bias=False)
    assert list(no_bias.params) == ["self_attn.in_proj_weight", "self_attn.out_proj.weight", "linear1.weight",
                                    "linear2.weight", "norm1.weight", "norm2.weight"]
    assert layer.dropout_names == ("self_attn.dropout", "dropout1", "dropout", "dropout2")


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("padded", [False, True])
def test_forward_is_its_composition(norm_first, padded):
    layer = _random(TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0, norm_first=norm_first))
    x = np.random.default_rng(1).standard_normal((2, 5, E))
    padding = _padding() if padded else None
    y = layer.forward(x, src_key_padding_mask=padding)[0]
    assert_close(y, _composed(layer, x, padding), rtol=1e-13, reason=_ROUND)


@pytest.mark.parametrize("norm_first", [False, True])
def test_backward_against_central_differences(norm_first):
    rng = np.random.default_rng(2)
    layer = _random(TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0, norm_first=norm_first))
    x = rng.standard_normal((2, 5, E))
    layer = _away_from_relu_kink(layer, x, rng)
    r = _vjp_check(layer, x, rng, src_key_padding_mask=_padding())
    assert r.passed, r.detail


def test_backward_with_injected_dropout_masks_gelu_and_no_bias():
    rng = np.random.default_rng(3)
    layer = _random(TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.3, activation="gelu", bias=False))
    x = rng.standard_normal((2, 5, E))
    masks = {"self_attn.dropout": rng.random((2, H, 5, 5)) > 0.3, "dropout1": rng.random((2, 5, E)) > 0.3,
             "dropout": rng.random((2, 5, F)) > 0.3, "dropout2": rng.random((2, 5, E)) > 0.3}
    r = _vjp_check(layer, x, rng, training=True, masks=masks)
    assert r.passed, r.detail
    y, ctx = layer.forward(x, training=True, masks=masks)
    assert np.array_equal(to_numpy(ctx.mask), masks["dropout"])
    assert np.array_equal(to_numpy(ctx.sa_ctx.dropout_mask), masks["self_attn.dropout"])
    assert not np.allclose(y, layer.forward(x)[0])


def test_dropout_draws_from_one_stream_and_refuses_unknown_names():
    layer = TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.5)
    x = np.random.default_rng(4).standard_normal((2, 3, E))
    y1, c1 = layer.forward(x, training=True, rng=5)
    y2, _ = layer.forward(x, training=True, rng=5)
    assert np.array_equal(y1, y2)
    assert not np.array_equal(to_numpy(c1.mask1), to_numpy(c1.mask2))  # one generator, not one seed twice
    with pytest.raises(ValueError, match="needs rng"):
        layer.forward(x, training=True)
    with pytest.raises(ValueError, match="no dropout named 'linear1'"):
        layer.forward(x, masks={"linear1": np.ones((2, 3, E), bool)})


def test_causal_src_mask():
    layer = _random(TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0))
    x = np.random.default_rng(6).standard_normal((2, 5, E))
    causal = np.triu(np.ones((5, 5), dtype=bool), k=1)  # True = not allowed
    y = layer.forward(x, src_mask=causal)[0]
    x2 = x.copy()
    x2[:, -1] += 1.0  # the last position cannot change any earlier output
    assert_close(layer.forward(x2, src_mask=causal)[0][:, :-1], y[:, :-1], rtol=0.0)  # masked weights exactly 0


def test_model_width_one_post_norm_is_constant_with_exactly_zero_input_gradient():
    # WaveletMixing2D's encoder: d_model = 1, nhead = 1, dim_feedforward = 4
    layer = _random(TransformerEncoderLayer(1, 1, dim_feedforward=4, dropout=0.0))
    x = np.random.default_rng(7).standard_normal((3, 6, 1)) * 5.0
    y, ctx = layer.forward(x)
    assert np.all(y == layer.params["norm2.bias"])  # LN over one feature returns its bias
    dy = np.random.default_rng(8).standard_normal(y.shape)
    dx, grads = layer.backward(ctx, dy)
    assert np.all(dx == 0.0)  # exactly
    assert grads["norm2.bias"][0] == pytest.approx(dy.sum(), rel=1e-14)  # a sum of 18 terms: < 18 eps64
    assert all(np.all(g == 0.0) for k, g in grads.items() if k != "norm2.bias")


def test_model_width_one_pre_norm_passes_the_residual_only():
    layer = _random(TransformerEncoderLayer(1, 1, dim_feedforward=4, dropout=0.0, norm_first=True))
    x = np.random.default_rng(9).standard_normal((2, 5, 1))
    y, ctx = layer.forward(x)
    shift = y - x
    assert_close(shift, np.broadcast_to(shift[0, 0], shift.shape), rtol=1e-15)  # x + a constant
    dy = np.random.default_rng(10).standard_normal(y.shape)
    assert np.array_equal(layer.backward(ctx, dy)[0], dy)  # dx = dy exactly


def test_batch_first_false_is_the_transposed_layout():
    layer = _random(TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0))
    seq_first = TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0, batch_first=False).with_params(
        layer.params)
    x = np.random.default_rng(11).standard_normal((2, 5, E))
    padding = _padding()
    y = layer.forward(x, src_key_padding_mask=padding)[0]
    y_t, ctx = seq_first.forward(np.transpose(x, (1, 0, 2)), src_key_padding_mask=padding)
    assert_close(np.transpose(y_t, (1, 0, 2)), y, rtol=1e-14, reason=_ROUND)
    dy = np.random.default_rng(12).standard_normal(y.shape)
    dx = layer.backward(layer.forward(x, src_key_padding_mask=padding)[1], dy)[0]
    dx_t = seq_first.backward(ctx, np.transpose(dy, (1, 0, 2)))[0]
    assert_close(np.transpose(dx_t, (1, 0, 2)), dx, rtol=1e-14, reason=_ROUND)


def test_state_dict_round_trip_and_precision():
    layer = _random(TransformerEncoderLayer(E, H, dim_feedforward=F, norm_first=True))
    back = TransformerEncoderLayer.from_state_dict(layer.state_dict(), d_model=E, nhead=H, dim_feedforward=F,
                                                   norm_first=True)
    x = np.random.default_rng(13).standard_normal((2, 3, E))
    assert np.array_equal(back(x), layer(x))
    assert layer.astype("float32")(x.astype(np.float32)).dtype == np.float32
    y, ctx = layer.forward(x)
    with pytest.raises(TypeError, match="float32"):
        layer.backward(ctx, np.ones(y.shape, np.float32))


def test_strict_backend_matches_numpy():
    xp = get_namespace("strict")
    layer = _random(TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0))
    x = np.random.default_rng(14).standard_normal((2, 5, E))
    padding = _padding()
    y, ctx = layer.to("strict").forward(xp.asarray(x), src_key_padding_mask=xp.asarray(padding))
    assert_close(to_numpy(y), layer.forward(x, src_key_padding_mask=padding)[0], rtol=1e-14, reason=_ROUND)
    dx, _ = layer.to("strict").backward(ctx, xp.asarray(np.ones(y.shape)))
    assert dx.shape == (2, 5, E)


def test_bad_arguments():
    with pytest.raises(TypeError, match="callable"):
        TransformerEncoderLayer(E, H, activation=lambda t: t)
    with pytest.raises(ValueError, match="activation"):
        TransformerEncoderLayer(E, H, activation="silu")  # torch's names: relu and gelu
    with pytest.raises(ValueError, match="divisible"):
        TransformerEncoderLayer(5, 2)
    with pytest.raises(ValueError):
        TransformerEncoderLayer(E, H, dropout=1.0)
    with pytest.raises(ValueError):
        TransformerEncoderLayer(E, H, layer_norm_eps=-1.0)
    layer = TransformerEncoderLayer(E, H, dim_feedforward=F)
    with pytest.raises(ValueError, match="d_model|hidden_dim 4"):
        layer.forward(np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match="shape"):
        layer.forward(np.zeros((2, 3, E)), src_key_padding_mask=np.zeros((2, 4), bool))


# ----------------------------------------------------------------------------------------------------------
# the encoder


def test_encoder_layers_start_identical_and_carry_torchs_names():
    enc = TransformerEncoder(3, d_model=E, nhead=H, dim_feedforward=F, final_norm=True)
    assert list(enc.params) == [f"layers.{i}.{n}" for i in range(3) for n in TORCH_NAMES] + ["norm.weight",
                                                                                            "norm.bias"]
    for n in TORCH_NAMES:
        assert np.array_equal(enc.params[f"layers.0.{n}"], enc.params[f"layers.2.{n}"])
    assert list(TransformerEncoder(1, d_model=E, nhead=H).params) == [f"layers.0.{n}" for n in TORCH_NAMES]
    assert enc.dropout_names[:4] == ("layers.0.self_attn.dropout", "layers.0.dropout1", "layers.0.dropout",
                                     "layers.0.dropout2")


@pytest.mark.parametrize("final_norm", [False, True])
def test_encoder_is_its_layers_in_turn(final_norm):
    enc = _random(TransformerEncoder(3, d_model=E, nhead=H, dim_feedforward=F, dropout=0.0, norm_first=True,
                                     final_norm=final_norm))
    x = np.random.default_rng(15).standard_normal((2, 5, E))
    padding = _padding()
    z = x
    for i in range(3):
        layer = TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0, norm_first=True).with_params(
            {n: enc.params[f"layers.{i}.{n}"] for n in TORCH_NAMES})
        z = layer.forward(z, src_key_padding_mask=padding)[0]
    if final_norm:
        z = layer_norm(z, enc.params["norm.weight"], enc.params["norm.bias"])
    assert_close(enc.forward(x, src_key_padding_mask=padding)[0], z, rtol=0.0)  # same ops, same order


def test_encoder_backward_against_central_differences():
    rng = np.random.default_rng(16)
    enc = _random(TransformerEncoder(2, d_model=E, nhead=H, dim_feedforward=F, dropout=0.0, final_norm=True))
    x = rng.standard_normal((2, 5, E))
    for i in range(2):
        enc = _away_from_relu_kink(enc, x, rng, head=f"layers.{i}.")
    r = _vjp_check(enc, x, rng, src_key_padding_mask=_padding())
    assert r.passed, r.detail


def test_encoder_masks_are_prefixed():
    enc = TransformerEncoder(2, d_model=E, nhead=H, dim_feedforward=F, dropout=0.5)
    x = np.random.default_rng(17).standard_normal((2, 3, E))
    keep = np.ones((2, 3, F), bool)
    keep[0, 0, 0] = False
    masks = {f"layers.{i}.{n}": np.ones(s, bool) for i in range(2) for n, s in (
        ("self_attn.dropout", (2, H, 3, 3)), ("dropout1", (2, 3, E)), ("dropout", (2, 3, F)), ("dropout2", (2, 3, E)))}
    masks["layers.1.dropout"] = keep
    y, ctx = enc.forward(x, training=True, masks=masks)
    assert np.array_equal(to_numpy(ctx.layers[1].mask), keep)
    with pytest.raises(ValueError, match="no dropout named 'dropout1'"):
        enc.forward(x, masks={"dropout1": np.ones((2, 3, E), bool)})


def test_cases_are_registered():
    assert {c.name for c in CASES} == {"TransformerEncoderLayer", "TransformerEncoderLayerGelu",
                                       "TransformerEncoderLayerNoBias", "TransformerEncoder", "TransformerEncoderGelu"}
