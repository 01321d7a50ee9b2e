r"""Discrete wavelet transforms equal to pywt's, 1D and 2D, single level, multilevel and
stationary, with exact adjoints.

The family's public names in one place (``from specref.transforms.wavelet import wavedec``), defined in
six modules along its seams:

==============================================  ===============================================================
:mod:`specref.transforms.wavelet_bank`          the filter bank: wavelets, modes, lengths (``MODES``,
                                                ``dwt_coeff_len``, ``dwt_max_level``, re-exported by the next)
:mod:`specref.transforms.wavelet_dwt`           one level: ``dwt``, ``idwt``, ``dwt2``, ``idwt2`` and their
                                                adjoints
:mod:`specref.transforms.wavelet_multilevel`    ``wavedec``, ``waverec`` (1D, ``level`` times ``dwt``/``idwt``)
:mod:`specref.transforms.wavelet_multilevel2d`  ``wavedec2``, ``waverec2`` (2D, ``level`` times ``dwt2``/``idwt2``)
:mod:`specref.transforms.wavelet_swt`           the stationary (undecimated) transform: ``swt``, ``iswt``,
                                                ``swt_max_level`` (1D)
:mod:`specref.transforms.wavelet_swt2`          ``swt2``, ``iswt2`` (2D)
==============================================  ===============================================================

Coefficients, their lengths and their layout are pywt's, for every discrete wavelet pywt knows and all nine
boundary modes (:data:`MODES`). The forwards are drop-ins for pywt's functions of the same names: pywt's
positional order, Python sequences, integer and bool input promoted to float64, ``None`` bands as zeros, one
wavelet and one mode per axis in the 2D transforms; float16, long double and bands of two precisions are
refused on purpose (TypeError; :mod:`specref.transforms.wavelet_dwt` says why).

One level along one axis is a filter bank,

.. math:: c^A_o = \sum_{j=0}^{F-1} h_j\,(Ex)_{2o+F-1-j}, \qquad c^D_o = \sum_{j=0}^{F-1} g_j\,(Ex)_{2o+F-1-j},

with :math:`E` the extension of the boundary mode; the synthesis is the transpose of such an analysis, so
the two loops of :mod:`specref._jit.dwt_filterbank` compute every map of the family. Every adjoint is the
forward's chain reversed, each step replaced by its adjoint. The derivations are in the modules'
docstrings and in docs/transforms/wavelet.md.
"""

from __future__ import annotations

from specref.transforms.wavelet_dwt import (
    MODES,
    _error_scale,  # noqa: F401  (the family's error scale c, read by benchmarks/bench_dwt.py)
    dwt,
    dwt2,
    dwt2_adjoint,
    dwt_adjoint,
    dwt_coeff_len,
    dwt_max_level,
    idwt,
    idwt2,
    idwt2_adjoint,
    idwt_adjoint,
)
from specref.transforms.wavelet_multilevel import wavedec, wavedec_adjoint, wavedec_shapes, waverec, waverec_adjoint
from specref.transforms.wavelet_multilevel2d import (
    wavedec2,
    wavedec2_adjoint,
    wavedec2_shapes,
    waverec2,
    waverec2_adjoint,
)
from specref.transforms.wavelet_swt import iswt, iswt_adjoint, swt, swt_adjoint, swt_max_level
from specref.transforms.wavelet_swt2 import iswt2, iswt2_adjoint, swt2, swt2_adjoint

# No CASES here: each case is registered once, in the module that defines its transform.
# __all__: the five modules' (tests/transforms/test_wavelet.py checks that it is their union).
__all__ = [
    "MODES", "dwt_coeff_len", "dwt_max_level", "dwt", "dwt_adjoint", "idwt", "idwt_adjoint", "dwt2",
    "dwt2_adjoint", "idwt2", "idwt2_adjoint",
    "wavedec_shapes", "wavedec", "wavedec_adjoint", "waverec", "waverec_adjoint",
    "wavedec2_shapes", "wavedec2", "wavedec2_adjoint", "waverec2", "waverec2_adjoint",
    "swt_max_level", "swt", "swt_adjoint", "iswt", "iswt_adjoint", "swt2", "swt2_adjoint", "iswt2", "iswt2_adjoint",
]
