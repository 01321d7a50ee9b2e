"""Bench cases of the attention layers and the feed-forward block: specref against spectrans (its linear-time
and LST attention, its feed-forward network) or torch.nn (exact multi-head attention, the transformer encoder)
under CPU autograd, on the same weights.

Each case times the layer's forward (inference, no dropout) and its forward + hand-written backward (the
input's and every parameter's gradient) on a (B, N, D) input. The natural peer is the implementation a user
would otherwise train with: spectrans 0.1.0's class of the same name (specref's ``state_dict`` loaded with
``strict=True``), and for the exact softmax attention and the encoder, ``torch.nn``'s modules with
``batch_first=True`` (specref's names are torch's). The spectrans-variant layers (SpectralAttention,
PerformerAttention, KernelAttention) run with ``variant="spectrans"``, spectrans's own math from its stored
feature buffers, so both sides compute the same thing. SpectralAttention also has a JAX column: the same
math under ``jax.jit(jax.vjp)`` (benchmarks/bench_feature_attention.py).

Sizes: B = 8, N in {512, 2048} (the linear-time layers also N = 4096), D = 256, 8 heads; ``--quick``:
B = 2, N = 128, D = 64, 4 heads. Sweeps over N at B = 1, D = 64, 4 heads: the linear attention claims n,
the exact softmax attention n^2 (up to N = 2^12: its float64 attention matrices at 2^14 take ~9 GB each).
spectrans's Hadamard transform is a Python loop over butterflies (validation/findings/spectrans_hadamard_cost.md):
its forward + backward takes ~1 s at N = 128, D = 64 and over 15 min at N = 256, D = 256, so the torch column
of HadamardAttention and MixedSpectralAttention (whose Hadamard heads use it) runs at N <= 128 only (the
quick point). MixedSpectralAttention's spectrans ``state_dict()`` raises
(validation/findings/spectrans_mixed_attention.md): its weights are copied through the submodules. Goal
(issue 17): the spectral attention layers at most 1.0 against torch.
"""

from __future__ import annotations

import math

import numpy as np

from specref.bench.case import PeerUnavailable, Run, Sweep
from specref.bench.cases._layers import layer_case, torch_peer
from specref.layers import (
    DCTAttention,
    FeedForwardNetwork,
    HadamardAttention,
    KernelAttention,
    LSTAttention,
    MixedSpectralAttention,
    MultiheadAttention,
    PerformerAttention,
    SpectralAttention,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = ["CASES"]

GRID = tuple({"B": 8, "N": n, "D": 256, "H": 8} for n in (512, 2048))
LINEAR_GRID = (*GRID, {"B": 8, "N": 4096, "D": 256, "H": 8})
QUICK = ({"B": 2, "N": 128, "D": 64, "H": 4},)
SWEEP_BASE = {"B": 1, "D": 64, "H": 4}
SPECTRAL = "spectrans.layers.attention.spectral"
LST = "spectrans.layers.attention.lst"
HADAMARD_MAX_N = 128  # spectrans's Python-loop Hadamard transform: see the module docstring
LINEAR_GOALS = {"torch": 1.0}
NOTE = "torch: spectrans 0.1.0 under torch CPU autograd, loaded with specref's weights (strict state_dict)"
TORCH_NN_NOTE = "torch: torch.nn's module (batch_first=True) under torch CPU autograd, loaded with specref's weights"


def _sequence(p):
    return (p["B"], p["N"], p["D"])


def _label(p):
    return f"B={p['B']} N={p['N']} D={p['D']} h={p['H']}"


def _heads(p, **kw):
    return {"hidden_dim": p["D"], "num_heads": p["H"], **kw}


def _spectrans_variant(p):
    return _heads(p, variant="spectrans")


def _mha(p):
    return {"embed_dim": p["D"], "num_heads": p["H"]}


def _encoder_layer(p):
    return {"d_model": p["D"], "nhead": p["H"], "dim_feedforward": 4 * p["D"], "dropout": 0.0}


def _encoder(p):
    return {"num_layers": 2, **_encoder_layer(p)}


def _ffn(p):
    return {"hidden_dim": p["D"], "ffn_hidden_dim": 4 * p["D"]}


def _self_attention(module, x):
    """``nn.MultiheadAttention`` as self-attention, without the averaged weights (specref returns none)."""
    return module(x, x, x, need_weights=False)[0]


def _torch_encoder(cls, p):
    """``nn.TransformerEncoder`` of two ``nn.TransformerEncoderLayer`` (post-norm, ReLU, no final norm)."""
    import torch  # peer-only

    layer = torch.nn.TransformerEncoderLayer(p["D"], p["H"], dim_feedforward=4 * p["D"], dropout=0.0,
                                             batch_first=True)
    return cls(layer, 2, enable_nested_tensor=False)


def _small_only(build, why: str):
    """``build`` at N <= :data:`HADAMARD_MAX_N`; PeerUnavailable above (``why``)."""

    def small(setup, point, dtype):
        if point["N"] > HADAMARD_MAX_N:
            raise PeerUnavailable(f"{why} (runs at N <= {HADAMARD_MAX_N} only)")
        return build(setup, point, dtype)

    return small


_HADAMARD_WHY = ("spectrans's HadamardTransform is a Python loop over butterflies: forward+backward > 15 min at "
                 "N = 256 (spectrans_hadamard_cost)")


def _autograd_run(torch, module, params, x, dy) -> Run:
    """A module's forward (``no_grad``) and ``torch.autograd.grad`` of the input and ``params`` (listed by the
    caller: MixedSpectralAttention's ``parameters()`` raises)."""
    tx = torch.from_numpy(np.array(x, copy=True))
    tx_grad = tx.clone().requires_grad_(True)
    tdy = torch.from_numpy(np.array(dy, copy=True))
    params = list(params)

    def forward():
        with torch.no_grad():
            return module(tx)

    def forward_backward():
        return torch.autograd.grad(module(tx_grad), [tx_grad, *params], tdy)

    return Run(forward, forward_backward)


def _mixed_torch(setup, point, dtype):
    """spectrans's MixedSpectralAttention with specref's weights, copied through its submodules: with
    ``use_fft=True`` its ``state_dict()``, ``parameters()`` and ``.double()`` raise (its FFT submodule never
    ran ``nn.Module.__init__``), so it is built under torch's default dtype set to ``dtype``."""
    from specref.bench.peers import import_torch, spectrans_class

    torch = import_torch()
    cls = spectrans_class(LST, "MixedSpectralAttention")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, dtype))
    try:
        torch.manual_seed(0)
        module = cls(point["D"], num_heads=point["H"], dropout=0.0)
    finally:
        torch.set_default_dtype(previous)
    subs = {name: getattr(module, name) for name in ("q_proj", "k_proj", "v_proj", "out_proj")}
    params = {f"{n}.{k}": p for n, sub in subs.items() for k, p in sub.named_parameters()}
    params.update({f"scales.{k}": p for k, p in module.scales.items()})
    state = setup.data["layer"].state_dict()
    if set(params) != set(state):
        raise PeerUnavailable(f"spectrans's MixedSpectralAttention parameters {sorted(params)} differ from "
                              f"specref's {sorted(state)}")
    module.dropout.eval()
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(torch.from_numpy(np.array(state[name], copy=True)))
    return _autograd_run(torch, module, params.values(), setup.data["x"], setup.data["dy"])


def _jax_spectral_attention(setup, point, dtype):
    r"""spectrans's SpectralAttention (softmax kernel) in JAX: projections, heads,
    :math:`\phi(a) = \exp(aP - |a|^2/2)/\sqrt m` with the stored projection P (a constant, as spectrans's
    buffer), linear attention with the 1e-6 normaliser, output projection; every weight's gradient."""
    from specref.bench.peers import import_jax, jax_function_run

    jax, jnp = import_jax()
    layer = setup.data["layer"]
    projection = jnp.asarray(layer.state_dict()["kernel.projection"])
    m = projection.shape[1]
    h = point["H"]

    def f(x, p):
        b, n, e = x.shape
        d = e // h

        def lin(name, a):
            return a @ p[f"{name}.weight"].T + p[f"{name}.bias"]

        def heads(a):
            return a.reshape(b, n, h, d).transpose(0, 2, 1, 3)

        def phi(a):
            return jnp.exp(a @ projection - 0.5 * jnp.sum(a * a, axis=-1, keepdims=True)) / math.sqrt(m)

        q, k, v = (heads(lin(f"{c}_proj", x)) for c in "qkv")
        fq, fk = phi(q), phi(k)
        o = (fq @ (jnp.swapaxes(fk, -1, -2) @ v)) / (fq @ jnp.sum(fk, axis=-2)[..., None] + 1e-6)
        return lin("out_proj", o.transpose(0, 2, 1, 3).reshape(b, n, e))

    params = {k: np.asarray(v) for k, v in layer.params.items()}
    return jax_function_run(f, setup.data["x"], params, setup.data["dy"])


def _sweep(claim: str, top: int = 14) -> Sweep:
    """The sequence-length sweep N = 2^8 .. 2^top at B = 1, D = 64, 4 heads (the exact attention stops at 2^12:
    its float64 attention matrices at 2^14 take ~9 GB each)."""
    return Sweep(param="N", values=tuple(2**k for k in range(8, top + 1)), quick=tuple(2**k for k in range(8, 12)),
                 base=SWEEP_BASE, claim=claim)


def _case(name, cls, config, *, module=None, grid=GRID, goals=None, sweep=None, peers=None, note=NOTE):
    return layer_case(name, "blocks" if name == "FeedForwardNetwork" else "attention", cls=cls, config=config,
                      input_shape=_sequence, grid=grid, quick=QUICK, label=_label,
                      spectrans=(module, name) if module else None, goals=goals, sweep=sweep, peer_note=note,
                      peers=peers)


CASES = [
    _case("MultiheadAttention", MultiheadAttention, _mha, note=TORCH_NN_NOTE + " (need_weights=False)",
          sweep=_sweep("n^2", top=12),
          peers={"torch": torch_peer("torch.nn", "MultiheadAttention", lambda p: {**_mha(p), "batch_first": True},
                                     call=_self_attention)}),
    _case("TransformerEncoderLayer", TransformerEncoderLayer, _encoder_layer, note=TORCH_NN_NOTE,
          sweep=_sweep("n^2", top=12),
          peers={"torch": torch_peer("torch.nn", "TransformerEncoderLayer",
                                     lambda p: {**_encoder_layer(p), "batch_first": True})}),
    _case("TransformerEncoder", TransformerEncoder, _encoder, note=TORCH_NN_NOTE + " (two layers, no final norm)",
          sweep=_sweep("n^2", top=12),
          peers={"torch": torch_peer("torch.nn", "TransformerEncoder", _encoder, make=_torch_encoder)}),
    _case("FeedForwardNetwork", FeedForwardNetwork, _ffn, module="spectrans.blocks.base", sweep=_sweep("n")),
    _case("LSTAttention", LSTAttention, _heads, module=LST, goals=LINEAR_GOALS, sweep=_sweep("n log n"),
          note=NOTE + "; spectrans's DCT is a dense N x N matmul"),
    _case("DCTAttention", DCTAttention, _heads, module=LST, goals=LINEAR_GOALS, sweep=_sweep("n log n"),
          note=NOTE + "; spectrans's DCT is a dense N x N matmul"),
    _case("HadamardAttention", HadamardAttention, _heads, goals=LINEAR_GOALS, sweep=_sweep("n log n"),
          note=NOTE + f"; at N <= {HADAMARD_MAX_N} only (spectrans's Python-loop Hadamard transform)",
          peers={"torch": _small_only(torch_peer(LST, "HadamardAttention", _heads), _HADAMARD_WHY)}),
    _case("MixedSpectralAttention", MixedSpectralAttention, _heads, goals=LINEAR_GOALS, sweep=_sweep("n log n"),
          note="torch: spectrans 0.1.0 under torch CPU autograd, specref's weights copied through its submodules "
               f"(its state_dict raises); at N <= {HADAMARD_MAX_N} only (its Python-loop Hadamard heads)",
          peers={"torch": _small_only(_mixed_torch, _HADAMARD_WHY)}),
    _case("SpectralAttention", SpectralAttention, _spectrans_variant, module=SPECTRAL, grid=LINEAR_GRID,
          goals=LINEAR_GOALS, note=NOTE + "; variant='spectrans'; jax: the same math under jax.jit(jax.vjp)",
          peers={"jax": _jax_spectral_attention},
          sweep=_sweep("n")),
    _case("PerformerAttention", PerformerAttention, _spectrans_variant, module=SPECTRAL, grid=LINEAR_GRID,
          goals=LINEAR_GOALS, note=NOTE + "; variant='spectrans'", sweep=_sweep("n")),
    _case("KernelAttention", KernelAttention, _spectrans_variant, module=SPECTRAL, grid=LINEAR_GRID,
          goals=LINEAR_GOALS, note=NOTE + "; variant='spectrans'", sweep=_sweep("n")),
]
