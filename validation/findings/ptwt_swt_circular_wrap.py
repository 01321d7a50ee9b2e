"""Finding: ptwt's swt/iswt wrap the padded array instead of the signal when one pad exceeds the length.

Run in a venv with torch, ptwt and pywt:

    python validation/findings/ptwt_swt_circular_wrap.py

Exit status: 0 the finding reproduces, 1 it no longer does (update validation/FINDINGS.md), 2 torch, ptwt or
pywt is not importable.

The stationary transform with periodic extension (pywt.swt, trim_approx=True, norm=False), level j = 1 .. L
with dilation D = 2^(j-1), filters h, g = dec_lo, dec_hi of length F:

    a^(j)_n = sum_k h_k a^(j-1)_{(n + D F/2 - D k) mod N},   d^(j)_n likewise with g,   a^(0) = x.

ptwt computes it as conv1d(dilation=D) of the signal padded circularly by D (F/2 - 1) on the left and D F/2
on the right (iswt: the reverse). Its helper _circular_pad pads at most N per side per round; when one pad is
below N and the other above, the second round wraps the *padded* array (which does not start at x[0]) instead
of the signal, so samples from the wrong phase enter. That happens iff 0 < D (F/2 - 1) < N < D F/2 at some
level: never on pywt's lengths (N divisible by 2^L, which pywt requires), but ptwt accepts every length
without a word. The expected values here are the formula above, evaluated directly in NumPy and checked
against pywt on pywt's own lengths, and the round trip iswt(swt(x)) = x, which holds for every N (h, g and
rec_lo, rec_hi are perfect-reconstruction pairs of Laurent polynomials, hence on every circle Z_N).
"""

from __future__ import annotations

import sys

import numpy as np


def swt_direct(x: np.ndarray, wavelet, level: int) -> list[np.ndarray]:
    """[cA_L, cD_L, ..., cD_1] from the formula in the module docstring."""
    h, g = np.array(wavelet.dec_lo), np.array(wavelet.dec_hi)
    n, f = len(x), len(h)
    a, details = x, []
    for j in range(1, level + 1):
        d = 2 ** (j - 1)
        idx = np.mod(np.arange(n)[:, None] + d * f // 2 - d * np.arange(f)[None, :], n)
        a, det = a[idx] @ h, a[idx] @ g
        details.append(det)
    return [a, *details[::-1]]


def affected(n: int, f: int, level: int) -> bool:
    return any(0 < d * (f // 2 - 1) < n < d * (f // 2) for d in (2**j for j in range(level)))


def main() -> int:
    try:
        import ptwt
        import pywt
        import torch
    except ImportError as exc:
        print(f"torch / ptwt / pywt not importable here ({exc})")
        return 2
    print(f"torch {torch.__version__}, ptwt {getattr(ptwt, '__version__', '1.0.1')}, pywt {pywt.__version__}")
    rng = np.random.default_rng(0)
    for name, n, level in [("sym3", 8, 3), ("db4", 16, 3), ("db2", 32, 5), ("coif1", 24, 3)]:  # pywt's lengths
        x = rng.standard_normal(n)
        want = swt_direct(x, pywt.Wavelet(name), level)
        ref = pywt.swt(x, name, level=level, trim_approx=True)
        defect = max(np.abs(a - b).max() for a, b in zip(want, ref, strict=True))
        print(f"formula vs pywt.swt, {name} N={n} L={level}: {defect:.1e}")
        if defect > 1e-12:
            return 1  # the stated formula is not pywt's: nothing to conclude
    reproduced = False
    for name, n, level in [("db2", 3, 2), ("db2", 6, 3), ("sym3", 5, 2), ("sym3", 10, 3), ("db4", 7, 2),
                           ("db2", 13, 2), ("db4", 10, 3)]:
        w = pywt.Wavelet(name)
        x = rng.standard_normal(n)
        want = swt_direct(x, w, level)
        got = [c.numpy() for c in ptwt.swt(torch.tensor(x), name, level=level)]
        err = max(np.abs(a - b).max() for a, b in zip(got, want, strict=True)) / max(np.abs(a).max() for a in want)
        back = ptwt.iswt([torch.tensor(c) for c in want], name).numpy()
        rt = np.abs(back - x).max() / np.abs(x).max()
        flag = affected(n, w.dec_len, level)
        print(f"{name} N={n} L={level} (0 < pad < N < other pad: {flag}): swt vs formula {err:.1e}, "
              f"iswt(exact coefficients) vs x {rt:.1e}")
        if flag:
            reproduced |= bool(err > 1e-6 or rt > 1e-6)
        elif err > 1e-12 or rt > 1e-10:
            print("  unexpected: an unaffected length differs")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
