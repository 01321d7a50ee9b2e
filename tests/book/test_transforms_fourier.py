"""Guards of docs/transforms/fourier.md: each formula the page states, evaluated independently.

Expected values come from the page's formulas written out here (dense DFT matrices built entry by entry, plain
loops over the sums, transposes of real matrices assembled column by column from those), never from the specref
function under test. Sizes are tiny (n <= 16) and float64 throughout.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.testing.tolerances import fft_error_scale
from specref.transforms import fourier as ft
from specref.transforms import fourier_core as core
from specref.transforms import structural as st
from specref.transforms.fourier_pruned import (
    irfft2_pruned,
    irfft2_pruned_adjoint,
    rfft2_pruned,
    rfft2_pruned_adjoint,
)

EPS = np.finfo(np.float64).eps
NORMS = ("backward", "ortho", "forward")


def _c(norm, n, *, inverse):
    """The page's norm table, written out (forward factor c, inverse factor c')."""
    if norm == "ortho":
        return 1.0 / math.sqrt(n)
    if inverse:
        return 1.0 / n if norm == "backward" else 1.0
    return 1.0 / n if norm == "forward" else 1.0


def _dft(n, sign=-1):
    """F_{kj} = omega_n^{jk}, omega_n = e^{-2 pi i / n} (sign=+1: the entries of F^H), entry by entry."""
    f = np.empty((n, n), complex)
    for k in range(n):
        for j in range(n):
            f[k, j] = np.exp(sign * 2j * np.pi * ((j * k) % n) / n)
    return f


def _pad_matrix(n, m):
    """The page's n x m crop-or-pad matrix: P_{jk} = 1 for j = k < min(m, n), 0 elsewhere."""
    p = np.zeros((n, m))
    for j in range(min(m, n)):
        p[j, j] = 1.0
    return p


def _weights(n):
    """w_k of the page: 1 at k = 0, 1 at k = n/2 for even n, 2 otherwise, for k < floor(n/2) + 1."""
    w = np.full(n // 2 + 1, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[n // 2] = 1.0
    return w


def _c2r_loop(y, n):
    """The page's c2r sum: Re y_0 + 2 sum_{k=1}^{ceil(n/2)-1} Re(y_k e^{2 pi i jk/n}) + [n even] Re(y_{n/2})(-1)^j."""
    x = np.empty(n)
    for j in range(n):
        acc = y[0].real
        for k in range(1, (n + 1) // 2):
            acc += 2 * (y[k] * np.exp(2j * np.pi * ((j * k) % n) / n)).real
        if n % 2 == 0:
            acc += y[n // 2].real * (-1) ** j
        x[j] = acc
    return x


def _real_matrix(fn, n_in, complex_in):
    """The real matrix of an R-linear map, column by column (the real and imaginary coordinates stacked)."""
    cols = []
    basis = [np.eye(n_in)[i] for i in range(n_in)]
    if complex_in:
        basis = [b + 0j for b in basis] + [1j * b for b in basis]
    for e in basis:
        out = np.asarray(fn(e))
        cols.append(np.concatenate([out.real.ravel(), out.imag.ravel()]) if np.iscomplexobj(out) else out.ravel())
    return np.stack(cols, axis=1)


def _stack(z):
    return np.concatenate([z.real.ravel(), z.imag.ravel()]) if np.iscomplexobj(z) else np.ravel(z)


# ----------------------------------------------------------------------------------------------------------
# Definitions


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n", [1, 5, 8, 13])
def test_definitions_dft_sums_and_norm_table(n, norm):
    """docs/transforms/fourier.md, Definitions: y_k = c sum_j x_j omega^{jk} and x_j = c' sum_k y_k omega^{-jk},
    c and c' from the norm table, as loops, against specref.transforms.fourier.fft, ifft and norm_factor."""
    rng = np.random.default_rng(n)
    x = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    c, c_inv = _c(norm, n, inverse=False), _c(norm, n, inverse=True)
    fwd = np.array([c * sum(x[j] * np.exp(-2j * np.pi * j * k / n) for j in range(n)) for k in range(n)])
    inv = np.array([c_inv * sum(x[k] * np.exp(2j * np.pi * j * k / n) for k in range(n)) for j in range(n)])
    atol = 4 * n * EPS * np.abs(x).sum()  # n-term loop (n eps sum|x|) + FFT (2(1 + log2 16) = 10 eps) <= 4n eps sum|x|
    np.testing.assert_allclose(ft.fft(x, norm=norm), fwd, rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(ft.ifft(x, norm=norm), inv, rtol=0, atol=atol)  # derived above
    assert ft.norm_factor(norm, n, inverse=False) == pytest.approx(c, rel=2 * EPS)  # one rounded sqrt/division
    assert ft.norm_factor(norm, n, inverse=True) == pytest.approx(c_inv, rel=2 * EPS)  # one rounded sqrt/division


@pytest.mark.parametrize("m, n", [(5, 8), (7, 4), (6, 6), (8, 11)])
def test_definitions_crop_or_pad_before_the_transform(m, n):
    """docs/transforms/fourier.md, Definitions (output table; `n` crops or zero-pads first): fft(x, n) = F_n P x,
    rfft(x, n) = its first floor(n/2) + 1 rows, irfft(y, n) reads floor(n/2) + 1 bins (cropped or padded) through
    the c2r sum; against specref.transforms.fourier.fft, rfft, irfft."""
    rng = np.random.default_rng(m * 16 + n)
    x = rng.standard_normal(m)
    full = _dft(n) @ (_pad_matrix(n, m) @ x)
    atol = 4 * n * EPS * np.abs(x).sum()  # n-term dense sum + FFT error scale 2(1 + log2 n) <= 4n eps sum|x|
    np.testing.assert_allclose(ft.fft(x, n=n), full, rtol=0, atol=atol)  # derived above
    got = ft.rfft(x, n=n)
    assert got.shape == (n // 2 + 1,)
    np.testing.assert_allclose(got, full[: n // 2 + 1], rtol=0, atol=atol)  # derived above
    y = rng.standard_normal(m) + 1j * rng.standard_normal(m)
    bins = _pad_matrix(n // 2 + 1, m) @ y
    expected = _c2r_loop(bins, n) / n
    np.testing.assert_allclose(ft.irfft(y, n=n), expected, rtol=0, atol=atol)  # c' = 1/n, same sum sizes
    dense = _real_matrix(lambda e: _c2r_loop(_pad_matrix(n // 2 + 1, m) @ e, n) / n, m, complex_in=True)
    g = rng.standard_normal(n)
    t = dense.T @ g  # irfft_adjoint: c2r^*, then the crop/pad from floor(n/2) + 1 bins back to m, transposed
    got = ft.irfft_adjoint(g, input_shape=(m,), n=n)
    np.testing.assert_allclose(got, t[:m] + 1j * t[m:], rtol=0, atol=4 * n * EPS * np.abs(g).sum())  # same sums


def test_irfft_default_length_note():
    """docs/transforms/fourier.md, note "irfft's default length": n = 2(m - 1); a length-7 x comes back as 6
    samples, with n=7 it comes back as x; m = 1 raises. Against specref.transforms.fourier.irfft, rfft."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(7)
    spectrum = ft.rfft(x)
    assert spectrum.shape == (4,)
    assert ft.irfft(spectrum).shape == (2 * (4 - 1),)
    np.testing.assert_allclose(ft.irfft(spectrum, n=7), x, rtol=0, atol=64 * EPS)  # round trip: 2 FFTs of 7, |x|<4
    with pytest.raises(ValueError):
        ft.irfft(np.ones(1, complex))


# ----------------------------------------------------------------------------------------------------------
# One core per kind: the chain, and the structural steps' adjoints


def test_chain_has_the_five_maps_and_leaves_identities_out():
    """docs/transforms/fourier.md, One core per kind: A = M^{-1} S_c K P M, identity steps left out (no move for
    the last axis, no crop/pad at the input's length, no scale for c = 1); the plain chain's steps, applied
    forwards and backwards, equal the dense c F_n P along axis 0 and its conjugate transpose."""
    shape, n, norm = (5, 3), 7, "ortho"
    steps = ft._chain(shape, "c2c", norm, inverse=False, n=n, axis=0, fused=False)
    assert [s.name for s in steps] == ["move_axis", "crop_or_pad", "c2c", "scale", "move_axis"]
    assert len(ft._chain((3, 5), "c2c", "backward", inverse=False, n=None, axis=-1, fused=False)) == 1
    a = _c(norm, n, inverse=False) * _dft(n) @ _pad_matrix(n, shape[0])
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    y = rng.standard_normal((n, 3)) + 1j * rng.standard_normal((n, 3))
    atol = 4 * n * EPS * max(np.abs(x).sum(), np.abs(y).sum())  # n-term sums, FFT scale 2(1 + log2 7) < 4n
    np.testing.assert_allclose(st.apply_chain(steps, x), a @ x, rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(st.apply_chain_adjoint(steps, y), a.conj().T @ y, rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(ft.fft_adjoint(y, input_shape=shape, n=n, axis=0, norm=norm), a.conj().T @ y,
                               rtol=0, atol=atol)  # same bound: the public (fused) chain, same maps


@pytest.mark.parametrize("m, n", [(5, 3), (3, 5), (4, 4)])
def test_structural_steps_adjoints(m, n):
    """docs/transforms/fourier.md, The structural steps and their one-line adjoints: crop/pad P_{jk} = [j = k <
    min(m, n)] has adjoint P^T; scaling is self-adjoint; E x = x + 0i has adjoint Re; moving an axis has the
    inverse permutation. Against specref.transforms.structural's *_adjoint functions."""
    rng = np.random.default_rng(m + n)
    p = _pad_matrix(n, m)
    x, y = rng.standard_normal(m), rng.standard_normal(n)
    assert np.array_equal(st.crop_or_pad(x, n), p @ x)  # copies and zeros only: exact
    assert np.array_equal(st.crop_or_pad_adjoint(y, input_shape=(m,), n=n), p.T @ y)  # copies and zeros: exact
    assert np.array_equal(st.scale_adjoint(y, input_shape=(n,), factor=0.3), 0.3 * y)  # one multiply, same
    z = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    assert np.array_equal(st.to_complex_adjoint(z, input_shape=(n,)), z.real)
    assert math.isclose(np.vdot(st.to_complex(y), z).real, y @ z.real, rel_tol=16 * EPS)  # n <= 5 terms, same order
    t = rng.standard_normal((2, m, n))
    moved = st.move_axis(t, 0, 2)
    assert moved.shape == (m, n, 2)
    assert np.array_equal(st.move_axis_adjoint(moved, input_shape=t.shape, source=0, destination=2), t)


# ----------------------------------------------------------------------------------------------------------
# fft and ifft: the c2c core


@pytest.mark.parametrize("n", [1, 6, 7, 16])
def test_c2c_adjoint_entries_and_dual_norm_table(n):
    """docs/transforms/fourier.md, fft and ifft: (F^H)_{jk} = e^{+2 pi i jk/n} = n ifft(., "backward") =
    ifft(., "forward"), and fft under norm nu has adjoint c_nu F^H = ifft under dual_norm(nu) (the table).
    Against specref.transforms.fourier_core.c2c_adjoint, fourier.fft_adjoint and dual_norm."""
    rng = np.random.default_rng(n)
    y = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    fh = _dft(n, sign=+1)
    np.testing.assert_array_equal(fh, _dft(n).conj().T)  # entrywise: exp of the same rounded argument, conjugated
    atol = 4 * n * EPS * np.abs(y).sum()  # n-term dense sum + FFT error scale 2(1 + log2 16) = 10 <= 4n eps
    np.testing.assert_allclose(core.c2c_adjoint(y, input_shape=(n,)), fh @ y, rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(n * np.fft.ifft(y, norm="backward"), fh @ y, rtol=0, atol=atol)  # the page's identity
    dual = {"backward": "forward", "ortho": "ortho", "forward": "backward"}
    for norm in NORMS:
        assert ft.dual_norm(norm) == dual[norm]
        expected = _c(norm, n, inverse=False) * fh @ y
        np.testing.assert_allclose(ft.fft_adjoint(y, input_shape=(n,), norm=norm), expected,
                                   rtol=0, atol=atol)  # derived above
        np.testing.assert_allclose(ft.ifft(y, norm=dual[norm]), expected, rtol=0, atol=atol)  # same sums


def test_fft_adjoint_holds_in_the_complex_inner_product():
    """docs/transforms/fourier.md, fft and ifft: fft is C-linear, so <A x, y> = <x, A^* y> in the complex inner
    product (real and imaginary parts), with cropping (n < m) and padding (n > m) along a non-last axis."""
    rng = np.random.default_rng(2)
    for m, n in ((6, 4), (4, 7)):
        x = rng.standard_normal((m, 2)) + 1j * rng.standard_normal((m, 2))
        y = rng.standard_normal((n, 2)) + 1j * rng.standard_normal((n, 2))
        for norm in NORMS:
            lhs = np.vdot(y, ft.fft(x, n=n, axis=0, norm=norm))
            rhs = np.vdot(ft.fft_adjoint(y, input_shape=(m, 2), n=n, axis=0, norm=norm), x)
            scale = np.abs(x).sum() * np.abs(y).sum()
            assert abs(lhs - rhs) <= 8 * n * EPS * scale  # two FFTs (2(1 + log2 7) < 8) and a 2n-term inner product


# ----------------------------------------------------------------------------------------------------------
# rfft: the r2c core and its adjoint's weights


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 8, 15, 16])
def test_r2c_adjoint_plain_and_weighted_forms(n):
    """docs/transforms/fourier.md, rfft: r2c^* y = Re sum_{k<m} y_k e^{+2 pi i jk/n} (C^* zero-pads, F^H, Re) equals
    c2r(y / w) with w_k = 1 (DC, even-n Nyquist), 2 otherwise, and the transpose of r2c = C F E's real matrix.
    Against specref.transforms.fourier_core.r2c_adjoint, r2c_adjoint_weighted, hermitian_weights."""
    m = n // 2 + 1
    rng = np.random.default_rng(n)
    y = rng.standard_normal(m) + 1j * rng.standard_normal(m)
    loop = np.array([sum(y[k] * np.exp(2j * np.pi * ((j * k) % n) / n) for k in range(m)).real for j in range(n)])
    w = _weights(n)
    np.testing.assert_array_equal(core.hermitian_weights(n, xp=np, dtype=np.float64), w)
    dense = _real_matrix(lambda e: (_dft(n) @ e)[:m], n, complex_in=False)  # C F E
    atol = 4 * n * EPS * np.abs(y).sum()  # m-term sums / half-length FFTs of 2(1 + log2 16) <= 4n eps sum|y|
    np.testing.assert_allclose(dense.T @ _stack(y), loop, rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(_c2r_loop(y / w, n), loop, rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(core.r2c_adjoint(y, input_shape=(n,)), loop, rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(core.r2c_adjoint_weighted(y, input_shape=(n,)), loop, rtol=0, atol=atol)  # derived above


@pytest.mark.parametrize("m, n", [(7, 7), (5, 8), (9, 6)])
def test_rfft_adjoint_is_the_chain_reversed(m, n):
    """docs/transforms/fourier.md, rfft (last paragraph): rfft_adjoint = scale by c, r2c^*, crop or pad from n
    back to m (zero gradient on cropped samples), as the dense P^T (c r2c^*) on axis 0, per norm."""
    rng = np.random.default_rng(m * n)
    h = n // 2 + 1
    y = rng.standard_normal((h, 3)) + 1j * rng.standard_normal((h, 3))
    r2c_star = np.array([[np.exp(2j * np.pi * ((j * k) % n) / n) for k in range(h)] for j in range(n)])
    for norm in NORMS:
        expected = _pad_matrix(m, n) @ (_c(norm, n, inverse=False) * (r2c_star @ y)).real
        got = ft.rfft_adjoint(y, input_shape=(m, 3), n=n, axis=0, norm=norm)
        np.testing.assert_allclose(got, expected, rtol=0, atol=4 * n * EPS * np.abs(y).sum())  # h-term sums, FFT
        if n < m:
            assert np.all(got[n:] == 0.0)


# ----------------------------------------------------------------------------------------------------------
# irfft: the c2r core, non-Hermitian input, and its adjoint


@pytest.mark.parametrize("n", [1, 2, 5, 6, 11, 16])
def test_irfft_c2r_sum_ignores_imag_of_dc_and_nyquist(n):
    """docs/transforms/fourier.md, irfft: x_j = c [Re y_0 + 2 sum Re(y_k e^{2 pi i jk/n}) + [n even] Re(y_{n/2})
    (-1)^j] = c F^H of the Hermitian extension; imaginary parts of DC and even-n Nyquist ignored. Against
    specref.transforms.fourier.irfft (every norm) and fourier_core.c2r, fed non-Hermitian half spectra."""
    m = n // 2 + 1
    rng = np.random.default_rng(n)
    y = rng.standard_normal(m) + 1j * rng.standard_normal(m)  # Im y_0 (and Im y_{n/2}) nonzero
    loop = _c2r_loop(y, n)
    ext = np.zeros(n, complex)
    for k in range(m):
        ext[k] = y[k]
        ext[(n - k) % n] = np.conj(y[k])
    ext[0] = y[0].real
    if n % 2 == 0:
        ext[n // 2] = y[n // 2].real
    atol = 4 * n * EPS * np.abs(y).sum()  # n-term sums (loop, dense) + FFT scale 2(1 + log2 16) <= 4n eps sum|y|
    np.testing.assert_allclose((_dft(n, +1) @ ext).real, loop, rtol=0, atol=atol)  # derived above
    assert np.abs((_dft(n, +1) @ ext).imag).max() <= atol
    np.testing.assert_allclose(core.c2r(y, n=n), loop, rtol=0, atol=atol)  # derived above
    for norm in NORMS:
        np.testing.assert_allclose(ft.irfft(y, n=n, norm=norm), _c(norm, n, inverse=True) * loop,
                                   rtol=0, atol=atol)  # derived above
    kicked = y.copy()
    kicked[0] += 5j
    if n % 2 == 0:
        kicked[-1] -= 3j
    np.testing.assert_array_equal(core.c2r(kicked, n=n), core.c2r(y, n=n))  # ignored exactly (dropped before)


@pytest.mark.parametrize("n", [1, 2, 5, 6, 11, 16])
def test_c2r_adjoint_is_weighted_r2c_and_im_dc_gets_zero(n):
    """docs/transforms/fourier.md, The adjoint of c2r: <c2r(y), g> = Re sum_k w_k conj(G_k) y_k, so c2r^*(g) =
    w (.) r2c(g) (G_k = sum_j g_j e^{-2 pi i jk/n} by a loop), the transpose of c2r's real matrix; Im of DC and
    Nyquist get exactly 0; irfft_adjoint under "backward" = rfft(g) w / n. Against fourier_core.c2r_adjoint and
    fourier.irfft_adjoint."""
    m = n // 2 + 1
    rng = np.random.default_rng(n + 100)
    g = rng.standard_normal(n)
    big_g = np.array([sum(g[j] * np.exp(-2j * np.pi * ((j * k) % n) / n) for j in range(n)) for k in range(m)])
    w = _weights(n)
    dense = _real_matrix(lambda e: _c2r_loop(e, n), m, complex_in=True)
    atol = 4 * n * EPS * np.abs(g).sum()  # n-term sums (loop, dense) + FFT scale 2(1 + log2 16) <= 4n eps sum|g|
    t = dense.T @ g
    np.testing.assert_allclose(t[:m] + 1j * t[m:], w * big_g, rtol=0, atol=atol)  # derived above
    got = core.c2r_adjoint(g, input_shape=(m,), n=n)
    np.testing.assert_allclose(got, w * big_g, rtol=0, atol=atol)  # derived above
    assert got[0].imag == 0.0 and (n % 2 or got[n // 2].imag == 0.0)
    back = ft.irfft_adjoint(g, input_shape=(m,), n=n, norm="backward")
    np.testing.assert_allclose(back, w * big_g / n, rtol=0, atol=atol)  # derived above
    assert back[0].imag == 0.0 and (n % 2 or back[n // 2].imag == 0.0)
    y = rng.standard_normal(m) + 1j * rng.standard_normal(m)
    pairing = np.sum(core.c2r(y, n=n) * g)
    assert abs(pairing - np.real(np.vdot(got, y))) <= atol * np.abs(y).sum()  # dot test: sums above, times sum|y|
    if n >= 3:  # a peer with the plain rfft (no weights) as adjoint fails the dot-product test
        assert abs(pairing - np.real(np.vdot(big_g, y))) > 1e-3  # O(1) miss vs ~1e-14 rounding
    if n % 2 == 0 and n >= 2:  # so does a peer with odd n's weights (2 at the Nyquist bin) at even n
        w_odd = np.full(m, 2.0)
        w_odd[0] = 1.0
        assert abs(pairing - np.real(np.vdot(w_odd * big_g, y))) > 1e-3  # O(1) miss vs ~1e-14 rounding


# ----------------------------------------------------------------------------------------------------------
# The n-D transforms


@pytest.mark.parametrize("shape, s", [((4, 3), (4, 5)), ((3, 4), (5, 6))])
def test_irfftn_is_ifft_on_outer_axes_then_irfft(shape, s):
    """docs/transforms/fourier.md, The n-D transforms: irfftn(X, s) = irfft_last(ifft_other(X)), so Im on an
    outer-axis bin of the DC column is NOT ignored (only the 1-D DC of each row after the outer ifft is).
    Dense outer inverse DFT then the c2r loop per row, against specref.transforms.fourier.irfftn / irfft2."""
    rng = np.random.default_rng(sum(shape))
    n0, n1 = s
    h = n1 // 2 + 1
    x = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    rows = (_dft(n0, +1) / n0) @ (_pad_matrix(n0, shape[0]) @ x)  # ifft on axis 0, c' = 1/n0
    rows = rows @ _pad_matrix(h, shape[1]).T  # the last axis read at h bins
    expected = np.stack([_c2r_loop(r, n1) / n1 for r in rows])
    atol = 8 * n0 * n1 * EPS * np.abs(x).sum()  # two n-term dense sums in a row, each <= 4 n eps of its input sum
    np.testing.assert_allclose(ft.irfftn(x, s=s), expected, rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(ft.irfft2(x, s=s), expected, rtol=0, atol=atol)  # derived above
    kicked = x.copy()
    kicked[1, 0] += 1j  # outer-axis bin of the DC column: not ignored
    change = np.abs(ft.irfftn(kicked, s=s) - ft.irfftn(x, s=s)).max()
    assert change > 1e-3  # the kick moves rows by |sin(2 pi / n0)| / (n0 n1) >= 0.02, rounding is ~1e-15
    dc = np.zeros(shape, complex)
    dc[0, 0] = 1j  # doubly self-conjugate bin: ignored
    assert np.abs(ft.irfftn(dc, s=s)).max() <= atol


@pytest.mark.parametrize("n0, n1", [(4, 6), (5, 4), (6, 5)])
def test_irfftn_adjoint_dc_column_hermitian_and_zero_imag(n0, n1):
    """docs/transforms/fourier.md, The n-D transforms: irfftn_adjoint is the adjoint of NumPy's map (the transpose
    of its real matrix, assembled from the dense ifft + c2r loop), the gradient on the DC (and even-n Nyquist)
    column is Hermitian along the outer axis and the doubly self-conjugate bins get exactly zero imaginary part."""
    h = n1 // 2 + 1
    inv0 = _dft(n0, +1) / n0

    def forward(z):
        rows = inv0 @ z.reshape(n0, h)
        return np.stack([_c2r_loop(r, n1) / n1 for r in rows])

    dense = _real_matrix(forward, n0 * h, complex_in=True)
    g = np.random.default_rng(n0 * n1).standard_normal((n0, n1))
    t = dense.T @ g.ravel()
    expected = (t[: n0 * h] + 1j * t[n0 * h :]).reshape(n0, h)
    got = ft.irfftn_adjoint(g, input_shape=(n0, h), s=(n0, n1))
    np.testing.assert_allclose(got, expected, rtol=0, atol=8 * n0 * n1 * EPS * np.abs(g).sum())  # two dense sums
    cols = (0, n1 // 2) if n1 % 2 == 0 else (0,)
    for k in cols:
        np.testing.assert_allclose(got[(-np.arange(n0)) % n0, k], np.conj(got[:, k]), rtol=0,
                                   atol=8 * n0 * EPS * np.abs(g).sum())  # one FFT of n0 <= 6 and a weight
        for s0 in {0, n0 // 2} if n0 % 2 == 0 else {0}:
            assert got[s0, k].imag == 0.0


def test_rfftn_is_rfft_last_then_fft_others():
    """docs/transforms/fourier.md, The n-D transforms: rfftn = rfft on the last of axes, then fft on the others
    (fftn = fft along each axis); dense DFTs along each axis against specref.transforms.fourier.rfftn, fftn."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 5, 4))
    last = np.einsum("kj,abj->abk", _dft(4)[:3], x)  # rfft of length 4 on axis 2: 3 bins
    expected = np.einsum("kj,ajb->akb", _dft(5), last)  # fft on axis 1
    atol = 64 * EPS * np.abs(x).sum()  # 4 + 5 term dense sums + FFT scales 2(1 + log2 5) < 64 eps sum|x|
    np.testing.assert_allclose(ft.rfftn(x, axes=(1, 2)), expected, rtol=0, atol=atol)  # derived above
    full = np.einsum("kj,ajb->akb", _dft(5), np.einsum("kj,abj->abk", _dft(4), x + 0j))
    full = np.einsum("kj,jab->kab", _dft(3), full)
    np.testing.assert_allclose(ft.fftn(x), full, rtol=0, atol=2 * atol)  # one more 3-term axis: twice the bound


# ----------------------------------------------------------------------------------------------------------
# Verification (error scale) and Errors (the IEEE detail)


@pytest.mark.parametrize("n", [1, 2, 7, 16])
def test_error_scale_is_two_times_one_plus_log2_n(n):
    """docs/transforms/fourier.md, Verification: the error scale is c = 2 (1 + log2 N) for N transform points;
    specref.testing.tolerances.fft_error_scale, and fft's measured error sits within c eps sum|x| of an
    extended-precision dense DFT."""
    assert fft_error_scale(n) == pytest.approx(2 * (1 + math.log2(n)), rel=4 * EPS)  # one log2, one add, one mul
    rng = np.random.default_rng(n)
    x = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    j = np.arange(n, dtype=np.longdouble)
    arg = -2 * np.pi * (np.outer(j, j) % n) / n
    exact = (np.cos(arg) + 1j * np.sin(arg)).astype(np.clongdouble) @ x.astype(np.clongdouble)
    err = np.abs(ft.fft(x).astype(np.clongdouble) - exact).max()
    ld_eps = np.finfo(np.longdouble).eps
    assert err <= (fft_error_scale(n) * EPS + 4 * n * ld_eps) * np.abs(x).sum()  # the page's bound + reference's n-sum


def test_norm_factor_on_inf_gives_nan_imag_and_backward_matches_numpy():
    """docs/transforms/fourier.md, Errors, dtypes, NaN and Inf: (inf + 0j) * 0.5 is inf + nan j; without a factor
    (fft/rfft under "backward") the result is NumPy's bit for bit, also on Inf and NaN input."""
    with np.errstate(invalid="ignore"):
        z = np.array([np.inf + 0j]) * 0.5
    assert z[0].real == np.inf and np.isnan(z[0].imag)
    x = np.array([np.inf, 1.0, -2.0, np.nan, 0.5])
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(ft.rfft(x), np.fft.rfft(x))
        np.testing.assert_array_equal(ft.fft(x), np.fft.fft(x))


# ----------------------------------------------------------------------------------------------------------
# The first columns of rfft2, and back


@pytest.mark.parametrize("norm", NORMS)
def test_pruned_rfft2_and_irfft2_are_cropped_and_padded_rfft2(norm):
    """docs/transforms/fourier.md, The first columns of rfft2: rfft2_pruned(x) = C_m rfft2(x, s) and
    irfft2_pruned(z) = irfft2(C_m^T z, s) (dense 2-D DFT and c2r loops), with adjoints the transposes of their
    real matrices. Against specref.transforms.fourier_pruned."""
    in_shape, s, cols = (4, 7), (5, 6), 2
    n0, n1 = s
    h = n1 // 2 + 1
    c0, c1 = _c(norm, n0, inverse=False), _c(norm, n1, inverse=False)
    ci0, ci1 = _c(norm, n0, inverse=True), _c(norm, n1, inverse=True)

    def rfft2_dense(x):
        xs = _pad_matrix(n0, in_shape[0]) @ x.reshape(in_shape) @ _pad_matrix(n1, in_shape[1]).T
        return (c0 * c1 * _dft(n0) @ xs @ _dft(n1).T)[:, :cols]

    def irfft2_dense(z):
        z = z.reshape(in_shape[0], cols)
        padded = np.zeros((in_shape[0], h), complex)
        padded[:, :cols] = z
        rows = ci0 * _dft(n0, +1) @ (_pad_matrix(n0, in_shape[0]) @ padded)
        return np.stack([ci1 * _c2r_loop(r, n1) for r in rows])

    rng = np.random.default_rng(7)
    x = rng.standard_normal(in_shape)
    z = rng.standard_normal((in_shape[0], cols)) + 1j * rng.standard_normal((in_shape[0], cols))
    atol = 8 * n0 * n1 * EPS * max(np.abs(x).sum(), np.abs(z).sum())  # two dense n-term sums in a row
    np.testing.assert_allclose(rfft2_pruned(x, s=s, cols=cols, norm=norm), rfft2_dense(x),
                               rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(irfft2_pruned(z, s=s, norm=norm), irfft2_dense(z), rtol=0, atol=atol)  # derived above
    a = _real_matrix(rfft2_dense, x.size, complex_in=False)
    y = rng.standard_normal((n0, cols)) + 1j * rng.standard_normal((n0, cols))
    got = rfft2_pruned_adjoint(y, input_shape=in_shape, s=s, cols=cols, norm=norm)
    np.testing.assert_allclose(got, (a.T @ _stack(y)).reshape(in_shape), rtol=0,
                               atol=atol * np.abs(y).max())  # same two-sum bound, per unit of |y|
    b = _real_matrix(irfft2_dense, z.size, complex_in=True)
    g = rng.standard_normal(s)
    t = b.T @ g.ravel()
    got = irfft2_pruned_adjoint(g, input_shape=z.shape, s=s, norm=norm)
    np.testing.assert_allclose(got, (t[: z.size] + 1j * t[z.size :]).reshape(z.shape), rtol=0,
                               atol=atol * np.abs(g).max())  # same two-sum bound, per unit of |g|


def test_output_precision_follows_input_precision():
    """docs/transforms/fourier.md, introduction and Errors, dtypes: float32 -> complex64, float64 -> complex128,
    complex64 -> float32 for irfft; adjoints follow (rfft_adjoint real, irfft_adjoint complex)."""
    x32 = np.ones(6, np.float32)
    assert ft.rfft(x32).dtype == np.complex64
    assert ft.fft(x32).dtype == np.complex64
    assert ft.rfft(x32.astype(np.float64)).dtype == np.complex128
    assert ft.irfft(np.ones(4, np.complex64)).dtype == np.float32
    assert ft.rfft_adjoint(np.ones(4, np.complex64), input_shape=(6,)).dtype == np.float32
    assert ft.irfft_adjoint(np.ones(6), input_shape=(4,)).dtype == np.complex128
    with pytest.raises(TypeError):
        ft.rfft(np.ones(4, complex))
    with pytest.raises(TypeError):
        ft.irfft_adjoint(np.ones(6, complex), input_shape=(4,))


def test_axes_rules():
    """docs/transforms/fourier.md, The n-D transforms (axes rules): s given and axes=None means the last len(s) axes;
    -1 in s means the input's length; an axis listed twice is transformed twice; an empty axes raises ValueError;
    norm=None means "backward". Dense DFTs along each axis, against fftn."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 3, 4)) + 1j * rng.standard_normal((2, 3, 4))
    atol = 64 * EPS * np.abs(x).sum()  # two dense sums of <= 5 terms and FFT scales 2(1 + log2 5)
    expected = np.einsum("kj,abj->abk", _dft(5) @ _pad_matrix(5, 4), np.einsum("kj,ajb->akb", _dft(3), x))
    np.testing.assert_allclose(ft.fftn(x, s=(-1, 5)), expected, rtol=0, atol=atol)  # derived above
    twice = np.einsum("kj,ajb->akb", _dft(3) @ _dft(3), x)
    np.testing.assert_allclose(ft.fftn(x, axes=(1, 1)), twice, rtol=0, atol=2 * atol)  # 3 * 3 = 9-term sums
    with pytest.raises(ValueError):
        ft.fftn(x, axes=())
    assert np.array_equal(ft.fft(x, norm=None), ft.fft(x, norm="backward"))
