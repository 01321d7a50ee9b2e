"""Guards of docs/layers/softmax_attention.md: each formula of the page evaluated independently.

Scaled dot-product attention (forward, dropout, the VJP's lines, the softmax Jacobian, the cost in matrix
products), MultiheadAttention (per-head projections, torch's masks, the self-attention input gradient),
the Transformer encoder layer (post- and pre-norm, width one, the stacked encoder) and the feed-forward
network. References are plain NumPy loops over the page's sums, dense matrices, or central finite
differences; specref is only the thing compared.
"""

from __future__ import annotations

import math

import array_api_compat.numpy as xp_numpy
import numpy as np
import pytest

from specref.layers.attention import MultiheadAttention, TransformerEncoder, TransformerEncoderLayer
from specref.layers.feedforward import FeedForwardNetwork
from specref.ops.attention import attention_weights, scaled_dot_product_attention, scaled_dot_product_attention_vjp
from tests.book.central_differences import STEP as H
from tests.book.central_differences import fd_entrywise as _fd
from tests.book.formulas import gelu as _gelu
from tests.book.formulas import layer_norm as _ln

EPS64 = np.finfo(np.float64).eps
# central differences of O(1) smooth maps with step 1e-6: truncation ~h^2 = 1e-12, rounding ~eps/h = 2e-10
FD_ATOL = 1e-8  # FD error: truncation h^2 ~ 1e-12 plus rounding ~10 eps/h ~ 2e-9, margin 5x


def _softmax_row(s):
    """The page's P_ij = e^{S_ij - m_i} / sum_l e^{S_il - m_i}, one row, as a Python loop (-inf entries give 0)."""
    finite = [t for t in s if t != -math.inf]
    if not finite:
        return np.zeros(len(s))
    m = max(finite)
    e = [0.0 if t == -math.inf else math.exp(t - m) for t in s]
    total = math.fsum(e)
    return np.array([t / total for t in e])


def _ref_attention(q, k, v, scale, a=None, keep=None, p=0.0):
    """S = s Q K^T + A, P row softmax, Y = (M P / (1 - p)) V: loops over the page's sums, one 2-d problem."""
    lq, lk = q.shape[0], k.shape[0]
    s = np.array([[scale * math.fsum(q[i] * k[j]) for j in range(lk)] for i in range(lq)])
    if a is not None:
        s = s + a
    pr = np.array([_softmax_row(s[i]) for i in range(lq)])
    pt = pr if keep is None else keep * pr / (1 - p)
    y = np.array([[math.fsum(pt[i] * v[:, c]) for c in range(v.shape[1])] for i in range(lq)])
    return s, pr, pt, y


def _qkv(seed, lq=3, lk=4, e=2, ev=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((lq, e)), rng.standard_normal((lk, e)), rng.standard_normal((lk, ev))


# ----------------------------------------------------------------------------------------------------------
# Scaled dot-product attention: forward


def test_sdpa_forward_matches_page_definition_with_masks():
    """docs/layers/softmax_attention.md, Scaled dot-product attention: S = s Q K^T + A, P_ij = e^{S_ij - m_i} /
    sum_l e^{S_il - m_i}, Y = P V (default s = 1/sqrt E; float mask added, boolean False = -inf) against
    scaled_dot_product_attention and attention_weights."""
    q, k, v = _qkv(0)
    rng = np.random.default_rng(1)
    # no mask, default scale 1/sqrt(E)
    _, p_ref, _, y_ref = _ref_attention(q, k, v, 1 / math.sqrt(q.shape[1]))
    np.testing.assert_allclose(scaled_dot_product_attention(q, k, v), y_ref, rtol=0, atol=1e-14)  # 4-term sums, O(1)
    np.testing.assert_allclose(attention_weights(q, k), p_ref, rtol=0, atol=1e-15)  # P in [0, 1]: few-ulp exp/div
    # float mask added to the scores, explicit scale
    a = rng.standard_normal((3, 4))
    _, _, _, y_ref = _ref_attention(q, k, v, 0.7, a)
    np.testing.assert_allclose(scaled_dot_product_attention(q, k, v, mask=a, scale=0.7), y_ref,
                               rtol=0, atol=1e-14)  # 4-term sums of O(1) products: a few ulps
    # boolean mask: the pairs that may not attend (False at this level) get A = -inf
    allowed = np.array([[True, False, True, True], [False, False, True, False], [True, True, True, True]])
    _, p_ref, _, y_ref = _ref_attention(q, k, v, 0.7, np.where(allowed, 0.0, -np.inf))
    got_p = attention_weights(q, k, mask=allowed, scale=0.7)
    np.testing.assert_allclose(got_p, p_ref, rtol=0, atol=1e-15)  # P in [0, 1]: few-ulp exp/div
    assert np.all(got_p[~allowed] == 0.0)  # e^{-inf} = 0 exactly
    np.testing.assert_allclose(scaled_dot_product_attention(q, k, v, mask=allowed, scale=0.7), y_ref,
                               rtol=0, atol=1e-14)  # 4-term sums of O(1) products: a few ulps


def test_sdpa_large_scores_no_overflow_and_denominator_at_least_one():
    """docs/layers/softmax_attention.md, Scaled dot-product attention: subtracting m_i makes every exponent
    <= 0, so scores of magnitude 2e4 neither overflow nor give a zero denominator (sum_l e^{S_il - m_i} >= 1);
    attention_weights and scaled_dot_product_attention against the row formula on such scores."""
    q, k, v = _qkv(2, lq=3, lk=5, e=2)
    q = q / np.linalg.norm(q, axis=1, keepdims=True) * 200.0
    k = k / np.linalg.norm(k, axis=1, keepdims=True) * 100.0
    s = q @ k.T
    assert np.abs(s).max() > 1e4  # the page's magnitude: a naive exp(S) overflows
    with np.errstate(over="ignore"):
        assert not np.all(np.isfinite(np.exp(s)))
    m = s.max(axis=1, keepdims=True)
    assert np.all(np.exp(s - m).sum(axis=1) >= 1.0)  # the denominator the page bounds below by e^0 = 1
    _, p_ref, _, y_ref = _ref_attention(q, k, v, 1.0)
    got = attention_weights(q, k, scale=1.0)
    assert np.all(np.isfinite(got))
    # scores of size 2e4 carry absolute rounding 2e4 * 2 eps ~ 1e-11 into the exponent, hence into P relatively
    np.testing.assert_allclose(got, p_ref, rtol=0, atol=1e-10)  # |S| ~ 2e4: exponent error ~ 2e4 * 4 eps = 2e-11
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=0, atol=8 * EPS64)  # 5-term sum of [0,1] terms: 5 ulps
    np.testing.assert_allclose(scaled_dot_product_attention(q, k, v, scale=1.0), y_ref,
                               rtol=0, atol=1e-10)  # the P error above times |v| ~ 2, summed over 5 keys


def test_sdpa_fully_masked_row_gives_zero_output_and_gradients():
    """docs/layers/softmax_attention.md, Scaled dot-product attention: a row whose keys are all masked has
    output and gradients zero (specref's definition); checked on scaled_dot_product_attention and its VJP, the
    gradients also by central differences (that query's row can move without changing Y)."""
    q, k, v = _qkv(3)
    allowed = np.ones((3, 4), bool)
    allowed[1] = False
    y = scaled_dot_product_attention(q, k, v, mask=allowed)
    assert np.all(y[1] == 0.0)
    dy = np.random.default_rng(4).standard_normal(y.shape)
    dq, dk, dv = scaled_dot_product_attention_vjp(dy, q, k, v, y, mask=allowed)
    assert np.all(dq[1] == 0.0)

    def loss():
        return float(np.sum(dy * scaled_dot_product_attention(q, k, v, mask=allowed)))

    np.testing.assert_allclose(_fd(loss, q)[1], 0.0, rtol=0, atol=0)  # row 1 of Y is 0 whatever q_1: FD exactly 0
    # the keys and values receive nothing from row 1: dropping dy's row 1 changes neither
    dy0 = dy.copy()
    dy0[1] = 0.0
    _, dk0, dv0 = scaled_dot_product_attention_vjp(dy0, q, k, v, y, mask=allowed)
    np.testing.assert_array_equal(dk, dk0)
    np.testing.assert_array_equal(dv, dv0)


def test_sdpa_dropout_forward_is_masked_rescaled_probabilities():
    """docs/layers/softmax_attention.md, Scaled dot-product attention, dropout: Y = (M . P / (1 - p)) V,
    evaluated as a loop, against scaled_dot_product_attention(dropout_mask=M, dropout_p=p)."""
    q, k, v = _qkv(5)
    keep = np.random.default_rng(6).random((3, 4)) > 0.4
    p = 0.4
    _, _, _, y_ref = _ref_attention(q, k, v, 1 / math.sqrt(2), keep=keep, p=p)
    got = scaled_dot_product_attention(q, k, v, dropout_mask=keep, dropout_p=p)
    np.testing.assert_allclose(got, y_ref, rtol=0, atol=1e-14)  # 4-term sums of O(1) terms scaled by 1/0.6


# ----------------------------------------------------------------------------------------------------------
# Scaled dot-product attention: backward


def test_sdpa_backward_lines_match_vjp_and_finite_differences():
    """docs/layers/softmax_attention.md, Backward: dV = P~^T dY, dP~ = dY V^T, dP = M . dP~ / (1 - p),
    dS_ij = P_ij (dP_ij - sum_l dP_il P_il), dQ = s dS K, dK = s dS^T Q, each line evaluated as a loop,
    against scaled_dot_product_attention_vjp and against central differences of the forward."""
    q, k, v = _qkv(7)
    rng = np.random.default_rng(8)
    a = rng.standard_normal((3, 4))
    keep = rng.random((3, 4)) > 0.3
    p, scale = 0.3, 0.8
    _, pr, pt, y = _ref_attention(q, k, v, scale, a, keep, p)
    dy = rng.standard_normal(y.shape)
    lq, lk = pr.shape
    dv_ref = np.array([[math.fsum(pt[:, j] * dy[:, c]) for c in range(v.shape[1])] for j in range(lk)])
    dpt = np.array([[math.fsum(dy[i] * v[j]) for j in range(lk)] for i in range(lq)])
    dp = keep * dpt / (1 - p)
    ds = np.array([[pr[i, j] * (dp[i, j] - math.fsum(dp[i] * pr[i])) for j in range(lk)] for i in range(lq)])
    dq_ref = scale * np.array([[math.fsum(ds[i] * k[:, c]) for c in range(q.shape[1])] for i in range(lq)])
    dk_ref = scale * np.array([[math.fsum(ds[:, j] * q[:, c]) for c in range(q.shape[1])] for j in range(lk)])
    kw = {"mask": a, "scale": scale, "dropout_mask": keep, "dropout_p": p}
    y_sp = scaled_dot_product_attention(q, k, v, **kw)
    dq, dk, dv = scaled_dot_product_attention_vjp(dy, q, k, v, y_sp, **kw)
    for got, want in ((dq, dq_ref), (dk, dk_ref), (dv, dv_ref)):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-14)  # 4-term sums of O(1) terms (1/(1-p) = 1.4)

    def loss():
        return float(np.sum(dy * scaled_dot_product_attention(q, k, v, **kw)))

    for arr, got in ((q, dq), (k, dk), (v, dv)):
        np.testing.assert_allclose(_fd(loss, arr), got, rtol=0, atol=FD_ATOL)  # FD_ATOL: step 1e-6, see top


def test_softmax_jacobian_is_diag_p_minus_p_pT():
    """docs/layers/softmax_attention.md, Backward: the softmax row's Jacobian is diag(p) - p p^T; its
    transpose applied to dP gives dS; the Jacobian by central differences of the page's row formula, and
    dS from scaled_dot_product_attention_vjp (one query, K = identity rows so that dS = dQ / s)."""
    rng = np.random.default_rng(9)
    s_row = rng.standard_normal(4)
    p = _softmax_row(s_row)
    jac_fd = np.empty((4, 4))
    for j in range(4):
        e = np.zeros(4)
        e[j] = H
        jac_fd[:, j] = (_softmax_row(s_row + e) - _softmax_row(s_row - e)) / (2 * H)
    np.testing.assert_allclose(jac_fd, np.diag(p) - np.outer(p, p), rtol=0, atol=FD_ATOL)  # FD, see FD_ATOL
    # through the VJP: q = S row, K = I (E = Lk = 4), scale 1: S = q K^T = q, dQ = dS K = dS
    q, k = s_row[None, :], np.eye(4)
    v = rng.standard_normal((4, 2))
    dy = rng.standard_normal((1, 2))
    y = scaled_dot_product_attention(q, k, v, scale=1.0)
    dq, _, _ = scaled_dot_product_attention_vjp(dy, q, k, v, y, scale=1.0)
    dp = dy @ v.T
    np.testing.assert_allclose(dq, dp @ (np.diag(p) - np.outer(p, p)).T, rtol=0,
                               atol=1e-15)  # 4-term sums of O(1) products times P <= 1: a few ulps


def test_sdpa_masked_key_receives_no_gradient():
    """docs/layers/softmax_attention.md, Backward: masked entries have P_ij = 0 so dS_ij = 0; a key masked for
    every query gets dK = s dS^T Q = 0 and dV = P~^T dY = 0 (scaled_dot_product_attention_vjp; the finite
    differences of the loss in that key's row are exactly 0)."""
    q, k, v = _qkv(10)
    allowed = np.ones((3, 4), bool)
    allowed[:, 2] = False
    y = scaled_dot_product_attention(q, k, v, mask=allowed)
    dy = np.random.default_rng(11).standard_normal(y.shape)
    _, dk, dv = scaled_dot_product_attention_vjp(dy, q, k, v, y, mask=allowed)
    assert np.all(dk[2] == 0.0) and np.all(dv[2] == 0.0)

    def loss():
        return float(np.sum(dy * scaled_dot_product_attention(q, k, v, mask=allowed)))

    np.testing.assert_array_equal(_fd(loss, k)[2], 0.0)  # k_2 does not enter Y at all: FD exactly 0
    assert np.abs(dk[[0, 1, 3]]).max() > 1e-3  # the other keys do get a gradient


def test_sdpa_cost_two_products_forward_four_backward(monkeypatch):
    """docs/layers/softmax_attention.md, Backward: the cost is two Lq x Lk matrix products forward (Q K^T and
    P V) and four backward (P^T dY, dY V^T, dS K, dS^T Q) when the forward's probabilities are kept; counted by
    wrapping the namespace's matmul around scaled_dot_product_attention(_vjp)."""
    lq, lk = 3, 5
    q, k, v = _qkv(12, lq=lq, lk=lk, e=2, ev=4)
    calls = []
    real = xp_numpy.matmul

    def counting(a, b, **kw):
        out = real(a, b, **kw)
        if {lq, lk} <= set(a.shape[-2:]) | set(out.shape[-2:]) and (
                a.shape[-2:] == (lq, lk) or a.shape[-2:] == (lk, lq) or out.shape[-2:] == (lq, lk)):
            calls.append((a.shape, b.shape))
        return out

    monkeypatch.setattr(xp_numpy, "matmul", counting)
    y = scaled_dot_product_attention(q, k, v)
    assert len(calls) == 2, calls
    weights = attention_weights(q, k)
    calls.clear()
    scaled_dot_product_attention_vjp(np.ones_like(y), q, k, v, y, weights=weights)
    assert len(calls) == 4, calls


# ----------------------------------------------------------------------------------------------------------
# Multi-head attention


def _generic(layer, seed):
    """Every param drawn N(0, 1/2): nonzero biases, norm weights away from 1 (a generic point)."""
    rng = np.random.default_rng(seed)
    return layer.with_params({n: 0.7 * rng.standard_normal(w.shape) for n, w in layer.params.items()})


def _ref_mha(p, xq, xk, xv, h, kpm=None, attn_mask=None):
    """The page's q = x_q W_q^T + b_q, ..., o_j = attn(q_j, k_j, v_j; 1/sqrt d), y = [o_1..o_h] W_o^T + b_o;
    torch's masks: key_padding_mask / bool attn_mask True = ignore (-inf), float added. One batch entry."""
    e = xq.shape[-1]
    d = e // h
    w, b = p["in_proj_weight"], p["in_proj_bias"]
    q = xq @ w[:e].T + b[:e]
    k = xk @ w[e:2 * e].T + b[e:2 * e]
    v = xv @ w[2 * e:].T + b[2 * e:]
    a = np.zeros((xq.shape[0], xk.shape[0]))
    if kpm is not None:
        a = a + np.where(kpm, -np.inf, 0.0)[None, :]
    if attn_mask is not None:
        a = a + (np.where(attn_mask, -np.inf, 0.0) if attn_mask.dtype == bool else attn_mask)
    o = np.concatenate([_ref_attention(q[:, j * d:(j + 1) * d], k[:, j * d:(j + 1) * d], v[:, j * d:(j + 1) * d],
                                       1 / math.sqrt(d), a)[3] for j in range(h)], axis=1)
    return o @ p["out_proj.weight"].T + p["out_proj.bias"]


def test_mha_forward_heads_and_torch_masks():
    """docs/layers/softmax_attention.md, Multi-head attention: q = x_q W_q^T + b_q (rows 0:E, E:2E, 2E:3E of
    in_proj_weight), o_j = attn(q_j, k_j, v_j; s = 1/sqrt d), y = [o_1, ..., o_h] W_o^T + b_o, with
    key_padding_mask / bool attn_mask True = ignore and a float attn_mask added, against
    MultiheadAttention.forward (cross-attention, 2 heads)."""
    mha = _generic(MultiheadAttention(embed_dim=4, num_heads=2, seed=0), 1)
    rng = np.random.default_rng(2)
    xq, xk, xv = rng.standard_normal((1, 3, 4)), rng.standard_normal((1, 5, 4)), rng.standard_normal((1, 5, 4))
    kpm = np.array([[False, True, False, False, True]])
    bool_mask = np.array([[False, False, True, False, False], [True, False, False, False, False],
                          [False, False, False, True, False]])
    float_mask = rng.standard_normal((3, 5))
    for kw in ({}, {"key_padding_mask": kpm}, {"attn_mask": bool_mask}, {"attn_mask": float_mask},
               {"key_padding_mask": kpm, "attn_mask": float_mask}):
        y, _ = mha.forward(xq, xk, xv, **kw)
        ref = _ref_mha(mha.params, xq[0], xk[0], xv[0], 2, kpm=kpm[0] if "key_padding_mask" in kw else None,
                       attn_mask=kw.get("attn_mask"))
        np.testing.assert_allclose(y[0], ref, rtol=0, atol=1e-13)  # three chained 4- and 5-term O(1) sums


def test_mha_backward_projection_vjps_and_self_attention_sum():
    """docs/layers/softmax_attention.md, Multi-head attention: the projections' VJPs dW = dz^T x, db = sum dz,
    and in self-attention dx = dq W_q + dk W_k + dv W_v, with dq, dk, dv (the gradients of the projected
    q, k, v) by central differences of the page's head formula, against MultiheadAttention.backward; dx and
    every parameter also against central differences of the forward."""
    e, h, L = 4, 2, 3  # noqa: N806
    mha = _generic(MultiheadAttention(embed_dim=e, num_heads=h, seed=0), 3)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, L, e))
    y, ctx = mha.forward(x)
    dy = rng.standard_normal(y.shape)
    dx, grads = mha.backward(ctx, dy)
    p = {n: np.array(w) for n, w in mha.params.items()}
    w, b = p["in_proj_weight"], p["in_proj_bias"]
    qkv = x[0] @ w.T + b  # (L, 3E): z = x W^T + b, columns [q, k, v]
    d = e // h

    def from_qkv():  # y as a function of the projected q, k, v (the page's o_j and output projection)
        o = np.concatenate([_ref_attention(qkv[:, j * d:(j + 1) * d], qkv[:, e + j * d:e + (j + 1) * d],
                                           qkv[:, 2 * e + j * d:2 * e + (j + 1) * d], 1 / math.sqrt(d))[3]
                            for j in range(h)], axis=1)
        return float(np.sum(dy[0] * (o @ p["out_proj.weight"].T + p["out_proj.bias"])))

    dz = _fd(from_qkv, qkv)  # (L, 3E): [dq, dk, dv]
    dq, dk, dv = dz[:, :e], dz[:, e:2 * e], dz[:, 2 * e:]
    dx_page = dq @ w[:e] + dk @ w[e:2 * e] + dv @ w[2 * e:]
    np.testing.assert_allclose(dx[0], dx_page, rtol=0, atol=FD_ATOL)  # dz by FD (FD_ATOL), times O(1) weights
    np.testing.assert_allclose(grads["in_proj_weight"], dz.T @ x[0], rtol=0, atol=FD_ATOL)  # FD dz times O(1) x
    np.testing.assert_allclose(grads["in_proj_bias"], dz.sum(axis=0), rtol=0, atol=FD_ATOL)  # 3 FD terms summed
    # every parameter and the input by central differences of specref's own forward

    def loss():
        return float(np.sum(dy * mha.with_params(p).forward(x)[0]))

    np.testing.assert_allclose(_fd(loss, x), dx, rtol=0, atol=FD_ATOL)  # FD_ATOL: step 1e-6, see top
    for name in ("in_proj_weight", "out_proj.weight", "out_proj.bias"):
        np.testing.assert_allclose(_fd(loss, p[name]), grads[name], rtol=0, atol=FD_ATOL)  # FD_ATOL, see top


# ----------------------------------------------------------------------------------------------------------
# Transformer encoder layer


def _ref_encoder_layer(p, x, h, norm_first, eps, masks=None, pdrop=0.0):
    """The page's ff(x) = Lin2(drop(phi(Lin1 x))) and its post-/pre-norm lines, one batch entry (gelu)."""
    def drop(name, t):
        return t if masks is None else masks[name][0] * t / (1 - pdrop)

    def sa(u):
        sub = {n[len("self_attn."):]: w for n, w in p.items() if n.startswith("self_attn.")}
        if masks is None:
            return _ref_mha(sub, u, u, u, h)
        e, d = u.shape[-1], u.shape[-1] // h
        w, b = sub["in_proj_weight"], sub["in_proj_bias"]
        q, k, v = (u @ w[i * e:(i + 1) * e].T + b[i * e:(i + 1) * e] for i in range(3))
        o = np.concatenate([_ref_attention(q[:, j * d:(j + 1) * d], k[:, j * d:(j + 1) * d],
                                           v[:, j * d:(j + 1) * d], 1 / math.sqrt(d),
                                           keep=masks["self_attn.dropout"][0, j], p=pdrop)[3] for j in range(h)],
                           axis=1)
        return o @ sub["out_proj.weight"].T + sub["out_proj.bias"]

    def ff(u):
        g = _gelu(u @ p["linear1.weight"].T + p["linear1.bias"])
        return drop("dropout", g) @ p["linear2.weight"].T + p["linear2.bias"]

    def ln(i, u):
        return _ln(u, p[f"norm{i}.weight"], p[f"norm{i}.bias"], eps)

    if norm_first:
        z = x + drop("dropout1", sa(ln(1, x)))
        return z + drop("dropout2", ff(ln(2, z)))
    z = ln(1, x + drop("dropout1", sa(x)))
    return ln(2, z + drop("dropout2", ff(z)))


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_post_and_pre_norm_with_dropouts(norm_first):
    """docs/layers/softmax_attention.md, Transformer encoder layer: ff(x) = Lin2(drop(phi(Lin1 x))), post-norm
    z = LN1(x + drop1(SA(x))), y = LN2(z + drop2(ff(z))), pre-norm z = x + drop1(SA(LN1 x)),
    y = z + drop2(ff(LN2 z)), with the four dropouts' masks injected, against TransformerEncoderLayer.forward;
    the backward (these lines reversed) against central differences of the input."""
    e, h, f, L, pd = 4, 2, 6, 3, 0.25  # noqa: N806
    layer = _generic(TransformerEncoderLayer(e, h, dim_feedforward=f, dropout=pd, activation="gelu",
                                             norm_first=norm_first, seed=0), 5)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((1, L, e))
    masks = {"self_attn.dropout": rng.random((1, h, L, L)) > pd, "dropout1": rng.random((1, L, e)) > pd,
             "dropout": rng.random((1, L, f)) > pd, "dropout2": rng.random((1, L, e)) > pd}
    y, ctx = layer.forward(x, training=True, masks=masks)
    ref = _ref_encoder_layer(layer.params, x[0], h, norm_first, layer.layer_norm_eps, masks, pd)
    np.testing.assert_allclose(y[0], ref, rtol=0, atol=1e-12)  # ~10 chained O(1) stages of <= 6-term sums
    dy = rng.standard_normal(y.shape)
    dx, _ = layer.backward(ctx, dy)

    def loss():
        return float(np.sum(dy * layer.forward(x, training=True, masks=masks)[0]))

    np.testing.assert_allclose(_fd(loss, x), dx, rtol=0, atol=FD_ATOL)  # FD_ATOL: step 1e-6, see top


def test_encoder_layer_width_one_is_constant_norm2_bias():
    """docs/layers/softmax_attention.md, Transformer encoder layer, Width one: with d_model = 1,
    LN(u) = (u - u) / sqrt(0 + eps) gamma + beta = beta, so the post-norm layer's output is the constant
    norm2.bias and its input gradient is exactly zero (TransformerEncoderLayer forward and backward)."""
    layer = _generic(TransformerEncoderLayer(1, 1, dim_feedforward=3, dropout=0.0, seed=0), 7)
    x = np.random.default_rng(8).standard_normal((2, 4, 1))
    y, ctx = layer.forward(x)
    np.testing.assert_array_equal(y, np.broadcast_to(layer.params["norm2.bias"], y.shape))
    dx, _ = layer.backward(ctx, np.random.default_rng(9).standard_normal(y.shape))
    np.testing.assert_array_equal(dx, 0.0)


def test_encoder_stacks_identical_copies_and_final_norm():
    """docs/layers/softmax_attention.md, Transformer encoder layer: TransformerEncoder(num_layers, ...) stacks
    layers.{i}, initialised as identical copies, with an optional final norm; the forward equals the page's
    layer formula applied num_layers times, then LN (TransformerEncoder.forward)."""
    enc = TransformerEncoder(2, d_model=4, nhead=2, dim_feedforward=6, dropout=0.0, activation="gelu",
                             final_norm=True, seed=0)
    for name, w in enc.params.items():
        if name.startswith("layers.0."):
            np.testing.assert_array_equal(w, enc.params["layers.1." + name[len("layers.0."):]])
    enc = _generic(enc, 10)
    x = np.random.default_rng(11).standard_normal((1, 3, 4))
    z = x[0]
    for i in range(2):
        sub = {n[len(f"layers.{i}."):]: w for n, w in enc.params.items() if n.startswith(f"layers.{i}.")}
        z = _ref_encoder_layer(sub, z, 2, False, 1e-5)
    ref = _ln(z, enc.params["norm.weight"], enc.params["norm.bias"], 1e-5)
    np.testing.assert_allclose(enc.forward(x)[0][0], ref, rtol=0, atol=1e-12)  # two layers of ~10 O(1) stages


# ----------------------------------------------------------------------------------------------------------
# Feed-forward network

_ACTS = {
    "gelu": _gelu,
    "relu": lambda u: np.maximum(u, 0.0),
    "silu": lambda u: u / (1 + np.exp(-u)),
    "tanh": np.tanh,
    "sigmoid": lambda u: 1 / (1 + np.exp(-u)),
    "elu": lambda u: np.where(u > 0, u, np.expm1(np.minimum(u, 0.0))),
    "leaky_relu": lambda u: np.where(u > 0, u, 0.01 * u),
}


@pytest.mark.parametrize("activation", sorted(_ACTS))
def test_feedforward_forward_and_backward(activation):
    """docs/layers/softmax_attention.md, Feed-forward network: y = fc2(drop(phi(fc1 x))) for each activation of
    the page (gelu in its exact erf form), dropout mask injected, against FeedForwardNetwork.forward, and its
    backward against central differences of the input and fc1.weight."""
    ffn = _generic(FeedForwardNetwork(3, 5, activation=activation, dropout=0.2, seed=0), 12)
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 3))
    keep = rng.random((2, 5)) > 0.2
    p = {n: np.array(w) for n, w in ffn.params.items()}
    hid = _ACTS[activation](x @ p["fc1.weight"].T + p["fc1.bias"])
    ref = (keep * hid / 0.8) @ p["fc2.weight"].T + p["fc2.bias"]
    y, ctx = ffn.forward(x, training=True, masks={"dropout": keep})
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-14)  # two 3- and 5-term O(1) sums and one activation
    dy = rng.standard_normal(y.shape)
    dx, grads = ffn.backward(ctx, dy)

    def loss():
        return float(np.sum(dy * ffn.with_params(p).forward(x, training=True, masks={"dropout": keep})[0]))

    np.testing.assert_allclose(_fd(loss, x), dx, rtol=0, atol=FD_ATOL)  # FD_ATOL (pre-activations away from 0)
    np.testing.assert_allclose(_fd(loss, p["fc1.weight"]), grads["fc1.weight"], rtol=0,
                               atol=FD_ATOL)  # FD_ATOL: step 1e-6, see top
