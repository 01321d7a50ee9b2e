"""models.train: the loss decreases on a learnable task, the run is deterministic, bad input."""

import numpy as np
import pytest

from specref.models import GFNet, train


def _task(k):
    """Does token 1 occur anywhere in the sequence? (The head reads position 0 only, so the filters must learn to
    mix the sequence.)"""
    rng = np.random.default_rng(1000 + k)
    ids = rng.integers(2, 9, (32, 8))
    labels = rng.integers(0, 2, 32)
    pos = rng.integers(0, 8, 32)
    ids[labels == 1, pos[labels == 1]] = 1
    return ids, labels


def _model(dropout=0.0):
    return GFNet(vocab_size=9, hidden_dim=16, num_layers=2, max_sequence_length=8, num_classes=2, ffn_hidden_dim=32,
                 dropout=dropout, filter_activation="identity", seed=0)


def test_loss_decreases_and_the_run_is_deterministic():
    trained, history = train(_model(dropout=0.05), _task, steps=100, lr=3e-2, rng=0, progress=False)
    assert np.mean(history.loss[-10:]) < 0.5 * np.mean(history.loss[:10])
    again, history2 = train(_model(dropout=0.05), _task, steps=100, lr=3e-2, rng=0, progress=False)
    assert history.loss == history2.loss
    assert all(np.array_equal(trained.params[k], again.params[k]) for k in trained.params)


def test_sgd_and_mse_with_a_layer():
    from specref.layers import FeedForwardNetwork

    layer = FeedForwardNetwork(3, 5, "tanh", seed=0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3))
    y = np.sin(x)
    _, history = train(layer, [(x, y)] * 40, loss="mse", optimizer="sgd", steps=40, lr=0.2, momentum=0.5,
                       progress=False)
    assert history.loss[-1] < 0.5 * history.loss[0]


def test_bad_input():
    with pytest.raises(ValueError, match="ran out after 2 of 3 steps"):
        train(_model(), [_task(0), _task(1)], steps=3, rng=0, progress=False)
    with pytest.raises(ValueError, match="optimizer"):
        train(_model(), _task, steps=1, optimizer="adam", progress=False)
    with pytest.raises(TypeError, match="loss must be"):
        train(_model(), _task, steps=1, loss=len, progress=False)
    with pytest.raises(ValueError, match="rng="):
        train(_model(dropout=0.1), _task, steps=1, progress=False)  # dropout in training needs an rng
