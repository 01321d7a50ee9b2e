"""Finding: ptwt's wavedec/wavedec2 raise in modes "reflect" and "periodic" on signals shorter than the filter.

Run in a venv with torch, ptwt and pywt:

    python validation/findings/ptwt_short_signal_padding.py

Exit status: 0 the finding reproduces, 1 it no longer does (update validation/FINDINGS.md), 2 torch, ptwt or
pywt is not importable.

pywt defines every mode for every length n >= 2 (reflect) or n >= 1: the extension is an index map, applied as
often as needed,

    reflect   (... x3 x2 | x1 x2 ... xn | xn-1 xn-2 ...): t -> t mod 2(n - 1), then 2(n - 1) - t when t >= n;
    periodic  (... xn-1 xn | x1 ... xn | x1 x2 ...):     t -> t mod n;

and one DWT level is a_i = sum_k h_k e(2i + 1 - k), d_i likewise with g, for i = 0 .. floor((n + F - 1)/2) - 1
(h, g = dec_lo, dec_hi, e = the extended signal). ptwt pads F - 2 samples on the left and F - 2 + (n mod 2) on
the right with torch.nn.functional.pad(mode="reflect" | "circular"), which needs pad < n (reflect) and
pad <= n (circular) and raises RuntimeError otherwise. This script evaluates the formula above directly,
checks it against pywt on every (n, mode, wavelet) below (including the short ones, where pywt warns about
the level and computes), and records ptwt's behaviour.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np


def extend_index(t: np.ndarray, n: int, mode: str) -> np.ndarray:
    """pywt's extension as an index map onto 0 .. n - 1."""
    if mode == "periodic":
        return np.mod(t, n)
    period = 2 * (n - 1)  # reflect
    t = np.mod(t, period)
    return np.where(t >= n, period - t, t)


def dwt_direct(x: np.ndarray, h: np.ndarray, g: np.ndarray, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """One DWT level from the definition (explicit extension and strided convolution)."""
    n, f = len(x), len(h)
    m = (n + f - 1) // 2
    t = 2 * np.arange(m)[:, None] + 1 - np.arange(f)[None, :]
    e = x[extend_index(t, n, mode)]
    return e @ h, e @ g


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
    reproduced = False
    for wavelet in ("db2", "db4", "sym6"):
        w = pywt.Wavelet(wavelet)
        h, g, f = np.array(w.dec_lo), np.array(w.dec_hi), w.dec_len
        for mode in ("reflect", "periodic"):
            raised = []
            for n in range(2, 2 * f + 1):
                x = rng.standard_normal(n)
                a, d = dwt_direct(x, h, g, mode)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ref = pywt.wavedec(x, wavelet, mode=mode, level=1)
                defect = max(np.abs(a - ref[0]).max(), np.abs(d - ref[1]).max())
                if defect > 1e-12:
                    print(f"  the direct formula differs from pywt at {wavelet} {mode} n={n}: {defect:.1e}")
                    return 1  # the stated definition is wrong: nothing to conclude
                try:
                    got = ptwt.wavedec(torch.tensor(x), wavelet, mode=mode, level=1)
                    err = max(np.abs(got[0].numpy() - a).max(), np.abs(got[1].numpy() - d).max())
                    if err > 1e-12:
                        raised.append(f"{n} (differs by {err:.1e})")
                except RuntimeError as exc:
                    raised.append(str(n))
                    last = str(exc).splitlines()[0][:90]
            print(f"{wavelet} (F = {f}) {mode}: the formula = pywt for n = 2 .. {2 * f}; ptwt raises for n = "
                  f"{', '.join(raised) or 'none'}" + (f" ({last})" if raised else ""))
            reproduced |= bool(raised)
    x = rng.standard_normal((5, 12))
    try:
        ptwt.wavedec2(torch.tensor(x), "db3", mode="reflect", level=1)
        print("wavedec2 db3 reflect on 5 x 12: computed")
    except RuntimeError as exc:
        print(f"wavedec2 db3 reflect on 5 x 12 (pywt computes it): RuntimeError {str(exc).splitlines()[0][:80]}")
        reproduced = True
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
