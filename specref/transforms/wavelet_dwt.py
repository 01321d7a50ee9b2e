r"""One DWT level, 1D and 2D, equal to pywt's, with exact adjoints.

``dwt``, ``idwt``, ``dwt2``, ``idwt2`` and their adjoints: coefficients, their lengths and their layout are
pywt's, for every discrete wavelet pywt knows and all nine boundary modes. The filter bank (wavelets, modes,
lengths, extensions) is :mod:`specref.transforms.wavelet_bank`. The multilevel transforms are built from the
one-axis maps of this module: :mod:`specref.transforms.wavelet_multilevel` (``wavedec``/``waverec``) and
:mod:`specref.transforms.wavelet_multilevel2d` (``wavedec2``/``waverec2``); :mod:`specref.transforms.wavelet`
re-exports all of them.

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

**2D.** ``dwt2`` is ``dwt`` along ``axes[0]``, then along ``axes[1]``: ``(cA, (cH, cV, cD))`` with ``cH``
the detail along ``axes[0]`` (pywt's ``'da'``), ``cV`` along ``axes[1]`` (``'ad'``). Every adjoint is the
forward's chain reversed, each step replaced by its adjoint.

Precision: float32 data are transformed with float32 filter taps and float32 arithmetic, as pywt does;
complex data are transformed as they are (the maps are C-linear with real filters).

Drop-in for pywt: the forwards take pywt's positional order (``dwt(data, wavelet, mode, axis)``,
``idwt(cA, cD, wavelet, mode, axis)``, ``dwt2(data, wavelet, mode, axes)``...), read a Python sequence as
``numpy.asarray`` does, promote integer and bool input to float64 as pywt does, treat a ``None`` band as zeros,
and (2D) take one wavelet and one mode per axis. Deliberate refusals, each a ``TypeError``: float16 and long
double input (pywt computes them in float32 and float64; specref returns the input's precision), and bands of
two precisions in one synthesis (pywt casts them to float64). The adjoints stay strict: arrays of the four
accepted dtypes, and ``None`` in an ``input_shape`` where the forward got ``None``.

The verification machinery the whole wavelet family shares (the error scale and its derivation, the grids
of wavelets and modes, pywt as the reference) is at the bottom of this module, beside the single-level cases.

Why this module passes 600 lines: it is one family. The one-axis maps and the four single-level transforms
share every private helper, and the multilevel modules import those helpers and the shared verification
machinery from here; splitting the verification machinery from the error scale it derives would only add
imports between halves of one derivation.
"""

from __future__ import annotations

import math

from specref._args import check_cotangent_shape, check_input_shape, normalize_axes, normalize_axis
from specref._jit import dwt_filterbank as fb
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
from specref.transforms._shared import peer_input
from specref.transforms.structural import move_axis
from specref.transforms.wavelet_bank import (
    MODES,
    _analysis_extension,
    _as_bank,
    _Bank,
    _check_mode,
    _coeff_shape,
    _is_wavelet,
    _lengths_of,
    _per_axis,
    _reversed,
    _synthesis_extension,
    _synthesis_shape,
    dwt_coeff_len,
    dwt_max_level,
)

__all__ = [
    "MODES",
    "dwt_coeff_len",
    "dwt_max_level",
    "dwt",
    "dwt_adjoint",
    "idwt",
    "idwt_adjoint",
    "dwt2",
    "dwt2_adjoint",
    "idwt2",
    "idwt2_adjoint",
]


# ----------------------------------------------------------------------------------------------------------
# one level along one axis (the building blocks of every transform of the family)


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
# argument checks of the family (the generic ones are specref._args's)


def _check_input(x, name: str = "x"):
    """An adjoint's cotangent: strict (float32/float64/complex64/complex128 arrays only), at least 1-D."""
    namespace(x)
    check_float_dtype(x, name=name)
    if x.ndim < 1:
        raise ValueError(f"{name} is 0-dimensional; the DWT needs at least one axis")
    return x


def _as_input(x, what: str, name: str = "x"):
    """A forward's input, read as pywt reads it (:func:`~specref.transforms._shared.peer_input`): sequences
    become arrays, integer and bool input is promoted to float64; float16 and long double are refused."""
    return _check_input(peer_input(x, what, "pywt"), name)


def _unify(arrays, names):
    """Check one namespace and precision; cast real leaves to complex when any leaf is complex."""
    present = [(a, nm) for a, nm in zip(arrays, names, strict=True) if a is not None]
    xp = namespace(*[a for a, _ in present])
    check_same_precision(*[a for a, _ in present], names=[nm for _, nm in present])
    if any(is_complex(a) for a, _ in present):
        cdt = complex_dtype(present[0][0].dtype, xp)
        arrays = [a if a is None or is_complex(a) else xp.astype(a, cdt) for a in arrays]
    return arrays


def _coefficients(arrays, names, what: str) -> list:
    """A synthesis's input arrays read as pywt reads them (:func:`_as_input`; ``None``: a missing band, zeros),
    then :func:`_unify`. At least one must be an array."""
    if all(c is None for c in arrays):
        listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
        raise ValueError(f"{what}: at least one of {listed} must be an array (None means zeros)")
    return _unify([None if c is None else _as_input(c, what, nm) for c, nm in zip(arrays, names, strict=True)],
                  names)


def _zeros_for_none(arrays, what: str, names) -> list:
    """The bands of one synthesis level with each ``None`` replaced by zeros of the others' shape (pywt's rule);
    the bands must have one shape (pywt: "must have the same size")."""
    present = [(c, nm) for c, nm in zip(arrays, names, strict=True) if c is not None]
    first, first_name = present[0]
    for c, nm in present[1:]:
        if c.shape != first.shape:
            raise ValueError(f"{what}: coefficient arrays must have the same size: {first_name} "
                             f"{tuple(first.shape)}, {nm} {tuple(c.shape)}")
    return [namespace(first).zeros_like(first) if c is None else c for c in arrays]


def _shape_present(shapes, what: str) -> tuple:
    """The first shape of an adjoint's ``input_shape`` tree that is not None (None: the forward got None)."""
    present = [s for s in shapes if s is not None]
    if not present:
        raise ValueError(f"{what}: input_shape holds no shape")
    return check_input_shape(present[0])


def _pair(coeffs, what: str):
    if not isinstance(coeffs, (list, tuple)) or len(coeffs) != 2:
        raise ValueError(f"{what} must be a pair (cA, cD), got {type(coeffs).__name__}")
    return coeffs


def _quad(y, what: str):
    if not isinstance(y, (list, tuple)) or len(y) != 2 or not isinstance(y[1], (list, tuple)) or len(y[1]) != 3:
        raise ValueError(f"{what} must be (cA, (cH, cV, cD))")
    return y[0], tuple(y[1])


def _two_axes(axes, ndim: int) -> tuple[int, int]:
    if ndim < 2:
        raise ValueError("Expected input data to have at least 2 dimensions.")
    return normalize_axes(tuple(axes), ndim, count=2)


# ----------------------------------------------------------------------------------------------------------
# single level, 1D


def dwt(data, wavelet, mode: str = "symmetric", axis: int = -1):
    r"""One DWT level along ``axis``: ``(cA, cD)``, equal to ``pywt.dwt(data, wavelet, mode, axis)``.

    .. math:: c^A_o = \sum_{j=0}^{F-1} h_j (Ex)_{2o+F-1-j}, \qquad c^D_o = \sum_{j=0}^{F-1} g_j (Ex)_{2o+F-1-j}

    Parameters
    ----------
    data : array_like
        float32/float64/complex64/complex128, any shape; transformed along ``axis``. As in pywt, a Python
        sequence is read with ``numpy.asarray`` and integer or bool input is promoted to float64. float16 and
        long double, which pywt computes in float32 and float64, are refused (TypeError): specref returns
        the input's precision, so cast first.
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
        For float16, long double, string or object input.
    ValueError
        For an unknown or continuous wavelet, an unknown mode, an empty axis, or a length-1 axis in
        reflect/antireflect mode.

    Examples
    --------
    >>> cA, cD = dwt([1, 2, 3, 4, 5, 6], "db1")  # pywt's example: lists and ints, as pywt
    >>> cA  # doctest: +NORMALIZE_WHITESPACE
    array([2.12132034, 4.94974747, 7.77817459])
    """
    x = _as_input(data, "dwt", "data")
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
    expected = _coeff_shape(input_shape, (axis,), (bank.length,), (mode,))
    check_cotangent_shape(a_bar, expected, "dwt_adjoint: dA", input_shape)
    check_cotangent_shape(d_bar, expected, "dwt_adjoint: dD", input_shape)
    return _dwt_axis_adjoint(a_bar, d_bar, input_shape[axis], bank, mode, axis)


_PAIR = object()  # idwt's cD when the first argument is the pair (cA, cD)


def idwt(cA, cD=_PAIR, wavelet=None, mode: str = "symmetric", axis: int = -1):
    r"""One inverse DWT level, equal to ``pywt.idwt(cA, cD, wavelet, mode, axis)``.

    .. math:: y_t = \sum_{o,k} (f_k c^A_o + \phi_k c^D_o)\,[2o + k = t + s]

    (see the module docstring for :math:`s`). Called as pywt, ``idwt(cA, cD, wavelet, mode, axis)``, or with
    the pair, ``idwt((cA, cD), wavelet, mode=..., axis=...)`` (the form every adjoint check uses). ``cA`` or
    ``cD`` may be None (zeros), as in pywt; sequences and integer input are read as in :func:`dwt`. The
    output has ``2m - F + 2`` samples along ``axis`` (``2m`` for periodization). Unlike pywt, bands of two
    precisions are refused (TypeError) rather than computed in float64.

    Raises
    ------
    ValueError
        If both bands are None, the two arrays differ in shape, or (non-periodization) ``m < F/2``.
    """
    if cD is not _PAIR and _is_wavelet(cD) and wavelet is not None:
        raise TypeError("idwt((cA, cD), wavelet, ...): with the pair, pass mode and axis as keywords; or call "
                        "idwt(cA, cD, wavelet, mode, axis) as pywt")
    if cD is _PAIR or _is_wavelet(cD):
        (cA, cD), wavelet = _pair(cA, "coeffs"), (wavelet if cD is _PAIR else cD)
    if wavelet is None:
        raise TypeError("idwt needs a wavelet: idwt(cA, cD, wavelet) as pywt, or idwt((cA, cD), wavelet)")
    ca, cd = _zeros_for_none(_coefficients([cA, cD], ["cA", "cD"], "idwt"), "idwt", ["cA", "cD"])
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    axis = normalize_axis(axis, ca.ndim)
    return _idwt_axis(ca, cd, bank, mode, axis)


def idwt_adjoint(y, *, input_shape, wavelet, mode: str = "symmetric", axis: int = -1):
    """Adjoint of :func:`idwt`: the analysis with time-reversed synthesis filters; returns ``(dA, dD)``.

    ``input_shape`` is the shape tree of ``idwt``'s input, ``(shape_cA, shape_cD)``. Where the forward got
    ``None`` (zeros), the shape is ``None`` and so is the returned cotangent: the forward is then the map of
    the other band alone, whose adjoint is the full adjoint with that band's part dropped.
    """
    _check_input(y, "y")
    shapes = _pair(input_shape, "input_shape")
    shape = _shape_present(shapes, "idwt_adjoint")
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    axis = normalize_axis(axis, len(shape))
    check_cotangent_shape(y, _synthesis_shape(shape, (axis,), (bank.length,), (mode,)), "idwt_adjoint: y",
                          shape)
    bars = _idwt_axis_adjoint(y, shape[axis], bank, mode, axis)
    return tuple(None if s is None else b for s, b in zip(shapes, bars, strict=True))


# ----------------------------------------------------------------------------------------------------------
# single level, 2D: ``wavelet`` and ``mode`` may each be one per axis of ``axes`` (pywt's rule)


def dwt2(data, wavelet, mode="symmetric", axes=(-2, -1)):
    """One 2D DWT level: ``(cA, (cH, cV, cD))``, equal to ``pywt.dwt2(data, wavelet, mode, axes)``.

    The 1D DWT along ``axes[0]`` then along ``axes[1]``; ``cH`` is the detail along ``axes[0]`` and the
    approximation along ``axes[1]`` (pywt's ``'da'``), ``cV`` the reverse (``'ad'``), ``cD`` detail along
    both. ``wavelet`` and ``mode`` may be a list or tuple of two, one per axis of ``axes``, as in pywt;
    ``data`` is read as in :func:`dwt`.
    """
    x = _as_input(data, "dwt2", "data")
    (b0, b1), (m0, m1) = _per_axis(wavelet, mode)
    a0, a1 = _two_axes(axes, x.ndim)
    lo, hi = _dwt_axis(x, b0, m0, a0)
    aa, ad = _dwt_axis(lo, b1, m1, a1)
    da, dd = _dwt_axis(hi, b1, m1, a1)
    return aa, (da, ad, dd)


def dwt2_adjoint(y, *, input_shape, wavelet, mode="symmetric", axes=(-2, -1)):
    """Adjoint of :func:`dwt2`: the two 1D adjoints in reverse order (``axes[1]`` first, then ``axes[0]``)."""
    aa, (da, ad, dd) = _quad(y, "y")
    aa, da, ad, dd = _unify([aa, da, ad, dd], ["cA", "cH", "cV", "cD"])
    input_shape = check_input_shape(input_shape)
    (b0, b1), (m0, m1) = _per_axis(wavelet, mode)
    a0, a1 = _two_axes(axes, len(input_shape))
    out = _coeff_shape(input_shape, (a0, a1), (b0.length, b1.length), (m0, m1))
    for c, nm in ((aa, "cA"), (da, "cH"), (ad, "cV"), (dd, "cD")):
        check_cotangent_shape(c, out, f"dwt2_adjoint: {nm}", input_shape)
    lo = _dwt_axis_adjoint(aa, ad, input_shape[a1], b1, m1, a1)
    hi = _dwt_axis_adjoint(da, dd, input_shape[a1], b1, m1, a1)
    return _dwt_axis_adjoint(lo, hi, input_shape[a0], b0, m0, a0)


def idwt2(coeffs, wavelet, mode="symmetric", axes=(-2, -1)):
    """One inverse 2D level, equal to ``pywt.idwt2((cA, (cH, cV, cD)), wavelet, mode, axes)``.

    As pywt: the 1D inverse along ``axes[1]`` (pairing ``cA`` with ``cV`` and ``cH`` with ``cD``), then
    along ``axes[0]``. The arrays must have one shape; any of them may be None (zeros), as in pywt;
    ``wavelet`` and ``mode`` may be one per axis (as :func:`dwt2`).
    """
    aa, (da, ad, dd) = _quad(coeffs, "coeffs")
    names = ["cA", "cH", "cV", "cD"]
    aa, da, ad, dd = _zeros_for_none(_coefficients([aa, da, ad, dd], names, "idwt2"), "idwt2", names)
    (b0, b1), (m0, m1) = _per_axis(wavelet, mode)
    a0, a1 = _two_axes(axes, aa.ndim)
    lo = _idwt_axis(aa, ad, b1, m1, a1)
    hi = _idwt_axis(da, dd, b1, m1, a1)
    return _idwt_axis(lo, hi, b0, m0, a0)


def idwt2_adjoint(y, *, input_shape, wavelet, mode="symmetric", axes=(-2, -1)):
    """Adjoint of :func:`idwt2`; ``input_shape`` is ``(shape_cA, (shape_cH, shape_cV, shape_cD))``, with None
    where the forward got None (the returned cotangent is then None there, as :func:`idwt_adjoint`)."""
    _check_input(y, "y")
    s_a, s_d = _quad(input_shape, "input_shape")
    shape = _shape_present([s_a, *s_d], "idwt2_adjoint")
    (b0, b1), (m0, m1) = _per_axis(wavelet, mode)
    a0, a1 = _two_axes(axes, len(shape))
    check_cotangent_shape(y, _synthesis_shape(shape, (a0, a1), (b0.length, b1.length), (m0, m1)),
                          "idwt2_adjoint: y", shape)
    lo, hi = _idwt_axis_adjoint(y, shape[a0], b0, m0, a0)
    aa, ad = _idwt_axis_adjoint(lo, shape[a1], b1, m1, a1)
    da, dd = _idwt_axis_adjoint(hi, shape[a1], b1, m1, a1)
    keep = [None if s is None else b for s, b in zip([s_a, *s_d], [aa, da, ad, dd], strict=True)]
    return keep[0], tuple(keep[1:])


# ----------------------------------------------------------------------------------------------------------
# verification: what the family's cases share, then the single-level cases

# A few wavelets of different lengths and kinds (orthogonal, biorthogonal, reverse biorthogonal) for the
# representative grid; `specref verify --full` runs every discrete wavelet pywt knows.
_GRID_WAVELETS = ("haar", "db2", "db4", "sym3", "coif1", "bior2.2", "rbio1.3")


def _levels_of(params) -> int:
    """Number of DWT levels a grid point runs (1 for the single-level cases)."""
    if "level" not in params:
        return 1
    shape = params["shape"]
    axes = params.get("axes", (params.get("axis", -1),))
    w = params["wavelet"]
    fs = [_as_bank(v).length for v in (w if isinstance(w, (list, tuple)) else (w,) * len(axes))]
    level = params["level"]
    return min(dwt_max_level(shape[a], f) for a, f in zip(axes, fs, strict=True)) if level is None else level


def _error_scale(params) -> float:
    r"""The claim c: per level and per axis, (2 + log2 F); times (1 + log2 F) in smooth mode.

    Each coefficient is a recursive sum of F products of filter taps (as given) with extended samples
    (integer combinations of at most three inputs). The worst case of such a sum is F eps sum|h||e|
    (Higham, ch. 3); with independent rounding errors (random data) its standard deviation is about
    sqrt(F / 12) eps relative, below (2 + log2 F) / 2 for every filter length that occurs (2 <= F <= 102:
    2.9 vs 4.3 at F = 102), so c = 2 + log2 F per level leaves a margin of 2 or more. Levels and axes add.
    smooth extrapolates the edges linearly with weights of absolute sum up to 2F - 1 (2F - 3 for even n),
    and the filters then cancel most of
    that size: one more factor 1 + log2 F. Measured over all 106 discrete wavelets x 9 modes at their
    maximum level (random data, float32 and float64), the largest error was 0.34 c eps (0.39 c eps smooth).
    """
    axes = len(params["axes"]) if "axes" in params else 1
    per_level = 0.0
    wavelet, mode = params["wavelet"], params["mode"]
    per_axis = (wavelet if isinstance(wavelet, (list, tuple)) else (wavelet,) * axes,
                mode if isinstance(mode, (list, tuple)) else (mode,) * axes)
    for w, mode in zip(*per_axis, strict=True):  # per-axis wavelets and modes: the largest axis' c
        f = _as_bank(w).length
        c = 2.0 + math.log2(f)
        if mode == "smooth":
            c *= 1.0 + math.log2(f)
        per_level = max(per_level, c)
    return axes * max(1, _levels_of(params)) * per_level


_ERROR_REASON = (
    "per level and axis a recursive sum of F products (taps as given, extended samples): 2 + log2 F, twice "
    "the random-rounding estimate sqrt(F/12) for F <= 102; times 1 + log2 F for smooth's linear "
    "extrapolation (weights of absolute sum up to 2F - 1); levels and axes add; measured <= 0.39 c eps over "
    "all wavelets"
)


def _random(rng, shapes, xp, dtype):
    """Random arrays in the layout of ``shapes``: a shape gives an array, a list or tuple of shapes (nested
    as a coefficient list) gives the same list or tuple of arrays, drawn in order; None stays None."""
    if shapes is None:
        return None
    if len(shapes) and not all(isinstance(s, int) for s in shapes):
        return type(shapes)(_random(rng, s, xp, dtype) for s in shapes)
    return random_normal(rng, shapes, dtype=dtype, xp=xp)


def _without(shapes, none):
    """The coefficient shape tree with the leaves numbered ``none`` (depth-first) replaced by None: the
    inputs of a grid point that passes None bands, as pywt allows."""
    count = iter(range(10**6))

    def walk(t):
        if t is None or all(isinstance(s, int) for s in t):
            return None if next(count) in none else t
        return type(t)(walk(s) for s in t)

    return walk(shapes)


def _inputs(rng, xp, dtype, shapes, **kwargs) -> Inputs:
    """A case's inputs: random arrays in the layout of ``shapes``, and the forward's keywords."""
    return Inputs((_random(rng, shapes, xp, dtype),), kwargs)


def _pywt():
    """pywt, the reference of every case (called on NumPy host copies with the forward's keywords)."""
    import pywt

    return pywt


def _grid_1d(kind: str) -> tuple:
    """Every mode with an odd and an even length, level 1 and the maximum level, the 7 grid wavelets.

    The odd point is small (the dense adjoint check runs: <= 256 real coordinates); the even point is a
    batch of longer rows (the dot test covers it) along axis 0 or -1. ``kind`` ``"wavedec"``/``"waverec"``
    adds the levels (and, for waverec, ``output_length``) of the multilevel cases.
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
    # None bands (zeros, as pywt): ``none`` numbers the coefficient leaves set to None (0: cA_n, 1: cD_n, ...)
    if kind == "idwt":
        points += [{"wavelet": "db2", "mode": "symmetric", "shape": (15,), "axis": -1, "none": (1,)},
                   {"wavelet": "sym3", "mode": "periodization", "shape": (2, 14), "axis": -1, "none": (0,)}]
    if kind == "waverec":
        points += [{"wavelet": "db2", "mode": m, "shape": (15,), "axis": -1, "level": 2, "none": none}
                   for m, none in (("symmetric", (1,)), ("zero", (0,)), ("smooth", (2,)))]
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
    # one wavelet and one mode per axis (pywt's rule): a small image (dense check) and a batch (dot test)
    level = {"level": None} if kind in ("wavedec2", "waverec2") else {}
    points += [{"wavelet": ("haar", "db2"), "mode": ("zero", "smooth"), "shape": (6, 7), "axes": (-2, -1)} | level,
               {"wavelet": ("db2", "sym3"), "mode": ("periodization", "antireflect"), "shape": (2, 16, 14),
                "axes": (-1, -2)} | level]
    # None bands (zeros, as pywt): ``none`` numbers the leaves set to None, depth-first (0: cA, 1-3: cH, cV, cD)
    if kind == "idwt2":
        points += [{"wavelet": "db2", "mode": "symmetric", "shape": (6, 7), "axes": (-2, -1), "none": (0, 2)},
                   {"wavelet": ("haar", "db2"), "mode": "reflect", "shape": (6, 7), "axes": (-2, -1), "none": (3,)}]
    if kind == "waverec2":
        points += [{"wavelet": "haar", "mode": "symmetric", "shape": (8, 10), "axes": (-2, -1), "level": 2,
                    "none": none} for none in ((1, 3), (1, 2, 3), (4,))]
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
    """A wavelet case: the family's error scale and its reason, pywt as the reference."""
    return Case(
        name=name, forward=forward, adjoint=adjoint, make=make, reference=reference, grid=grid,
        full_grid=full_grid, error_scale=_error_scale, error_reason=_ERROR_REASON, extra_checks=extra_checks,
    )


def _make_dwt(rng, xp, dtype, *, shape, wavelet, mode, axis=-1):
    return _inputs(rng, xp, dtype, shape, wavelet=wavelet, mode=mode, axis=axis)


def _make_idwt(rng, xp, dtype, *, shape, wavelet, mode, axis=-1, none=()):
    s = _coeff_shape(shape, (normalize_axis(axis, len(shape)),), (_as_bank(wavelet).length,), (mode,))
    return _inputs(rng, xp, dtype, _without((s, s), none), wavelet=wavelet, mode=mode, axis=axis)


def _make_dwt2(rng, xp, dtype, *, shape, wavelet, mode, axes=(-2, -1)):
    return _inputs(rng, xp, dtype, shape, wavelet=wavelet, mode=mode, axes=axes)


def _make_idwt2(rng, xp, dtype, *, shape, wavelet, mode, axes=(-2, -1), none=()):
    banks, modes = _per_axis(wavelet, mode)
    s = _coeff_shape(shape, _two_axes(axes, len(shape)), _lengths_of(banks), modes)
    return _inputs(rng, xp, dtype, _without((s, (s, s, s)), none), wavelet=wavelet, mode=mode, axes=axes)


def _ref_dwt(x, wavelet, mode, axis):
    return _pywt().dwt(x, wavelet, mode, axis)


def _ref_idwt(coeffs, wavelet, mode, axis):
    return _pywt().idwt(coeffs[0], coeffs[1], wavelet, mode, axis)


def _ref_dwt2(x, wavelet, mode, axes):
    return _pywt().dwt2(x, wavelet, mode, axes)


def _ref_idwt2(coeffs, wavelet, mode, axes):
    return _pywt().idwt2(coeffs, wavelet, mode, axes)


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


CASES = [
    _case("dwt", dwt, dwt_adjoint, _make_dwt, _ref_dwt, _grid_1d("dwt"), _full_1d("dwt"),
          (_check_orthogonal_periodization,)),
    _case("idwt", idwt, idwt_adjoint, _make_idwt, _ref_idwt, _grid_1d("idwt"), _full_1d("idwt")),
    _case("dwt2", dwt2, dwt2_adjoint, _make_dwt2, _ref_dwt2, _grid_2d("dwt2"), _full_2d("dwt2")),
    _case("idwt2", idwt2, idwt2_adjoint, _make_idwt2, _ref_idwt2, _grid_2d("idwt2"), _full_2d("idwt2")),
]
