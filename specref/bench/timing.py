"""Wall-clock timing of competing implementations: interleaved rounds after a warm-up, medians and spread.

The implementations of one point run in rounds, each once per round in a fixed order, so that a load change
on a shared machine (another process, a frequency step) hits all of them alike; the ratio of two medians from
one run is what ``specref bench`` reports. The first calls (JAX's compilation, torch's and pocketfft's plan
caches, Numba's JIT) are untimed. The garbage collector is off while a call is timed, as in :mod:`timeit`.

A short call (under :data:`SETTLE_BELOW` seconds at its warm-up) gets one untimed call right before each timed
one: on a machine with few cores, the thread pool of the library that ran just before (torch's OpenMP
threads, OpenBLAS's) still spins for a while after its call and takes the cores from the next library's
first call, which then measures the switch instead of the work. Long calls are timed as they come.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["Timing", "interleaved", "SETTLE_BELOW"]

SETTLE_BELOW = 0.05  # seconds


@dataclass(frozen=True)
class Timing:
    """Seconds per call: the median, the quartiles of the timed rounds, and how many rounds ran."""

    median: float
    q1: float
    q3: float
    runs: int

    @property
    def spread(self) -> float:
        """The interquartile range relative to the median (0.05: the middle half of the rounds within 5%)."""
        return (self.q3 - self.q1) / self.median if self.median > 0 else 0.0

    def as_dict(self) -> dict:
        return {"median_s": self.median, "q1_s": self.q1, "q3_s": self.q3, "runs": self.runs}


def _quartiles(times: list) -> tuple:
    if len(times) < 2:
        return times[0], times[0]
    q = statistics.quantiles(times, n=4, method="inclusive")
    return q[0], q[2]


def interleaved(fns: Mapping[str, Callable], *, repeats: int, warmup: int = 1, budget: float | None = None,
                min_repeats: int = 3) -> dict[str, Timing]:
    """Time each zero-argument callable of ``fns`` in interleaved rounds.

    Parameters
    ----------
    fns : mapping of name to callable
    repeats : int
        Timed rounds (at most).
    warmup : int
        Untimed calls of each callable first.
    budget : float, optional
        Seconds: after ``min_repeats`` rounds, stop once the rounds have taken this long.

    Returns
    -------
    dict of name to :class:`Timing`
    """
    settle = {}
    for name, fn in fns.items():
        t0 = time.perf_counter()
        for _ in range(warmup):
            fn()
        settle[name] = warmup > 0 and (time.perf_counter() - t0) / warmup < SETTLE_BELOW
    times = {name: [] for name in fns}
    start = time.perf_counter()
    enabled = gc.isenabled()
    gc.collect()
    try:
        for r in range(repeats):
            for name, fn in fns.items():
                if settle[name]:
                    fn()  # untimed: lets the previous library's spinning threads go idle
                gc.disable()
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
                if enabled:
                    gc.enable()
            if budget is not None and r + 1 >= min_repeats and time.perf_counter() - start > budget:
                break
    finally:
        if enabled:
            gc.enable()
    out = {}
    for name, t in times.items():
        q1, q3 = _quartiles(t)
        out[name] = Timing(statistics.median(t), q1, q3, len(t))
    return out
