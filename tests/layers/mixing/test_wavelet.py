"""WaveletMixing (spectrans's): the init behaviour y = 2x, the vectorised layer against a per-channel loop written
from spectrans's algorithm (pywt's wavedec/waverec and the attention child called per channel), spectrans's band
order, channel mode's zero off-diagonal gradients, the filter check of from_state_dict, the state_dict round
trip, float32, the strict backend, dropout masks and bad input. The VJPs of the input and every parameter are
checked once, through the registry (tests/testing/test_registry.py runs every grid point of CASES)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import pywt

from specref.backend import backend_name, finfo_eps, to_numpy
from specref.interop.state_dict import StateDictError
from specref.layers.attention.softmax import MultiheadAttention
from specref.layers.mixing.wavelet import CASES, WAVELET_MIXING_MODES, WaveletMixing
from specref.testing.checks import assert_close
from specref.transforms.wavelet_bank import MODES

D = 3


def _layer(mixing_mode="pointwise", seed=0, **config):
    """A WaveletMixing with every param drawn N(0, 1) (the registry's generic point), float64 NumPy."""
    config = {"wavelet": "db2", "levels": 2, **config}
    layer = WaveletMixing(D, mixing_mode=mixing_mode, seed=seed, **config)
    gen = np.random.default_rng(seed + 100)
    return layer.with_params({k: gen.standard_normal(v.shape) for k, v in layer.params.items()})


def _x(shape, seed=1, dtype="float64"):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _loop_reference(layer, x):
    """spectrans's forward, channel by channel: pywt's DWT of x[..., d], the band weights (pointwise (1, 1, D),
    channel the diagonal) or the attention over [cA, cD_1, ..., cD_J] padded and stacked, waverec, crop to N."""
    n, levels, w, mode = x.shape[-2], layer.levels, layer.wavelet, layer.mode
    out = np.empty_like(x)
    for d in range(x.shape[-1]):
        approx, *coarse_first = pywt.wavedec(x[..., d], w, mode, level=levels, axis=-1)
        details = coarse_first[::-1]  # spectrans's decompose: finest first
        if layer.mixing_mode == "level":
            bands = [approx, *details]
            lmax = max(b.shape[-1] for b in bands)
            stacked = np.stack([np.pad(b, [(0, 0)] * (b.ndim - 1) + [(0, lmax - b.shape[-1])]) for b in bands], -2)
            attn = layer._child("level_mixer")
            mixed_stack = attn.forward(stacked[..., None])[0][..., 0]
            approx_m = mixed_stack[..., 0, : approx.shape[-1]]
            details_m = [mixed_stack[..., j + 1, : c.shape[-1]] for j, c in enumerate(details)]
        else:
            def weight(name, d=d):
                wgt = layer.params[f"mixing_weights.{name}"]
                return wgt[0, 0, d] if layer.mixing_mode == "pointwise" else wgt[0, d, d]
            approx_m = approx * weight("approx")
            details_m = [c * weight(f"detail_{j}") for j, c in enumerate(details)]
        rec = pywt.waverec([approx_m, *details_m[::-1]], w, mode, axis=-1)
        out[..., d] = x[..., d] + rec[..., :n]
    return out


# ----------------------------------------------------------------------------------------------------------
# the math


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("mixing_mode", ["pointwise", "channel"])
def test_at_init_the_layer_returns_2x_in_every_boundary_mode(mode, mixing_mode):
    """Ones (identities) at init and the residual inside the layer (inventory #9): y = x + waverec(wavedec x).
    db4's tabulated filters reconstruct to rounding (pywt's sym3 and sym5 tables only to ~1e-11 and ~1e-12)."""
    layer = WaveletMixing(D, "db4", 2, mixing_mode, mode=mode)
    for n in (29, 30):  # odd N: pywt's reconstruction has N + 1 samples, cropped to N
        x = _x((2, n, D))
        c = layer.error_scale(x.shape)  # derived forward claim; the reconstruction is one of its stages
        assert_close(layer(x), 2 * x, rtol=c * finfo_eps("float64"))  # rtol: the layer's claim c eps


@pytest.mark.parametrize("mixing_mode", WAVELET_MIXING_MODES)
@pytest.mark.parametrize(("wavelet", "mode", "n", "levels"), [("db1", "symmetric", 7, 2),
                                                             ("db4", "periodization", 30, 2),
                                                             ("sym2", "smooth", 13, 2), ("bior2.2", "zero", 16, 1)])
def test_vectorised_equals_spectrans_per_channel_loop(mixing_mode, wavelet, mode, n, levels):
    layer = _layer(mixing_mode, wavelet=wavelet, levels=levels, mode=mode)
    x = _x((2, n, D))
    c = layer.error_scale(x.shape)
    assert_close(layer(x), _loop_reference(layer, x), rtol=2 * c * finfo_eps("float64"))  # rtol: both sides c eps


def test_the_reconstruction_is_never_shorter_than_n_so_spectrans_pad_branch_never_runs():
    """spectrans crops or zero-pads its reconstruction to N; pywt's (and specref's) waverec of a J-level wavedec
    has N or N + 1 samples in every mode, so cropping with ``output_length=N`` is spectrans's map."""
    warnings.simplefilter("ignore")  # levels above the maximum, as pywt computes them (restored by pytest)
    for wavelet in ("haar", "db4", "bior3.5"):
        for mode in MODES:
            for n in range(1, 30):
                for levels in (1, 2, 3):
                    try:
                        coeffs = pywt.wavedec(np.zeros(n), wavelet, mode, level=levels)
                    except ValueError:  # the reflect modes refuse a level input of 1 sample, in specref too
                        assert "reflect" in mode
                        continue
                    length = len(pywt.waverec(coeffs, wavelet, mode))
                    assert length in (n, n + 1), (wavelet, mode, n, levels, length)


def test_detail_0_weighs_the_finest_detail():
    """spectrans's order: detail_0 multiplies cD_1 (the finest), the last entry of pywt's list."""
    layer = WaveletMixing(D, "db2", 3).with_params({"mixing_weights.detail_0": np.zeros((1, 1, D))})
    x = _x((2, 32, D))
    coeffs = pywt.wavedec(x, "db2", "symmetric", level=3, axis=-2)
    coeffs[-1] = np.zeros_like(coeffs[-1])
    expected = x + pywt.waverec(coeffs, "db2", "symmetric", axis=-2)
    assert_close(layer(x), expected, rtol=layer.error_scale(x.shape) * finfo_eps("float64"))  # rtol: the claim


def test_channel_mode_reads_only_the_diagonal_and_off_diagonal_gradients_are_exactly_zero():
    layer = _layer("channel")
    x = _x((2, 16, D))
    y, ctx = layer.forward(x)
    dx, grads = layer.backward(ctx, _x(y.shape, seed=2))
    off = ~np.eye(D, dtype=bool)
    for name, g in grads.items():
        assert g.shape == (1, D, D)
        assert np.all(g[0][off] == 0.0), name  # spectrans reads W[0, d, d] only (inventory #9)
        assert np.all(g[0][~off] != 0.0), name
    changed = layer.with_params({k: v + np.where(off, 5.0, 0.0) for k, v in layer.params.items()})
    assert np.array_equal(changed(x), y)  # off-diagonal entries have no effect


def test_grads_have_spectrans_names_and_shapes():
    for mixing_mode, shapes in (("pointwise", {"mixing_weights.approx": (1, 1, D), "mixing_weights.detail_0": (1, 1, D),
                                               "mixing_weights.detail_1": (1, 1, D)}),
                                ("channel", {"mixing_weights.approx": (1, D, D), "mixing_weights.detail_0": (1, D, D),
                                             "mixing_weights.detail_1": (1, D, D)}),
                                ("level", {"level_mixer.in_proj_weight": (3, 1), "level_mixer.in_proj_bias": (3,),
                                           "level_mixer.out_proj.weight": (1, 1), "level_mixer.out_proj.bias": (1,)})):
        layer = _layer(mixing_mode)
        assert {k: v.shape for k, v in layer.params.items()} == shapes
        assert {k: v.shape for k, v in layer.buffers.items()} == {f"dwt.{f}": (4,) for f in
                                                                   ("dec_lo", "dec_hi", "rec_lo", "rec_hi")}
        y, ctx = layer.forward(_x((2, 12, D)))
        dx, grads = layer.backward(ctx, _x(y.shape, seed=3))
        assert list(grads) == list(layer.params) and all(grads[k].shape == shapes[k] for k in shapes)


def test_level_mode_init_is_torch_multihead_attention_of_width_1():
    layer = WaveletMixing(D, "db2", 2, "level", seed=7)
    child = MultiheadAttention(1, 1, seed=np.random.default_rng(7))
    for k, v in child.params.items():
        assert np.array_equal(layer.params[f"level_mixer.{k}"], v)


# ----------------------------------------------------------------------------------------------------------
# filters: from_state_dict


def _spectrans_state_dict(layer):
    """The layer's state_dict with the filter buffers as spectrans stores them: float32 of pywt's taps."""
    sd = layer.state_dict()
    for k in [k for k in sd if k.startswith("dwt.")]:
        sd[k] = sd[k].astype(np.float32)
    return sd


@pytest.mark.parametrize("wavelet", ["db4", "sym5", "coif2", "bior3.5", "dmey"])
def test_from_state_dict_accepts_spectrans_float32_filters_and_computes_with_the_exact_ones(wavelet):
    layer = _layer("pointwise", wavelet=wavelet, levels=1)
    sd = _spectrans_state_dict(layer)
    loaded = WaveletMixing.from_state_dict(sd, hidden_dim=D, wavelet=wavelet, levels=1)
    exact = pywt.Wavelet(wavelet)
    for name in ("dec_lo", "dec_hi", "rec_lo", "rec_hi"):
        buf = loaded.buffers[f"dwt.{name}"]
        assert buf.dtype == np.float32 and np.array_equal(buf, np.float32(getattr(exact, name)))
    sd64 = {k: v.astype(np.float64) for k, v in sd.items()}  # spectrans after .double(): float32 taps in float64
    loaded64 = WaveletMixing.from_state_dict(sd64, hidden_dim=D, wavelet=wavelet, levels=1)
    for name in ("dec_lo", "dec_hi", "rec_lo", "rec_hi"):
        assert np.array_equal(loaded64.buffers[f"dwt.{name}"], np.asarray(getattr(exact, name)))  # exact again
    x = _x((2, 2 * exact.dec_len + 1, D))
    assert np.array_equal(loaded64(x), layer(x))


@pytest.mark.parametrize("name", ["dec_lo", "rec_hi"])
def test_from_state_dict_refuses_filters_that_are_not_pywt_s(name):
    layer = WaveletMixing(D, "db4")
    sd = _spectrans_state_dict(layer)
    bad = dict(sd)
    bad[f"dwt.{name}"] = sd[f"dwt.{name}"].copy()
    bad[f"dwt.{name}"][3] = np.nextafter(bad[f"dwt.{name}"][3], np.float32(np.inf))  # one float32 ulp off
    with pytest.raises(ValueError, match=rf"buffer 'mixing\.dwt\.{name}' is not pywt's {name} filter of wavelet "
                                         r"'db4' to float32 rounding: entry 3"):
        WaveletMixing.from_state_dict({f"mixing.{k}": v for k, v in bad.items()}, prefix="mixing.", hidden_dim=D)
    other = WaveletMixing(D, "sym4").state_dict()  # another wavelet of the same length 8
    with pytest.raises(ValueError, match="is not pywt's dec_lo filter of wavelet 'db4'"):
        WaveletMixing.from_state_dict(other, hidden_dim=D)
    nan = dict(sd, **{"dwt.dec_hi": np.full(8, np.nan, np.float32)})
    with pytest.raises(ValueError, match="dec_hi filter of wavelet 'db4'"):
        WaveletMixing.from_state_dict(nan, hidden_dim=D)
    with pytest.raises(StateDictError, match="dwt.dec_lo"):  # db2's 4 taps for a db4 layer: the shape
        WaveletMixing.from_state_dict(WaveletMixing(D, "db2").state_dict(), hidden_dim=D)


@pytest.mark.parametrize("mixing_mode", WAVELET_MIXING_MODES)
def test_state_dict_round_trip(mixing_mode):
    layer = _layer(mixing_mode)
    sd = layer.state_dict()
    again = WaveletMixing.from_state_dict(sd, hidden_dim=D, wavelet="db2", levels=2, mixing_mode=mixing_mode)
    sd2 = again.state_dict()
    assert list(sd2) == list(sd) and all(np.array_equal(sd[k], sd2[k]) and sd[k].dtype == sd2[k].dtype for k in sd)
    x = _x((2, 13, D))
    assert np.array_equal(again(x), layer(x))


# ----------------------------------------------------------------------------------------------------------
# precision and backends


@pytest.mark.parametrize("mixing_mode", WAVELET_MIXING_MODES)
def test_float32_within_the_claim(mixing_mode):
    layer = _layer(mixing_mode, wavelet="sym3", levels=2)
    x = _x((2, 21, D))
    y64, ctx64 = layer.forward(x)
    y32, ctx32 = layer.astype("float32").forward(x.astype(np.float32))
    assert y32.dtype == np.float32
    c = layer.error_scale(x.shape)
    assert_close(y32, y64, rtol=c * finfo_eps("float32"))  # rtol: the layer's claim c eps in float32
    dx, grads = layer.astype("float32").backward(ctx32, _x(y32.shape, seed=4, dtype="float32"))
    assert dx.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())
    with pytest.raises(TypeError, match="precision|float32"):
        layer.forward(x.astype(np.float32))


@pytest.mark.parametrize("mixing_mode", WAVELET_MIXING_MODES)
def test_strict_backend_equals_numpy(mixing_mode):
    xp = pytest.importorskip("array_api_strict")
    layer = _layer(mixing_mode, dropout=0.25)
    x = _x((2, 13, D))
    masks = {"dropout": np.random.default_rng(5).random(x.shape) > 0.25}
    y, ctx = layer.forward(x, training=True, masks=masks) if mixing_mode != "level" else layer.forward(x, training=True,
                                                                                                      rng=6)
    dy = _x(y.shape, seed=7)
    dx, grads = layer.backward(ctx, dy)
    strict = layer.to("strict")
    smasks = {k: xp.asarray(v) for k, v in masks.items()}
    ys, ctxs = (strict.forward(xp.asarray(x), training=True, masks=smasks) if mixing_mode != "level"
                else strict.forward(xp.asarray(x), training=True, rng=6))
    assert backend_name(xp) == "strict"
    dxs, gs = strict.backward(ctxs, xp.asarray(dy))
    c = layer.error_scale(x.shape)
    assert_close(to_numpy(ys), y, rtol=2 * c * finfo_eps("float64"))  # rtol: both backends within c eps
    assert_close(to_numpy(dxs), dx, rtol=2 * c * finfo_eps("float64"))  # rtol: both backends within c eps
    for k in grads:
        assert_close(to_numpy(gs[k]), grads[k], rtol=2 * c * finfo_eps("float64"))  # rtol: as above


# ----------------------------------------------------------------------------------------------------------
# dropout


def test_dropout_masks_names_and_shapes():
    layer = _layer("level", dropout=0.5)
    x = _x((2, 12, D))
    lmax = 7  # db2, symmetric: 12 -> 7 -> 5 samples, so [cA_2, cD_1, cD_2] have lengths 5, 7, 5
    keep = {"dropout": np.ones(x.shape, bool), "level_mixer.dropout": np.ones((2, D, 3, 1, lmax, lmax), bool)}
    y_train, ctx = layer.forward(x, training=True, masks=keep)
    assert ctx.attention.weights.shape == (2, D, 3, 1, lmax, lmax)
    no_level = {"dropout": keep["dropout"]}
    one_drop = layer.forward(x, training=True, masks=dict(no_level, **{"level_mixer.dropout": keep[
        "level_mixer.dropout"]}))[0]
    assert np.array_equal(one_drop, y_train)
    plain = _layer("pointwise", dropout=0.5)
    y_eval = plain(x)
    y_keep = plain.forward(x, training=True, masks=no_level)[0]
    assert_close(y_keep - x, 2.0 * (y_eval - x), rtol=4 * finfo_eps("float64"))  # rtol: one scaling by 1/(1-p) = 2
    with pytest.raises(ValueError, match=r"injected mask 'dropout' has shape \(2, 11, 3\)"):
        plain.forward(x, training=True, masks={"dropout": np.ones((2, 11, D), bool)})
    with pytest.raises(ValueError, match="injected mask 'dropout' must be boolean"):
        plain.forward(x, training=True, masks={"dropout": np.ones(x.shape)})
    with pytest.raises(ValueError, match=r"injected mask 'dropout' has shape \(2, 3, 3, 1, 6, 6\)"):
        layer.forward(x, training=True, masks={"level_mixer.dropout": np.ones((2, 3, 3, 1, 6, 6), bool),
                                               "dropout": keep["dropout"]})
    with pytest.raises(ValueError, match="has no dropout named 'level_mixer.dropout'"):
        plain.forward(x, masks={"level_mixer.dropout": keep["level_mixer.dropout"]})
    with pytest.raises(ValueError, match="needs rng="):
        plain.forward(x, training=True)


# ----------------------------------------------------------------------------------------------------------
# bad input


def test_unknown_mixing_mode_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown mixing_mode 'subband'; accepted: 'pointwise', 'channel', 'level'"):
        WaveletMixing(D, mixing_mode="subband")


def test_bad_configuration():
    with pytest.raises(ValueError, match="unknown wavelet name"):
        WaveletMixing(D, wavelet="db99")
    with pytest.raises(ValueError, match="continuous wavelet"):
        WaveletMixing(D, wavelet="morl")
    with pytest.raises(ValueError, match="mode"):
        WaveletMixing(D, mode="mirror")
    with pytest.raises(ValueError, match="levels must be a positive integer"):
        WaveletMixing(D, levels=0)
    with pytest.raises(ValueError, match="dropout"):
        WaveletMixing(D, dropout=1.0)


def test_levels_above_the_maximum_warn_once_naming_it():
    layer = WaveletMixing(D, "db4", 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer.forward(_x((2, 30, D)))
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages  # wavedec's own warning (no maximum) is not repeated
    assert "levels=3 is above the maximum level 2 for a sequence of length 30" in messages[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        WaveletMixing(D, "db4", 2).forward(_x((2, 30, D)))  # at the maximum: no warning


@pytest.mark.parametrize("mixing_mode", WAVELET_MIXING_MODES)
@pytest.mark.parametrize("n", [1, 3, 5])
def test_a_sequence_shorter_than_the_filter_is_computed_as_pywt_with_the_warning(mixing_mode, n):
    """db4 (F = 8) on N < F - 1: maximum level 0, so a warning; pywt's coefficients (more than N of them) and
    its exact reconstruction, so at init pointwise still returns 2x (spectrans's padding differs here: #11)."""
    layer = WaveletMixing(D, "db4", 2, mixing_mode) if mixing_mode != "level" else _layer("level", wavelet="db4")
    x = _x((2, n, D))
    with pytest.warns(UserWarning, match=rf"above the maximum level 0 for a sequence of length {n}"):
        y, ctx = layer.forward(x)
    warnings.simplefilter("ignore")  # pywt's own warning in the references below (restored by pytest)
    assert [c.shape[-2] for c in ctx.coeffs] == [len(c) for c in pywt.wavedec(np.zeros(n), "db4", level=2)]
    assert ctx.coeffs[0].shape[-2] > n
    if mixing_mode != "level":
        assert_close(y, 2 * x, rtol=layer.error_scale(x.shape) * finfo_eps("float64"))  # rtol: the claim
    else:
        assert_close(y, _loop_reference(layer, x), rtol=2 * layer.error_scale(x.shape) * finfo_eps("float64"))  # rtol
    dx, _ = layer.backward(ctx, np.ones_like(y))
    assert dx.shape == x.shape


def test_a_single_sample_in_a_reflect_mode_is_refused_as_pywt_refuses_it():
    with pytest.warns(UserWarning, match="maximum level 0"), pytest.raises(
            ValueError, match="input data length must be greater than 1 for antireflect mode"):
        WaveletMixing(D, "db1", 1, mode="antireflect").forward(np.zeros((1, 1, D)))


def test_channel_mismatch_and_shapes():
    layer = WaveletMixing(D)
    with pytest.raises(ValueError, match=r"WaveletMixing has hidden_dim 3 but x has 5 features"):
        layer.forward(np.zeros((2, 16, 5)))
    with pytest.raises(ValueError, match=r"needs input of shape \(B, N, D\)"):
        layer.forward(np.zeros((16, D)))
    with pytest.raises(ValueError, match="a sequence of length 0"):
        layer.forward(np.zeros((2, 0, D)))
    with pytest.raises(TypeError):
        layer.forward(np.zeros((2, 16, D), dtype=np.int64))
    y, ctx = layer.forward(_x((2, 1, 56, D)))  # any leading batch shape
    assert y.shape == (2, 1, 56, D)
    with pytest.raises(TypeError, match="WaveletMixing.backward: the cotangent dy has dtype float32"):
        layer.backward(ctx, y.astype(np.float32))


def test_registered_cases_cover_every_mode_odd_and_even_lengths_and_dropout():
    points = [p for case in CASES for p in case.grid]
    assert {p["mixing_mode"] for p in points} == set(WAVELET_MIXING_MODES)
    for mixing_mode in WAVELET_MIXING_MODES:
        ns = {p["N"] % 2 for p in points if p["mixing_mode"] == mixing_mode}
        assert ns == {0, 1}, mixing_mode
        assert any(p.get("dropout") for p in points if p["mixing_mode"] == mixing_mode)
    full = [p for case in CASES for p in case.full_grid]
    assert {p["mode"] for p in full} == set(MODES) and {p["levels"] for p in full} == {1, 2, 3}
