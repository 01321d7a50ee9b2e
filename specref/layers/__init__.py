"""Layers with hand-written backward passes that load spectrans ``state_dict``s.

Every public name is re-exported here (``from specref.layers import GlobalFilterMixing``), as
:mod:`torch.nn` does; the lists are the ``__all__`` of :mod:`~specref.layers.base` (the ``Layer`` contract)
of :mod:`~specref.layers.feedforward` (spectrans's block feed-forward network), of
:mod:`~specref.layers.sequential` (layers in sequence, ``nn.Sequential``'s naming), and of the subpackages
:mod:`~specref.layers.mixing` (the Fourier mixing family, the global filters, the two AFNOs, wavelet mixing)
:mod:`~specref.layers.attention` (exact multi-head softmax attention and torch's Transformer encoder) and
:mod:`~specref.layers.operators` (the FNO spectral convolutions, ``FourierNeuralOperator``, the operators'
``FNOBlock``).
The deep paths keep working.
"""

from specref.layers import attention as _attention
from specref.layers import base as _base
from specref.layers import feedforward as _feedforward
from specref.layers import mixing as _mixing
from specref.layers import operators as _operators
from specref.layers import sequential as _sequential
from specref.layers.attention import *  # noqa: F403
from specref.layers.base import *  # noqa: F403
from specref.layers.feedforward import *  # noqa: F403
from specref.layers.mixing import *  # noqa: F403
from specref.layers.operators import *  # noqa: F403
from specref.layers.sequential import *  # noqa: F403

__all__ = [*_base.__all__, *_feedforward.__all__, *_mixing.__all__, *_attention.__all__, *_operators.__all__,
           *_sequential.__all__]
