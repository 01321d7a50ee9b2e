"""docs/tutorials/train-by-hand.md, executed: its code runs and what it claims holds.

The page's python blocks run in order in one namespace (docs/scripts/train_by_hand.py's ``run_tutorial``, whose
``figures`` the docs build calls to draw the loss curve from its own run). The claims checked are the ones the
prose makes: the loss starts near or above log 2 and falls by three orders of magnitude within 150 steps, the
trained model classifies unseen sequences, and the hand-made central difference agrees with the backward to
about 1e-10. The figure is drawn by the docs build from the page's own run, so it cannot drift from the code.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

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
