"""Finding: spectrans's SlantTransform is not the Slant transform (inventory #19).

Run in a venv with spectrans 0.1.0 and torch (see /work/shared/seeds/README.md for the recipe):

    python validation/findings/spectrans_slant.py

Exit status: 0 the finding reproduces, 1 spectrans now agrees with the math (update validation/FINDINGS.md),
2 spectrans is not importable.

The expected matrix is derived here without specref and without the a_n, b_n coefficients of Pratt, Chen &
Welch (1974): S_1 = [1], S_2 = [[1, 1], [1, -1]] / sqrt 2, and the rows of S_n lie in
span{[s, 0], [0, s] : s a row of S_{n/2}}: row 0 the constant, row 1 the normalized linear ramp
(n - 1 - 2j) (affine on each half, so in that span), row n/2 = [s_1, -s_1] / sqrt 2, rows i and n/2 + i
(2 <= i < n/2) = [s_i, +-s_i] / sqrt 2, and row n/2 + 1 the remaining unit direction of
span{[s_0, 0], [s_1, 0], [0, s_0], [0, s_1]} (Gram-Schmidt of [s_1, s_1], sign positive on it). For n = 4 this
is the matrix printed by Pratt, Chen & Welch: (1/2) [[1, 1, 1, 1], [3, 1, -1, -3] / sqrt 5, [1, -1, -1, 1],
[1, -3, 3, -1] / sqrt 5].
"""

from __future__ import annotations

import sys

import numpy as np


def slant_expected(n: int) -> np.ndarray:
    if n == 1:
        return np.ones((1, 1))
    if n == 2:
        return np.array([[1.0, 1.0], [1.0, -1.0]]) / 2**0.5
    half, h = slant_expected(n // 2), n // 2
    out = np.zeros((n, n))
    out[0] = 1 / n**0.5
    ramp = n - 1 - 2 * np.arange(n, dtype=np.float64)
    out[1] = ramp / np.linalg.norm(ramp)
    out[h] = np.concatenate([half[1], -half[1]]) / 2**0.5
    v = np.concatenate([half[1], half[1]]) / 2**0.5
    for r in (out[0], out[1], out[h]):
        v = v - (r @ v) * r
    out[h + 1] = v / np.linalg.norm(v)
    for i in range(2, h):
        out[i] = np.concatenate([half[i], half[i]]) / 2**0.5
        out[h + i] = np.concatenate([half[i], -half[i]]) / 2**0.5
    return out


def main() -> int:
    try:
        import torch
        from spectrans.transforms.hadamard import SlantTransform
    except ImportError as exc:
        print(f"spectrans is not importable here ({exc}); run this script in the peer venv")
        return 2
    n = 8
    s = slant_expected(n)
    eye = torch.eye(n, dtype=torch.float64)
    reproduced = False
    for normalized in (False, True):
        t = SlantTransform(normalized=normalized)
        m = t.transform(eye, dim=-1).numpy().T  # the matrix of the transform (row i of transform(I) is T e_i)
        x = torch.randn(4, n, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        round_trip = (t.inverse_transform(t.transform(x)) - x).abs().max().item()
        orth = np.abs(m @ m.T - np.eye(n)).max()
        # a row of the slant matrix "matches" if it equals +- some row of spectrans's matrix
        overlap = np.abs(s @ m.T / np.outer(np.linalg.norm(s, axis=1), np.linalg.norm(m, axis=1))).max(axis=1)
        unmatched = [k for k in range(n) if overlap[k] < 1 - 1e-12]
        print(f"normalized={normalized}: max|M M^T - I| = {orth:.3g}, round trip error {round_trip:.3g}, "
              f"|row 1| = {np.linalg.norm(m[1]):.6f}; slant rows not among spectrans's rows: {unmatched}")
        reproduced |= bool(unmatched) or orth > 1e-12
    row1 = SlantTransform(normalized=False).transform(eye, dim=-1).numpy().T[1]
    print(f"spectrans n = {n}, normalized=False: row 1 * sqrt(n^2 (n-1) / 3) = "
          f"{np.round(row1 * (n * n * (n - 1) / 3) ** 0.5, 6)} (a ramp, norm sqrt((n+1)/n), not 1)")
    print(f"expected S_8 (rows 2..7 x sqrt 8):\n{np.round(s[2:] * 8**0.5, 4)}")
    try:
        from specref.transforms.slant import slant

        got = slant(np.eye(n), axis=0)
        print(f"specref slant vs expected: max difference {np.abs(got - s).max():.3g}")
    except ImportError:
        pass
    print("finding reproduces" if reproduced else "spectrans now computes the Slant transform")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
