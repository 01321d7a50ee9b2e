"""Finding: spectrans's MixedSpectralAttention(use_fft=True) cannot be saved, moved or switched to eval, and its
mask is ignored (inventory #3).

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_mixed_attention.py

``MixedSpectralAttention`` builds ``self.fft = FFT1D()`` by default, and ``FFT1D`` never calls
``nn.Module.__init__`` (fourier.py): every ``nn.Module`` method that walks the submodules fails on it, so
``state_dict()``, ``parameters()``, ``.eval()``, ``.double()`` raise AttributeError; the layer of the default
configuration can be called but not saved, loaded or trained with an optimizer over ``parameters()``. Its
forward takes the mask as ``_mask`` and never reads it. Expected: a module that produces its state_dict, and a
padding mask (True = keep) under which no kept output depends on a masked token. Measured: the AttributeErrors,
and the output with a mask equal to the output without it (difference exactly 0) while a masked token moves the
kept outputs. specref's layer has the state_dict spectrans would give (``scales.<type>`` sorted as its
``nn.ParameterDict``) and its mask masks; its comparison reads spectrans's tensors through the submodules.

Exit status 0 when the finding reproduces, 1 if spectrans now works, 2 if spectrans is not importable.
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
    module = sl.MixedSpectralAttention(6, 3)
    raised = []
    for what, call in (("state_dict()", module.state_dict), ("parameters()", lambda: list(module.parameters())),
                       ("eval()", module.eval), ("double()", module.double)):
        try:
            call()
        except AttributeError as exc:
            raised.append(what)
            print(f"{what} raises AttributeError: {exc}")
    torch.manual_seed(0)
    module = sl.MixedSpectralAttention(6, 3)  # a fresh one: double() converted some submodules before raising
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((2, 8, 6)).astype(np.float32))
    keep = torch.ones(2, 8, dtype=torch.bool)
    keep[:, 2] = False
    x2 = x.clone()
    x2[:, 2] += 1.0
    with torch.no_grad():
        y, y_masked, y2_masked = module(x), module(x, keep), module(x2, keep)
    same = float((y_masked - y).abs().max())
    kept = keep.numpy()
    moved = float(np.abs(y2_masked.numpy()[kept] - y_masked.numpy()[kept]).max())
    print(f"output with a mask minus without: {same:.3g}; a masked token moves the kept outputs by {moved:.3g} "
          "(a mask: 0)")
    reproduces = len(raised) == 4 and same == 0.0 and moved > 1e-3
    print("finding reproduces" if reproduces else "spectrans now works: retire the finding")
    return 0 if reproduces else 1


if __name__ == "__main__":
    sys.exit(main())
