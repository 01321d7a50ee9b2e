r"""Discrete wavelet transforms equal to pywt's, 1D and 2D, single and multilevel, with exact adjoints.

Coefficients, their lengths and their layout are pywt's (``pywt.dwt``, ``idwt``, ``dwt2``, ``idwt2``,
``wavedec``, ``waverec``, ``wavedec2``, ``waverec2``), for every discrete wavelet pywt knows and all nine
boundary modes. Filters are read at run time from ``pywt.Wavelet(name).filter_bank`` (pywt's table is the
authority; nothing is retyped here), or from any object with a ``filter_bank`` attribute, as pywt accepts.

**Analysis** (one level, along one axis). With filters :math:`h` = ``dec_lo``, :math:`g` = ``dec_hi`` of
even length :math:`F` and the extension :math:`E` of the boundary mode (a linear map, see
:class:`specref._jit.dwt_filterbank.ExtensionMap`),

.. math::

    c^A_o = \sum_{j=0}^{F-1} h_j\,(Ex)_{2o+F-1-j}, \qquad c^D_o = \sum_{j=0}^{F-1} g_j\,(Ex)_{2o+F-1-j}.

For every mode but periodization, :math:`Ex` starts :math:`F-2` samples before :math:`x_0` and there are
:math:`m = \lfloor (n + F - 1)/2 \rfloor` coefficients (pywt's ``cA[o] = sum_j h[j] x[2o + 1 - j]``).
For periodization, :math:`Ex` is the periodic extension of :math:`x` (with its last sample repeated once
when :math:`n` is odd) starting :math:`F/2 - 1` samples early, and :math:`m = \lceil n/2 \rceil`.

**Synthesis** (one level). pywt's ``idwt`` upsamples, convolves with ``rec_lo``/``rec_hi`` (:math:`f`,
:math:`\phi`) and keeps the samples all filter taps reach:

.. math::

    y_t = \sum_{o, k} \bigl(f_k\, c^A_o + \phi_k\, c^D_o\bigr)\,[\,2o + k = t + s\,], \quad
    t = 0, \dots, n_y - 1,

with :math:`s = F - 2`, :math:`n_y = 2m - F + 2` for the non-periodization modes and, for periodization,
:math:`s = F/2 - 1`, :math:`n_y = 2m`, the index :math:`t + s` taken modulo :math:`2m`. This is the
*transpose of an analysis* with the time-reversed synthesis filters and a zero extension (periodic for
periodization), so one pair of loops (:mod:`specref._jit.dwt_filterbank`) computes all four maps:

=================  ====================================================================
map                filter bank call
=================  ====================================================================
dwt                ``analysis(x, E_mode, dec_lo, dec_hi)``
dwt_adjoint        ``analysis_adjoint(dA, dD, E_mode, dec_lo, dec_hi)``
idwt               ``analysis_adjoint(cA, cD, Z, rec_lo[::-1], rec_hi[::-1])``
idwt_adjoint       ``analysis(dy, Z, rec_lo[::-1], rec_hi[::-1])``
=================  ====================================================================

**Multilevel.** ``wavedec`` applies ``dwt`` to the approximation ``level`` times and returns
``[cA_n, cD_n, ..., cD_1]``; 2D: ``[cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]`` with ``cH``
the detail along ``axes[0]`` (pywt's ``'da'``), ``cV`` along ``axes[1]`` (``'ad'``). ``waverec`` undoes it
level by level, dropping the last approximation sample when it is one longer than the next detail, as
pywt does. For odd lengths pywt's ``waverec`` returns one sample more than the signal had;
``output_length`` (``output_shape`` in 2D) crops to the original, and the adjoint zero-pads back.
Every adjoint is the forward's chain reversed, each step replaced by its adjoint (a crop by a zero-pad).

Precision: float32 data are transformed with float32 filter taps and float32 arithmetic, as pywt does;
complex data are transformed as they are (the maps are C-linear with real filters).
"""

from __future__ import annotations

import functools
import math
import operator
import warnings
from dataclasses import dataclass

import numpy as np

from specref._args import check_input_shape, normalize_axes, normalize_axis
from specref._jit import dwt_filterbank as fb
from specref._jit.dwt_filterbank import MODES
from specref.backend import (
    check_float_dtype,
    check_same_precision,
    complex_dtype,
    finfo_eps,
    is_complex,
    namespace,
    random_normal,
)
from specref.testing.case import Case, Inputs
from specref.testing.checks import CheckResult, error_report, random_like, skipped
from specref.transforms.structural import crop_or_pad, crop_or_pad_adjoint, move_axis

__all__ = [
    "MODES",
    "dwt_coeff_len",
    "dwt_max_level",
    "wavedec_shapes",
    "wavedec2_shapes",
    "dwt",
    "dwt_adjoint",
    "idwt",
    "idwt_adjoint",
    "dwt2",
    "dwt2_adjoint",
    "idwt2",
    "idwt2_adjoint",
    "wavedec",
    "wavedec_adjoint",
    "waverec",
    "waverec_adjoint",
    "wavedec2",
    "wavedec2_adjoint",
    "waverec2",
    "waverec2_adjoint",
]


# ----------------------------------------------------------------------------------------------------------
# wavelets, modes, levels, lengths


@dataclass(frozen=True, eq=False)
class _Bank:
    """A wavelet's four filters as read-only float64 host arrays, and their common even length."""

    name: str
    dec_lo: np.ndarray
    dec_hi: np.ndarray
    rec_lo: np.ndarray
    rec_hi: np.ndarray

    @property
    def length(self) -> int:
        return int(self.dec_lo.shape[0])


def _bank_from_filters(name: str, filters) -> _Bank:
    try:
        parts = [np.array(f, dtype=np.float64) for f in filters]
    except (TypeError, ValueError):
        raise ValueError(f"wavelet {name!r}: filter_bank must hold four sequences of numbers") from None
    if len(parts) != 4:
        raise ValueError(f"wavelet {name!r}: filter_bank must hold 4 filters (dec_lo, dec_hi, rec_lo, rec_hi), "
                         f"got {len(parts)}")
    if any(p.ndim != 1 for p in parts) or len({p.shape[0] for p in parts}) != 1:
        raise ValueError(f"wavelet {name!r}: the four filters must be 1-D and of one length, got shapes "
                         f"{[p.shape for p in parts]}")
    f = parts[0].shape[0]
    if f < 2 or f % 2:
        raise ValueError(f"wavelet {name!r}: filter length {f} is not supported; it must be even and >= 2 "
                         "(pywt's idwt needs even lengths; every built-in wavelet has one)")
    if not all(np.all(np.isfinite(p)) for p in parts):
        raise ValueError(f"wavelet {name!r}: the filters hold non-finite values")
    for p in parts:
        p.setflags(write=False)
    return _Bank(name, *parts)


@functools.lru_cache(maxsize=256)
def _named_bank(name: str) -> _Bank:
    import pywt

    try:
        obj = pywt.DiscreteContinuousWavelet(name)
    except ValueError:
        raise ValueError(
            f"unknown wavelet name {name!r}; the valid names are listed by pywt.wavelist(kind='discrete')"
        ) from None
    if isinstance(obj, pywt.ContinuousWavelet):
        raise ValueError(
            f"{name!r} is a continuous wavelet; the DWT needs a discrete one "
            "(the valid names are listed by pywt.wavelist(kind='discrete'))"
        )
    return _bank_from_filters(name, obj.filter_bank)


def _as_bank(wavelet) -> _Bank:
    """A wavelet name, a ``pywt.Wavelet`` or any object with a ``filter_bank`` attribute -> :class:`_Bank`."""
    if isinstance(wavelet, _Bank):
        return wavelet
    if isinstance(wavelet, str):
        return _named_bank(wavelet)
    import pywt

    if isinstance(wavelet, pywt.ContinuousWavelet):
        raise ValueError(f"{wavelet.name!r} is a continuous wavelet; the DWT needs a discrete one "
                         "(the valid names are listed by pywt.wavelist(kind='discrete'))")
    if hasattr(wavelet, "filter_bank"):
        return _bank_from_filters(getattr(wavelet, "name", "") or "custom", wavelet.filter_bank)
    raise TypeError(
        f"wavelet must be a name (str), a pywt.Wavelet or an object with a filter_bank attribute, "
        f"got {type(wavelet).__name__}"
    )


def _check_mode(mode) -> str:
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; accepted: {', '.join(MODES)}")
    return mode


def _filter_length(wavelet) -> int:
    if isinstance(wavelet, int) and not isinstance(wavelet, bool):
        return wavelet
    return _as_bank(wavelet).length


def dwt_coeff_len(n: int, wavelet, mode: str = "symmetric") -> int:
    """Number of coefficients of one DWT level of a length-``n`` signal (pywt's ``dwt_coeff_len``).

    ``floor((n + F - 1) / 2)`` for every mode but periodization, ``ceil(n / 2)`` for periodization;
    ``wavelet`` may be a filter length ``F``.
    """
    f, mode = _filter_length(wavelet), _check_mode(mode)
    if n < 1:
        raise ValueError(f"a signal of length {n} has no DWT; the length must be >= 1")
    return (n + 1) // 2 if mode == "periodization" else (n + f - 1) // 2


def dwt_max_level(n: int, wavelet) -> int:
    """pywt's ``dwt_max_level``: ``floor(log2(n / (F - 1)))``, 0 when ``n < F - 1``.

    The deepest level at which at least one coefficient is free of boundary effects.
    """
    f = _filter_length(wavelet)
    if f <= 1 or n < f - 1:
        return 0
    return (n // (f - 1)).bit_length() - 1


def _resolve_level(sizes, f: int, level, *, warn: bool) -> int:
    """pywt's ``_check_level``: None -> the maximum; negative -> ValueError; above it -> UserWarning."""
    max_level = min(dwt_max_level(s, f) for s in sizes)
    if level is None:
        return max_level
    if isinstance(level, bool):
        raise TypeError("level must be an integer or None, got a bool")
    try:
        level = operator.index(level)
    except TypeError:
        raise TypeError(f"level must be an integer or None, got {type(level).__name__}") from None
    if level < 0:
        raise ValueError(f"Level value of {level} is too low . Minimum level is 0.")
    if level > max_level and warn:
        warnings.warn(
            f"Level value of {level} is too high: all coefficients will experience boundary effects.",
            UserWarning,
            stacklevel=3,
        )
    return level


def _analysis_extension(n: int, f: int, mode: str) -> fb.ExtensionMap:
    """The extension of one analysis level: pywt's alignment, so the windows cover exactly ``Ex``."""
    m = dwt_coeff_len(n, f, mode)
    pad_left = f - 1 - f // 2 if mode == "periodization" else f - 2
    return fb.extension_map(n, mode, pad_left, 2 * m + f - 2)


def _synthesis_length(m: int, f: int, mode: str) -> int:
    if mode == "periodization":
        return 2 * m
    if 2 * m < f:
        raise ValueError(
            f"Invalid coefficient arrays length for specified wavelet: {m} coefficients are fewer than half "
            f"the filter length {f}. Wavelet and mode must be the same as used for decomposition."
        )
    return 2 * m - f + 2


def _synthesis_extension(m: int, f: int, mode: str) -> fb.ExtensionMap:
    """idwt as a transposed analysis: zero extension by F - 2 (periodic by F/2 - 1 for periodization)."""
    n_y = _synthesis_length(m, f, mode)
    if mode == "periodization":
        return fb.extension_map(n_y, "periodic", f // 2 - 1, 2 * m + f - 2)
    return fb.extension_map(n_y, "zero", f - 2, 2 * m + f - 2)


def _reversed(h: np.ndarray) -> np.ndarray:
    return h[::-1]


# ----------------------------------------------------------------------------------------------------------
# one level along one axis (the building blocks)


def _moved(x, axis: int):
    """The transformed axis to the last position (a structural step: its adjoint moves it back)."""
    return move_axis(x, axis, -1)


def _back(y, axis: int):
    return move_axis(y, -1, axis)


def _dwt_axis(x, bank: _Bank, mode: str, axis: int):
    n = x.shape[axis]
    if n < 1:
        raise ValueError("Value of data_len must be greater than zero: the transformed axis is empty")
    ext = _analysis_extension(n, bank.length, mode)
    a, d = fb.analysis(_moved(x, axis), ext, bank.dec_lo, bank.dec_hi)
    return _back(a, axis), _back(d, axis)


def _dwt_axis_adjoint(a_bar, d_bar, n: int, bank: _Bank, mode: str, axis: int):
    ext = _analysis_extension(n, bank.length, mode)
    return _back(fb.analysis_adjoint(_moved(a_bar, axis), _moved(d_bar, axis), ext, bank.dec_lo, bank.dec_hi),
                 axis)


def _idwt_axis(ca, cd, bank: _Bank, mode: str, axis: int):
    ext = _synthesis_extension(ca.shape[axis], bank.length, mode)
    y = fb.analysis_adjoint(_moved(ca, axis), _moved(cd, axis), ext, _reversed(bank.rec_lo),
                            _reversed(bank.rec_hi))
    return _back(y, axis)


def _idwt_axis_adjoint(y_bar, m: int, bank: _Bank, mode: str, axis: int):
    ext = _synthesis_extension(m, bank.length, mode)
    a, d = fb.analysis(_moved(y_bar, axis), ext, _reversed(bank.rec_lo), _reversed(bank.rec_hi))
    return _back(a, axis), _back(d, axis)


# ----------------------------------------------------------------------------------------------------------
# argument checks


def _check_input(x, name: str = "x"):
    namespace(x)
    check_float_dtype(x, name=name)
    if x.ndim < 1:
        raise ValueError(f"{name} is 0-dimensional; the DWT needs at least one axis")
    return x


def _unify(arrays, names):
    """Check one namespace and precision; cast real leaves to complex when any leaf is complex."""
    present = [(a, nm) for a, nm in zip(arrays, names, strict=True) if a is not None]
    xp = namespace(*[a for a, _ in present])
    check_same_precision(*[a for a, _ in present], names=[nm for _, nm in present])
    if any(is_complex(a) for a, _ in present):
        cdt = complex_dtype(present[0][0].dtype, xp)
        arrays = [a if a is None or is_complex(a) else xp.astype(a, cdt) for a in arrays]
    return arrays


def _with_length(shape, axis: int, n: int) -> tuple:
    return tuple(n if i == axis else s for i, s in enumerate(shape))


def _expect_shape(a, shape, what: str):
    if tuple(a.shape) != tuple(shape):
        raise ValueError(f"{what} has shape {tuple(a.shape)}; expected {tuple(shape)}")


def _pair(coeffs, what: str):
    if not isinstance(coeffs, (list, tuple)) or len(coeffs) != 2:
        raise ValueError(f"{what} must be a pair (cA, cD), got {type(coeffs).__name__}")
    return coeffs


# ----------------------------------------------------------------------------------------------------------
# single level, 1D


def dwt(x, wavelet, *, mode: str = "symmetric", axis: int = -1):
    r"""One DWT level along ``axis``: ``(cA, cD)``, equal to ``pywt.dwt(x, wavelet, mode, axis)``.

    .. math:: c^A_o = \sum_{j=0}^{F-1} h_j (Ex)_{2o+F-1-j}, \qquad c^D_o = \sum_{j=0}^{F-1} g_j (Ex)_{2o+F-1-j}

    Parameters
    ----------
    x : array
        float32/float64/complex64/complex128, any shape; transformed along ``axis``.
    wavelet : str, pywt.Wavelet or object with ``filter_bank``
        A discrete wavelet (``pywt.wavelist(kind="discrete")``) or a custom filter bank of even length.
    mode : str
        One of :data:`MODES` (pywt's nine signal extension modes).
    axis : int

    Returns
    -------
    (cA, cD) : tuple of arrays
        ``floor((n + F - 1)/2)`` coefficients along ``axis`` (``ceil(n/2)`` for periodization).

    Raises
    ------
    TypeError
        For integer or bool input.
    ValueError
        For an unknown or continuous wavelet, an unknown mode, an empty axis, or a length-1 axis in
        reflect/antireflect mode.
    """
    _check_input(x)
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    axis = normalize_axis(axis, x.ndim)
    return _dwt_axis(x, bank, mode, axis)


def dwt_adjoint(y, *, input_shape, wavelet, mode: str = "symmetric", axis: int = -1):
    r"""Adjoint of :func:`dwt`: upsample, correlate with the analysis filters, fold the extension back.

    .. math:: \bar x = E^T \bar e, \qquad \bar e_q = \sum_{o,j} (h_j \bar c^A_o + g_j \bar c^D_o)\,[q = 2o+F-1-j]

    ``y`` is the pair ``(dA, dD)``; ``input_shape`` the shape of ``dwt``'s input. For an orthogonal
    wavelet in periodization mode and an even length this equals :func:`idwt`.
    """
    a_bar, d_bar = _unify(list(_pair(y, "y")), ["dA", "dD"])
    input_shape = check_input_shape(input_shape)
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    axis = normalize_axis(axis, len(input_shape))
    n = input_shape[axis]
    expected = _with_length(input_shape, axis, dwt_coeff_len(n, bank.length, mode))
    _expect_shape(a_bar, expected, "dwt_adjoint: dA")
    _expect_shape(d_bar, expected, "dwt_adjoint: dD")
    return _dwt_axis_adjoint(a_bar, d_bar, n, bank, mode, axis)


def idwt(coeffs, wavelet, *, mode: str = "symmetric", axis: int = -1):
    r"""One inverse DWT level: equal to ``pywt.idwt(cA, cD, wavelet, mode, axis)`` for ``coeffs = (cA, cD)``.

    .. math:: y_t = \sum_{o,k} (f_k c^A_o + \phi_k c^D_o)\,[2o + k = t + s]

    (see the module docstring for :math:`s`). ``cA`` or ``cD`` may be None (zeros), as in pywt. The
    output has ``2m - F + 2`` samples along ``axis`` (``2m`` for periodization).

    Raises
    ------
    ValueError
        If the two arrays differ in shape, or (non-periodization) ``m < F/2``.
    """
    ca, cd = _pair(coeffs, "coeffs")
    if ca is None and cd is None:
        raise ValueError("at least one of cA and cD must be an array")
    ca, cd = _unify([ca, cd], ["cA", "cD"])
    for c, nm in ((ca, "cA"), (cd, "cD")):
        if c is not None:
            _check_input(c, nm)
    xp = namespace(*[c for c in (ca, cd) if c is not None])
    ca = xp.zeros_like(cd) if ca is None else ca
    cd = xp.zeros_like(ca) if cd is None else cd
    if ca.shape != cd.shape:
        raise ValueError(f"Coefficients arrays must have the same size: cA {tuple(ca.shape)}, "
                         f"cD {tuple(cd.shape)}")
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    axis = normalize_axis(axis, ca.ndim)
    return _idwt_axis(ca, cd, bank, mode, axis)


def idwt_adjoint(y, *, input_shape, wavelet, mode: str = "symmetric", axis: int = -1):
    """Adjoint of :func:`idwt`: the analysis with time-reversed synthesis filters; returns ``(dA, dD)``.

    ``input_shape`` is the shape tree of ``idwt``'s input, ``(shape_cA, shape_cD)``; where the forward got
    ``None`` (zeros), the shape is ``None`` and so is the returned cotangent.
    """
    _check_input(y, "y")
    shapes = _pair(input_shape, "input_shape")
    if shapes[0] is None and shapes[1] is None:
        raise ValueError("idwt_adjoint: input_shape holds no shape")
    shape = check_input_shape(shapes[0] if shapes[0] is not None else shapes[1])
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    axis = normalize_axis(axis, len(shape))
    m = shape[axis]
    _expect_shape(y, _with_length(shape, axis, _synthesis_length(m, bank.length, mode)), "idwt_adjoint: y")
    a_bar, d_bar = _idwt_axis_adjoint(y, m, bank, mode, axis)
    return (None if shapes[0] is None else a_bar), (None if shapes[1] is None else d_bar)


# ----------------------------------------------------------------------------------------------------------
# single level, 2D


def _two_axes(axes, ndim: int) -> tuple[int, int]:
    if ndim < 2:
        raise ValueError("Expected input data to have at least 2 dimensions.")
    axes = normalize_axes(tuple(axes), ndim)
    if len(axes) != 2:
        raise ValueError(f"expected 2 axes, got {len(axes)}")
    return axes


def dwt2(x, wavelet, *, mode: str = "symmetric", axes=(-2, -1)):
    """One 2D DWT level: ``(cA, (cH, cV, cD))``, equal to ``pywt.dwt2(x, wavelet, mode, axes)``.

    The 1D DWT along ``axes[0]`` then along ``axes[1]``; ``cH`` is the detail along ``axes[0]`` and the
    approximation along ``axes[1]`` (pywt's ``'da'``), ``cV`` the reverse (``'ad'``), ``cD`` detail along
    both.
    """
    _check_input(x)
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    a0, a1 = _two_axes(axes, x.ndim)
    lo, hi = _dwt_axis(x, bank, mode, a0)
    aa, ad = _dwt_axis(lo, bank, mode, a1)
    da, dd = _dwt_axis(hi, bank, mode, a1)
    return aa, (da, ad, dd)


def _quad(y, what: str):
    if not isinstance(y, (list, tuple)) or len(y) != 2 or not isinstance(y[1], (list, tuple)) or len(y[1]) != 3:
        raise ValueError(f"{what} must be (cA, (cH, cV, cD))")
    return y[0], tuple(y[1])


def dwt2_adjoint(y, *, input_shape, wavelet, mode: str = "symmetric", axes=(-2, -1)):
    """Adjoint of :func:`dwt2`: the two 1D adjoints in reverse order (``axes[1]`` first, then ``axes[0]``)."""
    aa, (da, ad, dd) = _quad(y, "y")
    aa, da, ad, dd = _unify([aa, da, ad, dd], ["cA", "cH", "cV", "cD"])
    input_shape = check_input_shape(input_shape)
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    a0, a1 = _two_axes(axes, len(input_shape))
    f = bank.length
    mid = _with_length(input_shape, a0, dwt_coeff_len(input_shape[a0], f, mode))
    out = _with_length(mid, a1, dwt_coeff_len(input_shape[a1], f, mode))
    for c, nm in ((aa, "cA"), (da, "cH"), (ad, "cV"), (dd, "cD")):
        _expect_shape(c, out, f"dwt2_adjoint: {nm}")
    lo = _dwt_axis_adjoint(aa, ad, input_shape[a1], bank, mode, a1)
    hi = _dwt_axis_adjoint(da, dd, input_shape[a1], bank, mode, a1)
    return _dwt_axis_adjoint(lo, hi, input_shape[a0], bank, mode, a0)


def idwt2(coeffs, wavelet, *, mode: str = "symmetric", axes=(-2, -1)):
    """One inverse 2D level, equal to ``pywt.idwt2((cA, (cH, cV, cD)), wavelet, mode, axes)``.

    As pywt: the 1D inverse along ``axes[1]`` (pairing ``cA`` with ``cV`` and ``cH`` with ``cD``), then
    along ``axes[0]``. The four arrays must have one shape.
    """
    aa, (da, ad, dd) = _quad(coeffs, "coeffs")
    aa, da, ad, dd = _unify([aa, da, ad, dd], ["cA", "cH", "cV", "cD"])
    for c, nm in ((aa, "cA"), (da, "cH"), (ad, "cV"), (dd, "cD")):
        _check_input(c, nm)
        if c.shape != aa.shape:
            raise ValueError(f"idwt2: all coefficient arrays must have one shape; cA {tuple(aa.shape)}, "
                             f"{nm} {tuple(c.shape)}")
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    a0, a1 = _two_axes(axes, aa.ndim)
    lo = _idwt_axis(aa, ad, bank, mode, a1)
    hi = _idwt_axis(da, dd, bank, mode, a1)
    return _idwt_axis(lo, hi, bank, mode, a0)


def idwt2_adjoint(y, *, input_shape, wavelet, mode: str = "symmetric", axes=(-2, -1)):
    """Adjoint of :func:`idwt2`; ``input_shape`` is ``(shape_cA, (shape_cH, shape_cV, shape_cD))``."""
    _check_input(y, "y")
    shape, _ = _quad(input_shape, "input_shape")
    shape = check_input_shape(shape)
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    a0, a1 = _two_axes(axes, len(shape))
    f = bank.length
    mid = _with_length(shape, a0, _synthesis_length(shape[a0], f, mode))
    _expect_shape(y, _with_length(mid, a1, _synthesis_length(shape[a1], f, mode)), "idwt2_adjoint: y")
    lo, hi = _idwt_axis_adjoint(y, shape[a0], bank, mode, a0)
    aa, ad = _idwt_axis_adjoint(lo, shape[a1], bank, mode, a1)
    da, dd = _idwt_axis_adjoint(hi, shape[a1], bank, mode, a1)
    return aa, (da, ad, dd)


# ----------------------------------------------------------------------------------------------------------
# multilevel, 1D


def _lengths(n: int, f: int, mode: str, level: int) -> list[int]:
    """Signal length at each level: ``[n, m_1, ..., m_level]``."""
    out = [n]
    for _ in range(level):
        out.append(dwt_coeff_len(out[-1], f, mode))
    return out


def wavedec_shapes(input_shape, wavelet, *, mode: str = "symmetric", level=None, axis: int = -1) -> list:
    """Shapes of ``wavedec``'s output ``[cA_n, cD_n, ..., cD_1]`` for an input of ``input_shape``."""
    input_shape = check_input_shape(input_shape)
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    axis = normalize_axis(axis, len(input_shape))
    level = _resolve_level([input_shape[axis]], bank.length, level, warn=False)
    lengths = _lengths(input_shape[axis], bank.length, mode, level)
    return [_with_length(input_shape, axis, lengths[-1])] + [
        _with_length(input_shape, axis, m) for m in reversed(lengths[1:])
    ]


def wavedec(x, wavelet, *, mode: str = "symmetric", level=None, axis: int = -1) -> list:
    """Multilevel DWT, equal to ``pywt.wavedec(x, wavelet, mode, level, axis)``: ``[cA_n, cD_n, ..., cD_1]``.

    ``level=None`` means ``dwt_max_level(n, wavelet)``; a level above it is computed as pywt does, with
    pywt's ``UserWarning``; level 0 returns ``[x]``.

    Raises
    ------
    ValueError
        For a negative level, and as :func:`dwt`.
    """
    _check_input(x)
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    axis = normalize_axis(axis, x.ndim)
    level = _resolve_level([x.shape[axis]], bank.length, level, warn=True)
    details = []
    a = x
    for _ in range(level):
        a, d = _dwt_axis(a, bank, mode, axis)
        details.append(d)
    return [a, *reversed(details)]


def wavedec_adjoint(coeffs, *, input_shape, wavelet, mode: str = "symmetric", level=None, axis: int = -1):
    """Adjoint of :func:`wavedec`: ``dwt_adjoint`` from the coarsest level back to the finest.

    .. math:: \\bar a_{k-1} = D_k^*(\\bar a_k, \\bar d_k), \\quad k = n, \\dots, 1, \\qquad \\bar x = \\bar a_0
    """
    input_shape = check_input_shape(input_shape)
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    axis = normalize_axis(axis, len(input_shape))
    level = _resolve_level([input_shape[axis]], bank.length, level, warn=False)
    if not isinstance(coeffs, (list, tuple)) or len(coeffs) != level + 1:
        raise ValueError(f"wavedec_adjoint: expected a list of {level + 1} arrays for level {level}")
    coeffs = _unify(list(coeffs), [f"coeffs[{i}]" for i in range(len(coeffs))])
    expected = wavedec_shapes(input_shape, bank, mode=mode, level=level, axis=axis)
    for i, (c, s) in enumerate(zip(coeffs, expected, strict=True)):
        _expect_shape(c, s, f"wavedec_adjoint: coeffs[{i}]")
    lengths = _lengths(input_shape[axis], bank.length, mode, level)
    a_bar = coeffs[0]
    for k in range(level, 0, -1):
        a_bar = _dwt_axis_adjoint(a_bar, coeffs[level - k + 1], lengths[k - 1], bank, mode, axis)
    return a_bar


@dataclass(frozen=True)
class _Step:
    """One waverec level: crop the approximation from ``a_len`` to ``m``, then idwt to ``out_len``."""

    a_len: int
    m: int
    out_len: int


def _waverec_plan(shapes, f: int, mode: str, axis: int) -> list[_Step]:
    a_len = shapes[0][axis]
    plan = []
    for i, s in enumerate(shapes[1:], start=1):
        m = s[axis]
        if a_len not in (m, m + 1):
            raise ValueError(
                f"coefficient shape mismatch: level {i} detail has {m} samples along axis {axis}, the "
                f"approximation {a_len} (it must be equal or one longer, as wavedec produces)"
            )
        out_len = _synthesis_length(m, f, mode)
        plan.append(_Step(a_len, m, out_len))
        a_len = out_len
    return plan


def _check_output_length(output_length, natural: int) -> int:
    if output_length is None:
        return natural
    if isinstance(output_length, bool):
        raise TypeError("output_length must be an integer or None")
    output_length = operator.index(output_length)
    if not 0 <= output_length <= natural:
        raise ValueError(f"output_length {output_length} must be between 0 and the reconstruction's length "
                         f"{natural} (it crops pywt's output, e.g. to an odd signal length)")
    return output_length


def waverec(coeffs, wavelet, *, mode: str = "symmetric", axis: int = -1, output_length=None):
    """Multilevel inverse DWT, equal to ``pywt.waverec(coeffs, wavelet, mode, axis)``.

    ``coeffs = [cA_n, cD_n, ..., cD_1]``. At each level an approximation one sample longer than the
    detail loses its last sample (pywt's rule), so a signal of odd length ``N`` comes back with ``N + 1``
    samples, as from pywt; ``output_length=N`` crops the result to ``N`` (the original length).

    Raises
    ------
    ValueError
        For an empty list, or coefficient lengths that do not chain (the approximation must be as long as
        the next detail or one longer), or an ``output_length`` longer than the reconstruction.
    """
    if not isinstance(coeffs, (list, tuple)):
        raise ValueError("Expected sequence of coefficient arrays.")
    if len(coeffs) < 1:
        raise ValueError("Coefficient list too short (minimum 1 arrays required).")
    coeffs = _unify(list(coeffs), [f"coeffs[{i}]" for i in range(len(coeffs))])
    for i, c in enumerate(coeffs):
        _check_input(c, f"coeffs[{i}]")
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    axis = normalize_axis(axis, coeffs[0].ndim)
    for i, c in enumerate(coeffs):
        if _with_length(c.shape, axis, 0) != _with_length(coeffs[0].shape, axis, 0):
            raise ValueError(f"coefficient shape mismatch: coeffs[{i}] has shape {tuple(c.shape)}, coeffs[0] "
                             f"{tuple(coeffs[0].shape)}; only the transformed axis may differ")
    plan = _waverec_plan([c.shape for c in coeffs], bank.length, mode, axis)
    a = coeffs[0]
    for step, d in zip(plan, coeffs[1:], strict=True):
        a = crop_or_pad(a, step.m, axis)
        a = _idwt_axis(a, d, bank, mode, axis)
    n = _check_output_length(output_length, a.shape[axis])
    return crop_or_pad(a, n, axis)


def waverec_adjoint(y, *, input_shape, wavelet, mode: str = "symmetric", axis: int = -1, output_length=None):
    """Adjoint of :func:`waverec`; ``input_shape`` is the list of coefficient shapes. Returns a list.

    The forward's chain reversed: zero-pad from ``output_length`` back, then per level (finest first)
    ``idwt_adjoint`` and the adjoint of the approximation crop (a zero-pad by one sample where it cropped).
    """
    _check_input(y, "y")
    if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 1:
        raise ValueError("waverec_adjoint: input_shape must be the list of coefficient shapes")
    shapes = [check_input_shape(s) for s in input_shape]
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    axis = normalize_axis(axis, len(shapes[0]))
    plan = _waverec_plan(shapes, bank.length, mode, axis)
    natural = plan[-1].out_len if plan else shapes[0][axis]
    n = _check_output_length(output_length, natural)
    _expect_shape(y, _with_length(shapes[0], axis, n), "waverec_adjoint: y")
    a_bar = crop_or_pad_adjoint(y, input_shape=_with_length(shapes[0], axis, natural), n=n, axis=axis)
    details = []
    for step in reversed(plan):
        a_bar, d_bar = _idwt_axis_adjoint(a_bar, step.m, bank, mode, axis)
        details.append(d_bar)
        a_bar = crop_or_pad_adjoint(a_bar, input_shape=_with_length(shapes[0], axis, step.a_len), n=step.m,
                                    axis=axis)
    return [a_bar, *reversed(details)]


# ----------------------------------------------------------------------------------------------------------
# multilevel, 2D


def wavedec2_shapes(input_shape, wavelet, *, mode: str = "symmetric", level=None, axes=(-2, -1)) -> list:
    """Shapes of ``wavedec2``'s output ``[cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]``."""
    input_shape = check_input_shape(input_shape)
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    a0, a1 = _two_axes(axes, len(input_shape))
    level = _resolve_level([input_shape[a0], input_shape[a1]], bank.length, level, warn=False)
    l0 = _lengths(input_shape[a0], bank.length, mode, level)
    l1 = _lengths(input_shape[a1], bank.length, mode, level)

    def shape(k):
        return _with_length(_with_length(input_shape, a0, l0[k]), a1, l1[k])

    return [shape(level)] + [(shape(k),) * 3 for k in range(level, 0, -1)]


def wavedec2(x, wavelet, *, mode: str = "symmetric", level=None, axes=(-2, -1)) -> list:
    """Multilevel 2D DWT, equal to ``pywt.wavedec2(x, wavelet, mode, level, axes)``.

    Returns ``[cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]``; ``level=None`` is the smaller of the
    two axes' maximum levels (a UserWarning above it, as pywt).
    """
    _check_input(x)
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    a0, a1 = _two_axes(axes, x.ndim)
    level = _resolve_level([x.shape[a0], x.shape[a1]], bank.length, level, warn=True)
    details = []
    a = x
    for _ in range(level):
        a, ds = dwt2(a, bank, mode=mode, axes=(a0, a1))
        details.append(ds)
    return [a, *reversed(details)]


def wavedec2_adjoint(coeffs, *, input_shape, wavelet, mode: str = "symmetric", level=None, axes=(-2, -1)):
    """Adjoint of :func:`wavedec2`: ``dwt2_adjoint`` from the coarsest level back to the finest."""
    input_shape = check_input_shape(input_shape)
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    a0, a1 = _two_axes(axes, len(input_shape))
    level = _resolve_level([input_shape[a0], input_shape[a1]], bank.length, level, warn=False)
    if not isinstance(coeffs, (list, tuple)) or len(coeffs) != level + 1:
        raise ValueError(f"wavedec2_adjoint: expected a list of {level + 1} entries for level {level}")
    expected = wavedec2_shapes(input_shape, bank, mode=mode, level=level, axes=(a0, a1))
    a_bar = coeffs[0]
    _expect_shape(a_bar, expected[0], "wavedec2_adjoint: coeffs[0]")
    for k in range(level, 0, -1):
        i = level - k + 1
        shape_k = _level_shape(input_shape, bank.length, mode, k - 1, a0, a1)
        a_bar = dwt2_adjoint((a_bar, coeffs[i]), input_shape=shape_k, wavelet=bank, mode=mode, axes=(a0, a1))
    return a_bar


def _level_shape(input_shape, f: int, mode: str, k: int, a0: int, a1: int) -> tuple:
    """Shape of the level-``k`` approximation (``k = 0``: the input)."""
    s = input_shape
    for ax in (a0, a1):
        s = _with_length(s, ax, _lengths(input_shape[ax], f, mode, k)[-1])
    return s


def _check_output_shape(output_shape, natural: tuple) -> tuple:
    if output_shape is None:
        return natural
    out = tuple(_check_output_length(o, n) for o, n in zip(output_shape, natural, strict=True))
    if len(out) != 2:
        raise ValueError("output_shape must give two lengths, one per axis in axes")
    return out


def waverec2(coeffs, wavelet, *, mode: str = "symmetric", axes=(-2, -1), output_shape=None):
    """Multilevel inverse 2D DWT, equal to ``pywt.waverec2(coeffs, wavelet, mode, axes)``.

    ``coeffs = [cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]``; the approximation is cropped by one
    sample along each axis where it is one longer than the details (pywt's rule); ``output_shape`` (two
    lengths, for ``axes``) crops the result, e.g. back to an odd-sized image.
    """
    if not isinstance(coeffs, (list, tuple)):
        raise ValueError("Expected sequence of coefficient arrays.")
    if len(coeffs) < 1:
        raise ValueError("Coefficient list too short (minimum 1 array required).")
    for i, d in enumerate(coeffs[1:], start=1):
        if not isinstance(d, (list, tuple)) or len(d) != 3:
            raise ValueError(f"coeffs[{i}] must be a 3-tuple (cH, cV, cD) as returned by wavedec2")
    leaves = [coeffs[0], *[c for d in coeffs[1:] for c in d]]
    for c in leaves:
        _check_input(c, "a coefficient array")
    check_same_precision(*leaves)
    a = coeffs[0]
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    a0, a1 = _two_axes(axes, a.ndim)
    for i, d in enumerate(coeffs[1:], start=1):
        if len({tuple(c.shape) for c in d}) != 1:
            raise ValueError(f"All detail shapes must be the same length: coeffs[{i}] has shapes "
                             f"{[tuple(c.shape) for c in d]}")
        for ax in (a0, a1):
            if a.shape[ax] not in (d[0].shape[ax], d[0].shape[ax] + 1):
                raise ValueError(f"coefficient shape mismatch at level {i}: approximation {tuple(a.shape)}, "
                                 f"details {tuple(d[0].shape)}")
            a = crop_or_pad(a, d[0].shape[ax], ax)
        a = idwt2((a, tuple(d)), bank, mode=mode, axes=(a0, a1))
    n0, n1 = _check_output_shape(output_shape, (a.shape[a0], a.shape[a1]))
    return crop_or_pad(crop_or_pad(a, n0, a0), n1, a1)


def waverec2_adjoint(y, *, input_shape, wavelet, mode: str = "symmetric", axes=(-2, -1), output_shape=None):
    """Adjoint of :func:`waverec2`; ``input_shape`` is the shape tree of the coefficients. Returns a list."""
    _check_input(y, "y")
    if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 1:
        raise ValueError("waverec2_adjoint: input_shape must be the shape tree of the coefficients")
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    a_shape = check_input_shape(input_shape[0])
    a0, a1 = _two_axes(axes, len(a_shape))
    f = bank.length
    # the forward's shapes: before the crop, after the crop (= detail shape), after idwt2
    steps = []
    for d_shapes in input_shape[1:]:
        d_shape = check_input_shape(d_shapes[0])
        cropped = _with_length(_with_length(a_shape, a0, d_shape[a0]), a1, d_shape[a1])
        out = _with_length(_with_length(a_shape, a0, _synthesis_length(d_shape[a0], f, mode)), a1,
                           _synthesis_length(d_shape[a1], f, mode))
        steps.append((a_shape, cropped, out))
        a_shape = out
    n0, n1 = _check_output_shape(output_shape, (a_shape[a0], a_shape[a1]))
    _expect_shape(y, _with_length(_with_length(a_shape, a0, n0), a1, n1), "waverec2_adjoint: y")
    a_bar = crop_or_pad_adjoint(y, input_shape=_with_length(a_shape, a0, n0), n=n1, axis=a1)
    a_bar = crop_or_pad_adjoint(a_bar, input_shape=a_shape, n=n0, axis=a0)
    details = []
    for before, cropped, _ in reversed(steps):
        a_bar, ds = idwt2_adjoint(a_bar, input_shape=(cropped, (cropped,) * 3), wavelet=bank, mode=mode,
                                  axes=(a0, a1))
        details.append(ds)
        a_bar = crop_or_pad_adjoint(a_bar, input_shape=_with_length(cropped, a1, before[a1]), n=cropped[a1],
                                    axis=a1)
        a_bar = crop_or_pad_adjoint(a_bar, input_shape=before, n=cropped[a0], axis=a0)
    return [a_bar, *reversed(details)]


# ----------------------------------------------------------------------------------------------------------
# verification cases

# A few wavelets of different lengths and kinds (orthogonal, biorthogonal, reverse biorthogonal) for the
# representative grid; `specref verify --full` runs every discrete wavelet pywt knows.
_GRID_WAVELETS = ("haar", "db2", "db4", "sym3", "coif1", "bior2.2", "rbio1.3")


def _levels_of(params) -> int:
    """Number of DWT levels a grid point runs (1 for the single-level cases)."""
    if "level" not in params:
        return 1
    f = _as_bank(params["wavelet"]).length
    shape = params["shape"]
    axes = params.get("axes", (params.get("axis", -1),))
    level = params["level"]
    return min(dwt_max_level(shape[a], f) for a in axes) if level is None else level


def _error_scale(params) -> float:
    r"""The claim c: per level and per axis, (2 + log2 F); times (1 + log2 F) in smooth mode.

    Each coefficient is a recursive sum of F products of filter taps (as given) with extended samples
    (integer combinations of at most three inputs). The worst case of such a sum is F eps sum|h||e|
    (Higham, ch. 3); with independent rounding errors (random data) its standard deviation is about
    sqrt(F / 12) eps relative, below (2 + log2 F) / 2 for every filter length that occurs (2 <= F <= 102:
    2.9 vs 4.3 at F = 102), so c = 2 + log2 F per level leaves a margin of 2 or more. Levels and axes add.
    smooth extrapolates the edges linearly with weights up to 2F - 3, and the filters then cancel most of
    that size: one more factor 1 + log2 F. Measured over all 106 discrete wavelets x 9 modes at their
    maximum level (random data, float32 and float64), the largest error was 0.34 c eps (0.39 c eps smooth).
    """
    f = _as_bank(params["wavelet"]).length
    per_level = 2.0 + math.log2(f)
    if params["mode"] == "smooth":
        per_level *= 1.0 + math.log2(f)
    axes = len(params["axes"]) if "axes" in params else 1
    return axes * max(1, _levels_of(params)) * per_level


_ERROR_REASON = (
    "per level and axis a recursive sum of F products (taps as given, extended samples): 2 + log2 F, twice "
    "the random-rounding estimate sqrt(F/12) for F <= 102; times 1 + log2 F for smooth's linear "
    "extrapolation (weights up to 2F - 3); levels and axes add; measured <= 0.39 c eps over all wavelets"
)


def _random(rng, shape, xp, dtype):
    return random_normal(rng, shape, dtype=dtype, xp=xp)


def _make_dwt(rng, xp, dtype, *, shape, wavelet, mode, axis=-1):
    return Inputs((_random(rng, shape, xp, dtype),), {"wavelet": wavelet, "mode": mode, "axis": axis})


def _make_idwt(rng, xp, dtype, *, shape, wavelet, mode, axis=-1):
    ax = normalize_axis(axis, len(shape))
    s = _with_length(shape, ax, dwt_coeff_len(shape[ax], wavelet, mode))
    coeffs = (_random(rng, s, xp, dtype), _random(rng, s, xp, dtype))
    return Inputs((coeffs,), {"wavelet": wavelet, "mode": mode, "axis": axis})


def _make_wavedec(rng, xp, dtype, *, shape, wavelet, mode, level, axis=-1):
    x = _random(rng, shape, xp, dtype)
    return Inputs((x,), {"wavelet": wavelet, "mode": mode, "level": level, "axis": axis})


def _make_waverec(rng, xp, dtype, *, shape, wavelet, mode, level, axis=-1, output_length=None):
    shapes = wavedec_shapes(shape, wavelet, mode=mode, level=level, axis=axis)
    coeffs = [_random(rng, s, xp, dtype) for s in shapes]
    kwargs = {"wavelet": wavelet, "mode": mode, "axis": axis}
    if output_length is not None:
        kwargs["output_length"] = output_length
    return Inputs((coeffs,), kwargs)


def _make_dwt2(rng, xp, dtype, *, shape, wavelet, mode, axes=(-2, -1)):
    return Inputs((_random(rng, shape, xp, dtype),), {"wavelet": wavelet, "mode": mode, "axes": axes})


def _make_idwt2(rng, xp, dtype, *, shape, wavelet, mode, axes=(-2, -1)):
    s = wavedec2_shapes(shape, wavelet, mode=mode, level=1, axes=axes)[0]
    coeffs = (_random(rng, s, xp, dtype), tuple(_random(rng, s, xp, dtype) for _ in range(3)))
    return Inputs((coeffs,), {"wavelet": wavelet, "mode": mode, "axes": axes})


def _make_wavedec2(rng, xp, dtype, *, shape, wavelet, mode, level, axes=(-2, -1)):
    x = _random(rng, shape, xp, dtype)
    return Inputs((x,), {"wavelet": wavelet, "mode": mode, "level": level, "axes": axes})


def _make_waverec2(rng, xp, dtype, *, shape, wavelet, mode, level, axes=(-2, -1), output_shape=None):
    shapes = wavedec2_shapes(shape, wavelet, mode=mode, level=level, axes=axes)
    coeffs = [_random(rng, shapes[0], xp, dtype)]
    coeffs += [tuple(_random(rng, s, xp, dtype) for s in ds) for ds in shapes[1:]]
    kwargs = {"wavelet": wavelet, "mode": mode, "axes": axes}
    if output_shape is not None:
        kwargs["output_shape"] = output_shape
    return Inputs((coeffs,), kwargs)


# pywt references (called on NumPy host copies with the forward's keywords)


def _pywt():
    import pywt

    return pywt


def _ref_dwt(x, wavelet, mode, axis):
    return _pywt().dwt(x, wavelet, mode, axis)


def _ref_idwt(coeffs, wavelet, mode, axis):
    return _pywt().idwt(coeffs[0], coeffs[1], wavelet, mode, axis)


def _ref_wavedec(x, wavelet, mode, level, axis):
    return _pywt().wavedec(x, wavelet, mode, level, axis)


def _ref_waverec(coeffs, wavelet, mode, axis, output_length=None):
    y = _pywt().waverec(coeffs, wavelet, mode, axis)
    if output_length is None:
        return y
    return np.take(y, np.arange(output_length), axis=axis)


def _ref_dwt2(x, wavelet, mode, axes):
    return _pywt().dwt2(x, wavelet, mode, axes)


def _ref_idwt2(coeffs, wavelet, mode, axes):
    return _pywt().idwt2(coeffs, wavelet, mode, axes)


def _ref_wavedec2(x, wavelet, mode, level, axes):
    return _pywt().wavedec2(x, wavelet, mode, level, axes)


def _ref_waverec2(coeffs, wavelet, mode, axes, output_shape=None):
    y = _pywt().waverec2(coeffs, wavelet, mode, axes)
    if output_shape is None:
        return y
    for ax, n in zip(axes, output_shape, strict=True):
        y = np.take(y, np.arange(n), axis=ax)
    return y


def _check_orthogonal_periodization(inputs, *, xp, dtype, params, rng):
    """For an orthogonal wavelet in periodization mode and even n, dwt_adjoint equals idwt exactly."""
    x = inputs.args[0]
    kw = dict(inputs.kwargs)
    axis = normalize_axis(kw["axis"], x.ndim)
    orthogonal = _pywt().Wavelet(kw["wavelet"]).orthogonal if isinstance(kw["wavelet"], str) else False
    if kw["mode"] != "periodization" or not orthogonal or x.shape[axis] % 2:
        return skipped("orthogonal_adjoint", "applies to orthogonal wavelets, periodization, even n")
    y = random_like(rng, dwt(x, **kw))
    rep = error_report(dwt_adjoint(y, input_shape=tuple(x.shape), **kw), idwt(y, **kw))
    bound = 2 * _error_scale(params) * finfo_eps(dtype)
    return CheckResult("orthogonal_adjoint", rep.normwise, bound, bool(rep.normwise <= bound),
                       "2 c eps: rec filters are the reversed dec filters, and both maps round like the forward",
                       rep.where())


def _grid_1d(kind: str) -> tuple:
    """Every mode with an odd and an even length, level 1 and the maximum level, the 7 grid wavelets.

    The odd point is small (the dense adjoint check runs: <= 256 real coordinates); the even point is a
    batch of longer rows (the dot test covers it) along axis 0 or -1.
    """
    points = []
    for i, mode in enumerate(MODES):
        w_odd, w_even = _GRID_WAVELETS[i % 7], _GRID_WAVELETS[(i + 3) % 7]
        odd = {"wavelet": w_odd, "mode": mode, "shape": (15,) if i % 2 else (2, 15), "axis": -1}
        even = {"wavelet": w_even, "mode": mode, "shape": (64, 5) if i % 2 else (5, 60), "axis": 0 if i % 2 else -1}
        if kind in ("wavedec", "waverec"):
            odd["level"], even["level"] = 1, None
        if kind == "waverec" and i % 3 == 0:
            odd["output_length"] = odd["shape"][-1]  # crop pywt's N + 1 back to N
        points += [odd, even]
    points.append({"wavelet": "dmey", "mode": "symmetric", "shape": (130,), "axis": -1}
                  | ({"level": None} if kind in ("wavedec", "waverec") else {}))
    return tuple(points)


def _full_1d(kind: str) -> tuple:
    """Every discrete wavelet x every mode at one odd length per wavelet (2F + 1: at least one level).

    Enough rows that a point has more than 256 coordinates: the dot test covers these points (the
    representative grid runs the dense check), which keeps ``--full`` to a few minutes.
    """
    points = []
    for name in _pywt().wavelist(kind="discrete"):
        n = 2 * _as_bank(name).length + 1
        for mode in MODES:
            p = {"wavelet": name, "mode": mode, "shape": (-(-257 // n), n), "axis": -1}
            if kind in ("wavedec", "waverec"):
                p["level"] = None
            points.append(p)
    return tuple(points)


def _grid_2d(kind: str) -> tuple:
    """Every mode once, both axes orders: small images (dense check) with haar/db2 alternating with
    batched larger images with the other grid wavelets; every point has at least one level."""
    points = []
    for i, mode in enumerate(MODES):
        if i % 2:
            wavelet, shape = ("haar", "db2")[(i // 2) % 2], (6, 7)
        else:
            wavelet, shape = _GRID_WAVELETS[2 + (i // 2) % 5], (2, 16, 14)
        p = {"wavelet": wavelet, "mode": mode, "shape": shape, "axes": (-2, -1) if i % 3 else (-1, -2)}
        if kind in ("wavedec2", "waverec2"):
            p["level"] = None if i % 4 < 2 else 1
        if kind == "waverec2" and i % 3 and i % 2:
            p["output_shape"] = p["shape"][-2:]  # axes (-2, -1) here: crop to the input's shape
        points.append(p)
    return tuple(points)


def _full_2d(kind: str) -> tuple:
    """Every discrete wavelet x every mode on one (F + 3) x (F + 2) image size (batched past 256 entries)."""
    points = []
    for name in _pywt().wavelist(kind="discrete"):
        f = _as_bank(name).length
        size = (f + 3) * (f + 2)
        for mode in MODES:
            p = {"wavelet": name, "mode": mode, "shape": (-(-257 // size), f + 3, f + 2), "axes": (-2, -1)}
            if kind in ("wavedec2", "waverec2"):
                p["level"] = None
            points.append(p)
    return tuple(points)


def _case(name, forward, adjoint, make, reference, grid, full_grid, extra_checks=()):
    return Case(
        name=name, forward=forward, adjoint=adjoint, make=make, reference=reference, grid=grid,
        full_grid=full_grid, error_scale=_error_scale, error_reason=_ERROR_REASON, extra_checks=extra_checks,
    )


CASES = [
    _case("dwt", dwt, dwt_adjoint, _make_dwt, _ref_dwt, _grid_1d("dwt"), _full_1d("dwt"),
          (_check_orthogonal_periodization,)),
    _case("idwt", idwt, idwt_adjoint, _make_idwt, _ref_idwt, _grid_1d("idwt"), _full_1d("idwt")),
    _case("wavedec", wavedec, wavedec_adjoint, _make_wavedec, _ref_wavedec, _grid_1d("wavedec"),
          _full_1d("wavedec")),
    _case("waverec", waverec, waverec_adjoint, _make_waverec, _ref_waverec, _grid_1d("waverec"),
          _full_1d("waverec")),
    _case("dwt2", dwt2, dwt2_adjoint, _make_dwt2, _ref_dwt2, _grid_2d("dwt2"), _full_2d("dwt2")),
    _case("idwt2", idwt2, idwt2_adjoint, _make_idwt2, _ref_idwt2, _grid_2d("idwt2"), _full_2d("idwt2")),
    _case("wavedec2", wavedec2, wavedec2_adjoint, _make_wavedec2, _ref_wavedec2, _grid_2d("wavedec2"),
          _full_2d("wavedec2")),
    _case("waverec2", waverec2, waverec2_adjoint, _make_waverec2, _ref_waverec2, _grid_2d("waverec2"),
          _full_2d("waverec2")),
]
