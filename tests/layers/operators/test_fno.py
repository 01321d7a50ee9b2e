"""FourierNeuralOperator and the operators' FNOBlock: forward against an independent numpy.fft reference written
from spectrans's code (channels first, einsum, 1x1 convolution, BatchNorm1d on the transposed input), train and
eval batch norm with torch's running-statistics update returned in ctx.new_buffers (the layer never mutated),
bad input, state_dict names and round trip. The registry (tests/testing/test_registry.py) checks the VJPs of
the registered grids against central differences on every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import erf

from specref.backend import finfo_eps
from specref.interop.state_dict import StateDictError
from specref.layers.operators.fno import CASES, FNOBlock, FourierNeuralOperator, _randomize

EPS64 = finfo_eps("float64")
TOL = 1e3 * EPS64  # O(1) values through FFTs of <= 64 points and sums of <= 12 terms: well under 1e3 eps

ACT = {
    "gelu": lambda z: 0.5 * z * (1.0 + erf(z / math.sqrt(2.0))),
    "relu": lambda z: np.maximum(z, 0.0),
    "silu": lambda z: z / (1.0 + np.exp(-z)),
    "swish": lambda z: z / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "identity": lambda z: z,
}


def _fno(hidden_dim=3, modes=3, seed=0, **kw):
    gen = np.random.default_rng(seed)
    return _randomize(FourierNeuralOperator(hidden_dim, modes, seed=gen, **kw), gen)


def _block(hidden_dim=3, modes=3, seed=0, **kw):
    gen = np.random.default_rng(seed)
    return _randomize(FNOBlock(hidden_dim, modes, seed=gen, **kw), gen)


def _x(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


# ----------------------------------------------------------------------------------------------------------
# independent reference: spectrans's forward with numpy.fft, channels first


def ref_fno(x, sd, activation, dim, prefix=""):
    """spectrans's FourierNeuralOperator.forward on (B, N, C) or (B, H, W, C)."""
    xt = np.moveaxis(x, -1, 1)  # transpose / permute(0, 3, 1, 2)
    out = np.zeros_like(xt)
    if prefix + "spectral_conv.weights" in sd:
        w = sd[prefix + "spectral_conv.weights"]
        w = w[..., 0] + 1j * w[..., 1]
        if dim == 1:
            n, m = xt.shape[-1], w.shape[-1]
            ft = np.fft.rfft(xt, axis=-1)
            oft = np.zeros((xt.shape[0], w.shape[1], n // 2 + 1), complex)
            oft[:, :, :m] = np.einsum("bim,iom->bom", ft[:, :, :m], w)
            out = out + np.fft.irfft(oft, n=n, axis=-1)
        else:
            h, wd = xt.shape[-2:]
            m1, m2 = w.shape[-2:]
            ft = np.fft.rfft2(xt, axes=(-2, -1))
            oft = np.zeros((xt.shape[0], w.shape[1], h, wd // 2 + 1), complex)
            oft[:, :, :m1, :m2] = np.einsum("bihw,iohw->bohw", ft[:, :, :m1, :m2], w)
            out = out + np.fft.irfft2(oft, s=(h, wd), axes=(-2, -1))
    if prefix + "linear.weight" in sd:  # Conv1d / Conv2d of kernel size 1
        k = sd[prefix + "linear.weight"].reshape(xt.shape[1], xt.shape[1])
        b = sd[prefix + "linear.bias"]
        out = out + np.einsum("oi,bi...->bo...", k, xt) + b.reshape((-1,) + (1,) * dim)
    return np.moveaxis(ACT[activation](out), 1, -1)


def _bn_ref(x, sd, name, training):
    """BatchNorm1d on x.transpose(1, 2) (each channel over (B, N); over (B, H, W) for 2-D input, where
    spectrans's BatchNorm1d raises); returns (y, new running stats)."""
    w, b = sd[f"{name}.weight"], sd[f"{name}.bias"]
    if training:
        axes = tuple(range(x.ndim - 1))
        mu, var = x.mean(axis=axes), x.var(axis=axes)
        n = x.size // x.shape[-1]
        new = (0.9 * sd[f"{name}.running_mean"] + 0.1 * mu, 0.9 * sd[f"{name}.running_var"] + 0.1 * var * n / (n - 1))
    else:
        mu, var, new = sd[f"{name}.running_mean"], sd[f"{name}.running_var"], None
    return (x - mu) / np.sqrt(var + 1e-5) * w + b, new


def _ln_ref(x, sd, name):
    mu, var = x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-5) * sd[f"{name}.weight"] + sd[f"{name}.bias"]


def ref_block(x, sd, activation, norm_type, training=False, masks=None, p=0.0, dim=1):
    """spectrans's FNOBlock.forward (B, N, C) or (B, H, W, C); returns (y, {name: (new_mean, new_var)})."""
    masks = masks or {}
    scale = 1.0 / (1.0 - p) if p else 1.0

    def drop(name, a):
        return a * masks[name] * scale if name in masks else a

    def norm(name, a):
        if norm_type == "layernorm":
            return _ln_ref(a, sd, name), None
        if norm_type == "batchnorm":
            return _bn_ref(a, sd, name, training)
        return a, None

    stats = {}
    u, stats["norm1"] = norm("norm1", x)
    h = x + drop("dropout", ref_fno(u, sd, activation, dim, prefix="fno."))
    if "ffn.0.weight" not in sd:
        return h, stats
    u, stats["norm2"] = norm("norm2", h)
    a = ACT[activation](u @ sd["ffn.0.weight"].T + sd["ffn.0.bias"])
    o = drop("ffn.2", a) @ sd["ffn.3.weight"].T + sd["ffn.3.bias"]
    return h + drop("ffn.4", o), stats


# ----------------------------------------------------------------------------------------------------------
# FourierNeuralOperator


@pytest.mark.parametrize("activation", list(ACT))
@pytest.mark.parametrize("dim", [1, 2])
def test_fno_matches_spectrans_reference(activation, dim):
    layer = _fno(3, 3 if dim == 1 else (3, 2), activation=activation)
    x = _x((2, 9, 3) if dim == 1 else (2, 5, 6, 3))
    y, ctx = layer.forward(x)
    np.testing.assert_allclose(y, ref_fno(x, layer.state_dict(), activation, dim),
        rtol=0, atol=TOL)  # TOL: derived at its definition
    dx, grads = layer.backward(ctx, np.ones_like(y))
    assert dx.shape == x.shape and list(grads) == list(layer.params)
    assert grads["linear.weight"].shape == ((3, 3, 1) if dim == 1 else (3, 3, 1, 1))


@pytest.mark.parametrize("keep", [{"use_linear": False}, {"use_spectral_conv": False}])
def test_fno_with_one_part(keep):
    layer = _fno(2, (2, 2), activation="tanh", **keep)
    assert len(layer.params) == (1 if "use_linear" in keep else 2)
    x = _x((1, 4, 5, 2))
    y, ctx = layer.forward(x)
    np.testing.assert_allclose(y, ref_fno(x, layer.state_dict(), "tanh", 2),
        rtol=0, atol=TOL)  # TOL: derived at its definition
    assert set(layer.backward(ctx, np.ones_like(y))[1]) == set(layer.params)


def test_fno_any_leading_batch_shape_is_the_batch_entries_stacked():
    layer = _fno(2, 3, activation="silu")
    x = _x((2, 3, 7, 2))
    y = layer(x)
    np.testing.assert_allclose(y.reshape(6, 7, 2), layer(x.reshape(6, 7, 2)),
        rtol=0, atol=TOL)  # TOL: derived at its definition


def test_fno_init_and_names_as_spectrans():
    layer = FourierNeuralOperator(8, 4)
    assert [(k, v.shape) for k, v in layer.params.items()] == [
        ("spectral_conv.weights", (8, 8, 4, 2)), ("linear.weight", (8, 8, 1)), ("linear.bias", (8,))]
    bound = math.sqrt(6.0 / 16)  # xavier_uniform_ of (8, 8, 1): fan_in = fan_out = 8
    assert np.all(np.abs(layer.params["linear.weight"]) <= bound) and not np.any(layer.params["linear.bias"])
    assert np.abs(layer.params["spectral_conv.weights"]).max() < 10.0 / 64  # randn / (C_in C_out)
    two = FourierNeuralOperator(8, (4, 3))
    assert two.params["spectral_conv.weights"].shape == (8, 8, 4, 3, 2)
    assert two.params["linear.weight"].shape == (8, 8, 1, 1)


def test_fno_float32_is_not_cast_and_the_layer_is_not_mutated():
    """spectrans's forward replaces self.linear by a cast copy (#24); specref refuses the other precision."""
    layer = _fno(2, 3, activation="tanh")
    before = {k: v.copy() for k, v in layer.params.items()}
    with pytest.raises(TypeError):
        layer.forward(_x((1, 6, 2)).astype(np.float32))
    assert all(layer.params[k].dtype == np.float64 and np.array_equal(layer.params[k], v) for k, v in before.items())
    y32 = layer.astype("float32")(_x((1, 6, 2)).astype(np.float32))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, layer(_x((1, 6, 2))),
        rtol=0, atol=1e3 * finfo_eps("float32"))  # O(1) values: as TOL, in float32


def test_fno_bad_input():
    with pytest.raises(ValueError, match="unknown activation 'mish'"):
        FourierNeuralOperator(4, 3, activation="mish")
    with pytest.raises(ValueError, match="at least one of use_spectral_conv and use_linear"):
        FourierNeuralOperator(4, 3, use_spectral_conv=False, use_linear=False)
    with pytest.raises(ValueError, match="unsupported modes"):
        FourierNeuralOperator(4, (3, 3, 3))
    layer = _fno(4, 3)
    with pytest.raises(ValueError, match=r"modes must be <= 3"):  # N = 4 has 3 rfft bins, modes = 3 + 1
        _fno(4, 4).forward(_x((2, 4, 4)))
    with pytest.raises(ValueError, match="has no dropout named 'dropout'"):
        layer.forward(_x((2, 8, 4)), masks={"dropout": np.ones((2, 8, 4), bool)})


# ----------------------------------------------------------------------------------------------------------
# FNOBlock


@pytest.mark.parametrize("norm_type", ["layernorm", "batchnorm", "none"])
@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("dim", [1, 2])
def test_block_matches_spectrans_reference(norm_type, training, dim):
    p = 0.25
    layer = _block(3, 3 if dim == 1 else (2, 2), activation="silu", dropout=p, norm_type=norm_type)
    x = _x((2, 8, 3) if dim == 1 else (2, 4, 3, 3))
    rng = np.random.default_rng(5)
    masks = {"dropout": rng.random(x.shape) > p, "ffn.2": rng.random((*x.shape[:-1], 6)) > p,
             "ffn.4": rng.random(x.shape) > p}
    y, ctx = layer.forward(x, training=training, masks=masks if training else None)
    want, stats = ref_block(x, layer.state_dict(), "silu", norm_type, training, masks if training else None, p, dim)
    np.testing.assert_allclose(y, want, rtol=0, atol=TOL)  # TOL: derived at its definition
    if norm_type == "batchnorm" and training:
        for name in ("norm1", "norm2"):
            np.testing.assert_allclose(ctx.new_buffers[f"{name}.running_mean"], stats[name][0],
                rtol=0, atol=TOL)  # TOL: derived at its definition
            np.testing.assert_allclose(ctx.new_buffers[f"{name}.running_var"], stats[name][1],
                rtol=0, atol=TOL)  # TOL: derived at its definition
            assert ctx.new_buffers[f"{name}.num_batches_tracked"].dtype == np.int64
            assert int(ctx.new_buffers[f"{name}.num_batches_tracked"]) == 1
    else:
        assert ctx.new_buffers == {}
    dx, grads = layer.backward(ctx, np.ones_like(y))
    assert dx.shape == x.shape and list(grads) == list(layer.params)


def test_block_training_leaves_the_layer_unchanged_and_with_buffers_updates_it():
    layer = _block(2, 2, norm_type="batchnorm", activation="tanh")
    before = {k: np.copy(v) for k, v in layer.buffers.items()}
    _, ctx = layer.forward(_x((3, 6, 2)), training=True)
    assert all(np.array_equal(layer.buffers[k], v) for k, v in before.items())
    updated = layer.with_buffers(ctx.new_buffers)
    assert int(updated.buffers["norm2.num_batches_tracked"]) == 1
    assert not np.array_equal(updated.buffers["norm1.running_mean"], before["norm1.running_mean"])


def test_block_without_ffn():
    layer = _block(3, 2, mlp_ratio=0.0, norm_type="batchnorm", activation="tanh")
    assert not any(k.startswith(("norm2", "ffn")) for k in (*layer.params, *layer.buffers))
    assert layer.dropout_names == ("dropout",)
    x = _x((2, 5, 3))
    y, ctx = layer.forward(x, training=True)
    want, _ = ref_block(x, layer.state_dict(), "tanh", "batchnorm", True)
    np.testing.assert_allclose(y, want, rtol=0, atol=TOL)  # TOL: derived at its definition
    assert set(ctx.new_buffers) == {"norm1.running_mean", "norm1.running_var", "norm1.num_batches_tracked"}


def test_block_names_as_spectrans():
    layer = FNOBlock(4, 3, norm_type="batchnorm")
    assert list(layer.params) == [
        "fno.spectral_conv.weights", "fno.linear.weight", "fno.linear.bias", "norm1.weight", "norm1.bias",
        "norm2.weight", "norm2.bias", "ffn.0.weight", "ffn.0.bias", "ffn.3.weight", "ffn.3.bias"]
    assert layer.params["ffn.0.weight"].shape == (8, 4) and layer.params["ffn.3.weight"].shape == (4, 8)
    assert set(layer.buffers) == {f"norm{i}.{k}" for i in (1, 2)
                                  for k in ("running_mean", "running_var", "num_batches_tracked")}
    assert layer.dropout_names == ("dropout", "ffn.2", "ffn.4")
    assert not any(k.startswith("norm") for k in FNOBlock(4, 3, norm_type="none").params)


@pytest.mark.parametrize("norm_type", ["layernorm", "batchnorm", "none"])
def test_block_state_dict_round_trip(norm_type):
    layer = _block(3, (2, 2), norm_type=norm_type, activation="sigmoid")
    sd = layer.state_dict()
    back = FNOBlock.from_state_dict(sd, hidden_dim=3, modes=(2, 2), norm_type=norm_type, activation="sigmoid")
    assert sd.keys() == back.state_dict().keys()
    assert all(np.array_equal(back.state_dict()[k], v) and back.state_dict()[k].dtype == v.dtype
               for k, v in sd.items())
    x = _x((2, 3, 4, 3))
    assert np.array_equal(back(x), layer(x))
    fno = _fno(3, 3, activation="relu")
    back_fno = FourierNeuralOperator.from_state_dict(fno.state_dict(), hidden_dim=3, modes=3, activation="relu")
    assert np.array_equal(back_fno(_x((2, 6, 3))), fno(_x((2, 6, 3))))


def test_state_dict_with_spectral_weights_of_the_wrong_shape_or_dtype_is_refused():
    sd = FNOBlock(4, 3).state_dict()
    w = sd["fno.spectral_conv.weights"]  # (4, 4, 3, 2): (re, im) pairs
    with pytest.raises(StateDictError, match="fno.spectral_conv.weights"):
        FNOBlock.from_state_dict({**sd, "fno.spectral_conv.weights": w[..., :1]}, hidden_dim=4, modes=3)
    with pytest.raises(StateDictError, match="fno.spectral_conv.weights"):  # complex, not torch's pair layout
        FNOBlock.from_state_dict({**sd, "fno.spectral_conv.weights": w[..., 0] + 1j * w[..., 1]}, hidden_dim=4,
                                 modes=3)
    with pytest.raises(StateDictError, match="fno.spectral_conv.weights"):
        FNOBlock.from_state_dict({**sd, "fno.spectral_conv.weights": (w[..., 0] + 1j * w[..., 1])[..., None]
                                  .repeat(2, axis=-1)}, hidden_dim=4, modes=3)


def test_block_bad_input():
    with pytest.raises(ValueError, match="unknown norm_type 'layer'"):  # spectrans's docstring's value
        FNOBlock(4, 3, norm_type="layer")
    with pytest.raises(ValueError, match="unknown activation 'elu'"):
        FNOBlock(4, 3, activation="elu")
    with pytest.raises(ValueError, match="mlp_ratio must be a finite number >= 0"):
        FNOBlock(4, 3, mlp_ratio=-1.0)
    with pytest.raises(ValueError, match="hidden size int"):
        FNOBlock(4, 3, mlp_ratio=0.1)
    layer = _block(4, 3, dropout=0.1)
    with pytest.raises(ValueError, match="needs rng="):
        layer.forward(_x((2, 8, 4)), training=True)
    with pytest.raises(ValueError, match="has no dropout named 'ffn.1'"):
        layer.forward(_x((2, 8, 4)), masks={"ffn.1": np.ones((2, 8, 4), bool)})
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        _block(4, 1, norm_type="batchnorm").forward(_x((1, 1, 4)), training=True)
    y, ctx = layer.forward(_x((2, 8, 4)))
    with pytest.raises(TypeError):
        layer.backward(ctx, np.ones_like(y, dtype=np.float32))


@pytest.mark.parametrize("make", [_fno, _block])
def test_channel_mismatch_and_wrong_rank(make):
    with pytest.raises(ValueError, match="hidden_dim 4 but x has 5 features"):
        make(4, 3).forward(_x((2, 8, 5)))
    with pytest.raises(ValueError, match=r"needs input of shape \(B, N, D\)"):  # 1-D: (N, C) lacks the batch
        make(4, 3).forward(_x((8, 4)))
    with pytest.raises(ValueError, match=r"2-D: modes is a pair\) needs input of shape \(B, H, W, C\)"):
        make(4, (2, 2)).forward(_x((2, 8, 4)))


def test_swish_is_silu():
    x = _x((2, 6, 3))
    a, b = _fno(3, 3, activation="swish", seed=4), _fno(3, 3, activation="silu", seed=4)
    assert np.array_equal(a(x), b(x))


def test_registered_grids_cover_every_configuration():
    names = [c.name for c in CASES]
    assert names == ["FourierNeuralOperator", "FourierNeuralOperatorSpectralOnly", "FourierNeuralOperatorLinearOnly",
                     "FourierNeuralOperatorGelu", "FNOBlock", "FNOBlockEval", "FNOBlockNoNorm", "FNOBlockNoFFN",
                     "FNOBlockGelu"]
    points = [p for c in CASES for p in c.grid]
    assert {p.get("activation", "gelu") for p in points} == set(ACT)
    assert {p.get("norm_type", "layernorm") for p in points if "mlp_ratio" in p} == {"layernorm", "batchnorm", "none"}
    assert {len(p["spatial"]) for p in points} == {1, 2}
    assert any(p["spatial"][-1] % 2 for p in points) and any(p["spatial"][-1] % 2 == 0 for p in points)
