"""models.positional: the sinusoidal table against its formula, limits, the learned table's gradient rows."""

import math

import numpy as np
import pytest

from specref.models.positional import LearnedPositionalEncoding, PositionalEncoding, RotaryPositionalEncoding


def test_sinusoidal_table_is_the_formula():
    pe = PositionalEncoding(6, 9, dropout=0.0).buffers["pe"][0]
    for p in range(9):
        for i in range(3):
            w = math.exp(2 * i * -(math.log(10000.0) / 6))
            assert pe[p, 2 * i] == pytest.approx(math.sin(p * w), abs=1e-15)  # both float64, one rounding each
            assert pe[p, 2 * i + 1] == pytest.approx(math.cos(p * w), abs=1e-15)


def test_limits():
    with pytest.raises(ValueError, match="even hidden_dim"):
        PositionalEncoding(5, 8)
    with pytest.raises(ValueError, match="even"):
        RotaryPositionalEncoding(5, 8)
    for cls in (PositionalEncoding, LearnedPositionalEncoding):
        with pytest.raises(ValueError, match="length 9, the encoding has rows for max_sequence_length = 8"):
            cls(4, 8).forward(np.zeros((1, 9, 4)))
    y, _ = RotaryPositionalEncoding(4, 8).forward(np.ones((1, 20, 4)))  # no table: any length
    assert y.shape == (1, 20, 4)


def test_learned_gradient_rows_beyond_the_sequence_are_zero():
    layer = LearnedPositionalEncoding(3, 6, dropout=0.0, seed=1)
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    y, ctx = layer.forward(x)
    assert np.array_equal(y, x + layer.params["position_embeddings.weight"][:4])
    dy = np.ones_like(y)
    dx, grads = layer.backward(ctx, dy)
    g = grads["position_embeddings.weight"]
    assert np.array_equal(g[:4], np.full((4, 3), 2.0)) and np.all(g[4:] == 0)
    assert np.array_equal(dx, dy)


def test_training_dropout_needs_rng_or_masks():
    with pytest.raises(ValueError, match="rng="):
        PositionalEncoding(4, 8, dropout=0.5).forward(np.zeros((1, 3, 4)), training=True)
