"""Guards of docs/transforms/wavelet.md: each formula the page states, evaluated independently.

Expected values come from the page's formulas written out here: the boundary modes as recursive mirrors,
the analysis as pywt's convolution sampled at odd positions, the synthesis sum, the stationary transform's
dilated periodic sums, and dense matrices assembled column by column from those loops for every adjoint.
Filter taps are read from pywt (the page's authority for them); the specref functions are only ever on the
"got" side. Sizes n <= 12, float64.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import pywt

from specref.transforms import wavelet as wv
from specref.transforms.wavelet_bank import _analysis_extension
from specref.transforms.wavelet_dwt import _error_scale
from specref.transforms.wavelet_swt import _swt_error_scale

EPS = np.finfo(np.float64).eps
MODES = ("zero", "constant", "symmetric", "reflect", "antisymmetric", "antireflect", "periodic", "smooth",
         "periodization")


def _bank(name):
    dec_lo, dec_hi, rec_lo, rec_hi = (np.asarray(f, dtype=float) for f in pywt.Wavelet(name).filter_bank)
    return dec_lo, dec_hi, rec_lo, rec_hi


def _ext(x, i, mode):
    """x~_i by the page's mode table; beyond one mirror, the mirror applied again ("keeps mirroring")."""
    n = len(x)
    if 0 <= i < n:
        return x[i]
    left = i < 0
    if mode == "zero":
        return 0.0
    if mode == "constant" or (mode == "smooth" and n == 1):
        return x[0] if left else x[-1]
    if mode == "symmetric":  # x~_{-k} = x_{k-1}
        return _ext(x, -1 - i if left else 2 * n - 1 - i, mode)
    if mode == "reflect":  # x~_{-k} = x_k
        return _ext(x, -i if left else 2 * n - 2 - i, mode)
    if mode == "antisymmetric":  # x~_{-k} = -x_{k-1}
        return -_ext(x, -1 - i if left else 2 * n - 1 - i, mode)
    if mode == "antireflect":  # x~_{-k} = 2 x_0 - x~_k: point reflection through the edge
        return 2 * x[0] - _ext(x, -i, mode) if left else 2 * x[-1] - _ext(x, 2 * n - 2 - i, mode)
    if mode == "periodic":
        return x[i % n]
    if mode == "smooth":  # the line through the edge samples
        return x[0] + (-i) * (x[0] - x[1]) if left else x[-1] + (i - n + 1) * (x[-1] - x[-2])
    xp = list(x) + ([x[-1]] if n % 2 else [])  # periodization: x_{n-1} repeated once for odd n
    return xp[i % len(xp)]


def _m(n, f, mode):
    return (n + 1) // 2 if mode == "periodization" else (n + f - 1) // 2


def _analysis(x, h, g, mode):
    """c^A_o = sum_j h_j x~_{2o+1-j} (periodization: x~_{F/2+2o-j}), c^D likewise with g."""
    f, n = len(h), len(x)
    m = _m(n, f, mode)
    offset = (lambda o, j: f // 2 + 2 * o - j) if mode == "periodization" else (lambda o, j: 2 * o + 1 - j)
    ca = np.array([sum(h[j] * _ext(x, offset(o, j), mode) for j in range(f)) for o in range(m)])
    cd = np.array([sum(g[j] * _ext(x, offset(o, j), mode) for j in range(f)) for o in range(m)])
    return ca, cd


def _synthesis(ca, cd, fl, fh, mode):
    """y_t = sum_{o,k} (f_k cA_o + phi_k cD_o) [2o + k = t + F - 2]; periodization reads (t + F/2 - 1 - k) mod 2m."""
    f, m = len(fl), len(ca)
    if mode == "periodization":
        ua, ud = np.zeros(2 * m), np.zeros(2 * m)
        ua[::2], ud[::2] = ca, cd
        return np.array([sum(fl[k] * ua[(t + f // 2 - 1 - k) % (2 * m)] + fh[k] * ud[(t + f // 2 - 1 - k) % (2 * m)]
                             for k in range(f)) for t in range(2 * m)])
    y = np.zeros(2 * m - f + 2)
    for t in range(len(y)):
        for o in range(m):
            k = t + f - 2 - 2 * o
            if 0 <= k < f:
                y[t] += fl[k] * ca[o] + fh[k] * cd[o]
    return y


def _dense(fn, n_in):
    return np.stack([np.concatenate([np.ravel(p) for p in fn(e)]) if isinstance(fn(e), tuple) else fn(e)
                     for e in np.eye(n_in)], axis=1)


def _bound(f, size):
    """The page's error scale c = 2 + log2 F per level, on a sum of size sum|h| |x| <= size."""
    return (2 + math.log2(f)) * EPS * size  # the page's c = 2 + log2 F, times the sum's size


# ----------------------------------------------------------------------------------------------------------
# Layout and lengths


@pytest.mark.parametrize("name", ["haar", "db2", "bior2.2"])
@pytest.mark.parametrize("n", [1, 2, 9, 10])
def test_lengths_and_max_level(name, n):
    """docs/transforms/wavelet.md, Layout and lengths: m = floor((n + F - 1)/2) (periodization ceil(n/2)), the inverse
    maps m to 2m - F + 2 samples (2m periodization), dwt_max_level = floor(log2(n/(F - 1))) (0 for n < F - 1).
    Against dwt, idwt, dwt_coeff_len, dwt_max_level."""
    f = len(pywt.Wavelet(name).dec_lo)
    x = np.random.default_rng(n).standard_normal(n)
    for mode in ("symmetric", "zero", "periodization"):
        m = math.ceil(n / 2) if mode == "periodization" else (n + f - 1) // 2
        assert wv.dwt_coeff_len(n, name, mode) == m
        ca, cd = wv.dwt(x, name, mode)
        assert ca.shape == cd.shape == (m,)
        if mode == "periodization" or 2 * m >= f:
            assert wv.idwt(ca, cd, name, mode).shape == ((2 * m if mode == "periodization" else 2 * m - f + 2),)
    assert wv.dwt_max_level(n, name) == (0 if n < f - 1 else int(math.floor(math.log2(n / (f - 1)))))
    if f > 2:  # Errors: fewer than F/2 coefficients cannot be synthesized (non-periodization)
        with pytest.raises(ValueError):
            wv.idwt(np.ones(f // 2 - 1), np.ones(f // 2 - 1), name, "symmetric")


def test_odd_length_waverec_returns_one_more_sample():
    """docs/transforms/wavelet.md, note "Odd lengths": lengths 9 and 10 give coefficients of the same lengths;
    waverec returns N + 1 samples for odd N, and output_length=N crops (its adjoint zero-pads back)."""
    rng = np.random.default_rng(0)
    c9 = wv.wavedec(rng.standard_normal(9), "haar", level=2)
    c10 = wv.wavedec(rng.standard_normal(10), "haar", level=2)
    assert [c.shape for c in c9] == [c.shape for c in c10]
    x = rng.standard_normal(9)
    coeffs = wv.wavedec(x, "haar", level=2)
    full = wv.waverec(coeffs, "haar")
    assert full.shape == (10,)
    cropped = wv.waverec(coeffs, "haar", output_length=9)
    assert np.array_equal(cropped, full[:9])
    np.testing.assert_allclose(cropped, x, rtol=0, atol=16 * _bound(2, np.abs(x).sum()))  # 4 level passes
    g = rng.standard_normal(9)
    shapes = [c.shape for c in coeffs]
    adj_crop = wv.waverec_adjoint(g, input_shape=shapes, wavelet="haar", output_length=9)
    adj_full = wv.waverec_adjoint(np.concatenate([g, [0.0]]), input_shape=shapes, wavelet="haar")
    for a, b in zip(adj_crop, adj_full, strict=True):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------------------------------------
# Analysis: extend, convolve, downsample


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["db2", "bior2.2"])
def test_analysis_is_pywt_convolution_at_odd_positions(name, mode):
    """docs/transforms/wavelet.md, Analysis: c^A_o = sum_j h_j x~_{2o+1-j} (periodization x~_{F/2+2o-j}), x~ the mode
    table's extension (kept mirroring for short signals), n = 1, 3, 7; reflect/antireflect with n = 1 raise.
    Against dwt."""
    h, g, _, _ = _bank(name)
    for n in (1, 3, 7):
        x = np.random.default_rng(n).standard_normal(n)
        if n == 1 and mode in ("reflect", "antireflect"):
            with pytest.raises(ValueError):
                wv.dwt(x, name, mode)
            continue
        ca, cd = _analysis(x, h, g, mode)
        got_a, got_d = wv.dwt(x, name, mode)
        scale = np.abs(h).sum() * (2 * len(h) - 1) * np.abs(x).max()  # |x~| <= (2F - 1) max|x| (smooth, antireflect)
        np.testing.assert_allclose(got_a, ca, rtol=0, atol=2 * _bound(len(h), scale))  # two F-term sums, c each
        np.testing.assert_allclose(got_d, cd, rtol=0, atol=2 * _bound(len(h), scale))  # same for the detail band


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n", [2, 5])
def test_extension_map_rows(n, mode):
    """docs/transforms/wavelet.md, Analysis: E produces the n_e = 2m + F - 2 samples the windows read, the signal
    starting at F - 2 (F/2 - 1 periodization), each row at most three nonzeros; antireflect shifts by 2(x_0 -
    x_{n-1}) every 2n - 2 samples. Against specref.transforms.wavelet_bank._analysis_extension's table."""
    f = 6
    x = np.random.default_rng(n).standard_normal(n)
    ext = _analysis_extension(n, f, mode)
    m = _m(n, f, mode)
    start = f // 2 - 1 if mode == "periodization" else f - 2
    assert ext.index.shape[0] == 2 * m + f - 2
    assert ext.pad_left == start
    assert ext.weight.shape[1] <= 3
    rows = (ext.weight * x[ext.index]).sum(axis=1)
    expected = np.array([_ext(x, q - start, mode) for q in range(2 * m + f - 2)])
    np.testing.assert_allclose(rows, expected, rtol=0, atol=16 * EPS * np.abs(x).max() * f)  # <= 3 terms of O(F)
    if mode == "antireflect":
        for k in range(1, n):
            shifted = _ext(x, -k - (2 * n - 2), mode)
            assert math.isclose(shifted, _ext(x, -k, mode) + 2 * (x[0] - x[-1]),
                                rel_tol=0, abs_tol=16 * EPS * np.abs(x).max())  # a few O(1) sums


# ----------------------------------------------------------------------------------------------------------
# The adjoint: upsample, correlate, fold back


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n", [3, 6])
def test_dwt_adjoint_upsample_correlate_fold(n, mode):
    """docs/transforms/wavelet.md, The adjoint: e_bar_q = sum_j h_j u^A_{q-F+1+j} + g_j u^D_{q-F+1+j} (correlation
    with the upsampled cotangents), x_bar = E^T e_bar; equals the transpose of the dense analysis (from the loop).
    Against dwt_adjoint."""
    h, g, _, _ = _bank("db2")
    f = len(h)
    m = _m(n, f, mode)
    start = f // 2 - 1 if mode == "periodization" else f - 2
    rng = np.random.default_rng(n)
    da, dd = rng.standard_normal(m), rng.standard_normal(m)
    ne = 2 * m + f - 2
    ua, ud = np.zeros(ne + f), np.zeros(ne + f)
    ua[: 2 * m : 2], ud[: 2 * m : 2] = da, dd
    e_bar = np.array([sum(h[j] * ua[q - f + 1 + j] + g[j] * ud[q - f + 1 + j] for j in range(f)
                          if 0 <= q - f + 1 + j < 2 * m) for q in range(ne)])
    e_dense = np.stack([[_ext(col, q - start, mode) for q in range(ne)] for col in np.eye(n)], axis=1)
    folded = e_dense.T @ e_bar
    a = _dense(lambda e: _analysis(e, h, g, mode), n)
    dense_adj = a.T @ np.concatenate([da, dd])
    size = np.abs(h).sum() * (2 * f - 1) * (np.abs(da).sum() + np.abs(dd).sum())  # folds add up to 2F-1 per entry
    np.testing.assert_allclose(folded, dense_adj, rtol=0, atol=2 * _bound(f, size))  # two sums, c each
    got = wv.dwt_adjoint((da, dd), input_shape=(n,), wavelet="db2", mode=mode)
    np.testing.assert_allclose(got, dense_adj, rtol=0, atol=2 * _bound(f, size))  # same sums in another order


# ----------------------------------------------------------------------------------------------------------
# Synthesis is a transposed analysis


@pytest.mark.parametrize("mode", ["zero", "symmetric", "smooth", "periodization"])
@pytest.mark.parametrize("name", ["db2", "bior2.2"])
@pytest.mark.parametrize("m", [3, 6])
def test_idwt_synthesis_sum_and_its_adjoint(m, name, mode):
    """docs/transforms/wavelet.md, Synthesis: y_t = sum_{o,k} (f_k cA_o + phi_k cD_o)[2o + k = t + F - 2],
    t < 2m - F + 2 (periodization: c read at (t + F/2 - 1 - k) mod 2m, 2m samples); idwt_adjoint is the transpose
    of that dense map. Against idwt and idwt_adjoint."""
    _, _, fl, fh = _bank(name)
    f = len(fl)
    if mode != "periodization" and 2 * m < f:
        return
    rng = np.random.default_rng(m)
    ca, cd = rng.standard_normal(m), rng.standard_normal(m)
    y = _synthesis(ca, cd, fl, fh, mode)
    size = (np.abs(fl).sum() + np.abs(fh).sum()) * max(np.abs(ca).max(), np.abs(cd).max())
    np.testing.assert_allclose(wv.idwt(ca, cd, name, mode), y, rtol=0, atol=2 * _bound(f, size))  # 2F-term sum
    s = _dense(lambda e: _synthesis(e[:m], e[m:], fl, fh, mode), 2 * m)
    gy = rng.standard_normal(len(y))
    got_a, got_d = wv.idwt_adjoint(gy, input_shape=((m,), (m,)), wavelet=name, mode=mode)
    t = s.T @ gy
    size = (np.abs(fl).sum() + np.abs(fh).sum()) * np.abs(gy).max()
    np.testing.assert_allclose(np.concatenate([got_a, got_d]), t, rtol=0, atol=2 * _bound(f, size))  # F-term sums


@pytest.mark.parametrize("n", [6, 5])
@pytest.mark.parametrize("name", ["haar", "db2", "sym3"])
def test_orthogonal_periodization_adjoint_is_synthesis(name, n):
    """docs/transforms/wavelet.md, Orthogonal wavelets with periodization: dwt_adjoint == idwt for even n (A^T A = I,
    checked on the dense analysis); for odd n, dwt_adjoint(y) = E_pad^T idwt(y): the last of n + 1 samples added
    onto x_{n-1}."""
    h, g, _, _ = _bank(name)
    f = len(h)
    a = _dense(lambda e: _analysis(e, h, g, "periodization"), n)
    if n % 2 == 0:
        np.testing.assert_allclose(a.T @ a, np.eye(n), rtol=0,
                                   atol=2 * _bound(f, 4.0) + 1e-11)  # 2F-term sums of taps <= 1; symlet tables ~1e-11
    m = _m(n, f, "periodization")
    rng = np.random.default_rng(n)
    y = (rng.standard_normal(m), rng.standard_normal(m))
    adj = wv.dwt_adjoint(y, input_shape=(n,), wavelet=name, mode="periodization")
    rec = wv.idwt(*y, name, "periodization")
    size = 2 * np.abs(h).sum() * (np.abs(y[0]).max() + np.abs(y[1]).max())  # 2F products, fold adds at most one
    if n % 2 == 0:
        np.testing.assert_allclose(adj, rec, rtol=0, atol=2 * _bound(f, size))  # two sums of F terms each
    else:
        folded = rec[:n].copy()
        folded[-1] += rec[n]
        np.testing.assert_allclose(adj, folded, rtol=0, atol=2 * _bound(f, size))  # same, one fold added


# ----------------------------------------------------------------------------------------------------------
# Multilevel and 2D


@pytest.mark.parametrize("mode", ["symmetric", "periodization", "zero"])
def test_wavedec_adjoint_runs_levels_back_and_waverec_chain(mode):
    """docs/transforms/wavelet.md, Multilevel and 2D: wavedec applies dwt to the approximation level times; its
    adjoint a_bar_{k-1} = D_k^T(a_bar_k, d_bar_k) from the coarsest level (dense per-level matrices of the
    analysis loop); waverec crops an approximation one sample longer than the detail, then idwt."""
    h, g, fl, fh = _bank("db2")
    x = np.random.default_rng(1).standard_normal(13)  # db2's max level at 13 samples is 2
    levels, a = [], x
    for _ in range(2):
        levels.append(len(a))
        ca, cd = _analysis(a, h, g, mode)
        a = ca
    coeffs = wv.wavedec(x, "db2", mode=mode, level=2)
    ca1, cd1 = _analysis(x, h, g, mode)
    ca2, cd2 = _analysis(ca1, h, g, mode)
    size = (np.abs(h).sum() * 3) ** 2 * np.abs(x).max()  # two levels of F-term sums over |x~| <= 3 max|x|
    for got, exp in zip(coeffs, [ca2, cd2, cd1], strict=True):
        np.testing.assert_allclose(got, exp, rtol=0, atol=4 * _bound(4, size))  # two levels, two bands
    rng = np.random.default_rng(2)
    bars = [rng.standard_normal(c.shape) for c in coeffs]
    d2 = _dense(lambda e: _analysis(e, h, g, mode), levels[1])
    d1 = _dense(lambda e: _analysis(e, h, g, mode), levels[0])
    a1_bar = d2.T @ np.concatenate([bars[0], bars[1]])
    x_bar = d1.T @ np.concatenate([a1_bar, bars[2]])
    got = wv.wavedec_adjoint(bars, input_shape=(13,), wavelet="db2", mode=mode, level=2)
    size = (np.abs(h).sum() * 3) ** 2 * sum(np.abs(b).sum() for b in bars)  # folds add <= 3 per entry, 2 levels
    np.testing.assert_allclose(got, x_bar, rtol=0, atol=4 * _bound(4, size))  # two levels of two-band sums
    a = coeffs[0]
    for d in coeffs[1:]:
        if len(a) == len(d) + 1:
            a = a[:-1]
        a = _synthesis(a, d, fl, fh, mode)
    size = (np.abs(fl).sum() + np.abs(fh).sum()) ** 2 * max(np.abs(c).max() for c in coeffs)
    np.testing.assert_allclose(wv.waverec(coeffs, "db2", mode=mode), a, rtol=0, atol=4 * _bound(4, size))  # 2 levels


@pytest.mark.parametrize("name, n", [("haar", 6), ("db2", 13)])
def test_waverec_adjoint_is_the_crop_and_idwt_chain_transposed(name, n):
    """docs/transforms/wavelet.md, Multilevel and 2D: waverec crops an approximation one sample longer than the next
    detail, then idwt (the synthesis sum); its adjoint is that chain's dense transpose (each idwt_adjoint followed
    by the crop's adjoint, a one-sample zero-pad). haar at n = 6 has a crop (3 + 1 vs 3). Against waverec_adjoint."""
    _, _, fl, fh = _bank(name)
    shapes = [c.shape for c in wv.wavedec(np.zeros(n), name, level=2)]
    sizes = [s[0] for s in shapes]

    def chain(v):
        parts = np.split(v, np.cumsum(sizes)[:-1])
        a = parts[0]
        for d in parts[1:]:
            if len(a) == len(d) + 1:
                a = a[:-1]
            a = _synthesis(a, d, fl, fh, "symmetric")
        return a

    dense = _dense(chain, sum(sizes))
    g = np.random.default_rng(n).standard_normal(dense.shape[0])
    got = wv.waverec_adjoint(g, input_shape=shapes, wavelet=name)
    expected = np.split(dense.T @ g, np.cumsum(sizes)[:-1])
    size = (np.abs(fl).sum() + np.abs(fh).sum()) ** 2 * np.abs(g).sum()
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=4 * _bound(len(fl), size))  # two levels of 2F-term sums


def test_dwt2_is_axes0_then_axes1_with_pywt_band_names():
    """docs/transforms/wavelet.md, Layout and Multilevel and 2D: dwt2 is the 1-D transform along axes[0], then along
    axes[1] on both halves; cH is the detail along axes[0] and approximation along axes[1], cV the reverse, cD
    detail along both; dwt2_adjoint the dense transposes. Against dwt2 / dwt2_adjoint."""
    h, g, _, _ = _bank("db2")
    x = np.random.default_rng(3).standard_normal((5, 6))
    a0 = _dense(lambda e: _analysis(e, h, g, "symmetric")[0], 5)
    d0 = _dense(lambda e: _analysis(e, h, g, "symmetric")[1], 5)
    a1 = _dense(lambda e: _analysis(e, h, g, "symmetric")[0], 6)
    d1 = _dense(lambda e: _analysis(e, h, g, "symmetric")[1], 6)
    ca, (ch, cv, cd) = wv.dwt2(x, "db2", "symmetric")
    size = np.abs(x).sum()  # two F-term sums of taps <= 1 in a row
    for got, exp in ((ca, a0 @ x @ a1.T), (ch, d0 @ x @ a1.T), (cv, a0 @ x @ d1.T), (cd, d0 @ x @ d1.T)):
        np.testing.assert_allclose(got, exp, rtol=0, atol=2 * _bound(4, size))  # two passes, c each
    bars = [np.random.default_rng(i).standard_normal(ca.shape) for i in range(4)]
    got = wv.dwt2_adjoint((bars[0], tuple(bars[1:])), input_shape=x.shape, wavelet="db2", mode="symmetric")
    exp = a0.T @ bars[0] @ a1 + d0.T @ bars[1] @ a1 + a0.T @ bars[2] @ d1 + d0.T @ bars[3] @ d1
    np.testing.assert_allclose(got, exp, rtol=0, atol=8 * _bound(4, sum(np.abs(b).sum() for b in bars)))  # 4 bands


def test_levels_none_slots_and_shapes():
    """docs/transforms/wavelet.md, Layout and lengths: level 0 returns [x]; a level above dwt_max_level warns
    (UserWarning) and is computed; wavedec_shapes gives the shapes (m per level by the length formula); a None slot
    in input_shape gives None in that slot of the adjoint."""
    x = np.random.default_rng(8).standard_normal(5)
    [only] = wv.wavedec(x, "db2", level=0)
    assert np.array_equal(only, x)
    with pytest.warns(UserWarning):
        deep = wv.wavedec(x, "db2", level=3)
    lengths, n = [], 5
    for _ in range(3):
        n = (n + 4 - 1) // 2
        lengths.append(n)
    assert [c.shape for c in deep] == [(lengths[-1],)] + [(v,) for v in lengths[::-1]]
    assert wv.wavedec_shapes((13,), "db2", level=2) == [(5,), (5,), (8,)]  # 13 -> 8 -> 5 by floor((n + 3)/2)
    da, dd = wv.idwt_adjoint(np.ones(6), input_shape=((4,), None), wavelet="db2")
    assert dd is None and da.shape == (4,)


def test_idwt2_undoes_both_axes_and_none_means_zeros():
    """docs/transforms/wavelet.md, Layout and Multilevel and 2D: idwt2 of (cA, (cH, cV, cD)) is the 1-D synthesis
    along both axes (Y = S_a0 cA S_a1^T + S_d0 cH S_a1^T + S_a0 cV S_d1^T + S_d0 cD S_d1^T, dense from the loop);
    a None band means zeros. Against idwt2 and idwt."""
    _, _, fl, fh = _bank("db2")
    m0, m1 = 4, 3
    rng = np.random.default_rng(4)
    bands = [rng.standard_normal((m0, m1)) for _ in range(4)]

    def synth(m, lo):
        return _dense(lambda e: _synthesis(e, np.zeros(m), fl, fh, "symmetric") if lo
                      else _synthesis(np.zeros(m), e, fl, fh, "symmetric"), m)

    sa0, sd0, sa1, sd1 = synth(m0, True), synth(m0, False), synth(m1, True), synth(m1, False)
    expected = (sa0 @ bands[0] @ sa1.T + sd0 @ bands[1] @ sa1.T + sa0 @ bands[2] @ sd1.T
                + sd0 @ bands[3] @ sd1.T)
    got = wv.idwt2((bands[0], tuple(bands[1:])), "db2", "symmetric")
    size = (np.abs(fl).sum() + np.abs(fh).sum()) ** 2 * max(np.abs(b).max() for b in bands)
    np.testing.assert_allclose(got, expected, rtol=0, atol=4 * _bound(4, size))  # two passes of 2F-term sums
    ca = rng.standard_normal(5)
    assert np.array_equal(wv.idwt(ca, None, "db2"), wv.idwt(ca, np.zeros(5), "db2"))


def test_swt2_level_is_1d_level_along_both_axes():
    """docs/transforms/wavelet.md, Stationary wavelet transform: in 2-D each level is the 1-D level along axes[0],
    then along axes[1] on both outputs, giving (cA, (cH, cV, cD)) as dwt2 (dense 1-D SWT matrices from the loop).
    Against swt2."""
    h, g, _, _ = _bank("haar")
    x = np.random.default_rng(6).standard_normal((4, 6))
    lo = {n: _dense(lambda e: _swt_loop(e, h, g, 1, 0)[0][0], n) for n in (4, 6)}
    hi = {n: _dense(lambda e: _swt_loop(e, h, g, 1, 0)[0][1], n) for n in (4, 6)}
    [(ca, (ch, cv, cd))] = wv.swt2(x, "haar", level=1)
    size = np.abs(x).sum()  # two 2-term sums of taps <= 1 in a row
    for got, exp in ((ca, lo[4] @ x @ lo[6].T), (ch, hi[4] @ x @ lo[6].T), (cv, lo[4] @ x @ hi[6].T),
                     (cd, hi[4] @ x @ hi[6].T)):
        np.testing.assert_allclose(got, exp, rtol=0, atol=2 * _bound(2, size))  # two passes, c each


# ----------------------------------------------------------------------------------------------------------
# Stationary wavelet transform


def _swt_loop(x, h, g, level, start):
    """a^(j)_i = sum_k h_k a^(j-1)_{(i + Delta F/2 - Delta k) mod n}, Delta = 2^{j-1}, j = s+1 .. s+J; pywt's layout."""
    n, f, a, out = len(x), len(h), x, []
    for j in range(start + 1, start + level + 1):
        d = 2 ** (j - 1)
        idx = [[(t + d * f // 2 - d * k) % n for k in range(f)] for t in range(n)]
        a, det = (np.array([sum(h[k] * a[i[k]] for k in range(f)) for i in idx]),
                  np.array([sum(g[k] * a[i[k]] for k in range(f)) for i in idx]))
        out.append((a, det))
    return out[::-1]


def _iswt_loop(ca, details, fl, fh, level, start):
    """a^(j-1)_i = 1/2 sum_k f_k a^(j)_{(i + Delta(F/2-1) - Delta k) mod n} + phi_k d^(j)_{...}, coarsest first."""
    n, f, a = len(ca), len(fl), ca
    for j, det in zip(range(start + level, start, -1), details, strict=True):
        d = 2 ** (j - 1)
        idx = [[(t + d * (f // 2 - 1) - d * k) % n for k in range(f)] for t in range(n)]
        a = np.array([0.5 * sum(fl[k] * a[i[k]] + fh[k] * det[i[k]] for k in range(f)) for i in idx])
    return a


@pytest.mark.parametrize("n, level, start", [(8, 2, 0), (6, 2, 0), (5, 1, 1), (7, 2, 1)])
@pytest.mark.parametrize("norm", [False, True])
def test_swt_dilated_periodic_sums_and_inverse(n, level, start, norm):
    """docs/transforms/wavelet.md, Stationary wavelet transform: the dilated periodic sums (h, g times 2^{-1/2}
    with norm) at every n, pywt's refused lengths included; iswt's averaged synthesis (f, phi times sqrt 2 with
    norm) and iswt(swt(x, start_level=s), start_level=s) = x. Against swt and iswt."""
    h, g, fl, fh = _bank("db2")
    if norm:
        h, g, fl, fh = h / math.sqrt(2), g / math.sqrt(2), fl * math.sqrt(2), fh * math.sqrt(2)
    x = np.random.default_rng(n).standard_normal(n)
    expected = _swt_loop(x, h, g, level, start)
    got = wv.swt(x, "db2", level=level, start_level=start, norm=norm)
    assert sum(a.size + d.size for a, d in got) == 2 * level * n  # SWT Cost: 2Jn numbers, (J + 1)n trimmed
    assert sum(c.size for c in wv.swt(x, "db2", level=level, start_level=start, trim_approx=True)) == (level + 1) * n
    size = np.abs(h).sum() ** level * np.abs(x).sum()  # level passes of F-term sums
    for (ga, gd), (ea, ed) in zip(got, expected, strict=True):
        np.testing.assert_allclose(ga, ea, rtol=0, atol=level * _bound(4, size))  # page's 3 + log2 F order
        np.testing.assert_allclose(gd, ed, rtol=0, atol=level * _bound(4, size))  # same for the detail
    trimmed = [expected[0][0]] + [d for _, d in expected]
    rec = _iswt_loop(trimmed[0], trimmed[1:], fl, fh, level, start)
    np.testing.assert_allclose(rec, x, rtol=0, atol=4 * level * _bound(4, size))  # forward and inverse, 2 bands
    np.testing.assert_allclose(wv.iswt(trimmed, "db2", norm=norm, start_level=start), rec, rtol=0,
                               atol=4 * level * _bound(4, size))  # same sums, another order


@pytest.mark.parametrize("n, level", [(8, 2), (6, 1), (7, 2)])
def test_swt_adjoint_circulant_transpose_and_inverse_weights(n, level):
    """docs/transforms/wavelet.md, SWT Adjoint and "The inverse is not the adjoint": swt_adjoint is the transpose of
    the dense SWT (loop); for an orthogonal wavelet with norm=False, iswt(y) = swt_adjoint(w y) with weights
    2^{-(j-s)} on the level-j detail and 2^{-J} on cA; with norm=True and trim_approx, W^T W = I and
    iswt = swt_adjoint."""
    h, g, _, _ = _bank("db2")
    rng = np.random.default_rng(n)

    def flat(x, hh, gg):
        out = _swt_loop(x, hh, gg, level, 0)
        return np.concatenate([out[0][0]] + [d for _, d in out])

    w = _dense(lambda e: flat(e, h, g), n)
    y = [rng.standard_normal(n) for _ in range(level + 1)]
    got = wv.swt_adjoint(y, input_shape=(n,), wavelet="db2", level=level, trim_approx=True)
    size = np.abs(h).sum() ** level * sum(np.abs(v).sum() for v in y)
    np.testing.assert_allclose(got, w.T @ np.concatenate(y), rtol=0, atol=4 * level * _bound(4, size))  # 2 bands
    weights = [2.0**-level] + [2.0 ** -(j - 0) for j in range(level, 0, -1)]
    weighted = [wt * v for wt, v in zip(weights, y, strict=True)]
    adj_w = wv.swt_adjoint(weighted, input_shape=(n,), wavelet="db2", level=level, trim_approx=True)
    np.testing.assert_allclose(wv.iswt(y, "db2"), adj_w, rtol=0, atol=4 * level * _bound(4, size))  # same sums
    wn = _dense(lambda e: flat(e, h / math.sqrt(2), g / math.sqrt(2)), n)
    np.testing.assert_allclose(wn.T @ wn, np.eye(n), rtol=0,
                               atol=4 * level * _bound(4, 4.0) + 1e-12)  # + db2's table accuracy
    np.testing.assert_allclose(wv.iswt(y, "db2", norm=True),
                               wv.swt_adjoint(y, input_shape=(n,), wavelet="db2", level=level, trim_approx=True,
                                              norm=True), rtol=0,
                               atol=4 * level * _bound(4, size) + 1e-12 * size)  # rounding + filters' PR defect


@pytest.mark.parametrize("name", ["haar", "db2", "bior2.2", "sym3"])
def test_laurent_perfect_reconstruction_and_swt_max_level(name):
    """docs/transforms/wavelet.md, Lengths pywt refuses: F0 H0 + F1 H1 = 2 z^{-(F-1)} (rec * dec convolutions);
    swt_max_level(n) = the number of times 2 divides n, ValueError for level=None when it is 0."""
    h, g, fl, fh = _bank(name)
    f = len(h)
    delta = np.zeros(2 * f - 1)
    delta[f - 1] = 2.0
    np.testing.assert_allclose(np.convolve(fl, h) + np.convolve(fh, g), delta, rtol=0,
                               atol=1e-10)  # pywt's tables: symlets accurate to ~1e-11 (page, Errors section)
    for n in (1, 2, 6, 8, 12, 16):
        count = 0
        while n % 2 ** (count + 1) == 0:
            count += 1
        assert wv.swt_max_level(n) == count
    with pytest.raises(ValueError):
        wv.swt(np.ones(5), "haar")


# ----------------------------------------------------------------------------------------------------------
# Verification: error scales and the smooth mode's weights


def test_error_scale_claims():
    """docs/transforms/wavelet.md, Verification and SWT Verification: c = 2 + log2 F per level and axis (times
    1 + log2 F in smooth), the swt's 3 + log2 F; sqrt(F/12) < (2 + log2 F)/2 for 2 <= F <= 102 (2.9 vs 4.3 at
    F = 102); smooth's rows have weights of absolute sum 2k + 1, up to 2F - 3 on the left and 2F - 1 on the
    right of an odd-length signal (F = 16, n = 3)."""
    for f in range(2, 103):
        assert math.sqrt(f / 12) < (2 + math.log2(f)) / 2
    discrete = pywt.wavelist(kind="discrete")
    assert len(discrete) == 106  # "106 in pywt 1.8" (introduction; "all 106 wavelets" here)
    assert max(len(pywt.Wavelet(w).dec_lo) for w in discrete) == 102  # the F <= 102 of the claim above
    assert (round(math.sqrt(102 / 12), 1), round((2 + math.log2(102)) / 2, 1)) == (2.9, 4.3)
    for name, f in (("db2", 4), ("db8", 16)):
        c = 2 + math.log2(f)
        p = {"wavelet": name, "mode": "symmetric", "shape": (32,)}
        assert _error_scale(p) == pytest.approx(c, rel=4 * EPS)  # one log2, one add
        assert _error_scale({**p, "mode": "smooth"}) == pytest.approx(c * (1 + math.log2(f)), rel=8 * EPS)  # + mul
        assert _swt_error_scale({"wavelet": name, "shape": (32,), "level": 1}) == pytest.approx(
            3 + math.log2(f), rel=4 * EPS)  # one log2, one add
    for n, f in ((3, 16), (4, 16), (5, 6)):
        ext = _analysis_extension(n, f, "smooth")
        sums = np.abs(ext.weight).sum(axis=1)
        left, right = sums[: ext.pad_left], sums[ext.pad_left + n :]
        assert left.max() == 2 * (f - 2) + 1  # k <= F - 2
        assert right.max() == (2 * f - 1 if n % 2 else 2 * f - 3)
