"""specref.transforms.wavelet_dwt (the filter bank and one level) against pywt, its adjoints, and bad input.

Tolerances come from the family's error scale (specref.transforms.wavelet_dwt._error_scale, derived in its
docstring): c eps per level and axis, with c = (2 + log2 F) (times 1 + log2 F in smooth mode). Comparing two
implementations of the same sums (specref and pywt) allows 2 c eps. The helpers at the top serve the
multilevel test files too.
"""

from __future__ import annotations

import numpy as np
import pytest

from specref.backend import to_numpy
from specref.testing.checks import assert_close, check_adjoint, check_dense_adjoint
from specref.testing.trees import tree_map, tree_shape
from specref.transforms import wavelet_dwt as W
from specref.transforms.wavelet_multilevel import wavedec

pywt = pytest.importorskip("pywt")

EPS64, EPS32 = 2.0**-52, 2.0**-23
WAVELETS = ("haar", "db2", "db4", "sym3", "coif1", "bior2.2", "rbio1.3", "bior6.8")
ORTHOGONAL = ("haar", "db2", "db4", "sym3", "coif1")
# wavelets whose pywt filters satisfy the perfect-reconstruction identities to a few eps (see
# test_pywt_filter_bank_defects: sym* and dmey do not)
PR_EXACT = ("haar", "db2", "db4", "coif1", "bior2.2", "rbio1.3")


def c_of(wavelet, mode, levels=1, axes=1):
    return W._error_scale({"wavelet": wavelet, "mode": mode, "level": levels, "shape": (1,), "axis": 0}) * axes


def _to(xp, tree, dtype=None):
    return tree_map(lambda a: xp.asarray(a if dtype is None else a.astype(dtype)), tree)


def _adjoint_pair(module, name, **kw):
    """``name`` of ``module`` and its adjoint as functions of the array (tree) alone, for the checkers."""
    fwd, adj = getattr(module, name), getattr(module, name + "_adjoint")
    wavelet = kw.pop("wavelet")
    return (lambda v: fwd(v, wavelet, **kw),
            lambda u, input_shape: adj(u, input_shape=input_shape, wavelet=wavelet, **kw))


@pytest.fixture
def rng():
    return np.random.default_rng(5)


# ----------------------------------------------------------------------------------------------------------
# equality with pywt


@pytest.mark.parametrize("mode", W.MODES)
def test_dwt_idwt_equal_pywt_along_any_axis(xp, rng, mode):
    x = rng.standard_normal((7, 4, 10))
    for axis in (0, 1, -1):
        for wavelet in ("db2", "bior2.2"):
            got = W.dwt(xp.asarray(x), wavelet, mode=mode, axis=axis)
            expected = pywt.dwt(x, wavelet, mode, axis)
            bound = 2 * c_of(wavelet, mode) * EPS64  # 2 c eps: both sides within c eps, one level
            assert_close(got, expected, rtol=bound, reason="2 c eps, one level")
            y = W.idwt(_to(xp, expected), wavelet, mode=mode, axis=axis)
            assert_close(y, pywt.idwt(*expected, wavelet, mode, axis), rtol=bound, reason="2 c eps, one level")


@pytest.mark.parametrize("mode", W.MODES)
@pytest.mark.parametrize("wavelet", ("haar", "db4", "sym3", "bior2.2"))
def test_dwt2_idwt2_equal_pywt(xp, rng, wavelet, mode):
    for shape, axes in (((9, 12), (-2, -1)), ((2, 16, 7), (-1, -2)), ((11, 3, 10), (0, 2))):
        x = rng.standard_normal(shape)
        expected = pywt.dwt2(x, wavelet, mode, axes)
        got = W.dwt2(xp.asarray(x), wavelet, mode=mode, axes=axes)
        assert tree_shape(got) == tree_shape(expected)
        bound = 2 * c_of(wavelet, mode, axes=2) * EPS64  # 2 c eps: both sides within c eps, two axes
        assert_close(got, expected, rtol=bound, reason="2 c eps, two axes")
        rec = W.idwt2(_to(xp, expected), wavelet, mode=mode, axes=axes)
        assert_close(rec, pywt.idwt2(expected, wavelet, mode, axes), rtol=bound, reason="2 c eps, two axes")


def test_dwt2_band_order_is_pywt(rng):
    """cH is the detail along axes[0] (pywt's 'da'), cV along axes[1]: a signal varying only along axis 0."""
    x = np.outer(rng.standard_normal(8), np.ones(6))
    ca, (ch, cv, cd) = W.dwt2(x, "haar", mode="periodization")
    assert np.abs(ch).max() > 0.1 and np.abs(cv).max() < 1e-15 and np.abs(cd).max() < 1e-15  # exact zeros up to
    # rounding: haar's highpass of a constant row is h0 + h1 = 0 in the same rounded taps


def test_lengths_equal_pywt():
    for wavelet in ("haar", "db4", "coif3", "dmey"):
        f = pywt.Wavelet(wavelet).dec_len
        for n in (1, 2, 7, 64, 1000):
            assert W.dwt_max_level(n, wavelet) == pywt.dwt_max_level(n, f)
            for mode in W.MODES:
                assert W.dwt_coeff_len(n, wavelet, mode) == pywt.dwt_coeff_len(n, f, mode)


def test_dwt_coeff_len_checks_the_length():
    with pytest.raises(ValueError, match="n = 0"):
        W.dwt_coeff_len(0, "db2")
    with pytest.raises(TypeError, match="n must be an integer"):
        W.dwt_coeff_len(8.0, "db2")


def test_custom_filter_bank_object_equals_pywt(rng):
    class Bank:  # pywt accepts any object with a filter_bank attribute
        filter_bank = pywt.Wavelet("db3").filter_bank

    x = rng.standard_normal(21)
    got = wavedec(x, Bank(), mode="reflect", level=2)
    expected = pywt.wavedec(x, pywt.Wavelet("custom", filter_bank=Bank()), "reflect", 2)
    rel_bound = 2 * c_of("db3", "reflect", 2) * EPS64  # 2 c eps
    assert_close(got, expected, rtol=rel_bound, reason="2 c eps")
    rel_bound = 2 * c_of("db3", "reflect", 2) * EPS64  # 2 c eps
    assert_close(wavedec(x, pywt.Wavelet("db3"), mode="reflect", level=2), expected,
                 rtol=rel_bound, reason="2 c eps")


def test_idwt_with_one_band_missing_equals_pywt(rng):
    ca = rng.standard_normal(9)
    for wavelet in ("db2", "sym3"):
        rel_bound = 2 * c_of(wavelet, "x") * EPS64  # 2 c eps
        assert_close(W.idwt((ca, None), wavelet), pywt.idwt(ca, None, wavelet), rtol=rel_bound,
                     reason="2 c eps")
        rel_bound = 2 * c_of(wavelet, "x") * EPS64  # 2 c eps
        assert_close(W.idwt((None, ca), wavelet), pywt.idwt(None, ca, wavelet), rtol=rel_bound,
                     reason="2 c eps")


# ----------------------------------------------------------------------------------------------------------
# adjoints


def test_idwt_adjoint_with_a_missing_band(rng):
    ca = rng.standard_normal(9)
    for coeffs in ((ca, None), (None, ca)):
        fwd, adj = _adjoint_pair(W, "idwt", wavelet="db2", mode="smooth")
        check_adjoint(fwd, adj, coeffs, rng=rng, error_scale=c_of("db2", "smooth")).raise_if_failed()
        got = adj(rng.standard_normal(W.idwt(coeffs, "db2", mode="smooth").shape), input_shape=tree_shape(coeffs))
        assert [g is None for g in got] == [c is None for c in coeffs]


@pytest.mark.parametrize("mode", W.MODES)
@pytest.mark.parametrize("wavelet", ("haar", "db2", "sym3", "bior2.2"))
def test_dense_adjoints_small(wavelet, mode):
    """NumPy only: the registered cases run the dense check on every backend for every mode."""
    xp = np
    for n in (4, 7):
        x = xp.asarray(np.zeros(n))
        fwd, adj = _adjoint_pair(W, "dwt", wavelet=wavelet, mode=mode)
        check_dense_adjoint(fwd, adj, x, error_scale=c_of(wavelet, mode, 2)).raise_if_failed()
    img = xp.asarray(np.zeros((5, 4)))
    fwd, adj = _adjoint_pair(W, "dwt2", wavelet=wavelet, mode=mode)
    check_dense_adjoint(fwd, adj, img, error_scale=c_of(wavelet, mode, 2, axes=2)).raise_if_failed()


@pytest.mark.parametrize("wavelet", ORTHOGONAL + ("db8", "coif2"))
def test_orthogonal_periodization_adjoint_is_the_synthesis(xp, rng, wavelet):
    c = c_of(wavelet, "periodization")
    for n in (8, 14, 64):  # even: the periodization extension is periodic, the two maps coincide
        y = _to(xp, tuple(rng.standard_normal((2, (n + 1) // 2)) for _ in range(2)))
        adj = W.dwt_adjoint(y, input_shape=(2, n), wavelet=wavelet, mode="periodization")
        rel_bound = 2 * c * EPS64  # rec = reversed dec: the same sums, 2 c eps
        assert_close(adj, W.idwt(y, wavelet, mode="periodization"), rtol=rel_bound,
                     reason="rec = reversed dec: the same sums, 2 c eps")
    for n in (7, 13):  # odd: x_pad = [x, x_{n-1}]; the adjoint folds the repeated sample back
        y = _to(xp, tuple(rng.standard_normal((2, (n + 1) // 2)) for _ in range(2)))
        adj = to_numpy(W.dwt_adjoint(y, input_shape=(2, n), wavelet=wavelet, mode="periodization"))
        syn = to_numpy(W.idwt(y, wavelet, mode="periodization"))
        folded = syn[:, :n].copy()
        folded[:, -1] += syn[:, n]
        rel_bound = 2 * c * EPS64  # 2 c eps, as above
        assert_close(adj, folded, rtol=rel_bound, reason="2 c eps, as above")


# ----------------------------------------------------------------------------------------------------------
# pywt's filters as data


def _pr_defect(name):
    """max |coefficient| of F0 H0 + F1 H1 - 2 z^-(F-1) and of the alias term F0(z) H0(-z) + F1(z) H1(-z)."""
    h0, h1, f0, f1 = (np.array(v) for v in pywt.Wavelet(name).filter_bank)
    f = len(h0)
    alt = (-1.0) ** np.arange(f)
    p = np.convolve(f0, h0) + np.convolve(f1, h1)
    p[f - 1] -= 2.0
    a = np.convolve(f0, h0 * alt) + np.convolve(f1, h1 * alt)
    return max(np.abs(p).max(), np.abs(a).max())


def test_pywt_filter_bank_defects():
    """The PR_EXACT wavelets are PR to a few eps; pywt's sym3 and dmey are not (see validation/findings)."""
    for name in PR_EXACT:
        assert _pr_defect(name) <= 8 * EPS64, name  # F products of |taps| <= 1, summed: a few eps
    assert 1e-12 < _pr_defect("sym3") < 1e-10  # pywt's sym3 table is accurate to ~1e-11 only
    assert _pr_defect("dmey") > 1e-3  # an FIR approximation of Meyer's wavelet (pywt#261)


# ----------------------------------------------------------------------------------------------------------
# bad input


def test_unknown_wavelet_name():
    with pytest.raises(ValueError, match=r"pywt\.wavelist\(kind='discrete'\)"):
        wavedec(np.zeros(8), "db99")
    with pytest.raises(ValueError, match=r"pywt\.wavelist\(kind='discrete'\)"):
        W.dwt(np.zeros(8), "db99")


def test_continuous_wavelet_is_refused():
    with pytest.raises(ValueError, match="continuous"):
        W.dwt(np.zeros(8), "morl")
    with pytest.raises(ValueError, match="continuous"):
        W.dwt(np.zeros(8), pywt.ContinuousWavelet("mexh"))


def test_unknown_mode_lists_the_accepted_ones():
    with pytest.raises(ValueError, match="accepted: zero, constant, symmetric"):
        W.dwt(np.zeros(8), "db2", mode="mirror")


def test_input_too_short_where_pywt_raises():
    for mode in ("reflect", "antireflect"):
        with pytest.raises(ValueError, match="greater than 1"):
            W.dwt(np.zeros(1), "db2", mode=mode)
        with pytest.raises(ValueError):
            pywt.dwt(np.zeros(1), "db2", mode)
    with pytest.raises(ValueError, match="data_len"):
        W.dwt(np.zeros((3, 0)), "db2")
    with pytest.raises(ValueError, match="Invalid coefficient arrays length"):
        W.idwt((np.zeros(3), np.zeros(3)), "db4")  # 3 < F/2 = 4 coefficients: pywt raises too
    with pytest.raises(ValueError):
        pywt.idwt(np.zeros(3), np.zeros(3), "db4")


def test_inconsistent_coefficient_shapes_to_idwt_and_idwt2():
    with pytest.raises(ValueError, match="same size"):
        W.idwt((np.ones(4), np.ones(5)), "db2")
    with pytest.raises(ValueError, match="same size"):
        W.idwt2((np.ones((4, 4)), (np.ones((4, 4)), np.ones((4, 5)), np.ones((4, 4)))), "haar")
    with pytest.raises(ValueError, match="at least one of cA and cD"):
        W.idwt((None, None), "db2")


def test_mixed_precisions_are_type_errors_and_integer_coefficients_are_promoted():
    """Changed by design in issue 11: integer coefficients are promoted to float64, as pywt does; two
    precisions in one synthesis stay refused (pywt computes them in float64: a documented refusal)."""
    with pytest.raises(TypeError, match="precisions"):
        W.idwt((np.zeros(4, np.float32), np.zeros(4)), "db2")
    ints = (np.arange(4).reshape(2, 2), (np.arange(4).reshape(2, 2),) * 3)
    got = W.idwt2(ints, "haar")
    assert got.dtype == np.float64
    tol = 2 * c_of("haar", "x", axes=2) * EPS64  # specref and pywt each within c eps of the exact idwt2
    assert_close(got, pywt.idwt2(ints, "haar"), rtol=tol, reason="2 c eps: both sides within c eps of exact")


def test_real_and_complex_bands_are_transformed_as_complex(rng):
    ca, cd = rng.standard_normal(6), rng.standard_normal(6) + 1j * rng.standard_normal(6)
    got = W.idwt((ca, cd), "db2")
    assert got.dtype == np.complex128
    rel_bound = 2 * c_of("db2", "symmetric") * EPS64  # 2 c eps, one level
    assert_close(got, pywt.idwt(ca.astype(complex), cd, "db2"), rtol=rel_bound, reason="2 c eps, one level")


def test_adjoints_check_their_cotangent_shapes():
    with pytest.raises(ValueError, match=r"dwt_adjoint: dA: the cotangent has shape \(4,\)"):
        W.dwt_adjoint((np.zeros(4), np.zeros(4)), input_shape=(10,), wavelet="db2")
    with pytest.raises(ValueError, match="idwt_adjoint: y: the cotangent has shape"):
        W.idwt_adjoint(np.zeros(5), input_shape=((6,), (6,)), wavelet="db2")
    with pytest.raises(ValueError, match="dwt2_adjoint: cA: the cotangent has shape"):
        W.dwt2_adjoint((np.zeros((3, 3)), (np.zeros((3, 3)),) * 3), input_shape=(8, 8), wavelet="db2")
    with pytest.raises(ValueError, match="idwt2_adjoint: y: the cotangent has shape"):
        W.idwt2_adjoint(np.zeros((3, 3)), input_shape=((4, 4), ((4, 4),) * 3), wavelet="haar")


def test_axes_are_checked_by_the_shared_rules():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        W.dwt2(np.zeros(8), "haar")
    with pytest.raises(ValueError, match="axes must name 2 axes"):
        W.dwt2(np.zeros((4, 4, 4)), "haar", axes=(0, 1, 2))
    with pytest.raises(ValueError, match="names an axis twice"):
        W.dwt2(np.zeros((4, 4)), "haar", axes=(0, -2))
    with pytest.raises(ValueError, match="out of range"):
        W.dwt(np.zeros((4, 4)), "haar", axis=2)
    with pytest.raises(TypeError, match="axis must be an integer"):
        W.dwt(np.zeros(4), "haar", axis=1.0)


def test_odd_custom_filter_length_is_refused():
    class Odd:
        filter_bank = ([1.0, 2.0, 1.0],) * 4

    with pytest.raises(ValueError, match="even"):
        W.dwt(np.zeros(8), Odd())


# ----------------------------------------------------------------------------------------------------------
# drop-in for pywt (issue 11): sequences, integer input, positional order, None bands, per-axis wavelets


def test_pywt_documented_examples_with_lists_and_ints():
    """The examples of pywt's docstrings, with the lists of ints they use, give pywt's results."""
    bound = 2 * c_of("db2", "smooth") * EPS64  # 2 c eps, one level
    for got, want in ((W.dwt([1, 2, 3, 4, 5, 6], "db1"), pywt.dwt([1, 2, 3, 4, 5, 6], "db1")),
                      (W.dwt([1, 2, 3, 4, 5, 6], "db2", "smooth"), pywt.dwt([1, 2, 3, 4, 5, 6], "db2", "smooth"))):
        assert got[0].dtype == np.float64
        assert_close(got, want, rtol=bound, reason="2 c eps")
    printed = np.array([2.12132034, 4.94974747, 7.77817459])  # pywt's docstring, rounded to 8 decimals
    tol = 0.5e-8 / 2.12 + 2 * bound  # half a unit in the 8th decimal, relative to the smallest entry, + 2 c eps
    assert_close(W.dwt([1, 2, 3, 4, 5, 6], "db1")[0], printed, rtol=tol, reason="8-decimal rounding of pywt's print")
    cA, cD = W.dwt([1, 2, 3, 4, 5, 6], "db2", "smooth")
    round_trip = 4 * bound  # dwt then idwt, each within 2 c eps relative (db2 is orthogonal: gain 1 both ways)
    assert_close(W.idwt(cA, cD, "db2", "smooth"), np.arange(1.0, 7.0), rtol=round_trip, reason="2 x (2 c eps)")
    a, d = W.idwt(cA, None, "db2", "smooth"), W.idwt(None, cD, "db2", "smooth")
    assert_close(a + d, np.arange(1.0, 7.0), rtol=round_trip, reason="idwt is linear: same 2 x (2 c eps)")
    assert_close(a, pywt.idwt(cA, None, "db2", "smooth"), rtol=bound, reason="2 c eps")
    ones = np.ones((4, 4), dtype=np.float64)
    bound2 = 2 * c_of("haar", "x", axes=2) * EPS64
    assert_close(W.dwt2(ones, "haar"), pywt.dwt2(ones, "haar"), rtol=bound2, reason="2 c eps")
    assert_close(W.dwt2(ones, "haar")[0], 2 * np.ones((2, 2)), rtol=bound2, reason="pywt's docstring: cA = 2")
    data = [[1, 2], [3, 4]]  # pywt's idwt2 example, as a list of ints
    round_trip2 = 2 * bound2  # dwt2 then idwt2, each within 2 c eps relative (haar is orthogonal)
    assert_close(W.idwt2(W.dwt2(data, "haar"), "haar"), np.array(data, float), rtol=round_trip2, reason="2 x 2 c eps")


def test_integer_bool_and_sequence_input_is_promoted_as_pywt():
    bound = 2 * c_of("db2", "symmetric") * EPS64
    for data in (np.arange(9, dtype=np.int32), np.arange(9, dtype=np.uint8), np.arange(9) % 2 == 0,
                 tuple(range(9)), [float(v) for v in range(9)]):
        got, want = W.dwt(data, "db2"), pywt.dwt(data, "db2")
        assert got[0].dtype == want[0].dtype == np.float64
        assert_close(got, want, rtol=bound, reason="2 c eps")
    bound2 = 2 * c_of("db2", "symmetric", axes=2) * EPS64  # specref and pywt each within c eps, c of two axes
    assert_close(W.dwt2([[1, 2, 3], [4, 5, 6], [7, 8, 9]], "db2"), pywt.dwt2([[1, 2, 3], [4, 5, 6], [7, 8, 9]], "db2"),
                 rtol=bound2, reason="2 c eps: specref and pywt each within c eps (c_of, two axes)")


def test_float16_and_long_double_are_refused_on_purpose():
    """pywt computes float16 in float32 and long double in float64; specref returns the input's precision,
    so it refuses both, naming the cast (the docstrings say so)."""
    for dtype in (np.float16, np.longdouble):
        for call in (lambda x: W.dwt(x, "db2"), lambda x: W.dwt2(np.stack([x, x]), "haar"),
                     lambda x: W.idwt(x, None, "db2")):
            with pytest.raises(TypeError, match="float16 and long double, which pywt accepts, are refused"):
                call(np.ones(8, dtype=dtype))
    with pytest.raises(TypeError, match="accepted: bool or integer"):
        W.dwt(["a", "b"], "db2")


def test_pywt_positional_order():
    x = np.random.default_rng(0).standard_normal((6, 9))
    bound = 2 * c_of("db2", "zero") * EPS64
    assert_close(W.dwt(x, "db2", "zero", 0), pywt.dwt(x, "db2", "zero", 0), rtol=bound, reason="2 c eps")
    ca, cd = pywt.dwt(x, "db2", "zero", 0)
    assert_close(W.idwt(ca, cd, "db2", "zero", 0), pywt.idwt(ca, cd, "db2", "zero", 0), rtol=bound, reason="2 c eps")
    assert_close(W.idwt(cA=ca, cD=cd, wavelet="db2", mode="zero", axis=0), pywt.idwt(ca, cd, "db2", "zero", 0),
                 rtol=bound, reason="pywt's keyword names")
    assert_close(W.idwt((ca, cd), "db2", mode="zero", axis=0), pywt.idwt(ca, cd, "db2", "zero", 0), rtol=bound,
                 reason="the pair form")
    bound2 = 2 * c_of("db2", "zero", axes=2) * EPS64
    assert_close(W.dwt2(x, "db2", "zero", (1, 0)), pywt.dwt2(x, "db2", "zero", (1, 0)), rtol=bound2,
                 reason="2 c eps")
    c2 = pywt.dwt2(x, "db2", "zero", (1, 0))
    assert_close(W.idwt2(c2, "db2", "zero", (1, 0)), pywt.idwt2(c2, "db2", "zero", (1, 0)), rtol=bound2,
                 reason="2 c eps")
    with pytest.raises(TypeError, match="idwt needs a wavelet"):
        W.idwt(ca, cd)
    with pytest.raises(TypeError, match="with the pair, pass mode and axis as keywords"):
        W.idwt((ca, cd), "db2", "zero")


def test_none_bands_in_idwt2_equal_pywt():
    x = np.random.default_rng(1).standard_normal((6, 7))
    coeffs = pywt.dwt2(x, "db2")
    bound = 2 * c_of("db2", "symmetric", axes=2) * EPS64
    for none in ((0,), (1, 3), (0, 1, 2)):
        bands = [coeffs[0], *coeffs[1]]
        for i in none:
            bands[i] = None
        c = (bands[0], tuple(bands[1:]))
        assert_close(W.idwt2(c, "db2"), pywt.idwt2(c, "db2"), rtol=bound, reason="2 c eps")
    with pytest.raises(ValueError, match="at least one of cA, cH, cV and cD must be an array"):
        W.idwt2((None, (None, None, None)), "db2")


def test_per_axis_wavelets_and_modes_equal_pywt():
    x = np.random.default_rng(2).standard_normal((3, 10, 12))
    for wavelet, mode, axes in ((["haar", "db2"], ["zero", "smooth"], (-2, -1)),
                                (("db2", "sym3"), "periodization", (2, 1)),
                                ("db4", ("reflect", "antireflect"), (0, 2))):
        c = max(c_of(w, m, axes=2) for w in np.atleast_1d(wavelet) for m in np.atleast_1d(mode))
        got, want = W.dwt2(x, wavelet, mode, axes), pywt.dwt2(x, wavelet, mode, axes)
        bound = 2 * c * EPS64  # specref and pywt each within c eps; c: the largest over the axes' wavelets and modes
        assert_close(got, want, rtol=bound, reason="2 c eps: each side within c eps, c of the worst axis (c_of)")
        assert_close(W.idwt2(want, wavelet, mode, axes), pywt.idwt2(want, wavelet, mode, axes), rtol=bound,
                     reason="2 c eps: the synthesis has the analysis' error scale (c_of), each side within c eps")
        fwd, adj = _adjoint_pair(W, "dwt2", wavelet=wavelet, mode=mode, axes=axes)
        check_adjoint(fwd, adj, x, rng=3, error_scale=c).raise_if_failed()
    with pytest.raises(ValueError, match="The number of wavelets must match the number of axes"):
        W.dwt2(x, ["haar", "db2", "db4"])
    with pytest.raises(ValueError, match="The number of modes must match the number of axes"):
        W.idwt2(pywt.dwt2(x, "haar"), "haar", ["zero"])


def test_adjoints_of_none_bands_return_none_in_their_slots():
    """Where the forward got None (zeros), its map is that of the other bands alone; the adjoint is the full
    adjoint with the None slots dropped, and returns None there (input_shape holds None in those slots)."""
    rng = np.random.default_rng(4)
    s = (6, 4)
    coeffs = (rng.standard_normal(s), (None, rng.standard_normal(s), None))
    fwd, adj = _adjoint_pair(W, "idwt2", wavelet="db2", mode="zero")
    check_dense_adjoint(fwd, adj, coeffs, error_scale=c_of("db2", "zero", axes=2)).raise_if_failed()
    got = adj(rng.standard_normal(fwd(coeffs).shape), input_shape=tree_shape(coeffs))
    assert got[0] is not None and got[1][0] is None and got[1][1] is not None and got[1][2] is None
    with pytest.raises(ValueError, match="idwt2_adjoint: input_shape holds no shape"):
        W.idwt2_adjoint(np.zeros((8, 4)), input_shape=(None, (None, None, None)), wavelet="db2")
