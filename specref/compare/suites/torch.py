"""torch.fft against specref.transforms: every FFT pair, output and autograd gradients, in float64.

The points are the shared table :data:`specref.compare.suites._fft_family.POINTS`: ``fft``/``ifft``,
``rfft``/``irfft``, ``fft2``/``ifft2``, ``rfft2``/``irfft2``, ``fftn``/``ifftn``, ``rfftn``/``irfftn`` at odd
and even lengths, a transform length cropping or padding the input, a non-last axis or unsorted axes, every
norm at every point (a case costs milliseconds). The inputs of the c2r transforms are random half spectra,
not Hermitian (the imaginary parts the transform discards get zero gradient on both sides). specref's
``axis``/``axes`` are torch's ``dim``.
"""

from __future__ import annotations

from specref.compare.suites import SuiteCase, torch_conv_norm
from specref.compare.suites._fft_family import POINTS, fft_cases

__all__ = ["cases", "POINTS"]


def cases() -> list[SuiteCase]:
    return fft_cases("torch", "torch.fft", "torch", POINTS, renames={"axis": "dim", "axes": "dim"},
                     every_norm=True) + torch_conv_norm.cases()
