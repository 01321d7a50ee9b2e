"""Finding: neuraloperator's SpectralConv misplaces the spectrum for odd sizes and for complex data.

Run in a venv with torch and neuraloperator:

    python validation/findings/neuralop_spectralconv_fftshift.py

Exit status: 0 the finding reproduces, 1 it no longer does (update validation/FINDINGS.md), 2 torch or
neuraloperator is not importable.

SpectralConv (2-D and 3-D) centres the spectrum with torch.fft.fftshift before selecting the n_modes
frequencies around 0, and "un-centres" it with fftshift again before the inverse FFT. fftshift rolls by
floor(N/2), its inverse (ifftshift) by -floor(N/2): for an odd N two fftshifts roll by N - 1, i.e. every
frequency lands one bin lower. With complex_data=True the forward shift includes the last axis but the inverse
shift leaves it out, and in 1-D (no shift at all) the "centre" slice keeps the frequencies around N/2, the
highest, instead of those around 0.

Expected value, without neuraloperator: with one channel, every weight 1, no bias and n_modes covering every
frequency, the layer is the identity (FFT with norm="forward", multiply by 1, inverse FFT): y = x. For
complex data with K modes, each input exp(2 pi i f t/N) with f among the K frequencies around 0
(-K/2..K/2-1) must come back unchanged, and every other f must give 0.
"""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np


def identity_layer(SpectralConv, torch, n_modes, complex_data=False):
    conv = SpectralConv(1, 1, n_modes, complex_data=complex_data, bias=False)
    with torch.no_grad():
        conv.weight.tensor.copy_(torch.ones_like(conv.weight.tensor))
    return conv


def main() -> int:
    try:
        import torch
        from neuralop.layers.spectral_convolution import SpectralConv
    except ImportError as exc:
        print(f"torch or neuraloperator is not importable here ({exc})")
        return 2
    warnings.simplefilter("ignore")
    torch.manual_seed(0)
    errors = {}
    for shape in [(8, 8), (8, 7), (7, 8), (7, 7), (9, 6), (6, 8, 10), (6, 7, 10)]:
        conv = identity_layer(SpectralConv, torch, list(shape))
        x = torch.randn(1, 1, *shape)
        with torch.no_grad():
            err = float((conv(x) - x).abs().max() / x.abs().max())
        errors[shape] = err
        print(f"real data {shape}, all modes, weights 1 (identity): max|y - x| / max|x| = {err:.2e}")
    odd_wrong = all(errors[s] > 0.1 for s in [(7, 8), (7, 7), (9, 6), (6, 7, 10)])
    even_right = all(errors[s] < 1e-5 for s in [(8, 8), (8, 7), (6, 8, 10)])
    complex_wrong = True
    n = 8
    for n_modes in ([4], [4, 4]):
        conv = identity_layer(SpectralConv, torch, n_modes, complex_data=True)
        got = {}
        for f in range(-n // 2, n // 2):  # exp(2 pi i f t / n) along the last axis (constant along the others)
            t = torch.arange(n, dtype=torch.float64) / n
            x = torch.exp(2j * math.pi * f * t).expand((n,) * len(n_modes)).to(torch.complex64)[None, None]
            with torch.no_grad():
                y = conv(x.contiguous())[0, 0].numpy()
            spectrum = np.fft.fftn(y, norm="forward")
            out = [int(k[-1]) - n * (int(k[-1]) >= n // 2) for k in np.argwhere(np.abs(spectrum) > 1e-3)]
            if out:
                got[f] = out[0]
        want = {f: f for f in range(-(n_modes[-1] // 2), n_modes[-1] - n_modes[-1] // 2)}
        print(f"complex data, {len(n_modes)}-D, n = {n}, n_modes {n_modes}, weights 1: input frequency -> output "
              f"frequency on the last axis {got}; the math (the {n_modes[-1]} frequencies around 0, unchanged) {want}")
        complex_wrong &= got != want
    return 0 if odd_wrong and even_right and complex_wrong else 1


if __name__ == "__main__":
    sys.exit(main())
