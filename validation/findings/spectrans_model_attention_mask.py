"""Finding: spectrans's models pass ``attention_mask`` to the pooling head only, never to the blocks.

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_model_attention_mask.py

``BaseModel.forward(input_ids, inputs_embeds, attention_mask)`` (models/base.py) calls ``block(hidden_states)`` for
every block and hands ``attention_mask`` to ``output_head`` alone (the mean or max pooling reads it); the
attention layers inside the blocks (``nn.MultiheadAttention`` in ``StandardAttention``, spectral and Performer
attention, LST attention), which all accept a mask, never see it. The docstring defines it as "Attention mask ...
(1 for tokens to attend to)": a padding mask, so no kept (unmasked) position's output may depend on a masked
token. Expected, derived without specref: changing a masked token leaves the kept outputs unchanged (0); the
same attention layers given the mask themselves do that (an all-attention ``AlternatingTransformer`` whose
blocks are called with ``key_padding_mask``, float64 rounding).

Exit status 0 when the finding reproduces, 1 if spectrans now masks, 2 if spectrans is not importable.
"""

from __future__ import annotations

import sys

import numpy as np


def _moved(y, y2, keep) -> float:
    return float(np.abs(y2[keep] - y[keep]).max() / np.abs(y[keep]).max())


def main() -> int:
    try:
        import spectrans.models as sm
        import torch
    except ImportError as exc:
        print(f"spectrans is not importable here ({exc}); run this script in the peer venv")
        return 2
    torch.manual_seed(0)
    models = {
        "AlternatingTransformer(attention, attention)": sm.AlternatingTransformer(
            hidden_dim=16, num_layers=2, max_sequence_length=8, layer1_type="attention", layer2_type="attention",
            layer1_config={"num_heads": 2}, layer2_config={"num_heads": 2}, output_type="none", dropout=0.0),
        "SpectralAttentionEncoder": sm.SpectralAttentionEncoder(hidden_dim=16, num_layers=2, max_sequence_length=8,
                                                                num_heads=2),
        "LSTEncoder": sm.LSTEncoder(hidden_dim=16, num_layers=2, max_sequence_length=8),
    }
    gen = np.random.default_rng(0)
    x = torch.from_numpy(gen.standard_normal((2, 8, 16)))
    keep = torch.ones(2, 8, dtype=torch.bool)
    keep[:, -2:] = False  # two padding tokens per sample
    x2 = x.clone()
    x2[:, -2:] += torch.from_numpy(gen.standard_normal((2, 2, 16)))  # not a constant: LN would remove it
    reproduces = True
    for name, model in models.items():
        model = model.double().eval()
        with torch.no_grad():
            y = model(inputs_embeds=x, attention_mask=keep).numpy()
            y2 = model(inputs_embeds=x2, attention_mask=keep).numpy()
        moved = _moved(y, y2, keep.numpy())
        print(f"{name}: kept outputs moved by changing the masked tokens: {moved:.3g} (a padding mask: 0)")
        reproduces &= moved > 1e-3
    # the same all-attention model with the mask given to its attention layers: the expected behaviour
    model = models["AlternatingTransformer(attention, attention)"]

    def masked(h):
        h = model.positional_encoding(h)
        for block in model.blocks:
            u = block.norm1(h)
            h = h + block.mixing_layer.attention(u, u, u, key_padding_mask=~keep, need_weights=False)[0]
            h = h + block.ffn(block.norm2(h))
        return model.final_norm(h).numpy()

    with torch.no_grad():
        expected = _moved(masked(x), masked(x2), keep.numpy())
    print(f"the same model with the mask reaching its attention layers: {expected:.3g} (float64 rounding)")
    reproduces &= expected < 1e-12
    print("finding reproduces" if reproduces else "spectrans now masks inside the blocks: retire the finding")
    return 0 if reproduces else 1


if __name__ == "__main__":
    sys.exit(main())
