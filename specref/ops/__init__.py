"""Nonlinear primitives ``f`` / ``f_vjp`` side by side, and the R-linear complex maps with their adjoints.

One family per module, each listing its primitives in its own docstring and ``__all__`` (re-exported here):
:mod:`~specref.ops.elementwise` (the entrywise nonlinearities), :mod:`~specref.ops.complex` (complex
arithmetic and the R-linear maps between complex and real arrays), :mod:`~specref.ops.softmax`,
:mod:`~specref.ops.norm`, :mod:`~specref.ops.row_normalize`, :mod:`~specref.ops.linear`,
:mod:`~specref.ops.dropout`, :mod:`~specref.ops.embedding` (token lookup and its scatter-add),
:mod:`~specref.ops.sequence_pool` (masked mean and max over a sequence), :mod:`~specref.ops.conv` (2-D convolution),
:mod:`~specref.ops.batch_norm`, :mod:`~specref.ops.activations` (the activations by name),
:mod:`~specref.ops.attention` (scaled dot-product attention), :mod:`~specref.ops.linear_attention` (linear
attention with features, causal by prefix scan), :mod:`~specref.ops.longconv` (long causal convolution by
FFT), :mod:`~specref.ops.periodic` (the sine of the learned Fourier features), and :mod:`~specref.ops.broadcast`
(``sum_to_shape``, the one unbroadcast helper). docs/ops.md tabulates every forward and VJP formula,
generated from the docstrings.

Note: ``abs`` is exported under the array API's name; ``from specref.ops import *`` would shadow the builtin.
"""

from specref.ops import activations as _activations
from specref.ops import attention as _attention
from specref.ops import batch_norm as _batch_norm
from specref.ops import broadcast as _broadcast
from specref.ops import complex as _complex
from specref.ops import conv as _conv
from specref.ops import dropout as _dropout
from specref.ops import elementwise as _elementwise
from specref.ops import embedding as _embedding
from specref.ops import linear as _linear
from specref.ops import linear_attention as _linear_attention
from specref.ops import longconv as _longconv
from specref.ops import norm as _norm
from specref.ops import periodic as _periodic
from specref.ops import row_normalize as _row_normalize
from specref.ops import sequence_pool as _sequence_pool
from specref.ops import softmax as _softmax
from specref.ops.activations import *  # noqa: F403
from specref.ops.attention import *  # noqa: F403
from specref.ops.batch_norm import *  # noqa: F403
from specref.ops.broadcast import *  # noqa: F403
from specref.ops.complex import *  # noqa: F403
from specref.ops.conv import *  # noqa: F403
from specref.ops.dropout import *  # noqa: F403
from specref.ops.elementwise import *  # noqa: F403
from specref.ops.embedding import *  # noqa: F403
from specref.ops.linear import *  # noqa: F403
from specref.ops.linear_attention import *  # noqa: F403
from specref.ops.longconv import *  # noqa: F403
from specref.ops.norm import *  # noqa: F403
from specref.ops.periodic import *  # noqa: F403
from specref.ops.row_normalize import *  # noqa: F403
from specref.ops.sequence_pool import *  # noqa: F403
from specref.ops.softmax import *  # noqa: F403

__all__ = [
    *_broadcast.__all__,
    *_complex.__all__,
    *_elementwise.__all__,
    *_softmax.__all__,
    *_norm.__all__,
    *_row_normalize.__all__,
    *_linear.__all__,
    *_dropout.__all__,
    *_embedding.__all__,
    *_sequence_pool.__all__,
    *_conv.__all__,
    *_batch_norm.__all__,
    *_activations.__all__,
    *_attention.__all__,
    *_linear_attention.__all__,
    *_longconv.__all__,
    *_periodic.__all__,
]
