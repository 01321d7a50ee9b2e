r"""The benchmark case type: what a component registers so that ``specref bench`` can time it against peers.

A :class:`BenchCase` names a component (a layer, a transform, a kernel, a hot loop), its family, the points
it is timed at, and how to build, for one point and one dtype, the zero-argument callables of specref and of
each peer. Nothing here imports a family or a peer: the families' cases live in :mod:`specref.bench.cases`,
and a peer's builder imports its library when it runs (raising :class:`PeerUnavailable` when it is missing).

The timed operations of every implementation are the same two:

* ``forward``: the output from the input (a layer in inference mode, a transform);
* ``forward_backward``: the forward and every gradient a training step needs (the input's and every
  parameter's: specref's hand-written backward, the peer's ``torch.autograd.grad`` or ``jax.vjp`` under
  ``jax.jit``); for a linear operator, the forward and its adjoint.

``bound`` is an implementation like the peers, the FFT-pass bound of an FFT layer: the FFTs the math cannot
avoid, with the fastest engine specref can call (scipy.fft, with the ``workers`` specref would use), timed in
the same run. A ratio specref/bound near 1 says that nothing but the unavoidable FFTs costs time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["Run", "Setup", "Sweep", "BenchCase", "PeerUnavailable", "COMPLEXITIES"]


class PeerUnavailable(RuntimeError):
    """A peer cannot run here (its library is missing, or it has no such configuration); the message says why."""


@dataclass(frozen=True)
class Run:
    """One implementation at one point: zero-argument callables (None: this implementation has no such mode).

    ``floor_bytes``: the bytes of the arrays the backward needs kept from the forward (the context's arrays),
    the memory floor of a forward+backward; set for specref only.
    """

    forward: Callable | None
    forward_backward: Callable | None
    floor_bytes: int | None = None


@dataclass(frozen=True)
class Setup:
    """specref's :class:`Run` at one point, and what the peers' builders read (inputs, the layer, its config)."""

    specref: Run
    data: Mapping = field(default_factory=lambda: MappingProxyType({}))


# The complexity a docs page claims, as a function of the swept size n: the sweep compares the measured
# log-log slope with the slope of this function fitted over the same sizes.
COMPLEXITIES: dict[str, Callable[[float], float]] = {
    "n": lambda n: n,
    "n log n": lambda n: n * math.log2(n),
    "n^1.5": lambda n: n**1.5,  # the Monarch DFT: two matmuls of sqrt(n) x sqrt(n) per row
    "n^2": lambda n: n * n,
    "n^2 log n": lambda n: n * n * math.log2(n),
    "n^3": lambda n: n**3,
}


@dataclass(frozen=True)
class Sweep:
    """A scaling sweep: ``param`` of the point takes ``values`` (``quick``: the short list), the rest fixed at
    ``base``; ``claim`` names the docs' complexity in that size (a key of :data:`COMPLEXITIES`)."""

    param: str
    values: tuple
    quick: tuple
    base: Mapping
    claim: str

    def __post_init__(self):
        if self.claim not in COMPLEXITIES:
            raise ValueError(f"Sweep claim {self.claim!r} is not one of {sorted(COMPLEXITIES)}")


@dataclass(frozen=True)
class BenchCase:
    """A component's benchmark registration.

    Parameters
    ----------
    name : str
        The component (``"GlobalFilterMixing"``, ``"rfft"``, ``"fwht"``); ``specref bench NAME`` selects it.
    family : str
        ``"mixing"``, ``"attention"``, ``"operators"``, ``"transforms"``, ``"kernels"``, ``"fast paths"``...;
        ``specref bench FAMILY`` selects every case of the family.
    setup : callable
        ``setup(point, dtype, rng) -> Setup``: specref's callables at ``point`` (a dict of sizes) in ``dtype``,
        inputs drawn from the ``numpy.random.Generator`` ``rng``.
    grid, quick : tuple of dict
        The points of a full run and of ``--quick``.
    peers : mapping of str to callable
        ``peer(setup, point, dtype) -> Run``, by the peer's column name (``"torch"``, ``"jax"``, ``"bound"``,
        ``"pywt"``, ``"reference"``...). A builder raises :class:`PeerUnavailable` when it cannot run.
    label : callable, optional
        ``label(point) -> str`` for the table (default: ``k=v`` pairs).
    dtypes : tuple of str
    quick_dtypes : tuple of str, optional
        The dtypes of ``--quick`` when fewer than ``dtypes`` (the whole models: one dtype keeps the quick run of
        every component within its minutes; the full run times both).
    sweep : Sweep, optional
    goals : mapping of str to float
        The issue's goal per peer column: specref/peer at or below it is met (``{"torch": 0.8, "bound": 1.3}``).
    peer_note : str
        What the peer columns are, for the report (``"spectrans under torch autograd"``).
    """

    name: str
    family: str
    setup: Callable
    grid: tuple
    quick: tuple
    peers: Mapping = field(default_factory=lambda: MappingProxyType({}))
    label: Callable | None = None
    dtypes: tuple = ("float32", "float64")
    quick_dtypes: tuple | None = None
    sweep: Sweep | None = None
    goals: Mapping = field(default_factory=lambda: MappingProxyType({}))
    peer_note: str = ""

    def point_label(self, point: Mapping) -> str:
        if self.label is not None:
            return self.label(point)
        return " ".join(f"{k}={v}" for k, v in point.items())
