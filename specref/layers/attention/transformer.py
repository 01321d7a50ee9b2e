r"""TransformerEncoderLayer and TransformerEncoder as ``torch.nn`` computes them, with hand-derived backward.

:class:`TransformerEncoderLayer` is ``torch.nn.TransformerEncoderLayer`` (torch's parameter names, shapes,
initialisation laws and order of operations; batch-first by default here). With :math:`\mathrm{SA}` the
multi-head self-attention (:class:`specref.layers.attention.softmax.MultiheadAttention`, child
``"self_attn"``), :math:`\mathrm{FF}(u) = \operatorname{drop}(\phi(u W_1^T + b_1)) W_2^T + b_2` (``linear1``,
dropout ``"dropout"``, ``linear2``; :math:`\phi` relu or the exact gelu) and :math:`\mathrm{LN}_{1,2}`
(``norm1``, ``norm2``), the layer computes, for input :math:`x` (..., L, E):

.. math::

    \text{post-norm (default):}\quad &s = x,\ r_1 = x + \operatorname{drop}_1(\mathrm{SA}(s)),\
        x_1 = \mathrm{LN}_1(r_1),\ u = x_1,\ r_2 = x_1 + \operatorname{drop}_2(\mathrm{FF}(u)),\
        y = \mathrm{LN}_2(r_2) \\
    \text{pre-norm (norm\_first):}\quad &s = \mathrm{LN}_1(x),\ r_1 = x + \operatorname{drop}_1(\mathrm{SA}(s)),\
        x_1 = r_1,\ u = \mathrm{LN}_2(x_1),\ r_2 = x_1 + \operatorname{drop}_2(\mathrm{FF}(u)),\ y = r_2

(torch's ``_sa_block`` and ``_ff_block``; steps (1)-(6) below, the backward (6*)-(1*) their reverse). The
dropouts, in the order applied: ``"self_attn.dropout"`` (on the attention weights), ``"dropout1"``,
``"dropout"``, ``"dropout2"``.

:class:`TransformerEncoder` is ``torch.nn.TransformerEncoder(layer, num_layers, norm)``: ``num_layers``
layers ``"layers.{i}."`` applied in turn, which start as identical copies of one drawn layer (torch
deep-copies the layer it is given), then an optional final layer norm ``"norm"``.

torch's eval-mode fast paths compute the same function: ``torch._transformer_encoder_layer_fwd`` (taken only
without autograd, for an even head count) and, in the encoder with a ``src_key_padding_mask``, nested tensors,
which return 0 at the padded positions (a storage choice, not the math: specref returns the layer's value
there, as torch's regular path does). validation/test_torch_transformer.py compares both paths.

Model width 1 (``d_model = 1``, as spectrans's WaveletMixing2D builds it): a layer norm over one feature
subtracts the feature itself, so it returns its bias and passes no gradient; a post-norm layer's output is
then ``norm2.bias`` for every input and its input gradient is exactly 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from specref._args import check_choice, check_flag, check_nonnegative_float, check_positive_int, check_probability
from specref.backend import as_generator, dtype_name, namespace
from specref.layers._init import torch_default_bias, torch_default_weight
from specref.layers.attention.softmax import MultiheadAttention
from specref.layers.base import Layer, LayerCtx, check_sequence_input, child_masks, layer_case, nest, prefixed
from specref.layers.feedforward import bias_away_from_kinks
from specref.ops.activations import ACTIVATIONS
from specref.ops.dropout import dropout, dropout_vjp
from specref.ops.linear import linear, linear_vjp
from specref.ops.norm import layer_norm, layer_norm_vjp
from specref.testing.tolerances import summation_factor

__all__ = ["TransformerEncoderLayer", "TransformerEncoderLayerCtx", "TransformerEncoder", "TransformerEncoderCtx"]

#: the activations torch's TransformerEncoderLayer accepts by name
_ENCODER_ACTIVATIONS = ("relu", "gelu")


def _check_activation(activation) -> str:
    if callable(activation):
        raise TypeError(
            "TransformerEncoderLayer: torch also accepts a callable activation, specref only the names 'relu' and "
            f"'gelu' (each needs its hand-written VJP); got {activation!r}")
    return check_choice(activation, _ENCODER_ACTIVATIONS, "activation")


@dataclass(frozen=True)
class TransformerEncoderLayerCtx(LayerCtx):
    """What :meth:`TransformerEncoderLayer.backward` reads; names follow the module docstring."""

    x: object  # input (..., L, E)
    s: object  # (1) the attention's input: x (post-norm) or LN1(x) (pre-norm)
    sa_ctx: object  # (1) the self-attention's ctx
    a: object  # (1) SA(s)
    mask1: object | None  # (2) keep-mask of "dropout1"
    r1: object  # (2) x + drop1(a)
    x1: object  # (3) LN1(r1) (post-norm) or r1 (pre-norm)
    u: object  # (4) the FFN's input: x1 (post-norm) or LN2(x1) (pre-norm)
    h: object  # (4) linear1(u), (..., L, F)
    g: object  # (4) act(h)
    mask: object | None  # (4) keep-mask of "dropout"
    g_drop: object  # (4) drop(g)
    f: object  # (5) linear2(g_drop)
    mask2: object | None  # (5) keep-mask of "dropout2"
    r2: object  # (5) x1 + drop2(f)
    y: object  # (6) LN2(r2) (post-norm) or r2 (pre-norm)


class TransformerEncoderLayer(Layer):
    r"""``torch.nn.TransformerEncoderLayer``: self-attention and a feed-forward network, each with a residual
    and a layer norm (after the residual, or before the block with ``norm_first``).

    Parameters
    ----------
    d_model : int
        E, the feature size.
    nhead : int
        The number of attention heads (E must be divisible by it).
    dim_feedforward : int
        F, the FFN's hidden size (torch's default 2048).
    dropout : float in [0, 1)
        p of the four dropouts (``"self_attn.dropout"``, ``"dropout1"``, ``"dropout"``, ``"dropout2"``).
    activation : {"relu", "gelu"}
        The FFN's activation (torch's default relu; gelu is the exact erf form, which array-api-strict cannot
        run). torch also accepts a callable: specref refuses it (TypeError), a callable has no VJP here.
    layer_norm_eps : float
        eps of both layer norms.
    batch_first : bool
        True (default here; torch's default is False): input (..., L, E), any leading batch shape. False: torch's
        (L, B, E), three axes.
    norm_first : bool
        Pre-norm: :math:`x + \mathrm{SA}(\mathrm{LN}_1 x)`, then :math:`x_1 + \mathrm{FF}(\mathrm{LN}_2 x_1)`.
    bias : bool
        Biases in the attention's projections, the two linear maps and the two layer norms (torch's ``bias``).
    seed : int or numpy.random.Generator, keyword-only
        torch's initialisation laws in torch's order: the attention's (:class:`MultiheadAttention`), then
        ``linear1`` and ``linear2`` as ``nn.Linear`` (weight, then bias), layer norms 1 and 0. Never torch's
        numbers: load a state_dict to compare.

    Attributes
    ----------
    params : dict
        torch's ``named_parameters()``: ``self_attn.in_proj_weight`` (3E, E), ``self_attn.in_proj_bias`` (3E,),
        ``self_attn.out_proj.weight`` (E, E), ``self_attn.out_proj.bias`` (E,), ``linear1.weight`` (F, E),
        ``linear1.bias`` (F,), ``linear2.weight`` (E, F), ``linear2.bias`` (E,), ``norm1.weight``, ``norm1.bias``,
        ``norm2.weight``, ``norm2.bias`` (E,) (no biases with ``bias=False``).

    Raises
    ------
    ValueError
        For an unknown activation name, sizes < 1, E not divisible by ``nhead``, ``dropout`` outside [0, 1), a
        negative ``layer_norm_eps``.
    TypeError
        For a callable activation, sizes that are not integers, flags that are not bool.

    Notes
    -----
    ``forward(src, *, src_mask=None, src_key_padding_mask=None, training=False, rng=None, masks=None) -> (y,
    ctx)``: ``src_mask`` is the attention's ``attn_mask`` ((L, L) or (..., h, L, L); bool True = not allowed,
    or float, added) and ``src_key_padding_mask`` (..., L) its ``key_padding_mask`` (True = padding), torch's
    semantics. ``is_causal`` is not an argument: pass the causal ``src_mask``. ``backward(ctx, dy) -> (dx,
    grads)``.

    Examples
    --------
    >>> import numpy as np
    >>> layer = TransformerEncoderLayer(d_model=4, nhead=2, dim_feedforward=8, dropout=0.0)
    >>> list(layer.params)[:4]
    ['self_attn.in_proj_weight', 'self_attn.in_proj_bias', 'self_attn.out_proj.weight', 'self_attn.out_proj.bias']
    >>> x = np.random.default_rng(0).standard_normal((2, 5, 4))
    >>> y, ctx = layer.forward(x, src_key_padding_mask=np.array([[False] * 5, [False] * 3 + [True] * 2]))
    >>> dx, grads = layer.backward(ctx, np.ones_like(y))
    >>> y.shape, dx.shape, list(grads) == list(layer.params)
    ((2, 5, 4), (2, 5, 4), True)
    """

    dropout_names = ("self_attn.dropout", "dropout1", "dropout", "dropout2")

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str = "relu", layer_norm_eps: float = 1e-5, batch_first: bool = True,
                 norm_first: bool = False, bias: bool = True, *, seed=0):
        self.activation = _check_activation(activation)
        self.d_model = check_positive_int(d_model, "d_model")
        self.nhead = check_positive_int(nhead, "nhead")
        self.dim_feedforward = check_positive_int(dim_feedforward, "dim_feedforward")
        self.dropout = check_probability(dropout, "dropout")
        self.layer_norm_eps = check_nonnegative_float(layer_norm_eps, "layer_norm_eps")
        self.batch_first = check_flag(batch_first, "batch_first")
        self.norm_first = check_flag(norm_first, "norm_first")
        self.bias = check_flag(bias, "bias")
        e, f = self.d_model, self.dim_feedforward
        gen = as_generator(seed)
        attention = MultiheadAttention(e, self.nhead, dropout=self.dropout, bias=self.bias,
                                       batch_first=self.batch_first, seed=gen)  # torch builds self_attn first
        self._children = {"self_attn": attention}
        params, _ = nest(self._children)
        for name, shape in (("linear1", (f, e)), ("linear2", (e, f))):  # then linear1, linear2 (nn.Linear laws)
            params[f"{name}.weight"] = torch_default_weight(gen, shape)
            if self.bias:
                params[f"{name}.bias"] = torch_default_bias(gen, shape)
        for name in ("norm1", "norm2"):
            params[f"{name}.weight"] = np.ones(e)
            if self.bias:
                params[f"{name}.bias"] = np.zeros(e)
        self._init_arrays(params)

    def error_scale(self, length: int) -> float:
        r"""The claim :math:`c` (forward relative error :math:`\le c\,\epsilon`) for sequences of ``length``.

        The attention's claim (:meth:`MultiheadAttention.error_scale`), two layer norms
        :math:`2(1.5(1 + \log_2 E + 1) + 4)` each (:mod:`specref.ops.norm`'s claim at O(1) offset), the two
        linear maps :math:`1.5 n + 2` (n = E, F), the activation 8, three dropouts and two residuals 1 each,
        summed and doubled for the propagation through O(1)-conditioned stages.
        """
        e, f = self.d_model, self.dim_feedforward
        ln = 2.0 * (1.5 * (1.0 + summation_factor(e)) + 4.0)
        attention = self._children["self_attn"].error_scale(length, length)
        return 2.0 * (attention + 2.0 * ln + (1.5 * e + 2.0) + 8.0 + (1.5 * f + 2.0) + 5.0)

    def _norm(self, apply: bool, name: str, x):
        """``LN_name(x)`` where ``apply`` (the norm sits at this step in this variant), else ``x``."""
        if not apply:
            return x
        p = self.params
        return layer_norm(x, p[f"{name}.weight"], p.get(f"{name}.bias"), eps=self.layer_norm_eps)

    def _norm_vjp(self, apply: bool, name: str, dy, x, y, grads: dict):
        """The VJP of :meth:`_norm` (``dy`` itself where it is the identity); the norm's grads go into ``grads``."""
        if not apply:
            return dy
        p = self.params
        dx, dw, db = layer_norm_vjp(dy, x, p[f"{name}.weight"], p.get(f"{name}.bias"), y, eps=self.layer_norm_eps)
        grads[f"{name}.weight"] = dw
        if self.bias:
            grads[f"{name}.bias"] = db
        return dx

    def _drop(self, name, x, *, training, rng, masks):
        mask = self._dropout_mask(name, tuple(x.shape), self.dropout, x=x, training=training, rng=rng, masks=masks)
        return mask, (x if mask is None else dropout(x, mask=mask, p=self.dropout))

    def forward(self, src, *, src_mask=None, src_key_padding_mask=None, training: bool = False, rng=None,
                masks=None):
        """``(y, ctx)``: steps (1)-(6) of the module docstring.

        Parameters
        ----------
        src : array, float32 or float64, shape (..., L, E) ((L, B, E) when ``batch_first`` is False)
        src_mask : array, optional
            The attention's ``attn_mask``, (L, L) or (..., h, L, L), bool (True = not allowed) or float.
        src_key_padding_mask : array (..., L), optional
            Bool, True = the position is padding (no query attends to it); or float, added.
        training : bool
            Apply the dropouts (``dropout > 0``).
        rng : int or numpy.random.Generator, optional
            Draws the dropout masks, in the order of ``dropout_names``.
        masks : dict, optional
            Injected keep-masks by name: ``"self_attn.dropout"`` (..., h, L, L), ``"dropout1"``, ``"dropout2"``
            of the input's shape, ``"dropout"`` (..., L, F).

        Raises
        ------
        ValueError
            For fewer than three axes, a feature size other than E, masks of the wrong shape or name, dropout
            in training mode without rng or masks.
        TypeError
            For non-float input or a precision other than the params', masks neither bool nor float.
        """
        check_sequence_input(src, self.d_model, name="src", layer="TransformerEncoderLayer")
        self._check_input(src, name="src")
        if masks:  # unknown mask names are refused even in eval mode
            self._dropout_mask("dropout", (), 0.0, x=src, training=False, rng=None, masks=masks)
        rng = None if rng is None else as_generator(rng)  # one stream for the four masks
        p = self.params
        act = ACTIVATIONS[self.activation][0]
        drop = {"training": training, "rng": rng, "masks": masks}
        x = src
        s = self._norm(self.norm_first, "norm1", x)  # (1) the attention's input
        a, sa_ctx = self._child("self_attn").forward(
            s, key_padding_mask=src_key_padding_mask, attn_mask=src_mask, training=training, rng=rng,
            masks=child_masks(masks, "self_attn"))  # (1) SA(s)
        mask1, a_drop = self._drop("dropout1", a, **drop)
        r1 = x + a_drop  # (2)
        x1 = self._norm(not self.norm_first, "norm1", r1)  # (3)
        u = self._norm(self.norm_first, "norm2", x1)  # (4) the FFN's input
        h = linear(u, p["linear1.weight"], p.get("linear1.bias"))
        g = act(h)
        mask, g_drop = self._drop("dropout", g, **drop)
        f = linear(g_drop, p["linear2.weight"], p.get("linear2.bias"))  # (5)
        mask2, f_drop = self._drop("dropout2", f, **drop)
        r2 = x1 + f_drop
        y = self._norm(not self.norm_first, "norm2", r2)  # (6)
        ctx = TransformerEncoderLayerCtx(dtype=dtype_name(src.dtype), x=x, s=s, sa_ctx=sa_ctx, a=a, mask1=mask1,
                                         r1=r1, x1=x1, u=u, h=h, g=g, mask=mask, g_drop=g_drop, f=f, mask2=mask2,
                                         r2=r2, y=y)
        return y, ctx

    def backward(self, ctx: TransformerEncoderLayerCtx, dy):
        """``(dx, grads)``: (6*) to (1*), the forward's steps in reverse."""
        self._check_cotangent(ctx, dy, tuple(ctx.y.shape))
        p = self.params
        grads = {}
        # (6*) y = LN2(r2) (post-norm) or y = r2 (pre-norm)
        dr2 = self._norm_vjp(not self.norm_first, "norm2", dy, ctx.r2, ctx.y, grads)
        # (5*) r2 = x1 + drop2(f), f = g~ W2^T + b2: dx1 = dr2 (residual), df = m2 dr2 / (1 - p)
        df = dr2 if ctx.mask2 is None else dropout_vjp(dr2, ctx.f, None, mask=ctx.mask2, p=self.dropout)
        dg_drop, dw2, db2 = linear_vjp(df, ctx.g_drop, p["linear2.weight"], p.get("linear2.bias"), ctx.f)
        # (4*) g~ = drop(g), g = phi(h), h = u W1^T + b1
        dg = dg_drop if ctx.mask is None else dropout_vjp(dg_drop, ctx.g, ctx.g_drop, mask=ctx.mask, p=self.dropout)
        dh = ACTIVATIONS[self.activation][1](dg, ctx.h, ctx.g)
        du, dw1, db1 = linear_vjp(dh, ctx.u, p["linear1.weight"], p.get("linear1.bias"), ctx.h)
        # (4*) u = LN2(x1) (pre-norm) or u = x1 (post-norm); the residual adds dr2
        dx1 = dr2 + self._norm_vjp(self.norm_first, "norm2", du, ctx.x1, ctx.u, grads)
        # (3*) x1 = LN1(r1) (post-norm) or x1 = r1 (pre-norm)
        dr1 = self._norm_vjp(not self.norm_first, "norm1", dx1, ctx.r1, ctx.x1, grads)
        # (2*) r1 = x + drop1(a): dx = dr1 (residual), da = m1 dr1 / (1 - p)
        da = dr1 if ctx.mask1 is None else dropout_vjp(dr1, ctx.a, None, mask=ctx.mask1, p=self.dropout)
        # (1*) a = SA(s): the attention's backward (self-attention: one input gradient)
        ds, sa_grads = self._child("self_attn").backward(ctx.sa_ctx, da)
        # (1*) s = LN1(x) (pre-norm) or s = x (post-norm); the residual adds dr1
        dx = dr1 + self._norm_vjp(self.norm_first, "norm1", ds, ctx.x, ctx.s, grads)
        grads.update(prefixed("self_attn", sa_grads))
        grads.update({"linear1.weight": dw1, "linear2.weight": dw2})
        if self.bias:
            grads.update({"linear1.bias": db1, "linear2.bias": db2})
        return dx, {k: grads[k] for k in p}  # in the params' (torch's) order


@dataclass(frozen=True)
class TransformerEncoderCtx(LayerCtx):
    """What :meth:`TransformerEncoder.backward` reads."""

    layers: tuple  # each layer's ctx, in order
    z: object  # the last layer's output
    y: object  # norm(z) with a final norm, else z


class TransformerEncoder(Layer):
    r"""``torch.nn.TransformerEncoder(TransformerEncoderLayer(...), num_layers, norm)``: the layers in turn,
    then an optional final layer norm.

    Parameters
    ----------
    num_layers : int
        The number of layers, ``"layers.{i}."`` (i = 0, ..., num_layers - 1).
    d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, norm_first
        Each layer's (:class:`TransformerEncoderLayer`, batch-first).
    final_norm : bool
        A final ``nn.LayerNorm(d_model, eps=layer_norm_eps)`` named ``"norm"`` (torch's ``norm=`` argument;
        False: none).
    seed : int or numpy.random.Generator, keyword-only
        One layer is drawn and copied into every position, as torch deep-copies the layer it is given (torch
        warns that the layers start identical); the final norm starts at 1 and 0.

    Attributes
    ----------
    params : dict
        ``"layers.{i}.<name>"`` for each of :class:`TransformerEncoderLayer`'s names, then ``"norm.weight"``,
        ``"norm.bias"`` with ``final_norm``: torch's ``named_parameters()``.

    Notes
    -----
    ``forward(src, *, mask=None, src_key_padding_mask=None, training=False, rng=None, masks=None)`` (torch's
    names: ``mask`` is each layer's ``src_mask``); ``masks`` are keyed ``"layers.{i}.<dropout>"``.
    ``backward(ctx, dy) -> (dx, grads)``. torch's nested-tensor fast path (eval mode, no autograd, a padding
    mask) returns 0 at padded positions; specref, as torch's regular path, the layers' values there.

    Examples
    --------
    >>> import numpy as np
    >>> enc = TransformerEncoder(2, d_model=4, nhead=2, dim_feedforward=8, final_norm=True)
    >>> len(enc.params), list(enc.params)[-2:]
    (26, ['norm.weight', 'norm.bias'])
    >>> x = np.random.default_rng(0).standard_normal((2, 5, 4))
    >>> y, ctx = enc.forward(x)
    >>> dx, grads = enc.backward(ctx, np.ones_like(y))
    >>> y.shape, dx.shape
    ((2, 5, 4), (2, 5, 4))
    """

    def __init__(self, num_layers: int, *, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str = "relu", layer_norm_eps: float = 1e-5,
                 norm_first: bool = False, final_norm: bool = False, seed=0):
        self.num_layers = check_positive_int(num_layers, "num_layers")
        layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                                        norm_first=norm_first, seed=seed)
        self.d_model, self.nhead, self.dim_feedforward = layer.d_model, layer.nhead, layer.dim_feedforward
        self.dropout, self.activation, self.layer_norm_eps = layer.dropout, layer.activation, layer.layer_norm_eps
        self.norm_first = layer.norm_first
        self.final_norm = check_flag(final_norm, "final_norm")
        self._children = {f"layers.{i}": layer for i in range(self.num_layers)}  # identical copies, as torch's
        self.dropout_names = tuple(f"{name}.{d}" for name in self._children for d in layer.dropout_names)
        params, _ = nest(self._children)
        if self.final_norm:
            params["norm.weight"], params["norm.bias"] = np.ones(layer.d_model), np.zeros(layer.d_model)
        self._init_arrays(params)

    def error_scale(self, length: int) -> float:
        r"""The claim :math:`c`: the layers' claims summed (:meth:`TransformerEncoderLayer.error_scale`), plus the
        final layer norm's :math:`2(1.5(1 + \log_2 E + 1) + 4)`."""
        ln = 2.0 * (1.5 * (1.0 + summation_factor(self.d_model)) + 4.0) if self.final_norm else 0.0
        return self.num_layers * self._children["layers.0"].error_scale(length) + ln

    def forward(self, src, *, mask=None, src_key_padding_mask=None, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: each layer in turn (``mask`` is their ``src_mask``), then the final norm.

        Raises
        ------
        ValueError, TypeError
            As :meth:`TransformerEncoderLayer.forward`; a mask name other than ``"layers.{i}.<dropout>"``.
        """
        check_sequence_input(src, self.d_model, name="src", layer="TransformerEncoder")
        self._check_input(src, name="src")
        if masks:  # unknown mask names are refused even in eval mode
            self._dropout_mask("", (), 0.0, x=src, training=False, rng=None, masks=masks)
        rng = None if rng is None else as_generator(rng)
        z, ctxs = src, []
        for name in self._children:
            z, c = self._child(name).forward(z, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                                             training=training, rng=rng, masks=child_masks(masks, name))
            ctxs.append(c)
        y = layer_norm(z, self.params["norm.weight"], self.params["norm.bias"],
                       eps=self.layer_norm_eps) if self.final_norm else z
        return y, TransformerEncoderCtx(dtype=dtype_name(src.dtype), layers=tuple(ctxs), z=z, y=y)

    def backward(self, ctx: TransformerEncoderCtx, dy):
        """``(dx, grads)``: the final norm's VJP, then each layer's backward, last layer first."""
        self._check_cotangent(ctx, dy, tuple(ctx.y.shape))
        p = self.params
        grads = {}
        dz = dy
        if self.final_norm:  # y = LN(z)
            dz, grads["norm.weight"], grads["norm.bias"] = layer_norm_vjp(
                dy, ctx.z, p["norm.weight"], p["norm.bias"], ctx.y, eps=self.layer_norm_eps)
        for name, c in zip(reversed(tuple(self._children)), reversed(ctx.layers), strict=True):
            dz, g = self._child(name).backward(c, dz)  # z_{i+1} = layer_i(z_i)
            grads.update(prefixed(name, g))
        return dz, {k: grads[k] for k in p}


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _randomize(layer: Layer, gen) -> Layer:
    """Every param O(1): weights N(0, 1/fan_in), biases N(0, 1/4), norm weights 1 + N(0, 1/4), so every gradient
    is checked at a generic point (torch's init has zero attention biases and unit norms)."""
    new = {}
    for name, value in layer.params.items():
        shape = tuple(value.shape)
        draw = gen.standard_normal(shape)
        if "norm" in name.rsplit(".", 2)[-2] and name.endswith("weight"):
            draw = 1.0 + 0.5 * draw
        elif name.endswith("bias"):
            draw = 0.5 * draw
        else:
            draw = draw / math.sqrt(shape[1])
        new[name] = draw
    return layer.with_params(new)


def _build_layer(seed, *, L, batch=(2,), **point):  # noqa: N803  (L: the sequence length)
    gen = np.random.default_rng(seed)
    return _randomize(TransformerEncoderLayer(**point, seed=gen), gen)


def _build_encoder(seed, *, L, batch=(2,), num_layers=2, **point):  # noqa: N803
    gen = np.random.default_rng(seed)
    return _randomize(TransformerEncoder(num_layers, **point, seed=gen), gen)


def _input_shape(point) -> tuple:
    return (*point.get("batch", (2,)), point["L"], point["d_model"])


def _layer_ctxs(layer, x):
    ctx = layer.forward(x)[1]
    return (ctx,) if isinstance(layer, TransformerEncoderLayer) else ctx.layers


def _away_from_kinks(layer, x, rng):
    """For relu, each ``linear1.bias`` redrawn away from the kink (:func:`bias_away_from_kinks`), layer by layer:
    the later layers' inputs depend on the earlier biases."""
    heads = [""] if isinstance(layer, TransformerEncoderLayer) else [f"{n}." for n in layer._children]
    for i, head in enumerate(heads):
        layer = bias_away_from_kinks(layer, f"{head}linear1.bias", _layer_ctxs(layer, x)[i].h, rng)
    return layer


def _padding(x):
    """A key padding mask (..., L): the last position padded in every other sequence (the first, the third...),
    never a whole sequence (torch's regular path gives NaN there)."""
    shape = tuple(x.shape[:-1])
    host = np.zeros(shape, dtype=bool)
    host.reshape(-1, shape[-1])[::2, -1] = True
    return namespace(x).asarray(host)


def _forward_kwargs(layer, x, rng):
    """A ``src_key_padding_mask`` (:func:`_padding`); training mode with every dropout's mask injected (drawn
    from the case's rng) when the layer has dropout."""
    kwargs = {"src_key_padding_mask": _padding(x)}
    single = layer if isinstance(layer, TransformerEncoderLayer) else layer._children["layers.0"]
    if single.dropout > 0.0:
        batch, length = tuple(x.shape[:-2]), x.shape[-2]
        shapes = {"self_attn.dropout": (*batch, single.nhead, length, length), "dropout1": tuple(x.shape),
                  "dropout": (*batch, length, single.dim_feedforward), "dropout2": tuple(x.shape)}
        heads = [""] if layer is single else [f"{n}." for n in layer._children]
        kwargs["training"] = True
        kwargs["masks"] = {h + k: rng.random(s) > single.dropout for h in heads for k, s in shapes.items()}
    return kwargs


def _error_scale(cls):
    def scale(point):
        cfg = {k: v for k, v in point.items() if k not in ("L", "batch")}
        if cls is TransformerEncoder:
            return TransformerEncoder(cfg.pop("num_layers", 2), **cfg).error_scale(point["L"])
        return cls(**cfg).error_scale(point["L"])
    return scale


_REASON = ("the attention's claim, two layer norms, two linear maps, activation, dropouts and residuals, summed "
           "and doubled for propagation")
_GELU_LIMIT = {"strict": "GELU's exact (erf) form needs erf/erfc, which the array API standard does not define "
               "(specref.ops.elementwise); the relu points run on strict"}
_SMALL = {"d_model": 4, "nhead": 2, "dim_feedforward": 6, "dropout": 0.0}

CASES = [
    # relu points in eval mode only: a training mode's dropout1 changes the pre-activations away_from_kinks sees
    layer_case(
        TransformerEncoderLayer,
        build=_build_layer,
        input_shape=_input_shape,
        grid=(
            {**_SMALL, "L": 5},  # post-norm
            {**_SMALL, "L": 4, "norm_first": True, "batch": (2, 1)},  # pre-norm, two batch axes
            {**_SMALL, "nhead": 1, "L": 3, "norm_first": True},  # one head
        ),
        error_scale=_error_scale(TransformerEncoderLayer),
        error_reason=_REASON,
        forward_kwargs=_forward_kwargs,
        away_from_kinks=_away_from_kinks,
    ),
    replace(
        layer_case(
            TransformerEncoderLayer,
            name="TransformerEncoderLayerGelu",
            build=_build_layer,
            input_shape=_input_shape,
            grid=(
                {**_SMALL, "L": 4, "activation": "gelu", "dropout": 0.25},
                {**_SMALL, "L": 5, "activation": "gelu", "dropout": 0.25, "norm_first": True},
            ),
            error_scale=_error_scale(TransformerEncoderLayer),
            error_reason=_REASON,
            forward_kwargs=_forward_kwargs,
        ),
        backend_limits=_GELU_LIMIT,
    ),
    # bias=False (no bias to redraw away from relu's kink: gelu), post- and pre-norm
    replace(
        layer_case(
            TransformerEncoderLayer,
            name="TransformerEncoderLayerNoBias",
            build=_build_layer,
            input_shape=_input_shape,
            grid=(
                {**_SMALL, "L": 4, "activation": "gelu", "bias": False},
                {**_SMALL, "L": 3, "activation": "gelu", "bias": False, "norm_first": True, "dropout": 0.25},
            ),
            error_scale=_error_scale(TransformerEncoderLayer),
            error_reason=_REASON,
            forward_kwargs=_forward_kwargs,
        ),
        backend_limits=_GELU_LIMIT,
    ),
    layer_case(
        TransformerEncoder,
        build=_build_encoder,
        input_shape=_input_shape,
        grid=(
            {**_SMALL, "L": 4, "final_norm": True},
            {**_SMALL, "L": 3, "norm_first": True, "final_norm": True},
        ),
        error_scale=_error_scale(TransformerEncoder),
        error_reason=_REASON,
        forward_kwargs=_forward_kwargs,
        away_from_kinks=_away_from_kinks,
    ),
    replace(
        layer_case(
            TransformerEncoder,
            name="TransformerEncoderGelu",
            build=_build_encoder,
            input_shape=_input_shape,
            grid=({**_SMALL, "L": 4, "activation": "gelu", "dropout": 0.25},),
            error_scale=_error_scale(TransformerEncoder),
            error_reason=_REASON,
            forward_kwargs=_forward_kwargs,
        ),
        backend_limits=_GELU_LIMIT,
    ),
]
