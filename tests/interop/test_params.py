"""The one params/buffers container (specref.interop.params.ParamContainer) that layers and kernels share."""

from __future__ import annotations

import numpy as np
import pytest

from specref.interop.params import ParamContainer
from specref.interop.state_dict import StateDictError


class Toy(ParamContainer):
    """A container with a real param, a complex param, a float buffer and an integer buffer."""

    def __init__(self, n: int = 3):
        self.n = n
        rng = np.random.default_rng(0)
        self._init_arrays(
            {"weight": rng.standard_normal((n, 2)), "spectrum": rng.standard_normal(n) + 1j * rng.standard_normal(n)},
            {"projection": rng.standard_normal(n), "num_batches_tracked": np.array(5, dtype=np.int64)},
        )


class BuffersOnly(ParamContainer):
    def __init__(self):
        self._init_arrays({}, {"projection": np.ones(2, dtype=np.float32), "count": np.array(1, dtype=np.int64)})


def test_astype_casts_real_and_complex_keeps_integers():
    toy = Toy().astype("float32")
    assert toy.params["weight"].dtype == np.float32
    assert toy.params["spectrum"].dtype == np.complex64  # complex follows the precision (Layer did, kernels did not)
    assert toy.buffers["projection"].dtype == np.float32
    assert toy.buffers["num_batches_tracked"].dtype == np.int64
    assert toy.dtype == "float32"
    back = toy.astype("float64")
    assert back.params["spectrum"].dtype == np.complex128 and back.dtype == "float64"
    with pytest.raises(TypeError, match=r"Toy.astype dtype 'float16' is not accepted; accepted: float32 or float64"):
        Toy().astype("float16")


def test_dtype_reads_the_same_thing_for_every_owner():
    assert Toy().dtype == "float64"
    assert BuffersOnly().dtype == "float32"  # no params: the floating buffers' precision, not the int64 one

    class Empty(ParamContainer):
        def __init__(self):
            self._init_arrays()

    assert Empty().dtype is None
    assert Empty().state_dict() == {}


def test_state_dict_round_trip_copies():
    toy = Toy()
    sd = toy.state_dict(prefix="blocks.0.")
    assert set(sd) == {"blocks.0.weight", "blocks.0.spectrum", "blocks.0.projection", "blocks.0.num_batches_tracked"}
    loaded = Toy.from_state_dict(sd, prefix="blocks.0.")
    for k, v in toy._named_arrays().items():
        assert np.array_equal(loaded._array(k), v) and loaded._array(k).dtype == v.dtype
    sd["blocks.0.weight"][0, 0] = 123.0
    assert loaded.params["weight"][0, 0] != 123.0  # copied, never aliased
    with pytest.raises(StateDictError, match="missing keys: projection"):
        Toy.from_state_dict({k: v for k, v in toy.state_dict().items() if k != "projection"})


def test_with_params_and_buffers_return_new_objects():
    toy = Toy()
    new = toy.with_params({"weight": np.zeros((3, 2))}).with_buffers({"num_batches_tracked": np.array(6)})
    assert np.all(new.params["weight"] == 0) and not np.all(toy.params["weight"] == 0)
    assert int(new.buffers["num_batches_tracked"]) == 6 and int(toy.buffers["num_batches_tracked"]) == 5
    assert new.n == toy.n
    seq = toy.with_params([np.ones((3, 2)), toy.params["spectrum"]])
    assert np.all(seq.params["weight"] == 1)
    with pytest.raises(KeyError, match="has no buffers"):
        toy.with_buffers({"running_mean": np.zeros(3)})
    with pytest.raises(KeyError, match="has no params"):
        toy.with_params({"bias": np.zeros(3)})


def test_to_and_precision_check(xp):
    toy = Toy().to(xp)
    assert toy.xp is not None
    x32 = xp.asarray(np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match="two precisions"):
        toy._check_against_arrays(x32)
    toy._check_against_arrays(xp.asarray(np.ones(3)))


SPELLINGS_32 = [np.float32, np.dtype("float32"), "f4", "float32", "single", "<f4", ">f4"]
SPELLINGS_64 = [np.float64, np.dtype("float64"), "f8", "float64", "double", float, ">f8"]


@pytest.mark.parametrize("spelling", SPELLINGS_32 + SPELLINGS_64, ids=repr)
def test_astype_accepts_every_numpy_spelling(spelling):
    want = np.dtype(spelling).newbyteorder("=")
    toy = Toy().astype(spelling)
    assert toy.params["weight"].dtype == want and toy.params["weight"].dtype.isnative
    assert toy.params["spectrum"].dtype == (np.complex64 if want == np.float32 else np.complex128)
    assert toy.buffers["num_batches_tracked"].dtype == np.int64


def test_astype_accepts_the_namespaces_dtype_objects(xp):
    toy = Toy().to(xp)
    for dtype, name in ((xp.float32, "float32"), (xp.float64, "float64")):
        cast = toy.astype(dtype)
        assert cast.params["weight"].dtype == getattr(xp, name) and cast.dtype == name


@pytest.mark.parametrize("bad", [np.float16, "float16", np.longdouble, "int32", np.int64, bool, "complex64",
                                 np.complex128, "foo", None], ids=repr)
def test_astype_refuses_other_dtypes_naming_the_accepted_set(bad):
    with pytest.raises(TypeError, match=r"Toy.astype dtype .* is not accepted; accepted: float32 or float64"):
        Toy().astype(bad)


def test_astype_refuses_strict_non_float_dtypes():
    s = pytest.importorskip("array_api_strict")
    with pytest.raises(TypeError, match=r"dtype array_api_strict.int32 is not accepted; accepted: float32 or float64"):
        Toy().to("strict").astype(s.int32)


# ----------------------------------------------------------------------------------------------------------
# the repr


def test_repr_of_a_layer_prints_its_configuration_and_params():
    from specref.layers.mixing.global_filter import GlobalFilterMixing

    assert repr(GlobalFilterMixing(4, 6)) == (
        "GlobalFilterMixing(hidden_dim=4, sequence_length=6, activation='sigmoid', dropout=0.0, norm_eps=1e-05, "
        "learnable_filters=True, fft_norm='ortho', filter_init_std=0.02, filter_interpolation='fft_bin')\n"
        "  params:\n"
        "    filter_real: (6, 4) float64\n"
        "    filter_imag: (6, 4) float64"
    )


def test_repr_shows_resolved_configuration_and_the_cast_dtype():
    from specref.layers.mixing.afno import AFNOMixing

    text = repr(AFNOMixing(8, 16, modes_seq=3).astype("float32"))
    assert text.startswith(
        "AFNOMixing(hidden_dim=8, max_sequence_length=16, modes_seq=3, modes_hidden=4, mlp_ratio=2.0, "
        "activation='gelu', dropout=0.0)\n  params:\n    fourier_weight: (3, 4, 2) float32\n"
    )
    assert text.endswith("    norm.weight: (8,) float32\n    norm.bias: (8,) float32")


def test_repr_of_a_kernel_lists_buffers_and_backend(backend_name):
    from specref.kernels.rff_structured import OrthogonalRandomFeatures

    where = "" if backend_name == "numpy" else f" on {backend_name}"
    kernel = OrthogonalRandomFeatures(5, 6, use_hadamard=True).to(backend_name)
    assert repr(kernel) == (
        "OrthogonalRandomFeatures(input_dim=5, num_features=6, kernel_type='gaussian', sigma=1.0, "
        "use_hadamard=True, trainable=False, seed=0)\n"
        "  buffers:\n"
        + "".join(f"    diagonal_{i}: (8,) float64{where}\n" for i in range(3))
        + f"    bias: (6,) float64{where}"
    )
    trainable = repr(OrthogonalRandomFeatures(5, 6, trainable=True))
    assert "  params:\n    projection: (5, 6) float64\n    bias: (6,) float64" in trainable
    assert "buffers" not in trainable


def test_repr_of_exact_kernels_and_containers_without_arrays():
    from specref.kernels.base import CosineKernel, PolynomialKernel

    assert repr(CosineKernel()) == "CosineKernel(eps=1e-08)"
    assert repr(PolynomialKernel(3, alpha=0.5)) == "PolynomialKernel(degree=3, alpha=0.5, coef0=0.0)"
    assert repr(BuffersOnly()) == "BuffersOnly()\n  buffers:\n    projection: (2,) float32\n    count: () int64"


def test_every_layer_and_kernel_prints_each_stored_constructor_argument():
    """No default ``<... object at 0x...>``; every argument stored under its own name appears, in order."""
    import importlib
    import inspect
    import pkgutil

    import specref.kernels
    import specref.layers
    from specref.interop.params import config_of
    from specref.kernels.base import KernelFunction

    sizes = {"hidden_dim": 4, "sequence_length": 6, "max_sequence_length": 6, "input_dim": 3, "num_features": 4,
             "rank": 2}
    seen = 0
    for package in (specref.layers, specref.kernels):
        for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            module = importlib.import_module(info.name)
            for cls in vars(module).values():
                if not (inspect.isclass(cls) and cls.__module__ == module.__name__
                        and issubclass(cls, ParamContainer | KernelFunction)):
                    continue
                parameters = inspect.signature(cls.__init__).parameters
                try:
                    obj = cls(**{k: v for k, v in sizes.items() if k in parameters})
                except (TypeError, ValueError, NotImplementedError):
                    continue  # an abstract base needing more than sizes
                text = repr(obj)
                assert text.startswith(cls.__name__ + "(") and " object at 0x" not in text
                stored = [k for k in parameters if k in vars(obj)]
                assert list(config_of(obj)) == stored
                for k in stored:
                    assert f"{k}={getattr(obj, k)!r}" in text
                seen += 1
    assert seen >= 20
