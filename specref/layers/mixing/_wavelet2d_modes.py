r"""The mixers of :class:`specref.layers.mixing.wavelet2d.WaveletMixing2D`, one forward/backward pair per mode.

Every mixer acts on the subbands of a J-level 2-D DWT in spectrans's order (:func:`bands_from_coeffs`):

.. math:: \mathcal B = (LL_J,\ cH_1, cV_1, cD_1,\ cH_2, cV_2, cD_2,\ \dots,\ cH_J, cV_J, cD_J),

the approximation first, then the details from the finest level (:math:`j = 1`) to the coarsest, each of
shape (..., C, h_j, w_j), where pywt's ``wavedec2`` lists them coarsest first. Both reorderings are
permutations of a list of arrays, so each is the other's adjoint.

- ``subband`` (:func:`subband_forward`): each band reshaped to (..., C, 1, h, w) (the channels join the batch
  of a one-channel convolution, shared across channels as spectrans's loop shares it), a 3x3 convolution
  (padding 1) per band; on LL then a batch norm and a ReLU. The batch norm's statistics are those of
  spectrans's per-channel loop: in training mode each input channel c is normalised with its own batch
  statistics over (batch, h, w), and the running statistics are updated once per channel, in channel order.
- ``cross`` and ``attention`` (:func:`sequence_forward`): the bands of a channel flattened row-major and
  concatenated into one sequence of length :math:`L = \sum_b h_b w_b` with one feature, (..., C, L, 1), run
  through a child layer (``nn.MultiheadAttention(1, 1)`` or the ``TransformerEncoder``), and split back.

A leaf helper of the layer module; the derivations are on the docs page of the wavelet mixing layers.
"""

from __future__ import annotations

from dataclasses import dataclass

from specref.backend import namespace
from specref.ops.batch_norm import (
    batch_norm,
    batch_norm_inference,
    batch_norm_inference_vjp,
    batch_norm_running_stats,
    batch_norm_vjp,
)
from specref.ops.broadcast import sum_to_shape
from specref.ops.conv import conv2d, conv2d_vjp
from specref.ops.elementwise import relu, relu_vjp

__all__ = [
    "DETAIL_KEYS",
    "RUNNING_STATS",
    "bands_from_coeffs",
    "coeffs_from_bands",
    "mixer_names",
    "SubbandCtx",
    "subband_forward",
    "subband_backward",
    "flatten_bands",
    "split_sequence",
]

#: the keys of a level's detail mixers, in the order they receive pywt's (cH, cV, cD) (spectrans's names: its
#: "lh" mixer receives pywt's cH, the detail along the rows, which is what pywt calls horizontal)
DETAIL_KEYS = ("lh", "hl", "hh")

#: the batch norm's buffers (torch's BatchNorm2d), updated by a training forward
RUNNING_STATS = ("ll_mixer.1.running_mean", "ll_mixer.1.running_var", "ll_mixer.1.num_batches_tracked")


# ----------------------------------------------------------------------------------------------------------
# band order: pywt's (coarsest first) <-> spectrans's (finest first)


def bands_from_coeffs(coeffs) -> tuple:
    """pywt's ``[cA_J, (cH_J, cV_J, cD_J), ..., (cH_1, cV_1, cD_1)]`` as spectrans's flat
    ``(cA_J, cH_1, cV_1, cD_1, ..., cH_J, cV_J, cD_J)``: a permutation (its adjoint is
    :func:`coeffs_from_bands`)."""
    levels = len(coeffs) - 1
    return (coeffs[0], *[band for j in range(levels) for band in coeffs[levels - j]])


def coeffs_from_bands(bands) -> list:
    """The inverse (and adjoint) of :func:`bands_from_coeffs`: spectrans's flat order back to pywt's list."""
    levels = (len(bands) - 1) // 3
    return [bands[0], *[tuple(bands[1 + 3 * j:4 + 3 * j]) for j in reversed(range(levels))]]


def mixer_names(levels: int) -> tuple:
    """The convolution of each band in spectrans's order: ``ll_mixer.0``, then ``detail_mixers.{j}.{key}``
    (``j = 0`` the finest level, as spectrans indexes its ModuleList)."""
    return ("ll_mixer.0", *[f"detail_mixers.{j}.{k}" for j in range(levels) for k in DETAIL_KEYS])


# ----------------------------------------------------------------------------------------------------------
# subband: a convolution per band; batch norm and ReLU on LL


@dataclass(frozen=True)
class SubbandCtx:
    """What :func:`subband_backward` reads (arrays of shape (..., C, 1, h, w) unless noted)."""

    training: bool
    axis: int  # the channel axis C of the (..., C, 1, h, w) arrays (non-negative)
    inputs: tuple  # (S1) each band with a singleton conv-channel axis
    conv_out: tuple  # (S2) each band's convolution
    bn_weight: object  # (S3) the batch norm's weight as it was applied: (C,) in training mode, (1,) in eval
    bn_bias: object  # (S3) likewise
    running: tuple | None  # (S3) eval mode: the (mean, variance) used; None in training mode
    bn_out: object  # (S3) batch norm of LL's convolution (the ReLU's input)
    relu_out: object  # (S4) ReLU of it, LL's mixed band


def subband_forward(params, buffers, bands, *, training: bool, eps: float, momentum: float):
    r"""``(mixed, ctx, new_buffers)`` of the subband mixer.

    .. math::

        u_b &= \operatorname{conv}_{3\times 3}(\mathcal B_b;\ W_b, \beta_b) \qquad \text{(S1, S2)} \\
        v &= \gamma\,\frac{u_{LL} - \mu_c}{\sqrt{\sigma_c^2 + \epsilon}} + \delta \qquad \text{(S3)} \\
        \tilde{\mathcal B}_{LL} &= \max(v, 0), \qquad \tilde{\mathcal B}_b = u_b \ (b \ne LL) \qquad \text{(S4)}

    with :math:`\mu_c, \sigma_c^2` the batch mean and biased variance of channel c over (batch, h, w) in
    training mode (spectrans normalises each channel in its own call of BatchNorm2d) and the running
    statistics in eval mode. In training mode ``new_buffers`` holds the running statistics after C updates
    in channel order (momentum applied at each) and ``num_batches_tracked + C``; ``{}`` in eval mode.
    """
    xp = namespace(*bands)
    names = mixer_names((len(bands) - 1) // 3)
    inputs = tuple(xp.expand_dims(b, axis=-3) for b in bands)  # (S1) (..., C, h, w) -> (..., C, 1, h, w)
    axis = inputs[0].ndim - 4
    conv_out = tuple(conv2d(u, params[f"{n}.weight"], params[f"{n}.bias"], padding=1)  # (S2)
                     for u, n in zip(inputs, names, strict=True))
    u = conv_out[0]
    gamma, delta = params["ll_mixer.1.weight"], params["ll_mixer.1.bias"]
    new_buffers, running = {}, None
    if training:
        channels = u.shape[axis]
        # (S3) one (gamma, delta) for every channel, statistics per channel: the affine params broadcast to (C,)
        weight, bias = xp.broadcast_to(gamma, (channels,)), xp.broadcast_to(delta, (channels,))
        v = batch_norm(u, weight, bias, eps=eps, axis=axis)
        mean, var, count = (buffers[k] for k in RUNNING_STATS)
        for c in range(channels):  # spectrans's loop: one BatchNorm2d call, one update, per channel in order
            mean, var, count = batch_norm_running_stats(u[..., c, :, :, :], mean, var, count, momentum=momentum,
                                                        axis=-3)
        new_buffers = dict(zip(RUNNING_STATS, (mean, var, count), strict=True))
    else:
        weight, bias, running = gamma, delta, (buffers[RUNNING_STATS[0]], buffers[RUNNING_STATS[1]])
        v = batch_norm_inference(u, weight, bias, running_mean=running[0], running_var=running[1], eps=eps,
                                 axis=axis + 1)  # (S3)
    r = relu(v)  # (S4)
    mixed = (xp.squeeze(r, axis=-3), *(xp.squeeze(o, axis=-3) for o in conv_out[1:]))
    ctx = SubbandCtx(training=training, axis=axis, inputs=inputs, conv_out=conv_out, bn_weight=weight,
                     bn_bias=bias, running=running, bn_out=v, relu_out=r)
    return mixed, ctx, new_buffers


def subband_backward(params, ctx: SubbandCtx, dmixed, *, eps: float):
    """``(dbands, grads)``: (S4) to (S1) in reverse."""
    xp = namespace(*dmixed)
    names = mixer_names((len(dmixed) - 1) // 3)
    # (S4) the squeeze's adjoint restores the singleton axis; ReLU: dv = dr 1[v > 0]
    dout = [xp.expand_dims(d, axis=-3) for d in dmixed]
    dv = relu_vjp(dout[0], ctx.bn_out, ctx.relu_out)
    if ctx.training:
        # (S3) batch norm through the per-channel statistics; the broadcast (1,) -> (C,) adjoint sums over C
        du, dweight, dbias = batch_norm_vjp(dv, ctx.conv_out[0], ctx.bn_weight, ctx.bn_bias, ctx.bn_out, eps=eps,
                                            axis=ctx.axis)
        dgamma, ddelta = sum_to_shape(dweight, (1,)), sum_to_shape(dbias, (1,))
    else:
        # (S3) batch norm with the running statistics: an affine map of u per channel
        du, dgamma, ddelta = batch_norm_inference_vjp(dv, ctx.conv_out[0], ctx.bn_weight, ctx.bn_bias, ctx.bn_out,
                                                      running_mean=ctx.running[0], running_var=ctx.running[1],
                                                      eps=eps, axis=ctx.axis + 1)
    dout[0] = du
    grads = {"ll_mixer.1.weight": dgamma, "ll_mixer.1.bias": ddelta}
    dbands = []
    for n, d, u, o in zip(names, dout, ctx.inputs, ctx.conv_out, strict=True):
        # (S2) the convolution: correlation of d with the band (weight), transposed convolution (input), sum (bias)
        dinput, grads[f"{n}.weight"], grads[f"{n}.bias"] = conv2d_vjp(d, u, params[f"{n}.weight"],
                                                                      params[f"{n}.bias"], o, padding=1)
        dbands.append(xp.squeeze(dinput, axis=-3))  # (S1) expand_dims' adjoint
    return tuple(dbands), grads


# ----------------------------------------------------------------------------------------------------------
# cross / attention: the bands of a channel as one sequence with one feature


def flatten_bands(bands):
    """(..., C, h_b, w_b) bands -> one sequence (..., C, L, 1), each band row-major (torch's ``flatten(2)``),
    concatenated in order. A reshape and a concatenation: an orthogonal map, whose adjoint (and inverse) is
    :func:`split_sequence`."""
    xp = namespace(*bands)
    flat = [xp.reshape(b, (*b.shape[:-2], b.shape[-2] * b.shape[-1])) for b in bands]
    return xp.expand_dims(xp.concat(flat, axis=-1), axis=-1)


def split_sequence(seq, shapes):
    """The inverse (and adjoint) of :func:`flatten_bands`: (..., C, L, 1) back to bands of ``shapes``."""
    xp = namespace(seq)
    seq = xp.squeeze(seq, axis=-1)
    out, offset = [], 0
    for shape in shapes:
        size = shape[-2] * shape[-1]
        out.append(xp.reshape(seq[..., offset:offset + size], tuple(shape)))
        offset += size
    return tuple(out)
