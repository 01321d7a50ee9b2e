"""`specref verify`: exit codes, report, JSON format, bad options and backends, failures, Ctrl-C."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from specref import cli
from specref.backend import gpu_available
from specref.demo import CASES as DEMO_CASES
from specref.testing.case import Case, Inputs


def _make(rng, xp, dtype, *, n=5):
    return Inputs((xp.asarray(rng.standard_normal(n).astype(dtype)),))


def _wrong_adjoint(y, *, input_shape):
    return 3.0 * y  # the forward doubles, so the adjoint must double too


BROKEN = Case(name="broken_scale", forward=lambda x: 2.0 * x, adjoint=_wrong_adjoint, make=_make,
              error_reason="one multiplication")


def test_verify_passes_and_writes_json(tmp_path, capsys):
    path = tmp_path / "v.json"
    code = cli.main(["verify", "--case", "demo_*", "--json", str(path), "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out
    assert "demo_dense_dft" in out and "0 failed" in out
    report = json.loads(path.read_text())
    assert set(report) >= {"specref", "backend", "environment", "results"}
    assert report["backend"] == "numpy"
    env = report["environment"]
    assert {"versions", "blas", "threads"} <= set(env)
    assert env["versions"]["numpy"] == np.__version__
    row = report["results"][0]
    assert set(row) == {"case", "check", "params", "dtype", "max_error", "bound", "passed", "reason"}
    checks = {r["check"] for r in report["results"]}
    assert {"adjoint", "dense_adjoint", "vjp", "no_mutation", "reference"} <= checks
    assert all(r["passed"] in (True, False, None) for r in report["results"])


def test_verify_strict_backend(capsys):
    pytest.importorskip("array_api_strict")
    assert cli.main(["verify", "--backend", "strict", "--case", "demo_*", "--no-progress"]) == 0
    assert "strict" in capsys.readouterr().out


def test_failing_case_is_reported_and_exits_1(tmp_path, capsys):
    path = tmp_path / "bad.json"
    code = cli.main(["verify", "--no-progress", "--json", str(path)], cases=[BROKEN, *DEMO_CASES])
    assert code == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "broken_scale" in out
    rows = json.loads(path.read_text())["results"]
    assert any(r["case"] == "broken_scale" and r["check"] == "adjoint" and r["passed"] is False for r in rows)


def test_crashing_case_is_a_failure(capsys):
    def explode(x):
        raise RuntimeError("boom")

    case = Case(name="explodes", forward=explode, adjoint=_wrong_adjoint, make=_make)
    assert cli.main(["verify", "--no-progress"], cases=[case]) == 1
    assert "boom" in capsys.readouterr().out


def test_unknown_backend_exits_2_with_choices(capsys):
    assert cli.main(["verify", "--backend", "torch"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and "numpy" in err and "usage" in err


def test_unknown_option_exits_2(capsys):
    assert cli.main(["verify", "--fast"]) == 2
    assert "unrecognized arguments: --fast" in capsys.readouterr().err


def test_no_command_exits_2(capsys):
    assert cli.main([]) == 2


def test_unmatched_case_pattern_exits_2(capsys):
    assert cli.main(["verify", "--case", "no_such_case*", "--no-progress"]) == 2
    assert "no registered case" in capsys.readouterr().err


def test_missing_strict_gives_install_hint(monkeypatch, capsys):
    import specref.backend as backend

    def missing(name):
        raise ImportError("backend 'strict' needs array-api-strict: pip install array-api-strict")

    monkeypatch.setattr(backend, "get_namespace", missing)
    assert cli.main(["verify", "--backend", "strict"]) == 2
    assert "pip install array-api-strict" in capsys.readouterr().err


@pytest.mark.skipif(gpu_available(), reason="this test is about a machine without a GPU")
def test_cupy_without_gpu_exits_2(capsys):
    assert cli.main(["verify", "--backend", "cupy"]) == 2
    assert "cupy" in capsys.readouterr().err.lower()


def test_ctrl_c_exits_130(monkeypatch, capsys):
    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run_all", interrupted)
    assert cli.main(["verify", "--no-progress"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err


def test_extra_cases_module_bad_import(capsys):
    assert cli.main(["verify", "--extra-cases", "no.such.module", "--no-progress"]) == 2


def test_console_script_runs_without_traceback():
    out = subprocess.run([sys.executable, "-m", "specref", "verify", "--bogus"], capture_output=True, text=True)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "usage" in out.stderr
    out = subprocess.run([sys.executable, "-m", "specref", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("specref ")
