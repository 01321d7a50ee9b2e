"""WaveletMixing2D (spectrans's): every mode's forward against an independent NumPy + pywt implementation of
spectrans's per-channel loop (its band order, its per-channel batch norm and C running-statistics updates),
the documented encoder's constant output, spectrans's identity, bad inputs, state_dict names and filters, and
that the registered grids cover every configuration (the registry checks the VJPs: tests/testing/
test_registry.py)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import pywt
import scipy.signal

from specref.backend import backend_name, finfo_eps, to_numpy
from specref.interop.state_dict import StateDictError, StateDictWarning
from specref.layers.mixing.wavelet2d import CASES, WaveletMixing2D, _randomize
from specref.testing.checks import assert_close

EPS64 = finfo_eps("float64")


def _layer(channels=2, wavelet="db2", levels=1, mixing_mode="subband", seed=0, **kw):
    gen = np.random.default_rng(seed)
    return _randomize(WaveletMixing2D(channels, wavelet, levels, mixing_mode, seed=gen, **kw), gen)


def _x(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


# ----------------------------------------------------------------------------------------------------------
# an independent reference: spectrans's loop over channels, written with pywt, scipy and NumPy


def _conv(a, p, name):
    """Conv2d(1, 1, 3, padding=1) of (B, h, w): torch's cross-correlation with zero padding."""
    w, b = p[f"{name}.weight"][0, 0], p[f"{name}.bias"][0]
    return np.stack([scipy.signal.correlate2d(im, w, mode="same") for im in a]) + b


def _mha(seq, p, name):
    """nn.MultiheadAttention(1, 1) self-attention of (B, L, 1)."""
    w, b = p[f"{name}.in_proj_weight"][:, 0], p[f"{name}.in_proj_bias"]
    q, k, v = (seq[..., 0] * w[i] + b[i] for i in range(3))
    s = q[:, :, None] * k[:, None, :]  # scale 1/sqrt(1)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    o = (e / e.sum(axis=-1, keepdims=True)) @ v[..., None]
    return o * p[f"{name}.out_proj.weight"][0, 0] + p[f"{name}.out_proj.bias"][0]


def reference(x, layer, *, training=False):
    """spectrans's forward, channel by channel; returns (y, running_mean, running_var, count)."""
    p = {k: np.asarray(v) for k, v in layer.state_dict().items()}
    wavelet, levels, mode = layer.wavelet, layer.levels, layer.mixing_mode
    height, width = x.shape[-2:]
    out = []
    if mode == "subband":
        mean, var, count = p["ll_mixer.1.running_mean"][0], p["ll_mixer.1.running_var"][0], 0
    for c in range(x.shape[1]):
        coeffs = pywt.wavedec2(x[:, c], wavelet, mode="symmetric", level=levels, axes=(-2, -1))
        ll, details = coeffs[0], [coeffs[levels - j] for j in range(levels)]  # spectrans: finest first
        if mode == "subband":
            u = _conv(ll, p, "ll_mixer.0")
            if training:  # this channel's own statistics; the running ones updated once per channel
                mu, v = u.mean(), u.var()
                mean = 0.9 * mean + 0.1 * mu
                var = 0.9 * var + 0.1 * v * u.size / (u.size - 1)
                count += 1
            else:
                mu, v = p["ll_mixer.1.running_mean"][0], p["ll_mixer.1.running_var"][0]
            bn = (u - mu) / math.sqrt(v + 1e-5) * p["ll_mixer.1.weight"][0] + p["ll_mixer.1.bias"][0]
            ll_m = np.maximum(bn, 0.0)
            # spectrans unpacks pywt's (cH, cV, cD) as (lh, hl, hh)
            det_m = [tuple(_conv(band, p, f"detail_mixers.{j}.{key}")
                           for band, key in zip(d, ("lh", "hl", "hh"), strict=True)) for j, d in enumerate(details)]
        elif mode == "cross":
            bands = [ll, *[band for d in details for band in d]]
            seq = np.concatenate([b.reshape(b.shape[0], -1) for b in bands], axis=1)[..., None]
            mixed, off, split = _mha(seq, p, "cross_mixer"), 0, []
            for b in bands:
                split.append(mixed[:, off:off + b[0].size, 0].reshape(b.shape))
                off += b[0].size
            ll_m, det_m = split[0], [tuple(split[1 + 3 * j:4 + 3 * j]) for j in range(levels)]
        else:  # spectrans's identity
            ll_m, det_m = ll, details
        rec = pywt.waverec2([ll_m, *reversed(det_m)], wavelet, mode="symmetric", axes=(-2, -1))
        out.append(rec[:, :height, :width])
    y = x + np.stack(out, axis=1)
    if mode == "subband" and training:
        return y, mean, var, count
    return y, None, None, None


CONFIGS = [  # (wavelet, levels, (B, C, H, W))
    ("db1", 2, (2, 2, 8, 8)),
    ("db2", 1, (2, 3, 7, 9)),
    ("db4", 2, (2, 2, 30, 29)),
    ("sym3", 1, (3, 2, 11, 12)),
]


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c[0]}-J{c[1]}-{c[2][2]}x{c[2][3]}")
def test_subband_matches_spectrans_loop(config, training):
    wavelet, levels, shape = config
    layer = _layer(shape[1], wavelet, levels)
    x = _x(shape)
    y, ctx = layer.forward(x, training=training)
    expected, mean, var, count = reference(x, layer, training=training)
    c = layer.error_scale(shape)
    assert_close(y, expected, rtol=2 * c * EPS64)  # specref and the reference each within c eps
    if training:  # C updates in channel order, momentum applied at each
        nb = ctx.new_buffers
        assert_close(nb["ll_mixer.1.running_mean"], np.array([mean]), rtol=2 * c * EPS64)  # as y
        assert_close(nb["ll_mixer.1.running_var"], np.array([var]), rtol=2 * c * EPS64)  # as y
        assert int(nb["ll_mixer.1.num_batches_tracked"]) == count == shape[1]
        assert nb["ll_mixer.1.num_batches_tracked"].dtype == np.int64
    else:
        assert ctx.new_buffers == {}


@pytest.mark.parametrize("mode", ["subband", "cross"])
def test_float32_forward_is_within_its_claim_of_float64(mode):
    layer = _layer(2, "db2", 1, mode).astype("float32")
    x = _x((2, 2, 7, 9)).astype(np.float32)
    y32, _ = layer.forward(x, training=True)
    assert y32.dtype == np.float32
    y64, _ = layer.astype("float64").forward(x.astype(np.float64), training=True)  # the same rounded params
    c = layer.error_scale(x.shape)
    assert_close(y32, y64, rtol=c * finfo_eps("float32"))  # the claim: c eps32 (float64's own error is negligible)


@pytest.mark.parametrize("config", CONFIGS[:2], ids=lambda c: f"{c[0]}-J{c[1]}")
def test_cross_matches_spectrans_loop(xp, config):
    wavelet, levels, shape = config
    layer = _layer(shape[1], wavelet, levels, "cross")
    x = _x(shape)
    y = to_numpy(layer.to(backend_name(xp)).forward(xp.asarray(x))[0])
    c = layer.error_scale(shape)
    assert_close(y, reference(x, layer)[0], rtol=2 * c * EPS64)  # specref and the reference each within c eps


def test_lh_mixer_receives_pywt_cH_of_the_finest_level():
    """Only detail_mixers.0.lh non-zero (weight: the identity tap, bias 0): the output is x + waverec2 of
    pywt's level-1 cH alone (spectrans's "lh" gets pywt's cH, and index 0 is the finest level)."""
    layer = WaveletMixing2D(1, "db2", 2)
    zeros = {k: np.zeros(v.shape) for k, v in layer.params.items()}
    tap = np.zeros((1, 1, 3, 3))
    tap[0, 0, 1, 1] = 1.0
    zeros["ll_mixer.1.bias"] = np.full(1, -1.0)  # ReLU(BN(0) - 1) = 0: LL contributes nothing
    layer = layer.with_params({**zeros, "detail_mixers.0.lh.weight": tap})
    x = _x((2, 1, 12, 13))
    y, _ = layer.forward(x)
    coeffs = pywt.wavedec2(x[:, 0], "db2", mode="symmetric", level=2)
    only = [np.zeros_like(coeffs[0]), tuple(np.zeros_like(b) for b in coeffs[1]),
            (coeffs[2][0], np.zeros_like(coeffs[2][1]), np.zeros_like(coeffs[2][2]))]
    expected = x[:, 0] + pywt.waverec2(only, "db2", mode="symmetric")[:, :12, :13]
    assert_close(y[:, 0], expected, rtol=1e-13)  # a few DWT levels of float64 rounding (c ~ 16)


def test_training_statistics_are_per_channel_and_the_layer_is_not_mutated():
    layer = _layer(2, "db1", 1)
    x = _x((4, 2, 6, 6))
    x[:, 1] = 5.0 * x[:, 1] + 3.0  # channel 1 far from channel 0: pooled statistics would differ
    before = {k: np.array(v) for k, v in layer.buffers.items()}
    y, ctx = layer.forward(x, training=True)
    assert all(np.array_equal(before[k], layer.buffers[k]) for k in before)
    assert_close(y, reference(x, layer, training=True)[0], rtol=1e-12)  # as the subband test
    updated = layer.with_buffers(ctx.new_buffers)
    assert int(updated.buffers["ll_mixer.1.num_batches_tracked"]) == 2
    y_eval, _ = updated.forward(x)  # eval uses the updated running statistics
    assert_close(y_eval, reference(x, updated)[0], rtol=1e-12)  # as the subband test


# ----------------------------------------------------------------------------------------------------------
# the attention mode: the documented encoder and spectrans's identity


@pytest.mark.parametrize("training", [False, True])
def test_documented_encoder_output_is_its_last_bias_and_blocks_the_gradient(training):
    layer = _layer(2, "db2", 1, "attention")
    x = _x((2, 2, 7, 9))
    y, ctx = layer.forward(x, training=training, rng=0)
    bias = float(layer.params["subband_attention.layers.1.norm2.bias"][0])
    coeffs = pywt.wavedec2(x, "db2", mode="symmetric", level=1)
    constant = [np.full_like(coeffs[0], bias), tuple(np.full_like(b, bias) for b in coeffs[1])]
    expected = x + pywt.waverec2(constant, "db2", mode="symmetric")[..., :7, :9]
    assert_close(y, expected, rtol=1e-13)  # two DWT levels of float64 rounding
    dy = _x(x.shape, seed=5)
    dx, grads = layer.backward(ctx, dy)
    assert np.array_equal(dx, dy)  # a layer norm over one feature has an exactly zero input gradient
    nonzero = [k for k, g in grads.items() if np.any(g)]
    assert nonzero == ["subband_attention.layers.1.norm2.bias"]


def test_spectrans_identity_reconstructs_and_doubles_the_input():
    layer = _layer(2, "db2", 2, "attention", encoder="spectrans_identity")
    x = _x((2, 2, 12, 13))
    y, ctx = layer.forward(x, training=True)  # no dropout to draw: no rng needed
    assert_close(y, reference(x, layer)[0], rtol=1e-13)  # pywt round trip, float64
    assert_close(y, 2 * x, rtol=1e-12)  # orthogonal wavelet: perfect reconstruction
    dx, grads = layer.backward(ctx, np.ones_like(y))
    assert_close(dx, 2 * np.ones_like(y), rtol=1e-12)  # the adjoint of the round trip, also the identity
    assert set(grads) == set(layer.params) and not any(np.any(g) for g in grads.values())


def test_documented_training_needs_rng_or_masks():
    layer = _layer(2, "db1", 1, "attention")
    with pytest.raises(ValueError, match="rng"):
        layer.forward(_x((2, 2, 4, 4)), training=True)
    assert "subband_attention.layers.0.dropout1" in layer.dropout_names


# ----------------------------------------------------------------------------------------------------------
# bad inputs


def test_unknown_mode_encoder_and_wavelet():
    with pytest.raises(ValueError, match="mixing_mode"):
        WaveletMixing2D(2, mixing_mode="level")
    with pytest.raises(ValueError, match="encoder"):
        WaveletMixing2D(2, mixing_mode="attention", encoder="torch")
    with pytest.raises(ValueError, match="wavelet"):
        WaveletMixing2D(2, wavelet="db99")
    with pytest.raises(ValueError, match="levels"):
        WaveletMixing2D(2, levels=-1)


def test_channel_mismatch_and_shapes():
    layer = WaveletMixing2D(3, "db1", 1)
    with pytest.raises(ValueError, match="channels 3 but x has 2"):
        layer.forward(_x((2, 2, 4, 4)))
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        layer.forward(_x((3, 4, 4)))
    with pytest.raises(TypeError, match="array"):
        layer.forward([[[[0.0]]]])
    with pytest.raises(TypeError):
        layer.forward(np.zeros((2, 3, 4, 4), dtype=np.complex128))


def test_levels_above_the_maximum_warn_naming_it():
    layer = _layer(2, "db4", 2)
    with pytest.warns(UserWarning, match="maximum level 0") as record:
        y, _ = layer.forward(_x((2, 2, 8, 8)))
    assert len(record) == 1  # one warning, the layer's (wavedec2's own is folded into it)
    assert y.shape == (2, 2, 8, 8)


@pytest.mark.parametrize("size", [(7, 9), (8, 8)])
@pytest.mark.parametrize("mode", ["subband", "cross"])
def test_odd_and_even_sizes_as_pywt(size, mode):
    layer = _layer(2, "db2", 1, mode)
    x = _x((2, 2, *size))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # db2 has maximum level 1 for 7 and 8: no warning
        y, ctx = layer.forward(x)
    assert y.shape == x.shape
    assert_close(y, reference(x, layer)[0], rtol=2 * layer.error_scale(x.shape) * EPS64)  # each within c eps
    dx, _ = layer.backward(ctx, np.ones_like(y))
    assert dx.shape == x.shape


def test_eval_without_running_statistics_raises_until_they_are_provided():
    layer = _layer(2, "db1", 1)
    sd = {k: v for k, v in layer.state_dict().items() if "running" not in k}
    with pytest.warns(StateDictWarning):
        loaded = WaveletMixing2D.from_state_dict(sd, strict=False, channels=2, wavelet="db1", levels=1)
    x = _x((2, 2, 4, 4))
    with pytest.raises(ValueError, match="running_mean, ll_mixer.1.running_var were missing"):
        loaded.forward(x)
    _, ctx = loaded.forward(x, training=True)  # training needs no running statistics
    loaded.with_buffers(ctx.new_buffers).forward(x)  # now provided
    fresh = WaveletMixing2D(2, "db1", 1)  # a layer built fresh has torch's 0 and 1: eval is fine
    fresh.forward(x)
    no_count = {k: v for k, v in layer.state_dict().items() if "num_batches" not in k}  # an old torch's state_dict
    with pytest.warns(StateDictWarning):
        WaveletMixing2D.from_state_dict(no_count, strict=False, channels=2, wavelet="db1", levels=1).forward(x)


def test_training_with_one_value_per_channel_raises_as_torch():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        WaveletMixing2D(1, "db1", 1).forward(_x((1, 1, 2, 2)), training=True)  # LL is 1 x 1


def test_precision_mismatch_raises_in_forward_and_backward():
    layer = _layer(2, "db1", 1)
    with pytest.raises(TypeError):
        layer.forward(_x((2, 2, 4, 4)).astype(np.float32))
    y, ctx = layer.forward(_x((2, 2, 4, 4)))
    with pytest.raises(TypeError, match="float32"):
        layer.backward(ctx, np.ones(y.shape, dtype=np.float32))
    y32, _ = layer.astype("float32").forward(_x((2, 2, 4, 4)).astype(np.float32))
    assert y32.dtype == np.float32


def test_unknown_mask_names_are_refused():
    with pytest.raises(ValueError, match="no dropout named"):
        _layer(2, "db1", 1).forward(_x((2, 2, 4, 4)), masks={"dropout": np.ones(1, dtype=bool)})


# ----------------------------------------------------------------------------------------------------------
# state_dict: spectrans's names and filters


SPECTRANS_KEYS = {  # WaveletMixing2D(2, "db2", 1, mode).state_dict() of spectrans 0.1.0 (torch 2.13)
    "subband": ["dwt.dwt1d.dec_lo", "dwt.dwt1d.dec_hi", "dwt.dwt1d.rec_lo", "dwt.dwt1d.rec_hi", "ll_mixer.0.weight",
                "ll_mixer.0.bias", "ll_mixer.1.weight", "ll_mixer.1.bias", "ll_mixer.1.running_mean",
                "ll_mixer.1.running_var", "ll_mixer.1.num_batches_tracked", "detail_mixers.0.lh.weight",
                "detail_mixers.0.lh.bias", "detail_mixers.0.hl.weight", "detail_mixers.0.hl.bias",
                "detail_mixers.0.hh.weight", "detail_mixers.0.hh.bias"],
    "cross": ["dwt.dwt1d.dec_lo", "dwt.dwt1d.dec_hi", "dwt.dwt1d.rec_lo", "dwt.dwt1d.rec_hi",
              "cross_mixer.in_proj_weight", "cross_mixer.in_proj_bias", "cross_mixer.out_proj.weight",
              "cross_mixer.out_proj.bias"],
    "attention": ["dwt.dwt1d.dec_lo", "dwt.dwt1d.dec_hi", "dwt.dwt1d.rec_lo", "dwt.dwt1d.rec_hi"]
    + [f"subband_attention.layers.{i}.{k}" for i in range(2) for k in (
        "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
        "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias",
        "norm2.weight", "norm2.bias")],
}


@pytest.mark.parametrize("mode", list(SPECTRANS_KEYS))
def test_state_dict_names_as_spectrans_and_round_trip(mode):
    layer = _layer(2, "db2", 1, mode)
    sd = layer.state_dict()
    assert set(sd) == set(SPECTRANS_KEYS[mode])
    if mode == "subband":
        assert sd["ll_mixer.1.num_batches_tracked"].dtype == np.int64 and sd["ll_mixer.0.weight"].shape == (1, 1, 3, 3)
    back = WaveletMixing2D.from_state_dict(sd, channels=2, wavelet="db2", levels=1, mixing_mode=mode)
    assert all(np.array_equal(back.state_dict()[k], v) for k, v in sd.items())


def test_filters_are_checked_against_pywt_to_float32_rounding():
    sd = WaveletMixing2D(2, "db2", 1).state_dict()
    sd32 = {k: (v.astype(np.float32) if v.dtype == np.float64 else v) for k, v in sd.items()}
    loaded = WaveletMixing2D.from_state_dict(sd32, channels=2, wavelet="db2", levels=1)  # spectrans's float32
    assert loaded.dtype == "float32"
    exact = pywt.Wavelet("db2").dec_lo  # held as pywt's taps in the loaded precision
    assert np.array_equal(loaded.buffers["dwt.dwt1d.dec_lo"], np.array(exact, dtype=np.float32))
    bad = dict(sd, **{"dwt.dwt1d.dec_lo": sd["dwt.dwt1d.dec_lo"] * (1 + 1e-6)})
    with pytest.raises(StateDictError, match="dec_lo"):
        WaveletMixing2D.from_state_dict(bad, channels=2, wavelet="db2", levels=1)
    with pytest.raises(StateDictError):  # another wavelet's filters (db1's are shorter)
        WaveletMixing2D.from_state_dict(WaveletMixing2D(2, "db1", 1).state_dict(), channels=2, wavelet="db2",
                                        levels=1)


# ----------------------------------------------------------------------------------------------------------
# the registered grids (the VJPs of the input and every parameter run there, in the registry's test)


def test_registered_grids_cover_every_configuration():
    names = [c.name for c in CASES]
    assert names == ["WaveletMixing2DSubbandJ1", "WaveletMixing2DSubbandJ1Training", "WaveletMixing2DSubbandJ2",
                     "WaveletMixing2DSubbandJ2Training", "WaveletMixing2DCross", "WaveletMixing2DCrossTraining",
                     "WaveletMixing2DAttention", "WaveletMixing2DAttentionTraining"]
    points = [p for c in CASES for p in c.grid]
    assert {p.get("mixing_mode", "subband") for p in points} == {"subband", "cross", "attention"}
    assert {p["wavelet"] for p in points} >= {"db1", "db2", "db4"} and {p["levels"] for p in points} == {1, 2}
    assert {p.get("encoder", "documented") for p in points if p.get("mixing_mode") == "attention"} == {
        "documented", "spectrans_identity"}
    assert any(p["H"] % 2 or p["W"] % 2 for p in points)  # odd sizes
    assert any(len(p.get("batch", (2,))) == 2 for p in points)  # two leading batch axes
