"""specref's wavelet mixing layers against spectrans 0.1.0: the shipped suite, one test per case.

The comparisons live in the package (:mod:`specref.compare.suites.spectrans_wavelet`, run by
``specref compare spectrans``); each test here runs one case and asserts its verdict. It writes nothing.

- A case without a known difference must pass: the output and every gradient (input, each parameter) within
  the derived float64 bounds (:func:`specref.compare.bounds.wavelet_bounds`), each at most the issue's
  1e-12 (forward) and 1e-10 (gradients); a training-mode case with dropout must have read spectrans's
  ``"dropout"`` mask back and injected it; the subband mode in training must also match spectrans's updated
  batch-norm running statistics (a check on ``ctx.new_buffers``).
- ``WaveletMixing2D(mixing_mode="attention")`` must report ``spectrans_wavelet2d_attention_unused`` and confirm
  that spectrans returns ``x + IDWT2(DWT2 x)`` with no gradient reaching its encoder; with
  ``encoder="spectrans_identity"`` it must pass; its ``"... vs torch math"`` twin (the documented encoder,
  written out in torch) must pass.
- spectrans's float32 filter buffers and a signal shorter than F - 1 must report
  ``spectrans_dwt_float32_filters`` with the documented behaviour confirmed.
- Every check a case carries must hold.
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("spectrans.layers.mixing.wavelet")

from specref.compare.spectrans import CLASSES  # noqa: E402
from specref.compare.suites import spectrans_wavelet  # noqa: E402

CASES = spectrans_wavelet.cases()
MATH = " vs torch math"
MASKS_NOTE = "the peer's dropout masks were read back and injected"
FWD64 = 1e-12  # the float64 forward bound: every derived float64 bound must be below it
GRAD64 = 1e-10  # the float64 gradient bound


def expected_known(case) -> str:
    """The finding that explains a case, from its configuration alone (empty where it must pass)."""
    if case.component == "WaveletMixing2D" and "-attention" in case.label and MATH not in case.label \
            and "spectrans_identity" not in case.label:
        return "spectrans_wavelet2d_attention_unused"
    if case.label.endswith(("float32_filters", "short_signal")):
        return "spectrans_dwt_float32_filters"
    return ""


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_spectrans_wavelet(case):
    cmp = case.run()
    assert (cmp.component, cmp.label) == (case.component, case.label)
    failed = [c for c in cmp.extra.get("checks", ()) if not c["holds"]]
    assert not failed, f"checks that do not hold: {failed}\n{cmp.message()}"
    assert cmp.dtype == "float64", cmp.message()
    for t in cmp.tensors:  # every derived float64 bound is below the 1e-12 / 1e-10
        assert t.bound.value <= (FWD64 if t.name == "output" else GRAD64), t.describe()
    known = expected_known(case)
    assert cmp.known == known, cmp.message()
    if known:
        assert cmp.extra.get("checks"), f"the documented behaviour was not checked\n{cmp.message()}"
        return
    assert cmp.passed, cmp.message()
    if "train_p0.3" in case.label:
        notes = [n for n in cmp.notes if n.startswith(MASKS_NOTE)]
        assert notes and "dropout (" in notes[0], cmp.message()
    if case.component == "WaveletMixing2D" and "subband" in case.label and case.label.endswith("-train"):
        assert any("new_buffers" in c["what"] for c in cmp.extra.get("checks", ())), cmp.message()


def test_suite_covers_every_mode():
    """Both classes in every mode, eval and train, both encoder options; unique ids; the known cases."""
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert {c.component for c in CASES} == {v for v in CLASSES.values() if v.startswith("Wavelet")}
    for mode in spectrans_wavelet.MODES_1D:
        labels = [c.label for c in CASES if c.component == "WaveletMixing" and f"-{mode}" in c.label]
        assert any("train" in label for label in labels) and any("train" not in label for label in labels), mode
    for mode in spectrans_wavelet.MODES_2D:
        labels = [c.label for c in CASES if c.component == "WaveletMixing2D" and f"-{mode}" in c.label]
        assert any("train" in label for label in labels) and any("train" not in label for label in labels), mode
    assert any("spectrans_identity" in i for i in ids) and any(i.endswith(MATH) for i in ids)
    assert {expected_known(c) for c in CASES} - {""} == {"spectrans_wavelet2d_attention_unused",
                                                        "spectrans_dwt_float32_filters"}
    for case in CASES:  # each attention-mode finding has its twin against the documented math
        if expected_known(case) == "spectrans_wavelet2d_attention_unused":
            assert case.id + MATH in ids, case.id


def test_spectrans_suite_lists_the_wavelet_cases():
    """``specref compare spectrans`` runs these cases too."""
    from specref.compare.suites import spectrans

    assert {c.id for c in CASES} <= {c.id for c in spectrans.cases()}
