r"""Transformer blocks around any mixing layer: pre-norm, post-norm and parallel (spectrans ``blocks/base.py``).

A block composes a wrapped layer :math:`M` (``mixing_layer``: any specref layer mapping (..., D) to (..., D)),
layer norms :math:`\mathrm{LN}` (eps ``norm_eps``, 1e-12 as in spectrans) and the feed-forward network
:math:`\mathrm{FFN}` (:class:`~specref.layers.feedforward.FeedForwardNetwork`, child ``ffn``), with the
block's dropout :math:`\delta` applied to each branch. spectrans's :class:`TransformerBlock`:

.. math::

    \text{pre-norm:}\quad h &= x + \delta(M(\mathrm{LN}_1 x)), \qquad y = h + \delta(\mathrm{FFN}(\mathrm{LN}_2 h))
    \qquad &(1) \\
    \text{post-norm:}\quad h &= \mathrm{LN}_1(x + \delta(M x)), \qquad y = \mathrm{LN}_2(h + \delta(\mathrm{FFN}\,h))
    \qquad &(2) \\
    \text{parallel:}\quad y &= x + \delta\big(M(\mathrm{LN}\,x) + \mathrm{FFN}(\mathrm{LN}\,x)\big) \qquad &(3)

(no FFN and no :math:`\mathrm{LN}_2` when a :class:`TransformerBlock` has ``ffn_hidden_dim=None``).

**Backward of a residual branch.** For :math:`h = x + \delta(g(u))`, :math:`u = N(x)`: the residual passes
the cotangent through, so :math:`\bar x = \bar h + N^*\big(g^*(\delta^*\bar h)\big)`, with
:math:`\delta^* \bar h = m \odot \bar h/(1-p)` (the keep-mask :math:`m`), :math:`g^*` the wrapped layer's own
backward and :math:`N^*` the layer norm's VJP (:func:`specref.ops.norm.layer_norm_vjp`). In the post-norm
block the norm comes after the sum, so :math:`\bar s = \mathrm{LN}^*(\bar y)` first and both summands receive
:math:`\bar s`. In the parallel block both branches read the same :math:`u`, so their input cotangents add:
:math:`\bar u = M^*(\bar s) + \mathrm{FFN}^*(\bar s)`.

**Dropout names.** spectrans applies one ``nn.Dropout`` module, ``dropout``, to both branches. A mask is
injected by module path (docs/conventions.md); a module applied more than once in a forward gets
``"<path>@<k>"`` for its k-th application (k >= 2): the block's masks are ``"dropout"`` (the mixing branch),
``"dropout@2"`` (the FFN branch), ``"ffn.dropout"`` (inside the FFN) and the wrapped layer's own under
``"mixing_layer."``. spectrans gives the wrapped layer its own dropout too (#28: p applied twice in series on
the mixing branch of the LST, AFNO, wavelet and attention blocks); specref follows it.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from specref._args import check_choice, check_flag, check_positive_float, check_positive_int, check_probability
from specref.backend import as_generator, device_of, dtype_name, namespace, to_numpy
from specref.blocks._cases import block_case
from specref.layers.base import (
    Layer,
    LayerCtx,
    check_keep_mask,
    check_sequence_input,
    child_error_scale,
    child_masks,
    nest,
    prefixed,
)
from specref.layers.feedforward import FFN_ACTIVATIONS, FeedForwardNetwork
from specref.ops.dropout import dropout, dropout_vjp
from specref.ops.norm import layer_norm, layer_norm_vjp
from specref.testing.tolerances import summation_factor

__all__ = ["Block", "TransformerBlock", "PreNormBlock", "PostNormBlock", "ParallelBlock", "PreNormCtx",
           "PostNormCtx", "ParallelCtx", "PreNormSkeleton", "BLOCK_NORM_EPS", "nth_application", "check_wrapped_layer",
           "takes_padding_mask"]

#: spectrans's default layer-norm eps in every block
BLOCK_NORM_EPS = 1e-12


def nth_application(path: str, k: int) -> str:
    """The mask name of the k-th application (k >= 1) of dropout module ``path`` in one forward: ``path`` for
    the first, ``"<path>@<k>"`` after it."""
    return path if k == 1 else f"{path}@{k}"


def takes_padding_mask(layer) -> bool:
    """Whether ``layer.forward`` takes a padding mask ``mask`` (the attention layers do, mixing layers do not)."""
    return "mask" in inspect.signature(layer.forward).parameters


def check_wrapped_layer(layer, hidden_dim: int, *, block: str, name: str) -> Layer:
    """Require a specref layer whose hidden size (``hidden_dim``, or ``channels``) is the block's.

    Raises
    ------
    TypeError
        For anything that is not a specref :class:`~specref.layers.base.Layer` (a torch module included: load
        its weights with ``from_state_dict``).
    ValueError
        For a layer of another hidden size than the block's.
    """
    if not isinstance(layer, Layer):
        raise TypeError(f"{block}: {name} must be a specref Layer, got {type(layer).__name__} (build the specref "
                        "layer and load a torch module's weights with from_state_dict)")
    size = getattr(layer, "hidden_dim", getattr(layer, "channels", None))
    if size is not None and size != hidden_dim:
        raise ValueError(f"{block}: {name} ({type(layer).__name__}) has hidden size {size}, the block has "
                         f"hidden_dim {hidden_dim}")
    return layer


class Block(Layer):
    """What every block shares: the wrapped layers as children, layer norms, the FFN child and the branch dropout.

    Subclasses call :meth:`_init_block` from ``__init__``. The block's own arrays (norms, FFN, gate, fusion) are
    created in the wrapped layers' precision and on their backend.
    """

    def _init_block(self, children: Mapping[str, Layer], *, hidden_dim, ffn_hidden_dim, activation, dropout,
                    norm_eps, gen, before: tuple = (), after: tuple = (), extra: Mapping | None = None,
                    ffn_first: bool = False) -> None:
        """Check the configuration, build the FFN (when ``ffn_hidden_dim`` is not None) and set the arrays in
        spectrans's registration order: ``ffn`` first when ``ffn_first`` (the hybrid blocks), the norms named in
        ``before``, the children, the norms in ``after``, then ``extra`` (host arrays)."""
        block = type(self).__name__
        self.hidden_dim = check_positive_int(hidden_dim, "hidden_dim")
        self.activation = check_choice(activation, FFN_ACTIVATIONS, "activation")
        self.dropout = check_probability(dropout, "dropout")
        self.norm_eps = check_positive_float(norm_eps, "norm_eps")
        for name, layer in children.items():
            check_wrapped_layer(layer, self.hidden_dim, block=block, name=name)
        ref = _reference_array(children.values())
        self.ffn_hidden_dim = None if ffn_hidden_dim is None else check_positive_int(ffn_hidden_dim, "ffn_hidden_dim")
        own_children = dict(children)
        ffn = None
        if self.ffn_hidden_dim is not None:
            ffn = FeedForwardNetwork(self.hidden_dim, self.ffn_hidden_dim, self.activation, self.dropout, seed=gen)
            ffn = ffn if ref is None else ffn.astype(dtype_name(ref.dtype)).to(ref)
            own_children["ffn"] = ffn
        self._children = own_children
        c = self.hidden_dim

        def norm_arrays(names):
            out = {}
            for n in names:
                out[f"{n}.weight"], out[f"{n}.bias"] = _like(np.ones(c), ref), _like(np.zeros(c), ref)
            return out

        params, buffers = {}, {}
        if ffn is not None and ffn_first:
            params.update(prefixed("ffn", ffn.params))
        params.update(norm_arrays(before))
        child_params, buffers = nest(children)
        params.update(child_params)
        params.update(norm_arrays(after))
        if ffn is not None and not ffn_first:
            params.update(prefixed("ffn", ffn.params))
        params.update({k: _like(v, ref) for k, v in (extra or {}).items()})
        self.norms = tuple(before) + tuple(after)
        self._init_arrays(params, buffers)

    def _own(self, host):
        """A host array in the block's precision and on its backend (for arrays a subclass adds)."""
        return _like(host, _reference_array([self]))

    # -- shared steps ------------------------------------------------------------------------------------

    def _check_block_input(self, x) -> None:
        """An array (..., D) with D = hidden_dim and at least 3 axes, in the params' precision and backend."""
        check_sequence_input(x, self.hidden_dim, layer=type(self).__name__)
        self._check_input(x)

    def _start(self, x, training, rng, masks, attention_mask=None) -> dict:
        """The input checks every forward starts with; returns the dropout keywords (one rng stream) and the
        padding mask for the wrapped attention layers."""
        self._check_block_input(x)
        training = check_flag(training, "training")
        if masks:  # unknown mask names are refused even in eval mode
            self._dropout_mask("", (), 0.0, x=x, training=False, rng=None, masks=masks)
        check_keep_mask(x, attention_mask, layer=type(self).__name__)
        return {"training": training, "rng": None if rng is None else as_generator(rng), "masks": masks,
                "attention_mask": attention_mask}

    def _norm(self, name: str, x):
        p = self.params
        return layer_norm(x, p[f"{name}.weight"], p[f"{name}.bias"], eps=self.norm_eps)

    def _norm_vjp(self, name: str, dy, x, y, grads: dict):
        """The layer norm's VJP; its weight and bias gradients are added into ``grads`` (a norm can be applied
        more than once: CascadeBlock's shared norm)."""
        p = self.params
        dx, dw, db = layer_norm_vjp(dy, x, p[f"{name}.weight"], p[f"{name}.bias"], y, eps=self.norm_eps)
        for key, g in ((f"{name}.weight", dw), (f"{name}.bias", db)):
            grads[key] = g if key not in grads else grads[key] + g
        return dx

    def _drop(self, name: str, v, drop: dict):
        """``(mask, v~)``: the block's dropout (p = ``dropout``) applied to ``v`` under mask name ``name``."""
        mask = self._dropout_mask(name, tuple(v.shape), self.dropout, x=v, training=drop["training"],
                                  rng=drop["rng"], masks=drop["masks"])
        return mask, (v if mask is None else dropout(v, mask=mask, p=self.dropout))

    def _drop_vjp(self, mask, dv, v):
        # v~ = m v / (1 - p): dv = m dv~ / (1 - p)
        return dv if mask is None else dropout_vjp(dv, v, None, mask=mask, p=self.dropout)

    def _run(self, name: str, u, drop: dict):
        """Child ``name``'s forward on ``u`` (its masks under ``"<name>."``); an attention layer (one whose
        forward takes ``mask``) also gets the padding mask, a mixing layer has nothing to mask."""
        child = self._child(name)
        extra = {}
        if drop.get("attention_mask") is not None and takes_padding_mask(child):
            extra["mask"] = drop["attention_mask"]
        return child.forward(u, training=drop["training"], rng=drop["rng"], masks=child_masks(drop["masks"], name),
                             **extra)

    def _run_vjp(self, name: str, ctx, dy, grads: dict):
        """Child ``name``'s backward; its gradients go into ``grads`` under its prefix."""
        du, child_grads = self._child(name).backward(ctx, dy)
        grads.update(prefixed(name, child_grads))
        return du

    def _zero_grads(self, grads: dict) -> dict:
        """``grads`` in ``params`` order, zeros for the params the forward did not use (spectrans's unused
        ``norm3``, the unselected layer of an AlternatingBlock: torch leaves them at None, a zero gradient)."""
        xp = self.xp
        return {k: grads[k] if k in grads else xp.zeros_like(v) for k, v in self.params.items()}

    def _dropout_names(self, own: tuple) -> tuple:
        """The children's mask names (prefixed) and the block's own, in the order a forward applies them."""
        nested = tuple(f"{c}.{n}" for c, layer in self._children.items() if c != "ffn" for n in layer.dropout_names)
        ffn = ("ffn.dropout",) if "ffn" in self._children else ()
        return nested + tuple(own) + ffn

    def error_scale(self, input_shape) -> float:
        r"""The claim :math:`c`: the children's claims (each wrapped layer's, the FFN's), each layer norm
        :math:`2(1.5(1 + \log_2 D + 1) + 4)` (twice: forward and the mean/variance sums of the VJP), one per
        dropout and residual, summed and doubled for the propagation through O(1)-conditioned stages."""
        shape = tuple(input_shape)
        children = sum(child_error_scale(layer, shape) for layer in self._children.values())
        norm = 2.0 * (1.5 * (1.0 + summation_factor(self.hidden_dim)) + 4.0)
        return 2.0 * (children + 2.0 * norm * len(self.norms) + 4.0 + 2.0 * len(self._children))


def _reference_array(layers):
    """An array of the first wrapped layer that has one (its dtype and backend are the block's), else None."""
    for layer in layers:
        for v in layer._named_arrays().values():
            if dtype_name(v.dtype) in ("float32", "float64"):
                return v
    return None


def _like(host, ref):
    """``host`` (NumPy float64) in ``ref``'s float dtype, namespace and device (NumPy float64 without ``ref``)."""
    if ref is None:
        return np.asarray(host, dtype=np.float64)
    xp = namespace(ref)
    return xp.asarray(np.asarray(to_numpy(host), dtype=dtype_name(ref.dtype)), device=device_of(ref))


# ----------------------------------------------------------------------------------------------------------
# the pre-norm skeleton (1), shared by TransformerBlock and the hybrid blocks


@dataclass(frozen=True)
class PreNormCtx(LayerCtx):
    """What a pre-norm backward reads, names as in eq. (1): ``u1 = LN1 x``, ``m = M(u1)``, ``h = x + d(m)``,
    ``u2 = LN2 h``, ``f = FFN(u2)``, ``y = h + d(f)``; ``mix`` is the mixer's ctx."""

    x: object
    u1: object
    mix: object
    m: object
    mask1: object
    h: object
    u2: object
    ffn: object
    f: object
    mask2: object
    y: object


class PreNormSkeleton(Block):
    """Eq. (1) with the mixer left to the subclass: ``_mix(u, drop) -> (m, mix_ctx)`` and
    ``_mix_vjp(mix_ctx, dm, grads) -> du``."""

    def _mix(self, u, drop):
        raise NotImplementedError

    def _mix_vjp(self, mix_ctx, dm, grads):
        raise NotImplementedError

    def forward(self, x, *, training: bool = False, rng=None, masks=None, attention_mask=None):
        """``(y, ctx)``: eq. (1).

        Parameters
        ----------
        x : array, float32 or float64, shape (..., N, D)
        training : bool
            Apply the dropouts (the block's, the FFN's, the wrapped layers').
        rng : int or numpy.random.Generator, optional
            One stream for every mask, drawn in the order of ``dropout_names``.
        masks : dict, optional
            Injected keep-masks by module path (module docstring).
        attention_mask : bool array (..., N), optional
            Padding mask (True = a real token) passed as ``mask`` to a wrapped attention layer; a mixing layer
            has nothing to mask and ignores it.

        Raises
        ------
        ValueError
            For an input that is not (..., N, D) with the block's D, unknown mask names, masks of the wrong
            shape, dropout in training mode without rng or masks, and as the wrapped layer raises.
        TypeError
            For a non-array, complex, integer or bool input, or a precision other than the params'.
        """
        drop = self._start(x, training, rng, masks, attention_mask)
        u1 = self._norm("norm1", x)  # u1 = LN1 x
        m, mix_ctx = self._mix(u1, drop)  # m = M(u1)
        mask1, m_drop = self._drop("dropout", m, drop)
        h = x + m_drop  # h = x + d(m)
        u2 = ffn_ctx = f = mask2 = None
        y = h
        if "ffn" in self._children:
            u2 = self._norm("norm2", h)  # u2 = LN2 h
            f, ffn_ctx = self._run("ffn", u2, drop)  # f = FFN(u2)
            mask2, f_drop = self._drop(nth_application("dropout", 2), f, drop)
            y = h + f_drop  # y = h + d(f)
        return y, PreNormCtx(dtype=dtype_name(x.dtype), x=x, u1=u1, mix=mix_ctx, m=m, mask1=mask1, h=h, u2=u2,
                             ffn=ffn_ctx, f=f, mask2=mask2, y=y)

    def backward(self, ctx: PreNormCtx, dy):
        """``(dx, grads)``: eq. (1) in reverse."""
        self._check_cotangent(ctx, dy, tuple(ctx.y.shape))
        grads = {}
        dh = dy  # y = h + d(f): the residual passes dy to h
        if ctx.ffn is not None:
            df = self._drop_vjp(ctx.mask2, dy, ctx.f)  # d*(dy)
            du2 = self._run_vjp("ffn", ctx.ffn, df, grads)  # FFN*
            dh = dy + self._norm_vjp("norm2", du2, ctx.h, ctx.u2, grads)  # dh = dy + LN2*(du2)
        dm = self._drop_vjp(ctx.mask1, dh, ctx.m)  # h = x + d(m): dm = d*(dh)
        du1 = self._mix_vjp(ctx.mix, dm, grads)  # M*
        dx = dh + self._norm_vjp("norm1", du1, ctx.x, ctx.u1, grads)  # dx = dh + LN1*(du1)
        return dx, self._zero_grads(grads)


# ----------------------------------------------------------------------------------------------------------
# spectrans's TransformerBlock, PreNormBlock, PostNormBlock, ParallelBlock


@dataclass(frozen=True)
class PostNormCtx(LayerCtx):
    """Eq. (2): ``m = M(x)``, ``s1 = x + d(m)``, ``h = LN1 s1``, ``f = FFN(h)``, ``s2 = h + d(f)``,
    ``y = LN2 s2``."""

    x: object
    mix: object
    m: object
    mask1: object
    s1: object
    h: object
    ffn: object
    f: object
    mask2: object
    s2: object
    y: object


class TransformerBlock(PreNormSkeleton):
    r"""spectrans's ``TransformerBlock``: a wrapped layer and an optional FFN, pre-norm (1) or post-norm (2).

    Parameters
    ----------
    mixing_layer : Layer
        Any specref layer mapping (..., N, D) to (..., N, D) (child ``mixing_layer``; its arrays become the
        block's under ``"mixing_layer."``).
    hidden_dim : int
        D; the wrapped layer's hidden size must be the same.
    ffn_hidden_dim : int, optional
        F of the FFN. ``None`` (the default, as in spectrans): **no FFN and no** ``norm2`` (spectrans's
        docstring says 4D; its code builds none, #25).
    activation : str
        The FFN's activation (:data:`~specref.layers.feedforward.FFN_ACTIVATIONS`), default ``"gelu"``.
    dropout : float
        p of the block's dropout (both branches) and of the FFN's.
    use_pre_norm : bool
        Eq. (1) (default) or eq. (2).
    norm_eps : float
        The layer norms' eps (default 1e-12, spectrans's).
    seed : int or numpy.random.Generator, keyword-only
        Draws the FFN's weights (torch's ``nn.Linear`` laws); the norms start at weight 1, bias 0.

    Attributes
    ----------
    params : dict
        ``mixing_layer.*``, ``norm1.weight``/``.bias`` (D,), then with an FFN ``ffn.fc1.*``, ``ffn.fc2.*``,
        ``norm2.*``: spectrans's ``named_parameters()`` order.

    Raises
    ------
    TypeError
        For a wrapped layer that is not a specref Layer.
    ValueError
        For a wrapped layer whose hidden size is not ``hidden_dim``, an unknown activation, sizes < 1,
        ``dropout`` outside [0, 1), ``norm_eps <= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from specref.layers import GlobalFilterMixing
    >>> block = TransformerBlock(GlobalFilterMixing(4, 6), hidden_dim=4, ffn_hidden_dim=8)
    >>> list(block.params)
    ['mixing_layer.filter_real', 'mixing_layer.filter_imag', 'norm1.weight', 'norm1.bias', 'ffn.fc1.weight', \
'ffn.fc1.bias', 'ffn.fc2.weight', 'ffn.fc2.bias', 'norm2.weight', 'norm2.bias']
    >>> x = np.random.default_rng(0).standard_normal((2, 6, 4))
    >>> y, ctx = block.forward(x)
    >>> dx, grads = block.backward(ctx, np.ones_like(y))
    >>> y.shape, list(grads) == list(block.params)
    ((2, 6, 4), True)
    """

    def __init__(self, mixing_layer: Layer, hidden_dim: int, ffn_hidden_dim: int | None = None,
                 activation: str = "gelu", dropout: float = 0.0, use_pre_norm: bool = True,
                 norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        self.mixing_layer = mixing_layer
        self.use_pre_norm = check_flag(use_pre_norm, "use_pre_norm")
        self._init_block({"mixing_layer": mixing_layer}, hidden_dim=hidden_dim, ffn_hidden_dim=ffn_hidden_dim,
                         activation=activation, dropout=dropout, norm_eps=norm_eps, gen=as_generator(seed),
                         after=("norm1",))
        if self.ffn_hidden_dim is not None:  # norm2 after the FFN, as spectrans registers them
            c = self.hidden_dim
            self._init_arrays({**self.params, "norm2.weight": self._own(np.ones(c)),
                               "norm2.bias": self._own(np.zeros(c))}, self.buffers)
            self.norms = ("norm1", "norm2")
        self.dropout_names = self._names()

    def _names(self) -> tuple:
        own = ("dropout",)
        nested = tuple(f"mixing_layer.{n}" for n in self.mixing_layer.dropout_names)
        if self.ffn_hidden_dim is None:
            return nested + own
        return nested + own + ("ffn.dropout", nth_application("dropout", 2))

    def _mix(self, u, drop):
        return self._run("mixing_layer", u, drop)

    def _mix_vjp(self, mix_ctx, dm, grads):
        return self._run_vjp("mixing_layer", mix_ctx, dm, grads)

    def forward(self, x, *, training: bool = False, rng=None, masks=None, attention_mask=None):
        """``(y, ctx)``: eq. (1) (``use_pre_norm``) or eq. (2); arguments and errors as the pre-norm forward."""
        if self.use_pre_norm:
            return super().forward(x, training=training, rng=rng, masks=masks, attention_mask=attention_mask)
        drop = self._start(x, training, rng, masks, attention_mask)
        m, mix_ctx = self._mix(x, drop)  # m = M(x)
        mask1, m_drop = self._drop("dropout", m, drop)
        s1 = x + m_drop  # s1 = x + d(m)
        h = self._norm("norm1", s1)  # h = LN1 s1
        ffn_ctx = f = mask2 = s2 = None
        y = h
        if self.ffn_hidden_dim is not None:
            f, ffn_ctx = self._run("ffn", h, drop)  # f = FFN(h)
            mask2, f_drop = self._drop(nth_application("dropout", 2), f, drop)
            s2 = h + f_drop  # s2 = h + d(f)
            y = self._norm("norm2", s2)  # y = LN2 s2
        return y, PostNormCtx(dtype=dtype_name(x.dtype), x=x, mix=mix_ctx, m=m, mask1=mask1, s1=s1, h=h,
                              ffn=ffn_ctx, f=f, mask2=mask2, s2=s2, y=y)

    def backward(self, ctx, dy):
        """``(dx, grads)``: eq. (1) or (2) in reverse."""
        if self.use_pre_norm:
            return super().backward(ctx, dy)
        self._check_cotangent(ctx, dy, tuple(ctx.y.shape))
        grads = {}
        dh = dy
        if ctx.ffn is not None:
            ds2 = self._norm_vjp("norm2", dy, ctx.s2, ctx.y, grads)  # y = LN2 s2
            df = self._drop_vjp(ctx.mask2, ds2, ctx.f)  # s2 = h + d(f): both summands get ds2
            dh = ds2 + self._run_vjp("ffn", ctx.ffn, df, grads)  # dh = ds2 + FFN*(d*(ds2))
        ds1 = self._norm_vjp("norm1", dh, ctx.s1, ctx.h, grads)  # h = LN1 s1
        dm = self._drop_vjp(ctx.mask1, ds1, ctx.m)
        dx = ds1 + self._mix_vjp(ctx.mix, dm, grads)  # s1 = x + d(M x): dx = ds1 + M*(d*(ds1))
        return dx, self._zero_grads(grads)


class PreNormBlock(TransformerBlock):
    """spectrans's ``PreNormBlock``: :class:`TransformerBlock` with eq. (1) and an FFN of ``4 * hidden_dim`` when
    ``ffn_hidden_dim`` is None. Parameters as :class:`TransformerBlock` (no ``use_pre_norm``)."""

    def __init__(self, mixing_layer: Layer, hidden_dim: int, ffn_hidden_dim: int | None = None,
                 activation: str = "gelu", dropout: float = 0.0, norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        hidden = check_positive_int(hidden_dim, "hidden_dim")
        super().__init__(mixing_layer, hidden, 4 * hidden if ffn_hidden_dim is None else ffn_hidden_dim,
                         activation, dropout, True, norm_eps, seed=seed)


class PostNormBlock(TransformerBlock):
    """spectrans's ``PostNormBlock``: :class:`TransformerBlock` with eq. (2) and an FFN of ``4 * hidden_dim`` when
    ``ffn_hidden_dim`` is None. Parameters as :class:`TransformerBlock` (no ``use_pre_norm``)."""

    def __init__(self, mixing_layer: Layer, hidden_dim: int, ffn_hidden_dim: int | None = None,
                 activation: str = "gelu", dropout: float = 0.0, norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        hidden = check_positive_int(hidden_dim, "hidden_dim")
        super().__init__(mixing_layer, hidden, 4 * hidden if ffn_hidden_dim is None else ffn_hidden_dim,
                         activation, dropout, False, norm_eps, seed=seed)


@dataclass(frozen=True)
class ParallelCtx(LayerCtx):
    """Eq. (3): ``u = LN x``, ``m = M(u)``, ``f = FFN(u)``, ``s = m + f``, ``y = x + d(s)``."""

    x: object
    u: object
    mix: object
    ffn: object
    s: object
    mask: object
    y: object


class ParallelBlock(Block):
    r"""spectrans's ``ParallelBlock``: eq. (3), the wrapped layer and the FFN side by side on one norm.

    Parameters as :class:`TransformerBlock` (``ffn_hidden_dim`` None gives ``4 * hidden_dim``). Params:
    ``mixing_layer.*``, ``ffn.fc1.*``, ``ffn.fc2.*``, ``norm.weight``/``.bias``. Masks: the wrapped layer's,
    ``"ffn.dropout"`` and ``"dropout"`` (applied once, to the sum).
    """

    def __init__(self, mixing_layer: Layer, hidden_dim: int, ffn_hidden_dim: int | None = None,
                 activation: str = "gelu", dropout: float = 0.0, norm_eps: float = BLOCK_NORM_EPS, *, seed=0):
        self.mixing_layer = mixing_layer
        hidden = check_positive_int(hidden_dim, "hidden_dim")
        self._init_block({"mixing_layer": mixing_layer}, hidden_dim=hidden,
                         ffn_hidden_dim=4 * hidden if ffn_hidden_dim is None else ffn_hidden_dim,
                         activation=activation, dropout=dropout, norm_eps=norm_eps, gen=as_generator(seed))
        c = self.hidden_dim
        self._init_arrays({**self.params, "norm.weight": self._own(np.ones(c)), "norm.bias": self._own(np.zeros(c))},
                          self.buffers)
        self.norms = ("norm",)
        self.dropout_names = self._dropout_names(()) + ("dropout",)

    def forward(self, x, *, training: bool = False, rng=None, masks=None, attention_mask=None):
        """``(y, ctx)``: eq. (3); arguments and errors as :meth:`TransformerBlock.forward`."""
        drop = self._start(x, training, rng, masks, attention_mask)
        u = self._norm("norm", x)  # u = LN x
        m, mix_ctx = self._run("mixing_layer", u, drop)  # m = M(u)
        f, ffn_ctx = self._run("ffn", u, drop)  # f = FFN(u)
        s = m + f
        mask, s_drop = self._drop("dropout", s, drop)
        y = x + s_drop  # y = x + d(m + f)
        return y, ParallelCtx(dtype=dtype_name(x.dtype), x=x, u=u, mix=mix_ctx, ffn=ffn_ctx, s=s, mask=mask, y=y)

    def backward(self, ctx: ParallelCtx, dy):
        """``(dx, grads)``: eq. (3) in reverse; the two branches' input cotangents add."""
        self._check_cotangent(ctx, dy, tuple(ctx.y.shape))
        grads = {}
        ds = self._drop_vjp(ctx.mask, dy, ctx.s)  # ds = d*(dy), shared by both summands
        du = self._run_vjp("mixing_layer", ctx.mix, ds, grads) + self._run_vjp("ffn", ctx.ffn, ds, grads)
        dx = dy + self._norm_vjp("norm", du, ctx.x, ctx.u, grads)  # dx = dy + LN*(M*(ds) + FFN*(ds))
        return dx, self._zero_grads(grads)


# ----------------------------------------------------------------------------------------------------------
# verification cases

def _gfnet(seed, d=3, n=6):
    from specref.layers.mixing.global_filter import GlobalFilterMixing

    return GlobalFilterMixing(d, n, dropout=0.25, seed=seed)


def _lst(seed, d=4):
    from specref.layers.attention.lst import LSTAttention

    return LSTAttention(d, 2, "dst", dropout=0.25, seed=seed)


def _build_transformer(gen, *, layer, **config):
    wrapped = _gfnet(gen) if layer == "gfnet" else _lst(gen)
    return TransformerBlock(wrapped, seed=gen, **config)


def _build_wrapped(cls):
    def build(gen, *, layer, **config):
        return cls(_gfnet(gen) if layer == "gfnet" else _lst(gen), seed=gen, **config)
    return build


_SMOOTH = {"activation": "tanh", "dropout": 0.25}

CASES = [
    block_case(TransformerBlock, name="TransformerBlock", build=_build_transformer, grid=(
        {"layer": "gfnet", "hidden_dim": 3, "ffn_hidden_dim": 5, **_SMOOTH},  # pre-norm
        {"layer": "gfnet", "hidden_dim": 3, "ffn_hidden_dim": 5, "use_pre_norm": False, **_SMOOTH, "batch": (1, 2)},
    )),
    block_case(TransformerBlock, name="TransformerBlockNoFFN", build=_build_transformer, grid=(
        {"layer": "lst", "hidden_dim": 4, "N": 5, **_SMOOTH},  # ffn_hidden_dim None: spectrans's default
        {"layer": "lst", "hidden_dim": 4, "N": 5, "use_pre_norm": False, "activation": "silu"},
    )),
    block_case(TransformerBlock, name="TransformerBlockEval", build=_build_transformer, train=False, grid=(
        {"layer": "gfnet", "hidden_dim": 3, "ffn_hidden_dim": 4, "activation": "sigmoid", "dropout": 0.5},),),
    block_case(PreNormBlock, name="PreNormBlock", build=_build_wrapped(PreNormBlock), grid=(
        {"layer": "lst", "hidden_dim": 4, "N": 5, "activation": "elu", "dropout": 0.25},),),
    block_case(PostNormBlock, name="PostNormBlock", build=_build_wrapped(PostNormBlock), grid=(
        {"layer": "gfnet", "hidden_dim": 3, **_SMOOTH},),),
    block_case(ParallelBlock, name="ParallelBlock", build=_build_wrapped(ParallelBlock), grid=(
        {"layer": "gfnet", "hidden_dim": 3, "ffn_hidden_dim": 4, **_SMOOTH},
        {"layer": "gfnet", "hidden_dim": 3, "activation": "silu", "batch": (3,)},
    )),
]
