"""State-space kernels beyond spectrans: HiPPO matrices and their normal-plus-low-rank and diagonal forms
(:mod:`~specref.ssm.hippo`), the S4D convolution kernel with its hand-written VJP and the recurrent scan it
unrolls (:mod:`~specref.ssm.s4d`). The deep paths keep working."""

from specref.ssm import hippo as _hippo
from specref.ssm import s4d as _s4d
from specref.ssm.hippo import *  # noqa: F403
from specref.ssm.s4d import *  # noqa: F403

__all__ = [*_hippo.__all__, *_s4d.__all__]
