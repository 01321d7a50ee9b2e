r"""The Hadamard family: Walsh-Hadamard in natural and sequency order, its 2-D form, and the Slant transform.

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

**Slant** (Pratt, Chen & Welch 1974, after Enomoto & Shibata): the orthonormal :math:`S_n`, :math:`n = 2^m`,

.. math::

    S_1 = [1], \quad S_2 = \tfrac{1}{\sqrt 2}\begin{bmatrix} 1 & 1 \\ 1 & -1 \end{bmatrix}, \quad
    S_n = \tfrac{1}{\sqrt 2}\, A_n \begin{bmatrix} S_{n/2} & 0 \\ 0 & S_{n/2} \end{bmatrix},

where, writing :math:`u = S_{n/2} x_{\text{top}}`, :math:`v = S_{n/2} x_{\text{bottom}}`, :math:`h = n/2`, the
sparse :math:`A_n` maps :math:`(u, v)` to

.. math::

    \begin{aligned}
    y_0 &= u_0 + v_0, & y_h &= u_1 - v_1, \\
    y_1 &= a_n (u_0 - v_0) + b_n (u_1 + v_1), & y_{h+1} &= -b_n (u_0 - v_0) + a_n (u_1 + v_1), \\
    y_i &= u_i + v_i, & y_{h+i} &= u_i - v_i \quad (2 \le i < h),
    \end{aligned}

(all divided by :math:`\sqrt 2`), with :math:`a_n = \sqrt{3n^2 / (4(n^2 - 1))}` and
:math:`b_n = \sqrt{(n^2 - 4) / (4(n^2 - 1))}`, so :math:`a_n^2 + b_n^2 = 1`. Row 0 is the constant
:math:`1/\sqrt n` and row 1 the linear ramp :math:`(n - 1 - 2j)\sqrt{3 / (n(n^2 - 1))}`. ``order="natural"``
keeps the rows in the order the recursion produces; ``order="sequency"`` sorts them by sign changes
(:func:`slant_sequency_permutation`).

**Structure** (DESIGN.md section 2): one canonical core per transform along the last axis at its exact
length (:func:`specref._jit.fwht.fwht`, the O(n log n) butterfly with Numba/CUDA fast paths; the recursive
slant butterflies :func:`slant_core` / :func:`slant_core_adjoint`), composed with structural steps from
:mod:`specref.transforms.structural`: move the axis last, zero-pad to the next power of two (``pad=True``),
the core, the sequency permutation, the scale :math:`1/\sqrt n`, move the axis back. The adjoint is the same
chain reversed, each step replaced by its adjoint: the core :math:`H_n` is its own adjoint (symmetric), the
slant core's adjoint is :math:`S_n^T` (the recursion transposed), a permutation's adjoint is its inverse, a
zero-pad's adjoint is the crop back to the input length, the real scale is self-adjoint.

spectrans (inventory #18, #19, #21; validation/FINDINGS.md): its ``SequencyHadamardTransform`` sorts by the
Gray code without the bit reversal, which is not sequency order (for n = 8 its output k has
[0, 7, 4, 3, 5, 2, 1, 6] sign changes), and its ``SlantTransform`` is a ramp row over Hadamard rows rather
than a slant matrix; specref computes the definitions above.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

from specref._args import check_input_shape, normalize_axes, normalize_axis
from specref._jit.fwht import fwht, is_power_of_two
from specref.backend import (
    check_float_dtype,
    complex_dtype,
    device_of,
    dtype_name,
    namespace,
    random_normal,
)
from specref.testing.case import Case, Inputs
from specref.transforms.structural import (
    Step,
    apply_chain,
    apply_chain_adjoint,
    crop_or_pad,
    crop_or_pad_adjoint,
    move_axis,
    move_axis_adjoint,
    scale,
    scale_adjoint,
)

__all__ = [
    "ORDERS",
    "hadamard",
    "hadamard_adjoint",
    "hadamard2",
    "hadamard2_adjoint",
    "slant",
    "slant_adjoint",
    "slant_core",
    "slant_core_adjoint",
    "sequency_permutation",
    "slant_sequency_permutation",
    "sign_changes",
    "hadamard_matrix",
    "slant_matrix",
]

ORDERS = ("natural", "sequency")
"""Row orders: the construction's own (Sylvester for Hadamard, the recursion's for Slant) or by sign changes."""


# ----------------------------------------------------------------------------------------------------------
# orders: permutations and sign changes


def _check_power_of_two(n: int, what: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{what} must be an integer, got {type(n).__name__}")
    n = int(n)
    if not is_power_of_two(n):
        raise ValueError(f"{what} = {n} is not a power of two (1, 2, 4, 8, ...)")
    return n


def _bit_reverse(i: int, bits: int) -> int:
    """Reverse the lowest ``bits`` bits of ``i``: bitrev_3(0b110) = 0b011."""
    out = 0
    for _ in range(bits):
        out = (out << 1) | (i & 1)
        i >>= 1
    return out


@functools.lru_cache(maxsize=64)
def _sequency_index(n: int) -> tuple[int, ...]:
    m = n.bit_length() - 1
    return tuple(_bit_reverse(k ^ (k >> 1), m) for k in range(n))


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
    """
    n = _check_power_of_two(n)
    return np.array(_sequency_index(n), dtype=np.int64)


@functools.lru_cache(maxsize=64)
def _slant_sign_changes(n: int) -> tuple[int, ...]:
    """Sign changes of each row of S_n in the recursion's order, from those of S_{n/2}.

    Row ``[w, w]`` of a row ``w`` with ``c`` sign changes has ``2c`` changes plus one at the seam iff the
    last and first signs of ``w`` differ, i.e. iff ``c`` is odd; ``[w, -w]`` has one at the seam iff ``c``
    is even. Rows 0, 1, h, h+1 (the constant, the ramp, [s1, -s1] and the second rotated row) have 0, 1,
    2 and 3 changes. The tests check this against counting on the dense matrix.
    """
    if n == 1:
        return (0,)
    if n == 2:
        return (0, 1)
    h = n // 2
    half = _slant_sign_changes(h)
    out = [0] * n
    out[0], out[1], out[h], out[h + 1] = 0, 1, 2, 3
    for i in range(2, h):
        c = half[i]
        out[i] = 2 * c + (c & 1)  # [w, w]
        out[h + i] = 2 * c + 1 - (c & 1)  # [w, -w]
    return tuple(out)


def slant_sequency_permutation(n: int) -> np.ndarray:
    """The rows of ``S_n`` sorted by their number of sign changes: row ``k`` of the result changes sign ``k`` times.

    Returns a permutation ``perm`` of ``0 .. n-1`` (int64) with ``S_sequency = S_natural[perm]``.
    """
    n = _check_power_of_two(n)
    return np.argsort(np.array(_slant_sign_changes(n), dtype=np.int64), kind="stable")


def sign_changes(row) -> int:
    """Number of sign changes along a 1-D real sequence with no zero entries (e.g. a Walsh or slant row)."""
    s = np.sign(np.asarray(row, dtype=np.float64))
    if np.any(s == 0):
        raise ValueError("sign_changes needs a row without zero entries")
    return int(np.count_nonzero(s[1:] != s[:-1]))


# ----------------------------------------------------------------------------------------------------------
# dense matrices (NumPy, float64): the references


def hadamard_matrix(n: int, *, order: str = "natural", normalized: bool = False) -> np.ndarray:
    r"""Dense :math:`H_n` (natural) or :math:`W_n` (sequency), optionally divided by :math:`\sqrt n`, as float64.

    Built from ``scipy.linalg.hadamard`` (Sylvester's construction), rows permuted by
    :func:`sequency_permutation` for ``order="sequency"``. A reference for tests, not a fast path: it costs
    :math:`n^2` memory.
    """
    import scipy.linalg

    n = _check_power_of_two(n)
    _check_order(order)
    h = scipy.linalg.hadamard(n).astype(np.float64)
    if order == "sequency":
        h = h[sequency_permutation(n)]
    return h / math.sqrt(n) if normalized else h


def _slant_coefficients(n: int) -> tuple[float, float, float]:
    r"""``(a_n / \sqrt 2, b_n / \sqrt 2, 1 / \sqrt 2)`` in float64.

    ``a_n^2 / 2 = 3n^2 / (8(n^2 - 1))``: numerator and denominator are exact integers (n <= 2^25), so the
    quotient is rounded once and its square root once: relative error <= 1.5 u (u = eps / 2).
    """
    nn = n * n
    return math.sqrt(3 * nn / (8 * (nn - 1))), math.sqrt((nn - 4) / (8 * (nn - 1))), math.sqrt(0.5)


def slant_matrix(n: int, *, order: str = "natural") -> np.ndarray:
    r"""Dense orthonormal Slant matrix :math:`S_n` by the recursion :math:`S_n = A_n (I_2 \otimes S_{n/2}) / \sqrt 2`.

    :math:`A_n` is formed entry by entry (see the module docstring) and multiplied with the block-diagonal
    :math:`I_2 \otimes S_{n/2}`: the dense construction the fast :func:`slant_core` is checked against.
    """
    n = _check_power_of_two(n)
    _check_order(order)
    s = _slant_natural_matrix(n)
    return s[slant_sequency_permutation(n)] if order == "sequency" else s.copy()


@functools.lru_cache(maxsize=16)
def _slant_natural_matrix(n: int) -> np.ndarray:
    if n == 1:
        return np.ones((1, 1))
    if n == 2:
        return np.array([[1.0, 1.0], [1.0, -1.0]]) * math.sqrt(0.5)
    h = n // 2
    a = math.sqrt(3 * n * n / (4 * (n * n - 1)))
    b = math.sqrt((n * n - 4) / (4 * (n * n - 1)))
    A = np.zeros((n, n))
    A[0, [0, h]] = 1.0, 1.0
    A[1, [0, 1, h, h + 1]] = a, b, -a, b
    A[h, [1, h + 1]] = 1.0, -1.0
    A[h + 1, [0, 1, h, h + 1]] = -b, a, b, a
    for i in range(2, h):
        A[i, [i, h + i]] = 1.0, 1.0
        A[h + i, [i, h + i]] = 1.0, -1.0
    s = A @ np.kron(np.eye(2), _slant_natural_matrix(h)) * math.sqrt(0.5)
    s.setflags(write=False)
    return s


# ----------------------------------------------------------------------------------------------------------
# the slant core: O(n log n) butterflies along the last axis, and their transpose


def slant_core(x):
    r"""Slant transform :math:`y = S_n x` along the last axis (natural order), in :math:`O(n \log n)`.

    One level of the recursion on the whole batch at once: view each row as ``(2, n/2)``, transform both
    halves by :math:`S_{n/2}` (one recursive call on the last axis), and combine them with :math:`A_n/\sqrt 2`
    (module docstring). Array-API calls only.

    Parameters
    ----------
    x : array, shape (..., n), ``n`` a power of two

    Returns
    -------
    array, the shape and dtype of ``x`` (a new array)
    """
    xp = namespace(x)
    n = x.shape[-1]
    if n == 1:
        return xp.asarray(x, copy=True)  # S_1 = [1]
    _, _, r = _slant_coefficients(n)
    if n == 2:
        a, b = x[..., 0:1], x[..., 1:2]
        return xp.concat([(a + b) * r, (a - b) * r], axis=-1)
    h = n // 2
    ap, bp, r = _slant_coefficients(n)
    z = slant_core(xp.reshape(x, (*x.shape[:-1], 2, h)))  # S_h on both halves
    u, v = z[..., 0, :], z[..., 1, :]
    p = u[..., 0:1] - v[..., 0:1]
    q = u[..., 1:2] + v[..., 1:2]
    return xp.concat(
        [
            (u[..., 0:1] + v[..., 0:1]) * r,  # y_0: the constant row
            ap * p + bp * q,  # y_1: the ramp, first row of the rotation (a, b; -b, a) of (p, q)
            (u[..., 2:] + v[..., 2:]) * r,  # y_2 .. y_{h-1}
            (u[..., 1:2] - v[..., 1:2]) * r,  # y_h
            ap * q - bp * p,  # y_{h+1}: second row of the rotation
            (u[..., 2:] - v[..., 2:]) * r,  # y_{h+2} .. y_{n-1}
        ],
        axis=-1,
    )


def slant_core_adjoint(y):
    r"""The transpose :math:`x = S_n^T y` along the last axis (natural order): :func:`slant_core`'s adjoint.

    :math:`S_n^T = (I_2 \otimes S_{n/2}^T)\, A_n^T / \sqrt 2`: first :math:`A_n^T/\sqrt 2` (the rotation
    transposed, sums and differences transposed),

    .. math::

        \begin{aligned}
        u_0 &= r y_0 + (a' y_1 - b' y_{h+1}), & v_0 &= r y_0 - (a' y_1 - b' y_{h+1}), \\
        u_1 &= (b' y_1 + a' y_{h+1}) + r y_h, & v_1 &= (b' y_1 + a' y_{h+1}) - r y_h, \\
        u_i &= r (y_i + y_{h+i}), & v_i &= r (y_i - y_{h+i}),
        \end{aligned}

    (:math:`a' = a_n/\sqrt 2`, :math:`b' = b_n/\sqrt 2`, :math:`r = 1/\sqrt 2`), then :math:`S_{n/2}^T` on
    both halves, recursively. Since :math:`S_n` is orthogonal this is also its inverse.
    """
    xp = namespace(y)
    n = y.shape[-1]
    if n == 1:
        return xp.asarray(y, copy=True)
    _, _, r = _slant_coefficients(n)
    if n == 2:  # S_2 is symmetric
        a, b = y[..., 0:1], y[..., 1:2]
        return xp.concat([(a + b) * r, (a - b) * r], axis=-1)
    h = n // 2
    ap, bp, r = _slant_coefficients(n)
    p = ap * y[..., 1:2] - bp * y[..., h + 1 : h + 2]  # coefficient of (u_0 - v_0)
    q = bp * y[..., 1:2] + ap * y[..., h + 1 : h + 2]  # coefficient of (u_1 + v_1)
    y0 = y[..., 0:1] * r
    yh = y[..., h : h + 1] * r
    top, bottom = y[..., 2:h], y[..., h + 2 :]
    u = xp.concat([y0 + p, q + yh, (top + bottom) * r], axis=-1)
    v = xp.concat([y0 - p, q - yh, (top - bottom) * r], axis=-1)
    x = slant_core_adjoint(xp.stack([u, v], axis=-2))  # S_h^T on both halves
    return xp.reshape(x, (*y.shape[:-1], n))


# ----------------------------------------------------------------------------------------------------------
# chains of steps


def _check_order(order) -> str:
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(map(repr, ORDERS))}; got {order!r}")
    return order


def _transform_length(n: int, pad: bool, axis: int, where: str) -> int:
    """The length the core runs at: ``n`` itself, or the next power of two with ``pad=True``."""
    if n == 0:
        raise ValueError(
            f"{where}: the array is empty along axis {axis} (length 0); the transform needs a length >= 1"
        )
    if is_power_of_two(n):
        return n
    m = 1 << (n - 1).bit_length()
    if pad:
        return m
    raise ValueError(
        f"{where} needs a power-of-two length along axis {axis}, got n = {n}; pass pad=True to zero-pad "
        f"to the next power of two ({m}) (the adjoint then crops back to {n})"
    )


def _permute_last(x, index: tuple[int, ...]):
    """``x[..., index]``: the permutation of the last axis given by ``index``."""
    xp = namespace(x)
    return xp.take(x, xp.asarray(index, device=device_of(x)), axis=-1)


def _permutation_step(index: tuple[int, ...], shape: tuple) -> Step:
    r"""``y_k = z_{\pi(k)}`` and its adjoint, the inverse permutation ``z_{\pi(k)} = y_k``."""
    inverse = [0] * len(index)
    for k, p in enumerate(index):
        inverse[p] = k
    inverse = tuple(inverse)
    return Step(
        "permute",
        lambda z: _permute_last(z, index),
        lambda y: _permute_last(y, inverse),
        shape,
    )


def _axis_steps(shape: tuple, axis: int, core: Callable[[int, tuple], list[Step]], pad: bool, where: str):
    """The chain along one axis: move it last, zero-pad, the core's steps, move it back. Returns (steps, m)."""
    ndim = len(shape)
    axis = normalize_axis(axis, ndim)
    last = ndim - 1
    n = shape[axis]
    m = _transform_length(n, pad, axis, where)
    steps = []
    if axis != last:
        moved = tuple(s for i, s in enumerate(shape) if i != axis) + (n,)
        steps.append(
            Step(
                "move_axis",
                functools.partial(move_axis, source=axis, destination=last),
                functools.partial(move_axis_adjoint, input_shape=shape, source=axis, destination=last),
                moved,
            )
        )
        shape = moved
    if m != n:
        padded = (*shape[:-1], m)
        steps.append(
            Step(
                "zero_pad",
                functools.partial(crop_or_pad, n=m, axis=-1),
                functools.partial(crop_or_pad_adjoint, input_shape=shape, n=m, axis=-1),
                padded,
            )
        )
        shape = padded
    steps.extend(core(m, shape))
    if axis != last:
        back = (*shape[:axis], m, *shape[axis:-1])
        steps.append(
            Step(
                "move_axis",
                functools.partial(move_axis, source=last, destination=axis),
                functools.partial(move_axis_adjoint, input_shape=shape, source=last, destination=axis),
                back,
            )
        )
    return steps, m


def _scale_step(factor: float, shape: tuple) -> Step:
    return Step(
        "scale",
        functools.partial(scale, factor=factor),
        functools.partial(scale_adjoint, input_shape=shape, factor=factor),
        shape,
    )


def _hadamard_core(order: str):
    def core(m: int, shape: tuple) -> list[Step]:
        steps = [Step("fwht", fwht, fwht, shape)]  # H_m is symmetric: its own adjoint
        if order == "sequency" and m > 2:  # for m <= 2 the two orders coincide
            steps.append(_permutation_step(_sequency_index(m), shape))
        return steps

    return core


def _slant_core_steps(order: str):
    def core(m: int, shape: tuple) -> list[Step]:
        steps = [Step("slant", slant_core, slant_core_adjoint, shape)]
        if order == "sequency" and m > 4:  # S_1, S_2, S_4 are already in sequency order
            steps.append(_permutation_step(tuple(int(i) for i in slant_sequency_permutation(m)), shape))
        return steps

    return core


def _normalization(m: int) -> float:
    """``1 / sqrt(m)`` as ``sqrt(1 / m)``: ``1/m`` is exact for a power of two, so one rounding (the sqrt)."""
    return math.sqrt(1.0 / m)


def _hadamard_chain(shape, axis, normalized, order, pad, where):
    _check_order(order)
    steps, m = _axis_steps(tuple(shape), axis, _hadamard_core(order), pad, where)
    if normalized and m > 1:
        steps.append(_scale_step(_normalization(m), steps[-1].shape))
    return steps


def _hadamard2_chain(shape, axes, normalized, order, pad, where):
    _check_order(order)
    shape = tuple(shape)
    axes = normalize_axes(axes, len(shape))
    if len(axes) != 2:
        raise ValueError(f"{where} transforms two axes; got axes = {tuple(axes)} ({len(axes)} axes)")
    steps0, m0 = _axis_steps(shape, axes[0], _hadamard_core(order), pad, where)
    steps1, m1 = _axis_steps(steps0[-1].shape, axes[1], _hadamard_core(order), pad, where)
    steps = steps0 + steps1
    if normalized and m0 * m1 > 1:
        steps.append(_scale_step(_normalization(m0 * m1), steps[-1].shape))
    return steps


def _slant_chain(shape, axis, order, pad, where):
    _check_order(order)
    steps, _ = _axis_steps(tuple(shape), axis, _slant_core_steps(order), pad, where)
    return steps


def _run_forward(x, steps):
    return apply_chain(steps, x)


def _run_adjoint(y, steps, input_shape, where):
    expected = steps[-1].shape
    if tuple(y.shape) != tuple(expected):
        raise ValueError(
            f"{where}: the cotangent has shape {tuple(y.shape)}, but the forward maps input_shape "
            f"{tuple(input_shape)} to shape {tuple(expected)}; pass the shape of the forward's input"
        )
    return apply_chain_adjoint(steps, y)


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
        For integer or bool input.
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
    namespace(x)
    check_float_dtype(x)
    steps = _hadamard_chain(x.shape, axis, normalized, order, pad, "hadamard")
    return _run_forward(x, steps)


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
    namespace(y)
    check_float_dtype(y, name="y")
    input_shape = check_input_shape(input_shape)
    steps = _hadamard_chain(input_shape, axis, normalized, order, pad, "hadamard_adjoint")
    return _run_adjoint(y, steps, input_shape, "hadamard_adjoint")


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
    namespace(x)
    check_float_dtype(x)
    steps = _hadamard2_chain(x.shape, axes, normalized, order, pad, "hadamard2")
    return _run_forward(x, steps)


def hadamard2_adjoint(
    y, *, input_shape, axes=(-2, -1), normalized: bool = True, order: str = "natural", pad: bool = False
):
    """Adjoint of :func:`hadamard2`: the reversed chain (itself without padding, in natural order)."""
    namespace(y)
    check_float_dtype(y, name="y")
    input_shape = check_input_shape(input_shape)
    steps = _hadamard2_chain(input_shape, axes, normalized, order, pad, "hadamard2_adjoint")
    return _run_adjoint(y, steps, input_shape, "hadamard2_adjoint")


def slant(x, *, axis: int = -1, order: str = "natural", pad: bool = False):
    r"""Slant transform :math:`y = S_n x` along ``axis`` (Pratt, Chen & Welch 1974), orthonormal.

    :math:`S_n` is defined by the recursion of the module docstring: row 0 is constant, row 1 a linear
    ramp, and every row of :math:`S_n` restricted to either half is a combination of rows of
    :math:`S_{n/2}`. Computed in :math:`O(n \log n)` by :func:`slant_core`.

    Parameters
    ----------
    x : array, float32/float64/complex64/complex128
        Length along ``axis`` a power of two, or any ``n >= 1`` with ``pad=True``.
    axis : int
    order : {"natural", "sequency"}
        The recursion's row order, or sorted by number of sign changes (row k changes sign k times).
    pad : bool
        Zero-pad to the next power of two first (the output has the padded length).

    Returns
    -------
    array, the dtype of ``x``

    Raises
    ------
    TypeError
        For integer or bool input.
    ValueError
        As for :func:`hadamard`.

    See Also
    --------
    slant_adjoint : the adjoint :math:`S_n^T` (without padding also the inverse).
    """
    namespace(x)
    check_float_dtype(x)
    return _run_forward(x, _slant_chain(x.shape, axis, order, pad, "slant"))


def slant_adjoint(y, *, input_shape, axis: int = -1, order: str = "natural", pad: bool = False):
    r"""Adjoint of :func:`slant`: :math:`x = P^T S_m^T \Pi^T y` (crop, transpose recursion, inverse permutation)."""
    namespace(y)
    check_float_dtype(y, name="y")
    input_shape = check_input_shape(input_shape)
    steps = _slant_chain(input_shape, axis, order, pad, "slant_adjoint")
    return _run_adjoint(y, steps, input_shape, "slant_adjoint")


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make(rng, xp, dtype, *, shape, complex_input=False, **kwargs):
    name = dtype_name(complex_dtype(dtype, xp)) if complex_input else dtype
    return Inputs((random_normal(rng, shape, dtype=name, xp=xp),), kwargs)


def _padded(n: int, pad: bool) -> int:
    return 1 << (n - 1).bit_length() if pad else n


def _length(params, key="axis") -> int:
    shape = params["shape"]
    return _padded(shape[params.get(key, -1)], params.get("pad", False))


def _hadamard_scale(params) -> float:
    # 2-norm error of the FWHT <= log2(m) u ||y|| (each of the log2 m stages is sqrt 2 times an orthogonal
    # map and rounds every entry once); + 2u for the rounded 1/sqrt(m) and the product when normalized.
    # In eps = 2u that is log2(m)/2 (+1); c = 1 + log2 m (+1) keeps a factor 2 for the normwise max.
    return 1.0 + math.log2(_length(params)) + (1.0 if params.get("normalized", True) else 0.0)


def _hadamard2_scale(params) -> float:
    shape, axes, pad = params["shape"], params.get("axes", (-2, -1)), params.get("pad", False)
    m = _padded(shape[axes[0]], pad) * _padded(shape[axes[1]], pad)
    return 1.0 + math.log2(m) + (1.0 if params.get("normalized", True) else 0.0)


def _slant_scale(params) -> float:
    # per recursion level: sums/differences times a rounded 1/sqrt 2 (3u per entry) and the rotation
    # (a, b; -b, a) of (p, q) with constants within 1.5u: <= 4.5u sqrt 2 per pair in 2-norm, so <= 6.4u ||x||
    # per level; S_n is orthogonal, so errors do not grow: ||err|| <= 6.4 u log2(n) ||y|| = 3.2 eps log2 n.
    return 4.0 * math.log2(max(_length(params), 2))


def _to_last(x, axis, m):
    x = np.moveaxis(np.asarray(x), axis, -1)
    if x.shape[-1] != m:
        x = np.concatenate([x, np.zeros((*x.shape[:-1], m - x.shape[-1]), dtype=x.dtype)], axis=-1)
    return x


def _dense_apply(matrix: np.ndarray, x, axis: int):
    """``matrix @ x`` along ``axis`` in float64/complex128: the reference is more precise than the op."""
    m = matrix.shape[0]
    z = _to_last(x, axis, m)
    z = z.astype(np.complex128 if np.iscomplexobj(z) else np.float64)
    return np.moveaxis(z @ matrix.T, -1, axis)


def _reference_hadamard(x, *, axis=-1, normalized=True, order="natural", pad=False):
    m = _padded(np.shape(x)[axis], pad)
    return _dense_apply(hadamard_matrix(m, order=order, normalized=normalized), x, axis)


def _reference_hadamard2(x, *, axes=(-2, -1), normalized=True, order="natural", pad=False):
    shape = np.shape(x)
    m0, m1 = _padded(shape[axes[0]], pad), _padded(shape[axes[1]], pad)
    y = _dense_apply(hadamard_matrix(m0, order=order), x, axes[0])
    y = _dense_apply(hadamard_matrix(m1, order=order), y, axes[1])
    return y / math.sqrt(m0 * m1) if normalized else y


def _reference_slant(x, *, axis=-1, order="natural", pad=False):
    m = _padded(np.shape(x)[axis], pad)
    return _dense_apply(slant_matrix(m, order=order), x, axis)


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
    "error <= log2(m) u ||y||, + 2u for 1/sqrt(m) when normalized; c = 1 + log2 m (+1)"
)

CASES = [
    Case(
        name="hadamard",
        forward=hadamard,
        adjoint=hadamard_adjoint,
        make=_make,
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
        make=_make,
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
        make=_make,
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
        error_reason="two FWHTs: log2(m0 m1) additions per output; c = 1 + log2(m0 m1) (+1 normalized)",
        reference=_reference_hadamard2,
    ),
    Case(
        name="slant",
        forward=slant,
        adjoint=slant_adjoint,
        make=_make,
        complex_linear=True,
        grid=(
            {"shape": (1,)},
            {"shape": (2,)},
            {"shape": (3, 8), "complex_input": True},
            {"shape": (32,)},
            {"shape": (8, 3), "axis": 0, "order": "sequency"},
            {"shape": (2, 5), "pad": True},
            {"shape": (12,), "pad": True, "order": "sequency"},
        ),
        full_grid=(
            {"shape": (1,)},
            {"shape": (2,)},
            {"shape": (4,)},
            {"shape": (3, 8)},
            {"shape": (16,), "order": "sequency", "complex_input": True},
            {"shape": (32,), "complex_input": True},
            {"shape": (2, 64)},
            {"shape": (4, 128, 2), "axis": 1, "order": "sequency"},
            {"shape": (8, 3), "axis": 0, "order": "sequency"},
            {"shape": (2, 5), "pad": True},
            {"shape": (12,), "pad": True, "order": "sequency"},
        ),
        error_scale=_slant_scale,
        error_reason=(
            "per level 6.4u ||x|| in 2-norm (sums/differences times 1/sqrt 2, a rotation with constants "
            "within 1.5u), no growth (orthogonal): 3.2 eps log2 n, claimed as c = 4 log2 max(n, 2)"
        ),
        reference=_reference_slant,
    ),
]
