r"""WaveletTransformer, WaveletEncoder and WaveletDecoder (spectrans ``models/wavenet_transformer.py``): pre-norm
blocks around wavelet mixing.

Block :math:`i` is :class:`~specref.blocks.PreNormBlock` around :class:`~specref.layers.WaveletMixing`
(``wavelet``, ``levels``, ``mixing_mode``, the model's dropout p), with the FFN. spectrans's wavelet mixing adds
its own residual (#9), so each block computes :math:`x + 2\,\mathrm{LN}(x)`-like sums at initialisation, as
spectrans does. The decoder is the model with ``output_type="lm"`` (head ``output_head.lm_head``, V = the
vocabulary) and 2 levels; like spectrans's, it is **not causal** (the DWT's filters reach both ways), and it has
no flag that would claim otherwise.
"""

from __future__ import annotations

from specref.blocks import PreNormBlock
from specref.layers import WaveletMixing
from specref.models._cases import model_cases
from specref.models.base import Model, common_config
from specref.models.fnet import COMMON_PARAMETERS

__all__ = ["WaveletTransformer", "WaveletEncoder", "WaveletDecoder"]


class WaveletTransformer(Model):
    __doc__ = r"""spectrans's ``WaveletTransformer``: embedding, encoding, pre-norm wavelet-mixing blocks, final norm,
    head.

    Parameters
    ----------""" + COMMON_PARAMETERS + r"""    wavelet : str
        The wavelet (default ``"db4"``).
    levels : int
        Decomposition levels (default 3).
    mixing_mode : {"pointwise", "channel", "level"}
    """

    def __init__(self, vocab_size: int | None = None, hidden_dim: int = 768, num_layers: int = 12,
                 max_sequence_length: int = 512, wavelet: str = "db4", levels: int = 3, mixing_mode: str = "pointwise",
                 num_classes: int | None = None, use_positional_encoding: bool = True,
                 positional_encoding_type: str = "sinusoidal", dropout: float = 0.1, ffn_hidden_dim: int | None = None,
                 norm_eps: float = 1e-12, output_type: str = "classification", *, spectrans_behaviour: bool = False,
                 seed=0, memory_limit: int | None = None):
        self.wavelet, self.levels, self.mixing_mode = wavelet, levels, mixing_mode
        self._init_model(self._block, **common_config(locals()))

    def _block(self, i, gen):
        d, p = self.hidden_dim, self.dropout
        layer = WaveletMixing(d, self.wavelet, self.levels, self.mixing_mode, dropout=p, seed=gen)
        return PreNormBlock(layer, d, self.ffn_hidden_dim, "gelu", p, self.norm_eps, seed=gen)


class WaveletEncoder(WaveletTransformer):
    __doc__ = r"""spectrans's ``WaveletEncoder``: :class:`WaveletTransformer` without embedding or head. Parameters as
    that class without ``vocab_size``, ``num_classes``, ``output_type``."""

    def __init__(self, hidden_dim: int = 768, num_layers: int = 12, max_sequence_length: int = 512,
                 wavelet: str = "db4", levels: int = 3, mixing_mode: str = "pointwise",
                 use_positional_encoding: bool = True, positional_encoding_type: str = "sinusoidal",
                 dropout: float = 0.1, ffn_hidden_dim: int | None = None, norm_eps: float = 1e-12, *,
                 spectrans_behaviour: bool = False, seed=0, memory_limit: int | None = None):
        super().__init__(None, hidden_dim, num_layers, max_sequence_length, wavelet, levels, mixing_mode, None,
                         use_positional_encoding, positional_encoding_type, dropout, ffn_hidden_dim, norm_eps, "none",
                         spectrans_behaviour=spectrans_behaviour, seed=seed, memory_limit=memory_limit)


class WaveletDecoder(WaveletTransformer):
    __doc__ = r"""spectrans's ``WaveletDecoder``: :class:`WaveletTransformer` with the sequence head over the
    vocabulary (``output_type="lm"``, ``num_classes = vocab_size``), 2 levels by default; not causal.
    Parameters as :class:`WaveletTransformer` with ``vocab_size`` required and no ``num_classes``/``output_type``."""

    def __init__(self, vocab_size: int, hidden_dim: int = 768, num_layers: int = 12, max_sequence_length: int = 512,
                 wavelet: str = "db4", levels: int = 2, mixing_mode: str = "pointwise",
                 use_positional_encoding: bool = True, positional_encoding_type: str = "sinusoidal",
                 dropout: float = 0.1, ffn_hidden_dim: int | None = None, norm_eps: float = 1e-12, *,
                 spectrans_behaviour: bool = False, seed=0, memory_limit: int | None = None):
        super().__init__(vocab_size, hidden_dim, num_layers, max_sequence_length, wavelet, levels, mixing_mode,
                         vocab_size, use_positional_encoding, positional_encoding_type, dropout, ffn_hidden_dim,
                         norm_eps, "lm", spectrans_behaviour=spectrans_behaviour, seed=seed, memory_limit=memory_limit)


_BASE = {"wavelet": "db2", "levels": 1, "hidden_dim": 3, "positional_encoding_type": "learned"}
CASES = [*model_cases(WaveletTransformer, WaveletEncoder, base={**_BASE, "hidden_dim": 4,
                                                                "positional_encoding_type": "sinusoidal"}),
         *model_cases(WaveletDecoder, base=_BASE, points=({"vocab_size": 7},))]
