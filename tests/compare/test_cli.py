"""`specref compare`: usage errors (exit 2, no traceback), peers not installed (the pip command), exit 0 / 1,
crashes recorded as failures, --all writing the report and the JSON, --weights.

The main venv has no torch, so the suites here are fakes (``suites.cases`` and ``suites.peer_available``
monkeypatched) whose cases compare NumPy peers with specref functions for real; validation/test_compare_cli.py
runs the real suites in the peer venv.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from specref import cli
from specref.compare import compare, suites
from specref.compare.suites import SuiteCase
from specref.transforms import rfft

INSTALLED = ("torch", "scipy")


def _rfft_case(peer: str, label: str, factor: float = 1.0, known: str = "") -> SuiteCase:
    """rfft against numpy.fft.rfft times ``factor`` (1: a pass; else a disagreement), optionally known."""

    def run():
        x = np.random.default_rng(0).standard_normal((2, 8))
        result = compare(lambda x: factor * np.fft.rfft(x), rfft, x=x, label=label)
        return dataclasses.replace(result, known=known) if known else result

    return SuiteCase(peer, "rfft", label, run)


def _crashing_case(peer: str) -> SuiteCase:
    def run():
        raise RuntimeError("the peer's kernel exploded")

    return SuiteCase(peer, "irfft", "boom", run)


@pytest.fixture
def fake(monkeypatch):
    """Fake suites: ``fake[peer] = [cases]``; peers in INSTALLED are installed, the others are not."""
    table: dict[str, list] = {"torch": [_rfft_case("torch", "even")], "scipy": [_rfft_case("scipy", "even")]}

    def available(peer):
        if peer not in suites.PEERS:
            raise ValueError(f"unknown peer {peer!r}")
        return (True, "") if peer in INSTALLED else (False, f"pip install {peer}-fake")

    monkeypatch.setattr(suites, "peer_available", available)
    monkeypatch.setattr(suites, "cases", lambda peer: list(table.get(peer, [])))
    return table


def run(argv, capsys):
    code = cli.main(["compare", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.mark.parametrize("argv, message", [
    (["nonsense"], "unknown peer 'nonsense'; peers: spectrans, torch, jax"),
    ([], "name a PEER"),
    (["torch", "--all"], "give a PEER or --all, not both"),
    (["torch", "--report", "r.md"], "--report writes the full report and needs --all"),
    (["torch", "--weights", "w.npz"], "--weights needs a PEER and exactly one COMPONENT"),
    (["torch", "rfft", "irfft", "--weights", "w.npz"], "exactly one COMPONENT"),
    (["--all", "--weights", "w.npz"], "exactly one COMPONENT"),
    (["--all", "--report", "no/such/dir/REPORT.md"], "the directory 'no/such/dir' does not exist"),
    (["torch", "--json", "."], "is a directory"),
])
def test_usage_errors_exit_2_without_traceback(argv, message, capsys, fake):
    code, out, err = run(argv, capsys)
    assert code == 2
    assert message in err


def test_bad_option_exits_2(capsys, fake):
    code, _, err = run(["torch", "--frobnicate"], capsys)
    assert code == 2 and "unrecognized arguments" in err


def test_unknown_component_lists_the_suite_components(capsys, fake):
    code, _, err = run(["torch", "rfft", "GlobalFilter"], capsys)
    assert code == 2
    assert "unknown component 'GlobalFilter' for peer torch; its suite covers: rfft" in err


def test_a_peer_with_no_suite_yet_is_a_usage_error(capsys, fake, monkeypatch):
    monkeypatch.setattr(suites, "peer_available", lambda peer: (True, ""))
    code, _, err = run(["ptwt"], capsys)
    assert code == 2 and "no comparison suite for ptwt yet" in err


def test_a_peer_not_installed_prints_its_pip_command(capsys, fake):
    code, _, err = run(["ptwt"], capsys)
    assert code == 2
    assert "ptwt is not installed; install it with: pip install ptwt-fake" in err


def test_a_peer_missing_here_for_real_prints_its_pip_command(capsys):
    """The real peer_available: ptwt (and torch, which it needs) is absent from the main venv."""
    installed, pip = suites.peer_available("ptwt")
    if installed:
        pytest.skip("ptwt is installed here")
    code, _, err = run(["ptwt"], capsys)
    assert code == 2
    assert "ptwt is not installed; install it with: pip install" in err and pip in err


def test_a_passing_peer_exits_0_with_the_table(capsys, fake):
    fake["torch"].append(_rfft_case("torch", "again"))
    code, out, _ = run(["torch", "--no-progress"], capsys)
    assert code == 0
    assert "specref compare torch" in out
    assert "rfft" in out and "float64" in out and "pass" in out
    assert "2 comparisons: 2 passed, 0 known differences, 0 failed" in out


def test_an_unexplained_disagreement_exits_1_with_the_failure_in_full(capsys, fake):
    fake["torch"].append(_rfft_case("torch", "wrong", factor=1.5))
    code, out, _ = run(["torch", "--no-progress"], capsys)
    assert code == 1
    assert "FAILED torch rfft-wrong" in out
    assert "vs specref rfft [wrong] (float64): FAIL" in out  # Comparison.message()
    assert "output: normwise error" in out and "exceeds the bound" in out
    assert "2 comparisons: 1 passed, 0 known differences, 1 failed" in out


def test_a_known_difference_exits_0(capsys, fake):
    fake["torch"].append(_rfft_case("torch", "documented", factor=1.5, known="spectrans_mdct"))
    code, out, _ = run(["torch", "--no-progress"], capsys)
    assert code == 0
    assert "known: spectrans_mdct" in out and "spectrans MDCT is not an MDCT" in out
    assert "FAILED" not in out
    assert "2 comparisons: 1 passed, 1 known differences, 0 failed" in out


def test_a_crashing_case_is_recorded_as_a_failure(capsys, fake):
    fake["torch"].append(_crashing_case("torch"))
    code, out, _ = run(["torch", "--no-progress"], capsys)
    assert code == 1
    assert "FAILED torch irfft-boom" in out
    assert "the peer raised: RuntimeError: the peer's kernel exploded" in out


def test_a_case_returning_something_else_is_a_failure(capsys, fake):
    fake["torch"] = [SuiteCase("torch", "rfft", "odd", lambda: 42)]
    code, out, _ = run(["torch", "--no-progress"], capsys)
    assert code == 1 and "returned an object of type int, not a Comparison" in out


def test_components_select_cases(capsys, fake):
    fake["torch"].append(_crashing_case("torch"))
    code, out, _ = run(["torch", "rfft", "--no-progress"], capsys)
    assert code == 0 and "1 comparisons: 1 passed" in out


def test_all_writes_the_report_and_the_json(tmp_path, capsys, fake):
    fake["torch"] += [_rfft_case("torch", "documented", factor=1.5, known="spectrans_mdct"), _crashing_case("torch")]
    fake["scipy"].append(_rfft_case("scipy", "wrong", factor=-1.0))
    report, data = tmp_path / "REPORT.md", tmp_path / "all.json"
    code, out, _ = run(["--all", "--report", str(report), "--json", str(data), "--no-progress"], capsys)
    assert code == 1
    assert "ptwt: not installed: pip install ptwt-fake" in out
    assert "5 comparisons: 2 passed, 1 known differences, 2 failed" in out

    text = report.read_text()
    assert text.startswith("# Comparison report: specref against its peers\n")
    assert f"Generated by `specref compare --all --report {report} --json {data}` (do not edit by hand)." in text
    assert "| ptwt | - | not installed: `pip install ptwt-fake` | 0 |" in text
    assert "| torch | " in text and "| compared | 3 |" in text
    assert "| torch | rfft | float64 | 1 | " in text and "| known: spectrans_mdct |" in text
    assert "| scipy | rfft | float64 | 1 | " in text and "| FAIL |" in text
    assert "- `spectrans_mdct`: spectrans MDCT is not an MDCT" in text
    assert "### torch" in text and "### scipy" in text
    assert "the peer raised: RuntimeError: the peer's kernel exploded" in text
    assert "output 0.0e+00 (" in text  # every configuration with its errors and bounds
    rows = [line for line in text.splitlines() if line.startswith("| rfft | wrong |")]
    assert len(rows) == 1 and rows[0].count("|") == 7  # one line, six cells

    got = json.loads(data.read_text())
    assert got["command"].startswith("specref compare --all --report")
    env = got["environment"]
    assert {"versions", "platform", "threads", "blas", "peers"} <= set(env)
    assert set(env["peers"]) == set(suites.PEERS)
    assert got["counts"] == {"comparisons": 5, "pass": 2, "known": 1, "fail": 2}
    assert {p["peer"]: p["state"] for p in got["peers"]}["ptwt"] == "not installed"
    by_case = {(c["suite_peer"], c["case"]): c for c in got["comparisons"]}
    assert by_case[("torch", "rfft-documented")]["verdict"] == "known: spectrans_mdct"
    assert by_case[("torch", "irfft-boom")]["peer_error"] == "RuntimeError: the peer's kernel exploded"
    assert by_case[("scipy", "rfft-wrong")]["tensors"][0]["bound_reason"].startswith("2 c eps")


def test_all_with_every_comparison_explained_exits_0_and_the_report_is_stable(tmp_path, capsys, fake):
    fake["torch"].append(_rfft_case("torch", "documented", factor=1.5, known="spectrans_mdct"))
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    assert run(["--all", "--report", str(first), "--no-progress"], capsys)[0] == 0
    assert run(["--all", "--report", str(second), "--no-progress"], capsys)[0] == 0
    strip = lambda p: p.read_text().split("\n", 3)[3]  # noqa: E731 (the command line names the path)
    assert strip(first) == strip(second)


def test_a_suite_that_fails_to_load_is_a_failure(capsys, fake, monkeypatch):
    def cases(peer):
        if peer == "scipy":
            raise ImportError("the suite module is broken")
        return list(fake.get(peer, []))

    monkeypatch.setattr(suites, "cases", cases)
    code, out, _ = run(["--all", "--no-progress"], capsys)
    assert code == 1 and "ImportError: the suite module is broken" in out


def test_json_for_one_peer(tmp_path, capsys, fake):
    path = tmp_path / "torch.json"
    assert run(["torch", "--json", str(path), "--no-progress"], capsys)[0] == 0
    got = json.loads(path.read_text())
    assert [c["case"] for c in got["comparisons"]] == ["rfft-even"]


def test_weights_reach_a_case_that_takes_a_state_dict(tmp_path, capsys, fake):
    seen = {}

    def run_case(state_dict=None):
        seen.update(state_dict or {})
        return _rfft_case("torch", "weighted").run()

    fake["torch"] = [SuiteCase("torch", "rfft", "weighted", run_case)]
    path = tmp_path / "w.npz"
    np.savez(path, weight=np.arange(3.0))
    code, _, _ = run(["torch", "rfft", "--weights", str(path), "--no-progress"], capsys)
    assert code == 0
    assert np.array_equal(seen["weight"], np.arange(3.0))


def test_weights_for_cases_that_cannot_take_them_is_a_usage_error(tmp_path, capsys, fake):
    path = tmp_path / "w.npz"
    np.savez(path, weight=np.arange(3.0))
    code, _, err = run(["torch", "rfft", "--weights", str(path)], capsys)
    assert code == 2
    assert "the torch suite's rfft cases cannot take weights" in err and "rfft-even" in err


@pytest.mark.parametrize("name, content, message", [
    ("absent.npz", None, "does not exist"),
    ("w.pt", b"x", "needs torch"),
    ("w.h5", b"", "unknown suffix '.h5'"),
    ("w.npz", b"garbage", "not a readable .npz"),
])
def test_a_bad_weights_file_is_a_usage_error(tmp_path, capsys, fake, monkeypatch, name, content, message):
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # as in the main venv, where torch is absent
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    code, _, err = run(["torch", "rfft", "--weights", str(path)], capsys)
    assert code == 2 and "bad weights file" in err and message in err


def test_importing_the_command_imports_neither_torch_nor_jax():
    import subprocess
    import sys

    code = ("import sys, specref.compare.cli, specref.compare.report, specref.compare.weights_file, "
            "specref.compare.functions; print([m for m in ('torch', 'jax') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
