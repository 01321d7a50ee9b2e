r"""Resolution invariance, measured: the same spectral-convolution weights applied to a smooth periodic function
sampled at N and at 2N points give outputs that agree at the shared points within the aliasing bound derived in
docs/layers/operators.md ("Resolution invariance").

The derivation, in short (1-D; the page has the 2-D case). A 1-periodic :math:`f = \sum_n c_n e^{2\pi i n t}`
sampled at :math:`t_j = j/N` has :math:`\mathrm{rfft}(x)_k / N = c_k + \alpha^{(N)}_k`,
:math:`\alpha^{(N)}_k = \sum_{l \ne 0} c_{k + lN}` (aliasing). For :math:`m - 1 < N/2` (no Nyquist bin kept),
``irfft`` of the kept bins gives :math:`y_o(t_j) = \operatorname{Re}\sum_{k<m} w_k \sum_i
(c_{ik} + \alpha^{(N)}_{ik}) W_{iok} e^{2\pi i k t_j}` with :math:`w_0 = 1`, :math:`w_k = 2`: the operator
applied to :math:`f` plus an aliasing term. On the grid of 2N points the shared points are :math:`t_{2j}`, and
:math:`\alpha^{(N)} - \alpha^{(2N)} = \sum_{l\ \mathrm{odd}} c_{k + lN}`, so

.. math:: \Delta_o(t_j) = \operatorname{Re}\sum_{k<m} w_k \sum_i \Big(\sum_{l\ \mathrm{odd}} c_{i, k + lN}\Big)
          W_{iok}\, e^{2\pi i k t_j}, \qquad
          |\Delta_o| \le \sum_{k<m} w_k \sum_i |W_{iok}| \sum_{l\ \mathrm{odd}} |c_{i, k + lN}|.

For :math:`f_i(t) = \exp(a_i \sin 2\pi(t + \varphi_i))`, :math:`|c_n| = I_{|n|}(a_i)` (the modified Bessel
functions: :math:`e^{a\cos\theta} = \sum_n I_n(a) e^{in\theta}`), and :math:`I_n(a) \le e^{a^2/4} (a/2)^n/n!`
(the series :math:`I_n(a) = \sum_j (a/2)^{2j+n}/(j!(n+j)!)` with :math:`(n+j)! \ge n!\,j!`): the bound decays
like :math:`(a/2)^{N-m+1}/(N-m+1)!`, the first coefficient beyond the coarse grid's reach. Each test checks the
bound, and the exact prediction :math:`\Delta` (with :math:`c_n` from a 256-point FFT), to rounding.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.backend import finfo_eps
from specref.layers.operators.spectral_conv import (
    SpectralConv1d,
    SpectralConv2d,
    SpectralConv2dTwoCorners,
    _error_scale,
)

EPS64 = finfo_eps("float64")
FINE = 256  # the grid the exact coefficients come from: its aliasing starts at |n| = 128, I_128(1) ~ 1e-250
L_MAX = 6  # alias images summed; the next, |n| >= 7 N - m >= 50, have I_n(a) < 1e-64


def _bessel_bound(n, a):
    r""":math:`e^{a^2/4} (a/2)^{|n|} / |n|!`, an upper bound of :math:`I_{|n|}(a) = |c_n|`."""
    n = abs(int(n))
    return math.exp(a * a / 4.0) * (a / 2.0) ** n / math.factorial(n)


def _f(a, phase):
    return lambda t: np.exp(a * np.sin(2.0 * np.pi * (t + phase)))


def _coefficients(f):
    """c_n of the 1-periodic f, from a FINE-point FFT (indexed by n mod FINE)."""
    return np.fft.fft(f(np.arange(FINE) / FINE)) / FINE


def _alias_odd(c, k, n):
    r""":math:`\sum_{l\ \mathrm{odd}} c_{k + lN}` (|l| <= L_MAX): the aliasing the N-grid has and the 2N-grid lacks."""
    return sum(c[(k + l * n) % FINE] for l in range(-L_MAX, L_MAX + 1) if l % 2)


def _odd_bound(a, k, n):
    return sum(_bessel_bound(k + l * n, a) for l in range(-L_MAX, L_MAX + 1) if l % 2)


def _all_and_even_bounds(a, k, n):
    """(sum over every l, sum over even l) of the bounds of |c_{k + lN}|."""
    terms = {l: _bessel_bound(k + l * n, a) for l in range(-L_MAX, L_MAX + 1)}
    return sum(terms.values()), sum(v for l, v in terms.items() if l % 2 == 0)


# ----------------------------------------------------------------------------------------------------------
# 1-D


AMPLITUDES = (1.0, 0.7, 1.3)  # a_i of the input channels (a = 1: exp(sin 2 pi t), the I_k(1) decay)
PHASES = (0.0, 0.17, 0.61)


@pytest.mark.parametrize("n, modes", [(8, 4), (8, 2), (12, 4), (16, 5), (9, 5)])
def test_spectral_conv1d_is_resolution_invariant_within_the_aliasing_bound(n, modes):
    assert 2 * (modes - 1) < n  # no Nyquist bin among the kept ones (the derivation's condition)
    c_in, c_out = len(AMPLITUDES), 2
    layer = SpectralConv1d(c_in, c_out, modes, seed=3)
    layer = layer.with_params({"weights": np.random.default_rng(7).standard_normal((c_in, c_out, modes, 2))})
    w = layer.params["weights"][..., 0] + 1j * layer.params["weights"][..., 1]  # (C_in, C_out, m)
    fs = [_f(a, p) for a, p in zip(AMPLITUDES, PHASES, strict=True)]
    coarse = layer(np.stack([f(np.arange(n) / n) for f in fs])[None])[0]  # (C_out, N)
    fine = layer(np.stack([f(np.arange(2 * n) / (2 * n)) for f in fs])[None])[0]  # (C_out, 2N)
    delta = coarse - fine[:, ::2]  # at the shared points t_j = j / N = 2j / 2N

    weights_k = np.array([1.0] + [2.0] * (modes - 1))  # irfft's Hermitian weights of the kept bins
    bound = np.einsum("k,iok,ik->o", weights_k, np.abs(w),
                      np.array([[_odd_bound(a, k, n) for k in range(modes)] for a in AMPLITUDES]))
    # rounding: two forwards, each within c eps of its scale S_o = sum_k w_k sum_i |W_iok| max|x_i|
    scale = np.einsum("k,iok,i->o", weights_k, np.abs(w), [math.exp(a) for a in AMPLITUDES])
    rounding = 2.0 * _error_scale(2 * n, n + 1, c_in, c_out) * EPS64 * scale  # _error_scale: FNO-A's claim
    assert np.all(np.abs(delta).max(axis=-1) <= bound + rounding[:]), (np.abs(delta).max(axis=-1), bound)

    # the prediction itself: Delta_o(t_j) = Re sum_k w_k sum_i alias_odd_ik W_iok e^{2 pi i k t_j}
    alias = np.array([[_alias_odd(_coefficients(f), k, n) for k in range(modes)] for f in fs])  # (C_in, m)
    phase = np.exp(2j * np.pi * np.outer(np.arange(modes), np.arange(n)) / n)  # (m, N)
    predicted = np.real(np.einsum("k,ik,iok,kj->oj", weights_k, alias, w, phase))
    assert np.all(np.abs(delta - predicted).max(axis=-1) <= rounding + 16 * EPS64 * scale)
    if n - modes + 1 <= 6:  # I_{N-m+1}(1) >= I_6(1) ~ 2e-5: the aliasing dominates the rounding by far
        assert np.abs(delta).max() > 1e6 * rounding.max()
    # the bound is tight: measured 0.47-0.66 of it on these grids (the phases of the images keep it below 1)
    assert np.all(np.abs(delta).max(axis=-1) >= 0.25 * bound)


def test_band_limited_input_is_exactly_invariant():
    """A trigonometric polynomial of degree D <= N - m has no alias on the kept bins: only rounding is left."""
    n, modes, degree = 10, 4, 6
    rng = np.random.default_rng(2)
    coef = rng.standard_normal((2, degree + 1)) + 1j * rng.standard_normal((2, degree + 1))
    layer = SpectralConv1d(2, 3, modes, seed=1)

    def sample(points):
        t = np.arange(points) / points
        return np.real(coef @ np.exp(2j * np.pi * np.outer(np.arange(degree + 1), t)))[None]

    delta = layer(sample(n))[0] - layer(sample(2 * n))[0][:, ::2]
    w = np.abs(layer.params["weights"][..., 0] + 1j * layer.params["weights"][..., 1])
    scale = 2.0 * w.sum() * np.abs(coef).sum()
    assert np.abs(delta).max() <= 2.0 * _error_scale(2 * n, n + 1, 2, 3) * EPS64 * scale


# ----------------------------------------------------------------------------------------------------------
# 2-D: f_i(s, t) = exp(a_i sin 2 pi (s + phi_i)) exp(b_i sin 2 pi (t + psi_i)), c_{pq} = c_p c'_q


def _rows(cls, m1, h):
    """The frequencies of the kept rows: [0, m1) (one corner), and [-m1, 0) too for the two corners."""
    return list(range(m1)) if cls is SpectralConv2d else [*range(m1), *range(-m1, 0)]


@pytest.mark.parametrize("cls", [SpectralConv2d, SpectralConv2dTwoCorners])
@pytest.mark.parametrize("h, w_len, modes", [(8, 8, (3, 3)), (9, 10, (2, 4))])
def test_spectral_conv2d_is_resolution_invariant_within_the_aliasing_bound(cls, h, w_len, modes):
    m1, m2 = modes
    assert 2 * (m1 - 1) < h and 2 * (m2 - 1) < w_len
    ab = ((1.0, 0.8), (0.6, 1.2))
    ph = ((0.05, 0.3), (0.4, 0.7))
    c_in, c_out = len(ab), 2
    layer = cls(c_in, c_out, modes, seed=4)
    rng = np.random.default_rng(8)
    layer = layer.with_params({k: rng.standard_normal(v.shape) for k, v in layer.params.items()})
    wc = [layer.params[k][..., 0] + 1j * layer.params[k][..., 1] for k in layer.params]
    w = np.concatenate(wc, axis=2)  # (C_in, C_out, rows, m2): rows in the order of _rows
    rows = _rows(cls, m1, h)
    f1 = [_f(a, p) for (a, _), (p, _) in zip(ab, ph, strict=True)]
    f2 = [_f(b, q) for (_, b), (_, q) in zip(ab, ph, strict=True)]

    def sample(hh, ww):
        s, t = np.arange(hh) / hh, np.arange(ww) / ww
        return np.stack([np.outer(g1(s), g2(t)) for g1, g2 in zip(f1, f2, strict=True)])[None]

    delta = layer(sample(h, w_len))[0] - layer(sample(2 * h, 2 * w_len))[0][:, ::2, ::2]
    wk2 = np.array([1.0] + [2.0] * (m2 - 1))
    # |alias_N - alias_2N| <= S1 S2 - E1 E2 (products of the coefficient bounds over all / even images)
    alias_bound = np.zeros((c_in, len(rows), m2))
    for i, (a, b) in enumerate(ab):
        for r, k1 in enumerate(rows):
            s1, e1 = _all_and_even_bounds(a, k1, h)
            for k2 in range(m2):
                s2, e2 = _all_and_even_bounds(b, k2, w_len)
                alias_bound[i, r, k2] = s1 * s2 - e1 * e2
    bound = np.einsum("q,iorq,irq->o", wk2, np.abs(w), alias_bound)
    scale = np.einsum("q,iorq,i->o", wk2, np.abs(w), [math.exp(a + b) for a, b in ab])
    rounding = 2.0 * _error_scale(4 * h * w_len, 2 * h * (w_len + 1), c_in, c_out) * EPS64 * scale
    measured = np.abs(delta).reshape(c_out, -1).max(axis=-1)
    assert np.all(measured <= bound + rounding), (measured, bound)

    # the prediction: the alias of the product coefficients over the images (l1, l2) not both even
    c1 = [_coefficients(g) for g in f1]
    c2 = [_coefficients(g) for g in f2]
    span = range(-3, 4)
    alias = np.array([[[sum(c1[i][(k1 + l1 * h) % FINE] * c2[i][(k2 + l2 * w_len) % FINE]
                             for l1 in span for l2 in span if l1 % 2 or l2 % 2) for k2 in range(m2)]
                        for k1 in rows] for i in range(c_in)])
    e1 = np.exp(2j * np.pi * np.outer(rows, np.arange(h)) / h)  # (rows, H)
    e2 = np.exp(2j * np.pi * np.outer(np.arange(m2), np.arange(w_len)) / w_len)  # (m2, W)
    predicted = np.real(np.einsum("q,irq,iorq,rs,qt->ost", wk2, alias, w, e1, e2))
    err = np.abs(delta - predicted).reshape(c_out, -1).max(axis=-1)
    assert np.all(err <= rounding + 16 * EPS64 * scale)
    assert measured.max() > 1e3 * rounding.max()  # the aliasing is what is measured, not the rounding


def test_one_corner_removes_the_waves_with_opposite_frequency_signs():
    """operators.md: spectrans's one corner drops cos 2 pi (t - s) (k1 k2 < 0) entirely; the two corners keep it."""
    h = w_len = 8
    s, t = np.arange(h)[:, None] / h, np.arange(w_len)[None, :] / w_len
    minus, plus = np.cos(2 * np.pi * (t - s))[None, None], np.cos(2 * np.pi * (t + s))[None, None]
    one, two = SpectralConv2d(1, 1, (3, 3), seed=1), SpectralConv2dTwoCorners(1, 1, (3, 3), seed=1)
    assert np.abs(one(minus)).max() <= 64 * EPS64 < 0.1 < np.abs(one(plus)).max()
    assert np.abs(two(minus)).max() > 0.1
