"""Bench cases of the models (:mod:`specref.models`): specref's model against spectrans's model of the same name
under torch CPU autograd, on specref's weights.

Each case times the model's forward and its forward + hand-written backward (the gradient of the input
embeddings and of every parameter, through every block's own backward, the final norm and the head). spectrans's
model is built with the same arguments and given specref's ``state_dict`` with ``strict=True``. Both take
embeddings (spectrans's ``inputs_embeds``): the embedding lookup of token ids is a gather that costs nothing
next to the blocks, and an integer input has no gradient for autograd to time. The models with a vocabulary
keep their tables (V = 1000; their gradient is zero here, torch's None) and their heads (10 classes; the
decoders' language-model heads over V).

Sizes: 4 layers, B = 8, N = 1024, D = 256 (issue 20's GFNet and FNet encoders; ``--quick``: 1 layer, B = 1,
N = 64, D = 32, float32 only, so that the quick run times every component in a few minutes), dropout 0. AFNO
keeps 32 x 32 modes (spectrans's defaults, N/2 x D/2, would hold 0.5 GB per layer at this size) and runs in
float32 only, as spectrans's AFNO. FNO keeps 32 modes (N >= 62). Sweeps over N at B = 1, D = 64, 2 layers:
n log n for the FFT-family models, n for the attention and wavelet ones. Goals: 0.8 against torch for the
FFT-family models (issue 20 names the GFNet and FNet encoders), 1.0 for the attention and AFNO models (as their
blocks), none for the wavelet models (as WaveletMixing's).
"""

from __future__ import annotations

from specref import models
from specref.bench.case import Sweep
from specref.bench.cases._layers import layer_case

__all__ = ["CASES"]

SPECTRANS = "spectrans.models"
GRID = ({"B": 8, "N": 1024, "D": 256, "L": 4},)
QUICK = ({"B": 1, "N": 64, "D": 32, "L": 1},)
FFT_GOALS = {"torch": 0.8}
LAYER_GOALS = {"torch": 1.0}
VOCAB, CLASSES = 1000, 10
NOTE = ("torch: spectrans 0.1.0's model under torch CPU autograd on embeddings (specref's weights, strict "
        "state_dict); no jax column or FFT bound (the layers' cases time those)")


def _shape(point):
    return (point["B"], point["N"], point["D"])


def _label(point):
    return f"L={point['L']} B={point['B']} N={point['N']} D={point['D']}"


def _sweep(claim):
    return Sweep(param="N", values=tuple(2**k for k in range(8, 14)), quick=tuple(2**k for k in range(8, 11)),
                 base={"B": 1, "D": 64, "L": 2}, claim=claim)


def _common(point, *, vocab=True, head=True):
    out = {"hidden_dim": point["D"], "num_layers": point["L"], "max_sequence_length": point["N"], "dropout": 0.0}
    if vocab:
        out["vocab_size"] = VOCAB
    if head:
        out["num_classes"] = CLASSES
    return out


def _embeds(module, x):
    return module(inputs_embeds=x)


def _case(name, extra=lambda p: {}, *, vocab=True, head=True, goals=FFT_GOALS, claim="n log n",
          torch_dtypes=("float32", "float64")):
    from specref.bench.cases._layers import torch_peer

    def config(point):
        return {**_common(point, vocab=vocab, head=head), **extra(point)}

    return layer_case(name, "models", cls=getattr(models, name), config=config, input_shape=_shape, grid=GRID,
                      quick=QUICK, label=_label, sweep=_sweep(claim), goals=goals, peer_note=NOTE,
                      peers={"torch": torch_peer(SPECTRANS, name, config, torch_dtypes, call=_embeds)},
                      quick_dtypes=("float32",))


def _afno(point):
    return {"modes_seq": min(32, point["N"] // 2), "modes_hidden": min(32, point["D"] // 2)}


def _fno(point):
    return {"modes": 32}


def _attention(point):
    return {"num_heads": 8}


_NOT_CAUSAL = {"causal": False}
_F32 = ("float32",)

CASES = [
    _case("FNet", lambda p: {"use_real_fft": False}),
    _case("FNetEncoder", lambda p: {"use_real_fft": False}, vocab=False, head=False),
    _case("GFNet"),
    _case("GFNetEncoder", vocab=False, head=False),
    _case("AFNOModel", _afno, goals=LAYER_GOALS, torch_dtypes=_F32),
    _case("AFNOEncoder", _afno, vocab=False, head=False, goals=LAYER_GOALS, torch_dtypes=_F32),
    _case("LSTTransformer", goals=LAYER_GOALS),
    _case("LSTEncoder", head=False, goals=LAYER_GOALS),
    _case("LSTDecoder", lambda p: _NOT_CAUSAL, head=False, goals=LAYER_GOALS),
    _case("SpectralAttentionTransformer", lambda p: {**_attention(p), "variant": "spectrans"}, goals=LAYER_GOALS,
          claim="n"),
    _case("SpectralAttentionEncoder", lambda p: {**_attention(p), "variant": "spectrans"}, head=False,
          goals=LAYER_GOALS, claim="n"),
    _case("PerformerTransformer", lambda p: {**_attention(p), "variant": "spectrans"}, goals=LAYER_GOALS, claim="n"),
    _case("WaveletTransformer", goals={}, claim="n"),
    _case("WaveletEncoder", vocab=False, head=False, goals={}, claim="n"),
    _case("WaveletDecoder", head=False, goals={}, claim="n"),
    _case("FNOTransformer", _fno),
    _case("FNOEncoder", _fno, vocab=False, head=False),
    _case("FNODecoder", lambda p: {**_fno(p), **_NOT_CAUSAL}, head=False),
    _case("HybridTransformer", lambda p: {"num_heads": 8, "spectral_type": "gfnet"}, goals=LAYER_GOALS),
    _case("HybridEncoder", lambda p: {"num_heads": 8, "spectral_type": "gfnet"}, vocab=False, head=False,
          goals=LAYER_GOALS),
    _case("AlternatingTransformer", lambda p: {"layer1_config": {"use_real_fft": False}}, goals=LAYER_GOALS),
]
