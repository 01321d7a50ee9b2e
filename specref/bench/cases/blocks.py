"""Bench cases of the blocks (:mod:`specref.blocks`) and of :class:`~specref.layers.sequential.Sequential`:
specref's block against spectrans's block of the same name under torch CPU autograd, on specref's weights.

Each case times the block's forward and its forward + hand-written backward (the input's and every parameter's
gradient, through the wrapped layers' own backwards). spectrans's block is built with the same arguments (the
spectral blocks build their layer themselves; the generic and hybrid blocks get spectrans's layers, built as
specref's are) and given specref's ``state_dict`` with ``strict=True``. No JAX column: the blocks are
compositions of layers whose JAX math is timed in their own cases (mixing, attention, operators), and no
FFT-pass bound: a block's feed-forward network (two dense products of width 4D and the exact GELU) costs
more than its FFTs.

Sizes: B = 8, N = 1024, D = 256 (issue 19's GFNetBlock and FNetBlock; ``--quick``: B = 2, N = 128, D = 64);
FNO2DBlock on 4 x 64 x 64 x 64 images. The generic and hybrid blocks wrap GlobalFilterMixing (and
FourierMixing as their second layer), the FFT-family layers the issue benchmarks. Sweeps over N at B = 1,
D = 64: n log n for the FFT and DCT blocks (the block's dense parts are linear in n), n for the feature
attention and wavelet blocks; FNO2DBlock over the image side H (n^2 log n). Goals: 0.8 against torch for the
FFT-family blocks (issue 19), 1.0 for the blocks around the attention layers and AFNO (as their layers'
cases), none for the wavelet block (as WaveletMixing's).
"""

from __future__ import annotations

from specref import blocks
from specref.bench.case import Sweep
from specref.bench.cases._layers import layer_case, torch_peer
from specref.layers import FourierMixing, GlobalFilterMixing, Sequential

__all__ = ["CASES"]

SPECTRANS = "spectrans.blocks"
GRID = ({"B": 8, "N": 1024, "D": 256},)
QUICK = ({"B": 2, "N": 128, "D": 64},)
GRID_2D = ({"B": 4, "H": 64, "D": 64},)
QUICK_2D = ({"B": 2, "H": 16, "D": 16},)
FFT_GOALS = {"torch": 0.8}
LAYER_GOALS = {"torch": 1.0}
NOTE = ("torch: spectrans 0.1.0's block under torch CPU autograd (specref's weights, strict state_dict); no jax "
        "column or FFT bound (the wrapped layers' cases time those)")

# The layers the generic and hybrid blocks wrap: specref's class and spectrans's (module, class) of the same map.
_WRAPPED = {
    "GlobalFilterMixing": (GlobalFilterMixing, "spectrans.layers.mixing.global_filter"),
    "FourierMixing": (FourierMixing, "spectrans.layers.mixing.fourier"),
}
_LAYER_ARGS = {
    "GlobalFilterMixing": lambda p: {"hidden_dim": p["D"], "sequence_length": p["N"]},
    "FourierMixing": lambda p: {"hidden_dim": p["D"]},
}


def _specref_layers(point, names) -> list:
    return [_WRAPPED[n][0](**_LAYER_ARGS[n](point)) for n in names]


def _spectrans_layers(point, names) -> list:
    from specref.bench.peers import spectrans_class

    return [spectrans_class(_WRAPPED[n][1], n)(**_LAYER_ARGS[n](point)) for n in names]


def _sequence(point):
    return (point["B"], point["N"], point["D"])


def _image(point):
    return (point["B"], point["H"], point["H"], point["D"])


def _label(point):
    size = f"H=W={point['H']}" if "H" in point else f"N={point['N']}"
    return f"B={point['B']} {size} D={point['D']}"


def _sweep(claim):
    return Sweep(param="N", values=tuple(2**k for k in range(8, 15)), quick=tuple(2**k for k in range(8, 12)),
                 base={"B": 1, "D": 64}, claim=claim)


_SWEEP_2D = Sweep(param="H", values=tuple(2**k for k in range(4, 9)), quick=tuple(2**k for k in range(4, 7)),
                  base={"B": 1, "D": 16}, claim="n^2 log n")


def _spectral(name, config, *, goals=FFT_GOALS, claim="n log n", shape=_sequence, grid=GRID, quick=QUICK,
              sweep=None, torch_dtypes=("float32", "float64"), case_name=None):
    """A spectral block: both libraries build the wrapped layer from the block's own arguments."""
    return layer_case(case_name or name, "blocks", cls=getattr(blocks, name), config=config, input_shape=shape,
                      grid=grid, quick=quick, spectrans=(f"{SPECTRANS}.spectral", name), torch_dtypes=torch_dtypes,
                      label=_label, sweep=sweep or _sweep(claim), goals=goals, peer_note=NOTE)


def _composite(name, module, wrapped: tuple, arrange, extra=None, *, case_name=None):
    """A block around given layers: ``arrange(layers)`` gives the constructor's layer arguments (``mixing_layer``,
    ``layer1``/``layer2`` or ``layers``), ``extra`` its further keywords (gate, fusion, shared norms)."""
    extra = dict(extra or {})

    def config(point):
        return {**arrange(_specref_layers(point, wrapped)), "hidden_dim": point["D"], **extra}

    def make(cls, point):
        return cls(**arrange(_spectrans_layers(point, wrapped)), hidden_dim=point["D"], **extra)

    return layer_case(case_name or name, "blocks", cls=getattr(blocks, name), config=config, input_shape=_sequence,
                      grid=GRID, quick=QUICK, label=_label, sweep=_sweep("n log n"), goals=FFT_GOALS,
                      peer_note=NOTE.replace("block under", "block (around spectrans's layers) under"),
                      peers={"torch": torch_peer(f"{SPECTRANS}.{module}", name, config, make=make)})


def _one(layers):
    return {"mixing_layer": layers[0]}


def _pair(layers):
    return {"layer1": layers[0], "layer2": layers[1]}


def _all(layers):
    return {"layers": layers}


def _sequential(layers):
    """``Sequential(*layers)``: the bench builds a layer from keyword arguments."""
    return Sequential(*layers)


def _torch_sequential(cls, point):
    return cls(*_spectrans_layers(point, _SEQUENTIAL))


def _afno(point):
    return {"hidden_dim": point["D"], "sequence_length": point["N"],
            "modes": min(32, point["N"] // 2 + 1, point["D"] // 2 + 1)}


_GF, _GF_FNET = ("GlobalFilterMixing",), ("GlobalFilterMixing", "FourierMixing")
_SEQUENTIAL = ("GlobalFilterMixing", "GlobalFilterMixing")

CASES = [
    _spectral("FNetBlock", lambda p: {"hidden_dim": p["D"]}),
    _spectral("GFNetBlock", lambda p: {"hidden_dim": p["D"], "sequence_length": p["N"]}),
    _spectral("AFNOBlock", _afno, goals=LAYER_GOALS, torch_dtypes=("float32",)),  # spectrans's AFNO: float32 (#8)
    _spectral("SpectralAttentionBlock", lambda p: {"hidden_dim": p["D"], "num_heads": 8, "variant": "spectrans"},
              goals=LAYER_GOALS, claim="n"),
    _spectral("LSTBlock", lambda p: {"hidden_dim": p["D"], "num_heads": 8}, goals=LAYER_GOALS),
    _spectral("WaveletBlock", lambda p: {"hidden_dim": p["D"]}, goals={}, claim="n"),
    # blocks.FNOBlock: named as its verify case (the operators' FNOBlock, another layer, has the name FNOBlock)
    _spectral("FNOBlock", lambda p: {"hidden_dim": p["D"], "modes": 16}, case_name="PreNormFNOBlock"),
    _spectral("FNO2DBlock", lambda p: {"hidden_dim": p["D"], "modes_h": 8, "modes_w": 8}, shape=_image,
              grid=GRID_2D, quick=QUICK_2D, sweep=_SWEEP_2D),
    _composite("TransformerBlock", "base", _GF, _one),
    _composite("PreNormBlock", "base", _GF, _one),
    _composite("PostNormBlock", "base", _GF, _one),
    _composite("ParallelBlock", "base", _GF, _one),
    _composite("AlternatingBlock", "hybrid", _GF_FNET, _pair),
    _composite("AdaptiveBlock", "hybrid", _GF_FNET, _all, {"gate_type": "soft"}),
    _composite("AdaptiveBlock", "hybrid", _GF_FNET, _all, {"gate_type": "hard"}, case_name="AdaptiveBlock[hard]"),
    _composite("MultiscaleBlock", "hybrid", _GF_FNET, _all, {"fusion_type": "add"}),
    _composite("MultiscaleBlock", "hybrid", _GF_FNET, _all, {"fusion_type": "concat"},
               case_name="MultiscaleBlock[concat]"),
    _composite("CascadeBlock", "hybrid", _GF_FNET, _all),
    layer_case("Sequential", "blocks", cls=_sequential,
               config=lambda p: {"layers": _specref_layers(p, _SEQUENTIAL)}, input_shape=_sequence, grid=GRID,
               quick=QUICK, label=_label, sweep=_sweep("n log n"), goals=FFT_GOALS,
               peer_note="torch: torch.nn.Sequential of two spectrans GlobalFilterMixing under torch CPU autograd",
               peers={"torch": torch_peer("torch.nn", "Sequential", lambda p: {}, make=_torch_sequential)}),
]
