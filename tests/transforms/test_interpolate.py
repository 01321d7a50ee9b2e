"""Linear, bilinear and periodic interpolation: PyTorch's formula on hand-computed examples, exact weights,
dot and dense adjoint tests, the periodic map's frequency properties, errors, dtypes and the registry cases.

Tolerances: an interpolated entry is two weights (exact ratios, each rounded once) times two samples, summed:
3 roundings of u = eps/2 relative to sum |w x| <= max|x| (the weights are non-negative and sum to 1), so a
normwise error <= 1.5 eps against a reference that is exact or itself within 1.5 eps; the adjoint sums at
most 2 floor(m/n) + 3 terms, (floor(m/n) + 2) eps. The module's error scale c (floor(m/n) + 3 per axis)
covers both.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from specref.backend import finfo_eps, get_namespace, random_normal, to_numpy
from specref.testing.checks import assert_close, check_adjoint, check_dense_adjoint, check_no_mutation
from specref.testing.runner import run_case
from specref.transforms import interpolate as interp
from specref.transforms.interpolate import (
    interpolate_bilinear,
    interpolate_bilinear_adjoint,
    interpolate_linear,
    interpolate_linear_adjoint,
    interpolate_periodic,
    interpolate_periodic_adjoint,
    interpolation_matrix,
    linear_taps,
    periodic_taps,
)

EPS = finfo_eps("float64")
PAIRS = [(n, m) for n in (1, 2, 3, 4, 5, 8, 16) for m in (1, 2, 3, 5, 6, 12, 17)]


def torch_formula(v, m, align_corners=False):
    """An independent transcription of ATen's linear upsampling, one output at a time (rationals: exact)."""
    n = len(v)
    out = []
    for j in range(m):
        if align_corners:
            src = Fraction(j * (n - 1), m - 1) if m > 1 else Fraction(0)
        else:
            src = max(Fraction(2 * j + 1, 2) * Fraction(n, m) - Fraction(1, 2), Fraction(0))
        i0 = min(math.floor(src), n - 1)
        lam = min(max(src - i0, Fraction(0)), Fraction(1))
        i1 = i0 + 1 if i0 < n - 1 else i0
        out.append((1 - lam) * Fraction(v[i0]) + lam * Fraction(v[i1]))
    return np.array([float(o) for o in out])


# ----------------------------------------------------------------------------------------------------------
# PyTorch's formula


def test_hand_examples(xp):
    def lin(v, m, **kw):
        return to_numpy(interpolate_linear(xp.asarray(np.array(v, dtype=np.float64)), size=m, **kw))

    # upsample 2 -> 4: src = (j + 0.5)/2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (right edge)
    np.testing.assert_array_equal(lin([1.0, 2.0], 4), [1.0, 1.25, 1.75, 2.0])
    # downsample 4 -> 2: src = (j + 0.5) 2 - 0.5 = 0.5, 2.5
    np.testing.assert_array_equal(lin([0.0, 1.0, 2.0, 3.0], 2), [0.5, 2.5])
    # one output: the centre, src = 0.5 n - 0.5
    np.testing.assert_array_equal(lin([0.0, 1.0, 2.0, 3.0], 1), [1.5])
    # align_corners: the end samples map to the end samples, src = j (n - 1)/(m - 1)
    np.testing.assert_array_equal(lin([0.0, 1.0, 2.0], 5, align_corners=True), [0.0, 0.5, 1.0, 1.5, 2.0])
    np.testing.assert_array_equal(lin([3.0, 5.0], 1, align_corners=True), [3.0])
    # one sample: a constant; the same length: the identity (a copy)
    np.testing.assert_array_equal(lin([7.0], 3), [7.0, 7.0, 7.0])
    np.testing.assert_array_equal(lin([1.0, -2.0, 3.5], 3), [1.0, -2.0, 3.5])
    # upsample 3 -> 5: src = 0.6 j - 0.2 -> 0 (clamped), 0.4, 1.0, 1.6, 2.2 (right edge)
    np.testing.assert_array_equal(lin([0.0, 10.0, 20.0], 5), [0.0, 4.0, 10.0, 16.0, 20.0])


@pytest.mark.parametrize("align_corners", [False, True])
def test_matches_torch_formula(align_corners):
    rng = np.random.default_rng(0)
    for n, m in PAIRS:
        v = rng.standard_normal(n)
        expected = torch_formula(v, m, align_corners)  # exact rational arithmetic, rounded once
        got = interpolate_linear(v, size=m, align_corners=align_corners)
        # 3 roundings of u relative to sum|w x| <= max|v|: 1.5 eps max|v|; the expected value is exact
        assert np.max(np.abs(got - expected)) <= 1.5 * EPS * np.max(np.abs(v)), (n, m)


def test_weights_are_exact_ratios_rounded_once():
    for n, m in PAIRS:
        index, weight = linear_taps(n, m)
        for j in range(m):
            src = max(Fraction(2 * j + 1, 2) * Fraction(n, m) - Fraction(1, 2), Fraction(0))
            i0 = min(math.floor(src), n - 1)
            lam = src - math.floor(src) if i0 < n - 1 else Fraction(0)
            assert index[j, 0] == i0
            assert weight[j, 1] == float(lam) and weight[j, 0] == float(1 - lam), (n, m, j)


def test_right_edge_copies_the_last_sample_exactly():
    # where both taps read x[n-1] the weights merge into 1: 0.75 x + 0.25 x can be off by an ulp, x is not
    v = np.array([0.1, 0.7, 1.0 / 3.0])
    y = interpolate_linear(v, size=11)
    assert y[-1] == v[-1] and y[-2] == v[-1]


def test_matrix_rows_are_convex_combinations():
    for n, m in PAIRS:
        for kind in ("linear", "periodic"):
            w = interpolation_matrix(n, m, kind=kind)
            assert w.shape == (m, n) and np.all(w >= 0)
            np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=0, atol=EPS)  # w0 + w1: one rounding each
            assert np.all((w > 0).sum(axis=1) <= 2)


def test_tables_are_read_only_and_transposed_width_is_bounded():
    index, weight = linear_taps(4, 9)
    with pytest.raises(ValueError):
        weight[0, 0] = 3.0
    for n, m in PAIRS:
        t_index, t_weight = interp._transposed_taps("linear", n, m, False)
        assert t_index.shape[1] <= 2 * (m // n) + 3, (n, m)  # the bound of the module docstring
        dense = np.zeros((n, m))
        np.add.at(dense, (np.repeat(np.arange(n), t_index.shape[1]), t_index.ravel()), t_weight.ravel())
        np.testing.assert_array_equal(dense, interpolation_matrix(n, m).T)  # the same numbers, transposed


def test_axis_and_batch(xp):
    x = random_normal(1, (3, 5, 2), xp=xp)
    y = interpolate_linear(x, size=7, axis=1)
    assert y.shape == (3, 7, 2)
    expected = np.stack([torch_formula(to_numpy(x)[a, :, b], 7) for a in range(3) for b in range(2)])
    got = np.moveaxis(to_numpy(y), 1, -1).reshape(6, 7)
    rel_bound = 2 * EPS  # 1.5 eps (3 roundings), against an exact reference
    assert_close(got, expected, rtol=rel_bound, reason="1.5 eps (3 roundings), against an exact reference")


def test_complex_is_componentwise(xp):
    z = random_normal(2, (4, 6), dtype="complex128", xp=xp)
    y = interpolate_linear(z, size=9)
    re = interpolate_linear(xp.real(z), size=9)
    im = interpolate_linear(xp.imag(z), size=9)
    np.testing.assert_array_equal(to_numpy(y), to_numpy(re) + 1j * to_numpy(im))  # same roundings per part


def test_bilinear_is_torch_four_corner_formula(xp):
    x = random_normal(3, (2, 5, 6), xp=xp)
    y = interpolate_bilinear(x, size=(3, 10))
    ref = interp._reference_bilinear(to_numpy(x), size=(3, 10))
    # two 1-D passes (1.5 eps each) against the four-corner formula's own ~3 roundings of products:
    rel_bound = 6 * EPS  # 1.5 eps per axis, twice, and the reference's own 3 eps
    assert_close(y, ref, rtol=rel_bound, reason="1.5 eps per axis, twice, and the reference's own 3 eps")
    sep = interpolate_linear(interpolate_linear(x, size=3, axis=1), size=10, axis=2)
    np.testing.assert_array_equal(to_numpy(y), to_numpy(sep))


# ----------------------------------------------------------------------------------------------------------
# periodic interpolation: the frequency-axis properties


def test_periodic_hand_examples():
    # 4 samples on the circle at 0, 1/4, 1/2, 3/4; outputs at 0, 1/8, ..., 7/8
    np.testing.assert_array_equal(interpolate_periodic(np.array([0.0, 2.0, 4.0, 6.0]), size=8),
                                  [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 3.0])  # the last one wraps: (6 + 0)/2
    # downsampling by an integer factor keeps every r-th sample
    np.testing.assert_array_equal(interpolate_periodic(np.arange(6.0), size=3), [0.0, 2.0, 4.0])


def test_periodic_keeps_dc_and_hermitian_symmetry():
    rng = np.random.default_rng(4)
    for n, m in PAIRS:
        x = rng.standard_normal(n) + 1j * rng.standard_normal(n)
        h = 0.5 * (x + np.conj(x[(-np.arange(n)) % n]))  # Hermitian: h[-k] = conj(h[k])
        y = interpolate_periodic(h, size=m)
        assert y[0] == h[0]  # DC is copied
        abs_bound = 2 * EPS * np.abs(h).max()  # conj reflection commutes with the map: j, m - j weights mirror
        np.testing.assert_allclose(y[(-np.arange(m)) % m], np.conj(y), rtol=0, atol=abs_bound)  # absolute only


def test_periodic_nyquist_rule():
    v = np.array([1.0, 2.0, 3.0, 4.0, 5.0])  # odd n = 5: bins +-2 sit at +-2/5, around frequency 1/2
    y = interpolate_periodic(v, size=4)  # even m: output bin 2 reads frequency 1/2
    assert y[2] == 0.5 * (v[2] + v[3])
    w = np.array([1.0, 2.0, 3.0, 4.0])  # even n: the Nyquist bin 2 sits at frequency 1/2 itself
    assert interpolate_periodic(w, size=6)[3] == w[2]


# ----------------------------------------------------------------------------------------------------------
# adjoints


OPS = [
    (interpolate_linear, interpolate_linear_adjoint, {"size": 11}),
    (interpolate_linear, interpolate_linear_adjoint, {"size": 3, "axis": 0, "align_corners": True}),
    (interpolate_periodic, interpolate_periodic_adjoint, {"size": 7}),
    (interpolate_periodic, interpolate_periodic_adjoint, {"size": 2, "axis": 0}),
    (interpolate_bilinear, interpolate_bilinear_adjoint, {"size": (6, 2)}),
    (interpolate_bilinear, interpolate_bilinear_adjoint, {"size": (3, 7), "axes": (1, 0)}),
]


@pytest.mark.parametrize("op,adjoint,kw", OPS)
@pytest.mark.parametrize("complex_input", [False, True])
def test_adjoints(xp, op, adjoint, kw, complex_input):
    x = random_normal(5, (4, 5), dtype="complex128" if complex_input else "float64", xp=xp)
    c = 12.0  # floor(m/n) + 3 per axis, at most 12 over both axes here (module error scale)
    check_adjoint(op, adjoint, x, kwargs=kw, rng=1, error_scale=c, complex_linear=True).raise_if_failed()
    check_dense_adjoint(op, adjoint, x, kwargs=kw, error_scale=c).raise_if_failed()
    check_no_mutation(op, x, **kw).raise_if_failed()
    y = op(x, **kw)
    check_no_mutation(adjoint, y, input_shape=x.shape, **kw).raise_if_failed()


# ----------------------------------------------------------------------------------------------------------
# dtypes and errors


def test_float32_output_and_accuracy(xp):
    x64 = random_normal(6, (3, 8), xp=xp)
    x32 = xp.astype(x64, xp.float32)
    y32 = interpolate_linear(x32, size=13)
    assert y32.dtype == xp.float32
    assert interpolate_periodic(xp.astype(x64, xp.complex64), size=5).dtype == xp.complex64
    eps32 = finfo_eps("float32")
    # 1.5 eps32 for the arithmetic plus eps32/2 for rounding the input to float32
    rel_bound = 2 * eps32  # 1.5 eps32 + input rounding
    assert_close(y32, interpolate_linear(x64, size=13), rtol=rel_bound, reason="1.5 eps32 + input rounding")


def test_errors():
    x = np.zeros((3, 4))
    with pytest.raises(ValueError, match="size = 0"):
        interpolate_linear(x, size=0)
    with pytest.raises(TypeError, match="size must be an integer"):
        interpolate_linear(x, size=2.5)
    with pytest.raises(ValueError, match="out of range"):
        interpolate_linear(x, size=3, axis=2)
    with pytest.raises(TypeError):
        interpolate_linear(np.zeros(4, dtype=np.int64), size=3)
    with pytest.raises(ValueError, match="input length along axis"):
        interpolate_linear(np.zeros((3, 0)), size=3)
    with pytest.raises(TypeError, match="sequence of 2 output lengths"):  # a wrong type is a TypeError (_args)
        interpolate_bilinear(x, size=5)
    with pytest.raises(ValueError, match="must hold 2 output lengths"):
        interpolate_bilinear(x, size=(5, 4, 3))
    with pytest.raises(ValueError, match="cotangent has shape"):
        interpolate_linear_adjoint(np.zeros((3, 5)), input_shape=(3, 4), size=6)
    with pytest.raises(TypeError, match="input_shape"):
        interpolate_periodic_adjoint(np.zeros((3, 5)), input_shape=None, size=5)
    with pytest.raises(ValueError, match="unknown interpolation kind"):
        interpolation_matrix(3, 4, kind="cubic")
    for bad in ("no", 1, None):  # a flag, not anything truthy (_args.check_flag), in every entry point
        with pytest.raises(TypeError, match="align_corners must be True or False"):
            interpolate_linear(x, size=3, align_corners=bad)
        with pytest.raises(TypeError, match="align_corners must be True or False"):
            interpolate_bilinear_adjoint(np.zeros((2, 2)), input_shape=(3, 4), size=(2, 2), align_corners=bad)
        with pytest.raises(TypeError, match="align_corners must be True or False"):
            interpolation_matrix(3, 4, align_corners=bad)


@pytest.mark.parametrize("name", ["interpolate_linear", "interpolate_bilinear", "interpolate_periodic"])
def test_registry_cases_pass(xp, name):
    case = next(c for c in interp.CASES if c.name == name)
    rows = [r for point in run_case(case, xp) for r in point]
    failed = [f"{r.check} {r.params} {r.dtype}: {r.reason}" for r in rows if r.passed is False]
    assert not failed, failed
    assert {"adjoint", "dense_adjoint", "reference"} <= {r.check for r in rows}


def test_periodic_taps_match_circle_positions():
    for n, m in PAIRS:
        index, weight = periodic_taps(n, m)
        for j in range(m):
            t = Fraction(j * n, m)
            assert index[j, 0] == math.floor(t)
            if index[j, 1] != index[j, 0]:
                assert weight[j, 1] == float(t - math.floor(t))


def test_strict_namespace_runs():
    xs = get_namespace("strict")
    x = xs.asarray(np.arange(6.0))
    y = interpolate_linear(x, size=4)
    np.testing.assert_array_equal(to_numpy(y), torch_formula(np.arange(6.0), 4))


def test_interpolation_matrix_refuses_a_size_that_cannot_fit_with_the_estimate():
    """Issue 11: refused before allocating, the estimate in the message (an (m, n) float64 matrix)."""
    with pytest.raises(ValueError, match=r"interpolation_matrix\(n=16777216, m=33554432\): the result, shape "
                                         r"\(33554432, 16777216\) at 8 bytes per entry, would need "
                                         r"4503599627370496 bytes"):
        interpolation_matrix(2**24, 2**25)
    with pytest.raises(ValueError, match="m = 0 is not a valid transform length"):
        interpolation_matrix(3, 0)
