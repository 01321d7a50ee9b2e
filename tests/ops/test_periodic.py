"""sin / sin_vjp (specref/ops/periodic.py): values, the VJP's derivative, refusals (the registered case checks
the VJP by central differences)."""

from __future__ import annotations

import numpy as np
import pytest

from specref.ops import sin, sin_vjp


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sin_and_its_vjp(dtype):
    x = np.linspace(-7, 7, 29).astype(dtype)
    y = sin(x)
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(y, np.sin(x))
    dy = np.arange(29, dtype=dtype)
    np.testing.assert_array_equal(sin_vjp(dy, x, y), dy * np.cos(x))


def test_sin_refuses_complex_and_integer_input():
    with pytest.raises(TypeError, match="sin"):
        sin(np.ones(3, dtype=complex))
    with pytest.raises(TypeError):
        sin(np.arange(3))
    with pytest.raises(TypeError):
        sin_vjp(np.ones(3, dtype="float32"), np.ones(3), np.ones(3))
