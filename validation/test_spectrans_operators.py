"""specref's neural operators against spectrans 0.1.0: the shipped suite, one test per case.

The comparisons live in the package (:mod:`specref.compare.suites.spectrans_operators`, run by
``specref compare spectrans``); each test here runs one case and asserts its verdict. It writes nothing.

- Every case must pass: the output and every gradient (input, each parameter) within the derived float64
  bounds (:func:`specref.compare.bounds.operator_bounds`), each at most the issue's 1e-12 (forward) and
  1e-10 (gradients); a training-mode case must have read spectrans's ``"dropout"``, ``"ffn.2"`` and
  ``"ffn.4"`` masks back and injected them; batch norm in training must also match spectrans's updated
  running statistics (a check on ``ctx.new_buffers``).
- Modes above the spectrum's limit: spectrans raises (a RuntimeError inside ``einsum``, inventory #24);
  specref raises a ValueError giving the limit.
- The pairing reads the configuration off the module, and keeps the blocks' ``FNOBlock`` (another layout,
  inventory #30) apart.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("spectrans.layers.operators.fno")

from specref.compare.spectrans import CLASSES  # noqa: E402
from specref.compare.suites import spectrans_operators  # noqa: E402

CASES = spectrans_operators.cases()
MASKS_NOTE = "the peer's dropout masks were read back and injected"
FWD64 = 1e-12  # the float64 forward bound: every derived float64 bound must be below it
GRAD64 = 1e-10  # the float64 gradient bound
OPERATORS = ("SpectralConv1d", "SpectralConv2d", "FourierNeuralOperator", "FNOBlock")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_spectrans_operators(case):
    cmp = case.run()
    problems = [f"check fails: {c['what']}" for c in cmp.extra.get("checks", ()) if not c["holds"]]
    # every derived float64 bound is below the 1e-12 (forward) / 1e-10 (gradients)
    problems += [f"bound above the issue's: {t.describe()}" for t in cmp.tensors
                 if t.bound.value > (FWD64 if t.name == "output" else GRAD64)]
    verdict = (cmp.label, cmp.dtype, cmp.known, cmp.passed)
    assert not problems and verdict == (case.label, "float64", "", True), f"{problems}\n{cmp.message()}"
    if "train_p" in case.label:
        notes = [n for n in cmp.notes if n.startswith(MASKS_NOTE)]
        names = ("dropout",) if "mlp_ratio0" in case.label else ("dropout", "ffn.2", "ffn.4")  # no FFN at 0
        assert notes and all(f"{k} (" in notes[0] for k in names), cmp.message()
    if "batchnorm" in case.label and "train" in case.label:
        assert any("new_buffers" in c["what"] for c in cmp.extra.get("checks", ())), cmp.message()


def test_suite_covers_every_class_norm_and_activation():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert {c.component for c in CASES} == set(OPERATORS) <= set(CLASSES.values())
    blocks = [c.label for c in CASES if c.component == "FNOBlock"]
    for norm in spectrans_operators.NORMS:
        assert any(norm in b and "train" in b for b in blocks) and any(norm in b and "train" not in b
                                                                      for b in blocks), norm
    fno = [c.label for c in CASES if c.component == "FourierNeuralOperator"]
    for act in spectrans_operators.ACTIVATIONS:
        assert any(label.endswith("-" + act) for label in fno), act
    from specref.compare.suites import spectrans

    assert set(ids) <= {c.id for c in spectrans.cases()}


@pytest.mark.parametrize("component, shape, modes", [("SpectralConv1d", (2, 3, 16), 10),
                                                     ("SpectralConv2d", (2, 3, 8, 8), (3, 6)),
                                                     ("SpectralConv2d", (2, 3, 8, 8), (9, 2))])
def test_modes_above_the_limit(component, shape, modes):
    """spectrans raises inside its einsum (no message about modes); specref's ValueError gives the limit."""
    import spectrans.layers.operators.fno as so
    import torch

    from specref.layers.operators import spectral_conv

    module = getattr(so, component)(3, 3, modes).double()
    x = np.random.default_rng(0).standard_normal(shape)
    with pytest.raises(RuntimeError):
        module(torch.from_numpy(x))
    layer = getattr(spectral_conv, component)(3, 3, modes)
    with pytest.raises(ValueError, match="limit|at most|<="):
        layer.forward(x)


def test_pairing_reads_the_config():
    import spectrans.layers.operators.fno as so

    from specref.compare.spectrans import pairing

    block = so.FNOBlock(hidden_dim=6, modes=(3, 2), mlp_ratio=1.5, activation="silu", dropout=0.2,
                        norm_type="none")
    cfg = pairing(block, None).config
    assert cfg == {"hidden_dim": 6, "modes": (3, 2), "mlp_ratio": 1.5, "activation": "silu", "dropout": 0.2,
                   "norm_type": "none"}
    fno = so.FourierNeuralOperator(hidden_dim=4, modes=5, activation="sigmoid", use_linear=False)
    cfg = pairing(fno, None).config
    assert cfg == {"hidden_dim": 4, "modes": 5, "activation": "sigmoid", "use_spectral_conv": True,
                   "use_linear": False}


def test_blocks_fnoblock_is_not_the_operators_fnoblock():
    """spectrans.blocks.FNOBlock (the PreNormBlock, ``mixing_layer.*`` names) is paired with specref.blocks.FNOBlock,
    never with specref's operators FNOBlock (inventory #30)."""
    blocks = pytest.importorskip("spectrans.blocks")
    from specref.blocks import FNOBlock as BlocksFNOBlock
    from specref.compare.spectrans import pairing
    from specref.layers.operators import FNOBlock as OperatorsFNOBlock

    assert type(pairing(blocks.FNOBlock(hidden_dim=8, modes=4), None).layer) is BlocksFNOBlock
    with pytest.raises(ValueError, match="specref.blocks.FNOBlock, not"):
        pairing(blocks.FNOBlock(hidden_dim=8, modes=4), None, component=OperatorsFNOBlock)
