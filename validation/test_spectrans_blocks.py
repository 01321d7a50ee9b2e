"""specref's blocks against spectrans 0.1.0's ``spectrans.blocks``: the shipped suite, one test per case.

The comparisons live in the package (:mod:`specref.compare.suites.spectrans_blocks`, run by
``specref compare spectrans``); each test here runs one case and asserts its verdict. It writes nothing.

- A case without a known difference must pass: the output and every gradient (input, each trainable
  parameter, ``norm3`` and a hard gate's zeros included) within the bounds derived from the block's parts
  (:func:`specref.compare.spectrans_blocks.block_bounds`). Float64 bounds are at most the issue's 1e-12
  (forward) and 1e-10 (gradients), except around spectrans's Gaussian spectral attention, whose signed
  features carry the normaliser's measured condition kappa (kappa^2 for the gradients; as in
  validation/test_spectrans_attention.py): there the measured errors must still be within the derived bounds.
- A training-mode case must have read back and injected every dropout mask: the block's ``dropout`` for each
  branch (``"dropout"``, ``"dropout@2"``, ...), the FFN's, and the wrapped layers' own (a hard gate's per-sample
  ones under ``"@<k>"`` names).
- The known differences report their finding and spectrans's documented behaviour is confirmed: a float64
  AFNO block raises (``spectrans_afno_float32``); the wavelet block with spectrans's float32 filters differs by
  a float32-sized error and passes with pywt's taps (``spectrans_dwt_float32_filters``).
- Every check a case carries holds (a hard gate's samples select both layers).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("spectrans.blocks")

from specref.compare.spectrans_blocks import CLASSES  # noqa: E402
from specref.compare.suites import spectrans_blocks  # noqa: E402

CASES = spectrans_blocks.cases()
MASKS_NOTE = "the peer's dropout masks were read back and injected"
FWD64 = 1e-12  # the float64 forward bound
GRAD64 = 1e-10  # the float64 gradient bound
SPECTRAL = ("FNetBlock", "GFNetBlock", "AFNOBlock", "SpectralAttentionBlock", "LSTBlock", "WaveletBlock", "FNOBlock",
            "FNO2DBlock")


def expected_known(case) -> str:
    if case.component == "AFNOBlock" and "float32" not in case.label:
        return "spectrans_afno_float32"
    if case.label.endswith("float32 filters"):
        return "spectrans_dwt_float32_filters"
    return ""


def documented_behaviour(cmp) -> bool:
    if cmp.known == "spectrans_afno_float32":
        return cmp.peer_error.startswith("RuntimeError:")
    if cmp.known == "spectrans_dwt_float32_filters":
        return len(cmp.extra.get("checks", ())) == 2 and not cmp.passed
    return False


def expected_masks(case) -> set:
    """The mask names a training case must have read back, from its configuration."""
    label = case.label
    ffn = not (case.component == "TransformerBlock" and "ffn_hidden_dim" not in label)
    kinds = next((p.split("+") for p in label.split("-") if p in ("gf", "lst", "fourier", "gf+lst")), [])
    branches = len(kinds) if case.component == "CascadeBlock" else 1
    names = {"dropout"} | {f"dropout@{k}" for k in range(2, branches + 1 + ffn)}
    if case.component == "ParallelBlock":
        names = {"dropout"}
    names |= {"ffn.dropout"} if ffn else set()
    if case.component in ("LSTBlock", "WaveletBlock", "SpectralAttentionBlock"):
        names.add("mixing_layer.dropout")  # the block's p passed to the layer (#28)
    if case.component == "AFNOBlock":
        names |= {"mixing_layer.mlp.2", "mixing_layer.mlp.4"}
    if "q=0.0" not in label and case.component not in SPECTRAL:  # the wrapped layers' own, where used
        if case.component == "AlternatingBlock":
            used = [("layer1", kinds[0])] if "use_layer1=True" in label else [("layer2", kinds[1])]
        elif len(kinds) == 1:
            used = [("mixing_layer", kinds[0])]
        else:
            used = [(f"layers.{i}", k) for i, k in enumerate(kinds)]
        names |= {f"{prefix}.dropout" for prefix, kind in used if kind != "fourier"}
    return names


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_spectrans_blocks(case):
    cmp = case.run()
    assert (cmp.component, cmp.label) == (case.component, case.label)
    failed = [c for c in cmp.extra.get("checks", ()) if not c["holds"]]
    assert not failed, f"checks that do not hold: {failed}\n{cmp.message()}"
    known = expected_known(case)
    assert cmp.known == known, cmp.message()
    if known:
        assert documented_behaviour(cmp), cmp.message()
        return
    assert cmp.passed, cmp.message()
    assert cmp.dtype == ("float32" if case.component == "AFNOBlock" else "float64"), cmp.message()
    gaussian_attention = case.component == "SpectralAttentionBlock" and "kernel_type=softmax" not in case.label
    if cmp.dtype == "float64" and not gaussian_attention:
        for t in cmp.tensors:
            assert t.bound.value <= (FWD64 if t.name == "output" else GRAD64), t.describe()
    if "train_p" in case.label:
        notes = [n for n in cmp.notes if n.startswith(MASKS_NOTE)]
        assert notes, cmp.message()
        read = {part.split(" (")[0] for part in notes[0].split(": ", 1)[1].split("), ")}
        if "gate_type=hard" in case.label and "q=0.0" not in case.label:  # once per sample that selected it
            assert {"layers.0.dropout", "layers.1.dropout"} <= read and any("@" in n for n in read
                                                                            if n.startswith("layers.")), read
            read = {n for n in read if not n.startswith("layers.")} | {"layers.0.dropout", "layers.1.dropout"}
        assert read == expected_masks(case), (read, expected_masks(case))


def test_suite_covers_every_block_class():
    """Every spectrans block class has cases, in eval and training mode, and the ids are unique."""
    import spectrans.blocks as sb  # peer-only

    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    mapped = set(sb.__all__) - {"FeedForwardNetwork", "HybridBlock"}  # the FFN: the torch_transformer suite
    assert set(CLASSES) == mapped
    assert {c.component for c in CASES} == mapped
    for name in mapped:
        labels = [c.label for c in CASES if c.component == name]
        assert any("train_p" in lab for lab in labels) or name == "ParallelBlock", name
        assert any("eval" in lab for lab in labels), name
    for what in ("gate_type=soft", "gate_type=hard", "fusion_type=add", "fusion_type=weighted", "fusion_type=concat",
                 "share_norm=True", "share_norm=False", "use_layer1=False", "use_pre_norm=False", "num_layers=2"):
        assert any(what in c.label for c in CASES), what


@pytest.mark.parametrize("build", [
    lambda sb: sb.FNetBlock(8), lambda sb: sb.GFNetBlock(8, 12), lambda sb: sb.LSTBlock(8, num_heads=2),
    lambda sb: sb.FNOBlock(8, modes=4, num_layers=2), lambda sb: sb.FNO2DBlock(8, 3, 2),
], ids=["FNetBlock", "GFNetBlock", "LSTBlock", "FNOBlock", "FNO2DBlock"])
def test_generic_path_default_construction(build):
    """``compare(module)`` on a spectrans block at its own initialisation, input drawn at the default shape."""
    import spectrans.blocks as sb  # peer-only

    from specref.compare import compare

    cmp = compare(build(sb).double(), seed=1)
    assert cmp.passed and not cmp.known, cmp.message()


def test_pairing_refuses_unmapped_wrapped_layer():
    import spectrans.blocks as sb  # peer-only
    import torch  # peer-only

    from specref.compare import compare

    with pytest.raises(ValueError, match="does not map"):
        compare(sb.PreNormBlock(torch.nn.Linear(4, 4), 4).double(), x=np.zeros((2, 3, 4)))


def test_suite_import_needs_no_torch():
    """Listing the suite imports neither torch nor spectrans (running a case does)."""
    code = ("import sys, specref.compare.suites.spectrans_blocks as s; s.cases(); "
            "import specref.compare.spectrans_blocks; "
            "assert not {'torch', 'spectrans'} & set(sys.modules), sorted({'torch', 'spectrans'} & set(sys.modules))")
    subprocess.run([sys.executable, "-c", code], check=True)
