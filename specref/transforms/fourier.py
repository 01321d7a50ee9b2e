r"""Fourier transforms with exact adjoints: fft, ifft, rfft, irfft and their 2-D and n-D forms.

Every public transform equals NumPy's (``numpy.fft``) for odd and even lengths, any axes, ``n``/``s``
(crop or zero-pad) and ``norm`` in {"backward", "ortho", "forward"}, and has an adjoint
``<name>_adjoint(y, *, input_shape, **same keywords)``. The derivations are in docs/transforms/fourier.md.

Design (docs/design.md): one canonical core per kind, unnormalized, on the last axis, of exact length,
with a hand-derived adjoint (:mod:`specref.transforms.fourier_core`: ``c2c``, ``r2c``, ``c2r``), and
``axis``, ``n``/``s`` and ``norm`` as the structural steps of the one chain builder
:func:`~specref.transforms.structural.axis_chain` (move the axis last, crop or zero-pad, core, scale, move
back), whose adjoints are one line each. A public transform builds its chain from the input's shape, one
axis after another in NumPy's order; its adjoint builds the same chain from ``input_shape`` and runs it
backwards (:func:`~specref.transforms.structural.apply_chain_adjoint`). No adjoint has a special case per
(norm, n, axis). This module holds that recipe and the public functions.

Why one file of some 700 lines: it is one family, the twelve NumPy-compatible transforms and their twelve
adjoints, each a one-line recipe under its numpydoc docstring (the formula, the chain, the keywords), and
their registered cases and grids. The cores (:mod:`~specref.transforms.fourier_core`) and the fused path
(:mod:`~specref.transforms.fourier_fused`) already live in their own files; splitting the public functions
further (1-D from n-D) would separate ``fftn`` from the ``fft`` chain it repeats per axis.

For speed, each axis's chain runs as the fused alternative core
(:func:`~specref.transforms.fourier_fused.fused_axis_step`): the engine is given ``axis`` instead of moving
it (no transposed copies; results keep the input's C layout), and the norm factor and Hermitian weights
multiply, in place, only arrays the step itself just allocated. The fused step is the same maps with the
same arithmetic, and the tests check it against the plain chain bit for bit (NaN, Inf, signed zeros and
subnormals included; only the sign of a NaN is not compared).

Conventions: R-linear maps (rfft, irfft) take their adjoint in the real inner product
:math:`\operatorname{Re}\langle u, v\rangle`; C-linear ones (fft, ifft...) in the complex one, which
gives the same real part. The adjoint of a complex transform returns a complex array even when the
forward was given a real array (NumPy casts real input to complex); the gradient with respect to a real
input is its real part (:func:`~specref.transforms.structural.to_complex_adjoint`). ``norm`` is checked by
:func:`specref._args.check_norm` (``None`` means ``"backward"``).

**Drop-in for numpy.fft** (docs/conventions.md): the twelve transforms take NumPy's positional order
(``fft(x, n, axis, norm)``, ``fftn(x, s, axes, norm)``), Python sequences (read by NumPy), integer and bool
input (promoted to float64, hence complex128 out, as NumPy does), ``-1`` in ``s`` (the input's length), an
axis listed twice in ``axes`` (transformed once per listing, as NumPy does), and an int for ``s`` or
``axes`` (scipy.fft's reading; a superset of NumPy's). Deliberately refused: float16 and long double input,
which NumPy computes in float32 and long double (specref computes in float32 or float64 only), NumPy 2's
``out=``, an empty ``axes`` (NumPy returns the input untransformed) and ``None`` in ``s`` (deprecated in
NumPy 2.0); each raises an error naming the argument. The adjoints stay strict: arrays, and ``input_shape`` always.

Backends: on NumPy the cores call ``scipy.fft`` (pocketfft, like ``numpy.fft``); on CuPy and
array-api-strict they call ``xp.fft``. Output precision follows input precision (float32 -> complex64).

NaN and Inf are not errors: they propagate through the transforms as NumPy propagates them, and every
output entry NumPy makes non-finite is non-finite here too. Where a norm factor scales a complex
intermediate, IEEE complex-times-real multiplication can also turn the partner component of an infinite
one into NaN (``(inf + 0j) * 0.5 = inf + nan j``, as ``numpy_array * 0.5`` gives), so a few entries that
NumPy's fused scaling leaves finite may be NaN here; with no factor (``fft`` under "backward") the result
is NumPy's bit for bit.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from specref._args import (
    check_cotangent_shape,
    check_input_shape,
    check_length,
    check_norm,
    normalize_axis,
)
from specref.backend import check_float_dtype, dtype_name, is_complex, namespace
from specref.testing.case import Case
from specref.testing.inputs import random_input
from specref.testing.tolerances import fft_error_scale
from specref.transforms._shared import peer_axes_and_lengths, peer_input
from specref.transforms.fourier_core import (
    c2c,
    c2c_adjoint,
    c2r,
    c2r_adjoint,
    r2c,
    r2c_adjoint_weighted,
)
from specref.transforms.fourier_fused import fused_axis_step
from specref.transforms.structural import (
    apply_chain,
    apply_chain_adjoint,
    axis_chain,
    chain_along_axes,
    step,
    to_complex,
)

__all__ = [
    "dual_norm",
    "norm_factor",
    "fft",
    "fft_adjoint",
    "ifft",
    "ifft_adjoint",
    "rfft",
    "rfft_adjoint",
    "irfft",
    "irfft_adjoint",
    "fft2",
    "fft2_adjoint",
    "ifft2",
    "ifft2_adjoint",
    "rfft2",
    "rfft2_adjoint",
    "irfft2",
    "irfft2_adjoint",
    "fftn",
    "fftn_adjoint",
    "ifftn",
    "ifftn_adjoint",
    "rfftn",
    "rfftn_adjoint",
    "irfftn",
    "irfftn_adjoint",
]


# ----------------------------------------------------------------------------------------------------------
# norms


def dual_norm(norm) -> str:
    """The norm whose inverse transform is the adjoint: backward <-> forward, ortho <-> ortho.

    The forward transform under ``norm`` is :math:`c F` and the inverse under ``dual_norm(norm)`` is
    :math:`c F^H` with the same real :math:`c` (1, :math:`1/\\sqrt n` or :math:`1/n`), so
    ``fft(x, norm=nm)`` has adjoint ``ifft(y, norm=dual_norm(nm))`` (for equal input and transform length).
    """
    return {"backward": "forward", "ortho": "ortho", "forward": "backward"}[check_norm(norm)]


def norm_factor(norm, n: int, *, inverse: bool) -> float:
    """The real factor a transform of length ``n`` applies after its unnormalized core.

    | norm | forward | inverse |
    | --- | --- | --- |
    | backward | 1 | 1/n |
    | ortho | 1/sqrt(n) | 1/sqrt(n) |
    | forward | 1/n | 1 |
    """
    norm = check_norm(norm)
    if norm == "ortho":
        return 1.0 / math.sqrt(n)
    scaled = "backward" if inverse else "forward"  # the direction that carries 1/n
    return 1.0 / n if norm == scaled else 1.0


# ----------------------------------------------------------------------------------------------------------
# the recipe: one structural.axis_chain per transformed axis, with the Fourier core
#
# The public transforms give each axis chain the fused alternative core (fourier_fused.fused_axis_step):
# the same maps in the same order with the same arithmetic, in one pass. ``fused=False`` builds the plain
# chain of steps instead, which tests/transforms/test_fourier_fused.py compares with it bit for bit.


def _core_steps(shape: tuple, *, kind: str, n: int, inverse: bool) -> list:
    """The core's step for an input of ``shape`` (the transformed axis last, already cropped or padded)."""
    if kind == "c2c":
        return [step(c2c, c2c_adjoint, shape, shape, inverse=inverse)]
    if kind == "r2c":
        return [step(r2c, r2c_adjoint_weighted, shape, (*shape[:-1], n // 2 + 1))]
    return [step(c2r, c2r_adjoint, shape, (*shape[:-1], n), n=n)]


def _axis_chain(shape: tuple, axis: int, kind: str, n: int | None, norm: str, *, inverse: bool, fused: bool) -> list:
    """The steps of one 1-D transform along ``axis`` of an array of ``shape``.

    ``kind`` is "c2c", "r2c" or "c2r"; ``n`` the transform length (None: the input's length, or for c2r
    NumPy's default 2 (m - 1)). c2r reads n // 2 + 1 bins, so its chain crops or zero-pads to that.
    ``fused``: the one-pass alternative core (:func:`~specref.transforms.fourier_fused.fused_axis_step`).
    """
    axis = normalize_axis(axis, len(shape))
    if n is None:
        m = shape[axis]
        n = 2 * (m - 1) if kind == "c2r" else m
        if kind == "c2r" and n < 1:
            raise ValueError(
                f"irfft: the default length n = 2 (m - 1) = {n} for m = {m} bins along axis {axis} is "
                "not a valid length; pass n (odd lengths always need it: n = 2 m - 1)"
            )
    n = check_length(n)
    return axis_chain(
        shape,
        axis,
        partial(_core_steps, kind=kind, n=n, inverse=inverse),
        length=n // 2 + 1 if kind == "c2r" else n,
        factor=norm_factor(norm, n, inverse=inverse or kind == "c2r"),
        fused=partial(fused_axis_step, kind=kind, n=n, inverse=inverse) if fused else None,
    )


def _chain(
    shape: tuple, kind: str, norm, *, inverse: bool, s=None, axes=None, n=None, axis=None, fused: bool = True
):
    """The chain of steps of a transform of an input of ``shape``, axis by axis in NumPy's order.

    1-D transforms give ``n`` and ``axis``; n-D ones ``s`` and ``axes``. c2c: axes in reverse order.
    r2c (rfftn): the real transform on the last axis, then c2c on the others in reverse order. c2r
    (irfftn): complex inverse transforms on all but the last axis, then the 1-D c2r on the last (NumPy's
    definition, which matters for input that is not Hermitian). ``fused``: the one-pass alternative core
    on every axis (what the public transforms run) instead of the plain chain of steps.
    """
    norm = check_norm(norm)
    shape = tuple(shape)
    if axis is not None:
        axes, lengths = (normalize_axis(axis, len(shape)),), [None if n is None else check_length(n)]
    else:
        axes, lengths = peer_axes_and_lengths(shape, s, axes, allow_repeats=True)
        # NumPy's default lengths are the input's, read before the first transform (an axis listed twice
        # is transformed at its input length both times); irfftn's last default is 2 (m - 1), computed
        # by _axis_chain.
        last = len(axes) - 1
        lengths = [shape[a] if n_ is None and (kind != "c2r" or i < last) else n_
                   for i, (a, n_) in enumerate(zip(axes, lengths, strict=True))]
    per_axis = list(zip(axes, lengths, strict=True))
    if kind == "c2c":
        order = [(a, length, "c2c") for a, length in reversed(per_axis)]
    elif kind == "r2c":
        order = [(*per_axis[-1], "r2c")] + [(a, length, "c2c") for a, length in reversed(per_axis[:-1])]
    else:
        order = [(a, length, "c2c") for a, length in per_axis[:-1]] + [(*per_axis[-1], "c2r")]

    def build(sh, a):
        length, core = plan.pop(0)  # the next transform in the order (an axis may be listed twice)
        return _axis_chain(sh, a, core, length, norm, inverse=inverse, fused=fused)

    plan = [(length, core) for _, length, core in order]
    return chain_along_axes(shape, [a for a, _, _ in order], build)


def _transform(x, kind: str, norm, *, inverse: bool, what: str, fused: bool = True, **where):
    x = peer_input(x, what, "numpy.fft")  # sequences, and integer or bool input promoted to float64
    if kind == "r2c":
        if is_complex(x):  # by name: a big-endian >c16 is complex too
            raise TypeError(
                f"{what} takes real input (float32 or float64), got {dtype_name(x.dtype)}; use "
                f"{what.replace('rfft', 'fft')} for complex input"
            )
        check_float_dtype(x)  # integer or bool: TypeError naming the accepted dtypes
    else:
        x = to_complex(x)  # checks the dtype; NumPy casts real input to complex, array-api-strict needs it
    steps = _chain(tuple(x.shape), kind, norm, inverse=inverse, fused=fused, **where)
    return apply_chain(steps, x)


def _transform_adjoint(y, input_shape, kind: str, norm, *, inverse: bool, what: str, fused: bool = True, **where):
    namespace(y)
    input_shape = check_input_shape(input_shape)
    steps = _chain(input_shape, kind, norm, inverse=inverse, fused=fused, **where)
    check_cotangent_shape(y, steps[-1].shape, what, input_shape)
    if kind == "c2r":
        check_float_dtype(y, name=f"{what} cotangent")
        if is_complex(y):
            raise TypeError(
                f"{what}: the cotangent has dtype {dtype_name(y.dtype)}, but irfft's output is real; "
                "accepted: float32 or float64"
            )
    else:
        y = to_complex(y)  # a real cotangent is a complex one with zero imaginary part
    return apply_chain_adjoint(steps, y)


# ----------------------------------------------------------------------------------------------------------
# 1-D transforms


def fft(x, n=None, axis=-1, norm="backward"):
    r"""1-D discrete Fourier transform along ``axis``, equal to ``numpy.fft.fft``.

    .. math:: y_k = c \sum_{j=0}^{n-1} x_j\, e^{-2\pi i jk/n}, \qquad k = 0, \dots, n-1,

    with :math:`c = 1` ("backward"), :math:`1/\sqrt n` ("ortho") or :math:`1/n` ("forward"), after
    cropping or zero-padding ``x`` to length ``n`` along ``axis``. Chain: move ``axis`` last, crop or pad
    to n, :func:`c2c`, scale by :math:`c`, move back. Cost :math:`O(n \log n)` per row.

    Parameters
    ----------
    x : array or sequence, real or complex, any shape with ``ndim >= 1``
        Real input is cast to the complex dtype of its precision; integer and bool input (and a list of
        them) to complex128, as NumPy does (module notes: the drop-in rule).
    n : int >= 1, optional
        Transform length; default the input's length along ``axis``.
    axis : int
    norm : {"backward", "ortho", "forward"}

    Returns
    -------
    complex array, the shape of ``x`` with ``n`` along ``axis``; complex64 for float32/complex64 input.

    Raises
    ------
    TypeError
        float16, long double, string or object input; ``n``/``axis`` not integers.
    ValueError
        ``axis`` out of range, ``n < 1`` (a zero-length axis needs ``n``), unknown ``norm``.

    Notes
    -----
    NaN and Inf are not errors: they propagate as in NumPy (a NaN input makes every bin it contributes
    to NaN); see the module notes for the one difference a norm factor can make.

    See Also
    --------
    fft_adjoint, ifft

    Examples
    --------
    >>> import numpy as np
    >>> from specref.transforms.fourier import fft
    >>> np.allclose(fft(np.arange(5.0)), np.fft.fft(np.arange(5.0)))
    True
    >>> np.array_equal(fft([0, 1, 0, 0], 6, 0), np.fft.fft([0, 1, 0, 0], 6, 0))  # NumPy's order, ints
    True
    """
    return _transform(x, "c2c", norm, inverse=False, what="fft", n=n, axis=axis)


def fft_adjoint(y, *, input_shape, n=None, axis=-1, norm="backward"):
    r"""Adjoint of :func:`fft`: the chain reversed, :math:`A^H y`.

    Step by step: move ``axis`` last, scale by the same real :math:`c`, :func:`c2c_adjoint`
    (:math:`F^H`, the unnormalized inverse DFT), crop or zero-pad back to ``input_shape[axis]`` (the
    adjoint of zero-padding is cropping and vice versa), move back. For ``n`` equal to the input length
    this is ``ifft(y, axis=axis, norm=dual_norm(norm))``; under "backward" it is :math:`n\cdot`
    ``ifft(y)``. Returns a complex array of shape ``input_shape`` (take its real part for a real input).

    Raises
    ------
    ValueError
        If ``y.shape`` is not the shape :func:`fft` gives for ``input_shape`` and these keywords.
    """
    return _transform_adjoint(y, input_shape, "c2c", norm, inverse=False, what="fft_adjoint", n=n, axis=axis)


def ifft(x, n=None, axis=-1, norm="backward"):
    r"""1-D inverse discrete Fourier transform along ``axis``, equal to ``numpy.fft.ifft``.

    .. math:: x_j = c \sum_{k=0}^{n-1} y_k\, e^{+2\pi i jk/n},

    with :math:`c = 1/n` ("backward"), :math:`1/\sqrt n` ("ortho") or 1 ("forward"), after cropping or
    zero-padding to ``n``. Same chain as :func:`fft` with :func:`c2c` ``(inverse=True)``; keywords,
    dtypes and errors as :func:`fft`.

    See Also
    --------
    ifft_adjoint, fft
    """
    return _transform(x, "c2c", norm, inverse=True, what="ifft", n=n, axis=axis)


def ifft_adjoint(y, *, input_shape, n=None, axis=-1, norm="backward"):
    r"""Adjoint of :func:`ifft`: the chain reversed with :math:`(F^H)^H = F`.

    For equal lengths, ``fft(y, axis=axis, norm=dual_norm(norm))``; under "backward",
    :math:`\frac1n` ``fft(y)``.
    """
    return _transform_adjoint(y, input_shape, "c2c", norm, inverse=True, what="ifft_adjoint", n=n, axis=axis)


def rfft(x, n=None, axis=-1, norm="backward"):
    r"""1-D DFT of real input, the first :math:`\lfloor n/2\rfloor + 1` bins, equal to ``numpy.fft.rfft``.

    .. math:: y_k = c \sum_{j=0}^{n-1} x_j\, e^{-2\pi i jk/n}, \qquad k = 0, \dots, \lfloor n/2 \rfloor,

    after cropping or zero-padding ``x`` to ``n`` along ``axis`` (crop or pad first, then the transform
    gives n // 2 + 1 bins). Chain: move, crop or pad, :func:`r2c`, scale, move back.

    Parameters
    ----------
    x : real array (float32 or float64), ``x.ndim >= 1``
    n, axis, norm
        As :func:`fft`.

    Returns
    -------
    complex array, ``n // 2 + 1`` along ``axis``

    Raises
    ------
    TypeError
        Complex, integer or bool input.
    ValueError
        As :func:`fft`.

    See Also
    --------
    rfft_adjoint, irfft
    """
    return _transform(x, "r2c", norm, inverse=False, what="rfft", n=n, axis=axis)


def rfft_adjoint(y, *, input_shape, n=None, axis=-1, norm="backward"):
    r"""Adjoint of :func:`rfft` in the real inner product, exact for odd and even n and any input length.

    The chain reversed: move ``axis`` last, scale by the same :math:`c`, :func:`r2c_adjoint_weighted`
    (zero-pad the half spectrum to n, :math:`F^H`, real part; computed as a weighted c2r), crop or
    zero-pad from n back to ``input_shape[axis]``, move back. Returns a real array of shape
    ``input_shape``.
    """
    return _transform_adjoint(y, input_shape, "r2c", norm, inverse=False, what="rfft_adjoint", n=n, axis=axis)


def irfft(x, n=None, axis=-1, norm="backward"):
    r"""Inverse of :func:`rfft`: a real length-``n`` signal from its half spectrum, as ``numpy.fft.irfft``.

    The input is cropped or zero-padded to :math:`\lfloor n/2\rfloor + 1` bins along ``axis`` (what NumPy
    does), then :func:`c2r` and the factor :math:`c = 1/n` ("backward"), :math:`1/\sqrt n` ("ortho") or 1
    ("forward"):

    .. math::

        x_j = c\Bigl[\operatorname{Re} y_0 + 2 \sum_{k=1}^{\lceil n/2\rceil - 1}
        \operatorname{Re}\bigl(y_k e^{2\pi i jk/n}\bigr) + [n\ \text{even}]
        \operatorname{Re}(y_{n/2})(-1)^j\Bigr].

    Input that is not Hermitian follows NumPy: the imaginary parts of DC and, for even n, Nyquist are
    ignored, on every backend.

    Parameters
    ----------
    x : complex (or real) array, ``x.ndim >= 1``
    n : int >= 1, optional
        Output length. Default ``2 (m - 1)`` for ``m`` input bins, as NumPy: always even, so **odd lengths
        need n** (``irfft(rfft(x))`` of odd length returns one sample less); m = 1 needs n.
    axis, norm
        As :func:`fft`.

    Returns
    -------
    real array, ``n`` along ``axis``; float32 for complex64 input.

    See Also
    --------
    irfft_adjoint, rfft
    """
    return _transform(x, "c2r", norm, inverse=True, what="irfft", n=n, axis=axis)


def irfft_adjoint(y, *, input_shape, n=None, axis=-1, norm="backward"):
    r"""Adjoint of :func:`irfft` (NumPy semantics) in the real inner product.

    The chain reversed: move ``axis`` last, scale by :math:`c`, :func:`c2r_adjoint` (:func:`r2c` of the
    cotangent times weights :math:`w_k = 2`, :math:`w_0 = 1`, and :math:`w_{n/2} = 1` for even n; the
    imaginary parts of those bins get exactly zero gradient), crop or zero-pad from n // 2 + 1 bins back
    to ``input_shape[axis]``, move back. ``y`` is real; returns complex of shape ``input_shape``.
    """
    return _transform_adjoint(y, input_shape, "c2r", norm, inverse=True, what="irfft_adjoint", n=n, axis=axis)


# ----------------------------------------------------------------------------------------------------------
# 2-D and n-D transforms: the 1-D chains one axis after another


def fftn(x, s=None, axes=None, norm="backward"):
    r"""n-D DFT over ``axes``, equal to ``numpy.fft.fftn``: :func:`fft` along each axis (last listed first).

    .. math:: y_{k_1 \dots k_d} = c \sum_{j_1 \dots j_d} x_{j_1 \dots j_d}
        \prod_{a=1}^{d} e^{-2\pi i j_a k_a / n_a}, \qquad c = \prod_a c_a.

    Parameters
    ----------
    x : array or sequence, real or complex (integer and bool promoted, as :func:`fft`)
    s : sequence of int >= 1 (or -1: the input's length), optional
        Lengths along ``axes`` (crop or zero-pad); default the input's, read before the first transform.
    axes : sequence of int (or one int), optional
        Default all axes (or, with ``s`` given, the last ``len(s)``: NumPy's rule). An axis listed twice
        is transformed twice, as NumPy does.
    norm : {"backward", "ortho", "forward"}

    Raises
    ------
    ValueError
        Empty axes, an axis out of range, ``s`` and ``axes`` of different lengths, an entry of ``s``
        below 1 other than -1, unknown norm.

    See Also
    --------
    fftn_adjoint, fft
    """
    return _transform(x, "c2c", norm, inverse=False, what="fftn", s=s, axes=axes)


def fftn_adjoint(y, *, input_shape, s=None, axes=None, norm="backward"):
    """Adjoint of :func:`fftn`: every axis's :func:`fft_adjoint` chain, in reverse order."""
    return _transform_adjoint(y, input_shape, "c2c", norm, inverse=False, what="fftn_adjoint", s=s, axes=axes)


def ifftn(x, s=None, axes=None, norm="backward"):
    """n-D inverse DFT, equal to ``numpy.fft.ifftn``: :func:`ifft` along each axis (keywords as fftn)."""
    return _transform(x, "c2c", norm, inverse=True, what="ifftn", s=s, axes=axes)


def ifftn_adjoint(y, *, input_shape, s=None, axes=None, norm="backward"):
    """Adjoint of :func:`ifftn`: every axis's :func:`ifft_adjoint` chain, in reverse order."""
    return _transform_adjoint(y, input_shape, "c2c", norm, inverse=True, what="ifftn_adjoint", s=s, axes=axes)


def rfftn(x, s=None, axes=None, norm="backward"):
    """n-D DFT of real input, equal to ``numpy.fft.rfftn``: :func:`rfft` on the last of ``axes``, then
    :func:`fft` on the others. The last axis gets ``s[-1] // 2 + 1`` bins. Keywords as :func:`fftn`."""
    return _transform(x, "r2c", norm, inverse=False, what="rfftn", s=s, axes=axes)


def rfftn_adjoint(y, *, input_shape, s=None, axes=None, norm="backward"):
    """Adjoint of :func:`rfftn`: the outer axes' :func:`fft_adjoint` chains, then :func:`rfft_adjoint`."""
    return _transform_adjoint(
        y, input_shape, "r2c", norm, inverse=False, what="rfftn_adjoint", s=s, axes=axes
    )


def irfftn(x, s=None, axes=None, norm="backward"):
    r"""n-D inverse of :func:`rfftn`, equal to ``numpy.fft.irfftn``.

    NumPy's definition, kept for input that is not Hermitian: complex :func:`ifft` over every axis but the
    last of ``axes``, then the 1-D :func:`irfft` on the last one (which ignores the imaginary parts of its
    DC and, for even length, Nyquist bins). cuFFT's multi-D C2R assumes Hermitian symmetry on every axis
    and can differ on such input; specref does not. Default ``s``: the input lengths, and
    ``2 (m - 1)`` on the last axis (odd lengths need ``s``).
    """
    return _transform(x, "c2r", norm, inverse=True, what="irfftn", s=s, axes=axes)


def irfftn_adjoint(y, *, input_shape, s=None, axes=None, norm="backward"):
    """Adjoint of :func:`irfftn`: :func:`irfft_adjoint` on the last axis, then the outer
    :func:`ifft_adjoint` chains in reverse order. ``y`` is real; returns complex."""
    return _transform_adjoint(
        y, input_shape, "c2r", norm, inverse=True, what="irfftn_adjoint", s=s, axes=axes
    )


def fft2(x, s=None, axes=(-2, -1), norm="backward"):
    """2-D DFT, equal to ``numpy.fft.fft2``: :func:`fftn` with ``axes=(-2, -1)`` by default."""
    return _transform(x, "c2c", norm, inverse=False, what="fft2", s=s, axes=axes)


def fft2_adjoint(y, *, input_shape, s=None, axes=(-2, -1), norm="backward"):
    """Adjoint of :func:`fft2` (see :func:`fftn_adjoint`)."""
    return _transform_adjoint(y, input_shape, "c2c", norm, inverse=False, what="fft2_adjoint", s=s, axes=axes)


def ifft2(x, s=None, axes=(-2, -1), norm="backward"):
    """2-D inverse DFT, equal to ``numpy.fft.ifft2``: :func:`ifftn` with ``axes=(-2, -1)`` by default."""
    return _transform(x, "c2c", norm, inverse=True, what="ifft2", s=s, axes=axes)


def ifft2_adjoint(y, *, input_shape, s=None, axes=(-2, -1), norm="backward"):
    """Adjoint of :func:`ifft2` (see :func:`ifftn_adjoint`)."""
    return _transform_adjoint(y, input_shape, "c2c", norm, inverse=True, what="ifft2_adjoint", s=s, axes=axes)


def rfft2(x, s=None, axes=(-2, -1), norm="backward"):
    """2-D DFT of real input, equal to ``numpy.fft.rfft2``: :func:`rfftn` with default ``axes=(-2, -1)``."""
    return _transform(x, "r2c", norm, inverse=False, what="rfft2", s=s, axes=axes)


def rfft2_adjoint(y, *, input_shape, s=None, axes=(-2, -1), norm="backward"):
    """Adjoint of :func:`rfft2` (see :func:`rfftn_adjoint`)."""
    return _transform_adjoint(
        y, input_shape, "r2c", norm, inverse=False, what="rfft2_adjoint", s=s, axes=axes
    )


def irfft2(x, s=None, axes=(-2, -1), norm="backward"):
    """2-D inverse of :func:`rfft2`, equal to ``numpy.fft.irfft2`` (NumPy semantics: see :func:`irfftn`)."""
    return _transform(x, "c2r", norm, inverse=True, what="irfft2", s=s, axes=axes)


def irfft2_adjoint(y, *, input_shape, s=None, axes=(-2, -1), norm="backward"):
    """Adjoint of :func:`irfft2` (see :func:`irfftn_adjoint`)."""
    return _transform_adjoint(
        y, input_shape, "c2r", norm, inverse=True, what="irfft2_adjoint", s=s, axes=axes
    )



# ----------------------------------------------------------------------------------------------------------
# verification cases


def _points(p: dict, default_axes, c2r: bool = False) -> int:
    """Points of the transform: product over transformed axes of max(input length, transform length)."""
    shape = p["shape"]
    axes = (p["axis"],) if "axis" in p else p.get("axes", default_axes)
    axes = tuple(range(len(shape))) if axes is None else tuple(axes)
    lengths = p.get("s") or ([p["n"]] if p.get("n") else [None] * len(axes))
    total = 1
    for i, (a, n) in enumerate(zip(axes, lengths, strict=True)):
        m = shape[a]
        if n is None:
            n = 2 * (m - 1) if c2r and i == len(axes) - 1 else m
        total *= max(m, n)
    return total


def _error_scale(default_axes, c2r=False):
    return lambda p: fft_error_scale(_points(p, default_axes, c2r))


_REASON = (
    "FFT of N points, N the product over transformed axes of max(input, transform length): "
    "2 (1 + log2 N) (Higham ch. 24: radix-2 error ~2.5 eps log2 N worst case, pocketfft ~0.1 eps log2 N); "
    "the norm factor adds one rounding, within the constant"
)

# Grids: odd and even n, n equal to / smaller than / larger than the input length, all three norms, a
# non-last axis; sizes small enough for the dense adjoint check (<= 256 real coordinates per space).
_GRID_1D = (
    {"shape": (8,), "norm": "backward"},
    {"shape": (7,), "norm": "ortho"},
    {"shape": (9,), "n": 6, "norm": "forward"},  # crop to even
    {"shape": (4,), "n": 7, "norm": "backward"},  # pad to odd
    {"shape": (5, 3), "n": 8, "axis": 0, "norm": "ortho"},  # non-last axis, pad to even
    {"shape": (2, 6), "n": 5, "norm": "forward"},  # crop to odd
)
_FULL_1D = _GRID_1D + (
    {"shape": (1,), "norm": "backward"},
    {"shape": (2,), "norm": "ortho"},
    {"shape": (3,), "n": 1, "norm": "forward"},
    {"shape": (32,), "norm": "ortho"},
    {"shape": (31,), "n": 32, "norm": "backward"},
    {"shape": (2, 5, 3), "n": 4, "axis": 1, "norm": "forward"},
)
# irfft: m input bins, n output points; n // 2 + 1 bins are read (crop or zero-pad to that first).
_GRID_C2R = (
    {"shape": (5,), "norm": "backward"},  # default n = 8, even
    {"shape": (4,), "n": 7, "norm": "ortho"},  # odd, bins equal
    {"shape": (5,), "n": 5, "norm": "forward"},  # odd, crop 5 -> 3 bins
    {"shape": (3,), "n": 9, "norm": "backward"},  # odd, pad 3 -> 5 bins
    {"shape": (4, 3), "n": 6, "axis": 0, "norm": "ortho"},  # non-last axis, even, bins equal
    {"shape": (2, 6), "n": 4, "norm": "forward"},  # even, crop 6 -> 3 bins
)
_FULL_C2R = _GRID_C2R + (
    {"shape": (1,), "n": 1, "norm": "backward"},
    {"shape": (2,), "norm": "ortho"},  # default n = 2
    {"shape": (2,), "n": 3, "norm": "forward"},
    {"shape": (17,), "norm": "backward"},  # n = 32
    {"shape": (16,), "n": 31, "norm": "ortho"},
    {"shape": (2, 5, 3), "n": 9, "axis": 1, "norm": "forward"},
)
_GRID_2D = (
    {"shape": (4, 6), "norm": "backward"},
    {"shape": (3, 5), "s": (4, 3), "norm": "ortho"},  # pad one axis, crop the other
    {"shape": (2, 3, 4), "axes": (0, 2), "s": (3, 5), "norm": "forward"},
    {"shape": (5, 4), "axes": (1, 0), "norm": "backward"},  # the last transformed axis is axis 0
)
_FULL_2D = _GRID_2D + (
    {"shape": (1, 1), "norm": "ortho"},
    {"shape": (3, 7), "s": (6, 2), "norm": "forward"},
    {"shape": (2, 4, 5), "axes": (-1, -3), "s": (7, 1), "norm": "ortho"},
)
_GRID_C2R_2D = (
    {"shape": (4, 4), "norm": "backward"},  # s = (4, 6)
    {"shape": (3, 3), "s": (4, 5), "norm": "ortho"},  # odd last length, outer pad
    {"shape": (2, 3, 4), "axes": (0, 2), "s": (3, 5), "norm": "forward"},  # crop 4 -> 3 bins
    {"shape": (5, 4), "axes": (1, 0), "s": (4, 7), "norm": "backward"},  # last transformed axis is 0
)
_FULL_C2R_2D = _GRID_C2R_2D + (
    {"shape": (3, 2), "s": (2, 3), "norm": "forward"},
    {"shape": (2, 4, 5), "axes": (-1, -3), "s": (3, 8), "norm": "ortho"},
)
_GRID_ND = (
    {"shape": (2, 3, 4), "norm": "backward"},  # all axes
    {"shape": (3, 5), "axes": (0, 1), "s": (4, 2), "norm": "ortho"},
    {"shape": (2, 3, 4), "axes": (2, 0), "s": (3, 2), "norm": "forward"},  # unsorted axes
    {"shape": (6,), "norm": "ortho"},
)
_FULL_ND = _GRID_ND + (
    {"shape": (2, 2, 3), "axes": (0, 1, 2), "s": (3, 1, 4), "norm": "forward"},
    {"shape": (3, 2, 2, 2), "axes": (1, 3), "norm": "backward"},
)
_GRID_C2R_ND = (
    {"shape": (2, 3, 3), "norm": "backward"},  # s = (2, 3, 4)
    {"shape": (3, 4), "axes": (0, 1), "s": (4, 7), "norm": "ortho"},  # odd last length
    {"shape": (2, 3, 4), "axes": (2, 0), "s": (3, 2), "norm": "forward"},  # last transformed axis is 0
    {"shape": (4,), "norm": "ortho"},  # 1-D, n = 6
)
_FULL_C2R_ND = _GRID_C2R_ND + (
    {"shape": (2, 2, 3), "axes": (0, 1, 2), "s": (3, 1, 5), "norm": "forward"},
    {"shape": (3, 2, 2, 2), "axes": (1, 3), "norm": "backward"},
)


def _case(name, forward, adjoint, make, grid, full_grid, default_axes, *, c2r=False, complex_linear=False):
    return Case(
        name=name,
        forward=forward,
        adjoint=adjoint,
        make=make,
        complex_linear=complex_linear,
        grid=grid,
        full_grid=full_grid,
        error_scale=_error_scale(default_axes, c2r),
        error_reason=_REASON,
        reference=getattr(np.fft, name),
    )


# Complex input: for the irfft cases a random half spectrum, NOT Hermitian (Im of DC/Nyquist != 0).
_make_complex = partial(random_input, complex_input=True)
_make_real = partial(random_input, complex_input=False)
_AXIS = (-1,)
_AXES_2D = (-2, -1)

CASES = [
    _case("fft", fft, fft_adjoint, _make_complex, _GRID_1D, _FULL_1D, _AXIS, complex_linear=True),
    _case("ifft", ifft, ifft_adjoint, _make_complex, _GRID_1D, _FULL_1D, _AXIS, complex_linear=True),
    _case("rfft", rfft, rfft_adjoint, _make_real, _GRID_1D, _FULL_1D, _AXIS),
    _case("irfft", irfft, irfft_adjoint, _make_complex, _GRID_C2R, _FULL_C2R, _AXIS, c2r=True),
    _case("fft2", fft2, fft2_adjoint, _make_complex, _GRID_2D, _FULL_2D, _AXES_2D, complex_linear=True),
    _case("ifft2", ifft2, ifft2_adjoint, _make_complex, _GRID_2D, _FULL_2D, _AXES_2D, complex_linear=True),
    _case("rfft2", rfft2, rfft2_adjoint, _make_real, _GRID_2D, _FULL_2D, _AXES_2D),
    _case("irfft2", irfft2, irfft2_adjoint, _make_complex, _GRID_C2R_2D, _FULL_C2R_2D, _AXES_2D, c2r=True),
    _case("fftn", fftn, fftn_adjoint, _make_complex, _GRID_ND, _FULL_ND, None, complex_linear=True),
    _case("ifftn", ifftn, ifftn_adjoint, _make_complex, _GRID_ND, _FULL_ND, None, complex_linear=True),
    _case("rfftn", rfftn, rfftn_adjoint, _make_real, _GRID_ND, _FULL_ND, None),
    _case("irfftn", irfftn, irfftn_adjoint, _make_complex, _GRID_C2R_ND, _FULL_C2R_ND, None, c2r=True),
]
