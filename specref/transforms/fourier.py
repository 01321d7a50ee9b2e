r"""Fourier transforms with exact adjoints: fft, ifft, rfft, irfft and their 2-D and n-D forms.

Every public transform equals NumPy's (``numpy.fft``) for odd and even lengths, any axes, ``n``/``s``
(crop or zero-pad) and ``norm`` in {"backward", "ortho", "forward"}, and has an adjoint
``<name>_adjoint(y, *, input_shape, **same keywords)``. The derivations are in docs/transforms/fourier.md.

Design (DESIGN.md section 2): one canonical core per kind, unnormalized, on the last axis, of exact length,
with a hand-derived adjoint,

| core | map | adjoint |
| --- | --- | --- |
| ``c2c`` | DFT :math:`F` (or :math:`F^H`) | the other direction: :math:`F^H` (or :math:`F`) |
| ``r2c`` | first :math:`n/2+1` bins of :math:`F x`, real x | zero-pad to n, :math:`F^H`, real part |
| ``c2r`` | :math:`F^H` of the Hermitian extension (NumPy) | ``r2c`` times weights 2 (1 at DC, even-n Nyquist) |

and ``axis`` (:func:`~specref.transforms.structural.move_axis`), ``n``/``s``
(:func:`~specref.transforms.structural.crop_or_pad`) and ``norm``
(:func:`~specref.transforms.structural.scale`) as structural steps whose adjoints are one line each. A
public transform builds its chain of steps from the input's shape; its adjoint builds the same chain from
``input_shape`` and runs it backwards (:func:`~specref.transforms.structural.apply_chain_adjoint`). No
adjoint has a special case per (norm, n, axis).

For speed, each axis's five steps run as one fused step (``_fused_axis_step``): the engine is given
``axis`` instead of moving it (no transposed copies; results keep the input's C layout), and the norm
factor and Hermitian weights multiply, in place, only arrays the step itself just allocated. The fused
step is the same maps with the same arithmetic, and the tests check it against the chain of five steps bit
for bit (NaN, Inf, signed zeros and subnormals included; only the sign of a NaN is not compared).

Conventions: R-linear maps (rfft, irfft) take their adjoint in the real inner product
:math:`\operatorname{Re}\langle u, v\rangle`; C-linear ones (fft, ifft...) in the complex one, which
gives the same real part. The adjoint of a complex transform returns a complex array even when the
forward was given a real array (NumPy casts real input to complex); the gradient with respect to a real
input is its real part (:func:`~specref.transforms.structural.to_complex_adjoint`).

Backends: on NumPy the cores call ``scipy.fft`` (pocketfft, like ``numpy.fft``; slightly faster, with
threads over batch rows for large arrays); on CuPy and array-api-strict they call ``xp.fft``. Output
precision follows input precision (float32 -> complex64).

NaN and Inf are not errors: they propagate through the transforms as NumPy propagates them, and every
output entry NumPy makes non-finite is non-finite here too. Where a norm factor scales a complex
intermediate, IEEE complex-times-real multiplication can also turn the partner component of an infinite
one into NaN (``(inf + 0j) * 0.5 = inf + nan j``, as ``numpy_array * 0.5`` gives), so a few entries that
NumPy's fused scaling leaves finite may be NaN here; with no factor (``fft`` under "backward") the result
is NumPy's bit for bit.
"""

from __future__ import annotations

import math
import os
from functools import partial

import numpy as np

from specref._args import check_cotangent_shape, check_input_shape, check_length, normalize_axes, normalize_axis
from specref.backend import (
    backend_name,
    check_float_dtype,
    device_of,
    dtype_name,
    is_complex,
    namespace,
    random_normal,
    real_dtype,
    scipy_fft_for,
)
from specref.testing.case import Case, Inputs
from specref.testing.tolerances import fft_error_scale
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
    to_complex,
)

__all__ = [
    "NORMS",
    "check_norm",
    "dual_norm",
    "norm_factor",
    "hermitian_weights",
    "c2c",
    "c2c_adjoint",
    "r2c",
    "r2c_adjoint",
    "r2c_adjoint_weighted",
    "c2r",
    "c2r_adjoint",
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

NORMS = ("backward", "ortho", "forward")


# ----------------------------------------------------------------------------------------------------------
# norms


def check_norm(norm) -> str:
    """Return the norm name; ``None`` means ``"backward"`` (NumPy's default).

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
# engines: scipy.fft on NumPy, xp.fft elsewhere

# Threads pay off only for many rows of a large array. Measured on 2 cores (scipy 1.17, best of repeats):
# workers=2 slowed an (8, 64) c2c from 7 to 33 us and a (64, 1024) = 2^16 c2c 1.5x, and sped up
# (512, 1024) c2c 1.4-1.9x, (2048, 512) rfft 1.3x, (512, 513) irfft 2x. Below 2^18 entries (or with one row)
# a single thread is used.
_THREADS_MIN_SIZE = 1 << 18


def _scipy_fft(xp):
    """scipy.fft for NumPy arrays (chosen through backend.scipy_fft_for); None elsewhere: use xp.fft.

    CuPy uses its own ``xp.fft`` (cuFFT through array-api-compat), array-api-strict its fft extension.
    """
    return scipy_fft_for(xp) if backend_name(xp) == "numpy" else None


def _workers(x, axis: int = -1) -> int:
    rows = math.prod(x.shape) // max(1, x.shape[axis])  # the lines transformed along ``axis``
    if rows < 2 or math.prod(x.shape) < _THREADS_MIN_SIZE:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, rows))


# ----------------------------------------------------------------------------------------------------------
# canonical cores: unnormalized, last axis, exact length


def _require(x, xp, *, complex_: bool, what: str):
    """TypeError unless ``x`` is complex (``complex_``) or real floating, naming what is accepted."""
    accepted = (xp.complex64, xp.complex128) if complex_ else (xp.float32, xp.float64)
    if x.dtype not in accepted:
        check_float_dtype(x, name=what)  # integer or bool: the general message
        kind = "complex64 or complex128" if complex_ else "float32 or float64"
        raise TypeError(f"{what} has dtype {dtype_name(x.dtype)}; accepted: {kind}")


def c2c(x, *, inverse: bool = False):
    r"""Unnormalized complex DFT along the last axis (the c2c core).

    .. math::

        y_k = \sum_{j=0}^{n-1} x_j\, e^{\mp 2\pi i jk/n}, \qquad k = 0, \dots, n-1,

    with the minus sign (the DFT matrix :math:`F`, ``F[k, j] = exp(-2 pi i jk/n)``) for
    ``inverse=False`` and the plus sign (:math:`F^H`, the inverse DFT without its :math:`1/n`) for
    ``inverse=True``. Cost :math:`O(n \log n)` per row.

    Parameters
    ----------
    x : complex array, shape (..., n), n >= 1
    inverse : bool

    Returns
    -------
    complex array, shape (..., n), same precision as ``x``

    See Also
    --------
    c2c_adjoint
    """
    xp = namespace(x)
    _require(x, xp, complex_=True, what="c2c input")
    check_length(x.shape[-1], name="c2c length")
    return _c2c_along(x, -1, inverse=inverse)


def _c2c_along(x, axis: int, *, inverse: bool):
    """:func:`c2c` along ``axis`` (the engine's ``axis`` argument; each line's arithmetic is the same)."""
    xp = namespace(x)
    sp = _scipy_fft(xp)
    # ifft with norm="forward" applies no factor: it is the unnormalized inverse F^H.
    if sp is not None:
        if inverse:
            return sp.ifft(x, axis=axis, norm="forward", workers=_workers(x, axis))
        return sp.fft(x, axis=axis, norm="backward", workers=_workers(x, axis))
    if inverse:
        return xp.fft.ifft(x, axis=axis, norm="forward")
    return xp.fft.fft(x, axis=axis, norm="backward")


def c2c_adjoint(y, *, input_shape, inverse: bool = False):
    r"""Adjoint of :func:`c2c`: the same core in the other direction.

    :math:`F_{kj} = \omega^{jk}` with :math:`\omega = e^{-2\pi i/n}` is symmetric, so
    :math:`F^H = \bar F^T = \bar F`, whose entries :math:`e^{+2\pi i jk/n}` are those of the
    unnormalized inverse DFT: :math:`F^H = n\,\mathrm{ifft}` (NumPy's ``ifft`` carries :math:`1/n`).
    Likewise :math:`(F^H)^H = F`.
    """
    input_shape = check_input_shape(input_shape)
    check_cotangent_shape(y, input_shape, "c2c_adjoint", input_shape)
    return c2c(y, inverse=not inverse)


def r2c(x):
    r"""Unnormalized real-to-complex DFT along the last axis (the r2c core): the first :math:`m` bins.

    .. math::

        y_k = \sum_{j=0}^{n-1} x_j\, e^{-2\pi i jk/n}, \qquad k = 0, \dots, m - 1,
        \quad m = \lfloor n/2 \rfloor + 1.

    The other bins are conjugates, :math:`y_{n-k} = \bar y_k`, and are not returned. As a product of
    maps, :math:`r2c = P F E` with :math:`E` the embedding of :math:`\mathbb{R}^n` in :math:`\mathbb{C}^n`
    and :math:`P` the crop to the first :math:`m` bins.

    Parameters
    ----------
    x : real array, shape (..., n), n >= 1

    Returns
    -------
    complex array, shape (..., n // 2 + 1), same precision as ``x``

    See Also
    --------
    r2c_adjoint, r2c_adjoint_weighted
    """
    xp = namespace(x)
    _require(x, xp, complex_=False, what="r2c input")
    check_length(x.shape[-1], name="r2c length")
    return _r2c_along(x, -1)


def _r2c_along(x, axis: int):
    """:func:`r2c` along ``axis`` (the engine's ``axis`` argument; each line's arithmetic is the same)."""
    xp = namespace(x)
    sp = _scipy_fft(xp)
    if sp is not None:
        return sp.rfft(x, axis=axis, norm="backward", workers=_workers(x, axis))
    return xp.fft.rfft(x, axis=axis, norm="backward")


def _half_spectrum_shape(input_shape, what: str) -> tuple:
    n = check_length(input_shape[-1] if input_shape else 0, name=f"{what} length (last entry of input_shape)")
    return (*input_shape[:-1], n // 2 + 1)


def r2c_adjoint(y, *, input_shape):
    r"""Adjoint of :func:`r2c` in the real inner product: zero-pad to n, :math:`F^H`, real part.

    From :math:`r2c = P F E` and the adjoint of a product being the product of adjoints reversed,

    .. math:: r2c^* = E^* F^H P^* : \quad
        x_j = \operatorname{Re} \sum_{k=0}^{m-1} y_k\, e^{+2\pi i jk/n},

    where :math:`P^*` zero-pads the :math:`m` bins to :math:`n`, :math:`F^H` is the unnormalized inverse
    DFT and :math:`E^* = \operatorname{Re}` (the adjoint of embedding real numbers in complex ones). No
    weights appear: the missing bins are simply zeros. This is the obviously correct form;
    :func:`r2c_adjoint_weighted` computes the same with a half-length transform.

    Parameters
    ----------
    y : complex array, shape (..., n // 2 + 1)
    input_shape : tuple
        Shape of the forward's input, (..., n).
    """
    xp = namespace(y)
    input_shape = check_input_shape(input_shape)
    check_cotangent_shape(y, _half_spectrum_shape(input_shape, "r2c_adjoint"), "r2c_adjoint", input_shape)
    padded = crop_or_pad(to_complex(y), input_shape[-1], -1)  # P^*: zeros at bins m, ..., n - 1
    return xp.real(c2c(padded, inverse=True))  # E^* F^H


def hermitian_weights(n: int, *, xp, dtype, device=None):
    r"""Weights :math:`w_k` of a real length-n signal's half spectrum: how often bin k occurs in the full one.

    :math:`w_0 = 1` (DC), :math:`w_{n/2} = 1` for even n (Nyquist), :math:`w_k = 2` for the other
    :math:`k < m = \lfloor n/2\rfloor + 1`, which stand for themselves and their conjugate mirror
    :math:`n - k`. Returns a real array of shape (m,).
    """
    return 2.0 - xp.astype(_self_conjugate_bins(n, xp, device), dtype)


def _self_conjugate_bins(n: int, xp, device):
    """True at the bins k < n//2 + 1 with k = -k mod n: DC, and Nyquist (k = n/2) for even n."""
    k = xp.arange(n // 2 + 1, device=device)
    return (k == 0) | (2 * k == n)


def _along(ndim: int, axis: int, index) -> tuple:
    """The index tuple selecting ``index`` (an int or slice) along ``axis`` of an ndim-array, all elsewhere."""
    axis %= ndim
    return tuple(index if i == axis else slice(None) for i in range(ndim))


def _weigh_in_place(z, n: int, axis: int, *, inverse: bool):
    """``z *= w`` (or ``1/w`` for ``inverse``) along ``axis``, for an array ``z`` the caller just allocated.

    The same products as ``z * hermitian_weights(n)`` (a real weight is promoted to ``w + 0i``), one group
    of bins at a time: bins 1 ... ceil(n/2) - 1 by 2 (or 1/2), DC and (even n) Nyquist by 1. Multiplying by
    1 is kept because it is what the chain computes: IEEE ``(a + ib)(1 + 0i)`` is ``(a - 0 b) + i(0 a + b)``,
    not always ``a + ib`` (an infinite b makes the real part NaN). A scalar per group runs at copy speed;
    a broadcast weight vector along a middle axis runs about twice as slow on NumPy.
    """
    twice = (n + 1) // 2  # bins 1 ... twice - 1 stand for themselves and their mirror
    if twice > 1:
        z[_along(z.ndim, axis, slice(1, twice))] *= 0.5 if inverse else 2.0
    for k in (0,) if n % 2 == 1 else (0, n // 2):
        z[_along(z.ndim, axis, slice(k, k + 1))] *= 1.0
    return z


def _drop_imag_of_self_conjugate_bins(y, n: int, axis: int = -1):
    """Zero the imaginary part of DC and (even n) Nyquist: the R-linear projection H of NumPy's c2r.

    Returns a new array; ``y`` is not modified.
    """
    xp = namespace(y)
    dc = xp.astype(xp.real(y[_along(y.ndim, axis, slice(0, 1))]), y.dtype)
    if n % 2 == 1:
        return xp.concat([dc, y[_along(y.ndim, axis, slice(1, None))]], axis=axis)
    nyquist = xp.astype(xp.real(y[_along(y.ndim, axis, slice(-1, None))]), y.dtype)
    return xp.concat([dc, y[_along(y.ndim, axis, slice(1, -1))], nyquist], axis=axis)


def _drop_imag_of_self_conjugate_bins_in_place(y, n: int, axis: int):
    """H of :func:`_drop_imag_of_self_conjugate_bins`, written into ``y``: only for an array just allocated.

    Sets DC (and, for even n, Nyquist) to ``Re + 0i``, the values the copying form returns; the other
    bins are not touched. O(rows) work instead of a copy of the whole array.
    """
    xp = namespace(y)
    bins = (0,) if n % 2 == 1 else (0, n // 2)
    for k in bins:
        index = _along(y.ndim, axis, slice(k, k + 1))
        y[index] = xp.astype(xp.real(y[index]), y.dtype)
    return y


def r2c_adjoint_weighted(y, *, input_shape):
    r"""Adjoint of :func:`r2c`, computed as :func:`c2r` of :math:`y_k / w_k` (equal to :func:`r2c_adjoint`).

    :func:`c2r` counts every bin other than DC and Nyquist twice, as itself and as its mirror:
    :math:`c2r(z)_j = \operatorname{Re} z_0 + 2\sum_{k=1}^{\lceil n/2\rceil - 1}
    \operatorname{Re}(z_k e^{2\pi i jk/n}) + [n \text{ even}] \operatorname{Re} z_{n/2} (-1)^j`.
    With :math:`z_k = y_k / w_k` (:func:`hermitian_weights`) the doubled terms are halved and

    .. math:: c2r(y / w)_j = \operatorname{Re} \sum_{k=0}^{m-1} y_k e^{2\pi i jk/n} = r2c^*(y)_j,

    the imaginary parts of DC and Nyquist being dropped by both sides. A transform of length n/2 instead
    of n; the tests check it equals :func:`r2c_adjoint` for odd and even n.
    """
    input_shape = check_input_shape(input_shape)
    expected = _half_spectrum_shape(input_shape, "r2c_adjoint_weighted")
    check_cotangent_shape(y, expected, "r2c_adjoint_weighted", input_shape)
    return _r2c_adjoint_weighted_along(to_complex(y), input_shape[-1], -1, fresh=False)


def _r2c_adjoint_weighted_along(y, n: int, axis: int, *, fresh: bool):
    """:func:`r2c_adjoint_weighted` along ``axis``: ``c2r(y / w)``.

    ``fresh`` says ``y`` was just allocated by the caller, so the division by the weights is done in
    place (the same multiplication by 1/w, without allocating); otherwise ``y`` is not modified.
    """
    if fresh:
        y = _weigh_in_place(y, n, axis, inverse=True)  # 1/w is 1 or 1/2: exact
    else:
        xp = namespace(y)
        inverse_weights = 1.0 / hermitian_weights(n, xp=xp, dtype=real_dtype(y.dtype, xp), device=device_of(y))
        y = y * xp.reshape(inverse_weights, (n // 2 + 1,) + (1,) * (y.ndim - 1 - axis % y.ndim))
    return _c2r_along(y, n, axis, fresh=True)


def c2r(y, *, n: int):
    r"""Unnormalized complex-to-real inverse DFT of a half spectrum, with NumPy's semantics (the c2r core).

    For :math:`m = \lfloor n/2\rfloor + 1` bins :math:`y_0, \dots, y_{m-1}`:

    .. math::

        x_j = \operatorname{Re} y_0 + 2 \sum_{k=1}^{\lceil n/2\rceil - 1}
              \operatorname{Re}\bigl(y_k\, e^{2\pi i jk/n}\bigr)
              + [n\ \text{even}]\, \operatorname{Re}(y_{n/2})\, (-1)^j,
        \qquad j = 0, \dots, n-1.

    This is :math:`F^H` applied to the Hermitian extension :math:`Y_k = y_k`, :math:`Y_{n-k} = \bar y_k`
    with :math:`Y_0 = \operatorname{Re} y_0` and :math:`Y_{n/2} = \operatorname{Re} y_{n/2}`: the
    imaginary parts of DC and (even n) Nyquist are ignored, as NumPy/pocketfft ignore them. For input
    that is not Hermitian this matters, and backends differ (cuFFT/rocFFT C2R), so this core drops them
    explicitly (:math:`c2r = c2r_{\mathrm{engine}} \circ H`) and the map is the same on every backend.
    On NumPy, pocketfft never reads those two imaginary parts, so H is the engine's own and the copy is
    skipped (bit for bit the same result; tested).

    Parameters
    ----------
    y : complex array, shape (..., n // 2 + 1); any imaginary parts, Hermitian or not
    n : int >= 1
        Output length; odd and even n have the same number of bins for n = 2m - 1 and 2m - 2.

    Returns
    -------
    real array, shape (..., n), same precision as ``y``

    See Also
    --------
    c2r_adjoint
    """
    xp = namespace(y)
    _require(y, xp, complex_=True, what="c2r input")
    n = check_length(n)
    if y.shape[-1] != n // 2 + 1:
        raise ValueError(f"c2r of length n = {n} needs n // 2 + 1 = {n // 2 + 1} bins, got {y.shape[-1]}")
    return _c2r_along(y, n, -1, fresh=False)


def _c2r_along(y, n: int, axis: int, *, fresh: bool):
    """:func:`c2r` along ``axis``; ``fresh``: ``y`` was just allocated by the caller and may be overwritten.

    H on NumPy is the engine's own: pocketfft (scipy.fft and numpy.fft alike) builds the Hermitian
    extension from ``Re y_0``, ``y_1 ... y_{m-1}`` and, for even n, ``Re y_{n/2}``, never reading the two
    imaginary parts H drops, so the explicit copy is skipped there (the tests check that the result is bit
    for bit the one with H applied, with NaN and Inf in those imaginary parts too). Every other backend
    gets H explicitly (cuFFT's C2R may read them).
    """
    xp = namespace(y)
    sp = _scipy_fft(xp)
    # irfft with norm="forward" applies no factor: the unnormalized inverse.
    if sp is not None:
        return sp.irfft(y, n=n, axis=axis, norm="forward", workers=_workers(y, axis))
    if fresh:
        y = _drop_imag_of_self_conjugate_bins_in_place(y, n, axis)
    else:
        y = _drop_imag_of_self_conjugate_bins(y, n, axis)  # H: NumPy's semantics (a fresh copy)
    return xp.fft.irfft(y, n=n, axis=axis, norm="forward")


def c2r_adjoint(x, *, input_shape, n: int):
    r"""Adjoint of :func:`c2r` in the real inner product: :math:`w_k\, r2c(x)_k`, Im of DC/Nyquist dropped.

    For real :math:`g` of length n let :math:`G = r2c(g)`, :math:`G_k = \sum_j g_j e^{-2\pi i jk/n}`.
    Each term of :func:`c2r` pairs with :math:`g` as
    :math:`\sum_j g_j \operatorname{Re}(y_k e^{2\pi i jk/n}) = \operatorname{Re}(\bar G_k y_k)`, so

    .. math::

        \langle c2r(y), g\rangle = \operatorname{Re} \sum_{k=0}^{m-1} w_k\, \bar G_k\, y_k
        = \operatorname{Re}\langle w \odot G, y\rangle,
        \qquad c2r^*(g) = w \odot r2c(g),

    with :math:`w_k = 2` for the bins counted twice and :math:`w_0 = w_{n/2} = 1`
    (:func:`hermitian_weights`). :math:`G_0` and (even n) :math:`G_{n/2}` are real sums, so the gradient
    of the ignored imaginary parts is exactly zero; the projection :math:`H` (self-adjoint) is applied to
    make that exact whatever the engine returns.

    Parameters
    ----------
    x : real array, shape (..., n)
    input_shape : tuple
        Shape of the forward's input, (..., n // 2 + 1).
    n : int
    """
    xp = namespace(x)
    input_shape = check_input_shape(input_shape)
    n = check_length(n)
    if not input_shape or input_shape[-1] != n // 2 + 1:
        raise ValueError(f"c2r_adjoint: input_shape {input_shape} must end in n // 2 + 1 = {n // 2 + 1} bins")
    check_cotangent_shape(x, (*input_shape[:-1], n), "c2r_adjoint", input_shape)
    _require(x, xp, complex_=False, what="c2r_adjoint cotangent")
    return _c2r_adjoint_along(x, n, -1)


def _c2r_adjoint_along(x, n: int, axis: int):
    """:func:`c2r_adjoint` along ``axis``: ``H(w * r2c(x))``, computed in place on the fresh spectrum."""
    spectrum = _r2c_along(x, axis)  # a new array: the weights and H may be written into it
    spectrum = _weigh_in_place(spectrum, n, axis, inverse=False)
    return _drop_imag_of_self_conjugate_bins_in_place(spectrum, n, axis)


# ----------------------------------------------------------------------------------------------------------
# chains: move_axis -> crop_or_pad -> core -> scale -> move_axis, one per transformed axis
#
# The public transforms run each axis's chain through one fused step (``_fused_axis_step``): the same maps
# in the same order with the same arithmetic, but the engine is given ``axis`` instead of moving it (so no
# transposed copies: outputs keep the input's C layout), and the scale and Hermitian weights multiply the
# arrays the step itself just allocated in place. tests/transforms/test_fourier.py checks, bit for bit,
# that every fused step returns what its chain of five steps returns, forward and adjoint.


def _step(fn, fn_adjoint, input_shape: tuple, output_shape: tuple, **kw) -> Step:
    """A chain step: ``fn(x, **kw)`` and ``fn_adjoint(y, input_shape=input_shape, **kw)``."""
    forward = partial(fn, **kw)
    adjoint = partial(fn_adjoint, input_shape=input_shape, **kw)
    return Step(fn.__name__, forward, adjoint, tuple(output_shape))


def _axis_chain(
    shape: tuple, axis: int, kind: str, n: int | None, norm: str, inverse: bool = False, fused: bool = False
) -> list:
    """The steps of one 1-D transform along ``axis`` of an array of ``shape``.

    ``kind`` is "c2c", "r2c" or "c2r"; ``n`` the transform length (None: the input's length, or for
    c2r NumPy's default 2 (m - 1)). ``fused``: one :class:`Step` computing the five (see
    :func:`_fused_axis_step`), instead of the five.
    """
    ndim = len(shape)
    axis = normalize_axis(axis, ndim)
    last = ndim - 1
    m = shape[axis]
    if n is None:
        if kind == "c2r":
            n = 2 * (m - 1)
            if n < 1:
                raise ValueError(
                    f"irfft: the default length n = 2 (m - 1) = {n} for m = {m} bins along axis {axis} is "
                    "not a valid length; pass n (odd lengths always need it: n = 2 m - 1)"
                )
        else:
            n = m
    n = check_length(n)
    core_in = n // 2 + 1 if kind == "c2r" else n  # c2r reads n // 2 + 1 bins: crop or zero-pad to that first
    core_out = n // 2 + 1 if kind == "r2c" else n
    factor = norm_factor(norm, n, inverse=inverse or kind == "c2r")

    moved = tuple(s for i, s in enumerate(shape) if i != axis) + (m,)
    cropped = (*moved[:-1], core_in)
    transformed = (*moved[:-1], core_out)
    back = (*transformed[:axis], core_out, *transformed[axis:-1])
    if fused:
        return [_fused_axis_step(kind, shape, back, axis=axis, n=n, factor=factor, inverse=inverse)]
    if kind == "c2c":
        core = _step(c2c, c2c_adjoint, cropped, transformed, inverse=inverse)
    elif kind == "r2c":
        core = _step(r2c, r2c_adjoint_weighted, cropped, transformed)
    else:
        core = _step(c2r, c2r_adjoint, cropped, transformed, n=n)
    return [
        _step(move_axis, move_axis_adjoint, shape, moved, source=axis, destination=last),
        _step(crop_or_pad, crop_or_pad_adjoint, moved, cropped, n=core_in, axis=-1),
        core,
        _step(scale, scale_adjoint, transformed, transformed, factor=factor),
        _step(move_axis, move_axis_adjoint, transformed, back, source=last, destination=axis),
    ]


def _fused_axis_step(kind: str, shape: tuple, out_shape: tuple, **kw) -> Step:
    """The chain ``move_axis, crop_or_pad, core, scale, move_axis`` of one axis as one :class:`Step`."""
    forward = partial(_fused_forward, kind=kind, **kw)
    adjoint = partial(_fused_adjoint, kind=kind, length=shape[kw["axis"]], **kw)
    return Step(f"{kind}_along_axis", forward, adjoint, tuple(out_shape))


def _fused_forward(x, *, kind: str, axis: int, n: int, factor: float, inverse: bool):
    r"""The forward chain of one axis with the engine's ``axis``: crop or pad, core along ``axis``, scale.

    Moving ``axis`` last, transforming the last axis and moving it back computes each line's transform
    with the same arithmetic as transforming along ``axis`` in place (the engine copies each line into a
    buffer either way); ``scale`` multiplies the core's new output in place, the same multiplication as
    :func:`~specref.transforms.structural.scale`'s ``x * factor``.
    """
    core_in = n // 2 + 1 if kind == "c2r" else n
    x = crop_or_pad(x, core_in, axis)
    if kind == "c2c":
        y = _c2c_along(x, axis, inverse=inverse)
    elif kind == "r2c":
        y = _r2c_along(x, axis)
    else:
        y = _c2r_along(x, n, axis, fresh=False)
    if factor != 1.0:
        y *= factor  # y is the engine's new array
    return y


def _fused_adjoint(y, *, kind: str, axis: int, n: int, factor: float, inverse: bool, length: int):
    """The adjoint chain of one axis (the forward's steps reversed): scale, core adjoint, crop or pad back."""
    z = scale(y, factor)  # a new array unless factor == 1
    fresh = factor != 1.0
    if kind == "c2c":
        z = _c2c_along(z, axis, inverse=not inverse)
    elif kind == "r2c":
        z = _r2c_adjoint_weighted_along(z, n, axis, fresh=fresh)
    else:
        z = _c2r_adjoint_along(z, n, axis)
    return crop_or_pad(z, length, axis)


def _lengths_and_axes(shape: tuple, s, axes, what: str) -> tuple[list, tuple]:
    """NumPy's rules: axes None = all axes (or the last len(s) when s is given); s None = input lengths."""
    ndim = len(shape)
    if s is not None:
        if isinstance(s, (str, bytes)) or not hasattr(s, "__len__"):
            raise TypeError(f"{what}: s must be a sequence of integers, got {type(s).__name__} {s!r}")
        s = [check_length(k, name="s entry") for k in s]
        if axes is None:
            axes = tuple(range(-len(s), 0))  # NumPy's rule (deprecated there): the last len(s) axes
    axes = normalize_axes(axes, ndim)
    if s is not None and len(s) != len(axes):
        raise ValueError(
            f"{what}: s {tuple(s)} and axes {axes} have different lengths ({len(s)} and {len(axes)}); "
            "give one length per transformed axis"
        )
    return (list(s) if s is not None else [None] * len(axes)), axes


def _chain(
    shape: tuple, kind: str, norm, *, inverse: bool, what: str, s=None, axes=None, n=None, axis=None,
    fused: bool = True,
):
    """The chain of steps of a transform of an input of ``shape``, axis by axis in NumPy's order.

    1-D transforms give ``n`` and ``axis``; n-D ones ``s`` and ``axes``. c2c: axes in reverse order.
    r2c (rfftn): the real transform on the last axis, then c2c on the others in reverse order. c2r
    (irfftn): complex inverse transforms on all but the last axis, then the 1-D c2r on the last (NumPy's
    definition, which matters for input that is not Hermitian). ``fused``: one fused step per axis
    (:func:`_fused_axis_step`, what the public transforms run) instead of its five steps.
    """
    norm = check_norm(norm)
    shape = tuple(shape)
    if axis is not None:
        axes, lengths = (normalize_axis(axis, len(shape)),), [None if n is None else check_length(n)]
    else:
        lengths, axes = _lengths_and_axes(shape, s, axes, what)
    per_axis = list(zip(axes, lengths, strict=True))
    if kind == "c2c":
        order = [(a, length, "c2c") for a, length in reversed(per_axis)]
    elif kind == "r2c":
        order = [(*per_axis[-1], "r2c")] + [(a, length, "c2c") for a, length in reversed(per_axis[:-1])]
    else:
        order = [(a, length, "c2c") for a, length in per_axis[:-1]] + [(*per_axis[-1], "c2r")]
    steps: list = []
    for a, length, core in order:  # each axis's chain starts from the shape the previous one produced
        steps += _axis_chain(shape, a, core, length, norm, inverse=inverse, fused=fused)
        shape = steps[-1].shape
    return steps


def _transform(x, kind: str, norm, *, inverse: bool, what: str, fused: bool = True, **where):
    if kind == "r2c":
        xp = namespace(x)
        if x.dtype in (xp.complex64, xp.complex128):
            raise TypeError(
                f"{what} takes real input (float32 or float64), got {dtype_name(x.dtype)}; use "
                f"{what.replace('rfft', 'fft')} for complex input"
            )
        check_float_dtype(x)  # integer or bool: TypeError naming the accepted dtypes
    else:
        x = to_complex(x)  # checks the dtype; NumPy casts real input to complex, array-api-strict needs it
    steps = _chain(tuple(x.shape), kind, norm, inverse=inverse, what=what, fused=fused, **where)
    return apply_chain(steps, x)


def _transform_adjoint(y, input_shape, kind: str, norm, *, inverse: bool, what: str, fused: bool = True, **where):
    namespace(y)
    input_shape = check_input_shape(input_shape)
    steps = _chain(input_shape, kind, norm, inverse=inverse, what=what, fused=fused, **where)
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


def fft(x, *, n=None, axis=-1, norm="backward"):
    r"""1-D discrete Fourier transform along ``axis``, equal to ``numpy.fft.fft``.

    .. math:: y_k = c \sum_{j=0}^{n-1} x_j\, e^{-2\pi i jk/n}, \qquad k = 0, \dots, n-1,

    with :math:`c = 1` ("backward"), :math:`1/\sqrt n` ("ortho") or :math:`1/n` ("forward"), after
    cropping or zero-padding ``x`` to length ``n`` along ``axis``. Chain: move ``axis`` last, crop or pad
    to n, :func:`c2c`, scale by :math:`c`, move back. Cost :math:`O(n \log n)` per row.

    Parameters
    ----------
    x : array, real or complex, any shape with ``x.ndim >= 1``
        Real input is cast to the complex dtype of its precision.
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
        Integer or bool input; ``n``/``axis`` not integers.
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


def ifft(x, *, n=None, axis=-1, norm="backward"):
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


def rfft(x, *, n=None, axis=-1, norm="backward"):
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


def irfft(x, *, n=None, axis=-1, norm="backward"):
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


def fftn(x, *, s=None, axes=None, norm="backward"):
    r"""n-D DFT over ``axes``, equal to ``numpy.fft.fftn``: :func:`fft` along each axis (last listed first).

    .. math:: y_{k_1 \dots k_d} = c \sum_{j_1 \dots j_d} x_{j_1 \dots j_d}
        \prod_{a=1}^{d} e^{-2\pi i j_a k_a / n_a}, \qquad c = \prod_a c_a.

    Parameters
    ----------
    x : array, real or complex
    s : sequence of int >= 1, optional
        Lengths along ``axes`` (crop or zero-pad); default the input's.
    axes : sequence of distinct int, optional
        Default all axes (or, with ``s`` given, the last ``len(s)``: NumPy's rule).
    norm : {"backward", "ortho", "forward"}

    Raises
    ------
    ValueError
        Empty or repeated axes, an axis out of range, ``s`` and ``axes`` of different lengths, an entry
        of ``s`` below 1, unknown norm.

    See Also
    --------
    fftn_adjoint, fft
    """
    return _transform(x, "c2c", norm, inverse=False, what="fftn", s=s, axes=axes)


def fftn_adjoint(y, *, input_shape, s=None, axes=None, norm="backward"):
    """Adjoint of :func:`fftn`: every axis's :func:`fft_adjoint` chain, in reverse order."""
    return _transform_adjoint(y, input_shape, "c2c", norm, inverse=False, what="fftn_adjoint", s=s, axes=axes)


def ifftn(x, *, s=None, axes=None, norm="backward"):
    """n-D inverse DFT, equal to ``numpy.fft.ifftn``: :func:`ifft` along each axis (keywords as fftn)."""
    return _transform(x, "c2c", norm, inverse=True, what="ifftn", s=s, axes=axes)


def ifftn_adjoint(y, *, input_shape, s=None, axes=None, norm="backward"):
    """Adjoint of :func:`ifftn`: every axis's :func:`ifft_adjoint` chain, in reverse order."""
    return _transform_adjoint(y, input_shape, "c2c", norm, inverse=True, what="ifftn_adjoint", s=s, axes=axes)


def rfftn(x, *, s=None, axes=None, norm="backward"):
    """n-D DFT of real input, equal to ``numpy.fft.rfftn``: :func:`rfft` on the last of ``axes``, then
    :func:`fft` on the others. The last axis gets ``s[-1] // 2 + 1`` bins. Keywords as :func:`fftn`."""
    return _transform(x, "r2c", norm, inverse=False, what="rfftn", s=s, axes=axes)


def rfftn_adjoint(y, *, input_shape, s=None, axes=None, norm="backward"):
    """Adjoint of :func:`rfftn`: the outer axes' :func:`fft_adjoint` chains, then :func:`rfft_adjoint`."""
    return _transform_adjoint(
        y, input_shape, "r2c", norm, inverse=False, what="rfftn_adjoint", s=s, axes=axes
    )


def irfftn(x, *, s=None, axes=None, norm="backward"):
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


def fft2(x, *, s=None, axes=(-2, -1), norm="backward"):
    """2-D DFT, equal to ``numpy.fft.fft2``: :func:`fftn` with ``axes=(-2, -1)`` by default."""
    return _transform(x, "c2c", norm, inverse=False, what="fft2", s=s, axes=axes)


def fft2_adjoint(y, *, input_shape, s=None, axes=(-2, -1), norm="backward"):
    """Adjoint of :func:`fft2` (see :func:`fftn_adjoint`)."""
    return _transform_adjoint(y, input_shape, "c2c", norm, inverse=False, what="fft2_adjoint", s=s, axes=axes)


def ifft2(x, *, s=None, axes=(-2, -1), norm="backward"):
    """2-D inverse DFT, equal to ``numpy.fft.ifft2``: :func:`ifftn` with ``axes=(-2, -1)`` by default."""
    return _transform(x, "c2c", norm, inverse=True, what="ifft2", s=s, axes=axes)


def ifft2_adjoint(y, *, input_shape, s=None, axes=(-2, -1), norm="backward"):
    """Adjoint of :func:`ifft2` (see :func:`ifftn_adjoint`)."""
    return _transform_adjoint(y, input_shape, "c2c", norm, inverse=True, what="ifft2_adjoint", s=s, axes=axes)


def rfft2(x, *, s=None, axes=(-2, -1), norm="backward"):
    """2-D DFT of real input, equal to ``numpy.fft.rfft2``: :func:`rfftn` with default ``axes=(-2, -1)``."""
    return _transform(x, "r2c", norm, inverse=False, what="rfft2", s=s, axes=axes)


def rfft2_adjoint(y, *, input_shape, s=None, axes=(-2, -1), norm="backward"):
    """Adjoint of :func:`rfft2` (see :func:`rfftn_adjoint`)."""
    return _transform_adjoint(
        y, input_shape, "r2c", norm, inverse=False, what="rfft2_adjoint", s=s, axes=axes
    )


def irfft2(x, *, s=None, axes=(-2, -1), norm="backward"):
    """2-D inverse of :func:`rfft2`, equal to ``numpy.fft.irfft2`` (NumPy semantics: see :func:`irfftn`)."""
    return _transform(x, "c2r", norm, inverse=True, what="irfft2", s=s, axes=axes)


def irfft2_adjoint(y, *, input_shape, s=None, axes=(-2, -1), norm="backward"):
    """Adjoint of :func:`irfft2` (see :func:`irfftn_adjoint`)."""
    return _transform_adjoint(
        y, input_shape, "c2r", norm, inverse=True, what="irfft2_adjoint", s=s, axes=axes
    )


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_complex(rng, xp, dtype, *, shape, **kwargs):
    """Complex input; for the irfft cases a random half spectrum, NOT Hermitian: Im of DC/Nyquist != 0."""
    cdtype = {"float32": "complex64", "float64": "complex128"}[dtype]
    return Inputs((random_normal(rng, shape, dtype=cdtype, xp=xp),), kwargs)


def _make_real(rng, xp, dtype, *, shape, **kwargs):
    return Inputs((random_normal(rng, shape, dtype=dtype, xp=xp),), kwargs)


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


def _make_c2r_core(rng, xp, dtype, *, n, batch=()):
    return _make_complex(rng, xp, dtype, shape=(*batch, n // 2 + 1), n=n)


def _core_case(name, forward, adjoint, make, grid, *, complex_linear=False):
    return Case(
        name=name,
        forward=forward,
        adjoint=adjoint,
        make=make,
        complex_linear=complex_linear,
        grid=grid,
        error_scale=lambda p: fft_error_scale(p.get("n") or p["shape"][-1]),
        error_reason="unnormalized FFT of n points: 2 (1 + log2 n) (Higham ch. 24, accurate twiddles)",
    )


_AXIS = (-1,)
_AXES_2D = (-2, -1)

CASES = [
    _core_case("c2c", c2c, c2c_adjoint, _make_complex,
               ({"shape": (7,)}, {"shape": (2, 8), "inverse": True}), complex_linear=True),
    _core_case("r2c", r2c, r2c_adjoint, _make_real, ({"shape": (7,)}, {"shape": (2, 8)})),
    _core_case("c2r", c2r, c2r_adjoint, _make_c2r_core, ({"n": 7}, {"n": 8, "batch": (2,)})),
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
