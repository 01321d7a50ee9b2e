r"""The spectrans LST suite: LSTAttention (every transform type), DCTAttention and HadamardAttention against
spectrans 0.1.0.

Each case builds the spectrans module in float64, gives its parameters random N(0, 1) values (not the
initialisation: ones for the scale would hide terms of the gradients;
:func:`~specref.compare.suites.spectrans_mixing.random_params`), draws the input from a seed fixed by the
label, and calls :func:`specref.compare.compare` with the bounds derived below; the config is read off the
module and the ``state_dict`` loaded. Odd and even N for DCT and DST (the Hadamard transform needs a power of
two), normalize on and off, fixed (buffer) scale, no biases, training with dropout (the mask read back).

No mask is passed: spectrans's mask multiplies the transformed k and v by the transformed mask and does not
mask (spectrans-inventory #16); specref's mask masks, so the two are not comparable there. One case carries a
check that confirms spectrans's behaviour: with a mask, changing a masked token moves its kept outputs.

Bounds (:func:`specref.compare.bounds.pair_bounds`): the stage constants of
:meth:`specref.layers.attention.lst.LSTAttention.error_scale` (four projections, four length-N transforms, the
products, the normaliser), and for the gradients the longest parameter-gradient sum, over the B N positions
(the scale's and the projections' gradients).

torch and spectrans are imported inside the run functions only.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from specref.compare.api import compare
from specref.compare.bounds import pair_bounds
from specref.compare.suites import SuiteCase, one_torch_thread
from specref.compare.suites.spectrans_mixing import _draw, _gen, _normwise, random_params, with_check
from specref.layers.attention.lst import LSTAttention

__all__ = ["cases", "lst_bounds"]

# (class, constructor arguments, (B, N, D))
GRID = (
    ("LSTAttention", {"num_heads": 2, "transform_type": "dct"}, (2, 7, 6)),
    ("LSTAttention", {"num_heads": 3, "transform_type": "dct"}, (2, 8, 6)),
    ("LSTAttention", {"num_heads": 2, "transform_type": "dst"}, (2, 5, 4)),
    ("LSTAttention", {"num_heads": 2, "transform_type": "dst"}, (3, 6, 4)),
    ("LSTAttention", {"num_heads": 2, "transform_type": "hadamard"}, (2, 8, 4)),
    ("LSTAttention", {"num_heads": 3, "transform_type": "mixed"}, (2, 4, 6)),
    ("LSTAttention", {"num_heads": 2, "transform_type": "mixed"}, (2, 5, 4)),  # dct, dst: any N
    ("LSTAttention", {"num_heads": 2, "transform_type": "dst", "normalize": False}, (2, 7, 4)),
    ("LSTAttention", {"num_heads": 2, "transform_type": "dct", "learnable_scale": False, "use_bias": False},
     (2, 6, 4)),
    ("LSTAttention", {"num_heads": 3, "transform_type": "mixed", "dropout": 0.3}, (2, 8, 6)),
    ("DCTAttention", {"num_heads": 2}, (2, 9, 4)),
    ("DCTAttention", {"num_heads": 2, "dct_type": 3}, (2, 6, 4)),  # dct_type ignored by both
    ("HadamardAttention", {"num_heads": 2}, (2, 4, 8)),
    ("HadamardAttention", {"num_heads": 1, "scale_by_sqrt": False, "learnable_scale": False}, (1, 16, 4)),
)


def lst_bounds(layer: LSTAttention, shape: tuple):
    """(forward, gradient): :math:`2c\\epsilon` with c the layer's stage constants (half its claim, which is
    doubled for propagation) and, for the gradients, the B N-term sums forming the parameter gradients."""
    n = shape[-2]
    positions = int(np.prod(shape[:-1]))
    return pair_bounds(extra=layer.error_scale(n) / 2.0, reduction=positions,
                       what=f"{type(layer).__name__}: projections, length-{n} transforms, products, normaliser")


def _label(name, cfg, shape) -> str:
    parts = ["x".join(map(str, shape))] + [f"{k}={v}" for k, v in cfg.items() if k != "dropout"]
    return "-".join(parts + ([f"train_p{cfg['dropout']}"] if cfg.get("dropout") else []))


def _module(name, cfg, d):
    import spectrans.layers.attention.lst as sl  # peer-only

    return getattr(sl, name)(hidden_dim=d, **cfg).double()


def _run(component, label, cfg, shape):
    gen = _gen(label)
    module = _module(component, cfg, shape[-1])
    random_params(module, gen)
    layer = LSTAttention(shape[-1], cfg.get("num_heads", 8), transform_type=cfg.get("transform_type", "dct"))
    training = bool(cfg.get("dropout"))
    return compare(module, x=_draw(gen, shape), training=training, seed=7, label=label,
                   bound=lst_bounds(layer, shape))


def _mask_does_not_mask(component, label, cfg, shape):
    """The comparison without a mask, plus the check of spectrans's mask (inventory #16)."""
    import torch  # peer-only

    cmp = _run(component, label, cfg, shape)
    gen = _gen(label + "/mask")
    module = _module(component, cfg, shape[-1])
    random_params(module, gen)
    x = torch.from_numpy(_draw(gen, shape))
    keep = torch.ones(shape[:-1], dtype=torch.bool)
    keep[:, 1] = False
    x2 = x.clone()
    x2[:, 1] += 1.0
    with torch.no_grad():
        y, y2 = module(x, mask=keep), module(x2, mask=keep)
    kept = keep.numpy()
    moved = _normwise(y2.numpy()[kept], y.numpy()[kept])
    return with_check(cmp, "spectrans's mask does not mask: changing a masked token moves the kept outputs "
                      "(inventory #16; specref zeroes the masked tokens' q, k, v)", moved > 1e-3, moved)


def _case(component, label, run, *args) -> SuiteCase:
    return SuiteCase("spectrans", component, label, partial(one_torch_thread, run, component, label, *args))


def cases() -> list[SuiteCase]:
    """Every LST case of the spectrans suite (the first carries the mask check)."""
    out = []
    for i, (name, cfg, shape) in enumerate(GRID):
        label = _label(name, cfg, shape)
        out.append(_case(name, label, _mask_does_not_mask if i == 0 else _run, cfg, shape))
    return out
