r"""Discrete cosine and sine transforms (types I-IV) and their n-dimensional form, with adjoints.

Definitions follow ``scipy.fft`` (pocketfft, SciPy >= 1.17.1 where ortho DST-II scales the *last* output):
with ``norm=None`` the forward transforms of length :math:`N` are

.. math::

    \text{DCT-I}:\;   y_k &= x_0 + (-1)^k x_{N-1} + 2\sum_{n=1}^{N-2} x_n \cos\frac{\pi k n}{N-1} \\
    \text{DCT-II}:\;  y_k &= 2\sum_{n=0}^{N-1} x_n \cos\frac{\pi k (2n+1)}{2N} \\
    \text{DCT-III}:\; y_k &= x_0 + 2\sum_{n=1}^{N-1} x_n \cos\frac{\pi (2k+1) n}{2N} \\
    \text{DCT-IV}:\;  y_k &= 2\sum_{n=0}^{N-1} x_n \cos\frac{\pi (2k+1)(2n+1)}{4N} \\
    \text{DST-I}:\;   y_k &= 2\sum_{n=0}^{N-1} x_n \sin\frac{\pi (k+1)(n+1)}{N+1} \\
    \text{DST-II}:\;  y_k &= 2\sum_{n=0}^{N-1} x_n \sin\frac{\pi (k+1)(2n+1)}{2N} \\
    \text{DST-III}:\; y_k &= (-1)^k x_{N-1} + 2\sum_{n=0}^{N-2} x_n \sin\frac{\pi (2k+1)(n+1)}{2N} \\
    \text{DST-IV}:\;  y_k &= 2\sum_{n=0}^{N-1} x_n \sin\frac{\pi (2k+1)(2n+1)}{4N}

``norm`` scales by the *logical length* :math:`M` (:math:`2(N-1)` for DCT-I, :math:`2(N+1)` for DST-I,
:math:`2N` otherwise): ``None``/``"backward"`` leave the forward unscaled and scale the inverse by
:math:`1/M`; ``"forward"`` the reverse; ``"ortho"`` scales both by :math:`1/\sqrt M`. ``orthogonalize``
(default: ``norm == "ortho"``) rescales one or two end entries (DCT-I: :math:`x_0, x_{N-1}` by
:math:`\sqrt2` before and :math:`y_0, y_{N-1}` by :math:`1/\sqrt2` after; DCT-II: :math:`y_0` by
:math:`1/\sqrt2`; DCT-III: :math:`x_0` by :math:`\sqrt2`; DST-II: :math:`y_{N-1}` by :math:`1/\sqrt2`;
DST-III: :math:`x_{N-1}` by :math:`\sqrt2`), which makes the ortho matrices orthogonal (scipy#15033).

**One core, conveniences by composition** (docs/design.md, *Adding a transform*). The recipe is ``orthogonalize
pre-weights -> unnormalized core -> orthogonalize post-weights`` (:func:`_core_steps`), and
:func:`structural.axis_chain <specref.transforms.structural.axis_chain>` puts it between ``move axis last ->
crop/zero-pad to n`` and ``norm scale -> move back``. The adjoint is that chain reversed, each step replaced by
its adjoint. The inverses (``idct``, ``idst``) are the same chain around the core of the inverse type (II <->
III; I and IV are their own inverse type) with the inverse ``norm`` factor.

**The core's adjoint** (unnormalized, last axis, exact length) is another core between end weights, read off
the definitions by transposing the matrix:

=======  ==========================================  =====================================================
type     matrix identity                             adjoint = ``pre weights -> core -> post weights``
=======  ==========================================  =====================================================
DCT-I    :math:`C_1^T = W C_1 W^{-1}`                :math:`x_0, x_{N-1}` times 2, DCT-I, :math:`y_0, y_{N-1}` times 1/2
DCT-II   :math:`C_2^T = C_3 D`                       :math:`x_0` times 2, then DCT-III
DCT-III  :math:`C_3^T = D^{-1} C_2`                  DCT-II, then :math:`y_0` times 1/2
DCT-IV   :math:`C_4^T = C_4`                         DCT-IV
DST-I    :math:`S_1^T = S_1`                         DST-I
DST-II   :math:`S_2^T = S_3 D'`                      :math:`x_{N-1}` times 2, then DST-III
DST-III  :math:`S_3^T = D'^{-1} S_2`                 DST-II, then :math:`y_{N-1}` times 1/2
DST-IV   :math:`S_4^T = S_4`                         DST-IV
=======  ==========================================  =====================================================

with :math:`W = \operatorname{diag}(\tfrac12, 1, \dots, 1, \tfrac12)`, :math:`D = \operatorname{diag}(2, 1,
\dots, 1)`, :math:`D' = \operatorname{diag}(1, \dots, 1, 2)` (derivations on docs/transforms/cosine.md).

**Backends**: the core is ``scipy.fft`` on NumPy, ``cupyx.scipy.fft`` on CuPy for types 2 and 3, and
otherwise (array-api-strict; CuPy types 1 and 4) the FFT algorithms of :func:`_core_fft`, all
:math:`O(N \log N)`. Complex input is transformed as real and imaginary parts (as scipy does), so every
transform here is C-linear.

**Error scale** of the cases: every core is an FFT of length :math:`M \le 2N + 2` between pre/post steps whose
gain relative to the transform's smallest singular value is at most 2, so
``c = 2 (fft_error_scale(2N + 2) + 4) + 2`` (derived in ``_dct_error_scale``). The 50-digit oracle of
:mod:`specref.oracle.dct` bounds types 2 and 3 by ``15 eps log2 max(N, 2)`` in relative RMS error.

**Drop-in for scipy.fft** (docs/conventions.md): ``dct``, ``idct``, ``dst``, ``idst`` and their n-dimensional
forms ``dctn``, ``idctn``, ``dstn``, ``idstn`` take scipy's positional order (``dct(x, type, n, axis, norm,
overwrite_x, workers, orthogonalize)``), Python sequences (read by NumPy), integer and bool input (promoted to
float64, as scipy does) and an int for ``s`` or ``axes``. The one deliberate refusal: float16 and long double
input, which scipy computes in float32 and long double, raise a TypeError (specref computes in float32 or
float64 only). The adjoints stay strict: arrays, and ``input_shape`` always.

One family in one file of some 700 lines: the eight DCT/DST types share one core dispatcher, one table of
adjoint identities and one recipe, and the n-dimensional forms are that recipe along each axis.

The MDCT (``mdct``, ``imdct``, ``mdct_window``) is in :mod:`specref.transforms.mdct`; the twiddles and the
real/imaginary split both need are in :mod:`specref.transforms._shared`.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from specref._args import (
    as_int,
    check_cotangent_shape,
    check_flag,
    check_input_shape,
    check_length,
    check_norm,
    normalize_axis,
)
from specref.backend import backend_name, device_of, dtype_name, namespace, real_dtype, scipy_fft_for
from specref.testing.case import Case
from specref.testing.inputs import random_input
from specref.testing.tolerances import fft_error_scale
from specref.transforms._shared import cis, on_parts, peer_axes_and_lengths, peer_input, run_adjoint, run_forward
from specref.transforms.structural import Step, axis_chain, chain_along_axes, step, to_complex

__all__ = [
    "dct",
    "dct_adjoint",
    "idct",
    "idct_adjoint",
    "dst",
    "dst_adjoint",
    "idst",
    "idst_adjoint",
    "dctn",
    "dctn_adjoint",
    "idctn",
    "idctn_adjoint",
    "dstn",
    "dstn_adjoint",
    "idstn",
    "idstn_adjoint",
]

_TYPES = (1, 2, 3, 4)
_INVERSE_TYPE = {1: 1, 2: 3, 3: 2, 4: 4}
_SQRT2 = math.sqrt(2.0)
_RSQRT2 = 1.0 / math.sqrt(2.0)

# orthogonalize=True: (pre weights, post weights) on (first, last) entries, per core (kind, type).
_ORTHOGONALIZE = {
    ("dct", 1): ((_SQRT2, _SQRT2), (_RSQRT2, _RSQRT2)),
    ("dct", 2): (None, (_RSQRT2, 1.0)),
    ("dct", 3): ((_SQRT2, 1.0), None),
    ("dst", 2): (None, (1.0, _RSQRT2)),
    ("dst", 3): ((1.0, _SQRT2), None),
}

# The core's transpose: (pre weights, core type, post weights), from the table in the module docstring.
_CORE_TRANSPOSE = {
    ("dct", 1): ((2.0, 2.0), 1, (0.5, 0.5)),
    ("dct", 2): ((2.0, 1.0), 3, None),
    ("dct", 3): (None, 2, (0.5, 1.0)),
    ("dct", 4): (None, 4, None),
    ("dst", 1): (None, 1, None),
    ("dst", 2): ((1.0, 2.0), 3, None),
    ("dst", 3): (None, 2, (1.0, 0.5)),
    ("dst", 4): (None, 4, None),
}


# ----------------------------------------------------------------------------------------------------------
# argument checks and norm factors


def _check_type(type_, kind: str) -> int:
    """The DCT/DST type as an int: an integer (TypeError otherwise, as scipy) in 1-4 (ValueError otherwise)."""
    type_ = as_int(type_, "type")
    if type_ not in _TYPES:
        raise ValueError(f"{kind.upper()} type {type_!r} is not supported; accepted types: 1, 2, 3, 4")
    return type_


def _orthogonalize_flag(orthogonalize, norm: str) -> bool:
    """scipy's rule: None means ``norm == "ortho"``; otherwise True or False (a string is refused)."""
    return norm == "ortho" if orthogonalize is None else check_flag(orthogonalize, "orthogonalize")


def _check_workers(workers) -> None:
    """scipy.fft's ``workers``: None or a nonzero integer (negative counts back from the CPU count).

    Accepted and checked as scipy.fft checks it, then ignored: the cores choose their threads, and the
    result of every line is the same with any number of threads (pocketfft splits rows, not a row).
    """
    if workers is not None and as_int(workers, "workers") == 0:
        raise ValueError("workers must not be zero; accepted: None or a nonzero integer (as scipy.fft)")




def _logical_length(kind: str, type_: int, n: int) -> int:
    """The ``M`` of the norm factors: 2(N-1) for DCT-I, 2(N+1) for DST-I, 2N otherwise (scipy's)."""
    if type_ == 1:
        return 2 * (n - 1) if kind == "dct" else 2 * (n + 1)
    return 2 * n


def _norm_factor(norm: str, m: int, inverse: bool) -> float:
    """1, 1/sqrt(M) or 1/M: "backward" scales the inverse, "forward" the forward, "ortho" both by 1/sqrt(M)."""
    if norm == "ortho":
        return 1.0 / math.sqrt(m)
    scaled = (norm == "forward") != inverse
    return 1.0 / m if scaled else 1.0


# ----------------------------------------------------------------------------------------------------------
# small linear pieces: end weights, alternating signs, a gather (twiddles: _shared.cis)


def _scale_ends(x, first: float, last: float):
    r"""Multiply ``x[..., 0]`` by ``first`` and ``x[..., -1]`` by ``last``: a real diagonal, self-adjoint.

    For length 1 the one entry gets ``first * last`` (the product of the two diagonals).
    """
    xp = namespace(x)
    w = np.ones(x.shape[-1])
    w[0] *= first
    w[-1] *= last
    return x * xp.asarray(w.astype(dtype_name(real_dtype(x.dtype, xp))), device=device_of(x))


def _alternate(x):
    """Multiply entry ``j`` (last axis) by ``(-1)^j``: exact."""
    xp = namespace(x)
    signs = np.where(np.arange(x.shape[-1]) % 2 == 0, 1.0, -1.0)
    return x * xp.asarray(signs.astype(dtype_name(x.dtype)), device=device_of(x))


def _take_last(x, index):
    xp = namespace(x)
    return xp.take(x, xp.asarray(np.asarray(index, dtype=np.int64), device=device_of(x)), axis=x.ndim - 1)


# ----------------------------------------------------------------------------------------------------------
# the FFT algorithms (array API only): unnormalized, last axis, real input


def _dct1_fft(x):
    r"""DCT-I by the even extension :math:`u = (x_0, \dots, x_{N-1}, x_{N-2}, \dots, x_1)` of length
    :math:`2(N-1)`: :math:`y_k = \operatorname{Re} \mathrm{FFT}(u)_k`, :math:`k < N`."""
    xp = namespace(x)
    u = xp.concat([x, xp.flip(x[..., 1:-1], axis=-1)], axis=-1)
    return xp.real(xp.fft.fft(to_complex(u))[..., : x.shape[-1]])


def _dst1_fft(x):
    r"""DST-I by the odd extension :math:`u = (0, x_0, \dots, x_{N-1}, 0, -x_{N-1}, \dots, -x_0)` of length
    :math:`2(N+1)`: :math:`y_k = -\operatorname{Im} \mathrm{FFT}(u)_{k+1}`."""
    xp = namespace(x)
    zero = xp.zeros_like(x[..., :1])
    u = xp.concat([zero, x, zero, -xp.flip(x, axis=-1)], axis=-1)
    return -xp.imag(xp.fft.fft(to_complex(u))[..., 1 : x.shape[-1] + 1])


def _makhoul_order(n: int) -> np.ndarray:
    """v_j = x_{2j} for j < ceil(n/2), v_{n-1-j} = x_{2j+1}: the even entries, then the odd ones reversed."""
    return np.concatenate([np.arange(0, n, 2), np.arange(n - 1 - n % 2, 0, -2)]).astype(np.int64)


def _dct2_fft(x):
    r"""DCT-II by Makhoul's length-N FFT: :math:`v = (x_0, x_2, \dots, x_5, x_3, x_1)`,
    :math:`y_k = 2 \operatorname{Re}(e^{-i\pi k/2N} \mathrm{FFT}(v)_k)`."""
    xp = namespace(x)
    n = x.shape[-1]
    v = _take_last(x, _makhoul_order(n))
    twiddle = cis(np.arange(n), 2 * n, x)
    return 2.0 * xp.real(twiddle * xp.fft.fft(to_complex(v)))


def _dct3_fft(x):
    r"""DCT-III, the inverse of Makhoul's algorithm: :math:`W_k = e^{i\pi k/2N}(x_k - i x_{N-k})` (with
    :math:`x_N = 0`), :math:`v = \sum_k W_k e^{2\pi i jk/N}` (unnormalized inverse FFT), then
    :math:`y_{2j} = v_j`, :math:`y_{2j+1} = v_{N-1-j}`. It computes :math:`2N\,C_2^{-1} = C_3`."""
    xp = namespace(x)
    n = x.shape[-1]
    zero = xp.zeros_like(x[..., :1])
    mirrored = xp.concat([zero, xp.flip(x[..., 1:], axis=-1)], axis=-1)  # index k holds x_{N-k}
    w = cis(-np.arange(n), 2 * n, x) * (to_complex(x) - to_complex(mirrored) * 1j)
    v = xp.real(xp.fft.ifft(w, norm="forward"))
    return _take_last(v, np.argsort(_makhoul_order(n)))


def _dct4_fft(x):
    r"""DCT-IV by a zero-padded FFT of length 2N between twiddles (any N):

    .. math:: y_k = 2\operatorname{Re}\Big(e^{-i\pi(2k+1)/4N}
              \sum_{n} \big(x_n e^{-i\pi n/2N}\big) e^{-2\pi i nk/2N}\Big), \quad k < N.
    """
    xp = namespace(x)
    n = x.shape[-1]
    pre = cis(2 * np.arange(n), 4 * n, x)
    post = cis(2 * np.arange(n) + 1, 4 * n, x)
    return 2.0 * xp.real(post * xp.fft.fft(pre * to_complex(x), n=2 * n)[..., :n])


def _core_fft_real(x, kind: str, type_: int):
    xp = namespace(x)
    dct_algorithms = {1: _dct1_fft, 2: _dct2_fft, 3: _dct3_fft, 4: _dct4_fft}
    if kind == "dct":
        return dct_algorithms[type_](x)
    if type_ == 1:
        return _dst1_fft(x)
    if type_ == 2:  # S_2 = R C_2 Sigma: alternate signs, DCT-II, reverse
        return xp.flip(_dct2_fft(_alternate(x)), axis=-1)
    # S_3 = Sigma C_3 R and S_4 = Sigma C_4 R: reverse, DCT-III/IV, alternate signs
    return _alternate(dct_algorithms[type_](xp.flip(x, axis=-1)))


def _core_fft(x, kind: str, type_: int):
    """Unnormalized DCT/DST along the last axis by the FFT algorithms above (complex: per part)."""
    return on_parts(partial(_core_fft_real, kind=kind, type_=type_), x)


def _core(x, *, kind: str, type_: int):
    """Unnormalized DCT/DST of ``type_`` along the last axis, exact length (scipy's ``norm=None`` definition)."""
    xp = namespace(x)
    sp = scipy_fft_for(xp)
    if sp is not None and (backend_name(xp) == "numpy" or type_ in (2, 3)):
        transform = sp.dct if kind == "dct" else sp.dst
        return transform(x, type=type_, axis=-1)
    return _core_fft(x, kind, type_)


def _core_adjoint(y, *, input_shape, kind: str, type_: int):
    """The core's transpose: the dual core between end weights (module docstring table)."""
    check_cotangent_shape(y, input_shape, "the DCT/DST core's adjoint", input_shape)
    pre, dual, post = _CORE_TRANSPOSE[(kind, type_)]
    if pre is not None:
        y = _scale_ends(y, *pre)
    y = _core(y, kind=kind, type_=dual)
    if post is not None:
        y = _scale_ends(y, *post)
    return y


# ----------------------------------------------------------------------------------------------------------
# the recipe: the core between orthogonalize weights, in structural.axis_chain


def _ends_step(name: str, weights, shape: tuple) -> Step:
    """The orthogonalize weights on the first and last entries: a real diagonal, its own adjoint."""
    fn = partial(_scale_ends, first=weights[0], last=weights[1])
    return Step(name, fn, fn, shape)


def _core_steps(kind: str, core_type: int, orthogonalize: bool, shape: tuple) -> list:
    """The core recipe on ``shape`` (last axis, exact length): orthogonalize pre-weights, the unnormalized
    core of ``core_type``, orthogonalize post-weights (each weight step only where it is not the identity)."""
    pre, post = _ORTHOGONALIZE.get((kind, core_type), (None, None)) if orthogonalize else (None, None)
    steps = [] if pre is None else [_ends_step("orthogonalize_pre", pre, shape)]
    steps.append(step(_core, _core_adjoint, shape, shape, kind=kind, type_=core_type))
    if post is not None:
        steps.append(_ends_step("orthogonalize_post", post, shape))
    return steps


def _chain_1d(kind: str, inverse: bool, shape, type_, n, axis, norm, orthogonalize) -> list:
    """The steps of a 1-D DCT/DST (or its inverse) of an input of ``shape``: ``axis_chain`` around the core
    recipe (move the axis last, crop or pad to ``n``, the recipe, the ``norm`` factor, move back)."""
    type_ = _check_type(type_, kind)
    norm = check_norm(norm)
    orth = _orthogonalize_flag(orthogonalize, norm)
    shape = tuple(shape)
    ax = normalize_axis(axis, len(shape))
    m = check_length(shape[ax] if n is None else n, name="n" if n is not None else "transform length")
    if kind == "dct" and type_ == 1 and m < 2:
        raise ValueError(f"DCT-I needs n >= 2 points (its angles divide by n - 1); got n = {m}")
    core_type = _INVERSE_TYPE[type_] if inverse else type_
    factor = _norm_factor(norm, _logical_length(kind, type_, m), inverse)
    return axis_chain(shape, ax, partial(_core_steps, kind, core_type, orth), length=m, factor=factor)


def _transform(name: str, chain, x, type_, lengths, axes, norm, workers, orthogonalize):
    """Run the public transform ``name`` ("dct", "idstn"...): ``x`` read as scipy.fft reads it
    (:func:`~specref.transforms._shared.peer_input`), ``workers`` checked, then the chain built by ``chain``
    (:func:`_chain_1d` with ``n, axis`` or :func:`_chain_nd` with ``s, axes``)."""
    _check_workers(workers)
    x = peer_input(x, name, "scipy.fft")
    kind, inverse = name.lstrip("i")[:3], name.startswith("i")
    return run_forward(chain(kind, inverse, x.shape, type_, lengths, axes, norm, orthogonalize), x)


def _adjoint(name: str, chain, y, input_shape, type_, lengths, axes, norm, workers, orthogonalize):
    """The adjoint of the public transform ``name``: the chain :func:`_transform` runs, reversed; ``y`` strict."""
    shape = check_input_shape(input_shape)
    _check_workers(workers)
    kind, inverse = name.lstrip("i")[:3], name.startswith("i")
    steps = chain(kind, inverse, shape, type_, lengths, axes, norm, orthogonalize)
    return run_adjoint(steps, y, f"{name}_adjoint", shape)


# ----------------------------------------------------------------------------------------------------------
# public 1-D transforms


def dct(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None, orthogonalize=None):
    r"""Discrete cosine transform of ``type`` 1-4 along ``axis``; equals ``scipy.fft.dct``.

    .. math:: y = s\, D_{\mathrm{post}}\, C_t\, D_{\mathrm{pre}}\, P_n x

    (:math:`P_n` crop/zero-pad to ``n``, :math:`C_t` the unnormalized DCT of the module docstring,
    :math:`D` the orthogonalize weights, :math:`s` the ``norm`` factor).

    Parameters
    ----------
    x : array or sequence: float32/float64/complex64/complex128, or integer/bool (promoted to float64)
        A drop-in for ``scipy.fft.dct`` (module notes): a list is read by NumPy. Complex input is
        transformed as real and imaginary parts (the map is C-linear).
    type : {1, 2, 3, 4}
    n : int, optional
        Length of the transform: ``x`` is cropped or zero-padded along ``axis`` first. DCT-I needs n >= 2.
    axis : int
    norm : {None, "backward", "ortho", "forward"}
    overwrite_x : bool
        Accepted and ignored, as scipy may ignore it: ``x`` is never written.
    workers : int, optional
        Checked as scipy checks it (None or a nonzero integer) and ignored: the result does not depend on it.
    orthogonalize : {None, True, False}
        ``None`` (the default) means ``norm == "ortho"``, as scipy; anything but None or a bool (a string such
        as ``"no"``, 0) is refused rather than read as true or false.

    Returns
    -------
    array of the dtype of ``x`` (float64 for integer input), with length ``n`` along ``axis``.

    Raises
    ------
    ValueError
        A type outside 1-4, a bad norm, an axis out of range, n < 1, DCT-I with n < 2, ``workers=0``.
    TypeError
        float16, long double, string or object input; a ``type``, ``n`` or ``workers`` that is not an
        integer; an ``orthogonalize`` that is not None, True or False.

    Examples
    --------
    scipy's example, with a list of integers and ``type`` passed by position:

    >>> from specref.transforms.cosine import dct
    >>> dct([4, 3, 5, 10], 1)
    array([30., -8.,  6., -2.])
    """
    return _transform("dct", _chain_1d, x, type, n, axis, norm, workers, orthogonalize)


def dct_adjoint(
    y, *, input_shape, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None, orthogonalize=None
):
    r"""Adjoint of :func:`dct`: the chain reversed, :math:`x = P_n^T D_{\mathrm{pre}} C_t^T D_{\mathrm{post}} s\, y`."""
    return _adjoint("dct", _chain_1d, y, input_shape, type, n, axis, norm, workers, orthogonalize)


def idct(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None, orthogonalize=None):
    r"""Inverse DCT of ``type`` along ``axis``; equals ``scipy.fft.idct``: the inverse of :func:`dct` with
    the same ``type``, ``norm`` and ``orthogonalize``.

    .. math:: y = s^{-1}_{\mathrm{inv}}\, D'_{\mathrm{post}}\, C_{t'}\, D'_{\mathrm{pre}}\, P_n x,
              \qquad t' = 1, 3, 2, 4 \text{ for } t = 1, 2, 3, 4,

    since :math:`C_1^2 = 2(N-1) I`, :math:`C_3 C_2 = C_2 C_3 = 2N I`, :math:`C_4^2 = 2N I`; ``norm`` divides by
    the logical length :math:`M` here for ``None``/``"backward"``. Parameters as :func:`dct`.
    """
    return _transform("idct", _chain_1d, x, type, n, axis, norm, workers, orthogonalize)


def idct_adjoint(
    y, *, input_shape, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None, orthogonalize=None
):
    """Adjoint of :func:`idct`: the chain of :func:`idct` reversed."""
    return _adjoint("idct", _chain_1d, y, input_shape, type, n, axis, norm, workers, orthogonalize)


def dst(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None, orthogonalize=None):
    r"""Discrete sine transform of ``type`` 1-4 along ``axis``; equals ``scipy.fft.dst`` (SciPy >= 1.17.1:
    ortho DST-II scales the last output). Parameters and errors as :func:`dct` (DST-I accepts n = 1).

    .. math:: y = s\, D_{\mathrm{post}}\, S_t\, D_{\mathrm{pre}}\, P_n x
    """
    return _transform("dst", _chain_1d, x, type, n, axis, norm, workers, orthogonalize)


def dst_adjoint(
    y, *, input_shape, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None, orthogonalize=None
):
    """Adjoint of :func:`dst`: the chain of :func:`dst` reversed."""
    return _adjoint("dst", _chain_1d, y, input_shape, type, n, axis, norm, workers, orthogonalize)


def idst(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None, orthogonalize=None):
    """Inverse DST along ``axis``; equals ``scipy.fft.idst`` (the DST of the inverse type, see :func:`idct`)."""
    return _transform("idst", _chain_1d, x, type, n, axis, norm, workers, orthogonalize)


def idst_adjoint(
    y, *, input_shape, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None, orthogonalize=None
):
    """Adjoint of :func:`idst`: the chain of :func:`idst` reversed."""
    return _adjoint("idst", _chain_1d, y, input_shape, type, n, axis, norm, workers, orthogonalize)


# ----------------------------------------------------------------------------------------------------------
# n-dimensional DCT


def _chain_nd(kind: str, inverse: bool, shape, type_, s, axes, norm, orthogonalize) -> list:
    """The 1-D chains along ``axes`` in turn; ``s`` and ``axes`` by scipy.fft's rules (an int for either,
    ``-1`` in ``s`` for the input's length, ``axes=None`` the last ``len(s)`` axes or all; distinct axes)."""
    axes, lengths = peer_axes_and_lengths(tuple(shape), s, axes)
    length_of = dict(zip(axes, lengths, strict=True))  # axes are distinct (scipy.fft's rule)
    return chain_along_axes(
        shape, axes, lambda sh, ax: _chain_1d(kind, inverse, sh, type_, length_of[ax], ax, norm, orthogonalize)
    )


def dctn(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, orthogonalize=None):
    r"""n-dimensional DCT: :func:`dct` along each axis of ``axes`` in turn; equals ``scipy.fft.dctn``.

    .. math:: Y = (A_{a_k} \circ \dots \circ A_{a_1})(X)

    The 1-D maps act on different axes, so they commute; the adjoint is the reversed chain of 1-D adjoints.
    The 2-D DCT is ``dctn(x, axes=(-2, -1))``.

    Parameters
    ----------
    x : array or sequence
        As :func:`dct`.
    type : {1, 2, 3, 4}
    s : int or sequence of int, optional
        Lengths per axis (crop/zero-pad; ``-1``: the input's length), as ``scipy.fft.dctn``.
    axes : int or sequence of distinct int, optional
        Default: the last ``len(s)`` axes, or all axes when ``s`` is None. A repeated axis is refused, as
        scipy refuses it.
    norm, overwrite_x, workers, orthogonalize
        As :func:`dct`, applied along every axis.
    """
    return _transform("dctn", _chain_nd, x, type, s, axes, norm, workers, orthogonalize)


def dctn_adjoint(
    y, *, input_shape, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, orthogonalize=None
):
    """Adjoint of :func:`dctn`: the 1-D adjoints along the axes in reverse order."""
    return _adjoint("dctn", _chain_nd, y, input_shape, type, s, axes, norm, workers, orthogonalize)


def idctn(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, orthogonalize=None):
    """n-dimensional inverse DCT (:func:`idct` along each axis); equals ``scipy.fft.idctn``."""
    return _transform("idctn", _chain_nd, x, type, s, axes, norm, workers, orthogonalize)


def idctn_adjoint(
    y, *, input_shape, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, orthogonalize=None
):
    """Adjoint of :func:`idctn`: the 1-D adjoints along the axes in reverse order."""
    return _adjoint("idctn", _chain_nd, y, input_shape, type, s, axes, norm, workers, orthogonalize)


def dstn(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, orthogonalize=None):
    r"""n-dimensional DST: :func:`dst` along each axis of ``axes`` in turn; equals ``scipy.fft.dstn``.

    .. math:: Y = (S_{a_k} \circ \dots \circ S_{a_1})(X)

    Parameters and errors as :func:`dctn` (DST-I accepts lengths of 1).
    """
    return _transform("dstn", _chain_nd, x, type, s, axes, norm, workers, orthogonalize)


def dstn_adjoint(
    y, *, input_shape, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, orthogonalize=None
):
    """Adjoint of :func:`dstn`: the 1-D :func:`dst_adjoint` chains along the axes in reverse order."""
    return _adjoint("dstn", _chain_nd, y, input_shape, type, s, axes, norm, workers, orthogonalize)


def idstn(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, orthogonalize=None):
    """n-dimensional inverse DST (:func:`idst` along each axis); equals ``scipy.fft.idstn``."""
    return _transform("idstn", _chain_nd, x, type, s, axes, norm, workers, orthogonalize)


def idstn_adjoint(
    y, *, input_shape, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, orthogonalize=None
):
    """Adjoint of :func:`idstn`: the 1-D :func:`idst_adjoint` chains along the axes in reverse order."""
    return _adjoint("idstn", _chain_nd, y, input_shape, type, s, axes, norm, workers, orthogonalize)


# ----------------------------------------------------------------------------------------------------------
# independent dense references (host, float64, angles reduced exactly) and verification cases


def _dct_error_scale(n: int) -> float:
    r"""The error scale ``c = 2 (fft_error_scale(2n + 2) + 4) + 2`` of a DCT/DST of length n (any type).

    Every algorithm here (pocketfft's have the same structure) forms ``y`` from the real or imaginary part of
    twiddled outputs ``t_k V_k`` of one FFT of length ``M <= 2n + 2``, so ``||delta y|| <= g ||delta(t V)||``
    with ``g = 2`` (DCT-II/III, DCT-IV, DST-II/III/IV: ``y = 2 Re(...)``) or ``g = 1``. Relative to ``||y||``:

    * DCT-II/III (Makhoul, M = n): ``||V|| = sqrt(n) ||x||``, ``||y|| >= sigma_min ||x|| = sqrt(2n) ||x||``
      (III: ``sqrt(n)`` against ``||W|| <= sqrt 2 ||x||``): gain ``sqrt 2``;
    * DCT-I (even extension, M = 2(n-1)): ``||V|| <= sqrt(2M) ||x||``, ``sigma_min(C_1) >= sqrt(M/2)``: gain 2;
    * DCT-IV (zero-padded, M = 2n): ``||V|| = sqrt(2n) ||x||``, ``C_4 / sqrt(2n)`` orthogonal: gain 2;
    * DST-I (odd extension, M = 2(n+1)): ``||V|| = sqrt(2M) ||x||``, ``sigma = sqrt(M)``: gain ``sqrt 2``;
      DST-II/III/IV: their DCT between exact sign flips and reversals.

    So ``e <= 2 (c_FFT(M) + c_t) + c_s`` with ``c_FFT = fft_error_scale(M)`` (the toolkit's FFT claim,
    ``M <= 2n + 2``), ``c_t = 4`` for the twiddle's rounding (``<= 2 eps``) and the complex product
    (``sqrt 2 gamma_2 ~ 1.4 eps``), ``c_s = 2`` for the norm and orthogonalize products.
    """
    return 2.0 * (fft_error_scale(2 * n + 2) + 4.0) + 2.0


def _out_length(p) -> int:
    """The longest transform of a grid point: ``n`` (1-D), the largest of ``s`` (n-D), else the input's."""
    shape = p["shape"]
    if p.get("s"):
        return max(p["s"])
    return p.get("n") or shape[p.get("axis", -1)]


def _grid_1d(kind: str, full: bool) -> tuple:
    """Types x norms, odd/even n incl. 1 and 2 (DCT-I from 2), crop/pad, a non-last axis, complex input."""
    points = []
    if not full:
        for t in _TYPES:
            points.append({"shape": (5,), "type": t, "norm": None})
            points.append({"shape": (2,), "type": t, "norm": "ortho"})
            points.append({"shape": (3, 4), "type": t, "norm": "ortho" if t % 2 else None, "axis": 0, "n": 3})
        points.append({"shape": (1,), "type": 2, "norm": "ortho"})
    else:
        for t in _TYPES:
            for norm in (None, "ortho", "forward"):
                for n in (1, 2, 5, 8):
                    if kind == "dct" and t == 1 and n < 2:
                        continue
                    points.append({"shape": (n,), "type": t, "norm": norm})
                points.append({"shape": (3, 6), "type": t, "norm": norm, "axis": 0, "n": 4})
                points.append({"shape": (2, 3), "type": t, "norm": norm, "axis": -1, "n": 7})
            for orth in (False, True):  # the orthogonalize variants, I and IV included (no effect there)
                points.append({"shape": (7,), "type": t, "norm": "ortho", "orthogonalize": orth})
                points.append({"shape": (6,), "type": t, "norm": None, "orthogonalize": orth})
    points.append({"shape": (2, 7), "type": 2, "norm": "ortho", "n": 9, "complex_input": True})
    points.append({"shape": (6,), "type": 3, "norm": None, "orthogonalize": True})
    return tuple(points)


def _scipy_reference(name: str):
    def reference(x, **kwargs):
        import scipy.fft

        kwargs.pop("complex_input", None)
        return getattr(scipy.fft, name)(x, **kwargs)

    reference.__name__ = f"scipy.fft.{name}"
    return reference


_DCT_REASON = (
    "an FFT of length M <= 2n + 2 between twiddle/permutation steps of gain <= 2: "
    "2 (fft_error_scale(2n + 2) + 4) + 2 (specref.transforms.cosine._dct_error_scale)"
)


def _linear_case(name, forward, adjoint, kind, full_grid=None, grid=None, reference=None):
    return Case(
        name=name,
        forward=forward,
        adjoint=adjoint,
        make=random_input,
        complex_linear=True,
        grid=grid if grid is not None else _grid_1d(kind, False),
        full_grid=full_grid if full_grid is not None else _grid_1d(kind, True),
        error_scale=lambda p: _dct_error_scale(max(_out_length(p), max(p["shape"]))),
        error_reason=_DCT_REASON,
        reference=reference,
    )


_ND_GRID = (
    {"shape": (3, 4), "type": 2, "norm": "ortho"},
    {"shape": (3, 2, 2), "type": 1, "norm": None, "axes": (0, 1), "s": (2, 3)},
    {"shape": (2, 2, 3), "type": 4, "norm": None, "axes": (-1, 0), "complex_input": True},
)
_ND_FULL_GRID = (
    _ND_GRID
    + ({"shape": (2, 3, 5), "type": 3, "norm": None, "axes": (-1, 0), "complex_input": True},)
    + tuple({"shape": (3, 6), "type": t, "norm": norm, "axes": (0, 1)} for t in _TYPES for norm in (None, "ortho"))
    + ({"shape": (5, 4), "type": 4, "norm": "forward", "s": (6, 2)},)
)


CASES = [
    _linear_case("dct", dct, dct_adjoint, "dct", reference=_scipy_reference("dct")),
    _linear_case("idct", idct, idct_adjoint, "dct", reference=_scipy_reference("idct")),
    _linear_case("dst", dst, dst_adjoint, "dst", reference=_scipy_reference("dst")),
    _linear_case("idst", idst, idst_adjoint, "dst", reference=_scipy_reference("idst")),
    _linear_case("dctn", dctn, dctn_adjoint, "dct", grid=_ND_GRID, full_grid=_ND_FULL_GRID,
                 reference=_scipy_reference("dctn")),
    _linear_case("idctn", idctn, idctn_adjoint, "dct", grid=_ND_GRID, full_grid=_ND_FULL_GRID,
                 reference=_scipy_reference("idctn")),
    _linear_case("dstn", dstn, dstn_adjoint, "dst", grid=_ND_GRID, full_grid=_ND_FULL_GRID,
                 reference=_scipy_reference("dstn")),
    _linear_case("idstn", idstn, idstn_adjoint, "dst", grid=_ND_GRID, full_grid=_ND_FULL_GRID,
                 reference=_scipy_reference("idstn")),
]
