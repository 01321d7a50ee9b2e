r"""Gram matrices of feature maps and what their spectra say: eigenvalues, effective rank, decay rate.

For features :math:`\Phi` (n, m) (a feature map at n points), :func:`gram_matrix` is seed 004's
:math:`G = \Phi \Phi^{\mathsf T}` (n, n) with its VJP :math:`\bar\Phi = (\bar G + \bar G^{\mathsf T})\Phi`
(from :math:`dG = d\Phi\,\Phi^{\mathsf T} + \Phi\, d\Phi^{\mathsf T}` and :math:`\langle \bar G, dG\rangle
= \langle (\bar G + \bar G^{\mathsf T})\Phi, d\Phi\rangle`).

:func:`spectrum` gives the eigenvalues of a symmetric matrix, largest first, from the symmetric
eigensolver (the seed takes singular values, which equal the eigenvalues' absolute values for a symmetric
matrix and lose the sign of the small negative eigenvalues that rounding gives a PSD matrix: those tell
where the numerically meaningful spectrum ends). :func:`effective_rank` is Roy and Vetterli's
:math:`\exp(-\sum_k p_k \log p_k)`, :math:`p_k = \lambda_k / \sum_j \lambda_j` over the positive
eigenvalues (1 for rank one, n for a multiple of the identity). :func:`spectral_decay` fits
:math:`\lambda_k \approx C k^{-\alpha}` over the eigenvalues above the rounding floor (the shared fit,
:func:`specref._loglog.loglog_slope`).
"""

from __future__ import annotations

import math

import numpy as np

from specref.backend import check_float_dtype, finfo_eps, from_host, namespace, to_numpy
from specref.ops._common import check_cotangent
from specref.testing.case import Case, Inputs

__all__ = ["gram_matrix", "gram_matrix_vjp", "spectrum", "effective_rank", "spectral_decay", "SYMMETRY_TOLERANCE"]

#: the asymmetry :func:`spectrum` accepts, relative to max|G|, as a multiple of sqrt(eps) of the matrix's dtype
#: (module docstring of :func:`spectrum`)
SYMMETRY_TOLERANCE = 1.0


def gram_matrix(features):
    r"""Seed 004's Gram matrix :math:`G = \Phi \Phi^{\mathsf T}` of features (..., n, m): shape (..., n, n).

    Raises
    ------
    TypeError
        For complex, integer or bool features.
    ValueError
        For fewer than 2 dimensions.
    """
    xp = namespace(features)
    check_float_dtype(features, allow_complex=False, name="features")
    if features.ndim < 2:
        raise ValueError(f"gram_matrix needs features of shape (..., n, m), got shape {tuple(features.shape)}")
    return features @ xp.matrix_transpose(features)


def gram_matrix_vjp(dg, features, g):
    r"""VJP of :func:`gram_matrix`: :math:`\bar\Phi = (\bar G + \bar G^{\mathsf T})\,\Phi`."""
    xp = namespace(dg, features, g)
    check_cotangent(dg, g, g, "gram_matrix_vjp")
    return (dg + xp.matrix_transpose(dg)) @ features


def spectrum(matrix, *, tol: float | None = None) -> np.ndarray:
    r"""Eigenvalues of a symmetric (n, n) matrix, largest first, as a float64 NumPy array.

    The matrix must be symmetric up to rounding: :math:`\max|G - G^{\mathsf T}| \le \text{tol}\,\max|G|`
    with ``tol`` defaulting to :math:`\sqrt\epsilon` of its dtype. Why that much: an entry of a Gram
    matrix is a dot product of length m, computed with error :math:`\le m\epsilon\,|\varphi_i||\varphi_j|`
    (Higham, *Accuracy and Stability*, eq. 3.5) and the two triangles may be summed in different orders,
    so an honest Gram matrix is symmetric within :math:`2 m \epsilon \max_i \|\varphi_i\|^2 \le 2 m \epsilon
    \max|G|`; :math:`\sqrt\epsilon` admits m up to :math:`1/(2\sqrt\epsilon)` (3.4e7 in float64, 1450 in
    float32) and still refuses any matrix that is not symmetric by construction (an asymmetry of order 1).
    The symmetric part :math:`(G + G^{\mathsf T})/2` is then handed to ``numpy.linalg.eigvalsh``.

    Raises
    ------
    ValueError
        For a matrix that is not square, empty, not finite, or not symmetric within ``tol`` (the message gives
        the asymmetry and the bound).
    TypeError
        For a complex, integer or bool matrix.
    """
    namespace(matrix)
    check_float_dtype(matrix, allow_complex=False, name="matrix")
    g = to_numpy(matrix)
    if g.ndim != 2 or g.shape[0] != g.shape[1] or g.shape[0] < 1:
        raise ValueError(f"spectrum needs a square (n, n) matrix with n >= 1, got shape {g.shape}")
    if not np.all(np.isfinite(g)):
        raise ValueError("spectrum needs a finite matrix (it has NaN or inf entries)")
    tol = SYMMETRY_TOLERANCE * math.sqrt(finfo_eps(g.dtype)) if tol is None else float(tol)
    g = g.astype(np.float64)
    scale = float(np.max(np.abs(g)))
    asym = float(np.max(np.abs(g - g.T)))
    if asym > tol * scale:
        raise ValueError(f"spectrum needs a symmetric matrix: max|G - G^T| = {asym:.3g} exceeds {tol:.3g} max|G| = "
                         f"{tol * scale:.3g} (rounding in a Gram product stays far below; see the docstring)")
    return np.linalg.eigvalsh(0.5 * (g + g.T))[::-1].copy()


def effective_rank(eigenvalues) -> float:
    r"""Roy and Vetterli's effective rank :math:`\exp(-\sum_k p_k \log p_k)`, :math:`p_k = \lambda_k /
    \sum_{\lambda_j > 0} \lambda_j`, over the positive eigenvalues (0 when none is positive)."""
    lam = np.asarray(eigenvalues, dtype=float)
    lam = lam[lam > 0]
    if lam.size == 0:
        return 0.0
    p = lam / lam.sum()
    return float(math.exp(-np.sum(p * np.log(p))))


def spectral_decay(eigenvalues, *, floor: float | None = None, skip: int = 1):
    r"""Fit :math:`\lambda_k \approx C\,k^{-\alpha}` (k = 1, 2, ... in decreasing order) by least squares in
    log-log space over the eigenvalues above ``floor``, from index ``skip`` on (the first few follow the
    kernel's mean, not its decay).

    ``floor`` defaults to the rounding floor of the symmetric eigensolver, :math:`n\,\epsilon\,\lambda_1`
    (its eigenvalues are exact for a matrix within :math:`O(n\epsilon)\|G\|` of the input: below that an
    eigenvalue is noise). Returns the :class:`~specref._loglog.SlopeFit` of :math:`\log\lambda_k` on
    :math:`\log k`: ``-slope`` is :math:`\alpha`, with its 95% interval, or None when fewer than 3
    eigenvalues lie above the floor.
    """
    from specref._loglog import loglog_slope

    lam = np.sort(np.asarray(eigenvalues, dtype=float))[::-1]
    if lam.size == 0 or lam[0] <= 0:
        return None
    floor = lam.size * np.finfo(float).eps * lam[0] if floor is None else float(floor)
    k = np.arange(1, lam.size + 1, dtype=float)
    keep = (lam > floor) & (k > skip)
    if int(keep.sum()) < 3:
        return None
    return loglog_slope(k[keep], lam[keep])


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_gram(rng, xp, dtype, *, shape):
    return Inputs((from_host(rng.standard_normal(shape), xp, dtype),))


CASES = [
    Case(
        name="gram_matrix",
        forward=gram_matrix,
        vjp=gram_matrix_vjp,
        make=_make_gram,
        grid=({"shape": (5, 3)}, {"shape": (2, 4, 6)}),
        # each entry a dot product of length m: error <= m eps |phi_i||phi_j| (Higham eq. 3.5), normwise <= m eps
        error_scale=lambda p: float(p["shape"][-1]) + 2.0,
        error_reason="dot products of length m (m eps each)",
        reference=lambda f: f @ np.swapaxes(f, -1, -2),
    ),
]
