"""Tests of specref.kernels.spectral_eigen (PolynomialSpectralKernel, TruncatedSVDKernel,
gram_spectral_decomposition): properties of each kernel and bad input (the registered cases run in
tests/testing/test_registry.py)."""

from __future__ import annotations

import numpy as np
import pytest

from specref.backend import backend_name, to_numpy
from specref.kernels.spectral_eigen import PolynomialSpectralKernel, TruncatedSVDKernel, gram_spectral_decomposition
from specref.testing.checks import assert_close, check_vjp

EPS64 = float(np.finfo(np.float64).eps)


def _arr(xp, host):
    return xp.asarray(np.asarray(host, dtype=np.float64))


# The registered cases (spectral_eigen.CASES) run once, in tests/testing/test_registry.py, on every backend.


# ----------------------------------------------------------------------------------------------------------
# PolynomialSpectralKernel


def test_poly_attention_rotation_invariant_and_exact_at_full_rank(xp):
    rng = np.random.default_rng(3)
    q = rng.standard_normal((5, 4)) * [3, 2, 1, 0.5]
    k = rng.standard_normal((6, 4)) * [3, 2, 1, 0.5]
    rot, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    kern = PolynomialSpectralKernel(rank=2, degree=2, normalize=False)
    a = to_numpy(kern.compute_attention(_arr(xp, q), _arr(xp, k)))
    a_rot = to_numpy(kern.compute_attention(_arr(xp, q @ rot), _arr(xp, k @ rot)))
    # Q Pi K^T is invariant under a common rotation of the features (the PCA subspace rotates along). In each
    # run, C (sums of n + m terms) and eigh carry a backward error <= (n + m + 2d) eps ||C||, which moves Pi by
    # that over the gap mu_{d-r+1} - mu_{d-r} (Davis-Kahan); the rotation and the d-term products add 2 d eps;
    # G = Q Pi K^T + c amplifies relative error by kappa = alpha ||Q||_2 ||K||_2 / max|G + c|; the power p
    # multiplies it by p; two runs. Here ||C|| / gap = 4.3 and kappa = 2.1: the bound is 1.7e-13 (was 1e-12).
    n, m, d = len(q), len(k), q.shape[1]
    qc, kc = q - q.mean(0), k - k.mean(0)
    mu, u = np.linalg.eigh((qc.T @ qc + kc.T @ kc) / (n + m))
    g = kern.alpha * qc @ u[:, -2:] @ u[:, -2:].T @ kc.T + kern.coef0  # rank r = 2
    kappa = kern.alpha * np.linalg.norm(qc, 2) * np.linalg.norm(kc, 2) / np.max(np.abs(g))
    rot_bound = 2 * kern.degree * kappa * ((n + m + 2 * d) * EPS64 * mu[-1] / (mu[-2] - mu[-3]) + 2 * d * EPS64)
    assert rot_bound <= 1e-12  # never looser than the bound it replaces
    assert_close(a_rot, a, rtol=rot_bound, reason="2 p kappa ((n + m + 2d) eps ||C|| / gap + 2 d eps)")  # derived
    full = PolynomialSpectralKernel(rank=4, degree=1, coef0=0.0, normalize=False)
    # Pi = I at full rank: the centred inner products, to a few roundings of 4-term dots
    got = to_numpy(full.compute_attention(_arr(xp, q), _arr(xp, k)))
    assert_close(got, qc @ kc.T, rtol=1e-13, reason="U U^T = I to eigh accuracy")  # ~ d eps, times |q||k|/|qk|
    soft = PolynomialSpectralKernel(rank=2).compute_attention(_arr(xp, q), _arr(xp, k))
    sums = to_numpy(xp.sum(soft, axis=-1))
    assert_close(sums, np.ones(5), rtol=8 * EPS64, reason="softmax rows sum to 1")  # 6-term sums and a division


def test_poly_compute_matches_formula():
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    k = PolynomialSpectralKernel(rank=1, degree=3, coef0=0.5, alpha=0.7).compute(x, y)
    expected = (0.7 * x @ y.T + 0.5) ** 3 / (np.linalg.norm(x, axis=1)[:, None] * np.linalg.norm(y, axis=1) + 1e-8)
    assert_close(k, expected, rtol=32 * EPS64, reason="same formula, different summation order")  # 3p + norms


def test_poly_bad_input():
    with pytest.raises(ValueError, match="degree must be >= 0"):
        PolynomialSpectralKernel(rank=2, degree=-1)
    k = PolynomialSpectralKernel(rank=5)
    with pytest.raises(ValueError, match="larger than the data allows"):
        k.compute_attention(np.ones((3, 4)), np.ones((3, 4)))
    with pytest.raises(ValueError, match="same last dimension"):
        k.compute(np.ones((3, 4)), np.ones((3, 5)))


def test_poly_attention_vjp_raises_at_a_tie():
    q = np.array([[1.0, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0]])  # covariance diag(1, 1, 0)/... : tie at cut
    with pytest.raises(ValueError, match="not differentiable"):
        k = PolynomialSpectralKernel(rank=1)
        a = k.compute_attention(q, q)
        k.compute_attention_vjp(np.ones_like(a), q, q, a)


# ----------------------------------------------------------------------------------------------------------
# TruncatedSVDKernel


def test_svd_vjp_with_repeated_singular_values_inside_the_kept_block():
    # A = X X^T with singular values 4, 4, 0.25: a tie inside the kept block (rank 2) is harmless,
    # only s_2 > s_3 matters (the projector VJP couples kept and dropped directions only)
    rng = np.random.default_rng(5)
    basis, _ = np.linalg.qr(rng.standard_normal((5, 3)))
    x = basis * [2.0, 2.0, 0.5]
    k = TruncatedSVDKernel(rank=2, normalize=False)
    r = check_vjp(lambda a, b: k.compute(a, b), lambda g, a, b, out: k.compute_vjp(g, a, b, out), (x, x.copy()),
                  argnums=(0, 1), rng=0, error_scale=100.0)
    r.raise_if_failed()


def test_svd_vjp_raises_at_a_tie_across_the_cut():
    x = np.eye(3)[:, :2] * 1.0  # A = diag(1, 1, 0): s_1 = s_2
    k = TruncatedSVDKernel(rank=1, normalize=False)
    a = k.compute(x, x)
    with pytest.raises(ValueError, match="not differentiable"):
        k.compute_vjp(np.ones_like(a), x, x, a)


def test_svd_rank_at_least_d_is_the_full_product(xp):
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((5, 2)), rng.standard_normal((4, 2))
    k = TruncatedSVDKernel(rank=3, normalize=False)
    # A = x y^T has rank 2 <= 3: the truncation is A itself, to the SVD's backward error (~ (n+m) eps)
    got = to_numpy(k.compute(_arr(xp, x), _arr(xp, y)))
    assert_close(got, x @ y.T, rtol=64 * EPS64, reason="backward-stable SVD")  # see above


def test_svd_randomized(xp):
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((2, 30, 3)), rng.standard_normal((25, 3))
    exact = TruncatedSVDKernel(rank=3).compute(_arr(xp, x), _arr(xp, y))
    rand = TruncatedSVDKernel(rank=3, use_randomized=True)
    got = rand.compute(_arr(xp, x), _arr(xp, y), rng=0)
    # A has rank 3 = r: the range finder captures range(A) exactly, so the two agree to rounding of the
    # QR/SVD of 30 x 13 matrices (condition s_1/s_3 < 100 for these draws): 1e-11
    assert_close(to_numpy(got), to_numpy(exact), rtol=1e-11, reason="exact range capture at rank(A) = r")  # see above
    again = rand.compute(_arr(xp, x), _arr(xp, y), rng=0)
    assert_close(to_numpy(again), to_numpy(got), rtol=0.0, reason="same seed, same draw")  # deterministic
    x32 = xp.asarray(np.asarray(x, dtype=np.float32))
    y32 = xp.asarray(np.asarray(y, dtype=np.float32))
    assert "float32" in str(rand.compute(x32, y32, rng=0).dtype)
    with pytest.raises(ValueError, match="rng="):
        rand.compute(_arr(xp, x), _arr(xp, y))
    with pytest.raises(NotImplementedError):
        rand.compute_vjp(got, _arr(xp, x), _arr(xp, y), got)


def test_svd_bad_input():
    k = TruncatedSVDKernel(rank=4)
    with pytest.raises(ValueError, match="larger than the data allows"):
        k.compute(np.ones((3, 5)), np.ones((6, 5)))
    with pytest.raises(ValueError, match=r"\(\.\.\., n, d\)"):
        k.compute(np.ones(5), np.ones((6, 5)))
    with pytest.raises(ValueError, match="rank must be a positive integer"):
        TruncatedSVDKernel(rank=0)
    with pytest.raises(TypeError, match="use_randomized must be True or False"):
        TruncatedSVDKernel(rank=2, use_randomized=0)


# ----------------------------------------------------------------------------------------------------------
# spectral_decomposition (spectrans's SpectralKernel method)


def test_spectral_decomposition(xp):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 5, 3))
    vecs, vals = gram_spectral_decomposition(_arr(xp, x), 2, normalize=False)
    g = x @ np.swapaxes(x, -1, -2)
    top = np.linalg.eigvalsh(g)[..., -2:]
    # eigh eigenvalues are backward stable: |error| <= few n eps ||G||
    assert_close(to_numpy(vals), top, rtol=64 * EPS64, reason="eigh accuracy")  # see above
    v = to_numpy(vecs)
    assert_close(g @ v, v * to_numpy(vals)[..., None, :], rtol=1e-13, reason="eigenpairs G v = lambda v")  # n eps ||G||
    _, normed = TruncatedSVDKernel(rank=2).spectral_decomposition(_arr(xp, x))
    expected = top / (top.sum(-1, keepdims=True) + 1e-8)
    assert_close(to_numpy(normed), expected, rtol=64 * EPS64, reason="trace normalization")  # eigh accuracy
    with pytest.raises(ValueError, match="larger than the data allows"):
        gram_spectral_decomposition(_arr(xp, x), 6)
    assert backend_name(xp) in ("numpy", "strict", "cupy")
