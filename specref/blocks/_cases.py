"""The verification case of a block (:func:`block_case`) and the generic point it is checked at
(:func:`randomize_block`); the block modules' ``CASES`` use them."""

from __future__ import annotations

import numpy as np

from specref.layers.base import Layer, layer_case

__all__ = ["block_case", "randomize_block"]

#: the prefixes of the wrapped layers' arrays: kept at their constructors' (spectrans-like) initialisation, each
#: layer's own case checks it at a generic point
_WRAPPED = ("mixing_layer.", "layers.", "layer1.", "layer2.")
_SHAPE_KEYS = ("N", "spatial", "batch")  # grid keys that are not constructor arguments


def randomize_block(block: Layer, gen) -> Layer:
    r"""The block's own params at a generic point: norm weights 1 + N(0, 1/4), biases N(0, 1/4), weights
    N(0, 1/fan_in), the fusion weights N(0, 1/4), the gate's weight N(0, 4) and its bias centring the logits
    (:math:`-W\beta_1` plus N(0, 1/100): the mean of :math:`\mathrm{LN}_1 x` over the sequence is the norm's bias
    :math:`\beta_1` plus a per-sample part, which then decides the hard gate, so both layers get picked; spectrans's
    zero gate would give uniform soft weights and always pick layer 0); the wrapped layers' arrays unchanged."""
    new = {}
    for name, value in block.params.items():
        if name.startswith(_WRAPPED):
            continue
        shape = tuple(value.shape)
        draw = gen.standard_normal(shape)
        if name == "gate.bias":  # set below, from the gate's weight
            continue
        if name == "gate.weight":
            new[name] = 2.0 * draw
        elif name.split(".")[0].startswith("norm") and name.endswith("weight"):
            new[name] = 1.0 + 0.5 * draw
        elif len(shape) >= 2:
            new[name] = draw / np.sqrt(np.prod(shape[1:]))
        else:
            new[name] = 0.5 * draw
    if "gate.weight" in new:  # logits centred: W (mean of LN1 x) is W beta1 plus a per-sample part, which decides
        k = new["gate.weight"].shape[0]
        new["gate.bias"] = -new["gate.weight"] @ new["norm1.bias"] + 0.1 * gen.standard_normal(k)
    return block.with_params(new)


def _input_shape(point) -> tuple:
    return (*point.get("batch", (2,)), *point.get("spatial", (point.get("N", 6),)), point["hidden_dim"])


def block_case(cls, *, name: str, build, grid: tuple, train: bool = True, backend_limits=None):
    """The registry case of a block: ``build(gen, **config) -> block`` for one grid point (its shape keys
    ``N``/``spatial``/``batch`` removed); the block's own params randomized (:func:`randomize_block`); in
    training mode (``train``) with the dropout masks drawn from a fixed seed, the same masks at every call."""
    def config(point):
        return {k: v for k, v in point.items() if k not in _SHAPE_KEYS}

    def build_random(seed, **point):
        gen = np.random.default_rng(seed)
        return randomize_block(build(gen, **config(point)), gen)

    def forward_kwargs(layer, x, rng):
        return {"training": True, "rng": 7} if train else {}

    return layer_case(cls, name=name, build=build_random, input_shape=_input_shape, grid=grid,
                      error_scale=lambda point: build(np.random.default_rng(0), **config(point)).error_scale(
                          _input_shape(point)),
                      error_reason="the wrapped layers' and the FFN's claims, two layer norms (forward and VJP "
                                   "sums), dropouts and residuals, summed and doubled for propagation",
                      forward_kwargs=forward_kwargs, backend_limits=backend_limits)
