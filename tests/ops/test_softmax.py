"""softmax: values against scipy.special.softmax on every axis, stability for huge logits, the VJP against
central differences, bad inputs, and a wrong VJP that must fail."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.special

from specref.backend import finfo_eps, to_numpy
from specref.ops.softmax import softmax, softmax_vjp
from specref.testing import assert_close, check_no_mutation, check_vjp

EPS64 = finfo_eps("float64")


def _arr(xp, host, dtype="float64"):
    return xp.asarray(np.asarray(host).astype(dtype), dtype=getattr(xp, dtype))


@pytest.mark.parametrize("shape, axis", [((4, 5), -1), ((2, 3, 4), 1), ((6, 3), 0), ((2, 3, 4), -3)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values_match_scipy(shape, axis, dtype, xp):
    host = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    y = softmax(_arr(xp, host, dtype), axis=axis)
    assert y.dtype == getattr(xp, dtype)
    # case claim c = 4 + log2 n (exp, pairwise sum of n positive terms, divide); scipy's float64 value of
    # the same input is within (4 + log2 n) eps64 of exact: 2 c eps covers both.
    c = 4.0 + math.log2(shape[axis])
    expected = scipy.special.softmax(host.astype(np.float64), axis=axis)
    assert_close(to_numpy(y), expected, rtol=2 * c * finfo_eps(dtype), reason="2 c eps")  # derived above


def test_sums_to_one_along_axis(xp):
    host = np.random.default_rng(1).standard_normal((3, 64))
    s = to_numpy(xp.sum(softmax(_arr(xp, host), axis=-1), axis=-1))
    # each y_i has relative error c eps (c = 4 + log2 64 = 10); summing them adds (1 + log2 64) eps: 17 eps
    np.testing.assert_allclose(s, 1.0, rtol=0, atol=17 * EPS64)  # (c + 1 + log2 n) eps, c = 10, n = 64


def test_huge_logits_are_stable(xp):
    host = np.array([[1000.0, 999.0, -1000.0], [-800.0, -801.0, -802.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # exp(1000) would overflow
        y = to_numpy(softmax(_arr(xp, host), axis=-1))
    expected = scipy.special.softmax(host - host.max(axis=-1, keepdims=True), axis=-1)
    assert_close(y, expected, rtol=12 * EPS64, reason="2 c eps, c = 4 + log2 3 < 6")  # 2 (4 + log2 3) eps
    assert np.all(np.isfinite(y))


@pytest.mark.parametrize("shape, axis", [((7,), 0), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1)])
def test_vjp_central_differences(shape, axis, xp):
    x = _arr(xp, np.random.default_rng(2).standard_normal(shape))
    check_vjp(softmax, softmax_vjp, (x,), kwargs={"axis": axis}, rng=3, error_scale=6.0).raise_if_failed()


def test_vjp_float32_and_no_mutation(xp):
    rng = np.random.default_rng(4)
    x = _arr(xp, rng.standard_normal((3, 5)), "float32")
    y = softmax(x, axis=0)
    dy = _arr(xp, rng.standard_normal((3, 5)), "float32")
    assert softmax_vjp(dy, x, y, axis=0).dtype == xp.float32
    check_vjp(softmax, softmax_vjp, (x,), kwargs={"axis": 0}, rng=5, error_scale=6.0).raise_if_failed()
    check_no_mutation(softmax, x, axis=0).raise_if_failed()
    check_no_mutation(softmax_vjp, dy, x, y, axis=0).raise_if_failed()


def test_bad_inputs(xp):
    with pytest.raises(TypeError, match="real function"):
        softmax(xp.asarray(np.array([1.0 + 1j, 2.0])))
    with pytest.raises(TypeError, match="accepted"):
        softmax(xp.asarray(np.array([1, 2])))
    with pytest.raises(ValueError, match="out of range"):
        softmax(_arr(xp, np.ones((2, 3))), axis=2)
    x = _arr(xp, np.ones((2, 3)))
    with pytest.raises(ValueError, match="out of range"):
        softmax_vjp(x, x, x, axis=-3)
    with pytest.raises(TypeError, match="axis"):
        softmax(x, axis=1.0)
    with pytest.raises(TypeError, match="axis"):
        softmax_vjp(x, x, x, axis=None)


def test_wrong_vjp_fails():
    def softmax_vjp_diagonal_only(dy, x, y, *, axis=-1):
        return y * dy  # drops the - sum(dy * y) term of the Jacobian

    x = np.random.default_rng(6).standard_normal((3, 5))
    result = check_vjp(softmax, softmax_vjp_diagonal_only, (x,), rng=7)
    assert result.passed is False and result.max_error > 100 * result.bound
