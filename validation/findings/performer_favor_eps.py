"""Finding: performer-pytorch adds eps = 1e-4 to FAVOR+ features after the max-subtraction stabiliser.

Run in a venv with torch and performer-pytorch:

    python validation/findings/performer_favor_eps.py

Exit status: 0 the finding reproduces, 1 it no longer does (update validation/FINDINGS.md), 2 torch or
performer-pytorch is not importable.

FAVOR+ (Choromanski et al., ICLR 2021) estimates softmax attention by Q' (K'^T V) normalised by Q' (K'^T 1),
with phi(x) = m^(-1/2) exp(x'W - |x'|^2/2), x' = d^(-1/4) x. Any constant factor per query row, and one per
key set, cancels in that ratio, so the max-subtraction stabiliser changes nothing in exact arithmetic.
performer's softmax_kernel computes m^(-1/2) (exp(x'W - |x'|^2/2 - c) + eps) with eps = 1e-4 added AFTER
subtracting c (the row max for queries, the max over all keys and features for keys): eps is relative to the
largest feature of the whole key set, and where most keys' features are below 1e-4 of that max (N(0, 1)
queries and keys at d = 64) the eps term dominates and the attention tends to the plain average of V.

Expected value, without performer: the paper's linear-attention formula in NumPy with performer's own
projection matrix (W = P^T). performer with eps=0 agrees with it to rounding; with its default eps it does not.
"""

from __future__ import annotations

import sys

import numpy as np


def favor_attention(q, k, v, p):
    """The paper's estimator (no stabiliser, no eps), float64 NumPy; p is performer's (m, d) projection."""
    d, m = q.shape[-1], p.shape[0]
    s = d**-0.25

    def phi(x):
        xs = x * s
        return np.exp(xs @ p.T - 0.5 * np.sum(xs * xs, axis=-1, keepdims=True)) / np.sqrt(m)

    qf, kf = phi(q), phi(k)
    num = qf @ (np.swapaxes(kf, -1, -2) @ v)
    den = qf @ np.sum(kf, axis=-2)[..., None]
    return num / den


def main() -> int:
    try:
        import torch
        from performer_pytorch import FastAttention
        from performer_pytorch.performer_pytorch import linear_attention, softmax_kernel
    except ImportError as exc:
        print(f"torch or performer-pytorch is not importable here ({exc})")
        return 2
    reproduced = True
    torch.manual_seed(0)
    for d, n, m in [(64, 256, 256), (64, 1024, 256), (16, 64, 64)]:
        attn = FastAttention(d, nb_features=m).double()
        q, k, v = (torch.randn(1, 1, n, d, dtype=torch.float64) for _ in range(3))
        p = attn.projection_matrix.double()
        out = attn(q, k, v).numpy()
        out0 = linear_attention(softmax_kernel(q, projection_matrix=p, is_query=True, eps=0.0),
                                softmax_kernel(k, projection_matrix=p, is_query=False, eps=0.0), v).numpy()
        want = favor_attention(q.numpy(), k.numpy(), v.numpy(), p.numpy())
        mean_v = np.broadcast_to(v.numpy().mean(axis=-2, keepdims=True), want.shape)

        def rel(a, b):
            return float(np.linalg.norm(a - b) / np.linalg.norm(b))

        print(f"d={d} n={n} m={m}, q, k, v ~ N(0, 1): FastAttention (eps=1e-4) vs the FAVOR+ formula "
              f"{rel(out, want):.3f}; softmax_kernel(eps=0) vs the formula {rel(out0, want):.1e}; "
              f"FastAttention vs mean(V) {rel(out, mean_v):.3f}, the formula vs mean(V) {rel(want, mean_v):.3f}")
        reproduced &= rel(out0, want) < 1e-10  # the arithmetic is right without eps
        if (d, n) == (64, 256):
            reproduced &= rel(out, want) > 0.5  # and eps changes the output by more than half
    # the stabiliser makes eps relative to the largest feature of the key set: adding one far key rescales
    # every other key's features by exp(C_old - C_new), a constant that cancels, plus eps, which does not
    x = torch.randn(1, 1, 8, 16, dtype=torch.float64)
    p = FastAttention(16, nb_features=32).projection_matrix.double()
    far = torch.cat([x, 6 * torch.randn(1, 1, 1, 16, dtype=torch.float64)], dim=-2)
    base = softmax_kernel(x, projection_matrix=p, is_query=False)
    with_far = softmax_kernel(far, projection_matrix=p, is_query=False)[..., :8, :]
    ratio = (with_far / base).numpy()
    print(f"features of the same 8 keys with one far key added to the set: ratio ranges over "
          f"[{ratio.min():.3g}, {ratio.max():.3g}] (a constant ratio would cancel; eps makes it vary)")
    reproduced &= bool(ratio.max() / ratio.min() > 1.01)
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
