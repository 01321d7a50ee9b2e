"""The quick-point check the layer families' bench tests share: one round of each mode at the quick point."""

from __future__ import annotations

from specref.bench.runner import run_case

FRAMEWORKS = {"torch", "jax"}


def check_quick_point(case, *, frameworks_absent: bool) -> list:
    """Run ``case``'s quick point (its first dtype, one round) and check the rows: both modes timed for specref;
    with the frameworks absent, exactly the case's framework peers unavailable, each saying why; an FFT-pass
    bound, when the case has one, timed. Returns the rows."""
    rows = run_case(case, quick=True, dtypes=[case.dtypes[0]], repeats=1, budget=0.0)
    assert {r["mode"] for r in rows} == {"forward", "forward_backward"}
    for r in rows:
        assert r["times"]["specref"]["median_s"] > 0
        if frameworks_absent:
            assert set(r["unavailable"]) == set(case.peers) & FRAMEWORKS, r["unavailable"]
            assert all(r["unavailable"].values()), r["unavailable"]
        if "bound" in case.peers:
            assert "bound" in r["times"] and r["ratios"]["bound"] > 0
    return rows
