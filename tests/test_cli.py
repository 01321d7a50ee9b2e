"""`specref verify`: exit codes, the report (a screenful, skips counted, failures in full, --verbose), the JSON
format, demonstration cases, --extra-cases (module, file, current directory, every bad one), bad options and
backends, Ctrl-C."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from specref import cli
from specref.backend import gpu_available
from specref.demo import CASES as DEMO_CASES
from specref.testing import registry
from specref.testing.case import Case, Inputs
from specref.testing.checks import CheckResult


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


def test_every_failure_is_printed_in_full(capsys):
    from dataclasses import replace

    assert cli.main(["verify", "--no-progress"], cases=[replace(BROKEN, grid=({"n": 5}, {"n": 6}))]) == 1
    out = capsys.readouterr().out
    fails = [line for line in out.splitlines() if line.startswith("FAIL broken_scale")]
    # one line per failing point: case, check, dtype, params, error, bound, how far over and the reason
    assert len(fails) == 8  # the dot test and the dense adjoint, at 2 grid points, in float64 and float32
    adjoint = next(line for line in fails if line.startswith("FAIL broken_scale adjoint float64 n=6: "))
    assert "error " in adjoint and "> bound " in adjoint and "x the bound" in adjoint and "eps" in adjoint
    assert "Failures (8)" in out and "8 failed" in out


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


def test_console_script_runs_without_traceback():
    out = subprocess.run([sys.executable, "-m", "specref", "verify", "--bogus"], capture_output=True, text=True)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "usage" in out.stderr
    out = subprocess.run([sys.executable, "-m", "specref", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("specref ")


# ----------------------------------------------------------------------------------------------------------
# The report: one screenful, skips counted, --verbose


def _sometimes_skipped(inputs, *, xp, dtype, params, rng):
    if params["n"] == 3:
        return CheckResult("parity", None, None, None, "applies to even n only")
    return CheckResult("parity", 0.0, 1e-15, True, "exact")


SKIPPY = Case(name="skippy[odd]", forward=lambda x: 2.0 * x, adjoint=lambda y, *, input_shape: 2.0 * y,
              make=_make, grid=({"n": 3}, {"n": 4}), extra_checks=(_sometimes_skipped,), dense=False,
              error_reason="one multiplication")


def _row(out, name):
    return next(line for line in out.splitlines() if line.startswith(name + " ")).split()


def test_skipped_points_are_counted_as_skipped(tmp_path, capsys):
    path = tmp_path / "v.json"
    assert cli.main(["verify", "--no-progress", "--json", str(path)], cases=[SKIPPY]) == 0
    out = capsys.readouterr().out
    # 2 grid points x 2 dtypes x (dtype, adjoint, 2 no_mutation, parity) = 20 points, the 2 at n=3 skipped
    header = next(line for line in out.splitlines() if line.startswith("case ")).split()
    row = dict(zip(header, _row(out, "skippy[odd]"), strict=True))  # the name printed literally, not as markup
    assert (row["passed"], row["skipped"], row["failed"], row["points"], row["status"]) == ("18", "2", "0", "20", "ok")
    assert "Skipped 2 points" in out and "2 parity in skippy[odd]: applies to even n only" in out
    assert "18 passed, 0 failed, 2 skipped" in out
    skips = [r for r in json.loads(path.read_text())["results"] if r["passed"] is None]
    assert [(r["check"], r["params"]) for r in skips] == [("parity", {"n": 3})] * 2


def test_a_case_skipped_everywhere_has_status_skip(capsys):
    from dataclasses import replace

    limited = replace(SKIPPY, backend_limits={"numpy": "not on numpy, for the test"})
    assert cli.main(["verify", "--no-progress"], cases=[limited]) == 0
    out = capsys.readouterr().out
    assert _row(out, "skippy[odd]")[1:] == ["0", "4", "0", "4", "skip"]
    assert "4 all in skippy[odd]: not on numpy, for the test" in out


def _fake_run_case(case, xp, *, full=False, seed=0):
    """Rows shaped like a real run's (every check of the case, a skip or two), without computing anything."""
    from specref.testing.runner import Result

    checks = {"linear": ("adjoint", "dense_adjoint"), "nonlinear": ("vjp",)}.get(case.kind, ("oracle",))
    checks = ("dtype", *checks, "no_mutation", *(("reference",) if case.reference else ()))
    for p, params in enumerate(case.points(full)):
        for dtype in case.dtypes:
            rows = [Result(case.name, c, dict(params), dtype, None if c == "dtype" else 1e-17,
                           None if c == "dtype" else 1e-15, True, "a derivation") for c in checks]
            if p == 0 and case.kind == "linear":
                reason = f"spaces of {300 + len(case.name)} and 320 real coordinates exceed 256; the dot test covers it"
                rows[2] = Result(case.name, "dense_adjoint", dict(params), dtype, None, None, None, reason)
            yield rows


def test_default_report_of_the_real_registry_is_one_screenful(monkeypatch, capsys):
    """Every registered case and family (the real registry), results stubbed: the report stays a screenful."""
    import specref.testing.runner as runner

    monkeypatch.setattr(runner, "run_case", _fake_run_case)
    assert cli.main(["verify", "--no-progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    families = {r.family for r in registry.registered() if not r.demo}
    assert len(families) > 20 and f"in {len(families)} families" in lines[0]
    assert len(lines) < 60, "\n".join(lines)  # 45 lines for the real run on numpy (128 cases, 34 families)
    assert max(map(len, lines)) <= 132
    assert any(line.startswith("Skipped ") for line in lines) and "0 failed" in lines[-1]


def test_verbose_prints_every_point_with_its_params(capsys):
    assert cli.main(["verify", "--no-progress", "--verbose", "--case", "demo_scaled_softplus"]) == 0
    out = capsys.readouterr().out
    vjp = [line for line in out.splitlines() if line.startswith("ok   demo_scaled_softplus vjp ")]
    assert len(vjp) == 4  # 2 grid points x 2 dtypes, one line each with its params, error, bound and reason
    assert vjp[0].startswith("ok   demo_scaled_softplus vjp float64 shape=(4, 5), w_shape=(5,): error ")
    assert any("shape=(2, 3, 4), w_shape=(1, 3, 1)" in line for line in vjp) and "central difference" in vjp[0]
    assert cli.main(["verify", "--no-progress", "--all-rows", "--case", "demo_scaled_softplus"]) == 0  # old name
    assert capsys.readouterr().out.count("\nok   demo_scaled_softplus vjp ") == 4


def test_by_family_and_by_case(capsys):
    assert cli.main(["verify", "--no-progress", "--case", "demo_*", "--by", "family"]) == 0
    out = capsys.readouterr().out
    assert _row(out, "demo")[:2] == ["demo", "2"]  # the family and its number of cases
    assert cli.main(["verify", "--no-progress", "--case", "demo_*", "--by", "case"]) == 0
    out = capsys.readouterr().out
    assert _row(out, "demo_dense_dft") and _row(out, "demo_scaled_softplus")


def test_by_package_merges_the_families_of_a_package(capsys):
    """``--by package``: one row per package, the families ``ops.softmax`` and ``ops.norm`` counted in ``ops``."""
    glob = "[sl][oa][fy]*[xm]"  # softmax and layer_norm only
    assert cli.main(["verify", "--no-progress", "--case", glob, "--by", "package"]) == 0
    out = capsys.readouterr().out
    assert _row(out, "ops")[:2] == ["ops", "2"]
    assert cli._package("layers.attention.lst") == "layers.attention" and cli._package("demo") == "demo"


# ----------------------------------------------------------------------------------------------------------
# Demonstration cases stay out of the default report


@pytest.fixture
def ran(monkeypatch):
    """Record the names of the cases a run would verify, without running them."""
    names = []

    def record(cases, xp, **kw):
        names.extend(c.name for c in cases)
        return []

    monkeypatch.setattr(cli, "_run_all", record)
    return names


def test_demo_cases_are_left_out_by_default(ran, capsys):
    demo = {c.name for c in DEMO_CASES}
    assert cli.main(["verify", "--no-progress"]) == 0
    assert ran and not demo & set(ran)
    assert "2 demonstration cases left out (--demo)" in capsys.readouterr().out
    ran.clear()
    assert cli.main(["verify", "--no-progress", "--case", "*"]) == 0  # a glob that matches shipped cases too
    assert ran and not demo & set(ran)


def test_demo_cases_with_demo_or_named(ran):
    demo = {c.name for c in DEMO_CASES}
    assert cli.main(["verify", "--no-progress", "--demo"]) == 0
    assert demo <= set(ran) and len(ran) > len(demo)
    ran.clear()
    assert cli.main(["verify", "--no-progress", "--case", "demo_*"]) == 0
    assert set(ran) == demo
    ran.clear()
    assert cli.main(["verify", "--no-progress", "--case", "demo_dense_dft"]) == 0
    assert ran == ["demo_dense_dft"]


# ----------------------------------------------------------------------------------------------------------
# --extra-cases: a module, a file, the current directory; every bad one exits 2 in one line


CASES_FILE = """
from specref.testing import Case, Inputs


def make(rng, xp, dtype, *, n=4):
    return Inputs((xp.asarray(rng.standard_normal(n).astype(dtype)),))


CASES = [Case(name="{name}", forward=lambda x: 3.0 * x, adjoint=lambda y, *, input_shape: 3.0 * y, make=make,
              error_reason="one multiplication")]
"""


@pytest.fixture
def clean_imports(monkeypatch):
    """Undo what importing a user's cases does to sys.path and sys.modules."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if "extra" in name or name.startswith("user_cases"):
            del sys.modules[name]


def test_extra_cases_from_a_file_path(tmp_path, clean_imports, capsys):
    path = tmp_path / "sub" / "my-cases.py"
    path.parent.mkdir()
    path.write_text(CASES_FILE.format(name="user_triple"))
    assert cli.main(["verify", "--no-progress", "--extra-cases", str(path), "--case", "user_*"]) == 0
    out = capsys.readouterr().out
    assert _row(out, "user_triple")[-1] == "ok" and "1 case in 1 family" in out


def test_extra_cases_file_imports_its_neighbours(tmp_path, clean_imports, capsys):
    (tmp_path / "user_cases_helper.py").write_text(CASES_FILE.format(name="user_helper"))
    (tmp_path / "cases.py").write_text("from user_cases_helper import CASES\n")
    assert cli.main(["verify", "--no-progress", "--extra-cases", str(tmp_path / "cases.py"), "--case", "user_*"]) == 0
    assert "user_helper" in capsys.readouterr().out


def test_extra_cases_module_in_the_current_directory(tmp_path, monkeypatch, clean_imports, capsys):
    (tmp_path / "user_cases_cwd.py").write_text(CASES_FILE.format(name="user_cwd"))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["verify", "--no-progress", "--extra-cases", "user_cases_cwd", "--case", "user_*"]) == 0
    assert _row(capsys.readouterr().out, "user_cwd")[-1] == "ok"


BAD_EXTRA = {
    "missing file": ("nowhere/cases.py", None, "no such file: nowhere/cases.py"),
    "missing module": ("no.such.module", None, "no module named 'no'"),
    "syntax error": ("bad_syntax.py", "CASES = [\n", "SyntaxError"),
    "import raises": ("raises.py", "raise RuntimeError('broken on import')", "RuntimeError: broken on import"),
    "missing dependency": ("needs.py", "import no_such_dependency_xyz", "No module named 'no_such_dependency_xyz'"),
    "no CASES": ("empty.py", "x = 1", "has no CASES list"),
    "CASES not a list": ("scalar.py", "CASES = 3", "CASES must be a list of Case, got int"),
    "not a Case": ("strings.py", "CASES = ['rfft']", "CASES holds a str, not a Case"),
    "exits": ("exits.py", "import sys; sys.exit(3)", "SystemExit"),
    "duplicate name": ("dup.py", CASES_FILE.format(name="rfft"), "case 'rfft' registered twice"),
}


@pytest.mark.parametrize("spec, text, message", BAD_EXTRA.values(), ids=BAD_EXTRA.keys())
def test_bad_extra_cases_exit_2_in_one_line(spec, text, message, tmp_path, monkeypatch, clean_imports, capsys):
    monkeypatch.chdir(tmp_path)
    if text is not None:
        (tmp_path / spec).write_text(text)
    assert cli.main(["verify", "--no-progress", "--extra-cases", spec]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("specref verify: --extra-cases: "), err
    assert message in err and "Traceback" not in err + captured.out
