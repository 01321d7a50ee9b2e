r"""The first columns of a 2-D real FFT, and the inverse of a spectrum that is zero beyond them.

Layers that keep a few low modes of a 2-D spectrum (AFNO, the FNO's spectral convolutions) need only the
first :math:`m` columns of :math:`\operatorname{rfft2}`, and feed :math:`\operatorname{irfft2}` a spectrum that
is zero beyond its first :math:`m` columns. The 2-D DFT separates into a DFT along each axis, so both run
with the full-length transform along the columns' axis on those :math:`m` columns only:

.. math::

    \operatorname{rfft2\_pruned}(x) &= F_0\, C_m\, R_1\, x
        = C_m \operatorname{rfft2}(x, s) \\
    \operatorname{irfft2\_pruned}(z) &= R_1^{-1}\, C_m^{\mathsf T}\, F_0^{-1} z
        = \operatorname{irfft2}(C_m^{\mathsf T} z, s)

with :math:`R_1` the rfft of length :math:`s_1` along the last axis, :math:`C_m` the crop to its first
:math:`m` bins (:math:`C_m^{\mathsf T}` the zero-padding back to :math:`s_1/2 + 1`), :math:`F_0` the DFT of
length :math:`s_0` along axis -2 (zero-padding or cropping the rows to :math:`s_0`, as ``numpy.fft``'s ``s``
does). ``irfft2`` is NumPy's: the inverse DFT along the rows first, then ``irfft`` along the last axis, which is
what :math:`R_1^{-1} C_m^{\mathsf T} F_0^{-1}` does. The row transforms cost :math:`m` columns instead of
:math:`s_1/2 + 1` (AFNO at :math:`D = 256`, 32 modes: a quarter). The norm is applied per axis
(``"ortho"``: :math:`1/\sqrt{s_1}` then :math:`1/\sqrt{s_0}`), so the numbers equal ``rfft2``'s within a
rounding per entry, not bit for bit.

The adjoints are the chains reversed, each step's adjoint from :mod:`specref.transforms.fourier` and
:mod:`specref.transforms.structural`:
:math:`R_1^{*} C_m^{\mathsf T} F_0^{*}` and :math:`F_0^{-*} C_m (R_1^{-1})^{*}`.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from specref._args import check_positive_int
from specref.testing.case import Case
from specref.testing.inputs import random_input
from specref.testing.tolerances import fft_error_scale
from specref.transforms.fourier import (
    fft,
    fft_adjoint,
    ifft,
    ifft_adjoint,
    irfft,
    irfft_adjoint,
    rfft,
    rfft_adjoint,
)
from specref.transforms.structural import crop_or_pad, crop_or_pad_adjoint

__all__ = ["rfft2_pruned", "rfft2_pruned_adjoint", "irfft2_pruned", "irfft2_pruned_adjoint"]


def _check(s, cols: int, what: str) -> tuple:
    if s is None or len(s) != 2:
        raise ValueError(f"{what}: s must be two lengths (rows, columns), got {s!r}")
    rows, n = (check_positive_int(v, name="s") for v in s)
    cols = check_positive_int(cols, name="cols")
    if cols > n // 2 + 1:
        raise ValueError(f"{what}: cols = {cols} exceeds the s[1] // 2 + 1 = {n // 2 + 1} bins of the rfft")
    return rows, n, cols


def rfft2_pruned(x, *, s, cols: int, norm="backward"):
    r"""The first ``cols`` columns of ``rfft2(x, s=s)`` over the last two axes, the row DFT on those only.

    .. math:: y_{k_0 k_1} = c \sum_{j_0 < s_0} \sum_{j_1 < s_1} x_{j_0 j_1}\,
              e^{-2\pi i (j_0 k_0 / s_0 + j_1 k_1 / s_1)}, \qquad 0 \le k_0 < s_0,\ 0 \le k_1 < m

    Parameters
    ----------
    x : real array (..., L0, L1), float32 or float64
        Cropped or zero-padded to ``s`` along the last two axes.
    s : (int, int)
        Transform lengths (rows, columns).
    cols : int
        :math:`m \le s_1 // 2 + 1` kept bins of the last axis.
    norm : {"backward", "ortho", "forward"}

    Returns
    -------
    complex array (..., s0, cols) of the precision of ``x``.
    """
    rows, n, cols = _check(s, cols, "rfft2_pruned")
    half = crop_or_pad(rfft(x, n=n, axis=-1, norm=norm), cols, axis=-1)  # C_m R_1
    return fft(half, n=rows, axis=-2, norm=norm)  # F_0


def rfft2_pruned_adjoint(y, *, input_shape, s, cols: int, norm="backward"):
    r""":math:`R_1^{*} C_m^{\mathsf T} F_0^{*} y`: the adjoint of :func:`rfft2_pruned` in the real inner product,
    real of ``input_shape``."""
    rows, n, cols = _check(s, cols, "rfft2_pruned_adjoint")
    lead = tuple(input_shape[:-1])
    dhalf = fft_adjoint(y, input_shape=(*lead, cols), n=rows, axis=-2, norm=norm)
    dfull = crop_or_pad_adjoint(dhalf, input_shape=(*lead, n // 2 + 1), n=cols, axis=-1)
    return rfft_adjoint(dfull, input_shape=tuple(input_shape), n=n, axis=-1, norm=norm)


def irfft2_pruned(z, *, s, norm="backward"):
    r"""``irfft2`` of ``z`` zero-padded to ``s[1] // 2 + 1`` columns: the row inverse DFT on ``z``'s columns only.

    .. math:: x = R_1^{-1} C_m^{\mathsf T} F_0^{-1} z, \qquad m = z.\text{shape}[-1] \le s_1 // 2 + 1

    Parameters
    ----------
    z : complex array (..., L0, m)
        Its rows cropped or zero-padded to ``s[0]`` (NumPy's ``s``).
    s : (int, int)
        Output lengths (rows, columns).
    norm : {"backward", "ortho", "forward"}

    Returns
    -------
    real array (..., s0, s1) of the precision of ``z``.
    """
    rows, n, cols = _check(s, z.shape[-1], "irfft2_pruned")
    rows_done = ifft(z, n=rows, axis=-2, norm=norm)  # F_0^{-1}
    return irfft(crop_or_pad(rows_done, n // 2 + 1, axis=-1), n=n, axis=-1, norm=norm)  # R_1^{-1} C_m^T


def irfft2_pruned_adjoint(y, *, input_shape, s, norm="backward"):
    r""":math:`F_0^{-*} C_m (R_1^{-1})^{*} y`: the adjoint of :func:`irfft2_pruned` in the real inner product,
    complex of ``input_shape``."""
    rows, n, cols = _check(s, input_shape[-1], "irfft2_pruned_adjoint")
    lead = tuple(input_shape[:-2])
    dfull = irfft_adjoint(y, input_shape=(*lead, rows, n // 2 + 1), n=n, axis=-1, norm=norm)
    dcols = crop_or_pad_adjoint(dfull, input_shape=(*lead, rows, cols), n=n // 2 + 1, axis=-1)
    return ifft_adjoint(dcols, input_shape=tuple(input_shape), n=rows, axis=-2, norm=norm)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _error_scale(p):
    return fft_error_scale(max(p["shape"][-2], p["s"][0]) * max(p["shape"][-1], p["s"][1]))


_REASON = ("an rfft of s1 and a DFT of s0 points per entry, the norm per axis: the 2-D FFT's "
           "2 (1 + log2(s0 s1)) (transforms.fourier), one extra rounding within the constant")

# odd and even lengths, rows padded and cropped, every norm, cols from 1 to s1 // 2 + 1
_GRID = (
    {"shape": (4, 6), "s": (4, 6), "cols": 2, "norm": "backward"},
    {"shape": (3, 5), "s": (6, 5), "cols": 3, "norm": "ortho"},  # rows padded, all bins of an odd length
    {"shape": (2, 5, 7), "s": (3, 8), "cols": 5, "norm": "forward"},  # rows cropped, columns padded, Nyquist kept
    {"shape": (7, 4), "s": (7, 4), "cols": 1, "norm": "ortho"},  # DC column only
)
_GRID_INVERSE = (
    {"shape": (4, 2), "s": (4, 6), "norm": "backward"},
    {"shape": (3, 3), "s": (6, 5), "norm": "ortho"},  # rows padded, all bins of an odd length
    {"shape": (2, 5, 5), "s": (3, 8), "norm": "forward"},  # rows cropped, Nyquist bin included
    {"shape": (7, 1), "s": (7, 4), "norm": "ortho"},  # DC column only
)



def _rfft2_reference(x, *, s, cols, norm):
    """numpy.fft.rfft2 of the whole spectrum, its first ``cols`` columns."""
    return np.fft.rfft2(x, s=s, norm=norm)[..., :cols]


def _irfft2_reference(z, *, s, norm):
    """numpy.fft.irfft2 of ``z`` zero-padded to ``s[1] // 2 + 1`` columns."""
    full = np.zeros((*z.shape[:-1], s[1] // 2 + 1), dtype=z.dtype)
    full[..., : z.shape[-1]] = z
    return np.fft.irfft2(full, s=s, norm=norm)


CASES = [
    Case(name="rfft2_pruned", forward=rfft2_pruned, adjoint=rfft2_pruned_adjoint,
         make=partial(random_input, complex_input=False), grid=_GRID, error_scale=_error_scale,
         error_reason=_REASON, reference=_rfft2_reference),
    Case(name="irfft2_pruned", forward=irfft2_pruned, adjoint=irfft2_pruned_adjoint,
         make=partial(random_input, complex_input=True), grid=_GRID_INVERSE, error_scale=_error_scale,
         error_reason=_REASON, reference=_irfft2_reference),
]
