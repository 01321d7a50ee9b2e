r"""The exact GELU and its derivative, entrywise: the array-API reference, a Numba loop, and the dispatcher.

.. math::

    y = x\,\Phi(x), \quad \Phi(x) = \tfrac12 \operatorname{erfc}(-x/\sqrt 2), \qquad
    \bar x = \bar y\,\big(\Phi(x) + x\,\varphi(x)\big), \quad \varphi(x) = e^{-x^2/2}/\sqrt{2\pi}

with :math:`\Phi(x)` in the derivative read off the forward's output, :math:`\Phi = y/x` (for :math:`|x| < 10^{-6}`
its Taylor series :math:`\tfrac12 + x\varphi(0)`; the next term is below the unit roundoff), so the derivative
needs no second erfc.

* :func:`gelu_reference` / :func:`gelu_vjp_reference`: the readable array-API versions (erfc from scipy.special
  on NumPy, cupyx.scipy.special on CuPy: elementwise GPU kernels already, so CuPy needs no kernel of its own;
  the array API standard has no erfc, so other namespaces raise ``NotImplementedError``).
* :func:`gelu_numba` / :func:`gelu_vjp_numba`: one fused pass over the entries (erfc from the C library,
  evaluated in float64 and rounded once to the input's precision; **no fastmath**), the entries shared among
  Numba's threads (``prange``) from :data:`PARALLEL_MIN_SIZE` on. Each entry is computed alone, so the result
  does not depend on the thread count. The reference makes some eight passes over memory with temporaries
  (~13 ns per float32 entry for erfc alone, measured); the loop makes one.
* :func:`gelu_exact` / :func:`gelu_exact_vjp`: the dispatchers :mod:`specref.ops.elementwise` calls (Numba for
  NumPy arrays of at least :data:`JIT_MIN_SIZE` entries, the reference otherwise).

Accuracy: the loop's float64 erfc is within a few ulp of scipy's (both are erfc to double precision), so on
float64 the two agree to a few eps; on float32 the loop rounds a double result once, which is at least as
accurate as the reference's float32 arithmetic. tests/_jit/test_gelu.py compares them against the bound of the
``gelu`` case.
"""

from __future__ import annotations

import math

import array_api_compat
import numpy as np
from numba import njit, prange

from specref.backend import backend_name, namespace

__all__ = ["gelu_reference", "gelu_vjp_reference", "gelu_numba", "gelu_vjp_numba", "gelu_exact", "gelu_exact_vjp",
           "special_for", "JIT_MIN_SIZE", "PARALLEL_MIN_SIZE", "SMALL"]

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
#: below it, Phi(x) comes from its Taylor series 1/2 + x phi(0), not from y / x
SMALL = 1e-6
#: entries from which the dispatchers use the Numba loop (below, the call overhead dominates)
JIT_MIN_SIZE = 4096
#: entries from which the loop runs in parallel (a parallel region costs some microseconds to start)
PARALLEL_MIN_SIZE = 1 << 16


def special_for(xp):
    """scipy.special for NumPy, cupyx.scipy.special for CuPy, None elsewhere (the standard has no erf).

    CuPy is imported only when a CuPy namespace is asked for, so importing specref never needs it.
    """
    if array_api_compat.is_numpy_namespace(xp):
        import scipy.special

        return scipy.special
    if array_api_compat.is_cupy_namespace(xp):  # pragma: no cover - needs a GPU
        import cupyx.scipy.special

        return cupyx.scipy.special
    return None


def _normal_cdf(xp, x):
    r""":math:`\Phi(x) = \tfrac12 \operatorname{erfc}(-x/\sqrt2)` (erfc, not :math:`1 + \operatorname{erf}`, which
    cancels for negative x)."""
    special = special_for(xp)
    if special is None:
        raise NotImplementedError(
            "gelu(approximate='none') needs erf/erfc, which the Python array API standard does not "
            f"define, so it cannot run on the {backend_name(xp)} backend (a documented backend limit); "
            "pass NumPy or CuPy arrays, or use approximate='tanh' (a different function: the tanh "
            "approximation of GELU)"
        )
    # xp.asarray: a SciPy ufunc returns a NumPy scalar, not an array, for 0-d input
    return 0.5 * xp.asarray(special.erfc(-_SQRT_HALF * x))


def gelu_reference(x):
    r""":math:`x\,\Phi(x)`, array API (NumPy, CuPy)."""
    return x * _normal_cdf(namespace(x), x)


def gelu_vjp_reference(dy, x, y):
    r""":math:`\bar y\,(\Phi(x) + x\varphi(x))` with :math:`\Phi = y/x` (module docstring), array API (any
    namespace: no erfc)."""
    xp = namespace(dy, x, y)
    density = _INV_SQRT_2PI * xp.exp(-0.5 * (x * x))
    # y underflows only where the whole derivative is below the smallest normal number (x < -37 in float64,
    # < -13 in float32): the quotient's lost bits are nothing normwise there
    small = xp.abs(x) < SMALL
    cdf = xp.where(small, 0.5 + _INV_SQRT_2PI * x, y / xp.where(small, xp.ones_like(x), x))
    return dy * (cdf + x * density)


@njit(cache=True)
def _gelu_entry(v):  # pragma: no cover  (compiled; covered by the NUMBA_DISABLE_JIT=1 test run)
    return v * (0.5 * math.erfc(-0.7071067811865476 * v))


@njit(cache=True)
def _gelu_vjp_entry(g, v, w):  # pragma: no cover
    if abs(v) < 1e-6:
        cdf = 0.5 + 0.3989422804014327 * v
    else:
        cdf = w / v
    return g * (cdf + v * (0.3989422804014327 * math.exp(-0.5 * v * v)))


@njit(cache=True)
def _gelu_serial(x, out):  # pragma: no cover
    for i in range(x.size):
        out[i] = _gelu_entry(np.float64(x[i]))


@njit(cache=True, parallel=True)
def _gelu_parallel(x, out):  # pragma: no cover
    for i in prange(x.size):
        out[i] = _gelu_entry(np.float64(x[i]))


@njit(cache=True)
def _gelu_vjp_serial(dy, x, y, out):  # pragma: no cover
    for i in range(x.size):
        out[i] = _gelu_vjp_entry(np.float64(dy[i]), np.float64(x[i]), np.float64(y[i]))


@njit(cache=True, parallel=True)
def _gelu_vjp_parallel(dy, x, y, out):  # pragma: no cover
    for i in prange(x.size):
        out[i] = _gelu_vjp_entry(np.float64(dy[i]), np.float64(x[i]), np.float64(y[i]))


def _flat(a):
    """A native-byte-order C-contiguous 1-D view (a copy when ``a`` is neither)."""
    a = np.asarray(a)
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    return np.ascontiguousarray(a).reshape(-1)


def gelu_numba(x: np.ndarray) -> np.ndarray:
    r""":math:`x\,\Phi(x)` by the Numba loop (NumPy float32/float64 arrays, any shape)."""
    flat = _flat(x)
    out = np.empty_like(flat)
    (_gelu_parallel if flat.size >= PARALLEL_MIN_SIZE else _gelu_serial)(flat, out)
    return out.reshape(np.shape(x))


def gelu_vjp_numba(dy: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\bar y\,(y/x + x\varphi(x))` by the Numba loop (module docstring)."""
    flat = _flat(x)
    out = np.empty_like(flat)
    (_gelu_vjp_parallel if flat.size >= PARALLEL_MIN_SIZE else _gelu_vjp_serial)(_flat(dy), flat, _flat(y), out)
    return out.reshape(np.shape(x))


def _use_numba(*arrays) -> bool:
    return all(isinstance(a, np.ndarray) for a in arrays) and arrays[0].size >= JIT_MIN_SIZE


def gelu_exact(x):
    r"""The exact GELU: the Numba loop for NumPy arrays of at least :data:`JIT_MIN_SIZE` entries, else the
    reference."""
    return gelu_numba(x) if _use_numba(x) else gelu_reference(x)


def gelu_exact_vjp(dy, x, y):
    r"""The exact GELU's VJP (``y`` the forward's output): Numba or the reference, as :func:`gelu_exact`."""
    return gelu_vjp_numba(dy, x, y) if _use_numba(dy, x, y) else gelu_vjp_reference(dy, x, y)
