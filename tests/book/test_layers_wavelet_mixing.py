"""Guards for docs/layers/wavelet_mixing.md: each formula the page states, evaluated independently.

The DWT and its synthesis are taken from pywt (independent of specref.transforms), as dense matrices built by
applying pywt to unit vectors; the mixings, the width-1 attention and its VJP, the convolution, the batch norm
and the running statistics are written as loops or NumPy expressions from the page's equations; gradients are
also checked by central differences. They are compared with WaveletMixing, WaveletMixing2D and the primitives
the page names (``conv2d_vjp``, ``batch_norm_vjp``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import pywt

from specref.layers.mixing.wavelet import WaveletMixing
from specref.layers.mixing.wavelet2d import WaveletMixing2D
from specref.ops.batch_norm import batch_norm_inference_vjp, batch_norm_vjp
from specref.ops.conv import conv2d_vjp

EPS64 = np.finfo(np.float64).eps
MODE = "symmetric"
# tiny sizes put some levels above pywt's maximum: the layers and pywt warn (the page documents it) and compute
pytestmark = pytest.mark.filterwarnings("ignore:.*(above the maximum level|is too high).*:UserWarning")


def _dec(n: int, wavelet: str, levels: int) -> list[np.ndarray]:
    """W_J as dense band matrices (L_b, N), pywt's order [cA_J, cD_J, ..., cD_1]."""
    cols = [pywt.wavedec(e, wavelet, MODE, level=levels) for e in np.eye(n)]
    return [np.stack([c[b] for c in cols], axis=1) for b in range(levels + 1)]


def _rec(n: int, wavelet: str, lengths: list[int]) -> list[np.ndarray]:
    """Pi_N R as dense band matrices (N, L_b): pywt.waverec of unit coefficients, cropped to N."""
    mats = []
    for b, length in enumerate(lengths):
        cols = []
        for i in range(length):
            coeffs = [np.zeros(m) for m in lengths]
            coeffs[b][i] = 1.0
            cols.append(pywt.waverec(coeffs, wavelet, MODE)[:n])
        mats.append(np.stack(cols, axis=1))
    return mats


def _bands(x, dec):
    return [np.einsum("ln,...nd->...ld", m, x) for m in dec]


def _synth(coeffs, rec):
    return sum(np.einsum("nl,...ld->...nd", m, c) for m, c in zip(rec, coeffs, strict=True))


def _tol(v, terms):
    """Entrywise bound for dense sums of `terms` products of v's entries with O(1) filter taps."""
    return 16 * (terms + 4) * EPS64 * max(1.0, float(np.abs(v).sum()))  # recursive sums, x4 margin, O(1) taps


def _random_params(layer, seed, scale=1.0):
    gen = np.random.default_rng(seed)
    return layer.with_params({k: scale * gen.standard_normal(np.shape(v)) for k, v in layer.params.items()})


# ----------------------------------------------------------------------------------------------------------
# Notation and Cost: the lengths


@pytest.mark.parametrize("wavelet, levels", [("db1", 2), ("db2", 1), ("db2", 2), ("sym3", 1)])
@pytest.mark.parametrize("n", [7, 8])
def test_band_lengths_and_their_sum(wavelet, levels, n):
    """docs/layers/wavelet_mixing.md, Notation: L_j = floor((L_{j-1} + F - 1)/2), L_0 = N, c_A of length L_J;
    Cost: sum_j L_j < N + J F; WaveletMixing2D forward: one synthesis level maps m = floor((n + F - 1)/2)
    coefficients to 2m - F + 2 in {n, n+1} samples; against pywt and the layer's coefficients."""
    f = pywt.Wavelet(wavelet).dec_len
    lengths = [n]
    for _ in range(levels):
        lengths.append((lengths[-1] + f - 1) // 2)
    layer = WaveletMixing(2, wavelet=wavelet, levels=levels)
    _, ctx = layer.forward(np.ones((1, n, 2)))
    assert [c.shape[-2] for c in ctx.coeffs] == [lengths[-1], *lengths[:0:-1]]
    assert sum(lengths[1:]) < n + levels * f
    for size in (n, n - 1):
        m = (size + f - 1) // 2
        ca, cd = pywt.dwt(np.ones(size), wavelet, MODE)
        assert len(ca) == m and 2 * m - f + 2 in (size, size + 1)
        assert len(pywt.idwt(ca, cd, wavelet, MODE)) == 2 * m - f + 2


# ----------------------------------------------------------------------------------------------------------
# WaveletMixing: forward and backward, pointwise and channel


@pytest.mark.parametrize("wavelet, levels, n", [("db1", 2, 8), ("db2", 1, 7), ("db1", 3, 8)])
def test_init_gives_two_x(wavelet, levels, n):
    """docs/layers/wavelet_mixing.md, WaveletMixing: forward: at init (all ones / identities) c~ = c and
    y = x + Pi_N R W_J x = 2x (pywt's perfect reconstruction); against WaveletMixing, pointwise and channel."""
    x = np.random.default_rng(1).standard_normal((2, n, 3))
    for mode in ("pointwise", "channel"):
        y, _ = WaveletMixing(3, wavelet=wavelet, levels=levels, mixing_mode=mode).forward(x)
        np.testing.assert_allclose(y, 2 * x, rtol=0, atol=_tol(x, 2 * n))  # analysis then synthesis: 2N-term sums


@pytest.mark.parametrize("wavelet, levels, n", [("db1", 2, 8), ("db2", 1, 7), ("db2", 2, 8)])
def test_pointwise_forward_and_backward_dense(wavelet, levels, n):
    """docs/layers/wavelet_mixing.md, WaveletMixing forward ("pointwise": c~_A = c_A a, c~_{D_{j+1}} = c_{D_{j+1}}
    d_j, detail_0 on the finest band; y = x + m xhat/(1 - p)) and backward steps 1-4 (xbar += ybar,
    xhatbar = m ybar/(1 - p), c~bar = R^T Pi^T xhatbar, cbar_b = c~bar_b w_b, wbar_b = sum c~bar_b c_b,
    xbar += W_J^T cbar); dense pywt matrices, training mode with an injected mask; against WaveletMixing."""
    d, p = 3, 0.25
    layer = _random_params(WaveletMixing(d, wavelet=wavelet, levels=levels, dropout=p), 2)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, n, d))
    dy = rng.standard_normal((2, n, d))
    mask = rng.random((2, n, d)) >= p
    dec = _dec(n, wavelet, levels)
    rec = _rec(n, wavelet, [m.shape[0] for m in dec])
    weights = [layer.params["mixing_weights.approx"]] + [
        layer.params[f"mixing_weights.detail_{levels - b}"] for b in range(1, levels + 1)]  # pywt index b: D_{J-b+1}
    c = _bands(x, dec)
    xhat = _synth([cb * wb for cb, wb in zip(c, weights, strict=True)], rec)
    y, ctx = layer.forward(x, training=True, masks={"dropout": mask})
    np.testing.assert_allclose(y, x + mask * xhat / (1 - p), rtol=0,
                               atol=_tol(x, 2 * n) * 4 / (1 - p))  # 2N-term sums, |w| <= 4, 1/(1-p)
    dx, grads = layer.backward(ctx, dy)
    g = mask * dy / (1 - p)  # step 1
    ctil_bar = [np.einsum("nl,...nd->...ld", r, g) for r in rec]  # step 2
    dx_expected = dy + sum(np.einsum("ln,...ld->...nd", m, cb * wb)  # steps 3, 4
                           for m, cb, wb in zip(dec, ctil_bar, weights, strict=True))
    np.testing.assert_allclose(dx, dx_expected, rtol=0, atol=_tol(g, 2 * n) * 4)  # 2N-term sums, |w| <= 4
    names = ["mixing_weights.approx"] + [f"mixing_weights.detail_{levels - b}" for b in range(1, levels + 1)]
    for name, cb, cbar in zip(names, c, ctil_bar, strict=True):
        want = np.sum(cbar * cb, axis=(0, 1), keepdims=True)
        assert grads[name].shape == (1, 1, d)
        np.testing.assert_allclose(grads[name], want, rtol=0,
                                   atol=_tol(g, 2 * n) * np.abs(x).sum())  # sums of products of N-term sums


def test_channel_mode_reads_diagonals_and_off_diagonal_gradient_is_zero():
    """docs/layers/wavelet_mixing.md, "channel" and backward step 3 (Channel): c~_b = c_b diag(W_b), only the
    diagonal read; the off-diagonal entries get a gradient of exactly 0 and the diagonal gets the pointwise
    gradient; against WaveletMixing in channel mode and a pointwise layer with the diagonals."""
    n, d, levels = 8, 3, 2
    chan = _random_params(WaveletMixing(d, wavelet="db1", levels=levels, mixing_mode="channel"), 4)
    point = WaveletMixing(d, wavelet="db1", levels=levels).with_params(
        {k: np.diagonal(v, axis1=1, axis2=2)[:, None, :] for k, v in chan.params.items()})
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, n, d))
    dy = rng.standard_normal((2, n, d))
    yc, ctxc = chan.forward(x)
    yp, ctxp = point.forward(x)
    np.testing.assert_array_equal(yc, yp)  # the same numbers through the same operations
    _, gc = chan.backward(ctxc, dy)
    _, gp = point.backward(ctxp, dy)
    off = ~np.eye(d, dtype=bool)
    for k in gc:
        assert np.all(gc[k][0][off] == 0.0)
        np.testing.assert_allclose(np.diagonal(gc[k], axis1=1, axis2=2), gp[k][:, 0, :], rtol=0,
                                   atol=_tol(dy, 2 * n) * np.abs(x).sum())  # sums of products of N-term sums


# ----------------------------------------------------------------------------------------------------------
# WaveletMixing: level mode and the attention VJP


def _attn_forward(s, wq, wk, wv, bq, bk, bv, wo, bo, mp=None, p=0.0):
    q, k, v = wq * s + bq, wk * s + bk, wv * s + bv
    z = np.outer(q, k)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    prob = e / e.sum(axis=1, keepdims=True)
    pt = prob if mp is None else prob * mp / (1 - p)
    o = pt @ v
    return wo * o + bo, (q, k, v, prob, pt, o)


def _attn_vjp(sbar_t, s, wq, wk, wv, wo, cache, mp=None, p=0.0):
    """The page's attention VJP, as written."""
    q, k, v, prob, pt, o = cache
    obar = wo * sbar_t
    g = {"wo": np.sum(sbar_t * o), "bo": np.sum(sbar_t)}
    vbar = pt.T @ obar
    ptbar = np.outer(obar, v)
    pbar = ptbar if mp is None else ptbar * mp / (1 - p)
    zbar = prob * (pbar - np.sum(pbar * prob, axis=1, keepdims=True))
    qbar, kbar = zbar @ k, zbar.T @ q
    sbar = wq * qbar + wk * kbar + wv * vbar
    for name, bar in (("q", qbar), ("k", kbar), ("v", vbar)):
        g["w" + name], g["b" + name] = np.sum(bar * s), np.sum(bar)
    return sbar, g


def test_attention_vjp_formulas_against_central_differences():
    """docs/layers/wavelet_mixing.md, The attention VJP (width 1, one head, attention-weight dropout m_P): the
    formulas as written against central differences of the forward q = w_q s + b_q, ..., P = softmax(q k^T),
    s~ = w_o (P m_P/(1 - p)) v + b_o (plain NumPy, no specref)."""
    rng = np.random.default_rng(6)
    length, p = 5, 0.2
    s = rng.standard_normal(length)
    prm = dict(zip(["wq", "wk", "wv", "bq", "bk", "bv", "wo", "bo"], rng.standard_normal(8), strict=True))
    mp = rng.random((length, length)) >= p
    sbar_t = rng.standard_normal(length)
    _, cache = _attn_forward(s, **prm, mp=mp, p=p)
    sbar, g = _attn_vjp(sbar_t, s, prm["wq"], prm["wk"], prm["wv"], prm["wo"], cache, mp=mp, p=p)
    step = 1e-6  # balances truncation h^2 against rounding eps / h

    def loss(ss, pp):
        return float(np.sum(sbar_t * _attn_forward(ss, **pp, mp=mp, p=p)[0]))

    fd_s = np.array([(loss(s + step * e, prm) - loss(s - step * e, prm)) / (2 * step) for e in np.eye(length)])
    np.testing.assert_allclose(sbar, fd_s, rtol=0, atol=1e-8)  # h^2 |f'''| ~ 1e-11, eps |L| / h ~ 1e-10
    for name in prm:
        up, down = dict(prm), dict(prm)
        up[name] += step
        down[name] -= step
        fd = (loss(s, up) - loss(s, down)) / (2 * step)
        assert g[name] == pytest.approx(fd, abs=1e-8), name  # as for s


@pytest.mark.parametrize("wavelet, levels, n", [("db1", 2, 8), ("db2", 1, 7)])
def test_level_mode_forward_and_backward_dense(wavelet, levels, n):
    """docs/layers/wavelet_mixing.md, "level": bands in spectrans's order (c_A, c_{D_1}, ..., c_{D_J}) zero-padded to
    L_max, one width-1 attention per band and channel over its positions, cropped back; backward step 3 (Level):
    pad, the attention VJP above with every sum over batch, channels, bands and positions, crop; dense, against
    WaveletMixing(mixing_mode="level")."""
    d = 2
    layer = _random_params(WaveletMixing(d, wavelet=wavelet, levels=levels, mixing_mode="level"), 7, scale=0.8)
    w_in, b_in = layer.params["level_mixer.in_proj_weight"][:, 0], layer.params["level_mixer.in_proj_bias"]
    wo, bo = layer.params["level_mixer.out_proj.weight"][0, 0], layer.params["level_mixer.out_proj.bias"][0]
    prm = dict(wq=w_in[0], wk=w_in[1], wv=w_in[2], bq=b_in[0], bk=b_in[1], bv=b_in[2], wo=wo, bo=bo)
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, n, d))
    dy = rng.standard_normal((2, n, d))
    dec = _dec(n, wavelet, levels)
    lengths = [m.shape[0] for m in dec]
    rec = _rec(n, wavelet, lengths)
    order = [0, *range(levels, 0, -1)]  # spectrans's (c_A, c_D1, ..., c_DJ) as pywt indices
    lmax = max(lengths)
    c = _bands(x, dec)
    ctil_bar = [np.einsum("nl,...nd->...ld", r, dy) for r in rec]
    mixed = [np.zeros_like(cb) for cb in c]
    cbar = [np.zeros_like(cb) for cb in c]
    gsum = dict.fromkeys(["wq", "wk", "wv", "bq", "bk", "bv", "wo", "bo"], 0.0)
    for b in order:
        for i in range(2):
            for ch in range(d):
                s = np.zeros(lmax)
                s[: lengths[b]] = c[b][i, :, ch]
                out, cache = _attn_forward(s, **prm)
                mixed[b][i, :, ch] = out[: lengths[b]]
                sbar_t = np.zeros(lmax)
                sbar_t[: lengths[b]] = ctil_bar[b][i, :, ch]
                sbar, g = _attn_vjp(sbar_t, s, prm["wq"], prm["wk"], prm["wv"], prm["wo"], cache)
                cbar[b][i, :, ch] = sbar[: lengths[b]]
                for key in gsum:
                    gsum[key] += g[key]
    y, ctx = layer.forward(x)
    np.testing.assert_allclose(y, x + _synth(mixed, rec), rtol=0, atol=1e-13)  # error_scale ~ 100 eps * |y| <= 4
    dx, grads = layer.backward(ctx, dy)
    dx_expected = dy + sum(np.einsum("ln,...ld->...nd", m, cb) for m, cb in zip(dec, cbar, strict=True))
    np.testing.assert_allclose(dx, dx_expected, rtol=0, atol=1e-12)  # as the forward, one more 2N-term pass
    np.testing.assert_allclose(grads["level_mixer.in_proj_weight"][:, 0], [gsum["wq"], gsum["wk"], gsum["wv"]],
                               rtol=0, atol=1e-12)  # sums of ~50 O(1) products of the above
    np.testing.assert_allclose(grads["level_mixer.in_proj_bias"], [gsum["bq"], gsum["bk"], gsum["bv"]], rtol=0,
                               atol=1e-12)  # as above
    np.testing.assert_allclose(grads["level_mixer.out_proj.weight"][0, 0], gsum["wo"], rtol=0,
                               atol=1e-12)  # as above
    np.testing.assert_allclose(grads["level_mixer.out_proj.bias"][0], gsum["bo"], rtol=0, atol=1e-12)  # as above


# ----------------------------------------------------------------------------------------------------------
# WaveletMixing2D


def _conv(x, kernel, bias):
    """3x3 cross-correlation, stride 1, zero padding 1, as a loop."""
    h, w = x.shape[-2:]
    pad = np.zeros((*x.shape[:-2], h + 2, w + 2))
    pad[..., 1:-1, 1:-1] = x
    out = np.full(x.shape, float(bias))
    for i in range(3):
        for j in range(3):
            out += kernel[i, j] * pad[..., i:i + h, j:j + w]
    return out


def _subband_dense(layer, x, training):
    """The page's subband mode: pywt.wavedec2, bands in spectrans's order, conv per band, BN (per-channel batch
    statistics or running statistics) and ReLU on LL, pywt.waverec2 cropped; and the running-statistics update."""
    p, buf = layer.params, layer.buffers
    levels = layer.levels
    coeffs = pywt.wavedec2(x, layer.wavelet, MODE, level=levels, axes=(-2, -1))
    mixed = [None] + [list(d) for d in coeffs[1:]]
    ll = _conv(coeffs[0], p["ll_mixer.0.weight"][0, 0], p["ll_mixer.0.bias"][0])
    gamma, beta = p["ll_mixer.1.weight"][0], p["ll_mixer.1.bias"][0]
    mean, var = float(buf["ll_mixer.1.running_mean"][0]), float(buf["ll_mixer.1.running_var"][0])
    out = np.empty_like(ll)
    for c in range(x.shape[1]):
        z = ll[:, c]
        n = z.size
        if training:
            mu = z.sum() / n
            sig2 = ((z - mu) ** 2).sum() / n
            mean = 0.9 * mean + 0.1 * mu
            var = 0.9 * var + 0.1 * n / (n - 1) * sig2
            out[:, c] = gamma * (z - mu) / math.sqrt(sig2 + 1e-5) + beta
        else:
            out[:, c] = gamma * (z - mean) / math.sqrt(var + 1e-5) + beta
    mixed[0] = np.maximum(out, 0.0)
    for j in range(levels):  # detail_mixers.{j} acts on level j + 1: pywt's coeffs[levels - j]
        for t, key in enumerate(("lh", "hl", "hh")):
            name = f"detail_mixers.{j}.{key}"
            mixed[levels - j][t] = _conv(coeffs[levels - j][t], p[f"{name}.weight"][0, 0], p[f"{name}.bias"][0])
    rec = pywt.waverec2([mixed[0], *[tuple(m) for m in mixed[1:]]], layer.wavelet, MODE, axes=(-2, -1))
    return x + rec[..., : x.shape[-2], : x.shape[-1]], (mean, var)


@pytest.mark.parametrize("shape, wavelet, levels", [((3, 2, 6, 8), "db1", 2), ((2, 3, 7, 5), "db2", 1)])
def test_subband_forward_and_running_statistics(shape, wavelet, levels):
    """docs/layers/wavelet_mixing.md, WaveletMixing2D forward, "subband": ReLU(BN(kappa_LL * LL + beta)) with the
    per-channel batch statistics mu_c, sigma_c^2 (biased), each detail band through its own 3x3 convolution
    (detail_mixers.{j} on level j + 1, lh/hl/hh on cH/cV/cD), y = x + Pi R^(2) B~; the running statistics updated
    C times in channel order (momentum 0.1, unbiased n/(n-1)), num_batches_tracked + C; eval mode with the
    running statistics; dense loops and pywt, against WaveletMixing2D."""
    layer = WaveletMixing2D(shape[1], wavelet=wavelet, levels=levels, seed=3)
    layer = layer.with_params({k: v + 0.3 * np.random.default_rng(9).standard_normal(np.shape(v))
                               for k, v in layer.params.items()})
    x = np.random.default_rng(10).standard_normal(shape)
    y, ctx = layer.forward(x, training=True)
    expected, (mean, var) = _subband_dense(layer, x, True)
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-12)  # error_scale ~ 100 eps on O(1) data, x50
    nb = ctx.new_buffers
    assert float(nb["ll_mixer.1.running_mean"][0]) == pytest.approx(mean, abs=1e-14)  # C updates of O(1) means
    assert float(nb["ll_mixer.1.running_var"][0]) == pytest.approx(var, abs=1e-14)  # C updates of O(1) variances
    count = nb["ll_mixer.1.num_batches_tracked"]
    assert int(count) == shape[1] and count.dtype == np.int64
    trained = layer.with_buffers(nb)
    y_eval, _ = trained.forward(x)
    np.testing.assert_allclose(y_eval, _subband_dense(trained, x, False)[0], rtol=0, atol=1e-12)  # as above


def test_subband_backward_central_differences_and_zero_ll_bias_gradient():
    """docs/layers/wavelet_mixing.md, WaveletMixing2D backward (residual, waverec2_adjoint, the convolution, ReLU
    and training-mode batch-norm VJPs, wavedec2_adjoint): central differences along random directions of x and
    of every parameter; and the LL convolution's bias gets a gradient of 0 in training mode (a rounding residue
    against the scale of the cancelling terms); against WaveletMixing2D.backward."""
    layer = WaveletMixing2D(2, wavelet="db1", levels=1, seed=4)
    rng = np.random.default_rng(11)
    layer = layer.with_params({k: v + 0.3 * rng.standard_normal(np.shape(v)) for k, v in layer.params.items()})
    x = rng.standard_normal((3, 2, 4, 6))
    dy = rng.standard_normal(x.shape)
    y, ctx = layer.forward(x, training=True)
    dx, grads = layer.backward(ctx, dy)
    step = 1e-6  # balances truncation h^2 against rounding eps / h

    def loss(lay, xx):
        return float(np.sum(dy * lay.forward(xx, training=True)[0]))

    e = rng.standard_normal(x.shape)
    fd = (loss(layer, x + step * e) - loss(layer, x - step * e)) / (2 * step)
    assert np.sum(dx * e) == pytest.approx(fd, rel=1e-6, abs=1e-6)  # h^2 |f'''| ~ 1e-10, eps |L| / h ~ 1e-9; kinks
    for name, value in layer.params.items():
        direction = rng.standard_normal(np.shape(value))
        up = layer.with_params({name: value + step * direction})
        down = layer.with_params({name: value - step * direction})
        fd = (loss(up, x) - loss(down, x)) / (2 * step)
        assert np.sum(grads[name] * direction) == pytest.approx(fd, rel=1e-6, abs=1e-6), name  # as for x
    scale = np.abs(dy).sum()  # |zbar| sums are bounded by gamma/s times sums of |ybar| through R^T (O(1) taps)
    assert abs(float(grads["ll_mixer.0.bias"][0])) <= 64 * EPS64 * scale * 10  # cancellation residue of ~24 terms


def test_conv2d_vjp_formulas():
    """docs/layers/wavelet_mixing.md, WaveletMixing2D backward, Convolution: xbar = corr_full(ybar, flip kappa)
    on the interior, kappabar_ij = sum_{batch,p,q} ybar_pq x~_{p+i,q+j}, betabar = sum ybar; loops, against
    conv2d_vjp."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 1, 4, 5))
    kernel = rng.standard_normal((1, 1, 3, 3))
    bias = rng.standard_normal(1)
    ybar = rng.standard_normal((2, 1, 4, 5))
    y = _conv(x, kernel[0, 0], bias[0])
    dx, dk, db = conv2d_vjp(ybar, x, kernel, bias, y, padding=1)
    xt = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    kbar = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            kbar[i, j] = np.sum(ybar * xt[..., i:i + 4, j:j + 5])
    ybar_t = np.pad(ybar, ((0, 0), (0, 0), (2, 2), (2, 2)))  # zero-padded cotangent, full correlation
    flip = kernel[0, 0, ::-1, ::-1]
    full = np.zeros((2, 1, 6, 7))
    for i in range(3):
        for j in range(3):
            full += flip[i, j] * ybar_t[..., i:i + 6, j:j + 7]
    tol = 64 * EPS64 * np.abs(ybar).sum() * max(1.0, np.abs(x).max(), np.abs(kernel).max())  # 40-term sums
    np.testing.assert_allclose(dk[0, 0], kbar, rtol=0, atol=tol)  # see tol
    np.testing.assert_allclose(dx, full[..., 1:-1, 1:-1], rtol=0, atol=tol)  # see tol
    np.testing.assert_allclose(db, [ybar.sum()], rtol=0, atol=tol)  # see tol


def test_batch_norm_jacobian_and_vjp_formulas():
    """docs/layers/wavelet_mixing.md, Batch norm, training mode: d zhat_j / d z_i = (1/s)(delta_ij - 1/n -
    zhat_i zhat_j / n) against central differences of zhat = (z - mu)/s, and
    zbar = (1/s)(zhatbar - mean(zhatbar) - zhat mean(zhatbar zhat)) with zhatbar = gamma ubar,
    gammabar = sum ubar zhat, betabar = sum ubar; against batch_norm_vjp (channel axis 1)."""
    rng = np.random.default_rng(13)
    z = rng.standard_normal((4, 2, 3))  # (batch, C, positions): each channel has n = 12 values
    gamma, beta = rng.standard_normal(2), rng.standard_normal(2)
    ubar = rng.standard_normal(z.shape)

    def normalize(v):
        return (v - v.mean()) / math.sqrt(v.var() + 1e-5)

    v = z[:, 0].ravel()
    n, s = v.size, math.sqrt(v.var() + 1e-5)
    zh = normalize(v)
    jac = (np.eye(n) - 1 / n - np.outer(zh, zh) / n) / s  # [i, j] = d zhat_j / d z_i (symmetric)
    step = 1e-6  # balances truncation h^2 against rounding eps / h
    fd = np.stack([(normalize(v + step * e) - normalize(v - step * e)) / (2 * step) for e in np.eye(n)])
    np.testing.assert_allclose(jac, fd, rtol=0, atol=1e-8)  # h^2 |f'''| ~ 1e-12, eps / h ~ 1e-10 times 1/s
    y = np.empty_like(z)
    expected = np.empty_like(z)
    for c in range(2):
        zc = z[:, c]
        sc = math.sqrt(zc.var() + 1e-5)
        zhc = (zc - zc.mean()) / sc
        y[:, c] = gamma[c] * zhc + beta[c]
        g = gamma[c] * ubar[:, c]
        expected[:, c] = (g - g.mean() - zhc * (g * zhc).mean()) / sc
    dz, dgamma, dbeta = batch_norm_vjp(ubar, z, gamma, beta, y, eps=1e-5, axis=1)
    np.testing.assert_allclose(dz, expected, rtol=0, atol=1e-13)  # 12-term means of O(1) terms over s ~ 1
    np.testing.assert_allclose(dgamma, [(ubar[:, c] * (z[:, c] - z[:, c].mean()) / math.sqrt(z[:, c].var() + 1e-5))
                                        .sum() for c in range(2)], rtol=0, atol=1e-13)  # 12-term sums
    np.testing.assert_allclose(dbeta, ubar.sum(axis=(0, 2)), rtol=0, atol=1e-14)  # 12-term sums
    assert abs(dz.sum(axis=(0, 2))).max() <= 1e-13  # zbar sums to zero per channel: residue of 12 O(1) terms


def test_documented_encoder_is_a_constant_and_its_gradients():
    """docs/layers/wavelet_mixing.md, "attention" with encoder="documented": LN over one feature is its bias, so
    y = x + Pi R^(2)(b, ..., b) with b the last layer's norm2.bias; backward: xbar = ybar, every encoder
    parameter's gradient 0 except norm2.bias, bbar = sum over all band positions of R^(2)T Pi^T ybar; pywt
    dense synthesis, against WaveletMixing2D(mixing_mode="attention") in eval mode."""
    c, h, w = 2, 6, 5
    layer = WaveletMixing2D(c, wavelet="db1", levels=1, mixing_mode="attention", seed=5)
    rng = np.random.default_rng(14)
    layer = layer.with_params({k: rng.standard_normal(np.shape(v)) for k, v in layer.params.items()})
    b = float(layer.params["subband_attention.layers.1.norm2.bias"][0])
    x = rng.standard_normal((2, c, h, w))
    dy = rng.standard_normal(x.shape)
    coeffs = pywt.wavedec2(np.zeros((h, w)), "db1", MODE, level=1)
    shapes = [coeffs[0].shape, *[d.shape for d in coeffs[1]]]
    const = pywt.waverec2([np.full(shapes[0], b), tuple(np.full(sh, b) for sh in shapes[1:])], "db1", MODE)[:h, :w]
    y, ctx = layer.forward(x)
    np.testing.assert_allclose(y, x + const, rtol=0, atol=1e-13)  # |b| ~ 3, a 4-tap synthesis: ~10 eps |b|
    dx, grads = layer.backward(ctx, dy)
    np.testing.assert_array_equal(dx, dy)  # nothing reaches the bands: exactly the residual
    ones = pywt.waverec2([np.ones(shapes[0]), tuple(np.ones(sh) for sh in shapes[1:])], "db1", MODE)[:h, :w]
    bbar = np.sum(dy * ones)  # sum_bands <R^T Pi^T ybar, 1> = <ybar, Pi R 1>
    np.testing.assert_allclose(grads["subband_attention.layers.1.norm2.bias"][0], bbar, rtol=0,
                               atol=64 * EPS64 * np.abs(dy).sum())  # 120-term sums with O(1) taps
    for name, g in grads.items():
        if name != "subband_attention.layers.1.norm2.bias":
            assert np.all(np.asarray(g) == 0.0), name


def test_batch_norm_eval_mode_vjp_is_affine():
    """docs/layers/wavelet_mixing.md, Batch norm (end): in eval mode the map is affine, zbar = gamma ubar /
    sqrt(v + eps) with the running statistics, and no gradient flows through them; against
    batch_norm_inference_vjp."""
    rng = np.random.default_rng(15)
    z = rng.standard_normal((3, 2, 4))
    gamma, beta = rng.standard_normal(2), rng.standard_normal(2)
    mean, var = rng.standard_normal(2), 0.5 + rng.random(2)
    ubar = rng.standard_normal(z.shape)
    y = gamma[None, :, None] * (z - mean[None, :, None]) / np.sqrt(var[None, :, None] + 1e-5) + beta[None, :, None]
    dz, dgamma, dbeta = batch_norm_inference_vjp(ubar, z, gamma, beta, y, running_mean=mean, running_var=var,
                                                 eps=1e-5, axis=1)
    np.testing.assert_allclose(dz, gamma[None, :, None] * ubar / np.sqrt(var[None, :, None] + 1e-5), rtol=0,
                               atol=8 * EPS64 * np.abs(ubar).max() * np.abs(gamma).max() * 2)  # 3 roundings, s <= 1.5
    zhat = (z - mean[None, :, None]) / np.sqrt(var[None, :, None] + 1e-5)
    np.testing.assert_allclose(dgamma, (ubar * zhat).sum(axis=(0, 2)), rtol=0,
                               atol=64 * EPS64 * np.abs(ubar * zhat).sum())  # 12-term sums
    np.testing.assert_allclose(dbeta, ubar.sum(axis=(0, 2)), rtol=0, atol=32 * EPS64 * np.abs(ubar).sum())  # sums


def test_spectrans_identity_encoder():
    """docs/layers/wavelet_mixing.md, "attention" with encoder="spectrans_identity": B~ = B, so
    y = x + Pi R^(2) W^(2)_J x = 2x (pywt's perfect reconstruction), and the encoder's parameters get zero
    gradients; against WaveletMixing2D."""
    layer = WaveletMixing2D(2, wavelet="db1", levels=1, mixing_mode="attention", encoder="spectrans_identity")
    rng = np.random.default_rng(16)
    x = rng.standard_normal((2, 2, 4, 6))
    dy = rng.standard_normal(x.shape)
    y, ctx = layer.forward(x)
    rec = pywt.waverec2(pywt.wavedec2(x, "db1", MODE, level=1, axes=(-2, -1)), "db1", MODE, axes=(-2, -1))
    np.testing.assert_allclose(y, x + rec[..., :4, :6], rtol=0, atol=64 * EPS64 * np.abs(x).max())  # 4-tap sums
    np.testing.assert_allclose(y, 2 * x, rtol=0, atol=64 * EPS64 * np.abs(x).max())  # the same, perfect reconstruction
    dx, grads = layer.backward(ctx, dy)
    np.testing.assert_allclose(dx, 2 * dy, rtol=0, atol=64 * EPS64 * np.abs(dy).max())  # adjoint of the same map
    assert all(np.all(np.asarray(g) == 0.0) for g in grads.values())
