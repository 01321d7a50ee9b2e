r"""Linear interpolation as linear operators with exact adjoints: PyTorch's ``linear``/``bilinear`` and a
periodic variant for frequency axes.

Each operator resamples ``x`` along an axis from :math:`n` to :math:`m` points with a matrix
:math:`W \in \mathbb{R}^{m \times n}` that has at most two non-zero entries per row:

.. math:: y_j = (1 - \lambda_j)\, x_{i_0(j)} + \lambda_j\, x_{i_1(j)}, \qquad j = 0, \dots, m - 1,

so :math:`y = W x` and the adjoint is :math:`x = W^T y` (real weights: the map is C-linear and the adjoint
is the transpose, for real and complex arrays alike). Only the *source coordinate* :math:`s_j`, with
:math:`i_0 = \lfloor s_j \rfloor` and :math:`\lambda_j = s_j - i_0`, differs between the variants:

| operator | source coordinate :math:`s_j` | right tap :math:`i_1` |
| --- | --- | --- |
| ``interpolate_linear``, corners off | :math:`\max((j+\frac12)\frac nm - \frac12, 0)` | :math:`\min(i_0 + 1, n - 1)` |
| ``interpolate_linear``, corners on | :math:`j\frac{n-1}{m-1}` (0 if :math:`m = 1`) | :math:`\min(i_0 + 1, n - 1)` |
| ``interpolate_periodic`` | :math:`j\frac nm` | :math:`(i_0 + 1) \bmod n` |

("corners" is ``align_corners``.) The first two are PyTorch's
``torch.nn.functional.interpolate(mode="linear" | "bilinear")`` (the source-index formula of ATen's
``area_pixel_compute_source_index``); :func:`interpolate_bilinear` applies the 1-D operator along
two axes (:math:`Y = W_h X W_w^T`, which is torch's four-corner bilinear formula factored). The periodic one
treats the axis as a circle (samples at :math:`i/n`, outputs at :math:`j/m`), which is what an FFT's
frequency axis is: see :mod:`specref.layers.mixing.global_filter`, option ``filter_interpolation="frequency"``.

**Exact weights.** :math:`s_j` is a ratio of integers (e.g. :math:`((2j + 1) n - m) / (2m)`), so
:math:`i_0` and the remainder are computed in integer arithmetic and :math:`\lambda_j` and
:math:`1 - \lambda_j` are each rounded once. PyTorch forms :math:`s_j` in floating point instead (the scale
:math:`n/m` is rounded first; a float32 input uses float32 throughout) and floors it with ``floorf`` even
for float64 input, so its float64 weights agree with these to about :math:`n \cdot 2^{-53}` except where the
float32 floor moves :math:`i_0` by one (validation/findings/torch_interpolate_linear_floorf.md). Where both
taps read the same sample (the right edge, :math:`i_0 = n - 1`), the weights merge into one weight 1, so
that edge copies :math:`x_{n-1}` exactly.

**Implementation.** A table of source indices and weights of shape ``(m, 2)`` is built on the host (NumPy,
from the sizes alone); the forward gathers ``x`` along the last axis with ``xp.take`` and sums the two
weighted columns. The adjoint uses the transposed table: for each input :math:`i`, the outputs :math:`j`
that read it, padded with zero weights to the widest column (at most :math:`2\lfloor m/n \rfloor + 3`
entries: an input is the left tap of the outputs whose source lies in :math:`[i, i+1)` and the right tap of
those in :math:`(i-1, i)`, at most :math:`\lfloor m/n\rfloor + 1` each, plus one clamped run at an edge),
so it is again a gather and a short sum, without scatter-add (which the array API lacks). Cost
:math:`O(m + n)` per line.

**Structure** (docs/design.md, *Adding a transform*): the core :math:`W` (last axis, :math:`n \to m`) and its
transpose :math:`W^T` are one :func:`structural.step <specref.transforms.structural.step>`, and
:func:`structural.axis_chain <specref.transforms.structural.axis_chain>` moves the axis last and back around it
(no crop, no scale); :func:`interpolate_bilinear` chains two axes with ``structural.chain_along_axes``.
``align_corners`` is a flag (True or False; a string such as ``"no"`` is refused,
:func:`specref._args.check_flag`). """

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from specref._args import (
    check_allocation,
    check_choice,
    check_cotangent_shape,
    check_flag,
    check_input_shape,
    check_length,
    check_sizes,
    normalize_axes,
    normalize_axis,
)
from specref.backend import device_of, dtype_name, namespace, real_dtype
from specref.testing.case import Case
from specref.testing.inputs import random_input
from specref.testing.tolerances import Bound
from specref.transforms._shared import run_adjoint, run_forward
from specref.transforms.structural import axis_chain, chain_along_axes, step

__all__ = [
    "linear_taps",
    "periodic_taps",
    "interpolation_matrix",
    "interpolate_linear",
    "interpolate_linear_adjoint",
    "interpolate_bilinear",
    "interpolate_bilinear_adjoint",
    "interpolate_periodic",
    "interpolate_periodic_adjoint",
]


# ----------------------------------------------------------------------------------------------------------
# the tap tables (host NumPy, exact integer arithmetic)


def _taps_from_ratio(num: np.ndarray, den: int, n: int, *, periodic: bool):
    """Taps of s_j = num_j / den (num_j >= 0 integers): i0 = num // den, lambda = (num mod den) / den.

    The right taps are i0 + 1 (clamped to n - 1) or (i0 + 1) mod n; where both taps name the same sample the
    weights merge into (1, 0). Each weight is a ratio of integers below 2**53, rounded once.
    """
    i0 = num // den
    rem = num - i0 * den
    if periodic:
        i1 = (i0 + 1) % n
    else:
        at_edge = i0 >= n - 1
        i0 = np.minimum(i0, n - 1)
        i1 = np.minimum(i0 + 1, n - 1)
        rem = np.where(at_edge, 0, rem)
    same = i1 == i0
    rem = np.where(same, 0, rem)
    w1 = rem / den
    w0 = (den - rem) / den
    return _frozen(np.stack([i0, i1], axis=1).astype(np.int64)), _frozen(np.stack([w0, w1], axis=1))


def _frozen(a: np.ndarray) -> np.ndarray:
    """Mark a cached table read-only, so no caller can change what later calls receive."""
    a.flags.writeable = False
    return a


@lru_cache(maxsize=256)
def linear_taps(n: int, m: int, align_corners: bool = False) -> tuple[np.ndarray, np.ndarray]:
    r"""Source indices and weights of PyTorch's 1-D linear interpolation from ``n`` to ``m`` points.

    Returns ``(index, weight)``, host arrays of shape ``(m, 2)`` (int64, float64), with
    :math:`y_j = \sum_t w_{jt}\, x_{\mathrm{index}_{jt}}`.

    .. math::

        s_j = \begin{cases}
          \max\!\big(\frac{(2j + 1)\, n - m}{2m},\ 0\big) & \text{align\_corners=False} \\
          \frac{j (n - 1)}{m - 1} \ (0 \text{ if } m = 1) & \text{align\_corners=True}
        \end{cases},
        \qquad i_0 = \min(\lfloor s_j \rfloor, n - 1), \quad i_1 = \min(i_0 + 1, n - 1), \quad
        \lambda_j = s_j - \lfloor s_j \rfloor

    (with :math:`\lambda_j = 0` where :math:`i_1 = i_0`). The first line is
    :math:`(j + \frac12)\frac nm - \frac12` clamped at 0, ATen's half-pixel source index. The result is
    cached and must not be modified.
    """
    n, m = check_length(n, name="n"), check_length(m, name="m")
    j = np.arange(m, dtype=np.int64)
    if check_flag(align_corners, "align_corners"):
        if m == 1:
            return _taps_from_ratio(np.zeros(1, np.int64), 1, n, periodic=False)
        return _taps_from_ratio(j * (n - 1), m - 1, n, periodic=False)
    num = np.maximum((2 * j + 1) * n - m, 0)  # 2m s_j, clamped at s_j = 0
    return _taps_from_ratio(num, 2 * m, n, periodic=False)


@lru_cache(maxsize=256)
def periodic_taps(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Source indices and weights of linear interpolation on a circle of ``n`` samples to ``m`` points.

    Sample :math:`i` sits at :math:`i/n`, output :math:`j` at :math:`j/m` (both on :math:`[0, 1)` with 1
    identified with 0), so :math:`s_j = jn/m`, :math:`i_0 = \lfloor s_j \rfloor`,
    :math:`i_1 = (i_0 + 1) \bmod n`, :math:`\lambda_j = s_j - i_0`. Every output whose position coincides
    with a sample copies it exactly (:math:`j = 0` always does). Returns ``(index, weight)`` of shape
    ``(m, 2)``; cached, do not modify.
    """
    n, m = check_length(n, name="n"), check_length(m, name="m")
    return _taps_from_ratio(np.arange(m, dtype=np.int64) * n, m, n, periodic=True)


@lru_cache(maxsize=256)
def _transposed_taps(kind: str, n: int, m: int, align_corners: bool):
    """The adjoint's table: for each input i, the outputs j that read it and their weights, shape (n, K).

    Built from the forward table's non-zero entries sorted by input index (stable, so each input's outputs
    are summed in increasing j); rows are padded with index 0 and weight 0 to the widest one.
    """
    index, weight = periodic_taps(n, m) if kind == "periodic" else linear_taps(n, m, align_corners)
    rows = np.repeat(np.arange(m, dtype=np.int64), index.shape[1])
    cols, w = index.ravel(), weight.ravel()
    keep = w != 0.0
    rows, cols, w = rows[keep], cols[keep], w[keep]
    order = np.argsort(cols, kind="stable")
    rows, cols, w = rows[order], cols[order], w[order]
    counts = np.bincount(cols, minlength=n)
    width = max(int(counts.max()), 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(cols.size) - starts[cols]
    t_index = np.zeros((n, width), np.int64)
    t_weight = np.zeros((n, width), np.float64)
    t_index[cols, slot] = rows
    t_weight[cols, slot] = w
    return _frozen(t_index), _frozen(t_weight)


def interpolation_matrix(n: int, m: int, *, kind: str = "linear", align_corners: bool = False) -> np.ndarray:
    """The dense ``(m, n)`` float64 matrix :math:`W` of an interpolation (host NumPy; for tests and docs).

    ``kind`` is ``"linear"`` (:func:`interpolate_linear`) or ``"periodic"`` (:func:`interpolate_periodic`).
    A size whose matrix would not fit in memory raises ``ValueError`` before anything is allocated
    (:func:`specref._args.check_allocation`; the message gives the estimate in bytes).
    """
    n, m = check_length(n, name="n"), check_length(m, name="m")
    check_allocation((m, n), 8, f"interpolation_matrix(n={n}, m={m})")
    index, weight = _taps(kind, n, m, align_corners)
    out = np.zeros((m, n))
    np.add.at(out, (np.repeat(np.arange(m), index.shape[1]), index.ravel()), weight.ravel())
    return out


def _taps(kind: str, n: int, m: int, align_corners: bool):
    check_choice(kind, ("linear", "periodic"), "interpolation kind")
    return linear_taps(n, m, align_corners) if kind == "linear" else periodic_taps(n, m)


# ----------------------------------------------------------------------------------------------------------
# the core (last axis) and its adjoint


def _gather_sum(x, index: np.ndarray, weight: np.ndarray):
    r"""``y[..., j] = sum_t weight[j, t] * x[..., index[j, t]]``, summed in increasing ``t``."""
    xp = namespace(x)
    device = device_of(x)
    rdt = dtype_name(real_dtype(x.dtype, xp))
    y = None
    for t in range(index.shape[1]):
        taken = xp.take(x, xp.asarray(index[:, t], device=device), axis=-1)
        term = taken * xp.asarray(weight[:, t].astype(rdt), device=device)
        y = term if y is None else y + term
    return y


def _core(x, *, kind: str, m: int, align_corners: bool):
    """:math:`y = W x` along the last axis."""
    index, weight = _taps(kind, x.shape[-1], m, align_corners)
    return _gather_sum(x, index, weight)


def _core_adjoint(y, *, input_shape, kind: str, m: int, align_corners: bool):
    """:math:`x = W^T y` along the last axis (the transposed table), from m back to n = ``input_shape[-1]``."""
    check_cotangent_shape(y, (*input_shape[:-1], m), "the interpolation core's adjoint", input_shape)
    index, weight = _transposed_taps(kind, input_shape[-1], m, align_corners)
    return _gather_sum(y, index, weight)


def _chain(shape, kind: str, size, axis, align_corners) -> list:
    """``axis_chain`` around the core: move ``axis`` last, :math:`W` (n -> ``size``), move back."""
    align_corners = check_flag(align_corners, "align_corners")
    shape = tuple(shape)
    ax = normalize_axis(axis, len(shape))
    m = check_length(size, name="size")
    check_length(shape[ax], name="input length along axis")

    def core(moved: tuple) -> list:
        out = (*moved[:-1], m)
        return [step(_core, _core_adjoint, moved, out, kind=kind, m=m, align_corners=align_corners)]

    return axis_chain(shape, ax, core)


def _chain2d(shape, kind: str, size, axes, align_corners: bool) -> list:
    size = check_sizes(size, 2)
    axes = normalize_axes(axes, len(shape), count=2)
    sizes = dict(zip(axes, size, strict=True))
    return chain_along_axes(shape, axes, lambda sh, ax: _chain(sh, kind, sizes[ax], ax, align_corners))


# ----------------------------------------------------------------------------------------------------------
# public


def interpolate_linear(x, *, size, axis=-1, align_corners=False):
    r"""Linear interpolation of ``x`` along ``axis`` to length ``size``: PyTorch's ``mode="linear"``.

    .. math:: y_j = (1 - \lambda_j)\, x_{i_0} + \lambda_j\, x_{i_1}, \qquad
              s_j = \max\!\big((j + \tfrac12)\tfrac nm - \tfrac12,\ 0\big)
              \ \ (\text{align\_corners=False}), \quad s_j = j\tfrac{n-1}{m-1}\ \ (\text{True}),

    :math:`i_0 = \min(\lfloor s_j\rfloor, n-1)`, :math:`i_1 = \min(i_0 + 1, n - 1)`,
    :math:`\lambda_j = s_j - \lfloor s_j \rfloor` (taps: :func:`linear_taps`). Equals
    ``torch.nn.functional.interpolate(x, size=m, mode="linear", align_corners=...)`` applied along ``axis``
    (module docstring for the last-bit differences). ``size`` equal to the input length returns a copy.

    Parameters
    ----------
    x : array, float32/float64/complex64/complex128, ``x.ndim >= 1``
        Complex input is interpolated componentwise (the weights are real).
    size : int >= 1
    axis : int
    align_corners : bool
        False (PyTorch's default): samples are cell centres; True: the end samples map to the end samples.

    Returns
    -------
    array of the dtype of ``x`` with length ``size`` along ``axis``.

    Raises
    ------
    TypeError
        Integer or bool input; a non-integer ``size``; ``align_corners`` other than True or False.
    ValueError
        ``size < 1``, an empty axis, ``axis`` out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from specref.transforms.interpolate import interpolate_linear
    >>> interpolate_linear(np.array([1.0, 2.0]), size=4)
    array([1.  , 1.25, 1.75, 2.  ])
    """
    return run_forward(_chain(x.shape, "linear", size, axis, align_corners), x)


def interpolate_linear_adjoint(y, *, input_shape, size, axis=-1, align_corners=False):
    r"""Adjoint of :func:`interpolate_linear`: :math:`x = W^T y`,
    :math:`x_i = \sum_{j:\, i_0(j) = i} (1 - \lambda_j)\, y_j + \sum_{j:\, i_1(j) = i} \lambda_j\, y_j`.

    Raises
    ------
    ValueError
        If ``y.shape`` is not the forward's output shape for ``input_shape``.
    """
    shape = check_input_shape(input_shape)
    steps = _chain(shape, "linear", size, axis, align_corners)
    return run_adjoint(steps, y, "interpolate_linear_adjoint", shape)


def interpolate_bilinear(x, *, size, axes=(-2, -1), align_corners=False):
    r"""Bilinear interpolation over two axes: :func:`interpolate_linear` along ``axes[0]`` to ``size[0]``,
    then along ``axes[1]`` to ``size[1]``.

    .. math:: Y = W_{h}\, X\, W_{w}^T, \qquad
              Y_{ab} = \sum_{s, t \in \{0, 1\}} \mu^{(s)}_a \nu^{(t)}_b\, X_{i_s(a),\, k_t(b)}

    (:math:`\mu, \nu` the 1-D weights of each axis): PyTorch's ``mode="bilinear"`` four-corner formula,
    factored. Equals ``torch.nn.functional.interpolate(x[None, None], size=size, mode="bilinear",
    align_corners=...)[0, 0]`` for a 2-D ``x`` (up to rounding order).

    Parameters
    ----------
    x : array, at least 2-D, float32/float64/complex64/complex128
    size : (int, int)
    axes : (int, int)
    align_corners : bool
    """
    return run_forward(_chain2d(x.shape, "linear", size, axes, align_corners), x)


def interpolate_bilinear_adjoint(y, *, input_shape, size, axes=(-2, -1), align_corners=False):
    r"""Adjoint of :func:`interpolate_bilinear`: :math:`X = W_h^T\, Y\, W_w` (the two 1-D adjoints in
    reverse order)."""
    shape = check_input_shape(input_shape)
    steps = _chain2d(shape, "linear", size, axes, align_corners)
    return run_adjoint(steps, y, "interpolate_bilinear_adjoint", shape)


def interpolate_periodic(x, *, size, axis=-1):
    r"""Linear interpolation on a circle: samples at :math:`i/n`, outputs at :math:`j/m`, wrapping around.

    .. math:: y_j = (1 - \lambda_j)\, x_{i_0} + \lambda_j\, x_{(i_0 + 1) \bmod n}, \qquad
              i_0 = \lfloor jn/m \rfloor, \quad \lambda_j = jn/m - i_0

    (taps: :func:`periodic_taps`). This is linear interpolation along an FFT's frequency axis in FFT
    order: bin :math:`k` of an :math:`n`-point DFT sits at frequency :math:`k/n`, equivalently
    :math:`k/n - 1` (the axis is periodic), so output bin :math:`j` reads frequency :math:`j/m` and no
    shift is needed. Outputs at a sample's frequency copy it (DC always); conjugate reflection
    :math:`k \mapsto -k \bmod n` commutes with the map, so a Hermitian spectrum stays Hermitian; an even
    :math:`m`'s Nyquist bin reads frequency :math:`\frac12`: the input's Nyquist bin for even :math:`n`,
    the mean of bins :math:`\frac{n-1}2` and :math:`\frac{n+1}2` for odd :math:`n`.

    Parameters
    ----------
    x : array, float32/float64/complex64/complex128, ``x.ndim >= 1``
    size : int >= 1
    axis : int
    """
    return run_forward(_chain(x.shape, "periodic", size, axis, False), x)


def interpolate_periodic_adjoint(y, *, input_shape, size, axis=-1):
    """Adjoint of :func:`interpolate_periodic`: :math:`x = W^T y` (the transposed taps, wrapping around)."""
    shape = check_input_shape(input_shape)
    return run_adjoint(_chain(shape, "periodic", size, axis, False), y, "interpolate_periodic_adjoint", shape)


# ----------------------------------------------------------------------------------------------------------
# verification cases: references written from the formulas, one output at a time, in plain floating point


def _reference_linear_1d(v: np.ndarray, m: int, align_corners: bool) -> np.ndarray:
    """ATen's formula as written: scale = n/m, src = scale (j + 0.5) - 0.5 clamped at 0, floor, clamp."""
    n = v.shape[-1]
    out = np.zeros((*v.shape[:-1], m), dtype=np.result_type(v, np.float64))
    for j in range(m):
        if align_corners:
            src = (n - 1) / (m - 1) * j if m > 1 else 0.0
        else:
            src = max(n / m * (j + 0.5) - 0.5, 0.0)
        i0 = min(math.floor(src), n - 1)
        lam = min(max(src - i0, 0.0), 1.0)
        i1 = i0 + 1 if i0 < n - 1 else i0
        out[..., j] = (1.0 - lam) * v[..., i0] + lam * v[..., i1]
    return out


def _reference_linear(x, *, size, axis=-1, align_corners=False):
    v = np.moveaxis(np.asarray(x), axis, -1)
    return np.moveaxis(_reference_linear_1d(v, size, align_corners), -1, axis)


def _reference_bilinear(x, *, size, axes=(-2, -1), align_corners=False):
    """torch's four-corner formula: h0l (w0l x00 + w1l x01) + h1l (w0l x10 + w1l x11), per output."""
    v = np.moveaxis(np.asarray(x), axes, (-2, -1))
    (h, w), (mh, mw) = v.shape[-2:], size

    def src(j, n, m):
        if align_corners:
            return (n - 1) / (m - 1) * j if m > 1 else 0.0
        return max(n / m * (j + 0.5) - 0.5, 0.0)

    out = np.zeros((*v.shape[:-2], mh, mw), dtype=np.result_type(v, np.float64))
    for a in range(mh):
        sa = src(a, h, mh)
        a0 = min(math.floor(sa), h - 1)
        la = min(max(sa - a0, 0.0), 1.0)
        a1 = a0 + 1 if a0 < h - 1 else a0
        for b in range(mw):
            sb = src(b, w, mw)
            b0 = min(math.floor(sb), w - 1)
            lb = min(max(sb - b0, 0.0), 1.0)
            b1 = b0 + 1 if b0 < w - 1 else b0
            out[..., a, b] = (1 - la) * ((1 - lb) * v[..., a0, b0] + lb * v[..., a0, b1]) + la * (
                (1 - lb) * v[..., a1, b0] + lb * v[..., a1, b1]
            )
    return np.moveaxis(out, (-2, -1), axes)


def _reference_periodic(x, *, size, axis=-1):
    """Sample i at i/n on the circle; output j at t = j n / m, between floor(t) and floor(t) + 1 mod n."""
    v = np.moveaxis(np.asarray(x), axis, -1)
    n = v.shape[-1]
    out = np.zeros((*v.shape[:-1], size), dtype=np.result_type(v, np.float64))
    for j in range(size):
        t = j * n / size
        i0 = math.floor(t)
        lam = t - i0
        out[..., j] = (1.0 - lam) * v[..., i0 % n] + lam * v[..., (i0 + 1) % n]
    return np.moveaxis(out, -1, axis)


def _pairs(p):
    """(n, m) for each interpolated axis of a grid point."""
    shape = p["shape"]
    if "axes" in p or isinstance(p["size"], tuple):
        axes = p.get("axes", (-2, -1))
        return [(shape[a], m) for a, m in zip(axes, p["size"], strict=True)]
    return [(shape[p.get("axis", -1)], p["size"])]


def _interp_scale(p) -> float:
    # Per axis: each output is two weights (each rounded once from an exact ratio) times two entries, summed:
    # 3 roundings of u = eps/2 relative to sum|w x|; the adjoint sums K <= 2 floor(m/n) + 3 terms per input
    # (module docstring): a weight rounding, a product and K - 1 sums, (K + 1) u <= (floor(m/n) + 2) eps.
    # Axes compose additively; c = floor(m/n) + 3 per axis adds one eps of headroom.
    return float(sum(m // n + 3 for n, m in _pairs(p)))


def _reference_bound(p, dtype) -> Bound:
    # The reference forms src = (n/m)(j + 1/2) - 1/2 in floating point: n/m is rounded (relative eps/2), and
    # (j + 1/2) < m amplifies that to an absolute error <= n eps/2 in src, plus 2 roundings of src (< n):
    # each weight is off by <= 2 n eps absolute, so y by <= 4 n eps max|x| per axis (max|y| ~ max|x| for
    # the random inputs); on top of specref's and the reference's own c eps each.
    eps = float(np.finfo(dtype).eps)
    c = _interp_scale(p)
    extra = sum(4.0 * n for n, _ in _pairs(p))
    return Bound((2.0 * c + extra) * eps, f"2 c eps + 4 n eps (the reference rounds n/m before scaling), c = {c:g}")


_REASON = "two weights (exact ratios rounded once) times two samples, summed; adjoint: 2 floor(m/n) + 3 terms"

_GRID_LINEAR = (
    {"shape": (7,), "size": 4},  # downsample
    {"shape": (2, 5), "size": 12},  # upsample, a batch row
    {"shape": (6, 3), "size": 9, "axis": 0, "align_corners": True},  # non-last axis
    {"shape": (4,), "size": 4},  # same length: the identity
    {"shape": (3, 5), "size": 8, "complex_input": True},
    {"shape": (1,), "size": 3},  # one sample: constant
)
_FULL_LINEAR = _GRID_LINEAR + (
    {"shape": (16,), "size": 12},
    {"shape": (16,), "size": 5},
    {"shape": (5,), "size": 1, "align_corners": True},
    {"shape": (2, 3, 4), "size": 11, "axis": 1, "complex_input": True},
    {"shape": (9,), "size": 31},
)
_GRID_BILINEAR = (
    {"shape": (6, 5), "size": (4, 7)},
    {"shape": (2, 3, 4), "size": (5, 2), "axes": (0, 2), "complex_input": True},
    {"shape": (4, 4), "size": (4, 6), "align_corners": True},  # one axis unchanged
)
_FULL_BILINEAR = _GRID_BILINEAR + (
    {"shape": (3, 7), "size": (8, 3), "axes": (1, 0)},
    {"shape": (2, 5, 6), "size": (3, 10)},
)
_GRID_PERIODIC = (
    {"shape": (8,), "size": 5},  # even -> odd
    {"shape": (5,), "size": 8},  # odd -> even: the Nyquist output is the mean of the two middle bins
    {"shape": (4, 3), "size": 6, "axis": 0, "complex_input": True},
    {"shape": (6,), "size": 6},
)
_FULL_PERIODIC = _GRID_PERIODIC + (
    {"shape": (1,), "size": 4},
    {"shape": (16,), "size": 12},
    {"shape": (7,), "size": 22, "complex_input": True},
)

CASES = [
    Case(
        name="interpolate_linear",
        forward=interpolate_linear,
        adjoint=interpolate_linear_adjoint,
        make=random_input,
        complex_linear=True,
        grid=_GRID_LINEAR,
        full_grid=_FULL_LINEAR,
        error_scale=_interp_scale,
        error_reason=_REASON,
        reference=_reference_linear,
        reference_bound=_reference_bound,
    ),
    Case(
        name="interpolate_bilinear",
        forward=interpolate_bilinear,
        adjoint=interpolate_bilinear_adjoint,
        make=random_input,
        complex_linear=True,
        grid=_GRID_BILINEAR,
        full_grid=_FULL_BILINEAR,
        error_scale=_interp_scale,
        error_reason=_REASON + "; per axis, added",
        reference=_reference_bilinear,
        reference_bound=_reference_bound,
    ),
    Case(
        name="interpolate_periodic",
        forward=interpolate_periodic,
        adjoint=interpolate_periodic_adjoint,
        make=random_input,
        complex_linear=True,
        grid=_GRID_PERIODIC,
        full_grid=_FULL_PERIODIC,
        error_scale=_interp_scale,
        error_reason=_REASON,
        reference=_reference_periodic,
        reference_bound=_reference_bound,
    ),
]
