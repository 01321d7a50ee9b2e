r"""neuraloperator's spectral convolutions: no comparison yet, the specref components wait for issue 16.

neuraloperator 2.0.0's ``neuralop.layers.spectral_convolution.SpectralConv`` (1-D, 2-D and 3-D; real and
complex data; ``output_shape`` and ``resolution_scaling_factor`` changing the resolution) computes
:math:`y = \mathcal F^{-1}_{s}\big(W \odot \mathrm{trunc}_K(\mathcal F x)\big) + b` with ``fft_norm="forward"``:
an FFT over the last ``len(n_modes)`` axes (``rfftn`` for real data, ``fftn`` for complex), the ``n_modes``
frequencies around 0 on every axis (``n_modes // 2 + 1`` non-negative ones on a real transform's last axis),
a contraction with the complex weight over the input channels, and the inverse transform at the output
resolution ``s``. specref has no spectral-convolution / FNO component yet (issue 16: ``specref/layers/operators``
is empty), so this suite has no cases and ``specref compare --all`` lists the peer as "no suite".

The layer was nevertheless checked against the math (a NumPy ``rfftn``/``fftn``, the documented mode
selection, the complex weight product and the inverse transform; validation/test_performer_neuralop.py):
1-D real data, and 2-D and 3-D real data of even sizes at the input's resolution, agree within float32
rounding; the rest are findings with reproductions in validation/findings/:
``neuralop_spectralconv_fftshift`` (an odd size on an axis but the last: fftshift applied twice rotates the
spectrum by one bin; ``complex_data=True``: the last axis is sliced like a real transform's, dropping the
negative frequencies in 1-D and returning the most negative ones as 0..K-1 in n-D),
``neuralop_spectralconv_resolution`` (``output_shape`` / ``resolution_scaling_factor`` on an axis but the last,
and on every axis for complex data: negative frequencies land on the wrong bins or are trimmed away),
``neuralop_spectralconv_complex64`` (the spectrum is complex64 whatever the dtypes: float64 input raises or is
computed in float32) and ``neuralop_spectralconv_n_modes`` (odd ``n_modes`` are not rounded as the docstring
says; using an odd number fewer modes than ``max_n_modes`` shifts every weight by one frequency).
When issue 16 adds the component, its cases go here (the same oracle, the same configurations).
"""

from __future__ import annotations

from specref.compare.suites import SuiteCase

__all__ = ["cases"]


def cases() -> list[SuiteCase]:
    """No cases: specref's spectral convolution arrives with issue 16."""
    return []
