"""Interoperability: the params/buffers container, torch ``state_dict`` I/O, gradient conventions.

Every public name of the modules is re-exported here (``from specref.interop import ParamContainer``); each
module's ``__all__`` is the one list, concatenated below: :mod:`~specref.interop.params`
(``ParamContainer``, the base of every layer and trainable kernel), :mod:`~specref.interop.state_dict`
(copies, prefixes, strict name and shape checks, DLPack) and :mod:`~specref.interop.gradients` (JAX's
complex-gradient convention, the conjugate of specref's and PyTorch's). The package imports nothing beyond
:mod:`specref.backend`. The deep paths keep working.
"""

from specref.interop import gradients as _gradients
from specref.interop import params as _params
from specref.interop import state_dict as _state_dict
from specref.interop.gradients import *  # noqa: F403
from specref.interop.params import *  # noqa: F403
from specref.interop.state_dict import *  # noqa: F403

__all__ = [*_params.__all__, *_state_dict.__all__, *_gradients.__all__]
