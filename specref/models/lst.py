r"""LSTTransformer, LSTEncoder and LSTDecoder (spectrans ``models/lst.py``): pre-norm blocks around linear
spectral-transform attention.

Block :math:`i` is :class:`~specref.blocks.PreNormBlock` around :class:`~specref.layers.DCTAttention`
(``transform_type="dct"``), :class:`~specref.layers.HadamardAttention` (``"hadamard"``) or
:class:`~specref.layers.LSTAttention` (``"dst"``, ``"mixed"``), always with **8 heads** (spectrans fixes it, so
D must be a multiple of 8) and ``learnable_scale = use_conv_bias``, with the FFN. The attention mask reaches
these layers (:mod:`specref.models.base`).

**The decoder is not causal.** spectrans's ``LSTDecoder(causal=True)`` stores the flag and never uses it: a DCT
or DST along the sequence mixes every position into every other, so position 0 depends on the last token
(finding ``spectrans_decoder_not_causal``). No causal construction of the transform attention is derived here,
so specref refuses ``causal=True`` and builds the decoder spectrans really computes with ``causal=False``.
The decoder's ``lm_head`` (V, D) sits at the top level after the final norm, without dropout (spectrans's
layout, unlike the ``output_head.lm_head`` of other models).
"""

from __future__ import annotations

from specref._args import check_choice, check_flag
from specref.blocks import PreNormBlock
from specref.layers import DCTAttention, HadamardAttention, LSTAttention
from specref.layers.attention.lst import _away_from_kinks as lst_away_from_kinks
from specref.models._cases import model_cases
from specref.models.base import Model, common_config
from specref.models.fnet import COMMON_PARAMETERS

__all__ = ["LSTTransformer", "LSTEncoder", "LSTDecoder", "NOT_CAUSAL"]

#: why a causal decoder is refused (spectrans's decoders on DCT/DST/FFT mixing ignore the flag)
NOT_CAUSAL = ("{model}(causal=True): spectrans stores the flag and never uses it; its {mixing} along the sequence "
              "mixes every position into every other, so the output at position 0 depends on the last token. "
              "specref has no causal version of this mixing and refuses the flag: pass causal=False for the "
              "(non-causal) model spectrans computes")


class LSTTransformer(Model):
    __doc__ = r"""spectrans's ``LSTTransformer``: embedding, encoding, pre-norm transform-attention blocks, final norm,
    head.

    Parameters
    ----------""" + COMMON_PARAMETERS + r"""    transform_type : {"dct", "hadamard", "dst", "mixed"}
    use_conv_bias : bool
        The attention's learnable scale (spectrans's mapping of this flag).

    Defaults differ from :class:`~specref.models.FNet`'s as spectrans's: D = 512, 6 layers, N_max = 1024,
    dropout 0.
    """

    def __init__(self, vocab_size: int | None = None, hidden_dim: int = 512, num_layers: int = 6,
                 max_sequence_length: int = 1024, transform_type: str = "dct", use_conv_bias: bool = True,
                 num_classes: int | None = None, ffn_hidden_dim: int | None = None, dropout: float = 0.0,
                 use_positional_encoding: bool = True, positional_encoding_type: str = "sinusoidal", *,
                 norm_eps: float = 1e-12, output_type: str = "classification", spectrans_behaviour: bool = False,
                 seed=0, memory_limit: int | None = None, _lm_head: int | None = None):
        self.transform_type = check_choice(transform_type, ("dct", "hadamard", "dst", "mixed"), "transform_type")
        self.use_conv_bias = check_flag(use_conv_bias, "use_conv_bias")
        self.num_heads = 8
        self._init_model(self._block, **common_config(locals()), lm_head=_lm_head)

    def _block(self, i, gen):
        d, p, s = self.hidden_dim, self.dropout, self.use_conv_bias
        if self.transform_type == "dct":
            layer = DCTAttention(d, 8, learnable_scale=s, dropout=p, seed=gen)
        elif self.transform_type == "hadamard":
            layer = HadamardAttention(d, 8, learnable_scale=s, dropout=p, seed=gen)
        else:
            layer = LSTAttention(d, 8, transform_type=self.transform_type, learnable_scale=s, dropout=p, seed=gen)
        return PreNormBlock(layer, d, self.ffn_hidden_dim, "gelu", p, self.norm_eps, seed=gen)


class LSTEncoder(LSTTransformer):
    __doc__ = r"""spectrans's ``LSTEncoder``: :class:`LSTTransformer` without a head (token ids or embeddings
    in, final hidden states out). Parameters as :class:`LSTTransformer` without ``num_classes``."""

    def __init__(self, vocab_size: int | None = None, hidden_dim: int = 512, num_layers: int = 6,
                 max_sequence_length: int = 1024, transform_type: str = "dct", use_conv_bias: bool = True,
                 ffn_hidden_dim: int | None = None, dropout: float = 0.0, use_positional_encoding: bool = True,
                 positional_encoding_type: str = "sinusoidal", *, spectrans_behaviour: bool = False, seed=0,
                 memory_limit: int | None = None):
        super().__init__(vocab_size, hidden_dim, num_layers, max_sequence_length, transform_type, use_conv_bias,
                         None, ffn_hidden_dim, dropout, use_positional_encoding, positional_encoding_type,
                         output_type="none", spectrans_behaviour=spectrans_behaviour, seed=seed,
                         memory_limit=memory_limit)


class LSTDecoder(LSTTransformer):
    __doc__ = r"""spectrans's ``LSTDecoder``: :class:`LSTTransformer` with a top-level ``lm_head`` (V, D), transform
    ``"dst"`` by default. ``causal=True`` is refused (module docstring): pass ``causal=False``.

    Parameters
    ----------
    vocab_size : int
        V (required).
    causal : bool
        Must be False (spectrans's default True is never applied by spectrans).
    """

    def __init__(self, vocab_size: int, hidden_dim: int = 512, num_layers: int = 12,
                 max_sequence_length: int = 2048, transform_type: str = "dst", causal: bool = True,
                 use_conv_bias: bool = True, ffn_hidden_dim: int | None = None, dropout: float = 0.0,
                 use_positional_encoding: bool = True, positional_encoding_type: str = "sinusoidal", *,
                 spectrans_behaviour: bool = False, seed=0, memory_limit: int | None = None):
        if check_flag(causal, "causal"):
            raise ValueError(NOT_CAUSAL.format(model="LSTDecoder", mixing=f"{transform_type} transform attention"))
        self.causal = False
        super().__init__(vocab_size, hidden_dim, num_layers, max_sequence_length, transform_type, use_conv_bias,
                         None, ffn_hidden_dim, dropout, use_positional_encoding, positional_encoding_type,
                         spectrans_behaviour=spectrans_behaviour, seed=seed, memory_limit=memory_limit,
                         _lm_head=vocab_size)


def _away_from_kinks(model, x, rng, forward_kwargs):
    r"""Each block's attention redrawn, block after block, so that no entry of its normaliser's :math:`|a|` lies
    within a finite-difference step of the kink at 0 (the attention's own rule,
    :func:`specref.layers.attention.lst._away_from_kinks`, at the block's input :math:`\mathrm{LN}_1 h_i`)."""
    mask = forward_kwargs.get("attention_mask")
    for i in range(model.num_layers):
        u = model.forward(x, **forward_kwargs)[1].blocks[i].u1
        name = f"blocks.{i}.mixing_layer"
        layer = model._child(f"blocks.{i}")._child("mixing_layer")
        layer = lst_away_from_kinks(layer, u, rng, mask)
        model = model.with_params({f"{name}.{k}": v for k, v in layer.params.items()})
    return model


_BASE = {"hidden_dim": 8, "ffn_hidden_dim": 6}
# float64 only: the attention's normaliser 1 / sum|a| is steep near small |a|, and through two blocks the float32
# step (h ~ 5e-3) of any upstream parameter moves a by more than the gap the redraw keeps (a float32 difference
# quotient then measures the pole, not the derivative); each LST attention's own case checks float32.
_DTYPES = ("float64",)
CASES = [*model_cases(LSTTransformer, LSTEncoder, base=_BASE, extra=({"transform_type": "hadamard", "N": 4},),
                      away_from_kinks=_away_from_kinks, dtypes=_DTYPES),
         *model_cases(LSTDecoder, base=_BASE, points=({"vocab_size": 7, "causal": False},
                                                      {"vocab_size": 5, "causal": False, "masked": True,
                                                       "positional_encoding_type": "rotary"}),
                      away_from_kinks=_away_from_kinks, dtypes=_DTYPES)]
