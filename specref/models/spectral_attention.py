r"""SpectralAttentionTransformer, SpectralAttentionEncoder and PerformerTransformer (spectrans
``models/spectral_attention.py``): pre-norm blocks around random-feature attention.

Block :math:`i` is :class:`~specref.blocks.PreNormBlock` around :class:`~specref.layers.SpectralAttention`
(``num_features`` default **D**, not D/h, as spectrans's models pass it; ``kernel_type``, ``use_orthogonal``
default False) or :class:`~specref.layers.PerformerAttention`, with the FFN. The attention mask reaches the
attention layers (:mod:`specref.models.base`).

``variant`` chooses the attention's features as the layers do: ``"specref"`` (an unbiased estimator of the
named kernel) or ``"spectrans"`` (spectrans's features and buffers, finding ``spectrans_spectral_attention_softmax``);
:meth:`from_state_dict` defaults to ``"spectrans"``, since a spectrans state_dict holds that variant's buffers.
"""

from __future__ import annotations

from specref._args import check_flag, check_positive_int
from specref.blocks import PreNormBlock
from specref.layers import PerformerAttention, SpectralAttention
from specref.models._cases import model_cases
from specref.models.base import Model, common_config
from specref.models.fnet import COMMON_PARAMETERS

__all__ = ["SpectralAttentionTransformer", "SpectralAttentionEncoder", "PerformerTransformer"]

_ATTENTION_PARAMETERS = r"""    num_heads : int
        h (default 8).
    num_features : int, optional
        m, the random features (default D).
    variant : {"specref", "spectrans"}, keyword-only
        The features' law (module docstring).
"""


class _AttentionModel(Model):
    @classmethod
    def from_state_dict(cls, state_dict, prefix: str = "", dtype=None, strict: bool = True, xp=None, **config):
        """As :meth:`specref.interop.params.ParamContainer.from_state_dict`, with ``variant="spectrans"`` by
        default (a spectrans state_dict holds spectrans's feature buffers)."""
        config.setdefault("variant", "spectrans")
        return super().from_state_dict(state_dict, prefix=prefix, dtype=dtype, strict=strict, xp=xp, **config)

    def _init_attention(self, num_heads, num_features, variant):
        self.num_heads = check_positive_int(num_heads, "num_heads")
        self.num_features = None if num_features is None else check_positive_int(num_features, "num_features")
        self.variant = variant


class SpectralAttentionTransformer(_AttentionModel):
    __doc__ = r"""spectrans's ``SpectralAttentionTransformer``: embedding, encoding, pre-norm spectral-attention
    blocks, final norm, head (defaults D = 512, 6 layers, N_max = 1024, dropout 0).

    Parameters
    ----------""" + COMMON_PARAMETERS + _ATTENTION_PARAMETERS + r"""    kernel_type : {"softmax", "gaussian"}
    use_orthogonal : bool
        Orthogonal random features (default False, as spectrans's models).
    """

    def __init__(self, vocab_size: int | None = None, hidden_dim: int = 512, num_layers: int = 6,
                 max_sequence_length: int = 1024, num_heads: int = 8, num_features: int | None = None,
                 kernel_type: str = "softmax", use_orthogonal: bool = False, num_classes: int | None = None,
                 ffn_hidden_dim: int | None = None, dropout: float = 0.0, use_positional_encoding: bool = True,
                 positional_encoding_type: str = "sinusoidal", *, norm_eps: float = 1e-12,
                 output_type: str = "classification", variant: str = "specref", spectrans_behaviour: bool = False,
                 seed=0, memory_limit: int | None = None):
        self._init_attention(num_heads, num_features, variant)
        self.kernel_type = kernel_type
        self.use_orthogonal = check_flag(use_orthogonal, "use_orthogonal")
        self._init_model(self._block, **common_config(locals()))

    def _block(self, i, gen):
        d, p = self.hidden_dim, self.dropout
        layer = SpectralAttention(d, self.num_heads, self.num_features or d, kernel_type=self.kernel_type,
                                  use_orthogonal=self.use_orthogonal, dropout=p, variant=self.variant, seed=gen)
        return PreNormBlock(layer, d, self.ffn_hidden_dim, "gelu", p, self.norm_eps, seed=gen)


class SpectralAttentionEncoder(SpectralAttentionTransformer):
    __doc__ = r"""spectrans's ``SpectralAttentionEncoder``: :class:`SpectralAttentionTransformer` without a head.
    Parameters as that class without ``num_classes`` and ``output_type``."""

    def __init__(self, vocab_size: int | None = None, hidden_dim: int = 512, num_layers: int = 6,
                 max_sequence_length: int = 1024, num_heads: int = 8, num_features: int | None = None,
                 kernel_type: str = "softmax", use_orthogonal: bool = False, ffn_hidden_dim: int | None = None,
                 dropout: float = 0.0, use_positional_encoding: bool = True,
                 positional_encoding_type: str = "sinusoidal", *, variant: str = "specref",
                 spectrans_behaviour: bool = False, seed=0, memory_limit: int | None = None):
        super().__init__(vocab_size, hidden_dim, num_layers, max_sequence_length, num_heads, num_features,
                         kernel_type, use_orthogonal, None, ffn_hidden_dim, dropout, use_positional_encoding,
                         positional_encoding_type, output_type="none", variant=variant,
                         spectrans_behaviour=spectrans_behaviour, seed=seed, memory_limit=memory_limit)


class PerformerTransformer(_AttentionModel):
    __doc__ = r"""spectrans's ``PerformerTransformer``: as :class:`SpectralAttentionTransformer` with
    :class:`~specref.layers.PerformerAttention` (FAVOR+ positive features).

    Parameters
    ----------""" + COMMON_PARAMETERS + _ATTENTION_PARAMETERS

    def __init__(self, vocab_size: int | None = None, hidden_dim: int = 512, num_layers: int = 6,
                 max_sequence_length: int = 1024, num_heads: int = 8, num_features: int | None = None,
                 num_classes: int | None = None, ffn_hidden_dim: int | None = None, dropout: float = 0.0,
                 use_positional_encoding: bool = True, positional_encoding_type: str = "sinusoidal", *,
                 norm_eps: float = 1e-12, output_type: str = "classification", variant: str = "specref",
                 spectrans_behaviour: bool = False, seed=0, memory_limit: int | None = None):
        self._init_attention(num_heads, num_features, variant)
        self._init_model(self._block, **common_config(locals()))

    def _block(self, i, gen):
        d, p = self.hidden_dim, self.dropout
        layer = PerformerAttention(d, self.num_heads, self.num_features or d, dropout=p, variant=self.variant,
                                   seed=gen)
        return PreNormBlock(layer, d, self.ffn_hidden_dim, "gelu", p, self.norm_eps, seed=gen)


_BASE = {"hidden_dim": 4, "num_heads": 2, "num_features": 3}
# the kernels and feature laws are SpectralAttention's own cases; here the composition
CASES = [*model_cases(SpectralAttentionTransformer, SpectralAttentionEncoder, base=_BASE),
         *model_cases(PerformerTransformer, base=_BASE)]
