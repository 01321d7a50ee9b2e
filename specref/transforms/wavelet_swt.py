r"""The stationary (undecimated, à trous) wavelet transform, 1D and 2D, equal to pywt's, with exact adjoints.

``swt``/``iswt`` (1D) and ``swt2``/``iswt2`` (2D) with pywt's signatures, coefficient layout and
normalization, and four adjoints. The filters are the bank's (:mod:`specref.transforms.wavelet_bank`), the
filtering is the DWT's loops (:mod:`specref._jit.dwt_filterbank` with a periodic extension).

**Forward** (one level along one axis; level :math:`j = s + 1, \dots, s + L` for ``start_level`` :math:`s`
and ``level`` :math:`L`, dilation :math:`D = 2^{j-1}`, length :math:`N`, filters :math:`h` = ``dec_lo``,
:math:`g` = ``dec_hi`` of even length :math:`F`, scaled by :math:`2^{-1/2}` when ``norm``):

.. math::

    a^{(j)}_n = \sum_{k=0}^{F-1} h_k\, a^{(j-1)}_{(n + D F/2 - D k) \bmod N}, \qquad
    d^{(j)}_n = \sum_{k=0}^{F-1} g_k\, a^{(j-1)}_{(n + D F/2 - D k) \bmod N}, \qquad a^{(s)} = x.

(pywt's alignment, measured against its C code on deltas.) **Adjoint**: each level is
:math:`U_j = [H_j; G_j]` with :math:`H_j` a circulant, so :math:`U_j^* (\bar a, \bar d)_m =
\sum_k h_k \bar a_{(m - DF/2 + Dk) \bmod N} + g_k \bar d_{(m - DF/2 + Dk) \bmod N}` (correlation instead
of convolution), and the adjoint of the whole transform runs the levels from the coarsest back, adding the
cotangent of each kept approximation :math:`\bar a^{(j-1)}` (``trim_approx=False``) before the next level.

**Inverse** (pywt's ``iswt``): per level, from the coarsest, :math:`a^{(j-1)} = \tfrac12 (C_f a^{(j)} +
C_\phi d^{(j)})`, with :math:`(C_f a)_n = \sum_k f_k a_{(n + D(F/2 - 1) - Dk) \bmod N}` and :math:`f, \phi`
= ``rec_lo``, ``rec_hi`` (times :math:`\sqrt2` when ``norm``): pywt averages the two decimated
periodization inverses of the even and odd samples, which is this undecimated synthesis. It uses only
:math:`a^{(s+L)}` and the details, and :math:`\tfrac12 C_f = \tfrac12 U^*` built from the *reversed*
synthesis filters, so the same two loops compute all four maps:

============  ================================================================
map           one level
============  ================================================================
swt           :math:`U(h, g)`
swt_adjoint   :math:`U^*(h, g)`
iswt          :math:`\tfrac12 U^*(f^\leftarrow, \phi^\leftarrow)` (:math:`2^{-1/2}` with ``norm``)
iswt_adjoint  :math:`\tfrac12 U(f^\leftarrow, \phi^\leftarrow)`
============  ================================================================

**Inverse vs adjoint.** For an orthogonal wavelet :math:`f^\leftarrow = h`, so ``iswt`` per level is
:math:`\tfrac12 U_j^*` and :math:`U_j^* U_j = 2I` (:math:`|H|^2 + |G|^2 = 2`): ``iswt`` weights the level-
:math:`j` detail by :math:`2^{-(j - s)}`, ``swt_adjoint`` by 1, and the adjoint also takes the kept
approximations. With ``norm=True`` and ``trim_approx=True`` the transform is a tight frame
(:math:`W^* W = I`) and ``iswt`` equals ``swt_adjoint`` (to rounding); otherwise they differ, and for
biorthogonal wavelets the inverse is not a multiple of the adjoint at all.

**Lengths.** pywt refuses lengths not divisible by :math:`2^{s+L}` (its à trous implementation splits the
signal into :math:`D` polyphase components). The periodic transform above is defined for every
:math:`N \ge 1`, and so is its inverse (:math:`f, \phi` undo :math:`h, g` as Laurent polynomials, hence on
every circle :math:`\mathbb{Z}_N`), so specref computes it: on pywt's lengths the result is pywt's, on the
others it is the same formula (verified against a direct sum, shift equivariance and the round trip). The
computation is pywt's split generalized: the dilated circulant permutes :math:`\mathbb{Z}_N` into
:math:`\gcd(D, N)` cycles of length :math:`N / \gcd(D, N)`, on each of which it is the undilated periodic
filter. ``level=None`` keeps pywt's rule (``swt_max_level(N)``, ValueError when that is 0).

**Complexity.** :math:`2FN` multiply-adds per level and axis for any length and dilation (:math:`2FNL` in
all); the outputs hold :math:`(L + 1) N` or :math:`2 L N` numbers (2D: :math:`(3L + 1) N` or :math:`4 L N`).

The 2D transforms (``swt2``: the 1D level along ``axes[0]``, then along ``axes[1]``; bands ``cH`` = detail
along ``axes[0]``, ``cV`` along ``axes[1]``) are in :mod:`specref.transforms.wavelet_swt2`.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass

import numpy as np

from specref._args import as_int, check_cotangent_shape, check_flag, check_input_shape, normalize_axis
from specref._jit import dwt_filterbank as fb
from specref.backend import device_of, finfo_eps, namespace
from specref.testing.case import Case
from specref.testing.checks import CheckResult, error_report, skipped
from specref.transforms.wavelet_bank import _as_bank, _Bank, _reversed
from specref.transforms.wavelet_dwt import _as_input, _back, _check_input, _inputs, _moved, _unify

__all__ = ["swt_max_level", "swt", "swt_adjoint", "iswt", "iswt_adjoint"]


# ----------------------------------------------------------------------------------------------------------
# one undecimated level along the last axis


@dataclass(frozen=True, eq=False)
class _Plan:
    r"""One dilated circulant level on :math:`\mathbb{Z}_N`, as cycles (host index tables, read-only).

    ``gather`` (length :math:`2N`) reads the :math:`g = \gcd(D, N)` cycles :math:`z_r[i] = x[(r + iD)
    \bmod N]` and, after them, the same cycles advanced by one (the odd phase). The DWT loops on the
    periodic extension give :math:`v_r[i] = \sum_k h_k z_r[(i + F - 1 - k) \bmod L]` at even ``i`` from the
    first half and odd ``i`` from the second; :math:`v_r[i]` is output sample :math:`(r + iD + D(F/2 - 1))
    \bmod N`, which ``scatter`` (the inverse of ``place``) puts in order. ``inv0``/``inv1`` invert the two
    halves of ``gather`` (for the adjoint).
    """

    n: int
    cycles: int
    period: int
    gather: np.ndarray
    inv0: np.ndarray
    inv1: np.ndarray
    place: np.ndarray
    scatter: np.ndarray
    ext: fb.ExtensionMap

    @property
    def half(self) -> int:
        return -(-self.period // 2)


def _inverse(perm: np.ndarray) -> np.ndarray:
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size)
    return inv


@functools.lru_cache(maxsize=256)
def _plan(n: int, dilation: int, f: int) -> _Plan:
    """The plan of dilation ``dilation`` (taken mod ``n``) for filter length ``f`` on length ``n``."""
    g = math.gcd(dilation, n)  # gcd(0, n) = n: a dilation that is a multiple of n acts on single points
    period = n // g
    p = (np.arange(g)[:, None] + np.arange(period)[None, :] * dilation) % n  # the cycles, one per row
    p1 = np.roll(p, -1, axis=1)
    place = ((p + dilation * (f // 2 - 1)) % n).ravel()
    m = -(-period // 2)
    tables = [np.concatenate([p.ravel(), p1.ravel()]), _inverse(p.ravel()), _inverse(p1.ravel()), place,
              _inverse(place)]
    for t in tables:
        t.setflags(write=False)
    return _Plan(n, g, period, *tables, fb.extension_map(period, "periodic", 0, 2 * m + f - 2))


def _take(x, table: np.ndarray):
    xp = namespace(x)
    return xp.take(x, xp.asarray(table, device=device_of(x)), axis=-1)


def _atrous(x, lo, hi, plan: _Plan):
    """``(a, d) = U(h, g) x`` along the last axis (the module docstring's forward level)."""
    xp = namespace(x)
    batch, g, m = tuple(x.shape[:-1]), plan.cycles, plan.half
    z = xp.reshape(_take(x, plan.gather), (*batch, 2 * g, plan.period))
    out = []
    for c in fb.analysis(z, plan.ext, lo, hi):  # (..., 2g, m): even phase, then odd phase
        v = xp.reshape(xp.stack([c[..., :g, :], c[..., g:, :]], axis=-1), (*batch, g, 2 * m))
        out.append(_take(xp.reshape(v[..., :plan.period], (*batch, plan.n)), plan.scatter))
    return out[0], out[1]


def _atrous_adjoint(a_bar, d_bar, lo, hi, plan: _Plan):
    """``U(h, g)^* (a_bar, d_bar)`` along the last axis: every step of :func:`_atrous` transposed."""
    xp = namespace(a_bar, d_bar)
    batch, g, m, period = tuple(a_bar.shape[:-1]), plan.cycles, plan.half, plan.period
    phases = []
    for c in (a_bar, d_bar):
        v = xp.reshape(_take(c, plan.place), (*batch, g, period))
        if 2 * m > period:  # the odd phase's last output was cropped: its cotangent is zero
            v = xp.concat([v, xp.zeros((*batch, g, 1), dtype=v.dtype, device=device_of(v))], axis=-1)
        v = xp.reshape(v, (*batch, g, m, 2))
        phases.append(xp.concat([v[..., 0], v[..., 1]], axis=-2))
    z = fb.analysis_adjoint(phases[0], phases[1], plan.ext, lo, hi)  # (..., 2g, period)
    first = xp.reshape(z[..., :g, :], (*batch, plan.n))
    second = xp.reshape(z[..., g:, :], (*batch, plan.n))
    return _take(first, plan.inv0) + _take(second, plan.inv1)


# ----------------------------------------------------------------------------------------------------------
# levels, filters, argument checks (shared with wavelet_swt2)


def swt_max_level(input_len: int) -> int:
    """pywt's ``swt_max_level``: how many times 2 divides ``input_len`` (the deepest level pywt accepts)."""
    n = as_int(input_len, "input_len")
    if n < 1:
        raise ValueError(f"input_len must be >= 1, got {n}")
    return (n & -n).bit_length() - 1


def _levels(sizes, level, start_level) -> range:
    """The levels ``start_level + 1 ... start_level + level`` as 0-based exponents of the dilation.

    ``level=None``: pywt's ``swt_max_level`` of the shortest axis (ValueError when it is 0, where pywt fails
    too). A level past pywt's maximum, or a length pywt refuses, is computed (module docstring: Lengths).
    """
    start_level = as_int(start_level, "start_level")
    if min(sizes) < 1:
        raise ValueError(f"the transformed axes must not be empty, got lengths {tuple(sizes)}")
    if start_level < 0:
        raise ValueError(f"start_level must be >= 0, got {start_level}")
    if level is None:
        level = min(swt_max_level(s) for s in sizes)
        if level == 0:
            raise ValueError(f"level=None: no level of pywt's rule fits the length(s) {tuple(sizes)} (pywt's "
                             "swt_max_level is 0: an odd length); pass level explicitly, which specref computes "
                             "for any length")
    level = as_int(level, "level")
    if level < 1:
        raise ValueError(f"Level value must be greater than zero, got {level}")
    return range(start_level, start_level + level)


def _filters(bank: _Bank, norm: bool, *, synthesis: bool) -> tuple:
    """The taps of one level, in float64: ``dec`` (times 2**-1/2 with norm), or the reversed ``rec`` times
    1/2 (2**-1/2 with norm: pywt's sqrt(2) rec filters and its average of two)."""
    if synthesis:
        s = 2.0**-0.5 if norm else 0.5
        return _reversed(bank.rec_lo) * s, _reversed(bank.rec_hi) * s
    s = 2.0**-0.5 if norm else 1.0
    return bank.dec_lo * s, bank.dec_hi * s


def _warn_norm(banks, norm: bool):
    """pywt's UserWarning for norm=True with a wavelet that is not orthogonal (a custom bank counts as not)."""
    if norm and not _orthogonal(banks):
        warnings.warn("norm=True, but the wavelet is not orthogonal: the conditions for energy preservation "
                      "are not satisfied.", UserWarning, stacklevel=3)


def _is_array(c) -> bool:
    return not isinstance(c, (list, tuple))


def _is_shape(s) -> bool:
    return isinstance(s, (list, tuple)) and all(isinstance(v, int) for v in s)


def _split(coeffs, what: str, leaf=_is_array):
    """A coefficient list ``[(cA, detail), ...]`` or ``[cA, detail, ...]`` (trim_approx) -> (trimmed,
    approximations or None, details, the first approximation); ``leaf`` tells an array (or, for an adjoint's
    ``input_shape``, a shape) from a pair. A detail is an array (1D) or a triple (2D)."""
    if not isinstance(coeffs, (list, tuple)) or len(coeffs) < 1:
        raise ValueError(f"{what}: expected a non-empty list of coefficients")
    if leaf(coeffs[0]):
        if len(coeffs) < 2:
            raise ValueError(f"{what}: a trimmed list [cA, detail, ...] needs at least one detail")
        return True, None, list(coeffs[1:]), coeffs[0]
    for c in coeffs:
        if not isinstance(c, (list, tuple)) or len(c) != 2:
            raise ValueError(f"{what}: every entry must be a pair (cA, detail), or pass the trimmed list")
    return False, [c[0] for c in coeffs], [c[1] for c in coeffs], coeffs[0][0]


# ----------------------------------------------------------------------------------------------------------
# 1D


def swt(data, wavelet, level=None, start_level: int = 0, axis: int = -1, trim_approx: bool = False,
        norm: bool = False) -> list:
    r"""Multilevel stationary wavelet transform, equal to ``pywt.swt(data, wavelet, level, start_level, axis,
    trim_approx, norm)``.

    .. math:: a^{(j)}_n = \sum_k h_k a^{(j-1)}_{(n + DF/2 - Dk) \bmod N}, \quad
              d^{(j)}_n = \sum_k g_k a^{(j-1)}_{(n + DF/2 - Dk) \bmod N}, \quad D = 2^{j-1}

    Parameters
    ----------
    data : array_like
        Read as pywt reads it (:func:`~specref.transforms.wavelet_dwt.dwt`); transformed along ``axis``.
    wavelet : str, pywt.Wavelet or object with ``filter_bank``
    level : int or None
        Number of levels; None: pywt's ``swt_max_level(N)``.
    start_level : int
        Skip the first ``start_level`` dilations (the first level uses :math:`D = 2^{s}`).
    axis : int
    trim_approx : bool
        True: ``[cA_n, cD_n, ..., cD_1]``; False: ``[(cA_n, cD_n), ..., (cA_1, cD_1)]``.
    norm : bool
        Filters times :math:`2^{-1/2}` (an orthogonal wavelet with ``trim_approx`` gives a tight frame);
        pywt's UserWarning for a non-orthogonal wavelet.

    Unlike pywt, any length :math:`N \ge 1` is transformed (the periodic formula; see the module docstring).

    Examples
    --------
    >>> [[round(v, 4) for v in c.tolist()] for c in swt([1, 2, 3, 4], "haar", level=1)[0]]  # pywt's too
    [[2.1213, 3.5355, 4.9497, 3.5355], [-0.7071, -0.7071, -0.7071, 2.1213]]
    """
    x = _as_input(data, "swt", "data")
    bank, norm, trim_approx = _as_bank(wavelet), check_flag(norm, "norm"), check_flag(trim_approx, "trim_approx")
    axis = normalize_axis(axis, x.ndim)
    n = x.shape[axis]
    levels = _levels([n], level, start_level)
    _warn_norm([bank], norm)
    lo, hi = _filters(bank, norm, synthesis=False)
    a, out = _moved(x, axis), []
    for j in levels:
        a, d = _atrous(a, lo, hi, _plan(n, pow(2, j, n), bank.length))
        out.append((_back(a, axis), _back(d, axis)))
    out.reverse()
    return [out[0][0], *[d for _, d in out]] if trim_approx else out


def swt_adjoint(y, *, input_shape, wavelet, level=None, start_level: int = 0, axis: int = -1,
                trim_approx: bool = False, norm: bool = False):
    r"""Adjoint of :func:`swt`: the levels from the coarsest back, each :math:`U_j^*`.

    .. math:: \bar a^{(j-1)} = U_j^*(\bar a^{(j)}, \bar d^{(j)}) + [\text{kept}]\,\bar c^A_{j-1}, \qquad
              \bar x = \bar a^{(s)}

    ``y`` has :func:`swt`'s layout for the same keywords; ``input_shape`` is the shape of ``swt``'s input.
    Not :func:`iswt` (the inverse; see the module docstring for how they relate).
    """
    input_shape = check_input_shape(input_shape)
    bank, norm, trim_approx = _as_bank(wavelet), check_flag(norm, "norm"), check_flag(trim_approx, "trim_approx")
    axis = normalize_axis(axis, len(input_shape))
    n = input_shape[axis]
    levels = _levels([n], level, start_level)
    trimmed, approx, details, first = _split(y, "swt_adjoint")
    if trimmed != trim_approx or len(details) != len(levels):
        raise ValueError(f"swt_adjoint: y must be swt's list for {len(levels)} levels (trim_approx={trim_approx})")
    details = details if approx else [first, *details]
    leaves = _unify([*(approx or []), *details], [f"y[{i}]" for i in range(len(approx or []) + len(details))])
    approx, details = (leaves[:len(levels)], leaves[len(levels):]) if approx else (None, leaves)
    for i, c in enumerate(leaves):
        check_cotangent_shape(c, input_shape, f"swt_adjoint: y leaf {i}", input_shape)
    lo, hi = _filters(bank, norm, synthesis=False)
    a_bar = _moved(approx[0] if approx else details.pop(0), axis)
    for i, j in enumerate(reversed(levels)):
        a_bar = _atrous_adjoint(a_bar, _moved(details[i], axis), lo, hi, _plan(n, pow(2, j, n), bank.length))
        if approx and i + 1 < len(levels):
            a_bar = a_bar + _moved(approx[i + 1], axis)
    return _back(a_bar, axis)


def iswt(coeffs, wavelet, norm: bool = False, axis: int = -1, *, start_level: int = 0):
    r"""pywt's inverse stationary transform, equal to ``pywt.iswt(coeffs, wavelet, norm, axis)``.

    .. math:: a^{(j-1)} = \tfrac12 \bigl(C_f a^{(j)} + C_\phi d^{(j)}\bigr), \quad
              (C_f a)_n = \sum_k f_k a_{(n + D(F/2-1) - Dk) \bmod N}

    from the coarsest level (``coeffs`` in either of :func:`swt`'s layouts; the kept approximations of
    the untrimmed layout are ignored, as in pywt). ``norm`` must be the forward's. ``start_level``
    (keyword, not in pywt, whose iswt assumes 0) gives the dilations of ``swt(..., start_level=s)`` so
    that the round trip holds for it too. This is the inverse, not the adjoint (:func:`swt_adjoint`).
    Bands of two precisions are refused (TypeError; pywt computes them in float64).
    """
    _, _, details, first = _split(coeffs, "iswt")
    norm = check_flag(norm, "norm")
    leaves = _unify([_as_input(c, "iswt", f"coeffs leaf {i}") for i, c in enumerate([first, *details])],
                    [f"coeffs leaf {i}" for i in range(len(details) + 1)])
    bank = _as_bank(wavelet)
    axis = normalize_axis(axis, leaves[0].ndim)
    for i, c in enumerate(leaves):
        if c.shape != leaves[0].shape:
            raise ValueError(f"iswt: coefficient arrays must have one shape: leaf {i} has {tuple(c.shape)}, the "
                             f"approximation {tuple(leaves[0].shape)}")
    n = leaves[0].shape[axis]
    levels = _levels([n], len(details), start_level)
    lo, hi = _filters(bank, norm, synthesis=True)
    a = _moved(leaves[0], axis)
    for i, j in enumerate(reversed(levels)):
        a = _atrous_adjoint(a, _moved(leaves[i + 1], axis), lo, hi, _plan(n, pow(2, j, n), bank.length))
    return _back(a, axis)


def iswt_adjoint(y, *, input_shape, wavelet, norm: bool = False, axis: int = -1, start_level: int = 0):
    r"""Adjoint of :func:`iswt`; ``input_shape`` is the coefficient shapes in ``coeffs``'s layout (a list of
    shapes, or of pairs of shapes). Returns that layout; the ignored approximations get zeros.

    .. math:: \bar a^{(j)} = \tfrac12 U_j(f^\leftarrow, \phi^\leftarrow)\, \bar a^{(j-1)} \text{ (approximation
              part)}, \quad \bar d^{(j)} = \text{its detail part}, \quad \bar a^{(s)} = \bar y
    """
    _check_input(y, "y")
    trimmed, shapes_a, shapes_d, first = _split(input_shape, "input_shape", leaf=_is_shape)
    norm = check_flag(norm, "norm")
    shape = check_input_shape(first)
    bank = _as_bank(wavelet)
    axis = normalize_axis(axis, len(shape))
    for s in [*(shapes_a or []), *shapes_d]:
        if check_input_shape(s) != shape:
            raise ValueError(f"iswt_adjoint: every coefficient shape must be {shape}, got {tuple(s)}")
    check_cotangent_shape(y, shape, "iswt_adjoint: y", input_shape)
    n = shape[axis]
    levels = _levels([n], len(shapes_d), start_level)
    lo, hi = _filters(bank, norm, synthesis=True)
    a_bar, details = _moved(y, axis), []
    for j in levels:
        a_bar, d_bar = _atrous(a_bar, lo, hi, _plan(n, pow(2, j, n), bank.length))
        details.append(_back(d_bar, axis))
    details.reverse()
    a_bar = _back(a_bar, axis)
    if trimmed:
        return [a_bar, *details]
    zeros = namespace(y).zeros_like(a_bar)
    return [(a_bar if i == 0 else zeros, d) for i, d in enumerate(details)]


# ----------------------------------------------------------------------------------------------------------
# verification (shared with wavelet_swt2): error scale, the direct-sum reference, round trip, inverse = adjoint


def _banks_of(params) -> list:
    w, count = params["wavelet"], len(params["axes"]) if "axes" in params else 1
    return [_as_bank(v) for v in (w if isinstance(w, (list, tuple)) else (w,) * count)]


def _level_count(params) -> int:
    axes = params.get("axes", (params.get("axis", -1),))
    return len(_levels([params["shape"][a] for a in axes], params.get("level"), params.get("start_level", 0)))


def _swt_error_scale(params) -> float:
    r"""The claim c: per level and axis, 3 + log2 F.

    A forward coefficient is a sum of F products (taps as given, periodic samples: copies), an inverse sample
    a sum of 2F (two bands); the worst case of such a sum is :math:`K \epsilon \sum |h||x|` (Higham, ch. 3)
    and with independent roundings its standard deviation is about :math:`\sqrt{K/12}\,\epsilon` relative,
    below :math:`(2 + \log_2 K)/2` for every K up to 204 (the family's argument,
    :func:`specref.transforms.wavelet_dwt._error_scale`, with K = 2F). Levels and axes add.
    """
    return len(_banks_of(params)) * _level_count(params) * max(3.0 + math.log2(b.length) for b in _banks_of(params))


_SWT_REASON = ("per level and axis a sum of at most 2F products (taps as given, periodic samples are copies): "
               "2 + log2(2F), twice the random-rounding estimate sqrt(2F/12); levels and axes add")


def _direct_level(x, h, dilation: int, shift: int):
    """One dilated circulant along the last axis by its definition, a sum of rolls (the reference where
    pywt refuses the length): ``y_n = sum_k h_k x_{(n + shift - D k) mod N}``."""
    return sum(h[k] * np.roll(x, dilation * k - shift, axis=-1) for k in range(len(h)))


def _direct_swt(x, wavelet, level, start_level, axis, trim_approx, norm) -> list:
    bank = _as_bank(wavelet)
    lo, hi = _filters(bank, norm, synthesis=False)
    a, out = np.moveaxis(np.asarray(x, dtype=np.float64), axis, -1), []
    for j in _levels([a.shape[-1]], level, start_level):
        dil = 2**j
        a, d = _direct_level(a, lo, dil, dil * bank.length // 2), _direct_level(a, hi, dil, dil * bank.length // 2)
        out.append((np.moveaxis(a, -1, axis), np.moveaxis(d, -1, axis)))
    out.reverse()
    return [out[0][0], *[d for _, d in out]] if trim_approx else out


def _direct_iswt(coeffs, wavelet, norm, axis, start_level) -> np.ndarray:
    _, _, details, first = _split(coeffs, "iswt")
    bank, s = _as_bank(wavelet), 2.0**-0.5 if norm else 0.5
    f, phi = bank.rec_lo * s, bank.rec_hi * s
    a = np.moveaxis(np.asarray(first, dtype=np.float64), axis, -1)
    levels = _levels([a.shape[-1]], len(details), start_level)
    for d, j in zip(details, reversed(levels), strict=True):
        dil = 2**j
        d = np.moveaxis(np.asarray(d, dtype=np.float64), axis, -1)
        a = _direct_level(a, f, dil, dil * (bank.length // 2 - 1)) + _direct_level(d, phi, dil,
                                                                                  dil * (bank.length // 2 - 1))
    return np.moveaxis(a, -1, axis)


def _pywt_accepts(params) -> bool:
    """pywt transforms the point: every axis a multiple of 2**(start_level + level)."""
    axes = params.get("axes", (params.get("axis", -1),))
    top = params.get("start_level", 0) + _level_count(params)
    return all(params["shape"][a] % 2**top == 0 for a in axes)


def _level_gain(bank: _Bank, norm: bool, *, synthesis: bool) -> float:
    """An upper bound of one level's operator norm, :math:`\\sqrt{\\|h\\|_1^2 + \\|g\\|_1^2}` (|H| <= ||h||_1)."""
    lo, hi = _filters(bank, norm, synthesis=synthesis)
    return math.hypot(float(np.abs(lo).sum()), float(np.abs(hi).sum()))


def _pr_defect(bank: _Bank) -> float:
    """||f_0 * h_0 + f_1 * h_1 - 2 delta_{F-1}||_1 / 2: how far one exact level of iswt o swt is from I (pywt's
    tables are rounded: a few eps for most wavelets, ~1e-11 for sym*, 1e-3 for dmey)."""
    p = np.convolve(bank.rec_lo, bank.dec_lo) + np.convolve(bank.rec_hi, bank.dec_hi)
    p[bank.length - 1] -= 2.0
    return 0.5 * float(np.abs(p).sum())


def _round_trip_bound(params, eps: float) -> tuple[float, str]:
    """First-order propagation: each stage's c eps, amplified by the other stages' norms (each <= max(1,
    gain)), plus the filter bank's own defect, compounded over the levels and axes."""
    banks, norm, levels = _banks_of(params), params.get("norm", False), _level_count(params)
    kappa, defect = 1.0, 1.0
    for b in banks:
        kappa *= (max(1.0, _level_gain(b, norm, synthesis=False)) * max(1.0, _level_gain(b, norm, synthesis=True))
                  ) ** levels
        defect *= (1.0 + _pr_defect(b)) ** levels
    c = 2 * _swt_error_scale(params)
    bound = 2 * c * eps * kappa + (defect - 1.0) * kappa
    return bound, (f"2 (c_swt + c_iswt) eps kappa + PR defect: kappa = {kappa:.3g} bounds every stage's gain "
                   "(sqrt(||h||_1^2 + ||g||_1^2) per level and axis), the defect is pywt's filters' (F0 H0 + F1 H1 "
                   "- 2 z^-(F-1)) compounded")


def _orthogonal(banks) -> bool:
    import pywt

    return all(b.name in pywt.wavelist(kind="discrete") and pywt.Wavelet(b.name).orthogonal for b in banks)


def _make_swt(rng, xp, dtype, *, shape, axis=-1, **kw):
    return _inputs(rng, xp, dtype, shape, axis=axis, **kw)


def _make_iswt(rng, xp, dtype, *, shape, wavelet, level, start_level=0, axis=-1, trim_approx=False, norm=False):
    """Random coefficients in swt's layout (the inverse is a linear map of all of them, in range or not)."""
    count = _level_count({"shape": shape, "axis": axis, "level": level, "start_level": start_level})
    shapes = [shape] * (count + 1) if trim_approx else [(shape, shape)] * count
    return _inputs(rng, xp, dtype, shapes, wavelet=wavelet, norm=norm, axis=axis, start_level=start_level)


def _ref_swt(x, wavelet, level=None, start_level=0, axis=-1, trim_approx=False, norm=False):
    params = {"shape": x.shape, "axis": axis, "level": level, "start_level": start_level}
    if _pywt_accepts(params):
        import pywt

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return pywt.swt(x, wavelet, level, start_level, axis, trim_approx, norm)
    return _direct_swt(x, wavelet, level, start_level, axis, trim_approx, norm)


def _ref_iswt(coeffs, wavelet, norm=False, axis=-1, start_level=0):
    _, _, details, first = _split(coeffs, "iswt")
    if start_level == 0 and _pywt_accepts({"shape": first.shape, "axis": axis, "level": len(details)}):
        import pywt

        return pywt.iswt(coeffs, wavelet, norm, axis)
    return _direct_iswt(coeffs, wavelet, norm, axis, start_level)


def _inverse_kwargs(kw: dict) -> dict:
    return {k: kw[k] for k in ("wavelet", "norm", "axis", "axes", "start_level") if k in kw}


def _round_trip(got, expected, params, dtype, name="round_trip"):
    """``got`` (e.g. ``iswt(swt(x))``) against ``expected`` (``x``): the derived bound of :func:`_round_trip_bound`."""
    rep = error_report(got, expected)
    bound, reason = _round_trip_bound(params, finfo_eps(dtype))
    return CheckResult(name, rep.normwise, bound, bool(rep.normwise <= bound), reason, rep.where())


def _check_round_trip(inputs, *, xp, dtype, params, rng):
    x, kw = inputs.args[0], dict(inputs.kwargs)
    y = swt(x, **kw)
    return _round_trip(iswt(y, **_inverse_kwargs(kw)), x, params, dtype)


def _check_inverse_is_adjoint(inputs, *, xp, dtype, params, rng):
    """Orthogonal wavelet, norm=True, trim_approx=True: a tight frame, iswt(y) == swt_adjoint(y) (y = swt(x))."""
    x, kw = inputs.args[0], dict(inputs.kwargs)
    if not (kw.get("norm") and kw.get("trim_approx") and _orthogonal(_banks_of(params))):
        return skipped("inverse_is_adjoint", "applies to orthogonal wavelets with norm=True and trim_approx=True")
    y = swt(x, **kw)
    return _round_trip(iswt(y, **_inverse_kwargs(kw)), swt_adjoint(y, input_shape=tuple(x.shape), **kw), params,
                       dtype, "inverse_is_adjoint")


def _swt_case(name, forward, adjoint, make, reference, grid, full_grid, extra_checks=()):
    return Case(name=name, forward=forward, adjoint=adjoint, make=make, reference=reference, grid=grid,
                full_grid=full_grid, error_scale=_swt_error_scale, error_reason=_SWT_REASON,
                extra_checks=extra_checks)


# Lengths pywt accepts and lengths it refuses (odd, or not a multiple of 2**(start_level + level)); small
# points run the dense adjoint check (<= 256 real coordinates on both sides), the others the dot test.
_GRID = (
    {"wavelet": "haar", "shape": (16,), "level": None},
    {"wavelet": "db2", "shape": (2, 15), "level": 2, "trim_approx": True},
    {"wavelet": "sym3", "shape": (12, 3), "axis": 0, "level": 2, "start_level": 1, "trim_approx": True,
     "norm": True},
    {"wavelet": "coif1", "shape": (4, 32), "level": 3, "norm": True},
    {"wavelet": "bior2.2", "shape": (24,), "level": 3},
    {"wavelet": "rbio1.3", "shape": (7,), "level": 1},
    {"wavelet": "db4", "shape": (3, 64), "level": 2, "start_level": 2, "trim_approx": True},
    {"wavelet": "db2", "shape": (2, 16), "level": 3, "trim_approx": True, "norm": True},
    {"wavelet": "haar", "shape": (5, 6), "axis": 0, "level": 4},  # a dilation past the length (D = 8 > 5)
    {"wavelet": "dmey", "shape": (64,), "level": 1},
)


def _full_grid() -> tuple:
    """Every discrete wavelet pywt knows: a length pywt takes (level 2) and one it refuses (F + 3, level 2,
    trimmed, normalized for the orthogonal ones: the tight frame whose inverse is its adjoint)."""
    import pywt

    points = []
    for name in pywt.wavelist(kind="discrete"):
        f = _as_bank(name).length
        points += [{"wavelet": name, "shape": (2, 4 * (f // 4 + 1)), "level": 2},
                   {"wavelet": name, "shape": (f + 3,), "level": 2, "trim_approx": True,
                    "norm": pywt.Wavelet(name).orthogonal}]
    return tuple(points)


def _iswt_grid(points) -> tuple:
    return tuple({k: v for k, v in p.items()} | ({"level": _level_count(p)} if p.get("level") is None else {})
                 for p in points)


CASES = [
    _swt_case("swt", swt, swt_adjoint, _make_swt, _ref_swt, _GRID, _full_grid(),
              (_check_round_trip, _check_inverse_is_adjoint)),
    _swt_case("iswt", iswt, iswt_adjoint, _make_iswt, _ref_iswt, _iswt_grid(_GRID), _iswt_grid(_full_grid())),
]
