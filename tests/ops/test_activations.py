"""The activation table and its three primitives: identity, elu and leaky_relu against independent formulas,
their VJPs against central differences and at the kinks (PyTorch's one-sided choices), bad arguments, the
backends, the table's names and kinks, and wrong VJPs that the check must catch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.backend import get_namespace, to_numpy
from specref.ops import elementwise
from specref.ops.activations import (
    ACTIVATION_KINKS,
    ACTIVATIONS,
    CASES,
    elu,
    elu_vjp,
    identity,
    identity_vjp,
    leaky_relu,
    leaky_relu_vjp,
)
from specref.testing import assert_close, check_no_mutation, check_vjp
from specref.testing.draws import draw_away


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_the_table_has_every_name_spectrans_and_torch_accept():
    assert set(ACTIVATIONS) == {"gelu", "relu", "silu", "tanh", "sigmoid", "identity", "elu", "leaky_relu"}
    # the elementwise ones are the primitives of specref.ops.elementwise, not copies
    for name in ("gelu", "relu", "silu", "tanh", "sigmoid"):
        assert ACTIVATIONS[name] == (getattr(elementwise, name), getattr(elementwise, f"{name}_vjp"))
    assert ACTIVATIONS["elu"] == (elu, elu_vjp)
    assert ACTIVATIONS["leaky_relu"] == (leaky_relu, leaky_relu_vjp)
    assert ACTIVATIONS["identity"] == (identity, identity_vjp)
    assert ACTIVATION_KINKS == {"relu": (0.0,), "leaky_relu": (0.0,), "elu": (0.0,)}


def test_the_afno_tables_are_this_table():
    from specref.layers.mixing import afno

    assert afno.ACTIVATION_KINKS is ACTIVATION_KINKS
    assert set(afno.AFNO_ACTIVATIONS) == {"gelu", "relu", "silu", "tanh", "sigmoid", "identity"}
    assert all(afno.AFNO_ACTIVATIONS[k] is ACTIVATIONS[k] for k in afno.AFNO_ACTIVATIONS)


def test_elu_matches_its_formula_and_torchs_defaults(rng):
    x = np.concatenate([rng.standard_normal(50) * 3, [0.0, -0.0, 1e-12, -1e-12, -40.0, 800.0]])
    expected = np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))
    assert_close(elu(x), expected, rtol=0.0, atol=0.0)  # the same expm1 and select: bit for bit
    expected_half = np.where(x > 0, x, 0.5 * np.expm1(np.minimum(x, 0.0)))
    assert_close(elu(x, alpha=0.5), expected_half, rtol=0.0, atol=0.0)  # the same expm1, product and select: exact
    assert elu(np.array([-1e-12]))[0] == pytest.approx(-1e-12, rel=1e-12)  # expm1: no cancellation near 0
    assert elu(np.array([800.0]))[0] == 800.0  # no overflow warning from the branch not taken


def test_leaky_relu_matches_its_formula(rng):
    x = rng.standard_normal(40)
    assert_close(leaky_relu(x), np.where(x > 0, x, 0.01 * x), rtol=0.0, atol=0.0)  # one product, one select: exact
    steep = np.where(x > 0, x, 0.3 * x)
    assert_close(leaky_relu(x, negative_slope=0.3), steep, rtol=0.0, atol=0.0)  # one product, one select: exact
    assert np.isnan(leaky_relu(np.array([np.nan]))[0])


def test_identity_returns_its_input_and_the_cotangent():
    x = np.arange(6.0).reshape(2, 3)
    assert identity(x) is x
    dy = np.ones((2, 3)) * 2.0
    assert identity_vjp(dy, x, x) is dy


@pytest.mark.parametrize("name,f,f_vjp,kw", [
    ("elu", elu, elu_vjp, {}),
    ("elu_half", elu, elu_vjp, {"alpha": 0.5}),
    ("leaky_relu", leaky_relu, leaky_relu_vjp, {}),
    ("leaky_relu_steep", leaky_relu, leaky_relu_vjp, {"negative_slope": 0.2}),
    ("identity", identity, identity_vjp, {}),
])
def test_vjp_against_central_differences(rng, name, f, f_vjp, kw):
    x = draw_away(rng, (3, 4), kinks=(0.0,), scale=2.0)
    r = check_vjp(lambda a: f(a, **kw), lambda dy, a, y: f_vjp(dy, a, y, **kw), (x,), rng=rng, error_scale=8.0)
    assert r.passed, r.detail


def test_vjps_at_the_kink_take_torchs_left_derivative():
    x = np.array([0.0, 1.0, -1.0])
    dy = np.array([3.0, 3.0, 3.0])
    expected = np.array([3.0, 3.0, 3.0 * math.exp(-1.0)])
    assert_close(elu_vjp(dy, x, elu(x)), expected, rtol=1e-15, atol=0.0)  # exp and one product: 2 eps64 < 1e-15
    assert elu_vjp(dy, x, elu(x, alpha=0.5), alpha=0.5)[0] == 1.5  # alpha e^0: the x <= 0 branch
    slopes = np.array([0.03, 3.0, 0.03])
    assert_close(leaky_relu_vjp(dy, x, leaky_relu(x)), slopes, rtol=1e-15, atol=0.0)  # one product: eps64 < 1e-15


def test_elu_first_derivative_is_continuous_at_0_for_alpha_1_but_the_second_jumps():
    h = 1e-6
    left = elu_vjp(np.ones(2), np.array([-h, -2 * h]), None)
    right = elu_vjp(np.ones(2), np.array([h, 2 * h]), None)
    assert abs(left[0] - right[0]) < 2e-6  # 1 - e^(-h) ~ h: continuous
    second_left = (left[0] - left[1]) / h  # ~ e^0 = 1
    second_right = (right[1] - right[0]) / h  # 0
    assert second_left == pytest.approx(1.0, abs=1e-5) and second_right == 0.0  # quotient error O(h) + eps/h


def test_a_wrong_vjp_is_caught(rng):
    x = draw_away(rng, (3, 4), kinks=(0.0,))
    wrong = lambda dy, a, y: elu_vjp(dy, a, y) * np.where(a > 0, 1.0, 1.0 + 1e-4)  # noqa: E731
    assert not check_vjp(elu, wrong, (x,), rng=rng, error_scale=8.0).passed
    wrong_slope = lambda dy, a, y: leaky_relu_vjp(dy, a, y, negative_slope=0.02)  # noqa: E731
    assert not check_vjp(leaky_relu, wrong_slope, (x,), rng=rng, error_scale=8.0).passed


@pytest.mark.parametrize("f", [elu, leaky_relu, identity])
def test_bad_inputs_are_refused(f):
    with pytest.raises(TypeError):
        f(np.ones(3, dtype=complex))
    with pytest.raises(TypeError):
        f(np.ones(3, dtype=np.int64))


def test_bad_keywords_are_refused():
    x = np.ones(3)
    with pytest.raises(ValueError, match="alpha"):
        elu(x, alpha=-1.0)
    with pytest.raises(ValueError, match="negative_slope"):
        leaky_relu(x, negative_slope=float("nan"))
    with pytest.raises(TypeError, match="float32"):
        elu_vjp(np.ones(3, np.float32), x, elu(x))
    with pytest.raises(ValueError, match="shape"):
        leaky_relu_vjp(np.ones(4), x, leaky_relu(x))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["elu", "leaky_relu", "identity"])
def test_strict_backend_and_precision(name, dtype):
    xp = get_namespace("strict")
    f, f_vjp = ACTIVATIONS[name]
    host = np.linspace(-2.0, 2.0, 9).astype(dtype)
    x = xp.asarray(host)
    y = f(x)
    assert str(y.dtype).endswith(dtype)
    dx = f_vjp(xp.asarray(np.ones(9, dtype)), x, y)
    assert str(dx.dtype).endswith(dtype)
    assert_close(to_numpy(y), f(host), rtol=0.0, atol=0.0)  # the same elementwise operations on both backends: exact


def test_no_mutation(rng):
    x = draw_away(rng, (2, 3), kinks=(0.0,))
    dy = rng.standard_normal((2, 3))
    for f, f_vjp in (ACTIVATIONS["elu"], ACTIVATIONS["leaky_relu"]):
        assert check_no_mutation(f, x).passed
        assert check_no_mutation(f_vjp, dy, x, f(x)).passed


def test_cases_are_registered():
    assert {c.name for c in CASES} == {"identity", "elu", "leaky_relu"}
