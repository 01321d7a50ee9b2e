"""Run a docs page's code: its ```` ```python ```` blocks in order, in one namespace.

The tutorials are executed by the tests (tests/test_tutorials.py) and by the figure scripts that draw from a
tutorial's own run (train_by_hand.py), through :func:`run_page`, so a page's code cannot rot unnoticed. A block
whose first line is ``# GPU`` runs only where CuPy has a device (``gpu=True``).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

__all__ = ["python_blocks", "run_page"]

_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def python_blocks(page: Path) -> list[str]:
    """The page's python code blocks, in order."""
    return _BLOCK.findall(page.read_text(encoding="utf-8"))


def run_page(page: Path, *, gpu: bool = False) -> tuple[dict, list[str]]:
    """Execute the page's python blocks in order; return the namespace and what each executed block printed.

    Blocks that start with the line ``# GPU`` are left out unless ``gpu`` is true.
    """
    namespace: dict = {"__name__": "__main__"}
    printed = []
    for code in python_blocks(page):
        if code.startswith("# GPU") and not gpu:
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(page), "exec"), namespace)  # noqa: S102  (the repository's own page)
        printed.append(out.getvalue())
    return namespace, printed
