"""Finding: spectrans's models crash with shape errors on an odd ``hidden_dim`` with the sinusoidal encoding and on a
sequence longer than ``max_sequence_length``.

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_model_positional_limits.py

``PositionalEncoding.__init__`` (models/base.py) fills ``pe[:, 1::2] = cos(position * div_term)`` with
ceil(D/2) frequencies into floor(D/2) columns: for odd D every model with the default encoding raises a
``RuntimeError`` about expanded sizes at construction (the documentation allows any ``hidden_dim``). A sequence
longer than ``max_sequence_length`` meets ``x + self.pe[:, :seq_length]`` (or the learned table) with fewer rows:
a ``RuntimeError`` about tensor sizes from inside the forward, not an error naming the limit. Expected: a
sinusoidal table for odd D (its last column a sine, as the formula defines) or a refusal that names D, and a
refusal that names ``max_sequence_length``.

Exit status 0 when the finding reproduces, 1 if spectrans now handles both, 2 if spectrans is not importable.
"""

from __future__ import annotations

import sys


def main() -> int:
    try:
        import spectrans.models as sm
        import torch
    except ImportError as exc:
        print(f"spectrans is not importable here ({exc}); run this script in the peer venv")
        return 2
    odd = long = ""
    try:
        sm.GFNet(vocab_size=11, hidden_dim=7, num_layers=1, max_sequence_length=8)
    except RuntimeError as exc:
        odd = str(exc)
    model = sm.FNet(vocab_size=11, hidden_dim=8, num_layers=1, max_sequence_length=8, use_real_fft=False).eval()
    try:
        with torch.no_grad():
            model(input_ids=torch.zeros(1, 9, dtype=torch.long))
    except RuntimeError as exc:
        long = str(exc)
    print(f"GFNet(hidden_dim=7): RuntimeError: {odd or '(none)'}")
    print(f"FNet(max_sequence_length=8) on N = 9: RuntimeError: {long or '(none)'}")
    reproduces = "expanded size" in odd and "must match" in long and "max_sequence_length" not in long
    print("finding reproduces" if reproduces else "spectrans now handles both: retire the finding")
    return 0 if reproduces else 1


if __name__ == "__main__":
    sys.exit(main())
