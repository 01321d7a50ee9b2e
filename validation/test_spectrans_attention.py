"""specref's feature attention layers (SpectralAttention, PerformerAttention, KernelAttention) against spectrans
0.1.0: the suite, one test per case.

The comparisons live in the package (:mod:`specref.compare.suites.spectrans_attention`); each test here runs one
case and asserts its verdict. It writes nothing.

- Every case must pass: the output and every gradient (input, each trainable parameter) within the derived
  float64 bounds, specref built with ``variant="spectrans"`` from the module's whole state_dict (its random
  projection buffers included).
- Positive features (softmax, generalized): each bound at most the issue's 1e-12 (forward) and 1e-10
  (gradients). Signed features (spectrans's cosine and spectral features) carry the normaliser's measured
  condition kappa (kappa^2 for the gradients), and the polynomial path's claim counts the squared, normalised
  scores and a length-N softmax (c ~ 2.3e3 at D = 8, so 2 c eps ~ 1.0e-12): their derived bounds may exceed
  those numbers; the measured errors must still be within them (``passed``).
- The generic path, ``specref.compare.compare(module)``, reads the config off a spectrans module and passes.
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("spectrans.layers.attention.spectral")

from specref.compare.spectrans import CLASSES  # noqa: E402
from specref.compare.suites import spectrans_attention  # noqa: E402

CASES = spectrans_attention.cases()
FWD64 = 1e-12  # the float64 forward bound
GRAD64 = 1e-10  # the float64 gradient bound
DERIVED_ABOVE = ("kernel_type=gaussian", "kernel_type=spectral", "kernel_type=polynomial")  # see the docstring


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_spectrans_attention(case):
    cmp = case.run()
    assert (cmp.component, cmp.label) == (case.component, case.label)
    assert cmp.dtype == "float64", cmp.message()
    if not any(s in case.label for s in DERIVED_ABOVE):
        for t in cmp.tensors:
            assert t.bound.value <= (FWD64 if t.name == "output" else GRAD64), t.describe()
    assert cmp.known == "", cmp.message()
    assert cmp.passed, cmp.message()


def test_suite_covers_the_family():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    classes = {"SpectralAttention", "PerformerAttention", "KernelAttention"}
    assert {c.component for c in CASES} == classes | {"MixedSpectralAttention"}
    assert classes == {CLASSES[c] for c in classes}
    assert any("use_hadamard=False" in c.label for c in CASES if c.component == "MixedSpectralAttention")
    for what in ("gaussian", "spectral", "polynomial", "generalized", "masked", "use_orthogonal=False",
                 "use_bias=False"):
        assert any(what in c.label for c in CASES), what


@pytest.mark.parametrize("name,kwargs", [("SpectralAttention", {}), ("SpectralAttention", {"kernel_type": "gaussian"}),
                                         ("PerformerAttention", {"generalized": True}),
                                         ("KernelAttention", {"kernel_type": "spectral"}),
                                         ("KernelAttention", {"kernel_type": "polynomial"})])
def test_generic_compare_reads_the_config(name, kwargs):
    import spectrans.layers.attention.spectral as sa
    import torch

    from specref.compare import compare

    torch.manual_seed(0)
    cmp = compare(getattr(sa, name)(8, 2, **kwargs).double().eval())
    assert cmp.config["variant"] == "spectrans" and cmp.passed, cmp.message()
