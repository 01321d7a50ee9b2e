"""RFFAttentionKernel and its feature maps (FAVOR+, ReLU, ELU): forward against formulas, redraws, the class's
VJP, state and bad input.

The statistical properties (FAVOR+ unbiasedness) are in test_theory_structured.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.backend import random_normal, to_numpy
from specref.interop.state_dict import StateDictError
from specref.kernels.attention_features import RFFAttentionKernel, elu_features, positive_features, relu_features
from specref.testing.checks import assert_close, check_vjp

EPS64 = float(np.finfo(np.float64).eps)


def _x(xp, shape, seed=0, scale=0.5):
    return random_normal(seed, shape, xp=xp) * scale


@pytest.mark.parametrize("kind", ["softmax", "relu", "elu"])
def test_attention_features_match_formulas(xp, kind):
    k = RFFAttentionKernel(4, 9, kernel_type=kind, seed=2).to(xp)
    x = _x(xp, (2, 3, 4))
    xh, w = to_numpy(x), to_numpy(k.buffers["projection"])
    z = xh @ w
    expected = {
        "softmax": np.exp(z - 0.5 * np.sum(xh**2, axis=-1, keepdims=True)) / 3.0,
        "relu": math.sqrt(2 / 9) * np.maximum(z, 0.0),
        "elu": np.where(z > 0, z + 1.0, np.exp(np.minimum(z, 0.0))) / 3.0,
    }[kind]
    got = to_numpy(k.forward(x))
    # the same formulas with a reassociated 4-term dot: (d+2) |x||w| eps ~ 10 eps relative
    rel_bound = 1e3 * EPS64  # same formula, reassociated dot
    assert_close(got, expected, rtol=rel_bound, reason="same formula, reassociated dot")
    if kind != "relu":
        assert np.all(got > 0)


def test_redraw_uses_the_rng(xp):
    k = RFFAttentionKernel(4, 6, redraw=True)
    assert k.state_dict() == {}
    x = _x(xp, (2, 4))
    a, b = k.forward(x, rng=1), k.forward(x, rng=1)
    assert np.array_equal(to_numpy(a), to_numpy(b))
    assert not np.array_equal(to_numpy(a), to_numpy(k.forward(x, rng=2)))
    p = k.draw_projection(1, xp=xp)
    assert np.array_equal(to_numpy(k.forward(x, projection=p)), to_numpy(a))
    with pytest.raises(ValueError, match="rng="):
        k.forward(x)
    with pytest.raises(ValueError, match="projection="):
        k.forward_vjp(a, x, a)


# ----------------------------------------------------------------------------------------------------------
# the class's VJP, state, bad input


@pytest.mark.parametrize(
    "build",
    [
        lambda: RFFAttentionKernel(5, 6, seed=0),
        lambda: RFFAttentionKernel(5, 6, kernel_type="elu", use_orthogonal=False, seed=0),
    ],
    ids=["favor", "elu"],
)
def test_forward_vjp_of_the_class(xp, build):
    fmap = build().to(xp)
    assert not fmap.params

    def f_vjp(dphi, x, phi):
        dx, grads = fmap.forward_vjp(dphi, x, phi)
        assert grads == {}
        return dx

    # c = 100: the forward's claim from the registry cases (a 5-term dot and exp)
    check_vjp(fmap.forward, f_vjp, (_x(xp, (2, 3, 5)),), error_scale=100.0).raise_if_failed()


def test_state():
    assert list(RFFAttentionKernel(4, 6).buffers) == ["projection"]
    with pytest.raises(StateDictError, match="shape"):
        RFFAttentionKernel.from_state_dict({"projection": np.zeros((4, 6))}, input_dim=5, num_features=6)
    k = RFFAttentionKernel.from_state_dict({"projection": np.ones((5, 6))}, input_dim=5, num_features=6)
    assert np.array_equal(to_numpy(k.buffers["projection"]), np.ones((5, 6)))


def test_bad_input(xp):
    with pytest.raises(ValueError, match="kernel_type"):
        RFFAttentionKernel(3, 4, kernel_type="gaussian")
    for flag in ("use_orthogonal", "redraw"):
        with pytest.raises(TypeError, match=f"{flag} must be True or False"):
            RFFAttentionKernel(3, 4, **{flag: "no"})
    x = _x(xp, (2, 3))
    with pytest.raises(ValueError, match="projection"):
        positive_features(x, xp.ones((4, 2), dtype=xp.float64))
    for f in (relu_features, elu_features):
        with pytest.raises(ValueError, match=r"\(\.\.\., n, d\)"):
            f(xp.ones((3,), dtype=xp.float64), xp.ones((3, 2), dtype=xp.float64))
    with pytest.raises(ValueError, match="redraw"):
        RFFAttentionKernel(3, 4).to(xp).forward(x, rng=0)
