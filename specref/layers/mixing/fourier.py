r"""FNet Fourier mixing layers: FourierMixing, FourierMixing1D, RealFourierMixing, SeparableFourierMixing.

Each layer mirrors the spectrans class of the same name (constructor arguments and defaults, no parameters,
the output dropout named ``"dropout"``), computes the math spectrans documents, and has a hand-written
backward: the forward's lines in reverse, each one adjoint of a linear step. For inputs :math:`x` of shape
(..., N, D) (sequence axis -2, hidden axis -1) and :math:`c` the factor of ``fft_norm``:

- :class:`FourierMixing`: :math:`\operatorname{Re} \mathcal F_{N,D}\, x` (or :math:`\mathcal F_{N,D}\,x` with
  ``keep_complex``), as spectrans;
- :class:`FourierMixing1D`: :math:`\operatorname{Re} \mathcal F_N\, x` along the sequence, as spectrans;
- :class:`RealFourierMixing`: :math:`\operatorname{Re} \mathcal F_{N,D}\, x` formed from ``rfft2`` (spectrans
  returns ``x``: a bug);
- :class:`SeparableFourierMixing`: :math:`\operatorname{Re} \mathcal F_D \operatorname{Re} \mathcal F_N\, x`,
  as spectrans.

The four share one forward (input checks, the class's ``_mix`` hook, the output dropout) and one backward
(cotangent checks, the dropout's VJP, the class's ``_mix_adjoint`` hook); FourierMixing and FourierMixing1D
differ only in their ``_transform`` hook. The derivations (forward equations (1)-(19), backward line by line)
are on docs/layers/fourier_mixing.md; the comments in each hook cite them. The Hermitian rebuild of
RealFourierMixing (which FourierMixing also runs for real input) is the linear operator pair
:mod:`specref.transforms.hermitian`.

The four FNet mixers are one family in one file (about 620 lines): they share the forward, the backward and
the real-input path, and differ in a hook or two each.

Where specref departs from spectrans (RealFourierMixing is the identity there, drops a column for odd D;
dropout on a complex output raises there) the docs page says why, and validation/findings/ records the
difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from specref._args import check_flag, check_norm
from specref.backend import device_of, dtype_name, finfo_eps, is_complex, namespace, to_numpy
from specref.layers.base import LayerCtx, layer_case
from specref.layers.mixing._fft_fused import on_numpy, real_part_backward, real_part_forward
from specref.layers.mixing.base import UnitaryMixingLayer
from specref.ops.complex import real, real_adjoint
from specref.testing.case import Inputs
from specref.testing.checks import CheckResult, error_report
from specref.testing.tolerances import fft_error_scale, reference_bound
from specref.transforms.fourier import (
    fft,
    fft2,
    fft2_adjoint,
    fft_adjoint,
    rfft,
    rfft2,
    rfft2_adjoint,
    rfft_adjoint,
)
from specref.transforms.hermitian import (
    hermitian_real,
    hermitian_real_2d,
    hermitian_real_2d_adjoint,
    hermitian_real_adjoint,
)
from specref.transforms.structural import to_complex_adjoint

__all__ = [
    "FourierMixing",
    "FourierMixing1D",
    "RealFourierMixing",
    "SeparableFourierMixing",
    "FourierMixingCtx",
    "RealFourierMixingCtx",
    "SeparableFourierMixingCtx",
]


def _to_input_space(g, ctx):
    """The adjoint of casting a real input to complex (``Re``), or nothing for a complex input."""
    return g if ctx.complex_input else to_complex_adjoint(g, input_shape=ctx.input_shape)


def _half_shape(input_shape: tuple) -> tuple:
    """The shape of ``rfft2``'s half spectrum of an input of ``input_shape``: (..., N, D // 2 + 1)."""
    return (*input_shape[:-1], input_shape[-1] // 2 + 1)


def _real_part_fft2(x, norm: str, fused: bool):
    r""":math:`\operatorname{Re}\mathcal F_{N,D}\, x` of real ``x`` from the ``rfft2`` half spectrum: eqs. (10)-(12).

    One real-to-complex FFT along D and one complex FFT along N over half the columns, instead of two complex
    FFTs over all of them; FourierMixing (real input, real part) and RealFourierMixing compute it here, on
    NumPy (``fused``) with the norm inside the engine (:mod:`~specref.layers.mixing._fft_fused`).
    """
    if fused and on_numpy(x):
        return real_part_forward(x, axes=(-2, -1), norm=norm)
    half = rfft2(x, axes=(-2, -1), norm=norm)  # eq. (10)
    return hermitian_real_2d(real(half), n=x.shape[-1])  # eqs. (11), (12)


def _real_part_fft(x, axis: int, norm: str, fused: bool):
    r""":math:`\operatorname{Re} F x` along ``axis`` for real ``x``: ``rfft``, its real part, the Hermitian
    rebuild (:func:`~specref.transforms.hermitian.hermitian_real`, :math:`\operatorname{Re} X_k =
    \operatorname{Re} X_{n-k}`): the 1-D form of eqs. (10)-(12), one real FFT instead of one complex FFT."""
    if fused and on_numpy(x):
        return real_part_forward(x, axes=(axis,), norm=norm)
    return hermitian_real(real(rfft(x, axis=axis, norm=norm)), n=x.shape[axis], axis=axis)


def _real_part_fft_adjoint(dh, input_shape: tuple, axis: int, norm: str, fused: bool):
    """Adjoint of :func:`_real_part_fft`: the 1-D form of eqs. (13)-(15)."""
    if fused and on_numpy(dh):
        return real_part_backward(dh, input_shape=input_shape, axes=(axis,), norm=norm)
    n = input_shape[axis]
    half_shape = tuple(n // 2 + 1 if i == axis % len(input_shape) else s for i, s in enumerate(input_shape))
    dr = hermitian_real_adjoint(dh, input_shape=half_shape, n=n, axis=axis)
    return rfft_adjoint(real_adjoint(dr, input_shape=half_shape), input_shape=input_shape, axis=axis, norm=norm)


def _real_part_fft2_adjoint(dh, input_shape: tuple, norm: str, fused: bool):
    """Adjoint of :func:`_real_part_fft2`: eqs. (13)-(15)."""
    if fused and on_numpy(dh):
        return real_part_backward(dh, input_shape=input_shape, axes=(-2, -1), norm=norm)
    half_shape = _half_shape(input_shape)
    dr = hermitian_real_2d_adjoint(dh, input_shape=half_shape, n=input_shape[-1])  # eq. (13)
    dhalf = real_adjoint(dr, input_shape=half_shape)  # eq. (14)
    return rfft2_adjoint(dhalf, input_shape=input_shape, axes=(-2, -1), norm=norm)  # eq. (15)


# ----------------------------------------------------------------------------------------------------------
# contexts


@dataclass(frozen=True)
class FourierMixingCtx(LayerCtx):
    """What the backward of FourierMixing and FourierMixing1D reads: the input's shape and kind, and the
    dropout mask (None if inactive)."""

    input_shape: tuple
    complex_input: bool
    mask: object


@dataclass(frozen=True)
class RealFourierMixingCtx(FourierMixingCtx):
    """What RealFourierMixing.backward reads: :class:`FourierMixingCtx` plus ``half_shape``, the shape of
    rfft2's half spectrum (None when the complex-FFT path ran)."""

    half_shape: tuple | None = None


@dataclass(frozen=True)
class SeparableFourierMixingCtx(FourierMixingCtx):
    """What SeparableFourierMixing.backward reads (the fields of :class:`FourierMixingCtx`)."""


# ----------------------------------------------------------------------------------------------------------
# the shared forward and backward


class _FourierMixingBase(UnitaryMixingLayer):
    """Forward: check the input, mix (a subclass's hook), output dropout; backward: check the cotangent,
    dropout VJP, the mix's adjoint (the subclass's other hook). No parameters.

    Hooks: ``_mix(x) -> (h, ctx_fields)`` (the forward before dropout, and the extra fields of the class's
    ctx), ``_mix_adjoint(dh, ctx) -> dx``, and the property ``complex_output``.
    """

    linear_in_input = True
    _ctx_class = FourierMixingCtx
    fused_fast_path = True  # on NumPy, the real-input paths run fused with the engine (fft_fused)

    @property
    def complex_output(self) -> bool:
        """Whether the output is complex (FourierMixing and FourierMixing1D with ``keep_complex``)."""
        return False

    def _mix(self, x) -> tuple:
        raise NotImplementedError

    def _mix_adjoint(self, dh, ctx):
        raise NotImplementedError

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """Return ``(y, ctx)``; ``y`` has the shape of ``x``, real unless ``complex_output``."""
        self._check_mixing_input(x, allow_complex=True)
        h, fields = self._mix(x)
        y, mask = self._output_dropout(h, x=x, training=training, rng=rng, masks=masks)  # eq. (3)
        return y, self._ctx_class(dtype=dtype_name(x.dtype), input_shape=tuple(x.shape),
                                  complex_input=is_complex(x), mask=mask, **fields)

    def backward(self, ctx, dy):
        """Return ``(dx, {})``: the gradient of the input (real for real input) and no parameter grads."""
        layer = type(self).__name__
        self._check_cotangent(ctx, dy, ctx.input_shape)
        if is_complex(dy) != self.complex_output:
            kind = "complex" if self.complex_output else "real"
            raise TypeError(f"{layer}.backward: the output is {kind}, so dy must be {kind}")
        dh = self._output_dropout_backward(dy, ctx.mask)  # eq. (4)
        return self._mix_adjoint(dh, ctx), {}


class _SpectrumMixing(_FourierMixingBase):
    """FourierMixing and FourierMixing1D: an FFT ``_transform`` (hook), then the real part unless
    ``keep_complex``."""

    def __init__(self, hidden_dim: int, dropout: float = 0.0, norm_eps: float = 1e-5,
                 energy_tolerance: float = 1e-4, fft_norm: str = "ortho", keep_complex: bool = False):
        super().__init__(hidden_dim, dropout, norm_eps, energy_tolerance)
        self.fft_norm = check_norm(fft_norm)
        self.keep_complex = check_flag(keep_complex, "keep_complex")

    @property
    def complex_output(self) -> bool:
        return self.keep_complex

    def _transform(self, x):
        raise NotImplementedError

    def _transform_adjoint(self, dz, input_shape):
        raise NotImplementedError

    def _mix(self, x):
        z = self._transform(x)  # eq. (1) or (8)
        return (z if self.keep_complex else real(z)), {}  # eq. (2)

    def _mix_adjoint(self, dh, ctx):
        dz = dh if self.keep_complex else real_adjoint(dh, input_shape=ctx.input_shape)  # eq. (5)
        dx = self._transform_adjoint(dz, ctx.input_shape)  # eq. (6) or (9)
        return _to_input_space(dx, ctx)  # eq. (7)


# ----------------------------------------------------------------------------------------------------------
# the layers


class FourierMixing(_SpectrumMixing):
    r"""FNet token mixing: the real part of the 2-D FFT over (sequence, hidden).

    .. math::

        z = \mathcal F_{N,D}\, x = c\, F_N\, x\, F_D, \qquad h = \operatorname{Re} z \ \ (\text{or } h = z
        \text{ with keep\_complex}), \qquad y = \operatorname{dropout}(h)

    for each (N, D) slice of x, with :math:`c = 1/\sqrt{ND}` ("ortho", the default), 1 ("backward") or
    :math:`1/(ND)` ("forward"), as spectrans computes it (the FNet paper uses the unnormalised FFT,
    "backward"). Backward (docs/layers/fourier_mixing.md eqs. (4)-(7)):
    :math:`\bar x = \mathcal F_{N,D}^H(\bar h + 0i)` (its real part for real x).

    Parameters
    ----------
    hidden_dim : int
    dropout : float in [0, 1), default 0.0
        Applied to the output. With ``keep_complex`` in training mode the real keep-mask multiplies the
        complex output (spectrans raises NotImplementedError there).
    norm_eps, energy_tolerance : float
        Kept for spectrans compatibility (see :class:`~specref.layers.mixing.base.UnitaryMixingLayer`).
    fft_norm : {"ortho", "backward", "forward"} or None, default "ortho"
        None means "backward", as in numpy and torch.
    keep_complex : bool, default False
        Return the complex spectrum instead of its real part.

    Notes
    -----
    Complex input is accepted (spectrans accepts it and takes :math:`\operatorname{Re}\mathcal F z`); its
    gradient follows specref's convention :math:`\partial L/\partial a + i\,\partial L/\partial b`.
    The layer has no parameters: ``params == {}`` and ``state_dict() == {}``.
    """

    def _transform(self, x):
        return fft2(x, axes=(-2, -1), norm=self.fft_norm)  # eq. (1)

    def _transform_adjoint(self, dz, input_shape):
        return fft2_adjoint(dz, input_shape=input_shape, axes=(-2, -1), norm=self.fft_norm)  # eq. (6)

    def _mix(self, x):
        if self.keep_complex or is_complex(x):
            return super()._mix(x)
        return _real_part_fft2(x, self.fft_norm, self.fused_fast_path), {}  # eqs. (10)-(12): = Re F x of eqs. (1), (2)

    def _mix_adjoint(self, dh, ctx):
        if self.keep_complex or ctx.complex_input:
            return super()._mix_adjoint(dh, ctx)
        return _real_part_fft2_adjoint(dh, ctx.input_shape, self.fft_norm, self.fused_fast_path)  # eqs. (13)-(15)

    def error_scale(self, input_shape) -> float:
        """One FFT over N*D points; the real part of random data keeps about half its energy (factor 2)."""
        n, d = int(input_shape[-2]), int(input_shape[-1])
        return fft_error_scale(n * d) * (1.0 if self.keep_complex else 2.0)

    def get_spectral_properties(self) -> dict:
        """Properties true for the layer as configured; ``"notes"`` says why (docs/layers/mixing_base.md)."""
        ortho = self.fft_norm == "ortho"
        unitary = self.keep_complex and ortho
        notes = (
            "keep_complex with fft_norm='ortho': y = F x with F unitary (Parseval), so the map is unitary and "
            "energy preserving." if unitary else
            "keep_complex: y = c F x is a multiple of a unitary map (c = sqrt(ND) or 1/sqrt(ND)), so energies "
            "scale by ND or 1/(ND)." if self.keep_complex else
            "y = Re(c F x) is not unitary: for real x, Re F = (F + P F)/2 with P the index reversal "
            "(n, d) -> (-n, -d), so y keeps only the part of x even under P and ||y||^2 = "
            "c'^2 (||x||^2 + <x, P x>)/2 (c' = 1 for 'ortho'): energy is not preserved (exception: N, D <= 2, "
            "where P = I). Not translation equivariant: a circular shift multiplies F x by a phase, which "
            "changes the real part by more than a shift."
        )
        return {
            "unitary": unitary,
            "real_output": not self.keep_complex,
            "frequency_domain": True,
            "energy_preserving": unitary,
            "translation_equivariant": False,
            "learnable_parameters": False,
            "notes": notes,
        }


class FourierMixing1D(_SpectrumMixing):
    r"""Fourier mixing along the sequence only: :math:`y = \operatorname{dropout}(\operatorname{Re}
    \mathcal F_N x)`, the 1-D FFT along axis -2 (or the complex spectrum with ``keep_complex``).

    Backward (docs/layers/fourier_mixing.md eqs. (8)-(9)): :math:`\bar x = \mathcal F_N^H(\bar h + 0i)`
    along axis -2. spectrans transforms ``dim=1``, which is the sequence axis for (B, N, D) input; specref
    uses axis -2 for any leading batch shape. Arguments as :class:`FourierMixing`.
    """

    def _transform(self, x):
        return fft(x, axis=-2, norm=self.fft_norm)  # eq. (8)

    def _transform_adjoint(self, dz, input_shape):
        return fft_adjoint(dz, input_shape=input_shape, axis=-2, norm=self.fft_norm)  # eq. (9)

    def _mix(self, x):
        if self.keep_complex or is_complex(x):
            return super()._mix(x)
        return _real_part_fft(x, -2, self.fft_norm, self.fused_fast_path), {}  # eq. (8) and Re, from the half spectrum

    def _mix_adjoint(self, dh, ctx):
        if self.keep_complex or ctx.complex_input:
            return super()._mix_adjoint(dh, ctx)
        # eq. (9), from the half spectrum
        return _real_part_fft_adjoint(dh, ctx.input_shape, -2, self.fft_norm, self.fused_fast_path)

    def error_scale(self, input_shape) -> float:
        """One FFT of length N per column; factor 2 for the real part (see FourierMixing.error_scale)."""
        return fft_error_scale(int(input_shape[-2])) * (1.0 if self.keep_complex else 2.0)

    def get_spectral_properties(self) -> dict:
        """As :meth:`FourierMixing.get_spectral_properties`, for the sequence axis alone."""
        unitary = self.keep_complex and self.fft_norm == "ortho"
        notes = (
            "keep_complex with 'ortho': each feature column is transformed by the unitary F_N." if unitary else
            "keep_complex: a multiple of a unitary map (energies scale by N or 1/N)." if self.keep_complex else
            "y = Re(F_N x) keeps only the part of each column even under n -> -n (mod N): not unitary, not "
            "energy preserving (exception: N <= 2)."
        )
        return {
            "unitary": unitary,
            "real_output": not self.keep_complex,
            "frequency_domain": True,
            "energy_preserving": unitary,
            "sequence_mixing_only": True,
            "feature_preserving": True,
            "learnable_parameters": False,
            "notes": notes,
        }


class RealFourierMixing(_FourierMixingBase):
    r"""FNet mixing :math:`\operatorname{Re}\mathcal F_{N,D}\,x` computed from the ``rfft2`` half spectrum.

    With ``use_real_fft`` (default) and real input:

    .. math::

        H = \operatorname{rfft2}(x), \qquad R = \operatorname{Re} H, \qquad
        h = E R = \operatorname{Re} \mathcal F_{N,D}\, x, \qquad y = \operatorname{dropout}(h),

    where :math:`E` (:func:`specref.transforms.hermitian.hermitian_real_2d`) rebuilds the columns
    :math:`l \ge \lfloor D/2\rfloor + 1` from the Hermitian symmetry :math:`X_{k,l} = \overline{X_{-k,-l}}`, for
    odd and even D. Backward (docs/layers/fourier_mixing.md eqs. (13)-(15)):
    :math:`\bar x = \operatorname{rfft2}^*(E^T \bar h + 0i)`. Otherwise (``use_real_fft=False`` or complex
    input) :math:`h = \operatorname{Re}\mathcal F_{N,D}\,x` by the complex FFT, the fallback spectrans wrote
    for complex input.

    Departure from spectrans: spectrans computes ``irfft2(rfft2(x))``, which is :math:`x` itself (no
    mixing at all), and for odd D returns D - 1 columns; with complex input and ``use_real_fft`` it raises
    AttributeError. specref computes the FNet mixing the class documents, equal to :class:`FourierMixing`'s
    output (validation/findings/spectrans_real_fourier_identity.md).

    Parameters
    ----------
    hidden_dim : int
    use_real_fft : bool, default True
    dropout, norm_eps, energy_tolerance, fft_norm
        As :class:`FourierMixing` (no ``keep_complex``: the output is always real).
    """

    _ctx_class = RealFourierMixingCtx

    def __init__(self, hidden_dim: int, use_real_fft: bool = True, dropout: float = 0.0,
                 norm_eps: float = 1e-5, energy_tolerance: float = 1e-4, fft_norm: str = "ortho"):
        super().__init__(hidden_dim, dropout, norm_eps, energy_tolerance)
        self.use_real_fft = check_flag(use_real_fft, "use_real_fft")
        self.fft_norm = check_norm(fft_norm)

    def _mix(self, x):
        if self.use_real_fft and not is_complex(x):
            h = _real_part_fft2(x, self.fft_norm, self.fused_fast_path)  # eqs. (10)-(12)
            return h, {"half_shape": _half_shape(tuple(x.shape))}
        return real(fft2(x, axes=(-2, -1), norm=self.fft_norm)), {"half_shape": None}  # eqs. (1), (2)

    def _mix_adjoint(self, dh, ctx):
        if ctx.half_shape is not None:
            return _real_part_fft2_adjoint(dh, ctx.input_shape, self.fft_norm, self.fused_fast_path)  # eqs. (13)-(15)
        dz = real_adjoint(dh, input_shape=ctx.input_shape)  # eq. (5)
        dx = fft2_adjoint(dz, input_shape=ctx.input_shape, axes=(-2, -1), norm=self.fft_norm)  # eq. (6)
        return _to_input_space(dx, ctx)  # eq. (7)

    def error_scale(self, input_shape) -> float:
        """As FourierMixing with the real part: one (half) FFT over N*D points, factor 2 for Re."""
        n, d = int(input_shape[-2]), int(input_shape[-1])
        return 2.0 * fft_error_scale(n * d)

    def get_spectral_properties(self) -> dict:
        """The properties of Re(F x) (spectrans reports unitary/energy preserving: true of its identity map)."""
        return {
            "unitary": False,
            "real_output": True,
            "frequency_domain": True,
            "energy_preserving": False,
            "memory_efficient": self.use_real_fft,
            "hermitian_symmetry": self.use_real_fft,
            "learnable_parameters": False,
            "notes": ("the same map as FourierMixing (real part of the 2-D FFT), so not unitary and not energy "
                      "preserving (exception: N, D <= 2); with use_real_fft the half spectrum of rfft2 is "
                      "computed and the other columns are rebuilt by Hermitian symmetry. spectrans reports "
                      "unitary and energy preserving because its forward is the identity (a bug)."),
        }


class SeparableFourierMixing(_FourierMixingBase):
    r"""Separable Fourier mixing: real part after each 1-D FFT, sequence first, then features.

    .. math::

        u = \operatorname{Re} \mathcal F_N\, x \ (\text{axis } -2), \qquad
        v = \operatorname{Re} \mathcal F_D\, u \ (\text{axis } -1), \qquad y = \operatorname{dropout}(v),

    each step present when its flag is set (``mix_sequence``, ``mix_features``). For real x this is
    :math:`C_N x C_D` with the cosine matrices :math:`C = \operatorname{Re} F`, a separable map, unlike
    :math:`\operatorname{Re}(F_N x F_D) = C_N x C_D - S_N x S_D`. spectrans takes the real part between
    the two FFTs and documents the class as "different mixing characteristics" from the 2-D FFT: a coherent
    design choice, which specref follows and states; :class:`FourierMixing` is the FNet map.
    Backward (docs/layers/fourier_mixing.md eqs. (18)-(19)).

    Parameters
    ----------
    hidden_dim : int
    mix_features, mix_sequence : bool, default True
        At least one must be True (ValueError otherwise, as spectrans).
    dropout, norm_eps, energy_tolerance, fft_norm
        As :class:`FourierMixing`.
    """

    _ctx_class = SeparableFourierMixingCtx

    def __init__(self, hidden_dim: int, mix_features: bool = True, mix_sequence: bool = True,
                 dropout: float = 0.0, norm_eps: float = 1e-5, energy_tolerance: float = 1e-4,
                 fft_norm: str = "ortho"):
        super().__init__(hidden_dim, dropout, norm_eps, energy_tolerance)
        self.mix_features = check_flag(mix_features, "mix_features")
        self.mix_sequence = check_flag(mix_sequence, "mix_sequence")
        self.fft_norm = check_norm(fft_norm)
        if not (self.mix_features or self.mix_sequence):
            raise ValueError("At least one of mix_features or mix_sequence must be True")

    def _real_part(self, v, axis: int):
        """Re F v along ``axis``: from the half spectrum for real v, by the complex FFT for complex v."""
        if is_complex(v):
            return real(fft(v, axis=axis, norm=self.fft_norm))
        return _real_part_fft(v, axis, self.fft_norm, self.fused_fast_path)

    def _mix(self, x):
        u = self._real_part(x, -2) if self.mix_sequence else x  # eq. (16)
        v = self._real_part(u, -1) if self.mix_features else u  # eq. (17)
        return v, {}

    def _mix_adjoint(self, dv, ctx):
        # with mix_features only and complex x, the output is Re F_D x (complex input to that step)
        shape = ctx.input_shape
        du = dv
        if self.mix_features:
            if self.mix_sequence or not ctx.complex_input:  # u was real: its half spectrum was used
                du = _real_part_fft_adjoint(dv, shape, -1, self.fft_norm, self.fused_fast_path)  # eq. (18)
            else:
                du = fft_adjoint(real_adjoint(dv, input_shape=shape), input_shape=shape, axis=-1,
                                 norm=self.fft_norm)  # eq. (18)
        dx = du
        if self.mix_sequence:
            if ctx.complex_input:
                dx = fft_adjoint(real_adjoint(du, input_shape=shape), input_shape=shape, axis=-2,
                                 norm=self.fft_norm)  # eq. (19)
            else:
                # eq. (19), from the half spectrum
                dx = _real_part_fft_adjoint(du, shape, -2, self.fft_norm, self.fused_fast_path)
        return dx

    def error_scale(self, input_shape) -> float:
        """Two 1-D FFTs (lengths N and D); factor 2 for each real part taken (see FourierMixing)."""
        n, d = int(input_shape[-2]), int(input_shape[-1])
        c = (2.0 * fft_error_scale(n) if self.mix_sequence else 0.0)
        c += (2.0 * fft_error_scale(d) if self.mix_features else 0.0)
        return 2.0 * c if (self.mix_sequence and self.mix_features) else c

    def get_spectral_properties(self) -> dict:
        """Not unitary: each real part is a projection (see the class notes)."""
        return {
            "unitary": False,
            "real_output": True,
            "frequency_domain": True,
            "energy_preserving": False,
            "separable": True,
            "sequence_mixing": self.mix_sequence,
            "feature_mixing": self.mix_features,
            "learnable_parameters": False,
            "notes": ("each real part after an FFT keeps only the part even under index reversal along that "
                      "axis (Re F = (F + P F)/2), so the map is a projection, not unitary (exception: the "
                      "mixed lengths <= 2). For real x it is C_N x C_D, separable; Re(F_N x F_D) is not."),
        }


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _fft2_formula(layer, x: np.ndarray) -> np.ndarray:
    """FourierMixing and RealFourierMixing before dropout: numpy.fft.fft2, real part unless complex output."""
    z = np.fft.fft2(x, axes=(-2, -1), norm=layer.fft_norm)
    return z if layer.complex_output else z.real


def _fft_formula(layer, x: np.ndarray) -> np.ndarray:
    """FourierMixing1D before dropout: numpy.fft.fft along the sequence, real part unless complex output."""
    z = np.fft.fft(x, axis=-2, norm=layer.fft_norm)
    return z if layer.complex_output else z.real


def _separable_formula(layer, x: np.ndarray) -> np.ndarray:
    """SeparableFourierMixing before dropout: the real part after each 1-D numpy.fft.fft."""
    u = np.fft.fft(x, axis=-2, norm=layer.fft_norm).real if layer.mix_sequence else x
    return np.fft.fft(u, axis=-1, norm=layer.fft_norm).real if layer.mix_features else u


def _reference_check(inputs: Inputs, *, xp, dtype, params, rng, formula) -> CheckResult:
    """Forward (with the case's mask, if any) against ``formula`` (numpy.fft in complex128) on the host."""
    layer, kwargs = inputs.kwargs["layer"], inputs.kwargs["forward_kwargs"]
    x = inputs.args[0]
    y = to_numpy(layer.forward(x, **kwargs)[0])
    expected = formula(layer, to_numpy(x).astype(np.complex128))
    masks = kwargs.get("masks") or {}
    if kwargs.get("training") and "dropout" in masks:
        expected = expected * to_numpy(masks["dropout"]) / (1.0 - layer.dropout)
    rep = error_report(y, expected)
    bound = reference_bound(layer.error_scale(tuple(x.shape)), finfo_eps(x.dtype))
    return CheckResult("reference", rep.normwise, bound.value, bool(rep.normwise <= bound.value),
                       f"numpy.fft formula in float64: {bound.reason}", rep.where())


def _train_with_mask(layer, x, rng):
    """Training mode with an injected keep-mask of the output's shape (the peer's mask in a comparison)."""
    if not layer.dropout:
        return {}
    return {"training": True, "masks": {"dropout": _xp_mask(x, rng.random(tuple(x.shape)) >= layer.dropout)}}


def _xp_mask(x, host_mask):
    """A host boolean mask moved to x's namespace and device."""
    return namespace(x).asarray(host_mask, device=device_of(x))


def _shape(point):
    return (2, point["N"], point["D"])


def _build(cls):
    def build(seed, N, D, **config):  # no params: the seed has nothing to initialise
        return cls(D, **config)

    return build


def _scale(cls):
    return lambda point: _build(cls)(0, **point).error_scale(_shape(point))


_REASON = ("FFTs over the mixed axes, 2 (1 + log2 n) each (specref.testing.tolerances.fft_error_scale), times 2 per "
           "real part taken (Re of random spectra keeps about half the energy, so the relative error grows by "
           "up to sqrt 2); the norm factor and dropout scale add one rounding each, within the constant")

CASES = [
    layer_case(
        FourierMixing,
        build=_build(FourierMixing),
        input_shape=_shape,
        grid=(
            {"N": 6, "D": 4},
            {"N": 7, "D": 5, "fft_norm": "backward", "keep_complex": True},
            {"N": 5, "D": 6, "fft_norm": "forward", "dropout": 0.3},  # training mode, injected mask
            {"N": 4, "D": 3, "keep_complex": True, "dropout": 0.25},  # real mask on a complex output
        ),
        forward_kwargs=_train_with_mask,
        error_scale=_scale(FourierMixing),
        error_reason=_REASON,
        extra_checks=(partial(_reference_check, formula=_fft2_formula),),
    ),
    layer_case(
        FourierMixing,
        name="FourierMixing_complex_input",
        build=_build(FourierMixing),
        input_shape=_shape,
        complex_input=True,
        grid=(
            {"N": 6, "D": 5},
            {"N": 5, "D": 4, "keep_complex": True, "fft_norm": "backward"},
            {"N": 3, "D": 4, "dropout": 0.3},
        ),
        forward_kwargs=_train_with_mask,
        error_scale=_scale(FourierMixing),
        error_reason=_REASON,
        extra_checks=(partial(_reference_check, formula=_fft2_formula),),
    ),
    layer_case(
        FourierMixing1D,
        build=_build(FourierMixing1D),
        input_shape=_shape,
        grid=(
            {"N": 6, "D": 4},
            {"N": 7, "D": 3, "keep_complex": True, "fft_norm": "forward"},
            {"N": 5, "D": 4, "fft_norm": "backward", "dropout": 0.3},
        ),
        forward_kwargs=_train_with_mask,
        error_scale=_scale(FourierMixing1D),
        error_reason=_REASON,
        extra_checks=(partial(_reference_check, formula=_fft_formula),),
    ),
    layer_case(
        RealFourierMixing,
        build=_build(RealFourierMixing),
        input_shape=_shape,
        grid=(
            {"N": 6, "D": 4},
            {"N": 7, "D": 5},  # odd D: spectrans drops a column here
            {"N": 5, "D": 6, "fft_norm": "backward", "dropout": 0.3},
            {"N": 4, "D": 7, "fft_norm": "forward", "use_real_fft": False},
        ),
        forward_kwargs=_train_with_mask,
        error_scale=_scale(RealFourierMixing),
        error_reason=_REASON,
        extra_checks=(partial(_reference_check, formula=_fft2_formula),),
    ),
    layer_case(
        SeparableFourierMixing,
        build=_build(SeparableFourierMixing),
        input_shape=_shape,
        grid=(
            {"N": 6, "D": 4},
            {"N": 7, "D": 5, "fft_norm": "backward", "dropout": 0.3},
            {"N": 5, "D": 3, "mix_features": False, "fft_norm": "forward"},
            {"N": 4, "D": 5, "mix_sequence": False},
        ),
        forward_kwargs=_train_with_mask,
        error_scale=_scale(SeparableFourierMixing),
        error_reason=_REASON,
        extra_checks=(partial(_reference_check, formula=_separable_formula),),
    ),
    # complex input (the gradient dL/da + i dL/db) for the other three classes, N = 6 and D = 5
    *(layer_case(cls, name=f"{cls.__name__}_complex_input", build=_build(cls), input_shape=_shape, complex_input=True,
                 grid=tuple({"N": 6, "D": 5, **config} for config in configs), forward_kwargs=_train_with_mask,
                 error_scale=_scale(cls), error_reason=_REASON,
                 extra_checks=(partial(_reference_check, formula=formula),))
      for cls, formula, configs in (
          (FourierMixing1D, _fft_formula, ({"keep_complex": True}, {"fft_norm": "backward"})),
          (RealFourierMixing, _fft2_formula, ({}, {"use_real_fft": False, "fft_norm": "forward"})),
          (SeparableFourierMixing, _separable_formula, ({}, {"mix_sequence": False}, {"mix_features": False})),
      )),
]
