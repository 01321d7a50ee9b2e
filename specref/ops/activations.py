r"""Activations by name: the one table layers use (``ACTIVATIONS``), its kinks, and the three entrywise maps
the table needs beyond :mod:`specref.ops.elementwise`: ``identity``, ``elu`` and ``leaky_relu``.

:data:`ACTIVATIONS` maps each name spectrans and torch accept for a layer's activation to the pair
``(f, f_vjp)`` of specref primitives (same contract as every nonlinear primitive: ``f_vjp(dy, x, y)``):

=============  =============================================  ======================================
name           function                                       torch module
=============  =============================================  ======================================
``gelu``       :func:`specref.ops.elementwise.gelu` (erf)      ``nn.GELU()``
``relu``       :func:`specref.ops.elementwise.relu`            ``nn.ReLU()``
``silu``       :func:`specref.ops.elementwise.silu`            ``nn.SiLU()``
``tanh``       :func:`specref.ops.elementwise.tanh`            ``nn.Tanh()``
``sigmoid``    :func:`specref.ops.elementwise.sigmoid`         ``nn.Sigmoid()``
``identity``   :func:`identity`                                ``nn.Identity()``
``elu``        :func:`elu` (:math:`\alpha = 1`)                ``nn.ELU()``
``leaky_relu`` :func:`leaky_relu` (slope 0.01)                 ``nn.LeakyReLU()``
=============  =============================================  ======================================

Each layer accepts the subset its peer accepts (spectrans's AFNO: the first six; spectrans's
``FeedForwardNetwork``: all but ``identity``; torch's ``TransformerEncoderLayer``: ``relu`` and ``gelu``).
:data:`ACTIVATION_KINKS` names the points where an activation is not twice differentiable, which the
verification cases keep the pre-activations away from (:func:`specref.testing.draws.draw_away`): a central
difference straddling such a point has an error of order :math:`h` instead of :math:`h^2`.

GELU is the exact erf form (DESIGN section 4), which array-api-strict cannot run (no erf in the standard):
every layer using ``"gelu"`` has that backend limit.
"""

from __future__ import annotations

import numpy as np

from specref._args import check_nonnegative_float
from specref.backend import namespace
from specref.ops._common import check_cotangent, require_real
from specref.ops.elementwise import (
    _make_real,
    gelu,
    gelu_vjp,
    relu,
    relu_vjp,
    sigmoid,
    sigmoid_vjp,
    silu,
    silu_vjp,
    tanh,
    tanh_vjp,
)
from specref.testing.case import Case

__all__ = [
    "ACTIVATIONS",
    "ACTIVATION_KINKS",
    "identity",
    "identity_vjp",
    "elu",
    "elu_vjp",
    "leaky_relu",
    "leaky_relu_vjp",
]


# ----------------------------------------------------------------------------------------------------------
# identity


def identity(x):
    r"""The identity (torch's ``nn.Identity``): ``x`` itself, returned as is (not copied).

    Parameters
    ----------
    x : array, float32 or float64, any shape

    Returns
    -------
    y : ``x``

    Raises
    ------
    TypeError
        For complex, integer or bool input (a real activation, like the others of :data:`ACTIVATIONS`).

    Notes
    -----
    .. math:: y = x

    See Also
    --------
    identity_vjp
    """
    namespace(x)
    require_real(x, "identity")
    return x


def identity_vjp(dy, x, y):
    r"""VJP of :func:`identity`: the cotangent itself.

    .. math:: \bar x = \bar y
    """
    namespace(dy, x, y)
    check_cotangent(dy, x, y, "identity_vjp")
    return dy


# ----------------------------------------------------------------------------------------------------------
# elu


def elu(x, *, alpha: float = 1.0):
    r"""Exponential linear unit, entrywise, as torch's ``nn.ELU(alpha)``: ``x`` for ``x > 0``, else
    ``alpha * (exp(x) - 1)``.

    Parameters
    ----------
    x : array, float32 or float64, any shape
    alpha : float >= 0
        The negative branch's saturation value :math:`-\alpha` (default 1.0, torch's and spectrans's). torch
        also accepts a negative alpha; specref refuses it (:func:`specref._args.check_nonnegative_float`).

    Returns
    -------
    y : array, the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For complex, integer or bool input, or an ``alpha`` that is not a real number.
    ValueError
        For ``alpha < 0``, infinite or NaN.

    Notes
    -----
    .. math:: y = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}

    The negative branch is evaluated with ``expm1`` (no cancellation of :math:`e^x - 1` near 0) of
    :math:`\min(x, 0)`, so a large positive entry never overflows the branch it does not take.

    See Also
    --------
    elu_vjp
    """
    xp = namespace(x)
    require_real(x, "elu")
    alpha = check_nonnegative_float(alpha, "alpha")
    negative = alpha * xp.expm1(xp.minimum(x, xp.zeros_like(x)))
    return xp.where(x > 0, x, negative)


def elu_vjp(dy, x, y, *, alpha: float = 1.0):
    r"""VJP of :func:`elu`: ``dx = dy`` where ``x > 0``, else ``dy * alpha * exp(x)``.

    At :math:`x = 0` the two one-sided derivatives are 1 and :math:`\alpha`; specref takes the left one,
    :math:`\alpha`, as PyTorch does (its ``x <= 0`` branch). For :math:`\alpha = 1` the first derivative is
    continuous there and only the second jumps (0 against :math:`\alpha`).

    .. math:: \bar x = \bar y \odot \begin{cases} 1 & x > 0 \\ \alpha\,e^{x} & x \le 0 \end{cases}
    """
    xp = namespace(dy, x, y)
    check_cotangent(dy, x, y, "elu_vjp")
    alpha = check_nonnegative_float(alpha, "alpha")
    slope = alpha * xp.exp(xp.minimum(x, xp.zeros_like(x)))  # alpha e^x, e^x from x (y + alpha cancels for x << 0)
    return xp.where(x > 0, dy, dy * slope)


# ----------------------------------------------------------------------------------------------------------
# leaky_relu


def leaky_relu(x, *, negative_slope: float = 0.01):
    r"""Leaky rectified linear unit, entrywise, as torch's ``nn.LeakyReLU(negative_slope)``: ``x`` for
    ``x > 0``, else ``negative_slope * x`` (NaN propagates).

    Parameters
    ----------
    x : array, float32 or float64, any shape
    negative_slope : float >= 0
        The slope of the negative side (default 0.01, torch's and spectrans's). torch also accepts a
        negative slope; specref refuses it (:func:`specref._args.check_nonnegative_float`).

    Returns
    -------
    y : array, the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For complex, integer or bool input, or a ``negative_slope`` that is not a real number.
    ValueError
        For ``negative_slope < 0``, infinite or NaN.

    Notes
    -----
    .. math:: y = \begin{cases} x & x > 0 \\ s\,x & x \le 0 \end{cases}

    See Also
    --------
    leaky_relu_vjp
    """
    xp = namespace(x)
    require_real(x, "leaky_relu")
    negative_slope = check_nonnegative_float(negative_slope, "negative_slope")
    return xp.where(x > 0, x, negative_slope * x)


def leaky_relu_vjp(dy, x, y, *, negative_slope: float = 0.01):
    r"""VJP of :func:`leaky_relu`: ``dx = dy`` where ``x > 0``, else ``negative_slope * dy``.

    The derivative does not exist at exactly ``x = 0``; like PyTorch, specref uses the left one, ``s``.

    .. math:: \bar x = \bar y \odot \begin{cases} 1 & x > 0 \\ s & x \le 0 \end{cases}
    """
    xp = namespace(dy, x, y)
    check_cotangent(dy, x, y, "leaky_relu_vjp")
    negative_slope = check_nonnegative_float(negative_slope, "negative_slope")
    return xp.where(x > 0, dy, negative_slope * dy)


# ----------------------------------------------------------------------------------------------------------
# the tables


#: activation name -> (function, VJP) with the peer's default keywords (torch's modules built without arguments)
ACTIVATIONS = {
    "gelu": (gelu, gelu_vjp),  # exact erf form, as torch's nn.GELU(); NotImplementedError on array-api-strict
    "relu": (relu, relu_vjp),
    "silu": (silu, silu_vjp),
    "tanh": (tanh, tanh_vjp),
    "sigmoid": (sigmoid, sigmoid_vjp),
    "identity": (identity, identity_vjp),
    "elu": (elu, elu_vjp),  # alpha = 1.0
    "leaky_relu": (leaky_relu, leaky_relu_vjp),  # negative_slope = 0.01
}

#: activation name -> the points where it is not twice differentiable, which verification cases keep the
#: pre-activations away from (:func:`specref.testing.draws.draw_away`). relu and leaky_relu: the first
#: derivative jumps at 0. elu (alpha = 1): the first derivative is continuous at 0 (1 on both sides), the
#: second jumps (0 against 1), which still makes a central difference across 0 first-order accurate only.
ACTIVATION_KINKS = {"relu": (0.0,), "leaky_relu": (0.0,), "elu": (0.0,)}


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_kinked(rng, xp, dtype, *, shape, scale=1.0, **kwargs):
    return _make_real(rng, xp, dtype, shape=shape, scale=scale, kinks=(0.0,), **kwargs)  # away from the kink


def _ref_elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _ref_leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


_SHAPES = ({"shape": (4, 5)}, {"shape": (2, 3, 4)})

CASES = [
    Case(
        name="identity",
        forward=identity,
        vjp=identity_vjp,
        make=_make_real,
        grid=_SHAPES,
        error_scale=1.0,
        error_reason="the identity is exact",
        reference=lambda x: x,
    ),
    Case(
        name="elu",
        forward=elu,
        vjp=elu_vjp,
        make=_make_kinked,
        grid=(*_SHAPES, {"shape": (16,), "scale": 4.0}, {"shape": (3, 4), "alpha": 0.5}),
        # expm1 within a few ulp (libm/SIMD, as exp: tests/ops/test_elementwise.py asserts exp's premise),
        # then one product with alpha (half an ulp): < 8
        error_scale=8.0,
        error_reason="expm1 (a few ulp) and one product",
        reference=_ref_elu,
    ),
    Case(
        name="leaky_relu",
        forward=leaky_relu,
        vjp=leaky_relu_vjp,
        make=_make_kinked,
        grid=(*_SHAPES, {"shape": (3, 4), "negative_slope": 0.2}),
        error_scale=1.0,
        error_reason="one product on the negative side: half an ulp",
        reference=_ref_leaky_relu,
    ),
]
