"""transforms.butterfly: the DFT, the Hadamard transform and the DCT-II as exact butterfly instances, BPBP, bad
sizes (the VJP and the dense reference run in the registry)."""

import numpy as np
import pytest
import scipy.fft
import scipy.linalg

from specref.transforms.butterfly import butterfly, butterfly_vjp, dct_by_butterfly, dft_twiddle, hadamard_twiddle

U = np.finfo(np.float64).eps / 2


@pytest.mark.parametrize("n", [2, 8, 64, 1024])
def test_exact_instances(n):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((3, n))
    m = int(np.log2(n))
    # radix-2 stages: each output carries ~2 roundings per stage on O(sqrt n)-sized sums: c log2 n u normwise
    bound = 8 * m * U
    ref = np.fft.fft(x)
    assert np.abs(butterfly(x, dft_twiddle(n)) - ref).max() / np.abs(ref).max() <= bound
    h = x @ (scipy.linalg.hadamard(n) / np.sqrt(n)).T
    assert np.abs(butterfly(x, hadamard_twiddle(n), permutation="identity") - h).max() / np.abs(h).max() <= bound
    d = scipy.fft.dct(x)
    assert np.abs(dct_by_butterfly(x) - d).max() / np.abs(d).max() <= bound + 4 * U  # the final scale: 2 more


def test_bpbp_is_two_products_and_the_vjp_of_the_dft_instance_is_its_adjoint():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 16)) + 1j * rng.standard_normal((2, 16))
    tw = dft_twiddle(16)
    twice = butterfly(butterfly(x, tw), tw)  # DFT twice: n times the index reversal
    assert np.allclose(twice, 16 * x[:, (-np.arange(16)) % 16], atol=1e-12)
    dy = rng.standard_normal((2, 16)) + 1j * rng.standard_normal((2, 16))
    dx, dt = butterfly_vjp(dy, x, tw, butterfly(x, tw))
    assert np.allclose(dx, 16 * np.fft.ifft(dy), atol=1e-12) and dt.shape == tw.shape


def test_bad_sizes():
    with pytest.raises(ValueError, match="power of two.*got 12; the nearest allowed are 8 and 16"):
        butterfly(np.zeros(12), np.zeros((3, 6, 2, 2)))
    with pytest.raises(ValueError, match="twiddle must have shape"):
        butterfly(np.zeros(8), np.zeros((3, 4, 2)))
    with pytest.raises(ValueError, match="permutation"):
        butterfly(np.zeros(8), hadamard_twiddle(8), permutation="gray")
    with pytest.raises(TypeError, match="one precision"):
        butterfly(np.zeros(8, np.float32), hadamard_twiddle(8))
