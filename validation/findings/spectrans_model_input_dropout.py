"""Finding: spectrans's models apply the input dropout twice (inventory #27).

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_model_input_dropout.py

``BaseModel.forward`` (models/base.py) adds the positional encoding, whose own ``forward`` ends in
``self.dropout(x)`` (``PositionalEncoding``/``LearnedPositionalEncoding`` built with the model's ``dropout``), and
then applies the model's ``self.dropout`` to the result: two independent dropouts of probability p in series, so
an entry reaches the first block with probability (1 - p)^2, scaled by 1/(1 - p)^2. The documentation ("dropout:
Dropout probability", one "Apply dropout" step) and the transformer the models follow define one input dropout:
kept with probability 1 - p, scaled by 1/(1 - p). Expected, derived without specref: with p = 0.5 one dropout
application before block 0, half the entries zero and the survivors doubled.

Exit status 0 when the finding reproduces, 1 if spectrans now applies one dropout, 2 if spectrans is not importable.
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
    p = 0.5
    model = sm.GFNet(vocab_size=11, hidden_dim=64, num_layers=1, max_sequence_length=256, num_classes=2,
                     dropout=p).double().train()
    applied, seen = [], {}
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Dropout) and not name.startswith("blocks") and name != "output_head.dropout":
            module.register_forward_hook(lambda m, i, o, name=name: applied.append(name))
    model.blocks[0].register_forward_pre_hook(lambda m, args: seen.setdefault("h0", args[0].detach().clone()))
    torch.manual_seed(0)
    ids = torch.randint(0, 11, (4, 256))
    with torch.no_grad():
        model(input_ids=ids)
        x1 = model.positional_encoding.pe[:, :256] + model.embedding(ids)  # the encoding's input plus its table
    h0 = seen["h0"].numpy()
    kept = float(np.mean(h0 != 0))
    ratio = h0[h0 != 0] / x1.numpy()[h0 != 0]
    print(f"dropout applications before block 0: {applied} (one input dropout: 1)")
    print(f"fraction of entries reaching block 0: {kept:.3f} (one dropout: {1 - p:.3f}; two: {(1 - p) ** 2:.3f})")
    print(f"scale of the surviving entries: {np.median(ratio):.3f} (one dropout: {1 / (1 - p):.3f}; "
          f"two: {1 / (1 - p) ** 2:.3f})")
    reproduces = len(applied) == 2 and abs(kept - (1 - p) ** 2) < 0.02 and abs(np.median(ratio) - 4.0) < 1e-9
    print("finding reproduces" if reproduces else "spectrans now applies one input dropout: retire the finding")
    return 0 if reproduces else 1


if __name__ == "__main__":
    sys.exit(main())
