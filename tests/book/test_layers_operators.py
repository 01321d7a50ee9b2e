"""Guards of docs/layers/operators.md: each formula of the page evaluated independently.

The spectral convolution's forward (the sum (S)), its backward lines and their composition, the adjoint of
irfft with its Hermitian weights, the 2-D one- and two-corner layers, the resolution-invariance prediction and
bound, the FourierNeuralOperator layer and the FNOBlock (layer norm and batch norm) -- against loops over the
page's sums, numpy.fft (an implementation independent of specref's), dense matrices and central differences.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

import specref.layers.operators.spectral_conv as sc_module
from specref.layers.operators.fno import FNOBlock, FourierNeuralOperator
from specref.layers.operators.spectral_conv import SpectralConv1d, SpectralConv2d, SpectralConv2dTwoCorners
from tests.book.central_differences import fd_entrywise as _fd
from tests.book.formulas import gelu as _gelu
from tests.book.formulas import layer_norm

_ln = partial(layer_norm, eps=1e-5)  # the FNO block's LayerNorm eps

EPS64 = np.finfo(np.float64).eps
FD_ATOL = 1e-8  # FD error of O(1) smooth maps: truncation h^2 ~ 1e-12 plus rounding ~10 eps/h ~ 2e-9, margin 5x


def _herm_weights(n, m):
    """w_0 = 1, w_k = 2 (0 < k < N/2), w_{N/2} = 1 (even N), for k < m."""
    return np.array([1.0 if k == 0 or 2 * k == n else 2.0 for k in range(m)])


def _conv_s(x, w, m):
    """(S): y_o(t_j) = Re sum_{k<m} w_k Yhat_ok e^{2 pi i k t_j}, Yhat = Y/N, Y_ok = sum_i X_ik W_iok, X = rfft(x)
    written as the DFT sum; x (C_in, N), w complex (C_in, C_out, m). Loops."""
    c_in, n = x.shape
    c_out = w.shape[1]
    wk = _herm_weights(n, m)
    big_x = np.array([[sum(x[i, j] * np.exp(-2j * np.pi * j * k / n) for j in range(n)) for k in range(m)]
                      for i in range(c_in)])
    y_hat = np.array([[sum(big_x[i, k] * w[i, o, k] for i in range(c_in)) for k in range(m)]
                      for o in range(c_out)]) / n
    return np.array([[np.real(sum(wk[k] * y_hat[o, k] * np.exp(2j * np.pi * k * j / n) for k in range(m)))
                      for j in range(n)] for o in range(c_out)])


def _generic(layer, seed, scale=0.5):
    rng = np.random.default_rng(seed)
    return layer.with_params({n: scale * rng.standard_normal(a.shape) for n, a in layer.params.items()})


# ----------------------------------------------------------------------------------------------------------
# The spectral convolution, forward


@pytest.mark.parametrize("n, m", [(6, 4), (7, 4), (8, 3)])
def test_spectral_conv1d_forward_is_sum_s(n, m):
    """docs/layers/operators.md, The spectral convolution, Forward (1)-(6) and (S): y_o(t_j) = Re sum_{k<m} w_k
    Yhat_ok e^{2 pi i k t_j} with Hermitian weights w_k (1 at DC and even-N Nyquist, else 2), W = weights[..., 0]
    + i weights[..., 1]; against SpectralConv1d.forward (even N with Nyquist kept, odd N, truncated)."""
    conv = _generic(SpectralConv1d(2, 3, modes=m, seed=0), 1)
    x = np.random.default_rng(2).standard_normal((2, 2, n))
    wts = conv.params["weights"]
    w = wts[..., 0] + 1j * wts[..., 1]
    y, _ = conv.forward(x)
    for b in range(2):
        np.testing.assert_allclose(y[b], _conv_s(x[b], w, m), rtol=0,
                                   atol=1e-14)  # sums of <= 8 O(1) terms: a few ulps each, FFT vs loop


def test_spectral_conv1d_im_dc_and_nyquist_never_act_and_modes_limit():
    """docs/layers/operators.md, The spectral convolution, Forward: irfft reads only the real part of the DC
    (and Nyquist) bin, so Im W_io0 never acts (changing it leaves SpectralConv1d's output unchanged); modes
    above N//2 + 1 raise a ValueError giving the limit."""
    n, m = 6, 4  # m = N//2 + 1: the Nyquist bin kept
    conv = _generic(SpectralConv1d(2, 2, modes=m, seed=0), 3)
    x = np.random.default_rng(4).standard_normal((1, 2, n))
    y0, _ = conv.forward(x)
    wts = np.array(conv.params["weights"])
    wts[:, :, 0, 1] += 3.0  # Im W at DC
    wts[:, :, n // 2, 1] -= 2.0  # Im W at Nyquist
    y1, _ = conv.with_params({"weights": wts}).forward(x)
    np.testing.assert_allclose(y1, y0, rtol=0, atol=4 * EPS64)  # the imaginary parts are dropped: rounding only
    wts[:, :, 1, 1] += 1.0  # an interior bin's Im does act
    assert np.abs(conv.with_params({"weights": wts}).forward(x)[0] - y0).max() > 1e-3
    with pytest.raises(ValueError, match="4"):
        SpectralConv1d(2, 2, modes=5, seed=0).forward(np.zeros((1, 2, 7)))  # 7 // 2 + 1 = 4


# ----------------------------------------------------------------------------------------------------------
# The spectral convolution, backward


@pytest.mark.parametrize("n", [6, 7])
def test_irfft_adjoint_carries_the_hermitian_weights(n):
    """docs/layers/operators.md, Backward (6*) and Where the Hermitian weighting lives: irfft*(g)_k =
    (w_k/N) rfft(g)_k, the transpose of irfft's real matrix (Re Y, Im Y) -> y built column by column from
    numpy.fft.irfft; and <irfft Y, g> = <(w_k/N) rfft(g)_k, Y>_R."""
    m = n // 2 + 1
    cols = []
    for part in (1.0, 1j):
        for k in range(m):
            e = np.zeros(m, complex)
            e[k] = part
            cols.append(np.fft.irfft(e, n=n))
    mat = np.array(cols).T  # (n, 2m): y = mat @ [Re Y, Im Y]
    g = np.random.default_rng(5).standard_normal(n)
    adj = mat.T @ g
    page = _herm_weights(n, m) / n * np.fft.rfft(g)
    # the adjoint's imaginary parts at DC/Nyquist are 0 (irfft ignores them): compare Re and Im separately
    np.testing.assert_allclose(adj[:m], page.real, rtol=0, atol=1e-15)  # n-term sums of O(1/n) terms
    np.testing.assert_allclose(adj[m:], page.imag, rtol=0, atol=1e-15)  # n-term sums of O(1/n) terms
    y_spec = np.random.default_rng(6).standard_normal(m) + 1j * np.random.default_rng(7).standard_normal(m)
    lhs = np.dot(np.fft.irfft(y_spec, n=n), g)
    rhs = np.real(np.sum(np.conj(page) * y_spec))
    assert abs(lhs - rhs) < 1e-14  # two n-term O(1) sums: a few ulps


@pytest.mark.parametrize("n, m", [(6, 4), (7, 3)])
def test_spectral_conv1d_backward_is_conjugate_transposed_convolution(n, m):
    """docs/layers/operators.md, Backward (1*)-(6*) and What the backward is: dx = Re sum_{k<m} (w_k/N)
    e^{2 pi i k t_j} sum_o conj(W_iok) rfft(dy)_ok (the same convolution with conj-transposed weights), dW_iok =
    (w_k/N) sum_batch conj(X_ik) rfft(dy)_ok stored as (Re, Im) pairs, Im dW_io0 = 0 exactly; against
    SpectralConv1d.backward and central differences."""
    conv = _generic(SpectralConv1d(2, 3, modes=m, seed=0), 8)
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 2, n))
    wts = np.array(conv.params["weights"])
    w = wts[..., 0] + 1j * wts[..., 1]
    y, ctx = conv.forward(x)
    dy = rng.standard_normal(y.shape)
    dx, grads = conv.backward(ctx, dy)
    wk = _herm_weights(n, m)
    for b in range(2):
        # the page's composition is (S) with the weights conj(W)^T, applied to dy
        np.testing.assert_allclose(dx[b], _conv_s(dy[b], np.conj(w).transpose(1, 0, 2), m), rtol=0,
                                   atol=1e-14)  # sums of <= 8 O(1) terms: a few ulps
    big_x = np.fft.rfft(x, axis=-1)[..., :m]
    big_dy = np.fft.rfft(dy, axis=-1)[..., :m]
    dw = np.einsum("bik,bok->iok", np.conj(big_x), big_dy) * wk / n
    np.testing.assert_allclose(grads["weights"][..., 0], dw.real, rtol=0, atol=1e-14)  # 2-term sums of O(1)
    np.testing.assert_allclose(grads["weights"][..., 1], dw.imag, rtol=0, atol=1e-14)  # 2-term sums of O(1)
    assert np.all(grads["weights"][:, :, 0, 1] == 0.0)  # Im dW at DC: exactly 0

    def loss():
        return float(np.sum(dy * conv.with_params({"weights": wts}).forward(x)[0]))

    np.testing.assert_allclose(_fd(loss, x), dx, rtol=0, atol=FD_ATOL)  # linear map: FD exact up to rounding
    np.testing.assert_allclose(_fd(loss, wts), grads["weights"], rtol=0, atol=FD_ATOL)  # linear in W too


def test_spectral_conv1d_cost_one_rfft_one_irfft(monkeypatch):
    """docs/layers/operators.md, Backward, Cost: one rfft and one irfft forward (over all channels at once) and
    one of each (their adjoints) backward; counted by wrapping the transforms SpectralConv1d calls."""
    calls = []
    for name in ("rfft", "irfft", "rfft_adjoint", "irfft_adjoint"):
        real = getattr(sc_module, name)
        monkeypatch.setattr(sc_module, name, lambda *a, _f=real, _n=name, **k: calls.append(_n) or _f(*a, **k))
    conv = SpectralConv1d(3, 2, modes=3, seed=0)
    y, ctx = conv.forward(np.ones((2, 3, 8)))
    assert sorted(calls) == ["irfft", "rfft"]
    calls.clear()
    conv.backward(ctx, np.ones_like(y))
    assert sorted(calls) == ["irfft_adjoint", "rfft_adjoint"]


# ----------------------------------------------------------------------------------------------------------
# 2-D


def _conv2d_ref(x, blocks, h, w_len):
    """rfft2 (numpy.fft), each kept block of rows mixed over channels as (4), zeros elsewhere, irfft2(s=(H, W))."""
    big_x = np.fft.rfft2(x, s=(h, w_len))
    c_out = blocks[0][1].shape[1]
    y = np.zeros((c_out, h, w_len // 2 + 1), complex)
    for rows, wc in blocks:
        m2 = wc.shape[-1]
        y[:, rows, :m2] = np.einsum("ikl,iokl->okl", big_x[:, rows, :m2], wc)
    return np.fft.irfft2(y, s=(h, w_len))


def test_spectral_conv2d_one_and_two_corners():
    """docs/layers/operators.md, 2-D, one corner and two corners: rfft2, rows k1 < m1 (and, two corners, rows
    [H - m1, H) with weights2), columns k2 < m2, mixed as (4), irfft2(s=(H, W)); SpectralConv2d and
    SpectralConv2dTwoCorners against numpy.fft; on 8 x 8 with m = (3, 3) the one-corner output for
    cos 2 pi (t - s) is ~1e-16 and for cos 2 pi (t + s) O(1); the two-corner layer keeps both; 2 m1 > H raises."""
    h, w_len = 8, 8
    one = _generic(SpectralConv2d(1, 1, (3, 3), seed=0), 10)
    two = _generic(SpectralConv2dTwoCorners(1, 1, (3, 3), seed=0), 11)
    x = np.random.default_rng(12).standard_normal((1, h, w_len))

    def cplx(a):
        return a[..., 0] + 1j * a[..., 1]

    np.testing.assert_allclose(one.forward(x[None])[0][0], _conv2d_ref(x, [(slice(0, 3), cplx(one.params[
        "weights"]))], h, w_len), rtol=0, atol=1e-14)  # 64-point FFTs of O(1) data: rounding ~ log2(64) eps
    ref_two = _conv2d_ref(x, [(slice(0, 3), cplx(two.params["weights1"])),
                              (slice(h - 3, h), cplx(two.params["weights2"]))], h, w_len)
    np.testing.assert_allclose(two.forward(x[None])[0][0], ref_two, rtol=0,
                               atol=1e-14)  # 64-point FFTs of O(1) data: rounding ~ log2(64) eps
    s, t = np.meshgrid(np.arange(h) / h, np.arange(w_len) / w_len, indexing="ij")
    minus = np.cos(2 * np.pi * (t - s))[None, None]
    plus = np.cos(2 * np.pi * (t + s))[None, None]
    assert np.abs(one.forward(minus)[0]).max() < 1e-15  # rounding of 64-point FFTs of O(1) data
    assert np.abs(one.forward(plus)[0]).max() > 1e-2
    assert np.abs(two.forward(minus)[0]).max() > 1e-2
    with pytest.raises(ValueError, match="4"):
        SpectralConv2dTwoCorners(1, 1, (5, 3), seed=0).forward(np.zeros((1, 1, 8, 8)))  # 2 m1 = 10 > 8


# ----------------------------------------------------------------------------------------------------------
# Resolution invariance


def _bessel_i(n, a, terms=30):
    """I_n(a) = sum_j (a/2)^{2j+n} / (j! (n+j)!)."""
    return math.fsum((a / 2) ** (2 * j + n) / (math.factorial(j) * math.factorial(n + j)) for j in range(terms))


def test_bessel_tail_values_and_bound():
    """docs/layers/operators.md, A test function with a known tail: I_n(a) <= e^{a^2/4} (a/2)^n / n!, and
    I_5(1) = 2.7e-4, I_8(1) = 1.0e-7, I_13(1) = 2.0e-14 (the series summed exactly, compared with the page's
    two significant digits)."""
    for n in range(0, 16):
        for a in (0.7, 1.0, 1.3):
            assert _bessel_i(n, a) <= math.exp(a * a / 4) * (a / 2) ** n / math.factorial(n)
    for n, page in ((5, 2.7e-4), (8, 1.0e-7), (13, 2.0e-14)):
        assert abs(_bessel_i(n, 1.0) - page) <= 0.05 * page  # the page rounds to two significant digits


@pytest.mark.parametrize("n, m", [(8, 4), (9, 5)])
def test_resolution_invariance_exact_prediction_and_bound(n, m):
    """docs/layers/operators.md, Resolution invariance, measured: Delta_o(t_j) = y^(N)(t_j) - y^(2N)(t_j) =
    Re sum_{k<m} w_k sum_i (sum_{l odd} c_{i,k+lN}) W_iok e^{2 pi i k t_j} (c_n from a 256-point FFT), and
    |Delta| <= sum_k w_k sum_i |W_iok| sum_{l odd} e^{a^2/4}(a/2)^|k+lN|/|k+lN|!; a trigonometric polynomial of
    degree N - m gives Delta at rounding level. SpectralConv1d at N and 2N."""
    a_s, phases = (1.0, 0.7), (0.1, 0.35)
    conv = SpectralConv1d(2, 1, modes=m, seed=0)
    conv = conv.with_params({"weights": np.random.default_rng(13).standard_normal((2, 1, m, 2))})
    wts = conv.params["weights"]
    w = wts[..., 0] + 1j * wts[..., 1]
    wk = _herm_weights(n, m)  # m - 1 < N/2: the same weights on the fine grid

    def f(t):
        return np.stack([np.exp(a * np.sin(2 * np.pi * (t + ph))) for a, ph in zip(a_s, phases, strict=True)])

    fine_t = np.arange(256) / 256
    c = np.fft.fft(f(fine_t), axis=-1) / 256  # c[i, n mod 256]
    coarse = conv.forward(f(np.arange(n) / n)[None])[0][0, 0]
    fine = conv.forward(f(np.arange(2 * n) / (2 * n))[None])[0][0, 0, ::2]
    delta = coarse - fine
    odd = [lo for lo in range(-15, 16, 2) if abs(lo * n) < 120]
    tj = np.arange(n) / n
    pred = np.zeros(n)
    bound = 0.0
    for k in range(m):
        alias = np.array([sum(c[i, (k + lo * n) % 256] for lo in odd) for i in range(2)])
        pred += np.real(wk[k] * np.sum(alias * w[:, 0, k]) * np.exp(2j * np.pi * k * tj))
        for i, a in enumerate(a_s):
            tail = sum(math.exp(a * a / 4) * (a / 2) ** abs(k + lo * n) / math.factorial(abs(k + lo * n))
                       for lo in odd)
            bound += wk[k] * abs(w[i, 0, k]) * tail
    np.testing.assert_allclose(delta, pred, rtol=0, atol=1e-14)  # two forwards' rounding, O(1) outputs
    assert np.abs(delta).max() <= bound + 1e-14  # plus the rounding of the two forwards
    def trig(p_):  # degree N - m in both channels
        t_ = np.arange(p_) / p_
        return np.stack([np.cos(2 * np.pi * (n - m) * t_) + 0.5, np.sin(2 * np.pi * (n - m) * t_ + 0.3)])[None]

    d_trig = conv.forward(trig(n))[0][0, 0] - conv.forward(trig(2 * n))[0][0, 0, ::2]
    assert np.abs(d_trig).max() < 1e-14  # degree N - m: no aliased image reaches a kept bin; rounding only


# ----------------------------------------------------------------------------------------------------------
# FourierNeuralOperator


def _gelu_prime(u):
    return 0.5 * (1 + np.vectorize(math.erf)(u / math.sqrt(2))) + u * np.exp(-u * u / 2) / math.sqrt(2 * math.pi)


def test_fourier_neural_operator_forward_and_backward():
    """docs/layers/operators.md, FourierNeuralOperator: (1) s = T^{-1} K(T x), (2) l = x W^T + b, (3) z = s + l,
    (4) y = phi(z) (gelu); backward dz = phi'(z) dy, dW = sum dz^T x reshaped (C, C, 1), db = sum dz, and dx =
    dz W + T^{-1} K*(T dz), against FourierNeuralOperator (1-D, channels last) and central differences."""
    c, n, m = 2, 6, 3
    fno = _generic(FourierNeuralOperator(c, modes=m, activation="gelu", seed=0), 14)
    p = {k: np.array(v) for k, v in fno.params.items()}
    rng = np.random.default_rng(15)
    x = rng.standard_normal((2, n, c))
    wsp = p["spectral_conv.weights"][..., 0] + 1j * p["spectral_conv.weights"][..., 1]
    wl = p["linear.weight"].reshape(c, c)
    z = np.stack([_conv_s(x[b].T, wsp, m).T for b in range(2)]) + x @ wl.T + p["linear.bias"]
    y, ctx = fno.forward(x)
    np.testing.assert_allclose(y, _gelu(z), rtol=0, atol=1e-14)  # (S) loops and a 2-term sum, one gelu
    dy = rng.standard_normal(y.shape)
    dx, grads = fno.backward(ctx, dy)
    dz = _gelu_prime(z) * dy
    assert grads["linear.weight"].shape == (c, c, 1)
    np.testing.assert_allclose(grads["linear.weight"][..., 0], np.einsum("bno,bni->oi", dz, x), rtol=0,
                               atol=1e-14)  # 12-term sums of O(1) products
    np.testing.assert_allclose(grads["linear.bias"], dz.sum(axis=(0, 1)), rtol=0, atol=1e-14)  # 12-term sums
    dx_page = dz @ wl + np.stack([_conv_s(dz[b].T, np.conj(wsp).transpose(1, 0, 2), m).T for b in range(2)])
    np.testing.assert_allclose(dx, dx_page, rtol=0, atol=1e-14)  # (S) loops: sums of <= 6 O(1) terms

    def loss():
        return float(np.sum(dy * fno.with_params(p).forward(x)[0]))

    np.testing.assert_allclose(_fd(loss, x), dx, rtol=0, atol=FD_ATOL)  # FD_ATOL: step 1e-6, see top


# ----------------------------------------------------------------------------------------------------------
# FNOBlock


def _fno_ref(p, x, m, prefix="fno."):
    c = x.shape[-1]
    wsp = p[prefix + "spectral_conv.weights"][..., 0] + 1j * p[prefix + "spectral_conv.weights"][..., 1]
    z = np.stack([_conv_s(xb.T, wsp, m).T for xb in x]) + x @ p[prefix + "linear.weight"].reshape(c, c).T
    return _gelu(z + p[prefix + "linear.bias"])


def test_fno_block_layernorm_with_dropouts():
    """docs/layers/operators.md, FNOBlock: (5) h = x + drop(FNO(N1 x)), (6) y = h + drop4(W3 drop2(phi(W0 N2 h +
    b0)) + b3) with layer norms and injected masks "dropout", "ffn.2", "ffn.4" (F = int(C mlp_ratio)); against
    FNOBlock.forward, the backward against central differences of the input."""
    c, n, m, pd = 2, 4, 2, 0.25
    block = _generic(FNOBlock(c, modes=m, mlp_ratio=1.5, dropout=pd, seed=0), 16)
    p = {k: np.array(v) for k, v in block.params.items()}
    assert p["ffn.0.weight"].shape == (3, 2)  # F = int(2 * 1.5) = 3
    rng = np.random.default_rng(17)
    x = rng.standard_normal((2, n, c))
    masks = {"dropout": rng.random((2, n, c)) > pd, "ffn.2": rng.random((2, n, 3)) > pd,
             "ffn.4": rng.random((2, n, c)) > pd}
    hh = x + masks["dropout"] * _fno_ref(p, _ln(x, p["norm1.weight"], p["norm1.bias"]), m) / (1 - pd)
    a1 = _gelu(_ln(hh, p["norm2.weight"], p["norm2.bias"]) @ p["ffn.0.weight"].T + p["ffn.0.bias"])
    ref = hh + masks["ffn.4"] * ((masks["ffn.2"] * a1 / (1 - pd)) @ p["ffn.3.weight"].T + p["ffn.3.bias"]) / (1 - pd)
    y, ctx = block.forward(x, training=True, masks=masks)
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-13)  # ~8 chained O(1) stages of <= 4-term sums
    dy = rng.standard_normal(y.shape)
    dx, _ = block.backward(ctx, dy)

    def loss():
        return float(np.sum(dy * block.forward(x, training=True, masks=masks)[0]))

    np.testing.assert_allclose(_fd(loss, x), dx, rtol=0, atol=FD_ATOL)  # FD_ATOL: step 1e-6, see top


def test_fno_block_batchnorm_statistics_and_no_ffn():
    """docs/layers/operators.md, FNOBlock, Batch norm and mlp_ratio == 0: with no FFN there is no norm2 and
    y = h = x + FNO(N1 x); in training mode N1 normalises each channel with its batch mean and biased variance
    over every other axis, and ctx.new_buffers holds torch's update (momentum 0.1, unbiased variance n/(n-1),
    count + 1); the backward through the statistics against central differences."""
    c, n, m = 2, 4, 2
    block = _generic(FNOBlock(c, modes=m, mlp_ratio=0.0, norm_type="batchnorm", seed=0), 18)
    assert not any(k.startswith(("norm2", "ffn")) for k in block.params)
    p = {k: np.array(v) for k, v in block.params.items()}
    buffers = {"norm1.running_mean": np.array([0.3, -0.2]), "norm1.running_var": np.array([1.5, 0.7]),
               "norm1.num_batches_tracked": np.array(4, dtype=np.int64)}
    block = block.with_buffers(buffers)
    rng = np.random.default_rng(19)
    x = rng.standard_normal((3, n, c))
    mean = x.mean(axis=(0, 1))
    var = ((x - mean) ** 2).mean(axis=(0, 1))
    u1 = (x - mean) / np.sqrt(var + 1e-5) * p["norm1.weight"] + p["norm1.bias"]
    y, ctx = block.forward(x, training=True)
    np.testing.assert_allclose(y, x + _fno_ref(p, u1, m), rtol=0, atol=1e-13)  # 12-value statistics, (S) loops
    cnt = x.shape[0] * x.shape[1]
    nb = ctx.new_buffers
    np.testing.assert_allclose(nb["norm1.running_mean"], 0.9 * buffers["norm1.running_mean"] + 0.1 * mean,
                               rtol=0, atol=1e-15)  # 12-term means of O(1) values
    np.testing.assert_allclose(nb["norm1.running_var"],
                               0.9 * buffers["norm1.running_var"] + 0.1 * var * cnt / (cnt - 1), rtol=0,
                               atol=1e-15)  # 12-term sums of squares of O(1) values
    assert int(nb["norm1.num_batches_tracked"]) == 5
    dy = rng.standard_normal(y.shape)
    dx, _ = block.backward(ctx, dy)

    def loss():
        return float(np.sum(dy * block.forward(x, training=True)[0]))

    np.testing.assert_allclose(_fd(loss, x), dx, rtol=0, atol=FD_ATOL)  # FD_ATOL: step 1e-6, see top
