"""MixedSpectralAttention: forward against dense-matrix NumPy references (DFT, DCT-II, Hadamard), a mask that
masks, the parameter layout, bad input, state round trip, precisions and batch shapes. The VJPs are checked by
the registry cases (``specref verify --case 'MixedSpectral*'``)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft
import scipy.linalg

from specref.backend import to_numpy
from specref.layers.attention.mixed import MixedSpectralAttention
from specref.testing import assert_close

EPS64 = float(np.finfo(np.float64).eps)


def _layer(seed=0, **kw):
    layer = MixedSpectralAttention(**{"hidden_dim": 6, "num_heads": 3, **kw}, seed=seed)
    gen = np.random.default_rng(seed + 1)
    return layer.with_params({k: 0.5 * gen.standard_normal(tuple(v.shape)) for k, v in layer.params.items()})


def _matrix(kind, n):
    if kind == "fft":
        return np.fft.fft(np.eye(n), axis=0, norm="ortho")
    if kind == "dct":
        return scipy.fft.dct(np.eye(n), type=2, axis=0, norm="ortho")
    return scipy.linalg.hadamard(n) / np.sqrt(n)


def _reference(layer, x, keep=None):
    """Equations (1)-(6) with dense transform matrices, float64."""
    p = {k: np.asarray(v, dtype=np.float64) for k, v in layer.params.items()}
    lin = {c: x @ p[f"{c}_proj.weight"].T + p[f"{c}_proj.bias"] for c in "qkv"}
    if keep is not None:
        lin = {c: v * keep[..., None] for c, v in lin.items()}
    d, n = layer.head_dim, x.shape[-2]
    heads = []
    for t, kind in enumerate(layer.head_transforms):
        m = _matrix(kind, n)
        q, k, v = (m @ lin[c][..., t * d:(t + 1) * d] for c in "qkv")
        a = q * (np.conj(k) if kind == "fft" else k) * p[f"scales.{kind}"][0]
        heads.append(np.real(np.linalg.inv(m) @ (a * v)))
    return np.concatenate(heads, axis=-1) @ p["out_proj.weight"].T + p["out_proj.bias"]


@pytest.mark.parametrize("kw,n", [({}, 8), ({"use_hadamard": False}, 5), ({"use_fft": False}, 4),
                                  ({"use_dct": False, "use_hadamard": False}, 7)])
def test_forward_matches_dense_reference(kw, n):
    layer = _layer(**kw)
    x = np.random.default_rng(3).standard_normal((2, n, 6))
    keep = np.ones((2, n), dtype=bool)
    keep[1, -1] = False
    for mask in (None, keep):
        y, _ = layer.forward(x, mask=mask)
        # four projections and four length-n transforms (dense inverse: cond 1), ~ (4 * 1.5 * 6 + 4 n) eps
        assert_close(y, _reference(layer, x, mask), rtol=1e3 * EPS64, reason="dense matrices against FFTs")


def test_the_mask_masks():
    layer = _layer()
    x = np.random.default_rng(4).standard_normal((2, 8, 6))
    keep = np.ones((2, 8), dtype=bool)
    keep[:, 2] = False
    x2 = x.copy()
    x2[:, 2] += 3.0
    y, _ = layer.forward(x, mask=keep)
    y2, _ = layer.forward(x2, mask=keep)
    assert np.array_equal(y[keep], y2[keep])  # bit for bit: the masked token's q, k, v are zeros either way


def test_parameters_and_heads():
    layer = MixedSpectralAttention(8, 4, use_dct=False)
    assert layer.head_transforms == ("fft", "hadamard", "fft", "hadamard")
    assert list(layer.params)[-2:] == ["scales.fft", "scales.hadamard"]
    assert layer.params["scales.fft"].shape == (1, 1, 2) and not layer.buffers
    again = MixedSpectralAttention.from_state_dict(layer.state_dict(), hidden_dim=8, num_heads=4, use_dct=False)
    assert all(np.array_equal(again.params[k], v) for k, v in layer.params.items())


def test_precisions_batch_shapes_and_seeds():
    layer = _layer()
    x = np.random.default_rng(5).standard_normal((2, 3, 4, 6))
    y64, _ = layer.forward(x)
    y32, ctx = layer.astype("float32").forward(x.astype(np.float32))
    assert y32.dtype == np.float32 and y64.shape == (2, 3, 4, 6)
    # float32: the same claim, c = error_scale(4), in float32's eps
    assert_close(y32, y64, rtol=layer.error_scale(4) * float(np.finfo(np.float32).eps), reason="float32 claim")
    dx, grads = layer.astype("float32").backward(ctx, np.ones_like(y32))
    assert dx.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())
    a, b = MixedSpectralAttention(6, 3, seed=7), MixedSpectralAttention(6, 3, seed=7)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


def test_dropout_uses_the_injected_mask():
    layer = _layer(dropout=0.5)
    x = np.random.default_rng(6).standard_normal((2, 4, 6))
    keep = np.random.default_rng(7).random((2, 4, 6)) >= 0.5
    y, _ = layer.forward(x, training=True, masks={"dropout": keep})
    y0, _ = layer.forward(x)
    assert_close(y, np.where(keep, y0 / 0.5, 0.0), rtol=4 * EPS64, reason="one scaling")  # one multiply


def test_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        MixedSpectralAttention(6, 3, use_fft=False, use_dct=False, use_hadamard=False)
    with pytest.raises(ValueError, match="divisible"):
        MixedSpectralAttention(6, 4)
    layer = MixedSpectralAttention(6, 3)
    with pytest.raises(ValueError, match="power-of-two"):
        layer.forward(np.zeros((2, 6, 6)))
    with pytest.raises(TypeError, match="boolean"):
        layer.forward(np.zeros((2, 4, 6)), mask=np.ones((2, 4)))
    with pytest.raises(ValueError, match="mask has shape"):
        layer.forward(np.zeros((2, 4, 6)), mask=np.ones((2, 5), dtype=bool))
    with pytest.raises(ValueError, match="hidden_dim"):
        layer.forward(np.zeros((2, 4, 5)))
    assert to_numpy(MixedSpectralAttention(6, 3, use_hadamard=False).forward(np.zeros((1, 6, 6)))[0]).shape == (
        1, 6, 6)
