"""Array backends: which namespace and device the arguments live on, dtype rules, scipy.fft dispatch, RNG.

The arguments decide the backend; there is no global backend state. Every public function starts with
``xp = namespace(x, ...)`` and calls ``xp.*`` from there on. Supported namespaces are NumPy, CuPy and
array-api-strict (the last proves that the core uses nothing outside the array API standard).

Dtype rules (docs/conventions.md):

* accepted: float32, float64, complex64, complex128, in either byte order (a big-endian ``>f8`` array is a
  float64 array, as NumPy treats it; results computed from it are native); integer, bool and half-precision
  arrays raise ``TypeError``;
* output precision follows input precision (float32 -> complex64 for an FFT, never complex128);
* arrays of two precisions meeting in one call raise ``TypeError`` (cast with ``astype`` first).

Randomness: a seed or a ``numpy.random.Generator`` goes in; numbers are drawn on the host in float64, cast to
the requested dtype and moved to the target namespace and device, so one seed gives the same numbers on every
backend.
"""

from __future__ import annotations

import sys
from types import ModuleType

import array_api_compat
import numpy as np

__all__ = [
    "from_host",
    "ACCEPTED_DTYPES",
    "namespace",
    "device_of",
    "backend_name",
    "get_namespace",
    "available_backends",
    "gpu_available",
    "gpu_unavailable_reason",
    "check_float_dtype",
    "check_same_precision",
    "real_dtype",
    "complex_dtype",
    "is_complex",
    "finfo_eps",
    "scipy_fft_for",
    "as_generator",
    "random_normal",
    "random_uniform",
    "to_numpy",
    "dtype_name",
    "float_dtype_name",
    "native_byte_order",
]

ACCEPTED_DTYPES = ("float32", "float64", "complex64", "complex128")
_ACCEPTED_TEXT = "float32, float64, complex64 or complex128"
BACKEND_NAMES = ("numpy", "strict", "cupy")


def namespace(*arrays):
    """Return the array-API namespace shared by ``arrays``.

    Python scalars and ``None`` are ignored, as array-api-compat does.

    Raises
    ------
    TypeError
        If the arrays come from two namespaces (the message names both) or live on two devices (the
        message names both devices), or if an argument is not an array.
    """
    # type() and not isinstance(): NumPy scalars (np.float64 subclasses float) are 0-d arrays here.
    arrays = [a for a in arrays if a is not None and type(a) not in (bool, int, float, complex)]
    if not arrays:
        raise TypeError("namespace() needs at least one array argument")
    spaces = []
    for a in arrays:
        try:
            xp = array_api_compat.array_namespace(a)
        except TypeError as exc:
            raise TypeError(
                f"expected an array (NumPy, CuPy or array-api-strict), got {type(a).__name__}"
            ) from exc
        if all(xp is not s for s, _ in spaces):
            spaces.append((xp, a))
    if len(spaces) > 1:
        names = " and ".join(f"{backend_name(s)} ({type(a).__module__}.{type(a).__name__})" for s, a in spaces)
        raise TypeError(
            f"arrays from two namespaces meet in one call: {names}; move them to one backend first "
            "(e.g. xp.asarray(...) on the same namespace)"
        )
    xp = spaces[0][0]
    devices = []
    for a in arrays:
        d = array_api_compat.device(a)
        if all(d != e for e in devices):
            devices.append(d)
    if len(devices) > 1:
        raise TypeError(
            f"arrays on two devices meet in one call: {devices[0]!r} and {devices[1]!r}; "
            "move them to one device first"
        )
    return xp


def device_of(x):
    """The device of array ``x`` (``"cpu"`` for NumPy)."""
    return array_api_compat.device(x)


def backend_name(xp) -> str:
    """Short name of a namespace: ``"numpy"``, ``"cupy"``, ``"strict"`` or the module name."""
    if array_api_compat.is_numpy_namespace(xp):
        return "numpy"
    if array_api_compat.is_cupy_namespace(xp):
        return "cupy"
    if array_api_compat.is_array_api_strict_namespace(xp):
        return "strict"
    return getattr(xp, "__name__", repr(xp))


def gpu_available() -> bool:
    """True when CuPy imports and sees a CUDA device (importing CuPy alone succeeds without one)."""
    return gpu_unavailable_reason() is None


def gpu_unavailable_reason() -> str | None:
    """Why the CuPy backend cannot run here, or ``None`` when it can.

    The reason says which is missing: CuPy itself (not installed, or failing to import), or the device
    (CuPy installed and ``cupy.cuda.is_available()`` False, or the query failing).
    """
    try:
        import cupy  # noqa: F401  (optional dependency)
    except ImportError:
        return "CuPy is not installed (pip install 'specref[gpu]')"
    except Exception as exc:
        return f"CuPy is installed but failed to import ({type(exc).__name__}: {exc})"
    try:
        if cupy.cuda.is_available():
            return None
    except Exception as exc:
        return f"CuPy is installed but the CUDA device query failed ({type(exc).__name__}: {exc})"
    return "CuPy is installed but cupy.cuda.is_available() is False (no CUDA device here)"


def get_namespace(name: str):
    """Resolve a backend name (``"numpy"``, ``"strict"``, ``"cupy"``) to its array-API namespace.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the accepted ones).
    ImportError
        When the backend's package is missing (the message gives the install command) or, for CuPy, when
        no CUDA device is present (the message says so).
    """
    if name == "numpy":
        return array_api_compat.array_namespace(np.empty(0))
    if name == "strict":
        try:
            import array_api_strict
        except ImportError as exc:
            raise ImportError(
                "backend 'strict' needs array-api-strict: pip install array-api-strict "
                "(or pip install 'specref[test]')"
            ) from exc
        return array_api_strict
    if name == "cupy":
        try:
            import cupy
        except ImportError as exc:
            raise ImportError("backend 'cupy' needs CuPy: pip install 'specref[gpu]'") from exc
        if not gpu_available():
            raise ImportError("backend 'cupy' needs a CUDA device, and cupy.cuda.is_available() is False here")
        return array_api_compat.array_namespace(cupy.empty(0))
    raise ValueError(f"unknown backend {name!r}; accepted: {', '.join(BACKEND_NAMES)}")


def available_backends() -> list[str]:
    """Names of the backends usable on this machine, NumPy first."""
    names = ["numpy"]
    for name in ("strict", "cupy"):
        try:
            get_namespace(name)
        except ImportError:
            continue
        names.append(name)
    return names


def dtype_name(dtype) -> str:
    """The standard name of a dtype from any namespace: ``"float32"``, ``"complex128"``...

    The name does not depend on the byte order: a big-endian ``>f8`` NumPy dtype is ``"float64"``.
    """
    name = getattr(dtype, "name", None)
    if name is None:
        name = str(dtype)
    return name.rsplit(".", 1)[-1].replace("'>", "")


def float_dtype_name(dtype, *, name: str = "dtype") -> str:
    """``"float32"`` or ``"float64"`` for any spelling NumPy accepts of those dtypes, or a namespace's dtype.

    Accepted: ``np.float32``, ``np.dtype("float32")``, ``"f4"``, ``"float32"``, ``"single"``, ``">f4"``
    (either byte order), ``float`` (NumPy's float64), and the dtype objects of CuPy and array-api-strict
    (``xp.float32``); likewise for float64. The one normaliser behind ``astype(dtype)`` and
    ``from_state_dict(dtype=)``.

    Raises
    ------
    TypeError
        For ``None``, a spelling of any other dtype (float16, longdouble, integer, bool, complex) or an object
        that is not a dtype, naming the value and the accepted set.
    """
    found = None
    if dtype is not None:
        try:
            found = np.dtype(dtype).name
        except (TypeError, ValueError):  # not a NumPy spelling: a dtype object of a loaded array-API namespace?
            guess = dtype_name(dtype)
            spaces = [sys.modules[m] for m in ("array_api_strict", "cupy") if m in sys.modules]
            if any(dtype == getattr(xp, guess, None) for xp in spaces):
                found = guess
    if found not in ("float32", "float64"):
        raise TypeError(
            f"{name} {dtype!r} is not accepted; accepted: float32 or float64, spelled as NumPy accepts them "
            '(np.float32, np.dtype("float32"), "f4", "float32") or a namespace\'s dtype (xp.float32)'
        )
    return found


def native_byte_order(x):
    """``x`` itself, or for a NumPy array in non-native byte order (``>f8`` on a little-endian machine) a
    copy in native order with the same values: what a compiled (Numba) loop needs, as it refuses the other."""
    if isinstance(x, np.ndarray) and not x.dtype.isnative:
        return x.astype(x.dtype.newbyteorder("="))
    return x


def check_float_dtype(x, *, allow_complex: bool = True, name: str = "x"):
    """Check that ``x`` has an accepted floating dtype and return that dtype.

    The check is by name, so either byte order is accepted (``>f8`` is a float64, as in NumPy).

    Raises
    ------
    TypeError
        For integer, bool or other dtypes, naming the dtype found and the dtypes accepted.
    """
    namespace(x)
    dtype = x.dtype
    accepted = ACCEPTED_DTYPES if allow_complex else ACCEPTED_DTYPES[:2]
    if dtype_name(dtype) not in accepted:
        text = _ACCEPTED_TEXT if allow_complex else "float32 or float64"
        raise TypeError(
            f"{name} has dtype {dtype_name(dtype)}; accepted: {text} "
            f"(cast integer or bool data first, e.g. x.astype(float64))"
        )
    return dtype


def is_complex(x_or_dtype, xp=None) -> bool:
    """True for complex64/complex128 arrays or dtypes."""
    dtype = getattr(x_or_dtype, "dtype", x_or_dtype)
    return dtype_name(dtype) in ("complex64", "complex128")


def _is_single(dtype) -> bool:
    return dtype_name(dtype) in ("float32", "complex64")


def real_dtype(dtype, xp):
    """The real dtype of the same precision: complex64 -> float32, complex128 -> float64."""
    return xp.float32 if _is_single(dtype) else xp.float64


def complex_dtype(dtype, xp):
    """The complex dtype of the same precision: float32 -> complex64, float64 -> complex128."""
    return xp.complex64 if _is_single(dtype) else xp.complex128


def finfo_eps(dtype) -> float:
    """Unit roundoff times two (machine epsilon) of the precision of ``dtype``: 2^-23 or 2^-52."""
    return float(np.finfo(np.float32).eps) if _is_single(dtype) else float(np.finfo(np.float64).eps)


def check_same_precision(*arrays, names=None):
    """Raise ``TypeError`` if the floating arrays mix single and double precision; return the dtypes.

    float32 with complex64 (and float64 with complex128) is one precision and is allowed. ``None`` entries
    (an absent bias) are skipped together with their names.
    """
    names = list(names) if names is not None else [f"argument {i}" for i in range(len(arrays))]
    present = [(a, n) for a, n in zip(arrays, names, strict=True) if a is not None]
    arrays, names = [a for a, _ in present], [n for _, n in present]
    dtypes = [check_float_dtype(a, name=n) for a, n in zip(arrays, names, strict=True)]
    single = [_is_single(d) for d in dtypes]
    if any(single) and not all(single):
        parts = ", ".join(f"{n}: {dtype_name(d)}" for n, d in zip(names, dtypes, strict=True))
        raise TypeError(
            f"arrays of two precisions meet in one call ({parts}); cast them to one precision "
            "(float32/complex64 or float64/complex128) first"
        )
    return dtypes


def scipy_fft_for(xp) -> ModuleType | None:
    """The scipy.fft-like module for namespace ``xp``: scipy.fft for NumPy, cupyx.scipy.fft for CuPy, else None.

    Never hand a CuPy array to scipy.fft: SciPy's real transforms are CPU-only and would copy to the host.
    ``None`` means the caller must use its array-API algorithm (built on ``xp.fft``).
    """
    if array_api_compat.is_numpy_namespace(xp):
        import scipy.fft

        return scipy.fft
    if array_api_compat.is_cupy_namespace(xp):
        import cupyx.scipy.fft

        return cupyx.scipy.fft
    return None


def as_generator(seed_or_rng) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed (int or ``SeedSequence``) or a Generator (returned as is).

    ``None`` is refused: randomness in specref is always explicit.
    """
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    if seed_or_rng is None:
        raise TypeError("an explicit seed (int) or numpy.random.Generator is required; got None")
    if isinstance(seed_or_rng, (bool, np.bool_)):
        raise TypeError("a seed must be an int, a SeedSequence or a numpy.random.Generator, not a bool")
    if isinstance(seed_or_rng, (int, np.integer, np.random.SeedSequence)):
        return np.random.default_rng(seed_or_rng)
    raise TypeError(
        f"a seed must be an int, a SeedSequence or a numpy.random.Generator, not {type(seed_or_rng).__name__}"
    )


def from_host(host: np.ndarray, xp, dtype, device=None):
    """A host NumPy array cast to ``dtype`` (a name or a dtype) once, then moved to namespace ``xp`` (on
    ``device``); ``xp=None`` returns the cast host array. How every draw reaches the backend under test."""
    name = dtype if isinstance(dtype, str) else dtype_name(dtype)
    if name not in ACCEPTED_DTYPES:
        raise TypeError(f"dtype {name} is not accepted; accepted: {_ACCEPTED_TEXT}")
    host = host.astype(name)
    if xp is None:
        return host
    target = getattr(xp, name)
    if device is None:
        return xp.asarray(host, dtype=target)
    return xp.asarray(host, dtype=target, device=device)


def random_normal(rng, shape, *, dtype="float64", xp=None, device=None):
    """Standard normal samples drawn on the host in float64, cast to ``dtype``, moved to ``xp``/``device``.

    For complex dtypes the real and imaginary parts are independent N(0, 1) draws (variance 1 per
    component, not the N(0, 1/2) per component of ``torch.randn(dtype=cfloat)``). The real part is drawn
    first, then the imaginary part, so the real part of a complex draw equals the real draw of the same seed.
    """
    gen = as_generator(rng)
    shape = tuple(shape)
    host = gen.standard_normal(shape)
    if dtype_name(dtype) in ("complex64", "complex128"):
        host = host + 1j * gen.standard_normal(shape)
    return from_host(host, xp, dtype, device)


def random_uniform(rng, shape, *, low=-0.5, high=0.5, dtype="float64", xp=None, device=None):
    """Uniform samples on [low, high) drawn on the host in float64, cast and moved (see ``random_normal``)."""
    gen = as_generator(rng)
    shape = tuple(shape)
    host = gen.uniform(low, high, shape)
    if dtype_name(dtype) in ("complex64", "complex128"):
        host = host + 1j * gen.uniform(low, high, shape)
    return from_host(host, xp, dtype, device)


def to_numpy(x) -> np.ndarray:
    """A NumPy copy of array ``x`` from any supported backend (CuPy arrays are copied to the host)."""
    if isinstance(x, np.ndarray):
        return np.array(x, copy=True)
    if "cupy" in sys.modules and array_api_compat.is_cupy_array(x):
        return x.get()
    try:
        return np.asarray(x).copy()
    except Exception:
        # array-api-strict refuses __array__ on some versions; go through DLPack.
        return np.from_dlpack(x).copy()
