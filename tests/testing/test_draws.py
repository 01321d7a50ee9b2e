"""draw_away: draws (or an image of them) kept at least a gap from the kinks, redrawing only what is too close."""

from __future__ import annotations

import numpy as np
import pytest

from specref.testing.draws import KINK_GAP, draw_away


def test_entries_stay_away_from_the_kinks():
    host = draw_away(np.random.default_rng(0), (400,), kinks=(0.3, -0.3), scale=0.5)
    assert host.shape == (400,) and host.dtype == np.float64
    assert np.min(np.abs(np.abs(host) - 0.3)) >= KINK_GAP
    assert np.std(host) > 0.3  # still spread out: only the entries near a kink were redrawn


def test_without_kinks_it_is_one_plain_draw():
    rng, again = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(draw_away(rng, (2, 5), scale=2.0), 2.0 * again.standard_normal((2, 5)))


def test_only_the_entries_near_a_kink_are_redrawn():
    shape = (1000,)
    first = np.random.default_rng(5).standard_normal(shape)
    kept = np.abs(first) >= KINK_GAP
    host = draw_away(np.random.default_rng(5), shape, kinks=(0.0,))
    np.testing.assert_array_equal(host[kept], first[kept])
    assert not np.array_equal(host[~kept], first[~kept])


def test_an_image_of_the_draw_is_kept_away_from_the_kinks():
    # a bias b of shape (3,) and pre-activations h = x w + b of shape (8, 3): every h is kept 0.1 from 0
    x = np.random.default_rng(1).standard_normal((8, 4))
    w = np.random.default_rng(2).standard_normal((4, 3))
    bias = draw_away(np.random.default_rng(0), (3,), kinks=(0.0,), scale=0.5, image=lambda b: x @ w + b)
    assert bias.shape == (3,)
    assert np.min(np.abs(x @ w + bias)) >= KINK_GAP


def test_impossible_requests_raise():
    with pytest.raises(RuntimeError, match="away from the kinks"):
        draw_away(np.random.default_rng(0), (4,), kinks=(0.0,), gap=1e3)
