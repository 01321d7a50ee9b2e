"""Guards of docs/kernels/spectral.md (FourierKernel, LearnableSpectralKernel, PolynomialSpectralKernel,
TruncatedSVDKernel, the projector VJP and spectral_decomposition).

Each numbered equation (F1)-(F2), (L1)-(L2), (P1)-(P4), (S1) is evaluated independently -- a dense DFT matrix
for the rFFT, plain loops, eigh instead of svd (or the reverse), central differences -- and compared with the
specref method the page names.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.kernels.spectral import FourierKernel, LearnableSpectralKernel
from specref.kernels.spectral_eigen import (
    PolynomialSpectralKernel,
    TruncatedSVDKernel,
    _projector_vjp,
    gram_spectral_decomposition,
)
from tests.book.central_differences import STEP as FD_STEP
from tests.book.central_differences import fd_vjp as central_difference

EPS64 = np.finfo(np.float64).eps


def dense_rfft_bins(x, r):
    """R_{ik} = sum_j x_ij e^{-2 pi i jk/d}, k < r (backward norm), from the DFT matrix."""
    d = x.shape[-1]
    j, k = np.meshgrid(np.arange(d), np.arange(r), indexing="ij")
    return x @ np.exp(-2j * np.pi * ((j * k) % d) / d)


# ----------------------------------------------------------------------------------------------------------
# FourierKernel


@pytest.mark.parametrize("filter_type", ["gaussian", "butterworth", "ideal"])
def test_fourier_kernel_filter_initialisation(filter_type):
    """docs/kernels/spectral.md, FourierKernel: the filter is initialised on t = linspace(0, 1, r) as
    e^{-(t/c)^2}, 1/(1 + (t/c)^8) or 1[t <= c]."""
    r, c = 5, 0.45
    kern = FourierKernel(rank=r, input_dim=9, filter_type=filter_type, cutoff_freq=c)
    page = []
    for i in range(r):
        t = i / (r - 1)
        page.append({"gaussian": math.exp(-((t / c) ** 2)), "butterworth": 1 / (1 + (t / c) ** 8),
                     "ideal": float(t <= c)}[filter_type])
    np.testing.assert_allclose(kern.params["filter"], page, rtol=1e-15, atol=0)  # t exact to 1 ulp, 1-2 flops


def test_fourier_kernel_forward_f1():
    """docs/kernels/spectral.md, (F1): R = rfft(X)[:, :r], K_ij = (1/r) sum_k Re(f_k R^x_ik conj(f_k R^y_jk))
    = Phi_x Phi_y^T with Phi = [Re(R diag f), Im(R diag f)]/sqrt(r); R from a dense DFT matrix, K a loop."""
    rng = np.random.default_rng(0)
    d, r = 7, 3
    kern = FourierKernel(rank=r, input_dim=d)
    filt = kern.params["filter"] + rng.uniform(-0.3, 0.3, r)
    kern = kern.with_params({"filter": filt})
    x, y = rng.standard_normal((2, d)), rng.standard_normal((3, d))
    rx, ry = dense_rfft_bins(x, r), dense_rfft_bins(y, r)
    loop = np.array([[sum((filt[k] * rx[i, k] * np.conj(filt[k] * ry[j, k])).real for k in range(r)) / r
                      for j in range(3)] for i in range(2)])
    np.testing.assert_allclose(kern.compute(x, y), loop, rtol=0, atol=1e-13)  # DFTs of 7 terms |R| < 10: 7*10 eps
    z = rx * filt
    np.testing.assert_allclose(kern.extract_features(x), np.hstack([z.real, z.imag]) / math.sqrt(r),
                               rtol=0, atol=1e-14)  # FFT vs length-7 DFT sums, |R| < 10: ~20 eps
    np.testing.assert_allclose(kern.forward(x), kern.extract_features(x), rtol=0, atol=0)  # forward(x) is Phi
    np.testing.assert_allclose(kern.forward(x, y), kern.compute(x, y), rtol=0, atol=0)  # forward(x, y) = compute


def test_fourier_kernel_vjp_f2():
    """docs/kernels/spectral.md, (F2): Zbar = (Phibar_:r + i Phibar_r:)/sqrt(r), Rbar = Zbar diag f,
    fbar_k = sum Re(Zbar_ik conj(R_ik)), Xbar_j = Re sum_k Rbar_k e^{2 pi i jk/d} (zero-pad, every bin weight 1).

    The formula with a dense inverse-DFT matrix against extract_features_vjp; compute_vjp against central
    differences in x, y and the filter (the filter's two gradients add).
    """
    rng = np.random.default_rng(1)
    d, r = 6, 3
    kern = FourierKernel(rank=r, input_dim=d)
    filt = kern.params["filter"]
    x = rng.standard_normal((2, 4, d))
    phi = kern.extract_features(x)
    dphi = rng.standard_normal(phi.shape)
    zbar = (dphi[..., :r] + 1j * dphi[..., r:]) / math.sqrt(r)
    rbar = zbar * filt
    j, k = np.meshgrid(np.arange(d), np.arange(r), indexing="ij")
    xbar = (rbar @ np.exp(2j * np.pi * ((j * k) % d) / d).T).real
    fbar = np.sum((zbar * np.conj(dense_rfft_bins(x, r))).real, axis=(0, 1))
    dx, grads = kern.extract_features_vjp(dphi, x, phi)
    np.testing.assert_allclose(dx, xbar, rtol=0, atol=1e-14)  # length-3 sums of |.| < 2: <= 16 eps
    np.testing.assert_allclose(grads["filter"], fbar, rtol=0, atol=1e-13)  # 8 products |.| < 10: 8*10 eps
    y = rng.standard_normal((3, d))
    kk = kern.compute(x, y)
    dk = rng.standard_normal(kk.shape)
    dx, dy, grads = kern.compute_vjp(dk, x, y, kk)
    np.testing.assert_allclose(dx, central_difference(lambda v: kern.compute(v, y), x, dk),
                               rtol=0, atol=1e-8)  # FD h=1e-6 of |K| < 20 (quadratic): 20 eps/h ~ 4e-9
    np.testing.assert_allclose(dy, central_difference(lambda v: kern.compute(x, v), y, dk),
                               rtol=0, atol=1e-8)  # FD h=1e-6 of |K| < 20 (quadratic): 20 eps/h ~ 4e-9
    fd_f = central_difference(lambda f: kern.with_params({"filter": f}).compute(x, y), filt, dk)
    np.testing.assert_allclose(grads["filter"], fd_f, rtol=0, atol=1e-7)  # FD h=1e-6 of 24 |K| < 20: ~5e-8


# ----------------------------------------------------------------------------------------------------------
# LearnableSpectralKernel


def test_learnable_spectral_kernel_initialisation_and_forward_l1():
    """docs/kernels/spectral.md, LearnableSpectralKernel and (L1): V = QR(N(0,1)^{d x r} s).Q from the seed,
    lambda = linspace(1, 0.1, r) s; Phi = (XV) diag(w), w_k = sqrt(|lambda_k| + 1e-8), K = Phi_x Phi_y^T with
    each row divided by max(|row|, 1e-12) (normalize)."""
    d, r, s = 5, 3, 1.7
    kern = LearnableSpectralKernel(d, r, init_scale=s, seed=3)
    q, _ = np.linalg.qr(np.random.default_rng(3).standard_normal((d, r)) * s)
    np.testing.assert_array_equal(kern.params["eigenvectors"], q)
    np.testing.assert_allclose(kern.params["eigenvalues"], [s * (1 - 0.9 * i / (r - 1)) for i in range(r)],
                               rtol=1e-15)  # linspace vs the affine formula: 1 ulp
    rng = np.random.default_rng(4)
    lam = np.array([0.7, -1.2, 0.3])
    kern = kern.with_params({"eigenvalues": lam})
    x, y = rng.standard_normal((2, d)), rng.standard_normal((4, d))
    w = np.sqrt(np.abs(lam) + 1e-8)
    phi_x = np.array([[sum(x[i, t] * q[t, k] for t in range(d)) * w[k] for k in range(r)] for i in range(2)])
    np.testing.assert_allclose(kern.extract_features(x), phi_x, rtol=0, atol=1e-14)  # length-5 dots |.| < 4
    k0 = phi_x @ kern.extract_features(y).T
    page = k0 / np.maximum(np.linalg.norm(k0, axis=1, keepdims=True), 1e-12)
    np.testing.assert_allclose(kern.compute(x, y), page, rtol=0, atol=1e-15)  # unit rows, same flops: ~4 eps


def test_learnable_spectral_kernel_vjp_l2():
    """docs/kernels/spectral.md, (L2) and the row normalization: kbar_0 = (kbar - k (k.kbar))/rho,
    Pbar = Phibar diag(w), Xbar = Pbar V^T, Vbar = sum X^T Pbar, lambdabar_k = sign(lambda_k)/(2 w_k) sum
    Phibar_:k P_:k, with sign(0) = 0; the formula against compute_vjp, and central differences."""
    rng = np.random.default_rng(5)
    d, r = 4, 3
    lam = np.array([0.8, -0.5, 0.0])  # lambda = 0: the kink of |lambda|, gradient 0 by sign(0) = 0
    kern = LearnableSpectralKernel(d, r, seed=5).with_params({"eigenvalues": lam})
    v = kern.params["eigenvectors"]
    x, y = rng.standard_normal((3, d)), rng.standard_normal((2, d))
    k = kern.compute(x, y)
    dk = rng.standard_normal(k.shape)
    w = np.sqrt(np.abs(lam) + 1e-8)
    px, py = x @ v, y @ v
    k0 = (px * w) @ (py * w).T
    rho = np.linalg.norm(k0, axis=1, keepdims=True)
    dk0 = (dk - k * np.sum(k * dk, axis=1, keepdims=True)) / rho
    dphi_x, dphi_y = dk0 @ (py * w), dk0.T @ (px * w)
    dpx, dpy = dphi_x * w, dphi_y * w
    dlam = np.sign(lam) / (2 * w) * (np.sum(dphi_x * px, axis=0) + np.sum(dphi_y * py, axis=0))
    dx, dy, grads = kern.compute_vjp(dk, x, y, k)
    np.testing.assert_allclose(dx, dpx @ v.T, rtol=0, atol=1e-13)  # a few length-3 sums, /rho: ~1e-14
    np.testing.assert_allclose(dy, dpy @ v.T, rtol=0, atol=1e-13)  # a few length-3 sums, /rho: ~1e-14
    np.testing.assert_allclose(grads["eigenvectors"], x.T @ dpx + y.T @ dpy, rtol=0, atol=1e-13)  # same sums
    np.testing.assert_allclose(grads["eigenvalues"], dlam, rtol=0, atol=1e-13)  # same sums, / 2w >= 1e-4/2
    assert grads["eigenvalues"][2] == 0.0
    np.testing.assert_allclose(dx, central_difference(lambda a: kern.compute(a, y), x, dk),
                               rtol=0, atol=1e-8)  # FD h=1e-6 of unit rows: eps/h ~ 2e-10, x50
    np.testing.assert_allclose(grads["eigenvalues"][:2],
                               central_difference(lambda lv: kern.with_params({"eigenvalues": lv}).compute(x, y),
                                                  lam, dk)[:2],
                               rtol=0, atol=1e-8)  # FD h=1e-6 away from the kink: eps/h ~ 2e-10, x50


# ----------------------------------------------------------------------------------------------------------
# PolynomialSpectralKernel


@pytest.mark.parametrize("degree, normalize", [(2, True), (3, False), (0, True)])
def test_polynomial_spectral_kernel_p1(degree, normalize):
    """docs/kernels/spectral.md, PolynomialSpectralKernel and (P1): K = (alpha XY^T + c)^p / (a b^T + 1e-8);
    Tbar = Kbar/D * p T^{p-1}, Dbar = -Kbar * K/D, Xbar = alpha Tbar Y + (Dbar b) * X/a,
    Ybar = alpha Tbar^T X + (Dbar^T a) * Y/b, X/a = 0 on a zero row; for p = 0 with normalize the gradient is
    (Dbar b) * X/a, not zero. Loop forward, formula VJP, central differences."""
    rng = np.random.default_rng(6)
    alpha, c = 0.7, 0.5
    x, y = rng.standard_normal((3, 2)), rng.standard_normal((4, 2))
    x[2] = 0.0  # a zero row: K = c^p/1e-8 there, X/a taken as 0
    kern = PolynomialSpectralKernel(rank=1, degree=degree, coef0=c, alpha=alpha, normalize=normalize)
    a, b = np.linalg.norm(x, axis=1), np.linalg.norm(y, axis=1)
    loop = np.array([[(alpha * x[i] @ y[j] + c) ** degree / ((a[i] * b[j] + 1e-8) if normalize else 1.0)
                      for j in range(4)] for i in range(3)])
    k = kern.compute(x, y)
    np.testing.assert_allclose(k, loop, rtol=1e-14)  # a 2-term dot, p <= 3 products, one division: ~10 eps
    dk = rng.standard_normal(k.shape)
    t = alpha * x @ y.T + c
    den = np.outer(a, b) + 1e-8 if normalize else np.ones_like(t)
    dt = dk / den * (degree * t ** (degree - 1) if degree else 0.0)
    dden = -dk * k / den if normalize else np.zeros_like(t)
    unit_x = np.divide(x, a[:, None], out=np.zeros_like(x), where=a[:, None] > 0)
    unit_y = y / b[:, None]
    dx_page = alpha * dt @ y + (dden @ b)[:, None] * unit_x
    dy_page = alpha * dt.T @ x + (dden.T @ a)[:, None] * unit_y
    dx, dy = kern.compute_vjp(dk, x, y, k)
    scale = np.abs(k).max() + 1  # the zero row makes K (and its cotangents) ~ 1/1e-8 large
    np.testing.assert_allclose(dx, dx_page, rtol=0, atol=1e-14 * scale)  # sums of 4 terms: 16 eps * |K|
    np.testing.assert_allclose(dy, dy_page, rtol=0, atol=1e-14 * scale)  # sums of 3 terms: 16 eps * |K|
    rows = [0, 1]  # FD away from the zero row, where K jumps with the norm's kink
    fd_x = central_difference(lambda v: kern.compute(np.vstack([v, x[2:]]), y)[:2], x[:2], dk[:2])
    np.testing.assert_allclose(dx[rows], fd_x, rtol=0, atol=1e-8)  # FD h=1e-6 of |K| < 30: 30 eps/h ~ 7e-9
    if degree == 0 and normalize:
        assert np.max(np.abs(fd_x)) > 1e-2  # p = 0 with normalize: K = 1/D still moves


def _attention_page(q, k, rank, alpha, c, p, normalize=True):
    """(P2) written out: centre, pooled covariance, top-r projector, power, softmax over the keys."""
    qc, kc = q - q.mean(axis=0), k - k.mean(axis=0)
    cov = (qc.T @ qc + kc.T @ kc) / (len(q) + len(k))
    mu, u = np.linalg.eigh(cov)
    u_r = u[:, -rank:]
    s = (alpha * qc @ u_r @ u_r.T @ kc.T + c) ** p
    if not normalize:
        return s
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_polynomial_spectral_attention_p2():
    """docs/kernels/spectral.md, (P2): centre the queries Q and keys Y, C = (Qc^T Qc + Yc^T Yc)/(N + N'),
    Pi = U_r U_r^T on its top-r eigenvectors, S = (alpha Qc Pi Yc^T + c)^p, softmax over the keys; independent of
    the eigenvector signs and at r = d equal to the unprojected (alpha Qc Yc^T + c)^p."""
    rng = np.random.default_rng(7)
    q, k = rng.standard_normal((3, 4)), rng.standard_normal((5, 4))
    alpha, c, p = 0.6, 1.0, 2
    for rank in (2, 4):
        kern = PolynomialSpectralKernel(rank=rank, degree=p, coef0=c, alpha=alpha)
        np.testing.assert_allclose(kern.compute_attention(q, k), _attention_page(q, k, rank, alpha, c, p),
                                   rtol=0, atol=1e-14)  # softmax of |S| < 20 computed alike: ~20 eps
    full = PolynomialSpectralKernel(rank=4, degree=p, coef0=c, alpha=alpha, normalize=False)
    qc, kc = q - q.mean(axis=0), k - k.mean(axis=0)
    np.testing.assert_allclose(full.compute_attention(q, k), (alpha * qc @ kc.T + c) ** p,
                               rtol=1e-12, atol=1e-12)  # Pi = I to d eps (eigh), |S| < 50: ~1e-13


def test_polynomial_spectral_attention_vjp_p3():
    """docs/kernels/spectral.md, (P3)-(P4): compute_attention_vjp (softmax, power, Gbar = alpha S', the
    projector VJP through the pooled covariance, the centring) against central differences of (P2) as written
    above (an eigh per evaluation), at r = 2 < d = 3 so the covariance term enters."""
    rng = np.random.default_rng(8)
    q, k = rng.standard_normal((3, 3)), rng.standard_normal((4, 3))
    alpha, c, p, rank = 0.8, 0.5, 2, 2
    kern = PolynomialSpectralKernel(rank=rank, degree=p, coef0=c, alpha=alpha)
    att = kern.compute_attention(q, k)
    da = rng.standard_normal(att.shape)
    dq, dk = kern.compute_attention_vjp(da, q, k, att)
    fd_q = central_difference(lambda v: _attention_page(v, k, rank, alpha, c, p), q, da)
    fd_k = central_difference(lambda v: _attention_page(q, v, rank, alpha, c, p), k, da)
    np.testing.assert_allclose(dq, fd_q, rtol=0, atol=1e-8)  # FD h=1e-6 of softmax weights <= 1, eigh to ~1e-15
    np.testing.assert_allclose(dk, fd_k, rtol=0, atol=1e-8)  # FD h=1e-6: (eps + eigh's ~10 eps)/h ~ 2e-9, x5


# ----------------------------------------------------------------------------------------------------------
# The projector VJP (P4)


@pytest.mark.parametrize("mu", [(0.5, 1.0, 2.0, 3.0), (0.5, 0.5, 2.0, 2.0)])
def test_projector_vjp_p4(mu):
    """docs/kernels/spectral.md, (P4): for symmetric B and Pi = U_r U_r^T on its top-r eigenvectors,
    <Pibar, dPi> = <Bbar, dB> with Bbar = (H + H^T)/2, H = U_perp(E * U_perp^T(Pibar + Pibar^T)U_r)U_r^T,
    E_ji = 1/(mu_i - mu_j); repeated eigenvalues inside a block are harmless. Against central differences of
    the projector from eigh, along symmetric directions dB."""
    rng = np.random.default_rng(9)
    qmat, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    b = qmat @ np.diag(mu) @ qmat.T
    r = 2
    pibar = rng.standard_normal((4, 4))

    def projector(mat):
        _, u = np.linalg.eigh(mat)
        return u[:, -r:] @ u[:, -r:].T

    mu_sorted, u = np.linalg.eigh(b)
    bbar = _projector_vjp(pibar, u[:, r:], mu_sorted[r:], u[:, :r], mu_sorted[:r])
    np.testing.assert_allclose(bbar, bbar.T, rtol=0, atol=0)  # symmetric by construction
    u_top, u_bot = u[:, r:], u[:, :r]
    e = 1 / (mu_sorted[r:][None, :] - mu_sorted[:r][:, None])
    h = u_bot @ (e * (u_bot.T @ (pibar + pibar.T) @ u_top)) @ u_top.T
    np.testing.assert_allclose(bbar, (h + h.T) / 2, rtol=0, atol=1e-14)  # same products of 4x4 |.| < 4
    for _ in range(3):
        db = rng.standard_normal((4, 4))
        db = db + db.T
        fd = np.sum(pibar * (projector(b + FD_STEP * db) - projector(b - FD_STEP * db))) / (2 * FD_STEP)
        assert math.isclose(fd, np.sum(bbar * db), abs_tol=1e-8)  # FD h=1e-6: eigh's ~10 eps/h ~ 2e-9, x5


# ----------------------------------------------------------------------------------------------------------
# TruncatedSVDKernel


def _svd_page(x, y, r, normalize=True):
    """A_r = Pi A with Pi the projector on the top-r eigenvectors of A A^T (eigh, not svd), rows / (|row| + 1e-8)."""
    a = x @ y.T
    _, u = np.linalg.eigh(a @ a.T)
    ar = u[:, -r:] @ u[:, -r:].T @ a
    return ar / (np.linalg.norm(ar, axis=1, keepdims=True) + 1e-8) if normalize else ar


def test_truncated_svd_kernel_forward_and_randomized():
    """docs/kernels/spectral.md, TruncatedSVDKernel: A_r = U_:r diag(s_:r) V_:r^T = Pi A, rows divided by
    |row| + 1e-8; use_randomized: Omega (N', r + 10), Q = qr(A Omega).Q, A_r ~ Q svd_r(B), which is exact when
    rank(A) <= r + 10 (Q then spans the range of A)."""
    rng = np.random.default_rng(10)
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    for normalize in (True, False):
        kern = TruncatedSVDKernel(rank=2, normalize=normalize)
        np.testing.assert_allclose(kern.compute(x, y), _svd_page(x, y, 2, normalize),
                                   rtol=0, atol=1e-13)  # svd vs eigh of A A^T: gap-relative ~ 10 eps |A|^2/gap
    rand = TruncatedSVDKernel(rank=2, use_randomized=True)
    np.testing.assert_allclose(rand.compute(x, y, rng=0), _svd_page(x, y, 2),
                               rtol=0, atol=1e-12)  # exact range (rank 3 <= 12), QR + SVD rounding: ~100 eps


@pytest.mark.parametrize("spectrum", [(3.0, 1.5, 0.5), (4.0, 4.0, 0.25)])
def test_truncated_svd_kernel_vjp_s1(spectrum):
    """docs/kernels/spectral.md, (S1): Abar = Pi Abar_r + 2 Bbar A with (P4) for Pibar = Abar_r A^T and
    E_ji = 1/(s_i^2 - s_j^2), Xbar = Abar Y, Ybar = Abar^T X; valid with repeated singular values inside the
    kept block (s = (4, 4, 0.25), r = 2). Against central differences of the eigh-based A_r above."""
    rng = np.random.default_rng(11)
    uq, _ = np.linalg.qr(rng.standard_normal((4, 3)))
    vq, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    x = uq @ np.diag(spectrum)  # A = X Y^T = U diag(s) V^T: the singular values are the spectrum
    y = vq
    kern = TruncatedSVDKernel(rank=2)
    k = kern.compute(x, y)
    dk = rng.standard_normal(k.shape)
    dx, dy = kern.compute_vjp(dk, x, y, k)
    fd_x = central_difference(lambda v: _svd_page(v, y, 2), x, dk)
    fd_y = central_difference(lambda v: _svd_page(x, v, 2), y, dk)
    np.testing.assert_allclose(dx, fd_x, rtol=0, atol=1e-8)  # FD h=1e-6 of unit rows, eigh ~10 eps: 2e-9, x5
    np.testing.assert_allclose(dy, fd_y, rtol=0, atol=1e-8)  # FD h=1e-6 of unit rows, eigh ~10 eps: 2e-9, x5


def test_truncated_svd_vjp_raises_at_a_tie_across_the_cut():
    """docs/kernels/spectral.md, (S1) and (P4): a tie s_r = s_{r+1} is not differentiable and the VJP raises
    ValueError."""
    x = np.diag([2.0, 2.0, 1.0])
    kern = TruncatedSVDKernel(rank=1)
    k = kern.compute(x, np.eye(3))
    with pytest.raises(ValueError, match="not differentiable"):
        kern.compute_vjp(np.ones_like(k), x, np.eye(3), k)


# ----------------------------------------------------------------------------------------------------------
# spectral_decomposition


@pytest.mark.parametrize("normalize", [True, False])
def test_spectral_decomposition_top_eigenpairs(normalize):
    """docs/kernels/spectral.md, spectral_decomposition: the top-rank eigenpairs of X X^T in ascending (eigh)
    order, eigenvalues divided by their sum + 1e-8 with normalize. The eigenvalues against the squared
    singular values of X, the vectors by G u = lambda u."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((5, 3))
    vecs, vals = gram_spectral_decomposition(x, 2, normalize)
    top = np.sort(np.linalg.svd(x, compute_uv=False) ** 2)[-2:]
    expected = top / (top.sum() + 1e-8) if normalize else top
    np.testing.assert_allclose(vals, expected, rtol=1e-13)  # eigh vs svd^2: ~10 eps relative, well separated
    gram = x @ x.T
    np.testing.assert_allclose(gram @ vecs, vecs * top, rtol=0, atol=1e-13)  # residual ~ 10 eps |G| (|G| < 20)


def test_truncated_svd_full_rank_cut_and_rank_limits():
    """docs/kernels/spectral.md, TruncatedSVDKernel (S1): when r >= d, A = X Y^T has rank at most d, A_r = A and
    Abar = Abar_r (then Xbar = Abar Y); rank limits: r <= min(N, N') (TruncatedSVDKernel), r <= d/2 + 1
    (FourierKernel), r <= input_dim (LearnableSpectralKernel) raise ValueError; eigenvectors and filter are
    buffers when not trainable; orthogonalize_eigenvectors returns a new kernel whose V is the Q of its QR."""
    rng = np.random.default_rng(13)
    x, y = rng.standard_normal((5, 2)), rng.standard_normal((4, 2))
    kern = TruncatedSVDKernel(rank=2, normalize=False)
    k = kern.compute(x, y)
    np.testing.assert_allclose(k, x @ y.T, rtol=0, atol=1e-14)  # A_r = A: svd round trip, ~10 eps |A| < 5
    dk = rng.standard_normal(k.shape)
    dx, dy = kern.compute_vjp(dk, x, y, k)
    np.testing.assert_allclose(dx, dk @ y, rtol=0, atol=1e-14)  # Abar = Abar_r: the same 4-term sums
    np.testing.assert_allclose(dy, dk.T @ x, rtol=0, atol=1e-14)  # the same 5-term sums
    with pytest.raises(ValueError):
        TruncatedSVDKernel(rank=5).compute(x, y)
    with pytest.raises(ValueError):
        FourierKernel(rank=4, input_dim=5)  # 5 // 2 + 1 = 3 bins
    with pytest.raises(ValueError):
        LearnableSpectralKernel(3, 4)
    frozen = LearnableSpectralKernel(4, 2, trainable_eigenvectors=False)
    assert sorted(frozen.params) == ["eigenvalues"] and sorted(frozen.buffers) == ["eigenvectors"]
    assert sorted(FourierKernel(2, 4, learnable_filter=False).buffers) == ["filter"]
    ls = LearnableSpectralKernel(4, 2, seed=0)
    v = rng.standard_normal((4, 2))
    q, _ = np.linalg.qr(v)
    new = ls.with_params({"eigenvectors": v}).orthogonalize_eigenvectors()
    np.testing.assert_array_equal(new.params["eigenvectors"], q)


def test_truncated_svd_randomized_recipe():
    """docs/kernels/spectral.md, TruncatedSVDKernel, use_randomized: Omega ~ N(0,1)^{N' x (r+10)} from the explicit
    rng, Q = qr(A Omega).Q, B = Q^T A, A_r ~ Q svd_r(B) (no truncation of Q before the SVD), rows / (|row| + 1e-8);
    at N' = 14 > r + 10 the estimate differs from the exact truncation and follows the recipe written out here."""
    rng = np.random.default_rng(14)
    x, y = rng.standard_normal((14, 14)), rng.standard_normal((14, 14))
    r = 2
    a = x @ y.T
    omega = np.random.default_rng(5).standard_normal((14, r + 10))
    q, _ = np.linalg.qr(a @ omega)
    ub, sb, vbh = np.linalg.svd(q.T @ a, full_matrices=False)
    ar = (q @ ub[:, :r]) * sb[:r] @ vbh[:r]
    page = ar / (np.linalg.norm(ar, axis=1, keepdims=True) + 1e-8)
    got = TruncatedSVDKernel(rank=r, use_randomized=True).compute(x, y, rng=5)
    np.testing.assert_allclose(got, page, rtol=0, atol=1e-13)  # the same QR and SVD: rounding of unit rows
    assert np.max(np.abs(got - _svd_page(x, y, r))) > 1e-6  # an estimate, not the exact truncation


# ----------------------------------------------------------------------------------------------------------
# Cost


def _count_calls(monkeypatch, module, name, log):
    original = getattr(module, name)

    def wrapper(a, *args, **kwargs):
        log.append((name, tuple(a.shape)))
        return original(a, *args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)


def test_polynomial_attention_cost_one_eigendecomposition(monkeypatch):
    """docs/kernels/spectral.md, Cost: PolynomialSpectralKernel's attention adds the d x d covariance and one
    symmetric eigendecomposition, O(d^3); the projector VJP the same again (one more d x d eigh)."""
    from specref.backend import namespace

    rng = np.random.default_rng(15)
    q, k = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    linalg = namespace(q).linalg
    log = []
    for name in ("eigh", "svd"):
        _count_calls(monkeypatch, linalg, name, log)
    kern = PolynomialSpectralKernel(rank=2)
    att = kern.compute_attention(q, k)
    assert log == [("eigh", (3, 3))]
    log.clear()
    kern.compute_attention_vjp(np.ones_like(att), q, k, att)
    assert log == [("eigh", (3, 3))]


def test_truncated_svd_vjp_cost_one_full_svd(monkeypatch):
    """docs/kernels/spectral.md, Cost: TruncatedSVDKernel costs one SVD of the N x N' product for compute, and its
    exact VJP one full SVD of A (plus a reduced one with normalize), no eigendecomposition: the calls counted."""
    from specref.backend import namespace

    rng = np.random.default_rng(16)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((6, 4))
    linalg = namespace(x).linalg
    log = []
    for name in ("eigh", "svd"):
        _count_calls(monkeypatch, linalg, name, log)
    kern = TruncatedSVDKernel(rank=1)
    k = kern.compute(x, y)
    assert log == [("svd", (3, 6))]
    log.clear()
    kern.compute_vjp(np.ones_like(k), x, y, k)
    assert [name for name, _ in log].count("eigh") == 0 and ("svd", (3, 6)) in log
    assert len(log) == (2 if kern.normalize else 1)
