r"""Softmax along any axis, evaluated stably (maximum subtracted), and its VJP.

Softmax is invariant to adding a constant along the axis, so subtracting the maximum changes nothing
mathematically and keeps every exponent :math:`\le 0`: no overflow, and the largest term is exactly 1, so the
sum is at least 1 (no underflow to 0 and no division by 0 for finite input).
"""

from __future__ import annotations

from specref._args import normalize_axis
from specref.backend import from_host, namespace
from specref.ops._common import check_cotangent, require_real
from specref.testing.case import Case, Inputs
from specref.testing.tolerances import summation_factor

__all__ = ["softmax", "softmax_vjp"]


def softmax(x, *, axis: int = -1):
    r"""Softmax along ``axis``, stable for any finite input (the maximum is subtracted first).

    Parameters
    ----------
    x : array, float32 or float64, at least one axis
    axis : int
        The axis the probabilities sum over (numpy's convention for negative values).

    Returns
    -------
    y : array of the shape and dtype of ``x``; nonnegative, summing to 1 along ``axis``

    Raises
    ------
    TypeError
        For complex, integer or bool input.
    ValueError
        For an axis out of range, or of length 0.

    Notes
    -----
    .. math:: y_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}}, \qquad m = \max_j x_j

    See Also
    --------
    softmax_vjp
    """
    xp = namespace(x)
    require_real(x, "softmax")
    axis = normalize_axis(axis, len(x.shape))
    if x.shape[axis] == 0:
        raise ValueError(f"softmax over axis {axis} of length 0 (x has shape {tuple(x.shape)}): the probabilities "
                         "need at least one entry along the axis; accepted: an axis of length >= 1")
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def softmax_vjp(dy, x, y, *, axis: int = -1):
    r"""VJP of :func:`softmax`: ``dx = y * (dy - sum(dy * y, axis))``, reusing the output.

    The Jacobian along the axis is :math:`\partial y_i/\partial x_j = y_i(\delta_{ij} - y_j)`, symmetric, so

    .. math:: \bar x_j = y_j\left(\bar y_j - \sum_i \bar y_i\, y_i\right)

    Parameters
    ----------
    dy : array of the shape of ``y``
    x, y : arrays, the forward's input and output
    axis : int, as in the forward

    Returns
    -------
    dx : array of the shape and dtype of ``x``
    """
    xp = namespace(dy, x, y)
    check_cotangent(dy, x, y, "softmax_vjp")
    axis = normalize_axis(axis, len(y.shape))
    return y * (dy - xp.sum(dy * y, axis=axis, keepdims=True))


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_softmax(rng, xp, dtype, *, shape, axis, scale=1.0):
    host = scale * rng.standard_normal(shape)
    return Inputs((from_host(host, xp, dtype),), {"axis": axis})


def _ref_softmax(x, axis):
    import scipy.special

    return scipy.special.softmax(x, axis=axis)


def _softmax_error_scale(p) -> float:
    # Per entry: x - m (half an ulp of x - m; exp amplifies an absolute error eps |x - m| into a relative one,
    # and e^{x-m} |x - m| <= 1/e, so normwise at most ~eps), exp (<= 2 ulp on SIMD loops), the pairwise sum
    # of n positive terms ((1 + log2 n) eps, no cancellation), one division: c = 4 + log2 n.
    n = p["shape"][p["axis"]]
    return 3.0 + summation_factor(n)


CASES = [
    Case(
        name="softmax",
        forward=softmax,
        vjp=softmax_vjp,
        make=_make_softmax,
        grid=(
            {"shape": (4, 5), "axis": -1},
            {"shape": (2, 3, 4), "axis": 1},
            {"shape": (6, 3), "axis": 0},
            {"shape": (2, 16), "axis": -1, "scale": 10.0},  # wide logits: exp(x) alone would span e^+-30
        ),
        error_scale=_softmax_error_scale,
        error_reason="exp of x - max, pairwise sum of n positive terms, a division: c = 4 + log2 n",
        reference=_ref_softmax,
    ),
]
