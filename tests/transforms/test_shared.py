"""The pieces several transform families share (specref.transforms._shared): each against its definition."""

from __future__ import annotations

import numpy as np
import pytest

from specref.backend import random_normal, to_numpy
from specref.testing import assert_close, check_adjoint, check_dense_adjoint
from specref.testing.inputs import random_input
from specref.transforms import _shared as S
from specref.transforms.structural import Step


def test_permute_last_and_its_adjoint(xp):
    index = (2, 0, 3, 1)
    x = random_normal(0, (3, 4), dtype="complex128", xp=xp)
    assert np.array_equal(to_numpy(S.permute_last(x, index=index)), to_numpy(x)[:, list(index)])
    y = S.permute_last(x, index=index)
    assert np.array_equal(to_numpy(S.permute_last_adjoint(y, input_shape=(3, 4), index=index)), to_numpy(x))
    kwargs = {"index": index}
    check_adjoint(S.permute_last, S.permute_last_adjoint, x, kwargs=kwargs, rng=1, error_scale=1.0,
                  complex_linear=True).raise_if_failed()
    check_dense_adjoint(S.permute_last, S.permute_last_adjoint, x, kwargs=kwargs, error_scale=1.0).raise_if_failed()
    with pytest.raises(ValueError, match="cotangent has shape"):
        S.permute_last_adjoint(y, input_shape=(3, 5), index=index)


@pytest.mark.parametrize(("n", "pad", "m"), [(1, False, 1), (8, False, 8), (5, True, 8), (16, True, 16)])
def test_power_of_two_length(n, pad, m):
    assert S.power_of_two_length(n, pad, 0, "hadamard") == m


def test_power_of_two_length_errors():
    with pytest.raises(ValueError, match=r"hadamard needs a power-of-two length along axis 1, got n = 6; pass pad"):
        S.power_of_two_length(6, False, 1, "hadamard")
    with pytest.raises(ValueError, match="empty along axis 0"):
        S.power_of_two_length(0, True, 0, "slant")


def test_cis_reduces_the_angle_exactly(xp):
    like = xp.asarray(np.zeros(1))
    r = np.array([0, 1, 7, 8, 15, -1, 16 * 10**9 + 3])
    got = to_numpy(S.cis(r, 8, like))
    expected = np.exp(-1j * np.pi * np.mod(r, 16) / 8)  # the angle from the reduced integer, as cis forms it
    assert_close(got, expected, rtol=4 * np.finfo(np.float64).eps, reason="cos and sin of one angle, a few ulps")
    assert to_numpy(S.cis(r, 8, xp.asarray(np.zeros(1, np.float32)))).dtype == np.complex64


def test_on_parts_is_c_linear(xp):
    def double_and_flip(v):  # a real linear map
        return 2.0 * xp.flip(v, axis=-1)

    z = random_normal(3, (2, 5), dtype="complex128", xp=xp)
    got = to_numpy(S.on_parts(double_and_flip, z))
    assert np.array_equal(got, 2.0 * to_numpy(z)[:, ::-1])
    r = random_normal(3, (5,), dtype="float64", xp=xp)
    assert np.array_equal(to_numpy(S.on_parts(double_and_flip, r)), 2.0 * to_numpy(r)[::-1])


def test_run_forward_and_adjoint_check_their_inputs(xp):
    steps = [Step("twice", lambda v: 2 * v, lambda v: 2 * v, (3,))]
    x = xp.asarray(np.ones(3))
    assert np.array_equal(to_numpy(S.run_forward(steps, x)), 2 * np.ones(3))
    assert np.array_equal(to_numpy(S.run_adjoint(steps, x, "twice_adjoint", (3,))), 2 * np.ones(3))
    with pytest.raises(TypeError, match="accepted"):
        S.run_forward(steps, xp.asarray(np.ones(3, dtype=np.int64)))
    with pytest.raises(ValueError, match="twice_adjoint: the cotangent has shape"):
        S.run_adjoint(steps, xp.asarray(np.ones(4)), "twice_adjoint", (3,))


def test_random_input_and_dense_apply(xp):
    inputs = random_input(np.random.default_rng(0), xp, "float32", shape=(2, 3), complex_input=True, axis=0)
    assert inputs.args[0].dtype == xp.complex64 and inputs.kwargs == {"axis": 0}
    assert S.padded_length(5, True) == 8 and S.padded_length(5, False) == 5
    x = np.arange(6.0).reshape(2, 3)
    matrix = np.arange(16.0).reshape(4, 4)
    expected = np.concatenate([x, np.zeros((2, 1))], axis=1) @ matrix.T
    assert np.array_equal(S.dense_apply(matrix, x, -1), expected)
    assert np.array_equal(S.dense_apply(matrix, x.T, 0), expected.T)
