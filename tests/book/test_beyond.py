"""Guards of docs/beyond.md (long convolution by FFT, the Monarch FFT, HiPPO and S4D, butterflies).

Every formula the page states is evaluated independently -- plain loops over the sums as written, dense
factor matrices, an extended-precision DFT, the state-space recurrence written out, central differences --
and compared with the specref function the page names.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import hadamard as dense_hadamard

from specref.ops.longconv import longconv, longconv_vjp
from specref.ssm.hippo import hippo, nplr, s4d_init
from specref.ssm.s4d import s4d_kernel, s4d_kernel_vjp, ssm_scan
from specref.transforms.butterfly import (
    butterfly,
    butterfly_vjp,
    dct_by_butterfly,
    dft_twiddle,
    hadamard_twiddle,
)
from specref.transforms.monarch import monarch_fft, monarch_fft_adjoint
from tests.book.central_differences import STEP as FD_STEP
from tests.book.central_differences import fd_vjp as fd_grad

EPS64 = np.finfo(np.float64).eps
FD_ATOL = 1e-8  # central differences, h = 1e-6, of O(1)-O(10) outputs: rounding 10 eps/h ~ 2e-9, margin 5


# ----------------------------------------------------------------------------------------------------------
# Long causal convolution by FFT


def test_longconv_forward_and_padded_fft_identity():
    """docs/beyond.md, Long causal convolution: z = v u, c_t = sum_{s<=t} k_s z_{t-s}, y = w c + beta u (a loop);
    "Why the padded FFT gives a causal convolution": crop_N irfft_P(rfft_P(z) rfft_P(k)) is the causal sum for
    P = 2N and for any P >= N + N_k - 1; a kernel longer than the sequence is refused."""
    rng = np.random.default_rng(0)
    h, n, length = 2, 6, 4
    u, k = rng.standard_normal((2, h, n)), rng.standard_normal((h, length))
    v, w, d = rng.standard_normal(u.shape), rng.standard_normal(u.shape), rng.standard_normal(h)
    z = v * u
    c = np.zeros_like(u)
    for b, ch, t in np.ndindex(u.shape):
        c[b, ch, t] = sum(k[ch, s] * z[b, ch, t - s] for s in range(min(t + 1, length)))
    y_page = w * c + d[:, None] * u
    y = longconv(u, k, gate_pre=v, gate_post=w, skip=d)
    np.testing.assert_allclose(y, y_page, rtol=0, atol=1e-14)  # FFT of length 12 vs <= 4-term sums, |y| < 10
    for p in (2 * n, n + length - 1):
        circ = np.fft.irfft(np.fft.rfft(z, p) * np.fft.rfft(k, p), p)[..., :n]
        np.testing.assert_allclose(circ, c, rtol=0, atol=1e-14)  # FFT of length <= 12: ~log2(12) eps * |c| < 10
    short = np.fft.irfft(np.fft.rfft(z, n + length - 2) * np.fft.rfft(k, n + length - 2), n + length - 2)[..., :n]
    assert np.max(np.abs(short - c)) > 1e-3  # P < N + N_k - 1 wraps around
    with pytest.raises(ValueError):
        longconv(u, rng.standard_normal((h, n + 1)))


def test_longconv_backward_formulas():
    """docs/beyond.md, The backward: cbar = w ybar, zbar_r = sum_{t>=r} cbar_t k_{t-r},
    kbar_s = sum_batch sum_{t>=s} cbar_t z_{t-s}; ubar = v zbar + beta ybar, vbar = u zbar, wbar = c ybar,
    betabar = sum_{batch,t} u ybar; longconv_vjp returns (du, dk, dv, dw, dbeta). Loops, and central differences."""
    rng = np.random.default_rng(1)
    h, n, length = 2, 5, 3
    u, k = rng.standard_normal((2, h, n)), rng.standard_normal((h, length))
    v, w, d = rng.standard_normal(u.shape), rng.standard_normal(u.shape), rng.standard_normal(h)
    kw = {"gate_pre": v, "gate_post": w, "skip": d}
    y = longconv(u, k, **kw)
    dy = rng.standard_normal(y.shape)
    z = v * u
    c = np.zeros_like(u)
    for b, ch, t in np.ndindex(u.shape):
        c[b, ch, t] = sum(k[ch, s] * z[b, ch, t - s] for s in range(min(t + 1, length)))
    cbar = w * dy
    zbar = np.zeros_like(u)
    for b, ch, r in np.ndindex(u.shape):
        zbar[b, ch, r] = sum(cbar[b, ch, t] * k[ch, t - r] for t in range(r, min(n, r + length)))
    kbar = np.zeros_like(k)
    for ch, s in np.ndindex(k.shape):
        kbar[ch, s] = sum(cbar[b, ch, t] * z[b, ch, t - s] for b in range(2) for t in range(s, n))
    du, dk, dv, dw, dd = longconv_vjp(dy, u, k, y, **kw)
    np.testing.assert_allclose(du, v * zbar + d[:, None] * dy, rtol=0, atol=1e-14)  # FFT vs 3-term sums
    np.testing.assert_allclose(dk, kbar, rtol=0, atol=1e-13)  # FFT vs 10-term sums of |.| < 10
    np.testing.assert_allclose(dv, u * zbar, rtol=0, atol=1e-14)  # FFT vs 3-term sums
    np.testing.assert_allclose(dw, c * dy, rtol=0, atol=1e-14)  # FFT vs 3-term sums
    np.testing.assert_allclose(dd, np.sum(u * dy, axis=(0, 2)), rtol=0, atol=1e-14)  # 10-term sums
    np.testing.assert_allclose(dk, fd_grad(lambda a: longconv(u, a, **kw), k, dy), rtol=0, atol=FD_ATOL)  # FD


# ----------------------------------------------------------------------------------------------------------
# The Monarch FFT


@pytest.mark.parametrize("n1, n2", [(3, 4), (4, 4), (1, 6), (5, 3)])
def test_monarch_index_split_and_four_step_sum(n1, n2):
    """docs/beyond.md, The Monarch FFT: with n = N2 n1 + n2 and k = k1 + N1 k2,
    nk = N2 n1 k1 + n2 k1 + N1 n2 k2 (mod N), and X_{k1 + N1 k2} = sum_{n2} w_{N2}^{n2 k2} w_N^{n2 k1}
    sum_{n1} w_{N1}^{n1 k1} x_{N2 n1 + n2}, evaluated as that double loop, against monarch_fft; the
    normwise error is within (N1 + N2 + 5) eps of an extended-precision DFT."""
    big_n = n1 * n2
    for a, b, c, e in np.ndindex(n1, n2, n1, n2):  # n = N2 a + b, k = c + N1 e
        assert ((n2 * a + b) * (c + n1 * e) - (n2 * a * c + b * c + n1 * b * e)) % big_n == 0
    rng = np.random.default_rng(2)
    x = rng.standard_normal(big_n) + 1j * rng.standard_normal(big_n)

    def omega(m, p):
        return np.exp(-2j * np.pi * ((p % m) / m))

    page = np.empty(big_n, complex)
    for k1, k2 in np.ndindex(n1, n2):
        page[k1 + n1 * k2] = sum(omega(n2, b * k2) * omega(big_n, b * k1)
                                 * sum(omega(n1, a * k1) * x[n2 * a + b] for a in range(n1)) for b in range(n2))
    got = monarch_fft(x, n1=n1, n2=n2)
    np.testing.assert_allclose(got, page, rtol=0, atol=1e-13)  # N products of |.| < 3 in another order
    j = np.arange(big_n, dtype=np.longdouble)
    ang = 2 * np.pi * (np.outer(j, j) % big_n) / big_n  # long double angles: error ~1e-19
    xl = x.real.astype(np.longdouble), x.imag.astype(np.longdouble)
    ref_re = np.cos(ang) @ xl[0] + np.sin(ang) @ xl[1]
    ref_im = np.cos(ang) @ xl[1] - np.sin(ang) @ xl[0]
    err = np.max(np.abs((got.real - ref_re).astype(float) + 1j * (got.imag - ref_im).astype(float)))
    assert err / np.max(np.hypot(ref_re, ref_im).astype(float)) <= (n1 + n2 + 5) * EPS64  # the page's bound


def test_monarch_adjoint_is_n_ifft_and_bad_factorisation():
    """docs/beyond.md, The Monarch FFT: the adjoint (each step's conjugate transpose in reverse) is N ifft, so
    <F x, y> = <x, F* y>; the multiply-add count of the two matmuls is N1^2 N2 + N1 N2^2; N1 N2 != N is refused."""
    rng = np.random.default_rng(3)
    n1, n2 = 2, 6
    x = rng.standard_normal(12) + 1j * rng.standard_normal(12)
    y = rng.standard_normal(12) + 1j * rng.standard_normal(12)
    adj = monarch_fft_adjoint(y, input_shape=(12,), n1=n1, n2=n2)
    dense_inverse = np.exp(2j * np.pi * (np.outer(np.arange(12), np.arange(12)) % 12) / 12) @ y
    np.testing.assert_allclose(adj, dense_inverse, rtol=0, atol=1e-13)  # 12-term sums of |.| < 3: 12*3 eps
    assert abs(np.vdot(monarch_fft(x, n1=n1, n2=n2), y) - np.vdot(x, adj)) < 1e-12  # 12-term sums, |.| < 30
    a = x.reshape(n1, n2)
    madds = (a.shape[0] ** 2) * a.shape[1] + a.shape[0] * a.shape[1] ** 2  # F_{N1} A, then C F_{N2}
    assert madds == n1 * n1 * n2 + n1 * n2 * n2 < 12 * 12
    with pytest.raises(ValueError):
        monarch_fft(x, n1=5, n2=2)


# ----------------------------------------------------------------------------------------------------------
# HiPPO


def test_hippo_legs_entries_and_s4d_init():
    """docs/beyond.md, HiPPO: LegS has A_nk = -sqrt((2n+1)(2k+1)) below the diagonal, -(n+1) on it (0 above),
    B_n = sqrt(2n+1); s4d_init gives S4D-Lin A_n = -1/2 + i pi n and S4D-Inv A_n = -1/2 + i (N/pi)(N/(2n+1) - 1)."""
    n = 5
    a, b = hippo("legs", n)
    page = np.array([[-math.sqrt((2 * i + 1) * (2 * j + 1)) if i > j else (-(i + 1) if i == j else 0.0)
                      for j in range(n)] for i in range(n)])
    np.testing.assert_allclose(a, page, rtol=1e-15)  # one sqrt: 1 ulp
    np.testing.assert_allclose(b, [math.sqrt(2 * i + 1) for i in range(n)], rtol=1e-15)  # one sqrt: 1 ulp
    big_n = 8
    for kind in ("lin", "inv"):
        log_re, im = s4d_init(kind, 2, big_n)
        assert log_re.shape == (2, big_n // 2)
        np.testing.assert_allclose(-np.exp(log_re), -0.5, rtol=1e-15)  # exp(log(1/2)): 1 ulp
        page = [math.pi * m if kind == "lin" else big_n / math.pi * (big_n / (2 * m + 1) - 1)
                for m in range(big_n // 2)]
        np.testing.assert_allclose(im[1], page, rtol=1e-15)  # 3 flops: ~2 ulps


@pytest.mark.parametrize("measure", ["legs", "legt", "fout"])
def test_hippo_nplr_identity(measure):
    """docs/beyond.md, HiPPO: A = V diag(Lambda) V^* - P^T P with V unitary; LegS's normal part is -I/2 plus a
    skew matrix (P_n = sqrt(n + 1/2)); LegT's symmetric part is -(e e^T + o o^T)/2 with e, o the even and odd
    entries of sqrt(2n+1); FouT uses P = B."""
    n = 6
    a, b = hippo(measure, n)
    lam, v, p = nplr(measure, n)
    np.testing.assert_allclose(v.conj().T @ v, np.eye(n), rtol=0, atol=1e-14)  # eigh's V: orthonormal to n eps
    np.testing.assert_allclose(v @ np.diag(lam) @ v.conj().T - p.T @ p, a,
                               rtol=0, atol=1e-13)  # a few eps times |A| <= 2n = 12
    if measure == "legs":
        np.testing.assert_allclose(p[0], np.sqrt(np.arange(n) + 0.5), rtol=1e-15)  # one sqrt
        s = a + p.T @ p
        np.testing.assert_allclose((s + s.T) / 2, -0.5 * np.eye(n), rtol=0, atol=1e-14)  # exact up to a sqrt^2
    if measure == "legt":
        r = np.sqrt(2 * np.arange(n) + 1.0)
        e, o = np.where(np.arange(n) % 2 == 0, r, 0.0), np.where(np.arange(n) % 2 == 1, r, 0.0)
        np.testing.assert_allclose((a + a.T) / 2, -0.5 * (np.outer(e, e) + np.outer(o, o)),
                                   rtol=0, atol=1e-14)  # products of two sqrts: 2 ulps of <= 11
    if measure == "fout":
        np.testing.assert_array_equal(p[0], b)


# ----------------------------------------------------------------------------------------------------------
# S4D


def _s4d_params(rng, h=2, m=3):
    log_a = np.log(rng.uniform(0.2, 0.8, (h, m)))
    a_imag = rng.uniform(-3, 3, (h, m))
    c, b = rng.standard_normal((h, m, 2)), rng.standard_normal((h, m, 2))
    log_dt = np.log(rng.uniform(0.05, 0.3, h))
    return log_a, a_imag, c, log_dt, b


@pytest.mark.parametrize("rule", ["zoh", "bilinear"])
def test_s4d_kernel_is_the_discretised_impulse_response(rule):
    """docs/beyond.md, The S4D kernel: a = -e^{log_A_real} + i A_imag, Delta = e^{log_dt}, z = Delta a;
    ZOH Abar = e^z, Bbar = (e^z - 1) b/a; bilinear Abar = (1 + z/2)/(1 - z/2), Bbar = Delta b/(1 - z/2);
    K_l = 2 Re sum_m c_m Bbar_m Abar_m^l, the impulse response of x_t = Abar x_{t-1} + Bbar u_t,
    y_t = 2 Re(c x_t) (the recurrence written out here); ssm_scan equals the causal convolution with K."""
    rng = np.random.default_rng(4)
    log_a, a_imag, c, log_dt, b = _s4d_params(rng)
    length = 6
    kern = s4d_kernel(log_a, a_imag, c, log_dt, b, length=length, discretization=rule)
    page = np.zeros((2, length))
    for ch in range(2):
        delta = math.exp(log_dt[ch])
        for m in range(3):
            a = -math.exp(log_a[ch, m]) + 1j * a_imag[ch, m]
            z = delta * a
            bb, cc = complex(*b[ch, m]), complex(*c[ch, m])
            if rule == "zoh":
                a_bar, b_bar = np.exp(z), (np.exp(z) - 1) * bb / a
            else:
                a_bar, b_bar = (1 + z / 2) / (1 - z / 2), delta * bb / (1 - z / 2)
            state = 0j
            for t in range(length):
                state = a_bar * state + b_bar * (1.0 if t == 0 else 0.0)
                page[ch, t] += 2 * (cc * state).real
    np.testing.assert_allclose(kern, page, rtol=0, atol=1e-14)  # e^{l log Abar} vs powers, l < 6: ~10 eps*|K|~1
    u = rng.standard_normal((2, 5))
    scan = ssm_scan(u, log_a, a_imag, c, log_dt, b, discretization=rule)
    conv = np.array([[sum(kern[ch, s] * u[ch, t - s] for s in range(t + 1)) for t in range(5)] for ch in range(2)])
    np.testing.assert_allclose(scan, conv, rtol=0, atol=1e-14)  # 5-term sums of |.| < 3


@pytest.mark.parametrize("rule", ["zoh", "bilinear"])
def test_s4d_kernel_vjp(rule):
    """docs/beyond.md, The Vandermonde kernel's VJP: X_m = sum_l Kbar_l e^{ell_m l}, Y_m = sum_l Kbar_l l
    e^{ell_m l}, wbar = 2 conj(X), ellbar = 2 conj(w Y); ZOH: cbar = wbar conj(b (e^z - 1)/a),
    zbar = ellbar + wbar conj(c b e^z/a), abar = -wbar conj(c b (e^z - 1)/a^2) + Delta zbar,
    Deltabar = sum Re(conj(zbar) a); log_A_real-bar = -e^{log_A_real} Re abar, A_imag-bar = Im abar,
    log_dt-bar = Delta Deltabar (written out for ZOH); both rules against central differences."""
    rng = np.random.default_rng(5)
    params = _s4d_params(rng)
    log_a, a_imag, c, log_dt, b = params
    length = 5
    kern = s4d_kernel(*params, length=length, discretization=rule)
    dk = rng.standard_normal(kern.shape)
    grads = s4d_kernel_vjp(dk, *params, kern, length=length, discretization=rule)
    if rule == "zoh":
        a = -np.exp(log_a) + 1j * a_imag
        delta = np.exp(log_dt)[:, None]
        z = delta * a
        cc, bb = c[..., 0] + 1j * c[..., 1], b[..., 0] + 1j * b[..., 1]
        w = cc * bb * (np.exp(z) - 1) / a
        ls = np.arange(length)
        x_m = np.array([[sum(dk[ch, ell] * np.exp(z[ch, m] * ell) for ell in ls) for m in range(3)]
                        for ch in range(2)])
        y_m = np.array([[sum(dk[ch, ell] * ell * np.exp(z[ch, m] * ell) for ell in ls) for m in range(3)]
                        for ch in range(2)])
        wbar, ellbar = 2 * np.conj(x_m), 2 * np.conj(w * y_m)
        cbar = wbar * np.conj(bb * (np.exp(z) - 1) / a)
        zbar = ellbar + wbar * np.conj(cc * bb * np.exp(z) / a)
        abar = -wbar * np.conj(cc * bb * (np.exp(z) - 1) / a**2) + delta * zbar
        dbar = np.sum((np.conj(zbar) * a).real, axis=1)
        page = (-np.exp(log_a) * abar.real, abar.imag, np.stack([cbar.real, cbar.imag], -1), delta[:, 0] * dbar)
        for got, want in zip(grads[:4], page, strict=True):
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-13)  # 5-term sums of |.| < 20: ~5*20 eps
    for i in range(5):
        def f(arg, i=i):
            args = list(params)
            args[i] = arg
            return s4d_kernel(*args, length=length, discretization=rule)
        np.testing.assert_allclose(grads[i], fd_grad(f, params[i], dk), rtol=0, atol=FD_ATOL)  # FD


# ----------------------------------------------------------------------------------------------------------
# Butterfly factorisations


def _bit_reverse(n):
    m = n.bit_length() - 1
    return np.array([int(format(i, f"0{m}b")[::-1], 2) for i in range(n)])


def _dense_factors(twiddle, n):
    """B_s as dense n x n matrices: block size k = 2^{s+1}, half h = 2^s, pair (i, i + h) of block q mixed by
    twiddle[s, q h + j], i = q k + j."""
    mats = []
    for s in range(twiddle.shape[0]):
        h = 2**s
        mat = np.zeros((n, n), dtype=twiddle.dtype)
        for q in range(n // (2 * h)):
            for j in range(h):
                i, p = q * 2 * h + j, q * h + j
                mat[np.ix_([i, i + h], [i, i + h])] = twiddle[s, p]
        mats.append(mat)
    return mats


def test_butterfly_product_of_dense_factors_and_exact_instances():
    """docs/beyond.md, Butterfly factorisations: y = B_{m-1} ... B_0 P x with P the bit reversal, each B_s a
    dense matrix of 2 x 2 blocks on pairs (i, i + h); dft_twiddle (blocks [[1, w_k^j], [1, -w_k^j]]) gives the
    DFT, hadamard_twiddle without permutation the orthonormal Hadamard matrix, dct_by_butterfly the DCT-II
    X_k = 2 sum_n x_n cos(pi k (2n + 1)/(2N)); a length that is not a power of two is refused."""
    rng = np.random.default_rng(6)
    n = 8
    tw = rng.standard_normal((3, n // 2, 2, 2))
    x = rng.standard_normal((2, n))
    mats = _dense_factors(tw, n)
    perm = np.eye(n)[_bit_reverse(n)]  # (P x)_i = x_{bitrev(i)}
    dense = mats[2] @ mats[1] @ mats[0] @ perm
    np.testing.assert_allclose(butterfly(x, tw), x @ dense.T, rtol=0, atol=1e-13)  # 3 stages of 2-term sums
    np.testing.assert_allclose(butterfly(x, tw, permutation="identity"), x @ (mats[2] @ mats[1] @ mats[0]).T,
                               rtol=0, atol=1e-13)  # 3 stages of 2-term sums of |.| < 30
    dft = np.exp(-2j * np.pi * (np.outer(np.arange(n), np.arange(n)) % n) / n)
    np.testing.assert_allclose(butterfly(x, dft_twiddle(n)), x @ dft.T,
                               rtol=0, atol=1e-14)  # log2 8 = 3 stages: ~3 eps * |X| < 10
    np.testing.assert_allclose(butterfly(x, hadamard_twiddle(n), permutation="identity"),
                               x @ (dense_hadamard(n) / math.sqrt(n)),
                               rtol=0, atol=1e-15)  # 3 stages, 1/sqrt2 rounded 3 times: ~4 eps of |y| < 3
    dct = np.array([[2 * sum(row[j] * math.cos(math.pi * k * (2 * j + 1) / (2 * n)) for j in range(n))
                     for k in range(n)] for row in x])
    np.testing.assert_allclose(dct_by_butterfly(x), dct, rtol=0, atol=1e-13)  # 8-term sums of |.| < 6
    with pytest.raises(ValueError, match="4 and 8"):
        butterfly(rng.standard_normal(6), rng.standard_normal((2, 3, 2, 2)))


def test_butterfly_vjp_backward_formulas():
    """docs/beyond.md, Butterfly Backward: vbar_s = B_s^* vbar_{s+1}, Tbar^(s)_{p,ab} = sum_batch
    (vbar_{s+1})_a conj((v_s)_b), xbar = P^T vbar_0 -- with dense conjugate-transposed factors, complex
    twiddles stored as real pairs (gradients d/dRe + i d/dIm as pairs) -- and central differences."""
    rng = np.random.default_rng(7)
    n = 4
    twp = rng.standard_normal((2, n // 2, 2, 2, 2))
    tw = twp[..., 0] + 1j * twp[..., 1]
    x = rng.standard_normal((3, n))
    y = butterfly(x, twp)
    dy = rng.standard_normal(y.shape) + 1j * rng.standard_normal(y.shape)
    dx, dt = butterfly_vjp(dy, x, twp, y)
    mats = _dense_factors(tw, n)
    perm = np.eye(n)[_bit_reverse(n)]
    vs = [x @ perm.T]
    vs.append(vs[0] @ mats[0].T)
    g = dy
    tbar = np.zeros_like(tw)
    for s in (1, 0):
        h = 2**s
        for q in range(n // (2 * h)):
            for j in range(h):
                i, p = q * 2 * h + j, q * h + j
                for a_, ia in enumerate((i, i + h)):
                    for b_, ib in enumerate((i, i + h)):
                        tbar[s, p, a_, b_] = np.sum(g[:, ia] * np.conj(vs[s][:, ib]))
        g = g @ np.conj(mats[s])  # vbar_s = B_s^* vbar_{s+1}, rows as vectors
    xbar = (g @ perm).real  # P^T, and a real x takes the real part
    np.testing.assert_allclose(dx, xbar, rtol=0, atol=1e-14)  # 2 stages of 2-term sums of |.| < 10
    np.testing.assert_allclose(dt[..., 0] + 1j * dt[..., 1], tbar, rtol=0, atol=1e-14)  # 3-term sums
    loss_dy = dy

    def loss_grad(f, arg):
        out = np.zeros_like(arg)
        for idx in np.ndindex(arg.shape):
            e = np.zeros_like(arg)
            e[idx] = FD_STEP
            out[idx] = np.sum(np.real(np.conj(loss_dy) * (f(arg + e) - f(arg - e)))) / (2 * FD_STEP)
        return out

    np.testing.assert_allclose(dx, loss_grad(lambda a: butterfly(a, twp), x), rtol=0, atol=FD_ATOL)  # FD
    np.testing.assert_allclose(dt, loss_grad(lambda t: butterfly(x, t), twp), rtol=0, atol=FD_ATOL)  # FD


def test_s4d_refuses_a_step_without_discretisation():
    """docs/beyond.md, The S4D kernel: a non-finite or non-positive step (Delta = e^{log_dt} overflowing or
    underflowing) is refused."""
    log_a, a_imag, c, _, b = _s4d_params(np.random.default_rng(8))
    for bad in (1000.0, -1000.0, np.inf):
        with pytest.raises(ValueError, match="dt"), np.errstate(over="ignore"):
            s4d_kernel(log_a, a_imag, c, np.array([0.0, bad]), b, length=3)


def test_butterfly_cost_is_t_stages(monkeypatch):
    """docs/beyond.md, Cost: butterfly with n = 2^t is t stages of n/2 two-by-two mixes (the stage calls counted,
    each with an (n/2, 2, 2) block of twiddles); monarch_fft's two DFT-matrix products are O(n (n1 + n2))
    multiply-adds: n1^2 n2 + n1 n2^2 = n (n1 + n2)."""
    import importlib

    bf = importlib.import_module("specref.transforms.butterfly")  # the package's name butterfly is the function
    log = []
    original = bf.stage

    def counting_stage(v, t, s):
        log.append((s, tuple(t.shape)))
        return original(v, t, s)

    monkeypatch.setattr(bf, "stage", counting_stage)
    n, t = 16, 4
    bf.butterfly(np.random.default_rng(9).standard_normal((2, n)), hadamard_twiddle(n))
    assert log == [(s, (n // 2, 2, 2)) for s in range(t)]
    for n1, n2 in ((4, 4), (3, 5), (2, 8)):
        assert n1 * n1 * n2 + n1 * n2 * n2 == n1 * n2 * (n1 + n2)
