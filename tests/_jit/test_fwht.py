"""The FWHT's three implementations agree bit for bit: array-API reference == Numba == CUDA kernel.

Run three ways in CI (docs/design.md, CI):

* ``pytest tests/_jit``: Numba compiled; the CUDA tests skip unless a GPU is present;
* ``NUMBA_DISABLE_JIT=1 pytest tests/_jit``: the Numba functions run as plain Python (coverage of the loop);
* ``NUMBA_ENABLE_CUDASIM=1 pytest tests/_jit``: the numba.cuda kernel runs in Numba's CUDA simulator on NumPy
  arrays, so its indexing is tested on a CPU.

Exact equality is the right test, not a tolerance: all three apply the same stages (h = 1, 2, 4, ...) with
the same additions, and an IEEE sum or difference is correctly rounded, so their results are identical.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.linalg

from specref._jit import fwht as F
from specref.backend import gpu_available, to_numpy

CUDASIM = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
JIT_DISABLED = os.environ.get("NUMBA_DISABLE_JIT") == "1"
DTYPES = ("float64", "float32", "complex128", "complex64")
# (batch shape, n): n = 1 (H_1 = [1]), 2, odd and even log2 n (the Numba loop ends with a radix-2 stage when
# log2 n is odd), a batch with a zero-length axis, leading batch dims.
SHAPES = ((1,), (2,), (4,), (8,), (3, 16), (2, 3, 32), (5, 64), (0, 4), (2, 1))


def _draw(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if dtype.startswith("complex"):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _same(a, b):
    """Bitwise equal values (NaN-free inputs here), the same dtype and shape."""
    a, b = to_numpy(a), to_numpy(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a, b), f"max difference {np.max(np.abs(a - b)) if a.size else 0}"


@pytest.fixture
def rng():
    return np.random.default_rng(20260)


# ----------------------------------------------------------------------------------------------------------
# the reference is the Sylvester matrix


@pytest.mark.parametrize("n", (1, 2, 4, 8, 16, 32, 64))
def test_reference_of_the_identity_is_scipy_hadamard(n):
    eye = np.eye(n)
    # Row k of fwht(I) is H e_k = column k of H; H is symmetric, and every entry is a sum of one +-1 and zeros:
    # exact.
    _same(F.fwht_reference(eye), scipy.linalg.hadamard(n).astype(np.float64))


@pytest.mark.parametrize("n", (1, 2, 8, 64))
def test_reference_twice_is_n_times_identity(rng, n):
    x = rng.integers(-1000, 1000, size=(3, n)).astype(np.float64)
    # integers below 2^53 / n^2 in magnitude: every partial sum is an exact integer, so H H x = n x exactly
    _same(F.fwht_reference(F.fwht_reference(x)), n * x)


# ----------------------------------------------------------------------------------------------------------
# Numba == reference


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_numba_equals_reference(rng, dtype, shape):
    x = _draw(rng, shape, dtype)
    _same(F.fwht_numba(x), F.fwht_reference(x))


@pytest.mark.parametrize("dtype", ("float64", "complex64"))
def test_numba_parallel_path_equals_reference(rng, dtype):
    # enough entries to take the parallel (prange over rows) driver
    x = _draw(rng, (8, F.PARALLEL_MIN_SIZE // 8), dtype)
    _same(F.fwht_numba(x), F.fwht_reference(x))


@pytest.mark.parametrize("dtype", ("float64", "complex128"))
def test_numba_on_non_contiguous_input(rng, dtype):
    base = _draw(rng, (16, 6, 8), dtype)
    # strided views: sliced and transposed (3, 8, 16), moved (6, 8, 16), reversed and sliced (16, 8)
    for x in (base[:, ::2, :].transpose(1, 2, 0), np.moveaxis(base, 0, -1), base[..., ::-1, :][:, 1]):
        _same(F.fwht_numba(x), F.fwht_reference(np.ascontiguousarray(x)))


def test_numba_non_native_byte_order(rng):
    x = rng.standard_normal((2, 8))
    swapped = x.astype(x.dtype.newbyteorder(">" if sys.byteorder == "little" else "<"))
    y = F.fwht_numba(swapped)
    _same(y, F.fwht_reference(x))


@pytest.mark.parametrize("dtype", DTYPES)
def test_numba_does_not_mutate_and_returns_a_new_array(rng, dtype):
    x = _draw(rng, (3, 8), dtype)
    before = x.copy()
    y = F.fwht_numba(x)
    assert np.array_equal(x, before)
    assert not np.shares_memory(x, y)


def test_complex_transform_is_real_and_imaginary_parts(rng):
    x = _draw(rng, (4, 32), "complex128")
    y = F.fwht_numba(x)
    _same(y.real, F.fwht_numba(np.ascontiguousarray(x.real)))
    _same(y.imag, F.fwht_numba(np.ascontiguousarray(x.imag)))


def test_signed_zeros_and_infinities_pass_through_exactly():
    x = np.empty((2, 2), dtype=np.complex128)
    x.real = [[-0.0, -0.0], [np.inf, 0.0]]  # assigned, not x_re + 1j * x_im, which would turn -0.0 into +0.0
    x.imag = [[0.0, -0.0], [-0.0, 1.0]]
    y = F.fwht_numba(x)
    # (-0) + (-0) = -0 and (-0) - (-0) = +0 in the real parts; the complex output is assembled by copies
    assert np.signbit(y.real[0, 0]) and not np.signbit(y.real[0, 1])
    _same(y, F.fwht_reference(x))


# ----------------------------------------------------------------------------------------------------------
# the dispatcher


@pytest.mark.parametrize("axis", (0, 1, -1, -3))
def test_dispatcher_any_axis(rng, axis):
    x = _draw(rng, (4, 8, 2), "float64")
    moved = np.moveaxis(x, axis, -1)
    expected = np.moveaxis(F.fwht_reference(moved), -1, axis)
    _same(F.fwht(x, axis=axis), expected)


def test_dispatcher_picks_by_namespace(rng, monkeypatch):
    import array_api_strict as strict

    calls = []
    monkeypatch.setattr(F, "fwht_numba", lambda x: calls.append("numba") or F.fwht_reference(x))
    x = _draw(rng, (2, 8), "float32")
    F.fwht(x)
    assert calls == ["numba"]
    y = F.fwht(strict.asarray(x))  # array-api-strict: the reference
    assert calls == ["numba"]
    assert type(y).__module__.startswith("array_api_strict")
    _same(y, F.fwht_reference(x))


@pytest.mark.parametrize(
    "x, error, match",
    [
        (np.ones((2, 6)), ValueError, "fwht: the length along the transformed axis, n = 6 is not a power of two"),
        (np.ones((2, 0)), ValueError, "n = 0 is not a power of two"),
        (np.ones(4, dtype=np.int64), TypeError, "int64"),
        (np.ones(4, dtype=bool), TypeError, "bool"),
    ],
)
def test_dispatcher_rejects_bad_input(x, error, match):
    with pytest.raises(error, match=match):
        F.fwht(x)


def test_dispatcher_rejects_bad_axis():
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        F.fwht(np.ones((2, 4)), axis=2)


def test_every_implementation_accepts_exactly_the_powers_of_two():
    accepted = {name: [] for name in ("fwht", "fwht_reference", "fwht_numba")}
    for n in range(0, 70):
        for name in accepted:
            try:
                getattr(F, name)(np.ones((1, n)))
            except ValueError as exc:
                assert f"n = {n} is not a power of two" in str(exc)
            else:
                accepted[name].append(n)
    assert all(a == [1, 2, 4, 8, 16, 32, 64] for a in accepted.values()), accepted


def test_import_does_not_load_cuda_or_cupy():
    code = (
        "import sys, specref._jit.fwht, specref.transforms.hadamard, specref.oracle.wht; "
        "bad = [m for m in ('numba.cuda', 'cupy') if m in sys.modules]; "
        "assert not bad, bad"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


# ----------------------------------------------------------------------------------------------------------
# CUDA kernel: in the simulator on NumPy arrays, or on a GPU with CuPy arrays

needs_cuda = pytest.mark.skipif(
    not (CUDASIM or gpu_available()),
    reason="the CUDA kernel needs a GPU (CuPy with a device) or Numba's simulator: run with NUMBA_ENABLE_CUDASIM=1",
)
# The simulator runs one Python thread per CUDA thread: small blocks keep it quick, and several blocks per
# launch exercise the block index arithmetic.
SIM_THREADS = 8


def _cuda_input(x):
    if CUDASIM:
        return x
    import cupy

    return cupy.asarray(x)


@needs_cuda
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", ((1,), (2,), (8,), (3, 16), (2, 2, 32), (0, 4)), ids=str)
def test_cuda_equals_reference(rng, dtype, shape):
    x = _draw(rng, shape, dtype)
    y = F.fwht_cuda(_cuda_input(x), threads_per_block=SIM_THREADS if CUDASIM else F.CUDA_THREADS_PER_BLOCK)
    _same(y, F.fwht_reference(x))


@needs_cuda
def test_cuda_does_not_mutate(rng):
    x = _draw(rng, (2, 16), "float64")
    xc = _cuda_input(x)
    F.fwht_cuda(xc, threads_per_block=SIM_THREADS)
    _same(xc, x)


@needs_cuda
def test_cuda_non_contiguous_input(rng):
    base = _draw(rng, (16, 3), "complex128")
    view = _cuda_input(base).T  # (3, 16), not C-contiguous
    _same(F.fwht_cuda(view, threads_per_block=SIM_THREADS), F.fwht_reference(np.ascontiguousarray(base.T)))


@pytest.mark.gpu
@pytest.mark.skipif(CUDASIM or not gpu_available(), reason="needs CuPy with a CUDA device (not the simulator)")
@pytest.mark.parametrize("dtype", DTYPES)
def test_dispatcher_on_cupy_equals_numba(rng, dtype):
    import cupy

    x = _draw(rng, (64, 1024), dtype)
    y = F.fwht(cupy.asarray(x), axis=-1)
    assert isinstance(y, cupy.ndarray)
    _same(y, F.fwht_numba(x))


def test_jit_mode_is_reported():
    # documents in the test log which of the three CI runs this is
    mode = "cuda-simulator" if CUDASIM else ("jit-disabled" if JIT_DISABLED else "jit")
    assert mode in ("cuda-simulator", "jit-disabled", "jit")
