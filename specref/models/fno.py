r"""FNOTransformer, FNOEncoder and FNODecoder (spectrans ``models/fno_transformer.py``): the operators' FNO
blocks stacked.

Block :math:`i` is the operators' :class:`~specref.layers.FNOBlock` (``modes``, ``mlp_ratio``, the model's
dropout p; its own layer norms with eps 1e-5), not a pre-norm block around a mixing layer: spectrans's
``ffn_hidden_dim`` is accepted and unused, as there. A sequence needs ``N // 2 + 1 >= modes`` (the spectral
convolution keeps ``modes`` frequencies; spectrans's defaults need N >= 62, #24).

Refused: ``use_2d=True`` (spectrans validates ``spatial_dim`` and then runs the 1-D blocks anyway, #17) and
``FNODecoder(causal=True)`` (the FFT along the sequence is not causal; spectrans ignores the flag:
finding ``spectrans_decoder_not_causal``). The decoder's ``lm_head`` is top-level, as spectrans's.
"""

from __future__ import annotations

from specref._args import check_flag, check_positive_float, check_positive_int
from specref.layers import FNOBlock
from specref.models._cases import model_cases
from specref.models.base import Model, common_config
from specref.models.fnet import COMMON_PARAMETERS
from specref.models.lst import NOT_CAUSAL

__all__ = ["FNOTransformer", "FNOEncoder", "FNODecoder"]


class FNOTransformer(Model):
    __doc__ = r"""spectrans's ``FNOTransformer``: embedding, encoding, FNO blocks, final norm, head (defaults D = 512,
    6 layers, N_max = 1024, dropout 0).

    Parameters
    ----------""" + COMMON_PARAMETERS + r"""    modes : int
        Retained Fourier modes (default 32).
    mlp_ratio : float
        The FNO block's FFN width over D.
    use_2d, spatial_dim
        spectrans's unused 2-D switch: ``use_2d=True`` is refused.
    """

    def __init__(self, vocab_size: int | None = None, hidden_dim: int = 512, num_layers: int = 6,
                 max_sequence_length: int = 1024, modes: int = 32, mlp_ratio: float = 2.0, use_2d: bool = False,
                 spatial_dim: int | None = None, num_classes: int | None = None, ffn_hidden_dim: int | None = None,
                 dropout: float = 0.0, use_positional_encoding: bool = True,
                 positional_encoding_type: str = "sinusoidal", *, norm_eps: float = 1e-12,
                 output_type: str = "classification", spectrans_behaviour: bool = False, seed=0,
                 memory_limit: int | None = None, _lm_head: int | None = None):
        if check_flag(use_2d, "use_2d"):
            raise ValueError("FNOTransformer(use_2d=True): spectrans checks spatial_dim and then runs the 1-D FNO "
                             "blocks anyway; specref has no 2-D FNO model (use specref.blocks.FNO2DBlock on (B, H, W, "
                             "D) input)")
        self.modes = check_positive_int(modes, "modes")
        self.mlp_ratio = check_positive_float(mlp_ratio, "mlp_ratio")
        self.use_2d, self.spatial_dim = False, spatial_dim
        self._init_model(self._block, **common_config(locals()), lm_head=_lm_head)

    def _block(self, i, gen):
        return FNOBlock(self.hidden_dim, self.modes, self.mlp_ratio, dropout=self.dropout, seed=gen)


class FNOEncoder(FNOTransformer):
    __doc__ = r"""spectrans's ``FNOEncoder``: :class:`FNOTransformer` without embedding or head."""

    def __init__(self, hidden_dim: int = 512, num_layers: int = 6, max_sequence_length: int = 1024, modes: int = 32,
                 mlp_ratio: float = 2.0, ffn_hidden_dim: int | None = None, dropout: float = 0.0,
                 use_positional_encoding: bool = True, positional_encoding_type: str = "sinusoidal", *,
                 spectrans_behaviour: bool = False, seed=0, memory_limit: int | None = None):
        super().__init__(None, hidden_dim, num_layers, max_sequence_length, modes, mlp_ratio, False, None, None,
                         ffn_hidden_dim, dropout, use_positional_encoding, positional_encoding_type,
                         output_type="none", spectrans_behaviour=spectrans_behaviour, seed=seed,
                         memory_limit=memory_limit)


class FNODecoder(FNOTransformer):
    __doc__ = r"""spectrans's ``FNODecoder``: :class:`FNOTransformer` with a top-level ``lm_head`` (V, D);
    ``causal=True`` is refused (module docstring): pass ``causal=False``."""

    def __init__(self, vocab_size: int, hidden_dim: int = 512, num_layers: int = 12, max_sequence_length: int = 2048,
                 modes: int = 32, mlp_ratio: float = 2.0, causal: bool = True, ffn_hidden_dim: int | None = None,
                 dropout: float = 0.0, use_positional_encoding: bool = True,
                 positional_encoding_type: str = "sinusoidal", *, spectrans_behaviour: bool = False, seed=0,
                 memory_limit: int | None = None):
        if check_flag(causal, "causal"):
            raise ValueError(NOT_CAUSAL.format(model="FNODecoder", mixing="Fourier transform"))
        self.causal = False
        super().__init__(vocab_size, hidden_dim, num_layers, max_sequence_length, modes, mlp_ratio, False, None,
                         None, ffn_hidden_dim, dropout, use_positional_encoding, positional_encoding_type,
                         spectrans_behaviour=spectrans_behaviour, seed=seed, memory_limit=memory_limit,
                         _lm_head=vocab_size)


_BASE = {"modes": 3, "mlp_ratio": 1.5}
CASES = [*model_cases(FNOTransformer, FNOEncoder, base=_BASE),
         *model_cases(FNODecoder, base=_BASE, points=({"vocab_size": 7, "causal": False},))]
