r"""The spectrans models suite: every ``spectrans.models`` class against :mod:`specref.models`, eval and training.

Each case builds the spectrans model, gives every parameter a random value at a generic point
(:func:`specref.compare.suites.spectrans_blocks.randomize`; the attentions' packed ``in_proj_weight`` and the FNO
blocks' 1x1 convolution scaled by 1/sqrt(fan-in) like the other linear maps), draws the input from a seed fixed by
the label (token ids (B, N) from the vocabulary, or embeddings (B, N, D) N(0, 1)), and calls
:func:`specref.compare.compare`: the model's configuration is read off the module, its ``state_dict`` loaded into
specref's model with ``spectrans_behaviour=True``, the output and the gradient of every parameter (and of the
embeddings) compared for a random cotangent against the bounds derived from the parts
(:func:`specref.compare.spectrans_models.model_bounds`). B = 2, N = 8 (6 in the cases of a shorter sequence), two
blocks, D = 8 (32 for LST, whose 8 fixed heads then have 4 features each: with 1 or 2, the normaliser's sum of |a|
over the head's features is a near-discontinuous sign function whose gradient both sides compute by cancellation,
far from the derived bound's O(1) conditioning), float64; AFNO in float32 (spectrans's only precision; a float64
AFNO model raises, the known difference ``spectrans_afno_float32``).

The grid covers every model class in eval and training mode, token ids and embeddings, every positional encoding
(sinusoidal, learned, rotary, none), every head (classification, regression, sequence, lm, none, and the decoders'
top-level ``lm_head``) and an attention mask (the regression head's mean pooling reads it; spectrans passes it
nowhere else, and ``spectrans_behaviour`` does the same). Training mode runs with dropout 0.25 everywhere; every
mask is read back from torch by module path and injected: in spectrans's order ``"positional_encoding.dropout"``
then ``"dropout"`` (finding ``spectrans_model_input_dropout``), each block's and wrapped layer's, the head's. The
hybrids' ``nn.MultiheadAttention`` drops attention weights functionally (unreadable), so the training cases of
the hybrids use the LST, spectral-attention and Fourier layers.

Wavelet models run with pywt's float64 taps in every block (:func:`specref.compare.spectrans.exact_wavelet_filters`);
with spectrans's float32 buffers it is the known ``spectrans_dwt_float32_filters``. ``FNet`` with spectrans's default
``use_real_fft=True`` is the known ``spectrans_real_fourier_identity`` (spectrans's layer returns its input).

torch and spectrans are imported inside the run functions only.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from specref.compare.api import compare
from specref.compare.suites import SuiteCase, one_torch_thread
from specref.compare.suites.spectrans_blocks import randomize
from specref.compare.suites.spectrans_mixing import _gen, _raises

__all__ = ["cases", "GRID", "build", "P_TRAIN"]

D, N, V, C = 8, 8, 11, 3
P_TRAIN = 0.25  # every dropout in the training cases
_BASE = {"hidden_dim": D, "num_layers": 2, "max_sequence_length": N, "ffn_hidden_dim": 12}
_LST = {"hidden_dim": 32}  # 8 fixed heads of 4 features (module docstring)
_ATT = {"num_heads": 2, "num_features": 4}
_WAV = {"wavelet": "db2", "levels": 1}  # pywt's maximum level for N = 8 and 4 taps
_FNO = {"modes": 3, "mlp_ratio": 1.5}
_NO_VOCAB = ("FNetEncoder", "GFNetEncoder", "AFNOEncoder", "WaveletEncoder", "FNOEncoder", "HybridEncoder")


def build(component: str, spec: dict, p: float, dtype: str = "float64", seed: int = 0):
    """The spectrans model of ``component`` with ``spec`` over the suite's base arguments, dropout ``p``, at a
    random generic point (module docstring), in ``dtype``; wavelet blocks get pywt's float64 taps unless
    ``spec`` holds ``"float32_filters"``."""
    import spectrans.models as sm  # peer-only
    import torch  # peer-only

    from specref.compare.spectrans import exact_wavelet_filters

    spec = dict(spec)
    exact = not spec.pop("float32_filters", False)
    kwargs = {**_BASE, **spec, "dropout": p}
    if component not in _NO_VOCAB and "vocab_size" not in spec:
        kwargs["vocab_size"] = V
    torch.manual_seed(seed)  # spectrans draws the attentions' feature buffers from torch's global generator
    module = getattr(sm, component)(**kwargs)
    module = module.double() if dtype == "float64" else module
    randomize(module, np.random.default_rng(seed))
    with torch.no_grad():
        for name, param in module.named_parameters():
            if name.endswith("in_proj_weight") or (name.endswith("fno.linear.weight") and param.ndim == 3):
                param.mul_(1.0 / np.sqrt(param.shape[1]))  # as every linear map: N(0, 1/fan_in)
    for block in module.blocks:
        layer = getattr(block, "mixing_layer", None)
        if exact and type(layer).__name__ == "WaveletMixing":
            exact_wavelet_filters(layer)
    return module


def _label(shape, kind: str, spec: dict, p: float, dtype: str, masked: bool) -> str:
    parts = ["x".join(map(str, shape)), kind] + [f"{k}={v}" for k, v in spec.items()]
    parts += ["attention_mask"] if masked else []
    return "-".join(parts + ([f"train_p{p}"] if p else ["eval"]) + ([dtype] if dtype != "float64" else []))


def _inputs(gen, component, spec, kind, n, dtype, masked):
    d = spec.get("hidden_dim", D)
    if kind == "ids":
        x = gen.integers(0, spec.get("vocab_size", V), (2, n))
    else:
        x = gen.standard_normal((2, n, d)).astype(np.float32 if dtype == "float32" else np.float64)
    if not masked:
        return x
    keep = np.ones((2, n), dtype=bool)
    keep[0, n - 2:] = False  # the first sample padded by two tokens
    return (x, keep)


def _run(component, label, spec, kind, n, p, dtype, masked):
    module = build(component, spec, p, dtype)
    x = _inputs(_gen(label), component, spec, kind, n, dtype, masked)
    return compare(module, x=x, training=p > 0, seed=7, label=label)


def _afno_float64(component, label, spec, kind, n, p, dtype, masked):
    """A float64 AFNO model: spectrans's AFNOMixing computes in float32 (``spectrans_afno_float32``), so a
    ``.double()`` model raises RuntimeError; specref computes it in float64."""
    return _raises(_run(component, label, spec, kind, n, p, dtype, masked), "RuntimeError")


# ----------------------------------------------------------------------------------------------------------
# the grid: (component, spec, input kind, N, training, dtype, attention mask)

_FFT = {"use_real_fft": False}
_B = (False, True)

GRID = (
    # FNet: the heads and the encodings on the Fourier model (FourierMixing: the real-FFT one is a known difference)
    *[("FNet", {**_FFT, "num_classes": C}, "ids", N, t, "float64", False) for t in _B],
    *[("FNet", {**_FFT, "output_type": o, **({"num_classes": C} if o == "sequence" else {})}, "ids", N, False,
       "float64", False) for o in ("regression", "sequence", "lm", "none")],
    ("FNet", {**_FFT, "output_type": "lm"}, "ids", N, True, "float64", False),
    ("FNet", {**_FFT, "num_classes": C, "positional_encoding_type": "none"}, "embeds", N, False, "float64", False),
    ("FNet", {**_FFT, "num_classes": C, "use_positional_encoding": False}, "ids", N, True, "float64", False),
    *[("FNetEncoder", dict(_FFT), "embeds", N, t, "float64", False) for t in _B],
    # GFNet: every positional encoding, a shorter sequence (the filter interpolated), embeddings into a vocab model
    *[("GFNet", {"num_classes": C, "positional_encoding_type": pe}, "ids", N, t, "float64", False)
      for pe in ("sinusoidal", "learned", "rotary", "none") for t in _B],
    ("GFNet", {"num_classes": C, "positional_encoding_type": "learned", "filter_activation": "tanh"}, "embeds", 6,
     False, "float64", False),
    ("GFNet", {"output_type": "regression"}, "ids", N, False, "float64", True),
    *[("GFNetEncoder", {"positional_encoding_type": "learned"}, "embeds", N, t, "float64", False) for t in _B],
    # AFNO in float32
    *[("AFNOModel", {"num_classes": C, "modes_seq": 3, "modes_hidden": 2}, "ids", N, t, "float32", False)
      for t in _B],
    *[("AFNOEncoder", {"modes_seq": 3, "modes_hidden": 2, "positional_encoding_type": "rotary"}, "embeds", N, t,
       "float32", False) for t in _B],
    # LST (D = 32: 8 heads of 4 features)
    *[("LSTTransformer", {**_LST, "num_classes": C}, "ids", N, t, "float64", False) for t in _B],
    ("LSTTransformer", {**_LST, "num_classes": C, "transform_type": "hadamard", "use_conv_bias": False}, "ids", N,
     False, "float64", False),
    ("LSTEncoder", {**_LST, "transform_type": "dst"}, "embeds", N, False, "float64", False),
    ("LSTEncoder", {**_LST, "positional_encoding_type": "learned"}, "ids", N, True, "float64", False),
    *[("LSTDecoder", dict(_LST), "ids", N, t, "float64", False) for t in _B],
    ("LSTDecoder", {**_LST, "positional_encoding_type": "rotary"}, "ids", 6, True, "float64", False),
    # feature attentions (softmax kernel: positive features)
    *[("SpectralAttentionTransformer", {**_ATT, "num_classes": C}, "ids", N, t, "float64", False) for t in _B],
    ("SpectralAttentionEncoder", dict(_ATT), "embeds", N, False, "float64", False),
    ("SpectralAttentionEncoder", {**_ATT, "positional_encoding_type": "learned"}, "ids", N, True, "float64", False),
    *[("PerformerTransformer", {**_ATT, "num_classes": C}, "ids", N, t, "float64", False) for t in _B],
    # wavelets (pywt's float64 taps)
    *[("WaveletTransformer", {**_WAV, "num_classes": C}, "ids", N, t, "float64", False) for t in _B],
    *[("WaveletEncoder", {**_WAV, "positional_encoding_type": "none"}, "embeds", N, t, "float64", False) for t in _B],
    *[("WaveletDecoder", dict(_WAV), "ids", N, t, "float64", False) for t in _B],
    # FNO (the operators' blocks)
    *[("FNOTransformer", {**_FNO, "num_classes": C}, "ids", N, t, "float64", False) for t in _B],
    *[("FNOEncoder", dict(_FNO), "embeds", N, t, "float64", False) for t in _B],
    *[("FNODecoder", dict(_FNO), "ids", N, t, "float64", False) for t in _B],
    ("FNODecoder", {**_FNO, "positional_encoding_type": "learned"}, "ids", 6, False, "float64", False),
    # hybrids: attention in eval (its functional dropout cannot be read back), the others in training
    ("HybridTransformer", {"num_classes": C, "num_heads": 2, "spectral_config": _FFT}, "ids", N, False, "float64",
     False),
    ("HybridTransformer", {"output_type": "regression", "num_heads": 2, "spectral_config": _FFT}, "ids", N, False,
     "float64", True),
    ("HybridTransformer", {"num_classes": C, "num_heads": 2, "spectral_type": "gfnet",
                           "spatial_type": "spectral_attention", "spatial_config": {"num_features": 4}}, "ids", N,
     True, "float64", False),
    ("HybridEncoder", {"num_heads": 2, "spectral_config": _FFT}, "embeds", N, False, "float64", False),
    ("HybridEncoder", {"num_heads": 2, "spectral_type": "wavelet", "spectral_config": {"wavelet": "db2", "levels": 1},
                       "spatial_type": "lst"}, "embeds", N, True, "float64", False),
    ("AlternatingTransformer", {"num_classes": C, "layer1_config": _FFT, "layer2_config": {"num_heads": 2}}, "ids",
     N, False, "float64", False),
    ("AlternatingTransformer", {"num_classes": C, "layer2_type": "fourier", "layer1_config": _FFT,
                                "layer2_config": _FFT}, "ids", N, True, "float64", False),
)

# the known differences: (component, spec, kind, N, training, dtype, mask, run)
KNOWN = (
    ("FNet", {"num_classes": C}, "ids", N, False, "float64", False, _run),  # spectrans_real_fourier_identity
    ("AFNOModel", {"num_classes": C, "modes_seq": 3, "modes_hidden": 2}, "ids", N, False, "float64", False,
     _afno_float64),  # spectrans_afno_float32
    ("WaveletEncoder", {**_WAV, "float32_filters": True}, "embeds", N, False, "float64", False,
     _run),  # spectrans_dwt_float32_filters
)


def _case(component, label, run, *args) -> SuiteCase:
    return SuiteCase("spectrans", component, label, partial(one_torch_thread, run, component, label, *args))


def _shape(kind, n, spec):
    return (2, n) if kind == "ids" else (2, n, spec.get("hidden_dim", D))


def cases() -> list[SuiteCase]:
    """Every model case of the spectrans suite, then the known differences (FNet's real-FFT identity, AFNO in
    float64, wavelets with spectrans's float32 filters)."""
    out = []
    for component, spec, kind, n, training, dtype, masked in GRID:
        p = P_TRAIN if training else 0.0
        label = _label(_shape(kind, n, spec), kind, spec, p, dtype, masked)
        out.append(_case(component, label, _run, spec, kind, n, p, dtype, masked))
    for component, spec, kind, n, training, dtype, masked, run in KNOWN:
        p = P_TRAIN if training else 0.0
        label = _label(_shape(kind, n, spec), kind, spec, p, dtype, masked)
        out.append(_case(component, label, run, spec, kind, n, p, dtype, masked))
    return out
