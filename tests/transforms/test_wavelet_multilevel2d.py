"""specref.transforms.wavelet_multilevel2d (wavedec2, waverec2) against pywt, its adjoints, and bad input.

Tolerances: c eps per level and axis (the family's error scale, see tests/transforms/test_wavelet_dwt.py),
2 c eps between specref and pywt.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from specref.testing.checks import assert_close, check_dense_adjoint
from specref.testing.trees import tree_shape
from specref.transforms import wavelet_multilevel2d as M2
from specref.transforms.wavelet_dwt import MODES
from tests.transforms.test_wavelet_dwt import EPS64, _adjoint_pair, _to, c_of

pywt = pytest.importorskip("pywt")


@pytest.fixture
def rng():
    return np.random.default_rng(5)


@pytest.fixture(autouse=True)
def _quiet_level_warnings():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Level value of", UserWarning)
        yield


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wavelet", ("haar", "db4", "sym3", "bior2.2"))
def test_wavedec2_waverec2_equal_pywt(xp, rng, wavelet, mode):
    for shape, axes in (((9, 12), (-2, -1)), ((2, 16, 7), (-1, -2)), ((11, 3, 10), (0, 2))):
        x = rng.standard_normal(shape)
        f = pywt.Wavelet(wavelet).dec_len
        max_level = min(pywt.dwt_max_level(shape[a], f) for a in axes)
        for level in sorted({1, max_level}):
            expected = pywt.wavedec2(x, wavelet, mode, level, axes)
            got = M2.wavedec2(xp.asarray(x), wavelet, mode=mode, level=level, axes=axes)
            assert tree_shape(got) == tree_shape(expected)
            c = c_of(wavelet, mode, level, axes=2)
            bound = 2 * c * EPS64  # 2 c eps: both sides within c eps, two axes per level
            assert_close(got, expected, rtol=bound, reason="2 c eps, two axes per level")
            rec = M2.waverec2(_to(xp, expected), wavelet, mode=mode, axes=axes)
            rel_bound = 2 * c * EPS64  # 2 c eps, two axes per level
            assert_close(rec, pywt.waverec2(expected, wavelet, mode, axes), rtol=rel_bound,
                         reason="2 c eps, two axes per level")


def test_shapes_equal_pywt():
    shapes2 = M2.wavedec2_shapes((20, 33), "db2", mode="periodization", level=2)
    expected = pywt.wavedec2(np.zeros((20, 33)), "db2", "periodization", 2)
    assert shapes2 == [expected[0].shape] + [tuple(c.shape for c in d) for d in expected[1:]]
    assert M2.wavedec2_shapes((5, 6), "haar", level=0) == [(5, 6)]


def test_waverec2_of_odd_sizes_has_one_sample_more_and_output_shape_crops(rng):
    img = rng.standard_normal((7, 9))
    c2 = M2.wavedec2(img, "haar", mode="symmetric")
    assert M2.waverec2(c2, "haar").shape == (8, 10)
    assert M2.waverec2(c2, "haar", output_shape=(7, 9)).shape == (7, 9)
    with pytest.raises(ValueError, match="two lengths"):
        M2.waverec2(c2, "haar", output_shape=(7, 9, 1))
    with pytest.raises(ValueError, match="output_length"):
        M2.waverec2(c2, "haar", output_shape=(9, 9))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wavelet", ("haar", "db2", "sym3", "bior2.2"))
def test_dense_adjoints_small(wavelet, mode):
    """NumPy only: the registered cases run the dense check on every backend for every mode."""
    img = np.zeros((5, 4))
    fwd, adj = _adjoint_pair(M2, "wavedec2", wavelet=wavelet, mode=mode, level=2)
    check_dense_adjoint(fwd, adj, img, error_scale=c_of(wavelet, mode, 2, axes=2)).raise_if_failed()
    coeffs2 = M2.wavedec2(img, wavelet, mode=mode, level=1)
    fwd, adj = _adjoint_pair(M2, "waverec2", wavelet=wavelet, mode=mode, output_shape=(5, 4))
    check_dense_adjoint(fwd, adj, coeffs2, error_scale=c_of(wavelet, mode, 1, axes=2)).raise_if_failed()


def test_negative_level():
    with pytest.raises(ValueError, match="too low"):
        M2.wavedec2(np.zeros((8, 8)), "db2", level=-1)


def test_level_above_the_maximum_warns_as_pywt(rng):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # undo the autouse filter: the warning must be raised here
        with pytest.warns(UserWarning, match="too high"):
            M2.wavedec2(rng.standard_normal((8, 8)), "db2", level=3)


def test_inconsistent_coefficient_shapes_to_waverec2():
    with pytest.raises(ValueError, match="same length"):
        M2.waverec2([np.ones((4, 4)), (np.ones((4, 4)), np.ones((4, 5)), np.ones((4, 4)))], "haar")
    with pytest.raises(ValueError, match="coefficient shape mismatch at level 1"):
        M2.waverec2([np.ones((6, 4)), (np.ones((4, 4)),) * 3], "haar")
    with pytest.raises(ValueError, match="3-tuple"):
        M2.waverec2([np.ones((4, 4)), (np.ones((4, 4)),) * 2], "haar")


def test_adjoints_check_their_cotangent_shapes(rng):
    coeffs = M2.wavedec2(rng.standard_normal((8, 8)), "haar", level=2)
    with pytest.raises(ValueError, match=r"wavedec2_adjoint: coeffs\[0\]: the cotangent has shape"):
        M2.wavedec2_adjoint(coeffs, input_shape=(16, 16), wavelet="haar", level=2)
    with pytest.raises(ValueError, match="waverec2_adjoint: y: the cotangent has shape"):
        M2.waverec2_adjoint(np.zeros((7, 8)), input_shape=tree_shape(coeffs), wavelet="haar")


# ----------------------------------------------------------------------------------------------------------
# drop-in for pywt (issue 11)


def test_pywt_documented_examples_with_lists_and_positional_order():
    ones = [[1, 1, 1, 1]] * 4  # pywt's wavedec2/waverec2 example (np.ones((4, 4))), as a list of ints
    coeffs = M2.wavedec2(ones, "db1")
    bound = 2 * c_of("db1", "symmetric", levels=2, axes=2) * EPS64
    assert_close(coeffs, pywt.wavedec2(ones, "db1"), rtol=bound, reason="2 c eps per level and axis")
    round_trip = 2 * bound  # analysis then synthesis: each stage within c eps per level and axis, so twice the bound
    assert_close(M2.waverec2(coeffs, "db1"), np.ones((4, 4)), rtol=round_trip,
                 reason="there and back: wavedec2 then waverec2, each within 2 c eps (c_of, 2 levels, 2 axes)")
    x = np.random.default_rng(0).standard_normal((9, 3, 12))
    want = pywt.wavedec2(x, "db2", "zero", 2, (2, 0))
    assert_close(M2.wavedec2(x, "db2", "zero", 2, (2, 0)), want, rtol=bound,
                 reason="pywt's positional order (data, wavelet, mode, level, axes)")
    assert_close(M2.waverec2(want, "db2", "zero", (2, 0)), pywt.waverec2(want, "db2", "zero", (2, 0)), rtol=bound,
                 reason="pywt's positional order (coeffs, wavelet, mode, axes)")


@pytest.mark.parametrize("wavelet, mode", [(("haar", "db2"), ("zero", "smooth")), (["db2", "sym3"], "periodization"),
                                           ("db4", ["reflect", "symmetric"])])
def test_per_axis_wavelets_and_modes_equal_pywt(wavelet, mode):
    x = np.random.default_rng(1).standard_normal((2, 17, 24))
    want = pywt.wavedec2(x, wavelet, mode)
    level = len(want) - 1
    c = max(c_of(w, m, levels=level, axes=2) for w in np.atleast_1d(wavelet) for m in np.atleast_1d(mode))
    assert len(M2.wavedec2_shapes(x.shape, wavelet, mode=mode)) == level + 1
    bound = 2 * c * EPS64  # specref and pywt each within c eps; c: the worst axis' wavelet and mode over the levels
    assert_close(M2.wavedec2(x, wavelet, mode), want, rtol=bound, reason="2 c eps: each side within c eps (c_of)")
    assert_close(M2.waverec2(want, wavelet, mode), pywt.waverec2(want, wavelet, mode), rtol=bound,
                 reason="2 c eps: the synthesis has the analysis' error scale (c_of), each side within c eps")
    small = x[0, :7, :6]
    for name in ("wavedec2", "waverec2"):
        inp = small if name == "wavedec2" else pywt.wavedec2(small, wavelet, mode, level=1)
        fwd, adj = _adjoint_pair(M2, name, wavelet=wavelet, mode=mode)
        check_dense_adjoint(fwd, adj, inp, error_scale=c).raise_if_failed()


@pytest.mark.parametrize("none", [(1, 3), (1, 2, 3), (4,)])
def test_none_details_in_waverec2_equal_pywt(none):
    x = np.random.default_rng(2).standard_normal((8, 10))
    coeffs = pywt.wavedec2(x, "haar", level=2)
    leaves = [coeffs[0], *coeffs[1], *coeffs[2]]
    for i in none:
        leaves[i] = None
    coeffs = [leaves[0], tuple(leaves[1:4]), tuple(leaves[4:7])]
    bound = 2 * c_of("haar", "symmetric", levels=2, axes=2) * EPS64
    assert_close(M2.waverec2(coeffs, "haar"), pywt.waverec2(coeffs, "haar"), rtol=bound, reason="2 c eps")
    fwd, adj = _adjoint_pair(M2, "waverec2", wavelet="haar")
    check_dense_adjoint(fwd, adj, coeffs, error_scale=c_of("haar", "symmetric", levels=2, axes=2)).raise_if_failed()
    got = adj(np.ones((8, 10)), input_shape=tree_shape(coeffs))
    assert [g is None for g in [got[0], *got[1], *got[2]]] == [c is None for c in leaves]
    with pytest.raises(ValueError, match="coeffs\\[0\\] \\(the approximation cA_n\\) must be an array"):
        M2.waverec2([None, *coeffs[1:]], "haar")
