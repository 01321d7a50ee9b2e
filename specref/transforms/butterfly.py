r"""Butterfly factorisations: products of :math:`\log_2 n` sparse butterfly factors with learnable 2 x 2 blocks,
after a fixed permutation (the BP construction of Dao et al., 2019), forward and VJP for the input and the factors.

For :math:`n = 2^m`, a twiddle tensor ``twiddle`` of shape (m, n/2, 2, 2) (real) or (m, n/2, 2, 2, 2) (complex,
stored as real pairs as spectrans stores complex weights) and a fixed permutation :math:`P` (bit reversal, or
none):

.. math:: y = B_{m-1} \cdots B_1 B_0\, P x,

where factor :math:`B_s` (block size :math:`k = 2^{s+1}`, half :math:`h = 2^s`) mixes each pair
:math:`(i, i + h)` of each block by its own 2 x 2 matrix (:mod:`specref._jit.butterfly`, the hot loop). BPBP
(two such products) is :func:`butterfly` twice.

**How the butterfly recovers the FFT.** Radix-2 decimation in time: after the bit-reversal permutation, the
DFT of length :math:`k` is built from the two DFTs of length :math:`h = k/2` of the even and odd samples,
:math:`X_j = E_j + \omega_k^j O_j`, :math:`X_{j+h} = E_j - \omega_k^j O_j` (:math:`\omega_k = e^{-2\pi i/k}`): one
factor with blocks :math:`\begin{pmatrix} 1 & \omega_k^j \\ 1 & -\omega_k^j \end{pmatrix}` per stage
(:func:`dft_twiddle`). The Hadamard transform (Sylvester order) is every block
:math:`\tfrac{1}{\sqrt2}\begin{pmatrix} 1 & 1 \\ 1 & -1\end{pmatrix}` with no permutation
(:func:`hadamard_twiddle`), and the DCT-II is the DFT of the reordered sequence (Makhoul: even samples
ascending, then odd descending) times :math:`2 e^{-i\pi k/(2n)}`, real part taken (:func:`dct_by_butterfly`).
Tests check all three against numpy.fft, scipy.linalg.hadamard and scipy.fft.dct.

**VJP.** Each factor is linear in the signal and in its twiddles; going back through the stages in reverse,
:math:`\bar v_s = B_s^{*} \bar v_{s+1}` and :math:`\bar T^{(s)}_{p,ab} = \sum_{\text{batch}} (\bar v_{s+1})_a\,
\overline{(v_s)_b}` (the stage inputs :math:`v_s` recomputed from x: the VJP takes only x, the twiddles and y),
then :math:`\bar x = P^{T} \bar v_0`. Complex twiddles' gradients come back as real pairs
(:math:`\partial/\partial\mathrm{Re} + i\,\partial/\partial\mathrm{Im}`, specref's convention); real twiddles on
complex input get the real part. Sizes that are not powers of two are refused, naming the allowed sizes.
"""

from __future__ import annotations

import math

import numpy as np

from specref._args import check_choice
from specref._jit.butterfly import stage, stage_vjp
from specref.backend import check_float_dtype, complex_dtype, device_of, dtype_name, is_complex, namespace
from specref.ops._common import check_cotangent
from specref.testing.case import Case, Inputs
from specref.transforms.hadamard import _bit_reversal

__all__ = ["butterfly", "butterfly_vjp", "dft_twiddle", "hadamard_twiddle", "dct_by_butterfly", "PERMUTATIONS"]

PERMUTATIONS = ("bitreversal", "identity")


def _levels(n: int) -> int:
    m = int(n).bit_length() - 1
    if n < 2 or 2**m != n:
        lo = 2 ** max(1, m)
        raise ValueError(f"butterfly needs a length that is a power of two (>= 2), got {n}; the nearest allowed are "
                         f"{lo} and {2 * lo} (pad the input to one)")
    return m


def _check(x, twiddle, permutation):
    xp = namespace(x, twiddle)
    check_float_dtype(x, name="x")
    check_float_dtype(twiddle, allow_complex=False, name="twiddle")
    m = _levels(x.shape[-1])
    n = x.shape[-1]
    if tuple(twiddle.shape) not in ((m, n // 2, 2, 2), (m, n // 2, 2, 2, 2)):
        raise ValueError(f"twiddle must have shape (log2 n, n/2, 2, 2) (real) or (log2 n, n/2, 2, 2, 2) (complex as "
                         f"real pairs) = ({m}, {n // 2}, 2, 2[, 2]), got {tuple(twiddle.shape)}")
    if (dtype_name(x.dtype) in ("float32", "complex64")) != (dtype_name(twiddle.dtype) == "float32"):
        raise TypeError(f"butterfly: x is {dtype_name(x.dtype)} and twiddle {dtype_name(twiddle.dtype)}; one precision")
    check_choice(permutation, PERMUTATIONS, "permutation")
    return xp, m


def _factors(xp, twiddle, x):
    """The twiddles as the working dtype: complex when stored as pairs or when x is complex."""
    if twiddle.ndim == 5:
        return twiddle[..., 0] + 1j * twiddle[..., 1]
    return xp.astype(twiddle, x.dtype) if is_complex(x) else twiddle


def _permute(xp, x, permutation, inverse=False):
    if permutation == "identity":
        return x
    order = _bit_reversal(_levels(x.shape[-1]))  # an involution: its own inverse
    return xp.take(x, xp.asarray(order, device=device_of(x)), axis=x.ndim - 1)


def _working(xp, x, t):
    """x cast to the product's dtype (complex twiddles make a real x complex)."""
    return xp.astype(x, complex_dtype(x.dtype, xp)) if is_complex(t) and not is_complex(x) else x


def butterfly(x, twiddle, *, permutation: str = "bitreversal"):
    r"""The butterfly product :math:`y = B_{m-1} \cdots B_0 P x` along the last axis (module docstring).

    .. math:: y = B_{m-1} \cdots B_1 B_0\, P x

    Parameters
    ----------
    x : array (..., n), n a power of two; real or complex
    twiddle : array (log2 n, n/2, 2, 2) real, or (log2 n, n/2, 2, 2, 2) complex as real pairs
    permutation : {"bitreversal", "identity"}

    Raises
    ------
    ValueError
        For n not a power of two (naming the nearest allowed sizes), a twiddle of another shape, an unknown
        permutation.
    TypeError
        For mixed precisions, integer or bool arrays, a complex twiddle array (store it as real pairs).
    """
    xp, m = _check(x, twiddle, permutation)
    t = _factors(xp, twiddle, x)
    v = _working(xp, _permute(xp, x, permutation), t)
    for s in range(m):
        v = stage(v, t[s, ...], s)
    return v


def butterfly_vjp(dy, x, twiddle, y, *, permutation: str = "bitreversal"):
    r"""VJP of :func:`butterfly`: ``(dx, dtwiddle)`` (module docstring).

    .. math:: \bar v_s = B_s^{*} \bar v_{s+1}, \qquad
              \bar T^{(s)}_{p,ab} = \sum_{\text{batch}} (\bar v_{s+1})_a\, \overline{(v_s)_b}, \qquad
              \bar x = P^{T} \bar v_0
    """
    xp, m = _check(x, twiddle, permutation)
    check_cotangent(dy, x, y, "butterfly_vjp")
    t = _factors(xp, twiddle, x)
    vs = [_working(xp, _permute(xp, x, permutation), t)]
    for s in range(m - 1):
        vs.append(stage(vs[-1], t[s, ...], s))
    g = _working(xp, dy, t)
    grads = [None] * m
    for s in reversed(range(m)):
        g, grads[s] = stage_vjp(g, vs[s], t[s, ...], s)
    dt = xp.stack(grads)
    if twiddle.ndim == 5:
        dt = xp.stack([xp.real(dt), xp.imag(dt)], axis=-1)
    elif is_complex(dt):
        dt = xp.real(dt)
    dx = _permute(xp, g, permutation)
    return (xp.real(dx) if is_complex(dx) and not is_complex(x) else dx), xp.astype(dt, twiddle.dtype)


# ----------------------------------------------------------------------------------------------------------
# exact instances


def dft_twiddle(n: int) -> np.ndarray:
    r"""The twiddles (as real pairs, float64) whose bit-reversed butterfly is the DFT of length n: stage s,
    pair j of each block: :math:`\begin{pmatrix} 1 & \omega_k^j \\ 1 & -\omega_k^j\end{pmatrix}`,
    :math:`k = 2^{s+1}`."""
    m = _levels(n)
    out = np.zeros((m, n // 2, 2, 2), dtype=np.complex128)
    for s in range(m):
        h = 2**s
        j = np.arange(n // 2) % h
        w = np.exp(-2j * np.pi * j / (2 * h))
        out[s, :, 0, 0], out[s, :, 0, 1], out[s, :, 1, 0], out[s, :, 1, 1] = 1.0, w, 1.0, -w
    return np.stack([out.real, out.imag], axis=-1)


def hadamard_twiddle(n: int) -> np.ndarray:
    r"""The real twiddles whose butterfly (no permutation) is the orthonormal Hadamard transform (Sylvester
    order): every block :math:`\tfrac{1}{\sqrt2}\begin{pmatrix} 1 & 1 \\ 1 & -1 \end{pmatrix}`."""
    m = _levels(n)
    block = np.array([[1.0, 1.0], [1.0, -1.0]]) / math.sqrt(2.0)
    return np.broadcast_to(block, (m, n // 2, 2, 2)).copy()


def dct_by_butterfly(x):
    r"""scipy's unnormalised DCT-II through the DFT butterfly: :math:`X_k = \mathrm{Re}\big(2 e^{-i\pi k/(2n)}
    (F v)_k\big)` with :math:`v = (x_0, x_2, x_4, \dots, x_5, x_3, x_1)` (Makhoul's reordering)."""
    xp = namespace(x)
    n = x.shape[-1]
    _levels(n)
    order = np.concatenate([np.arange(0, n, 2), np.arange(n - 1, 0, -2)])  # n even: evens up, odds down
    v = xp.take(x, xp.asarray(order, device=device_of(x)), axis=x.ndim - 1)
    dt = dtype_name(x.dtype)
    tw = xp.asarray(dft_twiddle(n).astype(dt), device=device_of(x))
    spectrum = butterfly(v, tw)
    scale = xp.asarray((2.0 * np.exp(-1j * np.pi * np.arange(n) / (2 * n))).astype(
        dtype_name(complex_dtype(x.dtype, xp))), device=device_of(x))
    return xp.real(scale * spectrum)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make(rng, xp, dtype, *, shape, complex_twiddle, permutation="bitreversal", complex_x=False):
    n = shape[-1]
    m = _levels(n)
    xt = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) if complex_x else rng.standard_normal(shape)
    cdt = dtype_name(complex_dtype(dtype, xp)) if complex_x else dtype
    tshape = (m, n // 2, 2, 2, 2) if complex_twiddle else (m, n // 2, 2, 2)
    t = rng.standard_normal(tshape) / math.sqrt(2.0)
    return Inputs((xp.asarray(xt.astype(cdt)), xp.asarray(t.astype(dtype))), {"permutation": permutation})


def _reference(x, twiddle, *, permutation="bitreversal"):
    """The product of the factors as dense n x n matrices, built entry by entry."""
    x = np.asarray(x)
    t = np.asarray(twiddle, dtype=np.float64)
    t = t[..., 0] + 1j * t[..., 1] if t.ndim == 5 else t
    n = x.shape[-1]
    m = _levels(n)
    mat = np.eye(n)[_bit_reversal(m)] if permutation == "bitreversal" else np.eye(n)
    for s in range(m):
        h = 2**s
        b = np.zeros((n, n), dtype=t.dtype)
        for i in range(n):
            if (i // h) % 2 == 0:
                p = (i // (2 * h)) * h + i % h
                b[i, i], b[i, i + h] = t[s, p, 0, 0], t[s, p, 0, 1]
                b[i + h, i], b[i + h, i + h] = t[s, p, 1, 0], t[s, p, 1, 1]
        mat = b @ mat
    return x.astype(np.complex128 if np.iscomplexobj(mat) or np.iscomplexobj(x) else np.float64) @ mat.T


def _scale(p) -> float:
    # m stages of two products and one sum each, on values the O(1) twiddles keep O(1): ~3 m, and the batch sum of
    # the twiddles' gradient (its own bound in the VJP check)
    return 3.0 * _levels(p["shape"][-1]) + 4.0


CASES = [
    Case(name="butterfly", forward=butterfly, vjp=butterfly_vjp, make=_make, argnums=(0, 1),
         grid=({"shape": (3, 8), "complex_twiddle": False}, {"shape": (2, 16), "complex_twiddle": True},
               {"shape": (4, 4), "complex_twiddle": False, "permutation": "identity"},
               {"shape": (2, 2, 8), "complex_twiddle": True, "complex_x": True}),
         error_scale=_scale, error_reason="log2 n stages of two products and a sum each",
         reference=_reference),
]
