r"""The 2D stationary wavelet transform, equal to pywt's ``swt2``/``iswt2``, with exact adjoints.

One level is the 1D undecimated level of :mod:`specref.transforms.wavelet_swt` along ``axes[0]``, then
along ``axes[1]`` on both outputs (one wavelet per axis allowed, as pywt):

.. math:: (a_0, d_0) = U^{(0)}_j a^{(j-1)}, \quad (c^A, c^V) = U^{(1)}_j a_0, \quad (c^H, c^D) = U^{(1)}_j d_0,

so ``cH`` is the detail along ``axes[0]`` (pywt's ``'da'``) and ``cV`` along ``axes[1]`` (``'ad'``). The
adjoint runs the three maps transposed in reverse order, level by level from the coarsest (adding each kept
approximation's cotangent), and the inverse (pywt's ``iswt2``, which averages four decimated inverses) is the
tensor product of the 1D inverse levels, :math:`\tfrac14` of the transposed analysis with the reversed
synthesis filters; its adjoint is that analysis. Lengths, norm, inverse vs adjoint and complexity: as in 1D
(:mod:`specref.transforms.wavelet_swt`).
"""

from __future__ import annotations

from specref._args import check_cotangent_shape, check_flag, check_input_shape
from specref.backend import namespace
from specref.testing.checks import skipped
from specref.transforms.wavelet_bank import _per_axis
from specref.transforms.wavelet_dwt import _as_input, _back, _check_input, _inputs, _moved, _quad, _two_axes, _unify
from specref.transforms.wavelet_swt import (
    _atrous,
    _atrous_adjoint,
    _banks_of,
    _direct_iswt,
    _direct_swt,
    _filters,
    _inverse_kwargs,
    _iswt_grid,
    _level_count,
    _levels,
    _orthogonal,
    _plan,
    _pywt_accepts,
    _round_trip,
    _split,
    _swt_case,
    _warn_norm,
)

__all__ = ["swt2", "swt2_adjoint", "iswt2", "iswt2_adjoint"]


def _setup(shape, wavelet, axes, norm, synthesis: bool):
    banks, _ = _per_axis(wavelet, "periodization")
    axes = _two_axes(axes, len(shape))
    filters = [_filters(b, norm, synthesis=synthesis) for b in banks]
    return banks, axes, filters


def _level_plans(shape, axes, banks, j):
    return [_plan(shape[a], pow(2, j, shape[a]), b.length) for a, b in zip(axes, banks, strict=True)]


def _analysis(x, axes, filters, plans):
    """One 2D level: ``(cA, (cH, cV, cD))`` of ``x`` (the 1D level along ``axes[0]``, then ``axes[1]``)."""
    (a0, a1), (f0, f1), (p0, p1) = axes, filters, plans
    lo, hi = (_back(c, a0) for c in _atrous(_moved(x, a0), *f0, p0))
    aa, ad = (_back(c, a1) for c in _atrous(_moved(lo, a1), *f1, p1))
    da, dd = (_back(c, a1) for c in _atrous(_moved(hi, a1), *f1, p1))
    return aa, (da, ad, dd)


def _analysis_adjoint(aa, da, ad, dd, axes, filters, plans):
    """The adjoint of :func:`_analysis`: the three 1D adjoints in reverse order."""
    (a0, a1), (f0, f1), (p0, p1) = axes, filters, plans
    lo = _back(_atrous_adjoint(_moved(aa, a1), _moved(ad, a1), *f1, p1), a1)
    hi = _back(_atrous_adjoint(_moved(da, a1), _moved(dd, a1), *f1, p1), a1)
    return _back(_atrous_adjoint(_moved(lo, a0), _moved(hi, a0), *f0, p0), a0)


def swt2(data, wavelet, level, start_level: int = 0, axes=(-2, -1), trim_approx: bool = False,
         norm: bool = False) -> list:
    """Multilevel 2D stationary wavelet transform, equal to ``pywt.swt2(data, wavelet, level, start_level,
    axes, trim_approx, norm)``.

    Returns ``[(cA_n, (cH_n, cV_n, cD_n)), ..., (cA_1, (cH_1, cV_1, cD_1))]``, or with ``trim_approx``
    ``[cA_n, (cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)]``. ``wavelet`` may be one per axis. ``level=None``
    (pywt requires a number) is pywt's 1D rule on the shorter axis. Any lengths are transformed (pywt: only
    multiples of ``2**(start_level + level)``); see :mod:`specref.transforms.wavelet_swt`.
    """
    x = _as_input(data, "swt2", "data")
    norm, trim_approx = check_flag(norm, "norm"), check_flag(trim_approx, "trim_approx")
    banks, axes, filters = _setup(x.shape, wavelet, axes, norm, synthesis=False)
    levels = _levels([x.shape[a] for a in axes], level, start_level)
    _warn_norm(banks, norm)
    out, a = [], x
    for j in levels:
        a, details = _analysis(a, axes, filters, _level_plans(x.shape, axes, banks, j))
        out.append((a, details))
    out.reverse()
    return [out[0][0], *[d for _, d in out]] if trim_approx else out


def swt2_adjoint(y, *, input_shape, wavelet, level, start_level: int = 0, axes=(-2, -1), trim_approx: bool = False,
                 norm: bool = False):
    """Adjoint of :func:`swt2`: per level from the coarsest, the adjoint of the level applied to the
    accumulated approximation cotangent and the level's details (plus a kept approximation's cotangent)."""
    shape = check_input_shape(input_shape)
    norm, trim_approx = check_flag(norm, "norm"), check_flag(trim_approx, "trim_approx")
    banks, axes, filters = _setup(shape, wavelet, axes, norm, synthesis=False)
    levels = _levels([shape[a] for a in axes], level, start_level)
    count = len(levels)
    if not isinstance(y, (list, tuple)) or len(y) != count + trim_approx:
        raise ValueError(f"swt2_adjoint: y must be swt2's list for {count} levels (trim_approx={trim_approx})")
    if trim_approx:
        approx, details = [y[0]] + [None] * (count - 1), [tuple(_quad((None, d), "y")[1]) for d in y[1:]]
    else:
        pairs = [_quad(p, "y") for p in y]
        approx, details = [p[0] for p in pairs], [p[1] for p in pairs]
    flat = [approx[0], *[a for a in approx[1:] if a is not None], *[c for d in details for c in d]]
    flat = _unify(flat, [f"y leaf {i}" for i in range(len(flat))])
    for i, c in enumerate(flat):
        check_cotangent_shape(c, shape, f"swt2_adjoint: y leaf {i}", shape)
    a_bar = approx[0]
    for i, j in enumerate(reversed(levels)):
        a_bar = _analysis_adjoint(a_bar, *details[i], axes, filters, _level_plans(shape, axes, banks, j))
        if i + 1 < count and approx[i + 1] is not None:
            a_bar = a_bar + approx[i + 1]
    return a_bar


def iswt2(coeffs, wavelet, norm: bool = False, axes=(-2, -1), *, start_level: int = 0):
    """pywt's 2D inverse, equal to ``pywt.iswt2(coeffs, wavelet, norm, axes)``: per level from the coarsest,
    the 1D inverse level along ``axes[1]`` (pairing cA with cV, cH with cD) then along ``axes[0]``.

    ``coeffs`` in either of :func:`swt2`'s layouts (kept approximations are ignored, as in pywt);
    ``start_level`` as in :func:`~specref.transforms.wavelet_swt.iswt` (not in pywt). The inverse, not the
    adjoint (:func:`swt2_adjoint`). Bands of two precisions are refused (TypeError).
    """
    _, _, details, first = _split(coeffs, "iswt2")
    norm = check_flag(norm, "norm")
    details = [_quad((None, d), "coeffs")[1] for d in details]
    leaves = [first, *[c for d in details for c in d]]
    leaves = _unify([_as_input(c, "iswt2", f"coeffs leaf {i}") for i, c in enumerate(leaves)],
                    [f"coeffs leaf {i}" for i in range(len(leaves))])
    shape = tuple(leaves[0].shape)
    for i, c in enumerate(leaves):
        if tuple(c.shape) != shape:
            raise ValueError(f"iswt2: coefficient arrays must have one shape: leaf {i} has {tuple(c.shape)}, the "
                             f"approximation {shape}")
    banks, axes, filters = _setup(shape, wavelet, axes, norm, synthesis=True)
    levels = _levels([shape[a] for a in axes], len(details), start_level)
    a = leaves[0]
    for i, j in enumerate(reversed(levels)):
        da, ad, dd = leaves[1 + 3 * i: 4 + 3 * i]
        a = _analysis_adjoint(a, da, ad, dd, axes, filters, _level_plans(shape, axes, banks, j))
    return a


def iswt2_adjoint(y, *, input_shape, wavelet, norm: bool = False, axes=(-2, -1), start_level: int = 0):
    """Adjoint of :func:`iswt2`; ``input_shape`` is the coefficient shapes in ``coeffs``'s layout. Returns
    that layout, with zeros for the ignored approximations."""
    _check_input(y, "y")
    norm = check_flag(norm, "norm")
    if not isinstance(input_shape, (list, tuple)) or not input_shape:
        raise ValueError("input_shape must be the coefficient shapes, in the forward's layout")
    trimmed = all(isinstance(v, int) for v in input_shape[0])
    shape = check_input_shape(input_shape[0] if trimmed else _quad(input_shape[0], "input_shape")[0])
    count = len(input_shape) - 1 if trimmed else len(input_shape)
    if count < 1:
        raise ValueError("input_shape: a trimmed layout [cA, details, ...] needs at least one level")
    entries = input_shape[1:] if trimmed else [_quad(s, "input_shape")[1] for s in input_shape]
    for d in entries:
        for s in _quad((None, d), "input_shape")[1]:
            if check_input_shape(s) != shape:
                raise ValueError(f"iswt2_adjoint: every coefficient shape must be {shape}, got {tuple(s)}")
    check_cotangent_shape(y, shape, "iswt2_adjoint: y", shape)
    banks, axes, filters = _setup(shape, wavelet, axes, norm, synthesis=True)
    levels = _levels([shape[a] for a in axes], count, start_level)
    a_bar, details = y, []
    for j in levels:
        a_bar, d = _analysis(a_bar, axes, filters, _level_plans(shape, axes, banks, j))
        details.append(d)
    details.reverse()
    if trimmed:
        return [a_bar, *details]
    zeros = namespace(y).zeros_like(a_bar)
    return [(a_bar if i == 0 else zeros, d) for i, d in enumerate(details)]


# ----------------------------------------------------------------------------------------------------------
# verification cases (error scale, direct-sum reference and round-trip bound: specref.transforms.wavelet_swt)


def _make_swt2(rng, xp, dtype, *, shape, axes=(-2, -1), **kw):

    return _inputs(rng, xp, dtype, shape, axes=axes, **kw)


def _make_iswt2(rng, xp, dtype, *, shape, wavelet, level, axes=(-2, -1), start_level=0, trim_approx=False,
                norm=False):

    count = _level_count({"shape": shape, "axes": axes, "level": level, "start_level": start_level})
    bands = (shape, shape, shape)
    shapes = [shape] + [bands] * count if trim_approx else [(shape, bands)] * count
    return _inputs(rng, xp, dtype, shapes, wavelet=wavelet, norm=norm, axes=axes, start_level=start_level)


def _direct_swt2(x, wavelet, level, start_level, axes, trim_approx, norm) -> list:
    """The definition, along ``axes[0]`` then ``axes[1]``, by the 1D direct sums."""

    w0, w1 = wavelet if isinstance(wavelet, (list, tuple)) else (wavelet, wavelet)
    out, a = [], x
    for j in _levels([x.shape[ax] for ax in axes], level, start_level):
        (lo, hi), = _direct_swt(a, w0, 1, j, axes[0], False, norm)
        (aa, ad), = _direct_swt(lo, w1, 1, j, axes[1], False, norm)
        (da, dd), = _direct_swt(hi, w1, 1, j, axes[1], False, norm)
        a = aa
        out.append((aa, (da, ad, dd)))
    out.reverse()
    return [out[0][0], *[d for _, d in out]] if trim_approx else out


def _ref_swt2(x, wavelet, level, start_level=0, axes=(-2, -1), trim_approx=False, norm=False):
    import warnings


    if _pywt_accepts({"shape": x.shape, "axes": axes, "level": level, "start_level": start_level}):
        import pywt

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return pywt.swt2(x, wavelet, level, start_level, axes, trim_approx, norm)
    return _direct_swt2(x, wavelet, level, start_level, axes, trim_approx, norm)


def _ref_iswt2(coeffs, wavelet, norm=False, axes=(-2, -1), start_level=0):
    """pywt.iswt2 where it applies; elsewhere the 1D direct inverse along ``axes[1]``, then ``axes[0]``."""

    _, _, details, first = _split(coeffs, "iswt2")
    if start_level == 0 and _pywt_accepts({"shape": first.shape, "axes": axes, "level": len(details)}):
        import pywt

        return pywt.iswt2(coeffs, wavelet, norm, tuple(axes))
    w0, w1 = wavelet if isinstance(wavelet, (list, tuple)) else (wavelet, wavelet)
    a = first
    for i, (da, ad, dd) in enumerate(details):
        j = start_level + len(details) - 1 - i
        lo = _direct_iswt([a, ad], w1, norm, axes[1], j)
        hi = _direct_iswt([da, dd], w1, norm, axes[1], j)
        a = _direct_iswt([lo, hi], w0, norm, axes[0], j)
    return a


def _check_round_trip2(inputs, *, xp, dtype, params, rng):

    x, kw = inputs.args[0], dict(inputs.kwargs)
    y = swt2(x, **kw)
    return _round_trip(iswt2(y, **_inverse_kwargs(kw)), x, params, dtype)


def _check_inverse_is_adjoint2(inputs, *, xp, dtype, params, rng):

    x, kw = inputs.args[0], dict(inputs.kwargs)
    if not (kw.get("norm") and kw.get("trim_approx") and _orthogonal(_banks_of(params))):
        return skipped("inverse_is_adjoint", "applies to orthogonal wavelets with norm=True and trim_approx=True")
    y = swt2(x, **kw)
    return _round_trip(iswt2(y, **_inverse_kwargs(kw)), swt2_adjoint(y, input_shape=tuple(x.shape), **kw), params,
                       dtype, "inverse_is_adjoint")


_GRID2 = (
    {"wavelet": "haar", "shape": (4, 8), "level": 2},
    {"wavelet": "db2", "shape": (5, 6), "level": 1, "trim_approx": True, "norm": True},
    {"wavelet": ("db2", "bior2.2"), "shape": (2, 8, 12), "axes": (-1, -2), "level": 2},
    {"wavelet": "sym3", "shape": (16, 2, 8), "axes": (0, 2), "level": 2, "start_level": 1, "trim_approx": True},
    {"wavelet": "coif1", "shape": (7, 9), "level": 2, "norm": True},
    {"wavelet": "rbio1.3", "shape": (3, 12, 12), "level": 1, "trim_approx": True},
    {"wavelet": ("haar", "db2"), "shape": (3, 5), "level": 2},  # dilations past the lengths (D = 2 on 3 ...)
)


def _full_grid2() -> tuple:
    import pywt

    return tuple({"wavelet": name, "shape": (8, 6), "level": 2, "trim_approx": i % 2 == 0}
                 for i, name in enumerate(pywt.wavelist(kind="discrete")))


def _cases():

    return [
        _swt_case("swt2", swt2, swt2_adjoint, _make_swt2, _ref_swt2, _GRID2, _full_grid2(),
                  (_check_round_trip2, _check_inverse_is_adjoint2)),
        _swt_case("iswt2", iswt2, iswt2_adjoint, _make_iswt2, _ref_iswt2, _iswt_grid(_GRID2),
                  _iswt_grid(_full_grid2())),
    ]


CASES = _cases()
