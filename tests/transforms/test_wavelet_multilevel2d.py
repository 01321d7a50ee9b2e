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
