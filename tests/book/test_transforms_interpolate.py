"""Guards of docs/transforms/interpolate.md: each formula the page states, evaluated independently.

Expected values come from the page's formulas written out here in exact rational arithmetic (fractions.Fraction):
the source coordinate s_j of each variant, the taps i_0, i_1 and weights lambda_j, the dense matrix W they make,
the adjoint's sum over the outputs that read each input, the four-corner bilinear formula, and the periodic
operator's properties. The specref functions are only ever on the "got" side. Sizes n, m <= 12, float64.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from specref.transforms.interpolate import (
    _interp_scale,
    _reference_bound,
    _transposed_taps,
    interpolate_bilinear,
    interpolate_bilinear_adjoint,
    interpolate_linear,
    interpolate_linear_adjoint,
    interpolate_periodic,
    interpolate_periodic_adjoint,
)

EPS = np.finfo(np.float64).eps
PAIRS = [(n, m) for n in (1, 2, 3, 4, 7) for m in (1, 2, 3, 5, 8, 12)]


def _source(j, n, m, kind, align_corners=False):
    """The page's s_j: max((j + 1/2) n/m - 1/2, 0); j (n-1)/(m-1) (0 if m = 1); or j n/m (periodic)."""
    if kind == "periodic":
        return Fraction(j * n, m)
    if align_corners:
        return Fraction(0) if m == 1 else Fraction(j * (n - 1), m - 1)
    return max((j + Fraction(1, 2)) * Fraction(n, m) - Fraction(1, 2), Fraction(0))


def _taps(j, n, m, kind, align_corners=False):
    s = _source(j, n, m, kind, align_corners)
    i0 = math.floor(s)
    lam = s - i0
    i1 = (i0 + 1) % n if kind == "periodic" else min(i0 + 1, n - 1)
    return i0, i1, lam


def _exact_w(n, m, kind, align_corners=False):
    """W as exact Fractions: y_j = (1 - lambda_j) x_{i0} + lambda_j x_{i1}."""
    w = [[Fraction(0)] * n for _ in range(m)]
    for j in range(m):
        i0, i1, lam = _taps(j, n, m, kind, align_corners)
        w[j][i0] += 1 - lam
        w[j][i1] += lam
    return w


def _rounded_w(n, m, kind, align_corners=False):
    """The page's Exact weights: lambda = r/q and 1 - lambda = (q - r)/q rounded once each; equal taps merge to 1."""
    w = np.zeros((m, n))
    for j in range(m):
        i0, i1, lam = _taps(j, n, m, kind, align_corners)
        if i0 == i1:
            w[j, i0] = 1.0
        else:
            w[j, i0] = float(1 - lam)
            w[j, i1] = float(lam)
    return w


def _exact_apply(w, x):
    return np.array([float(sum(wji * Fraction(float(xi)) for wji, xi in zip(row, x, strict=True))) for row in w])


# ----------------------------------------------------------------------------------------------------------
# Definition and Exact weights


@pytest.mark.parametrize("n, m", PAIRS)
def test_weights_bit_for_bit_from_the_exact_ratios(n, m):
    """docs/transforms/interpolate.md, Definition + Exact weights: the s_j table (half-pixel clamped at 0, align
    corners, periodic), i_0 = floor(s_j), right tap clamped or wrapped, lambda = r/q and (q - r)/q rounded once,
    equal taps merged to 1. Against interpolate_linear / interpolate_periodic on unit vectors, bit for bit."""
    eye = np.eye(n)
    for kind, ac in (("linear", False), ("linear", True), ("periodic", False)):
        got = (interpolate_periodic(eye, size=m) if kind == "periodic"
               else interpolate_linear(eye, size=m, align_corners=ac)).T
        assert np.array_equal(got, _rounded_w(n, m, kind, ac)), (kind, ac)
        w = _exact_w(n, m, kind, ac)
        for row in w:  # a convex combination: weights in [0, 1], summing to 1
            assert sum(row) == 1 and all(0 <= v <= 1 for v in row)


@pytest.mark.parametrize("x, m, ac, expected", [
    ([1.0, 2.0], 4, False, [1.0, 1.25, 1.75, 2.0]),
    ([0.0, 1.0, 2.0, 3.0], 2, False, [0.5, 2.5]),
    ([0.0, 1.0, 2.0, 3.0], 1, False, [1.5]),
    ([0.0, 10.0, 20.0], 5, False, [0.0, 4.0, 10.0, 16.0, 20.0]),
    ([0.0, 1.0, 2.0], 5, True, [0.0, 0.5, 1.0, 1.5, 2.0]),
    ([3.0, -1.0, 2.5], 3, False, [3.0, -1.0, 2.5]),
])
def test_hand_computed_examples(x, m, ac, expected):
    """docs/transforms/interpolate.md, Hand-computed examples: [1, 2] -> 4, [0, 1, 2, 3] -> 2 and -> 1,
    [0, 10, 20] -> 5, [0, 1, 2] -> 5 with align_corners, m = n the identity. Against interpolate_linear."""
    got = interpolate_linear(np.array(x), size=m, align_corners=ac)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1.5 * EPS * max(abs(v) for v in x))  # page: 1.5 eps


@pytest.mark.parametrize("n, m", [(2, 5), (3, 12), (7, 3), (4, 8), (7, 12)])
def test_output_within_one_and_a_half_eps_of_exact(n, m):
    """docs/transforms/interpolate.md, Exact weights: specref's output is within 1.5 eps of the exact value
    (three roundings of u = eps/2 relative to sum|w x| <= max|x|); a constant stays constant, copies exact."""
    rng = np.random.default_rng(n * m)
    for kind, ac in (("linear", False), ("linear", True), ("periodic", False)):
        x = rng.standard_normal(n)
        got = (interpolate_periodic(x, size=m) if kind == "periodic"
               else interpolate_linear(x, size=m, align_corners=ac))
        exact = _exact_apply(_exact_w(n, m, kind, ac), x)
        assert np.abs(got - exact).max() <= 1.5 * EPS * np.abs(x).max()  # page: 3 roundings of u vs max|x|
        const = np.full(n, 0.3)
        out = (interpolate_periodic(const, size=m) if kind == "periodic"
               else interpolate_linear(const, size=m, align_corners=ac))
        np.testing.assert_allclose(out, 0.3, rtol=0, atol=1.5 * EPS * 0.3)  # the same 1.5 eps bound


# ----------------------------------------------------------------------------------------------------------
# Adjoint


@pytest.mark.parametrize("n, m", PAIRS)
def test_adjoint_sum_over_reading_outputs_and_table_width(n, m):
    """docs/transforms/interpolate.md, Adjoint: x_i = sum_{j: i0(j) = i} (1 - lambda_j) y_j + sum_{j: i1(j) = i}
    lambda_j y_j (a loop over j), equal to W^T y; the transposed table has at most 2 floor(m/n) + 3 entries per
    row. Against interpolate_linear_adjoint / interpolate_periodic_adjoint."""
    y = np.random.default_rng(n + m).standard_normal(m) + 1j * np.random.default_rng(m).standard_normal(m)
    for kind, ac in (("linear", False), ("linear", True), ("periodic", False)):
        w = _rounded_w(n, m, kind, ac)
        x = np.zeros(n, complex)
        for j in range(m):
            i0, i1, _ = _taps(j, n, m, kind, ac)
            x[i0] += w[j, i0] * y[j]
            if i1 != i0:
                x[i1] += w[j, i1] * y[j]
        got = (interpolate_periodic_adjoint(y, input_shape=(n,), size=m) if kind == "periodic"
               else interpolate_linear_adjoint(y, input_shape=(n,), size=m, align_corners=ac))
        k = 2 * (m // n) + 3
        np.testing.assert_allclose(got, x, rtol=0, atol=(k + 1) * EPS * np.abs(y).sum())  # K-term sums, reordered
        np.testing.assert_allclose(got, w.T @ y, rtol=0, atol=(k + 1) * EPS * np.abs(y).sum())  # same sums
        assert _transposed_taps(kind, n, m, ac)[0].shape[1] <= k


@pytest.mark.parametrize("shape, size, ac", [((3, 4), (5, 2), False), ((2, 5), (4, 7), True), ((4, 4), (4, 4), False)])
def test_bilinear_four_corner_formula_and_adjoint(shape, size, ac):
    """docs/transforms/interpolate.md, Adjoint (bilinear): Y = W_h X W_w^T, Y_ab = sum_{s,t} mu^(s)_a nu^(t)_b
    X_{i_s(a), k_t(b)} (PyTorch's four corners, a loop); the adjoint X = W_h^T Y W_w; align_corners="no" raises
    TypeError. Against interpolate_bilinear / interpolate_bilinear_adjoint."""
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape)
    (n0, n1), (m0, m1) = shape, size
    y = np.zeros(size)
    for a in range(m0):
        i0, i1, lam = _taps(a, n0, m0, "linear", ac)
        mu = (float(1 - lam), float(lam))
        for b in range(m1):
            k0, k1, kap = _taps(b, n1, m1, "linear", ac)
            nu = (float(1 - kap), float(kap))
            y[a, b] = mu[0] * (nu[0] * x[i0, k0] + nu[1] * x[i0, k1]) + mu[1] * (nu[0] * x[i1, k0] + nu[1] * x[i1, k1])
    got = interpolate_bilinear(x, size=size, align_corners=ac)
    np.testing.assert_allclose(got, y, rtol=0, atol=2 * 3 * EPS * np.abs(x).max())  # two axes, 1.5 eps each, twice
    wh, ww = _rounded_w(n0, m0, "linear", ac), _rounded_w(n1, m1, "linear", ac)
    np.testing.assert_allclose(got, wh @ x @ ww.T, rtol=0, atol=2 * 3 * EPS * np.abs(x).max())  # same bound
    g = rng.standard_normal(size)
    k = 2 * max(m0 // n0, m1 // n1) + 3
    np.testing.assert_allclose(interpolate_bilinear_adjoint(g, input_shape=shape, size=size, align_corners=ac),
                               wh.T @ g @ ww, rtol=0, atol=2 * (k + 1) * EPS * np.abs(g).sum())  # two K-term sums
    with pytest.raises(TypeError):
        interpolate_linear(x, size=3, align_corners="no")


# ----------------------------------------------------------------------------------------------------------
# Periodic interpolation: a frequency axis


@pytest.mark.parametrize("n, m", [(4, 6), (5, 8), (6, 4), (7, 10), (8, 12), (3, 2), (5, 5)])
def test_periodic_dc_conjugate_symmetry_and_nyquist(n, m):
    """docs/transforms/interpolate.md, Periodic interpolation: y_0 = x_0 exactly (DC kept); a Hermitian spectrum
    (x_{-k} = conj x_k) stays Hermitian (y_{m-j} = conj y_j); for even m, y_{m/2} = x_{n/2} (even n) or the mean
    of x_{(n-1)/2} and x_{(n+1)/2} (odd n). Against interpolate_periodic."""
    rng = np.random.default_rng(n * m)
    x = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    x = (x + np.conj(x[(-np.arange(n)) % n])) / 2  # Hermitian: x_{-k} = conj(x_k)
    y = interpolate_periodic(x, size=m)
    assert y[0] == x[0]
    np.testing.assert_allclose(y[(-np.arange(m)) % m], np.conj(y), rtol=0,
                               atol=3 * EPS * np.abs(x).max())  # each side within 1.5 eps of the exact value
    if m % 2 == 0:
        expected = x[n // 2] if n % 2 == 0 else (x[(n - 1) // 2] + x[(n + 1) // 2]) / 2
        np.testing.assert_allclose(y[m // 2], expected, rtol=0, atol=1.5 * EPS * np.abs(x).max())  # page's bound


@pytest.mark.parametrize("n, m", [(8, 12), (6, 4), (5, 8)])
def test_torch_linear_reads_half_a_cell_minus_half_away(n, m):
    """docs/transforms/interpolate.md, Periodic interpolation (last paragraph): PyTorch's linear mode reads position
    (j + 1/2) n/m - 1/2 instead of j n/m, that is 1/2 (n/m - 1) bins away; on the ramp x_i = i, away from the
    clamped ends and the wrap, interpolate_linear - interpolate_periodic = 1/2 (n/m - 1)."""
    ramp = np.arange(n, dtype=float)
    lin, per = interpolate_linear(ramp, size=m), interpolate_periodic(ramp, size=m)
    offset = 0.5 * (n / m - 1)
    for j in range(m):
        s_lin, s_per = _source(j, n, m, "linear"), _source(j, n, m, "periodic")
        if 0 < (j + Fraction(1, 2)) * Fraction(n, m) - Fraction(1, 2) <= n - 1 and s_per <= n - 1:
            assert s_lin - s_per == Fraction(1, 2) * (Fraction(n, m) - 1)
            assert math.isclose(lin[j] - per[j], offset, rel_tol=0, abs_tol=4 * n * EPS)  # two 1.5 eps outputs <= n


# ----------------------------------------------------------------------------------------------------------
# Verification


def test_error_scale_and_reference_bound():
    """docs/transforms/interpolate.md, Verification: c = floor(m/n) + 3 per axis; the reference bound is
    2 c eps + 4 n eps per axis. Against _interp_scale and _reference_bound."""
    for n, m in ((7, 4), (5, 12), (3, 9)):
        assert _interp_scale({"shape": (n,), "size": m}) == m // n + 3
        bound = _reference_bound({"shape": (n,), "size": m}, np.float64).value
        assert bound == pytest.approx((2 * (m // n + 3) + 4 * n) * EPS, rel=4 * EPS)  # two products and a sum
    c2 = _interp_scale({"shape": (4, 6), "size": (9, 3), "axes": (0, 1)})
    assert c2 == (9 // 4 + 3) + (3 // 6 + 3)
