r"""The wavelet filter bank: wavelets, boundary modes, coefficient lengths and shapes, pywt's rules.

Filters are read at run time from ``pywt.Wavelet(name).filter_bank`` (pywt's table is the authority; nothing
is retyped here), or from any object with a ``filter_bank`` attribute, as pywt accepts; the nine boundary
modes are :data:`MODES` (the loops of :mod:`specref._jit.dwt_filterbank` build each mode's extension). The
lengths are pywt's: one analysis level maps ``n`` samples to :math:`m = \lfloor (n + F - 1)/2 \rfloor`
coefficients (:math:`\lceil n/2 \rceil` for periodization), one synthesis level maps ``m`` back to
``2m - F + 2`` (``2m``); the extensions align the windows as pywt does (derivation:
:mod:`specref.transforms.wavelet_dwt`). The 2D transforms take one wavelet and one mode per axis
(:func:`_per_axis`, pywt's rule). The transforms built on this module are re-exported by
:mod:`specref.transforms.wavelet`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from specref._args import check_length
from specref._jit import dwt_filterbank as fb
from specref._jit.dwt_filterbank import MODES

__all__ = ["MODES", "dwt_coeff_len", "dwt_max_level"]


# ----------------------------------------------------------------------------------------------------------
# wavelets, modes, lengths


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


# the boundary mode: one of MODES (the filter bank, which builds the extension of each mode, owns the list)
_check_mode = fb.check_mode


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
    n = check_length(n, name="n")
    return (n + 1) // 2 if mode == "periodization" else (n + f - 1) // 2


def dwt_max_level(n: int, wavelet) -> int:
    """pywt's ``dwt_max_level``: ``floor(log2(n / (F - 1)))``, 0 when ``n < F - 1``.

    The deepest level at which at least one coefficient is free of boundary effects.
    """
    f = _filter_length(wavelet)
    if f <= 1 or n < f - 1:
        return 0
    return (n // (f - 1)).bit_length() - 1


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


def _with_lengths(shape, lengths: dict) -> tuple:
    """``shape`` with the length along each axis of ``lengths`` (``{axis: length}``) replaced."""
    return tuple(lengths.get(i, s) for i, s in enumerate(shape))


def _coeff_shape(shape, axes, fs, modes) -> tuple:
    """Shape of one analysis level's coefficients along ``axes`` (filter length ``fs[i]`` and mode ``modes[i]``
    along ``axes[i]``) for an input of ``shape``."""
    return _with_lengths(shape, {a: dwt_coeff_len(shape[a], f, m) for a, f, m in zip(axes, fs, modes, strict=True)})


def _synthesis_shape(shape, axes, fs, modes) -> tuple:
    """Shape of one synthesis level's output along ``axes`` (per-axis ``fs``, ``modes``) for coefficients of
    ``shape``."""
    return _with_lengths(shape, {a: _synthesis_length(shape[a], f, m) for a, f, m in zip(axes, fs, modes,
                                                                                           strict=True)})


def _reversed(h: np.ndarray) -> np.ndarray:
    return h[::-1]


def _is_wavelet(obj) -> bool:
    return isinstance(obj, (str, _Bank)) or hasattr(obj, "filter_bank")


def _per_axis(wavelet, mode, count: int = 2) -> tuple[tuple, tuple]:
    """pywt's rule for the 2D transforms: one wavelet (mode) for every axis, or a list or tuple of ``count``,
    one per axis of ``axes``. Returns the banks and the modes, one per axis."""
    out = []
    for value, convert, name in ((wavelet, _as_bank, "wavelet"), (mode, _check_mode, "mode")):
        if isinstance(value, (list, tuple)):
            if len(value) != count:
                raise ValueError(f"The number of {name}s must match the number of axes to be transformed: got "
                                 f"{len(value)} {name}s for {count} axes")
            out.append(tuple(convert(v) for v in value))
        else:
            out.append((convert(value),) * count)
    return out[0], out[1]


def _lengths_of(banks) -> tuple:
    return tuple(b.length for b in banks)
