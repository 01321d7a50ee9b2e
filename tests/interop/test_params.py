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
    with pytest.raises(TypeError, match="cast to float32 or float64"):
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
