"""Finding: scipy.fft's DCT/DST ignore ``orthogonalize`` for complex input.

Run in a venv with scipy (specref is used when importable):

    python validation/findings/scipy_dct_complex_orthogonalize.py

Exit status: 0 the finding reproduces, 1 it no longer does (update validation/FINDINGS.md), 2 scipy is not
importable.

scipy.fft.dct(x, type, n, axis, norm, orthogonalize) and its relatives (idct, dst, idst, dctn, idctn, dstn,
idstn) transform complex input as its real and imaginary parts (scipy's code and comment: "For complex input,
transform real and imaginary components separably"), so the result should be T(Re x) + i T(Im x) with T the
real transform of the same arguments. scipy's complex branch calls pocketfft without ``orthogonalize``, so
for complex input the flag takes its default (``norm == "ortho"``) whatever the caller passed: with
``norm=None``/``"backward"``/``"forward"`` and ``orthogonalize=True``, or ``norm="ortho"`` and
``orthogonalize=False``, the complex result is that of the other variant. The types where orthogonalize
changes anything are DCT-I, II, III and DST-II, III.

The expected value is built here without scipy: the dense matrix of each definition (scipy's documented
formulas, angles reduced exactly in integer arithmetic, float64), with the orthogonalize weights (DCT-I: x_0
and x_{N-1} times sqrt 2 before, y_0 and y_{N-1} times 1/sqrt 2 after; DCT-II: y_0 / sqrt 2; DCT-III:
x_0 sqrt 2; DST-II: y_{N-1} / sqrt 2; DST-III: x_{N-1} sqrt 2) and the norm factor of the logical length M
(2 (N - 1) for DCT-I, 2N otherwise). scipy's real-input result matches it to rounding (so the matrices are
scipy's definition); its complex-input result matches the matrix of the *other* orthogonalize value.
"""

from __future__ import annotations

import sys

import numpy as np

SQRT2 = np.sqrt(2.0)


def _cos(num: np.ndarray, den: int) -> np.ndarray:
    """cos(pi num / den) with num reduced mod 2 den exactly (integers), then one float evaluation."""
    return np.cos(np.pi * (num % (2 * den)) / den)


def _sin(num: np.ndarray, den: int) -> np.ndarray:
    return np.sin(np.pi * (num % (2 * den)) / den)


def matrix(kind: str, type_: int, n: int, norm, orthogonalize: bool) -> np.ndarray:
    """The forward transform's dense matrix from the definitions (scipy.fft.dct/dst docstrings)."""
    k = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    pre = np.ones(n)
    post = np.ones(n)
    if kind == "dct" and type_ == 1:
        a = 2.0 * _cos(k * j, n - 1)
        a[:, 0] = 1.0
        a[:, -1] = (-1.0) ** np.arange(n)
        if orthogonalize:
            pre[[0, -1]] = SQRT2
            post[[0, -1]] = 1 / SQRT2
        m = 2 * (n - 1)
    elif kind == "dct" and type_ == 2:
        a = 2.0 * _cos(k * (2 * j + 1), 2 * n)
        if orthogonalize:
            post[0] = 1 / SQRT2
        m = 2 * n
    elif kind == "dct" and type_ == 3:
        a = 2.0 * _cos((2 * k + 1) * j, 2 * n)
        a[:, 0] = 1.0
        if orthogonalize:
            pre[0] = SQRT2
        m = 2 * n
    elif kind == "dst" and type_ == 2:
        a = 2.0 * _sin((k + 1) * (2 * j + 1), 2 * n)
        if orthogonalize:
            post[-1] = 1 / SQRT2
        m = 2 * n
    elif kind == "dst" and type_ == 3:
        a = 2.0 * _sin((2 * k + 1) * (j + 1), 2 * n)
        a[:, -1] = (-1.0) ** np.arange(n)
        if orthogonalize:
            pre[-1] = SQRT2
        m = 2 * n
    else:
        raise ValueError(f"no orthogonalize variant for {kind}-{type_}")
    scale = {None: 1.0, "backward": 1.0, "forward": 1.0 / m, "ortho": 1.0 / np.sqrt(m)}[norm]
    return scale * post[:, None] * a * pre[None, :]


def rel(a, b) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def main() -> int:
    try:
        import scipy
        import scipy.fft
    except ImportError as exc:
        print(f"scipy is not importable here ({exc})")
        return 2
    print(f"scipy {scipy.__version__}")
    rng = np.random.default_rng(0)
    n = 6
    reproduced = True
    for kind, type_ in [("dct", 1), ("dct", 2), ("dct", 3), ("dst", 2), ("dst", 3)]:
        for norm, orth in [(None, True), ("forward", True), ("ortho", False)]:
            z = rng.standard_normal(n) + 1j * rng.standard_normal(n)
            fn = getattr(scipy.fft, kind)
            want = matrix(kind, type_, n, norm, orth) @ z
            other = matrix(kind, type_, n, norm, norm == "ortho") @ z
            got = fn(z, type=type_, norm=norm, orthogonalize=orth)
            real_ok = rel(fn(z.real, type=type_, norm=norm, orthogonalize=orth), want.real) < 1e-13
            err, err_other = rel(got, want), rel(got, other)
            print(f"{kind}-{type_} norm={norm!s:8} orthogonalize={orth!s:5}: complex input off the definition by "
                  f"{err:.2e}, equal to orthogonalize={norm == 'ortho'} to {err_other:.1e}; real input matches: "
                  f"{real_ok}")
            reproduced &= real_ok and err > 1e-3 and err_other < 1e-13
    # n-d: one transform along two axes
    z = rng.standard_normal((4, 5)) + 1j * rng.standard_normal((4, 5))
    a0, a1 = matrix("dct", 2, 4, None, True), matrix("dct", 2, 5, None, True)
    want = a0 @ z @ a1.T
    got = scipy.fft.dctn(z, type=2, norm=None, orthogonalize=True)
    print(f"dctn type=2 norm=None orthogonalize=True on a complex (4, 5): off the definition by {rel(got, want):.2e}")
    reproduced &= rel(got, want) > 1e-3
    try:
        import specref.transforms as T

        ours = T.dctn(z, type=2, norm=None, orthogonalize=True)
        print(f"specref dctn, same arguments: off the definition by {rel(ours, want):.1e}")
    except ImportError:
        pass
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
