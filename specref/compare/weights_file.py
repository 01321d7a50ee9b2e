r"""Weight files for ``specref compare --weights FILE``: a state dict as host NumPy arrays, never unpickled.

Three formats, chosen by the file's suffix:

- ``.npz``: ``numpy.load(path, allow_pickle=False)``; an object array (which only pickle can restore) is
  refused, naming its key;
- ``.safetensors``: read here, without the ``safetensors`` package. The layout is an 8-byte little-endian
  unsigned header length :math:`N`, :math:`N` bytes of JSON mapping each name to ``{"dtype", "shape",
  "data_offsets": [begin, end]}`` (an optional ``"__metadata__"`` entry of strings), then the raw
  little-endian buffers, ``begin``/``end`` counted from the first byte after the header. ``BF16`` (the high
  half of a float32) is widened to float32 exactly, since NumPy has no bfloat16;
- ``.pt`` / ``.pth``: ``torch.load(path, weights_only=True, map_location="cpu")`` (torch imported here
  only), so a file that needs arbitrary objects unpickled is refused with torch's reason; nested dicts of
  tensors are flattened with dotted names (``{"encoder": {"w": t}}`` gives ``"encoder.w"``).

Every loader returns ``{name: numpy.ndarray}`` in native byte order.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = ["load_weights", "SUFFIXES", "SAFETENSORS_DTYPES"]

SUFFIXES = (".npz", ".safetensors", ".pt", ".pth")

# safetensors dtype code -> NumPy little-endian dtype (BF16 is widened separately).
SAFETENSORS_DTYPES: dict[str, str] = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1",
    "BOOL": "?",
    "C64": "<c8", "C128": "<c16",
}
_MAX_HEADER = 100 * 2**20  # the format's own limit on the JSON header (100 MiB)


def load_weights(path) -> dict[str, np.ndarray]:
    """Read a state dict (name -> array) from a ``.npz``, ``.safetensors``, ``.pt`` or ``.pth`` file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    dict of str to numpy.ndarray

    Raises
    ------
    TypeError
        ``path`` is not a string or path.
    ImportError
        A ``.pt``/``.pth`` file without torch installed.
    FileNotFoundError
        No file at ``path``.
    ValueError
        An unknown suffix (the message names the accepted ones), a malformed file, an object array in a
        ``.npz``, a ``.pt`` file that needs unpickling arbitrary objects (the message says ``weights_only``),
        or an entry that is not an array.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"weights file {str(path)!r}: unknown suffix {suffix or '(none)'!r}; accepted: "
                         f"{', '.join(SUFFIXES)}")
    if not path.is_file():
        raise FileNotFoundError(f"weights file {str(path)!r} does not exist")
    if suffix == ".npz":
        return _load_npz(path)
    if suffix == ".safetensors":
        return _load_safetensors(path)
    return _load_torch(path)


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        archive = np.load(path, allow_pickle=False)
    except Exception as exc:  # not a zip archive, a truncated file...
        raise ValueError(f"weights file {str(path)!r} is not a readable .npz archive: {exc}") from exc
    if not hasattr(archive, "files"):  # np.load of a .npy renamed .npz returns the array itself
        raise ValueError(f"weights file {str(path)!r} holds a single array, not an .npz archive of named arrays")
    out = {}
    with archive:
        for key in archive.files:
            try:
                out[key] = archive[key]
            except ValueError as exc:
                raise ValueError(
                    f"weights file {str(path)!r}: entry {key!r} is an object array, which only pickle can "
                    f"restore; refused (numpy.load with allow_pickle=False: {exc})") from exc
    return out


def _load_safetensors(path: Path) -> dict[str, np.ndarray]:
    data = path.read_bytes()
    where = f"weights file {str(path)!r} (safetensors)"
    if len(data) < 8:
        raise ValueError(f"{where}: {len(data)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > min(len(data) - 8, _MAX_HEADER):
        raise ValueError(f"{where}: header length {n} exceeds the file's {len(data) - 8} remaining bytes")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{where}: the header is not JSON: {exc}") from exc
    if not isinstance(header, dict):
        raise ValueError(f"{where}: the header is a {type(header).__name__}, not a JSON object")
    buffer = memoryview(data)[8 + n:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        out[name] = _safetensors_entry(where, name, entry, buffer)
    return out


def _safetensors_entry(where: str, name: str, entry, buffer: memoryview) -> np.ndarray:
    if not isinstance(entry, dict) or not {"dtype", "shape", "data_offsets"} <= set(entry):
        raise ValueError(f"{where}: entry {name!r} needs dtype, shape and data_offsets, got {entry!r}")
    code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if not (isinstance(shape, list) and all(isinstance(s, int) and s >= 0 for s in shape)):
        raise ValueError(f"{where}: entry {name!r} has shape {shape!r}, not a list of non-negative integers")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)
            and 0 <= offsets[0] <= offsets[1] <= len(buffer)):
        raise ValueError(f"{where}: entry {name!r} has data_offsets {offsets!r} outside the {len(buffer)}-byte "
                         "buffer")
    raw = buffer[offsets[0]:offsets[1]]
    count = math.prod(shape)
    if code == "BF16":  # the high 16 bits of a float32: widen exactly
        _check_size(where, name, code, len(raw), count * 2)
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return bits.view(np.float32).reshape(shape)
    if code not in SAFETENSORS_DTYPES:
        raise ValueError(f"{where}: entry {name!r} has dtype {code!r}; readable: "
                         f"{', '.join([*SAFETENSORS_DTYPES, 'BF16'])}")
    dtype = np.dtype(SAFETENSORS_DTYPES[code])
    _check_size(where, name, code, len(raw), count * dtype.itemsize)
    return np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def _check_size(where: str, name: str, code: str, got: int, expected: int) -> None:
    if got != expected:
        raise ValueError(f"{where}: entry {name!r} ({code}) spans {got} bytes, its shape needs {expected}")


def _load_torch(path: Path) -> dict[str, np.ndarray]:
    import pickle

    try:
        import torch  # peer-only
    except ImportError as exc:
        raise ImportError(f"weights file {str(path)!r}: reading a .pt/.pth file needs torch, which is not installed "
                          "(pip install torch; or save the state dict as .npz or .safetensors)") from exc
    try:
        loaded = torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(
            f"weights file {str(path)!r} refused: it needs unpickling arbitrary objects, which "
            f"torch.load(weights_only=True) does not do (save module.state_dict() instead); torch says: "
            f"{reason}") from exc
    except Exception as exc:  # a truncated file, not a torch file at all...
        raise ValueError(f"weights file {str(path)!r} is not a readable torch file: {exc}") from exc
    if not isinstance(loaded, Mapping):
        raise ValueError(f"weights file {str(path)!r} holds an object of type {type(loaded).__name__}, not a "
                         "state dict (a mapping of names to tensors)")
    out: dict[str, np.ndarray] = {}
    _flatten_torch(torch, str(path), loaded, "", out)
    return out


def _flatten_torch(torch, where: str, tree: Mapping, prefix: str, out: dict) -> None:
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten_torch(torch, where, value, name + ".", out)
        elif isinstance(value, torch.Tensor):
            t = value.detach().cpu().resolve_conj().resolve_neg()
            if t.dtype == torch.bfloat16:  # NumPy has no bfloat16; widening is exact
                t = t.float()
            out[name] = t.numpy().copy()
        else:
            raise ValueError(f"weights file {where!r}: entry {name!r} is of type {type(value).__name__}, not a tensor "
                             "(save module.state_dict(), not a checkpoint with other entries)")
