"""``specref signature``: the command line of the neural-kernel study (:mod:`specref.neural_kernels.signature`)."""

from __future__ import annotations

import sys
import time

__all__ = ["add_signature_parser", "run_signature"]


def add_signature_parser(sub) -> None:
    """Register ``specref signature`` on the CLI's subparsers."""
    p = sub.add_parser(
        "signature",
        help="the spectral signature of neural kernels (seed 004): Gram, CK and NTK figures and spectra",
        description=(
            "Compute the Gram matrix of the RFF layer, the NTK of the LFF layer and the CK and NTK of the RFF-MLP "
            "on points of [0, 1] at several scales, with their spectra, effective ranks and decay rates; write "
            "summary.md and PNG figures (matplotlib: pip install 'specref[plot]') into --out. Exit 0 on success, "
            "2 on a usage error or a missing matplotlib."
        ),
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder for summary.md and the figures (created)")
    p.add_argument("--points", type=int, default=1001, help="points of [0, 1] (default 1001, the seed's)")
    p.add_argument("--scales", type=float, nargs="+", default=None, metavar="S",
                   help="feature scales (default 1 10 100)")
    p.add_argument("--seed", type=int, default=0, help="seed of every draw (default 0)")
    p.add_argument("--no-figures", action="store_true", help="write summary.md only (no matplotlib needed)")
    p.add_argument("--no-progress", action="store_true", help="do not show the progress bar")


def run_signature(args) -> int:
    """Run the study and write its report; 2 for bad arguments or a missing matplotlib."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from specref.neural_kernels.signature import PLOT_HINT, STUDY_SCALES, run_study, write_report

    if not args.no_figures:
        try:
            import matplotlib  # noqa: F401
        except ModuleNotFoundError:
            print(f"specref signature: {PLOT_HINT}", file=sys.stderr)
            return 2
    if args.points < 2:
        print(f"specref signature: --points must be >= 2, got {args.points}", file=sys.stderr)
        return 2
    scales = tuple(args.scales) if args.scales else STUDY_SCALES
    if any(not (s > 0 and s < float("inf")) for s in scales):
        print(f"specref signature: every scale must be finite and > 0, got {list(scales)}", file=sys.stderr)
        return 2
    console = Console(stderr=True)
    start = time.perf_counter()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  disable=args.no_progress, transient=True) as bar:
        task = bar.add_task("signature", total=None)
        results = run_study(points=args.points, scales=scales, seed=args.seed,
                            progress=lambda what: bar.update(task, description=what))
        bar.update(task, description="figures and summary")
        written = write_report(results, args.out, points=args.points, figures=not args.no_figures)
    print(f"specref signature: {len(results)} kernels on {args.points} points, {len(written)} files in {args.out} "
          f"({time.perf_counter() - start:.1f} s)")
    for path in written:
        print(f"  {path}")
    return 0
