"""The input contract every mixing layer keeps alike: arrays only (a list is a TypeError saying so), one rule
for a sequence of length 0 (a ValueError naming the length), a backward that refuses a cotangent of another
precision, and init scales that are finite and >= 0."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.layers.base import check_sequence_input
from specref.layers.mixing.afno import AFNOMixing
from specref.layers.mixing.afno_block_diagonal import BlockDiagonalAFNOMixing
from specref.layers.mixing.fourier import FourierMixing, FourierMixing1D, RealFourierMixing, SeparableFourierMixing
from specref.layers.mixing.global_filter import AdaptiveGlobalFilter, GlobalFilterMixing, GlobalFilterMixing2D
from specref.layers.mixing.wavelet import WaveletMixing

D, N = 8, 6

LAYERS = {
    "AFNOMixing": lambda: AFNOMixing(hidden_dim=D, max_sequence_length=N),
    "BlockDiagonalAFNOMixing": lambda: BlockDiagonalAFNOMixing(hidden_dim=D, num_blocks=2),
    "FourierMixing": lambda: FourierMixing(hidden_dim=D),
    "FourierMixing1D": lambda: FourierMixing1D(hidden_dim=D),
    "RealFourierMixing": lambda: RealFourierMixing(hidden_dim=D),
    "SeparableFourierMixing": lambda: SeparableFourierMixing(hidden_dim=D),
    "GlobalFilterMixing": lambda: GlobalFilterMixing(hidden_dim=D, sequence_length=N),
    "GlobalFilterMixing2D": lambda: GlobalFilterMixing2D(hidden_dim=D, sequence_length=N),
    "AdaptiveGlobalFilter": lambda: AdaptiveGlobalFilter(hidden_dim=D, sequence_length=N),
    "WaveletMixing": lambda: WaveletMixing(hidden_dim=D, wavelet="db1", levels=1),
}


@pytest.mark.parametrize("name", LAYERS)
def test_a_list_input_is_a_type_error_saying_arrays_are_accepted(name):
    layer = LAYERS[name]()
    x = np.zeros((2, N, D)).tolist()
    with pytest.raises(TypeError, match=rf"{name} accepts an array for x \(NumPy, CuPy or array-api-strict\), got "
                                        r"list; convert it first"):
        layer.forward(x)
    with pytest.raises(TypeError, match="got float"):
        layer.forward(1.0)


@pytest.mark.parametrize("name", LAYERS)
def test_a_0d_input_is_a_value_error_naming_the_shape(name):
    with pytest.raises(ValueError, match=rf"{name} needs input of shape \(B, N, D\).*x has shape \(\)"):
        LAYERS[name]().forward(np.array(1.0))


@pytest.mark.parametrize("name", LAYERS)
def test_a_sequence_of_length_0_is_refused_alike_by_every_layer(name):
    with pytest.raises(ValueError, match=rf"{name} needs a sequence length >= 1 \(axis -2\); x has shape "
                                         r"\(2, 0, 8\), a sequence of length 0"):
        LAYERS[name]().forward(np.zeros((2, 0, D)))


@pytest.mark.parametrize("name", [n for n in LAYERS if n != "GlobalFilterMixing2D"])
def test_mismatched_features_name_hidden_dim_and_the_shape(name):
    with pytest.raises(ValueError, match=rf"{name} has hidden_dim 8 but x has 5 features \(shape \(2, 6, 5\)\)"):
        LAYERS[name]().forward(np.zeros((2, N, 5)))


def test_global_filter_2d_takes_any_width_but_not_an_empty_one():
    layer = LAYERS["GlobalFilterMixing2D"]()
    assert layer.forward(np.zeros((2, N, 5)))[0].shape == (2, N, 5)  # the filters are interpolated to D' = 5
    with pytest.raises(ValueError, match=r"GlobalFilterMixing2D needs a last axis of length >= 1"):
        layer.forward(np.zeros((2, N, 0)))


def test_check_sequence_input_rules():
    check_sequence_input(np.zeros((1, 2, 3)), 3)
    check_sequence_input(np.zeros((1, 2, 3)), None)
    with pytest.raises(TypeError, match="L accepts an array for x"):
        check_sequence_input([[[0.0]]], 1, layer="L")
    with pytest.raises(ValueError, match="a sequence of length 0"):
        check_sequence_input(np.zeros((1, 0, 3)), 3)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("forward_dtype", ["float64", "float32"])
def test_backward_refuses_a_cotangent_of_the_other_precision(name, forward_dtype):
    layer = LAYERS[name]().astype(forward_dtype)
    x = np.random.default_rng(0).standard_normal((2, N, D)).astype(forward_dtype)
    y, ctx = layer.forward(x)
    other = "float32" if forward_dtype == "float64" else "float64"
    dy = y.astype(other if not np.iscomplexobj(y) else {"float32": "complex64", "float64": "complex128"}[other])
    with pytest.raises(TypeError, match=rf"{name}\.backward: the cotangent dy has dtype \w+, but the forward ran in "
                                        rf"{forward_dtype} \(the forward's input\)"):
        layer.backward(ctx, dy)


def test_afno_float64_with_a_float32_cotangent_no_longer_mixes_gradients():
    """The issue's example: a float32 cotangent used to give one float32 gradient and six float64 ones."""
    layer = AFNOMixing(hidden_dim=D, max_sequence_length=N)
    x = np.random.default_rng(1).standard_normal((2, N, D))
    y, ctx = layer.forward(x)
    with pytest.raises(TypeError, match=r"AFNOMixing\.backward: the cotangent dy has dtype float32, but the forward "
                                        r"ran in float64"):
        layer.backward(ctx, y.astype(np.float32))
    with pytest.raises(TypeError, match="expected an array"):
        layer.backward(ctx, y.tolist())
    dx, grads = layer.backward(ctx, y)  # the forward's precision: every gradient float64
    assert dx.dtype == np.float64 and all(g.dtype == np.float64 for g in grads.values())


@pytest.mark.parametrize("cls", [GlobalFilterMixing, GlobalFilterMixing2D, AdaptiveGlobalFilter])
@pytest.mark.parametrize("bad", [-0.02, math.inf, math.nan])
def test_filter_init_std_must_be_finite_and_nonnegative(cls, bad):
    with pytest.raises(ValueError, match=r"filter_init_std must be a finite number >= 0, got"):
        cls(hidden_dim=D, sequence_length=N, filter_init_std=bad)


def test_filter_init_std_type_and_zero():
    with pytest.raises(TypeError, match="filter_init_std must be a real number, got str"):
        GlobalFilterMixing(hidden_dim=D, sequence_length=N, filter_init_std="0.02")
    layer = GlobalFilterMixing(hidden_dim=D, sequence_length=N, filter_init_std=0)
    assert not np.any(layer.params["filter_real"]) and layer.filter_init_std == 0.0


@pytest.mark.parametrize("bad", [-1.0, math.inf, math.nan])
def test_filter_regularization_must_be_finite_and_nonnegative(bad):
    with pytest.raises(ValueError, match=r"filter_regularization must be a finite number >= 0"):
        AdaptiveGlobalFilter(hidden_dim=D, sequence_length=N, filter_regularization=bad)


def test_verify_shape_consistency_refuses_a_list():
    layer = LAYERS["FourierMixing"]()
    x = np.zeros((1, N, D))
    assert layer.verify_shape_consistency(x, x)
    with pytest.raises(TypeError, match="expected an array .*got list"):
        layer.verify_shape_consistency(x.tolist(), x)


def test_linear_map_matrix_refuses_a_size_that_cannot_fit():
    layer = FourierMixing(hidden_dim=4096)
    with pytest.raises(ValueError, match=r"linear_map_matrix\(sequence_length=1048576\)"):
        layer.linear_map_matrix(2**20)
