"""The Slant transform: the dense matrix, the fast recursion and its transpose, sequency order, adjoints, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st

from specref.backend import get_namespace, random_normal, to_numpy
from specref.testing import assert_close, check_adjoint, check_dense_adjoint
from specref.testing.strategies import backends
from specref.transforms.hadamard import sign_changes
from specref.transforms.slant import (
    slant,
    slant_adjoint,
    slant_core,
    slant_core_adjoint,
    slant_matrix,
    slant_sequency_permutation,
)
from tests.transforms.test_hadamard import _hadamard_configs  # the same random axis/pad/order configurations

EPS64 = np.finfo(np.float64).eps


def _eye(xp, n, dtype="float64"):
    return xp.asarray(np.eye(n), dtype=getattr(xp, dtype))


def _host(a):
    return to_numpy(a)


# ----------------------------------------------------------------------------------------------------------
# the matrix, the fast transform, sequency order


S4 = np.array([[1, 1, 1, 1],
               [3 / 5**0.5, 1 / 5**0.5, -1 / 5**0.5, -3 / 5**0.5],
               [1, -1, -1, 1],
               [1 / 5**0.5, -3 / 5**0.5, 3 / 5**0.5, -1 / 5**0.5]]) / 2  # Pratt, Chen & Welch (1974), S_4


def _slant_by_gram_schmidt(n):
    """An independent construction of S_n from S_{n/2}: subspaces and orthogonality, not a_n and b_n.

    The rows of S_n live in span{[s, 0], [0, s] : s a row of S_{n/2}}. Rows 0 and 1 are the constant and the
    linear ramp (n - 1 - 2j) (restricted to each half an affine function: a combination of the constant and
    ramp rows of S_{n/2}), normalized. Row h is [s1, -s1], rows i and h + i (2 <= i < h) are [s_i, +-s_i],
    all / sqrt 2. Row h + 1 is the remaining direction of the 4-dimensional span{[s0, 0], [s1, 0], [0, s0],
    [0, s1]}, found by Gram-Schmidt of [s1, s1] against rows 0, 1, h (sign: positive on [s1, s1]).
    """
    if n == 1:
        return np.ones((1, 1))
    if n == 2:
        return np.array([[1.0, 1.0], [1.0, -1.0]]) / 2**0.5
    half = _slant_by_gram_schmidt(n // 2)
    h = n // 2
    out = np.zeros((n, n))
    out[0] = 1 / n**0.5
    ramp = n - 1 - 2 * np.arange(n, dtype=np.float64)
    out[1] = ramp / np.linalg.norm(ramp)
    out[h] = np.concatenate([half[1], -half[1]]) / 2**0.5
    v = np.concatenate([half[1], half[1]]) / 2**0.5
    for r in (out[0], out[1], out[h]):
        v = v - (r @ v) * r
    out[h + 1] = v / np.linalg.norm(v)
    for i in range(2, h):
        out[i] = np.concatenate([half[i], half[i]]) / 2**0.5
        out[h + i] = np.concatenate([half[i], -half[i]]) / 2**0.5
    return out


@pytest.mark.parametrize("n", (1, 2, 4, 8, 16, 32, 64, 128))
def test_slant_matrix_is_orthonormal_constant_then_ramp(n):
    s = slant_matrix(n)
    # rows of unit norm from products of O(log n) rounded factors: (4 log2 n + 2) eps is the slant case's scale
    tol = (4 * math.log2(max(n, 2)) + 2) * EPS64
    assert_close(s @ s.T, np.eye(n), rtol=tol, reason="orthonormal up to the construction's roundings")
    assert_close(s[0], np.full(n, 1 / n**0.5), rtol=tol, reason="row 0 is the constant 1/sqrt(n)")
    if n >= 2:
        ramp = (n - 1 - 2 * np.arange(n)) * math.sqrt(3 / (n * (n * n - 1)))
        assert_close(s[1], ramp, rtol=tol, reason="row 1 is the normalized linear ramp")


def test_slant_4_is_pratt_chen_welch():
    rel_bound = 4 * EPS64  # a few roundings of 1/sqrt 2, a_4, b_4 per entry
    assert_close(slant_matrix(4), S4, rtol=rel_bound, reason="a few roundings of 1/sqrt 2, a_4, b_4 per entry")


@pytest.mark.parametrize("n", (1, 2, 4, 8, 16, 32, 64))
def test_slant_matrix_equals_independent_gram_schmidt_construction(n):
    # both carry O(log n) roundings per entry; Gram-Schmidt of unit vectors adds a few eps per level
    tol = 8 * math.log2(max(n, 2)) * EPS64
    assert_close(slant_matrix(n), _slant_by_gram_schmidt(n), rtol=tol, reason="two constructions, O(log n) eps")


@pytest.mark.parametrize("n", (1, 2, 4, 8, 16, 32, 64))
@pytest.mark.parametrize("order", ("natural", "sequency"))
def test_fast_slant_equals_dense(xp, n, order):
    got = _host(slant(_eye(xp, n), axis=0, order=order))  # columns: S e_j
    # fast and dense both within the slant case's 4 log2 n eps of S: 2x that apart
    rel_bound = 8 * math.log2(max(n, 2)) * EPS64  # two evaluations of S, each within 4 eps log2 n
    assert_close(got, slant_matrix(n, order=order), rtol=rel_bound,
                 reason="two evaluations of S, each within 4 eps log2 n")
    back = _host(slant_adjoint(slant(_eye(xp, n), axis=0, order=order), input_shape=(n, n), axis=0, order=order))
    rel_bound = 8 * math.log2(max(n, 2)) * EPS64  # S^T S = I: two slant passes
    assert_close(back, np.eye(n), rtol=rel_bound, reason="S^T S = I: two slant passes")


@pytest.mark.parametrize("n", (4, 8, 16, 32, 64, 128, 256))
def test_slant_sequency_order_and_sign_change_recursion(n):
    s = slant_matrix(n)
    counts = [sign_changes(row) for row in s]
    assert sorted(counts) == list(range(n))  # every count 0 .. n-1 once
    perm = slant_sequency_permutation(n)
    assert [counts[p] for p in perm] == list(range(n))
    assert [sign_changes(row) for row in slant_matrix(n, order="sequency")] == list(range(n))


@pytest.mark.parametrize("n", (1, 2, 4, 8, 32))
def test_slant_core_and_adjoint_are_transposes(xp, n):
    x = random_normal(8, (3, n), dtype="complex128", xp=xp)

    def adjoint(y, *, input_shape):
        return slant_core_adjoint(y)

    c = 4 * math.log2(max(n, 2))  # the slant case's error scale
    check_adjoint(slant_core, adjoint, x, rng=9, error_scale=c, complex_linear=True).raise_if_failed()
    check_dense_adjoint(slant_core, adjoint, x[:1, :], error_scale=c).raise_if_failed()


def test_spectrans_slant_matrix_is_not_the_slant_transform():
    # inventory #19: a ramp row over natural Hadamard rows 2..n-1, row 1 divided by sqrt(n^2 (n-1) / 3)
    n = 8
    j = np.arange(n)
    m = np.vstack([np.full(n, 1 / n**0.5), (2 * j - n + 1) / math.sqrt(n * (n - 1) * n / 3),
                   scipy.linalg.hadamard(n)[2:] / n**0.5])
    assert abs(np.linalg.norm(m[1]) - math.sqrt((n + 1) / n)) < 1e-15  # row 1's norm is sqrt(9/8), not 1
    assert np.abs(m @ m.T - np.eye(n)).max() > 0.3  # not orthogonal
    # normalized=True orthonormalizes M's rows in order (QR of M^T); the result still is not S_8: of the 8
    # slant rows only some equal (up to sign) a row of it (those that are Hadamard rows orthogonal to the ramp)
    q = np.linalg.qr(m.T)[0].T
    overlap = np.abs(slant_matrix(n) @ q.T).max(axis=1)  # 1 where a slant row is +- a row of q
    matched = int(np.sum(overlap > 1 - 1e-12))
    assert matched < n
    assert overlap.min() < 0.9


# ----------------------------------------------------------------------------------------------------------
# adjoints, padding, dtypes and bad inputs


@given(backend=backends(), config=_hadamard_configs(max_log2=5), seed=st.integers(0, 2**16))
def test_slant_adjoint_dot_and_dense(backend, config, seed):
    xp = get_namespace(backend)
    shape, kwargs, dtype = config
    x = random_normal(seed, shape, dtype=dtype, xp=xp)
    c = 4 * math.ceil(math.log2(max(shape[kwargs["axis"]], 2)))  # the slant case's scale, padded length
    check_adjoint(slant, slant_adjoint, x, kwargs=kwargs, rng=seed, error_scale=c,
                  complex_linear=dtype.startswith("complex")).raise_if_failed()
    if x.size <= 64:
        check_dense_adjoint(slant, slant_adjoint, x, kwargs=kwargs, error_scale=c).raise_if_failed()


@pytest.mark.parametrize("n", (3, 5, 12, 100))
def test_non_power_of_two_names_the_length_and_pad(xp, n):
    with pytest.raises(ValueError, match=rf"n = {n}.*pad=True"):
        slant(xp.asarray(np.ones((2, n))))


@pytest.mark.parametrize("dtype", ("float32", "float64", "complex64", "complex128"))
def test_output_dtype_follows_input(xp, dtype):
    x = random_normal(0, (2, 8), dtype=dtype, xp=xp)
    assert slant(x).dtype == x.dtype
    assert slant(x, pad=True, order="sequency").dtype == x.dtype


def test_bad_inputs(xp):
    x = xp.asarray(np.ones((2, 8)))
    with pytest.raises(TypeError, match="bool"):
        slant(xp.asarray(np.ones(4, dtype=bool)))
    with pytest.raises(ValueError, match="unknown order 'walsh'; accepted: 'natural', 'sequency'"):
        slant(x, order="walsh")
    for bad in ("no", 1, None):  # a flag, not anything truthy (_args.check_flag)
        with pytest.raises(TypeError, match="pad must be True or False"):
            slant(x, pad=bad)
    with pytest.raises(ValueError, match="cotangent has shape"):
        slant_adjoint(x, input_shape=(2, 4))
    for fn in (slant_matrix, slant_sequency_permutation):
        with pytest.raises(ValueError, match="n = 6 is not a power of two"):
            fn(6)
        with pytest.raises(TypeError, match="n must be an integer"):
            fn(4.0)


# ----------------------------------------------------------------------------------------------------------
# sizes: the vectorised recursion, and sizes that cannot fit refused before allocating (issue 11)


def _sign_changes_loop(n: int) -> tuple[int, ...]:
    """The per-row loop the vectorised recursion replaced."""
    if n <= 2:
        return tuple(range(n))
    h, half = n // 2, _sign_changes_loop(n // 2)
    out = [0] * n
    out[0], out[1], out[h], out[h + 1] = 0, 1, 2, 3
    for i in range(2, h):
        c = half[i]
        out[i], out[h + i] = 2 * c + (c & 1), 2 * c + 1 - (c & 1)
    return tuple(out)


def test_vectorised_slant_sequency_permutation_equals_the_loop_it_replaced():
    for m in range(13):  # n = 1 ... 2**12
        n = 2**m
        want = np.argsort(np.array(_sign_changes_loop(n), dtype=np.int64), kind="stable")
        got = slant_sequency_permutation(n)
        assert got.dtype == np.int64 and np.array_equal(got, want), m


def test_sizes_that_cannot_fit_are_refused_with_the_estimate():
    with pytest.raises(ValueError, match=r"slant_sequency_permutation\(n=1099511627776\) .* would need "
                                         r"35184372088832 bytes \(32 TiB\)"):
        slant_sequency_permutation(2**40)
    with pytest.raises(ValueError, match=r"slant_matrix\(n=16777216\): the result, shape \(16777216, 16777216\) at "
                                         r"8 bytes per entry, would need 2251799813685248 bytes"):
        slant_matrix(2**24)
