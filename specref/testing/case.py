"""The ``Case`` type: one registered verification case (docs/design.md).

This module is a leaf: it imports no family module, so every family can import it and put a ``CASES`` list
at its bottom, and :mod:`specref.testing.registry` can import every family without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["Case", "Inputs"]


@dataclass(frozen=True)
class Inputs:
    """What a case's generator returns: positional inputs and keyword arguments of the forward."""

    args: tuple
    kwargs: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """A verification case: an op, how to draw its inputs, and which checks apply.

    Parameters
    ----------
    name : str
        The registered name: a function's name (``"rfft"``, ``"gelu"``) or a class name
        (``"GlobalFilterMixing"``). Unique across the registry.
    forward : callable
        ``forward(*inputs.args, **inputs.kwargs)``.
    make : callable
        ``make(rng, xp, dtype, **params) -> Inputs``: draws the inputs for one grid point. ``rng`` is a
        ``numpy.random.Generator``, ``xp`` the namespace, ``dtype`` a dtype name such as ``"float32"``.
    adjoint : callable, optional
        For a linear op: ``adjoint(y, *, input_shape, **inputs.kwargs)``. Enables the ``adjoint`` and
        ``dense_adjoint`` checks.
    vjp : callable, optional
        For a nonlinear op: ``vjp(dy, *inputs.args, y, **inputs.kwargs)``. Enables the ``vjp`` check.
    argnums : tuple of int
        The differentiable positional inputs, in the order ``vjp`` returns their gradients.
    complex_linear : bool
        The op is C-linear (not only R-linear): the dot test also compares imaginary parts.
    grid, full_grid : tuple of dict
        Parameter points for ``make``: the representative grid of ``specref verify`` and the one of
        ``specref verify --full`` (defaults to ``grid``).
    dtypes : tuple of str
        Dtype names the case runs in.
    error_scale : float or callable
        The claim ``c``: the forward is computed with relative error ``c * eps``; a callable receives the
        grid point's params. Every bound of the case is derived from it (specref.testing.tolerances).
    error_reason : str
        Why ``error_scale`` holds (printed with each bound).
    reference : callable, optional
        An independent implementation on NumPy (``numpy.fft.rfft``, ``pywt.wavedec``...): called with host
        copies of the inputs, compared normwise with bound ``2 c eps`` (or ``reference_bound`` if given).
    reference_bound : callable, optional
        ``reference_bound(params, dtype) -> Bound`` overriding the default reference bound.
    extra_checks : tuple of callables
        ``check(inputs, *, xp, dtype, params, rng) -> CheckResult`` for family-specific properties
        (oracle, round trip, Parseval...).
    backend_limits : mapping
        Backend name -> reason this case cannot run there (a documented limit; reported as a skip).
    dense : bool
        Run ``dense_adjoint`` where both spaces are small enough.
    """

    name: str
    forward: Callable
    make: Callable
    adjoint: Callable | None = None
    vjp: Callable | None = None
    argnums: tuple = (0,)
    complex_linear: bool = False
    grid: tuple = ({},)
    full_grid: tuple | None = None
    dtypes: tuple = ("float64", "float32")
    error_scale: float | Callable = 8.0
    error_reason: str = "elementwise arithmetic: a few roundings per entry"
    reference: Callable | None = None
    reference_bound: Callable | None = None
    extra_checks: tuple = ()
    backend_limits: Mapping = field(default_factory=lambda: MappingProxyType({}))
    dense: bool = True

    def __post_init__(self):
        if (self.adjoint is None) == (self.vjp is None) and not self.extra_checks and self.reference is None:
            raise ValueError(f"case {self.name!r} needs an adjoint (linear op) or a vjp (nonlinear op)")
        if self.adjoint is not None and self.vjp is not None:
            raise ValueError(f"case {self.name!r}: give an adjoint (linear op) or a vjp, not both")

    @property
    def kind(self) -> str:
        """``"linear"`` (has an adjoint), ``"nonlinear"`` (has a VJP) or ``"property"``."""
        if self.adjoint is not None:
            return "linear"
        if self.vjp is not None:
            return "nonlinear"
        return "property"

    def points(self, full: bool = False) -> tuple:
        """The grid points of a normal or a ``--full`` run."""
        return tuple(self.full_grid) if full and self.full_grid is not None else tuple(self.grid)

    def scale_for(self, params: Mapping) -> float:
        """The error scale ``c`` at one grid point."""
        return float(self.error_scale(params) if callable(self.error_scale) else self.error_scale)
