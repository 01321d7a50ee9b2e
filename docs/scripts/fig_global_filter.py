"""Draw docs/figures/global_filter_response.svg: what a global filter (GFNet, GlobalFilterMixing) does to a sequence.

The layer multiplies the spectrum of the sequence by a learned complex filter, along the sequence axis:

    y = irfft(H_hat * rfft(x)),   H = a(W_r) + i a(W_i),   H_hat_k = (H_k + conj(H_{-k})) / 2,

with a the activation (sigmoid by default, applied to the real and imaginary parts separately), W_r, W_i the
parameters ``filter_real``, ``filter_imag`` of shape (L, hidden_dim), one row per FFT bin k = 0 .. L-1, and
H_hat the Hermitian part of H that the layer actually multiplies in (``effective_filter``; for real x only that
part reaches the output). By the convolution theorem this is a circular convolution over the whole sequence,

    y_i = sum_j h_j x_{(i - j) mod L},   h = irfft(H_hat)   (NumPy's default "backward" scaling),

so one filter row per frequency is the same as one convolution kernel as long as the sequence: "global".

Panels, for L = 64 and one channel (hidden_dim = 1):

(a) gain |H_k| and phase arg H_k against the frequency bin k = 0 .. L/2 (the bins rfft keeps). At the random
    initialization the weights are N(0, 0.02^2), so a(W) = sigmoid(W) is about 1/2 for both parts:
    H_k is about (1 + i)/2, |H_k| about 0.707 and arg H_k about pi/4 (what ``get_filter_response`` reports,
    dotted). The Hermitian part cancels the even imaginary part: what the layer applies at initialization is
    about 1/2 at every bin with phase about 0 (solid), i.e. it starts close to y = x / 2. The low-pass filter
    has W_r = 2 (6.5 - |k|) (|k| the distance to DC on the frequency circle, min(k, L - k)) and W_i = -8:
    gain about 1 up to bin 5, 1/2 at bin 6.5, about 0 beyond bin 9, and phase exactly 0 (a constant W_i
    cancels in the Hermitian part).
(b) the equivalent circular-convolution kernel h = irfft(H_hat) at lags -32 .. 31: the initial filter is
    about 0.5 delta (a scaled identity plus small noise); the low-pass filter is a smooth, symmetric
    (zero-phase) bump about L / 13 = 5 positions wide, a smoothed sinc.
(c) a noisy sine (3 periods over the 64 samples plus Gaussian noise of standard deviation 0.4) through the
    layer with the low-pass filter (``layer.forward``): the noise above bin 6 is removed, the sine at bin 3
    passes. The script checks that ``layer.forward`` equals the circular convolution with h of panel (b).

What to learn: a global filter is a learnable, sequence-long circular convolution computed in O(L log L) with
FFTs; its parameters are a frequency response, so shaping W_r, W_i shapes which frequencies pass.

Usage: python docs/scripts/fig_global_filter.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _plot import COLORS, figure, to_svg, write_figures  # noqa: E402  (docs/scripts is not a package)

from specref.layers.mixing.global_filter import GlobalFilterMixing  # noqa: E402

L = 64  # sequence length = number of filter rows
SEED = 0  # the layer's initialization
SIGNAL_SEED = 1  # the noise of panel (c)
CUTOFF = 6.5  # the low-pass filter's half-gain bin


def low_pass_weights() -> tuple[np.ndarray, np.ndarray]:
    """W_r = 2 (CUTOFF - |k|) with |k| = min(k, L - k), W_i = -8: shape (L, 1) each."""
    k = np.arange(L)
    distance = np.minimum(k, L - k)
    return (2.0 * (CUTOFF - distance))[:, None], np.full((L, 1), -8.0)


def layers() -> tuple[GlobalFilterMixing, GlobalFilterMixing]:
    """The layer at its random initialization and the same layer with the low-pass weights."""
    init = GlobalFilterMixing(hidden_dim=1, sequence_length=L, seed=SEED)
    w_real, w_imag = low_pass_weights()
    return init, init.with_params({"filter_real": w_real, "filter_imag": w_imag})


def kernel(layer: GlobalFilterMixing) -> np.ndarray:
    """h = irfft(H_hat), the circular-convolution kernel the layer applies (lags 0 .. L-1)."""
    half = np.asarray(layer.effective_filter())[: L // 2 + 1, 0]
    return np.fft.irfft(half, n=L)


def circular_convolution(h: np.ndarray, x: np.ndarray) -> np.ndarray:
    """y_i = sum_j h_j x_{(i - j) mod L}, by the definition."""
    return sum(h[j] * np.roll(x, j) for j in range(len(h)))


def svg() -> str:
    init, low = layers()
    bins = np.arange(L // 2 + 1)
    raw = np.asarray(init.get_filter_response())[: L // 2 + 1, 0]
    applied_init = np.asarray(init.effective_filter())[: L // 2 + 1, 0]
    applied_low = np.asarray(low.effective_filter())[: L // 2 + 1, 0]
    h_init, h_low = kernel(init), kernel(low)

    t = np.arange(L)
    clean = np.sin(2 * np.pi * 3 * t / L)
    x = clean + 0.4 * np.random.default_rng(SIGNAL_SEED).standard_normal(L)
    y = low(x[None, :, None])[0, :, 0]
    np.testing.assert_allclose(y, circular_convolution(h_low, x), atol=1e-12)  # panel (b) is what (c) applies

    fig, axes = figure(940, 640, nrows=2, ncols=2)
    (ax_gain, ax_phase), (ax_kernel, ax_signal) = axes
    curves = [
        (raw, ":", COLORS[0], "random init: H = a(W_r) + i a(W_i)"),
        (applied_init, "-", COLORS[0], "random init: Hermitian part (applied)"),
        (applied_low, "-", COLORS[1], "low-pass weights: Hermitian part (applied)"),
    ]
    for values, style, color, name in curves:
        ax_gain.plot(bins, np.abs(values), style, color=color, marker="o", markersize=2.5, linewidth=1.4, label=name)
        low_pass = color == COLORS[1]  # drawn wide and underneath: it coincides with the applied initial phase
        ax_phase.plot(bins, np.angle(values), style, color=color, marker="o", markersize=4 if low_pass else 2.5,
                      linewidth=3.5 if low_pass else 1.4, alpha=0.5 if low_pass else 1.0, zorder=1 if low_pass else 2,
                      label=name)
    ax_gain.set_title("(a) gain of the filter")
    ax_gain.set_xlabel("frequency bin k (cycles per sequence)")
    ax_gain.set_ylabel("|H_k| (1 = passed, 0 = removed)")
    ax_gain.set_ylim(-0.05, 1.1)
    ax_gain.legend(loc="upper right", fontsize=7.5)
    ax_phase.set_title("(a) phase of the filter")
    ax_phase.set_xlabel("frequency bin k (cycles per sequence)")
    ax_phase.set_ylabel("arg H_k (radians)")
    ax_phase.set_yticks([-np.pi / 4, 0, np.pi / 4, np.pi / 2], ["-pi/4", "0", "pi/4", "pi/2"])
    ax_phase.set_ylim(-np.pi / 4 - 0.1, np.pi / 2 + 0.1)
    ax_phase.legend(loc="upper right", fontsize=7.5)

    lags = np.arange(-L // 2, L // 2)
    kernels = ((h_init, COLORS[0], "random init (about 0.5 at lag 0)"), (h_low, COLORS[1], "low-pass weights"))
    for h, color, name in kernels:
        shifted = np.fft.fftshift(h)
        ax_kernel.vlines(lags, 0, shifted, color=color, linewidth=1.2, alpha=0.8)
        ax_kernel.plot(lags, shifted, "o", color=color, markersize=2.5, label=name)
    ax_kernel.axhline(0, color="gray", linewidth=0.6)
    ax_kernel.set_title("(b) equivalent circular convolution kernel h = irfft(H_hat)")
    ax_kernel.set_xlabel("lag j (positions, circular)")
    ax_kernel.set_ylabel("h_j")
    ax_kernel.legend(loc="upper right", fontsize=7.5)

    ax_signal.plot(t, x, "-", color="gray", linewidth=1.0, marker="o", markersize=2, label="input: noisy sine")
    ax_signal.plot(t, clean, "--", color="black", linewidth=0.8, label="sine without noise")
    ax_signal.plot(t, y, "-", color=COLORS[1], linewidth=1.8, label="output of the low-pass layer")
    ax_signal.set_title("(c) low-pass global filter on a noisy sine")
    ax_signal.set_xlabel("position in the sequence")
    ax_signal.set_ylabel("value")
    ax_signal.legend(loc="lower left", fontsize=7.5)
    fig.tight_layout()
    return to_svg(fig)


def figures() -> dict[str, str]:
    """The figure (the docs build calls this)."""
    return {"global_filter_response.svg": svg()}


def main() -> None:
    write_figures(figures())


if __name__ == "__main__":
    main()
