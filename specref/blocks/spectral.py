r"""The spectral blocks of spectrans (``blocks/spectral.py``): a :class:`~specref.blocks.base.PreNormBlock` around
each spectral layer, built from the layer's arguments.

Every block here is eq. (1) of :mod:`specref.blocks.base`,
:math:`h = x + \delta(M(\mathrm{LN}_1 x))`, :math:`y = h + \delta(\mathrm{FFN}(\mathrm{LN}_2 h))`, with an FFN of
``4 * hidden_dim`` by default, LN eps 1e-12, and the wrapped layer :math:`M` built as spectrans builds it (the
same arguments passed on, the same defaults), so a spectrans block's ``state_dict`` loads by its keys
(``mixing_layer.*``, ``norm1.*``, ``ffn.fc1.*``, ``ffn.fc2.*``, ``norm2.*``). The backward is the pre-norm
block's, through the wrapped layer's own backward.

Departures of the composition from the papers, kept because they are spectrans's architecture (DESIGN
section 8; docs/blocks.md):

- ``AFNOBlock``: :class:`~specref.layers.mixing.afno.AFNOMixing` holds its own layer norm and residual, so the
  block computes :math:`h = x + \delta(u + \mathrm{AFNO}(\mathrm{LN}_a u))` with :math:`u = \mathrm{LN}_1 x`: a
  double residual (#8). specref computes it in the input's precision (spectrans in float32).
- ``WaveletBlock``: :class:`~specref.layers.mixing.wavelet.WaveletMixing` adds its own residual, so at
  initialisation :math:`h = x + 2\,\mathrm{LN}_1 x` (#9).
- The LST, AFNO, wavelet and attention blocks pass ``dropout`` to the wrapped layer too: p is applied twice
  in series on the mixing branch (#28). FNet and GFNet blocks do not (their layers keep dropout 0).
- ``SpectralAttentionBlock``: spectrans maps every ``kernel_type`` other than ``"softmax"`` to the Gaussian
  kernel (``"laplacian"`` included, #25); specref accepts ``"softmax"`` and ``"gaussian"`` and refuses the rest.
- ``FNOBlock`` here is spectrans's ``blocks.FNOBlock`` (a pre-norm block around ``FourierNeuralOperator``, or
  ``num_layers`` of them in sequence); :class:`specref.layers.operators.FNOBlock` is the operators' block of
  the same name and another layout (#30).
"""

from __future__ import annotations

from specref._args import check_positive_int
from specref.backend import as_generator
from specref.blocks._cases import block_case
from specref.blocks.base import BLOCK_NORM_EPS, PreNormBlock
from specref.layers.attention.feature import SpectralAttention
from specref.layers.attention.lst import LSTAttention
from specref.layers.mixing.afno import AFNOMixing
from specref.layers.mixing.fourier import FourierMixing
from specref.layers.mixing.global_filter import GlobalFilterMixing
from specref.layers.mixing.wavelet import WaveletMixing
from specref.layers.operators.fno import FourierNeuralOperator
from specref.layers.sequential import Sequential

__all__ = ["FNetBlock", "GFNetBlock", "AFNOBlock", "SpectralAttentionBlock", "LSTBlock", "WaveletBlock", "FNOBlock",
           "FNO2DBlock"]

_COMMON = """
    ffn_hidden_dim : int, optional
        F of the FFN (default ``4 * hidden_dim``).
    activation : str
        The FFN's activation (default ``"gelu"``){extra}.
    dropout : float
        p of the block's dropout{passed}.
    norm_eps : float
        The block's layer-norm eps (default 1e-12).
    seed : int or numpy.random.Generator, keyword-only
        Draws the wrapped layer's arrays first, then the FFN's (spectrans's construction order).
"""


def _doc(extra: str = "", passed: str = "") -> str:
    return _COMMON.format(extra=extra, passed=passed)


class FNetBlock(PreNormBlock):
    __doc__ = r"""spectrans's ``FNetBlock``: pre-norm around :class:`~specref.layers.mixing.fourier.FourierMixing`
    (``Re fft2``, no parameters).

    Parameters
    ----------
    hidden_dim : int
        D.""" + _doc()

    def __init__(self, hidden_dim: int, ffn_hidden_dim: int | None = None, activation: str = "gelu",
                 dropout: float = 0.0, norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        super().__init__(FourierMixing(check_positive_int(hidden_dim, "hidden_dim")), hidden_dim, ffn_hidden_dim,
                         activation, dropout, norm_eps, seed=seed)


class GFNetBlock(PreNormBlock):
    __doc__ = r"""spectrans's ``GFNetBlock``: pre-norm around
    :class:`~specref.layers.mixing.global_filter.GlobalFilterMixing` (filters ``mixing_layer.filter_real``,
    ``mixing_layer.filter_imag`` (N, D)).

    Parameters
    ----------
    hidden_dim, sequence_length : int
        D and N of the filter.
    filter_activation : {"sigmoid", "tanh", "identity"}
        The filter's activation (the layer's ``activation``).
    filter_init_std : float
        The filters' initial standard deviation (0.02).""" + _doc(
        passed=" (the layer keeps dropout 0, as in spectrans)")

    def __init__(self, hidden_dim: int, sequence_length: int, ffn_hidden_dim: int | None = None,
                 filter_activation: str = "sigmoid", filter_init_std: float = 0.02, activation: str = "gelu",
                 dropout: float = 0.0, norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        gen = as_generator(seed)
        self.sequence_length, self.filter_activation = sequence_length, filter_activation
        self.filter_init_std = filter_init_std
        layer = GlobalFilterMixing(hidden_dim, sequence_length, activation=filter_activation,
                                   filter_init_std=filter_init_std, seed=gen)
        super().__init__(layer, hidden_dim, ffn_hidden_dim, activation, dropout, norm_eps, seed=gen)


class AFNOBlock(PreNormBlock):
    __doc__ = r"""spectrans's ``AFNOBlock``: pre-norm around :class:`~specref.layers.mixing.afno.AFNOMixing`, whose
    own norm and residual make the mixing branch :math:`u + \mathrm{AFNO}(\mathrm{LN}_a u)` (double residual, #8).

    Parameters
    ----------
    hidden_dim, sequence_length : int
        D and the layer's ``max_sequence_length``.
    modes : int, optional
        Both ``modes_seq`` and ``modes_hidden`` of the layer (its defaults N // 2, D // 2 when None).
    mlp_hidden_dim : int, optional
        The layer's MLP width, as ``mlp_ratio = mlp_hidden_dim / hidden_dim`` (default ratio 2.0).""" + _doc(
        extra=", also the AFNO MLP's", passed=" and of the layer's two MLP dropouts (#28)")

    def __init__(self, hidden_dim: int, sequence_length: int, modes: int | None = None,
                 mlp_hidden_dim: int | None = None, ffn_hidden_dim: int | None = None, activation: str = "gelu",
                 dropout: float = 0.0, norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        gen = as_generator(seed)
        hidden = check_positive_int(hidden_dim, "hidden_dim")
        self.sequence_length, self.modes, self.mlp_hidden_dim = sequence_length, modes, mlp_hidden_dim
        ratio = 2.0 if mlp_hidden_dim is None else check_positive_int(mlp_hidden_dim, "mlp_hidden_dim") / hidden
        layer = AFNOMixing(hidden, sequence_length, modes_seq=modes, modes_hidden=modes, mlp_ratio=ratio,
                           activation=activation, dropout=dropout, seed=gen)
        super().__init__(layer, hidden, ffn_hidden_dim, activation, dropout, norm_eps, seed=gen)


class SpectralAttentionBlock(PreNormBlock):
    __doc__ = r"""spectrans's ``SpectralAttentionBlock``: pre-norm around
    :class:`~specref.layers.attention.feature.SpectralAttention` (orthogonal features).

    Parameters
    ----------
    hidden_dim, num_heads : int
        D and h (default 8).
    num_features : int, optional
        m per head (default D / h).
    kernel_type : {"gaussian", "softmax"}
        Default ``"gaussian"``. spectrans turns any other value into ``"gaussian"``; specref refuses it.
    variant : {"specref", "spectrans"}, keyword-only
        The attention's features (:class:`~specref.layers.attention.feature.SpectralAttention`);
        :meth:`from_state_dict` defaults to ``"spectrans"``.""" + _doc(passed=" and of the attention's output (#28)")

    def __init__(self, hidden_dim: int, num_heads: int = 8, num_features: int | None = None,
                 kernel_type: str = "gaussian", ffn_hidden_dim: int | None = None, activation: str = "gelu",
                 dropout: float = 0.0, norm_eps: float = BLOCK_NORM_EPS, *, variant: str = "specref", seed=0):
        gen = as_generator(seed)
        layer = SpectralAttention(hidden_dim, num_heads, num_features, kernel_type=kernel_type,
                                  use_orthogonal=True, dropout=dropout, variant=variant, seed=gen)
        self.num_heads, self.num_features, self.kernel_type = num_heads, num_features, kernel_type
        self.variant = variant
        super().__init__(layer, hidden_dim, ffn_hidden_dim, activation, dropout, norm_eps, seed=gen)

    @classmethod
    def from_state_dict(cls, state_dict, prefix: str = "", dtype=None, strict: bool = True, xp=None, **config):
        """As :meth:`specref.interop.params.ParamContainer.from_state_dict`, with ``variant="spectrans"`` by
        default (a spectrans state_dict holds spectrans's feature buffers)."""
        config.setdefault("variant", "spectrans")
        return super().from_state_dict(state_dict, prefix=prefix, dtype=dtype, strict=strict, xp=xp, **config)


class LSTBlock(PreNormBlock):
    __doc__ = r"""spectrans's ``LSTBlock``: pre-norm around :class:`~specref.layers.attention.lst.LSTAttention`.

    Parameters
    ----------
    hidden_dim, num_heads : int
        D and h (default 8).
    transform_type : {"dct", "dst", "hadamard", "mixed"}
    use_scaling : bool
        The layer's ``learnable_scale`` (``mixing_layer.scale`` a parameter, else a buffer).""" + _doc(
        passed=" and of the attention's output (#28)")

    def __init__(self, hidden_dim: int, num_heads: int = 8, transform_type: str = "dct", use_scaling: bool = True,
                 ffn_hidden_dim: int | None = None, activation: str = "gelu", dropout: float = 0.0,
                 norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        gen = as_generator(seed)
        layer = LSTAttention(hidden_dim, num_heads, transform_type, learnable_scale=use_scaling, dropout=dropout,
                             seed=gen)
        self.num_heads, self.transform_type, self.use_scaling = num_heads, transform_type, use_scaling
        super().__init__(layer, hidden_dim, ffn_hidden_dim, activation, dropout, norm_eps, seed=gen)


class WaveletBlock(PreNormBlock):
    __doc__ = r"""spectrans's ``WaveletBlock``: pre-norm around :class:`~specref.layers.mixing.wavelet.WaveletMixing`
    (pointwise mode), whose own residual makes :math:`h = x + 2\,\mathrm{LN}_1 x` at initialisation (#9).

    Parameters
    ----------
    hidden_dim : int
    wavelet : str
        Default ``"db4"``.
    levels : int
        Default 3.""" + _doc(passed=" and of the layer's (#28)")

    def __init__(self, hidden_dim: int, wavelet: str = "db4", levels: int = 3, ffn_hidden_dim: int | None = None,
                 activation: str = "gelu", dropout: float = 0.0, norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        gen = as_generator(seed)
        layer = WaveletMixing(hidden_dim, wavelet, levels, dropout=dropout, seed=gen)
        self.wavelet, self.levels = wavelet, levels
        super().__init__(layer, hidden_dim, ffn_hidden_dim, activation, dropout, norm_eps, seed=gen)


def _operators(hidden_dim, modes, activation, num_layers, gen):
    """One ``FourierNeuralOperator``, or ``num_layers`` of them in a :class:`~specref.layers.sequential.Sequential`
    (spectrans's ``nn.Sequential``: keys ``mixing_layer.<i>.*``)."""
    count = check_positive_int(num_layers, "num_layers")
    layers = [FourierNeuralOperator(hidden_dim, modes, activation, seed=gen) for _ in range(count)]
    return layers[0] if count == 1 else Sequential(*layers)


class FNOBlock(PreNormBlock):
    __doc__ = r"""spectrans's ``blocks.FNOBlock``: pre-norm around
    :class:`~specref.layers.operators.fno.FourierNeuralOperator` (not the operators' ``FNOBlock``, #30).

    Parameters
    ----------
    hidden_dim : int
    modes : int, optional
        Default 16 (the spectral convolution needs N // 2 + 1 >= modes).
    num_layers : int
        1 (``mixing_layer.spectral_conv.weights``...) or more operators in sequence
        (``mixing_layer.0.spectral_conv.weights``...).""" + _doc(extra=", also the operators'")

    def __init__(self, hidden_dim: int, modes: int | None = None, num_layers: int = 1,
                 ffn_hidden_dim: int | None = None, activation: str = "gelu", dropout: float = 0.0,
                 norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        gen = as_generator(seed)
        self.modes, self.num_layers = modes, num_layers
        layer = _operators(hidden_dim, 16 if modes is None else modes, activation, num_layers, gen)
        super().__init__(layer, hidden_dim, ffn_hidden_dim, activation, dropout, norm_eps, seed=gen)


class FNO2DBlock(PreNormBlock):
    __doc__ = r"""spectrans's ``FNO2DBlock``: pre-norm around a 2-D
    :class:`~specref.layers.operators.fno.FourierNeuralOperator`, input (..., H, W, D), norms over D.

    Parameters
    ----------
    hidden_dim : int
    modes_h, modes_w : int, optional
        Default 16 each.
    num_layers : int
        As :class:`FNOBlock`.""" + _doc(extra=", also the operators'")

    def __init__(self, hidden_dim: int, modes_h: int | None = None, modes_w: int | None = None, num_layers: int = 1,
                 ffn_hidden_dim: int | None = None, activation: str = "gelu", dropout: float = 0.0,
                 norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        gen = as_generator(seed)
        self.modes_h, self.modes_w, self.num_layers = modes_h, modes_w, num_layers
        modes = (16 if modes_h is None else modes_h, 16 if modes_w is None else modes_w)
        layer = _operators(hidden_dim, modes, activation, num_layers, gen)
        super().__init__(layer, hidden_dim, ffn_hidden_dim, activation, dropout, norm_eps, seed=gen)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _build(cls):
    return lambda gen, **config: cls(**config, seed=gen)


_TRAIN = {"activation": "tanh", "dropout": 0.25}
_GELU_LIMIT = {"strict": "GELU's exact (erf) form needs erf/erfc, which the array API standard does not define "
               "(specref.ops.elementwise); the other activations run on strict"}

CASES = [
    block_case(FNetBlock, name="FNetBlock", build=_build(FNetBlock), grid=(
        {"hidden_dim": 3, "ffn_hidden_dim": 4, **_TRAIN, "N": 5},
        {"hidden_dim": 2, "activation": "silu", "N": 4, "batch": (1, 2)},
    )),
    block_case(FNetBlock, name="FNetBlockGelu", build=_build(FNetBlock), backend_limits=_GELU_LIMIT, grid=(
        {"hidden_dim": 3, "ffn_hidden_dim": 4, "dropout": 0.25, "N": 5},)),
    block_case(GFNetBlock, name="GFNetBlock", build=_build(GFNetBlock), grid=(
        {"hidden_dim": 3, "sequence_length": 6, "ffn_hidden_dim": 4, **_TRAIN, "N": 6},
        {"hidden_dim": 3, "sequence_length": 6, "filter_activation": "tanh", "activation": "sigmoid", "N": 5},
    )),
    block_case(AFNOBlock, name="AFNOBlock", build=_build(AFNOBlock), grid=(
        {"hidden_dim": 4, "sequence_length": 6, "modes": 2, "mlp_hidden_dim": 6, "ffn_hidden_dim": 5, **_TRAIN,
         "N": 6},
        {"hidden_dim": 4, "sequence_length": 6, "modes": 2, "mlp_hidden_dim": 6, "ffn_hidden_dim": 5,
         "activation": "silu", "N": 5},  # shorter than max_sequence_length: zero-padded
    )),
    block_case(SpectralAttentionBlock, name="SpectralAttentionBlock", build=_build(SpectralAttentionBlock), grid=(
        {"hidden_dim": 4, "num_heads": 2, "num_features": 3, "ffn_hidden_dim": 5, **_TRAIN, "N": 5},
        {"hidden_dim": 4, "num_heads": 2, "num_features": 3, "kernel_type": "softmax", "ffn_hidden_dim": 5,
         "activation": "silu", "N": 5},
    )),
    block_case(LSTBlock, name="LSTBlock", build=_build(LSTBlock), grid=(
        {"hidden_dim": 4, "num_heads": 2, "ffn_hidden_dim": 5, **_TRAIN, "N": 5},
        {"hidden_dim": 4, "num_heads": 2, "transform_type": "hadamard", "ffn_hidden_dim": 5, "activation": "silu",
         "N": 4},
    )),
    block_case(WaveletBlock, name="WaveletBlock", build=_build(WaveletBlock), grid=(
        {"hidden_dim": 3, "wavelet": "db2", "levels": 1, "ffn_hidden_dim": 4, **_TRAIN, "N": 8},
        {"hidden_dim": 2, "wavelet": "haar", "levels": 1, "ffn_hidden_dim": 3, "activation": "silu", "N": 7},
    )),
    block_case(FNOBlock, name="PreNormFNOBlock", build=_build(FNOBlock), grid=(
        {"hidden_dim": 3, "modes": 3, "ffn_hidden_dim": 4, **_TRAIN, "N": 6},
        {"hidden_dim": 2, "modes": 2, "ffn_hidden_dim": 3, "activation": "silu", "N": 5},
    )),
    block_case(FNOBlock, name="PreNormFNOBlockTwoLayers", build=_build(FNOBlock), grid=(
        {"hidden_dim": 3, "modes": 3, "num_layers": 2, "ffn_hidden_dim": 4, **_TRAIN, "N": 6},)),
    block_case(FNO2DBlock, name="FNO2DBlock", build=_build(FNO2DBlock), grid=(
        {"hidden_dim": 3, "modes_h": 2, "modes_w": 2, "ffn_hidden_dim": 4, **_TRAIN, "spatial": (4, 5)},)),
]
