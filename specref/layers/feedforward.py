r"""FeedForwardNetwork: the position-wise two-layer MLP of spectrans's transformer blocks.

:class:`FeedForwardNetwork` is spectrans 0.1.0's ``FeedForwardNetwork`` (``spectrans/blocks/base.py``), with
its constructor, parameter names, shapes and order of operations. For input :math:`x` of shape (..., D), a
hidden size F and an activation :math:`\phi`:

.. math::

    h &= x W_1^T + b_1 \qquad &(1) \\
    a &= \phi(h) \qquad &(2) \\
    \tilde a &= \operatorname{drop}(a) \qquad &(3) \\
    y &= \tilde a W_2^T + b_2 \qquad &(4)

with :math:`W_1` (F, D), :math:`W_2` (D, F) (``fc1``, ``fc2``: torch ``nn.Linear`` s) and the dropout named
``"dropout"``. The backward runs (4*) to (1*): each line one primitive VJP (:mod:`specref.ops.linear`, the
activation's from :data:`specref.ops.activations.ACTIVATIONS`, :mod:`specref.ops.dropout`).

torch's ``nn.TransformerEncoderLayer`` computes the same map under other names (``linear1``, ``dropout``,
``linear2``); :class:`specref.layers.attention.transformer.TransformerEncoderLayer` calls the same primitives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from specref._args import check_choice, check_positive_int, check_probability
from specref.backend import as_generator, dtype_name, to_numpy
from specref.layers._init import torch_default_bias, torch_default_weight
from specref.layers.base import Layer, LayerCtx, layer_case
from specref.ops.activations import ACTIVATION_KINKS, ACTIVATIONS
from specref.ops.dropout import dropout, dropout_vjp
from specref.ops.linear import linear, linear_vjp
from specref.testing.draws import draw_away

__all__ = ["FeedForwardNetwork", "FeedForwardCtx", "FFN_ACTIVATIONS", "bias_away_from_kinks"]

#: the activations spectrans's FeedForwardNetwork accepts (its ``activation_functions`` dict)
FFN_ACTIVATIONS = ("gelu", "relu", "silu", "tanh", "sigmoid", "elu", "leaky_relu")


@dataclass(frozen=True)
class FeedForwardCtx(LayerCtx):
    """What :meth:`FeedForwardNetwork.backward` reads; names follow eqs. (1)-(4) of the module docstring."""

    x: object  # (..., D) input
    h: object  # (1) fc1(x), (..., F)
    a: object  # (2) act(h)
    mask: object | None  # (3) keep-mask of dropout "dropout" (None when inactive)
    a_drop: object  # (3) drop(a)
    y: object  # (4) fc2(a_drop), (..., D)


class FeedForwardNetwork(Layer):
    r"""spectrans's ``FeedForwardNetwork``: ``fc1`` -> activation -> dropout -> ``fc2``, position-wise.

    Parameters
    ----------
    hidden_dim : int
        D, the input's and the output's last axis.
    ffn_hidden_dim : int
        F, the hidden size.
    activation : {"gelu", "relu", "silu", "tanh", "sigmoid", "elu", "leaky_relu"}
        spectrans's names (default ``"gelu"``, the exact erf form, which array-api-strict cannot run); ``elu``
        with alpha 1, ``leaky_relu`` with slope 0.01 (torch's ``nn.ELU()``, ``nn.LeakyReLU()``).
    dropout : float in [0, 1)
        p of the dropout between the activation and ``fc2``, named ``"dropout"`` in ``masks=``.
    seed : int or numpy.random.Generator, keyword-only
        torch's ``nn.Linear`` initialisation (:mod:`specref.layers._init`), drawn in the order ``fc1.weight``,
        ``fc1.bias``, ``fc2.weight``, ``fc2.bias``. Never the same numbers as torch's generator: load a
        state_dict to compare.

    Attributes
    ----------
    params : dict
        ``fc1.weight`` (F, D), ``fc1.bias`` (F,), ``fc2.weight`` (D, F), ``fc2.bias`` (D,): spectrans's
        ``named_parameters()``.

    Raises
    ------
    ValueError
        For an unknown activation, sizes < 1, or ``dropout`` outside [0, 1).
    TypeError
        For sizes that are not integers.

    Notes
    -----
    ``forward(x, *, training=False, rng=None, masks=None) -> (y, ctx)`` for x of shape (..., D) (any leading
    shape, at least one axis), ``backward(ctx, dy) -> (dx, grads)``.

    Examples
    --------
    >>> import numpy as np
    >>> ffn = FeedForwardNetwork(hidden_dim=4, ffn_hidden_dim=8)
    >>> [(k, tuple(v.shape)) for k, v in ffn.params.items()]
    [('fc1.weight', (8, 4)), ('fc1.bias', (8,)), ('fc2.weight', (4, 8)), ('fc2.bias', (4,))]
    >>> x = np.random.default_rng(0).standard_normal((2, 3, 4))
    >>> y, ctx = ffn.forward(x)
    >>> dx, grads = ffn.backward(ctx, np.ones_like(y))
    >>> y.shape, dx.shape, sorted(grads) == sorted(ffn.params)
    ((2, 3, 4), (2, 3, 4), True)
    """

    dropout_names = ("dropout",)

    def __init__(self, hidden_dim: int, ffn_hidden_dim: int, activation: str = "gelu", dropout: float = 0.0, *,
                 seed=0):
        self.hidden_dim = check_positive_int(hidden_dim, "hidden_dim")
        self.ffn_hidden_dim = check_positive_int(ffn_hidden_dim, "ffn_hidden_dim")
        self.activation = check_choice(activation, FFN_ACTIVATIONS, "activation")
        self.dropout = check_probability(dropout, "dropout")
        d, f = self.hidden_dim, self.ffn_hidden_dim
        gen = as_generator(seed)
        w1 = torch_default_weight(gen, (f, d))
        b1 = torch_default_bias(gen, (f, d))
        w2 = torch_default_weight(gen, (d, f))
        b2 = torch_default_bias(gen, (d, f))
        self._init_arrays({"fc1.weight": w1, "fc1.bias": b1, "fc2.weight": w2, "fc2.bias": b2})

    def error_scale(self, input_shape=None) -> float:
        r"""The claim :math:`c` (forward relative error :math:`\le c\,\epsilon`): the two linear maps
        :math:`1.5 n + 2` each (n = D, F: :mod:`specref.ops.linear`'s claim), the activation 8 (the largest
        claim of :data:`~specref.ops.activations.ACTIVATIONS`' cases) and the dropout's scale 1, summed, doubled
        for the propagation through the second map's Lipschitz constant (O(1) weights)."""
        return 2.0 * ((1.5 * self.hidden_dim + 2.0) + 8.0 + 1.0 + (1.5 * self.ffn_hidden_dim + 2.0))

    def _check(self, x) -> None:
        self._check_input(x)  # an array (TypeError for a list), real float, the params' precision and backend
        if x.ndim < 1 or x.shape[-1] != self.hidden_dim:
            raise ValueError(f"FeedForwardNetwork has hidden_dim {self.hidden_dim}: x must have shape (..., "
                             f"{self.hidden_dim}), got {tuple(x.shape)}")

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: eqs. (1)-(4).

        Parameters
        ----------
        x : array, float32 or float64, shape (..., D)
        training : bool
            Apply the dropout (``dropout > 0``).
        rng : int or numpy.random.Generator, optional
            Draws the dropout mask.
        masks : dict, optional
            ``{"dropout": keep_mask}`` of shape (..., F).

        Raises
        ------
        ValueError
            For a last axis other than D, dropout in training mode without rng or masks, an injected mask of
            the wrong name or shape.
        TypeError
            For a non-array, complex, integer or bool input, or a precision other than the params'.
        """
        self._check(x)
        p = self.params
        act = ACTIVATIONS[self.activation][0]
        h = linear(x, p["fc1.weight"], p["fc1.bias"])  # (1)
        a = act(h)  # (2)
        mask = self._dropout_mask("dropout", tuple(a.shape), self.dropout, x=x, training=training, rng=rng,
                                  masks=masks)
        a_drop = a if mask is None else dropout(a, mask=mask, p=self.dropout)  # (3)
        y = linear(a_drop, p["fc2.weight"], p["fc2.bias"])  # (4)
        return y, FeedForwardCtx(dtype=dtype_name(x.dtype), x=x, h=h, a=a, mask=mask, a_drop=a_drop, y=y)

    def backward(self, ctx: FeedForwardCtx, dy):
        """``(dx, grads)``: (4*) to (1*), the forward's lines in reverse."""
        self._check_cotangent(ctx, dy, tuple(ctx.y.shape))
        p = self.params
        act_vjp = ACTIVATIONS[self.activation][1]
        # (4*) y = a~ W2^T + b2: da~ = dy W2, dW2 = sum dy^T a~, db2 = sum dy
        da_drop, dw2, db2 = linear_vjp(dy, ctx.a_drop, p["fc2.weight"], p["fc2.bias"], ctx.y)
        # (3*) a~ = m a / (1 - p): da = m da~ / (1 - p)
        da = da_drop if ctx.mask is None else dropout_vjp(da_drop, ctx.a, ctx.a_drop, mask=ctx.mask, p=self.dropout)
        # (2*) a = phi(h): dh = phi'(h) da
        dh = act_vjp(da, ctx.h, ctx.a)
        # (1*) h = x W1^T + b1: dx = dh W1, dW1 = sum dh^T x, db1 = sum dh
        dx, dw1, db1 = linear_vjp(dh, ctx.x, p["fc1.weight"], p["fc1.bias"], ctx.h)
        return dx, {"fc1.weight": dw1, "fc1.bias": db1, "fc2.weight": dw2, "fc2.bias": db2}


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _build(seed, *, batch=(2, 3), **point):
    """The layer with O(1) params: weights N(0, 1/fan_in), biases N(0, 1/4) (torch's init is uniform and
    smaller; a generic point checks every gradient)."""
    gen = np.random.default_rng(seed)
    layer = FeedForwardNetwork(**point, seed=gen)
    new = {}
    for name, value in layer.params.items():
        shape = tuple(value.shape)
        draw = gen.standard_normal(shape)
        new[name] = draw / math.sqrt(shape[1]) if name.endswith("weight") else 0.5 * draw
    return layer.with_params(new)


def _input_shape(point) -> tuple:
    return (*point.get("batch", (2, 3)), point["hidden_dim"])


def bias_away_from_kinks(layer: Layer, bias_name: str, h, rng) -> Layer:
    """``layer`` with the bias ``bias_name`` of a linear map redrawn so that each of its pre-activations ``h``
    (computed with the current bias: ``h = u W^T + b``) is at least ``KINK_GAP`` from every kink of
    ``layer.activation`` (:data:`~specref.ops.activations.ACTIVATION_KINKS`); the layer unchanged, and ``rng``
    untouched, for a smooth activation. Central differences across a kink are meaningless; the FFN's and the
    transformer's verification cases use this."""
    kinks = ACTIVATION_KINKS.get(layer.activation, ())
    if not kinks:
        return layer
    bias = layer.params[bias_name]
    u_w = to_numpy(h) - to_numpy(bias)  # u W^T, the pre-activations without the bias
    return layer.with_params({bias_name: draw_away(rng, tuple(bias.shape), kinks=kinks, scale=0.5,
                                                   image=lambda b: u_w + b)})


def _away_from_kinks(layer: FeedForwardNetwork, x, rng) -> FeedForwardNetwork:
    """``fc1.bias`` redrawn away from the activation's kinks (:func:`bias_away_from_kinks`)."""
    return bias_away_from_kinks(layer, "fc1.bias", layer.forward(x)[1].h, rng)


def _train_with_mask(layer, x, rng):
    """Training mode with an injected mask (drawn from the case's rng) when the layer has dropout."""
    if layer.dropout == 0.0:
        return {}
    shape = (*tuple(x.shape[:-1]), layer.ffn_hidden_dim)
    return {"training": True, "masks": {"dropout": rng.random(shape) > layer.dropout}}


def _error_scale(point) -> float:
    return FeedForwardNetwork(point["hidden_dim"], point["ffn_hidden_dim"]).error_scale()


_REASON = "two linear maps (1.5 n + 2 each), activation 8, dropout 1, summed and doubled for propagation"

CASES = [
    layer_case(
        FeedForwardNetwork,
        build=_build,
        input_shape=_input_shape,
        grid=(
            {"hidden_dim": 4, "ffn_hidden_dim": 6, "activation": "relu"},
            {"hidden_dim": 3, "ffn_hidden_dim": 5, "activation": "silu", "dropout": 0.25},
            {"hidden_dim": 4, "ffn_hidden_dim": 3, "activation": "tanh", "batch": (5,)},
            {"hidden_dim": 2, "ffn_hidden_dim": 4, "activation": "sigmoid", "batch": ()},
            {"hidden_dim": 4, "ffn_hidden_dim": 6, "activation": "elu"},
            {"hidden_dim": 4, "ffn_hidden_dim": 6, "activation": "leaky_relu", "dropout": 0.5},
        ),
        error_scale=_error_scale,
        error_reason=_REASON,
        forward_kwargs=_train_with_mask,
        away_from_kinks=_away_from_kinks,
    ),
    replace(
        layer_case(
            FeedForwardNetwork,
            name="FeedForwardNetworkGelu",
            build=_build,
            input_shape=_input_shape,
            grid=({"hidden_dim": 4, "ffn_hidden_dim": 6, "activation": "gelu", "dropout": 0.25},),
            error_scale=_error_scale,
            error_reason=_REASON,
            forward_kwargs=_train_with_mask,
        ),
        backend_limits={"strict": "GELU's exact (erf) form needs erf/erfc, which the array API standard does not "
                        "define (specref.ops.elementwise); the other activations run on strict"},
    ),
]
