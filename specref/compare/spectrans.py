"""spectrans modules onto specref components: the config read off the module, weights by their own names.

specref's layers mirror spectrans's constructor arguments and ``state_dict`` names, so a spectrans module
maps onto the specref class of the same name with nothing repeated by hand: each constructor argument of
the specref class is read off the module (an attribute of the same name; ``fft_norm`` from the module's FFT
submodule, ``fft2d``/``fft1d`` or, for ``RealFourierMixing(use_real_fft=True)``, ``rfft2d``; ``dropout`` from
its ``nn.Dropout``; AFNO's activation from its MLP, its clamped modes as the module stores them), and
``module.state_dict()`` is loaded with :meth:`~specref.interop.params.ParamContainer.from_state_dict`. In
training mode the masks of the module's dropouts are read back (``"dropout"``; AFNO's ``"mlp.2"`` and
``"mlp.4"``, the first after the activation). Where spectrans computes something other than the math for a
configuration, the pairing names the finding (``known``):

- ``spectrans_real_fourier_identity``: ``RealFourierMixing(use_real_fft=True)`` (its output is its input);
- ``spectrans_complex_dropout``: ``FourierMixing``/``FourierMixing1D(keep_complex=True)`` with dropout, in
  training mode (it raises);
- ``spectrans_adaptive_spectral_dropout``: ``AdaptiveGlobalFilter(spectral_dropout_p > 0)`` in training mode
  (it raises);
- ``spectrans_afno_float32``: ``AFNOMixing`` given float64 inputs or holding float64 parameters (it computes
  in float32; a float64 module raises);
- ``spectrans_dwt_float32_filters``: ``WaveletMixing``/``WaveletMixing2D`` compared in float64 while the module
  holds spectrans's float32-rounded filter buffers (overwrite them with pywt's float64 taps,
  :func:`exact_wavelet_filters`, to compare the float64 math), or on a signal that some level leaves shorter
  than ``F - 2`` samples (spectrans's symmetric extension then differs from pywt's where its filters read);
- ``spectrans_wavelet2d_attention_unused``: ``WaveletMixing2D(mixing_mode="attention")`` (spectrans never calls
  its encoder), unless specref is built with ``config={"encoder": "spectrans_identity"}``.

The wavelet layers' classes live in :mod:`specref.layers.mixing.wavelet` and
:mod:`specref.layers.mixing.wavelet2d`; their bounds (:func:`specref.compare.bounds.wavelet_bounds`) count the
filter-bank stages.
In training mode ``WaveletMixing``'s ``"dropout"`` mask is read back; the ``'level'`` mode's attention-weight
dropout (``level_mixer.dropout``, applied functionally by ``nn.MultiheadAttention``) cannot be read back, so a
training-mode comparison of that mode needs ``dropout=0`` (the pairing notes it otherwise).

The neural operators (``spectrans.layers.operators.fno``: ``SpectralConv1d``, ``SpectralConv2d``,
``FourierNeuralOperator`` and the operators' ``FNOBlock``, not ``spectrans.blocks.FNOBlock``, whose layout
differs: inventory #30) map onto :mod:`specref.layers.operators`: ``modes1``/``modes2`` become the ``modes``
tuple, the activation is read off its ``nn`` module, ``use_spectral_conv``/``use_linear`` from the
submodules being ``None``, ``mlp_ratio`` from ``ffn.0``'s width over ``hidden_dim``, ``norm_type`` from
``norm1``'s type; the block's masks ``"dropout"``, ``"ffn.2"`` (after the activation) and ``"ffn.4"`` are read
back. Their bounds: :func:`specref.compare.bounds.operator_bounds`. In 2-D spectrans keeps one corner of the
rfft2 spectrum (``spectrans_fno_one_corner``): specref's ``SpectralConv2d`` reproduces it, so the pairing
passes and notes the finding; ``SpectralConv2dTwoCorners`` is the paper's layer.

The kernels (``spectrans.kernels``), the transforms (``spectrans.transforms``), the blocks
(``spectrans.blocks``) and the models (``spectrans.models``) have their pairings in
:mod:`specref.compare.spectrans_kernels`, :mod:`specref.compare.spectrans_transforms`,
:mod:`specref.compare.spectrans_blocks` and :mod:`specref.compare.spectrans_models` (each a ``CLASSES``
table and a ``pairing`` function of this one's signature); :func:`pairing` routes their classes there,
importing those modules on first use only (a missing one gives a ``ModuleNotFoundError`` that says so).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping

import numpy as np

from specref.compare.frameworks import to_host
from specref.compare.mapping import Pairing, layer_pairing

__all__ = ["is_spectrans", "pairing", "CLASSES", "read_config", "kernel_classes", "exact_wavelet_filters",
           ]

# The other families' pairings, each a module with ``CLASSES`` (spectrans class name -> specref name) and
# ``pairing(peer, input_shapes, *, component, config, dtype, training)``: (module, spectrans package, what).
_FAMILIES = (
    ("specref.compare.spectrans_kernels", "spectrans.kernels", "kernels"),
    ("specref.compare.spectrans_transforms", "spectrans.transforms", "transforms"),
    ("specref.compare.spectrans_blocks", "spectrans.blocks", "blocks"),
    ("specref.compare.spectrans_models", "spectrans.models", "models"),
)
_KERNELS_MODULE = _FAMILIES[0][0]


def is_spectrans(peer) -> bool:
    """A spectrans module (or a bound method of one)."""
    owner = getattr(peer, "__self__", peer)
    return any(c.__module__.startswith("spectrans.") for c in type(owner).__mro__)


def _family(path: str, what: str):
    """A family's pairing module (imported on first use; a clear error where that module is missing)."""
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError as exc:
        if exc.name != path:
            raise
        raise ModuleNotFoundError(
            f"{path} is missing: specref has no pairings of spectrans's {what} in this install (the mixing "
            f"layers are mapped: {sorted(CLASSES)})", name=path) from exc


def _kernels():
    """The spectrans kernel pairings, :mod:`specref.compare.spectrans_kernels`."""
    return _family(*_FAMILIES[0][::2])


def _family_classes(path: str, what: str) -> dict:
    try:
        return dict(_family(path, what).CLASSES)
    except ModuleNotFoundError:
        return {}


def kernel_classes() -> dict:
    """spectrans kernel class name -> specref component name (empty where the kernel pairings are missing)."""
    return _family_classes(*_FAMILIES[0][::2])


def _dropout_p(module) -> float:
    return float(getattr(module, "p", 0.0))  # nn.Identity (p = 0 in spectrans) has no p


def _fft_norm(module):
    for attr in ("fft2d", "fft1d", "fft", "rfft2d", "rfft"):
        sub = getattr(module, attr, None)
        if sub is not None and hasattr(sub, "norm"):
            return sub.norm
    return None


_ACTIVATIONS = {"GELU": "gelu", "ReLU": "relu", "SiLU": "silu", "Tanh": "tanh", "Sigmoid": "sigmoid",
                "Identity": "identity"}


_NORMS = {"LayerNorm": "layernorm", "BatchNorm1d": "batchnorm", "NoneType": "none"}


def _operator_config(module, names) -> dict:
    """An operator's constructor arguments (``SpectralConv*``, ``FourierNeuralOperator``, ``FNOBlock``)."""
    fno = getattr(module, "fno", module)
    config = {}
    for name in names:
        if name in ("in_channels", "out_channels", "hidden_dim"):
            config[name] = getattr(module, name)
        elif name == "modes":
            modes = getattr(fno, "modes", None)
            if modes is None:  # SpectralConv2d stores modes1, modes2
                modes = (fno.modes1, fno.modes2)
            config[name] = modes if isinstance(modes, int) else tuple(int(m) for m in modes)
        elif name == "activation":
            config[name] = _ACTIVATIONS[type(fno.activation).__name__]
        elif name in ("use_spectral_conv", "use_linear"):
            config[name] = getattr(module, "spectral_conv" if name == "use_spectral_conv" else "linear") is not None
        elif name == "mlp_ratio":
            config[name] = 0.0 if module.ffn is None else module.ffn[0].out_features / module.hidden_dim
        elif name == "norm_type":
            config[name] = _NORMS[type(module.norm1).__name__]
        elif name == "dropout":
            config[name] = _dropout_p(module.dropout)
    return config


_FEATURE_ATTENTION = ("SpectralAttention", "PerformerAttention", "KernelAttention")


def _feature_attention_config(module, names) -> dict:
    """A feature attention's constructor arguments; always ``variant="spectrans"`` (its features from its
    buffers: specref's default variant computes other, correct features, docs/layers/attention.md)."""
    kernel = module.kernel
    config = {"variant": "spectrans"}
    for name in names:
        if name == "kernel_type" and type(module).__name__ == "SpectralAttention":
            config[name] = "softmax" if type(kernel).__name__ == "RFFAttentionKernel" else "gaussian"
        elif name == "use_orthogonal":
            config[name] = bool(getattr(kernel, "use_orthogonal", getattr(kernel, "orthogonal", False)))
        elif name == "feature_redraw":
            config[name] = bool(getattr(kernel, "redraw", False))
        elif name == "use_bias":
            config[name] = module.q_proj.bias is not None
        elif name == "dropout":
            config[name] = _dropout_p(module.dropout)
        elif name == "num_features" and type(module).__name__ == "KernelAttention":
            config[name] = getattr(kernel, "num_features", None)
        elif name in vars(module) and isinstance(vars(module)[name], (bool, int, float, str)):
            config[name] = vars(module)[name]
    return config


def read_config(module, cls) -> dict:
    """The constructor arguments of specref class ``cls`` read off the spectrans ``module``."""
    config = {}
    names = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "seed")]
    if type(module).__name__ in _OPERATORS:
        return _operator_config(module, names)
    if type(module).__name__ in _FEATURE_ATTENTION:
        return _feature_attention_config(module, names)
    for name in names:
        if name == "dropout":
            config[name] = _dropout_p(getattr(module, "dropout", None))
        elif name == "fft_norm":
            norm = _fft_norm(module)
            if norm is not None:
                config[name] = norm
        elif name == "learnable_scale" and hasattr(module, "q_proj"):  # LST: scale a param or a buffer
            config[name] = "scale" in dict(module.named_parameters())
        elif name == "use_bias" and hasattr(module, "q_proj"):  # LST: the projections' biases
            config[name] = module.q_proj.bias is not None
        elif name == "activation" and hasattr(module, "mlp"):
            config[name] = _ACTIVATIONS[type(module.mlp[1]).__name__]
        elif name in vars(module) and isinstance(vars(module)[name], (bool, int, float, str)):
            config[name] = vars(module)[name]
    if hasattr(module, "mlp"):  # AFNO: the MLP's dropouts share the layer's p
        config["dropout"] = _dropout_p(module.mlp[2])
    return config


# specref classes outside the mixing package's re-exports: name -> module.
_OPERATORS = ("SpectralConv1d", "SpectralConv2d", "FourierNeuralOperator", "FNOBlock")
_LAYER_MODULES = {"WaveletMixing": "specref.layers.mixing.wavelet",
                  "WaveletMixing2D": "specref.layers.mixing.wavelet2d",
                  "SpectralConv1d": "specref.layers.operators.spectral_conv",
                  "SpectralConv2d": "specref.layers.operators.spectral_conv",
                  "FourierNeuralOperator": "specref.layers.operators.fno",
                  "FNOBlock": "specref.layers.operators.fno",
                  "LSTAttention": "specref.layers.attention.lst",
                  "DCTAttention": "specref.layers.attention.lst",
                  "HadamardAttention": "specref.layers.attention.lst",
                  "SpectralAttention": "specref.layers.attention.feature",
                  "PerformerAttention": "specref.layers.attention.feature",
                  "KernelAttention": "specref.layers.attention.kernel"}


def _layer(name: str):
    if name in _LAYER_MODULES:
        return getattr(importlib.import_module(_LAYER_MODULES[name]), name)
    import specref.layers.mixing as mixing

    return getattr(mixing, name)


_FILTERS = ("dec_lo", "dec_hi", "rec_lo", "rec_hi")  # spectrans's get_wavelet_filters order (pywt's names)


def _dwt_module(module):
    """The DWT1D holding a wavelet layer's filter buffers (``dwt`` in 1-D, ``dwt.dwt1d`` in 2-D)."""
    return getattr(module.dwt, "dwt1d", module.dwt)


def exact_wavelet_filters(module) -> None:
    """Overwrite a spectrans wavelet module's filter buffers (float32-rounded, inventory #11) with pywt's
    float64 taps, in place, in the buffers' dtype (call after ``.double()``)."""
    import pywt
    import torch  # peer-only

    dwt, wav = _dwt_module(module), pywt.Wavelet(module.wavelet)
    with torch.no_grad():
        for name in _FILTERS:
            buf = getattr(dwt, name)
            buf.copy_(torch.tensor(getattr(wav, name), dtype=torch.float64).to(buf.dtype))


def _inexact_filters(module) -> bool:
    """The module's float64 filter buffers are not pywt's float64 taps (spectrans stores them rounded)."""
    import pywt

    dwt, wav = _dwt_module(module), pywt.Wavelet(module.wavelet)
    return any(not np.array_equal(to_host(getattr(dwt, n)).astype(np.float64), np.asarray(getattr(wav, n)))
               for n in _FILTERS)


def _short_level(shape, f: int, levels: int, axes) -> bool:
    """Some level's input along ``axes`` has 1 < n < F - 2 samples: spectrans's turning-walk extension then
    differs from pywt's symmetric extension in samples its filter bank reads (it pads F - 1 samples a side and
    drops the first, so F - 2 a side are read; the walk equals pywt's extension for its first n samples;
    validation/findings/spectrans_dwt_float32_filters.md)."""
    for axis in axes:
        n = shape[axis]
        for _ in range(levels):
            if 1 < n < f - 2:
                return True
            n = (n + f - 1) // 2
    return False


def _holds_float64(module) -> bool:
    return any(to_host(p).dtype != np.float32 for p in module.parameters())


def _known_mixing(module, name: str, config: dict, precision: str, training: bool, shape=None) -> str:
    if name in ("WaveletMixing", "WaveletMixing2D"):
        if name == "WaveletMixing2D" and config.get("mixing_mode") == "attention" \
                and config.get("encoder", "documented") != "spectrans_identity":
            return "spectrans_wavelet2d_attention_unused"
        f = len(_dwt_module(module).dec_lo)
        axes = (-2,) if name == "WaveletMixing" else (-2, -1)
        if (precision == "float64" and _inexact_filters(module)) or \
                (shape is not None and _short_level(shape, f, config.get("levels", 1), axes)):
            return "spectrans_dwt_float32_filters"
        return ""
    if name == "RealFourierMixing" and config.get("use_real_fft", True):
        return "spectrans_real_fourier_identity"
    if name == "AFNOMixing" and (precision == "float64" or _holds_float64(module)):
        return "spectrans_afno_float32"
    if name in ("FourierMixing", "FourierMixing1D") and training and config.get("keep_complex") \
            and config.get("dropout", 0) > 0:
        return "spectrans_complex_dropout"
    if name == "AdaptiveGlobalFilter" and training and config.get("spectral_dropout_p", 0) > 0:
        return "spectrans_adaptive_spectral_dropout"
    return ""


# spectrans mixing class name -> the specref class name it maps onto (the kernels: spectrans_kernels.CLASSES).
CLASSES: dict[str, str] = {
    "FourierMixing": "FourierMixing",
    "FourierMixing1D": "FourierMixing1D",
    "RealFourierMixing": "RealFourierMixing",
    "SeparableFourierMixing": "SeparableFourierMixing",
    "GlobalFilterMixing": "GlobalFilterMixing",
    "GlobalFilterMixing2D": "GlobalFilterMixing2D",
    "AdaptiveGlobalFilter": "AdaptiveGlobalFilter",
    "AFNOMixing": "AFNOMixing",
    "WaveletMixing": "WaveletMixing",
    "WaveletMixing2D": "WaveletMixing2D",
    "SpectralConv1d": "SpectralConv1d",
    "SpectralConv2d": "SpectralConv2d",
    "FourierNeuralOperator": "FourierNeuralOperator",
    "FNOBlock": "FNOBlock",
    "LSTAttention": "LSTAttention",
    "DCTAttention": "DCTAttention",
    "HadamardAttention": "HadamardAttention",
    "SpectralAttention": "SpectralAttention",
    "PerformerAttention": "PerformerAttention",
    "KernelAttention": "KernelAttention",
}

# spectrans class name -> (module) -> {mask name: dropout module}; the default is the layer's "dropout".
_DROPOUTS: dict[str, Callable] = {
    "AFNOMixing": lambda m: {"mlp.2": m.mlp[2], "mlp.4": m.mlp[4]},
    "FNOBlock": lambda m: {"dropout": m.dropout, **({"ffn.2": m.ffn[2], "ffn.4": m.ffn[4]} if m.ffn is not None
                                                    else {})},
}


_WAVELET_LAYERS = ("WaveletMixing", "WaveletMixing2D")


def _is_mixing(module) -> bool:
    """A mapped class of ``spectrans.layers.mixing`` or ``spectrans.layers.operators`` (the operators'
    ``FNOBlock``; ``spectrans.blocks.FNOBlock`` is another class with another layout, inventory #30)."""
    name = type(module).__name__
    return name in CLASSES and type(module).__module__.startswith(("spectrans.layers.mixing",
                                                                   "spectrans.layers.operators",
                                                                   "spectrans.layers.attention.lst",
                                                                   "spectrans.layers.attention.spectral"))


def _operator_shape(name: str, cfg: dict) -> tuple:
    """The input drawn for an operator when none is given: 16 points (8 x 8 in 2-D), batch 2."""
    if name.startswith("SpectralConv"):
        return (2, cfg["in_channels"]) + ((16,) if name.endswith("1d") else (8, 8))
    return (2,) + ((16,) if isinstance(cfg["modes"], int) else (8, 8)) + (cfg["hidden_dim"],)


def _operator_axes(name: str, shape: tuple) -> tuple:
    """The output axes the FFTs run along (channels first for the convolutions, last for the others)."""
    ndim = 1 if (name == "SpectralConv1d" or (not name.startswith("SpectralConv") and len(shape) == 3)) else 2
    return tuple(range(-ndim, 0)) if name.startswith("SpectralConv") else tuple(range(-ndim - 1, -1))


def pairing(peer, input_shapes, *, component=None, config: Mapping | None = None, dtype=None,
            training: bool = False) -> Pairing:
    """The pairing of a spectrans module with its specref class (``component`` must agree when given).

    Mixing layers are paired here; kernels by :func:`specref.compare.spectrans_kernels.pairing`, transforms
    by :func:`specref.compare.spectrans_transforms.pairing`, blocks by
    :func:`specref.compare.spectrans_blocks.pairing`.

    Raises
    ------
    ValueError
        If spectrans's class has no specref mapping, or ``component`` names another class.
    ModuleNotFoundError
        If the class is a spectrans kernel or transform and that family's pairing module is missing.
    """
    module = getattr(peer, "__self__", peer)
    name = type(module).__name__
    if not _is_mixing(module):
        mapped = dict(CLASSES)
        for path, package, what in _FAMILIES:
            classes = _family_classes(path, what)
            if name in classes:
                return _family(path, what).pairing(peer, input_shapes, component=component, config=config,
                                                   dtype=dtype, training=training)
            if not classes and type(module).__module__.startswith(package):
                _family(path, what)  # a ModuleNotFoundError that says which pairings are missing
            mapped.update(classes)
        raise ValueError(f"no specref mapping for spectrans.{name}; mapped: {sorted(mapped)}")
    cls = _layer(CLASSES[name])
    if component is not None:
        from specref.compare.api import resolve_component

        target = resolve_component(component)
        target_name = target.__name__ if isinstance(target, type) else type(target).__name__
        if target_name != cls.__name__:
            raise ValueError(f"spectrans.{name} maps onto specref {cls.__name__}, not {target_name}")
    cfg = {**read_config(module, cls), **dict(config or {})}
    state = {k: to_host(v) for k, v in module.state_dict().items()}
    shape = input_shapes[0] if input_shapes else None
    if shape is None and name in _OPERATORS:
        shape = _operator_shape(name, cfg)
    elif shape is None and name == "WaveletMixing2D":
        shape = (2, cfg["channels"], 8, 8)
    elif shape is None:
        length = cfg.get("sequence_length") or cfg.get("max_sequence_length") or (16 if "levels" in cfg else 8)
        shape = (2, length, cfg["hidden_dim"])
    out = layer_pairing(cls, state, shape, config=cfg, dtype=dtype)
    if name in _WAVELET_LAYERS:
        out.spectral_axes = (-2, -1) if name == "WaveletMixing2D" else (-2,)
        if training and cfg.get("mixing_mode") == "level" and cfg.get("dropout", 0) > 0:
            out.notes.append("level_mixer.dropout (nn.MultiheadAttention's attention-weight dropout, applied "
                             "functionally) cannot be read back: compare the 'level' mode in training with "
                             "dropout=0")
    if name in _OPERATORS:
        out.spectral_axes = _operator_axes(name, tuple(shape))
        if not isinstance(cfg.get("modes", 0), int):
            out.notes.append("spectrans keeps one corner of the rfft2 spectrum (spectrans_fno_one_corner): "
                             "specref's SpectralConv2d reproduces it; SpectralConv2dTwoCorners is the paper's layer")
    # Gradients are compared for the trainable parameters only (the peer's named_parameters).
    trainable = {k for k, _ in module.named_parameters()}
    backward = out.backward

    def backward_trainable(state_, dy):
        dx, grads = backward(state_, dy)
        return dx, {k: v for k, v in grads.items() if k in trainable}

    out.backward = backward_trainable
    out.default_input_shapes = (shape,)
    drop = _DROPOUTS.get(name, lambda m: {"dropout": m.dropout} if hasattr(m, "dropout") else {})(module)
    out.dropouts = {k: v for k, v in drop.items() if _dropout_p(v) > 0}
    if name == "AFNOMixing":
        out.relu_before = {"mlp.2": cfg.get("activation") == "relu"}
    if name == "FNOBlock":
        relu = cfg.get("activation") == "relu"  # the FNO's output and the FFN's hidden units follow a ReLU
        out.relu_before = {"dropout": relu, "ffn.2": relu}
    out.known = _known_mixing(module, name, cfg, dtype or "float64", training, shape)
    out.peer_call = peer
    return out

