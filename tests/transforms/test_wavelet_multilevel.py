"""specref.transforms.wavelet_multilevel (wavedec, waverec) against pywt, its adjoints, reconstruction, bad input.

Tolerances: c eps per level (the family's error scale, see tests/transforms/test_wavelet_dwt.py), 2 c eps
between specref and pywt.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from specref.backend import to_numpy
from specref.testing.checks import assert_close, check_adjoint, check_dense_adjoint
from specref.testing.trees import tree_shape
from specref.transforms import wavelet_multilevel as M
from specref.transforms.wavelet_dwt import MODES
from tests.transforms.test_wavelet_dwt import EPS32, EPS64, ORTHOGONAL, PR_EXACT, WAVELETS, _adjoint_pair, _to, c_of

pywt = pytest.importorskip("pywt")


@pytest.fixture
def rng():
    return np.random.default_rng(5)


@pytest.fixture(autouse=True)
def _quiet_level_warnings():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Level value of", UserWarning)
        yield


# ----------------------------------------------------------------------------------------------------------
# equality with pywt


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wavelet", WAVELETS)
def test_wavedec_waverec_equal_pywt(xp, rng, wavelet, mode):
    f = pywt.Wavelet(wavelet).dec_len
    for n in (1, 2, 5, f - 1, f, 2 * f + 1, 2 * f + 2, 64):  # shorter than the filter, odd, even
        if n < 1 or (n == 1 and mode in ("reflect", "antireflect")):
            continue
        x = rng.standard_normal((2, n))
        for level in sorted({1, 2, pywt.dwt_max_level(n, f)}):
            try:
                expected = pywt.wavedec(x, wavelet, mode, level)
            except ValueError:  # a level's input of length 1 in [anti]reflect mode: specref raises too
                with pytest.raises(ValueError, match="greater than 1"):
                    M.wavedec(xp.asarray(x), wavelet, mode=mode, level=level)
                continue
            got = M.wavedec(xp.asarray(x), wavelet, mode=mode, level=level)
            assert tree_shape(got) == tree_shape(expected), (n, level)
            c = c_of(wavelet, mode, level)
            bound = 2 * c * EPS64  # specref and pywt each within c eps of the exact map
            assert_close(got, expected, rtol=bound, reason="specref and pywt each within c eps")
            rec = M.waverec(_to(xp, expected), wavelet, mode=mode)
            assert_close(rec, pywt.waverec(expected, wavelet, mode), rtol=bound,
                         reason="specref and pywt each within c eps")


@pytest.mark.parametrize("dtype", ["float32", "complex64", "complex128"])
def test_precision_follows_input_and_float32_is_close_to_pywt_in_float64(xp, rng, dtype):
    x = rng.standard_normal((3, 37))
    if dtype.startswith("complex"):
        x = x + 1j * rng.standard_normal(x.shape)
    x = x.astype(dtype)
    got = M.wavedec(xp.asarray(x), "db4", mode="symmetric")
    assert all(to_numpy(c).dtype == np.dtype(dtype) for c in got)
    wide = np.complex128 if dtype.startswith("complex") else np.float64
    expected = pywt.wavedec(x.astype(wide), "db4", "symmetric")
    eps = EPS32 if dtype in ("float32", "complex64") else EPS64
    c = c_of("db4", "symmetric", len(got) - 1)
    # float32 taps are the float64 taps rounded (relative eps/2 each): inside c eps, plus the float64 side
    assert_close(got, expected, rtol=c * eps + c * EPS64, reason="c eps in the working precision")
    rec = M.waverec(got, "db4", mode="symmetric", output_length=37)
    assert to_numpy(rec).dtype == np.dtype(dtype)


def test_shapes_equal_pywt():
    shapes = M.wavedec_shapes((3, 100), "db2", mode="symmetric", level=4)
    assert shapes == [c.shape for c in pywt.wavedec(np.zeros((3, 100)), "db2", "symmetric", 4)]
    shapes = M.wavedec_shapes((5, 9), "db2", mode="periodization", level=2, axis=0)
    assert shapes == [c.shape for c in pywt.wavedec(np.zeros((5, 9)), "db2", "periodization", 2, axis=0)]


def test_level_zero_is_the_identity(rng):
    x = rng.standard_normal(5)
    coeffs = M.wavedec(x, "db4", mode="symmetric", level=0)
    assert len(coeffs) == 1 and coeffs[0] is x  # as pywt: [x] itself
    assert M.waverec(coeffs, "db4") is x


# ----------------------------------------------------------------------------------------------------------
# reconstruction: pywt's N + 1 and the crop


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wavelet", PR_EXACT)
def test_perfect_reconstruction(xp, rng, wavelet, mode):
    for n in (9, 16, 33, 100):
        x = rng.standard_normal((2, n))
        coeffs = M.wavedec(xp.asarray(x), wavelet, mode=mode)
        y = M.waverec(coeffs, wavelet, mode=mode, output_length=n)
        c = c_of(wavelet, mode, len(coeffs) - 1)
        # forward and inverse each within c eps of exact maps whose composition is the identity (up to the
        # filters' own PR defect, a few eps for these wavelets)
        rel_bound = 2 * c * EPS64  # analysis and synthesis each c eps
        assert_close(y, x, rtol=rel_bound, reason="analysis and synthesis each c eps")


def test_waverec_of_odd_length_has_one_sample_more_and_output_length_crops(rng):
    x = rng.standard_normal(9)
    coeffs = M.wavedec(x, "db2", mode="symmetric")
    full = M.waverec(coeffs, "db2", mode="symmetric")
    assert full.shape == pywt.waverec(pywt.wavedec(x, "db2"), "db2").shape == (10,)
    cropped = M.waverec(coeffs, "db2", mode="symmetric", output_length=9)
    np.testing.assert_array_equal(cropped, full[:9], strict=True)  # a crop: the same numbers
    rel_bound = 2 * c_of("db2", "symmetric", len(coeffs) - 1) * EPS64  # PR, 2 c eps
    assert_close(cropped, x, rtol=rel_bound, reason="PR, 2 c eps")
    with pytest.raises(ValueError, match="output_length"):
        M.waverec(coeffs, "db2", output_length=11)
    with pytest.raises(TypeError, match="output_length must be an integer"):
        M.waverec(coeffs, "db2", output_length=9.0)


# ----------------------------------------------------------------------------------------------------------
# adjoints


@given(n=st.integers(1, 40), mode=st.sampled_from(MODES), wavelet=st.sampled_from(WAVELETS),
       level=st.integers(0, 4), seed=st.integers(0, 2**16))
def test_wavedec_and_waverec_adjoints_dot_test(n, mode, wavelet, level, seed):
    if n == 1 and mode in ("reflect", "antireflect"):
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, n))
    c = c_of(wavelet, mode, max(level, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            fwd, adj = _adjoint_pair(M, "wavedec", wavelet=wavelet, mode=mode, level=level)
            check_adjoint(fwd, adj, x, rng=rng, error_scale=c).raise_if_failed()
        except ValueError as exc:  # pywt raises too: an intermediate length 1 in [anti]reflect mode
            assert "greater than 1" in str(exc)
            return
        coeffs = M.wavedec(x, wavelet, mode=mode, level=level)
        fwd, adj = _adjoint_pair(M, "waverec", wavelet=wavelet, mode=mode)
        check_adjoint(fwd, adj, coeffs, rng=rng, error_scale=c).raise_if_failed()
        out = to_numpy(M.waverec(coeffs, wavelet, mode=mode)).shape[-1]
        fwd, adj = _adjoint_pair(M, "waverec", wavelet=wavelet, mode=mode, output_length=min(n, out))
        check_adjoint(fwd, adj, coeffs, rng=rng, error_scale=c).raise_if_failed()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wavelet", ("haar", "db2", "sym3", "bior2.2"))
def test_dense_adjoints_small(wavelet, mode):
    """NumPy only: the registered cases run the dense check on every backend for every mode."""
    xp = np
    for n in (4, 7):  # haar from 2 or 3 samples would reach length 1 at level 2 (reflect raises)
        x = xp.asarray(np.zeros(n))
        fwd, adj = _adjoint_pair(M, "wavedec", wavelet=wavelet, mode=mode, level=2)
        check_dense_adjoint(fwd, adj, x, error_scale=c_of(wavelet, mode, 2)).raise_if_failed()
        coeffs = M.wavedec(x, wavelet, mode=mode, level=2)
        fwd, adj = _adjoint_pair(M, "waverec", wavelet=wavelet, mode=mode)
        check_dense_adjoint(fwd, adj, coeffs, error_scale=c_of(wavelet, mode, 2)).raise_if_failed()


@pytest.mark.parametrize("wavelet", ORTHOGONAL + ("db8", "coif2"))
def test_orthogonal_periodization_wavedec_adjoint_is_waverec(xp, rng, wavelet):
    """Multilevel, with a power-of-two length: wavedec_adjoint == waverec."""
    c = c_of(wavelet, "periodization")
    x = rng.standard_normal(64)
    coeffs = _to(xp, pywt.wavedec(x, wavelet, "periodization", 3))
    rel_bound = 2 * 3 * c * EPS64  # 3 levels
    assert_close(M.wavedec_adjoint(coeffs, input_shape=(64,), wavelet=wavelet, mode="periodization", level=3),
                 M.waverec(coeffs, wavelet, mode="periodization"), rtol=rel_bound, reason="3 levels")


# ----------------------------------------------------------------------------------------------------------
# bad input


def test_negative_level():
    with pytest.raises(ValueError, match="too low"):
        M.wavedec(np.zeros(8), "db2", level=-1)


def test_level_must_be_an_integer_or_none():
    with pytest.raises(TypeError, match="level must be an integer"):
        M.wavedec(np.zeros(8), "db2", level=1.0)
    with pytest.raises(TypeError, match="level must be an integer"):
        M.wavedec(np.zeros(8), "db2", level=True)


def test_level_above_the_maximum_warns_as_pywt_and_computes_as_pywt(rng):
    x = rng.standard_normal(8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # undo the autouse filter: the warning must be raised here
        with pytest.warns(UserWarning, match="too high"):
            got = M.wavedec(x, "db2", level=5)
        with pytest.warns(UserWarning, match="too high"):
            expected = pywt.wavedec(x, "db2", level=5)
    rel_bound = 2 * c_of("db2", "symmetric", 5) * EPS64  # 2 c eps, 5 levels
    assert_close(got, expected, rtol=rel_bound, reason="2 c eps, 5 levels")


def test_integer_input_is_promoted_as_pywt_and_precisions_do_not_mix():
    """Changed by design in issue 11: integer input is promoted to float64, as pywt does (it was a TypeError);
    two precisions in one call stay refused, float16 is refused on purpose (docstrings say so)."""
    bound = 2 * c_of("db2", "symmetric", levels=2) * EPS64
    for got, want in ((M.wavedec(np.arange(8), "db2"), pywt.wavedec(np.arange(8), "db2")),
                      (M.waverec([np.arange(4), np.arange(4)], "db2"),
                       pywt.waverec([np.arange(4), np.arange(4)], "db2"))):
        assert_close(got, want, rtol=bound, reason="2 c eps per level")
    with pytest.raises(TypeError, match="precisions"):
        M.waverec([np.zeros(4, np.float32), np.zeros(4)], "db2")
    with pytest.raises(TypeError, match="float16 and long double, which pywt accepts, are refused"):
        M.wavedec(np.zeros(8, np.float16), "db2")


def test_pywt_documented_examples_and_positional_order():
    coeffs = M.wavedec([1, 2, 3, 4, 5, 6, 7, 8], "db1", level=2)  # pywt's wavedec/waverec example
    want = pywt.wavedec([1, 2, 3, 4, 5, 6, 7, 8], "db1", level=2)
    bound = 2 * c_of("db1", "symmetric", levels=2) * EPS64
    assert_close(coeffs, want, rtol=bound, reason="2 c eps per level")
    assert_close(coeffs[0], np.array([5.0, 13.0]), rtol=bound, reason="pywt's docstring")
    assert_close(M.waverec(coeffs, "db1"), np.arange(1.0, 9.0), rtol=2 * bound, reason="there and back")
    x = np.random.default_rng(0).standard_normal((7, 20))
    assert_close(M.wavedec(x, "db2", "zero", 2, 0), pywt.wavedec(x, "db2", "zero", 2, 0), rtol=bound,
                 reason="pywt's positional order (data, wavelet, mode, level, axis)")
    c = pywt.wavedec(x, "db2", "zero", 2, 0)
    assert_close(M.waverec(c, "db2", "zero", 0), pywt.waverec(c, "db2", "zero", 0), rtol=bound,
                 reason="pywt's positional order (coeffs, wavelet, mode, axis)")


@pytest.mark.parametrize("none", [(0,), (1,), (2,), (1, 3)])
def test_none_coefficients_in_waverec_equal_pywt(none):
    """pywt's rule: a None detail is zeros and leaves the approximation uncropped; a None cA_n is zeros."""
    x = np.random.default_rng(1).standard_normal((2, 15))
    coeffs = pywt.wavedec(x, "db2", level=3)
    for i in none:
        coeffs[i] = None
    bound = 2 * c_of("db2", "symmetric", levels=3) * EPS64
    assert_close(M.waverec(coeffs, "db2"), pywt.waverec(coeffs, "db2"), rtol=bound, reason="2 c eps per level")
    fwd, adj = _adjoint_pair(M, "waverec", wavelet="db2")
    check_adjoint(fwd, adj, coeffs, rng=2, error_scale=c_of("db2", "symmetric", levels=3)).raise_if_failed()
    got = adj(np.ones(fwd(coeffs).shape), input_shape=tree_shape(coeffs))
    assert [g is None for g in got] == [c is None for c in coeffs]


def test_waverec_with_no_array_in_the_first_two_slots_is_refused():
    with pytest.raises(ValueError, match="at least one of coeffs"):
        M.waverec([None, None], "db2")
    with pytest.raises(ValueError, match="coeffs\\[0\\] and coeffs\\[1\\] are both None"):
        M.waverec([None, None, np.zeros(6)], "db2")


def test_inconsistent_coefficient_lengths_to_waverec():
    with pytest.raises(ValueError, match="coefficient shape mismatch"):
        M.waverec([np.ones(3), np.ones(5)], "db2")
    with pytest.raises(ValueError, match="coefficient shape mismatch"):
        pywt.waverec([np.ones(3), np.ones(5)], "db2")
    with pytest.raises(ValueError, match="only the transformed axis may differ"):
        M.waverec([np.ones((2, 4)), np.ones((3, 4))], "db2")


def test_adjoints_check_their_cotangent_shapes(rng):
    x = rng.standard_normal(10)
    coeffs = M.wavedec(x, "db2", level=2)
    with pytest.raises(ValueError, match=r"wavedec_adjoint: coeffs\[0\]: the cotangent has shape"):
        M.wavedec_adjoint(coeffs, input_shape=(11,), wavelet="db2", level=2)
    with pytest.raises(ValueError, match="expected a list of 3"):
        M.wavedec_adjoint(coeffs[:2], input_shape=(10,), wavelet="db2", level=2)
    with pytest.raises(ValueError, match="waverec_adjoint: y: the cotangent has shape"):
        M.waverec_adjoint(np.zeros(9), input_shape=tree_shape(coeffs), wavelet="db2")
