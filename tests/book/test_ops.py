"""Guards of docs/ops.md (the generated table of elementary primitives and the choices at kinks).

For a representative set of rows of the table, the forward is evaluated from the formula written in its
"forward" column (a plain loop or scalar math) and the VJP against central differences of that formula
(complex inputs: the gradient dL/da + i dL/db of L = Re sum conj(ybar) y, the page's convention) and,
where it is a closed form, against the "derivative" column itself.
"""

from __future__ import annotations

import cmath
import math

import numpy as np
import pytest

from specref.ops.activations import elu, elu_vjp, leaky_relu, leaky_relu_vjp
from specref.ops.attention import scaled_dot_product_attention, scaled_dot_product_attention_vjp
from specref.ops.batch_norm import batch_norm, batch_norm_vjp
from specref.ops.complex import abs as cabs
from specref.ops.complex import abs_vjp, angle, angle_vjp, cmul, cmul_vjp, view_as_real, view_as_real_adjoint
from specref.ops.conv import conv2d, conv2d_vjp
from specref.ops.elementwise import gelu, gelu_vjp, relu_vjp, silu, silu_vjp, softshrink, softshrink_vjp
from specref.ops.embedding import embedding, embedding_vjp
from specref.ops.linear import block_linear, block_linear_vjp, linear, linear_vjp
from specref.ops.linear_attention import linear_attention, linear_attention_vjp
from specref.ops.longconv import longconv, longconv_adjoint, longconv_vjp
from specref.ops.norm import layer_norm, layer_norm_vjp
from specref.ops.row_normalize import normalize_rows_clamped, normalize_rows_clamped_vjp
from specref.ops.sequence_pool import masked_max, masked_max_vjp, masked_mean, masked_mean_vjp
from specref.ops.softmax import softmax, softmax_vjp
from tests.book.central_differences import fd_vjp as fd_grad

EPS64 = np.finfo(np.float64).eps
FD_ATOL = 1e-8  # central differences, h = 1e-6, of O(1)-O(10) outputs: rounding 10 eps/h ~ 2e-9, margin 5


# ----------------------------------------------------------------------------------------------------------
# elementwise rows


def test_elu_and_leaky_relu_rows():
    """docs/ops.md, rows elu / elu_vjp and leaky_relu / leaky_relu_vjp: y = x (x > 0), alpha(e^x - 1) or s x
    (x <= 0); xbar = ybar * (1 or alpha e^x or s), by scalar math and central differences."""
    x = np.array([-2.0, -0.3, 0.4, 1.5])
    dy = np.array([0.7, -1.1, 0.5, 2.0])
    alpha, s = 1.3, 0.05
    y = elu(x, alpha=alpha)
    np.testing.assert_allclose(y, [v if v > 0 else alpha * (math.exp(v) - 1) for v in x],
                               rtol=1e-15, atol=1e-16)  # expm1 vs exp - 1: 1 ulp of |y| <= 1.5
    page = dy * np.array([1.0 if v > 0 else alpha * math.exp(v) for v in x])
    np.testing.assert_allclose(elu_vjp(dy, x, y, alpha=alpha), page, rtol=1e-15)  # one exp and product: 2 ulps
    np.testing.assert_allclose(page, fd_grad(lambda v: elu(v, alpha=alpha), x, dy), rtol=0, atol=FD_ATOL)  # FD
    y = leaky_relu(x, negative_slope=s)
    np.testing.assert_array_equal(y, [v if v > 0 else s * v for v in x])
    page = dy * np.array([1.0 if v > 0 else s for v in x])
    np.testing.assert_array_equal(leaky_relu_vjp(dy, x, y, negative_slope=s), page)
    np.testing.assert_allclose(page, fd_grad(lambda v: leaky_relu(v, negative_slope=s), x, dy),
                               rtol=0, atol=FD_ATOL)  # FD h=1e-6 (no kink within h), see FD_ATOL


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_row(approximate):
    """docs/ops.md, row gelu / gelu_vjp: y = x Phi(x) = (x/2)(1 + erf(x/sqrt 2)), xbar = ybar (Phi + x phi);
    "Variants": approximate="tanh" is (x/2)(1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))). math.erf and central
    differences."""
    x = np.array([-3.0, -0.7, 0.0, 0.4, 2.2])
    dy = np.array([1.0, -0.5, 0.3, 2.0, -1.2])
    y = gelu(x, approximate=approximate)
    if approximate == "none":
        page = [v / 2 * (1 + math.erf(v / math.sqrt(2))) for v in x]
        dpage = dy * np.array([0.5 * (1 + math.erf(v / math.sqrt(2))) + v * math.exp(-v * v / 2)
                               / math.sqrt(2 * math.pi) for v in x])
        np.testing.assert_allclose(gelu_vjp(dy, x, y), dpage, rtol=1e-14, atol=1e-16)  # erf vs erfc: few ulps
    else:
        page = [v / 2 * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3))) for v in x]
    np.testing.assert_allclose(y, page, rtol=1e-14, atol=1e-16)  # erfc(-x/sqrt2)/2 vs (1+erf)/2: a few ulps
    fd = fd_grad(lambda v: gelu(v, approximate=approximate), x, dy)
    np.testing.assert_allclose(gelu_vjp(dy, x, y, approximate=approximate), fd, rtol=0, atol=FD_ATOL)  # FD


def test_silu_row():
    """docs/ops.md, row silu / silu_vjp: y = x sigma(x), xbar = ybar sigma(x)(1 + x(1 - sigma(x)))."""
    x = np.array([-4.0, -0.5, 0.0, 1.7])
    dy = np.array([0.3, 1.0, -2.0, 0.8])
    sig = np.array([1 / (1 + math.exp(-v)) for v in x])
    y = silu(x)
    np.testing.assert_allclose(y, x * sig, rtol=1e-15, atol=1e-17)  # sigmoid via exp: 2 ulps
    page = dy * sig * (1 + x * (1 - sig))
    np.testing.assert_allclose(silu_vjp(dy, x, y), page, rtol=1e-14)  # a few flops of O(1): ~4 ulps
    np.testing.assert_allclose(page, fd_grad(silu, x, dy), rtol=0, atol=FD_ATOL)  # central differences


def test_softshrink_and_relu_rows_with_their_kinks():
    """docs/ops.md, rows softshrink / relu and "Choices at kinks": y = sign(x) max(|x| - lambda, 0),
    xbar = ybar 1[|x| > lambda], 0 at x = +-lambda; relu_vjp is 0 at x = 0."""
    lam = 0.5
    x = np.array([-1.2, -0.5, -0.2, 0.0, 0.5, 0.9])
    dy = np.ones_like(x) * 3.0
    y = softshrink(x, lambd=lam)
    np.testing.assert_array_equal(y, [math.copysign(max(abs(v) - lam, 0.0), v) for v in x])
    np.testing.assert_array_equal(softshrink_vjp(dy, x, y, lambd=lam), dy * (np.abs(x) > lam))
    assert softshrink_vjp(dy, x, y, lambd=lam)[1] == 0.0 and softshrink_vjp(dy, x, y, lambd=lam)[4] == 0.0
    assert relu_vjp(np.array([2.0]), np.array([0.0]), np.array([0.0]))[0] == 0.0


def test_softmax_row():
    """docs/ops.md, row softmax / softmax_vjp: y_i = e^{x_i - m}/sum_j e^{x_j - m}, m = max x;
    xbar_j = y_j (ybar_j - sum_i ybar_i y_i); no overflow at large x ("Variants")."""
    x = np.array([[0.3, -1.0, 2.0], [800.0, 801.0, 799.0]])
    dy = np.array([[1.0, -0.4, 0.2], [0.5, 0.1, -2.0]])
    y = softmax(x, axis=-1)
    page = np.array([[math.exp(v - max(row)) / sum(math.exp(u - max(row)) for u in row) for v in row] for row in x])
    np.testing.assert_allclose(y, page, rtol=1e-15)  # 3 exps and a 3-term sum: ~3 ulps
    dpage = y * (dy - np.sum(dy * y, axis=-1, keepdims=True))
    np.testing.assert_allclose(softmax_vjp(dy, x, y, axis=-1), dpage, rtol=0, atol=1e-15)  # same flops, |.| < 3
    np.testing.assert_allclose(dpage, fd_grad(lambda v: softmax(v, axis=-1), x, dy),
                               rtol=0, atol=FD_ATOL)  # central differences (x + 800 loses 1e-13 absolute: /h fine)


# ----------------------------------------------------------------------------------------------------------
# normalizations


def test_layer_norm_row():
    """docs/ops.md, row layer_norm / layer_norm_vjp: y = (x - mu)/sqrt(var + eps) * w + b (biased variance);
    xbar = r(g - <g> - xhat <g xhat>), g = ybar w; wbar = sum ybar xhat, bbar = sum ybar. Loops over the
    definitions and central differences."""
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal(4), rng.standard_normal(4)
    eps = 0.1
    y = layer_norm(x, w, b, eps=eps)
    page = np.empty_like(x)
    for idx in np.ndindex(x.shape[:-1]):
        row = x[idx]
        mu = sum(row) / 4
        var = sum((v - mu) ** 2 for v in row) / 4
        page[idx] = (row - mu) / math.sqrt(var + eps) * w + b
    np.testing.assert_allclose(y, page, rtol=0, atol=1e-14)  # 4-term means and a sqrt, |y| < 10: ~10 eps*10
    dy = rng.standard_normal(x.shape)
    dx, dw, db = layer_norm_vjp(dy, x, w, b, y, eps=eps)
    mu = x.mean(-1, keepdims=True)
    r = 1 / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + eps)
    xhat, g = (x - mu) * r, dy * w
    dx_page = r * (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True))
    np.testing.assert_allclose(dx, dx_page, rtol=0, atol=1e-14)  # same 4-term means of |.| < 10
    np.testing.assert_allclose(dw, np.sum(dy * xhat, axis=(0, 1)), rtol=0, atol=1e-14)  # 6-term sums
    np.testing.assert_allclose(db, np.sum(dy, axis=(0, 1)), rtol=0, atol=1e-14)  # 6-term sums
    np.testing.assert_allclose(dx, fd_grad(lambda v: layer_norm(v, w, b, eps=eps), x, dy),
                               rtol=0, atol=FD_ATOL)  # central differences
    np.testing.assert_allclose(dw, fd_grad(lambda v: layer_norm(x, v, b, eps=eps), w, dy),
                               rtol=0, atol=FD_ATOL)  # central differences


def test_batch_norm_row():
    """docs/ops.md, row batch_norm / batch_norm_vjp: per channel c (axis 1), y = (x - mu_c)/sqrt(var_c + eps)
    w_c + b_c with the biased batch variance; xbar = w/sqrt(var + eps)(ybar - <ybar> - xhat <ybar xhat>)."""
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((3, 2, 2)), rng.standard_normal(2), rng.standard_normal(2)
    eps = 0.2
    y = batch_norm(x, w, b, eps=eps)
    page = np.empty_like(x)
    for c in range(2):
        vals = x[:, c].ravel()
        mu = sum(vals) / len(vals)
        var = sum((v - mu) ** 2 for v in vals) / len(vals)
        page[:, c] = (x[:, c] - mu) / math.sqrt(var + eps) * w[c] + b[c]
    np.testing.assert_allclose(y, page, rtol=0, atol=1e-14)  # 6-term means and a sqrt, |y| < 10
    dy = rng.standard_normal(x.shape)
    dx, dw, db = batch_norm_vjp(dy, x, w, b, y, eps=eps)
    mu = x.mean(axis=(0, 2), keepdims=True)
    var = ((x - mu) ** 2).mean(axis=(0, 2), keepdims=True)
    xhat = (x - mu) / np.sqrt(var + eps)
    dx_page = w[None, :, None] / np.sqrt(var + eps) * (dy - dy.mean(axis=(0, 2), keepdims=True)
                                                        - xhat * (dy * xhat).mean(axis=(0, 2), keepdims=True))
    np.testing.assert_allclose(dx, dx_page, rtol=0, atol=1e-14)  # same 6-term means of |.| < 10
    np.testing.assert_allclose(dw, np.sum(dy * xhat, axis=(0, 2)), rtol=0, atol=1e-14)  # 6-term sums
    np.testing.assert_allclose(db, np.sum(dy, axis=(0, 2)), rtol=0, atol=1e-14)  # 6-term sums
    np.testing.assert_allclose(dx, fd_grad(lambda v: batch_norm(v, w, b, eps=eps), x, dy),
                               rtol=0, atol=FD_ATOL)  # central differences


def test_normalize_rows_clamped_row():
    """docs/ops.md, row normalize_rows_clamped: y_i = x_i / max(|x_i|, eps); xbar_i = (ybar_i - y_i(y_i.ybar_i))/r_i
    above the clamp and ybar_i/eps below it; formula and central differences (a row below the clamp)."""
    rng = np.random.default_rng(2)
    eps = 0.5
    x = rng.standard_normal((3, 3))
    x[1] *= 0.1 / np.linalg.norm(x[1])  # norm 0.1 < eps: the clamp
    y = normalize_rows_clamped(x, eps=eps)
    norms = np.linalg.norm(x, axis=1)
    np.testing.assert_allclose(y, x / np.maximum(norms, eps)[:, None], rtol=1e-15)  # same flops, 1-2 ulps
    dy = rng.standard_normal(x.shape)
    page = np.array([(dy[i] - y[i] * (y[i] @ dy[i])) / norms[i] if norms[i] > eps else dy[i] / eps
                     for i in range(3)])
    got = normalize_rows_clamped_vjp(dy, x, y, eps=eps)
    np.testing.assert_allclose(got, page, rtol=0, atol=1e-14)  # 3-term dot of |.| < 3, / r: ~10 eps
    np.testing.assert_allclose(got, fd_grad(lambda v: normalize_rows_clamped(v, eps=eps), x, dy),
                               rtol=0, atol=FD_ATOL)  # central differences (0.1 is far from the clamp at 0.5)


# ----------------------------------------------------------------------------------------------------------
# complex rows


def test_cmul_abs_angle_rows_and_kinks():
    """docs/ops.md, rows cmul, abs, angle and "Choices at kinks": y = a b with abar = sum_bcast ybar conj(b);
    |x| with xbar = ybar x/|x| (0 at 0); atan2(Im x, Re x) with xbar = ybar i x/|x|^2 (0 at 0, 0 for real x);
    real angle is pi for x < 0 and 0 for x >= 0 (also -0.0). The convention dL/da + i dL/db by central
    differences."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    b = rng.standard_normal(3) + 1j * rng.standard_normal(3)  # broadcast along the first axis
    y = cmul(a, b)
    np.testing.assert_allclose(y, [[a[i, j] * b[j] for j in range(3)] for i in range(2)],
                               rtol=0, atol=4 * EPS64)  # one complex product of |.| < 3, fused or not: 1 ulp
    dy = rng.standard_normal(y.shape) + 1j * rng.standard_normal(y.shape)
    da, db = cmul_vjp(dy, a, b, y)
    np.testing.assert_allclose(da, dy * np.conj(b), rtol=0, atol=1e-15)  # one complex product of O(1): 2 ulps
    np.testing.assert_allclose(db, np.sum(dy * np.conj(a), axis=0), rtol=0, atol=1e-15)  # 2-term sum: 4 ulps
    np.testing.assert_allclose(da, fd_grad(lambda v: cmul(v, b), a, dy), rtol=0, atol=FD_ATOL)  # FD
    np.testing.assert_allclose(db, fd_grad(lambda v: cmul(a, v), b, dy), rtol=0, atol=FD_ATOL)  # FD, summed

    x = np.array([0.6 - 0.8j, -1.5 + 0.2j, 0.0 + 0.0j, -0.3 - 2.0j])
    dyr = np.array([1.0, -0.5, 2.0, 0.7])
    ya = cabs(x)
    np.testing.assert_allclose(ya, [math.hypot(v.real, v.imag) for v in x], rtol=1e-15)  # hypot: 1 ulp
    dabs = abs_vjp(dyr, x, ya)
    page = np.array([dyr[i] * x[i] / abs(x[i]) if x[i] != 0 else 0.0 for i in range(4)])
    np.testing.assert_allclose(dabs, page, rtol=0, atol=1e-15)  # one division of |.| <= 2: 2 ulps
    assert dabs[2] == 0.0
    nonzero = [0, 1, 3]
    np.testing.assert_allclose(dabs[nonzero], fd_grad(cabs, x[nonzero], dyr[nonzero]),
                               rtol=0, atol=FD_ATOL)  # central differences away from 0

    yt = angle(x)
    np.testing.assert_allclose(yt, [math.atan2(v.imag, v.real) for v in x], rtol=1e-15)  # atan2: 1 ulp
    dang = angle_vjp(dyr, x, yt)
    page = np.array([dyr[i] * 1j * x[i] / abs(x[i]) ** 2 if x[i] != 0 else 0.0 for i in range(4)])
    np.testing.assert_allclose(dang, page, rtol=0, atol=1e-15)  # i sgn(x)/|x| vs i x/|x|^2: 2 ulps of |.| < 3
    assert dang[2] == 0.0
    np.testing.assert_allclose(dang[nonzero], fd_grad(angle, x[nonzero], dyr[nonzero]),
                               rtol=0, atol=FD_ATOL)  # central differences (off the branch cut: Im x != 0)
    real_x = np.array([-2.0, -0.0, 0.0, 3.0])
    np.testing.assert_array_equal(angle(real_x), [math.pi, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(angle_vjp(np.ones(4), real_x, angle(real_x)), np.zeros(4))
    assert cmath.phase(-2.0) == math.pi  # the page's value is the principal argument


def test_view_as_real_adjoint_row():
    """docs/ops.md, row view_as_real / view_as_real_adjoint: y_{..,0} = Re z, y_{..,1} = Im z; adjoint
    z = y_0 + i y_1, checked by the defining identity <y, view_as_real(z)> = Re<view_as_real_adjoint(y), z>."""
    rng = np.random.default_rng(4)
    z = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    y = view_as_real(z)
    np.testing.assert_array_equal(y[..., 0], z.real)
    np.testing.assert_array_equal(y[..., 1], z.imag)
    g = rng.standard_normal((2, 3, 2))
    adj = view_as_real_adjoint(g, input_shape=(2, 3))
    np.testing.assert_array_equal(adj, g[..., 0] + 1j * g[..., 1])
    assert math.isclose(np.sum(g * y), np.real(np.vdot(adj, z)), rel_tol=1e-14)  # 12-term sums: ~12 eps


# ----------------------------------------------------------------------------------------------------------
# linear maps


def test_linear_row_complex():
    """docs/ops.md, row linear / linear_vjp: y_o = sum_i x_i W_oi + b_o; xbar = ybar conj(W),
    Wbar = sum_batch ybar^T conj(x), bbar = sum_batch ybar, for complex x and W (and real b: the real part)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 2, 3)) + 1j * rng.standard_normal((2, 2, 3))
    w = rng.standard_normal((4, 3)) + 1j * rng.standard_normal((4, 3))
    b = rng.standard_normal(4)
    y = linear(x, w, b)
    page = np.array([[[sum(x[p, q, i] * w[o, i] for i in range(3)) + b[o] for o in range(4)] for q in range(2)]
                     for p in range(2)])
    np.testing.assert_allclose(y, page, rtol=0, atol=1e-14)  # 3-term complex dots of |.| < 3: ~10 eps*3
    dy = rng.standard_normal(y.shape) + 1j * rng.standard_normal(y.shape)
    dx, dw, db = linear_vjp(dy, x, w, b, y)
    np.testing.assert_allclose(dx, dy @ np.conj(w), rtol=0, atol=1e-14)  # same 4-term dots
    np.testing.assert_allclose(dw, np.einsum("pqo,pqi->oi", dy, np.conj(x)), rtol=0, atol=1e-14)  # 4-term sums
    np.testing.assert_allclose(db, np.sum(dy, axis=(0, 1)).real, rtol=0, atol=1e-14)  # real b: real part
    np.testing.assert_allclose(dx, fd_grad(lambda v: linear(v, w, b), x, dy), rtol=0, atol=FD_ATOL)  # FD
    np.testing.assert_allclose(dw, fd_grad(lambda v: linear(x, v, b), w, dy), rtol=0, atol=FD_ATOL)  # FD
    np.testing.assert_allclose(db, fd_grad(lambda v: linear(x, w, v), b, dy), rtol=0, atol=FD_ATOL)  # FD


def test_block_linear_row():
    """docs/ops.md, row block_linear: y_ko = sum_i x_ki W_kio + b_ko; xbar_ki = sum_o ybar_ko conj(W_kio),
    Wbar_kio = sum_batch conj(x_ki) ybar_ko, bbar = sum_batch ybar (complex x, W)."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 2, 3)) + 1j * rng.standard_normal((2, 2, 3))
    w = rng.standard_normal((2, 3, 2)) + 1j * rng.standard_normal((2, 3, 2))
    b = rng.standard_normal((2, 2)) + 1j * rng.standard_normal((2, 2))
    y = block_linear(x, w, b)
    page = np.array([[[sum(x[p, k, i] * w[k, i, o] for i in range(3)) + b[k, o] for o in range(2)]
                      for k in range(2)] for p in range(2)])
    np.testing.assert_allclose(y, page, rtol=0, atol=1e-14)  # 3-term complex dots of |.| < 3
    dy = rng.standard_normal(y.shape) + 1j * rng.standard_normal(y.shape)
    dx, dw, db = block_linear_vjp(dy, x, w, b, y)
    np.testing.assert_allclose(dx, np.einsum("pko,kio->pki", dy, np.conj(w)), rtol=0, atol=1e-14)  # 2-term
    np.testing.assert_allclose(dw, np.einsum("pki,pko->kio", np.conj(x), dy), rtol=0, atol=1e-14)  # 2-term
    np.testing.assert_allclose(db, dy.sum(axis=0), rtol=0, atol=1e-15)  # 2-term sums of O(1)
    np.testing.assert_allclose(dw, fd_grad(lambda v: block_linear(x, v, b), w, dy), rtol=0, atol=FD_ATOL)  # FD


def test_conv2d_row():
    """docs/ops.md, row conv2d / conv2d_vjp: y_opq = b_o + sum_{c,i,j} W_ocij xtilde_{c, p+i, q+j} (zero
    padding, cross-correlation) as a 6-deep loop; the VJP against central differences in x, W and b."""
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((2, 4, 3)), rng.standard_normal((3, 2, 2, 3)), rng.standard_normal(3)
    pad = (1, 0)
    xt = np.zeros((2, 6, 3))
    xt[:, 1:5, :] = x
    out = np.zeros((3, 5, 1))
    for o, p, q in np.ndindex(out.shape):
        out[o, p, q] = b[o] + sum(w[o, c, i, j] * xt[c, p + i, q + j] for c in range(2) for i in range(2)
                                  for j in range(3))
    y = conv2d(x, w, b, padding=pad)
    np.testing.assert_allclose(y, out, rtol=0, atol=1e-14)  # 12-term sums of |.| < 3: ~12 eps * 3
    dy = rng.standard_normal(y.shape)
    dx, dw, db = conv2d_vjp(dy, x, w, b, y, padding=pad)
    np.testing.assert_allclose(dx, fd_grad(lambda v: conv2d(v, w, b, padding=pad), x, dy),
                               rtol=0, atol=FD_ATOL)  # central differences of a linear map
    np.testing.assert_allclose(dw, fd_grad(lambda v: conv2d(x, v, b, padding=pad), w, dy),
                               rtol=0, atol=FD_ATOL)  # central differences of a linear map
    np.testing.assert_allclose(db, dy.sum(axis=(1, 2)), rtol=0, atol=1e-14)  # bbar = sum ybar (5 terms)


def test_embedding_row():
    """docs/ops.md, row embedding: y_... = W_{t...}; Wbar_v = sum over positions with t = v of ybar (a loop,
    with a repeated id)."""
    rng = np.random.default_rng(8)
    w = rng.standard_normal((5, 3))
    ids = np.array([[1, 4, 1], [0, 1, 3]])
    y = embedding(ids, w)
    np.testing.assert_array_equal(y, w[ids])
    dy = rng.standard_normal(y.shape)
    page = np.zeros_like(w)
    for idx in np.ndindex(ids.shape):
        page[ids[idx]] += dy[idx]
    np.testing.assert_allclose(embedding_vjp(dy, ids, w, y), page, rtol=0, atol=1e-15)  # <= 3-term sums


# ----------------------------------------------------------------------------------------------------------
# attention, long convolution, pooling


@pytest.mark.parametrize("causal", [False, True])
def test_linear_attention_row(causal):
    """docs/ops.md, row linear_attention: y_i = phi_qi^T S_i/(phi_qi^T z_i + eps), S_i = sum_{j in J_i}
    phi_kj v_j^T, z_i = sum_{j in J_i} phi_kj (J_i = all j, or j <= i causal), as a loop; the VJP against
    central differences in all three inputs."""
    rng = np.random.default_rng(9)
    n, m, dv, eps = 4, 3, 2, 0.1
    pq, pk = rng.uniform(0.1, 1.0, (n, m)), rng.uniform(0.1, 1.0, (n, m))
    v = rng.standard_normal((n, dv))
    y = linear_attention(pq, pk, v, causal=causal, eps=eps)
    page = np.empty((n, dv))
    for i in range(n):
        js = range(i + 1) if causal else range(n)
        s = sum(np.outer(pk[j], v[j]) for j in js)
        z = sum(pk[j] for j in js)
        page[i] = pq[i] @ s / (pq[i] @ z + eps)
    np.testing.assert_allclose(y, page, rtol=0, atol=1e-14)  # 4-term sums, one division, |y| < 3
    dy = rng.standard_normal(y.shape)
    dq, dk, dvv = linear_attention_vjp(dy, pq, pk, v, y, causal=causal, eps=eps)
    for got, arg in ((dq, 0), (dk, 1), (dvv, 2)):
        def f(a, arg=arg):
            args = [pq, pk, v]
            args[arg] = a
            return linear_attention(*args, causal=causal, eps=eps)
        np.testing.assert_allclose(got, fd_grad(f, [pq, pk, v][arg], dy), rtol=0, atol=FD_ATOL)  # FD


def test_scaled_dot_product_attention_row():
    """docs/ops.md, row scaled_dot_product_attention: y = Ptilde v, Ptilde = M * P/(1 - p),
    P = softmax_row(s q k^T + A) (A a boolean mask: masked = -inf); the VJP against central differences."""
    rng = np.random.default_rng(10)
    q, k, v = rng.standard_normal((3, 2)), rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    mask = np.array([[True, True, False, True], [True, True, True, True], [False, True, True, True]])
    keep = np.array([[True, False, True, True], [True, True, True, False], [True, True, True, True]])
    p, s = 0.25, 0.8
    kw = {"mask": mask, "scale": s, "dropout_mask": keep, "dropout_p": p}
    y = scaled_dot_product_attention(q, k, v, **kw)
    scores = np.where(mask, s * q @ k.T, -np.inf)
    pm = np.exp(scores - scores.max(axis=1, keepdims=True))
    pm /= pm.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(y, (keep * pm / (1 - p)) @ v, rtol=0, atol=1e-15)  # softmax + 4-term dots, |y|<3
    dy = rng.standard_normal(y.shape)
    grads = scaled_dot_product_attention_vjp(dy, q, k, v, y, **kw)
    for got, arg in zip(grads, range(3), strict=True):
        def f(a, arg=arg):
            args = [q, k, v]
            args[arg] = a
            return scaled_dot_product_attention(*args, **kw)
        np.testing.assert_allclose(got, fd_grad(f, [q, k, v][arg], dy), rtol=0, atol=FD_ATOL)  # FD


def test_longconv_row_and_adjoint():
    """docs/ops.md, rows longconv / longconv_vjp / longconv_adjoint: y_t = w_t sum_{s<=t} k_s v_{t-s} u_{t-s}
    + D u_t as a loop; the VJP against central differences; the adjoint ubar_r = sum_{t >= r} y_t k_{t-r} as a
    loop, and by <y, k * u> = <adjoint(y), u>."""
    rng = np.random.default_rng(11)
    h, n, length = 2, 5, 3
    u, k = rng.standard_normal((1, h, n)), rng.standard_normal((h, length))
    vg, wg, d = rng.standard_normal((1, h, n)), rng.standard_normal((1, h, n)), rng.standard_normal(h)
    kw = {"gate_pre": vg, "gate_post": wg, "skip": d}
    y = longconv(u, k, **kw)
    page = np.zeros_like(u)
    for c, t in np.ndindex(h, n):
        page[0, c, t] = wg[0, c, t] * sum(k[c, s] * vg[0, c, t - s] * u[0, c, t - s] for s in range(min(t + 1, length)))
        page[0, c, t] += d[c] * u[0, c, t]
    np.testing.assert_allclose(y, page, rtol=0, atol=1e-14)  # FFT of length 10 vs <= 3-term sums: ~20 eps*|y|<3
    dy = rng.standard_normal(y.shape)
    du, dk, *_ = longconv_vjp(dy, u, k, y, **kw)
    np.testing.assert_allclose(du, fd_grad(lambda a: longconv(a, k, **kw), u, dy), rtol=0, atol=FD_ATOL)  # FD
    np.testing.assert_allclose(dk, fd_grad(lambda a: longconv(u, a, **kw), k, dy), rtol=0, atol=FD_ATOL)  # FD
    g = rng.standard_normal((1, h, n))
    adj = longconv_adjoint(g, input_shape=(1, h, n), k=k)
    loop = np.zeros_like(g)
    for c, r in np.ndindex(h, n):
        loop[0, c, r] = sum(g[0, c, t] * k[c, t - r] for t in range(r, min(n, r + length)))
    np.testing.assert_allclose(adj, loop, rtol=0, atol=1e-14)  # FFT vs <= 3-term sums of |.| < 3
    assert math.isclose(np.sum(g * longconv(u, k)), np.sum(adj * u), rel_tol=1e-13)  # 10-term sums: ~1e-14


def test_masked_mean_and_max_rows():
    """docs/ops.md, rows masked_mean / masked_max: y_d = sum_n m_n x_nd / sum_n m_n, xbar_nd = m_n ybar_d /
    sum m; y_d = max over kept n, xbar_nd = ybar_d [n = n*_d] (the first maximiser)."""
    x = np.array([[[1.0, 5.0], [3.0, 5.0], [9.0, -1.0], [2.0, 0.0]]])
    mask = np.array([[True, True, False, True]])
    dy = np.array([[0.5, -2.0]])
    y = masked_mean(x, mask)
    np.testing.assert_allclose(y, [[(1 + 3 + 2) / 3, (5 + 5 + 0) / 3]], rtol=1e-15)  # 3-term sums of integers
    np.testing.assert_allclose(masked_mean_vjp(dy, x, y, mask=mask), mask[..., None] * dy[:, None, :] / 3,
                               rtol=1e-15)  # one division
    ym = masked_max(x, mask)
    np.testing.assert_array_equal(ym, [[3.0, 5.0]])  # 9 is masked out
    page = np.zeros_like(x)
    page[0, 1, 0] = 0.5  # n* = 1 for d = 0
    page[0, 0, 1] = -2.0  # the first of the tied maximisers for d = 1
    np.testing.assert_array_equal(masked_max_vjp(dy, x, ym, mask=mask), page)


# ----------------------------------------------------------------------------------------------------------
# more rows: exp (complex), sigmoid, tanh, sin, dropout, batch_norm_inference, the R-linear complex maps


def test_exp_sigmoid_tanh_sin_rows():
    """docs/ops.md, rows exp (xbar = ybar conj(y), complex x), sigmoid (ybar y(1 - y)), tanh (ybar(1 - y^2)),
    sin (ybar cos x): forwards by scalar math, VJPs by the formula and central differences."""
    from specref.ops.elementwise import exp, exp_vjp, sigmoid, sigmoid_vjp, tanh, tanh_vjp
    from specref.ops.periodic import sin, sin_vjp

    z = np.array([0.3 - 1.2j, -0.8 + 0.4j, 1.1 + 2.0j])
    dz = np.array([1.0 + 0.5j, -0.3 + 1.1j, 0.7 - 0.2j])
    y = exp(z)
    np.testing.assert_allclose(y, [cmath.exp(v) for v in z], rtol=1e-15)  # complex exp: ~2 ulps
    np.testing.assert_allclose(exp_vjp(dz, z, y), dz * np.conj(y), rtol=1e-15)  # one complex product
    np.testing.assert_allclose(exp_vjp(dz, z, y), fd_grad(exp, z, dz), rtol=0, atol=FD_ATOL)  # FD, |y| < 10
    x = np.array([-3.0, -0.4, 0.0, 0.9, 2.5])
    dy = np.array([0.5, -1.0, 2.0, 0.3, -0.7])
    for fwd, vjp, scalar, deriv in (
        (sigmoid, sigmoid_vjp, lambda v: 1 / (1 + math.exp(-v)), lambda yv: yv * (1 - yv)),
        (tanh, tanh_vjp, math.tanh, lambda yv: 1 - yv * yv),
        (sin, sin_vjp, math.sin, None),
    ):
        y = fwd(x)
        np.testing.assert_allclose(y, [scalar(v) for v in x], rtol=1e-15, atol=1e-16)  # libm vs numpy: 1-2 ulps
        page = dy * (np.cos(x) if deriv is None else deriv(y))
        np.testing.assert_allclose(vjp(dy, x, y), page, rtol=1e-14, atol=1e-16)  # 2-3 flops: a few ulps
        np.testing.assert_allclose(page, fd_grad(fwd, x, dy), rtol=0, atol=FD_ATOL)  # central differences


def test_dropout_and_batch_norm_inference_rows():
    """docs/ops.md, rows dropout (y = m x/(1 - p), xbar = m ybar/(1 - p)) and batch_norm_inference
    (y = (x - m_c)/sqrt(v_c + eps) w_c + b_c, xbar = ybar w/sqrt(v + eps), wbar = sum ybar xhat,
    bbar = sum ybar); "Variants": one seed gives one keep-mask."""
    from specref.ops.batch_norm import batch_norm_inference, batch_norm_inference_vjp
    from specref.ops.dropout import dropout, dropout_mask, dropout_vjp

    rng = np.random.default_rng(20)
    x, dy = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    p = 0.25
    mask = dropout_mask(0, (3, 4), p, xp=np)
    np.testing.assert_array_equal(mask, dropout_mask(0, (3, 4), p, xp=np))
    y = dropout(x, mask=mask, p=p)
    np.testing.assert_allclose(y, mask * x / (1 - p), rtol=1e-15)  # one division: 1 ulp
    np.testing.assert_allclose(dropout_vjp(dy, x, y, mask=mask, p=p), mask * dy / (1 - p), rtol=1e-15)  # 1 ulp
    x = rng.standard_normal((2, 3, 2))
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    rm, rv, eps = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3), 0.1
    kw = {"running_mean": rm, "running_var": rv, "eps": eps}
    y = batch_norm_inference(x, w, b, **kw)
    page = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        c = idx[1]
        page[idx] = (x[idx] - rm[c]) / math.sqrt(rv[c] + eps) * w[c] + b[c]
    np.testing.assert_allclose(y, page, rtol=0, atol=1e-14)  # 4 flops of |.| < 10
    dyb = rng.standard_normal(x.shape)
    dx, dw, db = batch_norm_inference_vjp(dyb, x, w, b, y, **kw)
    xhat = (x - rm[None, :, None]) / np.sqrt(rv + eps)[None, :, None]
    np.testing.assert_allclose(dx, dyb * (w / np.sqrt(rv + eps))[None, :, None], rtol=1e-14)  # 3 flops
    np.testing.assert_allclose(dw, np.sum(dyb * xhat, axis=(0, 2)), rtol=0, atol=1e-14)  # 4-term sums
    np.testing.assert_allclose(db, np.sum(dyb, axis=(0, 2)), rtol=0, atol=1e-15)  # 4-term sums


def test_real_imag_conj_adjoint_rows():
    """docs/ops.md, rows real, imag, conj: adjoints x = y + 0i, x = 0 + iy, x = conj(y), each checked by the
    identity <y, f(x)> = Re<f*(y), x> of the real inner product."""
    from specref.ops.complex import conj, conj_adjoint, imag, imag_adjoint, real, real_adjoint

    rng = np.random.default_rng(21)
    z = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    g = rng.standard_normal(4)
    gc = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    np.testing.assert_array_equal(real_adjoint(g, input_shape=(4,)), g + 0j)
    np.testing.assert_array_equal(imag_adjoint(g, input_shape=(4,)), 1j * g)
    np.testing.assert_array_equal(conj_adjoint(gc, input_shape=(4,)), np.conj(gc))
    for fwd, adj, cot in ((real, real_adjoint, g), (imag, imag_adjoint, g), (conj, conj_adjoint, gc)):
        lhs = np.real(np.vdot(cot, fwd(z)))
        rhs = np.real(np.vdot(adj(cot, input_shape=(4,)), z))
        assert math.isclose(lhs, rhs, rel_tol=1e-14, abs_tol=1e-15)  # 4-term sums of O(1): ~4 eps


# ----------------------------------------------------------------------------------------------------------
# Cost


def test_vjps_of_sigmoid_tanh_exp_read_the_stored_output():
    """docs/ops.md, Cost: the VJPs of sigmoid, tanh and exp read the stored output y (no second pass over the
    input): given y they do not depend on x; gelu's exact form reads Phi(x) = y/x off y (a different y changes
    it)."""
    from specref.ops.elementwise import exp, exp_vjp, sigmoid, sigmoid_vjp, tanh, tanh_vjp

    x = np.array([-1.5, -0.2, 0.4, 2.0])
    other = np.array([3.0, 1.0, -2.0, 0.5])  # not the input of y: only y may matter
    dy = np.array([1.0, -0.5, 0.3, 2.0])
    for fwd, vjp in ((sigmoid, sigmoid_vjp), (tanh, tanh_vjp), (exp, exp_vjp)):
        y = fwd(x)
        np.testing.assert_array_equal(vjp(dy, other, y), vjp(dy, x, y))
    y = gelu(x)
    moved = gelu_vjp(dy, x, 1.5 * y)
    np.testing.assert_allclose(moved - gelu_vjp(dy, x, y), dy * 0.5 * y / x, rtol=1e-12,
                               atol=1e-15)  # Phi = y/x read off y: moves by 0.5 y/x, a few ulps of O(1)


def test_gelu_tanh_vjp_recomputes_from_x():
    """docs/ops.md, Cost: the exact gelu's VJP reads the stored output, gelu(approximate="tanh") recomputes its tanh
    from x: its VJP does not depend on the y it is given."""
    x = np.array([-1.5, -0.2, 0.4, 2.0])
    dy = np.ones(4)
    y = gelu(x, approximate="tanh")
    assert np.array_equal(gelu_vjp(dy, x, 1.5 * y, approximate="tanh"), gelu_vjp(dy, x, y, approximate="tanh"))
