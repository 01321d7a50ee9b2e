"""AFNOMixing (spectrans's): forward against an independent NumPy implementation of spectrans's formula, the
registered grid on which the registry checks the VJPs of the input and every parameter, precision, bad inputs,
dropout masks, state_dict names (its primitives silu, view_as_real/complex are tested in tests/ops; the
paper's block-diagonal AFNO is tested in test_afno_block_diagonal.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special

from specref.backend import backend_name, finfo_eps, to_numpy
from specref.interop.state_dict import StateDictError
from specref.layers.mixing.afno import (
    CASES,
    AFNOMixing,
    _randomize,
)
from specref.testing.checks import assert_close

ACTS = ("gelu", "relu", "silu", "tanh", "sigmoid", "identity")


def _np_act(name, x):
    return {
        "gelu": lambda v: 0.5 * v * (1.0 + scipy.special.erf(v / math.sqrt(2.0))),
        "relu": lambda v: np.maximum(v, 0.0),
        "silu": lambda v: v / (1.0 + np.exp(-v)),
        "tanh": np.tanh,
        "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)),
        "identity": lambda v: v,
    }[name](x)


def _layer(seed=0, **config):
    """An AFNOMixing with every param drawn O(1) (the registry's generic point), float64 NumPy."""
    gen = np.random.default_rng(seed)
    return _randomize(AFNOMixing(**config, seed=gen), gen)


def _on(layer, xp, dtype="float64"):
    return layer.astype(dtype).to(backend_name(xp))


def _x(xp, shape, dtype="float64", seed=1):
    return xp.asarray(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


def _skip_gelu_on_strict(xp, activation):
    if activation == "gelu" and backend_name(xp) == "strict":
        pytest.skip("exact GELU needs erf, which array-api-strict lacks (documented backend limit)")


# ----------------------------------------------------------------------------------------------------------
# independent references, written from the formulas (inventory row AFNOMixing; NVlabs AFNO1D)


def reference_spectrans(x, p, *, n, ms, mh, activation):
    """spectrans's AFNOMixing, literally: LN, pad to n, rfft2 ortho, truncate, weight, flatten with index
    (s mh + h) 2 + re/im, MLP, scatter into zeros, irfft2 with s = (n, D), crop, residual. x is (B, L, D)."""
    b, length, d = x.shape
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    u = (x - mu) / np.sqrt(var + 1e-5) * p["norm.weight"] + p["norm.bias"]
    padded = np.zeros((b, n, d))
    padded[:, :length] = u
    spectrum = np.fft.rfft2(padded, axes=(1, 2), norm="ortho")
    w = p["fourier_weight"]
    t = spectrum[:, :ms, :mh] * (w[..., 0] + 1j * w[..., 1])
    v = np.empty((b, 2 * ms * mh))
    for s in range(ms):
        for h in range(mh):
            v[:, (s * mh + h) * 2] = t[:, s, h].real
            v[:, (s * mh + h) * 2 + 1] = t[:, s, h].imag
    hidden = _np_act(activation, v @ p["mlp.0.weight"].T + p["mlp.0.bias"])
    o = hidden @ p["mlp.3.weight"].T + p["mlp.3.bias"]
    z = np.zeros((b, n, d // 2 + 1), dtype=complex)
    for s in range(ms):
        for h in range(mh):
            z[:, s, h] = o[:, (s * mh + h) * 2] + 1j * o[:, (s * mh + h) * 2 + 1]
    return x + np.fft.irfft2(z, s=(n, d), axes=(1, 2), norm="ortho")[:, :length]


SPECTRANS_CONFIGS = [
    # (D, N, ms, mh, L)
    (4, 8, 3, 2, 6),  # L < N, even
    (5, 8, 3, 2, 7),  # odd D and L
    (4, 8, 3, 2, 8),  # L = N
    (8, 16, 4, 3, 11),  # the inventory's example sizes
    (6, 6, 9, 9, 5),  # clamped: ms = N, mh = D // 2 + 1
]


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("config", SPECTRANS_CONFIGS, ids=lambda c: "D{}-N{}-ms{}-mh{}-L{}".format(*c))
def test_forward_matches_reference_spectrans(xp, config, activation):
    _skip_gelu_on_strict(xp, activation)
    d, n, ms, mh, length = config
    layer = _layer(hidden_dim=d, max_sequence_length=n, modes_seq=ms, modes_hidden=mh, activation=activation)
    x = np.random.default_rng(2).standard_normal((3, length, d))
    y = to_numpy(_on(layer, xp).forward(xp.asarray(x))[0])
    expected = reference_spectrans(x, layer.params, n=n, ms=layer.modes_seq, mh=layer.modes_hidden,
                                   activation=activation)
    c = layer.error_scale(x.shape)
    assert_close(y, expected, rtol=2 * c * finfo_eps("float64"))  # specref and the reference each within c eps


def test_float32_forward_is_within_its_claim_of_float64():
    layer = _layer(hidden_dim=5, max_sequence_length=8, modes_seq=3, modes_hidden=2, activation="tanh")
    x = np.random.default_rng(4).standard_normal((2, 7, 5)).astype(np.float32)
    y32, _ = layer.astype("float32").forward(x)
    assert y32.dtype == np.float32
    y64, _ = layer.astype("float32").astype("float64").forward(x.astype(np.float64))  # same rounded params
    c = layer.error_scale(x.shape)
    assert_close(y32, y64, rtol=c * finfo_eps("float32"))  # the claim: c eps32 (float64's own error is 1e-9 x smaller)


# ----------------------------------------------------------------------------------------------------------
# VJPs of the input and every parameter: checked once, through the registry (tests/testing/test_registry.py
# runs every grid point of CASES in float64 and float32 on every backend); this keeps the grid covering them


def test_registered_grid_covers_every_configuration():
    assert [c.name for c in CASES] == ["AFNOMixing", "AFNOMixingGelu"]
    points = [p for case in CASES for p in case.grid]
    assert {p["activation"] for p in points} == set(ACTS)
    assert any(p["L"] == p["max_sequence_length"] for p in points)  # L = N
    assert any(p["L"] < p["max_sequence_length"] and p["L"] % 2 for p in points)  # L < N, odd
    assert any(p.get("dropout") for p in points)  # training mode, both dropouts injected
    assert any("modes_seq" not in p for p in points)  # the default modes
    assert any(p.get("modes_seq", 0) > p["max_sequence_length"] for p in points)  # clamped modes
    assert any(len(p.get("batch", (2,))) == 2 for p in points)  # two leading batch axes


# ----------------------------------------------------------------------------------------------------------
# state_dict: spectrans's names, shapes, order


def test_state_dict_names_shapes_and_order_match_spectrans():
    layer = AFNOMixing(hidden_dim=8, max_sequence_length=16, modes_seq=4, modes_hidden=3)
    sd = layer.state_dict()
    assert [(k, v.shape) for k, v in sd.items()] == [
        ("fourier_weight", (4, 3, 2)),
        ("mlp.0.weight", (16, 24)),
        ("mlp.0.bias", (16,)),
        ("mlp.3.weight", (24, 16)),
        ("mlp.3.bias", (24,)),
        ("norm.weight", (8,)),
        ("norm.bias", (8,)),
    ]
    sd32 = {"blocks.0.mixing_layer." + k: v.astype(np.float32) for k, v in sd.items()}
    again = AFNOMixing.from_state_dict(sd32, prefix="blocks.0.mixing_layer.", hidden_dim=8,
                                       max_sequence_length=16, modes_seq=4, modes_hidden=3)
    assert again.dtype == "float32"
    for k, v in again.state_dict().items():
        np.testing.assert_array_equal(v, sd32["blocks.0.mixing_layer." + k])
    with pytest.raises(StateDictError, match=r"mlp.0.weight has shape \(16, 24\), the layer needs \(16, 18\)"):
        AFNOMixing.from_state_dict(sd, hidden_dim=8, max_sequence_length=16, modes_seq=3, modes_hidden=3)


def test_initialisation_laws():
    layer = AFNOMixing(hidden_dim=16, max_sequence_length=32, modes_seq=8, modes_hidden=6, seed=3)
    p = layer.params
    assert not np.any(p["mlp.0.bias"]) and not np.any(p["mlp.3.bias"]) and not np.any(p["norm.bias"])
    np.testing.assert_array_equal(p["norm.weight"], np.ones(16))
    bound = math.sqrt(6.0 / (96 + 32))  # xavier_uniform: sqrt(6 / (fan_in + fan_out)), 2 ms mh = 96, H = 32
    assert np.max(np.abs(p["mlp.0.weight"])) <= bound and np.max(np.abs(p["mlp.3.weight"])) <= bound
    std = float(np.std(p["fourier_weight"])) * 48  # randn / (ms mh): std 1 after scaling, 96 draws
    assert 0.7 < std < 1.3  # 96 N(0, 1) draws: the sample std is within 1 +- 0.3 with probability > 0.999


def test_defaults_and_clamping():
    layer = AFNOMixing(hidden_dim=10, max_sequence_length=12)
    assert (layer.modes_seq, layer.modes_hidden, layer.mlp_hidden_dim, layer.activation) == (6, 5, 20, "gelu")
    clamped = AFNOMixing(hidden_dim=10, max_sequence_length=12, modes_seq=50, modes_hidden=50)
    assert (clamped.modes_seq, clamped.modes_hidden) == (12, 6)  # N and D // 2 + 1
    assert AFNOMixing(4, 8).dropout_names == ("mlp.2", "mlp.4")
    props = layer.get_spectral_properties()
    assert props["mode_truncation"] and not props["unitary"] and props["real_output"]


# ----------------------------------------------------------------------------------------------------------
# precision, backends, bad inputs


def test_precision_follows_input_and_mixing_raises(xp):
    layer = _on(_layer(hidden_dim=4, max_sequence_length=8, activation="tanh"), xp, "float32")
    y, ctx = layer.forward(_x(xp, (2, 6, 4), "float32"))
    assert y.dtype == xp.float32
    dx, grads = layer.backward(ctx, _x(xp, (2, 6, 4), "float32", seed=2))
    assert dx.dtype == xp.float32 and all(g.dtype == xp.float32 for g in grads.values())
    with pytest.raises(TypeError, match="two precisions"):
        layer.forward(_x(xp, (2, 6, 4), "float64"))


def test_float64_is_float64_arithmetic():
    # spectrans computes a float64 input in float32 (validation/findings/spectrans_afno_float32.md); specref
    # does not: perturbing x by 1e-12 relative changes the output by ~1e-12, not by 0 or by ~1e-7.
    layer = _layer(hidden_dim=4, max_sequence_length=8, activation="tanh")
    x = np.random.default_rng(0).standard_normal((2, 6, 4))
    y0 = layer.forward(x)[0]
    y1 = layer.forward(x * (1 + 1e-12))[0]
    change = np.max(np.abs(y1 - y0)) / np.max(np.abs(y0))
    assert 1e-14 < change < 1e-10  # ~1e-12 times an O(1) Lipschitz factor; float32 would give 0


def test_gelu_on_strict_is_a_documented_limit():
    xp = pytest.importorskip("array_api_strict")
    layer = AFNOMixing(4, 8).to("strict")
    with pytest.raises(NotImplementedError, match="erf"):
        layer.forward(xp.asarray(np.zeros((1, 4, 4))))


def test_bad_inputs():
    layer = AFNOMixing(4, 8, dropout=0.5)
    with pytest.raises(ValueError, match=r"\(B, N, D\)"):
        layer.forward(np.zeros((6, 4)))
    with pytest.raises(ValueError, match="hidden_dim 4 but x has 5"):
        layer.forward(np.zeros((2, 6, 5)))
    with pytest.raises(ValueError, match="max_sequence_length 8 but x has 9 positions"):
        layer.forward(np.zeros((2, 9, 4)))
    with pytest.raises(TypeError, match="complex"):
        layer.forward(np.zeros((2, 6, 4), complex))
    with pytest.raises(TypeError, match="int64"):
        layer.forward(np.zeros((2, 6, 4), np.int64))
    with pytest.raises(ValueError, match="needs rng="):
        layer.forward(np.zeros((2, 6, 4)), training=True)
    with pytest.raises(ValueError, match="has shape"):
        layer.forward(np.zeros((2, 6, 4)), training=True, masks={"mlp.2": np.ones((2, 6, 8), bool)})
    with pytest.raises(ValueError, match="no dropout named 'dropout'"):
        layer.forward(np.zeros((2, 6, 4)), training=True, masks={"dropout": np.ones((2, 8), bool)})


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="unknown activation 'swish'; accepted: 'gelu', 'relu', 'silu'"):
        AFNOMixing(4, 8, activation="swish")
    with pytest.raises(TypeError, match="variant"):  # the paper's AFNO is its own class now
        AFNOMixing(4, 8, variant="paper")
    with pytest.raises(ValueError, match=r"dropout must be a probability in \[0, 1\)"):
        AFNOMixing(4, 8, dropout=1.0)
    with pytest.raises(ValueError, match="modes_hidden = 0"):
        AFNOMixing(1, 8)  # D // 2 = 0 retained hidden modes
    with pytest.raises(ValueError, match="int\\(hidden_dim \\* mlp_ratio\\) = 0"):
        AFNOMixing(4, 8, mlp_ratio=0.1)
    with pytest.raises(TypeError, match="num_blocks"):  # a keyword of BlockDiagonalAFNOMixing
        AFNOMixing(4, 8, num_blocks=2)
    with pytest.raises(ValueError, match="unknown activation None"):  # spectrans's default is "gelu", not None
        AFNOMixing(4, 8, activation=None)
    with pytest.raises(TypeError, match="modes_seq must be an integer"):
        AFNOMixing(4, 8, modes_seq=2.0)
    with pytest.raises(TypeError, match="mlp_ratio must be a real number"):
        AFNOMixing(4, 8, mlp_ratio="2")


# ----------------------------------------------------------------------------------------------------------
# dropout


def test_dropout_masks_drawn_and_injected():
    layer = _layer(hidden_dim=4, max_sequence_length=8, modes_seq=3, modes_hidden=2, activation="tanh",
                   dropout=0.5)
    x = np.random.default_rng(0).standard_normal((2, 6, 4))
    y_eval, ctx = layer.forward(x)
    assert ctx.mask_hidden is None and ctx.mask_out is None
    y1, c1 = layer.forward(x, training=True, rng=7)
    y2, _ = layer.forward(x, training=True, rng=7)
    np.testing.assert_array_equal(y1, y2)  # same seed, same masks
    assert c1.mask_hidden.shape == (2, 8) and c1.mask_out.shape == (2, 12)
    # the two masks come from one stream: an int seed restarted per mask would repeat the first 16 draws
    assert not np.array_equal(c1.mask_hidden.ravel(), c1.mask_out.ravel()[:16])
    # injected all-keep masks: dropout is then the scaling 1/(1-p) = 2 of the kept entries
    keep = {"mlp.2": np.ones((2, 8), bool), "mlp.4": np.ones((2, 12), bool)}
    y3, c3 = layer.forward(x, training=True, masks=keep)
    np.testing.assert_array_equal(c3.o_drop, 2.0 * c3.o)
    np.testing.assert_array_equal(c3.a_drop, 2.0 * c3.a)
    assert not np.allclose(y3, y_eval)
    # dropping every MLP output entry leaves only the residual
    drop_all = {"mlp.2": np.ones((2, 8), bool), "mlp.4": np.zeros((2, 12), bool)}
    np.testing.assert_array_equal(layer.forward(x, training=True, masks=drop_all)[0], x)
