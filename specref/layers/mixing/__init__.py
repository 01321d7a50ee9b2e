"""Token-mixing layers with hand-written backward passes: Fourier mixing, global filters, AFNO, wavelet mixing.

Every public name of the modules is re-exported here (``from specref.layers.mixing import AFNOMixing``);
each module's ``__all__`` is the one list, concatenated below: :mod:`~specref.layers.mixing.base` (the base
classes), :mod:`~specref.layers.mixing.fourier` (``FourierMixing``, ``FourierMixing1D``,
``RealFourierMixing``, ``SeparableFourierMixing``), :mod:`~specref.layers.mixing.global_filter`
(``GlobalFilterMixing``, ``GlobalFilterMixing2D``, ``AdaptiveGlobalFilter``),
:mod:`~specref.layers.mixing.afno` (spectrans's ``AFNOMixing``),
:mod:`~specref.layers.mixing.afno_block_diagonal` (the paper's ``BlockDiagonalAFNOMixing``),
:mod:`~specref.layers.mixing.wavelet` (``WaveletMixing``) and :mod:`~specref.layers.mixing.wavelet2d`
(``WaveletMixing2D``). The deep paths keep working.
"""

from specref.layers.mixing import afno as _afno
from specref.layers.mixing import afno_block_diagonal as _afno_block_diagonal
from specref.layers.mixing import base as _base
from specref.layers.mixing import fourier as _fourier
from specref.layers.mixing import global_filter as _global_filter
from specref.layers.mixing import wavelet as _wavelet
from specref.layers.mixing import wavelet2d as _wavelet2d
from specref.layers.mixing.afno import *  # noqa: F403
from specref.layers.mixing.afno_block_diagonal import *  # noqa: F403
from specref.layers.mixing.base import *  # noqa: F403
from specref.layers.mixing.fourier import *  # noqa: F403
from specref.layers.mixing.global_filter import *  # noqa: F403
from specref.layers.mixing.wavelet import *  # noqa: F403
from specref.layers.mixing.wavelet2d import *  # noqa: F403

__all__ = [
    *_base.__all__,
    *_fourier.__all__,
    *_global_filter.__all__,
    *_afno.__all__,
    *_afno_block_diagonal.__all__,
    *_wavelet.__all__,
    *_wavelet2d.__all__,
]
