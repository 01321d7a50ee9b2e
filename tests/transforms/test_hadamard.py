"""Walsh-Hadamard: Sylvester and sequency orders, normalization, padding, 2-D, adjoints, errors (Slant: test_slant)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st

from specref.backend import get_namespace, random_normal, to_numpy
from specref.testing import assert_close, check_adjoint, check_dense_adjoint
from specref.testing.strategies import backends, batch_shapes
from specref.transforms.hadamard import (
    hadamard,
    hadamard2,
    hadamard2_adjoint,
    hadamard_adjoint,
    hadamard_matrix,
    sequency_permutation,
    sign_changes,
)

EPS64 = np.finfo(np.float64).eps
POWERS = (1, 2, 4, 8, 16, 32, 64)


def _eye(xp, n, dtype="float64"):
    return xp.asarray(np.eye(n), dtype=getattr(xp, dtype))


def _host(a):
    return to_numpy(a)


def _bit_reverse(i, bits):
    return int(format(i, f"0{bits}b")[::-1], 2) if bits else 0


def _gray_decode(g):
    k = 0
    while g:
        k ^= g
        g >>= 1
    return k


# ----------------------------------------------------------------------------------------------------------
# natural order: the Sylvester matrix


@pytest.mark.parametrize("n", POWERS)
def test_natural_order_is_scipy_hadamard_exactly(xp, n):
    # column j of the transform of I is H e_j; every entry is +-1 plus zeros: exact, float32 too
    for dtype in ("float64", "float32"):
        got = _host(hadamard(_eye(xp, n, dtype), axis=0, normalized=False))
        assert got.dtype == np.dtype(dtype)
        assert np.array_equal(got, scipy.linalg.hadamard(n))


@pytest.mark.parametrize("n", POWERS)
def test_h_times_h_is_n_identity(xp, n):
    x = xp.asarray(np.random.default_rng(n).integers(-999, 1000, size=(3, n)), dtype=xp.float64)
    # integers: every partial sum is an exact integer far below 2^53, so H H x = n x exactly
    y = hadamard(hadamard(x, normalized=False), normalized=False)
    assert np.array_equal(_host(y), n * _host(x))


@pytest.mark.parametrize("n", POWERS)
@pytest.mark.parametrize("order", ("natural", "sequency"))
def test_normalized_transform_is_orthogonal_symmetric_and_its_own_inverse(xp, n, order):
    q = _host(hadamard(_eye(xp, n), axis=0, order=order))  # q = W / sqrt(n) (columns = images of e_j)
    m = math.log2(max(n, 2))
    # entries +-fl(sqrt(1/n)): Q Q^T's entries are n-term sums of +-1/n (1 + d), |d| <= eps/2 (one rounded
    # constant), plus the sum's (log2 n + 1) eps: <= (log2 n + 2) eps
    assert_close(q @ q.T, np.eye(n), rtol=(m + 2) * EPS64, reason="one rounded 1/sqrt(n) and an n-term sum")
    # H_n and the sequency-ordered W_n are both symmetric (docs/transforms/hadamard.md); every entry is the
    # same rounded constant +-fl(sqrt(1/n)), so the computed matrix is exactly symmetric too
    assert np.array_equal(q, q.T)
    rng = np.random.default_rng(n)
    x = xp.asarray(rng.standard_normal((2, n)))
    back = hadamard(hadamard(x, order="natural"), order="natural")
    # two normalized FWHTs: 2 (log2 n + 2) u = (log2 n + 2) eps in 2-norm (specref.oracle.wht); x2 for max-norm
    rel_bound = 2 * (m + 2) * EPS64  # two normalized FWHTs, each (m+2)u
    assert_close(back, _host(x), rtol=rel_bound, reason="two normalized FWHTs, each (m+2)u")


def test_length_one_is_identity(xp):
    x = xp.asarray([[1.5], [-2.0]])
    for normalized in (True, False):
        for order in ("natural", "sequency"):
            y = hadamard(x, axis=-1, normalized=normalized, order=order)
            assert np.array_equal(_host(y), _host(x))  # H_1 = [1], sqrt(1/1) = 1: exact


# ----------------------------------------------------------------------------------------------------------
# sequency order


@pytest.mark.parametrize("n", (*POWERS, 128, 256))
def test_sequency_row_k_has_k_sign_changes(xp, n):
    w = _host(hadamard(_eye(xp, n), axis=0, normalized=False, order="sequency"))
    assert [sign_changes(row) for row in w] == list(range(n))


@pytest.mark.parametrize("n", (*POWERS, 128, 256))
def test_sign_changes_of_natural_row_is_gray_decoded_bit_reversed_index(n):
    m = n.bit_length() - 1
    h = scipy.linalg.hadamard(n)
    counts = [sign_changes(row) for row in h]
    assert counts == [_gray_decode(_bit_reverse(i, m)) for i in range(n)]
    # and the permutation is its inverse: perm[k] = bitrev(gray(k))
    perm = sequency_permutation(n)
    assert [counts[p] for p in perm] == list(range(n))
    assert list(perm) == [_bit_reverse(k ^ (k >> 1), m) for k in range(n)]


def test_spectrans_gray_code_permutation_is_not_sequency_order():
    # spectrans's SequencyHadamardTransform permutes natural outputs by argsort(i XOR (i >> 1)) (inventory #18)
    n = 8
    i = np.arange(n)
    perm = np.argsort(i ^ (i >> 1))
    counts = [sign_changes(row) for row in scipy.linalg.hadamard(n)[perm]]
    assert counts == [0, 7, 4, 3, 5, 2, 1, 6]
    assert counts != list(range(n))


def test_hadamard_matrix_helper_matches_the_transform(xp):
    for n in (1, 4, 16):
        for order in ("natural", "sequency"):
            for normalized in (True, False):
                got = _host(hadamard(_eye(xp, n), axis=0, normalized=normalized, order=order))
                assert np.array_equal(got, hadamard_matrix(n, order=order, normalized=normalized))


# ----------------------------------------------------------------------------------------------------------
# padding


def test_pad_zero_pads_to_next_power_of_two_and_adjoint_crops(xp):
    rng = np.random.default_rng(5)
    for n, m in ((5, 8), (12, 16), (3, 4), (17, 32)):
        x = xp.asarray(rng.standard_normal((2, n)))
        padded = xp.concat([x, xp.zeros((2, m - n), dtype=xp.float64)], axis=-1)
        y = hadamard(x, pad=True)
        assert y.shape == (2, m)
        assert np.array_equal(_host(y), _host(hadamard(padded)))
        dy = xp.asarray(rng.standard_normal((2, m)))
        dx = hadamard_adjoint(dy, input_shape=(2, n), pad=True)
        assert dx.shape == (2, n)
        # the adjoint of the pad is the crop: the first n entries of the unpadded adjoint
        assert np.array_equal(_host(dx), _host(hadamard_adjoint(dy, input_shape=(2, m)))[:, :n])


def test_pad_on_a_power_of_two_changes_nothing(xp):
    x = xp.asarray(np.random.default_rng(1).standard_normal((3, 8)))
    assert np.array_equal(_host(hadamard(x, pad=True)), _host(hadamard(x)))


@pytest.mark.parametrize("n", (3, 5, 12, 100))
def test_non_power_of_two_names_the_length_and_pad(xp, n):
    x = xp.asarray(np.ones((2, n)))
    for fn, kw in ((hadamard, {}), (hadamard2, {"axes": (0, 1)})):
        with pytest.raises(ValueError, match=rf"n = {n}.*pad=True"):
            fn(x, **kw)


# ----------------------------------------------------------------------------------------------------------
# adjoints: dot test and dense test over random configurations (hypothesis)


@st.composite
def _hadamard_configs(draw, max_log2=6):
    pad = draw(st.booleans())
    n = draw(st.integers(1, 2**max_log2)) if pad else 2 ** draw(st.integers(0, max_log2))
    batch = draw(batch_shapes(max_dims=2, max_side=3))
    shape = list(batch)
    position = draw(st.integers(0, len(shape)))
    shape.insert(position, n)
    axis = draw(st.sampled_from([position, position - len(shape)]))
    kwargs = {"axis": axis, "pad": pad, "order": draw(st.sampled_from(["natural", "sequency"]))}
    return tuple(shape), kwargs, draw(st.sampled_from(["float64", "complex128"]))


@given(backend=backends(), config=_hadamard_configs(), normalized=st.booleans(), seed=st.integers(0, 2**16))
def test_hadamard_adjoint_dot_and_dense(backend, config, normalized, seed):
    xp = get_namespace(backend)
    shape, kwargs, dtype = config
    kwargs = {**kwargs, "normalized": normalized}
    x = random_normal(seed, shape, dtype=dtype, xp=xp)
    log2_m = math.ceil(math.log2(max(shape[kwargs["axis"]], 2)))  # log2 of the (padded) transform length
    c = 1 + log2_m + 1  # the registered case's error scale (hadamard._hadamard_scale), normalized or not
    check_adjoint(hadamard, hadamard_adjoint, x, kwargs=kwargs, rng=seed, error_scale=c,
                  complex_linear=dtype.startswith("complex")).raise_if_failed()
    if x.size <= 64:
        check_dense_adjoint(hadamard, hadamard_adjoint, x, kwargs=kwargs, error_scale=c).raise_if_failed()


@given(backend=backends(), n0=st.sampled_from([1, 2, 3, 8]), n1=st.sampled_from([1, 4, 5, 16]),
       normalized=st.booleans(), order=st.sampled_from(["natural", "sequency"]), seed=st.integers(0, 2**16))
def test_hadamard2_adjoint_dot(backend, n0, n1, normalized, order, seed):
    xp = get_namespace(backend)
    x = random_normal(seed, (n0, 2, n1), dtype="complex128", xp=xp)
    kwargs = {"axes": (0, -1), "normalized": normalized, "order": order, "pad": True}
    c = 1 + math.log2(32 * 16) + 1  # the largest padded size here, normalized
    check_adjoint(hadamard2, hadamard2_adjoint, x, kwargs=kwargs, rng=seed, error_scale=c,
                  complex_linear=True).raise_if_failed()


def test_unpadded_natural_adjoint_is_the_forward(xp):
    y = xp.asarray(np.random.default_rng(2).standard_normal((4, 16)))
    for normalized in (True, False):
        a = hadamard_adjoint(y, input_shape=(4, 16), normalized=normalized)
        assert np.array_equal(_host(a), _host(hadamard(y, normalized=normalized)))


# ----------------------------------------------------------------------------------------------------------
# 2-D


def test_hadamard2_is_two_1d_transforms(xp):
    x = xp.asarray(np.random.default_rng(3).integers(-50, 50, size=(2, 8, 4)), dtype=xp.float64)
    y = hadamard2(x, axes=(1, 2), normalized=False, order="sequency")
    expected = hadamard(hadamard(x, axis=1, normalized=False, order="sequency"), axis=2, normalized=False,
                        order="sequency")
    assert np.array_equal(_host(y), _host(expected))  # integer data: exact in any order of summation
    z = hadamard2(x, axes=(1, 2), order="sequency")
    # one normalization by sqrt(1/32) vs exact: the 2-norm bound (log2 32 + 2) u, x2 for the max norm
    assert_close(z, _host(y) / math.sqrt(32), rtol=(5 + 2) * EPS64, reason="FWHT on integers is exact; 2 roundings")


def test_hadamard2_normalized_is_orthogonal(xp):
    x = xp.asarray(np.random.default_rng(4).standard_normal((8, 16)))
    y = hadamard2(x)
    # Parseval: the transform's 2-norm relative error (log2 128 + 2) u = 4.5 eps enters the squared norm twice
    # (9 eps), and each 128-term sum of squares carries (log2 128 + 1) eps = 8 eps (16 eps): 25 eps in all
    assert abs(float(np.sum(_host(y) ** 2)) / float(np.sum(_host(x) ** 2)) - 1) <= (9 + 16) * EPS64


# ----------------------------------------------------------------------------------------------------------
# dtypes and bad inputs


@pytest.mark.parametrize("dtype", ("float32", "float64", "complex64", "complex128"))
def test_output_dtype_follows_input(xp, dtype):
    x = random_normal(0, (2, 8), dtype=dtype, xp=xp)
    for fn in (hadamard, hadamard2):
        assert fn(x).dtype == x.dtype
    assert hadamard(x, pad=True, order="sequency", normalized=False).dtype == x.dtype


def test_bad_inputs(xp):
    x = xp.asarray(np.ones((2, 8)))
    with pytest.raises(TypeError, match="int64"):
        hadamard(xp.asarray(np.ones((2, 8), dtype=np.int64)))
    with pytest.raises(TypeError, match="bool"):
        hadamard2(xp.asarray(np.ones((4, 4), dtype=bool)))
    with pytest.raises(ValueError, match="empty along axis 1.*length 0"):
        hadamard(xp.asarray(np.ones((2, 0))))
    with pytest.raises(ValueError, match="empty"):
        hadamard(xp.asarray(np.ones((2, 0))), pad=True)  # padding does not make an empty axis valid
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        hadamard(x, axis=2)
    with pytest.raises(ValueError, match="0-dimensional"):
        hadamard(xp.asarray(1.0))
    for fn in (hadamard, hadamard2, hadamard_adjoint):  # one message for every family (_args.check_choice)
        with pytest.raises(ValueError, match="unknown order 'walsh'; accepted: 'natural', 'sequency'"):
            fn(x, order="walsh", **({"input_shape": (2, 8)} if fn is hadamard_adjoint else {}))
    with pytest.raises(ValueError, match="unknown order 'y'"):
        hadamard_matrix(4, order="y")
    for name in ("normalized", "pad"):  # flags, not anything truthy (_args.check_flag)
        for bad in ("no", 1, None):
            with pytest.raises(TypeError, match=f"{name} must be True or False"):
                hadamard(x, **{name: bad})
            with pytest.raises(TypeError, match=f"{name} must be True or False"):
                hadamard2(x, **{name: bad})
    with pytest.raises(ValueError, match="axes must name 2 axes"):  # _args.normalize_axes(count=2)
        hadamard2(x, axes=(0,))
    with pytest.raises(ValueError, match="names an axis twice"):
        hadamard2(x, axes=(1, -1))
    with pytest.raises(ValueError, match="cotangent has shape"):
        hadamard_adjoint(x, input_shape=(2, 9), pad=True)  # the forward maps (2, 9) to (2, 16), not (2, 8)
    with pytest.raises(TypeError, match="input_shape"):
        hadamard_adjoint(x, input_shape=None)
    with pytest.raises(ValueError, match="not a power of two"):
        sequency_permutation(6)
    with pytest.raises(TypeError, match="n must be an integer"):
        hadamard_matrix(4.0)


# ----------------------------------------------------------------------------------------------------------
# sizes: the vectorised permutation, and sizes that cannot fit refused before allocating (issue 11)


def _sequency_loop(n: int) -> list[int]:
    """The per-entry loop the vectorised permutation replaced (bitrev_m of the Gray code, bit by bit)."""
    m = n.bit_length() - 1
    out = []
    for k in range(n):
        g, r = k ^ (k >> 1), 0
        for _ in range(m):
            r, g = (r << 1) | (g & 1), g >> 1
        out.append(r)
    return out


def test_vectorised_sequency_permutation_equals_the_loop_it_replaced():
    for m in range(13):  # n = 1 ... 2**12
        got = sequency_permutation(2**m)
        assert got.dtype == np.int64 and got.flags.writeable
        assert got.tolist() == _sequency_loop(2**m), m
    sequency_permutation(8)[0] = 5  # the caller's copy: the cached permutation is untouched
    assert sequency_permutation(8).tolist() == [0, 4, 6, 2, 3, 7, 5, 1]


def test_sizes_that_cannot_fit_are_refused_with_the_estimate():
    with pytest.raises(ValueError, match=r"sequency_permutation\(n=1099511627776\) .* would need 35184372088832 "
                                         r"bytes \(32 TiB\)"):
        sequency_permutation(2**40)
    with pytest.raises(ValueError, match=r"hadamard_matrix\(n=16777216\): the result, shape \(16777216, 16777216\) "
                                         r"at 8 bytes per entry, would need 2251799813685248 bytes"):
        hadamard_matrix(2**24)
    with pytest.raises(ValueError, match="more entries than an array can index"):
        hadamard_matrix(2**40)
