"""jax.numpy.fft against specref.transforms: rfft and irfft, output and ``jax.vjp`` gradients.

Odd and even lengths, a cropped or padded transform length, a non-last axis, every norm, in float64
(``jax_enable_x64`` is switched on first: without it JAX computes float64 input in float32). JAX's
gradients are conjugated into specref's convention by the adapter (:mod:`specref.compare.frameworks`).
"""

from __future__ import annotations

from specref.compare.suites import SuiteCase
from specref.compare.suites._fft_family import fft_cases

__all__ = ["cases", "POINTS"]

# (specref function, input shape, complex input, keywords)
POINTS = (
    ("rfft", (2, 8), False, {}),
    ("rfft", (2, 7), False, {"n": 9}),
    ("rfft", (9, 2), False, {"n": 6, "axis": 0}),
    ("irfft", (2, 5), True, {}),  # n = 8
    ("irfft", (2, 4), True, {"n": 7}),
    ("irfft", (3, 2), True, {"n": 9, "axis": 0}),  # 3 bins padded to 5 along a non-last axis
)


def _enable_x64() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)  # without it JAX computes float64 input in float32


def cases() -> list[SuiteCase]:
    return fft_cases("jax", "jax.numpy.fft", "jax", POINTS, renames={}, prepare=_enable_x64)
