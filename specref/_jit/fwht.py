r"""The fast Walsh-Hadamard transform (FWHT): one butterfly loop, three times, and a dispatcher.

The transform, unnormalized, in natural (Sylvester) order, along the last axis of length :math:`n = 2^m`:

.. math::

    y_k = \sum_{j=0}^{n-1} (-1)^{\operatorname{popcount}(j \,\&\, k)}\, x_j, \qquad
    y = H_n x, \qquad H_1 = [1], \quad H_{2h} = \begin{bmatrix} H_h & H_h \\ H_h & -H_h \end{bmatrix}.

The Sylvester recursion factors :math:`H_n` into :math:`m` sparse stages. Stage :math:`h = 1, 2, 4, \dots,
n/2` cuts the vector into blocks of :math:`2h` entries and, in each block, replaces every pair
:math:`(a, b) = (x_j, x_{j+h})` by the *butterfly*

.. math:: (a, b) \mapsto (a + b,\; a - b).

Each stage costs :math:`n` additions, so the transform costs :math:`n \log_2 n` additions and no
multiplication. Every output is the sum of all :math:`n` inputs with signs, formed by a binary tree of
:math:`m` additions; the error analysis of :mod:`specref.transforms.hadamard` rests on that.

The loop exists three times in this file (docs/design.md: a hot loop beside its readable reference):

* :func:`fwht_reference`: vectorized with array-API calls only (reshape a row to ``(n/2h, 2, h)``, add and
  subtract the two halves): the readable one, run on array-api-strict and the one the fast paths are
  tested against;
* :func:`fwht_numba`: a Numba ``@njit(cache=True)`` loop on NumPy arrays, in place on a copy, **no
  fastmath**; from :data:`PARALLEL_MIN_SIZE` entries on, the rows of the batch run in parallel
  (``parallel=True``, ``prange`` over rows). It fuses two stages into one pass
  (a radix-4 butterfly on ``x_j, x_{j+h}, x_{j+2h}, x_{j+3h}``) to halve the passes over memory; the
  fused pass performs exactly the additions of the two radix-2 stages, in the same order;
* :func:`fwht_cuda`: a numba.cuda kernel, one launch per stage and one thread per butterfly, on CuPy arrays
  (they pass to numba.cuda through ``__cuda_array_interface__``). With ``NUMBA_ENABLE_CUDASIM=1`` the same
  kernel runs in Numba's CUDA simulator on NumPy arrays, which is how its logic is tested on a CPU.

All three apply the stages in the same order (``h`` ascending) and the same additions, and an IEEE sum or
difference of two numbers is correctly rounded, so the three give **bitwise identical** results; the tests
assert exact equality. Complex input is transformed as its real and imaginary parts (``H`` is real, so
:math:`H(a + ib) = Ha + i\,Hb`), which is also exactly what a complex butterfly computes; float32 stays
float32.

:func:`fwht` dispatches on the namespace of its argument: NumPy to Numba, CuPy to CUDA, anything else
(array-api-strict) to the reference. Importing this module imports Numba's CPU compiler only; numba.cuda and
CuPy are imported inside the CUDA path, when a CuPy array (or a test) asks for it.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit, prange

from specref._args import check_power_of_two, normalize_axis
from specref.backend import backend_name, check_float_dtype, is_complex, namespace, native_byte_order

__all__ = [
    "CUDA_THREADS_PER_BLOCK",
    "PARALLEL_MIN_SIZE",
    "fwht",
    "fwht_reference",
    "fwht_numba",
    "fwht_cuda",
]

CUDA_THREADS_PER_BLOCK = 256
"""Threads per block of the CUDA stage kernel (one thread per butterfly)."""


def _check_power_of_two(n: int, where: str) -> None:
    """The transformed length must be ``2^k`` (``1 = 2^0`` included): :func:`specref._args.check_power_of_two`."""
    check_power_of_two(n, f"{where}: the length along the transformed axis, n")


# ----------------------------------------------------------------------------------------------------------
# 1. the reference: array-API calls only


def fwht_reference(x):
    r"""Unnormalized natural-order FWHT along the last axis, with array-API calls only.

    Stage ``h`` views each row as ``(n / 2h, 2, h)``: the block index, which half of the block, and the
    position in the half. The butterfly is then one addition and one subtraction of whole halves,

    .. math:: [a; b] \mapsto [a + b; a - b], \qquad a = x[\dots, :, 0, :], \quad b = x[\dots, :, 1, :].

    Parameters
    ----------
    x : array, shape (..., n), float32/float64/complex64/complex128
        ``n`` a power of two; any namespace (NumPy, CuPy, array-api-strict).

    Returns
    -------
    array, the shape and dtype of ``x``
        A new array: ``x`` is not modified.
    """
    xp = namespace(x)
    n = x.shape[-1]
    _check_power_of_two(n, "fwht_reference")
    lead = tuple(x.shape[:-1])
    if n == 1:
        return xp.asarray(x, copy=True)  # H_1 = [1]
    h = 1
    while h < n:
        blocks = xp.reshape(x, (*lead, n // (2 * h), 2, h))
        a, b = blocks[..., 0, :], blocks[..., 1, :]
        x = xp.reshape(xp.stack([a + b, a - b], axis=-2), (*lead, n))
        h *= 2
    return x


# ----------------------------------------------------------------------------------------------------------
# 2. Numba on NumPy arrays


@njit(cache=True)
def _butterflies_row(row):  # pragma: no cover  (compiled; covered by the NUMBA_DISABLE_JIT=1 test run)
    """In place on one contiguous real row of length n = 2^m: all m stages, h = 1, 2, 4, ... in order."""
    n = row.shape[0]
    h = 1
    # Stages h and 2h in one pass: in each block of 4h entries, for j in its first quarter,
    #   stage h:   (x_j, x_{j+h}) -> (s01, d01),  (x_{j+2h}, x_{j+3h}) -> (s23, d23)
    #   stage 2h:  (s01, s23) -> (x_j, x_{j+2h}), (d01, d23) -> (x_{j+h}, x_{j+3h})
    # the same additions as two radix-2 passes, so the same roundings.
    while 4 * h <= n:
        for start in range(0, n, 4 * h):
            for j in range(start, start + h):
                a0 = row[j]
                a1 = row[j + h]
                a2 = row[j + 2 * h]
                a3 = row[j + 3 * h]
                s01 = a0 + a1
                d01 = a0 - a1
                s23 = a2 + a3
                d23 = a2 - a3
                row[j] = s01 + s23
                row[j + 2 * h] = s01 - s23
                row[j + h] = d01 + d23
                row[j + 3 * h] = d01 - d23
        h *= 4
    if h < n:  # log2 n odd: one radix-2 stage left, h = n/2 (a single block)
        for j in range(h):
            a = row[j]
            b = row[j + h]
            row[j] = a + b
            row[j + h] = a - b


@njit(cache=True)
def _butterflies_serial(rows):  # pragma: no cover
    """In place on a C-contiguous real array (R, n): every row, one after the other."""
    for r in range(rows.shape[0]):
        _butterflies_row(rows[r])


@njit(cache=True, parallel=True)
def _butterflies_parallel(rows):  # pragma: no cover
    """In place on a C-contiguous real array (R, n): the rows shared among Numba's threads (prange)."""
    for r in prange(rows.shape[0]):
        _butterflies_row(rows[r])


PARALLEL_MIN_SIZE = 1 << 15
"""Entries (rows x n) from which :func:`fwht_numba` runs the rows in parallel: starting a parallel region
costs microseconds on an idle machine and milliseconds on a loaded one, more than a small transform."""


def _real_rows(x, xp_module):
    """A new C-contiguous real array (R, n) holding the rows to transform, and how to undo the reshaping.

    Real ``x`` of shape (..., n) gives its rows; complex ``x`` gives the real parts and the imaginary parts
    as separate rows, shape (..., 2, n) flattened. ``xp_module`` is ``numpy`` or ``cupy``.
    """
    n = x.shape[-1]
    if is_complex(x):
        parts = xp_module.empty((*x.shape[:-1], 2, n), dtype=x.real.dtype)  # C order by default
        parts[..., 0, :] = x.real
        parts[..., 1, :] = x.imag
    else:
        parts = x.copy(order="C")
    # A view, never a copy (parts is C-contiguous), so the kernels' in-place writes land in parts.
    return parts, parts.reshape(-1, n)


def _from_real_rows(parts, x, xp_module):
    """Inverse of :func:`_real_rows`: reassemble (..., n), complex from (re, im) rows without arithmetic."""
    if not is_complex(x):
        return parts
    out = xp_module.empty(x.shape, dtype=x.dtype)
    out.real[...] = parts[..., 0, :]  # exact copies: no 1j * imag product, so -0.0 and inf survive
    out.imag[...] = parts[..., 1, :]
    return out


def fwht_numba(x: np.ndarray) -> np.ndarray:
    """Unnormalized natural-order FWHT along the last axis of a NumPy array, with the Numba loop.

    The input is copied to a C-contiguous array in native byte order (real and imaginary parts as separate
    rows for complex input) and transformed in place; the result equals :func:`fwht_reference` bit for bit.

    Parameters
    ----------
    x : numpy.ndarray, shape (..., n), float32/float64/complex64/complex128, ``n`` a power of two

    Returns
    -------
    numpy.ndarray, the shape and dtype of ``x``
    """
    _check_power_of_two(x.shape[-1], "fwht_numba")
    x = native_byte_order(x)
    parts, rows = _real_rows(x, np)
    if rows.shape[0] > 1 and rows.size >= PARALLEL_MIN_SIZE:
        _butterflies_parallel(rows)
    elif rows.size:
        _butterflies_serial(rows)
    return _from_real_rows(parts, x, np)


# ----------------------------------------------------------------------------------------------------------
# 3. numba.cuda on CuPy arrays (NumPy arrays under NUMBA_ENABLE_CUDASIM=1)


# numba.cuda, bound on first use by _cuda_stage_kernel. It is a module global (not a local name of that
# function) because Numba's CUDA simulator runs a kernel by swapping the kernel's *globals* that refer to
# numba.cuda for a per-thread fake module holding grid, threadIdx...; a kernel that closed over a local
# ``cuda`` would see the bare module, which has no ``grid`` outside a simulated thread.
cuda = None


@functools.cache
def _cuda_stage_kernel():
    """The stage kernel, compiled on first use: numba.cuda is imported here, never at module import."""
    global cuda
    from numba import cuda as numba_cuda

    cuda = numba_cuda

    @numba_cuda.jit
    def stage(rows, h):  # pragma: no cover  (runs on a GPU or in the simulator)
        # one thread per butterfly: thread t handles pair p of row r, there are n/2 pairs per row
        t = cuda.grid(1)
        n_rows, n = rows.shape
        pairs = n // 2
        if t < n_rows * pairs:
            r = t // pairs
            p = t % pairs
            j = (p // h) * (2 * h) + p % h  # block p // h of size 2h, position p % h in its first half
            a = rows[r, j]
            b = rows[r, j + h]
            rows[r, j] = a + b
            rows[r, j + h] = a - b

    return stage


def _cuda_stream_for(x):
    """numba.cuda stream wrapping CuPy's current stream, so the kernels queue behind CuPy's own work."""
    if type(x).__module__.split(".")[0] != "cupy":
        return None
    import cupy
    from numba import cuda as numba_cuda

    ptr = cupy.cuda.get_current_stream().ptr
    return None if ptr == 0 else numba_cuda.external_stream(ptr)  # 0: the legacy default stream, numba's too


def fwht_cuda(x, *, threads_per_block: int = CUDA_THREADS_PER_BLOCK):
    """Unnormalized natural-order FWHT along the last axis with the numba.cuda kernel.

    One launch per stage ``h = 1, 2, ..., n/2``, one thread per butterfly, in place on a C-contiguous copy
    (real and imaginary parts as separate rows for complex input); bit for bit equal to
    :func:`fwht_reference`.

    Parameters
    ----------
    x : cupy.ndarray, shape (..., n), ``n`` a power of two
        Or a NumPy array when Numba's CUDA simulator is on (``NUMBA_ENABLE_CUDASIM=1``): the simulator runs
        the same kernel on the host.
    threads_per_block : int
        CUDA block size (the tests use a small one: the simulator runs one Python thread per CUDA thread).

    Returns
    -------
    array of the same type, shape and dtype as ``x``
    """
    _check_power_of_two(x.shape[-1], "fwht_cuda")
    xp_module = np
    if type(x).__module__.split(".")[0] == "cupy":
        import cupy as xp_module
    stage = _cuda_stage_kernel()
    parts, rows = _real_rows(x, xp_module)
    n_rows, n = rows.shape
    pairs = n_rows * (n // 2)
    if pairs:
        blocks = math.ceil(pairs / threads_per_block)
        stream = _cuda_stream_for(rows)
        launch = stage[blocks, threads_per_block] if stream is None else stage[blocks, threads_per_block, stream]
        h = 1
        while h < n:
            launch(rows, h)
            h *= 2
    return _from_real_rows(parts, x, xp_module)


# ----------------------------------------------------------------------------------------------------------
# the dispatcher


def fwht(x, *, axis: int = -1):
    r"""Unnormalized natural-order Walsh-Hadamard transform :math:`y = H_n x` along ``axis``.

    .. math:: y_k = \sum_{j=0}^{n-1} (-1)^{\operatorname{popcount}(j \,\&\, k)}\, x_j

    Picks the implementation by the namespace of ``x``: Numba for NumPy, the numba.cuda kernel for CuPy, the
    array-API reference otherwise. All three give identical results. This is the canonical core of
    :mod:`specref.transforms.hadamard` (which adds normalization, sequency order, padding and the adjoint);
    being symmetric, :math:`H_n` is its own adjoint.

    Parameters
    ----------
    x : array, float32/float64/complex64/complex128
        Length along ``axis`` a power of two (1 included).
    axis : int

    Returns
    -------
    array, the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For integer or bool input, or an ``axis`` that is not an integer.
    ValueError
        If the length along ``axis`` is not a power of two, or ``axis`` is out of range.
    """
    xp = namespace(x)
    check_float_dtype(x)
    axis = normalize_axis(axis, x.ndim)
    _check_power_of_two(x.shape[axis], "fwht")
    last = x.ndim - 1
    moved = x if axis == last else xp.moveaxis(x, axis, last)
    backend = backend_name(xp)
    if backend == "numpy":
        y = fwht_numba(np.asarray(moved))
    elif backend == "cupy":
        y = fwht_cuda(moved)
    else:
        y = fwht_reference(moved)
    return y if axis == last else xp.moveaxis(y, last, axis)
