"""Run docs/tutorials/train-by-hand.md's code and draw its loss curve: docs/figures/train_by_hand_loss.svg.

The page's ```` ```python ```` blocks run in order in one namespace (:func:`run_tutorial`, which
tests/test_tutorial_train.py also calls); the figure is :func:`render` of the run's ``history``. The docs build
draws the figure from its own run of the page, so the picture cannot drift from the code.

Usage: python docs/scripts/train_by_hand.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pages import run_page  # noqa: E402  (docs/scripts is not a package)

DOCS = Path(__file__).resolve().parents[1]
PAGE = DOCS / "tutorials" / "train-by-hand.md"
FIGURE = DOCS / "figures" / "train_by_hand_loss.svg"


def run_tutorial() -> tuple[dict, list[str]]:
    """Execute the page's python blocks in order; return the namespace and what each block printed."""
    return run_page(PAGE)


def render(history) -> str:
    """The loss of each step's batch (before that step's update) against the step, log scale."""
    from _plot import COLORS, semilogy  # matplotlib: the docs extra (the tests run the page without it)

    steps = list(range(len(history.loss)))
    return semilogy([("training loss", steps, history.loss, COLORS[0])], xlabel="step",
                    ylabel="cross-entropy (batch mean)", x_range=(0, len(steps)))


def figures() -> dict:
    """The tutorial's loss curve, from a run of the page's own code (the docs build calls this)."""
    namespace, _ = run_tutorial()
    return {FIGURE.name: render(namespace["history"])}


def main() -> None:
    from _plot import write_figures

    write_figures(figures())
    print(f"wrote {FIGURE.relative_to(DOCS.parent)}")


if __name__ == "__main__":
    main()
