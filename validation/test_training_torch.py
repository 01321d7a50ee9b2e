"""Training by hand against torch: the losses and their gradients, SGD and AdamW against torch.optim, and 20
AdamW steps of the same spectrans model in torch and in specref, parameter trajectories compared at every step.

Bounds, each derived:

- losses: a stable logsumexp and a batch sum, c = 2C + 4 + n roundings (the verify case's claim), both sides:
  2 c u normwise.
- optimisers on given gradients: each step is the same operations in the same order on both sides (torch's
  single-tensor algorithms, ``foreach=False``), so one step differs by at most the roundings of a different
  association of the same operations (none are expected; 8 per state variable allowed), and the recurrences do
  not amplify errors (m, v are averages; p is multiplied by 1 - lr*wd <= 1 and moved by a bounded step):
  t steps, at most 8 t u relative to the largest parameter and moment.
- the model trajectory: the gradients differ by the model's claim e_g = c u (c = model.error_scale); how much
  an e_g-sized (normwise) gradient error moves the trajectory after t steps is the trajectory's own condition,
  measured here by adding independent noise of normwise size e_g to specref's gradients and rerunning: D_t. The
  bound is 10 D_t (a random perturbation reaches the worst case within a small factor: it has a component of
  size ~1/sqrt(n) along any direction, n the parameter count per array, <= 10 for the arrays that move most;
  ten covers it) plus the optimiser's own 8 t u.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
spectrans_models = pytest.importorskip("spectrans.models")

from specref.models import GFNet, adamw_init, adamw_step, sgd_init, sgd_step  # noqa: E402
from specref.models.losses import cross_entropy, cross_entropy_vjp, mse_loss, mse_loss_vjp  # noqa: E402

U = np.finfo(np.float64).eps / 2  # unit roundoff of float64


def _normwise(a, b) -> float:
    b = np.asarray(b)
    return float(np.abs(np.asarray(a) - b).max() / max(np.abs(b).max(), np.finfo(np.float64).tiny))


@pytest.mark.parametrize("kw", [{}, {"reduction": "sum", "ignore_index": 2}, {"label_smoothing": 0.1},
                                {"reduction": "none", "label_smoothing": 0.2, "ignore_index": 0}])
def test_cross_entropy_and_its_gradient_match_torch(kw):
    rng = np.random.default_rng(0)
    z, t = rng.standard_normal((6, 5)), rng.integers(0, 5, 6)
    t[1] = kw.get("ignore_index", -100)
    zt = torch.tensor(z, requires_grad=True)
    lt = torch.nn.functional.cross_entropy(zt, torch.tensor(t), **kw)
    dl = rng.standard_normal(lt.shape) if lt.ndim else np.asarray(1.7)
    lt.backward(torch.tensor(dl))
    loss = cross_entropy(z, t, **kw)
    dz = cross_entropy_vjp(dl, z, t, loss, **kw)
    c = 2 * 5 + 4 + 6  # the case's claim: logsumexp over C = 5, smoothing sum, batch sum of n = 6
    assert _normwise(loss, lt.detach().numpy()) <= 2 * c * U
    assert _normwise(dz, zt.grad.numpy()) <= 2 * c * U


def test_mse_matches_torch():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    xt, yt = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    torch.nn.functional.mse_loss(xt, yt).backward()
    loss = mse_loss(x, y)
    dx, dy = mse_loss_vjp(np.asarray(1.0), x, y, loss)
    c = 16  # the case's claim: a difference, a square, a sum of 12 terms
    assert abs(float(loss) - float(torch.nn.functional.mse_loss(xt, yt))) <= 2 * c * U * float(loss)
    assert _normwise(dx, xt.grad.numpy()) <= 2 * c * U and _normwise(dy, yt.grad.numpy()) <= 2 * c * U


@pytest.mark.parametrize("name,kw", [
    ("adamw", {"lr": 1e-2}), ("adamw", {"lr": 3e-3, "amsgrad": True, "weight_decay": 0.1}),
    ("adamw", {"lr": 1e-2, "betas": (0.3, 0.9)}),  # 1 - beta1 > 1/2: torch's lerp from the other end
    ("sgd", {"lr": 0.1}), ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "maximize": True}),
])
def test_optimisers_follow_torch_for_20_steps(name, kw):
    rng = np.random.default_rng(2)
    params = {"w": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}
    tparams = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    cls = torch.optim.AdamW if name == "adamw" else torch.optim.SGD
    opt = cls(list(tparams.values()), foreach=False, **kw)
    init, step = (adamw_init, adamw_step) if name == "adamw" else (sgd_init, sgd_step)
    state = init(params, **({"amsgrad": True} if kw.get("amsgrad") else {}))
    for t in range(1, 21):
        grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        for k, p in tparams.items():
            p.grad = torch.tensor(grads[k])
        opt.step()
        params, state = step(params, grads, state, **kw)
        for k in params:
            assert _normwise(params[k], tparams[k].detach().numpy()) <= 8 * t * U, (name, kw, t, k)


# ----------------------------------------------------------------------------------------------------------
# 20 AdamW steps of the same spectrans model

CONFIG = {"vocab_size": 13, "hidden_dim": 16, "num_layers": 2, "max_sequence_length": 8, "num_classes": 3,
          "ffn_hidden_dim": 32, "dropout": 0.0}
STEPS, LR = 20, 1e-2


def _batch(k):
    rng = np.random.default_rng(500 + k)
    return rng.integers(0, 13, (6, 8)), rng.integers(0, 3, 6)


def _specref_trajectory(model, noise=None):
    """Params after each step; ``noise`` = (rng, e): each gradient array plus e max|g| z, z ~ N(0, 1) entrywise
    (a normwise error of size e, the kind the claim bounds: near-zero entries get absolute, not relative, noise,
    and Adam's m / (sqrt(v) + eps) is most sensitive exactly there)."""
    state, out = adamw_init(model.params), []
    for k in range(STEPS):
        ids, labels = _batch(k)
        y, ctx = model.forward(ids, training=True)
        loss = cross_entropy(y, labels)
        _, grads = model.backward(ctx, cross_entropy_vjp(np.asarray(1.0), y, labels, loss))
        if noise is not None:
            gen, e = noise
            grads = {n: g + e * np.abs(g).max() * gen.standard_normal(g.shape) for n, g in grads.items()}
        params, state = adamw_step(model.params, grads, state, lr=LR)
        model = model.with_params(params)
        out.append(dict(params))
    return out


def test_twenty_adamw_steps_of_a_spectrans_gfnet_follow_torch():
    torch.manual_seed(0)
    tm = spectrans_models.GFNet(**CONFIG).double().train()
    model = GFNet.from_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()}, **CONFIG)
    opt = torch.optim.AdamW(tm.parameters(), lr=LR, foreach=False)
    names = [n for n, _ in tm.named_parameters()]
    assert names == list(model.params)
    ours = _specref_trajectory(model)
    e_g = model.error_scale((6, 8)) * U  # the gradients' claimed relative error
    perturbed = _specref_trajectory(model, noise=(np.random.default_rng(3), e_g))
    worst = (0.0, None, None)
    for k in range(STEPS):
        ids, labels = _batch(k)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(tm(input_ids=torch.tensor(ids)), torch.tensor(labels)).backward()
        opt.step()
        for name, p in tm.named_parameters():
            theirs = p.detach().numpy()
            err = _normwise(ours[k][name], theirs)
            sensitivity = _normwise(perturbed[k][name], ours[k][name])
            bound = 10.0 * sensitivity + 8 * (k + 1) * U
            assert err <= bound, f"step {k + 1}, {name}: error {err:.3e} > bound {bound:.3e}"
            if err / bound > worst[0]:
                worst = (err / bound, k + 1, name, err)
    print(f"worst: step {worst[1]}, {worst[2]}: error {worst[3]:.3e} = {worst[0]:.2f} of its bound")
    assert math.isfinite(worst[0])
