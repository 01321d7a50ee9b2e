"""The bench machinery on synthetic cases: timing rounds, slope fits, the runner's rows, memory, the registry.

No test asserts a timing (DESIGN section 7): the synthetic implementations sleep or allocate known amounts, and
the tests check the bookkeeping (which implementations ran, which peer was unavailable and why, that a fitted
slope recovers an exact power law).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.bench import BenchCase, PeerUnavailable, Run, Setup, Sweep, fit_slope, interleaved, run_case, run_sweep
from specref.bench.memory import context_bytes, peak_rss, peak_traced
from specref.bench.runner import claimed_slope, run_memory


def _case(**kw):
    def setup(point, dtype, rng):
        x = rng.standard_normal(point["n"]).astype(dtype)
        return Setup(Run(lambda: x * 2, lambda: (x * 2, x * 3), floor_bytes=x.nbytes), {"x": x})

    def missing(setup_, point, dtype):
        raise PeerUnavailable("not installed here")

    def peer(setup_, point, dtype):
        x = setup_.data["x"]
        return Run(lambda: x + x, None)

    base = dict(name="Toy", family="toys", setup=setup, grid=({"n": 64}, {"n": 128}), quick=({"n": 8},),
                peers={"torch": missing, "other": peer}, goals={"other": 5.0},
                sweep=Sweep(param="n", values=(64, 128, 256), quick=(8, 16, 32), base={}, claim="n"))
    return BenchCase(**{**base, **kw})


def test_interleaved_runs_every_callable_the_same_number_of_times():
    calls = {"a": 0, "b": 0}

    def make(name):
        def f():
            calls[name] += 1
        return f

    out = interleaved({"a": make("a"), "b": make("b")}, repeats=5, warmup=2)
    # warm-up untimed, then 5 rounds each, each timed call of a short callable after one untimed call
    assert calls == {"a": 2 + 5 * 2, "b": 2 + 5 * 2}
    assert {k: v.runs for k, v in out.items()} == {"a": 5, "b": 5}
    assert all(v.q1 <= v.median <= v.q3 for v in out.values())


def test_long_calls_are_timed_without_a_settling_call(monkeypatch):
    from specref.bench import timing

    monkeypatch.setattr(timing, "SETTLE_BELOW", 0.0)  # every call counts as long
    calls = []
    interleaved({"a": lambda: calls.append(1)}, repeats=3, warmup=1)
    assert len(calls) == 1 + 3


def test_interleaved_budget_stops_after_the_minimum_rounds():
    out = interleaved({"a": lambda: None}, repeats=100, budget=0.0, min_repeats=3)
    assert out["a"].runs == 3


def test_fit_slope_recovers_a_power_law_and_its_interval_shrinks_to_it():
    n = np.array([2.0**k for k in range(8, 17)])
    fit = fit_slope(n, 3e-9 * n**1.5)
    assert math.isclose(fit.slope, 1.5, rel_tol=1e-12)  # exact data: least squares returns the exponent
    assert fit.high - fit.low < 1e-9 and abs(fit.low - 1.5) < 1e-12  # exact data: the interval is rounding wide
    noisy = fit_slope(n, 3e-9 * n * np.exp(np.random.default_rng(0).normal(0, 0.05, n.size)))
    assert noisy.low < 1.0 < noisy.high  # 5% noise: the 95% interval holds the true slope 1
    with pytest.raises(ValueError, match="positive"):
        fit_slope([1, 2, 3], [1, 0, 2])
    with pytest.raises(ValueError, match="at least 2"):
        fit_slope([4], [1.0])
    assert math.isinf(fit_slope([2, 4], [1, 2]).high)  # two points: no interval


def test_claimed_slope_of_n_log_n_is_above_one_over_a_finite_range():
    sizes = [2**k for k in range(8, 17)]
    # d log(n log n) / d log n = 1 + 1/ln n: between 1.09 (n = 2^16) and 1.18 (n = 2^8)
    assert 1.09 < claimed_slope("n log n", sizes) < 1.18
    assert math.isclose(claimed_slope("n^2", sizes), 2.0, rel_tol=1e-12)


def test_run_case_rows_ratios_and_unavailable_peers():
    rows = run_case(_case(), quick=True, repeats=3)
    assert [(r["dtype"], r["mode"]) for r in rows] == [("float32", "forward"), ("float32", "forward_backward"),
                                                       ("float64", "forward"), ("float64", "forward_backward")]
    fwd, fb = rows[0], rows[1]
    assert set(fwd["times"]) == {"specref", "other"} and set(fb["times"]) == {"specref"}  # other has no backward
    assert fwd["unavailable"] == {"torch": "not installed here"}
    assert math.isclose(fwd["ratios"]["other"], fwd["times"]["specref"]["median_s"] / fwd["times"]["other"]["median_s"])
    assert fwd["goals"] == {"other": 5.0} and fwd["label"] == "n=8"
    assert len(run_case(_case(), repeats=1, dtypes=["float64"])) == 4  # full grid: 2 points x 2 modes
    assert {r["point"]["n"] for r in run_case(_case(), repeats=1, peers=[])} == {64, 128}


def test_run_sweep_fits_the_claim():
    out = run_sweep(_case(), quick=True, repeats=2)
    assert out["values"] == [8, 16, 32] and len(out["times_s"]) == 3
    assert out["claim"] == "n" and math.isclose(out["claimed_slope"], 1.0)
    assert set(out["fit"]) == {"slope", "ci95", "points"}
    with pytest.raises(ValueError, match="no sweep"):
        run_sweep(_case(sweep=None))


def test_sweep_refuses_an_unknown_claim():
    with pytest.raises(ValueError, match="claim"):
        Sweep(param="n", values=(1,), quick=(1,), base={}, claim="n^4")


def test_memory_measures_what_is_allocated():
    size = 8 * 2**20  # 8 MiB of float64

    def alloc():
        a = np.ones(size // 8)
        return a.sum()

    assert peak_traced(alloc) >= size  # numpy reports its array data to tracemalloc
    rss = peak_rss(alloc)
    assert rss is None or rss >= 0  # None off Linux; the value depends on the allocator's cache
    a, b = np.zeros(10), np.zeros(4)
    ctx = {"x": a, "pair": (a, b), "n": 3, "nested": [b, None]}
    assert context_bytes(ctx) == a.nbytes + b.nbytes  # each array once


def test_run_memory_rows():
    rows = run_memory(_case(), quick=True, dtypes=["float64"])
    (row,) = rows
    assert row["floor_bytes"] == 8 * 8 and "traced" in row["memory"]["specref"]
    assert set(row["memory"]) == {"specref"}  # "other" has no forward_backward; torch unavailable


def test_run_memory_and_sweep_of_a_component_without_backward():
    """A kernel matrix (the empirical NTK) has a forward only: memory and sweeps measure that, for every engine."""
    def setup(point, dtype, rng):
        x = rng.standard_normal(point["n"]).astype(dtype)
        return Setup(Run(lambda: np.outer(x, x), None), {"x": x})

    def peer(setup_, point, dtype):
        x = setup_.data["x"]
        return Run(lambda: np.multiply.outer(x, x), None)

    case = _case(setup=setup, peers={"other": peer})
    (row,) = run_memory(case, quick=True, dtypes=["float64"])
    assert row["mode"] == "forward" and set(row["memory"]) == {"specref", "other"}
    out = run_sweep(case, quick=True, repeats=1, budget=0.0)
    assert out["mode"] == "forward" and len(out["times_s"]) == 3


def test_run_memory_refuses_a_rise_below_the_returned_bytes(monkeypatch):
    """A peak below what the call returns is pooled pages reused: no ratio, the reason recorded."""
    import specref.bench.runner as runner

    monkeypatch.setattr(runner, "peak_rss", lambda fn: (fn(), 8)[1])  # 8 bytes: less than any gradient
    (row,) = run_memory(_case(), quick=True, dtypes=["float64"])
    assert row["memory"]["specref"]["rss"] is None and row["memory"]["specref"]["returned"] > 8
    assert "pooled pages" in row["unavailable"]["specref"] and row["ratios"] == {}



def test_sweep_fits_the_large_sizes_apart(monkeypatch):
    """A fixed cost flattens the slope over all sizes; past ten times the smallest time the work's slope shows."""
    import specref.bench.runner as runner
    from specref.bench.report import sweep_markdown
    from specref.bench.timing import Timing

    values = tuple(2**k for k in range(4, 14))
    cost = {v: 1e-3 + 1e-7 * v * v for v in values}  # 1 ms per call, then n^2 work
    point_of = iter(values)

    def fake_interleaved(fns, **kw):
        t = cost[next(point_of)]
        return {"specref": Timing(median=t, q1=t, q3=t, runs=3)}

    monkeypatch.setattr(runner, "interleaved", fake_interleaved)
    case = _case(sweep=Sweep(param="n", values=values, quick=values[:3], base={}, claim="n^2"))
    out = runner.run_sweep(case)
    assert out["fit"]["slope"] < 1.5 and not out["within_ci"]  # the fixed cost flattens the full fit
    tail = out["asymptotic"]
    assert tail["values"][0] >= 2**8 and all(cost[v] >= 10 * cost[values[0]] for v in tail["values"])
    assert abs(tail["fit"]["slope"] - 2.0) < 0.1 and tail["claimed_slope"] == 2.0
    assert "| Toy | n | 16 .. 8192 |" in sweep_markdown([out])
