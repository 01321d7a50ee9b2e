"""The FFT mixing layers' fused NumPy paths against the chains they replace (``fused_fast_path = False``).

Both compute the same maps; they differ in where the norm factor is rounded (inside pocketfft or after it)
and in the order of the batch sum, so each is within the layer's error claim c eps of the exact result and
they differ by at most 2 c eps (c = ``layer.error_scale``). The gradients are checked the same way; the
registry's finite-difference checks run the fused path (the default on NumPy).
"""

from __future__ import annotations

import numpy as np
import pytest

from specref.backend import finfo_eps
from specref.layers.mixing import _fft_fused as fft_fused
from specref.layers.mixing.fourier import FourierMixing, FourierMixing1D, RealFourierMixing, SeparableFourierMixing
from specref.layers.mixing.global_filter import AdaptiveGlobalFilter, GlobalFilterMixing, GlobalFilterMixing2D
from specref.testing.checks import assert_close

CONFIGS = [
    # (class, N, D, input shape, norm, interpolation)
    (GlobalFilterMixing, 8, 4, (3, 8, 4), "ortho", "fft_bin"),
    (GlobalFilterMixing, 7, 3, (2, 2, 7, 3), "backward", "fft_bin"),  # odd length, two batch axes
    (GlobalFilterMixing, 6, 5, (1, 6, 5), "forward", "fft_bin"),  # one batch element
    (GlobalFilterMixing, 6, 3, (2, 9, 3), "ortho", "frequency"),  # interpolated
    (GlobalFilterMixing2D, 6, 4, (2, 6, 4), "ortho", "fft_bin"),
    (GlobalFilterMixing2D, 5, 4, (2, 7, 3), "backward", "fft_bin"),  # (L, D') != (N, D), odd D'
    (AdaptiveGlobalFilter, 7, 3, (2, 10, 3), "forward", "fft_bin"),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cls,n,d,shape,norm,mode", CONFIGS)
def test_fused_path_equals_the_chain(cls, n, d, shape, norm, mode, dtype):
    layer = cls(d, n, activation="tanh", fft_norm=norm, filter_init_std=1.0, filter_interpolation=mode,
                seed=3).astype(dtype)
    chain = cls(d, n, activation="tanh", fft_norm=norm, filter_init_std=1.0, filter_interpolation=mode,
                seed=3).astype(dtype)
    chain.fused_fast_path = False
    rng = np.random.default_rng(0)
    x, dy = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    y, ctx = layer.forward(x)
    y_ref, ctx_ref = chain.forward(x)
    assert ctx.fused and not ctx_ref.fused
    bound = 2.0 * layer.error_scale(shape) * finfo_eps(dtype)  # each within c eps of the exact map
    assert_close(y, y_ref, rtol=bound, reason="2 c eps")
    assert_close(ctx.x_hat, ctx_ref.x_hat, rtol=bound, reason="2 c eps")
    dx, grads = layer.backward(ctx, dy)
    dx_ref, grads_ref = chain.backward(ctx_ref, dy)
    assert dx.dtype == x.dtype and dx.shape == x.shape
    assert_close(dx, dx_ref, rtol=bound, reason="2 c eps")
    for name in grads_ref:
        assert grads[name].dtype == grads_ref[name].dtype
        assert_close(grads[name], grads_ref[name], rtol=bound, reason="2 c eps")


def test_batch_sum_by_slices(monkeypatch):
    rng = np.random.default_rng(1)
    g = rng.standard_normal((5, 3, 4, 6)) + 1j * rng.standard_normal((5, 3, 4, 6))
    a = rng.standard_normal((5, 3, 4, 6)) + 1j * rng.standard_normal((5, 3, 4, 6))
    expected = np.sum(g * np.conj(a), axis=(0, 1))
    monkeypatch.setattr(fft_fused, "_SLICE_BYTES", 3 * 4 * 6 * 16 * 2)  # two rows per slice: 8 slices
    got = fft_fused.batch_sum_conj_product(g, a)
    # 15 products summed in a different order: within 15 eps of the sum of magnitudes (a bound on any order)
    bound = 15 * finfo_eps("float64") * np.sum(np.abs(g) * np.abs(a), axis=(0, 1))
    assert np.all(np.abs(got - expected) <= bound)


def test_fused_path_is_numpy_only():
    layer = GlobalFilterMixing(3, 4)
    import array_api_strict as xps

    strict = layer.to(xps)
    _, ctx = strict.forward(xps.asarray(np.random.default_rng(0).standard_normal((2, 4, 3))))
    assert not ctx.fused  # array-api-strict runs the chain of public transforms


FOURIER = [
    (FourierMixing, {}), (FourierMixing1D, {}), (RealFourierMixing, {}),
    (SeparableFourierMixing, {}), (SeparableFourierMixing, {"mix_sequence": False}),
    (SeparableFourierMixing, {"mix_features": False}),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape,norm", [((2, 6, 4), "ortho"), ((3, 7, 5), "backward"), ((2, 2, 5, 8), "forward")])
@pytest.mark.parametrize("cls,kw", FOURIER, ids=[f"{c.__name__}{sorted(k)}" for c, k in FOURIER])
def test_fourier_fused_paths_equal_the_chains(cls, kw, shape, norm, dtype):
    layer, chain = cls(shape[-1], fft_norm=norm, **kw), cls(shape[-1], fft_norm=norm, **kw)
    chain.fused_fast_path = False
    rng = np.random.default_rng(2)
    x, dy = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    bound = 2.0 * layer.error_scale(shape) * finfo_eps(dtype)  # each within c eps of the exact map
    y, ctx = layer.forward(x)
    y_ref, ctx_ref = chain.forward(x)
    assert y.dtype == x.dtype
    assert_close(y, y_ref, rtol=bound, reason="2 c eps")
    dx, _ = layer.backward(ctx, dy)
    dx_ref, _ = chain.backward(ctx_ref, dy)
    assert dx.dtype == x.dtype
    assert_close(dx, dx_ref, rtol=bound, reason="2 c eps")
