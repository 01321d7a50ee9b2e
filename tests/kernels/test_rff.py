"""specref.kernels.rff: GaussianRFFKernel and LaplacianRFFKernel.

Features against their formulas on every backend, params/buffers by the trainable flag, the frequency
samplers (shapes, orthogonality, chi norms, Cauchy scale), the kernels and spectral densities at known
values, the VJPs (the registry cases run them too; here on a batch shape and with explicit omega), the
spectral_density normalizations, and bad input. The statistical claims (Bochner, the D^(-1/2) rate, PSD Gram
matrices) are in test_theory_rff.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.backend import random_normal, to_numpy
from specref.kernels.attention_features import RFFAttentionKernel
from specref.kernels.rff import (
    GaussianRFFKernel,
    LaplacianRFFKernel,
    fourier_features,
    rff_features,
    rff_features_vjp,
    sample_cauchy_frequencies,
    sample_gaussian_frequencies,
    sample_orthogonal_gaussian_frequencies,
    sample_phases,
)
from specref.kernels.rff_structured import OrthogonalRandomFeatures
from specref.testing.checks import assert_close, check_vjp

EPS64 = float(np.finfo(np.float64).eps)
KERNELS = (GaussianRFFKernel, LaplacianRFFKernel)


@pytest.mark.parametrize("cls", KERNELS)
@pytest.mark.parametrize("use_cos_sin", [False, True])
def test_features_match_formula(xp, cls, use_cos_sin):
    kern = cls(4, 6, sigma=1.3, use_cos_sin=use_cos_sin, seed=1).to(xp)
    x = random_normal(2, (2, 3, 4), xp=xp)
    phi = to_numpy(kern(x))
    z = to_numpy(x) @ to_numpy(kern.omega) + to_numpy(kern.bias)
    expected = np.concatenate([np.cos(z), np.sin(z)], -1) / math.sqrt(6) if use_cos_sin else \
        math.sqrt(2 / 6) * np.cos(z)
    assert phi.shape == (2, 3, 12 if use_cos_sin else 6) and kern.output_features == phi.shape[-1]
    # same z up to the order of a length-4 dot (gamma_4 (sum|x||w| + |b|) <= 4 (4*3 + 2 pi) eps ~ 80 eps, the
    # Cauchy draws of this seed have |w| < 4), cos/sin 1 ulp each: 100 eps relative to max|phi|
    rel_bound = 100 * EPS64  # length-4 dot of the argument, then cos/sin
    assert_close(phi, expected, rtol=rel_bound, reason="length-4 dot of the argument, then cos/sin")


@pytest.mark.parametrize("cls", KERNELS)
def test_params_or_buffers(cls):
    frozen = cls(3, 5, seed=0)
    assert not frozen.params and sorted(frozen.buffers) == ["bias", "omega"]
    trained = cls(3, 5, trainable=True, seed=0)
    assert sorted(trained.params) == ["bias", "omega"] and not trained.buffers
    np.testing.assert_array_equal(frozen.omega, trained.omega)  # the flag does not change the draws
    x = np.ones((2, 3))
    phi = frozen(x)
    assert frozen.forward_vjp(np.ones_like(phi), x, phi)[1] == {}
    assert sorted(trained.forward_vjp(np.ones_like(phi), x, phi)[1]) == ["bias", "omega"]
    assert frozen.sigma == 1.0 and frozen.bandwidth == 1.0 and frozen.kernel_scale == 1.0


def test_seed_is_explicit_and_reproducible():
    a, b = GaussianRFFKernel(3, 5, seed=4), GaussianRFFKernel(3, 5, seed=np.random.default_rng(4))
    np.testing.assert_array_equal(a.omega, b.omega)
    assert not np.array_equal(a.omega, GaussianRFFKernel(3, 5, seed=5).omega)
    with pytest.raises(TypeError, match="explicit seed"):
        GaussianRFFKernel(3, 5, seed=None)


@pytest.mark.parametrize("d,m", [(4, 4), (4, 10), (5, 3)])
def test_orthogonal_frequencies(d, m):
    w = sample_orthogonal_gaussian_frequencies(0, d, m, sigma=2.0)
    assert w.shape == (d, m)
    directions = w / np.linalg.norm(w, axis=0)
    for start in range(0, m, d):  # columns of one block are orthonormal directions
        block = directions[:, start:start + d]
        # a QR factor is orthonormal to O(d eps): 8 d eps
        rel_bound = 8 * d * EPS64  # QR orthonormality
        assert_close(block.T @ block, np.eye(block.shape[1]), rtol=rel_bound, reason="QR orthonormality")
    kern = GaussianRFFKernel(d, m, sigma=2.0, orthogonal=True, seed=0)
    np.testing.assert_array_equal(kern.omega, w)  # the kernel uses the sampler, omega drawn first


@pytest.mark.parametrize("seed", [0, 7])
def test_one_seed_gives_the_same_features_whichever_class_draws(seed):
    # one draw routine (specref.kernels.rff) for every class: frequencies first, then phases
    x = random_normal(1, (2, 3, 5))
    pairs = [
        (GaussianRFFKernel(5, 12, sigma=1.7, orthogonal=True, seed=seed),
         OrthogonalRandomFeatures(5, 12, sigma=1.7, seed=seed), "projection"),
        (LaplacianRFFKernel(5, 12, sigma=0.6, seed=seed),
         OrthogonalRandomFeatures(5, 12, kernel_type="laplacian", sigma=0.6, seed=seed), "projection"),
    ]
    for rff, orf, name in pairs:
        np.testing.assert_array_equal(rff.omega, orf.buffers[name])
        np.testing.assert_array_equal(rff.bias, orf.buffers["bias"])
        np.testing.assert_array_equal(rff(x), orf(x))  # the same feature map: bit for bit
    iid = GaussianRFFKernel(5, 12, sigma=1.0, seed=seed)
    np.testing.assert_array_equal(iid.omega, sample_gaussian_frequencies(seed, 5, 12))
    favor = RFFAttentionKernel(5, 12, use_orthogonal=True, seed=seed).buffers["projection"]
    np.testing.assert_array_equal(favor, sample_orthogonal_gaussian_frequencies(seed, 5, 12))
    favor_iid = RFFAttentionKernel(5, 12, use_orthogonal=False, seed=seed).buffers["projection"]
    np.testing.assert_array_equal(favor_iid, sample_gaussian_frequencies(seed, 5, 12))


def test_orthogonal_draws_are_prefix_stable_and_fixed_norms():
    # block by block (the block's Gaussian matrix, then its chi lengths): more features append columns
    few, many = (sample_orthogonal_gaussian_frequencies(3, 4, m, sigma=2.0) for m in (6, 11))
    np.testing.assert_array_equal(few[:, :4], many[:, :4])
    fixed = sample_orthogonal_gaussian_frequencies(3, 4, 8, sigma=2.0, norms="fixed")
    rel_bound = 1e2 * EPS64  # unit QR columns (a few eps) times sqrt(d)/sigma
    assert_close(np.linalg.norm(fixed, axis=0), np.full(8, 1.0), rtol=rel_bound, reason="unit QR columns")
    with pytest.raises(ValueError, match="unknown norms"):
        sample_orthogonal_gaussian_frequencies(0, 4, 8, norms="unit")


def test_rff_features_is_the_fourier_map_of_the_projection_and_checks_shapes():
    rng = np.random.default_rng(2)
    x, omega, bias = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5)), sample_phases(2, 5)
    for use_cos_sin in (False, True):
        np.testing.assert_array_equal(rff_features(x, omega, bias, use_cos_sin=use_cos_sin),
                                      fourier_features(x @ omega, bias, use_cos_sin=use_cos_sin))
    with pytest.raises(ValueError, match="bias must have shape \\(5,\\)"):
        rff_features(x, omega, bias[:4])
    with pytest.raises(ValueError, match="omega must have shape \\(d, m\\) with d = 4"):
        rff_features(x, omega[:3], bias)
    with pytest.raises(TypeError):
        rff_features(x, omega.astype(np.float32), bias)


def test_orthogonal_norms_are_chi_distributed():
    # 2000 columns in d = 3 at sigma = 1: |w|^2 ~ chi^2_3 (mean 3, variance 6); fixed-norm columns (spectrans)
    # would give variance 0. The sample mean of |w|^2 has standard error sqrt(6/2000) = 0.055: 5 SE = 0.27.
    w = sample_orthogonal_gaussian_frequencies(11, 3, 2000, sigma=1.0)
    sq = np.sum(w**2, axis=0)
    assert abs(sq.mean() - 3.0) < 0.27
    # the sample variance of chi^2_3 has standard error sqrt((mu4 - sigma^4)/N) = sqrt((180 - 36)/2000) = 0.27;
    # 5 SE = 1.35 around 6 (fixed norms: 0)
    assert abs(sq.var() - 6.0) < 1.35


def test_cauchy_frequencies_scale():
    # the median of |w| for Cauchy of scale 1/sigma is 1/sigma; |w| has density f(t) = 2 sigma/(pi (1 + sigma^2
    # t^2)), f(1/sigma) = sigma/pi, so the sample median of N draws has SE 1/(2 f sqrt N) = pi/(2 sigma sqrt N)
    sigma, n = 2.0, 20000
    w = sample_cauchy_frequencies(3, 1, n, sigma)
    se = math.pi / (2 * sigma * math.sqrt(n))
    assert abs(np.median(np.abs(w)) - 1.0 / sigma) < 5 * se
    b = sample_phases(3, 1000)
    assert b.min() >= 0.0 and b.max() < 2 * math.pi


def test_exact_kernels_at_known_values(xp):
    x = xp.asarray(np.array([[0.0, 0.0], [1.0, -2.0]]))
    y = xp.asarray(np.array([[0.0, 0.0], [3.0, 1.0]]))
    g = to_numpy(GaussianRFFKernel(2, 3, sigma=2.0).compute(x, y))
    lap = to_numpy(LaplacianRFFKernel(2, 3, sigma=2.0).compute(x, y))
    sq = np.array([[0.0, 10.0], [5.0, 13.0]])
    l1 = np.array([[0.0, 4.0], [3.0, 5.0]])
    # exact differences and sums of small integers, one scaling and one exp (1 ulp each): 4 eps
    rel_bound = 4 * EPS64  # exact integers, one division and exp
    assert_close(g, np.exp(-sq / 8.0), rtol=rel_bound, reason="exact integers, one division and exp")
    rel_bound = 4 * EPS64  # exact integers, one division and exp
    assert_close(lap, np.exp(-l1 / 2.0), rtol=rel_bound, reason="exact integers, one division and exp")


def test_spectral_density_values_and_normalizations(xp):
    omega = xp.asarray(np.array([[0.0, 0.0], [0.5, -1.0], [2.0, 3.0]]))
    w = to_numpy(omega)
    sigma = 1.5
    g, lap = GaussianRFFKernel(2, 3, sigma=sigma), LaplacianRFFKernel(2, 3, sigma=sigma)
    p_g = (sigma**2 / (2 * math.pi)) * np.exp(-0.5 * sigma**2 * np.sum(w**2, -1))
    p_l = np.prod(sigma / (math.pi * (1 + (sigma * w) ** 2)), -1)
    # a few multiplications, one exp/division each: 8 eps
    rel_bound = 8 * EPS64  # closed form, few roundings
    assert_close(to_numpy(g.spectral_density(omega)), p_g, rtol=rel_bound, reason="closed form, few roundings")
    rel_bound = 8 * EPS64  # closed form, few roundings
    assert_close(to_numpy(lap.spectral_density(omega)), p_l, rtol=rel_bound, reason="closed form, few roundings")
    for kern, p in ((g, p_g), (lap, p_l)):
        s = to_numpy(kern.spectral_density(omega, normalization="fourier"))
        rel_bound = 8 * EPS64  # S = (2 pi)^d p, few roundings
        assert_close(s, (2 * math.pi) ** 2 * p, rtol=rel_bound, reason="S = (2 pi)^d p, few roundings")
    # spectrans's Gaussian value is the "fourier" normalization
    spectrans_g = (2 * math.pi * sigma**2) * np.exp(-0.5 * sigma**2 * np.sum(w**2, -1))
    rel_bound = 8 * EPS64  # closed form, few roundings
    assert_close(to_numpy(g.spectral_density(omega, normalization="fourier")), spectrans_g, rtol=rel_bound,
                 reason="closed form, few roundings")
    with pytest.raises(ValueError, match="unknown normalization"):
        g.spectral_density(omega, normalization="unitary")


@pytest.mark.parametrize("use_cos_sin", [False, True])
def test_rff_features_vjp_batch(use_cos_sin):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 1, 3, 4))
    omega, bias = rng.standard_normal((4, 5)), rng.uniform(0, 2 * math.pi, 5)

    def f(a, w, b):
        return rff_features(a, w, b, use_cos_sin=use_cos_sin)

    def f_vjp(dphi, a, w, b, phi):
        return rff_features_vjp(dphi, a, w, b, phi, use_cos_sin=use_cos_sin)

    check_vjp(f, f_vjp, (x, omega, bias), argnums=(0, 1, 2), error_scale=64.0).raise_if_failed()


def test_laplacian_vjp_sign_zero():
    x = np.array([[0.0, 1.0], [2.0, 1.0]])
    kern = LaplacianRFFKernel(2, 3)
    k = kern.compute(x, x)
    dx, dy = kern.compute_vjp(np.eye(2), x, x, k)  # only the diagonal: every difference is exactly 0
    assert not np.any(dx) and not np.any(dy)


@pytest.mark.parametrize("cls", KERNELS)
def test_bad_input(cls):
    kern = cls(3, 4)
    with pytest.raises(ValueError, match="num_features must be a positive integer"):
        cls(3, 0)
    with pytest.raises(ValueError, match="input_dim must be a positive integer"):
        cls(0, 4)
    for flag in ("use_cos_sin", "trainable"):
        with pytest.raises(TypeError, match=f"{flag} must be True or False"):
            cls(3, 4, **{flag: "no"})
    for sigma in (0.0, -1.0, math.nan):
        with pytest.raises(ValueError, match="sigma must be finite and > 0"):
            cls(3, 4, sigma=sigma)
    with pytest.raises(ValueError, match=r"shape \(\.\.\., n, d\)"):
        kern(np.ones(3))
    with pytest.raises(ValueError, match="input_dim 3 but x has 2 features"):
        kern(np.ones((4, 2)))
    with pytest.raises(ValueError, match="same last dimension"):
        kern.compute(np.ones((4, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="input_dim 3"):
        kern.kernel_approximation(np.ones((4, 2)), np.ones((4, 2)))
    with pytest.raises(TypeError):
        kern(np.ones((4, 3), dtype=np.complex128))
    with pytest.raises(ValueError, match=r"frequencies of shape \(\.\.\., d\)"):
        kern.spectral_density(np.float64(1.0) * np.ones(()))
