"""The input contract of the kernels: mismatched shapes name both shapes and what is accepted, every scale and
bandwidth is finite and > 0, and the VJPs outside the registry refuse a cotangent of another precision (the
registered ones are checked in tests/ops/test_contract.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.kernels.base import CosineKernel, RandomFeatureMap, ShiftInvariantKernel, gram_product_vjp
from specref.kernels.rff import (
    GaussianRFFKernel,
    LaplacianRFFKernel,
    fourier_features,
    fourier_features_vjp,
    sample_cauchy_frequencies,
    sample_gaussian_frequencies,
    sample_orthogonal_gaussian_frequencies,
)
from specref.kernels.rff_structured import OrthogonalRandomFeatures
from specref.kernels.spectral import LearnableSpectralKernel

BAD_SCALES = [0.0, -1.0, math.inf, math.nan]


def test_fourier_features_names_both_shapes_and_what_is_accepted():
    z, bias = np.ones((4, 8)), np.ones(7)
    message = (r"z has shape \(4, 8\) and bias has shape \(7,\); accepted: z of shape \(\.\.\., n, m\) and bias of "
               r"shape \(m,\), one phase per column of z")
    with pytest.raises(ValueError, match="fourier_features: " + message):
        fourier_features(z, bias)
    with pytest.raises(ValueError, match="fourier_features_vjp: " + message):
        fourier_features_vjp(z, z, bias, z)
    with pytest.raises(ValueError, match=r"z has shape \(3,\) and bias has shape \(8,\)"):
        fourier_features(np.ones(3), np.ones(8))


def test_fourier_features_refuses_mixed_precisions():
    with pytest.raises(TypeError, match="arrays of two precisions"):
        fourier_features(np.ones((4, 8), np.float32), np.ones(8))


@pytest.mark.parametrize("sample", [sample_gaussian_frequencies, sample_orthogonal_gaussian_frequencies,
                                    sample_cauchy_frequencies])
@pytest.mark.parametrize("bad", BAD_SCALES)
def test_frequency_samplers_need_a_finite_positive_sigma(sample, bad):
    with pytest.raises(ValueError, match=r"sigma must be finite and > 0, got"):
        sample(0, 3, 4, sigma=bad)


@pytest.mark.parametrize("cls", [GaussianRFFKernel, LaplacianRFFKernel, OrthogonalRandomFeatures])
@pytest.mark.parametrize("bad", BAD_SCALES)
def test_kernel_sigma_must_be_finite_and_positive(cls, bad):
    with pytest.raises(ValueError, match=r"sigma must be finite and > 0, got"):
        cls(3, 4, sigma=bad)


@pytest.mark.parametrize("bad", BAD_SCALES)
def test_learnable_spectral_kernel_init_scale_must_be_finite_and_positive(bad):
    with pytest.raises(ValueError, match=r"init_scale must be finite and > 0, got"):
        LearnableSpectralKernel(input_dim=4, rank=2, init_scale=bad)
    with pytest.raises(TypeError, match="init_scale must be a real number"):
        LearnableSpectralKernel(input_dim=4, rank=2, init_scale="1")


@pytest.mark.parametrize("bad", BAD_SCALES)
def test_base_class_scales_must_be_finite_and_positive(bad):
    with pytest.raises(ValueError, match=r"bandwidth must be finite and > 0, got"):
        ShiftInvariantKernel(bandwidth=bad)
    with pytest.raises(ValueError, match=r"kernel_scale must be finite and > 0, got"):
        RandomFeatureMap(3, 4, kernel_scale=bad)


def test_vjps_outside_the_registry_refuse_the_other_precision():
    a = np.ones((4, 3))
    with pytest.raises(TypeError, match=r"gram_product_vjp: the cotangent dk has dtype float32, but the forward ran "
                                        r"in float64 \(a\)"):
        gram_product_vjp(np.ones((4, 4), np.float32), a, a)
    kernel = GaussianRFFKernel(3, 4)
    x = np.random.default_rng(0).standard_normal((5, 3))
    k = kernel.gram_matrix(x)
    with pytest.raises(TypeError, match=r"GaussianRFFKernel\.gram_matrix_vjp: the cotangent dk has dtype float32"):
        kernel.gram_matrix_vjp(k.astype(np.float32), x, k)
    diff = x[:, None, :] - x[None, :, :]
    with pytest.raises(TypeError, match=r"GaussianRFFKernel\.evaluate_difference_vjp: the cotangent dk has dtype "
                                        r"float32, but the forward ran in float64 \(diff\)"):
        kernel.evaluate_difference_vjp(k.astype(np.float32), diff, k)


def test_kernel_vjps_refuse_a_cotangent_of_another_shape():
    """Before: a raw NumPy broadcast error (or a silently broadcast gradient)."""
    kernel = CosineKernel()
    x, y = np.ones((4, 3)), np.ones((5, 3))
    k = kernel.compute(x, y)
    with pytest.raises(ValueError, match=r"CosineKernel\.compute_vjp: the cotangent dk has shape \(4, 4\), but the "
                                         r"forward's output k has shape \(4, 5\)"):
        kernel.compute_vjp(np.ones((4, 4)), x, y, k)
    features = GaussianRFFKernel(3, 4)
    phi = features.forward(x)
    with pytest.raises(ValueError, match=r"GaussianRFFKernel\.forward_vjp: the cotangent dphi has shape \(4, 3\), but "
                                         r"the forward's output phi has shape \(4, 4\)"):
        features.forward_vjp(np.ones((4, 3)), x, phi)
