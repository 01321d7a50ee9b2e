"""Random inputs for verification cases: the one generator transforms' cases share.

Draws go through :func:`specref.backend.random_normal` (host float64, cast, then moved), so the same seed
gives the same inputs on every backend.
"""

from __future__ import annotations

from specref.backend import complex_dtype, dtype_name, random_normal
from specref.testing.case import Inputs

__all__ = ["random_input"]


def random_input(rng, xp, dtype, *, shape, complex_input=False, **kwargs) -> Inputs:
    """A case's one input: standard normal of ``shape``, complex of ``dtype``'s precision if ``complex_input``;
    the remaining grid parameters are the forward's keywords."""
    name = dtype_name(complex_dtype(dtype, xp)) if complex_input else dtype
    return Inputs((random_normal(rng, shape, dtype=name, xp=xp),), kwargs)
