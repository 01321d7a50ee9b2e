r"""The Monarch FFT: the DFT of length :math:`N = N_1 N_2` as two batched small DFT matmuls and a twiddle.

The reference that Monarch and FlashFFTConv kernels (which run the DFT as dense matmuls on tensor cores) are
checked against. With :math:`\omega_M = e^{-2\pi i/M}`, the input index :math:`n = N_2 n_1 + n_2` and the output
index :math:`k = k_1 + N_1 k_2` (:math:`0 \le n_1, k_1 < N_1`, :math:`0 \le n_2, k_2 < N_2`), the exponent splits,
:math:`nk \equiv N_2 n_1 k_1 + n_2 k_1 + N_1 n_2 k_2 \pmod N`, so (Cooley and Tukey's four steps)

.. math::

    X_{k_1 + N_1 k_2} = \sum_{n_2} \omega_{N_2}^{n_2 k_2}\; \omega_N^{n_2 k_1}
                        \sum_{n_1} \omega_{N_1}^{n_1 k_1}\, x_{N_2 n_1 + n_2}.

As matrices, with :math:`A = x` reshaped to :math:`(N_1, N_2)` row by row, :math:`F_M` the DFT matrix and
:math:`T_{k_1 n_2} = \omega_N^{k_1 n_2}` the twiddles:

.. math:: B = F_{N_1} A, \qquad C = T \odot B, \qquad D = C\, F_{N_2}, \qquad X = \mathrm{vec}(D^T),

two batched matmuls (:math:`N_1^2 N_2 + N_1 N_2^2` multiply-adds instead of :math:`N^2`) and an entrywise
product. The **adjoint** is each step's conjugate transpose in reverse (:math:`F_M` is symmetric):
:math:`D = \mathrm{mat}(Y)^T`, :math:`C = D\, \overline{F_{N_2}}`, :math:`B = \overline T \odot C`,
:math:`A = \overline{F_{N_1}} B`: the unnormalised inverse DFT, :math:`N \cdot \mathrm{ifft}`.

The DFT matrices and twiddles are formed in float64 on the host with the products :math:`jk` reduced modulo the
length before the angle (DESIGN: no large angles), then rounded once to the input's precision. Unnormalised,
as ``numpy.fft.fft``'s default ``norm="backward"``; along the last axis.
"""

from __future__ import annotations

import numpy as np

from specref._args import check_cotangent_shape, check_input_shape, check_positive_int
from specref.backend import complex_dtype, device_of, dtype_name, is_complex, namespace
from specref.testing.case import Case
from specref.testing.inputs import random_input

__all__ = ["monarch_fft", "monarch_fft_adjoint", "dft_matrix", "twiddles"]


def dft_matrix(m: int) -> np.ndarray:
    r""":math:`(F_m)_{jk} = \omega_m^{jk}`, complex128 (m, m), angles from :math:`jk \bmod m`."""
    j = np.arange(m)
    return np.exp(-2j * np.pi * (np.outer(j, j) % m) / m)


def twiddles(n1: int, n2: int) -> np.ndarray:
    r""":math:`T_{k_1 n_2} = \omega_N^{k_1 n_2}`, complex128 (N1, N2), angles from :math:`k_1 n_2 \bmod N`."""
    n = n1 * n2
    return np.exp(-2j * np.pi * (np.outer(np.arange(n1), np.arange(n2)) % n) / n)


def _check(x, n1, n2, what):
    n1, n2 = check_positive_int(n1, "n1"), check_positive_int(n2, "n2")
    namespace(x)
    if x.ndim < 1 or x.shape[-1] != n1 * n2:
        raise ValueError(f"{what}: the factorisation N1 * N2 = {n1} * {n2} = {n1 * n2} must equal the length of the "
                         f"last axis, {x.shape[-1] if x.ndim else 'none'} (shape {tuple(x.shape)})")
    return n1, n2


def _operands(x, n1, n2, conj: bool):
    """x as complex (..., N1, N2) and the three constant arrays in its precision, on its device."""
    xp = namespace(x)
    cdt = complex_dtype(x.dtype, xp)
    if not is_complex(x):
        x = xp.astype(x, cdt)
    mats = [dft_matrix(n1), twiddles(n1, n2), dft_matrix(n2)]
    if conj:
        mats = [np.conj(m) for m in mats]
    name = dtype_name(cdt)
    f1, t, f2 = (xp.asarray(m.astype(name), device=device_of(x)) for m in mats)
    return xp, xp.reshape(x, (*x.shape[:-1], n1, n2)), f1, t, f2


def monarch_fft(x, *, n1: int, n2: int):
    r"""The DFT along the last axis as :math:`\mathrm{vec}((T \odot F_{N_1} A)\, F_{N_2})^T` (module docstring).

    .. math:: X_{k_1 + N_1 k_2} = \sum_{n_2} \omega_{N_2}^{n_2 k_2} \omega_N^{n_2 k_1} \sum_{n_1}
              \omega_{N_1}^{n_1 k_1} x_{N_2 n_1 + n_2}

    Parameters
    ----------
    x : array, real or complex (float32/float64 promote to complex64/complex128), last axis of length N
    n1, n2 : int
        The factorisation, N1 * N2 = N.

    Returns
    -------
    X : complex array of x's shape, equal to ``numpy.fft.fft(x)``

    Raises
    ------
    ValueError
        For N1 * N2 != N, non-positive factors.
    """
    n1, n2 = _check(x, n1, n2, "monarch_fft")
    xp, a, f1, t, f2 = _operands(x, n1, n2, conj=False)
    d = xp.matmul(t * xp.matmul(f1, a), f2)  # (..., N1, N2): D = (T . F1 A) F2
    return xp.reshape(xp.matrix_transpose(d), x.shape)  # X_{k1 + N1 k2} = D_{k1, k2}


def monarch_fft_adjoint(y, *, input_shape, n1: int, n2: int):
    r"""Adjoint of :func:`monarch_fft`: the steps conjugated and in reverse, :math:`N\,\mathrm{ifft}(y)`."""
    shape = check_input_shape(input_shape)
    check_cotangent_shape(y, shape, "monarch_fft_adjoint", shape)
    n1, n2 = _check(y, n1, n2, "monarch_fft_adjoint")
    xp, _, f1c, tc, f2c = _operands(y, n1, n2, conj=True)
    yc = y if is_complex(y) else xp.astype(y, complex_dtype(y.dtype, xp))
    d = xp.matrix_transpose(xp.reshape(yc, (*y.shape[:-1], n2, n1)))  # D = mat(Y)^T, (..., N1, N2)
    a = xp.matmul(f1c, tc * xp.matmul(d, f2c))  # A = conj(F1) (conj(T) . D conj(F2))
    return xp.reshape(a, shape)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _scale(p) -> float:
    # each output is a sum of N1 products then of N2 (pairwise in BLAS at worst linear: N1 + N2 roundings), the
    # rounded matrix entries and twiddles (3) and their products (2)
    return float(p["n1"] + p["n2"] + 5)


CASES = [
    Case(name="monarch_fft", forward=monarch_fft, adjoint=monarch_fft_adjoint, make=random_input,
         complex_linear=True,
         grid=({"shape": (3, 16), "n1": 4, "n2": 4, "complex_input": True}, {"shape": (15,), "n1": 3, "n2": 5,
                                                                            "complex_input": True},
               {"shape": (2, 2, 16), "n1": 8, "n2": 2, "complex_input": True}, {"shape": (12,), "n1": 1, "n2": 12,
                                                                                "complex_input": True}),
         error_scale=_scale, error_reason="two DFT matmuls (N1 + N2 roundings), rounded matrices and twiddles",
         reference=lambda x, *, n1, n2: np.fft.fft(np.asarray(x, np.complex128))),
]

