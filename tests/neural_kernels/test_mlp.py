"""ReLUMLP and RFFMLP (specref/neural_kernels/mlp.py): names, laws, the two parameterisations, the per-example
Jacobians against central differences and against the backward, refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.neural_kernels import RFFMLP, ReLUMLP, dense_jacobian

EPS = np.finfo(float).eps


def _models():
    return [ReLUMLP(3, 7, 2, 4, parameterization="ntk", sigma_b=0.5, seed=1),
            ReLUMLP(3, 7, 1, 2, parameterization="standard", seed=2),
            RFFMLP(3, 4.0, 6, 2, 3, seed=3), RFFMLP(1, 10.0, 5, 1, 2, seed=4)]


def test_names_follow_torch_sequential():
    assert list(ReLUMLP(2, 4, 2, 1).params) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    r = RFFMLP(1, 10.0, 8, 2, 3)
    assert list(r.params) == ["1.weight", "1.bias", "3.weight", "3.bias"]
    assert list(r.buffers) == ["0.linear.weight", "0.linear.bias"]
    assert r.params["1.weight"].shape == (8, 8) and r.params["3.weight"].shape == (3, 8)
    # torch's nn.Linear law for the dense layers: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert np.abs(r.params["1.weight"]).max() <= 1 / math.sqrt(8)


def test_parameterisations_compute_the_same_function_from_the_same_draws():
    x = np.random.default_rng(0).standard_normal((5, 3))
    std = ReLUMLP(3, 9, 2, 2, parameterization="standard", sigma_w=1.3, sigma_b=0.2, seed=11)
    ntk = ReLUMLP(3, 9, 2, 2, parameterization="ntk", sigma_w=1.3, sigma_b=0.2, seed=11)
    # same N(0,1) draws, scaled into the weights (standard) or applied in the forward (ntk): equal to rounding
    np.testing.assert_allclose(std(x), ntk(x), rtol=0, atol=1e-14 * np.abs(std(x)).max())
    assert not np.allclose(std.params["0.weight"], ntk.params["0.weight"])


@pytest.mark.parametrize("model", _models(), ids=lambda m: type(m).__name__)
def test_jacobian_matches_central_differences(model):
    """<J v, u> against the central difference of <f(theta + h v), u> for random directions (h ~ eps^(1/3));
    the error bound: h^2 |f'''| / 6 + eps |f| / h, both ~ eps^(2/3) ~ 4e-11 for O(1) quantities."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, model.in_features))
    y, terms = model.affine_jacobians(x)
    jac = dense_jacobian(terms)
    assert sorted(jac) == sorted(model.params)
    u = rng.standard_normal(y.shape)
    v = {k: rng.standard_normal(p.shape) for k, p in model.params.items()}
    h = EPS ** (1 / 3)
    plus = model.with_params({k: p + h * v[k] for k, p in model.params.items()})(x)
    minus = model.with_params({k: p - h * v[k] for k, p in model.params.items()})(x)
    fd = np.sum((plus - minus) * u) / (2 * h)
    analytic = sum(np.tensordot(jac[k], v[k], axes=v[k].ndim).ravel() @ u.ravel() for k in jac)
    assert abs(fd - analytic) <= 1e-8 * max(1.0, abs(analytic)), (fd, analytic)


@pytest.mark.parametrize("model", _models(), ids=lambda m: type(m).__name__)
def test_jacobian_summed_against_a_cotangent_is_the_backward(model):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((5, model.in_features))
    y, ctx = model.forward(x)
    dy = rng.standard_normal(y.shape)
    _, grads = model.backward(ctx, dy)
    jac = dense_jacobian(model.affine_jacobians(x)[1])
    for k, g in grads.items():
        # the same sums in another order: error ~ n k eps |J||dy|
        np.testing.assert_allclose(np.tensordot(dy, jac[k], axes=([0, 1], [0, 1])), g, rtol=0,
                                   atol=1e-12 * max(1.0, np.abs(g).max()))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"hidden_features": 0}, ValueError, "hidden_features"),
    ({"depth": 0}, ValueError, "depth"),
    ({"parameterization": "mup"}, ValueError, "parameterization"),
    ({"sigma_w": 0.0}, ValueError, "sigma_w"),
    ({"sigma_b": -0.1}, ValueError, "sigma_b"),
])
def test_bad_mlp_is_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        ReLUMLP(**{"in_features": 2, "hidden_features": 3, **kwargs})


def test_bad_rffmlp_and_points_are_refused():
    with pytest.raises(ValueError, match="latent_features"):
        RFFMLP(1, 1.0, 0, 1, 1)
    with pytest.raises(ValueError, match="in_scale must be finite and > 0"):
        RFFMLP(1, -2.0, 4, 1, 1)
    with pytest.raises(ValueError, match=r"points must have shape \(\.\.\., 2\)"):
        ReLUMLP(2, 3)(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"points of shape \(n, 1\)"):
        RFFMLP(1, 1.0, 4, 1, 1).affine_jacobians(np.ones((2, 3, 1)))
