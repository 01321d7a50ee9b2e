r"""The model skeleton every spectrans model shares (``spectrans/models/base.py``'s ``BaseModel``), by hand.

For token ids :math:`t` (..., N) or given embeddings :math:`x_0` (..., N, D):

.. math::

    x_0 &= E_t \quad\text{(embedding, ``embedding.weight`` (V, D)) or the given embeddings} \qquad &(1) \\
    x_1 &= \mathrm{PE}(x_0) \quad\text{(sinusoidal, learned, rotary or none)} \qquad &(2) \\
    x_2 &= \delta(x_1) \quad\text{(the input dropout ``"dropout"``)} \qquad &(3) \\
    h_{i+1} &= B_i(h_i),\; h_0 = x_2 \quad\text{(the blocks ``blocks.i``)} \qquad &(4) \\
    z &= \mathrm{LN}(h_L) \quad\text{(``final_norm``, eps ``norm_eps``)} \qquad &(5) \\
    y &= \mathrm{head}(z) \quad\text{(``output_head``, or a top-level ``lm_head``, or none)} \qquad &(6)

**Backward** is (6) to (1) in reverse, each step the part's own backward: the head's, the layer norm's VJP, each
block's backward from the last to the first, the dropout's, the encoding's, and for token ids the embedding's
scatter-add (:func:`specref.ops.embedding.embedding_vjp`); ids are not differentiable, so ``dx`` is None then.

**Where specref departs from spectrans** (each a finding in validation/FINDINGS.md; ``spectrans_behaviour=True``
reproduces spectrans, named as such, for comparisons):

- input dropout is applied once, (3) (spectrans applies the encoding's dropout and then (3): p twice in series,
  finding ``spectrans_model_input_dropout``);
- ``attention_mask`` reaches the attention layers inside the blocks as their padding mask (spectrans passes it
  only to the pooling head; finding ``spectrans_model_attention_mask``); mixing layers have nothing to mask;
- ``positional_encoding_type="alibi"`` is refused: spectrans builds no encoding and adds no bias anywhere for it
  (finding ``spectrans_model_alibi``), and none of these models exposes attention logits a bias could enter.

Dropout masks are injected by module path (docs/conventions.md): ``"dropout"``, ``"positional_encoding.dropout"``
(spectrans mode only), ``"blocks.<i>.<path in the block>"``, ``"output_head.dropout"``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from specref._args import (
    check_allocation,
    check_choice,
    check_flag,
    check_positive_float,
    check_positive_int,
    check_probability,
)
from specref.backend import as_generator, dtype_name, namespace
from specref.layers._init import torch_default_bias, torch_default_weight, xavier_uniform
from specref.layers.base import Layer, LayerCtx, check_keep_mask, child_masks, nest, prefixed
from specref.models.heads import ClassificationHead, RegressionHead, SequenceHead
from specref.models.positional import POSITIONAL_ENCODINGS
from specref.ops.dropout import dropout, dropout_vjp
from specref.ops.embedding import embedding, embedding_vjp
from specref.ops.linear import linear, linear_vjp
from specref.ops.norm import layer_norm, layer_norm_vjp

__all__ = ["Model", "ModelCtx", "OUTPUT_TYPES", "POSITIONAL_ENCODING_TYPES", "common_config"]

#: the constructor arguments every model passes to :meth:`Model._init_model`
_COMMON = ("vocab_size", "hidden_dim", "num_layers", "max_sequence_length", "num_classes", "use_positional_encoding",
           "positional_encoding_type", "dropout", "ffn_hidden_dim", "norm_eps", "output_type", "spectrans_behaviour",
           "seed", "memory_limit")


def common_config(arguments: dict) -> dict:
    """The common arguments out of a family constructor's ``locals()``."""
    return {k: arguments[k] for k in _COMMON}

#: spectrans's ``output_type`` names
OUTPUT_TYPES = ("classification", "regression", "sequence", "lm", "none")
#: spectrans's ``positional_encoding_type`` names ("alibi" is refused: module docstring)
POSITIONAL_ENCODING_TYPES = ("sinusoidal", "learned", "rotary", "alibi", "none")


@dataclass(frozen=True)
class ModelCtx(LayerCtx):
    """What :meth:`Model.backward` reads, names as eqs. (1)-(6)."""

    ids: object  # token ids, or None for given embeddings
    x0: object
    pe: object  # the encoding's ctx (None without one)
    x1: object
    mask: object  # the input dropout's keep-mask
    blocks: tuple  # each block's ctx
    h: object  # h_L
    z: object
    head: object  # the head's ctx, or for a top-level lm_head its input z
    y: object
    input_shape: tuple


class Model(Layer):
    """The skeleton (eqs. (1)-(6)); each family builds its blocks with :meth:`_init_model`.

    Common constructor arguments (spectrans's ``BaseModel``): ``vocab_size`` (an embedding table when given),
    ``hidden_dim``, ``num_layers``, ``max_sequence_length``, ``num_classes``, ``use_positional_encoding``,
    ``positional_encoding_type``, ``dropout``, ``ffn_hidden_dim`` (None -> 4 D), ``norm_eps`` (1e-12),
    ``output_type``; specref adds ``spectrans_behaviour`` (module docstring), ``seed`` and ``memory_limit`` (the
    bytes the parameters may take, default the machine's physical memory: a larger model is refused before any
    array is allocated, naming the estimate).
    """

    def _init_model(self, block: Callable, *, vocab_size, hidden_dim, num_layers, max_sequence_length, num_classes,
                    use_positional_encoding, positional_encoding_type, dropout, ffn_hidden_dim, norm_eps,
                    output_type, spectrans_behaviour, seed, memory_limit, block_param_count: Callable | None = None,
                    lm_head: int | None = None) -> None:
        """Check the configuration, refuse a model too large, then build (1)-(6) in spectrans's order.

        ``block(i, gen) -> Layer`` builds block i (float64 NumPy); ``block_param_count()`` counts one block's
        parameters and buffers without building it (default: build blocks 0 and 1 once and count the larger,
        for families whose blocks are small); ``lm_head`` is the vocabulary of a top-level ``lm_head``
        (spectrans's LST and FNO decoders).
        """
        name = type(self).__name__
        self.vocab_size = None if vocab_size is None else check_positive_int(vocab_size, "vocab_size")
        self.hidden_dim = check_positive_int(hidden_dim, "hidden_dim")
        self.num_layers = check_positive_int(num_layers, "num_layers")
        self.max_sequence_length = check_positive_int(max_sequence_length, "max_sequence_length")
        self.num_classes = None if num_classes is None else check_positive_int(num_classes, "num_classes")
        self.use_positional_encoding = check_flag(use_positional_encoding, "use_positional_encoding")
        self.positional_encoding_type = check_choice(positional_encoding_type, POSITIONAL_ENCODING_TYPES,
                                                     "positional_encoding_type")
        self.dropout = check_probability(dropout, "dropout")
        self.ffn_hidden_dim = 4 * self.hidden_dim if ffn_hidden_dim is None else check_positive_int(
            ffn_hidden_dim, "ffn_hidden_dim")
        self.norm_eps = check_positive_float(norm_eps, "norm_eps")
        self.output_type = check_choice(output_type, OUTPUT_TYPES, "output_type")
        self.spectrans_behaviour = check_flag(spectrans_behaviour, "spectrans_behaviour")
        pe_type = self.positional_encoding_type if self.use_positional_encoding else "none"
        if pe_type == "alibi":
            if not self.spectrans_behaviour:
                raise ValueError(
                    f"{name}: positional_encoding_type='alibi' adds a bias to attention logits, and this model has "
                    "none (spectrans accepts it and silently uses no positional encoding at all; pass "
                    "positional_encoding_type='none' for that, or spectrans_behaviour=True to reproduce it)")
            pe_type = "none"
        if pe_type == "sinusoidal" and self.hidden_dim % 2:
            raise ValueError(f"{name}: the sinusoidal positional encoding needs an even hidden_dim (spectrans's "
                             f"crashes on an odd one), got {self.hidden_dim}; use 'learned' or 'none'")
        if pe_type == "rotary" and self.hidden_dim % 2:
            raise ValueError(f"{name}: the rotary encoding pairs features (i, i + D/2) and needs an even "
                             f"hidden_dim, got {self.hidden_dim}")
        self.pe_type = pe_type
        head = self._head_spec(lm_head)
        d = self.hidden_dim
        if block_param_count is None:
            def block_param_count():  # the larger of blocks 0 and 1 (the hybrids alternate two kinds)
                return max(sum(int(np.prod(v.shape)) for v in block(i, np.random.default_rng(0))._named_arrays()
                               .values()) for i in range(min(2, self.num_layers)))
        count = self.num_layers * int(block_param_count()) + 2 * d
        count += 0 if self.vocab_size is None else self.vocab_size * d
        count += {"none": 0, "rotary": d // 2}.get(pe_type, self.max_sequence_length * d)
        count += 0 if head is None else head[1] * (d + 1)
        check_allocation((count,), 8, f"{name}'s parameters and buffers ({count} float64 numbers)",
                         limit=memory_limit)
        gen = as_generator(seed)
        own = {}
        if self.vocab_size is not None:
            own["embedding.weight"] = xavier_uniform(gen, (self.vocab_size, d))
        children = {}
        if pe_type != "none":
            p_pe = self.dropout if self.spectrans_behaviour and pe_type != "rotary" else 0.0
            kwargs = {} if pe_type == "rotary" else {"dropout": p_pe}
            children["positional_encoding"] = POSITIONAL_ENCODINGS[pe_type](d, self.max_sequence_length, seed=gen,
                                                                            **kwargs)
        for i in range(self.num_layers):
            children[f"blocks.{i}"] = block(i, gen)
        self._head_kind = None if head is None else head[0]
        body = dict(children)
        if head is not None and head[0] != "lm_top":
            children["output_head"] = head[2](gen)
        self._children = children
        params, buffers = nest(body)
        params = {**own, **params, "final_norm.weight": np.ones(d), "final_norm.bias": np.zeros(d)}
        if "output_head" in children:
            head_params, head_buffers = nest({"output_head": children["output_head"]})
            params.update(head_params)
            buffers.update(head_buffers)
        if self._head_kind == "lm_top":
            shape = (head[1], d)
            params["lm_head.weight"] = torch_default_weight(gen, shape)
            params["lm_head.bias"] = torch_default_bias(gen, shape)
        self._init_arrays(params, buffers)
        self.dropout_names = self._model_dropout_names()

    # -- construction helpers ------------------------------------------------------------------------------

    def _head_spec(self, lm_head):
        """``(kind, out_features, build)`` of the head, or None (spectrans's rules for ``output_type``)."""
        d, p = self.hidden_dim, self.dropout
        if lm_head is not None:
            return ("lm_top", check_positive_int(lm_head, "vocab_size"), None)
        kind = self.output_type
        if kind == "classification" and self.num_classes is not None:
            c = self.num_classes
            return (kind, c, lambda gen: ClassificationHead(d, c, p, seed=gen))
        if kind == "regression":
            return (kind, 1, lambda gen: RegressionHead(d, p, seed=gen))
        if kind in ("sequence", "lm"):
            out = self.num_classes if self.num_classes is not None else self.vocab_size
            if out is None:
                if kind == "lm":
                    raise ValueError(f"{type(self).__name__}: output_type='lm' needs num_classes or vocab_size")
                out = d
            return (kind, out, lambda gen: SequenceHead(d, out, p, seed=gen))
        return None

    def _model_dropout_names(self) -> tuple:
        names = []
        if "positional_encoding" in self._children:
            names += [f"positional_encoding.{n}" for n in self._children["positional_encoding"].dropout_names]
        names.append("dropout")
        for i in range(self.num_layers):
            names += [f"blocks.{i}.{n}" for n in self._children[f"blocks.{i}"].dropout_names]
        if "output_head" in self._children:
            names.append("output_head.dropout")
        return tuple(names)

    def error_scale(self, input_shape) -> float:
        """The claim: the blocks' claims (each at the input's shape), the final norm's and the head's, the input
        steps' (embedding copy, encoding 6, dropout 1), summed and doubled for the propagation through O(1)
        conditioned stages."""
        from specref.layers.base import child_error_scale
        from specref.testing.tolerances import summation_factor

        shape = tuple(input_shape)
        if len(shape) == 0 or shape[-1] != self.hidden_dim:  # token ids: (..., N)
            shape = (*shape, self.hidden_dim)
        parts = sum(child_error_scale(layer, shape) for layer in self._children.values())
        norm = 2.0 * (1.5 * (1.0 + summation_factor(self.hidden_dim)) + 4.0)
        lm = 0.0 if self._head_kind != "lm_top" else 2.0 * (1.5 * self.hidden_dim + 2.0)
        return 2.0 * (parts + norm + lm + 8.0)

    # -- forward and backward -------------------------------------------------------------------------------

    def _embed(self, x):
        """Eq. (1): ``(ids, x0)``; integer ``x`` are token ids (an embedding is required)."""
        name = type(self).__name__
        try:
            xp = namespace(x)
        except TypeError:
            raise TypeError(f"{name} accepts an array of token ids (..., N) or embeddings (..., N, D), got "
                            f"{type(x).__name__}") from None
        kind = dtype_name(x.dtype)
        if kind.startswith(("int", "uint")):
            if self.vocab_size is None:
                raise ValueError(f"{name} has no embedding (vocab_size=None): pass embeddings (..., N, "
                                 f"{self.hidden_dim}), not token ids")
            if x.ndim < 2:
                raise ValueError(f"{name}: token ids must have shape (B, N) (any leading batch shape), got "
                                 f"{tuple(x.shape)}")
            namespace(x, self.params["embedding.weight"])
            return x, embedding(x, self.params["embedding.weight"])
        self._check_input(x)
        if x.ndim < 3 or x.shape[-1] != self.hidden_dim:
            raise ValueError(f"{name}: embeddings must have shape (B, N, {self.hidden_dim}) (any leading batch "
                             f"shape), got {tuple(x.shape)}")
        del xp
        return None, x

    def forward(self, x, *, attention_mask=None, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: eqs. (1)-(6).

        Parameters
        ----------
        x : integer array (..., N) of token ids, or float array (..., N, D) of embeddings
            spectrans's ``input_ids`` and ``inputs_embeds`` (given embeddings take precedence there too).
        attention_mask : bool array (..., N), optional
            True = a real token. It reaches the attention layers in the blocks and the pooling head (spectrans:
            the head only, unless ``spectrans_behaviour``).
        training : bool
            Apply the dropouts.
        rng : int or numpy.random.Generator, optional
            One stream for every mask, in the order of ``dropout_names``.
        masks : dict, optional
            Keep-masks injected by module path (module docstring).

        Raises
        ------
        ValueError
            For ids without an embedding, ids out of range (IndexError), a sequence longer than the positional
            encoding's table, embeddings of another hidden size, an attention mask of another shape, unknown
            mask names, dropout in training mode without rng or masks.
        TypeError
            For a non-array input, a float precision other than the params', a non-boolean attention mask.
        """
        training = check_flag(training, "training")
        ids, x0 = self._embed(x)
        if masks:
            self._dropout_mask("", (), 0.0, x=x0, training=False, rng=None, masks=masks)
        check_keep_mask(x0, attention_mask, layer=type(self).__name__)
        gen = None if rng is None else as_generator(rng)
        kw = {"training": training, "rng": gen}
        pe_ctx, x1 = None, x0
        if "positional_encoding" in self._children:
            x1, pe_ctx = self._child("positional_encoding").forward(
                x0, masks=child_masks(masks, "positional_encoding"), **kw)  # (2)
        mask = self._dropout_mask("dropout", tuple(x1.shape), self.dropout, x=x1, masks=masks, **kw)
        h = x1 if mask is None else dropout(x1, mask=mask, p=self.dropout)  # (3)
        block_mask = None if self.spectrans_behaviour else attention_mask
        ctxs = []
        for i in range(self.num_layers):
            name = f"blocks.{i}"
            block = self._child(name)
            extra = {}
            if block_mask is not None and "attention_mask" in inspect.signature(block.forward).parameters:
                extra["attention_mask"] = block_mask
            h, c = block.forward(h, masks=child_masks(masks, name), **kw, **extra)  # (4)
            ctxs.append(c)
        p = self.params
        z = layer_norm(h, p["final_norm.weight"], p["final_norm.bias"], eps=self.norm_eps)  # (5)
        head, y = None, z
        if "output_head" in self._children:  # (6)
            y, head = self._child("output_head").forward(z, attention_mask=attention_mask,
                                                         masks=child_masks(masks, "output_head"), **kw)
        elif self._head_kind == "lm_top":
            y = linear(z, p["lm_head.weight"], p["lm_head.bias"])
        return y, ModelCtx(dtype=dtype_name(x0.dtype), ids=ids, x0=x0, pe=pe_ctx, x1=x1, mask=mask,
                           blocks=tuple(ctxs), h=h, z=z, head=head, y=y, input_shape=tuple(x.shape))

    def backward(self, ctx: ModelCtx, dy):
        """``(dx, grads)``: eqs. (6) to (1) in reverse; ``dx`` is None for token ids (not differentiable), and
        ``embedding.weight`` gets a zero gradient when embeddings were given."""
        self._check_cotangent(ctx, dy, tuple(ctx.y.shape))
        p = self.params
        grads = {}
        dz = dy
        if "output_head" in self._children:  # (6*)
            dz, g = self._child("output_head").backward(ctx.head, dy)
            grads.update(prefixed("output_head", g))
        elif self._head_kind == "lm_top":
            dz, dw, db = linear_vjp(dy, ctx.z, p["lm_head.weight"], p["lm_head.bias"], ctx.y)
            grads.update({"lm_head.weight": dw, "lm_head.bias": db})
        dh, dw, db = layer_norm_vjp(dz, ctx.h, p["final_norm.weight"], p["final_norm.bias"], ctx.z,
                                    eps=self.norm_eps)  # (5*)
        grads.update({"final_norm.weight": dw, "final_norm.bias": db})
        for i in reversed(range(self.num_layers)):  # (4*)
            name = f"blocks.{i}"
            dh, g = self._child(name).backward(ctx.blocks[i], dh)
            grads.update(prefixed(name, g))
        dx1 = dh if ctx.mask is None else dropout_vjp(dh, ctx.x1, None, mask=ctx.mask, p=self.dropout)  # (3*)
        dx0 = dx1
        if ctx.pe is not None:  # (2*)
            dx0, g = self._child("positional_encoding").backward(ctx.pe, dx1)
            grads.update(prefixed("positional_encoding", g))
        dx = dx0
        if self.vocab_size is not None:  # (1*)
            weight = p["embedding.weight"]
            if ctx.ids is None:
                grads["embedding.weight"] = self.xp.zeros_like(weight)
            else:
                grads["embedding.weight"] = embedding_vjp(dx0, ctx.ids, weight, ctx.x0)
                dx = None
        return dx, {k: grads[k] for k in self.params}
