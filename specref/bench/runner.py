r"""The runner behind ``specref bench``: time every implementation of every case, fit the scaling sweeps.

For each case, point and dtype, :func:`run_case` builds specref's :class:`~specref.bench.case.Run` and each
peer's, then times ``forward`` and ``forward_backward`` of all of them in interleaved rounds
(:func:`~specref.bench.timing.interleaved`) and records the medians, their spread and the ratios
specref/peer (below 1: specref faster). A peer that cannot run is recorded with its reason.
:func:`run_memory` measures the peak memory of each implementation's forward+backward instead
(:mod:`specref.bench.memory`), beside specref's floor: the bytes its context keeps for the backward.

:func:`run_sweep` times specref's forward+backward over a case's sweep and fits the least-squares slope of
:math:`\log t` against :math:`\log n`, with its 95% confidence interval from the t distribution, beside the
slope of the claimed complexity :math:`f(n)` fitted over the same sizes (so ``n log n`` over
:math:`2^8 \dots 2^{16}` claims about 1.1, not 1). At the smallest sizes a call's fixed cost (Python, checks)
dominates and flattens that slope, so the sweep also fits the sizes whose time is at least
:data:`OVERHEAD_FACTOR` times the smallest size's (``asymptotic``, when three or more qualify): there the fixed
cost is under a tenth of the time and the slope estimates the work's exponent.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from specref._loglog import loglog_slope
from specref.bench.case import COMPLEXITIES, BenchCase, PeerUnavailable
from specref.bench.memory import context_bytes, peak_rss, peak_traced
from specref.bench.timing import interleaved

OVERHEAD_FACTOR = 10.0  # sweep sizes whose time is at least this multiple of the smallest size's: the work's slope

__all__ = ["MODES", "OVERHEAD_FACTOR", "SlopeFit", "fit_slope", "claimed_slope", "run_case", "run_memory", "run_sweep"]

MODES = ("forward", "forward_backward")


@dataclass(frozen=True)
class SlopeFit:
    """The least-squares slope of log t against log n, its 95% confidence interval, and the point count (the
    record form of :class:`specref._loglog.SlopeFit`, which computes it)."""

    slope: float
    low: float
    high: float
    points: int

    def as_dict(self) -> dict:
        return {"slope": self.slope, "ci95": [self.low, self.high], "points": self.points}


def fit_slope(sizes: Sequence[float], times: Sequence[float]) -> SlopeFit:
    r"""Fit :math:`\log t = a + s \log n` by least squares; the interval is
    :math:`s \pm t_{0.975,\,k-2}\, \mathrm{se}(s)` (infinite with fewer than 3 points).

    Raises
    ------
    ValueError
        With fewer than 2 points, or non-positive sizes or times.
    """
    n = np.asarray(sizes, dtype=float)
    t = np.asarray(times, dtype=float)
    if n.size < 2 or n.size != t.size:
        raise ValueError(f"fit_slope needs at least 2 (size, time) pairs of equal count, got {n.size} and {t.size}")
    if np.any(n <= 0) or np.any(t <= 0):
        raise ValueError("fit_slope needs positive sizes and times (a log-log fit)")
    fit = loglog_slope(n, t, level=0.95)
    return SlopeFit(fit.slope, fit.ci[0], fit.ci[1], int(n.size))


def claimed_slope(claim: str, sizes: Sequence[float]) -> float:
    """The log-log slope of the claimed complexity over ``sizes`` (the same least squares, no noise)."""
    f = COMPLEXITIES[claim]
    return fit_slope(sizes, [f(float(s)) for s in sizes]).slope


def _rng(case: BenchCase, point: dict, dtype: str) -> np.random.Generator:
    """The inputs' generator: seeded by the case, point and dtype (crc32: stable across runs and processes)."""
    return np.random.default_rng(zlib.crc32(f"{case.name}|{sorted(point.items())}|{dtype}".encode()))


def _build_runs(case: BenchCase, point: dict, dtype: str, peers: Iterable[str] | None):
    setup = case.setup(point, dtype, _rng(case, point, dtype))
    runs, unavailable = {"specref": setup.specref}, {}
    for name, build in case.peers.items():
        if peers is not None and name not in peers and name != "bound":
            continue
        try:
            runs[name] = build(setup, point, dtype)
        except PeerUnavailable as exc:
            unavailable[name] = str(exc)
    return setup, runs, unavailable


def run_case(case: BenchCase, *, quick: bool = False, dtypes: Sequence[str] | None = None,
             peers: Iterable[str] | None = None, repeats: int = 7, budget: float | None = None,
             progress: Callable | None = None) -> list[dict]:
    """Time every point of ``case`` (its ``quick`` points with ``quick``) in each dtype; one row per point,
    dtype and mode.

    Parameters
    ----------
    peers : iterable of str, optional
        The peer columns to run (default: all the case has; ``"bound"`` always runs).
    repeats, budget
        Timed rounds at most, and the seconds after which a measurement stops (after 3 rounds).
    progress : callable, optional
        Called with a short description before each measurement.
    """
    rows = []
    for point, dtype in _points(case, quick, dtypes):
        if progress is not None:
            progress(f"{case.name} {case.point_label(point)} {dtype}")
        _setup, runs, unavailable = _build_runs(case, point, dtype, peers)
        for mode in MODES:
            fns = {name: getattr(run, mode) for name, run in runs.items() if getattr(run, mode) is not None}
            if "specref" not in fns:
                continue
            timings = interleaved(fns, repeats=repeats, budget=budget)
            base = timings["specref"].median
            rows.append({
                "component": case.name, "family": case.family, "point": dict(point),
                "label": case.point_label(point), "dtype": dtype, "mode": mode,
                "times": {name: t.as_dict() for name, t in timings.items()},
                "ratios": {name: base / t.median for name, t in timings.items() if name != "specref"},
                "goals": dict(case.goals), "unavailable": dict(unavailable),
            })
    return rows


def run_memory(case: BenchCase, *, quick: bool = False, dtypes: Sequence[str] | None = None,
               peers: Iterable[str] | None = None, progress: Callable | None = None) -> list[dict]:
    """Peak memory of each implementation's forward+backward at every point (after one warm-up call), beside
    specref's floor. Call :func:`~specref.bench.memory.strict_allocator` first (``specref bench --memory``
    does), or allocator caches hide the peaks. An RSS rise below the bytes the call returns (its gradients)
    is a pool's reuse, not a peak: recorded as None, with the reason among the row's ``unavailable``."""
    rows = []
    for point, dtype in _points(case, quick, dtypes):
        if progress is not None:
            progress(f"{case.name} {case.point_label(point)} {dtype} (memory)")
        setup, runs, unavailable = _build_runs(case, point, dtype, peers)
        # forward+backward; for a component without a backward (a kernel matrix: the empirical NTK) the forward
        mode = "forward_backward" if setup.specref.forward_backward is not None else "forward"
        mem = {}
        for name, run in runs.items():
            call = getattr(run, mode)
            if call is None or name == "bound":
                continue
            returned = context_bytes(call())  # the warm-up call: what a call hands back
            rss = peak_rss(call)
            mem[name] = {"rss": rss, "returned": returned}
            if rss is not None and rss < returned:
                # a call cannot return more bytes than the resident set grew by, unless its allocator handed
                # it pages kept from the warm-up call (XLA's pool, glibc's heap for small blocks)
                mem[name]["rss"] = None
                unavailable[name] = (f"RSS rise {rss} B below the {returned} B the call returns: pooled pages "
                                     "reused, the peak is not measurable this way")
            if name == "specref":
                mem[name]["traced"] = peak_traced(call)
        rss = mem["specref"]["rss"]
        rows.append({
            "component": case.name, "family": case.family, "point": dict(point),
            "label": case.point_label(point), "dtype": dtype, "mode": mode, "memory": mem,
            "floor_bytes": setup.specref.floor_bytes, "unavailable": dict(unavailable),
            "ratios": {name: rss / m["rss"] for name, m in mem.items()
                       if name != "specref" and rss is not None and m["rss"]},
        })
    return rows


def _points(case: BenchCase, quick: bool, dtypes):
    own = case.quick_dtypes if quick and case.quick_dtypes else case.dtypes
    for point in case.quick if quick else case.grid:
        for dtype in own if dtypes is None else [d for d in dtypes if d in own]:
            yield point, dtype


def run_sweep(case: BenchCase, *, quick: bool = False, dtype: str = "float64", repeats: int = 5,
              budget: float | None = None, progress: Callable | None = None) -> dict:
    """Time specref's forward+backward (its forward where it has no backward) over the case's sweep and fit the
    log-log slope (see module doc)."""
    sweep = case.sweep
    if sweep is None:
        raise ValueError(f"bench case {case.name!r} has no sweep")
    values = sweep.quick if quick else sweep.values
    times = []
    for v in values:
        point = {**sweep.base, sweep.param: v}
        if progress is not None:
            progress(f"{case.name} sweep {sweep.param}={v}")
        setup = case.setup(point, dtype, _rng(case, point, dtype))
        # forward+backward; a component without a backward (a kernel matrix such as the empirical NTK) its forward
        mode = "forward_backward" if setup.specref.forward_backward is not None else "forward"
        times.append(interleaved({"specref": getattr(setup.specref, mode)}, repeats=repeats,
                                 budget=budget)["specref"].median)
    fit = fit_slope(values, times)
    claim = claimed_slope(sweep.claim, values)
    # the per-call overhead (Python, argument checks) is about the smallest size's time: where the time is at
    # least OVERHEAD_FACTOR times that, it adds under 1/OVERHEAD_FACTOR, and the slope there is the work's
    large = [(v, t) for v, t in zip(values, times, strict=True) if t >= OVERHEAD_FACTOR * times[0]]
    asymptotic = None
    if len(large) >= 3:
        tail_fit = fit_slope(*zip(*large, strict=True))
        tail_claim = claimed_slope(sweep.claim, [v for v, _ in large])
        asymptotic = {"values": [v for v, _ in large], "fit": tail_fit.as_dict(), "claimed_slope": tail_claim,
                      "within_ci": tail_fit.low <= tail_claim <= tail_fit.high}
    return {"component": case.name, "family": case.family, "param": sweep.param, "base": dict(sweep.base),
            "dtype": dtype, "mode": mode, "values": list(values), "times_s": times, "fit": fit.as_dict(),
            "claim": sweep.claim,
            "claimed_slope": claim, "within_ci": fit.low <= claim <= fit.high, "asymptotic": asymptotic}
