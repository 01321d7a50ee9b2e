"""The Layer contract on a minimal layer: state_dict round trip, strict checks, copies, dtype and backend
moves, dropout masks (drawn, injected, refused), and the layer's registry case."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from specref.backend import namespace, random_normal
from specref.interop.state_dict import StateDictError, StateDictWarning
from specref.layers.base import Layer, check_sequence_input, layer_case
from specref.ops.dropout import dropout, dropout_vjp
from specref.testing.runner import run_case


@dataclass(frozen=True)
class _ScaleCtx:
    x: object
    mask: object


class ScaleMixing(Layer):
    """y = dropout(x * weight + bias): the smallest layer with params, a buffer and a dropout."""

    dropout_names = ("dropout",)

    def __init__(self, hidden_dim: int, dropout: float = 0.0, *, seed=0):
        self.hidden_dim, self.p = hidden_dim, dropout
        self._init_arrays(
            {"weight": random_normal(seed, (hidden_dim,)), "bias": np.zeros(hidden_dim)},
            {"scale_buffer": np.ones(1)},
        )

    def forward(self, x, *, training=False, rng=None, masks=None):
        check_sequence_input(x, self.hidden_dim, layer="ScaleMixing")
        self._check_input(x)
        mask = self._dropout_mask("dropout", tuple(x.shape), self.p, x=x, training=training, rng=rng, masks=masks)
        h = x * self.params["weight"] + self.params["bias"]
        y = h if mask is None else dropout(h, mask=mask, p=self.p)
        return y, _ScaleCtx(x, mask)

    def backward(self, ctx, dy):
        xp = namespace(dy)
        dh = dy if ctx.mask is None else dropout_vjp(dy, None, None, mask=ctx.mask, p=self.p)
        axes = tuple(range(dh.ndim - 1))
        return dh * self.params["weight"], {"weight": xp.sum(dh * ctx.x, axis=axes), "bias": xp.sum(dh, axis=axes)}


def test_state_dict_round_trip_is_exact():
    layer = ScaleMixing(4, seed=3)
    sd = layer.state_dict()
    assert list(sd) == ["weight", "bias", "scale_buffer"]
    again = ScaleMixing.from_state_dict(sd, hidden_dim=4)
    for k, v in again.state_dict().items():
        np.testing.assert_array_equal(v, sd[k])


def test_from_state_dict_copies_never_aliases():
    sd = ScaleMixing(4, seed=3).state_dict()
    layer = ScaleMixing.from_state_dict(sd, hidden_dim=4)
    sd["weight"][:] = 99.0
    assert not np.any(layer.params["weight"] == 99.0)


def test_prefix_and_dtype():
    sd = {"blocks.0.mixing." + k: v.astype(np.float32) for k, v in ScaleMixing(4).state_dict().items()}
    sd["blocks.1.other.weight"] = np.zeros(3)  # outside the prefix: ignored, not "extra"
    layer = ScaleMixing.from_state_dict(sd, prefix="blocks.0.mixing.", hidden_dim=4)
    assert layer.params["weight"].dtype == np.float32  # keeps the arrays' dtype
    layer64 = ScaleMixing.from_state_dict(sd, prefix="blocks.0.mixing", dtype="float64", hidden_dim=4)
    assert layer64.params["weight"].dtype == np.float64


def test_strict_errors_name_keys_and_shapes():
    sd = ScaleMixing(4).state_dict()
    missing = {k: v for k, v in sd.items() if k != "bias"}
    with pytest.raises(StateDictError, match="missing keys: bias"):
        ScaleMixing.from_state_dict(missing, hidden_dim=4)
    with pytest.warns(StateDictWarning, match="missing keys .*: bias"):
        ScaleMixing.from_state_dict(missing, hidden_dim=4, strict=False)  # keeps its own bias
    with pytest.raises(StateDictError, match="unexpected keys: extra"):
        ScaleMixing.from_state_dict({**sd, "extra": np.zeros(1)}, hidden_dim=4)
    with pytest.raises(StateDictError, match=r"key weight has shape \(5,\), the layer needs \(4,\)"):
        ScaleMixing.from_state_dict({**sd, "weight": np.zeros(5)}, hidden_dim=4, strict=False)


def test_state_dict_accepts_dlpack_and_numpy_method_objects():
    class TensorLike:  # what a torch tensor offers, without torch
        def __init__(self, a):
            self._a = a

        def numpy(self):
            return self._a

    sd = {k: TensorLike(v) for k, v in ScaleMixing(4, seed=1).state_dict().items()}
    layer = ScaleMixing.from_state_dict(sd, hidden_dim=4)
    np.testing.assert_array_equal(layer.params["weight"], ScaleMixing(4, seed=1).params["weight"])


def test_astype_and_to_return_new_layers(xp):
    layer = ScaleMixing(4)
    single = layer.astype("float32")
    assert single.params["weight"].dtype == np.float32 and layer.params["weight"].dtype == np.float64
    moved = single.to(xp)
    assert moved.params["weight"].dtype == xp.float32
    x = random_normal(0, (2, 3, 4), dtype="float32", xp=xp)
    y, _ = moved.forward(x)
    assert y.dtype == xp.float32
    with pytest.raises(TypeError, match="two precisions"):
        moved.forward(random_normal(0, (2, 3, 4), dtype="float64", xp=xp))


def test_bad_inputs():
    layer = ScaleMixing(4)
    with pytest.raises(ValueError, match=r"\(B, N, D\)"):
        layer.forward(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="hidden_dim 4 but x has 5"):
        layer.forward(np.zeros((2, 3, 5)))
    with pytest.raises(TypeError, match="complex"):
        layer.forward(np.zeros((2, 3, 4), complex))
    with pytest.raises(TypeError, match="int64"):
        layer.forward(np.zeros((2, 3, 4), np.int64))


def test_dropout_masks():
    layer = ScaleMixing(4, dropout=0.5)
    x = random_normal(0, (2, 3, 4))
    y_eval, ctx = layer.forward(x)
    assert ctx.mask is None
    with pytest.raises(ValueError, match="needs rng="):
        layer.forward(x, training=True)
    y1, c1 = layer.forward(x, training=True, rng=5)
    y2, c2 = layer.forward(x, training=True, rng=5)
    np.testing.assert_array_equal(y1, y2)  # same seed, same mask
    mask = np.ones(x.shape, bool)
    mask[0, 0, 0] = False
    y3, _ = layer.forward(x, training=True, masks={"dropout": mask})
    assert y3[0, 0, 0] == 0 and np.allclose(y3[1], 2 * y_eval[1])  # inverted dropout: kept entries / (1 - p)
    with pytest.raises(ValueError, match="has shape"):
        layer.forward(x, training=True, masks={"dropout": mask[0]})
    with pytest.raises(ValueError, match="no dropout named 'attn'"):
        layer.forward(x, training=True, masks={"attn": mask})
    with pytest.raises(ValueError, match="boolean"):
        layer.forward(x, training=True, masks={"dropout": mask.astype(float)})


def test_two_forwards_give_independent_contexts():
    layer = ScaleMixing(4)
    x1, x2 = random_normal(1, (1, 2, 4)), random_normal(2, (1, 2, 4))
    _, c1 = layer.forward(x1)
    _, c2 = layer.forward(x2)
    dy = random_normal(3, (1, 2, 4))
    _, g1 = layer.backward(c1, dy)
    _, g1_again = layer.backward(c1, dy)
    np.testing.assert_array_equal(g1["weight"], g1_again["weight"])
    assert not np.array_equal(layer.backward(c2, dy)[1]["weight"], g1["weight"])


def _train_with_mask(layer, x, rng):
    mask = rng.random(tuple(x.shape)) > 0.3
    return {"training": True, "masks": {"dropout": mask}}


CASE = layer_case(
    ScaleMixing,
    build=lambda seed, hidden_dim, p=0.0: ScaleMixing(hidden_dim, dropout=p, seed=seed),
    input_shape=lambda point: (2, 3, point["hidden_dim"]),
    grid=({"hidden_dim": 4}, {"hidden_dim": 5, "p": 0.3}),
    forward_kwargs=lambda layer, x, rng: _train_with_mask(layer, x, rng) if layer.p else {},
    error_scale=4.0,
    error_reason="one product and one sum per entry",
)


def test_layer_case_checks_input_and_every_param(xp):
    rows = [r for point in run_case(CASE, xp) for r in point]
    vjp = [r for r in rows if r.check == "vjp"]
    assert vjp and all(r.passed for r in vjp), [r.reason for r in vjp if not r.passed]
    assert CASE.argnums == (0, 1, 2)


def test_layer_case_catches_a_wrong_backward(xp):
    class Wrong(ScaleMixing):
        def backward(self, ctx, dy):
            dx, grads = super().backward(ctx, dy)
            return dx, {**grads, "bias": grads["bias"] * 2}

    case = layer_case(Wrong, build=lambda seed, hidden_dim: Wrong(hidden_dim, seed=seed),
                      input_shape=lambda p: (2, 3, p["hidden_dim"]), grid=({"hidden_dim": 4},))
    rows = [r for point in run_case(case, xp) for r in point if r.check == "vjp"]
    assert rows and all(r.passed is False for r in rows)
