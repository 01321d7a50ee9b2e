"""specref.ops._common: the gradient convention's conjugate and real restriction, the real-input and
one-precision checks, and the host-to-backend move of the verification cases."""

from __future__ import annotations

import numpy as np
import pytest

from specref.backend import check_same_precision, dtype_name, from_host, to_numpy
from specref.ops._common import conj_if_complex, gradient_for, require_real


def _arr(xp, host, dtype="float64"):
    return xp.asarray(np.asarray(host).astype(dtype), dtype=getattr(xp, dtype))


def test_conj_if_complex(xp):
    z = _arr(xp, [1.0 + 2.0j, -3.0 - 0.5j], "complex128")
    np.testing.assert_array_equal(to_numpy(conj_if_complex(xp, z)), [1.0 - 2.0j, -3.0 + 0.5j])
    r = _arr(xp, [1.0, -2.0])
    assert conj_if_complex(xp, r) is r  # the identity on real arrays, no copy


def test_gradient_for_restricts_to_the_real_directions(xp):
    g = _arr(xp, [1.0 + 2.0j, -3.0 - 0.5j], "complex128")
    real_x, complex_x = _arr(xp, [0.0, 0.0]), _arr(xp, [0.0, 0.0], "complex128")
    out = gradient_for(xp, g, real_x)
    assert dtype_name(out.dtype) == "float64"
    np.testing.assert_array_equal(to_numpy(out), [1.0, -3.0])
    assert gradient_for(xp, g, complex_x) is g
    assert gradient_for(xp, real_x, real_x) is real_x


def test_require_real(xp):
    assert dtype_name(require_real(_arr(xp, [1.0], "float32"), "op")) == "float32"
    with pytest.raises(TypeError, match="op is a real function: w has dtype complex128"):
        require_real(_arr(xp, [1.0], "complex128"), "op", name="w")
    with pytest.raises(TypeError, match="accepted"):
        require_real(xp.asarray(np.array([1, 2])), "op")


def test_check_same_precision_skips_absent_arrays_and_their_names(xp):
    a, b = _arr(xp, [1.0]), _arr(xp, [1.0], "complex128")
    names = ("x", "weight", "bias")
    check_same_precision(a, b, None, names=names)  # float64 with complex128: one precision
    with pytest.raises(TypeError, match=r"x: float64, bias: float32"):
        check_same_precision(a, None, _arr(xp, [1.0], "float32"), names=names)
    with pytest.raises(TypeError, match="weight has dtype int64"):
        check_same_precision(a, xp.asarray(np.array([1])), None, names=names)


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_from_host_casts_once_and_moves(dtype, xp):
    host = np.random.default_rng(0).standard_normal(5) * (1 + 1j if dtype.startswith("complex") else 1)
    out = from_host(host, xp, dtype)
    assert out.dtype == getattr(xp, dtype)
    np.testing.assert_array_equal(to_numpy(out), host.astype(dtype))
