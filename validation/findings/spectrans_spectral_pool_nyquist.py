"""Finding: spectrans's SpectralPooling keeps the Nyquist bin of an even kept band once.

Run in the peer venv (spectrans 0.1.0 + torch, see validation/README.md):

    python validation/findings/spectrans_spectral_pool_nyquist.py

spectrans ``SpectralPooling(m, norm).transform(x)`` (src/spectrans/transforms/fourier.py:328-390) computes
``irfft(rfft(x)[..., : m // 2 + 1], n=m)``. With the kept band p = min(n, m) even and n != m, the bin at
frequency p/2 is the Nyquist bin of the shorter length, which ``irfft`` counts once where the real signal
holds it twice (at +p/2 and -p/2):

- truncating (m < n, m even), the bins +m/2 and -m/2 of the long spectrum land on the one Nyquist bin of the
  short grid (e^{+i pi m t} and e^{-i pi m t} sampled at t = j/m are both (-1)^j); ``irfft`` keeps
  Re X_{m/2} once instead of X_{m/2} + X_{-m/2} = 2 Re X_{m/2}: the cosine at the new Nyquist frequency is
  halved;
- zero-padding (m > n, n even), X_{n/2} becomes an interior bin that ``irfft``'s Hermitian completion puts at
  +n/2 and at -n/2, each in full: the Nyquist cosine of x is doubled.

Expected values, derived here without specref or scipy, with ``norm="forward"`` (values preserved: the
output is the trigonometric interpolant of x, cut at |k| <= p/2, sampled on the new grid of m points):

1. truncation n = 2m: for x band-limited to |k| <= m/2, the interpolant is x itself, so the result is
   x[::2] (decimation; the sine at m/2 vanishes on both grids, the cosine survives);
2. zero-padding m = 2n: the interpolant passes through the samples, so y[::2] = x;
3. (control) odd n and odd m: no Nyquist bin, and spectrans gives both of the above to rounding.

The script also shows that the two errors cancel in pad-then-truncate (a round-trip test does not see them),
and prints scipy.signal.resample and specref.transforms.spectral_pool beside them when they are importable.

Exit status 0 when the finding reproduces, 1 if spectrans now agrees with the expected values, 2 if spectrans
is not importable.
"""

from __future__ import annotations

import sys

import numpy as np


def pool(x: np.ndarray, m: int, norm: str = "forward") -> np.ndarray:
    """spectrans's SpectralPooling(m, norm).transform on the last axis of x (float64)."""
    import torch
    from spectrans.transforms import SpectralPooling

    return SpectralPooling(m, norm=norm).transform(torch.from_numpy(x)).numpy()


def band_limited(n: int, kmax: int, rng) -> np.ndarray:
    """A random real signal of length n whose spectrum lies in |k| <= kmax (cosines and sines)."""
    t = np.arange(n) / n
    x = np.full(n, rng.standard_normal())
    for k in range(1, kmax + 1):
        x += rng.standard_normal() * np.cos(2 * np.pi * k * t) + rng.standard_normal() * np.sin(2 * np.pi * k * t)
    return x


def references(x: np.ndarray, m: int) -> str:
    out = []
    try:
        import scipy.signal

        out.append(f"scipy.signal.resample {np.round(scipy.signal.resample(x, m), 4)}")
    except ImportError:
        pass
    try:
        from specref.transforms import spectral_pool

        out.append(f"specref {np.round(spectral_pool(x, size=m, norm='forward'), 4)}")
    except ImportError:
        pass
    return "\n     ".join(out)


def main() -> int:
    try:
        import spectrans.transforms  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        print(f"spectrans is not importable here ({exc}); run this script in the peer venv")
        return 2
    rng = np.random.default_rng(0)

    print("1. truncation 16 -> 8 (norm='forward') of cos(2 pi 4 t / 16), the new grid's Nyquist cosine")
    n, m = 16, 8
    x = np.cos(2 * np.pi * (m // 2) * np.arange(n) / n)
    got = pool(x, m)
    print(f"   expected x[::2] {np.round(x[::2], 4)}\n   spectrans       {np.round(got, 4)}\n     {references(x, m)}")
    half = float(np.max(np.abs(got - 0.5 * x[::2])))
    xb = band_limited(n, m // 2, rng)
    got_b = pool(xb, m)
    nyq = np.fft.fft(xb)[m // 2].real / n  # Re X_{m/2} / n: what spectrans drops, times (-1)^j
    trunc_err = float(np.max(np.abs(got_b - xb[::2])))
    trunc_pred = float(np.max(np.abs(got_b - xb[::2] + nyq * (-1.0) ** np.arange(m))))
    print(f"   random x band-limited to |k| <= 4: max |spectrans - x[::2]| = {trunc_err:.3g}; "
          f"spectrans - x[::2] + (Re X_4 / 16)(-1)^j: {trunc_pred:.1e}")

    print("\n2. zero-padding 8 -> 16 (norm='forward'): the interpolant passes through the samples, y[::2] = x")
    x8 = rng.standard_normal(8)
    y = pool(x8, 16)
    pad_err = float(np.max(np.abs(y[::2] - x8)))
    pad_pred = float(np.max(np.abs(y[::2] - x8 - np.fft.fft(x8)[4].real / 8 * (-1.0) ** np.arange(8))))
    print(f"   max |y[::2] - x| = {pad_err:.3g}; y[::2] - x - (X_4 / 8)(-1)^j: {pad_pred:.1e} (the Nyquist "
          "cosine counted twice)")
    alt = (-1.0) ** np.arange(8)
    print(f"   x = (-1)^j: expected cos(pi t / 2) = {np.round(np.cos(np.pi * np.arange(16) / 2), 3)}\n"
          f"               spectrans            {np.round(pool(alt, 16), 3)}\n     {references(alt, 16)}")

    print("\n3. control, odd lengths (no Nyquist bin): truncation 18 -> 9 and zero-padding 9 -> 18")
    x18 = band_limited(18, 4, rng)
    x9 = rng.standard_normal(9)
    odd = max(float(np.max(np.abs(pool(x18, 9) - x18[::2]))), float(np.max(np.abs(pool(x9, 18)[::2] - x9))))
    print(f"   max error {odd:.1e}")

    trip = float(np.max(np.abs(pool(pool(x8, 16), 8) - x8)))
    print(f"\nround trip 8 -> 16 -> 8: max |result - x| = {trip:.1e} (the doubling and the halving cancel)")
    ratios = []
    for norm in ("ortho", "backward"):
        a, b = pool(x, m, norm), pool(np.cos(2 * np.pi * 3 * np.arange(n) / n), m, norm)
        ratios.append(float(np.max(np.abs(a)) / np.max(np.abs(b))))  # the Nyquist cosine vs one at k = 3
    print(f"amplitude of the Nyquist cosine relative to a cosine at k = 3 after 16 -> 8, norm ortho / backward: "
          f"{ratios[0]:.3f} / {ratios[1]:.3f} (expected 1: the scale is the same for every kept bin)")

    reproduces = half < 1e-12 and trunc_err > 1e-3 and pad_err > 1e-3 and odd < 1e-12
    print(f"\nfinding {'reproduces' if reproduces else 'does NOT reproduce'}: Nyquist cosine halved "
          f"(truncation), doubled (zero-padding); odd lengths exact")
    return 0 if reproduces else 1


if __name__ == "__main__":
    sys.exit(main())
