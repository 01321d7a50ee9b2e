r"""Pooling a sequence (..., N, D) to (..., D) under a padding mask: masked mean and masked max, with VJPs.

The heads of spectrans's models pool the final hidden states over the sequence axis, optionally under an
``attention_mask`` :math:`m \in \{0,1\}^N` (True = a real token):

.. math::

    \text{mean:}\quad y_d = \frac{\sum_n m_n x_{n,d}}{\sum_n m_n}, \qquad
    \text{max:}\quad y_d = \max_{n : m_n = 1} x_{n,d}.

Without a mask every position counts. VJPs: the mean is linear, :math:`\bar x_{n,d} = m_n \bar y_d / \sum_k m_k`;
the max routes :math:`\bar y_d` to its maximiser :math:`n^*_d` (the **first** maximiser on ties, the subgradient
torch's ``max(dim)`` picks when it returns the first index) and zero elsewhere. A row whose mask keeps no
position is refused: its mean is 0/0 and its max is the maximum of nothing (spectrans returns NaN for the mean and
-1e9, its fill value, for the max).
"""

from __future__ import annotations

import numpy as np

from specref.backend import dtype_name, namespace, random_normal, to_numpy
from specref.ops._common import check_cotangent, require_real
from specref.testing.case import Case, Inputs

__all__ = ["masked_mean", "masked_mean_vjp", "masked_max", "masked_max_vjp"]


def _check(x, mask, op: str):
    require_real(x, op)
    if x.ndim < 2:
        raise ValueError(f"{op} pools axis -2 of (..., N, D); x has shape {tuple(x.shape)}")
    if mask is None:
        return None
    xp = namespace(x, mask)
    if dtype_name(mask.dtype) != "bool":
        raise TypeError(f"{op}: mask must be boolean (True = keep), got dtype {dtype_name(mask.dtype)}")
    if tuple(mask.shape) != tuple(x.shape[:-1]):
        raise ValueError(f"{op}: mask has shape {tuple(mask.shape)}; it must be {tuple(x.shape[:-1])} (the "
                         "input's batch shape and sequence length)")
    empty = ~np.asarray(to_numpy(mask)).any(axis=-1)
    if empty.any():
        where = tuple(int(i) for i in np.argwhere(empty)[0])
        raise ValueError(f"{op}: the mask keeps no position in row {list(where)}; the pooled value of an empty "
                         "row is undefined (spectrans returns NaN for the mean, -1e9 for the max)")
    return xp.astype(mask, x.dtype)


def masked_mean(x, mask=None):
    r"""The mean over axis -2 of the kept positions.

    .. math:: y_d = \frac{\sum_n m_n x_{n,d}}{\sum_n m_n}

    Parameters
    ----------
    x : array, float32 or float64, shape (..., N, D)
    mask : bool array (..., N), optional
        True = keep (spectrans's ``attention_mask``); every row must keep a position.

    Raises
    ------
    ValueError
        For fewer than 2 axes, a mask of another shape, a row that keeps nothing.
    TypeError
        For a non-boolean mask, complex, integer or bool ``x``.
    """
    xp = namespace(x)
    m = _check(x, mask, "masked_mean")
    if m is None:
        return xp.mean(x, axis=-2)
    return xp.sum(x * m[..., None], axis=-2) / xp.sum(m, axis=-1)[..., None]


def masked_mean_vjp(dy, x, y, *, mask=None):
    r"""VJP of :func:`masked_mean`.

    .. math:: \bar x_{n,d} = \frac{m_n \bar y_d}{\sum_k m_k}
    """
    xp = namespace(dy, x)
    check_cotangent(dy, x, y, "masked_mean_vjp")
    m = _check(x, mask, "masked_mean_vjp")
    if m is None:
        return xp.broadcast_to(dy[..., None, :] / x.shape[-2], x.shape)
    return m[..., None] * (dy / xp.sum(m, axis=-1)[..., None])[..., None, :]


def _argmax_first(xp, x, mask):
    """Index of the first maximiser along axis -2 over the kept positions (..., D)."""
    v = x if mask is None else xp.where(mask[..., None], x, xp.asarray(-xp.inf, dtype=x.dtype))
    return xp.argmax(v, axis=-2)


def masked_max(x, mask=None):
    r"""The maximum over axis -2 of the kept positions, per feature. Arguments as :func:`masked_mean`.

    .. math:: y_d = \max_{n :\, m_n = 1} x_{n,d}
    """
    xp = namespace(x)
    _check(x, mask, "masked_max")
    v = x if mask is None else xp.where(mask[..., None], x, xp.asarray(-xp.inf, dtype=x.dtype))
    return xp.max(v, axis=-2)


def masked_max_vjp(dy, x, y, *, mask=None):
    r"""VJP of :func:`masked_max`: the cotangent goes to the first maximiser :math:`n^*_d`.

    .. math:: \bar x_{n,d} = \bar y_d\,[n = n^*_d]
    """
    xp = namespace(dy, x)
    check_cotangent(dy, x, y, "masked_max_vjp")
    _check(x, mask, "masked_max_vjp")
    idx = _argmax_first(xp, x, mask)
    positions = xp.reshape(xp.arange(x.shape[-2]), (x.shape[-2], 1))
    hit = xp.astype(positions == idx[..., None, :], dy.dtype)
    return hit * dy[..., None, :]


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make(rng, xp, dtype, *, shape, masked=False):
    x = random_normal(rng, shape, dtype=dtype, xp=xp)
    if not masked:
        return Inputs((x,))
    keep = rng.random(shape[:-1]) < 0.6
    keep[..., 0] = True  # every row keeps a position
    return Inputs((x,), {"mask": xp.asarray(keep)})


def _ref_mean(x, mask=None):
    x = np.asarray(x, dtype=np.float64)
    m = np.ones(x.shape[:-1]) if mask is None else np.asarray(mask, dtype=np.float64)
    return np.einsum("...nd,...n->...d", x, m) / m.sum(axis=-1)[..., None]


def _ref_max(x, mask=None):
    x = np.asarray(x, dtype=np.float64)
    m = np.ones(x.shape[:-1], bool) if mask is None else np.asarray(mask)
    return np.where(m[..., None], x, -np.inf).max(axis=-2)


_GRID = ({"shape": (2, 5, 3)}, {"shape": (3, 7, 4), "masked": True}, {"shape": (6, 2)})

CASES = [
    Case(
        name="masked_mean",
        forward=masked_mean,
        vjp=masked_mean_vjp,
        make=_make,
        grid=_GRID,
        # a sum of at most N = 7 terms (<= N - 1 roundings), one count and one division: c = N + 1 = 8
        error_scale=8.0,
        error_reason="a sum of at most 7 terms, the count and one division",
        reference=_ref_mean,
    ),
    Case(
        name="masked_max",
        forward=masked_max,
        vjp=masked_max_vjp,
        make=_make,
        grid=_GRID,
        # a selection: exact; c = 1 covers the cast of the reference
        error_scale=1.0,
        error_reason="a selection of an input entry: exact",
        reference=_ref_max,
    ),
]
