r"""The Walsh-Hadamard transform in exact rational arithmetic: the oracle for specref's FWHT.

For small lengths (the cost is :math:`n^2` exact integer additions per transform) :func:`wht_exact`
evaluates the definition

.. math:: y_k = \sum_{j=0}^{n-1} (-1)^{\operatorname{popcount}(j \,\&\, k)}\, x_j

exactly: every float32/float64 input is a dyadic rational, so a row is a vector of Python integers over one
common power-of-two denominator; the signs are computed from the bits of ``j & k`` (not from a Sylvester
recursion or a butterfly), and the sums are integer sums, returned as :class:`fractions.Fraction`. The
sequency order is obtained independently of specref's Gray-code formula, by counting the sign changes of
each row of signs and sorting (:func:`sequency_order_by_counting`). Only the normalization
:math:`1/\sqrt n` is irrational (for odd :math:`\log_2 n`); :func:`wht` applies it in 50-digit mpmath
arithmetic, an error of ~1e-50 relative, 34 orders of magnitude below float64's eps.

**The bound** (:func:`wht_oracle_bound`): the computed transform :math:`\hat y` satisfies

.. math:: \frac{\|\hat y - y\|_2}{\|y\|_2} \le c\, \varepsilon \log_2 \max(n, 2), \qquad c = 2
    \ (:data:`ORACLE_ERROR_CONSTANT`),

derived in :func:`wht_oracle_bound`. :func:`specref.oracle.dft.relative_rms_error` measures the left side in
high precision. The module registers the property case ``oracle_wht``, whose ``oracle`` check runs
:func:`specref.transforms.hadamard.hadamard` in float64/float32 and compares it with the oracle.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

from specref.backend import complex_dtype, dtype_name, random_normal, to_numpy
from specref.oracle.common import ORACLE_DPS, log_bound, oracle_case, oracle_result
from specref.oracle.dft import relative_rms_error
from specref.testing.case import Inputs
from specref.testing.checks import CheckResult
from specref.testing.tolerances import Bound
from specref.transforms.hadamard import hadamard

__all__ = [
    "ORACLE_DPS",
    "ORACLE_ERROR_CONSTANT",
    "wht_exact",
    "wht",
    "sequency_order_by_counting",
    "wht_oracle_bound",
]

ORACLE_ERROR_CONSTANT = 2.0
"""``c`` in the claim ``relative RMS error <= c eps log2(max(n, 2))``; derived in :func:`wht_oracle_bound`."""


def _sign(j: int, k: int) -> int:
    """(-1)^popcount(j & k): the (k, j) entry of the natural-order Hadamard matrix."""
    return -1 if bin(j & k).count("1") % 2 else 1


def sequency_order_by_counting(n: int) -> list[int]:
    """Natural row indices sorted by the number of sign changes of row ``k``: ``j -> (-1)^popcount(j & k)``.

    Counts every row directly (``n^2`` sign comparisons), with no Gray code and no bit reversal; a ``sorted``
    over distinct counts ``0 .. n-1``, so row ``k`` of the result changes sign exactly ``k`` times.
    """
    counts = []
    for k in range(n):
        signs = [_sign(j, k) for j in range(n)]
        counts.append(sum(1 for a, b in zip(signs, signs[1:], strict=False) if a != b))
    if sorted(counts) != list(range(n)):  # pragma: no cover  (a theorem; checked by the tests)
        raise AssertionError(f"sign-change counts of H_{n} are not 0 .. n-1: {counts}")
    return sorted(range(n), key=counts.__getitem__)


def _exact_parts(x) -> tuple[np.ndarray, np.ndarray | None]:
    """Host float64 copies of the real and (complex input) imaginary parts: exact, float32 widens exactly."""
    h = to_numpy(x)
    if h.dtype.kind not in "fc":
        raise TypeError(f"the oracle takes float or complex input, got {h.dtype}")
    if h.dtype.kind == "c":
        return h.real.astype(np.float64), h.imag.astype(np.float64)
    return h.astype(np.float64), None


def _as_integers(part: np.ndarray) -> tuple[np.ndarray, int]:
    """``part = ints / denominator`` exactly: Python-int numerators over one common power of two.

    Every finite float is ``p / 2^e``; with ``D`` the largest such ``2^e`` in ``part``, each value is the
    integer ``v * D`` over ``D``, so sums of values are integer sums, exact and fast.
    """
    fractions = [Fraction(float(v)) for v in part.ravel()]  # inf and nan raise: the oracle needs finite input
    denominator = max((f.denominator for f in fractions), default=1)
    ints = np.empty(part.shape, dtype=object)
    ints.ravel()[:] = [f.numerator * (denominator // f.denominator) for f in fractions]
    return ints, denominator


def _check_n(n: int) -> None:
    if n < 1 or n & (n - 1):
        raise ValueError(f"the WHT oracle needs a power-of-two length >= 1, got n = {n}")


def wht_exact(x, *, order: str = "natural") -> tuple[np.ndarray, np.ndarray | None]:
    r"""The unnormalized WHT along the last axis, exactly: ``(real, imag)`` object arrays of ``Fraction``.

    ``imag`` is ``None`` for real input. ``order="sequency"`` permutes the outputs by
    :func:`sequency_order_by_counting`. The inputs are scaled to integers over a common power-of-two
    denominator, the matrix of signs :math:`(-1)^{\operatorname{popcount}(k \,\&\, j)}` (built from the bits,
    as Python ints) multiplies them in exact integer arithmetic, and the results are divided back.

    Parameters
    ----------
    x : array_like, shape (..., n), float or complex, ``n`` a power of two (any backend; copied to the host)
    order : {"natural", "sequency"}
    """
    re, im = _exact_parts(x)
    if re.ndim == 0:
        raise ValueError("the oracle transforms along the last axis; got a 0-d array")
    n = re.shape[-1]
    _check_n(n)
    if order not in ("natural", "sequency"):
        raise ValueError(f"order must be 'natural' or 'sequency', got {order!r}")
    rows = sequency_order_by_counting(n) if order == "sequency" else list(range(n))
    signs = np.array([[_sign(j, k) for j in range(n)] for k in rows], dtype=object)

    def transform(part):
        ints, denominator = _as_integers(part)
        sums = ints @ signs.T if ints.size else ints  # exact: object arrays of Python ints
        out = np.empty(part.shape, dtype=object)
        out.ravel()[:] = [Fraction(v, denominator) for v in sums.ravel()]
        return out

    return transform(re), None if im is None else transform(im)


def wht(x, *, normalized: bool = False, order: str = "natural", dps: int = ORACLE_DPS) -> np.ndarray:
    r"""The WHT along the last axis: exact sums, then :math:`1/\sqrt n` in ``dps``-digit arithmetic.

    .. math:: y_k = s \sum_{j} (-1)^{\operatorname{popcount}(j \,\&\, k)} x_j, \qquad
        s = 1/\sqrt n \ (\text{normalized}) \text{ or } 1

    Returns an object array of ``mpmath.mpf`` (real input) or ``mpmath.mpc`` (complex input), shape of ``x``;
    compare with :func:`specref.oracle.dft.relative_rms_error`.
    """
    re, im = wht_exact(x, order=order)
    n = re.shape[-1]
    out = np.empty(re.shape, dtype=object)
    with mpmath.workdps(dps):
        s = 1 / mpmath.sqrt(n) if normalized else mpmath.mpf(1)

        def mp(f: Fraction):
            return mpmath.mpf(f.numerator) / f.denominator

        for idx in np.ndindex(re.shape):
            if im is None:
                out[idx] = mp(re[idx]) * s
            else:
                out[idx] = mpmath.mpc(mp(re[idx]), mp(im[idx])) * s
    return out


def wht_oracle_bound(n: int, dtype) -> Bound:
    r"""The bound ``c eps log2(max(n, 2))`` on the FWHT's relative RMS error, ``c = 2``.

    Derivation (u = eps/2 the unit roundoff). The FWHT runs :math:`m = \log_2 n` stages
    :math:`z_s = B_s z_{s-1}`; each :math:`B_s` is :math:`\sqrt 2` times an orthogonal matrix (its
    butterflies :math:`(a, b) \mapsto (a+b, a-b)`), and the computed stage rounds every entry once:
    :math:`\hat z_s = B_s \hat z_{s-1} + e_s` with :math:`\|e_s\|_2 \le u \|B_s \hat z_{s-1}\|_2 \approx
    u\, 2^{s/2} \|x\|_2`. The remaining stages multiply :math:`e_s` by :math:`2^{(m-s)/2}` in norm, so

    .. math:: \|\hat y - y\|_2 \le \sum_{s=1}^{m} u\, 2^{m/2} \|x\|_2 = m\, u\, \|y\|_2

    to first order (:math:`\|y\|_2 = 2^{m/2}\|x\|_2`). The normalized transform multiplies by
    :math:`\mathrm{fl}(\sqrt{1/n})`: ``1/n`` is exact, the square root is rounded once (float32: rounded
    again to single, :math:`u_{32}(1 + 2^{-29})`), and the product once: :math:`+2u`. Altogether
    :math:`(m + 2) u = (m/2 + 1)\,\varepsilon \le 1.5\, \varepsilon \log_2 \max(n, 2)` for :math:`n \ge 2`
    (:math:`n = 1` is exact). The second-order terms (:math:`\gamma_{m+2} - (m+2)u \le ((m+2)u)^2 /
    (1 - (m+2)u)`, below :math:`10^{-5}` relative even in float32 at :math:`n = 2^{30}`) are covered by
    rounding 1.5 up to :math:`c = 2`. Complex input: the butterflies act on real and imaginary parts
    separately, each within the bound, hence their sum of squares too.
    """
    return log_bound(
        ORACLE_ERROR_CONSTANT, n, dtype,
        "log2(n) roundings of sqrt(2)-times-orthogonal stages (m u) plus 2u for the normalization, "
        "1.5 eps log2 n rounded up",
    )


# ----------------------------------------------------------------------------------------------------------
# the registered case: specref's hadamard against the oracle

_GRID = (
    {"n": 1, "normalized": True, "order": "natural"},
    {"n": 8, "normalized": False, "order": "natural"},
    {"n": 32, "normalized": True, "order": "sequency", "complex_input": True},
)
_FULL_GRID = tuple(
    {"n": 2**k, "normalized": bool(k % 2), "order": ("natural", "sequency")[k % 3 == 0],
     "complex_input": k % 4 == 1}
    for k in range(0, 11)
)
_REASON = "the exact WHT (Fraction sums of the definition, 50-digit 1/sqrt n), relative RMS (2-norm) error"


def _make(rng, xp, dtype, *, n, normalized, order, complex_input=False):
    name = dtype_name(complex_dtype(dtype, xp)) if complex_input else dtype
    return Inputs((random_normal(rng, (2, n), dtype=name, xp=xp),), {"normalized": normalized, "order": order})


def _check_oracle(inputs: Inputs, *, xp, dtype, params, rng) -> CheckResult:
    (x,), kw = inputs.args, dict(inputs.kwargs)
    y = hadamard(x, **kw)
    err = relative_rms_error(y, wht(x, **kw))
    return oracle_result({"hadamard": err}, wht_oracle_bound(params["n"], dtype), params["n"], dtype, _REASON)


CASES = [
    oracle_case(
        "oracle_wht", forward=hadamard, make=_make, check=_check_oracle, grid=_GRID,
        full_grid=_FULL_GRID, constant=ORACLE_ERROR_CONSTANT,
        error_reason="FWHT error bound c eps log2 n, see specref.oracle.wht.wht_oracle_bound",
    ),
]
