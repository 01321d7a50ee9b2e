"""The ``specref`` command line: ``specref verify`` runs every registered verification case.

Exit codes: 0 every check passed, 1 a check failed, 2 a usage error (bad option, unknown backend, backend
not installed or no GPU), 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
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
            "and print one row per case, check and dtype with the worst error over the grid and its derived "
            "bound. Exit 0 when all pass, 1 when a check fails, 2 on a usage error."
        ),
    )
    verify.add_argument(
        "--backend", choices=("numpy", "strict", "cupy"), default="numpy",
        help="array backend to run on: numpy (default), strict (array-api-strict), cupy (needs a CUDA device)",
    )
    verify.add_argument("--full", action="store_true", help="run every grid point (every size, norm, mode...)")
    verify.add_argument("--json", metavar="PATH", help="also write every result row and the environment as JSON")
    verify.add_argument("--case", metavar="GLOB", help="only cases whose name matches GLOB, e.g. 'rfft*'")
    verify.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    verify.add_argument(
        "--extra-cases", metavar="MODULE", action="append", default=[],
        help="import MODULE and verify its CASES list too (repeatable)",
    )
    verify.add_argument("--all-rows", action="store_true", help="print one row per grid point, not the worst")
    verify.add_argument("--no-progress", action="store_true", help="do not show the progress bar")
    from specref.compare.cli import add_compare_parser

    add_compare_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, cases=None) -> int:
    """Entry point of the ``specref`` console script. ``cases`` overrides the registry (for tests)."""
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
        return _verify(args, cases)
    except KeyboardInterrupt:
        print(f"specref {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _verify(args, cases) -> int:
    from specref.backend import get_namespace

    try:
        xp = get_namespace(args.backend)
    except ImportError as exc:
        print(f"specref verify: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if cases is None:
        from specref.testing.registry import collect

        try:
            cases = collect(args.case, extra_modules=tuple(args.extra_cases))
        except ImportError as exc:
            print(f"specref verify: cannot import --extra-cases module: {exc}", file=sys.stderr)
            return EXIT_USAGE
    elif args.case:
        from fnmatch import fnmatch

        cases = [c for c in cases if fnmatch(c.name, args.case)]
    if not cases:
        print(f"specref verify: no registered case matches {args.case!r}", file=sys.stderr)
        return EXIT_USAGE

    start = time.perf_counter()
    rows = _run_all(cases, xp, full=args.full, seed=args.seed, progress=not args.no_progress)
    elapsed = time.perf_counter() - start
    _print_report(rows, args, elapsed)
    if args.json:
        _write_json(args.json, rows, args, elapsed)
    return EXIT_FAILED if any(r.passed is False for r in rows) else EXIT_OK


def _run_all(cases, xp, *, full, seed, progress):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from specref.testing.runner import count_points, run_case

    rows = []
    total = count_points(cases, full)
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]verify[/bold] {task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not progress,
    ) as bar:
        task = bar.add_task("", total=total)
        for case in cases:
            bar.update(task, description=case.name[:28])
            for point_rows in run_case(case, xp, full=full, seed=seed):
                rows.extend(point_rows)
                bar.advance(task)
    return rows


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.2e}"


def _worst_by_check(rows):
    """One row per (case, check, dtype): the grid point with the worst error/bound ratio, a failure first."""
    groups: dict[tuple, list] = {}
    for r in rows:
        groups.setdefault((r.case, r.check, r.dtype), []).append(r)
    out = []
    for group in groups.values():
        failed = [r for r in group if r.passed is False]
        ran = [r for r in group if r.passed is not None]

        def ratio(r):
            if r.max_error is None:
                return -1.0
            return r.max_error / r.bound if r.bound else (0.0 if r.max_error == 0 else float("inf"))

        pick = failed[0] if failed else (max(ran, key=ratio) if ran else group[0])
        out.append((pick, len(group), len(failed), len(ran)))
    return out


def _print_report(rows, args, elapsed):
    from rich.console import Console
    from rich.table import Table

    # A pipe or CI log has no width: give the table room rather than truncating case names.
    console = Console(width=None if sys.stdout.isatty() else 132)
    table = Table(title=f"specref verify ({args.backend}{', full grid' if args.full else ''})", show_lines=False)
    for col in ("case", "check", "dtype", "points", "max error", "bound", "pass"):
        table.add_column(col, justify="right" if col in ("points", "max error", "bound") else "left")
    if args.all_rows:
        items = [(r, 1, int(r.passed is False), int(r.passed is not None)) for r in rows]
    else:
        items = _worst_by_check(rows)
    for r, n, n_failed, _ in items:
        if r.passed is None:
            status = "[yellow]skip[/yellow]"
        elif n_failed:
            status = f"[red]FAIL[/red] ({n_failed}/{n})"
        else:
            status = "[green]ok[/green]"
        params = "" if not args.all_rows else " " + ", ".join(f"{k}={v}" for k, v in r.params.items())
        table.add_row(r.case + params, r.check, r.dtype, str(n), _fmt(r.max_error), _fmt(r.bound), status)
    console.print(table)
    failed = [r for r in rows if r.passed is False]
    for r in failed[:20]:
        console.print(f"[red]FAILED[/red] {r.case} {r.check} {r.params} {r.dtype}: {r.reason}", markup=True)
    if len(failed) > 20:
        console.print(f"... and {len(failed) - 20} more failures (see --json)")
    n_pass = sum(r.passed is True for r in rows)
    n_skip = sum(r.passed is None for r in rows)
    console.print(
        f"{len(rows)} checks: {n_pass} passed, {len(failed)} failed, {n_skip} skipped in {elapsed:.1f} s "
        f"({len({r.case for r in rows})} cases, backend {args.backend})"
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
