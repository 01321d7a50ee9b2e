r"""The modified discrete cosine transform (MDCT) and its inverse, with adjoints.

:func:`mdct` / :func:`imdct`: textbook definition with 50% overlap (hop :math:`N`, frames of :math:`2N`
samples), zero-padded framing, sine, vorbis and Kaiser-Bessel-derived windows (:func:`mdct_window`);
perfect reconstruction under Princen-Bradley. For a frame :math:`f` of the padded signal

.. math::

    X_{f,k} = \sum_{n=0}^{2N-1} w_n\, x^{\mathrm{pad}}_{fN+n}
              \cos\Big[\frac{\pi}{N}\Big(n + \frac12 + \frac N2\Big)\Big(k + \frac12\Big)\Big],
    \qquad k = 0, \dots, N-1,

and the adjoints are ``mdct_adjoint = (N/2) imdct`` and ``imdct_adjoint = (2/N) mdct``. Each frame costs one
complex FFT of length :math:`2N` between twiddles. spectrans's ``MDCT`` is a truncated 2N-point DCT-IV instead
(validation/findings/spectrans_mdct.md).

**Structure** (docs/design.md, *Adding a transform*):
:func:`structural.axis_chain <specref.transforms.structural.axis_chain>` moves the time axis last; the core
recipe is then

    zero-pad N samples at both ends -> cut into frames (hop N) -> window -> per-frame kernel,

each step with its hand-derived adjoint (crop the ends; overlap-add; the same window; the transposed kernel).
The framing appends the frame axis, so the chain does not move the time axis back (``axis_chain`` leaves the
move back out when the core changes the rank). The twiddles and the real/imaginary split are
:mod:`specref.transforms._shared`'s, shared with the DCT/DST FFT algorithms.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from specref._args import check_cotangent_shape, check_input_shape, check_positive_int, normalize_axis
from specref.backend import check_float_dtype, check_same_precision, device_of, dtype_name, namespace, real_dtype
from specref.testing.case import Case
from specref.testing.inputs import random_input
from specref.testing.tolerances import fft_error_scale
from specref.transforms._shared import cis, on_parts, run_adjoint, run_forward
from specref.transforms.structural import Step, axis_chain, scale, to_complex

__all__ = [
    "mdct",
    "mdct_adjoint",
    "imdct",
    "imdct_adjoint",
    "mdct_window",
]


def _check_frame_length(frame_length) -> int:
    """A positive integer (:func:`specref._args.check_positive_int`) and even: 2N, N samples a hop."""
    frame_length = check_positive_int(frame_length, "frame_length")
    if frame_length % 2:
        raise ValueError(
            f"the MDCT needs an even frame_length 2N >= 2 (N new samples per frame, hop N, 50% overlap); "
            f"got frame_length = {frame_length}"
        )
    return frame_length


def _window_host(window, frame_length: int) -> np.ndarray:
    """A named window of length 2N in float64: sine, vorbis, kbd (alpha 4) or ("kbd", alpha)."""
    n2 = frame_length
    t = (np.arange(n2) + 0.5) / n2
    if isinstance(window, str) and window == "sine":
        return np.sin(np.pi * t)
    if isinstance(window, str) and window == "vorbis":
        return np.sin(0.5 * np.pi * np.sin(np.pi * t) ** 2)
    if (isinstance(window, str) and window == "kbd") or (
        isinstance(window, tuple) and len(window) == 2 and window[0] == "kbd"
    ):
        alpha = 4.0 if isinstance(window, str) else float(window[1])
        kaiser = np.kaiser(n2 // 2 + 1, np.pi * alpha)
        csum = np.cumsum(kaiser)
        half = np.sqrt(csum[:-1] / csum[-1])
        return np.concatenate([half, half[::-1]])
    raise ValueError(
        f"window must be 'sine', 'vorbis', 'kbd', ('kbd', alpha) or a real array of length frame_length; "
        f"got {window!r}"
    )


def mdct_window(window, frame_length: int, *, like):
    r"""The MDCT window of length ``frame_length`` = 2N as an array of ``like``'s namespace, precision, device.

    * ``"sine"``: :math:`w_n = \sin\big(\pi (n + \tfrac12)/2N\big)`;
    * ``"vorbis"``: :math:`w_n = \sin\big(\tfrac{\pi}{2}\sin^2(\pi (n + \tfrac12)/2N)\big)`;
    * ``"kbd"`` or ``("kbd", alpha)`` (default :math:`\alpha = 4`): Kaiser-Bessel-derived,
      :math:`w_n = \sqrt{\sum_{j \le n} v_j / \sum_{j=0}^{N} v_j}` for :math:`n < N`, mirrored, with
      :math:`v` the Kaiser window of length :math:`N+1` and :math:`\beta = \pi\alpha` (=
      ``scipy.signal.windows.kaiser_bessel_derived(2N, pi * alpha)``);
    * an array of length 2N, real, of ``like``'s namespace and precision (returned as is).

    All named windows are symmetric and satisfy the Princen-Bradley condition
    :math:`w_n^2 + w_{n+N}^2 = 1`, which gives perfect reconstruction (:func:`imdct`).
    """
    xp = namespace(like)
    frame_length = _check_frame_length(frame_length)
    if hasattr(window, "shape") and hasattr(window, "dtype"):
        namespace(like, window)
        check_float_dtype(window, allow_complex=False, name="window")
        check_same_precision(like, window, names=["x", "window"])
        if tuple(window.shape) != (frame_length,):
            raise ValueError(f"window has shape {tuple(window.shape)}; expected ({frame_length},) = (frame_length,)")
        return window
    host = _window_host(window, frame_length)
    return xp.asarray(host.astype(dtype_name(real_dtype(like.dtype, xp))), device=device_of(like))


def _mdct_twiddles(n: int, like):
    """pre_m = exp(-i pi m / 2N), m < 2N; post_k = exp(-i pi (N+1)(2k+1) / 4N), k < N."""
    pre = cis(2 * np.arange(2 * n), 4 * n, like)
    post = cis((n + 1) * (2 * np.arange(n) + 1), 4 * n, like)
    return pre, post


def _mdct_kernel_real(z):
    r"""Per frame: :math:`X_k = \sum_{m<2N} z_m \cos[\tfrac{\pi}{N}(m + \tfrac12 + \tfrac N2)(k + \tfrac12)]`
    :math:`= \operatorname{Re}\big(\mathrm{post}_k\, \mathrm{FFT}_{2N}(\mathrm{pre} \cdot z)_k\big)`, k < N."""
    xp = namespace(z)
    n = z.shape[-1] // 2
    pre, post = _mdct_twiddles(n, z)
    return xp.real(post * xp.fft.fft(pre * to_complex(z))[..., :n])


def _mdct_kernel_transpose_real(x):
    r"""The transpose: :math:`z_m = \sum_{k<N} X_k \cos[\dots]
    = \operatorname{Re}\big(\mathrm{pre}_m\, \mathrm{FFT}_{2N}(\mathrm{post} \cdot X, \text{zero-padded})_m\big)`
    (the forward's steps in reverse; the DFT matrix is symmetric)."""
    xp = namespace(x)
    n = x.shape[-1]
    pre, post = _mdct_twiddles(n, x)
    return xp.real(pre * xp.fft.fft(post * to_complex(x), n=2 * n))


def _pad_ends(x, n: int):
    xp = namespace(x)
    zeros = xp.zeros((*x.shape[:-1], n), dtype=x.dtype, device=device_of(x))
    return xp.concat([zeros, x, zeros], axis=-1)


def _crop_ends(y, n: int):
    return y[..., n : y.shape[-1] - n]


def _frame(x, n: int):
    """(..., (F+1) N) -> (..., F, 2N): frame f holds samples fN .. fN + 2N - 1 (hop N)."""
    xp = namespace(x)
    blocks = xp.reshape(x, (*x.shape[:-1], x.shape[-1] // n, n))
    return xp.concat([blocks[..., :-1, :], blocks[..., 1:, :]], axis=-1)


def _overlap_add(g, n: int):
    """The adjoint of :func:`_frame`: every sample receives the entries of the frames that hold it."""
    xp = namespace(g)
    zeros = xp.zeros((*g.shape[:-2], 1, n), dtype=g.dtype, device=device_of(g))
    blocks = xp.concat([g[..., :n], zeros], axis=-2) + xp.concat([zeros, g[..., n:]], axis=-2)
    return xp.reshape(blocks, (*g.shape[:-2], blocks.shape[-2] * n))


def _core_steps(n: int, w, shape: tuple) -> list:
    """The MDCT recipe on ``shape = (..., L)`` (time axis last): pad the ends, frame, window, per-frame kernel.

    Each step is listed with its adjoint: crop the ends, overlap-add, the same (real, diagonal) window, the
    transposed kernel; the framing appends the frame axis, ``(..., L) -> (..., F, 2N)``.
    """
    *lead, length = shape
    frames = length // n + 1
    return [
        Step("pad_ends", partial(_pad_ends, n=n), partial(_crop_ends, n=n), (*lead, length + 2 * n)),
        Step("frame", partial(_frame, n=n), partial(_overlap_add, n=n), (*lead, frames, 2 * n)),
        Step("window", lambda z: z * w, lambda z: z * w, (*lead, frames, 2 * n)),
        Step("mdct_kernel", partial(on_parts, _mdct_kernel_real),
             partial(on_parts, _mdct_kernel_transpose_real), (*lead, frames, n)),
    ]


def _mdct_chain(shape, frame_length, window, axis, like) -> list:
    """``axis_chain`` around the MDCT recipe: move the time axis last, the recipe (no crop, no scale; the
    core appends the frame axis, so nothing moves back)."""
    frame_length = _check_frame_length(frame_length)
    n = frame_length // 2
    shape = tuple(shape)
    ax = normalize_axis(axis, len(shape))
    length = shape[ax]
    if length == 0 or length % n:
        raise ValueError(
            f"the MDCT input length along axis {axis} must be a positive multiple of the hop N = "
            f"frame_length / 2 = {n}; got {length} (zero-pad the signal to {max(n, -(-length // n) * n)})"
        )
    w = mdct_window(window, frame_length, like=like)
    return axis_chain(shape, ax, partial(_core_steps, n, w))


def mdct(x, *, frame_length, window="sine", axis=-1):
    r"""Modified discrete cosine transform with 50% overlap (textbook definition, not spectrans's).

    The time axis ``axis`` (length :math:`L = mN`, :math:`N` = ``frame_length / 2``) is moved last,
    zero-padded by :math:`N` samples at both ends, cut into :math:`F = m + 1` frames of :math:`2N` samples
    with hop :math:`N`, windowed, and each frame transformed:

    .. math::

        X_{f,k} = \sum_{n=0}^{2N-1} w_n\, x^{\mathrm{pad}}_{fN+n}
                  \cos\Big[\frac{\pi}{N}\Big(n + \frac12 + \frac N2\Big)\Big(k + \frac12\Big)\Big],
        \qquad k = 0, \dots, N-1.

    The padding makes every input sample lie in exactly two frames, so :func:`imdct` reconstructs all of
    ``x`` (time-domain aliasing cancellation) when :math:`w_n^2 + w_{n+N}^2 = 1` and :math:`w` is
    symmetric. Each frame costs one complex FFT of length :math:`2N`. No scale factor: the coefficients are
    the textbook sums, and :math:`\sqrt{2/N}\,\mathrm{mdct}` is an isometry for such windows.

    Parameters
    ----------
    x : array, real or complex (complex: real and imaginary parts separately, C-linear)
    frame_length : int
        :math:`2N`, even.
    window : {"sine", "vorbis", "kbd"}, ("kbd", alpha) or array of length 2N
        See :func:`mdct_window`.
    axis : int
        The time axis of ``x``.

    Returns
    -------
    array, shape ``x.shape`` without ``axis``, then ``(F, N)``: frames, then coefficients.

    Raises
    ------
    ValueError
        Odd or < 2 ``frame_length``; an input length that is not a positive multiple of :math:`N`; a bad
        window or axis.
    TypeError
        Integer or bool input, or a window of another precision.
    """
    return run_forward(_mdct_chain(x.shape, frame_length, window, axis, x), x)


def mdct_adjoint(y, *, input_shape, frame_length, window="sine", axis=-1):
    r"""Adjoint of :func:`mdct`: per frame the transposed kernel, then the window, overlap-add (the adjoint
    of framing), crop the padding, move the time axis back. Equals :math:`N/2` times :func:`imdct`.

    .. math:: x_t = \sum_{f} w_{t + N - fN} \sum_{k} X_{f,k} \cos\Big[\frac{\pi}{N}\Big(t + N - fN +
              \frac12 + \frac N2\Big)\Big(k + \frac12\Big)\Big]
    """
    shape = check_input_shape(input_shape)
    check_float_dtype(y, name="y")  # before mdct_window compares the window's precision with y's
    return run_adjoint(_mdct_chain(shape, frame_length, window, axis, y), y, "mdct_adjoint", shape)


def _imdct_output_shape(coeff_shape: tuple, frame_length: int, axis) -> tuple:
    n = _check_frame_length(frame_length) // 2
    if len(coeff_shape) < 2:
        raise ValueError(f"imdct needs an array of shape (..., frames, N); got shape {coeff_shape}")
    frames, got = coeff_shape[-2], coeff_shape[-1]
    if got != n:
        raise ValueError(f"imdct: the last axis holds {got} coefficients, but frame_length {frame_length} "
                         f"gives N = {n}")
    if frames < 2:
        raise ValueError(f"imdct needs at least 2 frames (an input of length L = (F - 1) N >= N); got F = {frames}")
    lead = tuple(coeff_shape[:-2])
    ax = normalize_axis(axis, len(lead) + 1)
    return lead[:ax] + ((frames - 1) * n,) + lead[ax:]


def imdct(x, *, frame_length, window="sine", axis=-1):
    r"""Inverse MDCT by windowed overlap-add: :math:`\frac2N` times :func:`mdct_adjoint`.

    .. math:: x_t = \frac2N \sum_{f} w_{t + N - fN} \sum_{k=0}^{N-1} X_{f,k}
              \cos\Big[\frac{\pi}{N}\Big(t + N - fN + \frac12 + \frac N2\Big)\Big(k + \frac12\Big)\Big]

    ``imdct(mdct(x)) == x`` (to rounding) for every symmetric window with :math:`w_n^2 + w_{n+N}^2 = 1`
    (Princen-Bradley): inside each frame the inverse returns the windowed frame plus a time-reversed alias,
    and the aliases of two overlapping frames cancel (TDAC), while the two windowed copies add up to
    :math:`\frac12(w_n^2 + w_{n+N}^2)\,x = \frac12 x`, whence the factor :math:`2/N` (not the :math:`1/N` of a
    rectangular window). Since ``mdct_adjoint = (N/2) imdct``, :math:`\sqrt{2/N}\,\mathrm{mdct}` is then an
    isometry (a tight frame).

    Parameters
    ----------
    x : array, shape (..., F, N)
        MDCT coefficients, F >= 2 frames.
    frame_length, window
        As :func:`mdct`.
    axis : int
        Where the time axis of length :math:`(F - 1) N` goes in the output.
    """
    check_float_dtype(x)
    out_shape = _imdct_output_shape(tuple(x.shape), frame_length, axis)
    n = int(frame_length) // 2
    return scale(mdct_adjoint(x, input_shape=out_shape, frame_length=frame_length, window=window, axis=axis),
                 2.0 / n)


def imdct_adjoint(y, *, input_shape, frame_length, window="sine", axis=-1):
    r"""Adjoint of :func:`imdct`: :math:`\frac2N` times :func:`mdct` (``imdct`` is :math:`\frac2N` mdct^T)."""
    shape = check_input_shape(input_shape)
    check_float_dtype(y, name="y")
    check_cotangent_shape(y, _imdct_output_shape(shape, frame_length, axis), "imdct_adjoint", shape)
    n = int(frame_length) // 2
    return scale(mdct(y, frame_length=frame_length, window=window, axis=axis), 2.0 / n)


# ----------------------------------------------------------------------------------------------------------
# independent dense references (host, float64, angles reduced exactly) and verification cases


def _mdct_reference(x, *, frame_length, window="sine", axis=-1):
    """Dense MDCT on the host: the definition summed directly, angles from exact integers mod 8N."""
    x = np.moveaxis(np.asarray(x), axis, -1)
    n = frame_length // 2
    w = _window_host(window, frame_length) if isinstance(window, (str, tuple)) else np.asarray(window, float)
    m, k = np.arange(2 * n), np.arange(n)
    r = np.mod(np.outer(2 * k + 1, 2 * m + 1 + n), 8 * n)  # pi/N (m + 1/2 + N/2)(k + 1/2) = pi r / 4N
    kernel = np.cos(np.pi * r / (4 * n)) * w
    padded = np.concatenate([np.zeros((*x.shape[:-1], n)), x, np.zeros((*x.shape[:-1], n))], axis=-1)
    frames = x.shape[-1] // n + 1
    return np.stack([padded[..., f * n : f * n + 2 * n] @ kernel.T for f in range(frames)], axis=-2)


def _imdct_reference(y, *, frame_length, window="sine", axis=-1):
    """Dense windowed overlap-add IMDCT on the host (2/N scaling), angles from exact integers mod 8N."""
    y = np.asarray(y)
    n = frame_length // 2
    w = _window_host(window, frame_length) if isinstance(window, (str, tuple)) else np.asarray(window, float)
    m, k = np.arange(2 * n), np.arange(n)
    r = np.mod(np.outer(2 * k + 1, 2 * m + 1 + n), 8 * n)
    kernel = np.cos(np.pi * r / (4 * n)) * w
    frames = y.shape[-2]
    out = np.zeros((*y.shape[:-2], (frames + 1) * n), dtype=np.result_type(y.dtype, np.float64))
    for f in range(frames):
        out[..., f * n : f * n + 2 * n] += y[..., f, :] @ kernel * (2.0 / n)
    return np.moveaxis(out[..., n:-n], -1, axis)


def _make_coefficients(rng, xp, dtype, *, frames, frame_length, batch=(), **kwargs):
    shape = (*batch, frames, frame_length // 2)
    return random_input(rng, xp, dtype, shape=shape, frame_length=frame_length, **kwargs)


_MDCT_GRID = (
    {"shape": (8,), "frame_length": 4, "window": "sine"},
    {"shape": (9, 2), "frame_length": 6, "window": "kbd", "axis": 0},
    {"shape": (2, 6), "frame_length": 4, "window": "vorbis", "complex_input": True},
)
_MDCT_FULL_GRID = _MDCT_GRID + (
    {"shape": (2,), "frame_length": 2, "window": "sine"},
    {"shape": (30,), "frame_length": 10, "window": ("kbd", 6.0)},
    {"shape": (3, 64), "frame_length": 32, "window": "kbd"},
    {"shape": (15,), "frame_length": 6, "window": "sine"},
)
_IMDCT_GRID = (
    {"frames": 3, "frame_length": 4, "window": "sine"},
    {"frames": 4, "frame_length": 6, "window": "kbd", "batch": (2,), "axis": 0},
    {"frames": 2, "frame_length": 2, "window": "vorbis", "complex_input": True},
)
_IMDCT_FULL_GRID = _IMDCT_GRID + (
    {"frames": 5, "frame_length": 10, "window": ("kbd", 6.0)},
    {"frames": 3, "frame_length": 32, "window": "kbd", "batch": (3,)},
)


def _mdct_scale(p) -> float:
    # One FFT of length 2N per frame between twiddles: ||delta X|| <= ||delta V||, sum_f ||V_f||^2 = 2N ||x||^2
    # (each sample in two frames, w_n^2 + w_{n+N}^2 = 1) and ||X||^2 = (N/2) ||x||^2 (tight frame): gain 2;
    # as _dct_error_scale, + 2 for the window product.
    return 2.0 * (fft_error_scale(p["frame_length"]) + 4.0) + 2.0


CASES = [
    Case(
        name="mdct",
        forward=mdct,
        adjoint=mdct_adjoint,
        make=random_input,
        complex_linear=True,
        grid=_MDCT_GRID,
        full_grid=_MDCT_FULL_GRID,
        error_scale=_mdct_scale,
        error_reason="one FFT of length 2N per frame between twiddles, gain 2: 2 (fft_error_scale(2N) + 4) + 2",
        reference=_mdct_reference,
    ),
    Case(
        name="imdct",
        forward=imdct,
        adjoint=imdct_adjoint,
        make=_make_coefficients,
        complex_linear=True,
        grid=_IMDCT_GRID,
        full_grid=_IMDCT_FULL_GRID,
        error_scale=_mdct_scale,
        error_reason="one FFT of length 2N per frame between twiddles, gain 2: 2 (fft_error_scale(2N) + 4) + 2",
        reference=_imdct_reference,
    ),
]
