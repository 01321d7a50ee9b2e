"""Draw docs/figures/fft_accuracy.svg: the accuracy of specref's rfft against an exact DFT in 50-digit arithmetic.

For each length n the script draws one real vector x ~ N(0, 1) (float64, seed (0, n)), transforms it with
``specref.transforms.rfft`` in float64 and, rounded to float32, in float32, and compares each result with the
oracle ``specref.oracle.rfft_oracle`` of the same input values, the definition

    Y_k = sum_{j=0}^{n-1} x_j exp(-2 pi i jk / n),   k = 0 .. n/2,

evaluated with mpmath at 50 significant digits (its own error, about n 10^-50, is negligible). The error
shown is the relative RMS error, the measure FFT error bounds are stated in (``relative_rms_error``,
computed at 50 digits too):

    e = ||Y_computed - Y_exact||_2 / ||Y_exact||_2.

Lengths: the powers of two n = 2^2 .. 2^9 (circles; radix-2 Cooley-Tukey) and the primes 7, 31, 127, 257
(squares, labelled; a prime length has no radix split: pocketfft uses a generic radix-p pass for small primes
and Bluestein's algorithm, three FFTs of a composite length, for large ones). The oracle costs n^2
multiple-precision products, about 0.45 s per transform at n = 512 and four times that at n = 1024: the study
stops at 512 so the whole figure stays near 1.5 s (3 s on a busy machine).

Lines, one panel per precision: the dashed line is specref's claimed bound ``fft_oracle_bound(n, dtype)`` =
6 eps log2(n) (Higham, Accuracy and Stability of Numerical Algorithms, Thm 24.2, for radix 2, with an
allowance for the twiddle factors and the scaling; eps = 2.2e-16 in float64, 1.2e-7 in float32); the dotted
line is eps log2(n), the growth the theorem predicts.

What to learn: a floating-point FFT is very accurate: its relative error is a small multiple of the machine
epsilon and grows only like log2(n). The measured errors are 0.09 to 0.25 eps log2(n), 25 to 70 times below
the bound, the same in units of eps for both precisions; the prime 257 (Bluestein) is about twice as
inaccurate as the neighbouring powers of two, but well inside the same bound.

Usage: python docs/scripts/fig_fft_accuracy.py
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _plot import COLORS, figure, to_svg, write_figures  # noqa: E402  (docs/scripts is not a package)

from specref.oracle import fft_oracle_bound, relative_rms_error, rfft_oracle  # noqa: E402
from specref.transforms import rfft  # noqa: E402

POWERS = [2**k for k in range(2, 10)]  # 4 .. 512 (n = 1024 alone would take 2 x 1.7 s or more)
PRIMES = [7, 31, 127, 257]
DTYPES = (("float64", COLORS[0]), ("float32", COLORS[1]))
SEED = 0


def errors(n: int) -> dict[str, float]:
    """The relative RMS error of rfft in each precision at length n, against the 50-digit oracle of the
    same input: x ~ N(0, 1) drawn in float64 (seed (SEED, n)), and its rounding to float32."""
    x = np.random.default_rng([SEED, n]).standard_normal(n)
    out = {}
    for dtype, _ in DTYPES:
        xd = x.astype(dtype)  # the oracle transforms exactly the values rfft sees
        out[dtype] = relative_rms_error(rfft(xd), rfft_oracle(xd))
    return out


def study() -> dict:
    """{n: {dtype: error}} for every length."""
    return {n: errors(n) for n in sorted(POWERS + PRIMES)}


def svg(results: dict) -> str:
    fig, axes = figure(900, 380, ncols=2)
    grid = np.array(sorted(POWERS + PRIMES), dtype=float)
    for ax, (dtype, color) in zip(axes, DTYPES, strict=True):
        eps = float(np.finfo(dtype).eps)
        ax.plot(grid, [fft_oracle_bound(int(n), dtype).value for n in grid], "--", color="gray", linewidth=1.4,
                label="claimed bound 6 eps log2(n)")
        ax.plot(POWERS, [results[n][dtype] for n in POWERS], "o-", color=color, markersize=4, linewidth=1.6,
                label="rfft, n a power of 2")
        primes = [results[n][dtype] for n in PRIMES]
        ax.plot(PRIMES, primes, "s-", color=COLORS[2], markersize=5, linewidth=0.8, label="rfft, n prime")
        for n, e in zip(PRIMES, primes, strict=True):
            ax.annotate(str(n), (n, e), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7,
                        color=COLORS[2])
        ax.plot(grid, [eps * math.log2(n) for n in grid], ":", color="black", linewidth=1.2,
                label="reference eps log2(n)")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_ylim(eps / 20, eps * 1000)
        ax.set_xticks(POWERS, [str(n) for n in POWERS])
        ax.minorticks_off()
        ax.set_xlabel("transform length n")
        ax.set_ylabel("relative RMS error ||rfft(x) - exact|| / ||exact||")
        ax.set_title(f"{dtype} input (eps = {eps:.2g})")
        ax.legend(loc="upper left", fontsize=7.5)
    fig.suptitle("specref rfft against the exact DFT (50-digit mpmath oracle)", fontsize=10)
    fig.tight_layout()
    return to_svg(fig)


def figures() -> dict[str, str]:
    """The figure (the docs build calls this)."""
    return {"fft_accuracy.svg": svg(study())}


def main() -> None:
    results = study()
    for n, row in results.items():
        scaled = ", ".join(f"{d} {e:.3g} = {e / (np.finfo(d).eps * math.log2(n)):.3f} eps log2 n"
                           for d, e in row.items())
        print(f"n = {n:5d}: {scaled}")
    write_figures({"fft_accuracy.svg": svg(results)})


if __name__ == "__main__":
    main()
