"""linear_attention: equal to masked quadratic attention with the same features, non-causal and causal, odd
and even N, every backend; the VJP against central differences and against the quadratic form's gradient;
bad inputs; a wrong VJP that must fail. (The registry case adds the VJP check on every grid point.)"""

from __future__ import annotations

import numpy as np
import pytest

from specref.backend import finfo_eps, to_numpy
from specref.ops.linear_attention import linear_attention, linear_attention_vjp
from specref.testing import assert_close, check_no_mutation, check_vjp

EPS64 = finfo_eps("float64")


def _draw(rng, batch, n, m, dv):
    # positive features (exp of gaussians) and values in [0.5, 1.5]: no cancellation anywhere
    q = np.exp(0.5 * rng.standard_normal((*batch, n, m)))
    k = np.exp(0.5 * rng.standard_normal((*batch, n, m)))
    v = rng.uniform(0.5, 1.5, (*batch, n, dv))
    return q, k, v


def _arr(xp, host, dtype="float64"):
    return xp.asarray(np.asarray(host).astype(dtype), dtype=getattr(xp, dtype))


def _quadratic(q, k, v, causal, eps):
    """The explicit N x N weights A_ij = phi_q_i . phi_k_j [j <= i] / row sum, then y = A v."""
    n = q.shape[-2]
    scores = q @ np.swapaxes(k, -1, -2)
    if causal:
        scores = scores * (np.arange(n)[None, :] <= np.arange(n)[:, None])
    a = scores / (scores.sum(axis=-1, keepdims=True) + eps)
    return a @ v


def _error_scale(n, m):
    # the registry case's claim: positive terms, length-m dots and N accumulations, numerator and normaliser
    return 2.0 * (1.5 * m + 1.5 * n + 2.0) + 1.0


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("n", [1, 6, 7, 65, 130])  # odd/even; 65 and 130 cross the reference's 64-row blocks
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_equals_masked_quadratic_attention(xp, causal, n, dtype):
    rng = np.random.default_rng(n)
    m, dv, eps = 5, 3, 0.125
    q, k, v = _draw(rng, (2, 3), n, m, dv)
    y = linear_attention(_arr(xp, q, dtype), _arr(xp, k, dtype), _arr(xp, v, dtype), causal=causal, eps=eps)
    assert y.dtype == getattr(xp, dtype) and tuple(y.shape) == (2, 3, n, dv)
    qc, kc, vc = (a.astype(dtype).astype(np.float64) for a in (q, k, v))
    expected = _quadratic(qc, kc, vc, causal, eps)
    # both forms sum positive terms: each within c eps of exact (c the case's claim), the float64 quadratic
    # form within c eps64: c (eps + eps64) covers the difference
    c = _error_scale(n, m)
    assert_close(to_numpy(y), expected, rtol=c * (finfo_eps(dtype) + EPS64), reason="c (eps + eps64)")  # above


@pytest.mark.parametrize("causal", [False, True])
def test_vjp_equals_quadratic_gradient(causal):
    """The hand-derived VJP against the gradient of the explicit quadratic form, written independently."""
    rng = np.random.default_rng(3)
    q, k, v = _draw(rng, (2,), 9, 4, 3)
    dy = rng.standard_normal((2, 9, 3))
    y = linear_attention(q, k, v, causal=causal)
    dq, dk, dv = linear_attention_vjp(dy, q, k, v, y, causal=causal)
    mask = np.tril(np.ones((9, 9))) if causal else np.ones((9, 9))
    s = (q @ np.swapaxes(k, -1, -2)) * mask  # scores
    r = s.sum(-1, keepdims=True)  # row sums
    # y = (s v) / r: ds_ij = (dy_i . v_j) / r_i - (dy_i . y_i) / r_i, masked
    ds = ((dy @ np.swapaxes(v, -1, -2)) - np.sum(dy * y, -1, keepdims=True)) / r * mask
    expected = (ds @ k, np.swapaxes(ds, -1, -2) @ q, np.swapaxes(s / r, -1, -2) @ dy)
    for got, want in zip((dq, dk, dv), expected, strict=True):
        # dy signed: normwise, a few hundred roundings of O(1) terms at most (N m dv = 108 products)
        assert_close(got, want, rtol=1e3 * EPS64, reason="N m dv products of O(1) terms, normwise")  # derived


@pytest.mark.parametrize("causal", [False, True])
def test_vjp_central_differences(xp, causal):
    rng = np.random.default_rng(5)
    q, k, v = _draw(rng, (2,), 7, 3, 2)
    args = tuple(_arr(xp, a) for a in (q, k, v))
    result = check_vjp(linear_attention, linear_attention_vjp, args, kwargs={"causal": causal, "eps": 0.25},
                       argnums=(0, 1, 2), error_scale=_error_scale(7, 3))
    assert result.passed, result


def test_wrong_vjp_fails():
    rng = np.random.default_rng(6)
    args = _draw(rng, (2,), 6, 3, 2)

    def wrong(dy, q, k, v, y, **kw):  # a small error in one gradient
        dq, dk, dv = linear_attention_vjp(dy, q, k, v, y, **kw)
        return dq, dk + 1e-2 * np.ones_like(dk), dv

    result = check_vjp(linear_attention, wrong, args, kwargs={"causal": True}, argnums=(0, 1, 2),
                       error_scale=_error_scale(6, 3))
    assert not result.passed


def test_does_not_mutate():
    rng = np.random.default_rng(7)
    q, k, v = _draw(rng, (2,), 5, 3, 2)
    assert check_no_mutation(linear_attention, q, k, v, causal=True).passed
    y = linear_attention(q, k, v, causal=True)
    assert check_no_mutation(linear_attention_vjp, np.ones_like(y), q, k, v, y, causal=True).passed


@pytest.mark.parametrize(
    "shapes, match",
    [
        (((2, 5, 3), (2, 5, 4), (2, 5, 2)), "must have one shape"),
        (((2, 5, 3), (2, 5, 3), (2, 4, 2)), "must have the batch shape and length N"),
        (((2, 5, 3), (2, 5, 3), (3, 5, 2)), "must have the batch shape and length N"),
        (((5,), (5,), (5,)), r"shape \(\.\.\., N, m\)"),
        (((2, 0, 3), (2, 0, 3), (2, 0, 2)), "N = 0"),
    ],
)
def test_rejects_bad_shapes(shapes, match):
    q, k, v = (np.ones(s) for s in shapes)
    with pytest.raises(ValueError, match=match):
        linear_attention(q, k, v)


def test_rejects_bad_dtypes_and_arguments():
    q = np.ones((4, 3))
    with pytest.raises(TypeError, match="int64"):
        linear_attention(q, q, np.ones((4, 2), dtype=np.int64))
    with pytest.raises(TypeError, match="real function"):
        linear_attention(q + 0j, q, np.ones((4, 2)))
    with pytest.raises(TypeError, match="two precisions"):
        linear_attention(q, q.astype(np.float32), np.ones((4, 2)))
    with pytest.raises(ValueError, match="eps must be a finite number >= 0"):
        linear_attention(q, q, np.ones((4, 2)), eps=-1.0)
    y = linear_attention(q, q, np.ones((4, 2)))
    with pytest.raises(ValueError, match="cotangent dy has shape"):
        linear_attention_vjp(np.ones((4, 3)), q, q, np.ones((4, 2)), y)
