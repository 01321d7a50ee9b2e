"""Finding: pywt's symlet filters (sym2 ... sym20) are accurate to 1e-13 ... 1e-11 only, not to double precision.

Runs with numpy and pywt only:

    .venv/bin/python validation/findings/pywt_symlet_filter_precision.py

An orthogonal wavelet's lowpass filter h of length F satisfies, exactly,

    sum_k h_k h_{k+2m} = delta_m   (m = 0 .. F/2 - 1),      sum_k h_k = sqrt(2),

and the four filters of a perfect-reconstruction bank satisfy F0 H0 + F1 H1 = 2 z^-(F-1) and
F0(z) H0(-z) + F1(z) H1(-z) = 0. Evaluated in float64 (products of numbers below 1, sums of at most F terms:
rounding error a few eps), pywt's Daubechies and Coiflet filters (recomputed to high precision, pywt PR #164)
meet these to ~1e-16; its symlets miss them by up to 1.4e-11 (orthogonality) and 2.9e-11 (PR). A second,
independent check: sym2 and sym3 are the same filters as db2 and db3 (for N <= 3 the least-asymmetric root
choice is the minimum-phase one), and pywt's tables differ by 3.4e-13 and 3.6e-12.

Consequence: pywt.waverec(pywt.wavedec(x, "sym3")) reconstructs x to ~1e-11, not ~1e-16; specref, which
reads its filters from pywt (the authority it matches), inherits this, and its tests exclude symlets from the
eps-level perfect-reconstruction check (tests/transforms/test_wavelet_dwt.py, PR_EXACT).

Exit status 0 when the finding reproduces (sym3 orthogonality defect > 1e-12 while db3's is < 1e-15).
"""

from __future__ import annotations

import sys

import numpy as np
import pywt


def orthogonality_defect(name: str) -> float:
    h = np.asarray(pywt.Wavelet(name).dec_lo)
    f = len(h)
    return max(abs(np.dot(h[2 * m:], h[:f - 2 * m]) - (1.0 if m == 0 else 0.0)) for m in range(f // 2))


def pr_defect(name: str) -> float:
    h0, h1, f0, f1 = (np.asarray(v) for v in pywt.Wavelet(name).filter_bank)
    f = len(h0)
    alt = (-1.0) ** np.arange(f)
    p = np.convolve(f0, h0) + np.convolve(f1, h1)
    p[f - 1] -= 2.0
    a = np.convolve(f0, h0 * alt) + np.convolve(f1, h1 * alt)
    return float(max(np.abs(p).max(), np.abs(a).max()))


def main() -> int:
    print(f"{'wavelet':>8} {'F':>4} {'orthogonality':>14} {'PR defect':>10} {'round trip':>11}")
    rng = np.random.default_rng(3)
    x = rng.standard_normal(1024)
    rows = {}
    for name in [f"sym{k}" for k in range(2, 21)] + ["db3", "db20", "db38", "coif5", "coif17"]:
        c = pywt.wavedec(x, name, "periodization", level=3)
        rt = float(np.max(np.abs(pywt.waverec(c, name, "periodization") - x)))
        rows[name] = (orthogonality_defect(name), pr_defect(name), rt)
        print(f"{name:>8} {pywt.Wavelet(name).dec_len:>4} {rows[name][0]:>14.1e} {rows[name][1]:>10.1e} {rt:>11.1e}")
    for a, b in (("db2", "sym2"), ("db3", "sym3")):
        d = np.max(np.abs(np.asarray(pywt.Wavelet(a).dec_lo) - np.asarray(pywt.Wavelet(b).dec_lo)))
        print(f"max |{a} - {b}| = {d:.1e} (the same filter mathematically)")
    reproduces = rows["sym3"][0] > 1e-12 and rows["db3"][0] < 1e-15
    print(f"finding {'reproduces' if reproduces else 'does NOT reproduce'}")
    return 0 if reproduces else 1


if __name__ == "__main__":
    sys.exit(main())
