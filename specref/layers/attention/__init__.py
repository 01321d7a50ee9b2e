"""Attention layers: exact softmax attention (:mod:`~specref.layers.attention.softmax`, torch's
``nn.MultiheadAttention``) and torch's Transformer encoder built on it
(:mod:`~specref.layers.attention.transformer`: ``TransformerEncoderLayer``, ``TransformerEncoder``);
spectrans's LST attention (:mod:`~specref.layers.attention.lst`: ``LSTAttention``, ``DCTAttention``,
``HadamardAttention``; :mod:`~specref.layers.attention.mixed`: ``MixedSpectralAttention``); spectrans's
linear-time feature attention (:mod:`~specref.layers.attention.feature`: ``SpectralAttention``,
``PerformerAttention``; :mod:`~specref.layers.attention.kernel`: ``KernelAttention``), with the study of how
well its features approximate softmax attention (:mod:`~specref.layers.attention.approximation`).

Every public name is re-exported here (``from specref.layers.attention import MultiheadAttention``); the
deep paths keep working.
"""

from specref.layers.attention import approximation as _approximation
from specref.layers.attention import feature as _feature
from specref.layers.attention import kernel as _kernel
from specref.layers.attention import lst as _lst
from specref.layers.attention import mixed as _mixed
from specref.layers.attention import softmax as _softmax
from specref.layers.attention import transformer as _transformer
from specref.layers.attention.approximation import *  # noqa: F403
from specref.layers.attention.feature import *  # noqa: F403
from specref.layers.attention.kernel import *  # noqa: F403
from specref.layers.attention.lst import *  # noqa: F403
from specref.layers.attention.mixed import *  # noqa: F403
from specref.layers.attention.softmax import *  # noqa: F403
from specref.layers.attention.transformer import *  # noqa: F403

__all__ = [*_softmax.__all__, *_transformer.__all__, *_lst.__all__, *_mixed.__all__, *_feature.__all__,
           *_kernel.__all__, *_approximation.__all__]
