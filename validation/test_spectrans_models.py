"""specref's models against spectrans 0.1.0's ``spectrans.models``: the shipped suite, one test per case, and the
documented departures.

The comparisons live in the package (:mod:`specref.compare.suites.spectrans_models`, run by
``specref compare spectrans``); each test here runs one case and asserts its verdict. It writes nothing.

- A case without a known difference must pass: the output and every gradient (each trainable parameter, the
  input embeddings) within the bounds derived from the model's parts
  (:func:`specref.compare.spectrans_models.model_bounds`), which in float64 are at most the issue's 1e-12
  (forward) and 1e-10 (gradients) per block (the feature attentions' claims are the largest); AFNO runs in float32.
- A training-mode case must have read back and injected every dropout mask of the model (spectrans's order:
  ``"positional_encoding.dropout"`` then ``"dropout"``, each block's and wrapped layer's, the head's).
- The known differences report their finding and spectrans's documented behaviour is confirmed.
- With ``spectrans_behaviour=False`` specref shows the documented departures against spectrans: the input
  dropout once (``spectrans_model_input_dropout``), the attention mask reaching the attention layers
  (``spectrans_model_attention_mask``), ``'alibi'`` refused (``spectrans_model_alibi``), ``causal=True``
  refused where spectrans's decoders are not causal (``spectrans_decoder_not_causal``).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("spectrans.models")

from specref.compare.spectrans_models import CLASSES  # noqa: E402
from specref.compare.suites import spectrans_models  # noqa: E402

CASES = spectrans_models.cases()
MASKS_NOTE = "the peer's dropout masks were read back and injected"
FWD64 = 1e-12  # the float64 forward bound
GRAD64 = 1e-10  # the float64 gradient bound
BLOCKS = spectrans_models._BASE["num_layers"]  # the derived bounds add the blocks': each block within the issue's


def expected_known(case) -> str:
    if case.component == "FNet" and "use_real_fft=False" not in case.label:
        return "spectrans_real_fourier_identity"
    if case.component == "AFNOModel" and "float32" not in case.label:
        return "spectrans_afno_float32"
    if "float32_filters=True" in case.label:
        return "spectrans_dwt_float32_filters"
    return ""


def documented_behaviour(cmp) -> bool:
    if cmp.known == "spectrans_afno_float32":
        return cmp.peer_error.startswith("RuntimeError:")
    return not cmp.passed and not cmp.peer_error  # compared, and the difference is the finding's


_SPECS = {spectrans_models._label(spectrans_models._shape(k, n, s), k, s, spectrans_models.P_TRAIN, d, m): s
          for c, s, k, n, t, d, m in spectrans_models.GRID if t}


def expected_masks(case) -> set:
    """Every ``nn.Dropout`` of the spectrans model (module paths), a pre-norm block's ``dropout`` twice (its two
    branches: ``"@2"``)."""
    import torch  # peer-only

    module = spectrans_models.build(case.component, _SPECS[case.label], spectrans_models.P_TRAIN)
    names = {p for p, m in module.named_modules() if isinstance(m, torch.nn.Dropout) and m.p > 0}
    names |= {f"blocks.{i}.dropout@2" for i, b in enumerate(module.blocks) if hasattr(b, "mixing_layer")}
    # AFNOMixing's own nn.Dropout is never applied (its MLP's "mlp.2" and "mlp.4" are)
    names -= {f"blocks.{i}.mixing_layer.dropout" for i, b in enumerate(module.blocks)
              if type(getattr(b, "mixing_layer", None)).__name__ == "AFNOMixing"}
    return names


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_spectrans_models(case):
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
    afno = case.component.startswith("AFNO")
    assert cmp.dtype == ("float32" if afno else "float64"), cmp.message()
    if not afno:
        for t in cmp.tensors:
            assert t.bound.value <= BLOCKS * (FWD64 if t.name == "output" else GRAD64), t.describe()
    if "embeds" in case.label:
        assert any(t.name == "grad x" for t in cmp.tensors), cmp.message()
    if "train_p" in case.label:
        notes = [n for n in cmp.notes if n.startswith(MASKS_NOTE)]
        assert notes, cmp.message()
        read = {part.split(" (")[0] for part in notes[0].split(": ", 1)[1].split("), ")}
        assert read == expected_masks(case), (read, expected_masks(case))


def test_suite_covers_every_model_class():
    """Every spectrans model class has cases in eval and training mode; every encoding and head appears; ids unique."""
    import spectrans.models as sm  # peer-only

    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    mapped = {n for n in sm.__all__ if n.endswith(("Transformer", "Encoder", "Decoder", "Model")) or n in ("FNet",
                                                                                                        "GFNet")}
    mapped -= {"BaseModel"}
    assert set(CLASSES) == mapped
    assert {c.component for c in CASES} == mapped
    for name in mapped:
        labels = [c.label for c in CASES if c.component == name]
        assert any("train_p" in lab for lab in labels) and any("eval" in lab for lab in labels), name
    labels = " ".join(c.label for c in CASES)
    for what in ("positional_encoding_type=learned", "positional_encoding_type=rotary", "positional_encoding_type=none",
                 "output_type=regression", "output_type=sequence", "output_type=lm", "output_type=none",
                 "attention_mask", "-ids-", "-embeds-", "float32"):
        assert what in labels, what
    assert any(c.component == "GFNet" and "positional_encoding_type" not in c.label for c in CASES)  # sinusoidal


def test_suite_import_needs_no_torch():
    code = ("import sys, specref.compare.suites.spectrans_models as s; s.cases(); "
            "import specref.compare.spectrans_models; "
            "assert not {'torch', 'spectrans'} & set(sys.modules), sorted({'torch', 'spectrans'} & set(sys.modules))")
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------------------------------------------
# the departures (spectrans_behaviour=False)


def _specref(module, component, **config):
    """specref's model from the spectrans module's state_dict and config, spectrans's departures off."""
    from specref.compare.frameworks import to_host
    from specref.compare.spectrans_models import _model_class, read_model_config

    cls = _model_class(component)
    cfg = {**read_model_config(module, cls), **config}
    return cls.from_state_dict({k: to_host(v) for k, v in module.state_dict().items()}, **cfg)


def test_input_dropout_once():
    """spectrans applies two dropouts before block 0 (p in series); specref one (spectrans_model_input_dropout)."""
    import torch  # peer-only

    p, n = 0.5, 8
    module = spectrans_models.build("GFNet", {"num_classes": 3, "max_sequence_length": 64}, p)
    applied = []
    for name in ("positional_encoding.dropout", "dropout"):
        module.get_submodule(name).register_forward_hook(lambda m, i, o, name=name: applied.append(name))
    module.train()
    with torch.no_grad():
        module(input_ids=torch.zeros(2, n, dtype=torch.long))
    assert applied == ["positional_encoding.dropout", "dropout"]
    ours = _specref(module, "GFNet", spectrans_behaviour=False)
    theirs = _specref(module, "GFNet", spectrans_behaviour=True)
    inputs = [k for k in ours.dropout_names if not k.startswith(("blocks.", "output_head."))]
    assert inputs == ["dropout"]
    assert [k for k in theirs.dropout_names if not k.startswith(("blocks.", "output_head."))] == applied
    ids = np.zeros((4, 64), dtype=np.int64)
    _, ctx = ours.forward(ids, training=True, rng=0)
    kept = float(np.mean(ctx.mask))
    assert abs(kept - (1 - p)) < 0.05, kept  # one dropout: 1 - p kept (2048 draws: 4 sigma = 0.045)
    _, ctx2 = theirs.forward(ids, training=True, rng=0)
    assert ctx2.mask is not None and ctx2.pe is not None  # spectrans's order: the encoding's dropout, then "dropout"


@pytest.mark.parametrize("component,spec", [
    ("LSTEncoder", {"hidden_dim": 32, "positional_encoding_type": "learned"}),
    ("SpectralAttentionEncoder", {"num_heads": 2, "num_features": 4}),
    ("AlternatingTransformer", {"layer1_type": "attention", "layer2_type": "attention", "output_type": "none",
                                "layer1_config": {"num_heads": 2}, "layer2_config": {"num_heads": 2}}),
])
def test_attention_mask_reaches_the_attention(component, spec):
    """Changing masked tokens moves spectrans's kept outputs (the mask reaches the head only); specref's attention
    models keep them (spectrans_model_attention_mask)."""
    import torch  # peer-only

    module = spectrans_models.build(component, spec, 0.0).eval()
    gen = np.random.default_rng(0)
    d = module.hidden_dim
    x = gen.standard_normal((2, 8, d))
    keep = np.ones((2, 8), dtype=bool)
    keep[:, -2:] = False
    x2 = x.copy()
    x2[:, -2:] += gen.standard_normal((2, 2, d))  # not a constant (the pre-norms would remove it)

    def moved(y, y2):
        return float(np.abs(y2[keep] - y[keep]).max() / np.abs(y[keep]).max())

    with torch.no_grad():
        t = [module(inputs_embeds=torch.from_numpy(v), attention_mask=torch.from_numpy(keep)).numpy() for v in (x, x2)]
    ours = _specref(module, component, spectrans_behaviour=False)
    s = [np.asarray(ours.forward(v, attention_mask=keep)[0]) for v in (x, x2)]
    assert moved(*t) > 1e-3, moved(*t)  # spectrans: the masked tokens reach the kept outputs
    assert moved(*s) < 1e-13, moved(*s)  # specref: float64 rounding of the unchanged kept rows (none: exact)


@pytest.mark.parametrize("component", ["GFNet", "LSTTransformer", "PerformerTransformer", "HybridTransformer"])
def test_alibi_refused(component):
    """spectrans accepts 'alibi' and builds no encoding; specref refuses it (spectrans_model_alibi)."""
    import spectrans.models as sm  # peer-only

    import specref.models as rm

    d = 32 if component.startswith("LST") else 8
    module = getattr(sm, component)(vocab_size=11, hidden_dim=d, num_layers=1, max_sequence_length=8,
                                    positional_encoding_type="alibi")
    assert module.positional_encoding is None
    with pytest.raises(ValueError, match="alibi"):
        getattr(rm, component)(vocab_size=11, hidden_dim=d, num_layers=1, max_sequence_length=8,
                               positional_encoding_type="alibi")
    getattr(rm, component)(vocab_size=11, hidden_dim=d, num_layers=1, max_sequence_length=8,
                           positional_encoding_type="alibi", spectrans_behaviour=True)  # spectrans's 'none'


@pytest.mark.parametrize("component,spec", [("LSTDecoder", {"hidden_dim": 32}),
                                            ("FNODecoder", {"modes": 3, "mlp_ratio": 1.5})])
def test_decoder_causal(component, spec):
    """spectrans's decoders with causal=True (their default): position 0 depends on the last token; specref
    refuses causal=True (spectrans_decoder_not_causal)."""
    import torch  # peer-only

    import specref.models as rm

    module = spectrans_models.build(component, spec, 0.0).eval()
    assert module.causal is True
    ids = np.random.default_rng(0).integers(0, 11, (2, 8))
    ids2 = ids.copy()
    ids2[:, -1] = (ids2[:, -1] + 1) % 11
    with torch.no_grad():
        y, y2 = (module(input_ids=torch.from_numpy(v)).numpy() for v in (ids, ids2))
    assert float(np.abs(y2[:, 0] - y[:, 0]).max()) > 1e-6 * float(np.abs(y[:, 0]).max())  # causal: 0 (rounding)
    with pytest.raises(ValueError, match="causal"):
        getattr(rm, component)(vocab_size=11, causal=True, num_layers=1, max_sequence_length=8, **spec)
