"""Finding: spectrans's models accept ``positional_encoding_type="alibi"`` and silently use no positional encoding.

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_model_alibi.py

``BaseModel.__init__`` (models/base.py) sets ``self.positional_encoding = None  # Will be initialized after
blocks`` for ``"alibi"``, and nothing initialises it: no ``ALiBiPositionalBias`` is built, and no block adds a bias
to any attention logit (``ALiBiPositionalBias`` exists in the module and is exported, unused). The documentation
lists 'alibi' among the encodings (Press et al., ICLR 2022: a head-specific linear bias -m |i - j| on the attention
scores). Expected, derived without specref: an 'alibi' model whose output depends on token positions, i.e. differs
from the same weights without an encoding and is not permutation-equivariant. Measured: the 'alibi' model equals
the 'none' model with the same state_dict exactly, and permuting the tokens of an all-attention model permutes its
outputs (float64 rounding): the model sees no positions at all.

Exit status 0 when the finding reproduces, 1 if spectrans now applies ALiBi, 2 if spectrans is not importable.
"""

from __future__ import annotations

import sys

import numpy as np


def main() -> int:
    try:
        import spectrans.models as sm
        import torch
    except ImportError as exc:
        print(f"spectrans is not importable here ({exc}); run this script in the peer venv")
        return 2
    kw = {"hidden_dim": 16, "num_layers": 2, "max_sequence_length": 8, "layer1_type": "attention",
          "layer2_type": "attention", "layer1_config": {"num_heads": 2}, "layer2_config": {"num_heads": 2},
          "output_type": "none", "dropout": 0.0}
    torch.manual_seed(0)
    alibi = sm.AlternatingTransformer(positional_encoding_type="alibi", **kw).double().eval()
    none = sm.AlternatingTransformer(positional_encoding_type="none", **kw).double().eval()
    none.load_state_dict(alibi.state_dict())
    built = [n for n, m in alibi.named_modules() if type(m).__name__ == "ALiBiPositionalBias"]
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((2, 8, 16)))
    perm = torch.from_numpy(np.random.default_rng(1).permutation(8))
    with torch.no_grad():
        y, y_none, y_perm = alibi(inputs_embeds=x), none(inputs_embeds=x), alibi(inputs_embeds=x[:, perm])
    same = float((y - y_none).abs().max())
    equivariant = float((y_perm - y[:, perm]).abs().max() / y.abs().max())
    print(f"positional_encoding: {alibi.positional_encoding}; ALiBiPositionalBias modules built: {built}")
    print(f"'alibi' against 'none' with the same weights: max |difference| = {same:.3g} (ALiBi: > 0)")
    print(f"permuting the tokens permutes the outputs: {equivariant:.3g} (with positions: O(1))")
    reproduces = alibi.positional_encoding is None and not built and same == 0.0 and equivariant < 1e-12
    print("finding reproduces" if reproduces else "spectrans now applies ALiBi: retire the finding")
    return 0 if reproduces else 1


if __name__ == "__main__":
    sys.exit(main())
