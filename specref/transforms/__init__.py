"""Linear operators with exact adjoints: ``name(x, **kw)`` and ``name_adjoint(y, *, input_shape, **kw)``.

Every public name of the family modules is re-exported here (``from specref.transforms import rfft,
rfft_adjoint``), as :mod:`scipy.fft` does; each module's ``__all__`` is the one list, concatenated below:
:mod:`~specref.transforms.fourier` (numpy.fft's transforms) with its cores
:mod:`~specref.transforms.fourier_core` and :mod:`~specref.transforms.fourier_fused`,
:mod:`~specref.transforms.fourier_pruned` (the first columns of rfft2, and back),
:mod:`~specref.transforms.cosine` (scipy.fft's DCT/DST), :mod:`~specref.transforms.mdct`,
:mod:`~specref.transforms.hadamard`, :mod:`~specref.transforms.slant`, :mod:`~specref.transforms.wavelet`
(pywt's transforms; it re-exports :mod:`~specref.transforms.wavelet_dwt`,
:mod:`~specref.transforms.wavelet_multilevel`, :mod:`~specref.transforms.wavelet_multilevel2d`,
:mod:`~specref.transforms.wavelet_swt` and :mod:`~specref.transforms.wavelet_swt2`),
:mod:`~specref.transforms.pooling`, :mod:`~specref.transforms.rotary` (rotary position embedding),
:mod:`~specref.transforms.monarch` (the DFT as two small DFT matmuls and a twiddle),
:mod:`~specref.transforms.butterfly` (learnable butterfly factorisations),
:mod:`~specref.transforms.interpolate`,
:mod:`~specref.transforms.hermitian`, and :mod:`~specref.transforms.structural` (the steps every chain is
built from). ``_shared`` is private and exports nothing here. The deep paths keep working.

Three functions share their module's name: after this import, ``specref.transforms.hadamard``,
``specref.transforms.slant`` and ``specref.transforms.mdct`` are the functions (as ``specref.ops.softmax``
is). The modules stay reachable with ``from specref.transforms.mdct import imdct`` or
``importlib.import_module("specref.transforms.mdct")``.

Importing this package imports Numba (the Hadamard transform's hot loop, :mod:`specref._jit.fwht`);
``import specref`` alone does not. tests/test_public.py checks that no two modules export one name for two
different objects.
"""

from specref.transforms import butterfly as _butterfly
from specref.transforms import cosine as _cosine
from specref.transforms import fourier as _fourier
from specref.transforms import fourier_core as _fourier_core
from specref.transforms import fourier_fused as _fourier_fused
from specref.transforms import fourier_pruned as _fourier_pruned
from specref.transforms import hadamard as _hadamard
from specref.transforms import hermitian as _hermitian
from specref.transforms import interpolate as _interpolate
from specref.transforms import mdct as _mdct
from specref.transforms import monarch as _monarch
from specref.transforms import pooling as _pooling
from specref.transforms import rotary as _rotary
from specref.transforms import slant as _slant
from specref.transforms import structural as _structural
from specref.transforms import wavelet as _wavelet
from specref.transforms.butterfly import *  # noqa: F403
from specref.transforms.cosine import *  # noqa: F403
from specref.transforms.fourier import *  # noqa: F403
from specref.transforms.fourier_core import *  # noqa: F403
from specref.transforms.fourier_fused import *  # noqa: F403
from specref.transforms.fourier_pruned import *  # noqa: F403
from specref.transforms.hadamard import *  # noqa: F403
from specref.transforms.hermitian import *  # noqa: F403
from specref.transforms.interpolate import *  # noqa: F403
from specref.transforms.mdct import *  # noqa: F403
from specref.transforms.monarch import *  # noqa: F403
from specref.transforms.pooling import *  # noqa: F403
from specref.transforms.rotary import *  # noqa: F403
from specref.transforms.slant import *  # noqa: F403
from specref.transforms.structural import *  # noqa: F403
from specref.transforms.wavelet import *  # noqa: F403

# hadamard and slant both export ORDERS (the same tuple, from _shared): listed once.
__all__ = list(
    dict.fromkeys(
        [
            *_fourier.__all__,
            *_fourier_core.__all__,
            *_fourier_fused.__all__,
            *_fourier_pruned.__all__,
            *_cosine.__all__,
            *_mdct.__all__,
            *_hadamard.__all__,
            *_slant.__all__,
            *_wavelet.__all__,
            *_pooling.__all__,
            *_rotary.__all__,
            *_monarch.__all__,
            *_butterfly.__all__,
            *_interpolate.__all__,
            *_hermitian.__all__,
            *_structural.__all__,
        ]
    )
)
