"""Kernels and random-feature maps of ``spectrans.kernels``, with a VJP beside each differentiable method.

Every public name of the modules is re-exported here (``from specref.kernels import GaussianRFFKernel``);
each module's ``__all__`` is the one list, concatenated below: :mod:`~specref.kernels.base` (the interfaces
and the exact kernels), :mod:`~specref.kernels.rff` (random Fourier features),
:mod:`~specref.kernels.rff_structured` (orthogonal and Hadamard-structured features),
:mod:`~specref.kernels.attention_features` (FAVOR+, ReLU and ELU+1 features),
:mod:`~specref.kernels.spectral` and :mod:`~specref.kernels.spectral_eigen` (spectral kernels), and
:mod:`~specref.kernels.cases` (the builders of their verification cases). The deep paths keep working.
"""

from specref.kernels import attention_features as _attention_features
from specref.kernels import base as _base
from specref.kernels import cases as _cases
from specref.kernels import rff as _rff
from specref.kernels import rff_structured as _rff_structured
from specref.kernels import spectral as _spectral
from specref.kernels import spectral_eigen as _spectral_eigen
from specref.kernels.attention_features import *  # noqa: F403
from specref.kernels.base import *  # noqa: F403
from specref.kernels.cases import *  # noqa: F403
from specref.kernels.rff import *  # noqa: F403
from specref.kernels.rff_structured import *  # noqa: F403
from specref.kernels.spectral import *  # noqa: F403
from specref.kernels.spectral_eigen import *  # noqa: F403

__all__ = [
    *_base.__all__,
    *_rff.__all__,
    *_rff_structured.__all__,
    *_attention_features.__all__,
    *_spectral.__all__,
    *_spectral_eigen.__all__,
    *_cases.__all__,
]
