"""models.heads: the poolings read what spectrans's read, bad configuration."""

import numpy as np
import pytest

from specref.models.heads import ClassificationHead, RegressionHead, SequenceHead


def _h():
    return np.random.default_rng(0).standard_normal((2, 5, 4))


def test_cls_pooling_reads_the_first_position_and_ignores_the_mask():
    head = ClassificationHead(4, 3, dropout=0.0)
    h = _h()
    w, b = head.params["classifier.weight"], head.params["classifier.bias"]
    keep = np.zeros((2, 5), bool)
    keep[:, 1] = True
    y, ctx = head.forward(h, attention_mask=keep)
    assert np.allclose(y, h[:, 0] @ w.T + b, rtol=0, atol=1e-15)  # a 4-term dot product
    dh, _ = head.backward(ctx, np.ones_like(y))
    assert np.all(dh[:, 1:] == 0)


def test_mean_pooling_under_a_mask():
    head = RegressionHead(4, dropout=0.0)
    h = _h()
    keep = np.array([[True, True, False, False, False], [True] * 5])
    y, _ = head.forward(h, attention_mask=keep)
    w, b = head.params["regressor.weight"], head.params["regressor.bias"]
    pooled = np.stack([h[0, :2].mean(0), h[1].mean(0)])
    assert np.allclose(y, pooled @ w.T + b, rtol=0, atol=1e-15)  # a mean of <= 5 terms and a dot product of 4


def test_sequence_head_keeps_every_position():
    y, _ = SequenceHead(4, 7, dropout=0.0).forward(_h())
    assert y.shape == (2, 5, 7)


def test_bad_configuration():
    with pytest.raises(ValueError, match="pooling"):
        ClassificationHead(4, 3, pooling="first")
    with pytest.raises(ValueError):
        SequenceHead(4, 0)
