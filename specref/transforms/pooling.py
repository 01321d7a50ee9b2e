r"""Spectral pooling: resize a signal by truncating or zero-padding its centred spectrum, with adjoints.

For :math:`x \in \mathbb{C}^n` and a new length :math:`m`, with :math:`X = F_n x` the unnormalized DFT,

.. math:: \operatorname{pool}(x) = s\; F_m^H\, T_{n \to m}\, F_n\, x,

where :math:`T_{n\to m}` keeps the frequencies :math:`|k| \le p/2`, :math:`p = \min(n, m)`, each at its
signed position in FFT order, and :math:`s` is the ``norm`` factor. Only the **Nyquist bin** of an even
:math:`p` needs a rule, and the rule is scipy.signal.resample's:

* truncation (:math:`m < n`, :math:`m` even): the two bins :math:`\pm m/2` of the long spectrum land on the
  one Nyquist bin of the short one and are **summed**, :math:`Y_{m/2} = X_{m/2} + X_{-m/2}`;
* zero-padding (:math:`m > n`, :math:`n` even): the Nyquist bin of the short spectrum is **split in halves**,
  :math:`Y_{\pm n/2} = X_{n/2}/2`;
* odd :math:`p`: no Nyquist bin; :math:`T` is a 0/1 partial permutation.

Why this rule: with ``norm="forward"`` the output is the band-limited trigonometric interpolant of ``x``
(cut at :math:`|k| \le p/2`) *sampled on the new grid* (summing the pair is what sampling
:math:`e^{\pm i\pi m t}` on ``m`` points does; halving is the real, symmetric interpolant of an even-length
signal). Hence a constant stays constant, real input gives real output, ``pool(conj x) = conj(pool x)``,
truncation after zero-padding is the identity, and the result equals ``scipy.signal.resample`` for real and
complex input.

``norm`` names the scaling of the FFT pair as NumPy does: ``"forward"`` (default) :math:`s = 1/n` (values
preserved: a constant stays constant), ``"ortho"`` :math:`s = 1/\sqrt{nm}` (:math:`F/\sqrt n` unitary: the
norm of a band-limited signal with odd :math:`p` is preserved), ``"backward"`` :math:`s = 1/m`
(``ifft(T fft(x))``).

**Adjoint.** :math:`\operatorname{pool}^* = s\, F_n^H\, T_{n\to m}^*\, F_m`, and :math:`T^*` is the pooling
back with a weight on the Nyquist bin of the short (length :math:`p`) spectrum:
:math:`T_{n\to m}^* = T_{m\to n} \circ \operatorname{diag}(2 \text{ at } p/2)` for truncation (the adjoint
of a sum duplicates), :math:`T_{n\to m}^* = \operatorname{diag}(\tfrac12 \text{ at } p/2) \circ T_{m\to n}`
for zero-padding (the adjoint of splitting in halves averages). Real input: the output is the real part (an
R-linear map; the imaginary part is rounding noise, since :math:`T` keeps Hermitian symmetry), and the
adjoint in :math:`\operatorname{Re}\langle u, v\rangle` is the real part of the complex adjoint.

Implementation: the one chain builder :func:`~specref.transforms.structural.axis_chain` with the pooling
core ``to complex -> FFT -> resize spectrum -> unnormalized inverse FFT -> scale -> real part``, so the chain
is ``move axis last -> core -> move back`` and the adjoint is the chain reversed. The two DFTs are the Fourier
core :func:`~specref.transforms.fourier_core.c2c` (:math:`F`, and :math:`F^H` with ``inverse=True``) and its
adjoint. The scale is the core's own step, before the real part (the order this module has always used),
so the builder's ``factor`` stays 1. 2-D pooling is 1-D pooling along each of two axes (the DFT and
:math:`T` are separable), chained by :func:`~specref.transforms.structural.chain_along_axes`. ``norm`` is
checked by :func:`specref._args.check_norm`: ``None`` means ``"backward"``, as everywhere in specref (the
default stays ``"forward"``). Cost :math:`O((n + m)\log(n + m))` per line.

**Mean pooling** (:func:`mean_pool`) averages along one axis, :math:`y = \tfrac1n \sum_j x_j` (the gate input
of spectrans's ``AdaptiveBlock``, the ``"mean"`` pooling of its heads). Its adjoint spreads each output
evenly over the pooled axis, :math:`\bar x_j = \bar y / n`.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from specref._args import (
    NORMS,
    check_cotangent_shape,
    check_input_shape,
    check_length,
    check_norm,
    check_sizes,
    normalize_axes,
    normalize_axis,
)
from specref.backend import device_of, dtype_name, is_complex, namespace, real_dtype
from specref.testing.case import Case
from specref.testing.inputs import random_input
from specref.testing.tolerances import fft_error_scale
from specref.transforms._shared import run_adjoint, run_forward
from specref.transforms.fourier_core import c2c, c2c_adjoint
from specref.transforms.structural import (
    Step,
    axis_chain,
    chain_along_axes,
    scale,
    scale_adjoint,
    step,
    to_complex,
    to_complex_adjoint,
)

__all__ = [
    "mean_pool",
    "mean_pool_adjoint",
    "resize_spectrum",
    "resize_spectrum_adjoint",
    "spectral_pool",
    "spectral_pool_adjoint",
    "spectral_pool2d",
    "spectral_pool2d_adjoint",
]

# ----------------------------------------------------------------------------------------------------------
# the spectral step and its adjoint (last axis, FFT order)


def _scale_entry(x, index: int, factor: float):
    """Multiply ``x[..., index]`` by ``factor`` (a real diagonal: self-adjoint)."""
    xp = namespace(x)
    w = np.ones(x.shape[-1])
    w[index] = factor
    return x * xp.asarray(w.astype(dtype_name(real_dtype(x.dtype, xp))), device=device_of(x))


def resize_spectrum(x, m: int):
    r"""The spectral step :math:`T_{n \to m}`: keep frequencies :math:`|k| \le p/2`, :math:`p = \min(n, m)`.

    ``x`` is a spectrum in FFT order along the last axis (length :math:`n`); the result has length
    :math:`m`. With :math:`h = \lfloor (p-1)/2 \rfloor` the bins :math:`0..h` and :math:`-h..-1` are copied to
    the same signed frequencies; for even :math:`p` the Nyquist rule of the module docstring applies (sum
    :math:`\pm m/2` when truncating, split :math:`n/2` in halves when zero-padding).
    """
    xp = namespace(x)
    n = x.shape[-1]
    if m == n:
        return x
    p = min(m, n)
    h = (p - 1) // 2
    low, high = x[..., : h + 1], x[..., n - h :]

    def zeros(k):
        return xp.zeros((*x.shape[:-1], k), dtype=x.dtype, device=device_of(x))

    if p % 2:
        return xp.concat([low, zeros(m - p), high], axis=-1)
    q = p // 2
    if m < n:  # the bins +q and -q of the long spectrum alias onto the one Nyquist bin of length m
        nyquist = x[..., q : q + 1] + x[..., n - q : n - q + 1]
        return xp.concat([low, nyquist, high], axis=-1)
    half = x[..., q : q + 1] * 0.5  # split the Nyquist bin of length n between +q and -q
    return xp.concat([low, half, zeros(m - p - 1), half, high], axis=-1)


def resize_spectrum_adjoint(y, *, input_shape, m: int | None = None):
    r"""Adjoint of :func:`resize_spectrum`: :math:`T_{n\to m}^*`, ``n = input_shape[-1]``, ``m = y.shape[-1]``.

    ``m``, the forward's keyword, is optional here (``y`` carries it); when given, ``y`` must have ``m``
    entries along its last axis.

    .. math::

        T_{n\to m}^* = \begin{cases}
            T_{m \to n} & p \text{ odd (a partial permutation)} \\
            T_{m \to n} \circ \operatorname{diag}(2 \text{ at } p/2) & m < n \text{ (sum}^* = \text{duplicate)} \\
            \operatorname{diag}(\tfrac12 \text{ at } p/2) \circ T_{m \to n} & m > n
                \text{ (split}^* = \text{average)}
        \end{cases}
    """
    input_shape = check_input_shape(input_shape)
    if m is not None:
        check_cotangent_shape(y, (*input_shape[:-1], check_length(m, name="m")), "resize_spectrum_adjoint",
                              input_shape)
    n, m = input_shape[-1], y.shape[-1]
    if m == n:
        return y
    p = min(m, n)
    if p % 2:
        return resize_spectrum(y, n)
    if m < n:
        return resize_spectrum(_scale_entry(y, p // 2, 2.0), n)
    return _scale_entry(resize_spectrum(y, n), p // 2, 0.5)


# ----------------------------------------------------------------------------------------------------------
# the recipe: structural.axis_chain with the pooling core


def _norm_factor(norm: str, n: int, m: int) -> float:
    return {"forward": 1.0 / n, "backward": 1.0 / m, "ortho": 1.0 / math.sqrt(n * m)}[norm]


def _pool_core(shape: tuple, *, m: int, factor: float, real: bool) -> list:
    r"""The core's steps for an input of ``shape`` (the pooled axis last, length n), output length ``m``.

    [to complex] -> :math:`F_n` -> :math:`T_{n \to m}` -> :math:`F_m^H` -> scale by :math:`s` -> [real part],
    the two DFTs being the Fourier core :func:`~specref.transforms.fourier_core.c2c` and its adjoint. The
    scale sits inside the core, before the real part (``axis_chain`` would scale after the core), so the
    products are those of the complex intermediate.
    """
    out = (*shape[:-1], m)
    steps = [step(to_complex, to_complex_adjoint, shape, shape)] if real else []
    steps += [
        step(c2c, c2c_adjoint, shape, shape, inverse=False),
        step(resize_spectrum, resize_spectrum_adjoint, shape, out, m=m),
        step(c2c, c2c_adjoint, out, out, inverse=True),
        step(scale, scale_adjoint, out, out, factor=factor),
    ]
    if real:  # Re is the adjoint of the embedding of R in C, and the embedding is the adjoint of Re
        steps.append(Step("real_part", partial(to_complex_adjoint, input_shape=out), to_complex, out))
    return steps


def _pool_chain(shape, size, axis, norm, real: bool) -> list:
    shape = tuple(shape)
    norm = check_norm(norm)
    ax = normalize_axis(axis, len(shape))
    m = check_length(size, name="size")
    n = check_length(shape[ax], name="input length along axis")
    core = partial(_pool_core, m=m, factor=_norm_factor(norm, n, m), real=real)
    return axis_chain(shape, ax, core)  # factor 1: the norm's scale is the core's own step


def _pool2d_chain(shape, size, axes, norm, real: bool) -> list:
    size = check_sizes(size, 2)
    axes = normalize_axes(axes, len(shape), count=2)
    sizes = dict(zip(axes, size, strict=True))
    return chain_along_axes(shape, axes, lambda sh, ax: _pool_chain(sh, sizes[ax], ax, norm, real))


# ----------------------------------------------------------------------------------------------------------
# public


def spectral_pool(x, *, size, axis=-1, norm="forward"):
    r"""Resize ``x`` along ``axis`` to length ``size`` by truncating or zero-padding its centred spectrum.

    .. math:: y = s\, F_m^H\, T_{n \to m}\, F_n\, x, \qquad s = \tfrac1n,\ \tfrac1{\sqrt{nm}},\ \tfrac1m
              \text{ for norm} = \text{"forward", "ortho", "backward"}

    (:math:`T` and the Nyquist rule: module docstring). With the default ``norm="forward"`` this equals
    ``scipy.signal.resample(x, size, axis=axis)``: a constant stays constant.

    Parameters
    ----------
    x : array, float32/float64/complex64/complex128
        Real input gives real output (the real part of the complex result, which is real up to rounding).
    size : int
        The new length ``m >= 1`` (smaller: low-pass and subsample; larger: trigonometric interpolation).
    axis : int
    norm : {"forward", "ortho", "backward"} or None
        The scaling :math:`s` (default ``"forward"``: values preserved). ``None`` means ``"backward"``, as
        for every ``norm`` in specref (:func:`specref._args.check_norm`), not this function's default.

    Returns
    -------
    array of the dtype of ``x`` with length ``size`` along ``axis``.

    Raises
    ------
    ValueError
        ``size < 1``, an empty axis, a bad ``norm`` or ``axis``.
    TypeError
        Integer or bool input, or a non-integer ``size``.
    """
    return run_forward(_pool_chain(x.shape, size, axis, norm, not is_complex(x)), x)


def spectral_pool_adjoint(y, *, input_shape, size, axis=-1, norm="forward"):
    r"""Adjoint of :func:`spectral_pool`: :math:`x = s\, F_n^H\, T_{n\to m}^*\, F_m\, y` (real part for real
    input). For odd :math:`\min(n, m)` and ``norm="ortho"`` it is the pooling back to length :math:`n`."""
    shape = check_input_shape(input_shape)
    real = not is_complex(y)
    return run_adjoint(_pool_chain(shape, size, axis, norm, real), y, "spectral_pool_adjoint", shape)


def spectral_pool2d(x, *, size, axes=(-2, -1), norm="forward"):
    r"""2-D spectral pooling: :func:`spectral_pool` along ``axes[0]`` to ``size[0]``, then along ``axes[1]``
    to ``size[1]``; :math:`Y = s_1 s_2\, F_{h}^H F_{w}^H (T \otimes T) F_{H} F_{W} X` (separable, so the order
    does not matter). Rippel et al.'s spectral pooling of an image is ``spectral_pool2d(x, size=(h, w))``.

    Parameters
    ----------
    x : array, at least 2-D
    size : (int, int)
    axes : (int, int)
    norm : {"forward", "ortho", "backward"} or None
        As :func:`spectral_pool` (``None`` means ``"backward"``).
    """
    return run_forward(_pool2d_chain(x.shape, size, axes, norm, not is_complex(x)), x)


def spectral_pool2d_adjoint(y, *, input_shape, size, axes=(-2, -1), norm="forward"):
    """Adjoint of :func:`spectral_pool2d`: the two 1-D adjoints in reverse order."""
    shape = check_input_shape(input_shape)
    real = not is_complex(y)
    return run_adjoint(_pool2d_chain(shape, size, axes, norm, real), y, "spectral_pool2d_adjoint", shape)


# ----------------------------------------------------------------------------------------------------------
# mean pooling


def mean_pool(x, *, axis: int = -2):
    r"""The mean along ``axis``, :math:`y = \tfrac1n \sum_{j<n} x_j` (the axis removed).

    Parameters
    ----------
    x : array, real or complex, at least 1-D, with ``x.shape[axis] >= 1``
    axis : int
        The pooled axis (default -2, the sequence axis of (..., N, D)).

    Raises
    ------
    ValueError
        For an axis out of range or an empty one (the mean of nothing is undefined).
    """
    xp = namespace(x)
    ax = normalize_axis(axis, x.ndim)
    check_length(x.shape[ax], name=f"x.shape[{axis}]")
    return xp.mean(x, axis=ax)


def mean_pool_adjoint(y, *, input_shape, axis: int = -2):
    r"""Adjoint of :func:`mean_pool`: :math:`\bar x_j = \bar y / n` for every j along ``axis``."""
    shape = check_input_shape(input_shape)
    ax = normalize_axis(axis, len(shape))
    expected = shape[:ax] + shape[ax + 1:]
    check_cotangent_shape(y, expected, "mean_pool_adjoint", shape)
    xp = namespace(y)
    n = shape[ax]
    return xp.broadcast_to(xp.expand_dims(y / n, axis=ax), shape)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _resample_reference(x, *, size, axis=-1, norm="forward"):
    """scipy.signal.resample (float64/complex128) rescaled from "forward" to ``norm``."""
    import scipy.signal

    x = np.asarray(x)
    x = x.astype(np.complex128 if np.iscomplexobj(x) else np.float64)
    n = x.shape[axis]
    factor = {"forward": 1.0, "backward": n / size, "ortho": math.sqrt(n / size)}[norm]
    return scipy.signal.resample(x, size, axis=axis) * factor


def _resample2d_reference(x, *, size, axes=(-2, -1), norm="forward"):
    y = _resample_reference(x, size=size[0], axis=axes[0], norm=norm)
    return _resample_reference(y, size=size[1], axis=axes[1], norm=norm)


def _pool_scale(p) -> float:
    # Per pooled axis an FFT of length n and one of length m, then the scale and the Nyquist sum:
    # sum of fft_error_scale(n) + fft_error_scale(m), + 2 (docs/transforms/pooling.md). Batch axes add nothing.
    two_d = isinstance(p["size"], tuple)
    sizes = p["size"] if two_d else (p["size"],)
    axes = p.get("axes", (-2, -1)) if two_d else (p.get("axis", -1),)
    lengths = [p["shape"][a] for a in axes]
    return sum(fft_error_scale(s) for s in sizes) + sum(fft_error_scale(n) for n in lengths) + 2.0


_GRID = (
    {"shape": (8,), "size": 4},  # even -> even: the Nyquist pair is summed
    {"shape": (6,), "size": 9, "norm": "ortho"},  # even -> odd: the Nyquist bin is split
    {"shape": (7,), "size": 3, "norm": "backward", "complex_input": True},
    {"shape": (5, 3), "size": 2, "axis": 0, "complex_input": True},
)
_FULL_GRID = _GRID + tuple(
    {"shape": (n,), "size": m, "norm": norm}
    for n, m in ((1, 4), (4, 1), (2, 3), (3, 2), (6, 6), (9, 4), (4, 10), (5, 8), (10, 5))
    for norm in NORMS
) + (
    {"shape": (4, 6, 2), "size": 3, "axis": 1, "complex_input": True},
    {"shape": (8, 2), "size": 12, "axis": -2},
)
_GRID_2D = (
    {"shape": (6, 5), "size": (4, 3)},
    {"shape": (4, 4), "size": (6, 2), "norm": "ortho", "complex_input": True},  # split, then sum
)
_FULL_GRID_2D = _GRID_2D + (
    {"shape": (5, 2, 6), "size": (2, 3), "axes": (0, 2), "norm": "backward"},
    {"shape": (4, 3), "size": (4, 3)},
    {"shape": (3, 8), "size": (6, 4), "axes": (1, 0), "complex_input": True},
    {"shape": (2, 4, 4), "size": (5, 6), "norm": "ortho", "complex_input": True},
)

CASES = [
    Case(
        name="mean_pool",
        forward=mean_pool,
        adjoint=mean_pool_adjoint,
        make=random_input,
        complex_linear=True,
        grid=({"shape": (2, 5, 3)}, {"shape": (4, 1), "axis": 0, "complex_input": True},
              {"shape": (3, 7), "axis": -1}),
        error_scale=lambda p: 2.0 + math.log2(p["shape"][p.get("axis", -2)]),
        error_reason="a pairwise sum of n terms (log2 n + 1) and one division (1)",
        reference=lambda x, axis=-2: np.mean(np.asarray(x), axis=axis),
    ),
    Case(
        name="spectral_pool",
        forward=spectral_pool,
        adjoint=spectral_pool_adjoint,
        make=random_input,
        complex_linear=True,
        grid=_GRID,
        full_grid=_FULL_GRID,
        error_scale=_pool_scale,
        error_reason="two FFTs (lengths n and m), one Nyquist sum, one scaling: fft_error_scale(n) + (m) + 2",
        reference=_resample_reference,
    ),
    Case(
        name="spectral_pool2d",
        forward=spectral_pool2d,
        adjoint=spectral_pool2d_adjoint,
        make=random_input,
        complex_linear=True,
        grid=_GRID_2D,
        full_grid=_FULL_GRID_2D,
        error_scale=_pool_scale,
        error_reason="two FFT pairs (one per axis), Nyquist sums, scalings: sum of fft_error_scale + 2",
        reference=_resample2d_reference,
    ),
]
