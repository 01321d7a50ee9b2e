"""Drop-in for numpy.fft and scipy.fft: the peers' documented examples, run with their inputs.

The functions mirroring a peer accept what it accepts (docs/conventions.md, "Drop-in for numpy.fft, scipy.fft
and pywt"): Python sequences, integer and bool input promoted as the peer promotes it, the peer's positional
order, an int for ``axes``/``s``, ``-1`` in ``s``, and (numpy.fft) an axis listed twice. Each example below is
the one in the peer's docstring (numpy 2.x ``numpy.fft.<name>``, scipy 1.17 ``scipy.fft.<name>``), run through
specref and through the peer on the same arguments.

Exactness: every numpy.fft mirror returns NumPy's array bit for bit (same dtype, same values: the same
pocketfft passes in the same order, the norm factor one rounding after each pass, as NumPy's), so those
comparisons use ``assert_array_equal`` and a dtype check. The DCT/DST mirrors equal scipy bit for bit where no
factor is applied (``norm`` None/"backward" forward transforms, "forward" inverse ones, no orthogonalize);
elsewhere scipy folds the factor into its pass and the two differ by rounding, checked within 2 c eps
(``cosine._dct_error_scale``), as tests/transforms/test_cosine.py does.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft

from specref.backend import dtype_name, finfo_eps, get_namespace, to_numpy
from specref.testing.checks import assert_close, check_adjoint, check_dense_adjoint
from specref.testing.tolerances import fft_error_scale
from specref.transforms import cosine as C
from specref.transforms import fourier as F
from specref.transforms.cosine import _dct_error_scale

EPS = finfo_eps("float64")


def same(got, expected):
    """Bit for bit: the same dtype, shape and values (what specref promises for the numpy.fft mirrors)."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_array_equal(got, expected)


def close_to_scipy(got, expected, n: int):
    """A scaled DCT/DST: specref and scipy each within c eps of the exact transform, c = _dct_error_scale(n)."""
    assert np.asarray(got).dtype == np.asarray(expected).dtype
    assert_close(got, expected, rtol=2 * _dct_error_scale(n) * EPS, reason="2 c eps, c = _dct_error_scale(n)")


# ----------------------------------------------------------------------------------------------------------
# numpy.fft's docstring examples: (name, args, kwargs), the peer's own arguments


def _mgrid5():
    return np.mgrid[:5, :5][0]  # an integer array


def _irfftn_example():
    a = np.zeros((3, 2, 2))
    a[0, 0, 0] = 3 * 2 * 2
    return a


NUMPY_EXAMPLES = [
    ("fft", (np.exp(2j * np.pi * np.arange(8) / 8),), {}),
    ("fft", (np.sin(np.arange(256)),), {}),
    ("ifft", ([0, 4, 0, 0],), {}),
    ("fft", ([0, 1, 0, 0],), {}),
    ("rfft", ([0, 1, 0, 0],), {}),
    ("ifft", ([1, -1j, -1, 1j],), {}),
    ("irfft", ([1, -1j, -1],), {}),
    ("fft2", (_mgrid5(),), {}),
    ("ifft2", (4 * np.eye(4),), {}),
    ("fftn", (np.mgrid[:3, :3, :3][0],), {"axes": (1, 2)}),
    ("fftn", (np.mgrid[:3, :3, :3][0], (2, 2)), {"axes": (0, 1)}),  # s by position
    ("fftn", (np.eye(4),), {"axes": (0,)}),
    ("rfft2", (_mgrid5(),), {}),
    ("irfft2", (np.fft.rfft2(_mgrid5()),), {"s": (5, 5)}),
    ("rfftn", (np.ones((2, 2, 2)),), {}),
    ("rfftn", (np.ones((2, 2, 2)),), {"axes": (2, 0)}),
    ("irfftn", (_irfftn_example(),), {}),
]


def _id(example) -> str:
    name, args, kwargs = example
    return f"{name}-{np.asarray(args[0]).dtype}-{len(args)}args-{'-'.join(kwargs)}"


@pytest.mark.parametrize("example", NUMPY_EXAMPLES, ids=[_id(e) for e in NUMPY_EXAMPLES])
def test_numpy_docstring_examples(example):
    name, args, kwargs = example
    same(getattr(F, name)(*args, **kwargs), getattr(np.fft, name)(*args, **kwargs))


@pytest.mark.parametrize("example", NUMPY_EXAMPLES, ids=[_id(e) for e in NUMPY_EXAMPLES])
def test_numpy_docstring_examples_as_lists(example):
    # the same examples with the array given as nested Python lists (ints stay ints, complex stay complex)
    name, args, kwargs = example
    as_list = (np.asarray(args[0]).tolist(), *args[1:])
    same(getattr(F, name)(*as_list, **kwargs), getattr(np.fft, name)(*as_list, **kwargs))


def test_numpy_ifftn_round_trip_example():
    a = np.eye(4)
    same(F.ifftn(F.fftn(a, axes=(0,)), axes=(1,)), np.fft.ifftn(np.fft.fftn(a, axes=(0,)), axes=(1,)))


@pytest.mark.parametrize("dtype", [bool, np.int8, np.uint16, np.int32, np.int64])
@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn",
                                  "ifftn", "rfftn", "irfftn"])
def test_integer_and_bool_input_promoted_as_numpy(name, dtype):
    x = (np.arange(24).reshape(4, 6) % 3).astype(dtype)  # 0, 1, 2 (bool: False, True, True)
    for norm in (None, "ortho", "forward"):
        same(getattr(F, name)(x, norm=norm), getattr(np.fft, name)(x, norm=norm))


def test_integer_input_on_array_api_strict():
    strict = get_namespace("strict")
    x = np.arange(12).reshape(3, 4)
    for name in ("fft", "rfftn", "irfft2"):
        got = getattr(F, name)(strict.asarray(x))
        expected = getattr(np.fft, name)(x)
        assert dtype_name(got.dtype) == str(expected.dtype)  # promoted in its own namespace
        c = fft_error_scale(x.size)
        assert_close(got, expected, rtol=2 * c * EPS, reason="both within c eps of the exact DFT (xp.fft)")


def test_numpy_positional_order():
    x = np.arange(20).reshape(4, 5) % 7
    same(F.fft(x, 6, 0, "ortho"), np.fft.fft(x, 6, 0, "ortho"))
    same(F.irfft(x, 7, 0), np.fft.irfft(x, 7, 0))
    same(F.fftn(x, (3, 8), (1, 0), "forward"), np.fft.fftn(x, (3, 8), (1, 0), "forward"))
    same(F.irfft2(x, (4, 9), (0, 1), "backward"), np.fft.irfft2(x, (4, 9), (0, 1), "backward"))
    with pytest.raises(TypeError):
        F.fft(x, 6, 0, "ortho", np.empty((4, 6), complex))  # NumPy 2's out= is refused (module notes)


# ----------------------------------------------------------------------------------------------------------
# axes and s as numpy.fft (and scipy.fft) read them

ND_NAMES = ("fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn")


@pytest.mark.parametrize("name", ND_NAMES)
@pytest.mark.parametrize(("s", "axes"), [(None, (1, 1)), (None, (0, 1, 0)), ((3, 7), (1, 1)), ((5, 4, 6), (-1, 0, 2)),
                                         ((4, 3), (1, -1))])
def test_repeated_axes_as_numpy(name, s, axes):
    # numpy.fft transforms an axis listed twice once per listing, at the lengths it read before the first
    x = np.random.default_rng(0).standard_normal((4, 5, 6))
    if not name.startswith("r"):
        x = x + 1j * np.random.default_rng(1).standard_normal(x.shape)
    same(getattr(F, name)(x, s, axes), getattr(np.fft, name)(x, s, axes))


@pytest.mark.parametrize("name", ND_NAMES)
def test_repeated_axes_adjoint(name):
    # the adjoint of the chain along each listed axis in turn is the chain reversed: dot test and dense matrix
    forward, adjoint = getattr(F, name), getattr(F, f"{name}_adjoint")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4)) + (0 if name.startswith("r") else 1j * rng.standard_normal((3, 4)))
    kw = {"s": (5, 3, 4), "axes": (1, 0, 1)}
    c = 3 * fft_error_scale(5 * 4 * 5)  # three passes, each within c eps of its exact DFT
    linear = not name.startswith(("r", "ir"))
    check_adjoint(forward, adjoint, x, kwargs=kw, rng=1, error_scale=c, complex_linear=linear).raise_if_failed()
    check_dense_adjoint(forward, adjoint, x, kwargs=kw, error_scale=c).raise_if_failed()


@pytest.mark.parametrize("name", ND_NAMES)
def test_minus_one_in_s_and_array_axes(name):
    x = np.random.default_rng(3).standard_normal((4, 5)) + 1j
    if name.startswith("r"):
        x = x.real
    same(getattr(F, name)(x, s=(-1, 3), axes=(0, 1)), getattr(np.fft, name)(x, s=(-1, 3), axes=(0, 1)))
    same(getattr(F, name)(x, axes=np.array([1, 0])), getattr(np.fft, name)(x, axes=np.array([1, 0])))


def test_int_axes_and_s_as_scipy_fft():
    # numpy's n-D functions want sequences; scipy.fft's take one int, which specref also accepts
    x = np.random.default_rng(4).standard_normal((4, 5))
    for name in ("fftn", "ifftn", "rfftn", "irfftn"):
        same(getattr(F, name)(x, axes=1), getattr(np.fft, name)(x, axes=(1,)))
        same(getattr(F, name)(x, 3, 0), getattr(np.fft, name)(x, (3,), (0,)))
        same(getattr(F, name)(x, s=7), getattr(np.fft, name)(x, s=(7,), axes=(-1,)))


def test_deliberate_refusals_fft():
    x = np.ones((3, 4))
    with pytest.raises(ValueError, match="axes is empty"):
        F.fftn(x, axes=())  # NumPy returns the input untransformed
    with pytest.raises(TypeError, match="s entry must be an integer, got NoneType None"):
        F.fftn(x, s=(None, 4), axes=(0, 1))  # deprecated in NumPy 2.0
    with pytest.raises(TypeError, match="refused on purpose"):
        F.fft(np.ones(4, dtype=np.float16))
    with pytest.raises(TypeError, match="unexpected keyword argument 'out'"):
        F.fft(x, out=np.empty((3, 4), complex))


def test_adjoints_stay_strict():
    # adjoints mirror no peer: arrays only (Python lists and integer arrays are refused), input_shape required
    with pytest.raises(TypeError, match="expected an array"):
        F.fft_adjoint([1.0, 2.0], input_shape=(2,))
    with pytest.raises(TypeError, match="x has dtype int64; accepted: float32, float64, complex64 or complex128"):
        F.rfft_adjoint(np.arange(3), input_shape=(4,))
    with pytest.raises(TypeError, match="y has dtype int64"):
        C.dct_adjoint(np.arange(4), input_shape=(4,))
    with pytest.raises(TypeError, match="input_shape"):
        C.dstn_adjoint(np.ones((2, 2)))


# ----------------------------------------------------------------------------------------------------------
# scipy.fft's docstring examples


def test_scipy_dct_example():
    # scipy: "dct(np.array([4., 3., 5., 10.]), 1)" equals the real part of the FFT of the even extension
    for x in (np.array([4.0, 3.0, 5.0, 10.0]), [4, 3, 5, 10], np.array([4, 3, 5, 10], dtype=np.int16)):
        same(C.dct(x, 1), scipy.fft.dct(x, 1))  # unscaled: bit for bit
    same(C.dct([4, 3, 5, 10], 1), scipy.fft.fft(np.array([4.0, 3.0, 5.0, 10.0, 5.0, 3.0])).real[:4])


def test_scipy_idct_example():
    for x in (np.array([30.0, -8.0, 6.0, -2.0]), [30, -8, 6, -2]):
        close_to_scipy(C.idct(x, 1), scipy.fft.idct(x, 1), 4)  # scaled by 1/(2 (n - 1))
    assert_close(C.idct([30, -8, 6, -2], 1), np.array([4.0, 3.0, 5.0, 10.0]), rtol=2 * _dct_error_scale(4) * EPS,
                 reason="scipy's printed result, within c eps")


def test_scipy_dst_example():
    x = np.array([1, -1, 1, -1])  # integers, as in scipy's example
    same(C.dst(x, type=2), scipy.fft.dst(x, type=2))
    same(C.dst(x.tolist(), 2), scipy.fft.dst(x, 2))


@pytest.mark.parametrize(("forward", "inverse"), [("dctn", "idctn"), ("dstn", "idstn")])
def test_scipy_nd_round_trip_example(forward, inverse):
    # scipy: "np.allclose(y, idctn(dctn(y)))" (and the same for dstn/idstn)
    y = np.random.default_rng(5).standard_normal((16, 16))
    assert np.allclose(y, getattr(C, inverse)(getattr(C, forward)(y)))
    same(getattr(C, forward)(y), getattr(scipy.fft, forward)(y))  # unscaled forward: bit for bit
    close_to_scipy(getattr(C, inverse)(y), getattr(scipy.fft, inverse)(y), 16)


@pytest.mark.parametrize("name", ["dct", "idct", "dst", "idst"])
@pytest.mark.parametrize("dtype", [bool, np.int8, np.uint32, np.int64])
def test_integer_and_bool_input_promoted_as_scipy(name, dtype):
    x = (np.arange(15).reshape(3, 5) % 4).astype(dtype)
    for type_ in (1, 2, 3, 4):
        got, expected = getattr(C, name)(x, type_), getattr(scipy.fft, name)(x, type_)
        if name.startswith("i"):
            close_to_scipy(got, expected, 5)
        else:
            same(got, expected)


def test_scipy_positional_order_and_ignored_arguments():
    x = np.random.default_rng(6).standard_normal((4, 6))
    before = x.copy()
    # dct(x, type, n, axis, norm, overwrite_x, workers, orthogonalize)
    got = C.dct(x, 3, 5, 0, "ortho", True, 2, False)
    close_to_scipy(got, scipy.fft.dct(x, 3, 5, 0, "ortho", True, 2, False), 5)
    np.testing.assert_array_equal(x, before)  # overwrite_x=True is accepted; x is never written
    same(C.dst(x, 2, None, -1, None, False, -1, None), scipy.fft.dst(x, 2, None, -1, None, False, -1, None))
    same(C.dstn(x, 4, (3, 5), (1, 0), "backward", False, 4), scipy.fft.dstn(x, 4, (3, 5), (1, 0), "backward", False, 4))
    for workers in (None, 1, 3, -1):  # the result does not depend on workers
        same(C.dctn(x, workers=workers), C.dctn(x))


def test_scipy_int_axes_and_s():
    x = np.random.default_rng(7).standard_normal((4, 5, 3))
    for name in ("dctn", "idctn", "dstn", "idstn"):
        f, ref = getattr(C, name), getattr(scipy.fft, name)
        for kw in ({"axes": 1}, {"s": 6}, {"s": 6, "axes": 0}, {"s": (-1, 2), "axes": (2, 0)}, {"s": -1, "axes": 1},
                   {"axes": np.array([0, 2])}):
            close_to_scipy(f(x, **kw), ref(x, **kw), 6)


def test_scipy_refusals_kept():
    x = np.ones((3, 4))
    with pytest.raises(ValueError, match="names an axis twice"):
        C.dctn(x, axes=(0, 0))  # scipy.fft refuses a repeated axis too ("all axes must be unique")
    with pytest.raises(ValueError, match=r"workers must not be zero; accepted: None or a nonzero integer"):
        C.dct(x, workers=0)
    with pytest.raises(TypeError, match="workers must be an integer, got float 1.5"):
        C.idstn(x, workers=1.5)
    with pytest.raises(TypeError, match="workers must be an integer"):
        C.dctn_adjoint(x, input_shape=(3, 4), workers="2")
    with pytest.raises(ValueError, match=r"s \(1, 2, 3\) names more axes than the input has \(ndim 2\)"):
        C.dstn(x, s=(1, 2, 3))
    with pytest.raises(TypeError, match="refused on purpose"):
        C.dstn(np.ones((2, 2), dtype=np.float16))


def test_results_of_lists_stay_on_numpy():
    # a sequence is read by NumPy, the default namespace
    assert isinstance(F.rfft([1, 2, 3]), np.ndarray)
    assert isinstance(C.idstn([[1.0, 2.0]]), np.ndarray)
    assert to_numpy(C.dct([True, False, True])).dtype == np.float64


def test_scalars_and_empty_sequences():
    # NumPy reads a scalar as a 0-d array, which has no axis to transform (numpy.fft raises IndexError there)
    with pytest.raises(ValueError, match="0-dimensional"):
        F.fft(5.0)
    with pytest.raises(ValueError, match="0-dimensional"):
        C.dct(3)
    with pytest.raises(ValueError, match="not a valid transform length"):
        F.fft([])  # numpy.fft: "Invalid number of FFT data points (0)"
    same(F.fft([], 4), np.fft.fft([], 4))  # zero-padded, as NumPy
