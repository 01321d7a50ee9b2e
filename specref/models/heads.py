r"""The output heads of spectrans's models: classification, regression and sequence (language-model) heads.

For final hidden states :math:`H` of shape (..., N, D) and an optional ``attention_mask`` :math:`m` (..., N):

.. math::

    \text{classification, regression:}\quad z &= \operatorname{pool}_m(H), \qquad
        y = \delta(z)\,W^T + b \qquad &(1) \\
    \text{sequence:}\quad y &= \delta(H)\,W^T + b \qquad &(2)

with :math:`\operatorname{pool}` one of ``"cls"`` (the first position, :math:`z = H_0`; the mask is not read),
``"mean"`` and ``"max"`` over the kept positions (:mod:`specref.ops.sequence_pool`), :math:`\delta` the head's
dropout ``"dropout"`` and :math:`W, b` the linear map: ``classifier`` (C, D), ``regressor`` (1, D) or
``lm_head`` (V, D). spectrans's defaults: classification pools ``"cls"``, regression ``"mean"``.

**Backward.** :math:`\bar z = \delta^*(\bar y W)` and the linear map's gradients
(:func:`specref.ops.linear.linear_vjp`); then the pooling's VJP: ``cls`` puts :math:`\bar z` on position 0
(zero elsewhere), mean and max as :mod:`specref.ops.sequence_pool`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from specref._args import check_choice, check_positive_int, check_probability
from specref.backend import dtype_name
from specref.layers._init import torch_default_bias, torch_default_weight
from specref.layers.base import Layer, LayerCtx, check_sequence_input, layer_case
from specref.ops.dropout import dropout, dropout_vjp
from specref.ops.linear import linear, linear_vjp
from specref.ops.sequence_pool import masked_max, masked_max_vjp, masked_mean, masked_mean_vjp

__all__ = ["ClassificationHead", "RegressionHead", "SequenceHead", "HeadCtx", "POOLINGS"]

#: spectrans's pooling names
POOLINGS = ("cls", "mean", "max")


@dataclass(frozen=True)
class HeadCtx(LayerCtx):
    """``h`` the input, ``z`` the pooled (or whole) states, ``mask`` the dropout's keep-mask, ``z_drop`` the
    dropped states, ``y`` the output, ``attention_mask`` the padding mask the pooling read."""

    h: object
    z: object
    mask: object
    z_drop: object
    y: object
    attention_mask: object


class _Head(Layer):
    dropout_names = ("dropout",)
    _linear = ""  # the linear map's name
    pooling = None

    def _init_head(self, hidden_dim, out_features, dropout_p, pooling, seed):
        self.hidden_dim = check_positive_int(hidden_dim, "hidden_dim")
        self.dropout = check_probability(dropout_p, "dropout")
        if pooling is not None:
            self.pooling = check_choice(pooling, POOLINGS, "pooling")
        gen = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        shape = (check_positive_int(out_features, "out_features"), self.hidden_dim)
        self._init_arrays({f"{self._linear}.weight": torch_default_weight(gen, shape),
                           f"{self._linear}.bias": torch_default_bias(gen, shape)})

    def error_scale(self, input_shape) -> float:
        """The pooling (a sum of N terms: N + 1), the dropout (1) and the linear map (1.5 D + 2), doubled."""
        n = tuple(input_shape)[-2]
        return 2.0 * ((n + 1.0) + 1.0 + 1.5 * self.hidden_dim + 2.0)

    def _pool(self, h, attention_mask):
        if self.pooling is None:
            return h
        if self.pooling == "cls":
            return h[..., 0, :]
        return (masked_mean if self.pooling == "mean" else masked_max)(h, attention_mask)

    def _pool_vjp(self, dz, ctx: HeadCtx):
        if self.pooling is None:
            return dz
        if self.pooling == "cls":
            xp = self.xp
            rest = xp.zeros((*dz.shape[:-1], ctx.h.shape[-2] - 1, dz.shape[-1]), dtype=dz.dtype)
            return xp.concat([dz[..., None, :], rest], axis=-2)
        vjp = masked_mean_vjp if self.pooling == "mean" else masked_max_vjp
        return vjp(dz, ctx.h, ctx.z, mask=ctx.attention_mask)

    def forward(self, h, *, attention_mask=None, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: eq. (1) (or (2) for the sequence head) on h of shape (..., N, D).

        Parameters
        ----------
        h : array, float32 or float64, shape (..., N, D)
        attention_mask : bool array (..., N), optional
            True = a real token; read by the ``mean`` and ``max`` poolings only (as spectrans).
        training, rng, masks
            The dropout ``"dropout"`` (on the pooled states, or on every position for the sequence head).
        """
        check_sequence_input(h, self.hidden_dim, layer=type(self).__name__)
        self._check_input(h)
        z = self._pool(h, attention_mask)
        mask = self._dropout_mask("dropout", tuple(z.shape), self.dropout, x=h, training=training, rng=rng,
                                  masks=masks)
        z_drop = z if mask is None else dropout(z, mask=mask, p=self.dropout)
        p = self.params
        y = linear(z_drop, p[f"{self._linear}.weight"], p[f"{self._linear}.bias"])
        return y, HeadCtx(dtype=dtype_name(h.dtype), h=h, z=z, mask=mask, z_drop=z_drop, y=y,
                          attention_mask=attention_mask)

    def backward(self, ctx: HeadCtx, dy):
        """``(dh, grads)``: the linear map's VJP, the dropout's, the pooling's."""
        self._check_cotangent(ctx, dy, tuple(ctx.y.shape))
        p, name = self.params, self._linear
        dz_drop, dw, db = linear_vjp(dy, ctx.z_drop, p[f"{name}.weight"], p[f"{name}.bias"], ctx.y)
        dz = dz_drop if ctx.mask is None else dropout_vjp(dz_drop, ctx.z, ctx.z_drop, mask=ctx.mask, p=self.dropout)
        return self._pool_vjp(dz, ctx), {f"{name}.weight": dw, f"{name}.bias": db}


class ClassificationHead(_Head):
    r"""spectrans's ``ClassificationHead``: eq. (1) with ``classifier`` (C, D).

    Parameters
    ----------
    hidden_dim : int
        D.
    num_classes : int
        C.
    dropout : float in [0, 1)
        p of the dropout on the pooled states.
    pooling : {"cls", "mean", "max"}
        spectrans's default ``"cls"`` (its models cannot change it).
    seed : int or numpy.random.Generator, keyword-only
        torch's ``nn.Linear`` initialisation laws.
    """

    _linear = "classifier"

    def __init__(self, hidden_dim: int, num_classes: int, dropout: float = 0.1, pooling: str = "cls", *, seed=0):
        self._init_head(hidden_dim, num_classes, dropout, pooling, seed)
        self.num_classes = int(num_classes)


class RegressionHead(_Head):
    r"""spectrans's ``RegressionHead``: eq. (1) with ``regressor`` (1, D), pooling ``"mean"`` by default.
    Parameters as :class:`ClassificationHead` without ``num_classes``."""

    _linear = "regressor"

    def __init__(self, hidden_dim: int, dropout: float = 0.1, pooling: str = "mean", *, seed=0):
        self._init_head(hidden_dim, 1, dropout, pooling, seed)


class SequenceHead(_Head):
    r"""spectrans's ``SequenceHead``: eq. (2) with ``lm_head`` (V, D), at every position (the mask is not read).
    Parameters: ``hidden_dim``, ``vocab_size`` (V), ``dropout``, ``seed``."""

    _linear = "lm_head"

    def __init__(self, hidden_dim: int, vocab_size: int, dropout: float = 0.1, *, seed=0):
        self._init_head(hidden_dim, vocab_size, dropout, None, seed)
        self.vocab_size = int(vocab_size)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _train(layer, x, rng):
    shape = tuple(x.shape) if layer.pooling is None else tuple(x.shape[:-2]) + (x.shape[-1],)
    kwargs = {"training": True, "masks": {"dropout": rng.random(shape) > layer.dropout}}
    if layer.pooling in ("mean", "max"):
        keep = rng.random(tuple(x.shape[:-1])) < 0.7
        keep[..., 0] = True
        kwargs["attention_mask"] = layer.xp.asarray(keep)
    return kwargs


def _scale(p) -> float:
    return 2.0 * ((p["n"] + 1.0) + 1.0 + 1.5 * p["d"] + 2.0)


_REASON = "pooling (N + 1), dropout (1), the linear map (1.5 D + 2), doubled"

CASES = [
    layer_case(ClassificationHead, build=lambda seed, **p: ClassificationHead(p["d"], 3, 0.25, p["pool"], seed=seed),
               input_shape=lambda p: (2, p["n"], p["d"]), forward_kwargs=_train, error_scale=_scale,
               error_reason=_REASON,
               grid=({"d": 4, "n": 5, "pool": "cls"}, {"d": 3, "n": 6, "pool": "mean"},
                     {"d": 4, "n": 4, "pool": "max"})),
    layer_case(RegressionHead, build=lambda seed, **p: RegressionHead(p["d"], 0.25, p["pool"], seed=seed),
               input_shape=lambda p: (3, p["n"], p["d"]), forward_kwargs=_train, error_scale=_scale,
               error_reason=_REASON, grid=({"d": 4, "n": 5, "pool": "mean"}, {"d": 2, "n": 3, "pool": "cls"})),
    layer_case(SequenceHead, build=lambda seed, **p: SequenceHead(p["d"], 7, 0.25, seed=seed),
               input_shape=lambda p: (2, p["n"], p["d"]), forward_kwargs=_train, error_scale=_scale,
               error_reason=_REASON, grid=({"d": 4, "n": 5},)),
]
