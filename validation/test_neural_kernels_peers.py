"""The neural-kernel study's networks against the peers (peer venv): the empirical NTK from specref's hand-derived
factored Jacobians against the NTK contracted from ``jax.jacobian`` (float64), and the seed-004 torch modules
(written here as the seed writes them) against specref's forward and backward under torch autograd, with the
seed's RFF shown not to be frozen.

Bounds: an NTK entry is a sum of P products of Jacobian entries (P the parameter count), each entry the product
of at most L + 1 factors carrying a few roundings; both sides sum the same products in other orders, so they
agree normwise within ~(P + L) eps; 4 (P + 8) eps is used. Forward and gradients: the layers' own verify claims
(``error_scale``), doubled for two implementations.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.neural_kernels import LFF, RFF, RFFMLP, ReLUMLP, empirical_ntk

jax = pytest.importorskip("jax")
torch = pytest.importorskip("torch")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
EPS = np.finfo(float).eps


def _jax_apply(model):
    """The model's forward written in jax.numpy from its configuration (the same equations, not its code)."""
    if isinstance(model, LFF):
        def f(params, x):
            return jnp.sin(jnp.pi * x @ params["linear.weight"].T + params["linear.bias"])
        return f
    layers = model._layers()
    rff = model._child("0") if isinstance(model, RFFMLP) else None

    def g(params, x):
        a = x
        if rff is not None:
            w0, b0 = (jnp.asarray(rff.buffers[k]) for k in ("linear.weight", "linear.bias"))
            a = jnp.sin(jnp.pi * x @ w0.T + b0)
        for i, (w, b, alpha, beta) in enumerate(layers):
            a = alpha * a @ params[w].T + beta * params[b]
            if i < len(layers) - 1:
                a = jnp.maximum(a, 0.0)
        return a
    return g


def _jax_ntk(model, x):
    params = {k: jnp.asarray(v) for k, v in model.params.items()}
    jac = jax.jacobian(_jax_apply(model))(params, jnp.asarray(x))  # {name: (n, k, *shape)}
    total = 0.0
    for j in jac.values():
        flat = np.asarray(j).reshape(j.shape[0] * j.shape[1], -1)
        total = total + (flat @ flat.T).reshape(j.shape[0], j.shape[1], j.shape[0], j.shape[1])
    return total


MODELS = [
    LFF(2, 6, 5.0, seed=0),
    ReLUMLP(2, 32, 2, 3, parameterization="ntk", seed=1),
    ReLUMLP(3, 16, 3, 2, parameterization="standard", seed=2),
    RFFMLP(1, 10.0, 24, 2, 4, seed=3),
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{type(m).__name__}")
def test_empirical_ntk_equals_jax_jacobian_ntk(model):
    x = np.random.default_rng(4).standard_normal((9, model.in_features))
    ours = empirical_ntk(model, x, outputs="full")
    theirs = _jax_ntk(model, x)
    p = sum(v.size for v in model.params.values())
    err = np.abs(ours - theirs).max() / np.abs(theirs).max()
    assert err <= 4 * (p + 8) * EPS, (err, 4 * (p + 8) * EPS)


# ---------------------------------------------------------------------------------------------------------
# the seed's torch modules


class SeedLFF(torch.nn.Module):
    def __init__(self, in_features, mapping_size, scale=1.0):
        super().__init__()
        self.linear = torch.nn.Linear(in_features, mapping_size)
        torch.nn.init.uniform_(self.linear.weight, -scale / in_features, scale / in_features)
        torch.nn.init.uniform_(self.linear.bias, -1, 1)

    def forward(self, x):
        return torch.sin(self.linear(np.pi * x))


class SeedRFF(SeedLFF):
    def __init__(self, in_features, mapping_size, scale=1.0):
        super().__init__(in_features, mapping_size, scale=scale)
        self.linear.requires_grad = False  # the seed's line: sets a module attribute, freezes nothing


def test_the_seeds_rff_is_not_frozen_specrefs_is():
    seed_rff = SeedRFF(1, 8, 10.0)
    assert all(p.requires_grad for p in seed_rff.parameters())  # still trained by any torch optimiser
    y = seed_rff(torch.linspace(0, 1, 5, dtype=torch.float32)[:, None]).sum()
    y.backward()
    assert seed_rff.linear.weight.grad is not None and seed_rff.linear.weight.grad.abs().sum() > 0
    ours = RFF(1, 8, 10.0)
    assert ours.params == {} and set(ours.buffers) == {"linear.weight", "linear.bias"}


@pytest.mark.parametrize("cls", [LFF, RFF])
def test_lff_forward_and_gradients_match_torch(cls):
    layer = cls(3, 7, 4.0, seed=5)
    module = SeedLFF(3, 7).double()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in layer.state_dict().items()})
    x = np.random.default_rng(6).standard_normal((2, 5, 3))
    xt = torch.tensor(x, requires_grad=True)
    yt = module(xt)
    y, ctx = layer.forward(x)
    dy = np.random.default_rng(7).standard_normal(y.shape)
    yt.backward(torch.from_numpy(dy))
    dx, grads = layer.backward(ctx, dy)
    bound = 2 * layer.error_scale() * 3 * EPS  # |x| <= ~3 here
    assert np.abs(y - yt.detach().numpy()).max() <= bound
    assert np.abs(dx - xt.grad.numpy()).max() <= bound * np.abs(dx).max()
    for name, g in grads.items():
        ref = dict(module.named_parameters())[name].grad.numpy()
        assert np.abs(g - ref).max() <= bound * np.abs(ref).max(), name


def test_rffmlp_forward_and_gradients_match_the_seeds_sequential():
    model = RFFMLP(1, 10.0, 12, 3, 4, seed=8)
    seq = [SeedRFF(1, 12, 10.0)]
    for n_in, n_out in model._sizes():
        seq += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    module = torch.nn.Sequential(*seq[:-1]).double()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    x = np.linspace(0, 1, 11)[:, None]
    xt = torch.tensor(x, requires_grad=True)
    yt = module(xt)
    y, ctx = model.forward(x)
    dy = np.random.default_rng(9).standard_normal(y.shape)
    yt.backward(torch.from_numpy(dy))
    dx, grads = model.backward(ctx, dy)
    bound = 2 * model.error_scale() * EPS
    assert np.abs(y - yt.detach().numpy()).max() <= bound * max(1.0, np.abs(y).max())
    assert np.abs(dx - xt.grad.numpy()).max() <= bound * np.abs(dx).max()
    named = dict(module.named_parameters())
    assert set(grads) == set(named) - {"0.linear.weight", "0.linear.bias"}  # the seed trains those too
    for name, g in grads.items():
        ref = named[name].grad.numpy()
        assert np.abs(g - ref).max() <= bound * max(np.abs(ref).max(), math.ulp(1.0)), name
