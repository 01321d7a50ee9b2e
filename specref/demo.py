"""The verification toolkit's demonstration cases: one linear op with its adjoint, one nonlinear op with
its VJP.

They show the two shapes of a primitive (docs/design.md) at their smallest, exercise every check of
the toolkit in `specref verify` and in the tests (where deliberately wrong twins of them must fail), and
serve as templates for a new family. They live outside :mod:`specref.testing`, which imports no family,
because a VJP of a broadcasting op ends with the one ``sum_to_shape`` of :mod:`specref.ops.broadcast`.
"""

from __future__ import annotations

import numpy as np

from specref._args import check_allocation, check_cotangent_precision
from specref.backend import check_float_dtype, device_of, dtype_name, namespace, random_normal
from specref.ops.broadcast import sum_to_shape
from specref.testing.case import Case, Inputs
from specref.testing.tolerances import fft_error_scale

__all__ = ["demo_dense_dft", "demo_dense_dft_adjoint", "demo_scaled_softplus", "demo_scaled_softplus_vjp"]


def _dft_matrix(n: int, xp, dtype, device):
    """F[j, k] = exp(-2 pi i (j k mod n) / n), the angle reduced mod n before it is formed (exact integers)."""
    check_allocation((n, n), 16, f"demo dense DFT matrix (n={n})")
    jk = np.outer(np.arange(n), np.arange(n)) % n
    host = np.exp(-2j * np.pi * jk / n)
    return xp.asarray(host.astype(dtype), device=device)


def demo_dense_dft(x):
    """Unnormalised DFT along the last axis by a dense matrix: ``y = x F^T``, O(n^2).

    .. math:: y_k = \\sum_{j=0}^{n-1} x_j e^{-2\\pi i jk/n}

    Parameters
    ----------
    x : complex array, shape (..., n)

    See Also
    --------
    demo_dense_dft_adjoint
    """
    xp = namespace(x)
    check_float_dtype(x)
    if dtype_name(x.dtype) not in ("complex64", "complex128"):
        raise TypeError(f"demo_dense_dft takes complex input, got {dtype_name(x.dtype)}")
    n = x.shape[-1]
    f = _dft_matrix(n, xp, dtype_name(x.dtype), device_of(x))
    return xp.matmul(x, xp.matrix_transpose(f))


def demo_dense_dft_adjoint(y, *, input_shape):
    """Adjoint of :func:`demo_dense_dft`: ``x = y conj(F)`` (F is symmetric, so F^H = conj(F)).

    .. math:: x_j = \\sum_k y_k e^{+2\\pi i jk/n}
    """
    xp = namespace(y)
    if tuple(y.shape) != tuple(input_shape):
        raise ValueError(f"input_shape {tuple(input_shape)} does not match the cotangent's shape {tuple(y.shape)}")
    f = _dft_matrix(y.shape[-1], xp, dtype_name(y.dtype), device_of(y))
    return xp.matmul(y, xp.conj(f))


def demo_scaled_softplus(x, w):
    """``y = w * log(1 + exp(x))``, with ``w`` broadcast against ``x``.

    .. math:: y = w \\,\\operatorname{softplus}(x), \\quad \\operatorname{softplus}(x) = \\log(1 + e^{x})
    """
    xp = namespace(x, w)
    return w * xp.logaddexp(xp.zeros_like(x), x)


def demo_scaled_softplus_vjp(dy, x, w, y):
    """VJP of :func:`demo_scaled_softplus`: ``dx = dy w sigmoid(x)``, ``dw = sum_to_shape(dy softplus(x))``.

    .. math::

        \\bar x = \\bar y\\, w\\, \\sigma(x), \\qquad
        \\bar w = \\textstyle\\sum_{\\mathrm{bcast}} \\bar y \\log(1+e^x)
    """
    xp = namespace(dy, x, w)
    check_cotangent_precision(dy, x, "demo_scaled_softplus_vjp")  # every VJP refuses a cotangent of another precision
    sigmoid = 1.0 / (1.0 + xp.exp(-x))
    softplus = xp.logaddexp(xp.zeros_like(x), x)
    dx = sum_to_shape(dy * w * sigmoid, x.shape)
    dw = sum_to_shape(dy * softplus, w.shape)
    return dx, dw


def _make_dft(rng, xp, dtype, *, n, batch=()):
    cdtype = {"float32": "complex64", "float64": "complex128"}.get(dtype, dtype)
    return Inputs((random_normal(rng, (*batch, n), dtype=cdtype, xp=xp),))


def _make_softplus(rng, xp, dtype, *, shape, w_shape):
    return Inputs((random_normal(rng, shape, dtype=dtype, xp=xp), random_normal(rng, w_shape, dtype=dtype, xp=xp)))


def _dft_reference(x):
    return np.fft.fft(x, axis=-1)


CASES = [
    Case(
        name="demo_dense_dft",
        forward=demo_dense_dft,
        adjoint=demo_dense_dft_adjoint,
        make=_make_dft,
        complex_linear=True,
        grid=({"n": 1}, {"n": 7}, {"n": 16, "batch": (3,)}),
        full_grid=tuple({"n": n, "batch": (2,)} for n in (1, 2, 3, 5, 8, 13, 32, 64)),
        # A dense sum of n terms with exactly reduced angles: n-term inner products, error ~ (log2 n + 1) eps
        # per entry with pairwise summation, plus one rounding of each twiddle.
        error_scale=lambda p: fft_error_scale(p["n"]) * 4,
        error_reason="dense sum with angles reduced mod n: 4 * 2 (1 + log2 n)",
        reference=_dft_reference,
    ),
    Case(
        name="demo_scaled_softplus",
        forward=demo_scaled_softplus,
        vjp=demo_scaled_softplus_vjp,
        argnums=(0, 1),
        make=_make_softplus,
        grid=({"shape": (4, 5), "w_shape": (5,)}, {"shape": (2, 3, 4), "w_shape": (1, 3, 1)}),
        full_grid=(
            {"shape": (1,), "w_shape": ()},
            {"shape": (4, 5), "w_shape": (5,)},
            {"shape": (2, 3, 4), "w_shape": (1, 3, 1)},
            {"shape": (7, 1), "w_shape": (7, 1)},
        ),
        error_scale=8.0,
        error_reason="exp, log1p, one product: a few roundings per entry",
    ),
]
