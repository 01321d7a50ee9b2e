"""models.optim: SGD and AdamW against their update equations written out by hand (validation/ compares with
torch.optim), purity, bad input."""

import math

import numpy as np
import pytest

from specref.models.optim import adamw_init, adamw_step, sgd_init, sgd_step


def _pg():
    rng = np.random.default_rng(0)
    return {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}, {"w": rng.standard_normal((3, 2)),
                                                                            "b": rng.standard_normal(2)}


def test_adamw_first_steps_by_hand():
    params, grads = _pg()
    lr, b1, b2, eps, wd = 0.1, 0.9, 0.999, 1e-8, 0.01
    state = adamw_init(params)
    p1, state = adamw_step(params, grads, state, lr=lr, weight_decay=wd)
    p2, state = adamw_step(p1, grads, state, lr=lr, weight_decay=wd)
    for k in params:
        g, p = grads[k], params[k]
        m, v = (1 - b1) * g, (1 - b2) * g * g
        q1 = p * (1 - lr * wd) - lr / (1 - b1) * m / (np.sqrt(v) / math.sqrt(1 - b2) + eps)
        m2, v2 = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        q2 = q1 * (1 - lr * wd) - lr / (1 - b1**2) * m2 / (np.sqrt(v2) / math.sqrt(1 - b2**2) + eps)
        # a dozen roundings on O(1) values, the step of size lr ~ 0.1: a few eps
        assert np.allclose(p1[k], q1, rtol=0, atol=1e-15) and np.allclose(p2[k], q2, rtol=0, atol=1e-15)
    assert state["step"] == 2


def test_sgd_momentum_nesterov_by_hand():
    params, grads = _pg()
    state = sgd_init(params)
    p1, state = sgd_step(params, grads, state, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)
    p2, state = sgd_step(p1, grads, state, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)
    for k in params:
        g1 = grads[k] + 0.1 * params[k]
        b1 = g1
        q1 = params[k] - 0.1 * (g1 + 0.9 * b1)
        g2 = grads[k] + 0.1 * q1
        b2 = 0.9 * b1 + g2
        q2 = q1 - 0.1 * (g2 + 0.9 * b2)
        assert np.allclose(p2[k], q2, rtol=0, atol=1e-15)  # a handful of roundings of O(1) values


def test_steps_do_not_mutate_their_inputs():
    params, grads = _pg()
    copies = {k: v.copy() for k, v in params.items()}
    state = adamw_init(params, amsgrad=True)
    m0 = {k: v.copy() for k, v in state["exp_avg"].items()}
    adamw_step(params, grads, state, amsgrad=True)
    sgd_step(params, grads, sgd_init(params), lr=0.1, momentum=0.5)
    assert all(np.array_equal(params[k], copies[k]) for k in params)
    assert all(np.array_equal(state["exp_avg"][k], m0[k]) for k in params) and state["step"] == 0


def test_bad_input():
    params, grads = _pg()
    with pytest.raises(ValueError, match="first missing gradient 'b'"):
        adamw_step(params, {"w": grads["w"]}, adamw_init(params))
    with pytest.raises(ValueError, match="first unexpected gradient 'c'"):
        sgd_step(params, {**grads, "c": grads["b"]}, sgd_init(params), lr=0.1)
    with pytest.raises(ValueError, match="shape"):
        sgd_step(params, {**grads, "b": np.zeros(3)}, sgd_init(params), lr=0.1)
    with pytest.raises(ValueError, match="betas"):
        adamw_step(params, grads, adamw_init(params), betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="amsgrad=True"):
        adamw_step(params, grads, adamw_init(params), amsgrad=True)
    with pytest.raises(ValueError, match="Nesterov"):
        sgd_step(params, grads, sgd_init(params), lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="other params"):
        sgd_step(params, grads, sgd_init({"w": params["w"]}), lr=0.1)
