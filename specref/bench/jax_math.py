r"""The mixing layers' math written in JAX: the JAX peer of ``specref bench`` and of benchmarks/bench_mixing_layers.py.

Imported only by a peer builder (JAX is a peer, never a dependency of specref).

Each ``*_forward(x, params, **config)`` is the forward of the specref/spectrans layer of the same name in
inference mode (no dropout), on a real ``x`` of shape (B, N, D) with ``params`` a dict of real arrays named
as spectrans's parameters. The gradients come from ``jax.vjp`` under ``jax.jit`` (see :func:`make_vjp`).

- FourierMixing: :math:`\operatorname{Re}\,\mathrm{fft2}(x)` over (sequence, hidden);
- FourierMixing1D: :math:`\operatorname{Re}\,\mathrm{fft}(x)` along the sequence;
- RealFourierMixing: the same map as FourierMixing, formed from ``rfft2`` as specref does: the real part
  of the half spectrum, the other columns rebuilt by Hermitian symmetry
  :math:`\operatorname{Re} X_{k,l} = \operatorname{Re} X_{-k,D-l}`;
- SeparableFourierMixing: :math:`\operatorname{Re}\,\mathrm{fft}_D(\operatorname{Re}\,\mathrm{fft}_N(x))`;
- GlobalFilterMixing / AdaptiveGlobalFilter (inference mode: the same map):
  :math:`\operatorname{Re}\,\mathrm{ifft}_N(H \odot \mathrm{fft}_N(x))` with
  :math:`H = a(W_r) + i\,a(W_i)` at the filter's own length (no interpolation: N = sequence_length);
- GlobalFilterMixing2D: the same with fft2/ifft2;
- SpectralConv1d/2d and FourierNeuralOperator (spectrans's neural operators; GELU): the mode-wise complex
  product on the first modes of rfft/rfft2, and the FNO's 1x1 convolution beside it;
- AFNOMixing (spectrans's variant): layer norm, zero-pad to N, rfft2 (ortho), the first (ms, mh) modes times
  :math:`w_0 + i w_1`, flattened (re, im) pairs through Linear-activation-Linear, scattered back, irfft2
  with s = (N, D), cropped, plus the residual.

Norm: "ortho" throughout (spectrans's default).
"""

from __future__ import annotations

import jax  # peer-only
import jax.numpy as jnp  # peer-only

__all__ = ["FORWARDS", "make_vjp"]

_ACT = {
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "identity": lambda v: v,
    "gelu": lambda v: jax.nn.gelu(v, approximate=False),
    "relu": jax.nn.relu,
    "silu": jax.nn.silu,
}


def fourier_mixing(x, params, norm="ortho"):
    return jnp.real(jnp.fft.fft2(x, axes=(-2, -1), norm=norm))


def fourier_mixing_1d(x, params, norm="ortho"):
    return jnp.real(jnp.fft.fft(x, axis=-2, norm=norm))


def real_fourier_mixing(x, params, norm="ortho"):
    n, d = x.shape[-2], x.shape[-1]
    half = jnp.real(jnp.fft.rfft2(x, axes=(-2, -1), norm=norm))  # columns 0 .. D//2
    rows = (-jnp.arange(n)) % n  # Re X[k, l] = Re X[-k, D - l] for l > D//2
    cols = d - jnp.arange(d // 2 + 1, d)
    tail = half[..., rows, :][..., cols]
    return jnp.concatenate([half, tail], axis=-1)


def separable_fourier_mixing(x, params, norm="ortho"):
    u = jnp.real(jnp.fft.fft(x, axis=-2, norm=norm))
    return jnp.real(jnp.fft.fft(u, axis=-1, norm=norm))


def global_filter_mixing(x, params, activation="sigmoid", norm="ortho"):
    act = _ACT[activation]
    h = act(params["filter_real"]) + 1j * act(params["filter_imag"])
    return jnp.real(jnp.fft.ifft(jnp.fft.fft(x, axis=-2, norm=norm) * h, axis=-2, norm=norm))


def global_filter_mixing_2d(x, params, activation="sigmoid", norm="ortho"):
    act = _ACT[activation]
    h = act(params["filter_real"]) + 1j * act(params["filter_imag"])
    return jnp.real(jnp.fft.ifft2(jnp.fft.fft2(x, axes=(-2, -1), norm=norm) * h, axes=(-2, -1), norm=norm))


def afno_mixing(x, params, max_sequence_length, modes_seq, modes_hidden, activation="gelu"):
    b, length, d = x.shape
    n, ms, mh = max_sequence_length, modes_seq, modes_hidden
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean((x - mean) ** 2, axis=-1, keepdims=True)
    u = (x - mean) / jnp.sqrt(var + 1e-5) * params["norm.weight"] + params["norm.bias"]
    u = jnp.pad(u, ((0, 0), (0, n - length), (0, 0)))
    spec = jnp.fft.rfft2(u, axes=(1, 2), norm="ortho")
    w = params["fourier_weight"]
    t = spec[:, :ms, :mh] * (w[..., 0] + 1j * w[..., 1])
    v = jnp.stack([jnp.real(t), jnp.imag(t)], axis=-1).reshape(b, -1)
    hid = _ACT[activation](v @ params["mlp.0.weight"].T + params["mlp.0.bias"])
    o = (hid @ params["mlp.3.weight"].T + params["mlp.3.bias"]).reshape(b, ms, mh, 2)
    z = o[..., 0] + 1j * o[..., 1]
    full = jnp.zeros((b, n, d // 2 + 1), dtype=spec.dtype).at[:, :ms, :mh].set(z)
    return x + jnp.fft.irfft2(full, s=(n, d), axes=(1, 2), norm="ortho")[:, :length, :]


def _spectral_conv(x, w, modes):
    """spectrans's spectral convolution: the first ``modes`` rfft bins (one corner in 2-D) times the complex
    weights (a trailing (re, im) axis), channels on axis -2 (1-D) or -3 (2-D)."""
    wc = w[..., 0] + 1j * w[..., 1]
    if isinstance(modes, int):
        spec = jnp.fft.rfft(x, axis=-1)
        mixed = jnp.einsum("...ik,iok->...ok", spec[..., :modes], wc)
        pad = [(0, 0)] * (mixed.ndim - 1) + [(0, spec.shape[-1] - modes)]
        return jnp.fft.irfft(jnp.pad(mixed, pad), n=x.shape[-1], axis=-1)
    m1, m2 = modes
    spec = jnp.fft.rfft2(x, axes=(-2, -1))
    mixed = jnp.einsum("...ihw,iohw->...ohw", spec[..., :m1, :m2], wc)
    pad = [(0, 0)] * (mixed.ndim - 2) + [(0, spec.shape[-2] - m1), (0, spec.shape[-1] - m2)]
    return jnp.fft.irfft2(jnp.pad(mixed, pad), s=x.shape[-2:], axes=(-2, -1))


def spectral_conv(x, params, modes):
    return _spectral_conv(x, params["weights"], modes)


def fourier_neural_operator(x, params, modes):
    """spectrans's FourierNeuralOperator (GELU): channels last in and out."""
    xc = jnp.moveaxis(x, -1, 1)
    w = params["linear.weight"].reshape(params["linear.weight"].shape[:2])
    lin = jnp.einsum("oi,bi...->bo...", w, xc) + params["linear.bias"].reshape((-1,) + (1,) * (xc.ndim - 2))
    out = jax.nn.gelu(_spectral_conv(xc, params["spectral_conv.weights"], modes) + lin, approximate=False)
    return jnp.moveaxis(out, 1, -1)


FORWARDS = {
    "FourierMixing": fourier_mixing,
    "FourierMixing1D": fourier_mixing_1d,
    "RealFourierMixing": real_fourier_mixing,
    "SeparableFourierMixing": separable_fourier_mixing,
    "GlobalFilterMixing": global_filter_mixing,
    "GlobalFilterMixing2D": global_filter_mixing_2d,
    "AdaptiveGlobalFilter": global_filter_mixing,
    "AFNOMixing": afno_mixing,
    "SpectralConv1d": spectral_conv,
    "SpectralConv2d": spectral_conv,
    "FourierNeuralOperator": fourier_neural_operator,
}


def make_vjp(name: str, **config):
    """``jax.jit`` of (x, params, dy) -> (y, dx, dparams): the forward and its VJP with cotangent dy."""
    forward = FORWARDS[name]

    def run(x, params, dy):
        y, pullback = jax.vjp(lambda x_, p_: forward(x_, p_, **config), x, params)
        dx, dparams = pullback(dy)
        return y, dx, dparams

    return jax.jit(run)
