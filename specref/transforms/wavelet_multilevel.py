r"""Multilevel 1D discrete wavelet transforms, equal to pywt's ``wavedec``/``waverec``, with exact adjoints.

``wavedec`` applies one DWT level (:mod:`specref.transforms.wavelet_dwt`) to the approximation ``level``
times along ``axis`` and returns ``[cA_n, cD_n, ..., cD_1]``:

.. math:: (a_k, d_k) = D(a_{k-1}), \quad k = 1, \dots, n, \qquad a_0 = x.

``waverec`` undoes it level by level, :math:`a_{k-1} = R(P a_k, d_k)`, where :math:`P` drops the last
approximation sample when it is one longer than the next detail, as pywt does. For odd lengths pywt's
``waverec`` returns one sample more than the signal had; ``output_length`` crops to the original, and the
adjoint zero-pads back. Every adjoint is the forward's chain reversed, each step replaced by its adjoint (a
crop by a zero-pad, :math:`D` by :math:`D^*`, :math:`R` by :math:`R^*`).

The level rules (``level=None``, pywt's warning above the maximum) and the crop of the reconstruction are
shared with the 2D transforms (:mod:`specref.transforms.wavelet_multilevel2d`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from specref._args import as_int, check_cotangent_shape, check_input_shape, normalize_axis
from specref.backend import namespace
from specref.transforms.structural import crop_or_pad, crop_or_pad_adjoint
from specref.transforms.wavelet_bank import (
    _as_bank,
    _check_mode,
    _synthesis_length,
    _with_lengths,
    dwt_coeff_len,
    dwt_max_level,
)
from specref.transforms.wavelet_dwt import (
    _as_input,
    _case,
    _check_input,
    _coefficients,
    _dwt_axis,
    _dwt_axis_adjoint,
    _full_1d,
    _grid_1d,
    _idwt_axis,
    _idwt_axis_adjoint,
    _inputs,
    _pywt,
    _unify,
    _without,
)

__all__ = [
    "wavedec_shapes",
    "wavedec",
    "wavedec_adjoint",
    "waverec",
    "waverec_adjoint",
]


# ----------------------------------------------------------------------------------------------------------
# levels and lengths (shared with the 2D transforms)


def _resolve_level(sizes, f, level, *, warn: bool) -> int:
    """pywt's ``_check_level``: None -> the maximum; negative -> ValueError; above it -> UserWarning.

    ``f`` is the filter length, or a tuple of one per entry of ``sizes`` (per-axis wavelets)."""
    fs = f if isinstance(f, tuple) else (f,) * len(sizes)
    max_level = min(dwt_max_level(s, g) for s, g in zip(sizes, fs, strict=True))
    if level is None:
        return max_level
    level = as_int(level, "level")
    if level < 0:
        raise ValueError(f"Level value of {level} is too low . Minimum level is 0.")
    if level > max_level and warn:
        warnings.warn(
            f"Level value of {level} is too high: all coefficients will experience boundary effects.",
            UserWarning,
            stacklevel=3,
        )
    return level


def _lengths(n: int, f: int, mode: str, level: int) -> list[int]:
    """Signal length at each level: ``[n, m_1, ..., m_level]``."""
    out = [n]
    for _ in range(level):
        out.append(dwt_coeff_len(out[-1], f, mode))
    return out


def _check_output_length(output_length, natural: int) -> int:
    """The length a reconstruction is cropped to: ``natural`` (pywt's) when None, else ``0 ... natural``."""
    if output_length is None:
        return natural
    output_length = as_int(output_length, "output_length")
    if not 0 <= output_length <= natural:
        raise ValueError(f"output_length {output_length} must be between 0 and the reconstruction's length "
                         f"{natural} (it crops pywt's output, e.g. to an odd signal length)")
    return output_length


def _cropped(y, axes, lengths):
    """``y`` cropped to ``lengths`` along ``axes`` (``lengths`` None: ``y`` as it is)."""
    if lengths is None:
        return y
    for ax, n in zip(axes, lengths, strict=True):
        y = crop_or_pad(y, n, ax)
    return y


# ----------------------------------------------------------------------------------------------------------
# wavedec


def wavedec_shapes(input_shape, wavelet, *, mode: str = "symmetric", level=None, axis: int = -1) -> list:
    """Shapes of ``wavedec``'s output ``[cA_n, cD_n, ..., cD_1]`` for an input of ``input_shape``."""
    input_shape = check_input_shape(input_shape)
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    axis = normalize_axis(axis, len(input_shape))
    level = _resolve_level([input_shape[axis]], bank.length, level, warn=False)
    lengths = _lengths(input_shape[axis], bank.length, mode, level)
    return [_with_lengths(input_shape, {axis: m}) for m in (lengths[-1], *reversed(lengths[1:]))]


def wavedec(data, wavelet, mode: str = "symmetric", level=None, axis: int = -1) -> list:
    """Multilevel DWT, equal to ``pywt.wavedec(data, wavelet, mode, level, axis)``: ``[cA_n, cD_n, ..., cD_1]``.

    ``level=None`` means ``dwt_max_level(n, wavelet)``; a level above it is computed as pywt does, with
    pywt's ``UserWarning``; level 0 returns ``[x]``. ``data`` is read as pywt reads it (a sequence, integer
    or bool input promoted to float64; float16 and long double refused, see
    :func:`~specref.transforms.wavelet_dwt.dwt`).

    Examples
    --------
    >>> [c.tolist() for c in wavedec([1, 2, 3, 4, 5, 6, 7, 8], "db1", level=2)][:2]  # pywt's example
    [[5.0, 13.0], [-2.0, -2.0]]

    Raises
    ------
    ValueError
        For a negative level, and as :func:`~specref.transforms.wavelet_dwt.dwt`.
    """
    x = _as_input(data, "wavedec", "data")
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
    r"""Adjoint of :func:`wavedec`: ``dwt_adjoint`` from the coarsest level back to the finest.

    .. math:: \bar a_{k-1} = D_k^*(\bar a_k, \bar d_k), \quad k = n, \dots, 1, \qquad \bar x = \bar a_0
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
        check_cotangent_shape(c, s, f"wavedec_adjoint: coeffs[{i}]", input_shape)
    lengths = _lengths(input_shape[axis], bank.length, mode, level)
    a_bar = coeffs[0]
    for k in range(level, 0, -1):
        a_bar = _dwt_axis_adjoint(a_bar, coeffs[level - k + 1], lengths[k - 1], bank, mode, axis)
    return a_bar


# ----------------------------------------------------------------------------------------------------------
# waverec


@dataclass(frozen=True)
class _Step:
    """One waverec level: crop the approximation from ``a_len`` to ``m``, then idwt to ``out_len``."""

    a_len: int
    m: int
    out_len: int


def _waverec_plan(shapes, f: int, mode: str, axis: int) -> list[_Step]:
    """The levels of waverec for coefficient ``shapes`` (None: a band the forward got as None, i.e. zeros).

    pywt's rule: a None approximation is zeros of the first detail's shape; at a None detail the
    approximation is not cropped (the detail is zeros of its shape).
    """
    if shapes[0] is None and (len(shapes) < 2 or shapes[1] is None):
        raise ValueError("waverec: coeffs[0] and coeffs[1] are both None; at least one must be an array")
    a_len = (shapes[0] if shapes[0] is not None else shapes[1])[axis]
    plan = []
    for i, s in enumerate(shapes[1:], start=1):
        m = a_len if s is None else s[axis]
        if a_len not in (m, m + 1):
            raise ValueError(
                f"coefficient shape mismatch: level {i} detail has {m} samples along axis {axis}, the "
                f"approximation {a_len} (it must be equal or one longer, as wavedec produces)"
            )
        out_len = _synthesis_length(m, f, mode)
        plan.append(_Step(a_len, m, out_len))
        a_len = out_len
    return plan


def waverec(coeffs, wavelet, mode: str = "symmetric", axis: int = -1, *, output_length=None):
    """Multilevel inverse DWT, equal to ``pywt.waverec(coeffs, wavelet, mode, axis)``.

    ``coeffs = [cA_n, cD_n, ..., cD_1]``. At each level an approximation one sample longer than the
    detail loses its last sample (pywt's rule), so a signal of odd length ``N`` comes back with ``N + 1``
    samples, as from pywt; ``output_length=N`` crops the result to ``N`` (the original length). As in pywt,
    an entry may be None (zeros: a None detail leaves the approximation uncropped, a None ``cA_n`` takes the
    shape of ``cD_n``), and the arrays are read as pywt reads them (sequences; integer and bool input
    promoted to float64; see :func:`~specref.transforms.wavelet_dwt.dwt` for what is refused).

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
    coeffs = _coefficients(list(coeffs), [f"coeffs[{i}]" for i in range(len(coeffs))], "waverec")
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    present = [(i, c) for i, c in enumerate(coeffs) if c is not None]
    first = present[0][1]
    axis = normalize_axis(axis, first.ndim)
    for i, c in present:
        if _with_lengths(c.shape, {axis: 0}) != _with_lengths(first.shape, {axis: 0}):
            raise ValueError(f"coefficient shape mismatch: coeffs[{i}] has shape {tuple(c.shape)}, "
                             f"coeffs[{present[0][0]}] {tuple(first.shape)}; only the transformed axis may differ")
    plan = _waverec_plan([None if c is None else c.shape for c in coeffs], bank.length, mode, axis)
    zeros = namespace(first).zeros_like
    a = zeros(coeffs[1]) if coeffs[0] is None else coeffs[0]
    for step, d in zip(plan, coeffs[1:], strict=True):
        a = crop_or_pad(a, step.m, axis)
        a = _idwt_axis(a, zeros(a) if d is None else d, bank, mode, axis)
    return crop_or_pad(a, _check_output_length(output_length, a.shape[axis]), axis)


def waverec_adjoint(y, *, input_shape, wavelet, mode: str = "symmetric", axis: int = -1, output_length=None):
    """Adjoint of :func:`waverec`; ``input_shape`` is the list of coefficient shapes. Returns a list.

    The forward's chain reversed: zero-pad from ``output_length`` back, then per level (finest first)
    ``idwt_adjoint`` and the adjoint of the approximation crop (a zero-pad by one sample where it cropped).
    A ``None`` shape (the forward got None: zeros) gives ``None`` in that slot: the forward is then the map
    of the other entries alone, whose adjoint is the full adjoint with that slot dropped.
    """
    _check_input(y, "y")
    if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 1:
        raise ValueError("waverec_adjoint: input_shape must be the list of coefficient shapes")
    shapes = [None if s is None else check_input_shape(s) for s in input_shape]
    bank, mode = _as_bank(wavelet), _check_mode(mode)
    like = next((s for s in shapes if s is not None), None)
    if like is None:
        raise ValueError("waverec_adjoint: input_shape holds no shape")
    axis = normalize_axis(axis, len(like))
    plan = _waverec_plan(shapes, bank.length, mode, axis)
    natural = plan[-1].out_len if plan else like[axis]
    n = _check_output_length(output_length, natural)
    check_cotangent_shape(y, _with_lengths(like, {axis: n}), "waverec_adjoint: y", shapes)
    a_bar = crop_or_pad_adjoint(y, input_shape=_with_lengths(like, {axis: natural}), n=n, axis=axis)
    details = []
    for step in reversed(plan):
        a_bar, d_bar = _idwt_axis_adjoint(a_bar, step.m, bank, mode, axis)
        details.append(d_bar)
        a_bar = crop_or_pad_adjoint(a_bar, input_shape=_with_lengths(like, {axis: step.a_len}), n=step.m,
                                    axis=axis)
    return [None if s is None else c for s, c in zip(shapes, [a_bar, *reversed(details)], strict=True)]


# ----------------------------------------------------------------------------------------------------------
# verification cases (the family's error scale and grids: specref.transforms.wavelet_dwt)


def _make_wavedec(rng, xp, dtype, *, shape, wavelet, mode, level, axis=-1):
    return _inputs(rng, xp, dtype, shape, wavelet=wavelet, mode=mode, level=level, axis=axis)


def _make_waverec(rng, xp, dtype, *, shape, wavelet, mode, level, axis=-1, output_length=None, none=()):
    shapes = _without(wavedec_shapes(shape, wavelet, mode=mode, level=level, axis=axis), none)
    crop = {} if output_length is None else {"output_length": output_length}
    return _inputs(rng, xp, dtype, shapes, wavelet=wavelet, mode=mode, axis=axis, **crop)


def _ref_wavedec(x, wavelet, mode, level, axis):
    return _pywt().wavedec(x, wavelet, mode, level, axis)


def _ref_waverec(coeffs, wavelet, mode, axis, output_length=None):
    lengths = None if output_length is None else (output_length,)
    return _cropped(_pywt().waverec(coeffs, wavelet, mode, axis), (axis,), lengths)


CASES = [
    _case("wavedec", wavedec, wavedec_adjoint, _make_wavedec, _ref_wavedec, _grid_1d("wavedec"),
          _full_1d("wavedec")),
    _case("waverec", waverec, waverec_adjoint, _make_waverec, _ref_waverec, _grid_1d("waverec"),
          _full_1d("waverec")),
]
