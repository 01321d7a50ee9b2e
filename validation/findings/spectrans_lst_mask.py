"""Finding: spectrans's LST attention mask does not mask; an all-True mask changes the output (inventory #16).

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_lst_mask.py

``LSTAttention.forward(x, mask)`` (lst.py:260-263) multiplies the transformed keys and values by the
*transformed* mask, ``k^ <- k^ * T(mask)``, ``v^ <- v^ * T(mask)``. A transform mixes every position into every
coefficient, so a masked token still reaches the kept outputs through ``q^`` and through the unmasked
coefficients; and the transform of an all-True mask is not all ones (the orthonormal DCT-II of ones is
(sqrt(N), 0, ..., 0)), so a mask that keeps every token keeps only the DC coefficient of k^ and v^. A padding
mask (True = keep, spectrans's convention) means: no kept output depends on a masked token's input, and keeping
every token is no mask. Expected, derived without specref: the kept outputs do not move when a masked token
changes (difference 0), and an all-True mask changes nothing (difference at float64 rounding, ~1e-16).

Exit status 0 when the finding reproduces, 1 if spectrans now masks, 2 if spectrans is not importable.
"""

from __future__ import annotations

import sys

import numpy as np


def main() -> int:
    try:
        import spectrans.layers.attention.lst as sl
        import torch
    except ImportError as exc:
        print(f"spectrans is not importable here ({exc}); run this script in the peer venv")
        return 2
    torch.manual_seed(0)
    module = sl.LSTAttention(8, 2, transform_type="dct").double().eval()
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((2, 6, 8)))
    keep = torch.ones(2, 6, dtype=torch.bool)
    keep[:, 1] = False
    x2 = x.clone()
    x2[:, 1] += 1.0
    with torch.no_grad():
        y, y2 = module(x, mask=keep), module(x2, mask=keep)
        y_none, y_all = module(x), module(x, mask=torch.ones(2, 6, dtype=torch.bool))
    kept = keep.numpy()
    moved = float(np.abs(y2.numpy()[kept] - y.numpy()[kept]).max() / np.abs(y.numpy()[kept]).max())
    all_true = float(np.abs(y_all.numpy() - y_none.numpy()).max() / np.abs(y_none.numpy()).max())
    print(f"kept outputs moved by a masked token: {moved:.3g} (a mask: 0)")
    print(f"all-True mask against no mask: {all_true:.3g} (no mask: float64 rounding, ~1e-16)")
    reproduces = moved > 1e-3 and all_true > 1e-10
    print("finding reproduces" if reproduces else "spectrans now masks: retire the finding")
    return 0 if reproduces else 1


if __name__ == "__main__":
    sys.exit(main())
