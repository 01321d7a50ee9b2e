"""Closed forms (specref/neural_kernels/closed_forms.py) against quadrature of their defining expectations, and
the empirical Gram matrix, conjugate kernel and NTK converging to them at the Monte-Carlo rate m^(-1/2)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from specref._loglog import loglog_slope
from specref.neural_kernels import (
    RFF,
    ReLUMLP,
    arccos_kernels,
    conjugate_kernel,
    empirical_ntk,
    gram_matrix,
    relu_kernels,
    rff_expected_kernel,
)


def _gauss_legendre(n, lo, hi):
    t, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (hi - lo) * t + 0.5 * (hi + lo), 0.5 * (hi - lo) * w


@pytest.mark.parametrize("d, scale, nodes", [(1, 10.0, 120), (2, 2.0, 40)])
def test_expected_rff_kernel_is_the_mean_over_w_and_b(d, scale, nodes):
    """E over w ~ U(-a, a)^d, b ~ U(-1, 1) of sin(pi w.x + b) sin(pi w.x' + b) by tensor Gauss-Legendre: the
    integrand is entire with frequencies <= pi a |x| + 1, so `nodes` points per axis integrate it to rounding."""
    a = scale / d
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (4, d))
    w1, ww = _gauss_legendre(nodes, -a, a)
    b1, bw = _gauss_legendre(nodes, -1.0, 1.0)
    grids = np.meshgrid(*([w1] * d), indexing="ij")
    weights = np.prod(np.meshgrid(*([ww] * d), indexing="ij"), axis=0) / (2 * a) ** d
    w = np.stack([g.ravel() for g in grids], axis=1)  # (nodes^d, d)
    phases = np.pi * x @ w.T  # (4, nodes^d)
    feats = np.sin(phases[:, :, None] + b1[None, None, :])  # (4, nodes^d, nodes)
    quad = np.einsum("iwb,jwb,w,b->ij", feats, feats, weights.ravel(), bw / 2.0)
    np.testing.assert_allclose(rff_expected_kernel(x, scale=scale), quad, rtol=0, atol=1e-13)


def _polar_expectation(f, q1, q2, c):
    """E f(u, v) for a centred Gaussian pair, with f positively 1-homogeneous in each argument (ReLU) or
    0-homogeneous (its derivative): the radial integral is analytic (int r^(1+p) e^(-r^2/2) dr), the angle by
    quadrature with the kinks as breakpoints."""
    rho = c / math.sqrt(q1 * q2)
    s = math.sqrt(max(1.0 - rho * rho, 0.0))
    kinks = [-math.pi / 2, math.pi / 2, math.atan2(-rho, s), math.atan2(rho, -s)]

    def angular(phi):
        z1, z2 = math.cos(phi), math.sin(phi)
        return f(math.sqrt(q1) * z1, math.sqrt(q2) * (rho * z1 + s * z2))

    value, _ = integrate.quad(angular, -math.pi, math.pi, points=sorted(k for k in kinks if -math.pi < k < math.pi),
                              limit=200, epsabs=1e-14, epsrel=1e-13)
    return value


@pytest.mark.parametrize("q1, q2, c", [(1.0, 1.0, 0.3), (2.0, 0.5, -0.9), (0.7, 1.3, 0.95 * math.sqrt(0.91))])
def test_arccos_kernels_are_the_relu_expectations(q1, q2, c):
    kappa1, kappa0 = arccos_kernels(np.array(c), np.array(q1), np.array(q2))
    # E relu(u) relu(v): r^3 e^(-r^2/2) integrates to 2, the angle's measure is 1/(2 pi): factor 1/pi
    relu = _polar_expectation(lambda u, v: max(u, 0.0) * max(v, 0.0), q1, q2, c) / math.pi
    # E 1[u > 0] 1[v > 0]: r e^(-r^2/2) integrates to 1: factor 1/(2 pi)
    step = _polar_expectation(lambda u, v: float(u > 0 and v > 0), q1, q2, c) / (2 * math.pi)
    assert kappa1 == pytest.approx(relu, rel=1e-12) and kappa0 == pytest.approx(step, rel=1e-12)


def test_relu_kernels_diagonal_and_refusals():
    x = np.random.default_rng(1).standard_normal((5, 3))
    k = relu_kernels(x, depth=3, sigma_w=1.2, sigma_b=0.3)
    q = 1.44 * np.sum(x * x, axis=1) / 3 + 0.09
    for _ in range(3):
        q = 1.44 * q / 2 + 0.09
    np.testing.assert_allclose(np.diag(k.nngp), q, rtol=1e-14)
    assert np.allclose(k.nngp, k.nngp.T) and np.allclose(k.ntk, k.ntk.T)
    for bad in ({"depth": 0}, {"sigma_w": 0.0}, {"sigma_b": -1.0}):
        with pytest.raises(ValueError):
            relu_kernels(x, **bad)
    with pytest.raises(ValueError, match="same dimension"):
        relu_kernels(x, np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"shape \(n, d\)"):
        rff_expected_kernel(np.ones(3))
    with pytest.raises(ValueError, match="scale"):
        rff_expected_kernel(x, scale=math.inf)


def _rate(sizes, errors):
    fit = loglog_slope(sizes, errors)
    assert fit.contains(-0.5), (fit.slope, fit.ci)
    return fit


def test_rff_gram_matrix_converges_at_the_monte_carlo_rate():
    """||Phi Phi^T / m - K||_F / ||K||_F over m = 2^4..2^10 features, 6 seeds each: an average of m i.i.d.
    terms, so the fitted log-log slope's 95% interval must contain -1/2."""
    rng = np.random.default_rng(0)
    x = np.linspace(0, 1, 33)[:, None]
    exact = rff_expected_kernel(x, scale=10.0)
    ms = 2 ** np.arange(4, 11)
    err = [[np.linalg.norm(gram_matrix(RFF(1, int(m), 10.0, seed=rng).features(x)) / m - exact) / np.linalg.norm(exact)
            for _ in range(6)] for m in ms]
    _rate(ms, err)


@pytest.mark.parametrize("depth", [1, 2])
def test_ck_and_ntk_converge_to_the_infinite_width_kernels(depth):
    """Empirical CK and NTK (NTK parameterisation) against relu_kernels over widths 2^5..2^10, 6 seeds each.
    Depth 1: averages of i.i.d. terms over hidden units, rate exactly m^(-1/2). Depth 2: the fluctuation is
    still O(m^(-1/2)) and the bias O(1/m) (finite-width corrections), so the plain fit over this range has
    the same slope within its interval."""
    rng = np.random.default_rng(depth)
    x = rng.standard_normal((10, 3))
    limit = relu_kernels(x, depth=depth)
    widths = 2 ** np.arange(5, 11)
    ck, ntk = np.empty((widths.size, 6)), np.empty((widths.size, 6))
    for i, w in enumerate(widths):
        for s in range(6):
            mlp = ReLUMLP(3, int(w), depth, 1, parameterization="ntk", seed=rng)
            ck[i, s] = np.linalg.norm(conjugate_kernel(mlp, x) - limit.ck) / np.linalg.norm(limit.ck)
            ntk[i, s] = np.linalg.norm(empirical_ntk(mlp, x) - limit.ntk) / np.linalg.norm(limit.ntk)
    _rate(widths, ck)
    _rate(widths, ntk)
