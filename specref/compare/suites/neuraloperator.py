r"""neuraloperator's spectral convolution against specref's, through the weight map (a first comparison).

neuraloperator 2.0.0's ``neuralop.layers.spectral_convolution.SpectralConv`` (1-D, 2-D and 3-D; real and
complex data; ``output_shape`` and ``resolution_scaling_factor`` changing the resolution) computes
:math:`y = \mathcal F^{-1}_{s}\big(W \odot \mathrm{trunc}_K(\mathcal F x)\big) + b` with ``fft_norm="forward"``:
an FFT over the last ``len(n_modes)`` axes (``rfftn`` for real data, ``fftn`` for complex), the ``n_modes``
frequencies around 0 on every axis (``n_modes // 2 + 1`` non-negative ones on a real transform's last axis),
a contraction with the complex weight over the input channels, and the inverse transform at the output
resolution ``s``. :class:`~specref.compare.mapping.NeuralOperatorSpectralConv` maps its dense complex weight
and its mode windows onto :class:`~specref.layers.operators.spectral_conv.SpectralConv1d` (1-D) and
:class:`~specref.layers.operators.spectral_conv.SpectralConv2dTwoCorners` (2-D: the rows around the zero
frequency along H become the two corners), and its gradients back by the chain rule.

The cases (real data, ``bias=False``, even sizes, the input's resolution): 1-D with modes below and at the
spectrum's limit, C_in != C_out; 2-D with ``n_modes`` even and odd along H (odd: one more non-negative than
negative frequency, the map fills the missing corner row with zeros), up to the full H. Output and every
gradient (the input's, the complex weight's) are compared in float32: neuraloperator's spectrum is complex64
whatever the dtypes (``neuralop_spectralconv_complex64``), so the bounds are float32's; a float64 input makes
it raise, which one case reports under that slug (checking the error).

The rest of the layer was checked against the math before specref had the component (a NumPy oracle;
validation/test_performer_neuralop.py): 1-D real data, and 2-D and 3-D real data of even sizes at the input's
resolution, agree within float32 rounding; the rest are findings with reproductions in validation/findings/:
``neuralop_spectralconv_fftshift`` (an odd size on an axis but the last: fftshift applied twice rotates the
spectrum by one bin; ``complex_data=True``: the last axis is sliced like a real transform's, dropping the
negative frequencies in 1-D and returning the most negative ones as 0..K-1 in n-D),
``neuralop_spectralconv_resolution`` (``output_shape`` / ``resolution_scaling_factor`` on an axis but the last,
and on every axis for complex data: negative frequencies land on the wrong bins or are trimmed away),
``neuralop_spectralconv_complex64`` and ``neuralop_spectralconv_n_modes`` (odd ``n_modes`` are not rounded as
the docstring says; using an odd number fewer modes than ``max_n_modes`` shifts every weight by one
frequency). The full coverage (3-D, complex data, factorized weights, the FNO models) belongs to the
peer-hunt issue. torch and neuralop are imported inside the run functions only.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from functools import partial

import numpy as np

from specref.compare.suites import SuiteCase, one_torch_thread

__all__ = ["cases", "GRID"]

# (specref component, C_in, C_out, n_modes, input shape)
GRID = (
    ("SpectralConv1d", 3, 2, 8, (2, 3, 16)),
    ("SpectralConv1d", 2, 4, 16, (2, 2, 16)),
    ("SpectralConv1d", 4, 4, 6, (3, 4, 32)),
    ("SpectralConv2dTwoCorners", 3, 2, (4, 6), (2, 3, 8, 8)),
    ("SpectralConv2dTwoCorners", 2, 3, (8, 8), (2, 2, 8, 8)),
    ("SpectralConv2dTwoCorners", 3, 3, (5, 6), (2, 3, 8, 10)),
)
COMPLEX64 = "neuralop_spectralconv_complex64"


def _label(n_modes, shape, extra="") -> str:
    modes = "x".join(map(str, n_modes)) if isinstance(n_modes, tuple) else str(n_modes)
    return "x".join(map(str, shape)) + f"-n_modes{modes}" + (f"-{extra}" if extra else "")


def _module(c_in, c_out, n_modes, seed):
    import torch  # peer-only
    from neuralop.layers.spectral_convolution import SpectralConv  # peer-only

    torch.manual_seed(seed)
    return SpectralConv(c_in, c_out, n_modes, bias=False)


def _run(component, label, c_in, c_out, n_modes, shape, dtype="float32"):
    import zlib

    from specref.compare.api import compare
    from specref.compare.mapping import NeuralOperatorSpectralConv
    from specref.layers.operators import spectral_conv

    seed = zlib.crc32(label.encode())
    module = _module(c_in, c_out, n_modes, seed % 2**31)
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    with warnings.catch_warnings():  # float64 input: the PrecisionWarning is kept as a note
        warnings.simplefilter("ignore")
        cmp = compare(module, getattr(spectral_conv, component), x=x, weights=NeuralOperatorSpectralConv(), seed=7,
                      label=label)
    if dtype == "float32":
        return replace(cmp, notes=cmp.notes + ("neuraloperator's weight and spectrum are complex64 "
                                               f"({COMPLEX64}): compared against float32 bounds",))
    from specref.compare.suites.spectrans_mixing import with_check

    cmp = replace(cmp, known=COMPLEX64)
    return with_check(cmp, "neuraloperator raises on a float64 input (its complex64 weight meets a complex128 "
                      "spectrum)", cmp.peer_error.startswith("RuntimeError:"))


def _case(component, label, *args) -> SuiteCase:
    return SuiteCase("neuraloperator", component, label, partial(one_torch_thread, _run, component, label, *args))


def cases() -> list[SuiteCase]:
    """Every configuration of :data:`GRID` in float32, plus one float64 input reporting the complex64 finding."""
    out = [_case(comp, _label(n_modes, shape), c_in, c_out, n_modes, shape) for comp, c_in, c_out, n_modes, shape
           in GRID]
    comp, c_in, c_out, n_modes, shape = GRID[0]
    out.append(_case(comp, _label(n_modes, shape, "float64"), c_in, c_out, n_modes, shape, "float64"))
    return out
