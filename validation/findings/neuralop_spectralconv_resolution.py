"""Finding: neuraloperator's SpectralConv puts negative frequencies on the wrong bins when it changes resolution.

Run in a venv with torch and neuraloperator:

    python validation/findings/neuralop_spectralconv_resolution.py

Exit status: 0 the finding reproduces, 1 it no longer does (update validation/FINDINGS.md), 2 torch or
neuraloperator is not importable.

With output_shape (or resolution_scaling_factor) different from the input's size, SpectralConv builds the
output spectrum at the INPUT's size in the standard FFT layout (frequencies 0, 1, ..., then the negative ones at
the end) and calls irfftn/ifftn(s=output_shape), which zero-pads or trims each axis AT ITS END. That is right
for a real transform's last axis (non-negative frequencies only) and wrong on every other axis, and on the last
axis too for complex data: upsampling N -> M leaves frequency -k on bin N - k, which the M-point inverse
FFT reads as frequency N - k - M = -k - (M - N) (or N - k) instead of -k; downsampling trims the negative
frequencies away.

Expected value, without neuraloperator: with one channel, weights 1, no bias and a band-limited input
sin(2 pi t) (frequencies +-1, kept by n_modes = 4), the layer is the identity on the function: the output on any
grid of M points is sin(2 pi j/M) (FNO's discretisation invariance; norm="forward" makes the inverse FFT a plain
sum of the kept Fourier terms).
"""

from __future__ import annotations

import math
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

    def layer(n_modes, complex_data=False, **kw):
        conv = SpectralConv(1, 1, n_modes, complex_data=complex_data, bias=False, **kw)
        with torch.no_grad():
            conv.weight.tensor.copy_(torch.ones_like(conv.weight.tensor))
        return conv

    def sine(n, axis, other=8, fn=torch.sin):
        v = fn(2 * math.pi * torch.arange(n, dtype=torch.float64) / n)
        shape = (n, other) if axis == 0 else (other, n)
        return (v[:, None] if axis == 0 else v[None, :]).expand(shape)

    wrong, right = [], []
    for n_in, n_out in [(8, 16), (16, 8), (8, 12), (9, 18)]:
        for axis in (0, 1):
            conv = layer([4, 4])
            x = sine(n_in, axis).to(torch.float32)[None, None].contiguous()
            out_shape = (n_out, 8) if axis == 0 else (8, n_out)
            with torch.no_grad():
                y = conv(x, output_shape=out_shape)[0, 0].double()
            err = float((y - sine(n_out, axis)).abs().max())
            print(f"real data, sin along axis {axis}, {n_in} -> {n_out} points: max|y - sin| = {err:.2e}")
            (wrong if axis == 0 and n_in % 2 == 0 else right if axis == 1 else []).append(err)
    conv = layer([4, 4], resolution_scaling_factor=2)
    with torch.no_grad():
        y = conv(sine(8, 0).to(torch.float32)[None, None].contiguous())[0, 0].double()
    err = float((y - sine(16, 0, other=16)).abs().max())
    print(f"real data, resolution_scaling_factor=2, sin along axis 0, 8 -> 16: max|y - sin| = {err:.2e}")
    wrong.append(err)
    for n_modes in ([4], [4, 4]):
        conv = layer(n_modes, complex_data=True)
        t = torch.arange(8, dtype=torch.float64) / 8
        t2 = torch.arange(16, dtype=torch.float64) / 16
        # frequency 0 and 1 only: among what every version of the layer keeps along the last axis
        x = (1 + torch.exp(2j * math.pi * t)).expand((8,) * len(n_modes)).to(torch.complex64)[None, None]
        want = (1 + torch.exp(2j * math.pi * t2)).expand((8,) * (len(n_modes) - 1) + (16,))
        with torch.no_grad():
            y = conv(x.contiguous(), output_shape=(8,) * (len(n_modes) - 1) + (16,))[0, 0].to(torch.complex128)
        same = conv(x.contiguous())[0, 0].detach().to(torch.complex128)
        err = float((y - want).abs().max())
        print(f"complex data, {len(n_modes)}-D, 1 + exp(2 pi i t) along the last axis, 8 -> 16: "
              f"max|y - expected| = {err:.2e} (at the input's size: {float((same - x[0, 0]).abs().max()):.2e})")
        if len(n_modes) == 1:
            right.append(err)  # frequencies 0 and 1 sit at the start of the spectrum: padding at the end is right
    # negative frequency, complex 1-D: dropped at every size (see neuralop_spectralconv_fftshift); with all
    # modes kept it survives the forward pass and then lands on the wrong bin when upsampling
    conv = layer([8], complex_data=True)
    t = torch.arange(8, dtype=torch.float64) / 8
    x = torch.exp(-2j * math.pi * t).to(torch.complex64)[None, None]
    with torch.no_grad():
        y = conv(x, output_shape=(16,))[0, 0].to(torch.complex128)
    err = float((y - torch.exp(-2j * math.pi * torch.arange(16, dtype=torch.float64) / 16)).abs().max())
    print(f"complex data, 1-D, all modes, exp(-2 pi i t), 8 -> 16: max|y - exp(-2 pi i t)| = {err:.2e}")
    wrong.append(err)
    return 0 if min(wrong) > 0.3 and max(right) < 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
