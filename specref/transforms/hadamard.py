r"""The Walsh-Hadamard transform in natural and sequency order, and its 2-D form, with adjoints.

**Walsh-Hadamard.** For :math:`n = 2^m` the Sylvester matrices are

.. math::

    H_1 = [1], \qquad H_{2h} = \begin{bmatrix} H_h & H_h \\ H_h & -H_h \end{bmatrix}, \qquad
    (H_n)_{kj} = (-1)^{\operatorname{popcount}(k \,\&\, j)},

the *natural* order (``scipy.linalg.hadamard``). :math:`H_n` is symmetric and :math:`H_n H_n = n I`, so the
normalized transform :math:`H_n / \sqrt n` is orthogonal, symmetric and its own inverse. The *sequency*
(Walsh) order sorts the rows by their number of sign changes: row :math:`k` of :math:`W_n` changes sign
exactly :math:`k` times, and :math:`W_n = P H_n` with

.. math::

    (W_n)_{k\cdot} = (H_n)_{\pi(k)\cdot}, \qquad \pi(k) = \operatorname{bitrev}_m\!\big(k \oplus (k \gg 1)\big),

the bit-reversed Gray code of :math:`k` (:func:`sequency_permutation`; derivation in the docs page
docs/transforms/hadamard.md). Equivalently, natural row :math:`i` changes sign
:math:`\operatorname{gray}^{-1}(\operatorname{bitrev}_m(i))` times.

**Structure** (docs/design.md, *Adding a transform*): the canonical core is :func:`specref._jit.fwht.fwht` (the
:math:`O(n \log n)` butterfly along the last axis at its exact power-of-two length, with Numba/CUDA fast paths);
the recipe is the core followed, for ``order="sequency"``, by the sequency permutation; and
:func:`structural.axis_chain <specref.transforms.structural.axis_chain>` wraps it: move the axis last, zero-pad
to the next power of two (``pad=True``), the recipe, the scale :math:`1/\sqrt n`, move the axis back. The
adjoint is the chain reversed, each step replaced by its adjoint: :math:`H_n` is its own adjoint (symmetric), a
permutation's adjoint is its inverse, a zero-pad's adjoint is the crop back to the input length, the real scale
is self-adjoint. :func:`hadamard2` chains two axes (``structural.chain_along_axes``) and scales once. The Slant
transform, which shares the row orders and the padding rule, is :mod:`specref.transforms.slant`.

spectrans (inventory #18, #19; validation/FINDINGS.md): its ``SequencyHadamardTransform`` sorts by the
Gray code without the bit reversal, which is not sequency order (for n = 8 its output k has
[0, 7, 4, 3, 5, 2, 1, 6] sign changes); specref computes the definition above.
"""

from __future__ import annotations

import functools
import math
from functools import partial

import numpy as np

from specref._args import (
    check_allocation,
    check_choice,
    check_flag,
    check_input_shape,
    check_power_of_two,
    normalize_axes,
    normalize_axis,
)
from specref._jit.fwht import fwht
from specref.testing.case import Case
from specref.testing.inputs import random_input
from specref.transforms._shared import (
    ORDERS,
    dense_apply,
    padded_length,
    permute_last,
    permute_last_adjoint,
    power_of_two_length,
    run_adjoint,
    run_forward,
)
from specref.transforms.structural import Step, axis_chain, chain_along_axes, scale, scale_adjoint, step

__all__ = [
    "ORDERS",
    "hadamard",
    "hadamard_adjoint",
    "hadamard2",
    "hadamard2_adjoint",
    "sequency_permutation",
    "sign_changes",
    "hadamard_matrix",
]


# ----------------------------------------------------------------------------------------------------------
# orders: permutations and sign changes


def _bit_reversal(bits: int) -> np.ndarray:
    """``r[k] = bitrev_bits(k)`` for ``k = 0 .. 2**bits - 1`` (int64): bitrev_3(0b110) = 0b011.

    Vectorised by doubling: appending bit ``b`` as the new lowest bit of ``k`` makes it the new highest bit
    of the reversal, ``r'[2j] = r[j]``, ``r'[2j + 1] = r[j] + 2**b``; about ``2n`` writes in all, no Python
    loop per entry.
    """
    r = np.zeros(1, dtype=np.int64)
    for _ in range(bits):
        doubled = np.empty(2 * r.shape[0], dtype=np.int64)
        doubled[0::2], doubled[1::2] = r, r + r.shape[0]
        r = doubled
    return r


@functools.lru_cache(maxsize=64)
def _sequency_index(n: int) -> np.ndarray:
    """pi(k) = bitrev_m(gray(k)) for k = 0 .. n-1 (read-only int64; cached: the chain reuses it)."""
    m = n.bit_length() - 1
    check_allocation((n,), 4 * 8, f"sequency_permutation(n={n}) (4 int64 work arrays of length n)")
    k = np.arange(n, dtype=np.int64)
    out = _bit_reversal(m)[k ^ (k >> 1)]
    out.setflags(write=False)
    return out


def sequency_permutation(n: int) -> np.ndarray:
    r"""The rows of :math:`H_n` in sequency order: ``W_n = H_n[perm]``, so ``y_seq = y_natural[perm]``.

    .. math:: \pi(k) = \operatorname{bitrev}_m(k \oplus (k \gg 1)), \qquad n = 2^m

    Natural row :math:`i` changes sign :math:`s(i) = \operatorname{gray}^{-1}(\operatorname{bitrev}_m(i))`
    times, and :math:`\pi = s^{-1}`: going from entry :math:`j` to :math:`j + 1` flips bits
    :math:`0..t` of :math:`j` (:math:`t` = its number of trailing ones), so row :math:`i` changes sign there
    iff the prefix parity :math:`i_0 \oplus \dots \oplus i_t` is 1; exactly :math:`2^{m-1-t}` of the
    :math:`n - 1` steps have :math:`t` trailing ones, so
    :math:`s(i) = \sum_t (i_0 \oplus \dots \oplus i_t)\, 2^{m-1-t}`, which is the Gray decoding of the
    bit-reversed :math:`i`.

    Parameters
    ----------
    n : int
        A power of two.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
        A permutation of ``0 .. n-1``.

    Raises
    ------
    ValueError
        If ``n`` is not a power of two, or the permutation would not fit in memory
        (:func:`specref._args.check_allocation`; the message gives the estimate in bytes).
    """
    n = check_power_of_two(n, "n")
    return _sequency_index(n).copy()


def sign_changes(row) -> int:
    """Number of sign changes along a 1-D real sequence with no zero entries (e.g. a Walsh or slant row)."""
    s = np.sign(np.asarray(row, dtype=np.float64))
    if np.any(s == 0):
        raise ValueError("sign_changes needs a row without zero entries")
    return int(np.count_nonzero(s[1:] != s[:-1]))


# ----------------------------------------------------------------------------------------------------------
# the dense matrix (NumPy, float64): the reference


def hadamard_matrix(n: int, *, order: str = "natural", normalized: bool = False) -> np.ndarray:
    r"""Dense :math:`H_n` (natural) or :math:`W_n` (sequency), optionally divided by :math:`\sqrt n`, as float64.

    Built from ``scipy.linalg.hadamard`` (Sylvester's construction), rows permuted by
    :func:`sequency_permutation` for ``order="sequency"``. A reference for tests, not a fast path: it costs
    :math:`n^2` memory, and a size whose matrix would not fit in memory raises ``ValueError`` before anything
    is allocated (:func:`specref._args.check_allocation`; the message gives the estimate in bytes).
    """
    import scipy.linalg

    n = check_power_of_two(n, "n")
    check_choice(order, ORDERS, "order")
    check_allocation((n, n), 8, f"hadamard_matrix(n={n})")
    h = scipy.linalg.hadamard(n).astype(np.float64)
    if order == "sequency":
        h = h[sequency_permutation(n)]
    return h / math.sqrt(n) if normalized else h


# ----------------------------------------------------------------------------------------------------------
# the recipe: the FWHT, then the sequency permutation, in structural.axis_chain


def _core_steps(order: str, shape: tuple) -> list:
    """The Hadamard recipe on ``shape`` (last axis, power-of-two length m): :math:`H_m` (symmetric: its own
    adjoint), then the sequency permutation (for m <= 2 the two orders coincide)."""
    m = shape[-1]
    steps = [Step("fwht", fwht, fwht, shape)]
    if order == "sequency" and m > 2:
        steps.append(step(permute_last, permute_last_adjoint, shape, shape, index=_sequency_index(m)))
    return steps


def _normalization(m: int) -> float:
    """``1 / sqrt(m)`` as ``sqrt(1 / m)``: ``1/m`` is exact for a power of two, so one rounding (the sqrt)."""
    return math.sqrt(1.0 / m)


def _check_options(normalized, order, pad) -> tuple[bool, str, bool]:
    return check_flag(normalized, "normalized"), check_choice(order, ORDERS, "order"), check_flag(pad, "pad")


def _hadamard_chain(shape, axis, normalized, order, pad, where) -> list:
    normalized, order, pad = _check_options(normalized, order, pad)
    shape = tuple(shape)
    ax = normalize_axis(axis, len(shape))
    m = power_of_two_length(shape[ax], pad, ax, where)
    factor = _normalization(m) if normalized else 1.0
    return axis_chain(shape, ax, partial(_core_steps, order), length=m, factor=factor)


def _hadamard2_chain(shape, axes, normalized, order, pad, where) -> list:
    r"""Both axes' chains (no scale), then one scale :math:`1/\sqrt{m_0 m_1}` (one rounding, not two)."""
    normalized, order, pad = _check_options(normalized, order, pad)
    shape = tuple(shape)
    axes = normalize_axes(axes, len(shape), count=2)
    lengths = {ax: power_of_two_length(shape[ax], pad, ax, where) for ax in axes}
    steps = chain_along_axes(
        shape, axes, lambda sh, ax: axis_chain(sh, ax, partial(_core_steps, order), length=lengths[ax])
    )
    m = math.prod(lengths.values())
    if normalized and m > 1:
        out = steps[-1].shape
        steps.append(step(scale, scale_adjoint, out, out, factor=_normalization(m)))
    return steps


# ----------------------------------------------------------------------------------------------------------
# public transforms


def hadamard(x, *, axis: int = -1, normalized: bool = True, order: str = "natural", pad: bool = False):
    r"""Walsh-Hadamard transform along ``axis``, in natural (Sylvester) or sequency (Walsh) order.

    .. math::

        y = \frac{1}{\sqrt n} H_n x \ \ (\text{normalized}), \qquad y = H_n x \ \ (\text{not}), \qquad
        (H_n)_{kj} = (-1)^{\operatorname{popcount}(k \,\&\, j)},

    with the rows of :math:`H_n` permuted to :math:`W_n = H_n[\pi]` (:func:`sequency_permutation`) for
    ``order="sequency"``. Computed by the :math:`O(n \log n)` fast transform
    (:func:`specref._jit.fwht.fwht`: Numba on NumPy, CUDA on CuPy, the array-API reference elsewhere).

    Parameters
    ----------
    x : array, float32/float64/complex64/complex128
        Length ``n`` along ``axis``: a power of two (``n = 1`` is one: :math:`H_1 = [1]`), or any
        ``n >= 1`` with ``pad=True``.
    axis : int
        The axis to transform.
    normalized : bool
        Divide by :math:`\sqrt n` (orthogonal transform, its own inverse). Otherwise :math:`H_n H_n = n I`.
    order : {"natural", "sequency"}
    pad : bool
        Zero-pad the axis to the next power of two first (``n = 5`` transforms at 8). The output then has
        the padded length, and :math:`\sqrt n` in the normalization is that of the padded length.

    Returns
    -------
    array, the dtype of ``x``; the shape of ``x`` with the padded length along ``axis``

    Raises
    ------
    TypeError
        For integer or bool input; ``normalized`` or ``pad`` other than True or False (``"no"`` is not false).
    ValueError
        If the length is 0, or is not a power of two and ``pad`` is False (the message names the length
        and ``pad=True``); for an ``axis`` out of range or an unknown ``order``.

    See Also
    --------
    hadamard_adjoint : the adjoint (for a power-of-two length without padding, the same map).

    Examples
    --------
    >>> import numpy as np
    >>> hadamard(np.array([1.0, 0.0, 0.0, 0.0]), normalized=False)
    array([1., 1., 1., 1.])
    >>> hadamard(np.array([1.0, 2.0, 3.0, 4.0]), normalized=False, order="sequency")
    array([10., -4.,  0., -2.])
    """
    return run_forward(_hadamard_chain(x.shape, axis, normalized, order, pad, "hadamard"), x)


def hadamard_adjoint(
    y, *, input_shape, axis: int = -1, normalized: bool = True, order: str = "natural", pad: bool = False
):
    r"""Adjoint of :func:`hadamard`: the chain of its steps reversed, each replaced by its adjoint.

    .. math:: x = P^T (s\, H_m)^T \Pi^T y = P^T s\, H_m \Pi^T y,

    where :math:`P` zero-pads from :math:`n` to :math:`m` (its adjoint crops), :math:`\Pi` is the
    sequency permutation (its adjoint is the inverse permutation) and :math:`s = 1/\sqrt m` or 1. Without
    padding and in natural order this is :func:`hadamard` itself; normalized, it is also the inverse.

    Parameters
    ----------
    y : array, shape of ``hadamard(x)``
    input_shape : tuple of int
        The shape of the forward's input ``x``.
    axis, normalized, order, pad
        As for :func:`hadamard`.

    Returns
    -------
    array of shape ``input_shape``, the dtype of ``y``
    """
    input_shape = check_input_shape(input_shape)
    steps = _hadamard_chain(input_shape, axis, normalized, order, pad, "hadamard_adjoint")
    return run_adjoint(steps, y, "hadamard_adjoint", input_shape)


def hadamard2(
    x, *, axes=(-2, -1), normalized: bool = True, order: str = "natural", pad: bool = False
):
    r"""2-D Walsh-Hadamard transform: :func:`hadamard` along ``axes[0]`` and along ``axes[1]``.

    .. math:: Y = \frac{1}{\sqrt{n_0 n_1}}\, H_{n_0} X H_{n_1}^T \quad (\text{normalized})

    The two 1-D transforms commute; the normalization is applied once, as :math:`\sqrt{1/(n_0 n_1)}`.
    Keywords as for :func:`hadamard`; ``pad`` pads each axis to its next power of two.

    Raises
    ------
    ValueError
        If ``axes`` does not name two distinct axes, or as :func:`hadamard` for either axis.
    """
    return run_forward(_hadamard2_chain(x.shape, axes, normalized, order, pad, "hadamard2"), x)


def hadamard2_adjoint(
    y, *, input_shape, axes=(-2, -1), normalized: bool = True, order: str = "natural", pad: bool = False
):
    """Adjoint of :func:`hadamard2`: the reversed chain (itself without padding, in natural order)."""
    input_shape = check_input_shape(input_shape)
    steps = _hadamard2_chain(input_shape, axes, normalized, order, pad, "hadamard2_adjoint")
    return run_adjoint(steps, y, "hadamard2_adjoint", input_shape)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _length(params) -> int:
    return padded_length(params["shape"][params.get("axis", -1)], params.get("pad", False))


def _hadamard_scale(params) -> float:
    # 2-norm error of the FWHT <= log2(m) u ||y|| (each of the log2 m stages is sqrt 2 times an orthogonal
    # map and rounds every entry once); + 2u for the rounded 1/sqrt(m) and the product when normalized.
    # In eps = 2u that is log2(m)/2 (+1); c = 1 + log2 m (+1) keeps a factor 2 for the maximum-norm checks:
    # a heuristic, not a bound (in the maximum norm the 2-norm bound only gives sqrt(m) times itself).
    return 1.0 + math.log2(_length(params)) + (1.0 if params.get("normalized", True) else 0.0)


def _hadamard2_scale(params) -> float:
    shape, axes, pad = params["shape"], params.get("axes", (-2, -1)), params.get("pad", False)
    m = padded_length(shape[axes[0]], pad) * padded_length(shape[axes[1]], pad)
    return 1.0 + math.log2(m) + (1.0 if params.get("normalized", True) else 0.0)


def _reference_hadamard(x, *, axis=-1, normalized=True, order="natural", pad=False):
    m = padded_length(np.shape(x)[axis], pad)
    return dense_apply(hadamard_matrix(m, order=order, normalized=normalized), x, axis)


def _reference_hadamard2(x, *, axes=(-2, -1), normalized=True, order="natural", pad=False):
    shape = np.shape(x)
    m0, m1 = padded_length(shape[axes[0]], pad), padded_length(shape[axes[1]], pad)
    y = dense_apply(hadamard_matrix(m0, order=order), x, axes[0])
    y = dense_apply(hadamard_matrix(m1, order=order), y, axes[1])
    return y / math.sqrt(m0 * m1) if normalized else y


_GRID_1D = (
    {"shape": (1,)},
    {"shape": (2,), "normalized": False},
    {"shape": (3, 8)},
    {"shape": (32,), "normalized": False, "complex_input": True},
    {"shape": (8, 3), "axis": 0},  # a non-last axis
    {"shape": (2, 5), "pad": True},  # n = 5 -> 8
    {"shape": (12,), "pad": True, "normalized": False},  # n = 12 -> 16
)
_FULL_GRID_1D = _GRID_1D + (
    {"shape": (4,)},
    {"shape": (16,), "complex_input": True},
    {"shape": (2, 64), "normalized": False},
    {"shape": (128,)},
    {"shape": (4, 256, 2), "axis": 1},
    {"shape": (2, 3, 4), "axis": -1, "complex_input": True, "normalized": False},
    {"shape": (3, 1), "axis": 0, "pad": True},  # n = 3 -> 4 on a leading axis
    {"shape": (17,), "pad": True},
)


def _with(grid, **kw):
    return tuple({**p, **kw} for p in grid)


_HADAMARD_REASON = (
    "each output is a signed sum of all inputs formed by log2 m additions (the butterfly tree); 2-norm "
    "error <= log2(m) u ||y||, + 2u for 1/sqrt(m) when normalized; c = 1 + log2 m (+1), a factor 2 for the "
    "maximum norm that is a heuristic, not a bound"
)

CASES = [
    Case(
        name="hadamard",
        forward=hadamard,
        adjoint=hadamard_adjoint,
        make=random_input,
        complex_linear=True,
        grid=_GRID_1D,
        full_grid=_FULL_GRID_1D,
        error_scale=_hadamard_scale,
        error_reason=_HADAMARD_REASON,
        reference=_reference_hadamard,
    ),
    Case(
        name="hadamard_sequency",
        forward=hadamard,
        adjoint=hadamard_adjoint,
        make=random_input,
        complex_linear=True,
        grid=_with(_GRID_1D, order="sequency"),
        full_grid=_with(_FULL_GRID_1D, order="sequency"),
        error_scale=_hadamard_scale,
        error_reason=_HADAMARD_REASON + "; the permutation is exact",
        reference=_reference_hadamard,
    ),
    Case(
        name="hadamard2",
        forward=hadamard2,
        adjoint=hadamard2_adjoint,
        make=random_input,
        complex_linear=True,
        grid=(
            {"shape": (1, 1)},
            {"shape": (4, 8)},
            {"shape": (2, 8, 3), "axes": (0, 1), "normalized": False, "complex_input": True},
            {"shape": (5, 2), "pad": True, "order": "sequency"},
        ),
        full_grid=(
            {"shape": (1, 1)},
            {"shape": (4, 8)},
            {"shape": (2, 8, 3), "axes": (0, 1), "normalized": False, "complex_input": True},
            {"shape": (5, 2), "pad": True, "order": "sequency"},
            {"shape": (16, 16), "order": "sequency"},
            {"shape": (2, 32, 4), "axes": (-1, 1)},  # axes in reverse order
            {"shape": (3, 12), "pad": True, "normalized": False},
        ),
        error_scale=_hadamard2_scale,
        error_reason=(
            "two FWHTs: log2(m0 m1) additions per output; c = 1 + log2(m0 m1) (+1 normalized), a factor 2 for "
            "the maximum norm that is a heuristic, not a bound"
        ),
        reference=_reference_hadamard2,
    ),
]
