"""Fourier mixing layers: forward against numpy.fft formulas, the registered grid on which the registry checks
the hand-written backward against finite differences, RealFourierMixing = FourierMixing (not the identity; odd D),
the truth of energy preservation and orthogonality (exact energy relation of the real part), spectral
properties, dropout (drawn, injected, on complex output), bad inputs, state_dict, float32 and batch shapes."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from specref.backend import finfo_eps, random_normal, to_numpy
from specref.interop.state_dict import StateDictError
from specref.layers.mixing.fourier import (
    CASES,
    FourierMixing,
    FourierMixing1D,
    RealFourierMixing,
    SeparableFourierMixing,
)
from specref.testing.checks import assert_close
from specref.testing.tolerances import fft_error_scale

EPS64 = finfo_eps("float64")
LAYERS = (FourierMixing, FourierMixing1D, RealFourierMixing, SeparableFourierMixing)
SIZES = [(6, 4), (7, 5), (5, 6), (4, 7), (1, 3), (2, 1)]  # even/odd N and D, and degenerate lengths


def _numpy_forward(layer, x):
    """The layer's math with numpy.fft in complex128 (independent of specref.transforms)."""
    x = np.asarray(x, dtype=np.complex128)
    norm = layer.fft_norm
    if isinstance(layer, (FourierMixing, RealFourierMixing)):
        z = np.fft.fft2(x, axes=(-2, -1), norm=norm)
        return z if getattr(layer, "keep_complex", False) else z.real
    if isinstance(layer, FourierMixing1D):
        z = np.fft.fft(x, axis=-2, norm=norm)
        return z if layer.keep_complex else z.real
    u = np.fft.fft(x, axis=-2, norm=norm).real if layer.mix_sequence else x
    return np.fft.fft(u, axis=-1, norm=norm).real if layer.mix_features else u


def _bound(layer, shape, dtype="float64"):
    return 2 * layer.error_scale(shape) * finfo_eps(dtype)  # specref and numpy each within c eps (reference_bound)


# ---------------------------------------------------------------------------------------------------------
# signatures: spectrans's constructor arguments and defaults


@pytest.mark.parametrize("cls, expected", [
    (FourierMixing, ["hidden_dim", "dropout", "norm_eps", "energy_tolerance", "fft_norm", "keep_complex"]),
    (FourierMixing1D, ["hidden_dim", "dropout", "norm_eps", "energy_tolerance", "fft_norm", "keep_complex"]),
    (RealFourierMixing, ["hidden_dim", "use_real_fft", "dropout", "norm_eps", "energy_tolerance", "fft_norm"]),
    (SeparableFourierMixing, ["hidden_dim", "mix_features", "mix_sequence", "dropout", "norm_eps",
                              "energy_tolerance", "fft_norm"]),
])
def test_constructor_signature_follows_spectrans(cls, expected):
    sig = inspect.signature(cls)
    assert list(sig.parameters) == expected
    defaults = {"dropout": 0.0, "norm_eps": 1e-5, "energy_tolerance": 1e-4, "fft_norm": "ortho",
                "keep_complex": False, "use_real_fft": True, "mix_features": True, "mix_sequence": True}
    for name in expected[1:]:
        assert sig.parameters[name].default == defaults[name], name


# ---------------------------------------------------------------------------------------------------------
# forward


@pytest.mark.parametrize("n, d", SIZES)
@pytest.mark.parametrize("config", [
    (FourierMixing, {}), (FourierMixing, {"keep_complex": True, "fft_norm": "backward"}),
    (FourierMixing, {"fft_norm": "forward"}), (FourierMixing1D, {}),
    (FourierMixing1D, {"keep_complex": True, "fft_norm": "forward"}), (RealFourierMixing, {}),
    (RealFourierMixing, {"fft_norm": "backward"}), (RealFourierMixing, {"use_real_fft": False}),
    (SeparableFourierMixing, {}), (SeparableFourierMixing, {"mix_features": False, "fft_norm": "backward"}),
    (SeparableFourierMixing, {"mix_sequence": False}),
], ids=lambda c: f"{c[0].__name__}{c[1]}" if isinstance(c, tuple) else None)
def test_forward_matches_numpy_formula(xp, n, d, config):
    cls, kw = config
    layer = cls(d, **kw)
    x = random_normal(0, (2, n, d), xp=xp)
    y = layer(x)
    assert tuple(y.shape) == (2, n, d)
    expected = _numpy_forward(layer, to_numpy(x))
    assert_close(to_numpy(y), expected, rtol=_bound(layer, (2, n, d)), reason="2 c eps: both within c eps")  # bound


@pytest.mark.parametrize("cls", [FourierMixing, FourierMixing1D, RealFourierMixing, SeparableFourierMixing])
def test_complex_input_matches_numpy_formula(xp, cls):
    layer = cls(5)
    z = random_normal(1, (2, 6, 5), dtype="complex128", xp=xp)
    assert_close(to_numpy(layer(z)), _numpy_forward(layer, to_numpy(z)), rtol=_bound(layer, (2, 6, 5)),  # 2 c eps
                 reason="2 c eps")


@pytest.mark.parametrize("n, d", [(6, 4), (7, 5), (5, 6), (4, 7), (3, 1), (1, 2), (8, 9)])
@pytest.mark.parametrize("norm", ["ortho", "backward", "forward"])
def test_real_fourier_mixing_equals_fourier_mixing(xp, n, d, norm):
    x = random_normal(2, (3, n, d), xp=xp)
    y_real = to_numpy(RealFourierMixing(d, fft_norm=norm)(x))
    y_fnet = to_numpy(FourierMixing(d, fft_norm=norm)(x))
    assert y_real.shape == (3, n, d)  # odd D keeps all D columns (spectrans returns D - 1)
    c = 2 * fft_error_scale(n * d)  # each side one (half) FFT of N*D points plus a real part
    assert_close(y_real, y_fnet, rtol=2 * c * EPS64, reason="two computations of Re fft2, each within c eps")  # 2 c eps


def test_real_fourier_mixing_mixes_tokens():
    # spectrans's RealFourierMixing is irfft2(rfft2(x)) = x: perturbing token 2 changes only output token 2
    x = random_normal(3, (1, 6, 4))
    bumped = x.copy()
    bumped[0, 2, 1] += 1.0
    layer = RealFourierMixing(4)
    change = np.abs(layer(bumped) - layer(x))[0].max(axis=-1)
    assert np.all(change > 0.1)  # every token moves: a token mixing
    assert not np.allclose(layer(x), x)


def test_leading_batch_shapes(xp):
    x = random_normal(5, (2, 3, 6, 5), xp=xp)
    for cls in LAYERS:
        layer = cls(5)
        y = to_numpy(layer(x))
        per_slice = np.stack([to_numpy(layer(x[i, ...])) for i in range(2)])
        np.testing.assert_array_equal(y, per_slice)  # the same FFTs on the same slices


def test_float32_precision_follows_input(xp):
    x64 = random_normal(6, (2, 6, 5), xp=xp)
    x32 = xp.astype(x64, xp.float32)
    for layer in (FourierMixing(5), FourierMixing(5, keep_complex=True), FourierMixing1D(5), RealFourierMixing(5),
                  SeparableFourierMixing(5)):
        y32, ctx = layer.forward(x32)
        assert y32.dtype == (xp.complex64 if getattr(layer, "keep_complex", False) else xp.float32)
        dx32, grads = layer.backward(ctx, y32)
        assert dx32.dtype == xp.float32 and grads == {}
        bound = 2 * layer.error_scale((2, 6, 5)) * finfo_eps("float32")  # float32 run vs float64 run: c eps32 + c eps64
        assert_close(to_numpy(y32), to_numpy(layer(x64)), rtol=bound, reason="c eps in float32")  # 2 c eps32


# ---------------------------------------------------------------------------------------------------------
# backward


# The VJPs (real and complex input, every flag and norm, dropout on a real or complex output) are checked
# once, through the registry (tests/testing/test_registry.py runs every grid point of CASES in float64 and
# float32 on every backend); this keeps the grid covering them.


def _config(point):
    return {k: v for k, v in point.items() if k not in ("N", "D", "dropout")}


def test_registered_grid_covers_every_configuration():
    cases = {c.name: c for c in CASES}
    assert list(cases) == ["FourierMixing", "FourierMixing_complex_input", "FourierMixing1D", "RealFourierMixing",
                           "SeparableFourierMixing", "FourierMixing1D_complex_input",
                           "RealFourierMixing_complex_input", "SeparableFourierMixing_complex_input"]
    expected = {  # flags of each class whose VJP is checked on real and on complex input
        "FourierMixing1D": [{"keep_complex": True}, {"fft_norm": "backward"}],
        "RealFourierMixing": [{}, {"use_real_fft": False, "fft_norm": "forward"}],
        "SeparableFourierMixing": [{}, {"mix_sequence": False}, {"mix_features": False}],
    }
    for name, configs in expected.items():
        for suffix in ("", "_complex_input"):
            flags = [set(_config(p).items()) for p in cases[name + suffix].grid]
            for config in configs:
                assert any(set(config.items()) <= f for f in flags), (name, suffix, config)
    assert any(p.get("keep_complex") and p.get("dropout") for p in cases["FourierMixing"].grid)  # complex output


def test_vjp_of_real_part_is_the_adjoint_chain():
    # dx = Re F2^H (dy + 0i) for real x: with "ortho" F2^H = ifft2 (ortho), so dx = Re ifft2(dy)
    x, dy = random_normal(8, (2, 5, 4)), random_normal(9, (2, 5, 4))
    layer = FourierMixing(4)
    dx, grads = layer.backward(layer.forward(x)[1], dy)
    assert grads == {}
    assert_close(dx, np.fft.ifft2(dy, norm="ortho").real, rtol=4 * fft_error_scale(20) * EPS64,  # two FFT routes
                 reason="two FFT computations within c eps each")
    # complex input: the gradient dL/da + i dL/db is F2^H (dy + 0i), complex
    z = random_normal(8, (2, 5, 4), dtype="complex128")
    dz, _ = layer.backward(layer.forward(z)[1], dy)
    assert_close(dz, np.fft.ifft2(dy, norm="ortho"), rtol=4 * fft_error_scale(20) * EPS64,  # as above
                 reason="two FFT computations within c eps each")


@pytest.mark.parametrize("norm", ["ortho", "backward", "forward"])
def test_real_part_map_is_symmetric_so_backward_is_the_same_mixing(xp, norm):
    # M = Re(c F_N (x) F_D) is a real symmetric matrix: for real x the backward of FNet mixing is FNet mixing
    layer = FourierMixing(5, fft_norm=norm)
    x, dy = random_normal(3, (2, 6, 5), xp=xp), random_normal(4, (2, 6, 5), xp=xp)
    dx, _ = layer.backward(layer.forward(x)[1], dy)
    assert_close(to_numpy(dx), to_numpy(layer(dy)), rtol=2 * layer.error_scale((6, 5)) * EPS64,  # each within c eps
                 reason="ifft2 route and fft2 route, each within c eps")


def test_backward_checks_the_cotangent():
    layer = FourierMixing(4)
    _, ctx = layer.forward(random_normal(0, (2, 5, 4)))
    with pytest.raises(ValueError, match="the cotangent has shape"):
        layer.backward(ctx, random_normal(0, (2, 4, 4)))
    with pytest.raises(TypeError, match="must be real"):
        layer.backward(ctx, random_normal(0, (2, 5, 4), dtype="complex128"))
    complex_layer = FourierMixing(4, keep_complex=True)
    _, ctx = complex_layer.forward(random_normal(0, (2, 5, 4)))
    with pytest.raises(TypeError, match="must be complex"):
        complex_layer.backward(ctx, random_normal(0, (2, 5, 4)))


# ---------------------------------------------------------------------------------------------------------
# energy, orthogonality, properties: the truth


def _reverse(x, axes):
    """x[..., -j mod N, -m mod D] along ``axes``."""
    for a in axes:
        x = np.roll(np.flip(x, axis=a), 1, axis=a)
    return x


@pytest.mark.parametrize("n, d", [(6, 4), (7, 5), (5, 6)])
@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_exact_energy_of_the_real_part(xp, n, d, dtype):
    # ||Re F z||^2 = (||z||^2 + Re sum_j z_j z_{-j}) / 2 for unitary F (F^T F = P, the index reversal)
    z = random_normal(10, (3, n, d), dtype=dtype, xp=xp)
    host = to_numpy(z)
    for layer, axes, scale in ((FourierMixing(d), (-2, -1), 1.0), (FourierMixing1D(d), (-2,), 1.0),
                               (FourierMixing(d, fft_norm="backward"), (-2, -1), n * d),
                               (FourierMixing(d, fft_norm="forward"), (-2, -1), 1.0 / (n * d))):
        e_out = np.sum(to_numpy(layer(z)) ** 2, axis=(-2, -1))
        e_in = np.sum(np.abs(host) ** 2, axis=(-2, -1))
        cross = np.sum(np.real(host * _reverse(host, axes)), axis=(-2, -1))
        expected = scale * (e_in + cross) / 2
        c = layer.error_scale((n, d))
        # ||y||^2 off by 2 c eps ||y||^2 (forward), each energy and the cross term by (log2 m + 3) eps of
        # their scale (two roundings per product, a pairwise sum of m = ND terms)
        tol = (2 * c + 2 * np.log2(n * d) + 6) * EPS64 * scale * e_in.max()
        assert_close(e_out, expected, rtol=0, atol=tol, reason="(2c + 2 log2 m + 6) eps energy scale")  # atol: tol


@pytest.mark.parametrize("n, d", [(6, 4), (5, 3)])
def test_energy_verification_tells_the_truth(xp, n, d):
    x = random_normal(11, (2, n, d), xp=xp)
    assert FourierMixing(d, keep_complex=True).verify_energy_preservation(x)  # unitary: Parseval
    assert FourierMixing1D(d, keep_complex=True).verify_energy_preservation(x)
    for layer in (FourierMixing(d), FourierMixing1D(d), RealFourierMixing(d), SeparableFourierMixing(d),
                  FourierMixing(d, keep_complex=True, fft_norm="backward")):
        result = layer.verify_energy_preservation(x)
        assert not result and result.measured > 0.05, (layer, result)  # Re keeps ~half; "backward" scales by ND
    x32 = xp.astype(x, xp.float32)
    result = FourierMixing(d, keep_complex=True).verify_energy_preservation(x32)
    assert result and result.tolerance > 1e6 * EPS64  # float32 tolerance derived from eps32


@pytest.mark.parametrize("n, d", [(4, 3), (3, 5), (6, 4)])
def test_properties_agree_with_measurement(n, d):
    x = random_normal(12, (3, n, d))
    configs = [FourierMixing(d), FourierMixing(d, keep_complex=True), FourierMixing(d, keep_complex=True,
               fft_norm="forward"), FourierMixing1D(d), FourierMixing1D(d, keep_complex=True), RealFourierMixing(d),
               RealFourierMixing(d, use_real_fft=False), SeparableFourierMixing(d),
               SeparableFourierMixing(d, mix_sequence=False)]
    for layer in configs:
        props = layer.get_spectral_properties()
        assert props["unitary"] == bool(layer.verify_orthogonality(sequence_length=n)), layer
        assert props["energy_preserving"] == bool(layer.verify_energy_preservation(x)), layer
        assert props["real_output"] == (not np.iscomplexobj(layer(x)))
        assert isinstance(props["notes"], str) and props["notes"]
    assert RealFourierMixing(d).get_spectral_properties()["energy_preserving"] is False  # spectrans says True


def test_degenerate_sizes_are_orthogonal():
    # N, D <= 2: the DFT matrices are real, Re F = F, the map is orthogonal (the documented exception)
    for n, d in ((1, 1), (2, 2), (1, 2)):
        assert FourierMixing(d).verify_orthogonality(sequence_length=n)


@pytest.mark.parametrize("n, d", [(4, 3), (5, 4)])
def test_singular_values_of_the_real_part(n, d):
    # Re F2 on real inputs = (F + P F)/2 restricted: singular value 1 on the P-even subspace, 0 on the P-odd one
    m = FourierMixing(d).linear_map_matrix(n)
    s = np.linalg.svd(m, compute_uv=False)
    fixed = sum(1 for j in range(n) for k in range(d) if (-j % n, -k % d) == (j, k))
    n_even = (n * d + fixed) // 2
    svd_tol = 64 * EPS64  # SVD is backward stable: singular values within a few eps * ||M|| = 1 (+ FFT error)
    assert_close(np.sort(s)[::-1], np.r_[np.ones(n_even), np.zeros(n * d - n_even)], rtol=0, atol=svd_tol)  # svd_tol
    assert float(FourierMixing(d).compute_operator_norm(n)) == pytest.approx(1.0, abs=64 * EPS64)  # as above
    backward = float(FourierMixing(d, fft_norm="backward").compute_operator_norm(n))
    assert backward == pytest.approx(np.sqrt(n * d), rel=64 * EPS64)  # sqrt(ND) times the ortho map


def test_complex_output_map_is_unitary_only_for_ortho():
    assert FourierMixing(3, keep_complex=True).verify_orthogonality(sequence_length=4)
    assert not FourierMixing(3, keep_complex=True, fft_norm="backward").verify_orthogonality(sequence_length=4)
    assert not FourierMixing(3).verify_orthogonality(sequence_length=4)


def test_real_part_is_not_translation_equivariant():
    x = random_normal(13, (1, 6, 4))
    layer = FourierMixing(4)
    shifted_then_mixed = layer(np.roll(x, 1, axis=-2))
    mixed_then_shifted = np.roll(layer(x), 1, axis=-2)
    assert not np.allclose(shifted_then_mixed, mixed_then_shifted)
    assert layer.get_spectral_properties()["translation_equivariant"] is False  # spectrans says True


def test_separable_is_not_the_2d_real_part():
    # spectrans's design: Re F_D Re F_N x = C x C, not Re(F_N x F_D) = C x C - S x S (documented, followed)
    x = random_normal(14, (1, 5, 4))
    sep = SeparableFourierMixing(4)(x)
    n, d = 5, 4
    c_n = np.cos(2 * np.pi * np.outer(np.arange(n), np.arange(n)) / n) / np.sqrt(n)
    c_d = np.cos(2 * np.pi * np.outer(np.arange(d), np.arange(d)) / d) / np.sqrt(d)
    assert_close(sep[0], c_n @ x[0] @ c_d, rtol=8 * fft_error_scale(20) * EPS64,  # FFT vs dense cosine matrices
                 reason="two FFT passes and two dense products, each within c eps")
    assert not np.allclose(sep, FourierMixing(4)(x))


# ---------------------------------------------------------------------------------------------------------
# dropout


def test_dropout_drawn_injected_and_refused():
    x = random_normal(15, (2, 5, 4))
    layer = FourierMixing(4, dropout=0.5)
    np.testing.assert_array_equal(layer(x), FourierMixing(4)(x))  # inference: no dropout
    with pytest.raises(ValueError, match="needs rng="):
        layer.forward(x, training=True)
    y1, c1 = layer.forward(x, training=True, rng=3)
    y2, _ = layer.forward(x, training=True, rng=3)
    np.testing.assert_array_equal(y1, y2)
    mask = np.random.default_rng(0).random(x.shape) >= 0.5
    y3, c3 = layer.forward(x, training=True, masks={"dropout": mask})
    np.testing.assert_array_equal(c3.mask, mask)
    expected = mask * np.fft.fft2(x, norm="ortho").real / 0.5
    assert_close(y3, expected, rtol=2 * layer.error_scale(x.shape) * EPS64, reason="2 c eps")  # 2 c eps
    with pytest.raises(ValueError, match="has shape"):
        layer.forward(x, training=True, masks={"dropout": mask[0]})
    with pytest.raises(ValueError, match="no dropout named 'attn'"):
        layer.forward(x, training=True, masks={"attn": mask})


def test_dropout_on_complex_output():
    # spectrans raises NotImplementedError (bernoulli on a complex tensor); specref applies the real keep-mask
    x = random_normal(16, (2, 5, 4))
    layer = FourierMixing(4, keep_complex=True, dropout=0.25)
    mask = np.random.default_rng(1).random(x.shape) >= 0.25
    y, ctx = layer.forward(x, training=True, masks={"dropout": mask})
    assert np.iscomplexobj(y)
    assert_close(y, mask * np.fft.fft2(x, norm="ortho") / 0.75, rtol=2 * layer.error_scale(x.shape) * EPS64,  # 2c eps
                 reason="2 c eps")
    # its VJP: the registered FourierMixing case's grid point with keep_complex and dropout


# ---------------------------------------------------------------------------------------------------------
# bad inputs, state_dict


@pytest.mark.parametrize("cls", LAYERS)
def test_bad_inputs(xp, cls):
    layer = cls(4)
    with pytest.raises(ValueError, match="hidden_dim 4 but x has 5"):
        layer(random_normal(0, (2, 3, 5), xp=xp))
    with pytest.raises(ValueError, match=r"\(B, N, D\)"):
        layer(random_normal(0, (3, 4), xp=xp))
    with pytest.raises(TypeError, match="int64"):
        layer(xp.zeros((2, 3, 4), dtype=xp.int64))
    with pytest.raises(ValueError, match="unknown norm 'unitary'; accepted: 'backward', 'ortho', 'forward'"):
        cls(4, fft_norm="unitary")
    with pytest.raises(ValueError, match=r"dropout must be a probability in \[0, 1\)"):
        cls(4, dropout=1.5)
    assert cls(4, fft_norm=None).fft_norm == "backward"  # None means "backward", as numpy and torch


@pytest.mark.parametrize("cls, flag", [(FourierMixing, "keep_complex"), (FourierMixing1D, "keep_complex"),
                                       (RealFourierMixing, "use_real_fft"), (SeparableFourierMixing, "mix_features"),
                                       (SeparableFourierMixing, "mix_sequence")])
def test_flags_are_bools(cls, flag):
    with pytest.raises(TypeError, match=f"{flag} must be True or False, got str 'no'"):
        cls(4, **{flag: "no"})  # a truthy string is refused, not read as True
    with pytest.raises(TypeError, match=f"{flag} must be True or False"):
        cls(4, **{flag: 1})
    assert getattr(cls(4, **{flag: np.True_}), flag) is True


def test_separable_needs_a_flag():
    with pytest.raises(ValueError, match="At least one of mix_features or mix_sequence must be True"):
        SeparableFourierMixing(4, mix_features=False, mix_sequence=False)


@pytest.mark.parametrize("cls", LAYERS)
def test_state_dict_is_empty_and_round_trips(cls):
    layer = cls(4)
    assert layer.params == {} and layer.state_dict() == {}
    again = cls.from_state_dict({}, hidden_dim=4)
    x = random_normal(0, (2, 3, 4))
    np.testing.assert_array_equal(again(x), layer(x))
    with pytest.raises(StateDictError, match="unexpected keys: weight"):
        cls.from_state_dict({"weight": np.zeros(1)}, hidden_dim=4)
    assert again.astype("float32").state_dict() == {} and again.to("strict").state_dict() == {}


def test_norm_none_means_backward():
    x = random_normal(0, (1, 3, 4))
    np.testing.assert_array_equal(FourierMixing(4, fft_norm=None)(x), FourierMixing(4, fft_norm="backward")(x))
