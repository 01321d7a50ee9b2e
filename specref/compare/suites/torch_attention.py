r"""torch.nn.MultiheadAttention against specref's MultiheadAttention: output, autograd gradients of every input
and parameter, and (``need_weights=True``) the per-head attention weights.

torch's module and specref's layer share their parameter names (``in_proj_weight``, ``in_proj_bias``,
``out_proj.weight``, ``out_proj.bias``): one O(1) draw (specref's verification draw: weights
:math:`N(0, 1/E)`, biases :math:`N(0, 1/4)`, so the scores are O(1) and every gradient is generic) is loaded
into torch with ``load_state_dict(strict=True)`` and into specref with ``from_state_dict(strict=True)``, so a
name or shape mismatch fails the case. The points: self-attention (torch's packed projection, the query
tensor passed as query, key and value) and cross-attention (Lq != Lk, three inputs); ``key_padding_mask``
bool and float; ``attn_mask`` bool (causal, random) and float, of shape (Lq, Lk) and per head (torch's
(B h, Lq, Lk) is specref's (B, h, Lq, Lk)); one to four heads, odd lengths, ``bias=False``, torch's default
``batch_first=False`` layout, ``need_weights=False`` (torch's scaled_dot_product_attention path) and
``need_weights=True, average_attn_weights=False`` (its explicit softmax path, whose weights are compared with
``ctx.weights``); float64, and one float32 point. Two points mask every key of one query
(``row_masked``): torch's scaled_dot_product_attention path gives that row's attention output 0 and zero
gradients through it, as specref does (its explicit softmax path, ``need_weights=True``, gives NaN, so those
points use ``need_weights=False``). Dropout is not compared: torch draws its mask inside
the fused kernel, where it cannot be read back (specref's dropout on the weights is checked in its tests).

Bounds: :math:`2c\epsilon` for the output and the weights, with :math:`c` the layer's claim
(:meth:`~specref.layers.attention.softmax.MultiheadAttention.error_scale`, the stages' constants doubled);
:math:`2(2c + BL + 1)\epsilon` for the gradients (the adjoint chain against the stored forward values, and the
sums of B L terms that form the projection weights' gradients), as for AFNO (:mod:`specref.compare.bounds`).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from specref.compare.suites import SuiteCase, one_torch_thread

__all__ = ["cases", "POINTS"]

# (batch, Lq, Lk or None for self-attention, E, heads, options)
POINTS = (
    ((2,), 5, None, 8, 2, {}),
    ((3,), 7, None, 12, 3, {"bias": False}),
    ((2,), 6, None, 8, 4, {"key_padding_mask": "bool"}),
    ((2,), 5, None, 6, 2, {"attn_mask": "causal"}),
    ((2,), 5, None, 6, 3, {"attn_mask": "float"}),
    ((2,), 5, None, 6, 2, {"attn_mask": "row_masked", "key_padding_mask": "bool"}),
    ((2,), 4, None, 8, 2, {"attn_mask": "bool_per_head", "key_padding_mask": "bool"}),
    ((2,), 5, None, 8, 2, {"attn_mask": "float", "key_padding_mask": "float"}),
    ((2,), 7, None, 8, 1, {"key_padding_mask": "bool", "need_weights": True}),
    ((2,), 5, None, 8, 2, {"attn_mask": "causal", "batch_first": False}),
    ((2,), 6, None, 8, 2, {"key_padding_mask": "bool", "dtype": "float32"}),
    ((2,), 3, 7, 8, 2, {}),
    ((2,), 5, 4, 8, 4, {"key_padding_mask": "bool", "attn_mask": "bool"}),
    ((2,), 4, 5, 8, 2, {"attn_mask": "row_masked"}),
    ((2,), 4, 6, 6, 2, {"attn_mask": "float_per_head", "need_weights": True}),
    ((1,), 5, 3, 4, 2, {"key_padding_mask": "float", "batch_first": False}),
)


def _masks(gen, batch, lq, lk, heads, options):
    """Host masks in specref's shapes (bool masks in torch's MHA convention: True = not allowed). Key 0 stays
    unpadded and query i may always attend to key min(i, Lk - 1), except query 1 under ``"row_masked"``."""
    out = {}
    kind = options.get("key_padding_mask")
    if kind == "bool":
        pad = gen.random((*batch, lk)) < 0.35
        pad[..., 0] = False
        out["key_padding_mask"] = pad
    elif kind == "float":
        out["key_padding_mask"] = gen.uniform(-1.0, 1.0, (*batch, lk))
    kind = options.get("attn_mask")
    free = np.zeros((lq, lk), dtype=bool)
    free[np.arange(lq), np.minimum(np.arange(lq), lk - 1)] = True
    free[:, 0] = True
    if kind == "causal":
        out["attn_mask"] = np.triu(np.ones((lq, lk), dtype=bool), 1)
    elif kind == "bool":
        out["attn_mask"] = (gen.random((lq, lk)) < 0.35) & ~free
    elif kind == "bool_per_head":
        out["attn_mask"] = (gen.random((*batch, heads, lq, lk)) < 0.35) & ~free
    elif kind == "float":
        out["attn_mask"] = gen.uniform(-1.0, 1.0, (lq, lk))
    elif kind == "row_masked":  # query 1 may attend to no key: torch's sdpa path gives 0 there, as specref
        out["attn_mask"] = (gen.random((lq, lk)) < 0.35) & ~free
        out["attn_mask"][1] = True
    elif kind == "float_per_head":
        out["attn_mask"] = gen.uniform(-1.0, 1.0, (*batch, heads, lq, lk))
    return out


def _run(point, seed: int, case_label: str):
    import torch  # peer-only

    from specref.compare.api import _tensor
    from specref.compare.bounds import eps_of
    from specref.compare.result import Comparison
    from specref.layers.attention.softmax import MultiheadAttention, _build
    from specref.testing.tolerances import Bound

    batch, lq, lk, e, heads, options = point
    cross = lk is not None
    lk = lk if cross else lq
    dtype = options.get("dtype", "float64")
    bias, batch_first = options.get("bias", True), options.get("batch_first", True)
    need_weights = options.get("need_weights", False)
    gen = np.random.default_rng(seed)
    params = {k: np.asarray(v) for k, v in _build(seed, embed_dim=e, num_heads=heads, bias=bias).params.items()}
    params = {k: v.astype(dtype) for k, v in params.items()}
    ours = MultiheadAttention.from_state_dict(params, embed_dim=e, num_heads=heads, bias=bias,
                                              batch_first=batch_first)
    module = torch.nn.MultiheadAttention(e, heads, bias=bias, batch_first=batch_first, dtype=getattr(torch, dtype))
    module.load_state_dict({k: torch.from_numpy(v) for k, v in params.items()}, strict=True)
    module.eval()
    # batch-first draws; torch's default layout (L, B, E) is their transpose
    shapes = [(*batch, lq, e)] + ([(*batch, lk, e)] * 2 if cross else [])
    inputs = [gen.standard_normal(s).astype(dtype) for s in shapes]
    if not batch_first:
        inputs = [np.ascontiguousarray(np.swapaxes(x, 0, 1)) for x in inputs]
    drawn = _masks(gen, batch, lq, lk, heads, options)
    masks = {k: (v if v.dtype == bool else v.astype(dtype)) for k, v in drawn.items()}
    t_in = [torch.tensor(x, requires_grad=True) for x in inputs]
    t_masks = {k: torch.from_numpy(v) for k, v in masks.items()}
    if "attn_mask" in t_masks and t_masks["attn_mask"].ndim == 4:  # specref (B, h, Lq, Lk) = torch (B h, Lq, Lk)
        t_masks["attn_mask"] = t_masks["attn_mask"].reshape(-1, lq, lk)
    qkv = t_in if cross else t_in * 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch deprecates mixing a bool and a float mask
        y_t, w_t = module(*qkv, need_weights=need_weights, average_attn_weights=False, **t_masks)
    y, ctx = ours.forward(*inputs, **masks)
    dy = gen.standard_normal(y.shape).astype(dtype)
    y_t.backward(torch.from_numpy(dy))
    dx, grads = ours.backward(ctx, dy)
    dx = dx if cross else (dx,)
    eps = eps_of(dtype)
    c = ours.error_scale(lq, lk)
    c_grad = 2.0 * c + math.prod(batch) * max(lq, lk) + 1.0
    fwd = Bound(2 * c * eps, f"2 c eps, c = {c:.3g}: MultiheadAttention.error_scale(Lq={lq}, Lk={lk}) (projections, "
                             f"scores, softmax, products, the stages' sum doubled); eps = {eps:.3g}")
    grad = Bound(2 * c_grad * eps, f"2 (2 c + B L + 1) eps = {2 * c_grad:.3g} eps: the adjoint chain against the "
                                   f"forward's values, and the projection weights' sums of B L terms; eps = {eps:.3g}")
    tensors = [_tensor("output", y_t.detach().numpy(), y, fwd)]
    if need_weights:
        tensors.append(_tensor("attention weights", w_t.detach().numpy(), ctx.weights, fwd))
    names = ("query", "key", "value") if cross else ("x",)
    tensors += [_tensor(f"grad {n}", t.grad.numpy(), g, grad) for n, t, g in zip(names, t_in, dx, strict=True)]
    peer_params = dict(module.named_parameters())
    if list(peer_params) != list(grads):
        raise AssertionError(f"parameter names differ: torch {list(peer_params)}, specref {list(grads)}")
    tensors += [_tensor(f"grad {k}", p.grad.numpy(), grads[k], grad) for k, p in peer_params.items()]
    notes = [f"{'cross' if cross else 'self'}-attention, need_weights={need_weights} (torch's "
             f"{'explicit softmax' if need_weights else 'scaled_dot_product_attention'} path)"]
    config = {"embed_dim": e, "num_heads": heads, "bias": bias, "batch_first": batch_first,
              **{k: options[k] for k in ("key_padding_mask", "attn_mask") if k in options}}
    return Comparison("torch.nn.MultiheadAttention", "MultiheadAttention", config, dtype, tuple(tensors),
                      notes=tuple(notes), label=case_label)


def _label(point) -> str:
    batch, lq, lk, e, heads, options = point
    words = [f"{'cross' if lk else 'self'}", f"B={','.join(map(str, batch))}", f"Lq={lq}"]
    words += [f"Lk={lk}"] if lk else []
    words += [f"E={e}", f"h={heads}"] + [f"{k}={v}" for k, v in options.items()]
    return " ".join(words)


def _bind(fn, *args):
    def run():
        return one_torch_thread(fn, *args)

    return run


def cases() -> list[SuiteCase]:
    return [SuiteCase("torch", "MultiheadAttention", _label(p), _bind(_run, p, seed, _label(p)))
            for seed, p in enumerate(POINTS)]
