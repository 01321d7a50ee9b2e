"""torch.nn.TransformerEncoderLayer / TransformerEncoder and spectrans's FeedForwardNetwork against specref, case by
case (specref.compare.suites.torch_transformer), in the peer venv. Nothing is written.

Each case must pass with no known difference and no peer error, in float64, every tensor within its derived bound:
the output and the gradients of the input and of every parameter (autograd: torch's regular path), or the output
alone where torch ran its fused eval path under ``no_grad``. Model width 1 (spectrans's WaveletMixing2D builds its
encoder so) is checked against torch directly: a post-norm layer's output is ``norm2.bias`` and its input gradient
exactly 0, on both sides.
"""

from __future__ import annotations

import numpy as np
import pytest

from specref.compare import suites

_INSTALLED, _PIP = suites.peer_available("spectrans")


def _params():
    if not _INSTALLED:
        return [pytest.param(None, id="peers-not-installed",
                             marks=pytest.mark.skip(reason=f"torch and spectrans are needed ({_PIP})"))]
    from specref.compare.suites import torch_transformer

    every = torch_transformer.cases() + torch_transformer.spectrans_cases()
    return [pytest.param(c, id=f"{c.peer}:{c.id}") for c in every]


def _param_names(case):
    from specref.compare.suites.torch_transformer import E, F, H
    from specref.layers.attention.transformer import TransformerEncoder, TransformerEncoderLayer
    from specref.layers.feedforward import FeedForwardNetwork

    if case.component == "FeedForwardNetwork":
        return list(FeedForwardNetwork(E, F).params)
    if case.component == "TransformerEncoderLayer":
        return list(TransformerEncoderLayer(E, H, dim_feedforward=F).params)
    final_norm = case.label.split("-")[1] == "true"  # labels: "<post|pre>-<final_norm>-<padded>-<mode>"
    return list(TransformerEncoder(2, d_model=E, nhead=H, dim_feedforward=F, final_norm=final_norm).params)


@pytest.mark.parametrize("case", _params())
def test_suite_case(case):
    result = case.run()
    assert not result.known and not result.peer_error, result.message()
    assert result.passed, result.message()
    assert result.dtype == "float64"
    names = [t.name for t in result.tensors]
    if case.label.endswith("fastpath"):
        assert names == ["output"]
        return
    assert names == ["output", "grad x"] + [f"grad {k}" for k in _param_names(case)]


def test_suite_coverage():
    if not _INSTALLED:
        pytest.skip(f"torch and spectrans are needed ({_PIP})")
    from specref.compare.suites import torch_transformer as suite

    labels = {c.label for c in suite.cases() if c.component == "TransformerEncoderLayer"}
    for norm in ("post", "pre"):
        for act in ("relu", "gelu"):
            for pad in ("padded", "unpadded"):
                for mode in ("eval", "train", "fastpath"):
                    assert f"{norm}-{act}-{pad}-{mode}" in labels
    encoder = [c.label for c in suite.cases() if c.component == "TransformerEncoder"]
    assert any(lab.startswith("pre-true-padded") for lab in encoder) and any("post-" in lab for lab in encoder)
    ffn = {c.label for c in suite.spectrans_cases()}
    assert {f"{a}-{m}" for a in suite.FFN_ACTIVATIONS for m in ("eval", "train")} == ffn


def test_model_width_one_against_torch():
    if not _INSTALLED:
        pytest.skip(f"torch is needed ({_PIP})")
    import torch

    from specref.layers.attention.transformer import TransformerEncoderLayer

    torch.manual_seed(0)
    peer = torch.nn.TransformerEncoderLayer(1, 1, dim_feedforward=4, dropout=0.0, batch_first=True).double()
    with torch.no_grad():
        peer.norm2.bias.fill_(0.25)
    x = np.random.default_rng(0).standard_normal((2, 6, 1)) * 3.0
    xt = torch.from_numpy(x).requires_grad_(True)
    yt = peer(xt)
    dy = np.random.default_rng(1).standard_normal(x.shape)
    (yt * torch.from_numpy(dy)).sum().backward()
    assert torch.all(yt == 0.25) and torch.all(xt.grad == 0.0)  # torch: a constant, no input gradient
    ours = TransformerEncoderLayer.from_state_dict({k: v.detach().numpy() for k, v in peer.state_dict().items()},
                                                   d_model=1, nhead=1, dim_feedforward=4, dropout=0.0)
    y, ctx = ours.forward(x)
    dx, grads = ours.backward(ctx, dy)
    assert np.all(y == 0.25) and np.all(dx == 0.0)
    assert grads["norm2.bias"][0] == pytest.approx(peer.norm2.bias.grad.item(), rel=1e-14)  # 18-term sums
