r"""What the oracles share: their precision, the form of their error bounds, and the shape of their cases.

Each oracle (:mod:`~specref.oracle.dft`, :mod:`~specref.oracle.dct`, :mod:`~specref.oracle.wht`) bounds
specref's fast transform of length :math:`n` in the relative RMS error of
:func:`specref.oracle.dft.relative_rms_error` by

.. math:: \frac{\|\hat y - y\|_2}{\|y\|_2} \le c\, \varepsilon \log_2 \max(n, 2),

with its own constant :math:`c` derived in its module (:func:`log_bound` forms the bound), and registers
property cases whose ``oracle`` check compares the transform with the oracle (:func:`oracle_case`,
:func:`oracle_result`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from specref.backend import dtype_name, finfo_eps
from specref.testing.case import Case
from specref.testing.checks import CheckResult
from specref.testing.tolerances import Bound

__all__ = ["ORACLE_DPS", "ORACLE_LENGTHS", "log_bound", "oracle_result", "oracle_case", "cycled_grid"]

ORACLE_DPS = 50
"""Decimal digits of the oracles' arithmetic."""

ORACLE_LENGTHS = (1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 31, 32, 60, 61, 64)
"""The lengths of the full grids: powers of two, smooth lengths and primes (Bluestein's) up to 64."""


def _log2n(n: int) -> float:
    return math.log2(max(n, 2))


def log_bound(constant: float, n: int, dtype, derivation: str) -> Bound:
    """The bound ``constant * eps * log2(max(n, 2))`` of a length-``n`` transform in the precision of ``dtype``
    (a name or a dtype); ``derivation`` summarises where ``constant`` comes from, for the bound's reason."""
    eps = finfo_eps(dtype if isinstance(dtype, str) else dtype_name(dtype))
    return Bound(
        constant * eps * _log2n(n),
        f"c eps log2(max(n, 2)), c = {constant:g}: {derivation}; n = {n}, eps = {eps:.3g}",
    )


def oracle_result(errors: Mapping[str, float], bound: Bound, n: int, dtype: str, reference: str) -> CheckResult:
    """The ``oracle`` check row: the largest of ``errors`` (transform name -> relative RMS error) against
    ``bound``; ``reference`` describes the oracle. The detail gives every error in units of eps log2 n."""
    which, err = max(errors.items(), key=lambda item: item[1])
    scale = finfo_eps(dtype) * _log2n(n)
    if len(errors) == 1:
        detail = f"relative RMS error {err:.3g} = {err / scale:.3g} eps log2 n"
    else:
        detail = ", ".join(f"{name}: {e:.3g} = {e / scale:.3g} eps log2 n" for name, e in errors.items())
    return CheckResult(
        "oracle", err, bound.value, bool(err <= bound.value), f"{which} vs {reference}; bound {bound.reason}", detail
    )


def cycled_grid(lengths, values, key: str = "norm") -> tuple[dict, ...]:
    """One grid point per length, ``key`` cycling through ``values``: ``({"n": 1, key: values[0]}, ...)``."""
    return tuple({"n": n, key: values[i % len(values)]} for i, n in enumerate(lengths))


def oracle_case(
    name: str, *, forward: Callable, make: Callable, check: Callable, grid, full_grid, constant: float,
    error_reason: str,
) -> Case:
    """A property case whose one check, ``check``, compares ``forward`` with an oracle; its error scale is
    ``constant * log2(max(n, 2))`` (the bound of :func:`log_bound` in units of eps)."""
    return Case(
        name=name,
        forward=forward,
        make=make,
        extra_checks=(check,),
        grid=grid,
        full_grid=full_grid,
        error_scale=lambda p: constant * _log2n(p["n"]),
        error_reason=error_reason,
    )
