"""ops.sequence_pool: masked mean and max against loops, the first maximiser on ties, bad masks."""

import numpy as np
import pytest

from specref.ops.sequence_pool import masked_max, masked_max_vjp, masked_mean, masked_mean_vjp


def test_masked_mean_and_max_read_only_kept_positions():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 3))
    keep = np.array([[True, False, True, False], [False, False, False, True]])
    mean = masked_mean(x, keep)
    assert np.allclose(mean[0], (x[0, 0] + x[0, 2]) / 2, rtol=0, atol=1e-15)  # two terms and a halving
    assert np.array_equal(mean[1], x[1, 3])
    big = x.copy()
    big[~keep] = 1e6  # masked entries never win the max
    assert np.array_equal(masked_max(big, keep), np.where(keep[..., None], x, -np.inf).max(axis=1))


def test_max_vjp_goes_to_the_first_maximiser_on_ties():
    x = np.array([[[1.0], [3.0], [3.0]]])
    dx = masked_max_vjp(np.array([[2.0]]), x, masked_max(x))
    assert dx.ravel().tolist() == [0.0, 2.0, 0.0]


def test_mean_vjp_is_the_adjoint():
    rng = np.random.default_rng(1)
    x, dy = rng.standard_normal((3, 5, 2)), rng.standard_normal((3, 2))
    keep = rng.random((3, 5)) < 0.5
    keep[:, 0] = True
    lhs = np.sum(masked_mean(x, keep) * dy)
    rhs = np.sum(x * masked_mean_vjp(dy, x, masked_mean(x, keep), mask=keep))
    assert abs(lhs - rhs) <= 1e-14 * (1 + abs(lhs))  # two sums of 30 O(1) terms in different orders


def test_bad_masks():
    x = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match="keeps no position in row \\[1\\]"):
        masked_mean(x, np.array([[True, False, False], [False, False, False]]))
    with pytest.raises(TypeError, match="boolean"):
        masked_max(x, np.ones((2, 3)))
    with pytest.raises(ValueError, match="must be \\(2, 3\\)"):
        masked_mean(x, np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="pools axis -2"):
        masked_max(np.zeros(3))
