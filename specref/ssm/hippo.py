r"""HiPPO matrices (LegS, LegT, FouT), their normal-plus-low-rank forms, and the diagonal S4D initialisations.

A HiPPO operator :math:`(A, B)` defines the ODE :math:`x'(t) = A x(t) + B u(t)` whose state :math:`x \in
\mathbb{R}^N` holds the coefficients of the input's history projected on a basis (Gu et al., HiPPO, 2020). The
three measures, with :math:`n, k = 0, \dots, N-1`:

- **LegS** (scaled Legendre): :math:`A_{nk} = -\sqrt{(2n+1)(2k+1)}` for :math:`n > k`, :math:`-(n+1)` for
  :math:`n = k`, 0 above the diagonal; :math:`B_n = \sqrt{2n+1}`.
- **LegT** (translated Legendre, window 1, the S4 code's scaling by 1/2): :math:`A_{nk} = -\tfrac12\sqrt{(2n+1)(2k+1)}
  \,s_{nk}` with :math:`s_{nk} = 1` for :math:`n \ge k` and :math:`(-1)^{n-k}` for :math:`n < k`;
  :math:`B_n = \tfrac12\sqrt{2n+1}`.
- **FouT** (translated Fourier, N even, the S4 code's layout): states :math:`(2j, 2j+1)` are
  :math:`(\cos_j, \sin_j)`, :math:`j < N/2`; :math:`A = \pi(-D^{+} + D^{-}) - B B^T` with :math:`D^{\pm}` the
  first super- and sub-diagonal holding :math:`j` at :math:`(2j, 2j+1)` and :math:`(2j+1, 2j)` (0 elsewhere), and
  :math:`B = (1, 0, \sqrt2, 0, \sqrt2, 0, \dots)` (:math:`\sin_0 = 0` is never driven).

**Normal plus low rank.** Each is :math:`A = S - P P^T` with :math:`S` normal (S4, Gu et al. 2022): LegS with
:math:`P_n = \sqrt{n + 1/2}` (rank 1; then :math:`S = -\tfrac12 I + \text{skew}`), LegT with rank 2, the even
and the odd entries of :math:`\sqrt{(2n+1)/2}` (the symmetric part of LegT's A is
:math:`-\tfrac12(e e^T + o o^T)`, e and o the entries of :math:`\sqrt{2n+1}` at even and odd n; then S is skew),
FouT with :math:`P = B` (S skew).
:func:`nplr` returns :math:`\Lambda, V, P` with :math:`S = V \operatorname{diag}(\Lambda) V^*` (unitary V from the
Hermitian eigenproblem of :math:`i \cdot \text{skew}(S)`, exact for a normal S whose symmetric part is a multiple
of the identity) so that :math:`A = V \operatorname{diag}(\Lambda) V^* - P P^T`; tests check the identity.

**Diagonal initialisations** (S4D, Gu et al. 2022): keep one of each conjugate pair, :math:`N/2` modes,
:math:`A_n = -\tfrac12 + i\,\pi n` (S4D-Lin) or :math:`A_n = -\tfrac12 + i \tfrac{N}{\pi}\big(\tfrac{N}{2n+1} - 1\big)`
(S4D-Inv); stored as S4D's real parameters ``log_A_real`` (:math:`\log(1/2)`) and ``A_imag``.

Everything here is float64 NumPy on the host (constructions, not differentiable ops); cast and move the result.
"""

from __future__ import annotations

import numpy as np

from specref._args import check_choice, check_positive_int

__all__ = ["hippo", "rank_correction", "nplr", "s4d_init", "MEASURES"]

MEASURES = ("legs", "legt", "fout")


def hippo(measure: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    r"""The HiPPO pair :math:`(A, B)` of ``measure`` with ``n`` states: A (n, n), B (n,) (module docstring).

    Raises
    ------
    ValueError
        For an unknown measure, n < 1, or an odd n for ``"fout"`` (cos/sin pairs after the constant).
    """
    measure = check_choice(measure, MEASURES, "measure")
    n = check_positive_int(n, "n")
    q = np.arange(n, dtype=np.float64)
    r = np.sqrt(2.0 * q + 1.0)
    if measure == "legs":
        a = -np.where(q[:, None] > q[None, :], np.outer(r, r), 0.0) - np.diag(q + 1.0)
        return a, r.copy()
    if measure == "legt":
        sign = np.where(q[:, None] >= q[None, :], 1.0, (-1.0) ** (q[:, None] - q[None, :]))
        return -0.5 * np.outer(r, r) * sign, 0.5 * r
    if n % 2:
        raise ValueError(f"hippo('fout', n): n must be even (the (cos_j, sin_j) pairs j = 0 .. n/2 - 1), got {n}")
    d = np.stack([np.zeros(n // 2), np.arange(n // 2, dtype=np.float64)], axis=-1).reshape(-1)[1:]
    a = np.pi * (-np.diag(d, 1) + np.diag(d, -1))  # frequency j couples cos_j (index 2j) and sin_j (2j + 1)
    b = np.zeros(n)
    b[0::2] = np.sqrt(2.0)
    b[0] = 1.0
    return a - np.outer(b, b), b


def rank_correction(measure: str, n: int) -> np.ndarray:
    r""":math:`P` (rank, n) with :math:`A + P^T P` normal (module docstring)."""
    measure = check_choice(measure, MEASURES, "measure")
    q = np.arange(n, dtype=np.float64)
    if measure == "legs":
        return np.sqrt(q + 0.5)[None, :]
    if measure == "legt":
        p = np.sqrt((2.0 * q + 1.0) / 2.0)  # the symmetric part of A is -(e e^T + o o^T) / 2 by parity
        even, odd = p.copy(), p.copy()
        even[1::2], odd[0::2] = 0.0, 0.0
        return np.stack([even, odd])
    return hippo("fout", n)[1][None, :]


def nplr(measure: str, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""``(Lambda, V, P)`` with :math:`A = V \operatorname{diag}(\Lambda) V^* - P^T P` (V unitary), the
    normal-plus-low-rank form of ``hippo(measure, n)``'s A.

    The normal part :math:`S = A + P^T P` has a symmetric part :math:`\sigma I` (checked, with
    :math:`\sigma = \operatorname{tr}(S)/n`), so :math:`S = \sigma I + K`, K skew; :math:`iK` is Hermitian:
    :math:`iK = V \operatorname{diag}(\mu) V^*` and :math:`\Lambda = \sigma - i\mu`.

    Raises
    ------
    ArithmeticError
        If the symmetric part of S is not a multiple of the identity (the decomposition would not be exact).
    """
    a, _ = hippo(measure, n)
    p = rank_correction(measure, n)
    s = a + p.T @ p
    sym = (s + s.T) / 2.0
    sigma = np.trace(s) / n
    if np.abs(sym - sigma * np.eye(n)).max() > 1e-12 * max(1.0, np.abs(s).max()):
        raise ArithmeticError(f"nplr({measure!r}, {n}): the symmetric part of A + P^T P is not a multiple of I")
    mu, v = np.linalg.eigh(1j * (s - s.T) / 2.0)
    return sigma - 1j * mu, v, p


def s4d_init(kind: str, h: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    r"""S4D's ``(log_A_real, A_imag)``, each (h, n // 2): :math:`\mathrm{Re} A = -1/2` and the imaginary parts of
    S4D-Lin (``"lin"``, :math:`\pi k`) or S4D-Inv (``"inv"``, :math:`\tfrac{N}{\pi}(\tfrac{N}{2k+1} - 1)`)."""
    kind = check_choice(kind, ("lin", "inv"), "kind")
    h, n = check_positive_int(h, "h"), check_positive_int(n, "n")
    k = np.arange(n // 2, dtype=np.float64)
    imag = np.pi * k if kind == "lin" else n / np.pi * (n / (2.0 * k + 1.0) - 1.0)
    return np.full((h, n // 2), np.log(0.5)), np.tile(imag, (h, 1))
