"""Hand-written SVG plots for the docs' generated figures (no plotting library: the docs build needs none).

:func:`loglog` draws lines on log-log axes (the approximation study, the scaling sweeps); :func:`semilogy`
lines on a linear x and a logarithmic y axis (a training loss against the step); :func:`bars` draws grouped
horizontal bars (the memory table). Both return the SVG text; the callers write the files.
"""

from __future__ import annotations

import math

__all__ = ["COLORS", "loglog", "semilogy", "bars"]

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")


def _open(w: int, h: int) -> list:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" '
            'font-size="12">']


def loglog(series, *, xlabel: str, ylabel: str, references=(), x_ticks=None, width=560, height=380,
           x_log_base=2) -> str:
    """Lines on log-log axes.

    Parameters
    ----------
    series : list of (name, xs, ys, color)
    references : list of (name, (x0, y0), (x1, y1)), drawn dashed gray (e.g. a slope the docs claim)
    x_ticks : the x values labelled (default: the first series' xs)
    x_log_base : 2 or 10, the base of the x axis' tick spacing
    """
    w, h, left, right, top, bottom = width, height, 70, 170, 20, 50
    ys_all = [y for _, _, ys, _ in series for y in ys] + [p[1] for _, a, b in references for p in (a, b)]
    xs_all = [x for _, xs, _, _ in series for x in xs]
    lo, hi = math.floor(math.log10(min(ys_all))), math.ceil(math.log10(max(ys_all)))
    hi = hi if hi > lo else lo + 1
    log = math.log2 if x_log_base == 2 else math.log10
    x0, x1 = log(min(xs_all)), log(max(xs_all))
    x1 = x1 if x1 > x0 else x0 + 1

    def px(x):
        return left + (log(x) - x0) / (x1 - x0) * (w - left - right)

    def py(y):
        return top + (hi - math.log10(y)) / (hi - lo) * (h - top - bottom)

    out = _open(w, h) + [f'<rect x="{left}" y="{top}" width="{w - left - right}" height="{h - top - bottom}" '
                         'fill="none" stroke="black"/>']
    for x in x_ticks if x_ticks is not None else series[0][1]:
        out.append(f'<text x="{px(x):.1f}" y="{h - bottom + 16}" text-anchor="middle">{x}</text>')
    for p in range(lo, hi + 1):
        out.append(f'<text x="{left - 6}" y="{py(10.0 ** p) + 4:.1f}" text-anchor="end">1e{p}</text>')
    out.append(f'<text x="{(w - right + left) / 2}" y="{h - 10}" text-anchor="middle">{xlabel}</text>')
    out.append(f'<text x="14" y="{(h - bottom + top) / 2}" transform="rotate(-90 14 {(h - bottom + top) / 2})" '
               f'text-anchor="middle">{ylabel}</text>')
    k = 0
    for name, (ax, ay), (bx, by) in references:
        out.append(f'<line x1="{px(ax):.1f}" y1="{py(ay):.1f}" x2="{px(bx):.1f}" y2="{py(by):.1f}" stroke="gray" '
                   'stroke-dasharray="4 3"/>')
        out.append(f'<text x="{w - right + 10}" y="{top + 20 + 18 * (len(series) + k)}" fill="gray">{name}</text>')
        k += 1
    for i, (name, xs, ys, color) in enumerate(series):
        pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys, strict=True))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="1.5"/>')
        out += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="{color}"/>'
                for x, y in zip(xs, ys, strict=True)]
        out.append(f'<text x="{w - right + 10}" y="{top + 20 + 18 * i}" fill="{color}">{name}</text>')
    return "\n".join(out + ["</svg>"]) + "\n"


def semilogy(series, *, xlabel: str, ylabel: str, width=560, height=340, x_ticks=5, x_range=None) -> str:
    """Lines on a linear x axis and a log10 y axis; ``series`` is a list of (name, xs, ys, color), ys > 0;
    ``x_range`` (x0, x1) sets the axis (default: the data's), labelled at ``x_ticks`` + 1 even places."""
    w, h, left, right, top, bottom = width, height, 70, 150, 20, 50
    ys_all = [y for _, _, ys, _ in series for y in ys]
    xs_all = [x for _, xs, _, _ in series for x in xs]
    lo, hi = math.floor(math.log10(min(ys_all))), math.ceil(math.log10(max(ys_all)))
    hi = hi if hi > lo else lo + 1
    x0, x1 = x_range if x_range is not None else (min(xs_all), max(xs_all))
    x1 = x1 if x1 > x0 else x0 + 1

    def px(x):
        return left + (x - x0) / (x1 - x0) * (w - left - right)

    def py(y):
        return top + (hi - math.log10(y)) / (hi - lo) * (h - top - bottom)

    out = _open(w, h) + [f'<rect x="{left}" y="{top}" width="{w - left - right}" height="{h - top - bottom}" '
                         'fill="none" stroke="black"/>']
    for i in range(x_ticks + 1):
        x = x0 + (x1 - x0) * i / x_ticks
        out.append(f'<text x="{px(x):.1f}" y="{h - bottom + 16}" text-anchor="middle">{x:.0f}</text>')
    for p in range(lo, hi + 1):
        out.append(f'<text x="{left - 6}" y="{py(10.0 ** p) + 4:.1f}" text-anchor="end">1e{p}</text>')
    out.append(f'<text x="{(w - right + left) / 2}" y="{h - 10}" text-anchor="middle">{xlabel}</text>')
    out.append(f'<text x="14" y="{(h - bottom + top) / 2}" transform="rotate(-90 14 {(h - bottom + top) / 2})" '
               f'text-anchor="middle">{ylabel}</text>')
    for i, (name, xs, ys, color) in enumerate(series):
        pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys, strict=True))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="1.5"/>')
        out.append(f'<text x="{w - right + 10}" y="{top + 20 + 18 * i}" fill="{color}">{name}</text>')
    return "\n".join(out + ["</svg>"]) + "\n"


def bars(groups, *, xlabel: str, names, width=640, bar=9) -> str:
    """Grouped horizontal bars: ``groups`` is a list of (label, values) with one value per entry of ``names``
    (None: no bar); the scale is linear from 0 to the largest value."""
    left, right, top = 230, 110, 20
    per = bar * len(names) + 8
    h = top + per * len(groups) + 40
    vmax = max(v for _, vs in groups for v in vs if v is not None) or 1.0
    span = width - left - right
    out = _open(width, h)
    for g, (label, values) in enumerate(groups):
        y = top + g * per
        out.append(f'<text x="{left - 6}" y="{y + per / 2:.1f}" text-anchor="end">{label}</text>')
        for i, v in enumerate(values):
            if v is None:
                continue
            out.append(f'<rect x="{left}" y="{y + i * bar}" width="{v / vmax * span:.1f}" height="{bar - 1}" '
                       f'fill="{COLORS[i % len(COLORS)]}"/>')
    y_axis = top + per * len(groups)
    out.append(f'<line x1="{left}" y1="{y_axis}" x2="{left + span}" y2="{y_axis}" stroke="black"/>')
    for t in range(5):
        v = vmax * t / 4
        out.append(f'<text x="{left + span * t / 4:.1f}" y="{y_axis + 14}" text-anchor="middle">{v:.3g}</text>')
    out.append(f'<text x="{left + span / 2}" y="{y_axis + 32}" text-anchor="middle">{xlabel}</text>')
    for i, name in enumerate(names):
        out.append(f'<text x="{width - right + 10}" y="{top + 14 + 16 * i}" fill="{COLORS[i % len(COLORS)]}">'
                   f'{name}</text>')
    return "\n".join(out + ["</svg>"]) + "\n"
