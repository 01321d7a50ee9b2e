r"""The spectrans blocks suite: every ``spectrans.blocks`` class against :mod:`specref.blocks`, eval and training.

Each case builds the spectrans block (the generic and hybrid blocks around spectrans layers: a global filter
with a tanh activation, LST attention, FNet mixing), gives every parameter a random value at a generic point
(:func:`randomize`: linear weights N(0, 1/fan_in), the norms' affine maps near (1, 0), filters and wavelet
weights N(0, 1), spectral convolution weights N(0, 1/C); the gate and the fusion weights random, where
spectrans zero-initialises the gate, which makes soft weights uniform and a hard gate always pick layer 0),
draws the input from a seed fixed by the label, and calls :func:`specref.compare.compare`: the wrapped layers'
configs and the block's are read off the module, its ``state_dict`` loaded, the output and every gradient
compared against the bounds derived from the parts (:func:`specref.compare.spectrans_blocks.block_bounds`).
B = 2 (4 for the gated blocks), N = 8 .. 16, D = 8, float64; the AFNO block in float32 (spectrans's only
precision: a float64 AFNO block raises, the known difference ``spectrans_afno_float32``).

Training mode runs with the block's dropout 0.25 and the wrapped layers' 0.2 (the spectral blocks pass the
block's p to their layer, #28); every mask is read back from torch (the block's ``dropout`` once per branch,
``"dropout@2"``...) and injected. The activations are smooth (GELU, tanh), so no ReLU zero hides a bit. The hard
gate runs the wrapped layers once per sample in spectrans: one case trains with the wrapped layers at dropout
0 (the comparison of the gate alone), one with their dropout, whose per-sample masks the pairing concatenates
into specref's one mask per layer. The hard gate's bias is set so that the samples split between the two
layers (:func:`_split_gate`), and a check confirms that both are selected.

The wavelet block runs with pywt's float64 taps (:func:`specref.compare.spectrans.exact_wavelet_filters`); with
spectrans's float32 buffers it is the known difference ``spectrans_dwt_float32_filters`` (a check confirms
that the error is float32-filter-sized and that the exact taps pass).

torch and spectrans are imported inside the run functions only.
"""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np

from specref.compare.api import compare
from specref.compare.bounds import EPS
from specref.compare.suites import SuiteCase, one_torch_thread
from specref.compare.suites.spectrans_mixing import _draw, _gen, with_check

__all__ = ["cases", "randomize", "GRID"]

D = 8
P_BLOCK = 0.25  # the block's dropout in training cases
P_LAYER = 0.2  # the wrapped layers' dropout in training cases (generic and hybrid blocks)


def randomize(module, gen: np.random.Generator) -> None:
    """Every parameter at a generic point: 2-D linear weights N(0, 1/fan_in), layer-norm weights 1 + N(0, 0.04),
    biases N(0, 0.09), spectral convolution weights N(0, 1/C_in), the gate's weight N(0, 4) (its input is a
    sequence mean, O(1/sqrt N)), everything else (filters, wavelet weights, fourier weights, scales, fusion
    weights) N(0, 1)."""
    import torch  # peer-only

    with torch.no_grad():
        for name, p in module.named_parameters():
            v = gen.standard_normal(tuple(p.shape))
            last = name.rsplit(".", 1)[-1]
            is_norm = any(part.startswith("norm") for part in name.split(".")[:-1])
            if is_norm and last == "weight":
                v = 1.0 + 0.2 * v
            elif name == "gate.weight":
                v = 2.0 * v
            elif last == "weight" and p.ndim == 2:
                v = v / np.sqrt(p.shape[1])
            elif last == "bias":
                v = 0.3 * v
            elif last == "weights" and p.ndim > 2:
                v = v / np.sqrt(p.shape[0])
            p.copy_(torch.from_numpy(v).to(p.dtype))


# ----------------------------------------------------------------------------------------------------------
# building the spectrans blocks


def _wrapped(kind: str, n: int, q: float):
    """A spectrans layer to wrap: ``"gf"`` GlobalFilterMixing(tanh), ``"lst"`` LSTAttention(dct, 2 heads),
    ``"fourier"`` FourierMixing."""
    import spectrans.layers.attention.lst as sl  # peer-only
    import spectrans.layers.mixing.fourier as sf  # peer-only
    import spectrans.layers.mixing.global_filter as sg  # peer-only

    if kind == "gf":
        return sg.GlobalFilterMixing(hidden_dim=D, sequence_length=n, activation="tanh", dropout=q)
    if kind == "lst":
        return sl.LSTAttention(hidden_dim=D, num_heads=2, transform_type="dct", dropout=q)
    return sf.FourierMixing(hidden_dim=D, dropout=q)


def _block(component: str, spec: dict, n: int, p: float):
    """The spectrans block of ``component`` with ``spec`` (``wrap``: the wrapped layers' kinds, ``q``: their
    dropout in training, the rest constructor arguments), the block's dropout ``p``."""
    import spectrans.blocks as sb  # peer-only

    spec = dict(spec)
    kinds, q = spec.pop("wrap", ()), spec.pop("q", P_LAYER if p else 0.0)
    layers = [_wrapped(k, n, q) for k in kinds]
    cls = getattr(sb, component)
    if component in ("TransformerBlock", "PreNormBlock", "PostNormBlock", "ParallelBlock"):
        return cls(layers[0], D, dropout=p, **spec)
    if component == "AlternatingBlock":
        return cls(layers[0], layers[1], D, dropout=p, **spec)
    if layers:
        return cls(layers, D, dropout=p, **spec)
    return cls(D, dropout=p, **spec)


def _label(shape, spec: dict, p: float, dtype: str) -> str:
    parts = ["x".join(map(str, shape))]
    parts += ["+".join(v) if k == "wrap" else f"{k}={v}" for k, v in spec.items()]
    return "-".join(parts + ([f"train_p{p}"] if p else ["eval"]) + ([dtype] if dtype != "float64" else []))


def _split_gate(module, x) -> None:
    """A hard gate of two layers, its bias set so that the samples of ``x`` split between them: the bias of
    layer 1 minus that of layer 0 is minus the midpoint of the two middle logit differences (an even batch: half
    the samples select each layer, each a generic gap, half the distance between two differences, from a tie)."""
    import torch  # peer-only

    with torch.no_grad():
        xt = torch.from_numpy(x).to(next(module.parameters()).dtype)
        z = torch.nn.functional.linear(module.norm1(xt).mean(dim=1), module.gate.weight)
        diff = (z[:, 1] - z[:, 0]).sort().values
        half = diff.shape[0] // 2
        module.gate.bias.copy_(torch.stack([torch.zeros((), dtype=z.dtype), -(diff[half - 1] + diff[half]) / 2]))


def _selects_both(module, x) -> bool:
    """The gate of a hard AdaptiveBlock picks each layer for some sample of ``x`` (spectrans's argmax)."""
    import torch  # peer-only

    with torch.no_grad():
        xt = torch.from_numpy(x).to(next(module.parameters()).dtype)
        choice = module.gate(module.norm1(xt).mean(dim=1)).argmax(dim=-1)
    return len(set(choice.tolist())) == len(module.layers)


def _run(component, label, spec, shape, p, dtype, exact_filters=True):
    import torch  # peer-only

    from specref.compare.spectrans import exact_wavelet_filters

    gen = _gen(label)
    torch.manual_seed(0)  # spectrans draws the attention's feature buffers from torch's global generator
    module = _block(component, spec, shape[-2] if len(shape) == 3 else shape[-3], p)
    if dtype == "float64":
        module = module.double()
    randomize(module, gen)
    if component == "WaveletBlock" and exact_filters:
        exact_wavelet_filters(module.mixing_layer)
    x = _draw(gen, shape)
    x = x.astype(np.float32) if dtype == "float32" else x
    if spec.get("gate_type") == "hard":
        _split_gate(module, x)
    with warnings.catch_warnings():  # the wavelet blocks' levels above pywt's dwt_max_level: computed as pywt does
        warnings.filterwarnings("ignore", message=".*above the maximum level", category=UserWarning)
        cmp = compare(module, x=x, training=p > 0, seed=7, label=label)
    if spec.get("gate_type") == "hard":
        cmp = with_check(cmp, "the gate's argmax selects every wrapped layer for some sample (a generic point)",
                         _selects_both(module, x))
    return cmp


def _afno_float64(component, label, spec, shape, p, dtype):
    """A float64 AFNOBlock: spectrans's AFNOMixing computes in float32 (``spectrans_afno_float32``), so a
    ``.double()`` block raises RuntimeError (and a float32 block given float64 input raises in its first layer
    norm, mixed dtypes); specref computes the block in float64."""
    from specref.compare.suites.spectrans_mixing import _raises

    return _raises(_run(component, label, spec, shape, p, dtype), "RuntimeError")


def _float32_filters(component, label, spec, shape, p, dtype):
    """spectrans's float32 filter buffers in a float64 block: ``spectrans_dwt_float32_filters``; the error is
    float32-filter-sized (over 1e3 float64 bounds, under 100 eps32) and the exact taps pass."""
    cmp = _run(component, label, spec, shape, p, dtype, exact_filters=False)
    exact = _run(component, label, spec, shape, p, dtype)
    out = cmp.tensor("output")
    # 1e3 float64 bounds: far outside float64 rounding; 100 eps32: the filters' float32 rounding (eps32 / 2 per
    # tap) through about 2 F taps per level and two levels, each tap an O(1) weight
    low, high = 1e3 * out.bound.value, 100 * EPS["float32"]
    cmp = with_check(cmp, f"spectrans with its float32 filters differs by a float32-rounding-sized error (between "
                     f"{low:.1e} and {high:.1e})", low < out.error < high, out.error, high)
    return with_check(cmp, "with pywt's float64 taps the same block passes", exact.passed and not exact.known)


# ----------------------------------------------------------------------------------------------------------
# the grid: (component, spec, shape, training, dtype)

_GF, _LST, _PAIR = {"wrap": ("gf",)}, {"wrap": ("lst",)}, {"wrap": ("gf", "lst")}
_BOTH = (False, True)

GRID = (
    # generic blocks around a spectrans layer
    *[("TransformerBlock", {**_GF, "ffn_hidden_dim": 16, **extra}, (2, 12, D), t, "float64")
      for extra in ({}, {"use_pre_norm": False}) for t in _BOTH],
    *[("TransformerBlock", {**_LST, **extra}, (2, 8, D), t, "float64")  # ffn_hidden_dim=None: no FFN, no norm2
      for extra in ({}, {"use_pre_norm": False}) for t in _BOTH],
    *[("PreNormBlock", {**_LST, "activation": "tanh"}, (2, 8, D), t, "float64") for t in _BOTH],
    *[("PostNormBlock", {**_GF, "ffn_hidden_dim": 12}, (2, 12, D), t, "float64") for t in _BOTH],
    *[("ParallelBlock", {**_LST, "ffn_hidden_dim": 12}, (2, 8, D), t, "float64") for t in _BOTH],
    ("ParallelBlock", {"wrap": ("fourier",)}, (2, 9, D), False, "float64"),
    # the spectral blocks
    *[("FNetBlock", {"ffn_hidden_dim": 16}, (2, 12, D), t, "float64") for t in _BOTH],
    *[("GFNetBlock", {"sequence_length": 12, "ffn_hidden_dim": 16}, (2, 12, D), t, "float64") for t in _BOTH],
    ("GFNetBlock", {"sequence_length": 12, "filter_activation": "tanh", "activation": "tanh"}, (2, 10, D), False,
     "float64"),  # L = 10 < N = 12: the filter interpolated
    *[("AFNOBlock", {"sequence_length": 16, "modes": 4, "ffn_hidden_dim": 16}, (2, 16, D), t, "float32")
      for t in _BOTH],
    ("AFNOBlock", {"sequence_length": 16, "modes": 4, "ffn_hidden_dim": 16}, (2, 11, D), False, "float32"),
    ("AFNOBlock", {"sequence_length": 12, "mlp_hidden_dim": 12, "activation": "tanh"}, (2, 12, D), False, "float32"),
    *[("SpectralAttentionBlock", {"num_heads": 2, "ffn_hidden_dim": 16}, (2, 8, D), t, "float64") for t in _BOTH],
    ("SpectralAttentionBlock", {"num_heads": 2, "kernel_type": "softmax", "num_features": 6}, (2, 9, D), False,
     "float64"),
    *[("LSTBlock", {"num_heads": 2, "ffn_hidden_dim": 16}, (2, 9, D), t, "float64") for t in _BOTH],
    ("LSTBlock", {"num_heads": 2, "transform_type": "dst", "use_scaling": False}, (2, 7, D), False, "float64"),
    ("LSTBlock", {"num_heads": 4, "transform_type": "hadamard"}, (2, 8, D), False, "float64"),
    *[("WaveletBlock", {"levels": 2, "ffn_hidden_dim": 16}, (2, 16, D), t, "float64") for t in _BOTH],
    ("WaveletBlock", {"wavelet": "db2", "levels": 3, "activation": "tanh"}, (2, 15, D), False, "float64"),
    *[("FNOBlock", {"modes": 4, "ffn_hidden_dim": 16}, (2, 16, D), t, "float64") for t in _BOTH],
    *[("FNOBlock", {"modes": 3, "num_layers": 2, "activation": "tanh"}, (2, 10, D), t, "float64") for t in _BOTH],
    *[("FNO2DBlock", {"modes_h": 3, "modes_w": 3, "ffn_hidden_dim": 16}, (2, 6, 6, D), t, "float64")
      for t in _BOTH],
    ("FNO2DBlock", {"modes_h": 2, "modes_w": 3, "num_layers": 2}, (2, 5, 6, D), False, "float64"),
    # the hybrid blocks
    *[("AlternatingBlock", {**_PAIR, "use_layer1": u, "ffn_hidden_dim": 16}, (2, 12, D), t, "float64")
      for u in (True, False) for t in _BOTH],
    *[("AdaptiveBlock", {**_PAIR, "gate_type": "soft", "ffn_hidden_dim": 16}, (4, 12, D), t, "float64")
      for t in _BOTH],
    ("AdaptiveBlock", {**_PAIR, "gate_type": "hard", "ffn_hidden_dim": 16}, (4, 12, D), False, "float64"),
    ("AdaptiveBlock", {**_PAIR, "gate_type": "hard", "ffn_hidden_dim": 16, "q": 0.0}, (4, 12, D), True, "float64"),
    ("AdaptiveBlock", {**_PAIR, "gate_type": "hard", "ffn_hidden_dim": 16}, (4, 12, D), True, "float64"),
    *[("MultiscaleBlock", {**_PAIR, "fusion_type": f, "ffn_hidden_dim": 16}, (2, 12, D), t, "float64")
      for f in ("add", "weighted", "concat") for t in _BOTH],
    *[("CascadeBlock", {**_PAIR, "share_norm": s, "ffn_hidden_dim": 16}, (2, 12, D), t, "float64")
      for s in (False, True) for t in _BOTH],
)


def _case(component, label, run, *args) -> SuiteCase:
    return SuiteCase("spectrans", component, label, partial(one_torch_thread, run, component, label, *args))


def cases() -> list[SuiteCase]:
    """Every block case of the spectrans suite, then the known differences (AFNO's float64 input, the wavelet
    block's float32 filters)."""
    out = []
    for component, spec, shape, training, dtype in GRID:
        p = P_BLOCK if training else 0.0
        out.append(_case(component, _label(shape, spec, p, dtype), _run, spec, shape, p, dtype))
    afno = {"sequence_length": 16, "modes": 4, "ffn_hidden_dim": 16}
    out.append(_case("AFNOBlock", _label((2, 16, D), afno, 0.0, "float64"), _afno_float64, afno, (2, 16, D), 0.0,
                     "float64"))
    wavelet = {"levels": 2, "ffn_hidden_dim": 16}
    out.append(_case("WaveletBlock", _label((2, 16, D), wavelet, 0.0, "float64") + "-float32 filters",
                     _float32_filters, wavelet, (2, 16, D), 0.0, "float64"))
    return out
