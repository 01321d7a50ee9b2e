r"""What the primitive families of :mod:`specref.ops` share: the gradient convention's two helpers and the
checks of the arrays they take.

The gradient convention (docs/conventions.md): for a real loss :math:`L` of :math:`z = a + ib` a VJP returns
:math:`\partial L/\partial a + i\,\partial L/\partial b`. A holomorphic map then pulls a cotangent back by the
*conjugate* derivative (:func:`conj_if_complex`), and a real input that met a complex computation gets the
real part of its complex gradient, the only direction it has (:func:`gradient_for`).

The checks of *arguments* (axes, probabilities, thresholds) live in :mod:`specref._args`; the checks here are
of the *arrays*' dtypes, where the primitives say more than :func:`specref.backend.check_float_dtype`.
"""

from __future__ import annotations

from specref._args import check_cotangent_precision
from specref.backend import check_float_dtype, dtype_name, is_complex

__all__ = ["conj_if_complex", "gradient_for", "require_real", "check_cotangent"]


def conj_if_complex(xp, x):
    """``conj(x)`` for a complex array, ``x`` itself for a real one (conjugation is the identity there)."""
    return xp.conj(x) if is_complex(x) else x


def gradient_for(xp, g, x):
    """The gradient for ``x``: ``g``, or its real part when ``g`` is complex and ``x`` real."""
    return xp.real(g) if is_complex(g) and not is_complex(x) else g


def require_real(x, op: str, name: str = "x"):
    """Return the dtype of ``x``, a float32/float64 array; ``op`` names the real function that takes it.

    Raises
    ------
    TypeError
        For complex input (the message says ``op`` is a real function), and for integer or bool input
        (from :func:`~specref.backend.check_float_dtype`).
    """
    if is_complex(x):
        raise TypeError(
            f"{op} is a real function: {name} has dtype {dtype_name(x.dtype)}; accepted: float32 or float64 "
            "(apply it to the real and imaginary parts separately, or to abs(x), if that is what you mean)"
        )
    return check_float_dtype(x, allow_complex=False, name=name)


def check_cotangent(dy, x, y, op: str, *, names: tuple = ("dy", "x", "y")) -> None:
    """What every VJP of the primitives and kernels checks first: the cotangent ``dy`` has the precision of the
    forward's input ``x`` and the shape of its output ``y`` (each not checked when a caller passes None for it).

    ``names``: how the VJP calls the cotangent, the input and the output (``("dk", "x", "k")``), for the message.

    Raises
    ------
    TypeError
        For a non-float ``dy`` or one of the other precision, naming both dtypes
        (:func:`specref._args.check_cotangent_precision`).
    ValueError
        For a ``dy`` of another shape than ``y``, naming both shapes.
    """
    dy_name, x_name, y_name = names
    if x is None:  # a caller that keeps no forward input (a dropout's VJP needs only the mask)
        check_float_dtype(dy, name=dy_name)
    else:
        check_cotangent_precision(dy, x, op, name=dy_name, forward_name=x_name)
    if y is not None and tuple(dy.shape) != tuple(y.shape):
        raise ValueError(
            f"{op}: the cotangent {dy_name} has shape {tuple(dy.shape)}, but the forward's output {y_name} has "
            f"shape {tuple(y.shape)}; accepted: a cotangent of the output's shape"
        )
