"""specref's mixing layers against spectrans 0.1.0: the shipped suite, one test per case.

The comparisons live in the package (:mod:`specref.compare.suites.spectrans_mixing`, run by
``specref compare spectrans``); each test here runs one case through :func:`specref.compare.compare` and
asserts its verdict. It writes nothing (``specref compare --all --report validation/REPORT.md`` writes the
report).

- A case without a known difference must pass: the output and every gradient (input, each parameter)
  within the derived bounds (:mod:`specref.compare.bounds`, each with its reason), real where specref's is
  real and complex where specref's is complex; a training-mode case must have read spectrans's dropout masks
  back and injected them.
- A case where spectrans computes something other than the math must report exactly the expected finding,
  and the documented spectrans behaviour must be confirmed (``extra["checks"]``): ``RealFourierMixing``'s
  output is its input for even D, has D - 1 columns for odd D, and complex input raises AttributeError;
  ``keep_complex`` dropout and AdaptiveGlobalFilter's spectral dropout raise NotImplementedError in training
  mode; AFNO's float64 input gives float32-accurate results (within the float32 bounds, over ten times the
  float64 bound from the float64 truth) and a ``.double()`` module raises. Its ``"... vs torch math"`` twin,
  specref against the correct math written in torch, must pass.
- Every check a case carries must hold: e.g. AFNO's and the adaptive filter's torch math equal spectrans
  where spectrans runs, specref's float32 AFNO computes in float32.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("spectrans.layers.mixing")

from specref.compare.spectrans import CLASSES  # noqa: E402
from specref.compare.suites import spectrans_mixing  # noqa: E402

CASES = spectrans_mixing.cases()
MATH = " vs torch math"
MASKS_NOTE = "the peer's dropout masks were read back and injected"
FWD64 = 1e-12  # the float64 forward bound: every derived float64 bound must be below it
GRAD64 = 1e-10  # the float64 gradient bound


def expected_known(case) -> str:
    """The finding that explains a case, from its configuration alone (empty where it must pass)."""
    if MATH in case.label:
        return ""
    if case.component == "RealFourierMixing" and "use_real_fft=True" in case.label:
        return "spectrans_real_fourier_identity"
    if case.component in ("FourierMixing", "FourierMixing1D") and "keep_complex-train" in case.label:
        return "spectrans_complex_dropout"
    if case.component == "AdaptiveGlobalFilter" and "spectral_dropout_p=0.5-train" in case.label:
        return "spectrans_adaptive_spectral_dropout"
    if case.component == "AFNOMixing" and case.label.endswith("float64 input"):
        return "spectrans_afno_float32"
    return ""


def documented_behaviour(cmp) -> bool:
    """What spectrans does where the finding applies, read off the comparison itself."""
    if cmp.known == "spectrans_real_fourier_identity":
        if "complex" in cmp.label:
            return cmp.peer_error.startswith("AttributeError:")
        if int(cmp.label.split("-")[0].split("x")[2]) % 2:  # odd D: one column fewer
            return cmp.peer_error.startswith("output shape") and not cmp.tensors
        return not cmp.peer_error and all(not t.passed for t in cmp.tensors)  # even D: x, not Re fft2(x)
    if cmp.known in ("spectrans_complex_dropout", "spectrans_adaptive_spectral_dropout"):
        return cmp.peer_error.startswith("NotImplementedError:")
    if cmp.known == "spectrans_afno_float32":
        return cmp.passed and cmp.dtype == "float32"  # float32-accurate, against float32 bounds
    return False


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_spectrans_mixing(case):
    cmp = case.run()
    assert (cmp.component, cmp.label) == (case.component, case.label)
    failed = [c for c in cmp.extra.get("checks", ()) if not c["holds"]]
    assert not failed, f"checks that do not hold: {failed}\n{cmp.message()}"
    if cmp.dtype == "float64":  # every derived float64 bound is below the 1e-12 / 1e-10
        assert all(t.bound.value <= (FWD64 if t.name == "output" else GRAD64) for t in cmp.tensors), cmp.message()
    for t in cmp.tensors:  # a complex gradient where specref's is real (or back) is a convention error
        if t.peer_value is not None and t.specref_value is not None:
            assert isinstance(t.peer_value, complex) == isinstance(t.specref_value, complex), t.describe()
    known = expected_known(case)
    assert cmp.known == known, cmp.message()
    if known:
        assert cmp.extra.get("checks"), f"the documented behaviour was not checked\n{cmp.message()}"
        assert documented_behaviour(cmp), cmp.message()
        return
    assert cmp.passed, cmp.message()
    if "train_p" in case.label and MATH not in case.label:
        notes = [n for n in cmp.notes if n.startswith(MASKS_NOTE)]
        masks = ("mlp.2", "mlp.4") if case.component == "AFNOMixing" else ("dropout",)
        assert notes and all(f"{m} (" in notes[0] for m in masks), cmp.message()
    if MATH in case.label and case.component in ("AFNOMixing", "AdaptiveGlobalFilter"):
        assert cmp.extra.get("checks"), f"the torch math was not checked against spectrans\n{cmp.message()}"


def test_suite_covers_every_mixing_class():
    """Every spectrans mixing class specref maps has cases, and the case ids are unique."""
    from specref.compare.suites import spectrans_attention, spectrans_lst, spectrans_operators, spectrans_wavelet

    others = {c.component for c in spectrans_wavelet.cases() + spectrans_operators.cases()  # their own tests
              + spectrans_lst.cases() + spectrans_attention.cases()}
    assert {c.component for c in CASES} == set(CLASSES.values()) - others
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert {expected_known(c) for c in CASES} - {""} == {
        "spectrans_real_fourier_identity", "spectrans_complex_dropout", "spectrans_adaptive_spectral_dropout",
        "spectrans_afno_float32"}
    for case in CASES:  # each known difference has its twin against the torch math (AFNO: "float64 input")
        if expected_known(case):
            assert case.id.removesuffix(" input") + MATH in ids, case.id


def test_suite_import_needs_no_torch():
    """Listing the suite imports neither torch nor spectrans (running a case does)."""
    code = ("import sys, specref.compare.suites.spectrans as s; s.cases(); "
            "assert not {'torch', 'spectrans'} & set(sys.modules), sorted({'torch', 'spectrans'} & set(sys.modules))")
    subprocess.run([sys.executable, "-c", code], check=True)
