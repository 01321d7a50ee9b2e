"""specref's LST attention layers against spectrans 0.1.0: the suite, one test per case.

The comparisons live in the package (:mod:`specref.compare.suites.spectrans_lst`); each test here runs one case
and asserts its verdict. It writes nothing.

- Every case must pass: the output and every gradient (input, each trainable parameter) within the derived
  float64 bounds, each at most the issue's 1e-12 (forward) and 1e-10 (gradients); a training-mode case with
  dropout must have read spectrans's ``"dropout"`` mask back and injected it.
- No mask is compared (spectrans's mask does not mask, inventory #16); the first case's check confirms that.
- Every check a case carries must hold.
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("spectrans.layers.attention.lst")

from specref.compare.spectrans import CLASSES  # noqa: E402
from specref.compare.suites import spectrans_lst  # noqa: E402

CASES = spectrans_lst.cases()
MASKS_NOTE = "the peer's dropout masks were read back and injected"
FWD64 = 1e-12  # the float64 forward bound: every derived float64 bound must be below it
GRAD64 = 1e-10  # the float64 gradient bound


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_spectrans_lst(case):
    cmp = case.run()
    assert (cmp.component, cmp.label) == (case.component, case.label)
    failed = [c for c in cmp.extra.get("checks", ()) if not c["holds"]]
    assert not failed, f"checks that do not hold: {failed}\n{cmp.message()}"
    assert cmp.dtype == "float64", cmp.message()
    for t in cmp.tensors:
        assert t.bound.value <= (FWD64 if t.name == "output" else GRAD64), t.describe()
    assert cmp.known == "", cmp.message()
    assert cmp.passed, cmp.message()
    if "train_p" in case.label:
        notes = [n for n in cmp.notes if n.startswith(MASKS_NOTE)]
        assert notes and "dropout (" in notes[0], cmp.message()


def test_suite_covers_the_family():
    """The three classes, every transform type, train and eval, the mask check; unique ids."""
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert {c.component for c in CASES} == {"LSTAttention", "DCTAttention", "HadamardAttention"}
    assert {CLASSES[c] for c in ("LSTAttention", "DCTAttention", "HadamardAttention")} == {
        c.component for c in CASES}
    for kind in ("dct", "dst", "hadamard", "mixed"):
        assert any(f"transform_type={kind}" in c.label for c in CASES), kind
    assert any("train_p" in c.label for c in CASES)
