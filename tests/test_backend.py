"""Backend layer: namespace resolution, dtype rules, scipy.fft dispatch, host RNG."""

from __future__ import annotations

import numpy as np
import pytest

from specref import backend
from specref.backend import (
    as_generator,
    check_float_dtype,
    check_same_precision,
    complex_dtype,
    float_dtype_name,
    get_namespace,
    namespace,
    native_byte_order,
    random_normal,
    random_uniform,
    real_dtype,
    scipy_fft_for,
    to_numpy,
)


def test_namespace_numpy_and_scalars():
    xp = namespace(np.zeros(2), 1.0, None)
    assert backend.backend_name(xp) == "numpy"


def test_namespace_needs_an_array():
    with pytest.raises(TypeError, match="at least one array"):
        namespace(1.0)
    with pytest.raises(TypeError, match="expected an array"):
        namespace([1.0, 2.0])


def test_two_namespaces_raise_naming_both():
    s = pytest.importorskip("array_api_strict")
    with pytest.raises(TypeError, match=r"two namespaces.*numpy.*strict"):
        namespace(np.zeros(2), s.zeros(2))


def test_two_devices_raise_naming_both():
    s = pytest.importorskip("array_api_strict")
    a = s.zeros(2)
    b = s.asarray(a, device=s.Device("device1"))
    with pytest.raises(TypeError, match="two devices"):
        namespace(a, b)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_, np.uint8, np.float16])
def test_integer_bool_and_half_are_refused(dtype):
    with pytest.raises(TypeError, match=r"accepted: float32, float64, complex64 or complex128"):
        check_float_dtype(np.zeros(3, dtype=dtype))


def test_integer_refused_on_strict():
    s = pytest.importorskip("array_api_strict")
    with pytest.raises(TypeError, match="int64"):
        check_float_dtype(s.asarray([1, 2]))


def test_real_only():
    with pytest.raises(TypeError, match="float32 or float64"):
        check_float_dtype(np.zeros(2, complex), allow_complex=False)


def test_mixed_precision_raises():
    with pytest.raises(TypeError, match="two precisions"):
        check_same_precision(np.zeros(2, np.float32), np.zeros(2, np.float64), names=["x", "w"])
    check_same_precision(np.zeros(2, np.float32), np.zeros(2, np.complex64))


def test_dtype_maps(xp):
    assert complex_dtype(xp.float32, xp) == xp.complex64
    assert complex_dtype(xp.float64, xp) == xp.complex128
    assert real_dtype(xp.complex64, xp) == xp.float32
    assert real_dtype(xp.complex128, xp) == xp.float64


def test_scipy_fft_for(xp):
    mod = scipy_fft_for(xp)
    if backend.backend_name(xp) == "numpy":
        import scipy.fft

        assert mod is scipy.fft
    elif backend.backend_name(xp) == "strict":
        assert mod is None


def test_rng_requires_explicit_seed():
    with pytest.raises(TypeError, match="explicit seed"):
        as_generator(None)
    with pytest.raises(TypeError, match="not a bool"):
        as_generator(True)
    with pytest.raises(TypeError, match="not str"):
        as_generator("7")
    g = np.random.default_rng(0)
    assert as_generator(g) is g


@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128", "complex64"])
def test_same_seed_same_numbers_on_every_backend(xp, dtype):
    ref = random_normal(7, (3, 4), dtype=dtype)
    got = random_normal(7, (3, 4), dtype=dtype, xp=xp)
    assert got.dtype == getattr(xp, dtype)
    np.testing.assert_array_equal(to_numpy(got), ref)  # bitwise: drawn on the host, cast, moved
    u = random_uniform(np.random.default_rng(3), (5,), dtype=dtype, xp=xp)
    np.testing.assert_array_equal(to_numpy(u), random_uniform(np.random.default_rng(3), (5,), dtype=dtype))


def test_complex_draw_extends_real_draw():
    r = random_normal(11, (6,), dtype="float64")
    c = random_normal(11, (6,), dtype="complex128")
    np.testing.assert_array_equal(c.real, r)


def test_draw_refuses_integer_dtype():
    with pytest.raises(TypeError, match="not accepted"):
        random_normal(0, (2,), dtype="int32")


def test_get_namespace_errors():
    with pytest.raises(ValueError, match="accepted: numpy, strict, cupy"):
        get_namespace("torch")
    if not backend.gpu_available():
        with pytest.raises(ImportError):
            get_namespace("cupy")


def test_available_backends_starts_with_numpy():
    assert backend.available_backends()[0] == "numpy"


def test_import_does_not_pull_optional_modules():
    import subprocess
    import sys

    code = (
        "import sys, specref, specref.backend, specref.testing, specref.testing.registry as r; r.collect();"
        "bad=[m for m in ('cupy','torch','jax','hypothesis','array_api_strict') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


# ----------------------------------------------------------------------------------------------------------
# dtype spellings and byte order


@pytest.mark.parametrize("spelling, name", [
    (np.float32, "float32"), (np.dtype("float32"), "float32"), ("f4", "float32"), ("float32", "float32"),
    ("single", "float32"), (">f4", "float32"), (np.float64, "float64"), (np.dtype(">f8"), "float64"),
    ("f8", "float64"), ("d", "float64"), (float, "float64"),
], ids=repr)
def test_float_dtype_name_accepts_every_numpy_spelling(spelling, name):
    assert float_dtype_name(spelling) == name


def test_float_dtype_name_accepts_namespace_dtypes(xp):
    assert float_dtype_name(xp.float32) == "float32" and float_dtype_name(xp.float64) == "float64"


@pytest.mark.parametrize("bad", [None, np.float16, "e", np.longdouble, "int32", int, bool, np.complex64, "c16",
                                 "foo", 3, object, "f4,f4"], ids=repr)
def test_float_dtype_name_refuses_the_rest(bad):
    with pytest.raises(TypeError, match=r"layer dtype .* is not accepted; accepted: float32 or float64"):
        float_dtype_name(bad, name="layer dtype")


def test_float_dtype_name_refuses_strict_non_float_dtypes():
    s = pytest.importorskip("array_api_strict")
    for bad in (s.int64, s.complex128, s.bool):
        with pytest.raises(TypeError, match="accepted: float32 or float64"):
            float_dtype_name(bad)


@pytest.mark.parametrize("dtype", [">f4", ">f8", ">c8", ">c16"])
def test_big_endian_is_accepted_as_numpy_accepts_it(dtype):
    x = np.arange(4.0).astype(dtype)
    assert check_float_dtype(x) == x.dtype
    check_same_precision(x, np.zeros(2, dtype.replace(">", "<")))
    native = native_byte_order(x)
    assert native.dtype.isnative and native.dtype == np.dtype(dtype).newbyteorder("=")
    np.testing.assert_array_equal(native, x)
    y = np.ones(3)
    assert native_byte_order(y) is y  # native arrays pass through uncopied


@pytest.mark.parametrize("dtype", [">i8", ">f2"])
def test_big_endian_integer_and_half_are_still_refused(dtype):
    with pytest.raises(TypeError, match=r"has dtype (int64|float16); accepted: float32, float64"):
        check_float_dtype(np.zeros(3, dtype=dtype))


def _cotangent(a):
    """A fixed cotangent of ``a``'s shape and dtype."""
    v = np.cos(np.arange(a.size)).reshape(a.shape)
    return (v + 1j * np.sin(np.arange(a.size)).reshape(a.shape) if a.dtype.kind == "c" else v).astype(a.dtype)


def _big(x):
    return x.astype(x.dtype.newbyteorder(">"))


def _same_native(got, want):
    assert got.dtype.isnative and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)  # bit for bit: byte order does not change a value


def test_big_endian_through_transforms_and_an_op():
    from specref.ops.elementwise import gelu, gelu_vjp
    from specref.transforms.cosine import dct, dct_adjoint
    from specref.transforms.fourier import rfft, rfft_adjoint

    x = np.linspace(-2.0, 3.0, 10)
    for dtype in ("float64", "float32"):
        xn = x.astype(dtype)
        xb = _big(xn)
        _same_native(rfft(xb), rfft(xn))
        _same_native(rfft_adjoint(_big(rfft(xn)), input_shape=(10,)), rfft_adjoint(rfft(xn), input_shape=(10,)))
        for kind in (1, 2, 3, 4):
            _same_native(dct(xb, type=kind, norm="ortho"), dct(xn, type=kind, norm="ortho"))
        _same_native(dct_adjoint(xb, input_shape=(10,)), dct_adjoint(xn, input_shape=(10,)))
        _same_native(gelu(xb), gelu(xn))
        _same_native(gelu_vjp(xb, xb, gelu(xb)), gelu_vjp(xn, xn, gelu(xn)))


def test_big_endian_through_a_layer_forward_and_backward():
    from specref.layers.mixing.afno import AFNOMixing
    from specref.layers.mixing.global_filter import GlobalFilterMixing

    for layer in (GlobalFilterMixing(4, 6, seed=1), AFNOMixing(4, 6, seed=1)):
        for dtype in ("float64", "float32"):
            native = layer.astype(dtype)
            x = random_normal(3, (2, 6, 4), dtype=dtype)
            dy = random_normal(4, (2, 6, 4), dtype=dtype)
            y, ctx = native.forward(x)
            dx, grads = native.backward(ctx, dy)
            big = native.with_params({k: _big(v) for k, v in native.params.items()})
            yb, ctxb = big.forward(_big(x))
            dxb, gradsb = big.backward(ctxb, _big(dy))
            _same_native(yb, y)
            _same_native(dxb, dx)
            for k in grads:
                _same_native(gradsb[k], grads[k])


def test_big_endian_input_gives_the_same_numbers_in_every_registered_case():
    """Each case's first grid point on NumPy, its float inputs (and cotangent) big-endian: every forward equals
    the native one bit for bit. A VJP or adjoint does too, except where NumPy's batched matmul of non-native
    arrays runs its own loop instead of BLAS (block_linear's VJP): the two results then agree within
    ``reference_bound`` (each within the case's c eps of the exact value). A computed result is native; a
    view or rearrangement of the input (real, imag, a permutation, moveaxis) keeps its byte order, as NumPy's
    own functions do."""
    from specref.testing.registry import collect
    from specref.testing.tolerances import reference_bound
    from specref.testing.trees import tree_shape

    xp = get_namespace("numpy")

    def tree(t, leaf):
        if isinstance(t, tuple | list):
            return type(t)(tree(v, leaf) for v in t)
        if isinstance(t, dict):
            return {k: tree(v, leaf) for k, v in t.items()}
        return leaf(t) if isinstance(t, np.ndarray) else t

    def big(t):
        return tree(t, lambda a: _big(a) if a.dtype.kind in "fc" else a)

    def flat(t):
        out = []
        tree(t, out.append)
        return out

    def same(got, want, what, bound=0.0):
        assert len(flat(got)) == len(flat(want)), what
        for g, w in zip(flat(got), flat(want), strict=True):
            assert g.dtype.name == w.dtype.name and g.shape == w.shape, what
            if not np.array_equal(g, w, equal_nan=True):
                assert np.max(np.abs(g - w)) <= bound * np.max(np.abs(w)), what

    checked = 0
    for case in collect():
        for dtype in case.dtypes:
            inputs = case.make(np.random.default_rng(0), xp, dtype, **case.points()[0])
            args = big(inputs.args)
            y = case.forward(*inputs.args, **inputs.kwargs)
            yb = case.forward(*args, **inputs.kwargs)
            same(yb, y, f"{case.name} {dtype} forward")
            dy = tree(y, _cotangent)
            bound = reference_bound(case.scale_for(case.points()[0]), float(np.finfo(dtype).eps)).value
            if case.vjp is not None:
                got = case.vjp(big(dy), *args, yb, **inputs.kwargs)
                same(got, case.vjp(dy, *inputs.args, y, **inputs.kwargs), f"{case.name} {dtype} vjp", bound)
            elif case.adjoint is not None:
                shape = tree_shape(inputs.args[0])
                got = case.adjoint(big(dy), input_shape=shape, **inputs.kwargs)
                same(got, case.adjoint(dy, input_shape=shape, **inputs.kwargs), f"{case.name} {dtype} adjoint", bound)
            checked += 1
    assert checked > 100
