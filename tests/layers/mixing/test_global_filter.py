"""Global filter layers: forward against an independent NumPy formula (numpy.fft, numpy.interp), the registered
grid on which the registry checks the VJPs of the input and both filters (equal and different lengths, both
interpolations), the Hermitian-part equivalence, AdaptiveGlobalFilter's initialization, regularization and
spectral dropout, bad inputs, state_dict, dtypes.

Tolerances derive from the layer's error scale c = 2 fft_error_scale(points) + 8 (GlobalFilterMixing.error_scale):
specref and a float64 reference each within c eps differ by at most 2 c eps.
"""

from __future__ import annotations

import inspect
from functools import partial

import numpy as np
import pytest

from specref.backend import finfo_eps, random_normal, to_numpy
from specref.layers.mixing.global_filter import (
    CASES,
    AdaptiveGlobalFilter,
    GlobalFilterMixing,
    GlobalFilterMixing2D,
    adaptive_frequency_weights,
)
from specref.testing.checks import assert_close

EPS = finfo_eps("float64")
ACT = {"sigmoid": lambda w: 1.0 / (1.0 + np.exp(-w)), "tanh": np.tanh, "identity": lambda w: w}


def tol(layer, shape) -> float:
    return 2.0 * layer.error_scale(shape) * EPS  # specref and the NumPy reference each within c eps


# ----------------------------------------------------------------------------------------------------------
# an independent NumPy implementation


def np_interp_rows(w, size, mode):
    """Rows of w (N, D) resampled to ``size`` with numpy.interp (no specref code)."""
    n = w.shape[0]
    if size == n:
        return w
    j = np.arange(size)
    if mode == "fft_bin":  # half-pixel source coordinates; numpy.interp clamps at both ends
        pos, grid, vals = (j + 0.5) * n / size - 0.5, np.arange(n), w
    else:  # periodic: positions j n / size on a circle of n samples (sample n is sample 0 again)
        pos, grid, vals = j * n / size, np.arange(n + 1), np.concatenate([w, w[:1]], axis=0)
    return np.stack([np.interp(pos, grid, vals[:, d]) for d in range(w.shape[1])], axis=1)


def np_global_filter(x, wr, wi, *, activation, norm, mode="fft_bin", two_d=False):
    size = x.shape[-2:] if two_d else (x.shape[-2], wr.shape[1])
    def resize(w):
        w = np_interp_rows(w, size[0], mode)
        return np_interp_rows(w.T, size[1], mode).T if two_d else w
    h = ACT[activation](resize(wr)) + 1j * ACT[activation](resize(wi))
    if two_d:
        return np.real(np.fft.ifft2(h * np.fft.fft2(x, norm=norm), norm=norm))
    return np.real(np.fft.ifft(h * np.fft.fft(x, axis=-2, norm=norm), axis=-2, norm=norm))


CONFIGS = [
    # (class, N, D, input shape, activation, fft_norm, interpolation)
    (GlobalFilterMixing, 6, 4, (2, 6, 4), "sigmoid", "ortho", "fft_bin"),
    (GlobalFilterMixing, 7, 3, (3, 7, 3), "tanh", "backward", "fft_bin"),
    (GlobalFilterMixing, 8, 3, (2, 5, 3), "identity", "forward", "fft_bin"),  # shorter
    (GlobalFilterMixing, 5, 2, (2, 12, 2), "sigmoid", "ortho", "fft_bin"),  # longer
    (GlobalFilterMixing, 6, 3, (2, 9, 3), "tanh", "ortho", "frequency"),
    (GlobalFilterMixing, 9, 2, (2, 4, 2), "sigmoid", "ortho", "frequency"),
    (AdaptiveGlobalFilter, 6, 4, (2, 6, 4), "sigmoid", "ortho", "fft_bin"),
    (AdaptiveGlobalFilter, 7, 3, (2, 10, 3), "tanh", "backward", "fft_bin"),
    (AdaptiveGlobalFilter, 6, 3, (2, 4, 3), "identity", "ortho", "frequency"),
    (GlobalFilterMixing2D, 6, 4, (2, 6, 4), "sigmoid", "ortho", "fft_bin"),
    (GlobalFilterMixing2D, 5, 4, (2, 7, 3), "tanh", "forward", "fft_bin"),  # (L, D') != (N, D)
    (GlobalFilterMixing2D, 6, 3, (2, 4, 5), "identity", "ortho", "frequency"),
]


def make(cls, n, d, activation, norm, mode, xp=None, seed=0, **kw):
    layer = cls(d, n, activation=activation, fft_norm=norm, filter_init_std=1.0, filter_interpolation=mode,
                seed=seed, **kw)
    return layer if xp is None else layer.to(xp)


@pytest.mark.parametrize("cls,n,d,shape,activation,norm,mode", CONFIGS)
def test_forward_matches_numpy(xp, cls, n, d, shape, activation, norm, mode):
    layer = make(cls, n, d, activation, norm, mode, xp=xp)
    x = random_normal(1, shape, xp=xp)
    y, _ = layer.forward(x)
    assert y.shape == tuple(shape) and y.dtype == xp.float64
    sd = layer.state_dict()
    expected = np_global_filter(to_numpy(x), sd["filter_real"], sd["filter_imag"], activation=activation,
                                norm=norm, mode=mode, two_d=cls is GlobalFilterMixing2D)
    assert_close(y, expected, rtol=tol(layer, shape), reason="2 c eps")


# The VJPs of the input and both filters (and of the regularization loss) are checked once, through the
# registry (tests/testing/test_registry.py runs every grid point of CASES in float64 and float32 on every
# backend); this keeps the grid covering every configuration of CONFIGS: class x interpolation x (L < N,
# L = N, L > N), every activation and norm, each dropout.


def _relation(point):
    return (point.get("interpolation", "fft_bin"), (point["L"] > point["n"]) - (point["L"] < point["n"]))


def test_registered_grid_covers_every_configuration():
    assert [c.name for c in CASES] == ["GlobalFilterMixing", "GlobalFilterMixing2D", "AdaptiveGlobalFilter"]
    grids = {case.name: case.grid for case in CASES}
    for cls, n, _d, shape, activation, norm, mode in CONFIGS:
        grid = grids[cls.__name__]
        assert (mode, (shape[-2] > n) - (shape[-2] < n)) in {_relation(p) for p in grid}, (cls, n, shape, mode)
        assert activation in {p["activation"] for p in grid} and norm in {p["fft_norm"] for p in grid}
    assert any(p.get("p") for p in grids["GlobalFilterMixing"])  # output dropout
    assert any(p.get("ps") and p.get("p") for p in grids["AdaptiveGlobalFilter"])  # both dropouts
    assert any("d2" in p and p.get("interpolation") == "frequency" for p in grids["GlobalFilterMixing2D"])
    assert any(c.extra_checks for c in CASES if c.name == "AdaptiveGlobalFilter")  # regularization_vjp


# ----------------------------------------------------------------------------------------------------------
# what the layer computes


@pytest.mark.parametrize("length", [6, 7])
def test_only_the_hermitian_part_acts(length):
    layer = make(GlobalFilterMixing, length, 3, "tanh", "ortho", "fft_bin")
    x = random_normal(4, (2, length, 3))
    y, ctx = layer.forward(x)
    h_eff = to_numpy(layer.effective_filter())
    # Hermitian filter -> the product is Hermitian -> irfft of the half spectrum gives the same output
    via_rfft = np.fft.irfft(h_eff[: length // 2 + 1] * np.fft.rfft(x, axis=-2, norm="ortho"), n=length, axis=-2,
                            norm="ortho")
    assert_close(y, via_rfft, rtol=tol(layer, x.shape), reason="2 c eps")
    # filter_imag at DC (and Nyquist, even length) never reaches the output: zero gradient, exactly. The
    # layer works on the half spectrum, where rfft's (and irfft's adjoint's) DC and Nyquist bins are real by
    # construction, and the symmetrisation (6)* gives those self-conjugate bins the real part of their gradient.
    _, grads = layer.backward(ctx, random_normal(5, y.shape))
    g = grads["filter_imag"]
    assert np.all(g[0] == 0.0)
    if length % 2 == 0:
        assert np.all(g[length // 2] == 0.0)
    assert np.all(g[1] != 0.0)


DUAL = {"ortho": "ortho", "backward": "forward", "forward": "backward"}


@pytest.mark.parametrize("two_d", [False, True])
@pytest.mark.parametrize("length", [6, 7])
@pytest.mark.parametrize("norm", ["ortho", "backward", "forward"])
def test_gradients_equal_the_complex_fft_chain(two_d, length, norm):
    # The layer runs rfft/irfft with the Hermitian half of the filter (eqs. (1), (6)-(8)); spectrans's chain is
    # y = Re ifft(H fft x). Its gradients, in NumPy: dY = ifft^*(dy) = fft(dy, dual norm), dx = Re fft^*(dY conj H)
    # = Re ifft(dY conj H, dual norm), dH = sum_batch dY conj(fft x); dW = a'(W) (Re dH, Im dH) (tanh: 1 - a^2).
    cls = GlobalFilterMixing2D if two_d else GlobalFilterMixing
    layer = make(cls, length, 5, "tanh", norm, "fft_bin")
    x, dy = random_normal(4, (3, length, 5)), random_normal(5, (3, length, 5))
    _, ctx = layer.forward(x)
    dx, grads = layer.backward(ctx, dy)
    sd = layer.state_dict()
    hr, hi = np.tanh(sd["filter_real"]), np.tanh(sd["filter_imag"])
    fft, ifft = (np.fft.fft2, np.fft.ifft2) if two_d else (partial(np.fft.fft, axis=-2), partial(np.fft.ifft, axis=-2))
    d_y_hat = fft(dy, norm=DUAL[norm])
    expected_dx = np.real(ifft(d_y_hat * np.conj(hr + 1j * hi), norm=DUAL[norm]))
    dh = np.sum(d_y_hat * np.conj(fft(x, norm=norm)), axis=0)
    bound = tol(layer, x.shape)  # each side within c eps of the exact gradient
    assert_close(dx, expected_dx, rtol=bound, reason="2 c eps")
    assert_close(grads["filter_real"], (1 - hr**2) * dh.real, rtol=bound, reason="2 c eps")
    assert_close(grads["filter_imag"], (1 - hi**2) * dh.imag, rtol=bound, reason="2 c eps")


def test_only_the_hermitian_part_acts_2d():
    layer = make(GlobalFilterMixing2D, 5, 4, "sigmoid", "ortho", "fft_bin")
    x = random_normal(4, (2, 6, 3))  # (L, D') = (6, 3) != (N, D): interpolated, then reflected k -> -k mod (6, 3)
    h_eff = to_numpy(layer.effective_filter((6, 3)))
    via_rfft = np.fft.irfft2(h_eff[:, :2] * np.fft.rfft2(x, norm="ortho"), s=(6, 3), norm="ortho")
    assert_close(layer(x), via_rfft, rtol=tol(layer, x.shape), reason="2 c eps")


def test_frequency_interpolation_keeps_a_hermitian_filter_hermitian():
    n, length = 8, 11
    layer = make(GlobalFilterMixing, n, 2, "identity", "ortho", "frequency")
    # make the stored filter Hermitian: real part even, imaginary part odd in k -> -k mod n
    reflect = (-np.arange(n)) % n
    wr, wi = layer.params["filter_real"], layer.params["filter_imag"]
    layer = layer.with_params((0.5 * (wr + wr[reflect]), 0.5 * (wi - wi[reflect])))
    h = to_numpy(layer.filter_at((length, 2)))
    np.testing.assert_allclose(h[(-np.arange(length)) % length], np.conj(h), rtol=0, atol=4 * EPS)  # 2 roundings
    assert np.all(h[0] == to_numpy(layer.get_filter_response())[0])  # DC is copied
    # raw FFT-bin interpolation does not keep the symmetry (it stretches negative frequencies as positive)
    fft_bin = to_numpy(make(GlobalFilterMixing, n, 2, "identity", "ortho", "fft_bin").with_params(
        (layer.params["filter_real"], layer.params["filter_imag"])).filter_at((length, 2)))
    assert np.max(np.abs(fft_bin[(-np.arange(length)) % length] - np.conj(fft_bin))) > 0.1


def test_filter_response_and_analysis():
    layer = make(GlobalFilterMixing, 6, 3, "sigmoid", "ortho", "fft_bin")
    h = to_numpy(layer.get_filter_response())
    assert h.shape == (6, 3) and np.iscomplexobj(h)
    rel_bound = 2 * EPS  # sigmoid: a few roundings each side
    assert_close(h, ACT["sigmoid"](layer.params["filter_real"]) + 1j * ACT["sigmoid"](layer.params["filter_imag"]),
                 rtol=rel_bound, reason="sigmoid: a few roundings each side")
    analysis = layer.analyze_frequency_response()
    assert analysis["magnitude"].shape == (6, 3)
    props = layer.get_spectral_properties()
    assert props["activation"] == "sigmoid" and props["parameter_count"] == 36
    assert GlobalFilterMixing2D(3, 6).get_spectral_properties()["two_dimensional"] is True


def test_signatures_follow_spectrans():
    base = ["hidden_dim", "sequence_length", "activation", "dropout", "norm_eps", "learnable_filters", "fft_norm",
            "filter_init_std"]
    defaults = {"activation": "sigmoid", "dropout": 0.0, "norm_eps": 1e-5, "learnable_filters": True,
                "fft_norm": "ortho", "filter_init_std": 0.02, "filter_regularization": 0.0,
                "adaptive_initialization": True, "spectral_dropout_p": 0.0, "filter_interpolation": "fft_bin",
                "seed": 0}
    extra = ["filter_regularization", "adaptive_initialization", "spectral_dropout_p"]
    for cls, names in [(GlobalFilterMixing, base), (GlobalFilterMixing2D, base), (AdaptiveGlobalFilter, base + extra)]:
        params = inspect.signature(cls.__init__).parameters
        positional = [p for p in params if params[p].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD][1:]
        assert positional == names
        for name, p in params.items():
            if name in defaults:
                assert p.default == defaults[name], (cls.__name__, name)
        assert params["seed"].kind is inspect.Parameter.KEYWORD_ONLY


def test_initialization():
    layer = GlobalFilterMixing(3, 5, seed=7)
    gen = np.random.default_rng(7)
    np.testing.assert_array_equal(layer.params["filter_real"], gen.standard_normal((5, 3)) * 0.02)
    np.testing.assert_array_equal(layer.params["filter_imag"], gen.standard_normal((5, 3)) * 0.02)
    assert list(layer.params) == ["filter_real", "filter_imag"]  # spectrans's named_parameters order
    # adaptive: w_k = (1 / (|fftfreq_k| + 0.1)) / mean(...)
    n = 6
    v = 1.0 / (np.abs(np.array([0, 1, 2, -3, -2, -1]) / n) + 0.1)
    np.testing.assert_allclose(adaptive_frequency_weights(n), v / v.mean(), rtol=2 * EPS)  # 2 roundings
    adaptive = AdaptiveGlobalFilter(3, n, seed=7)
    gen = np.random.default_rng(7)
    w = adaptive_frequency_weights(n)[:, None]
    np.testing.assert_array_equal(adaptive.params["filter_real"], gen.standard_normal((n, 3)) * 0.02 * w)
    plain = AdaptiveGlobalFilter(3, n, adaptive_initialization=False, seed=7)
    np.testing.assert_array_equal(plain.params["filter_real"], np.random.default_rng(7).standard_normal((n, 3)) * 0.02)


# ----------------------------------------------------------------------------------------------------------
# AdaptiveGlobalFilter: regularization and spectral dropout


def test_regularization_loss_and_gradient(xp):
    layer = AdaptiveGlobalFilter(3, 5, filter_regularization=0.25, filter_init_std=1.0, seed=1).to(xp)
    wr, wi = (to_numpy(v) for v in layer.params.values())
    loss = layer.get_regularization_loss()
    assert loss.shape == ()
    expected = 0.25 * (np.sum(wr**2) + np.sum(wi**2))
    assert abs(float(loss) - expected) <= 8 * EPS * expected  # pairwise sums of 15 squares: (log2 15 + 2) eps
    # its VJP: the registered AdaptiveGlobalFilter case's regularization_vjp check, at every grid point
    zero = AdaptiveGlobalFilter(3, 5, seed=1).to(xp)
    assert float(zero.get_regularization_loss()) == 0.0
    assert all(np.all(to_numpy(g) == 0) for g in zero.get_regularization_loss_vjp(1.0).values())


def test_spectral_dropout_injected_mask_matches_formula(xp):
    n, d, length, p = 6, 3, 8, 0.25
    layer = make(AdaptiveGlobalFilter, n, d, "tanh", "ortho", "fft_bin", xp=xp, spectral_dropout_p=p)
    x = random_normal(6, (2, length, d), xp=xp)
    keep = np.random.default_rng(0).random((length, d)) >= p
    y, ctx = layer.forward(x, training=True, masks={"spectral_dropout": xp.asarray(keep)})
    np.testing.assert_array_equal(to_numpy(ctx.spectral_mask), keep)
    h = to_numpy(layer.filter_at((length, d))) * keep / (1 - p)  # each complex entry kept or dropped whole
    expected = np.real(np.fft.ifft(h * np.fft.fft(to_numpy(x), axis=-2, norm="ortho"), axis=-2, norm="ortho"))
    assert_close(y, expected, rtol=tol(layer, x.shape), reason="2 c eps")
    # inference mode: no spectral dropout
    y_eval, ctx_eval = layer.forward(x)
    assert ctx_eval.spectral_mask is None


def test_spectral_dropout_with_rng():
    layer = make(AdaptiveGlobalFilter, 5, 3, "sigmoid", "ortho", "fft_bin", spectral_dropout_p=0.3, dropout=0.2)
    x = random_normal(7, (2, 7, 3))
    y1, c1 = layer.forward(x, training=True, rng=11)
    y2, c2 = layer.forward(x, training=True, rng=np.random.default_rng(11))
    np.testing.assert_array_equal(y1, y2)  # a seed and a Generator of that seed give the same masks
    assert c1.spectral_mask.shape == (7, 3) and c1.mask.shape == (2, 7, 3)
    # one stream for both masks: spectral dropout first, then the output's dropout
    gen = np.random.default_rng(11)
    np.testing.assert_array_equal(c1.spectral_mask, gen.random((7, 3)) >= 0.3)
    np.testing.assert_array_equal(c1.mask, gen.random((2, 7, 3)) >= 0.2)
    # the VJP with both masks injected: the registered AdaptiveGlobalFilter case's grid point with ps and p


# ----------------------------------------------------------------------------------------------------------
# bad inputs


def test_bad_inputs():
    layer = GlobalFilterMixing(4, 6, dropout=0.5)
    with pytest.raises(ValueError, match="hidden_dim 4 but x has 5"):
        layer.forward(np.zeros((2, 6, 5)))
    with pytest.raises(ValueError, match=r"\(B, N, D\)"):
        layer.forward(np.zeros((6, 4)))
    with pytest.raises(ValueError, match=r"\(B, N, D\)"):
        GlobalFilterMixing2D(4, 6).forward(np.zeros((6, 4)))
    with pytest.raises(TypeError, match="complex"):
        layer.forward(np.zeros((2, 6, 4), complex))
    with pytest.raises(TypeError, match="int64"):
        layer.forward(np.zeros((2, 6, 4), np.int64))
    with pytest.raises(ValueError, match="length >= 1"):
        layer.forward(np.zeros((2, 0, 4)))
    with pytest.raises(ValueError, match="'sigmoid', 'tanh', 'identity'"):
        GlobalFilterMixing(4, 6, activation="relu")
    with pytest.raises(ValueError, match="'backward', 'ortho', 'forward'"):
        GlobalFilterMixing(4, 6, fft_norm="unitary")
    with pytest.raises(ValueError, match="'fft_bin'.*'frequency'"):
        GlobalFilterMixing(4, 6, filter_interpolation="nearest")
    with pytest.raises(ValueError, match="spectral_dropout_p"):
        AdaptiveGlobalFilter(4, 6, spectral_dropout_p=1.0)
    with pytest.raises(TypeError, match="spectral_dropout_p must be a real number"):  # the _args rule: a type
        AdaptiveGlobalFilter(4, 6, spectral_dropout_p="0.1")
    with pytest.raises(TypeError, match="adaptive_initialization must be True or False, got str 'no'"):
        AdaptiveGlobalFilter(4, 6, adaptive_initialization="no")
    with pytest.raises(TypeError, match="learnable_filters must be True or False"):
        GlobalFilterMixing(4, 6, learnable_filters=None)
    assert GlobalFilterMixing(4, 6, fft_norm=None).fft_norm == "backward"  # None means "backward", as numpy
    with pytest.raises((TypeError, ValueError)):
        GlobalFilterMixing(0, 6)
    x = np.zeros((2, 6, 4))
    with pytest.raises(ValueError, match="needs rng="):
        layer.forward(x, training=True)
    with pytest.raises(ValueError, match="has shape"):
        layer.forward(x, training=True, masks={"dropout": np.ones((6, 4), bool)})
    with pytest.raises(ValueError, match="no dropout named 'spectral_dropout'"):
        layer.forward(x, training=True, masks={"spectral_dropout": np.ones((6, 4), bool)})
    adaptive = AdaptiveGlobalFilter(4, 6, spectral_dropout_p=0.5)
    with pytest.raises(ValueError, match="needs rng="):
        adaptive.forward(x, training=True)
    with pytest.raises(ValueError, match=r"needs \(6, 4\)"):
        adaptive.forward(x, training=True, masks={"spectral_dropout": np.ones((2, 6, 4), bool)})
    _, ctx = layer.forward(x)
    with pytest.raises(ValueError, match="the cotangent has shape"):
        layer.backward(ctx, np.zeros((2, 5, 4)))


# ----------------------------------------------------------------------------------------------------------
# state_dict, dtypes, backends


@pytest.mark.parametrize("cls", [GlobalFilterMixing, GlobalFilterMixing2D, AdaptiveGlobalFilter])
def test_state_dict_round_trip(cls):
    layer = cls(4, 6, filter_init_std=1.0, seed=3)
    sd = layer.state_dict()
    assert list(sd) == ["filter_real", "filter_imag"] and sd["filter_real"].shape == (6, 4)
    again = cls.from_state_dict(sd, hidden_dim=4, sequence_length=6)
    for k, v in again.state_dict().items():
        np.testing.assert_array_equal(v, sd[k])
    x = random_normal(0, (2, 5, 4))
    np.testing.assert_array_equal(layer(x), again(x))
    prefixed = {"blocks.0.mixing_layer." + k: v.astype(np.float32) for k, v in sd.items()}
    single = cls.from_state_dict(prefixed, prefix="blocks.0.mixing_layer.", hidden_dim=4, sequence_length=6)
    assert single.params["filter_real"].dtype == np.float32


@pytest.mark.parametrize("cls", [GlobalFilterMixing, GlobalFilterMixing2D, AdaptiveGlobalFilter])
def test_float32(xp, cls):
    layer = cls(3, 6, filter_init_std=1.0, seed=2).to(xp)
    single = layer.astype("float32")
    x = random_normal(1, (2, 5, 3), xp=xp)
    x32 = xp.astype(x, xp.float32)
    y32, ctx = single.forward(x32)
    assert y32.dtype == xp.float32
    dx, grads = single.backward(ctx, xp.ones_like(y32))
    assert dx.dtype == xp.float32 and all(g.dtype == xp.float32 for g in grads.values())
    eps32 = finfo_eps("float32")
    y64 = layer.forward(x)[0]
    # c eps32 for the float32 computation, plus rounding of the inputs and params to float32 (~eps32 times
    # the condition of the map, a few units for these sizes): 2 c eps32 covers both
    rel_bound = 2 * layer.error_scale(x.shape) * eps32  # 2 c eps32
    assert_close(y32, y64, rtol=rel_bound, reason="2 c eps32")
    with pytest.raises(TypeError, match="two precisions"):
        single.forward(x)


def test_two_forwards_give_independent_contexts():
    layer = make(GlobalFilterMixing, 6, 3, "tanh", "ortho", "fft_bin")
    x1, x2 = random_normal(1, (1, 6, 3)), random_normal(2, (1, 4, 3))
    _, c1 = layer.forward(x1)
    _, c2 = layer.forward(x2)
    dy1 = random_normal(3, (1, 6, 3))
    g1 = layer.backward(c1, dy1)[1]["filter_real"]
    np.testing.assert_array_equal(layer.backward(c1, dy1)[1]["filter_real"], g1)
    assert c2.h.shape == (4, 3) and c1.h.shape == (6, 3)
