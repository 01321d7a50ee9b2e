r"""The learned and the random Fourier-feature layers of seed 004: ``LFF`` and its frozen twin ``RFF``.

For input :math:`x` of shape (..., d), a weight :math:`W` (m, d) and a bias :math:`b` (m,):

.. math::

    u &= (\pi x) W^{\mathsf T} + b \qquad &(1) \\
    y &= \sin u \qquad &(2)

with :math:`W_{ij} \sim U(-s/d,\ s/d)` (``scale`` :math:`s`) and :math:`b_i \sim U(-1, 1)`, drawn from an
explicit seed. The arrays are named as the seed's torch module names them (``linear.weight``,
``linear.bias``: an ``nn.Linear`` called ``linear``), so the torch module's ``state_dict`` loads.

The backward is (2*) :math:`\bar u = \bar y \odot \cos u` (:func:`specref.ops.sin_vjp`), then (1*) the
affine map's VJP (:func:`specref.ops.linear_vjp`) on :math:`\pi x`: :math:`\bar W = \bar u^{\mathsf T}
(\pi x)`, :math:`\bar b = \sum \bar u`, :math:`\bar x = \pi\, \bar u W`.

**Frozen means frozen.** The seed's ``RFF`` sets ``self.linear.requires_grad = False``: that assigns an
attribute on the ``nn.Linear`` module, not on its parameters, so torch still trains ``W`` and ``b``
(``requires_grad_(False)`` would have frozen them). specref's :class:`RFF` is truly frozen: its ``W`` and
``b`` are buffers, ``params`` is empty and ``backward`` returns the input's gradient only. Its
``state_dict`` has the same two keys, so a torch ``RFF``'s ``state_dict`` loads into it.

For the neural-kernel study (:mod:`specref.neural_kernels.ntk`), :meth:`LFF.affine_jacobians` gives the
per-example Jacobian of the output with respect to ``W`` and ``b`` in factored form
(:class:`~specref.neural_kernels.jacobian.AffineJacobian`): the pre-activation :math:`u_i` depends on row
:math:`i` of :math:`W` only, so with :math:`\delta_{o i}(x) = \partial y_o / \partial u_i = \delta_{oi}
\cos u_i(x)`, :math:`\partial y_o / \partial W_{ij} = \delta_{oi}(x)\, \pi x_j` and :math:`\partial y_o /
\partial b_i = \delta_{oi}(x)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from specref._args import check_positive_int
from specref.backend import as_generator, dtype_name, namespace
from specref.layers.base import Layer, LayerCtx, layer_case
from specref.neural_kernels.jacobian import AffineJacobian, check_points, check_scale, one_hot_cotangents
from specref.ops.linear import linear, linear_vjp
from specref.ops.periodic import sin, sin_vjp

__all__ = ["LFF", "RFF", "FourierFeatureCtx"]


@dataclass(frozen=True)
class FourierFeatureCtx(LayerCtx):
    """What :meth:`LFF.backward` reads; names follow eqs. (1)-(2) of the module docstring."""

    x_scaled: object  # pi x, (..., d)
    u: object  # (1) pre-activation, (..., m)
    y: object  # (2) sin u


class LFF(Layer):
    r"""Learned Fourier features (seed 004): :math:`y = \sin((\pi x) W^{\mathsf T} + b)`, ``W`` and ``b``
    trainable.

    Parameters
    ----------
    in_features : int
        d, the input's last axis.
    mapping_size : int
        m, the number of features.
    scale : float, > 0 and finite
        s: :math:`W_{ij} \sim U(-s/d, s/d)`. Larger s, higher frequencies (the spectral-bias knob).
    seed : int or numpy.random.Generator, keyword-only
        Draws ``linear.weight`` then ``linear.bias`` on the host in float64.

    Attributes
    ----------
    params : dict
        ``linear.weight`` (m, d), ``linear.bias`` (m,) (:class:`RFF`: empty; the two are buffers).

    Raises
    ------
    ValueError
        For sizes < 1, or a scale that is not a positive finite number.
    TypeError
        For sizes that are not integers.

    Examples
    --------
    >>> import numpy as np
    >>> lff = LFF(1, 8, scale=10.0, seed=0)
    >>> x = np.linspace(0, 1, 5)[:, None]
    >>> y, ctx = lff.forward(x)
    >>> dx, grads = lff.backward(ctx, np.ones_like(y))
    >>> y.shape, dx.shape, sorted(grads)
    ((5, 8), (5, 1), ['linear.bias', 'linear.weight'])
    """

    trainable = True

    def __init__(self, in_features: int, mapping_size: int, scale: float = 1.0, *, seed=0):
        self.in_features = check_positive_int(in_features, "in_features")
        self.mapping_size = check_positive_int(mapping_size, "mapping_size")
        self.scale = check_scale(scale)
        d, m = self.in_features, self.mapping_size
        gen = as_generator(seed)
        weight = gen.uniform(-self.scale / d, self.scale / d, (m, d))
        bias = gen.uniform(-1.0, 1.0, (m,))
        arrays = {"linear.weight": weight, "linear.bias": bias}
        if self.trainable:
            self._init_arrays(arrays)
        else:
            self._init_arrays({}, arrays)

    @property
    def out_features(self) -> int:
        """m, the output's last axis."""
        return self.mapping_size

    def _weights(self) -> tuple:
        arrays = self._named_arrays()
        return arrays["linear.weight"], arrays["linear.bias"]

    def error_scale(self, input_shape=None) -> float:
        r"""The claim :math:`c`: the affine map :math:`1.5 d + 2` (:mod:`specref.ops.linear`'s claim) and the
        product :math:`\pi x` (one rounding), times the sine's condition number :math:`|u \cot u|`, which is
        :math:`O(|u|)` normwise (:math:`|u| \le s + 1` for :math:`|x| \le 1`), plus the sine's 8."""
        return (1.5 * self.in_features + 3.0) * (self.scale + 2.0) + 8.0

    def forward(self, x, *, training: bool = False, rng=None, masks=None):
        """``(y, ctx)``: eqs. (1)-(2) for x of shape (..., d).

        Raises
        ------
        ValueError
            For a last axis other than d.
        TypeError
            For a non-array, complex, integer or bool input, or a precision other than the arrays'.
        """
        self._dropout_mask("", (), 0.0, x=x, training=training, rng=rng, masks=masks)  # refuses unknown masks
        self._check_input(x)
        check_points(x, self.in_features, type(self).__name__)
        weight, bias = self._weights()
        x_scaled = math.pi * x
        u = linear(x_scaled, weight, bias)  # (1)
        y = sin(u)  # (2)
        return y, FourierFeatureCtx(dtype=dtype_name(x.dtype), x_scaled=x_scaled, u=u, y=y)

    def backward(self, ctx: FourierFeatureCtx, dy):
        """``(dx, grads)``: (2*) then (1*); ``grads`` is empty for the frozen :class:`RFF`."""
        self._check_cotangent(ctx, dy, tuple(ctx.y.shape))
        weight, bias = self._weights()
        du = sin_vjp(dy, ctx.u, ctx.y)  # (2*) du = dy cos u
        dxs, dw, db = linear_vjp(du, ctx.x_scaled, weight, bias, ctx.u)  # (1*) on pi x
        dx = math.pi * dxs
        if not self.trainable:
            return dx, {}
        return dx, {"linear.weight": dw, "linear.bias": db}

    def features(self, x):
        """The feature map :math:`\\varphi(x) = y`, for (n, d) points: what the Gram matrix and the
        conjugate kernel of this layer are built from."""
        return self.forward(x)[0]

    def affine_jacobians(self, x) -> tuple:
        r"""``(y, terms)``: the output for (n, d) points and the factored per-example Jacobian of each of its m
        outputs with respect to ``W`` and ``b`` (module docstring): one
        :class:`~specref.neural_kernels.jacobian.AffineJacobian` with inputs :math:`\pi x` and
        :math:`\delta = \bar y\cos u` for the one-hot cotangents :math:`\bar y = e_o` (the (2*) line of the
        backward applied to each output unit). Empty terms for the frozen :class:`RFF`.
        """
        y, ctx = self.forward(x)
        if not self.trainable:
            return y, ()
        xp = namespace(x)
        eye = one_hot_cotangents(xp, y)  # (n, m, m): dy = e_o for every point and output o
        delta = sin_vjp(eye, xp.broadcast_to(ctx.u[:, None, :], eye.shape), xp.broadcast_to(y[:, None, :], eye.shape))
        return y, (AffineJacobian("linear.weight", "linear.bias", 1.0, 1.0, ctx.x_scaled, delta),)


class RFF(LFF):
    r"""Random Fourier features (seed 004): :class:`LFF` with ``W`` and ``b`` frozen (buffers, no gradient).

    The seed's torch ``RFF`` believes it freezes its layer with ``self.linear.requires_grad = False``, which
    freezes nothing (module docstring); this one is frozen: ``params`` is empty, ``buffers`` holds
    ``linear.weight`` and ``linear.bias``, and its neural tangent kernel is empty.
    """

    trainable = False


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _input_shape(point) -> tuple:
    return (*point.get("batch", (5,)), point["in_features"])


def _build(cls):
    def build(seed, *, in_features, mapping_size, scale, **_):
        return cls(in_features, mapping_size, scale, seed=seed)

    return build


_GRID = ({"in_features": 1, "mapping_size": 6, "scale": 10.0},
         {"in_features": 3, "mapping_size": 5, "scale": 1.0, "batch": (2, 3)})
# the cases draw x ~ N(0, 1), |x| <= ~3: hence 3 scale where LFF.error_scale assumes |x| <= 1
_REASON = "pi x, an affine map (1.5 d + 2), then sin, whose condition number grows with |u| <= scale |x| + 1"

CASES = [
    layer_case(LFF, build=_build(LFF), input_shape=_input_shape, grid=_GRID,
               error_scale=lambda p: (1.5 * p["in_features"] + 3.0) * (p["scale"] * 3.0 + 2.0) + 8.0,
               error_reason=_REASON),
    layer_case(RFF, build=_build(RFF), input_shape=_input_shape, grid=_GRID,
               error_scale=lambda p: (1.5 * p["in_features"] + 3.0) * (p["scale"] * 3.0 + 2.0) + 8.0,
               error_reason=_REASON),
]
