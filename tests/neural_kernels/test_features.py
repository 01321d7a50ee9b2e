"""LFF and RFF (specref/neural_kernels/features.py): the seed's initialisation laws, a truly frozen RFF, state_dict
names, seeded determinism and refusals (the registered cases check the VJPs by central differences)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.neural_kernels import LFF, RFF


def test_lff_draws_the_seeds_laws():
    lff = LFF(4, 2000, scale=10.0, seed=0)
    w, b = lff.params["linear.weight"], lff.params["linear.bias"]
    assert w.shape == (2000, 4) and b.shape == (2000,)
    assert np.abs(w).max() <= 10.0 / 4 and np.abs(b).max() <= 1.0
    # U(-a, a) has variance a^2 / 3: 8000 draws give a relative standard error of ~1.6%, 5 of them < 0.08
    assert abs(w.var() / ((10.0 / 4) ** 2 / 3) - 1) < 0.08 and abs(b.var() * 3 - 1) < 0.1


def test_same_seed_same_numbers_and_rff_equals_lff_but_frozen():
    a, b = LFF(2, 5, 3.0, seed=7), RFF(2, 5, 3.0, seed=7)
    assert not b.params and sorted(b.buffers) == ["linear.bias", "linear.weight"]
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.buffers[k])
    x = np.random.default_rng(1).standard_normal((3, 2))
    np.testing.assert_array_equal(a(x), b(x))
    y, ctx = b.forward(x)
    dx, grads = b.backward(ctx, np.ones_like(y))
    assert grads == {} and dx.shape == x.shape
    np.testing.assert_array_equal(dx, a.backward(a.forward(x)[1], np.ones_like(y))[0])


def test_forward_is_sin_of_pi_x_affine():
    lff = LFF(3, 4, seed=2)
    x = np.random.default_rng(3).standard_normal((2, 5, 3))
    w, b = lff.params["linear.weight"], lff.params["linear.bias"]
    np.testing.assert_allclose(lff(x), np.sin(math.pi * x @ w.T + b), rtol=0, atol=1e-15)


def test_the_seeds_state_dict_loads():
    """The torch module's state_dict keys (an nn.Linear called linear) load into both, frozen or not."""
    rng = np.random.default_rng(0)
    sd = {"linear.weight": rng.uniform(-1, 1, (6, 1)), "linear.bias": rng.uniform(-1, 1, 6)}
    for cls in (LFF, RFF):
        layer = cls.from_state_dict(sd, in_features=1, mapping_size=6)
        assert {k: v.tolist() for k, v in layer.state_dict().items()} == {k: v.tolist() for k, v in sd.items()}
    with pytest.raises(ValueError, match="missing keys: linear.bias"):
        LFF.from_state_dict({"linear.weight": sd["linear.weight"]}, in_features=1, mapping_size=6)


def test_float32_stays_float32():
    lff = LFF(2, 3, seed=0).astype("float32")
    y, ctx = lff.forward(np.ones((4, 2), dtype="float32"))
    dx, grads = lff.backward(ctx, np.ones_like(y))
    assert y.dtype == dx.dtype == grads["linear.weight"].dtype == np.float32
    with pytest.raises(TypeError):
        lff.backward(ctx, np.ones(y.shape))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"in_features": 0}, ValueError, "in_features"),
    ({"mapping_size": 0}, ValueError, "mapping_size"),
    ({"mapping_size": 2.5}, TypeError, "mapping_size"),
    ({"scale": 0.0}, ValueError, "scale must be finite and > 0"),
    ({"scale": -1.0}, ValueError, "scale"),
    ({"scale": math.nan}, ValueError, "scale"),
    ({"scale": math.inf}, ValueError, "scale"),
])
def test_bad_construction_is_refused(kwargs, error, match):
    args = {"in_features": 2, "mapping_size": 3, "scale": 1.0, **kwargs}
    with pytest.raises(error, match=match):
        LFF(**args)


def test_points_of_the_wrong_dimension_are_refused():
    with pytest.raises(ValueError, match=r"in_features 2: points must have shape \(\.\.\., 2\)"):
        LFF(2, 3).forward(np.ones((5, 3)))
    with pytest.raises(ValueError, match="dropout"):
        LFF(2, 3).forward(np.ones((5, 2)), masks={"dropout": np.ones(3, bool)})
