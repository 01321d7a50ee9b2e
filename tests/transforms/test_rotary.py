"""transforms.rotary: spectrans's rotate-half formula written independently, orthogonality, bad input."""

import numpy as np
import pytest

from specref.transforms.rotary import rotary, rotary_adjoint, rotary_inv_freq


def test_matches_the_rotate_half_formula_of_spectrans():
    rng = np.random.default_rng(0)
    n, d = 7, 6
    x = rng.standard_normal((2, n, d))
    inv = 1.0 / 10000.0 ** (np.arange(0, d, 2) / d)
    emb = np.concatenate([np.outer(np.arange(n), inv)] * 2, axis=-1)  # cat(freqs, freqs) as spectrans builds it
    cos, sin = np.cos(emb)[:, : d // 2], np.sin(emb)[:, : d // 2]
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    expected = np.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)
    got = rotary(x, inv_freq=rotary_inv_freq(d))
    assert np.allclose(got, expected, rtol=0, atol=1e-15)  # two-term sums of O(1) products: a few eps


def test_orthogonal_so_the_adjoint_is_the_inverse():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5, 8))
    inv = rotary_inv_freq(8)
    y = rotary(x, inv_freq=inv, offset=4)
    assert np.isclose(np.linalg.norm(y), np.linalg.norm(x), rtol=1e-14)  # rotations keep the norm
    back = rotary_adjoint(y, input_shape=x.shape, inv_freq=inv, offset=4)
    assert np.allclose(back, x, rtol=0, atol=1e-14)  # two rotations: ~12 roundings on O(3) entries


def test_bad_input():
    with pytest.raises(ValueError, match="even"):
        rotary_inv_freq(5)
    with pytest.raises(ValueError, match="even"):
        rotary(np.zeros((2, 3, 5)), inv_freq=np.zeros(2))
    with pytest.raises(ValueError, match=r"\(D/2,\)"):
        rotary(np.zeros((2, 3, 4)), inv_freq=np.zeros(3))
    with pytest.raises(TypeError):
        rotary(np.zeros((2, 3, 4), complex), inv_freq=np.zeros(2))
