"""FeedForwardNetwork: spectrans's names, shapes and init laws, the forward against a plain NumPy MLP, the backward
against central differences (every activation, dropout with an injected mask), any leading shape, the state_dict
round trip, the strict backend, and bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

from specref.backend import get_namespace, to_numpy
from specref.layers.feedforward import CASES, FFN_ACTIVATIONS, FeedForwardNetwork
from specref.testing import assert_close, check_vjp
from specref.testing.draws import draw_away

D, F = 4, 6

_REF_ACT = {
    "gelu": lambda h: 0.5 * h * (1.0 + scipy.special.erf(h / np.sqrt(2.0))),
    "relu": lambda h: np.maximum(h, 0.0),
    "silu": lambda h: h * scipy.special.expit(h),
    "tanh": np.tanh,
    "sigmoid": scipy.special.expit,
    "elu": lambda h: np.where(h > 0, h, np.expm1(np.minimum(h, 0.0))),
    "leaky_relu": lambda h: np.where(h > 0, h, 0.01 * h),
}


def _random(layer, seed=0):
    gen = np.random.default_rng(seed)
    return layer.with_params({k: gen.standard_normal(v.shape) / np.sqrt(v.shape[-1]) for k, v in layer.params.items()})


def test_params_are_spectrans_names_shapes_and_torch_linear_laws():
    ffn = FeedForwardNetwork(hidden_dim=D, ffn_hidden_dim=F)
    assert [(k, tuple(v.shape)) for k, v in ffn.params.items()] == [
        ("fc1.weight", (F, D)), ("fc1.bias", (F,)), ("fc2.weight", (D, F)), ("fc2.bias", (D,))]
    assert ffn.activation == "gelu" and ffn.dropout == 0.0 and ffn.dropout_names == ("dropout",)
    big = FeedForwardNetwork(hidden_dim=64, ffn_hidden_dim=256, seed=1)
    for name, fan_in in (("fc1.weight", 64), ("fc1.bias", 64), ("fc2.weight", 256), ("fc2.bias", 256)):
        v = big.params[name]
        assert np.max(np.abs(v)) <= 1.0 / np.sqrt(fan_in)  # U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        assert np.max(np.abs(v)) > 0.9 / np.sqrt(fan_in)
    assert_close(FeedForwardNetwork(D, F, seed=3).params["fc1.weight"],
                 FeedForwardNetwork(D, F, seed=3).params["fc1.weight"], rtol=0.0)  # one seed, one draw: identical


@pytest.mark.parametrize("activation", FFN_ACTIVATIONS)
def test_forward_is_the_plain_mlp(activation):
    ffn = _random(FeedForwardNetwork(D, F, activation=activation))
    x = np.random.default_rng(1).standard_normal((2, 3, D))
    p = ffn.params
    expected = _REF_ACT[activation](x @ p["fc1.weight"].T + p["fc1.bias"]) @ p["fc2.weight"].T + p["fc2.bias"]
    assert_close(ffn(x), expected, rtol=1e-13, reason="a few roundings per stage at n <= 6, float64")


@pytest.mark.parametrize("activation", FFN_ACTIVATIONS)
def test_backward_against_central_differences(activation):
    rng = np.random.default_rng(2)
    ffn = _random(FeedForwardNetwork(D, F, activation=activation))
    x = rng.standard_normal((2, 3, D))
    w1 = ffn.params["fc1.weight"]
    bias = draw_away(rng, (F,), kinks=(0.0,), image=lambda b: x @ w1.T + b)  # away from relu's kink
    ffn = ffn.with_params({"fc1.bias": bias})
    names = list(ffn.params)

    def f(x, *vals):
        return ffn.with_params(dict(zip(names, vals, strict=True)))(x)

    def f_vjp(dy, x, *vals_y):
        layer = ffn.with_params(dict(zip(names, vals_y[:-1], strict=True)))
        dx, grads = layer.backward(layer.forward(x)[1], dy)
        return (dx, *(grads[k] for k in names))

    r = check_vjp(f, f_vjp, (x, *ffn.params.values()), argnums=tuple(range(5)), rng=rng, error_scale=64.0)
    assert r.passed, r.detail


def test_dropout_mask_injected_and_drawn():
    ffn = _random(FeedForwardNetwork(D, F, activation="tanh", dropout=0.5))
    x = np.random.default_rng(3).standard_normal((5, D))
    mask = np.random.default_rng(4).random((5, F)) > 0.5
    y, ctx = ffn.forward(x, training=True, masks={"dropout": mask})
    p = ffn.params
    a = np.tanh(x @ p["fc1.weight"].T + p["fc1.bias"]) * mask / 0.5
    assert_close(y, a @ p["fc2.weight"].T + p["fc2.bias"], rtol=1e-13, reason="float64 roundings")
    assert ctx.mask is not None and np.array_equal(to_numpy(ctx.mask), mask)
    dx, grads = ffn.backward(ctx, np.ones_like(y))
    assert_close(grads["fc2.weight"], np.ones((5, D)).T @ a, rtol=1e-13, reason="float64 roundings")
    assert np.array_equal(ffn.forward(x, training=True, rng=7)[0], ffn.forward(x, training=True, rng=7)[0])
    assert np.array_equal(ffn.forward(x)[0], ffn.forward(x, training=False, rng=7)[0])  # eval: no dropout
    with pytest.raises(ValueError, match="needs rng"):
        ffn.forward(x, training=True)
    with pytest.raises(ValueError, match="no dropout named 'fc1'"):
        ffn.forward(x, masks={"fc1": mask})


@pytest.mark.parametrize("shape", [(D,), (3, D), (2, 1, 3, D)])
def test_any_leading_shape(shape):
    ffn = _random(FeedForwardNetwork(D, F, activation="silu"))
    x = np.random.default_rng(5).standard_normal(shape)
    y, ctx = ffn.forward(x)
    dx, grads = ffn.backward(ctx, np.ones(shape))
    assert y.shape == shape and dx.shape == shape
    assert_close(y.reshape(-1, D), ffn(x.reshape(-1, D)), rtol=0.0)  # position-wise


def test_state_dict_round_trip_and_float32():
    ffn = _random(FeedForwardNetwork(D, F))
    back = FeedForwardNetwork.from_state_dict(ffn.state_dict(), hidden_dim=D, ffn_hidden_dim=F)
    x = np.random.default_rng(6).standard_normal((2, D))
    assert np.array_equal(back(x), ffn(x))
    y32 = ffn.astype("float32")(x.astype(np.float32))
    assert y32.dtype == np.float32
    with pytest.raises(TypeError):
        ffn.forward(x.astype(np.float32))  # float64 params, float32 input
    y, ctx = ffn.forward(x)
    with pytest.raises(TypeError, match="float32"):
        ffn.backward(ctx, np.ones((2, D), np.float32))


def test_strict_backend_matches_numpy():
    xp = get_namespace("strict")
    ffn = _random(FeedForwardNetwork(D, F, activation="elu"))
    x = np.random.default_rng(8).standard_normal((2, 3, D))
    strict = ffn.to("strict")
    y, ctx = strict.forward(xp.asarray(x))
    dx, grads = strict.backward(ctx, xp.asarray(np.ones((2, 3, D))))
    assert_close(to_numpy(y), ffn(x), rtol=1e-14, reason="the same operations in float64")
    assert_close(to_numpy(dx), ffn.backward(ffn.forward(x)[1], np.ones((2, 3, D)))[0], rtol=1e-14,
                 reason="the same operations in float64")
    with pytest.raises(NotImplementedError):
        FeedForwardNetwork(D, F, activation="gelu").to("strict").forward(xp.asarray(x))


def test_bad_arguments():
    with pytest.raises(ValueError, match="activation"):
        FeedForwardNetwork(D, F, activation="identity")  # spectrans's FFN has no identity
    with pytest.raises(ValueError, match="activation"):
        FeedForwardNetwork(D, F, activation="swish")
    with pytest.raises(ValueError):
        FeedForwardNetwork(0, F)
    with pytest.raises(TypeError):
        FeedForwardNetwork(D, 2.5)
    with pytest.raises(ValueError):
        FeedForwardNetwork(D, F, dropout=1.0)
    ffn = FeedForwardNetwork(D, F)
    with pytest.raises(ValueError, match=r"hidden_dim 4: x must have shape \(\.\.\., 4\), got \(2, 5\)"):
        ffn.forward(np.zeros((2, 5)))
    with pytest.raises(TypeError, match="expected an array"):
        ffn.forward([[0.0] * D])


def test_cases_are_registered():
    assert {c.name for c in CASES} == {"FeedForwardNetwork", "FeedForwardNetworkGelu"}
