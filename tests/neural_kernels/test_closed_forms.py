"""Closed forms (specref/neural_kernels/closed_forms.py) against quadrature of their defining expectations, and
the empirical Gram matrix, conjugate kernel and NTK converging to them at the Monte-Carlo rate m^(-1/2)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref._loglog import loglog_slope
from specref.neural_kernels import (
    RFF,
    ReLUMLP,
    arccos_kernels,
    conjugate_kernel,
    empirical_ntk,
    gram_matrix,
    quadrature_relu_expectations,
    quadrature_rff_kernel,
    relu_kernels,
    rff_expected_kernel,
)

EPS = np.finfo(float).eps


@pytest.mark.parametrize("d, scale, nodes", [(1, 100.0, 800), (3, 1.0, 16)])
def test_expected_rff_kernel_is_the_mean_over_w_and_b(d, scale, nodes):
    """Beyond the registered case's grid: the study's largest scale, and d = 3 (quadrature rule: the case's
    docstring; rounding of the closed form and of the rule's sums, 64 eps)."""
    x = np.random.default_rng(0).uniform(0, 1, (4, d))
    quad = quadrature_rff_kernel(x, scale=scale, nodes=nodes)
    np.testing.assert_allclose(rff_expected_kernel(x, scale=scale), quad, rtol=0, atol=64 * EPS * np.abs(quad).max())


@pytest.mark.parametrize("q1, q2, c", [(1.0, 1.0, 0.3), (2.0, 0.5, -0.9), (0.7, 1.3, 0.95 * math.sqrt(0.91)),
                                       (1.0, 1.0, 1.0 - 1e-6)])
def test_arccos_kernels_are_the_relu_expectations(q1, q2, c):
    kappa1, kappa0 = arccos_kernels(np.array(c), np.array(q1), np.array(q2))
    relu, step, quad_err = quadrature_relu_expectations(q1, q2, c)
    assert quad_err < 1e-13  # quad's own estimate: below what is asserted next
    assert kappa1 == pytest.approx(relu, rel=1e-12)
    # kappa0 = (pi - theta) / (2 pi) takes theta from arccos, whose condition number 1/sqrt(1 - rho^2) is ~700 at
    # rho = 1 - 1e-6: an absolute error of ~700 eps in theta (module docstring)
    assert kappa0 == pytest.approx(step, rel=1e-10)


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
