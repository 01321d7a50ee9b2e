r"""HybridTransformer, HybridEncoder and AlternatingTransformer (spectrans ``models/hybrid.py``): pre-norm blocks
that alternate a spectral mixing layer and a spatial (attention) layer, and the ``StandardAttention`` wrapper.

Block :math:`i` is :class:`~specref.blocks.PreNormBlock` around the spectral layer for even :math:`i` and the
spatial layer for odd :math:`i` (every ``alternation_pattern`` behaves so in spectrans, and here), with the FFN.

- spectral: ``"fourier"`` (:class:`~specref.layers.RealFourierMixing` unless ``spectral_config["use_real_fft"]``
  is False, then :class:`~specref.layers.FourierMixing`), ``"wavelet"``, ``"afno"``, ``"gfnet"``;
- spatial: ``"attention"`` (:class:`StandardAttention`: torch's ``nn.MultiheadAttention`` on (x, x, x)),
  ``"spectral_attention"``, ``"lst"``.

The attention mask reaches the attention layers as their padding mask (:mod:`specref.models.base`). spectrans's
default ``fourier`` layer is its ``RealFourierMixing``, the identity (finding ``spectrans_real_fourier_identity``);
specref's computes the real-FFT mixing, so the defaults differ by design. Unknown keys in the ``*_config`` dicts
are refused (spectrans ignores them).
"""

from __future__ import annotations

from dataclasses import dataclass

from specref._args import check_choice, check_positive_int, check_probability
from specref.backend import dtype_name
from specref.blocks import PreNormBlock
from specref.layers import (
    AFNOMixing,
    FourierMixing,
    GlobalFilterMixing,
    LSTAttention,
    MultiheadAttention,
    RealFourierMixing,
    SpectralAttention,
    WaveletMixing,
)
from specref.layers.base import Layer, LayerCtx, check_keep_mask, child_masks, layer_case, nest, prefixed
from specref.models._cases import model_cases
from specref.models.base import Model, common_config
from specref.models.fnet import COMMON_PARAMETERS

__all__ = ["StandardAttention", "HybridTransformer", "HybridEncoder", "AlternatingTransformer"]


@dataclass(frozen=True)
class StandardAttentionCtx(LayerCtx):
    attention: object


class StandardAttention(Layer):
    r"""spectrans's ``StandardAttention``: :class:`~specref.layers.MultiheadAttention` (child ``attention``,
    ``batch_first``) applied to :math:`(x, x, x)`; a padding ``mask`` (True = keep) becomes torch's
    ``key_padding_mask`` (True = ignore), :math:`\lnot m`.

    Parameters
    ----------
    hidden_dim : int
    num_heads : int
    dropout : float in [0, 1)
        The attention weights' dropout (``"attention.dropout"``).
    seed : int or numpy.random.Generator, keyword-only
    """

    def __init__(self, hidden_dim: int, num_heads: int = 8, dropout: float = 0.0, *, seed=0):
        self.hidden_dim = check_positive_int(hidden_dim, "hidden_dim")
        self.num_heads = check_positive_int(num_heads, "num_heads")
        self.dropout = check_probability(dropout, "dropout")
        self._children = {"attention": MultiheadAttention(self.hidden_dim, self.num_heads, self.dropout,
                                                          batch_first=True, seed=seed)}
        self.dropout_names = tuple(f"attention.{n}" for n in self._children["attention"].dropout_names)
        self._init_arrays(*nest(self._children))

    def error_scale(self, lq, lk=None) -> float:
        """The wrapped attention's claim."""
        return self._children["attention"].error_scale(lq, lq if lk is None else lk)

    def forward(self, x, *, mask=None, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: self-attention of x (..., N, D) under the padding ``mask`` (..., N)."""
        check_keep_mask(x, mask, layer="StandardAttention")
        if masks:
            self._dropout_mask("", (), 0.0, x=x, training=False, rng=None, masks=masks)
        kpm = None if mask is None else ~mask
        y, ctx = self._child("attention").forward(x, key_padding_mask=kpm, training=training, rng=rng,
                                                  masks=child_masks(masks, "attention"))
        return y, StandardAttentionCtx(dtype=dtype_name(x.dtype), attention=ctx)

    def backward(self, ctx: StandardAttentionCtx, dy):
        """``(dx, grads)``: the attention's backward (self-attention: one input cotangent)."""
        dx, grads = self._child("attention").backward(ctx.attention, dy)
        return dx, prefixed("attention", grads)


_SPECTRAL_KEYS = {"fourier": ("use_real_fft",), "wavelet": ("wavelet", "levels", "mixing_mode"),
                  "afno": ("modes_seq", "n_modes", "modes_hidden", "mlp_ratio"), "gfnet": ("activation",)}
_SPATIAL_KEYS = {"attention": ("num_heads",), "spectral_attention": ("num_features", "kernel_type", "use_orthogonal"),
                 "lst": ("transform_type", "use_bias")}


def _config(config, kind, allowed, what):
    config = dict(config or {})
    unknown = sorted(set(config) - set(allowed[kind]))
    if unknown:
        raise ValueError(f"{what} for {kind!r} has unknown keys {unknown}; accepted: {list(allowed[kind])}")
    return config


def spectral_layer(kind, config, *, hidden_dim, max_sequence_length, dropout, gen) -> Layer:
    """The spectral layer spectrans's hybrids build for ``kind`` and ``config``."""
    d, p = hidden_dim, dropout
    if kind == "fourier":
        return RealFourierMixing(d, dropout=p) if config.get("use_real_fft", True) else FourierMixing(d, dropout=p)
    if kind == "wavelet":
        return WaveletMixing(d, config.get("wavelet", "db4"), config.get("levels", 3),
                             config.get("mixing_mode", "pointwise"), dropout=p, seed=gen)
    if kind == "afno":
        return AFNOMixing(d, max_sequence_length, config.get("modes_seq") or config.get("n_modes"),
                          config.get("modes_hidden"), config.get("mlp_ratio", 2.0), dropout=p, seed=gen)
    return GlobalFilterMixing(d, max_sequence_length, activation=config.get("activation", "sigmoid"), dropout=p,
                              seed=gen)


def spatial_layer(kind, config, *, hidden_dim, num_heads, dropout, gen) -> Layer:
    """The spatial layer spectrans's hybrids build for ``kind`` and ``config``."""
    d, p = hidden_dim, dropout
    if kind == "attention":
        return StandardAttention(d, config.get("num_heads", num_heads), p, seed=gen)
    if kind == "spectral_attention":
        return SpectralAttention(d, num_heads, config.get("num_features"), kernel_type=config.get("kernel_type",
                                 "softmax"), use_orthogonal=config.get("use_orthogonal", False), dropout=p,
                                 variant="spectrans", seed=gen)
    return LSTAttention(d, num_heads, transform_type=config.get("transform_type", "dct"),
                        use_bias=config.get("use_bias", True), dropout=p, seed=gen)


class HybridTransformer(Model):
    __doc__ = r"""spectrans's ``HybridTransformer``: blocks alternating a spectral and a spatial layer.

    Parameters
    ----------""" + COMMON_PARAMETERS + r"""    spectral_type : {"fourier", "wavelet", "afno", "gfnet"}
    spatial_type : {"attention", "spectral_attention", "lst"}
    alternation_pattern : str
        Accepted and, as in spectrans, without effect (spectral on even blocks).
    num_heads : int
    spectral_config, spatial_config : dict, optional
        The layers' options (module docstring); unknown keys are refused.
    """

    def __init__(self, vocab_size: int | None = None, hidden_dim: int = 768, num_layers: int = 12,
                 max_sequence_length: int = 512, spectral_type: str = "fourier", spatial_type: str = "attention",
                 alternation_pattern: str = "even_spectral", num_heads: int = 8, spectral_config: dict | None = None,
                 spatial_config: dict | None = None, num_classes: int | None = None,
                 use_positional_encoding: bool = True, positional_encoding_type: str = "sinusoidal",
                 dropout: float = 0.1, ffn_hidden_dim: int | None = None, norm_eps: float = 1e-12,
                 output_type: str = "classification", *, spectrans_behaviour: bool = False, seed=0,
                 memory_limit: int | None = None):
        self.spectral_type = check_choice(spectral_type, tuple(_SPECTRAL_KEYS), "spectral_type")
        self.spatial_type = check_choice(spatial_type, tuple(_SPATIAL_KEYS), "spatial_type")
        self.alternation_pattern = alternation_pattern
        self.num_heads = check_positive_int(num_heads, "num_heads")
        self.spectral_config = _config(spectral_config, self.spectral_type, _SPECTRAL_KEYS, "spectral_config")
        self.spatial_config = _config(spatial_config, self.spatial_type, _SPATIAL_KEYS, "spatial_config")
        self._init_model(self._block, **common_config(locals()))

    def _block(self, i, gen):
        d, p = self.hidden_dim, self.dropout
        if i % 2 == 0:
            layer = spectral_layer(self.spectral_type, self.spectral_config, hidden_dim=d,
                                   max_sequence_length=self.max_sequence_length, dropout=p, gen=gen)
        else:
            layer = spatial_layer(self.spatial_type, self.spatial_config, hidden_dim=d, num_heads=self.num_heads,
                                  dropout=p, gen=gen)
        return PreNormBlock(layer, d, self.ffn_hidden_dim, "gelu", p, self.norm_eps, seed=gen)


class HybridEncoder(HybridTransformer):
    __doc__ = r"""spectrans's ``HybridEncoder``: :class:`HybridTransformer` without embedding or head."""

    def __init__(self, hidden_dim: int = 768, num_layers: int = 12, max_sequence_length: int = 512,
                 spectral_type: str = "fourier", spatial_type: str = "attention",
                 alternation_pattern: str = "even_spectral", num_heads: int = 8, spectral_config: dict | None = None,
                 spatial_config: dict | None = None, use_positional_encoding: bool = True,
                 positional_encoding_type: str = "sinusoidal", dropout: float = 0.1,
                 ffn_hidden_dim: int | None = None, norm_eps: float = 1e-12, *, spectrans_behaviour: bool = False,
                 seed=0, memory_limit: int | None = None):
        super().__init__(None, hidden_dim, num_layers, max_sequence_length, spectral_type, spatial_type,
                         alternation_pattern, num_heads, spectral_config, spatial_config, None,
                         use_positional_encoding, positional_encoding_type, dropout, ffn_hidden_dim, norm_eps, "none",
                         spectrans_behaviour=spectrans_behaviour, seed=seed, memory_limit=memory_limit)


class AlternatingTransformer(Model):
    __doc__ = r"""spectrans's ``AlternatingTransformer``: ``layer1_type`` on even blocks, ``layer2_type`` on odd
    ones, each ``"fourier"`` or ``"attention"``.

    Parameters
    ----------""" + COMMON_PARAMETERS + r"""    layer1_type, layer2_type : {"fourier", "attention"}
    layer1_config, layer2_config : dict, optional
        ``{"use_real_fft": bool}`` for fourier, ``{"num_heads": int}`` (default 8) for attention.
    """

    def __init__(self, vocab_size: int | None = None, hidden_dim: int = 768, num_layers: int = 12,
                 max_sequence_length: int = 512, layer1_type: str = "fourier", layer2_type: str = "attention",
                 layer1_config: dict | None = None, layer2_config: dict | None = None, num_classes: int | None = None,
                 use_positional_encoding: bool = True, positional_encoding_type: str = "sinusoidal",
                 dropout: float = 0.1, ffn_hidden_dim: int | None = None, norm_eps: float = 1e-12,
                 output_type: str = "classification", *, spectrans_behaviour: bool = False, seed=0,
                 memory_limit: int | None = None):
        kinds = ("fourier", "attention")
        self.layer1_type = check_choice(layer1_type, kinds, "layer1_type")
        self.layer2_type = check_choice(layer2_type, kinds, "layer2_type")
        keys = {**{"fourier": _SPECTRAL_KEYS["fourier"]}, "attention": _SPATIAL_KEYS["attention"]}
        self.layer1_config = _config(layer1_config, self.layer1_type, keys, "layer1_config")
        self.layer2_config = _config(layer2_config, self.layer2_type, keys, "layer2_config")
        self._init_model(self._block, **common_config(locals()))

    def _block(self, i, gen):
        d, p = self.hidden_dim, self.dropout
        kind, config = (self.layer1_type, self.layer1_config) if i % 2 == 0 else (self.layer2_type,
                                                                                   self.layer2_config)
        if kind == "fourier":
            layer = spectral_layer("fourier", config, hidden_dim=d, max_sequence_length=self.max_sequence_length,
                                   dropout=p, gen=gen)
        else:
            layer = StandardAttention(d, config.get("num_heads", 8), p, seed=gen)
        return PreNormBlock(layer, d, self.ffn_hidden_dim, "gelu", p, self.norm_eps, seed=gen)


def _mask_kwargs(layer, x, rng):
    keep = rng.random(tuple(x.shape[:-1])) < 0.7
    keep[..., 0] = True
    return {"mask": layer.xp.asarray(keep), "training": True, "rng": 3}


CASES = [
    layer_case(StandardAttention, build=lambda seed, **p: StandardAttention(p["d"], p["h"], 0.25, seed=seed),
               input_shape=lambda p: (2, p["n"], p["d"]), grid=({"d": 4, "h": 2, "n": 5},),
               error_scale=lambda p: StandardAttention(p["d"], p["h"]).error_scale(p["n"]),
               error_reason="the wrapped multi-head attention's claim", forward_kwargs=_mask_kwargs),
    *model_cases(HybridTransformer, HybridEncoder, base={"num_heads": 2, "spectral_type": "gfnet"}),
    *model_cases(AlternatingTransformer, base={"layer2_config": {"num_heads": 2}},
                 extra=({"layer1_config": {"use_real_fft": False}},)),
]
