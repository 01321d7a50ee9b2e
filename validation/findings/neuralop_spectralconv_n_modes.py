"""Finding: neuraloperator's SpectralConv n_modes: odd counts are not rounded as documented, and reducing the
modes by an odd number shifts every weight by one frequency.

Run in a venv with torch and neuraloperator:

    python validation/findings/neuralop_spectralconv_n_modes.py

Exit status: 0 the finding reproduces, 1 it no longer does (update validation/FINDINGS.md), 2 torch or
neuraloperator is not importable.

1. The docstring of SpectralConv says of n_modes: "Provided modes should be even integers. odd numbers will be
   rounded to the closest even number." The code rounds nothing: an odd count K on an axis but the last keeps K
   modes (-(K-1)/2..(K-1)/2; the weight has K entries there), and on the last axis of a real transform K and
   K + 1 both give K // 2 + 1 modes (K = 5 gives 3 modes like 4, not like 6).
2. The weight is allocated for max_n_modes; when fewer modes are used (n_modes set lower, or an input axis
   shorter than the modes) forward slices it with slice(start // 2, -start // 2), start = max - used. Along an
   axis but the last, weight index j of the full weight multiplies frequency j - max // 2; the kept frequencies
   -(used // 2)..used - used // 2 - 1 need the indices max // 2 - used // 2 ..., i.e. a cut of
   max // 2 - used // 2 at the start. For an even max and an odd start that is start // 2 + 1, so every
   weight multiplies the frequency one above its own (the same weight tensor computes a different filter).

Expected value, without neuraloperator: with max_n_modes = (8, 8), one channel and the weight 1 at the entry of
frequency +1 on axis 0 (index 5) and 0 elsewhere, the input cos(2 pi t0/16) has X(+-1, 0) = 1/2 (norm
"forward"), so the output is Re(1/2 exp(2 pi i t0/16)) = cos(2 pi t0/16)/2 for every n_modes that keeps
frequency +1.
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
    found = []
    for n_modes in ([5, 6], [4, 5], [6, 6]):
        conv = SpectralConv(1, 1, n_modes)
        shape = tuple(conv.weight.tensor.shape[2:])
        print(f"n_modes {n_modes}: weight modes {shape} (documented: odd counts rounded to even)")
        if n_modes == [5, 6]:
            found.append(shape[0] == 5)
    n = 16
    t = torch.arange(n, dtype=torch.float64) / n
    x = torch.cos(2 * math.pi * t)[:, None].expand(n, n).to(torch.float32)[None, None].contiguous()
    want = 0.5 * torch.cos(2 * math.pi * t)[:, None].expand(n, n)
    for used in ([8, 8], [7, 8], [6, 8], [5, 8], [3, 8]):
        conv = SpectralConv(1, 1, [8, 8], max_n_modes=[8, 8], bias=False)
        with torch.no_grad():
            w = torch.zeros_like(conv.weight.tensor)
            w[0, 0, 4 + 1, 0] = 1.0  # index j <-> frequency j - 8 // 2 on axis 0; frequency 0 on the last axis
            conv.weight.tensor.copy_(w)
        conv.n_modes = used
        with torch.no_grad():
            y = conv(x)[0, 0].double()
        err = float((y - want).abs().max())
        print(f"max_n_modes [8, 8], n_modes {used}: max|y - cos/2| = {err:.2e}")
        if (8 - used[0]) % 2 == 1:
            found.append(err > 0.4)
        else:
            found.append(err < 1e-6)
    return 0 if all(found) else 1


if __name__ == "__main__":
    sys.exit(main())
