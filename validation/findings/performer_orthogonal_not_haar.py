"""Finding: performer-pytorch's gaussian_orthogonal_random_matrix rows are not N(0, I): a biased FAVOR+.

Run in a venv with torch and performer-pytorch (and specref, optional):

    python validation/findings/performer_orthogonal_not_haar.py

Exit status: 0 the finding reproduces, 1 it no longer does (update validation/FINDINGS.md), 2 torch or
performer-pytorch is not importable.

FAVOR+ is unbiased, E[phi(x).phi(y)] = exp(x.y), when every row w of the projection is N(0, I_d): then
E exp(w.u) = exp(|u|^2/2). Orthogonal random features keep that marginal by taking each block's directions from
a Haar-distributed orthogonal matrix and the lengths from chi_d (Yu et al. 2016). performer's
orthogonal_matrix_chunk returns Q^T from torch.linalg.qr of a Gaussian matrix WITHOUT the sign fix
Q diag(sign diag R) (Mezzadri 2007): LAPACK's Householder QR makes R_11 = -sign(A_11)|A_1|, so Q_11 < 0 always,
and every row of a block has a nonzero mean along its own coordinate axis. The chi_d lengths are right.

Expected values, without performer: E[w] = 0 for an N(0, I) row, and the estimator of exp(x.y) for
x = y = a e_i averages to exp(a^2). specref's sampler (QR with the sign fix) meets both within 5 standard
errors over the same number of draws.
"""

from __future__ import annotations

import math
import sys

import numpy as np

D, DRAWS, A = 4, 20000, 0.5


def report(name, w) -> tuple[float, list]:
    """w: (draws, m, d). The largest |row mean| in standard errors, and the estimator's z-scores per axis."""
    se = w.std(axis=0) / math.sqrt(len(w))
    z_mean = float(np.max(np.abs(w.mean(axis=0)) / se))
    print(f"{name}: row means over {len(w)} draws (rows x coordinates)")
    print(np.array2string(w.mean(axis=0), precision=3, suppress_small=True))
    zs = []
    for axis in range(D):
        x = np.zeros(D)
        x[axis] = A
        est = np.exp(w @ (2 * x) - A * A).mean(axis=-1)  # phi(x).phi(y) for x = y = a e_axis
        z = (est.mean() - math.exp(A * A)) / (est.std() / math.sqrt(len(w)))
        zs.append(z)
        print(f"  x = y = {A} e_{axis}: mean estimate {est.mean():.4f} +- {est.std() / math.sqrt(len(w)):.4f}, "
              f"exp(x.y) = {math.exp(A * A):.4f} ({z:+.1f} standard errors)")
    norms = np.linalg.norm(w, axis=-1).ravel()
    chi = math.sqrt(2) * math.exp(math.lgamma((D + 1) / 2) - math.lgamma(D / 2))
    print(f"  row norms: mean {norms.mean():.4f} (E chi_{D} = {chi:.4f}), mean square {np.mean(norms**2):.4f} "
          f"(d = {D}); largest |row mean| {z_mean:.1f} standard errors")
    return z_mean, zs


def main() -> int:
    try:
        import torch
        from performer_pytorch.performer_pytorch import gaussian_orthogonal_random_matrix, orthogonal_matrix_chunk
    except ImportError as exc:
        print(f"torch or performer-pytorch is not importable here ({exc})")
        return 2
    torch.manual_seed(0)
    q11 = np.array([orthogonal_matrix_chunk(D)[0, 0].item() for _ in range(2000)])
    print(f"orthogonal_matrix_chunk({D})[0, 0] < 0 in {np.mean(q11 < 0):.1%} of 2000 draws (Haar: 50%)")
    perf = np.stack([gaussian_orthogonal_random_matrix(D, D).double().numpy() for _ in range(DRAWS)])
    z_perf, est_perf = report("performer gaussian_orthogonal_random_matrix(4, 4)", perf)
    try:
        from specref.kernels.rff import sample_orthogonal_gaussian_frequencies

        gen = np.random.default_rng(0)
        ours = np.stack([sample_orthogonal_gaussian_frequencies(gen, D, D).T for _ in range(DRAWS)])
        report("specref sample_orthogonal_gaussian_frequencies(4, 4) (rows = columns of W)", ours)
    except ImportError:
        pass
    reproduced = z_perf > 20 and max(abs(z) for z in est_perf) > 10 and np.mean(q11 < 0) > 0.99
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
