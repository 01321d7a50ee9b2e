"""LSTAttention, DCTAttention, HadamardAttention (spectrans's LST family): forward against an independent NumPy
reference written from spectrans's formulas (scipy.fft's DCT/DST and an explicit Hadamard matrix), the mask
masks (a masked token's input moves no output), spectrans's constructor quirks (ignored dct_type, the
1/sqrt(head_dim) Hadamard scale), parameter names and shapes, the |a| subgradient at 0, bad inputs. The
registry's cases (specref verify) check the VJP of the input and every parameter."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.fft

from specref.backend import backend_name, finfo_eps, to_numpy
from specref.layers.attention.lst import DCTAttention, HadamardAttention, LSTAttention, _build
from specref.testing import assert_close

EPS64 = finfo_eps("float64")


def _layer(xp, hidden_dim=6, num_heads=3, dtype="float64", seed=0, L=4, **kw):  # noqa: N803
    return _build(seed, L=L, hidden_dim=hidden_dim, num_heads=num_heads, **kw).astype(dtype).to(backend_name(xp))


def _x(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


def _sylvester(n):
    h = np.ones((1, 1))
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h / math.sqrt(n)


def reference_spectrans(x, p, h, kinds, *, normalize=True, keep=None):
    """spectrans's LSTAttention.forward written from its source's formulas in float64 NumPy, one head at a time;
    ``keep`` zeroes the masked tokens' q, k, v (specref's mask; spectrans's own mask path is not followed)."""
    e = x.shape[-1]
    d = e // h
    lin = {c: x @ p[f"{c}_proj.weight"].T + p.get(f"{c}_proj.bias", 0.0) for c in "qkv"}
    if keep is not None:
        lin = {c: v * keep[..., None] for c, v in lin.items()}
    n = x.shape[-2]
    out = np.zeros(x.shape)
    hm = _sylvester(n) if "hadamard" in kinds else None
    pairs = {"dct": (scipy.fft.dct, scipy.fft.idct), "dst": (scipy.fft.dst, scipy.fft.idst)}

    def apply(kind, v, inverse):
        if kind == "hadamard":  # symmetric orthogonal: its own inverse
            return np.einsum("ij,...jf->...if", hm, v)
        return pairs[kind][inverse](v, type=2, axis=-2, norm="ortho")

    for t in range(h):
        cols = slice(t * d, (t + 1) * d)
        kind = kinds[t]

        def fwd(v, kind=kind):
            return apply(kind, v, 0)

        def inv(v, kind=kind):
            return apply(kind, v, 1)

        q, k, v = (fwd(lin[c][..., cols]) for c in "qkv")
        a = q * k * p["scale"][t]
        o = a * v
        if normalize:
            o = o / (np.abs(a).sum(-1, keepdims=True) + 1e-6)
        out[..., cols] = inv(o)
    return out @ p["out_proj.weight"].T + p.get("out_proj.bias", 0.0)


def _host(layer):
    return {k: to_numpy(v) for k, v in {**layer.buffers, **layer.params}.items()}


@pytest.mark.parametrize("kind,n", [("dct", 5), ("dct", 4), ("dst", 5), ("dst", 6), ("hadamard", 8),
                                    ("mixed", 4)])
@pytest.mark.parametrize("masked", [False, True])
def test_forward_matches_reference(xp, kind, n, masked):
    layer = _layer(xp, transform_type=kind)
    x = _x((2, n, 6))
    keep = None
    if masked:
        keep = np.ones((2, n), dtype=bool)
        keep[0, 1] = keep[1, -1] = False
    y, _ = layer.forward(xp.asarray(x), mask=None if keep is None else xp.asarray(keep))
    expected = reference_spectrans(x, _host(layer), 3, layer.head_transforms, keep=keep)
    assert_close(to_numpy(y), expected, rtol=2 * layer.error_scale(n) * EPS64, reason="2 c eps")  # claim, doubled


def test_unnormalized_and_no_bias():
    import numpy as xp

    layer = _layer(xp, 4, 2, transform_type="dst", normalize=False, use_bias=False)
    assert "q_proj.bias" not in layer.params
    x = _x((3, 5, 4))
    expected = reference_spectrans(x, _host(layer), 2, layer.head_transforms, normalize=False)
    assert_close(layer.forward(x)[0], expected, rtol=2 * layer.error_scale(5) * EPS64, reason="2 c eps")  # claim


@pytest.mark.parametrize("kind", ["dct", "dst", "hadamard", "mixed"])
def test_mask_masks(kind):
    """Changing a masked token's input leaves every output row unchanged (exactly: its q, k, v are zeroed)."""
    layer = _layer(np, transform_type=kind)
    x = _x((2, 4, 6))
    keep = np.ones((2, 4), dtype=bool)
    keep[:, 2] = False
    y0 = layer.forward(x, mask=keep)[0]
    x2 = x.copy()
    x2[:, 2] += 3.0
    y1 = layer.forward(x2, mask=keep)[0]
    np.testing.assert_array_equal(y0, y1)
    # and without the mask the change does move the outputs
    assert np.abs(layer.forward(x)[0] - layer.forward(x2)[0]).max() > 1e-3


def test_params_and_init():
    layer = LSTAttention(8, 2, transform_type="mixed")
    assert [(k, tuple(v.shape)) for k, v in layer.params.items()] == [
        ("scale", (2, 1, 4)), ("q_proj.weight", (8, 8)), ("q_proj.bias", (8,)), ("k_proj.weight", (8, 8)),
        ("k_proj.bias", (8,)), ("v_proj.weight", (8, 8)), ("v_proj.bias", (8,)), ("out_proj.weight", (8, 8)),
        ("out_proj.bias", (8,))]
    assert layer.head_transforms == ("dct", "dst")
    np.testing.assert_array_equal(layer.params["scale"], np.ones((2, 1, 4)))
    fixed = LSTAttention(8, 2, learnable_scale=False)
    assert "scale" not in fixed.params and fixed.buffers["scale"].shape == (2, 1, 4)
    assert sorted(fixed.state_dict()) == sorted(layer.state_dict())
    # HadamardAttention divides the initial scale by sqrt(head_dim), as spectrans (not sqrt(N))
    had = HadamardAttention(8, 2)
    np.testing.assert_allclose(had.params["scale"], np.full((2, 1, 4), 0.5), rtol=0)  # 1/sqrt(4) = 0.5: exact
    np.testing.assert_array_equal(HadamardAttention(8, 2, scale_by_sqrt=False).params["scale"], 1.0)
    assert had.head_transforms == ("hadamard", "hadamard")


def test_dct_attention_ignores_dct_type():
    a, b = DCTAttention(8, 2, dct_type=2, seed=3), DCTAttention(8, 2, dct_type=4, seed=3)
    assert b.dct_type == 4 and b.transform_type == "dct" and b.normalize
    x = _x((2, 5, 8))
    np.testing.assert_array_equal(a.forward(x)[0], b.forward(x)[0])


def test_abs_subgradient_zero():
    """Where a = 0 (here: a zero scale column) sign(0) = 0: no gradient flows through |a| there."""
    layer = _layer(np, 4, 2, transform_type="dct")
    scale = np.array(layer.params["scale"])
    scale[0, 0, 1] = 0.0
    layer = layer.with_params({"scale": scale})
    x = _x((1, 3, 4))
    y, ctx = layer.forward(x)
    assert (ctx.a[..., 0, :, 1] == 0).all()
    dx, grads = layer.backward(ctx, np.ones_like(y))
    assert np.isfinite(dx).all() and np.isfinite(grads["scale"]).all()


def test_float32():
    layer = _layer(np, transform_type="mixed")
    x = _x((2, 4, 6))
    y64 = layer.forward(x)[0]
    y32 = layer.astype("float32").forward(x.astype(np.float32))[0]
    assert y32.dtype == np.float32
    assert_close(y32, y64, rtol=2 * layer.error_scale(4) * finfo_eps("float32"), reason="2 c eps32")  # claim


def test_dropout_training():
    layer = _layer(np, dropout=0.5)
    x = _x((2, 4, 6))
    keep = np.random.default_rng(2).random((2, 4, 6)) >= 0.5
    y, ctx = layer.forward(x, training=True, masks={"dropout": keep})
    np.testing.assert_allclose(y, np.where(keep, layer.forward(x)[0] / 0.5, 0.0), rtol=1e-15)  # exact scaling
    with pytest.raises(ValueError, match="rng"):
        layer.forward(x, training=True)


def test_bad_inputs():
    with pytest.raises(ValueError, match="divisible"):
        LSTAttention(6, 4)
    with pytest.raises(ValueError, match="transform_type"):
        LSTAttention(8, 2, transform_type="fft")
    layer = LSTAttention(8, 2)
    x = _x((2, 4, 8))
    with pytest.raises(ValueError, match="mask has shape"):
        layer.forward(x, mask=np.ones((2, 5), dtype=bool))
    with pytest.raises(ValueError, match="mask has shape"):
        layer.forward(x, mask=np.ones((4,), dtype=bool))
    with pytest.raises(TypeError, match="boolean"):
        layer.forward(x, mask=np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"power-of-two.*got 6 \(nearest allowed: 4 and 8\)"):
        HadamardAttention(8, 2).forward(_x((2, 6, 8)))
    with pytest.raises(ValueError, match="power-of-two"):
        LSTAttention(6, 3, transform_type="mixed").forward(_x((1, 5, 6)))
    LSTAttention(4, 2, transform_type="mixed").forward(_x((1, 5, 4)))  # two heads: dct, dst; any N
    with pytest.raises(ValueError, match="hidden_dim"):
        layer.forward(_x((2, 4, 6)))
    with pytest.raises(TypeError):
        layer.forward(x.astype(np.float32))
