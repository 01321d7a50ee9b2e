"""docs/tutorials/train-by-hand.md, executed: its code runs, what it claims holds, and its figure is this run's.

The page's python blocks run in order in one namespace (docs/scripts/train_by_hand.py's ``run_tutorial``, which
also draws the committed figure). The claims checked are the ones the prose makes: the loss starts near or
above log 2 and falls by three orders of magnitude within 150 steps, the trained model classifies unseen
sequences, and the hand-made central difference agrees with the backward to about 1e-10.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import numpy as np

SCRIPTS = Path(__file__).resolve().parents[1] / "docs" / "scripts"
sys.path.insert(0, str(SCRIPTS))

import train_by_hand  # noqa: E402


def test_the_tutorial_runs_and_its_claims_hold():
    namespace, printed = train_by_hand.run_tutorial()
    loss = namespace["history"].loss
    assert len(loss) == 150 and loss[0] > math.log(2) - 0.1
    assert min(loss[-10:]) < 1e-3 * loss[0]
    assert "accuracy on 320 new sequences: 1.000" in printed[-2]
    analytic, numeric = namespace["analytic"], namespace["numeric"]
    # the central difference with h = 1e-5: truncation h^2 |f'''| / 6 and rounding u |f| / h, each ~1e-11 here
    assert abs(analytic - numeric) <= 1e-9 * max(1.0, abs(analytic))
    # the committed figure is the one this run draws: the same text around the curve, and the curve's points
    # within 3 px (a loss differing by 13%): a machine whose BLAS rounds differently follows a slightly other
    # trajectory after 150 steps, while a stale figure (another task, model or step count) moves by far more
    committed, drawn = train_by_hand.FIGURE.read_text(), train_by_hand.render(namespace["history"])
    assert _without_curve(committed) == _without_curve(drawn)
    a, b = _curve(committed), _curve(drawn)
    assert a.shape == b.shape and np.abs(a - b).max() <= 3.0


def _curve(svg: str) -> np.ndarray:
    points = re.search(r'<polyline points="([^"]*)"', svg).group(1)
    return np.array([[float(v) for v in p.split(",")] for p in points.split()])


def _without_curve(svg: str) -> str:
    return re.sub(r'<polyline points="[^"]*"', "", svg)
