"""torch against specref: the FFT family, conv2d and batch norm, attention and the Transformer encoder.

The torch.nn modules and functions have their own suite modules, concatenated here:
:mod:`~specref.compare.suites.torch_conv_norm` (``torch.nn.functional.conv2d``, ``batch_norm`` and the
running statistics), :mod:`~specref.compare.suites.torch_attention` (``nn.MultiheadAttention``) and
:mod:`~specref.compare.suites.torch_transformer` (``nn.TransformerEncoderLayer``, ``nn.TransformerEncoder``).

torch.fft against specref.transforms: every FFT pair, output and autograd gradients, in float64.

The points are the shared table :data:`specref.compare.suites._fft_family.POINTS`: ``fft``/``ifft``,
``rfft``/``irfft``, ``fft2``/``ifft2``, ``rfft2``/``irfft2``, ``fftn``/``ifftn``, ``rfftn``/``irfftn`` at odd
and even lengths, a transform length cropping or padding the input, a non-last axis or unsorted axes, every
norm at every point (a case costs milliseconds). The inputs of the c2r transforms are random half spectra,
not Hermitian (the imaginary parts the transform discards get zero gradient on both sides). specref's
``axis``/``axes`` are torch's ``dim``.
"""

from __future__ import annotations

from specref.compare.suites import SuiteCase, torch_attention, torch_conv_norm, torch_transformer
from specref.compare.suites._fft_family import POINTS, fft_cases

__all__ = ["cases", "POINTS"]


def cases() -> list[SuiteCase]:
    return fft_cases("torch", "torch.fft", "torch", POINTS, renames={"axis": "dim", "axes": "dim"},
                     every_norm=True) + torch_conv_norm.cases() \
        + torch_attention.cases() + torch_transformer.cases()
