"""Gram matrix, spectrum, effective rank and decay fit (specref/neural_kernels/gram.py)."""

from __future__ import annotations

import numpy as np
import pytest

from specref.neural_kernels import effective_rank, gram_matrix, spectral_decay, spectrum


def test_spectrum_is_sorted_and_equals_the_eigenvalues():
    phi = np.random.default_rng(0).standard_normal((30, 7))
    lam = spectrum(gram_matrix(phi))
    assert np.all(np.diff(lam) <= 0)
    # the nonzero eigenvalues of Phi Phi^T are the squared singular values of Phi; backward stable eigensolver:
    # error ~ n eps ||G||
    s2 = np.linalg.svd(phi, compute_uv=False) ** 2
    np.testing.assert_allclose(lam[:7], s2, rtol=0, atol=30 * np.finfo(float).eps * s2[0] * 4)
    assert np.abs(lam[7:]).max() < 30 * np.finfo(float).eps * s2[0] * 4


def test_a_non_symmetric_matrix_is_refused():
    a = np.random.default_rng(1).standard_normal((5, 5))
    with pytest.raises(ValueError, match="symmetric"):
        spectrum(a)
    with pytest.raises(ValueError, match="square"):
        spectrum(np.ones((3, 4)))
    with pytest.raises(ValueError, match="finite"):
        spectrum(np.full((2, 2), np.nan))
    with pytest.raises(TypeError):
        spectrum(np.eye(3, dtype=complex))


def test_rounding_asymmetry_of_a_float32_gram_matrix_is_accepted():
    phi = np.random.default_rng(2).standard_normal((40, 300)).astype("float32")
    g = gram_matrix(phi)
    g_asym = g + np.triu(np.full_like(g, 1e-6 * np.abs(g).max()), 1)  # ~ the m eps scale of rounding
    assert spectrum(g_asym).shape == (40,)


def test_effective_rank():
    assert effective_rank(np.ones(7)) == pytest.approx(7.0)
    assert effective_rank([3.0, 0.0, -1e-17]) == pytest.approx(1.0)
    assert effective_rank([-1.0]) == 0.0


def test_decay_fit_recovers_a_power_law():
    lam = 5.0 * np.arange(1, 200, dtype=float) ** -2.5
    fit = spectral_decay(lam)
    assert fit.slope == pytest.approx(-2.5, abs=1e-10)
    assert spectral_decay([1.0, 1e-30, 0.0]) is None
