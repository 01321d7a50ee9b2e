"""Tests of specref.kernels.spectral (FourierKernel, LearnableSpectralKernel): the registered cases, properties
of each kernel, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from specref.backend import to_numpy
from specref.kernels import spectral as sp
from specref.kernels.spectral import FourierKernel, LearnableSpectralKernel
from specref.kernels.spectral_eigen import gram_spectral_decomposition
from specref.testing.checks import assert_close
from specref.testing.runner import run_case

EPS64 = float(np.finfo(np.float64).eps)


def _arr(xp, host):
    return xp.asarray(np.asarray(host, dtype=np.float64))


@pytest.mark.parametrize("case", sp.CASES, ids=lambda c: c.name)
def test_registered_case_passes(case, xp):
    for rows in run_case(case, xp):
        for r in rows:
            assert r.passed is not False, r


# ----------------------------------------------------------------------------------------------------------
# FourierKernel


@pytest.mark.parametrize("filter_type", sp.FILTER_TYPES)
def test_fourier_filter_init_matches_spectrans_formula(filter_type):
    k = FourierKernel(rank=5, input_dim=8, filter_type=filter_type, cutoff_freq=0.4)
    t = np.linspace(0, 1, 5)
    expected = {"gaussian": np.exp(-(t / 0.4) ** 2), "butterworth": 1 / (1 + (t / 0.4) ** 8),
                "ideal": (t <= 0.4).astype(float)}[filter_type]
    # exp / pow of a few roundings each
    assert_close(to_numpy(k.params["filter"]), expected, rtol=4 * EPS64, reason="exp/pow")  # a few roundings
    assert list(FourierKernel(5, 8, learnable_filter=False).buffers) == ["filter"]


def test_fourier_compute_is_mean_of_filtered_products_and_forward(xp):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 3, 9)), rng.standard_normal((2, 4, 9))
    k = FourierKernel(rank=4, input_dim=9).to(xp)
    xf = np.fft.rfft(x)[..., :4] * to_numpy(k.params["filter"])
    yf = np.fft.rfft(y)[..., :4] * to_numpy(k.params["filter"])
    expected = np.mean((xf[..., :, None, :] * np.conj(yf[..., None, :, :])).real, axis=-1)
    got = k.compute(_arr(xp, x), _arr(xp, y))
    # rfft over 9 points (2(1 + log2 9) ~ 8.3 eps each) and an 8-term dot: 64 eps covers both sides
    assert_close(to_numpy(got), expected, rtol=64 * EPS64, reason="two rffts and an 8-term dot")  # see above
    fwd = to_numpy(k.forward(_arr(xp, x), _arr(xp, y)))
    assert_close(fwd, to_numpy(got), rtol=0.0, reason="same code")  # identical arithmetic
    assert k(_arr(xp, x)).shape == (2, 3, 8)  # forward(x): the 2r features


def test_fourier_bad_input():
    with pytest.raises(ValueError, match="larger than the data allows"):
        FourierKernel(rank=6, input_dim=8)  # 8 // 2 + 1 = 5 bins
    with pytest.raises(ValueError, match="filter_type"):
        FourierKernel(rank=2, input_dim=8, filter_type="cheby")
    with pytest.raises(ValueError, match="cutoff_freq"):
        FourierKernel(rank=2, input_dim=8, cutoff_freq=0.0)
    with pytest.raises(ValueError, match="rank must be a positive integer"):
        FourierKernel(rank=0, input_dim=8)
    with pytest.raises(TypeError, match="learnable_filter must be True or False"):
        FourierKernel(rank=2, input_dim=8, learnable_filter=None)
    k = FourierKernel(rank=2, input_dim=4)
    with pytest.raises(ValueError, match=r"\(\.\.\., n, d\)"):
        k.compute(np.ones(4), np.ones((2, 4)))
    with pytest.raises(ValueError, match="input_dim 4"):
        k.compute(np.ones((2, 5)), np.ones((2, 5)))


# ----------------------------------------------------------------------------------------------------------
# LearnableSpectralKernel


def test_learnable_init_state_dict_and_orthogonalize(xp):
    k = LearnableSpectralKernel(input_dim=5, rank=3, init_scale=2.0, seed=1)
    v = to_numpy(k.params["eigenvectors"])
    assert_close(v.T @ v, np.eye(3), rtol=0, atol=16 * EPS64, reason="QR orthonormal")  # Householder QR: few eps
    lam = to_numpy(k.params["eigenvalues"])
    assert_close(lam, np.linspace(1, 0.1, 3) * 2.0, rtol=2 * EPS64, reason="linspace * s")  # one rounding each
    sd = k.state_dict()
    assert list(sd) == ["eigenvectors", "eigenvalues"]
    k2 = LearnableSpectralKernel.from_state_dict({"eigenvectors": sd["eigenvectors"] * 3, "eigenvalues":
                                                  sd["eigenvalues"]}, input_dim=5, rank=3).to(xp)
    k3 = k2.orthogonalize_eigenvectors()
    v3 = to_numpy(k3.params["eigenvectors"])
    assert_close(v3.T @ v3, np.eye(3), rtol=0, atol=16 * EPS64, reason="QR output orthonormal")  # Householder QR
    assert_close(to_numpy(k2.params["eigenvectors"]), sd["eigenvectors"] * 3, rtol=0, reason="not mutated")  # exact
    frozen = LearnableSpectralKernel(5, 3, trainable_eigenvectors=False)
    assert list(frozen.params) == ["eigenvalues"] and frozen.orthogonalize_eigenvectors() is frozen


def test_learnable_forward_dispatch_and_zero_eigenvalue_gradient(xp):
    rng = np.random.default_rng(2)
    k = LearnableSpectralKernel(4, 2, seed=0)
    k = k.with_params({"eigenvalues": np.array([0.0, 0.7])}).to(xp)
    x = _arr(xp, rng.standard_normal((3, 4)))
    phi = k(x)
    assert phi.shape == (3, 2)
    _, grads = k.extract_features_vjp(_arr(xp, rng.standard_normal((3, 2))), x, phi)
    assert float(to_numpy(grads["eigenvalues"])[0]) == 0.0  # sign(0) = 0, torch's subgradient of |.|
    assert k(x, x).shape == (3, 3)


def test_learnable_bad_input():
    with pytest.raises(ValueError, match="larger than the data allows"):
        LearnableSpectralKernel(input_dim=3, rank=4)
    with pytest.raises(TypeError, match="trainable_eigenvectors must be True or False"):
        LearnableSpectralKernel(3, 2, trainable_eigenvectors="yes")
    k = LearnableSpectralKernel(3, 2)
    with pytest.raises(ValueError, match=r"\(\.\.\., n, d\)"):
        k.extract_features(np.ones(3))
    with pytest.raises(ValueError, match="input_dim 3"):
        k.compute(np.ones((2, 4)), np.ones((2, 4)))
    with pytest.raises(TypeError):
        k.compute(np.ones((2, 3), dtype=np.float32), np.ones((2, 3), dtype=np.float32))  # float64 params


def test_spectral_decomposition_is_spectrans_gram_decomposition(xp):
    x = _arr(xp, np.random.default_rng(9).standard_normal((2, 5, 6)))
    for kern in (FourierKernel(rank=3, input_dim=6), LearnableSpectralKernel(6, 3, normalize=False)):
        vecs, vals = kern.spectral_decomposition(x)
        ref_vecs, ref_vals = gram_spectral_decomposition(x, 3, kern.normalize)
        assert_close(to_numpy(vals), to_numpy(ref_vals), rtol=0.0, reason="the same function")  # identical
        assert_close(to_numpy(vecs), to_numpy(ref_vecs), rtol=0.0, reason="the same function")  # identical
