r"""The Slant transform (Pratt, Chen & Welch 1974, after Enomoto & Shibata), with its adjoint.

The orthonormal :math:`S_n`, :math:`n = 2^m`,

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

**Structure** (docs/design.md, *Adding a transform*): the canonical core is the recursive butterfly
:func:`slant_core` (:math:`O(n \log n)`, last axis, exact power-of-two length) with its hand-derived transpose
:func:`slant_core_adjoint`; the recipe is the core followed, for ``order="sequency"``, by the permutation
:func:`slant_sequency_permutation`, and :func:`structural.axis_chain <specref.transforms.structural.axis_chain>`
wraps it (move the axis last, zero-pad to the next power of two with ``pad=True``, move back). The transform is
orthonormal: no scale. The adjoint is the chain reversed: the transposed recursion, the inverse permutation, a
crop back. The Walsh-Hadamard transform, whose row orders and padding rule this module shares, is
:mod:`specref.transforms.hadamard` (the same docs page, docs/transforms/hadamard.md).

spectrans's ``SlantTransform`` (inventory #21; validation/findings/spectrans_slant.md) is a ramp row over
Hadamard rows rather than a slant matrix; specref computes the definition above.
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
    normalize_axis,
)
from specref.backend import namespace
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
from specref.transforms.structural import Step, axis_chain, step

__all__ = [
    "ORDERS",
    "slant",
    "slant_adjoint",
    "slant_core",
    "slant_core_adjoint",
    "slant_sequency_permutation",
    "slant_matrix",
]


# ----------------------------------------------------------------------------------------------------------
# the sequency order


@functools.lru_cache(maxsize=64)
def _slant_sign_changes(n: int) -> np.ndarray:
    """Sign changes of each row of S_n in the recursion's order, from those of S_{n/2} (read-only int64).

    Row ``[w, w]`` of a row ``w`` with ``c`` sign changes has ``2c`` changes plus one at the seam iff the
    last and first signs of ``w`` differ, i.e. iff ``c`` is odd; ``[w, -w]`` has one at the seam iff ``c``
    is even. Rows 0, 1, h, h+1 (the constant, the ramp, [s1, -s1] and the second rotated row) have 0, 1,
    2 and 3 changes. Each level is one vectorised update of rows ``2 .. h-1`` and ``h+2 .. n-1``. The tests
    check this against counting on the dense matrix.
    """
    if n <= 2:
        out = np.arange(n, dtype=np.int64)
    else:
        h = n // 2
        c = _slant_sign_changes(h)[2:]
        out = np.empty(n, dtype=np.int64)
        out[[0, 1, h, h + 1]] = 0, 1, 2, 3
        out[2:h] = 2 * c + (c & 1)  # [w, w]
        out[h + 2:] = 2 * c + 1 - (c & 1)  # [w, -w]
    out.setflags(write=False)
    return out


def slant_sequency_permutation(n: int) -> np.ndarray:
    """The rows of ``S_n`` sorted by their number of sign changes: row ``k`` of the result changes sign ``k`` times.

    Returns a permutation ``perm`` of ``0 .. n-1`` (int64) with ``S_sequency = S_natural[perm]``.

    Raises
    ------
    ValueError
        If ``n`` is not a power of two, or the permutation would not fit in memory
        (:func:`specref._args.check_allocation`; the message gives the estimate in bytes).
    """
    n = check_power_of_two(n, "n")
    check_allocation((n,), 4 * 8, f"slant_sequency_permutation(n={n}) (4 int64 work arrays of length n)")
    return np.argsort(_slant_sign_changes(n), kind="stable")


# ----------------------------------------------------------------------------------------------------------
# the dense matrix (NumPy, float64): the reference


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
    :math:`I_2 \otimes S_{n/2}`: the dense construction the fast :func:`slant_core` is checked against. A
    size whose matrix would not fit in memory raises ``ValueError`` before anything is allocated
    (:func:`specref._args.check_allocation`; the message gives the estimate in bytes).
    """
    n = check_power_of_two(n, "n")
    check_choice(order, ORDERS, "order")
    check_allocation((n, n), 8, f"slant_matrix(n={n})")
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
# the recipe: the core, then the sequency permutation, in structural.axis_chain


def _core_steps(order: str, shape: tuple) -> list:
    """The slant recipe on ``shape`` (last axis, power-of-two length m): :math:`S_m`, then the sequency
    permutation (S_1, S_2, S_4 are already in sequency order)."""
    m = shape[-1]
    steps = [Step("slant", slant_core, slant_core_adjoint, shape)]
    if order == "sequency" and m > 4:
        steps.append(step(permute_last, permute_last_adjoint, shape, shape, index=slant_sequency_permutation(m)))
    return steps


def _slant_chain(shape, axis, order, pad, where) -> list:
    order = check_choice(order, ORDERS, "order")
    pad = check_flag(pad, "pad")
    shape = tuple(shape)
    ax = normalize_axis(axis, len(shape))
    m = power_of_two_length(shape[ax], pad, ax, where)
    return axis_chain(shape, ax, partial(_core_steps, order), length=m)


# ----------------------------------------------------------------------------------------------------------
# public transforms


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
        For integer or bool input; ``pad`` other than True or False.
    ValueError
        As for :func:`specref.transforms.hadamard.hadamard`.

    See Also
    --------
    slant_adjoint : the adjoint :math:`S_n^T` (without padding also the inverse).
    """
    return run_forward(_slant_chain(x.shape, axis, order, pad, "slant"), x)


def slant_adjoint(y, *, input_shape, axis: int = -1, order: str = "natural", pad: bool = False):
    r"""Adjoint of :func:`slant`: :math:`x = P^T S_m^T \Pi^T y` (crop, transpose recursion, inverse permutation)."""
    input_shape = check_input_shape(input_shape)
    return run_adjoint(_slant_chain(input_shape, axis, order, pad, "slant_adjoint"), y, "slant_adjoint", input_shape)


# ----------------------------------------------------------------------------------------------------------
# verification case


def _slant_scale(params) -> float:
    # per recursion level: sums/differences times a rounded 1/sqrt 2 (3u per entry) and the rotation
    # (a, b; -b, a) of (p, q) with constants within 1.5u: <= 4.5u sqrt 2 per pair in 2-norm, so <= 6.4u ||x||
    # per level; S_n is orthogonal, so errors do not grow: ||err|| <= 6.4 u log2(n) ||y|| = 3.2 eps log2 n.
    # That is a 2-norm bound; the reference check's maximum norm uses it as a heuristic (it can be sqrt(n)
    # times larger there).
    return 4.0 * math.log2(max(padded_length(params["shape"][params.get("axis", -1)], params.get("pad", False)), 2))


def _reference_slant(x, *, axis=-1, order="natural", pad=False):
    m = padded_length(np.shape(x)[axis], pad)
    return dense_apply(slant_matrix(m, order=order), x, axis)


CASES = [
    Case(
        name="slant",
        forward=slant,
        adjoint=slant_adjoint,
        make=random_input,
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
            "within 1.5u), no growth (orthogonal): 3.2 eps log2 n, claimed as c = 4 log2 max(n, 2); a 2-norm "
            "bound used for the maximum norm: a heuristic there, not a bound"
        ),
        reference=_reference_slant,
    ),
]
