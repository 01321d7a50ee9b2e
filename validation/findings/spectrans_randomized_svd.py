"""Finding: spectrans's randomized TruncatedSVDKernel fails on float64 and discards its oversampling.

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_randomized_svd.py

``_randomized_svd_approximation`` draws ``omega = torch.randn(m, rank + 10)`` (float32, torch's global RNG,
a new draw on every call), so ``matrix @ omega`` raises for float64 input. It then keeps only the first
``rank`` columns of the QR of ``A omega`` *before* the small SVD, so its result is ``Q_r Q_r^T A`` with
``Q_r`` spanning ``A omega[:, :rank]``: the 10 oversampling columns have no effect, and the SVD of
``B = Q_r^T A`` is reconstructed to ``B`` itself. The cited algorithm (Halko, Martinsson, Tropp 2011,
Algorithm 4.1 + 5.1) orthonormalizes all ``rank + p`` columns and truncates after the SVD of ``Q^T A``.

Expected, derived independently: numpy's ``Q_r Q_r^T A`` from the same omega (re-drawn under the same torch
seed) equals spectrans's float32 output to float32 accuracy; with oversampling (specref) the error against
the exact rank-r truncation is smaller. Exit 0 when the finding reproduces, 1 if not, 2 without spectrans.
"""

from __future__ import annotations

import sys

import numpy as np


def main() -> int:
    try:
        import torch
        from spectrans.kernels.spectral import TruncatedSVDKernel as Peer
    except ImportError as exc:
        print(f"spectrans/torch not importable: {exc}")
        return 2
    from specref.kernels.spectral_eigen import TruncatedSVDKernel

    rng = np.random.default_rng(3)
    n, m, d, r = 40, 30, 12, 3
    x, y = rng.standard_normal((n, d)), rng.standard_normal((m, d))
    peer = Peer(r, normalize=False, use_randomized=True)
    reproduced = True
    try:
        peer.compute(torch.tensor(x), torch.tensor(y))
        print("float64 input worked: not reproduced")
        reproduced = False
    except RuntimeError as exc:
        print(f"float64 input raises: {exc!s:.80}")
    x32, y32 = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    torch.manual_seed(0)
    out = peer.compute(x32, y32).numpy().astype(np.float64)
    torch.manual_seed(0)
    omega = torch.randn(m, r + 10).numpy().astype(np.float64)
    a = x32.numpy().astype(np.float64) @ y32.numpy().astype(np.float64).T
    q, _ = np.linalg.qr(a @ omega[:, :r])
    finder = q @ (q.T @ a)
    err = np.max(np.abs(out - finder)) / np.max(np.abs(finder))
    print(f"spectrans float32 output vs Q_r Q_r^T A from omega[:, :r] alone: {err:.1e}")
    exact = TruncatedSVDKernel(r, normalize=False).compute(x, y)

    def rel(b):
        return np.linalg.norm(b - exact) / np.linalg.norm(exact)

    errs_peer, errs_halko = [], []
    for seed in range(20):
        torch.manual_seed(seed)
        errs_peer.append(rel(peer.compute(x32, y32).numpy().astype(np.float64)))
        errs_halko.append(rel(TruncatedSVDKernel(r, normalize=False, use_randomized=True).compute(x, y, rng=seed)))
    print(f"mean Frobenius error vs the exact rank-{r} truncation over 20 draws: spectrans "
          f"{np.mean(errs_peer):.3f}, specref (Halko, p = 10) {np.mean(errs_halko):.3f}")
    reproduced &= err < 1e-3 and np.mean(errs_halko) < np.mean(errs_peer)
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
