"""Finding: spectrans's PolynomialSpectralKernel.compute_attention pairs coordinates of two unrelated bases.

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_polynomial_attention_bases.py

``compute_attention(q, k)`` is documented as "Low-rank approximation via SVD ... Compute QK^T
approximately". ``_reduce_rank`` centres its input and projects it on the top-r eigenvectors of **its own**
covariance, and it is called separately for q and for k, so ``q_reduced @ k_reduced.T = Qc U_q U_k^T Kc^T``:
the r coordinates of q and of k refer to different bases (each eigenvector's sign is arbitrary too). At
rank = d nothing is truncated and the documented approximation must be exact, ``Qc Kc^T``; spectrans's is not.

Expected, derived independently: ``(q - mean q) (k - mean k)^T`` in numpy (degree 1, coef0 0, no softmax).
specref projects both on one basis (the pooled covariance's top-r eigenvectors): exact at rank = d, and equal
to spectrans when q = k. Exit 0 when the finding reproduces, 1 if not, 2 without spectrans.
"""

from __future__ import annotations

import sys

import numpy as np


def main() -> int:
    try:
        import torch
        from spectrans.kernels.spectral import PolynomialSpectralKernel as Peer
    except ImportError as exc:
        print(f"spectrans/torch not importable: {exc}")
        return 2
    from specref.kernels.spectral_eigen import PolynomialSpectralKernel

    rng = np.random.default_rng(11)
    d = 4
    q, k = rng.standard_normal((5, d)), rng.standard_normal((6, d))
    expected = (q - q.mean(0)) @ (k - k.mean(0)).T
    peer = Peer(d, degree=1, coef0=0.0, normalize=False).compute_attention(torch.tensor(q), torch.tensor(k))
    mine = PolynomialSpectralKernel(d, degree=1, coef0=0.0, normalize=False).compute_attention(q, k)
    scale = np.max(np.abs(expected))
    peer_err = np.max(np.abs(peer.numpy() - expected)) / scale
    mine_err = np.max(np.abs(mine - expected)) / scale
    print(f"rank = d = {d}: spectrans vs centred QK^T {peer_err:.2f}, specref {mine_err:.1e}")
    same = Peer(2, normalize=False).compute_attention(torch.tensor(q), torch.tensor(q)).numpy()
    mine_same = PolynomialSpectralKernel(2, normalize=False).compute_attention(q, q)
    qq = np.max(np.abs(same - mine_same)) / np.max(np.abs(same))
    print(f"q = k, rank 2: spectrans vs specref {qq:.1e}")
    return 0 if (peer_err > 0.1 and mine_err < 1e-13 and qq < 1e-12) else 1


if __name__ == "__main__":
    sys.exit(main())
