r"""DCT-II/III and DST-II/III in 50-digit arithmetic: the oracle that specref's cosine transforms answer to.

For lengths ``n <= 64`` (any length works; the cost is ``n^2`` multiple-precision products per transform)
:func:`dct_oracle` and :func:`dst_oracle` evaluate the definitions of :mod:`specref.transforms.cosine`
(scipy.fft's, ``norm`` and ``orthogonalize`` included) with mpmath at ``dps`` digits:

.. math::

    \text{DCT-II}:\; y_k = 2\sum_{j} x_j \cos\frac{\pi (2j+1)k}{2n}, \qquad
    \text{DCT-III}:\; y_k = x_0 + 2\sum_{j \ge 1} x_j \cos\frac{\pi (2k+1)j}{2n},

    \text{DST-II}:\; y_k = 2\sum_{j} x_j \sin\frac{\pi (2j+1)(k+1)}{2n}, \qquad
    \text{DST-III}:\; y_k = (-1)^k x_{n-1} + 2\sum_{j < n-1} x_j \sin\frac{\pi (2k+1)(j+1)}{2n}.

As in :mod:`specref.oracle.dft`, the integer product in each angle (``(2j+1)k``...) is **reduced mod 4n in
exact integers** before an angle is formed, so only the ``4n`` values ``cospi(r / 2n)``, ``sinpi(r / 2n)``
are ever evaluated (by ``mpmath.cospi``/``sinpi``, which reduce their rational argument exactly); the inputs
are converted exactly; the sums run at ``dps`` digits.

**The bound** (:func:`dct_oracle_bound`): specref's DCT-II/III and DST-II/III (scipy's pocketfft on NumPy,
:mod:`specref.transforms.cosine`'s Makhoul algorithm elsewhere) satisfy

.. math:: \frac{\|\hat y - y\|_2}{\|y\|_2} \le c\, \varepsilon \log_2 \max(n, 2), \qquad c = 15
          \;(:data:`DCT_ORACLE_CONSTANT`),

derived in :func:`dct_oracle_bound`. The registered property cases ``oracle_dct2``, ``oracle_dct3`` and
``oracle_dst2`` measure it: each checks the forward transform of its type and the inverse transform that
uses the same matrix (``idct(type=3)`` computes a DCT-II, ``idct(type=2)`` a DCT-III).
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np

from specref._args import check_norm
from specref.backend import random_normal, to_numpy
from specref.oracle.common import ORACLE_DPS, ORACLE_LENGTHS, cycled_grid, log_bound, oracle_case, oracle_result
from specref.oracle.dft import relative_rms_error
from specref.testing.case import Case, Inputs
from specref.testing.checks import CheckResult
from specref.testing.tolerances import Bound
from specref.transforms import cosine

__all__ = [
    "ORACLE_DPS",
    "DCT_ORACLE_CONSTANT",
    "dct_oracle",
    "dst_oracle",
    "dct_oracle_bound",
]

DCT_ORACLE_CONSTANT = 15.0
"""``c`` in the claim ``relative RMS error <= c eps log2(max(n, 2))``; derived in :func:`dct_oracle_bound`."""


@functools.lru_cache(maxsize=128)
def _table(n: int, kind: str, dps: int) -> tuple:
    """``cospi(r / 2n)`` (kind "dct") or ``sinpi(r / 2n)`` (kind "dst") for ``r = 0 .. 4n - 1``, at ``dps``."""
    f = mpmath.cospi if kind == "dct" else mpmath.sinpi
    with mpmath.workdps(dps):
        return tuple(f(mpmath.mpf(r) / (2 * n)) for r in range(4 * n))


def _to_mpf(x) -> np.ndarray:
    """Exact conversion of a real float array (any backend) to an object array of ``mpf``."""
    h = to_numpy(x)
    if h.dtype.kind != "f":
        raise TypeError(f"the DCT oracle takes real float input, got {h.dtype}")
    h = h.astype(np.float64)  # exact: float32 -> float64 widens without rounding
    out = np.empty(h.shape, dtype=object)
    for idx in np.ndindex(h.shape):
        out[idx] = mpmath.mpf(float(h[idx]))
    return out


def _unnormalized(row, kind: str, type_: int, dps: int) -> list:
    """The unnormalized type-2/3 transform of one row (a list of mpf), angles reduced mod 4n."""
    n = len(row)
    table = _table(n, kind, dps)
    out = []
    for k in range(n):
        if type_ == 2 and kind == "dct":  # DCT-II: 2 sum_j x_j cos(pi (2j+1) k / 2n)
            terms = [(row[j], 2 * table[((2 * j + 1) * k) % (4 * n)]) for j in range(n)]
        elif type_ == 2:  # DST-II: 2 sum_j x_j sin(pi (2j+1)(k+1) / 2n)
            terms = [(row[j], 2 * table[((2 * j + 1) * (k + 1)) % (4 * n)]) for j in range(n)]
        elif kind == "dct":  # DCT-III: x_0 + 2 sum_{j >= 1} x_j cos(pi (2k+1) j / 2n)
            terms = [(row[j], (1 if j == 0 else 2) * table[((2 * k + 1) * j) % (4 * n)]) for j in range(n)]
        else:  # DST-III: (-1)^k x_{n-1} + 2 sum_{j < n-1} x_j sin(pi (2k+1)(j+1) / 2n)
            terms = [(row[j], (1 if j == n - 1 else 2) * table[((2 * k + 1) * (j + 1)) % (4 * n)])
                     for j in range(n)]
        out.append(mpmath.fdot(terms))
    return out


def _oracle(x, kind: str, type_, norm, orthogonalize, inverse: bool, dps: int) -> np.ndarray:
    if type_ not in (2, 3):
        raise ValueError(f"the oracle implements types 2 and 3; got type {type_!r}")
    norm = check_norm(norm)
    orth = (norm == "ortho") if orthogonalize is None else bool(orthogonalize)
    core = (5 - type_) if inverse else type_  # the inverse of type 2 is a type-3 matrix and vice versa
    xm = _to_mpf(x)
    if xm.ndim == 0 or xm.shape[-1] == 0:
        raise ValueError("the oracle transforms a non-empty last axis")
    n = xm.shape[-1]
    out = np.empty(xm.shape, dtype=object)
    with mpmath.workdps(dps):
        m = 2 * n
        if norm == "ortho":
            factor = 1 / mpmath.sqrt(m)
        else:
            factor = mpmath.mpf(1) / m if (norm == "forward") != inverse else mpmath.mpf(1)
        first = 0 if kind == "dct" else n - 1  # the entry orthogonalize rescales
        for lead in np.ndindex(xm.shape[:-1]):
            row = list(xm[lead])
            if orth and core == 3:
                row[first] = row[first] * mpmath.sqrt(2)
            y = _unnormalized(row, kind, core, dps)
            if orth and core == 2:
                y[first] = y[first] / mpmath.sqrt(2)
            for k in range(n):
                out[lead + (k,)] = y[k] * factor
    return out


def dct_oracle(x, *, type=2, norm=None, orthogonalize=None, inverse=False, dps=ORACLE_DPS) -> np.ndarray:
    r"""``scipy.fft.dct`` (or ``idct`` with ``inverse=True``) of types 2 and 3 in ``dps``-digit arithmetic.

    Parameters
    ----------
    x : array, real float, shape (..., n)
        From any backend; converted exactly.
    type : {2, 3}
    norm : {None, "backward", "ortho", "forward"}
    orthogonalize : bool, optional
        Default ``norm == "ortho"``: DCT-II divides :math:`y_0` by :math:`\sqrt2`, DCT-III multiplies
        :math:`x_0` by :math:`\sqrt2`.
    inverse : bool
        Compute ``idct``: the matrix of the other type, with the inverse norm factor.

    Returns
    -------
    numpy.ndarray of ``mpmath.mpf``, shape (..., n)
    """
    return _oracle(x, "dct", type, norm, orthogonalize, inverse, dps)


def dst_oracle(x, *, type=2, norm=None, orthogonalize=None, inverse=False, dps=ORACLE_DPS) -> np.ndarray:
    r"""``scipy.fft.dst`` (or ``idst``) of types 2 and 3 in ``dps``-digit arithmetic; orthogonalize rescales
    :math:`y_{n-1}` (DST-II) or :math:`x_{n-1}` (DST-III). Parameters as :func:`dct_oracle`."""
    return _oracle(x, "dst", type, norm, orthogonalize, inverse, dps)


def dct_oracle_bound(n: int, dtype) -> Bound:
    r"""The bound ``c eps log2(max(n, 2))`` on the relative RMS error of a DCT/DST-II/III, ``c = 15``.

    Derivation (DCT-II by Makhoul's algorithm: permute, FFT of length n, twiddle, ``2 Re``; pocketfft's
    type-2/3 transform has the same structure, a real FFT of length n between twiddles):

    1. FFT: ``||fl(V) - V||_2 <= 5 eps log2(n) ||V||_2`` (Higham Thm 24.2 with twiddle error ``mu <= 4u``:
       ``eta <= 4.83 eps``, see :func:`specref.oracle.dft.fft_oracle_bound`, whose ``c = 6`` adds the norm
       rounding we count separately).
    2. Twiddle product ``t_k V_k``: twiddle error ``<= 4u = 2 eps``, complex product ``<= sqrt(2) gamma_2 ~
       1.42 eps`` (Higham Lemma 3.5): ``3.5 eps |V_k|``. Doubling and taking the real part are exact and
       do not increase absolute errors.
    3. Gain: ``|delta y_k| <= 2 |delta(t_k V_k)|`` and ``||V|| = sqrt(n) ||x||``, while
       ``sigma_min(C_2) = sqrt(2n)`` (``C_2 = sqrt(2n) diag(sqrt 2, 1, ..., 1) Q`` with Q orthogonal), so
       ``||y|| >= sqrt(2n) ||x||`` and the relative error is at most ``2 sqrt(n) / sqrt(2n) = sqrt 2`` times
       the relative error of ``t V``. DCT-III (the reverse steps): ``||W|| <= sqrt 2 ||x||`` for the
       twiddled input ``W_k = conj(t_k)(x_k - i x_{n-k})``, ``||z|| >= sigma_min(C_3) ||x|| = sqrt(n) ||x||``:
       the same ``sqrt 2``. DST-II/III are DCT-II/III between sign flips and reversals (exact).
    4. ``norm`` scaling and ``orthogonalize`` (one product each by a rounded factor): ``<= 2 eps``.

    Total: ``e <= (sqrt 2 (5 log2 n + 3.5) + 2) eps <= (7.07 + 4.95 + 2) eps log2 n = 14.0 eps log2 n``
    for ``n >= 2`` (``log2 n >= 1``); ``c = 15``. For ``n = 1`` the transform is a product by 2 or 1 and
    the scalings: ``<= 2 eps``. Higham's theorem is for radix 2; for other lengths the same ``c`` is the
    claim, backed by measurement (``tests/oracle/test_dct.py``: measured ``<= 1.4 eps log2 n``, the
    largest at n = 3 and 4).
    """
    return log_bound(
        DCT_ORACLE_CONSTANT, n, dtype,
        "FFT of length n (Higham Thm 24.2, 5 eps log2 n), twiddle product 3.5 eps, gain sqrt 2, "
        "norm/orthogonalize 2 eps",
    )


# ----------------------------------------------------------------------------------------------------------
# registered cases: specref's cosine transforms against the oracle

_GRID = ({"n": 7, "norm": None}, {"n": 16, "norm": "ortho"}, {"n": 61, "norm": "forward"})
_FULL_GRID = cycled_grid(ORACLE_LENGTHS, (None, "ortho", "forward")) + (
    {"n": 12, "norm": None, "orthogonalize": True},
    {"n": 13, "norm": "ortho", "orthogonalize": False},
)
_REASON = "the exact transform in 50 digits (mpmath, angles from integers mod 4n), relative RMS (2-norm) error"


def _make(rng, xp, dtype, *, n, norm, orthogonalize=None, type=2):
    x = random_normal(rng, (n,), dtype=dtype, xp=xp)
    return Inputs((x,), {"type": type, "norm": norm, "orthogonalize": orthogonalize})


def _oracle_check(kind: str, type_: int):
    """Check ``kind(type_)`` and the inverse that computes the same matrix against the oracle."""
    forward = getattr(cosine, kind)
    inverse = getattr(cosine, "i" + kind)
    oracle = dct_oracle if kind == "dct" else dst_oracle

    def check(inputs: Inputs, *, xp, dtype, params, rng) -> CheckResult:
        (x,) = inputs.args
        kw = {"norm": params["norm"], "orthogonalize": params.get("orthogonalize")}
        n = params["n"]
        bound = dct_oracle_bound(n, dtype)
        errors = {
            f"{kind}(type={type_})": relative_rms_error(forward(x, type=type_, **kw), oracle(x, type=type_, **kw)),
            f"i{kind}(type={5 - type_})": relative_rms_error(
                inverse(x, type=5 - type_, **kw), oracle(x, type=5 - type_, inverse=True, **kw)
            ),
        }
        return oracle_result(errors, bound, n, dtype, _REASON)

    return check


def _case(name: str, kind: str, type_: int) -> Case:
    return oracle_case(
        name, forward=getattr(cosine, kind), make=lambda rng, xp, dtype, **p: _make(rng, xp, dtype, type=type_, **p),
        check=_oracle_check(kind, type_), grid=_GRID, full_grid=_FULL_GRID, constant=DCT_ORACLE_CONSTANT,
        error_reason="DCT error bound c eps log2 n, see specref.oracle.dct.dct_oracle_bound",
    )


CASES = [
    _case("oracle_dct2", "dct", 2),
    _case("oracle_dct3", "dct", 3),
    _case("oracle_dst2", "dst", 2),
]
