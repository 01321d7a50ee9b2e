r"""The shared machinery of the linear (random-feature) attention layers: SpectralAttention, PerformerAttention and
KernelAttention (:mod:`specref.layers.attention.feature`, :mod:`specref.layers.attention.kernel`).

For input :math:`x` (..., N, D), h heads of :math:`d = D/h` features, :math:`m` features per head, keep-mask
:math:`\mu \in \{0, 1\}^N` (all ones without a mask) and the causal sets :math:`J_i = \{j \le i\}` (all
:math:`j` when not causal):

.. math::

    q &= \operatorname{Lin}_q(x), \quad k = \operatorname{Lin}_k(x), \quad v = \operatorname{Lin}_v(x) \qquad (1) \\
    q_t, k_t, v_t &= \text{head } t \text{ of } q, k, v \quad ((\dots, h, N, d)) \qquad (2) \\
    \phi_q &= \varphi_Q(q_t), \quad \phi_k = \varphi_K(k_t) \quad \text{(the feature map, (3a)-(3g))} \qquad (3) \\
    \tilde\phi_k &= \mu \odot \phi_k, \quad \tilde v = \mu \odot v_t \qquad (4) \\
    o_{t,i} &= \frac{\phi_{q,i}^{\mathsf T} \sum_{j \in J_i} \tilde\phi_{k,j} \tilde v_j^{\mathsf T}}
              {\phi_{q,i}^{\mathsf T} \sum_{j \in J_i} \tilde\phi_{k,j} + \epsilon}
              \quad \text{(normalised; } o_{t,i} = \phi_{q,i}^{\mathsf T} \textstyle\sum_{j \in J_i}
              \tilde\phi_{k,j} \tilde v_j^{\mathsf T} \text{ unnormalised)} \qquad (5) \\
    \text{out} &= \operatorname{Lin}_o([o_1, \dots, o_h]) \qquad (6) \\
    y &= \operatorname{drop}(\text{out}) \qquad (7)

(5) is :func:`specref.ops.linear_attention.linear_attention` (the causal form a prefix-sum scan), never the
N x N weights. The feature maps, with :math:`\|\cdot\|` the Euclidean norm of a row and :math:`W` (d, m):

.. math::

    \text{(3a) FAVOR+:}\quad & u = d^{-1/4} q,\ \varphi(u) = e^{uW - \|u\|^2/2 - c}/\sqrt m,
        \quad W_{:,f} \sim N(0, I_d) \\
    \text{(3b) positive Gaussian:}\quad & u = \sqrt 2\, q/s,\ W = s\,\Omega/\sqrt 2,
        \ \varphi(u) = e^{q\Omega - \|q\|^2/s^2 - c}/\sqrt m, \quad \Omega_{:,f} \sim N(0, s^{-2} I_d) \\
    \text{(3c) positive spectral:}\quad & u = d^{-1/4} q,\ W = V \operatorname{diag}(\sqrt{|\lambda| + 10^{-8}})
        \text{ (learned)},\ \varphi \text{ as (3a)} \\
    \text{(3d) spectrans "softmax":}\quad & \varphi(q) = e^{qP - \|q\|^2/2}/\sqrt m \ \text{(no temperature, no
        stabiliser)} \\
    \text{(3e) spectrans Gaussian:}\quad & \varphi(q) = \sqrt{2/m}\cos(q\Omega + b) \\
    \text{(3f) spectrans spectral:}\quad & \varphi(q) = (qV)\operatorname{diag}(\sqrt{|\lambda| + 10^{-8}}) \\
    \text{(3g) generalized:}\quad & \phi_q = \operatorname{relu}(q)/\sqrt d, \quad \phi_k = \operatorname{relu}(k)

For (3a)-(3c) :math:`E[\varphi(u)\cdot\varphi(u')] = e^{u \cdot u'}` with :math:`c = 0`
(:func:`specref.kernels.attention_features.positive_features`): (3a) estimates :math:`\exp(q \cdot k/\sqrt d)`,
softmax attention's kernel, (3b) :math:`\exp(-\|q - k\|^2 / (2 s^2))`. The stabilisers are those of
:func:`~specref.kernels.attention_features.paired_positive_features`: a constant :math:`c_r` per feature over
the kept keys of the sequence, moved into the queries, and a query's largest shifted exponent :math:`M_i`; every
product :math:`\phi_{q,i}\cdot\phi_{k,j}` is the unstabilised one times :math:`e^{-M_i}`, a factor common to
query i's numerator and normaliser, which cancels in (5) exactly because :math:`\epsilon = 0` there. The output
does not depend on the stabilisers, so holding them constant in the backward
(:func:`~specref.kernels.attention_features.positive_features_vjp`) gives the exact gradient of (5). A query
with no kept key (every key masked, or causal before the first kept one) gets :math:`o = 0` and zero gradients,
as exact attention (:mod:`specref.ops.attention`): a sentinel feature, 1 for such a query and for every key,
makes its normaliser positive while its numerator stays :math:`0` (its keys' values are zeroed), and leaves
every other query's sums unchanged (its sentinel is 0).

Range: non-causal, every query's normaliser is at least :math:`1/m` whatever the size of the inputs
(spectrans's unstabilised features are all 0 from :math:`\|u\| \approx 40` in float64). Causal, a query's
prefix may lack the key that sets :math:`c_r`: when the exponents of one head span more than the floating-point
range (about 1400 in float64, 170 in float32) an early query's products all underflow and its normaliser is 0:
the forward then raises a ``FloatingPointError`` saying so, rather than return a NaN row. Measured (D = 8,
h = 2, m = 8, N = 16, nn.Linear's init, float64): finite at :math:`10x` causal and at :math:`1000x`
non-causal; causal fails from :math:`100x`. A running maximum inside the causal scan (the online-softmax
rescaling) would remove that limit.

The backward is the forward's lines in reverse, each one primitive VJP
(:func:`~specref.ops.linear_attention.linear_attention_vjp`, the feature maps' VJPs, ``linear_vjp``,
``dropout_vjp``), commented with these equation numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from specref._args import check_choice, check_flag, check_positive_int, check_probability
from specref._jit.causal_linear_attention import causal_prefix
from specref.backend import as_generator, device_of, dtype_name, namespace
from specref.kernels.attention_features import paired_positive_features, positive_features, positive_features_vjp
from specref.kernels.rff import (
    rff_features,
    rff_features_vjp,
    sample_gaussian_frequencies,
    sample_orthogonal_gaussian_frequencies,
    sample_phases,
)
from specref.layers._init import torch_default_bias, torch_default_weight
from specref.layers.attention.softmax import _merge_heads, _split_heads
from specref.layers.base import Layer, LayerCtx, check_keep_mask, check_sequence_input
from specref.ops.dropout import dropout, dropout_vjp
from specref.ops.elementwise import relu, relu_vjp
from specref.ops.linear import linear, linear_vjp
from specref.ops.linear_attention import linear_attention, linear_attention_vjp

__all__ = ["LinearAttentionBase", "LinearAttentionCtx", "FeatureMixCtx", "FeatureMap", "VARIANTS", "SPECTRANS_EPS",
           "draw_gaussian", "gaussian_feature_map", "feature_error", "signed_features", "DEN_GAP"]

#: "specref": the math (DESIGN section 8); "spectrans": spectrans 0.1.0's features from its buffers
VARIANTS = ("specref", "spectrans")
#: the constant spectrans adds to the normaliser (spectral.py: ``+ 1e-6``), also specref's generalized one
SPECTRANS_EPS = 1e-6
_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")
_NO_WEIGHTS = ("linear attention never forms the N x N attention weights (spectrans returns None for them); "
               "call forward with return_attention=False")


@dataclass(frozen=True)
class FeatureMap:
    """One forward's feature map (3): ``kind`` "positive" (3a)-(3d), "fourier" (3e), "spectral" (3f) or "relu"
    (3g); ``scale`` the prescale of (3a)-(3c), ``projection`` W (positive) or :math:`\\Omega` (fourier),
    ``phase`` b, ``stabilize`` the stabilisers of (3a)-(3c), ``kernel`` the LearnableSpectralKernel of (3c)/(3f)
    (in (3c) ``projection`` is its features of the identity, :math:`W = V\\operatorname{diag}(w)`)."""

    kind: str
    scale: float = 1.0
    projection: object = None
    phase: object = None
    stabilize: bool = False
    kernel: object = None


@dataclass(frozen=True)
class FeatureMixCtx:
    """Equations (3)-(5) of one forward (the linear-attention core)."""

    features: FeatureMap  # (3) the map, with the projection drawn or loaded for this forward
    uq: object  # (3) the feature map's inputs (..., h, N, d): q_t (prescaled in (3a)-(3c))
    uk: object  # (3) likewise k_t
    phi_q: object  # (3) (..., h, N, m)
    phi_k: object  # (3) (..., h, N, m), before the mask
    lin_q: object  # (5) phi_q as handed to the linear attention (with the sentinel column when used)
    lin_k: object  # (4), (5) mu phi_k (with the sentinel column when used)
    v_in: object  # (4) mu v_t
    o: object  # (5) (..., h, N, d)
    sentinel: bool  # (5) a sentinel column was appended to lin_q and lin_k


@dataclass(frozen=True)
class LinearAttentionCtx(LayerCtx):
    """What ``backward`` reads; numbers are the equations of the module docstring."""

    x: object  # (..., N, D) input
    keep: object | None  # (4) mu as the input's float dtype, (..., 1, N, 1); None without a mask
    qh: object  # (2) (..., h, N, d)
    kh: object  # (2)
    vh: object  # (2)
    mix: object  # (3)-(5): a FeatureMixCtx, or the polynomial path's ctx (KernelAttention)
    merged: object  # (6) [o_1 .. o_h], (..., N, D)
    out: object  # (6) Lin_o(merged)
    drop_mask: object | None  # (7) keep-mask of dropout "dropout" (None when inactive)
    weights: object | None  # the N x N attention weights: None, except KernelAttention's polynomial path
    causal: bool  # (5) the sums run over j <= i


def draw_gaussian(gen, d: int, m: int, variant: str, orthogonal: bool) -> dict:
    r"""The Gaussian kernel's random arrays (host float64) for the bandwidth :math:`s = 1/\sqrt d` (spectrans's):
    ``omega`` (d, m) with :math:`N(0, s^{-2} I)` columns (orthogonal: Haar blocks with :math:`\chi_d` norms in the
    specref variant, spectrans's fixed norm :math:`\sqrt d/s` in the spectrans variant; else i.i.d.), then the
    phases ``bias`` (m,) :math:`U[0, 2\pi)` (spectrans variant only: (3b) has none)."""
    s = 1.0 / math.sqrt(d)
    if orthogonal:
        norms = "chi" if variant == "specref" else "fixed"
        arrays = {"omega": sample_orthogonal_gaussian_frequencies(gen, d, m, s, norms=norms)}
    else:
        arrays = {"omega": sample_gaussian_frequencies(gen, d, m, s)}
    if variant != "specref":
        arrays["bias"] = sample_phases(gen, m)
    return arrays


def gaussian_feature_map(variant: str, d: int, buffers) -> FeatureMap:
    """The Gaussian kernel's feature map from ``kernel.omega`` (and ``kernel.bias``): (3b) or (3e)."""
    omega = buffers["kernel.omega"]
    if variant == "specref":  # (3b): u = sqrt(2) q / s, W = s Omega / sqrt(2), s = 1/sqrt(d)
        s = 1.0 / math.sqrt(d)
        return FeatureMap("positive", scale=math.sqrt(2.0) / s, projection=omega * (s / math.sqrt(2.0)),
                          stabilize=True)
    return FeatureMap("fourier", projection=omega, phase=buffers["kernel.bias"])  # (3e)


def feature_error(variant: str, kind: str, d: int) -> float:
    r"""The feature stage's error constant (3): the relative error of :math:`\varphi` over :math:`\epsilon`.

    ``kind``: "softmax" (3a)/(3d) and the positive spectral (3c), "gaussian" (3b)/(3e), "spectral" (3f), "relu"
    (3g). Positive features: the exponent :math:`t = u\cdot w - \|u\|^2/2 - c` carries the absolute error
    :math:`(d + 2)\epsilon\,(|u||w| + \|u\|^2/2 + |c|) \le (d + 2)\epsilon\, 2T`, which ``exp`` makes relative;
    for the cases' draws (:math:`|q_i| \le 4`, :math:`N(0, 1)` columns) :math:`T = 10 a d + 8 a^2 d` with the
    prescale :math:`a`; (3b): :math:`T = 10 d^{3/2} + 16 d^2`. Fourier (3e): the phase's absolute error
    :math:`(d + 2)\epsilon\, 10 d^{3/2}` (the normalisers' gap is in :meth:`LinearAttentionBase.error_scale`).
    (3f): a length-d dot and the weight, :math:`d + 4`. ReLU: 2.
    """
    if kind == "relu":
        return 2.0
    if kind == "spectral" and variant == "spectrans":
        return d + 4.0
    if kind == "gaussian":
        return (d + 2.0) * 2.0 * (10.0 * d**1.5 + 16.0 * d * d) if variant == "specref" else (d + 2.0) * 10.0 * d**1.5
    a = d**-0.25 if variant == "specref" else 1.0
    return (d + 2.0) * 2.0 * (10.0 * a * d + 8.0 * a * a * d)


#: the smallest |den| the signed-feature cases allow, as a fraction of the draw's median |den| (its inverse, 10, is
#: the factor of the claim)
DEN_GAP = 0.1


def signed_features(layer) -> bool:
    """spectrans's Gaussian and spectral features are signed: their normalisers can be near 0."""
    return getattr(layer, "variant", "") == "spectrans" and getattr(layer, "kernel_type", "") in ("gaussian",
                                                                                                   "spectral")


def _keep_rows(xp, mask, shape):
    """The bool keep-mask (..., N) broadcast to the rows (..., h, N) of a head-split array of ``shape``."""
    return xp.broadcast_to(xp.expand_dims(mask, axis=-2), tuple(shape[:-1]))


def _no_key(xp, mask, causal: bool, shape, dtype):
    """1.0 for a query with no kept key (all masked, or causal before the first kept key), as (..., h, N, 1)."""
    counts = xp.astype(mask, xp.int64)
    if causal:
        counts = xp.cumulative_sum(counts, axis=-1)
    else:
        counts = xp.broadcast_to(xp.sum(counts, axis=-1, keepdims=True), tuple(mask.shape))
    none = xp.astype(counts == 0, dtype)
    return xp.broadcast_to(xp.expand_dims(xp.expand_dims(none, axis=-2), axis=-1), (*shape[:-1], 1))


class LinearAttentionBase(Layer):
    """Projections, heads, mask, the linear-attention core (3)-(5), output projection and dropout, with the
    backward; subclasses set the configuration and give :meth:`_feature_map` (and may replace :meth:`_mix`)."""

    dropout_names = ("dropout",)

    # ------------------------------------------------------------------------------------------------
    # configuration helpers

    def _init_heads(self, hidden_dim, num_heads, head_dim=None):
        self.hidden_dim = check_positive_int(hidden_dim, "hidden_dim")
        self.num_heads = check_positive_int(num_heads, "num_heads")
        if self.hidden_dim % self.num_heads:
            raise ValueError(f"hidden_dim {self.hidden_dim} must be divisible by num_heads {self.num_heads} "
                             "(each head gets hidden_dim // num_heads features)")
        d = self.hidden_dim // self.num_heads
        if head_dim is not None and check_positive_int(head_dim, "head_dim") != d:
            raise ValueError(f"head_dim {head_dim} must equal hidden_dim // num_heads = {d}: the projections are "
                             f"hidden_dim x hidden_dim, so the {self.num_heads} heads split hidden_dim "
                             "(spectrans asserts the same, with a misleading message)")
        self.head_dim = d

    def _init_features(self, num_features):
        self.num_features = self.head_dim if num_features is None else check_positive_int(num_features,
                                                                                           "num_features")

    @classmethod
    def from_state_dict(cls, state_dict, prefix: str = "", dtype=None, strict: bool = True, xp=None, **config):
        """As :meth:`specref.interop.params.ParamContainer.from_state_dict`, with ``variant="spectrans"`` by
        default: a spectrans state_dict holds spectrans's buffers, and the layer computes spectrans's features
        from them (pass ``variant="specref"`` to use them with specref's math)."""
        config.setdefault("variant", "spectrans")
        return super().from_state_dict(state_dict, prefix=prefix, dtype=dtype, strict=strict, xp=xp, **config)

    @staticmethod
    def _check_variant(variant):
        return check_choice(variant, VARIANTS, "variant")

    def _projection_params(self, gen, use_bias: bool) -> dict:
        """nn.Linear's init laws for q, k, v, out projections (D, D), drawn in spectrans's order."""
        e = self.hidden_dim
        params = {}
        for name in _PROJECTIONS:
            params[f"{name}.weight"] = torch_default_weight(gen, (e, e))
            if use_bias:
                params[f"{name}.bias"] = torch_default_bias(gen, (e, e))
        return params

    def _init_dropout(self, p):
        self.dropout = check_probability(p, "dropout")

    # ------------------------------------------------------------------------------------------------
    # hooks

    def _feature_map(self, x, gen) -> FeatureMap:
        """The feature map (3) of one forward (``gen``: the forward's Generator, None without rng)."""
        raise NotImplementedError

    #: eps of (5) (None: unnormalised, spectrans's generalized)
    _eps: float | None = 0.0

    def _feature_error(self) -> float:
        """The feature stage's error constant (3) (each class derives its own)."""
        raise NotImplementedError

    def _feature_count(self) -> int:
        """m, the features per head."""
        return self.num_features

    def _dropout_shapes(self, shape: tuple) -> dict:
        """The keep-mask shape of each dropout for an input of ``shape``."""
        return {"dropout": shape}

    def error_scale(self, n: int) -> float:
        r"""The claim :math:`c` (forward relative error :math:`\le c\,\epsilon`) for sequences of length n.

        The sum of the stages' constants, doubled for propagation through O(1)-conditioned stages: four length-D
        projections :math:`1.5 D + 2`, the feature map (:meth:`_feature_error`), linear attention's length-m dots
        and length-N sums of positive terms :math:`2(1.5 m + 1.5 N + 2) + 1` (times 10 for signed features: the
        cases keep the normalisers a tenth of their median from 0), dropout 1.
        """
        m = self._feature_count()
        core = 2.0 * (1.5 * m + 1.5 * n + 2.0) + 1.0
        if signed_features(self):
            core /= DEN_GAP
        return 2.0 * (4.0 * (1.5 * self.hidden_dim + 2.0) + self._feature_error() + core + 1.0)

    def _check_return_attention(self, return_attention):
        if check_flag(return_attention, "return_attention"):
            raise ValueError(f"{type(self).__name__}: {_NO_WEIGHTS}")

    # ------------------------------------------------------------------------------------------------
    # forward and backward

    def forward(self, x, *, mask=None, causal: bool = False, return_attention: bool = False, training: bool = False,
                rng=None, masks=None):
        """``(y, ctx)``: equations (1)-(7) of :mod:`specref.layers.attention._linear_base`.

        Parameters
        ----------
        x : array, float32 or float64, shape (..., N, D) with at least three axes
        mask : bool array (..., N), optional
            True = keep (spectrans's convention): a masked token is no key (its features and value are zeroed).
        causal : bool
            Query i attends to keys j <= i only (the prefix-sum form).
        return_attention : bool
            Linear attention forms no weights: True raises (KernelAttention's polynomial path accepts it).
        training : bool
            Apply the dropouts (``dropout > 0``).
        rng : int or numpy.random.Generator, optional
            Draws the redrawn projection (``feature_redraw``), then the dropout keep-masks.
        masks : dict, optional
            Injected dropout keep-masks (``"dropout"``: (..., N, D)).

        Raises
        ------
        ValueError
            For fewer than three axes, a last axis other than D, a mask of the wrong shape, return_attention
            where no weights are formed, a redraw or dropout in training mode without rng.
        TypeError
            For non-float input, a precision other than the params', a mask that is not boolean.
        """
        name = type(self).__name__
        check_sequence_input(x, self.hidden_dim, layer=name)
        self._check_input(x)
        check_keep_mask(x, mask, layer=name)
        causal = check_flag(causal, "causal")
        self._check_return_attention(return_attention)
        xp = namespace(x)
        gen = None if rng is None else as_generator(rng)
        p = {**self.buffers, **self.params}
        if mask is not None:
            mask = xp.asarray(mask, device=device_of(x))
        proj = {c: linear(x, p[f"{c}_proj.weight"], p.get(f"{c}_proj.bias")) for c in "qkv"}  # (1)
        qh, kh, vh = (_split_heads(xp, proj[c], self.num_heads) for c in "qkv")  # (2)
        keep = None
        if mask is not None:
            keep = xp.expand_dims(xp.expand_dims(xp.astype(mask, x.dtype), axis=-2), axis=-1)  # (..., 1, N, 1)
        o, mix, weights = self._mix(xp, x, qh, kh, vh, mask, keep, causal, gen, training, masks)  # (3)-(5)
        merged = _merge_heads(xp, o)  # (6)
        out = linear(merged, p["out_proj.weight"], p.get("out_proj.bias"))  # (6)
        drop = self._dropout_mask("dropout", tuple(out.shape), self.dropout, x=x, training=training, rng=gen,
                                  masks=masks)
        y = out if drop is None else dropout(out, mask=drop, p=self.dropout)  # (7)
        ctx = LinearAttentionCtx(dtype=dtype_name(x.dtype), x=x, keep=keep, qh=qh, kh=kh, vh=vh, mix=mix,
                                 merged=merged, out=out, drop_mask=drop, weights=weights, causal=causal)
        return y, ctx

    def _mix(self, xp, x, qh, kh, vh, mask, keep, causal, gen, training, masks):
        """Equations (3)-(5): ``(o, FeatureMixCtx, None)``."""
        fm = self._feature_map(x, gen)
        uq, uk = (qh, kh) if fm.kind != "positive" else (fm.scale * qh, fm.scale * kh)
        keep_rows = None if mask is None else _keep_rows(xp, mask, tuple(kh.shape))
        phi_q, phi_k = _features(xp, fm, uq, uk, keep_rows, self.head_dim)  # (3)
        lin_q, lin_k, v_in = phi_q, phi_k, vh
        if keep is not None:
            lin_k, v_in = phi_k * keep, vh * keep  # (4)
        sentinel = keep is not None and self._eps == 0.0
        if sentinel:  # (5) queries with no kept key: normaliser 1 + ..., numerator 0 (module docstring)
            none = _no_key(xp, mask, causal, tuple(phi_q.shape), x.dtype)
            lin_q = xp.concat([lin_q, none], axis=-1)
            lin_k = xp.concat([lin_k, xp.ones_like(none)], axis=-1)
        if self._eps is None:
            o = _unnormalized(xp, lin_q, lin_k, v_in, causal)  # (5) unnormalised
        else:
            o = linear_attention(lin_q, lin_k, v_in, causal=causal, eps=self._eps)  # (5)
            if causal and fm.stabilize and bool(xp.any(xp.isnan(o))):
                raise FloatingPointError(
                    f"{type(self).__name__}(causal=True): for some query every feature product with its earlier "
                    "keys underflows (the head's exponents span more than the floating-point range, so a "
                    "normaliser is 0): scale the input down, or run without causal, where the stabilisers "
                    "bound every normaliser below by 1/m (module specref.layers.attention._linear_base, Range)")
        mix = FeatureMixCtx(features=fm, uq=uq, uk=uk, phi_q=phi_q, phi_k=phi_k, lin_q=lin_q, lin_k=lin_k,
                            v_in=v_in, o=o, sentinel=sentinel)
        return o, mix, None

    def _mix_vjp(self, xp, ctx, do, causal):
        """Equations (5) to (3) in reverse: ``(dq_t, dk_t, dv_t, kernel grads)``."""
        mix = ctx.mix
        if self._eps is None:
            dlin_q, dlin_k, dv_in = _unnormalized_vjp(xp, do, mix.lin_q, mix.lin_k, mix.v_in, causal)
        else:
            # (5) linear attention's VJP (normaliser included)
            dlin_q, dlin_k, dv_in = linear_attention_vjp(do, mix.lin_q, mix.lin_k, mix.v_in, mix.o, causal=causal,
                                                         eps=self._eps)
        if mix.sentinel:  # (5) the sentinel columns are constants
            dlin_q, dlin_k = dlin_q[..., :-1], dlin_k[..., :-1]
        # (4) phi_k~ = mu phi_k, v~ = mu v: the mask again
        dphi_q, dphi_k, dvh = dlin_q, dlin_k, dv_in
        if ctx.keep is not None:
            dphi_k, dvh = dlin_k * ctx.keep, dv_in * ctx.keep
        # (3) the feature maps' VJPs
        dqh, dkh, grads = _features_vjp(xp, mix, dphi_q, dphi_k, self.head_dim)
        return dqh, dkh, dvh, grads

    def backward(self, ctx: LinearAttentionCtx, dy):
        """``(dx, grads)``: equations (7) to (1) in reverse."""
        self._check_cotangent(ctx, dy, tuple(ctx.x.shape))
        xp = namespace(dy)
        p = {**self.buffers, **self.params}
        # (7) y = drop(out): the dropout's VJP (keep-mask / (1 - p))
        dout = dy if ctx.drop_mask is None else dropout_vjp(dy, ctx.out, ctx.out, mask=ctx.drop_mask, p=self.dropout)
        # (6) out = merged Wo^T + bo
        dmerged, dwo, dbo = linear_vjp(dout, ctx.merged, p["out_proj.weight"], p.get("out_proj.bias"), None)
        # (6) merge heads: its adjoint is the split
        do = _split_heads(xp, dmerged, self.num_heads)
        # (5)-(3)
        dqh, dkh, dvh, kernel_grads = self._mix_vjp(xp, ctx, do, ctx.causal)
        # (2) split heads: its adjoint is the merge; (1) c = x Wc^T + bc
        dx = None
        grads = {}
        for c, g in (("q", dqh), ("k", dkh), ("v", dvh)):
            dxc, dw, db = linear_vjp(_merge_heads(xp, g), ctx.x, p[f"{c}_proj.weight"], p.get(f"{c}_proj.bias"),
                                     None)
            dx = dxc if dx is None else dx + dxc
            grads[f"{c}_proj.weight"] = dw
            if f"{c}_proj.bias" in self.params:
                grads[f"{c}_proj.bias"] = db
        grads["out_proj.weight"] = dwo
        if "out_proj.bias" in self.params:
            grads["out_proj.bias"] = dbo
        grads.update(kernel_grads)
        return dx, {k: grads[k] for k in self.params}


# ----------------------------------------------------------------------------------------------------------
# the feature maps (3) and their VJPs


def _features(xp, fm: FeatureMap, uq, uk, keep_rows, d):
    """``(phi_q, phi_k)`` of (3a)-(3g)."""
    if fm.kind == "positive":  # (3a)-(3d)
        if fm.stabilize:
            return paired_positive_features(uq, uk, fm.projection, keep=keep_rows)
        return positive_features(uq, fm.projection), positive_features(uk, fm.projection)
    if fm.kind == "fourier":  # (3e)
        return rff_features(uq, fm.projection, fm.phase), rff_features(uk, fm.projection, fm.phase)
    if fm.kind == "spectral":  # (3f)
        return fm.kernel.extract_features(uq), fm.kernel.extract_features(uk)
    return relu(uq) * (1.0 / math.sqrt(d)), relu(uk)  # (3g)


def _features_vjp(xp, mix: FeatureMixCtx, dphi_q, dphi_k, d):
    """``(dq_t, dk_t, kernel grads)``: the VJP of (3) (the prescale of (3a)-(3c) included)."""
    fm = mix.features
    if fm.kind == "positive":
        # (3a)-(3d) phi = positive_features(a c, W): dc = a du (stabilisers held constant: exact, see docstring)
        duq, dwq = positive_features_vjp(dphi_q, mix.uq, fm.projection, mix.phi_q)
        duk, dwk = positive_features_vjp(dphi_k, mix.uk, fm.projection, mix.phi_k)
        grads = {}
        if fm.kernel is not None:  # (3c) W = Phi(I) = V diag(w): the kernel's own VJP at x = I
            eye = xp.eye(d, dtype=dwq.dtype, device=device_of(dwq))
            _, kg = fm.kernel.extract_features_vjp(dwq + dwk, eye, fm.projection)
            grads = {f"kernel.{k}": v for k, v in kg.items()}
        return fm.scale * duq, fm.scale * duk, grads
    if fm.kind == "fourier":  # (3e) the phases and frequencies are buffers
        return (rff_features_vjp(dphi_q, mix.uq, fm.projection, fm.phase, mix.phi_q)[0],
                rff_features_vjp(dphi_k, mix.uk, fm.projection, fm.phase, mix.phi_k)[0], {})
    if fm.kind == "spectral":  # (3f) the kernel's VJP for q and for k, its grads summed
        dq, gq = fm.kernel.extract_features_vjp(dphi_q, mix.uq, mix.phi_q)
        dk, gk = fm.kernel.extract_features_vjp(dphi_k, mix.uk, mix.phi_k)
        return dq, dk, {f"kernel.{k}": gq[k] + gk[k] for k in gq}
    # (3g) phi_q = relu(q) / sqrt(d), phi_k = relu(k)
    rq = relu(mix.uq)
    return (relu_vjp(dphi_q * (1.0 / math.sqrt(d)), mix.uq, rq), relu_vjp(dphi_k, mix.uk, mix.phi_k), {})


# ----------------------------------------------------------------------------------------------------------
# unnormalised linear attention (spectrans's generalized Performer): o_i = phi_q_i^T sum_{j in J_i} phi_k_j v_j^T


def _unnormalized(xp, phi_q, phi_k, v, causal):
    if causal:
        return causal_prefix(phi_q, phi_k, v)  # sum_{j <= i} (phi_q_i . phi_k_j) v_j
    return xp.matmul(phi_q, xp.matmul(xp.matrix_transpose(phi_k), v))


def _unnormalized_vjp(xp, g, phi_q, phi_k, v, causal):
    """``(dphi_q, dphi_k, dv)`` of :func:`_unnormalized`: :math:`\\bar\\phi_{q,i} = \\sum_{j \\in J_i}
    (g_i\\cdot v_j)\\phi_{k,j}`, :math:`\\bar\\phi_{k,j} = \\sum_{i: j \\in J_i} (v_j\\cdot g_i)\\phi_{q,i}`,
    :math:`\\bar v_j = \\sum_{i: j \\in J_i} (\\phi_{k,j}\\cdot\\phi_{q,i}) g_i`."""
    if causal:
        return (causal_prefix(g, v, phi_k), causal_prefix(v, g, phi_q, reverse=True),
                causal_prefix(phi_k, phi_q, g, reverse=True))
    ds = xp.matmul(xp.matrix_transpose(phi_q), g)  # dS = phi_q^T g, S = phi_k^T v
    s = xp.matmul(xp.matrix_transpose(phi_k), v)
    return xp.matmul(g, xp.matrix_transpose(s)), xp.matmul(v, xp.matrix_transpose(ds)), xp.matmul(phi_k, ds)
