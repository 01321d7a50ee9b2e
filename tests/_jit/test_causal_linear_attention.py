"""The causal prefix scan: blocked array-API reference == Numba scan == CUDA kernel, to rounding.

Run three ways in CI (see tests/_jit/test_fwht.py): compiled, ``NUMBA_DISABLE_JIT=1`` (the scan as plain
Python: sizes stay small) and ``NUMBA_ENABLE_CUDASIM=1`` (the CUDA kernel in the simulator, tiny sizes).

The implementations sum in different orders (matmuls in blocks; a running state), so they agree to rounding,
not bit for bit. The inputs are positive, so every sum is of positive terms and each implementation is within
c eps of the exact value componentwise, c = 1.5 a + 1.5 N + 2 (a length-a dot, at most N accumulations of the
state); an exact reference (float64 sums of the float64-cast inputs, within c eps64) differs by at most
c (eps + eps64).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from specref._jit import causal_linear_attention as C
from specref.backend import finfo_eps, get_namespace, gpu_available, to_numpy

CUDASIM = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
STRICT = get_namespace("strict")
EPS64 = finfo_eps("float64")
# (batch, N, a, d): N = 1, odd and even N, more than one block of the reference (block 4 in the tests)
SHAPES = (((), 1, 2, 1), ((2,), 5, 3, 2), ((2, 3), 8, 4, 3), ((1,), 9, 2, 5))


def _draw(rng, batch, n, a, d, dtype):
    x = rng.uniform(0.5, 1.5, (*batch, n, a)).astype(dtype)
    u = rng.uniform(0.5, 1.5, (*batch, n, a)).astype(dtype)
    w = rng.uniform(0.5, 1.5, (*batch, n, d)).astype(dtype)
    return x, u, w


def _exact(x, u, w, reverse):
    """Quadratic form in float64: sum_{j <= i} (or j >= i) (x_i . u_j) w_j."""
    x, u, w = (np.asarray(t, dtype=np.float64) for t in (x, u, w))
    s = x @ np.swapaxes(u, -1, -2)
    s = np.triu(s) if reverse else np.tril(s)
    return s @ w


def _close(got, x, u, w, reverse, dtype):
    got = to_numpy(got)
    assert got.dtype == np.dtype(dtype)
    want = _exact(x, u, w, reverse)
    assert got.shape == want.shape
    n, a = x.shape[-2], x.shape[-1]
    c = 1.5 * a + 1.5 * n + 2.0  # module docstring: a length-a dot and N accumulations of positive terms
    assert np.all(np.abs(got - want) <= c * (finfo_eps(dtype) + EPS64) * want), np.max(np.abs(got - want) / want)


@pytest.fixture
def rng():
    return np.random.default_rng(20262)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_reference_and_numba_equal_the_quadratic_form(rng, shape, dtype, reverse):
    x, u, w = _draw(rng, *shape, dtype)
    _close(C.causal_prefix_reference(x, u, w, reverse=reverse, block=4), x, u, w, reverse, dtype)
    _close(C.causal_prefix_reference(x, u, w, reverse=reverse), x, u, w, reverse, dtype)
    _close(C.causal_prefix_numba(x, u, w, reverse=reverse), x, u, w, reverse, dtype)


def test_reference_on_array_api_strict(rng):
    x, u, w = _draw(rng, (2,), 9, 3, 2, "float64")
    y = C.causal_prefix_reference(*(STRICT.asarray(t) for t in (x, u, w)), block=4)
    assert type(y).__module__.startswith("array_api_strict")
    _close(y, x, u, w, False, "float64")


def test_numba_on_non_contiguous_input(rng):
    x, u, w = _draw(rng, (3,), 6, 4, 2, "float64")
    xt, ut = np.swapaxes(np.swapaxes(x, -1, -2).copy(), -1, -2), u[..., ::-1, :]  # strided views
    _close(C.causal_prefix_numba(xt, ut, w), x, u[..., ::-1, :], w, False, "float64")


def test_numba_does_not_mutate(rng):
    x, u, w = _draw(rng, (2,), 5, 3, 2, "float64")
    before = [t.copy() for t in (x, u, w)]
    C.causal_prefix_numba(x, u, w, reverse=True)
    assert all(np.array_equal(t, b) for t, b in zip((x, u, w), before, strict=True))


def test_dispatcher_picks_by_namespace(rng, monkeypatch):
    calls = []
    monkeypatch.setattr(C, "causal_prefix_numba", lambda *a, **k: calls.append("numba") or
                        C.causal_prefix_reference(*a, **k))
    x, u, w = _draw(rng, (2,), 4, 2, 2, "float32")
    C.causal_prefix(x, u, w)
    assert calls == ["numba"]
    y = C.causal_prefix(*(STRICT.asarray(t) for t in (x, u, w)), reverse=True)
    assert calls == ["numba"] and type(y).__module__.startswith("array_api_strict")
    _close(y, x, u, w, True, "float32")


def test_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="causal_prefix_numba"):
        C.causal_prefix_numba(np.ones((3, 2)), np.ones((3, 4)), np.ones((3, 1)))
    with pytest.raises(ValueError, match="causal_prefix_reference"):
        C.causal_prefix_reference(np.ones((3, 2)), np.ones((3, 2)), np.ones((4, 1)))


# ----------------------------------------------------------------------------------------------------------
# CUDA kernel: in the simulator on NumPy arrays, or on a GPU with CuPy arrays

needs_cuda = pytest.mark.skipif(
    not (CUDASIM or gpu_available()),
    reason="the CUDA kernel needs a GPU (CuPy with a device) or Numba's simulator: run with NUMBA_ENABLE_CUDASIM=1",
)
SIM_THREADS = 4  # several blocks per launch at tiny sizes: the block index arithmetic is exercised


def _cuda_input(t):
    if CUDASIM:
        return t
    import cupy

    return cupy.asarray(t)


@needs_cuda
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", SHAPES[:3], ids=str)
def test_cuda_equals_the_quadratic_form(rng, shape, dtype, reverse):
    x, u, w = _draw(rng, *shape, dtype)
    threads = SIM_THREADS if CUDASIM else C.CUDA_THREADS_PER_BLOCK
    y = C.causal_prefix_cuda(*(_cuda_input(t) for t in (x, u, w)), reverse=reverse, threads_per_block=threads)
    _close(y, x, u, w, reverse, dtype)


@needs_cuda
def test_cuda_does_not_mutate(rng):
    x, u, w = _draw(rng, (2,), 4, 2, 3, "float64")
    args = tuple(_cuda_input(t) for t in (x, u, w))
    C.causal_prefix_cuda(*args, threads_per_block=SIM_THREADS)
    assert all(np.array_equal(to_numpy(a), t) for a, t in zip(args, (x, u, w), strict=True))


@pytest.mark.gpu
@pytest.mark.skipif(CUDASIM or not gpu_available(), reason="needs CuPy with a CUDA device (not the simulator)")
def test_dispatcher_on_cupy_equals_numba(rng):
    import cupy

    x, u, w = _draw(rng, (8,), 256, 16, 8, "float64")
    y = C.causal_prefix(*(cupy.asarray(t) for t in (x, u, w)))
    assert isinstance(y, cupy.ndarray)
    _close(y, x, u, w, False, "float64")
