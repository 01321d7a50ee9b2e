"""Structural steps (move_axis, crop_or_pad, scale, to_complex), chains, and the shared argument checks."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from specref.backend import finfo_eps, random_normal, to_numpy
from specref.testing.checks import assert_close, check_adjoint, check_dense_adjoint, check_no_mutation
from specref.transforms import structural as S

EPS = finfo_eps("float64")


def draw(xp, shape, complex_=False, seed=0):
    return random_normal(seed, shape, dtype="complex128" if complex_ else "float64", xp=xp)


# ----------------------------------------------------------------------------------------------------------
# each step and its adjoint

STEPS = [
    pytest.param(S.crop_or_pad, S.crop_or_pad_adjoint, (7,), {"n": 4}, id="crop"),
    pytest.param(S.crop_or_pad, S.crop_or_pad_adjoint, (3, 5), {"n": 8, "axis": 0}, id="pad-axis0"),
    pytest.param(S.crop_or_pad, S.crop_or_pad_adjoint, (2, 6), {"n": 6}, id="same-length"),
    pytest.param(S.crop_or_pad, S.crop_or_pad_adjoint, (2, 3, 4), {"n": 1, "axis": -2}, id="crop-to-1"),
    pytest.param(S.move_axis, S.move_axis_adjoint, (2, 3, 4), {"source": 0, "destination": -1}, id="move-0-last"),
    pytest.param(S.move_axis, S.move_axis_adjoint, (2, 3, 4), {"source": 2, "destination": 1}, id="move-2-1"),
    pytest.param(S.move_axis, S.move_axis_adjoint, (5,), {"source": 0, "destination": 0}, id="move-none"),
    pytest.param(S.scale, S.scale_adjoint, (2, 5), {"factor": 3.0**-0.5}, id="scale"),
    pytest.param(S.scale, S.scale_adjoint, (4,), {"factor": 1.0}, id="scale-by-one"),
]


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize(("forward", "adjoint", "shape", "kw"), STEPS)
def test_step_adjoints(xp, forward, adjoint, shape, kw, complex_):
    x = draw(xp, shape, complex_)
    # a copy, a zero fill or one rounding per component: c = 1
    check_adjoint(forward, adjoint, x, kwargs=kw, error_scale=1.0, complex_linear=True).raise_if_failed()
    check_dense_adjoint(forward, adjoint, x, kwargs=kw, error_scale=1.0).raise_if_failed()
    check_no_mutation(forward, x, **kw).raise_if_failed()
    check_no_mutation(adjoint, forward(x, **kw), input_shape=shape, **kw).raise_if_failed()


def test_to_complex_adjoint_is_real_part(xp):
    x = draw(xp, (3, 4))
    z = S.to_complex(x)
    assert z.dtype == xp.complex128
    assert S.to_complex(xp.astype(x, xp.float32)).dtype == xp.complex64
    assert S.to_complex(z) is z
    check_adjoint(S.to_complex, S.to_complex_adjoint, x, error_scale=1.0).raise_if_failed()
    check_dense_adjoint(S.to_complex, S.to_complex_adjoint, x, error_scale=1.0).raise_if_failed()
    y = draw(xp, (3, 4), complex_=True)
    assert np.array_equal(to_numpy(S.to_complex_adjoint(y, input_shape=(3, 4))), to_numpy(y).real)


def test_crop_or_pad_values(xp):
    x = draw(xp, (2, 5))
    host = to_numpy(x)
    assert np.array_equal(to_numpy(S.crop_or_pad(x, 3)), host[:, :3])
    padded = to_numpy(S.crop_or_pad(x, 7, axis=-1))
    assert np.array_equal(padded[:, :5], host) and np.all(padded[:, 5:] == 0.0)
    assert np.array_equal(to_numpy(S.crop_or_pad(x, 4, axis=0)), np.concatenate([host, np.zeros((2, 5))]))
    assert S.crop_or_pad(x, 5) is x  # the same length: nothing to do
    # the adjoint of a crop is a zero-pad back to the input length, and vice versa
    y = draw(xp, (2, 3))
    back = to_numpy(S.crop_or_pad_adjoint(y, input_shape=(2, 5), n=3))
    assert np.array_equal(back, np.concatenate([to_numpy(y), np.zeros((2, 2))], axis=1))
    y = draw(xp, (2, 7))
    assert np.array_equal(to_numpy(S.crop_or_pad_adjoint(y, input_shape=(2, 5), n=7)), to_numpy(y)[:, :5])


def test_crop_or_pad_from_empty(xp):
    x = xp.zeros((0,), dtype=xp.float64)
    assert np.array_equal(to_numpy(S.crop_or_pad(x, 3)), np.zeros(3))
    assert S.crop_or_pad_adjoint(xp.zeros((3,), dtype=xp.float64), input_shape=(0,), n=3).shape == (0,)


def test_scale_values(xp):
    x = draw(xp, (4,), complex_=True)
    got = S.scale(x, 0.25)
    # multiplication by a power of two is exact
    assert_close(got, to_numpy(x) * 0.25, rtol=0.0, reason="a power-of-two factor is exact")  # exact
    assert S.scale(x, 1.0) is x
    assert S.scale(xp.astype(x, xp.complex64), 0.1).dtype == xp.complex64


# ----------------------------------------------------------------------------------------------------------
# chains: the adjoint is the chain reversed


def _chain(shape):
    """move axis 0 last, crop the (new) last axis to 3, scale by 0.5, zero-pad axis 0 to 6."""
    moved = (shape[1], shape[2], shape[0])
    cropped = (moved[0], moved[1], 3)
    padded = (6, moved[1], 3)
    return [
        S.Step("move_axis", partial(S.move_axis, source=0, destination=-1),
               partial(S.move_axis_adjoint, input_shape=shape, source=0, destination=-1), moved),
        S.Step("crop_or_pad", partial(S.crop_or_pad, n=3, axis=-1),
               partial(S.crop_or_pad_adjoint, input_shape=moved, n=3, axis=-1), cropped),
        S.Step("scale", partial(S.scale, factor=0.5), partial(S.scale_adjoint, input_shape=cropped, factor=0.5),
               cropped),
        S.Step("crop_or_pad", partial(S.crop_or_pad, n=6, axis=0),
               partial(S.crop_or_pad_adjoint, input_shape=cropped, n=6, axis=0), padded),
    ]


def test_chain_adjoint_is_reversed_chain(xp):
    shape = (5, 2, 4)
    steps = _chain(shape)

    def forward(x):
        return S.apply_chain(steps, x)

    def adjoint(y, *, input_shape):
        assert tuple(input_shape) == shape
        return S.apply_chain_adjoint(steps, y)

    x = draw(xp, shape, complex_=True)
    assert forward(x).shape == steps[-1].shape
    check_adjoint(forward, adjoint, x, error_scale=1.0, complex_linear=True).raise_if_failed()
    check_dense_adjoint(forward, adjoint, x, error_scale=1.0).raise_if_failed()
    # running the adjoints in forward order fails on the first shape check: order matters
    with pytest.raises(ValueError, match="cotangent has shape"):
        y = forward(x)
        for step in steps:
            y = step.adjoint(y)


def test_step_errors(xp):
    x = draw(xp, (2, 3))
    with pytest.raises(ValueError, match="n = -1 is negative"):
        S.crop_or_pad(x, -1)
    with pytest.raises(ValueError, match="out of range"):
        S.crop_or_pad(x, 2, axis=2)
    with pytest.raises(ValueError, match=r"cotangent has shape \(2, 3\).*to shape \(2, 4\)"):
        S.crop_or_pad_adjoint(x, input_shape=(2, 5), n=4)
    with pytest.raises(ValueError, match="cotangent has shape"):
        S.move_axis_adjoint(x, input_shape=(2, 3), source=0, destination=1)
    with pytest.raises(ValueError, match="cotangent has shape"):
        S.scale_adjoint(x, input_shape=(3, 2), factor=2.0)
    with pytest.raises(TypeError, match="accepted: float32, float64, complex64 or complex128"):
        S.to_complex(xp.asarray([1, 2]))
