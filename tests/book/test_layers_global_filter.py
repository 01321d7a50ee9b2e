"""Guards for docs/layers/global_filter.md: each formula the page states, evaluated independently.

Expected values come from dense DFT matrices :math:`(F_L)_{kj} = e^{-2\\pi i jk/L}` with the page's norm factors
:math:`(c_f, c_i)`, from loops over the sums and interpolation formulas as written, or from central finite
differences; they are compared with GlobalFilterMixing, GlobalFilterMixing2D, AdaptiveGlobalFilter and the
transforms the page names (``irfft_adjoint``, ``rfft_adjoint``, ``hermitian_half``, ``cmul_vjp``, the
interpolations). The tests write the input's length L and the stored filter's N; the page (docs/notation.md)
writes them N and N_max.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.layers.mixing.global_filter import (
    AdaptiveGlobalFilter,
    GlobalFilterMixing,
    GlobalFilterMixing2D,
    adaptive_frequency_weights,
)
from specref.ops.complex import cmul_vjp
from specref.transforms.fourier import irfft_adjoint, rfft_adjoint
from specref.transforms.hermitian import hermitian_half, hermitian_half_adjoint
from specref.transforms.interpolate import (
    interpolate_linear,
    interpolate_linear_adjoint,
    interpolate_periodic,
    interpolate_periodic_adjoint,
)

EPS64 = np.finfo(np.float64).eps


def _dft(n: int) -> np.ndarray:
    """(F_n)_{kj} = exp(-2 pi i jk / n), the exponent reduced mod n for accurate entries."""
    j, k = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return np.exp(-2j * np.pi * ((j * k) % n) / n)


def _factors(norm: str, length: int) -> tuple[float, float]:
    """The page's (c_f, c_i): (1/sqrt L, 1/sqrt L) "ortho", (1, 1/L) "backward", (1/L, 1) "forward"."""
    return {"ortho": (length**-0.5, length**-0.5), "backward": (1.0, 1.0 / length),
            "forward": (1.0 / length, 1.0)}[norm]


def _act(name: str, w: np.ndarray) -> np.ndarray:
    return {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh, "identity": lambda v: v}[name](w)


def _act_prime(name: str, w: np.ndarray) -> np.ndarray:
    """a'(w) from the stored output, per real array: sigma' = s(1 - s), tanh' = 1 - t^2, identity 1."""
    h = _act(name, w)
    return {"sigmoid": h * (1 - h), "tanh": 1 - h**2, "identity": np.ones_like(w)}[name]


def _atol(v: np.ndarray, terms: int) -> float:
    """Entrywise bound for dense sums of `terms` products of v's entries with factors of modulus <= 1."""
    return 16 * (terms + 4) * EPS64 * max(1.0, float(np.abs(v).sum()))  # two passes of (terms+2) eps, x4 margin


def _layer(cls=GlobalFilterMixing, n=5, d=3, **kw):
    kw.setdefault("filter_init_std", 1.0)  # O(1) filters: the activations' derivatives are far from flat
    return cls(d, n, seed=kw.pop("seed", 7), **kw)


def _dense_filter(layer, size=None) -> np.ndarray:
    """(2)-(4) with L = N (P = I): H = a(W_r) + i a(W_i) from the parameters."""
    return _act(layer.activation, layer.params["filter_real"]) + 1j * _act(layer.activation,
                                                                          layer.params["filter_imag"])


def _dense_spectrans(h: np.ndarray, x: np.ndarray, norm: str) -> np.ndarray:
    """spectrans's map: Re(c_i F_L^H (H * c_f F_L x)), full complex DFTs along axis -2."""
    length = x.shape[-2]
    f = _dft(length)
    cf, ci = _factors(norm, length)
    return (ci * f.conj().T @ (h * (cf * f @ x))).real


# ----------------------------------------------------------------------------------------------------------
# Forward


COMBOS = [(4, "ortho", "sigmoid"), (5, "backward", "tanh"), (5, "forward", "identity"), (4, "forward", "sigmoid"),
          (5, "ortho", "tanh"), (4, "backward", "identity")]  # every norm and activation, odd and even N


@pytest.mark.parametrize("n, norm, activation", COMBOS)
def test_forward_eqs_1_to_9_equal_spectrans_complex_chain(n, norm, activation):
    """docs/layers/global_filter.md, Forward, eqs. (1)-(9) with L = N, inference mode: y equals spectrans's
    Re(c_i F^H (H * c_f F x)) with H = a(W_r) + i a(W_i) (activation on each part, (3)), dense; against
    GlobalFilterMixing.forward."""
    layer = _layer(n=n, d=3, activation=activation, fft_norm=norm)
    x = np.random.default_rng(1).standard_normal((2, n, 3))
    y, _ = layer.forward(x)
    expected = _dense_spectrans(_dense_filter(layer), x, norm)
    np.testing.assert_allclose(y, expected, rtol=0, atol=_atol(x, n) * 2)  # |H| <= sqrt 2: factor 2


@pytest.mark.parametrize("n", [4, 5])
def test_only_the_hermitian_part_acts(n):
    """docs/layers/global_filter.md, Only the Hermitian part of H acts: h = c_i F^H (H^h * xhat) with
    H^h_k = (H_k + conj H_{-k})/2 (looped as written), Re H^h_k = (H_r,k + H_r,-k)/2, Im H^h_k = (H_i,k - H_i,-k)/2;
    against effective_filter, and the output against spectrans's full chain with H."""
    layer = _layer(n=n, d=3)
    h = _dense_filter(layer)
    hh = np.empty_like(h)
    for k in range(n):
        hh[k] = 0.5 * (h[k] + np.conj(h[(-k) % n]))
    np.testing.assert_allclose(layer.effective_filter(), hh, rtol=0, atol=4 * EPS64)  # one add, one halving
    rev = (-np.arange(n)) % n
    np.testing.assert_allclose(hh.real, 0.5 * (h.real + h.real[rev]), rtol=0, atol=4 * EPS64)  # the same sums
    np.testing.assert_allclose(hh.imag, 0.5 * (h.imag - h.imag[rev]), rtol=0, atol=4 * EPS64)  # the same sums
    x = np.random.default_rng(2).standard_normal((1, n, 3))
    f = _dft(n)
    by_hermitian = (f.conj().T @ (hh * (f @ x))).real / n
    np.testing.assert_allclose(by_hermitian, _dense_spectrans(h, x, "ortho"), rtol=0,
                               atol=_atol(x, n) * 2)  # two dense chains, |H| <= sqrt 2
    np.testing.assert_allclose(layer.forward(x)[0], by_hermitian, rtol=0, atol=_atol(x, n) * 2)  # the same


@pytest.mark.parametrize("n", [4, 5, 6])
def test_filter_imag_gets_zero_gradient_at_self_conjugate_bins(n):
    """docs/layers/global_filter.md, Only the Hermitian part acts (end): H_i at DC (and Nyquist for even L) does
    not act, so filter_imag gets exactly zero gradient there; central differences of <g, y> in those entries
    are zero too; against GlobalFilterMixing.backward."""
    layer = _layer(n=n, d=2)
    x = np.random.default_rng(3).standard_normal((2, n, 2))
    g = np.random.default_rng(4).standard_normal((2, n, 2))
    y, ctx = layer.forward(x)
    _, grads = layer.backward(ctx, g)
    rows = [0, n // 2] if n % 2 == 0 else [0]
    assert np.all(grads["filter_imag"][rows] == 0.0)
    others = [k for k in range(n) if k not in rows]
    assert np.all(np.abs(grads["filter_imag"][others]) > 1e-6)  # O(0.1) generic gradients, far above rounding
    w = layer.params["filter_imag"]
    for k in rows:
        for c in range(2):
            old = w[k, c]
            w[k, c] = old + 0.1
            up = np.sum(g * layer.forward(x)[0])
            w[k, c] = old - 0.1
            down = np.sum(g * layer.forward(x)[0])
            w[k, c] = old
            assert abs(up - down) <= 64 * EPS64 * np.abs(g).sum() * np.abs(x).sum()  # rounding of two forwards


# ----------------------------------------------------------------------------------------------------------
# Backward


@pytest.mark.parametrize("n, norm, activation", COMBOS)
def test_backward_eqs_9_to_1_against_dense_gradient(n, norm, activation):
    """docs/layers/global_filter.md, Backward, (9*)-(1*) with (3*) read per part (sigma' = H_r(1 - H_r) and
    H_i(1 - H_i), the meaning the code implements): for ell = <g, y>, y = Re(c_i F^H (H * c_f F x)), with
    w = c_i conj(F) g and q = (c_f F x) * w, ell = Re sum H q, so Hbar = conj(sum_batch q),
    Wbar_r = a'(W_r) Re Hbar, Wbar_i = a'(W_i) Im Hbar and xbar = Re(c_f F (H * w)); dense, in training mode
    with an injected output mask (9*); against GlobalFilterMixing.backward."""
    p = 0.25
    layer = _layer(n=n, d=3, activation=activation, fft_norm=norm, dropout=p)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, n, 3))
    dy = rng.standard_normal((2, n, 3))
    mask = rng.random((2, n, 3)) >= p
    _, ctx = layer.forward(x, training=True, masks={"dropout": mask})
    dx, grads = layer.backward(ctx, dy)
    g = mask * dy / (1 - p)  # (9*)
    f = _dft(n)
    cf, ci = _factors(norm, n)
    h = _dense_filter(layer)
    w = ci * f.conj() @ g
    q = np.sum((cf * f @ x) * w, axis=0)
    hbar = np.conj(q)
    tol = _atol(x, n) * _atol(g, n) / (16 * (n + 4) * EPS64)  # products of two dense n-term sums
    np.testing.assert_allclose(grads["filter_real"], _act_prime(activation, layer.params["filter_real"]) * hbar.real,
                               rtol=0, atol=tol)  # see tol
    np.testing.assert_allclose(grads["filter_imag"], _act_prime(activation, layer.params["filter_imag"]) * hbar.imag,
                               rtol=0, atol=tol)  # see tol
    np.testing.assert_allclose(dx, (cf * f @ (h * w)).real, rtol=0, atol=_atol(g, n) * 2)  # |H| <= sqrt 2


@pytest.mark.parametrize("fused", [True, False])
def test_backward_against_central_differences(fused):
    """docs/layers/global_filter.md, Notation (gradient convention) and Backward (9*)-(1*): central differences
    of <g, y> in x (linear: exact up to rounding) and in every filter entry (sigmoid: O(h^2) error); against
    GlobalFilterMixing.backward on the fused and the chain path."""
    n, d = 5, 2
    layer = _layer(n=n, d=d)
    layer.fused_fast_path = fused
    rng = np.random.default_rng(6)
    x = rng.standard_normal((1, n, d))
    g = rng.standard_normal((1, n, d))
    _, ctx = layer.forward(x)
    dx, grads = layer.backward(ctx, g)

    def loss():
        return float(np.sum(g * layer.forward(x)[0]))

    step = 1e-4  # balances truncation h^2 against rounding eps / h for the sigmoid filters
    for name in ("filter_real", "filter_imag"):
        w = layer.params[name]
        fd = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            old = w[idx]
            w[idx] = old + step
            up = loss()
            w[idx] = old - step
            fd[idx] = (up - loss()) / (2 * step)
            w[idx] = old
        np.testing.assert_allclose(grads[name], fd, rtol=0, atol=1e-8)  # h^2 |a'''|/6 ~ 1e-9, eps |L| / h ~ 1e-11
    fdx = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = 1.0
        fdx[idx] = np.sum(g * (layer.forward(x + e)[0] - layer.forward(x - e)[0])) / 2
    np.testing.assert_allclose(dx, fdx, rtol=0, atol=_atol(g, n * d) * 2)  # linear in x; two forwards


@pytest.mark.parametrize("length, norm", [(4, "ortho"), (5, "backward"), (6, "forward"), (7, "ortho")])
def test_irfft_adjoint_eq_8_star_hermitian_weights(length, norm):
    """docs/layers/global_filter.md, Backward (8*): irfft^*(hbar) is the half spectrum of c_i F_L hbar with the
    Hermitian weights (2 except DC and, for even L, Nyquist); and it is the transpose of the dense real map
    yhat -> Re(c_i F^H C^+ yhat) (C^+ the Hermitian completion); against irfft_adjoint."""
    m = length // 2 + 1
    _, ci = _factors(norm, length)
    f = _dft(length)
    hbar = np.random.default_rng(7).standard_normal(length)
    weights = np.full(m, 2.0)
    weights[0] = 1.0
    if length % 2 == 0:
        weights[-1] = 1.0
    expected = weights * (ci * f @ hbar)[:m]
    got = irfft_adjoint(hbar, input_shape=(m,), n=length, norm=norm)
    np.testing.assert_allclose(got, expected, rtol=0, atol=_atol(hbar, length))  # dense L-term sums

    def dense_irfft(yhat):
        full = np.empty(length, complex)
        full[:m] = yhat
        for k in range(m, length):
            full[k] = np.conj(yhat[length - k])
        return (ci * f.conj().T @ full).real

    cols = [dense_irfft(e) for e in np.eye(m)] + [dense_irfft(1j * e) for e in np.eye(m)]
    transpose = np.stack(cols).T  # (L, 2m): columns for Re and Im of each bin
    np.testing.assert_allclose((transpose.T @ hbar)[:m], got.real, rtol=0,
                               atol=_atol(hbar, length))  # dense L-term sums
    np.testing.assert_allclose((transpose.T @ hbar)[m:], got.imag, rtol=0,
                               atol=_atol(hbar, length))  # dense L-term sums


@pytest.mark.parametrize("length", [4, 5])
def test_cmul_vjp_eq_7_star(length):
    """docs/layers/global_filter.md, Backward (7*): xbar_hat = ybar_hat conj(H_hat), H_hat_bar = sum_batch
    ybar_hat conj(x_hat); central differences of Re<ybar, H x> in Re and Im of each entry; against cmul_vjp."""
    rng = np.random.default_rng(8)
    m = length // 2 + 1
    xh = rng.standard_normal((2, m, 3)) + 1j * rng.standard_normal((2, m, 3))
    hh = rng.standard_normal((m, 3)) + 1j * rng.standard_normal((m, 3))
    gy = rng.standard_normal((2, m, 3)) + 1j * rng.standard_normal((2, m, 3))
    dxh, dhh = cmul_vjp(gy, xh, hh, None)

    def loss(a, b):
        return float(np.sum((np.conj(gy) * (b * a)).real))

    fd_h = np.zeros_like(hh)
    for idx in np.ndindex(hh.shape):
        for unit in (1.0, 1j):
            e = np.zeros_like(hh)
            e[idx] = unit
            fd_h[idx] += unit * (loss(xh, hh + e) - loss(xh, hh - e)) / 2  # bilinear: exact up to rounding
    fd_x = np.zeros_like(xh)
    for idx in np.ndindex(xh.shape):
        for unit in (1.0, 1j):
            e = np.zeros_like(xh)
            e[idx] = unit
            fd_x[idx] += unit * (loss(xh + e, hh) - loss(xh - e, hh)) / 2  # bilinear: exact up to rounding
    scale = np.abs(gy).sum() * (np.abs(xh).sum() + np.abs(hh).sum())
    np.testing.assert_allclose(dhh, fd_h, rtol=0, atol=16 * EPS64 * scale)  # sums of |g||x||h| terms
    np.testing.assert_allclose(dxh, fd_x, rtol=0, atol=16 * EPS64 * scale)  # sums of |g||x||h| terms
    np.testing.assert_allclose(dhh, np.sum(gy * np.conj(xh), axis=0), rtol=0, atol=4 * EPS64 * scale)  # 2 terms
    np.testing.assert_allclose(dxh, gy * np.conj(hh), rtol=0, atol=4 * EPS64 * scale)  # one product


@pytest.mark.parametrize("length", [4, 5])
def test_hermitian_half_eq_6_and_adjoint_eq_6_star(length):
    """docs/layers/global_filter.md, Forward (6) and Backward (6*): H_hat = C (H + conj(Pi H))/2 and
    Hbar = (C^T G + conj(Pi C^T G))/2, looped as written; with the dot test in Re<.,.>; against
    hermitian_half and hermitian_half_adjoint."""
    rng = np.random.default_rng(9)
    m = length // 2 + 1
    h = rng.standard_normal((length, 2)) + 1j * rng.standard_normal((length, 2))
    gg = rng.standard_normal((m, 2)) + 1j * rng.standard_normal((m, 2))
    half = np.array([0.5 * (h[k] + np.conj(h[(-k) % length])) for k in range(m)])
    np.testing.assert_allclose(hermitian_half(h, axes=(0,)), half, rtol=0, atol=4 * EPS64 * np.abs(h).max())  # 1 add
    pad = np.zeros((length, 2), complex)
    pad[:m] = gg
    hbar = np.array([0.5 * (pad[k] + np.conj(pad[(-k) % length])) for k in range(length)])
    got = hermitian_half_adjoint(gg, input_shape=(length, 2), axes=(0,))
    np.testing.assert_allclose(got, hbar, rtol=0, atol=4 * EPS64 * np.abs(gg).max())  # one addition
    lhs = np.sum((np.conj(half) * gg).real)
    rhs = np.sum((np.conj(h) * got).real)
    np.testing.assert_allclose(lhs, rhs, rtol=0, atol=8 * length * EPS64 * np.abs(h).sum() * np.abs(gg).sum())  # dots


@pytest.mark.parametrize("length, norm", [(4, "ortho"), (5, "backward"), (5, "forward")])
def test_rfft_adjoint_eq_1_star(length, norm):
    """docs/layers/global_filter.md, Backward (1*): rfft^*(xbar_hat) = Re(c_f F_L^H C^T xbar_hat), zero-pad then
    transform back, dense; against rfft_adjoint."""
    m = length // 2 + 1
    cf, _ = _factors(norm, length)
    rng = np.random.default_rng(10)
    g = rng.standard_normal(m) + 1j * rng.standard_normal(m)
    pad = np.zeros(length, complex)
    pad[:m] = g
    expected = (cf * _dft(length).conj().T @ pad).real
    got = rfft_adjoint(g, input_shape=(length,), norm=norm)
    np.testing.assert_allclose(got, expected, rtol=0, atol=_atol(g, length))  # dense L-term sums


# ----------------------------------------------------------------------------------------------------------
# Interpolation: (2), (2*), filter_interpolation


def _fft_bin_taps(n: int, length: int):
    """The page's "fft_bin": output j at position s = (j + 1/2) N/L - 1/2 (clamped at 0), i0 = floor, i1 = i0+1
    (clamped at N - 1), lambda = s - i0."""
    taps = []
    for j in range(length):
        s = max((j + 0.5) * n / length - 0.5, 0.0)
        i0 = min(math.floor(s), n - 1)
        taps.append((i0, min(i0 + 1, n - 1), s - i0 if i0 < n - 1 else 0.0))
    return taps


def _periodic_taps(n: int, length: int):
    """The page's "frequency": output j reads position j N/L on the circle, wrapping from N - 1 to 0."""
    taps = []
    for j in range(length):
        s = j * n / length
        i0 = math.floor(s)
        taps.append((i0 % n, (i0 + 1) % n, s - i0))
    return taps


def _interp_matrix(taps, n):
    p = np.zeros((len(taps), n))
    for j, (i0, i1, lam) in enumerate(taps):
        p[j, i0] += 1 - lam
        p[j, i1] += lam
    return p


@pytest.mark.parametrize("n, length", [(8, 4), (5, 7), (4, 9), (5, 2)])
@pytest.mark.parametrize("mode", ["fft_bin", "frequency"])
def test_interpolation_eq_2_and_its_adjoint(n, length, mode):
    """docs/layers/global_filter.md, Forward (2) and Backward, The gradient of a filter interpolated from another
    length: W~_j = (1 - lambda_j) W_{i0(j)} + lambda_j W_{i1(j)} with the taps of each mode as the page states
    them, and (Wbar)_i = sum over j reading i of the same weights times (W~bar)_j; against interpolate_linear /
    interpolate_periodic and their adjoints."""
    taps = _fft_bin_taps(n, length) if mode == "fft_bin" else _periodic_taps(n, length)
    fwd, adj = ((interpolate_linear, interpolate_linear_adjoint) if mode == "fft_bin"
                else (interpolate_periodic, interpolate_periodic_adjoint))
    rng = np.random.default_rng(11)
    w = rng.standard_normal((n, 2))
    gbar = rng.standard_normal((length, 2))
    expected = np.array([(1 - lam) * w[i0] + lam * w[i1] for i0, i1, lam in taps])
    np.testing.assert_allclose(fwd(w, size=length, axis=0), expected, rtol=0,
                               atol=4 * EPS64 * np.abs(w).max())  # two products and one add
    back = np.zeros((n, 2))
    for j, (i0, i1, lam) in enumerate(taps):
        back[i0] += (1 - lam) * gbar[j]
        back[i1] += lam * gbar[j]
    np.testing.assert_allclose(adj(gbar, input_shape=(n, 2), size=length, axis=0), back, rtol=0,
                               atol=4 * length * EPS64 * np.abs(gbar).max())  # sums of <= 2L terms
    if length < n / 2:  # a stored row no output reads gets zero gradient
        unread = set(range(n)) - {i for i0, i1, lam in taps for i in (i0, i1) if (1 - lam if i == i0 else lam)}
        assert all(np.all(back[i] == 0) for i in unread)


def test_interpolation_examples_stated_on_the_page():
    """docs/layers/global_filter.md, Resizing the filter: for N = 8 -> L = 4, "fft_bin" gives DC = (H0 + H1)/2 and
    bin 3 = (H6 + H7)/2, "frequency" gives bin 3 = H6 and copies DC (the "fft_bin" clamp for L > N has its own
    test below); "frequency" reads an even L's Nyquist at frequency 1/2 (the
    input's Nyquist for even N, the mean of the bins at +-(N-1)/(2N) for odd N)."""
    h = np.arange(8.0) ** 2 + 1j * np.arange(8.0)
    lin = interpolate_linear(h, size=4, axis=0)
    per = interpolate_periodic(h, size=4, axis=0)
    np.testing.assert_allclose(lin[[0, 3]], [(h[0] + h[1]) / 2, (h[6] + h[7]) / 2], rtol=4 * EPS64)  # 1 add, 1 halving
    assert per[3] == h[6] and per[0] == h[0]
    assert per[2] == h[4]  # Nyquist of L = 4 reads the Nyquist of N = 8
    h5 = np.arange(5.0) ** 2
    per5 = interpolate_periodic(h5, size=4, axis=0)
    np.testing.assert_allclose(per5[2], (h5[2] + h5[3]) / 2, rtol=4 * EPS64)  # bins +-2/5 = +-(N-1)/(2N): one add


@pytest.mark.parametrize("n, length", [(4, 9), (3, 8), (5, 6)])
def test_fft_bin_upsampling_clamps_exactly_past_the_last_cell_centre(n, length):
    """docs/layers/global_filter.md, Resizing the filter, "fft_bin": output bin j reads position
    (j + 1/2) N/L - 1/2, so for L > N the outputs at positions >= N - 1 (the last ones, next to DC from below)
    copy H_{N-1} and no output interpolates across DC; against interpolate_linear."""
    lin_up = interpolate_linear(np.arange(n, dtype=float), size=length, axis=0)
    pos = (np.arange(length) + 0.5) * n / length - 0.5
    np.testing.assert_array_equal(lin_up[pos >= n - 1], n - 1)  # copies: exact
    inside = (pos > 0) & (pos < n - 1)
    np.testing.assert_allclose(lin_up[inside], pos[inside], rtol=0, atol=4 * n * EPS64)  # (1-l) i0 + l i1 = s


def test_periodic_keeps_hermitian_and_fft_bin_does_not():
    """docs/layers/global_filter.md, Resizing the filter: "frequency" commutes with k -> -k, so a Hermitian filter
    stays Hermitian; "fft_bin" does not keep it Hermitian."""
    n, length = 6, 4
    rng = np.random.default_rng(12)
    v = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    herm = 0.5 * (v + np.conj(v[(-np.arange(n)) % n]))
    rev = (-np.arange(length)) % length
    per = interpolate_periodic(herm, size=length, axis=0)
    np.testing.assert_allclose(per, np.conj(per[rev]), rtol=0, atol=4 * EPS64 * np.abs(herm).max())  # 2 products, 1 add
    lin = interpolate_linear(herm, size=length, axis=0)
    assert not np.allclose(lin, np.conj(lin[rev]))


@pytest.mark.parametrize("mode", ["fft_bin", "frequency"])
@pytest.mark.parametrize("n, length", [(5, 7), (6, 4)])
def test_layer_with_interpolated_filter_forward_and_filter_gradient(mode, n, length):
    """docs/layers/global_filter.md, Forward (2)-(8) and Backward (2*) with L != N: the layer filters by
    a(P W_r) + i a(P W_i) with P the interpolation matrix of the page's taps, and the filter gradients are
    P^T of the gradients at length L (dense, as in the (9*)-(1*) test); against GlobalFilterMixing."""
    layer = _layer(n=n, d=2, filter_interpolation=mode)
    taps = _fft_bin_taps(n, length) if mode == "fft_bin" else _periodic_taps(n, length)
    p = _interp_matrix(taps, n)
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, length, 2))
    g = rng.standard_normal((2, length, 2))
    wr, wi = p @ layer.params["filter_real"], p @ layer.params["filter_imag"]
    h = _act("sigmoid", wr) + 1j * _act("sigmoid", wi)
    y, ctx = layer.forward(x)
    np.testing.assert_allclose(y, _dense_spectrans(h, x, "ortho"), rtol=0, atol=_atol(x, length) * 2)  # |H| <= sqrt 2
    _, grads = layer.backward(ctx, g)
    f = _dft(length)
    q = np.sum((f @ x) * (f.conj() @ g), axis=0) / length
    tol = _atol(x, length) * _atol(g, length) / (16 * (length + 4) * EPS64) * n  # products of L-term sums, P^T
    np.testing.assert_allclose(grads["filter_real"], p.T @ (_act_prime("sigmoid", wr) * q.real), rtol=0,
                               atol=tol)  # see tol
    np.testing.assert_allclose(grads["filter_imag"], p.T @ (_act_prime("sigmoid", wi) * -q.imag), rtol=0,
                               atol=tol)  # see tol


# ----------------------------------------------------------------------------------------------------------
# GlobalFilterMixing2D


@pytest.mark.parametrize("size", [(4, 3), (3, 4)])
@pytest.mark.parametrize("norm", ["ortho", "forward"])
def test_global_filter_2d_forward_and_backward(size, norm):
    """docs/layers/global_filter.md, Forward, GlobalFilterMixing2D: xhat = c_f F_L x F_D' with the factors of
    L D' points, y = Re(c_i F_L^H (H * xhat) F_D'^H); the gradient as in 1-D with q = xhat * (c_i conj(F_L) g
    conj(F_D')); dense, against GlobalFilterMixing2D.forward and .backward (tanh)."""
    n, d = size
    layer = _layer(GlobalFilterMixing2D, n=n, d=d, fft_norm=norm, activation="tanh")
    rng = np.random.default_rng(14)
    x = rng.standard_normal((2, n, d))
    g = rng.standard_normal((2, n, d))
    fl, fdd = _dft(n), _dft(d)
    cf, ci = _factors(norm, n * d)
    h = _dense_filter(layer)
    xhat = cf * fl @ x @ fdd
    y, ctx = layer.forward(x)
    expected = (ci * fl.conj().T @ (h * xhat) @ fdd.conj().T).real
    np.testing.assert_allclose(y, expected, rtol=0, atol=_atol(x, n * d) * 2)  # |H| <= sqrt 2
    dx, grads = layer.backward(ctx, g)
    w = ci * fl.conj() @ g @ fdd.conj()
    q = np.sum(xhat * w, axis=0)
    tol = _atol(x, n * d) * _atol(g, n * d) / (16 * (n * d + 4) * EPS64)  # products of two ND-term sums
    np.testing.assert_allclose(grads["filter_real"], _act_prime("tanh", layer.params["filter_real"]) * q.real,
                               rtol=0, atol=tol)  # see tol
    np.testing.assert_allclose(grads["filter_imag"], _act_prime("tanh", layer.params["filter_imag"]) * -q.imag,
                               rtol=0, atol=tol)  # see tol
    np.testing.assert_allclose(dx, (cf * fl @ (h * w) @ fdd).real, rtol=0, atol=_atol(g, n * d) * 2)  # |H| <= sqrt 2


def test_global_filter_2d_bilinear_resize():
    """docs/layers/global_filter.md, Forward, GlobalFilterMixing2D: W~ = P_h W P_w^T from (N, D) to the input's
    (L, D') ("fft_bin" taps on each axis), and Backward (2*) in 2-D, Wbar = P_h^T W~bar P_w; dense."""
    n, d, length, dprime = 4, 3, 5, 2
    layer = _layer(GlobalFilterMixing2D, n=n, d=d, activation="identity")
    ph = _interp_matrix(_fft_bin_taps(n, length), n)
    pw = _interp_matrix(_fft_bin_taps(d, dprime), d)
    rng = np.random.default_rng(15)
    x = rng.standard_normal((1, length, dprime))
    g = rng.standard_normal((1, length, dprime))
    h = ph @ (layer.params["filter_real"] + 1j * layer.params["filter_imag"]) @ pw.T
    fl, fdd = _dft(length), _dft(dprime)
    c = (length * dprime) ** -0.5
    y, ctx = layer.forward(x)
    expected = (c * fl.conj().T @ (h * (c * fl @ x @ fdd)) @ fdd.conj().T).real
    np.testing.assert_allclose(y, expected, rtol=0, atol=_atol(x, length * dprime) * 4)  # |H| <= 2 sqrt 2 here
    _, grads = layer.backward(ctx, g)
    q = np.sum((c * fl @ x @ fdd) * (c * fl.conj() @ g @ fdd.conj()), axis=0)
    tol = _atol(x, length * dprime) * _atol(g, length * dprime) / (16 * 14 * EPS64)  # products of LD'-term sums
    np.testing.assert_allclose(grads["filter_real"], ph.T @ q.real @ pw, rtol=0, atol=tol)  # see tol
    np.testing.assert_allclose(grads["filter_imag"], ph.T @ -q.imag @ pw, rtol=0, atol=tol)  # see tol


# ----------------------------------------------------------------------------------------------------------
# AdaptiveGlobalFilter


@pytest.mark.parametrize("n", [5, 6])
def test_adaptive_initialization_weights(n):
    """docs/layers/global_filter.md, AdaptiveGlobalFilter, Initialization: w_k = v_k / ((1/N) sum_l v_l),
    v_k = 1/(|f_k| + 0.1), f = fftfreq(N) = (0, 1/N, ..., -1/N) (looped): 10 at DC, 1/0.6 at Nyquist, mean 1;
    row k drawn N(0, (std w_k)^2) from default_rng(seed), filter_real first; against
    adaptive_frequency_weights and the layer's parameters."""
    freqs = [k / n if k < (n + 1) // 2 else (k - n) / n for k in range(n)]
    v = [1 / (abs(f) + 0.1) for f in freqs]
    w = np.array([vk / (sum(v) / n) for vk in v])
    assert v[0] == pytest.approx(10.0, rel=2 * EPS64)  # one division
    if n % 2 == 0:
        assert v[n // 2] == pytest.approx(1 / 0.6, rel=4 * EPS64)  # |f| = 1/2: one add, one division
    np.testing.assert_allclose(adaptive_frequency_weights(n), w, rtol=4 * n * EPS64, atol=0)  # n-term mean, 1 div
    assert np.mean(w) == pytest.approx(1.0, rel=4 * n * EPS64)  # n-term sums
    std = 0.3
    layer = AdaptiveGlobalFilter(2, n, filter_init_std=std, seed=3)
    gen = np.random.default_rng(3)
    draws_r, draws_i = gen.standard_normal((n, 2)), gen.standard_normal((n, 2))
    np.testing.assert_allclose(layer.params["filter_real"], draws_r * std * w[:, None], rtol=8 * n * EPS64)  # w's
    np.testing.assert_allclose(layer.params["filter_imag"], draws_i * std * w[:, None], rtol=8 * n * EPS64)  # error


def test_adaptive_regularization_loss_and_vjp():
    """docs/layers/global_filter.md, AdaptiveGlobalFilter, Regularization: rho (||W_r||_F^2 + ||W_i||_F^2), looped;
    0 when rho <= 0; its gradient 2 rho lbar W, also by central differences; against get_regularization_loss and
    get_regularization_loss_vjp."""
    rho, lbar = 0.7, 1.3
    layer = _layer(AdaptiveGlobalFilter, n=4, d=3, filter_regularization=rho)
    wr, wi = layer.params["filter_real"], layer.params["filter_imag"]
    total = 0.0
    for v in np.concatenate([wr.ravel(), wi.ravel()]):
        total += v * v
    assert float(layer.get_regularization_loss()) == pytest.approx(rho * total, rel=48 * EPS64)  # 24-term sums
    grads = layer.get_regularization_loss_vjp(lbar)
    np.testing.assert_allclose(grads["filter_real"], 2 * rho * lbar * wr, rtol=4 * EPS64)  # three products
    np.testing.assert_allclose(grads["filter_imag"], 2 * rho * lbar * wi, rtol=4 * EPS64)  # three products
    idx = (1, 2)
    old = wr[idx]
    wr[idx] = old + 1e-3  # the loss is quadratic: any step is exact up to rounding
    up = float(layer.get_regularization_loss())
    wr[idx] = old - 1e-3
    down = float(layer.get_regularization_loss())
    wr[idx] = old
    fd = lbar * (up - down) / 2e-3  # quadratic: central differences are exact up to rounding
    assert grads["filter_real"][idx] == pytest.approx(fd, abs=1e-9)  # eps * |loss| * lbar / h ~ 1e-11, x100
    zero = _layer(AdaptiveGlobalFilter, n=4, d=3)
    assert float(zero.get_regularization_loss()) == 0.0


def test_adaptive_spectral_dropout_eqs_5_and_5_star():
    """docs/layers/global_filter.md, Forward (5) and Backward (5*), Spectral dropout: H' = M_s * H / (1 - p_s),
    each complex entry kept or dropped whole, mask of shape (L, D); the gradient (5*) applies the same mask and
    scale: dense forward and gradient with H', against AdaptiveGlobalFilter in training mode."""
    n, d, ps = 5, 3, 0.4
    layer = _layer(AdaptiveGlobalFilter, n=n, d=d, spectral_dropout_p=ps)
    rng = np.random.default_rng(16)
    x = rng.standard_normal((2, n, d))
    g = rng.standard_normal((2, n, d))
    ms = rng.random((n, d)) >= ps
    h = _dense_filter(layer)
    hp = ms * h / (1 - ps)
    y, ctx = layer.forward(x, training=True, masks={"spectral_dropout": ms})
    np.testing.assert_allclose(y, _dense_spectrans(hp, x, "ortho"), rtol=0,
                               atol=_atol(x, n) * 2 / (1 - ps))  # |H'| <= sqrt 2 / (1 - p_s)
    _, grads = layer.backward(ctx, g)
    f = _dft(n)
    q = np.sum((f @ x) * (f.conj() @ g), axis=0) / n
    hbar = ms * np.conj(q) / (1 - ps)  # (5*)
    tol = _atol(x, n) * _atol(g, n) / (16 * (n + 4) * EPS64) / (1 - ps)  # products of n-term sums, scaled
    np.testing.assert_allclose(grads["filter_real"], _act_prime("sigmoid", layer.params["filter_real"]) * hbar.real,
                               rtol=0, atol=tol)  # see tol
    np.testing.assert_allclose(grads["filter_imag"], _act_prime("sigmoid", layer.params["filter_imag"]) * hbar.imag,
                               rtol=0, atol=tol)  # see tol
    assert np.all(grads["filter_real"][~ms] == 0) and np.all(grads["filter_imag"][~ms] == 0)


# ----------------------------------------------------------------------------------------------------------
# Cost


@pytest.mark.parametrize("length", [4, 5])
def test_context_keeps_the_half_spectrum(length):
    """docs/layers/global_filter.md, Cost: the context keeps xhat, the half spectrum with floor(L/2) + 1 complex bins
    per column, equal to c_f C F_L x (eq. (1)), and the filter's intermediates at (L, D)."""
    layer = _layer(n=length, d=3)
    x = np.random.default_rng(17).standard_normal((2, length, 3))
    _, ctx = layer.forward(x)
    m = length // 2 + 1
    assert ctx.x_hat.shape == (2, m, 3)
    np.testing.assert_allclose(ctx.x_hat, (_dft(length) @ x)[:, :m] / np.sqrt(length), rtol=0,
                               atol=_atol(x, length))  # dense L-term sums
    assert ctx.h.shape == (length, 3) and ctx.h_half.shape == (m, 3)


# ----------------------------------------------------------------------------------------------------------
# Verification: the error scale


@pytest.mark.parametrize("length", [4, 7])
def test_error_scale_formula_and_forward_within_it(length):
    """docs/layers/global_filter.md, Verification: error scale 2 * fft_error_scale(points) + 8 with
    fft_error_scale(n) = 2 (1 + log2 n); the forward's normwise error against the dense chain in float64 is within
    c eps (the dense reference's own error, <= 2 L eps normwise, added); against GlobalFilterMixing.error_scale."""
    layer = _layer(n=length, d=3)
    c = layer.error_scale((2, length, 3))
    assert c == pytest.approx(2 * 2 * (1 + math.log2(length)) + 8, rel=4 * EPS64)  # a log and three products
    x = np.random.default_rng(18).standard_normal((2, length, 3))
    ref = _dense_spectrans(_dense_filter(layer), x, "ortho")
    err = np.linalg.norm(layer.forward(x)[0] - ref) / np.linalg.norm(ref)
    assert err <= (c + 2 * (length + 4)) * EPS64  # layer's claim plus the dense chain's two L-term passes
