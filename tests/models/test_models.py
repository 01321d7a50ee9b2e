"""specref.models: construction, state_dicts, the departures from spectrans, bad input (each VJP is checked in the
registry; the comparison with spectrans is validation/test_spectrans_models.py)."""

import numpy as np
import pytest

import specref.models as sm
from specref.interop.state_dict import StateDictError

SMALL = {"hidden_dim": 8, "num_layers": 2, "max_sequence_length": 8, "ffn_hidden_dim": 6}
IDS = np.array([[1, 2, 3, 4, 5, 6], [0, 1, 2, 3, 4, 5]])


def _model(cls=sm.GFNet, **kw):
    return cls(**{"vocab_size": 11, "num_classes": 3, **SMALL, **kw})


def test_state_dict_round_trips_and_the_same_seed_gives_the_same_model():
    model = _model(seed=3)
    again = sm.GFNet.from_state_dict(model.state_dict(), vocab_size=11, num_classes=3, **SMALL)
    assert all(np.array_equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values(),
                                                    strict=True))
    assert all(np.array_equal(a, b) for a, b in zip(model.params.values(), _model(seed=3).params.values(),
                                                    strict=True))
    y1, _ = model.forward(IDS)
    y2, _ = again.forward(IDS)
    assert np.array_equal(y1, y2)


def test_keys_follow_spectrans_order():
    keys = list(_model(positional_encoding_type="learned").params)
    assert keys[0] == "embedding.weight" and keys[1] == "positional_encoding.position_embeddings.weight"
    assert keys[2].startswith("blocks.0.") and keys[-4:] == ["final_norm.weight", "final_norm.bias",
                                                             "output_head.classifier.weight",
                                                             "output_head.classifier.bias"]
    decoder = sm.LSTDecoder(11, causal=False, **SMALL)
    assert list(decoder.params)[-2:] == ["lm_head.weight", "lm_head.bias"]


def test_float32_and_embeddings_input():
    model = sm.GFNetEncoder(**SMALL).astype("float32")
    x = np.random.default_rng(0).standard_normal((2, 6, 8)).astype(np.float32)
    y, ctx = model.forward(x)
    dx, grads = model.backward(ctx, np.ones_like(y))
    assert y.dtype == np.float32 and dx.dtype == np.float32 and set(grads) == set(model.params)
    with pytest.raises(TypeError, match="float64"):
        model.backward(ctx, np.ones(y.shape))


def test_input_dropout_is_applied_once_unless_spectrans_behaviour():
    once = _model(dropout=0.1)
    twice = _model(dropout=0.1, spectrans_behaviour=True)
    assert "positional_encoding.dropout" not in once.dropout_names
    assert twice.dropout_names[:2] == ("positional_encoding.dropout", "dropout")
    keep = np.ones((2, 6, 8), bool)
    keep[0, 0, 0] = False
    x = np.ones((2, 6, 8))
    enc = sm.GFNetEncoder(**SMALL, dropout=0.5, positional_encoding_type="none")
    _, ctx = enc.forward(x, training=True, masks={"dropout": keep}, rng=0)
    assert ctx.mask is keep or np.array_equal(ctx.mask, keep)


def test_attention_mask_reaches_the_attention_layers():
    """A masked token changes no kept position's output of an attention-only model (spectrans: it does)."""
    model = sm.SpectralAttentionEncoder(**SMALL, num_heads=2, num_features=4, dropout=0.0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 6, 8))
    keep = np.array([[True, True, True, True, False, True]])
    y1, _ = model.forward(x, attention_mask=keep)
    x2 = x.copy()
    x2[0, 4] += rng.standard_normal(8)  # not a constant shift: the pre-norm would remove it
    y2, _ = model.forward(x2, attention_mask=keep)
    assert np.allclose(y1[keep], y2[keep], rtol=0, atol=1e-12)  # only roundings differ: the kept rows' inputs agree
    spectrans_like = sm.SpectralAttentionEncoder(**SMALL, num_heads=2, num_features=4, dropout=0.0,
                                                 spectrans_behaviour=True)
    z1, _ = spectrans_like.forward(x, attention_mask=keep)
    z2, _ = spectrans_like.forward(x2, attention_mask=keep)
    assert np.abs(z1[keep] - z2[keep]).max() > 1e-3


def test_refusals():
    with pytest.raises(ValueError, match="alibi"):
        _model(positional_encoding_type="alibi")
    assert "positional_encoding" not in _model(positional_encoding_type="alibi", spectrans_behaviour=True)._children
    with pytest.raises(ValueError, match="even hidden_dim"):
        _model(hidden_dim=7)
    with pytest.raises(ValueError, match="positional_encoding_type"):
        _model(positional_encoding_type="relative")
    with pytest.raises(ValueError, match="output_type"):
        _model(output_type="pooler")
    for cls in (sm.LSTDecoder, sm.FNODecoder):
        with pytest.raises(ValueError, match=r"\(causal=True\): spectrans stores the flag and never uses it"):
            cls(11, **SMALL)
    with pytest.raises(ValueError, match="use_2d"):
        sm.FNOTransformer(use_2d=True, spatial_dim=2, **SMALL)
    with pytest.raises(ValueError, match="unknown keys"):
        sm.HybridTransformer(spectral_config={"wavelet": "db2"}, **SMALL)
    with pytest.raises(ValueError, match="output_type='lm' needs"):
        sm.GFNet(output_type="lm", **SMALL)


def test_bad_input():
    model = _model()
    with pytest.raises(ValueError, match="length 9, the encoding has rows for max_sequence_length = 8"):
        model.forward(np.zeros((1, 9), dtype=np.int64))
    with pytest.raises(IndexError, match="out of range"):
        model.forward(np.array([[11, 0]]))
    with pytest.raises(ValueError, match="no embedding"):
        sm.GFNetEncoder(**SMALL).forward(IDS)
    with pytest.raises(ValueError, match=r"\(B, N, 8\)"):
        model.forward(np.zeros((2, 6, 5)))
    with pytest.raises(TypeError, match="boolean"):
        model.forward(IDS, attention_mask=np.ones((2, 6)))
    with pytest.raises(TypeError, match="token ids"):
        model.forward([[1, 2]])


def test_a_state_dict_of_another_model_names_the_keys():
    other = sm.LSTTransformer(vocab_size=11, num_classes=3, **SMALL).state_dict()
    with pytest.raises(StateDictError, match=r"missing keys: blocks\.0\.mixing_layer\.filter_real.*unexpected keys: "
                                             r"blocks\.0\.mixing_layer\.scale"):
        sm.GFNet.from_state_dict(other, vocab_size=11, num_classes=3, **SMALL)


def test_too_large_is_refused_before_allocating():
    with pytest.raises(ValueError, match=r"AFNOModel's parameters and buffers \(\d+ float64 numbers\).* \(109 GiB\)"):
        sm.AFNOModel(vocab_size=1000)  # spectrans's defaults: ~1.2 billion numbers per layer, refused at once
    with pytest.raises(ValueError, match="limit given"):
        _model(memory_limit=1000)
    _model(memory_limit=10**9)


def test_ids_give_no_input_gradient_and_embeddings_no_table_gradient():
    model = _model()
    y, ctx = model.forward(IDS)
    dx, grads = model.backward(ctx, np.ones_like(y))
    assert dx is None and np.any(grads["embedding.weight"] != 0)
    y, ctx = model.forward(np.ones((2, 6, 8)))
    dx, grads = model.backward(ctx, np.ones_like(y))
    assert dx.shape == (2, 6, 8) and np.all(grads["embedding.weight"] == 0)
