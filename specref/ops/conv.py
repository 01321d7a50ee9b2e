r"""Two-dimensional convolution (cross-correlation, as ``torch.nn.functional.conv2d``) and its VJP.

Stride 1, zero padding, no dilation, no groups: the convolution of the CNN blocks spectrans builds around its
mixing layers (a 3x3 kernel with padding 1 keeps the spatial size). ``x`` has shape (..., C_in, H, W) with any
leading batch shape, ``weight`` torch's layout (C_out, C_in, kh, kw).

The forward is an im2col: the padded input is sliced ``kh * kw`` times (one slice per kernel offset), the
slices stacked to (..., C_in kh kw, H_out W_out), and one matmul with the weight reshaped to
(C_out, C_in kh kw) gives every output at once. Only array-API operations are used (slicing, ``concat``,
``stack``, ``reshape``, ``matmul``, ``flip``), so NumPy and array-api-strict run the same code.
"""

from __future__ import annotations

import math

import numpy as np

from specref._args import as_int, check_allocation
from specref.backend import check_same_precision, from_host, namespace
from specref.ops._common import check_cotangent, require_real
from specref.testing.case import Case, Inputs
from specref.testing.checks import CheckResult, check_adjoint

__all__ = ["conv2d", "conv2d_vjp"]


def _check_padding(padding) -> tuple[int, int]:
    """``padding`` as ``(ph, pw)``: an integer >= 0 for both axes, or a pair of them."""
    if isinstance(padding, str | bytes):
        raise TypeError(f"padding must be an integer >= 0 or a pair (ph, pw) of them, got the string {padding!r}")
    pair = tuple(padding) if isinstance(padding, tuple | list) else (padding, padding)
    if len(pair) != 2:
        raise ValueError(f"padding must be an integer >= 0 or a pair (ph, pw) of them, got {tuple(pair)!r}")
    ph, pw = (as_int(p, "padding") for p in pair)
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be >= 0 on both axes, got (ph, pw) = ({ph}, {pw})")
    return ph, pw


def _check(x, weight, bias, padding) -> tuple[int, int]:
    """Check the arguments of :func:`conv2d`; return the padding as ``(ph, pw)``."""
    for a, n in ((x, "x"), (weight, "weight"), (bias, "bias")):
        if a is not None:
            require_real(a, "conv2d", name=n)
    check_same_precision(x, weight, bias, names=("x", "weight", "bias"))
    ph, pw = _check_padding(padding)
    if len(weight.shape) != 4:
        raise ValueError(f"weight must have shape (C_out, C_in, kh, kw), got shape {tuple(weight.shape)}")
    c_out, c_in, kh, kw = weight.shape
    if len(x.shape) < 3 or x.shape[-3] != c_in:
        raise ValueError(
            f"x of shape {tuple(x.shape)} does not match weight of shape {tuple(weight.shape)}: x must have "
            f"shape (..., C_in, H, W) with C_in = {c_in}"
        )
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ValueError(
            f"bias has shape {tuple(bias.shape)} but weight of shape {tuple(weight.shape)} needs a bias of "
            f"shape ({c_out},)"
        )
    h, w = x.shape[-2:]
    if min(kh, kw) < 1 or h + 2 * ph < kh or w + 2 * pw < kw:
        raise ValueError(
            f"kernel size ({kh}, {kw}) is larger than the padded input ({h + 2 * ph}, {w + 2 * pw}) (x of "
            f"shape {tuple(x.shape)}, padding ({ph}, {pw})); accepted: 1 <= kh <= H + 2 ph, 1 <= kw <= W + 2 pw"
        )
    return ph, pw


def _pad(xp, x, ph: int, pw: int):
    """Zero-pad the last two axes by ``ph`` rows and ``pw`` columns on each side (``concat`` with zeros)."""
    if ph:
        rows = xp.zeros((*x.shape[:-2], ph, x.shape[-1]), dtype=x.dtype)
        x = xp.concat((rows, x, rows), axis=-2)
    if pw:
        cols = xp.zeros((*x.shape[:-1], pw), dtype=x.dtype)
        x = xp.concat((cols, x, cols), axis=-1)
    return x


def _columns(xp, xpad, kh: int, kw: int):
    """im2col: ``cols[..., (c, i, j), (p, q)] = xpad[..., c, p + i, q + j]``, shape (..., C kh kw, Ho Wo).

    The flattened row order ``(c, i, j)`` is that of ``weight.reshape(C_out, C_in kh kw)``.
    """
    *batch, c, hp, wp = xpad.shape
    ho, wo = hp - kh + 1, wp - kw + 1
    # the columns hold kh kw copies of the input: refuse before allocating what cannot fit (8 bytes: float64)
    check_allocation((*batch, c * kh * kw, ho * wo), 8, f"conv2d's im2col columns (kernel {kh}x{kw})")
    slices = [xpad[..., i:i + ho, j:j + wo] for i in range(kh) for j in range(kw)]
    cols = xp.stack(slices, axis=-3)  # (..., C, kh kw, Ho, Wo)
    return xp.reshape(cols, (*batch, c * kh * kw, ho * wo)), ho, wo


def _correlate(xp, xpad, weight):
    """The valid cross-correlation of an already padded ``xpad`` (..., C_in, Hp, Wp) with ``weight``."""
    c_out, c_in, kh, kw = weight.shape
    cols, ho, wo = _columns(xp, xpad, kh, kw)
    y = xp.matmul(xp.reshape(weight, (c_out, c_in * kh * kw)), cols)  # (..., C_out, Ho Wo)
    return xp.reshape(y, (*xpad.shape[:-3], c_out, ho, wo))


def conv2d(x, weight, bias=None, *, padding=0):
    r"""2-D cross-correlation with stride 1 and zero padding, as ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    x : array, float32 or float64, shape (..., C_in, H, W)
        Any leading batch shape (none included).
    weight : array, shape (C_out, C_in, kh, kw)
        torch's layout; ``1 <= kh <= H + 2 ph`` and ``1 <= kw <= W + 2 pw``.
    bias : array, shape (C_out,), optional
    padding : int >= 0 or (ph, pw)
        Zeros added on both sides of the rows (``ph``) and of the columns (``pw``).

    Returns
    -------
    y : array, shape (..., C_out, H + 2 ph - kh + 1, W + 2 pw - kw + 1), in the precision of ``x``

    Raises
    ------
    TypeError
        For complex, integer or bool input, mixed precisions, a non-integer padding.
    ValueError
        For mismatched shapes (naming them), a negative padding, or a kernel larger than the padded input.

    Notes
    -----
    With :math:`\tilde x` the zero-padded input,

    .. math:: y_{\dots o p q} = b_o + \sum_{c=0}^{C_{in}-1} \sum_{i=0}^{k_h-1} \sum_{j=0}^{k_w-1}
              W_{o c i j}\, \tilde x_{\dots c,\, p + i,\, q + j}

    (a cross-correlation: the kernel is not flipped, as in every deep-learning library).

    See Also
    --------
    conv2d_vjp
    """
    xp = namespace(x, weight, bias)
    ph, pw = _check(x, weight, bias, padding)
    y = _correlate(xp, _pad(xp, x, ph, pw), weight)
    if bias is not None:
        y = y + xp.reshape(bias, (bias.shape[0], 1, 1))
    return y


def conv2d_vjp(dy, x, weight, bias, y, *, padding=0):
    r"""VJP of :func:`conv2d`: ``(dx, dweight, dbias)``; ``dbias`` is None when ``bias`` is None.

    :math:`y` is linear in :math:`x` and (separately) in :math:`W`, so each gradient is the adjoint of that
    linear map applied to :math:`\bar y`. From the forward sum,
    :math:`\partial y_{opq}/\partial \tilde x_{c,p+i,q+j} = W_{ocij}`,
    :math:`\partial y_{opq}/\partial W_{ocij} = \tilde x_{c,p+i,q+j}`, :math:`\partial y_{opq}/\partial b_o = 1`.

    *Input.* Collecting the terms with :math:`(p + i, q + j) = (s, t)`:
    :math:`\bar{\tilde x}_{cst} = \sum_{o,i,j} W_{ocij}\,\bar y_{o,s-i,t-j}` (with :math:`\bar y = 0` outside
    its range). Substituting :math:`i' = k_h - 1 - i`, :math:`j' = k_w - 1 - j` and
    :math:`W'_{c o i' j'} = W_{o c, k_h-1-i', k_w-1-j'}` (channels swapped, kernel flipped) turns this into
    :math:`\sum_{o,i',j'} W'_{co i' j'}\,\bar y_{o, s + i' - (k_h-1), t + j' - (k_w-1)}`: the cross-correlation
    of :math:`\bar y` zero-padded by :math:`(k_h - 1, k_w - 1)` (the *full* correlation) with the flipped
    kernel. Its output has the padded size :math:`(H + 2p_h, W + 2p_w)`; the input's gradient is the
    interior, the padding having no input behind it:

    .. math:: \bar x = \bar{\tilde x}_{\dots,\, p_h : p_h + H,\, p_w : p_w + W}, \qquad
              \bar{\tilde x} = \operatorname{corr}_{\mathrm{full}}(\bar y, \operatorname{flip}(W)^{\mathsf T})

    *Weight and bias.* Summing over the batch and the output positions,

    .. math:: \bar W_{ocij} = \sum_{\mathrm{batch}} \sum_{p,q} \bar y_{\dots opq}\,
              \tilde x_{\dots c,\, p+i,\, q+j}, \qquad
              \bar b_o = \sum_{\mathrm{batch}} \sum_{p,q} \bar y_{\dots opq}

    (the correlation of :math:`\tilde x` with :math:`\bar y`; with the im2col columns of the forward it is the
    matmul :math:`\bar Y \mathrm{cols}^{\mathsf T}` summed over the batch).

    *Adjoint relation.* For fixed :math:`W` and no bias, :math:`x \mapsto y` is linear and the ``dx`` above is
    its adjoint: :math:`\langle \operatorname{conv2d}(x, W), \bar y\rangle = \langle x, \bar x\rangle` for all
    :math:`x, \bar y` (the dot-product test of this module's case), and likewise for :math:`W \mapsto y` at
    fixed :math:`x` with ``dweight``.

    Parameters
    ----------
    dy : array, shape of ``y``
    x, weight, bias, y : the forward's inputs (bias may be None) and output
    padding : as in the forward

    Returns
    -------
    dx : array of the shape of ``x``
    dweight : array of shape (C_out, C_in, kh, kw)
    dbias : array of shape (C_out,), or None
    """
    xp = namespace(dy, x, weight, bias)
    check_cotangent(dy, x, y, "conv2d_vjp")
    ph, pw = _check(x, weight, bias, padding)
    c_out, c_in, kh, kw = weight.shape
    h, w = x.shape[-2:]
    ho, wo = h + 2 * ph - kh + 1, w + 2 * pw - kw + 1
    if tuple(dy.shape) != (*x.shape[:-3], c_out, ho, wo):
        raise ValueError(f"conv2d_vjp: dy has shape {tuple(dy.shape)}, the forward's output has shape "
                         f"{(*x.shape[:-3], c_out, ho, wo)}")
    # W'[c, o, i', j'] = W[o, c, kh-1-i', kw-1-j']: channels swapped, kernel flipped
    w_flip = xp.flip(xp.permute_dims(weight, (1, 0, 2, 3)), axis=(-2, -1))
    # dx~ = corr_full(dy, W'): dy zero-padded by (kh-1, kw-1), then correlated; shape (..., C_in, H+2ph, W+2pw)
    dx_pad = _correlate(xp, _pad(xp, dy, kh - 1, kw - 1), w_flip)
    # dx = the interior of dx~ (the padding zeros have no input behind them)
    dx = dx_pad[..., ph:ph + h, pw:pw + w]
    # dW[o, (c,i,j)] = sum_batch sum_(p,q) dy[., o, (p,q)] cols[., (c,i,j), (p,q)]
    cols, _, _ = _columns(xp, _pad(xp, x, ph, pw), kh, kw)
    dy2 = xp.reshape(dy, (-1, c_out, ho * wo))
    per_sample = xp.matmul(dy2, xp.matrix_transpose(xp.reshape(cols, (-1, c_in * kh * kw, ho * wo))))
    dweight = xp.reshape(xp.sum(per_sample, axis=0), (c_out, c_in, kh, kw))
    # db[o] = sum_batch sum_(p,q) dy[., o, p, q]
    dbias = None if bias is None else xp.sum(xp.sum(dy2, axis=-1), axis=0)
    return dx, dweight, dbias


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_conv2d(rng, xp, dtype, *, batch, c_in, c_out, size, kernel, padding=0, bias=True):
    k = c_in * kernel[0] * kernel[1]
    x = rng.standard_normal((*batch, c_in, *size))
    weight = rng.standard_normal((c_out, c_in, *kernel)) / math.sqrt(k)  # torch's fan-in scaling: |y| ~ |x|
    b = from_host(rng.standard_normal(c_out), xp, dtype) if bias else None
    return Inputs((from_host(x, xp, dtype), from_host(weight, xp, dtype), b), {"padding": padding})


def _conv2d_error_scale(p) -> float:
    # Each output is b_o plus a length-K dot product, K = C_in kh kw (a padded zero adds nothing): the BLAS
    # matmul is within gamma_K ~ K u = K eps / 2 of S = sum |W||x~| + |b| (Higham Thm 3.1). For these draws
    # (x ~ N(0, 1), W ~ N(0, 1/K)) S ~ (2/pi) sqrt(K) while |y| ~ 1, so max S / max|y| grows like sqrt(K):
    # it is at most rho = 2 + sqrt(K) / 2 (tests/ops/test_conv.py::test_error_scale_premise asserts it for every
    # grid point and dtype, seeds 0-2), so normwise <= K rho eps / 2; + 2 for the bias add and the last rounding.
    k = p["c_in"] * p["kernel"][0] * p["kernel"][1]
    return 0.5 * k * (2.0 + 0.5 * math.sqrt(k)) + 2.0


def _ref_conv2d(x, weight, bias, padding=0):
    """A direct sum over the kernel offsets (not im2col), in NumPy."""
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    xpad = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)])
    _, _, kh, kw = weight.shape
    ho, wo = xpad.shape[-2] - kh + 1, xpad.shape[-1] - kw + 1
    y = np.zeros((*x.shape[:-3], weight.shape[0], ho, wo))
    for i in range(kh):
        for j in range(kw):
            y = y + np.einsum("oc,...cpq->...opq", weight[:, :, i, j], xpad[..., i:i + ho, j:j + wo])
    return y if bias is None else y + bias[:, None, None]


def _check_conv2d_adjoint(inputs, *, xp, dtype, params, rng):
    """The dot-product test of ``dx`` (adjoint of x -> conv2d(x, W)) and of ``dweight`` (of W -> conv2d(x, W)).

    Both maps are linear without the bias, so ``conv2d_vjp``'s first two outputs must be their adjoints:
    ``<conv2d(x, W), v> = <x, dx(v)> = <W, dW(v)>``; the bound is the adjoint bound of the case's c.
    """
    x, weight, _ = inputs.args
    pad = inputs.kwargs["padding"]
    c = _conv2d_error_scale(params)

    def vjp(v, *, x=x, weight=weight):
        return conv2d_vjp(v, x, weight, None, None, padding=pad)

    r_x = check_adjoint(lambda a: conv2d(a, weight, padding=pad), lambda v, input_shape: vjp(v)[0], x,
                        rng=rng, error_scale=c)
    r_w = check_adjoint(lambda a: conv2d(x, a, padding=pad), lambda v, input_shape: vjp(v)[1], weight,
                        rng=rng, error_scale=c)
    worst = r_x if not r_x.passed or r_x.max_error / r_x.bound >= r_w.max_error / r_w.bound else r_w
    which = "dx" if worst is r_x else "dweight"
    return CheckResult("adjoint_dx_dweight", worst.max_error, worst.bound,
                       bool(r_x.passed and r_w.passed), f"dot-product test of {which} (worse of dx, dweight): "
                       f"{worst.reason}", worst.detail)


CASES = [
    Case(
        name="conv2d",
        forward=conv2d,
        vjp=conv2d_vjp,
        argnums=(0, 1, 2),
        make=_make_conv2d,
        grid=(
            # spectrans's CNN block: 3x3, padding 1 (same size)
            {"batch": (2,), "c_in": 3, "c_out": 4, "size": (5, 6), "kernel": (3, 3), "padding": 1},
            {"batch": (), "c_in": 2, "c_out": 3, "size": (7, 5), "kernel": (1, 1)},
            {"batch": (2, 1), "c_in": 2, "c_out": 2, "size": (6, 7), "kernel": (5, 5), "padding": (2, 1),
             "bias": False},
            {"batch": (1,), "c_in": 1, "c_out": 2, "size": (4, 5), "kernel": (2, 3)},
        ),
        full_grid=(
            {"batch": (2,), "c_in": 3, "c_out": 4, "size": (5, 6), "kernel": (3, 3), "padding": 1},
            {"batch": (), "c_in": 2, "c_out": 3, "size": (7, 5), "kernel": (1, 1)},
            {"batch": (2, 1), "c_in": 2, "c_out": 2, "size": (6, 7), "kernel": (5, 5), "padding": (2, 1),
             "bias": False},
            {"batch": (1,), "c_in": 1, "c_out": 2, "size": (4, 5), "kernel": (2, 3)},
            {"batch": (2,), "c_in": 4, "c_out": 3, "size": (8, 9), "kernel": (7, 7), "padding": 3},
            {"batch": (1,), "c_in": 8, "c_out": 8, "size": (9, 9), "kernel": (3, 3), "padding": (1, 1)},
            {"batch": (3,), "c_in": 2, "c_out": 5, "size": (6, 6), "kernel": (4, 4), "padding": (0, 2)},
        ),
        error_scale=_conv2d_error_scale,
        error_reason="per output a length-K dot, K = C_in kh kw (gamma_K of sum |W||x|, <= (2 + sqrt(K)/2) "
        "max|y| here), the bias: c = K (2 + sqrt(K)/2) / 2 + 2",
        reference=_ref_conv2d,
        extra_checks=(_check_conv2d_adjoint,),
    ),
]
