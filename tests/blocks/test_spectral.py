"""The spectral blocks: each wraps the layer spectrans builds, with its arguments passed on (state_dict keys as
spectrans's), the double residuals of the AFNO (#8) and wavelet (#9) blocks, the double dropout (#28), the
refused kernel types, bad input. The registry checks every VJP against central differences."""

from __future__ import annotations

import numpy as np
import pytest

from specref.blocks import (
    AFNOBlock,
    FNetBlock,
    FNO2DBlock,
    FNOBlock,
    GFNetBlock,
    LSTBlock,
    SpectralAttentionBlock,
    WaveletBlock,
)
from specref.layers import AFNOMixing, FourierNeuralOperator, Sequential


def _x(shape=(2, 8, 4), seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


def test_keys_follow_spectrans():
    pre = ["norm1.weight", "norm1.bias", "ffn.fc1.weight", "ffn.fc1.bias", "ffn.fc2.weight", "ffn.fc2.bias",
           "norm2.weight", "norm2.bias"]
    assert list(FNetBlock(4).params) == pre
    assert list(GFNetBlock(4, 8).params)[:2] == ["mixing_layer.filter_real", "mixing_layer.filter_imag"]
    afno = AFNOBlock(8, 16, modes=4, mlp_hidden_dim=12)
    assert [k for k in afno.params if k.startswith("mixing_layer.")] == [
        "mixing_layer.fourier_weight", "mixing_layer.mlp.0.weight", "mixing_layer.mlp.0.bias",
        "mixing_layer.mlp.3.weight", "mixing_layer.mlp.3.bias", "mixing_layer.norm.weight", "mixing_layer.norm.bias"]
    assert afno.params["mixing_layer.fourier_weight"].shape == (4, 4, 2)  # modes_seq = modes_hidden = modes
    assert afno.params["mixing_layer.mlp.0.weight"].shape == (12, 32)  # mlp_ratio = 12 / 8
    attention = SpectralAttentionBlock(8, 2, num_features=6)
    assert set(attention.buffers) == {"mixing_layer.kernel.omega"}  # gaussian by default; specref variant
    assert "mixing_layer.scale" in LSTBlock(8, 2).params and "mixing_layer.scale" in LSTBlock(
        8, 2, use_scaling=False).buffers
    assert list(WaveletBlock(4, "db2", 2).buffers) == [f"mixing_layer.dwt.{k}" for k in ("dec_lo", "dec_hi",
                                                                                          "rec_lo", "rec_hi")]
    assert FNOBlock(4).params["mixing_layer.spectral_conv.weights"].shape == (4, 4, 16, 2)  # modes 16 by default
    two = FNOBlock(4, modes=3, num_layers=2)
    assert "mixing_layer.1.spectral_conv.weights" in two.params and isinstance(two._child("mixing_layer"),
                                                                               Sequential)
    assert FNO2DBlock(4, 3, 2).params["mixing_layer.spectral_conv.weights"].shape == (4, 4, 3, 2, 2)


def test_the_wrapped_layer_is_built_with_spectrans_arguments():
    afno = AFNOBlock(8, 16, modes=4, activation="tanh", dropout=0.1)._child("mixing_layer")
    assert isinstance(afno, AFNOMixing) and (afno.activation, afno.dropout, afno.modes_seq) == ("tanh", 0.1, 4)
    assert LSTBlock(8, 2, dropout=0.2)._child("mixing_layer").dropout == 0.2  # p twice in series (#28)
    assert GFNetBlock(8, 16, dropout=0.2)._child("mixing_layer").dropout == 0.0  # spectrans passes none
    fno = FNOBlock(4, modes=3, activation="silu")._child("mixing_layer")
    assert isinstance(fno, FourierNeuralOperator) and fno.activation == "silu"


def test_afno_block_has_a_double_residual():
    block = AFNOBlock(4, 8, modes=2, activation="tanh")
    block = block.with_params({"mixing_layer.fourier_weight": np.zeros((2, 2, 2))})  # spectral part 0
    _, ctx = block.forward(_x())
    np.testing.assert_array_equal(ctx.m, ctx.u1)  # the mixer returns u1 + 0: h = x + LN1 x (#8)


def test_wavelet_block_at_initialisation_adds_twice_the_normed_input():
    _, ctx = WaveletBlock(4, "db2", 2).forward(_x((2, 16, 4)))
    # y_mix = u + IDWT(DWT u) with unit weights = 2 u, within the filter bank's reconstruction error
    np.testing.assert_allclose(ctx.m, 2 * ctx.u1, rtol=0, atol=1e-12)  # perfect reconstruction to ~1e-15 x few


def test_fno2d_block_takes_an_image():
    y = FNO2DBlock(3, 2, 2, activation="tanh")(_x((2, 4, 5, 3)))
    assert y.shape == (2, 4, 5, 3)


def test_spectral_attention_block_refuses_kernels_spectrans_silently_replaces():
    with pytest.raises(ValueError, match="kernel_type"):
        SpectralAttentionBlock(8, 2, kernel_type="laplacian")  # spectrans: silently gaussian (#25)


def test_spectral_attention_block_loads_spectrans_buffers_in_the_spectrans_variant():
    block = SpectralAttentionBlock(8, 2, num_features=4, variant="spectrans", seed=3)
    again = SpectralAttentionBlock.from_state_dict(block.state_dict(), hidden_dim=8, num_heads=2, num_features=4)
    assert again._child("mixing_layer").variant == "spectrans"
    np.testing.assert_array_equal(again(_x((2, 5, 8))), block(_x((2, 5, 8))))


def test_bad_input():
    with pytest.raises(ValueError, match="hidden_dim"):
        FNetBlock(0)
    with pytest.raises(ValueError, match="num_layers"):
        FNOBlock(4, num_layers=0)
    with pytest.raises(ValueError):
        GFNetBlock(4, 8)(_x((2, 8, 5)))
    with pytest.raises(ValueError, match="unexpected keys"):
        GFNetBlock.from_state_dict(FNetBlock(4).state_dict() | {"extra.weight": np.ones(2)}, hidden_dim=4,
                                   sequence_length=8)
