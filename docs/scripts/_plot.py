"""The docs' figures, drawn with matplotlib and returned as SVG text (the build writes them, nothing is drawn by hand).

:func:`loglog` draws lines on log-log axes (the approximation studies, the scaling sweeps, FFT accuracy);
:func:`semilogy` lines on a linear x and a logarithmic y axis (a training loss against the step); :func:`bars`
grouped horizontal bars (the memory table); :func:`figure` opens a figure for a script that draws something else
(images, stems) and :func:`to_svg` turns it into text; :func:`write_figures` writes a script's figures into
docs/figures/. The SVG is deterministic: no date in its metadata and a fixed hash salt for its element ids, so
the same numbers give the same file.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

__all__ = ["COLORS", "FIGURES", "figure", "to_svg", "write_figures", "loglog", "semilogy", "bars"]

FIGURES = Path(__file__).resolve().parents[1] / "figures"  # where the build and the scripts write
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")

plt.rcParams.update({"svg.hashsalt": "specref", "svg.fonttype": "none", "font.size": 9, "axes.grid": True,
                     "grid.alpha": 0.3})


def figure(width=560, height=380, **subplots):
    """A figure of ``width`` x ``height`` pixels (at 100 dpi) and its axes: ``plt.subplots(**subplots)``."""
    return plt.subplots(figsize=(width / 100, height / 100), **subplots)


def to_svg(fig) -> str:
    """The figure as SVG text (no date, fixed ids); the figure is closed."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def write_figures(figures: dict) -> list:
    """Write ``{file name: SVG text}`` into docs/figures/ (created if missing); return the names written."""
    FIGURES.mkdir(exist_ok=True)
    for name, text in figures.items():
        (FIGURES / name).write_text(text, encoding="utf-8")
    return list(figures)


def loglog(series, *, xlabel: str, ylabel: str, references=(), x_ticks=None, width=560, height=380,
           x_log_base=2) -> str:
    """Lines with markers on log-log axes.

    Parameters
    ----------
    series : list of (name, xs, ys, color)
    references : list of (name, (x0, y0), (x1, y1)), drawn dashed gray (e.g. a slope the docs claim)
    x_ticks : the x values labelled (default: the first series' xs)
    x_log_base : 2 or 10, the base of the x axis
    """
    fig, ax = figure(width, height)
    for name, xs, ys, color in series:
        ax.plot(xs, ys, "o-", color=color, label=name, markersize=3, linewidth=1.5)
    for name, (x0, y0), (x1, y1) in references:
        ax.plot([x0, x1], [y0, y1], "--", color="gray", label=name, linewidth=1)
    ax.set_xscale("log", base=x_log_base)
    ax.set_yscale("log")
    ticks = x_ticks if x_ticks is not None else series[0][1]
    ax.set_xticks(list(ticks), [str(t) for t in ticks])
    ax.minorticks_off() if x_log_base == 2 else None
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
    return to_svg(fig)


def semilogy(series, *, xlabel: str, ylabel: str, width=560, height=340, x_ticks=5, x_range=None) -> str:
    """Lines on a linear x axis and a log10 y axis; ``series`` is a list of (name, xs, ys, color), ys > 0;
    ``x_range`` (x0, x1) sets the axis (default: the data's), with ``x_ticks`` + 1 labelled places."""
    fig, ax = figure(width, height)
    for name, xs, ys, color in series:
        ax.plot(xs, ys, "-", color=color, label=name, linewidth=1.5)
    ax.set_yscale("log")
    if x_range is not None:
        ax.set_xlim(*x_range)
    ax.locator_params(axis="x", nbins=x_ticks)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
    return to_svg(fig)


def bars(groups, *, xlabel: str, names, width=640, bar=9) -> str:
    """Grouped horizontal bars: ``groups`` is a list of (label, values) with one value per entry of ``names``
    (None: no bar); the scale is linear from 0."""
    per = bar * len(names) + 8
    fig, ax = figure(width, 40 + per * len(groups) + 40)
    for g, (_, values) in enumerate(groups):
        for i, v in enumerate(values):
            if v is not None:
                ax.barh(g * per + i * bar, v, height=bar - 1, color=COLORS[i % len(COLORS)],
                        label=names[i] if g == 0 or all(vs[i] is None for _, vs in groups[:g]) else None)
    ax.set_yticks([g * per + bar * (len(names) - 1) / 2 for g in range(len(groups))], [lab for lab, _ in groups])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
    return to_svg(fig)
