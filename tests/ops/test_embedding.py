"""ops.embedding: the lookup against indexing, the scatter-add against a loop, bad input (the VJP check runs in the
registry)."""

import numpy as np
import pytest

from specref.backend import get_namespace
from specref.ops.embedding import embedding, embedding_vjp


def test_forward_is_row_lookup_and_vjp_accumulates_repeated_ids():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((5, 3))
    ids = np.array([[0, 2, 2], [4, 2, 0]])
    y = embedding(ids, w)
    assert np.array_equal(y, w[ids])
    dy = rng.standard_normal(y.shape)
    dw = embedding_vjp(dy, ids, w, y)
    expected = np.zeros_like(w)
    for b in range(2):
        for n in range(3):
            expected[ids[b, n]] += dy[b, n]
    assert np.allclose(dw, expected, rtol=0, atol=1e-15)  # at most 3 terms per row: a few roundings of O(1)
    assert np.all(dw[[1, 3]] == 0)  # rows never read get exactly zero


def test_one_hot_path_on_strict_equals_numpy():
    xp = get_namespace("strict")
    rng = np.random.default_rng(1)
    w, ids = rng.standard_normal((6, 2)), rng.integers(0, 6, (4, 5))
    dy = rng.standard_normal((4, 5, 2))
    y = embedding(xp.asarray(ids), xp.asarray(w))
    got = np.asarray(embedding_vjp(xp.asarray(dy), xp.asarray(ids), xp.asarray(w), y))
    # the one-hot product sums the same terms in another order: <= 20 terms, relative error ~ 20 eps
    assert np.allclose(got, embedding_vjp(dy, ids, w, w[ids]), rtol=0, atol=1e-13)  # <= 20 O(1) terms: 20 u


def test_bad_input():
    w = np.zeros((4, 2))
    with pytest.raises(TypeError, match="integer"):
        embedding(np.zeros((2, 3)), w)
    with pytest.raises(IndexError, match=r"ids\[1, 0\] = 4 is out of range"):
        embedding(np.array([[0, 1], [4, 0]]), w)
    with pytest.raises(IndexError, match="out of range"):
        embedding(np.array([-1]), w)
    with pytest.raises(ValueError, match=r"\(V, D\)"):
        embedding(np.array([0]), np.zeros(4))
    with pytest.raises(TypeError, match="float32"):
        embedding_vjp(np.zeros((1, 2), np.float32), np.array([0]), w, w[[0]])
