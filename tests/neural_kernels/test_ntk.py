"""The empirical NTK and CK (specref/neural_kernels/ntk.py): factored equals dense, chunks change nothing, memory
is estimated and refused, the frozen RFF's NTK is empty."""

from __future__ import annotations

import numpy as np
import pytest

from specref.neural_kernels import (
    LFF,
    RFF,
    RFFMLP,
    ReLUMLP,
    conjugate_kernel,
    empirical_ntk,
    gram_matrix,
    ntk_chunk_size,
)

MODELS = [LFF(2, 5, 3.0, seed=1), ReLUMLP(2, 6, 2, 3, parameterization="ntk", seed=2), RFFMLP(2, 3.0, 6, 2, 3, seed=3)]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_factored_equals_dense_and_chunks_change_nothing(model):
    x1 = np.random.default_rng(0).standard_normal((7, 2))
    x2 = np.random.default_rng(1).standard_normal((4, 2))
    full = empirical_ntk(model, x1, x2, outputs="full", method="dense")
    k = model.out_features
    assert full.shape == (7, k, 4, k)
    # both contract the same products in another order: error ~ P eps |J|^2, P the parameter count
    scale = 1e-13 * np.abs(full).max()
    np.testing.assert_allclose(empirical_ntk(model, x1, x2, outputs="full"), full, rtol=0, atol=scale)
    mean = empirical_ntk(model, x1, x2)
    np.testing.assert_allclose(mean, np.einsum("aobo->ab", full) / k, rtol=0, atol=scale)
    np.testing.assert_allclose(empirical_ntk(model, x1, x2, chunk_size=3), mean, rtol=0, atol=scale)
    sym = empirical_ntk(model, x1)
    np.testing.assert_allclose(sym, sym.T, rtol=0, atol=scale)
    assert np.linalg.eigvalsh(sym).min() > -scale * 7  # a Gram matrix of Jacobians: PSD up to rounding


def test_frozen_rff_has_an_empty_ntk_and_its_ck_is_its_gram_matrix():
    rff = RFF(1, 16, 10.0, seed=0)
    x = np.linspace(0, 1, 9)[:, None]
    np.testing.assert_array_equal(empirical_ntk(rff, x), np.zeros((9, 9)))
    np.testing.assert_allclose(conjugate_kernel(rff, x), gram_matrix(rff.features(x)) / 16, rtol=1e-15)


def test_lff_ntk_closed_form():
    """LFF: d y_o / d(W, b) is nonzero only in row o: Theta_oo(x, x') = cos u_o(x) cos u_o(x') (pi^2 x.x' + 1)."""
    lff = LFF(2, 4, 2.0, seed=5)
    x = np.random.default_rng(2).standard_normal((3, 2))
    u = np.pi * x @ lff.params["linear.weight"].T + lff.params["linear.bias"]
    expected = (np.cos(u) @ np.cos(u).T / 4) * (np.pi**2 * x @ x.T + 1)
    np.testing.assert_allclose(empirical_ntk(lff, x), expected, rtol=1e-13)


def test_memory_is_estimated_and_refused():
    mlp = ReLUMLP(2, 64, 2, 1, seed=0)
    x = np.zeros((100, 2))
    assert ntk_chunk_size(mlp, x, x, limit=10**9) == 256  # the default chunk: the 100 points in one
    # one point's factors: inputs and deltas of the three layers, (2 + 64 + 64) + (64 + 64 + 1) doubles = 2072
    # bytes; the result 100 x 100 doubles; what is left, halved, holds 2 c 2072 + 8 c^2 bytes for c <= 13
    small = ntk_chunk_size(mlp, x, x, limit=80_000 + 2 * 60_000)
    assert small == 8
    with pytest.raises(ValueError, match=r"empirical_ntk\(100 x 100 points\).*would need 80000 bytes"):
        empirical_ntk(mlp, x, limit=50_000)
    with pytest.raises(ValueError, match="a chunk of one point needs"):
        empirical_ntk(mlp, x, limit=80_000 + 2 * 4_000)
    with pytest.raises(ValueError, match="outputs"):
        empirical_ntk(mlp, x, outputs="trace")
    with pytest.raises(ValueError, match=r"points must have shape \(\.\.\., 2\)"):
        conjugate_kernel(mlp, np.zeros((3, 5)))
