"""layer_norm: values against a direct NumPy formula (torch semantics), the fused VJP against central
differences and against the dense Jacobian, absent affine, bad shapes, and a wrong VJP that must fail."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.backend import finfo_eps, to_numpy
from specref.ops.norm import layer_norm, layer_norm_vjp
from specref.testing import assert_close, check_no_mutation, check_vjp

EPS64 = finfo_eps("float64")


def _arr(xp, host, dtype="float64"):
    return xp.asarray(np.asarray(host).astype(dtype), dtype=getattr(xp, dtype))


def _ref(x, w=None, b=None, eps=1e-5, axis=-1):
    """Torch semantics, written independently: biased variance, eps inside the root, affine after."""
    x = np.moveaxis(x, axis, -1)
    d = x.shape[-1]
    mu = x.sum(axis=-1, keepdims=True) / d
    var = ((x - mu) ** 2).sum(axis=-1, keepdims=True) / d
    y = (x - mu) / np.sqrt(var + eps)
    y = y * (1.0 if w is None else w) + (0.0 if b is None else b)
    return np.moveaxis(y, -1, axis)


def _c(d):
    # the case's error scale: 2 (1.5 (2 + log2 D) + 4) for zero-mean N(0, 1) rows (see specref/ops/norm.py)
    return 2.0 * (1.5 * (2.0 + math.log2(d)) + 4.0)


@pytest.mark.parametrize("shape, axis", [((3, 5), -1), ((2, 3, 4), -1), ((6, 3), 0), ((2, 7, 3), 1)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values_match_reference(shape, axis, affine, dtype, xp):
    rng = np.random.default_rng(0)
    d = shape[axis]
    x = rng.standard_normal(shape).astype(dtype)
    w = (1.0 + 0.5 * rng.standard_normal(d)).astype(dtype) if affine else None
    b = rng.standard_normal(d).astype(dtype) if affine else None
    y = layer_norm(_arr(xp, x, dtype), None if w is None else _arr(xp, w, dtype),
                   None if b is None else _arr(xp, b, dtype), axis=axis)
    assert y.dtype == getattr(xp, dtype)
    expected = _ref(x.astype(np.float64), w, b, axis=axis)
    # specref within c eps of exact, the float64 reference within c eps64: (c + 1) eps
    assert_close(to_numpy(y), expected, rtol=(_c(d) + 1) * finfo_eps(dtype), reason="(c + 1) eps")  # above


@pytest.mark.parametrize("shape, axis", [((3, 5), -1), ((2, 3, 4), -1), ((6, 3), 0)])
def test_vjp_affine(shape, axis, xp):
    rng = np.random.default_rng(1)
    d = shape[axis]
    args = (_arr(xp, rng.standard_normal(shape)), _arr(xp, 1.0 + 0.5 * rng.standard_normal(d)),
            _arr(xp, rng.standard_normal(d)))
    check_vjp(layer_norm, layer_norm_vjp, args, kwargs={"axis": axis}, argnums=(0, 1, 2), rng=2,
              error_scale=_c(d)).raise_if_failed()


def test_vjp_without_affine_and_weight_only(xp):
    rng = np.random.default_rng(3)
    x = _arr(xp, rng.standard_normal((4, 6)))
    w = _arr(xp, 1.0 + 0.5 * rng.standard_normal(6))

    def f_plain(x):
        return layer_norm(x)

    def vjp_plain(dy, x, y):
        dx, dw, db = layer_norm_vjp(dy, x, None, None, y)
        assert dw is None and db is None
        return dx

    def vjp_weight_only(dy, x, w, y):
        dx, dw, db = layer_norm_vjp(dy, x, w, None, y)
        assert db is None
        return dx, dw

    check_vjp(f_plain, vjp_plain, (x,), rng=4, error_scale=_c(6)).raise_if_failed()
    check_vjp(lambda x, w: layer_norm(x, w), vjp_weight_only, (x, w), argnums=(0, 1), rng=5,
              error_scale=_c(6)).raise_if_failed()


def test_vjp_matches_dense_jacobian():
    # d x_hat_i / d x_j = r (delta_ij - 1/D - x_hat_i x_hat_j / D), built densely per row here
    rng = np.random.default_rng(6)
    x, w, b = rng.standard_normal((3, 5)), 1.0 + rng.standard_normal(5), rng.standard_normal(5)
    dy = rng.standard_normal((3, 5))
    y = layer_norm(x, w, b)
    dx, dw, db = layer_norm_vjp(dy, x, w, b, y)
    for row in range(3):
        mu = x[row].mean()
        r = 1.0 / np.sqrt(((x[row] - mu) ** 2).mean() + 1e-5)
        xh = (x[row] - mu) * r
        jac = r * (np.eye(5) - 1.0 / 5 - np.outer(xh, xh) / 5)  # d x_hat / d x
        expected = (dy[row] * w) @ jac
        # two evaluations of the same sums in different orders: a few (log2 D + 2) eps of max|dx|
        assert_close(dx[row], expected, rtol=32 * EPS64, reason="different summation orders")  # 32 eps
    assert_close(db, dy.sum(axis=0), rtol=4 * EPS64, reason="3-term sums")  # 3-term sum, two orders
    xh_all = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    assert_close(dw, (dy * xh_all).sum(axis=0), rtol=32 * EPS64, reason="x_hat (c eps) and 3-term sums")  # c


def test_float32_and_no_mutation(xp):
    rng = np.random.default_rng(7)
    x = _arr(xp, rng.standard_normal((3, 4)), "float32")
    w = _arr(xp, rng.standard_normal(4), "float32")
    b = _arr(xp, rng.standard_normal(4), "float32")
    y = layer_norm(x, w, b)
    dy = _arr(xp, rng.standard_normal((3, 4)), "float32")
    grads = layer_norm_vjp(dy, x, w, b, y)
    assert y.dtype == xp.float32 and all(g.dtype == xp.float32 for g in grads)
    check_no_mutation(layer_norm, x, w, b).raise_if_failed()
    check_no_mutation(layer_norm_vjp, dy, x, w, b, y).raise_if_failed()


def test_bad_inputs(xp):
    x = _arr(xp, np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 4\)"):
        layer_norm(x, _arr(xp, np.ones(3)))
    with pytest.raises(ValueError, match=r"bias has shape \(4, 1\)"):
        layer_norm(x, None, _arr(xp, np.ones((4, 1))))
    with pytest.raises(TypeError, match="real function"):
        layer_norm(xp.asarray(np.ones((2, 4), dtype=np.complex128)))
    with pytest.raises(TypeError, match="accepted"):
        layer_norm(xp.asarray(np.ones((2, 4), dtype=np.int64)))
    with pytest.raises(TypeError, match="precision"):
        layer_norm(x, _arr(xp, np.ones(4), "float32"))
    with pytest.raises(ValueError, match="out of range"):
        layer_norm(x, axis=2)
    with pytest.raises(ValueError, match="eps"):
        layer_norm(x, eps=-1.0)
    with pytest.raises(ValueError, match="eps"):
        layer_norm(x, eps=float("inf"))
    with pytest.raises(TypeError, match="eps"):
        layer_norm(x, eps="1e-5")
    with pytest.raises(TypeError, match="axis"):
        layer_norm(x, axis=1.0)
    with pytest.raises(TypeError, match="axis"):
        layer_norm_vjp(x, x, None, None, x, axis=True)
    with pytest.raises(ValueError, match="out of range"):
        layer_norm_vjp(x, x, None, None, x, axis=-3)
    # a NumPy integer is an integer (specref._args.normalize_axis)
    np.testing.assert_array_equal(to_numpy(layer_norm(x, axis=np.int64(0))), to_numpy(layer_norm(x, axis=0)))


def test_wrong_vjp_fails():
    def vjp_without_variance_term(dy, x, w, b, y, *, eps=1e-5, axis=-1):
        xc = x - x.mean(-1, keepdims=True)
        r = 1.0 / np.sqrt((xc**2).mean(-1, keepdims=True) + eps)
        g = dy * w
        return r * (g - g.mean(-1, keepdims=True)), (dy * xc * r).sum(0), dy.sum(0)  # no x_hat <g x_hat>

    rng = np.random.default_rng(8)
    args = (rng.standard_normal((3, 5)), 1.0 + rng.standard_normal(5), rng.standard_normal(5))
    result = check_vjp(layer_norm, vjp_without_variance_term, args, argnums=(0, 1, 2), rng=9)
    assert result.passed is False and result.max_error > 100 * result.bound
