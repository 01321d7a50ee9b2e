"""Guards of docs/models.md: each formula of the page evaluated independently.

The forward (1)-(6) of a one-layer GFNet written out (embedding lookup, sinusoidal encoding, input dropout once,
the pre-norm block with its global filter, the final norm, the cls and mean-pooling heads), the encodings'
tables (sinusoidal, rotary and its adjoint, learned and its gradient), the backward lines (embedding
scatter-add, dropout, central differences), the head-existence rule, the cross-entropy and its VJP, the mask
names, the attention mask's reach and the refusals.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

from specref.models import GFNet, GFNetEncoder, LSTDecoder, SpectralAttentionEncoder
from specref.models.losses import cross_entropy, cross_entropy_vjp
from specref.models.positional import RotaryPositionalEncoding, sinusoidal_table
from tests.book.central_differences import assert_directional
from tests.book.central_differences import fd_entrywise as _fd
from tests.book.formulas import gelu as _gelu
from tests.book.formulas import layer_norm

EPS64 = np.finfo(np.float64).eps
FD_ATOL = 1e-8  # FD error of O(1) smooth maps: truncation h^2 ~ 1e-12 plus rounding ~10 eps/h ~ 2e-9, margin 5x
_assert_directional_fd = partial(assert_directional, atol=FD_ATOL)  # the file's per-entry tolerance
LN_EPS = 1e-12  # norm_eps, the page's default
_ln = partial(layer_norm, eps=LN_EPS)  # the page's layer norm at this file's eps
V, D, N, C, F = 5, 4, 4, 3, 6  # vocabulary, hidden, sequence, classes, FFN hidden


def _sigmoid(u):
    return 1 / (1 + np.exp(-u))


def _generic(model, seed):
    """Every param drawn N(0, 1/4) (norm weights 1 + N(0, 1/4)): a generic point."""
    rng = np.random.default_rng(seed)
    new = {}
    for name, a in model.params.items():
        is_norm_weight = "norm" in name and name.endswith(".weight")
        new[name] = 0.5 * rng.standard_normal(a.shape) + (1.0 if is_norm_weight else 0.0)
    return model.with_params(new)


def _drop(masks, name, v, p):
    return v if masks is None else masks[name] * v / (1 - p)


def _ref_hidden(p, x1, masks=None, pd=0.0):
    """(3)-(5) of a one-layer GFNet: input dropout, the pre-norm block around GlobalFilterMixing (sigmoid on the
    real and imaginary filters, orthonormal FFT along the sequence, its own output dropout), final norm."""
    h0 = _drop(masks, "dropout", x1, pd)
    b = "blocks.0."
    u1 = _ln(h0, p[b + "norm1.weight"], p[b + "norm1.bias"])
    w = _sigmoid(p[b + "mixing_layer.filter_real"]) + 1j * _sigmoid(p[b + "mixing_layer.filter_imag"])
    m = np.real(np.fft.ifft(w * np.fft.fft(u1, axis=-2, norm="ortho"), axis=-2, norm="ortho"))
    m = _drop(masks, b + "mixing_layer.dropout", m, pd)
    h = h0 + _drop(masks, b + "dropout", m, pd)
    a = _gelu(_ln(h, p[b + "norm2.weight"], p[b + "norm2.bias"]) @ p[b + "ffn.fc1.weight"].T + p[b + "ffn.fc1.bias"])
    f = _drop(masks, b + "ffn.dropout", a, pd) @ p[b + "ffn.fc2.weight"].T + p[b + "ffn.fc2.bias"]
    h1 = h + _drop(masks, b + "dropout@2", f, pd)
    return _ln(h1, p["final_norm.weight"], p["final_norm.bias"])


def _sinusoidal(n, d):
    """P_{p,2i} = sin(p w_i), P_{p,2i+1} = cos(p w_i), w_i = 10^{-8i/D}."""
    table = np.zeros((n, d))
    for pos in range(n):
        for i in range(d // 2):
            table[pos, 2 * i] = math.sin(pos * 10 ** (-8 * i / d))
            table[pos, 2 * i + 1] = math.cos(pos * 10 ** (-8 * i / d))
    return table


# ----------------------------------------------------------------------------------------------------------
# The forward


def test_sinusoidal_table_and_odd_d_refused():
    """docs/models.md, The forward, sinusoidal: P_{p,2i} = sin(p w_i), P_{p,2i+1} = cos(p w_i), w_i = 10^{-8i/D},
    the buffer positional_encoding.pe (1, N_max, D); against sinusoidal_table and GFNet's buffer; an odd D is
    refused."""
    np.testing.assert_allclose(sinusoidal_table(6, 4), _sinusoidal(6, 4), rtol=0,
                               atol=1e-15)  # sin/cos of arguments <= 6 rounded two ways: a few ulps
    model = GFNet(vocab_size=V, hidden_dim=D, num_layers=1, max_sequence_length=N, num_classes=C, seed=0)
    assert model.buffers["positional_encoding.pe"].shape == (1, N, D)
    np.testing.assert_allclose(model.buffers["positional_encoding.pe"][0], _sinusoidal(N, D), rtol=0,
                               atol=1e-15)  # as above
    with pytest.raises(ValueError):
        GFNet(vocab_size=V, hidden_dim=3, num_layers=1, max_sequence_length=N, num_classes=C, seed=0)


def test_rotary_rotates_half_pairs_and_backward_is_transpose():
    """docs/models.md, The forward, rotary: the pairs (x_{p,i}, x_{p,i+D/2}) rotated by theta_{p,i} = p w_i,
    w_i = b^{-2i/D}; The backward: PE* = R_theta^T; RotaryPositionalEncoding forward against the loop, its
    backward against the transposed rotation."""
    d, n, base = 6, 5, 100.0
    layer = RotaryPositionalEncoding(d, base=base)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, n, d))
    ref = np.empty_like(x)
    rot_t = np.empty_like(x)
    dy = rng.standard_normal(x.shape)
    for pos in range(n):
        for i in range(d // 2):
            th = pos * base ** (-2 * i / d)
            c, s = math.cos(th), math.sin(th)
            a, b = x[:, pos, i], x[:, pos, i + d // 2]
            ref[:, pos, i], ref[:, pos, i + d // 2] = c * a - s * b, s * a + c * b
            ga, gb = dy[:, pos, i], dy[:, pos, i + d // 2]
            rot_t[:, pos, i], rot_t[:, pos, i + d // 2] = c * ga + s * gb, -s * ga + c * gb
    y, ctx = layer.forward(x)
    np.testing.assert_allclose(y, ref, rtol=0, atol=4 * EPS64 * 3)  # 2-term sums of O(1) products, |x| <= 3
    dx, _ = layer.backward(ctx, dy)
    np.testing.assert_allclose(dx, rot_t, rtol=0, atol=4 * EPS64 * 3)  # as above


@pytest.mark.parametrize("training", [False, True])
def test_model_forward_eq1_to_6_classification(training):
    """docs/models.md, The forward (1)-(6): x0 = E_t, x1 = x0 + P_{:N}, x2 = d(x1) (input dropout once), the
    block, z = LN(h_L) with eps 1e-12, y = head(z) with the cls pooling (position 0), its dropout and the
    classifier; GFNet (one layer) on token ids, in evaluation and with every mask injected."""
    pd = 0.2
    model = _generic(GFNet(vocab_size=V, hidden_dim=D, num_layers=1, max_sequence_length=N, num_classes=C,
                           ffn_hidden_dim=F, dropout=pd, seed=0), 2)
    p = {k: np.array(v) for k, v in model.params.items()}
    rng = np.random.default_rng(3)
    ids = np.array([[0, 3, 3, 1], [2, 0, 4, 3]])
    masks = None
    if training:
        shapes = {"dropout": (2, N, D), "blocks.0.mixing_layer.dropout": (2, N, D), "blocks.0.dropout": (2, N, D),
                  "blocks.0.ffn.dropout": (2, N, F), "blocks.0.dropout@2": (2, N, D), "output_head.dropout": (2, D)}
        masks = {k: rng.random(s) > pd for k, s in shapes.items()}
    x1 = p["embedding.weight"][ids] + _sinusoidal(N, D)
    z = _ref_hidden(p, x1, masks, pd)
    pooled = _drop(masks, "output_head.dropout", z[:, 0], pd)
    ref = pooled @ p["output_head.classifier.weight"].T + p["output_head.classifier.bias"]
    y, _ = model.forward(ids, training=training, masks=masks)
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-12)  # ~12 chained O(1) stages, three norms


def test_regression_head_masked_mean():
    """docs/models.md, The heads: regression takes the mean over the kept positions, sum_n m_n z_n / sum_n m_n,
    and maps it with regressor (1, D); GFNet(output_type="regression") with an
    attention mask."""
    model = _generic(GFNet(vocab_size=V, hidden_dim=D, num_layers=1, max_sequence_length=N, num_classes=1,
                           ffn_hidden_dim=F, dropout=0.0, output_type="regression", seed=0), 4)
    p = {k: np.array(v) for k, v in model.params.items()}
    ids = np.array([[1, 2, 3, 4], [4, 4, 0, 1]])
    keep = np.array([[True, True, False, True], [True, False, False, False]])
    z = _ref_hidden(p, p["embedding.weight"][ids] + _sinusoidal(N, D))
    pooled = (keep[..., None] * z).sum(axis=1) / keep.sum(axis=1, keepdims=True)
    ref = pooled @ p["output_head.regressor.weight"].T + p["output_head.regressor.bias"]
    y, _ = model.forward(ids, attention_mask=keep)
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-12)  # ~10 chained O(1) stages, three norms


@pytest.mark.parametrize("output_type, num_classes, vocab, shape, has_head", [
    ("classification", 3, 5, (2, 3), True), ("classification", None, 5, (2, 4, 4), False),
    ("sequence", 3, 5, (2, 4, 3), True), ("sequence", None, 5, (2, 4, 5), True),
    ("sequence", None, None, (2, 4, 4), True), ("lm", None, 5, (2, 4, 5), True), ("none", 3, 5, (2, 4, 4), False)])
def test_head_existence_rule(output_type, num_classes, vocab, shape, has_head):
    """docs/models.md, The heads, spectrans's rule: classification only with num_classes; sequence with
    num_classes, else vocab_size, else D outputs; lm with num_classes or vocab_size; none (the output shape of
    GFNet on embeddings, and whether an output_head exists)."""
    model = GFNet(vocab_size=vocab, hidden_dim=D, num_layers=1, max_sequence_length=N, num_classes=num_classes,
                  ffn_hidden_dim=F, dropout=0.0, output_type=output_type, seed=0)
    x = np.random.default_rng(5).standard_normal((2, N, D))
    assert model.forward(x)[0].shape == shape
    assert any(k.startswith("output_head.") for k in model.params) == has_head
    if output_type == "lm":
        with pytest.raises(ValueError):  # lm needs num_classes or vocab_size
            GFNet(vocab_size=None, hidden_dim=D, num_layers=1, max_sequence_length=N, output_type="lm", seed=0)


# ----------------------------------------------------------------------------------------------------------
# The backward


def test_embedding_scatter_add_and_ids_not_differentiable():
    """docs/models.md, The backward: dE_v = sum_{(b,n): t_bn = v} (dx0)_bn, a token read k times gets the sum of
    its k rows and an unread row exactly zero; dx is None for token ids; every gradient of GFNet against
    central differences along random directions (embedding.weight, the filter, the final norm)."""
    model = _generic(GFNet(vocab_size=V, hidden_dim=D, num_layers=1, max_sequence_length=N, num_classes=C,
                           ffn_hidden_dim=F, dropout=0.0, seed=0), 6)
    p = {k: np.array(v) for k, v in model.params.items()}
    ids = np.array([[0, 3, 3, 1], [3, 0, 1, 1]])  # token 2 and 4 never read
    y, ctx = model.forward(ids)
    dy = np.random.default_rng(7).standard_normal(y.shape)
    dx, grads = model.backward(ctx, dy)
    assert dx is None
    assert np.all(grads["embedding.weight"][[2, 4]] == 0.0)

    def loss():
        return float(np.sum(dy * model.with_params(p).forward(ids)[0]))

    for name in ("embedding.weight", "blocks.0.mixing_layer.filter_real", "final_norm.weight"):
        _assert_directional_fd(loss, p[name], grads[name])


def test_learned_encoding_gradient_and_input_dropout_line():
    """docs/models.md, The backward: dx1 = d*(dh0) = m . dh0 / (1 - p), dx0 = PE*(dx1) (identity for the learned
    encoding), dW_{:N} = sum_batch dx1 with rows beyond N zero, and embedding.weight a zero gradient when
    embeddings are given; GFNet(positional_encoding_type="learned") on embeddings, N < N_max, input dropout
    mask injected, against central differences along random directions."""
    pd = 0.3
    model = _generic(GFNet(vocab_size=V, hidden_dim=D, num_layers=1, max_sequence_length=N + 2, num_classes=C,
                           ffn_hidden_dim=F, dropout=pd, positional_encoding_type="learned", seed=0), 8)
    p = {k: np.array(v) for k, v in model.params.items()}
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, N, D))
    keep = rng.random((2, N, D)) > pd
    masks = {name: np.ones(s, bool) for name, s in (
        ("blocks.0.mixing_layer.dropout", (2, N, D)), ("blocks.0.dropout", (2, N, D)),
        ("blocks.0.ffn.dropout", (2, N, F)), ("blocks.0.dropout@2", (2, N, D)), ("output_head.dropout", (2, D)))}
    masks["dropout"] = keep
    y, ctx = model.forward(x, training=True, masks=masks)
    dy = rng.standard_normal(y.shape)
    dx, grads = model.backward(ctx, dy)
    w_name = "positional_encoding.position_embeddings.weight"
    assert np.all(dx[~keep] == 0.0)  # m . dh0: dropped entries get exactly 0
    np.testing.assert_allclose(grads[w_name][:N], dx.sum(axis=0), rtol=0, atol=4 * EPS64)  # 2-term sums, O(1)
    assert np.all(grads[w_name][N:] == 0.0)
    assert np.all(grads["embedding.weight"] == 0.0)

    def loss():
        return float(np.sum(dy * model.with_params(p).forward(x, training=True, masks=masks)[0]))

    _assert_directional_fd(loss, x, dx)
    _assert_directional_fd(loss, p[w_name], grads[w_name])


# ----------------------------------------------------------------------------------------------------------
# Training by hand


def test_cross_entropy_and_vjp():
    """docs/models.md, Training by hand: l = -log softmax(y)_c and its VJP softmax(y) - e_c averaged over the
    batch; cross_entropy and cross_entropy_vjp against the formula (a loop) and central differences."""
    rng = np.random.default_rng(10)
    logits = rng.standard_normal((3, 4))
    targets = np.array([2, 0, 3])
    sm = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    loss_page = np.mean([-math.log(sm[b, targets[b]]) for b in range(3)])
    loss = cross_entropy(logits, targets)
    assert abs(float(loss) - loss_page) < 1e-15  # three logs of O(1) values averaged: a few ulps
    grad_page = (sm - np.eye(4)[targets]) / 3
    got = cross_entropy_vjp(np.array(1.0), logits, targets, loss)
    np.testing.assert_allclose(got, grad_page, rtol=0, atol=1e-16)  # softmax entries in [0, 1] over 3: ulps

    def f():
        return float(cross_entropy(logits, targets))

    np.testing.assert_allclose(_fd(f, logits), grad_page, rtol=0, atol=FD_ATOL)  # FD_ATOL: step 1e-6, see top


# ----------------------------------------------------------------------------------------------------------
# Dropout masks and the attention mask; departures


def test_mask_names_and_input_dropout_once():
    """docs/models.md, Dropout masks and Input dropout once: "dropout" (input), "blocks.<i>.<path in block i>",
    "output_head.dropout" in the order a forward draws them; the encoding's dropout only with
    spectrans_behaviour=True ("positional_encoding.dropout", then "dropout")."""
    kw = {"vocab_size": V, "hidden_dim": D, "num_layers": 1, "max_sequence_length": N, "num_classes": C,
          "dropout": 0.1, "seed": 0}
    names = GFNet(**kw).dropout_names
    assert names[0] == "dropout" and names[-1] == "output_head.dropout"
    assert all(n.startswith("blocks.0.") for n in names[1:-1]) and "blocks.0.dropout@2" in names
    assert GFNet(**kw, spectrans_behaviour=True).dropout_names[:2] == ("positional_encoding.dropout", "dropout")


def test_attention_mask_reaches_attention_not_mixing():
    """docs/models.md, Dropout masks and the attention mask: attention_mask reaches every attention layer as its
    padding mask, so a masked token changes no kept position's output of an attention model
    (SpectralAttentionEncoder); a mixing model's FFT still sees the padded token (GFNetEncoder)."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((1, N, D))
    keep = np.array([[True, True, False, True]])
    x2 = x.copy()
    x2[0, 2] += rng.standard_normal(D)  # not a constant row: a layer norm would remove that
    att = SpectralAttentionEncoder(hidden_dim=D, num_layers=1, max_sequence_length=N, num_heads=2,
                                   ffn_hidden_dim=F, seed=0)
    y1, y2 = att.forward(x, attention_mask=keep)[0], att.forward(x2, attention_mask=keep)[0]
    np.testing.assert_allclose(y1[0, keep[0]], y2[0, keep[0]], rtol=0, atol=1e-14)  # the same sums: rounding only
    assert np.abs(y1[0, 2] - y2[0, 2]).max() > 1e-3
    mix = GFNetEncoder(hidden_dim=D, num_layers=1, max_sequence_length=N, ffn_hidden_dim=F, seed=0)
    z1, z2 = mix.forward(x, attention_mask=keep)[0], mix.forward(x2, attention_mask=keep)[0]
    assert np.abs(z1[0, keep[0]] - z2[0, keep[0]]).max() > 1e-6


def test_refusals_causal_decoder_and_alibi():
    """docs/models.md, Where specref departs: LSTDecoder(causal=True) is refused, and so is
    positional_encoding_type="alibi"."""
    with pytest.raises(ValueError):
        LSTDecoder(vocab_size=V, hidden_dim=8, num_layers=1, max_sequence_length=N, causal=True, seed=0)
    with pytest.raises(ValueError):
        GFNet(vocab_size=V, hidden_dim=D, num_layers=1, max_sequence_length=N, num_classes=C,
              positional_encoding_type="alibi", seed=0)
