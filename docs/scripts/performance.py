"""Write docs/performance.md and its figures from the committed records in benchmarks/results/.

Reads the full (not ``--quick``) records of ``specref bench`` in benchmarks/results/, merged per kind (a later
record's row replaces an earlier one of the same component, size, dtype and mode): the timing runs at one
thread (``bench_<date>_t1[_<tag>].json``) and at the machine's cores (``bench_<date>_tall[_<tag>].json``), the
memory runs (``..._tall_memory[_<tag>].json``) and the sweep runs (``..._tall_sweep[_<tag>].json``), and writes the
ratio tables, the goal counts, the sweep table with one log-log figure per family, and the memory table with
its figure. The prose that explains the numbers is :data:`SUMMARY` below, kept beside the numbers it cites.
The docs build reads only the generated files (no torch, no JAX, no plotting library).

Usage: python docs/scripts/performance.py  (after the runs that docs/performance.md names)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _svg import COLORS, bars, loglog  # noqa: E402  (docs/scripts is not a package)

from specref.bench.report import markdown_tables, sweep_markdown  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
DOCS = ROOT / "docs"
FIGURES = DOCS / "figures"

SUMMARY = """\
See the summary at the top of this page (written by hand from the tables below)."""


def _kind(path: Path) -> tuple:
    """(setting, kind) of a record's file name ``bench_<date>_t<setting>[_quick][_memory][_sweep][_<tag>].json``."""
    parts = path.stem.split("_")
    setting = parts[2][1:]
    kind = "quick" if "quick" in parts else "memory" if "memory" in parts else "sweep" if "sweep" in parts else "time"
    return setting, kind


def load(setting: str, kind: str) -> tuple[dict | None, str]:
    """The records of one setting and kind merged in the order they were taken (their ``date``: a later
    record's row replaces an earlier one of the same component, size, dtype and mode), the newest record's
    header kept; the files named."""
    paths = [p for p in RESULTS.glob("bench_*.json") if _kind(p) == (setting, kind)]
    if not paths:
        return None, ""
    records = sorted(((json.loads(p.read_text(encoding="utf-8")), p) for p in paths), key=lambda rp: rp[0]["date"])
    paths = [p for _, p in records]
    merged, rows, sweeps = None, {}, {}
    for rec, _ in records:
        merged = rec
        for r in rec["rows"]:
            rows[(r["component"], r["label"], r["dtype"], r["mode"])] = r
        for sw in rec["sweeps"]:
            sweeps[sw["component"]] = sw
    merged = {**merged, "rows": list(rows.values()), "sweeps": list(sweeps.values())}
    return merged, ", ".join(f"`{p.relative_to(ROOT).as_posix()}`" for p in paths)


def goal_counts(rows) -> str:
    """``met/total`` per peer over the rows that state a goal for it."""
    counts = {}
    for r in rows:
        for peer, goal in r.get("goals", {}).items():
            if peer in r["ratios"]:
                met, total = counts.get(peer, (0, 0))
                counts[peer] = (met + (r["ratios"][peer] <= goal), total + 1)
    return ", ".join(f"specref/{p} at goal in {m} of {t} cells" for p, (m, t) in sorted(counts.items())) or "no goals"


def environment_line(rec: dict) -> str:
    env = rec["environment"]
    versions = env["versions"]
    names = ("specref", "numpy", "scipy", "numba", "torch", "jax", "spectrans")
    vs = ", ".join(f"{k} {versions[k]}" for k in names if k in versions)
    pools = rec["threads"].get("pools")
    blas = "; ".join(f"{p['internal_api']} {p.get('architecture') or ''} x{p['num_threads']}".replace("  ", " ")
                     for p in pools) if isinstance(pools, list) else str(pools)
    return (f"{rec['date']}, {env.get('cpu', '?')}, {len(rec['threads']['cpu_affinity'])} core(s) used; {vs}; "
            f"thread pools: {blas}")


def timing_section(rec: dict | None, path: str, title: str) -> list:
    if rec is None:
        return [f"## {title}", "", "No record yet: run the command above.", ""]
    return [f"## {title}", "", f"Records: {path} ({environment_line(rec)}).", "",
            f"Goals: {goal_counts(rec['rows'])}.", "", markdown_tables(rec["rows"]), ""]


def sweep_figures(rec: dict) -> list:
    out = []
    by_family = {}
    for s in rec["sweeps"]:
        by_family.setdefault(s["family"], []).append(s)
    FIGURES.mkdir(exist_ok=True)
    for family, sweeps in by_family.items():
        series = [(s["component"], s["values"], [1e3 * t for t in s["times_s"]], COLORS[i % len(COLORS)])
                  for i, s in enumerate(sweeps)]
        name = f"performance_scaling_{family.replace(' ', '_')}.svg"
        (FIGURES / name).write_text(loglog(series, xlabel=f"{sweeps[0]['param']} (sequence length)",
                                           ylabel="forward+backward, ms"), encoding="utf-8")
        out += [f"![scaling of the {family} components](figures/{name})", ""]
    return out


def memory_figure(rec: dict) -> list:
    rows = [r for r in rec["rows"] if r["dtype"] == "float32"] or rec["rows"]
    peers = [p for p in ("torch", "jax") if any(p in r["memory"] for r in rows)]
    names = ["floor (context)", "specref", *peers]
    mib = 1024.0**2
    groups = []
    for r in rows:
        values = [r.get("floor_bytes"), r["memory"]["specref"].get("rss")]
        values += [r["memory"].get(p, {}).get("rss") for p in peers]
        groups.append((f"{r['component']} ({r['label']})"[:36], [None if v is None else v / mib for v in values]))
    FIGURES.mkdir(exist_ok=True)
    (FIGURES / "performance_memory.svg").write_text(bars(groups, xlabel="peak memory of forward+backward, MiB "
                                                         f"({rows[0]['dtype']})", names=names), encoding="utf-8")
    return ["![peak memory](figures/performance_memory.svg)", ""]


def main() -> None:
    t1, p1 = load("1", "time")
    tall, pall = load("all", "time")
    mem, pmem = load("all", "memory")
    sweep, psweep = load("all", "sweep")
    text = [
        "# Performance",
        "",
        "Generated by `python docs/scripts/performance.py` from the records of `specref bench` in",
        "`benchmarks/results/` (do not edit by hand; edit `SUMMARY` in the script). Every number is a ratio",
        "of medians measured in the same process run (specref / peer: below 1, specref is faster), at one",
        "pinned thread and at the machine's cores, as a user runs it. The runs:",
        "",
        "```bash",
        "bash validation/setup_peers.sh                       # torch 2.13 CPU, JAX, spectrans in .venv-peers",
        ".venv-peers/bin/specref bench --threads 1 all       # the two timing records",
        ".venv-peers/bin/specref bench --memory               # peak memory, a run of its own",
        ".venv-peers/bin/specref bench --sweep-only           # the scaling sweeps",
        ".venv-peers/bin/python docs/scripts/performance.py  # this page",
        "```",
        "",
        "Columns: `specref ms (spread)` is specref's median time and the interquartile range of its rounds",
        "over the median; each peer column gives the peer's median and, in parentheses, the ratio specref/peer,",
        "marked ✓/✗ where the issue set a goal (FFT layers: 0.8 against torch and JAX, 1.3 against the",
        "FFT-pass bound `bound`, the FFTs the math cannot avoid timed with scipy.fft). `torch` is spectrans",
        "0.1.0 (or torch's own module) under CPU autograd; `jax` the same math under `jax.jit(jax.vjp)`.",
        "`fwd+bwd` is the forward and every gradient (input and parameters).",
        "",
        "## Summary",
        "",
        SUMMARY,
        "",
    ]
    text += timing_section(tall, pall, "All cores (what a user gets)")
    text += timing_section(t1, p1, "One thread")
    text += ["## Scaling", ""]
    if sweep is None:
        text += ["No sweep record yet.", ""]
    else:
        text += [f"Records: {psweep} ({environment_line(sweep)}). specref's forward+backward over the sequence",
                 "length (float64); the slope is the least-squares slope of log(time) against log(N) with its 95%",
                 "confidence interval, beside the slope of the complexity the docs claim fitted over the same sizes",
                 "(so N log N claims about 1.1 over 2^8 .. 2^16). At the small sizes a call's fixed cost (Python,",
                 "argument checks, ~0.1-1 ms) dominates and flattens the slope over every size; the last four",
                 "columns fit only the sizes whose time is at least ten times the smallest size's, where that cost",
                 "is under a tenth, which is the exponent of the work.", "", sweep_markdown(sweep["sweeps"]), ""]
        text += sweep_figures(sweep)
    text += ["## Memory", ""]
    if mem is None:
        text += ["No memory record yet.", ""]
    else:
        text += [f"Records: {pmem} ({environment_line(mem)}). Peak memory of one forward+backward after a warm-up",
                 "call: `floor` is the bytes of the arrays specref's context keeps for the backward (what any",
                 "implementation of the same backward must keep), `traced` what tracemalloc sees NumPy allocate,",
                 "`RSS` the rise of the resident set (the same measure for every engine; glibc's malloc set to",
                 "return freed blocks, specref.bench.memory).", "", markdown_tables(mem["rows"]), ""]
        text += memory_figure(mem)
    (DOCS / "performance.md").write_text("\n".join(text) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
