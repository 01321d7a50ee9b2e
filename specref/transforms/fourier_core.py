r"""The canonical Fourier cores c2c, r2c, c2r: unnormalized, last axis, exact length, hand-derived adjoints.

Every public transform of :mod:`specref.transforms.fourier` is one of these cores inside the chain of
:func:`~specref.transforms.structural.axis_chain` (move the axis last, crop or pad, core, scale, move back;
docs/design.md). The derivations are in docs/transforms/fourier.md.

| core | map | adjoint |
| --- | --- | --- |
| ``c2c`` | DFT :math:`F` (or :math:`F^H`) | the other direction: :math:`F^H` (or :math:`F`) |
| ``r2c`` | first :math:`n/2+1` bins of :math:`F x`, real x | zero-pad to n, :math:`F^H`, real part |
| ``c2r`` | :math:`F^H` of the Hermitian extension (NumPy) | ``r2c`` times weights 2 (1 at DC, even-n Nyquist) |

Engines: on NumPy the cores call ``scipy.fft`` (pocketfft, like ``numpy.fft``; slightly faster, with
threads over batch rows for large arrays); on CuPy and array-api-strict they call ``xp.fft``. Output
precision follows input precision (float32 -> complex64).

The engine calls along an axis (``_c2c_along``, ``_r2c_along``, ``_c2r_along``, ``_r2c_adjoint_weighted_along``,
``_c2r_adjoint_along``) live here beside the cores that are those calls on the last axis; the fused one-pass
alternative core (:mod:`specref.transforms.fourier_fused`) calls the same functions with the engine's
``axis``, so both compute each line with the same arithmetic. The in-place forms (``_weigh_in_place``,
``_drop_imag_of_self_conjugate_bins_in_place``) write only into an array the caller itself just allocated
(:func:`c2r_adjoint` weighs the spectrum its own r2c returned).
"""

from __future__ import annotations

import math
import os
from functools import partial

from specref._args import check_cotangent_shape, check_input_shape, check_length
from specref.backend import (
    backend_name,
    check_float_dtype,
    device_of,
    dtype_name,
    is_complex,
    namespace,
    real_dtype,
    scipy_fft_for,
)
from specref.testing.case import Case
from specref.testing.inputs import random_input
from specref.testing.tolerances import fft_error_scale
from specref.transforms.structural import crop_or_pad, to_complex

__all__ = [
    "hermitian_weights",
    "c2c",
    "c2c_adjoint",
    "r2c",
    "r2c_adjoint",
    "r2c_adjoint_weighted",
    "c2r",
    "c2r_adjoint",
]

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


def _require(x, *, complex_: bool, what: str):
    """TypeError unless ``x`` is complex (``complex_``) or real floating, naming what is accepted."""
    check_float_dtype(x, allow_complex=complex_, name=what)  # integer, bool, or complex for a real core
    if complex_ and not is_complex(x):
        raise TypeError(f"{what} has dtype {dtype_name(x.dtype)}; accepted: complex64 or complex128")


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
    _require(x, complex_=True, what="c2c input")
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
    _require(x, complex_=False, what="r2c input")
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
    _require(y, complex_=True, what="c2r input")
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
    namespace(x)  # an array of a supported namespace
    input_shape = check_input_shape(input_shape)
    n = check_length(n)
    if not input_shape or input_shape[-1] != n // 2 + 1:
        raise ValueError(f"c2r_adjoint: input_shape {input_shape} must end in n // 2 + 1 = {n // 2 + 1} bins")
    check_cotangent_shape(x, (*input_shape[:-1], n), "c2r_adjoint", input_shape)
    _require(x, complex_=False, what="c2r_adjoint cotangent")
    return _c2r_adjoint_along(x, n, -1)


def _c2r_adjoint_along(x, n: int, axis: int):
    """:func:`c2r_adjoint` along ``axis``: ``H(w * r2c(x))``, computed in place on the fresh spectrum."""
    spectrum = _r2c_along(x, axis)  # a new array: the weights and H may be written into it
    spectrum = _weigh_in_place(spectrum, n, axis, inverse=False)
    return _drop_imag_of_self_conjugate_bins_in_place(spectrum, n, axis)


# ----------------------------------------------------------------------------------------------------------
# verification cases


# Complex input: for the c2r and irfft cases a random half spectrum, NOT Hermitian (Im of DC/Nyquist != 0).
_make_complex = partial(random_input, complex_input=True)
_make_real = partial(random_input, complex_input=False)


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


CASES = [
    _core_case("c2c", c2c, c2c_adjoint, _make_complex,
               ({"shape": (7,)}, {"shape": (2, 8), "inverse": True}), complex_linear=True),
    _core_case("r2c", r2c, r2c_adjoint, _make_real, ({"shape": (7,)}, {"shape": (2, 8)})),
    _core_case("c2r", c2r, c2r_adjoint, _make_c2r_core, ({"n": 7}, {"n": 8, "batch": (2,)})),
]
