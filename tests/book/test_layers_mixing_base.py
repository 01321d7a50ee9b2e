"""Guards for docs/layers/mixing_base.md: each formula the page states, evaluated independently.

Expected values come from dense DFT matrices :math:`(F_n)_{kj} = e^{-2\\pi i jk/n}`, NumPy's SVD, loops over the
energies and Gram matrices as the page defines them, and the frequency-response table written out entry by
entry; they are compared with the base-class methods (``compute_spectral_norm``, ``linear_map_matrix``,
``compute_operator_norm``, ``error_scale``, ``verify_energy_preservation``, ``verify_orthogonality``,
``analyze_frequency_response``) on FourierMixing and GlobalFilterMixing.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.layers.mixing.base import MixingLayer
from specref.layers.mixing.fourier import FourierMixing
from specref.layers.mixing.global_filter import GlobalFilterMixing

EPS64 = np.finfo(np.float64).eps
EPS32 = float(np.finfo(np.float32).eps)


def _dft(n: int) -> np.ndarray:
    """(F_n)_{kj} = exp(-2 pi i jk / n), the exponent reduced mod n for accurate entries."""
    j, k = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return np.exp(-2j * np.pi * ((j * k) % n) / n)


def _fft2_matrix(n: int, d: int, c: float) -> np.ndarray:
    """The map x -> c F_N x F_D on row-major (N, D) vectors: c kron(F_N, F_D) (F_D symmetric)."""
    return c * np.kron(_dft(n), _dft(d))


# ----------------------------------------------------------------------------------------------------------
# MixingLayer


@pytest.mark.parametrize("shape", [(2, 3, 4), (5, 3), (2, 2, 2, 5)])
@pytest.mark.parametrize("complex_", [False, True])
def test_compute_spectral_norm_is_sigma_max_of_the_reshaped_data(shape, complex_):
    """docs/layers/mixing_base.md, MixingLayer, compute_spectral_norm: the tensor (..., D) as the M x D matrix A,
    ||A||_2 = sigma_max(A) = max_{||v|| = 1} ||A v||: the square root of the largest eigenvalue of A^H A (power
    iteration written out) and numpy.linalg.norm(ord=2); against MixingLayer.compute_spectral_norm."""
    rng = np.random.default_rng(1)
    t = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if complex_ else 0)
    a = t.reshape(-1, shape[-1])
    gram = a.conj().T @ a
    v = np.ones(shape[-1], dtype=gram.dtype)
    for _ in range(500):
        v = gram @ v
        v /= np.linalg.norm(v)
    sigma = math.sqrt(float(np.real(v.conj() @ gram @ v)))
    got = float(FourierMixing(shape[-1]).compute_spectral_norm(t))
    assert got == pytest.approx(sigma, rel=1e-10)  # power iteration: ratio of the top two eigenvalues^500
    assert got == pytest.approx(np.linalg.norm(a, ord=2), rel=16 * EPS64 * a.size)  # two SVDs of a small matrix


@pytest.mark.parametrize("n, d", [(3, 4), (4, 3), (2, 2)])
@pytest.mark.parametrize("norm", ["ortho", "backward"])
def test_linear_map_matrix_and_operator_norm(n, d, norm):
    """docs/layers/mixing_base.md, MixingLayer, linear_map_matrix and compute_operator_norm: column i is the
    output for the i-th row-major basis input, M @ x.ravel() == layer(x[None])[0].ravel(); for FourierMixing
    M = Re(c kron(F_N, F_D)) (complex with keep_complex); the operator norm sigma_max(M) is 1 for the unitary
    map, 1 for the real part (a projection), sqrt(ND) for the same with fft_norm="backward"; against the layers."""
    c = 1 / math.sqrt(n * d) if norm == "ortho" else 1.0
    dense = _fft2_matrix(n, d, c)
    x = np.random.default_rng(2).standard_normal((n, d))
    tol = 16 * (n * d + 4) * EPS64 * max(1.0, c * n * d)  # dense ND-term sums with |entries| <= c
    for keep_complex, expected in ((False, dense.real), (True, dense)):
        layer = FourierMixing(d, fft_norm=norm, keep_complex=keep_complex)
        m = layer.linear_map_matrix(n)
        assert np.iscomplexobj(m) == keep_complex
        np.testing.assert_allclose(m, expected, rtol=0, atol=tol)  # see tol
        np.testing.assert_allclose(m @ x.ravel(), layer(x[None])[0].ravel(), rtol=0,
                                   atol=tol * np.abs(x).sum())  # ND-term sums of the columns above
        want = 1.0 if norm == "ortho" else math.sqrt(n * d)
        assert float(layer.compute_operator_norm(n)) == pytest.approx(want, rel=1e-13)  # SVD of <= 16 x 16: O(m eps)


@pytest.mark.parametrize("input_shape", [(2, 4, 3), (1, 7, 5), (8, 8)])
def test_default_error_scale(input_shape):
    """docs/layers/mixing_base.md, MixingLayer, error_scale: the default claim is 2 (1 + log2 ND), one FFT over
    the ND points of a slice; against MixingLayer.error_scale (a subclass that does not override it)."""

    class Plain(MixingLayer):
        def get_spectral_properties(self):
            return {}

    n, d = input_shape[-2:]
    assert Plain(d).error_scale(input_shape) == pytest.approx(2 * (1 + math.log2(n * d)),
                                                              rel=4 * EPS64)  # a log2, one add, one product


def test_verify_shape_consistency_and_zero_length():
    """docs/layers/mixing_base.md, verify_shape_consistency is x.shape == y.shape (any leading batch, dtypes may
    differ); Sequences of length 0: every layer refuses (B, 0, D) with a ValueError naming the length."""
    layer = FourierMixing(4)
    assert layer.verify_shape_consistency(np.zeros((2, 3, 3, 4)), np.zeros((2, 3, 3, 4), complex))
    assert not layer.verify_shape_consistency(np.zeros((2, 3, 4)), np.zeros((2, 4, 4)))
    for lay in (FourierMixing(4), GlobalFilterMixing(4, 3)):
        with pytest.raises(ValueError, match="sequence of length 0"):
            lay.forward(np.zeros((2, 0, 4)))


# ----------------------------------------------------------------------------------------------------------
# UnitaryMixingLayer: verify_energy_preservation


def _energy_defect(x, y):
    """delta = max over batch of |E_y - E_x| / E_x, E = sum_{n,d} |v_nd|^2 (0 where both are 0, inf where only
    E_x is 0), looped as the page defines it."""
    out = []
    for xb, yb in zip(x.reshape(-1, *x.shape[-2:]), y.reshape(-1, *y.shape[-2:]), strict=True):
        ex = sum(abs(v) ** 2 for v in xb.ravel())
        ey = sum(abs(v) ** 2 for v in yb.ravel())
        out.append((0.0 if ey == 0 else math.inf) if ex == 0 else abs(ey - ex) / ex)
    return max(out)


@pytest.mark.parametrize("n, d", [(4, 3), (5, 4)])
def test_energy_preservation_measured_defect(n, d):
    """docs/layers/mixing_base.md, UnitaryMixingLayer, verify_energy_preservation: delta as defined, per batch
    element over the whole (N, D) slice; FourierMixing(keep_complex=True) passes, FourierMixing fails with
    delta = max |<x, Px> - ||x||^2| / (2 ||x||^2) ~ 0.5 (The truth for FNet, P the index reversal); zero energies;
    against verify_energy_preservation."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, n, d))
    unitary = FourierMixing(d, keep_complex=True)
    res = unitary.verify_energy_preservation(x)
    assert res and res.measured == pytest.approx(_energy_defect(x, unitary(x)), abs=res.tolerance)
    fnet = FourierMixing(d)
    res = fnet.verify_energy_preservation(x)
    px = x[:, (-np.arange(n)) % n][:, :, (-np.arange(d)) % d]
    truth = max(abs(np.sum(xb * pb) - np.sum(xb * xb)) / (2 * np.sum(xb * xb)) for xb, pb in zip(x, px, strict=True))
    assert not res
    assert res.measured == pytest.approx(truth, rel=1e-13)  # ND-term sums and the FFT, relative to delta ~ 0.5
    assert res.measured == pytest.approx(_energy_defect(x, fnet(x)), rel=1e-13)  # as above
    assert 0.2 < res.measured < 0.8
    zero = np.zeros((1, n, d))
    assert unitary.verify_energy_preservation(zero).measured == 0.0
    assert unitary.verify_energy_preservation(zero, np.ones((1, n, d))).measured == math.inf
    loose = fnet.verify_energy_preservation(x, tolerance=fnet.energy_tolerance)
    assert loose.tolerance == 1e-4 and not loose


def test_energy_tolerance_formula_and_stated_numbers():
    """docs/layers/mixing_base.md, verify_energy_preservation, Tolerance: tau = (2c + 2(log2 m + 3)) eps + c^2 eps^2;
    for FourierMixing(keep_complex=True) at N = 16, D = 8 (c = 16, m = 128) this is 52 eps, about 1.2e-14 in
    float64 and 6e-6 in float32; against the tolerance the method reports."""
    layer = FourierMixing(8, keep_complex=True)
    x = np.random.default_rng(4).standard_normal((1, 16, 8))
    c = layer.error_scale(x.shape)
    assert c == 16.0
    m = 128
    tau = (2 * c + 2 * (math.log2(m) + 3)) * EPS64 + (c * EPS64) ** 2
    res = layer.verify_energy_preservation(x)
    assert res.tolerance == pytest.approx(tau, rel=4 * EPS64)  # a handful of roundings
    assert res.tolerance == pytest.approx(52 * EPS64, rel=1e-12)  # c^2 eps^2 / (52 eps) ~ 1e-15
    assert abs(res.tolerance - 1.2e-14) < 0.05e-14
    tau32 = (2 * c + 2 * (math.log2(m) + 3)) * EPS32 + (c * EPS32) ** 2
    assert abs(tau32 - 6e-6) < 0.3e-6  # the page's "6e-6", rounded: 52 * 1.19e-7 = 6.2e-6
    res32 = layer.astype("float32").verify_energy_preservation(x.astype(np.float32))
    assert res32.tolerance == pytest.approx(tau32, rel=1e-6)  # float32 eps in float64 arithmetic


# ----------------------------------------------------------------------------------------------------------
# UnitaryMixingLayer: verify_orthogonality


@pytest.mark.parametrize("n, d", [(3, 4), (4, 3), (2, 2), (1, 2)])
def test_orthogonality_defect_and_tolerance(n, d):
    """docs/layers/mixing_base.md, verify_orthogonality: delta = max_ij |(Q^H Q - I)_ij| with Q the layer's matrix,
    tau = (2c + m + 2) eps + c^2 eps^2 (c = 0 for a matrix given as data); for FNet's real part Q^T Q = (I + P)/2,
    delta = 1/2 except N, D <= 2 (P = I); the orthonormal DFT given as data passes; against the method."""
    fnet = FourierMixing(d)
    res = fnet.verify_orthogonality(sequence_length=n)
    m = n * d
    c = fnet.error_scale((n, d))
    assert res.tolerance == pytest.approx((2 * c + m + 2) * EPS64 + (c * EPS64) ** 2, rel=4 * EPS64)  # roundings
    p = np.zeros((m, m))
    for j in range(n):
        for k in range(d):
            p[j * d + k, ((-j) % n) * d + (-k) % d] = 1.0
    q = _fft2_matrix(n, d, 1 / math.sqrt(m)).real
    delta = np.max(np.abs(q.T @ q - np.eye(m)))
    np.testing.assert_allclose(q.T @ q, (np.eye(m) + p) / 2, rtol=0, atol=16 * (m + 4) * EPS64)  # m-term sums
    assert res.measured == pytest.approx(delta, abs=16 * (m + 4) * EPS64)  # both m-term Gram sums
    small = n <= 2 and d <= 2
    assert bool(res) == small and (small or res.measured == pytest.approx(0.5, abs=1e-13))  # Gram sums, m <= 12
    dft = _fft2_matrix(n, d, 1 / math.sqrt(m))
    given = fnet.verify_orthogonality(dft)
    assert given and given.tolerance == pytest.approx((m + 2) * EPS64, rel=4 * EPS64)  # c = 0: a few roundings
    gram_defect = np.max(np.abs(dft.conj().T @ dft - np.eye(m)))
    assert given.measured == pytest.approx(gram_defect, abs=8 * (m + 4) * EPS64)  # both m-term Gram sums


# ----------------------------------------------------------------------------------------------------------
# FilterMixingLayer: analyze_frequency_response


def _filter_layer(h: np.ndarray) -> GlobalFilterMixing:
    """A GlobalFilterMixing whose response a(W_r) + i a(W_i) is h (identity activation)."""
    n, d = h.shape
    layer = GlobalFilterMixing(d, n, activation="identity")
    return layer.with_params({"filter_real": h.real.copy(), "filter_imag": h.imag.copy()})


def _wrap(v):
    return v - 2 * math.pi * round(v / (2 * math.pi))


@pytest.mark.parametrize("n", [7, 8])
def test_analyze_frequency_response_table(n):
    """docs/layers/mixing_base.md, FilterMixingLayer, analyze_frequency_response: every key of the table written
    out entry by entry (signed frequencies 2 pi k~/n, |H|, arg H, the unwrapped phase phi_0 + sum W(.), the
    circular group delay, the total and passband energies); against GlobalFilterMixing."""
    rng = np.random.default_rng(5)
    d = 2
    h = rng.standard_normal((n, d)) + 1j * rng.standard_normal((n, d))
    h[1, 0] = 0.0  # a zero bin: phase 0 there
    out = _filter_layer(h).analyze_frequency_response(cutoff=0.5)
    signed = [k if k < n / 2 else k - n for k in range(n)]
    dw = 2 * math.pi / n
    np.testing.assert_allclose(out["frequencies"], [2 * math.pi * s / n for s in signed], rtol=0,
                               atol=8 * EPS64)  # one product and division per entry, |value| <= pi
    np.testing.assert_allclose(out["magnitude"], np.abs(h), rtol=2 * EPS64)  # hypot: correctly rounded-ish
    for ch in range(d):
        phase = [math.atan2(v.imag, v.real) if v != 0 else 0.0 for v in h[:, ch]]
        np.testing.assert_allclose(out["phase"][:, ch], phase, rtol=0, atol=4 * EPS64)  # atan2 to an ulp of pi
        unwrapped = [phase[0]]
        for k in range(1, n):
            unwrapped.append(unwrapped[-1] + _wrap(phase[k] - phase[k - 1]))
        np.testing.assert_allclose(out["unwrapped_phase"][:, ch], unwrapped, rtol=0,
                                   atol=8 * n * EPS64 * math.pi)  # n steps of |W| <= pi, one rounding each
        delay = [-(_wrap(phase[(k + 1) % n] - phase[k]) + _wrap(phase[k] - phase[k - 1])) / (2 * dw)
                 for k in range(n)]
        np.testing.assert_allclose(out["group_delay"][:, ch], delay, rtol=0,
                                   atol=16 * EPS64 * math.pi / dw)  # differences of O(pi) values over dw
    power = np.abs(h) ** 2
    total = power.sum(axis=0)
    band = [k for k in range(n) if abs(signed[k]) <= 0.5 * n / 2]
    np.testing.assert_allclose(out["total_energy"], total, rtol=4 * n * EPS64)  # n-term sums of squares
    np.testing.assert_allclose(out["passband_energy"], power[band].sum(axis=0) / total,
                               rtol=8 * n * EPS64)  # two n-term sums, one division
    if n == 8:
        assert band == [0, 1, 2, 6, 7]  # the page's example: |omega| <= pi/2


@pytest.mark.parametrize("n, t", [(8, 3), (8, -2), (7, 2), (7, -3), (5, 1)])
def test_pure_delay_group_delay_and_unwrapped_phase(n, t):
    """docs/layers/mixing_base.md, analyze_frequency_response: a pure delay H_k = e^{-i omega_k t}, integer
    |t| < n/2, gives tau_k = t at every bin and the unwrapped phase -omega_k t (omega_k = 2 pi k/n); against
    GlobalFilterMixing.analyze_frequency_response."""
    omega = 2 * np.pi * np.arange(n) / n
    h = np.exp(-1j * omega * t)[:, None] * np.ones((1, 2))
    out = _filter_layer(h).analyze_frequency_response()
    np.testing.assert_allclose(out["group_delay"], t, rtol=0, atol=64 * EPS64 * n)  # phases to ~eps pi, over dw
    np.testing.assert_allclose(out["unwrapped_phase"][:, 0], -omega * t, rtol=0,
                               atol=16 * n * EPS64 * abs(t) * math.pi)  # n wrapped steps of size <= pi


def test_passband_energy_of_zero_filter_and_cutoff_edges():
    """docs/layers/mixing_base.md, analyze_frequency_response, passband_energy: 0 where the total energy is 0;
    cutoff = 1 counts every bin (ratio 1), cutoff = 0 only DC."""
    zero = _filter_layer(np.zeros((6, 2), complex)).analyze_frequency_response()
    assert np.all(zero["passband_energy"] == 0.0) and np.all(zero["total_energy"] == 0.0)
    h = np.random.default_rng(6).standard_normal((6, 2)) + 0j
    layer = _filter_layer(h)
    np.testing.assert_allclose(layer.analyze_frequency_response(cutoff=1.0)["passband_energy"], 1.0,
                               rtol=8 * EPS64)  # the same sum twice, one division
    np.testing.assert_allclose(layer.analyze_frequency_response(cutoff=0.0)["passband_energy"],
                               h[0].real ** 2 / (h.real**2).sum(axis=0), rtol=16 * EPS64)  # 6-term sums


# ----------------------------------------------------------------------------------------------------------
# The forward and backward every layer has


def test_forward_backward_are_the_vector_jacobian_products():
    """docs/layers/mixing_base.md, The forward and backward every layer has: layer(x) is forward(x)[0];
    backward returns xbar = J_x^* ybar and thetabar = J_theta^* ybar keyed by the parameter names, i.e.
    <xbar, dx> + sum <thetabar, dtheta> = d<ybar, y> along any direction, by central differences; against
    GlobalFilterMixing (non-linear in its filters)."""
    layer = GlobalFilterMixing(3, 5, filter_init_std=1.0, seed=2)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 5, 3))
    ybar = rng.standard_normal(x.shape)
    y, ctx = layer.forward(x)
    np.testing.assert_array_equal(layer(x), y)  # the same computation
    dx, grads = layer.backward(ctx, ybar)
    assert list(grads) == list(layer.params)
    ex = rng.standard_normal(x.shape)
    dirs = {k: rng.standard_normal(np.shape(v)) for k, v in layer.params.items()}
    step = 1e-5  # balances truncation h^2 against rounding eps / h

    def loss(t):
        lay = layer.with_params({k: np.asarray(v) + t * dirs[k] for k, v in layer.params.items()})
        return float(np.sum(ybar * lay(x + t * ex)))

    fd = (loss(step) - loss(-step)) / (2 * step)
    vjp = np.sum(dx * ex) + sum(np.sum(grads[k] * dirs[k]) for k in dirs)
    assert vjp == pytest.approx(fd, rel=1e-7, abs=1e-7)  # h^2 |f'''| ~ 1e-10, eps |loss| / h ~ 1e-10
