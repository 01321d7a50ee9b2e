"""spectrans modules onto specref components: the config read off the module, weights by their own names.

specref's layers mirror spectrans's constructor arguments and ``state_dict`` names, so a spectrans module
maps onto the specref class of the same name with nothing repeated by hand: each constructor argument of
the specref class is read off the module (an attribute of the same name; ``fft_norm`` from the module's FFT
submodule; ``dropout`` from its ``nn.Dropout``; AFNO's activation from its MLP), and ``module.state_dict()``
is loaded with :meth:`~specref.interop.params.ParamContainer.from_state_dict`. Where spectrans computes
something other than the math for a configuration, the pairing names the finding (``known``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

from specref.compare.frameworks import to_host
from specref.compare.mapping import Pairing, layer_pairing

__all__ = ["is_spectrans", "pairing", "CLASSES", "read_config"]


def is_spectrans(peer) -> bool:
    """A spectrans module (or a bound method of one)."""
    owner = getattr(peer, "__self__", peer)
    return any(c.__module__.startswith("spectrans.") for c in type(owner).__mro__)


def _dropout_p(module) -> float:
    return float(getattr(module, "p", 0.0))  # nn.Identity (p = 0 in spectrans) has no p


def _fft_norm(module):
    for attr in ("fft2d", "fft1d", "fft"):
        sub = getattr(module, attr, None)
        if sub is not None and hasattr(sub, "norm"):
            return sub.norm
    return None


_ACTIVATIONS = {"GELU": "gelu", "ReLU": "relu", "SiLU": "silu", "Tanh": "tanh", "Sigmoid": "sigmoid",
                "Identity": "identity"}


def read_config(module, cls) -> dict:
    """The constructor arguments of specref class ``cls`` read off the spectrans ``module``."""
    config = {}
    names = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "seed")]
    for name in names:
        if name == "dropout":
            config[name] = _dropout_p(getattr(module, "dropout", None))
        elif name == "fft_norm":
            norm = _fft_norm(module)
            if norm is not None:
                config[name] = norm
        elif name == "activation" and hasattr(module, "mlp"):
            config[name] = _ACTIVATIONS[type(module.mlp[1]).__name__]
        elif name in vars(module) and isinstance(vars(module)[name], (bool, int, float, str)):
            config[name] = vars(module)[name]
    if hasattr(module, "mlp"):  # AFNO: the MLP's dropouts share the layer's p
        config["dropout"] = _dropout_p(module.mlp[2])
    return config


def _layer(name: str):
    import specref.layers.mixing as mixing

    return getattr(mixing, name)


def _known_mixing(module, name: str, config: dict, precision: str, training: bool) -> str:
    if name == "RealFourierMixing" and config.get("use_real_fft", True):
        return "spectrans_real_fourier_identity"
    if name == "AFNOMixing" and precision == "float64":
        return "spectrans_afno_float32"
    if name in ("FourierMixing", "FourierMixing1D") and training and config.get("keep_complex") \
            and config.get("dropout", 0) > 0:
        return "spectrans_complex_dropout"
    if name == "AdaptiveGlobalFilter" and training and config.get("spectral_dropout_p", 0) > 0:
        return "spectrans_adaptive_spectral_dropout"
    return ""


# spectrans class name -> the specref class name it maps onto (mixing layers; kernels add theirs).
CLASSES: dict[str, str] = {
    "FourierMixing": "FourierMixing",
    "FourierMixing1D": "FourierMixing1D",
    "RealFourierMixing": "RealFourierMixing",
    "SeparableFourierMixing": "SeparableFourierMixing",
    "GlobalFilterMixing": "GlobalFilterMixing",
    "GlobalFilterMixing2D": "GlobalFilterMixing2D",
    "AdaptiveGlobalFilter": "AdaptiveGlobalFilter",
    "AFNOMixing": "AFNOMixing",
}

# spectrans class name -> (module) -> {mask name: dropout module}, and which follow a ReLU.
_DROPOUTS: dict[str, Callable] = {
    "AFNOMixing": lambda m: {"mlp.2": m.mlp[2], "mlp.4": m.mlp[4]},
}


def pairing(peer, input_shapes, *, component=None, config: Mapping | None = None, dtype=None,
            training: bool = False) -> Pairing:
    """The pairing of a spectrans module with its specref class (``component`` must agree when given)."""
    module = getattr(peer, "__self__", peer)
    name = type(module).__name__
    if name not in CLASSES:
        raise ValueError(f"no specref mapping for spectrans.{name}; mapped: {sorted(CLASSES)}")
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
    if shape is None:
        length = cfg.get("sequence_length") or cfg.get("max_sequence_length") or 8
        shape = (2, length, cfg["hidden_dim"])
    out = layer_pairing(cls, state, shape, config=cfg, dtype=dtype)
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
    out.known = _known_mixing(module, name, cfg, dtype or "float64", training)
    out.peer_call = peer
    return out
