"""Guards of docs/blocks.md: each formula of the page evaluated independently.

The three compositions (pre-norm, post-norm, parallel) with injected dropout masks, the layer norm's VJP,
the identity path of the pre-norm residual stream, the hybrid blocks (soft gate and its backward lines, hard
gate, the three fusions, the cascade with and without a shared norm, the alternating block), the mask names
by module path. Wrapped layers are GlobalFilterMixing (identity activation)
and FourierMixing, whose references are written with numpy.fft; LN and the FFN are written out; backwards are
checked against central differences or the page's lines evaluated on those references.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from specref.blocks import (
    AdaptiveBlock,
    AlternatingBlock,
    CascadeBlock,
    LSTBlock,
    MultiscaleBlock,
    ParallelBlock,
    TransformerBlock,
)
from specref.layers import FourierMixing, GlobalFilterMixing
from specref.ops.norm import layer_norm_vjp
from tests.book.central_differences import fd_directional as _directional_fd
from tests.book.central_differences import fd_entrywise as _fd
from tests.book.formulas import gelu as _gelu
from tests.book.formulas import layer_norm

EPS64 = np.finfo(np.float64).eps
FD_ATOL = 1e-8  # FD error of O(1) smooth maps: truncation h^2 ~ 1e-12 plus rounding ~10 eps/h ~ 2e-9, margin 5x
LN_EPS = 1e-12  # the blocks' norm_eps (the page: 1e-12 as in spectrans)
_ln = partial(layer_norm, eps=LN_EPS)  # the page's layer norm at this file's eps
B, N, D, F = 2, 4, 3, 5  # batch, sequence, hidden, FFN hidden


def _gf(p, prefix, u):
    """GlobalFilterMixing with the identity activation: Re F^{-1}[(W_r + i W_i) . F u], FFT along the sequence."""
    w = p[prefix + "filter_real"] + 1j * p[prefix + "filter_imag"]
    return np.real(np.fft.ifft(w * np.fft.fft(u, axis=-2, norm="ortho"), axis=-2, norm="ortho"))


def _fm(u):
    """FourierMixing: Re of the orthonormal 2-D FFT over (sequence, hidden)."""
    return np.real(np.fft.fft2(u, axes=(-2, -1), norm="ortho"))


def _ffn(p, prefix, v, keep=None, pd=0.0):
    a = _gelu(v @ p[prefix + "fc1.weight"].T + p[prefix + "fc1.bias"])
    if keep is not None:
        a = keep * a / (1 - pd)
    return a @ p[prefix + "fc2.weight"].T + p[prefix + "fc2.bias"]


def _gf_layer():
    return GlobalFilterMixing(D, N, activation="identity", seed=0)


def _generic(block, seed):
    """Every param drawn N(0, 1/4) (norm weights 1 + N(0, 1/4)): a generic point."""
    rng = np.random.default_rng(seed)
    new = {}
    for name, a in block.params.items():
        is_norm_weight = name.startswith("norm") and name.endswith(".weight")
        new[name] = 0.5 * rng.standard_normal(a.shape) + (1.0 if is_norm_weight else 0.0)
    return block.with_params(new)


def _params(block):
    return {k: np.array(v) for k, v in block.params.items()}


def _check_fd(block, x, ctx, dy, names=(), **fwd):
    """The block's backward against central differences of its forward along 3 random directions, for x and
    the named params: <grad, v> = (L(a + h v) - L(a - h v)) / 2h."""
    dx, grads = block.backward(ctx, dy)
    p = _params(block)
    rng = np.random.default_rng(99)

    def loss():
        return float(np.sum(dy * block.with_params(p).forward(x, **fwd)[0]))

    for arr, grad in [(x, dx)] + [(p[name], grads[name]) for name in names]:
        for _ in range(3):
            v = rng.standard_normal(arr.shape)
            fd = _directional_fd(loss, arr, v)
            assert abs(fd - np.sum(grad * v)) < FD_ATOL * np.sqrt(v.size), (fd, np.sum(grad * v))  # FD_ATOL/entry
    return dx, grads


# ----------------------------------------------------------------------------------------------------------
# The three compositions


def _masks(rng, pd, names_shapes):
    return {k: rng.random(s) > pd for k, s in names_shapes.items()}


def test_pre_norm_block_eq1_with_dropouts():
    """docs/blocks.md, The three compositions, (1) pre-norm: h = x + d(M(LN1 x)), y = h + d(FFN(LN2 h)) with
    FFN(v) = Lin2(d_f(phi(Lin1 v))) and d(v) = m . v / (1 - p), masks "dropout", "ffn.dropout", "dropout@2";
    TransformerBlock(use_pre_norm=True) against the reference, the backward against central differences."""
    pd = 0.3
    block = _generic(TransformerBlock(_gf_layer(), D, ffn_hidden_dim=F, dropout=pd, seed=0), 1)
    p = _params(block)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((B, N, D))
    masks = _masks(rng, pd, {"dropout": (B, N, D), "ffn.dropout": (B, N, F), "dropout@2": (B, N, D)})
    h = x + masks["dropout"] * _gf(p, "mixing_layer.", _ln(x, p["norm1.weight"], p["norm1.bias"])) / (1 - pd)
    f = _ffn(p, "ffn.", _ln(h, p["norm2.weight"], p["norm2.bias"]), masks["ffn.dropout"], pd)
    ref = h + masks["dropout@2"] * f / (1 - pd)
    y, ctx = block.forward(x, training=True, masks=masks)
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-13)  # ~8 chained O(1) stages of <= 5-term sums
    _check_fd(block, x, ctx, rng.standard_normal(y.shape), ("mixing_layer.filter_real", "norm1.weight"),
              training=True, masks=masks)


def test_pre_norm_identity_path_carries_dy():
    """docs/blocks.md, Pre-norm (1), backward: dh = dy + LN2*(FFN*(d* dy)), dx = dh + LN1*(M*(d* dh)): the
    identity path carries dy to dx untouched -- with every branch mask dropping all entries (d* = 0), the
    TransformerBlock's dx equals dy exactly."""
    pd = 0.5
    block = _generic(TransformerBlock(_gf_layer(), D, ffn_hidden_dim=F, dropout=pd, seed=0), 3)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((B, N, D))
    masks = {"dropout": np.zeros((B, N, D), bool), "ffn.dropout": rng.random((B, N, F)) > pd,
             "dropout@2": np.zeros((B, N, D), bool)}
    y, ctx = block.forward(x, training=True, masks=masks)
    np.testing.assert_array_equal(y, x)
    dy = rng.standard_normal(y.shape)
    dx, _ = block.backward(ctx, dy)
    np.testing.assert_array_equal(dx, dy)


def test_post_norm_block_eq2():
    """docs/blocks.md, The three compositions, (2) post-norm: h = LN1(x + d(M x)), y = LN2(h + d(FFN h));
    TransformerBlock(use_pre_norm=False) against the reference with masks, the backward (ds2 = LN2*(dy),
    dh = ds2 + FFN*(d* ds2), ds1 = LN1*(dh), dx = ds1 + M*(d* ds1)) against central differences."""
    pd = 0.25
    block = _generic(TransformerBlock(_gf_layer(), D, ffn_hidden_dim=F, dropout=pd, use_pre_norm=False, seed=0), 5)
    p = _params(block)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((B, N, D))
    masks = _masks(rng, pd, {"dropout": (B, N, D), "ffn.dropout": (B, N, F), "dropout@2": (B, N, D)})
    h = _ln(x + masks["dropout"] * _gf(p, "mixing_layer.", x) / (1 - pd), p["norm1.weight"], p["norm1.bias"])
    ref = _ln(h + masks["dropout@2"] * _ffn(p, "ffn.", h, masks["ffn.dropout"], pd) / (1 - pd),
              p["norm2.weight"], p["norm2.bias"])
    y, ctx = block.forward(x, training=True, masks=masks)
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-12)  # two norms (1/sigma ~ up to 10) of O(1) sums
    _check_fd(block, x, ctx, rng.standard_normal(y.shape), ("norm2.bias", "mixing_layer.filter_imag"),
              training=True, masks=masks)


def test_transformer_block_without_ffn_is_h():
    """docs/blocks.md, The three compositions: TransformerBlock without ffn_hidden_dim has no FFN and no LN2,
    y = h = x + M(LN1 x) (evaluation)."""
    block = _generic(TransformerBlock(_gf_layer(), D, seed=0), 7)
    assert not any(k.startswith(("ffn", "norm2")) for k in block.params)
    p = _params(block)
    x = np.random.default_rng(8).standard_normal((B, N, D))
    ref = x + _gf(p, "mixing_layer.", _ln(x, p["norm1.weight"], p["norm1.bias"]))
    np.testing.assert_allclose(block.forward(x)[0], ref, rtol=0, atol=1e-14)  # a norm and 4-point FFTs of O(1)


def test_parallel_block_eq3():
    """docs/blocks.md, The three compositions, (3) parallel: u = LN x, y = x + d(M(u) + FFN(u)), the block's
    dropout applied once ("dropout"); ParallelBlock against the reference, the backward (ds = d* dy,
    du = M*(ds) + FFN*(ds), dx = dy + LN*(du)) against central differences."""
    pd = 0.2
    block = _generic(ParallelBlock(_gf_layer(), D, ffn_hidden_dim=F, dropout=pd, seed=0), 9)
    p = _params(block)
    rng = np.random.default_rng(10)
    x = rng.standard_normal((B, N, D))
    masks = _masks(rng, pd, {"dropout": (B, N, D), "ffn.dropout": (B, N, F)})
    u = _ln(x, p["norm.weight"], p["norm.bias"])
    ref = x + masks["dropout"] * (_gf(p, "mixing_layer.", u) + _ffn(p, "ffn.", u, masks["ffn.dropout"], pd)) / (1 - pd)
    y, ctx = block.forward(x, training=True, masks=masks)
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-13)  # a norm, FFTs and a 5-wide FFN, all O(1)
    _check_fd(block, x, ctx, rng.standard_normal(y.shape), ("norm.weight",), training=True, masks=masks)


def test_layer_norm_vjp_formula():
    """docs/blocks.md, The backward of a residual branch: for xhat = (x - mu)/sigma, LN(x) = gamma xhat + beta,
    ghat = gamma dy: dx = (ghat - mean(ghat) - xhat mean(ghat xhat)) / sigma, dgamma = sum dy xhat, dbeta = sum
    dy over every axis but the last; against specref.ops.norm.layer_norm_vjp and central differences."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((B, N, D))
    gamma, beta = 1 + 0.5 * rng.standard_normal(D), 0.5 * rng.standard_normal(D)
    dy = rng.standard_normal((B, N, D))
    mu = x.mean(axis=-1, keepdims=True)
    sigma = np.sqrt(((x - mu) ** 2).mean(axis=-1, keepdims=True) + LN_EPS)
    xhat = (x - mu) / sigma
    ghat = gamma * dy
    dx_page = (ghat - ghat.mean(axis=-1, keepdims=True) - xhat * (ghat * xhat).mean(axis=-1, keepdims=True)) / sigma
    y = _ln(x, gamma, beta)
    dx, dg, db = layer_norm_vjp(dy, x, gamma, beta, y, eps=LN_EPS)
    np.testing.assert_allclose(dx, dx_page, rtol=0, atol=1e-13)  # 3-term means, 1/sigma up to ~10: a few ulps x 10
    np.testing.assert_allclose(dg, (dy * xhat).sum(axis=(0, 1)), rtol=0, atol=1e-14)  # 8-term sums of O(1)
    np.testing.assert_allclose(db, dy.sum(axis=(0, 1)), rtol=0, atol=1e-14)  # 8-term sums of O(1)

    def loss():
        return float(np.sum(dy * _ln(x, gamma, beta)))

    np.testing.assert_allclose(_fd(loss, x), dx_page, rtol=0, atol=1e-7)  # FD through 1/sigma ~ 10: 10 FD_ATOL


# ----------------------------------------------------------------------------------------------------------
# The hybrid blocks


def _hybrid_tail(p, h):
    """y = h + FFN(LN2 h) (evaluation)."""
    return h + _ffn(p, "ffn.", _ln(h, p["norm2.weight"], p["norm2.bias"]))


def _dm_from_tail(p, h, dy):
    """The cotangent of the mixture m (= of h, evaluation) through y = h + FFN(LN2 h), by central differences."""
    hh = h.copy()
    return _fd(lambda: float(np.sum(dy * _hybrid_tail(p, hh))), hh)


def test_adaptive_soft_gate_forward_and_backward_lines():
    """docs/blocks.md, Adaptive, soft gate: u_mean = (1/N) sum_n u_n, z = W u_mean + b, g = softmax(z), mix(u) =
    sum_i g_i L_i(u); The backward of a gated mixture: do_i = g_i dm, dg_i = <dm, o_i>, dz = g . (dg - <g, dg>),
    dW = sum_samples dz u_mean^T, db = sum_samples dz; AdaptiveBlock's forward and gate gradients against the
    lines (dm from central differences of the reference tail), dx against central differences."""
    block = _generic(AdaptiveBlock([_gf_layer(), FourierMixing(D)], D, gate_type="soft", ffn_hidden_dim=F,
                                   seed=0), 12)
    p = _params(block)
    rng = np.random.default_rng(13)
    x = rng.standard_normal((B, N, D))
    u = _ln(x, p["norm1.weight"], p["norm1.bias"])
    u_mean = u.mean(axis=1)  # (B, D)
    z = u_mean @ p["gate.weight"].T + p["gate.bias"]
    g = np.exp(z - z.max(axis=1, keepdims=True))
    g = g / g.sum(axis=1, keepdims=True)
    outs = [_gf(p, "layers.0.", u), _fm(u)]
    mix = g[:, 0, None, None] * outs[0] + g[:, 1, None, None] * outs[1]
    h = x + mix
    y, ctx = block.forward(x)
    np.testing.assert_allclose(y, _hybrid_tail(p, h), rtol=0, atol=1e-13)  # a gate softmax, FFTs, an FFN: O(1)
    dy = rng.standard_normal(y.shape)
    dm = _dm_from_tail(p, h, dy)
    dg = np.stack([np.sum(dm * o, axis=(1, 2)) for o in outs], axis=1)  # (B, k)
    dz = g * (dg - np.sum(g * dg, axis=1, keepdims=True))
    _, grads = _check_fd(block, x, ctx, dy, ("gate.weight",))
    np.testing.assert_allclose(grads["gate.weight"], dz.T @ u_mean, rtol=0, atol=FD_ATOL)  # dm by FD: FD_ATOL
    np.testing.assert_allclose(grads["gate.bias"], dz.sum(axis=0), rtol=0, atol=FD_ATOL)  # dm by FD: FD_ATOL


def test_adaptive_hard_gate_zero_gate_gradients_and_first_index_ties():
    """docs/blocks.md, Adaptive, hard gate: mix(u) = L_{i*}(u), i* = argmax z per sample, ties to the first
    index (at initialisation the gate is zero: every sample takes layer 0); zero gradients for gate.weight and
    gate.bias; AdaptiveBlock(gate_type="hard") against the reference, dx against central differences."""
    block = AdaptiveBlock([_gf_layer(), FourierMixing(D)], D, gate_type="hard", ffn_hidden_dim=F, seed=0)
    assert np.all(block.params["gate.weight"] == 0) and np.all(block.params["gate.bias"] == 0)
    p = _params(block)
    rng = np.random.default_rng(14)
    x = rng.standard_normal((B, N, D))
    h = x + _gf(p, "layers.0.", _ln(x, p["norm1.weight"], p["norm1.bias"]))
    y, ctx = block.forward(x)
    np.testing.assert_allclose(y, _hybrid_tail(p, h), rtol=0, atol=1e-13)  # FFTs and an FFN of O(1) values
    # a gate that picks layer 1 for sample 1 only
    p["gate.bias"] = np.array([0.0, 0.0])
    p["gate.weight"] = np.zeros((2, D))
    p["gate.weight"][1] = 50.0 * np.sign(_ln(x, p["norm1.weight"], p["norm1.bias"]).mean(axis=1)[1])
    block = block.with_params(p)
    u = _ln(x, p["norm1.weight"], p["norm1.bias"])
    z = u.mean(axis=1) @ p["gate.weight"].T
    pick = np.argmax(z, axis=1)
    assert list(pick) == [0, 1] or list(pick) == [1, 1]
    mix = np.stack([(_gf(p, "layers.0.", u) if pick[b] == 0 else _fm(u))[b] for b in range(B)])
    y, ctx = block.forward(x)
    np.testing.assert_allclose(y, _hybrid_tail(p, x + mix), rtol=0, atol=1e-13)  # as above
    _, grads = _check_fd(block, x, ctx, rng.standard_normal(y.shape))
    assert np.all(grads["gate.weight"] == 0) and np.all(grads["gate.bias"] == 0)


@pytest.mark.parametrize("fusion", ["add", "weighted", "concat"])
def test_multiscale_fusions(fusion):
    """docs/blocks.md, Multiscale: "add" (1/k) sum_i L_i(u); "weighted" sum_i softmax(w)_i L_i(u) with dw the
    softmax VJP of <dm, o_i> summed over the batch; "concat" P [L_1(u), ..., L_k(u)] + c with dP = sum dm o^T,
    dc = sum dm; MultiscaleBlock against the reference, the fusion gradients against the lines (dm from central
    differences of the reference tail), dx against central differences."""
    block = _generic(MultiscaleBlock([_gf_layer(), FourierMixing(D)], D, fusion_type=fusion, ffn_hidden_dim=F,
                                     seed=0), 15)
    p = _params(block)
    rng = np.random.default_rng(16)
    x = rng.standard_normal((B, N, D))
    u = _ln(x, p["norm1.weight"], p["norm1.bias"])
    outs = [_gf(p, "layers.0.", u), _fm(u)]
    if fusion == "add":
        mix = (outs[0] + outs[1]) / 2
    elif fusion == "weighted":
        a = np.exp(p["fusion_weights"] - p["fusion_weights"].max())
        a = a / a.sum()
        mix = a[0] * outs[0] + a[1] * outs[1]
    else:
        cat = np.concatenate(outs, axis=-1)
        mix = cat @ p["fusion_proj.weight"].T + p["fusion_proj.bias"]
    h = x + mix
    y, ctx = block.forward(x)
    np.testing.assert_allclose(y, _hybrid_tail(p, h), rtol=0, atol=1e-13)  # FFTs, a fusion, an FFN: O(1)
    dy = rng.standard_normal(y.shape)
    _, grads = _check_fd(block, x, ctx, dy)
    dm = _dm_from_tail(p, h, dy)
    if fusion == "weighted":
        dg = np.array([np.sum(dm * o) for o in outs])
        np.testing.assert_allclose(grads["fusion_weights"], a * (dg - np.sum(a * dg)), rtol=0,
                                   atol=FD_ATOL)  # dm by FD: FD_ATOL
    elif fusion == "concat":
        np.testing.assert_allclose(grads["fusion_proj.weight"], np.einsum("bno,bni->oi", dm, cat), rtol=0,
                                   atol=FD_ATOL)  # dm by FD: FD_ATOL, times O(1) outputs
        np.testing.assert_allclose(grads["fusion_proj.bias"], dm.sum(axis=(0, 1)), rtol=0,
                                   atol=FD_ATOL)  # dm by FD: FD_ATOL


@pytest.mark.parametrize("share_norm", [False, True])
def test_cascade_branches_and_shared_norm(share_norm):
    """docs/blocks.md, Cascade: h_0 = x, h_i = h_{i-1} + d(L_i(N_i h_{i-1})), y = h_k + d(FFN(LN2 h_k)); with
    share_norm every N_i is norm1 (its gradient the sum over every use, checked by central differences), else
    norms.<i> and norm1 unused (zero gradient); CascadeBlock against the reference."""
    block = _generic(CascadeBlock([_gf_layer(), FourierMixing(D)], D, share_norm=share_norm, ffn_hidden_dim=F,
                                  seed=0), 17)
    p = _params(block)
    rng = np.random.default_rng(18)
    x = rng.standard_normal((B, N, D))
    norms = ["norm1", "norm1"] if share_norm else ["norms.0", "norms.1"]
    h1 = x + _gf(p, "layers.0.", _ln(x, p[norms[0] + ".weight"], p[norms[0] + ".bias"]))
    h2 = h1 + _fm(_ln(h1, p[norms[1] + ".weight"], p[norms[1] + ".bias"]))
    y, ctx = block.forward(x)
    np.testing.assert_allclose(y, _hybrid_tail(p, h2), rtol=0, atol=1e-13)  # two norms, FFTs, an FFN: O(1)
    _, grads = _check_fd(block, x, ctx, rng.standard_normal(y.shape), ("norm1.weight",))
    if not share_norm:
        assert np.all(grads["norm1.weight"] == 0) and np.all(grads["norm1.bias"] == 0)
        assert "norms.0.weight" in p
    else:
        assert not any(k.startswith("norms.") for k in p)


def test_alternating_block_unused_layer_zero_gradients():
    """docs/blocks.md, Alternating: mix(u) = L_s(u) with s chosen by use_layer1, the other layer's arrays get
    zero gradients; with_layer(False) applies layer2; norm3 unused (zero gradient); AlternatingBlock."""
    block = _generic(AlternatingBlock(_gf_layer(), _gf_layer(), D, ffn_hidden_dim=F, seed=0), 19)
    p = _params(block)
    rng = np.random.default_rng(20)
    x = rng.standard_normal((B, N, D))
    u = _ln(x, p["norm1.weight"], p["norm1.bias"])
    for use1, used, unused in ((True, "layer1.", "layer2."), (False, "layer2.", "layer1.")):
        blk = block.with_layer(use1)
        y, ctx = blk.forward(x)
        np.testing.assert_allclose(y, _hybrid_tail(p, x + _gf(p, used, u)), rtol=0,
                                   atol=1e-13)  # a norm, FFTs and an FFN of O(1) values
        _, grads = _check_fd(blk, x, ctx, rng.standard_normal(y.shape), (used + "filter_real",))
        assert all(np.all(grads[k] == 0) for k in grads if k.startswith((unused, "norm3.")))


# ----------------------------------------------------------------------------------------------------------
# Dropout masks by module path


def test_mask_names_by_module_path():
    """docs/blocks.md, Dropout masks by module path: a pre-norm block's masks are "dropout", "dropout@2",
    "ffn.dropout" and the wrapped layer's under "mixing_layer." (LSTBlock: ('mixing_layer.dropout', 'dropout',
    'ffn.dropout', 'dropout@2')); a cascade's "dropout", "dropout@2", ... for its k layers and "dropout@<k+1>"
    for the FFN branch."""
    assert LSTBlock(hidden_dim=8, num_heads=2, dropout=0.1, seed=0).dropout_names == (
        "mixing_layer.dropout", "dropout", "ffn.dropout", "dropout@2")
    names = set(CascadeBlock([_gf_layer(), FourierMixing(D), FourierMixing(D)], D, dropout=0.1,
                             seed=0).dropout_names)
    assert {"dropout", "dropout@2", "dropout@3", "dropout@4", "ffn.dropout"} <= names
