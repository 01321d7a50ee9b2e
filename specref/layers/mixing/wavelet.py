r"""WaveletMixing: spectrans's wavelet token mixing (a J-level DWT per channel, mixing, inverse DWT, residual).

:class:`WaveletMixing` is spectrans 0.1.0's ``WaveletMixing`` (``spectrans/layers/mixing/wavelet.py``) with its
constructor, parameter and buffer names, shapes and order of operations, vectorised over the channels
(spectrans loops over them in Python) and computed with pywt's exact filters. For input :math:`x` of shape
(..., N, D), J = ``levels``, along the sequence axis (-2), for every channel at once:

.. math::

    [c_A, c_{D_J}, \dots, c_{D_1}] &= \operatorname{wavedec}_J(x) \qquad \text{(pywt's layout; } c_{D_1}
        \text{ finest)} \\
    \tilde c &= \text{mix}(c) \qquad \text{(below)} \\
    \hat x &= \operatorname{crop}_N \operatorname{waverec}(\tilde c) \\
    y &= x + \operatorname{drop}(\hat x)

with the mixing of ``mixing_mode``:

- ``"pointwise"``: :math:`\tilde c_A = c_A \odot a`, :math:`\tilde c_{D_{j+1}} = c_{D_{j+1}} \odot d_j` with
  :math:`a` = ``mixing_weights.approx`` and :math:`d_j` = ``mixing_weights.detail_j`` of shape (1, 1, D): one
  scalar per channel and band (spectrans's docstring says (1, max L, D); its code allocates (1, 1, D)).
  ``detail_0`` multiplies the *finest* detail :math:`c_{D_1}`, as spectrans's ``decompose`` lists them.
- ``"channel"``: the same with the diagonals :math:`W_{0jj}` of the (1, D, D) matrices (identity at init).
  spectrans allocates D x D matrices and reads only their diagonals, so the off-diagonal entries get a
  gradient of exactly zero (inventory #9); specref does the same.
- ``"level"``: per channel, the bands in spectrans's order :math:`[c_A, c_{D_1}, \dots, c_{D_J}]`, each
  zero-padded to the longest length :math:`L_{\max}`, go through one self-attention
  (``level_mixer``: torch's ``MultiheadAttention(1, 1, dropout)``, embedding 1) over the coefficient
  *positions* within each band (no padding mask, no attention across bands), then are cropped back.
  specref moves D before the bands, (..., D, J+1, L_max, 1), and calls the attention once.

The reconstruction is pywt's ``waverec``: an approximation one sample longer than the next detail loses its
last sample (spectrans's ``reconstruct`` trims it the same way), then the result is cropped to N. spectrans
crops or zero-pads to N; for coefficients of its own decomposition the reconstruction has N or N + 1 samples
(N + 1 for odd N), so the zero-pad branch never runs and ``waverec(..., output_length=N)`` is the same map.

Residual: spectrans adds the input inside the layer (:math:`y = x + \operatorname{drop}(\hat x)`), so at
init (pointwise, all ones) the layer returns :math:`2x` (inventory #9). A coherent choice of the peer:
specref follows it (DESIGN section 8).

Departures from spectrans (each where spectrans's results are not pywt's DWT):

- Filters: spectrans stores pywt's filters as float32 buffers (``dwt.dec_lo`` ...), so its float64 results
  differ from pywt's by ~1e-7 (inventory #11). specref keeps the buffers in spectrans's layout but holds the
  exact float64 taps and computes with them; :meth:`WaveletMixing.from_state_dict` accepts spectrans's
  float32 buffers after checking they are pywt's filters rounded to float32.
- Short sequences: for N < F - 1 spectrans's symmetric padding bounces differently from pywt's (#11);
  specref computes pywt's DWT (the coefficients outnumber the samples; the reconstruction is still exact).
- Boundary modes: spectrans supports only ``"symmetric"``; ``mode=`` (keyword-only) takes every mode of
  :data:`specref.transforms.wavelet_bank.MODES`.

Levels above ``dwt_max_level(N, F)`` (every N < F - 1 included) are computed as pywt computes them, with one
``UserWarning`` naming the maximum.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from specref._args import check_choice, check_positive_int
from specref.backend import as_generator, device_of, dtype_name, namespace, to_numpy
from specref.layers.attention.softmax import MultiheadAttention
from specref.layers.base import LayerCtx, child_masks, layer_case, nest, prefixed
from specref.layers.mixing._wavelet_filters import exact_filter_buffers  # the wavelet layers' one filter check
from specref.layers.mixing.base import MixingLayer
from specref.ops.complex import cmul, cmul_vjp
from specref.transforms.structural import crop_or_pad, crop_or_pad_adjoint, move_axis
from specref.transforms.wavelet_bank import MODES, _as_bank, _check_mode, dwt_max_level
from specref.transforms.wavelet_dwt import _error_scale
from specref.transforms.wavelet_multilevel import (
    wavedec,
    wavedec_adjoint,
    wavedec_shapes,
    waverec,
    waverec_adjoint,
)

__all__ = ["WaveletMixing", "WaveletMixingCtx", "WAVELET_MIXING_MODES"]

#: the mixing modes spectrans accepts
WAVELET_MIXING_MODES = ("pointwise", "channel", "level")

#: spectrans's filter buffers (``DWT1D`` registers them in this order), pywt's ``filter_bank`` order
_FILTERS = ("dec_lo", "dec_hi", "rec_lo", "rec_hi")


def _band_names(levels: int) -> list[str]:
    """spectrans's band names in its order: ``approx``, then ``detail_0`` (finest) ... ``detail_{J-1}``."""
    return ["approx", *(f"detail_{j}" for j in range(levels))]


def _pywt_index(k: int, levels: int) -> int:
    """Index in pywt's ``[cA_J, cD_J, ..., cD_1]`` of spectrans's band ``k`` (0: approx, 1 + j: detail_j = cD_{j+1})."""
    return 0 if k == 0 else levels + 1 - k


def _spectrans_order(coeffs: list) -> list:
    """pywt's ``[cA_J, cD_J, ..., cD_1]`` in spectrans's order ``[cA_J, cD_1, ..., cD_J]`` (a permutation)."""
    return [coeffs[_pywt_index(k, len(coeffs) - 1)] for k in range(len(coeffs))]


def _pywt_order(bands: list) -> list:
    """The inverse (and adjoint) permutation of :func:`_spectrans_order`."""
    out = [None] * len(bands)
    for k, band in enumerate(bands):
        out[_pywt_index(k, len(bands) - 1)] = band
    return out


# ----------------------------------------------------------------------------------------------------------
# structural steps of the modes (each with its adjoint beside it)


def _diagonal(w):
    r"""The diagonals of (1, D, D) matrices as (1, D): :math:`g_{0j} = \sum_i W_{0ij}\,\delta_{ij} = W_{0jj}`
    (a sum of one entry and exact zeros, so exact)."""
    xp = namespace(w)
    eye = xp.eye(w.shape[-1], dtype=w.dtype, device=device_of(w))
    return xp.sum(w * eye, axis=-2)


def _diagonal_adjoint(g, *, input_shape):
    r"""Adjoint of :func:`_diagonal`: :math:`\bar W_{0ij} = \delta_{ij}\,\bar g_{0j}` (zero off the diagonal)."""
    xp = namespace(g)
    eye = xp.eye(input_shape[-1], dtype=g.dtype, device=device_of(g))
    return eye * xp.expand_dims(g, axis=-2)


def _gather(bands, lmax: int):
    """Bands (..., L_k, D), k = 0..K-1 -> (..., D, K, L_max, 1): each zero-padded to L_max along -2, stacked on a
    new axis -3, D moved before it, a trailing embedding axis of length 1 (the attention's input layout)."""
    xp = namespace(*bands)
    stacked = xp.stack([crop_or_pad(b, lmax, axis=-2) for b in bands], axis=-3)  # (..., K, L_max, D)
    return xp.expand_dims(move_axis(stacked, -1, -3), axis=-1)  # (..., D, K, L_max, 1)


def _gather_adjoint(s, *, input_shapes):
    """Adjoint of :func:`_gather`: drop the embedding axis, move D back, unstack, and crop each band back to
    its length (the adjoint of a zero-pad). ``_gather`` is an isometric embedding, so this is also its left
    inverse: the forward crops the attention's output back with it."""
    s = move_axis(s[..., 0], -3, -1)  # (..., K, L_max, D)
    lmax = s.shape[-2]
    return [crop_or_pad_adjoint(s[..., k, :, :], input_shape=tuple(shape), n=lmax, axis=-2)
            for k, shape in enumerate(input_shapes)]


# ----------------------------------------------------------------------------------------------------------
# context


@dataclass(frozen=True)
class WaveletMixingCtx(LayerCtx):
    """What :meth:`WaveletMixing.backward` reads. Bands are in pywt's order ``[cA_J, cD_J, ..., cD_1]``.

    ``multipliers`` holds, per band, the array each band was multiplied by (pointwise: the (1, 1, D) weight;
    channel: the (1, D) diagonal); ``attention`` the level mixer's ctx (level mode); ``mask`` the keep-mask of
    dropout ``"dropout"`` (None when inactive).
    """

    x: object  # (..., N, D) input
    coeffs: tuple  # wavedec_J(x)
    multipliers: tuple | None  # pointwise / channel
    attention: object | None  # level: the MultiheadAttention child's ctx
    mixed: tuple  # the mixed bands
    xhat: object  # crop_N waverec(mixed)
    mask: object | None  # dropout "dropout"


# ----------------------------------------------------------------------------------------------------------
# the layer


class WaveletMixing(MixingLayer):
    r"""Wavelet token mixing as spectrans's ``WaveletMixing``, vectorised over channels, with pywt's filters.

    Parameters
    ----------
    hidden_dim : int
        D, the feature size of the input (..., N, D).
    wavelet : str
        A discrete wavelet pywt knows (``pywt.wavelist(kind="discrete")``), default ``"db4"``.
    levels : int
        J >= 1, the number of DWT levels (default 3).
    mixing_mode : {"pointwise", "channel", "level"}
        How the coefficients are mixed (module docstring).
    dropout : float
        p of the dropout on the reconstruction (``"dropout"`` in ``masks=``) and, in level mode, of the
        attention weights' dropout (``"level_mixer.dropout"``), as spectrans passes it to both.
    mode : str, keyword-only
        The DWT's boundary mode, one of pywt's nine (default ``"symmetric"``, the only one spectrans has).
    seed : int or numpy.random.Generator, keyword-only
        Initialisation of the level mixer (torch's MultiheadAttention laws); pointwise and channel weights
        start as ones and identities, as spectrans's.

    Attributes
    ----------
    params : dict
        pointwise: ``mixing_weights.approx``, ``mixing_weights.detail_0`` ... ``detail_{J-1}``, (1, 1, D);
        channel: the same names, (1, D, D); level: ``level_mixer.in_proj_weight`` (3, 1),
        ``level_mixer.in_proj_bias`` (3,), ``level_mixer.out_proj.weight`` (1, 1), ``level_mixer.out_proj.bias``
        (1,).
    buffers : dict
        ``dwt.dec_lo``, ``dwt.dec_hi``, ``dwt.rec_lo``, ``dwt.rec_hi`` (F,): pywt's filters, exact (float64
        until ``astype``). The transforms read pywt's table through ``wavelet``; the buffers are there so
        spectrans's state_dict loads and round-trips.

    Raises
    ------
    ValueError
        For an unknown mixing_mode (naming the choices), wavelet or mode, levels < 1, dropout outside [0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> layer = WaveletMixing(hidden_dim=4, wavelet="db2", levels=2)
    >>> x = np.random.default_rng(0).standard_normal((2, 16, 4))
    >>> y, ctx = layer.forward(x)
    >>> bool(np.allclose(y, 2 * x))  # ones at init and the residual inside the layer: y = 2x
    True
    >>> dx, grads = layer.backward(ctx, np.ones_like(y))
    >>> sorted(grads)
    ['mixing_weights.approx', 'mixing_weights.detail_0', 'mixing_weights.detail_1']
    """

    def __init__(self, hidden_dim: int, wavelet="db4", levels: int = 3, mixing_mode: str = "pointwise",
                 dropout: float = 0.0, *, mode: str = "symmetric", seed=0):
        self.mixing_mode = check_choice(mixing_mode, WAVELET_MIXING_MODES, "mixing_mode")
        super().__init__(hidden_dim, dropout)  # hidden_dim and the dropout probability, checked there
        bank = _as_bank(wavelet)  # ValueError for an unknown or continuous wavelet
        self.wavelet = wavelet
        self.levels = check_positive_int(levels, "levels")
        self.mode = _check_mode(mode)
        d = self.hidden_dim
        buffers = {f"dwt.{name}": np.array(getattr(bank, name)) for name in _FILTERS}
        self._children = {}
        if self.mixing_mode == "level":
            self._children["level_mixer"] = MultiheadAttention(1, 1, dropout=self.dropout,
                                                               seed=as_generator(seed))
            params, child_buffers = nest(self._children)
            buffers.update(child_buffers)
            self.dropout_names = ("level_mixer.dropout", "dropout")  # in the order they apply
        else:
            start = np.ones((1, 1, d)) if self.mixing_mode == "pointwise" else np.eye(d)[None]
            params = {f"mixing_weights.{name}": start.copy() for name in _band_names(self.levels)}
        self._init_arrays(params, buffers)

    # -- loading spectrans's state_dict ------------------------------------------------------------------

    @classmethod
    def from_state_dict(cls, state_dict, prefix: str = "", dtype=None, strict: bool = True, xp=None, **config):
        """Load as :meth:`specref.interop.params.ParamContainer.from_state_dict`, then check the filter buffers.

        Each ``dwt.*`` buffer must hold pywt's filter of ``wavelet`` to float32 rounding: every tap within
        half a float32 ulp of pywt's float64 value (spectrans stores ``float()`` of the float64 taps; a
        float64 copy of those passes too), the check the wavelet layers share
        (:func:`specref.layers.mixing._wavelet_filters.exact_filter_buffers`). The layer then holds, and
        computes with, the exact taps (in the loaded buffer's precision).

        Raises
        ------
        StateDictError (a ValueError)
            For a buffer that is not pywt's filter to float32 rounding, naming the buffer, the wavelet and the
            first entry off; and as the base method for missing, extra or mis-shaped keys.
        """
        layer = super().from_state_dict(state_dict, prefix=prefix, dtype=dtype, strict=strict, xp=xp, **config)
        return layer._replaced(exact_filter_buffers(layer.buffers, "dwt.", layer.wavelet, prefix=prefix))

    # -- spectrans's MixingLayer methods and the error claim --------------------------------------------

    def get_spectral_properties(self) -> dict:
        """Property flags of the layer as implemented, with the reasons."""
        return {
            "unitary": False,
            "real_output": True,
            "frequency_domain": False,
            "energy_preserving": False,
            "learnable_parameters": True,
            "multi_resolution": True,
            "notes": ("mixes in the wavelet (time-scale) domain, not the Fourier domain; not unitary or energy "
                      "preserving: the residual doubles the input at init, and symmetric-mode coefficients are "
                      "redundant (the DWT is a left-invertible frame map, not an isometry)"),
        }

    def error_scale(self, input_shape) -> float:
        r"""The claim :math:`c` (forward relative error :math:`\le c\,\epsilon`) for inputs of ``input_shape``.

        The DWT family's claim for J levels of ``wavedec`` and of ``waverec`` (each
        :math:`J(2 + \log_2 F)`, times :math:`1 + \log_2 F` in smooth mode:
        :func:`specref.transforms.wavelet_dwt._error_scale`), one rounding for the products, dropout and the
        residual, and in level mode the attention child's claim at :math:`L_{\max}` positions
        (:meth:`specref.layers.attention.softmax.MultiheadAttention.error_scale`); the sum doubled
        for the propagation of each stage's error through the next (O(1)-conditioned stages at O(1) weights).
        """
        point = {"wavelet": self.wavelet, "mode": self.mode, "shape": (int(input_shape[-2]),), "level": self.levels}
        stages = 2.0 * _error_scale(point) + 3.0
        if self.mixing_mode == "level":
            lmax = max(s[-2] for s in wavedec_shapes(tuple(input_shape), self.wavelet, mode=self.mode,
                                                      level=self.levels, axis=-2))
            stages += self._child("level_mixer").error_scale(lmax, lmax)
        return 2.0 * stages

    # -- forward and backward ----------------------------------------------------------------------------

    def _warn_above_max_level(self, n: int) -> None:
        bank = _as_bank(self.wavelet)
        top = dwt_max_level(n, bank.length)
        if self.levels > top:
            warnings.warn(
                f"WaveletMixing: levels={self.levels} is above the maximum level {top} for a sequence of length "
                f"{n} and wavelet {bank.name!r} (filter length {bank.length}): every coefficient sees the boundary "
                "extension; computed as pywt computes it", UserWarning, stacklevel=3)

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: DWT, mixing, inverse DWT cropped to N, dropout, residual (module docstring).

        Parameters
        ----------
        x : array, float32 or float64, shape (..., N, D) with at least three axes
        training : bool
            Apply the dropouts (``dropout > 0``).
        rng : int or numpy.random.Generator, optional
            Draws the masks (the level mixer's first, then ``"dropout"``).
        masks : dict, optional
            Injected keep-masks: ``"dropout"`` of shape (..., N, D); in level mode ``"level_mixer.dropout"``
            of the attention weights' shape (..., D, J + 1, 1, L_max, L_max), bands in spectrans's order
            (approx, detail_0, ..., detail_{J-1}).

        Raises
        ------
        ValueError
            For fewer than three axes, N = 0, a last axis other than ``hidden_dim``, dropout in training mode
            without rng or masks, an injected mask of an unknown name, the wrong shape or a non-bool dtype.
        TypeError
            For complex, integer or bool input, or a precision other than the params'.

        Warns
        -----
        UserWarning
            For ``levels`` above ``dwt_max_level(N, F)``, naming the maximum.
        """
        self._check_mixing_input(x)
        if masks:  # unknown mask names are refused even in eval mode
            self._dropout_mask("dropout", (), 0.0, x=x, training=False, rng=None, masks=masks)
        rng = None if rng is None else as_generator(rng)  # one stream for both masks
        n, levels = x.shape[-2], self.levels
        self._warn_above_max_level(n)
        with warnings.catch_warnings():  # wavedec's own warning says the same without the maximum
            warnings.filterwarnings("ignore", message="Level value of", category=UserWarning)
            coeffs = wavedec(x, self.wavelet, self.mode, levels, -2)  # [cA_J, cD_J, ..., cD_1]
        multipliers, attention = None, None
        if self.mixing_mode == "level":
            bands = _spectrans_order(coeffs)  # spectrans stacks [cA, cD_1, ..., cD_J]
            lmax = max(b.shape[-2] for b in bands)
            mixed_bands, attention = self._child("level_mixer").forward(
                _gather(bands, lmax), training=training, rng=rng, masks=child_masks(masks, "level_mixer"))
            mixed = _pywt_order(_gather_adjoint(mixed_bands, input_shapes=[tuple(b.shape) for b in bands]))
        else:
            multipliers = [None] * (levels + 1)
            for k, name in enumerate(_band_names(levels)):
                w = self.params[f"mixing_weights.{name}"]
                multipliers[_pywt_index(k, levels)] = w if self.mixing_mode == "pointwise" else _diagonal(w)
            mixed = [cmul(c, w) for c, w in zip(coeffs, multipliers, strict=True)]
        xhat = waverec(mixed, self.wavelet, self.mode, -2, output_length=n)
        xhat_drop, mask = self._output_dropout(xhat, x=x, training=training, rng=rng, masks=masks)
        y = x + xhat_drop
        ctx = WaveletMixingCtx(dtype=dtype_name(x.dtype), x=x, coeffs=tuple(coeffs),
                               multipliers=None if multipliers is None else tuple(multipliers),
                               attention=attention, mixed=tuple(mixed), xhat=xhat, mask=mask)
        return y, ctx

    def backward(self, ctx: WaveletMixingCtx, dy):
        """``(dx, grads)``: the forward's lines in reverse, each a primitive's VJP or adjoint."""
        x = ctx.x
        self._check_cotangent(ctx, dy, tuple(x.shape))
        levels = self.levels
        # y = x + drop(xhat): the residual passes dy on; dropout's VJP  dxhat = m * dy / (1 - p)
        dxhat = self._output_dropout_backward(dy, ctx.mask)
        # xhat = crop_N waverec(mixed): its adjoint zero-pads to waverec's length, then runs each level's adjoint
        dmixed = waverec_adjoint(dxhat, input_shape=[tuple(c.shape) for c in ctx.mixed], wavelet=self.wavelet,
                                 mode=self.mode, axis=-2, output_length=x.shape[-2])
        grads = {}
        if self.mixing_mode == "level":
            shapes = [tuple(c.shape) for c in _spectrans_order(list(ctx.coeffs))]
            lmax = max(s[-2] for s in shapes)
            # mixed = P^T crop(A(s)), crop = _gather's adjoint, P the band permutation: adjoint _gather(P dmixed)
            dattention = _gather(_spectrans_order(dmixed), lmax)
            # A = the level mixer's self-attention: its backward gives ds and the child's grads
            dstacked, child_grads = self._child("level_mixer").backward(ctx.attention, dattention)
            grads.update(prefixed("level_mixer", child_grads))
            # s = _gather(P coeffs): the adjoint crops each band back, unstacks and permutes back
            dcoeffs = _pywt_order(_gather_adjoint(dstacked, input_shapes=shapes))
        else:
            dcoeffs = [None] * (levels + 1)
            for k, name in enumerate(_band_names(levels)):
                i, key = _pywt_index(k, levels), f"mixing_weights.{name}"
                # mixed_i = c_i * w_i: dc_i = dmixed_i * w_i, dw_i = sum over batch and positions of dmixed_i * c_i
                dcoeffs[i], dw = cmul_vjp(dmixed[i], ctx.coeffs[i], ctx.multipliers[i], ctx.mixed[i])
                # channel: w_i = diag(W_i), whose adjoint puts dw_i on the diagonal (zeros elsewhere)
                grads[key] = dw if self.mixing_mode == "pointwise" else _diagonal_adjoint(
                    dw, input_shape=tuple(self.params[key].shape))
        # coeffs = wavedec_J(x): its adjoint, coarsest level first
        dx_mix = wavedec_adjoint(dcoeffs, input_shape=tuple(x.shape), wavelet=self.wavelet, mode=self.mode,
                                 level=levels, axis=-2)
        dx = dy + dx_mix  # the residual branch plus the mixing branch
        return dx, {k: grads[k] for k in self.params}



# ----------------------------------------------------------------------------------------------------------
# verification cases


def _build(seed, *, N, batch=None, **point):  # noqa: N803  (N is the sequence length, as in the docs)
    """The case's layer: ``WaveletMixing(**point)`` with every param redrawn N(0, 1) (``N`` and ``batch`` shape
    the input only), so each band's weight differs from 1 and the attention's projections are generic."""
    gen = np.random.default_rng(seed)
    layer = WaveletMixing(**point, seed=gen)
    return layer.with_params({k: gen.standard_normal(tuple(v.shape)) for k, v in layer.params.items()})


def _scores_of_order_one(layer, x, rng):
    """Level mode: the query and key rows of ``level_mixer.in_proj_weight`` divided by the largest coefficient
    of ``x`` (the host input), so the attention scores :math:`(w_q c_i + b_q)(w_k c_j + b_k)` stay O(1).

    Smooth-mode extrapolation makes boundary coefficients up to ~100 times the input (dmey), and a softmax of
    scores that large is a max on the scale of a finite-difference step: central differences across it are
    meaningless, as across a kink (float32 central differences fail there while float64 ones pass). The
    layer is returned unchanged in the other modes, and ``rng`` is not used."""
    if layer.mixing_mode != "level":
        return layer
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Level value of", category=UserWarning)
        size = max(float(np.max(np.abs(c))) for c in wavedec(x, layer.wavelet, layer.mode, layer.levels, -2))
    w = to_numpy(layer.params["level_mixer.in_proj_weight"]).copy()
    w[:2] /= max(size, 1.0)  # rows q and k of torch's packed (q, k, v) in-projection
    return layer.with_params({"level_mixer.in_proj_weight": w})


def _input_shape(point) -> tuple:
    """``(*batch, N, hidden_dim)``; the leading axes are ``point["batch"]``, ``(2,)`` by default."""
    return (*point.get("batch", (2,)), point["N"], point["hidden_dim"])


def _case_error_scale(point) -> float:
    """The layer's :meth:`WaveletMixing.error_scale` at the grid point."""
    config = {k: v for k, v in point.items() if k not in ("N", "batch")}
    return WaveletMixing(**config).error_scale(_input_shape(point))


def _train_with_masks(layer, x, rng):
    """Training mode with injected keep-masks (drawn from the case's rng) when the layer has dropout."""
    if layer.dropout == 0.0:
        return {}
    shape = tuple(x.shape)
    masks = {"dropout": rng.random(shape) > layer.dropout}
    if layer.mixing_mode == "level":
        lmax = max(s[-2] for s in wavedec_shapes(shape, layer.wavelet, mode=layer.mode, level=layer.levels,
                                                 axis=-2))
        attention = (*shape[:-2], shape[-1], layer.levels + 1, 1, lmax, lmax)
        masks["level_mixer.dropout"] = rng.random(attention) > layer.dropout
    xp = namespace(x)
    return {"training": True, "masks": {k: xp.asarray(v, device=device_of(x)) for k, v in masks.items()}}


def _point(mixing_mode, wavelet, mode, n, levels, **extra):
    return {"hidden_dim": 3, "mixing_mode": mixing_mode, "wavelet": wavelet, "mode": mode, "N": n,
            "levels": levels, **extra}


# odd and even N, the grid wavelets of the DWT family, dropout with injected masks. A case's points share one
# number of params (J + 1 weights in pointwise and channel modes), so those modes get a case per J.
_GRID = {
    ("pointwise", 2): (_point("pointwise", "db1", "symmetric", 7, 2),
                       _point("pointwise", "db4", "periodization", 30, 2),
                       _point("pointwise", "sym2", "smooth", 13, 2, dropout=0.25, batch=(2, 1))),
    ("pointwise", 1): (_point("pointwise", "bior2.2", "reflect", 12, 1),),
    ("pointwise", 3): (_point("pointwise", "sym2", "periodic", 25, 3, dropout=0.25),),
    ("channel", 2): (_point("channel", "db2", "zero", 13, 2),
                     _point("channel", "sym2", "symmetric", 16, 2, dropout=0.25)),
    ("channel", 1): (_point("channel", "coif1", "antireflect", 11, 1),),
    ("channel", 3): (_point("channel", "db1", "antisymmetric", 8, 3),),
    ("level", None): (_point("level", "db1", "symmetric", 8, 2),
                      _point("level", "sym2", "periodic", 11, 1, dropout=0.25),
                      _point("level", "db2", "constant", 25, 3),
                      _point("level", "db4", "smooth", 16, 1, batch=(2, 1))),
}

# a representative of every family x every mode, at odd and even N: levels 1 and 2 at N = 4 (F - 1) + 1 or + 2
# (maximum level 2), level 3 at N = 8 (F - 1) + 1 or + 2
_FAMILIES = ("haar", "db4", "sym5", "coif2", "bior3.5", "rbio2.4", "dmey")


def _full(mixing_mode, levels, modes=MODES) -> tuple:
    points = []
    for i, wavelet in enumerate(_FAMILIES):
        f = _as_bank(wavelet).length
        for j, mode in enumerate(MODES):
            if mode not in modes:
                continue
            for depth in (1, 2, 3) if levels is None else (levels,):
                n = (8 if depth == 3 else 4) * (f - 1) + 1 + (i + j) % 2
                dropout = {"dropout": 0.25} if (i + j + depth) % 3 == 0 else {}
                points.append(_point(mixing_mode, wavelet, mode, n, depth, hidden_dim=2, **dropout))
    return tuple(points)


_REASON = ("J-level wavedec and waverec (the DWT family's claim, J (2 + log2 F) each, times 1 + log2 F in smooth "
           "mode), products, dropout and residual, plus the attention's claim in level mode; the sum doubled "
           "for propagation; measured <= 0.22 c eps (float32 against float64) over every wavelet and mode")

def _case(name, grid, full_grid, **kwargs):
    return layer_case(WaveletMixing, name=name, build=_build, input_shape=_input_shape, grid=grid, full_grid=full_grid,
                      error_scale=_case_error_scale, error_reason=_REASON, forward_kwargs=_train_with_masks,
                      away_from_kinks=_scores_of_order_one, **kwargs)


_NOT_SMOOTH = tuple(m for m in MODES if m != "smooth")

CASES = [
    *(_case(f"WaveletMixing_{mixing_mode}" + ("" if levels in (None, 2) else f"_J{levels}"), grid,
            grid + _full(mixing_mode, levels, _NOT_SMOOTH if mixing_mode == "level" else MODES))
      for (mixing_mode, levels), grid in _GRID.items()),
    # Level mode in smooth mode, float64 only: smooth's linear extrapolation makes boundary coefficients up to
    # ~1e3 times the input (dmey, 3 levels), the attention's scores grow as their square, and where they are that
    # large a float32 central difference steps across the softmax's near-max (truncation estimate 2e4 against a
    # derivative of 2e5: the difference quotient is meaningless); float64's step is 1e-5 and resolves it. The
    # representative smooth point of WaveletMixing_level (db4, N = 16) runs in both precisions.
    _case("WaveletMixing_level_smooth", (_point("level", "sym2", "smooth", 13, 2, dropout=0.25),),
          _full("level", None, ("smooth",)), dtypes=("float64",)),
]
