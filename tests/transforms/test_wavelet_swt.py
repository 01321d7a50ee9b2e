"""specref.transforms.wavelet_swt / wavelet_swt2 (swt, iswt, swt2, iswt2) against pywt, adjoints, inverse vs
adjoint, lengths pywt refuses, bad input.

Tolerances: c eps with the family's SWT claim c = (3 + log2 F) per level and axis
(:func:`specref.transforms.wavelet_swt._swt_error_scale`), 2 c eps between specref and pywt (each within c eps
of the exact map); round trips use the derived bound of :func:`~specref.transforms.wavelet_swt._round_trip_bound`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specref.backend import to_numpy
from specref.testing.checks import check_adjoint, check_dense_adjoint
from specref.testing.trees import tree_map, tree_shape
from specref.transforms import wavelet_swt as S
from specref.transforms import wavelet_swt2 as S2

pywt = pytest.importorskip("pywt")

EPS64, EPS32 = 2.0**-52, 2.0**-23
WAVELETS = ("haar", "db2", "db4", "sym3", "coif1", "bior2.2", "rbio1.3", "bior6.8")
ORTHOGONAL = ("haar", "db2", "db4", "coif1")  # sym3: pywt's table is PR to ~1e-11 only (test_wavelet_dwt)


def c_of(wavelet, levels=1, axes=1):
    w = wavelet if isinstance(wavelet, (list, tuple)) else (wavelet,) * axes
    return S._swt_error_scale({"wavelet": w, "level": levels, "shape": (2**levels,) * axes,
                               "axes": tuple(range(axes))})


def _flat(tree) -> np.ndarray:
    leaves = []
    tree_map(lambda a: leaves.append(np.ravel(to_numpy(a))), tree)
    return np.concatenate(leaves)


def _rel(got, expected) -> float:
    g, e = _flat(got), _flat(expected)
    assert g.shape == e.shape
    return float(np.linalg.norm(g - e) / np.linalg.norm(e))


@pytest.fixture(autouse=True)
def _quiet_norm_warnings():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "norm=True, but the wavelet", UserWarning)
        yield


# ----------------------------------------------------------------------------------------------------------
# equality with pywt


@pytest.mark.parametrize("wavelet", WAVELETS)
@pytest.mark.parametrize("trim_approx", [False, True])
@pytest.mark.parametrize("norm", [False, True])
def test_swt_iswt_equal_pywt(xp, wavelet, trim_approx, norm):
    rng = np.random.default_rng(1)
    for shape, axis in (((32,), -1), ((2, 16), -1), ((24, 3), 0)):
        x = rng.standard_normal(shape)
        n = shape[axis]
        for start in (0, 1):
            for level in range(1, pywt.swt_max_level(n) - start + 1):
                expected = pywt.swt(x, wavelet, level, start, axis, trim_approx, norm)
                got = S.swt(xp.asarray(x), wavelet, level, start, axis, trim_approx, norm)
                assert tree_shape(got) == tree_shape(expected)
                assert _rel(got, expected) <= 2 * c_of(wavelet, level) * EPS64, (shape, start, level)
                if start == 0:
                    back = pywt.iswt(expected, wavelet, norm, axis)
                    got_back = S.iswt(tree_map(xp.asarray, expected), wavelet, norm, axis)
                    assert _rel(got_back, back) <= 2 * c_of(wavelet, level) * EPS64


def test_level_none_and_float32_follow_pywt():
    x = np.random.default_rng(2).standard_normal(24).astype(np.float32)
    expected, got = pywt.swt(x, "db2"), S.swt(x, "db2")
    assert len(got) == len(expected) == 3 and got[0][0].dtype == np.float32
    assert _rel(got, expected) <= 2 * c_of("db2", 3) * EPS32
    assert S.swt_max_level(24) == pywt.swt_max_level(24) == 3


@pytest.mark.parametrize("wavelet", ["haar", "db2", ("db2", "bior2.2"), "sym3"])
@pytest.mark.parametrize("trim_approx", [False, True])
def test_swt2_iswt2_equal_pywt(xp, wavelet, trim_approx):
    rng = np.random.default_rng(3)
    for shape, axes in (((8, 16), (-2, -1)), ((2, 16, 8), (-1, -2)), ((8, 4, 3), (0, 1))):
        x = rng.standard_normal(shape)
        for level, norm in ((1, True), (2, False)):
            expected = pywt.swt2(x, wavelet, level, 0, axes, trim_approx, norm)
            got = S2.swt2(xp.asarray(x), wavelet, level, 0, axes, trim_approx, norm)
            assert tree_shape(got) == tree_shape(expected)
            assert _rel(got, expected) <= 2 * c_of(wavelet, level, 2) * EPS64
            back = pywt.iswt2(expected, wavelet, norm, axes)
            got_back = S2.iswt2(tree_map(xp.asarray, expected), wavelet, norm, axes)
            assert _rel(got_back, back) <= 2 * c_of(wavelet, level, 2) * EPS64


def test_swt2_start_level_equals_pywt():
    x = np.random.default_rng(4).standard_normal((16, 8))
    expected = pywt.swt2(x, "db2", 2, start_level=1)
    assert _rel(S2.swt2(x, "db2", 2, start_level=1), expected) <= 2 * c_of("db2", 2, 2) * EPS64


# ----------------------------------------------------------------------------------------------------------
# lengths pywt refuses: the same periodic formula


@pytest.mark.parametrize("n", [1, 3, 5, 6, 7, 12, 20])
@pytest.mark.parametrize("wavelet", ["haar", "db2", "bior2.2"])
def test_lengths_pywt_refuses_are_the_periodic_formula(n, wavelet):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((2, n))
    level = 3
    if n % 8:
        with pytest.raises(ValueError):
            pywt.swt(x, wavelet, level)
    got = S.swt(x, wavelet, level)
    assert _rel(got, S._direct_swt(x, wavelet, level, 0, -1, False, False)) <= 2 * c_of(wavelet, level) * EPS64
    # shift equivariance, which only the periodic (undecimated) transform has at every level
    shifted = S.swt(np.roll(x, 1, axis=-1), wavelet, level)
    assert _rel(shifted, tree_map(lambda a: np.roll(a, 1, axis=-1), got)) <= 2 * c_of(wavelet, level) * EPS64
    bound, _ = S._round_trip_bound({"wavelet": wavelet, "shape": (n,), "level": level}, EPS64)
    assert _rel(S.iswt(got, wavelet), x) <= bound


def test_level_none_on_an_odd_length_asks_for_a_level():
    with pytest.raises(ValueError, match="pass level explicitly"):
        S.swt(np.ones(7), "haar")
    assert len(S.swt(np.ones(7), "haar", level=2)) == 2


# ----------------------------------------------------------------------------------------------------------
# adjoints


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), wavelet=st.sampled_from(WAVELETS), level=st.integers(1, 4),
       start_level=st.integers(0, 2), trim_approx=st.booleans(), norm=st.booleans(),
       dtype=st.sampled_from(["float64", "float32"]), seed=st.integers(0, 2**16))
def test_swt_iswt_adjoints_and_round_trip(n, wavelet, level, start_level, trim_approx, norm, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, n)).astype(dtype)
    eps = EPS64 if dtype == "float64" else EPS32
    kw = {"wavelet": wavelet, "level": level, "start_level": start_level, "trim_approx": trim_approx, "norm": norm}
    c = c_of(wavelet, level)
    check_adjoint(lambda v: S.swt(v, **kw), lambda u, input_shape: S.swt_adjoint(u, input_shape=input_shape, **kw),
                  x, rng=rng, error_scale=c).raise_if_failed()
    y = S.swt(x, **kw)
    ik = {"wavelet": wavelet, "norm": norm, "start_level": start_level}
    check_adjoint(lambda v: S.iswt(v, **ik), lambda u, input_shape: S.iswt_adjoint(u, input_shape=input_shape, **ik),
                  y, rng=rng, error_scale=c).raise_if_failed()
    bound, _ = S._round_trip_bound({"wavelet": wavelet, "shape": (n,), "level": level, "norm": norm}, eps)
    assert _rel(S.iswt(y, **ik), x) <= bound


@settings(max_examples=15, deadline=None)
@given(shape=st.tuples(st.integers(1, 9), st.integers(1, 9)), wavelet=st.sampled_from(WAVELETS),
       level=st.integers(1, 3), trim_approx=st.booleans(), norm=st.booleans(), seed=st.integers(0, 2**16))
def test_swt2_iswt2_adjoints_and_round_trip(shape, wavelet, level, trim_approx, norm, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    kw = {"wavelet": (wavelet, "db2"), "level": level, "trim_approx": trim_approx, "norm": norm}
    c = c_of((wavelet, "db2"), level, 2)
    check_adjoint(lambda v: S2.swt2(v, **kw), lambda u, input_shape: S2.swt2_adjoint(u, input_shape=input_shape, **kw),
                  x, rng=rng, error_scale=c).raise_if_failed()
    y = S2.swt2(x, **kw)
    ik = {"wavelet": (wavelet, "db2"), "norm": norm}
    check_adjoint(lambda v: S2.iswt2(v, **ik),
                  lambda u, input_shape: S2.iswt2_adjoint(u, input_shape=input_shape, **ik),
                  y, rng=rng, error_scale=c).raise_if_failed()
    bound, _ = S._round_trip_bound({"wavelet": (wavelet, "db2"), "shape": shape, "axes": (0, 1), "level": level,
                                    "norm": norm}, EPS64)
    assert _rel(S2.iswt2(y, **ik), x) <= bound


@pytest.mark.parametrize("n", [5, 8])
def test_dense_adjoints_small(n):
    x = np.random.default_rng(n).standard_normal(n)
    for kw in ({"wavelet": "db2", "level": 2}, {"wavelet": "bior2.2", "level": 2, "start_level": 1,
                                                 "trim_approx": True, "norm": True}):
        def fwd(v, kw=kw):
            return S.swt(v, **kw)

        def adj(u, input_shape, kw=kw):
            return S.swt_adjoint(u, input_shape=input_shape, **kw)

        check_dense_adjoint(fwd, adj, x, error_scale=c_of(kw["wavelet"], 2)).raise_if_failed()


# ----------------------------------------------------------------------------------------------------------
# the inverse is not the adjoint (except for a tight frame)


@pytest.mark.parametrize("wavelet", ORTHOGONAL)
def test_inverse_equals_adjoint_for_the_tight_frame(wavelet):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(32)
    y = [rng.standard_normal(32) for _ in range(4)]  # any coefficients, not only swt's range
    kw = {"wavelet": wavelet, "level": 3, "trim_approx": True, "norm": True}
    adjoint = S.swt_adjoint(y, input_shape=(32,), **kw)
    assert _rel(S.iswt(y, wavelet, norm=True), adjoint) <= 4 * c_of(wavelet, 3) * EPS64
    c = S.swt(x, **kw)  # energy is kept (Parseval)
    assert abs(np.linalg.norm(_flat(c)) - np.linalg.norm(x)) <= 4 * c_of(wavelet, 3) * EPS64 * np.linalg.norm(x)


@pytest.mark.parametrize("wavelet", ORTHOGONAL)
def test_unnormalized_inverse_is_the_adjoint_with_weights_two_to_the_minus_j(wavelet):
    """norm=False: iswt(y) = swt_adjoint(w y) with w = 2**-j on the level-j detail and 2**-L on cA_L."""
    rng = np.random.default_rng(8)
    level = 3
    y = [rng.standard_normal(16) for _ in range(level + 1)]
    weights = [2.0**-level] + [2.0**-j for j in range(level, 0, -1)]
    adjoint = S.swt_adjoint([w * c for w, c in zip(weights, y, strict=True)], input_shape=(16,), wavelet=wavelet,
                            level=level, trim_approx=True)
    assert _rel(S.iswt(y, wavelet), adjoint) <= 4 * c_of(wavelet, level) * EPS64
    plain = S.swt_adjoint(y, input_shape=(16,), wavelet=wavelet, level=level, trim_approx=True)
    assert _rel(S.iswt(y, wavelet), plain) > 0.1  # not a multiple of the adjoint


def test_iswt_ignores_the_kept_approximations_and_its_adjoint_gives_them_zeros():
    rng = np.random.default_rng(9)
    y = [(rng.standard_normal(8), rng.standard_normal(8)) for _ in range(2)]
    z = [(y[0][0], y[0][1]), (100 * y[1][0], y[1][1])]
    assert np.array_equal(S.iswt(y, "db2"), S.iswt(z, "db2"))
    grads = S.iswt_adjoint(np.ones(8), input_shape=[((8,), (8,))] * 2, wavelet="db2")
    assert not np.any(grads[1][0])


# ----------------------------------------------------------------------------------------------------------
# bad input


def test_bad_levels_and_flags():
    x = np.ones(8)
    with pytest.raises(ValueError, match="greater than zero"):
        S.swt(x, "haar", level=0)
    with pytest.raises(ValueError, match="empty"):
        S.swt(np.ones((2, 0)), "haar", level=1)
    with pytest.raises(ValueError, match="start_level"):
        S.swt(x, "haar", level=1, start_level=-1)
    with pytest.raises(TypeError, match="norm"):
        S.swt(x, "haar", level=1, norm=1)
    with pytest.raises(ValueError, match="unknown wavelet"):
        S.swt(x, "nope", level=1)
    with pytest.raises(UserWarning, match="not orthogonal"), warnings.catch_warnings():
        warnings.simplefilter("error")
        S.swt(x, "bior2.2", level=1, norm=True)


def test_bad_layouts_and_shapes():
    x = np.ones(8)
    y = S.swt(x, "haar", level=2)
    with pytest.raises(ValueError, match="2 levels"):
        S.swt_adjoint(y[:1], input_shape=(8,), wavelet="haar", level=2)
    with pytest.raises(ValueError, match="trim_approx"):
        S.swt_adjoint(y, input_shape=(8,), wavelet="haar", level=2, trim_approx=True)
    with pytest.raises(ValueError):
        S.swt_adjoint(y, input_shape=(9,), wavelet="haar", level=2)
    with pytest.raises(ValueError, match="one shape"):
        S.iswt([np.ones(8), np.ones(7)], "haar")
    with pytest.raises(TypeError):
        S.iswt([np.ones(8), np.ones(8, dtype=np.float32)], "haar")
    with pytest.raises(ValueError, match="one shape"):
        S2.iswt2([np.ones((4, 4)), (np.ones((4, 4)), np.ones((4, 4)), np.ones((4, 3)))], "haar")
    with pytest.raises(ValueError, match="2 dimensions"):
        S2.swt2(np.ones(8), "haar", 1)


def test_complex_input_is_transformed_as_real_and_imaginary_parts():
    rng = np.random.default_rng(10)
    x = rng.standard_normal(16) + 1j * rng.standard_normal(16)
    got = S.swt(x, "db2", level=2, trim_approx=True)
    re, im = S.swt(x.real, "db2", level=2, trim_approx=True), S.swt(x.imag, "db2", level=2, trim_approx=True)
    assert _rel(got, [a + 1j * b for a, b in zip(re, im, strict=True)]) <= 2 * c_of("db2", 2) * EPS64
    assert _rel(S.iswt(got, "db2"), x) <= S._round_trip_bound({"wavelet": "db2", "shape": (16,), "level": 2}, EPS64)[0]
