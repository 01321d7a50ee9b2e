r"""The sine and its VJP: the periodic map of the learned Fourier features (:mod:`specref.neural_kernels`).

:func:`sin` is entrywise :math:`y = \sin x` for real input, and :func:`sin_vjp` pulls a cotangent back by
:math:`\bar x = \bar y \cos x`. The random Fourier features of :mod:`specref.kernels.rff` form their
cosines inside the feature map; the seed-004 layers ``LFF``/``RFF`` compute :math:`\sin(\pi W x + b)`, and
this is the primitive they call.
"""

from __future__ import annotations

import numpy as np

from specref.backend import from_host, namespace
from specref.ops._common import check_cotangent, require_real
from specref.testing.case import Case, Inputs

__all__ = ["sin", "sin_vjp"]


def sin(x):
    r"""Sine, entrywise, for real input.

    Parameters
    ----------
    x : array, float32 or float64, any shape

    Returns
    -------
    y : array in [-1, 1], the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For complex, integer or bool input.

    Notes
    -----
    .. math:: y = \sin x

    See Also
    --------
    sin_vjp
    """
    xp = namespace(x)
    require_real(x, "sin")
    return xp.sin(x)


def sin_vjp(dy, x, y):
    r"""VJP of :func:`sin`: ``dx = dy * cos(x)``.

    .. math:: \bar x = \bar y \odot \cos x

    (``y`` is not used: :math:`\cos x = \pm\sqrt{1 - y^2}` loses the sign and cancels near the extrema.)
    """
    xp = namespace(dy, x, y)
    check_cotangent(dy, x, y, "sin_vjp")
    return dy * xp.cos(x)


def _make_sin(rng, xp, dtype, *, shape, scale=1.0):
    return Inputs((from_host(scale * rng.standard_normal(shape), xp, dtype),))


CASES = [
    Case(
        name="sin",
        forward=sin,
        vjp=sin_vjp,
        make=_make_sin,
        grid=({"shape": (4, 5)}, {"shape": (2, 3, 4)}, {"shape": (16,), "scale": 10.0}),
        # libm/SIMD sin is within a few ulp (as exp and cos: tests/ops/test_elementwise.py's libm premise);
        # normwise over |y| <= 1 with entries of order 1
        error_scale=8.0,
        error_reason="libm/SIMD sin is within a few ulp",
        reference=np.sin,
    ),
]
