"""Fourier transforms: equality with numpy.fft, exact adjoints, NumPy's non-Hermitian irfft semantics, errors.

Every tolerance is derived from the FFT error claim of specref.testing.tolerances.fft_error_scale:
an FFT of N points is computed with normwise relative error <= c eps, c = 2 (1 + log2 N).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from specref.backend import backend_name, finfo_eps, get_namespace, namespace, random_normal, to_numpy
from specref.testing.checks import (
    assert_close,
    check_adjoint,
    check_dense_adjoint,
    check_no_mutation,
)
from specref.testing.strategies import lengths
from specref.testing.tolerances import fft_error_scale
from specref.transforms import fourier as F

EPS = finfo_eps("float64")
NORMS = ("backward", "ortho", "forward")

# name -> (forward, adjoint, input kind): "complex" input, "real" input, or "half" (a complex half spectrum)
PAIRS = {
    "fft": (F.fft, F.fft_adjoint, "complex"),
    "ifft": (F.ifft, F.ifft_adjoint, "complex"),
    "rfft": (F.rfft, F.rfft_adjoint, "real"),
    "irfft": (F.irfft, F.irfft_adjoint, "half"),
    "fft2": (F.fft2, F.fft2_adjoint, "complex"),
    "ifft2": (F.ifft2, F.ifft2_adjoint, "complex"),
    "rfft2": (F.rfft2, F.rfft2_adjoint, "real"),
    "irfft2": (F.irfft2, F.irfft2_adjoint, "half"),
    "fftn": (F.fftn, F.fftn_adjoint, "complex"),
    "ifftn": (F.ifftn, F.ifftn_adjoint, "complex"),
    "rfftn": (F.rfftn, F.rfftn_adjoint, "real"),
    "irfftn": (F.irfftn, F.irfftn_adjoint, "half"),
}
COMPLEX_LINEAR = {"fft", "ifft", "fft2", "ifft2", "fftn", "ifftn"}


def draw(xp, shape, kind, dtype="float64", seed=0):
    """Random input: real, or complex with independent parts (for "half": NOT Hermitian, Im DC != 0)."""
    if kind != "real":
        dtype = {"float32": "complex64", "float64": "complex128"}[dtype]
    return random_normal(seed, shape, dtype=dtype, xp=xp)


def c_of(shape, kw) -> float:
    """fft_error_scale of the transform: N = product over transformed axes of max(input, transform length)."""
    if "axis" in kw or "n" in kw or len(shape) == 1 and "axes" not in kw and "s" not in kw:
        axes = (kw.get("axis", -1),)
        ns = (kw.get("n"),)
    else:
        axes = kw.get("axes") or tuple(range(len(shape)))
        ns = kw.get("s") or (None,) * len(axes)
    points = 1
    for a, n in zip(axes, ns, strict=True):
        points *= max(shape[a], n or 2 * shape[a])  # 2m covers irfft's default 2 (m - 1)
    return fft_error_scale(points)


def points_1d(name):
    """(m, n, axis, norm): odd and even n, n equal to, smaller and larger than the input length m."""
    base = [
        (7, None, -1, "backward"), (8, None, -1, "ortho"), (7, 5, -1, "forward"),
        (8, 11, -1, "backward"), (9, 6, 0, "ortho"), (6, 10, -1, "forward"),
    ]
    if name == "irfft":  # m bins: n // 2 + 1 bins are read (equal: n = 2m - 1 or 2m - 2)
        base = [
            (5, None, -1, "backward"), (4, 7, -1, "ortho"), (6, 5, -1, "forward"),
            (3, 10, -1, "backward"), (5, 9, 0, "ortho"), (6, 8, -1, "forward"),
        ]
    out = []
    for m, n, axis, norm in base:
        shape = (m,) if axis == -1 else (m, 2)
        kw = {"norm": norm, "axis": axis}
        if n is not None:
            kw["n"] = n
        out.append(pytest.param(name, shape, kw, id=f"{name}-m{m}-n{n}-axis{axis}-{norm}"))
    return out


def points_nd(name):
    two = name.endswith("2")
    irf = name.startswith("irfft")
    pts = [((4, 5), {"norm": "backward"}),
           ((3, 4), {"s": (5, 7) if irf else (5, 2), "norm": "ortho"}),
           ((2, 3, 4), {"axes": (0, 2), "s": (3, 6), "norm": "forward"}),
           ((5, 3), {"axes": (1, 0), "norm": "ortho"})]
    if not two:
        pts.append(((2, 3, 3), {"norm": "forward"}))
        pts.append(((3, 2, 4), {"axes": (2, 0, 1), "s": (5, 2, 3), "norm": "backward"}))
    out = []
    for shape, kw in pts:
        if two and "axes" not in kw and len(shape) != 2:
            continue
        kid = "-".join(f"{k}{v}" for k, v in kw.items()).replace(" ", "")
        out.append(pytest.param(name, shape, kw, id=f"{name}-{shape}-{kid}".replace(" ", "")))
    return out


NAMES_1D = ("fft", "ifft", "rfft", "irfft")
NAMES_ND = ("fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn")
ALL_POINTS = [p for name in NAMES_1D for p in points_1d(name)]
ALL_POINTS += [p for name in NAMES_ND for p in points_nd(name)]


# ----------------------------------------------------------------------------------------------------------
# forward: equal to numpy.fft


@pytest.mark.parametrize(("name", "shape", "kw"), ALL_POINTS)
def test_matches_numpy(xp, name, shape, kw):
    forward, _, kind = PAIRS[name]
    x = draw(xp, shape, kind)
    got = forward(x, **kw)
    kw_numpy = dict(kw)
    if "s" in kw and "axes" not in kw:  # NumPy's (deprecated) rule, which specref keeps: the last len(s) axes
        kw_numpy["axes"] = tuple(range(-len(kw["s"]), 0))
    expected = getattr(np.fft, name)(to_numpy(x), **kw_numpy)
    assert got.shape == expected.shape
    c = c_of(shape, kw)
    # specref and numpy are each within c eps of the exact DFT (c = 2 (1 + log2 N), ~1e-14 here)
    rel_bound = 2 * c * EPS  # 2 c eps, c = fft_error_scale(N)
    assert_close(got, expected, rtol=rel_bound, reason="2 c eps, c = fft_error_scale(N)")


@pytest.mark.parametrize(("name", "shape", "kw"), ALL_POINTS[::3])
def test_backends_agree(name, shape, kw):
    forward, adjoint, kind = PAIRS[name]
    strict = get_namespace("strict")
    x_np, x_st = draw(np, shape, kind), draw(strict, shape, kind)
    y_np, y_st = forward(x_np, **kw), forward(x_st, **kw)
    c = c_of(shape, kw)
    rel_bound = 2 * c * EPS  # both backends within c eps of the exact DFT
    assert_close(y_st, y_np, rtol=rel_bound, reason="both backends within c eps of the exact DFT")
    dy = random_normal(1, tuple(y_np.shape), dtype=str(y_np.dtype))
    dx_np = adjoint(dy, input_shape=shape, **kw)
    dx_st = adjoint(strict.asarray(dy), input_shape=shape, **kw)
    rel_bound = 2 * c * EPS  # both adjoints within c eps
    assert_close(dx_st, dx_np, rtol=rel_bound, reason="both adjoints within c eps")


def test_norm_none_is_backward():
    x = random_normal(0, (6,))
    assert np.array_equal(F.fft(x, norm=None), F.fft(x))
    assert np.array_equal(F.fft_adjoint(x, input_shape=(6,), norm=None), F.fft_adjoint(x, input_shape=(6,)))


def test_parseval_ortho(xp):
    x = draw(xp, (3, 10), "complex")
    y = F.fft(x, norm="ortho")
    ratio = np.linalg.norm(to_numpy(y)) / np.linalg.norm(to_numpy(x))
    # unitary transform: norm preserved up to the transform's error c eps plus two norms' rounding
    assert abs(ratio - 1.0) <= (fft_error_scale(10) + 2) * EPS


# ----------------------------------------------------------------------------------------------------------
# adjoints: dot-product test and dense matrices


@pytest.mark.parametrize(("name", "shape", "kw"), ALL_POINTS)
def test_adjoint_dot_and_dense(xp, name, shape, kw):
    forward, adjoint, kind = PAIRS[name]
    x = draw(xp, shape, kind)
    c = c_of(shape, kw)
    linear = name in COMPLEX_LINEAR
    result = check_adjoint(forward, adjoint, x, kwargs=kw, rng=1, error_scale=c, complex_linear=linear)
    result.raise_if_failed()
    check_dense_adjoint(forward, adjoint, x, kwargs=kw, error_scale=c).raise_if_failed()


REAL_LENGTHS = [(m, n) for m in (7, 8) for n in (m, m - 2, m - 3, m + 2, m + 3)]


@pytest.mark.parametrize(("m", "n"), REAL_LENGTHS, ids=[f"m{m}-n{n}" for m, n in REAL_LENGTHS])
@pytest.mark.parametrize("norm", NORMS)
def test_rfft_adjoint_lengths(xp, m, n, norm):
    """rfft_adjoint is exact for odd and even n, n equal to, smaller and larger than the input length."""
    x = draw(xp, (2, m), "real")
    kw = {"n": n, "norm": norm}
    c = fft_error_scale(max(m, n))
    check_adjoint(F.rfft, F.rfft_adjoint, x, kwargs=kw, error_scale=c).raise_if_failed()
    check_dense_adjoint(F.rfft, F.rfft_adjoint, x, kwargs=kw, error_scale=c).raise_if_failed()


@pytest.mark.parametrize(("m", "n"), REAL_LENGTHS, ids=[f"bins{m // 2 + 1}-n{n}" for m, n in REAL_LENGTHS])
@pytest.mark.parametrize("norm", NORMS)
def test_irfft_adjoint_lengths(xp, m, n, norm):
    """irfft_adjoint is exact for odd and even n, with the input bins equal to, more or fewer than n//2+1."""
    bins = m // 2 + 1
    x = draw(xp, (2, bins), "half")
    kw = {"n": n, "norm": norm}
    c = fft_error_scale(n)
    check_adjoint(F.irfft, F.irfft_adjoint, x, kwargs=kw, error_scale=c).raise_if_failed()
    check_dense_adjoint(F.irfft, F.irfft_adjoint, x, kwargs=kw, error_scale=c).raise_if_failed()


@given(m=lengths(24), n=lengths(24), norm=st.sampled_from(NORMS), real_first=st.booleans())
def test_real_adjoints_hypothesis(m, n, norm, real_first):
    """Dot tests of rfft and irfft for random input lengths m and transform lengths n (odd, even, primes)."""
    kw = {"n": n, "norm": norm}
    c = fft_error_scale(max(m, n))
    forward, adjoint, kind = PAIRS["rfft" if real_first else "irfft"]
    x = draw(np, (m,), kind, seed=m)
    check_adjoint(forward, adjoint, x, kwargs=kw, error_scale=c).raise_if_failed()


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n", [1, 2, 7, 8])
def test_fft_adjoint_is_ifft_with_dual_norm(norm, n):
    y = draw(np, (3, n), "complex")
    c = fft_error_scale(n)
    tol = 2 * c * EPS  # two FFT evaluations, each within c eps
    got = F.fft_adjoint(y, input_shape=(3, n), norm=norm)
    assert_close(got, np.fft.ifft(y, norm=F.dual_norm(norm)), rtol=tol, reason="2 c eps")
    got = F.ifft_adjoint(y, input_shape=(3, n), norm=norm)
    assert_close(got, np.fft.fft(y, norm=F.dual_norm(norm)), rtol=tol, reason="2 c eps")
    if norm == "backward":  # the adjoint of the unnormalized DFT is n times numpy's ifft
        assert_close(F.fft_adjoint(y, input_shape=(3, n)), n * np.fft.ifft(y), rtol=tol, reason="2 c eps")


# ----------------------------------------------------------------------------------------------------------
# wrong adjoints are caught


def _rfft_adjoint_unweighted(y, *, input_shape, n=None, axis=-1, norm="backward"):
    """WRONG: treats the half spectrum like a full one: irfft with the dual norm, no 1/w weighting."""
    return np.fft.irfft(to_numpy(y), n=input_shape[-1], norm=F.dual_norm(norm))


def _irfft_adjoint_unweighted(y, *, input_shape, n=None, axis=-1, norm="backward"):
    """WRONG: rfft with the dual norm, no Hermitian weights."""
    return np.fft.rfft(to_numpy(y), norm=F.dual_norm(norm))


def _irfft_adjoint_odd_weights(y, *, input_shape, n=None, axis=-1, norm="backward"):
    """WRONG for even n: weights 2 on every bin but DC (forgets that Nyquist appears once)."""
    g = np.fft.rfft(to_numpy(y), norm=F.dual_norm(norm))
    g[..., 1:] *= 2.0
    return g


def _fft_adjoint_same_norm(y, *, input_shape, n=None, axis=-1, norm="backward"):
    """WRONG: the inverse with the same norm instead of the dual one (off by n under "backward")."""
    return np.fft.ifft(to_numpy(y), norm=norm)


@pytest.mark.parametrize("n", [7, 8])
@pytest.mark.parametrize(
    ("forward", "wrong", "kind"),
    [
        pytest.param(F.rfft, _rfft_adjoint_unweighted, "real", id="rfft-unweighted"),
        pytest.param(F.irfft, _irfft_adjoint_unweighted, "half", id="irfft-unweighted"),
        pytest.param(F.fft, _fft_adjoint_same_norm, "complex", id="fft-same-norm"),
    ],
)
def test_wrong_adjoints_fail(forward, wrong, kind, n):
    shape = (n // 2 + 1,) if kind == "half" else (n,)
    x = draw(np, shape, kind)
    kw = {"n": n}
    assert check_adjoint(forward, wrong, x, kwargs=kw, error_scale=fft_error_scale(n)).passed is False
    dense = check_dense_adjoint(forward, wrong, x, kwargs=kw, error_scale=fft_error_scale(n))
    assert dense.passed is False
    assert "worst entry" in dense.detail  # the dense check names the wrong entry


def test_nyquist_weight_matters_only_for_even_n():
    for n, should_pass in [(7, True), (8, False)]:
        x = draw(np, (n // 2 + 1,), "half")
        c = fft_error_scale(n)
        result = check_adjoint(F.irfft, _irfft_adjoint_odd_weights, x, kwargs={"n": n}, error_scale=c)
        assert result.passed is should_pass, (n, result.message())


# ----------------------------------------------------------------------------------------------------------
# input that is not Hermitian: NumPy's semantics


@pytest.mark.parametrize("n", [7, 8])
def test_irfft_ignores_imag_of_dc_and_nyquist(xp, n):
    x = draw(xp, (n,), "real")
    spectrum = to_numpy(F.rfft(x))
    bumped = spectrum.copy()
    bumped[0] += 0.75j  # imaginary DC
    bumped[-1] += 0.5j  # imaginary Nyquist for even n; an ordinary bin for odd n
    got = F.irfft(xp.asarray(bumped), n=n)
    c = fft_error_scale(n)
    rel_bound = 2 * c * EPS  # 2 c eps vs numpy
    assert_close(got, np.fft.irfft(bumped, n=n), rtol=rel_bound, reason="2 c eps vs numpy")
    plain = to_numpy(F.irfft(xp.asarray(spectrum), n=n))
    if n % 2 == 0:  # both imaginary parts are ignored: the very same input reaches the engine
        assert np.array_equal(to_numpy(got), plain)
    else:  # the last bin of an odd length is an ordinary bin: its imaginary part counts
        assert not np.allclose(to_numpy(got), plain, rtol=0.0, atol=1e-3)  # the bump changes x by O(1)


@pytest.mark.parametrize("n", [7, 8])
def test_irfft_gradient_of_ignored_parts_is_exactly_zero(xp, n):
    dy = draw(xp, (3, n), "real")
    g = to_numpy(F.irfft_adjoint(dy, input_shape=(3, n // 2 + 1), n=n, norm="ortho"))
    assert np.all(g[:, 0].imag == 0.0)
    if n % 2 == 0:
        assert np.all(g[:, -1].imag == 0.0)
    else:
        assert np.all(g[:, -1].imag != 0.0)


def test_irfftn_non_hermitian_matches_numpy_and_definition(xp):
    """irfftn = complex ifft over the outer axes, then a 1-D irfft on the last axis (NumPy's definition)."""
    s = (4, 8)
    x = draw(xp, s, "real")
    spectrum = to_numpy(F.rfftn(x))  # (4, 5), Hermitian
    bumped = spectrum.copy()
    bumped[0, 0] += 0.75j  # imaginary DC
    bumped[0, 4] += 0.5j  # imaginary Nyquist of the last axis
    bumped[1, 0] += 0.25 + 0.6j  # an outer-axis bin of the DC column: breaks the outer Hermitian symmetry
    got = F.irfftn(xp.asarray(bumped), s=s, axes=(0, 1))
    definition = np.fft.irfft(np.fft.ifft(bumped, axis=0), n=8, axis=1)
    c = fft_error_scale(32)
    rel_bound = 2 * c * EPS  # 2 c eps vs numpy
    assert_close(got, np.fft.irfftn(bumped, s=s, axes=(0, 1)), rtol=rel_bound, reason="2 c eps vs numpy")
    rel_bound = 2 * c * EPS  # 2 c eps vs the definition
    assert_close(got, definition, rtol=rel_bound, reason="2 c eps vs the definition")
    # the outer-axis bump is NOT ignored (a C2R that symmetrised every axis would see a different input)
    symmetric = to_numpy(F.irfftn(xp.asarray(spectrum), s=s, axes=(0, 1)))
    assert not np.allclose(to_numpy(got), symmetric, rtol=0.0, atol=1e-3)  # the bump moves x by O(0.1)


def test_irfftn_non_hermitian_adjoint(xp):
    s = (4, 6)
    x = draw(xp, (4, 4), "half")
    kw = {"s": s, "axes": (0, 1), "norm": "ortho"}
    c = fft_error_scale(24)
    check_adjoint(F.irfftn, F.irfftn_adjoint, x, kwargs=kw, error_scale=c).raise_if_failed()
    check_dense_adjoint(F.irfftn, F.irfftn_adjoint, x, kwargs=kw, error_scale=c).raise_if_failed()
    g = to_numpy(F.irfftn_adjoint(draw(xp, s, "real"), input_shape=(4, 4), **kw))
    # self-conjugate bins (outer 0 or 2, last-axis DC or Nyquist) get exactly zero imaginary gradient
    for k1 in (0, 2):
        for k2 in (0, 3):
            assert g[k1, k2].imag == 0.0, (k1, k2)
    # the DC column's gradient is Hermitian along the outer axis: irfftn sees only that part of the input
    mirror = np.conj(g[(-np.arange(4)) % 4, 0])
    rel_bound = 2 * c * EPS  # one FFT each side: 2 c eps
    assert_close(g[:, 0], mirror, rtol=rel_bound, reason="one FFT each side: 2 c eps")


# ----------------------------------------------------------------------------------------------------------
# round trips


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n", [1, 2, 7, 8])
def test_round_trips_1d(xp, norm, n):
    c = fft_error_scale(n)
    z = draw(xp, (2, n), "complex")
    # two transforms, each within c eps, the inverse is well conditioned (unitary up to a scale)
    rel_bound = 2 * c * EPS  # 2 c eps
    assert_close(F.ifft(F.fft(z, norm=norm), norm=norm), z, rtol=rel_bound, reason="2 c eps")
    x = draw(xp, (2, n), "real")
    rel_bound = 2 * c * EPS  # 2 c eps
    assert_close(F.irfft(F.rfft(x, norm=norm), n=n, norm=norm), x, rtol=rel_bound, reason="2 c eps")


def test_irfft_default_length_drops_odd_sample():
    x = draw(np, (7,), "real")
    assert F.irfft(F.rfft(x)).shape == (6,)  # default n = 2 (m - 1) = 6: odd lengths need n
    rel_bound = 2 * fft_error_scale(7) * EPS  # 2 c eps
    assert_close(F.irfft(F.rfft(x), n=7), x, rtol=rel_bound, reason="2 c eps")


@pytest.mark.parametrize("norm", NORMS)
def test_round_trips_nd(xp, norm):
    shape = (3, 4, 5)
    c = fft_error_scale(60)
    z = draw(xp, shape, "complex")
    rel_bound = 2 * c * EPS  # 2 c eps
    assert_close(F.ifftn(F.fftn(z, norm=norm), norm=norm), z, rtol=rel_bound, reason="2 c eps")
    x = draw(xp, shape, "real")
    rel_bound = 2 * c * EPS  # 2 c eps
    assert_close(F.irfftn(F.rfftn(x, norm=norm), s=shape, norm=norm), x, rtol=rel_bound, reason="2 c eps")
    rel_bound = 2 * c * EPS  # 2 c eps
    assert_close(F.irfft2(F.rfft2(x, norm=norm), s=(4, 5), norm=norm), x, rtol=rel_bound, reason="2 c eps")


# ----------------------------------------------------------------------------------------------------------
# no mutation, dtypes, NaN and Inf


@pytest.mark.parametrize("name", list(PAIRS))
def test_no_mutation(xp, name):
    """Every norm (the scale and weights are written in place into new arrays only) and a non-last axis."""
    forward, adjoint, kind = PAIRS[name]
    shape = (4, 5) if kind == "half" else (4, 6)
    x = draw(xp, shape, kind)
    axis = {"axis": 0} if name in NAMES_1D else {"axes": (1, 0)} if name in {"fftn", "ifftn", "rfftn", "irfftn"} else {}
    for kw in ({}, *({"norm": norm, **axis} for norm in NORMS)):
        check_no_mutation(forward, x, **kw).raise_if_failed()
        y = forward(x, **kw)
        dy = random_normal(2, tuple(y.shape), dtype=str(to_numpy(y).dtype), xp=xp)
        check_no_mutation(adjoint, dy, input_shape=shape, **kw).raise_if_failed()


@pytest.mark.parametrize("precision", ["float32", "float64"])
@pytest.mark.parametrize("name", list(PAIRS))
def test_output_dtype_follows_input_precision(xp, name, precision):
    forward, adjoint, kind = PAIRS[name]
    shape = (3, 5)
    x = draw(xp, shape, kind, dtype=precision)
    y = forward(x)
    single = precision == "float32"
    out_real = name.startswith("irfft")
    expected = {(True, True): xp.float32, (True, False): xp.complex64,
                (False, True): xp.float64, (False, False): xp.complex128}[(single, out_real)]
    assert y.dtype == expected
    in_expected = {(True, True): xp.float32, (True, False): xp.complex64,
                   (False, True): xp.float64, (False, False): xp.complex128}[(single, kind == "real")]
    assert adjoint(y, input_shape=shape).dtype == in_expected
    if kind == "complex":  # real input to a complex transform is cast to the complex dtype of its precision
        assert forward(draw(xp, shape, "real", dtype=precision)).dtype == expected


# Norms that put no factor on any step of these transforms: the same engine arithmetic as NumPy, bit for bit.
UNSCALED = {("fft", "backward"), ("rfft", "backward"), ("fft2", "backward"), ("rfftn", "backward"),
            ("irfft", "forward")}


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf, 0 * inf
@pytest.mark.parametrize("value", [math.nan, math.inf])
@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "fft2", "rfftn", "irfftn"])
@pytest.mark.parametrize("norm", NORMS)
def test_nan_and_inf_propagate_like_numpy(xp, name, value, norm):
    """NaN/Inf are not errors; every entry NumPy makes non-finite is non-finite here too.

    Where a norm factor scales a complex intermediate, IEEE complex times real multiplication can turn the
    partner component of an infinite or NaN one into NaN ((inf + 0j) * 0.5 = inf + nan j, as NumPy's own
    ``array * 0.5``), so specref may mark a few more entries non-finite than NumPy's fused scaling does.
    """
    forward, adjoint, kind = PAIRS[name]
    host = to_numpy(draw(np, (4, 6), kind))
    host[1, 2] = value
    got = to_numpy(forward(xp.asarray(host), norm=norm))
    expected = getattr(np.fft, name)(host, norm=norm)
    assert not np.any(np.isfinite(got) & ~np.isfinite(expected))  # never lost: NumPy's non-finite stay
    assert np.any(~np.isfinite(got))
    if (name, norm) in UNSCALED:  # no scale step runs: the very same non-finite pattern and values
        assert np.array_equal(got, expected, equal_nan=True)
    finite = np.isfinite(got)
    c = fft_error_scale(24)
    rel_bound = 2 * c * EPS  # finite entries: 2 c eps
    assert_close(got[finite], expected[finite], rtol=rel_bound, reason="finite entries: 2 c eps")
    dy = np.zeros(got.shape, dtype=got.dtype)
    dy[0, 1] = value
    assert not np.all(np.isfinite(to_numpy(adjoint(xp.asarray(dy), input_shape=host.shape, norm=norm))))


# ----------------------------------------------------------------------------------------------------------
# bad inputs: each raises with a message saying what was wrong and what is accepted


def test_rank_too_low(xp):
    with pytest.raises(ValueError, match="0-dimensional"):
        F.fft(xp.asarray(1.0, dtype=xp.float64))
    with pytest.raises(ValueError, match="out of range for an array of ndim 1"):
        F.fft2(draw(xp, (4,), "real"))


def test_axis_out_of_range(xp):
    x = draw(xp, (3, 4), "real")
    message = r"axis 2 is out of range for an array of ndim 2; accepted: -2 \.\.\. 1"
    with pytest.raises(ValueError, match=message):
        F.rfft(x, axis=2)
    with pytest.raises(ValueError, match="out of range"):
        F.fftn(x, axes=(0, -3))
    with pytest.raises(TypeError, match="must be an integer"):
        F.fft(x, axis=1.0)


def test_empty_and_non_integer_axes(xp):
    # a repeated axis and an int are accepted (numpy.fft's and scipy.fft's rules; tests/transforms/test_dropin.py)
    x = draw(xp, (3, 4), "real")
    with pytest.raises(ValueError, match="axes is empty"):
        F.fftn(x, axes=())
    with pytest.raises(TypeError, match="sequence of integers"):
        F.fftn(x, axes=1.0)
    with pytest.raises(TypeError, match="axes must be an integer, got the bool True"):
        F.fftn(x, axes=True)


def test_length_below_one(xp):
    x = draw(xp, (4,), "real")
    with pytest.raises(ValueError, match=r"n = 0 is not a valid transform length; accepted: an integer >= 1"):
        F.fft(x, n=0)
    with pytest.raises(ValueError, match="n = -3"):
        F.irfft(x, n=-3)
    with pytest.raises(ValueError, match="s entry = 0"):
        F.rfftn(draw(xp, (3, 4), "real"), s=(0, 4), axes=(0, 1))
    with pytest.raises(ValueError, match=r"default length n = 2 \(m - 1\) = 0.*pass n"):
        F.irfft(draw(xp, (3, 1), "half"))
    with pytest.raises(TypeError, match="must be an integer"):
        F.fft(x, n=4.0)


def test_s_and_axes_lengths_differ(xp):
    x = draw(xp, (3, 4, 5), "real")
    # one length per transformed axis: the message of specref._args.check_sizes
    with pytest.raises(ValueError, match=r"s must hold 3 output lengths, one per axis; got \(3, 4\)"):
        F.fftn(x, s=(3, 4), axes=(0, 1, 2))
    with pytest.raises(ValueError, match="s must hold 2 output lengths"):
        F.irfft2_adjoint(draw(xp, (3, 4), "real"), input_shape=(3, 3), s=(3, 4, 5))
    with pytest.raises(TypeError, match="s must be a sequence"):
        F.fftn(x, s=3.0)  # an int is one length (scipy.fft's rule), a float is refused


def test_unknown_norm(xp):
    with pytest.raises(ValueError, match=r"unknown norm 'unitary'; accepted: 'backward', 'ortho', 'forward'"):
        F.fft(draw(xp, (4,), "real"), norm="unitary")
    with pytest.raises(ValueError, match="unknown norm"):
        F.irfftn_adjoint(draw(xp, (4,), "real"), input_shape=(3,), norm="BACKWARD")


def test_adjoint_input_shape_missing_or_inconsistent(xp):
    y = draw(xp, (8,), "complex")
    with pytest.raises(TypeError, match="input_shape"):
        F.fft_adjoint(y)
    with pytest.raises(TypeError, match="input_shape must be the forward input's shape"):
        F.fft_adjoint(y, input_shape=None)
    with pytest.raises(ValueError, match=r"shape \(8,\).*maps input_shape \(7,\) to shape \(7,\)"):
        F.fft_adjoint(y, input_shape=(7,))
    # rfft of 7 points has 4 bins, not 5
    with pytest.raises(ValueError, match=r"to shape \(4,\)"):
        F.rfft_adjoint(draw(xp, (5,), "half"), input_shape=(7,))
    # n//2+1 bins cannot tell 8 from 9: both shapes are consistent, and they give different adjoints
    h = draw(xp, (5,), "half")
    assert F.rfft_adjoint(h, input_shape=(8,)).shape == (8,)
    assert F.rfft_adjoint(h, input_shape=(9,)).shape == (9,)
    with pytest.raises(ValueError, match="cotangent has shape"):
        F.fft2_adjoint(draw(xp, (3, 4), "complex"), input_shape=(3, 4, 1))
    with pytest.raises(ValueError, match="negative"):
        F.ifft_adjoint(y, input_shape=(-8,))


def test_adjoint_cotangent_dtype(xp):
    with pytest.raises(TypeError, match="irfft's output is real"):
        F.irfft_adjoint(draw(xp, (6,), "complex"), input_shape=(4,), n=6)
    # a real cotangent of a complex output is a complex one with zero imaginary part
    y = draw(xp, (6,), "real")
    cast = F.fft_adjoint(xp.astype(y, xp.complex128), input_shape=(6,))
    assert_close(F.fft_adjoint(y, input_shape=(6,)), cast, rtol=0.0, reason="the same input after the cast")  # exact


def test_empty_arrays(xp):
    with pytest.raises(ValueError, match="not a valid transform length"):
        F.fft(xp.zeros((0,), dtype=xp.float64))
    with pytest.raises(ValueError, match="not a valid transform length"):
        F.rfftn(xp.zeros((3, 0), dtype=xp.float64))
    # with n given, a zero-length axis is zero-padded, as NumPy does
    y = F.fft(xp.zeros((0,), dtype=xp.float64), n=4)
    assert np.array_equal(to_numpy(y), np.fft.fft(np.zeros(0), n=4))
    # an empty batch gives an empty result of the right shape and dtype
    y = F.rfft(xp.zeros((0, 6), dtype=xp.float32))
    assert y.shape == (0, 4) and y.dtype == xp.complex64
    assert F.rfft_adjoint(y, input_shape=(0, 6)).shape == (0, 6)


def test_bad_dtypes(xp):
    # integer and bool input is promoted as numpy.fft promotes it (tests/transforms/test_dropin.py); float16
    # and long double, which numpy.fft accepts, are refused on purpose, and strings and objects as NumPy does
    half = np.ones((2, 4), dtype=np.float16)
    for fn in (F.fft, F.rfft, F.irfft, F.fftn, F.rfft2):
        with pytest.raises(TypeError, match=r"x has dtype float16; accepted: bool or integer \(promoted to float64, "
                           r"as numpy.fft does\), float32, float64, complex64 or complex128. float16 and long "
                           "double, which numpy.fft accepts, are refused on purpose"):
            fn(half)
    with pytest.raises(TypeError, match="irfft2: x has dtype float128"):
        F.irfft2(np.ones((2, 4), dtype=np.longdouble))
    with pytest.raises(TypeError, match=r"fft: x has dtype str32; accepted: bool or integer"):
        F.fft(["a", "b"])
    with pytest.raises(TypeError, match="fftn: x has dtype object"):
        F.fftn(np.array([1.0, None]))
    with pytest.raises(TypeError, match="rfft takes real input.*use fft for complex input"):
        F.rfft(draw(xp, (4,), "complex"))
    with pytest.raises(TypeError, match="rfftn takes real input"):
        F.rfftn(draw(xp, (4, 4), "complex"))


@pytest.mark.parametrize("name", list(PAIRS))
def test_result_stays_on_the_backend(xp, name):
    forward, adjoint, kind = PAIRS[name]
    y = forward(draw(xp, (2, 3), kind))
    assert backend_name(namespace(y)) == backend_name(xp)
    assert backend_name(namespace(adjoint(y, input_shape=(2, 3)))) == backend_name(xp)
