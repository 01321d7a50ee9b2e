"""Finding: spectrans's SpectralConv2d keeps one corner of the rfft2 spectrum, not the lowest modes (inventory #24).

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_fno_one_corner.py

``spectrans.layers.operators.fno.SpectralConv2d`` documents the Fourier layer of Li et al. (2021): "learnable
complex weights truncated to retain only the lowest frequency modes", ``modes`` = "Number of Fourier modes to
keep in each dimension (height, width)". Its forward (fno.py:233-258) multiplies ``rfft2(x)[:, :, :m1, :m2]``
and zero-fills the rest: along H, whose rfft2 axis holds the frequencies 0..H/2 then -H/2+1..-1, only the
non-negative frequencies 0..m1-1 are kept; the negative ones -1, -2, ... (as low as the positive) are dropped.
The paper's reference code keeps both corners (``weights1`` on rows [:m1], ``weights2`` on rows [H-m1:]).

Expected values, derived here without specref: with C_in = C_out = 1 and every kept weight 1 + 0i, the
lowest-mode truncation |k_1| < m_1, 0 <= k_2 < m_2 with (m_1, m_2) = (2, 2) is the identity on
``cos 2pi h/H``, ``cos 2pi (h/H + w/W)`` and ``cos 2pi (h/H - w/W)`` (their bins (+-1, 0), (+-1, +-1),
(+-1, -+1) all lie inside). spectrans returns the first halved, the second whole and the third erased.

Also in inventory #24 (behaviour, not a different number): modes above the spectrum (``modes > N//2 + 1`` in
1-D) raise a RuntimeError inside ``einsum`` without naming the limit, and ``FourierNeuralOperator.forward``
re-casts ``self.linear`` to the input's dtype (a float32 module called on float64 input is left with float64
``linear`` parameters and float32 spectral weights).

Exit status 0 when the finding reproduces, 1 if spectrans now agrees with the expected values, 2 if spectrans
is not importable.
"""

from __future__ import annotations

import sys

import numpy as np


def main() -> int:
    try:
        import spectrans.layers.operators.fno as so
        import torch
    except ImportError as exc:
        print(f"spectrans is not importable here ({exc}); run this script in the peer venv")
        return 2
    h, w = 8, 8
    conv = so.SpectralConv2d(1, 1, (2, 2)).double()
    with torch.no_grad():
        conv.weights.zero_()
        conv.weights[..., 0] = 1.0  # every kept weight 1 + 0i
    hh, ww = np.meshgrid(np.arange(h) / h, np.arange(w) / w, indexing="ij")
    signals = {"cos 2pi h/H": np.cos(2 * np.pi * hh), "cos 2pi (h/H + w/W)": np.cos(2 * np.pi * (hh + ww)),
               "cos 2pi (h/H - w/W)": np.cos(2 * np.pi * (hh - ww))}
    expected_factor = {"cos 2pi h/H": 0.5, "cos 2pi (h/H + w/W)": 1.0, "cos 2pi (h/H - w/W)": 0.0}
    reproduces = True
    print("1. SpectralConv2d(1, 1, modes=(2, 2)), weights 1 + 0i: the lowest-mode truncation returns each input")
    for name, x in signals.items():
        with torch.no_grad():
            y = conv(torch.from_numpy(x[None, None])).numpy()[0, 0]
        err = float(np.max(np.abs(y - x)))  # expected: y = x (identity on these bands)
        factor = float(np.sum(y * x) / np.sum(x * x))
        print(f"   {name:22s}: max|y - x| = {err:.2f}, y = {factor:.2f} x")
        ok_factor = abs(factor - expected_factor[name]) < 1e-12  # 16-point FFTs in float64: ~1e-15
        reproduces &= ok_factor and np.allclose(y, factor * x, atol=1e-12)  # the same FFT rounding
    print("2. SpectralConv1d(2, 2, modes=10) on N = 16 (limit N//2 + 1 = 9)")
    try:
        so.SpectralConv1d(2, 2, 10).double()(torch.zeros(1, 2, 16, dtype=torch.float64))
        print("   no error")
        reproduces = False
    except RuntimeError as exc:
        print(f"   RuntimeError: {str(exc).splitlines()[0][:90]}")
    print("3. FourierNeuralOperator (float32) called on float64 input")
    fno = so.FourierNeuralOperator(hidden_dim=4, modes=3)
    fno(torch.zeros(1, 8, 4, dtype=torch.float64))
    dtypes = (fno.linear.weight.dtype, fno.spectral_conv.weights.dtype)
    print(f"   after the call: linear.weight {dtypes[0]}, spectral_conv.weights {dtypes[1]}")
    reproduces &= dtypes == (torch.float64, torch.float32)
    print("finding reproduces" if reproduces else "finding does NOT reproduce")
    return 0 if reproduces else 1


if __name__ == "__main__":
    sys.exit(main())
