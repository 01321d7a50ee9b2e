"""``specref bench``: time specref against its peers, print the ratio tables, write the JSON record.

``specref bench [COMPONENT|FAMILY...]`` runs the bench cases named (default: all) at one thread setting per
process: ``--threads all`` (default: every engine at its defaults, what a user gets) or ``--threads N``;
several settings (``--threads 1 all``) run one child process each, since JAX reads its thread flags once.
``--quick`` takes each case's one small point and three rounds (under 3 minutes for every case on 2 cores);
``--sweep`` adds the scaling sweeps and their fitted slopes (``--sweep-only``: only those); ``--memory``
measures the peak memory of forward+backward instead of time.

The record goes to ``benchmarks/results/bench_<date>_t<setting>[_quick].json`` when that folder exists under
the current directory (a checkout), or to ``--out DIR``; ``--no-write`` writes nothing. Exit status 0, or 2
on a usage error (an unknown component, a bad thread setting).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["add_bench_parser", "run_bench"]

EXIT_OK, EXIT_USAGE = 0, 2
DEFAULT_OUT = Path("benchmarks") / "results"


def add_bench_parser(sub) -> None:
    """Add the ``bench`` subcommand to the ``specref`` parser."""
    p = sub.add_parser(
        "bench",
        help="time specref against torch, JAX and the FFT-pass bound; print the ratios",
        description=(
            "Time forward and forward+backward of specref's components against their peers in the same process "
            "(spectrans/torch with its own CPU backward, the same math as a jitted JAX vjp, the FFT-pass bound, "
            "the hot loops' references), print the medians and the ratios specref/peer, and write the JSON record."
        ),
    )
    p.add_argument("components", nargs="*", metavar="COMPONENT",
                   help="components or families to run (default: all; --list shows them)")
    p.add_argument("--quick", action="store_true", help="one small point per case, 3 rounds (under 3 minutes)")
    p.add_argument("--threads", nargs="+", default=["all"], metavar="N|all",
                   help="thread setting(s): a count or 'all' (default); several run one process each")
    p.add_argument("--dtypes", nargs="+", choices=("float32", "float64"), help="only these dtypes")
    p.add_argument("--peers", nargs="+", metavar="PEER", help="only these peer columns (the bound always runs)")
    p.add_argument("--repeats", type=int, help="timed rounds per measurement (default 7; --quick 3)")
    p.add_argument("--budget", type=float, help="seconds after which a measurement stops (default 20; --quick 1)")
    p.add_argument("--memory", action="store_true",
                   help="measure peak memory of forward+backward instead of time (a run of its own: see "
                        "specref.bench.memory)")
    p.add_argument("--sweep", action="store_true", help="also run the scaling sweeps and fit their slopes")
    p.add_argument("--sweep-only", action="store_true", help="run the scaling sweeps only")
    p.add_argument("--out", metavar="DIR", help="write the JSON record here (default: ./benchmarks/results if it "
                                               "exists)")
    p.add_argument("--tag", default="", help="a suffix for the record's file name")
    p.add_argument("--no-write", action="store_true", help="write no record")
    p.add_argument("--list", action="store_true", help="list the bench cases and exit")
    p.add_argument("--no-progress", action="store_true", help="no progress lines on stderr")


def _children(args, argv: list) -> int:
    """Run one child process per thread setting, each with the same arguments and one ``--threads`` value."""
    rest, skip = [], False
    for token in argv:
        if token == "--threads":
            skip = True
            continue
        if skip and not token.startswith("--"):
            continue
        skip = False
        rest.append(token)
    status = EXIT_OK
    for setting in args.threads:
        cmd = [sys.executable, "-m", "specref", *rest, "--threads", setting]
        print(f"specref bench: --threads {setting}: {' '.join(cmd[1:])}", flush=True)
        status = max(status, subprocess.run(cmd, check=False).returncode)
    return status


def _out_dir(args) -> Path | None:
    if args.no_write:
        return None
    if args.out:
        return Path(args.out)
    return DEFAULT_OUT if DEFAULT_OUT.is_dir() else None


def run_bench(args, argv: list | None = None) -> int:
    """Run ``specref bench`` for parsed ``args`` (``argv``: the command line, for the child processes)."""
    from specref.bench.cases import all_cases, select

    if args.list:
        for case in all_cases():
            peers = ", ".join(case.peers) or "-"
            sweep = f"; sweep over {case.sweep.param} ({case.sweep.claim})" if case.sweep else ""
            print(f"{case.family:12s} {case.name:28s} peers: {peers}{sweep}")
        return EXIT_OK
    if len(args.threads) > 1:
        return _children(args, list(argv if argv is not None else sys.argv[1:]))
    from specref.bench.threads import apply_threads, thread_report

    try:
        settings = apply_threads(args.threads[0])
        cases = select(all_cases(), args.components)
    except ValueError as exc:
        print(f"specref bench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from rich.console import Console

    from specref.bench.memory import strict_allocator
    from specref.bench.report import print_sweeps, print_tables, record, result_path, write_record
    from specref.bench.runner import run_case, run_memory, run_sweep

    console = Console(width=None if Console().is_terminal else 160)
    repeats = args.repeats or (3 if args.quick else 7)
    budget = args.budget if args.budget is not None else (1.0 if args.quick else 20.0)
    progress = None if args.no_progress else (lambda what: print(f"  {what}", file=sys.stderr, flush=True))
    console.print(f"specref bench: {len(cases)} case(s), threads {settings['setting']} ({settings['threads']}), "
                  f"{'quick, ' if args.quick else ''}{repeats} rounds at most, {budget:g} s per measurement")
    start = time.perf_counter()
    rows, sweeps = [], []
    if args.memory:
        settings["strict_allocator"] = strict_allocator()
        for case in cases:
            rows += run_memory(case, quick=args.quick, dtypes=args.dtypes, peers=args.peers, progress=progress)
    elif not args.sweep_only:
        for case in cases:
            rows += run_case(case, quick=args.quick, dtypes=args.dtypes, peers=args.peers, repeats=repeats,
                             budget=budget, progress=progress)
    if args.sweep or args.sweep_only:
        for case in cases:
            if case.sweep is not None:
                sweeps.append(run_sweep(case, quick=args.quick, repeats=min(repeats, 5), budget=budget,
                                        progress=progress))
    elapsed = time.perf_counter() - start
    threads = thread_report()
    if rows:
        print_tables(rows, console=console)
    if sweeps:
        print_sweeps(sweeps, console=console)
    pools = threads.get("pools")
    blas = ", ".join(f"{p['internal_api']} {p.get('architecture') or ''} x{p['num_threads']}".strip()
                     for p in pools) if isinstance(pools, list) else pools
    console.print(f"threads: {json.dumps(settings)}; pools: {blas}; numba {threads['numba_threads']}"
                  + (f"; torch {threads['torch_threads']}" if "torch_threads" in threads else ""))
    console.print(f"ratios: specref median / peer median in the same run (< 1: specref faster); "
                  f"{elapsed:.0f} s")
    out = _out_dir(args)
    if out is not None:
        rec = record(rows, sweeps, settings=settings, threads=threads, elapsed=elapsed,
                     args={k: v for k, v in vars(args).items() if k not in ("func",)})
        tag = "_".join(t for t in ("memory" if args.memory else "", "sweep" if args.sweep_only else "", args.tag)
                       if t)
        path = result_path(out, settings["setting"], quick=args.quick, tag=tag)
        write_record(path, rec)
        console.print(f"wrote {path}")
    return EXIT_OK
