"""The input contract of every VJP in the registry (a cotangent of another precision is refused), and of the
primitives (no raw NumPy error escapes: mismatched shapes, an empty softmax axis, 0-d arrays, lists).

The precision test iterates every registered case with a VJP (primitives, kernels, layers, the demo): the
forward runs in one precision and the VJP is handed the cotangent in the other.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from specref.backend import is_complex
from specref.ops import (
    block_linear,
    block_linear_vjp,
    exp_vjp,
    linear_vjp,
    normalize_rows_clamped,
    normalize_rows_shifted_vjp,
    softmax,
    softmax_vjp,
    view_as_complex,
    view_as_complex_adjoint,
    view_as_real_adjoint,
)
from specref.ops._common import check_cotangent
from specref.testing.registry import collect

_VJP_CASES = [c for c in collect() if c.vjp is not None]
_OTHER = {"float64": "float32", "float32": "float64"}
_MESSAGE = re.compile(r"cotangent \w+ has dtype (\w+), but the forward ran in (\w+)")
_SINGLE = ("float32", "complex64")


def _in_precision(a, dtype: str):
    a = np.asarray(a)
    if is_complex(a):
        return a.astype("complex64" if dtype == "float32" else "complex128")
    return a.astype(dtype)


def test_the_registry_has_vjp_cases_of_every_family():
    modules = {c.forward.__module__.split(".")[1] for c in _VJP_CASES}
    assert {"ops", "kernels", "layers"} <= modules


@pytest.mark.parametrize("forward_dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", _VJP_CASES, ids=lambda c: c.name)
def test_every_vjp_refuses_a_cotangent_of_the_other_precision(case, forward_dtype):
    if forward_dtype not in case.dtypes:
        pytest.skip(f"{case.name} does not run in {forward_dtype}")
    inputs = case.make(np.random.default_rng(0), np, forward_dtype, **case.grid[0])
    y = case.forward(*inputs.args, **inputs.kwargs)
    other = _OTHER[forward_dtype]
    dy = tuple(_in_precision(t, other) for t in y) if isinstance(y, tuple) else _in_precision(y, other)
    with pytest.raises(TypeError, match=_MESSAGE) as info:
        case.vjp(dy, *inputs.args, y, **inputs.kwargs)
    named_dy, named_forward = _MESSAGE.search(str(info.value)).groups()  # both precisions named, each its own
    assert (named_dy in _SINGLE, named_forward in _SINGLE) == (other == "float32", forward_dtype == "float32")


def test_check_cotangent_names_both_dtypes_and_both_shapes():
    x = np.ones((3, 4))
    with pytest.raises(TypeError, match=r"exp_vjp: the cotangent dy has dtype float32, but the forward ran in "
                                        r"float64 \(x\)"):
        check_cotangent(np.ones((3, 4), np.float32), x, x, "exp_vjp")
    with pytest.raises(TypeError, match="dy has dtype int64"):
        check_cotangent(np.ones((3, 4), np.int64), x, x, "exp_vjp")
    with pytest.raises(ValueError, match=r"exp_vjp: the cotangent dy has shape \(3, 5\), but the forward's output y "
                                         r"has shape \(3, 4\)"):
        check_cotangent(np.ones((3, 5)), x, x, "exp_vjp")
    check_cotangent(np.ones((3, 4), np.complex128), x, None, "exp_vjp")  # one precision, no output to compare
    check_cotangent(np.ones((3, 4), np.float32), None, None, "dropout_vjp")  # no forward input kept


# ----------------------------------------------------------------------------------------------------------
# shapes: each raised a raw NumPy error ("operands could not be broadcast", "zero-size array...", AxisError,
# IndexError, "not enough values to unpack", AttributeError) before


@pytest.mark.parametrize("vjp", [exp_vjp, softmax_vjp])
def test_a_vjp_refuses_a_cotangent_of_another_shape(vjp):
    x = np.ones((3, 5))
    with pytest.raises(ValueError, match=rf"{vjp.__name__}: the cotangent dy has shape \(3, 4\), but the forward's "
                                         r"output y has shape \(3, 5\)"):
        vjp(np.ones((3, 4)), x, x)


def test_linear_vjp_refuses_a_cotangent_of_another_shape():
    x, w, b = np.ones((2, 3)), np.ones((4, 3)), np.ones(4)
    with pytest.raises(ValueError, match=r"linear_vjp: the cotangent dy has shape \(2, 5\), but the forward's output "
                                         r"y has shape \(2, 4\)"):
        linear_vjp(np.ones((2, 5)), x, w, b, np.ones((2, 4)))


def test_softmax_over_an_empty_axis_names_the_axis_and_length():
    with pytest.raises(ValueError, match=r"softmax over axis 1 of length 0 \(x has shape \(3, 0\)\).*accepted: an "
                                         r"axis of length >= 1"):
        softmax(np.zeros((3, 0)))
    assert softmax(np.zeros((0, 3))).shape == (0, 3)  # other axes may be empty: nothing to normalise


def test_block_linear_vjp_checks_the_shapes_as_the_forward():
    with pytest.raises(ValueError, match=r"block_linear needs x \(\.\.\., K, I\), weight \(K, I, O\), "
                                         r"bias \(K, O\) or None; got x \(3, 4\), weight \(3, 5\), bias \(3, 5\)"):
        block_linear_vjp(np.ones((3, 5)), np.ones((3, 4)), np.ones((3, 5)), np.ones((3, 5)), np.ones((3, 5)))


def test_block_linear_refuses_mixed_precisions():
    x, w, b = np.ones((2, 3)), np.ones((2, 3, 4)), np.ones((2, 4))
    with pytest.raises(TypeError, match="arrays of two precisions"):
        block_linear(x.astype(np.float32), w, b)


def test_row_normalisation_refuses_a_0d_array():
    with pytest.raises(ValueError, match=r"rows along the last axis; x has shape \(\)"):
        normalize_rows_clamped(np.array(1.0))
    with pytest.raises(ValueError, match=r"rows along the last axis; x has shape \(\)"):
        normalize_rows_shifted_vjp(np.array(1.0), np.array(1.0), np.array(1.0))


def test_view_as_complex_refuses_a_0d_array():
    with pytest.raises(ValueError, match=r"view_as_complex needs a \(re, im\) axis of length 2 at axis -1, got shape "
                                         r"\(\)"):
        view_as_complex(np.array(1.0))


@pytest.mark.parametrize("adjoint", [view_as_real_adjoint, view_as_complex_adjoint])
def test_view_adjoints_refuse_a_list(adjoint):
    with pytest.raises(TypeError, match="expected an array .*got list"):
        adjoint([[1.0, 2.0]], input_shape=(1, 2))
