r"""The DWT filter bank: extend by a linear map, convolve, downsample by two; and the exact adjoint.

Every discrete wavelet transform in :mod:`specref.transforms.wavelet` (analysis *and* synthesis, every
boundary mode) is built from the two loops of this file.

**Analysis** (:func:`analysis`). A signal :math:`x \in \mathbb{R}^n` is first extended by a linear map
:math:`E: \mathbb{R}^n \to \mathbb{R}^{n_e}` (an :class:`ExtensionMap`: each extended sample is a short
linear combination of input samples, which is how every boundary mode of pywt acts), then convolved with
two filters :math:`h` (lowpass) and :math:`g` (highpass) of even length :math:`F` and sampled at every
second position:

.. math::

    a_o = \sum_{j=0}^{F-1} h_j\,(Ex)_{2o + F - 1 - j}, \qquad
    d_o = \sum_{j=0}^{F-1} g_j\,(Ex)_{2o + F - 1 - j}, \qquad o = 0, \dots, m - 1,

with :math:`m = (n_e - F)/2 + 1`, so the last window ends exactly at the last extended sample.

**Adjoint** (:func:`analysis_adjoint`). With :math:`\langle a, \bar a\rangle + \langle d, \bar d\rangle`
expanded, each :math:`\bar a_o` meets :math:`(Ex)_q` exactly where :math:`q = 2o + F - 1 - j`, so the
adjoint is "upsample, correlate, fold the extension back":

.. math::

    \bar e_q = \sum_{j=0}^{F-1} \bigl(h_j\,\bar u^{a}_{q - F + 1 + j} + g_j\,\bar u^{d}_{q - F + 1 + j}\bigr),
    \qquad \bar x = E^T \bar e,

where :math:`\bar u` is :math:`\bar a` upsampled (:math:`\bar u_{2o} = \bar a_o`, zero at odd and
out-of-range positions) and :math:`E^T` adds every extended sample back onto the samples it was made of,
with the same weights (a scatter-add; on the array-API path the gather of the transposed table).

The synthesis (inverse DWT) is itself such an adjoint: see :mod:`specref.transforms.wavelet`.

Implementations of one contract (docs/design.md: a hot loop beside its readable reference):

* :func:`analysis_reference` / :func:`analysis_adjoint_reference`: vectorized array-API code, the
  readable one; it runs on array-api-strict and CuPy. The extension is a gather with the map's weights,
  the strided convolution a gather of the windows :math:`W_{oj} = (Ex)_{2o+F-1-j}` followed by one matmul
  with the filter matrix :math:`[h\; g]`; the adjoint is the same three steps transposed. A constant
  number of array operations per call, whatever :math:`F`.
* :func:`analysis_numba` / :func:`analysis_adjoint_numba`: Numba ``@njit(cache=True)`` loops for NumPy
  arrays, one row at a time, run by a serial driver or, for calls with at least ``PARALLEL_MIN_WORK``
  samples and more than one Numba thread, a ``parallel=True`` driver over batch rows (the same per-row
  function, so the same bits). No ``fastmath``: reassociation would change the last bits. The analysis sums
  its taps in pywt's order (``j = 0, 1, ...``): away from the boundaries it reproduces pywt's C code bit for
  bit (pywt sums some boundary windows in another order).
* :func:`analysis` / :func:`analysis_adjoint`: the dispatchers, choosing by namespace.

The tests (tests/_jit/test_dwt_filterbank.py) compare the Numba loops with the reference on identical
inputs (the componentwise rounding bound of both), also under ``NUMBA_DISABLE_JIT=1``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import array_api_compat
import numba
import numpy as np
from numba import njit, prange

from specref._args import check_allocation
from specref.backend import device_of, namespace, native_byte_order, real_dtype

__all__ = [
    "MODES",
    "check_mode",
    "ExtensionMap",
    "extension_map",
    "analysis",
    "analysis_adjoint",
    "analysis_reference",
    "analysis_adjoint_reference",
    "analysis_numba",
    "analysis_adjoint_numba",
]

# pywt's nine signal extension modes, in pywt.Modes.modes order.
MODES = (
    "zero", "constant", "symmetric", "periodic", "smooth", "periodization", "reflect", "antisymmetric",
    "antireflect",
)


def check_mode(mode) -> str:
    """Return ``mode`` if it is one of :data:`MODES`; otherwise raise ``ValueError`` naming the accepted ones.

    The one check of a boundary mode: :func:`extension_map` and the transforms of
    :mod:`specref.transforms.wavelet` call it.
    """
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; accepted: {', '.join(MODES)}")
    return mode


# ----------------------------------------------------------------------------------------------------------
# the extension as an explicit linear map


@dataclass(frozen=True, eq=False)
class ExtensionMap:
    r"""The linear map :math:`E: \mathbb{R}^n \to \mathbb{R}^{n_e}` of a boundary mode, as two sparse tables.

    Row ``q`` of ``E`` (extended sample ``q``, which is signal position ``p = q - pad_left``) is
    ``sum(weight[q, t] * x[index[q, t]] for t in range(K))``; unused slots have weight 0 and are skipped
    (never multiplied, so an infinite sample does not turn the zeros of other rows into NaN). Contract:
    rows ``pad_left ... pad_left + n - 1`` are the identity (the signal itself); the Numba loops copy them
    and use the table for the other rows only.

    ``t_index``/``t_weight`` hold the same matrix transposed (row ``i`` of :math:`E^T` lists the extended
    samples made from ``x[i]``, in increasing ``q``), so :math:`E^T` is again a gather, which the
    array-API path needs (the standard has no scatter-add). All arrays are read-only host NumPy arrays.
    """

    n: int
    pad_left: int
    mode: str
    index: np.ndarray  # (n_ext, K) int64
    weight: np.ndarray  # (n_ext, K) float64
    t_index: np.ndarray  # (n, K') int64
    t_weight: np.ndarray  # (n, K') float64

    def __post_init__(self):
        core = slice(self.pad_left, self.pad_left + self.n)
        identity = (
            self.index.shape[0] >= self.pad_left + self.n
            and np.array_equal(self.index[core, 0], np.arange(self.n))
            and np.all(self.weight[core, 0] == 1.0)
            and not np.any(self.weight[core, 1:])
        )
        if not identity:
            raise ValueError(f"rows {self.pad_left} .. {self.pad_left + self.n - 1} of an ExtensionMap must be the "
                             "identity (the signal itself)")

    @property
    def n_ext(self) -> int:
        return int(self.index.shape[0])

    def dense(self) -> np.ndarray:
        """The matrix ``E`` (n_ext, n) as a dense float64 array (for tests and small examples); a size whose
        matrix would not fit in memory raises ``ValueError`` first (:func:`specref._args.check_allocation`)."""
        check_allocation((self.n_ext, self.n), 8, f"ExtensionMap.dense (n_ext={self.n_ext}, n={self.n})")
        out = np.zeros((self.n_ext, self.n))
        for t in range(self.index.shape[1]):
            np.add.at(out, (np.arange(self.n_ext), self.index[:, t]), self.weight[:, t])
        return out


def _source(p: int, n: int, mode: str) -> dict[int, float]:
    r"""Extended sample at signal position ``p`` (outside ``0..n-1``) as ``{input index: weight}``.

    pywt's rules (``pywt/_extensions/c/convolution.template.c``), written as closed forms. Where the
    extension is longer than the signal pywt keeps mirroring, which makes the mirror modes periodic:

    * zero: 0; constant: the edge sample;
    * symmetric (half-sample mirror ``... x1 x0 | x0 x1 ...``): period ``2n``;
    * reflect (whole-sample mirror ``... x2 x1 | x0 x1 x2 ...``): period ``2n - 2``;
    * antisymmetric (half-sample mirror with a sign flip, ``... -x1 -x0 | x0 x1 ...``): a sign flip per
      mirror, so again period ``2n``;
    * periodic: period ``n``; periodization: period ``n + (n mod 2)`` of the signal with its last sample
      repeated once when ``n`` is odd;
    * smooth: the straight line through the two edge samples, ``x_{-k} = x_0 + k (x_0 - x_1)`` (constant
      when ``n = 1``);
    * antireflect (whole-sample point reflection ``x_{-k} = 2 x_0 - x_k``, repeated): reflecting through
      the newest edge value at every pass makes the extension periodic up to a shift: it moves by
      ``2 (x_0 - x_{n-1})`` every ``2n - 2`` samples (on the left; the right is the mirror image). Writing the
      distance beyond the edge as ``s = m (n - 1) + k`` with ``k = 1 .. n-1``: on the left,
      ``(2 + m) x_0 - m x_{n-1} - x_k`` for even ``m`` and ``(1 + m) x_0 - (1 + m) x_{n-1} + x_{n-1-k}``
      for odd ``m``; the right side is the mirror image.
    """
    out: dict[int, float] = {}

    def add(i: int, w: float):
        out[i] = out.get(i, 0.0) + w

    left = p < 0
    if mode == "zero":
        return out
    if mode == "constant" or (mode == "smooth" and n < 2):
        add(0 if left else n - 1, 1.0)
    elif mode == "symmetric":
        r = p % (2 * n)
        add(r if r < n else 2 * n - 1 - r, 1.0)
    elif mode == "reflect":
        r = p % (2 * n - 2)
        add(r if r < n else 2 * n - 2 - r, 1.0)
    elif mode == "antisymmetric":
        r = p % (2 * n)
        if r < n:
            add(r, 1.0)
        else:
            add(2 * n - 1 - r, -1.0)
    elif mode == "periodic":
        add(p % n, 1.0)
    elif mode == "periodization":
        add(min(p % (n + n % 2), n - 1), 1.0)
    elif mode == "smooth":
        if left:
            k = -p
            add(0, 1.0 + k)
            add(1, -float(k))
        else:
            k = p - (n - 1)
            add(n - 1, 1.0 + k)
            add(n - 2, -float(k))
    elif mode == "antireflect":
        # near edge e, far edge f, and the sample k steps inside from an edge
        s = -p if left else p - (n - 1)
        m, k = divmod(s - 1, n - 1)
        k += 1
        near, far = (0, n - 1) if left else (n - 1, 0)
        inside_near = k if left else n - 1 - k
        inside_far = n - 1 - k if left else k
        if m % 2 == 0:
            add(near, 2.0 + m)
            add(far, -float(m))
            add(inside_near, -1.0)
        else:
            add(near, 1.0 + m)
            add(far, -(1.0 + m))
            add(inside_far, 1.0)
    else:
        check_mode(mode)  # raises: every mode of MODES has its branch above
    return {i: w for i, w in out.items() if w != 0.0}


@functools.lru_cache(maxsize=512)
def extension_map(n: int, mode: str, pad_left: int, n_ext: int) -> ExtensionMap:
    """The :class:`ExtensionMap` of ``mode`` from length ``n`` to ``n_ext``, signal starting at ``pad_left``.

    Cached: a multilevel transform builds one per level and reuses it for the adjoint.

    Raises
    ------
    ValueError
        For an unknown mode, ``n < 1``, a negative padding, or ``n = 1`` in reflect/antireflect mode (a
        one-sample signal has no whole-sample mirror; pywt raises too).
    """
    check_mode(mode)
    if n < 1:
        raise ValueError(f"cannot extend a signal of length {n}; the length must be >= 1")
    pad_right = n_ext - n - pad_left
    if pad_left < 0 or pad_right < 0:
        raise ValueError(f"extension from {n} to {n_ext} samples with pad_left {pad_left} is not a padding")
    if n == 1 and mode in ("reflect", "antireflect"):
        raise ValueError(f"input data length must be greater than 1 for {mode} mode (pywt raises too)")
    rows: list[dict[int, float]] = []
    for q in range(pad_left):
        rows.append(_source(q - pad_left, n, mode))
    right = [_source(n + r, n, mode) for r in range(pad_right)]
    width = max([1] + [len(r) for r in rows + right])
    index = np.zeros((n_ext, width), dtype=np.int64)
    weight = np.zeros((n_ext, width), dtype=np.float64)
    index[pad_left:pad_left + n, 0] = np.arange(n)
    weight[pad_left:pad_left + n, 0] = 1.0
    for q, row in list(enumerate(rows)) + [(pad_left + n + r, row) for r, row in enumerate(right)]:
        for t, (i, w) in enumerate(sorted(row.items())):
            index[q, t] = i
            weight[q, t] = w
    t_index, t_weight = _transpose(index, weight, n)
    for a in (index, weight, t_index, t_weight):
        a.setflags(write=False)
    return ExtensionMap(n, pad_left, mode, index, weight, t_index, t_weight)


def _transpose(index: np.ndarray, weight: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The transposed sparse table: for every input sample, the (extended sample, weight) pairs using it."""
    q, t = np.nonzero(weight)  # row-major: increasing q
    cols = index[q, t]
    order = np.argsort(cols, kind="stable")  # by input sample, keeping increasing q within each
    q, t, cols = q[order], t[order], cols[order]
    counts = np.bincount(cols, minlength=n)
    width = max(1, int(counts.max(initial=0)))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(cols.size) - starts[cols]
    t_index = np.zeros((n, width), dtype=np.int64)
    t_weight = np.zeros((n, width), dtype=np.float64)
    t_index[cols, slot] = q
    t_weight[cols, slot] = weight[q, t]
    return t_index, t_weight


def _coefficient_length(ext: ExtensionMap, f: int) -> int:
    if f < 2 or f % 2:
        raise ValueError(f"filter length {f} must be even and >= 2")
    if (ext.n_ext - f) % 2 or ext.n_ext < f:
        raise ValueError(f"extended length {ext.n_ext} does not fit whole windows of filter length {f}")
    return (ext.n_ext - f) // 2 + 1


def _check_row_length(x, n: int, name: str):
    if x.shape[-1] != n:
        raise ValueError(f"{name} has length {x.shape[-1]} along its last axis; the filter bank expects {n}")


def _check_analysis(x, ext: ExtensionMap, lo) -> int:
    """The number ``m`` of coefficients, once the filters fit ``ext`` and ``x`` has ``ext.n`` samples."""
    m = _coefficient_length(ext, len(lo))
    _check_row_length(x, ext.n, "x")
    return m


def _check_analysis_adjoint(a_bar, d_bar, ext: ExtensionMap, lo) -> int:
    """The number ``m`` of coefficients, once the filters fit ``ext`` and both cotangents have ``m``."""
    m = _coefficient_length(ext, len(lo))
    _check_row_length(a_bar, m, "a_bar")
    _check_row_length(d_bar, m, "d_bar")
    return m


# ----------------------------------------------------------------------------------------------------------
# array-API reference


def _gather(x, index: np.ndarray, weight: np.ndarray):
    """``out[..., q] = sum_t weight[q, t] * x[..., index[q, t]]`` with zero-weight slots skipped."""
    xp = namespace(x)
    dev = device_of(x)
    wdtype = real_dtype(x.dtype, xp)
    out = None
    for t in range(index.shape[1]):
        w_host = weight[:, t]
        taken = xp.take(x, xp.asarray(index[:, t], device=dev), axis=-1)
        if np.all(w_host == 1.0):
            term = taken
        else:
            w = xp.asarray(w_host, dtype=wdtype, device=dev)
            term = xp.where(w != 0, taken * w, 0.0)
        out = term if out is None else out + term
    return out


@functools.lru_cache(maxsize=512)
def _window_tables(m: int, f: int) -> tuple[np.ndarray, np.ndarray]:
    """Index tables of the strided windows and of their transpose (host, read-only).

    ``window[o * F + j] = 2o + F - 1 - j``: the extended sample that tap ``j`` of output ``o`` reads.
    ``fold[q * F/2 + s]``: the ``(o, j)`` pairs (flattened ``o * F + j``) that read extended sample ``q``;
    every ``q`` has at most ``F/2`` of them (taps of one parity), and missing ones point at the index
    ``m * F``, where the caller appends a zero.
    """
    o, j = np.meshgrid(np.arange(m), np.arange(f), indexing="ij")
    window = (2 * o + f - 1 - j).ravel()
    n_ext = 2 * m + f - 2
    fold = np.full((n_ext, f // 2), m * f, dtype=np.int64)
    count = np.zeros(n_ext, dtype=np.int64)
    for flat, q in enumerate(window):  # increasing (o, j): a stable order
        fold[q, count[q]] = flat
        count[q] += 1
    window.setflags(write=False)
    fold = fold.ravel()
    fold.setflags(write=False)
    return window, fold


def _filter_matrix(lo, hi, xp, dtype, device):
    """The (F, 2) matrix ``[h g]`` in the working real precision."""
    h = np.stack([np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)], axis=-1)
    return xp.asarray(h, dtype=dtype, device=device)


def analysis_reference(x, ext: ExtensionMap, lo, hi):
    r"""Vectorized array-API analysis: gather the windows of :math:`Ex`, multiply by the filters.

    .. math:: W_{oj} = (Ex)_{2o + F - 1 - j}, \qquad [\,a \;\; d\,] = W\,[\,h \;\; g\,]

    A constant number of array operations per call (two gathers and a matmul), whatever ``F``.

    Parameters
    ----------
    x : array (..., n)
        Real or complex; any leading batch shape, any array-API namespace.
    ext : ExtensionMap
        The extension ``E`` (``ext.n == n``).
    lo, hi : sequences of float
        The two analysis filters, of one even length ``F``, in pywt's order (``dec_lo``, ``dec_hi``).

    Returns
    -------
    (a, d) : arrays (..., m), ``m = (n_ext - F)/2 + 1``, dtype of ``x``.
    """
    xp = namespace(x)
    f = len(lo)
    m = _check_analysis(x, ext, lo)
    window, _ = _window_tables(m, f)
    e = _gather(x, ext.index, ext.weight)  # E x
    w = xp.take(e, xp.asarray(window, device=device_of(x)), axis=-1)
    w = xp.reshape(w, (*x.shape[:-1], m, f))  # W[o, j] = (Ex)[2o + F - 1 - j]
    c = xp.matmul(w, _filter_matrix(lo, hi, xp, real_dtype(x.dtype, xp), device_of(x)))
    return c[..., 0], c[..., 1]


def analysis_adjoint_reference(a_bar, d_bar, ext: ExtensionMap, lo, hi):
    r"""Vectorized array-API adjoint of :func:`analysis_reference`: the same three steps transposed.

    .. math:: C = [\,\bar a \;\; \bar d\,]\,[\,h \;\; g\,]^T, \qquad
              \bar e_q = \sum_{(o, j):\, 2o + F - 1 - j = q} C_{oj}, \qquad \bar x = E^T \bar e

    (the middle step is the upsample-and-correlate of the module docstring, written as the transposed
    window gather). Returns an array (..., n) of the cotangents' dtype.
    """
    xp = namespace(a_bar, d_bar)
    dev = device_of(a_bar)
    f = len(lo)
    m = _check_analysis_adjoint(a_bar, d_bar, ext, lo)
    batch = tuple(a_bar.shape[:-1])
    _, fold = _window_tables(m, f)
    h = _filter_matrix(lo, hi, xp, real_dtype(a_bar.dtype, xp), dev)
    c = xp.matmul(xp.stack([a_bar, d_bar], axis=-1), xp.matrix_transpose(h))  # C[o, j] = h_j a_o + g_j d_o
    c = xp.concat([xp.reshape(c, (*batch, m * f)), xp.zeros((*batch, 1), dtype=c.dtype, device=dev)], axis=-1)
    e = xp.take(c, xp.asarray(fold, device=dev), axis=-1)
    e = xp.sum(xp.reshape(e, (*batch, ext.n_ext, f // 2)), axis=-1)  # upsample and correlate
    return _gather(e, ext.t_index, ext.t_weight)  # fold the extension back


# ----------------------------------------------------------------------------------------------------------
# Numba loops (NumPy arrays)


@njit(cache=True)
def _analysis_row(x, index, weight, core, lo, hi, e, a, d):  # pragma: no cover - compiled (covered without JIT)
    """One row: ``e = E x`` into the scratch ``e``, then ``a_o = sum_j h_j e_{2o+F-1-j}`` (and ``d``), taps
    in pywt's order ``j = 0, 1, ...``.

    Rows ``core .. core + n - 1`` of ``E`` are the identity (the :class:`ExtensionMap` contract): copied.
    """
    n_ext, width = index.shape
    n = x.shape[0]
    f = lo.shape[0]
    for q in range(n_ext):
        if core <= q < core + n:
            e[q] = x[q - core]
            continue
        e[q] = 0
        for t in range(width):
            w = weight[q, t]
            if w != 0:
                e[q] += w * x[index[q, t]]
    for o in range(a.shape[0]):
        base = 2 * o + f - 1
        v = e[base]
        sa = lo[0] * v
        sd = hi[0] * v
        for j in range(1, f):
            v = e[base - j]
            sa += lo[j] * v
            sd += hi[j] * v
        a[o] = sa
        d[o] = sd


@njit(cache=True)
def _analysis_adjoint_row(a_bar, d_bar, index, weight, core, lo, hi, e, out):  # pragma: no cover - compiled
    """One row: ``e_q = sum_j (h_j a_o + g_j d_o)`` over ``q = 2o + F - 1 - j`` (upsample, correlate: a gather
    over the taps of one parity), then ``out = E^T e``: the identity rows of ``E`` copy, the others
    scatter-add their ``e_q`` onto the samples they were made of (fold the extension back)."""
    n_ext, width = index.shape
    f = lo.shape[0]
    m = a_bar.shape[0]
    n = out.shape[0]
    for q in range(n_ext):
        j = max((f - 1 - q) % 2, f - 1 - q)  # first tap with 0 <= o and the parity of F - 1 - q
        j_end = min(f, 2 * m + f - 1 - q)  # o < m
        o = (q - f + 1 + j) // 2
        e[q] = 0
        acc = e[q]  # a zero of the working dtype
        while j < j_end:
            acc += lo[j] * a_bar[o] + hi[j] * d_bar[o]
            j += 2
            o += 1
        e[q] = acc
    for i in range(n):
        out[i] = e[core + i]
    for q in range(n_ext):
        if core <= q < core + n:
            continue
        for t in range(width):
            w = weight[q, t]
            if w != 0:
                out[index[q, t]] += w * e[q]


@njit(cache=True)
def _analysis_serial(x, index, weight, core, lo, hi, a, d):  # pragma: no cover - compiled
    e = np.empty(index.shape[0], dtype=x.dtype)
    for b in range(x.shape[0]):
        _analysis_row(x[b], index, weight, core, lo, hi, e, a[b], d[b])


@njit(cache=True, parallel=True)
def _analysis_parallel(x, index, weight, core, lo, hi, a, d):  # pragma: no cover - compiled
    for b in prange(x.shape[0]):
        e = np.empty(index.shape[0], dtype=x.dtype)
        _analysis_row(x[b], index, weight, core, lo, hi, e, a[b], d[b])


@njit(cache=True)
def _analysis_adjoint_serial(a_bar, d_bar, index, weight, core, lo, hi, out):  # pragma: no cover - compiled
    e = np.empty(index.shape[0], dtype=out.dtype)
    for b in range(a_bar.shape[0]):
        _analysis_adjoint_row(a_bar[b], d_bar[b], index, weight, core, lo, hi, e, out[b])


@njit(cache=True, parallel=True)
def _analysis_adjoint_parallel(a_bar, d_bar, index, weight, core, lo, hi, out):  # pragma: no cover - compiled
    for b in prange(a_bar.shape[0]):
        e = np.empty(index.shape[0], dtype=out.dtype)
        _analysis_adjoint_row(a_bar[b], d_bar[b], index, weight, core, lo, hi, e, out[b])


# Below this many samples per call a thread launch costs more than it saves: run the serial driver.
PARALLEL_MIN_WORK = 1 << 16


def _use_parallel(rows: int, n_ext: int) -> bool:
    return rows > 1 and rows * n_ext >= PARALLEL_MIN_WORK and numba.get_num_threads() > 1


def _rows(x, n: int) -> np.ndarray:
    return np.ascontiguousarray(np.reshape(x, (-1, n)))


def _filter(v, dtype) -> np.ndarray:
    """Filter taps in the working real precision (float32 data uses float32 taps, as pywt does)."""
    return np.ascontiguousarray(np.asarray(v, dtype=np.float64).astype(np.finfo(dtype).dtype))


def analysis_numba(x: np.ndarray, ext: ExtensionMap, lo, hi):
    """Numba analysis for NumPy arrays; same contract as :func:`analysis_reference`."""
    m = _check_analysis(x, ext, lo)
    x = native_byte_order(x)  # Numba refuses a big-endian >f8
    batch = x.shape[:-1]
    xr = _rows(x, ext.n)
    a = np.empty((xr.shape[0], m), dtype=x.dtype)
    d = np.empty((xr.shape[0], m), dtype=x.dtype)
    wdtype = np.finfo(x.dtype).dtype
    kernel = _analysis_parallel if _use_parallel(xr.shape[0], ext.n_ext) else _analysis_serial
    kernel(xr, ext.index, ext.weight.astype(wdtype), ext.pad_left, _filter(lo, x.dtype), _filter(hi, x.dtype), a, d)
    return a.reshape(*batch, m), d.reshape(*batch, m)


def analysis_adjoint_numba(a_bar: np.ndarray, d_bar: np.ndarray, ext: ExtensionMap, lo, hi):
    """Numba adjoint for NumPy arrays; same contract as :func:`analysis_adjoint_reference`."""
    m = _check_analysis_adjoint(a_bar, d_bar, ext, lo)
    a_bar, d_bar = native_byte_order(a_bar), native_byte_order(d_bar)  # Numba refuses a big-endian >f8
    if a_bar.dtype != d_bar.dtype:
        raise TypeError(f"a_bar ({a_bar.dtype}) and d_bar ({d_bar.dtype}) must have one dtype")
    batch = a_bar.shape[:-1]
    ar, dr = _rows(a_bar, m), _rows(d_bar, m)
    out = np.empty((ar.shape[0], ext.n), dtype=a_bar.dtype)
    wdtype = np.finfo(a_bar.dtype).dtype
    kernel = _analysis_adjoint_parallel if _use_parallel(ar.shape[0], ext.n_ext) else _analysis_adjoint_serial
    kernel(
        ar, dr, ext.index, ext.weight.astype(wdtype), ext.pad_left, _filter(lo, a_bar.dtype),
        _filter(hi, a_bar.dtype), out,
    )
    return out.reshape(*batch, ext.n)


# ----------------------------------------------------------------------------------------------------------
# dispatchers


def analysis(x, ext: ExtensionMap, lo, hi):
    """Analysis filter bank along the last axis: Numba for NumPy arrays, the array-API reference elsewhere.

    See :func:`analysis_reference` for the formula and the parameters.
    """
    xp = namespace(x)
    if array_api_compat.is_numpy_namespace(xp):
        return analysis_numba(np.asarray(x), ext, lo, hi)
    return analysis_reference(x, ext, lo, hi)


def analysis_adjoint(a_bar, d_bar, ext: ExtensionMap, lo, hi):
    """Adjoint of :func:`analysis` (upsample, correlate, fold back): Numba for NumPy, the reference elsewhere."""
    xp = namespace(a_bar, d_bar)
    if array_api_compat.is_numpy_namespace(xp):
        return analysis_adjoint_numba(np.asarray(a_bar), np.asarray(d_bar), ext, lo, hi)
    return analysis_adjoint_reference(a_bar, d_bar, ext, lo, hi)
