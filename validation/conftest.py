"""Peer handling of the comparisons: peer imports that skip, or fail when the peers are required.

Peers (torch, spectrans, jax...) live in their own venv (``bash validation/setup_peers.sh`` builds
``.venv-peers``). Without them the comparison modules skip (``pytest.importorskip``); with
``SPECREF_REQUIRE_PEERS=1`` every skip in validation/ (at collection or at run time) is turned into a failure
by the hooks below, so CI cannot pass by skipping the comparison.

The tests write nothing: ``specref compare --all --report validation/REPORT.md`` is the one writer of the
report.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_PEERS = os.environ.get("SPECREF_REQUIRE_PEERS", "").strip() not in ("", "0", "false", "no")


def _skip_reason(longrepr) -> str:
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def _as_failure(report, what: str) -> None:
    reason = _skip_reason(report.longrepr)
    report.outcome = "failed"
    report.longrepr = (
        f"SPECREF_REQUIRE_PEERS is set, so a skip is a failure: {what} skipped with: {reason}\n"
        "build the peer venv with `bash validation/setup_peers.sh` and run "
        "`.venv-peers/bin/python -m pytest validation`"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A module skipped at collection (``pytest.importorskip("torch")``) fails when peers are required."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_PEERS and report.skipped:
        _as_failure(report, collector.nodeid or "collection")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test skipped at run time (a missing peer or specref module) fails when peers are required."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_PEERS and report.skipped and not hasattr(report, "wasxfail"):
        _as_failure(report, item.nodeid)


class _NoReport:
    """Records nothing: ``validation/REPORT.md`` is written by ``specref compare --all --report`` alone."""

    def add(self, *args, **kwargs) -> None:
        """Accept a row and drop it."""


@pytest.fixture
def report() -> _NoReport:
    """A no-op kept while the kernel comparisons still take it (they move onto the compare suites)."""
    return _NoReport()


@pytest.fixture
def run_suite_case():
    """Run one suite case and check its verdict: ``run(case, documented, bound_of)``.

    A case in ``documented`` (label -> (slug, check)) must carry that known slug and pass ``check(comparison)``
    (the peer's documented behaviour); it returns None. Any other case must pass with no known difference, in
    float64, each tensor's derived bound at most ``bound_of(tensor name)`` (the issue's tolerance); it returns
    the Comparison for further checks.
    """

    def run(case, documented, bound_of):
        c = case.run()
        if case.label in documented:
            slug, check = documented[case.label]
            assert c.known == slug, c.message()
            check(c)
            return None
        assert c.passed and not c.known, c.message()
        assert c.dtype == "float64"
        for t in c.tensors:
            assert t.bound.value <= bound_of(t.name), t.describe()
        return c

    return run
