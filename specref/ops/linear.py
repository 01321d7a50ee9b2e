r"""Affine maps and their VJPs: ``linear``, ``y = x W^T + b`` with PyTorch's weight layout, and
``block_linear``, the block-diagonal affine map of AFNO's MLP.

``weight`` has shape (out, in) as in ``torch.nn.Linear``, so a state_dict's weight is used as is. ``x`` has
any leading batch shape. Real and complex arrays are accepted (and may mix, in one precision): the map is
holomorphic in each of x, W, b, so in specref's gradient convention the VJP uses conjugates
(``dx = dy conj(W)``); a real input's gradient is the real part of the complex one.
"""

from __future__ import annotations

import math

import numpy as np

from specref.backend import check_same_precision, complex_dtype, namespace, native_byte_order, random_normal
from specref.ops._common import check_cotangent, conj_if_complex, gradient_for
from specref.ops.broadcast import sum_to_shape
from specref.testing.case import Case, Inputs
from specref.testing.checks import CheckResult, check_vjp, skipped

__all__ = ["linear", "linear_vjp", "block_linear", "block_linear_vjp"]


def _check(x, weight, bias):
    check_same_precision(x, weight, bias, names=("x", "weight", "bias"))
    if len(weight.shape) != 2:
        raise ValueError(
            f"weight must have shape (out_features, in_features), got shape {tuple(weight.shape)}"
        )
    if len(x.shape) < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"x of shape {tuple(x.shape)} does not match weight of shape {tuple(weight.shape)}: x's last "
            f"axis must have length in_features = {weight.shape[1]}"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(
            f"bias has shape {tuple(bias.shape)} but weight of shape {tuple(weight.shape)} needs a bias of "
            f"shape ({weight.shape[0]},)"
        )


def _check_blocks(x, weight, bias):
    check_same_precision(x, weight, bias, names=("x", "weight", "bias"))
    fits = weight.ndim == 3 and tuple(x.shape[-2:]) == tuple(weight.shape[:2]) and (
        bias is None or tuple(bias.shape) == (weight.shape[0], weight.shape[2]))
    if not fits:
        bias_shape = None if bias is None else tuple(bias.shape)
        raise ValueError(f"block_linear needs x (..., K, I), weight (K, I, O), bias (K, O) or None; got x "
                         f"{tuple(x.shape)}, weight {tuple(weight.shape)}, bias {bias_shape}")


def linear(x, weight, bias=None):
    r"""Affine map ``y = x W^T + b`` with torch's weight layout (out, in), for any batch shape of ``x``.

    Parameters
    ----------
    x : array, shape (..., in), float32/float64/complex64/complex128
    weight : array, shape (out, in)
    bias : array, shape (out,), optional

    Returns
    -------
    y : array, shape (..., out); complex if any input is

    Raises
    ------
    TypeError
        For integer or bool input, or two precisions.
    ValueError
        If x's last axis does not match weight's second axis, or bias's shape is not (out,) (naming both
        shapes), or weight is not 2-D.

    Notes
    -----
    .. math:: y = x W^{\mathsf T} + b, \qquad y_{\dots o} = \sum_i x_{\dots i} W_{oi} + b_o

    See Also
    --------
    linear_vjp
    """
    xp = namespace(x, weight, bias)
    _check(x, weight, bias)
    # NumPy's matmul runs its own (non-BLAS) loop for non-native byte order: native copies give the same bits
    y = xp.matmul(native_byte_order(x), xp.matrix_transpose(native_byte_order(weight)))
    if bias is not None:
        y = y + bias
    return y


def linear_vjp(dy, x, weight, bias, y):
    r"""VJP of :func:`linear`: ``(dx, dweight, dbias)``; ``dbias`` is None when ``bias`` is None.

    :math:`\partial y_o/\partial x_i = W_{oi}`, :math:`\partial y_o/\partial W_{oi} = x_i`,
    :math:`\partial y_o/\partial b_o = 1`; with the convention's conjugates and the batch summed:

    .. math:: \bar x = \bar y\, \overline{W}, \qquad
              \bar W = \textstyle\sum_{\mathrm{batch}} \bar y^{\mathsf T} \overline{x}, \qquad
              \bar b = \textstyle\sum_{\mathrm{batch}} \bar y

    Parameters
    ----------
    dy : array, shape (..., out)
    x, weight, bias, y : the forward's inputs (bias may be None) and output

    Returns
    -------
    dx : array of the shape of ``x``
    dweight : array of shape (out, in)
    dbias : array of shape (out,), or None
    """
    xp = namespace(dy, x, weight, bias)
    check_cotangent(dy, x, y, "linear_vjp")
    _check(x, weight, bias)
    n_out, n_in = weight.shape
    dx = gradient_for(xp, xp.matmul(dy, conj_if_complex(xp, weight)), x)
    # flatten the batch: dW[o, i] = sum over every batch entry of dy[., o] conj(x[., i])
    dy2 = xp.reshape(dy, (-1, n_out))
    x2 = xp.reshape(x, (-1, n_in))
    dweight = gradient_for(xp, xp.matmul(xp.matrix_transpose(dy2), conj_if_complex(xp, x2)), weight)
    dbias = None if bias is None else gradient_for(xp, sum_to_shape(dy, bias.shape), bias)
    return dx, dweight, dbias


def block_linear(x, weight, bias=None):
    r"""Block-diagonal affine map: block :math:`k` of the channels is multiplied by its own matrix.

    ``torch.einsum('...bi,bio->...bo', x, weight) + bias`` as NVlabs's AFNO writes it; real or complex
    (one precision).

    .. math:: y_{\dots k o} = \sum_i x_{\dots k i}\, W_{k i o} + b_{k o}

    Parameters
    ----------
    x : array, shape (..., K, I)
    weight : array, shape (K, I, O)
    bias : array, shape (K, O), optional

    Returns
    -------
    y : array, shape (..., K, O)

    Raises
    ------
    ValueError
        If the shapes do not fit (naming all three).
    TypeError
        If the arrays mix precisions.

    See Also
    --------
    block_linear_vjp
    """
    xp = namespace(x, weight, bias)
    _check_blocks(x, weight, bias)
    # (..., K, 1, I) @ (K, I, O) -> (..., K, 1, O): one row-vector times matrix per block
    y = xp.squeeze(xp.matmul(xp.expand_dims(x, axis=-2), weight), axis=-2)
    return y if bias is None else y + bias


def block_linear_vjp(dy, x, weight, bias, y):
    r"""VJP of :func:`block_linear`: ``(dx, dweight, dbias)``, block by block the VJP of a linear map.

    The map is holomorphic in each of x, W, b; with specref's convention (conjugate derivatives):

    .. math:: \bar x_{\dots k i} = \sum_o \bar y_{\dots k o}\, \overline{W_{k i o}}, \qquad
              \bar W_{k i o} = \sum_{\mathrm{batch}} \overline{x_{\dots k i}}\, \bar y_{\dots k o}, \qquad
              \bar b_{k o} = \sum_{\mathrm{batch}} \bar y_{\dots k o}

    A real argument gets the real part of its complex gradient.

    Parameters
    ----------
    dy : array, shape (..., K, O)
    x, weight, bias, y : the forward's inputs and output

    Returns
    -------
    dx : array of the shape of ``x``
    dweight : array of shape (K, I, O)
    dbias : array of shape (K, O), or None where the forward had None
    """
    xp = namespace(dy, x, weight, bias)
    check_cotangent(dy, x, y, "block_linear_vjp")
    _check_blocks(x, weight, bias)
    n_blocks, n_in, n_out = weight.shape
    # (..., K, 1, O) @ (K, O, I) -> (..., K, 1, I)
    dx = xp.squeeze(xp.matmul(xp.expand_dims(dy, axis=-2), conj_if_complex(xp, xp.matrix_transpose(weight))), axis=-2)
    # flatten the batch to M rows, then per block (K, I, M) @ (K, M, O)
    x_blocks = xp.permute_dims(xp.reshape(x, (-1, n_blocks, n_in)), (1, 2, 0))
    dy_blocks = xp.permute_dims(xp.reshape(dy, (-1, n_blocks, n_out)), (1, 0, 2))
    dweight = xp.matmul(conj_if_complex(xp, x_blocks), dy_blocks)
    dbias = None if bias is None else gradient_for(xp, sum_to_shape(dy, tuple(bias.shape)), bias)
    return gradient_for(xp, dx, x), gradient_for(xp, dweight, weight), dbias


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _drawer(rng, xp, dtype, complex: bool):
    """``draw(shape)``: N(0, 1) draws of the case's real or (``complex``) complex dtype, in ``xp``."""
    dt = complex_dtype(dtype, xp) if complex else dtype
    return lambda shape: random_normal(rng, shape, dtype=dt, xp=xp)


def _make_linear(rng, xp, dtype, *, batch, n_in, n_out, bias=True, complex=False):
    draw = _drawer(rng, xp, dtype, complex)
    x = draw((*batch, n_in))
    weight = draw((n_out, n_in)) / math.sqrt(n_in)
    b = draw((n_out,)) if bias else None
    return Inputs((x, weight, b))


def _linear_vjp_x_weight(dy, x, weight, bias, y):
    """The runner's ``vjp`` check covers (x, weight); ``_check_bias_vjp`` covers the bias when present."""
    return linear_vjp(dy, x, weight, bias, y)[:2]


def _check_bias_vjp(inputs, *, xp, dtype, params, rng):
    """check_vjp of all three gradients where a bias is given (check_vjp cannot perturb a None input)."""
    x, weight, bias = inputs.args
    if bias is None:
        return skipped("vjp_bias", "bias is None: linear_vjp returns dbias = None")
    r = check_vjp(linear, linear_vjp, (x, weight, bias), argnums=(0, 1, 2), rng=rng,
                  error_scale=_linear_error_scale(params))
    return CheckResult("vjp_bias", r.max_error, r.bound, r.passed, r.reason, r.detail)


def _linear_error_scale(p) -> float:
    # Each output is a length-n dot product: a BLAS dot (blocked, possibly FMA) is within gamma_n ~ n u of
    # sum |x_i||W_oi| (Higham Thm 3.1, u = eps/2); for the draws of this grid max sum|x||W| / max|y| is at
    # most 2.8 (tests/ops/test_linear.py::test_error_scale_premise asserts it for seeds 0-2), so normwise
    # <= 1.4 n eps < 1.5 n eps; + 2 for the bias add and the last rounding.
    return 1.5 * p["n_in"] + 2.0


def _ref_linear(x, weight, bias):
    y = x @ weight.T
    return y if bias is None else y + bias


def _make_block_linear(rng, xp, dtype, *, batch, blocks, n_in, n_out, complex=False):
    draw = _drawer(rng, xp, dtype, complex)
    return Inputs((draw((*batch, blocks, n_in)), draw((blocks, n_in, n_out)) / math.sqrt(n_in),
                   draw((blocks, n_out))))


def _ref_block_linear(x, weight, bias):
    return np.einsum("...ki,kio->...ko", x, weight) + bias


CASES = [
    Case(
        name="linear",
        forward=linear,
        vjp=_linear_vjp_x_weight,
        argnums=(0, 1),
        make=_make_linear,
        grid=(
            {"batch": (3,), "n_in": 4, "n_out": 5, "bias": True},
            {"batch": (2, 3), "n_in": 3, "n_out": 2, "bias": False},
            {"batch": (), "n_in": 6, "n_out": 3, "bias": True},
            {"batch": (2,), "n_in": 4, "n_out": 3, "bias": True, "complex": True},
        ),
        error_scale=_linear_error_scale,
        error_reason="length-n dots (gamma_n of sum |x||W|, <= 2.8 max|y| here), the bias: c = 1.5 n + 2",
        reference=_ref_linear,
        extra_checks=(_check_bias_vjp,),
    ),
    Case(
        name="block_linear",
        forward=block_linear,
        vjp=block_linear_vjp,
        argnums=(0, 1, 2),
        make=_make_block_linear,
        grid=(
            {"batch": (2,), "blocks": 2, "n_in": 3, "n_out": 2},
            {"batch": (2, 1), "blocks": 3, "n_in": 2, "n_out": 3, "complex": True},
        ),
        # as linear's: per block, length-n dots within gamma_n ~ n u of sum |x||W| + |b|, which is at most
        # 1.9 max|y| for these draws (test_error_scale_premise asserts it, seeds 0-2): <= 0.95 n eps < 1.5 n eps, + 2
        error_scale=_linear_error_scale,
        error_reason="per block, length-n dots (gamma_n of sum |x||W|, <= 1.9 max|y| here), the bias: "
        "c = 1.5 n + 2",
        reference=_ref_block_linear,
    ),
]
