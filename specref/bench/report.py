"""What ``specref bench`` shows and writes: one table per family on screen, Markdown for the docs, and the JSON
record (machine, versions, thread settings, date, every row).

A row is one component at one point, dtype and mode (``forward`` or ``forward_backward``): specref's median
time, then per peer its median and the ratio specref/peer (below 1: specref faster), marked ✓/✗ where the
case states a goal. The spread (the interquartile range over the median) says how much to trust a ratio.
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["peer_columns", "ratio_cell", "time_cell", "markdown_tables", "sweep_markdown", "print_tables",
           "print_sweeps", "record", "write_record", "result_path"]

MODE_NAMES = {"forward": "fwd", "forward_backward": "fwd+bwd"}
DTYPE_NAMES = {"float32": "f32", "float64": "f64"}


def peer_columns(rows: Sequence[dict]) -> list:
    """The peers that appear in ``rows`` (timed or unavailable), in a stable order: torch, jax, bound, others."""
    seen = []
    for r in rows:
        for name in [*r["ratios"], *r["unavailable"]]:
            if name not in seen:
                seen.append(name)
    order = {"torch": 0, "jax": 1, "bound": 2}
    return sorted(seen, key=lambda n: (order.get(n, 3), n))


def time_cell(t: dict | None) -> str:
    if t is None:
        return "-"
    ms = 1e3 * t["median_s"]
    return f"{ms:.3g}" if ms >= 0.1 else f"{ms:.2g}"


def ratio_cell(row: dict, peer: str) -> str:
    """``0.72 ✓`` (goal met), ``1.4 ✗`` (missed), ``0.9`` (no goal), ``-`` (peer did not run)."""
    if peer not in row["ratios"]:
        return "-"
    ratio = row["ratios"][peer]
    goal = row.get("goals", {}).get(peer)
    mark = "" if goal is None else (" ✓" if ratio <= goal else " ✗")
    return f"{ratio:.2f}{mark}"


def _spread_cell(t: dict) -> str:
    spread = (t["q3_s"] - t["q1_s"]) / t["median_s"] if t["median_s"] > 0 else 0.0
    return f"{100 * spread:.0f}%"


def _by_family(rows: Iterable[dict]) -> dict:
    out = {}
    for r in rows:
        out.setdefault(r["family"], []).append(r)
    return out


def _header(peers: list) -> list:
    return ["component", "size", "dtype", "mode", "specref ms (spread)"] + [f"{p} ms (specref/{p})" for p in peers]


def _peer_cell(r: dict, p: str) -> str:
    if p not in r["times"]:
        return "-"
    return f"{time_cell(r['times'][p])} ({ratio_cell(r, p)})"


def _cells(r: dict, peers: list) -> list:
    return [r["component"], r["label"], DTYPE_NAMES.get(r["dtype"], r["dtype"]), MODE_NAMES[r["mode"]],
            f"{time_cell(r['times']['specref'])} ({_spread_cell(r['times']['specref'])})",
            *(_peer_cell(r, p) for p in peers)]


def _mib(v) -> str:
    return "-" if v is None else f"{v / 1024.0**2:.3g}"


def _memory_header(peers: list) -> list:
    return ["component", "size", "dtype", "floor MiB", "specref traced MiB", "specref RSS MiB",
            *(f"{p} RSS MiB (specref/{p})" for p in peers)]


def _memory_cells(r: dict, peers: list) -> list:
    spec = r["memory"].get("specref", {})
    cells = [r["component"], r["label"], DTYPE_NAMES.get(r["dtype"], r["dtype"]), _mib(r.get("floor_bytes")),
             _mib(spec.get("traced")), _mib(spec.get("rss"))]
    for p in peers:
        peer = r["memory"].get(p)
        ratio = r["ratios"].get(p)
        cells.append("-" if peer is None else f"{_mib(peer['rss'])} ({'-' if ratio is None else f'{ratio:.2f}'})")
    return cells


def _is_memory(rows) -> bool:
    return bool(rows) and "memory" in rows[0]


def _table_parts(frows):
    peers = [p for p in peer_columns(frows) if not (_is_memory(frows) and p == "bound")]
    if _is_memory(frows):
        return _memory_header(peers), [_memory_cells(r, peers) for r in frows]
    return _header(peers), [_cells(r, peers) for r in frows]


def markdown_tables(rows: Sequence[dict]) -> str:
    """One Markdown table per family (the docs' performance page); timing or memory rows."""
    out = []
    for family, frows in _by_family(rows).items():
        head, body = _table_parts(frows)
        out += [f"#### {family}", "", "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        out += ["| " + " | ".join(cells) + " |" for cells in body]
        missing = sorted({f"{p}: {why}" for r in frows for p, why in r["unavailable"].items()})
        out += [""] + [f"- not run: {m}" for m in missing] + ([""] if missing else [])
    return "\n".join(out)


SWEEP_HEAD = ("component", "swept", "sizes", "slope (95% CI)", "claim (slope)", "within CI",
              "large sizes", "slope there (95% CI)", "claim there", "within CI there")


def _sweep_cells(s: dict) -> list:
    """One sweep's cells: the fit over every size, then over the sizes past the fixed per-call cost."""
    def fit(f, claim, within):
        lo, hi = f["ci95"]
        return [f"{f['slope']:.2f} ({lo:.2f}, {hi:.2f})", f"{claim:.2f}", "yes" if within else "no"]

    full = fit(s["fit"], s["claimed_slope"], s["within_ci"])
    cells = [s["component"], s["param"], f"{s['values'][0]} .. {s['values'][-1]}", full[0],
             f"{s['claim']} ({full[1]})", full[2]]
    tail = s.get("asymptotic")
    if tail is None:
        return cells + ["-", "-", "-", "-"]
    there = fit(tail["fit"], tail["claimed_slope"], tail["within_ci"])
    return cells + [f"{tail['values'][0]} .. {tail['values'][-1]}", *there]


def sweep_markdown(sweeps: Sequence[dict]) -> str:
    """The sweeps' table: component, sizes, fitted slope with its 95% interval beside the claim's slope, over
    every size and over the sizes whose time is at least ten times the smallest's (the fixed cost under 10%)."""
    lines = ["| " + " | ".join(SWEEP_HEAD) + " |", "|" + " --- |" * len(SWEEP_HEAD)]
    lines += ["| " + " | ".join(_sweep_cells(s)) + " |" for s in sweeps]
    return "\n".join(lines)


def print_tables(rows: Sequence[dict], *, console=None) -> None:
    """The rich tables on screen, one per family (timing or memory rows)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = console or Console(width=None if Console().is_terminal else 200)
    for family, frows in _by_family(rows).items():
        head, body = _table_parts(frows)
        kind = "peak memory of forward+backward" if _is_memory(frows) else "median time"
        table = Table(title=f"specref bench: {family} ({kind})", title_justify="left")
        for i, h in enumerate(head):
            table.add_column(h, justify="left" if i < 4 else "right")
        for cells in body:
            table.add_row(*(escape(c) for c in cells))  # names such as "GaussianRFFKernel[cos+sin]"
        console.print(table)
        for m in sorted({f"{p}: {why}" for r in frows for p, why in r["unavailable"].items()}):
            console.print(f"  not run: {escape(m)}")


def print_sweeps(sweeps: Sequence[dict], console=None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = console or Console(width=None if Console().is_terminal else 200)
    table = Table(title="specref bench: scaling (forward+backward, log-log slope)", title_justify="left")
    for h in SWEEP_HEAD:
        table.add_column(h)
    for s in sweeps:
        table.add_row(*(escape(c) for c in _sweep_cells(s)))
    console.print(table)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def record(rows, sweeps, *, settings: dict, threads: dict, args: dict, elapsed: float) -> dict:
    """The JSON record of a run: date, machine, versions (specref's and the peers'), threads, rows, sweeps."""
    import importlib.metadata as md
    import sys

    from specref.cli import environment

    env = environment()
    for dist in ("torch", "jax", "jaxlib", "spectrans", "PyWavelets", "threadpoolctl"):
        try:
            env["versions"][dist] = md.version(dist)
        except md.PackageNotFoundError:
            continue
    env["cpu"] = _cpu_model()
    return {
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "specref bench " + " ".join(sys.argv[2:]) if len(sys.argv) > 1 else "specref bench",
        "args": args,
        "elapsed_s": round(elapsed, 1),
        "environment": env,
        "thread_setting": settings,
        "threads": threads,
        "rows": list(rows),
        "sweeps": list(sweeps),
    }


def result_path(directory: Path, setting: str, *, quick: bool, tag: str = "") -> Path:
    """``<directory>/bench_<date>_t<setting>[_quick][_<tag>].json``."""
    date = _dt.date.today().isoformat()
    name = f"bench_{date}_t{setting}{'_quick' if quick else ''}{'_' + tag if tag else ''}.json"
    return Path(directory) / name


def write_record(path: Path, rec: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(rec, f, indent=1)
        f.write("\n")
