"""conv2d: values against a direct sum over the kernel offsets (torch's cross-correlation), kernel sizes 1x1 to
5x5 and odd spatial sizes, padding int and pair, any batch shape, float32; bad inputs; no mutation; the error
scale's premise; a wrong VJP (kernel not flipped) that must fail. The VJP and the dot-product test run on the
registry's grid (tests iterate CASES)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.backend import finfo_eps, to_numpy
from specref.ops.conv import CASES, _conv2d_error_scale, _correlate, _pad, _ref_conv2d, conv2d, conv2d_vjp
from specref.testing import assert_close, check_no_mutation, check_vjp
from specref.testing.runner import case_rng


def _arr(xp, host, dtype="float64"):
    return xp.asarray(np.asarray(host).astype(dtype), dtype=getattr(xp, dtype))


def _draw(rng, batch, c_in, c_out, size, kernel):
    k = c_in * kernel[0] * kernel[1]
    return (rng.standard_normal((*batch, c_in, *size)), rng.standard_normal((c_out, c_in, *kernel)) / math.sqrt(k),
            rng.standard_normal(c_out))


@pytest.mark.parametrize("batch, c_in, c_out, size, kernel, padding", [
    ((2,), 3, 4, (5, 6), (3, 3), 1),  # spectrans's 3x3, same size
    ((), 2, 3, (7, 5), (1, 1), 0),  # 1x1: a per-pixel linear map
    ((2, 1), 2, 2, (7, 9), (5, 5), (2, 1)),  # 5x5, a padding pair, odd sizes
    ((1,), 1, 2, (5, 3), (2, 3), (0, 1)),  # even x odd kernel
    ((1,), 2, 1, (9, 8), (7, 7), 3),  # 7x7
])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("with_bias", [True, False])
def test_values_match_direct_sum(batch, c_in, c_out, size, kernel, padding, dtype, with_bias, xp):
    x, w, b = _draw(np.random.default_rng(0), batch, c_in, c_out, size, kernel)
    b = b if with_bias else None
    y = conv2d(_arr(xp, x, dtype), _arr(xp, w, dtype), None if b is None else _arr(xp, b, dtype), padding=padding)
    assert y.dtype == getattr(xp, dtype)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    assert tuple(y.shape) == (*batch, c_out, size[0] + 2 * ph - kernel[0] + 1, size[1] + 2 * pw - kernel[1] + 1)
    c = _conv2d_error_scale({"c_in": c_in, "kernel": kernel})
    # specref within c eps of exact, the float64 reference within c eps64: (c + 1) eps
    assert_close(to_numpy(y), _ref_conv2d(x, w, b, padding), rtol=(c + 1) * finfo_eps(dtype),  # (c + 1) eps
                 reason="(c + 1) eps")


def test_one_by_one_kernel_is_a_channel_matmul():
    x, w, b = _draw(np.random.default_rng(1), (2,), 3, 4, (5, 7), (1, 1))
    expected = np.einsum("oc,nchw->nohw", w[:, :, 0, 0], x) + b[:, None, None]
    assert_close(conv2d(x, w, b), expected, rtol=8 * finfo_eps("float64"), reason="3-term dots")  # c = 5.8, + 1


def test_padding_int_equals_pair_and_unbatched_input():
    x, w, b = _draw(np.random.default_rng(2), (), 2, 3, (5, 5), (3, 3))
    np.testing.assert_array_equal(conv2d(x, w, b, padding=1), conv2d(x, w, b, padding=(1, 1)))
    np.testing.assert_array_equal(conv2d(x, w, b, padding=1), conv2d(x[None], w, b, padding=[1, 1])[0])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_vjp_shapes_dtypes_and_no_bias(dtype, xp):
    x, w, b = _draw(np.random.default_rng(3), (2,), 2, 3, (5, 4), (3, 2))
    x, w, b = _arr(xp, x, dtype), _arr(xp, w, dtype), _arr(xp, b, dtype)
    for bias in (b, None):
        y = conv2d(x, w, bias, padding=(1, 0))
        dy = _arr(xp, np.random.default_rng(4).standard_normal(tuple(y.shape)), dtype)
        dx, dw, db = conv2d_vjp(dy, x, w, bias, y, padding=(1, 0))
        assert tuple(dx.shape) == tuple(x.shape) and tuple(dw.shape) == tuple(w.shape)
        assert dx.dtype == dw.dtype == getattr(xp, dtype)
        assert (db is None) == (bias is None)
        if bias is not None:
            assert tuple(db.shape) == (3,) and db.dtype == getattr(xp, dtype)


def test_padding_larger_than_kernel_vjp():
    # padding 3 > kh - 1 = 1: the full correlation is cropped to the interior (the gradient of real inputs)
    rng = np.random.default_rng(5)
    x, w, b = _draw(rng, (1,), 2, 2, (4, 3), (2, 2))
    check_vjp(conv2d, conv2d_vjp, (x, w, b), kwargs={"padding": 3}, argnums=(0, 1, 2), rng=6,
              error_scale=_conv2d_error_scale({"c_in": 2, "kernel": (2, 2)})).raise_if_failed()


def test_no_mutation(xp):
    x, w, b = (_arr(xp, a) for a in _draw(np.random.default_rng(7), (2,), 2, 3, (5, 5), (3, 3)))
    y = conv2d(x, w, b, padding=1)
    dy = _arr(xp, np.random.default_rng(8).standard_normal(tuple(y.shape)))
    check_no_mutation(conv2d, x, w, b, padding=1).raise_if_failed()
    check_no_mutation(conv2d_vjp, dy, x, w, b, y, padding=1).raise_if_failed()


def test_bad_inputs(xp):
    x = _arr(xp, np.ones((2, 3, 5, 5)))
    w = _arr(xp, np.ones((4, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"C_in = 3"):
        conv2d(_arr(xp, np.ones((2, 2, 5, 5))), w)
    with pytest.raises(ValueError, match=r"C_in = 3"):
        conv2d(_arr(xp, np.ones((3, 5))), w)
    with pytest.raises(ValueError, match=r"\(C_out, C_in, kh, kw\)"):
        conv2d(x, _arr(xp, np.ones((4, 3, 3))))
    with pytest.raises(ValueError, match=r"bias has shape \(3,\).*\(4,\)"):
        conv2d(x, w, _arr(xp, np.ones(3)))
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv2d(x, _arr(xp, np.ones((4, 3, 7, 3))), padding=(0, 1))
    with pytest.raises(ValueError, match=">= 0"):
        conv2d(x, w, padding=-1)
    with pytest.raises(ValueError, match="pair"):
        conv2d(x, w, padding=(1, 1, 1))
    with pytest.raises(TypeError, match="padding"):
        conv2d(x, w, padding=1.0)
    with pytest.raises(TypeError, match="padding"):
        conv2d(x, w, padding="same")
    with pytest.raises(TypeError, match="real function"):
        conv2d(xp.asarray(np.ones((2, 3, 5, 5), dtype=np.complex128)), w)
    with pytest.raises(TypeError, match="accepted"):
        conv2d(xp.asarray(np.ones((2, 3, 5, 5), dtype=np.int64)), w)
    with pytest.raises(TypeError, match="precision"):
        conv2d(x, _arr(xp, np.ones((4, 3, 3, 3)), "float32"))
    y = conv2d(x, w, padding=1)
    with pytest.raises(ValueError, match="cotangent"):
        conv2d_vjp(_arr(xp, np.ones((2, 4, 3, 3))), x, w, None, y, padding=1)
    with pytest.raises(ValueError, match="forward's output"):  # no y given: checked against the geometry
        conv2d_vjp(_arr(xp, np.ones((2, 4, 3, 3))), x, w, None, None, padding=1)
    with pytest.raises(TypeError, match="precision"):
        conv2d_vjp(_arr(xp, np.ones((2, 4, 5, 5)), "float32"), x, w, None, y, padding=1)


def test_error_scale_premise():
    """The case's c = K rho / 2 + 2 assumes max(sum |W||x~| + |b|) <= rho max|y|, rho = 2 + sqrt(K) / 2, for
    the case's draws."""
    (case,) = CASES
    for seed in range(3):
        for point, params in enumerate(case.points(full=True)):
            for dtype in case.dtypes:
                inputs = case.make(case_rng(case.name, point, dtype, seed), np, "float64", **params)
                x, w, b = inputs.args
                y = conv2d(x, w, b, **inputs.kwargs)
                s = conv2d(np.abs(x), np.abs(w), None if b is None else np.abs(b), **inputs.kwargs)
                k = params["c_in"] * params["kernel"][0] * params["kernel"][1]
                assert np.max(s) <= (2.0 + 0.5 * math.sqrt(k)) * np.max(np.abs(y)), (params, seed)


def test_wrong_vjp_fails():
    def vjp_unflipped(dy, x, w, b, y, *, padding=0):
        # the full correlation with the kernel NOT flipped: wrong for any kernel that is not symmetric
        kh, kw = w.shape[-2:]
        dx_pad = _correlate(np, _pad(np, dy, kh - 1, kw - 1), np.transpose(w, (1, 0, 2, 3)))
        return dx_pad[..., padding:padding + x.shape[-2], padding:padding + x.shape[-1]]

    x, w, _ = _draw(np.random.default_rng(9), (1,), 2, 2, (5, 5), (3, 3))
    result = check_vjp(lambda x, w: conv2d(x, w, padding=1), lambda dy, x, w, y: vjp_unflipped(dy, x, w, None, y,
                                                                                               padding=1),
                       (x, w), argnums=(0,), rng=10)
    assert result.passed is False and result.max_error > 100 * result.bound
