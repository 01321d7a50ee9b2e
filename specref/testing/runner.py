"""Run registered cases: every check that applies, on one backend, for every grid point and dtype.

`specref verify`, ``tests/testing/test_registry.py`` and the docs status table all go through
:func:`run_case`, so the three never disagree about what is checked.
"""

from __future__ import annotations

import math
import traceback
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field

import numpy as np

from specref.backend import backend_name, dtype_name, finfo_eps, to_numpy
from specref.testing.case import Case, Inputs
from specref.testing.checks import (
    CheckResult,
    check_adjoint,
    check_dense_adjoint,
    check_no_mutation,
    check_vjp,
    error_report,
    random_like,
)
from specref.testing.tolerances import reference_bound
from specref.testing.trees import leaves, tree_map, tree_shape

__all__ = ["Result", "Tally", "run_case", "case_rng", "count_points", "tally"]


@dataclass(frozen=True)
class Result:
    """One row of a verification report (the JSON schema of ``specref verify --json``)."""

    case: str
    check: str
    params: dict
    dtype: str
    max_error: float | None
    bound: float | None
    passed: bool | None
    reason: str

    @property
    def ratio(self) -> float | None:
        """The error as a fraction of its bound (1 is at the bound); ``None`` where no error is measured.

        A bound of 0 (``no_mutation``: bit for bit) gives 0 for an exact match and ``inf`` otherwise.
        """
        if self.max_error is None or self.bound is None:
            return None
        if self.bound == 0:
            return 0.0 if self.max_error == 0 else math.inf
        return self.max_error / self.bound

    def to_json(self) -> dict:
        out = asdict(self)
        for key in ("max_error", "bound"):
            v = out[key]
            if v is not None and not math.isfinite(v):
                out[key] = str(v)  # JSON has no inf/nan
        out["params"] = {k: _jsonable(v) for k, v in self.params.items()}
        return out


@dataclass
class Tally:
    """The points of a group of results (a family, a case, a check): counts and the worst ratio per check.

    A point is one (grid point, dtype) of one check; ``passed`` is ``True``, ``False`` or ``None`` (skipped).
    ``worst`` maps each check that measured an error to its largest :attr:`Result.ratio`; ``closest`` is the
    result with the largest ratio among those that passed (the one nearest its bound).
    """

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    worst: dict = field(default_factory=dict)
    closest: Result | None = None

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.skipped

    def add(self, r: Result) -> None:
        if r.passed is None:
            self.skipped += 1
            return
        if r.passed:
            self.passed += 1
        else:
            self.failed += 1
        ratio = r.ratio
        if ratio is None:
            return
        if ratio > self.worst.get(r.check, -1.0):
            self.worst[r.check] = ratio
        if r.passed and (self.closest is None or ratio > self.closest.ratio):
            self.closest = r


def tally(rows, key=lambda r: r.case) -> dict:
    """Group result rows by ``key(row)`` (in order of first appearance) and count each group's points."""
    out: dict = {}
    for r in rows:
        out.setdefault(key(r), Tally()).add(r)
    return out


def _jsonable(v):
    if isinstance(v, (bool, int, float, str)) or v is None:
        return v
    if isinstance(v, (tuple, list)):
        return [_jsonable(x) for x in v]
    return repr(v)


def case_rng(case_name: str, point: int, dtype: str, seed: int = 0) -> np.random.Generator:
    """The generator of one (case, grid point, dtype): reproducible, independent of run order and backend."""
    return np.random.default_rng([seed, zlib.crc32(case_name.encode()), point, zlib.crc32(dtype.encode())])


def count_points(cases, full: bool = False) -> int:
    """Number of (case, grid point, dtype) units, for a progress bar."""
    return sum(len(c.points(full)) * len(c.dtypes) for c in cases)


def _row(case: Case, params: Mapping, dtype: str, r: CheckResult) -> Result:
    reason = r.reason if not r.detail or r.passed is not False else f"{r.reason}; {r.detail}"
    return Result(case.name, r.check, dict(params), dtype, r.max_error, r.bound, r.passed, reason)


def _host_tree(tree):
    return tree_map(lambda a: to_numpy(a) if hasattr(a, "dtype") and hasattr(a, "shape") else a, tree)


def _precision_check(inputs: Inputs, y, dtype: str) -> CheckResult:
    """Output precision follows input precision: single in, single out; double in, double out."""
    single_in = dtype in ("float32", "complex64")
    for leaf in leaves(y):
        name = dtype_name(leaf.dtype)
        if (name in ("float32", "complex64")) != single_in:
            return CheckResult(
                "dtype", None, None, False, "output precision follows input precision",
                f"input {dtype} gave output {name}",
            )
    return CheckResult("dtype", None, None, True, "output precision follows input precision")


def _checks_for_point(case: Case, xp, dtype: str, params: Mapping, rng) -> Iterator[CheckResult]:
    inputs: Inputs = case.make(rng, xp, dtype, **params)
    args, kwargs = tuple(inputs.args), dict(inputs.kwargs)
    c = case.scale_for(params)
    y = case.forward(*args, **kwargs)
    yield _precision_check(inputs, y, dtype)

    if case.adjoint is not None:
        x = args[0]
        yield check_adjoint(
            case.forward, case.adjoint, x, kwargs=kwargs, rng=rng, error_scale=c,
            complex_linear=case.complex_linear,
        )
        if case.dense:
            yield check_dense_adjoint(case.forward, case.adjoint, x, kwargs=kwargs, error_scale=c, skip_large=True)
        yield _described(check_no_mutation(case.forward, *args, **kwargs), "forward")
        dy = random_like(rng, y)
        yield _described(check_no_mutation(case.adjoint, dy, input_shape=tree_shape(x), **kwargs), "adjoint")
    elif case.vjp is not None:
        yield check_vjp(
            case.forward, case.vjp, args, kwargs=kwargs, argnums=tuple(case.argnums), rng=rng, error_scale=c
        )
        yield _described(check_no_mutation(case.forward, *args, **kwargs), "forward")
        dy = random_like(rng, y)
        yield _described(check_no_mutation(case.vjp, dy, *args, y, **kwargs), "vjp")

    if case.reference is not None:
        expected = case.reference(*_host_tree(args), **kwargs)
        rep = error_report(_host_tree(y), expected)
        if case.reference_bound is not None:
            bound = case.reference_bound(params, dtype)
        else:
            bound = reference_bound(c, finfo_eps(dtype))
        yield CheckResult(
            "reference", rep.normwise, bound.value, bool(rep.normwise <= bound.value), bound.reason,
            rep.where(),
        )
    for extra in case.extra_checks:
        yield extra(inputs, xp=xp, dtype=dtype, params=dict(params), rng=rng)


def _described(r: CheckResult, which: str) -> CheckResult:
    return CheckResult(r.check, r.max_error, r.bound, r.passed, f"{which}: {r.reason}", r.detail, r.extra)


def run_case(case: Case, xp, *, full: bool = False, seed: int = 0) -> Iterator[list[Result]]:
    """Run ``case`` on namespace ``xp``; yield the rows of one (grid point, dtype) at a time.

    A check that raises is reported as a failure with the exception, never swallowed silently; a backend
    listed in ``case.backend_limits`` yields one skip row with the documented reason.
    """
    backend = backend_name(xp)
    for p, params in enumerate(case.points(full)):
        for dtype in case.dtypes:
            if backend in case.backend_limits:
                yield [Result(case.name, "all", dict(params), dtype, None, None, None, case.backend_limits[backend])]
                continue
            rng = case_rng(case.name, p, dtype, seed)
            rows = []
            try:
                for r in _checks_for_point(case, xp, dtype, params, rng):
                    rows.append(_row(case, params, dtype, r))
            except Exception as exc:  # a crash is a failed check, with its cause in the report
                last = traceback.format_exception_only(type(exc), exc)[-1].strip()
                rows.append(Result(case.name, "error", dict(params), dtype, None, None, False, last))
            yield rows
