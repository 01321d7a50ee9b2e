"""MDCT / IMDCT: windows, the dense definition, TDAC perfect reconstruction, the tight frame, exact adjoints,
dtypes, errors.

Tolerances derive from the error scale of specref.transforms.mdct: one FFT of length M = 2N per frame
between steps of gain <= 2, c = 2 (fft_error_scale(2N) + 4) + 2 (``_mdct_scale``); two results that each
carry c eps differ by at most 2 c eps (``tolerances.reference_bound``).
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import scipy.fft
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

from specref.backend import finfo_eps, get_namespace, random_normal, to_numpy
from specref.testing.checks import assert_close, check_adjoint, check_no_mutation
from specref.testing.strategies import lengths
from specref.transforms.cosine import _dct_error_scale
from specref.transforms.mdct import _mdct_scale

# the module (the package attribute specref.transforms.mdct is the function mdct)
C = importlib.import_module("specref.transforms.mdct")

EPS = finfo_eps("float64")


def draw(xp, shape, dtype="float64", seed=0):
    return random_normal(seed, shape, dtype=dtype, xp=xp)


def mdct_c(n: int) -> float:
    return _mdct_scale({"frame_length": 2 * n})


# ----------------------------------------------------------------------------------------------------------
# MDCT


def test_named_windows_satisfy_princen_bradley():
    for n in (1, 2, 3, 8, 33):
        for window in ("sine", "vorbis", "kbd", ("kbd", 6.0)):
            w = C._window_host(window, 2 * n)
            np.testing.assert_allclose(w[:n] ** 2 + w[n:] ** 2, 1.0, rtol=0, atol=4 * EPS)  # a few roundings
            np.testing.assert_allclose(w, w[::-1], rtol=0, atol=4 * EPS)  # symmetric up to the sin's rounding


def test_kbd_window_matches_scipy():
    for n in (2, 5, 16):
        for alpha in (4.0, 6.0, 0.5):
            expected = scipy.signal.windows.kaiser_bessel_derived(2 * n, np.pi * alpha)
            window = "kbd" if alpha == 4.0 else ("kbd", alpha)
            # a cumulative sum of n + 1 terms and a sqrt: (n + 2) eps relative
            np.testing.assert_allclose(C._window_host(window, 2 * n), expected, rtol=(n + 2) * EPS)


@pytest.mark.parametrize("window", ["sine", "kbd", "vorbis"])
def test_mdct_matches_dense_definition(xp, window):
    for n in (1, 2, 3, 4, 7, 16):
        for frames in (1, 3):
            x = draw(xp, (2, frames * n), seed=n)
            y = C.mdct(x, frame_length=2 * n, window=window)
            assert tuple(y.shape) == (2, frames + 1, n)
            expected = C._mdct_reference(to_numpy(x), frame_length=2 * n, window=window)
            c = mdct_c(n) + 2 * n  # specref's claim + the dense sum's 2n-term error
            rel_bound = 2 * c * EPS  # 2 c eps
            assert_close(y, expected, rtol=rel_bound, reason="2 c eps")


def test_mdct_is_textbook_dct4_of_folded_frame():
    """For even N, X = DCT-IV(-c_R - d, a - b_R) / 2 with frame (a, b, c, d) of N/2 each (scipy's DCT-IV has 2)."""
    n = 8
    x = draw(np, (n,), seed=3)
    w = C._window_host("sine", 2 * n)
    y = C.mdct(x, frame_length=2 * n)  # frames: (0, x), (x, 0)
    for f, frame in enumerate((np.concatenate([np.zeros(n), x]), np.concatenate([x, np.zeros(n)]))):
        a, b, c, d = np.split(frame * w, 4)
        folded = np.concatenate([-c[::-1] - d, a - b[::-1]])
        rel_bound = 2 * _dct_error_scale(2 * n) * EPS  # 2 c eps
        assert_close(y[f], scipy.fft.dct(folded, type=4) / 2, rtol=rel_bound,
                     reason="2 c eps")


@pytest.mark.parametrize("window", ["sine", "kbd", "vorbis", ("kbd", 6.0)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_tdac_perfect_reconstruction(xp, window, dtype):
    """imdct(mdct(x)) == x for Princen-Bradley windows: the time-domain aliases of adjacent frames cancel."""
    for n in (1, 2, 3, 8, 15, 32):
        for frames in (1, 2, 5):
            x = draw(xp, (3, frames * n), dtype=dtype, seed=n)
            back = C.imdct(C.mdct(x, frame_length=2 * n, window=window), frame_length=2 * n, window=window)
            # two kernel applications and an overlap-add of two terms, each within c eps
            tol = 3 * mdct_c(n) * finfo_eps(dtype)
            assert_close(back, x, rtol=tol, reason="3 c eps", err_msg=f"n={n} frames={frames}")


def test_tdac_needs_princen_bradley():
    n = 8
    x = draw(np, (4 * n,))
    hann = np.sin(np.pi * (np.arange(2 * n) + 0.5) / (2 * n)) ** 2  # w^2 + w'^2 != 1
    back = C.imdct(C.mdct(x, frame_length=2 * n, window=hann), frame_length=2 * n, window=hann)
    assert np.abs(back - x).max() > 0.1


def test_single_frame_has_aliasing():
    """One frame alone does not invert: imdct of one frame's coefficients is the windowed frame plus aliases."""
    n = 4
    x = draw(np, (n,))
    y = C.mdct(x, frame_length=2 * n)
    only_first = np.concatenate([y[:1], np.zeros_like(y[1:])])
    assert np.abs(C.imdct(only_first, frame_length=2 * n) - x).max() > 0.1


def test_mdct_tight_frame():
    """mdct_adjoint = (N/2) imdct and imdct mdct = I give ||mdct x||^2 = (N/2) ||x||^2 (a tight frame)."""
    for n in (3, 8):
        x = draw(np, (2, 5 * n))
        y = C.mdct(x, frame_length=2 * n, window="kbd")
        rel_bound = 8 * _dct_error_scale(2 * n) * EPS  # an energy: squares double the 2 c eps of each side
        np.testing.assert_allclose(np.sum(y**2), n / 2 * np.sum(x**2), rtol=rel_bound)
        rel_bound = 4 * EPS  # one scaling
        assert_close(C.mdct_adjoint(y, input_shape=x.shape, frame_length=2 * n, window="kbd"),
                     n / 2 * C.imdct(y, frame_length=2 * n, window="kbd"), rtol=rel_bound, reason="one scaling")


def test_mdct_axis_and_batch(xp):
    x = draw(xp, (3, 12, 2))
    y = C.mdct(x, frame_length=6, axis=1, window="kbd")
    assert tuple(y.shape) == (3, 2, 5, 3)
    moved = np.moveaxis(to_numpy(x), 1, -1)
    rel_bound = 2 * (_dct_error_scale(6) + 6) * EPS  # 2 c eps
    assert_close(y, C._mdct_reference(moved, frame_length=6, window="kbd"),
                 rtol=rel_bound, reason="2 c eps")
    back = C.imdct(y, frame_length=6, window="kbd", axis=1)
    assert tuple(back.shape) == (3, 12, 2)
    rel_bound = 3 * _dct_error_scale(6) * EPS  # 3 c eps
    assert_close(back, x, rtol=rel_bound, reason="3 c eps")


def test_mdct_array_window(xp):
    w = xp.asarray(C._window_host(("kbd", 3.0), 8))
    x = draw(xp, (16,))
    y = C.mdct(x, frame_length=8, window=w)
    rel_bound = 4 * EPS  # same window
    assert_close(y, C.mdct(x, frame_length=8, window=("kbd", 3.0)), rtol=rel_bound, reason="same window")
    check_adjoint(C.mdct, C.mdct_adjoint, x, kwargs={"frame_length": 8, "window": w},
                  error_scale=_dct_error_scale(8)).raise_if_failed()


def test_mdct_complex_input_is_parts(xp):
    z = draw(xp, (12,), dtype="complex128")
    re, im = np.real(to_numpy(z)), np.imag(to_numpy(z))
    got = C.mdct(z, frame_length=6)
    expected = C._mdct_reference(re, frame_length=6) + 1j * C._mdct_reference(im, frame_length=6)
    rel_bound = 2 * (_dct_error_scale(6) + 6) * EPS  # 2 c eps
    assert_close(got, expected, rtol=rel_bound, reason="2 c eps")


@given(n=lengths(16), frames=st.integers(1, 4), window=st.sampled_from(["sine", "kbd", "vorbis"]),
       backend=st.sampled_from(["numpy", "strict"]))
def test_mdct_dot_test_hypothesis(n, frames, window, backend):
    xp = get_namespace(backend)
    x = draw(xp, (2, frames * n), seed=n)
    kw = {"frame_length": 2 * n, "window": window}
    c = mdct_c(n)
    check_adjoint(C.mdct, C.mdct_adjoint, x, kwargs=kw, error_scale=c).raise_if_failed()
    y = draw(xp, (frames + 1, n), seed=n + 1)
    check_adjoint(C.imdct, C.imdct_adjoint, y, kwargs=kw, error_scale=c).raise_if_failed()


# ----------------------------------------------------------------------------------------------------------
# dtypes, no mutation (moved from test_cosine.py's shared tests)


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_output_dtype_follows_input(xp, dtype):
    x = draw(xp, (2, 8), dtype=dtype)
    assert C.mdct(x, frame_length=4).dtype == x.dtype
    assert C.imdct(C.mdct(x, frame_length=4), frame_length=4).dtype == x.dtype


def test_no_mutation(xp):
    x = draw(xp, (3, 8))
    check_no_mutation(C.mdct, x, frame_length=4).raise_if_failed()


# ----------------------------------------------------------------------------------------------------------
# errors


def test_integer_and_bool_input():
    for x in (np.arange(4), np.ones(4, dtype=bool)):
        with pytest.raises(TypeError, match="accepted"):
            C.mdct(x, frame_length=4)


def test_adjoint_shape_checks(xp):
    with pytest.raises(ValueError, match="pass the shape"):
        C.mdct_adjoint(draw(xp, (2, 2)), input_shape=(4,), frame_length=4)  # 4 samples give 3 frames


def test_mdct_errors(xp):
    x = draw(xp, (12,))
    with pytest.raises(ValueError, match="even frame_length"):
        C.mdct(x, frame_length=7)
    for bad in (0, -2):  # _args.check_positive_int, then the evenness rule
        with pytest.raises(ValueError, match="frame_length must be a positive integer"):
            C.mdct(x, frame_length=bad)
    with pytest.raises(TypeError, match="frame_length must be an integer, got the bool"):
        C.mdct(x, frame_length=True)
    with pytest.raises(TypeError, match="integer"):
        C.mdct(x, frame_length=4.0)
    with pytest.raises(ValueError, match="multiple of the hop N"):
        C.mdct(x, frame_length=10)
    with pytest.raises(ValueError, match="multiple of the hop N"):
        C.mdct(xp.zeros((0,)), frame_length=4)
    with pytest.raises(ValueError, match="window must be"):
        C.mdct(x, frame_length=4, window="hann")
    with pytest.raises(ValueError, match="expected"):
        C.mdct(x, frame_length=4, window=xp.ones(6))
    with pytest.raises(TypeError, match="precision"):
        C.mdct(draw(xp, (12,), dtype="float32"), frame_length=4, window=xp.ones(4))
    with pytest.raises(ValueError, match="out of range"):
        C.mdct(x, frame_length=4, axis=1)
    y = C.mdct(x, frame_length=4)
    with pytest.raises(ValueError, match="coefficients"):
        C.imdct(y, frame_length=6)
    with pytest.raises(ValueError, match="at least 2 frames"):
        C.imdct(y[:1, :], frame_length=4)
    with pytest.raises(ValueError, match="frames, N"):
        C.imdct(x, frame_length=4)
