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

The derivations (forward equations (1)-(17), backward line by line) are on docs/layers/fourier_mixing.md; the
comments in each ``backward`` cite them. Where specref departs from spectrans (RealFourierMixing is the
identity there, drops a column for odd D; dropout on a complex output raises there) the docs page says why,
and validation/findings/ records the difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from specref._args import check_input_shape
from specref.backend import device_of, finfo_eps, is_complex, namespace, to_numpy
from specref.layers.base import layer_case
from specref.layers.mixing.base import UnitaryMixingLayer
from specref.ops.complex import real, real_adjoint
from specref.testing.case import Case, Inputs
from specref.testing.checks import CheckResult, error_report
from specref.testing.tolerances import fft_error_scale, reference_bound
from specref.transforms.fourier import (
    NORMS,
    check_norm,
    fft,
    fft2,
    fft2_adjoint,
    fft_adjoint,
    rfft2,
    rfft2_adjoint,
)
from specref.transforms.structural import to_complex_adjoint

__all__ = [
    "FourierMixing",
    "FourierMixing1D",
    "RealFourierMixing",
    "SeparableFourierMixing",
    "hermitian_real_2d",
    "hermitian_real_2d_adjoint",
]


def _fft_norm(fft_norm) -> str:
    """The FFT norm name; ValueError naming the accepted ones (None means "backward", as numpy/torch)."""
    try:
        return check_norm(fft_norm)
    except ValueError:
        accepted = ", ".join(repr(n) for n in ("ortho", *[m for m in NORMS if m != "ortho"]))
        raise ValueError(f"unknown fft_norm {fft_norm!r}; accepted: {accepted} (None means 'backward')") from None


def _check_cotangent(dy, ctx, *, complex_output: bool, layer: str):
    if tuple(dy.shape) != tuple(ctx.input_shape):
        raise ValueError(f"{layer}.backward: dy has shape {tuple(dy.shape)}, the output has {ctx.input_shape}")
    if is_complex(dy) != complex_output:
        kind = "complex" if complex_output else "real"
        raise TypeError(f"{layer}.backward: the output is {kind}, so dy must be {kind}")


def _to_input_space(g, ctx):
    """The adjoint of casting a real input to complex (``Re``), or nothing for a complex input."""
    return g if ctx.complex_input else to_complex_adjoint(g, input_shape=ctx.input_shape)


# ----------------------------------------------------------------------------------------------------------
# the real part of a 2-D spectrum from its half: the linear step RealFourierMixing adds to rfft2


def _reverse_rows(v):
    r"""The permutation :math:`(Pv)_k = v_{(-k) \bmod N}` along axis -2 (an involution, so :math:`P^T = P`)."""
    xp = namespace(v)
    return xp.concat([v[..., :1, :], xp.flip(v[..., 1:, :], axis=-2)], axis=-2)


def hermitian_real_2d(r, *, n: int):
    r"""The real part of a full 2-D spectrum of real data from the real part of its ``rfft2`` half.

    For real :math:`x` of shape (..., N, n), :math:`X = \mathcal F_{N,n} x` satisfies
    :math:`X_{k,l} = \overline{X_{-k,-l}}` (indices mod N and n), so
    :math:`\operatorname{Re} X_{k,l} = \operatorname{Re} X_{-k,-l}`. ``rfft2`` keeps the columns
    :math:`l < h = \lfloor n/2\rfloor + 1`; given :math:`R = \operatorname{Re} X_{:, :h}` this returns

    .. math::

        Y_{k,l} = R_{k,l} \quad (l < h), \qquad Y_{k,l} = R_{(-k) \bmod N,\; n - l} \quad (h \le l < n),

    so :math:`Y = \operatorname{Re} X` for odd and even n (the columns :math:`n - l` run over
    :math:`1, \dots, n - h`, never DC nor the even-n Nyquist column). It is a real linear map
    :math:`E` (copies and one permutation), the step of docs/layers/fourier_mixing.md eq. (12).

    Parameters
    ----------
    r : real array (..., N, n // 2 + 1)
    n : int
        The length of the last axis of the full spectrum.

    Returns
    -------
    real array (..., N, n)
    """
    xp = namespace(r)
    h = n // 2 + 1
    if r.ndim < 2 or r.shape[-1] != h:
        raise ValueError(f"hermitian_real_2d: r must have shape (..., N, {h}) for n = {n}, got {tuple(r.shape)}")
    tail = r[..., :, 1:n - h + 1]  # columns 1 .. n - h: the mirrors of columns n - 1 .. h
    return xp.concat([r, _reverse_rows(xp.flip(tail, axis=-1))], axis=-1)


def hermitian_real_2d_adjoint(y, *, input_shape, n: int):
    r"""Adjoint (transpose) of :func:`hermitian_real_2d`: fold the mirrored columns back.

    :math:`E^T \bar Y` keeps :math:`\bar Y_{:, :h}` and adds to column :math:`j \in [1, n - h]` the
    entries :math:`\bar Y_{(-k) \bmod N,\; n - j}`; the flip along each axis is its own transpose
    (docs/layers/fourier_mixing.md eq. (13)).

    Parameters
    ----------
    y : real array (..., N, n)
    input_shape : tuple
        The shape of the forward's input, (..., N, n // 2 + 1).
    n : int
    """
    xp = namespace(y)
    input_shape = check_input_shape(input_shape)
    h = n // 2 + 1
    expected = (*input_shape[:-1], n)
    if tuple(y.shape) != expected or input_shape[-1] != h:
        raise ValueError(f"hermitian_real_2d_adjoint: y has shape {tuple(y.shape)}, expected {expected} for "
                         f"input_shape {input_shape} and n = {n}")
    folded = xp.flip(_reverse_rows(y[..., :, h:]), axis=-1)  # lands on columns 1 .. n - h
    return xp.concat([y[..., :, :1], y[..., :, 1:n - h + 1] + folded, y[..., :, n - h + 1:h]], axis=-1)


# ----------------------------------------------------------------------------------------------------------
# the layers


@dataclass(frozen=True)
class FourierMixingCtx:
    """What FourierMixing.backward reads: the input's shape and kind, the dropout mask (None if inactive)."""

    input_shape: tuple
    complex_input: bool
    mask: object


class FourierMixing(UnitaryMixingLayer):
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
    fft_norm : {"ortho", "backward", "forward"}, default "ortho"
    keep_complex : bool, default False
        Return the complex spectrum instead of its real part.

    Notes
    -----
    Complex input is accepted (spectrans accepts it and takes :math:`\operatorname{Re}\mathcal F z`); its
    gradient follows specref's convention :math:`\partial L/\partial a + i\,\partial L/\partial b`.
    The layer has no parameters: ``params == {}`` and ``state_dict() == {}``.
    """

    linear_in_input = True

    def __init__(self, hidden_dim: int, dropout: float = 0.0, norm_eps: float = 1e-5,
                 energy_tolerance: float = 1e-4, fft_norm: str = "ortho", keep_complex: bool = False):
        super().__init__(hidden_dim, dropout, norm_eps, energy_tolerance)
        self.fft_norm = _fft_norm(fft_norm)
        self.keep_complex = bool(keep_complex)

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """Return ``(y, ctx)``; ``y`` has the shape of ``x``, real unless ``keep_complex``."""
        self._check_mixing_input(x, allow_complex=True)
        z = fft2(x, axes=(-2, -1), norm=self.fft_norm)  # eq. (1)
        h = z if self.keep_complex else real(z)  # eq. (2)
        y, mask = self._output_dropout(h, x=x, training=training, rng=rng, masks=masks)  # eq. (3)
        return y, FourierMixingCtx(tuple(x.shape), is_complex(x), mask)

    def backward(self, ctx: FourierMixingCtx, dy):
        """Return ``(dx, {})``: the gradient of the input (real for real input) and no parameter grads."""
        _check_cotangent(dy, ctx, complex_output=self.keep_complex, layer=type(self).__name__)
        dh = self._output_dropout_backward(dy, ctx.mask)  # eq. (4)
        dz = dh if self.keep_complex else real_adjoint(dh, input_shape=ctx.input_shape)  # eq. (5)
        dx = fft2_adjoint(dz, input_shape=ctx.input_shape, axes=(-2, -1), norm=self.fft_norm)  # eq. (6)
        return _to_input_space(dx, ctx), {}  # eq. (7)

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


class FourierMixing1D(UnitaryMixingLayer):
    r"""Fourier mixing along the sequence only: :math:`y = \operatorname{dropout}(\operatorname{Re}
    \mathcal F_N x)`, the 1-D FFT along axis -2 (or the complex spectrum with ``keep_complex``).

    Backward (docs/layers/fourier_mixing.md eqs. (8)-(9)): :math:`\bar x = \mathcal F_N^H(\bar h + 0i)`
    along axis -2. spectrans transforms ``dim=1``, which is the sequence axis for (B, N, D) input; specref
    uses axis -2 for any leading batch shape. Arguments as :class:`FourierMixing`.
    """

    linear_in_input = True

    def __init__(self, hidden_dim: int, dropout: float = 0.0, norm_eps: float = 1e-5,
                 energy_tolerance: float = 1e-4, fft_norm: str = "ortho", keep_complex: bool = False):
        super().__init__(hidden_dim, dropout, norm_eps, energy_tolerance)
        self.fft_norm = _fft_norm(fft_norm)
        self.keep_complex = bool(keep_complex)

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """Return ``(y, ctx)``; ``y`` has the shape of ``x``, real unless ``keep_complex``."""
        self._check_mixing_input(x, allow_complex=True)
        z = fft(x, axis=-2, norm=self.fft_norm)  # eq. (8)
        h = z if self.keep_complex else real(z)  # eq. (2)
        y, mask = self._output_dropout(h, x=x, training=training, rng=rng, masks=masks)  # eq. (3)
        return y, FourierMixingCtx(tuple(x.shape), is_complex(x), mask)

    def backward(self, ctx: FourierMixingCtx, dy):
        """Return ``(dx, {})``."""
        _check_cotangent(dy, ctx, complex_output=self.keep_complex, layer=type(self).__name__)
        dh = self._output_dropout_backward(dy, ctx.mask)  # eq. (4)
        dz = dh if self.keep_complex else real_adjoint(dh, input_shape=ctx.input_shape)  # eq. (5)
        dx = fft_adjoint(dz, input_shape=ctx.input_shape, axis=-2, norm=self.fft_norm)  # eq. (9)
        return _to_input_space(dx, ctx), {}  # eq. (7)

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


@dataclass(frozen=True)
class RealFourierMixingCtx:
    """What RealFourierMixing.backward reads: shapes, which path ran, and the dropout mask."""

    input_shape: tuple
    half_shape: tuple | None  # shape of rfft2's half spectrum; None when the complex-FFT path ran
    complex_input: bool
    mask: object


class RealFourierMixing(UnitaryMixingLayer):
    r"""FNet mixing :math:`\operatorname{Re}\mathcal F_{N,D}\,x` computed from the ``rfft2`` half spectrum.

    With ``use_real_fft`` (default) and real input:

    .. math::

        H = \operatorname{rfft2}(x), \qquad R = \operatorname{Re} H, \qquad
        h = E R = \operatorname{Re} \mathcal F_{N,D}\, x, \qquad y = \operatorname{dropout}(h),

    where :math:`E` (:func:`hermitian_real_2d`) rebuilds the columns :math:`l \ge \lfloor D/2\rfloor + 1`
    from the Hermitian symmetry :math:`X_{k,l} = \overline{X_{-k,-l}}`, for odd and even D. Backward
    (docs/layers/fourier_mixing.md eqs. (13)-(15)): :math:`\bar x = \operatorname{rfft2}^*(E^T \bar h + 0i)`.
    Otherwise (``use_real_fft=False`` or complex input) :math:`h = \operatorname{Re}\mathcal F_{N,D}\,x` by
    the complex FFT, the fallback spectrans wrote for complex input.

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

    linear_in_input = True

    def __init__(self, hidden_dim: int, use_real_fft: bool = True, dropout: float = 0.0,
                 norm_eps: float = 1e-5, energy_tolerance: float = 1e-4, fft_norm: str = "ortho"):
        super().__init__(hidden_dim, dropout, norm_eps, energy_tolerance)
        self.use_real_fft = bool(use_real_fft)
        self.fft_norm = _fft_norm(fft_norm)

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """Return ``(y, ctx)``; ``y`` is real with the shape of ``x`` (odd D included)."""
        self._check_mixing_input(x, allow_complex=True)
        if self.use_real_fft and not is_complex(x):
            half = rfft2(x, axes=(-2, -1), norm=self.fft_norm)  # eq. (10)
            h = hermitian_real_2d(real(half), n=self.hidden_dim)  # eqs. (11), (12)
            half_shape = tuple(half.shape)
        else:
            h = real(fft2(x, axes=(-2, -1), norm=self.fft_norm))  # eqs. (1), (2)
            half_shape = None
        y, mask = self._output_dropout(h, x=x, training=training, rng=rng, masks=masks)  # eq. (3)
        return y, RealFourierMixingCtx(tuple(x.shape), half_shape, is_complex(x), mask)

    def backward(self, ctx: RealFourierMixingCtx, dy):
        """Return ``(dx, {})``."""
        _check_cotangent(dy, ctx, complex_output=False, layer=type(self).__name__)
        dh = self._output_dropout_backward(dy, ctx.mask)  # eq. (4)
        if ctx.half_shape is not None:
            dr = hermitian_real_2d_adjoint(dh, input_shape=ctx.half_shape, n=self.hidden_dim)  # eq. (13)
            dhalf = real_adjoint(dr, input_shape=ctx.half_shape)  # eq. (14)
            dx = rfft2_adjoint(dhalf, input_shape=ctx.input_shape, axes=(-2, -1), norm=self.fft_norm)  # eq. (15)
            return dx, {}
        dz = real_adjoint(dh, input_shape=ctx.input_shape)  # eq. (5)
        dx = fft2_adjoint(dz, input_shape=ctx.input_shape, axes=(-2, -1), norm=self.fft_norm)  # eq. (6)
        return _to_input_space(dx, ctx), {}  # eq. (7)

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


@dataclass(frozen=True)
class SeparableFourierMixingCtx:
    """What SeparableFourierMixing.backward reads."""

    input_shape: tuple
    complex_input: bool
    mask: object


class SeparableFourierMixing(UnitaryMixingLayer):
    r"""Separable Fourier mixing: real part after each 1-D FFT, sequence first, then features.

    .. math::

        u = \operatorname{Re} \mathcal F_N\, x \ (\text{axis } -2), \qquad
        v = \operatorname{Re} \mathcal F_D\, u \ (\text{axis } -1), \qquad y = \operatorname{dropout}(v),

    each step present when its flag is set (``mix_sequence``, ``mix_features``). For real x this is
    :math:`C_N x C_D` with the cosine matrices :math:`C = \operatorname{Re} F`, a separable map, unlike
    :math:`\operatorname{Re}(F_N x F_D) = C_N x C_D - S_N x S_D`. spectrans takes the real part between
    the two FFTs and documents the class as "different mixing characteristics" from the 2-D FFT: a coherent
    design choice, which specref follows (DESIGN.md section 8); :class:`FourierMixing` is the FNet map.
    Backward (docs/layers/fourier_mixing.md eqs. (18)-(19)).

    Parameters
    ----------
    hidden_dim : int
    mix_features, mix_sequence : bool, default True
        At least one must be True (ValueError otherwise, as spectrans).
    dropout, norm_eps, energy_tolerance, fft_norm
        As :class:`FourierMixing`.
    """

    linear_in_input = True

    def __init__(self, hidden_dim: int, mix_features: bool = True, mix_sequence: bool = True,
                 dropout: float = 0.0, norm_eps: float = 1e-5, energy_tolerance: float = 1e-4,
                 fft_norm: str = "ortho"):
        super().__init__(hidden_dim, dropout, norm_eps, energy_tolerance)
        self.mix_features = bool(mix_features)
        self.mix_sequence = bool(mix_sequence)
        self.fft_norm = _fft_norm(fft_norm)
        if not (self.mix_features or self.mix_sequence):
            raise ValueError("At least one of mix_features or mix_sequence must be True")

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """Return ``(y, ctx)``; ``y`` is real with the shape of ``x``."""
        self._check_mixing_input(x, allow_complex=True)
        u = real(fft(x, axis=-2, norm=self.fft_norm)) if self.mix_sequence else x  # eq. (16)
        v = real(fft(u, axis=-1, norm=self.fft_norm)) if self.mix_features else u  # eq. (17)
        y, mask = self._output_dropout(v, x=x, training=training, rng=rng, masks=masks)  # eq. (3)
        return y, SeparableFourierMixingCtx(tuple(x.shape), is_complex(x), mask)

    def backward(self, ctx: SeparableFourierMixingCtx, dy):
        """Return ``(dx, {})``."""
        # with mix_features only and complex x, the output is Re F_D x (complex input to that step)
        _check_cotangent(dy, ctx, complex_output=False, layer=type(self).__name__)
        shape = ctx.input_shape
        dv = self._output_dropout_backward(dy, ctx.mask)  # eq. (4)
        du = dv
        if self.mix_features:
            du = fft_adjoint(real_adjoint(dv, input_shape=shape), input_shape=shape, axis=-1,
                             norm=self.fft_norm)  # eq. (18)
            if self.mix_sequence or not ctx.complex_input:  # u was real: the adjoint of its cast is Re
                du = to_complex_adjoint(du, input_shape=shape)
        dx = du
        if self.mix_sequence:
            dx = fft_adjoint(real_adjoint(du, input_shape=shape), input_shape=shape, axis=-2,
                             norm=self.fft_norm)  # eq. (19)
            dx = _to_input_space(dx, ctx)  # eq. (7)
        return dx, {}

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


def _numpy_formula(layer, x: np.ndarray) -> np.ndarray:
    """The layer's forward (before dropout) written directly with numpy.fft in complex128."""
    x = x.astype(np.complex128)
    norm = layer.fft_norm
    if isinstance(layer, (FourierMixing, RealFourierMixing)):
        z = np.fft.fft2(x, axes=(-2, -1), norm=norm)
        return z if getattr(layer, "keep_complex", False) else z.real
    if isinstance(layer, FourierMixing1D):
        z = np.fft.fft(x, axis=-2, norm=norm)
        return z if layer.keep_complex else z.real
    u = np.fft.fft(x, axis=-2, norm=norm).real if layer.mix_sequence else x
    return np.fft.fft(u, axis=-1, norm=norm).real if layer.mix_features else u


def _reference_check(inputs: Inputs, *, xp, dtype, params, rng) -> CheckResult:
    """Forward (with the case's mask, if any) against the numpy.fft formula in float64 on the host."""
    layer, kwargs = inputs.kwargs["layer"], inputs.kwargs["forward_kwargs"]
    x = inputs.args[0]
    y = to_numpy(layer.forward(x, **kwargs)[0])
    expected = _numpy_formula(layer, to_numpy(x))
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
        extra_checks=(_reference_check,),
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
        extra_checks=(_reference_check,),
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
        extra_checks=(_reference_check,),
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
        extra_checks=(_reference_check,),
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
        extra_checks=(_reference_check,),
    ),
    Case(
        name="hermitian_real_2d",
        forward=hermitian_real_2d,
        adjoint=hermitian_real_2d_adjoint,
        make=lambda rng, xp, dtype, *, shape, n: Inputs(
            (xp.asarray(rng.standard_normal(shape).astype(dtype)),), {"n": n}),
        grid=({"shape": (4, 3), "n": 4}, {"shape": (2, 5, 3), "n": 5}, {"shape": (3, 1), "n": 1},
              {"shape": (5, 4), "n": 7}),
        error_scale=1.0,
        error_reason="copies and one addition per folded entry: at most one rounding",
    ),
]
