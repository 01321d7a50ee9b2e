"""Finding: spectrans's Gaussian-kernel linear attention divides by normalisers of either sign (inventory #14).

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_gaussian_attention_normalizer.py

``SpectralAttention(kernel_type='gaussian')`` and ``KernelAttention('gaussian')`` use the random Fourier
features phi(x) = sqrt(2/m) cos(x omega + b) of ``GaussianRFFKernel`` (sigma = 1/sqrt(d)) in linear attention
o_i = phi_q,i^T (sum_j phi_k,j v_j^T) / (phi_q,i . sum_j phi_k,j + 1e-6). The cosine features take either
sign, so the estimated normaliser sum_j k^(q_i, k_j) does too, although the Gaussian kernel it estimates is
positive. Expected, derived without specref: with a positive kernel every attention weight lies in [0, 1] and
the weights of a row sum to 1, so every output row is a convex combination of the rows of v: every normaliser
> 0 and max|o| <= max|v|. Measured on the module's own q, k, v (float64, nn.Linear's initialisation): a share
of the normalisers is negative and max|o| / max|v| exceeds 1 (the near-zero normalisers blow the rows up);
the 1e-6 does not protect. specref's default ``variant="specref"`` uses positive Gaussian features
exp(omega.x - |x|^2/sigma^2)/sqrt(m), unbiased for the same kernel, whose normalisers are positive.

Exit status 0 when the finding reproduces, 1 if spectrans's normalisers are now positive, 2 if spectrans is
not importable.
"""

from __future__ import annotations

import sys

import numpy as np


def main() -> int:
    try:
        import spectrans.layers.attention.spectral as sa
        import torch
    except ImportError as exc:
        print(f"spectrans is not importable here ({exc}); run this script in the peer venv")
        return 2
    results = []
    for name, kw in (("SpectralAttention", {"kernel_type": "gaussian"}), ("KernelAttention", {})):
        torch.manual_seed(0)
        module = getattr(sa, name)(64, 8, **kw).double().eval()
        x = torch.from_numpy(np.random.default_rng(0).standard_normal((4, 64, 64)))
        with torch.no_grad():
            q, k, v = (getattr(module, f"{c}_proj")(x).view(4, 64, 8, 8).transpose(1, 2) for c in "qkv")
            pq, pk = module.kernel(q), module.kernel(k)
            den = (pq @ pk.sum(dim=-2, keepdim=True).transpose(-2, -1)).numpy()
            o = ((pq @ (pk.transpose(-2, -1) @ v)) / (torch.from_numpy(den) + 1e-6)).numpy()
        negative = float(np.mean(den < 0))
        blow_up = float(np.abs(o).max() / np.abs(v.numpy()).max())
        print(f"{name}: {negative:.0%} of the normalisers negative; max|o| / max|v| = {blow_up:.3g} "
              "(a positive kernel: 0% and <= 1)")
        results.append(negative > 0.05 and blow_up > 1.0)
    reproduces = all(results)
    print("finding reproduces" if reproduces else "spectrans's normalisers are positive now: retire the finding")
    return 0 if reproduces else 1


if __name__ == "__main__":
    sys.exit(main())
