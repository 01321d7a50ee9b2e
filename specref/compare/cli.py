"""``specref compare``: run a peer's comparison suite (or every installed peer's) and report.

``specref compare PEER [COMPONENT...]`` runs the suite of one peer (:data:`specref.compare.suites.PEERS`),
optionally only some of its components; ``specref compare --all --report validation/REPORT.md --json
PATH`` runs every installed peer's suite and is the one writer of that report
(:mod:`specref.compare.report`). Output: a progress bar on stderr (``--no-progress``), then a compact table,
one row per component, dtype and verdict (configurations, the worst error as a fraction of its bound, the
largest error), every unexplained failure in full (:meth:`~specref.compare.result.Comparison.message`), the
known differences by slug, and a summary line.

Exit status: 0 when every comparison passed or a known difference explains it; 1 when one disagrees and no
known difference explains it, or a case crashed (its exception is recorded as the failure); 2 on a usage
error (an unknown peer or component, a peer not installed when named, a bad weights or output file).

``--weights FILE`` (with one COMPONENT) loads a state dict (:func:`specref.compare.weights_file.load_weights`)
into both sides instead of random values: a suite case whose ``run`` accepts a ``state_dict`` keyword
receives it (name -> NumPy array) and loads it into the peer module and into specref; a component whose cases
do not accept one is a usage error.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
import time
import warnings
from pathlib import Path

__all__ = ["add_compare_parser", "run_compare", "UsageError"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(ValueError):
    """A bad command line: reported in one line, exit status 2."""


def add_compare_parser(sub) -> None:
    """Add the ``compare`` subcommand to the ``specref`` parser."""
    from specref.compare.suites import PEERS

    p = sub.add_parser(
        "compare",
        help="compare specref with another implementation (a peer): outputs and gradients",
        description=(
            "Run a peer's comparison suite: every configuration of every specref component the peer implements, "
            "output and gradients against derived bounds. Exit 0 when all pass or a known difference explains "
            "them, 1 on an unexplained disagreement, 2 on a usage error."
        ),
    )
    p.add_argument("peer", nargs="?", metavar="PEER", help=f"the peer: {', '.join(PEERS)}")
    p.add_argument("components", nargs="*", metavar="COMPONENT",
                   help="only these specref components (default: every one the peer's suite covers)")
    p.add_argument("--all", action="store_true",
                   help="every peer; one that is not installed is listed with its pip command and skipped")
    p.add_argument("--report", metavar="PATH", help="with --all: write the markdown report (validation/REPORT.md)")
    p.add_argument("--json", metavar="PATH", help="write every comparison and the environment as JSON")
    p.add_argument("--weights", metavar="FILE",
                   help="with one COMPONENT: a state dict (.npz, .safetensors, .pt/.pth) loaded into both sides "
                        "instead of random values")
    p.add_argument("--no-progress", action="store_true", help="do not show the progress bar")


def run_compare(args) -> int:
    """Run ``specref compare`` for parsed ``args``; returns the exit status."""
    try:
        return _run(args)
    except UsageError as exc:
        print(f"specref compare: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _check_output(path: str | None, option: str) -> None:
    if path is None:
        return
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"{option} {path!r} is a directory; give a file path")
    if not p.parent.is_dir():
        raise UsageError(f"{option} {path!r}: the directory {str(p.parent)!r} does not exist")


def _check_arguments(args) -> None:
    from specref.compare import suites

    if args.all and args.peer:
        raise UsageError(f"give a PEER or --all, not both (got {args.peer!r} and --all)")
    if not args.all and not args.peer:
        raise UsageError(f"name a PEER ({', '.join(suites.PEERS)}) or give --all")
    if args.report and not args.all:
        raise UsageError("--report writes the full report and needs --all (use --json PATH for one peer)")
    if args.peer and args.peer not in suites.PEERS:
        raise UsageError(f"unknown peer {args.peer!r}; peers: {', '.join(suites.PEERS)}")
    if args.weights is not None and (args.all or len(args.components) != 1):
        raise UsageError("--weights needs a PEER and exactly one COMPONENT (the weights fit one component), got "
                         + ("--all" if args.all else f"{len(args.components)} components"))
    _check_output(args.report, "--report")
    _check_output(args.json, "--json")


def _command(args) -> str:
    parts = ["specref", "compare"]
    parts += ["--all"] if args.all else [args.peer, *args.components]
    for option in ("report", "json", "weights"):
        value = getattr(args, option)
        if value is not None:
            parts += [f"--{option}", str(value)]
    return " ".join(parts)


def _select(peer: str, cases: list, components: list) -> list:
    known = list(dict.fromkeys(c.component for c in cases))
    unknown = [c for c in components if c not in known]
    if unknown:
        raise UsageError(f"unknown component{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
                         f"for peer {peer}; its suite covers: {', '.join(known)}")
    return [c for c in cases if not components or c.component in components]


def _takes_state_dict(run) -> bool:
    try:
        params = inspect.signature(run).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "state_dict" or p.kind is p.VAR_KEYWORD for p in params)


def _load_weights(args, selected: list) -> dict:
    from specref.compare.weights_file import load_weights

    try:
        weights = load_weights(args.weights)
    except (OSError, ValueError, TypeError, ImportError) as exc:
        raise UsageError(f"bad weights file: {exc}") from exc
    refusing = [c.id for c in selected if not _takes_state_dict(c.run)]
    if refusing:
        raise UsageError(f"the {args.peer} suite's {args.components[0]} cases cannot take weights (their run() has "
                         f"no state_dict argument: {', '.join(refusing[:5])}"
                         f"{', ...' if len(refusing) > 5 else ''}); run without --weights")
    return weights


def _weighted(args, peer: str, selected: list) -> tuple[list, dict]:
    """The cases to run with ``--weights``: the suite's own cases built from the weights where it defines
    them (``weight_cases``), else the selected cases given the weights as ``state_dict``."""
    from specref.compare import suites
    from specref.compare.weights_file import load_weights

    try:
        weights = load_weights(args.weights)
    except (OSError, ValueError, TypeError, ImportError) as exc:
        raise UsageError(f"bad weights file: {exc}") from exc
    try:
        built = suites.weight_cases(peer, args.components[0], weights)
    except ValueError as exc:
        raise UsageError(f"the weights do not fit: {exc}") from exc
    if built is not None:
        return built, {}
    return selected, {"state_dict": _load_weights(args, selected)}


def _crash(peer: str, component: str, label: str, exc: BaseException):
    from specref.compare.result import Comparison

    return Comparison(peer, component, {}, "-", (), peer_error=f"{type(exc).__name__}: {exc}", label=label)


def _run(args) -> int:
    from specref.compare import suites
    from specref.compare.report import Outcome, PeerStatus

    _check_arguments(args)
    statuses: list[PeerStatus] = []
    work: list = []  # (peer, case)
    outcomes: list[Outcome] = []
    kwargs: dict = {}
    for peer in (suites.PEERS if args.all else [args.peer]):
        installed, pip = suites.peer_available(peer)
        if not installed:
            if not args.all:
                raise UsageError(f"{peer} is not installed; install it with: {pip}")
            statuses.append(PeerStatus(peer, "not installed", pip))
            continue
        try:
            peer_cases = list(suites.cases(peer))
        except Exception as exc:  # the suite itself fails to import or build: a crash, recorded as a failure
            outcomes.append(Outcome(peer, "suite", _crash(peer, "(suite)", "loading the suite", exc)))
            statuses.append(PeerStatus(peer, "compared", pip))
            continue
        if not peer_cases:
            reason = suites.summary(peer)
            if not args.all:
                raise UsageError(f"there is no comparison suite for {peer} yet" + (f": {reason}" if reason else ""))
            statuses.append(PeerStatus(peer, "no suite", pip, reason=reason))
            continue
        selected = _select(peer, peer_cases, [] if args.all else args.components)
        if args.weights is not None:
            selected, kwargs = _weighted(args, peer, selected)
        statuses.append(PeerStatus(peer, "compared", pip, len(selected)))
        work += [(peer, case) for case in selected]

    start = time.perf_counter()
    outcomes += _run_cases(work, kwargs, progress=not args.no_progress)
    elapsed = time.perf_counter() - start
    _print(outcomes, statuses, elapsed, several=args.all)
    command = _command(args)
    try:
        if args.report:
            from specref.compare.report import write_report

            write_report(args.report, outcomes, statuses, command=command)
        if args.json:
            from specref.compare.report import write_json

            write_json(args.json, outcomes, statuses, command=command)
    except OSError as exc:
        raise UsageError(f"cannot write the report: {exc}") from exc
    return EXIT_OK if all(o.comparison.explained for o in outcomes) else EXIT_FAILED


def _one(peer: str, case, kwargs: dict):
    """Run one case; an exception (of the peer, the suite or specref) becomes a failed comparison, and the
    warnings it raised become notes."""
    from specref.compare.result import Comparison

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = case.run(**kwargs)
        except Exception as exc:
            return _crash(peer, case.component, case.label, exc)
    if not isinstance(result, Comparison):
        return _crash(peer, case.component, case.label,
                      TypeError(f"the suite case returned an object of type {type(result).__name__}, not a "
                                "Comparison"))
    extra = [f"warning: {w.category.__name__}: {w.message}" for w in caught
             if not any(str(w.message) in n for n in result.notes)]
    if extra:
        result = dataclasses.replace(result, notes=tuple(result.notes) + tuple(dict.fromkeys(extra)))
    if not result.label and case.label:
        result = dataclasses.replace(result, label=case.label)
    return result


def _run_cases(work: list, kwargs: dict, *, progress: bool) -> list:
    from specref._progress import progress_bar
    from specref.compare.report import Outcome

    outcomes = []
    with progress_bar("compare", len(work), enabled=progress, width=36) as step:
        for peer, case in work:
            step(f"{peer} {case.id}", advance=0)
            outcomes.append(Outcome(peer, case.id, _one(peer, case, kwargs)))
            step(f"{peer} {case.id}")
    return outcomes


def _print(outcomes: list, statuses: list, elapsed: float, *, several: bool) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from specref.compare.known import KNOWN
    from specref.compare.report import fmt, fmt_ratio, group_rows

    console = Console(width=None if sys.stdout.isatty() else 132)
    table = Table(title="specref compare" + ("" if several else f" {statuses[0].peer}" if statuses else ""))
    columns = (["peer"] if several else []) + ["component", "dtype", "configs", "worst/bound", "max error",
                                                "verdict"]
    for col in columns:
        numeric = col in ("configs", "worst/bound", "max error")
        table.add_column(col, justify="right" if numeric else "left", no_wrap=col in ("verdict", "component"))
    for r in group_rows(outcomes):
        verdict = r["verdict"]
        style = "green" if verdict == "pass" else "yellow" if verdict.startswith("known") else "red"
        cells = ([r["peer"]] if several else []) + [
            escape(r["component"]), r["dtype"], str(r["configurations"]), fmt_ratio(r["worst_ratio"]),
            fmt(r["max_error"]), f"[{style}]{escape(verdict)}[/{style}]"]
        table.add_row(*cells)
    console.print(table)

    def say(text: str, **kw) -> None:  # plain text, never wrapped or styled by rich's markup
        console.print(text, markup=False, highlight=False, soft_wrap=True, **kw)

    for s in statuses:
        if s.state == "not installed":
            say(f"{s.peer}: not installed: {s.pip}")
        elif s.state == "no suite":
            say(f"{s.peer}: no comparison suite yet" + (f" ({s.reason})" if s.reason else ""))
    failed = [o for o in outcomes if not o.comparison.explained]
    for o in failed:
        say(f"FAILED {o.peer} {o.case_id}", style="red")
        say(o.comparison.message())
    known: dict[tuple, int] = {}
    for o in outcomes:
        if o.comparison.known:
            key = (o.peer, o.comparison.component, o.comparison.known)
            known[key] = known.get(key, 0) + 1
    for (peer, component, slug), n in known.items():
        say(f"known: {slug} ({peer} {component}, {n} configuration{'s' if n > 1 else ''}): "
            f"{KNOWN.get(slug, '(not in specref.compare.known)')}")
    n_known = sum(1 for o in outcomes if o.comparison.known)
    n_pass = sum(1 for o in outcomes if o.comparison.passed and not o.comparison.known)
    say(f"{len(outcomes)} comparisons: {n_pass} passed, {n_known} known differences, {len(failed)} failed "
        f"in {elapsed:.1f} s")
