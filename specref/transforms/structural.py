r"""Structural linear steps and their one-line adjoints: move an axis, crop or zero-pad, scale, embed R in C.

Every transform family in :mod:`specref.transforms` is one canonical core (unnormalized, last axis, exact
length) wrapped in these steps (docs/design.md). A public transform is a *chain* of linear maps

.. math:: A = S_k \circ \dots \circ S_2 \circ S_1,

and its adjoint is the chain reversed, each step replaced by its adjoint:

.. math:: A^* = S_1^* \circ S_2^* \circ \dots \circ S_k^*,

because :math:`\langle S_2 S_1 x, y\rangle = \langle S_1 x, S_2^* y\rangle = \langle x, S_1^* S_2^* y\rangle`.
:class:`Step` holds one map and its adjoint; :func:`apply_chain` and :func:`apply_chain_adjoint` run a chain
forwards and backwards, so no transform needs a special case per keyword combination.

The steps and their adjoints (inner product ``Re<u, v> = Re sum(conj(u) v)``):

| step | map | adjoint |
| --- | --- | --- |
| ``move_axis`` | moves axis ``source`` to ``destination`` (a permutation) | the inverse permutation |
| ``crop_or_pad`` | keeps the first ``n`` entries, or appends zeros | crops or zero-pads back (``P^T``) |
| ``scale`` | multiplies by a real number ``factor`` | the same multiplication |
| ``to_complex`` | embeds a real array in the complex numbers | the real part |

:func:`axis_chain` is the one chain builder every family uses: move the axis last, crop or zero-pad it, the
family's core, scale, move the axis back, each structural step skipped where it is the identity; a family
writes its core (with the hand-derived adjoint) and a short recipe. :func:`chain_along_axes` chains several
axes. The argument checks the chains use live in :mod:`specref._args`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from specref._args import as_int, check_cotangent_shape, check_input_shape, normalize_axis
from specref.backend import (
    check_float_dtype,
    complex_dtype,
    device_of,
    is_complex,
    namespace,
)
from specref.testing.case import Case
from specref.testing.inputs import random_input

__all__ = [
    "Step",
    "apply_chain",
    "apply_chain_adjoint",
    "step",
    "axis_chain",
    "chain_along_axes",
    "move_axis",
    "move_axis_adjoint",
    "crop_or_pad",
    "crop_or_pad_adjoint",
    "scale",
    "scale_adjoint",
    "to_complex",
    "to_complex_adjoint",
]


# ----------------------------------------------------------------------------------------------------------
# chains


@dataclass(frozen=True)
class Step:
    """One linear map of a chain and its adjoint, both functions of one array.

    ``shape`` is the shape the step produces, so a chain can be built (and an adjoint's input checked)
    from shapes alone, without running anything.
    """

    name: str
    forward: Callable
    adjoint: Callable
    shape: tuple


def apply_chain(steps: Sequence[Step], x):
    """Apply ``steps`` in order: ``S_k(... S_2(S_1(x)))``."""
    for step in steps:
        x = step.forward(x)
    return x


def apply_chain_adjoint(steps: Sequence[Step], y):
    """Apply the adjoints of ``steps`` in reverse order: ``S_1^*(S_2^*(... S_k^*(y)))``."""
    for step in reversed(steps):
        y = step.adjoint(y)
    return y


def step(fn: Callable, fn_adjoint: Callable, input_shape: tuple, output_shape: tuple, **kw) -> Step:
    """The :class:`Step` of a linear pair: ``fn(x, **kw)`` and ``fn_adjoint(y, input_shape=input_shape, **kw)``.

    The pair follows the calling convention of docs/design.md (the adjoint takes the forward's keywords and
    its input's shape); ``output_shape`` is the shape ``fn`` produces from ``input_shape``.
    """
    forward = partial(fn, **kw)
    adjoint = partial(fn_adjoint, input_shape=tuple(input_shape), **kw)
    return Step(fn.__name__, forward, adjoint, tuple(output_shape))


def _moved_last(shape: tuple, axis: int) -> tuple:
    return tuple(s for i, s in enumerate(shape) if i != axis) + (shape[axis],)


def axis_chain(
    shape,
    axis,
    core: Callable[[tuple], list],
    *,
    length: int | None = None,
    factor: float = 1.0,
    fused: Callable | None = None,
) -> list:
    r"""The chain of a transform along one axis: move ``axis`` last, crop or pad, core, scale, move back.

    .. math:: A = M^{-1} \circ c \circ C \circ P \circ M, \qquad
              A^* = M^{*} \circ P^{*} \circ C^{*} \circ c \circ M^{-*}

    with :math:`M` the axis permutation, :math:`P` the crop or zero-pad to ``length``, :math:`C` the family's
    canonical core (unnormalized, last axis, exact length, hand-derived adjoint), :math:`c` the real scale.
    Each structural step is left out where it is the identity (``axis`` already last, ``length`` equal to
    the input's, ``factor == 1``), so the chain holds exactly the maps it applies.

    Parameters
    ----------
    shape : tuple of int
        The input's shape.
    axis : int
        The transformed axis (negative counts from the end).
    core : callable
        ``core(shape) -> list[Step]``: the core's steps for an input of ``shape`` (the transformed axis last,
        ``length`` long). The last step's ``shape`` is the core's output shape; the core may change the last
        axis's length (an rfft's ``n // 2 + 1`` bins) and, if it moves no axis back, append axes.
    length : int, optional
        The length the axis is cropped or zero-padded to before the core (``n`` of numpy.fft); None keeps it.
    factor : float
        The real scale applied to the core's output (the ``norm`` factor).
    fused : callable, optional
        ``fused(shape, axis, length, factor, out_shape) -> Step``: an alternative core computing this whole
        chain in one pass (the same maps, in the same order, e.g. the FFT engine given ``axis`` instead of a
        moved copy). It replaces the steps; its tests compare it with the plain chain.

    Returns
    -------
    list of Step
        Ready for :func:`apply_chain` and :func:`apply_chain_adjoint`.
    """
    shape = tuple(shape)
    ax = normalize_axis(axis, len(shape))
    last = len(shape) - 1
    n = shape[ax] if length is None else as_int(length, "length")
    moved = _moved_last(shape, ax)
    resized = (*moved[:-1], n)
    core_steps = list(core(resized))
    core_out = core_steps[-1].shape if core_steps else resized
    # the core maps (..., n) -> (..., m) along the last axis; moved back, that axis returns to position ax
    back = (*core_out[:ax], core_out[-1], *core_out[ax:-1]) if len(core_out) == len(shape) else core_out
    if fused is not None:
        return [fused(shape, ax, n, float(factor), back)]
    steps = []
    if ax != last:
        steps.append(step(move_axis, move_axis_adjoint, shape, moved, source=ax, destination=last))
    if n != moved[-1]:
        steps.append(step(crop_or_pad, crop_or_pad_adjoint, moved, resized, n=n, axis=-1))
    steps.extend(core_steps)
    if float(factor) != 1.0:
        steps.append(step(scale, scale_adjoint, core_out, core_out, factor=float(factor)))
    if ax != last and len(core_out) == len(shape):
        steps.append(step(move_axis, move_axis_adjoint, core_out, back, source=last, destination=ax))
    return steps


def chain_along_axes(shape, axes, build_axis_chain: Callable) -> list:
    """The steps of a separable operator: ``build_axis_chain(shape, axis)`` along each of ``axes`` in turn.

    Each axis's chain starts from the shape the previous one produced, so the adjoint of the whole is
    still :func:`apply_chain_adjoint` of the concatenation. ``axes`` must already be normalised
    (:func:`specref._args.normalize_axes`); per-axis parameters (output sizes) are the builder's to pair.
    """
    steps: list = []
    shape = tuple(shape)
    for axis in axes:
        part = build_axis_chain(shape, axis)
        steps.extend(part)
        if part:
            shape = part[-1].shape
    return steps


# ----------------------------------------------------------------------------------------------------------
# move_axis


def _moved_shape(shape, source: int, destination: int) -> tuple:
    order = [i for i in range(len(shape)) if i != source]
    order.insert(destination, source)
    return tuple(shape[i] for i in order)


def move_axis(x, source: int, destination: int):
    r"""Move axis ``source`` of ``x`` to position ``destination`` (``xp.moveaxis``), a permutation.

    .. math:: y_{\pi(i)} = x_i \quad\text{for the axis permutation } \pi

    A permutation matrix is orthogonal, so the adjoint is the inverse permutation:
    :func:`move_axis_adjoint` moves ``destination`` back to ``source``. NumPy returns a view.
    """
    source = normalize_axis(source, x.ndim, name="source")
    destination = normalize_axis(destination, x.ndim, name="destination")
    if source == destination:
        return x
    return namespace(x).moveaxis(x, source, destination)


def move_axis_adjoint(y, *, input_shape, source: int, destination: int):
    """Adjoint of :func:`move_axis`: the inverse permutation, ``move_axis(y, destination, source)``."""
    input_shape = check_input_shape(input_shape)
    ndim = len(input_shape)
    source = normalize_axis(source, ndim, name="source")
    destination = normalize_axis(destination, ndim, name="destination")
    check_cotangent_shape(y, _moved_shape(input_shape, source, destination), "move_axis_adjoint", input_shape)
    return move_axis(y, destination, source)


# ----------------------------------------------------------------------------------------------------------
# crop_or_pad


def crop_or_pad(x, n: int, axis: int = -1):
    r"""Keep the first ``n`` entries of ``x`` along ``axis``, or append zeros up to length ``n``.

    With input length :math:`m`, this is the :math:`n \times m` matrix :math:`P` with
    :math:`P_{jk} = 1` for :math:`j = k < \min(m, n)` and 0 elsewhere:

    .. math:: y_j = \begin{cases} x_j & j < m \\ 0 & m \le j < n \end{cases}

    It is how ``n``/``s`` act in every FFT (NumPy crops or zero-pads the input before transforming).
    Its adjoint is :math:`P^T`, the same kind of matrix with the lengths swapped: the adjoint of a crop is
    a zero-pad and the adjoint of a zero-pad is a crop (:func:`crop_or_pad_adjoint`). When ``n`` equals
    the input length, ``x`` is returned as is; a crop returns a view on NumPy, as slicing does.

    Raises
    ------
    ValueError
        If ``n < 0`` or ``axis`` is out of range.
    """
    axis = normalize_axis(axis, x.ndim)
    n = as_int(n, "n")
    if n < 0:
        raise ValueError(f"crop_or_pad length n = {n} is negative; accepted: an integer >= 0")
    m = x.shape[axis]
    if n == m:
        return x
    if n < m:
        index = tuple(slice(None) if i != axis else slice(0, n) for i in range(x.ndim))
        return x[index]
    xp = namespace(x)
    pad_shape = tuple(s if i != axis else n - m for i, s in enumerate(x.shape))
    zeros = xp.zeros(pad_shape, dtype=x.dtype, device=device_of(x))
    return xp.concat([x, zeros], axis=axis)


def crop_or_pad_adjoint(y, *, input_shape, n: int, axis: int = -1):
    """Adjoint of :func:`crop_or_pad`: ``crop_or_pad(y, input_shape[axis], axis)`` (pad <-> crop, P^T)."""
    input_shape = check_input_shape(input_shape)
    axis = normalize_axis(axis, len(input_shape))
    expected = tuple(s if i != axis else as_int(n, "n") for i, s in enumerate(input_shape))
    check_cotangent_shape(y, expected, "crop_or_pad_adjoint", input_shape)
    return crop_or_pad(y, input_shape[axis], axis)


# ----------------------------------------------------------------------------------------------------------
# scale


def scale(x, factor: float):
    r"""Multiply ``x`` by the real number ``factor``: :math:`y = c\,x`.

    A real multiple of the identity is self-adjoint: :func:`scale_adjoint` is the same multiplication.
    ``factor == 1`` returns ``x`` itself (multiplying by one is exact; the pass is skipped).

    A complex entry times a real factor is computed as IEEE complex multiplication, so an infinite
    component can turn the other component into NaN (``(inf + 0j) * 0.5 = inf + nan j``, exactly as
    ``numpy_array * 0.5`` does); finite entries are scaled with one rounding per component.
    """
    factor = float(factor)
    if factor == 1.0:
        return x
    return x * factor


def scale_adjoint(y, *, input_shape, factor: float):
    """Adjoint of :func:`scale`: the same real multiplication (``c I`` is self-adjoint for real ``c``)."""
    input_shape = check_input_shape(input_shape)
    check_cotangent_shape(y, input_shape, "scale_adjoint", input_shape)
    return scale(y, factor)


# ----------------------------------------------------------------------------------------------------------
# to_complex


def to_complex(x):
    r"""Cast ``x`` to the complex dtype of its precision (float32 -> complex64); complex input is returned.

    The embedding :math:`E: \mathbb{R}^n \to \mathbb{C}^n`, :math:`E x = x + 0i`, is R-linear. Its
    adjoint in the real inner product is the real part,
    :math:`\operatorname{Re}\langle E x, y\rangle = \sum_j x_j \operatorname{Re} y_j = \langle x,
    \operatorname{Re} y\rangle` (:func:`to_complex_adjoint`). This is the explicit cast that
    array-api-strict's ``fft`` requires of real input; the gradient of a real input of a complex
    transform is the real part of the complex adjoint.
    """
    xp = namespace(x)
    if x.dtype in (xp.complex64, xp.complex128):
        return x
    if x.dtype not in (xp.float32, xp.float64):
        check_float_dtype(x)  # raises: integer, bool or another dtype
    return xp.astype(x, complex_dtype(x.dtype, xp))


def to_complex_adjoint(y, *, input_shape):
    """Adjoint of :func:`to_complex` in the real inner product: ``Re y``."""
    xp = namespace(y)
    input_shape = check_input_shape(input_shape)
    check_cotangent_shape(y, input_shape, "to_complex_adjoint", input_shape)
    return xp.real(y) if is_complex(y) else y


# ----------------------------------------------------------------------------------------------------------
# verification cases


_make = partial(random_input, complex_input=True)  # complex inputs unless a grid point says otherwise


_STRUCTURAL_REASON = "a copy, a slice, a zero fill or one rounding per component: exact or within eps"

CASES = [
    Case(
        name="crop_or_pad",
        forward=crop_or_pad,
        adjoint=crop_or_pad_adjoint,
        make=_make,
        complex_linear=True,
        grid=(
            {"shape": (7,), "n": 4},  # crop
            {"shape": (3, 5), "n": 8, "axis": 0},  # pad a non-last axis
            {"shape": (2, 6), "n": 6, "complex_input": False},  # same length, real
        ),
        full_grid=(
            {"shape": (7,), "n": 4},
            {"shape": (7,), "n": 1},
            {"shape": (3, 5), "n": 8, "axis": 0},
            {"shape": (2, 3, 4), "n": 2, "axis": 1},
            {"shape": (2, 6), "n": 6, "complex_input": False},
            {"shape": (5,), "n": 9, "complex_input": False},
        ),
        error_scale=1.0,
        error_reason=_STRUCTURAL_REASON,
    ),
    Case(
        name="move_axis",
        forward=move_axis,
        adjoint=move_axis_adjoint,
        make=_make,
        complex_linear=True,
        grid=(
            {"shape": (2, 3, 4), "source": 0, "destination": -1},
            {"shape": (3, 5), "source": 1, "destination": 0, "complex_input": False},
        ),
        error_scale=1.0,
        error_reason=_STRUCTURAL_REASON,
    ),
    Case(
        name="scale",
        forward=scale,
        adjoint=scale_adjoint,
        make=_make,
        complex_linear=True,
        grid=(
            {"shape": (6,), "factor": 0.125},
            {"shape": (2, 5), "factor": 3.0**-0.5, "complex_input": False},
        ),
        error_scale=1.0,
        error_reason="one rounding per component of the product: relative error <= eps/2",
    ),
    Case(
        name="to_complex",
        forward=to_complex,
        adjoint=to_complex_adjoint,
        make=_make,
        grid=({"shape": (5,), "complex_input": False}, {"shape": (2, 3), "complex_input": False}),
        error_scale=1.0,
        error_reason="a cast to the complex dtype of the same precision: exact",
    ),
]
