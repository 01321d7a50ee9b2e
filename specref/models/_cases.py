"""The verification cases of a model family (:func:`model_cases`): the model on token ids (the VJP in every
parameter) and its encoder on embeddings (the VJP in the input and every parameter), in training mode with the
dropout masks drawn from a fixed seed, at small configurations that cover the encodings and the heads."""

from __future__ import annotations

import numpy as np

from specref.layers.base import Layer, layer_case
from specref.testing.case import Case, Inputs

__all__ = ["model_cases", "randomize_model", "STRICT_LIMIT"]

#: every model's FFN uses the exact GELU
STRICT_LIMIT = {"strict": "the blocks' FFN uses GELU's exact (erf) form, which the array API standard cannot "
                          "compute (specref.ops.elementwise); each part runs on strict in its own case"}

_SHAPE_KEYS = ("N", "batch", "masked")  # grid keys that are not constructor arguments
_WRAPPED = (".mixing_layer.", ".fno.", ".layers.")


def randomize_model(model: Layer, gen) -> Layer:
    """The model's own arrays at a generic point (norm weights 1 + N(0, 1/4), biases N(0, 1/4), matrices
    N(0, 1/fan_in)); the wrapped mixing layers' arrays unchanged (each layer's own case checks it at a generic
    point, and some have kinks a random draw would sit on)."""
    new = {}
    for name, value in model.params.items():
        if any(w in name for w in _WRAPPED):
            continue
        shape = tuple(value.shape)
        draw = gen.standard_normal(shape)
        if "norm" in name.rsplit(".", 2)[-2] and name.endswith("weight"):
            new[name] = 1.0 + 0.5 * draw
        elif len(shape) >= 2:
            new[name] = draw / np.sqrt(shape[1])
        else:
            new[name] = 0.5 * draw
    return model.with_params(new)


def _config(point) -> dict:
    return {k: v for k, v in point.items() if k not in _SHAPE_KEYS}


def _ids_forward(ids, *values, layer, forward_kwargs):
    return layer.with_params(values).forward(ids, **forward_kwargs)[0]


def _ids_vjp(dy, ids, *values_and_y, layer, forward_kwargs):
    bound = layer.with_params(values_and_y[:-1])
    _, ctx = bound.forward(ids, **forward_kwargs)
    dx, grads = bound.backward(ctx, dy)
    if dx is not None or set(grads) != set(bound.params):
        raise AssertionError("a model on token ids returns dx = None and grads for every param")
    return tuple(grads[k] for k in bound.params)


def _train(point):
    return {"training": True, "rng": 7} if point.get("dropout", 0.0) > 0 else {}


def _ids_case(cls, grid, backend_limits, away_from_kinks=None, dtypes=("float64", "float32")) -> Case:
    def build(seed, **point):
        gen = np.random.default_rng(seed)
        return randomize_model(cls(**_config(point), seed=gen), gen)

    def make(rng, xp, dtype, **point):
        model = build(int(rng.integers(2**31)), **point)
        ids = rng.integers(0, point["vocab_size"], (*point.get("batch", (2,)), point["N"]))
        kwargs = _train(point)
        if point.get("masked"):
            keep = rng.random((*point.get("batch", (2,)), point["N"])) < 0.7
            keep[..., 0] = True
            kwargs["attention_mask"] = keep
        if away_from_kinks is not None:
            model = away_from_kinks(model, ids, rng, kwargs)
        model = model.astype(dtype).to(xp)
        if "attention_mask" in kwargs:
            kwargs["attention_mask"] = xp.asarray(kwargs["attention_mask"])
        return Inputs((xp.asarray(ids), *model.params.values()), {"layer": model, "forward_kwargs": kwargs})

    n_params = len(build(0, **grid[0]).params)

    def scale(point):
        return cls(**_config(point)).error_scale((2, point["N"]))

    return Case(name=cls.__name__, forward=_ids_forward, vjp=_ids_vjp, make=make,
                argnums=tuple(range(1, 1 + n_params)), grid=grid, error_scale=scale,
                error_reason="the blocks', the final norm's and the head's claims, the input steps, summed and "
                             "doubled for propagation", backend_limits=dict(backend_limits), dtypes=dtypes)


def _embeds_case(cls, grid, backend_limits, away_from_kinks=None, dtypes=("float64", "float32")) -> Case:
    def build(seed, **point):
        gen = np.random.default_rng(seed)
        return randomize_model(cls(**_config(point), seed=gen), gen)

    return layer_case(cls, build=build, input_shape=lambda p: (*p.get("batch", (2,)), p["N"], p["hidden_dim"]),
                      grid=grid, error_scale=lambda p: cls(**_config(p)).error_scale((2, p["N"], p["hidden_dim"])),
                      error_reason="the blocks', the final norm's claims and the input steps, summed and doubled",
                      forward_kwargs=lambda layer, x, rng: {"training": True, "rng": 7} if layer.dropout else {},
                      away_from_kinks=None if away_from_kinks is None else (
                          lambda layer, x, rng: away_from_kinks(layer, x, rng, {"training": True, "rng": 7})),
                      backend_limits=backend_limits, dtypes=dtypes)


def model_cases(model_cls, encoder_cls=None, *, base: dict | None = None, extra: tuple = (), points=None,
                backend_limits=STRICT_LIMIT, away_from_kinks=None, dtypes=("float64", "float32")) -> list:
    """Cases for a model family: ``model_cls`` on token ids at a sinusoidal-classification point and a
    rotary-encoding language-model point under a padding mask (plus ``extra`` points; every point has the same
    parameters, as a case's VJP returns a fixed number of gradients), ``encoder_cls`` on embeddings with the
    learned encoding; ``base`` holds the family's own small-configuration arguments; ``points`` replaces the
    model's grid (a decoder's); ``away_from_kinks(model, x, rng, forward_kwargs) -> model`` redraws parameters
    of a model whose layers have kinks (float64 NumPy model, host input)."""
    base = {"hidden_dim": 4, "num_layers": 2, "max_sequence_length": 8, "N": 6, "ffn_hidden_dim": 6,
            "dropout": 0.25, **(base or {})}
    if points is not None:  # a decoder's own points (its constructor takes no head arguments)
        return [_ids_case(model_cls, tuple({**base, **p} for p in points), backend_limits, away_from_kinks, dtypes)]
    grid = ({**base, "vocab_size": 7, "num_classes": 3},
            {**base, "vocab_size": 7, "positional_encoding_type": "rotary", "output_type": "lm", "masked": True},
            *({**base, "vocab_size": 7, "num_classes": 3, **e} for e in extra))
    cases = [_ids_case(model_cls, grid, backend_limits, away_from_kinks, dtypes)]
    if encoder_cls is not None:
        cases.append(_embeds_case(encoder_cls, ({**base, "positional_encoding_type": "learned"},), backend_limits,
                                  away_from_kinks, dtypes))
    return cases
