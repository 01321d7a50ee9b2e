"""Elementwise primitives: values against independent NumPy/SciPy formulas, VJPs against central differences,
bad inputs, dtypes, kinks, the erf limit on array-api-strict, and wrong VJPs that must fail."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import scipy.special

from specref.backend import backend_name, finfo_eps, to_numpy
from specref.ops.elementwise import (
    CASES,
    exp,
    exp_vjp,
    gelu,
    gelu_vjp,
    relu,
    relu_vjp,
    sigmoid,
    sigmoid_vjp,
    silu,
    silu_vjp,
    softshrink,
    softshrink_vjp,
    tanh,
    tanh_vjp,
)
from specref.testing import assert_close, check_no_mutation, check_vjp

EPS32 = finfo_eps("float32")
EPS64 = finfo_eps("float64")


def _arr(xp, host, dtype):
    return xp.asarray(np.asarray(host).astype(dtype), dtype=getattr(xp, dtype))


def _away(rng, shape, kinks=(0.0,), gap=0.1, scale=1.0):
    """N(0, scale^2) draws at least ``gap`` from every kink (central differences step <= 2h ~ 0.04)."""
    x = scale * rng.standard_normal(shape)
    for k in kinks:
        near = np.abs(x - k) < gap
        x[near] = k + np.where(x[near] >= k, gap, -gap) * (1 + rng.random(int(near.sum())))
    return x


def _gelu_exact_ref(x):
    return 0.5 * x * (1.0 + scipy.special.erf(x / math.sqrt(2.0)))


def _gelu_tanh_ref(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def _softshrink_ref(x, lambd=0.5):
    return np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0.0))


# (name, forward, vjp, kwargs, float64 reference, error scale c of the case, real-only, kinks)
OPS = [
    ("exp", exp, exp_vjp, {}, np.exp, 8.0, False, ()),
    ("sigmoid", sigmoid, sigmoid_vjp, {}, scipy.special.expit, 8.0, True, ()),
    ("tanh", tanh, tanh_vjp, {}, np.tanh, 8.0, True, ()),
    ("relu", relu, relu_vjp, {}, lambda x: np.maximum(x, 0.0), 1.0, True, (0.0,)),
    ("gelu", gelu, gelu_vjp, {}, _gelu_exact_ref, 8.0, True, ()),
    ("gelu_tanh", gelu, gelu_vjp, {"approximate": "tanh"}, _gelu_tanh_ref, 8.0, True, ()),
    ("softshrink", softshrink, softshrink_vjp, {"lambd": 0.5}, _softshrink_ref, 1.0, True, (0.5, -0.5)),
]
IDS = [o[0] for o in OPS]


def _skip_erf(name, xp):
    if name == "gelu" and backend_name(xp) == "strict":
        pytest.skip("exact gelu needs erf, absent from the array API standard (tested to raise below)")


@pytest.mark.parametrize("op", OPS, ids=IDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values_match_reference(op, dtype, xp):
    name, f, _, kw, ref, c, _, _ = op
    _skip_erf(name, xp)
    rng = np.random.default_rng(1)
    host = (3.0 * rng.standard_normal((5, 7))).astype(dtype)  # values in ~[-10, 10]
    y = f(_arr(xp, host, dtype), **kw)
    expected = ref(host.astype(np.float64))
    # specref within c eps of the exact value, the float64 reference within a few eps64 of it (its 1 + erf
    # cancels for negative x, but only where the entry is negligible normwise): 2 c eps covers both.
    assert_close(to_numpy(y), expected, rtol=2 * c * finfo_eps(dtype), reason="2 c eps")  # 2 c eps, see above


def test_exp_complex_values(xp):
    rng = np.random.default_rng(2)
    host = rng.standard_normal((4, 3)) + 1j * rng.standard_normal((4, 3))
    y = exp(_arr(xp, host, "complex128"))
    assert_close(to_numpy(y), np.exp(host), rtol=16 * EPS64, reason="2 c eps, c = 8")  # two c eps, c = 8


@pytest.mark.parametrize("op", OPS, ids=IDS)
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 2)])
def test_vjp_central_differences(op, shape, xp):
    name, f, f_vjp, kw, _, c, _, kinks = op
    _skip_erf(name, xp)
    rng = np.random.default_rng(3)
    x = _arr(xp, _away(rng, shape, kinks=kinks), "float64")  # off the kinks, where the VJP is a derivative
    check_vjp(f, f_vjp, (x,), kwargs=kw, rng=4, error_scale=c).raise_if_failed()


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_vjp_float32(op, xp):
    name, f, f_vjp, kw, _, c, _, kinks = op
    _skip_erf(name, xp)
    rng = np.random.default_rng(5)
    x = _arr(xp, _away(rng, (4, 5), kinks=kinks), "float32")
    y = f(x, **kw)
    dx = f_vjp(_arr(xp, rng.standard_normal((4, 5)), "float32"), x, y, **kw)
    assert y.dtype == xp.float32 and dx.dtype == xp.float32
    check_vjp(f, f_vjp, (x,), kwargs=kw, rng=6, error_scale=c).raise_if_failed()


def test_exp_vjp_complex(xp):
    rng = np.random.default_rng(7)
    x = _arr(xp, rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4)), "complex128")
    check_vjp(exp, exp_vjp, (x,), rng=8).raise_if_failed()


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_no_mutation(op, xp):
    name, f, f_vjp, kw, _, _, _, kinks = op
    _skip_erf(name, xp)
    rng = np.random.default_rng(9)
    x = _arr(xp, _away(rng, (3, 4), kinks=kinks), "float64")
    dy = _arr(xp, rng.standard_normal((3, 4)), "float64")
    check_no_mutation(f, x, **kw).raise_if_failed()
    check_no_mutation(f_vjp, dy, x, f(x, **kw), **kw).raise_if_failed()


@pytest.mark.parametrize("op", OPS, ids=IDS)
@pytest.mark.parametrize("bad", ["int64", "bool"])
def test_int_and_bool_input_raise(op, bad, xp):
    name, f, _, kw, *_ = op
    x = xp.asarray(np.array([1, 0, 2]).astype(bad))
    with pytest.raises(TypeError, match="accepted"):
        f(x, **kw)


@pytest.mark.parametrize("op", [o for o in OPS if o[6]], ids=[o[0] for o in OPS if o[6]])
def test_real_only_refuse_complex(op, xp):
    name, f, _, kw, *_ = op
    x = xp.asarray(np.array([1.0 + 1.0j, -2.0]))
    with pytest.raises(TypeError, match="real function"):
        f(x, **kw)


def test_gelu_exact_on_strict_raises_with_reason():
    import array_api_strict as xps

    x = xps.asarray([0.5, -1.0], dtype=xps.float64)
    with pytest.raises(NotImplementedError, match="erf.*array API standard"):
        gelu(x)
    # the VJP reads Phi(x) = y / x off the forward's output: no erf needed, so it runs on strict too
    host = np.array([0.5, -1.0])
    y = gelu(host)
    got = gelu_vjp(x, x, xps.asarray(y))
    assert np.array_equal(np.asarray(got), gelu_vjp(host, host, y))
    case = next(c for c in CASES if c.name == "gelu")
    assert "erf" in case.backend_limits["strict"]
    gelu(x, approximate="tanh")  # the tanh form runs on strict


def test_gelu_bad_approximate_and_softshrink_bad_lambd(xp):
    x = xp.asarray(np.array([0.5, -1.0]))
    with pytest.raises(ValueError, match="approximate"):
        gelu(x, approximate="erf")
    with pytest.raises(ValueError, match="lambd"):
        softshrink(x, lambd=-0.1)
    # specref._args.check_nonnegative_float: a finite number >= 0 (torch accepts inf; specref refuses it)
    for bad in (float("inf"), float("nan")):
        with pytest.raises(ValueError, match="lambd"):
            softshrink(x, lambd=bad)
        with pytest.raises(ValueError, match="lambd"):
            softshrink_vjp(x, x, x, lambd=bad)
    for bad in ("0.5", None, True):
        with pytest.raises(TypeError, match="lambd"):
            softshrink(x, lambd=bad)


def test_gelu_exact_is_accurate_for_negative_x():
    # Phi via erfc keeps elementwise relative accuracy where 1 + erf(x/sqrt 2) would cancel (x << 0).
    x = -np.linspace(0.5, 6.0, 23)
    y = gelu(x)
    with mpmath.workdps(40):
        exact = np.array([float(mpmath.mpf(v) * mpmath.ncdf(mpmath.mpf(v))) for v in x])
    # erfc's argument t = -x/sqrt 2 is rounded (relative u = eps/2); erfc's condition number is ~2 t^2, so
    # the result carries t^2 eps from it, plus ~8 eps for erfc, the scaling and the product: t <= 4.25.
    t_max = 6.0 / math.sqrt(2.0)
    np.testing.assert_allclose(y, exact, rtol=(t_max**2 + 8.0) * EPS64, atol=0)  # (t^2 + 8) eps elementwise


def test_sigmoid_no_overflow_at_extremes():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # exp(1000) would overflow with a RuntimeWarning
        y = sigmoid(x)
    assert y[0] == 0.0 and y[-1] == 1.0 and y[2] == 0.5
    assert_close(y, scipy.special.expit(x), rtol=4 * EPS64, reason="exp(-50) within a few ulp")  # few ulp


def test_relu_vjp_at_zero_is_zero(xp):
    x = xp.asarray(np.array([-1.0, 0.0, 2.0]))
    dy = xp.asarray(np.array([3.0, 5.0, 7.0]))
    np.testing.assert_array_equal(to_numpy(relu_vjp(dy, x, relu(x))), [0.0, 0.0, 7.0])


def test_softshrink_vjp_at_kinks_is_zero(xp):
    x = xp.asarray(np.array([-0.5, 0.5, 0.0, 0.7, -0.7]))
    dy = xp.asarray(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    np.testing.assert_array_equal(to_numpy(softshrink_vjp(dy, x, softshrink(x))), [0.0, 0.0, 0.0, 4.0, 5.0])


def test_nan_propagates_through_relu_and_softshrink():
    x = np.array([np.nan, 1.0])
    assert np.isnan(relu(x)[0]) and np.isnan(softshrink(x)[0])


# ----------------------------------------------------------------------------------------------------------
# deliberately wrong VJPs must fail the check


def _sigmoid_vjp_missing_factor(dy, x, y):
    return dy * y  # drops the (1 - y) factor


def _gelu_vjp_missing_density_term(dy, x, y, *, approximate="none"):
    return dy * 0.5 * (1.0 + scipy.special.erf(x / math.sqrt(2.0)))  # drops x phi(x)


def _exp_vjp_without_conj(dy, x, y):
    return dy * y  # holomorphic map, but the convention needs conj(f')


@pytest.mark.parametrize(
    "f, wrong, dtype",
    [
        (sigmoid, _sigmoid_vjp_missing_factor, "float64"),
        (gelu, _gelu_vjp_missing_density_term, "float64"),
        (exp, _exp_vjp_without_conj, "complex128"),
    ],
    ids=["sigmoid_missing_1_minus_y", "gelu_missing_x_phi", "exp_without_conj"],
)
def test_wrong_vjp_fails(f, wrong, dtype):
    rng = np.random.default_rng(10)
    host = rng.standard_normal((4, 5))
    if dtype == "complex128":
        host = host + 1j * rng.standard_normal((4, 5))
    result = check_vjp(f, wrong, (host.astype(dtype),), rng=11)
    assert result.passed is False
    assert result.max_error > 100 * result.bound  # an O(1) error against a ~1e-10 bound


# ----------------------------------------------------------------------------------------------------------
# silu (moved from tests/layers/mixing/test_afno.py with the function)


def test_silu_and_its_vjp():
    x = np.random.default_rng(0).standard_normal((3, 4)) * 3
    assert_close(silu(x), x / (1 + np.exp(-x)), rtol=4 * finfo_eps("float64"))  # a few roundings per entry
    check_vjp(silu, silu_vjp, (x,), rng=1).raise_if_failed()


# ----------------------------------------------------------------------------------------------------------
# the premise of the exp and sigmoid cases' error scale 8 (specref/ops/elementwise.py)


@pytest.mark.parametrize("dtype, wide, span", [("float32", np.float64, 80.0), ("float64", np.longdouble, 700.0)])
def test_libm_premise_of_the_exp_error_scale(dtype, wide, span):
    # exp, cos and sin within 4 ulp = 2 eps of the value rounded from a wider type, over 2^16 points of
    # [-span, span]. Then exp (2 eps) and sigmoid (exp 2 eps, an add and a divide 0.5 eps each, condition <= 1)
    # and complex exp (exp, cos or sin, 2 eps each, and a real-complex product, 0.5 eps) stay within c = 8 eps.
    if np.finfo(wide).eps >= finfo_eps(dtype):
        pytest.skip(f"no wider type than {dtype} here (numpy.longdouble is float64)")
    x = np.linspace(-span, span, 2**16, dtype=dtype)
    for f in (np.exp, np.cos, np.sin):
        exact = f(x.astype(wide))
        ulp = np.spacing(exact.astype(dtype)).astype(wide)
        assert np.max(np.abs(f(x).astype(wide) - exact) / ulp) <= 4.0, f.__name__
