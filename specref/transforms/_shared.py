r"""Pieces two or more transform families need that :mod:`specref.transforms.structural` does not provide.

One home each, so no family imports another family's private names:

| piece | used by |
| --- | --- |
| :func:`run_forward`, :func:`run_adjoint`: a chain on a checked input or cotangent | all five families |
| :func:`cis`: twiddles :math:`e^{-i\pi r/d}`, :math:`r` reduced mod :math:`2d` exactly | cosine, mdct |
| :func:`on_parts`: a real linear map on real and imaginary parts (C-linear) | cosine, mdct |
| :data:`ORDERS`, :func:`power_of_two_length`, :func:`permute_last`: orders, ``pad``, a permutation | hadamard, slant |
| :func:`padded_length`, :func:`dense_apply`: case lengths and dense references | all five families |

(the five families: cosine/sine, MDCT, Hadamard, Slant, interpolation.)
The argument checks live in :mod:`specref._args`; the chain builder in :mod:`specref.transforms.structural`.
"""

from __future__ import annotations

import numpy as np

from specref._args import check_cotangent_shape, check_input_shape
from specref.backend import (
    check_float_dtype,
    complex_dtype,
    device_of,
    dtype_name,
    is_complex,
    namespace,
)
from specref.testing.case import Case
from specref.testing.inputs import random_input
from specref.transforms.structural import apply_chain, apply_chain_adjoint

__all__ = [
    "ORDERS",
    "run_forward",
    "run_adjoint",
    "cis",
    "on_parts",
    "power_of_two_length",
    "permute_last",
    "permute_last_adjoint",
    "padded_length",
    "dense_apply",
]

ORDERS = ("natural", "sequency")
"""Row orders: the construction's own (Sylvester for Hadamard, the recursion's for Slant) or by sign changes."""


# ----------------------------------------------------------------------------------------------------------
# running a chain


def run_forward(steps, x):
    """Check ``x``'s dtype (float32/float64/complex64/complex128), then apply the chain ``steps``."""
    check_float_dtype(x)
    return apply_chain(steps, x)


def run_adjoint(steps, y, what: str, input_shape):
    """Check ``y``'s dtype and that ``y.shape`` is the chain's output shape, then apply the reversed chain.

    ``what`` names the public adjoint in the message; ``input_shape`` is the forward input's shape.
    """
    check_float_dtype(y, name="y")
    check_cotangent_shape(y, steps[-1].shape, what, input_shape)
    return apply_chain_adjoint(steps, y)


# ----------------------------------------------------------------------------------------------------------
# twiddles and the real/imaginary split


def cis(numerators, denominator: int, like):
    r"""``exp(-i pi r / d)`` for integer ``r``, reduced mod ``2d`` in exact integers before the angle is formed.

    Computed in float64 on the host (angle in [0, 2 pi): absolute error a few ulps) and cast to the complex
    dtype of ``like``'s precision, on its device.
    """
    xp = namespace(like)
    r = np.mod(np.asarray(numerators, dtype=np.int64), 2 * denominator)
    angle = np.pi * r / denominator
    host = np.cos(angle) - 1j * np.sin(angle)
    return xp.asarray(host.astype(dtype_name(complex_dtype(like.dtype, xp))), device=device_of(like))


def on_parts(real_map, x):
    """Apply a real linear map to real ``x``, or to the real and imaginary parts of complex ``x`` (C-linear)."""
    xp = namespace(x)
    if not is_complex(x):
        return real_map(x)
    re, im = real_map(xp.real(x)), real_map(xp.imag(x))
    return xp.astype(re, x.dtype) + xp.astype(im, x.dtype) * 1j


# ----------------------------------------------------------------------------------------------------------
# power-of-two lengths and row permutations (Hadamard, Slant)


def power_of_two_length(n: int, pad: bool, axis: int, where: str) -> int:
    """The length a power-of-two core runs at: ``n`` itself, or the next power of two with ``pad=True``.

    Raises
    ------
    ValueError
        If ``n == 0``, or ``n`` is not a power of two and ``pad`` is False (naming ``pad=True``).
    """
    if n == 0:
        raise ValueError(
            f"{where}: the array is empty along axis {axis} (length 0); the transform needs a length >= 1"
        )
    m = 1 << (n - 1).bit_length()
    if m == n or pad:
        return m
    raise ValueError(
        f"{where} needs a power-of-two length along axis {axis}, got n = {n}; pass pad=True to zero-pad "
        f"to the next power of two ({m}) (the adjoint then crops back to {n})"
    )


def permute_last(x, *, index: tuple[int, ...]):
    r"""``y_k = x_{\pi(k)}`` along the last axis, ``x[..., index]``: a permutation matrix :math:`\Pi`."""
    xp = namespace(x)
    return xp.take(x, xp.asarray(index, device=device_of(x)), axis=-1)


def permute_last_adjoint(y, *, input_shape, index: tuple[int, ...]):
    r"""Adjoint of :func:`permute_last`: :math:`\Pi^T = \Pi^{-1}`, the inverse permutation ``x_{\pi(k)} = y_k``."""
    check_cotangent_shape(y, check_input_shape(input_shape), "permute_last_adjoint", input_shape)
    inverse = [0] * len(index)
    for k, p in enumerate(index):
        inverse[p] = k
    return permute_last(y, index=tuple(inverse))


# ----------------------------------------------------------------------------------------------------------
# verification cases


def padded_length(n: int, pad: bool) -> int:
    """``n``, or the next power of two with ``pad`` (the length a Hadamard or Slant case transforms at)."""
    return 1 << (n - 1).bit_length() if pad else n


def dense_apply(matrix: np.ndarray, x, axis: int):
    """``matrix @ x`` along ``axis`` (zero-padded to ``matrix``'s width) in float64/complex128, on the host:
    a dense reference, more precise than the op it checks."""
    z = np.moveaxis(np.asarray(x), axis, -1)
    m = matrix.shape[1]
    if z.shape[-1] != m:
        z = np.concatenate([z, np.zeros((*z.shape[:-1], m - z.shape[-1]), dtype=z.dtype)], axis=-1)
    z = z.astype(np.complex128 if np.iscomplexobj(z) else np.float64)
    return np.moveaxis(z @ matrix.T, -1, axis)


CASES = [
    Case(
        name="permute_last",
        forward=permute_last,
        adjoint=permute_last_adjoint,
        make=random_input,
        complex_linear=True,
        grid=(
            {"shape": (8,), "index": (0, 4, 6, 2, 3, 7, 5, 1)},  # the sequency order of H_8
            {"shape": (3, 5), "index": (4, 0, 3, 1, 2), "complex_input": True},
        ),
        error_scale=1.0,
        error_reason="a gather: every entry copied exactly",
    ),
]
