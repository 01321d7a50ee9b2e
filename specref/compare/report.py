"""The one writer of validation/REPORT.md and of the comparison JSON (``specref compare --all --report ...``).

The markdown holds: a header (how it was generated, the environment, every peer's version or its pip
command), one summary row per peer, component, dtype and verdict (configurations, the worst error as a
fraction of its bound, the largest error), then every configuration of every peer with each tensor's error
and bound, the verdict (``pass``, ``known: <slug>``, ``FAIL``) and the notes, and last the approximation
quality of specref's random-feature attention against exact softmax attention (:func:`approximation_section`,
a seeded study with no peer). The JSON holds every
comparison's :meth:`~specref.compare.result.Comparison.to_json` (bound reasons included), the peers and the
environment (:func:`specref.cli.environment`). The header names the machine and the date (UTC); neither file
records timings, so a report regenerated on the same day and machine differs only where a result did.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from specref.compare.result import Comparison

__all__ = ["Outcome", "PeerStatus", "ratio", "worst_ratio", "max_error", "group_rows", "peer_versions",
           "render_markdown", "approximation_section", "write_report", "write_json", "report_json", "fmt", "fmt_ratio"]

# peer -> the distributions whose versions the header shows (first: the peer itself)
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "spectrans": ("spectrans", "torch"),
    "torch": ("torch",),
    "jax": ("jax", "jaxlib"),
    "scipy": ("scipy",),
    "pywt": ("PyWavelets",),
    "sklearn": ("scikit-learn",),
    "torch-dct": ("torch-dct", "torch"),
    "ptwt": ("ptwt", "torch"),
    "neuraloperator": ("neuraloperator", "torch"),
    "performer-pytorch": ("performer-pytorch", "torch"),
}


@dataclass(frozen=True)
class Outcome:
    """One suite case's result: the peer as named on the command line, the case id, the comparison."""

    peer: str
    case_id: str
    comparison: Comparison


@dataclass(frozen=True)
class PeerStatus:
    """A peer of the run: ``state`` is ``"compared"``, ``"not installed"`` or ``"no suite"``; ``pip`` the
    command that installs it; ``cases`` the number of suite cases run."""

    peer: str
    state: str
    pip: str = ""
    cases: int = 0
    reason: str = ""  # for "no suite": why (the suite module's first docstring line)


def ratio(error: float, bound: float) -> float:
    """``error / bound`` (0 for an exact zero error against a zero bound, inf for a positive one)."""
    if bound > 0:
        return error / bound
    return 0.0 if error == 0 else math.inf


def worst_ratio(c: Comparison) -> float | None:
    """The largest error / bound over the comparison's tensors (None when none was compared)."""
    return max((ratio(t.error, t.bound.value) for t in c.tensors), default=None)


def max_error(c: Comparison) -> float | None:
    return max((t.error for t in c.tensors), default=None)


def _max(values: Iterable) -> float | None:
    values = [v for v in values if v is not None]
    return max(values) if values else None


def group_rows(outcomes: Sequence[Outcome]) -> list[dict]:
    """One row per (peer, component, dtype, verdict) in first-seen order: configurations, worst error /
    bound, largest error."""
    groups: dict[tuple, list[Comparison]] = {}
    for o in outcomes:
        c = o.comparison
        groups.setdefault((o.peer, c.component, c.dtype, c.verdict), []).append(c)
    return [{"peer": peer, "component": component, "dtype": dtype, "verdict": verdict, "configurations": len(cs),
             "worst_ratio": _max(worst_ratio(c) for c in cs), "max_error": _max(max_error(c) for c in cs)}
            for (peer, component, dtype, verdict), cs in groups.items()]


def peer_versions() -> dict[str, dict[str, str | None]]:
    """peer -> {distribution: installed version or None}, read from the package metadata (nothing imported)."""
    import importlib.metadata as md

    out = {}
    for peer, dists in DISTRIBUTIONS.items():
        versions = {}
        for dist in dists:
            try:
                versions[dist] = md.version(dist)
            except md.PackageNotFoundError:
                versions[dist] = None
        out[peer] = versions
    return out


def fmt(v: float | None, spec: str = ".1e") -> str:
    if v is None:
        return "-"
    if isinstance(v, float) and not math.isfinite(v):
        return "inf" if v > 0 else "nan"
    return format(v, spec)


def fmt_ratio(v: float | None) -> str:
    """An error / bound ratio: two decimals up to 100, then in exponent form (a known difference can be 1e15)."""
    return fmt(v, ".2f") if v is None or v < 100 else fmt(v, ".1e")


def _cell(text: str) -> str:
    """A markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _counts(outcomes: Sequence[Outcome]) -> dict:
    cs = [o.comparison for o in outcomes]
    known = sum(1 for c in cs if c.known)
    passed = sum(1 for c in cs if c.passed and not c.known)
    return {"comparisons": len(cs), "pass": passed, "known": known, "fail": len(cs) - passed - known}


def _version_text(versions: dict[str, str | None]) -> str:
    return ", ".join(f"{d} {v}" for d, v in versions.items() if v) or "-"


def _today() -> str:
    import datetime

    return datetime.datetime.now(datetime.UTC).date().isoformat()


def render_markdown(outcomes: Sequence[Outcome], statuses: Sequence[PeerStatus], *, command: str,
                    environment: dict, versions: dict) -> str:
    """The report's text (see the module docstring)."""
    from specref.compare.known import KNOWN

    env_versions = environment.get("versions", {})
    counts = _counts(outcomes)
    lines = [
        "# Comparison report: specref against its peers",
        "",
        f"Generated by `{command}` (do not edit by hand).",
        "",
        f"- environment: specref {env_versions.get('specref', '?')}, numpy {env_versions.get('numpy', '?')}, "
        f"Python {env_versions.get('python', '?')}, {environment.get('machine', '?')}",
        f"- machine: {environment.get('platform', '?')}, {environment.get('threads', {}).get('cpu_count', '?')} "
        f"CPUs; date (UTC): {environment.get('date') or _today()}",
        f"- comparisons: {counts['comparisons']} ({counts['pass']} pass, {counts['known']} known differences, "
        f"{counts['fail']} FAIL)",
        "",
        "Errors are normwise, `max|peer - specref| / max|specref|` per tensor: the output, each input's gradient "
        "(`grad x`) and each parameter's (`grad <name>`, the peer's names), for one random cotangent. Each bound "
        "is derived, not tuned: two correct implementations differ by at most `2 c eps`, `c` the sum of the "
        "stages' error constants (its reason is in the JSON, `bound_reason`). A verdict `known: <slug>` names "
        "the entry of `validation/FINDINGS.md` that explains the difference (reproduction: "
        "`validation/findings/<slug>.py`).",
        "",
        "## Peers",
        "",
        "| peer | versions | status | configurations |",
        "| --- | --- | --- | --- |",
    ]
    for s in statuses:
        status = {"compared": "compared",
                  "no suite": "no comparison suite yet" + (f" ({s.reason})" if s.reason else "")}.get(
            s.state, f"not installed: `{s.pip}`")
        shown = _version_text(versions.get(s.peer, {})) if s.state != "not installed" else "-"
        lines.append(f"| {s.peer} | {_cell(shown)} | {_cell(status)} | "
                     f"{s.cases} |")
    lines += ["", "## Summary", "",
              "| peer | component | dtype | configurations | worst error / bound | max error | verdict |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in group_rows(outcomes):
        lines.append(f"| {r['peer']} | {_cell(r['component'])} | {r['dtype']} | {r['configurations']} | "
                     f"{fmt_ratio(r['worst_ratio'])} | {fmt(r['max_error'])} | {_cell(r['verdict'])} |")
    slugs = sorted({o.comparison.known for o in outcomes if o.comparison.known})
    if slugs:
        lines += ["", "Known differences:", ""]
        lines += [f"- `{slug}`: {KNOWN.get(slug, '(not in specref.compare.known)')}" for slug in slugs]
    lines += ["", "## Configurations"]
    for peer in dict.fromkeys(o.peer for o in outcomes):
        lines += ["", f"### {peer}", "",
                  "| component | configuration | dtype | error (bound) per tensor | verdict | notes |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for o in (o for o in outcomes if o.peer == peer):
            c = o.comparison
            errors = "; ".join(f"{t.name} {fmt(t.error)} ({fmt(t.bound.value)})" for t in c.tensors) or "-"
            notes = list(c.notes)
            if c.peer_error:
                notes.insert(0, f"the peer raised: {c.peer_error}")
            notes += [f"{t.name}: likely cause: {t.cause}" for t in c.tensors if t.cause]
            lines.append(f"| {_cell(c.component)} | {_cell(c.label or o.case_id)} | {c.dtype} | {_cell(errors)} | "
                         f"{_cell(c.verdict)} | {_cell('; '.join(notes))} |")
    return "\n".join(lines) + "\n"


def approximation_section() -> list[str]:
    """The report's last section: how well specref's random-feature attention approximates exact softmax
    attention (:func:`specref.layers.attention.approximation.study` with its fixed seed, pure NumPy, ~3 s)."""
    from specref.layers.attention.approximation import study, study_markdown

    return study_markdown(study())


def write_report(path, outcomes: Sequence[Outcome], statuses: Sequence[PeerStatus], *, command: str,
                 environment: dict | None = None, versions: dict | None = None) -> None:
    """Write the markdown report to ``path`` (validation/REPORT.md)."""
    from specref.cli import environment as current_environment

    text = render_markdown(outcomes, statuses, command=command,
                           environment=environment if environment is not None else current_environment(),
                           versions=versions if versions is not None else peer_versions())
    text += "\n" + "\n".join(approximation_section()) + "\n"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def _jsonable(value):
    """numpy scalars and complex numbers for ``json.dump``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, complex):
        return [value.real, value.imag]
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return repr(value)


def report_json(outcomes: Sequence[Outcome], statuses: Sequence[PeerStatus], *, command: str,
                environment: dict | None = None, versions: dict | None = None) -> dict:
    """The JSON report as a dict: the command, the environment (with every peer's versions), the peers, the
    counts, and every comparison (``to_json`` plus the suite's peer name and case id)."""
    from specref import __version__
    from specref.cli import environment as current_environment

    env = dict(environment if environment is not None else current_environment())
    env["peers"] = versions if versions is not None else peer_versions()
    env.setdefault("date", _today())
    return {
        "specref": __version__,
        "command": command,
        "environment": env,
        "peers": [{"peer": s.peer, "state": s.state, "pip": s.pip, "cases": s.cases} for s in statuses],
        "counts": _counts(outcomes),
        "comparisons": [{"suite_peer": o.peer, "case": o.case_id, **o.comparison.to_json()} for o in outcomes],
    }


def write_json(path, outcomes: Sequence[Outcome], statuses: Sequence[PeerStatus], *, command: str,
               environment: dict | None = None, versions: dict | None = None) -> None:
    """Write :func:`report_json` to ``path``."""
    data = report_json(outcomes, statuses, command=command, environment=environment, versions=versions)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, default=_jsonable)
        fh.write("\n")
