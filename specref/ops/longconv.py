r"""Long causal convolution by FFT (FlashFFTConv's semantics), bilinear in the signal and the kernel, with VJPs.

For a signal :math:`u` (..., H, N) (batch, channels or heads, length), a kernel :math:`k` (H, L) with
:math:`L \le N`, optional gates :math:`v, w` (the shape of :math:`u`) and an optional skip :math:`D` (H,):

.. math::

    z = v \odot u, \qquad c_t = \sum_{s=0}^{t} k_s\, z_{t-s}\ \ (k_s = 0 \text{ for } s \ge L), \qquad
    y = w \odot c + D \odot u .

**Why the padded FFT gives a causal convolution.** The DFT of length :math:`P` turns products into *circular*
convolutions: :math:`\mathrm{irfft}(\mathrm{rfft}(a)\,\mathrm{rfft}(b))_t = \sum_s a_s\, b_{(t-s) \bmod P}`. With
both sequences zero-padded to :math:`P = 2N` (:math:`z` has support :math:`[0, N)`, :math:`k` :math:`[0, L)`), a
term with :math:`t - s < 0` reads :math:`z` at :math:`t - s + P \in [N, 2N)`, where it is zero: for :math:`t < N`
the circular sum is the causal sum,

.. math:: c = \mathrm{crop}_N\, \mathrm{irfft}_{2N}\big(\mathrm{rfft}_{2N}(z)\; \mathrm{rfft}_{2N}(k)\big).

(Padding to :math:`N + L - 1` would do; :math:`2N` is FlashFFTConv's choice, a fast FFT size for power-of-two N.)
Cost: three real FFTs of length :math:`2N` per channel, :math:`O(N \log N)`, against :math:`O(NL)` directly.

**VJPs** (cotangent :math:`\bar y`; the conv's is :math:`\bar c = w \odot \bar y`). The conv is bilinear, each
partial map a convolution whose adjoint is the *correlation* with the other factor:

.. math::

    \bar z_r = \sum_{t \ge r} \bar c_t\, k_{t-r}, \qquad
    \bar k_s = \sum_{\text{batch}} \sum_{t \ge s} \bar c_t\, z_{t-s},

by FFT

.. math:: \bar z = \mathrm{crop}_N\, \mathrm{irfft}_{2N}\big(\mathrm{rfft}_{2N}(\bar c)\;
          \overline{\mathrm{rfft}_{2N}(k)}\big)

(the conjugate spectrum is the time reversal; the indices :math:`t - r < 0` fall on the zero padding again), and
the same for :math:`\bar k` with :math:`z` in place of :math:`k`, cropped to :math:`L`. Then
:math:`\bar u = v \odot \bar z + D \odot \bar y`, :math:`\bar v = u \odot \bar z`, :math:`\bar w = c \odot \bar y`,
:math:`\bar D = \sum_{\text{batch}, t} u \odot \bar y`.

:func:`longconv_adjoint` is the adjoint of the linear map :math:`u \mapsto k * u` (no gates, no skip) for a fixed
kernel, verified as a linear operator (dot-product and dense tests).
"""

from __future__ import annotations

import math

import numpy as np

from specref._args import check_cotangent_shape, check_input_shape
from specref.backend import check_float_dtype, dtype_name, namespace, random_normal, scipy_fft_for
from specref.ops._common import check_cotangent
from specref.testing.case import Case, Inputs
from specref.testing.tolerances import fft_error_scale

__all__ = ["longconv", "longconv_vjp", "longconv_adjoint", "check_longconv"]


def check_longconv(u, k, gate_pre=None, gate_post=None, skip=None) -> None:
    """Require u (..., H, N), k (H, L) with 1 <= L <= N, gates of u's shape and skip (H,), one real precision.

    Raises
    ------
    ValueError
        For a kernel longer than the sequence (the causal output has N entries: a longer kernel's tail would
        never be read; crop it first if that is meant), shapes that do not match, fewer than 2 axes in u.
    TypeError
        For complex, integer or bool arrays, or mixed precisions.
    """
    arrays = [a for a in (u, k, gate_pre, gate_post, skip) if a is not None]
    namespace(*arrays)
    for name, a in zip(("u", "k", "gate_pre", "gate_post", "skip"), (u, k, gate_pre, gate_post, skip), strict=True):
        if a is not None:
            check_float_dtype(a, allow_complex=False, name=name)
    if len({dtype_name(a.dtype) for a in arrays}) > 1:
        raise TypeError("longconv: u, k and the gates and skip must share one precision, got "
                        + ", ".join(dtype_name(a.dtype) for a in arrays))
    if u.ndim < 2 or k.ndim != 2:
        raise ValueError(f"longconv needs u of shape (..., H, N) and k of shape (H, L), got {tuple(u.shape)} and "
                         f"{tuple(k.shape)}")
    h, n = u.shape[-2:]
    if k.shape[0] != h:
        raise ValueError(f"longconv: k has {k.shape[0]} channels, u has H = {h}")
    if not 1 <= k.shape[1] <= n:
        raise ValueError(f"longconv: the kernel has length {k.shape[1]}, the sequence {n}: the kernel must be no "
                         "longer than the sequence (the causal output reads only its first N taps; crop it)")
    for name, g in (("gate_pre", gate_pre), ("gate_post", gate_post)):
        if g is not None and tuple(g.shape) != tuple(u.shape):
            raise ValueError(f"longconv: {name} has shape {tuple(g.shape)}, u {tuple(u.shape)}; they must be equal")
    if skip is not None and tuple(skip.shape) != (h,):
        raise ValueError(f"longconv: skip has shape {tuple(skip.shape)}, it must be (H,) = ({h},)")


def _rfft(a, n):
    """The unnormalised real FFT of length n along the last axis (scipy.fft on NumPy, as the transforms choose;
    ``xp.fft`` elsewhere). ops sits beside transforms in the import order, so it calls the engines directly."""
    xp = namespace(a)
    sf = scipy_fft_for(xp)
    return sf.rfft(a, n=n, axis=-1) if sf is not None else xp.fft.rfft(a, n=n, axis=-1)


def _irfft(a, n):
    xp = namespace(a)
    sf = scipy_fft_for(xp)
    return sf.irfft(a, n=n, axis=-1) if sf is not None else xp.fft.irfft(a, n=n, axis=-1)


def _conv(z, k, n):
    """crop_N irfft_2N(rfft_2N(z) rfft_2N(k)): the causal convolution of z (..., H, N) and k (H, L)."""
    return _irfft(_rfft(z, 2 * n) * _rfft(k, 2 * n), 2 * n)[..., :n]


def _corr(c, a, n, length):
    """crop_length irfft_2N(rfft_2N(c) conj(rfft_2N(a))): sum_{t >= r} c_t a_{t-r}, r < length."""
    xp = namespace(c)
    return _irfft(_rfft(c, 2 * n) * xp.conj(_rfft(a, 2 * n)), 2 * n)[..., :length]


def longconv(u, k, *, gate_pre=None, gate_post=None, skip=None):
    r"""The gated causal convolution :math:`y = w \odot (k * (v \odot u)) + D \odot u` (module docstring).

    .. math:: y_t = w_t \sum_{s=0}^{t} k_s\, v_{t-s} u_{t-s} + D\, u_t

    Parameters
    ----------
    u : array, float32 or float64, shape (..., H, N)
    k : array (H, L), L <= N
    gate_pre, gate_post : arrays of u's shape, optional
        v and w (FlashFFTConv's pre- and post-convolution gates).
    skip : array (H,), optional
        D, the skip connection's per-channel weight.

    Returns
    -------
    y : array of u's shape and dtype
    """
    check_longconv(u, k, gate_pre, gate_post, skip)
    n = u.shape[-1]
    z = u if gate_pre is None else gate_pre * u
    c = _conv(z, k, n)
    y = c if gate_post is None else gate_post * c
    return y if skip is None else y + skip[:, None] * u


def longconv_vjp(dy, u, k, y, *, gate_pre=None, gate_post=None, skip=None):
    r"""VJP of :func:`longconv`: ``(du, dk)``, then ``dgate_pre``, ``dgate_post``, ``dskip`` for those given.

    .. math:: \bar u = v \odot (k \star (w \odot \bar y)) + D \odot \bar y, \qquad
              \bar k = \textstyle\sum_{\text{batch}} (v \odot u) \star (w \odot \bar y)

    (:math:`\star`: the causal correlation of the module docstring).
    """
    check_longconv(u, k, gate_pre, gate_post, skip)
    check_cotangent(dy, u, y, "longconv_vjp", names=("dy", "u", "y"))
    xp = namespace(dy, u, k)
    n, length = u.shape[-1], k.shape[-1]
    z = u if gate_pre is None else gate_pre * u
    dc = dy if gate_post is None else gate_post * dy
    dz = _corr(dc, k, n, n)
    dk_full = _corr(dc, z, n, length)
    dk = xp.sum(xp.reshape(dk_full, (-1, *k.shape)), axis=0)
    du = dz if gate_pre is None else gate_pre * dz
    if skip is not None:
        du = du + skip[:, None] * dy
    out = [du, dk]
    if gate_pre is not None:
        out.append(u * dz)
    if gate_post is not None:
        out.append(_conv(z, k, n) * dy)
    if skip is not None:
        out.append(xp.sum(xp.reshape(u * dy, (-1, *u.shape[-2:])), axis=(0, 2)))
    return tuple(out)


def longconv_adjoint(y, *, input_shape, k):
    r"""Adjoint of :math:`u \mapsto k * u` (:func:`longconv` without gates or skip) for a fixed kernel: the causal
    correlation.

    .. math:: \bar u_r = \sum_{t \ge r} y_t\, k_{t-r}
    """
    shape = check_input_shape(input_shape)
    check_cotangent_shape(y, shape, "longconv_adjoint", shape)
    check_longconv(y, k)
    return _corr(y, k, shape[-1], shape[-1])


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _direct(u, k, gate_pre=None, gate_post=None, skip=None):
    """The convolution as its sum (scipy.signal.convolve, direct method), float64."""
    import scipy.signal

    u = np.asarray(u, np.float64)
    k = np.asarray(k, np.float64)
    z = u if gate_pre is None else np.asarray(gate_pre, np.float64) * u
    n = u.shape[-1]
    c = np.empty_like(z)
    for idx in np.ndindex(z.shape[:-1]):
        c[idx] = scipy.signal.convolve(z[idx], k[idx[-1]], method="direct")[:n]
    y = c if gate_post is None else np.asarray(gate_post, np.float64) * c
    return y if skip is None else y + np.asarray(skip, np.float64)[:, None] * u


def _make(rng, xp, dtype, *, shape, length):
    return Inputs((random_normal(rng, shape, dtype=dtype, xp=xp),
                   random_normal(rng, (shape[-2], length), dtype=dtype, xp=xp)))


def _make_gated(rng, xp, dtype, *, shape, length):
    draw = lambda s: random_normal(rng, s, dtype=dtype, xp=xp)  # noqa: E731
    return Inputs((draw(shape), draw((shape[-2], length)), draw(shape), draw(shape), draw((shape[-2],))))


def _gated(u, k, v, w, d):
    return longconv(u, k, gate_pre=v, gate_post=w, skip=d)


def _gated_vjp(dy, u, k, v, w, d, y):
    return longconv_vjp(dy, u, k, y, gate_pre=v, gate_post=w, skip=d)


def _make_linear(rng, xp, dtype, *, shape, length):
    return Inputs((random_normal(rng, shape, dtype=dtype, xp=xp),),
                  {"k": random_normal(rng, (shape[-2], length), dtype=dtype, xp=xp)})


def _scale(p) -> float:
    # three FFTs of length 2N (the c eps log2 claim each), a spectral product (2), the gates and skip (3), and the
    # sum of L terms each output is (the FFT's error is normwise over the whole spectrum): log2 L + 1
    n = p["shape"][-1]
    return 3.0 * fft_error_scale(2 * n) + 5.0 + math.log2(max(2, p["length"]))


_GRID = ({"shape": (2, 3, 8), "length": 8}, {"shape": (3, 7), "length": 4}, {"shape": (2, 2, 16), "length": 5},
         {"shape": (1, 2, 9), "length": 1})

CASES = [
    Case(name="longconv", forward=longconv, vjp=longconv_vjp, make=_make, argnums=(0, 1), grid=_GRID,
         error_scale=_scale, error_reason="three FFTs of length 2N, a spectral product, an L-term sum",
         reference=_direct),
    Case(name="longconv_gated", forward=_gated, vjp=_gated_vjp, make=_make_gated, argnums=(0, 1, 2, 3, 4),
         grid=({"shape": (2, 3, 8), "length": 8}, {"shape": (3, 7), "length": 4}), error_scale=_scale,
         error_reason="three FFTs of length 2N, a spectral product, gates and skip, an L-term sum",
         reference=lambda u, k, v, w, d: _direct(u, k, v, w, d)),
    Case(name="longconv_linear", forward=lambda u, *, k: longconv(u, k), adjoint=longconv_adjoint,
         make=_make_linear, grid=({"shape": (2, 3, 8), "length": 8}, {"shape": (4, 5), "length": 3}),
         error_scale=_scale, error_reason="three FFTs of length 2N and a spectral product",
         reference=lambda u, *, k: _direct(u, k)),
]
