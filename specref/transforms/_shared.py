r"""Pieces two or more transform families need that :mod:`specref.transforms.structural` does not provide.

One home each, so no family imports another family's private names:

| piece | used by |
| --- | --- |
| :func:`run_forward`, :func:`run_adjoint`: a chain on a checked input or cotangent | all five families |
| :func:`peer_input`, :func:`peer_axes_and_lengths`: what numpy.fft, scipy.fft, pywt accept | fourier, cosine, wavelet |
| :func:`cis`: twiddles :math:`e^{-i\pi r/d}`, :math:`r` reduced mod :math:`2d` exactly | cosine, mdct |
| :func:`on_parts`: a real linear map on real and imaginary parts (C-linear) | cosine, mdct |
| :data:`ORDERS`, :func:`power_of_two_length`, :func:`permute_last`: orders, ``pad``, a permutation | hadamard, slant |
| :func:`padded_length`, :func:`dense_apply`: case lengths and dense references | all five families |

(the five families: cosine/sine, MDCT, Hadamard, Slant, interpolation.)
The argument checks live in :mod:`specref._args`; the chain builder in :mod:`specref.transforms.structural`.
"""

from __future__ import annotations

import operator

import array_api_compat
import numpy as np

from specref._args import check_cotangent_shape, check_input_shape, check_sizes, normalize_axes
from specref.backend import (
    ACCEPTED_DTYPES,
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
    "peer_input",
    "peer_axes_and_lengths",
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
# drop-in input: what the mirrored peer accepts


def peer_input(x, what: str, peer: str):
    """The input of a function mirroring a peer (numpy.fft, scipy.fft, pywt), as that peer would read it.

    A Python sequence (a list, nested lists, a tuple) or scalar becomes a NumPy array (the default
    namespace), as ``numpy.asarray`` reads it; an array of any supported namespace stays where it is.
    Integer and bool arrays are promoted to float64, which is what numpy.fft (complex128 after the cast),
    scipy.fft and pywt compute in. Float and complex arrays are returned as they are.

    Raises
    ------
    TypeError
        For any other dtype, naming it and what is accepted: float16 and long double, which the peers
        accept (float16 computed in float32, long double in long double), are refused on purpose, since
        specref computes in float32 or float64 only and would return another precision than the peer;
        strings and objects, which the peers refuse too.
    """
    if not array_api_compat.is_array_api_obj(x):
        x = np.asarray(x)
    xp = namespace(x)
    if xp.isdtype(x.dtype, ("bool", "integral")):
        return xp.astype(x, xp.float64)
    floating = xp.isdtype(x.dtype, ("real floating", "complex floating"))
    if not floating or dtype_name(x.dtype) not in ACCEPTED_DTYPES:
        why = (
            f" float16 and long double, which {peer} accepts, are refused on purpose (specref computes in "
            "float32 or float64 only): cast first, e.g. x.astype(numpy.float32)"
            if floating
            else ""
        )
        raise TypeError(
            f"{what}: x has dtype {dtype_name(x.dtype)}; accepted: bool or integer (promoted to float64, as "
            f"{peer} does), float32, float64, complex64 or complex128.{why}"
        )
    return x


def _means_input_length(entry) -> bool:
    """An entry ``-1`` of ``s``: numpy.fft and scipy.fft read it as the input's length along that axis."""
    return not isinstance(entry, bool | np.bool_) and hasattr(entry, "__index__") and operator.index(entry) == -1


def peer_axes_and_lengths(shape: tuple, s, axes, *, allow_repeats: bool = False) -> tuple[tuple, list]:
    """The axes and lengths of an n-D transform by the rules numpy.fft and scipy.fft share.

    ``axes``: None means every axis, or the last ``len(s)`` when ``s`` is given; one integer means that
    axis (scipy.fft's rule; numpy.fft's n-D functions want a sequence, a superset accepted here); an axis
    may repeat only with ``allow_repeats`` (numpy.fft transforms it once per listing; scipy.fft refuses).
    ``s``: one length per axis (crop or zero-pad), an integer meaning one axis (scipy.fft), ``-1`` the
    input's length along that axis. Returns ``(axes, lengths)`` with ``lengths`` None where ``s`` is None
    (each family's 1-D default). Errors: :func:`specref._args.normalize_axes` and
    :func:`specref._args.check_sizes`.
    """
    ndim = len(shape)
    if s is not None and not isinstance(s, str | bytes) and hasattr(s, "__index__"):
        s = (s,)
    if s is not None and axes is None and hasattr(s, "__len__") and not isinstance(s, str | bytes):
        if len(s) > ndim:
            raise ValueError(f"s {tuple(s)!r} names more axes than the input has (ndim {ndim})")
        axes = tuple(range(ndim - len(s), ndim))
    axes = normalize_axes(axes, ndim, allow_repeats=allow_repeats, allow_int=True)
    if s is None:
        return axes, [None] * len(axes)
    if hasattr(s, "__len__") and not isinstance(s, str | bytes) and len(s) == len(axes):
        s = [shape[a] if _means_input_length(e) else e for e, a in zip(s, axes, strict=True)]
    return axes, list(check_sizes(s, len(axes), name="s"))


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


def permute_last(x, *, index):
    r"""``y_k = x_{\pi(k)}`` along the last axis, ``x[..., index]``: a permutation matrix :math:`\Pi`.

    ``index`` is a sequence of ints or an int64 NumPy array (the cached sequency orders), a permutation.
    """
    xp = namespace(x)
    return xp.take(x, xp.asarray(np.asarray(index, dtype=np.int64), device=device_of(x)), axis=-1)


def permute_last_adjoint(y, *, input_shape, index):
    r"""Adjoint of :func:`permute_last`: :math:`\Pi^T = \Pi^{-1}`, the inverse permutation ``x_{\pi(k)} = y_k``."""
    check_cotangent_shape(y, check_input_shape(input_shape), "permute_last_adjoint", input_shape)
    index = np.asarray(index, dtype=np.int64)
    inverse = np.empty_like(index)
    inverse[index] = np.arange(index.shape[0], dtype=np.int64)
    return permute_last(y, index=inverse)


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
