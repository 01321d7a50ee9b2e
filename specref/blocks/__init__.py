"""Transformer blocks composing the layers (spectrans's ``spectrans.blocks``): pre-norm, post-norm and parallel
blocks around any layer (:mod:`~specref.blocks.base`), a pre-norm block per spectral layer
(:mod:`~specref.blocks.spectral`), and the hybrid blocks (:mod:`~specref.blocks.hybrid`). docs/blocks.md has
the math of each and the backward of a residual branch, a pre-norm and a post-norm block and a gated mixture.

``specref.blocks.FNOBlock`` is spectrans's ``blocks.FNOBlock``; the operators' block of the same name is
:class:`specref.layers.operators.FNOBlock` (another layout, spectrans #30).
"""

from specref.blocks import base as _base
from specref.blocks import hybrid as _hybrid
from specref.blocks import spectral as _spectral
from specref.blocks.base import *  # noqa: F403
from specref.blocks.hybrid import *  # noqa: F403
from specref.blocks.spectral import *  # noqa: F403

__all__ = [*_base.__all__, *_spectral.__all__, *_hybrid.__all__]
