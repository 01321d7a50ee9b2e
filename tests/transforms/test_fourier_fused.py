"""The fused Fourier step (specref.transforms.fourier_fused): bit for bit the plain chain it replaces.

The public transforms run each axis's chain as ``fused_axis_step`` (engine ``axis`` instead of moveaxis,
scale and weights in place); ``fourier._transform(..., fused=False)`` runs the plain chain of
``structural.axis_chain`` with the cores of fourier_core. Every bit must agree, forward and adjoint.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.backend import to_numpy
from specref.transforms import fourier as F
from tests.transforms.test_fourier import ALL_POINTS, NAMES_1D, NORMS, PAIRS, draw
from tests.transforms.test_fourier_core import bits

KINDS = {"fft": ("c2c", False), "ifft": ("c2c", True), "rfft": ("r2c", False), "irfft": ("c2r", True)}


def unfused(name, kw, norm):
    """The public transform's arguments for F._transform: kind, inverse and the axis keywords."""
    kind, inverse = KINDS[name.rstrip("2n")]
    if name in NAMES_1D:
        where = {"n": kw.get("n"), "axis": kw.get("axis", -1)}
    else:
        where = {"s": kw.get("s"), "axes": kw.get("axes", (-2, -1) if name.endswith("2") else None)}
    return {"kind": kind, "norm": norm, "inverse": inverse, "what": name, "fused": False, **where}


def spiked(host, seed):
    """A copy of ``host`` with NaN, +-Inf, -0.0 and a subnormal in a few entries (imaginary parts too)."""
    out = host.copy()
    flat = out.reshape(-1)
    rng = np.random.default_rng(seed)
    for v in (math.nan, math.inf, -math.inf, -0.0, 1e-310):
        flat[rng.integers(flat.size)] = v
        if np.iscomplexobj(flat):
            flat[rng.integers(flat.size)] = complex(0.5, v)
    flat[0] = complex(flat[0].real, math.inf) if np.iscomplexobj(flat) else flat[0]  # Im of a DC bin
    return out


FUSED_POINTS = ALL_POINTS + [
    pytest.param(name, (2, m, 3), {"axis": 1, **({"n": n} if n else {})}, id=f"{name}-(2,{m},3)-axis1-n{n}")
    for name in NAMES_1D for m, n in ((9, None), (8, 5), (6, 13))
] + [  # an axis listed twice (numpy.fft's rule): the chain along each listing in turn
    pytest.param(name, (3, 4), kw, id=f"{name}-(3,4)-repeated-{i}")
    for name in ("fftn", "ifftn", "rfftn", "irfftn")
    for i, kw in enumerate(({"axes": (1, 1)}, {"axes": (0, 1, 0), "s": (5, 3, 4)}))
]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf, 0 * inf
@pytest.mark.parametrize("special", [False, True], ids=["finite", "nan-inf"])
@pytest.mark.parametrize("precision", ["float32", "float64"])
@pytest.mark.parametrize(("name", "shape", "kw"), FUSED_POINTS)
def test_fused_steps_equal_the_chains_bit_for_bit(xp, name, shape, kw, precision, special):
    """Engine ``axis`` instead of moveaxis, scale and weights in place: the same numbers, every bit.

    Every norm (a factor 1 leaves the cotangent unscaled, so the adjoint must not write into it), odd and
    even lengths, crops and pads, non-last axes, NaN/Inf/-0/subnormal entries, float32 and float64.
    """
    forward, adjoint, kind = PAIRS[name]
    host = to_numpy(draw(np, shape, kind, dtype=precision))
    if special:
        host = spiked(host, 1)
    x = xp.asarray(host)
    for norm in NORMS:
        args = unfused(name, kw, norm)
        y = forward(x, **{**kw, "norm": norm})
        assert bits(y) == bits(F._transform(x, **args))
        dy_host = to_numpy(draw(np, tuple(y.shape), "real" if name.startswith("irfft") else "complex",
                                dtype=precision, seed=2))
        dy = xp.asarray(spiked(dy_host, 3) if special else dy_host)
        got = adjoint(dy, input_shape=shape, **{**kw, "norm": norm})
        assert bits(got) == bits(F._transform_adjoint(dy, shape, **args))



@pytest.mark.parametrize("name", NAMES_1D)
def test_non_last_axis_keeps_c_layout(name):
    """The engine transforms along ``axis`` itself: no transposed results for what follows to stride over."""
    forward, adjoint, kind = PAIRS[name]
    x = draw(np, (2, 9, 4), kind)
    y = forward(x, axis=1, norm="ortho")
    assert y.flags.c_contiguous
    dy = draw(np, tuple(y.shape), "real" if name == "irfft" else "complex", seed=1)
    assert adjoint(dy, input_shape=x.shape, axis=1, norm="ortho").flags.c_contiguous



def test_public_transforms_run_the_fused_core_of_the_one_chain_builder():
    """structural.axis_chain with ``fused=``: one step per axis; without it, the plain chain's steps."""
    fused = [step.name for step in F._chain((4, 6), "r2c", "ortho", inverse=False, axes=(0, 1))]
    assert fused == ["r2c_along_axis", "c2c_along_axis"]
    plain = [step.name for step in F._chain((4, 6), "r2c", "ortho", inverse=False, axes=(0, 1), fused=False)]
    assert plain == ["r2c", "scale", "move_axis", "c2c", "scale", "move_axis"]
    plain = [step.name for step in F._chain((5, 3), "c2r", "backward", inverse=True, n=4, axis=0, fused=False)]
    assert plain == ["move_axis", "crop_or_pad", "c2r", "scale", "move_axis"]
