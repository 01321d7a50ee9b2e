"""Guards of docs/transforms/hadamard.md: each formula the page states, evaluated independently.

Expected values come from the page's formulas written out here: Sylvester's recursion and the popcount closed
form, the Gray-code/bit-reversal permutation and sign changes counted row by row, the Slant recursion as the
page's explicit combination of u and v, the butterfly stages as a loop, and dense matrices for the chains.
The specref functions the page names are only ever on the "got" side. Sizes n <= 16, float64.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref._jit.fwht import fwht
from specref.transforms.hadamard import (
    hadamard,
    hadamard2,
    hadamard2_adjoint,
    hadamard_adjoint,
    sequency_permutation,
)
from specref.transforms.slant import slant, slant_adjoint, slant_core, slant_core_adjoint, slant_sequency_permutation

EPS = np.finfo(np.float64).eps
U = EPS / 2


def _sylvester(n):
    """H_1 = [1], H_2h = [[H_h, H_h], [H_h, -H_h]]."""
    h = np.ones((1, 1))
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


def _bitrev(i, m):
    return int(format(i, f"0{m}b")[::-1], 2) if m else 0


def _sign_changes(row):
    signs = np.sign(row[row != 0])
    return int(np.sum(signs[1:] != signs[:-1]))


def _pad(m, n):
    p = np.zeros((m, n))
    for j in range(min(m, n)):
        p[j, j] = 1.0
    return p


# ----------------------------------------------------------------------------------------------------------
# Definitions: Sylvester, sequency, 2-D


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16])
def test_sylvester_recursion_closed_form_and_hh_equals_n_identity(n):
    """docs/transforms/hadamard.md, Sylvester's Hadamard matrices: H_2h = [[H, H], [H, -H]] equals
    (-1)^popcount(k & j), H H = n I exactly, hadamard(x, normalized=False) = H x and hadamard(x) = H x / sqrt n
    (its own inverse). Against specref.transforms.hadamard.hadamard; n = 0 raises."""
    h = _sylvester(n)
    closed = np.array([[(-1) ** bin(k & j).count("1") for j in range(n)] for k in range(n)], dtype=float)
    assert np.array_equal(h, closed)
    assert np.array_equal(h @ h, n * np.eye(n))  # integer sums: exact
    x = np.random.default_rng(n).integers(-50, 50, n).astype(float)
    assert np.array_equal(hadamard(x, normalized=False), h @ x)  # integer data: every sum exact
    xr = np.random.default_rng(n).standard_normal(n)
    y = hadamard(xr)
    np.testing.assert_allclose(y, h @ xr / math.sqrt(n), rtol=0,
                               atol=(math.log2(n) + 2) * EPS * np.abs(xr).sum())  # page's (log2 n + 2) u, both sides
    np.testing.assert_allclose(hadamard(y), xr, rtol=0,
                               atol=2 * (math.log2(n) + 2) * EPS * np.abs(xr).sum())  # two transforms
    with pytest.raises(ValueError):
        hadamard(np.zeros(0))


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16])
def test_sequency_permutation_gray_bitrev_and_sign_changes(n):
    """docs/transforms/hadamard.md, Sequency (Walsh) order: pi(k) = bitrev_m(k xor (k >> 1)), row k of W = Pi H changes
    sign k times (counted); s(i) = sum_t (i_0 xor .. xor i_t) 2^{m-1-t} = gray^{-1}(bitrev(i)); W symmetric.
    Against sequency_permutation and hadamard(order="sequency")."""
    m = n.bit_length() - 1
    h = _sylvester(n)
    pi = [_bitrev(k ^ (k >> 1), m) for k in range(n)]
    assert list(sequency_permutation(n)) == pi
    w = h[pi]
    assert [_sign_changes(r) for r in w] == list(range(n))
    for i in range(n):
        bits = [(i >> b) & 1 for b in range(m)]
        s_i = sum((sum(bits[: t + 1]) % 2) << (m - 1 - t) for t in range(m))
        r, decoded = _bitrev(i, m), 0
        while r:
            decoded ^= r
            r >>= 1
        assert s_i == _sign_changes(h[i]) == decoded
    assert np.array_equal(w, w.T)
    x = np.random.default_rng(n).integers(-50, 50, n).astype(float)
    assert np.array_equal(hadamard(x, normalized=False, order="sequency"), w @ x)  # integer data: exact


def test_spectrans_gray_order_is_not_sequency():
    """docs/transforms/hadamard.md, Sequency (Walsh) order: sorting rows by gray(i) without the bit reversal gives,
    for n = 8, rows changing sign [0, 7, 4, 3, 5, 2, 1, 6] times (counted), not sequency order."""
    h = _sylvester(8)
    order = np.argsort([i ^ (i >> 1) for i in range(8)])
    assert [_sign_changes(h[i]) for i in order] == [0, 7, 4, 3, 5, 2, 1, 6]


@pytest.mark.parametrize("shape", [(2, 4), (8, 1), (4, 4)])
def test_hadamard2_is_h0_x_h1t_over_sqrt_n0_n1(shape):
    """docs/transforms/hadamard.md, The 2-D transform: Y = H_{n0} X H_{n1}^T / sqrt(n0 n1); its adjoint the dense
    transpose (the same map: symmetric). Against specref.transforms.hadamard.hadamard2 / hadamard2_adjoint."""
    n0, n1 = shape
    x = np.random.default_rng(n0 + n1).standard_normal(shape)
    expected = _sylvester(n0) @ x @ _sylvester(n1).T / math.sqrt(n0 * n1)
    atol = (math.log2(n0 * n1) + 2) * EPS * np.abs(x).sum()  # page's FWHT bound (log2 n + 2) u, both sides
    np.testing.assert_allclose(hadamard2(x), expected, rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(hadamard2_adjoint(x, input_shape=shape), expected, rtol=0, atol=atol)  # derived above


# ----------------------------------------------------------------------------------------------------------
# The Slant transform


def _slant_page(x):
    """S_n x by the page's recursion: u = S_{n/2} x_top, v = S_{n/2} x_bottom, then the y formulas."""
    n, f = len(x), x.dtype.type  # f: float64, or long double for the accuracy reference
    if n == 1:
        return x.copy()
    r = 1 / np.sqrt(f(2))
    if n == 2:
        return r * np.array([x[0] + x[1], x[0] - x[1]])
    h = n // 2
    u, v = _slant_page(x[:h]), _slant_page(x[h:])
    a = np.sqrt(f(3 * n * n) / f(4 * (n * n - 1))) * r
    b = np.sqrt(f(n * n - 4) / f(4 * (n * n - 1))) * r
    y = np.empty(n, dtype=x.dtype)
    y[0], y[h] = r * (u[0] + v[0]), r * (u[1] - v[1])
    y[1] = a * (u[0] - v[0]) + b * (u[1] + v[1])
    y[h + 1] = -b * (u[0] - v[0]) + a * (u[1] + v[1])
    for i in range(2, h):
        y[i], y[h + i] = r * (u[i] + v[i]), r * (u[i] - v[i])
    return y


def _slant_page_adjoint(y):
    """S_n^T y by the page's transposed combination, then S_{n/2}^T on both halves."""
    n = len(y)
    if n == 1:
        return y.copy()
    r = 1 / math.sqrt(2)
    if n == 2:
        return r * np.array([y[0] + y[1], y[0] - y[1]])
    h = n // 2
    a = math.sqrt(3 * n * n / (4 * (n * n - 1))) * r
    b = math.sqrt((n * n - 4) / (4 * (n * n - 1))) * r
    u, v = np.empty(h), np.empty(h)
    p, q = a * y[1] - b * y[h + 1], b * y[1] + a * y[h + 1]
    u[0], v[0] = r * y[0] + p, r * y[0] - p
    u[1], v[1] = q + r * y[h], q - r * y[h]
    for i in range(2, h):
        u[i], v[i] = r * (y[i] + y[h + i]), r * (y[i] - y[h + i])
    return np.concatenate([_slant_page_adjoint(u), _slant_page_adjoint(v)])


def _slant_dense(n):
    return np.stack([_slant_page(e) for e in np.eye(n)], axis=1)


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16])
def test_slant_recursion_rows_and_coefficients(n):
    """docs/transforms/hadamard.md, The Slant transform: the recursion's explicit y formulas, a_n^2 + b_n^2 = 1,
    S_n orthonormal, row 0 = 1/sqrt n, row 1 = (n - 1 - 2j) sqrt(3/(n(n^2 - 1))). Against slant and slant_core."""
    s = _slant_dense(n)
    tol = 8 * math.log2(max(n, 2)) * EPS  # page's Slant bound 3.2 eps log2 n per unit vector, on both sides
    np.testing.assert_allclose(s @ s.T, np.eye(n), rtol=0, atol=2 * tol)  # n-term sums of products of two rows
    np.testing.assert_allclose(s[0], np.full(n, 1 / math.sqrt(n)), rtol=0, atol=tol)  # derived above
    if n >= 2:
        ramp = (n - 1 - 2 * np.arange(n)) * math.sqrt(3 / (n * (n * n - 1)))
        np.testing.assert_allclose(s[1], ramp, rtol=0, atol=tol)  # derived above
        an2, bn2 = 3 * n * n / (4 * (n * n - 1)), (n * n - 4) / (4 * (n * n - 1))
        assert math.isclose(an2 + bn2, 1.0, rel_tol=4 * EPS)  # two rounded quotients of exact integers
    x = np.random.default_rng(n).standard_normal((3, n))
    atol = tol * np.abs(x).sum(axis=1).max()  # same bound, scaled by sum|x|
    np.testing.assert_allclose(slant_core(x), x @ s.T, rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(slant(x), x @ s.T, rtol=0, atol=atol)  # derived above


def test_slant_s4_of_pratt_chen_welch():
    """docs/transforms/hadamard.md, The Slant transform: the S_4 matrix printed on the page, against slant(eye(4),
    axis=0) and the page's recursion."""
    r5 = 1 / math.sqrt(5)
    s4 = 0.5 * np.array([[1, 1, 1, 1], [3 * r5, r5, -r5, -3 * r5], [1, -1, -1, 1], [r5, -3 * r5, 3 * r5, -r5]])
    np.testing.assert_allclose(_slant_dense(4), s4, rtol=0, atol=8 * EPS)  # two levels of a few roundings each
    np.testing.assert_allclose(slant(np.eye(4), axis=0), s4, rtol=0, atol=8 * EPS)  # same two levels


@pytest.mark.parametrize("n", [4, 8, 16])
def test_slant_sign_change_counts_and_sequency_order(n):
    """docs/transforms/hadamard.md, The Slant transform: natural-order counts 0, 1, 4, 7, 2, 3, 5, 6 at n = 8; a row
    [w, w] from w with c changes has 2c + (c mod 2), [w, -w] has 2c + 1 - (c mod 2), rows 0, 1, h, h + 1 have
    0, 1, 2, 3 (counted); order="sequency" sorts by the count. Against slant_sequency_permutation, slant."""
    s, half = _slant_dense(n), _slant_dense(n // 2)
    h = n // 2
    counts = [_sign_changes(r) for r in s]
    if n == 8:
        assert counts == [0, 1, 4, 7, 2, 3, 5, 6]
    assert [counts[0], counts[1], counts[h], counts[h + 1]] == [0, 1, 2, 3]
    for i in range(2, h):
        c = _sign_changes(half[i])
        assert counts[i] == 2 * c + c % 2
        assert counts[h + i] == 2 * c + 1 - c % 2
    perm = np.argsort(counts)
    assert list(slant_sequency_permutation(n)) == list(perm)
    x = np.random.default_rng(n).standard_normal(n)
    np.testing.assert_allclose(slant(x, order="sequency"), s[perm] @ x, rtol=0,
                               atol=8 * math.log2(n) * EPS * np.abs(x).sum())  # page's 3.2 eps log2 n, both sides


@pytest.mark.parametrize("n", [2, 4, 8, 16])
def test_slant_adjoint_transposed_combination(n):
    """docs/transforms/hadamard.md, The Slant core's adjoint: the page's transposed combination (u_0 = r y_0 +
    (a' y_1 - b' y_{h+1}), ...) then S_{n/2}^T on both halves equals S_n^T y (dense) and the inverse.
    Against slant_core_adjoint and slant_adjoint."""
    s = _slant_dense(n)
    y = np.random.default_rng(n).standard_normal(n)
    atol = 8 * math.log2(n) * EPS * np.abs(y).sum()  # page's 3.2 eps log2 n per level chain, on both sides
    np.testing.assert_allclose(_slant_page_adjoint(y), s.T @ y, rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(slant_core_adjoint(y), s.T @ y, rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(slant_adjoint(y, input_shape=(n,)), s.T @ y, rtol=0, atol=atol)  # derived above
    np.testing.assert_allclose(slant(slant_adjoint(y, input_shape=(n,))), y, rtol=0, atol=2 * atol)  # two maps


# ----------------------------------------------------------------------------------------------------------
# One core, structural steps around it


@pytest.mark.parametrize("n", [1, 3, 5, 8, 12])
@pytest.mark.parametrize("order", ["natural", "sequency"])
@pytest.mark.parametrize("normalized", [True, False])
def test_chain_pad_core_permute_scale_and_adjoint(n, order, normalized):
    """docs/transforms/hadamard.md, One core: A = M^{-1} D Pi K P M along axis 0 (P pads n to the next power of two
    m, D = 1/sqrt m), A^* = P^T K Pi^T D (padding's adjoint crops: n entries back). Dense, against
    hadamard / hadamard_adjoint and slant / slant_adjoint with pad=True."""
    m = 1 << (n - 1).bit_length()
    h = _sylvester(m)
    pi = [_bitrev(k ^ (k >> 1), m.bit_length() - 1) for k in range(m)] if order == "sequency" else list(range(m))
    d = 1 / math.sqrt(m) if normalized else 1.0
    a = d * h[pi] @ _pad(m, n)
    rng = np.random.default_rng(n)
    x, y = rng.standard_normal((n, 2)), rng.standard_normal((m, 2))
    atol = (math.log2(m) + 2) * EPS * m * max(np.abs(x).sum(), np.abs(y).sum())  # (log2 m + 2) u, entries up to 1
    got = hadamard(x, axis=0, normalized=normalized, order=order, pad=True)
    np.testing.assert_allclose(got, a @ x, rtol=0, atol=atol)  # derived above
    back = hadamard_adjoint(y, input_shape=(n, 2), axis=0, normalized=normalized, order=order, pad=True)
    assert back.shape == (n, 2)
    np.testing.assert_allclose(back, a.T @ y, rtol=0, atol=atol)  # derived above
    if normalized:
        s = _slant_dense(m)
        perm = np.argsort([_sign_changes(r) for r in s]) if order == "sequency" else np.arange(m)
        b = s[perm] @ _pad(m, n)
        tol = 8 * math.log2(max(m, 2)) * EPS * max(np.abs(x).sum(), np.abs(y).sum())  # 3.2 eps log2 m, both sides
        np.testing.assert_allclose(slant(x, axis=0, order=order, pad=True), b @ x, rtol=0, atol=tol)  # derived above
        np.testing.assert_allclose(slant_adjoint(y, input_shape=(n, 2), axis=0, order=order, pad=True), b.T @ y,
                                   rtol=0, atol=tol)  # derived above


@pytest.mark.parametrize("n", [2, 8, 16])
def test_hadamard_is_self_adjoint_but_not_self_inverse_unnormalized(n):
    """docs/transforms/hadamard.md, Why the adjoint of hadamard is hadamard: H = H^T, so hadamard_adjoint equals
    hadamard (natural and sequency: W = W^T); unnormalized H H = m I is not I."""
    y = np.random.default_rng(n).integers(-9, 9, n).astype(float)
    for order in ("natural", "sequency"):
        adj = hadamard_adjoint(y, input_shape=(n,), normalized=False, order=order)
        assert np.array_equal(adj, hadamard(y, normalized=False, order=order))  # integer data: exact
    twice = hadamard(hadamard(y, normalized=False), normalized=False)
    assert np.array_equal(twice, n * y)  # integer data: exact
    assert not np.array_equal(twice, y)


# ----------------------------------------------------------------------------------------------------------
# The butterfly, Cost, Accuracy


def _butterfly_loop(x):
    """Stages h = 1, 2, 4, ...: in each block of 2h entries, (a, b) = (x_j, x_{j+h}) -> (a + b, a - b)."""
    z = [float(v) for v in x]
    n, h, adds = len(z), 1, 0
    while h < n:
        for start in range(0, n, 2 * h):
            for j in range(start, start + h):
                z[j], z[j + h] = z[j] + z[j + h], z[j] - z[j + h]
                adds += 2
        h *= 2
    return np.array(z), adds


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16])
def test_butterfly_stages_bit_for_bit_and_n_log_n_additions(n):
    """docs/transforms/hadamard.md, The butterfly and Cost: log2 n stages of (a, b) -> (a + b, a - b), each sqrt 2
    times an orthogonal matrix, n log2 n additions; the FWHT performs the same additions in the same order, so
    specref._jit.fwht.fwht equals the loop bit for bit (also on complex input, part by part)."""
    rng = np.random.default_rng(n)
    x = rng.standard_normal((2, n))
    loop = np.stack([_butterfly_loop(r)[0] for r in x])
    assert _butterfly_loop(x[0])[1] == n * int(math.log2(n))
    assert np.array_equal(fwht(x), loop)
    z = x[0] + 1j * x[1]
    assert np.array_equal(fwht(z), loop[0] + 1j * loop[1])
    h = 1
    while h < n:  # each stage is sqrt 2 times an orthogonal matrix
        stage = np.zeros((n, n))
        for start in range(0, n, 2 * h):
            for j in range(start, start + h):
                stage[j, j] = stage[j, j + h] = stage[j + h, j] = 1.0
                stage[j + h, j + h] = -1.0
        assert np.array_equal(stage @ stage.T, 2 * np.eye(n))  # small integers: exact
        h *= 2


def test_slant_operation_count_recursion():
    """docs/transforms/hadamard.md, Cost: C(n) = 2 C(n/2) + n + 2, C(2) = 2 solves to C(n) = n log2 n + n - 2, which
    is 1.10 n log2 n at n = 1024."""
    c = {2: 2}
    n = 2
    while n < 1024:
        n *= 2
        c[n] = 2 * c[n // 2] + n + 2
    for n, count in c.items():
        assert count == n * int(math.log2(n)) + n - 2
    assert round(c[1024] / (1024 * 10), 2) == 1.10


@pytest.mark.parametrize("n", [2, 4, 8, 16])
def test_accuracy_bounds_of_the_page(n):
    """docs/transforms/hadamard.md, Accuracy: the FWHT error ||y^ - y||_2 / ||y||_2 <= t u (first order,
    t = log2 n), the normalized one (log2 n + 2) u <= 1.5 eps log2 n; the Slant one <= 3.2 eps log2 n. Measured
    against math.fsum (exact sums, rounded once) and a long-double dense Slant matrix; y = H e_0 makes
    ||y||_2 = sqrt n ||y||_inf."""
    t = int(math.log2(n))
    assert (t + 2) * U <= 1.5 * EPS * t  # the page's claim itself, for n >= 2
    rng = np.random.default_rng(n)
    h = _sylvester(n)
    worst = 0.0
    for _ in range(20):
        x = rng.standard_normal(n)
        exact = np.array([math.fsum(h[k] * x) for k in range(n)])
        err = np.linalg.norm(hadamard(x, normalized=False) - exact) / np.linalg.norm(exact)
        worst = max(worst, err)
    assert worst <= t * U + U  # the page's t u, plus u for fsum's one rounding
    flat = hadamard(np.eye(n)[0], normalized=False)
    assert math.isclose(np.linalg.norm(flat), math.sqrt(n) * np.abs(flat).max(), rel_tol=2 * EPS)  # sqrt of n
    s = np.stack([_slant_page(e.astype(np.longdouble)) for e in np.eye(n, dtype=np.longdouble)], axis=1)
    x = rng.standard_normal(n)
    ref = s @ x.astype(np.longdouble)
    err = float(np.linalg.norm((slant(x) - ref).astype(float)) / np.linalg.norm(ref.astype(float)))
    assert err <= 3.2 * EPS * t + 4 * n * float(np.finfo(np.longdouble).eps)  # page's bound + reference's sums


def test_claimed_constants_of_the_registered_cases():
    """docs/transforms/hadamard.md, Accuracy: the registered cases use c = 1 + log2 m (+1 normalized), the Slant case
    c = 4 log2 max(n, 2), the oracle c = 2 in c eps log2 max(n, 2). Against _hadamard_scale, _slant_scale and
    specref.oracle.wht.wht_oracle_bound."""
    from specref.oracle.wht import wht_oracle_bound
    from specref.transforms.hadamard import _hadamard_scale
    from specref.transforms.slant import _slant_scale

    for n, pad, m in ((8, False, 8), (5, True, 8), (1, False, 1), (12, True, 16)):
        assert _hadamard_scale({"shape": (n,), "pad": pad, "normalized": False}) == 1 + math.log2(m)
        assert _hadamard_scale({"shape": (n,), "pad": pad}) == 2 + math.log2(m)
        assert _slant_scale({"shape": (n,), "pad": pad}) == 4 * math.log2(max(m, 2))
        assert wht_oracle_bound(m, np.float64).value == pytest.approx(2 * EPS * math.log2(max(m, 2)),
                                                                      rel=4 * EPS)  # a log2 and two products


def test_errors_of_the_page():
    """docs/transforms/hadamard.md, Errors and dtypes: a length that is not a power of two raises ValueError (pad=True
    pads 12 to 16), an empty axis raises with or without pad, a string flag raises TypeError, float32 stays
    float32."""
    with pytest.raises(ValueError, match="16"):
        hadamard(np.ones(12))
    assert hadamard(np.ones(12), pad=True).shape == (16,)
    for pad in (False, True):
        with pytest.raises(ValueError):
            hadamard(np.ones(0), pad=pad)
    with pytest.raises(TypeError):
        hadamard(np.ones(4), normalized="no")
    assert hadamard(np.ones(4, np.float32)).dtype == np.float32
    assert hadamard(np.ones(4, np.complex64)).dtype == np.complex64
