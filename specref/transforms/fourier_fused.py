r"""The fused Fourier step: one axis's whole chain in one pass, the alternative core the public transforms run.

A public transform of :mod:`specref.transforms.fourier` is, along each axis, the chain of
:func:`~specref.transforms.structural.axis_chain`:

.. math:: A = M^{-1} \circ c \circ K \circ P \circ M

(move the axis last, crop or zero-pad, the core :math:`K` of :mod:`specref.transforms.fourier_core`, the
real norm factor :math:`c`, move back). :func:`fused_axis_step` computes the same maps in the same order
with the same arithmetic as one :class:`~specref.transforms.structural.Step`, given to ``axis_chain`` as
its ``fused=`` alternative core (docs/design.md):

* the engine is given ``axis`` instead of moving it: each line is copied into the engine's buffer and
  transformed either way, so every line's result is the same, and no transposed copy is made (results
  keep the input's C layout);
* the factor :math:`c` multiplies the array the core just allocated in place (the same multiplication as
  :func:`~specref.transforms.structural.scale`'s ``x * c``), and in the adjoint the Hermitian weights
  :math:`1/w_k` are written into the cotangent's scaled copy when there is one.

tests/transforms/test_fourier_fused.py checks, bit for bit, that every fused step returns what the plain
chain of steps returns, forward and adjoint (NaN, Inf, signed zeros and subnormals included; only the sign
of a NaN is not compared).
"""

from __future__ import annotations

from functools import partial

from specref.transforms.fourier_core import (
    _c2c_along,
    _c2r_adjoint_along,
    _c2r_along,
    _r2c_adjoint_weighted_along,
    _r2c_along,
)
from specref.transforms.structural import Step, crop_or_pad, scale

__all__ = ["fused_axis_step"]


def fused_axis_step(
    shape: tuple, axis: int, length: int, factor: float, out_shape: tuple, *, kind: str, n: int, inverse: bool
) -> Step:
    """One axis's chain ``move_axis, crop_or_pad, core, scale, move_axis`` as one :class:`Step`.

    The ``fused=`` core of :func:`~specref.transforms.structural.axis_chain`, which passes the input's
    ``shape``, the normalised ``axis``, the crop or pad ``length``, the norm ``factor`` and the chain's
    ``out_shape``; bind the Fourier keywords first (``partial(fused_axis_step, kind=..., n=...,
    inverse=...)``).

    Parameters
    ----------
    kind : {"c2c", "r2c", "c2r"}
        The core.
    n : int
        The transform length (for c2r the output length; ``length`` is then its ``n // 2 + 1`` bins).
    inverse : bool
        c2c only: :math:`F^H` instead of :math:`F`.
    """
    kw = {"kind": kind, "axis": axis, "n": n, "factor": factor, "inverse": inverse}
    forward = partial(_fused_forward, length=length, **kw)
    adjoint = partial(_fused_adjoint, input_length=shape[axis], **kw)
    return Step(f"{kind}_along_axis", forward, adjoint, tuple(out_shape))


def _fused_forward(x, *, kind: str, axis: int, length: int, n: int, factor: float, inverse: bool):
    r"""The forward chain of one axis with the engine's ``axis``: crop or pad, core along ``axis``, scale.

    Moving ``axis`` last, transforming the last axis and moving it back computes each line's transform
    with the same arithmetic as transforming along ``axis`` in place (the engine copies each line into a
    buffer either way); ``scale`` multiplies the core's new output in place, the same multiplication as
    :func:`~specref.transforms.structural.scale`'s ``x * factor``.
    """
    x = crop_or_pad(x, length, axis)
    if kind == "c2c":
        y = _c2c_along(x, axis, inverse=inverse)
    elif kind == "r2c":
        y = _r2c_along(x, axis)
    else:
        y = _c2r_along(x, n, axis, fresh=False)
    if factor != 1.0:
        y *= factor  # y is the engine's new array
    return y


def _fused_adjoint(y, *, kind: str, axis: int, n: int, factor: float, inverse: bool, input_length: int):
    """The adjoint chain of one axis (the forward's steps reversed): scale, core adjoint, crop or pad back."""
    z = scale(y, factor)  # a new array unless factor == 1
    fresh = factor != 1.0
    if kind == "c2c":
        z = _c2c_along(z, axis, inverse=not inverse)
    elif kind == "r2c":
        z = _r2c_adjoint_weighted_along(z, n, axis, fresh=fresh)
    else:
        z = _c2r_adjoint_along(z, n, axis)
    return crop_or_pad(z, input_length, axis)
