r"""WaveletMixing2D: spectrans's 2-D wavelet mixing (a J-level 2-D DWT per channel, mixed subbands, inverse DWT).

:class:`WaveletMixing2D` is spectrans 0.1.0's ``WaveletMixing2D`` (``spectrans/layers/mixing/wavelet.py``),
with its constructor, parameter and buffer names, shapes and order of operations, vectorised over the
channels (spectrans loops over them in Python) and computed with pywt's exact filters
(:func:`specref.transforms.wavelet_multilevel2d.wavedec2` / ``waverec2``, mode ``"symmetric"``). For input
:math:`x` of shape (..., C, H, W):

.. math::

    [LL_J, (cH_J, cV_J, cD_J), \dots, (cH_1, cV_1, cD_1)] &= \operatorname{wavedec2}(x) \qquad (1) \\
    \mathcal B &= (LL_J, cH_1, cV_1, cD_1, \dots, cH_J, cV_J, cD_J) \qquad (2) \\
    \tilde{\mathcal B} &= M(\mathcal B) \qquad (3) \\
    \hat x &= \operatorname{crop}_{H \times W} \operatorname{waverec2}(\tilde{\mathcal B}) \qquad (4, 5) \\
    y &= x + \hat x \qquad (6)

(2) is spectrans's order (the details finest level first; pywt lists them coarsest first), and the
mixer :math:`M` of each ``mixing_mode`` is in :mod:`specref.layers.mixing._wavelet2d_modes`:

- ``"subband"``: LL :math:`\to` ReLU(BatchNorm2d(Conv2d(1, 1, 3, padding=1))), each detail band
  :math:`\to` its own Conv2d(1, 1, 3, padding=1), shared across channels. ``detail_mixers.{j}`` acts on the
  j-th finest level (j = 0: level 1), and its ``"lh"``, ``"hl"``, ``"hh"`` convolutions receive pywt's
  cH, cV, cD (spectrans's names are swapped relative to the bands they get: inventory row WaveletMixing2D).
  spectrans calls the BatchNorm2d once per channel, so in training mode channel c is normalised with its
  own batch statistics over (batch, H_J, W_J), and the running statistics are updated C times in channel
  order (``num_batches_tracked`` grows by C); specref does exactly that and returns the update in
  ``ctx.new_buffers`` (the layer is never mutated: ``layer.with_buffers(ctx.new_buffers)``). Eval mode uses
  the running statistics.
- ``"cross"``: the subbands of a channel flattened row-major and concatenated in order (2) into one
  sequence of length :math:`L = \sum_b h_b w_b` with one feature, self-attention
  (``nn.MultiheadAttention(1, 1)``, child ``"cross_mixer"``), split back.
- ``"attention"``: spectrans builds ``nn.TransformerEncoder(TransformerEncoderLayer(d_model=1, nhead=1,
  dim_feedforward=4, batch_first=True), num_layers=2)`` and never calls it: its coefficients pass through
  unchanged (inventory #10). ``encoder="documented"`` (default) applies that encoder (child
  ``"subband_attention"``) to the sequence as ``"cross"`` applies its attention, which is the documented
  computation. With model width 1 every layer norm returns its bias (the one feature minus its mean is 0),
  so the encoder's output is the constant ``subband_attention.layers.1.norm2.bias`` and its input gradient is
  exactly 0: :math:`y = x + \operatorname{crop}\operatorname{waverec2}(\text{constant coefficients})`.
  ``encoder="spectrans_identity"`` reproduces spectrans (:math:`y = x + \operatorname{crop}\operatorname
  {waverec2}(\operatorname{wavedec2} x)`, about :math:`2x`); the encoder's params exist and get zero
  gradients.

The reconstruction is cropped to (H, W), as spectrans crops; it is never shorter (one synthesis level maps
:math:`m = \lfloor (n + F - 1)/2 \rfloor` coefficients to :math:`2m - F + 2 \in \{n, n + 1\}` samples), so
no zero-padding occurs, and odd sizes behave as in pywt. Departures from spectrans: ``channels`` is checked
against the input (spectrans ignores it), the filters are pywt's exact float64 ones (spectrans stores them as
float32 buffers, which :meth:`WaveletMixing2D.from_state_dict` checks against pywt's to float32 rounding,
inventory #11), levels above pywt's maximum warn naming it (spectrans is silent), and the computation is in
the input's precision.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from specref._args import as_int, check_choice, check_flag, check_positive_int
from specref.backend import as_generator, dtype_name, namespace, to_numpy
from specref.interop.state_dict import select_prefix
from specref.layers._init import torch_default_bias, torch_default_weight
from specref.layers.attention.softmax import MultiheadAttention
from specref.layers.attention.transformer import TransformerEncoder
from specref.layers.base import Layer, LayerCtx, child_masks, layer_case, nest, prefixed
from specref.layers.mixing._wavelet2d_modes import (
    RUNNING_STATS,
    bands_from_coeffs,
    coeffs_from_bands,
    flatten_bands,
    mixer_names,
    split_sequence,
    subband_backward,
    subband_forward,
)
from specref.layers.mixing._wavelet_filters import exact_filter_buffers
from specref.testing.draws import KINK_GAP
from specref.testing.tolerances import summation_factor
from specref.transforms.wavelet_bank import _as_bank, dwt_max_level
from specref.transforms.wavelet_dwt import _error_scale as _dwt_error_scale
from specref.transforms.wavelet_multilevel2d import (
    wavedec2,
    wavedec2_adjoint,
    wavedec2_shapes,
    waverec2,
    waverec2_adjoint,
)

__all__ = ["WaveletMixing2D", "WaveletMixing2DCtx", "WAVELET2D_MODES", "WAVELET2D_ENCODERS"]

#: spectrans's mixing modes
WAVELET2D_MODES = ("subband", "cross", "attention")
#: what ``mixing_mode="attention"`` computes: the encoder spectrans builds, or spectrans's identity
WAVELET2D_ENCODERS = ("documented", "spectrans_identity")

_FILTERS = ("dec_lo", "dec_hi", "rec_lo", "rec_hi")
_MODE = "symmetric"  # spectrans's DWT2D(mode="symmetric")
_CHILD = {"cross": "cross_mixer", "attention": "subband_attention"}


@dataclass(frozen=True)
class WaveletMixing2DCtx(LayerCtx):
    """What :meth:`WaveletMixing2D.backward` reads; numbers are those of the module docstring.

    ``new_buffers``: in training mode of the ``"subband"`` mode the batch norm's running statistics after the
    C per-channel updates (``layer.with_buffers(ctx.new_buffers)`` is the updated layer); ``{}`` otherwise.
    """

    x_shape: tuple  # (..., C, H, W)
    level: int  # J
    coeff_shapes: list  # (1) wavedec2's shape tree, pywt's order
    band_shapes: tuple  # (2) the bands' shapes, spectrans's order
    mixer: object  # (3) SubbandCtx, the child's ctx, or None (spectrans's identity)
    new_buffers: dict


class WaveletMixing2D(Layer):
    r"""2-D wavelet mixing as spectrans's ``WaveletMixing2D``, every mode with its backward.

    Parameters
    ----------
    channels : int
        C, checked against the input's axis -3 (spectrans stores it and ignores it).
    wavelet : str
        A discrete wavelet pywt knows (default ``"db4"``); the filters are pywt's.
    levels : int
        J >= 0, the number of DWT levels (default 2). Above pywt's maximum for the input's size the layer
        warns naming the maximum and computes anyway, as pywt and spectrans do.
    mixing_mode : {"subband", "cross", "attention"}
    encoder : {"documented", "spectrans_identity"}, keyword-only
        What ``"attention"`` computes (module docstring); ignored by the other modes.
    seed : int or numpy.random.Generator, keyword-only
        torch's initialisation laws, drawn in spectrans's construction order (convolutions
        :math:`U(\pm 1/3)`; batch norm 1, 0, running statistics 0, 1; the children's own laws). Never
        torch's numbers: load a state_dict to compare.

    Attributes
    ----------
    params : dict
        spectrans's ``named_parameters()``. subband: ``ll_mixer.0.weight`` (1, 1, 3, 3), ``ll_mixer.0.bias``
        (1,), ``ll_mixer.1.weight`` (1,), ``ll_mixer.1.bias`` (1,), then ``detail_mixers.{j}.{lh,hl,hh}.weight``
        (1, 1, 3, 3) and ``.bias`` (1,). cross: ``cross_mixer.*`` (MultiheadAttention(1, 1)). attention:
        ``subband_attention.layers.{0,1}.*`` (TransformerEncoderLayer(1, 1, 4)).
    buffers : dict
        ``dwt.dwt1d.{dec_lo,dec_hi,rec_lo,rec_hi}`` (F,) (pywt's filters, kept for spectrans's state_dict;
        the computation reads pywt's filters), and in subband mode ``ll_mixer.1.running_mean`` (1,),
        ``ll_mixer.1.running_var`` (1,), ``ll_mixer.1.num_batches_tracked`` () int64.

    Raises
    ------
    ValueError
        For an unknown ``mixing_mode``, ``encoder`` or wavelet, ``channels < 1``, ``levels < 0``.
    TypeError
        For sizes that are not integers.

    Notes
    -----
    ``forward(x, *, training=False, rng=None, masks=None) -> (y, ctx)``, ``backward(ctx, dy) -> (dx, grads)``.
    The dropouts are the child's, under its prefix (``"subband_attention.layers.0.dropout1"``...); only the
    documented encoder's (p = 0.1, torch's default) are active in training mode, and need ``rng`` or
    ``masks``.

    Examples
    --------
    >>> import numpy as np
    >>> layer = WaveletMixing2D(channels=2, wavelet="db2", levels=1)
    >>> x = np.random.default_rng(0).standard_normal((3, 2, 7, 9))
    >>> y, ctx = layer.forward(x, training=True)
    >>> dx, grads = layer.backward(ctx, np.ones_like(y))
    >>> y.shape, dx.shape, int(ctx.new_buffers["ll_mixer.1.num_batches_tracked"])
    ((3, 2, 7, 9), (3, 2, 7, 9), 2)
    """

    #: the batch norm's eps and momentum (torch's BatchNorm2d defaults, which spectrans keeps)
    bn_eps = 1e-5
    bn_momentum = 0.1

    def __init__(self, channels: int, wavelet: str = "db4", levels: int = 2, mixing_mode: str = "subband", *,
                 encoder: str = "documented", seed=0):
        self.channels = check_positive_int(channels, "channels")
        bank = _as_bank(wavelet)  # ValueError for an unknown wavelet
        self.wavelet = wavelet
        self.levels = as_int(levels, "levels")
        if self.levels < 0:
            raise ValueError(f"levels must be >= 0, got {self.levels}")
        self.mixing_mode = check_choice(mixing_mode, WAVELET2D_MODES, "mixing_mode")
        self.encoder = check_choice(encoder, WAVELET2D_ENCODERS, "encoder")
        self.running_stats_missing: tuple = ()
        gen = as_generator(seed)
        params, buffers = {}, {f"dwt.dwt1d.{k}": np.array(getattr(bank, k)) for k in _FILTERS}
        self._children = {}
        if self.mixing_mode == "subband":
            for i, name in enumerate(mixer_names(self.levels)):  # torch draws each conv's weight, then bias
                params[f"{name}.weight"] = torch_default_weight(gen, (1, 1, 3, 3))
                params[f"{name}.bias"] = torch_default_bias(gen, (1, 1, 3, 3))
                if i == 0:  # BatchNorm2d(1) follows the LL convolution
                    params["ll_mixer.1.weight"], params["ll_mixer.1.bias"] = np.ones(1), np.zeros(1)
            buffers.update(dict(zip(RUNNING_STATS, (np.zeros(1), np.ones(1), np.zeros((), dtype=np.int64)),
                                    strict=True)))
        else:
            name = _CHILD[self.mixing_mode]
            if self.mixing_mode == "cross":
                child = MultiheadAttention(1, 1, dropout=0.0, batch_first=True, seed=gen)
            else:
                child = TransformerEncoder(2, d_model=1, nhead=1, dim_feedforward=4, dropout=0.1, seed=gen)
            self._children = {name: child}
            child_params, child_buffers = nest(self._children)
            params.update(child_params)
            buffers.update(child_buffers)
            self.dropout_names = tuple(f"{name}.{k}" for k in child.dropout_names)
        self._init_arrays(params, buffers)

    # -- state -----------------------------------------------------------------------------------------

    @classmethod
    def from_state_dict(cls, state_dict, prefix: str = "", dtype=None, strict: bool = True, xp=None, **config):
        """As :meth:`Layer.from_state_dict`, and two checks of spectrans's arrays.

        The stored filters ``dwt.dwt1d.*`` must equal pywt's to float32 rounding (every tap within half a
        float32 ulp of pywt's float64 value: spectrans stores ``float()`` of pywt's taps); the layer then holds
        the exact taps in the loaded precision (the computation always reads pywt's filters). With
        ``strict=False`` and the batch norm's running mean or variance missing, the layer remembers it: eval
        mode then raises (a training forward and ``with_buffers(ctx.new_buffers)``, or loading them, provides
        them).

        Raises
        ------
        StateDictError
            As the base method, or for a stored filter that is not pywt's.
        """
        layer = super().from_state_dict(state_dict, prefix, dtype, strict, xp, **config)
        layer = layer._replaced(exact_filter_buffers(layer.buffers, "dwt.dwt1d.", layer.wavelet, prefix=prefix))
        present = select_prefix(state_dict, prefix)
        missing = tuple(k for k in RUNNING_STATS[:2] if k in layer.buffers and k not in present)
        if missing:
            layer = layer._replaced({})
            layer.running_stats_missing = missing
        return layer

    def with_buffers(self, values):
        """As :meth:`Layer.with_buffers`; running statistics given here count as loaded."""
        new = super().with_buffers(values)
        new.running_stats_missing = tuple(k for k in self.running_stats_missing if k not in values)
        return new

    # -- checks ----------------------------------------------------------------------------------------

    def _check_image(self, x) -> None:
        """(..., C, H, W) with C = ``channels``, H, W >= 1, real float of the params' precision."""
        try:
            namespace(x)
        except TypeError:
            raise TypeError(f"WaveletMixing2D accepts an array (NumPy, CuPy or array-api-strict), got "
                            f"{type(x).__name__}; layers do not convert their input") from None
        if x.ndim < 4:
            raise ValueError(f"WaveletMixing2D needs input of shape (B, C, H, W) (any leading batch shape); x has "
                             f"shape {tuple(x.shape)}")
        if x.shape[-3] != self.channels:
            raise ValueError(f"WaveletMixing2D has channels {self.channels} but x has {x.shape[-3]} channels (axis "
                             f"-3 of shape {tuple(x.shape)}); spectrans ignores its channels argument, specref "
                             "checks it")
        if x.shape[-2] < 1 or x.shape[-1] < 1:
            raise ValueError(f"WaveletMixing2D needs H, W >= 1; x has shape {tuple(x.shape)}")
        self._check_input(x, allow_complex=False)

    def _level(self, x) -> int:
        """J, with a warning naming pywt's maximum level when J exceeds it."""
        bank = _as_bank(self.wavelet)
        top = min(dwt_max_level(x.shape[-2], bank), dwt_max_level(x.shape[-1], bank))
        if self.levels > top:
            warnings.warn(
                f"WaveletMixing2D: levels={self.levels} is above the maximum level {top} for a {x.shape[-2]}x"
                f"{x.shape[-1]} input with wavelet {self.wavelet!r} (pywt.dwt_max_level): every coefficient of "
                "the deeper levels has boundary effects; computed anyway, as pywt and spectrans do",
                UserWarning, stacklevel=3)
        return self.levels

    def error_scale(self, input_shape) -> float:
        r"""The claim :math:`c` (forward relative error :math:`\le c\,\epsilon`) for inputs of ``input_shape``.

        The sum of the stages' constants, doubled for the propagation through O(1)-conditioned stages: the
        2-D DWT and its inverse (the transforms' claim, :math:`2J(2 + \log_2 F)` each); subband: a 3x3
        convolution plus bias (a length-9 sum, :math:`1.5 \cdot 9 + 2`) and the batch norm (mean and
        variance of n values, :math:`2(1.5(1 + \log_2 n + 1) + 4)`, as a layer norm); cross: the attention's
        own claim for L tokens; the documented encoder: its output is its last bias, exact (0); residual 1.
        """
        shape = tuple(input_shape)
        level = self.levels
        c_dwt = _dwt_error_scale({"wavelet": self.wavelet, "mode": _MODE, "axes": (-2, -1), "level": level,
                                  "shape": shape})
        if self.mixing_mode == "subband":
            n = math.prod(shape[:-3]) * shape[-2] * shape[-1]  # an upper bound of LL's values per channel
            mixer = (1.5 * 9 + 2.0) + 2.0 * (1.5 * (1.0 + summation_factor(n)) + 4.0)
        elif self.mixing_mode == "cross":
            length = sum(math.prod(s[-2:]) for s in _band_shapes(shape, self.wavelet, level))
            mixer = self._child("cross_mixer").error_scale(length, length)
        else:
            mixer = 0.0
        return 2.0 * (2.0 * c_dwt + mixer + 1.0)

    # -- forward and backward ----------------------------------------------------------------------------

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: equations (1)-(6) of the module docstring.

        Parameters
        ----------
        x : array, float32 or float64, shape (..., C, H, W) with at least four axes
        training : bool
            Batch statistics (subband) and the child's dropouts (documented encoder).
        rng : int or numpy.random.Generator, optional
            Draws the documented encoder's dropout masks in training mode.
        masks : dict, optional
            Injected keep-masks under the child's prefix (``"subband_attention.layers.0.dropout"``...).

        Raises
        ------
        ValueError
            For fewer than four axes, a channel count other than ``channels``, H or W of 0, mask names the layer
            does not have, eval mode of the subband mode when ``from_state_dict(strict=False)`` did not find the
            running statistics, a training batch with one value per channel.
        TypeError
            For complex, integer or bool input, or a precision other than the params'.
        """
        self._check_image(x)
        training = check_flag(training, "training")
        if masks:  # unknown names are refused even in eval mode
            self._dropout_mask("", (), 0.0, x=x, training=False, rng=None, masks=masks)
        if self.mixing_mode == "subband" and not training and self.running_stats_missing:
            raise ValueError(
                f"WaveletMixing2D in eval mode needs the batch norm's running statistics, but "
                f"{', '.join(self.running_stats_missing)} were missing from the state_dict loaded with strict=False; "
                "load them, or run a training forward and use layer.with_buffers(ctx.new_buffers)")
        level = self._level(x)
        with warnings.catch_warnings():  # the layer warned above, naming the maximum
            warnings.simplefilter("ignore", UserWarning)
            coeffs = wavedec2(x, self.wavelet, _MODE, level, axes=(-2, -1))  # (1)
        bands = bands_from_coeffs(coeffs)  # (2)
        new_buffers: dict = {}
        if self.mixing_mode == "subband":  # (3)
            mixed, mixer, new_buffers = subband_forward(self.params, self.buffers, bands, training=training,
                                                        eps=self.bn_eps, momentum=self.bn_momentum)
        elif self.mixing_mode == "attention" and self.encoder == "spectrans_identity":
            mixed, mixer = bands, None
        else:
            name = _CHILD[self.mixing_mode]
            out, mixer = self._child(name).forward(flatten_bands(bands), training=training, rng=rng,
                                                   masks=child_masks(masks, name))
            mixed = split_sequence(out, [tuple(b.shape) for b in bands])
        coeff_shapes = [tuple(coeffs[0].shape), *[tuple(tuple(c.shape) for c in d) for d in coeffs[1:]]]
        height, width = x.shape[-2], x.shape[-1]
        y = x + waverec2(coeffs_from_bands(mixed), self.wavelet, _MODE, axes=(-2, -1),  # (4)
                         output_shape=(height, width))  # (5), (6)
        ctx = WaveletMixing2DCtx(dtype=dtype_name(x.dtype), x_shape=tuple(x.shape), level=level,
                                 coeff_shapes=coeff_shapes, band_shapes=tuple(tuple(b.shape) for b in bands),
                                 mixer=mixer, new_buffers=new_buffers)
        return y, ctx

    def backward(self, ctx: WaveletMixing2DCtx, dy):
        """``(dx, grads)``: the forward's lines (6) to (1) in reverse."""
        self._check_cotangent(ctx, dy, ctx.x_shape)
        xp = namespace(dy)
        # (6) y = x + x_hat: dy reaches both; (5), (4) x_hat = crop(waverec2(coeffs)): its adjoint zero-pads back
        # to the reconstruction's size, then runs the synthesis adjoint (the analysis filters, level by level)
        dcoeffs_mixed = waverec2_adjoint(dy, input_shape=ctx.coeff_shapes, wavelet=self.wavelet, mode=_MODE,
                                         axes=(-2, -1), output_shape=ctx.x_shape[-2:])
        dmixed = bands_from_coeffs(dcoeffs_mixed)  # (4) coeffs_from_bands is a permutation: its adjoint is the inverse
        if self.mixing_mode == "subband":
            # (3) subband: (S4)-(S1) of _wavelet2d_modes, ReLU, batch norm and convolution VJPs
            dbands, grads = subband_backward(self.params, ctx.mixer, dmixed, eps=self.bn_eps)
        elif ctx.mixer is None:
            # (3) spectrans's identity: the bands pass through, the unused encoder's params get zero gradients
            dbands, grads = dmixed, {k: xp.zeros_like(v) for k, v in self.params.items()}
        else:
            name = _CHILD[self.mixing_mode]
            # (3) split's adjoint is the flatten, the child's VJP, the flatten's adjoint is the split
            dseq, child_grads = self._child(name).backward(ctx.mixer, flatten_bands(dmixed))
            dbands, grads = split_sequence(dseq, ctx.band_shapes), prefixed(name, child_grads)
        # (2) bands_from_coeffs is a permutation: its adjoint is coeffs_from_bands; (1) wavedec2's adjoint
        dx_mix = wavedec2_adjoint(coeffs_from_bands(dbands), input_shape=ctx.x_shape, wavelet=self.wavelet,
                                  mode=_MODE, level=ctx.level, axes=(-2, -1))
        dx = dy + dx_mix  # (6) the residual branch plus the mixing branch
        return dx, {k: grads[k] for k in self.params}


def _band_shapes(shape, wavelet, level) -> list:
    """The bands' shapes in spectrans's order for an input of ``shape`` (from wavedec2's shape tree)."""
    tree = wavedec2_shapes(shape, wavelet, mode=_MODE, level=level)
    return list(bands_from_coeffs(tree))


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _randomize(layer: WaveletMixing2D, gen) -> WaveletMixing2D:
    """Every param drawn O(1) (weights N(0, 1/fan_in), biases N(0, 1/4), norm weights 1 + N(0, 1/4)), the
    running statistics non-trivial (mean N(0, 1/4), variance U(0.5, 2)), so every gradient is checked at a
    generic point (torch's init has zero biases and unit norms)."""
    params = {}
    for name, value in layer.params.items():
        shape = tuple(value.shape)
        draw = gen.standard_normal(shape)
        if len(shape) >= 2:
            draw = draw / math.sqrt(math.prod(shape[1:]))
        elif "norm" in name or name == "ll_mixer.1.weight":
            draw = 1.0 + 0.5 * draw
        else:
            draw = 0.5 * draw
        params[name] = draw
    layer = layer.with_params(params)
    if layer.mixing_mode == "subband":
        layer = layer.with_buffers({"ll_mixer.1.running_mean": 0.5 * gen.standard_normal(1),
                                    "ll_mixer.1.running_var": gen.uniform(0.5, 2.0, 1)})
    return layer


def _away_from_kinks(training: bool):
    """For the subband mode, ``ll_mixer.1`` (the batch norm's affine) chosen so that no ReLU input is within
    ``KINK_GAP`` of 0 (``3 KINK_GAP`` in training mode, where the batch statistics move with the perturbation
    too): the weight ``+-(2 + |N(0,1)|)`` spreads the normalised values, and the bias puts the kink in the gap
    of their sorted values that splits them most evenly (all active when none is wide enough). One shared
    bias cannot be redrawn entrywise, so :func:`specref.testing.draws.draw_away` does not apply."""

    def away(layer, x, rng):
        if layer.mixing_mode != "subband":
            return layer
        gap = 3.0 * KINK_GAP if training else KINK_GAP
        gamma = np.sign(rng.standard_normal(1)) * (2.0 + np.abs(rng.standard_normal(1)))
        layer = layer.with_params({"ll_mixer.1.weight": gamma, "ll_mixer.1.bias": np.zeros(1)})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            z = np.sort(to_numpy(layer.forward(x, training=training)[1].mixer.bn_out).ravel())
        cuts = [z[0] - 2 * gap] + [0.5 * (a + b) for a, b in zip(z[:-1], z[1:], strict=True) if b - a > 2 * gap]
        t = max(cuts, key=lambda c: min(np.sum(z < c), np.sum(z > c)))
        return layer.with_params({"ll_mixer.1.bias": np.array([-t])})  # ReLU input z + bias, kink at z = t

    return away


def _build(seed, *, batch=(2,), H, W, **point):  # noqa: N803  (H, W: the image size)
    gen = np.random.default_rng(seed)
    return _randomize(WaveletMixing2D(**point, seed=gen), gen)


def _input_shape(point) -> tuple:
    return (*point.get("batch", (2,)), point["channels"], point["H"], point["W"])


def _error_scale(point) -> float:
    config = {k: v for k, v in point.items() if k not in ("batch", "H", "W")}
    return WaveletMixing2D(**config).error_scale(_input_shape(point))


def _train(layer, x, rng):
    """Training mode; the documented encoder's dropouts (p = 0.1) drawn from a fixed seed, the same at every
    forward of the check."""
    return {"training": True, "rng": int(rng.integers(2**31))}


_REASON = ("2-D DWT and inverse (2J(2 + log2 F) each), the mixer (3x3 conv 15.5 and batch norm as a layer norm; "
           "the attention's own claim; the documented encoder's exact constant 0), residual 1: doubled")

# (grid, full grid) per case; a case keeps J fixed in the subband mode (the number of params follows J). The
# registry's test runs every grid point on NumPy and array-api-strict, so the grids are the smallest sizes
# that cover each configuration; `specref verify --full` adds the larger ones.
_SUB = {"channels": 2, "wavelet": "db1", "levels": 2}
_CROSS = {"channels": 2, "mixing_mode": "cross"}
_ATT = {"channels": 2, "wavelet": "db1", "levels": 1, "H": 4, "W": 5, "mixing_mode": "attention"}
_GRIDS = {  # name: (grid, what --full adds)
    "SubbandJ1": (({"channels": 2, "wavelet": "db2", "levels": 1, "H": 7, "W": 9},),
                  ({"channels": 3, "wavelet": "db4", "levels": 1, "H": 16, "W": 15, "batch": (2, 1)},)),
    "SubbandJ1Training": (({"channels": 3, "wavelet": "db4", "levels": 1, "H": 14, "W": 15, "batch": (2, 1)},),
                          ({"channels": 2, "wavelet": "db2", "levels": 1, "H": 7, "W": 9},)),
    "SubbandJ2": (({**_SUB, "H": 7, "W": 9},),
                  ({**_SUB, "H": 8, "W": 8}, {**_SUB, "wavelet": "db2", "H": 12, "W": 13})),
    "SubbandJ2Training": (({**_SUB, "H": 8, "W": 8},), ({**_SUB, "H": 7, "W": 9},)),
    "Cross": (({**_CROSS, "wavelet": "db1", "levels": 2, "H": 8, "W": 8},
               {**_CROSS, "wavelet": "db2", "levels": 1, "H": 7, "W": 9}),
              ({**_CROSS, "wavelet": "db4", "levels": 1, "H": 16, "W": 15},)),
    # cross attention has dropout 0 (spectrans's nn.MultiheadAttention default): training equals eval
    "CrossTraining": (({**_CROSS, "wavelet": "db2", "levels": 1, "H": 7, "W": 9},),
                      ({**_CROSS, "wavelet": "db1", "levels": 2, "H": 8, "W": 8},)),
    "Attention": (({**_ATT}, {**_ATT, "wavelet": "db2", "H": 7, "W": 9, "encoder": "spectrans_identity"}),
                  ({**_ATT, "wavelet": "db2", "H": 7, "W": 9}, {**_ATT, "wavelet": "db4", "H": 16, "W": 15},
                   {**_ATT, "levels": 2, "H": 8, "W": 8, "encoder": "spectrans_identity"})),
    # the documented encoder's dropouts (p = 0.1) are active; spectrans's identity has none
    "AttentionTraining": (({**_ATT},), ({**_ATT, "wavelet": "db2", "levels": 2, "H": 12, "W": 13},)),
}


def _cases() -> list:
    cases = []
    for label, (grid, more) in _GRIDS.items():
        train = label.endswith("Training")
        cases.append(layer_case(
            WaveletMixing2D, name=f"WaveletMixing2D{label}", build=_build, input_shape=_input_shape, grid=grid,
            full_grid=grid + more, error_scale=_error_scale, error_reason=_REASON,
            forward_kwargs=_train if train else None, away_from_kinks=_away_from_kinks(train)))
    return cases


CASES = _cases()
