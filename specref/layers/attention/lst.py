r"""LST attention: spectrans's linear spectral transform attention (``LSTAttention``, ``DCTAttention``,
``HadamardAttention``).

spectrans 0.1.0 (``spectrans/layers/attention/lst.py``): constructor arguments, parameter names, shapes and
order, and order of operations. For input :math:`x` (..., N, D), h heads of :math:`d = D/h` features, head
:math:`t` using the orthonormal transform :math:`T_t` along the **sequence** axis (DCT-II or DST-II with
``norm="ortho"``, or the normalized Walsh-Hadamard transform in natural order; ``"mixed"`` cycles dct, dst,
hadamard over the heads), keep-mask :math:`m \in \{0,1\}^N` (all ones without a mask):

.. math::

    q &= m \odot \operatorname{Lin}_q(x), \quad k = m \odot \operatorname{Lin}_k(x),
         \quad v = m \odot \operatorname{Lin}_v(x) \qquad (1) \\
    \hat q_t &= T_t q_t, \quad \hat k_t = T_t k_t, \quad \hat v_t = T_t v_t \qquad (2) \\
    a_t &= \hat q_t \odot \hat k_t \odot s_t \qquad (s_t \in \mathbb R^{1 \times d},
         \text{ broadcast over the N positions}) \qquad (3) \\
    o_t &= a_t \odot \hat v_t \qquad (4) \\
    r_t &= o_t / n_t, \quad n_{t,i} = \textstyle\sum_f |a_{t,if}| + 10^{-6}
         \quad (\text{only with normalize; else } r_t = o_t) \qquad (5) \\
    u_t &= T_t^{-1} r_t \qquad (6) \\
    y &= \operatorname{drop}(\operatorname{Lin}_o([u_1, \dots, u_h])) \qquad (7)

Where specref departs from spectrans (spectrans-inventory section 3 #16):

- **The mask masks.** spectrans multiplies :math:`\hat k, \hat v` by the transform of the mask, which does not
  mask (changing a masked token moves the kept outputs). specref defines the mask (bool (..., N), True = keep,
  spectrans's convention) as zeroing the masked tokens' q, k **and** v before the transform, eq. (1): then no
  output depends on a masked token's input. (Zeroing k and v alone would not do: the transform mixes every
  token's q into every :math:`\hat q`.) The comparison with spectrans runs without a mask.
- :math:`|\cdot|` in the normaliser is not differentiable at 0: specref takes the subgradient
  :math:`\operatorname{sign}(0) = 0`, as torch.

Followed and stated: the scale is per head and per feature (spectrans's docstring says "per head and
position", its code broadcasts (h, 1, d) over positions); ``DCTAttention`` accepts ``dct_type`` and ignores it
(always DCT-II); ``HadamardAttention(scale_by_sqrt=True)`` divides the initial scale by :math:`\sqrt{d}`
(the head size), not by :math:`\sqrt N`. The Hadamard transform needs a power-of-two N (refused otherwise, with
the allowed sizes). The output dropout is named ``"dropout"`` (keep-mask (..., N, D)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from specref._args import check_choice, check_flag, check_positive_int, check_probability
from specref.backend import as_generator, device_of, dtype_name, namespace, to_numpy
from specref.layers._init import torch_default_bias, torch_default_weight
from specref.layers.attention.softmax import _merge_heads, _split_heads
from specref.layers.base import Layer, LayerCtx, check_keep_mask, check_sequence_input, layer_case
from specref.ops.dropout import dropout, dropout_vjp
from specref.ops.linear import linear, linear_vjp
from specref.testing.draws import draw_away
from specref.testing.tolerances import fft_error_scale
from specref.transforms.cosine import dct, dct_adjoint, dst, dst_adjoint, idct, idct_adjoint, idst, idst_adjoint
from specref.transforms.hadamard import hadamard, hadamard_adjoint

__all__ = ["LSTAttention", "DCTAttention", "HadamardAttention", "LSTAttentionCtx"]

#: the transform types LSTAttention accepts; "mixed" cycles the first three over the heads
_TRANSFORM_TYPES = ("dct", "dst", "hadamard", "mixed")
_CYCLE = ("dct", "dst", "hadamard")
#: spectrans's constant added to the normaliser (lst.py: ``+ 1e-6``)
NORM_EPS = 1e-6


# ----------------------------------------------------------------------------------------------------------
# the per-head sequence transforms: forward T, inverse T^{-1}, and the adjoints of both (axis -2)


#: kind -> (T, adjoint of T, T^{-1}, adjoint of T^{-1}); the normalized Hadamard transform is its own inverse
_FUNCTIONS = {
    "dct": (dct, dct_adjoint, idct, idct_adjoint),
    "dst": (dst, dst_adjoint, idst, idst_adjoint),
    "hadamard": (hadamard, hadamard_adjoint, hadamard, hadamard_adjoint),
}
_FORWARD, _FORWARD_ADJOINT, _INVERSE, _INVERSE_ADJOINT = range(4)


def _apply(kind, which, x):
    """One of the four maps of ``_FUNCTIONS[kind]`` along axis -2 (DCT/DST: type 2, ``norm="ortho"``)."""
    kw = {"axis": -2, "normalized": True} if kind == "hadamard" else {"type": 2, "axis": -2, "norm": "ortho"}
    if which in (_FORWARD_ADJOINT, _INVERSE_ADJOINT):
        kw["input_shape"] = tuple(x.shape)  # square maps: the input has the output's shape
    return _FUNCTIONS[kind][which](x, **kw)


def _per_head(xp, kinds, which, x):
    """``_apply(kind, which, .)`` on (..., h, N, d), head t with ``kinds[t]``: one call when all heads share one."""
    if len(set(kinds)) == 1:
        return _apply(kinds[0], which, x)
    return xp.stack([_apply(kind, which, x[..., t, :, :]) for t, kind in enumerate(kinds)], axis=-3)


# ----------------------------------------------------------------------------------------------------------
# context


@dataclass(frozen=True)
class LSTAttentionCtx(LayerCtx):
    """What :meth:`LSTAttention.backward` reads; numbers are the equations of the module docstring."""

    x: object  # (..., N, D) input
    keep: object | None  # (1) the keep-mask as the input's float dtype, (..., N, 1); None without a mask
    q_hat: object  # (2) (..., h, N, d)
    k_hat: object  # (2)
    v_hat: object  # (2)
    a: object  # (3)
    o: object  # (4)
    norm: object | None  # (5) n, (..., h, N, 1); None without normalize
    r: object  # (5)
    merged: object  # (6) [u_1 .. u_h], (..., N, D)
    out: object  # (7) Lin_o(merged)
    drop_mask: object | None  # (7) keep-mask of dropout "dropout" (None when inactive)


# ----------------------------------------------------------------------------------------------------------
# the layers


class LSTAttention(Layer):
    r"""Linear spectral transform attention as spectrans's ``LSTAttention`` (equations of the module docstring).

    Parameters
    ----------
    hidden_dim : int
        D; divisible by ``num_heads``.
    num_heads : int
        h (default 8, spectrans's).
    transform_type : {"dct", "dst", "hadamard", "mixed"}
        The sequence transform; ``"mixed"``: head t uses ``("dct", "dst", "hadamard")[t % 3]``.
    learnable_scale : bool
        ``scale`` (h, 1, d) is a param; otherwise a buffer of the same name (spectrans's ``register_buffer``).
    normalize : bool
        Divide by :math:`\sum_f |a| + 10^{-6}`, eq. (5).
    dropout : float
        p of the output dropout ``"dropout"``, in training mode.
    use_bias : bool
        Biases of the four projections.
    seed : int or numpy.random.Generator, keyword-only
        ``nn.Linear``'s init laws for q, k, v, out projections (drawn in that order), ``scale`` ones. Never
        torch's numbers: load a state_dict to compare.

    Attributes
    ----------
    params : dict
        spectrans's ``named_parameters()``: ``scale`` (h, 1, d) (when learnable), ``q_proj.weight`` (D, D),
        ``q_proj.bias`` (D,), likewise ``k_proj``, ``v_proj``, ``out_proj`` (biases only with ``use_bias``).
    buffers : dict
        ``scale`` when not learnable.

    Raises
    ------
    ValueError
        For sizes < 1, D not divisible by h, an unknown transform type, dropout outside [0, 1).
    TypeError
        For sizes that are not integers, flags that are not bool.

    Notes
    -----
    ``forward(x, *, mask=None, training=False, rng=None, masks=None) -> (y, ctx)``; ``backward(ctx, dy) ->
    (dx, grads)``. The mask masks (module docstring); spectrans's does not.

    Examples
    --------
    >>> import numpy as np
    >>> layer = LSTAttention(8, 2, transform_type="mixed")
    >>> [(k, tuple(v.shape)) for k, v in layer.params.items()][:2]
    [('scale', (2, 1, 4)), ('q_proj.weight', (8, 8))]
    >>> x = np.random.default_rng(0).standard_normal((3, 4, 8))
    >>> y, ctx = layer.forward(x)
    >>> dx, grads = layer.backward(ctx, np.ones_like(y))
    >>> y.shape, dx.shape, list(grads) == list(layer.params)
    ((3, 4, 8), (3, 4, 8), True)
    """

    dropout_names = ("dropout",)

    def __init__(self, hidden_dim: int, num_heads: int = 8, transform_type: str = "dct",
                 learnable_scale: bool = True, normalize: bool = True, dropout: float = 0.0,
                 use_bias: bool = True, *, seed=0):
        self.hidden_dim = check_positive_int(hidden_dim, "hidden_dim")
        self.num_heads = check_positive_int(num_heads, "num_heads")
        if self.hidden_dim % self.num_heads:
            raise ValueError(f"hidden_dim {self.hidden_dim} must be divisible by num_heads {self.num_heads} "
                             "(each head gets hidden_dim // num_heads features)")
        self.head_dim = self.hidden_dim // self.num_heads
        self.transform_type = check_choice(transform_type, _TRANSFORM_TYPES, "transform_type")
        self.learnable_scale = check_flag(learnable_scale, "learnable_scale")
        self.normalize = check_flag(normalize, "normalize")
        self.dropout = check_probability(dropout, "dropout")
        self.use_bias = check_flag(use_bias, "use_bias")
        #: the transform of each head
        self.head_transforms = tuple(_CYCLE[t % 3] if self.transform_type == "mixed" else self.transform_type
                                     for t in range(self.num_heads))
        gen = as_generator(seed)
        e = self.hidden_dim
        scale = np.ones((self.num_heads, 1, self.head_dim)) / self._scale_divisor()
        params = {"scale": scale} if self.learnable_scale else {}
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):  # spectrans's construction order
            params[f"{name}.weight"] = torch_default_weight(gen, (e, e))
            if self.use_bias:
                params[f"{name}.bias"] = torch_default_bias(gen, (e, e))
        self._init_arrays(params, {} if self.learnable_scale else {"scale": scale})

    def _scale_divisor(self) -> float:
        """The initial scale is ones divided by this (1 here; HadamardAttention's sqrt(d))."""
        return 1.0

    def error_scale(self, n: int) -> float:
        r"""The claim :math:`c` (forward relative error :math:`\le c\,\epsilon`) for sequences of length n.

        The sum of the stages' constants, doubled for propagation through O(1)-conditioned stages: four
        length-D projections :math:`1.5 D + 2`, four length-N transforms (``fft_error_scale(N)`` each), the
        products 3, the normaliser's length-d sum :math:`1.5 d + 2` and the division 1, dropout 1.
        """
        e, d = self.hidden_dim, self.head_dim
        stages = 4.0 * (1.5 * e + 2.0) + 4.0 * fft_error_scale(n) + 3.0 + (1.5 * d + 3.0) + 1.0
        return 2.0 * stages

    def _check_length(self, n: int):
        if "hadamard" in self.head_transforms and n & (n - 1):
            low = 1 << (n.bit_length() - 1)
            raise ValueError(f"{type(self).__name__}: the Hadamard transform needs a power-of-two sequence length "
                             f"(1, 2, 4, 8, ...); got {n} (nearest allowed: {low} and {2 * low})")

    def forward(self, x, *, mask=None, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: equations (1)-(7) of the module docstring.

        Parameters
        ----------
        x : array, float32 or float64, shape (..., N, D) with at least three axes
        mask : bool array (..., N), optional
            True = keep; a masked token's q, k and v are zeroed before the transform (module docstring).
        training : bool
            Apply the output dropout (``dropout > 0``).
        rng : int or numpy.random.Generator, optional
            Draws the dropout keep-mask.
        masks : dict, optional
            ``{"dropout": keep_mask}`` of shape (..., N, D), injected instead of drawn.

        Raises
        ------
        ValueError
            For fewer than three axes, a last axis other than D, a non-power-of-two N with a Hadamard head, a
            mask of the wrong shape, dropout in training mode without rng or masks.
        TypeError
            For non-float input, a precision other than the params', a mask that is not boolean.
        """
        name = type(self).__name__
        check_sequence_input(x, self.hidden_dim, layer=name)
        self._check_input(x)
        check_keep_mask(x, mask, layer=name)
        self._check_length(x.shape[-2])
        xp = namespace(x)
        p = {**self.buffers, **self.params}
        kinds, h = self.head_transforms, self.num_heads
        keep = None
        if mask is not None:
            keep = xp.expand_dims(xp.astype(xp.asarray(mask, device=device_of(x)), x.dtype), axis=-1)
        proj = {c: linear(x, p[f"{c}_proj.weight"], p.get(f"{c}_proj.bias")) for c in "qkv"}  # (1)
        if keep is not None:
            proj = {c: t * keep for c, t in proj.items()}  # (1) the masked tokens' q, k, v zeroed
        q_hat, k_hat, v_hat = (_per_head(xp, kinds, _FORWARD, _split_heads(xp, proj[c], h)) for c in "qkv")  # (2)
        a = q_hat * k_hat * p["scale"]  # (3) scale (h, 1, d) broadcast over batch and positions
        o = a * v_hat  # (4)
        norm = None
        r = o
        if self.normalize:
            norm = xp.sum(xp.abs(a), axis=-1, keepdims=True) + NORM_EPS  # (5)
            r = o / norm
        merged = _merge_heads(xp, _per_head(xp, kinds, _INVERSE, r))  # (6)
        out = linear(merged, p["out_proj.weight"], p.get("out_proj.bias"))  # (7)
        drop = self._dropout_mask("dropout", tuple(out.shape), self.dropout, x=x, training=training, rng=rng,
                                  masks=masks)
        y = out if drop is None else dropout(out, mask=drop, p=self.dropout)
        ctx = LSTAttentionCtx(dtype=dtype_name(x.dtype), x=x, keep=keep, q_hat=q_hat,
                              k_hat=k_hat, v_hat=v_hat, a=a, o=o, norm=norm, r=r, merged=merged, out=out,
                              drop_mask=drop)
        return y, ctx

    def backward(self, ctx: LSTAttentionCtx, dy):
        """``(dx, grads)``: equations (7) to (1) in reverse."""
        self._check_cotangent(ctx, dy, tuple(ctx.x.shape))
        xp = namespace(dy)
        p = {**self.buffers, **self.params}
        kinds, h = self.head_transforms, self.num_heads
        # (7) y = drop(out): the dropout's VJP (keep-mask / (1 - p))
        dout = dy if ctx.drop_mask is None else dropout_vjp(dy, ctx.out, ctx.out, mask=ctx.drop_mask, p=self.dropout)
        # (7) out = merged Wo^T + bo: d merged = d out Wo, dWo = d out^T merged, dbo = sum d out
        dmerged, dwo, dbo = linear_vjp(dout, ctx.merged, p["out_proj.weight"], p.get("out_proj.bias"), None)
        # (6) u = T^{-1} r, per head: dr = T^{-T} du (the adjoint of the inverse transform)
        dr = _per_head(xp, kinds, _INVERSE_ADJOINT, _split_heads(xp, dmerged, h))
        if self.normalize:
            # (5) r = o / n: do = dr / n; dn = -sum_f dr o / n^2 = -sum_f dr r / n;
            #     n = sum_f |a| + eps: da = sign(a) dn (sign(0) = 0, torch's subgradient)
            do = dr / ctx.norm
            dn = -xp.sum(dr * ctx.r, axis=-1, keepdims=True) / ctx.norm
            da = xp.sign(ctx.a) * dn
        else:
            do, da = dr, None
        # (4) o = a v^: da += do v^, dv^ = do a
        da = do * ctx.v_hat if da is None else da + do * ctx.v_hat
        dv_hat = do * ctx.a
        # (3) a = q^ k^ s: dq^ = da k^ s, dk^ = da q^ s, ds = sum over batch and positions of da q^ k^
        scale = p["scale"]
        dq_hat = da * ctx.k_hat * scale
        dk_hat = da * ctx.q_hat * scale
        ds = da * ctx.q_hat * ctx.k_hat
        ds = xp.sum(xp.reshape(ds, (-1, *ds.shape[-3:])), axis=(0, 2), keepdims=False)  # (h, d)
        ds = xp.reshape(ds, tuple(scale.shape))
        # (2) c^ = T c, per head: dc = T^T dc^; then the head split's adjoint, the merge
        dproj = {c: _merge_heads(xp, _per_head(xp, kinds, _FORWARD_ADJOINT, g))
                 for c, g in (("q", dq_hat), ("k", dk_hat), ("v", dv_hat))}
        # (1) c = m (x Wc^T + bc): d(lin) = m dc; dx = sum_c d(lin) Wc, dWc = d(lin)^T x, dbc = sum d(lin)
        dx = None
        grads = {}
        for c in "qkv":
            g = dproj[c] if ctx.keep is None else dproj[c] * ctx.keep
            dxc, dw, db = linear_vjp(g, ctx.x, p[f"{c}_proj.weight"], p.get(f"{c}_proj.bias"), None)
            dx = dxc if dx is None else dx + dxc
            grads[f"{c}_proj.weight"] = dw
            if self.use_bias:
                grads[f"{c}_proj.bias"] = db
        grads["out_proj.weight"] = dwo
        if self.use_bias:
            grads["out_proj.bias"] = dbo
        if self.learnable_scale:
            grads = {"scale": ds, **grads}
        return dx, grads


class DCTAttention(LSTAttention):
    """spectrans's ``DCTAttention``: :class:`LSTAttention` with the DCT on every head and ``normalize=True``.

    ``dct_type`` is accepted and ignored (always DCT-II), as spectrans does (lst.py: "still use type 2");
    biases always on. Parameters otherwise as :class:`LSTAttention`.
    """

    def __init__(self, hidden_dim: int, num_heads: int = 8, dct_type: int = 2, learnable_scale: bool = True,
                 dropout: float = 0.0, *, seed=0):
        super().__init__(hidden_dim, num_heads, "dct", learnable_scale, True, dropout, seed=seed)
        self.dct_type = dct_type  # stored and ignored, as spectrans


class HadamardAttention(LSTAttention):
    r"""spectrans's ``HadamardAttention``: :class:`LSTAttention` with the Hadamard transform on every head.

    ``scale_by_sqrt=True`` divides the initial scale by :math:`\sqrt d` (d the **head size**, as spectrans,
    although its docstring says "sqrt(n) for orthogonality"). N must be a power of two.
    """

    def __init__(self, hidden_dim: int, num_heads: int = 8, scale_by_sqrt: bool = True,
                 learnable_scale: bool = True, dropout: float = 0.0, *, seed=0):
        self.scale_by_sqrt = check_flag(scale_by_sqrt, "scale_by_sqrt")
        super().__init__(hidden_dim, num_heads, "hadamard", learnable_scale, True, dropout, seed=seed)

    def _scale_divisor(self) -> float:
        return math.sqrt(self.head_dim) if self.scale_by_sqrt else 1.0


# ----------------------------------------------------------------------------------------------------------
# verification cases

_CTOR_KEYS = ("hidden_dim", "num_heads", "transform_type", "learnable_scale", "normalize", "dropout", "use_bias")


def _build(seed, *, L, batch=None, masked=False, cls=LSTAttention, **point):  # noqa: N803  (L: length)
    """``cls(**point)`` (LSTAttention or a subclass) with every param redrawn O(1) (weights N(0, 1/D), biases
    N(0, 1/4), scale of modulus in [0.5, 1.5]), so each gradient is checked at a generic point; ``L``,
    ``batch``, ``masked`` shape the input and the forward only."""
    gen = np.random.default_rng(seed)
    layer = cls(**point, seed=gen)
    new = {}
    for name, value in layer.params.items():
        draw = gen.standard_normal(tuple(value.shape))
        if name == "scale":  # |s| in [0.5, 1.5], either sign: a column of a is never near 0 as a whole
            new[name] = np.sign(draw) * gen.uniform(0.5, 1.5, tuple(value.shape))
        else:
            new[name] = 0.5 * draw if name.endswith("bias") else draw / math.sqrt(point["hidden_dim"])
    return layer.with_params(new)


def _input_shape(point) -> tuple:
    return (*point.get("batch", (2,)), point["L"], point["hidden_dim"])


def _mask_for(shape) -> np.ndarray:
    """The case's keep-mask (..., N): the last token masked everywhere, token 1 too past the first batch row."""
    keep = np.ones(shape, dtype=bool)
    keep[..., -1] = False
    if shape[-1] > 2:
        keep[1:, ..., 1] = False
    return keep


def _forward_kwargs_for(masked):
    def forward_kwargs(layer, x, rng):
        xp = namespace(x)
        out = {}
        if masked:
            out["mask"] = xp.asarray(_mask_for(tuple(x.shape[:-1])), device=device_of(x))
        if layer.dropout:
            out["training"] = True
            out["masks"] = {"dropout": xp.asarray(rng.random(tuple(x.shape)) >= layer.dropout, device=device_of(x))}
        return out

    return forward_kwargs


#: the smallest |a| the cases allow: 4 float32 central-difference steps (h ~ eps32^(1/3) ~ 5e-3 for O(1)
#: inputs and params, the step verify reports), as a moves by at most O(1) h per step
_A_GAP = 0.02


def _away_from_kinks_for(masked):
    """``away_from_kinks(layer, x, rng)`` of a case with (``masked``) or without the case's keep-mask."""
    return lambda layer, x, rng: _away_from_kinks(layer, x, rng, _mask_for(tuple(x.shape[:-1])) if masked else None)


def _away_from_kinks(layer: LSTAttention, x, rng, mask) -> LSTAttention:
    """With normalize, :math:`|a|` has a kink at 0: the rows of ``q_proj.weight`` and ``k_proj.weight`` are
    redrawn (:func:`specref.testing.draws.draw_away`, the build's law N(0, 1/D)) until every entry of
    :math:`a = \\hat q \\odot \\hat k \\odot s` is at least ``_A_GAP`` from 0: row f of :math:`W_q` and
    :math:`W_k` moves feature f of :math:`\\hat q, \\hat k`, hence of a, at every position (both, since either
    factor may be the small one). Central differences across a kink are meaningless."""
    if not layer.normalize:
        return layer
    xp = namespace(x)
    e = layer.hidden_dim

    def image(draw):  # a[..., i, f] watched from rows f of both weights: shape (..., N, 2, D, D)
        a = layer.with_params({"q_proj.weight": draw[0], "k_proj.weight": draw[1]}).forward(x, mask=mask)[1].a
        a = to_numpy(_merge_heads(xp, a))
        return np.broadcast_to(a[..., None, :, None], (*a.shape[:-1], 2, e, e))

    w = draw_away(rng, (2, e, e), kinks=(0.0,), gap=_A_GAP, scale=1.0 / math.sqrt(e), image=image)
    return layer.with_params({"q_proj.weight": w[0], "k_proj.weight": w[1]})


def _lst_case(name, grid, masked, cls=LSTAttention):
    keys = {LSTAttention: _CTOR_KEYS, DCTAttention: ("hidden_dim", "num_heads", "dct_type", "learnable_scale",
            "dropout"), HadamardAttention: ("hidden_dim", "num_heads", "scale_by_sqrt", "learnable_scale",
                                            "dropout")}[cls]

    def error_scale(point):
        return cls(**{k: point[k] for k in keys if k in point}).error_scale(point["L"])

    return layer_case(
        cls,
        name=name,
        build=lambda seed, **point: _build(seed, cls=cls, **point),
        input_shape=_input_shape,
        grid=grid,
        error_scale=error_scale,
        error_reason="four projections (1.5 D + 2), four length-N orthonormal transforms, products, the "
        "length-d normaliser sum: the sum of the stage constants, doubled for propagation",
        forward_kwargs=_forward_kwargs_for(masked),
        away_from_kinks=_away_from_kinks_for(masked),
    )


CASES = [
    _lst_case("LSTAttention", (
        {"hidden_dim": 6, "num_heads": 2, "transform_type": "dct", "L": 5},  # odd N
        {"hidden_dim": 4, "num_heads": 2, "transform_type": "dst", "L": 6},  # even N
        {"hidden_dim": 6, "num_heads": 3, "transform_type": "dst", "L": 3, "batch": (2, 1)},
        {"hidden_dim": 4, "num_heads": 1, "transform_type": "hadamard", "L": 4},
        {"hidden_dim": 6, "num_heads": 3, "transform_type": "mixed", "L": 4, "dropout": 0.25},
        {"hidden_dim": 4, "num_heads": 2, "transform_type": "dct", "L": 4, "normalize": False},
    ), False),
    _lst_case("LSTAttentionMasked", (
        {"hidden_dim": 6, "num_heads": 2, "transform_type": "dct", "L": 4},
        {"hidden_dim": 4, "num_heads": 2, "transform_type": "dst", "L": 5},
        {"hidden_dim": 4, "num_heads": 2, "transform_type": "hadamard", "L": 4},
        {"hidden_dim": 6, "num_heads": 3, "transform_type": "mixed", "L": 4},
    ), True),
    _lst_case("LSTAttentionFixedScaleNoBias", (
        {"hidden_dim": 4, "num_heads": 2, "transform_type": "dct", "L": 5, "learnable_scale": False,
         "use_bias": False},
        {"hidden_dim": 6, "num_heads": 3, "transform_type": "mixed", "L": 2, "learnable_scale": False,
         "use_bias": False},
    ), True),
    _lst_case("DCTAttention", (
        {"hidden_dim": 4, "num_heads": 2, "L": 5, "dct_type": 3},  # dct_type accepted and ignored (DCT-II)
        {"hidden_dim": 6, "num_heads": 3, "L": 4, "dropout": 0.25, "batch": (2, 1)},
    ), True, DCTAttention),
    _lst_case("HadamardAttention", (
        {"hidden_dim": 4, "num_heads": 2, "L": 4},  # scale_by_sqrt (the build redraws the scale anyway)
        {"hidden_dim": 4, "num_heads": 2, "L": 8, "scale_by_sqrt": False},
    ), False, HadamardAttention),
    _lst_case("HadamardAttentionFixedScaleMasked", (
        {"hidden_dim": 6, "num_heads": 3, "L": 4, "learnable_scale": False},
    ), True, HadamardAttention),
]
