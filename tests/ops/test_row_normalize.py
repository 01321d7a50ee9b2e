"""normalize_rows_clamped / normalize_rows_shifted: values against torch's formulas written in NumPy, the zero row,
the clamp branch, VJPs by central differences (the registry cases run them on every backend too), no mutation,
bad input."""

from __future__ import annotations

import numpy as np
import pytest

from specref.backend import finfo_eps, to_numpy
from specref.ops.row_normalize import (
    normalize_rows_clamped,
    normalize_rows_clamped_vjp,
    normalize_rows_shifted,
    normalize_rows_shifted_vjp,
)
from specref.testing import assert_close, check_no_mutation, check_vjp

EPS64 = finfo_eps("float64")


def _arr(xp, host, dtype="float64"):
    return xp.asarray(np.asarray(host).astype(dtype), dtype=getattr(xp, dtype))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values(xp, dtype):
    x = np.random.default_rng(0).standard_normal((2, 3, 5))
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    # a 5-term norm (gamma_5, halved by the root), the clamp or shift, one division: 8 eps
    bound = 8 * finfo_eps(dtype)
    got = to_numpy(normalize_rows_clamped(_arr(xp, x, dtype)))
    assert_close(got, x / np.maximum(norms, 1e-12), rtol=bound, reason="5-term norm, division")  # see above
    got = to_numpy(normalize_rows_shifted(_arr(xp, x, dtype), eps=0.25))
    assert_close(got, x / (norms + 0.25), rtol=bound, reason="5-term norm, shift, division")  # see above
    rel_bound = 8 * EPS64  # unit rows: a 5-term sum of squares and the root
    assert_close(np.linalg.norm(to_numpy(normalize_rows_clamped(_arr(xp, x))), axis=-1), np.ones((2, 3)),
                 rtol=rel_bound, reason="unit rows")


def test_zero_row_and_clamp():
    x = np.array([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0], [3e-13, 4e-13, 0.0]])
    y = normalize_rows_clamped(x)
    np.testing.assert_array_equal(y[0], 0.0)
    np.testing.assert_array_equal(y[1], [0.6, 0.8, 0.0])
    np.testing.assert_array_equal(y[2], x[2] / 1e-12)  # below the clamp: x / eps
    dy = np.array([[1.0, 2.0, 3.0]] * 3)
    dx = normalize_rows_clamped_vjp(dy, x, y)
    np.testing.assert_array_equal(dx[0], dy[0] / 1e-12)  # the linear branch, also at 0
    np.testing.assert_array_equal(dx[2], dy[2] / 1e-12)
    z = normalize_rows_shifted(x)
    np.testing.assert_array_equal(z[0], 0.0)
    dz = normalize_rows_shifted_vjp(dy, x, z)
    np.testing.assert_array_equal(dz[0], dy[0] / 1e-8)  # the norm's subgradient 0 at the zero row
    assert np.all(np.isfinite(dz))


@pytest.mark.parametrize(
    "f, f_vjp, eps",
    [
        (normalize_rows_clamped, normalize_rows_clamped_vjp, 1e-12),
        (normalize_rows_clamped, normalize_rows_clamped_vjp, 5.0),
        (normalize_rows_shifted, normalize_rows_shifted_vjp, 1e-8),
        (normalize_rows_shifted, normalize_rows_shifted_vjp, 0.5),
    ],
    ids=["clamped", "clamped-below-eps", "shifted", "shifted-large-eps"],
)
def test_vjp(xp, f, f_vjp, eps):
    x = _arr(xp, np.random.default_rng(1).standard_normal((2, 3, 4)))
    # c = m + 3 with m = 4, the registry's claim
    check_vjp(f, f_vjp, (x,), kwargs={"eps": eps}, error_scale=7.0).raise_if_failed()
    y = f(x, eps=eps)
    check_no_mutation(f_vjp, _arr(xp, np.ones((2, 3, 4))), x, y, eps=eps).raise_if_failed()


def test_wrong_vjp_fails():
    x = np.random.default_rng(2).standard_normal((3, 4))

    def wrong(dy, x, y, *, eps):  # forgets the projection term
        return dy / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), eps)

    assert not check_vjp(normalize_rows_clamped, wrong, (x,), kwargs={"eps": 1e-12}).passed


def test_bad_input():
    with pytest.raises(TypeError):
        normalize_rows_clamped(np.ones((2, 3), dtype=np.int64))
    with pytest.raises(TypeError):
        normalize_rows_shifted(np.ones((2, 3), dtype=np.complex128))
