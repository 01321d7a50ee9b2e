"""Finding: neuraloperator's SpectralConv computes its spectrum in complex64 whatever the dtypes.

Run in a venv with torch and neuraloperator:

    python validation/findings/neuralop_spectralconv_complex64.py

Exit status: 0 the finding reproduces, 1 it no longer does (update validation/FINDINGS.md), 2 torch or
neuraloperator is not importable.

SpectralConv.forward allocates the output spectrum as torch.zeros(..., dtype=torch.cfloat) (complex64) for
fno_block_precision="full", and the weight is created as cfloat. So float64 input either fails in the
contraction (RuntimeError: expected ComplexDouble but found ComplexFloat, with more than one input channel) or
is silently computed in float32 (one input channel: float32 output); module.double() leaves the complex weight
complex64, and with the weight made complex128 by hand the result still has float32 accuracy (float32 output,
or float64 when a float64 bias promotes it).

Expected value, without neuraloperator: with one channel, weights 1, no bias and all modes, the layer is the
identity (FFT with norm="forward", times 1, inverse FFT), so a float64 computation returns x to ~1e-16.
"""

from __future__ import annotations

import sys
import warnings


def main() -> int:
    try:
        import torch
        from neuralop.layers.spectral_convolution import SpectralConv
    except ImportError as exc:
        print(f"torch or neuraloperator is not importable here ({exc})")
        return 2
    warnings.simplefilter("ignore")
    torch.manual_seed(0)
    found = []
    x1 = torch.randn(2, 1, 8, 10, dtype=torch.float64)
    conv = SpectralConv(1, 1, [8, 10], bias=False)
    with torch.no_grad():
        conv.weight.tensor.copy_(torch.ones_like(conv.weight.tensor))
        y = conv(x1)
    err = float((y.double() - x1).abs().max() / x1.abs().max())
    print(f"one channel, identity weights, float64 input: output {y.dtype}, max|y - x| / max|x| = {err:.1e}")
    found.append(y.dtype == torch.float32 and err > 1e-10)
    x2 = torch.randn(2, 2, 8, 10, dtype=torch.float64)
    conv = SpectralConv(2, 3, [4, 6]).double()
    print(f"after .double(): weight {conv.weight.tensor.dtype}, bias {conv.bias.dtype}")
    try:
        conv(x2)
        print("two channels, float64 input: no error")
        found.append(False)
    except RuntimeError as exc:
        print(f"two channels, float64 input: RuntimeError: {exc}")
        found.append("ComplexDouble" in str(exc))
    conv = SpectralConv(1, 1, [8, 10], bias=False)
    with torch.no_grad():
        conv.weight.tensor.data = torch.ones_like(conv.weight.tensor, dtype=torch.complex128)
        y = conv(x1)
    err = float((y - x1).abs().max() / x1.abs().max())
    print(f"weight made complex128, identity, float64 input: output {y.dtype}, max|y - x| / max|x| = {err:.1e} "
          f"(float64 would give ~1e-16)")
    found.append(err > 1e-10)
    return 0 if all(found) else 1


if __name__ == "__main__":
    sys.exit(main())
