"""SpectralConv1d, SpectralConv2d (spectrans's one corner) and SpectralConv2dTwoCorners (the FNO paper's):
forward against independent numpy.fft computations (spectrans's einsum and the paper's two-corner code), the
backward against the exact Jacobian of the linear maps (no finite differences), zero gradient above the kept
modes, odd/even sizes, float32, bad input, state_dict. The registry (tests/testing/test_registry.py) checks
the VJPs of the registered grid against central differences on every backend."""

from __future__ import annotations

import numpy as np
import pytest

from specref.backend import backend_name, finfo_eps, to_numpy
from specref.interop.state_dict import StateDictError
from specref.layers.operators.spectral_conv import (
    CASES,
    SpectralConv1d,
    SpectralConv2d,
    SpectralConv2dTwoCorners,
    _scale_1d,
    _scale_2d,
)
from specref.testing.checks import assert_close

EPS64 = finfo_eps("float64")


def _complex(w):
    return w[..., 0] + 1j * w[..., 1]


def _x(shape, seed=1, dtype="float64"):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ----------------------------------------------------------------------------------------------------------
# independent references (numpy.fft, written from spectrans's and the paper's code)


def ref_1d(x, weights, modes):
    """spectrans: out_ft[..., :m] = einsum('bim,iom->bom', rfft(x)[..., :m], W); irfft(out_ft, n=N)."""
    n = x.shape[-1]
    xf = np.fft.rfft(x, axis=-1)
    out = np.zeros((*x.shape[:-2], weights.shape[1], n // 2 + 1), dtype=complex)
    out[..., :modes] = np.einsum("...im,iom->...om", xf[..., :modes], _complex(weights))
    return np.fft.irfft(out, n=n, axis=-1)


def ref_2d(x, weights, modes, weights2=None):
    """spectrans (one corner) or, with ``weights2``, Li et al.'s reference code:
    out_ft[..., :m1, :m2] = X[..., :m1, :m2] W1; out_ft[..., -m1:, :m2] = X[..., -m1:, :m2] W2."""
    h, w = x.shape[-2:]
    m1, m2 = modes
    xf = np.fft.rfft2(x)
    out = np.zeros((*x.shape[:-3], weights.shape[1], h, w // 2 + 1), dtype=complex)
    mix = "...ixy,ioxy->...oxy"
    out[..., :m1, :m2] = np.einsum(mix, xf[..., :m1, :m2], _complex(weights))
    if weights2 is not None:
        out[..., h - m1:, :m2] = np.einsum(mix, xf[..., h - m1:, :m2], _complex(weights2))
    return np.fft.irfft2(out, s=(h, w))


def _ref(layer, x):
    p = layer.params
    if isinstance(layer, SpectralConv2dTwoCorners):
        return ref_2d(x, p["weights1"], layer.modes, p["weights2"])
    if isinstance(layer, SpectralConv2d):
        return ref_2d(x, p["weights"], layer.modes)
    return ref_1d(x, p["weights"], layer.modes)


def _scale(layer, x):
    c_in, c_out = layer.in_channels, layer.out_channels
    if isinstance(layer, SpectralConv2d):
        return _scale_2d({"h": x.shape[-2], "w": x.shape[-1], "c_in": c_in, "c_out": c_out})
    return _scale_1d({"n": x.shape[-1], "c_in": c_in, "c_out": c_out})


# (layer, input shape): odd and even sizes, modes at the limits, C_in != C_out, batch shapes (), (2,), (2, 1)
CONFIGS = [
    (lambda: SpectralConv1d(3, 2, 4, seed=1), (2, 3, 6)),  # even N, modes = N//2 + 1
    (lambda: SpectralConv1d(2, 3, 4, seed=2), (2, 2, 7)),  # odd N, modes = N//2 + 1
    (lambda: SpectralConv1d(2, 2, 2, seed=3), (2, 1, 2, 9)),  # truncated, two batch axes
    (lambda: SpectralConv1d(1, 4, 1, seed=4), (1, 5)),  # DC only, no batch axis
    (lambda: SpectralConv2d(2, 3, (4, 3), seed=5), (2, 2, 4, 4)),  # m1 = H, m2 = W//2 + 1
    (lambda: SpectralConv2d(3, 2, (5, 3), seed=6), (2, 3, 5, 5)),  # odd, at the limits
    (lambda: SpectralConv2d(2, 2, (2, 2), seed=7), (3, 2, 6, 7)),
    (lambda: SpectralConv2dTwoCorners(2, 3, (2, 3), seed=8), (2, 2, 4, 4)),  # 2 m1 = H: corners touch
    (lambda: SpectralConv2dTwoCorners(3, 2, (2, 3), seed=9), (2, 3, 5, 5)),  # odd H and W
    (lambda: SpectralConv2dTwoCorners(2, 2, (1, 2), seed=10), (2, 1, 2, 6, 7)),
]
IDS = [f"{f().__class__.__name__}-{'x'.join(map(str, s))}" for f, s in CONFIGS]


@pytest.mark.parametrize(("make", "shape"), CONFIGS, ids=IDS)
def test_forward_matches_numpy_fft(xp, make, shape):
    layer = make()
    x = _x(shape)
    y = to_numpy(layer.to(backend_name(xp)).forward(xp.asarray(x))[0])
    assert y.shape == (*shape[: -(2 if isinstance(layer, SpectralConv2d) else 1) - 1], layer.out_channels,
                       *shape[-(2 if isinstance(layer, SpectralConv2d) else 1):])
    assert_close(y, _ref(layer, x), rtol=2 * _scale(layer, x) * EPS64)  # specref and numpy each within c eps


def test_two_corners_is_spectrans_corner_plus_the_negative_rows():
    # the paper's layer = spectrans's one corner with weights1 + the same layer with weights1 = 0 (rows
    # [H - m1:] only), and those rows are the negative frequencies: the reference writes them at -m1..-1
    layer = SpectralConv2dTwoCorners(2, 3, (2, 2), seed=3)
    x = _x((2, 2, 6, 5))
    w1, w2 = layer.params["weights1"], layer.params["weights2"]
    y_top = SpectralConv2d(2, 3, (2, 2)).with_params((w1,))(x)
    y_bottom = layer.with_params((np.zeros_like(w1), w2))(x)
    c = _scale(layer, x)
    assert_close(layer(x), y_top + y_bottom, rtol=3 * c * EPS64)  # three results, each within c eps
    xf = np.fft.rfft2(x)
    out = np.zeros((2, 3, 6, 3), complex)
    out[..., -2:, :2] = np.einsum("bixy,ioxy->boxy", xf[..., -2:, :2], _complex(w2))  # frequencies -2, -1
    assert_close(y_bottom, np.fft.irfft2(out, s=(6, 5)), rtol=2 * c * EPS64)  # each within c eps
    assert np.max(np.abs(y_bottom)) > 0.1 * np.max(np.abs(y_top))  # the negative rows contribute


# ----------------------------------------------------------------------------------------------------------
# backward: the layer is linear in x and in the weights, so the exact VJP is <dy, y(e_j)> per unit input


def _unit_responses(fn, shape):
    """Rows: fn(e_j).ravel() for each unit array e_j of ``shape`` (the transposed Jacobian of a linear fn)."""
    size = int(np.prod(shape))
    rows = []
    for j in range(size):
        e = np.zeros(size)
        e[j] = 1.0
        rows.append(np.ravel(fn(e.reshape(shape))))
    return np.array(rows)


@pytest.mark.parametrize(("make", "shape"), [CONFIGS[1], CONFIGS[0], CONFIGS[5], CONFIGS[8]],
                         ids=[IDS[1], IDS[0], IDS[5], IDS[8]])
def test_backward_is_the_exact_transposed_jacobian(xp, make, shape):
    layer = make()
    x = _x(shape)
    on = layer.to(backend_name(xp))
    y, ctx = on.forward(xp.asarray(x))
    dy = _x(tuple(y.shape), seed=5)
    dx, grads = on.backward(ctx, xp.asarray(dy))
    c = _scale(layer, x)
    jx = _unit_responses(lambda e: _ref(layer, e), shape)  # d y / d x, one row per input entry
    assert_close(to_numpy(dx), (jx @ dy.ravel()).reshape(shape), rtol=2 * c * EPS64)  # each side within c eps
    for name, w in layer.params.items():
        def y_of(e, name=name):  # y is linear in each weight array: the reference with only it set
            params = {k: (e if k == name else np.zeros_like(v)) for k, v in layer.params.items()}
            return _ref(layer.with_params(tuple(params.values())), x)

        jw = _unit_responses(y_of, w.shape)
        assert_close(to_numpy(grads[name]), (jw @ dy.ravel()).reshape(w.shape), rtol=2 * c * EPS64)  # as dx


@pytest.mark.parametrize(("make", "shape"), CONFIGS, ids=IDS)
def test_zero_gradient_above_the_kept_modes(make, shape):
    layer = make()
    x = _x(shape)
    y, ctx = layer.forward(x)
    dx, _ = layer.backward(ctx, _x(y.shape, seed=3))
    if isinstance(layer, SpectralConv2d):
        spec, (m1, m2), h = np.fft.rfft2(dx), layer.modes, shape[-2]
        keep = np.zeros(spec.shape[-2:], bool)
        keep[:m1, :m2] = True
        if isinstance(layer, SpectralConv2dTwoCorners):
            keep[h - m1:, :m2] = True
        # dx is real, so its rfft2 is Hermitian along H in the self-conjugate columns (0 and, for even W,
        # W/2): row k1 there mirrors to row -k1, which carries the conjugate gradient and is not "above"
        for col in {0, (shape[-1] // 2) if shape[-1] % 2 == 0 else 0}:
            keep[:, col] |= keep[(-np.arange(h)) % h, col]
        outside = spec[..., ~keep]
    else:
        outside = np.fft.rfft(dx)[..., layer.modes:]
    # dx = rfft_adjoint of a spectrum that is exactly 0 outside the kept modes; the FFTs leave c eps of |dx|
    assert np.max(np.abs(outside), initial=0.0) <= _scale(layer, x) * EPS64 * np.sum(np.abs(dx))


# ----------------------------------------------------------------------------------------------------------
# precision


@pytest.mark.parametrize(("make", "shape"), [CONFIGS[1], CONFIGS[5], CONFIGS[8]], ids=[IDS[1], IDS[5], IDS[8]])
def test_float32_forward_and_backward_within_their_claim(xp, make, shape):
    layer32 = make().astype("float32")
    layer64 = layer32.astype("float64")  # the same rounded params
    x = _x(shape, dtype="float32")
    y32, ctx32 = layer32.to(backend_name(xp)).forward(xp.asarray(x))
    y64, ctx64 = layer64.forward(x.astype(np.float64))
    assert y32.dtype == xp.float32
    c = _scale(layer32, x)
    assert_close(to_numpy(y32), y64, rtol=c * finfo_eps("float32"))  # the claim: c eps32 (eps64 is negligible)
    dy = _x(tuple(y64.shape), seed=4, dtype="float32")
    dx32, g32 = layer32.to(backend_name(xp)).backward(ctx32, xp.asarray(dy))
    dx64, g64 = layer64.backward(ctx64, dy.astype(np.float64))
    assert dx32.dtype == xp.float32 and all(g.dtype == xp.float32 for g in g32.values())
    assert_close(to_numpy(dx32), dx64, rtol=c * finfo_eps("float32"))  # as the forward
    for k in g64:
        assert_close(to_numpy(g32[k]), g64[k], rtol=c * finfo_eps("float32"))  # as the forward


def test_mixed_precision_raises():
    layer = SpectralConv1d(2, 2, 2).astype("float32")
    with pytest.raises(TypeError):
        layer.forward(_x((1, 2, 4)))
    y, ctx = layer.forward(_x((1, 2, 4), dtype="float32"))
    with pytest.raises(TypeError, match="float64"):
        layer.backward(ctx, _x((1, 2, 4)))
    with pytest.raises(ValueError):
        layer.backward(ctx, _x((1, 2, 5), dtype="float32"))


# ----------------------------------------------------------------------------------------------------------
# bad input, configuration, state_dict


def test_modes_beyond_the_spectrum_raise_giving_the_limit():
    with pytest.raises(ValueError, match=r"modes must be <= 3"):
        SpectralConv1d(2, 2, 4)(_x((1, 2, 5)))  # N = 5: 3 rfft bins
    with pytest.raises(ValueError, match=r"modes\[0\] must be <= 4"):
        SpectralConv2d(2, 2, (5, 2))(_x((1, 2, 4, 4)))
    with pytest.raises(ValueError, match=r"modes\[1\] must be <= 3"):
        SpectralConv2d(2, 2, (2, 4))(_x((1, 2, 4, 5)))
    with pytest.raises(ValueError, match=r"modes\[0\] must be <= 2"):
        SpectralConv2dTwoCorners(2, 2, (3, 2))(_x((1, 2, 5, 4)))  # corners would overlap
    with pytest.raises(ValueError, match=r"modes\[1\] must be <= 2"):
        SpectralConv2dTwoCorners(2, 2, (1, 3))(_x((1, 2, 4, 3)))


def test_bad_input_raises():
    one, two = SpectralConv1d(2, 3, 2), SpectralConv2d(2, 3, (2, 2))
    with pytest.raises(ValueError, match="in_channels 2 but x has 3 channels"):
        one(_x((1, 3, 6)))
    with pytest.raises(ValueError, match="in_channels 2 but x has 4 channels"):
        two(_x((2, 4, 4, 4)))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        one(_x((6,)))
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        two(_x((4, 4)))
    with pytest.raises(ValueError, match="spatial lengths >= 1"):
        one(_x((1, 2, 0)))
    with pytest.raises(TypeError):
        one(_x((1, 2, 6)) + 0j)
    with pytest.raises(TypeError, match="accepts an array"):
        one([[0.0] * 6] * 2)
    with pytest.raises(ValueError, match="no dropout"):
        one.forward(_x((1, 2, 6)), masks={"dropout": np.ones((1, 3, 6), bool)})


def test_bad_constructor_arguments():
    with pytest.raises(ValueError):
        SpectralConv1d(0, 2, 2)
    with pytest.raises(ValueError):
        SpectralConv1d(2, 2, 0)
    with pytest.raises(TypeError):
        SpectralConv1d(2, 2, 2.0)
    with pytest.raises(ValueError):
        SpectralConv2d(2, 2, (2,))
    with pytest.raises(TypeError):
        SpectralConv2dTwoCorners(2, 2, 3)


def test_state_dict_names_shapes_init_and_bad_weights():
    layer = SpectralConv1d(4, 8, 5, seed=0)
    assert {k: v.shape for k, v in layer.state_dict().items()} == {"weights": (4, 8, 5, 2)}
    assert 0.5 / 32 < np.std(layer.params["weights"]) < 1.5 / 32  # spectrans: randn / (C_in C_out)
    np.testing.assert_array_equal(SpectralConv1d(4, 8, 5, seed=0).params["weights"], layer.params["weights"])
    two = SpectralConv2dTwoCorners(2, 3, (2, 4))
    assert {k: v.shape for k, v in two.state_dict().items()} == {"weights1": (2, 3, 2, 4, 2),
                                                                "weights2": (2, 3, 2, 4, 2)}
    assert not np.array_equal(two.params["weights1"], two.params["weights2"])
    sd = two.state_dict()
    again = SpectralConv2dTwoCorners.from_state_dict(sd, in_channels=2, out_channels=3, modes=(2, 4))
    for k, v in again.state_dict().items():
        np.testing.assert_array_equal(v, sd[k])
    with pytest.raises(StateDictError, match=r"weights2 has shape \(2, 3, 2, 3, 2\)"):
        SpectralConv2dTwoCorners.from_state_dict({**sd, "weights2": np.zeros((2, 3, 2, 3, 2))}, in_channels=2,
                                                 out_channels=3, modes=(2, 4))
    with pytest.raises(StateDictError, match=r"key weights has shape \(2, 3, 2\)"):  # complex, not pairs
        SpectralConv1d.from_state_dict({"weights": np.zeros((2, 3, 2), complex)}, in_channels=2, out_channels=3,
                                       modes=2)
    with pytest.raises(StateDictError, match="key weights has dtype complex128"):
        SpectralConv1d.from_state_dict({"weights": np.zeros((2, 3, 2, 2), complex)}, in_channels=2,
                                       out_channels=3, modes=2)


def test_registered_grid_covers_odd_even_limits_and_channels():
    assert [c.name for c in CASES] == ["SpectralConv1d", "SpectralConv2d", "SpectralConv2dTwoCorners"]
    one, two, corners = (case.grid for case in CASES)
    assert {p["n"] % 2 for p in one} == {0, 1} and any(p["modes"] == p["n"] // 2 + 1 for p in one)
    assert {p["h"] % 2 for p in two} == {0, 1} and any(p["modes"][0] == p["h"] for p in two)
    assert any(p["modes"][1] == p["w"] // 2 + 1 for p in two + corners)
    assert any(2 * p["modes"][0] == p["h"] for p in corners)
    assert all(any(p["c_in"] != p["c_out"] for p in grid) for grid in (one, two, corners))
