"""state_dict import and export with spectrans/torch names (a leaf: it imports only the backend).

A torch ``state_dict`` is a mapping from dotted names to tensors. specref reads it without importing torch:
every value is copied to the host through ``__dlpack__`` or ``.numpy()`` (never aliased: a later in-place
update of the torch tensor must not change the specref layer), then moved to the target namespace.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from specref.backend import (
    backend_name,
    complex_dtype,
    dtype_name,
    float_dtype_name,
    namespace,
    native_byte_order,
    to_numpy,
)

__all__ = [
    "StateDictError",
    "StateDictWarning",
    "host_copy",
    "select_prefix",
    "accepted_dtypes",
    "load_arrays",
    "export_arrays",
    "describe",
]

_REAL = ("float32", "float64")
_COMPLEX = ("complex64", "complex128")


class StateDictError(ValueError):
    """A state_dict that does not fit a layer: missing, extra, mis-shaped or mis-typed keys, or no key under the
    prefix at all (the message names them)."""


class StateDictWarning(UserWarning):
    """``strict=False`` loaded a state_dict with missing or unused keys (the message lists them)."""


def host_copy(value) -> np.ndarray:
    """A NumPy copy of an array-like: NumPy arrays, anything with ``__dlpack__`` (torch, JAX, CuPy) or ``.numpy()``.

    Torch tensors that live on a GPU or require grad are detached and moved with their own ``detach``/``cpu``
    methods when present (duck typing: torch is never imported).
    """
    if isinstance(value, np.ndarray | np.generic):
        return np.array(value, copy=True)
    for method in ("detach", "cpu"):
        if hasattr(value, method) and callable(getattr(value, method)) and not hasattr(value, "__array_namespace__"):
            value = getattr(value, method)()
    try:
        return np.array(np.from_dlpack(value), copy=True)
    except Exception:
        pass
    if hasattr(value, "numpy"):
        return np.array(value.numpy(), copy=True)
    try:
        return to_numpy(value)
    except Exception as exc:
        raise TypeError(
            f"cannot read a {type(value).__module__}.{type(value).__name__} as an array: pass NumPy arrays or "
            "objects with __dlpack__ or .numpy()"
        ) from exc


def select_prefix(state_dict: Mapping, prefix: str) -> dict:
    """The entries of ``state_dict`` under ``prefix`` (e.g. ``"blocks.0.mixing."``), with the prefix stripped."""
    prefix = _dotted(prefix)
    return {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}


def _dotted(prefix: str) -> str:
    """``"blocks.0.mixing"`` -> ``"blocks.0.mixing."`` (a prefix names a module: its keys follow a dot)."""
    return prefix + "." if prefix and not prefix.endswith(".") else prefix


def accepted_dtypes(own_dtype) -> tuple[str, ...]:
    """The dtype names a state_dict array may have for a key where the layer holds an array of ``own_dtype``.

    The kind of the layer's own array decides: a real floating array (float32 or float64) accepts float32 and
    float64; a complex one complex64 and complex128; an integer buffer (``num_batches_tracked``, int64)
    integers; a bool one bools. Half precision, longdouble, strings and objects are never accepted; a complex
    array is not accepted for a real parameter (its imaginary part would be dropped). Byte order does not
    matter (``>f8`` is a float64).
    """
    own = dtype_name(own_dtype)
    if own in _REAL:
        return _REAL
    if own in _COMPLEX:
        return _COMPLEX
    if np.dtype(own).kind in "iu":
        return ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
    return (own,)


def load_arrays(
    state_dict: Mapping,
    expected: Mapping,
    *,
    prefix: str = "",
    strict: bool = True,
    dtype=None,
    xp=None,
    device=None,
) -> dict:
    """Copy the arrays named in ``expected`` out of ``state_dict``, checking names, shapes and dtypes.

    Parameters
    ----------
    state_dict : mapping
        Names to arrays (NumPy arrays, torch tensors, anything with ``__dlpack__`` or ``.numpy()``).
    expected : mapping
        Names (without prefix) to the layer's own arrays at those keys (any namespace): a loaded array must
        have the same shape, and a dtype that :func:`accepted_dtypes` accepts for the layer's array.
    prefix : str
        Only keys starting with it are read, and it is stripped (``"blocks.0.mixing."``).
    strict : bool
        ``True``: missing and extra keys (under the prefix) raise. ``False``: they are reported with a
        :class:`StateDictWarning`, and the layer keeps its own arrays for the missing ones; but when no
        expected key is found at all (a wrong prefix) it raises, listing the expected keys. Mis-shaped and
        mis-typed keys raise in both modes.
    dtype : optional
        Cast the floating arrays to this precision, any spelling of float32 or float64 that NumPy accepts
        (:func:`specref.backend.float_dtype_name`; complex arrays go to the complex dtype of that precision);
        by default each array keeps its own dtype. Integer and bool buffers are never cast: an integer buffer
        takes the layer's own integer dtype (``num_batches_tracked`` stays int64).
    xp, device
        Target namespace (NumPy if None) and device.

    Returns
    -------
    dict
        The arrays found (in native byte order), in the order of ``expected``; missing ones are absent when
        ``strict=False``.

    Raises
    ------
    StateDictError
        Naming every missing or extra key (``strict=True``), each mis-shaped key with both shapes, each
        mis-typed key with its dtype and the accepted ones, or (``strict=False``) the expected keys when none
        was found.
    TypeError
        If ``dtype`` is not a spelling of float32 or float64.
    """
    if dtype is not None:
        dtype = float_dtype_name(dtype, name="from_state_dict dtype")
    prefix = _dotted(prefix)
    entries = select_prefix(state_dict, prefix)
    missing = [k for k in expected if k not in entries]
    extra = [k for k in entries if k not in expected]
    problems = []
    if strict and missing:
        problems.append("missing keys: " + ", ".join(prefix + k for k in missing))
    if strict and extra:
        problems.append("unexpected keys: " + ", ".join(prefix + k for k in extra))
    if not strict and expected and len(missing) == len(expected):
        found = list(state_dict)
        shown = ", ".join(map(str, found[:8])) + (f" ... ({len(found)} keys)" if len(found) > 8 else "")
        raise StateDictError(
            f"no key of the state_dict matches the layer under prefix {prefix!r}: the layer expects "
            f"{', '.join(prefix + k for k in expected)}; the state_dict has {shown or 'no keys'}"
        )
    out = {}
    for name, own in expected.items():
        if name not in entries:
            continue
        host = host_copy(entries[name])
        if tuple(host.shape) != tuple(own.shape):
            problems.append(f"key {prefix + name} has shape {tuple(host.shape)}, the layer needs {tuple(own.shape)}")
            continue
        accepted = accepted_dtypes(own.dtype)
        if host.dtype.name not in accepted:
            problems.append(
                f"key {prefix + name} has dtype {host.dtype.name}, the layer's {name} is {dtype_name(own.dtype)}: "
                f"accepted {', '.join(accepted)}"
            )
            continue
        host = native_byte_order(host)
        if host.dtype.kind not in "fc":
            host = host.astype(dtype_name(own.dtype))  # integer and bool buffers: the layer's own dtype
        elif dtype is not None:
            host = host.astype(complex_dtype(dtype, np) if host.dtype.kind == "c" else dtype)
        out[name] = host
    if problems:
        raise StateDictError("state_dict does not fit the layer: " + "; ".join(problems))
    if not strict and (missing or extra):
        parts = [f"missing keys (the layer keeps its own): {', '.join(prefix + k for k in missing)}"] if missing else []
        parts += [f"unused keys: {', '.join(prefix + k for k in extra)}"] if extra else []
        warnings.warn("state_dict loaded with strict=False; " + "; ".join(parts), StateDictWarning, stacklevel=3)
    if xp is None:
        return out
    return {k: (xp.asarray(v) if device is None else xp.asarray(v, device=device)) for k, v in out.items()}


def export_arrays(arrays: Mapping, *, prefix: str = "") -> dict:
    """Host NumPy copies of ``arrays`` under their names (with ``prefix``), ready for ``torch.from_numpy``."""
    return {prefix + k: to_numpy(v) for k, v in arrays.items()}


def describe(arrays: Mapping) -> str:
    """``name: shape dtype`` lines, for error messages and reprs; off NumPy the backend follows
    (``on strict``, ``on cupy``)."""

    def where(v) -> str:
        name = backend_name(namespace(v))
        return "" if name == "numpy" else f" on {name}"

    return "\n".join(f"{k}: {tuple(v.shape)} {dtype_name(v.dtype)}{where(v)}" for k, v in arrays.items())
