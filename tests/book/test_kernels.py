"""Guards of docs/kernels.md (exact kernels, Bochner's theorem, random Fourier features and their VJPs).

Each formula the page states is evaluated independently -- a plain loop over the sum as written, quadrature,
an exact equispaced average over the phase, or central differences -- and compared with the specref function
the page names. No test calls the function under test to produce its expected value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from specref.kernels.base import CosineKernel, PolynomialKernel
from specref.kernels.rff import (
    GaussianRFFKernel,
    LaplacianRFFKernel,
    rff_features,
    rff_features_vjp,
    sample_orthogonal_gaussian_frequencies,
)
from tests.book.central_differences import fd_vjp as central_difference

EPS64 = np.finfo(np.float64).eps


# ----------------------------------------------------------------------------------------------------------
# Exact kernels


def test_cosine_kernel_forward_and_normalization_vjp():
    """docs/kernels.md, Exact kernels, CosineKernel: K = x.y / ((|x| + eps)(|y| + eps)) and the VJP
    xbar = xhatbar/(a + eps) - x (xhatbar.x)/(a (a + eps)^2), xhatbar = Kbar Yhat, second term 0 at x = 0.

    The forward is a loop over the entries; the VJP is the page's formula, written out row by row, and is also
    checked against central differences of the loop; a zero row of x gets xhatbar/(a + eps) alone.
    """
    rng = np.random.default_rng(0)
    eps = 0.3
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    x[1] = 0.0  # the zero row: the second term of the VJP is 0
    kern = CosineKernel(eps=eps)

    def loop(xa, ya):
        out = np.empty((xa.shape[0], ya.shape[0]))
        for i in range(xa.shape[0]):
            for j in range(ya.shape[0]):
                out[i, j] = xa[i] @ ya[j] / ((np.linalg.norm(xa[i]) + eps) * (np.linalg.norm(ya[j]) + eps))
        return out

    k = kern.compute(x, y)
    np.testing.assert_allclose(k, loop(x, y), rtol=0, atol=32 * EPS64)  # |K| <= 1, d = 4 dot and 2 norms: ~12 eps

    dk = rng.standard_normal(k.shape)
    y_hat = y / (np.linalg.norm(y, axis=1, keepdims=True) + eps)
    dx_hat = dk @ y_hat
    dx_page = np.empty_like(x)
    for i in range(x.shape[0]):
        a = np.linalg.norm(x[i])
        second = 0.0 if a == 0 else x[i] * (dx_hat[i] @ x[i]) / (a * (a + eps) ** 2)
        dx_page[i] = dx_hat[i] / (a + eps) - second
    dx, dy = kern.compute_vjp(dk, x, y, k)
    np.testing.assert_allclose(dx, dx_page, rtol=0, atol=64 * EPS64)  # O(1) terms, few flops each: <= 64 eps
    np.testing.assert_allclose(dx[1], dx_hat[1] / eps, rtol=0, atol=64 * EPS64)  # zero row: first term only
    nonzero = [0, 2]
    fd_x = central_difference(lambda v: loop(v, y), x, dk)
    np.testing.assert_allclose(dx[nonzero], fd_x[nonzero], rtol=0, atol=1e-8)  # FD h=1e-6: eps/h ~ 1e-10, x100
    fd_y = central_difference(lambda v: loop(x, v), y, dk)
    np.testing.assert_allclose(dy, fd_y, rtol=0, atol=1e-8)  # FD h=1e-6: rounding eps/h ~ 1e-10, margin 100


@pytest.mark.parametrize("degree, alpha, coef0", [(2, 1.0, 0.0), (3, 0.5, 1.0), (1, 2.0, -0.5)])
def test_polynomial_kernel_forward_and_vjp(degree, alpha, coef0):
    """docs/kernels.md, Exact kernels, PolynomialKernel: K = B^p, B = alpha X Y^T + c;
    Bbar = Kbar * p B^(p-1), Xbar = alpha Bbar Y, Ybar = alpha Bbar^T X.

    The forward is a loop (alpha x.y + c)^p; the VJP is compared with the page's formula and with central
    differences of the loop.
    """
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((3, 2)), rng.standard_normal((4, 2))
    kern = PolynomialKernel(degree, alpha, coef0)

    def loop(xa, ya):
        return np.array([[(alpha * (xa[i] @ ya[j]) + coef0) ** degree for j in range(len(ya))]
                         for i in range(len(xa))])

    k = kern.compute(x, y)
    np.testing.assert_allclose(k, loop(x, y), rtol=1e-14, atol=1e-14)  # p <= 3 products of a length-2 dot: ~8 eps
    dk = rng.standard_normal(k.shape)
    b = alpha * x @ y.T + coef0
    db = dk * degree * b ** (degree - 1)
    dx, dy = kern.compute_vjp(dk, x, y, k)
    np.testing.assert_allclose(dx, alpha * db @ y, rtol=1e-14, atol=1e-13)  # same flops in another order: ~16 eps
    np.testing.assert_allclose(dy, alpha * db.T @ x, rtol=1e-14, atol=1e-13)  # same flops in another order
    np.testing.assert_allclose(dx, central_difference(lambda v: loop(v, y), x, dk),
                               rtol=0, atol=1e-7)  # FD h=1e-6 on |K| <~ 50: eps*50/h ~ 1e-8, margin 10
    np.testing.assert_allclose(dy, central_difference(lambda v: loop(x, v), y, dk),
                               rtol=0, atol=1e-7)  # FD h=1e-6 on |K| <~ 50: eps*50/h ~ 1e-8, margin 10


def test_polynomial_kernel_degree_zero_gives_ones_and_zero_gradients():
    """docs/kernels.md, Exact kernels, PolynomialKernel: p = 0 gives ones and zero gradients (even where B = 0)."""
    x = np.array([[1.0, -1.0], [0.0, 0.0]])
    y = np.array([[1.0, 1.0], [2.0, 0.5]])  # B[0, 0] = 0 and the zero row: 0**0 = 1
    kern = PolynomialKernel(degree=0)
    k = kern.compute(x, y)
    assert np.array_equal(k, np.ones((2, 2)))
    dx, dy = kern.compute_vjp(np.ones((2, 2)), x, y, k)
    assert np.all(dx == 0.0) and np.all(dy == 0.0)


# ----------------------------------------------------------------------------------------------------------
# Bochner's theorem and the spectral densities


@pytest.mark.parametrize("sigma", [0.7, 1.6])
def test_gaussian_spectral_density_by_quadrature_1d(sigma):
    """docs/kernels.md, Bochner's theorem: for the Gaussian, kappa(delta) = int p(w) cos(w delta) dw with the
    table's p, p integrates to 1, and "fourier" gives S(w) = int kappa(delta) e^{-i w delta} d delta = 2 pi p.

    Both integrals by scipy quad against GaussianRFFKernel.spectral_density and evaluate_difference (d = 1).
    """
    kern = GaussianRFFKernel(1, 1, sigma=sigma)

    def p(w):
        return float(kern.spectral_density(np.array([w])))

    assert math.isclose(quad(p, -np.inf, np.inf)[0], 1.0, rel_tol=1e-10)  # quad's estimate on a Gaussian: ~1e-14
    for delta in (0.0, 0.4, 1.3):
        integral = quad(lambda w, t=delta: p(w) * math.cos(w * t), -np.inf, np.inf)[0]
        kappa = float(kern.evaluate_difference(np.array([[delta]]))[0])
        assert math.isclose(integral, kappa, rel_tol=1e-9, abs_tol=1e-12)  # quad on a smooth Gaussian: ~1e-14
    for w in (0.0, 0.9, 2.5):
        s_quad = quad(lambda t, f=w: math.exp(-t * t / (2 * sigma**2)) * math.cos(f * t), -np.inf, np.inf)[0]
        s_code = float(kern.spectral_density(np.array([w]), normalization="fourier"))
        assert math.isclose(s_code, s_quad, rel_tol=1e-9, abs_tol=1e-12)  # quad on a smooth Gaussian: ~1e-14
        assert math.isclose(s_code, 2 * math.pi * p(w), rel_tol=1e-14)  # (2 pi)^d p, d = 1: a few ulps


def test_spectral_density_table_closed_forms_2d():
    """docs/kernels.md, Bochner's theorem, the table: p and S = (2 pi)^d p of the Gaussian and the Laplacian
    written out at d = 2 against spectral_density(normalization="probability" / "fourier")."""
    sigma, d = 1.3, 2
    omega = np.array([[0.0, 0.0], [0.5, -1.2], [2.0, 0.3]])
    sq = np.sum(omega**2, axis=1)
    gauss = GaussianRFFKernel(d, 1, sigma=sigma)
    p_g = (sigma**2 / (2 * math.pi)) ** (d / 2) * np.exp(-(sigma**2) * sq / 2)
    s_g = (2 * math.pi * sigma**2) ** (d / 2) * np.exp(-(sigma**2) * sq / 2)
    np.testing.assert_allclose(gauss.spectral_density(omega), p_g, rtol=1e-14)  # exp and a power: a few ulps
    np.testing.assert_allclose(gauss.spectral_density(omega, normalization="fourier"), s_g,
                               rtol=1e-14)  # exp and a power: a few ulps
    lap = LaplacianRFFKernel(d, 1, sigma=sigma)
    p_l = np.prod(sigma / (math.pi * (1 + sigma**2 * omega**2)), axis=1)
    s_l = np.prod(2 * sigma / (1 + sigma**2 * omega**2), axis=1)
    np.testing.assert_allclose(lap.spectral_density(omega), p_l, rtol=1e-14)  # 2 factors of 3 flops: ~8 eps
    np.testing.assert_allclose(lap.spectral_density(omega, normalization="fourier"), s_l,
                               rtol=1e-14)  # 2 factors of 3 flops: ~8 eps
    np.testing.assert_allclose(s_l, (2 * math.pi) ** d * p_l, rtol=1e-14)  # the table's S = (2 pi)^d p


@pytest.mark.parametrize("sigma", [0.8, 1.5])
def test_laplacian_spectral_density_is_cauchy_by_quadrature(sigma):
    """docs/kernels.md, Bochner's theorem: int e^{-|t|/sigma} e^{-i w t} dt = 2 sigma/(1 + sigma^2 w^2) (the
    Laplacian's S per coordinate) and kappa(delta) = int p(w) cos(w delta) dw for its Cauchy p.

    quad's QAWF Fourier rule (weight="cos") over [0, inf), doubled by symmetry, against spectral_density and
    evaluate_difference at d = 1.
    """
    kern = LaplacianRFFKernel(1, 1, sigma=sigma)
    for w in (0.3, 1.1, 3.0):
        s_quad = 2 * quad(lambda t: math.exp(-t / sigma), 0, np.inf, weight="cos", wvar=w)[0]
        s_code = float(kern.spectral_density(np.array([w]), normalization="fourier"))
        assert math.isclose(s_code, s_quad, rel_tol=1e-9)  # QAWF on an exponential: ~1e-13
    for delta in (0.5, 1.7):
        integral = 2 * quad(lambda w: float(kern.spectral_density(np.array([w]))), 0, np.inf, weight="cos",
                            wvar=delta)[0]
        kappa = float(kern.evaluate_difference(np.array([[delta]]))[0])
        assert math.isclose(integral, kappa, rel_tol=1e-8)  # QAWF with an w^-2 tail: the page quotes 1e-10


# ----------------------------------------------------------------------------------------------------------
# exact compute and its VJP


@pytest.mark.parametrize("kernel_class", [GaussianRFFKernel, LaplacianRFFKernel])
def test_shift_invariant_compute_and_vjp_by_differences(kernel_class):
    """docs/kernels.md, Bochner's theorem (last paragraph): compute forms x_i - y_j; its VJP is
    xbar_i = sum_j deltabar_ij, ybar_j = -sum_i deltabar_ij with deltabar = -kbar kappa delta/sigma^2
    (Gaussian) or -kbar kappa sign(delta)/sigma (Laplacian).

    kappa is the table's closed form in a loop; the VJP is the page's sums in a loop, and central differences.
    """
    rng = np.random.default_rng(2)
    sigma = 1.4
    x, y = rng.standard_normal((3, 2)), rng.standard_normal((4, 2))
    kern = kernel_class(2, 1, sigma=sigma)
    gaussian = kernel_class is GaussianRFFKernel

    def kappa(delta):
        return math.exp(-(delta @ delta) / (2 * sigma**2)) if gaussian else math.exp(-np.abs(delta).sum() / sigma)

    def loop(xa, ya):
        return np.array([[kappa(xa[i] - ya[j]) for j in range(len(ya))] for i in range(len(xa))])

    k = kern.compute(x, y)
    np.testing.assert_allclose(k, loop(x, y), rtol=1e-14)  # a length-2 sum and exp of |arg| < 10: ~10 eps
    dk = rng.standard_normal(k.shape)
    dx_page, dy_page = np.zeros_like(x), np.zeros_like(y)
    for i in range(3):
        for j in range(4):
            delta = x[i] - y[j]
            step = delta / sigma**2 if gaussian else np.sign(delta) / sigma
            ddelta = -dk[i, j] * kappa(delta) * step
            dx_page[i] += ddelta
            dy_page[j] -= ddelta
    dx, dy = kern.compute_vjp(dk, x, y, k)
    np.testing.assert_allclose(dx, dx_page, rtol=0, atol=1e-14)  # sums of <= 4 O(1) terms: <= 16 eps
    np.testing.assert_allclose(dy, dy_page, rtol=0, atol=1e-14)  # sums of <= 3 O(1) terms: <= 16 eps
    np.testing.assert_allclose(dx, central_difference(lambda v: loop(v, y), x, dk),
                               rtol=0, atol=1e-8)  # FD h=1e-6 (no kink crossed: |delta_i| > 1e-6): eps/h ~ 1e-10, x100
    np.testing.assert_allclose(dy, central_difference(lambda v: loop(x, v), y, dk),
                               rtol=0, atol=1e-8)  # FD h=1e-6 (no kink crossed): eps/h ~ 1e-10, margin 100


def test_laplacian_gram_vjp_takes_sign_zero_on_the_diagonal():
    """docs/kernels.md, Bochner's theorem: the Laplacian's deltabar uses sign(0) = 0 where the kernel is not
    differentiable (the diagonal of a Gram matrix): gram_matrix_vjp equals the page's sum over j != i only,
    each pair counted twice (x is both arguments)."""
    rng = np.random.default_rng(3)
    sigma = 0.9
    x = rng.standard_normal((3, 2))
    kern = LaplacianRFFKernel(2, 1, sigma=sigma)
    k = kern.gram_matrix(x)
    dk = rng.standard_normal(k.shape)
    page = np.zeros_like(x)
    for i in range(3):
        for j in range(3):
            delta = x[i] - x[j]
            ddelta = -dk[i, j] * math.exp(-np.abs(delta).sum() / sigma) * np.sign(delta) / sigma
            page[i] += ddelta  # x_i as the first argument
            page[j] -= ddelta  # x_j as the second
    np.testing.assert_allclose(kern.gram_matrix_vjp(dk, x, k), page,
                               rtol=0, atol=1e-14)  # sums of <= 6 O(1) terms: <= 24 eps


# ----------------------------------------------------------------------------------------------------------
# Random Fourier features


def test_rff_features_formula_and_phase_average():
    """docs/kernels.md, Random Fourier features: phi(x) = sqrt(2/m) cos(x^T W + b) and, since the term
    cos(a + c + 2b) has mean 0 over b, the average of phi(x).phi(y) over the phase is (1/m) sum_j cos(w_j.delta).

    The features against a loop; the phase average over b_j = b0 + 2 pi k/N (N = 5 points integrate the
    frequency-2 term exactly) of rff_features, against the cosine sum.
    """
    rng = np.random.default_rng(4)
    d, m = 3, 4
    x, y = rng.standard_normal((2, d)), rng.standard_normal((1, d))
    w, b = rng.standard_normal((d, m)), rng.uniform(0, 2 * math.pi, m)
    loop = np.array([[math.sqrt(2 / m) * math.cos(sum(x[i, t] * w[t, j] for t in range(d)) + b[j])
                      for j in range(m)] for i in range(2)])
    np.testing.assert_allclose(rff_features(x, w, b), loop, rtol=0, atol=1e-14)  # |z| < 10, 1 ulp cos: ~10 eps
    n_phase = 5
    products = [rff_features(x, w, b + 2 * math.pi * s / n_phase) @ rff_features(y, w, b + 2 * math.pi * s / n_phase).T
                for s in range(n_phase)]
    mean = np.mean(products, axis=0)[:, 0]
    exact = np.array([np.mean([math.cos(w[:, j] @ (x[i] - y[0])) for j in range(m)]) for i in range(2)])
    np.testing.assert_allclose(mean, exact, rtol=0, atol=1e-14)  # 5 x 4 O(1) terms averaged: <= 20 eps


def test_cos_sin_features_cancel_the_phase_exactly():
    """docs/kernels.md, Random Fourier features: with use_cos_sin, phi = sqrt(1/m)[cos Z, sin Z] and
    phi(x)^T phi(y) = (1/m) sum_j cos(w_j.(x - y)) for every phase, without averaging."""
    rng = np.random.default_rng(5)
    d, m = 2, 3
    x, y = rng.standard_normal((2, d)), rng.standard_normal((3, d))
    w, b = rng.standard_normal((d, m)), rng.uniform(0, 2 * math.pi, m)
    phi_x = rff_features(x, w, b, use_cos_sin=True)
    z = x @ w + b
    np.testing.assert_allclose(phi_x, np.hstack([np.cos(z), np.sin(z)]) / math.sqrt(m),
                               rtol=0, atol=1e-15)  # same flops: |phi| <= 1, 1 ulp each
    k_hat = phi_x @ rff_features(y, w, b, use_cos_sin=True).T
    exact = np.array([[np.mean([math.cos(w[:, j] @ (x[i] - y[k])) for j in range(m)]) for k in range(3)]
                      for i in range(2)])
    np.testing.assert_allclose(k_hat, exact, rtol=0, atol=1e-14)  # cos(a-b) via 2 products, |z| < 10: ~20 eps


@pytest.mark.parametrize("use_cos_sin", [False, True])
def test_single_feature_variance_by_quadrature(use_cos_sin):
    """docs/kernels.md, Rate: one frequency's variance is v = 1 + kappa(2 delta)/2 - kappa(delta)^2 (cos with
    phase) and v = [1 + kappa(2 delta) - 2 kappa(delta)^2]/2 (one cos/sin pair), with mean kappa(delta).

    Gaussian kernel, d = 1: E over w ~ N(0, sigma^-2) by 60-point Gauss-Hermite (exact to rounding for these
    entire integrands at |w delta| <= ~15) and over b by a 7-point equispaced rule (exact for the squared
    product, a trigonometric polynomial of frequency 4 in b), each (w, b) pair one feature of rff_features.
    """
    sigma, x, y = 1.2, np.array([[0.3]]), np.array([[-0.6]])
    kern = GaussianRFFKernel(1, 1, sigma=sigma)
    nodes, weights = np.polynomial.hermite_e.hermegauss(60)
    phases = 2 * math.pi * np.arange(7) / 7
    om = np.repeat(nodes / sigma, 7)[None, :]  # every (w, b) pair is one feature of an N-feature map
    bb = np.tile(phases, 60)
    big_n = om.shape[1]
    px = rff_features(x, om, bb, use_cos_sin=use_cos_sin)[0]
    py = rff_features(y, om, bb, use_cos_sin=use_cos_sin)[0]
    prod = px * py * big_n  # the one-frequency estimate, undoing the 1/N of the N-feature scale
    vals = prod[:big_n] + prod[big_n:] if use_cos_sin else prod
    wts = np.repeat(weights / weights.sum(), 7) / 7
    mean = float(np.sum(wts * vals))
    second = float(np.sum(wts * vals**2))
    delta = x - y
    k1 = float(kern.evaluate_difference(delta)[0])
    k2 = float(kern.evaluate_difference(2 * delta)[0])
    v = (1 + k2 - 2 * k1**2) / 2 if use_cos_sin else 1 + k2 / 2 - k1**2
    assert math.isclose(mean, k1, rel_tol=1e-12)  # quadrature exact to rounding: 420 terms ~ 1e-14
    assert math.isclose(second - mean**2, v, rel_tol=1e-11)  # difference of O(1) terms cancels ~10x: 1e-13


def test_orthogonal_frequencies_follow_the_page_recipe():
    """docs/kernels.md, Orthogonal features: W = sigma^-1 [Q_1 S_1, Q_2 S_2, ...][:, :m], Q the sign-fixed QR
    factor Q diag(sign diag R) of the block's Gaussian matrix, S_b its d chi_d lengths, drawn block by block
    (the d x d normals, then the d chi-squares); columns within a block are orthogonal; the same seed gives
    GaussianRFFKernel(orthogonal=True) the same frequencies."""
    d, m, sigma = 3, 5, 0.7
    gen = np.random.default_rng(7)
    blocks = []
    for _ in range(2):
        g = gen.standard_normal((d, d))
        q, r = np.linalg.qr(g)
        q = q @ np.diag(np.sign(np.diag(r)))
        blocks.append(q @ np.diag(np.sqrt(gen.chisquare(d, size=d))))
    page = np.hstack(blocks)[:, :m] / sigma
    got = sample_orthogonal_gaussian_frequencies(np.random.default_rng(7), d, m, sigma)
    np.testing.assert_allclose(got, page, rtol=0, atol=1e-14)  # same QR, a matmul vs a broadcast: ~4 eps of |W|~3
    gram = got[:, :d].T @ got[:, :d]
    np.testing.assert_allclose(gram - np.diag(np.diag(gram)), 0, atol=1e-13)  # Q^T Q = I to ~d eps, times |S|^2~10
    kern = GaussianRFFKernel(d, m, sigma=sigma, orthogonal=True, seed=7)
    assert np.array_equal(kern.omega, got)


@pytest.mark.parametrize("use_cos_sin", [False, True])
def test_feature_map_vjp_formulas(use_cos_sin):
    """docs/kernels.md, The feature map's VJP: Zbar = -sqrt(2/m) sin Z * Phibar (cos) or
    Phi_c * Phibar_s - Phi_s * Phibar_c (cos+sin); Xbar = Zbar W^T, Wbar = sum_rows X^T Zbar, bbar = sum_rows Zbar.

    The page's formulas written out against forward_vjp of a trainable GaussianRFFKernel (over a batch axis),
    and central differences of the features in x, omega and bias.
    """
    rng = np.random.default_rng(8)
    d, m = 2, 3
    kern = GaussianRFFKernel(d, m, sigma=1.1, use_cos_sin=use_cos_sin, trainable=True, seed=8)
    w, b = kern.omega.copy(), kern.bias.copy()
    x = rng.standard_normal((2, 3, d))
    phi = kern.forward(x)
    dphi = rng.standard_normal(phi.shape)
    z = x @ w + b
    if use_cos_sin:
        pc, ps = np.cos(z) / math.sqrt(m), np.sin(z) / math.sqrt(m)
        dz = pc * dphi[..., m:] - ps * dphi[..., :m]
    else:
        dz = -math.sqrt(2 / m) * np.sin(z) * dphi
    dx, grads = kern.forward_vjp(dphi, x, phi)
    np.testing.assert_allclose(dx, dz @ w.T, rtol=0, atol=1e-14)  # length-m sums of O(1) terms: <= 16 eps
    np.testing.assert_allclose(grads["omega"], sum(x[i].T @ dz[i] for i in range(2)),
                               rtol=0, atol=1e-14)  # sums of 6 O(1) terms: <= 24 eps
    np.testing.assert_allclose(grads["bias"], dz.sum(axis=(0, 1)), rtol=0, atol=1e-14)  # 6 O(1) terms: 24 eps
    fd_x = central_difference(lambda v: rff_features(v, w, b, use_cos_sin=use_cos_sin), x, dphi)
    fd_w = central_difference(lambda v: rff_features(x, v, b, use_cos_sin=use_cos_sin), w, dphi)
    fd_b = central_difference(lambda v: rff_features(x, w, v, use_cos_sin=use_cos_sin), b, dphi)
    np.testing.assert_allclose(dx, fd_x, rtol=0, atol=1e-8)  # FD h=1e-6 of bounded features: eps/h ~ 1e-10, x100
    np.testing.assert_allclose(grads["omega"], fd_w, rtol=0, atol=1e-8)  # FD h=1e-6: eps*(sum|phi|)/h ~ 1e-9, x10
    np.testing.assert_allclose(grads["bias"], fd_b, rtol=0, atol=1e-8)  # FD h=1e-6: eps*(sum|phi|)/h ~ 1e-9, x10
    _, _, db = rff_features_vjp(dphi, x, w, b, phi, use_cos_sin=use_cos_sin)
    np.testing.assert_allclose(db, grads["bias"], rtol=0, atol=0)  # the class calls this function


@pytest.mark.parametrize("use_cos_sin", [False, True])
def test_kernel_approximation_vjp_chains_and_cos_sin_bias_gradient_is_zero(use_cos_sin):
    """docs/kernels.md, The feature map's VJP: kernel_approximation_vjp chains Phibar_x = Kbar Phi_y,
    Phibar_y = Kbar^T Phi_x through forward_vjp and adds the parameter gradients; with cos+sin features the
    exact gradient of Khat with respect to bias is zero (the phase cancels).

    Against central differences of Phi_x Phi_y^T built from rff_features.
    """
    rng = np.random.default_rng(9)
    d, m = 2, 3
    kern = LaplacianRFFKernel(d, m, sigma=1.3, use_cos_sin=use_cos_sin, trainable=True, seed=9)
    w, b = kern.omega.copy(), kern.bias.copy()
    x, y = rng.standard_normal((3, d)), rng.standard_normal((2, d))

    def khat(xa, ya, wa, ba):
        return rff_features(xa, wa, ba, use_cos_sin=use_cos_sin) @ rff_features(ya, wa, ba,
                                                                                 use_cos_sin=use_cos_sin).T

    k = kern.kernel_approximation(x, y)
    dk = rng.standard_normal(k.shape)
    dx, dy, grads = kern.kernel_approximation_vjp(dk, x, y, k)
    scale = 1 + np.abs(w).max()  # the Cauchy frequencies enter the derivative in x
    np.testing.assert_allclose(dx, central_difference(lambda v: khat(v, y, w, b), x, dk),
                               rtol=0, atol=1e-8 * scale**2)  # FD h=1e-6: eps/h ~ 1e-10, truncation h^2|w|^3, x100
    np.testing.assert_allclose(dy, central_difference(lambda v: khat(x, v, w, b), y, dk),
                               rtol=0, atol=1e-8 * scale**2)  # FD h=1e-6: eps/h ~ 1e-10, truncation h^2|w|^3, x100
    np.testing.assert_allclose(grads["omega"], central_difference(lambda v: khat(x, y, v, b), w, dk),
                               rtol=0, atol=1e-8)  # FD h=1e-6 on |x| < 3: eps/h ~ 1e-10, margin 100
    fd_b = central_difference(lambda v: khat(x, y, w, v), b, dk)
    np.testing.assert_allclose(grads["bias"], fd_b, rtol=0, atol=1e-8)  # FD h=1e-6: eps/h ~ 1e-10, margin 100
    if use_cos_sin:
        np.testing.assert_allclose(grads["bias"], 0, atol=1e-14)  # exact zero up to cancellation of O(1) terms
    else:
        assert np.max(np.abs(fd_b)) > 1e-3  # with the phase, the bias does move Khat


# ----------------------------------------------------------------------------------------------------------
# Positive definiteness


def test_is_positive_definite_agrees_with_cholesky():
    """docs/kernels.md, Positive definiteness: is_positive_definite(x, eps) holds exactly when every Gram
    eigenvalue exceeds eps, i.e. when a Cholesky factorization of K - eps I succeeds; thresholds between the
    eigenvalues, including a singular Gram matrix (a repeated point)."""
    rng = np.random.default_rng(10)
    x = rng.standard_normal((4, 2))
    x[3] = x[0]  # repeated point: one eigenvalue 0
    kern = GaussianRFFKernel(2, 1, sigma=1.0)
    gram = np.array([[math.exp(-np.sum((a - c) ** 2) / 2) for c in x] for a in x])
    lam = np.sort(np.linalg.eigvalsh(gram))
    assert abs(lam[0]) < 1e-12  # a repeated point: eigenvalue 0 to rounding, n eps |K| ~ 1e-15
    thresholds = [-0.5, *((lam[:-1] + lam[1:]) / 2), lam[-1] + 0.5]
    for eps in thresholds:
        try:
            np.linalg.cholesky(gram - eps * np.eye(4))
            chol = True
        except np.linalg.LinAlgError:
            chol = False
        assert kern.is_positive_definite(x, eps=eps) is chol, eps


# ----------------------------------------------------------------------------------------------------------
# Shapes and calling convention


def test_calling_convention_shapes_and_errors():
    """docs/kernels.md, Shapes and calling convention: x (..., n, d) with y (..., m, d) gives K (..., n, m),
    batch shapes broadcasting as in matmul (K_bij = k(x_bi, y_bj)); 1-D input and mismatched d raise
    ValueError (the message names both shapes); integer input and mixed precisions raise TypeError; a frozen
    (trainable=False) feature map keeps omega and bias as buffers and its forward_vjp returns (dx, {})."""
    rng = np.random.default_rng(11)
    kern = GaussianRFFKernel(3, 2, sigma=1.2)
    x, y = rng.standard_normal((2, 1, 4, 3)), rng.standard_normal((3, 5, 3))
    k = kern.compute(x, y)
    assert k.shape == (2, 3, 4, 5)
    for b0, b1 in np.ndindex(2, 3):
        for i, j in np.ndindex(4, 5):
            delta = x[b0, 0, i] - y[b1, j]
            assert math.isclose(k[b0, b1, i, j], math.exp(-(delta @ delta) / (2 * 1.2**2)),
                                rel_tol=1e-14)  # a 3-term sum and exp of |arg| < 10: ~10 ulps
    with pytest.raises(ValueError):
        kern.compute(np.zeros(3), np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        kern.compute(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(TypeError):
        kern.compute(np.zeros((2, 3), dtype=np.int64), np.zeros((2, 3)))
    with pytest.raises(TypeError):
        kern.compute(np.zeros((2, 3), dtype=np.float32), np.zeros((2, 3)))
    phi = kern.forward(x[0])
    dx, grads = kern.forward_vjp(np.ones_like(phi), x[0], phi)
    assert grads == {} and dx.shape == x[0].shape
    assert kern.params == {} and sorted(kern.buffers) == ["bias", "omega"]  # spectrans's names, frozen: buffers
    assert sorted(GaussianRFFKernel(3, 2, trainable=True).params) == ["bias", "omega"]


# ----------------------------------------------------------------------------------------------------------
# Cost


def _peak_bytes(fn):
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_exact_dot_product_kernels_memory_is_n_by_n():
    """docs/kernels.md, Cost: an exact kernel matrix takes O(N N') memory -- CosineKernel and PolynomialKernel:
    the peak traced allocation grows with d only through the O((N + N') d) inputs, not as N N' d."""
    rng = np.random.default_rng(12)
    n = 60
    for kern in (CosineKernel(), PolynomialKernel(2)):
        peaks = {}
        for d in (1, 64):
            x, y = rng.standard_normal((n, d)), rng.standard_normal((n, d))
            peaks[d] = _peak_bytes(lambda x=x, y=y, kern=kern: kern.compute(x, y))
        assert peaks[64] < 4 * n * n * 8 + 8 * n * 64 * 8  # a few N N' arrays and O(N d) copies, not N N' d = 64 N N'


def test_exact_shift_invariant_kernel_memory_is_n_by_n_by_d():
    """docs/kernels.md, Cost: the shift-invariant kernels form every difference x_i - y_j, O(N N' d) memory --
    GaussianRFFKernel.compute's peak traced allocation at d = 64 is at least the (N, N', d) array and within a
    few of them."""
    rng = np.random.default_rng(13)
    n, d = 60, 64
    kern = GaussianRFFKernel(d, 1)
    x, y = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    peak = _peak_bytes(lambda: kern.compute(x, y))
    differences = n * n * d * 8
    assert differences <= peak < 4 * differences  # the differences array, and at most a few arrays of its size
