"""BlockDiagonalAFNOMixing (the AFNO of Guibas et al., as NVlabs's AFNO1D): forward against an independent
NumPy implementation of the paper's operator, the registered grid on which the registry checks the VJPs of
the input and every parameter (away from the kinks), state_dict names, defaults, bad arguments (its
primitives block_linear and softshrink are tested in tests/ops)."""

from __future__ import annotations

import numpy as np
import pytest

from specref.backend import finfo_eps, to_numpy
from specref.layers.mixing.afno_block_diagonal import CASES, BlockDiagonalAFNOMixing, _randomize
from specref.testing.checks import assert_close

from .test_afno import _np_act, _on


def _layer(seed=0, **config):
    """A BlockDiagonalAFNOMixing with every param drawn O(1) (the registry's generic point), float64 NumPy."""
    gen = np.random.default_rng(seed)
    return _randomize(BlockDiagonalAFNOMixing(**config, seed=gen), gen)


# ----------------------------------------------------------------------------------------------------------
# independent reference, written from the formulas (NVlabs AFNO1D)


def reference_paper(x, p, *, num_blocks, fraction, lam, activation):
    """AFNO1D in real arithmetic, block by block: rfft ortho along L, keep int((L//2+1) fraction) bins, two
    complex affine maps written with real and imaginary parts, activation and softshrink on each part."""
    b, length, d = x.shape
    bs = d // num_blocks
    spectrum = np.fft.rfft(x, axis=1, norm="ortho")
    kept = int((length // 2 + 1) * fraction)
    out = np.zeros_like(spectrum)

    def shrink(v):
        return np.sign(v) * np.maximum(np.abs(v) - lam, 0.0)

    for k in range(num_blocks):
        xr = spectrum[:, :kept, k * bs:(k + 1) * bs].real
        xi = spectrum[:, :kept, k * bs:(k + 1) * bs].imag
        w1r, w1i, w2r, w2i = p["w1"][0, k], p["w1"][1, k], p["w2"][0, k], p["w2"][1, k]
        h_r = _np_act(activation, xr @ w1r - xi @ w1i + p["b1"][0, k])
        h_i = _np_act(activation, xi @ w1r + xr @ w1i + p["b1"][1, k])
        o_r = shrink(h_r @ w2r - h_i @ w2i + p["b2"][0, k])
        o_i = shrink(h_i @ w2r + h_r @ w2i + p["b2"][1, k])
        out[:, :kept, k * bs:(k + 1) * bs] = o_r + 1j * o_i
    return x + np.fft.irfft(out, n=length, axis=1, norm="ortho")



@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("config", [(8, 2, 1, 11, 1.0, 0.01), (6, 3, 2, 8, 0.6, 0.3), (8, 8, 1, 9, 0.5, 0.01),
                                    (4, 1, 3, 6, 1.0, 0.0)])
def test_forward_matches_reference_paper(xp, config, activation):
    d, nb, f, length, frac, lam = config
    layer = _layer(hidden_dim=d, num_blocks=nb, hidden_size_factor=f, hard_thresholding_fraction=frac,
                   sparsity_threshold=lam, activation=activation)
    x = np.random.default_rng(3).standard_normal((2, length, d))
    y = to_numpy(_on(layer, xp).forward(xp.asarray(x))[0])
    expected = reference_paper(x, layer.params, num_blocks=nb, fraction=frac, lam=lam, activation=activation)
    c = layer.error_scale(x.shape)
    assert_close(y, expected, rtol=2 * c * finfo_eps("float64"))  # specref and the reference each within c eps



# ----------------------------------------------------------------------------------------------------------
# VJPs of the input and every parameter: checked once, through the registry (tests/testing/test_registry.py
# runs every grid point of CASES in float64 and float32 on every backend); this keeps the grid covering them


def test_registered_grid_covers_every_configuration():
    (case,) = CASES
    assert {p.get("activation", "relu") for p in case.grid} == {"relu", "tanh", "silu"}
    assert {p["L"] % 2 for p in case.grid} == {0, 1}  # even and odd L
    assert {p.get("hard_thresholding_fraction", 1.0) < 1.0 for p in case.grid} == {True, False}  # truncation
    assert any(p.get("hidden_size_factor", 1) > 1 for p in case.grid)
    assert any(p.get("sparsity_threshold", 0.01) != 0.01 for p in case.grid)


def test_paper_with_no_kept_mode_is_the_identity():
    layer = BlockDiagonalAFNOMixing(4, num_blocks=2, hard_thresholding_fraction=0.0)
    x = np.random.default_rng(0).standard_normal((2, 5, 4))
    y, ctx = layer.forward(x)
    np.testing.assert_array_equal(y, x)  # exactly: the spectrum is all zeros, irfft of zeros is 0
    dy = np.random.default_rng(1).standard_normal(x.shape)
    dx, grads = layer.backward(ctx, dy)
    np.testing.assert_array_equal(dx, dy)
    assert all(not np.any(g) for g in grads.values())


def test_state_dict_names_shapes_and_order_match_nvlabs():
    layer = BlockDiagonalAFNOMixing(12, num_blocks=3, hidden_size_factor=2)
    assert [(k, v.shape) for k, v in layer.state_dict().items()] == [
        ("w1", (2, 3, 4, 8)), ("b1", (2, 3, 8)), ("w2", (2, 3, 8, 4)), ("b2", (2, 3, 4))]
    again = BlockDiagonalAFNOMixing.from_state_dict(layer.state_dict(), hidden_dim=12, num_blocks=3,
                                                    hidden_size_factor=2)
    for k, v in again.state_dict().items():
        np.testing.assert_array_equal(v, layer.state_dict()[k])


def test_initialisation_law_and_defaults():
    paper = BlockDiagonalAFNOMixing(16, seed=3)  # K = 8, bs = 2
    assert 0.01 < float(np.std(paper.params["w1"])) < 0.03  # 0.02 randn, 64 draws: std within 0.02 +- 0.01
    assert (paper.num_blocks, paper.sparsity_threshold, paper.hard_thresholding_fraction,
            paper.hidden_size_factor, paper.activation, paper.dropout_names) == (8, 0.01, 1.0, 1, "relu", ())
    props = paper.get_spectral_properties()
    assert not props["mode_truncation"] and not props["unitary"] and props["real_output"]
    assert BlockDiagonalAFNOMixing(16, hard_thresholding_fraction=0.5).get_spectral_properties()["mode_truncation"]


def test_bad_inputs_and_arguments():
    paper = BlockDiagonalAFNOMixing(4, num_blocks=2)
    with pytest.raises(ValueError, match="its dropouts are: none"):
        paper.forward(np.zeros((2, 6, 4)), masks={"mlp.2": np.ones((2, 8), bool)})
    paper.forward(np.zeros((2, 11, 4)))  # no maximum length
    with pytest.raises(ValueError, match="hidden_dim 4 but x has 5"):
        paper.forward(np.zeros((2, 6, 5)))
    y, ctx = paper.forward(np.zeros((2, 6, 4)))
    with pytest.raises(ValueError, match="the cotangent has shape"):
        paper.backward(ctx, np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match="unknown activation 'swish'; accepted: 'gelu', 'relu', 'silu'"):
        BlockDiagonalAFNOMixing(4, num_blocks=2, activation="swish")
    with pytest.raises(ValueError, match="hidden_dim 6 is not divisible by num_blocks 4"):
        BlockDiagonalAFNOMixing(6, num_blocks=4)
    with pytest.raises(ValueError, match="hard_thresholding_fraction must be in"):
        BlockDiagonalAFNOMixing(4, num_blocks=2, hard_thresholding_fraction=1.5)
    with pytest.raises(ValueError, match="sparsity_threshold"):
        BlockDiagonalAFNOMixing(4, num_blocks=2, sparsity_threshold=-0.1)
    with pytest.raises(TypeError, match="num_blocks must be an integer"):
        BlockDiagonalAFNOMixing(4, num_blocks=2.0)
    with pytest.raises(TypeError, match="modes_seq"):  # a keyword of spectrans's AFNOMixing
        BlockDiagonalAFNOMixing(4, num_blocks=2, modes_seq=2)


def test_case_inputs_stay_away_from_the_kinks():
    # the registered case redraws b1 (ReLU at 0) and b2 (softshrink at +-lambda) so that no part of Z1, Z2
    # lies within KINK_GAP of a kink: central differences across a kink are meaningless
    from specref.testing.draws import KINK_GAP

    (case,) = CASES
    for point in case.grid:
        inputs = case.make(np.random.default_rng(0), np, "float64", **point)
        layer, x = inputs.kwargs["layer"], inputs.args[0]
        ctx = layer.forward(x)[1]
        lam = layer.sparsity_threshold
        for part in (ctx.z2.real, ctx.z2.imag):
            assert np.min(np.abs(np.abs(part) - lam)) >= KINK_GAP
        if layer.activation == "relu":
            for part in (ctx.z1.real, ctx.z1.imag):
                assert np.min(np.abs(part)) >= KINK_GAP
