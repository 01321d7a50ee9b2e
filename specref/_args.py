"""Argument checks every family shares: one accepted set and one message per kind of argument.

A leaf module: it imports only :mod:`specref.backend`, so transforms, primitives, kernels and layers all word
their errors alike. The rule for every check: a value of the wrong *type* raises ``TypeError`` (a bool is not an
integer or a number here, and a string such as ``"no"`` is not a flag); a value of the right type outside the
accepted range raises ``ValueError``. Each message names the argument, the value received and what is accepted.

| check | accepts | returns |
| --- | --- | --- |
| :func:`normalize_axis` | an integer in ``-ndim ... ndim - 1`` | the non-negative index |
| :func:`normalize_axes` | ``None`` or a sequence of distinct axes (options: repeats, an int) | a tuple of indices |
| :func:`check_length` | an integer >= 1 (a transform length) | ``int`` |
| :func:`check_sizes` | ``count`` integers >= 1 (``size=(h, w)``) | a tuple of ``int`` |
| :func:`check_positive_int` | an integer >= 1 (a size, a count) | ``int`` |
| :func:`check_power_of_two` | an integer ``2^k >= 1`` (a Hadamard or Slant length) | ``int`` |
| :func:`check_choice` | one of a fixed set of names (``order="sequency"``) | the name |
| :func:`check_norm` | ``None``, ``"backward"``, ``"ortho"``, ``"forward"`` | the name (``None`` -> ``"backward"``) |
| :func:`check_probability` | a real number in ``[0, 1)`` (a dropout rate) | ``float`` |
| :func:`check_nonnegative_float` | a finite real number >= 0 | ``float`` |
| :func:`check_flag` | ``True``, ``False`` (Python or NumPy bool) | ``bool`` |
| :func:`check_input_shape` | a sequence of non-negative integers | a tuple of ``int`` |
| :func:`check_cotangent_shape` | a cotangent of the forward's output shape | ``None`` |
| :func:`check_allocation` | a result size that fits in the machine's memory (:func:`memory_limit`) | bytes (``int``) |
| :func:`check_cotangent_precision` | a cotangent of the forward's precision | ``None`` |
"""

from __future__ import annotations

import math
import operator
import os
from collections.abc import Sequence

import numpy as np

from specref.backend import check_float_dtype, dtype_name, finfo_eps

__all__ = [
    "NORMS",
    "as_int",
    "normalize_axis",
    "normalize_axes",
    "check_length",
    "check_sizes",
    "check_positive_int",
    "check_positive_float",
    "check_power_of_two",
    "check_choice",
    "check_norm",
    "check_probability",
    "check_nonnegative_float",
    "check_flag",
    "check_input_shape",
    "check_cotangent_shape",
    "check_allocation",
    "memory_limit",
    "check_cotangent_precision",
]

#: the FFT normalisation names of numpy.fft, scipy.fft and torch.fft (``None`` means ``"backward"``)
NORMS = ("backward", "ortho", "forward")


def as_int(value, name: str) -> int:
    """``value`` as a Python int: any integer (NumPy's included), never a bool or a float.

    Raises
    ------
    TypeError
        If ``value`` is a bool or not an integer.
    """
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be an integer, got the bool {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}") from None


def normalize_axis(axis, ndim: int, *, name: str = "axis") -> int:
    """Return ``axis`` as a non-negative index for an array of ``ndim`` dimensions.

    Raises
    ------
    TypeError
        If ``axis`` is not an integer.
    ValueError
        If ``axis`` is out of range for ``ndim`` dimensions (the message gives the accepted range), or the
        array is 0-dimensional.
    """
    axis = as_int(axis, name)
    if ndim < 1:
        raise ValueError(f"a 0-dimensional array has no {name} to transform; pass an array with ndim >= 1")
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{name} {axis} is out of range for an array of ndim {ndim}; accepted: {-ndim} ... {ndim - 1}"
        )
    return axis % ndim


def normalize_axes(
    axes, ndim: int, *, count: int | None = None, allow_repeats: bool = False, allow_int: bool = False
) -> tuple[int, ...]:
    """Return ``axes`` as a tuple of distinct non-negative indices (``None`` means all axes, in order).

    ``count``: the number of axes an operator needs (2 for a 2-D pooling), checked when given.
    ``allow_repeats``: an axis may appear more than once (``numpy.fft.fftn`` transforms it once per
    listing). ``allow_int``: one integer means that one axis, and any iterable of integers (a 1-D NumPy
    array) is a sequence, as ``scipy.fft`` accepts; the functions mirroring a peer pass these options.

    Raises
    ------
    TypeError
        If ``axes`` is not a sequence of integers (or, with ``allow_int``, an integer).
    ValueError
        If ``axes`` is empty, names an axis out of range, names one axis twice (``(0, -2)`` on a 2-D
        array is a repeat) unless ``allow_repeats``, or does not hold ``count`` axes.
    """
    if allow_int and axes is not None and not isinstance(axes, str | bytes | Sequence):
        if hasattr(axes, "__iter__") and getattr(axes, "ndim", 1) == 1:
            axes = tuple(axes)  # a 1-D array of axes
        elif hasattr(axes, "__index__"):
            axes = (as_int(axes, "axes"),)  # one axis (a bool is refused, as everywhere)
    if count is not None and axes is not None and not isinstance(axes, str | bytes) and isinstance(axes, Sequence):
        if len(axes) != count:
            raise ValueError(f"axes must name {count} axes; got {tuple(axes)!r}")
    if axes is None:
        if ndim < 1:
            raise ValueError("a 0-dimensional array has no axis to transform; pass an array with ndim >= 1")
        return tuple(range(ndim))
    if isinstance(axes, str | bytes) or not isinstance(axes, Sequence):
        raise TypeError(f"axes must be a sequence of integers, got {type(axes).__name__} {axes!r}")
    if len(axes) == 0:
        raise ValueError("axes is empty; name at least one axis to transform (NumPy returns the input as is)")
    out = tuple(normalize_axis(a, ndim, name="axes entry") for a in axes)
    if not allow_repeats and len(set(out)) != len(out):
        raise ValueError(f"axes {tuple(axes)} names an axis twice (ndim {ndim}); each axis may appear once")
    return out


def check_length(n, *, name: str = "n") -> int:
    """Return a transform length ``n >= 1`` as an int.

    Raises
    ------
    TypeError
        If ``n`` is not an integer.
    ValueError
        If ``n < 1``.
    """
    n = as_int(n, name)
    if n < 1:
        raise ValueError(f"{name} = {n} is not a valid transform length; accepted: an integer >= 1")
    return n


def check_sizes(sizes, count: int, *, name: str = "size") -> tuple[int, ...]:
    """Return ``count`` output lengths (each >= 1) as a tuple: ``size=(h, w)`` of a 2-D pooling or resize.

    Raises
    ------
    TypeError
        If ``sizes`` is not a sequence, or an entry is not an integer.
    ValueError
        If ``sizes`` does not hold exactly ``count`` entries, or an entry is < 1.
    """
    if isinstance(sizes, str | bytes) or not hasattr(sizes, "__len__"):  # a list, tuple or 1-D array, as NumPy
        raise TypeError(f"{name} must be a sequence of {count} output lengths; got {type(sizes).__name__} {sizes!r}")
    if len(sizes) != count:
        raise ValueError(f"{name} must hold {count} output lengths, one per axis; got {tuple(sizes)!r}")
    return tuple(check_length(s, name=f"{name} entry") for s in sizes)


def check_positive_int(value, name: str) -> int:
    """Return a size or count ``value >= 1`` as an int (``hidden_dim``, ``num_features``, ``num_blocks``...).

    Raises
    ------
    TypeError
        If ``value`` is not an integer (a bool or a float such as ``64.0`` included).
    ValueError
        If ``value < 1``.
    """
    value = as_int(value, name)
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return value


def check_power_of_two(value, name: str = "n") -> int:
    """Return ``value = 2^k`` (``k >= 0``: 1, 2, 4, 8, ...) as an int: a Hadamard or Slant matrix size.

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If ``value`` is not a power of two (0 and negative values included).
    """
    value = as_int(value, name)
    if value < 1 or value & (value - 1):
        raise ValueError(f"{name} = {value} is not a power of two (1, 2, 4, 8, ...)")
    return value


def check_choice(value, choices: Sequence[str], name: str) -> str:
    """Return ``value`` if it is one of the names ``choices`` (a row order, an interpolation kind...).

    Raises
    ------
    ValueError
        For any other value (a non-string included, as :func:`check_norm`), naming the accepted ones.
    """
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"unknown {name} {value!r}; accepted: {', '.join(map(repr, choices))}")
    return value


def check_norm(norm) -> str:
    """Return the normalisation name; ``None`` means ``"backward"`` (NumPy's and SciPy's default).

    One accepted set for every family (Fourier, cosine/sine, spectral pooling, the mixing layers).

    Raises
    ------
    ValueError
        For any other value, naming the accepted ones.
    """
    if norm is None:
        return "backward"
    if not isinstance(norm, str) or norm not in NORMS:
        raise ValueError(
            f"unknown norm {norm!r}; accepted: 'backward', 'ortho', 'forward' (or None, meaning 'backward')"
        )
    return norm


def _as_real_number(value, name: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def check_probability(p, name: str = "p") -> float:
    """Return a dropout probability ``p`` in ``[0, 1)`` as a float (``p = 1`` would drop everything and
    divide by zero in the ``1 / (1 - p)`` rescaling).

    Raises
    ------
    TypeError
        If ``p`` is not a real number (bools and strings included).
    ValueError
        If ``p`` is outside ``[0, 1)`` or NaN.
    """
    p = _as_real_number(p, name)
    if not 0.0 <= p < 1.0:  # also refuses NaN
        raise ValueError(f"{name} must be a probability in [0, 1), got {p!r}")
    return p


def check_nonnegative_float(value, name: str) -> float:
    """Return a finite real ``value >= 0`` as a float (a threshold, a regularisation, a temperature...).

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If ``value`` is negative, infinite or NaN.
    """
    value = _as_real_number(value, name)
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return value


def check_positive_float(value, name: str) -> float:
    """Return a finite real ``value > 0`` as a float (a scale, a standard deviation, a step...).

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If ``value`` is zero, negative, infinite or NaN.
    """
    value = _as_real_number(value, name)
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return value


def check_flag(value, name: str) -> bool:
    """Return a boolean flag as a Python bool: ``True`` or ``False`` (NumPy's bools too), nothing truthy.

    Raises
    ------
    TypeError
        For any other value: ``"no"``, ``0``, ``None`` are refused rather than read as true or false.
    """
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_input_shape(input_shape, *, name: str = "input_shape") -> tuple[int, ...]:
    """Return an adjoint's ``input_shape`` as a tuple of non-negative ints.

    Raises
    ------
    TypeError
        If ``input_shape`` is not a sequence of integers (``None`` included: every adjoint needs it).
    ValueError
        If an entry is negative.
    """
    if input_shape is None or isinstance(input_shape, str | bytes) or not isinstance(input_shape, Sequence):
        raise TypeError(
            f"{name} must be the forward input's shape, a tuple of integers; got {type(input_shape).__name__}"
        )
    out = tuple(as_int(s, f"{name} entry") for s in input_shape)
    if any(s < 0 for s in out):
        raise ValueError(f"{name} {out} has a negative entry")
    return out


def check_cotangent_shape(y, expected: tuple, what: str, input_shape: tuple) -> None:
    """Raise ``ValueError`` unless ``y.shape == expected``, the forward's output shape for ``input_shape``."""
    if tuple(y.shape) != tuple(expected):
        raise ValueError(
            f"{what}: the cotangent has shape {tuple(y.shape)}, but the forward maps input_shape "
            f"{tuple(input_shape)} to shape {tuple(expected)}; pass the shape of the forward's input"
        )


def check_cotangent_precision(dy, forward, what: str, *, name: str = "dy", forward_name: str = "x") -> None:
    """Raise ``TypeError`` unless the cotangent ``dy`` has the precision the forward ran in.

    Every backward and VJP calls it first (docs/conventions.md: mixing precisions raises, in the forward and
    in every backward): a float32 cotangent for a float64 forward would otherwise give gradients of mixed
    precisions. Real and complex of one precision (float32 with complex64) agree.

    Parameters
    ----------
    dy : array
        The cotangent.
    forward : array or dtype
        An array of the forward (its input, usually) or the forward input's dtype.
    what : str
        The function, named in the message (``"softmax_vjp"``, ``"AFNOMixing.backward"``).

    Raises
    ------
    TypeError
        For an integer, bool or other non-float cotangent, or one of the other precision (naming both dtypes).
    """
    check_float_dtype(dy, name=name)
    forward_dtype = getattr(forward, "dtype", forward)
    if finfo_eps(dy.dtype) != finfo_eps(forward_dtype):
        raise TypeError(
            f"{what}: the cotangent {name} has dtype {dtype_name(dy.dtype)}, but the forward ran in "
            f"{dtype_name(forward_dtype)} ({forward_name}); accepted: a cotangent of the forward's precision "
            "(float32/complex64 or float64/complex128), cast it first"
        )


def memory_limit() -> int | None:
    """The most bytes one result may take: the machine's total physical memory (``None`` where unknown).

    Total memory, not the memory free now: the limit is a property of the machine, so a call is refused or
    accepted the same way every time (free memory would change with what else runs).
    """
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # not POSIX: no limit beyond NumPy's own
        return None


def _bytes_text(n: int) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


def check_allocation(shape, itemsize: int, what: str, *, limit: int | None = None) -> int:
    """Refuse, before allocating, a result of ``shape`` and ``itemsize`` bytes per entry that cannot fit.

    The rule: the result's ``prod(shape) * itemsize`` bytes must not exceed ``limit``, by default
    :func:`memory_limit` (the machine's total physical memory; no limit where it is unknown), and its entry
    count must be indexable (below ``2**63``). Every dense builder (``hadamard_matrix``, ``slant_matrix``,
    the sequency permutations, ``interpolation_matrix``...) calls it with its output's shape first, so
    ``n = 2**40`` is refused at once instead of hanging or failing deep inside NumPy.

    Parameters
    ----------
    shape : tuple of int
        The result's shape.
    itemsize : int
        Bytes per entry (8 for float64 and int64).
    what : str
        The builder and its size, named in the message (``"hadamard_matrix(n=1048576)"``).
    limit : int, optional
        The limit in bytes (tests pass one; default :func:`memory_limit`).

    Returns
    -------
    int
        The result's size in bytes.

    Raises
    ------
    ValueError
        If the result would exceed the limit, giving the estimate in bytes and the limit.
    """
    count = math.prod(int(s) for s in shape)
    nbytes = count * int(itemsize)
    source = "this machine's total memory" if limit is None else "the limit given"
    limit = memory_limit() if limit is None else int(limit)
    if count >= 2**63 or (limit is not None and nbytes > limit):
        bound = "more entries than an array can index (2**63)" if count >= 2**63 else (
            f"more than {limit} bytes ({_bytes_text(limit)}, {source})")
        raise ValueError(
            f"{what}: the result, shape {tuple(int(s) for s in shape)} at {int(itemsize)} bytes per entry, would "
            f"need {nbytes} bytes ({_bytes_text(nbytes)}), {bound}; accepted: a size whose result fits in memory"
        )
    return nbytes
