"""The known differences: ``specref.compare.known.KNOWN`` and validation/FINDINGS.md name the same slugs, and
each slug has its entry and reproduction script in validation/findings/."""

from __future__ import annotations

import pathlib
import re

import pytest

from specref.compare.known import KNOWN, summary

VALIDATION = pathlib.Path(__file__).resolve().parents[2] / "validation"


def _finding_slugs() -> set[str]:
    text = (VALIDATION / "FINDINGS.md").read_text(encoding="utf-8")
    return set(re.findall(r"^## `(\w+)`: ", text, re.M))


def test_known_is_findings():
    assert set(KNOWN) == _finding_slugs()


@pytest.mark.parametrize("slug", sorted(KNOWN))
def test_each_slug_has_its_entry_and_reproduction(slug):
    assert (VALIDATION / "findings" / f"{slug}.md").is_file()
    assert (VALIDATION / "findings" / f"{slug}.py").is_file()
    assert summary(slug) == KNOWN[slug]


def test_unknown_slug():
    with pytest.raises(KeyError, match="unknown finding slug"):
        summary("spectrans_nothing")
