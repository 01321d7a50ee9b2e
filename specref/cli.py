"""The ``specref`` command line: ``specref verify`` runs every registered verification case (``specref compare``
and ``specref bench`` live in :mod:`specref.compare.cli` and :mod:`specref.bench.cli`).

The report fits a screen: one row per family (per case when at most ``SCREEN_CASES`` cases run, per package
when more than ``SCREEN_FAMILIES`` families do) with its
points passed, skipped and failed and each check's worst error as a fraction of its bound, then every failure
in full, why points were skipped, the point closest to its bound and a summary line; ``--verbose`` prints every
grid point and ``--json`` records them all. Demonstration cases stay out unless asked for.

Exit codes: 0 every check passed, 1 a check failed, 2 a usage error (bad option, unknown backend, backend
not installed or no GPU), 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections.abc import Sequence

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    """argparse exits with status 2 and the usage on errors; never a traceback."""

    def error(self, message):  # noqa: D401 (argparse API)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from specref import __version__

    parser = _Parser(prog="specref", description="specref: ground-truth spectral deep-learning components.")
    parser.add_argument("--version", action="version", version=f"specref {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    verify = sub.add_parser(
        "verify",
        help="run every registered verification case and print the report",
        description=(
            "Run every registered case (adjoint, dense adjoint, VJP, no-mutation, reference and oracle checks) "
            "and print one row per family (per case when at most 40 cases run): points passed, skipped and "
            "failed, and each check's worst error as a fraction of its derived bound; then every failure in "
            "full, why points were skipped, and a summary line. Exit 0 when all pass, 1 when a check fails, "
            "2 on a usage error."
        ),
    )
    verify.add_argument(
        "--backend", choices=("numpy", "strict", "cupy"), default="numpy",
        help="array backend to run on: numpy (default), strict (array-api-strict), cupy (needs a CUDA device)",
    )
    verify.add_argument("--full", action="store_true", help="run every grid point (every size, norm, mode...)")
    verify.add_argument("--json", metavar="PATH", help="also write every grid point's result and the environment")
    verify.add_argument("--case", metavar="GLOB", help="only cases whose name matches GLOB, e.g. 'rfft*'")
    verify.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    verify.add_argument(
        "--extra-cases", metavar="MODULE|FILE", action="append", default=[],
        help="also verify the CASES list of a module (importable, or in the current directory) or of a .py file "
             "(repeatable)",
    )
    verify.add_argument(
        "--demo", action="store_true",
        help="include the demonstration cases (specref.demo; included anyway when --case matches only them)",
    )
    verify.add_argument(
        "--by", choices=("package", "family", "case"), default=None,
        help="one row per package, family or case (default: per case when at most 40 cases run, per family when "
             "at most 40 families do, else per package)",
    )
    verify.add_argument("-v", "--verbose", action="store_true", help="print one row per grid point and dtype")
    verify.add_argument("--all-rows", dest="verbose", action="store_true", help=argparse.SUPPRESS)  # old name
    verify.add_argument("--no-progress", action="store_true", help="do not show the progress bar")
    from specref.compare.cli import add_compare_parser

    add_compare_parser(sub)
    from specref.bench.cli import add_bench_parser

    add_bench_parser(sub)
    from specref.neural_kernels._cli import add_signature_parser

    add_signature_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, cases=None) -> int:
    """Entry point of the ``specref`` console script.

    ``cases`` overrides the registry (for tests): every given case runs (``--case`` still filters), its
    family is the module of its forward.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "compare":
            from specref.compare.cli import run_compare

            return run_compare(args)
        if args.command == "bench":
            from specref.bench.cli import run_bench

            return run_bench(args, list(argv) if argv is not None else sys.argv[1:])
        if args.command == "signature":
            from specref.neural_kernels._cli import run_signature

            return run_signature(args)
        return _verify(args, cases)
    except KeyboardInterrupt:
        print(f"specref {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


SCREEN_CASES = 40  # at most this many cases: one row per case; more: one row per family (a screenful either way)
SCREEN_FAMILIES = 40  # more families than this: one row per package (the family's module path less its last part)


def _package(family: str) -> str:
    """The package of a family: ``layers.attention.lst`` -> ``layers.attention``; a one-part name stays."""
    return family.rsplit(".", 1)[0] if "." in family else family


def _select(args, cases):
    """The registered cases this run verifies (with their families), and how many demonstration cases it left out.

    Demonstration cases stay out unless ``--demo`` is given or ``--case`` matches nothing else.
    """
    from specref.testing.registry import Registered, registered

    if cases is not None:
        from fnmatch import fnmatch

        regs = [Registered(c, getattr(c.forward, "__module__", None) or "-") for c in cases]
        regs = [r for r in regs if not args.case or fnmatch(r.case.name, args.case)]
        return regs, 0
    if args.extra_cases and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # `--extra-cases mycases` finds mycases.py in the current directory
    regs = registered(args.case, extra=tuple(args.extra_cases))
    shipped = [r for r in regs if not r.demo]
    if args.demo or (args.case and not shipped):
        return regs, 0
    return shipped, len(regs) - len(shipped)


def _verify(args, cases) -> int:
    from specref.backend import get_namespace

    try:
        xp = get_namespace(args.backend)
    except ImportError as exc:
        print(f"specref verify: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        regs, n_demo = _select(args, cases)
    except (ImportError, TypeError, ValueError) as exc:  # a bad --extra-cases: one line, never a traceback
        print(f"specref verify: --extra-cases: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not regs:
        print(f"specref verify: no registered case matches {args.case!r}", file=sys.stderr)
        return EXIT_USAGE

    start = time.perf_counter()
    rows = _run_all([r.case for r in regs], xp, full=args.full, seed=args.seed, progress=not args.no_progress)
    elapsed = time.perf_counter() - start
    _print_report(rows, regs, args, elapsed, n_demo)
    if args.json:
        _write_json(args.json, rows, args, elapsed)
    return EXIT_FAILED if any(r.passed is False for r in rows) else EXIT_OK


def _run_all(cases, xp, *, full, seed, progress):
    from specref._progress import progress_bar
    from specref.testing.runner import count_points, run_case

    rows = []
    with progress_bar("verify", count_points(cases, full), enabled=progress) as step:
        for case in cases:
            step(case.name, advance=0)
            for point_rows in run_case(case, xp, full=full, seed=seed):
                rows.extend(point_rows)
                step(case.name)
    return rows


# ----------------------------------------------------------------------------------------------------------
# The report

# Checks with a column of their own (the worst ratio over the row's points); the rest of the measured checks
# share "other". no_mutation (bit for bit) and dtype are exact: counted in the points, a failure in the list.
_COLUMNS = {"adjoint": "adjoint", "dense_adjoint": "dense", "vjp": "vjp", "reference": "reference",
            "oracle": "oracle"}
_EXACT = ("no_mutation", "dtype")


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.2e}"


def _frac(v) -> str:
    """A ratio error / bound for a table cell: '0', '<0.01', '0.12', '3.5', '1.2e+03', 'inf'."""
    if v is None:
        return "-"
    if v == 0:
        return "0"
    if v < 0.01:
        return "<0.01"
    if v < 10:
        return f"{v:.2f}"
    return "inf" if math.isinf(v) else f"{v:.2g}"


def _n(k: int, word: str, plural: str | None = None) -> str:
    return f"{k} {word if k == 1 else plural or word + 's'}"


def _params(params) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "-"


def _status(t) -> str:
    if t.failed:
        return f"[red]FAIL {t.failed}[/red]"
    if not t.passed and t.skipped:
        return "[yellow]skip[/yellow]"
    return "[green]ok[/green]"


def _ratio_cell(v) -> str:
    text = _frac(v)
    return f"[red]{text}[/red]" if v is not None and v > 1 else text


def _summary_table(rows, family_of, by):
    """One row per family or case: points passed / skipped / failed / total and each check's worst ratio."""
    from collections import Counter

    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from specref.testing.runner import tally

    if by == "package":
        family_of = {case: _package(family) for case, family in family_of.items()}
    key = (lambda r: r.case) if by == "case" else (lambda r: family_of[r.case])
    groups = tally(rows, key)
    measured = {r.check for r in rows if r.ratio is not None and r.check not in _EXACT}
    columns = [c for c in _COLUMNS if c in measured]
    others = sorted(measured - set(_COLUMNS))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    table.add_column(by, overflow="fold")
    if by != "case":
        table.add_column("cases", justify="right")
    for name in ("passed", "skipped", "failed", "points"):
        table.add_column(name, justify="right")
    for c in columns:
        table.add_column(_COLUMNS[c], justify="right")
    if others:
        table.add_column("other", justify="right")
    table.add_column("status")
    n_cases = Counter(family_of[case] for case in dict.fromkeys(r.case for r in rows))
    for name, t in groups.items():
        cells = [escape(name)]
        if by != "case":
            cells.append(str(n_cases[name]))
        skipped = f"[yellow]{t.skipped}[/yellow]" if t.skipped else "0"
        failed = f"[red]{t.failed}[/red]" if t.failed else "0"
        cells += [str(t.passed), skipped, failed, str(t.total)]
        cells += [_ratio_cell(t.worst.get(c)) for c in columns]
        if others:
            cells.append(_ratio_cell(max((t.worst[c] for c in others if c in t.worst), default=None)))
        table.add_row(*cells, _status(t))
    caption = (
        f"{', '.join(_COLUMNS[c] for c in columns)}{', other' if others else ''}: worst error / its bound "
        "(1 = at the bound); no_mutation and dtype are exact."
        + (f" other: {', '.join(others)}." if others else "")
    )
    return table, caption


def _point_line(r) -> str:
    """--verbose: one line per grid point, dtype and check (greppable: status, ratio, where, error, bound, reason)."""
    from rich.markup import escape

    if r.passed is False:
        return _failure_line(r)
    status = "[yellow]skip[/yellow]" if r.passed is None else "[green]ok[/green]  "
    where = f"{escape(r.case)} {r.check} {r.dtype} {escape(_params(r.params))}"
    measured = "" if r.max_error is None else f" error {_fmt(r.max_error)}, bound {_fmt(r.bound)} ({_frac(r.ratio)}):"
    return f"{status} {where}:{measured} {escape(r.reason)}"


def _skip_lines(rows, limit=8):
    """Why points were skipped: one line per (check, reason), the numbers in a reason not told apart."""
    import re

    from rich.markup import escape

    groups: dict[tuple, list] = {}
    for r in rows:
        if r.passed is None:
            groups.setdefault((r.check, re.sub(r"\d+", "#", r.reason)), []).append(r)
    lines = []
    for (check, _), group in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        names = list(dict.fromkeys(r.case for r in group))
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        example = "e.g. " if len({r.reason for r in group}) > 1 else ""
        lines.append(f"  {len(group)} {check} in {escape(shown)}: {example}{escape(group[0].reason)}")
    if len(lines) > limit:
        lines = [*lines[:limit], f"  ... and {len(lines) - limit} more reasons (--verbose or --json lists each)"]
    return lines


def _failure_line(r) -> str:
    from rich.markup import escape

    where = f"{escape(r.case)} {r.check} {r.dtype} {escape(_params(r.params))}"
    if r.max_error is None:
        return f"[red]FAIL[/red] {where}: {escape(r.reason)}"
    return (f"[red]FAIL[/red] {where}: error {_fmt(r.max_error)} > bound {_fmt(r.bound)} "
            f"({_frac(r.ratio)} x the bound): {escape(r.reason)}")


def _print_report(rows, regs, args, elapsed, n_demo=0):
    from rich.console import Console
    from rich.markup import escape

    from specref.testing.runner import tally

    # A pipe or CI log has no width: give the table room rather than truncating case names.
    console = Console(width=None if sys.stdout.isatty() else 132)
    family_of = {r.case.name: r.family for r in regs}
    n_families = len(set(family_of.values()))
    by = args.by or ("case" if len(regs) <= SCREEN_CASES else "family" if n_families <= SCREEN_FAMILIES
                     else "package")
    grid = "full grid" if args.full else "representative grid"
    left_out = f"; {n_demo} demonstration cases left out (--demo)" if n_demo else ""
    console.print(f"[bold]specref verify[/bold]: backend {args.backend}, {grid}, seed {args.seed}, "
                  f"{_n(len(regs), 'case')} in {_n(n_families, 'family', 'families')}{left_out}")
    if args.verbose:
        for r in rows:
            console.print(_point_line(r), soft_wrap=True)
    else:
        table, caption = _summary_table(rows, family_of, by)
        console.print(table)
        console.print(caption, style="dim")
    t = tally(rows, key=lambda r: 0).get(0)
    if t is None:
        return
    failed = [r for r in rows if r.passed is False]
    if failed:
        console.print(f"[red]Failures[/red] ({len(failed)}):")
        for r in failed:
            console.print(_failure_line(r), soft_wrap=True)  # one line each, greppable
    if t.skipped:
        console.print(f"Skipped {t.skipped} points (a check that does not apply there, or a backend limit):")
        for line in _skip_lines(rows):
            console.print(line)
    if t.closest is not None:
        c = t.closest
        console.print(f"Closest to its bound: {escape(c.case)} {c.check} {c.dtype} {escape(_params(c.params))}: "
                      f"error {_fmt(c.max_error)} is {_frac(c.ratio)} of the bound {_fmt(c.bound)}")
    n_checks = len({(r.case, r.check) for r in rows})
    console.print(
        f"{_n(len(regs), 'case')}, {_n(n_checks, 'check')}, {_n(t.total, 'point')}: {t.passed} passed, "
        f"{t.failed} failed, {t.skipped} skipped in {elapsed:.1f} s (backend {args.backend})"
    )


def environment() -> dict:
    """Versions, BLAS and thread settings of this run (recorded in the JSON report)."""
    import importlib.metadata as md

    versions = {"python": platform.python_version()}
    for dist in ("specref", "numpy", "scipy", "pywavelets", "numba", "array-api-compat", "array-api-strict",
                 "mpmath", "rich", "cupy-cuda12x", "cupy", "numba-cuda"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            continue
    blas = {}
    try:
        import numpy as np

        config = np.show_config(mode="dicts")
        deps = config.get("Build Dependencies", {})
        blas = {k: deps.get(k, {}) for k in ("blas", "lapack")}
    except Exception as exc:  # informational only
        blas = {"error": repr(exc)}
    threads = {"cpu_count": os.cpu_count()}
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        threads[var] = os.environ.get(var)
    try:
        import numba

        threads["numba_threads"] = numba.config.NUMBA_NUM_THREADS
    except Exception:
        pass
    try:
        from threadpoolctl import threadpool_info

        threads["threadpools"] = [
            {k: p.get(k) for k in ("internal_api", "num_threads", "version")} for p in threadpool_info()
        ]
    except Exception:
        pass
    return {
        "versions": versions,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "blas": blas,
        "threads": threads,
    }


def _write_json(path, rows, args, elapsed):
    from specref import __version__

    report = {
        "specref": __version__,
        "backend": args.backend,
        "full": bool(args.full),
        "seed": args.seed,
        "elapsed_s": round(elapsed, 3),
        "environment": environment(),
        "results": [r.to_json() for r in rows],
    }
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
