"""torch.fft against specref.transforms: fft, rfft, irfft and fft2, output and autograd gradients.

Odd and even lengths, a transform length cropping or padding the input, a non-last axis, every norm. The
inputs of irfft are random half spectra, not Hermitian (the imaginary parts of DC and, for even n, Nyquist
are ignored by both, and get zero gradient). specref's ``axis``/``axes`` are torch's ``dim``.
"""

from __future__ import annotations

from specref.compare.suites import SuiteCase
from specref.compare.suites._fft_family import fft_cases

__all__ = ["cases", "POINTS"]

# (specref function, input shape, complex input, keywords)
POINTS = (
    ("fft", (2, 8), True, {}),
    ("fft", (2, 7), True, {"n": 9}),  # odd length padded to odd
    ("fft", (5, 3), True, {"n": 4, "axis": 0}),  # non-last axis, cropped to even
    ("rfft", (2, 8), False, {}),
    ("rfft", (2, 7), False, {}),
    ("rfft", (9, 2), False, {"n": 6, "axis": 0}),
    ("irfft", (2, 5), True, {}),  # n = 8
    ("irfft", (2, 4), True, {"n": 7}),  # odd n, bins equal
    ("irfft", (2, 3), True, {"n": 9}),  # odd n, 3 bins padded to 5
    ("fft2", (2, 4, 5), True, {}),
    ("fft2", (3, 5), True, {"s": (4, 6)}),  # pad both axes
)


def cases() -> list[SuiteCase]:
    return fft_cases("torch", "torch.fft", "torch", POINTS, renames={"axis": "dim", "axes": "dim"})
