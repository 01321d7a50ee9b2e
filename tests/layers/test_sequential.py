"""Sequential: composition order, nn.Sequential's key names, masks by path, the backward as the chain rule (against
central differences of the composed forward), bad input."""

from __future__ import annotations

import numpy as np
import pytest

from specref.layers import FeedForwardNetwork, GlobalFilterMixing, Sequential
from specref.testing import check_vjp


def _seq():
    gen = np.random.default_rng(0)
    return Sequential(GlobalFilterMixing(4, 6, dropout=0.2, seed=gen), FeedForwardNetwork(4, 5, "tanh", 0.2, seed=gen))


def test_forward_is_the_composition_and_keys_are_numbered():
    seq = _seq()
    x = np.random.default_rng(1).standard_normal((2, 6, 4))
    assert list(seq.params)[:3] == ["0.filter_real", "0.filter_imag", "1.fc1.weight"]
    assert seq.dropout_names == ("0.dropout", "1.dropout")
    np.testing.assert_array_equal(seq(x), seq._child("1")(seq._child("0")(x)))


def test_backward_is_the_chain_rule():
    seq = _seq()
    x = np.random.default_rng(1).standard_normal((2, 6, 4))
    kw = {"training": True, "rng": 3}
    result = check_vjp(lambda x: seq.forward(x, **kw)[0], lambda dy, x, y: seq.backward(seq.forward(x, **kw)[1], dy)[0],
                       (x,), argnums=(0,), rng=0, error_scale=seq.error_scale(x.shape))
    assert result.passed, result
    y, ctx = seq.forward(x, **kw)
    _, grads = seq.backward(ctx, np.ones_like(y))
    assert list(grads) == list(seq.params)


def test_bad_input():
    with pytest.raises(ValueError, match="at least one layer"):
        Sequential()
    with pytest.raises(TypeError, match="not a specref Layer"):
        Sequential(GlobalFilterMixing(4, 6), "relu")
    with pytest.raises(ValueError, match="no dropout named"):
        _seq().forward(np.ones((1, 6, 4)), masks={"2.dropout": np.ones((1, 6, 4), bool)})
