"""Fourier cores c2c, r2c, c2r (specref.transforms.fourier_core): adjoint forms, weights, engine, errors.

Every tolerance is derived from the FFT error claim of specref.testing.tolerances.fft_error_scale:
an FFT of N points is computed with normwise relative error <= c eps, c = 2 (1 + log2 N).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.backend import finfo_eps, random_normal, to_numpy
from specref.testing.checks import assert_close
from specref.testing.tolerances import fft_error_scale
from specref.transforms import fourier as F
from specref.transforms import fourier_core as C
from tests.transforms.test_fourier import draw

EPS = finfo_eps("float64")


def bits(a):
    """dtype, shape and raw bytes: equal only if every component is the same float, sign of 0 included.

    NaNs are made one canonical NaN first: their sign and payload are not numbers (IEEE 754 leaves the
    sign of a NaN result unspecified, and NumPy's loops for an array times a scalar and for two arrays
    can give (inf + nan i) * (2 + 0i) NaNs of opposite signs).
    """
    a = np.array(to_numpy(a), order="C", copy=True)
    real = a.view(a.real.dtype) if np.iscomplexobj(a) else a
    real[np.isnan(real)] = np.nan
    return a.dtype, a.shape, a.view(np.uint8).tobytes()


def test_threaded_path_matches_numpy():
    # 512 rows of 1024: large enough for scipy.fft workers > 1 (fourier_core._THREADS_MIN_SIZE)
    x = random_normal(3, (512, 1024))
    assert x.size >= C._THREADS_MIN_SIZE
    c = fft_error_scale(1024)
    rel_bound = 2 * c * EPS  # 2 c eps, c = fft_error_scale(1024)
    assert_close(F.rfft(x), np.fft.rfft(x), rtol=rel_bound, reason="2 c eps, c = fft_error_scale(1024)")
    z = F.fft(x, axis=0, norm="ortho")
    c = fft_error_scale(512)
    expected = np.fft.fft(x, axis=0, norm="ortho")
    rel_bound = 2 * c * EPS  # 2 c eps, c = fft_error_scale(512)
    assert_close(z, expected, rtol=rel_bound, reason="2 c eps, c = fft_error_scale(512)")



@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 8, 15, 16, 33])
def test_r2c_adjoint_forms_agree(xp, n):
    """The obvious form (zero-pad, F^H, real part) equals the weighted-c2r form, for odd and even n."""
    y = draw(xp, (3, n // 2 + 1), "half")
    a = C.r2c_adjoint(y, input_shape=(3, n))
    b = C.r2c_adjoint_weighted(y, input_shape=(3, n))
    # both are one FFT of n (or n/2 + 1) points applied to y: each within c eps of the exact value
    rel_bound = 2 * fft_error_scale(n) * EPS  # 2 c eps, c = fft_error_scale(n)
    assert_close(b, a, rtol=rel_bound, reason="2 c eps, c = fft_error_scale(n)")


@pytest.mark.parametrize("n", [1, 2, 5, 6])
def test_c2r_adjoint_formula(n):
    """c2r_adjoint = w * rfft(g) with w = 1 at DC and (even n) Nyquist, 2 elsewhere (hand-written weights)."""
    g = draw(np, (2, n), "real")
    w = np.full(n // 2 + 1, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    expected = np.fft.rfft(g) * w
    got = C.c2r_adjoint(g, input_shape=(2, n // 2 + 1), n=n)
    rel_bound = 2 * fft_error_scale(n) * EPS  # one FFT each: 2 c eps
    assert_close(got, expected, rtol=rel_bound, reason="one FFT each: 2 c eps")
    assert np.array_equal(to_numpy(C.hermitian_weights(n, xp=np, dtype=np.float64)), w)



@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 8, 16, 17])
def test_pocketfft_c2r_never_reads_the_imaginary_parts_h_drops(n):
    """Why c2r skips the copy H on NumPy: scipy.fft's irfft reads only Re of DC and (even n) Nyquist.

    The result with any values there (NaN, Inf, huge) is bit for bit the engine's result on H(y).
    """
    import scipy.fft

    y = to_numpy(draw(np, (3, n // 2 + 1), "half"))
    expected = bits(scipy.fft.irfft(to_numpy(C._drop_imag_of_self_conjugate_bins(y, n)), n=n, norm="forward"))
    assert bits(C.c2r(y, n=n)) == expected
    bins = [0] if n % 2 else [0, n // 2]
    for value in (math.nan, math.inf, -1e300):
        z = y.copy()
        z.imag[:, bins] = value  # (not re + 1j * value: 1j * nan is nan + nan j)
        assert bits(C.c2r(z, n=n)) == expected
        assert bits(F.irfft(z, n=n, norm="forward")) == expected


def test_core_errors(xp):
    with pytest.raises(TypeError, match="c2c input has dtype float64; accepted: complex64 or complex128"):
        C.c2c(draw(xp, (4,), "real"))
    with pytest.raises(ValueError, match="needs n // 2 \\+ 1 = 4 bins, got 5"):
        C.c2r(draw(xp, (5,), "half"), n=7)
    with pytest.raises(ValueError, match="must end in n // 2 \\+ 1"):
        C.c2r_adjoint(draw(xp, (7,), "real"), input_shape=(5,), n=7)
    with pytest.raises(TypeError, match="r2c input has dtype complex128; accepted: float32 or float64"):
        C.r2c(draw(xp, (4,), "complex"))
    with pytest.raises(TypeError, match="c2c input has dtype int64; accepted: float32, float64, complex64"):
        C.c2c(xp.asarray([1, 2, 3], dtype=xp.int64))
    with pytest.raises(TypeError, match="c2r_adjoint cotangent has dtype complex128; accepted: float32 or"):
        C.c2r_adjoint(draw(xp, (7,), "complex"), input_shape=(4,), n=7)

