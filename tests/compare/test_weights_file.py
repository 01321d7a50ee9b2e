"""specref.compare.weights_file.load_weights: .npz without pickle, safetensors by our own reader, bad files.

The safetensors files are written by hand here (8-byte little-endian header length, JSON header, raw
little-endian buffers), so the reader is checked against the format, not against itself. ``.pt`` files need
torch: they are tested in validation/test_compare_cli.py (the peer venv); here they skip.
"""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from specref.compare.weights_file import SUFFIXES, load_weights


def write_safetensors(path, tensors: dict, *, metadata=None, header_override=None, tail=b""):
    """A safetensors file: name -> (dtype code, shape, raw little-endian bytes), in the given order."""
    header, chunks, offset = {}, [], 0
    for name, (code, shape, raw) in tensors.items():
        header[name] = {"dtype": code, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header_override if header_override is not None else header).encode("utf-8")
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(chunks) + tail)
    return path


def test_npz_round_trip(tmp_path):
    gen = np.random.default_rng(0)
    arrays = {
        "layer.weight": gen.standard_normal((3, 4)),
        "layer.bias": gen.standard_normal(4).astype(np.float32),
        "filter": gen.standard_normal((5, 2)) + 1j * gen.standard_normal((5, 2)),
        "steps": np.arange(3, dtype=np.int64),
        "mask": np.array([True, False]),
    }
    path = tmp_path / "w.npz"
    np.savez(path, **arrays)
    got = load_weights(path)
    assert sorted(got) == sorted(arrays)
    for k, v in arrays.items():
        assert got[k].dtype == v.dtype and np.array_equal(got[k], v)
    assert load_weights(str(path)).keys() == got.keys()  # a str path too


def test_npz_with_an_object_array_is_refused_naming_the_key(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, good=np.zeros(2), sneaky=np.array([{"not": "an array"}], dtype=object))
    with pytest.raises(ValueError, match=r"'sneaky' is an object array.*pickle.*refused"):
        load_weights(path)


def test_npz_that_is_not_an_archive(tmp_path):
    path = tmp_path / "w.npz"
    path.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="not a readable .npz"):
        load_weights(path)


def test_safetensors_written_by_hand_is_read_back(tmp_path):
    gen = np.random.default_rng(1)
    f64 = gen.standard_normal((2, 3))
    f32 = gen.standard_normal(4).astype(np.float32)
    f16 = gen.standard_normal((2, 2)).astype(np.float16)
    i64 = np.array([-3, 0, 2**40], dtype=np.int64)
    i32 = np.array([[1, -2]], dtype=np.int32)
    u8 = np.array([0, 255], dtype=np.uint8)
    flags = np.array([True, False, True])
    scalar = np.array(2.5)  # shape []
    # bfloat16: the high half of a float32; these values are exact in bfloat16
    bf16_values = np.array([1.0, -2.5, 0.15625, 2.0**100], dtype=np.float32)
    bf16_raw = (bf16_values.view(np.uint32) >> 16).astype("<u2").tobytes()
    path = write_safetensors(tmp_path / "w.safetensors", {
        "encoder.weight": ("F64", f64.shape, f64.astype("<f8").tobytes()),
        "encoder.bias": ("F32", f32.shape, f32.astype("<f4").tobytes()),
        "half": ("F16", f16.shape, f16.astype("<f2").tobytes()),
        "steps": ("I64", i64.shape, i64.astype("<i8").tobytes()),
        "pairs": ("I32", i32.shape, i32.astype("<i4").tobytes()),
        "bytes": ("U8", u8.shape, u8.tobytes()),
        "mask": ("BOOL", flags.shape, flags.tobytes()),
        "scale": ("F64", (), scalar.astype("<f8").tobytes()),
        "brain": ("BF16", bf16_values.shape, bf16_raw),
    }, metadata={"format": "pt"})
    got = load_weights(path)
    assert "__metadata__" not in got
    expected = {"encoder.weight": f64, "encoder.bias": f32, "half": f16, "steps": i64, "pairs": i32, "bytes": u8,
                "mask": flags, "scale": scalar}
    for k, v in expected.items():
        assert got[k].dtype == v.dtype and got[k].shape == v.shape and np.array_equal(got[k], v), k
        assert got[k].dtype.isnative
    assert got["brain"].dtype == np.float32 and np.array_equal(got["brain"], bf16_values)
    got["encoder.weight"][0, 0] = 7.0  # a writable copy, not a view of the file's bytes


def test_safetensors_buffers_are_little_endian(tmp_path):
    """The buffers are little-endian whatever the host: a value whose bytes are not symmetric reads back."""
    v = np.array([1.0 + 2.0**-30], dtype=np.float64)
    path = write_safetensors(tmp_path / "w.safetensors", {"v": ("F64", (1,), v.astype("<f8").tobytes())})
    assert load_weights(path)["v"][0] == v[0]


@pytest.mark.parametrize("bad, match", [
    ("short", "shorter than the 8-byte header length"),
    ("length", "header length .* exceeds"),
    ("json", "header is not JSON"),
    ("list", "not a JSON object"),
    ("offsets", "data_offsets .* outside"),
    ("size", "spans 8 bytes, its shape needs 16"),
    ("dtype", "dtype 'F8_E4M3'; readable"),
    ("fields", "needs dtype, shape and data_offsets"),
    ("shape", "not a list of non-negative integers"),
])
def test_malformed_safetensors_are_refused_with_the_reason(tmp_path, bad, match):
    path = tmp_path / "w.safetensors"
    raw = np.zeros(2, dtype="<f8").tobytes()
    if bad == "short":
        path.write_bytes(b"\x01\x02")
    elif bad == "length":
        path.write_bytes(struct.pack("<Q", 10**6) + b"{}")
    elif bad == "json":
        path.write_bytes(struct.pack("<Q", 5) + b"{nope")
    elif bad == "list":
        write_safetensors(path, {}, header_override=[1, 2])
    elif bad == "offsets":
        write_safetensors(path, {}, header_override={"w": {"dtype": "F64", "shape": [2], "data_offsets": [0, 99]}},
                          tail=raw)
    elif bad == "size":
        write_safetensors(path, {"w": ("F64", (2,), raw[:8])})
    elif bad == "dtype":
        write_safetensors(path, {"w": ("F8_E4M3", (2,), raw[:2])})
    elif bad == "fields":
        write_safetensors(path, {}, header_override={"w": {"dtype": "F64"}})
    elif bad == "shape":
        write_safetensors(path, {}, header_override={"w": {"dtype": "F64", "shape": [-2], "data_offsets": [0, 16]}},
                          tail=raw)
    with pytest.raises(ValueError, match=match):
        load_weights(path)


def test_unknown_suffix_names_the_accepted_ones(tmp_path):
    path = tmp_path / "w.h5"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"unknown suffix '\.h5'.*\.npz, \.safetensors, \.pt, \.pth"):
        load_weights(path)
    with pytest.raises(ValueError, match=r"unknown suffix '\(none\)'"):
        load_weights(tmp_path / "weights")
    assert SUFFIXES == (".npz", ".safetensors", ".pt", ".pth")


def test_missing_file_and_wrong_type(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_weights(tmp_path / "absent.npz")
    with pytest.raises(TypeError, match="path must be a str or os.PathLike, got int"):
        load_weights(3)


def test_pt_without_torch_says_so(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # torch absent (it is, in the main venv)
    path = tmp_path / "w.pt"
    path.write_bytes(b"anything")
    with pytest.raises(ImportError, match=r"reading a .pt/.pth file needs torch.*\.npz or \.safetensors"):
        load_weights(path)


def test_pt_needs_torch_and_is_tested_in_validation(tmp_path):
    torch = pytest.importorskip("torch", reason="no torch in the main venv: .pt files are tested in validation/")
    path = tmp_path / "w.pt"
    torch.save({"w": torch.ones(2)}, path)
    assert np.array_equal(load_weights(path)["w"], np.ones(2, dtype=np.float32))
