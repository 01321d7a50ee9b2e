r"""FNet and FNetEncoder (spectrans ``models/fnet.py``): pre-norm blocks around Fourier mixing.

Block :math:`i` is :class:`~specref.blocks.PreNormBlock` around
:class:`~specref.layers.RealFourierMixing` (``use_real_fft=True``, the default) or
:class:`~specref.layers.FourierMixing`, with the FFN (GELU, hidden 4 D unless ``ffn_hidden_dim``) and the
model's dropout p in the layer and on both branches (spectrans's #28). The skeleton around the blocks is
:mod:`specref.models.base`.

spectrans's ``RealFourierMixing`` returns its input (irfft2(rfft2 x) = x), so spectrans's default FNet has no
token mixing at all (finding ``spectrans_real_fourier_identity``); specref's ``RealFourierMixing`` computes the
real-FFT mixing its documentation describes, so the two models differ by design with ``use_real_fft=True``
and agree with ``use_real_fft=False``.
"""

from __future__ import annotations

from specref._args import check_flag
from specref.blocks import PreNormBlock
from specref.layers import FourierMixing, RealFourierMixing
from specref.models._cases import model_cases
from specref.models.base import Model, common_config

__all__ = ["FNet", "FNetEncoder"]

COMMON_PARAMETERS = r"""
    vocab_size : int, optional
        V: token ids are embedded by ``embedding.weight`` (V, D) (xavier-uniform); without it the model takes
        embeddings (..., N, D).
    hidden_dim, num_layers, max_sequence_length : int
        D, the number of blocks, N_max (the positional table's rows).
    num_classes : int, optional
        C of the classification head (``output_type="classification"``), or the output size of the sequence
        head.
    use_positional_encoding : bool
    positional_encoding_type : {"sinusoidal", "learned", "rotary", "none"}
        ``"alibi"`` is refused (:mod:`specref.models.base`).
    dropout : float in [0, 1)
        p everywhere (layers, blocks, input, head).
    ffn_hidden_dim : int, optional
        The blocks' FFN width (default 4 D).
    norm_eps : float
        The blocks' and the final layer norm's eps (spectrans's 1e-12).
    output_type : {"classification", "regression", "sequence", "lm", "none"}
    spectrans_behaviour : bool, keyword-only
        Reproduce spectrans's departures (input dropout twice, attention mask only to the head, 'alibi' as no
        encoding) to compare with it.
    seed : int or numpy.random.Generator, keyword-only
        Draws every parameter (torch's laws, never torch's numbers: load a state_dict to compare).
    memory_limit : int, optional, keyword-only
        Bytes the parameters may take (default: physical memory); a larger model is refused before allocating.
"""


class FNet(Model):
    __doc__ = r"""spectrans's ``FNet``: token embedding, encoding, pre-norm Fourier-mixing blocks, final norm, head.

    Parameters
    ----------""" + COMMON_PARAMETERS + r"""    use_real_fft : bool
        ``RealFourierMixing`` (True) or ``FourierMixing`` (False) in every block.
    """

    def __init__(self, vocab_size: int | None = None, hidden_dim: int = 768, num_layers: int = 12,
                 max_sequence_length: int = 512, num_classes: int | None = None, use_positional_encoding: bool = True,
                 positional_encoding_type: str = "sinusoidal", dropout: float = 0.1, ffn_hidden_dim: int | None = None,
                 norm_eps: float = 1e-12, output_type: str = "classification", use_real_fft: bool = True, *,
                 spectrans_behaviour: bool = False, seed=0, memory_limit: int | None = None):
        self.use_real_fft = check_flag(use_real_fft, "use_real_fft")
        self._init_model(self._block, **common_config(locals()))

    def _block(self, i, gen):
        d, p = self.hidden_dim, self.dropout
        layer = RealFourierMixing(d, dropout=p) if self.use_real_fft else FourierMixing(d, dropout=p)
        return PreNormBlock(layer, d, self.ffn_hidden_dim, "gelu", p, self.norm_eps, seed=gen)


class FNetEncoder(FNet):
    __doc__ = r"""spectrans's ``FNetEncoder``: :class:`FNet` without embedding or head (embeddings in, final
    hidden states out). Parameters as :class:`FNet` without ``vocab_size``, ``num_classes``, ``output_type``."""

    def __init__(self, hidden_dim: int = 768, num_layers: int = 12, max_sequence_length: int = 512,
                 use_positional_encoding: bool = True, positional_encoding_type: str = "sinusoidal",
                 dropout: float = 0.1, ffn_hidden_dim: int | None = None, norm_eps: float = 1e-12,
                 use_real_fft: bool = True, *, spectrans_behaviour: bool = False, seed=0,
                 memory_limit: int | None = None):
        super().__init__(None, hidden_dim, num_layers, max_sequence_length, None, use_positional_encoding,
                         positional_encoding_type, dropout, ffn_hidden_dim, norm_eps, "none", use_real_fft,
                         spectrans_behaviour=spectrans_behaviour, seed=seed, memory_limit=memory_limit)


CASES = model_cases(FNet, FNetEncoder, extra=({"use_real_fft": False},))
