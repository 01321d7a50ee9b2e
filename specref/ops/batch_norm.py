r"""Batch normalization as ``torch.nn.functional.batch_norm``: training mode (batch statistics) and its VJP
through the statistics, inference mode (running statistics) and its VJP, and the running-statistics update.

Semantics as torch's ``BatchNorm1d/2d/3d``: the statistics of channel :math:`c` are taken over every axis
but the channel axis (``axis``, default 1 as in torch's (N, C, ...) layout), with the *biased* variance
(divide by :math:`n`, the number of values per channel) in the normalization, :math:`\epsilon` inside the
square root, then ``x_hat * weight + bias`` per channel. The running variance is updated with the
*unbiased* batch variance (divide by :math:`n - 1`), as torch does.

Training-mode normalization is :func:`~specref.ops.norm.layer_norm` (without affine) of the (C, n) matrix
whose row :math:`c` holds channel :math:`c`'s :math:`n` values; its VJP is likewise ``layer_norm_vjp`` on
those rows, so the fused formula has one home.

The running-statistics update is a separate function (:func:`batch_norm_running_stats`) that returns new
arrays and never writes into its arguments; a layer in training mode calls both :func:`batch_norm` and it.
"""

from __future__ import annotations

import math

import numpy as np

from specref._args import as_int, check_nonnegative_float, normalize_axis
from specref.backend import check_same_precision, dtype_name, finfo_eps, from_host, namespace, to_numpy
from specref.ops._common import check_cotangent, require_real
from specref.ops.norm import layer_norm, layer_norm_vjp
from specref.testing.case import Case, Inputs
from specref.testing.checks import CheckResult, check_no_mutation
from specref.testing.tolerances import summation_factor

__all__ = [
    "batch_norm",
    "batch_norm_vjp",
    "batch_norm_inference",
    "batch_norm_inference_vjp",
    "batch_norm_running_stats",
]


def _check(x, weight, bias, eps, axis, *, running_mean=None, running_var=None, op="batch_norm"):
    """Check the arguments; return ``eps`` as a float, ``axis`` as a non-negative index and the channel
    count ``C = x.shape[axis]``."""
    arrays = ((x, "x"), (weight, "weight"), (bias, "bias"), (running_mean, "running_mean"),
              (running_var, "running_var"))
    for a, n in arrays:
        if a is not None:
            require_real(a, op, name=n)
    check_same_precision(*(a for a, _ in arrays), names=tuple(n for _, n in arrays))
    axis = normalize_axis(axis, len(x.shape))
    c = x.shape[axis]
    for a, n in arrays[1:]:
        if a is not None and tuple(a.shape) != (c,):
            raise ValueError(
                f"{op}: {n} has shape {tuple(a.shape)} but x of shape {tuple(x.shape)} has {c} channels along "
                f"axis {axis}: {n} must have shape ({c},)"
            )
    return check_nonnegative_float(eps, "eps"), axis, c


def _values_per_channel(x, axis: int, c: int) -> int:
    """``n``, the number of values per channel; refuses ``n = 1`` (torch's training-mode error)."""
    n = math.prod(x.shape) // c if c else 0
    if n <= 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {tuple(x.shape)} "
            f"(channel axis {axis}): a batch of one value per channel has no variance"
        )
    return n


def _channel_shape(ndim: int, axis: int, c: int) -> tuple[int, ...]:
    """The shape that broadcasts a per-channel vector (C,) against x: (1, ..., C, ..., 1)."""
    return tuple(c if k == axis else 1 for k in range(ndim))


def _statistics(xp, x, axis: int):
    """Batch statistics over every axis but ``axis``, keepdims: ``(mean, biased var)``."""
    axes = tuple(k for k in range(len(x.shape)) if k != axis)
    mean = xp.mean(x, axis=axes, keepdims=True)
    centered = x - mean
    return mean, xp.mean(centered * centered, axis=axes, keepdims=True)


def _rows(xp, x, axis: int, c: int):
    """x as (C, n): channel ``c``'s n values in row ``c`` (the channel axis moved first, the rest flattened)."""
    return xp.reshape(xp.moveaxis(x, axis, 0), (c, -1))


def _from_rows(xp, rows, like, axis: int):
    """The inverse of :func:`_rows`: (C, n) back to the shape of ``like``."""
    moved = (like.shape[axis], *(s for k, s in enumerate(like.shape) if k != axis))
    return xp.moveaxis(xp.reshape(rows, moved), 0, axis)


def _affine(xp, x_hat, weight, bias, shape):
    y = x_hat
    if weight is not None:
        y = y * xp.reshape(weight, shape)
    if bias is not None:
        y = y + xp.reshape(bias, shape)
    return y


def batch_norm(x, weight=None, bias=None, *, eps: float = 1e-5, axis: int = 1):
    r"""Batch normalization in training mode: per-channel batch statistics, biased variance, then affine.

    Parameters
    ----------
    x : array, float32 or float64, shape (N, C, ...) (or C along ``axis``)
        The statistics of each channel are taken over every other axis: the batch and the spatial axes.
    weight, bias : arrays of shape (C,), optional
        The per-channel affine (``None``: scale 1, shift 0), in the precision of ``x``.
    eps : float >= 0
        Added to the variance.
    axis : int
        The channel axis (default 1, torch's layout).

    Returns
    -------
    y : array of the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For complex, integer or bool input, mixed precisions, a non-integer ``axis`` or a non-numeric ``eps``.
    ValueError
        For a weight or bias whose shape is not (C,) (naming both shapes), a batch with one value per channel
        ("Expected more than 1 value per channel when training", as torch), an axis out of range, a
        negative or non-finite ``eps``.

    Notes
    -----
    With :math:`n` the number of values per channel and the sums over them,

    .. math:: y = \frac{x - \mu_c}{\sqrt{\sigma_c^2 + \epsilon}}\, w_c + b_c, \qquad
              \mu_c = \tfrac1n \textstyle\sum x, \quad \sigma_c^2 = \tfrac1n \sum (x - \mu_c)^2

    See Also
    --------
    batch_norm_vjp, batch_norm_running_stats, batch_norm_inference
    """
    xp = namespace(x, weight, bias)
    eps, axis, c = _check(x, weight, bias, eps, axis)
    _values_per_channel(x, axis, c)
    x_hat = _from_rows(xp, layer_norm(_rows(xp, x, axis, c), eps=eps), x, axis)
    return _affine(xp, x_hat, weight, bias, _channel_shape(len(x.shape), axis, c))


def batch_norm_vjp(dy, x, weight, bias, y, *, eps: float = 1e-5, axis: int = 1):
    r"""VJP of :func:`batch_norm` through the batch statistics: ``(dx, dweight, dbias)``.

    Per channel, with :math:`\langle\cdot\rangle` the mean over the channel's :math:`n` values and the sums
    over them (every axis but the channel axis):

    .. math:: \bar x = \frac{w}{\sqrt{\sigma^2 + \epsilon}}
              \left(\bar y - \langle \bar y\rangle - \hat x\,\langle \bar y \odot \hat x\rangle\right), \qquad
              \bar w = \textstyle\sum \bar y \odot \hat x, \qquad \bar b = \textstyle\sum \bar y

    *Derivation.* With the channel's values indexed by :math:`k`, :math:`\hat x_k = (x_k - \mu) r`,
    :math:`r = (\sigma^2 + \epsilon)^{-1/2}`: from :math:`\partial\mu/\partial x_l = 1/n` and
    :math:`\partial\sigma^2/\partial x_l = \tfrac2n (x_l - \mu)` (the term
    :math:`-\tfrac2n\sum_k (x_k - \mu)/n` vanishes because the deviations sum to zero),
    :math:`\partial r/\partial x_l = -\tfrac12 r^3 \tfrac2n (x_l - \mu) = -\tfrac1n r^2 \hat x_l`, so

    .. math:: \frac{\partial \hat x_k}{\partial x_l} = r\left(\delta_{kl} - \tfrac1n\right)
              + (x_k - \mu)\,\frac{\partial r}{\partial x_l}
              = r\left(\delta_{kl} - \tfrac1n - \tfrac1n \hat x_k \hat x_l\right),

    a symmetric matrix; pulling :math:`g = \bar y\, w` back through it gives
    :math:`\bar x_l = r\,(g_l - \langle g\rangle - \hat x_l \langle g \hat x\rangle)`, the formula above
    (:math:`w` is constant over the channel). It is layer normalization's VJP with the roles of the axes
    exchanged (the statistics run over the batch, the affine over the channels), and it is computed so:
    :func:`~specref.ops.norm.layer_norm_vjp` on the (C, n) rows of one channel each. ``y = x_hat w + b`` gives
    :math:`\bar w` and :math:`\bar b`. The statistics are recomputed from ``x``.

    Parameters
    ----------
    dy : array of the shape of ``y``
    x, weight, bias, y : the forward's inputs (weight and bias may be None) and output
    eps, axis : as in the forward

    Returns
    -------
    dx : array of the shape of ``x``
    dweight, dbias : arrays of shape (C,), or None where the forward had None
    """
    xp = namespace(dy, x, weight, bias)
    check_cotangent(dy, x, y, "batch_norm_vjp")
    eps, axis, c = _check(x, weight, bias, eps, axis)
    _values_per_channel(x, axis, c)
    shape = _channel_shape(len(x.shape), axis, c)
    axes = tuple(k for k in range(len(x.shape)) if k != axis)
    x_rows = _rows(xp, x, axis, c)
    g = dy if weight is None else dy * xp.reshape(weight, shape)  # g = dy w
    # dx = r (g - <g> - x_hat <g x_hat>) over each channel's n values: layer_norm's VJP on the (C, n) rows
    dx_rows, _, _ = layer_norm_vjp(_rows(xp, g, axis, c), x_rows, None, None, None, eps=eps)
    dx = _from_rows(xp, dx_rows, x, axis)
    x_hat = _from_rows(xp, layer_norm(x_rows, eps=eps), x, axis)  # x_hat = (x - mu) r
    # dw = sum over the non-channel axes of dy x_hat; db = sum of dy
    dweight = None if weight is None else xp.reshape(xp.sum(dy * x_hat, axis=axes), (c,))
    dbias = None if bias is None else xp.reshape(xp.sum(dy, axis=axes), (c,))
    return dx, dweight, dbias


def _check_running(running_mean, running_var):
    if running_mean is None or running_var is None:
        raise TypeError("batch_norm_inference needs running_mean and running_var (arrays of shape (C,))")


def batch_norm_inference(x, weight=None, bias=None, *, running_mean, running_var, eps: float = 1e-5,
                         axis: int = 1):
    r"""Batch normalization in inference mode: the running statistics replace the batch's.

    Parameters
    ----------
    x : array, float32 or float64, shape (N, C, ...) (or C along ``axis``)
    weight, bias : arrays of shape (C,), optional
    running_mean, running_var : arrays of shape (C,)
        The statistics accumulated in training (:func:`batch_norm_running_stats`), in the precision of ``x``.
    eps : float >= 0
    axis : int
        The channel axis.

    Returns
    -------
    y : array of the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For complex, integer or bool input, mixed precisions, missing running statistics.
    ValueError
        For a weight, bias or running statistic whose shape is not (C,), naming both shapes.

    Notes
    -----
    An affine map of ``x`` per channel (one value per channel is fine here):

    .. math:: y = \frac{x - m_c}{\sqrt{v_c + \epsilon}}\, w_c + b_c

    See Also
    --------
    batch_norm_inference_vjp
    """
    _check_running(running_mean, running_var)
    xp = namespace(x, weight, bias, running_mean, running_var)
    eps, axis, c = _check(x, weight, bias, eps, axis, running_mean=running_mean, running_var=running_var,
                          op="batch_norm_inference")
    shape = _channel_shape(len(x.shape), axis, c)
    x_hat = (x - xp.reshape(running_mean, shape)) / xp.sqrt(xp.reshape(running_var, shape) + eps)
    return _affine(xp, x_hat, weight, bias, shape)


def batch_norm_inference_vjp(dy, x, weight, bias, y, *, running_mean, running_var, eps: float = 1e-5,
                             axis: int = 1):
    r"""VJP of :func:`batch_norm_inference`: ``(dx, dweight, dbias)`` (the running statistics are constants).

    The map is :math:`y = \hat x\, w + b` with :math:`\hat x = (x - m) s`, :math:`s = (v + \epsilon)^{-1/2}`
    fixed, so :math:`\partial y/\partial x = w s` elementwise and

    .. math:: \bar x = \bar y\, \frac{w}{\sqrt{v + \epsilon}}, \qquad
              \bar w = \textstyle\sum \bar y \odot \hat x, \qquad \bar b = \textstyle\sum \bar y

    (sums over every axis but the channel axis). No gradient flows to the running statistics, as in torch
    (they are buffers).

    Parameters
    ----------
    dy : array of the shape of ``y``
    x, weight, bias, y : the forward's inputs (weight and bias may be None) and output
    running_mean, running_var, eps, axis : as in the forward

    Returns
    -------
    dx : array of the shape of ``x``
    dweight, dbias : arrays of shape (C,), or None where the forward had None
    """
    _check_running(running_mean, running_var)
    xp = namespace(dy, x, weight, bias, running_mean, running_var)
    check_cotangent(dy, x, y, "batch_norm_inference_vjp")
    eps, axis, c = _check(x, weight, bias, eps, axis, running_mean=running_mean, running_var=running_var,
                          op="batch_norm_inference")
    shape = _channel_shape(len(x.shape), axis, c)
    axes = tuple(k for k in range(len(x.shape)) if k != axis)
    s = 1.0 / xp.sqrt(xp.reshape(running_var, shape) + eps)  # s = (v + eps)^(-1/2)
    dx = dy * s if weight is None else dy * (s * xp.reshape(weight, shape))  # dx = dy w s
    x_hat = (x - xp.reshape(running_mean, shape)) * s  # x_hat = (x - m) s
    # dw = sum over the non-channel axes of dy x_hat; db = sum of dy
    dweight = None if weight is None else xp.reshape(xp.sum(dy * x_hat, axis=axes), (c,))
    dbias = None if bias is None else xp.reshape(xp.sum(dy, axis=axes), (c,))
    return dx, dweight, dbias


def _check_count(xp, num_batches_tracked):
    """``num_batches_tracked`` as a Python int: an integer or a 0-d (or one-entry) integer array."""
    if hasattr(num_batches_tracked, "dtype"):
        name = dtype_name(num_batches_tracked.dtype)
        if not name.startswith(("int", "uint")):
            raise TypeError(f"num_batches_tracked must be an integer count (torch: an int64 scalar), got dtype "
                            f"{name}")
        if math.prod(num_batches_tracked.shape) != 1:
            raise ValueError(f"num_batches_tracked must be one count, got shape {tuple(num_batches_tracked.shape)}")
        num_batches_tracked = int(xp.reshape(num_batches_tracked, (1,))[0])
    count = as_int(num_batches_tracked, "num_batches_tracked")
    if count < 0:
        raise ValueError(f"num_batches_tracked must be >= 0, got {count}")
    return count


def batch_norm_running_stats(x, running_mean, running_var, num_batches_tracked, *, momentum=0.1,
                             axis: int = 1):
    r"""The running statistics after one training batch, as torch's ``_BatchNorm`` updates its buffers.

    Returns new arrays; the arguments are never written to.

    Parameters
    ----------
    x : array, float32 or float64, shape (N, C, ...) (or C along ``axis``)
        The training batch (at least 2 values per channel).
    running_mean, running_var : arrays of shape (C,), in the precision of ``x``
    num_batches_tracked : int or integer array with one entry
        The count of batches seen so far (torch's int64 buffer).
    momentum : float in [0, 1] or None
        The weight of the new batch; ``None``: the cumulative average (weight ``1 / (count + 1)``).
    axis : int
        The channel axis.

    Returns
    -------
    new_mean, new_var : arrays of shape (C,), in the precision of ``x``
    new_num_batches_tracked : 0-d int64 array, ``num_batches_tracked + 1``

    Raises
    ------
    TypeError
        For a non-float ``x`` or running statistic, mixed precisions, a non-integer count, a non-numeric
        momentum.
    ValueError
        For a running statistic whose shape is not (C,), one value per channel, a negative count, a momentum
        outside [0, 1].

    Notes
    -----
    With :math:`n` values per channel, :math:`\mu` the batch mean and :math:`s^2 = \tfrac{1}{n-1}\sum (x-\mu)^2`
    the *unbiased* batch variance (the normalization itself uses the biased one),

    .. math:: t' = t + 1, \qquad \alpha = \begin{cases} \text{momentum} \\ 1 / t' & \text{momentum None}
              \end{cases}, \qquad m' = (1 - \alpha)\, m + \alpha\,\mu, \qquad v' = (1 - \alpha)\, v + \alpha\, s^2
    """
    xp = namespace(x, running_mean, running_var)
    _, axis, c = _check(x, None, None, 0.0, axis, running_mean=running_mean, running_var=running_var,
                        op="batch_norm_running_stats")
    count = _check_count(xp, num_batches_tracked) + 1  # t' = t + 1, incremented first as torch does
    if momentum is None:
        alpha = 1.0 / count  # the cumulative average: alpha = 1 / t'
    else:
        alpha = check_nonnegative_float(momentum, "momentum")
        if alpha > 1.0:
            raise ValueError(f"momentum must be in [0, 1] or None (cumulative average), got {momentum!r}")
    n = _values_per_channel(x, axis, c)
    mean, var = _statistics(xp, x, axis)
    batch_mean = xp.reshape(mean, (c,))
    batch_var = xp.reshape(var, (c,)) * (n / (n - 1))  # s^2 = sigma^2 n / (n - 1), the unbiased variance
    new_mean = (1.0 - alpha) * running_mean + alpha * batch_mean  # m' = (1 - a) m + a mu
    new_var = (1.0 - alpha) * running_var + alpha * batch_var  # v' = (1 - a) v + a s^2
    return new_mean, new_var, xp.asarray(count, dtype=xp.int64)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _draw_batch(rng, shape, axis, offset):
    """x with channel c exactly of mean ``offset * s_c`` and biased standard deviation ``s_c`` in [0.5, 2]:
    the N(0, 1) draw is standardized per channel, so no channel has a near-zero variance."""
    axis = axis % len(shape)
    c = shape[axis]
    axes = tuple(k for k in range(len(shape)) if k != axis)
    z = rng.standard_normal(shape)
    z = (z - z.mean(axis=axes, keepdims=True)) / z.std(axis=axes, keepdims=True)
    s = np.reshape(rng.uniform(0.5, 2.0, c), _channel_shape(len(shape), axis, c))
    return s * (offset + z)


def _make_batch_norm(rng, xp, dtype, *, shape, axis=1, offset=0.0, affine=True):
    c = shape[axis]
    x = _draw_batch(rng, shape, axis, offset)
    weight = from_host(1.0 + 0.5 * rng.standard_normal(c), xp, dtype) if affine else None
    bias = from_host(rng.standard_normal(c), xp, dtype) if affine else None
    return Inputs((from_host(x, xp, dtype), weight, bias), {"axis": axis})


def _per_channel(shape, axis) -> int:
    return math.prod(shape) // shape[axis]


def _batch_norm_error_scale(p) -> float:
    # layer_norm's derivation (specref/ops/norm.py) with the n values of a channel in place of a row: mean
    # (1 + log2 n) eps max|x|, centring + eps |x - mu|, relative to the channel's std (2 + log2 n) eps kappa,
    # kappa = max|x| / std <= max|x_hat| + |mu| / std = max|x_hat| + offset (the draw is standardized per
    # channel, so exactly); the variance, a sum of squares, (2 + log2 n) eps relatively, halved by the root;
    # sqrt, divide, scale, shift ~4 roundings: c = 1.5 (2 + log2 n)(1 + offset) + 4, doubled for headroom.
    n = _per_channel(p["shape"], p.get("axis", 1))
    return 2.0 * (1.5 * (1.0 + summation_factor(n)) * (1.0 + p.get("offset", 0.0)) + 4.0)


def _ref_batch_norm(x, weight, bias, axis=1, eps=1e-5):
    axis = axis % x.ndim
    axes = tuple(k for k in range(x.ndim) if k != axis)
    shape = _channel_shape(x.ndim, axis, x.shape[axis])
    y = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    if weight is not None:
        y = y * np.reshape(weight, shape)
    return y if bias is None else y + np.reshape(bias, shape)


def _ref_running_stats(x, running_mean, running_var, count, momentum, axis):
    """torch's update written directly in float64 NumPy: np.var with ddof=1 (two-pass) for the unbiased var."""
    axis = axis % x.ndim
    axes = tuple(k for k in range(x.ndim) if k != axis)
    a = 1.0 / (count + 1) if momentum is None else momentum
    mean = (1 - a) * running_mean + a * x.mean(axis=axes)
    var = (1 - a) * running_var + a * x.var(axis=axes, ddof=1)
    return mean, var


def _running_stats_error_scales(n: int) -> tuple[float, float]:
    """``(c_m, c_v)`` of the running mean and variance, relative to ``S_m`` and ``S_v``
    (:func:`_check_running_stats` derives them)."""
    log_n = summation_factor(n) - 1.0
    return 4.0 + log_n, 8.0 * (2.0 + log_n) + 5.0


def _check_running_stats(inputs, *, xp, dtype, params, rng):
    """batch_norm_running_stats against :func:`_ref_running_stats` for momentum 0.1, 1.0 and None (counts 0
    and 4), the count an int64 one above the old, and no argument modified.

    Bound: the batch mean is within (1 + log2 n) eps max|x| and the mix adds 3 roundings of at most
    max|x| + max|m|, so the new mean is within c_m eps S_m, c_m = 4 + log2 n, S_m = max|x| + max|m|; the
    unbiased variance: the centring error (2 + log2 n) eps max|x| times 2 max|x - mu| <= 4 max|x| for the
    square, the sum of squares (1 + log2 n) eps, the n/(n - 1) and the mix 4 roundings: c_v = 8 (2 + log2 n)
    + 5 of S_v = max|x|^2 n/(n - 1) + max|v|. Each is compared relative to its S (max|new| can be ~0 where the
    batch mean is), with the bound 2 c eps: the float64 reference has an error of its own.
    """
    x = inputs.args[0]
    axis = params.get("axis", 1)
    c = x.shape[axis]
    n = _per_channel(tuple(x.shape), axis)
    hx = _to_host(x)
    rm_h, rv_h = rng.standard_normal(c), rng.uniform(0.5, 2.0, c)
    rm, rv = from_host(rm_h, xp, dtype), from_host(rv_h, xp, dtype)
    eps = finfo_eps(dtype)
    c_m, c_v = _running_stats_error_scales(n)
    s_m = np.max(np.abs(hx)) + np.max(np.abs(rm_h))
    s_v = np.max(np.abs(hx)) ** 2 * n / (n - 1) + np.max(np.abs(rv_h))
    worst = CheckResult("running_stats", 0.0, 2.0 * c_m * eps, True, "")
    problems = []
    for momentum, count in ((0.1, 3), (1.0, 7), (None, 0), (None, 4)):
        t = xp.asarray(count, dtype=xp.int64)
        if not check_no_mutation(batch_norm_running_stats, x, rm, rv, t, momentum=momentum, axis=axis).passed:
            problems.append(f"momentum {momentum}: an argument was modified")
        new_m, new_v, new_t = batch_norm_running_stats(x, rm, rv, t, momentum=momentum, axis=axis)
        if dtype_name(new_t.dtype) != "int64" or tuple(new_t.shape) != () or int(new_t) != count + 1:
            problems.append(f"count {count} became {new_t!r}, not the int64 scalar {count + 1}")
        if {dtype_name(new_m.dtype), dtype_name(new_v.dtype)} != {dtype}:
            problems.append(f"the statistics have dtypes {new_m.dtype}, {new_v.dtype}, not {dtype}")
        ref_m, ref_v = _ref_running_stats(hx, rm_h, rv_h, count, momentum, axis)
        for what, got, ref, scale, cc in (("mean", new_m, ref_m, s_m, c_m), ("var", new_v, ref_v, s_v, c_v)):
            err, bound = float(np.max(np.abs(_to_host(got) - ref)) / scale), 2.0 * cc * eps
            if err / bound > worst.max_error / worst.bound:
                worst = CheckResult("running_stats", err, bound, err <= bound,
                                    f"{what} within 2 c eps of S (c = {cc:.3g}); count int64 + 1; no mutation",
                                    f"momentum {momentum}, count {count}")
    if problems:
        return CheckResult("running_stats", worst.max_error, worst.bound, False, worst.reason, "; ".join(problems))
    return worst


def _to_host(a):
    return np.asarray(to_numpy(a), dtype=np.float64)


def _make_batch_norm_inference(rng, xp, dtype, *, shape, axis=1, affine=True):
    c = shape[axis]
    inputs = _make_batch_norm(rng, xp, dtype, shape=shape, axis=axis, affine=affine)
    s = rng.uniform(0.5, 2.0, c)  # the running statistics of a batch like the drawn one (scales in [0.5, 2])
    stats = {"running_mean": from_host(0.3 * s * rng.standard_normal(c), xp, dtype),
             "running_var": from_host(s * s * rng.uniform(0.5, 2.0, c), xp, dtype)}
    return Inputs(inputs.args, {**inputs.kwargs, **stats})


def _ref_batch_norm_inference(x, weight, bias, *, running_mean, running_var, axis=1, eps=1e-5):
    axis = axis % x.ndim
    shape = _channel_shape(x.ndim, axis, x.shape[axis])
    m, v = (np.reshape(_to_host(a), shape) for a in (running_mean, running_var))
    y = (x - m) / np.sqrt(v + eps)
    if weight is not None:
        y = y * np.reshape(weight, shape)
    return y if bias is None else y + np.reshape(bias, shape)


# x - m rounds to eps (|x| + |m|); relative to max|x_hat| that is eps kappa with kappa = max(|x| + |m|) /
# sqrt(v) / max|x_hat| <= 3 for these draws (tests/ops/test_batch_norm.py::test_inference_premise asserts it);
# then + eps, sqrt, divide, scale, shift: 5 roundings. c = 2 (3 + 5), doubled for headroom.
_INFERENCE_SCALE = 16.0

_BN_GRID = (
    {"shape": (4, 3)},  # BatchNorm1d on (N, C)
    {"shape": (2, 3, 5)},  # BatchNorm1d on (N, C, L)
    {"shape": (2, 2, 3, 5), "affine": False},  # BatchNorm2d, no affine
    {"shape": (3, 5, 2), "axis": -1},  # channels last
    {"shape": (4, 2, 4), "offset": 3.0},  # a mean offset: the centring cancels, kappa = 4
)

CASES = [
    Case(
        name="batch_norm",
        forward=batch_norm,
        vjp=batch_norm_vjp,
        argnums=(0, 1, 2),
        make=_make_batch_norm,
        grid=_BN_GRID,
        full_grid=(*_BN_GRID, {"shape": (8, 4, 6, 7)}, {"shape": (2, 16, 3, 3), "offset": 1.0},
                   {"shape": (5, 3, 2, 2, 2)}),
        error_scale=_batch_norm_error_scale,
        error_reason="per channel (n values): mean, centring (condition 1 + offset), variance, sqrt, affine: "
        "c = 2 (1.5 (2 + log2 n)(1 + offset) + 4)",
        reference=_ref_batch_norm,
        extra_checks=(_check_running_stats,),
    ),
    Case(
        name="batch_norm_inference",
        forward=batch_norm_inference,
        vjp=batch_norm_inference_vjp,
        argnums=(0, 1, 2),
        make=_make_batch_norm_inference,
        grid=(
            {"shape": (4, 3)},
            {"shape": (2, 3, 5)},
            {"shape": (1, 2, 3, 3), "affine": False},  # one sample: fine in inference
            {"shape": (3, 5, 2), "axis": -1},
        ),
        error_scale=_INFERENCE_SCALE,
        error_reason="x - m (condition kappa <= 3 here), + eps, sqrt, divide, scale, shift: c = 2 (3 + 5)",
        reference=_ref_batch_norm_inference,
    ),
]
