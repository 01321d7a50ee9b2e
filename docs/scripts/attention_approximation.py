"""The figure of docs/layers/attention.md and the book: FAVOR+ attention's error against exact softmax attention.

Runs :func:`specref.layers.attention.approximation.study` with its fixed seed (the numbers of
validation/REPORT.md's last section) and writes

- docs/figures/attention_approximation.svg: mean relative error against the number of features m, log-log,
  orthogonal (chi-norm Haar blocks) and i.i.d. features, with the reference slope -1/2;
- docs/figures/attention_approximation.md: the study's table and fitted slopes.

No plotting library: the SVG is written by hand (a few lines, deterministic output).

    .venv/bin/python docs/scripts/attention_approximation.py
"""

from __future__ import annotations

import math
from pathlib import Path

from specref.layers.attention.approximation import study, study_markdown

OUT = Path(__file__).resolve().parents[1] / "figures"
WIDTH, HEIGHT, MARGIN = 560, 380, 60


def _svg(ms, series, slopes) -> str:
    """A log-log plot of ``series`` ({label: (colour, errors)}) against ``ms``, with a slope -1/2 guide."""
    lx = [math.log2(m) for m in ms]
    ly = [math.log10(e) for _, errs in series.values() for e in errs]
    x0, x1 = min(lx), max(lx)
    y0, y1 = math.floor(min(ly) * 2) / 2, math.ceil(max(ly) * 2) / 2

    def px(v):
        return MARGIN + (v - x0) / (x1 - x0) * (WIDTH - 2 * MARGIN)

    def py(v):
        return HEIGHT - MARGIN - (v - y0) / (y1 - y0) * (HEIGHT - 2 * MARGIN)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" y2="{HEIGHT - MARGIN}" stroke="black"/>',
           f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{HEIGHT - MARGIN}" stroke="black"/>']
    for m, v in zip(ms, lx, strict=True):
        out.append(f'<text x="{px(v):.1f}" y="{HEIGHT - MARGIN + 16}" text-anchor="middle">{m}</text>')
    tick = y0
    while tick <= y1 + 1e-9:
        out.append(f'<text x="{MARGIN - 6}" y="{py(tick) + 4:.1f}" text-anchor="end">1e{tick:g}</text>')
        out.append(f'<line x1="{MARGIN}" y1="{py(tick):.1f}" x2="{WIDTH - MARGIN}" y2="{py(tick):.1f}" '
                   'stroke="#ddd"/>')
        tick += 0.5
    for i, (label, (colour, errs)) in enumerate(series.items()):
        points = " ".join(f"{px(a):.1f},{py(math.log10(e)):.1f}" for a, e in zip(lx, errs, strict=True))
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out += [f'<circle cx="{px(a):.1f}" cy="{py(math.log10(e)):.1f}" r="3" fill="{colour}"/>'
                for a, e in zip(lx, errs, strict=True)]
        out.append(f'<text x="{WIDTH - MARGIN - 200}" y="{MARGIN + 16 * i}" fill="{colour}">{label} '
                   f'(slope {slopes[i]})</text>')
    # the guide: slope -1/2 through the first i.i.d. point
    first = list(series.values())[-1][1][0]
    end = math.log10(first) - 0.5 * (x1 - x0) * math.log10(2)
    out.append(f'<line x1="{px(x0):.1f}" y1="{py(math.log10(first)):.1f}" x2="{px(x1):.1f}" y2="{py(end):.1f}" '
               'stroke="gray" stroke-dasharray="5,4"/>')
    out.append(f'<text x="{WIDTH - MARGIN - 200}" y="{MARGIN + 32}" fill="gray">m^(-1/2)</text>')
    out.append(f'<text x="{WIDTH / 2}" y="{HEIGHT - 18}" text-anchor="middle">number of features m</text>')
    out.append(f'<text x="16" y="{HEIGHT / 2}" transform="rotate(-90 16 {HEIGHT / 2})" text-anchor="middle">'
               'relative error |y_favor - y| / |y|</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> None:
    s = study()
    ms = list(s.curve.num_features)
    series = {"orthogonal": ("#1f77b4", list(s.curve.mean(True))), "i.i.d.": ("#d62728", list(s.curve.mean(False)))}
    slopes = [f"{s.slopes[k].slope:.3f}" for k in ("orthogonal", "iid")]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "attention_approximation.svg").write_text(_svg(ms, series, slopes), encoding="utf-8")
    (OUT / "attention_approximation.md").write_text("\n".join(study_markdown(s, heading="#")) + "\n",
                                                    encoding="utf-8")
    print(f"wrote {OUT / 'attention_approximation.svg'} and {OUT / 'attention_approximation.md'}")


if __name__ == "__main__":
    main()
