r"""Sequential: layers applied one after another, as ``torch.nn.Sequential`` composes modules.

For layers :math:`L_0, \dots, L_{k-1}`, :math:`y = L_{k-1}(\cdots L_1(L_0(x)))`. The backward is the chain rule
in reverse: :math:`\bar x_{i} = L_i^*(\bar x_{i+1})` with :math:`\bar x_k = \bar y`, each step the layer's own
backward. The arrays of layer ``i`` are named ``"<i>.<name>"`` (torch's ``Sequential`` naming), so
spectrans's ``FNOBlock(num_layers > 1)`` (``mixing_layer.0.spectral_conv.weights``...) loads by its keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from specref.backend import as_generator, dtype_name
from specref.layers.base import Layer, LayerCtx, child_error_scale, child_masks, nest, prefixed

__all__ = ["Sequential", "SequentialCtx"]


@dataclass(frozen=True)
class SequentialCtx(LayerCtx):
    """The ctx of each layer, in order, and the output's shape."""

    ctxs: tuple
    output_shape: tuple


class Sequential(Layer):
    r"""Layers in sequence, ``y = layers[-1](... layers[0](x))``; arrays named ``"<i>.<name>"``.

    Parameters
    ----------
    *layers : Layer
        At least one specref layer (their configurations are kept; their arrays become this layer's).

    Raises
    ------
    TypeError
        For an argument that is not a specref :class:`~specref.layers.base.Layer`.
    ValueError
        For no layers.

    Examples
    --------
    >>> import numpy as np
    >>> from specref.layers import FeedForwardNetwork
    >>> seq = Sequential(FeedForwardNetwork(4, 8, seed=0), FeedForwardNetwork(4, 6, seed=1))
    >>> list(seq.params)[:2]
    ['0.fc1.weight', '0.fc1.bias']
    >>> y, ctx = seq.forward(np.ones((2, 3, 4)))
    >>> dx, grads = seq.backward(ctx, np.ones_like(y))
    >>> dx.shape, sorted(grads) == sorted(seq.params)
    ((2, 3, 4), True)
    """

    def __init__(self, *layers: Layer):
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: argument {i} is a {type(layer).__name__}, not a specref Layer")
        self.layers = tuple(layers)
        self._children = {str(i): layer for i, layer in enumerate(layers)}
        self.dropout_names = tuple(f"{i}.{n}" for i, layer in enumerate(layers) for n in layer.dropout_names)
        hidden = getattr(layers[0], "hidden_dim", None)
        if hidden is not None:
            self.hidden_dim = hidden
        self._init_arrays(*nest(self._children))

    def error_scale(self, input_shape) -> float:
        """The sum of the layers' claims (each :meth:`error_scale` called with the input's shape, or its
        sequence length for the attention layers' signature)."""
        return sum(child_error_scale(layer, input_shape) for layer in self._children.values())

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: each layer's forward in turn (``masks`` keyed ``"<i>.<name>"``)."""
        if masks:
            self._dropout_mask("", (), 0.0, x=x, training=False, rng=None, masks=masks)  # refuses unknown names
        rng = None if rng is None else as_generator(rng)
        ctxs, y = [], x
        for name in self._children:
            y, ctx = self._child(name).forward(y, training=training, rng=rng, masks=child_masks(masks, name))
            ctxs.append(ctx)
        return y, SequentialCtx(dtype=dtype_name(x.dtype), ctxs=tuple(ctxs), output_shape=tuple(y.shape))

    def backward(self, ctx: SequentialCtx, dy):
        """``(dx, grads)``: the layers' backwards in reverse order."""
        self._check_cotangent(ctx, dy, ctx.output_shape)
        grads = {}
        for name, layer_ctx in reversed(list(zip(self._children, ctx.ctxs, strict=True))):
            dy, layer_grads = self._child(name).backward(layer_ctx, dy)
            grads.update(prefixed(name, layer_grads))
        return dy, {k: grads[k] for k in self.params}
