"""Builders of the registered cases of kernel methods: ``compute``, ``gram_matrix``, ``kernel_approximation``.

Every kernel module lists its cases in ``CASES`` at its bottom (docs/design.md, "The registrations a
component needs"); these builders make the forward and VJP callables that bind a kernel (in the inputs'
keyword ``kernel``) to the differentiable param values (positional inputs after the points, in ``params``
order), so that the registry's central finite differences check the derivative with respect to the points and
to every param. A kernel that holds no params (or whose ``compute`` does not depend on them) is used as it is.
"""

from __future__ import annotations

from specref.interop.params import ParamContainer
from specref.testing.case import Case

__all__ = ["compute_case", "gram_matrix_case", "kernel_approximation_case"]


def _bound(kernel, values):
    """``kernel`` with its params replaced by ``values`` (in ``params`` order); the kernel itself if none."""
    return kernel.with_params(values) if isinstance(kernel, ParamContainer) else kernel


def _compute(x, y, *values, kernel):
    return _bound(kernel, values).compute(x, y)


def _compute_vjp(dk, x, y, *values_and_k, kernel):
    values, k = values_and_k[:-1], values_and_k[-1]
    bound = _bound(kernel, values)
    dx, dy, *grads = bound.compute_vjp(dk, x, y, k)
    return (dx, dy, *(grads[0][name] for name in bound.params)) if values else (dx, dy)


def compute_case(name: str, make, **case_options) -> Case:
    """The registered case of a kernel's ``compute`` and ``compute_vjp``.

    ``make(rng, xp, dtype, **params)`` returns ``Inputs((x, y, *param_values), {"kernel": kernel})``, the
    param values (in ``params`` order) only for a kernel whose ``compute`` depends on them.
    """
    return Case(name=name, forward=_compute, vjp=_compute_vjp, make=make, **case_options)


def _gram(x, *values, kernel):
    return _bound(kernel, values).gram_matrix(x)


def _gram_vjp(dk, x, *values_and_k, kernel):
    values, k = values_and_k[:-1], values_and_k[-1]
    bound = _bound(kernel, values)
    out = bound.gram_matrix_vjp(dk, x, k)
    if not values:
        return out
    dx, grads = out
    return (dx, *(grads[name] for name in bound.params))


def gram_matrix_case(name: str, make, **case_options) -> Case:
    """The registered case of a kernel's ``gram_matrix`` and ``gram_matrix_vjp``.

    ``make(rng, xp, dtype, **params)`` returns ``Inputs((x, *param_values), {"kernel": kernel})``: the points
    ``x`` (..., n, d) and, for a kernel whose ``compute`` depends on its params, their values in ``params``
    order (each checked by finite differences too). ``case_options`` go to :class:`Case` (grid, error scale).
    """
    return Case(name=name, forward=_gram, vjp=_gram_vjp, make=make, **case_options)


def _approximation(x, y, *values, kernel):
    return kernel.with_params(values).kernel_approximation(x, y)


def _approximation_vjp(dk, x, y, *values_and_k, kernel):
    values, k = values_and_k[:-1], values_and_k[-1]
    bound = kernel.with_params(values)
    dx, dy, grads = bound.kernel_approximation_vjp(dk, x, y, k)
    return (dx, dy, *(grads[name] for name in bound.params))


def kernel_approximation_case(name: str, make, **case_options) -> Case:
    """The registered case of a random feature map's ``kernel_approximation`` and its VJP.

    ``make(rng, xp, dtype, **params)`` returns ``Inputs((x, y, *param_values), {"kernel": feature_map})``,
    the param values in ``params`` order; ``argnums`` defaults to every positional input.
    """
    return Case(name=name, forward=_approximation, vjp=_approximation_vjp, make=make, **case_options)
