"""Guards of docs/layers/attention.md: each formula of the page evaluated independently.

Linear attention's forward and backward (loops over the page's sums and the causal products P), FAVOR+'s
expectation and variance (Gauss-Hermite quadrature), the stabilisers, orthogonal features, the kernels
(positive Gaussian, learned spectral, polynomial, generalized), and the spectral-transform heads (LST, mixed
with its FFT head's complex backward) against dense transform matrices and central differences.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

from specref.kernels.attention_features import paired_positive_features, positive_features
from specref.kernels.rff import sample_orthogonal_gaussian_frequencies
from specref.layers.attention import (
    KernelAttention,
    LSTAttention,
    MixedSpectralAttention,
    PerformerAttention,
    SpectralAttention,
)
from specref.ops.linear_attention import linear_attention, linear_attention_vjp
from tests.book.central_differences import assert_directional
from tests.book.central_differences import fd_entrywise as _fd

EPS64 = np.finfo(np.float64).eps
FD_ATOL = 1e-8  # FD error of O(1) smooth maps: truncation h^2 ~ 1e-12 plus rounding ~10 eps/h ~ 2e-9, margin 5x
_assert_directional_fd = partial(assert_directional, atol=FD_ATOL)  # the file's per-entry tolerance


def _generic(layer, seed, scale=0.5):
    """Every param drawn N(0, scale^2): a generic point (nonzero biases, scales away from 1)."""
    rng = np.random.default_rng(seed)
    return layer.with_params({n: scale * rng.standard_normal(w.shape) for n, w in layer.params.items()})


def _in_j(n, causal):
    """in_j[i, j]: j in J_i (all keys, or j <= i when causal)."""
    return np.tril(np.ones((n, n), bool)) if causal else np.ones((n, n), bool)


def _ref_linear(phi_q, phi_k, v, causal, eps, keep=None):
    """y_i = phi_q_i^T S_i / (phi_q_i^T z_i + eps), S_i = sum_{j in J_i} phi_k_j v_j^T, z_i = sum phi_k_j (loops)."""
    n = phi_q.shape[0]
    inj = _in_j(n, causal) if keep is None else _in_j(n, causal) & keep[None, :]
    y = np.zeros((n, v.shape[1]))
    for i in range(n):
        s = sum((np.outer(phi_k[j], v[j]) for j in range(n) if inj[i, j]), np.zeros((phi_k.shape[1], v.shape[1])))
        z = sum((phi_k[j] for j in range(n) if inj[i, j]), np.zeros(phi_k.shape[1]))
        y[i] = phi_q[i] @ s / (phi_q[i] @ z + eps)
    return y


def _positive(rng, shape):
    return rng.uniform(0.2, 1.2, shape)


# ----------------------------------------------------------------------------------------------------------
# 1. Linear attention, forward


@pytest.mark.parametrize("causal", [False, True])
def test_linear_attention_forward_is_normalised_feature_attention(causal):
    """docs/layers/attention.md, 1. Linear attention, forward: y_i = phi_q_i^T S_i / (phi_q_i^T z_i + eps) with
    S_i, z_i sums over J_i, and the same as attention with weights A_ij = phi_q_i.phi_k_j / sum_{l in J_i}
    phi_q_i.phi_k_l (the dense N x N matrix), against linear_attention (causal: the prefix-sum scan)."""
    rng = np.random.default_rng(0)
    n, m, dv = 5, 3, 2
    phi_q, phi_k, v = _positive(rng, (n, m)), _positive(rng, (n, m)), rng.standard_normal((n, dv))
    for eps in (0.0, 0.3):
        got = linear_attention(phi_q, phi_k, v, causal=causal, eps=eps)
        np.testing.assert_allclose(got, _ref_linear(phi_q, phi_k, v, causal, eps), rtol=0,
                                   atol=1e-14)  # ratios of 5-term sums of positive O(1) terms: a few ulps
    scores = (phi_q @ phi_k.T) * _in_j(n, causal)
    weights = scores / scores.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(linear_attention(phi_q, phi_k, v, causal=causal), weights @ v, rtol=0,
                               atol=1e-14)  # the same sums in another order: a few ulps of O(1) values


# ----------------------------------------------------------------------------------------------------------
# 2. Linear attention, backward


def _causal_product(x, u, w, reverse=False):
    """P(x, u, w)_i = sum_{j <= i} (x_i . u_j) w_j (reverse: j >= i), a double loop."""
    n = x.shape[0]
    return np.array([sum(((x[i] @ u[j]) * w[j] for j in range(n) if (j >= i if reverse else j <= i)),
                         np.zeros(w.shape[1])) for i in range(n)])


@pytest.mark.parametrize("causal", [False, True])
def test_linear_attention_backward_lines(causal):
    """docs/layers/attention.md, 2. Linear attention, backward: g_i = dy_i / delta_i, ddelta_i = -g_i . y_i,
    dphi_q_i = S_i g_i + z_i ddelta_i, dS_j = sum_{i: j in J_i} phi_q_i g_i^T, dz_j = sum phi_q_i ddelta_i,
    dphi_k_j = dS_j v_j + dz_j, dv_j = dS_j^T phi_k_j (loops), and for causal the products
    dphi_q = P(G, v', phi_k), dphi_k = P^rev(v', G, phi_q), dv = P^rev(phi_k, phi_q, g), against
    linear_attention_vjp and central differences of linear_attention."""
    rng = np.random.default_rng(1)
    n, m, dv_ = 4, 3, 2
    eps = 0.2
    phi_q, phi_k, v = _positive(rng, (n, m)), _positive(rng, (n, m)), rng.standard_normal((n, dv_))
    dy = rng.standard_normal((n, dv_))
    inj = _in_j(n, causal)
    s = [sum((np.outer(phi_k[j], v[j]) for j in range(n) if inj[i, j]), np.zeros((m, dv_))) for i in range(n)]
    z = [sum((phi_k[j] for j in range(n) if inj[i, j]), np.zeros(m)) for i in range(n)]
    num = np.array([phi_q[i] @ s[i] for i in range(n)])
    delta = np.array([phi_q[i] @ z[i] + eps for i in range(n)])
    y = num / delta[:, None]
    g = dy / delta[:, None]
    ddelta = -np.sum(g * y, axis=1)
    dq_ref = np.array([s[i] @ g[i] + z[i] * ddelta[i] for i in range(n)])
    ds = [sum((np.outer(phi_q[i], g[i]) for i in range(n) if inj[i, j]), np.zeros((m, dv_))) for j in range(n)]
    dz = [sum((phi_q[i] * ddelta[i] for i in range(n) if inj[i, j]), np.zeros(m)) for j in range(n)]
    dk_ref = np.array([ds[j] @ v[j] + dz[j] for j in range(n)])
    dv_ref = np.array([ds[j].T @ phi_k[j] for j in range(n)])
    y_sp = linear_attention(phi_q, phi_k, v, causal=causal, eps=eps)
    got = linear_attention_vjp(dy, phi_q, phi_k, v, y_sp, causal=causal, eps=eps)
    for g_, want in zip(got, (dq_ref, dk_ref, dv_ref), strict=True):
        np.testing.assert_allclose(g_, want, rtol=0, atol=1e-13)  # <= 4-term sums of O(1) terms, two levels deep
    if causal:
        big_g, v1 = np.concatenate([g, ddelta[:, None]], axis=1), np.concatenate([v, np.ones((n, 1))], axis=1)
        np.testing.assert_allclose(_causal_product(big_g, v1, phi_k), dq_ref, rtol=0,
                                   atol=1e-13)  # the same <= 4-term sums regrouped
        np.testing.assert_allclose(_causal_product(v1, big_g, phi_q, reverse=True), dk_ref, rtol=0,
                                   atol=1e-13)  # the same <= 4-term sums regrouped
        np.testing.assert_allclose(_causal_product(phi_k, phi_q, g, reverse=True), dv_ref, rtol=0,
                                   atol=1e-13)  # the same <= 4-term sums regrouped

    def loss():
        return float(np.sum(dy * _ref_linear(phi_q, phi_k, v, causal, eps)))

    for arr, g_ in zip((phi_q, phi_k, v), got, strict=True):
        np.testing.assert_allclose(_fd(loss, arr), g_, rtol=0, atol=FD_ATOL)  # FD_ATOL: step 1e-6, see top


# ----------------------------------------------------------------------------------------------------------
# 3. FAVOR+


def test_favor_expectation_and_variance_by_quadrature():
    """docs/layers/attention.md, 3. FAVOR+: E[e^{w.x - |x|^2/2} e^{w.y - |y|^2/2}] = e^{x.y} for w ~ N(0, I_d),
    with variance (1/m) e^{2x.y}(e^{|x+y|^2} - 1) for m i.i.d. columns, by 60-point Gauss-Hermite quadrature in
    d = 2; and phi(x) = e^{xW - |x|^2/2}/sqrt(m) entrywise against positive_features."""
    x, y = np.array([0.4, -0.3]), np.array([0.2, 0.5])
    t, wt = np.polynomial.hermite_e.hermegauss(60)
    wt = wt / math.sqrt(2 * math.pi)  # weights of the N(0, 1) density
    w1, w2 = np.meshgrid(t, t, indexing="ij")
    weight = np.outer(wt, wt)
    prod = np.exp(w1 * x[0] + w2 * x[1] - x @ x / 2) * np.exp(w1 * y[0] + w2 * y[1] - y @ y / 2)
    mean = np.sum(weight * prod)
    second = np.sum(weight * prod**2)
    assert abs(mean - math.exp(x @ y)) < 1e-13  # quadrature of an entire integrand at 60 nodes: rounding only
    m = 7
    var_page = math.exp(2 * (x @ y)) * (math.exp((x + y) @ (x + y)) - 1) / m
    assert abs((second - mean**2) / m - var_page) < 1e-13  # the same quadrature: rounding only
    w = np.random.default_rng(2).standard_normal((2, m))
    xs = np.stack([x, y])
    dense = np.exp(xs @ w - np.sum(xs * xs, axis=1, keepdims=True) / 2) / math.sqrt(m)
    np.testing.assert_allclose(positive_features(xs, w), dense, rtol=4 * EPS64, atol=0)  # exp of a 2-term sum


def test_paired_stabilisers_formula_and_normaliser_floor():
    """docs/layers/attention.md, 3. Stabilisers: c_r = max_{j kept} t^k_jr, M_i = max_r (t^q_ir + c_r),
    phi_k_jr = e^{t^k_jr - c_r}/sqrt m, phi_q_ir = e^{t^q_ir + c_r - M_i}/sqrt m, phi_q_i.phi_k_j =
    e^{-M_i} (1/m) sum_r e^{t^q_ir + t^k_jr}, and (non-causal) every normaliser >= 1/m whatever the norms,
    against paired_positive_features (masked keys: features 0)."""
    rng = np.random.default_rng(3)
    n, d, m = 4, 3, 5
    w = rng.standard_normal((d, m))
    keep = np.array([True, False, True, True])
    for size in (0.5, 40.0):  # at 40 every unstabilised feature underflows: e^{-|x|^2/2} ~ e^{-800 d}
        q, k = size * rng.standard_normal((n, d)), size * rng.standard_normal((n, d))
        tq = q @ w - np.sum(q * q, axis=1, keepdims=True) / 2
        tk = k @ w - np.sum(k * k, axis=1, keepdims=True) / 2
        c = tk[keep].max(axis=0)
        big_m = (tq + c).max(axis=1, keepdims=True)
        phi_k_ref = np.exp(np.where(keep[:, None], tk - c, -np.inf)) / math.sqrt(m)
        phi_q_ref = np.exp(tq + c - big_m) / math.sqrt(m)
        phi_q, phi_k = paired_positive_features(q, k, w, keep=keep)
        # the exponents are differences of values of size ~size^2 d: absolute rounding ~ 4 eps size^2 d
        tol = 16 * EPS64 * max(1.0, size**2 * d)
        np.testing.assert_allclose(phi_q, phi_q_ref, rtol=tol, atol=0)  # relative: the exponent's rounding, tol
        np.testing.assert_allclose(phi_k, phi_k_ref, rtol=tol, atol=0)  # relative: the exponent's rounding, tol
        assert np.all((phi_q @ phi_k[keep].T).sum(axis=1) >= (1 - tol) / m)  # the floor 1/m (up to rounding)
        if size < 1:
            unstab = np.exp(tq[:, None, :] + tk[None, :, :]).sum(axis=2) / m * np.exp(-big_m)
            np.testing.assert_allclose((phi_q @ phi_k.T)[:, keep], unstab[:, keep], rtol=tol,  # derived above
                                       atol=0)  # m-term positive sums of the same exponentials: tol
        else:
            naive = np.exp(q @ w - np.sum(q * q, axis=1, keepdims=True) / 2)
            assert np.all(naive == 0.0)  # the underflow the stabilisers remove


def _split(a, h):
    d = a.shape[-1] // h
    return [a[:, t * d:(t + 1) * d] for t in range(h)]


def _ref_feature_layer(p, x, h, feats, eps, causal=False, keep=None):
    """(1)-(6) of the linear-attention layers: projections, heads, the page's features and linear attention."""
    q, k, v = (x @ p[f"{c}_proj.weight"].T + p[f"{c}_proj.bias"] for c in "qkv")
    heads = []
    for qt, kt, vt in zip(_split(q, h), _split(k, h), _split(v, h), strict=True):
        phi_q, phi_k = feats(qt, kt)
        heads.append(_ref_linear(phi_q, phi_k, vt, causal, eps, keep))
    return np.concatenate(heads, axis=1) @ p["out_proj.weight"].T + p["out_proj.bias"]


def _favor(w, prescale):
    def feats(qt, kt):
        u, uk = prescale * qt, prescale * kt
        f = [np.exp(a @ w - np.sum(a * a, axis=1, keepdims=True) / 2) / math.sqrt(w.shape[1]) for a in (u, uk)]
        return f[0], f[1]
    return feats


@pytest.mark.parametrize("causal", [False, True])
def test_spectral_attention_is_unstabilised_favor_and_backward_exact(causal):
    """docs/layers/attention.md, 3. FAVOR+ and Stabilisers: SpectralAttention (variant specref) computes linear
    attention with phi(x) = e^{xW - |x|^2/2}/sqrt m of x = d^{-1/4} q and eps = 0 -- the output does not depend
    on c or M (reference without stabilisers, a masked key); the backward, holding c and M constant, is the
    exact gradient: against central differences of the forward along random directions (input and
    q_proj.weight)."""
    layer = _generic(SpectralAttention(4, 2, num_features=3, seed=0), 4)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 4, 4))
    keep = np.array([True, True, False, True])
    p = {n: np.array(a) for n, a in layer.params.items()}
    w = np.array(layer.buffers["kernel.projection"])
    y, ctx = layer.forward(x, mask=keep[None], causal=causal)
    ref = _ref_feature_layer(p, x[0], 2, _favor(w, 2 ** -0.25), 0.0, causal, keep)  # d = 2: d^{-1/4}
    np.testing.assert_allclose(y[0], ref, rtol=0, atol=1e-13)  # chains of <= 4-term O(1) sums and one exp
    dy = rng.standard_normal(y.shape)
    dx, grads = layer.backward(ctx, dy)

    def loss():
        return float(np.sum(dy * layer.with_params(p).forward(x, mask=keep[None], causal=causal)[0]))

    _assert_directional_fd(loss, x, dx)
    _assert_directional_fd(loss, p["q_proj.weight"], grads["q_proj.weight"])


def test_causal_favor_raises_beyond_the_float_range():
    """docs/layers/attention.md, 3. Stabilisers: with causal, when one head's exponents span more than the
    float64 range an early query's normaliser is 0 and the forward raises FloatingPointError (measured from
    inputs x100 at D = 8), while non-causal stays finite (every normaliser >= 1/m); SpectralAttention."""
    layer = SpectralAttention(8, 2, num_features=8, seed=0)
    x = np.random.default_rng(6).standard_normal((1, 16, 8))
    assert np.all(np.isfinite(layer.forward(10 * x, causal=True)[0]))
    with pytest.raises(FloatingPointError), np.errstate(invalid="ignore"):
        layer.forward(100 * x, causal=True)
    assert np.all(np.isfinite(layer.forward(1000 * x)[0]))


def test_orthogonal_features_blocks():
    """docs/layers/attention.md, 3. Why orthogonal features help: W in blocks Q diag(sign diag R) times
    independent chi_d lengths (Q, R of a d x d Gaussian matrix): the page's recipe rebuilt from the same
    generator stream against sample_orthogonal_gaussian_frequencies(norms="chi"), columns orthogonal within a
    block; and SpectralAttention(use_orthogonal=True)'s projection has orthogonal columns within a block."""
    d, m = 3, 5
    rng = np.random.default_rng(7)
    blocks = []
    for _ in range(2):
        q, r = np.linalg.qr(rng.standard_normal((d, d)))
        blocks.append(q @ np.diag(np.sign(np.diag(r))) @ np.diag(np.sqrt(rng.chisquare(d, size=d))))
    page = np.concatenate(blocks, axis=1)[:, :m]
    got = sample_orthogonal_gaussian_frequencies(np.random.default_rng(7), d, m, 1.0, norms="chi")
    np.testing.assert_allclose(got, page, rtol=0, atol=0)
    gram = got[:, :d].T @ got[:, :d]
    np.testing.assert_allclose(gram - np.diag(np.diag(gram)), 0.0, rtol=0, atol=1e-14)  # 3-term O(d) dots
    proj = np.array(SpectralAttention(6, 2, num_features=3, seed=1).buffers["kernel.projection"])  # d = 3
    gram = proj.T @ proj
    np.testing.assert_allclose(gram - np.diag(np.diag(gram)), 0.0, rtol=0, atol=1e-13)  # 3-term dots of O(3)


# ----------------------------------------------------------------------------------------------------------
# 4. The kernels


def test_gaussian_kernel_features():
    """docs/layers/attention.md, 4. Positive Gaussian features: exp(-|q-k|^2/(2s^2)) = e^{-|q|^2/2s^2}
    e^{-|k|^2/2s^2} e^{q.k/s^2}; phi(x) = e^{omega.x - |x|^2/s^2}/sqrt m with s = 1/sqrt d is FAVOR+ of
    sqrt2 x/s with projection s Omega/sqrt2; KernelAttention("gaussian") against linear attention with those
    features (eps = 0)."""
    rng = np.random.default_rng(8)
    qv, kv, s = rng.standard_normal(2), rng.standard_normal(2), 0.7
    lhs = math.exp(-np.sum((qv - kv) ** 2) / (2 * s * s))
    rhs = math.exp(-qv @ qv / (2 * s * s)) * math.exp(-kv @ kv / (2 * s * s)) * math.exp(qv @ kv / s**2)
    assert abs(lhs - rhs) < 8 * EPS64  # three exps of O(1) arguments multiplied
    layer = _generic(KernelAttention(4, 2, kernel_type="gaussian", num_features=3, seed=0), 9)
    omega = np.array(layer.buffers["kernel.omega"])
    d = 2
    s = 1 / math.sqrt(d)
    xs = rng.standard_normal((3, d))
    page = np.exp(xs @ omega - np.sum(xs * xs, axis=1, keepdims=True) / s**2) / math.sqrt(3)
    favor = positive_features(math.sqrt(2) * xs / s, s * omega / math.sqrt(2))
    np.testing.assert_allclose(favor, page, rtol=1e-14, atol=0)  # exp of a 2-term sum, rescaled: a few ulps

    def feats(qt, kt):
        f = [np.exp(a @ omega - np.sum(a * a, axis=1, keepdims=True) / s**2) / math.sqrt(3) for a in (qt, kt)]
        return f[0], f[1]

    x = rng.standard_normal((1, 4, 4))
    p = {n: np.array(a) for n, a in layer.params.items()}
    np.testing.assert_allclose(layer.forward(x)[0][0], _ref_feature_layer(p, x[0], 2, feats, 0.0), rtol=0,
                               atol=1e-13)  # chains of <= 4-term O(1) sums and one exp


def test_spectral_kernel_learned_projection():
    """docs/layers/attention.md, 4. Spectral: W = V diag(sqrt(|lambda| + 1e-8)) used in the FAVOR+ form
    (variant specref, inputs scaled by d^{-1/4}); KernelAttention("spectral") against that reference, with a
    negative eigenvalue (the |.|), and its eigenvalue gradient against central differences."""
    layer = _generic(KernelAttention(4, 2, kernel_type="spectral", rank=2, seed=0), 10)
    p = {n: np.array(a) for n, a in layer.params.items()}
    p["kernel.eigenvalues"][0] = -abs(p["kernel.eigenvalues"][0])
    layer = layer.with_params(p)
    w = p["kernel.eigenvectors"] * np.sqrt(np.abs(p["kernel.eigenvalues"]) + 1e-8)
    x = np.random.default_rng(11).standard_normal((1, 3, 4))
    y, ctx = layer.forward(x)
    np.testing.assert_allclose(y[0], _ref_feature_layer(p, x[0], 2, _favor(w, 2 ** -0.25), 0.0), rtol=0,
                               atol=1e-13)  # chains of <= 4-term O(1) sums and one exp
    dy = np.random.default_rng(12).standard_normal(y.shape)
    _, grads = layer.backward(ctx, dy)

    def loss():
        return float(np.sum(dy * layer.with_params(p).forward(x)[0]))

    np.testing.assert_allclose(_fd(loss, p["kernel.eigenvalues"]), grads["kernel.eigenvalues"], rtol=0,
                               atol=FD_ATOL)  # FD_ATOL: step 1e-6, see top (|lambda| >> h: no kink)


def test_polynomial_kernel_weights():
    """docs/layers/attention.md, 4. Polynomial: S = (Q K^T + 1)^2 / (|Q| |K|^T + 1e-8), a softmax over the kept
    keys, then A V; KernelAttention("polynomial") forward (ctx.weights = A) against a loop reference, per head,
    with a mask, and its backward against central differences."""
    layer = _generic(KernelAttention(4, 2, kernel_type="polynomial", seed=0), 13)
    p = {n: np.array(a) for n, a in layer.params.items()}
    rng = np.random.default_rng(14)
    x = rng.standard_normal((1, 4, 4))
    keep = np.array([True, False, True, True])
    y, ctx = layer.forward(x, mask=keep[None])
    q, k, v = (x[0] @ p[f"{c}_proj.weight"].T + p[f"{c}_proj.bias"] for c in "qkv")
    heads = []
    for t, (qt, kt, vt) in enumerate(zip(_split(q, 2), _split(k, 2), _split(v, 2), strict=True)):
        s = np.array([[(qt[i] @ kt[j] + 1) ** 2 / (np.linalg.norm(qt[i]) * np.linalg.norm(kt[j]) + 1e-8)
                       for j in range(4)] for i in range(4)])
        e = np.where(keep[None, :], np.exp(s - s[:, keep].max(axis=1, keepdims=True)), 0.0)
        a = e / e.sum(axis=1, keepdims=True)
        np.testing.assert_allclose(ctx.weights[0, t], a, rtol=0, atol=1e-14)  # P in [0,1]: few-ulp exp and sums
        heads.append(a @ vt)
    ref = np.concatenate(heads, axis=1) @ p["out_proj.weight"].T + p["out_proj.bias"]
    np.testing.assert_allclose(y[0], ref, rtol=0, atol=1e-13)  # chains of <= 4-term O(1) sums
    dy = rng.standard_normal(y.shape)
    dx, _ = layer.backward(ctx, dy)

    def loss():
        return float(np.sum(dy * layer.forward(x, mask=keep[None])[0]))

    np.testing.assert_allclose(_fd(loss, x), dx, rtol=0, atol=FD_ATOL)  # FD_ATOL: step 1e-6, see top


def test_generalized_performer_relu_features():
    """docs/layers/attention.md, 4. Generalized: phi_q = relu(Q)/sqrt d, phi_k = relu(K), normalised with
    eps = 1e-6 in variant specref; PerformerAttention(generalized=True) against that reference."""
    layer = _generic(PerformerAttention(4, 2, generalized=True, seed=0), 15)
    p = {n: np.array(a) for n, a in layer.params.items()}
    x = np.random.default_rng(16).standard_normal((1, 4, 4))

    def feats(qt, kt):
        return np.maximum(qt, 0) / math.sqrt(2), np.maximum(kt, 0)

    ref = _ref_feature_layer(p, x[0], 2, feats, 1e-6)
    np.testing.assert_allclose(layer.forward(x)[0][0], ref, rtol=0,
                               atol=1e-12)  # normaliser can be ~1e-2: ratio error ~1e-14 / 1e-2, margin


# ----------------------------------------------------------------------------------------------------------
# 5. Spectral-transform attention


def _dct(n):
    c = np.array([[math.sqrt(2 / n) * math.cos(math.pi * (2 * j + 1) * k / (2 * n)) for j in range(n)]
                  for k in range(n)])
    c[0] /= math.sqrt(2)
    return c


def _dst(n):
    s = np.array([[math.sqrt(2 / n) * math.sin(math.pi * (2 * j + 1) * (k + 1) / (2 * n)) for j in range(n)]
                  for k in range(n)])
    s[-1] /= math.sqrt(2)
    return s


def _hadamard(n):
    h = np.array([[1.0]])
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h / math.sqrt(n)


def _dft(n):
    j = np.arange(n)
    return np.exp(-2j * np.pi * np.outer(j, j) / n) / math.sqrt(n)


def test_lst_attention_dense_transforms():
    """docs/layers/attention.md, 5. Spectral-transform attention (LST): per head a = q^ . k^ . s with c^ = T c
    (DCT-II, DST-II ortho, normalized Hadamard in natural order: "mixed" cycles them), o = a . v^,
    o / (sum_f |a| + 1e-6), then T^{-1}; LSTAttention against dense matrices, its backward against central
    differences along random directions (|a| away from 0)."""
    n, h = 4, 3
    layer = _generic(LSTAttention(6, h, transform_type="mixed", seed=0), 17)
    p = {nm: np.array(a) for nm, a in layer.params.items()}
    x = np.random.default_rng(18).standard_normal((1, n, 6))
    q, k, v = (x[0] @ p[f"{c}_proj.weight"].T + p[f"{c}_proj.bias"] for c in "qkv")
    heads = []
    for t, (qt, kt, vt) in enumerate(zip(_split(q, h), _split(k, h), _split(v, h), strict=True)):
        tm = (_dct(n), _dst(n), _hadamard(n))[t]
        a = (tm @ qt) * (tm @ kt) * p["scale"][t]
        o = a * (tm @ vt)
        heads.append(tm.T @ (o / (np.abs(a).sum(axis=1, keepdims=True) + 1e-6)))  # T orthonormal: T^{-1} = T^T
    ref = np.concatenate(heads, axis=1) @ p["out_proj.weight"].T + p["out_proj.bias"]
    y, ctx = layer.forward(x)
    np.testing.assert_allclose(y[0], ref, rtol=0, atol=1e-13)  # chains of <= 6-term O(1) sums and a division
    dy = np.random.default_rng(19).standard_normal(y.shape)
    dx, grads = layer.backward(ctx, dy)

    def loss():
        return float(np.sum(dy * layer.with_params(p).forward(x)[0]))

    # gradients up to ~10 through the division by sum|a| ~ 0.1: third derivatives ~1e4, truncation h^2 1e4 = 1e-8
    _assert_directional_fd(loss, x, dx, atol=1e-7)  # FD truncation ~1e-8 per entry (line above), margin 10
    _assert_directional_fd(loss, p["scale"], grads["scale"], atol=1e-7)  # as the line above


def test_mixed_fft_head_forward_and_complex_backward_lines():
    """docs/layers/attention.md, 5. Mixed, FFT head: a = q^ . conj(k^) . s, u = Re T^{-1}(a . v^) with the
    orthonormal DFT; backward do = (T^{-1})^H du, da = do conj(v^), dv^ = do conj(a), dq^ = da k^ s,
    dk^ = conj(da) q^ s, dq = Re T^H dq^ (likewise k, v), evaluated with dense matrices against central
    differences of the page's forward; MixedSpectralAttention (an FFT and a DCT head) forward against the
    dense reference and its backward against central differences along random directions."""
    n, d = 4, 2
    rng = np.random.default_rng(20)
    f = _dft(n)
    finv = np.conj(f).T  # unitary
    s = rng.standard_normal(d)
    qt, kt, vt = rng.standard_normal((n, d)), rng.standard_normal((n, d)), rng.standard_normal((n, d))
    du = rng.standard_normal((n, d))

    def head(q_, k_, v_):
        return np.real(finv @ ((f @ q_) * np.conj(f @ k_) * s * (f @ v_)))

    qh, kh, vh = f @ qt, f @ kt, f @ vt
    a = qh * np.conj(kh) * s
    do = np.conj(finv).T @ du
    da = do * np.conj(vh)
    dvh = do * np.conj(a)
    dqh = da * kh * s
    dkh = np.conj(da) * qh * s
    lines = [np.real(np.conj(f).T @ g) for g in (dqh, dkh, dvh)]

    def loss():
        return float(np.sum(du * head(qt, kt, vt)))

    for arr, want in zip((qt, kt, vt), lines, strict=True):
        np.testing.assert_allclose(_fd(loss, arr), want, rtol=0, atol=FD_ATOL)  # FD_ATOL: step 1e-6, see top
    # the layer: head 0 FFT, head 1 DCT
    layer = _generic(MixedSpectralAttention(4, 2, use_fft=True, use_dct=True, use_hadamard=False, seed=0), 21)
    p = {nm: np.array(w) for nm, w in layer.params.items()}
    x = rng.standard_normal((1, n, 4))
    q, k, v = (x[0] @ p[f"{c}_proj.weight"].T + p[f"{c}_proj.bias"] for c in "qkv")
    (q0, q1), (k0, k1), (v0, v1) = _split(q, 2), _split(k, 2), _split(v, 2)
    sf, sd = p["scales.fft"][0, 0], p["scales.dct"][0, 0]
    u0 = np.real(finv @ ((f @ q0) * np.conj(f @ k0) * sf * (f @ v0)))
    c = _dct(n)
    u1 = c.T @ ((c @ q1) * (c @ k1) * sd * (c @ v1))
    ref = np.concatenate([u0, u1], axis=1) @ p["out_proj.weight"].T + p["out_proj.bias"]
    y, ctx = layer.forward(x)
    np.testing.assert_allclose(y[0], ref, rtol=0, atol=1e-13)  # chains of <= 4-term O(1) complex sums
    dy = rng.standard_normal(y.shape)
    dx, grads = layer.backward(ctx, dy)

    def layer_loss():
        return float(np.sum(dy * layer.with_params(p).forward(x)[0]))

    _assert_directional_fd(layer_loss, x, dx)
    _assert_directional_fd(layer_loss, p["scales.fft"], grads["scales.fft"])
