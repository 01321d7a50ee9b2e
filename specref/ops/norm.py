r"""Layer normalization over one axis, with optional elementwise affine, and its fused VJP.

Semantics as ``torch.nn.functional.layer_norm`` over the last axis: the biased variance (divide by
:math:`D`, not :math:`D - 1`), :math:`\epsilon` added to the variance inside the square root, then
``x_hat * weight + bias``. ``axis`` picks another single axis (``weight`` and ``bias`` then have the length
of that axis).

The VJP is the fused closed form (one primitive, not a chain of mean/var VJPs). The VJP
signature carries ``x`` and ``y`` but not the normalized input, so it recomputes the row statistics from
``x`` (two reductions), which is what ``f_vjp(dy, x, ..., y)`` implies for a primitive; a layer that
wants to avoid it keeps nothing extra: the cost is one pass over ``x``.
"""

from __future__ import annotations

import numpy as np

from specref._args import check_nonnegative_float, normalize_axis
from specref.backend import check_same_precision, from_host, namespace
from specref.ops._common import check_cotangent, require_real
from specref.ops.broadcast import sum_to_shape
from specref.testing.case import Case, Inputs
from specref.testing.tolerances import summation_factor

__all__ = ["layer_norm", "layer_norm_vjp"]


def _check(x, weight, bias, eps, axis) -> tuple[float, int]:
    """Check the arguments; return ``eps`` as a float and ``axis`` as a non-negative index."""
    for a, n in ((x, "x"), (weight, "weight"), (bias, "bias")):
        if a is not None:
            require_real(a, "layer_norm", name=n)
    check_same_precision(x, weight, bias, names=("x", "weight", "bias"))
    axis = normalize_axis(axis, len(x.shape))
    d = x.shape[axis]
    for a, n in ((weight, "weight"), (bias, "bias")):
        if a is not None and tuple(a.shape) != (d,):
            raise ValueError(
                f"{n} has shape {tuple(a.shape)} but x of shape {tuple(x.shape)} is normalized over axis "
                f"{axis} of length {d}: {n} must have shape ({d},)"
            )
    return check_nonnegative_float(eps, "eps"), axis


def _normalize(xp, x, eps):
    """Along the last axis: ``x_hat = (x - mean) * rstd`` and ``rstd = 1 / sqrt(var + eps)``, biased var."""
    centered = x - xp.mean(x, axis=-1, keepdims=True)
    var = xp.mean(centered * centered, axis=-1, keepdims=True)
    rstd = 1.0 / xp.sqrt(var + eps)
    return centered * rstd, rstd


def layer_norm(x, weight=None, bias=None, *, eps: float = 1e-5, axis: int = -1):
    r"""Layer normalization over ``axis`` (torch: biased variance, eps inside the root), then affine.

    Parameters
    ----------
    x : array, float32 or float64, shape (..., D) (or D along ``axis``)
    weight, bias : arrays of shape (D,), optional
        The elementwise affine (``None``: scale 1, shift 0), in the precision of ``x``.
    eps : float >= 0
        Added to the variance.
    axis : int
        The normalized axis (default the last, as in a transformer's (B, N, D)).

    Returns
    -------
    y : array of the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For complex, integer or bool input, mixed precisions, a non-integer ``axis`` or a non-numeric ``eps``.
    ValueError
        For a weight or bias whose shape is not (D,) (naming both shapes), an axis out of range, an ``eps``
        that is negative, infinite or NaN.

    Notes
    -----
    .. math:: y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot w + b, \qquad
              \mu = \tfrac1D \textstyle\sum_i x_i, \quad \sigma^2 = \tfrac1D \sum_i (x_i - \mu)^2

    See Also
    --------
    layer_norm_vjp
    """
    xp = namespace(x, weight, bias)
    eps, axis = _check(x, weight, bias, eps, axis)
    x_hat, _ = _normalize(xp, xp.moveaxis(x, axis, -1), eps)
    y = x_hat
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return xp.moveaxis(y, -1, axis)


def layer_norm_vjp(dy, x, weight, bias, y, *, eps: float = 1e-5, axis: int = -1):
    r"""VJP of :func:`layer_norm`: ``(dx, dweight, dbias)``; ``None`` for an absent weight or bias.

    With :math:`\hat x = (x - \mu) r`, :math:`r = (\sigma^2 + \epsilon)^{-1/2}` and
    :math:`g = \bar y \odot w`, the Jacobian of :math:`\hat x` along the axis is
    :math:`\partial\hat x_i/\partial x_j = r(\delta_{ij} - \tfrac1D - \tfrac1D \hat x_i \hat x_j)`
    (from :math:`\partial\mu/\partial x_j = 1/D` and :math:`\partial r/\partial x_j = -r^3 (x_j - \mu)/D`);
    it is symmetric, so, with :math:`\langle\cdot\rangle` the mean along the axis,

    .. math:: \bar x = r\left(g - \langle g\rangle - \hat x\,\langle g \odot \hat x\rangle\right), \quad
              g = \bar y \odot w, \quad \hat x = (x - \mu)\,r, \quad r = (\sigma^2 + \epsilon)^{-1/2}; \qquad
              \bar w = \textstyle\sum_{\mathrm{batch}} \bar y \odot \hat x, \quad
              \bar b = \textstyle\sum_{\mathrm{batch}} \bar y

    The statistics are recomputed from ``x``.

    Parameters
    ----------
    dy : array of the shape of ``y``
    x, weight, bias, y : the forward's inputs (weight and bias may be None) and output
    eps, axis : as in the forward

    Returns
    -------
    dx : array of the shape of ``x``
    dweight, dbias : arrays of shape (D,), or None where the forward had None
    """
    xp = namespace(dy, x, weight, bias)
    check_cotangent(dy, x, y, "layer_norm_vjp")
    eps, axis = _check(x, weight, bias, eps, axis)
    g_out = xp.moveaxis(dy, axis, -1)
    x_hat, rstd = _normalize(xp, xp.moveaxis(x, axis, -1), eps)
    g = g_out * weight if weight is not None else g_out
    mean_g = xp.mean(g, axis=-1, keepdims=True)
    mean_gx = xp.mean(g * x_hat, axis=-1, keepdims=True)
    dx = xp.moveaxis(rstd * (g - mean_g - x_hat * mean_gx), -1, axis)
    dweight = sum_to_shape(g_out * x_hat, weight.shape) if weight is not None else None
    dbias = sum_to_shape(g_out, bias.shape) if bias is not None else None
    return dx, dweight, dbias


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_layer_norm(rng, xp, dtype, *, shape, axis=-1, offset=0.0):
    d = shape[axis]
    x = offset + rng.standard_normal(shape)
    weight = 1.0 + 0.5 * rng.standard_normal(d)
    bias = rng.standard_normal(d)
    return Inputs(tuple(from_host(a, xp, dtype) for a in (x, weight, bias)), {"axis": axis})


def _ref_layer_norm(x, weight, bias, axis=-1, eps=1e-5):
    x = np.moveaxis(x, axis, -1)
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return np.moveaxis((x - mu) / np.sqrt(var + eps) * weight + bias, -1, axis)


def _layer_norm_error_scale(p) -> float:
    # mu: a pairwise mean, error (1 + log2 D) eps max|x|; x - mu: + eps |x - mu|. Relative to the row's std
    # that is (2 + log2 D) eps kappa with kappa = max|x| / std ~ max|x_hat| + |mu|/std ~ 1 + offset (the
    # inputs are N(offset, 1), and x_hat is compared normwise, so max|x_hat| cancels). The variance (a sum
    # of squares, no cancellation) adds (2 + log2 D) eps relatively, halved by the square root, and sqrt,
    # divide, scale and shift add ~4 roundings: c = 1.5 (2 + log2 D)(1 + offset) + 4, doubled for headroom.
    d = p["shape"][p.get("axis", -1)]
    return 2.0 * (1.5 * (1.0 + summation_factor(d)) * (1.0 + p.get("offset", 0.0)) + 4.0)


CASES = [
    Case(
        name="layer_norm",
        forward=layer_norm,
        vjp=layer_norm_vjp,
        argnums=(0, 1, 2),
        make=_make_layer_norm,
        grid=(
            {"shape": (3, 5)},
            {"shape": (2, 3, 4)},
            {"shape": (6, 3), "axis": 0},
            {"shape": (2, 16), "offset": 3.0},  # a mean offset: the centring cancels, kappa ~ 4
        ),
        error_scale=_layer_norm_error_scale,
        error_reason="mean, centring (condition max|x|/std), variance, sqrt, affine: "
        "c = 2 (1.5 (2 + log2 D)(1 + offset) + 4)",
        reference=_ref_layer_norm,
    ),
]
