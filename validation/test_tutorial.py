"""docs/tutorials/verify-your-layer.md, executed: the tutorial cannot rot.

The rules the page follows (stated at its top) and this test enforces:

- Every ```` ```python ```` block runs, in order of the page, in one namespace (``__name__ == "__main__"``, as
  in a user's script, so the reports name ``__main__.GlobalFilter``).
- A block whose first line is ``# fails: TEXT`` must raise :class:`specref.compare.ComparisonError` whose
  message contains ``TEXT``; any other block must not raise.
- A ```` ```text ```` block shows the output of the python block just before it: the ComparisonError's
  message for a failing block, else what the block printed. Each non-blank line of the text block must
  occur within one line of that output after normalising both: numbers (``1.5e-16``, ``(1, 12, 0)``'s
  entries, ``(-2.013+4.427j)``) become ``#``, runs of whitespace one space, letters lower case. In a shown
  line ``...`` stands for any text, so a line may elide what it does not discuss (long values, the bound's
  full derivation); the fragments between the ``...`` must occur in order within one line of the output.
  So the shown lines (the tensors, their verdicts, the ``likely cause:`` lines and the notes) are the real
  ones, while the shown digits may be rounded. A text block with no python block before it is an error.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("jax")

from specref.compare import ComparisonError  # noqa: E402

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorials" / "verify-your-layer.md"

_FENCE = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NUMBER = re.compile(rf"{_NUM}(?:[-+](?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)?j?")  # a real or a complex literal
_FAILS = "# fails:"


def blocks(text: str) -> list[tuple[str, str]]:
    """The fenced blocks of the page, in order: (language, source)."""
    return [(m.group(1), m.group(2)) for m in _FENCE.finditer(text)]


def normalise(line: str) -> str:
    """Numbers -> ``#``, whitespace runs -> one space, lower case."""
    return " ".join(_NUMBER.sub("#", line).split()).lower()


def shown_line_occurs(shown: str, output: str) -> bool:
    """Whether the shown line (``...`` = any text) occurs within one line of ``output``, both normalised."""
    parts = [normalise(p) for p in shown.split("...")]
    parts = [p for p in parts if p]
    for line in output.splitlines():
        line = normalise(line)
        pos = 0
        for part in parts:
            found = line.find(part, pos)
            if found < 0:
                break
            pos = found + len(part)
        else:
            return True
    return False


def test_normalise_and_match():
    """The matching rule itself: numbers and spacing are free, words and order are not."""
    out = "  grad weight  error 4.8e-01  bound 1.9e-14  FAIL\n    likely cause: the weight is conjugated (w.conj())"
    assert shown_line_occurs("grad weight error 4.9e-01 bound 2.0e-14 FAIL", out)
    assert shown_line_occurs("likely cause: ... conjugated ...", out)
    assert not shown_line_occurs("grad weight error 4.9e-01 bound 2.0e-14 ok", out)
    assert not shown_line_occurs("likely cause: ... Hermitian ...", out)
    assert not shown_line_occurs("conjugated ... likely cause:", out)  # order counts
    assert normalise("peer (1.900092423098902-1.6411093922089552j), index (3, 4)") == "peer (#), index (#, #)"


def test_tutorial_runs_as_shown():
    """Run every python block; check each ``# fails:`` block's error and each text block's lines."""
    page = blocks(TUTORIAL.read_text(encoding="utf-8"))
    assert any(lang == "python" for lang, _ in page), f"no python block in {TUTORIAL}"
    namespace: dict = {"__name__": "__main__"}
    output = None  # the output of the last python block
    ran, failing, checked = 0, 0, 0
    for i, (lang, source) in enumerate(page):
        where = f"{TUTORIAL.name}, block {i + 1}"
        if lang == "python":
            first = source.lstrip().splitlines()[0] if source.strip() else ""
            expect = first[len(_FAILS):].strip() if first.startswith(_FAILS) else None
            buffer = io.StringIO()
            error = None
            with contextlib.redirect_stdout(buffer), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # PrecisionWarning, jax_enable_x64: the page discusses them
                try:
                    exec(compile(source, f"<{where}>", "exec"), namespace)  # noqa: S102 (the tutorial's own code)
                except ComparisonError as exc:
                    error = exc
            ran += 1
            if expect is None:
                assert error is None, f"{where} raised, but is not marked '# fails:':\n{error}"
                output = buffer.getvalue()
            else:
                assert error is not None, f"{where} is marked '# fails: {expect}' but passed"
                assert expect in str(error), f"{where}: {expect!r} is not in the message:\n{error}"
                failing += 1
                output = str(error)
        elif lang == "text":
            assert output is not None, f"{where}: a text block with no python block before it"
            missing = [line for line in source.splitlines() if line.strip() and not shown_line_occurs(line, output)]
            assert not missing, (f"{where}: these shown lines are not in the real output:\n  "
                                 + "\n  ".join(missing) + f"\nthe real output:\n{output}")
            checked += 1
    assert failing == 2 and checked >= 4, (ran, failing, checked)  # the two planted bugs, their shown messages
