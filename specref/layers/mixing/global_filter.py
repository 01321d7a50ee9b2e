r"""Global filter layers (GFNet): learnable complex filters applied to the FFT of the sequence.

Three layers with spectrans's constructor arguments, parameter names and order of operations (spectrans
0.1.0, ``layers/mixing/global_filter.py``): :class:`GlobalFilterMixing`, :class:`GlobalFilterMixing2D` and
:class:`AdaptiveGlobalFilter`. For input :math:`x` of shape ``(..., L, D)`` and the filter parameters
:math:`W_r, W_i \in \mathbb{R}^{N \times D}` (``filter_real``, ``filter_imag``):

.. math::

    \hat x = \operatorname{rfft}(x) \quad (1), \qquad
    \tilde W_r = P W_r,\ \tilde W_i = P W_i \quad (2), \qquad
    H_r = a(\tilde W_r),\ H_i = a(\tilde W_i) \quad (3), \qquad
    H = H_r + i H_i \quad (4),

.. math::

    H \leftarrow \tfrac{M_s}{1 - p_s} \odot H \ \ (5,\ \text{adaptive, training}), \qquad
    \hat H = C\,\tfrac12\big(H + \overline{H_{-k}}\big) \quad (6), \qquad
    \hat y = \hat H \odot \hat x \quad (7),

.. math::

    y = \operatorname{irfft}(\hat y) \quad (8), \qquad
    y \leftarrow \tfrac{M}{1 - p} \odot y \quad (9,\ \text{training}),

where ``rfft``/``irfft`` run along the sequence axis (``rfft2``/``irfft2`` over both axes for the 2-D layer)
with ``fft_norm`` (default ``"ortho"``), :math:`a` is the activation (sigmoid, tanh or identity), :math:`P` the
interpolation of the filter from :math:`N` to :math:`L` bins (the identity when :math:`L = N`), (6) the
Hermitian part of the filter on the half spectrum (:func:`~specref.transforms.hermitian.hermitian_half`), and
:math:`M, M_s` dropout keep-masks. For real :math:`x` this is spectrans's
:math:`\operatorname{Re} F^{-1}(H \odot F x)` with complex FFTs, computed with two real FFTs instead of two
complex ones (derivation and test: docs/layers/global_filter.md). The numbers are the equations of the
derivation there; ``backward`` runs them in reverse, one primitive VJP or adjoint per line.

Where specref follows spectrans (a coherent choice of the peer), and where it departs (a bug of the peer):

* the activation is applied to the real and imaginary parts **separately** (3), which is spectrans's
  code (its docstring says :math:`\sigma(W_r + iW_i)`); specref follows the code;
* spectrans's FFT is the full complex one (GFNet uses rfft); because its output keeps only the real part,
  the layer filters by the **Hermitian part** :math:`\tfrac12(H_k + \overline{H_{-k}})` of :math:`H`
  (:meth:`GlobalFilterMixing.effective_filter`), which is what (6) forms, so ``filter_imag`` at DC (and at
  Nyquist for even :math:`L`) gets zero gradient, exactly;
* the interpolation :math:`P` defaults to spectrans's ``filter_interpolation="fft_bin"``:
  ``F.interpolate(mode="linear", align_corners=False)`` along the filter's rows in raw FFT-bin order. That
  order is the frequency circle cut open at DC, and the half-pixel grid treats bins as cells, so output bin
  :math:`j` reads the filter :math:`\tfrac12(N/L - 1)` bins away from its own frequency, for :math:`L > N` the
  outputs between frequency :math:`-1/N` and 0 are clamped instead of interpolated across DC, DC itself is
  not kept when :math:`L < N`, and a Hermitian filter does not stay Hermitian. ``filter_interpolation="frequency"``
  interpolates along true frequency instead (periodic linear interpolation: bin :math:`k` at frequency
  :math:`k/N`, output bin :math:`j` at :math:`j/L`, no cut; it keeps DC, keeps a Hermitian filter Hermitian,
  and reads an even :math:`L`'s Nyquist bin at frequency :math:`\tfrac12`);
* ``learnable_filters`` and ``norm_eps`` are accepted and stored, and unused, as in spectrans;
* AdaptiveGlobalFilter's spectral dropout raises ``NotImplementedError`` in spectrans (``Dropout2d`` on a
  complex tensor); specref applies what torch's ``Dropout2d`` does to the 2-D ``(L, D)`` filter it is given
  (each entry dropped independently, with scale :math:`1/(1-p_s)`), to the complex entry as a whole
  (validation/findings/spectrans_adaptive_spectral_dropout.md).

The global filters are one family in one file (about 680 lines): the three layers share one forward and one backward
(``_GlobalFilterBase``); each subclass supplies hooks only (its FFT axes and transform, the filter's
interpolation, the filter's spectral dropout ``_filter_dropout`` / ``_filter_dropout_backward``), and the
verification grids at the bottom are declarative tables.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from specref._args import check_choice, check_flag, check_nonnegative_float, check_norm, check_probability
from specref.backend import as_generator, device_of, dtype_name, namespace, random_normal
from specref.layers.base import LayerCtx, check_sequence_input, layer_case
from specref.layers.mixing._fft_fused import fused_backward, fused_forward, on_numpy
from specref.layers.mixing.base import FilterMixingLayer
from specref.ops.complex import cmul, cmul_vjp, imag, imag_adjoint, real, real_adjoint
from specref.ops.dropout import dropout, dropout_vjp
from specref.ops.elementwise import sigmoid, sigmoid_vjp, tanh, tanh_vjp
from specref.testing.checks import check_vjp
from specref.testing.tolerances import fft_error_scale
from specref.transforms.fourier import (
    irfft,
    irfft2,
    irfft2_adjoint,
    irfft_adjoint,
    rfft,
    rfft2,
    rfft2_adjoint,
    rfft_adjoint,
)
from specref.transforms.hermitian import hermitian_half, hermitian_half_adjoint, reverse_frequencies
from specref.transforms.interpolate import (
    interpolate_bilinear,
    interpolate_bilinear_adjoint,
    interpolate_linear,
    interpolate_linear_adjoint,
    interpolate_periodic,
    interpolate_periodic_adjoint,
)

__all__ = [
    "FILTER_ACTIVATIONS",
    "FILTER_INTERPOLATIONS",
    "GlobalFilterCtx",
    "GlobalFilter2DCtx",
    "AdaptiveGlobalFilterCtx",
    "GlobalFilterMixing",
    "GlobalFilterMixing2D",
    "AdaptiveGlobalFilter",
    "adaptive_frequency_weights",
]

FILTER_ACTIVATIONS = ("sigmoid", "tanh", "identity")
FILTER_INTERPOLATIONS = ("fft_bin", "frequency")


# ----------------------------------------------------------------------------------------------------------
# the filter activation, applied to real and imaginary parts separately (3)


def _activate(name: str, w):
    if name == "sigmoid":
        return sigmoid(w)
    if name == "tanh":
        return tanh(w)
    return w


def _activate_vjp(name: str, dh, w, h):
    if name == "sigmoid":
        return sigmoid_vjp(dh, w, h)
    if name == "tanh":
        return tanh_vjp(dh, w, h)
    return dh


def _compose_complex(h_real, h_imag):
    r"""(4) :math:`H = H_r + i H_i = E_r H_r + E_i H_i`, with the embeddings :math:`E_r = \operatorname{Re}^*`
    (``real_adjoint``: :math:`a \mapsto a + 0i`) and :math:`E_i = \operatorname{Im}^*` (``imag_adjoint``:
    :math:`b \mapsto 0 + ib`); its adjoint is therefore :math:`\bar H \mapsto (\operatorname{Re}\bar H,
    \operatorname{Im}\bar H)`. Both embeddings are exact, and so is the sum (one term of each part is 0)."""
    return real_adjoint(h_real, input_shape=h_real.shape) + imag_adjoint(h_imag, input_shape=h_imag.shape)


def adaptive_frequency_weights(n: int) -> np.ndarray:
    r"""AdaptiveGlobalFilter's initialization profile over the :math:`n` FFT bins (host float64):

    .. math:: w_k = \frac{v_k}{\frac1n\sum_l v_l}, \qquad v_k = \frac{1}{|f_k| + 0.1}, \qquad
              f = \texttt{fftfreq}(n) = (0, \tfrac1n, \dots, -\tfrac1n),

    largest at DC (:math:`v_0 = 10`), smallest near Nyquist (:math:`v = 1/0.6`), mean 1.
    """
    v = 1.0 / (np.abs(np.fft.fftfreq(n)) + 0.1)
    return v / v.mean()


# ----------------------------------------------------------------------------------------------------------
# contexts


@dataclass(frozen=True)
class GlobalFilterCtx(LayerCtx):
    """What :meth:`GlobalFilterMixing.backward` reads: the forward's intermediates and the dropout mask.

    ``x_shape`` is the input's shape; ``x_hat`` the half spectrum (1); ``w_real``/``w_imag`` the filter
    parameters at the input's length (2; the parameters themselves when no interpolation ran);
    ``h_real``/``h_imag`` their activations (3); ``h`` the complex filter after the spectral dropout (4, 5);
    ``h_half`` its Hermitian part on the half spectrum, the factor multiplied in (6); ``mask`` the output
    dropout's keep-mask (9), None when inactive; ``fused`` whether (1), (7), (8) ran on the fused NumPy path.
    """

    x_shape: tuple
    x_hat: object
    w_real: object
    w_imag: object
    h_real: object
    h_imag: object
    h: object
    h_half: object
    mask: object
    fused: bool = False


@dataclass(frozen=True)
class GlobalFilter2DCtx(GlobalFilterCtx):
    """What :meth:`GlobalFilterMixing2D.backward` reads (the fields of :class:`GlobalFilterCtx`)."""


@dataclass(frozen=True)
class AdaptiveGlobalFilterCtx(GlobalFilterCtx):
    """What :meth:`AdaptiveGlobalFilter.backward` reads: :class:`GlobalFilterCtx` plus ``spectral_mask``,
    the keep-mask of the filter's spectral dropout (5), shape ``(L, D)``, and ``h_full``, the filter it
    applies to (4); both None when inactive."""

    spectral_mask: object = None
    h_full: object = None


# ----------------------------------------------------------------------------------------------------------
# the shared pipeline


class _GlobalFilterBase(FilterMixingLayer):
    """Equations (1)-(9) and their reverse; subclasses choose the FFT axes and the interpolation."""

    dropout_names: tuple[str, ...] = ("dropout",)
    linear_in_input = True  # in inference mode y is a linear map of x
    _ctx_class = GlobalFilterCtx
    _fft_axes = (-2,)

    def __init__(self, hidden_dim: int, sequence_length: int, activation: str = "sigmoid", dropout: float = 0.0,
                 norm_eps: float = 1e-5, learnable_filters: bool = True, fft_norm: str = "ortho",
                 filter_init_std: float = 0.02, *, filter_interpolation: str = "fft_bin", seed=0):
        # hidden_dim, sequence_length, dropout, norm_eps (stored, unused, as in spectrans) and
        # learnable_filters (stored, unused: spectrans's filters are always parameters) are checked there
        super().__init__(hidden_dim, sequence_length, dropout, norm_eps, learnable_filters)
        self.activation = check_choice(activation, FILTER_ACTIVATIONS, "activation")
        self.fft_norm = check_norm(fft_norm)
        self.filter_init_std = check_nonnegative_float(filter_init_std, "filter_init_std")
        self.filter_interpolation = check_choice(filter_interpolation, FILTER_INTERPOLATIONS, "filter_interpolation")
        gen = as_generator(seed)
        shape = (self.sequence_length, self.hidden_dim)
        profile = self._init_profile()
        real_part = random_normal(gen, shape) * self.filter_init_std * profile
        imag_part = random_normal(gen, shape) * self.filter_init_std * profile
        self._init_arrays({"filter_real": real_part, "filter_imag": imag_part})

    def _init_profile(self):
        """The factor of the N(0, std^2) initialization per row (1 except for AdaptiveGlobalFilter)."""
        return 1.0

    # -- what subclasses choose -----------------------------------------------------------------------------

    fused_fast_path = True  # on NumPy, run (1), (7), (8) and their adjoints fused (fft_fused)

    def _use_fused(self, x) -> bool:
        return self.fused_fast_path and on_numpy(x)

    def _check_layer_input(self, x):
        self._check_mixing_input(x)  # (..., L, D) with D = hidden_dim, real, the params' precision

    def _filter_size(self, x) -> tuple:
        """The filter's shape at the input's size: (L, D)."""
        return (x.shape[-2], self.hidden_dim)

    def _transform(self, x):
        """(1) the half spectrum of real x along the sequence: ``rfft``."""
        return rfft(x, axis=-2, norm=self.fft_norm)

    def _transform_adjoint(self, g, shape):
        return rfft_adjoint(g, input_shape=shape, axis=-2, norm=self.fft_norm)

    def _inverse(self, y, size: tuple):
        """(8) back to the sequence, real: ``irfft`` to length ``size[0]``."""
        return irfft(y, n=size[0], axis=-2, norm=self.fft_norm)

    def _inverse_adjoint(self, g, shape, size: tuple):
        return irfft_adjoint(g, input_shape=shape, n=size[0], axis=-2, norm=self.fft_norm)

    def _resize(self, w, size: tuple):
        """(2) the filter at ``size``: interpolated along the frequency axis (rows) when L != N."""
        if tuple(size) == tuple(w.shape):
            return w
        if self.filter_interpolation == "fft_bin":
            return interpolate_linear(w, size=size[0], axis=0)
        return interpolate_periodic(w, size=size[0], axis=0)

    def _resize_adjoint(self, g, size: tuple):
        """Adjoint of (2): :math:`P^T g` (the identity when no interpolation ran)."""
        shape = (self.sequence_length, self.hidden_dim)
        if tuple(size) == shape:
            return g
        if self.filter_interpolation == "fft_bin":
            return interpolate_linear_adjoint(g, input_shape=shape, size=size[0], axis=0)
        return interpolate_periodic_adjoint(g, input_shape=shape, size=size[0], axis=0)

    def _filter_dropout(self, h_full, *, x, training, rng, masks):
        """(5) the filter's dropout: ``(h, extra ctx fields)``; none here (AdaptiveGlobalFilter has one)."""
        return h_full, {}

    def _filter_dropout_backward(self, dh, ctx):
        """Adjoint of (5): the identity here."""
        return dh

    # -- the layer ------------------------------------------------------------------------------------------

    def filter_at(self, size: tuple | None = None):
        r"""The complex filter :math:`H = a(P W_r) + i\, a(P W_i)` at ``size`` (default: the stored
        ``(sequence_length, hidden_dim)``), as the forward multiplies it in (before spectral dropout)."""
        size = tuple(size) if size is not None else (self.sequence_length, self.hidden_dim)
        w_real = self._resize(self.params["filter_real"], size)
        w_imag = self._resize(self.params["filter_imag"], size)
        return _compose_complex(_activate(self.activation, w_real), _activate(self.activation, w_imag))

    def get_filter_response(self):
        r"""spectrans's frequency response: :math:`a(W_r) + i\, a(W_i)`, complex, shape ``(N, D)``."""
        return self.filter_at()

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """Return ``(y, ctx)``: the filtered input, real, the shape and precision of ``x``.

        Parameters
        ----------
        x : real array (..., L, D), float32 or float64 (the params' precision)
        training : bool
            Applies the dropouts (they need ``rng`` or injected ``masks``).
        rng : int or numpy.random.Generator, optional
            Draws the dropout masks (one generator for all of them, in the order of ``dropout_names``).
        masks : dict, optional
            Injected keep-masks by name: ``"dropout"`` of the output's shape (and, for
            AdaptiveGlobalFilter, ``"spectral_dropout"`` of shape ``(L, D)``).
        """
        self._check_layer_input(x)
        gen = as_generator(rng) if rng is not None else None  # one stream for every mask of this call
        size = self._filter_size(x)
        w_real = self._resize(self.params["filter_real"], size)  # (2)
        w_imag = self._resize(self.params["filter_imag"], size)
        h_real = _activate(self.activation, w_real)  # (3)
        h_imag = _activate(self.activation, w_imag)
        h_full = _compose_complex(h_real, h_imag)  # (4)
        h, spectral_fields = self._filter_dropout(h_full, x=x, training=training, rng=gen, masks=masks)  # (5)
        h_half = hermitian_half(h, axes=self._fft_axes)  # (6): the Hermitian part, on the half spectrum
        fused = self._use_fused(x)
        if fused:  # (1), (7), (8) in one pass each on NumPy (fft_fused)
            y_real, x_hat = fused_forward(x, h_half, axes=self._fft_axes, size=size, norm=self.fft_norm)
        else:
            x_hat = self._transform(x)  # (1): the half spectrum
            y_hat = cmul(x_hat, h_half)  # (7)
            y_real = self._inverse(y_hat, size)  # (8): = Re F^-1(H x_hat_full) for real x
        y, mask = self._output_dropout(y_real, x=x, training=training, rng=gen, masks=masks)  # (9)
        return y, self._ctx_class(dtype=dtype_name(x.dtype), x_shape=tuple(x.shape), x_hat=x_hat, w_real=w_real,
                                  w_imag=w_imag, h_real=h_real, h_imag=h_imag, h=h, h_half=h_half, mask=mask,
                                  fused=fused, **spectral_fields)

    def backward(self, ctx, dy):
        """Return ``(dx, grads)``: equations (9) to (1) in reverse (docs/layers/global_filter.md)."""
        self._check_cotangent(ctx, dy, ctx.x_shape)
        size = tuple(ctx.h.shape)
        dy = self._output_dropout_backward(dy, ctx.mask)  # (9)*: the same mask and scale (dropout_vjp)
        if ctx.fused:  # (8)*, (7)*, (1)* as the forward ran them (fft_fused)
            dx, dh_half = fused_backward(dy, ctx.x_hat, ctx.h_half, axes=self._fft_axes, size=size,
                                         norm=self.fft_norm)
        else:
            dy_hat = self._inverse_adjoint(dy, tuple(ctx.x_hat.shape), size)  # (8)*: irfft's adjoint (weights)
            # (7)*: dx_hat = dy_hat conj(H_half); dH_half = sum over the batch of dy_hat conj(x_hat)
            dx_hat, dh_half = cmul_vjp(dy_hat, ctx.x_hat, ctx.h_half, None)
            dx = self._transform_adjoint(dx_hat, ctx.x_shape)  # (1)*: rfft's adjoint
        dh = hermitian_half_adjoint(dh_half, input_shape=size, axes=self._fft_axes)  # (6)*: pad, symmetrise
        dh = self._filter_dropout_backward(dh, ctx)  # (5)*
        dh_real, dh_imag = real(dh), imag(dh)  # (4)*: the adjoint of H = E_r H_r + E_i H_i
        dw_real = _activate_vjp(self.activation, dh_real, ctx.w_real, ctx.h_real)  # (3)*: a'(W) dH
        dw_imag = _activate_vjp(self.activation, dh_imag, ctx.w_imag, ctx.h_imag)
        d_filter_real = self._resize_adjoint(dw_real, size)  # (2)*: P^T
        d_filter_imag = self._resize_adjoint(dw_imag, size)
        return dx, {"filter_real": d_filter_real, "filter_imag": d_filter_imag}

    def effective_filter(self, size: tuple | None = None):
        r"""The Hermitian part :math:`\tfrac12\big(H_k + \overline{H_{-k}}\big)` of the filter at ``size``
        (indices mod the length along each FFT axis): for real input the layer's output equals filtering by
        it, and it is the only part of :math:`H` the output depends on (docs/layers/global_filter.md)."""
        h = self.filter_at(size)
        return (h + namespace(h).conj(reverse_frequencies(h, self._fft_axes))) * 0.5

    def error_scale(self, input_shape) -> float:
        r"""The forward's error claim :math:`c` (normwise relative error :math:`\le c\,\epsilon`): two FFTs
        over the transformed points, a complex product, the activation and the interpolation,
        :math:`2 \cdot` ``fft_error_scale(points)`` :math:`+ 8`."""
        points = 1
        for ax in self._fft_axes:
            points *= int(input_shape[ax])
        return 2.0 * fft_error_scale(points) + 8.0

    def get_spectral_properties(self) -> dict:
        """The base class's properties with spectrans's entries for this layer (activation, parameter count)."""
        return {
            **super().get_spectral_properties(),
            "learnable_filters": True,  # spectrans reports True whatever the flag: the filters are parameters
            "activation": self.activation,
            "parameter_count": 2 * self.sequence_length * self.hidden_dim,
            "notes": ("y = Re F^-1(H F x): only the Hermitian part of H acts (effective_filter); energy is "
                      "preserved only where |H_k| = 1 for the Hermitian part"),
        }


# ----------------------------------------------------------------------------------------------------------
# the three layers


class GlobalFilterMixing(_GlobalFilterBase):
    r"""GFNet global filter along the sequence: :math:`y = \operatorname{drop}\big(\operatorname{Re}
    F^{-1}[(a(PW_r) + i\,a(PW_i)) \odot F x]\big)`, the FFT along axis -2.

    spectrans ``GlobalFilterMixing`` (0.1.0): same arguments, defaults and parameters (``filter_real``,
    ``filter_imag``, shape ``(sequence_length, hidden_dim)``, initialised ``randn * filter_init_std``).
    The activation acts on the real and imaginary parts separately (spectrans's code; its docstring's
    :math:`\sigma(W_r + iW_i)` is not what it computes). Inputs of another length :math:`L` get the filter
    interpolated from :math:`N` to :math:`L` rows (module docstring).

    Parameters
    ----------
    hidden_dim : int
        D, the last axis of the input.
    sequence_length : int
        N, the number of filter rows (FFT bins).
    activation : {"sigmoid", "tanh", "identity"}
    dropout : float in [0, 1)
        Dropout on the output (training mode only), mask name ``"dropout"``.
    norm_eps : float
        Stored, unused (as in spectrans).
    learnable_filters : bool
        Stored, unused (spectrans ignores it: the filters are always parameters).
    fft_norm : {"ortho", "backward", "forward"}
    filter_init_std : float, finite and >= 0
        The standard deviation of the filters' N(0, std^2) initialization.
    filter_interpolation : {"fft_bin", "frequency"}, keyword-only
        "fft_bin" (spectrans): linear interpolation of the rows in raw FFT-bin order, PyTorch's
        ``F.interpolate(mode="linear", align_corners=False)``. "frequency": periodic linear interpolation
        along true frequency (:func:`specref.transforms.interpolate.interpolate_periodic`).
    seed : int or numpy.random.Generator, keyword-only
        The initialization's randomness (``filter_real`` drawn first, then ``filter_imag``).

    Examples
    --------
    >>> import numpy as np
    >>> from specref.layers.mixing.global_filter import GlobalFilterMixing
    >>> layer = GlobalFilterMixing(hidden_dim=4, sequence_length=6, seed=0)
    >>> x = np.random.default_rng(1).standard_normal((2, 6, 4))
    >>> y, ctx = layer.forward(x)
    >>> dx, grads = layer.backward(ctx, np.ones_like(y))
    >>> sorted(grads)
    ['filter_imag', 'filter_real']
    """


class GlobalFilterMixing2D(_GlobalFilterBase):
    r"""GFNet global filter over both axes: :math:`y = \operatorname{drop}\big(\operatorname{Re}
    F_2^{-1}[(a(PW_r) + i\,a(PW_i)) \odot F_2 x]\big)` with the 2-D FFT over axes (-2, -1).

    spectrans ``GlobalFilterMixing2D`` (0.1.0): the arguments and parameters of :class:`GlobalFilterMixing`,
    filters of shape ``(sequence_length, hidden_dim)``. An input of shape ``(..., L, D')`` with
    :math:`(L, D') \ne (N, D)` gets the filters interpolated to ``(L, D')``: bilinearly in raw FFT-bin order
    (``F.interpolate(mode="bilinear", align_corners=False)``, the default ``"fft_bin"``), or periodically
    along both frequency axes (``"frequency"``). So, unlike the 1-D layers, the last axis need not equal
    ``hidden_dim``.
    """

    _ctx_class = GlobalFilter2DCtx
    _fft_axes = (-2, -1)

    def _check_layer_input(self, x):
        check_sequence_input(x, None, layer="GlobalFilterMixing2D")  # (..., L, D') with any D' >= 1
        self._check_input(x)  # real, the params' precision and backend

    def _filter_size(self, x) -> tuple:
        return (x.shape[-2], x.shape[-1])

    def _transform(self, x):
        return rfft2(x, axes=(-2, -1), norm=self.fft_norm)

    def _transform_adjoint(self, g, shape):
        return rfft2_adjoint(g, input_shape=shape, axes=(-2, -1), norm=self.fft_norm)

    def _inverse(self, y, size: tuple):
        return irfft2(y, s=tuple(size), axes=(-2, -1), norm=self.fft_norm)

    def _inverse_adjoint(self, g, shape, size: tuple):
        return irfft2_adjoint(g, input_shape=shape, s=tuple(size), axes=(-2, -1), norm=self.fft_norm)

    def _resize(self, w, size: tuple):
        if tuple(size) == tuple(w.shape):
            return w
        if self.filter_interpolation == "fft_bin":
            return interpolate_bilinear(w, size=tuple(size), axes=(0, 1))
        return interpolate_periodic(interpolate_periodic(w, size=size[0], axis=0), size=size[1], axis=1)

    def _resize_adjoint(self, g, size: tuple):
        shape = (self.sequence_length, self.hidden_dim)
        if tuple(size) == shape:
            return g
        if self.filter_interpolation == "fft_bin":
            return interpolate_bilinear_adjoint(g, input_shape=shape, size=tuple(size), axes=(0, 1))
        # forward: rows (N, D) -> (L, D), then columns (L, D) -> (L, D'); the adjoints in reverse order
        cols = interpolate_periodic_adjoint(g, input_shape=(size[0], shape[1]), size=size[1], axis=1)
        return interpolate_periodic_adjoint(cols, input_shape=shape, size=size[0], axis=0)

    def get_spectral_properties(self) -> dict:
        """spectrans's property dictionary for this layer."""
        return {**super().get_spectral_properties(), "two_dimensional": True}


class AdaptiveGlobalFilter(_GlobalFilterBase):
    r""":class:`GlobalFilterMixing` with a frequency-shaped initialization, an L2 penalty and spectral dropout.

    spectrans ``AdaptiveGlobalFilter`` (0.1.0). Extra arguments (defaults as spectrans):

    * ``adaptive_initialization=True``: row :math:`k` of both filters is drawn
      :math:`N(0, (\text{std}\, w_k)^2)` with :func:`adaptive_frequency_weights` :math:`w_k \propto
      1/(|f_k| + 0.1)`, mean 1;
    * ``filter_regularization=0.0``: :meth:`get_regularization_loss` returns
      :math:`\rho\,(\|W_r\|^2 + \|W_i\|^2)` (0 when :math:`\rho \le 0`); it is never added to the output, as
      in spectrans; its gradient is :meth:`get_regularization_loss_vjp`;
    * ``spectral_dropout_p=0.0``: in training mode, dropout of the complex filter :math:`H` after the
      activation (equation 5), mask name ``"spectral_dropout"`` of shape ``(L, D)``: each complex entry
      (real and imaginary part together) is kept with probability :math:`1 - p_s` and scaled by
      :math:`1/(1 - p_s)`. That is what torch's ``Dropout2d`` does to the 2-D ``(L, D)`` filter spectrans
      passes it (for a 2-D tensor each entry is its own channel); on the complex filter spectrans itself
      raises ``NotImplementedError``.

    The masks are drawn from one ``rng`` in the order of ``dropout_names``: spectral dropout, then the output's
    dropout.
    """

    dropout_names = ("spectral_dropout", "dropout")
    _ctx_class = AdaptiveGlobalFilterCtx

    def __init__(self, hidden_dim: int, sequence_length: int, activation: str = "sigmoid", dropout: float = 0.0,
                 norm_eps: float = 1e-5, learnable_filters: bool = True, fft_norm: str = "ortho",
                 filter_init_std: float = 0.02, filter_regularization: float = 0.0,
                 adaptive_initialization: bool = True, spectral_dropout_p: float = 0.0, *,
                 filter_interpolation: str = "fft_bin", seed=0):
        self.filter_regularization = check_nonnegative_float(filter_regularization, "filter_regularization")
        self.adaptive_initialization = check_flag(adaptive_initialization, "adaptive_initialization")
        self.spectral_dropout_p = check_probability(spectral_dropout_p, "spectral_dropout_p")
        super().__init__(hidden_dim, sequence_length, activation, dropout, norm_eps, learnable_filters, fft_norm,
                         filter_init_std, filter_interpolation=filter_interpolation, seed=seed)

    def _init_profile(self):
        if not self.adaptive_initialization:
            return 1.0
        return adaptive_frequency_weights(self.sequence_length)[:, None]

    def _filter_dropout(self, h_full, *, x, training, rng, masks):
        """(5) spectral dropout of the complex filter, mask ``"spectral_dropout"`` of shape (L, D); the ctx
        keeps the mask and the filter it applies to (both None when inactive)."""
        mask = self._dropout_mask("spectral_dropout", tuple(h_full.shape), self.spectral_dropout_p, x=x,
                                  training=training, rng=rng, masks=masks)
        if mask is None:
            return h_full, {"spectral_mask": None, "h_full": None}
        return dropout(h_full, mask=mask, p=self.spectral_dropout_p), {"spectral_mask": mask, "h_full": h_full}

    def _filter_dropout_backward(self, dh, ctx):
        """(5)*: the same mask and scale (``dropout_vjp``); the identity when inactive."""
        if ctx.spectral_mask is None:
            return dh
        return dropout_vjp(dh, ctx.h_full, None, mask=ctx.spectral_mask, p=self.spectral_dropout_p)

    def get_regularization_loss(self):
        r"""The L2 penalty :math:`\rho\,(\|W_r\|_F^2 + \|W_i\|_F^2)`, a 0-d array (0 when :math:`\rho \le 0`).

        spectrans computes ``torch.norm(W)**2`` (a square root, then its square); specref sums the squares,
        which is the same number up to two roundings.
        """
        xp = self.xp
        w_real, w_imag = self.params["filter_real"], self.params["filter_imag"]
        if self.filter_regularization <= 0:
            return xp.zeros((), dtype=w_real.dtype, device=device_of(w_real))
        return self.filter_regularization * (xp.sum(w_real * w_real) + xp.sum(w_imag * w_imag))

    def get_regularization_loss_vjp(self, dloss=1.0) -> dict:
        r"""Gradient of ``dloss * get_regularization_loss()`` with respect to the params, keyed like them:
        :math:`2 \rho\, \bar\ell\, W` for each filter (zeros when :math:`\rho \le 0`, where the loss is the
        constant 0)."""
        factor = 2.0 * self.filter_regularization if self.filter_regularization > 0 else 0.0
        return {k: (factor * dloss) * v for k, v in self.params.items()}

    def get_spectral_properties(self) -> dict:
        """spectrans's property dictionary for this layer."""
        return {
            **super().get_spectral_properties(),
            "adaptive_initialization": self.adaptive_initialization,
            "regularization": self.filter_regularization > 0,
            "spectral_dropout": self.spectral_dropout_p > 0,
        }


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _build(cls, **fixed):
    """``build(seed, n, d, ...)`` of ``cls`` with the grid point's settings and the class's ``fixed`` ones
    (the probability ``ps`` of the spectral dropout goes to AdaptiveGlobalFilter's ``spectral_dropout_p``)."""

    def build(seed, n, d, activation="sigmoid", fft_norm="ortho", interpolation="fft_bin", p=0.0, **point):
        extra = {"spectral_dropout_p": point["ps"]} if "ps" in point else {}
        # std 1 (not 0.02) so the activation is exercised away from its value at 0
        return cls(d, n, activation=activation, dropout=p, fft_norm=fft_norm, filter_init_std=1.0,
                   filter_interpolation=interpolation, seed=seed, **fixed, **extra)

    return build


def _training_masks(layer, x, rng, *, spectral_p: float = 0.0):
    """Training mode with injected masks (drawn from the case's rng, the output's first), when the layer has
    a dropout; ``spectral_p`` is the probability of the filter's spectral dropout (AdaptiveGlobalFilter)."""
    masks = {}
    if layer.dropout:
        masks["dropout"] = rng.random(tuple(x.shape)) >= layer.dropout
    if spectral_p:
        masks["spectral_dropout"] = rng.random(layer._filter_size(x)) >= spectral_p
    return {"training": True, "masks": masks} if masks else {}


def _adaptive_training_masks(layer, x, rng):
    return _training_masks(layer, x, rng, spectral_p=layer.spectral_dropout_p)


def _layer_scale(p) -> float:
    # Two FFTs of the transformed size, the product H x_hat (complex: ~2 roundings), the activation (a few
    # roundings), the interpolation (3 roundings) and the real part: 2 fft_error_scale(points) + 8.
    points = p["L"] * (p.get("d2", p["d"]) if p.get("two_d") else 1)
    return 2.0 * fft_error_scale(points) + 8.0


_REASON_LAYER = "two FFTs of the transformed size, a complex product, the activation and the interpolation"


def _regularization_check(inputs, *, xp, dtype, params, rng):
    """The VJP of get_regularization_loss (check_vjp, central differences) at the case's layer."""
    layer = inputs.kwargs["layer"]  # built with filter_regularization = 0.3

    def loss(w_real, w_imag):
        return layer.with_params((w_real, w_imag)).get_regularization_loss()

    def loss_vjp(dl, w_real, w_imag, _y):
        return tuple(layer.with_params((w_real, w_imag)).get_regularization_loss_vjp(dl).values())

    # error scale: a product and a pairwise sum of N D squares per filter, one sum and one product: the sum
    # dominates, (log2(N D) + 1) eps, which check_vjp adds itself; 4 covers the products and the last sum.
    result = check_vjp(loss, loss_vjp, tuple(layer.params.values()), argnums=(0, 1), rng=rng, error_scale=4.0)
    return replace(result, check="regularization_vjp")


_GRID_1D = (
    {"n": 6, "d": 4, "L": 6, "activation": "sigmoid", "fft_norm": "ortho"},
    {"n": 7, "d": 5, "L": 7, "activation": "tanh", "fft_norm": "backward"},
    {"n": 6, "d": 4, "L": 4, "activation": "identity", "fft_norm": "forward"},  # shorter: interpolated
    {"n": 5, "d": 3, "L": 8, "activation": "sigmoid", "fft_norm": "ortho", "p": 0.3},  # longer, dropout
    {"n": 7, "d": 2, "L": 4, "activation": "tanh", "fft_norm": "backward", "interpolation": "frequency"},
    {"n": 6, "d": 3, "L": 9, "activation": "tanh", "fft_norm": "ortho", "interpolation": "frequency"},  # longer
)
_GRID_2D = (
    {"n": 7, "d": 4, "L": 7, "activation": "sigmoid", "fft_norm": "backward", "two_d": True},
    {"n": 6, "d": 4, "L": 4, "d2": 5, "activation": "identity", "fft_norm": "ortho", "two_d": True},
    {"n": 5, "d": 3, "L": 8, "activation": "sigmoid", "fft_norm": "forward", "two_d": True, "p": 0.3},
    {"n": 5, "d": 4, "L": 7, "d2": 3, "activation": "tanh", "fft_norm": "ortho", "two_d": True,
     "interpolation": "frequency"},
    {"n": 6, "d": 3, "L": 4, "d2": 5, "activation": "identity", "fft_norm": "ortho", "two_d": True,
     "interpolation": "frequency"},  # L shorter, D' longer than the filter
)
_GRID_ADAPTIVE = (
    {"n": 7, "d": 5, "L": 5, "activation": "tanh", "fft_norm": "ortho", "ps": 0.25},  # spectral dropout
    {"n": 5, "d": 3, "L": 8, "activation": "identity", "fft_norm": "backward", "ps": 0.2, "p": 0.3},
    {"n": 6, "d": 4, "L": 9, "activation": "sigmoid", "fft_norm": "ortho", "interpolation": "frequency"},
    {"n": 6, "d": 4, "L": 6, "activation": "sigmoid", "fft_norm": "ortho"},  # L = N, no dropout
    {"n": 6, "d": 3, "L": 4, "activation": "identity", "fft_norm": "ortho", "interpolation": "frequency"},  # shorter
)
_FULL_1D = _GRID_1D + (
    {"n": 8, "d": 2, "L": 3, "activation": "sigmoid", "fft_norm": "forward"},
    {"n": 4, "d": 3, "L": 17, "activation": "identity", "fft_norm": "ortho", "p": 0.5},
)
_FULL_2D = _GRID_2D + (
    {"n": 6, "d": 4, "L": 6, "activation": "tanh", "fft_norm": "ortho", "two_d": True},
    {"n": 4, "d": 6, "L": 9, "d2": 2, "activation": "sigmoid", "fft_norm": "backward", "two_d": True},
)
_FULL_ADAPTIVE = _GRID_ADAPTIVE + (
    {"n": 8, "d": 3, "L": 5, "activation": "tanh", "fft_norm": "forward", "interpolation": "frequency",
     "ps": 0.5},
)

CASES = [
    layer_case(
        GlobalFilterMixing,
        build=_build(GlobalFilterMixing),
        input_shape=lambda p: (2, p["L"], p["d"]),
        grid=_GRID_1D,
        full_grid=_FULL_1D,
        forward_kwargs=_training_masks,
        error_scale=_layer_scale,
        error_reason=_REASON_LAYER,
    ),
    layer_case(
        GlobalFilterMixing2D,
        build=_build(GlobalFilterMixing2D),
        input_shape=lambda p: (2, p["L"], p.get("d2", p["d"])),
        grid=_GRID_2D,
        full_grid=_FULL_2D,
        forward_kwargs=_training_masks,
        error_scale=_layer_scale,
        error_reason=_REASON_LAYER + " (2-D FFT of L x D' points)",
    ),
    layer_case(
        AdaptiveGlobalFilter,
        build=_build(AdaptiveGlobalFilter, filter_regularization=0.3),
        input_shape=lambda p: (2, p["L"], p["d"]),
        grid=_GRID_ADAPTIVE,
        full_grid=_FULL_ADAPTIVE,
        forward_kwargs=_adaptive_training_masks,
        error_scale=_layer_scale,
        error_reason=_REASON_LAYER + "; spectral dropout: one more rounding",
        extra_checks=(_regularization_check,),
    ),
]
