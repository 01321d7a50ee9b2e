"""Guards of docs/kernels/random_features.md (phase features, ORF, SORF, FAVOR+, ReLU and ELU features).

Each numbered equation and stated identity of the page is evaluated independently -- dense matrices built
from the formula (scipy's Hadamard matrix for SORF), plain loops, Gauss-Hermite quadrature, or central
differences -- and compared with the specref function the page names.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import hadamard as dense_hadamard

from specref.kernels.attention_features import (
    elu_features,
    elu_features_vjp,
    positive_features,
    positive_features_vjp,
    relu_features,
    relu_features_vjp,
)
from specref.kernels.rff import (
    GaussianRFFKernel,
    LaplacianRFFKernel,
    fourier_features,
    fourier_features_vjp,
    sample_cauchy_frequencies,
    sample_orthogonal_gaussian_frequencies,
)
from specref.kernels.rff_structured import (
    OrthogonalRandomFeatures,
    padded_dim,
    sorf_projection,
    sorf_projection_vjp,
)
from tests.book.central_differences import fd_vjp as central_difference

EPS64 = np.finfo(np.float64).eps


# ----------------------------------------------------------------------------------------------------------
# 1. Random features with a phase


def test_phase_features_eq1_and_vjp_eq2():
    """docs/kernels/random_features.md, section 1, (1) and (2): phi = sqrt(2/m) cos(u), u = z + b, and
    ubar = -sqrt(2/m) sin(u) * phibar, bbar = sum ubar, against fourier_features / fourier_features_vjp
    (a loop for the forward, the formula and central differences for the VJP)."""
    rng = np.random.default_rng(0)
    z, b = rng.standard_normal((2, 3, 4)), rng.uniform(0, 2 * math.pi, 4)
    m = 4
    phi = fourier_features(z, b)
    loop = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        loop[idx] = math.sqrt(2 / m) * math.cos(z[idx] + b[idx[-1]])
    np.testing.assert_allclose(phi, loop, rtol=0, atol=4 * EPS64)  # one sum, cos and a scale: <= 3 ulps of 1
    dphi = rng.standard_normal(phi.shape)
    du, db = fourier_features_vjp(dphi, z, b, phi)
    du_page = -math.sqrt(2 / m) * np.sin(z + b) * dphi
    np.testing.assert_allclose(du, du_page, rtol=0, atol=8 * EPS64)  # same 3 flops of O(1) values
    np.testing.assert_allclose(db, du_page.sum(axis=(0, 1)), rtol=0, atol=32 * EPS64)  # sums of 6 O(1) terms
    np.testing.assert_allclose(du, central_difference(lambda v: fourier_features(v, b), z, dphi),
                               rtol=0, atol=1e-9)  # FD h=1e-6 of |phi| < 1: eps/h ~ 2e-10, margin 5
    np.testing.assert_allclose(db, central_difference(lambda v: fourier_features(z, v), b, dphi),
                               rtol=0, atol=1e-8)  # FD h=1e-6 of a sum of 24 |phi| < 1: 24 eps/h ~ 5e-9


def test_phase_features_are_unbiased_over_the_phase():
    """docs/kernels/random_features.md, section 1: E_b[2 cos(w.x + b) cos(w.y + b)] = cos(w.(x - y)),
    the average over b exact on 5 equispaced phases (the integrand has frequency 2 in b), of fourier_features
    with m = 1 (phi(x) phi(y) = 2 cos cos)."""
    rng = np.random.default_rng(1)
    for _ in range(3):
        zx, zy = rng.standard_normal(2)  # w.x and w.y
        phases = 0.3 + 2 * math.pi * np.arange(5) / 5
        vals = [(fourier_features(np.array([[zx]]), np.array([b])) * fourier_features(np.array([[zy]]),
                                                                                       np.array([b])))[0, 0]
                for b in phases]
        assert math.isclose(np.mean(vals), math.cos(zx - zy), abs_tol=1e-15)  # 5 O(1) terms: ~5 eps


# ----------------------------------------------------------------------------------------------------------
# 2. Orthogonal random features


def test_orthogonal_blocks_and_fixed_norms():
    """docs/kernels/random_features.md, section 2: W = (1/sigma) Q S with Q orthogonal in each d x d block
    and S diagonal (chi_d lengths), so W_b^T W_b = S^2/sigma^2 is diagonal; spectrans's fixed lengths make
    every column of length sqrt(d)/sigma."""
    d, m, sigma = 4, 7, 1.7
    w = sample_orthogonal_gaussian_frequencies(np.random.default_rng(2), d, m, sigma)
    for block in (w[:, :d], w[:, d:]):
        gram = block.T @ block
        np.testing.assert_allclose(gram - np.diag(np.diag(gram)), 0, atol=1e-13)  # Q^T Q = I to d eps, x|S|^2<~20
    fixed = sample_orthogonal_gaussian_frequencies(np.random.default_rng(2), d, m, sigma, norms="fixed")
    np.testing.assert_allclose(np.linalg.norm(fixed, axis=0), math.sqrt(d) / sigma,
                               rtol=1e-14)  # norm of an orthonormal column: ~d eps
    gram = fixed[:, :d].T @ fixed[:, :d]
    np.testing.assert_allclose(gram, d / sigma**2 * np.eye(d), atol=1e-13)  # Q^T Q = I to d eps, times d/sigma^2


def test_cauchy_frequencies_formula():
    """docs/kernels/random_features.md, section 2: i.i.d. Cauchy frequencies tan(pi(u - 1/2))/sigma,
    u ~ U[0, 1) drawn (d, m) from the generator, against sample_cauchy_frequencies."""
    d, m, sigma = 3, 4, 0.8
    u = np.random.default_rng(3).uniform(0.0, 1.0, (d, m))
    page = np.array([[math.tan(math.pi * (u[i, j] - 0.5)) / sigma for j in range(m)] for i in range(d)])
    got = sample_cauchy_frequencies(np.random.default_rng(3), d, m, sigma)
    np.testing.assert_allclose(got, page, rtol=1e-13)  # tan near +-pi/2 amplifies 1 ulp of its argument ~10x


def test_one_seed_gives_every_class_the_same_features():
    """docs/kernels/random_features.md, section 2: OrthogonalRandomFeatures(d, m, sigma=s, seed=k) equals
    GaussianRFFKernel(d, m, sigma=s, orthogonal=True, seed=k) and, for kernel_type="laplacian",
    LaplacianRFFKernel(d, m, sigma=s, seed=k), bit for bit."""
    d, m, s, k = 3, 5, 1.3, 11
    x = np.random.default_rng(4).standard_normal((2, d))
    orf = OrthogonalRandomFeatures(d, m, sigma=s, seed=k)
    gauss = GaussianRFFKernel(d, m, sigma=s, orthogonal=True, seed=k)
    assert np.array_equal(orf.frequencies(), gauss.omega)
    assert np.array_equal(orf.forward(x), gauss.forward(x))
    lap_orf = OrthogonalRandomFeatures(d, m, kernel_type="laplacian", sigma=s, seed=k)
    lap = LaplacianRFFKernel(d, m, sigma=s, seed=k)
    assert np.array_equal(lap_orf.forward(x), lap.forward(x))


# ----------------------------------------------------------------------------------------------------------
# 3. SORF


def _dense_sorf(diags):
    n = diags[0].shape[0]
    h = dense_hadamard(n) / math.sqrt(n)
    w = np.eye(n)
    for diag in diags:
        w = w @ np.diag(diag) @ h
    return w


def test_sorf_projection_eq3_as_a_dense_matrix():
    """docs/kernels/random_features.md, (3): a_0 = pad(x), a_{i+1} = (a_i * D_i) H~, xW = crop_m(a_3) with
    H~ = H_n/sqrt(n): xW = crop_m(pad(x) D_0 H~ D_1 H~ D_2 H~), the dense product built with scipy's Sylvester
    Hadamard matrix, against sorf_projection; n = 2^ceil(log2 max(d, m))."""
    rng = np.random.default_rng(5)
    d, m = 3, 6
    n = padded_dim(d, m)
    assert n == 2 ** math.ceil(math.log2(max(d, m)))
    diags = [rng.standard_normal(n) for _ in range(3)]
    x = rng.standard_normal((2, d))
    padded = np.hstack([x, np.zeros((2, n - d))])
    page = (padded @ _dense_sorf(diags))[:, :m]
    got = sorf_projection(x, *diags, num_features=m)
    np.testing.assert_allclose(got, page, rtol=0, atol=1e-13)  # 3 length-8 FWHTs vs matmuls: ~3*8 eps * |a|~5


def test_sorf_draw_column_lengths():
    """docs/kernels/random_features.md, section 3: specref's draw (Rademacher D_i, sqrt(n)/sigma folded into
    D_0) gives an n x n matrix whose every column has length sqrt(n)/sigma and whose first d rows have mean
    squared column length d/sigma^2 (averaged over the n columns)."""
    d, m, sigma = 3, 5, 0.6
    orf = OrthogonalRandomFeatures(d, m, sigma=sigma, use_hadamard=True, seed=6)
    n = orf.d_padded
    diags = [orf.buffers[f"diagonal_{i}"] for i in range(3)]
    assert set(np.abs(diags[0])) == {math.sqrt(n) / sigma}  # Rademacher times sqrt(n)/sigma, folded into D_0
    assert set(np.abs(diags[1])) == set(np.abs(diags[2])) == {1.0}  # Rademacher
    w = _dense_sorf(diags)
    np.testing.assert_allclose(np.linalg.norm(w, axis=0), math.sqrt(n) / sigma,
                               rtol=1e-14)  # orthogonal H~ to n eps, 3 products
    np.testing.assert_allclose(np.mean(np.sum(w[:d] ** 2, axis=0)), d / sigma**2,
                               rtol=1e-14)  # d rows of exact squared length n/sigma^2, ~n eps
    np.testing.assert_allclose(orf.frequencies(), w[:d, :m], rtol=0, atol=1e-14)  # FWHT vs matmul: ~8 eps of ~4


def test_sorf_projection_vjp_eq4():
    """docs/kernels/random_features.md, (4): abar_3 = pad_n(ybar), cbar_i = abar_{i+1} H~,
    Dbar_i = sum a_i * cbar_i, abar_i = cbar_i * D_i, xbar = crop_d(abar_0), written out with dense matrices,
    against sorf_projection_vjp, and central differences of the dense forward."""
    rng = np.random.default_rng(7)
    d, m = 3, 4
    n = padded_dim(d, m)
    h = dense_hadamard(n) / math.sqrt(n)
    diags = [rng.standard_normal(n) for _ in range(3)]
    x = rng.standard_normal((2, 2, d))
    y = sorf_projection(x, *diags, num_features=m)
    dy = rng.standard_normal(y.shape)
    a = [np.concatenate([x, np.zeros((2, 2, n - d))], axis=-1)]
    for diag in diags:
        a.append((a[-1] * diag) @ h)
    abar = np.concatenate([dy, np.zeros((2, 2, n - m))], axis=-1)
    ddiag = [None] * 3
    for i in (2, 1, 0):
        cbar = abar @ h
        ddiag[i] = np.sum(a[i] * cbar, axis=(0, 1))
        abar = cbar * diags[i]
    got = sorf_projection_vjp(dy, x, *diags, y, num_features=m)
    np.testing.assert_allclose(got[0], abar[..., :d], rtol=0, atol=1e-13)  # FWHT vs matmul, |values| <~ 10
    for i in range(3):
        np.testing.assert_allclose(got[1 + i], ddiag[i], rtol=0, atol=1e-13)  # sums of 4 terms of |.| <~ 10

    def dense(xa, ds):
        pad = np.concatenate([xa, np.zeros((*xa.shape[:-1], n - d))], axis=-1)
        return (pad @ _dense_sorf(ds))[..., :m]

    np.testing.assert_allclose(got[0], central_difference(lambda v: dense(v, diags), x, dy),
                               rtol=0, atol=1e-8)  # FD h=1e-6 of a linear map, |y| ~ 10: 10 eps/h ~ 2e-9
    for i in range(3):
        fd = central_difference(lambda v, i=i: dense(x, [v if j == i else diags[j] for j in range(3)]), diags[i], dy)
        np.testing.assert_allclose(got[1 + i], fd, rtol=0, atol=1e-8)  # FD h=1e-6, |y| ~ 10: 10 eps/h ~ 2e-9


# ----------------------------------------------------------------------------------------------------------
# 4. FAVOR+ positive features


def _hermite_grid_2d(points):
    """Nodes (2, points^2) and weights of a tensor Gauss-Hermite rule for N(0, I_2)."""
    t, wt = np.polynomial.hermite_e.hermegauss(points)
    wt = wt / wt.sum()
    g0, g1 = np.meshgrid(t, t, indexing="ij")
    return np.vstack([g0.ravel(), g1.ravel()]), np.outer(wt, wt).ravel()


def test_favor_mean_eq5_and_variance_eq7_by_quadrature():
    """docs/kernels/random_features.md, (5)-(7): for w ~ N(0, I_d), E[e^{w.x - |x|^2/2} e^{w.y - |y|^2/2}]
    = e^{x.y} and one column's variance is e^{2x.y}(e^{|x+y|^2} - 1) (so (7) for m columns), with
    phi = exp(xW - |x|^2/2)/sqrt(m) (6).

    d = 2, a 40 x 40 Gauss-Hermite rule (its error on e^{a.w}, |a| <= 2, is below 1e-15); every node is one
    column of positive_features, each product rescaled by m.
    """
    x, y = np.array([[0.3, -0.2]]), np.array([[0.4, 0.5]])
    nodes, weights = _hermite_grid_2d(40)
    m = nodes.shape[1]
    px, py = positive_features(x, nodes)[0], positive_features(y, nodes)[0]
    loop = np.exp(x @ nodes - 0.5 * np.sum(x * x))[0] / math.sqrt(m)
    np.testing.assert_allclose(px, loop, rtol=1e-14)  # same 4 flops and exp of |arg| < 5: ~5 eps
    single = px * py * m  # one column's estimate
    mean = np.sum(weights * single)
    var = np.sum(weights * single**2) - mean**2
    assert math.isclose(mean, math.exp(x[0] @ y[0]), rel_tol=1e-13)  # 1600 positive terms: rounding ~1e-15
    s = x[0] + y[0]
    assert math.isclose(var, math.exp(2 * x[0] @ y[0]) * (math.exp(s @ s) - 1), rel_tol=1e-12)  # cancels ~2x
    assert np.all(px > 0)


def test_favor_vjp_eq8():
    """docs/kernels/random_features.md, (8): with zbar = phibar * phi, xbar = zbar W^T - x sum_j zbar_j and
    Wbar = sum x^T zbar, against positive_features_vjp and central differences of the formula (6)."""
    rng = np.random.default_rng(8)
    x, w = 0.5 * rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 4))
    phi = positive_features(x, w)
    dphi = rng.standard_normal(phi.shape)
    zbar = dphi * phi
    dx, dw = positive_features_vjp(dphi, x, w, phi)
    np.testing.assert_allclose(dx, zbar @ w.T - x * zbar.sum(-1, keepdims=True),
                               rtol=0, atol=1e-14)  # length-4 sums of |.| < 5: <= 16 eps * 5
    np.testing.assert_allclose(dw, np.einsum("bnd,bnm->dm", x, zbar), rtol=0, atol=1e-14)  # 6 terms |.| < 5

    def formula6(xa, wa):
        return np.exp(xa @ wa - 0.5 * np.sum(xa * xa, axis=-1, keepdims=True)) / math.sqrt(wa.shape[1])

    np.testing.assert_allclose(dx, central_difference(lambda v: formula6(v, w), x, dphi),
                               rtol=0, atol=1e-8)  # FD h=1e-6 of |phi| < 5: 5 eps/h ~ 1e-9, margin 10
    np.testing.assert_allclose(dw, central_difference(lambda v: formula6(x, v), w, dphi),
                               rtol=0, atol=1e-8)  # FD h=1e-6 of |phi| < 5: 5 eps/h ~ 1e-9, margin 10


def test_favor_stabiliser_cancels_in_linear_attention_and_its_vjp_is_exact():
    """docs/kernels/random_features.md, section 4, stabiliser: "row" subtracts each row's largest exponent, so
    the largest feature is 1/sqrt(m) and the features are e^{-c} times (6); the factor cancels in
    phi(q)^T S / phi(q)^T z, and the VJP (8) holding c constant is the exact gradient of that output.

    The attention output and its gradient in q are written out here; the gradient is chained through
    positive_features_vjp of the stabilised features and compared with central differences of the
    unstabilised output.
    """
    rng = np.random.default_rng(9)
    q, k, v = rng.standard_normal((3, 2)), rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    w = rng.standard_normal((2, 5))
    m = w.shape[1]
    phi_q = positive_features(q, w, stabilize="row")
    t = q @ w - 0.5 * np.sum(q * q, axis=1, keepdims=True)
    np.testing.assert_allclose(phi_q.max(axis=1), 1 / math.sqrt(m), rtol=1e-15)  # exp(0) = 1 exactly, one scale
    np.testing.assert_allclose(phi_q, np.exp(t - t.max(axis=1, keepdims=True)) / math.sqrt(m),
                               rtol=1e-14)  # same flops: exp of |arg| < 10
    phi_k = positive_features(k, w)

    def attention(phi_query):
        s, z = phi_k.T @ v, phi_k.sum(axis=0)
        return (phi_query @ s) / (phi_query @ z)[:, None]

    out = attention(phi_q)
    np.testing.assert_allclose(out, attention(positive_features(q, w)), rtol=1e-13)  # ratios of 5-term sums
    g = rng.standard_normal(out.shape)
    s, z = phi_k.T @ v, phi_k.sum(axis=0)
    num, den = phi_q @ s, phi_q @ z
    dphi_q = (g @ s.T) / den[:, None] - z[None, :] * (np.sum(g * num, axis=1) / den**2)[:, None]
    dq, _ = positive_features_vjp(dphi_q, q, w, phi_q)
    fd = central_difference(lambda a: attention(positive_features(a, w)), q, g)
    np.testing.assert_allclose(dq, fd, rtol=0, atol=1e-8)  # FD h=1e-6 of |out| < 3: 3 eps/h ~ 1e-9, margin 10


# ----------------------------------------------------------------------------------------------------------
# ReLU and ELU features


def test_relu_features_forward_vjp_and_arccos_expectation():
    """docs/kernels/random_features.md, section 4: ReLU features sqrt(2/m) max(0, xW) with
    zbar = sqrt(2/m) 1[z > 0] phibar, xbar = zbar W^T, Wbar = sum x^T zbar; in expectation the order-1
    arc-cosine kernel (1/pi)|x||y|(sin t + (pi - t) cos t) (Cho & Saul), here by quadrature over the angle of
    w in d = 2 (E r^2 = 2 for the radius; Gauss-Legendre between the kinks), of relu_features."""
    rng = np.random.default_rng(10)
    x, w = rng.standard_normal((3, 2)), rng.standard_normal((2, 4))
    m = 4
    phi = relu_features(x, w)
    np.testing.assert_allclose(phi, math.sqrt(2 / m) * np.maximum(0, x @ w), rtol=0, atol=0)  # same flops
    dphi = rng.standard_normal(phi.shape)
    zbar = math.sqrt(2 / m) * (x @ w > 0) * dphi
    dx, dw = relu_features_vjp(dphi, x, w, phi)
    np.testing.assert_allclose(dx, zbar @ w.T, rtol=0, atol=1e-14)  # same length-4 sums, |.| < 5
    np.testing.assert_allclose(dw, x.T @ zbar, rtol=0, atol=1e-14)  # same length-3 sums, |.| < 5
    np.testing.assert_allclose(dx, central_difference(lambda a: relu_features(a, w), x, dphi),
                               rtol=0, atol=1e-8)  # FD h=1e-6, no kink within h (|z| > 1e-3 here): eps/h ~ 1e-10
    a, b = np.array([[1.0, 0.4]]), np.array([[-0.3, 0.9]])
    kinks = sorted({(math.atan2(p[0, 1], p[0, 0]) + s * math.pi / 2) % (2 * math.pi) for p in (a, b)
                    for s in (1, -1)})
    edges = [0.0, *kinks, 2 * math.pi]
    t, wt = np.polynomial.legendre.leggauss(20)  # exact to rounding on each piece (a product of two cosines)
    angles = np.concatenate([(hi - lo) / 2 * t + (hi + lo) / 2 for lo, hi in zip(edges[:-1], edges[1:], strict=True)])
    weights = np.concatenate([(hi - lo) / 2 * wt for lo, hi in zip(edges[:-1], edges[1:], strict=True)])
    u = np.vstack([np.cos(angles), np.sin(angles)])  # every node one column of relu_features
    prod = (relu_features(a, u) * relu_features(b, u))[0] * u.shape[1] / 2  # max(0, a.u) max(0, b.u)
    angle_mean = np.sum(weights * prod) / (2 * math.pi)
    expectation = 2 * (2 * angle_mean)  # E phi.phi = 2 E max max (the sqrt(2/m)^2 m), and E r^2 = 2
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    theta = math.acos(float(a[0] @ b[0]) / (na * nb))
    closed = na * nb / math.pi * (math.sin(theta) + (math.pi - theta) * math.cos(theta))
    assert math.isclose(expectation, closed, rel_tol=1e-13)  # 120 positive terms, exact rule per piece: ~1e-15


def test_elu_features_forward_and_vjp():
    """docs/kernels/random_features.md, section 4: ELU features (elu(xW) + 1)/sqrt(m) with
    zbar = phibar (1[z > 0]/sqrt(m) + 1[z <= 0] phi), xbar = zbar W^T, Wbar = sum x^T zbar, against
    elu_features / elu_features_vjp and central differences."""
    rng = np.random.default_rng(11)
    x, w = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 4))
    m = 4
    z = x @ w
    phi = elu_features(x, w)
    elu = np.where(z > 0, z, np.expm1(np.minimum(z, 0)))
    np.testing.assert_allclose(phi, (elu + 1) / math.sqrt(m), rtol=1e-15, atol=1e-16)  # e^z vs expm1(z)+1: 1 ulp
    dphi = rng.standard_normal(phi.shape)
    zbar = dphi * ((z > 0) / math.sqrt(m) + (z <= 0) * phi)
    dx, dw = elu_features_vjp(dphi, x, w, phi)
    np.testing.assert_allclose(dx, zbar @ w.T, rtol=0, atol=1e-14)  # same length-4 sums, |.| < 5
    np.testing.assert_allclose(dw, np.einsum("bnd,bnm->dm", x, zbar), rtol=0, atol=1e-14)  # 6-term sums, |.| < 5
    np.testing.assert_allclose(dx, central_difference(lambda a: elu_features(a, w), x, dphi),
                               rtol=0, atol=1e-8)  # FD h=1e-6 (C^1 at 0, |z| > 8e-4 here): eps/h ~ 1e-10, margin 100
    np.testing.assert_allclose(dw, central_difference(lambda a: elu_features(x, a), w, dphi),
                               rtol=0, atol=1e-8)  # FD h=1e-6: eps/h ~ 1e-10, margin 100


@pytest.mark.parametrize("d, m", [(3, 3), (5, 3), (2, 8)])
def test_padded_dim_is_the_next_power_of_two(d, m):
    """docs/kernels/random_features.md, section 3: x is zero-padded to n = 2^ceil(log2 max(d, m))."""
    assert padded_dim(d, m) == 2 ** math.ceil(math.log2(max(d, m)))


def test_favor_sequence_stabiliser_over_kept_rows():
    """docs/kernels/random_features.md, section 4, stabiliser "sequence": c is the largest exponent
    t = xW - |x|^2/2 over all kept rows of a sequence (keep=), the features are e^{-c} times (6), so the
    largest kept feature is 1/sqrt(m); a sequence with no kept row has c = 0 (positive_features's docstring)."""
    rng = np.random.default_rng(12)
    x, w = rng.standard_normal((2, 4, 2)), rng.standard_normal((2, 3))
    keep = np.array([[True, False, True, True], [False, False, False, False]])
    t = x @ w - 0.5 * np.sum(x * x, axis=-1, keepdims=True)
    phi = positive_features(x, w, stabilize="sequence", keep=keep)
    c0 = max(t[0, i].max() for i in range(4) if keep[0, i])
    np.testing.assert_allclose(phi[0], np.exp(t[0] - c0) / math.sqrt(3), rtol=1e-14)  # exp of |arg| < 10
    np.testing.assert_allclose(phi[0][keep[0]].max(), 1 / math.sqrt(3), rtol=1e-15)  # exp(0) exactly
    np.testing.assert_allclose(phi[1], np.exp(t[1]) / math.sqrt(3), rtol=1e-14)  # no kept row: c = 0


# ----------------------------------------------------------------------------------------------------------
# Cost


def test_orthogonal_draw_is_one_qr_per_block_and_sorf_stores_signs(monkeypatch):
    """docs/kernels/random_features.md, Cost: drawing orthogonal frequencies costs one QR of a d x d Gaussian block
    per d features (ceil(m/d) QRs, counted); SORF stores O(m) numbers (three diagonals of n <= 2 max(d, m)
    entries and the m phases) instead of the m d of a dense W."""
    log = []
    original = np.linalg.qr

    def counting_qr(a, *args, **kwargs):
        log.append(tuple(a.shape))
        return original(a, *args, **kwargs)

    monkeypatch.setattr(np.linalg, "qr", counting_qr)
    d, m = 3, 8
    sample_orthogonal_gaussian_frequencies(np.random.default_rng(0), d, m)
    assert log == [(d, d)] * math.ceil(m / d)
    monkeypatch.undo()
    d, m = 5, 16
    sorf = OrthogonalRandomFeatures(d, m, use_hadamard=True)
    stored = sum(a.size for a in sorf.buffers.values())
    n = padded_dim(d, m)
    assert stored == 3 * n + m and n <= 2 * max(d, m)
    dense = OrthogonalRandomFeatures(d, m)
    assert sum(a.size for a in dense.buffers.values()) == m * d + m
