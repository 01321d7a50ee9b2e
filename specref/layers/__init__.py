"""Layers with hand-written backward passes that load spectrans ``state_dict``s.

Every public name is re-exported here (``from specref.layers import GlobalFilterMixing``), as
:mod:`torch.nn` does; the lists are the ``__all__`` of :mod:`~specref.layers.base` (the ``Layer`` contract)
and of the subpackage :mod:`~specref.layers.mixing` (the mixing layers that exist today: the Fourier mixing
family, the global filters, and the two AFNOs). The subpackages :mod:`specref.layers.attention` and
:mod:`specref.layers.operators` are empty: attention and operator (FNO) layers are planned for later issues.
The deep paths keep working.
"""

from specref.layers import base as _base
from specref.layers import mixing as _mixing
from specref.layers.base import *  # noqa: F403
from specref.layers.mixing import *  # noqa: F403

__all__ = [*_base.__all__, *_mixing.__all__]
