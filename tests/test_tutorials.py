"""The tutorials, executed: each page's python blocks run in order (docs/scripts/_pages.py), and what the prose
claims is asserted in the blocks themselves. Blocks marked ``# GPU`` run in the ``gpu`` test, which skips with
the reason where CuPy has no device. (train-by-hand.md has its own test, tests/test_tutorial_train.py, and
verify-your-layer.md needs the peers: validation/test_tutorial.py.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from specref.backend import gpu_unavailable_reason

DOCS = Path(__file__).resolve().parents[1] / "docs"
sys.path.insert(0, str(DOCS / "scripts"))

from _pages import python_blocks, run_page  # noqa: E402

PAGES = ["getting-started.md", "gpu-numerics.md"]


@pytest.mark.parametrize("page", PAGES)
def test_the_tutorial_runs_on_the_cpu(page):
    namespace, printed = run_page(DOCS / "tutorials" / page)
    assert printed, f"{page} has no python block"


def test_getting_started_checks_agree():
    namespace, printed = run_page(DOCS / "tutorials" / "getting-started.md")
    assert namespace["result"].passed
    assert "central difference" in printed[2]


def test_gpu_numerics_marks_its_device_blocks():
    blocks = python_blocks(DOCS / "tutorials" / "gpu-numerics.md")
    assert sum(b.startswith("# GPU") for b in blocks) == 2
    assert all("cupy" not in b for b in blocks if not b.startswith("# GPU"))


@pytest.mark.gpu
def test_gpu_numerics_on_the_device():
    if (reason := gpu_unavailable_reason()) is not None:
        pytest.skip(f"CuPy backend: {reason}")
    run_page(DOCS / "tutorials" / "gpu-numerics.md", gpu=True)
