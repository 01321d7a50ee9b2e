"""DCT/DST types I-IV, dctn: equality with scipy.fft, exact adjoints, errors (the MDCT: test_mdct.py).

Tolerances derive from the error scale of specref.transforms.cosine: a DCT/DST of length n is an FFT of
length M <= 2n + 2 between steps of gain <= 2, c = 2 (fft_error_scale(2n + 2) + 4) + 2 (``_dct_error_scale``);
two results that each carry c eps differ by at most 2 c eps (``tolerances.reference_bound``).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

from specref.backend import finfo_eps, get_namespace, random_normal, to_numpy
from specref.testing.checks import assert_close, check_adjoint, check_dense_adjoint, check_no_mutation
from specref.testing.strategies import lengths
from specref.transforms import cosine as C
from specref.transforms.cosine import _core_fft, _dct_error_scale

EPS = finfo_eps("float64")
NORMS = (None, "backward", "ortho", "forward")
PAIRS = {
    "dct": (C.dct, C.dct_adjoint),
    "idct": (C.idct, C.idct_adjoint),
    "dst": (C.dst, C.dst_adjoint),
    "idst": (C.idst, C.idst_adjoint),
}


def draw(xp, shape, dtype="float64", seed=0):
    return random_normal(seed, shape, dtype=dtype, xp=xp)


def ref_tol(n: int, dtype="float64") -> float:
    return 2 * _dct_error_scale(n) * finfo_eps(dtype)  # specref and scipy each within c eps


def valid(name: str, type_: int, n: int) -> bool:
    return not (name.endswith("dct") and type_ == 1 and n < 2)


# ----------------------------------------------------------------------------------------------------------
# equality with scipy.fft


@pytest.mark.parametrize("name", list(PAIRS))
@pytest.mark.parametrize("type_", [1, 2, 3, 4])
def test_matches_scipy(xp, name, type_):
    forward = PAIRS[name][0]
    reference = getattr(scipy.fft, name)
    for m in (1, 2, 3, 4, 5, 8, 13, 16, 17):
        x = draw(xp, (2, m), seed=m)
        for norm in NORMS:
            for orth in (None, True, False):
                for n in (None, m + 3, max(m - 1, 1)):
                    if not valid(name, type_, n or m):
                        continue
                    kw = {"type": type_, "n": n, "norm": norm, "orthogonalize": orth}
                    expected = reference(to_numpy(x), **kw)
                    tol = ref_tol(max(m, n or m))
                    assert_close(forward(x, **kw), expected, rtol=tol, reason="2 c eps", err_msg=str(kw))


@pytest.mark.parametrize("name", list(PAIRS))
def test_matches_scipy_other_axes(xp, name):
    x = draw(xp, (5, 3, 4))
    reference = getattr(scipy.fft, name)
    for type_ in (1, 2, 3, 4):
        for axis in (0, 1, -3):
            kw = {"type": type_, "axis": axis, "norm": "ortho", "n": 6}
            assert_close(PAIRS[name][0](x, **kw), reference(to_numpy(x), **kw), rtol=ref_tol(6),
                         reason="2 c eps", err_msg=str(kw))


ND_NAMES = ("dctn", "idctn", "dstn", "idstn")


@pytest.mark.parametrize("name", ND_NAMES)
def test_dctn_matches_scipy(xp, name):
    forward, reference = getattr(C, name), getattr(scipy.fft, name)
    x = draw(xp, (3, 4, 5))
    for type_ in (1, 2, 3, 4):
        for kw in ({}, {"axes": (0, 2)}, {"s": (6, 2)}, {"s": (4, 3), "axes": (-1, 0)}, {"norm": "ortho"},
                   {"norm": "forward", "axes": (1,)}):
            kw = {"type": type_, **kw}
            tol = 3 * ref_tol(6)  # up to three 1-D transforms in sequence, each within 2 c eps
            assert_close(forward(x, **kw), reference(to_numpy(x), **kw), rtol=tol, reason="3 x 2 c eps",
                         err_msg=str(kw))


@pytest.mark.parametrize(("kind", "type_"), [(k, t) for k in ("dct", "dst") for t in (1, 2, 3, 4)])
def test_fft_algorithms_match_scipy(kind, type_):
    """The array-API algorithms (what array-api-strict and CuPy types 1/4 run), on NumPy arrays."""
    for n in range(1, 41):
        if kind == "dct" and type_ == 1 and n < 2:
            continue
        x = draw(np, (3, n), seed=n)
        expected = getattr(scipy.fft, kind)(x, type=type_)
        assert_close(_core_fft(x, kind, type_), expected, rtol=ref_tol(n), reason="2 c eps",
                     err_msg=f"{kind}-{type_} n={n}")


def test_norm_none_is_backward(xp):
    x = draw(xp, (7,))
    for f in (C.dct, C.idct, C.dst, C.idst):
        np.testing.assert_array_equal(to_numpy(f(x, norm=None)), to_numpy(f(x, norm="backward")))


def test_complex_input_transforms_real_and_imaginary_parts(xp):
    z = draw(xp, (3, 6), dtype="complex128")
    re, im = np.real(to_numpy(z)), np.imag(to_numpy(z))
    for name, (forward, _) in PAIRS.items():
        for type_ in (1, 2, 3, 4):
            got = forward(z, type=type_, norm="ortho")
            expected = getattr(scipy.fft, name)(re, type=type_, norm="ortho") + 1j * getattr(scipy.fft, name)(
                im, type=type_, norm="ortho"
            )
            assert_close(got, expected, rtol=ref_tol(6), reason="2 c eps")


# ----------------------------------------------------------------------------------------------------------
# adjoints


@pytest.mark.parametrize("name", list(PAIRS))
@pytest.mark.parametrize("type_", [1, 2, 3, 4])
def test_dense_adjoint(xp, name, type_):
    """The materialised adjoint equals the transpose entry by entry (odd and even n, crop, pad, both norms)."""
    forward, adjoint = PAIRS[name]
    for m, n, norm, orth in ((2, None, None, None), (5, None, "ortho", None), (4, 7, "forward", True),
                             (6, 3, "ortho", False)):
        x = draw(xp, (m,))
        kw = {"type": type_, "n": n, "norm": norm, "orthogonalize": orth}
        c = _dct_error_scale(max(m, n or m))
        check_dense_adjoint(forward, adjoint, x, kwargs=kw, error_scale=c).raise_if_failed()


@given(
    m=lengths(64),
    n=st.one_of(st.none(), lengths(64)),
    name=st.sampled_from(list(PAIRS)),
    type_=st.sampled_from([1, 2, 3, 4]),
    norm=st.sampled_from(NORMS),
    orth=st.sampled_from([None, True, False]),
    backend=st.sampled_from(["numpy", "strict"]),
)
def test_dot_test_hypothesis(m, n, name, type_, norm, orth, backend):
    if not valid(name, type_, n or m):
        m, n = max(m, 2), (None if n is None else max(n, 2))
    xp = get_namespace(backend)
    forward, adjoint = PAIRS[name]
    x = draw(xp, (2, m), seed=m)
    kw = {"type": type_, "n": n, "norm": norm, "orthogonalize": orth}
    c = _dct_error_scale(max(m, n or m))
    check_adjoint(forward, adjoint, x, kwargs=kw, error_scale=c).raise_if_failed()


def test_core_transpose_identities():
    """The table of the module docstring: C_t^T = post C_t' pre, checked on scipy's own matrices."""
    for n in (2, 3, 6):
        eye = np.eye(n)
        for (kind, t), (pre, dual, post) in C._CORE_TRANSPOSE.items():
            if kind == "dct" and t == 1 and n < 2:
                continue
            mat = getattr(scipy.fft, kind)(eye, type=t, axis=0)
            dual_mat = getattr(scipy.fft, kind)(eye, type=dual, axis=0)
            d_pre, d_post = np.ones(n), np.ones(n)
            if pre:
                d_pre[0] *= pre[0]
                d_pre[-1] *= pre[1]
            if post:
                d_post[0] *= post[0]
                d_post[-1] *= post[1]
            rebuilt = np.diag(d_post) @ dual_mat @ np.diag(d_pre)
            abs_bound = 8 * n * EPS  # sums of <= 2n rounded cosines: each within 4 n eps
            np.testing.assert_allclose(mat.T, rebuilt, rtol=0, atol=abs_bound, err_msg=f"{kind}-{t}")  # absolute only


@pytest.mark.parametrize("kind", ["dct", "dst"])
@pytest.mark.parametrize("type_", [1, 2, 3, 4])
def test_ortho_adjoint_is_inverse(xp, kind, type_):
    """norm="ortho" (orthogonalize=True) matrices are orthogonal: adjoint == inverse, for every type."""
    forward, adjoint = PAIRS[kind]
    inverse = PAIRS["i" + kind][0]
    for n in (2, 5, 8):
        y = draw(xp, (3, n), seed=n)
        got = adjoint(y, input_shape=(3, n), type=type_, norm="ortho")
        assert_close(got, inverse(y, type=type_, norm="ortho"), rtol=ref_tol(n), reason="2 c eps")


def test_ortho_without_orthogonalize_is_not_orthogonal():
    """scipy#15033: without orthogonalize the ortho DCT-II keeps the DFT correspondence but is not orthogonal."""
    q = C.dct(np.eye(4), norm="ortho", orthogonalize=False, axis=0)
    assert abs(q.T @ q - np.eye(4)).max() > 0.2  # y_0 carries an extra sqrt 2: off by 1/4
    q = C.dct(np.eye(4), norm="ortho", axis=0)
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=8 * EPS)  # 4-term products of rounded entries


@pytest.mark.parametrize("kind", ["dct", "dst"])
def test_round_trip(xp, kind):
    forward, inverse = PAIRS[kind][0], PAIRS["i" + kind][0]
    for type_ in (1, 2, 3, 4):
        for norm in NORMS:
            for orth in (None, True, False):
                x = draw(xp, (2, 9))
                kw = {"type": type_, "norm": norm, "orthogonalize": orth}
                # two transforms, each within c eps (the inverse's condition number is <= 2 for every type)
                rel_bound = 4 * _dct_error_scale(9) * EPS  # 4 c eps
                assert_close(inverse(forward(x, **kw), **kw), x, rtol=rel_bound,
                             reason="4 c eps", err_msg=str(kw))


@pytest.mark.parametrize("name", ND_NAMES)
def test_dctn_adjoint(xp, name):
    forward, adjoint = getattr(C, name), getattr(C, f"{name}_adjoint")
    x = draw(xp, (3, 4, 2))
    for type_ in (1, 2, 3, 4):
        for kw in ({}, {"axes": (2, 0), "s": (3, 5)}, {"norm": "ortho", "axes": (1,)}):
            kw = {"type": type_, **kw}
            c = 3 * _dct_error_scale(5)  # up to three 1-D transforms in sequence
            check_adjoint(forward, adjoint, x, kwargs=kw, error_scale=c).raise_if_failed()
        kw = {"type": type_, "axes": (2, 0), "s": (2, 3), "norm": "ortho"}
        small = draw(xp, (2, 3, 2))
        check_dense_adjoint(forward, adjoint, small, kwargs=kw, error_scale=c).raise_if_failed()


# ----------------------------------------------------------------------------------------------------------
# dtypes, no mutation


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_output_dtype_follows_input(xp, dtype):
    x = draw(xp, (2, 8), dtype=dtype)
    for name, (forward, adjoint) in PAIRS.items():
        for type_ in (1, 2, 3, 4):
            y = forward(x, type=type_, norm="ortho", n=6)
            assert y.dtype == x.dtype, (name, type_)
            assert adjoint(y, input_shape=x.shape, type=type_, norm="ortho", n=6).dtype == x.dtype
    assert C.dctn(x).dtype == x.dtype


def test_float32_accuracy(xp):
    x = draw(xp, (3, 32), dtype="float32")
    for name, (forward, _) in PAIRS.items():
        for type_ in (1, 2, 3, 4):
            expected = getattr(scipy.fft, name)(to_numpy(x).astype(np.float64), type=type_)
            assert_close(forward(x, type=type_), expected, rtol=ref_tol(32, "float32"), reason="2 c eps32")


def test_no_mutation(xp):
    x = draw(xp, (3, 8))
    for forward, adjoint in PAIRS.values():
        check_no_mutation(forward, x, type=1, norm="ortho", axis=0).raise_if_failed()
        check_no_mutation(adjoint, x, input_shape=(3, 8), type=2, n=8).raise_if_failed()
    check_no_mutation(C.dctn, x, type=3).raise_if_failed()


# ----------------------------------------------------------------------------------------------------------
# errors


def test_bad_types(xp):
    x = draw(xp, (4,))
    for f in (C.dct, C.idct):
        with pytest.raises(ValueError, match="accepted types: 1, 2, 3, 4"):
            f(x, type=5)
    for f in (C.dst, C.idst):
        with pytest.raises(ValueError, match="accepted types: 1, 2, 3, 4"):
            f(x, type=0)
    for bad in (True, 2.0, "2", None):  # a wrong type is a TypeError (_args.as_int; scipy raises one too)
        with pytest.raises(TypeError, match="type must be an integer"):
            C.dct(x, type=bad)
    assert tuple(C.dct(x, type=np.int64(3)).shape) == (4,)  # NumPy integers are integers
    with pytest.raises(ValueError, match="accepted types"):
        C.dctn(x, type=5)


def test_bad_norm_axis_n(xp):
    x = draw(xp, (3, 4))
    with pytest.raises(ValueError, match=r"unknown norm 'orthonormal'; accepted: 'backward', 'ortho', 'forward'"):
        C.dct(x, norm="orthonormal")
    with pytest.raises(ValueError, match="unknown norm 1"):  # the one _args.check_norm message
        C.idst(x, norm=1)
    with pytest.raises(ValueError, match="out of range"):
        C.dst(x, axis=2)
    with pytest.raises(ValueError, match="out of range"):
        C.idct(x, axis=-3)
    with pytest.raises(ValueError, match="valid transform length"):
        C.dct(x, n=0)
    with pytest.raises(TypeError, match="integer"):
        C.dct(x, n=2.5)
    for bad in ("yes", "no", 0, 1):  # None, True or False, as scipy; nothing truthy (_args.check_flag)
        with pytest.raises(TypeError, match="orthogonalize must be True or False"):
            C.dct(x, orthogonalize=bad)
    assert_close(C.dct(x, norm="ortho", orthogonalize=None), C.dct(x, norm="ortho", orthogonalize=True), rtol=0.0,
                 reason="None means norm == 'ortho': the same chain")
    with pytest.raises(ValueError, match=r"s must hold 1 output lengths, one per axis; got \(2, 3\)"):
        C.dctn(x, s=(2, 3), axes=(0,))  # the one message of _args.check_sizes
    with pytest.raises(ValueError, match="twice"):
        C.dctn(x, axes=(0, -2))


def test_dct1_needs_two_points(xp):
    with pytest.raises(ValueError, match="DCT-I needs n >= 2"):
        C.dct(draw(xp, (1,)), type=1)
    with pytest.raises(ValueError, match="DCT-I needs n >= 2"):
        C.idct(draw(xp, (5,)), type=1, n=1)
    assert tuple(C.dst(draw(xp, (1,)), type=1).shape) == (1,)  # DST-I of one point is fine: 2 x


def test_empty_axis(xp):
    x = xp.zeros((3, 0))
    with pytest.raises(ValueError, match="transform length"):
        C.dct(x)
    assert tuple(C.dct(x, n=4).shape) == (3, 4)  # zero-padded, as scipy


def test_integer_and_bool_input():
    # promoted to float64 as scipy.fft promotes them (more in tests/transforms/test_dropin.py)
    for x in (np.arange(4), np.ones(4, dtype=bool)):
        expected = scipy.fft.dct(x)
        got = C.dct(x)
        assert got.dtype == expected.dtype == np.float64
        np.testing.assert_array_equal(got, expected)  # the same pocketfft call on the same float64 array


def test_refused_dtypes():
    # float16 and long double, which scipy.fft accepts, are refused on purpose (module docstring)
    for f in (C.dct, C.idst, C.dctn, C.idstn):
        with pytest.raises(TypeError, match=r"x has dtype float16; accepted: bool or integer \(promoted to "
                           r"float64, as scipy.fft does\).*refused on purpose"):
            f(np.ones(4, dtype=np.float16))
    with pytest.raises(TypeError, match="dst: x has dtype complex256"):
        C.dst(np.ones(4, dtype=np.clongdouble))
    with pytest.raises(TypeError, match="dctn: x has dtype str"):
        C.dctn([["a"]])


def test_adjoint_shape_checks(xp):
    y = draw(xp, (3, 4))
    with pytest.raises(ValueError, match="pass the shape of the forward's input"):
        C.dct_adjoint(y, input_shape=(3, 5))
    with pytest.raises(TypeError, match="input_shape"):
        C.dst_adjoint(y, input_shape=None)
