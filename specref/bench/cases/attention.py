"""Bench cases of the attention layers and the feed-forward block: specref against spectrans (its linear-time
and LST attention, its feed-forward network) or torch.nn (exact multi-head attention, the transformer encoder)
under CPU autograd, on the same weights.

Sizes: B = 8, N in {512, 2048} (the linear-time layers also N = 4096), D = 256, 8 heads; ``--quick``:
B = 2, N = 128, D = 64, 4 heads. No dropout. The spectrans-variant layers run with ``variant="spectrans"``,
spectrans's own math from its buffers, so both sides compute the same thing. MixedSpectralAttention has no
torch column: spectrans's ``state_dict()`` raises for it (validation/findings/spectrans_mixed_attention.md).
Sweeps over N at B = 1, D = 64: the exact softmax attention claims n^2, the linear-time layers n. Goal
(issue 17): the spectral attention layers at most 1.0 against torch.
"""

from __future__ import annotations

from specref.bench.case import Sweep
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
SWEEP_VALUES = tuple(2**k for k in range(8, 15))
SWEEP_QUICK = tuple(2**k for k in range(8, 12))
SPECTRAL = "spectrans.layers.attention.spectral"
LST = "spectrans.layers.attention.lst"
NOTE = "torch: spectrans 0.1.0 (or torch.nn's module) under torch CPU autograd, loaded with specref's weights"


def _sequence(p):
    return (p["B"], p["N"], p["D"])


def _label(p):
    return f"B={p['B']} N={p['N']} D={p['D']} h={p['H']}"


def _sweep(claim):
    return Sweep(param="N", values=SWEEP_VALUES, quick=SWEEP_QUICK, base={"B": 1, "D": 64, "H": 4}, claim=claim)


def _case(name, cls, config, *, module=None, grid=GRID, goals=None, sweep=None, peers=None):
    return layer_case(name, "blocks" if name == "FeedForwardNetwork" else "attention", cls=cls, config=config,
                      input_shape=_sequence, grid=grid, quick=QUICK, label=_label,
                      spectrans=(module, name) if module else None, goals=goals, sweep=sweep, peer_note=NOTE,
                      peers=peers)


def _heads(p, **kw):
    return {"hidden_dim": p["D"], "num_heads": p["H"], **kw}


def _mha(p):
    return {"embed_dim": p["D"], "num_heads": p["H"]}


def _encoder_layer(p):
    return {"d_model": p["D"], "nhead": p["H"], "dim_feedforward": 4 * p["D"], "dropout": 0.0}


def _encoder(p):
    return {"num_layers": 2, **_encoder_layer(p)}


def _self_attention(module, x):
    return module(x, x, x, need_weights=False)[0]


def _torch_encoder(cls, p):
    import torch  # peer-only

    layer = torch.nn.TransformerEncoderLayer(p["D"], p["H"], dim_feedforward=4 * p["D"], dropout=0.0,
                                             batch_first=True)
    return cls(layer, 2, enable_nested_tensor=False)


_LINEAR_GOALS = {"torch": 1.0}

CASES = [
    _case("MultiheadAttention", MultiheadAttention, _mha, sweep=_sweep("n^2"),
          peers={"torch": torch_peer("torch.nn", "MultiheadAttention", lambda p: {**_mha(p), "batch_first": True},
                                     call=_self_attention)}),
    _case("TransformerEncoderLayer", TransformerEncoderLayer, _encoder_layer,
          peers={"torch": torch_peer("torch.nn", "TransformerEncoderLayer",
                                     lambda p: {**_encoder_layer(p), "batch_first": True})}),
    _case("TransformerEncoder", TransformerEncoder, _encoder,
          peers={"torch": torch_peer("torch.nn", "TransformerEncoder", _encoder, make=_torch_encoder)}),
    _case("FeedForwardNetwork", FeedForwardNetwork, lambda p: {"hidden_dim": p["D"], "ffn_hidden_dim": 4 * p["D"]},
          module="spectrans.blocks.base"),
    _case("LSTAttention", LSTAttention, _heads, module=LST, goals=_LINEAR_GOALS),
    _case("DCTAttention", DCTAttention, _heads, module=LST, goals=_LINEAR_GOALS),
    _case("HadamardAttention", HadamardAttention, _heads, module=LST, goals=_LINEAR_GOALS),
    _case("MixedSpectralAttention", MixedSpectralAttention, _heads),
    _case("SpectralAttention", SpectralAttention, lambda p: _heads(p, variant="spectrans"), module=SPECTRAL,
          grid=LINEAR_GRID, goals=_LINEAR_GOALS, sweep=_sweep("n")),
    _case("PerformerAttention", PerformerAttention, lambda p: _heads(p, variant="spectrans"), module=SPECTRAL,
          grid=LINEAR_GRID, goals=_LINEAR_GOALS),
    _case("KernelAttention", KernelAttention, lambda p: _heads(p, variant="spectrans"), module=SPECTRAL,
          grid=LINEAR_GRID, goals=_LINEAR_GOALS),
]
