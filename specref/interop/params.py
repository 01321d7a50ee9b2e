"""The one params/buffers container: what a layer and a trainable kernel hold, and how it moves.

:class:`ParamContainer` is the base of :class:`specref.layers.base.Layer` and of the trainable kernels
(:mod:`specref.kernels`): configuration lives in the subclass, the arrays in two dicts,

- ``params``: trainable arrays, under the peer's ``named_parameters()`` names;
- ``buffers``: non-trainable state, under the peer's buffer names (random projections, DWT filters, running
  statistics; integer buffers such as ``num_batches_tracked`` stay int64 and are never cast),

and every operation on them is here once: ``state_dict`` (host copies, spectrans names), ``from_state_dict``
(copied, never aliased; name, shape and dtype checks), ``astype`` (float and complex arrays to one
precision), ``to`` (another backend), ``with_params`` / ``with_buffers`` (new objects; nothing is mutated),
``dtype``, ``xp`` and the repr. A leaf: it imports only the backend and :mod:`specref.interop.state_dict`.

The repr (:func:`config_repr`) prints an object as torch prints a module: the class name, its configuration
and each param and buffer with shape and dtype. The configuration is read from the constructor's signature:
each named parameter of ``type(obj).__init__`` that the object stores as an instance attribute of the same
name (``self.hidden_dim = hidden_dim``), in signature order, with the stored value (a validated or resolved
one, such as AFNO's ``modes_seq``). A constructor argument stored under another name or not at all (a
layer's ``seed``, consumed by the draw) is not shown. The exact kernels, which hold no arrays, share the
function, so every layer and kernel prints alike.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Mapping
from types import ModuleType

from specref.backend import (
    check_same_precision,
    complex_dtype,
    device_of,
    dtype_name,
    float_dtype_name,
    get_namespace,
    namespace,
    to_numpy,
)
from specref.interop.state_dict import describe, export_arrays, load_arrays

__all__ = ["ParamContainer", "config_of", "config_repr"]

_PRECISION = {"float32": "float32", "float64": "float64", "complex64": "float32", "complex128": "float64"}


class ParamContainer:
    """``params`` and ``buffers`` under the peer's names, and the methods that copy, cast and move them.

    Subclasses set their configuration in ``__init__`` and end it with ``self._init_arrays(params,
    buffers)``. Every method returns a new object (a shallow copy sharing the configuration); the arrays
    of the original are never modified.

    Attributes
    ----------
    params : dict
        Trainable arrays (spectrans's ``named_parameters()`` names, shapes and layout).
    buffers : dict
        Non-trainable arrays (spectrans's buffer names).
    """

    params: dict
    buffers: dict

    def _init_arrays(self, params: Mapping | None = None, buffers: Mapping | None = None) -> None:
        self.params = dict(params or {})
        self.buffers = dict(buffers or {})

    def _named_arrays(self) -> dict:
        return {**self.params, **self.buffers}

    @property
    def xp(self):
        """The namespace of the arrays (NumPy for an object without arrays)."""
        arrays = list(self._named_arrays().values())
        return namespace(*arrays) if arrays else get_namespace("numpy")

    @property
    def dtype(self) -> str | None:
        """The precision of the floating arrays, ``"float32"`` or ``"float64"``: that of the params, or of the
        floating buffers when there are no params; None without floating arrays. A complex array counts by
        its precision (complex64 is float32)."""
        for group in (self.params, self.buffers):
            for v in group.values():
                name = _PRECISION.get(dtype_name(v.dtype))
                if name is not None:
                    return name
        return None

    def state_dict(self, prefix: str = "") -> dict:
        """Params and buffers as host NumPy copies under spectrans's names (optionally prefixed)."""
        return export_arrays(self._named_arrays(), prefix=prefix)

    @classmethod
    def from_state_dict(cls, state_dict: Mapping, prefix: str = "", dtype=None, strict: bool = True,
                        xp=None, **config):
        """Build from ``config`` and load the arrays of ``state_dict`` (copied, never aliased).

        ``prefix`` is stripped (``"blocks.0.mixing."``). Each key is checked against the object's own array
        there (:func:`specref.interop.state_dict.load_arrays`): the shape must match, and the dtype's kind
        must fit, so a real param or float buffer takes float32 or float64 (integer, bool, string, object,
        half-precision and complex arrays raise naming the key and the accepted dtypes), a complex one
        complex64 or complex128, and an integer buffer such as ``num_batches_tracked`` an integer array
        (kept int64). Floating arrays keep their dtype unless ``dtype`` is given (any spelling of float32 or
        float64: ``np.float32``, ``"f4"``, ``xp.float32``...), which casts them. With ``strict`` missing or
        extra keys raise; with ``strict=False`` they are reported by a
        :class:`~specref.interop.state_dict.StateDictWarning`, and a state_dict with no key of the object at
        all (a wrong prefix) raises, listing the expected keys. Errors are
        :class:`~specref.interop.state_dict.StateDictError`.
        """
        obj = cls(**config)
        loaded = load_arrays(state_dict, obj._named_arrays(), prefix=prefix, strict=strict, dtype=dtype)
        target = xp if xp is not None else obj.xp
        return obj._replaced({k: target.asarray(v) for k, v in loaded.items()})

    def _replaced(self, arrays: Mapping):
        """A copy with some params/buffers replaced by ``arrays``."""
        new = copy.copy(self)
        new.params = {k: arrays.get(k, v) for k, v in self.params.items()}
        new.buffers = {k: arrays.get(k, v) for k, v in self.buffers.items()}
        return new

    def with_params(self, values):
        """A copy with ``params`` replaced by ``values`` (a mapping, or a sequence in ``params`` order)."""
        if not isinstance(values, Mapping):
            values = dict(zip(self.params, values, strict=True))
        unknown = [k for k in values if k not in self.params]
        if unknown:
            raise KeyError(f"{type(self).__name__} has no params {unknown}; its params are {list(self.params)}")
        return self._replaced(values)

    def with_buffers(self, values: Mapping):
        """A copy with the named buffers replaced (e.g. the updated running statistics a training forward
        returns in ``ctx.new_buffers``)."""
        unknown = [k for k in values if k not in self.buffers]
        if unknown:
            raise KeyError(f"{type(self).__name__} has no buffers {unknown}; its buffers are {list(self.buffers)}")
        return self._replaced(values)

    def astype(self, dtype):
        """A copy with the floating params and buffers cast to ``dtype``: real arrays to that dtype, complex
        arrays to the complex dtype of that precision; integer and bool buffers are kept as they are.

        ``dtype`` is float32 or float64 in any spelling NumPy accepts (``np.float32``, ``np.dtype("float32")``,
        ``"f4"``, ``"float32"``) or a namespace's dtype object (``xp.float32``); anything else (float16,
        longdouble, integer, complex) raises ``TypeError`` naming the accepted set
        (:func:`specref.backend.float_dtype_name`).
        """
        name = float_dtype_name(dtype, name=f"{type(self).__name__}.astype dtype")
        xp = self.xp
        cast = {}
        for k, v in self._named_arrays().items():
            kind = _PRECISION.get(dtype_name(v.dtype))
            if kind is not None:
                target = complex_dtype(name, xp) if dtype_name(v.dtype).startswith("complex") else getattr(xp, name)
                cast[k] = xp.astype(v, target)
        return self._replaced(cast)

    def to(self, target):
        """A copy on another backend: ``target`` is a backend name (``"numpy"``, ``"cupy"``, ``"strict"``),
        a namespace, or an array whose namespace and device are taken. Arrays go through the host."""
        if isinstance(target, str):
            xp, device = get_namespace(target), None
        elif isinstance(target, ModuleType):
            xp, device = target, None
        else:
            xp, device = namespace(target), device_of(target)
        moved = {}
        for k, v in self._named_arrays().items():
            host = to_numpy(v)
            moved[k] = xp.asarray(host) if device is None else xp.asarray(host, device=device)
        return self._replaced(moved)

    def __repr__(self) -> str:
        return config_repr(self)

    def _array(self, name: str):
        """The array ``name`` from ``params`` or ``buffers`` (wherever a trainable flag put it)."""
        return self.params[name] if name in self.params else self.buffers[name]

    def _check_against_arrays(self, x, *, name: str = "x") -> None:
        """``x`` lives on the arrays' backend and has their precision (TypeError naming both otherwise)."""
        arrays = [v for v in self._named_arrays().values() if _PRECISION.get(dtype_name(v.dtype))]
        if arrays:
            namespace(x, *arrays)
            check_same_precision(x, arrays[0], names=[name, f"{type(self).__name__} arrays"])


def config_of(obj) -> dict:
    """The configuration of ``obj``: each named parameter of ``type(obj).__init__`` that ``obj`` stores as an
    instance attribute of the same name, mapped to the stored value, in signature order."""
    stored = getattr(obj, "__dict__", {})
    signature = inspect.signature(type(obj).__init__)
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {p.name: stored[p.name] for p in signature.parameters.values() if p.kind in named and p.name in stored}


def config_repr(obj) -> str:
    """``Class(config)``, then each param and buffer as ``name: shape dtype`` (the repr of layers and kernels).

    Examples
    --------
    ``GlobalFilterMixing(hidden_dim=4, sequence_length=6, ...)`` followed by the lines
    ``params:``, ``filter_real: (4, 4) float64``...
    """
    head = f"{type(obj).__name__}({', '.join(f'{k}={v!r}' for k, v in config_of(obj).items())})"
    lines = [head]
    for label in ("params", "buffers"):
        arrays = getattr(obj, label, None)
        if arrays:
            lines.append(f"  {label}:")
            lines += ["    " + line for line in describe(arrays).splitlines()]
    return "\n".join(lines)
