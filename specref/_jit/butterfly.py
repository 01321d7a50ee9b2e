r"""The butterfly product's stages, hot loop: the array-API reference, a Numba loop, and the dispatcher.

Stage :math:`s` (:math:`s = 0, \dots, \log_2 n - 1`, block size :math:`k = 2^{s+1}`, half :math:`h = k/2`) mixes
each pair :math:`(i, i + h)` of every block by its own 2 x 2 matrix :math:`T^{(s)}_{p}`
(:math:`p = \text{block} \cdot h + j`, :math:`j < h`; ``twiddle[s]`` has shape (n/2, 2, 2)):

.. math:: \begin{pmatrix} y_i \\ y_{i+h} \end{pmatrix} = T^{(s)}_p \begin{pmatrix} x_i \\ x_{i+h} \end{pmatrix}.

Its VJP (specref's complex convention: a C-linear map pulls a cotangent back through its conjugate transpose):
:math:`(\bar x_i, \bar x_{i+h}) = \overline{T^{(s)}_p}^{T} (\bar y_i, \bar y_{i+h})` and
:math:`\bar T^{(s)}_{p,ab} = \sum_{\text{batch}} \bar y_{a}\, \overline{x_{b}}` (a, b over the pair).

* :func:`stage_reference` / :func:`stage_vjp_reference`: the array-API versions (reshape to
  (..., n/k, 2, h), one batched 2 x 2 product);
* :func:`stage_numba` / :func:`stage_vjp_numba`: loops over rows and pairs (NumPy arrays; no fastmath, so each
  output is the same two products and one sum as the reference, in the same order: bit for bit on real data;
  NumPy's vector loop may fuse a complex product's multiply-add, so complex results agree to a few eps);
* :func:`stage`, :func:`stage_vjp`: the dispatchers (Numba for NumPy arrays, the reference else: on CuPy the
  reference's batched entrywise products are GPU kernels already).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from specref.backend import namespace

__all__ = ["stage_reference", "stage_vjp_reference", "stage_numba", "stage_vjp_numba", "stage", "stage_vjp"]


def _blocks(xp, x, s):
    n = x.shape[-1]
    h = 2**s
    return xp.reshape(x, (*x.shape[:-1], n // (2 * h), 2, h)), h


def _twiddle_blocks(xp, t, s, n):
    """(n/2, 2, 2) -> (n/k, h, 2, 2) -> (n/k, 2, 2, h): entry [b, a, c, j] = T_{b h + j, a c}."""
    h = 2**s
    tb = xp.reshape(t, (n // (2 * h), h, 2, 2))
    return xp.permute_dims(tb, (0, 2, 3, 1))


def stage_reference(x, t, s: int):
    r"""Stage s of the butterfly (module docstring) on x (..., n), twiddles t (n/2, 2, 2)."""
    xp = namespace(x, t)
    xb, _ = _blocks(xp, x, s)  # (..., n/k, 2, h)
    tb = _twiddle_blocks(xp, t, s, x.shape[-1])  # (n/k, 2, 2, h)
    y0 = tb[:, 0, 0, :] * xb[..., 0, :] + tb[:, 0, 1, :] * xb[..., 1, :]
    y1 = tb[:, 1, 0, :] * xb[..., 0, :] + tb[:, 1, 1, :] * xb[..., 1, :]
    return xp.reshape(xp.stack([y0, y1], axis=-2), x.shape)


def stage_vjp_reference(dy, x, t, s: int):
    r"""``(dx, dt)`` of stage s: :math:`\bar x = \overline{T}^T \bar y`,
    :math:`\bar T_{ab} = \sum \bar y_a \overline{x_b}`."""
    xp = namespace(dy, x, t)
    n = x.shape[-1]
    db, _ = _blocks(xp, dy, s)
    xb, h = _blocks(xp, x, s)
    tb = xp.conj(_twiddle_blocks(xp, t, s, n)) if xp.isdtype(t.dtype, "complex floating") else \
        _twiddle_blocks(xp, t, s, n)
    dx0 = tb[:, 0, 0, :] * db[..., 0, :] + tb[:, 1, 0, :] * db[..., 1, :]
    dx1 = tb[:, 0, 1, :] * db[..., 0, :] + tb[:, 1, 1, :] * db[..., 1, :]
    dx = xp.reshape(xp.stack([dx0, dx1], axis=-2), x.shape)
    xc = xp.conj(xb) if xp.isdtype(xb.dtype, "complex floating") else xb
    lead = tuple(range(x.ndim - 1))
    grads = [[xp.sum(db[..., a, :] * xc[..., c, :], axis=lead) for c in (0, 1)] for a in (0, 1)]  # (n/k, h) each
    dt = xp.stack([xp.stack(row, axis=-1) for row in grads], axis=-2)  # (n/k, h, 2, 2)
    return dx, xp.reshape(dt, (n // 2, 2, 2))


@njit(cache=True)
def _stage_rows(rows, t, h, out):  # pragma: no cover  (compiled; covered by the NUMBA_DISABLE_JIT=1 test run)
    n = rows.shape[1]
    for r in range(rows.shape[0]):
        for start in range(0, n, 2 * h):
            for j in range(h):
                p = start // 2 + j
                a, b = rows[r, start + j], rows[r, start + j + h]
                out[r, start + j] = t[p, 0, 0] * a + t[p, 0, 1] * b
                out[r, start + j + h] = t[p, 1, 0] * a + t[p, 1, 1] * b


@njit(cache=True)
def _stage_vjp_rows(drows, rows, tc, h, dx, dt):  # pragma: no cover
    n = rows.shape[1]
    for r in range(rows.shape[0]):
        for start in range(0, n, 2 * h):
            for j in range(h):
                p = start // 2 + j
                da, db = drows[r, start + j], drows[r, start + j + h]
                dx[r, start + j] = tc[p, 0, 0] * da + tc[p, 1, 0] * db
                dx[r, start + j + h] = tc[p, 0, 1] * da + tc[p, 1, 1] * db
    for p in range(n // 2):  # the twiddles' gradients: rows summed in order, as the reference's batch sum
        block, j = divmod(p, h)
        i = block * 2 * h + j
        for r in range(rows.shape[0]):
            xa, xb = np.conj(rows[r, i]), np.conj(rows[r, i + h])
            da, db = drows[r, i], drows[r, i + h]
            dt[p, 0, 0] += da * xa
            dt[p, 0, 1] += da * xb
            dt[p, 1, 0] += db * xa
            dt[p, 1, 1] += db * xb


def _rows(a, dtype):
    return np.ascontiguousarray(np.asarray(a, dtype=dtype).reshape(-1, a.shape[-1]))


def stage_numba(x, t, s: int):
    """Stage s by the Numba loop (NumPy arrays)."""
    dtype = np.result_type(x, t)
    rows = _rows(x, dtype)
    out = np.empty_like(rows)
    _stage_rows(rows, np.ascontiguousarray(t, dtype=dtype), 2**s, out)
    return out.reshape(np.shape(x))


def stage_vjp_numba(dy, x, t, s: int):
    """``(dx, dt)`` of stage s by the Numba loops (NumPy arrays)."""
    dtype = np.result_type(dy, x, t)
    drows, rows = _rows(dy, dtype), _rows(x, dtype)
    dx = np.empty_like(rows)
    dt = np.zeros((x.shape[-1] // 2, 2, 2), dtype=dtype)
    _stage_vjp_rows(drows, rows, np.ascontiguousarray(np.conj(t), dtype=dtype), 2**s, dx, dt)
    return dx.reshape(np.shape(x)), dt


def _numpy(*arrays) -> bool:
    return all(isinstance(a, np.ndarray) for a in arrays)


def stage(x, t, s: int):
    """Stage s: the Numba loop for NumPy arrays, the reference otherwise."""
    return stage_numba(x, t, s) if _numpy(x, t) else stage_reference(x, t, s)


def stage_vjp(dy, x, t, s: int):
    """Stage s's VJP: the Numba loops for NumPy arrays, the reference otherwise."""
    return stage_vjp_numba(dy, x, t, s) if _numpy(dy, x, t) else stage_vjp_reference(dy, x, t, s)
