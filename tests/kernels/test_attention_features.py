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


@pytest.mark.parametrize("stabilize", ["row", "sequence"])
def test_stabiliser_is_a_common_factor(xp, stabilize):
    """phi_c = e^{-c} phi with c the row's (or the sequence's) largest exponent, so the largest feature of each
    row (of the sequence) is 1/sqrt(m); inputs of norm ~40 underflow without it."""
    w = random_normal(1, (4, 6), xp=xp)
    small, big = _x(xp, (2, 5, 4)), _x(xp, (2, 5, 4), seed=3, scale=40.0)
    plain, stab = to_numpy(positive_features(small, w)), to_numpy(positive_features(small, w, stabilize=stabilize))
    axes = (-1,) if stabilize == "row" else (-2, -1)
    ratio = stab / plain
    common = np.broadcast_to(ratio.max(axis=axes, keepdims=True), ratio.shape)
    tol = 1e2 * EPS64  # exp(t - c) against exp(t) e^{-c}: the rounding of t - c, |t|, |c| <= 10, ~20 eps
    assert_close(ratio, common, rtol=tol, reason="one factor e^{-c} per row or sequence")
    got = to_numpy(positive_features(big, w, stabilize=stabilize))
    assert np.any(np.all(to_numpy(positive_features(big, w)) == 0.0, axis=-1))  # exponents ~ -|x|^2/2 ~ -800
    top = got.max(axis=axes)
    assert np.all(top == pytest.approx(1 / math.sqrt(6), rel=4 * EPS64))  # exp(0) / sqrt(m): one rounding


def test_sequence_stabiliser_reads_kept_rows_only(xp):
    w = random_normal(1, (4, 3), xp=xp)
    x = _x(xp, (2, 4, 4))
    x = xp.concat([x[:, :3, :], 30.0 * x[:, 3:, :]], axis=1)  # row 3 has the largest exponent by far
    keep = xp.asarray(np.array([[True, True, True, False], [False] * 4]))
    got = to_numpy(positive_features(x, w, stabilize="sequence", keep=keep))
    plain = to_numpy(positive_features(x, w))
    # sequence 0: c is the max over rows 0-2 only, so their largest feature is 1/sqrt(m)
    assert got[0, :3].max() == pytest.approx(1 / math.sqrt(3), rel=4 * EPS64)  # exp(0) / sqrt(m): one rounding
    # sequence 1 keeps no row: c = 0, the plain features
    assert_close(got[1], plain[1], rtol=4 * EPS64, reason="c = 0")  # the same arithmetic: t - 0 = t exactly


def test_stabiliser_bad_input(xp):
    w = random_normal(1, (4, 3), xp=xp)
    x = _x(xp, (2, 4, 4))
    with pytest.raises(ValueError, match="stabilize"):
        positive_features(x, w, stabilize="column")
    with pytest.raises(ValueError, match="keep"):
        positive_features(x, w, keep=xp.ones((2, 4), dtype=xp.bool))
    with pytest.raises(ValueError, match="keep"):
        positive_features(x, w, stabilize="row", keep=xp.ones((2, 4), dtype=xp.bool))
    with pytest.raises(ValueError, match="keep must be a boolean"):
        positive_features(x, w, stabilize="sequence", keep=xp.ones((2, 3), dtype=xp.bool))


def test_paired_stabiliser_keeps_the_attention_and_bounds_the_normaliser(xp):
    """paired_positive_features: phi_q . phi_k = e^{-M_i} times the unstabilised products (so the normalised
    attention is unchanged), every normaliser >= 1/m even at norms where the plain features underflow, and
    masked keys' features exactly 0."""
    from specref.kernels.attention_features import paired_positive_features

    w = random_normal(1, (4, 6), xp=xp)
    q, k = _x(xp, (2, 5, 4)), _x(xp, (2, 5, 4), seed=4)
    pq, pk = (to_numpy(a) for a in paired_positive_features(q, k, w))
    plain = to_numpy(positive_features(q, w)) @ np.swapaxes(to_numpy(positive_features(k, w)), -1, -2)
    paired = pq @ np.swapaxes(pk, -1, -2)
    tol = 1e2 * EPS64  # two roundings of exponents |t| <= 10 and a 6-term positive dot: ~20 eps relative
    assert_close(paired / paired.sum(-1, keepdims=True), plain / plain.sum(-1, keepdims=True), rtol=tol,
                 reason="the stabilisers cancel in the ratio")
    keep = xp.asarray(np.array([[True, False, True, True, False], [False] * 5]))
    bq, bk = (to_numpy(a) for a in paired_positive_features(q * 80.0, k * 80.0, w, keep=keep))
    assert np.all(np.isfinite(bq)) and np.all(bk[0, [1, 4]] == 0.0) and np.all(bk[1] == 0.0)
    den = (bq @ np.swapaxes(bk, -1, -2)).sum(-1)
    assert np.all(den[0] >= (1 - 4 * EPS64) / 6)  # >= (1/sqrt m)^2 from the feature attaining M_i, up to rounding
    with pytest.raises(ValueError, match="keep must be a boolean"):
        paired_positive_features(q, k, w, keep=xp.ones((2, 4), dtype=xp.bool))
