r"""The causal prefix scan of linear attention: one scan, three times, and a dispatcher.

Every causal quantity of linear attention (the numerator, the normaliser, and all three gradients) is one
primitive, the *causal prefix product*

.. math::

    P(x, u, w)_i = x_i^T S_i = \sum_{j \le i} (x_i \cdot u_j)\, w_j, \qquad
    S_i = \sum_{j \le i} u_j w_j^T \in \mathbb{R}^{a \times d},

for rows :math:`x_i, u_i \in \mathbb{R}^a`, :math:`w_i \in \mathbb{R}^d`, :math:`i = 0, \dots, N-1`, and its
*reverse* (suffix) form, :math:`\sum_{j \ge i}`, which is :math:`P` applied to the sequences flipped along
:math:`N` and flipped back. With :math:`\phi_q, \phi_k, v` and :math:`v' = [v, 1]`:

.. math::

    [\,\mathrm{num}_i, \mathrm{den}_i - \epsilon\,] = P(\phi_q, \phi_k, v')_i,

and with :math:`G = [g, \bar d]` (:mod:`specref.ops.linear_attention` derives :math:`g, \bar d`) the
gradients are :math:`\bar\phi_q = P(G, v', \phi_k)`, :math:`\bar\phi_k = P^{\mathrm{rev}}(v', G, \phi_q)`,
:math:`\bar v = P^{\mathrm{rev}}(\phi_k, \phi_q, g)`: the backward scans are the same scan run in reverse.

The scan exists three times in this file (docs/design.md: a hot loop beside its readable reference):

* :func:`causal_prefix_reference`: vectorised array-API code in blocks of ``block`` rows: within a block the
  masked quadratic form :math:`(\mathrm{tril}(X U^T)) W`, across blocks the running state :math:`S` (one
  :math:`a \times d` matrix); no :math:`N \times a \times d` tensor of cumulative outer products is formed.
* :func:`causal_prefix_numba`: a Numba ``@njit(cache=True)`` scan on NumPy arrays, **no fastmath**: per row
  ``S += u_i w_i^T`` then ``out_i = x_i^T S``, summing over ``p = 0, 1, ...`` in order.
* :func:`causal_prefix_cuda`: a numba.cuda kernel on CuPy arrays, one thread per (batch row, output column
  ``c``), each thread scanning its own column of :math:`S` (kept in a global scratch array) with the same
  additions in the same order. With ``NUMBA_ENABLE_CUDASIM=1`` the kernel runs in Numba's simulator on NumPy
  arrays, which is how it is tested on a CPU.

The reference sums in another order (matmuls, blocks), so the three agree to rounding, not bit for bit; for
nonnegative inputs every sum is of nonnegative terms and each result is within
:math:`(1.5a + 1.5N + 2)\,\epsilon` of exact, componentwise (a length-:math:`a` dot and at most :math:`N`
accumulations).

:func:`causal_prefix` dispatches on the namespace: NumPy to Numba, CuPy to CUDA, anything else
(array-api-strict) to the reference. Importing this module imports Numba's CPU compiler only.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit

from specref.backend import backend_name, device_of, namespace, native_byte_order

__all__ = [
    "BLOCK",
    "CUDA_THREADS_PER_BLOCK",
    "causal_prefix",
    "causal_prefix_reference",
    "causal_prefix_numba",
    "causal_prefix_cuda",
]

BLOCK = 64
"""Rows per block of :func:`causal_prefix_reference` (the quadratic form costs ``block`` times the scan's
work per row; the Python loop runs ``N / block`` times)."""

CUDA_THREADS_PER_BLOCK = 128
"""Threads per block of the CUDA scan kernel (one thread per batch row and output column)."""


def _check(x, u, w, where: str) -> None:
    if x.ndim < 2 or tuple(x.shape) != tuple(u.shape) or tuple(w.shape[:-1]) != tuple(x.shape[:-1]):
        raise ValueError(f"{where}: x {tuple(x.shape)} and u {tuple(u.shape)} must be (..., N, a) of one shape "
                         f"and w {tuple(w.shape)} (..., N, d) with the same (..., N)")


def _flip(a, xp):
    return xp.flip(a, axis=-2)


# ----------------------------------------------------------------------------------------------------------
# 1. the reference: array-API calls only, blocked


def causal_prefix_reference(x, u, w, *, reverse: bool = False, block: int = BLOCK):
    r"""Causal prefix product :math:`\sum_{j \le i} (x_i \cdot u_j) w_j` in blocks, with array-API calls only.

    For a block :math:`B` of rows and the state :math:`S = \sum_{j < \min B} u_j w_j^T` of the rows before it,

    .. math:: \mathrm{out}_B = \bigl(X_B U_B^T \odot M\bigr) W_B + X_B S, \qquad
              S \leftarrow S + U_B^T W_B, \qquad M_{ij} = [\,j \le i\,].

    Parameters
    ----------
    x, u : arrays (..., N, a); w : array (..., N, d); one namespace and dtype
    reverse : bool
        Sum over :math:`j \ge i` instead (the suffix form).
    block : int
        Rows per block.

    Returns
    -------
    array (..., N, d), the dtype of ``w``
    """
    xp = namespace(x, u, w)
    _check(x, u, w, "causal_prefix_reference")
    if reverse:
        return _flip(causal_prefix_reference(_flip(x, xp), _flip(u, xp), _flip(w, xp), block=block), xp)
    n = x.shape[-2]
    lead = tuple(x.shape[:-2])
    state = xp.zeros((*lead, x.shape[-1], w.shape[-1]), dtype=w.dtype, device=device_of(w))
    idx = xp.arange(min(block, max(n, 1)), device=device_of(w))
    tril = xp.expand_dims(idx, axis=1) >= xp.expand_dims(idx, axis=0)  # M_ij = [j <= i]
    parts = []
    for start in range(0, n, block):
        stop = min(start + block, n)
        xb, ub, wb = x[..., start:stop, :], u[..., start:stop, :], w[..., start:stop, :]
        m = tril[: stop - start, : stop - start]
        a = xp.where(m, xp.matmul(xb, xp.matrix_transpose(ub)), 0.0)  # (X_B U_B^T) . M
        parts.append(xp.matmul(a, wb) + xp.matmul(xb, state))
        state = state + xp.matmul(xp.matrix_transpose(ub), wb)  # S += U_B^T W_B
    if not parts:
        return xp.zeros((*lead, 0, w.shape[-1]), dtype=w.dtype, device=device_of(w))
    return parts[0] if len(parts) == 1 else xp.concat(parts, axis=-2)


# ----------------------------------------------------------------------------------------------------------
# 2. Numba on NumPy arrays


@njit(cache=True)
def _scan_rows(x, u, w, out, state):  # pragma: no cover  (compiled; covered by the NUMBA_DISABLE_JIT=1 run)
    """x, u (R, N, a), w (R, N, d) C-contiguous; out (R, N, d) zeros; state (a, d) scratch."""
    rows, n, a = x.shape
    d = w.shape[2]
    for r in range(rows):
        state[:, :] = 0.0
        for i in range(n):
            for p in range(a):  # S += u_i w_i^T
                up = u[r, i, p]
                for c in range(d):
                    state[p, c] += up * w[r, i, c]
            for p in range(a):  # out_i = x_i^T S, summed over p = 0, 1, ... for every c
                xv = x[r, i, p]
                for c in range(d):
                    out[r, i, c] += xv * state[p, c]


def _rows3(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(native_byte_order(a)).reshape(-1, a.shape[-2], a.shape[-1])


def causal_prefix_numba(x: np.ndarray, u: np.ndarray, w: np.ndarray, *, reverse: bool = False) -> np.ndarray:
    r"""Causal prefix product :math:`\sum_{j \le i} (x_i \cdot u_j) w_j` with the Numba scan (NumPy arrays).

    Parameters and result as :func:`causal_prefix_reference`; ``O(N a d)`` work, one ``a x d`` state.
    """
    _check(x, u, w, "causal_prefix_numba")
    if reverse:
        return causal_prefix_numba(x[..., ::-1, :], u[..., ::-1, :], w[..., ::-1, :])[..., ::-1, :].copy()
    xr, ur, wr = _rows3(x), _rows3(u), _rows3(w)
    out = np.zeros(wr.shape, dtype=wr.dtype)
    state = np.zeros((xr.shape[2], wr.shape[2]), dtype=wr.dtype)
    if out.size:
        _scan_rows(xr, ur, wr, out, state)
    return out.reshape(w.shape)


# ----------------------------------------------------------------------------------------------------------
# 3. numba.cuda on CuPy arrays (NumPy arrays under NUMBA_ENABLE_CUDASIM=1)

# numba.cuda, bound on first use; a module global for the simulator (see specref._jit.fwht).
cuda = None


@functools.cache
def _cuda_scan_kernel():
    """The scan kernel, compiled on first use: numba.cuda is imported here, never at module import."""
    global cuda
    from numba import cuda as numba_cuda

    cuda = numba_cuda

    @numba_cuda.jit
    def scan(x, u, w, out, state):  # pragma: no cover  (runs on a GPU or in the simulator)
        # one thread per (row r, column c): it owns column c of row r's state S (state[r, :, c])
        t = cuda.grid(1)
        rows, n, a = x.shape
        d = w.shape[2]
        if t < rows * d:
            r = t // d
            c = t % d
            for i in range(n):
                wc = w[r, i, c]
                for p in range(a):  # S[:, c] += u_i w_ic
                    state[r, p, c] += u[r, i, p] * wc
                acc = out[r, i, c]  # zero
                for p in range(a):  # out_ic = sum_p x_ip S[p, c], p = 0, 1, ...
                    acc += x[r, i, p] * state[r, p, c]
                out[r, i, c] = acc

    return scan


def causal_prefix_cuda(x, u, w, *, reverse: bool = False, threads_per_block: int = CUDA_THREADS_PER_BLOCK):
    r"""Causal prefix product with the numba.cuda kernel (CuPy arrays; NumPy under the simulator).

    Parameters and result as :func:`causal_prefix_reference`; ``threads_per_block`` the CUDA block size.
    """
    _check(x, u, w, "causal_prefix_cuda")
    xp_module = np
    if type(x).__module__.split(".")[0] == "cupy":
        import cupy as xp_module
    if reverse:
        flipped = causal_prefix_cuda(x[..., ::-1, :], u[..., ::-1, :], w[..., ::-1, :],
                                     threads_per_block=threads_per_block)
        return xp_module.ascontiguousarray(flipped[..., ::-1, :])

    def rows3(a):
        return xp_module.ascontiguousarray(a).reshape(-1, a.shape[-2], a.shape[-1])

    xr, ur, wr = rows3(x), rows3(u), rows3(w)
    out = xp_module.zeros(wr.shape, dtype=wr.dtype)
    state = xp_module.zeros((wr.shape[0], xr.shape[2], wr.shape[2]), dtype=wr.dtype)
    threads = wr.shape[0] * wr.shape[2]
    if out.size:
        from specref._jit.fwht import _cuda_stream_for

        kernel = _cuda_scan_kernel()
        blocks = math.ceil(threads / threads_per_block)
        stream = _cuda_stream_for(out)
        launch = kernel[blocks, threads_per_block] if stream is None else kernel[blocks, threads_per_block, stream]
        launch(xr, ur, wr, out, state)
    return out.reshape(w.shape)


# ----------------------------------------------------------------------------------------------------------
# the dispatcher


def causal_prefix(x, u, w, *, reverse: bool = False):
    r"""Causal prefix product :math:`P(x, u, w)_i = \sum_{j \le i} (x_i \cdot u_j)\, w_j` (or :math:`j \ge i`).

    Picks the implementation by namespace: Numba for NumPy, the numba.cuda kernel for CuPy, the blocked
    array-API reference otherwise.

    Parameters
    ----------
    x, u : arrays (..., N, a); w : array (..., N, d); one namespace and precision
    reverse : bool
        The suffix form :math:`\sum_{j \ge i}` (the backward scans).

    Returns
    -------
    array (..., N, d), the dtype of ``w``
    """
    xp = namespace(x, u, w)
    backend = backend_name(xp)
    if backend == "numpy":
        return causal_prefix_numba(np.asarray(x), np.asarray(u), np.asarray(w), reverse=reverse)
    if backend == "cupy":
        return causal_prefix_cuda(x, u, w, reverse=reverse)
    return causal_prefix_reference(x, u, w, reverse=reverse)
