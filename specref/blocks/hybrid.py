r"""Hybrid blocks of spectrans (``blocks/hybrid.py``): several wrapped layers, selected, gated, fused or cascaded.

Every hybrid block holds the FFN (``4 * hidden_dim`` by default), ``norm1``, ``norm2`` and a ``norm3`` that
spectrans allocates and never uses (#26: loaded, exported, and given a zero gradient, as torch leaves it at
``None``). With :math:`u = \mathrm{LN}_1 x`, the wrapped layers :math:`L_1..L_k` and the block's dropout
:math:`\delta`, the first four follow the pre-norm skeleton of :mod:`specref.blocks.base`,
:math:`h = x + \delta(\mathrm{mix}(u))`, :math:`y = h + \delta(\mathrm{FFN}(\mathrm{LN}_2 h))`, with

.. math::

    \text{Alternating:}\quad &\mathrm{mix}(u) = L_s(u) \text{ for the selected } s \in \{1, 2\} \\
    \text{Adaptive, soft:}\quad &g = \operatorname{softmax}(W \bar u + b),\ \bar u = \tfrac1N \textstyle\sum_n u_n,
        \quad \mathrm{mix}(u) = \sum_i g_i L_i(u) \\
    \text{Adaptive, hard:}\quad &\mathrm{mix}(u) = L_{i^*}(u),\ i^* = \operatorname{argmax}_i (W\bar u + b)_i
        \text{ per sample} \\
    \text{Multiscale:}\quad &\mathrm{mix}(u) = \tfrac1k \textstyle\sum_i L_i(u) \;|\;
        \sum_i \operatorname{softmax}(w)_i L_i(u) \;|\; \mathrm{Lin}([L_1(u), \dots, L_k(u)])

and the cascade applies the layers in turn, :math:`h_{i} = h_{i-1} + \delta(L_i(N_i h_{i-1}))`, :math:`h_0 = x`,
before the FFN step.

**Backward of a gated mixture** (soft): with :math:`o_i = L_i(u)` and :math:`m = \sum_i g_i o_i` (:math:`g` per
sample), :math:`\bar o_i = g_i \bar m`, :math:`\bar g_i = \langle \bar m, o_i \rangle` over the sample's (N, D)
entries, :math:`\bar z = \operatorname{softmax}^*(\bar g)`, and :math:`u` receives
:math:`\sum_i L_i^*(\bar o_i)` plus the gate's path, the mean's adjoint of :math:`W^T \bar z`
(:func:`specref.transforms.pooling.mean_pool_adjoint`). **Hard gate**: the argmax is piecewise constant in the
logits, so its derivative is zero wherever it is defined (everywhere but at ties): specref returns **zero**
gradients for ``gate.weight`` and ``gate.bias`` (torch leaves them ``None``, #26) and the selected layer's
backward for the rest. Ties go to the first index (numpy's and torch's argmax): at initialisation (zero gate)
every sample takes layer 0. specref runs each layer once on the samples that selected it (torch: once per
sample), equal for layers that treat samples independently.

**Dropout names** (docs/conventions.md): the block's ``dropout`` is applied to the mixing branch (``"dropout"``)
and the FFN branch (``"dropout@2"``); in the cascade to each layer's branch in turn, ``"dropout"``,
``"dropout@2"``, ..., and to the FFN branch last (``"dropout@<k+1>"``). The wrapped layers' masks keep their
paths (``"layers.0.dropout"``, ``"layer1.dropout"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from specref._args import check_choice, check_flag, check_positive_int
from specref.backend import as_generator, dtype_name, namespace
from specref.blocks._cases import block_case
from specref.blocks.base import BLOCK_NORM_EPS, PreNormSkeleton, nth_application
from specref.interop.state_dict import StateDictError, host_copy
from specref.layers._init import torch_default_bias, torch_default_weight
from specref.layers.base import Layer, LayerCtx
from specref.ops.linear import linear, linear_vjp
from specref.ops.softmax import softmax, softmax_vjp
from specref.transforms.pooling import mean_pool, mean_pool_adjoint

__all__ = ["HybridBlock", "AlternatingBlock", "AdaptiveBlock", "MultiscaleBlock", "CascadeBlock", "GATE_TYPES",
           "FUSION_TYPES", "AdaptiveMixCtx", "MultiscaleMixCtx", "CascadeCtx"]

GATE_TYPES = ("soft", "hard")
FUSION_TYPES = ("add", "weighted", "concat")

_HYBRID_NORMS = ("norm1", "norm2", "norm3")


def _layer_list(layers, block: str) -> tuple:
    if isinstance(layers, Layer) or not isinstance(layers, Sequence) or len(layers) == 0:
        raise ValueError(f"{block}: layers must be a non-empty list of specref layers")
    return tuple(layers)


class HybridBlock(PreNormSkeleton):
    """The arrays every hybrid block has: ``ffn.*``, ``norm1``, ``norm2``, ``norm3`` (unused), in spectrans's
    order, then the wrapped layers and the block's own (gate, fusion)."""

    def _init_hybrid(self, children: Mapping[str, Layer], *, hidden_dim, ffn_hidden_dim, activation, dropout,
                     norm_eps, gen, extra=None, norms=_HYBRID_NORMS) -> None:
        hidden = check_positive_int(hidden_dim, "hidden_dim")
        self._init_block(children, hidden_dim=hidden, ffn_hidden_dim=4 * hidden if ffn_hidden_dim is None
                         else ffn_hidden_dim, activation=activation, dropout=dropout, norm_eps=norm_eps, gen=gen,
                         before=norms, extra=extra, ffn_first=True)
        self.norms = ("norm1", "norm2")  # the norms the forward applies (norm3 never is)
        nested = tuple(f"{c}.{n}" for c, layer in children.items() for n in layer.dropout_names)
        self.dropout_names = nested + ("dropout", "ffn.dropout", nth_application("dropout", 2))

    def _run_layers(self, names, u, drop) -> tuple[tuple, tuple]:
        outs, ctxs = [], []
        for name in names:
            o, c = self._run(name, u, drop)
            outs.append(o)
            ctxs.append(c)
        return tuple(outs), tuple(ctxs)


class AlternatingBlock(HybridBlock):
    r"""spectrans's ``AlternatingBlock``: the pre-norm block with ``layer1`` or ``layer2``.

    Parameters
    ----------
    layer1, layer2 : Layer
        The two wrapped layers (``layer1.*``, ``layer2.*``); the unused one gets zero gradients.
    hidden_dim : int
    use_layer1 : bool
        Which layer the forward applies (default True). :meth:`with_layer` returns the block with the other
        choice (spectrans's ``set_layer`` mutates the module; specref never does).
    ffn_hidden_dim, activation, dropout, norm_eps, seed
        As :class:`~specref.blocks.base.PreNormBlock`.
    """

    def __init__(self, layer1: Layer, layer2: Layer, hidden_dim: int, use_layer1: bool = True,
                 ffn_hidden_dim: int | None = None, activation: str = "gelu", dropout: float = 0.0,
                 norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        self.layer1, self.layer2 = layer1, layer2
        self.use_layer1 = check_flag(use_layer1, "use_layer1")
        self._init_hybrid({"layer1": layer1, "layer2": layer2}, hidden_dim=hidden_dim, ffn_hidden_dim=ffn_hidden_dim,
                          activation=activation, dropout=dropout, norm_eps=norm_eps, gen=as_generator(seed))

    def with_layer(self, use_layer1: bool) -> AlternatingBlock:
        """A copy applying ``layer1`` (True) or ``layer2`` (False), with the same arrays."""
        new = self._replaced({})
        new.use_layer1 = check_flag(use_layer1, "use_layer1")
        return new

    def _selected(self) -> str:
        return "layer1" if self.use_layer1 else "layer2"

    def _mix(self, u, drop):
        return self._run(self._selected(), u, drop)

    def _mix_vjp(self, mix_ctx, dm, grads):
        return self._run_vjp(self._selected(), mix_ctx, dm, grads)


@dataclass(frozen=True)
class AdaptiveMixCtx:
    """The gated mixture: the gate's input ``g_in`` (mean of u over the sequence), logits ``z``, weights ``w``
    (soft) or the flat sample order ``perm`` and its inverse (hard), each used layer's output and ctx."""

    u_shape: tuple
    g_in: object
    z: object
    w: object
    used: tuple  # names of the layers run
    outs: tuple
    ctxs: tuple
    perm: object  # hard: flat sample indices grouped by layer; None for soft
    inverse: object
    counts: tuple


class AdaptiveBlock(HybridBlock):
    r"""spectrans's ``AdaptiveBlock``: a per-sample gate over the wrapped layers, soft (softmax mixture) or
    hard (argmax selection); module docstring for both and their backward.

    Parameters
    ----------
    layers : list of Layer
        The k wrapped layers (``layers.<i>.*``).
    hidden_dim : int
    gate_type : {"soft", "hard"}
    ffn_hidden_dim, activation, dropout, norm_eps, seed
        As :class:`~specref.blocks.base.PreNormBlock`.

    Attributes
    ----------
    params : dict
        ``ffn.*``, ``norm1..3``, ``layers.<i>.*``, ``gate.weight`` (k, D), ``gate.bias`` (k,) (zero at
        initialisation, as spectrans's).

    Raises
    ------
    ValueError
        For an unknown ``gate_type``, an empty list, and as :class:`~specref.blocks.base.TransformerBlock`.
    """

    def __init__(self, layers: Sequence[Layer], hidden_dim: int, gate_type: str = "soft",
                 ffn_hidden_dim: int | None = None, activation: str = "gelu", dropout: float = 0.0,
                 norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        self.layers = _layer_list(layers, "AdaptiveBlock")
        self.gate_type = check_choice(gate_type, GATE_TYPES, "gate_type")
        k, c = len(self.layers), check_positive_int(hidden_dim, "hidden_dim")
        gate = {"gate.weight": np.zeros((k, c)), "gate.bias": np.zeros(k)}
        self._init_hybrid({f"layers.{i}": layer for i, layer in enumerate(self.layers)}, hidden_dim=c,
                          ffn_hidden_dim=ffn_hidden_dim, activation=activation, dropout=dropout, norm_eps=norm_eps,
                          gen=as_generator(seed), extra=gate)

    def _mix(self, u, drop):
        xp = namespace(u)
        p = self.params
        names = tuple(f"layers.{i}" for i in range(len(self.layers)))
        g_in = mean_pool(u, axis=-2)  # the sequence mean of u, (..., D)
        z = linear(g_in, p["gate.weight"], p["gate.bias"])  # logits (..., k)
        if self.gate_type == "soft":
            w = softmax(z, axis=-1)
            outs, ctxs = self._run_layers(names, u, drop)
            m = sum(w[..., i, None, None] * o for i, o in enumerate(outs))  # sum_i g_i L_i(u)
            return m, AdaptiveMixCtx(tuple(u.shape), g_in, z, w, names, outs, ctxs, None, None, ())
        # hard: each layer on the samples whose argmax picked it, then the rows put back in sample order
        n, d = u.shape[-2], u.shape[-1]
        flat = xp.reshape(u, (-1, n, d))
        choice = xp.reshape(xp.argmax(z, axis=-1), (-1,))
        used, outs, ctxs, groups = [], [], [], []
        for i, name in enumerate(names):
            rows = xp.nonzero(choice == i)[0]
            if rows.shape[0] == 0:
                continue
            o, c = self._run(name, xp.take(flat, rows, axis=0), drop)
            used.append(name)
            outs.append(o)
            ctxs.append(c)
            groups.append(rows)
        perm = xp.concat(groups)
        inverse = xp.argsort(perm)
        m = xp.reshape(xp.take(xp.concat(outs, axis=0), inverse, axis=0), tuple(u.shape))
        counts = tuple(int(r.shape[0]) for r in groups)
        return m, AdaptiveMixCtx(tuple(u.shape), g_in, z, None, tuple(used), tuple(outs), tuple(ctxs), perm,
                                 inverse, counts)

    def _mix_vjp(self, ctx: AdaptiveMixCtx, dm, grads):
        xp = namespace(dm)
        p = self.params
        if self.gate_type == "hard":  # no gradient through the argmax: gate.* stay zero (_zero_grads)
            n, d = dm.shape[-2], dm.shape[-1]
            grouped = xp.take(xp.reshape(dm, (-1, n, d)), ctx.perm, axis=0)
            pieces, start = [], 0
            for name, c, count in zip(ctx.used, ctx.ctxs, ctx.counts, strict=True):
                pieces.append(self._run_vjp(name, c, grouped[start:start + count, ...], grads))
                start += count
            return xp.reshape(xp.take(xp.concat(pieces, axis=0), ctx.inverse, axis=0), ctx.u_shape)
        # soft: m = sum_i g_i o_i -> do_i = g_i dm, dg_i = <dm, o_i> over (N, D)
        du = None
        dg = []
        for i, (name, o, c) in enumerate(zip(ctx.used, ctx.outs, ctx.ctxs, strict=True)):
            dg.append(xp.sum(dm * o, axis=(-2, -1)))
            part = self._run_vjp(name, c, ctx.w[..., i, None, None] * dm, grads)
            du = part if du is None else du + part
        dw = xp.stack(dg, axis=-1)
        dz = softmax_vjp(dw, ctx.z, ctx.w, axis=-1)  # g = softmax(z)
        dg_in, grads["gate.weight"], grads["gate.bias"] = linear_vjp(dz, ctx.g_in, p["gate.weight"], p["gate.bias"],
                                                                     ctx.z)  # z = W g_in + b
        return du + mean_pool_adjoint(dg_in, input_shape=ctx.u_shape, axis=-2)  # g_in = mean_n u


@dataclass(frozen=True)
class MultiscaleMixCtx:
    """The fusion: each layer's output and ctx, the softmax weights (``weighted``), the concatenation
    (``concat``) and the fused output."""

    outs: tuple
    ctxs: tuple
    a: object
    cat: object
    m: object


class MultiscaleBlock(HybridBlock):
    r"""spectrans's ``MultiscaleBlock``: every wrapped layer on the same normed input, fused.

    Parameters
    ----------
    layers : list of Layer
    hidden_dim : int
    fusion_type : {"add", "weighted", "concat"}
        The mean of the outputs; a softmax-weighted sum (``fusion_weights`` (k,), initialised 1/k); or a linear
        map of their concatenation (``fusion_proj.weight`` (D, kD), ``fusion_proj.bias`` (D,), torch's
        ``nn.Linear`` laws). spectrans checks the type only in the forward; specref refuses it at construction.
    ffn_hidden_dim, activation, dropout, norm_eps, seed
        As :class:`~specref.blocks.base.PreNormBlock` (the seed draws the FFN, then ``fusion_proj``).
    """

    def __init__(self, layers: Sequence[Layer], hidden_dim: int, fusion_type: str = "add",
                 ffn_hidden_dim: int | None = None, activation: str = "gelu", dropout: float = 0.0,
                 norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        self.layers = _layer_list(layers, "MultiscaleBlock")
        self.fusion_type = check_choice(fusion_type, FUSION_TYPES, "fusion_type")
        k, c = len(self.layers), check_positive_int(hidden_dim, "hidden_dim")
        gen = as_generator(seed)
        self._init_hybrid({f"layers.{i}": layer for i, layer in enumerate(self.layers)}, hidden_dim=c,
                          ffn_hidden_dim=ffn_hidden_dim, activation=activation, dropout=dropout, norm_eps=norm_eps,
                          gen=gen)
        params = dict(self.params)
        if self.fusion_type == "concat":  # drawn after the FFN, as torch constructs them
            params["fusion_proj.weight"] = self._own(torch_default_weight(gen, (c, k * c)))
            params["fusion_proj.bias"] = self._own(torch_default_bias(gen, (c, k * c)))
        if self.fusion_type == "weighted":  # a direct parameter: torch lists it before the submodules'
            params = {"fusion_weights": self._own(np.full(k, 1.0 / k)), **params}
        self._init_arrays(params, self.buffers)

    def _mix(self, u, drop):
        xp = namespace(u)
        p = self.params
        names = tuple(f"layers.{i}" for i in range(len(self.layers)))
        outs, ctxs = self._run_layers(names, u, drop)
        a = cat = None
        if self.fusion_type == "add":
            m = sum(outs[1:], outs[0]) / len(outs)  # mean of the outputs
        elif self.fusion_type == "weighted":
            a = softmax(p["fusion_weights"], axis=-1)
            m = sum(a[i] * o for i, o in enumerate(outs))
        else:
            cat = xp.concat(outs, axis=-1)  # (..., kD)
            m = linear(cat, p["fusion_proj.weight"], p["fusion_proj.bias"])
        return m, MultiscaleMixCtx(outs, ctxs, a, cat, m)

    def _mix_vjp(self, ctx: MultiscaleMixCtx, dm, grads):
        xp = namespace(dm)
        p = self.params
        k, c = len(ctx.outs), self.hidden_dim
        if self.fusion_type == "add":  # m = (1/k) sum o_i: do_i = dm / k
            douts = [dm / k] * k
        elif self.fusion_type == "weighted":  # m = sum a_i o_i: do_i = a_i dm, da_i = <dm, o_i>
            douts = [ctx.a[i] * dm for i in range(k)]
            da = xp.stack([xp.sum(dm * o) for o in ctx.outs])
            grads["fusion_weights"] = softmax_vjp(da, p["fusion_weights"], ctx.a, axis=-1)  # a = softmax(w)
        else:  # m = cat W^T + b: dcat = dm W, split back along the last axis
            dcat, grads["fusion_proj.weight"], grads["fusion_proj.bias"] = linear_vjp(
                dm, ctx.cat, p["fusion_proj.weight"], p["fusion_proj.bias"], ctx.m)
            douts = [dcat[..., i * c:(i + 1) * c] for i in range(k)]
        du = None
        for i, (dout, c_i) in enumerate(zip(douts, ctx.ctxs, strict=True)):
            part = self._run_vjp(f"layers.{i}", c_i, dout, grads)
            du = part if du is None else du + part  # every layer read the same u
        return du


@dataclass(frozen=True)
class CascadeCtx(LayerCtx):
    """The cascade: ``hs`` the residual stream h_0 = x .. h_k, ``us`` the normed inputs, each layer's ctx,
    output and mask; then the FFN step (``u2 = LN2 h_k``, ``f``, its mask) and ``y``."""

    hs: tuple
    us: tuple
    ctxs: tuple
    ms: tuple
    masks: tuple
    u2: object
    ffn: object
    f: object
    mask_f: object
    y: object


class CascadeBlock(HybridBlock):
    r"""spectrans's ``CascadeBlock``: :math:`h_i = h_{i-1} + \delta(L_i(N_i h_{i-1}))`, then the FFN step.

    Parameters
    ----------
    layers : list of Layer
    hidden_dim : int
    share_norm : bool
        ``False``: each layer has its own norm ``norms.<i>`` (``norm1`` unused, zero gradient). ``True``: every
        layer uses ``norm1``; spectrans's ``state_dict`` then holds the same tensor under ``norm1.*`` and every
        ``norms.<i>.*`` (#26). specref keeps one array (``params`` has ``norm1.*`` only, as torch's
        ``named_parameters()``), exports the aliases in :meth:`state_dict`, and :meth:`from_state_dict` accepts
        them when they equal ``norm1``'s (a ``StateDictError`` naming the key otherwise). Its gradient is the sum
        over every use.
    ffn_hidden_dim, activation, dropout, norm_eps, seed
        As :class:`~specref.blocks.base.PreNormBlock`.
    """

    def __init__(self, layers: Sequence[Layer], hidden_dim: int, share_norm: bool = False,
                 ffn_hidden_dim: int | None = None, activation: str = "gelu", dropout: float = 0.0,
                 norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        self.layers = _layer_list(layers, "CascadeBlock")
        self.share_norm = check_flag(share_norm, "share_norm")
        k = len(self.layers)
        self._init_hybrid({f"layers.{i}": layer for i, layer in enumerate(self.layers)}, hidden_dim=hidden_dim,
                          ffn_hidden_dim=ffn_hidden_dim, activation=activation, dropout=dropout, norm_eps=norm_eps,
                          gen=as_generator(seed))
        self.layer_norms = ("norm1",) * k if self.share_norm else tuple(f"norms.{i}" for i in range(k))
        params = dict(self.params)
        if not self.share_norm:
            c = self.hidden_dim
            for name in self.layer_norms:
                params[f"{name}.weight"], params[f"{name}.bias"] = self._own(np.ones(c)), self._own(np.zeros(c))
        self._init_arrays(params, self.buffers)
        self.norms = tuple(dict.fromkeys(self.layer_norms + ("norm2",)))
        names = []  # in the order the forward applies them: each layer's, then its branch's; the FFN step last
        for i, layer in enumerate(self.layers):
            names += [f"layers.{i}.{n}" for n in layer.dropout_names] + [nth_application("dropout", i + 1)]
        self.dropout_names = (*names, "ffn.dropout", nth_application("dropout", k + 1))

    def _aliases(self) -> dict:
        """The alias keys of a shared norm (``norms.<i>.weight`` -> ``norm1.weight``...); empty otherwise."""
        if not self.share_norm:
            return {}
        return {f"norms.{i}.{t}": f"norm1.{t}" for i in range(len(self.layers)) for t in ("weight", "bias")}

    def state_dict(self, prefix: str = "") -> dict:
        """As :meth:`~specref.interop.params.ParamContainer.state_dict`, plus spectrans's alias keys of a shared
        norm (copies of ``norm1``'s arrays), so the keys are torch's."""
        out = super().state_dict(prefix)
        for alias, key in self._aliases().items():
            out[prefix + alias] = out[prefix + key].copy()
        return out

    @classmethod
    def from_state_dict(cls, state_dict, prefix: str = "", dtype=None, strict: bool = True, xp=None, **config):
        """As :meth:`~specref.interop.params.ParamContainer.from_state_dict`; with ``share_norm`` the alias keys
        ``norms.<i>.*`` must equal ``norm1.*`` (they are one tensor in torch) and are then dropped."""
        probe = cls(**config)
        entries = dict(state_dict)
        for alias, key in probe._aliases().items():
            full, target = prefix + alias, prefix + key
            if full in entries and target in entries:
                a, b = host_copy(entries[full]), host_copy(entries[target])
                if a.shape != b.shape or not np.array_equal(a, b):
                    raise StateDictError(f"{prefix}{alias} aliases {prefix}{key} in spectrans (share_norm=True, "
                                         "one tensor), but the two entries differ")
                del entries[full]
        return super().from_state_dict(entries, prefix=prefix, dtype=dtype, strict=strict, xp=xp, **config)

    def forward(self, x, *, training: bool = False, rng=None, masks=None, attention_mask=None):
        """``(y, ctx)``: the cascade, then the FFN step; arguments and errors as the pre-norm forward."""
        drop = self._start(x, training, rng, masks, attention_mask)
        hs, us, ctxs, ms, mks = [x], [], [], [], []
        for i, norm in enumerate(self.layer_norms):
            u = self._norm(norm, hs[-1])  # u_i = N_i h_{i-1}
            m, c = self._run(f"layers.{i}", u, drop)  # m_i = L_i(u_i)
            mask, m_drop = self._drop(nth_application("dropout", i + 1), m, drop)
            hs.append(hs[-1] + m_drop)  # h_i = h_{i-1} + d(m_i)
            us.append(u)
            ctxs.append(c)
            ms.append(m)
            mks.append(mask)
        h = hs[-1]
        u2 = self._norm("norm2", h)
        f, ffn_ctx = self._run("ffn", u2, drop)
        mask_f, f_drop = self._drop(nth_application("dropout", len(self.layers) + 1), f, drop)
        y = h + f_drop
        return y, CascadeCtx(dtype=dtype_name(x.dtype), hs=tuple(hs), us=tuple(us), ctxs=tuple(ctxs), ms=tuple(ms),
                             masks=tuple(mks), u2=u2, ffn=ffn_ctx, f=f, mask_f=mask_f, y=y)

    def backward(self, ctx: CascadeCtx, dy):
        """``(dx, grads)``: the FFN step, then the cascade in reverse (a shared norm's gradients add up)."""
        self._check_cotangent(ctx, dy, tuple(ctx.y.shape))
        grads = {}
        df = self._drop_vjp(ctx.mask_f, dy, ctx.f)
        du2 = self._run_vjp("ffn", ctx.ffn, df, grads)
        dh = dy + self._norm_vjp("norm2", du2, ctx.hs[-1], ctx.u2, grads)  # y = h_k + d(FFN(LN2 h_k))
        for i in reversed(range(len(self.layers))):
            dm = self._drop_vjp(ctx.masks[i], dh, ctx.ms[i])
            du = self._run_vjp(f"layers.{i}", ctx.ctxs[i], dm, grads)
            dh = dh + self._norm_vjp(self.layer_norms[i], du, ctx.hs[i], ctx.us[i], grads)  # h_i = h_{i-1} + ...
        return dh, self._zero_grads(grads)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _pair(gen, d: int = 4) -> list:
    """Two wrapped layers of hidden size d: a global filter and an LST attention (each with dropout)."""
    from specref.layers.attention.lst import LSTAttention
    from specref.layers.mixing.global_filter import GlobalFilterMixing

    return [GlobalFilterMixing(d, 6, dropout=0.25, seed=gen), LSTAttention(d, 2, "dct", dropout=0.25, seed=gen)]


def _build(cls):
    def build(gen, **config):
        layers = _pair(gen, config["hidden_dim"])
        if cls is AlternatingBlock:
            return cls(*layers, seed=gen, **config)
        return cls(layers, seed=gen, **config)
    return build


_POINT = {"hidden_dim": 4, "ffn_hidden_dim": 5, "activation": "tanh", "dropout": 0.25, "N": 6}

CASES = [
    block_case(AlternatingBlock, name="AlternatingBlock", build=_build(AlternatingBlock), grid=(
        _POINT, {**_POINT, "use_layer1": False, "activation": "silu"})),
    block_case(AdaptiveBlock, name="AdaptiveBlock", build=_build(AdaptiveBlock), grid=(
        _POINT, {**_POINT, "gate_type": "hard", "batch": (6,)})),
    block_case(MultiscaleBlock, name="MultiscaleBlock", build=_build(MultiscaleBlock), grid=(_POINT,)),
    block_case(MultiscaleBlock, name="MultiscaleBlockWeighted", build=_build(MultiscaleBlock), grid=(
        {**_POINT, "fusion_type": "weighted"},)),
    block_case(MultiscaleBlock, name="MultiscaleBlockConcat", build=_build(MultiscaleBlock), grid=(
        {**_POINT, "fusion_type": "concat"},)),
    block_case(CascadeBlock, name="CascadeBlock", build=_build(CascadeBlock), grid=(_POINT,)),
    block_case(CascadeBlock, name="CascadeBlockSharedNorm", build=_build(CascadeBlock), grid=(
        {**_POINT, "share_norm": True},)),
]
