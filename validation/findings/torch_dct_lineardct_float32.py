"""Finding: torch-dct's LinearDCT computes its weight in torch's default dtype (float32), also for a float64 layer.

Run in a venv with torch and torch-dct:

    python validation/findings/torch_dct_lineardct_float32.py

Exit status: 0 the finding reproduces, 1 it no longer does (update validation/FINDINGS.md), 2 torch or torch_dct
is not importable.

LinearDCT(n, type, norm).reset_parameters() sets weight = dct(torch.eye(n)).t() (or idct, dct1, idct1):
torch.eye(n) is built in the default dtype, float32, and LinearDCT's constructor passes no dtype to
nn.Linear, so the matrix is rounded to float32 and `.double()` only widens the rounded values. The expected
matrices are closed forms, evaluated here in float64 NumPy with the cosine arguments reduced exactly (no specref,
no torch-dct):

- DCT-II:  W[k, j] = 2 cos(pi k (2j + 1) / (2n)); ortho: C = diag(s) W with s_0 = sqrt(1/(4n)), else
  sqrt(1/(2n)), an orthogonal matrix;
- the inverse DCT-II: C^T (ortho), W^T diag(s^2) (norm=None);
- DCT-I:   W[k, j] = c_j cos(pi j k / (n - 1)), c_0 = c_{n-1} = 1, else 2; its inverse W / (2 (n - 1)).

LinearDCT applies x @ W.T, i.e. its weight holds W itself.
"""

from __future__ import annotations

import sys

import numpy as np


def _cos_pi(num: np.ndarray, den: int) -> np.ndarray:
    """cos(pi num / den) for integer arrays num: the argument reduced exactly (mod 2 den) before rounding."""
    return np.cos(np.pi * (np.mod(num, 2 * den) / den))


def expected(kind: str, n: int, norm) -> np.ndarray:
    """The transform matrix (rows = outputs) in float64, each entry within a few eps of the exact value."""
    k = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    if kind in ("dct", "idct"):
        w = 2.0 * _cos_pi(k * (2 * j + 1), 2 * n)  # the DCT-II, W[k, j]
        s = np.where(np.arange(n) == 0, np.sqrt(1.0 / (4 * n)), np.sqrt(1.0 / (2 * n)))
        c = s[:, None] * w  # orthonormal: C^{-1} = C^T, hence W^{-1} = W^T diag(s^2)
        if kind == "dct":
            return c if norm == "ortho" else w
        return c.T if norm == "ortho" else w.T * s**2
    c = np.where((j == 0) | (j == n - 1), 1.0, 2.0)
    w = c * _cos_pi(j * k, n - 1)
    return w if kind == "dct1" else w / (2 * (n - 1))


def main() -> int:
    try:
        import torch
        import torch_dct
    except ImportError as exc:
        print(f"torch / torch_dct not importable here ({exc})")
        return 2
    print(f"torch {torch.__version__}, torch-dct {getattr(torch_dct, '__version__', '0.1.6')}")
    reproduced = False
    for kind, n, norm in [("dct", 16, None), ("dct", 64, "ortho"), ("idct", 64, "ortho"), ("dct1", 33, None),
                          ("idct1", 64, None)]:
        want = expected(kind, n, norm)
        layer = torch_dct.LinearDCT(n, kind, norm=norm).double()
        got = layer.weight.detach().numpy()
        err = np.abs(got - want).max() / np.abs(want).max()
        previous = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64)
        try:
            fixed = torch_dct.LinearDCT(n, kind, norm=norm).weight.detach().numpy()
        finally:
            torch.set_default_dtype(previous)
        err_fixed = np.abs(fixed - want).max() / np.abs(want).max()
        print(f"LinearDCT({n}, {kind!r}, norm={norm}).double(): weight dtype {layer.weight.dtype}, normwise error "
              f"{err:.1e} ({err / 2**-52:.2e} eps64); built under set_default_dtype(float64): {err_fixed:.1e}")
        reproduced |= bool(err > 1e-10)
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
