r"""Multilevel 2D discrete wavelet transforms, equal to pywt's ``wavedec2``/``waverec2``, with exact adjoints.

``wavedec2`` applies one 2D level (:func:`~specref.transforms.wavelet_dwt.dwt2`) to the approximation
``level`` times over ``axes`` and returns ``[cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]``, with
``cH`` the detail along ``axes[0]`` (pywt's ``'da'``) and ``cV`` along ``axes[1]`` (``'ad'``).
``waverec2`` undoes it level by level,

.. math:: a_{k-1} = R_2(P_1 P_0\, a_k,\; (h_k, v_k, d_k)),

where :math:`P_0`, :math:`P_1` drop the last approximation sample along ``axes[0]``, ``axes[1]`` when it is
one longer than the details (pywt's rule); ``output_shape`` crops the result, e.g. back to an odd-sized
image. The adjoints are the forward chains reversed: :math:`D_2^*` (``dwt2_adjoint``) from the coarsest
level back, and for ``waverec2`` the zero-pad of the final crop, then per level :math:`R_2^*` and the
zero-pads :math:`P_0^T`, :math:`P_1^T`.

The level rules and the crop are those of the 1D transforms (:mod:`specref.transforms.wavelet_multilevel`).
"""

from __future__ import annotations

from collections.abc import Sequence

from specref._args import check_cotangent_shape, check_input_shape
from specref.backend import check_same_precision
from specref.transforms.structural import crop_or_pad_adjoint
from specref.transforms.wavelet_bank import _lengths_of, _per_axis, _synthesis_shape, _with_lengths
from specref.transforms.wavelet_dwt import (
    _as_input,
    _case,
    _check_input,
    _full_2d,
    _grid_2d,
    _inputs,
    _pywt,
    _two_axes,
    _without,
    dwt2,
    dwt2_adjoint,
    idwt2,
    idwt2_adjoint,
)
from specref.transforms.wavelet_multilevel import _check_output_length, _cropped, _lengths, _resolve_level

__all__ = [
    "wavedec2_shapes",
    "wavedec2",
    "wavedec2_adjoint",
    "waverec2",
    "waverec2_adjoint",
]


def _level_shape(input_shape, fs, modes, k: int, a0: int, a1: int) -> tuple:
    """Shape of the level-``k`` approximation (``k = 0``: the input); ``fs``, ``modes`` per axis of ``(a0, a1)``."""
    return _with_lengths(input_shape, {ax: _lengths(input_shape[ax], f, m, k)[-1]
                                       for ax, f, m in zip((a0, a1), fs, modes, strict=True)})


def _check_output_shape(output_shape, natural: tuple) -> tuple:
    """The shape (two lengths) a reconstruction is cropped to, each as :func:`_check_output_length`."""
    if output_shape is None:
        return natural
    if isinstance(output_shape, str | bytes) or not isinstance(output_shape, Sequence):
        raise TypeError(f"output_shape must be a sequence of two lengths, got {type(output_shape).__name__}")
    if len(output_shape) != 2:
        raise ValueError("output_shape must give two lengths, one per axis in axes")
    return tuple(_check_output_length(o, n) for o, n in zip(output_shape, natural, strict=True))


def _setup(wavelet, mode, axes, ndim: int, sizes=None, level=None, warn=False):
    """Per-axis banks and modes, the two axes, and (given the sizes along them) the level (pywt's rules:
    the maximum level is the smaller of the two axes' maxima, each with its own wavelet)."""
    banks, modes = _per_axis(wavelet, mode)
    a0, a1 = _two_axes(axes, ndim)
    fs = _lengths_of(banks)
    if sizes is not None:
        level = _resolve_level(sizes((a0, a1)), fs, level, warn=warn)
    return banks, modes, fs, (a0, a1), level


# ----------------------------------------------------------------------------------------------------------
# wavedec2


def wavedec2_shapes(input_shape, wavelet, *, mode="symmetric", level=None, axes=(-2, -1)) -> list:
    """Shapes of ``wavedec2``'s output ``[cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]``."""
    input_shape = check_input_shape(input_shape)
    _, modes, fs, (a0, a1), level = _setup(wavelet, mode, axes, len(input_shape),
                                           lambda ax: [input_shape[a] for a in ax], level)

    def shape(k):
        return _level_shape(input_shape, fs, modes, k, a0, a1)

    return [shape(level)] + [(shape(k),) * 3 for k in range(level, 0, -1)]


def wavedec2(data, wavelet, mode="symmetric", level=None, axes=(-2, -1)) -> list:
    """Multilevel 2D DWT, equal to ``pywt.wavedec2(data, wavelet, mode, level, axes)``.

    Returns ``[cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]``; ``level=None`` is the smaller of the
    two axes' maximum levels (a UserWarning above it, as pywt). ``wavelet`` and ``mode`` may be one per axis
    of ``axes`` and ``data`` is read as pywt reads it, as for :func:`~specref.transforms.wavelet_dwt.dwt2`.
    """
    x = _as_input(data, "wavedec2", "data")
    banks, modes, _, axes, level = _setup(wavelet, mode, axes, x.ndim, lambda ax: [x.shape[a] for a in ax], level,
                                          warn=True)
    details = []
    a = x
    for _ in range(level):
        a, ds = dwt2(a, banks, modes, axes)
        details.append(ds)
    return [a, *reversed(details)]


def wavedec2_adjoint(coeffs, *, input_shape, wavelet, mode="symmetric", level=None, axes=(-2, -1)):
    """Adjoint of :func:`wavedec2`: ``dwt2_adjoint`` from the coarsest level back to the finest."""
    input_shape = check_input_shape(input_shape)
    banks, modes, fs, (a0, a1), level = _setup(wavelet, mode, axes, len(input_shape),
                                               lambda ax: [input_shape[a] for a in ax], level)
    if not isinstance(coeffs, (list, tuple)) or len(coeffs) != level + 1:
        raise ValueError(f"wavedec2_adjoint: expected a list of {level + 1} entries for level {level}")
    a_bar = coeffs[0]
    check_cotangent_shape(a_bar, _level_shape(input_shape, fs, modes, level, a0, a1),
                          "wavedec2_adjoint: coeffs[0]", input_shape)
    for k in range(level, 0, -1):
        shape_k = _level_shape(input_shape, fs, modes, k - 1, a0, a1)
        a_bar = dwt2_adjoint((a_bar, coeffs[level - k + 1]), input_shape=shape_k, wavelet=banks, mode=modes,
                             axes=(a0, a1))
    return a_bar


# ----------------------------------------------------------------------------------------------------------
# waverec2


def _detail_shape(shapes):
    """The one shape of a level's details (None entries: bands the forward got as None), or None if all are."""
    present = {tuple(s) for s in shapes if s is not None}
    if len(present) > 1:
        raise ValueError(f"All detail shapes must be the same length: got {[s for s in shapes]}")
    return present.pop() if present else None


def waverec2(coeffs, wavelet, mode="symmetric", axes=(-2, -1), *, output_shape=None):
    """Multilevel inverse 2D DWT, equal to ``pywt.waverec2(coeffs, wavelet, mode, axes)``.

    ``coeffs = [cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]``; the approximation is cropped by one
    sample along each axis where it is one longer than the details (pywt's rule); ``output_shape`` (two
    lengths, for ``axes``) crops the result, e.g. back to an odd-sized image. As in pywt, a detail may be
    None (zeros; a level whose three details are None crops nothing), ``wavelet`` and ``mode`` may be one per
    axis, and the arrays are read as pywt reads them (see :func:`~specref.transforms.wavelet_dwt.dwt2`).
    ``cA_n`` must be an array.
    """
    if not isinstance(coeffs, (list, tuple)):
        raise ValueError("Expected sequence of coefficient arrays.")
    if len(coeffs) < 1:
        raise ValueError("Coefficient list too short (minimum 1 array required).")
    for i, d in enumerate(coeffs[1:], start=1):
        if not isinstance(d, (list, tuple)) or len(d) != 3:
            raise ValueError(f"coeffs[{i}] must be a 3-tuple (cH, cV, cD) as returned by wavedec2")
    if coeffs[0] is None:
        raise ValueError("waverec2: coeffs[0] (the approximation cA_n) must be an array; None is accepted for "
                         "details only")
    leaves = [_as_input(c, "waverec2", "a coefficient array") for c in [coeffs[0], *[c for d in coeffs[1:] for c in d]]
              if c is not None]
    check_same_precision(*leaves)
    it = iter(leaves)
    a = next(it)
    details = [tuple(None if c is None else next(it) for c in d) for d in coeffs[1:]]
    banks, modes, _, (a0, a1), _ = _setup(wavelet, mode, axes, a.ndim)
    for i, d in enumerate(details, start=1):
        d_shape = _detail_shape([None if c is None else c.shape for c in d])
        if d_shape is not None:
            for ax in (a0, a1):
                if a.shape[ax] not in (d_shape[ax], d_shape[ax] + 1):
                    raise ValueError(f"coefficient shape mismatch at level {i}: approximation {tuple(a.shape)}, "
                                     f"details {d_shape}")
            a = _cropped(a, (a0, a1), (d_shape[a0], d_shape[a1]))
        a = idwt2((a, d), banks, modes, (a0, a1))
    return _cropped(a, (a0, a1), _check_output_shape(output_shape, (a.shape[a0], a.shape[a1])))


def waverec2_adjoint(y, *, input_shape, wavelet, mode="symmetric", axes=(-2, -1), output_shape=None):
    """Adjoint of :func:`waverec2`; ``input_shape`` is the shape tree of the coefficients, with None where the
    forward got None (the returned cotangent is None there, as :func:`~specref.transforms.wavelet_dwt.
    idwt2_adjoint`). Returns a list."""
    _check_input(y, "y")
    if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 1:
        raise ValueError("waverec2_adjoint: input_shape must be the shape tree of the coefficients")
    a_shape = check_input_shape(input_shape[0])
    banks, modes, fs, (a0, a1), _ = _setup(wavelet, mode, axes, len(a_shape))
    # the forward's shapes: before the crop, after the crop (= detail shape), after idwt2
    steps = []
    for d_shapes in input_shape[1:]:
        d_shape = _detail_shape(d_shapes)
        cropped = a_shape if d_shape is None else _with_lengths(a_shape, {a0: d_shape[a0], a1: d_shape[a1]})
        steps.append((a_shape, cropped, tuple(d_shapes)))
        a_shape = _synthesis_shape(cropped, (a0, a1), fs, modes)
    n0, n1 = _check_output_shape(output_shape, (a_shape[a0], a_shape[a1]))
    check_cotangent_shape(y, _with_lengths(a_shape, {a0: n0, a1: n1}), "waverec2_adjoint: y", input_shape)
    a_bar = crop_or_pad_adjoint(y, input_shape=_with_lengths(a_shape, {a0: n0}), n=n1, axis=a1)
    a_bar = crop_or_pad_adjoint(a_bar, input_shape=a_shape, n=n0, axis=a0)
    details = []
    for before, cropped, d_shapes in reversed(steps):
        in_shapes = tuple(None if s is None else cropped for s in d_shapes)
        a_bar, ds = idwt2_adjoint(a_bar, input_shape=(cropped, in_shapes), wavelet=banks, mode=modes, axes=(a0, a1))
        details.append(ds)
        a_bar = crop_or_pad_adjoint(a_bar, input_shape=_with_lengths(cropped, {a1: before[a1]}), n=cropped[a1],
                                    axis=a1)
        a_bar = crop_or_pad_adjoint(a_bar, input_shape=before, n=cropped[a0], axis=a0)
    return [a_bar, *reversed(details)]


# ----------------------------------------------------------------------------------------------------------
# verification cases (the family's error scale and grids: specref.transforms.wavelet_dwt)


def _make_wavedec2(rng, xp, dtype, *, shape, wavelet, mode, level, axes=(-2, -1)):
    return _inputs(rng, xp, dtype, shape, wavelet=wavelet, mode=mode, level=level, axes=axes)


def _make_waverec2(rng, xp, dtype, *, shape, wavelet, mode, level, axes=(-2, -1), output_shape=None, none=()):
    shapes = _without(wavedec2_shapes(shape, wavelet, mode=mode, level=level, axes=axes), none)
    crop = {} if output_shape is None else {"output_shape": output_shape}
    return _inputs(rng, xp, dtype, shapes, wavelet=wavelet, mode=mode, axes=axes, **crop)


def _ref_wavedec2(x, wavelet, mode, level, axes):
    return _pywt().wavedec2(x, wavelet, mode, level, axes)


def _ref_waverec2(coeffs, wavelet, mode, axes, output_shape=None):
    return _cropped(_pywt().waverec2(coeffs, wavelet, mode, axes), axes, output_shape)


CASES = [
    _case("wavedec2", wavedec2, wavedec2_adjoint, _make_wavedec2, _ref_wavedec2, _grid_2d("wavedec2"),
          _full_2d("wavedec2")),
    _case("waverec2", waverec2, waverec2_adjoint, _make_waverec2, _ref_waverec2, _grid_2d("waverec2"),
          _full_2d("waverec2")),
]
