"""Finding: spectrans's DWT1D.decompose raises on 3-D input (inventory #11, last sentence).

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_dwt_batch_input.py

``DWT1D.decompose(x, levels=None, dim=-1)`` documents ``x : Tensor`` ("Input tensor to decompose") and
``dim`` ("Dimension along which to apply decomposition"); the class claims to match PyWavelets exactly, and
``pywt.wavedec(x, ..., axis=k)`` transforms every 1-D line of an N-D array along ``axis``. spectrans's
``_single_dwt`` (src/spectrans/transforms/wavelet.py:291-335) handles 1-D input (adds a batch axis) and 2-D
input; for 3-D or more it adds a channel axis and hands a 4-D tensor to ``F.conv1d``, which raises
``RuntimeError: Expected 2D (unbatched) or 3D (batched) input to conv1d``, for every ``dim``. The same class
has ``_single_dwt_nd`` (moves the axis last, reshapes to 2-D, transforms, reshapes back), which ``DWT2D`` uses
and which accepts 4-D input, but ``decompose`` never calls it.

Expected value, derived independently: the transform of each line along the last axis, i.e.
``pywt.wavedec(x, wavelet, "symmetric", level, axis=-1)`` on the 3-D array, which equals pywt on the
(batch * channels, length) reshape line by line (checked here). spectrans computes that map for the 2-D
reshape (to the ~1e-7 of its float32 filters, finding spectrans_dwt_float32_filters), so the defect is the
missing N-D support, not the arithmetic.

Exit status 0 when the finding reproduces, 1 if spectrans now transforms 3-D input, 2 if spectrans is not
importable.
"""

from __future__ import annotations

import sys

import numpy as np
import pywt


def normwise(a, b) -> float:
    a = np.concatenate([np.ravel(v) for v in a])
    b = np.concatenate([np.ravel(v) for v in b])
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def main() -> int:
    try:
        import torch
        from spectrans.transforms.wavelet import DWT1D, DWT2D
    except ImportError as exc:
        print(f"spectrans is not importable here ({exc}); run this script in the peer venv")
        return 2
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 32))  # (batch, channels, length)
    dwt = DWT1D(wavelet="db2", levels=2)
    expected = pywt.wavedec(x, "db2", "symmetric", level=2, axis=-1)
    rows = pywt.wavedec(x.reshape(6, 32), "db2", "symmetric", level=2, axis=-1)
    print(f"expected: pywt.wavedec on the (2, 3, 32) array = pywt on its (6, 32) reshape: "
          f"{normwise([c.reshape(6, -1) for c in expected], rows):.1e}")

    raised = {}
    for dim in (-1, 1, 0):
        try:
            dwt.decompose(torch.from_numpy(x), dim=dim)
        except RuntimeError as exc:
            raised[dim] = str(exc).splitlines()[0]
        print(f"DWT1D('db2', levels=2).decompose(x of shape (2, 3, 32), dim={dim}): "
              + (f"RuntimeError: {raised[dim]}" if dim in raised else "runs"))

    cA, details = dwt.decompose(torch.from_numpy(x.reshape(6, 32)))
    theirs = [cA.numpy(), *(d.numpy() for d in reversed(details))]
    flat_err = normwise(theirs, rows)
    print(f"the (6, 32) reshape runs: max normwise error vs pywt {flat_err:.1e} (float32 taps)")
    a, b = dwt._single_dwt_nd(torch.from_numpy(x), axis=-1)
    nd_err = normwise([a.numpy(), b.numpy()], pywt.dwt(x, "db2", "symmetric", axis=-1))
    print(f"DWT1D._single_dwt_nd on the 3-D input (one level): runs, error vs pywt {nd_err:.1e}")
    ll, _ = DWT2D(wavelet="db2", levels=1).decompose(torch.from_numpy(rng.standard_normal((2, 3, 16, 16))))
    print(f"DWT2D on (2, 3, 16, 16): runs, LL shape {tuple(ll.shape)}")

    reproduces = len(raised) == 3 and flat_err < 1e-6
    print(f"\nfinding {'reproduces' if reproduces else 'does NOT reproduce'}: 3-D input raises for every dim")
    return 0 if reproduces else 1


if __name__ == "__main__":
    sys.exit(main())
