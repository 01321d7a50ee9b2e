"""jax.numpy.fft and jax.scipy.fft's DCT against specref.transforms: outputs and JAX's ``vjp`` gradients, float64.

The points are the shared table :data:`specref.compare.suites._fft_family.POINTS` (every FFT pair specref
exports, odd and even lengths, a cropped or padded transform length, non-last and unsorted axes), in float64
(``jax_enable_x64`` is switched on first: without it JAX computes float64 input in float32). JAX's gradients
are conjugated into specref's convention by the adapter (:mod:`specref.compare.frameworks`).

Each point runs one norm (:func:`~specref.compare.suites._fft_family.one_norm_each`: the norms taken in
turn, so each function meets all three over its four or five points) and its peer call is
``jax.jit``-compiled. Cost, not coverage, sets this: every case compiles about a dozen XLA programs (the
forward, the linearized and the transposed parts of JAX's ``vjp``), some 0.3-0.8 s on a CPU, and eager
dispatch costs 1-2 s per new shape; every norm at every point would triple the suite's ~25 s. The FFT is
the same XLA operation with or without ``jit``; :data:`EAGER` runs a few points op by op (labels ending
``eager``) so that path is compared too.

:data:`DCT_POINTS` compares ``jax.scipy.fft``'s ``dct``, ``idct``, ``dctn``, ``idctn`` (JAX implements type 2
only, with ``norm`` None, ``"backward"`` or ``"ortho"``, and raises for the others) with specref's, with
gradients, on real and complex input, cropped/padded lengths and chosen axes.
"""

from __future__ import annotations

from specref.compare.suites import SuiteCase
from specref.compare.suites._fft_family import POINTS, fft_cases, one_norm_each

__all__ = ["cases", "POINTS", "EAGER", "DCT_POINTS"]

# One point per kind of transform (c2c, r2c, c2r) and rank, each with one norm, run op by op.
EAGER = (
    ("fft", (2, 7), True, {"n": 9, "norm": "ortho"}),
    ("irfft", (2, 4), True, {"n": 7, "norm": "forward"}),
    ("rfft2", (3, 5), False, {"s": (4, 3), "norm": "backward"}),
    ("irfftn", (2, 3, 4), True, {"s": (3, 2), "axes": (2, 0), "norm": "forward"}),
)


# jax.scipy.fft's DCT (type 2 only; norm None, "backward" or "ortho": it refuses the others), output and
# JAX vjp gradient against specref's dct family; real and complex input.
DCT_POINTS = (
    ("dct", (2, 7), False, {"type": 2, "n": 9, "norm": None}),
    ("dct", (5, 3), True, {"type": 2, "n": 4, "axis": 0, "norm": "ortho"}),
    ("idct", (2, 8), False, {"type": 2, "norm": "ortho"}),
    ("idct", (2, 6), True, {"type": 2, "n": 5, "norm": "backward"}),
    ("dctn", (2, 3, 4), False, {"type": 2, "s": (3, 3), "axes": (0, 2), "norm": None}),
    ("dctn", (3, 4), True, {"type": 2, "norm": "ortho"}),
    ("idctn", (3, 5), False, {"type": 2, "s": (4, 2), "norm": "ortho"}),
    ("idctn", (2, 3, 3), True, {"type": 2, "axes": (2, 0), "norm": None}),
)


def _enable_x64() -> None:
    import jax  # peer-only

    jax.config.update("jax_enable_x64", True)  # without it JAX computes float64 input in float32


def _jit(peer):
    import jax  # peer-only

    return jax.jit(peer)


def cases() -> list[SuiteCase]:
    return (fft_cases("jax", "jax.numpy.fft", "jax", one_norm_each(POINTS), prepare=_enable_x64, wrap=_jit, tag="jit")
            + fft_cases("jax", "jax.numpy.fft", "jax", EAGER, prepare=_enable_x64, tag="eager")
            + fft_cases("jax", "jax.scipy.fft", "jax", DCT_POINTS, prepare=_enable_x64, wrap=_jit, tag="jit"))
