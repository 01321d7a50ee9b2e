r"""The DFT in 50-digit arithmetic: the oracle that specref's FFTs are measured against.

For lengths ``n <= 64`` (any length works; the cost is ``n^2`` multiple-precision products per transform)
:func:`dft` evaluates the definition

.. math::

    y_k = s \sum_{j=0}^{n-1} x_j\, \omega^{\pm (jk \bmod n)}, \qquad \omega = e^{-2\pi i/n},

with mpmath at ``dps`` significant decimal digits (50 by default). Three choices make it an oracle rather
than one more floating-point FFT:

* the exponent ``jk`` is reduced modulo ``n`` in exact integer arithmetic before any angle is formed, so the
  ``n`` distinct twiddles ``cos(2 pi m / n)``, ``sin(2 pi m / n)``, ``m = 0 .. n-1``, are evaluated once each
  by ``mpmath.cospi``/``mpmath.sinpi`` of the exact rational ``2m/n`` (a float64 angle ``2 pi jk / n``
  without the reduction has error ``~ eps * n``);
* the inputs are converted to mpmath exactly (every float32/float64 value is a dyadic rational), so the oracle
  transforms the numbers the computed transform saw, not a rounded version of them;
* the sums are evaluated at ``dps`` digits, so the oracle's own error (``~ n * 10^-dps`` relative) is 34
  orders of magnitude below float64's ``eps = 2.2e-16``.

:func:`relative_rms_error` compares a computed transform with the oracle in the same high precision:

.. math:: e = \frac{\|\hat y - y\|_2}{\|y\|_2},

the measure in which FFT error bounds are stated (Higham, *Accuracy and Stability of Numerical Algorithms*,
2nd ed., ch. 24; FFTW's benchFFT). It is the one place where specref measures an error in the 2-norm instead
of the normwise max ``max|a - b| / max|b|`` used everywhere else: an FFT's rounding errors spread over all
outputs, and the theorem bounds their 2-norm.

**The bound** (:func:`fft_oracle_bound`): ``||fl(F x) - F x||_2 <= c * eps * log2(max(n, 2)) * ||F x||_2``
with ``c = 6`` (:data:`ORACLE_ERROR_CONSTANT`), derived in :func:`fft_oracle_bound`. Measured values are
~0.1-0.3 (``tests/oracle/test_dft.py``), so a correct FFT passes with ~20x headroom,
while a wrong bin, a wrong scale or a lost precision (a float32 step inside a float64 transform) fails by
orders of magnitude.

The module registers three property cases, ``oracle_fft``, ``oracle_rfft`` and ``oracle_irfft``, whose
``oracle`` check computes specref's float64/float32 transform and compares it with the oracle.
"""

from __future__ import annotations

import functools
import math

import mpmath
import numpy as np

from specref._args import check_norm
from specref.backend import random_normal, to_numpy
from specref.oracle.common import ORACLE_DPS, ORACLE_LENGTHS, cycled_grid, log_bound, oracle_case, oracle_result
from specref.testing.case import Case, Inputs
from specref.testing.checks import CheckResult
from specref.testing.tolerances import Bound
from specref.transforms import fourier

__all__ = [
    "ORACLE_DPS",
    "ORACLE_ERROR_CONSTANT",
    "dft",
    "dft_float",
    "rfft_oracle",
    "irfft_oracle",
    "to_numpy_complex",
    "to_numpy_real",
    "relative_rms_error",
    "fft_oracle_bound",
]

ORACLE_ERROR_CONSTANT = 6.0
"""``c`` in the claim ``relative RMS error <= c eps log2(max(n, 2))``; derived in :func:`fft_oracle_bound`."""


# ----------------------------------------------------------------------------------------------------------
# the oracle


@functools.lru_cache(maxsize=256)
def _twiddles(n: int, dps: int) -> tuple:
    r"""``w_m = exp(-2 pi i m / n)`` for ``m = 0 .. n-1`` at ``dps`` digits, from the exact rational ``2m/n``.

    .. math:: w_m = \cos(\pi \tfrac{2m}{n}) - i \sin(\pi \tfrac{2m}{n})

    ``mpmath.cospi``/``sinpi`` reduce their argument exactly, so e.g. ``w_{n/4} = -i`` holds exactly.
    """
    with mpmath.workdps(dps):
        out = []
        for m in range(n):
            t = mpmath.mpf(2 * m) / n
            out.append(mpmath.mpc(mpmath.cospi(t), -mpmath.sinpi(t)))
        return tuple(out)


def _to_mp(x, dps: int = ORACLE_DPS) -> np.ndarray:
    """Host copy of ``x`` as an object array of ``mpc`` holding exactly the same values.

    float32 and float64 values are dyadic rationals of at most 53 significant bits; ``mpc`` at the working
    precision (>= 166 bits for 50 digits) represents them exactly. Object arrays of mpmath numbers pass
    through.
    """
    if isinstance(x, np.ndarray) and x.dtype == object:
        out = np.empty(x.shape, dtype=object)
        with mpmath.workdps(dps):  # mpc(v) rounds to the working precision: never below dps
            for idx in np.ndindex(x.shape):
                out[idx] = mpmath.mpc(x[idx])
        return out
    h = to_numpy(x)
    if h.dtype.kind not in "fc":
        raise TypeError(f"the oracle takes float or complex input, got {h.dtype}")
    h = h.astype(np.complex128)  # exact: float32 -> float64 widens without rounding
    out = np.empty(h.shape, dtype=object)
    for idx in np.ndindex(h.shape):
        v = h[idx]
        out[idx] = mpmath.mpc(float(v.real), float(v.imag))
    return out


def _norm_scale(n: int, norm: str, inverse: bool):
    """The factor of ``norm`` (NumPy's names) at the working precision: 1, 1/sqrt(n) or 1/n."""
    norm = check_norm(norm)
    if norm == "ortho":
        return 1 / mpmath.sqrt(n)
    scaled = (norm == "backward") == inverse  # backward scales the inverse, forward scales the forward
    return mpmath.mpf(1) / n if scaled else mpmath.mpf(1)


def dft(x, *, inverse: bool = False, dps: int = ORACLE_DPS, norm: str = "backward") -> np.ndarray:
    r"""The DFT along the last axis in ``dps``-digit arithmetic.

    .. math::

        y_k = s \sum_{j=0}^{n-1} x_j\, e^{\mp 2\pi i\, (jk \bmod n)/n}

    with the minus sign for the forward transform and the plus sign for ``inverse=True``; ``s`` follows
    NumPy's ``norm`` (``"backward"``: 1 forward, 1/n inverse; ``"ortho"``: 1/sqrt(n) both; ``"forward"``:
    1/n forward, 1 inverse). Equals ``numpy.fft.fft`` / ``ifft`` up to their rounding errors.

    Parameters
    ----------
    x : array_like, shape (..., n)
        Real or complex input from any backend (copied to the host and converted exactly), or an object
        array of mpmath numbers.
    inverse : bool
        Compute the inverse DFT (``numpy.fft.ifft``'s sign and scaling).
    dps : int
        Decimal digits of the arithmetic.
    norm : {"backward", "ortho", "forward"}

    Returns
    -------
    numpy.ndarray of ``mpmath.mpc``, shape (..., n)
        Round it with :func:`to_numpy_complex`, or compare with :func:`relative_rms_error` at full precision.
    """
    xm = _to_mp(x, dps)
    if xm.ndim == 0:
        raise ValueError("the oracle transforms along the last axis; got a 0-d array")
    n = xm.shape[-1]
    out = np.empty(xm.shape, dtype=object)
    if n == 0:
        return out
    w = _twiddles(n, dps)
    with mpmath.workdps(dps):
        scale = _norm_scale(n, norm, inverse)
        for lead in np.ndindex(xm.shape[:-1]):
            row = xm[lead]
            for k in range(n):
                # w^(+-jk): the exponent reduced mod n in exact integers; the inverse uses m -> -m mod n.
                terms = ((row[j], w[(j * k) % n if not inverse else (-j * k) % n]) for j in range(n))
                out[lead + (k,)] = mpmath.fdot(terms) * scale
    return out


def dft_float(x, *, inverse: bool = False, norm: str = "backward") -> np.ndarray:
    """:func:`dft` at 50 digits, each real and imaginary part rounded to nearest float64: complex128."""
    return to_numpy_complex(dft(x, inverse=inverse, norm=norm))


def rfft_oracle(x, *, norm: str = "backward", dps: int = ORACLE_DPS) -> np.ndarray:
    r"""``numpy.fft.rfft`` in ``dps`` digits: the first ``n//2 + 1`` bins of the DFT of real ``x``.

    .. math:: Y_k = s \sum_{j=0}^{n-1} x_j e^{-2\pi i (jk \bmod n)/n}, \quad k = 0, \dots, \lfloor n/2 \rfloor

    Returns an object array of ``mpc``, shape (..., n//2 + 1).
    """
    h = to_numpy(x)
    if h.dtype.kind != "f":
        raise TypeError(f"rfft_oracle takes real input, got {h.dtype}")
    n = h.shape[-1]
    return dft(h, dps=dps, norm=norm)[..., : n // 2 + 1]


def irfft_oracle(x, n: int | None = None, *, norm: str = "backward", dps: int = ORACLE_DPS) -> np.ndarray:
    r"""``numpy.fft.irfft(x, n)`` in ``dps`` digits, with NumPy's semantics for any input.

    The first ``n//2 + 1`` bins of ``x`` are used (zero-padded when ``x`` has fewer); only the real part of
    the DC bin and, for even ``n``, of the Nyquist bin is read; the spectrum is completed Hermitian,
    ``Z_{n-k} = conj(X_k)``, and inverse-transformed:

    .. math::

        y_j = s \Big( \mathrm{Re} X_0 + 2 \sum_{k=1}^{\lceil n/2 \rceil - 1}
              \mathrm{Re}\big(X_k e^{2\pi i jk/n}\big) + [n \text{ even}]\, (-1)^j\, \mathrm{Re} X_{n/2} \Big)

    Parameters
    ----------
    x : array_like, shape (..., m)
        Complex half spectrum.
    n : int, optional
        Output length; default ``2 (m - 1)`` as NumPy.

    Returns
    -------
    numpy.ndarray of ``mpmath.mpf``, shape (..., n)
    """
    xm = _to_mp(x, dps)
    m = xm.shape[-1]
    n = 2 * (m - 1) if n is None else int(n)
    if n < 1:
        raise ValueError(f"irfft output length must be >= 1, got n = {n}")
    half = n // 2 + 1
    with mpmath.workdps(dps):
        z = np.empty(xm.shape[:-1] + (n,), dtype=object)
        for lead in np.ndindex(xm.shape[:-1]):
            row = [xm[lead + (k,)] if k < m else mpmath.mpc(0) for k in range(half)]
            row[0] = mpmath.mpc(row[0].real)  # Im of DC is not read
            if n % 2 == 0:
                row[n // 2] = mpmath.mpc(row[n // 2].real)  # nor Im of Nyquist
            for k in range(half):
                z[lead + (k,)] = row[k]
            for k in range(1, (n + 1) // 2):
                z[lead + (n - k,)] = mpmath.conj(row[k])
    y = dft(z, inverse=True, dps=dps, norm=norm)
    # z is exactly Hermitian, so Im y is zero up to the oracle's own rounding (~10^-dps): drop it.
    return np.vectorize(lambda v: v.real, otypes=[object])(y) if y.size else np.empty(y.shape, dtype=object)


# ----------------------------------------------------------------------------------------------------------
# rounding and comparison


def _rounded(y, dtype, to_python) -> np.ndarray:
    """Each entry of an object array of mpmath numbers rounded by ``to_python`` (float or complex: to nearest)."""
    y = np.asarray(y, dtype=object)
    out = np.empty(y.shape, dtype=dtype)
    for idx in np.ndindex(y.shape):
        out[idx] = to_python(y[idx])
    return out


def to_numpy_complex(y) -> np.ndarray:
    """Round an object array of mpmath numbers to complex128 (each part to nearest)."""
    return _rounded(y, np.complex128, complex)


def to_numpy_real(y) -> np.ndarray:
    """Round an object array of real mpmath numbers to float64 (to nearest)."""
    return _rounded(y, np.float64, float)


def relative_rms_error(computed, exact, *, dps: int = ORACLE_DPS) -> float:
    r"""``||computed - exact||_2 / ||exact||_2``, evaluated in ``dps``-digit arithmetic.

    .. math:: e = \Big(\sum_i |\hat y_i - y_i|^2 \Big/ \sum_i |y_i|^2\Big)^{1/2}

    (the ratio of root-mean-square values, hence the name). ``computed`` is converted exactly, so the
    difference is not itself rounded to float64 first (rounding the oracle to float64 would add up to
    ``eps/2`` relative, comparable with a good FFT's whole error at small n).

    Parameters
    ----------
    computed : array_like
        A float32/float64/complex array from any backend, or an object array of mpmath numbers.
    exact : array_like
        The oracle: an object array of mpmath numbers (or a float array).

    Returns
    -------
    float
        0.0 when both are zero, ``inf`` when only ``exact`` is.

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    a, b = _to_mp(computed, dps), _to_mp(exact, dps)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: computed {a.shape} vs exact {b.shape}")
    with mpmath.workdps(dps):
        num = mpmath.fsum(abs(u - v) ** 2 for u, v in zip(a.ravel(), b.ravel(), strict=True))
        den = mpmath.fsum(abs(v) ** 2 for v in b.ravel())
        if den == 0:
            return 0.0 if num == 0 else math.inf
        return float(mpmath.sqrt(num / den))


def fft_oracle_bound(n: int, dtype) -> Bound:
    r"""The bound ``c * eps * log2(max(n, 2))`` on an FFT's relative RMS error, ``c = 6``.

    Derivation. Higham (*Accuracy and Stability of Numerical Algorithms*, 2nd ed., Thm 24.2): a radix-2
    Cooley-Tukey FFT of length ``n = 2^t`` whose twiddle factors carry error ``|w_hat - w| <= mu`` satisfies

    .. math::

        \frac{\|\hat y - y\|_2}{\|y\|_2} \le \frac{t\,\eta}{1 - t\,\eta}, \qquad
        \eta = \mu + \gamma_4(\sqrt 2 + \mu), \quad \gamma_4 = \frac{4u}{1 - 4u}, \quad u = \frac{eps}{2}.

    pocketfft (NumPy, SciPy) computes its twiddles by an accurate ``sincos(2 pi m / n)`` on reduced
    arguments, at worst the product of two correctly rounded table entries: ``mu <= 4u`` is a generous
    allowance (float32 twiddles are float64 values rounded once: ``mu <= 1.01 u``). Then
    ``eta <= 4u + 4.0001u (1.4143) = 9.66u = 4.83 eps``, and ``1/(1 - t eta) <= 1.0001`` for ``n <= 2^64``
    in float64 (``<= 1.0001`` for ``n <= 2^64`` in float32 too: ``t eta <= 64 * 4.83 * 1.2e-7 = 3.7e-5``),
    so the radix-2 error is at most ``4.83 eps log2 n``; rounded up to 5. The ``norm`` scaling (one product
    by a rounded ``1/n`` or ``1/sqrt(n)``) adds at most ``eps <= eps log2 max(n, 2)``: ``c = 6``.

    The theorem is proved for radix 2; pocketfft also uses radix-3/4/5/7/11 butterflies, generic radix-p
    passes (small primes) and Bluestein's algorithm (large primes), for which no bound of this exact form is
    published. The same ``c`` is used for every length as specref's *claim*, backed by measurement: pocketfft
    sits at ~0.1 eps log2 n for smooth n and ~0.2 for Bluestein primes (up to n = 1021;
    ``tests/oracle/test_dft.py`` for n <= 64), i.e. >= 20x inside the claim.
    """
    return log_bound(
        ORACLE_ERROR_CONSTANT, n, dtype,
        "Higham Thm 24.2 radix-2 bound with twiddle error mu <= 4u (eta <= 4.83 eps) plus one rounded norm scaling",
    )


# ----------------------------------------------------------------------------------------------------------
# registered cases: specref's transforms against the oracle

_GRID = ({"n": 7, "norm": "backward"}, {"n": 16, "norm": "ortho"}, {"n": 61, "norm": "forward"})
_FULL_GRID = cycled_grid(ORACLE_LENGTHS, ("backward", "ortho", "forward"))
_REASON = "the exact DFT in 50 digits (mpmath, angles from jk mod n), relative RMS (2-norm) error"


def _complex_name(dtype: str) -> str:
    return "complex64" if dtype in ("float32", "complex64") else "complex128"


def _make_complex(rng, xp, dtype, *, n, norm):
    return Inputs((random_normal(rng, (n,), dtype=_complex_name(dtype), xp=xp),), {"norm": norm})


def _make_real(rng, xp, dtype, *, n, norm):
    return Inputs((random_normal(rng, (n,), dtype=dtype, xp=xp),), {"norm": norm})


def _make_half_spectrum(rng, xp, dtype, *, n, norm):
    # A random, not Hermitian-consistent, half spectrum: Im of DC/Nyquist is nonzero and must be ignored.
    x = random_normal(rng, (n // 2 + 1,), dtype=_complex_name(dtype), xp=xp)
    return Inputs((x,), {"n": n, "norm": norm})


def _oracle_check(which: str, oracle):
    """The ``oracle`` check of ``fourier.<which>``: its output against ``oracle(x, **kwargs)``."""
    transform = getattr(fourier, which)

    def check(inputs: Inputs, *, xp, dtype, params, rng) -> CheckResult:
        (x,), kw = inputs.args, dict(inputs.kwargs)
        err = relative_rms_error(transform(x, **kw), oracle(x, **kw))
        return oracle_result({which: err}, fft_oracle_bound(params["n"], dtype), params["n"], dtype, _REASON)

    return check


def _case(which: str, make, oracle) -> Case:
    return oracle_case(
        f"oracle_{which}", forward=getattr(fourier, which), make=make, check=_oracle_check(which, oracle),
        grid=_GRID, full_grid=_FULL_GRID, constant=ORACLE_ERROR_CONSTANT,
        error_reason="FFT error bound c eps log2 n (Higham ch. 24), see specref.oracle.dft.fft_oracle_bound",
    )


CASES = [
    _case("fft", _make_complex, dft),
    _case("rfft", _make_real, rfft_oracle),
    _case("irfft", _make_half_spectrum, irfft_oracle),
]
