"""``specref bench`` from the command line: listing, selection, usage errors, the record it writes.

The runs here are tiny (one component, its quick point, one round) and in the main venv, where torch and JAX
are absent: the peers must say so and specref's columns still run. No timing is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from specref import cli
from specref.bench.cases import all_cases, select


def test_list_names_every_case(capsys):
    assert cli.main(["bench", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(case.name in out for case in all_cases())


def test_unknown_component_is_a_usage_error(capsys):
    assert cli.main(["bench", "NoSuchLayer", "--no-write"]) == 2
    assert "no bench case or family named nosuchlayer" in capsys.readouterr().err


def test_bad_thread_setting_is_a_usage_error(capsys):
    assert cli.main(["bench", "FourierMixing", "--threads", "none", "--no-write"]) == 2
    assert "threads must be a positive integer or 'all'" in capsys.readouterr().err


def test_select_by_family_and_name_case_insensitively():
    cases = all_cases()
    mixing = select(cases, ["MIXING"])
    assert mixing and all(c.family == "mixing" for c in mixing)
    assert [c.name for c in select(cases, ["globalfiltermixing"])] == ["GlobalFilterMixing"]
    assert select(cases, []) == cases


def test_quick_run_writes_the_record(tmp_path):
    # a child process: the thread setting changes the process's affinity and pools
    cmd = [sys.executable, "-m", "specref", "bench", "FourierMixing", "--quick", "--repeats", "1", "--dtypes",
           "float32", "--threads", "1", "--out", str(tmp_path), "--no-progress"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "specref bench: mixing" in done.stdout
    (path,) = tmp_path.glob("bench_*_t1_quick.json")
    rec = json.loads(path.read_text())
    assert {"date", "environment", "thread_setting", "threads", "rows", "sweeps", "args"} <= set(rec)
    assert rec["thread_setting"]["threads"] == 1 and rec["thread_setting"]["cpu_affinity"]
    assert [r["mode"] for r in rec["rows"]] == ["forward", "forward_backward"]
    row = rec["rows"][0]
    assert "specref" in row["times"] and "bound" in row["times"]  # the FFT-pass bound needs only scipy
    if "torch" in row["unavailable"]:  # the main venv has no torch: the peer says why
        assert "pip install torch" in row["unavailable"]["torch"]


@pytest.mark.parametrize("flag", ["--memory", "--sweep-only"])
def test_memory_and_sweep_runs(tmp_path, flag):
    cmd = [sys.executable, "-m", "specref", "bench", "GlobalFilterMixing", "--quick", "--repeats", "1", "--dtypes",
           "float64", "--out", str(tmp_path), "--no-progress", flag]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    (path,) = tmp_path.glob("bench_*.json")
    rec = json.loads(path.read_text())
    if flag == "--memory":
        assert "memory" in path.name and rec["rows"][0]["floor_bytes"] > 0
        assert "peak memory" in done.stdout
    else:
        assert rec["rows"] == [] and rec["sweeps"][0]["component"] == "GlobalFilterMixing"
        assert "scaling" in done.stdout
