"""ops.longconv: the padded FFT equals the direct causal convolution (scipy.signal), causality, the VJP's closed
forms against loops, bad input (the finite-difference and adjoint checks run in the registry)."""

import numpy as np
import pytest
import scipy.signal

from specref.ops.longconv import longconv, longconv_adjoint, longconv_vjp

U = np.finfo(np.float64).eps / 2


def test_equals_direct_convolution_at_long_lengths():
    rng = np.random.default_rng(0)
    for n, length in ((1000, 1000), (4096, 17), (1 << 14, 1 << 14)):
        u, k = rng.standard_normal((2, n)), rng.standard_normal((2, length))
        y = longconv(u[None], k)[0]
        ref = np.stack([scipy.signal.fftconvolve(u[h], k[h])[:n] if n > 4096 else
                        scipy.signal.convolve(u[h], k[h], method="direct")[:n] for h in range(2)])
        # three FFTs of length 2N: normwise ~ c eps log2(2N) each; 40 log2(2N) u leaves room for the product
        assert np.abs(y - ref).max() / np.abs(ref).max() <= 40 * np.log2(2 * n) * U, (n, length)


def test_causal_and_gated():
    rng = np.random.default_rng(1)
    u, k = rng.standard_normal((1, 3, 64)), rng.standard_normal((3, 64))
    v, w, d = rng.standard_normal(u.shape), rng.standard_normal(u.shape), rng.standard_normal(3)
    y = longconv(u, k, gate_pre=v, gate_post=w, skip=d)
    u2 = u.copy()
    u2[..., 40:] += 1.0  # the future changes; the past's outputs must not
    y2 = longconv(u2, k, gate_pre=v, gate_post=w, skip=d)
    assert np.abs(y2[..., :40] - y[..., :40]).max() <= 1e-13  # FFT roundings only (outputs are O(10))
    direct = w * np.stack([np.convolve((v * u)[0, h], k[h])[:64] for h in range(3)])[None] + d[:, None] * u
    assert np.allclose(y, direct, rtol=0, atol=1e-12)  # 3 FFTs of 128 on O(10) outputs: ~40 log2(128) u * 10


def test_vjp_closed_forms():
    rng = np.random.default_rng(2)
    u, k = rng.standard_normal((2, 2, 12)), rng.standard_normal((2, 5))
    y = longconv(u, k)
    dy = rng.standard_normal(y.shape)
    du, dk = longconv_vjp(dy, u, k, y)
    du_loop = np.zeros_like(u)
    dk_loop = np.zeros_like(k)
    for b in range(2):
        for h in range(2):
            for t in range(12):
                for s in range(min(5, t + 1)):
                    du_loop[b, h, t - s] += dy[b, h, t] * k[h, s]
                    dk_loop[h, s] += dy[b, h, t] * u[b, h, t - s]
    assert np.allclose(du, du_loop, rtol=0, atol=1e-13)  # FFTs of length 24: ~20 u on O(5) entries
    assert np.allclose(dk, dk_loop, rtol=0, atol=1e-13)  # the same FFTs, summed over 2 rows
    assert np.allclose(longconv_adjoint(dy, input_shape=u.shape, k=k), du_loop, rtol=0, atol=1e-13)  # as du above


def test_bad_input():
    u = np.zeros((2, 3, 8))
    with pytest.raises(ValueError, match="no longer than the sequence"):
        longconv(u, np.zeros((3, 9)))
    with pytest.raises(ValueError, match="3 channels, u has H = 2"):
        longconv(np.zeros((2, 8)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="gate_pre has shape"):
        longconv(u, np.zeros((3, 4)), gate_pre=np.zeros((3, 8)))
    with pytest.raises(ValueError, match=r"skip has shape \(2,\)"):
        longconv(u, np.zeros((3, 4)), skip=np.zeros(2))
    with pytest.raises(TypeError, match="one precision"):
        longconv(u, np.zeros((3, 4), np.float32))
    with pytest.raises(TypeError):
        longconv(u.astype(complex), np.zeros((3, 4)))
