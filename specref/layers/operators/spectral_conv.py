r"""Spectral convolutions of the Fourier Neural Operator: a learned complex channel mixing per kept mode.

Three layers with spectrans's constructor arguments and parameter layout (spectrans 0.1.0,
``layers/operators/fno.py``): :class:`SpectralConv1d`, :class:`SpectralConv2d` (spectrans's one corner of
the rfft2 spectrum) and :class:`SpectralConv2dTwoCorners` (the FNO paper's reference code, Li et al. 2021,
which also keeps the negative frequencies along the first spatial axis). For input :math:`x` of shape
``(..., C_in, N)`` and complex weights :math:`W \in \mathbb C^{C_{in} \times C_{out} \times m}` stored as
real (re, im) pairs (``weights``, shape ``(C_in, C_out, m, 2)``, torch's ``view_as_real`` layout):

.. math::

    X = \operatorname{rfft}(x) \quad (1), \qquad
    X_m = X_{\dots, :m} \quad (2), \qquad
    W = \operatorname{view\_as\_complex}(\texttt{weights}) \quad (3),

.. math::

    Y_{\dots o k} = \sum_i X_{\dots i k}\, W_{i o k} \quad (k < m) \quad (4), \qquad
    Y_{\text{full}} = [Y, 0] \in \mathbb C^{\dots \times C_{out} \times (N//2+1)} \quad (5), \qquad
    y = \operatorname{irfft}(Y_{\text{full}}, n = N) \quad (6),

with torch's default norm ("backward": no factor forward, :math:`1/N` inverse). The 2-D layers do the same
with ``rfft2``/``irfft2(s=(H, W))`` and the modes :math:`(k_1, k_2)` flattened into one mode axis; only the
first :math:`m_2` columns of the spectrum are ever nonzero or read, so both run as
:mod:`~specref.transforms.fourier_pruned`'s transforms (the FFT along H on those :math:`m_2` columns only).

Backward (specref's convention, docs/conventions.md: the gradient of a real loss with respect to
:math:`z = a + ib` is :math:`\partial L/\partial a + i\,\partial L/\partial b`). (4) is holomorphic in
:math:`X` and :math:`W`, so it pulls back by conjugate derivatives:
:math:`\bar X_{\dots i k} = \sum_o \bar Y_{\dots o k} \overline{W_{iok}}` and
:math:`\bar W_{iok} = \sum_{\text{batch}} \overline{X_{\dots i k}}\, \bar Y_{\dots o k}`. (Derivation for
one term :math:`Y = X W`: with :math:`L` real, :math:`dL = \operatorname{Re}(\overline{\bar Y}\, dY)` and
:math:`dY = X\, dW`, so :math:`dL = \operatorname{Re}(\overline{\bar Y} X\, dW)
= \operatorname{Re}(\overline{\overline{X} \bar Y}\, dW)`, i.e. :math:`\bar W = \overline X \bar Y`.)
The mixing (4) is :func:`specref.ops.linear.block_linear` with one block per mode and no bias, and
its VJP is ``block_linear_vjp``. (1), (6) pull back by ``rfft_adjoint`` / ``irfft_adjoint``, where the
Hermitian weighting of the half spectrum lives (DC and, for even :math:`N`, Nyquist once, other bins
twice); (3) by ``view_as_complex_adjoint`` (= ``view_as_real``: the pair layout gets ordinary real
gradients); the crop (2) and zero-fill (5) by each other. Modes above :math:`m` get exactly zero gradient.

Where specref departs from spectrans: spectrans crashes inside ``einsum`` with a shape mismatch for ``modes``
larger than the spectrum (``modes > N//2 + 1``; ``m1 > H``); specref raises a ValueError giving the limit.
spectrans requires exactly one batch axis; specref accepts any leading batch shape (including none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from specref._args import check_positive_int, check_sizes
from specref.backend import as_generator, dtype_name, namespace
from specref.layers.base import Layer, LayerCtx, layer_case
from specref.ops.complex import view_as_complex, view_as_complex_adjoint
from specref.ops.linear import block_linear, block_linear_vjp
from specref.testing.tolerances import fft_error_scale, summation_factor
from specref.transforms.fourier import irfft, irfft_adjoint, rfft, rfft_adjoint
from specref.transforms.fourier_pruned import (
    irfft2_pruned,
    irfft2_pruned_adjoint,
    rfft2_pruned,
    rfft2_pruned_adjoint,
)
from specref.transforms.structural import crop_or_pad, crop_or_pad_adjoint

__all__ = [
    "SpectralConvCtx",
    "SpectralConv1d",
    "SpectralConv2d",
    "SpectralConv2dTwoCorners",
]


# ----------------------------------------------------------------------------------------------------------
# the per-mode channel mixing (4), shared by the three layers


def _mix(xm, w):
    r"""(4) :math:`Y_{\dots o k} = \sum_i X_{\dots i k} W_{iok}` for ``xm`` (..., C_in, K), ``w`` (C_in, C_out, K).

    Returns ``(y, xk, wk, yk)``: ``y`` (..., C_out, K) and the block-linear operands the VJP needs:
    ``xk`` (..., K, C_in), ``wk`` (K, C_in, C_out), ``yk`` (..., K, C_out).
    """
    xp = namespace(xm, w)
    xk = xp.matrix_transpose(xm)  # modes before channels: (..., K, C_in)
    wk = xp.permute_dims(w, (2, 0, 1))  # (K, C_in, C_out): one C_in x C_out matrix per mode
    yk = block_linear(xk, wk)  # (..., K, C_out), no bias
    return xp.matrix_transpose(yk), xk, wk, yk


def _mix_vjp(dy, xk, wk, yk):
    """VJP of :func:`_mix`: ``(dxm, dw)`` of shapes (..., C_in, K) and (C_in, C_out, K)."""
    xp = namespace(dy, xk, wk)
    # y = transpose(yk): the transpose's adjoint is the transpose
    dyk = xp.matrix_transpose(dy)
    # yk = block_linear(xk, wk): dxk = dyk conj(wk)^T per mode, dwk = sum_batch conj(xk)^T dyk per mode
    dxk, dwk, _ = block_linear_vjp(dyk, xk, wk, None, yk)
    # xk = transpose(xm) and wk = permute(w, (2, 0, 1)): their adjoints are the inverse permutations
    return xp.matrix_transpose(dxk), xp.permute_dims(dwk, (1, 2, 0))


def _init_weights(gen, shape: tuple, c_in: int, c_out: int) -> np.ndarray:
    """spectrans's init: ``torch.randn(*shape) / (C_in C_out)`` (host float64)."""
    return gen.standard_normal(shape) * (1.0 / (c_in * c_out))


def _check_spectral_input(layer: Layer, x, n_spatial: int) -> None:
    """x of shape (..., C_in, *spatial) with ``n_spatial`` spatial axes of length >= 1, real, the params'
    precision."""
    try:
        namespace(x)
    except TypeError:
        raise TypeError(f"{type(layer).__name__} accepts an array for x (NumPy, CuPy or array-api-strict), got "
                        f"{type(x).__name__}; layers do not convert their input") from None
    layer._check_input(x)
    name, need = type(layer).__name__, n_spatial + 1
    layout = "(..., C_in, N)" if n_spatial == 1 else "(..., C_in, H, W)"
    if x.ndim < need:
        raise ValueError(f"{name} needs input of shape {layout} (at least {need} dimensions); x has shape "
                         f"{tuple(x.shape)}")
    if x.shape[-need] != layer.in_channels:
        raise ValueError(f"{name} has in_channels {layer.in_channels} but x has {x.shape[-need]} channels at "
                         f"axis {-need} (shape {tuple(x.shape)}, layout {layout})")
    if any(s < 1 for s in x.shape[-n_spatial:]):
        raise ValueError(f"{name} needs spatial lengths >= 1; x has shape {tuple(x.shape)}")


# ----------------------------------------------------------------------------------------------------------
# context


@dataclass(frozen=True)
class SpectralConvCtx(LayerCtx):
    """What the spectral convolutions' ``backward`` reads.

    ``x_shape``: the input's shape; ``spectrum_shape``: the shape of :math:`X` (1); ``y_full_shape``: the
    shape of :math:`Y_\\text{full}` (5) (both with :math:`m_2` columns in 2-D); ``mixes``: per corner (one, or two for
    :class:`SpectralConv2dTwoCorners`) the block-linear operands ``(xk, wk, yk)`` of (4).
    """

    x_shape: tuple
    spectrum_shape: tuple
    y_full_shape: tuple
    mixes: tuple


# ----------------------------------------------------------------------------------------------------------
# the layers


class SpectralConv1d(Layer):
    r"""1-D spectral convolution: the lowest ``modes`` rfft bins mixed across channels by complex weights.

    Parameters
    ----------
    in_channels, out_channels : int >= 1
    modes : int >= 1
        Kept rfft bins :math:`m`; at most :math:`N//2 + 1` for an input of length :math:`N` (checked at
        forward).
    seed : int or numpy.random.Generator
        Draws ``weights`` as spectrans: N(0, 1) / (C_in C_out).

    Attributes
    ----------
    params : dict
        ``"weights"``: real array (C_in, C_out, modes, 2), the (re, im) pairs of :math:`W`.
    """

    def __init__(self, in_channels: int, out_channels: int, modes: int, *, seed=0):
        self.in_channels = check_positive_int(in_channels, "in_channels")
        self.out_channels = check_positive_int(out_channels, "out_channels")
        self.modes = check_positive_int(modes, "modes")
        shape = (self.in_channels, self.out_channels, self.modes, 2)
        self._init_arrays({"weights": _init_weights(as_generator(seed), shape, self.in_channels,
                                                    self.out_channels)})

    def _check_modes(self, n: int) -> None:
        if self.modes > n // 2 + 1:
            raise ValueError(f"SpectralConv1d keeps modes = {self.modes} rfft bins, but an input of length N = "
                             f"{n} has only N // 2 + 1 = {n // 2 + 1}: modes must be <= {n // 2 + 1}")

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """Return ``(y, ctx)``: ``y`` real, shape (..., C_out, N), the precision of ``x``.

        Parameters
        ----------
        x : real array (..., C_in, N), float32 or float64 (the params' precision)
        training, rng, masks
            Accepted for the Layer contract; the layer has no dropout.

        Raises
        ------
        ValueError
            For fewer than 2 dimensions, a channel axis (-2) other than ``in_channels``, ``N = 0``, or
            ``modes > N // 2 + 1``.
        TypeError
            For complex, integer or bool input, or a precision other than the params'.
        """
        _check_spectral_input(self, x, 1)
        self._dropout_mask("", (), 0.0, x=x, training=False, rng=None, masks=masks)  # refuses unknown masks
        n, m = x.shape[-1], self.modes
        self._check_modes(n)
        spectrum = rfft(x, n=n, axis=-1)  # (1) X, (..., C_in, N//2+1)
        xm = crop_or_pad(spectrum, m, axis=-1)  # (2) X_m, the kept bins
        w = view_as_complex(self.params["weights"])  # (3) W, (C_in, C_out, m)
        ym, xk, wk, yk = _mix(xm, w)  # (4) Y, (..., C_out, m)
        y_full = crop_or_pad(ym, n // 2 + 1, axis=-1)  # (5) zeros above the kept bins
        y = irfft(y_full, n=n, axis=-1)  # (6)
        return y, SpectralConvCtx(dtype=dtype_name(x.dtype), x_shape=tuple(x.shape),
                                  spectrum_shape=tuple(spectrum.shape), y_full_shape=tuple(y_full.shape),
                                  mixes=((xk, wk, yk),))

    def backward(self, ctx: SpectralConvCtx, dy):
        """``(dx, {"weights": dweights})``: the forward's lines (6) to (1) in reverse."""
        shape = (*ctx.x_shape[:-2], self.out_channels, ctx.x_shape[-1])
        self._check_cotangent(ctx, dy, shape)
        n, m = ctx.x_shape[-1], self.modes
        # (6) y = irfft(Y_full, n): its adjoint is rfft of dy times the Hermitian weights (1 at DC and even-N
        # Nyquist, 2 elsewhere) and the factor 1/N, all inside irfft_adjoint
        dy_full = irfft_adjoint(dy, input_shape=ctx.y_full_shape, n=n, axis=-1)
        # (5) zero-fill to N//2+1 bins: its adjoint crops back to the m kept bins (the rest is discarded)
        dym = crop_or_pad_adjoint(dy_full, input_shape=(*ctx.y_full_shape[:-1], m), n=n // 2 + 1, axis=-1)
        # (4) Y = sum_i X_i W_io per mode: dX_i = sum_o dY_o conj(W_io), dW_io = sum_batch conj(X_i) dY_o
        dxm, dw = _mix_vjp(dym, *ctx.mixes[0])
        # (3) W = view_as_complex(weights): its adjoint is view_as_real, the real (re, im) gradient pairs
        dweights = view_as_complex_adjoint(dw, input_shape=tuple(self.params["weights"].shape))
        # (2) X_m = crop of X to m bins: its adjoint zero-pads the bins above m (zero gradient there)
        dspectrum = crop_or_pad_adjoint(dxm, input_shape=ctx.spectrum_shape, n=m, axis=-1)
        # (1) X = rfft(x): rfft's adjoint (its Hermitian weighting included), real, of x's shape
        dx = rfft_adjoint(dspectrum, input_shape=ctx.x_shape, n=n, axis=-1)
        return dx, {"weights": dweights}


class SpectralConv2d(Layer):
    r"""2-D spectral convolution, spectrans's: one corner of the rfft2 spectrum, rows :math:`[0, m_1)` and
    columns :math:`[0, m_2)`, mixed across channels (the negative frequencies along H are dropped).

    .. math:: Y_{\dots o k_1 k_2} = \sum_i X_{\dots i k_1 k_2} W_{i o k_1 k_2}, \quad k_1 < m_1,\ k_2 < m_2;
              \qquad y = \operatorname{irfft2}(Y_\text{full}, s = (H, W))

    Parameters
    ----------
    in_channels, out_channels : int >= 1
    modes : (int, int), each >= 1
        :math:`(m_1, m_2)`; limits :math:`m_1 \le H` and :math:`m_2 \le W//2 + 1` (checked at forward).
    seed : int or numpy.random.Generator
        Draws ``weights`` as spectrans: N(0, 1) / (C_in C_out).

    Attributes
    ----------
    params : dict
        ``"weights"``: real array (C_in, C_out, m1, m2, 2).
    """

    _weight_names: tuple[str, ...] = ("weights",)

    def __init__(self, in_channels: int, out_channels: int, modes: tuple[int, int], *, seed=0):
        self.in_channels = check_positive_int(in_channels, "in_channels")
        self.out_channels = check_positive_int(out_channels, "out_channels")
        self.modes = check_sizes(modes, 2, name="modes")
        self.modes1, self.modes2 = self.modes  # spectrans's attribute names
        gen = as_generator(seed)
        shape = (self.in_channels, self.out_channels, *self.modes, 2)
        self._init_arrays({k: _init_weights(gen, shape, self.in_channels, self.out_channels)
                           for k in self._weight_names})

    def _row_limit(self, h: int) -> tuple[int, str]:
        return h, "H"

    def _check_modes(self, h: int, w: int) -> None:
        name, (m1, m2) = type(self).__name__, self.modes
        limit, what = self._row_limit(h)
        if m1 > limit:
            raise ValueError(f"{name} keeps m1 = {m1} rows of the spectrum, but an input of height H = {h} "
                             f"allows {what} = {limit}: modes[0] must be <= {limit}")
        if m2 > w // 2 + 1:
            raise ValueError(f"{name} keeps m2 = {m2} rfft columns, but an input of width W = {w} has only "
                             f"W // 2 + 1 = {w // 2 + 1}: modes[1] must be <= {w // 2 + 1}")

    # the kept corners of the spectrum (2) and the scatter back (5): mutually adjoint (P and P^T)

    def _corners(self, z, h: int):
        """(2) The kept blocks of ``z`` (..., C, H, Wk): rows [:m1], columns [:m2]."""
        m1, m2 = self.modes
        return (crop_or_pad(crop_or_pad(z, m1, axis=-2), m2, axis=-1),)

    def _scatter(self, blocks, h: int, wk: int):
        """(5) The blocks placed in a zero (..., C, H, Wk) spectrum at the rows of :meth:`_corners`."""
        return crop_or_pad(crop_or_pad(blocks[0], wk, axis=-1), h, axis=-2)

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """Return ``(y, ctx)``: ``y`` real, shape (..., C_out, H, W), the precision of ``x``.

        Parameters
        ----------
        x : real array (..., C_in, H, W), float32 or float64 (the params' precision)
        training, rng, masks
            Accepted for the Layer contract; the layer has no dropout.

        Raises
        ------
        ValueError
            For fewer than 3 dimensions, a channel axis (-3) other than ``in_channels``, an empty spatial
            axis, or modes beyond the limits.
        TypeError
            For complex, integer or bool input, or a precision other than the params'.
        """
        _check_spectral_input(self, x, 2)
        self._dropout_mask("", (), 0.0, x=x, training=False, rng=None, masks=masks)  # refuses unknown masks
        xp = namespace(x)
        h, w_len = x.shape[-2], x.shape[-1]
        self._check_modes(h, w_len)
        m1, m2 = self.modes
        spectrum = rfft2_pruned(x, s=(h, w_len), cols=m2)  # (1) X's m2 kept columns, (..., C_in, H, m2)
        mixes, outs = [], []
        for block, name in zip(self._corners(spectrum, h), self._weight_names, strict=True):
            xm = xp.reshape(block, (*block.shape[:-2], m1 * m2))  # (2) the kept modes flattened: k1 m2 + k2
            wc = view_as_complex(self.params[name])  # (3) W, (C_in, C_out, m1, m2)
            ym, xk, wk, yk = _mix(xm, xp.reshape(wc, (*wc.shape[:2], m1 * m2)))  # (4)
            mixes.append((xk, wk, yk))
            outs.append(xp.reshape(ym, (*ym.shape[:-1], m1, m2)))
        y_full = self._scatter(outs, h, m2)  # (5) zeros outside the kept corners (columns beyond m2: in (6))
        y = irfft2_pruned(y_full, s=(h, w_len))  # (6): irfft2 of y_full zero-padded to W//2+1 columns
        return y, SpectralConvCtx(dtype=dtype_name(x.dtype), x_shape=tuple(x.shape),
                                  spectrum_shape=tuple(spectrum.shape), y_full_shape=tuple(y_full.shape),
                                  mixes=tuple(mixes))

    def backward(self, ctx: SpectralConvCtx, dy):
        """``(dx, grads)``: the forward's lines (6) to (1) in reverse; grads keyed like ``params``."""
        shape = (*ctx.x_shape[:-3], self.out_channels, *ctx.x_shape[-2:])
        self._check_cotangent(ctx, dy, shape)
        xp = namespace(dy)
        h, w_len = ctx.x_shape[-2:]
        m1, m2 = self.modes
        # (6) y = irfft2(Y_full, s): its adjoint (Hermitian weights along the last axis, 1/(HW)) inside, cropped
        # to the m2 kept columns
        dy_full = irfft2_pruned_adjoint(dy, input_shape=ctx.y_full_shape, s=(h, w_len))
        # (5) the scatter into zeros: its adjoint is the extraction of the same corners (P^T)
        dblocks = self._corners(dy_full, h)
        grads, dxblocks = {}, []
        for dblock, mix, name in zip(dblocks, ctx.mixes, self._weight_names, strict=True):
            # (4) per mode: dX_i = sum_o dY_o conj(W_io), dW_io = sum_batch conj(X_i) dY_o; the reshapes'
            # adjoints are the inverse reshapes
            dxm, dw = _mix_vjp(xp.reshape(dblock, (*dblock.shape[:-2], m1 * m2)), *mix)
            wshape = tuple(self.params[name].shape)
            # (3) W = view_as_complex(weights): its adjoint view_as_real gives the real (re, im) pairs
            grads[name] = view_as_complex_adjoint(xp.reshape(dw, wshape[:-1]), input_shape=wshape)
            dxblocks.append(xp.reshape(dxm, (*dxm.shape[:-1], m1, m2)))  # (2) the flattening's adjoint: unflatten
        # (2) the extraction of the corners: its adjoint scatters them into zeros (zero gradient elsewhere)
        dspectrum = self._scatter(dxblocks, h, ctx.spectrum_shape[-1])
        # (1) X = rfft2(x) (its m2 kept columns): the adjoint (its Hermitian weighting included), real, x's shape
        dx = rfft2_pruned_adjoint(dspectrum, input_shape=ctx.x_shape, s=(h, w_len), cols=m2)
        return dx, grads


class SpectralConv2dTwoCorners(SpectralConv2d):
    r"""2-D spectral convolution of the FNO paper (Li et al. 2021, reference ``SpectralConv2d``): two corners
    of the rfft2 spectrum, rows :math:`[0, m_1)` with ``weights1`` and rows :math:`[H - m_1, H)` (the negative
    frequencies along H) with ``weights2``, columns :math:`[0, m_2)` for both.

    .. math:: Y_{\dots o k_1 k_2} = \sum_i X_{\dots i k_1 k_2} W^{(1)}_{i o k_1 k_2}, \qquad
              Y_{\dots o, H - m_1 + k_1, k_2} = \sum_i X_{\dots i, H - m_1 + k_1, k_2} W^{(2)}_{i o k_1 k_2}

    Limits: :math:`2 m_1 \le H` (the corners do not overlap) and :math:`m_2 \le W//2 + 1`.

    Attributes
    ----------
    params : dict
        ``"weights1"``, ``"weights2"``: real arrays (C_in, C_out, m1, m2, 2), drawn in that order.
    """

    _weight_names = ("weights1", "weights2")

    def _row_limit(self, h: int) -> tuple[int, str]:
        return h // 2, "H // 2 (two corners of m1 rows must not overlap)"

    def _corners(self, z, h: int):
        """(2) rows [:m1] and [H - m1:], columns [:m2]."""
        m1, m2 = self.modes
        cols = crop_or_pad(z, m2, axis=-1)
        return cols[..., :m1, :], cols[..., h - m1:, :]

    def _scatter(self, blocks, h: int, wk: int):
        """(5) The two blocks at rows [:m1] and [H - m1:], zeros between and right of them."""
        xp = namespace(blocks[0])
        m1 = self.modes[0]
        top = crop_or_pad(blocks[0], h - m1, axis=-2)  # rows [:m1] then zeros up to row H - m1
        return crop_or_pad(xp.concat([top, blocks[1]], axis=-2), wk, axis=-1)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _error_scale(points: int, bins: int, c_in: int, c_out: int) -> float:
    """rfft and irfft of ``points`` samples (``fft_error_scale`` each), the mode-wise complex contraction
    over C_in (pairwise sum, ``summation_factor(C_in)``, plus 2 for the complex product), and the VJP's weight
    contraction over the batch and its C_out sum; doubled for propagation through the chain."""
    fft = 2.0 * fft_error_scale(points)
    mix = summation_factor(c_in) + summation_factor(c_out) + summation_factor(2 * bins) + 2.0
    return 2.0 * (fft + mix)


def _scale_1d(p: dict) -> float:
    return _error_scale(p["n"], p["n"] // 2 + 1, p["c_in"], p["c_out"])


def _scale_2d(p: dict) -> float:
    return _error_scale(p["h"] * p["w"], p["h"] * (p["w"] // 2 + 1), p["c_in"], p["c_out"])


_REASON = ("rfft/irfft (fft_error_scale of the points each), the per-mode complex contraction over C_in and "
           "the weight gradient's sum over the batch (summation_factor), complex products 2; doubled")

_GRID_1D = (
    {"c_in": 3, "c_out": 2, "modes": 4, "n": 6},  # even N, modes at the limit N//2 + 1 (Nyquist kept)
    {"c_in": 2, "c_out": 3, "modes": 4, "n": 7},  # odd N, modes at the limit
    {"c_in": 2, "c_out": 2, "modes": 2, "n": 8, "batch": (2, 1)},  # truncated, two batch axes
    {"c_in": 1, "c_out": 3, "modes": 1, "n": 5, "batch": ()},  # DC only, no batch axis
)
_GRID_2D = (
    {"c_in": 2, "c_out": 3, "modes": (4, 3), "h": 4, "w": 4},  # rows and columns at the limits (even)
    {"c_in": 3, "c_out": 2, "modes": (2, 3), "h": 5, "w": 5},  # odd H and W, columns at the limit
    {"c_in": 2, "c_out": 2, "modes": (2, 2), "h": 6, "w": 7, "batch": (2, 1)},
)
_GRID_2C = (
    {"c_in": 2, "c_out": 3, "modes": (2, 3), "h": 4, "w": 4},  # 2 m1 = H: the corners touch; columns at limit
    {"c_in": 3, "c_out": 2, "modes": (2, 3), "h": 5, "w": 5},  # odd H and W
    {"c_in": 2, "c_out": 2, "modes": (1, 2), "h": 6, "w": 7, "batch": (2, 1)},
)


def _build(cls):
    def build(*, seed, c_in, c_out, modes, **_):
        return cls(c_in, c_out, modes, seed=seed)

    return build


def _shape_1d(p: dict) -> tuple:
    return (*p.get("batch", (2,)), p["c_in"], p["n"])


def _shape_2d(p: dict) -> tuple:
    return (*p.get("batch", (2,)), p["c_in"], p["h"], p["w"])


CASES = [
    layer_case(SpectralConv1d, build=_build(SpectralConv1d), input_shape=_shape_1d, grid=_GRID_1D,
               error_scale=_scale_1d, error_reason=_REASON),
    layer_case(SpectralConv2d, build=_build(SpectralConv2d), input_shape=_shape_2d, grid=_GRID_2D,
               error_scale=_scale_2d, error_reason=_REASON + " (rfft2 of H x W)"),
    layer_case(SpectralConv2dTwoCorners, build=_build(SpectralConv2dTwoCorners), input_shape=_shape_2d,
               grid=_GRID_2C, error_scale=_scale_2d, error_reason=_REASON + " (rfft2 of H x W, two corners)"),
]
