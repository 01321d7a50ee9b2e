"""models.losses: cross-entropy and MSE against loops, their VJPs' closed forms, bad input (the VJP checks against
finite differences run in the registry)."""

import math

import numpy as np
import pytest

from specref.models.losses import cross_entropy, cross_entropy_vjp, mse_loss, mse_loss_vjp


def test_cross_entropy_is_the_negative_log_likelihood():
    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    t = np.array([1, 2])
    expected = -np.mean([z[n, t[n]] - math.log(np.exp(z[n]).sum()) for n in range(2)])
    assert float(cross_entropy(z, t)) == pytest.approx(expected, rel=1e-15)  # a few roundings of O(1) terms


def test_large_logits_do_not_overflow():
    z = np.array([[1000.0, 0.0], [0.0, -1000.0]])
    assert float(cross_entropy(z, np.array([0, 0]), reduction="sum")) == pytest.approx(0.0, abs=1e-300)


def test_vjp_closed_form_with_smoothing_and_ignore():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, 5))
    t = np.array([1, -100, 4, 0])
    eps = 0.2
    loss = cross_entropy(z, t, label_smoothing=eps)
    dz = cross_entropy_vjp(np.asarray(1.0), z, t, loss, label_smoothing=eps)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = np.zeros_like(z)
    for n in (0, 2, 3):
        expected[n] = (p[n] - eps / 5 - (1 - eps) * np.eye(5)[t[n]]) / 3
    assert np.allclose(dz, expected, rtol=0, atol=1e-16)  # O(1/3) entries: a few roundings
    assert np.all(dz[1] == 0)


def test_mse_and_its_vjp():
    x, y = np.array([1.0, 2.0, 4.0]), np.array([0.0, 2.0, 1.0])
    loss = mse_loss(x, y)
    assert float(loss) == pytest.approx(10.0 / 3.0, rel=1e-15)
    dx, dt = mse_loss_vjp(np.asarray(1.0), x, y, loss)
    assert np.allclose(dx, 2 * (x - y) / 3, rtol=1e-15) and np.array_equal(dt, -dx)


def test_bad_input():
    z = np.zeros((2, 3))
    with pytest.raises(TypeError, match="integer class indices"):
        cross_entropy(z, np.zeros(2))
    with pytest.raises(IndexError, match=r"targets\[1\] = 3 is not a class index"):
        cross_entropy(z, np.array([0, 3]))
    with pytest.raises(ValueError, match="shape"):
        cross_entropy(z, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="mean is over no sample"):
        cross_entropy(z, np.array([-100, -100]))
    with pytest.raises(ValueError, match="reduction"):
        cross_entropy(z, np.array([0, 1]), reduction="average")
    with pytest.raises(TypeError, match="float64"):
        cross_entropy_vjp(np.asarray(1.0, np.float32), z, np.array([0, 1]), cross_entropy(z, np.array([0, 1])))
    with pytest.raises(ValueError, match="must be equal"):
        mse_loss(np.zeros(3), np.zeros(4))
    with pytest.raises(TypeError, match="mixing precisions"):
        mse_loss(np.zeros(3), np.zeros(3, np.float32))
