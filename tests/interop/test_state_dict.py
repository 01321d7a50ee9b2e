"""Reading a state_dict (specref.interop.state_dict): names, shapes and dtypes checked against the layer's arrays."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from specref.interop.params import ParamContainer
from specref.interop.state_dict import StateDictError, StateDictWarning, accepted_dtypes, describe, load_arrays
from specref.kernels.rff import GaussianRFFKernel
from specref.layers.mixing.global_filter import GlobalFilterMixing

GF = {"hidden_dim": 4, "sequence_length": 6}
KERNEL = {"input_dim": 3, "num_features": 5}  # non-trainable: omega and bias are buffers

# bad dtypes for a real floating key, each with the name the message gives it
BAD_FOR_REAL = [
    ("int64", lambda a: a.astype(np.int64)),
    ("int32", lambda a: a.astype(np.int32)),
    ("bool", lambda a: a > 0),
    ("str", lambda a: a.astype(str)),
    ("object", lambda a: a.astype(object)),
    ("float16", lambda a: a.astype(np.float16)),
    ("complex128", lambda a: a + 0j),  # a complex array for a real parameter
]


class Counter(ParamContainer):
    """A float param, a complex param and batch-norm's integer buffer."""

    def __init__(self):
        self._init_arrays(
            {"weight": np.ones(3), "spectrum": np.ones(3, dtype=np.complex128)},
            {"num_batches_tracked": np.array(0, dtype=np.int64)},
        )


@pytest.mark.parametrize("found, bad", BAD_FOR_REAL, ids=[b[0] for b in BAD_FOR_REAL])
@pytest.mark.parametrize("strict", [True, False])
def test_layer_param_refuses_non_float_dtypes(found, bad, strict):
    sd = GlobalFilterMixing(**GF).state_dict(prefix="blocks.0.")
    sd["blocks.0.filter_real"] = bad(sd["blocks.0.filter_real"])
    with pytest.raises(StateDictError, match=rf"key blocks\.0\.filter_real has dtype {found}\w*, the layer's "
                                             r"filter_real is float64: accepted float32, float64"):
        GlobalFilterMixing.from_state_dict(sd, prefix="blocks.0.", strict=strict, **GF)


@pytest.mark.parametrize("found, bad", BAD_FOR_REAL, ids=[b[0] for b in BAD_FOR_REAL])
def test_kernel_buffer_refuses_non_float_dtypes(found, bad):
    sd = GaussianRFFKernel(**KERNEL).state_dict()
    sd["bias"] = bad(sd["bias"])
    with pytest.raises(StateDictError, match=rf"key bias has dtype {found}\w*, the layer's bias is float64: "
                                             r"accepted float32, float64"):
        GaussianRFFKernel.from_state_dict(sd, **KERNEL)


def test_float_arrays_keep_their_dtype_or_take_dtype():
    sd = {k: v.astype(np.float32) for k, v in GlobalFilterMixing(**GF).state_dict().items()}
    assert GlobalFilterMixing.from_state_dict(sd, **GF).dtype == "float32"  # kept
    for spelling in ("float64", "f8", np.float64, np.dtype("float64"), float):
        layer = GlobalFilterMixing.from_state_dict(sd, dtype=spelling, **GF)
        assert layer.params["filter_real"].dtype == np.float64
        np.testing.assert_array_equal(layer.params["filter_real"], sd["filter_real"])
    kernel = GaussianRFFKernel.from_state_dict(GaussianRFFKernel(**KERNEL).state_dict(), dtype="f4", **KERNEL)
    assert kernel.buffers["omega"].dtype == np.float32 and kernel.dtype == "float32"
    with pytest.raises(TypeError, match=r"from_state_dict dtype 'float16' is not accepted; accepted: float32 or"):
        GlobalFilterMixing.from_state_dict(sd, dtype="float16", **GF)
    with pytest.raises(TypeError, match=r"from_state_dict dtype <class 'int'> is not accepted"):
        GlobalFilterMixing.from_state_dict(sd, dtype=int, **GF)


def test_integer_buffer_stays_int64_and_complex_param_takes_the_precision():
    sd = Counter().state_dict()
    sd["num_batches_tracked"] = np.array(7, dtype=np.int32)  # a peer's integer: any width, kept int64
    loaded = Counter.from_state_dict(sd, dtype="float32")
    assert loaded.buffers["num_batches_tracked"].dtype == np.int64 and int(loaded.buffers["num_batches_tracked"]) == 7
    assert loaded.params["weight"].dtype == np.float32 and loaded.params["spectrum"].dtype == np.complex64
    with pytest.raises(StateDictError, match=r"key num_batches_tracked has dtype float64, the layer's "
                                             r"num_batches_tracked is int64: accepted int8, .*int64"):
        Counter.from_state_dict({**sd, "num_batches_tracked": np.array(7.0)})
    with pytest.raises(StateDictError, match=r"key spectrum has dtype float64, the layer's spectrum is complex128: "
                                             r"accepted complex64, complex128"):
        Counter.from_state_dict({**sd, "spectrum": np.ones(3)})
    with pytest.raises(StateDictError, match=r"key weight has dtype int64, .*; key spectrum has dtype int64"):
        Counter.from_state_dict({**sd, "weight": np.ones(3, dtype=np.int64), "spectrum": np.ones(3, dtype=np.int64)})


def test_accepted_dtypes_follow_the_kind_of_the_layers_array():
    assert accepted_dtypes(np.dtype("float32")) == ("float32", "float64")
    assert accepted_dtypes(np.complex128) == ("complex64", "complex128")
    assert "int64" in accepted_dtypes(np.dtype("int64")) and "float64" not in accepted_dtypes(np.dtype("int64"))
    assert accepted_dtypes(np.dtype(bool)) == ("bool",)


def test_big_endian_state_dict_loads_native():
    sd = GlobalFilterMixing(**GF).state_dict()
    big = {k: v.astype(">f8") for k, v in sd.items()}
    layer = GlobalFilterMixing.from_state_dict(big, **GF)
    for k, v in sd.items():
        assert layer.params[k].dtype.isnative and layer.params[k].dtype == np.float64
        np.testing.assert_array_equal(layer.params[k], v)


def test_strict_false_with_no_matching_key_raises_listing_the_expected_keys():
    sd = GlobalFilterMixing(**GF).state_dict(prefix="blocks.0.mixing_layer.")
    with pytest.raises(StateDictError, match=r"no key of the state_dict matches the layer under prefix "
                                             r"'blocks\.0\.mixing\.': the layer expects "
                                             r"blocks\.0\.mixing\.filter_real, blocks\.0\.mixing\.filter_imag; "
                                             r"the state_dict has blocks\.0\.mixing_layer"):
        GlobalFilterMixing.from_state_dict(sd, prefix="blocks.0.mixing.", strict=False, **GF)
    with pytest.raises(StateDictError, match=r"no key .* the layer expects omega, bias; the state_dict has no keys"):
        GaussianRFFKernel.from_state_dict({}, strict=False, **KERNEL)


def test_strict_false_warns_listing_missing_and_unused_keys():
    layer = GlobalFilterMixing(**GF)
    sd = layer.state_dict()
    partial = {"filter_real": sd["filter_real"] * 2, "filter_reel": sd["filter_imag"]}
    with pytest.warns(StateDictWarning, match=r"missing keys \(the layer keeps its own\): filter_imag; "
                                              r"unused keys: filter_reel"):
        loaded = GlobalFilterMixing.from_state_dict(partial, strict=False, **GF)
    np.testing.assert_array_equal(loaded.params["filter_real"], sd["filter_real"] * 2)
    np.testing.assert_array_equal(loaded.params["filter_imag"], layer.params["filter_imag"])
    with pytest.warns(StateDictWarning, match=r"missing keys \(the layer keeps its own\): bias$"):
        GaussianRFFKernel.from_state_dict({"omega": np.zeros((3, 5))}, strict=False, **KERNEL)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complete state_dict loads silently
        GlobalFilterMixing.from_state_dict(sd, strict=False, **GF)
    with pytest.raises(StateDictError, match=r"missing keys: filter_imag; unexpected keys: filter_reel"):
        GlobalFilterMixing.from_state_dict(partial, **GF)


def test_load_arrays_checks_against_template_arrays(xp):
    own = {"w": xp.asarray(np.zeros(2))}
    out = load_arrays({"p.w": np.ones(2, dtype=np.float32)}, own, prefix="p", xp=xp)
    assert out["w"].dtype == xp.float32
    with pytest.raises(StateDictError, match="key p.w has dtype int64"):
        load_arrays({"p.w": np.ones(2, dtype=np.int64)}, own, prefix="p")


def test_describe_names_shape_dtype_and_backend(xp, backend_name):
    text = describe({"w": xp.asarray(np.zeros((2, 3), dtype=np.float32))})
    assert text == "w: (2, 3) float32" + ("" if backend_name == "numpy" else f" on {backend_name}")


def test_kernel_with_its_own_from_state_dict_applies_the_same_checks():
    from specref.kernels.rff_structured import OrthogonalRandomFeatures

    config = {"input_dim": 5, "num_features": 6}
    sd = OrthogonalRandomFeatures(**config).state_dict()
    with pytest.raises(StateDictError, match=r"key projection has dtype float16, the layer's projection is float64"):
        OrthogonalRandomFeatures.from_state_dict({**sd, "projection": sd["projection"].astype(np.float16)}, **config)
    with pytest.raises(StateDictError, match=r"no key .* the layer expects features\.projection, features\.bias"):
        OrthogonalRandomFeatures.from_state_dict(sd, prefix="features", strict=False, **config)
    with pytest.warns(StateDictWarning, match=r"missing keys \(the layer keeps its own\): bias"):
        OrthogonalRandomFeatures.from_state_dict({"projection": sd["projection"]}, strict=False, **config)
    assert OrthogonalRandomFeatures.from_state_dict(sd, dtype=np.dtype("float32"), **config).dtype == "float32"
