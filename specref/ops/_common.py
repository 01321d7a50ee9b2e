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

from specref.backend import check_float_dtype, check_same_precision, dtype_name, is_complex

__all__ = ["conj_if_complex", "gradient_for", "require_real", "check_one_precision", "from_host"]


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


def check_one_precision(**arrays) -> None:
    """Raise ``TypeError`` if the named arrays (``None`` entries skipped: an absent bias) mix precisions.

    Raises
    ------
    TypeError
        For integer or bool arrays, or single and double precision in one call (naming each array's dtype).
    """
    present = {name: a for name, a in arrays.items() if a is not None}
    check_same_precision(*present.values(), names=list(present))


def from_host(host, xp, dtype: str):
    """A host NumPy array cast to ``dtype`` (a name, e.g. ``"float32"``) and moved to namespace ``xp``: how
    the verification cases of the primitives hand their float64 draws to the backend under test."""
    return xp.asarray(host.astype(dtype), dtype=getattr(xp, dtype))
