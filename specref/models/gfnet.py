r"""GFNet and GFNetEncoder (spectrans ``models/gfnet.py``): pre-norm blocks around global filters.

Block :math:`i` is :class:`~specref.blocks.PreNormBlock` around :class:`~specref.layers.GlobalFilterMixing`
(``sequence_length = max_sequence_length``, filter activation ``filter_activation``, the model's dropout p),
with the FFN (GELU, hidden 4 D unless ``ffn_hidden_dim``). A sequence shorter than N_max meets the filter
interpolated to its length (the layer's ``fft_bin`` interpolation, spectrans's). The skeleton around the
blocks is :mod:`specref.models.base`.
"""

from __future__ import annotations

from specref._args import check_choice
from specref.blocks import PreNormBlock
from specref.layers import GlobalFilterMixing
from specref.models._cases import model_cases
from specref.models.base import Model, common_config
from specref.models.fnet import COMMON_PARAMETERS

__all__ = ["GFNet", "GFNetEncoder"]


class GFNet(Model):
    __doc__ = r"""spectrans's ``GFNet``: embedding, encoding, pre-norm global-filter blocks, final norm, head.

    Parameters
    ----------""" + COMMON_PARAMETERS + r"""    filter_activation : {"sigmoid", "tanh", "identity"}
        The activation of the filters (applied to their real and imaginary parts, as spectrans).
    """

    def __init__(self, vocab_size: int | None = None, hidden_dim: int = 768, num_layers: int = 12,
                 max_sequence_length: int = 512, num_classes: int | None = None, use_positional_encoding: bool = True,
                 positional_encoding_type: str = "sinusoidal", dropout: float = 0.1, ffn_hidden_dim: int | None = None,
                 norm_eps: float = 1e-12, output_type: str = "classification", filter_activation: str = "sigmoid", *,
                 spectrans_behaviour: bool = False, seed=0, memory_limit: int | None = None):
        self.filter_activation = check_choice(filter_activation, ("sigmoid", "tanh", "identity"), "filter_activation")
        self._init_model(self._block, **common_config(locals()))

    def _block(self, i, gen):
        d, p = self.hidden_dim, self.dropout
        layer = GlobalFilterMixing(d, self.max_sequence_length, activation=self.filter_activation, dropout=p,
                                   seed=gen)
        return PreNormBlock(layer, d, self.ffn_hidden_dim, "gelu", p, self.norm_eps, seed=gen)


class GFNetEncoder(GFNet):
    __doc__ = r"""spectrans's ``GFNetEncoder``: :class:`GFNet` without embedding or head. Parameters as
    :class:`GFNet` without ``vocab_size``, ``num_classes``, ``output_type``."""

    def __init__(self, hidden_dim: int = 768, num_layers: int = 12, max_sequence_length: int = 512,
                 use_positional_encoding: bool = True, positional_encoding_type: str = "sinusoidal",
                 dropout: float = 0.1, ffn_hidden_dim: int | None = None, norm_eps: float = 1e-12,
                 filter_activation: str = "sigmoid", *, spectrans_behaviour: bool = False, seed=0,
                 memory_limit: int | None = None):
        super().__init__(None, hidden_dim, num_layers, max_sequence_length, None, use_positional_encoding,
                         positional_encoding_type, dropout, ffn_hidden_dim, norm_eps, "none", filter_activation,
                         spectrans_behaviour=spectrans_behaviour, seed=seed, memory_limit=memory_limit)


CASES = model_cases(GFNet, GFNetEncoder)  # the filter activations and lengths: GlobalFilterMixing's own cases
