r"""Per-example Jacobians of a network's outputs with respect to its affine layers' parameters, in factored form.

Every trainable layer of the models here is affine, :math:`h = \alpha\, a W^{\mathsf T} + \beta b` (a
``torch.nn.Linear`` when :math:`\alpha = \beta = 1`; the NTK parameterisation's
:math:`\alpha = \sigma_w/\sqrt{n_{in}}`, :math:`\beta = \sigma_b`), followed by entrywise maps and further
layers. For one point :math:`x` and output unit :math:`o`, let :math:`\delta_{o}(x) = \partial f_o(x) /
\partial h(x)` (a row of length :math:`n_{out}`: the backward pass run with the one-hot cotangent
:math:`e_o`). The chain rule through :math:`h_i = \alpha \sum_j W_{ij} a_j + \beta b_i` gives

.. math::

    \frac{\partial f_o}{\partial W_{ij}} = \alpha\, \delta_{oi}(x)\, a_j(x), \qquad
    \frac{\partial f_o}{\partial b_i} = \beta\, \delta_{oi}(x):

the Jacobian is an outer product, stored as the two factors (:class:`AffineJacobian`: :math:`a` of shape
(n, n_in) and :math:`\delta` of shape (n, k, n_out) for n points and k outputs). :func:`dense_jacobian`
multiplies them out (n, k, n_out, n_in), which the tests compare with central differences; the tangent
kernel uses the factored form (:func:`tangent_kernel_block`):

.. math::

    \sum_{ij} \frac{\partial f_o(x)}{\partial W_{ij}} \frac{\partial f_{o'}(x')}{\partial W_{ij}}
    + \sum_i \frac{\partial f_o(x)}{\partial b_i} \frac{\partial f_{o'}(x')}{\partial b_i}
    = \big(\delta_o(x) \cdot \delta_{o'}(x')\big)\big(\alpha^2\, a(x) \cdot a(x') + \beta^2\big),

which costs :math:`O(n^2 k (n_{out} + n_{in}))` instead of the :math:`O(n^2 k\, n_{out} n_{in})` of the
dense product: the same number up to rounding (a test compares them), at the memory of the factors.
"""

from __future__ import annotations

from dataclasses import dataclass

from specref._args import check_choice, check_positive_float
from specref.backend import namespace

__all__ = ["AffineJacobian", "dense_jacobian", "tangent_kernel_block", "one_hot_cotangents", "check_points",
           "check_scale", "OUTPUT_MODES"]

#: how a kernel treats a network's k outputs: "mean" of the k diagonal blocks (n1, n2), or "full" (n1, k, n2, k)
OUTPUT_MODES = ("mean", "full")


@dataclass(frozen=True)
class AffineJacobian:
    """The factored per-example Jacobian of k outputs with respect to one affine layer's weight and bias.

    Attributes
    ----------
    weight, bias : str
        The parameters' names in the model's ``params``.
    alpha, beta : float
        The layer's scales: :math:`h = \\alpha\\, a W^{\\mathsf T} + \\beta b`.
    inputs : array (n, n_in)
        :math:`a(x)`, the layer's input at each point.
    delta : array (n, k, n_out)
        :math:`\\delta_{o}(x) = \\partial f_o / \\partial h` at each point, for each output.
    """

    weight: str
    bias: str
    alpha: float
    beta: float
    inputs: object
    delta: object


def dense_jacobian(terms) -> dict:
    r"""The Jacobians multiplied out: ``{weight: (n, k, n_out, n_in), bias: (n, k, n_out)}`` for each term
    (:math:`\alpha\,\delta_{oi} a_j` and :math:`\beta\,\delta_{oi}`)."""
    out = {}
    for t in terms:
        out[t.weight] = t.alpha * t.delta[:, :, :, None] * t.inputs[:, None, None, :]
        out[t.bias] = t.beta * t.delta
    return out


def tangent_kernel_block(terms_a, terms_b, *, outputs: str = "mean"):
    r"""The tangent kernel between two sets of points from their factored Jacobians (module docstring).

    Parameters
    ----------
    terms_a, terms_b : sequence of AffineJacobian
        The same layers, in the same order, at n1 and n2 points.
    outputs : {"mean", "full"}
        ``"mean"``: :math:`\frac1k \sum_o \Theta_{oo}(x, x')`, shape (n1, n2); ``"full"``: every output
        pair, shape (n1, k, n2, k).

    Returns
    -------
    array
        Zeros when there are no terms (a network without trainable parameters has an empty tangent kernel).
    """
    outputs = check_choice(outputs, OUTPUT_MODES, "outputs")
    total = None
    for ta, tb in zip(terms_a, terms_b, strict=True):
        xp = namespace(ta.delta, tb.delta)
        n1, k, width = ta.delta.shape
        n2 = tb.delta.shape[0]
        inputs = ta.alpha**2 * (ta.inputs @ tb.inputs.T) + ta.beta**2  # (n1, n2)
        if outputs == "mean":
            deltas = xp.reshape(ta.delta, (n1, k * width)) @ xp.reshape(tb.delta, (n2, k * width)).T
            block = deltas * inputs / k
        else:
            deltas = xp.reshape(ta.delta, (n1 * k, width)) @ xp.reshape(tb.delta, (n2 * k, width)).T
            block = xp.reshape(deltas, (n1, k, n2, k)) * inputs[:, None, :, None]
        total = block if total is None else total + block
    return total


def one_hot_cotangents(xp, y):
    """The cotangents :math:`e_o` for every point and output: shape (n, k, k) for outputs ``y`` of shape (n, k),
    in ``y``'s dtype (a broadcast identity: read-only)."""
    n, k = y.shape
    return xp.broadcast_to(xp.eye(k, dtype=y.dtype)[None, :, :], (n, k, k))


def check_points(x, in_features: int, who: str, *, matrix: bool = False) -> None:
    """Require points with ``in_features`` coordinates on the last axis (``matrix``: exactly (n, d), n >= 1).

    Raises
    ------
    ValueError
        Naming the expected and the given shape.
    """
    if matrix and (x.ndim != 2 or x.shape[0] < 1):
        raise ValueError(f"{who} needs points of shape (n, {in_features}) with n >= 1, got shape {tuple(x.shape)}")
    if x.ndim < 1 or x.shape[-1] != in_features:
        raise ValueError(f"{who} has in_features {in_features}: points must have shape (..., {in_features}), got "
                         f"{tuple(x.shape)}")


def check_scale(scale) -> float:
    """A feature map's ``scale``: a finite real number > 0."""
    return check_positive_float(scale, "scale")
