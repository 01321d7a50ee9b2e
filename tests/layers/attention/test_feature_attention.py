"""SpectralAttention and PerformerAttention: forward against an independent NumPy float64 reference written in the
quadratic form (A_ij = phi_q_i . phi_k_j over the kept, causal keys, divided by the row sum), the causal scan
against masked quadratic attention, FAVOR+'s convergence to exact softmax attention, the stabilisers' invariance
(output and gradients), the mask, fully masked sequences, huge input norms, feature_redraw, state_dict, dtypes,
batch shapes, seeds and bad input. The registry's cases (specref verify) check every VJP by finite differences."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from specref.backend import backend_name, finfo_eps, to_numpy
from specref.layers.attention._linear_cases import _redraw_params
from specref.layers.attention.feature import PerformerAttention, SpectralAttention
from specref.ops.attention import scaled_dot_product_attention
from specref.testing import assert_close

EPS64 = finfo_eps("float64")
EPS32 = finfo_eps("float32")


# ----------------------------------------------------------------------------------------------------------
# the independent reference (NumPy float64, quadratic form, unstabilised features)


def _heads(a, h):
    *batch, n, e = a.shape
    return np.swapaxes(a.reshape(*batch, n, h, e // h), -2, -3)


def _merge(a):
    *batch, h, n, d = a.shape
    return np.swapaxes(a, -2, -3).reshape(*batch, n, h * d)


def _positive(u, w):
    return np.exp(u @ w - 0.5 * np.sum(u * u, axis=-1, keepdims=True)) / math.sqrt(w.shape[1])


def features(kind, q, k, arrays, d):
    """(phi_q, phi_k) of the feature map ``kind`` written from the formulas (no stabiliser)."""
    if kind == "favor":  # exp(u W - |u|^2/2)/sqrt(m), u = d^(-1/4) q
        a = d**-0.25
        return _positive(a * q, arrays["projection"]), _positive(a * k, arrays["projection"])
    if kind == "gauss+":  # exp(q Omega - |q|^2 / s^2)/sqrt(m), s = 1/sqrt(d)
        om = arrays["omega"]

        def phi(c):
            return np.exp(c @ om - d * np.sum(c * c, axis=-1, keepdims=True)) / math.sqrt(om.shape[1])

        return phi(q), phi(k)
    if kind == "exp":  # spectrans's softmax features
        return _positive(q, arrays["projection"]), _positive(k, arrays["projection"])
    if kind == "cos":
        om, b = arrays["omega"], arrays["bias"]
        return (math.sqrt(2.0 / om.shape[1]) * np.cos(q @ om + b), math.sqrt(2.0 / om.shape[1]) * np.cos(k @ om + b))
    if kind in ("spec", "spec+"):
        w = np.sqrt(np.abs(arrays["eigenvalues"]) + 1e-8)
        if kind == "spec":
            return (q @ arrays["eigenvectors"]) * w, (k @ arrays["eigenvectors"]) * w
        proj = arrays["eigenvectors"] * w
        return _positive(d**-0.25 * q, proj), _positive(d**-0.25 * k, proj)
    assert kind == "relu"
    return np.maximum(q, 0.0) / math.sqrt(d), np.maximum(k, 0.0)


def allowed_keys(n, mask, causal, batch):
    """(..., 1, N, N) bool: key j allowed for query i (kept, and j <= i when causal)."""
    allowed = np.ones((*batch, 1, n, n), dtype=bool)
    if mask is not None:
        allowed = allowed & mask[..., None, None, :]
    if causal:
        allowed = allowed & np.tril(np.ones((n, n), dtype=bool))
    return allowed


def reference(x, p, h, kind, *, eps, mask=None, causal=False, normalized=True):
    """The layer's output in float64, quadratic form; a query with no allowed key gives o = 0."""
    x = np.asarray(x, dtype=np.float64)
    p = {k: np.asarray(v, dtype=np.float64) for k, v in p.items()}
    q, k, v = (_heads(x @ p[f"{c}_proj.weight"].T + p.get(f"{c}_proj.bias", 0.0), h) for c in "qkv")
    d = q.shape[-1]
    allowed = allowed_keys(x.shape[-2], mask, causal, x.shape[:-2])
    if kind == "poly":
        nq, nk = np.linalg.norm(q, axis=-1), np.linalg.norm(k, axis=-1)
        s = (q @ np.swapaxes(k, -1, -2) + 1.0) ** 2 / (nq[..., :, None] * nk[..., None, :] + 1e-8)
        s = np.where(allowed, s, -np.inf)
        top = np.max(s, axis=-1, keepdims=True)
        e = np.exp(s - np.where(np.isfinite(top), top, 0.0))
        total = e.sum(axis=-1, keepdims=True)
        a = e / np.where(total > 0, total, 1.0)
        o = a @ v
    else:
        phi_q, phi_k = features(kind, q, k, {n.removeprefix("kernel."): a for n, a in p.items()}, d)
        a = (phi_q @ np.swapaxes(phi_k, -1, -2)) * allowed
        num = a @ v
        if normalized:
            den = a.sum(axis=-1, keepdims=True) + eps
            o = np.where(den != 0, num / np.where(den != 0, den, 1.0), 0.0)
        else:
            o = num
    return _merge(o) @ p["out_proj.weight"].T + p.get("out_proj.bias", 0.0)


def host(layer):
    return {k: to_numpy(v) for k, v in {**layer.buffers, **layer.params}.items()}


def make(cls, seed=0, **cfg):
    """The layer with every param redrawn O(1) (the verify cases' law)."""
    gen = np.random.default_rng(seed)
    return _redraw_params(cls(**cfg, seed=gen), gen)


def keep_mask(shape):
    keep = np.ones(shape, dtype=bool)
    keep[..., -1] = False
    keep[1:, 0] = False
    return keep


def _x(shape, seed=1, scale=1.0):
    return scale * np.random.default_rng(seed).standard_normal(shape)


def _kind(layer):
    if getattr(layer, "generalized", False):
        return "relu"
    table = {("specref", "softmax"): "favor", ("specref", "gaussian"): "gauss+", ("spectrans", "softmax"): "exp",
             ("spectrans", "gaussian"): "cos"}
    return table[layer.variant, layer.kernel_type]


def _eps(layer):
    return 0.0 if layer._eps is None else layer._eps


SPECTRAL_CONFIGS = [
    {"kernel_type": "softmax"},
    {"kernel_type": "softmax", "use_orthogonal": False, "use_bias": False},
    {"kernel_type": "gaussian"},
    {"kernel_type": "softmax", "variant": "spectrans"},
    {"kernel_type": "gaussian", "variant": "spectrans", "use_orthogonal": False},
]


def _den_gap_holds(layer, x, mask, causal):
    """Signed (cos) features: the claim holds while every normaliser is >= a tenth of the median (as the cases)."""
    if _kind(layer) != "cos":
        return True
    ctx = layer.forward(x, mask=mask, causal=causal)[1].mix
    allowed = allowed_keys(x.shape[-2], mask, causal, x.shape[:-2])
    a = ctx.lin_q @ np.swapaxes(ctx.lin_k, -1, -2)
    allowed = np.broadcast_to(allowed, a.shape)
    den = np.abs((a * allowed).sum(-1))[allowed.any(-1)]
    return den.min() >= 0.1 * np.median(den)  # rows with no allowed key: o = 0 exactly, no normaliser


@pytest.mark.parametrize("cfg", SPECTRAL_CONFIGS, ids=lambda c: "-".join(map(str, c.values())))
@pytest.mark.parametrize("masked,causal", [(False, False), (True, False), (False, True), (True, True)])
def test_spectral_forward_matches_reference(cfg, masked, causal):
    x = _x((2, 6, 8))
    mask = keep_mask((2, 6)) if masked else None
    # signed (cos) features: the first seed whose normalisers keep the claim's gap (deterministic)
    layer = next(la for la in (make(SpectralAttention, seed=s, hidden_dim=8, num_heads=2, num_features=5, **cfg)
                               for s in range(50)) if _den_gap_holds(la, x, mask, causal))
    y, ctx = layer.forward(x, mask=mask, causal=causal)
    assert ctx.weights is None
    expected = reference(x, host(layer), 2, _kind(layer), eps=_eps(layer), mask=mask, causal=causal)
    assert_close(y, expected, rtol=2 * layer.error_scale(6) * EPS64, reason="2 c eps")  # claim, doubled


@pytest.mark.parametrize("cfg", [{}, {"generalized": True}, {"generalized": True, "variant": "spectrans"}])
@pytest.mark.parametrize("masked,causal", [(False, False), (True, True)])
def test_performer_forward_matches_reference(xp, cfg, masked, causal):
    layer = make(PerformerAttention, hidden_dim=8, num_heads=2, num_features=6, **cfg)
    x = _x((2, 5, 8))
    mask = keep_mask((2, 5)) if masked else None
    dev = layer.to(backend_name(xp))
    y, _ = dev.forward(xp.asarray(x), mask=None if mask is None else xp.asarray(mask), causal=causal)
    expected = reference(x, host(layer), 2, _kind(layer), eps=_eps(layer), mask=mask, causal=causal,
                         normalized=layer._eps is not None)
    assert_close(to_numpy(y), expected, rtol=2 * layer.error_scale(5) * EPS64, reason="2 c eps")  # claim, doubled


def test_causal_scan_equals_masked_quadratic_attention():
    """N = 70 (more than one block of the scan's reference): the prefix-sum form equals the quadratic form."""
    layer = make(SpectralAttention, hidden_dim=8, num_heads=2, num_features=4)
    x = _x((2, 70, 8), scale=0.5)
    mask = keep_mask((2, 70))
    y, _ = layer.forward(x, mask=mask, causal=True)
    expected = reference(x, host(layer), 2, "favor", eps=0.0, mask=mask, causal=True)
    assert_close(y, expected, rtol=2 * layer.error_scale(70) * EPS64, reason="2 c eps")  # claim, doubled


def test_favor_converges_to_exact_softmax_attention():
    """With m = 2^15 orthogonal features the estimate is within 5 standard deviations of exact softmax attention.

    Each kernel entry exp(u.u') is estimated with relative standard deviation at most
    sqrt((exp(|u + u'|^2) - 1)/m) (i.i.d. features; orthogonal ones do better), and the output, a ratio of
    positive sums, moves by at most twice the largest relative error of its entries: tolerance 2 * 5 sigma.
    """
    m = 2**15
    layer = make(SpectralAttention, hidden_dim=4, num_heads=1, num_features=m, seed=3)
    layer = layer.with_params({k: 0 * v if k.endswith("bias") else v for k, v in layer.params.items()})
    x = _x((1, 6, 4), scale=0.5)  # |u + u'|^2 <= 2: a variance the test can bound
    _, ctx = layer.forward(x)
    exact = scaled_dot_product_attention(ctx.qh, ctx.kh, ctx.vh)
    u, w = ctx.qh * 4**-0.25, ctx.kh * 4**-0.25
    worst = np.max(np.sum((u[..., :, None, :] + w[..., None, :, :]) ** 2, axis=-1))
    tol = 2 * 5 * math.sqrt(math.expm1(worst) / m)
    assert_close(ctx.mix.o, exact, rtol=tol, reason="2 x 5 sigma of the estimator")  # derived above
    # spectrans's features (no temperature, columns of norm 1) do not estimate softmax attention (#12)
    spec = SpectralAttention(4, 1, num_features=m, variant="spectrans", seed=3).with_params(layer.params)
    err = np.abs(spec.forward(x)[1].mix.o - exact).max() / np.abs(exact).max()
    assert err > 10 * np.abs(ctx.mix.o - exact).max() / np.abs(exact).max()


class _Unstabilised(SpectralAttention):
    """The same layer with the stabilisers switched off (c = 0)."""

    def _feature_map(self, x, gen):
        return dataclasses.replace(super()._feature_map(x, gen), stabilize=False)


@pytest.mark.parametrize("kernel_type", ["softmax", "gaussian"])
def test_stabilisers_change_neither_output_nor_gradients(kernel_type):
    """(5) is invariant to c with eps = 0, so the backward that holds c constant is the exact gradient."""
    layer = make(SpectralAttention, hidden_dim=8, num_heads=2, num_features=5, kernel_type=kernel_type)
    plain = make(_Unstabilised, hidden_dim=8, num_heads=2, num_features=5, kernel_type=kernel_type)
    x = _x((2, 6, 8))
    mask = keep_mask((2, 6))
    dy = _x((2, 6, 8), seed=4)
    for causal in (False, True):
        y, ctx = layer.forward(x, mask=mask, causal=causal)
        y0, ctx0 = plain.forward(x, mask=mask, causal=causal)
        assert np.abs(ctx.mix.phi_k - ctx0.mix.phi_k).max() > 1e-3  # the stabilisers did act
        rtol = 2 * layer.error_scale(6) * EPS64  # both within c eps of the math
        assert_close(y, y0, rtol=rtol, reason="2 c eps")  # claim, doubled
        (dx, g), (dx0, g0) = layer.backward(ctx, dy), plain.backward(ctx0, dy)
        assert_close(dx, dx0, rtol=rtol, reason="2 c eps")  # the VJP's stages as the forward's
        for name in g:
            assert_close(g[name], g0[name], rtol=rtol, reason="2 c eps")  # as dx


@pytest.mark.parametrize("cfg", [{}, {"kernel_type": "gaussian"}, {"variant": "spectrans"}])
@pytest.mark.parametrize("causal", [False, True])
def test_mask_masks(cfg, causal):
    """Changing a masked token's input leaves every kept output row unchanged, bit for bit."""
    layer = make(SpectralAttention, hidden_dim=8, num_heads=2, **cfg)
    x = _x((2, 5, 8))
    keep = np.ones((2, 5), dtype=bool)
    keep[:, 2] = False
    x2 = x.copy()
    x2[:, 2] += 3.0
    y0, y1 = layer.forward(x, mask=keep, causal=causal)[0], layer.forward(x2, mask=keep, causal=causal)[0]
    np.testing.assert_array_equal(y0[keep], y1[keep])
    assert np.abs(layer.forward(x)[0] - layer.forward(x2)[0])[keep].max() > 1e-3  # unmasked, it moves them


@pytest.mark.parametrize("cls,cfg", [(SpectralAttention, {}), (SpectralAttention, {"kernel_type": "gaussian"}),
                                     (PerformerAttention, {"generalized": True})])
def test_fully_masked_sequence_gives_zero(cls, cfg):
    """A sequence with no kept key: o = 0 (y = the output bias) and zero gradients, never NaN; likewise causal,
    the queries before the first kept key."""
    layer = make(cls, hidden_dim=8, num_heads=2, **cfg)
    x = _x((2, 5, 8))
    keep = np.ones((2, 5), dtype=bool)
    keep[0] = False
    keep[1, :2] = False
    dy = _x((2, 5, 8), seed=2)
    for causal in (False, True):
        y, ctx = layer.forward(x, mask=keep, causal=causal)
        dx, grads = layer.backward(ctx, dy)
        assert np.isfinite(y).all() and np.isfinite(dx).all()
        assert all(np.isfinite(g).all() for g in grads.values())
        np.testing.assert_array_equal(ctx.mix.o[0], 0.0)
        np.testing.assert_array_equal(dx[0], 0.0)
        if causal:  # queries 0, 1 of the second sequence have no kept key yet
            np.testing.assert_array_equal(ctx.mix.o[1, :, :2], 0.0)
        np.testing.assert_allclose(y[0], np.broadcast_to(layer.params["out_proj.bias"], (5, 8)), rtol=0,
                                   atol=0)  # exactly the bias: 0 W^T + b


def test_huge_norms_do_not_underflow():
    """x * 100: the unstabilised features underflow to 0 (spectrans's output would be 0 / 1e-6 = 0); the
    stabilised layer is finite and nonzero. x * 10 in float32 (exponents ~ -10^2, below float32's range but
    within float64's): the float32 layer equals the float64 unstabilised formula."""
    layer = make(SpectralAttention, hidden_dim=8, num_heads=2, num_features=8)
    x = _x((2, 6, 8))
    p = host(layer)
    q = _heads(100 * x @ p["q_proj.weight"].T + p["q_proj.bias"], 2) * 4**-0.25
    assert (_positive(q, p["kernel.projection"]) == 0).all()  # every unstabilised query feature underflows
    y, ctx = layer.forward(100 * x)
    assert np.isfinite(y).all() and np.abs(ctx.mix.o).min(axis=-1).max() > 0 and (np.abs(ctx.mix.o) > 0).all()
    # float32 at x * 10
    x10 = 10 * x
    q32 = _heads(x10 @ p["q_proj.weight"].T + p["q_proj.bias"], 2).astype(np.float32) * np.float32(4**-0.25)
    t = q32 @ p["kernel.projection"].astype(np.float32) - 0.5 * np.sum(q32 * q32, axis=-1, keepdims=True)
    assert (np.exp(t) == 0).any()  # unstabilised float32 features underflow here
    y32 = layer.astype("float32").forward(x10.astype(np.float32))[0]
    expected = reference(x10, p, 2, "favor", eps=0.0)
    # the exponents' absolute float32 error (d + 2) eps32 max|t| turns into relative error of the features, twice
    # in the ratio (5), on top of the layer's own claim
    rtol = 2 * (layer.error_scale(6) + 2 * (4 + 2) * float(np.abs(t).max())) * EPS32
    assert_close(y32, expected, rtol=rtol, reason="claim with the exponents' error")  # derived above


def test_feature_redraw_one_projection_for_q_and_k():
    layer = make(SpectralAttention, hidden_dim=8, num_heads=2, num_features=5, feature_redraw=True)
    assert "kernel.projection" not in layer.buffers
    x = _x((2, 5, 8))
    y, ctx = layer.forward(x, rng=7)
    w = layer.draw_projection(7, like=x)
    np.testing.assert_array_equal(ctx.mix.features.projection, w)  # the one draw, kept for the backward
    fixed = SpectralAttention(8, 2, num_features=5).with_params(layer.params).with_buffers({"kernel.projection": w})
    np.testing.assert_array_equal(y, fixed.forward(x)[0])  # Q and K both used it
    np.testing.assert_array_equal(y, layer.forward(x, rng=7)[0])  # an int seed: the same draw
    assert np.abs(y - layer.forward(x, rng=8)[0]).max() > 1e-6
    with pytest.raises(ValueError, match="rng"):
        layer.forward(x)


def test_params_buffers_and_draw_laws():
    layer = SpectralAttention(8, 2, num_features=6)
    assert [(k, tuple(v.shape)) for k, v in layer.params.items()] == [
        ("q_proj.weight", (8, 8)), ("q_proj.bias", (8,)), ("k_proj.weight", (8, 8)), ("k_proj.bias", (8,)),
        ("v_proj.weight", (8, 8)), ("v_proj.bias", (8,)), ("out_proj.weight", (8, 8)), ("out_proj.bias", (8,))]
    assert list(layer.buffers) == ["kernel.projection"] and layer.buffers["kernel.projection"].shape == (4, 6)
    assert list(SpectralAttention(8, 2, kernel_type="gaussian").buffers) == ["kernel.omega"]
    assert list(SpectralAttention(8, 2, kernel_type="gaussian", variant="spectrans").buffers) == ["kernel.omega",
                                                                                                  "kernel.bias"]
    assert "q_proj.bias" not in SpectralAttention(8, 2, use_bias=False).params
    # spectrans's law: orthogonal columns of norm 1 (specref's: chi_d norms, not all equal)
    cols = np.linalg.norm(SpectralAttention(8, 2, variant="spectrans").buffers["kernel.projection"], axis=0)
    np.testing.assert_allclose(cols, 1.0, rtol=1e-14)  # orthonormal columns, rounding only
    assert np.ptp(np.linalg.norm(layer.buffers["kernel.projection"], axis=0)) > 1e-3
    gen = PerformerAttention(8, 2, generalized=True)
    assert list(gen.buffers) == ["kernel.projection"] and gen._eps == 1e-6
    assert PerformerAttention(8, 2, generalized=True, variant="spectrans")._eps is None
    assert SpectralAttention(8, 2).num_features == 4 and SpectralAttention(8, 2, head_dim=4).head_dim == 4


def test_state_dict_round_trip_and_default_variant():
    for cfg in ({}, {"kernel_type": "gaussian"}):
        layer = make(SpectralAttention, hidden_dim=8, num_heads=2, **cfg)
        x = _x((2, 4, 8))
        again = SpectralAttention.from_state_dict(layer.state_dict(), hidden_dim=8, num_heads=2, variant="specref",
                                                  **cfg)
        np.testing.assert_array_equal(again.forward(x)[0], layer.forward(x)[0])
    spec = SpectralAttention(8, 2, kernel_type="gaussian", variant="spectrans", seed=5)
    loaded = SpectralAttention.from_state_dict(spec.state_dict(), hidden_dim=8, num_heads=2, kernel_type="gaussian")
    assert loaded.variant == "spectrans"  # a spectrans state_dict: spectrans's features by default
    np.testing.assert_array_equal(loaded.forward(_x((1, 3, 8)))[0], spec.forward(_x((1, 3, 8)))[0])
    perf = PerformerAttention.from_state_dict(PerformerAttention(8, 2).state_dict(), hidden_dim=8, num_heads=2)
    assert perf.variant == "spectrans"


def test_float32_and_batch_shapes():
    layer = make(SpectralAttention, hidden_dim=8, num_heads=2)
    x = _x((2, 3, 5, 8))
    mask = np.ones((2, 3, 5), dtype=bool)
    mask[1, 2, 3] = False
    y, ctx = layer.forward(x, mask=mask, causal=True)
    for i in range(2):  # (2, 3, N, D) is three (B, N, D) batches
        np.testing.assert_allclose(y[i], layer.forward(x[i], mask=mask[i], causal=True)[0], rtol=0,
                                   atol=4 * EPS64 * np.abs(y).max())  # same ops, maybe another summation order
    dx, grads = layer.backward(ctx, np.ones_like(y))
    assert dx.shape == x.shape and set(grads) == set(layer.params)
    y32, ctx32 = layer.astype("float32").forward(x.astype(np.float32), mask=mask, causal=True)
    assert y32.dtype == np.float32 and ctx32.mix.phi_q.dtype == np.float32
    assert_close(y32, y, rtol=2 * layer.error_scale(5) * EPS32, reason="2 c eps32")  # claim, doubled
    with pytest.raises(TypeError):
        layer.backward(ctx, np.ones_like(y32))


def test_seeded_determinism():
    a, b, c = SpectralAttention(8, 2, seed=3), SpectralAttention(8, 2, seed=3), SpectralAttention(8, 2, seed=4)
    for k in a.state_dict():
        np.testing.assert_array_equal(a.state_dict()[k], b.state_dict()[k])
    assert np.abs(a.buffers["kernel.projection"] - c.buffers["kernel.projection"]).max() > 1e-3


def test_dropout_training():
    layer = make(SpectralAttention, hidden_dim=8, num_heads=2, dropout=0.5)
    x = _x((2, 4, 8))
    keep = np.random.default_rng(2).random((2, 4, 8)) >= 0.5
    y, _ = layer.forward(x, training=True, masks={"dropout": keep})
    np.testing.assert_allclose(y, np.where(keep, layer.forward(x)[0] / 0.5, 0.0), rtol=1e-15)  # exact scaling
    with pytest.raises(ValueError, match="rng"):
        layer.forward(x, training=True)


def test_bad_inputs():
    with pytest.raises(ValueError, match="divisible"):
        SpectralAttention(6, 4)
    with pytest.raises(ValueError, match="divisible"):
        PerformerAttention(6, 4)
    with pytest.raises(ValueError, match="head_dim 3 must equal"):
        SpectralAttention(8, 2, head_dim=3)
    with pytest.raises(ValueError, match="num_features"):
        SpectralAttention(8, 2, num_features=0)
    with pytest.raises(ValueError, match="kernel_type"):
        SpectralAttention(8, 2, kernel_type="laplacian")
    with pytest.raises(ValueError, match="variant"):
        SpectralAttention(8, 2, variant="torch")
    with pytest.raises(ValueError, match="feature_redraw"):
        SpectralAttention(8, 2, kernel_type="gaussian", feature_redraw=True)
    SpectralAttention(8, 2, kernel_type="gaussian", feature_redraw=True, variant="spectrans")  # ignored, as spectrans
    layer = SpectralAttention(8, 2)
    x = _x((2, 4, 8))
    with pytest.raises(ValueError, match="never forms"):
        layer.forward(x, return_attention=True)
    with pytest.raises(ValueError, match="never forms"):
        PerformerAttention(8, 2, generalized=True).forward(x, return_attention=True)
    with pytest.raises(ValueError, match="mask has shape"):
        layer.forward(x, mask=np.ones((2, 5), dtype=bool))
    with pytest.raises(TypeError, match="boolean"):
        layer.forward(x, mask=np.ones((2, 4)))
    with pytest.raises(ValueError, match="hidden_dim"):
        layer.forward(_x((2, 4, 6)))
    with pytest.raises(TypeError):
        layer.forward(x.astype(np.float32))


def test_causal_underflow_raises_instead_of_nan():
    """Causal FAVOR+ at input norms where an early query's products with its keys all underflow (the head's
    exponents span more than float64's range): a FloatingPointError naming the cause, never a NaN row; the
    same input without causal stays finite (every normaliser >= 1/m)."""
    layer = SpectralAttention(8, 2, num_features=8, seed=1)
    x = np.random.default_rng(0).standard_normal((2, 16, 8)) * 1000.0
    assert np.all(np.isfinite(layer.forward(x)[0]))
    with pytest.warns(RuntimeWarning), pytest.raises(FloatingPointError, match="underflows"):
        layer.forward(x, causal=True)
