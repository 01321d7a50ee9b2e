"""The checks themselves: they pass on correct code and catch deliberately wrong VJPs and adjoints.

A check that cannot fail is worthless, so every check is run here against a wrong twin of a correct op.
"""

from __future__ import annotations

import numpy as np
import pytest

from specref.backend import random_normal
from specref.demo import (
    demo_dense_dft,
    demo_dense_dft_adjoint,
    demo_scaled_softplus,
    demo_scaled_softplus_vjp,
)
from specref.testing import (
    assert_close,
    check_adjoint,
    check_dense_adjoint,
    check_no_mutation,
    check_vjp,
    error_report,
)

# ------------------------------------------------------------------------------------------------------
# a real-to-complex R-linear map, its correct adjoint and wrong ones: y = (x + i x[::-1]) * 2


def _rlin(x):
    return (x + 1j * np.flip(x, axis=-1)) * 2.0


def _rlin_adjoint(y, *, input_shape):
    # Re<y, (x + i Jx) 2> = 2 (Re y . x + Im y . Jx) -> A* y = 2 (Re y + J Im y)
    return 2.0 * (y.real + np.flip(y.imag, axis=-1))


def _rlin_adjoint_conj_error(y, *, input_shape):
    return 2.0 * (y.real - np.flip(y.imag, axis=-1))  # sign of the imaginary part wrong


def _rlin_adjoint_complex_out(y, *, input_shape):
    return 2.0 * (y.real + np.flip(y.imag, axis=-1)) + 0j  # right values, wrong (complex) space


def _dft_adjoint_missing_conj(y, *, input_shape):
    return demo_dense_dft(y)  # F instead of F^H: the transpose without the conjugate (JAX's transpose)


def _dft_adjoint_one_entry_off(y, *, input_shape):
    x = demo_dense_dft_adjoint(y, input_shape=input_shape)
    x = x.copy()
    x[..., 2] *= 1.0 + 1e-6  # a wrong weight on one bin of n: a loose tolerance would not see it
    return x


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def test_adjoint_passes_for_correct_pairs(rng):
    x = rng.standard_normal(9)
    check_adjoint(_rlin, _rlin_adjoint, x).raise_if_failed()
    z = random_normal(rng, (3, 8), dtype="complex128")
    r = check_adjoint(demo_dense_dft, demo_dense_dft_adjoint, z, complex_linear=True).raise_if_failed()
    assert r.max_error < 1e-15


def test_adjoint_catches_sign_error(rng):
    r = check_adjoint(_rlin, _rlin_adjoint_conj_error, rng.standard_normal(9))
    assert r.passed is False
    with pytest.raises(AssertionError, match="adjoint"):
        r.raise_if_failed()


def test_adjoint_catches_wrong_space(rng):
    r = check_adjoint(_rlin, _rlin_adjoint_complex_out, rng.standard_normal(9))
    assert r.passed is False and "complex" in r.detail


def test_adjoint_catches_missing_conjugate(rng):
    z = random_normal(rng, (8,), dtype="complex128")
    r = check_adjoint(demo_dense_dft, _dft_adjoint_missing_conj, z, complex_linear=True)
    assert r.passed is False


def test_adjoint_catches_one_wrong_bin(rng):
    z = random_normal(rng, (8,), dtype="complex128")
    r = check_adjoint(demo_dense_dft, _dft_adjoint_one_entry_off, z, complex_linear=True)
    assert r.passed is False and r.max_error > 1e-8


def test_dense_adjoint_passes_and_names_the_wrong_entry(rng):
    z = random_normal(rng, (6,), dtype="complex128")
    check_dense_adjoint(demo_dense_dft, demo_dense_dft_adjoint, z).raise_if_failed()
    check_dense_adjoint(_rlin, _rlin_adjoint, rng.standard_normal(5)).raise_if_failed()
    r = check_dense_adjoint(demo_dense_dft, _dft_adjoint_one_entry_off, z)
    assert r.passed is False
    assert "input (2,)" in r.detail  # the wrong bin is named


def test_dense_adjoint_catches_r_linear_sign_error(rng):
    r = check_dense_adjoint(_rlin, _rlin_adjoint_conj_error, rng.standard_normal(5))
    assert r.passed is False and "imag" in r.detail


def test_dense_adjoint_refuses_large_spaces(rng):
    with pytest.raises(ValueError, match="real coordinates"):
        check_dense_adjoint(_rlin, _rlin_adjoint, rng.standard_normal(1000))


def test_dense_adjoint_skips_large_spaces_when_asked(rng):
    r = check_dense_adjoint(_rlin, _rlin_adjoint, rng.standard_normal(1000), skip_large=True)
    assert r.check == "dense_adjoint" and r.passed is None
    assert r.reason == "spaces of 1000 and 2000 real coordinates exceed 256; the dot test covers this size"
    check_dense_adjoint(_rlin, _rlin_adjoint, rng.standard_normal(5), skip_large=True).raise_if_failed()


# ------------------------------------------------------------------------------------------------------
# VJPs


def _softplus_vjp_missing_sigmoid(dy, x, w, y):
    dx, dw = demo_scaled_softplus_vjp(dy, x, w, y)
    return dy * w, dw  # forgot the sigmoid factor


def _softplus_vjp_unsummed(dy, x, w, y):
    dx, dw = demo_scaled_softplus_vjp(dy, x, w, y)
    return dx, dw * 2.0  # wrong broadcast reduction (counted twice)


def _square(z):
    return z * z


def _square_vjp_torch(dy, z, y):
    return dy * np.conj(2 * z)  # PyTorch convention: dL/da + i dL/db = dy * conj(dy/dz)


def _square_vjp_jax(dy, z, y):
    return dy * 2 * z  # JAX's convention (the conjugate): wrong under specref's convention


def test_vjp_passes_for_correct(rng):
    x, w = rng.standard_normal((4, 5)), rng.standard_normal(5)
    r = check_vjp(demo_scaled_softplus, demo_scaled_softplus_vjp, (x, w), argnums=(0, 1)).raise_if_failed()
    assert r.max_error < 1e-8
    z = random_normal(rng, (7,), dtype="complex128")
    check_vjp(_square, _square_vjp_torch, (z,)).raise_if_failed()


@pytest.mark.parametrize("wrong", [_softplus_vjp_missing_sigmoid, _softplus_vjp_unsummed])
def test_vjp_catches_wrong_gradient(rng, wrong):
    x, w = rng.standard_normal((4, 5)), rng.standard_normal(5)
    r = check_vjp(demo_scaled_softplus, wrong, (x, w), argnums=(0, 1))
    assert r.passed is False
    assert r.max_error > 1e3 * r.bound


def test_vjp_catches_wrong_complex_convention(rng):
    z = random_normal(rng, (7,), dtype="complex128")
    assert check_vjp(_square, _square_vjp_jax, (z,)).passed is False


def test_vjp_catches_wrong_number_of_gradients(rng):
    x, w = rng.standard_normal((4, 5)), rng.standard_normal(5)
    r = check_vjp(demo_scaled_softplus, demo_scaled_softplus_vjp, (x, w), argnums=(0,))
    assert r.passed is False


def test_vjp_catches_complex_gradient_of_real_input(rng):
    x, w = rng.standard_normal(3), rng.standard_normal(3)

    def vjp(dy, x, w, y):
        dx, dw = demo_scaled_softplus_vjp(dy, x, w, y)
        return dx + 0j, dw

    assert check_vjp(demo_scaled_softplus, vjp, (x, w), argnums=(0, 1)).passed is False


def test_vjp_float32_bound_is_looser_but_still_catches(rng):
    x, w = rng.standard_normal((4, 5)).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    ok = check_vjp(demo_scaled_softplus, demo_scaled_softplus_vjp, (x, w), argnums=(0, 1)).raise_if_failed()
    assert 1e-6 < ok.bound < 1e-2  # derived: eps32^(2/3) ~ 1.5e-5 times the problem's scale factors
    bad = check_vjp(demo_scaled_softplus, _softplus_vjp_missing_sigmoid, (x, w), argnums=(0, 1))
    assert bad.passed is False


def test_vjp_trees(rng):
    """Inputs and outputs may be lists of arrays (a DWT returns a list)."""

    def split(x):
        return [x[:3] * 2.0, np.sin(x[3:])]

    def split_vjp(dy, x, y):
        return np.concatenate([dy[0] * 2.0, dy[1] * np.cos(x[3:])])

    def split_vjp_wrong(dy, x, y):
        return np.concatenate([dy[0] * 2.0, dy[1] * np.sin(x[3:])])

    x = rng.standard_normal(7)
    check_vjp(split, split_vjp, (x,)).raise_if_failed()
    assert check_vjp(split, split_vjp_wrong, (x,)).passed is False


# ------------------------------------------------------------------------------------------------------
# no mutation


def test_no_mutation_passes_and_catches(rng):
    x = rng.standard_normal(5)
    check_no_mutation(np.sin, x).raise_if_failed()

    def destroys_input(a):
        a *= 2.0
        return a

    r = check_no_mutation(destroys_input, x)
    assert r.passed is False and "argument array 0" in r.detail


def test_no_mutation_nan_is_equal_to_itself():
    x = np.array([np.nan, 1.0])
    check_no_mutation(lambda a: a + 1, x).raise_if_failed()


# ------------------------------------------------------------------------------------------------------
# assert_close / error_report


def test_assert_close_reports_worst_entry():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    actual = expected.copy()
    actual[1, 0] += 1e-3
    with pytest.raises(AssertionError, match=r"index \(1, 0\)"):
        assert_close(actual, expected, rtol=1e-6, reason="test")  # normwise 2.5e-4 > 1e-6
    rel_bound = 1e-3  # normwise 2.5e-4 < 1e-3
    assert_close(actual, expected, rtol=rel_bound, reason="normwise 2.5e-4 < 1e-3")


def test_error_report_is_normwise_with_exact_zeros():
    """Elementwise relative error is infinite at an exact zero; the normwise one is not."""
    expected = np.array([0.0, 10.0])
    actual = np.array([1e-15, 10.0])
    rep = error_report(actual, expected)
    assert rep.normwise == pytest.approx(1e-16)
    assert rep.index == (0,)


def test_error_report_nonfinite():
    a = np.array([np.nan, np.inf, 1.0])
    assert error_report(a, a.copy()).max_abs == 0.0
    rep = error_report(np.array([np.nan, 1.0]), np.array([0.0, 1.0]))
    assert rep.max_abs == np.inf


def test_error_report_structure_mismatch():
    with pytest.raises(ValueError, match="shapes differ"):
        error_report([np.zeros(2)], [np.zeros(3)])


def test_checks_run_on_strict():
    s = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(0)
    z = random_normal(rng, (5,), dtype="complex128", xp=s)
    check_adjoint(demo_dense_dft, demo_dense_dft_adjoint, z, complex_linear=True).raise_if_failed()
    check_dense_adjoint(demo_dense_dft, demo_dense_dft_adjoint, z).raise_if_failed()
    x, w = random_normal(rng, (3, 2), xp=s), random_normal(rng, (2,), xp=s)
    check_vjp(demo_scaled_softplus, demo_scaled_softplus_vjp, (x, w), argnums=(0, 1)).raise_if_failed()
