"""The shared argument checks of specref._args: one accepted set, one message, TypeError for a wrong type and
ValueError for a wrong value, whichever family asks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref import _args as A


def test_normalize_axis():
    assert A.normalize_axis(-1, 3) == 2
    assert A.normalize_axis(np.int64(1), 3) == 1
    with pytest.raises(ValueError, match=r"axis 3 is out of range for an array of ndim 3; accepted: -3 \.\.\. 2"):
        A.normalize_axis(3, 3)
    with pytest.raises(ValueError, match="0-dimensional"):
        A.normalize_axis(0, 0)
    with pytest.raises(TypeError, match="axis must be an integer, got the bool"):
        A.normalize_axis(True, 3)
    with pytest.raises(TypeError, match="axis must be an integer, got the bool"):
        A.normalize_axis(np.True_, 3)
    with pytest.raises(TypeError, match="must be an integer"):
        A.normalize_axis("0", 3)


def test_normalize_axes():
    assert A.normalize_axes(None, 3) == (0, 1, 2)
    assert A.normalize_axes((-1, 0), 3) == (2, 0)
    assert A.normalize_axes([-1, 0], 3, count=2) == (2, 0)
    with pytest.raises(ValueError, match="names an axis twice"):
        A.normalize_axes((1, -2), 3)
    with pytest.raises(ValueError, match="axes is empty"):
        A.normalize_axes([], 3)
    with pytest.raises(TypeError, match="sequence of integers"):
        A.normalize_axes(0, 3)
    with pytest.raises(ValueError, match="0-dimensional"):
        A.normalize_axes(None, 0)
    with pytest.raises(ValueError, match="axes must name 2 axes"):
        A.normalize_axes((0, 1, 2), 3, count=2)


def test_normalize_axes_peer_options():
    # allow_repeats: numpy.fft.fftn transforms an axis once per listing; the order is kept
    assert A.normalize_axes((1, -2, 0), 3, allow_repeats=True) == (1, 1, 0)
    with pytest.raises(ValueError, match="axes is empty"):
        A.normalize_axes((), 3, allow_repeats=True)
    # allow_int: one integer is one axis, a 1-D array a sequence (scipy.fft's rule)
    assert A.normalize_axes(-1, 3, allow_int=True) == (2,)
    assert A.normalize_axes(np.int64(0), 3, allow_int=True) == (0,)
    assert A.normalize_axes(np.array([2, 0]), 3, allow_int=True) == (2, 0)
    with pytest.raises(ValueError, match="names an axis twice"):
        A.normalize_axes(np.array([2, -1]), 3, allow_int=True)  # repeats stay refused unless allowed
    with pytest.raises(TypeError, match="axes must be an integer, got the bool True"):
        A.normalize_axes(True, 3, allow_int=True)
    with pytest.raises(TypeError, match="axes must be a sequence of integers, got float 1.0"):
        A.normalize_axes(1.0, 3, allow_int=True)
    with pytest.raises(ValueError, match="axes entry 3 is out of range"):
        A.normalize_axes(3, 3, allow_int=True)


def test_lengths_and_sizes():
    assert A.check_length(np.int32(5)) == 5
    with pytest.raises(ValueError, match="accepted: an integer >= 1"):
        A.check_length(0)
    with pytest.raises(TypeError, match="must be an integer"):
        A.check_length(2.5)
    assert A.check_sizes((3, np.int64(4)), 2) == (3, 4)
    with pytest.raises(TypeError, match="size must be a sequence of 2 output lengths"):
        A.check_sizes(3, 2)
    with pytest.raises(ValueError, match="size must hold 2 output lengths"):
        A.check_sizes((3,), 2)
    with pytest.raises(ValueError, match="size entry = 0"):
        A.check_sizes((3, 0), 2)
    assert A.check_positive_int(np.int16(7), "hidden_dim") == 7
    with pytest.raises(TypeError, match="hidden_dim must be an integer, got float 64.0"):
        A.check_positive_int(64.0, "hidden_dim")
    with pytest.raises(TypeError, match="hidden_dim must be an integer, got the bool"):
        A.check_positive_int(True, "hidden_dim")
    with pytest.raises(ValueError, match="hidden_dim must be a positive integer, got 0"):
        A.check_positive_int(0, "hidden_dim")


def test_input_and_cotangent_shapes():
    assert A.check_input_shape([2, np.int64(3)]) == (2, 3)
    with pytest.raises(TypeError, match="input_shape must be the forward input's shape"):
        A.check_input_shape(None)
    with pytest.raises(ValueError, match="negative"):
        A.check_input_shape((2, -1))
    A.check_cotangent_shape(np.zeros((2, 3)), (2, 3), "f_adjoint", (2, 5))
    with pytest.raises(ValueError, match=r"f_adjoint: the cotangent has shape \(2, 4\).*input_shape \(2, 5\)"):
        A.check_cotangent_shape(np.zeros((2, 4)), (2, 3), "f_adjoint", (2, 5))


@pytest.mark.parametrize("norm, expected", [(None, "backward"), ("backward", "backward"), ("ortho", "ortho"),
                                            ("forward", "forward")])
def test_norm_accepted(norm, expected):
    assert A.check_norm(norm) == expected


@pytest.mark.parametrize("norm", ["Ortho", "none", "", 1, True, b"ortho"])
def test_norm_refused_with_one_message(norm):
    with pytest.raises(ValueError, match=r"unknown norm .*; accepted: 'backward', 'ortho', 'forward' \(or None"):
        A.check_norm(norm)


def test_probability():
    assert A.check_probability(0) == 0.0
    assert A.check_probability(np.float32(0.5)) == 0.5
    for bad in (1.0, -0.1, math.nan, math.inf):
        with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\)"):
            A.check_probability(bad)
    for bad in (True, "0.1", None, [0.1]):  # the same bad type gives the same TypeError in every family
        with pytest.raises(TypeError, match="p must be a real number"):
            A.check_probability(bad)


def test_nonnegative_float():
    assert A.check_nonnegative_float(0, "lambd") == 0.0
    assert A.check_nonnegative_float(np.float64(0.25), "lambd") == 0.25
    for bad in (-1e-300, math.nan, math.inf):
        with pytest.raises(ValueError, match="lambd must be a finite number >= 0"):
            A.check_nonnegative_float(bad, "lambd")
    with pytest.raises(TypeError, match="lambd must be a real number"):
        A.check_nonnegative_float(False, "lambd")


def test_positive_float():
    assert A.check_positive_float(2, "scale") == 2.0
    assert A.check_positive_float(np.float32(0.5), "scale") == 0.5
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="scale must be finite and > 0"):
            A.check_positive_float(bad, "scale")
    with pytest.raises(TypeError, match="scale must be a real number"):
        A.check_positive_float("1", "scale")


def test_flag_refuses_truthy_values():
    assert A.check_flag(True, "trainable") is True
    assert A.check_flag(np.False_, "trainable") is False
    for bad in ("no", "False", 0, 1, None, 1.0):
        with pytest.raises(TypeError, match="trainable must be True or False"):
            A.check_flag(bad, "trainable")


def test_power_of_two():
    assert A.check_power_of_two(1) == 1
    assert A.check_power_of_two(np.int64(64), "n") == 64
    for bad in (0, -4, 3, 6, 12):
        with pytest.raises(ValueError, match=f"n = {bad} is not a power of two"):
            A.check_power_of_two(bad)
    for bad in (True, 4.0, "4", None):
        with pytest.raises(TypeError, match="n must be an integer"):
            A.check_power_of_two(bad)


def test_choice():
    assert A.check_choice("sequency", ("natural", "sequency"), "order") == "sequency"
    for bad in ("walsh", "", None, 1, ("natural",)):  # any value outside the set, a non-string too (as norm)
        with pytest.raises(ValueError, match=r"unknown order .*; accepted: 'natural', 'sequency'"):
            A.check_choice(bad, ("natural", "sequency"), "order")


def test_sizes_accept_an_array_as_numpy_does():
    assert A.check_sizes(np.array([3, 5]), 2, name="s") == (3, 5)
    with pytest.raises(TypeError, match="s must be a sequence of 2 output lengths"):
        A.check_sizes("35", 2, name="s")


def test_cotangent_precision():
    x64 = np.zeros(3)
    A.check_cotangent_precision(np.zeros(3), x64, "f_vjp")
    A.check_cotangent_precision(np.zeros(3, np.complex128), x64, "f_vjp")  # complex128 is float64's precision
    A.check_cotangent_precision(np.zeros(3, np.float32), "complex64", "f_vjp")  # a dtype name stands for the forward
    with pytest.raises(TypeError, match=r"f_vjp: the cotangent dy has dtype float32, but the forward ran in float64 "
                                        r"\(x\); accepted: a cotangent of the forward's precision"):
        A.check_cotangent_precision(np.zeros(3, np.float32), x64, "f_vjp")
    with pytest.raises(TypeError, match=r"the cotangent dk has dtype complex128, but the forward ran in float32 \(q\)"):
        A.check_cotangent_precision(np.zeros(3, np.complex128), np.zeros(3, np.float32), "g", name="dk",
                                    forward_name="q")
    with pytest.raises(TypeError, match="dy has dtype int64"):
        A.check_cotangent_precision(np.zeros(3, np.int64), x64, "f_vjp")


def test_check_allocation_refuses_before_allocating_with_the_estimate():
    assert A.check_allocation((4, 4), 8, "m") == 128
    assert A.check_allocation((1000,), 8, "m", limit=8000) == 8000  # the limit itself is accepted
    with pytest.raises(ValueError, match=r"m\(n=1001\): the result, shape \(1001,\) at 8 bytes per entry, would "
                                         r"need 8008 bytes \(7.82 KiB\), more than 8000 bytes \(7.81 KiB, the "
                                         r"limit given\); accepted: a size whose result fits in memory"):
        A.check_allocation((1001,), 8, "m(n=1001)", limit=8000)
    with pytest.raises(ValueError, match=r"would need 9671406556917033397649408 bytes .* more entries than an "
                                         r"array can index \(2\*\*63\)"):
        A.check_allocation((2**40, 2**40), 8, "hadamard_matrix(n=2**40)")
    limit = A.memory_limit()
    assert limit is None or limit > 0
    if limit is not None:  # the default limit: the machine's total memory, the same on every call
        assert A.memory_limit() == limit
        A.check_allocation((limit // 8,), 8, "m")
        with pytest.raises(ValueError, match="this machine's total memory"):
            A.check_allocation((limit // 8 + 1,), 8, "m")
