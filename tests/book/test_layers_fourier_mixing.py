"""Guards for docs/layers/fourier_mixing.md: each formula the page states, evaluated independently.

The expected values come from dense DFT matrices built from the page's definition
:math:`(F_n)_{kj} = e^{-2\\pi i jk/n}` and the norm factor :math:`c`, from plain loops over the sums as written, or
from central finite differences; they are compared with the layers (forward and backward) and the
``specref.transforms.hermitian`` functions the page names.
"""

from __future__ import annotations

import numpy as np
import pytest

from specref.layers.mixing.fourier import (
    FourierMixing,
    FourierMixing1D,
    RealFourierMixing,
    SeparableFourierMixing,
)
from specref.transforms.fourier import rfft2_adjoint
from specref.transforms.hermitian import hermitian_real_2d, hermitian_real_2d_adjoint

EPS64 = np.finfo(np.float64).eps
SIZES = [(3, 4), (4, 5), (5, 2), (2, 3)]  # odd/even N and D
NORMS = ["ortho", "backward", "forward"]


def _dft(n: int) -> np.ndarray:
    """The page's (F_n)_{kj} = exp(-2 pi i jk / n), the exponent reduced mod n for accurate entries."""
    j, k = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return np.exp(-2j * np.pi * ((j * k) % n) / n)


def _c(norm: str, length: int) -> float:
    """The page's norm factor c over a transformed length (ND for 2-D, N or D for 1-D)."""
    return {"ortho": 1 / np.sqrt(length), "backward": 1.0, "forward": 1.0 / length}[norm]


def _atol(v: np.ndarray, terms: int) -> float:
    """Entrywise bound for a dense sum of `terms` products of v's entries with unit-modulus factors."""
    return 8 * (terms + 4) * EPS64 * max(1.0, float(np.abs(v).sum()))  # recursive sum: (terms+2) eps, x2 per pass


def _randn(rng, shape, complex_=False):
    x = rng.standard_normal(shape)
    return x + 1j * rng.standard_normal(shape) if complex_ else x


def _fwd(layer, x, **kwargs):
    """layer.forward on one (N, D) slice: the layers need a leading batch axis, added here and removed again."""
    if "masks" in kwargs:
        kwargs["masks"] = {k: v[None] for k, v in kwargs["masks"].items()}
    y, ctx = layer.forward(x[None], **kwargs)
    return y[0], ctx


def _bwd(layer, ctx, dy):
    """layer.backward on one (N, D) slice (see _fwd)."""
    dx, grads = layer.backward(ctx, dy[None])
    return dx[0], grads


# ----------------------------------------------------------------------------------------------------------
# FourierMixing


@pytest.mark.parametrize("n, d", SIZES)
@pytest.mark.parametrize("norm", NORMS)
def test_forward_eqs_1_2_dense_dft(n, d, norm):
    """docs/layers/fourier_mixing.md, Notation and FourierMixing Forward, eqs. (1)-(2): h = Re(c F_N X F_D), and
    h = c F_N X F_D with keep_complex, against FourierMixing.forward (real and complex input)."""
    rng = np.random.default_rng(1)
    fn, fd = _dft(n), _dft(d)
    c = _c(norm, n * d)
    for complex_input in (False, True):
        x = _randn(rng, (n, d), complex_input)
        z = c * fn @ x @ fd
        y, _ = _fwd(FourierMixing(d, fft_norm=norm), x)
        np.testing.assert_allclose(y, z.real, rtol=0, atol=_atol(x, n * d))  # dense sum of ND terms
        yc, _ = _fwd(FourierMixing(d, fft_norm=norm, keep_complex=True), x)
        np.testing.assert_allclose(yc, z, rtol=0, atol=_atol(x, n * d))  # dense sum of ND terms


@pytest.mark.parametrize("n, d", SIZES)
@pytest.mark.parametrize("norm", NORMS)
def test_backward_eqs_4_to_7_dense_adjoint(n, d, norm):
    """docs/layers/fourier_mixing.md, FourierMixing Backward, eqs. (4)-(7): xbar = Re(c F_N^H ybar' F_D^H) for real
    input, c F_N^H (ybar' + 0i) F_D^H for complex input, ybar' = m * ybar / (1 - p), against
    FourierMixing.backward in training mode with an injected mask."""
    rng = np.random.default_rng(2)
    fn, fd = _dft(n), _dft(d)
    c = _c(norm, n * d)
    p = 0.25
    mask = rng.random((n, d)) >= p
    dy = rng.standard_normal((n, d))
    dyp = mask * dy / (1 - p)  # eq. (4)
    full = c * fn.conj().T @ (dyp + 0j) @ fd.conj().T  # eqs. (5), (6)
    layer = FourierMixing(d, dropout=p, fft_norm=norm)
    for complex_input, expected in ((False, full.real), (True, full)):  # eq. (7) for the real input
        x = _randn(rng, (n, d), complex_input)
        _, ctx = _fwd(layer, x, training=True, masks={"dropout": mask})
        dx, grads = _bwd(layer, ctx, dy)
        assert grads == {}
        assert np.iscomplexobj(dx) == complex_input
        np.testing.assert_allclose(dx, expected, rtol=0, atol=_atol(dyp, n * d))  # dense sum of ND terms


@pytest.mark.parametrize("n, d", [(3, 4), (4, 3)])
def test_backward_keep_complex_is_fh_of_cotangent(n, d):
    """docs/layers/fourier_mixing.md, FourierMixing Backward (end): with keep_complex the map is C-linear and
    xbar = F^H ybar' (its real part for real input, eq. (7)), against FourierMixing.backward."""
    rng = np.random.default_rng(3)
    fn, fd = _dft(n), _dft(d)
    c = _c("ortho", n * d)
    dy = _randn(rng, (n, d), True)
    expected = c * fn.conj().T @ dy @ fd.conj().T
    layer = FourierMixing(d, keep_complex=True)
    for complex_input in (False, True):
        x = _randn(rng, (n, d), complex_input)
        _, ctx = _fwd(layer, x)
        dx, _ = _bwd(layer, ctx, dy)
        want = expected if complex_input else expected.real
        np.testing.assert_allclose(dx, want, rtol=0, atol=_atol(dy, n * d))  # dense sum of ND terms


@pytest.mark.parametrize("n, d", [(3, 4), (4, 5)])
def test_backward_matches_central_differences(n, d):
    """docs/layers/fourier_mixing.md, Notation (complex-gradient convention dL/da + i dL/db) and eqs. (4)-(7):
    central differences of L = <g, y> in Re and Im of a complex input, against FourierMixing.backward."""
    rng = np.random.default_rng(4)
    layer = FourierMixing(d)
    x = _randn(rng, (n, d), True)
    g = rng.standard_normal((n, d))
    _, ctx = _fwd(layer, x)
    dx, _ = _bwd(layer, ctx, g)
    fd = np.zeros((n, d), complex)
    h = 0.5  # the map is linear: the central difference is exact up to rounding for any step
    for idx in np.ndindex(n, d):
        for unit in (1.0, 1j):
            e = np.zeros((n, d), complex)
            e[idx] = h * unit
            diff = np.sum(g * (_fwd(layer, x + e)[0] - _fwd(layer, x - e)[0])) / (2 * h)
            fd[idx] += diff * unit
    np.testing.assert_allclose(dx, fd, rtol=0, atol=_atol(x, n * d))  # two forwards of ND-term sums each


@pytest.mark.parametrize("n, d", [(3, 4), (4, 5), (2, 2)])
@pytest.mark.parametrize("norm", NORMS)
def test_real_part_map_is_the_symmetric_matrix_m(n, d, norm):
    """docs/layers/fourier_mixing.md, FourierMixing Backward: on real arrays x -> Re F x is the symmetric matrix
    M = c (C_N (x) C_D - S_N (x) S_D), C = Re F, S = -Im F, so the backward applies M to the cotangent; against
    FourierMixing.forward and .backward."""
    rng = np.random.default_rng(5)
    fn, fd = _dft(n), _dft(d)
    cn, cd, sn, sd = fn.real, fd.real, -fn.imag, -fd.imag
    m = _c(norm, n * d) * (np.kron(cn, cd) - np.kron(sn, sd))
    np.testing.assert_array_equal(m, m.T)  # symmetric: kron of symmetric matrices, exactly
    layer = FourierMixing(d, fft_norm=norm)
    x = rng.standard_normal((n, d))
    dy = rng.standard_normal((n, d))
    y, ctx = _fwd(layer, x)
    dx, _ = _bwd(layer, ctx, dy)
    np.testing.assert_allclose(y.ravel(), m @ x.ravel(), rtol=0, atol=_atol(x, n * d))  # ND-term sums
    np.testing.assert_allclose(dx.ravel(), m @ dy.ravel(), rtol=0, atol=_atol(dy, n * d))  # ND-term sums


@pytest.mark.parametrize("n, d", [(3, 4), (4, 5), (5, 2)])
def test_square_of_orthonormal_dft_is_index_reversal(n, d):
    """docs/layers/fourier_mixing.md, Energy: (F_n^2)_{jl} = (1/n) sum_k e^{-2 pi i k (j+l)/n} = [j + l = 0 mod n]
    for the orthonormal DFT, so F^2 = P; applying keep_complex FourierMixing ("ortho") twice reverses indices."""
    for size in (n, d):
        f = _dft(size) / np.sqrt(size)
        j, l = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
        np.testing.assert_allclose(f @ f, ((j + l) % size == 0).astype(float), rtol=0,
                                   atol=8 * (size + 4) * EPS64)  # sum of n unit-modulus products over n
    x = np.random.default_rng(6).standard_normal((n, d))
    layer = FourierMixing(d, keep_complex=True)
    twice = _fwd(layer, _fwd(layer, x)[0])[0]
    px = x[(-np.arange(n)) % n][:, (-np.arange(d)) % d]
    np.testing.assert_allclose(twice, px, rtol=0, atol=_atol(x, n * d))  # two FFTs of ND-term sums


@pytest.mark.parametrize("n, d", SIZES)
@pytest.mark.parametrize("norm", NORMS)
def test_energy_relation_of_the_real_part(n, d, norm):
    """docs/layers/fourier_mixing.md, Energy: ||Re F z||^2 = (1/2)(||z||^2 + Re sum_{j,l} z_{j,l} z_{-j,-l}) for
    "ortho" (times ND for "backward", 1/(ND) for "forward"), looped over (j, l) as written, against the squared
    norm of FourierMixing.forward on complex input."""
    rng = np.random.default_rng(7)
    z = _randn(rng, (n, d), True)
    cross = 0.0
    for j in range(n):
        for l in range(d):
            cross += (z[j, l] * z[(-j) % n, (-l) % d]).real
    factor = {"ortho": 1.0, "backward": n * d, "forward": 1.0 / (n * d)}[norm]
    expected = factor * 0.5 * (np.sum(np.abs(z) ** 2) + cross)
    y, _ = _fwd(FourierMixing(d, fft_norm=norm), z)
    np.testing.assert_allclose(np.sum(y**2), expected, rtol=64 * (n * d + 4) * EPS64,  # ND-term sums, squared
                               atol=64 * (n * d + 4) * EPS64 * factor * np.sum(np.abs(z) ** 2))  # cancellation


@pytest.mark.parametrize("n, d", [(3, 4), (4, 5), (2, 2), (1, 2)])
def test_mtm_is_half_identity_plus_p_and_rank(n, d):
    """docs/layers/fourier_mixing.md, Energy: M^T M = (I + P)/2, with singular value 1 on a P-even subspace of
    dimension (ND + f)/2 (f the fixed points of P) and 0 elsewhere; unitary only when N <= 2 and D <= 2. The
    matrix of FourierMixing.forward on the unit basis is compared with (I + P)/2 built from the index map."""
    layer = FourierMixing(d)
    eye = np.eye(n * d)
    m = np.stack([_fwd(layer, eye[i].reshape(n, d))[0].ravel() for i in range(n * d)], axis=1)
    p = np.zeros((n * d, n * d))
    fixed = 0
    for j in range(n):
        for l in range(d):
            p[j * d + l, ((-j) % n) * d + (-l) % d] = 1.0
            fixed += (j == (-j) % n) and (l == (-l) % d)
    np.testing.assert_allclose(m.T @ m, (eye + p) / 2, rtol=0, atol=16 * (n * d + 4) * EPS64)  # ND-term sums
    sv = np.linalg.svd(m, compute_uv=False)
    assert np.sum(sv > 0.5) == (n * d + fixed) // 2
    np.testing.assert_allclose(sv[sv > 0.5], 1.0, rtol=0, atol=1e-12)  # LAPACK SVD of an ND <= 20 matrix: O(ND eps)
    assert (n <= 2 and d <= 2) == np.array_equal(p, eye)


def test_real_part_is_not_translation_equivariant():
    """docs/layers/fourier_mixing.md, Energy (last paragraph): a circular shift multiplies F x by a phase, so
    Re F (shift x) differs from shift(Re F x); FourierMixing.get_spectral_properties says False."""
    n, d = 4, 3
    x = np.random.default_rng(8).standard_normal((n, d))
    layer = FourierMixing(d)
    shifted = _fwd(layer, np.roll(x, 1, axis=0))[0]
    fn, fd = _dft(n), _dft(d)
    phase = np.exp(-2j * np.pi * np.arange(n) / n)[:, None]  # e^{-2 pi i k s / N}, s = 1
    expected = (phase * (fn @ x @ fd)).real / np.sqrt(n * d)
    np.testing.assert_allclose(shifted, expected, rtol=0, atol=_atol(x, n * d))  # dense ND-term sums
    assert not np.allclose(shifted, np.roll(_fwd(layer, x)[0], 1, axis=0))
    assert layer.get_spectral_properties()["translation_equivariant"] is False


# ----------------------------------------------------------------------------------------------------------
# FourierMixing1D


@pytest.mark.parametrize("n, d", SIZES)
@pytest.mark.parametrize("norm", NORMS)
def test_fourier_mixing_1d_eqs_8_9(n, d, norm):
    """docs/layers/fourier_mixing.md, FourierMixing1D, eqs. (8)-(9): h = Re(c F_N x) along axis -2 and
    xbar = Re(c F_N^H ybar) (real input), c F_N^H ybar with keep_complex, against FourierMixing1D."""
    rng = np.random.default_rng(9)
    fn = _dft(n)
    c = _c(norm, n)
    x = rng.standard_normal((2, n, d))  # a leading batch axis: the sequence axis stays -2
    dy = rng.standard_normal((2, n, d))
    layer = FourierMixing1D(d, fft_norm=norm)
    y, ctx = _fwd(layer, x)
    dx, _ = _bwd(layer, ctx, dy)
    np.testing.assert_allclose(y, (c * fn @ x).real, rtol=0, atol=_atol(x, n))  # N-term sums
    np.testing.assert_allclose(dx, (c * fn.conj().T @ dy).real, rtol=0, atol=_atol(dy, n))  # N-term sums
    lc = FourierMixing1D(d, fft_norm=norm, keep_complex=True)
    xc = _randn(rng, (n, d), True)
    dyc = _randn(rng, (n, d), True)
    yc, ctx = _fwd(lc, xc)
    dxc, _ = _bwd(lc, ctx, dyc)
    np.testing.assert_allclose(yc, c * fn @ xc, rtol=0, atol=_atol(xc, n))  # N-term sums
    np.testing.assert_allclose(dxc, c * fn.conj().T @ dyc, rtol=0, atol=_atol(dyc, n))  # N-term sums


# ----------------------------------------------------------------------------------------------------------
# RealFourierMixing


def _e_loop(r: np.ndarray, d: int) -> np.ndarray:
    """Eq. (12) as written: h_{k,l} = R_{k,l} (l < h), R_{(-k) mod N, D - l} (h <= l < D)."""
    n, half = r.shape[0], d // 2 + 1
    out = np.empty((n, d))
    for k in range(n):
        for l in range(d):
            out[k, l] = r[k, l] if l < half else r[(-k) % n, d - l]
    return out


def _et_loop(hbar: np.ndarray, d: int) -> np.ndarray:
    """Eq. (13) as written: Rbar_{k,l} = hbar_{k,l} + [1 <= l <= D - h] hbar_{(-k) mod N, D - l}."""
    n, half = hbar.shape[0], d // 2 + 1
    out = np.empty((n, half))
    for k in range(n):
        for l in range(half):
            out[k, l] = hbar[k, l] + (hbar[(-k) % n, d - l] if 1 <= l <= d - half else 0.0)
    return out


@pytest.mark.parametrize("n, d", [(6, 4), (7, 5), (5, 6), (4, 7), (3, 1), (1, 2)])
def test_hermitian_symmetry_and_rebuild_eqs_10_12(n, d):
    """docs/layers/fourier_mixing.md, RealFourierMixing, Deriving Re fft2 from rfft2 and eqs. (10)-(12):
    X_{k,l} = conj X_{-k,-l} for real x, and E R (looped as written, R the real part of the kept columns
    l < floor(D/2) + 1 of the dense X) equals Re X; against hermitian_real_2d."""
    x = np.random.default_rng(10).standard_normal((n, d))
    big_x = _dft(n) @ x @ _dft(d)
    rev = big_x[(-np.arange(n)) % n][:, (-np.arange(d)) % d]
    np.testing.assert_allclose(big_x, rev.conj(), rtol=0, atol=_atol(x, n * d))  # two dense ND-term sums
    r = big_x[:, : d // 2 + 1].real  # eqs. (10), (11)
    np.testing.assert_allclose(_e_loop(r, d), big_x.real, rtol=0, atol=_atol(x, n * d))  # dense ND-term sums
    np.testing.assert_array_equal(hermitian_real_2d(r, n=d), _e_loop(r, d))  # pure copies: exact


@pytest.mark.parametrize("n, d", [(6, 4), (7, 5), (5, 6), (4, 7), (3, 1), (1, 2)])
def test_hermitian_rebuild_adjoint_eq_13(n, d):
    """docs/layers/fourier_mixing.md, RealFourierMixing Backward, eq. (13): Rbar = E^T hbar, looped as written,
    equals the transpose of E's dense matrix (built from eq. (12)) and hermitian_real_2d_adjoint."""
    half = d // 2 + 1
    hbar = np.random.default_rng(11).standard_normal((n, d))
    basis = np.eye(n * half)
    e = np.stack([_e_loop(basis[i].reshape(n, half), d).ravel() for i in range(n * half)], axis=1)
    np.testing.assert_array_equal(_et_loop(hbar, d).ravel(), e.T @ hbar.ravel())  # 0/1 matrix, <= 2 terms: exact
    got = hermitian_real_2d_adjoint(hbar, input_shape=(n, half), n=d)
    np.testing.assert_array_equal(got, _et_loop(hbar, d))  # one addition per entry, same order: exact


@pytest.mark.parametrize("n, d", [(3, 4), (4, 5), (5, 2), (4, 7)])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("use_real_fft", [True, False])
def test_real_fourier_mixing_forward_backward(n, d, norm, use_real_fft):
    """docs/layers/fourier_mixing.md, RealFourierMixing, eqs. (10)-(15) (and (1)-(7) with use_real_fft=False):
    h = Re(c F_N x F_D) and xbar = Re(c F_N^H ybar F_D^H) (the rfft2 adjoint weighting every bin once),
    dense, against RealFourierMixing.forward and .backward."""
    rng = np.random.default_rng(12)
    fn, fd = _dft(n), _dft(d)
    c = _c(norm, n * d)
    x = rng.standard_normal((n, d))
    dy = rng.standard_normal((n, d))
    layer = RealFourierMixing(d, use_real_fft=use_real_fft, fft_norm=norm)
    y, ctx = _fwd(layer, x)
    dx, _ = _bwd(layer, ctx, dy)
    np.testing.assert_allclose(y, (c * fn @ x @ fd).real, rtol=0, atol=_atol(x, n * d))  # ND-term sums
    expected_dx = (c * fn.conj().T @ dy @ fd.conj().T).real
    np.testing.assert_allclose(dx, expected_dx, rtol=0, atol=_atol(dy, n * d))  # ND-term sums


@pytest.mark.parametrize("n, d", [(3, 4), (4, 5)])
def test_fourier_mixing_fused_and_chain_paths_equal_dense(n, d):
    """docs/layers/fourier_mixing.md, FourierMixing computes the same way: the real-input path by (10)-(15), fused
    or as the chain (fused_fast_path = False), equals the dense Re F_{N,D} and its adjoint."""
    rng = np.random.default_rng(13)
    fn, fd = _dft(n), _dft(d)
    c = _c("ortho", n * d)
    x = rng.standard_normal((n, d))
    dy = rng.standard_normal((n, d))
    for fused in (True, False):
        layer = FourierMixing(d)
        layer.fused_fast_path = fused
        y, ctx = _fwd(layer, x)
        dx, _ = _bwd(layer, ctx, dy)
        np.testing.assert_allclose(y, (c * fn @ x @ fd).real, rtol=0, atol=_atol(x, n * d))  # ND-term sums
        np.testing.assert_allclose(dx, (c * fn.conj().T @ dy @ fd.conj().T).real, rtol=0,
                                   atol=_atol(dy, n * d))  # ND-term sums


# ----------------------------------------------------------------------------------------------------------
# SeparableFourierMixing


@pytest.mark.parametrize("n, d", SIZES)
@pytest.mark.parametrize("norm", NORMS)
def test_separable_eqs_16_19_real_input(n, d, norm):
    """docs/layers/fourier_mixing.md, SeparableFourierMixing, eqs. (16)-(19) and A coherent choice: for real x
    v = C_N x C_D with C = c Re F, and ubar, xbar by (18)-(19) = C_N ybar C_D; against
    SeparableFourierMixing.forward and .backward; and Re(F_N x F_D) = C_N x C_D - S_N x S_D."""
    rng = np.random.default_rng(14)
    fn, fd = _dft(n), _dft(d)
    cn, cd = _c(norm, n) * fn.real, _c(norm, d) * fd.real
    sn, sd = -_c(norm, n) * fn.imag, -_c(norm, d) * fd.imag
    x = rng.standard_normal((n, d))
    dy = rng.standard_normal((n, d))
    layer = SeparableFourierMixing(d, fft_norm=norm)
    y, ctx = _fwd(layer, x)
    dx, _ = _bwd(layer, ctx, dy)
    np.testing.assert_allclose(y, cn @ x @ cd, rtol=0, atol=_atol(x, n * d))  # ND-term sums
    ubar = (_c(norm, d) * (dy + 0j) @ fd.conj().T).real  # eq. (18)
    xbar = (_c(norm, n) * fn.conj().T @ (ubar + 0j)).real  # eq. (19), real part for real x
    np.testing.assert_allclose(dx, xbar, rtol=0, atol=_atol(dy, n * d))  # ND-term sums
    full = (_c(norm, n) * _c(norm, d) * fn @ x @ fd).real
    np.testing.assert_allclose(full, cn @ x @ cd - sn @ x @ sd, rtol=0, atol=_atol(x, n * d))  # ND-term sums


@pytest.mark.parametrize("mix_sequence, mix_features", [(True, False), (False, True)])
def test_separable_one_step_complex_input(mix_sequence, mix_features):
    """docs/layers/fourier_mixing.md, SeparableFourierMixing, eqs. (16)-(19) with one flag off and complex x:
    the forward is Re(c F x) along the mixed axis, and the backward c F^H (vbar + 0i) without the real part
    (the note after (19)); against SeparableFourierMixing."""
    n, d = 3, 4
    rng = np.random.default_rng(15)
    x = _randn(rng, (n, d), True)
    dy = rng.standard_normal((n, d))
    layer = SeparableFourierMixing(d, mix_sequence=mix_sequence, mix_features=mix_features)
    y, ctx = _fwd(layer, x)
    dx, _ = _bwd(layer, ctx, dy)
    if mix_sequence:
        f = _dft(n) / np.sqrt(n)
        want_y, want_dx = (f @ x).real, f.conj().T @ (dy + 0j)
    else:
        f = _dft(d) / np.sqrt(d)
        want_y, want_dx = (x @ f).real, (dy + 0j) @ f.conj().T
    np.testing.assert_allclose(y, want_y, rtol=0, atol=_atol(x, max(n, d)))  # 1-D sums of <= 4 terms
    np.testing.assert_allclose(dx, want_dx, rtol=0, atol=_atol(dy, max(n, d)))  # 1-D sums of <= 4 terms


# ----------------------------------------------------------------------------------------------------------
# Dropout and complex outputs


def test_dropout_on_complex_output_and_its_adjoint():
    """docs/layers/fourier_mixing.md, Dropout and complex outputs: y = m * z / (1 - p) with the real keep-mask on
    both parts of a complex output, and the adjoint the same real scaling (eq. (4)); against FourierMixing with
    keep_complex in training mode."""
    n, d, p = 3, 4, 0.4
    rng = np.random.default_rng(16)
    mask = rng.random((n, d)) >= p
    x = rng.standard_normal((n, d))
    dy = _randn(rng, (n, d), True)
    fn, fd = _dft(n), _dft(d)
    c = _c("ortho", n * d)
    layer = FourierMixing(d, dropout=p, keep_complex=True)
    y, ctx = _fwd(layer, x, training=True, masks={"dropout": mask})
    np.testing.assert_allclose(y, mask * (c * fn @ x @ fd) / (1 - p), rtol=0,
                               atol=_atol(x, n * d) / (1 - p))  # ND-term sums, scaled by 1/(1-p)
    dx, _ = _bwd(layer, ctx, dy)
    want = (c * fn.conj().T @ (mask * dy / (1 - p)) @ fd.conj().T).real
    np.testing.assert_allclose(dx, want, rtol=0, atol=_atol(dy, n * d) / (1 - p))  # ND-term sums, scaled


@pytest.mark.parametrize("n, d", [(3, 4), (4, 5), (5, 1)])
@pytest.mark.parametrize("norm", NORMS)
def test_rfft2_adjoint_eq_15_weights_every_bin_once(n, d, norm):
    """docs/layers/fourier_mixing.md, RealFourierMixing Backward, eq. (15): rfft2^*(Hbar) zero-pads the half
    spectrum, takes the inverse DFT and the real part, every bin with weight 1: Re(c F_N^H pad(Hbar) F_D^H);
    against specref.transforms.fourier.rfft2_adjoint, and the dot test <rfft2 x, Hbar> = <x, rfft2^* Hbar>."""
    rng = np.random.default_rng(17)
    half = d // 2 + 1
    hbar = _randn(rng, (n, half), True)
    pad = np.zeros((n, d), complex)
    pad[:, :half] = hbar
    c = _c(norm, n * d)
    expected = (c * _dft(n).conj().T @ pad @ _dft(d).conj().T).real
    got = rfft2_adjoint(hbar, input_shape=(n, d), axes=(-2, -1), norm=norm)
    np.testing.assert_allclose(got, expected, rtol=0, atol=_atol(hbar, n * d))  # dense ND-term sums
    x = rng.standard_normal((n, d))
    forward = (c * _dft(n) @ x @ _dft(d))[:, :half]
    np.testing.assert_allclose(np.sum((forward.conj() * hbar).real), np.sum(x * got), rtol=0,
                               atol=_atol(x, n * d) * np.abs(hbar).sum())  # two ND-term sums, then a dot


def test_backward_stores_only_shape_and_mask():
    """docs/layers/fourier_mixing.md, Cost: the backward stores nothing but the input's shape and the dropout mask
    (every step is linear): FourierMixingCtx holds the shape, the input kind and the mask, no arrays of x."""
    layer = FourierMixing(4, dropout=0.5)
    x = np.random.default_rng(18).standard_normal((1, 3, 4))
    mask = np.ones((1, 3, 4), bool)
    _, ctx = layer.forward(x, training=True, masks={"dropout": mask})
    arrays = [k for k, v in vars(ctx).items() if isinstance(v, np.ndarray)]
    assert arrays == ["mask"]
    assert ctx.input_shape == (1, 3, 4)
