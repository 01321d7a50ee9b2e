"""Guards of docs/neural_kernels.md (Fourier-feature layers, ReLU MLPs, factored Jacobians, Gram spectra, the
expected RFF kernel, the NNGP/CK and NTK recursions).

Each formula the page states is evaluated independently -- loops over the equations as written,
Gauss-Legendre quadrature over the random draws, quadrature over the angle for the arc-cosine kernels, a
Jacobian by central differences for the tangent kernel -- and compared with the specref function it names.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.neural_kernels import (
    LFF,
    RFF,
    RFFMLP,
    ReLUMLP,
    arccos_kernels,
    conjugate_kernel,
    dense_jacobian,
    effective_rank,
    empirical_ntk,
    gram_matrix,
    gram_matrix_vjp,
    relu_kernels,
    rff_expected_kernel,
    spectrum,
)
from tests.book.central_differences import STEP as FD_STEP
from tests.book.central_differences import fd_vjp as fd_grad

EPS64 = np.finfo(np.float64).eps
FD_ATOL = 1e-8  # central differences, h = 1e-6, of O(1)-O(10) outputs: rounding 10 eps/h ~ 2e-9, margin 5


# ----------------------------------------------------------------------------------------------------------
# The feature maps


def test_lff_forward_laws_and_backward():
    """docs/neural_kernels.md, The feature maps, (1)-(2) and (2*)-(1*): u = (pi x) W^T + b, y = sin u with
    W_ij ~ U(-a, a), a = s/d, b_i ~ U(-1, 1) (drawn weight then bias from the seed); ubar = ybar cos u,
    Wbar = ubar^T (pi x), bbar = sum ubar, xbar = pi ubar W. Loops, and central differences."""
    d, m, s = 2, 4, 3.0
    lff = LFF(d, m, scale=s, seed=7)
    gen = np.random.default_rng(7)
    w, b = gen.uniform(-s / d, s / d, (m, d)), gen.uniform(-1.0, 1.0, m)
    np.testing.assert_array_equal(lff.params["linear.weight"], w)
    np.testing.assert_array_equal(lff.params["linear.bias"], b)
    x = np.random.default_rng(8).uniform(0, 1, (3, d))
    y, ctx = lff.forward(x)
    u = np.array([[sum(math.pi * x[p, j] * w[i, j] for j in range(d)) + b[i] for i in range(m)] for p in range(3)])
    np.testing.assert_allclose(y, np.sin(u), rtol=0, atol=1e-15)  # |u| < 4, 2-term sums: ~4 eps
    dy = np.random.default_rng(9).standard_normal(y.shape)
    dx, grads = lff.backward(ctx, dy)
    ubar = dy * np.cos(u)
    np.testing.assert_allclose(grads["linear.weight"], ubar.T @ (math.pi * x),
                               rtol=0, atol=1e-14)  # 3-term sums of |.| < 10
    np.testing.assert_allclose(grads["linear.bias"], ubar.sum(axis=0), rtol=0, atol=1e-15)  # 3-term sums
    np.testing.assert_allclose(dx, math.pi * ubar @ w, rtol=0, atol=1e-14)  # 4-term sums of |.| < 10
    np.testing.assert_allclose(dx, fd_grad(lambda v: lff.forward(v)[0], x, dy), rtol=0, atol=FD_ATOL)  # FD


def test_rff_is_frozen():
    """docs/neural_kernels.md, "The seed's RFF is not frozen": specref's RFF has W and b as buffers
    (linear.weight, linear.bias), params empty, backward returns the input's gradient only (that of LFF), and
    its NTK is empty (zero)."""
    rff, lff = RFF(1, 5, scale=2.0, seed=1), LFF(1, 5, scale=2.0, seed=1)
    assert rff.params == {} and sorted(rff.buffers) == ["linear.bias", "linear.weight"]
    x = np.linspace(0, 1, 4)[:, None]
    y, ctx = rff.forward(x)
    dy = np.ones_like(y)
    dx, grads = rff.backward(ctx, dy)
    assert grads == {}
    np.testing.assert_array_equal(dx, lff.backward(lff.forward(x)[1], dy)[0])
    assert np.all(empirical_ntk(rff, x) == 0.0)


# ----------------------------------------------------------------------------------------------------------
# The networks


def _mlp_page(params, layers, x):
    """(1)-(2): h_l = alpha_l a_{l-1} W_l^T + beta_l b_l, a_l = relu(h_l), f = h_{L+1}."""
    a = x
    for i, (w, b, alpha, beta) in enumerate(layers):
        h = alpha * a @ params[w].T + beta * params[b]
        a = np.maximum(h, 0.0) if i < len(layers) - 1 else h
    return a


def test_relu_mlp_parameterisations_laws_and_forward():
    """docs/neural_kernels.md, The networks: standard parameterisation W ~ N(0, sigma_w^2/N), b ~ N(0,
    sigma_b^2), alpha = beta = 1; NTK parameterisation W, b ~ N(0, 1), alpha = sigma_w/sqrt(N_{l-1}),
    beta = sigma_b; from one seed they compute the same function, h_l and f as in (1)-(2)."""
    d, width, depth, k, sw, sb = 2, 3, 2, 2, 1.3, 0.4
    std = ReLUMLP(d, width, depth, k, parameterization="standard", sigma_w=sw, sigma_b=sb, seed=3)
    ntk = ReLUMLP(d, width, depth, k, parameterization="ntk", sigma_w=sw, sigma_b=sb, seed=3)
    gen = np.random.default_rng(3)
    sizes = [(d, width), (width, width), (width, k)]
    layers_ntk, layers_std = [], []
    for i, (n_in, n_out) in enumerate(sizes):
        w, b = gen.standard_normal((n_out, n_in)), gen.standard_normal(n_out)
        np.testing.assert_array_equal(ntk.params[f"{2 * i}.weight"], w)
        np.testing.assert_array_equal(ntk.params[f"{2 * i}.bias"], b)
        np.testing.assert_allclose(std.params[f"{2 * i}.weight"], sw / math.sqrt(n_in) * w, rtol=1e-15)  # 1 ulp
        np.testing.assert_allclose(std.params[f"{2 * i}.bias"], sb * b, rtol=1e-15)  # 1 ulp
        layers_ntk.append((f"{2 * i}.weight", f"{2 * i}.bias", sw / math.sqrt(n_in), sb))
        layers_std.append((f"{2 * i}.weight", f"{2 * i}.bias", 1.0, 1.0))
    x = np.random.default_rng(4).standard_normal((4, d))
    f_ntk, f_std = ntk.forward(x)[0], std.forward(x)[0]
    np.testing.assert_allclose(f_ntk, _mlp_page(ntk.params, layers_ntk, x), rtol=0, atol=1e-14)  # 3 layers
    np.testing.assert_allclose(f_std, _mlp_page(std.params, layers_std, x), rtol=0, atol=1e-14)  # 3 layers
    np.testing.assert_allclose(f_ntk, f_std, rtol=0, atol=1e-14)  # the scale applied before or after: ulps


def test_relu_mlp_backward_formulas():
    """docs/neural_kernels.md, The networks, backward: hbar_l = abar_l 1[h_l > 0], Wbar_l = alpha_l hbar_l^T
    a_{l-1}, bbar_l = beta_l sum hbar_l, abar_{l-1} = alpha_l hbar_l W_l (NTK parameterisation), and central
    differences of (1)-(2)."""
    d, width, k, sw, sb = 2, 4, 2, 1.4, 0.3
    mlp = ReLUMLP(d, width, 1, k, parameterization="ntk", sigma_w=sw, sigma_b=sb, seed=5)
    p = mlp.params
    x = np.random.default_rng(6).standard_normal((3, d))
    f, ctx = mlp.forward(x)
    df = np.random.default_rng(7).standard_normal(f.shape)
    dx, grads = mlp.backward(ctx, df)
    al1, al2 = sw / math.sqrt(d), sw / math.sqrt(width)
    h1 = al1 * x @ p["0.weight"].T + sb * p["0.bias"]
    a1 = np.maximum(h1, 0)
    hbar2 = df
    np.testing.assert_allclose(grads["2.weight"], al2 * hbar2.T @ a1, rtol=0, atol=1e-14)  # 3-term sums
    np.testing.assert_allclose(grads["2.bias"], sb * hbar2.sum(0), rtol=0, atol=1e-15)  # 3-term sums
    hbar1 = (al2 * hbar2 @ p["2.weight"]) * (h1 > 0)
    np.testing.assert_allclose(grads["0.weight"], al1 * hbar1.T @ x, rtol=0, atol=1e-14)  # 3-term sums
    np.testing.assert_allclose(grads["0.bias"], sb * hbar1.sum(0), rtol=0, atol=1e-15)  # 3-term sums
    np.testing.assert_allclose(dx, al1 * hbar1 @ p["0.weight"], rtol=0, atol=1e-14)  # 4-term sums
    assert np.min(np.abs(h1)) > 1e-4  # no kink within the FD step
    np.testing.assert_allclose(dx, fd_grad(lambda v: mlp.forward(v)[0], x, df), rtol=0, atol=FD_ATOL)  # FD


def test_rffmlp_names_and_forward():
    """docs/neural_kernels.md, The networks: RFFMLP is a frozen RFF(d, m, scale) (buffers 0.linear.*), then
    latent_layers affine layers 1.weight, 1.bias, 3.weight, ... with ReLU between them, none after the last."""
    net = RFFMLP(1, 5.0, 4, 2, 3, seed=2)
    assert sorted(net.buffers) == ["0.linear.bias", "0.linear.weight"]
    assert sorted(net.params) == ["1.bias", "1.weight", "3.bias", "3.weight"]
    x = np.linspace(0, 1, 5)[:, None]
    z = np.sin(math.pi * x @ net.buffers["0.linear.weight"].T + net.buffers["0.linear.bias"])
    layers = [("1.weight", "1.bias", 1.0, 1.0), ("3.weight", "3.bias", 1.0, 1.0)]
    np.testing.assert_allclose(net.forward(x)[0], _mlp_page(net.params, layers, z),
                               rtol=0, atol=1e-14)  # 2 layers of 4-term sums, |.| < 3


# ----------------------------------------------------------------------------------------------------------
# Per-example Jacobians and the tangent kernel


def _param_jacobian(model, x):
    """J[p, o, name...] = d f_o(x_p)/d theta by central differences, as a flat (n, k, P) array."""
    names = sorted(model.params)
    cols = []
    for name in names:
        base = model.params[name]
        for idx in np.ndindex(base.shape):
            e = np.zeros_like(base)
            e[idx] = FD_STEP
            up = model.with_params({name: base + e}).forward(x)[0]
            down = model.with_params({name: base - e}).forward(x)[0]
            cols.append((up - down) / (2 * FD_STEP))
    return np.stack(cols, axis=-1), names


def test_factored_jacobians_and_ntk_definition():
    """docs/neural_kernels.md, Per-example Jacobians and the NTK: d f_o/d W_l,ij = alpha_l delta_l,oi a_{l-1,j},
    d f_o/d b_l,i = beta_l delta_l,oi (dense_jacobian), and Theta_oo'(x, x') = sum_p d f_o(x)/d theta_p
    d f_o'(x')/d theta_p with the Jacobian by central differences; outputs="mean" is (1/k) sum_o Theta_oo;
    sum over points of fbar^T J equals the backward's gradients."""
    mlp = ReLUMLP(2, 3, 1, 2, parameterization="ntk", seed=11)
    x = np.random.default_rng(12).standard_normal((3, 2))
    f, terms = mlp.affine_jacobians(x)
    dense = dense_jacobian(terms)
    jac, names = _param_jacobian(mlp, x)
    flat = np.concatenate([dense[name].reshape(3, 2, -1) for name in names], axis=-1)
    np.testing.assert_allclose(flat, jac, rtol=0, atol=FD_ATOL)  # FD h=1e-6 (pre-activations off the kink)
    theta_full = np.einsum("aop,bqp->aobq", jac, jac)
    np.testing.assert_allclose(empirical_ntk(mlp, x, outputs="full"), theta_full,
                               rtol=0, atol=1e-7)  # 17 FD products of |J| < 5: 17 * 5 * 1e-9 ~ 1e-7
    np.testing.assert_allclose(empirical_ntk(mlp, x), np.einsum("aobo->ab", theta_full) / 2,
                               rtol=0, atol=1e-7)  # as above
    np.testing.assert_allclose(empirical_ntk(mlp, x, chunk_size=1), empirical_ntk(mlp, x),
                               rtol=0, atol=1e-14)  # chunks: the same sums of 17 products
    df = np.random.default_rng(13).standard_normal(f.shape)
    _, grads = mlp.backward(mlp.forward(x)[1], df)
    for name in names:
        contracted = np.einsum("ko,ko...->...", df, dense[name])
        np.testing.assert_allclose(contracted, grads[name], rtol=0, atol=1e-14)  # 6-term sums of |.| < 5


# ----------------------------------------------------------------------------------------------------------
# Gram matrix and spectrum


def test_gram_matrix_vjp_and_spectrum():
    """docs/neural_kernels.md, Gram matrix and spectrum: G = Phi Phi^T with Phibar = (Gbar + Gbar^T) Phi;
    spectrum returns the eigenvalues largest first (signed, not the singular values); a matrix not symmetric
    within sqrt(eps) max|G| is refused."""
    rng = np.random.default_rng(14)
    phi = rng.standard_normal((4, 3))
    g = gram_matrix(phi)
    np.testing.assert_allclose(g, [[phi[i] @ phi[j] for j in range(4)] for i in range(4)],
                               rtol=0, atol=1e-14)  # 3-term dots of |.| < 10
    dg = rng.standard_normal(g.shape)
    np.testing.assert_allclose(gram_matrix_vjp(dg, phi, g), (dg + dg.T) @ phi, rtol=0, atol=0)  # same flops
    np.testing.assert_allclose(gram_matrix_vjp(dg, phi, g), fd_grad(gram_matrix, phi, dg),
                               rtol=0, atol=FD_ATOL)  # central differences
    q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    lam = np.array([3.0, 1.0, -0.5, 1e-3])
    sym = q @ np.diag(lam) @ q.T
    sym = (sym + sym.T) / 2
    np.testing.assert_allclose(spectrum(sym), np.sort(lam)[::-1], rtol=0, atol=1e-14)  # eigh: ~n eps |A|
    bad = sym.copy()
    bad[0, 1] += 2 * math.sqrt(EPS64) * np.abs(sym).max()
    with pytest.raises(ValueError, match="symmetric"):
        spectrum(bad)
    near = sym.copy()
    near[0, 1] += 0.5 * math.sqrt(EPS64) * np.abs(sym).max()  # within the bound: accepted
    assert spectrum(near).shape == (4,)
    spectrum(gram_matrix(rng.standard_normal((6, 50))))  # an honest Gram product passes


def test_effective_rank():
    """docs/neural_kernels.md, Effective rank exp(-sum p_k log p_k), p_k = lambda_k / sum lambda over the
    positive eigenvalues (1 for rank one, n for a multiple of the identity). (The Decay fit, spectral_decay,
    is left out: it imports scipy.stats, 0.45 s, beyond this file's time budget.)"""
    lam = np.array([4.0, 2.0, 1.0, -1e-17, 0.0])
    p = np.array([4.0, 2.0, 1.0]) / 7.0
    assert math.isclose(effective_rank(lam), math.exp(-sum(p * np.log(p))), rel_tol=1e-15)  # 3 logs: 2 ulps
    assert effective_rank([5.0, 0.0, 0.0]) == 1.0
    assert math.isclose(effective_rank(np.full(6, 2.5)), 6.0, rel_tol=1e-14)  # 6 equal logs: a few ulps


# ----------------------------------------------------------------------------------------------------------
# The expected RFF kernel


def test_phase_average_identity():
    """docs/neural_kernels.md, The expected RFF kernel: E_b cos(u + 2b) = (1/2) int_{-1}^{1} cos(u + 2b) db =
    (sin(u + 2) - sin(u - 2))/4 = (sin 2/2) cos u, by 20-point Gauss-Legendre (exact to rounding: entire)."""
    t, wt = np.polynomial.legendre.leggauss(20)
    for u in (-1.3, 0.0, 0.7, 2.9):
        integral = float(np.sum(wt * np.cos(u + 2 * t))) / 2
        assert math.isclose(integral, (math.sin(u + 2) - math.sin(u - 2)) / 4,
                            rel_tol=1e-13, abs_tol=1e-15)  # 20 terms of |.| <= 1: ~20 eps
        assert math.isclose(integral, math.sin(2) / 2 * math.cos(u),
                            rel_tol=1e-13, abs_tol=1e-15)  # 20 terms of |.| <= 1: ~20 eps


@pytest.mark.parametrize("d", [1, 2])
def test_rff_expected_kernel_by_quadrature(d):
    """docs/neural_kernels.md, The expected RFF kernel: k(x, x') = E sin(pi w.x + b) sin(pi w.x' + b),
    w_j ~ U(-a, a), a = s/d, b ~ U(-1, 1), equals (1/2)[prod sinc(a(x - x')) - (sin 2/2) prod sinc(a(x + x'))];
    the expectation by tensor Gauss-Legendre quadrature over w and b (entire integrand: 24 nodes per axis are
    exact to rounding for |pi w x| <= 3 pi)."""
    s = 3.0
    a = s / d
    x = np.random.default_rng(15 + d).uniform(0, 1, (3, d))
    t, wt = np.polynomial.legendre.leggauss(24)
    axes = [a * t] * d + [t]  # w_1..w_d on (-a, a), b on (-1, 1)
    weights = [wt / 2] * (d + 1)  # uniform densities: 1/(2a) times the a of the change of variable
    grids = np.meshgrid(*axes, indexing="ij")
    wgrid = np.prod(np.meshgrid(*weights, indexing="ij"), axis=0)
    w = np.stack(grids[:d], axis=-1)
    b = grids[d]
    quad_k = np.empty((3, 3))
    for i in range(3):
        for j in range(3):
            fi = np.sin(math.pi * (w @ x[i]) + b)
            fj = np.sin(math.pi * (w @ x[j]) + b)
            quad_k[i, j] = np.sum(wgrid * fi * fj)
    np.testing.assert_allclose(rff_expected_kernel(x, scale=s), quad_k,
                               rtol=0, atol=1e-13)  # 24^(d+1) positive weights, terms <= 1: ~1e-15, margin 100


def test_conjugate_kernel_definition():
    """docs/neural_kernels.md, The conjugate kernel: CK(x, x') = a_L(x).a_L(x')/N_L for an MLP (the last
    hidden layer's activations); for LFF/RFF the features themselves, so their CK is G/m."""
    x = np.random.default_rng(16).standard_normal((3, 2))
    mlp = ReLUMLP(2, 5, 1, 1, parameterization="standard", seed=17)
    a1 = np.maximum(x @ mlp.params["0.weight"].T + mlp.params["0.bias"], 0)
    np.testing.assert_allclose(conjugate_kernel(mlp, x), a1 @ a1.T / 5, rtol=0, atol=1e-15)  # 5-term dots / 5
    rff = RFF(2, 6, scale=2.0, seed=18)
    np.testing.assert_allclose(conjugate_kernel(rff, x), gram_matrix(rff.features(x)) / 6,
                               rtol=0, atol=1e-16)  # the same products, one division


# ----------------------------------------------------------------------------------------------------------
# The NNGP and NTK recursions


@pytest.mark.parametrize("q, qp, rho", [(1.0, 1.0, 0.3), (2.0, 0.5, -0.6), (1.5, 0.8, 0.95)])
def test_arccos_kernels_by_angular_quadrature(q, qp, rho):
    """docs/neural_kernels.md, The conjugate kernel: for a centred Gaussian pair (q, q', c), kappa_1 =
    E phi(u)phi(v) = sqrt(qq')/(2 pi)(sin t + (pi - t) cos t) and kappa_0 = E phi'(u)phi'(v) = (pi - t)/(2 pi),
    t = arccos(c/sqrt(qq')). Whitening the pair and integrating in polar coordinates (E r^2 = 2 in 2-D),
    by Gauss-Legendre over the angle between the kinks, against arccos_kernels."""
    c = rho * math.sqrt(q * qp)
    theta = math.acos(rho)

    brk = sorted({(s * math.pi / 2 + off) % (2 * math.pi) for s in (1, -1) for off in (0.0, theta)})
    edges = [0.0, *brk, 2 * math.pi]
    t, wt = np.polynomial.legendre.leggauss(20)  # exact to rounding on each smooth piece
    ang = np.concatenate([(hi - lo) / 2 * t + (hi + lo) / 2 for lo, hi in zip(edges[:-1], edges[1:], strict=True)])
    w = np.concatenate([(hi - lo) / 2 * wt for lo, hi in zip(edges[:-1], edges[1:], strict=True)])
    pu, pv = np.maximum(0.0, np.cos(ang)), np.maximum(0.0, np.cos(ang - theta))  # phi of the whitened pair / r
    e1 = 2 * math.sqrt(q * qp) * np.sum(w * pu * pv) / (2 * math.pi)
    e0 = np.sum(w * ((pu > 0) & (pv > 0))) / (2 * math.pi)
    k1, k0 = arccos_kernels(np.array(c), np.array(q), np.array(qp))
    assert math.isclose(float(k1), e1, rel_tol=1e-13)  # 100 positive terms, exact per piece: ~1e-15
    assert math.isclose(float(k0), e0, rel_tol=1e-13)  # a constant on each piece: exact up to ~1e-15
    page = math.sqrt(q * qp) / (2 * math.pi) * (math.sin(theta) + (math.pi - theta) * math.cos(theta))
    assert math.isclose(float(k1), page, rel_tol=1e-14)  # cos(arccos rho) vs rho, a few flops: ~10 ulps


@pytest.mark.parametrize("depth", [1, 2])
def test_nngp_and_ntk_recursions(depth):
    """docs/neural_kernels.md, the recursions: Sigma^1 = sigma_w^2 x.x'/d + sigma_b^2,
    Sigma^{l+1} = sigma_w^2 kappa_1(Sigma^l) + sigma_b^2 (diagonal kappa_1 = q/2), CK = kappa_1(Sigma^L),
    NNGP = Sigma^{L+1}; Theta^1 = Sigma^1, Theta^{l+1} = Sigma^{l+1} + sigma_w^2 kappa_0(Sigma^l) Theta^l.
    Written out pair by pair with the page's kappa's, against relu_kernels."""
    sw, sb = 1.2, 0.3
    x = np.random.default_rng(19).standard_normal((3, 2))
    d = 2

    def kappas(qa, qb, cab):
        t = math.acos(max(-1.0, min(1.0, cab / math.sqrt(qa * qb))))
        return (math.sqrt(qa * qb) / (2 * math.pi) * (math.sin(t) + (math.pi - t) * math.cos(t)),
                (math.pi - t) / (2 * math.pi))

    nngp, ntk, ck = (np.empty((3, 3)) for _ in range(3))
    for i in range(3):
        for j in range(3):
            qa = sw**2 * x[i] @ x[i] / d + sb**2
            qb = sw**2 * x[j] @ x[j] / d + sb**2
            cab = sw**2 * x[i] @ x[j] / d + sb**2
            theta = cab
            for _ in range(depth):
                k1, k0 = kappas(qa, qb, cab)
                ck[i, j] = k1
                cab = sw**2 * k1 + sb**2
                theta = cab + sw**2 * k0 * theta
                qa, qb = sw**2 * qa / 2 + sb**2, sw**2 * qb / 2 + sb**2
            nngp[i, j], ntk[i, j] = cab, theta
    got = relu_kernels(x, depth=depth, sigma_w=sw, sigma_b=sb)
    off = ~np.eye(3, dtype=bool)  # on the diagonal arccos(1 - O(eps)) carries sqrt(eps): compare with that
    for name, page in (("nngp", nngp), ("ntk", ntk), ("ck", ck)):
        np.testing.assert_allclose(getattr(got, name)[off], page[off], rtol=1e-13)  # arccos & sin: ~1e-15 each
        np.testing.assert_allclose(np.diag(getattr(got, name)), np.diag(page), rtol=1e-7)  # sqrt(eps) at theta~0


def test_lff_jacobian_and_ntk():
    """docs/neural_kernels.md, Per-example Jacobians: for LFF, delta_oi = [o = i] cos u_i and the input is
    pi x, so d y_o/d W_ij = [o = i] cos u_i pi x_j; its NTK (outputs="mean") against the Jacobian by central
    differences."""
    lff = LFF(2, 3, scale=2.0, seed=21)
    x = np.random.default_rng(22).uniform(0, 1, (4, 2))
    y, terms = lff.affine_jacobians(x)
    (term,) = terms
    u = math.pi * x @ lff.params["linear.weight"].T + lff.params["linear.bias"]
    delta = np.einsum("oi,pi->poi", np.eye(3), np.cos(u))
    np.testing.assert_allclose(term.delta, delta, rtol=0, atol=1e-15)  # cos of |u| < 4: 1 ulp
    np.testing.assert_allclose(term.inputs, math.pi * x, rtol=1e-15)  # one product
    jac, _ = _param_jacobian(lff, x)
    np.testing.assert_allclose(empirical_ntk(lff, x), np.einsum("aop,bop->ab", jac, jac) / 3,
                               rtol=0, atol=1e-7)  # 8 FD products of |J| < 4: 8 * 4 * 1e-9 ~ 3e-8


def test_ntk_chunk_working_set():
    """docs/neural_kernels.md, The neural tangent kernel: empirical_ntk refuses a result that cannot fit, or a
    single-point chunk that cannot fit beside it, and otherwise sizes chunks of c points so that the working set
    2 c B + c^2 P fits in half of what the result leaves of limit (B the bytes of one point's Jacobian factors:
    a_{l-1} and delta_l per layer; P the bytes of one entry of the block)."""
    from specref.neural_kernels.ntk import ntk_chunk_size

    mlp = ReLUMLP(2, 3, 1, 2, seed=23)
    x = np.zeros((5, 2))
    per_point = 8 * ((2 + 2 * 3) + (3 + 2 * 2))  # layer 1: a_0 (2), delta (k=2, 3); layer 2: a_1 (3), delta (2, 2)
    pair, result = 8, 8 * 5 * 5
    for c in (1, 2, 4):
        fit = result + 2 * (2 * c * per_point + c * c * pair)  # the smallest limit that holds chunks of c
        assert ntk_chunk_size(mlp, x, x, chunk_size=4, limit=fit) == c
        if c > 1:
            assert ntk_chunk_size(mlp, x, x, chunk_size=4, limit=fit - 1) == c // 2
    with pytest.raises(ValueError):
        ntk_chunk_size(mlp, x, x, limit=result + 2 * (2 * per_point + pair) - 2)  # not even one point
    with pytest.raises(ValueError):
        ntk_chunk_size(mlp, x, x, limit=result - 1)  # the result itself


# ----------------------------------------------------------------------------------------------------------
# Cost


def test_factored_ntk_never_forms_the_dense_jacobian_and_spectrum_is_one_eigendecomposition(monkeypatch):
    """docs/neural_kernels.md, Cost: the empirical NTK from the factored per-example Jacobians never forms the
    n x P Jacobian (dense_jacobian is not called; the per-layer Gram matrices of the factors suffice), and the
    spectrum is one symmetric eigendecomposition."""
    import specref.neural_kernels.jacobian as jac_mod
    import specref.neural_kernels.ntk as ntk_mod

    mlp = ReLUMLP(2, 4, 2, 2, parameterization="ntk", seed=24)
    x = np.random.default_rng(25).standard_normal((3, 2))
    expected = empirical_ntk(mlp, x, method="dense")

    def refuse(*args, **kwargs):
        raise AssertionError("the factored NTK formed a dense Jacobian")

    monkeypatch.setattr(ntk_mod, "dense_jacobian", refuse)
    monkeypatch.setattr(jac_mod, "dense_jacobian", refuse)
    np.testing.assert_allclose(empirical_ntk(mlp, x), expected, rtol=1e-13,
                               atol=1e-13)  # the same products summed in another order
    calls = []
    original = np.linalg.eigvalsh

    def counting(a, *args, **kwargs):
        calls.append(a.shape)
        return original(a, *args, **kwargs)

    monkeypatch.setattr(np.linalg, "eigvalsh", counting)
    spectrum(gram_matrix(x))
    assert calls == [(3, 3)]
