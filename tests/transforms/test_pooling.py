"""Spectral pooling: the Nyquist rule, equality with scipy.signal.resample, exact adjoints, errors.

Tolerances derive from the pooling's error scale (specref.transforms.pooling._pool_scale): two FFTs of
lengths n and m, c = fft_error_scale(n) + fft_error_scale(m) + 2; two results within c eps each differ by
at most 2 c eps.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

from specref.backend import finfo_eps, get_namespace, random_normal, to_numpy
from specref.testing.checks import assert_close, check_adjoint, check_dense_adjoint, check_no_mutation
from specref.testing.strategies import lengths
from specref.transforms.pooling import (
    mean_pool,
    mean_pool_adjoint,
    resize_spectrum,
    resize_spectrum_adjoint,
    spectral_pool,
    spectral_pool2d,
    spectral_pool2d_adjoint,
    spectral_pool_adjoint,
)

EPS = finfo_eps("float64")
NORMS = ("forward", "ortho", "backward")
PAIRS = [(n, m) for n in (1, 2, 3, 4, 5, 8, 9) for m in (1, 2, 3, 4, 6, 7, 10)]


def c_of(*sizes) -> float:
    from specref.testing.tolerances import fft_error_scale

    return sum(fft_error_scale(s) for s in sizes) + 2.0


def draw(xp, shape, complex_input=False, dtype="float64", seed=0):
    if complex_input:
        dtype = {"float32": "complex64", "float64": "complex128"}[dtype]
    return random_normal(seed, shape, dtype=dtype, xp=xp)


# ----------------------------------------------------------------------------------------------------------
# the definition


@pytest.mark.parametrize("complex_input", [False, True])
def test_matches_scipy_resample(xp, complex_input):
    for n, m in PAIRS:
        x = draw(xp, (2, n), complex_input, seed=n * 10 + m)
        expected = scipy.signal.resample(to_numpy(x), m, axis=-1)
        tol = 2 * c_of(n, m) * EPS  # specref and scipy each within c eps
        assert_close(spectral_pool(x, size=m), expected, rtol=tol, reason="2 c eps", err_msg=f"{n} -> {m}")


def test_norms_rescale(xp):
    x = draw(xp, (9,))
    base = to_numpy(spectral_pool(x, size=4))
    tol = 2 * c_of(9, 4) * EPS  # two computations within c eps each
    assert_close(spectral_pool(x, size=4, norm="backward"), base * 9 / 4, rtol=tol, reason="2 c eps")
    assert_close(spectral_pool(x, size=4, norm="ortho"), base * math.sqrt(9 / 4), rtol=tol, reason="2 c eps")
    # None means "backward", as for every norm in specref (specref._args.check_norm); the default is "forward"
    assert np.array_equal(to_numpy(spectral_pool(x, size=4, norm=None)),
                          to_numpy(spectral_pool(x, size=4, norm="backward")))
    y = spectral_pool(x, size=4, norm=None)
    assert np.array_equal(to_numpy(spectral_pool_adjoint(y, input_shape=(9,), size=4, norm=None)),
                          to_numpy(spectral_pool_adjoint(y, input_shape=(9,), size=4, norm="backward")))


def test_nyquist_rule_by_hand():
    """Truncation to even m sums the +-m/2 bins; zero-padding from even n splits the Nyquist bin in halves."""
    x = draw(np, (8,), complex_input=True)
    big = np.fft.fft(x)
    small = np.fft.fft(spectral_pool(x, size=4, norm="backward"))  # backward: F_m y = T F_n x exactly
    expected = np.array([big[0], big[1], big[2] + big[-2], big[-1]])
    abs_bound = 4 * c_of(8, 4) * EPS * np.abs(big).max()  # three FFTs and a sum of two bins: 4 c eps max|F x|
    np.testing.assert_allclose(small, expected, rtol=0, atol=abs_bound)  # absolute only
    x = draw(np, (4,), complex_input=True)
    small = np.fft.fft(x)
    big = np.fft.fft(spectral_pool(x, size=7, norm="backward"))
    expected = np.array([small[0], small[1], small[2] / 2, 0, 0, small[2] / 2, small[3]])
    abs_bound = 4 * c_of(7, 4) * EPS * np.abs(small).max()  # three FFTs and one halving: 4 c eps max|F x|
    np.testing.assert_allclose(big, expected, rtol=0, atol=abs_bound)  # absolute only


def test_resize_spectrum_is_the_documented_matrix():
    for n, m in PAIRS:
        got = resize_spectrum(np.eye(n, dtype=complex), m).T  # column j: the image of bin j
        p = min(n, m)
        mat = np.zeros((m, n))
        for k in range(-((p - 1) // 2), (p - 1) // 2 + 1):
            mat[k % m, k % n] = 1.0
        if p % 2 == 0 and m < n:
            mat[p // 2, p // 2] = mat[p // 2, n - p // 2] = 1.0  # sum
        if p % 2 == 0 and m > n:
            mat[p // 2, p // 2] = mat[m - p // 2, p // 2] = 0.5  # split
        if m == n:
            mat = np.eye(n)
        np.testing.assert_array_equal(got, mat, err_msg=f"{n} -> {m}")
        adj = resize_spectrum_adjoint(np.eye(m, dtype=complex), input_shape=(m, n)).T
        np.testing.assert_array_equal(adj, mat.T, err_msg=f"adjoint {n} -> {m}")


def test_resize_spectrum_adjoint_takes_the_forwards_m():
    y = draw(np, (2, 5), complex_input=True)
    plain = resize_spectrum_adjoint(y, input_shape=(2, 8))
    assert np.array_equal(resize_spectrum_adjoint(y, input_shape=(2, 8), m=5), plain)
    with pytest.raises(ValueError, match="pass the shape of the forward's input"):
        resize_spectrum_adjoint(y, input_shape=(2, 8), m=4)


def test_chain_is_the_fourier_core_in_the_one_builder():
    """structural.axis_chain with the core to_complex, c2c, T, c2c^H, scale, Re: the scale before Re."""
    from specref.transforms.pooling import _pool_chain

    names = [step.name for step in _pool_chain((3, 8), 5, 0, "forward", True)]
    assert names == ["move_axis", "to_complex", "c2c", "resize_spectrum", "c2c", "scale", "real_part", "move_axis"]
    names = [step.name for step in _pool_chain((3, 8), 5, -1, "ortho", False)]
    assert names == ["c2c", "resize_spectrum", "c2c", "scale"]


def test_constant_stays_constant(xp):
    for n, m in PAIRS:
        x = xp.ones((n,)) * 3.0
        tol = 2 * c_of(n, m) * EPS  # two FFTs of a constant, each within c eps
        assert_close(spectral_pool(x, size=m), np.full(m, 3.0), rtol=tol, reason="2 c eps")


def test_upsample_then_downsample_is_identity(xp):
    for n in (1, 2, 5, 8):
        for m in (n, n + 1, 2 * n + 3):
            x = draw(xp, (3, n), complex_input=n % 2 == 0)
            back = spectral_pool(spectral_pool(x, size=m), size=n)
            tol = 4 * c_of(n, m) * EPS  # two poolings, each within c eps, with gain <= 2 (Nyquist halves)
            assert_close(back, x, rtol=tol, reason="4 c eps", err_msg=f"{n} -> {m} -> {n}")


def test_band_limited_downsampling_is_subsampling():
    """A signal with spectrum in |k| <= m/2 (both +-m/2 included) downsampled by r is x[::r]."""
    n, m = 12, 4
    rng = np.random.default_rng(1)
    spectrum = np.zeros(n, dtype=complex)
    for k in (-2, -1, 0, 1, 2):
        spectrum[k % n] = rng.standard_normal() + 1j * rng.standard_normal()
    x = np.fft.ifft(spectrum)
    rel_bound = 2 * c_of(n, m) * EPS  # 2 c eps
    assert_close(spectral_pool(x, size=m), x[:: n // m], rtol=rel_bound, reason="2 c eps")
    # real signals too (+-m/2 carry the conjugate pair)
    xr = np.cos(2 * np.pi * 2 * np.arange(n) / n + 0.3) + 0.5
    rel_bound = 2 * c_of(n, m) * EPS  # 2 c eps
    assert_close(spectral_pool(xr, size=m), xr[:: n // m], rtol=rel_bound, reason="2 c eps")


def test_conjugation_equivariance_and_real_output(xp):
    for n, m in ((8, 4), (4, 6), (7, 2)):
        z = draw(xp, (n,), complex_input=True)
        zc = to_numpy(z).conj()
        rel_bound = 2 * c_of(n, m) * EPS  # 2 c eps
        assert_close(spectral_pool(xp.asarray(zc), size=m), np.conj(to_numpy(spectral_pool(z, size=m))),
                     rtol=rel_bound, reason="2 c eps")
        x = draw(xp, (n,))
        y = spectral_pool(x, size=m)
        assert y.dtype == x.dtype
        # the real part only drops rounding: the same input as complex gives an imaginary part <= 2 c eps
        yc = to_numpy(spectral_pool(xp.astype(x, xp.complex128), size=m))
        tol = 2 * c_of(n, m) * EPS  # T keeps Hermitian symmetry: Im is pure rounding, within c eps of 0
        assert np.abs(yc.imag).max() <= tol * np.abs(yc).max()
        assert_close(y, yc.real, rtol=tol, reason="2 c eps")


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_output_dtype_follows_input(xp, dtype):
    x = random_normal(0, (4, 6), dtype=dtype, xp=xp)
    y = spectral_pool(x, size=3)
    assert y.dtype == x.dtype
    assert spectral_pool_adjoint(y, input_shape=x.shape, size=3).dtype == x.dtype
    y2 = spectral_pool2d(x, size=(5, 2))
    assert y2.dtype == x.dtype
    assert spectral_pool2d_adjoint(y2, input_shape=x.shape, size=(5, 2)).dtype == x.dtype


def test_float32_accuracy(xp):
    x = draw(xp, (3, 16), dtype="float32")
    expected = scipy.signal.resample(to_numpy(x).astype(np.float64), 6, axis=-1)
    tol = 2 * c_of(16, 6) * finfo_eps("float32")  # float32 within c eps32 of the float64 reference
    assert_close(spectral_pool(x, size=6), expected, rtol=tol, reason="2 c eps32")


# ----------------------------------------------------------------------------------------------------------
# adjoints


@pytest.mark.parametrize("complex_input", [False, True])
@pytest.mark.parametrize("norm", NORMS)
def test_dense_adjoint(xp, complex_input, norm):
    for n, m in ((8, 4), (4, 8), (5, 3), (3, 6), (6, 5), (1, 2), (2, 1), (4, 4)):
        x = draw(xp, (n,), complex_input)
        kw = {"size": m, "norm": norm}
        check_dense_adjoint(spectral_pool, spectral_pool_adjoint, x, kwargs=kw,
                            error_scale=c_of(n, m)).raise_if_failed()


@given(n=lengths(64), m=lengths(64), norm=st.sampled_from(NORMS), complex_input=st.booleans(),
       backend=st.sampled_from(["numpy", "strict"]))
def test_dot_test_hypothesis(n, m, norm, complex_input, backend):
    xp = get_namespace(backend)
    x = draw(xp, (2, n), complex_input, seed=n)
    check_adjoint(spectral_pool, spectral_pool_adjoint, x, kwargs={"size": m, "norm": norm},
                  error_scale=c_of(n, m), complex_linear=complex_input).raise_if_failed()


def test_ortho_adjoint_is_pooling_back_for_odd_p(xp):
    for n, m in ((9, 5), (5, 9), (7, 3), (6, 3)):
        y = draw(xp, (m,), complex_input=True)
        got = spectral_pool_adjoint(y, input_shape=(n,), size=m, norm="ortho")
        rel_bound = 2 * c_of(n, m) * EPS  # 2 c eps
        assert_close(got, spectral_pool(y, size=n, norm="ortho"), rtol=rel_bound, reason="2 c eps")
    # for even p the Nyquist weight appears: the adjoint of truncation 8 -> 4 is not the padding 4 -> 8
    y = draw(xp, (4,), complex_input=True)
    got = to_numpy(spectral_pool_adjoint(y, input_shape=(8,), size=4, norm="ortho"))
    assert np.abs(got - to_numpy(spectral_pool(y, size=8, norm="ortho"))).max() > 0.01


def test_pool2d(xp):
    x = draw(xp, (2, 6, 5), complex_input=True)
    expected = scipy.signal.resample(scipy.signal.resample(to_numpy(x), 4, axis=-2), 8, axis=-1)
    tol = 4 * c_of(6, 5, 4, 8) * EPS  # two poolings in sequence, each compared within 2 c eps
    assert_close(spectral_pool2d(x, size=(4, 8)), expected, rtol=tol, reason="4 c eps")
    swapped = spectral_pool2d(x, size=(8, 4), axes=(-1, -2))
    assert_close(swapped, expected, rtol=tol, reason="separable: the order does not matter")
    for kw in ({"size": (4, 8)}, {"size": (3, 3), "axes": (0, 2), "norm": "ortho"}):
        check_adjoint(spectral_pool2d, spectral_pool2d_adjoint, x, kwargs=kw, error_scale=c_of(6, 5, 4, 8),
                      complex_linear=True).raise_if_failed()
    small = draw(xp, (4, 3))
    check_dense_adjoint(spectral_pool2d, spectral_pool2d_adjoint, small, kwargs={"size": (2, 5)},
                        error_scale=c_of(4, 3, 2, 5)).raise_if_failed()


def test_no_mutation(xp):
    x = draw(xp, (3, 8))
    check_no_mutation(spectral_pool, x, size=5, axis=0).raise_if_failed()
    check_no_mutation(spectral_pool_adjoint, x, input_shape=(3, 4), size=8).raise_if_failed()
    check_no_mutation(spectral_pool2d, x, size=(2, 2)).raise_if_failed()


# ----------------------------------------------------------------------------------------------------------
# errors


def test_errors(xp):
    x = draw(xp, (3, 4))
    with pytest.raises(ValueError, match="size"):
        spectral_pool(x, size=0)
    with pytest.raises(TypeError, match="integer"):
        spectral_pool(x, size=2.5)
    with pytest.raises(ValueError, match="out of range"):
        spectral_pool(x, size=2, axis=2)
    with pytest.raises(ValueError, match="unknown norm 'values'; accepted: 'backward', 'ortho', 'forward'"):
        spectral_pool(x, size=2, norm="values")
    with pytest.raises(ValueError, match="input length"):
        spectral_pool(xp.zeros((3, 0)), size=2)
    with pytest.raises(TypeError, match="sequence of 2 output lengths"):  # a wrong type is a TypeError (_args)
        spectral_pool2d(x, size=3)
    with pytest.raises(ValueError, match="twice"):
        spectral_pool2d(x, size=(2, 2), axes=(0, -2))
    with pytest.raises(ValueError, match="pass the shape"):
        spectral_pool_adjoint(x, input_shape=(3, 4), size=5)
    with pytest.raises(TypeError, match="input_shape"):
        spectral_pool_adjoint(x, input_shape=None, size=4)
    for bad in (np.arange(4), np.ones(4, dtype=bool)):
        with pytest.raises(TypeError, match="accepted"):
            spectral_pool(bad, size=2)


@given(n=lengths(max_length=17), axis=st.sampled_from([0, 1, -1]))
def test_mean_pool_is_numpy_mean_and_its_adjoint_spreads_evenly(n, axis):
    shape = [3, 2, 4]
    shape[axis] = n
    x = np.random.default_rng(n).standard_normal(shape)
    y = mean_pool(x, axis=axis)
    np.testing.assert_allclose(y, x.mean(axis=axis), rtol=0, atol=4 * (math.log2(n) + 2) * EPS)  # pairwise sums
    dy = np.ones(y.shape)
    np.testing.assert_array_equal(mean_pool_adjoint(dy, input_shape=tuple(shape), axis=axis), np.full(shape, 1.0 / n))


def test_mean_pool_errors():
    with pytest.raises(ValueError, match="not a valid transform length"):
        mean_pool(np.ones((2, 0, 3)))
    with pytest.raises(ValueError, match="cotangent has shape"):
        mean_pool_adjoint(np.ones((2, 2)), input_shape=(2, 5, 3))
