r"""Row normalisation: each row (the last axis) divided by its Euclidean norm, two ways of keeping zero safe.

- :func:`normalize_rows_clamped`: :math:`x / \max(\lVert x\rVert, \epsilon)`, torch's
  ``F.normalize(x, p=2, dim=-1, eps=1e-12)`` (spectrans's ``LearnableSpectralKernel``).
- :func:`normalize_rows_shifted`: :math:`x / (\lVert x\rVert + \epsilon)` (spectrans's ``CosineKernel`` and
  ``TruncatedSVDKernel``).

Both are nonlinear primitives with their VJPs beside them (docs/design.md, "Adding a primitive"): ``f(x, *, eps)`` and
``f_vjp(dy, x, y, *, eps)``. The norm :math:`r = \lVert x\rVert` is not differentiable at :math:`x = 0`; the VJPs
take its subgradient 0 there, as torch does.
"""

from __future__ import annotations

import numpy as np

from specref.backend import check_float_dtype, namespace, random_normal
from specref.ops._common import check_cotangent
from specref.testing.case import Case, Inputs

__all__ = ["normalize_rows_clamped", "normalize_rows_clamped_vjp", "normalize_rows_shifted",
           "normalize_rows_shifted_vjp"]

#: torch's ``F.normalize`` default: a row is divided by ``max(||row||, 1e-12)``
CLAMP_EPS = 1e-12
#: added to the row norm by spectrans's cosine similarity and truncated SVD kernel
SHIFT_EPS = 1e-8


def _check_rows(x):
    """``x`` is a real float array with at least one axis (the rows' axis -1)."""
    check_float_dtype(x, allow_complex=False)
    if x.ndim < 1:
        raise ValueError(f"row normalisation needs an array of shape (..., m), rows along the last axis; x has "
                         f"shape {tuple(x.shape)}")


def _row_norm(xp, x):
    return xp.linalg.vector_norm(x, axis=-1, keepdims=True)


def normalize_rows_clamped(x, *, eps: float = CLAMP_EPS):
    r"""Each row divided by its norm clamped below at ``eps`` (torch's ``F.normalize(x, dim=-1)``).

    .. math:: y_i = \frac{x_i}{\max(\lVert x_i\rVert_2, \epsilon)}

    Parameters
    ----------
    x : array (..., m), real float
    eps : float
        The clamp (torch's default ``1e-12``).

    Returns
    -------
    array, the shape and dtype of ``x``: unit rows, and rows shorter than ``eps`` scaled by ``1/eps``.

    See Also
    --------
    normalize_rows_clamped_vjp
    """
    _check_rows(x)
    xp = namespace(x)
    return x / xp.clip(_row_norm(xp, x), min=eps)


def normalize_rows_clamped_vjp(dy, x, y, *, eps: float = CLAMP_EPS):
    r"""VJP of :func:`normalize_rows_clamped`, reusing the unit rows ``y``.

    .. math::
        \bar x_i = \frac{\bar y_i - y_i\,(y_i\cdot\bar y_i)}{r_i} \ (r_i = \lVert x_i\rVert > \epsilon),
        \qquad \bar x_i = \frac{\bar y_i}{\epsilon} \ (r_i \le \epsilon, \text{ the clamp}).

    The first is the derivative :math:`(I - y y^T)/r` of :math:`x/\lVert x\rVert`; below the clamp the map is the
    linear :math:`x/\epsilon`.
    """
    xp = namespace(dy, x)
    check_cotangent(dy, x, y, "normalize_rows_clamped_vjp")
    _check_rows(x)
    r = _row_norm(xp, x)
    above = r > eps
    denom = xp.where(above, r, xp.full_like(r, eps))
    proj = xp.where(above, xp.sum(y * dy, axis=-1, keepdims=True), xp.zeros_like(r))
    return (dy - y * proj) / denom


def normalize_rows_shifted(x, *, eps: float = SHIFT_EPS):
    r"""Each row divided by its norm plus ``eps``, so a zero row stays zero.

    .. math:: y_i = \frac{x_i}{\lVert x_i\rVert_2 + \epsilon}

    Parameters
    ----------
    x : array (..., m), real float
    eps : float
        Added to the norm (spectrans's ``1e-8``; ``CosineKernel(eps=...)`` passes its own).

    Returns
    -------
    array, the shape and dtype of ``x``

    See Also
    --------
    normalize_rows_shifted_vjp
    """
    _check_rows(x)
    xp = namespace(x)
    return x / (_row_norm(xp, x) + eps)


def normalize_rows_shifted_vjp(dy, x, y, *, eps: float = SHIFT_EPS):
    r"""VJP of :func:`normalize_rows_shifted`; with :math:`r_i = \lVert x_i\rVert`, :math:`\partial r/\partial x = x/r`:

    .. math::
        \bar x_i = \frac{\bar y_i}{r_i + \epsilon} - x_i\,\frac{x_i\cdot\bar y_i}{r_i\,(r_i + \epsilon)^2},

    the second term taken as 0 for a zero row (its limit, and torch's subgradient of the norm at 0).
    ``y`` is not needed (the formula reads ``x``), and is accepted for the uniform VJP signature.
    """
    xp = namespace(dy, x)
    check_cotangent(dy, x, y, "normalize_rows_shifted_vjp")
    _check_rows(x)
    r = _row_norm(xp, x)
    r_safe = xp.where(r > 0, r, xp.ones_like(r))
    s = r + eps
    return dy / s - x * (xp.sum(x * dy, axis=-1, keepdims=True) / (r_safe * s * s))


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_rows(rng, xp, dtype, *, shape=(3, 5), eps, scale=1.0):
    return Inputs((random_normal(rng, shape, dtype=dtype, xp=xp) * scale,), {"eps": eps})


def _rows_error_scale(p) -> float:
    # a length-m norm (gamma_m, then the square root halves it), the clamp or the shift, one division: m + 3
    return float(p["shape"][-1] + 3)


def _ref_clamped(x, *, eps):
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), eps)


def _ref_shifted(x, *, eps):
    return x / (np.linalg.norm(x, axis=-1, keepdims=True) + eps)


CASES = [
    Case(
        name="normalize_rows_clamped",
        forward=normalize_rows_clamped,
        vjp=normalize_rows_clamped_vjp,
        make=_make_rows,
        grid=(
            {"shape": (3, 5), "eps": CLAMP_EPS},
            {"shape": (2, 3, 4), "eps": CLAMP_EPS},
            # every row below the clamp: the linear branch x / eps
            {"shape": (4, 3), "eps": 10.0, "scale": 0.5},
        ),
        error_scale=_rows_error_scale,
        error_reason="a length-m norm (gamma_m), the clamp and one division: m + 3",
        reference=_ref_clamped,
    ),
    Case(
        name="normalize_rows_shifted",
        forward=normalize_rows_shifted,
        vjp=normalize_rows_shifted_vjp,
        make=_make_rows,
        grid=({"shape": (3, 5), "eps": SHIFT_EPS}, {"shape": (2, 3, 4), "eps": 0.5}),
        error_scale=_rows_error_scale,
        error_reason="a length-m norm (gamma_m), the shift and one division: m + 3",
        reference=_ref_shifted,
    ),
]
