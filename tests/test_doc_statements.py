"""Statements of the family pages, each evaluated independently of the sentence that states it.

One test per corrected statement (issue 11, item 5): finite differences, dense matrices, pywt, quadrature or
counting scalar operations, never the formula the page derives. The page each test backs is in its name and
its docstring.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref._jit import dwt_filterbank as fb
from specref.kernels.spectral_eigen import PolynomialSpectralKernel
from specref.transforms.fourier import irfft2, irfft2_adjoint, rfft, rfft2_adjoint, rfft_adjoint
from specref.transforms.hadamard import hadamard
from specref.transforms.slant import slant_core

EPS64 = np.finfo(np.float64).eps


# ----------------------------------------------------------------------------------------------------------
# docs/layers/afno.md, (B8): which imaginary parts of the irfft2 gradient are zero


@pytest.mark.parametrize("n_seq, d", [(6, 4), (5, 6), (8, 5)])
def test_afno_irfft2_gradient_imag_is_zero_only_at_doubly_self_conjugate_bins(n_seq, d):
    """afno.md (B8): on the DC (and even-D Nyquist) column, Im of the gradient is 0 only at s = 0 and s = N/2.

    The gradient of <g, irfft2(Z, s=(N, D), norm="ortho")> with respect to Im Z is measured by central
    differences (exact up to rounding: the map is linear) and compared with ``irfft2_adjoint``, the step
    AFNOMixing's backward uses.
    """
    rng = np.random.default_rng(11)
    m = d // 2 + 1
    g = rng.standard_normal((n_seq, d))
    z = rng.standard_normal((n_seq, m)) + 1j * rng.standard_normal((n_seq, m))
    fd = np.empty((n_seq, m))
    for s in range(n_seq):
        for k in range(m):
            e = np.zeros((n_seq, m), complex)
            e[s, k] = 1j
            up = irfft2(z + e, s=(n_seq, d), norm="ortho")
            down = irfft2(z - e, s=(n_seq, d), norm="ortho")
            fd[s, k] = np.sum(g * (up - down)) / 2
    grad = irfft2_adjoint(g, input_shape=(n_seq, m), s=(n_seq, d), norm="ortho")
    np.testing.assert_allclose(grad.imag, fd, rtol=0, atol=64 * EPS64 * np.abs(g).sum())
    self_conjugate_rows = {0, n_seq // 2} if n_seq % 2 == 0 else {0}
    columns = (0, d // 2) if d % 2 == 0 else (0,)
    for k in columns:
        zero_rows = {s for s in range(n_seq) if grad.imag[s, k] == 0.0}
        assert zero_rows == self_conjugate_rows, (k, np.round(fd[:, k], 3))
        assert np.all(np.abs(fd[sorted(self_conjugate_rows), k]) < 1e-12)  # FD agrees: those do not act
        others = [s for s in range(n_seq) if s not in self_conjugate_rows]
        assert np.all(np.abs(fd[others, k]) > 1e-3), np.round(fd[:, k], 3)  # those do change S
        # Hermitian along the sequence axis
        np.testing.assert_allclose(grad[(-np.arange(n_seq)) % n_seq, k], np.conj(grad[:, k]), rtol=0, atol=1e-14)


# ----------------------------------------------------------------------------------------------------------
# docs/kernels/spectral.md, (F2): the rfft adjoint weights every bin once


@pytest.mark.parametrize("n", [7, 8])
def test_rfft_adjoint_gives_every_bin_weight_one(n):
    """spectral.md (F2): rfft* y = Re sum_k y_k e^{2 pi i jk/n}, weight 1 on every bin (no Hermitian weights).

    The adjoint in the real inner product is the transpose of rfft's real matrix (R^n -> R^{2m}, real and
    imaginary parts stacked), built column by column from the dense DFT.
    """
    m = n // 2 + 1
    j, k = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    f = np.exp(-2j * np.pi * ((j * k) % n) / n).T  # (m, n): rfft as a matrix
    real_matrix = np.vstack([f.real, f.imag])  # (2m, n)
    rng = np.random.default_rng(3)
    y = rng.standard_normal(m) + 1j * rng.standard_normal(m)
    dense = real_matrix.T @ np.concatenate([y.real, y.imag])
    got = rfft_adjoint(y, input_shape=(n,))
    np.testing.assert_allclose(got, dense, rtol=0, atol=16 * EPS64 * np.abs(y).sum())
    weight_one = (np.exp(2j * np.pi * ((j * k) % n) / n) @ y).real
    np.testing.assert_allclose(got, weight_one, rtol=0, atol=16 * EPS64 * np.abs(y).sum())
    w = np.full(m, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    hermitian_weighted = (np.exp(2j * np.pi * ((j * k) % n) / n) @ (w * y)).real  # irfft's adjoint weights
    assert np.max(np.abs(got - hermitian_weighted)) > 0.1
    x = rng.standard_normal(n)  # and the defining identity, on the public forward
    assert math.isclose(np.sum(x * got), np.real(np.vdot(rfft(x), y)), rel_tol=1e-13)


@pytest.mark.parametrize("shape", [(6, 4), (5, 7)])
def test_rfft2_adjoint_is_zero_pad_inverse_dft_real_part(shape):
    """fourier_mixing.md (15): rfft2* = zero-pad the half spectrum, unnormalized inverse DFT, real part (weight 1).

    Checked against the transpose of rfft2's real matrix, built column by column from numpy.fft.rfft2.
    """
    n0, n1 = shape
    m1 = n1 // 2 + 1
    cols = [np.fft.rfft2(e.reshape(shape)) for e in np.eye(n0 * n1)]
    real_matrix = np.stack([np.concatenate([c.real.ravel(), c.imag.ravel()]) for c in cols], axis=1)
    rng = np.random.default_rng(4)
    y = rng.standard_normal((n0, m1)) + 1j * rng.standard_normal((n0, m1))
    dense = (real_matrix.T @ np.concatenate([y.real.ravel(), y.imag.ravel()])).reshape(shape)
    padded = np.zeros(shape, complex)
    padded[:, :m1] = y
    weight_one = (np.fft.ifft2(padded) * (n0 * n1)).real
    got = rfft2_adjoint(y, input_shape=shape)
    atol = 64 * EPS64 * np.abs(y).sum()
    np.testing.assert_allclose(dense, weight_one, rtol=0, atol=atol)
    np.testing.assert_allclose(got, dense, rtol=0, atol=atol)


# ----------------------------------------------------------------------------------------------------------
# docs/kernels/spectral.md, (P1): degree 0 with and without normalize


@pytest.mark.parametrize("normalize", [True, False])
def test_polynomial_spectral_kernel_degree_zero_gradients(normalize):
    """spectral.md (P1): p = 0 gives zero gradients only without normalize; with it, K = 1/D still moves.

    The VJP is compared with central differences of ``compute``.
    """
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    kern = PolynomialSpectralKernel(rank=2, degree=0, normalize=normalize)
    k = kern.compute(x, y)
    dk = rng.standard_normal(k.shape)
    dx, dy = kern.compute_vjp(dk, x, y, k)
    h = 1e-6
    for arg, grad, which in ((x, dx, 0), (y, dy, 1)):
        fd = np.empty_like(arg)
        for idx in np.ndindex(arg.shape):
            e = np.zeros_like(arg)
            e[idx] = h
            pair_up = (x + e, y) if which == 0 else (x, y + e)
            pair_down = (x - e, y) if which == 0 else (x, y - e)
            fd[idx] = np.sum(dk * (kern.compute(*pair_up) - kern.compute(*pair_down))) / (2 * h)
        np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)
        if normalize:
            assert np.max(np.abs(fd)) > 1e-2
        else:
            assert np.all(grad == 0.0) and np.all(fd == 0.0)


# ----------------------------------------------------------------------------------------------------------
# docs/kernels/random_features.md: the Bessel value quoted is d = 8's


def test_fixed_norm_orthogonal_features_bessel_value_is_d_8():
    """random_features.md: 0.0568 is E cos(w.delta) for |w| = sqrt(d) uniform on the sphere at d = 8.

    |x - y| = 2 sigma, sigma = 1 (the test in tests/kernels/test_theory_structured.py). Evaluated by
    quadrature over the angle (density of cos(theta) on S^{d-1}: (1 - c^2)^{(d-3)/2}), against the closed form
    Gamma(nu + 1)(2/t)^nu J_nu(t), nu = d/2 - 1, t = sqrt(d)|delta|/sigma; d = 16 gives another value.
    """
    from scipy.integrate import quad
    from scipy.special import gamma, jv

    def sphere_mean(d):
        t = math.sqrt(d) * 2.0
        num = quad(lambda c: math.cos(t * c) * (1 - c * c) ** ((d - 3) / 2), -1, 1, limit=200)[0]
        den = quad(lambda c: (1 - c * c) ** ((d - 3) / 2), -1, 1)[0]
        return num / den

    def bessel(d):
        nu, t = d / 2 - 1, math.sqrt(d) * 2.0
        return gamma(nu + 1) * (2 / t) ** nu * jv(nu, t)

    assert math.isclose(sphere_mean(8), bessel(8), rel_tol=1e-8)
    assert round(bessel(8), 4) == 0.0568
    assert math.isclose(sphere_mean(16), bessel(16), rel_tol=1e-8)
    assert round(bessel(16), 4) == 0.0986


def test_fixed_norm_features_sit_11_standard_errors_from_the_gaussian_kernel():
    """random_features.md: the fixed-norm (spectrans) estimate is 11 standard errors from exp(-2), not 14.

    The draw of tests/kernels/test_theory_structured.py (same seeds, same pair), recomputed here.
    """
    from specref.kernels.rff import rff_features, sample_orthogonal_gaussian_frequencies

    d, m, r = 8, 8, 2000
    rng = np.random.default_rng(0)
    u = rng.standard_normal(d)
    x = rng.standard_normal((1, d))
    y = x + 2 * u / np.linalg.norm(u)
    fixed = np.empty(r)
    gen = np.random.default_rng(1)
    for s in range(r):
        w = sample_orthogonal_gaussian_frequencies(gen, d, m, norms="fixed")
        b = gen.uniform(0, 2 * math.pi, m)
        fixed[s] = (rff_features(x, w, b) @ rff_features(y, w, b).T)[0, 0]
    z = (math.exp(-2.0) - fixed.mean()) / (fixed.std(ddof=1) / math.sqrt(r))
    assert round(z) == 11, z


# ----------------------------------------------------------------------------------------------------------
# docs/transforms/hadamard.md: the Slant operation count, and the maximum-norm factor


class _Counted:
    """A float that counts the additions/subtractions and multiplications performed on it."""

    adds = 0
    muls = 0

    def __init__(self, v):
        self.v = v

    @staticmethod
    def _val(o):
        return o.v if isinstance(o, _Counted) else o

    def __add__(self, o):
        _Counted.adds += 1
        return _Counted(self.v + self._val(o))

    __radd__ = __add__

    def __sub__(self, o):
        _Counted.adds += 1
        return _Counted(self.v - self._val(o))

    def __rsub__(self, o):
        _Counted.adds += 1
        return _Counted(self._val(o) - self.v)

    def __mul__(self, o):
        _Counted.muls += 1
        return _Counted(self.v * self._val(o))

    __rmul__ = __mul__


@pytest.mark.parametrize("n", [2, 4, 8, 16, 64, 1024])
def test_slant_core_operation_count(n):
    """hadamard.md, Cost: slant_core does n log2 n + n - 2 additions and as many multiplications.

    Every scalar operation of ``slant_core`` is counted on an object array of counting floats; the result
    equals the float64 transform bit for bit, so the counted computation is the real one.
    """
    x = np.random.default_rng(n).standard_normal(n)
    _Counted.adds = _Counted.muls = 0
    y = slant_core(np.array([_Counted(v) for v in x], dtype=object))
    assert np.array_equal(np.array([c.v for c in y]), slant_core(x))
    expected = n * int(math.log2(n)) + n - 2
    assert (_Counted.adds, _Counted.muls) == (expected, expected)
    if n == 1024:
        assert round(_Counted.adds / (n * math.log2(n)), 2) == 1.10


@pytest.mark.parametrize("n", [4, 64, 1024])
def test_two_norm_bound_gives_only_sqrt_n_in_the_maximum_norm(n):
    """hadamard.md, Accuracy: the 2-norm relative bound converts to the maximum norm with factor sqrt(n).

    The factor is attained: y = H e_0 is flat and an error on one entry has equal maximum and 2-norms, so the
    maximum-norm relative error is sqrt(n) times the 2-norm one (a factor 2 is not a bound for n > 4).
    """
    e0 = np.zeros(n)
    e0[0] = 1.0
    y = np.asarray(hadamard(e0, normalized=False))
    err = np.zeros(n)
    err[n // 2] = 1e-12
    rel_max = np.max(np.abs(err)) / np.max(np.abs(y))
    rel_two = np.linalg.norm(err) / np.linalg.norm(y)
    assert math.isclose(rel_max / rel_two, math.sqrt(n), rel_tol=1e-14)


# ----------------------------------------------------------------------------------------------------------
# docs/transforms/wavelet.md: antireflect's shift, smooth's weights, periodization's offset


@pytest.mark.parametrize("n", [2, 5, 8])
def test_antireflect_extension_shifts_by_twice_the_edge_difference_every_2n_minus_2(n):
    """wavelet.md, modes table: x~_{p - (2n - 2)} = x~_p + 2 (x_0 - x_{n-1}) (the right end mirrored).

    pywt.pad extends far beyond one pass; the n - 1 sample step (one pass) is no shift of the extension.
    """
    pywt = pytest.importorskip("pywt")
    x = np.random.default_rng(n).standard_normal(n)
    pad = 4 * (2 * n - 2) + 3
    ext = pywt.pad(x, (pad, pad), "antireflect")
    period, drift = 2 * n - 2, 2 * (x[0] - x[-1])
    left = ext[: pad + n]  # every sample up to the signal's end
    np.testing.assert_allclose(left[:-period] - left[period:], drift, rtol=0, atol=1e-12 * pad)
    right = ext[pad:]
    np.testing.assert_allclose(right[period:] - right[:-period], -drift, rtol=0, atol=1e-12 * pad)
    code = fb.extension_map(n, "antireflect", pad, n + 2 * pad).dense() @ x
    np.testing.assert_allclose(code, ext, rtol=0, atol=1e-12 * pad)
    if n > 2:
        one_pass = left[: -(n - 1)] - left[n - 1 :]
        assert np.ptp(one_pass) > 1e-3  # a pass of n - 1 samples is not a shift


@pytest.mark.parametrize("n, bound", [(3, 31), (4, 29), (5, 31), (16, 29)])
def test_smooth_extension_weights_reach_2f_minus_1_for_odd_n(n, bound):
    """wavelet.md, Verification: smooth's rows of E have absolute weight sums up to 2F - 1 (odd n), 2F - 3 (even).

    F = 16 (db8). E is read off pywt.pad column by column with pywt's own extension widths (F - 2 on the left,
    2m - n on the right, m = pywt.dwt_coeff_len), and the windowed sum over pywt.pad reproduces pywt.dwt, so
    every extended sample is read by a tap.
    """
    pywt = pytest.importorskip("pywt")
    wavelet = pywt.Wavelet("db8")
    f = wavelet.dec_len
    m = pywt.dwt_coeff_len(n, f, "smooth")
    pads = (f - 2, 2 * m - n)
    e = np.stack([pywt.pad(np.eye(n)[i], pads, "smooth") for i in range(n)], axis=1)  # (n_ext, n)
    assert np.max(np.abs(e).sum(axis=1)) == bound == (2 * f - 1 if n % 2 else 2 * f - 3)
    x = np.random.default_rng(n).standard_normal(n)
    xe = e @ x
    h = np.asarray(wavelet.dec_lo)
    ca = np.array([sum(h[j] * xe[2 * o + f - 1 - j] for j in range(f)) for o in range(m)])
    np.testing.assert_allclose(ca, pywt.dwt(x, wavelet, "smooth")[0], rtol=0, atol=1e-12 * np.abs(xe).max())
    np.testing.assert_array_equal(fb.extension_map(n, "smooth", pads[0], n + sum(pads)).dense(), e)


@pytest.mark.parametrize("n, name", [(8, "db4"), (7, "db4"), (12, "sym6"), (9, "db2")])
def test_periodization_signal_starts_at_f_over_2_minus_1(n, name):
    """wavelet.md, the adjoint's fold: for periodization the signal starts at o = F/2 - 1 in Ex (not F - 2).

    With Ex = pywt.pad(x, (o, ...), "periodization") (n_e samples) the windows reproduce pywt.dwt, and the adjoint
    x_bar_i = e_bar_{i + o} + (the folded extension) = (E^T e_bar)_i reproduces specref's dwt_adjoint.
    """
    pywt = pytest.importorskip("pywt")
    from specref.transforms.wavelet_dwt import dwt_adjoint

    wavelet = pywt.Wavelet(name)
    f = wavelet.dec_len
    m = pywt.dwt_coeff_len(n, f, "periodization")
    n_e = 2 * m + f - 2
    h, g = np.asarray(wavelet.dec_lo), np.asarray(wavelet.dec_hi)
    rng = np.random.default_rng(n)
    x = rng.standard_normal(n)

    def windows(xe, taps):
        return np.array([sum(taps[j] * xe[2 * o + f - 1 - j] for j in range(f)) for o in range(m)])

    o = f // 2 - 1
    body = n + n % 2  # pywt.pad repeats the last sample of an odd signal before padding
    pads = (o, n_e - body - o)
    ca, cd = pywt.dwt(x, wavelet, "periodization")
    xe = pywt.pad(x, pads, "periodization")
    assert xe.shape == (n_e,)
    np.testing.assert_allclose(windows(xe, h), ca, rtol=0, atol=1e-13)
    np.testing.assert_allclose(windows(xe, g), cd, rtol=0, atol=1e-13)
    wrong = pywt.pad(x, (f - 2, n_e - body - (f - 2)), "periodization")
    assert np.max(np.abs(windows(wrong, h) - ca)) > 1e-3
    e = np.stack([pywt.pad(np.eye(n)[i], pads, "periodization") for i in range(n)], axis=1)
    np.testing.assert_array_equal(e[o:o + n], np.eye(n))  # the signal itself sits at rows o .. o + n - 1
    da, dd = rng.standard_normal(m), rng.standard_normal(m)
    e_bar = np.zeros(n_e)
    for oo in range(m):
        for j in range(f):
            e_bar[2 * oo + f - 1 - j] += h[j] * da[oo] + g[j] * dd[oo]
    x_bar = e.T @ e_bar
    got = dwt_adjoint((da, dd), input_shape=(n,), wavelet=name, mode="periodization")
    np.testing.assert_allclose(got, x_bar, rtol=0, atol=1e-13)


# ----------------------------------------------------------------------------------------------------------
# docs/transforms/pooling.md: the measured margin of the reference check


@pytest.mark.parametrize("full, fraction", [(False, 0.04), (True, 0.05)])
def test_spectral_pool_reference_errors_are_a_few_percent_of_the_bound(full, fraction):
    """pooling.md, Verification: errors against scipy stay below 4% (default grid) / 5% (full grid) of 2 c eps."""
    from specref.testing.registry import collect
    from specref.testing.runner import run_case

    cases = [c for c in collect() if c.name in ("spectral_pool", "spectral_pool2d")]
    assert len(cases) == 2
    ratios = [
        r.max_error / r.bound
        for case in cases
        for rows in run_case(case, np, full=full, seed=0)
        for r in rows
        if r.check == "reference"
    ]
    assert ratios and max(ratios) < fraction, max(ratios)
