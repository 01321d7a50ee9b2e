"""Finding: torch-dct's idct_2d and idct_3d document ":return: the DCT-II of the signal", but return its inverse.

Run in a venv with torch and torch-dct:

    python validation/findings/torch_dct_idct_nd_docstring.py

Exit status: 0 the finding reproduces, 1 it no longer does (update validation/FINDINGS.md), 2 torch or torch_dct
is not importable.

The DCT-II along the last axis is y_k = 2 sum_j x_j cos(pi k (2j + 1) / (2n)) (norm=None), a matrix W with the
argument k(2j + 1) reduced exactly mod 4n; the 2-D and 3-D transforms apply it along each of the last axes.
The script compares idct_2d / idct_3d with that DCT-II and with its inverse (W^-1 along each axis), and reads
the ":return:" line of their docstrings.
"""

from __future__ import annotations

import sys

import numpy as np


def dct2_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    return 2.0 * np.cos(np.pi * (np.mod(k * (2 * j + 1), 4 * n) / (2 * n)))


def along_last_axes(x: np.ndarray, mats: list[np.ndarray]) -> np.ndarray:
    for axis, m in zip(range(-len(mats), 0), mats, strict=True):
        x = np.moveaxis(np.tensordot(m, np.moveaxis(x, axis, 0), axes=1), 0, axis)
    return x


def main() -> int:
    try:
        import torch
        import torch_dct
    except ImportError as exc:
        print(f"torch / torch_dct not importable here ({exc})")
        return 2
    rng = np.random.default_rng(0)
    reproduced = False
    for name, shape in (("idct_2d", (5, 6)), ("idct_3d", (3, 4, 5))):
        fn = getattr(torch_dct, name)
        returns = next((line.strip() for line in (fn.__doc__ or "").splitlines() if ":return:" in line), "")
        x = rng.standard_normal(shape)
        got = fn(torch.tensor(x)).numpy()
        mats = [dct2_matrix(n) for n in shape]
        forward = along_last_axes(x, mats)
        inverse = along_last_axes(x, [np.linalg.inv(m) for m in mats])
        e_fwd = np.abs(got - forward).max() / np.abs(forward).max()
        e_inv = np.abs(got - inverse).max() / np.abs(inverse).max()
        print(f"{name}: docstring {returns!r}; vs the DCT-II {e_fwd:.1e}, vs its inverse {e_inv:.1e}")
        reproduced |= bool("DCT-II of the signal" in returns and "inverse" not in returns and e_fwd > 1e-3
                           and e_inv < 1e-12)
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
