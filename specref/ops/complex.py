r"""Complex arithmetic: cmul, abs, angle with VJPs; the R-linear real, imag, conj, view_as_real,
view_as_complex with adjoints.

Gradient convention (docs/conventions.md): for a real loss :math:`L` of :math:`z = a + ib`, specref returns
:math:`\partial L/\partial a + i\,\partial L/\partial b`, which is what PyTorch puts in ``.grad``. In that
convention a holomorphic map pulls a cotangent back by the *conjugate* derivative (cmul:
:math:`\bar a = \bar y\,\overline{b}`), and a real-valued function of :math:`z` (abs, angle) has the
gradient :math:`\bar y\,(\partial f/\partial a + i\,\partial f/\partial b)`. When a real input meets a
complex computation (a real filter times a complex spectrum), its gradient is the real part of the complex
one: only the real direction exists for it. ``abs_vjp(dy, x, y)`` and ``angle_vjp(dy, x, y)`` take the real
cotangent of ``y`` and return ``dx`` of the shape and dtype of ``x``.

``real``, ``imag`` and ``conj`` are linear over the reals but not over the complex numbers; their adjoints
are taken in the real inner product :math:`\operatorname{Re}\langle u, v\rangle` (docs/design.md):
``real_adjoint(y) = y + 0i``, ``imag_adjoint(y) = 0 + iy``, ``conj_adjoint(y) = conj(y)``. Each
``name_adjoint(y, *, input_shape)`` takes a cotangent of the forward's output shape (for these three, the
input's shape ``input_shape``) and returns an array of that shape.
``view_as_real`` / ``view_as_complex`` (torch's names) are the R-linear isometries between complex arrays and
real (re, im) pairs; each is the other's inverse and adjoint.

One family in one file of ~690 lines: every map here is a piece of the same bookkeeping (how a complex array
and its real coordinates pull gradients back in the real inner product), the views are built from
``real``/``imag`` and their adjoints, and about a quarter of the file is the registered cases.
"""

from __future__ import annotations

import math

import numpy as np

from specref._args import check_cotangent_shape, check_input_shape
from specref.backend import (
    check_float_dtype,
    check_same_precision,
    complex_dtype,
    dtype_name,
    from_host,
    is_complex,
    namespace,
    random_normal,
)
from specref.ops._common import check_cotangent, conj_if_complex, gradient_for
from specref.ops.broadcast import sum_to_shape
from specref.testing.case import Case, Inputs

__all__ = [
    "cmul",
    "cmul_vjp",
    "abs",
    "abs_vjp",
    "angle",
    "angle_vjp",
    "real",
    "real_adjoint",
    "imag",
    "imag_adjoint",
    "conj",
    "conj_adjoint",
    "view_as_real",
    "view_as_real_adjoint",
    "view_as_complex",
    "view_as_complex_adjoint",
]


def _broadcast_shape(sa: tuple, sb: tuple, names=("a", "b")) -> tuple:
    """The broadcast shape of two shapes, or ValueError naming both."""
    out = []
    for i in range(1, max(len(sa), len(sb)) + 1):
        da = sa[-i] if i <= len(sa) else 1
        db = sb[-i] if i <= len(sb) else 1
        if da != db and 1 not in (da, db):
            raise ValueError(f"{names[0]} of shape {sa} and {names[1]} of shape {sb} do not broadcast")
        out.append(da if db == 1 else db)
    return tuple(reversed(out))


def _sgn(xp, x, r):
    """sgn(x) = x / |x| with sgn(0) = 0 (PyTorch's ``sgn``); ``r`` is ``|x|``. Exact +-1 for real x."""
    zero = r == 0
    safe = xp.where(zero, xp.ones_like(r), r)
    return xp.where(zero, xp.zeros_like(x), x / safe)


# ----------------------------------------------------------------------------------------------------------
# cmul


def cmul(a, b):
    r"""Entrywise product with broadcasting, complex or real (e.g. a complex filter times a spectrum).

    Parameters
    ----------
    a, b : arrays, float32/float64/complex64/complex128, shapes that broadcast against each other
        One precision (float32 with complex64, or float64 with complex128); real and complex may mix.

    Returns
    -------
    y : array of the broadcast shape; complex if either input is

    Raises
    ------
    TypeError
        For integer or bool input, or two precisions.
    ValueError
        If the shapes do not broadcast (naming both).

    Notes
    -----
    .. math:: y = a \odot b

    See Also
    --------
    cmul_vjp
    """
    namespace(a, b)
    check_same_precision(a, b, names=["a", "b"])
    _broadcast_shape(tuple(a.shape), tuple(b.shape))
    return a * b


def cmul_vjp(dy, a, b, y):
    r"""VJP of :func:`cmul`: ``(da, db) = (dy * conj(b), dy * conj(a))``, each summed to its input's shape.

    :math:`y = ab` is holomorphic in each factor with :math:`\partial y/\partial a = b`; the convention's
    conjugate derivative gives the formula below. A real factor gets the real part; broadcast axes are summed
    by ``sum_to_shape``.

    .. math:: \bar a = \textstyle\sum_{\mathrm{bcast}} \bar y \odot \overline{b}, \qquad
              \bar b = \textstyle\sum_{\mathrm{bcast}} \bar y \odot \overline{a}

    Parameters
    ----------
    dy : array of the output's shape
    a, b, y : arrays, the forward's inputs and output

    Returns
    -------
    da, db : arrays of the shapes and kinds (real/complex) of ``a`` and ``b``
    """
    xp = namespace(dy, a, b)
    check_cotangent(dy, a, y, "cmul_vjp")
    da = sum_to_shape(gradient_for(xp, dy * conj_if_complex(xp, b), a), a.shape)
    db = sum_to_shape(gradient_for(xp, dy * conj_if_complex(xp, a), b), b.shape)
    return da, db


# ----------------------------------------------------------------------------------------------------------
# abs


def abs(x):  # the array API's name; shadows the builtin in this module only
    r"""Modulus, entrywise: :math:`|x|` for real input, :math:`\sqrt{a^2 + b^2}` for complex ``x = a + ib``.

    Parameters
    ----------
    x : array, float32/float64/complex64/complex128, any shape

    Returns
    -------
    y : real array of the shape of ``x`` and its precision (complex128 -> float64)

    Raises
    ------
    TypeError
        For integer or bool input.

    Notes
    -----
    .. math:: y = |x| = \sqrt{(\operatorname{Re} x)^2 + (\operatorname{Im} x)^2}

    See Also
    --------
    abs_vjp
    """
    xp = namespace(x)
    check_float_dtype(x)
    return xp.abs(x)


def abs_vjp(dy, x, y):
    r"""VJP of :func:`abs`: ``dx = dy * x / |x|``, and 0 where ``x == 0``.

    For :math:`x = a + ib`, :math:`\partial|x|/\partial a = a/|x|` and :math:`\partial|x|/\partial b = b/|x|`,
    so the gradient :math:`\partial/\partial a + i\,\partial/\partial b` is :math:`x/|x|` (PyTorch's
    convention: ``sgn``). At :math:`x = 0` the modulus is not differentiable; specref defines the value 0
    there, PyTorch's choice. For real input this is ``dy * sign(x)`` with ``sign(0) = 0``.

    .. math:: \bar x = \bar y \odot \frac{x}{|x|} \quad (0 \text{ where } x = 0)
    """
    xp = namespace(dy, x, y)
    check_cotangent(dy, x, y, "abs_vjp")
    return dy * _sgn(xp, x, y)


# ----------------------------------------------------------------------------------------------------------
# angle


def angle(x):
    r"""Argument (phase) in radians, entrywise, in :math:`(-\pi, \pi]`.

    Parameters
    ----------
    x : array, float32/float64/complex64/complex128, any shape

    Returns
    -------
    y : real array of the shape of ``x`` and its precision

    Raises
    ------
    TypeError
        For integer or bool input.

    Notes
    -----
    .. math:: y = \operatorname{atan2}(\operatorname{Im} x, \operatorname{Re} x)

    For real input, as PyTorch: :math:`\pi` where :math:`x < 0`, 0 where :math:`x \ge 0` (also for
    :math:`x = -0.0`), NaN where NaN. The complex angle jumps by :math:`2\pi` across the negative real axis.

    See Also
    --------
    angle_vjp
    """
    xp = namespace(x)
    check_float_dtype(x)
    if is_complex(x):
        return xp.atan2(xp.imag(x), xp.real(x))
    phase = xp.where(x < 0, xp.full_like(x, math.pi), xp.zeros_like(x))
    return xp.where(xp.isnan(x), x, phase)


def angle_vjp(dy, x, y):
    r"""VJP of :func:`angle`: ``dx = dy * i x / |x|**2`` for complex ``x`` (0 at ``x == 0``); 0 for real x.

    With :math:`\theta = \operatorname{atan2}(b, a)`, :math:`\partial\theta/\partial a = -b/|x|^2` and
    :math:`\partial\theta/\partial b = a/|x|^2`, so the gradient
    :math:`\partial/\partial a + i\,\partial/\partial b = (-b + ia)/|x|^2 = i x/|x|^2`; it is evaluated as
    :math:`i\,\operatorname{sgn}(x)/|x|`, which cannot overflow where :math:`|x|^2` would. At :math:`x = 0`
    the angle is not differentiable and specref uses 0 (PyTorch's choice). For real input the angle is
    piecewise constant: its gradient is 0 wherever it exists, and specref returns 0 everywhere.

    .. math:: \bar x = \bar y \odot \frac{i\,x}{|x|^2} \quad (\text{complex } x;\ 0 \text{ where } x = 0)
    """
    xp = namespace(dy, x, y)
    check_cotangent(dy, x, y, "angle_vjp")
    if not is_complex(x):
        return xp.zeros_like(x)
    r = xp.abs(x)
    safe = xp.where(r == 0, xp.ones_like(r), r)
    return dy * ((1j * _sgn(xp, x, r)) / safe)


# ----------------------------------------------------------------------------------------------------------
# real, imag, conj: R-linear maps with adjoints in Re<u, v>


def _require_complex(x, op: str):
    check_float_dtype(x)
    if not is_complex(x):
        raise TypeError(
            f"{op} maps complex arrays to real ones (an R-linear map with an adjoint); x has dtype "
            f"{dtype_name(x.dtype)}; accepted: complex64 or complex128 (for real x, {op}(x) is "
            f"{'x itself' if op == 'real' else 'zero'})"
        )


def _check_cotangent(y, input_shape, op: str, *, real: bool):
    """The adjoint of an elementwise R-linear map takes a cotangent of the input's shape; ``real``: the
    forward (``real``, ``imag``) maps to real arrays, so its cotangent is real."""
    check_float_dtype(y, name="y")
    if real and is_complex(y):
        raise TypeError(f"{op} takes a real array (the forward's output space), got {dtype_name(y.dtype)}")
    input_shape = check_input_shape(input_shape)
    check_cotangent_shape(y, input_shape, op, input_shape)


def real(x):
    r"""Real part of a complex array: an R-linear map from complex to real arrays.

    Parameters
    ----------
    x : complex64/complex128 array, any shape

    Returns
    -------
    y : real array of the shape of ``x`` and its precision

    Raises
    ------
    TypeError
        For real, integer or bool input (the adjoint maps back to complex arrays, so the domain is complex).

    Notes
    -----
    .. math:: y = \operatorname{Re} x

    See Also
    --------
    real_adjoint
    """
    xp = namespace(x)
    _require_complex(x, "real")
    return xp.real(x)


def real_adjoint(y, *, input_shape):
    r"""Adjoint of :func:`real` in the real inner product: ``y + 0i``.

    :math:`\operatorname{Re}\langle \operatorname{Re} x, y\rangle = \sum_j (\operatorname{Re} x_j) y_j
    = \operatorname{Re}\langle x, y + 0i\rangle`.

    .. math:: x = y + 0\,i

    Returns a complex array of the precision of ``y``.
    """
    xp = namespace(y)
    _check_cotangent(y, input_shape, "real_adjoint", real=True)
    return xp.astype(y, complex_dtype(y.dtype, xp))


def imag(x):
    r"""Imaginary part of a complex array: an R-linear map from complex to real arrays, taking and returning
    what :func:`real` does (and refusing real input likewise).

    .. math:: y = \operatorname{Im} x

    See Also
    --------
    imag_adjoint
    """
    xp = namespace(x)
    _require_complex(x, "imag")
    return xp.imag(x)


def imag_adjoint(y, *, input_shape):
    r"""Adjoint of :func:`imag` in the real inner product: ``0 + iy``.

    :math:`\operatorname{Re}\langle \operatorname{Im} x, y\rangle = \sum_j (\operatorname{Im} x_j) y_j
    = \operatorname{Re}\sum_j \overline{x_j}\,(i y_j) = \operatorname{Re}\langle x, iy\rangle`.

    .. math:: x = 0 + i\,y

    Returns a complex array of the precision of ``y``.
    """
    xp = namespace(y)
    _check_cotangent(y, input_shape, "imag_adjoint", real=True)
    # (y + 0i)(0 + 1i) = (y*0 - 0*1) + i(y*1 + 0*0): exactly 0 + iy for finite y
    return xp.astype(y, complex_dtype(y.dtype, xp)) * 1j


def conj(x):
    r"""Complex conjugate: R-linear (not C-linear), its own inverse and its own adjoint.

    Real input is accepted and returned unchanged (conjugation is the identity on real arrays, and so is
    its adjoint).

    Parameters
    ----------
    x : array, float32/float64/complex64/complex128, any shape

    Returns
    -------
    y : array of the shape and dtype of ``x``

    Raises
    ------
    TypeError
        For integer or bool input.

    Notes
    -----
    .. math:: y = \overline{x} = \operatorname{Re} x - i \operatorname{Im} x

    See Also
    --------
    conj_adjoint
    """
    xp = namespace(x)
    check_float_dtype(x)
    return conj_if_complex(xp, x)


def conj_adjoint(y, *, input_shape):
    r"""Adjoint of :func:`conj` in the real inner product: conj again.

    :math:`\operatorname{Re}\langle \overline{x}, y\rangle = \operatorname{Re}\sum_j x_j y_j
    = \operatorname{Re}\langle x, \overline{y}\rangle`.

    .. math:: x = \overline{y}
    """
    xp = namespace(y)
    _check_cotangent(y, input_shape, "conj_adjoint", real=False)
    return conj_if_complex(xp, y)


# ----------------------------------------------------------------------------------------------------------
# view_as_real, view_as_complex: the (re, im) isometries, each the other's inverse and adjoint


def _pair_axis(axis: int, ndim: int) -> int:
    if axis not in (0, -1):
        raise ValueError(f"the (re, im) pair axis must be 0 or -1, got {axis!r}")
    return axis if axis == 0 else ndim - 1


def view_as_real(z, *, axis: int = -1):
    r"""The real and imaginary parts of complex ``z`` stacked on a new axis of length 2 (torch's
    ``view_as_real`` for ``axis=-1``).

    An R-linear isometry :math:`\mathbb C^n \to \mathbb R^{n \times 2}`; its adjoint in the real inner
    product is its inverse, :func:`view_as_complex` (:func:`view_as_real_adjoint`).

    .. math:: y_{\dots, 0} = \operatorname{Re} z, \qquad y_{\dots, 1} = \operatorname{Im} z

    Parameters
    ----------
    z : complex64/complex128 array
    axis : {-1, 0}
        Where the new axis of length 2 goes.

    Returns
    -------
    y : real array of the precision of ``z``, shape ``z.shape`` with 2 inserted at ``axis``

    Raises
    ------
    TypeError
        For real, integer or bool input (from :func:`real`).
    ValueError
        If ``axis`` is neither 0 nor -1.

    See Also
    --------
    view_as_real_adjoint, view_as_complex
    """
    xp = namespace(z)
    return xp.stack([real(z), imag(z)], axis=axis)


def view_as_complex(y, *, axis: int = -1):
    r"""Complex array from real (re, im) pairs along ``axis`` (length 2): torch's ``view_as_complex`` for
    ``axis=-1``, and the inverse and adjoint of :func:`view_as_real`.

    .. math:: z = y_{\dots, 0} + i\, y_{\dots, 1}

    built as ``real_adjoint(re) + imag_adjoint(im)`` (the embeddings :math:`a \mapsto a + 0i` and
    :math:`b \mapsto 0 + ib`), which is exact.

    Parameters
    ----------
    y : float32/float64 array with an axis of length 2 at ``axis``
    axis : {-1, 0}
        The (re, im) axis.

    Returns
    -------
    z : complex array of the precision of ``y``, ``y.shape`` without ``axis``

    Raises
    ------
    ValueError
        If ``y`` has no axis of length 2 at ``axis``, or ``axis`` is neither 0 nor -1.

    See Also
    --------
    view_as_complex_adjoint, view_as_real
    """
    xp = namespace(y)
    ax = _pair_axis(axis, y.ndim)
    if y.ndim < 1 or y.shape[ax] != 2:
        raise ValueError(f"view_as_complex needs a (re, im) axis of length 2 at axis {axis}, got shape "
                         f"{tuple(y.shape)}")
    pairs = xp.moveaxis(y, ax, -1)
    re, im = pairs[..., 0], pairs[..., 1]
    return real_adjoint(re, input_shape=tuple(re.shape)) + imag_adjoint(im, input_shape=tuple(im.shape))


def view_as_real_adjoint(y, *, input_shape, axis: int = -1):
    r"""Adjoint of :func:`view_as_real` in the real inner product: :func:`view_as_complex`.

    :math:`\sum (\operatorname{Re} z)\, y_0 + (\operatorname{Im} z)\, y_1
    = \operatorname{Re}\sum \overline{z}\,(y_0 + i y_1)`, so

    .. math:: z = y_{\dots, 0} + i\, y_{\dots, 1}

    Parameters
    ----------
    y : real array, shape ``input_shape`` with 2 inserted at ``axis``
    input_shape : tuple of int
        The forward input's shape.
    axis : {-1, 0}
        As given to the forward.

    Returns
    -------
    z : complex array of shape ``input_shape`` and the precision of ``y``
    """
    input_shape = check_input_shape(input_shape)
    ax = _pair_axis(axis, len(input_shape) + 1)
    expected = (*input_shape[:ax], 2, *input_shape[ax:])
    namespace(y)
    check_cotangent_shape(y, expected, "view_as_real_adjoint", input_shape)
    return view_as_complex(y, axis=axis)


def view_as_complex_adjoint(z, *, input_shape, axis: int = -1):
    r"""Adjoint of :func:`view_as_complex` in the real inner product: :func:`view_as_real`.

    :math:`\operatorname{Re}\sum \overline{(y_0 + i y_1)}\, z = \sum y_0 \operatorname{Re} z
    + y_1 \operatorname{Im} z`, so

    .. math:: y_{\dots, 0} = \operatorname{Re} z, \qquad y_{\dots, 1} = \operatorname{Im} z

    Parameters
    ----------
    z : complex array, shape ``input_shape`` without ``axis``
    input_shape : tuple of int
        The forward input's shape (with the axis of length 2).
    axis : {-1, 0}
        As given to the forward.

    Returns
    -------
    y : real array of shape ``input_shape`` and the precision of ``z``
    """
    input_shape = check_input_shape(input_shape)
    ax = _pair_axis(axis, len(input_shape))
    expected = tuple(s for i, s in enumerate(input_shape) if i != ax)
    namespace(z)
    check_cotangent_shape(z, expected, "view_as_complex_adjoint", input_shape)
    return view_as_real(z, axis=axis)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _complex_away_from_zero(rng, shape, *, gap=0.25, imag_gap=0.0):
    """Host complex128 draws with |z| >= gap and |Im z| >= imag_gap.

    Central differences step by up to 2h ~ 0.04 in float32; keeping |z| >= 0.25 keeps every perturbed point
    away from the kink of |z| and the singularity of angle at 0, and |Im z| >= 0.25 keeps angle's samples
    off its branch cut (the negative real axis, where it jumps by 2 pi).
    """
    a = rng.standard_normal(shape)
    b = rng.standard_normal(shape)
    b = np.sign(b) * (imag_gap + np.abs(b))
    z = a + 1j * b
    r = np.abs(z)
    small = r < gap
    z[small] = z[small] / np.maximum(r[small], 1e-300) * (gap + r[small])
    return z


def _real_away_from_zero(rng, shape, *, gap=0.25):
    x = rng.standard_normal(shape)
    return np.sign(x) * (gap + np.abs(x))


def _make_cmul(rng, xp, dtype, *, a, b, b_real=False):
    cdtype = complex_dtype(dtype, xp)
    return Inputs((random_normal(rng, a, dtype=cdtype, xp=xp),
                   random_normal(rng, b, dtype=dtype if b_real else cdtype, xp=xp)))


def _make_modulus(rng, xp, dtype, *, shape, complex=True, imag_gap=0.0):
    if complex:
        host = _complex_away_from_zero(rng, shape, imag_gap=imag_gap)
        return Inputs((from_host(host, xp, dtype_name(complex_dtype(dtype, xp))),))
    return Inputs((from_host(_real_away_from_zero(rng, shape), xp, dtype),))


def _make_angle(rng, xp, dtype, *, shape, complex=True):
    return _make_modulus(rng, xp, dtype, shape=shape, complex=complex, imag_gap=0.25)


def _make_complex(rng, xp, dtype, *, shape):
    return Inputs((random_normal(rng, shape, dtype=complex_dtype(dtype, xp), xp=xp),))


def _make_view_as_real(rng, xp, dtype, *, shape, axis=-1):
    return Inputs(_make_complex(rng, xp, dtype, shape=shape).args, {"axis": axis})


def _make_view_as_complex(rng, xp, dtype, *, shape, axis=-1):
    return Inputs((random_normal(rng, shape, dtype=dtype, xp=xp),), {"axis": axis})


def _ref_angle(x):
    if np.iscomplexobj(x):
        return np.angle(x)
    return np.where(x < 0, np.pi, 0.0).astype(x.dtype)


_LINEAR_GRID = ({"shape": (5,)}, {"shape": (3, 4)}, {"shape": (2, 3, 4)})

CASES = [
    Case(
        name="cmul",
        forward=cmul,
        vjp=cmul_vjp,
        argnums=(0, 1),
        make=_make_cmul,
        grid=(
            {"a": (4, 5), "b": (4, 5)},
            {"a": (2, 3, 4), "b": (3, 1)},
            {"a": (1, 4), "b": (3, 1)},
            {"a": (3, 4), "b": (4,), "b_real": True},  # a real filter times a complex spectrum
        ),
        # A complex product is 4 real products and 2 sums: relative error <= sqrt(5) u ~ 1.2 eps
        # (Higham, Accuracy and Stability, 2nd ed., Lemma 3.5); 4 leaves a factor 3.
        error_scale=4.0,
        error_reason="complex product: <= sqrt(5) u per entry (Higham Lemma 3.5)",
        reference=lambda a, b: a * b,
    ),
    Case(
        name="abs",
        forward=abs,
        vjp=abs_vjp,
        make=_make_modulus,
        grid=({"shape": (4, 5)}, {"shape": (2, 3, 4)}, {"shape": (6,), "complex": False}),
        # hypot is correctly rounded to within 1 ulp; real abs is exact. Inputs keep |x| >= 0.25 (kink at 0).
        error_scale=2.0,
        error_reason="hypot within 1 ulp",
        reference=np.abs,
    ),
    Case(
        name="angle",
        forward=angle,
        vjp=angle_vjp,
        make=_make_angle,
        grid=({"shape": (4, 5)}, {"shape": (2, 3, 4)}, {"shape": (6,), "complex": False}),
        # atan2 within ~2 ulp; inputs keep |x| >= 0.25 and |Im x| >= 0.25 (away from 0 and the branch cut),
        # and real inputs away from 0 (where the real angle jumps).
        error_scale=4.0,
        error_reason="atan2 within ~2 ulp",
        reference=_ref_angle,
    ),
    Case(
        name="real",
        forward=real,
        adjoint=real_adjoint,
        make=_make_complex,
        grid=_LINEAR_GRID,
        error_scale=1.0,
        error_reason="taking the real part is exact",
    ),
    Case(
        name="imag",
        forward=imag,
        adjoint=imag_adjoint,
        make=_make_complex,
        grid=_LINEAR_GRID,
        error_scale=1.0,
        error_reason="taking the imaginary part is exact",
    ),
    Case(
        name="conj",
        forward=conj,
        adjoint=conj_adjoint,
        make=_make_complex,
        grid=_LINEAR_GRID,
        error_scale=1.0,
        error_reason="conjugation is exact",
        reference=np.conj,
    ),
    Case(
        name="view_as_real",
        forward=view_as_real,
        adjoint=view_as_real_adjoint,
        make=_make_view_as_real,
        grid=({"shape": (5,)}, {"shape": (3, 4), "axis": 0}),
        error_scale=1.0,
        error_reason="copying the real and imaginary parts is exact",
        reference=lambda z, axis: np.stack([z.real, z.imag], axis=axis),
    ),
    Case(
        name="view_as_complex",
        forward=view_as_complex,
        adjoint=view_as_complex_adjoint,
        make=_make_view_as_complex,
        grid=({"shape": (5, 2)}, {"shape": (2, 3, 4), "axis": 0}),
        error_scale=1.0,
        error_reason="assembling re + i im from two real arrays is exact",
        reference=lambda y, axis: np.take(y, 0, axis=axis) + 1j * np.take(y, 1, axis=axis),
    ),
]
