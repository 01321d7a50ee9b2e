"""_jit.gelu: the Numba loop against the array-API reference (also under NUMBA_DISABLE_JIT=1 in CI), the
dispatcher's choice, the parallel and serial loops bit for bit."""

import numpy as np
import pytest

from specref._jit import gelu as g

# The gelu case's claim c = 8 (erfc within a few ulp, the scaled argument, two products): both versions are
# within c eps of the exact values normwise, so they are within 2 c eps of each other.
BOUND = {np.float64: 2 * 8 * np.finfo(np.float64).eps, np.float32: 2 * 8 * np.finfo(np.float32).eps}


def _normwise(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("size", [7, g.JIT_MIN_SIZE, g.PARALLEL_MIN_SIZE + 3])
def test_numba_matches_the_reference(dtype, size):
    rng = np.random.default_rng(size)
    x = (3.0 * rng.standard_normal(size)).astype(dtype)
    x[:4] = [0.0, 1e-7, -40.0, 8.0]
    y_ref = g.gelu_reference(x)
    y = g.gelu_numba(x)
    assert y.dtype == dtype and _normwise(y, y_ref) <= BOUND[dtype]
    dy = rng.standard_normal(size).astype(dtype)
    assert _normwise(g.gelu_vjp_numba(dy, x, y), g.gelu_vjp_reference(dy, x, y_ref)) <= BOUND[dtype]


def test_threads_do_not_change_the_result():
    x = np.random.default_rng(0).standard_normal(g.PARALLEL_MIN_SIZE + 5)
    out_serial, out_parallel = np.empty_like(x), np.empty_like(x)
    g._gelu_serial(x, out_serial)
    g._gelu_parallel(x, out_parallel)
    assert np.array_equal(out_serial, out_parallel)


def test_dispatch_and_layouts():
    x = np.random.default_rng(1).standard_normal((64, 128))
    assert np.array_equal(g.gelu_exact(x), g.gelu_numba(x))  # >= JIT_MIN_SIZE: the loop
    small = x[:2, :3]
    assert np.array_equal(g.gelu_exact(small), g.gelu_reference(small))
    strided = x[:, ::2]  # not contiguous, and big-endian: copied to a native contiguous array first
    assert np.array_equal(g.gelu_numba(strided), g.gelu_numba(np.ascontiguousarray(strided)))
    assert np.array_equal(g.gelu_numba(x.astype(">f8")), g.gelu_numba(x))
