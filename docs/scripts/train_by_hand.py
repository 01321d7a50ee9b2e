"""Run docs/tutorials/train-by-hand.md's code and draw its loss curve: docs/figures/train_by_hand_loss.svg.

The page's ```` ```python ```` blocks run in order in one namespace (:func:`run_tutorial`, which
tests/test_tutorial_train.py also calls); the figure is :func:`render` of the run's ``history``. The test checks
that the committed figure is the one this run draws, so the picture cannot drift from the code.

Usage: python docs/scripts/train_by_hand.py
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _svg import COLORS, semilogy  # noqa: E402  (docs/scripts is not a package)

DOCS = Path(__file__).resolve().parents[1]
PAGE = DOCS / "tutorials" / "train-by-hand.md"
FIGURE = DOCS / "figures" / "train_by_hand_loss.svg"
_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def run_tutorial() -> tuple[dict, list[str]]:
    """Execute the page's python blocks in order; return the namespace and what each block printed."""
    namespace: dict = {"__name__": "__main__"}
    printed = []
    for code in _BLOCK.findall(PAGE.read_text()):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(PAGE), "exec"), namespace)  # noqa: S102  (the repository's own page)
        printed.append(out.getvalue())
    return namespace, printed


def render(history) -> str:
    """The loss of each step's batch (before that step's update) against the step, log scale."""
    steps = list(range(len(history.loss)))
    return semilogy([("training loss", steps, history.loss, COLORS[0])], xlabel="step",
                    ylabel="cross-entropy (batch mean)", x_range=(0, len(steps)))


def main() -> None:
    namespace, _ = run_tutorial()
    FIGURE.write_text(render(namespace["history"]))
    print(f"wrote {FIGURE.relative_to(DOCS.parent)}")


if __name__ == "__main__":
    main()
