"""Guards of docs/transforms/pooling.md: each formula the page states, evaluated independently.

Expected values come from the page's formulas written out here: the spectral step T_{n->m} as a dense matrix
built from the page's rules, pool = s F_m^H T F_n x with dense DFT matrices built entry by entry, the
band-limited trigonometric interpolant as a loop, and the adjoint as the conjugate transpose of that dense
product. The specref functions are only ever on the "got" side. Sizes n, m <= 9, float64.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.testing.tolerances import fft_error_scale
from specref.transforms.pooling import (
    _pool_scale,
    resize_spectrum,
    resize_spectrum_adjoint,
    spectral_pool,
    spectral_pool2d,
    spectral_pool2d_adjoint,
    spectral_pool_adjoint,
)

EPS = np.finfo(np.float64).eps
NORMS = ("forward", "ortho", "backward")
PAIRS = [(n, m) for n in (1, 2, 3, 4, 5, 6, 8) for m in (1, 2, 3, 4, 5, 6, 9) if n != m]


def _t(n, m):
    """T_{n->m} from the page: bins 0..h and -h..-1 copied (h = floor((p-1)/2), p = min(n, m)); for even p the
    Nyquist rule: truncation sums +-m/2 into row m/2, zero-padding splits column n/2 in halves."""
    t = np.zeros((m, n))
    p = min(n, m)
    h = (p - 1) // 2
    for k in range(-h, h + 1):
        t[k % m, k % n] = 1.0
    if p % 2 == 0:
        q = p // 2
        if m < n:
            t[q, q] += 1.0
            t[q, n - q] += 1.0
        elif m > n:
            t[q, q] += 0.5
            t[m - q, q] += 0.5
        else:
            t[q, q] = 1.0
    return t


def _f(n, sign=-1):
    j = np.arange(n)
    return np.exp(sign * 2j * np.pi * (np.outer(j, j) % n) / n)


def _s(norm, n, m):
    """The scaling table: forward 1/n, ortho 1/sqrt(nm), backward 1/m."""
    return {"forward": 1 / n, "ortho": 1 / math.sqrt(n * m), "backward": 1 / m}[norm]


def _pool_dense(n, m, norm):
    return _s(norm, n, m) * _f(m, +1) @ _t(n, m) @ _f(n)


def _tol(n, m, size):
    """Two dense sums (lengths n and m) and the FFT error scale of the page: c = fft(n) + fft(m) + 2."""
    return (n + m + fft_error_scale(n) + fft_error_scale(m) + 2) * EPS * size  # dense sums + page's c


# ----------------------------------------------------------------------------------------------------------
# Definition


@pytest.mark.parametrize("n, m", PAIRS)
def test_resize_spectrum_is_the_page_matrix(n, m):
    """docs/transforms/pooling.md, Definition (table of T_{n->m}): copied bins |k| <= h, Nyquist summed when
    truncating to even m, split in halves when zero-padding an even n. Against resize_spectrum on unit vectors."""
    got = resize_spectrum(np.eye(n) + 0j, m).T  # row j of eye: column j of T
    assert np.array_equal(got, _t(n, m))  # 0, 1, 1/2 and 1 + 1: exact


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n, m", [(8, 4), (6, 9), (7, 3), (5, 2), (4, 6), (3, 5)])
def test_pool_is_s_fmh_t_fn(n, m, norm):
    """docs/transforms/pooling.md, Definition: pool(x) = s F_m^H T_{n->m} F_n x with s from the scaling table; real
    input gives the real part. Dense, against spectral_pool (complex input, and real input along axis 0)."""
    rng = np.random.default_rng(n * 10 + m)
    z = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    a = _pool_dense(n, m, norm)
    np.testing.assert_allclose(spectral_pool(z, size=m, norm=norm), a @ z, rtol=0,
                               atol=_tol(n, m, np.abs(z).sum()))  # two FFTs / dense sums, s <= 1
    x = rng.standard_normal((n, 2))
    got = spectral_pool(x, size=m, axis=0, norm=norm)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, (a @ x).real, rtol=0, atol=_tol(n, m, np.abs(x).sum()))  # same bound


@pytest.mark.parametrize("n, m", [(8, 4), (8, 3), (6, 4), (4, 9), (4, 6), (5, 8), (7, 2)])
def test_forward_norm_is_the_band_limited_interpolant(n, m):
    """docs/transforms/pooling.md, Why this rule: with norm="forward" the output is the trigonometric interpolant
    (1/n) sum_{|k| <= p/2} X_k e^{2 pi i k t}, the Nyquist term of an even n split between +-n/2 (a cosine), the
    cut-off pair +-m/2 of a truncation both kept, sampled at t = j/m. A loop over the sum, against spectral_pool."""
    x = np.random.default_rng(n + m).standard_normal(n)
    big_x = [sum(x[j] * np.exp(-2j * np.pi * j * k / n) for j in range(n)) for k in range(n)]
    p = min(n, m)
    ks = [k for k in range(-(n // 2), n - n // 2) if abs(k) <= p / 2]
    if m < n and m % 2 == 0:
        ks = sorted(set(ks) | {m // 2, -(m // 2)})

    def interp(t):
        total = 0j
        for k in ks:
            weight = 0.5 if (m > n and n % 2 == 0 and abs(k) == n // 2) else 1.0
            total += weight * big_x[k % n] * np.exp(2j * np.pi * k * t)
            if weight == 0.5:
                total += weight * big_x[k % n] * np.exp(-2j * np.pi * k * t)  # the other half, at -n/2
        return total / n

    expected = np.array([interp(j / m) for j in range(m)])
    assert np.abs(expected.imag).max() <= _tol(n, m, np.abs(x).sum())  # real data: a real interpolant
    np.testing.assert_allclose(spectral_pool(x, size=m), expected.real, rtol=0,
                               atol=_tol(n, m, np.abs(x).sum()))  # n- and m-term sums, FFT scales


def test_consequences_constant_downsample_round_trip_conjugation():
    """docs/transforms/pooling.md, Why this rule (consequences): a constant stays constant (forward), backward
    scales it by n/m; a signal with spectrum in |k| <= m/2 downsampled by r gives x[::r]; T_{m->n} T_{n->m} = I for
    m > n; pool(conj x) = conj pool(x); the FFT-order alternative rule gives a complex result for real input."""
    c = np.full(8, 1.7)
    np.testing.assert_allclose(spectral_pool(c, size=3), np.full(3, 1.7), rtol=0,
                               atol=_tol(8, 3, 8 * 1.7))  # the page's two-FFT scale
    np.testing.assert_allclose(spectral_pool(c, size=4, norm="backward"), np.full(4, 1.7 * 8 / 4), rtol=0,
                               atol=_tol(8, 4, 8 * 1.7))  # same bound
    rng = np.random.default_rng(5)
    n, r = 12, 3
    m = n // r
    spec = np.zeros(n, complex)
    for k in (0, 1, 2):  # |k| <= m/2 = 2, +-2 included
        v = rng.standard_normal() + 1j * rng.standard_normal()
        spec[k] += v
        spec[-k] += np.conj(v)
    x = np.real(_f(n, +1) @ spec) / n
    np.testing.assert_allclose(spectral_pool(x, size=m), x[::r], rtol=0,
                               atol=_tol(n, m, np.abs(x).sum()))  # dense sums + the page's c
    for n0, m0 in ((2, 5), (4, 6), (3, 8), (4, 9)):
        assert np.array_equal(_t(m0, n0) @ _t(n0, m0), np.eye(n0))  # halves summed: exact
        z = rng.standard_normal(n0) + 1j * rng.standard_normal(n0)
        back = spectral_pool(spectral_pool(z, size=m0), size=n0)
        np.testing.assert_allclose(back, z, rtol=0, atol=2 * _tol(n0, m0, np.abs(z).sum()))  # two pools
    z = rng.standard_normal(8) + 1j * rng.standard_normal(8)
    np.testing.assert_allclose(spectral_pool(np.conj(z), size=4), np.conj(spectral_pool(z, size=4)), rtol=0,
                               atol=_tol(8, 4, np.abs(z).sum()))  # two pools, same sums conjugated
    alt = np.zeros((4, 8))
    for k in list(range(0, 2)) + list(range(-2, 0)):  # bins 0..ceil(m/2)-1 and -floor(m/2)..-1
        alt[k % 4, k % 8] = 1.0
    y = (_f(4, +1) @ alt @ _f(8) @ rng.standard_normal(8)) / 8
    assert np.abs(y.imag).max() > 1e-3  # -m/2 without its conjugate: O(1) imaginary part


# ----------------------------------------------------------------------------------------------------------
# The chain and the adjoint


@pytest.mark.parametrize("n, m", PAIRS)
def test_t_transpose_rules(n, m):
    """docs/transforms/pooling.md, The chain and the adjoint: T^T = T_{m->n} (p odd); T_{m->n} diag(2 at m/2)
    (truncation, m even); diag(1/2 at n/2) T_{m->n} (zero-padding, n even). Dense, against
    resize_spectrum_adjoint on unit vectors."""
    t = _t(n, m)
    p = min(n, m)
    back = _t(m, n)
    if p % 2 == 1:
        expected = back
    elif m < n:
        d = np.eye(m)
        d[m // 2, m // 2] = 2.0
        expected = back @ d
    else:
        d = np.eye(n)
        d[n // 2, n // 2] = 0.5
        expected = d @ back
    assert np.array_equal(expected, t.T)  # 0, 1/2, 1 and 2: exact
    got = resize_spectrum_adjoint(np.eye(m) + 0j, input_shape=(m, n)).T
    assert np.array_equal(got, t.T)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n, m", [(8, 4), (6, 9), (7, 3), (5, 2), (4, 6), (9, 5)])
def test_adjoint_is_s_fnh_tt_fm(n, m, norm):
    """docs/transforms/pooling.md, The chain and the adjoint: pool^* = s F_n^H T^T F_m (Re for real input); with
    ortho and odd p it is pooling back, with even p it differs (Nyquist weight 2 or 1/2). Dense, against
    spectral_pool_adjoint."""
    rng = np.random.default_rng(n * m)
    a = _pool_dense(n, m, norm)
    y = rng.standard_normal(m) + 1j * rng.standard_normal(m)
    np.testing.assert_allclose(spectral_pool_adjoint(y, input_shape=(n,), size=m, norm=norm), a.conj().T @ y,
                               rtol=0, atol=_tol(n, m, np.abs(y).sum()))  # two FFTs / dense sums
    g = rng.standard_normal((m, 3))
    got = spectral_pool_adjoint(g, input_shape=(n, 3), size=m, axis=0, norm=norm)
    np.testing.assert_allclose(got, (a.conj().T @ g).real, rtol=0, atol=_tol(n, m, np.abs(g).sum()))  # same
    if norm == "ortho":
        pool_back = spectral_pool(y, size=n, norm="ortho")
        adj = spectral_pool_adjoint(y, input_shape=(n,), size=m, norm="ortho")
        if min(n, m) % 2:
            np.testing.assert_allclose(adj, pool_back, rtol=0, atol=2 * _tol(n, m, np.abs(y).sum()))  # two pools
        else:
            assert np.abs(adj - pool_back).max() > 1e-3  # Nyquist weight 2 or 1/2: O(1) difference


def test_pool2d_is_separable_and_its_adjoint_reversed():
    """docs/transforms/pooling.md, 2-D: spectral_pool2d(x, size=(h, w)) is spectral_pool along a0 then a1 (A0 X A1^T
    with the dense 1-D maps), order irrelevant; the adjoint runs the 1-D adjoints in reverse (A0^H Y A1^H).
    Against spectral_pool2d / spectral_pool2d_adjoint."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((6, 5)) + 1j * rng.standard_normal((6, 5))
    for norm in NORMS:
        a0, a1 = _pool_dense(6, 4, norm), _pool_dense(5, 8, norm)
        atol = 2 * _tol(6, 8, np.abs(x).sum())  # two passes of the 1-D bound
        np.testing.assert_allclose(spectral_pool2d(x, size=(4, 8), norm=norm), a0 @ x @ a1.T,
                                   rtol=0, atol=atol)  # derived above
        swapped = spectral_pool(spectral_pool(x, size=8, axis=1, norm=norm), size=4, axis=0, norm=norm)
        np.testing.assert_allclose(swapped, a0 @ x @ a1.T, rtol=0, atol=atol)  # derived above
        y = rng.standard_normal((4, 8)) + 1j * rng.standard_normal((4, 8))
        got = spectral_pool2d_adjoint(y, input_shape=(6, 5), size=(4, 8), norm=norm)
        np.testing.assert_allclose(got, a0.conj().T @ y @ a1.conj(), rtol=0,
                                   atol=2 * _tol(6, 8, np.abs(y).sum()))  # two passes


def test_ortho_preserves_the_norm_of_a_band_limited_signal_with_odd_p():
    """docs/transforms/pooling.md, Scaling: with "ortho" (F / sqrt n unitary) the norm of a band-limited signal with
    odd p is preserved, by truncation and by zero-padding."""
    rng = np.random.default_rng(2)
    for n, m in ((9, 5), (5, 9), (8, 3)):
        p = min(n, m)
        spec = np.zeros(n, complex)
        for k in range(-(p - 1) // 2, (p - 1) // 2 + 1):
            spec[k % n] = rng.standard_normal() + 1j * rng.standard_normal()
        x = _f(n, +1) @ spec / n
        y = spectral_pool(x, size=m, norm="ortho")
        assert math.isclose(np.linalg.norm(y), np.linalg.norm(x), rel_tol=(n + m) * 8 * EPS)  # two FFT/dense sums


# ----------------------------------------------------------------------------------------------------------
# Verification


def test_error_scale_of_a_1d_pool():
    """docs/transforms/pooling.md, Verification: c = fft_error_scale(n) + fft_error_scale(m) + 2, for a 1-D input
    (specref.transforms.pooling._pool_scale)."""
    for n, m in ((8, 4), (6, 9), (3, 2)):
        expected = 2 * (1 + math.log2(n)) + 2 * (1 + math.log2(m)) + 2
        assert _pool_scale({"shape": (n,), "size": m}) == pytest.approx(expected, rel=8 * EPS)  # logs and adds


def test_error_scale_ignores_batch_axes():
    """docs/transforms/pooling.md, Verification: c = fft_error_scale(n) + fft_error_scale(m) + 2 with n the pooled
    length, in 2-D the two FFTs of each pooled axis, batch axes adding nothing: a (5, 3) input pooled along axis 0
    to 2 has c = fft(5) + fft(2) + 2; a (3, 6, 5) input pooled to (4, 8) on axes (1, 2) fft(6) + fft(4) + fft(5) +
    fft(8) + 2."""
    expected = fft_error_scale(5) + fft_error_scale(2) + 2
    got = _pool_scale({"shape": (5, 3), "size": 2, "axis": 0})
    assert got == pytest.approx(expected, rel=8 * EPS)  # logs and adds
    expected = fft_error_scale(6) + fft_error_scale(4) + fft_error_scale(5) + fft_error_scale(8) + 2
    got = _pool_scale({"shape": (3, 6, 5), "size": (4, 8), "axes": (1, 2)})
    assert got == pytest.approx(expected, rel=8 * EPS)  # logs and adds


def test_output_precision_and_real_output():
    """docs/transforms/pooling.md, introduction: output precision follows input precision; real input gives real
    output, complex input complex output."""
    assert spectral_pool(np.ones(8, np.float32), size=4).dtype == np.float32
    assert spectral_pool(np.ones(8), size=5).dtype == np.float64
    assert spectral_pool(np.ones(8, np.complex64), size=5).dtype == np.complex64
    assert spectral_pool_adjoint(np.ones(4, np.float32), input_shape=(8,), size=4).dtype == np.float32


def test_norm_none_means_backward():
    """docs/transforms/pooling.md, Errors, dtypes: norm=None means "backward" (a constant scaled by n/m); the default
    is "forward"."""
    x = np.random.default_rng(3).standard_normal(8)
    assert np.array_equal(spectral_pool(x, size=5, norm=None), spectral_pool(x, size=5, norm="backward"))
    assert np.array_equal(spectral_pool(x, size=5), spectral_pool(x, size=5, norm="forward"))
