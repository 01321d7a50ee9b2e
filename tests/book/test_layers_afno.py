"""Guards for docs/layers/afno.md: each formula the page states, evaluated independently.

Expected values come from a dense NumPy evaluation of the page's equations (DFT matrices
:math:`(F_n)_{kj} = e^{-2\\pi i jk/n}` under "ortho", loops over the flatten index :math:`2(s m_h + h) + c` and the
block index :math:`k b + i`), from the activations' derivatives as the page writes them, or from central finite
differences; they are compared with AFNOMixing, BlockDiagonalAFNOMixing and the transforms the page names.
The tests write the input's length L and the padded length N; the page (docs/notation.md) writes them N and N_max.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.layers.mixing.afno import AFNO_ACTIVATIONS, AFNOMixing
from specref.layers.mixing.afno_block_diagonal import BlockDiagonalAFNOMixing
from specref.ops.elementwise import softshrink_vjp
from specref.ops.norm import layer_norm_vjp
from specref.transforms.fourier_pruned import irfft2_pruned_adjoint, rfft2_pruned_adjoint

EPS64 = np.finfo(np.float64).eps
SQRT2 = math.sqrt(2.0)


def _dft(n: int) -> np.ndarray:
    """(F_n)_{kj} = exp(-2 pi i jk / n), the exponent reduced mod n for accurate entries."""
    j, k = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return np.exp(-2j * np.pi * ((j * k) % n) / n)


def _phi(name: str, h: np.ndarray) -> np.ndarray:
    sig = 1 / (1 + np.exp(-h))
    erf = np.vectorize(math.erf)
    return {"gelu": lambda: 0.5 * h * (1 + erf(h / SQRT2)), "relu": lambda: np.maximum(h, 0.0),
            "silu": lambda: h * sig, "tanh": lambda: np.tanh(h), "sigmoid": lambda: sig,
            "identity": lambda: h}[name]()


def _phi_prime(name: str, h: np.ndarray) -> np.ndarray:
    """The page's (B6) derivatives: Phi(h) + h phi(h), 1[h > 0], sigma(h)(1 + h(1 - sigma(h))), 1 - tanh^2 h,
    sigma(1 - sigma), 1."""
    sig = 1 / (1 + np.exp(-h))
    erf = np.vectorize(math.erf)
    return {"gelu": lambda: 0.5 * (1 + erf(h / SQRT2)) + h * np.exp(-h * h / 2) / math.sqrt(2 * math.pi),
            "relu": lambda: (h > 0).astype(float), "silu": lambda: sig * (1 + h * (1 - sig)),
            "tanh": lambda: 1 - np.tanh(h) ** 2, "sigmoid": lambda: sig * (1 - sig),
            "identity": lambda: np.ones_like(h)}[name]()


def _dense_rfft2(u: np.ndarray, n: int, d: int) -> np.ndarray:
    """R P_N u: zero-pad the rows to N, c F_N u F_D with c = 1/sqrt(N D), keep columns < D/2 + 1."""
    pad = np.zeros((*u.shape[:-2], n, d))
    pad[..., : u.shape[-2], :] = u
    return (_dft(n) @ pad @ _dft(d))[..., : d // 2 + 1] / math.sqrt(n * d)


def _dense_irfft2(z: np.ndarray, n: int, d: int) -> np.ndarray:
    """numpy's irfft2(z, s=(N, D), "ortho") as the page describes it: the inverse DFT along the sequence, then
    irfft along the hidden axis (Hermitian completion of the columns >= D/2 + 1, real part)."""
    a = _dft(n).conj().T @ z / math.sqrt(n)
    m = d // 2 + 1
    full = np.zeros((*z.shape[:-1], d), complex)
    full[..., :m] = a
    for col in range(m, d):
        full[..., col] = np.conj(a[..., d - col])
    return (full @ _dft(d).conj().T).real / math.sqrt(d)


def _afno(d=4, n=6, ms=3, mh=2, activation="tanh", dropout=0.0, seed=1):
    """AFNOMixing with O(1) parameters (the spectrans init has zero biases and a tiny fourier_weight)."""
    layer = AFNOMixing(d, n, modes_seq=ms, modes_hidden=mh, mlp_ratio=1.5, activation=activation, dropout=dropout,
                       seed=seed)
    gen = np.random.default_rng(seed + 100)
    new = {}
    for name, value in layer.params.items():
        draw = gen.standard_normal(value.shape)
        if name == "norm.weight":
            draw = 1 + 0.5 * draw
        elif name.endswith("bias"):
            draw = 0.5 * draw
        elif name.startswith("mlp"):
            draw = draw / math.sqrt(value.shape[1])
        new[name] = draw
    return layer.with_params(new)


def _dense_afno(layer, x, m2=None, m4=None):
    """Equations (1)-(9) of the page, dense, in plain NumPy."""
    p = {k: np.asarray(v) for k, v in layer.params.items()}
    n, d, ms, mh = layer.max_sequence_length, layer.hidden_dim, layer.modes_seq, layer.modes_hidden
    prob = layer.dropout
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    u = (x - mu) * (var + 1e-5) ** -0.5 * p["norm.weight"] + p["norm.bias"]  # (1)
    xm = _dense_rfft2(u, n, d)[..., :ms, :mh]  # (2), (3)
    t = xm * (p["fourier_weight"][..., 0] + 1j * p["fourier_weight"][..., 1])  # (4)
    v = np.zeros((*x.shape[:-2], 2 * ms * mh))
    for s in range(ms):
        for h in range(mh):
            v[..., 2 * (s * mh + h)] = t[..., s, h].real  # (5)
            v[..., 2 * (s * mh + h) + 1] = t[..., s, h].imag
    a = _phi(layer.activation, v @ p["mlp.0.weight"].T + p["mlp.0.bias"])  # (6)
    a = a if m2 is None else m2 * a / (1 - prob)
    o = a @ p["mlp.3.weight"].T + p["mlp.3.bias"]
    o = o if m4 is None else m4 * o / (1 - prob)
    z = np.zeros((*x.shape[:-2], n, d // 2 + 1), complex)
    for s in range(ms):
        for h in range(mh):
            z[..., s, h] = o[..., 2 * (s * mh + h)] + 1j * o[..., 2 * (s * mh + h) + 1]  # (7)
    return x + _dense_irfft2(z, n, d)[..., : x.shape[-2], :]  # (8), (9)


# ----------------------------------------------------------------------------------------------------------
# Constructors


def test_constructor_defaults_clamps_and_shapes():
    """docs/layers/afno.md, Constructors and the example: m_s = N // 2 clamped to N, m_h = D // 2 clamped to
    D // 2 + 1, H = int(D * mlp_ratio); the parameter shapes of the example; the dense MLP holds
    (m_s m_h) H 4 weights, about 1.2e9 at D = 768, N = 1024; against AFNOMixing."""
    layer = AFNOMixing(hidden_dim=8, max_sequence_length=16, modes_seq=4, modes_hidden=3, seed=0)
    shapes = [(k, tuple(v.shape)) for k, v in layer.params.items()]
    assert shapes == [("fourier_weight", (4, 3, 2)), ("mlp.0.weight", (16, 24)), ("mlp.0.bias", (16,)),
                      ("mlp.3.weight", (24, 16)), ("mlp.3.bias", (24,)), ("norm.weight", (8,)), ("norm.bias", (8,))]
    default = AFNOMixing(7, 5)
    assert (default.modes_seq, default.modes_hidden, default.mlp_hidden_dim) == (5 // 2, 7 // 2, int(7 * 2.0))
    clamped = AFNOMixing(6, 5, modes_seq=9, modes_hidden=9, mlp_ratio=0.5)
    assert (clamped.modes_seq, clamped.modes_hidden, clamped.mlp_hidden_dim) == (5, 6 // 2 + 1, 3)
    n_weights = layer.params["mlp.0.weight"].size + layer.params["mlp.3.weight"].size
    assert n_weights == 4 * layer.modes_seq * layer.modes_hidden * layer.mlp_hidden_dim
    big = (1024 // 2) * (768 // 2) * int(768 * 2.0) * 4
    assert abs(big - 1.2e9) < 0.05e9


def test_initialisation_laws():
    """docs/layers/afno.md, Where specref departs (Initialisation): fourier_weight ~ N(0, 1)/(m_s m_h),
    Xavier-uniform MLP weights with bound sqrt(6 / (fan_in + fan_out)), zero biases, layer norm 1 and 0, drawn
    from NumPy's generator in spectrans's order; against AFNOMixing(seed=...)."""
    layer = AFNOMixing(4, 6, modes_seq=3, modes_hidden=2, seed=5)
    gen = np.random.default_rng(5)
    weight = gen.standard_normal((3, 2, 2)) / 6
    bound = math.sqrt(6.0 / (12 + 8))
    w0 = gen.uniform(-bound, bound, (8, 12))
    w3 = gen.uniform(-bound, bound, (12, 8))
    np.testing.assert_allclose(layer.params["fourier_weight"], weight, rtol=2 * EPS64)  # one division
    np.testing.assert_allclose(layer.params["mlp.0.weight"], w0, rtol=4 * EPS64)  # the uniform's affine map
    np.testing.assert_allclose(layer.params["mlp.3.weight"], w3, rtol=4 * EPS64)  # the uniform's affine map
    assert np.all(layer.params["mlp.0.bias"] == 0) and np.all(layer.params["mlp.3.bias"] == 0)
    assert np.all(layer.params["norm.weight"] == 1) and np.all(layer.params["norm.bias"] == 0)


# ----------------------------------------------------------------------------------------------------------
# Forward (AFNOMixing)


@pytest.mark.parametrize("activation, length, n, d, ms, mh", [
    ("gelu", 5, 6, 4, 3, 2), ("relu", 6, 6, 5, 2, 3), ("silu", 3, 5, 4, 5, 3), ("sigmoid", 4, 4, 3, 2, 2),
])
def test_afno_forward_eqs_1_to_9_dense(activation, length, n, d, ms, mh):
    """docs/layers/afno.md, Forward (AFNOMixing), eqs. (1)-(9): layer norm, zero-pad to N, ortho rfft2 (dense
    F_N and F_D), crop to m_s x m_h, complex weight, the flatten index 2(s m_h + h) + c, the MLP, the scatter,
    irfft2 with s = (N, D) and the residual on the first L rows; L < N, L = N, odd and even D; against
    AFNOMixing.forward."""
    layer = _afno(d=d, n=n, ms=ms, mh=mh, activation=activation)
    x = np.random.default_rng(2).standard_normal((2, length, d))
    y, ctx = layer.forward(x)
    np.testing.assert_allclose(y, _dense_afno(layer, x), rtol=0,
                               atol=1e-12)  # error_scale(<= 2 * 60) eps * |y| ~ 1e-13 for O(1) params, x10
    v = np.asarray(ctx.v)
    t = np.asarray(ctx.t)
    for s in range(ms):  # (5): the flatten index, exactly a copy
        for h in range(mh):
            assert v[0, 2 * (s * mh + h)] == t[0, s, h].real and v[0, 2 * (s * mh + h) + 1] == t[0, s, h].imag


def test_afno_forward_training_masks_eq_6():
    """docs/layers/afno.md, Forward (6): a~ = m_2 a / (1 - p) and o~ = m_4 o / (1 - p) with the masks named
    "mlp.2" (shape (..., H)) and "mlp.4" (shape (..., 2 m_s m_h)); dense, against AFNOMixing in training mode."""
    p = 0.3
    layer = _afno(dropout=p)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 5, 4))
    m2 = rng.random((2, layer.mlp_hidden_dim)) >= p
    m4 = rng.random((2, 2 * layer.modes_seq * layer.modes_hidden)) >= p
    y, _ = layer.forward(x, training=True, masks={"mlp.2": m2, "mlp.4": m4})
    np.testing.assert_allclose(y, _dense_afno(layer, x, m2, m4), rtol=0,
                               atol=1e-12 / (1 - p) ** 2)  # as the inference test, times the two 1/(1-p) scales


# ----------------------------------------------------------------------------------------------------------
# Backward (AFNOMixing)


@pytest.mark.parametrize("activation", ["tanh", "gelu"])
def test_afno_backward_b9_to_b1_central_differences(activation):
    """docs/layers/afno.md, Backward (AFNOMixing), (B9)-(B1), with the two contributions xbar = ybar + xbar_LN:
    central differences of <g, y> along a random direction of x and of each of the seven parameters, in
    training mode with injected masks; against AFNOMixing.backward."""
    p = 0.25
    layer = _afno(activation=activation, dropout=p)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 5, 4))
    g = rng.standard_normal((2, 5, 4))
    masks = {"mlp.2": rng.random((2, layer.mlp_hidden_dim)) >= p,
             "mlp.4": rng.random((2, 2 * layer.modes_seq * layer.modes_hidden)) >= p}
    _, ctx = layer.forward(x, training=True, masks=masks)
    dx, grads = layer.backward(ctx, g)
    step = 1e-5  # balances truncation h^2 against rounding eps / h

    def loss(lay, xx):
        return float(np.sum(g * lay.forward(xx, training=True, masks=masks)[0]))

    e = rng.standard_normal(x.shape)
    fd = (loss(layer, x + step * e) - loss(layer, x - step * e)) / (2 * step)
    assert np.sum(dx * e) == pytest.approx(fd, rel=1e-7, abs=1e-7)  # h^2 |f'''| ~ 1e-10, eps |L| / h ~ 1e-10
    for name, value in layer.params.items():
        direction = rng.standard_normal(value.shape)
        up = layer.with_params({name: np.asarray(value) + step * direction})
        down = layer.with_params({name: np.asarray(value) - step * direction})
        fd = (loss(up, x) - loss(down, x)) / (2 * step)
        assert np.sum(grads[name] * direction) == pytest.approx(fd, rel=1e-7, abs=1e-7), name  # as for x


@pytest.mark.parametrize("activation, length, n, d, ms, mh", [("gelu", 5, 6, 5, 3, 2), ("silu", 4, 4, 4, 4, 3)])
def test_afno_backward_line_by_line_dense(activation, length, n, d, ms, mh):
    """docs/layers/afno.md, Backward (AFNOMixing), (B9)-(B1) line by line in plain NumPy: Sbar = P_N ybar,
    Zbar = omega * R Sbar (dense), the crop and the (re, im) pairing, the MLP's VJPs (B6), Tbar from the pairs,
    Xbar^m = Tbar conj(W), Wbar = sum Tbar conj(X^m), wbar = (Re, Im), Xbar = C^T Xbar^m, ubar = P_N^T R^* Xbar
    (zero-pad, inverse DFT, real part), the layer-norm VJP, xbar = ybar + xbar_LN; against AFNOMixing.backward."""
    layer = _afno(d=d, n=n, ms=ms, mh=mh, activation=activation)
    p = {k: np.asarray(v) for k, v in layer.params.items()}
    rng = np.random.default_rng(21)
    x = rng.standard_normal((2, length, d))
    ybar = rng.standard_normal(x.shape)
    m = d // 2 + 1
    mu = x.mean(-1, keepdims=True)
    r = (((x - mu) ** 2).mean(-1, keepdims=True) + 1e-5) ** -0.5
    xhat = (x - mu) * r
    u = xhat * p["norm.weight"] + p["norm.bias"]
    xm = _dense_rfft2(u, n, d)[..., :ms, :mh]
    w = p["fourier_weight"][..., 0] + 1j * p["fourier_weight"][..., 1]
    t = xm * w
    v = np.stack([t.real, t.imag], axis=-1).reshape(2, -1)
    hpre = v @ p["mlp.0.weight"].T + p["mlp.0.bias"]
    a = _phi(activation, hpre)
    sbar = np.zeros((2, n, d))
    sbar[:, :length] = ybar  # (B9)
    omega = np.full(m, 2.0)
    omega[0] = 1.0
    if d % 2 == 0:
        omega[-1] = 1.0
    zbar = omega * _dense_rfft2(sbar, n, d)  # (B8)
    obar = np.stack([zbar[:, :ms, :mh].real, zbar[:, :ms, :mh].imag], axis=-1).reshape(2, -1)  # (B7)
    abar = obar @ p["mlp.3.weight"]  # (B6)
    hbar = _phi_prime(activation, hpre) * abar
    vbar = hbar @ p["mlp.0.weight"]
    pairs = vbar.reshape(2, ms, mh, 2)
    tbar = pairs[..., 0] + 1j * pairs[..., 1]  # (B5)
    xmbar = tbar * np.conj(w)  # (B4)
    wbar = np.sum(tbar * np.conj(xm), axis=0)
    xbar_full = np.zeros((2, n, d), complex)
    xbar_full[:, :ms, :mh] = xmbar  # (B3), zero-padded to D columns for (B2)
    ubar = (_dft(n).conj().T @ xbar_full @ _dft(d).conj().T).real[:, :length] / math.sqrt(n * d)  # (B2)
    g = ubar * p["norm.weight"]  # (B1)
    xbar = ybar + r * (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True))
    _, ctx = layer.forward(x)
    dx, grads = layer.backward(ctx, ybar)
    expected = {"fourier_weight": np.stack([wbar.real, wbar.imag], axis=-1), "mlp.0.weight": hbar.T @ v,
                "mlp.0.bias": hbar.sum(0), "mlp.3.weight": obar.T @ a, "mlp.3.bias": obar.sum(0),
                "norm.weight": (ubar * xhat).sum(axis=(0, 1)), "norm.bias": ubar.sum(axis=(0, 1))}
    np.testing.assert_allclose(dx, xbar, rtol=0, atol=1e-12)  # chains of ND-term sums of O(1) values, ~100 eps x10
    for name, want in expected.items():
        np.testing.assert_allclose(grads[name], want, rtol=0, atol=1e-12, err_msg=name)  # as for dx


@pytest.mark.parametrize("n, d", [(6, 4), (5, 5), (4, 6)])
def test_b8_irfft2_adjoint_weights_and_hermitian_column(n, d):
    """docs/layers/afno.md, Backward (B8): Zbar = omega * R Sbar with omega_k = 2 except omega_0 = 1 and, for even
    D, omega_{D/2} = 1 (dense R), cropped to the retained modes; the DC column is Hermitian along the sequence,
    Zbar_{(N-s) mod N, 0} = conj Zbar_{s, 0}, with Im 0 only at s = 0 and, for even N, N/2; against
    irfft2_pruned_adjoint."""
    m = d // 2 + 1
    sbar = np.random.default_rng(5).standard_normal((n, d))
    omega = np.full(m, 2.0)
    omega[0] = 1.0
    if d % 2 == 0:
        omega[-1] = 1.0
    expected = omega * (_dft(n) @ sbar @ _dft(d))[:, :m] / math.sqrt(n * d)
    got = irfft2_pruned_adjoint(sbar, input_shape=(n, m), s=(n, d), norm="ortho")
    tol = 16 * (n * d + 4) * EPS64 * np.abs(sbar).sum()  # dense ND-term sums, weight 2
    np.testing.assert_allclose(got, expected, rtol=0, atol=tol)  # see tol
    rev = (-np.arange(n)) % n
    np.testing.assert_allclose(got[rev, 0], np.conj(got[:, 0]), rtol=0, atol=tol)  # see tol
    self_conj = {0, n // 2} if n % 2 == 0 else {0}
    assert {s for s in range(n) if abs(got[s, 0].imag) <= tol} == self_conj
    cropped = irfft2_pruned_adjoint(sbar, input_shape=(3, 2), s=(n, d), norm="ortho")
    np.testing.assert_allclose(cropped, expected[:3, :2], rtol=0, atol=tol)  # see tol


@pytest.mark.parametrize("n, d, length", [(6, 4, 5), (5, 5, 5), (4, 6, 2)])
def test_b2_rfft2_adjoint_no_doubling_and_crop(n, d, length):
    """docs/layers/afno.md, Backward (B2): ubar = P_N^T R^* Xbar, R^* = zero-pad the half spectrum to D bins,
    inverse DFT (unitary under ortho), real part, no doubling, then keep the first L rows; and (B3): discarded
    modes get zero cotangent (the cotangent zero-padded from the kept m_h columns); dense, against
    rfft2_pruned_adjoint."""
    cols = 2
    rng = np.random.default_rng(6)
    xbar = rng.standard_normal((n, cols)) + 1j * rng.standard_normal((n, cols))
    pad = np.zeros((n, d), complex)
    pad[:, :cols] = xbar
    expected = (_dft(n).conj().T @ pad @ _dft(d).conj().T).real[:length] / math.sqrt(n * d)
    got = rfft2_pruned_adjoint(xbar, input_shape=(length, d), s=(n, d), cols=cols, norm="ortho")
    np.testing.assert_allclose(got, expected, rtol=0,
                               atol=16 * (n * d + 4) * EPS64 * np.abs(xbar).sum())  # dense ND-term sums


@pytest.mark.parametrize("name", ["gelu", "relu", "silu", "tanh", "sigmoid", "identity"])
def test_b6_activation_derivatives(name):
    """docs/layers/afno.md, Backward (B6): phi' = Phi(h) + h phi(h) (GELU), 1[h > 0] (ReLU, 0 at 0),
    sigma(h)(1 + h(1 - sigma(h))) (SiLU), 1 - tanh^2 h, sigma(1 - sigma), 1; as written, and by central
    differences away from 0; against the activation VJPs AFNOMixing uses (AFNO_ACTIVATIONS)."""
    fn, vjp = AFNO_ACTIVATIONS[name]
    h = np.array([-2.1, -0.7, -0.15, 0.0, 0.2, 0.9, 2.5])
    da = np.linspace(0.5, 1.5, h.size)
    got = vjp(da, h, fn(h))
    np.testing.assert_allclose(got, da * _phi_prime(name, h), rtol=1e-15, atol=1e-15)  # a few roundings of O(1)
    away = h != 0.0
    step = 1e-6  # balances truncation h^2 against rounding eps / h
    fd = (_phi(name, h + step) - _phi(name, h - step)) / (2 * step)
    np.testing.assert_allclose(got[away], da[away] * fd[away], rtol=0,
                               atol=1e-8)  # h^2 |phi'''| / 6 ~ 1e-13, eps / h ~ 2e-10
    if name == "relu":
        assert got[~away][0] == 0.0


def test_b1_layer_norm_vjp():
    """docs/layers/afno.md, Backward (B1): g = ubar * gamma, xbar = r (g - <g> - xhat <g xhat>),
    gammabar = sum_batch ubar * xhat, betabar = sum_batch ubar, as written; against layer_norm_vjp."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 5))
    gamma, beta = 1 + 0.3 * rng.standard_normal(5), rng.standard_normal(5)
    ubar = rng.standard_normal((3, 5))
    mu = x.mean(-1, keepdims=True)
    r = (((x - mu) ** 2).mean(-1, keepdims=True) + 1e-5) ** -0.5
    xhat = (x - mu) * r
    g = ubar * gamma
    expected = r * (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True))
    dx, dgamma, dbeta = layer_norm_vjp(ubar, x, gamma, beta, xhat * gamma + beta, eps=1e-5)
    np.testing.assert_allclose(dx, expected, rtol=0, atol=1e-13)  # 5-term means of O(1) terms times r <= 3: ~30 eps
    np.testing.assert_allclose(dgamma, (ubar * xhat).sum(0), rtol=0, atol=1e-14)  # 3-term sums of O(1) products
    np.testing.assert_allclose(dbeta, ubar.sum(0), rtol=0, atol=1e-14)  # 3-term sums


# ----------------------------------------------------------------------------------------------------------
# BlockDiagonalAFNOMixing


def _bd(d=4, k=2, lam=0.05, frac=1.0, fh=1, activation="tanh", seed=8):
    layer = BlockDiagonalAFNOMixing(d, num_blocks=k, sparsity_threshold=lam, hard_thresholding_fraction=frac,
                                    hidden_size_factor=fh, activation=activation, seed=seed)
    gen = np.random.default_rng(seed + 100)
    new = {}
    for name, value in layer.params.items():
        draw = gen.standard_normal(value.shape)
        new[name] = 0.5 * draw if name in ("b1", "b2") else draw / math.sqrt(value.shape[2])
    return layer.with_params(new)


def _dense_bd(layer, x):
    """(P1)-(P7) as written: the rfft by dense DFT, the block index X_{j, kb + i}, NVlabs's real form of (P3),
    soft-shrinkage S_lambda, zero-padding, irfft by Hermitian completion."""
    p = {k: np.asarray(v) for k, v in layer.params.items()}
    length, d = x.shape[-2], layer.hidden_dim
    kb, b = layer.num_blocks, layer.block_size
    m = length // 2 + 1
    kappa = int(m * layer.hard_thresholding_fraction)
    big_x = (_dft(length) @ x)[..., :m, :] / math.sqrt(length)  # (P1)
    xk = np.zeros((*x.shape[:-2], kappa, kb, b), complex)
    for j in range(kappa):
        for k in range(kb):
            for i in range(b):
                xk[..., j, k, i] = big_x[..., j, k * b + i]  # (P2)
    act = layer.activation
    re1 = np.einsum("...ki,kio->...ko", xk.real, p["w1"][0]) - np.einsum("...ki,kio->...ko", xk.imag, p["w1"][1])
    im1 = np.einsum("...ki,kio->...ko", xk.imag, p["w1"][0]) + np.einsum("...ki,kio->...ko", xk.real, p["w1"][1])
    o1 = _phi(act, re1 + p["b1"][0]) + 1j * _phi(act, im1 + p["b1"][1])  # (P3)
    w2 = p["w2"][0] + 1j * p["w2"][1]
    z2 = np.einsum("...ko,koi->...ki", o1, w2) + (p["b2"][0] + 1j * p["b2"][1])  # (P4)

    def shrink(t):
        return np.sign(t) * np.maximum(np.abs(t) - layer.sparsity_threshold, 0.0)

    o2 = shrink(z2.real) + 1j * shrink(z2.imag)
    full_half = np.zeros((*x.shape[:-2], m, d), complex)
    full_half[..., :kappa, :] = o2.reshape(*x.shape[:-2], kappa, d)  # (P5)
    full = np.zeros((*x.shape[:-2], length, d), complex)
    full[..., :m, :] = full_half
    for j in range(m, length):
        full[..., j, :] = np.conj(full_half[..., length - j, :])
    return x + (_dft(length).conj().T @ full).real / math.sqrt(length)  # (P6), (P7)


@pytest.mark.parametrize("length, k, frac, fh, activation", [
    (6, 2, 1.0, 1, "tanh"), (5, 1, 0.5, 2, "relu"), (7, 4, 0.75, 1, "gelu"), (4, 2, 1.0, 2, "identity"),
])
def test_block_diagonal_forward_p1_to_p7_dense(length, k, frac, fh, activation):
    """docs/layers/afno.md, Forward and backward (BlockDiagonalAFNOMixing), (P1)-(P7) with NVlabs's real form of
    (P3): Re Z_1 = Re X w1[0] - Im X w1[1] + b1[0], Im Z_1 = Im X w1[0] + Re X w1[1] + b1[1]; and the kept bins
    kappa = floor((floor(L/2) + 1) f) of the Constructors table; dense, against BlockDiagonalAFNOMixing.forward."""
    layer = _bd(k=k, frac=frac, fh=fh, activation=activation)
    x = np.random.default_rng(9).standard_normal((2, length, 4))
    y, ctx = layer.forward(x)
    assert ctx.x_blocks.shape[-3] == math.floor((length // 2 + 1) * frac)
    np.testing.assert_allclose(y, _dense_bd(layer, x), rtol=0,
                               atol=1e-13)  # error_scale (<= 60) eps * |y| ~ 1e-14 for O(1) params, x10


@pytest.mark.parametrize("length, frac", [(6, 1.0), (5, 0.5)])
def test_block_diagonal_backward_bp6_to_bp1_central_differences(length, frac):
    """docs/layers/afno.md, Backward (BP6)-(BP1): central differences of <g, y> along random directions of x and
    of w1, b1, w2, b2 (tanh, lambda = 0.05; a seed whose parts of Z_2 stay away from +-lambda); against
    BlockDiagonalAFNOMixing.backward."""
    layer = _bd(frac=frac)
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, length, 4))
    g = rng.standard_normal((2, length, 4))
    _, ctx = layer.forward(x)
    z2 = np.asarray(ctx.z2)
    gap = np.min(np.abs(np.abs(np.concatenate([z2.real.ravel(), z2.imag.ravel()])) - layer.sparsity_threshold))
    assert gap > 1e-3  # the step below never crosses a kink of S_lambda
    dx, grads = layer.backward(ctx, g)
    step = 1e-6  # balances truncation h^2 against rounding eps / h

    def loss(lay, xx):
        return float(np.sum(g * lay.forward(xx)[0]))

    e = rng.standard_normal(x.shape)
    fd = (loss(layer, x + step * e) - loss(layer, x - step * e)) / (2 * step)
    assert np.sum(dx * e) == pytest.approx(fd, rel=1e-7, abs=1e-7)  # h^2 |f'''| ~ 1e-12, eps |L| / h ~ 1e-9
    for name, value in layer.params.items():
        direction = rng.standard_normal(value.shape)
        up = layer.with_params({name: np.asarray(value) + step * direction})
        down = layer.with_params({name: np.asarray(value) - step * direction})
        fd = (loss(up, x) - loss(down, x)) / (2 * step)
        assert np.sum(grads[name] * direction) == pytest.approx(fd, rel=1e-7, abs=1e-7), name  # as for x


def test_bp4_softshrink_derivative():
    """docs/layers/afno.md, Backward (BP4): S_lambda'(t) = 1[|t| > lambda], 0 at the kinks (as PyTorch); against
    softshrink_vjp."""
    lam = 0.3
    t = np.array([-1.0, -0.3, -0.1, 0.0, 0.29, 0.3, 0.31, 2.0])
    dy = np.arange(1.0, 9.0)
    got = softshrink_vjp(dy, t, np.sign(t) * np.maximum(np.abs(t) - lam, 0.0), lambd=lam)
    np.testing.assert_array_equal(got, dy * (np.abs(t) > lam))  # a mask: exact


def test_block_diagonal_parameters_and_initialisation():
    """docs/layers/afno.md, Constructors (BlockDiagonalAFNOMixing) and Cost: K blocks of size b = D/K, complex
    weights w1 (2, K, b, b f_h), b1 (2, K, b f_h), w2 (2, K, b f_h, b), b2 (2, K, b), each 0.02 N(0, 1) drawn in that
    order from NumPy's generator; K must divide D; against BlockDiagonalAFNOMixing(seed=...)."""
    layer = BlockDiagonalAFNOMixing(6, num_blocks=3, hidden_size_factor=2, seed=4)
    gen = np.random.default_rng(4)
    shapes = {"w1": (2, 3, 2, 4), "b1": (2, 3, 4), "w2": (2, 3, 4, 2), "b2": (2, 3, 2)}
    assert [(k, tuple(v.shape)) for k, v in layer.params.items()] == list(shapes.items())
    for name, shape in shapes.items():
        np.testing.assert_array_equal(layer.params[name], 0.02 * gen.standard_normal(shape))  # one product: exact
    with pytest.raises(ValueError, match="divisible"):
        BlockDiagonalAFNOMixing(6, num_blocks=4)
