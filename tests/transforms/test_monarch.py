"""transforms.monarch: equal to numpy.fft.fft for several factorisations (the dot-product and dense adjoint tests
run in the registry), the adjoint is N ifft, bad factorisations."""

import numpy as np
import pytest

from specref.transforms.monarch import monarch_fft, monarch_fft_adjoint

U = np.finfo(np.float64).eps / 2


@pytest.mark.parametrize("n1,n2", [(32, 32), (16, 64), (7, 11), (1, 5), (64, 1)])
def test_equals_the_fft(n1, n2):
    rng = np.random.default_rng(n1 * n2)
    x = rng.standard_normal((3, n1 * n2)) + 1j * rng.standard_normal((3, n1 * n2))
    got, ref = monarch_fft(x, n1=n1, n2=n2), np.fft.fft(x)
    # two DFT matmuls: each output sums N1 then N2 products of O(1) terms, N1 + N2 roundings at worst, and the
    # rounded matrices and twiddles (5): normwise within (N1 + N2 + 5) u; the FFT itself is within a few log2 N u
    assert np.abs(got - ref).max() / np.abs(ref).max() <= (n1 + n2 + 5 + 4 * np.log2(n1 * n2 + 1)) * U


def test_real_input_and_the_adjoint_is_n_ifft():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 24))
    assert monarch_fft(x, n1=4, n2=6).dtype == np.complex128
    y = rng.standard_normal((2, 24)) + 1j * rng.standard_normal((2, 24))
    back = monarch_fft_adjoint(y, input_shape=y.shape, n1=4, n2=6)
    assert np.allclose(back, 24 * np.fft.ifft(y), rtol=0, atol=1e-13)
    assert monarch_fft(x.astype(np.float32), n1=4, n2=6).dtype == np.complex64


def test_bad_factorisations():
    with pytest.raises(ValueError, match=r"N1 \* N2 = 4 \* 5 = 20 must equal the length of the last axis, 24"):
        monarch_fft(np.zeros(24), n1=4, n2=5)
    with pytest.raises(ValueError):
        monarch_fft(np.zeros(24), n1=0, n2=24)
    with pytest.raises(ValueError, match="must equal"):
        monarch_fft_adjoint(np.zeros(24, complex), input_shape=(24,), n1=5, n2=5)
