"""Finding: spectrans's ``LSTDecoder`` and ``FNODecoder`` store ``causal=True`` (their default) and never apply it.

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_decoder_not_causal.py

``LSTDecoder.__init__`` (models/lst.py) and ``FNODecoder.__init__`` (models/fno_transformer.py) take ``causal``
("Whether to use causal masking", default True), store it as ``self.causal`` and build the same blocks as their
encoders: a DCT/DST along the sequence and an FFT-based spectral convolution, which mix every position into every
other. Nothing reads ``self.causal``. A causal decoder's output at position i depends on tokens 0..i only.
Expected, derived without specref: changing the last token leaves position 0's output unchanged (0). Measured:
it moves (normwise over position 0's logits) for both decoders.

Exit status 0 when the finding reproduces, 1 if the decoders are now causal, 2 if spectrans is not importable.
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
    torch.manual_seed(0)
    decoders = {"LSTDecoder": sm.LSTDecoder(vocab_size=11, hidden_dim=32, num_layers=2, max_sequence_length=8),
                "FNODecoder": sm.FNODecoder(vocab_size=11, hidden_dim=16, num_layers=2, max_sequence_length=8,
                                            modes=3)}
    ids = torch.from_numpy(np.random.default_rng(0).integers(0, 11, (2, 8)))
    ids2 = ids.clone()
    ids2[:, -1] = (ids2[:, -1] + 1) % 11  # another last token
    reproduces = True
    for name, model in decoders.items():
        model = model.double().eval()
        with torch.no_grad():
            y, y2 = model(input_ids=ids).numpy(), model(input_ids=ids2).numpy()
        moved = float(np.abs(y2[:, 0] - y[:, 0]).max() / np.abs(y[:, 0]).max())
        print(f"{name}(causal={model.causal}): position 0's logits moved by changing the last token: {moved:.3g} "
              "(causal: 0)")
        reproduces &= model.causal and moved > 1e-6  # causal: 0 to float64 rounding
    print("finding reproduces" if reproduces else "the decoders are now causal: retire the finding")
    return 0 if reproduces else 1


if __name__ == "__main__":
    sys.exit(main())
