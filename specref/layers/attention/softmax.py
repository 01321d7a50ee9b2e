r"""MultiheadAttention: exact softmax attention with h heads, as ``torch.nn.MultiheadAttention`` computes it.

For a query sequence :math:`x_q` (..., Lq, E) and key/value sequences :math:`x_k, x_v` (..., Lk, E) (all three
:math:`x` for self-attention), with :math:`W` = ``in_proj_weight`` (3E, E), :math:`b` = ``in_proj_bias``,
:math:`d = E / h` and heads :math:`t = 1..h`:

.. math::

    q &= x_q W_{[0:E]}^{\mathsf T} + b_{[0:E]}, \quad k = x_k W_{[E:2E]}^{\mathsf T} + b_{[E:2E]}, \quad
         v = x_v W_{[2E:3E]}^{\mathsf T} + b_{[2E:3E]} \qquad (1) \\
    q_t &= q_{\cdot, (t-1)d : td} \text{ (likewise } k_t, v_t) \qquad (2) \\
    P_t &= \operatorname{softmax}\big(q_t k_t^{\mathsf T} / \sqrt d + A_t\big), \quad
          o_t = \tilde P_t v_t \qquad (3) \\
    o &= [o_1, \dots, o_h] \qquad (4) \\
    y &= o W_o^{\mathsf T} + b_o \qquad (5)

(:mod:`specref.ops.attention` gives (3) and its VJP). :math:`A_t` merges torch's two masks: ``key_padding_mask``
(..., Lk), True = the key is padding (ignored), or a float added to every query's scores; and ``attn_mask``
(Lq, Lk) or (..., h, Lq, Lk), True = *not* allowed, or a float added. :math:`\tilde P` is :math:`P` after the
dropout on the weights (``"dropout"``, keep-mask (..., h, Lq, Lk), scale :math:`1/(1-p)`), in training mode.

A query whose every key is masked has weights, output row :math:`o` and gradients 0 (its :math:`y` row is the
bias :math:`b_o`), as torch 2.13 computes with ``need_weights=False`` (its scaled_dot_product_attention path);
with ``need_weights=True``, and in its no-grad inference fast path, torch returns NaN there
(:mod:`specref.ops.attention`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from specref._args import check_flag, check_positive_int, check_probability
from specref.backend import as_generator, check_float_dtype, device_of, dtype_name, finfo_eps, namespace
from specref.layers._init import torch_default_weight, xavier_uniform
from specref.layers.base import Layer, LayerCtx, check_sequence_input, layer_case
from specref.ops.attention import attention_weights, scaled_dot_product_attention_vjp
from specref.ops.dropout import dropout
from specref.ops.linear import linear, linear_vjp
from specref.testing.tolerances import summation_factor

__all__ = ["MultiheadAttention", "MultiheadAttentionCtx"]


@dataclass(frozen=True)
class MultiheadAttentionCtx(LayerCtx):
    """What :meth:`MultiheadAttention.backward` reads; numbers are the equations of the module docstring."""

    self_attention: bool  # key and value were None: one input, dx an array
    query: object  # (..., Lq, E) batch-first input (transposed from (L, B, E) when batch_first=False)
    key: object  # (..., Lk, E), the query for self-attention
    value: object  # (..., Lk, E)
    qh: object  # (2) (..., h, Lq, d)
    kh: object  # (2) (..., h, Lk, d)
    vh: object  # (2) (..., h, Lk, d)
    mask: object | None  # (3) the merged mask A handed to the attention (bool True = attend, or float)
    weights: object  # (3) P, (..., h, Lq, Lk), before dropout
    dropout_mask: object | None  # (3) keep-mask of dropout "dropout" (None when inactive)
    o: object  # (3) (..., h, Lq, d)
    merged: object  # (4) (..., Lq, E)


def _split_heads(xp, x, h):
    """(..., L, E) -> (..., h, L, E/h): head t holds features [t d, (t+1) d)."""
    *batch, length, e = x.shape
    nb = len(batch)
    x = xp.reshape(x, (*batch, length, h, e // h))
    return xp.permute_dims(x, (*range(nb), nb + 1, nb, nb + 2))


def _merge_heads(xp, x):
    """(..., h, L, d) -> (..., L, h d): the inverse (and adjoint) of :func:`_split_heads`."""
    *batch, h, length, d = x.shape
    nb = len(batch)
    x = xp.permute_dims(x, (*range(nb), nb + 1, nb, nb + 2))
    return xp.reshape(x, (*batch, length, h * d))


class MultiheadAttention(Layer):
    r"""Multi-head softmax attention with torch's ``nn.MultiheadAttention`` parameters and semantics.

    Parameters
    ----------
    embed_dim : int
        E, the feature size of query, key and value.
    num_heads : int
        h; E must be divisible by h (head size d = E / h).
    dropout : float
        p of the dropout on the attention weights (name ``"dropout"`` in ``masks=``), in training mode.
    bias : bool
        With ``in_proj_bias`` (3E,) and ``out_proj.bias`` (E,) (torch's ``bias``); without, neither exists.
    batch_first : bool
        True (default here): inputs (..., L, E) with any leading batch shape. False: torch's default layout,
        exactly three axes (L, B, E) for inputs and output (``key_padding_mask`` stays (B, Lk), as in torch).
    seed : int or numpy.random.Generator, keyword-only
        torch's initialisation laws: ``out_proj.weight`` as ``nn.Linear`` (:math:`U(\pm 1/\sqrt E)`), drawn
        first as torch builds ``out_proj`` first, then ``in_proj_weight`` xavier-uniform over (3E, E); both
        biases 0. Never torch's numbers: load a state_dict to compare.

    Attributes
    ----------
    params : dict
        torch's ``named_parameters()``: ``in_proj_weight`` (3E, E), ``in_proj_bias`` (3E,),
        ``out_proj.weight`` (E, E), ``out_proj.bias`` (E,) (biases only with ``bias=True``).

    Raises
    ------
    ValueError
        For sizes < 1, E not divisible by h, ``dropout`` outside [0, 1).
    TypeError
        For sizes that are not integers, flags that are not bool.

    Notes
    -----
    ``forward(query, key=None, value=None, *, key_padding_mask=None, attn_mask=None, training=False, rng=None,
    masks=None) -> (y, ctx)``; ``backward(ctx, dy) -> (dx, grads)`` with ``dx`` an array for self-attention
    (``key`` and ``value`` None: the three input paths summed) and ``(dquery, dkey, dvalue)`` otherwise.
    Not supported (torch's less common options): ``kdim``/``vdim`` other than E, ``add_bias_kv``,
    ``add_zero_attn``, ``is_causal`` (pass the causal ``attn_mask``). ``ctx.weights`` holds the per-head
    weights (..., h, Lq, Lk) (torch's ``need_weights`` returns their mean over heads by default).

    Examples
    --------
    >>> import numpy as np
    >>> mha = MultiheadAttention(8, 2)
    >>> x = np.random.default_rng(0).standard_normal((3, 5, 8))
    >>> y, ctx = mha.forward(x)
    >>> dx, grads = mha.backward(ctx, np.ones_like(y))
    >>> y.shape, ctx.weights.shape, dx.shape, list(grads) == list(mha.params)
    ((3, 5, 8), (3, 2, 5, 5), (3, 5, 8), True)
    """

    dropout_names = ("dropout",)

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 batch_first: bool = True, *, seed=0):
        self.embed_dim = check_positive_int(embed_dim, "embed_dim")
        self.num_heads = check_positive_int(num_heads, "num_heads")
        if self.embed_dim % self.num_heads:
            raise ValueError(f"embed_dim {self.embed_dim} must be divisible by num_heads {self.num_heads} (each "
                             "head gets embed_dim // num_heads features)")
        self.head_dim = self.embed_dim // self.num_heads
        self.dropout = check_probability(dropout, "dropout")
        self.bias = check_flag(bias, "bias")
        self.batch_first = check_flag(batch_first, "batch_first")
        e = self.embed_dim
        gen = as_generator(seed)
        out_w = torch_default_weight(gen, (e, e))  # torch builds out_proj (nn.Linear) first
        in_w = xavier_uniform(gen, (3 * e, e))  # then _reset_parameters: xavier_uniform_(in_proj_weight)
        params = {"in_proj_weight": in_w}
        if self.bias:
            params["in_proj_bias"] = np.zeros(3 * e)
        params["out_proj.weight"] = out_w
        if self.bias:
            params["out_proj.bias"] = np.zeros(e)
        self._init_arrays(params)

    def error_scale(self, lq: int, lk: int) -> float:
        r"""The claim :math:`c` (forward relative error :math:`\le c\,\epsilon`) for Lq queries and Lk keys.

        The sum of the stages' constants, each its primitive's claim, doubled for the propagation through
        O(1)-conditioned stages (O(1) weights and scores): three length-E projections :math:`1.5E + 2`, the
        length-d scores :math:`1.5 d + 2` and the scale 1, the softmax :math:`3 + \log_2 L_k + 1` (an absolute
        score error :math:`\delta` becomes a relative weight error :math:`\delta`, and the scores are O(1)),
        the length-Lk products :math:`1.5 L_k + 2`, dropout 1, the output projection :math:`1.5E + 2`.
        """
        e, d = self.embed_dim, self.head_dim
        stages = ((1.5 * e + 2.0) + (1.5 * d + 3.0) + (4.0 + summation_factor(lk)) + (1.5 * lk + 2.0) + 1.0
                  + (1.5 * e + 2.0))
        return 2.0 * stages

    # -- input checks ----------------------------------------------------------------------------------

    def _layout(self, x, name):
        """The batch-first view of an input: (L, B, E) -> (B, L, E) when ``batch_first`` is False."""
        if self.batch_first:
            return x
        if x.ndim != 3:
            raise ValueError(f"MultiheadAttention(batch_first=False) takes {name} of shape (L, B, E), three axes "
                             f"(torch's layout); got shape {tuple(x.shape)}. Use batch_first=True for any "
                             "leading batch shape (..., L, E)")
        return namespace(x).permute_dims(x, (1, 0, 2))

    def _check_mask(self, mask, name, expected, query):
        """A mask is bool, or float of the query's precision, of one of the ``expected`` shapes."""
        if mask is None:
            return
        namespace(query, mask)
        kind = dtype_name(mask.dtype)
        if kind != "bool":
            try:
                check_float_dtype(mask, allow_complex=False, name=name)
            except TypeError:
                raise TypeError(f"MultiheadAttention: {name} must be boolean or float, got dtype {kind}") from None
            if finfo_eps(mask.dtype) != finfo_eps(query.dtype):
                raise TypeError(f"MultiheadAttention: a float {name} must have the precision of the query "
                                f"({dtype_name(query.dtype)}), got {kind}")
        if tuple(mask.shape) not in expected:
            raise ValueError(f"MultiheadAttention: {name} has shape {tuple(mask.shape)}; accepted: "
                             + " or ".join(str(s) for s in expected))

    def _merged_mask(self, xp, query, key_padding_mask, attn_mask):
        r"""The mask :math:`A` of the attention, broadcastable to (..., h, Lq, Lk): None, bool (True = attend)
        when every given mask is bool, else float (torch's convention: a bool True becomes :math:`-\infty`)."""
        parts = []
        if key_padding_mask is not None:  # (..., Lk) -> (..., 1, 1, Lk): the same keys for every head and query
            parts.append(xp.expand_dims(xp.expand_dims(key_padding_mask, axis=-2), axis=-2))
        if attn_mask is not None:
            parts.append(attn_mask)
        if not parts:
            return None
        if all(dtype_name(m.dtype) == "bool" for m in parts):
            allowed = xp.logical_not(parts[0])  # torch's MHA: True = masked out; the primitive: True = attend
            for m in parts[1:]:
                allowed = xp.logical_and(allowed, xp.logical_not(m))
            return allowed
        total, zero = None, xp.zeros((), dtype=query.dtype, device=device_of(query))
        for m in parts:
            f = xp.where(m, -math.inf, zero) if dtype_name(m.dtype) == "bool" else m
            total = f if total is None else total + f
        return total

    # -- forward and backward ----------------------------------------------------------------------------

    def forward(self, query, key=None, value=None, *, key_padding_mask=None, attn_mask=None, training=False,
                rng=None, masks=None):
        """``(y, ctx)``: equations (1)-(5) of the module docstring.

        Parameters
        ----------
        query : array, float32 or float64, shape (..., Lq, E) ((Lq, B, E) when ``batch_first`` is False)
        key, value : arrays of one shape (..., Lk, E), optional
            Both None: self-attention (key = value = query). The batch shape is the query's.
        key_padding_mask : array (..., Lk), optional
            Bool, True = the key is padding and is ignored; or float (the query's precision), added.
        attn_mask : array (Lq, Lk) or (..., h, Lq, Lk), optional
            Bool, True = the query may *not* attend to the key; or float, added to the scores.
        training : bool
            Apply the dropout on the weights (``dropout > 0``).
        rng : int or numpy.random.Generator, optional
            Draws the dropout keep-mask.
        masks : dict, optional
            ``{"dropout": keep_mask}`` of shape (..., h, Lq, Lk), injected instead of drawn.

        Raises
        ------
        ValueError
            For inputs of fewer than three axes, a feature size other than E, key and value of two shapes or of
            another batch shape, masks of the wrong shape (naming the accepted ones), dropout without rng or mask.
        TypeError
            For non-float input, a precision other than the params', masks neither bool nor float, a float mask
            of another precision.
        """
        e, h = self.embed_dim, self.num_heads
        if (key is None) != (value is None):
            raise ValueError("MultiheadAttention: pass both key and value (cross-attention) or neither "
                             "(self-attention on the query)")
        self_attention = key is None
        for a, n in ((query, "query"), (key, "key"), (value, "value")):
            if a is not None:
                check_sequence_input(a, e, name=n, layer="MultiheadAttention")
                self._check_input(a, name=n)
        query = self._layout(query, "query")
        key = query if self_attention else self._layout(key, "key")
        value = query if self_attention else self._layout(value, "value")
        if tuple(key.shape) != tuple(value.shape) or tuple(key.shape[:-2]) != tuple(query.shape[:-2]):
            raise ValueError(f"MultiheadAttention: key {tuple(key.shape)} and value {tuple(value.shape)} must have "
                             f"one shape (..., Lk, E), with the batch shape of the query {tuple(query.shape)} "
                             "(batch-first shapes)")
        xp = namespace(query, key, value, key_padding_mask, attn_mask)
        batch, lq, lk = tuple(query.shape[:-2]), query.shape[-2], key.shape[-2]
        self._check_mask(key_padding_mask, "key_padding_mask", ((*batch, lk),), query)
        self._check_mask(attn_mask, "attn_mask", ((lq, lk), (*batch, h, lq, lk)), query)
        p = self.params
        w, b = p["in_proj_weight"], p.get("in_proj_bias")
        # (1) the projections: one packed map for self-attention (torch's in_projection_packed), else three
        if self_attention:
            qkv = linear(query, w, b)
            q, k, v = qkv[..., :e], qkv[..., e:2 * e], qkv[..., 2 * e:]
        else:
            q, k, v = (linear(x, w[i * e:(i + 1) * e, :], None if b is None else b[i * e:(i + 1) * e])
                       for i, x in enumerate((query, key, value)))
        qh, kh, vh = (_split_heads(xp, t, h) for t in (q, k, v))  # (2)
        mask = self._merged_mask(xp, query, key_padding_mask, attn_mask)
        weights = attention_weights(qh, kh, mask=mask, scale=1.0 / math.sqrt(self.head_dim))  # (3) P
        drop = self._dropout_mask("dropout", tuple(weights.shape), self.dropout, x=query, training=training,
                                  rng=rng, masks=masks)
        o = xp.matmul(weights if drop is None else dropout(weights, mask=drop, p=self.dropout), vh)  # (3) P~ v
        merged = _merge_heads(xp, o)  # (4)
        y = linear(merged, p["out_proj.weight"], p.get("out_proj.bias"))  # (5)
        if not self.batch_first:
            y = xp.permute_dims(y, (1, 0, 2))
        ctx = MultiheadAttentionCtx(dtype=dtype_name(query.dtype), self_attention=self_attention, query=query,
                                    key=key, value=value, qh=qh, kh=kh, vh=vh, mask=mask, weights=weights,
                                    dropout_mask=drop, o=o, merged=merged)
        return y, ctx

    def backward(self, ctx: MultiheadAttentionCtx, dy):
        """``(dx, grads)``: the forward's lines (5) to (1) in reverse; ``dx`` an array for self-attention,
        else ``(dquery, dkey, dvalue)`` (in the input layout)."""
        out_shape = tuple(ctx.merged.shape)
        if not self.batch_first:
            out_shape = (out_shape[1], out_shape[0], out_shape[2])
        self._check_cotangent(ctx, dy, out_shape)
        xp = namespace(dy)
        e = self.embed_dim
        p = self.params
        w, b = p["in_proj_weight"], p.get("in_proj_bias")
        if not self.batch_first:
            dy = xp.permute_dims(dy, (1, 0, 2))
        # (5) y = merged Wo^T + bo: d merged = dy Wo, dWo = dy^T merged, dbo = sum dy
        dmerged, dwo, dbo = linear_vjp(dy, ctx.merged, p["out_proj.weight"], p.get("out_proj.bias"), None)
        # (4) merge is a permutation and reshape: its adjoint is the split
        do = _split_heads(xp, dmerged, self.num_heads)
        # (3) o = P~ v with P = softmax(q k^T / sqrt d + A): dv = P~^T do, dS = P (dP - rowsum(dP P)),
        #     dq = dS k / sqrt d, dk = dS^T q / sqrt d (specref.ops.attention)
        dqh, dkh, dvh = scaled_dot_product_attention_vjp(
            do, ctx.qh, ctx.kh, ctx.vh, ctx.o, mask=ctx.mask, scale=1.0 / math.sqrt(self.head_dim),
            dropout_mask=ctx.dropout_mask, dropout_p=self.dropout, weights=ctx.weights)
        # (2) split is a reshape and permutation: its adjoint is the merge
        dq, dk, dv = (_merge_heads(xp, t) for t in (dqh, dkh, dvh))
        # (1) the projections
        if ctx.self_attention:
            # qkv = x W^T + b: dx = dqkv W (the three paths summed in one product), dW = dqkv^T x, db = sum dqkv
            dqkv = xp.concat([dq, dk, dv], axis=-1)
            dx, dw, db = linear_vjp(dqkv, ctx.query, w, b, None)
            if not self.batch_first:
                dx = xp.permute_dims(dx, (1, 0, 2))
        else:
            # q = x_q W_q^T + b_q, ...: each input's gradient through its own rows; dW, db stacked in row order
            parts = [linear_vjp(g, x, w[i * e:(i + 1) * e, :], None if b is None else b[i * e:(i + 1) * e], None)
                     for i, (g, x) in enumerate(((dq, ctx.query), (dk, ctx.key), (dv, ctx.value)))]
            dw = xp.concat([t[1] for t in parts], axis=0)
            db = None if b is None else xp.concat([t[2] for t in parts], axis=0)
            dx = tuple(t[0] if self.batch_first else xp.permute_dims(t[0], (1, 0, 2)) for t in parts)
        grads = {"in_proj_weight": dw}
        if self.bias:
            grads["in_proj_bias"] = db
        grads["out_proj.weight"] = dwo
        if self.bias:
            grads["out_proj.bias"] = dbo
        return dx, grads


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _build(seed, *, embed_dim, num_heads, bias=True, dropout=0.0, L=4, batch=(2,), masks=None):  # noqa: N803
    """``MultiheadAttention(embed_dim, num_heads, ...)`` with every param redrawn O(1) (weights
    N(0, 1/E), biases N(0, 1/4)), so the scores are O(1) and each gradient is checked at a generic point
    (torch's init has zero biases); ``L``, ``batch`` and ``masks`` shape the input and the forward only."""
    gen = np.random.default_rng(seed)
    layer = MultiheadAttention(embed_dim, num_heads, dropout=dropout, bias=bias, seed=gen)
    new = {}
    for name, value in layer.params.items():
        draw = gen.standard_normal(tuple(value.shape))
        new[name] = 0.5 * draw if name.endswith("bias") else draw / math.sqrt(embed_dim)
    return layer.with_params(new)


def _input_shape(point) -> tuple:
    return (*point.get("batch", (2,)), point.get("L", 4), point["embed_dim"])


def _forward_kwargs_for(point_masks):
    """``forward_kwargs(layer, x, rng)``: the point's masks drawn on the host, moved to x's backend.

    ``"padding"``: key_padding_mask (bool, the last key of batch entry 0 and two keys of the others ignored);
    ``"bool"``: a causal attn_mask (True = not allowed); ``"float"``: a float attn_mask (..., h, L, L) in
    [-1, 1]; ``"mixed"``: a bool padding mask with a float (L, L) attn_mask; dropout: injected keep-masks."""

    def forward_kwargs(layer, x, rng):
        xp = namespace(x)
        *batch, length, _ = x.shape
        out = {}
        kinds = point_masks or ()
        if "padding" in kinds or "mixed" in kinds:
            pad = np.zeros((*batch, length), dtype=bool)
            pad[..., -1] = True
            pad[..., 1:, 1] = True
            out["key_padding_mask"] = xp.asarray(pad, device=device_of(x))
        if "bool" in kinds:
            out["attn_mask"] = xp.asarray(np.triu(np.ones((length, length), dtype=bool), 1), device=device_of(x))
        if "float" in kinds or "mixed" in kinds:
            shape = (length, length) if "mixed" in kinds else (*batch, layer.num_heads, length, length)
            out["attn_mask"] = xp.asarray(rng.uniform(-1.0, 1.0, shape), dtype=x.dtype, device=device_of(x))
        if layer.dropout:
            shape = (*batch, layer.num_heads, length, length)
            out["training"] = True
            out["masks"] = {"dropout": xp.asarray(rng.random(shape) >= layer.dropout, device=device_of(x))}
        return out

    return forward_kwargs


def _case_error_scale(point) -> float:
    """The layer's claim (:meth:`MultiheadAttention.error_scale`) at a grid point (Lq = Lk = L)."""
    layer = MultiheadAttention(point["embed_dim"], point["num_heads"], bias=point.get("bias", True))
    return layer.error_scale(point.get("L", 4), point.get("L", 4))


def _mha_case(name, grid, masks):
    return layer_case(
        MultiheadAttention,
        name=name,
        build=_build,
        input_shape=_input_shape,
        grid=grid,
        error_scale=_case_error_scale,
        error_reason="projections (1.5 E + 2 each), length-d scores, softmax, length-L products: the sum of "
        "the stage constants, doubled for propagation",
        forward_kwargs=_forward_kwargs_for(masks),
    )


CASES = [
    _mha_case("MultiheadAttention", (
        {"embed_dim": 6, "num_heads": 2, "L": 5},
        {"embed_dim": 4, "num_heads": 1, "L": 3, "batch": (2, 1)},  # one head, two leading batch axes
        {"embed_dim": 4, "num_heads": 2, "L": 5, "dropout": 0.25},  # training, injected keep-mask
    ), None),
    # bias=False: two params (layer_case takes the number of params from the first point, so its own case)
    _mha_case("MultiheadAttentionNoBias", (
        {"embed_dim": 6, "num_heads": 3, "L": 4, "bias": False},
        {"embed_dim": 4, "num_heads": 2, "L": 3, "bias": False, "dropout": 0.25},
    ), ("padding",)),
    _mha_case("MultiheadAttentionMasked", (
        {"embed_dim": 6, "num_heads": 2, "L": 5},
        {"embed_dim": 4, "num_heads": 2, "L": 4},
        {"embed_dim": 6, "num_heads": 3, "L": 3},
        {"embed_dim": 4, "num_heads": 2, "L": 5, "dropout": 0.25},
    ), ("padding", "bool")),
    _mha_case("MultiheadAttentionFloatMask", (
        {"embed_dim": 6, "num_heads": 2, "L": 5},
        {"embed_dim": 4, "num_heads": 2, "L": 4, "batch": (1, 2)},
    ), ("float",)),
    _mha_case("MultiheadAttentionMixedMask", (
        {"embed_dim": 6, "num_heads": 3, "L": 4},
    ), ("mixed",)),
]
