"""MultiheadAttention (torch's nn.MultiheadAttention): forward against an independent NumPy implementation of
torch's formula, masks (torch's conventions), cross-attention's VJP against central differences (the
registry's cases check self-attention's input and every parameter), batch_first=False, leading batch shapes,
dropout, initialisation laws, state_dict names, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.backend import backend_name, finfo_eps, to_numpy
from specref.layers.attention import MultiheadAttention
from specref.layers.attention.softmax import CASES, _build
from specref.testing import assert_close, check_vjp

EPS64 = finfo_eps("float64")


def _layer(xp, embed_dim=6, num_heads=2, dtype="float64", seed=0, **kw):
    return _build(seed, embed_dim=embed_dim, num_heads=num_heads, **kw).astype(dtype).to(backend_name(xp))


def _x(xp, shape, dtype="float64", seed=1):
    return xp.asarray(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


def reference_torch_formula(query, key, value, p, h, *, key_padding_mask=None, attn_mask=None):
    """torch's multi_head_attention_forward written from its source's formulas, in float64 NumPy, one batch
    entry and one head at a time (masks: bool True = not allowed, float added)."""
    e = query.shape[-1]
    d = e // h
    w, b = p["in_proj_weight"], p.get("in_proj_bias", np.zeros(3 * e))
    q, k, v = (x @ w[i * e:(i + 1) * e].T + b[i * e:(i + 1) * e] for i, x in enumerate((query, key, value)))
    out = np.zeros(q.shape)
    for idx in np.ndindex(*q.shape[:-2]):
        for t in range(h):
            cols = slice(t * d, (t + 1) * d)
            s = q[idx][:, cols] @ k[idx][:, cols].T / math.sqrt(d)
            for m in (attn_mask if attn_mask is None or attn_mask.ndim == 2 else attn_mask[idx][t],
                      None if key_padding_mask is None else key_padding_mask[idx][None, :]):
                if m is not None:
                    s = s + (np.where(m, -np.inf, 0.0) if m.dtype == bool else m)
            a = np.exp(s - s.max(-1, keepdims=True))
            out[idx][:, cols] = a / a.sum(-1, keepdims=True) @ v[idx][:, cols]
    y = out @ p["out_proj.weight"].T
    return y + p["out_proj.bias"] if "out_proj.bias" in p else y


def _host_params(layer):
    return {k: to_numpy(v) for k, v in layer.params.items()}


def _claim(layer, lq, lk):
    return layer.error_scale(lq, lk)


@pytest.mark.parametrize("masks", [(), ("padding",), ("bool",), ("float4",), ("padding", "float2")])
@pytest.mark.parametrize("cross", [False, True])
def test_forward_matches_torch_formula(xp, masks, cross):
    layer = _layer(xp, 6, 3)
    lq, lk = 4, (5 if cross else 4)
    query = _x(xp, (2, lq, 6))
    key, value = (_x(xp, (2, lk, 6), seed=s) for s in (2, 3)) if cross else (None, None)
    rng = np.random.default_rng(4)
    kw = {}
    if "padding" in masks:
        pad = rng.random((2, lk)) < 0.4
        pad[:, 0] = False
        kw["key_padding_mask"] = pad
    if "bool" in masks:
        am = rng.random((lq, lk)) < 0.4
        am[:, 1] = False
        kw["attn_mask"] = am
    if "float4" in masks:
        kw["attn_mask"] = rng.uniform(-1, 1, (2, 3, lq, lk))
    if "float2" in masks:
        kw["attn_mask"] = rng.uniform(-1, 1, (lq, lk))
    args = (query,) if not cross else (query, key, value)
    y, ctx = layer.forward(*args, **{k: xp.asarray(v) for k, v in kw.items()})
    host = [to_numpy(a) for a in args]
    if not cross:
        host = host * 3
    expected = reference_torch_formula(*host, _host_params(layer), 3, **kw)
    assert_close(to_numpy(y), expected, rtol=2 * _claim(layer, lq, lk) * EPS64, reason="2 c eps")  # claim, doubled
    assert ctx.weights.shape == (2, 3, lq, lk)


def test_float32_within_its_claim_of_float64():
    import numpy as xp

    layer = _layer(xp, 8, 2)
    x = _x(xp, (2, 6, 8))
    y64 = layer.forward(x)[0]
    y32 = layer.astype("float32").forward(x.astype(np.float32))[0]
    assert y32.dtype == np.float32
    assert_close(y32, y64, rtol=_claim(layer, 6, 6) * finfo_eps("float32") * 2, reason="2 c eps32")  # the claim


def test_self_attention_is_cross_attention_with_one_input(xp):
    layer = _layer(xp)
    x = _x(xp, (2, 5, 6))
    y1, c1 = layer.forward(x)
    y2, c2 = layer.forward(x, x, x)
    assert_close(to_numpy(y1), to_numpy(y2), rtol=8 * EPS64, reason="packed vs row-sliced products")  # few ulp
    dy = _x(xp, (2, 5, 6), seed=5)
    dx, g1 = layer.backward(c1, dy)
    parts, g2 = layer.backward(c2, dy)
    assert isinstance(parts, tuple) and len(parts) == 3
    total = to_numpy(parts[0]) + to_numpy(parts[1]) + to_numpy(parts[2])
    assert_close(to_numpy(dx), total, rtol=64 * EPS64, reason="three paths summed in a different order")  # ~E ulp
    for k in g1:
        assert_close(to_numpy(g1[k]), to_numpy(g2[k]), rtol=64 * EPS64, reason="same products, other order")  # ~E ulp


@pytest.mark.parametrize("masks", [False, True])
def test_cross_attention_vjp_central_differences(xp, masks):
    """The registry checks self-attention; here the gradients of query, key, value and every parameter of
    cross-attention (Lq = 3, Lk = 5), with a padding mask and a float attn_mask."""
    layer = _layer(xp, 4, 2)
    query, key, value = _x(xp, (2, 3, 4)), _x(xp, (2, 5, 4), seed=2), _x(xp, (2, 5, 4), seed=3)
    kw = {}
    if masks:
        pad = np.zeros((2, 5), dtype=bool)
        pad[0, 4] = pad[1, 1] = True
        kw = {"key_padding_mask": xp.asarray(pad),
              "attn_mask": xp.asarray(np.random.default_rng(6).uniform(-1, 1, (3, 5)))}
    names = list(layer.params)

    def f(q, k, v, *values):
        return layer.with_params(values).forward(q, k, v, **kw)[0]

    def f_vjp(dy, q, k, v, *values_and_y):
        bound = layer.with_params(values_and_y[:-1])
        dx, grads = bound.backward(bound.forward(q, k, v, **kw)[1], dy)
        return (*dx, *(grads[n] for n in names))

    args = (query, key, value, *layer.params.values())
    check_vjp(f, f_vjp, args, argnums=tuple(range(len(args))), rng=7,
              error_scale=_claim(layer, 3, 5)).raise_if_failed()


def test_masks_bool_equals_float(xp):
    layer = _layer(xp)
    x = _x(xp, (2, 5, 6))
    pad = np.zeros((2, 5), dtype=bool)
    pad[:, 3] = True
    am = np.triu(np.ones((5, 5), dtype=bool), 1)
    y_bool = layer(x, key_padding_mask=xp.asarray(pad), attn_mask=xp.asarray(am))
    y_float = layer(x, key_padding_mask=xp.asarray(np.where(pad, -np.inf, 0.0)),
                    attn_mask=xp.asarray(np.where(am, -np.inf, 0.0)))
    y_mixed = layer(x, key_padding_mask=xp.asarray(pad), attn_mask=xp.asarray(np.where(am, -np.inf, 0.0)))
    np.testing.assert_array_equal(to_numpy(y_bool), to_numpy(y_float))  # -inf scores: bit-equal weights
    np.testing.assert_array_equal(to_numpy(y_bool), to_numpy(y_mixed))


def test_fully_masked_query_gives_bias_row_and_finite_gradients(xp):
    """A query that may attend to no key: weights 0, output row out_proj.bias (as torch's sdpa path; its
    need_weights=True path gives NaN), finite gradients."""
    layer = _layer(xp)
    x = _x(xp, (2, 4, 6))
    am = np.zeros((4, 4), dtype=bool)
    am[2] = True
    y, ctx = layer.forward(x, attn_mask=xp.asarray(am))
    bias = to_numpy(layer.params["out_proj.bias"])
    np.testing.assert_array_equal(to_numpy(y)[:, 2], np.broadcast_to(bias, (2, 6)))
    assert np.all(to_numpy(ctx.weights)[:, :, 2] == 0.0)
    dx, grads = layer.backward(ctx, _x(xp, (2, 4, 6), seed=8))
    assert np.all(np.isfinite(to_numpy(dx))) and all(np.all(np.isfinite(to_numpy(g))) for g in grads.values())


def test_batch_first_false_is_the_transpose(xp):
    layer = _layer(xp)
    t = MultiheadAttention(6, 2, batch_first=False).with_params(list(layer.params.values()))
    t = t.to(backend_name(xp))
    x = _x(xp, (2, 5, 6))
    pad = xp.asarray(np.eye(2, 5, 4, dtype=bool))
    y, ctx = layer.forward(x, key_padding_mask=pad)
    yt, ctxt = t.forward(xp.permute_dims(x, (1, 0, 2)), key_padding_mask=pad)
    np.testing.assert_array_equal(to_numpy(yt), to_numpy(y).transpose(1, 0, 2))
    dy = _x(xp, (2, 5, 6), seed=9)
    dx, _ = layer.backward(ctx, dy)
    dxt, _ = t.backward(ctxt, xp.permute_dims(dy, (1, 0, 2)))
    np.testing.assert_array_equal(to_numpy(dxt), to_numpy(dx).transpose(1, 0, 2))
    with pytest.raises(ValueError, match=r"\(L, B, E\)"):
        t.forward(_x(xp, (1, 2, 5, 6)))


def test_leading_batch_shape_is_a_loop(xp):
    layer = _layer(xp)
    x = _x(xp, (2, 3, 4, 6))
    y = to_numpy(layer(x))
    for i in range(2):
        np.testing.assert_allclose(y[i], to_numpy(layer(x[i, ...])), rtol=0, atol=32 * EPS64)  # ulps


def test_dropout_injected_and_drawn(xp):
    layer = _layer(xp, dropout=0.25)
    x = _x(xp, (2, 4, 6))
    keep = np.random.default_rng(10).random((2, 2, 4, 4)) >= 0.25
    y, ctx = layer.forward(x, training=True, masks={"dropout": xp.asarray(keep)})
    np.testing.assert_array_equal(to_numpy(ctx.dropout_mask), keep)
    assert np.all(to_numpy(y) == to_numpy(layer.forward(x, training=True, masks={"dropout": xp.asarray(keep)})[0]))
    y1, c1 = layer.forward(x, training=True, rng=3)
    y2, c2 = layer.forward(x, training=True, rng=3)
    np.testing.assert_array_equal(to_numpy(y1), to_numpy(y2))
    assert c1.dropout_mask.shape == (2, 2, 4, 4)
    assert layer.forward(x)[1].dropout_mask is None  # eval mode: no dropout
    with pytest.raises(ValueError, match="rng"):
        layer.forward(x, training=True)
    with pytest.raises(ValueError, match="no dropout named"):
        layer.forward(x, masks={"attn_drop": xp.asarray(keep)})


def test_state_dict_names_shapes_and_order_match_torch():
    layer = MultiheadAttention(8, 2)
    assert [(k, v.shape) for k, v in layer.state_dict().items()] == [
        ("in_proj_weight", (24, 8)), ("in_proj_bias", (24,)), ("out_proj.weight", (8, 8)), ("out_proj.bias", (8,))]
    assert list(MultiheadAttention(8, 2, bias=False).params) == ["in_proj_weight", "out_proj.weight"]
    again = MultiheadAttention.from_state_dict(layer.state_dict(), embed_dim=8, num_heads=2)
    for k, v in again.state_dict().items():
        np.testing.assert_array_equal(v, layer.state_dict()[k])


def test_initialisation_laws():
    layer = MultiheadAttention(32, 4, seed=3)
    p = layer.params
    assert not np.any(p["in_proj_bias"]) and not np.any(p["out_proj.bias"])
    xavier = math.sqrt(6.0 / (32 + 96))  # fan_in E, fan_out 3E
    assert np.abs(p["in_proj_weight"]).max() <= xavier and np.abs(p["in_proj_weight"]).max() > 0.9 * xavier
    linear = 1.0 / math.sqrt(32)  # nn.Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert np.abs(p["out_proj.weight"]).max() <= linear and np.abs(p["out_proj.weight"]).max() > 0.9 * linear
    assert not np.array_equal(p["in_proj_weight"], MultiheadAttention(32, 4, seed=4).params["in_proj_weight"])


def test_bias_false_backward_keys(xp):
    layer = _layer(xp, bias=False)
    y, ctx = layer.forward(_x(xp, (2, 3, 6)))
    _, grads = layer.backward(ctx, y)
    assert list(grads) == ["in_proj_weight", "out_proj.weight"]


def test_bad_configuration():
    with pytest.raises(ValueError, match="divisible"):
        MultiheadAttention(6, 4)
    with pytest.raises(ValueError):
        MultiheadAttention(0, 1)
    with pytest.raises(ValueError):
        MultiheadAttention(4, 2, dropout=1.0)
    with pytest.raises(TypeError):
        MultiheadAttention(4.0, 2)


def test_bad_inputs(xp):
    layer = _layer(xp)
    x = _x(xp, (2, 5, 6))
    with pytest.raises(ValueError, match=r"key_padding_mask has shape \(2, 4\).*\(2, 5\)"):
        layer.forward(x, key_padding_mask=xp.zeros((2, 4), dtype=xp.bool))
    with pytest.raises(ValueError, match=r"attn_mask has shape \(5, 4\).*\(5, 5\) or \(2, 2, 5, 5\)"):
        layer.forward(x, attn_mask=xp.zeros((5, 4), dtype=xp.bool))
    with pytest.raises(TypeError, match="boolean or float"):
        layer.forward(x, attn_mask=xp.zeros((5, 5), dtype=xp.int64))
    with pytest.raises(TypeError, match="precision"):
        layer.forward(x, key_padding_mask=xp.zeros((2, 5), dtype=xp.float32))
    with pytest.raises(ValueError, match="hidden_dim 6 but query has 4"):
        layer.forward(_x(xp, (2, 5, 4)))
    with pytest.raises(ValueError, match="hidden_dim 6 but key has 4"):
        layer.forward(x, _x(xp, (2, 5, 4)), _x(xp, (2, 5, 4)))
    with pytest.raises(ValueError, match="one shape"):
        layer.forward(x, _x(xp, (2, 5, 6)), _x(xp, (2, 4, 6)))
    with pytest.raises(ValueError, match="batch shape"):
        layer.forward(x, _x(xp, (3, 5, 6)), _x(xp, (3, 5, 6)))
    with pytest.raises(ValueError, match="both key and value"):
        layer.forward(x, x)
    with pytest.raises(TypeError):
        layer.forward(_x(xp, (2, 5, 6), dtype="float32"))  # float64 layer, float32 input
    y, ctx = layer.forward(x)
    with pytest.raises(TypeError, match="float32"):
        layer.backward(ctx, xp.astype(y, xp.float32))
    with pytest.raises(ValueError, match="shape"):
        layer.backward(ctx, _x(xp, (2, 4, 6)))


def test_registered_cases():
    assert [c.name for c in CASES] == ["MultiheadAttention", "MultiheadAttentionNoBias", "MultiheadAttentionMasked",
                                       "MultiheadAttentionFloatMask", "MultiheadAttentionMixedMask"]
