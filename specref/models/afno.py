r"""AFNOModel and AFNOEncoder (spectrans ``models/afno.py``): pre-norm blocks around spectrans's AFNO mixing.

Block :math:`i` is :class:`~specref.blocks.PreNormBlock` around :class:`~specref.layers.AFNOMixing`
(``max_sequence_length``, ``modes_seq`` default N_max/2, ``modes_hidden`` default D/2, ``mlp_ratio``, the
model's dropout p), with the FFN. spectrans's AFNO mixing holds its own layer norm and residual, so the block
adds a second residual (#8), and its MLP acts on all retained modes at once: its weights are
:math:`2 m_s m_h \times r D` twice, about 1.2 billion numbers per layer at spectrans's defaults (D = 768,
N_max = 1024), which is why the parameter count is computed before anything is built (:func:`afno_block_size`)
and a model beyond ``memory_limit`` is refused. spectrans computes AFNO in float32 whatever the input's dtype
(#8); specref computes in the input's precision, so spectrans is compared in float32 against float32 bounds.
"""

from __future__ import annotations

from specref._args import check_positive_float, check_positive_int
from specref.blocks import PreNormBlock
from specref.layers import AFNOMixing
from specref.models._cases import model_cases
from specref.models.base import Model, common_config
from specref.models.fnet import COMMON_PARAMETERS

__all__ = ["AFNOModel", "AFNOEncoder", "afno_block_size"]


def afno_block_size(hidden_dim: int, ffn_hidden_dim: int, modes_seq: int, modes_hidden: int,
                    mlp_ratio: float) -> int:
    r"""The numbers one AFNO block holds: the mixing's ``fourier_weight`` (:math:`m_s m_h 2`), its MLP
    (:math:`2 \cdot 2 m_s m_h \cdot rD` weights, :math:`rD + 2 m_s m_h` biases) and norm (2D), the block's two
    norms (4D) and FFN (:math:`2DF + F + D`)."""
    k = 2 * modes_seq * modes_hidden
    hidden = int(hidden_dim * mlp_ratio)
    mixing = k + 2 * k * hidden + hidden + k + 2 * hidden_dim  # fourier_weight (m_s, m_h, 2) is k numbers
    return mixing + 4 * hidden_dim + 2 * hidden_dim * ffn_hidden_dim + ffn_hidden_dim + hidden_dim


class AFNOModel(Model):
    __doc__ = r"""spectrans's ``AFNOModel``: embedding, encoding, pre-norm AFNO blocks, final norm, head.

    Parameters
    ----------""" + COMMON_PARAMETERS + r"""    modes_seq, modes_hidden : int, optional
        Retained sequence and hidden modes (defaults N_max // 2 and D // 2).
    mlp_ratio : float
        The mixing MLP's width over D (default 2).
    """

    def __init__(self, vocab_size: int | None = None, hidden_dim: int = 768, num_layers: int = 12,
                 max_sequence_length: int = 1024, modes_seq: int | None = None, modes_hidden: int | None = None,
                 mlp_ratio: float = 2.0, num_classes: int | None = None, use_positional_encoding: bool = True,
                 positional_encoding_type: str = "sinusoidal", dropout: float = 0.1, ffn_hidden_dim: int | None = None,
                 norm_eps: float = 1e-12, output_type: str = "classification", *, spectrans_behaviour: bool = False,
                 seed=0, memory_limit: int | None = None):
        n, d = check_positive_int(max_sequence_length, "max_sequence_length"), check_positive_int(hidden_dim,
                                                                                                 "hidden_dim")
        self.modes_seq = n // 2 if modes_seq is None else check_positive_int(modes_seq, "modes_seq")
        self.modes_hidden = d // 2 if modes_hidden is None else check_positive_int(modes_hidden, "modes_hidden")
        self.mlp_ratio = check_positive_float(mlp_ratio, "mlp_ratio")
        self._init_model(self._block, **common_config(locals()), block_param_count=lambda: afno_block_size(
            self.hidden_dim, self.ffn_hidden_dim, self.modes_seq, self.modes_hidden, self.mlp_ratio))

    def _block(self, i, gen):
        d, p = self.hidden_dim, self.dropout
        layer = AFNOMixing(d, self.max_sequence_length, self.modes_seq, self.modes_hidden, self.mlp_ratio,
                           dropout=p, seed=gen)
        return PreNormBlock(layer, d, self.ffn_hidden_dim, "gelu", p, self.norm_eps, seed=gen)


class AFNOEncoder(AFNOModel):
    __doc__ = r"""spectrans's ``AFNOEncoder``: :class:`AFNOModel` without embedding or head. Parameters as
    :class:`AFNOModel` without ``vocab_size``, ``num_classes``, ``output_type``."""

    def __init__(self, hidden_dim: int = 768, num_layers: int = 12, max_sequence_length: int = 1024,
                 modes_seq: int | None = None, modes_hidden: int | None = None, mlp_ratio: float = 2.0,
                 use_positional_encoding: bool = True, positional_encoding_type: str = "sinusoidal",
                 dropout: float = 0.1, ffn_hidden_dim: int | None = None, norm_eps: float = 1e-12, *,
                 spectrans_behaviour: bool = False, seed=0, memory_limit: int | None = None):
        super().__init__(None, hidden_dim, num_layers, max_sequence_length, modes_seq, modes_hidden, mlp_ratio,
                         None, use_positional_encoding, positional_encoding_type, dropout, ffn_hidden_dim, norm_eps,
                         "none", spectrans_behaviour=spectrans_behaviour, seed=seed, memory_limit=memory_limit)


CASES = model_cases(AFNOModel, AFNOEncoder, base={"modes_seq": 3, "modes_hidden": 2})
