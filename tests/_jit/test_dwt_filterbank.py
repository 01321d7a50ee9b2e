"""The DWT filter bank: the Numba loops against the array-API reference, and the extension maps.

Run twice in CI: ``pytest tests/_jit`` (Numba compiled) and ``NUMBA_DISABLE_JIT=1 pytest tests/_jit`` (the
loops run as plain Python, for coverage); sizes stay small so the second run is quick.

The two implementations sum the same products in different orders (Numba: taps j = 0, 1, ... as pywt;
reference: a matmul), so they agree to rounding, not bit for bit. The tolerance is the componentwise bound
of a sum of k products, |fl(s) - s| <= gamma_k sum|terms| with gamma_k = k eps / (1 - k eps) (Higham, ch. 3),
evaluated by running the same map on absolute values: the two results differ by at most twice that.
"""

from __future__ import annotations

import numpy as np
import pytest

from specref._jit import dwt_filterbank as fb
from specref.backend import get_namespace, to_numpy

STRICT = get_namespace("strict")
FILTER_LENGTHS = (2, 4, 6, 8)


@pytest.fixture
def rng():
    return np.random.default_rng(20261)


def _draw(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if dtype.startswith("complex"):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _abs_map(ext: fb.ExtensionMap) -> fb.ExtensionMap:
    """The same sparsity with |weights|: applied to |x| it gives sum |E_qi| |x_i|, the rounding scale."""
    return fb.ExtensionMap(ext.n, ext.pad_left, ext.mode, ext.index, np.abs(ext.weight), ext.t_index,
                           np.abs(ext.t_weight))


def _random_map(rng, n: int, n_ext: int, width: int = 3) -> fb.ExtensionMap:
    """An arbitrary sparse extension R^n -> R^n_ext (zero slots included) around the identity core that every
    ExtensionMap has: the kernels must not assume a mode."""
    pad_left = int(rng.integers(0, n_ext - n + 1))
    index = rng.integers(0, n, size=(n_ext, width))
    weight = rng.standard_normal((n_ext, width))
    weight[rng.random((n_ext, width)) < 0.3] = 0.0
    core = slice(pad_left, pad_left + n)
    index[core, 0], weight[core, 0], weight[core, 1:] = np.arange(n), 1.0, 0.0
    t_index, t_weight = fb._transpose(index, weight, n)
    return fb.ExtensionMap(n, pad_left, "random", index, weight, t_index, t_weight)


def _gamma(k: int, eps: float) -> float:
    return k * eps / (1 - k * eps)


def _eps(dtype) -> float:
    return float(np.finfo(np.dtype(dtype)).eps)


# ----------------------------------------------------------------------------------------------------------
# extension maps


@pytest.mark.parametrize("mode", ["zero", "constant", "symmetric", "periodic", "reflect", "antireflect"])
@pytest.mark.parametrize("n", [2, 3, 5, 8])
@pytest.mark.parametrize("pads", [(0, 3), (4, 1), (11, 13)], ids=str)
def test_extension_equals_pywt_pad(mode, n, pads):
    pywt = pytest.importorskip("pywt")
    x = np.random.default_rng(n).standard_normal(n)
    ext = fb.extension_map(n, mode, pads[0], n + sum(pads))
    abs_bound = 8 * _eps("float64") * 4  # integer weights (at most 3 terms): a few roundings of |x|-sized terms
    np.testing.assert_allclose(ext.dense() @ x, pywt.pad(x, pads, mode), rtol=0, atol=abs_bound)  # absolute only


def test_extension_smooth_is_the_line_through_the_edges():
    x = np.array([3.0, 5.0, -1.0, 2.0])
    ext = fb.extension_map(4, "smooth", 3, 4 + 3 + 2)
    # x_{-k} = x0 + k (x0 - x1); x_{n-1+k} = x_{n-1} + k (x_{n-1} - x_{n-2}): exact in small integers
    np.testing.assert_array_equal(ext.dense() @ x, [-3.0, -1.0, 1.0, 3.0, 5.0, -1.0, 2.0, 5.0, 8.0], strict=True)


def test_extension_periodization_repeats_the_last_sample_of_odd_signals():
    ext = fb.extension_map(3, "periodization", 2, 3 + 2 + 3)
    # x_pad = [x0 x1 x2 x2], period 4, starting 2 samples early
    np.testing.assert_array_equal(ext.index[:, 0], [2, 2, 0, 1, 2, 2, 0, 1], strict=True)


def test_extension_refuses_what_pywt_refuses():
    with pytest.raises(ValueError, match="greater than 1"):
        fb.extension_map(1, "reflect", 2, 5)
    with pytest.raises(ValueError, match="unknown mode"):
        fb.extension_map(4, "mirror", 2, 8)


@pytest.mark.parametrize("mode", fb.MODES)
@pytest.mark.parametrize("n", [2, 3, 7])
def test_transposed_table_is_the_transpose(mode, n):
    ext = fb.extension_map(n, mode, 9, n + 9 + 10)  # longer than the signal: the mirroring repeats
    dense_t = np.zeros((n, ext.n_ext))
    for s in range(ext.t_index.shape[1]):
        np.add.at(dense_t, (np.arange(n), ext.t_index[:, s]), ext.t_weight[:, s])
    np.testing.assert_array_equal(dense_t, ext.dense().T, strict=True)  # the same numbers, moved: exact


# ----------------------------------------------------------------------------------------------------------
# Numba == reference


def _maps(rng, n, f):
    """The extension maps of a few modes (pywt's alignment) and an arbitrary sparse map."""
    m = (n + f - 1) // 2
    for mode in ("symmetric", "smooth", "antireflect" if n > 1 else "constant"):
        yield fb.extension_map(n, mode, f - 2, 2 * m + f - 2)
    yield fb.extension_map(n, "periodization", f - 1 - f // 2, 2 * ((n + 1) // 2) + f - 2)
    yield _random_map(rng, n, 2 * m + f - 2)


@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128"])
@pytest.mark.parametrize("f", FILTER_LENGTHS)
@pytest.mark.parametrize("shape", [(1,), (5,), (2, 8), (2, 3, 7), (0, 4)], ids=str)
def test_analysis_numba_equals_reference(rng, dtype, f, shape):
    lo, hi = rng.standard_normal(f), rng.standard_normal(f)
    x = _draw(rng, shape, dtype)
    for ext in _maps(rng, shape[-1], f):
        a, d = fb.analysis_numba(x, ext, lo, hi)
        a_ref, d_ref = fb.analysis_reference(x, ext, lo, hi)
        assert a.dtype == x.dtype and a.shape == a_ref.shape
        sa, sd = fb.analysis_reference(np.abs(x).astype(np.float64), _abs_map(ext), np.abs(lo), np.abs(hi))
        k = f + ext.index.shape[1]  # F products after at most K extension terms
        tol = 2 * _gamma(k, _eps(dtype))  # both are within gamma_k sum|terms| of the exact value
        assert np.all(np.abs(a - a_ref) <= tol * sa), ext.mode
        assert np.all(np.abs(d - d_ref) <= tol * sd), ext.mode


@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128"])
@pytest.mark.parametrize("f", FILTER_LENGTHS)
@pytest.mark.parametrize("shape", [(1,), (5,), (2, 8), (2, 3, 7), (0, 4)], ids=str)
def test_adjoint_numba_equals_reference(rng, dtype, f, shape):
    lo, hi = rng.standard_normal(f), rng.standard_normal(f)
    for ext in _maps(rng, shape[-1], f):
        m = (ext.n_ext - f) // 2 + 1
        a_bar, d_bar = _draw(rng, (*shape[:-1], m), dtype), _draw(rng, (*shape[:-1], m), dtype)
        x_bar = fb.analysis_adjoint_numba(a_bar, d_bar, ext, lo, hi)
        x_ref = fb.analysis_adjoint_reference(a_bar, d_bar, ext, lo, hi)
        assert x_bar.dtype == a_bar.dtype and x_bar.shape == x_ref.shape == shape
        scale = fb.analysis_adjoint_reference(np.abs(a_bar).astype(np.float64), np.abs(d_bar).astype(np.float64),
                                              _abs_map(ext), np.abs(lo), np.abs(hi))
        k = f + ext.t_index.shape[1]  # 2 products per tap, F/2 taps per sample, then K' fold terms
        tol = 2 * _gamma(k, _eps(dtype))  # both within gamma_k sum|terms| of the exact value
        assert np.all(np.abs(x_bar - x_ref) <= tol * scale), ext.mode


@pytest.mark.parametrize("f", FILTER_LENGTHS)
@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_adjoint_is_the_transpose_densely(rng, f, n):
    """Materialise the analysis and its adjoint on basis vectors: M_adj == M^T (Numba path)."""
    lo, hi = rng.standard_normal(f), rng.standard_normal(f)
    for ext in _maps(rng, n, f):
        m = (ext.n_ext - f) // 2 + 1
        fwd = np.concatenate(fb.analysis_numba(np.eye(n), ext, lo, hi), axis=-1)  # row i: A e_i
        adj = fb.analysis_adjoint_numba(np.eye(2 * m)[:, :m], np.eye(2 * m)[:, m:], ext, lo, hi)  # row j: A* e_j
        # every entry is a sum of at most F + K' products of weights and taps, in either direction
        terms = np.concatenate(fb.analysis_numba(np.eye(n), _abs_map(ext), np.abs(lo), np.abs(hi)), axis=-1)
        tol = 2 * _gamma(f + max(ext.index.shape[1], ext.t_index.shape[1]), _eps("float64"))  # both within gamma
        assert np.all(np.abs(adj - fwd.T) <= tol * terms.T), ext.mode


def test_parallel_driver_equals_serial(rng):
    f, n = 6, 9
    lo, hi = rng.standard_normal(f), rng.standard_normal(f)
    ext = fb.extension_map(n, "symmetric", f - 2, 2 * ((n + f - 1) // 2) + f - 2)
    x = rng.standard_normal((4, n))
    outs = []
    for kernel in (fb._analysis_serial, fb._analysis_parallel):
        a, d = np.empty((4, (ext.n_ext - f) // 2 + 1)), np.empty((4, (ext.n_ext - f) // 2 + 1))
        kernel(x, ext.index, ext.weight, ext.pad_left, lo, hi, a, d)
        outs.append((a, d))
    # the same per-row function on the same rows: identical bits
    np.testing.assert_array_equal(outs[0][0], outs[1][0], strict=True)
    m = (ext.n_ext - f) // 2 + 1
    bar = rng.standard_normal((4, m)), rng.standard_normal((4, m))
    res = []
    for kernel in (fb._analysis_adjoint_serial, fb._analysis_adjoint_parallel):
        out = np.empty((4, n))
        kernel(bar[0], bar[1], ext.index, ext.weight, ext.pad_left, lo, hi, out)
        res.append(out)
    np.testing.assert_array_equal(res[0], res[1], strict=True)  # identical bits, as above


def test_dispatch_by_namespace(rng):
    f, n = 4, 7
    lo, hi = rng.standard_normal(f), rng.standard_normal(f)
    ext = fb.extension_map(n, "reflect", f - 2, 2 * ((n + f - 1) // 2) + f - 2)
    x = rng.standard_normal((2, n))
    a_np, _ = fb.analysis(x, ext, lo, hi)
    a_st, _ = fb.analysis(STRICT.asarray(x), ext, lo, hi)
    assert type(a_np) is np.ndarray and not isinstance(a_st, np.ndarray)
    scale = fb.analysis_reference(np.abs(x), _abs_map(ext), np.abs(lo), np.abs(hi))[0]
    assert np.all(np.abs(a_np - to_numpy(a_st)) <= 2 * _gamma(f + 1, _eps("float64")) * scale)  # as above


def test_infinite_samples_stay_where_they_are_used(rng):
    """Zero-weight slots are skipped, never multiplied: an inf at x[0] does not poison unrelated rows."""
    f, n = 2, 6
    ext = fb.extension_map(n, "zero", f - 2, n)
    x = np.zeros((1, n))
    x[0, 0] = np.inf
    for impl in (fb.analysis_numba, fb.analysis_reference):
        a, _ = impl(x, ext, [1.0, 1.0], [1.0, -1.0])
        assert np.isinf(a[0, 0]) and np.all(a[0, 1:] == 0), impl.__name__


def test_check_mode_is_the_one_mode_check():
    assert [fb.check_mode(m) for m in fb.MODES] == list(fb.MODES)
    for bad in ("mirror", None, 3, ["zero"]):
        with pytest.raises(ValueError, match="unknown mode .*accepted: zero, constant, symmetric"):
            fb.check_mode(bad)


def test_extension_map_contract_identity_core():
    ext = fb.extension_map(4, "zero", 2, 8)
    index = ext.index.copy()
    index[3, 0] = 0
    with pytest.raises(ValueError, match="identity"):
        fb.ExtensionMap(4, 2, "zero", index, ext.weight, ext.t_index, ext.t_weight)


def test_bad_shapes_are_refused(rng):
    ext = fb.extension_map(5, "symmetric", 2, 10)
    with pytest.raises(ValueError, match="length 6"):
        fb.analysis(rng.standard_normal(6), ext, np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match="even"):
        fb.analysis(rng.standard_normal(5), ext, np.ones(3), np.ones(3))


def test_dense_refuses_a_matrix_that_cannot_fit_with_the_estimate():
    """Issue 11: every dense builder refuses, before allocating, a result larger than the machine's memory."""
    ext = fb.extension_map(2**22, "zero", 2, 2**22 + 4)  # small index arrays, a 128 TiB dense matrix
    with pytest.raises(ValueError, match=r"ExtensionMap.dense \(n_ext=4194308, n=4194304\): the result, shape "
                                         r"\(4194308, 4194304\) at 8 bytes per entry, would need 140737622573056 "
                                         r"bytes"):
        ext.dense()
