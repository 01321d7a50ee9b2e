r"""Spectral kernels that decompose their input: an eigendecomposition or an SVD (spectrans seed 000).

- :func:`gram_spectral_decomposition`: spectrans's ``SpectralKernel.spectral_decomposition``, the top
  eigenpairs of :math:`XX^T` (every spectral kernel's ``spectral_decomposition``).
- :class:`PolynomialSpectralKernel`: the normalized polynomial kernel, and ``compute_attention`` on a rank-r
  PCA subspace (the top eigenvectors of a covariance).
- :class:`TruncatedSVDKernel`: the rank-r truncated SVD of :math:`XY^T` (exact, or randomized with an
  explicit ``rng``).

The two truncations share one derivative, the VJP of the projector on the top eigenvectors of a symmetric
matrix (:func:`_projector_vjp`), valid when the eigenvalues on either side of the cut differ; at a tie
(checked by :func:`_check_gap`) the truncation is not differentiable and the VJP raises. The derivations are
on ``docs/kernels/spectral.md``. The feature kernels (``FourierKernel``, ``LearnableSpectralKernel``) are in
:mod:`specref.kernels.spectral`.

Differences from spectrans (each a finding in validation/FINDINGS.md, see ``docs/kernels/spectral.md``):

- ``PolynomialSpectralKernel.compute_attention`` projects q and k on **one** rank-r subspace (the top
  eigenvectors of their pooled covariance); spectrans projects each on its own covariance eigenvectors, so
  its inner products pair coordinates of two unrelated bases (sign-ambiguous, and wrong even at full rank).
- ``TruncatedSVDKernel(use_randomized=True)`` draws from an explicit ``rng`` in the input's precision and
  truncates after the small SVD (Halko, Martinsson and Tropp 2011); spectrans draws a float32 matrix from the
  global RNG on every call (so float64 input fails) and truncates the range basis before the SVD, which
  discards the oversampling.
- ``rank`` larger than the data allows raises ``ValueError`` everywhere (spectrans slices silently).
"""

from __future__ import annotations

import numpy as np

from specref._args import check_flag
from specref.backend import as_generator, device_of, dtype_name, finfo_eps, from_host, namespace, random_normal
from specref.kernels.base import (
    SpectralKernel,
    check_degree,
    check_kernel_input,
    check_kernel_pair,
)
from specref.kernels.cases import compute_case, gram_matrix_case
from specref.ops._common import check_cotangent
from specref.ops.broadcast import sum_to_shape
from specref.ops.row_normalize import SHIFT_EPS, normalize_rows_shifted, normalize_rows_shifted_vjp
from specref.ops.softmax import softmax, softmax_vjp
from specref.testing.case import Case, Inputs

__all__ = [
    "PolynomialSpectralKernel",
    "TruncatedSVDKernel",
    "gram_spectral_decomposition",
]

#: added to the norm products and the eigenvalue sum (spectrans's 1e-8; the row normalization's shift)
NORM_EPS = SHIFT_EPS
#: spectrans's oversampling of the randomized range finder (rank + 10 columns)
OVERSAMPLING = 10



def _row_norm(xp, a):
    return xp.linalg.vector_norm(a, axis=-1, keepdims=True)


# ----------------------------------------------------------------------------------------------------------
# the spectral decomposition and the derivative of a truncation


def gram_spectral_decomposition(x, rank: int, normalize: bool = True):
    r"""spectrans's ``SpectralKernel.spectral_decomposition``: the top-``rank`` eigenpairs of :math:`XX^T`.

    .. math:: G = X X^T = U \operatorname{diag}(\lambda) U^T, \qquad
              \lambda_1 \le \dots \le \lambda_n \text{ (eigh order)},

    keeping the last ``rank`` columns of :math:`U` and entries of :math:`\lambda` (ascending, as spectrans),
    and with ``normalize`` dividing the kept eigenvalues by their sum plus :math:`10^{-8}`.

    Not differentiated: eigenvectors are defined up to sign (and up to a rotation inside a repeated
    eigenvalue), so no VJP is offered.

    Returns
    -------
    eigenvectors : array (..., n, rank)
    eigenvalues : array (..., rank)

    Raises
    ------
    ValueError
        For 1-D input or ``rank > n`` (the Gram matrix has n eigenpairs).
    """
    check_kernel_input(x, owner="spectral_decomposition")
    n = x.shape[-2]
    if rank > n:
        raise ValueError(f"rank {rank} is larger than the data allows: x of shape {tuple(x.shape)} gives an "
                         f"{n} x {n} Gram matrix with {n} eigenpairs")
    xp = namespace(x)
    eigenvalues, eigenvectors = xp.linalg.eigh(xp.matmul(x, xp.matrix_transpose(x)))
    eigenvalues = eigenvalues[..., n - rank:]
    eigenvectors = eigenvectors[..., n - rank:]
    if normalize:
        eigenvalues = eigenvalues / (xp.sum(eigenvalues, axis=-1, keepdims=True) + NORM_EPS)
    return eigenvectors, eigenvalues


def _projector_vjp(g_p, u_top, mu_top, u_bot, mu_bot):
    r"""Symmetric cotangent :math:`\bar B` of a symmetric :math:`B` from the cotangent :math:`\bar\Pi` of the
    projector :math:`\Pi = U_r U_r^T` on its top-r eigenvectors.

    First-order perturbation of the eigenvectors, :math:`du_i = \sum_{j\ne i} u_j\,
    \frac{u_j^T dB\, u_i}{\mu_i - \mu_j}`: the pairs inside the top block cancel in :math:`d\Pi`, so

    .. math::
        d\Pi = U_\perp M U_r^T + U_r M^T U_\perp^T, \quad M = E \odot (U_\perp^T dB\, U_r), \quad
        E_{ji} = \frac{1}{\mu_i - \mu_j}\ (i \text{ top}, j \text{ bottom}),

    and :math:`\langle \bar\Pi, d\Pi\rangle = \langle H, dB\rangle` with
    :math:`H = U_\perp\,(E \odot U_\perp^T(\bar\Pi + \bar\Pi^T)U_r)\,U_r^T`; returned as
    :math:`(H + H^T)/2`. Only the gap between the two blocks enters: repeated eigenvalues inside a block
    are harmless, a tie across the cut is a point of non-differentiability (the callers raise).
    """
    xp = namespace(g_p, u_top)
    s = xp.matmul(xp.matrix_transpose(u_bot), xp.matmul(g_p + xp.matrix_transpose(g_p), u_top))
    e = 1.0 / (xp.expand_dims(mu_top, axis=-2) - xp.expand_dims(mu_bot, axis=-1))
    h = xp.matmul(u_bot, xp.matmul(e * s, xp.matrix_transpose(u_top)))
    return 0.5 * (h + xp.matrix_transpose(h))


def _check_gap(xp, top_min, bottom_max, scale, what: str):
    """Raise when the top block's smallest value is not separated from the bottom block's largest one."""
    eps = finfo_eps(top_min.dtype)
    gap = float(xp.min(top_min - bottom_max))
    size = float(xp.max(scale))
    # computed eigen/singular values carry absolute errors of a few eps * the largest one: a gap below
    # 64 eps * scale cannot be told from a tie, where the truncation is not differentiable
    if not gap > 64.0 * eps * size:
        raise ValueError(
            f"{what}: the values on either side of the rank cut are equal to working precision "
            f"(gap {gap:.3e}, largest {size:.3e}); the truncation is not differentiable at a tie"
        )


class _GramSpectralKernel(SpectralKernel):
    """A spectral kernel whose ``spectral_decomposition`` is spectrans's: :func:`gram_spectral_decomposition`."""

    def spectral_decomposition(self, x):
        """:func:`gram_spectral_decomposition` of ``x`` with this kernel's rank (spectrans's base method)."""
        return gram_spectral_decomposition(x, self.rank, self.normalize)


# ----------------------------------------------------------------------------------------------------------
# PolynomialSpectralKernel


class PolynomialSpectralKernel(_GramSpectralKernel):
    r"""Polynomial kernel with a spectral (PCA) variant for attention (spectrans ``PolynomialSpectralKernel``).

    ``compute``:

    .. math::
        K = \frac{(\alpha XY^T + c)^p}{\|X\|\,\|Y\|^T + 10^{-8}}\ \text{(normalize)},\qquad (\alpha XY^T + c)^p
        \ \text{otherwise.}

    ``compute_attention`` (see :meth:`compute_attention`) replaces :math:`XY^T` by a rank-r PCA
    approximation and applies a softmax over keys when ``normalize``.

    Parameters
    ----------
    rank : int
        PCA rank of ``compute_attention`` (``rank <= d``).
    degree : int
        :math:`p \ge 0`.
    coef0, alpha : float
        :math:`c`, :math:`\alpha`.
    normalize : bool
        As above.

    Notes
    -----
    The norm :math:`\|x\|` is not differentiable at :math:`x = 0`; the VJPs use the subgradient 0 there
    (torch's choice).
    """

    def __init__(self, rank: int, degree: int = 2, coef0: float = 1.0, alpha: float = 1.0, normalize: bool = True):
        super().__init__(rank, normalize)
        self.degree = check_degree(degree)
        self.coef0 = float(coef0)
        self.alpha = float(alpha)

    def _power(self, xp, t):
        return xp.ones_like(t) if self.degree == 0 else t**self.degree

    def _dpower(self, xp, t):
        return xp.zeros_like(t) if self.degree == 0 else self.degree * t ** (self.degree - 1)

    def compute(self, x, y):
        """The matrix above, (..., n, m)."""
        check_kernel_pair(x, y, owner="PolynomialSpectralKernel")
        xp = namespace(x, y)
        k = self._power(xp, self.alpha * xp.matmul(x, xp.matrix_transpose(y)) + self.coef0)
        if self.normalize:
            k = k / (xp.matmul(_row_norm(xp, x), xp.matrix_transpose(_row_norm(xp, y))) + NORM_EPS)
        return k

    def compute_vjp(self, dk, x, y, k):
        r"""``(dx, dy)`` of :meth:`compute`.

        With :math:`T = \alpha XY^T + c`, :math:`D = a b^T + 10^{-8}` (:math:`a = \|X_i\|`, :math:`b = \|Y_j\|`):

        .. math::
            \bar T = \frac{\bar K}{D}\odot pT^{p-1},\quad \bar D = -\bar K\odot\frac{K}{D},\quad
            \bar X = \alpha\bar T Y + (\bar D b)\odot\frac{X}{a},\quad
            \bar Y = \alpha\bar T^T X + (\bar D^T a)\odot\frac{Y}{b}

        (without normalize :math:`D = 1`, :math:`\bar D = 0`).
        """
        check_cotangent(dk, x, k, f"{type(self).__name__}.compute_vjp", names=("dk", "x", "k"))
        xp = namespace(dk, x, y)
        t = self.alpha * xp.matmul(x, xp.matrix_transpose(y)) + self.coef0
        if self.normalize:
            a, b = _row_norm(xp, x), _row_norm(xp, y)
            den = xp.matmul(a, xp.matrix_transpose(b)) + NORM_EPS
            dt = dk / den * self._dpower(xp, t)
            dden = -dk * k / den
            unit_x = x / xp.where(a > 0, a, xp.ones_like(a))
            unit_y = y / xp.where(b > 0, b, xp.ones_like(b))
            dx = self.alpha * xp.matmul(dt, y) + xp.matmul(dden, b) * unit_x
            dy = self.alpha * xp.matmul(xp.matrix_transpose(dt), x) + xp.matmul(xp.matrix_transpose(dden), a) * unit_y
        else:
            dt = dk * self._dpower(xp, t)
            dx = self.alpha * xp.matmul(dt, y)
            dy = self.alpha * xp.matmul(xp.matrix_transpose(dt), x)
        return sum_to_shape(dx, tuple(x.shape)), sum_to_shape(dy, tuple(y.shape))

    # -- attention on a shared PCA subspace -------------------------------------------------------------

    def _attention_parts(self, q, k):
        xp = namespace(q, k)
        qc = q - xp.mean(q, axis=-2, keepdims=True)
        kc = k - xp.mean(k, axis=-2, keepdims=True)
        count = q.shape[-2] + k.shape[-2]
        cov = (xp.matmul(xp.matrix_transpose(qc), qc) + xp.matmul(xp.matrix_transpose(kc), kc)) / count
        mu, u = xp.linalg.eigh(cov)
        d = q.shape[-1]
        u_top = u[..., d - self.rank:]
        proj = xp.matmul(u_top, xp.matrix_transpose(u_top))
        score = self.alpha * xp.matmul(qc, xp.matmul(proj, xp.matrix_transpose(kc))) + self.coef0
        return qc, kc, count, mu, u, proj, score

    def compute_attention(self, q, k):
        r"""Attention weights on a shared rank-r PCA subspace, (..., n, d) x (..., m, d) -> (..., n, m).

        .. math::
            \tilde Q = Q - \bar Q,\ \tilde K = K - \bar K \text{ (row means)},\quad
            C = \frac{\tilde Q^T\tilde Q + \tilde K^T\tilde K}{n + m} = U\operatorname{diag}(\mu)U^T,\quad
            \Pi = U_r U_r^T,

        .. math::
            S = (\alpha\,\tilde Q\,\Pi\,\tilde K^T + c)^p, \qquad A = \operatorname{softmax}_{\text{keys}}(S)
            \text{ if normalize, else } S.

        :math:`\tilde Q\Pi\tilde K^T` is the inner product of the rank-r projections
        :math:`(\tilde Q U_r)(\tilde K U_r)^T`, a rank-r approximation of :math:`\tilde Q\tilde K^T` that
        does not depend on the eigenvectors' signs, and equals it at ``rank = d``. spectrans projects q on
        the eigenvectors of q's covariance and k on those of k's: for q = k the two agree; otherwise its
        coordinates pair two unrelated bases (a finding). The centring follows spectrans.

        Differentiable when :math:`\mu_{d-r} < \mu_{d-r+1}` (a gap at the cut); see
        :meth:`compute_attention_vjp`.

        Raises
        ------
        ValueError
            For 1-D input, mismatched d, or ``rank > d``.
        """
        check_kernel_pair(q, k, owner="PolynomialSpectralKernel.compute_attention")
        self._check_rank(q)
        xp = namespace(q, k)
        score = self._attention_parts(q, k)[-1]
        s = self._power(xp, score)
        return softmax(s, axis=-1) if self.normalize else s

    def _check_rank(self, q):
        d = q.shape[-1]
        if self.rank > d:
            raise ValueError(f"rank {self.rank} is larger than the data allows: q of shape {tuple(q.shape)} has "
                             f"d = {d} principal directions")

    def compute_attention_vjp(self, da, q, k, a):
        r"""``(dq, dk)`` of :meth:`compute_attention`.

        Backward through the softmax (``softmax_vjp``) and the power, :math:`\bar G = \alpha\bar S'` for
        :math:`G = \tilde Q\Pi\tilde K^T`, then

        .. math::
            \bar{\tilde Q} = \bar G\tilde K\Pi + \tfrac{2}{n+m}\tilde Q\,\bar C, \quad
            \bar{\tilde K} = \bar G^T\tilde Q\Pi + \tfrac{2}{n+m}\tilde K\,\bar C, \quad
            \bar\Pi = \tilde Q^T\bar G\tilde K,

        with :math:`\bar C` the projector VJP (:func:`_projector_vjp`, the :math:`1/(\mu_i - \mu_j)`
        terms between kept and dropped directions), and finally the centring's VJP (subtract the row mean).

        Raises
        ------
        ValueError
            When :math:`\mu_{d-r}` and :math:`\mu_{d-r+1}` tie to working precision (not differentiable).
        """
        check_cotangent(da, q, a, f"{type(self).__name__}.compute_attention_vjp", names=("da", "q", "a"))
        xp = namespace(da, q, k)
        self._check_rank(q)
        qc, kc, count, mu, u, proj, score = self._attention_parts(q, k)
        s = self._power(xp, score)
        ds = softmax_vjp(da, s, a, axis=-1) if self.normalize else da
        dg = self.alpha * ds * self._dpower(xp, score)
        dqc = xp.matmul(dg, xp.matmul(kc, proj))
        dkc = xp.matmul(xp.matrix_transpose(dg), xp.matmul(qc, proj))
        d = q.shape[-1]
        if self.rank < d:
            cut = d - self.rank
            _check_gap(xp, mu[..., cut], mu[..., cut - 1], xp.abs(mu[..., -1]),
                       "PolynomialSpectralKernel.compute_attention_vjp")
            dproj = xp.matmul(xp.matrix_transpose(qc), xp.matmul(dg, kc))
            dcov = _projector_vjp(dproj, u[..., cut:], mu[..., cut:], u[..., :cut], mu[..., :cut])
            dqc = dqc + (2.0 / count) * xp.matmul(qc, dcov)
            dkc = dkc + (2.0 / count) * xp.matmul(kc, dcov)
        dq = dqc - xp.mean(dqc, axis=-2, keepdims=True)
        dk = dkc - xp.mean(dkc, axis=-2, keepdims=True)
        return sum_to_shape(dq, tuple(q.shape)), sum_to_shape(dk, tuple(k.shape))


# ----------------------------------------------------------------------------------------------------------
# TruncatedSVDKernel


class TruncatedSVDKernel(_GramSpectralKernel):
    r"""Rank-r truncated SVD of :math:`A = XY^T` (spectrans ``TruncatedSVDKernel``).

    .. math::
        A = U\operatorname{diag}(s)V^T,\quad A_r = U_{:, :r}\operatorname{diag}(s_{:r})V_{:, :r}^T
        = \Pi A,\ \Pi = U_{:, :r}U_{:, :r}^T,\qquad K_i = \frac{(A_r)_i}{\|(A_r)_i\| + 10^{-8}}
        \text{ if normalize.}

    ``use_randomized=True`` replaces :math:`A_r` by the randomized estimate of Halko, Martinsson and Tropp
    (2011): :math:`\Omega \sim \mathcal{N}(0,1)^{m\times(r+10)}` from the explicit ``rng``,
    :math:`Q = \operatorname{qr}(A\Omega).Q`, :math:`B = Q^TA`, :math:`A_r \approx Q\,\operatorname{svd}_r(B)`.

    Parameters
    ----------
    rank : int
        :math:`1 \le r \le \min(n, m)` (checked against the inputs).
    normalize : bool
        Row-normalize as above.
    use_randomized : bool
        Randomized range finder (needs ``rng=`` in :meth:`compute`; no VJP).
    """

    def __init__(self, rank: int, normalize: bool = True, use_randomized: bool = False):
        super().__init__(rank, normalize)
        self.use_randomized = check_flag(use_randomized, "use_randomized")
        self.oversampling = OVERSAMPLING

    def _check(self, x, y):
        check_kernel_pair(x, y, owner="TruncatedSVDKernel")
        n, m = x.shape[-2], y.shape[-2]
        if self.rank > min(n, m):
            raise ValueError(f"rank {self.rank} is larger than the data allows: x y^T of shape ({n}, {m}) has "
                             f"at most {min(n, m)} singular values")

    def _exact(self, a):
        xp = namespace(a)
        u, s, vh = xp.linalg.svd(a, full_matrices=False)
        r = self.rank
        return xp.matmul(u[..., :r] * xp.expand_dims(s[..., :r], axis=-2), vh[..., :r, :])

    def _randomized(self, a, rng):
        xp = namespace(a)
        m = a.shape[-1]
        omega = random_normal(rng, (m, self.rank + self.oversampling), dtype=dtype_name(a.dtype), xp=xp,
                              device=device_of(a))
        q, _ = xp.linalg.qr(xp.matmul(a, omega))
        u_b, s_b, vh_b = xp.linalg.svd(xp.matmul(xp.matrix_transpose(q), a), full_matrices=False)
        r = self.rank
        return xp.matmul(xp.matmul(q, u_b[..., :r]) * xp.expand_dims(s_b[..., :r], axis=-2), vh_b[..., :r, :])

    def compute(self, x, y, *, rng=None):
        r"""The (row-normalized) rank-r approximation of :math:`XY^T`, (..., n, m).

        Parameters
        ----------
        rng : int or numpy.random.Generator
            Required with ``use_randomized`` (the draw of :math:`\Omega`, host float64, cast to the input's
            precision); ignored otherwise.
        """
        self._check(x, y)
        xp = namespace(x, y)
        a = xp.matmul(x, xp.matrix_transpose(y))
        if self.use_randomized:
            if rng is None:
                raise ValueError("TruncatedSVDKernel(use_randomized=True).compute needs rng= (a seed or "
                                 "numpy.random.Generator) for the random test matrix")
            ar = self._randomized(a, as_generator(rng))
        else:
            ar = self._exact(a)
        return normalize_rows_shifted(ar) if self.normalize else ar

    def compute_vjp(self, dk, x, y, k):
        r"""``(dx, dy)`` of the exact :meth:`compute`.

        With :math:`A = XY^T` and :math:`A_r = \Pi A`, :math:`\Pi` the projector on the top-r left singular
        vectors, i.e. the top-r eigenvectors of :math:`B = AA^T` (eigenvalues :math:`s_i^2`, and 0 for the
        :math:`n - \min(n, m)` directions of its null space):

        .. math::
            dA_r = \Pi\,dA + d\Pi\,A, \qquad
            \bar A = \Pi\bar A_r + (H + H^T)A, \qquad
            H = U_\perp\big(E\odot U_\perp^T(\bar\Pi + \bar\Pi^T)U_r\big)U_r^T,\
            \bar\Pi = \bar A_r A^T,\ E_{ji} = \frac{1}{s_i^2 - s_j^2}

        (:func:`_projector_vjp`; :math:`dB = dA\,A^T + A\,dA^T` gives the factor :math:`H + H^T`). Then
        :math:`\bar X = \bar A Y`, :math:`\bar Y = \bar A^T X`. Only the gap at the cut enters, so the VJP
        is valid whenever :math:`s_r > s_{r+1}`, even with repeated singular values inside the kept or the
        dropped block. When :math:`r \ge d` (:math:`A` has rank at most :math:`d`, for every x and y)
        :math:`A_r = A` and :math:`\bar A = \bar A_r`.

        Raises
        ------
        ValueError
            When :math:`s_r = s_{r+1}` to working precision (not differentiable there).
        NotImplementedError
            For ``use_randomized`` (a random estimator of the exact kernel: differentiate the exact path).
        """
        check_cotangent(dk, x, k, f"{type(self).__name__}.compute_vjp", names=("dk", "x", "k"))
        if self.use_randomized:
            raise NotImplementedError("TruncatedSVDKernel: the randomized path has no VJP (it is a random "
                                      "estimate of the exact truncation; differentiate use_randomized=False)")
        self._check(x, y)
        xp = namespace(dk, x, y)
        a = xp.matmul(x, xp.matrix_transpose(y))
        r = self.rank
        d = x.shape[-1]
        if self.normalize:
            dar = normalize_rows_shifted_vjp(dk, self._exact(a), k)
        else:
            dar = dk
        n, m = a.shape[-2], a.shape[-1]
        if r >= min(n, m, d):
            da = dar
        else:
            u, s, _ = xp.linalg.svd(a, full_matrices=True)
            mu = s * s
            if n > mu.shape[-1]:  # the null space of A A^T (n > m): eigenvalue 0
                zeros = xp.zeros((*mu.shape[:-1], n - mu.shape[-1]), dtype=mu.dtype, device=device_of(mu))
                mu = xp.concat([mu, zeros], axis=-1)
            _check_gap(xp, s[..., r - 1], s[..., r], s[..., 0], "TruncatedSVDKernel.compute_vjp")
            u_top, u_bot = u[..., :r], u[..., r:]
            proj = xp.matmul(u_top, xp.matrix_transpose(u_top))
            g_b = _projector_vjp(xp.matmul(dar, xp.matrix_transpose(a)), u_top, mu[..., :r], u_bot, mu[..., r:])
            da = xp.matmul(proj, dar) + 2.0 * xp.matmul(g_b, a)
        dx = sum_to_shape(xp.matmul(da, y), tuple(x.shape))
        dy = sum_to_shape(xp.matmul(xp.matrix_transpose(da), x), tuple(y.shape))
        return dx, dy


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _draw(rng, xp, dtype, shape, scales=None):
    host = rng.standard_normal(shape)
    if scales is not None:  # distinct column scales: well-separated spectra, so truncations are smooth
        host = host * np.asarray(scales)
    return from_host(host, xp, dtype)


def _make_poly_spectral(rng, xp, dtype, *, batch=(2,), n=3, m=4, d=5, degree=2, normalize=True, rank=2,
                        attention=False, alpha=1.0, coef0=1.0, gram=False):
    kernel = PolynomialSpectralKernel(rank, degree=degree, coef0=coef0, alpha=alpha, normalize=normalize)
    scales = [3.0, 2.0, 1.2, 0.6, 0.3, 0.15][:d] if attention else None
    x = _draw(rng, xp, dtype, (*batch, n, d), scales)
    if gram:
        return Inputs((x,), {"kernel": kernel})
    y = _draw(rng, xp, dtype, (*batch, m, d), scales)
    return Inputs((x, y), {"kernel": kernel})


def _poly_attention(q, k, *, kernel):
    return kernel.compute_attention(q, k)


def _poly_attention_vjp(da, q, k, a, *, kernel):
    return kernel.compute_attention_vjp(da, q, k, a)


def _ref_poly(x, y, *, kernel):
    kern = (kernel.alpha * x @ np.swapaxes(y, -1, -2) + kernel.coef0) ** kernel.degree
    if kernel.normalize:
        nx = np.linalg.norm(x, axis=-1)[..., :, None]
        ny = np.linalg.norm(y, axis=-1)[..., None, :]
        kern = kern / (nx * ny + NORM_EPS)
    return kern


def _poly_scale(p) -> float:
    # the dot (gamma_d of sum|x||y| <= sqrt(d) max|T|), times p for the power, two d-term norms and the
    # division: c = 2 (p (d + 2) + 2 d + 4)
    return 2.0 * (p["degree"] * (p["d"] + 2) + 2 * p["d"] + 4)


_SVD_SCALES = [4.0, 2.0, 1.0, 0.5, 0.25, 0.125]


def _make_svd(rng, xp, dtype, *, batch=(2,), n=5, m=4, d=4, rank=2, normalize=True, gram=False):
    kernel = TruncatedSVDKernel(rank, normalize=normalize)
    x = _draw(rng, xp, dtype, (*batch, n, d), _SVD_SCALES[:d])
    if gram:
        return Inputs((x,), {"kernel": kernel})
    return Inputs((x, _draw(rng, xp, dtype, (m, d), _SVD_SCALES[:d])), {"kernel": kernel})


def _ref_svd(x, y, *, kernel):
    u, s, vh = np.linalg.svd(x @ np.swapaxes(y, -1, -2), full_matrices=False)
    r = kernel.rank
    ar = (u[..., :, :r] * s[..., None, :r]) @ vh[..., :r, :]
    if kernel.normalize:
        ar = ar / (np.linalg.norm(ar, axis=-1, keepdims=True) + NORM_EPS)
    return ar


def _svd_scale(p) -> float:
    # a backward-stable SVD perturbs A by ~ (n + m) eps ||A||; the truncated part moves by that times
    # s_1 / (s_r - s_{r+1}), at most ~ 4 for the column scales 4, 2, 1, 0.5 (singular values of the product
    # of the two scaled Gaussian factors; the smallest relative gap seen in 10^4 draws is > 0.05, so 20):
    # c = 20 (n + m + d) covers the matmul, the SVD and the normalization
    return 20.0 * (p.get("n", 5) + p.get("m", 4) + p.get("d", 4))


def _attention_scale(p) -> float:
    # centring, the d x d covariance (n + m terms), eigh (~ d eps ||C|| per eigenvector, amplified by
    # ||C|| / gap <= 10 for the column scales 3, 2, 1.2, 0.6, 0.3), the projected inner product (2 d terms),
    # the power (p) and the softmax (~ 4): c = 10 (n + m + 2 d) (p + 1) + 4
    return 10.0 * (p.get("n", 3) + p.get("m", 4) + 2 * p.get("d", 5)) * (p.get("degree", 2) + 1) + 4.0


CASES = [
    compute_case(
        "PolynomialSpectralKernel.compute",
        _make_poly_spectral,
        argnums=(0, 1),
        grid=(
            {"batch": (2,), "n": 3, "m": 4, "d": 5, "degree": 2, "normalize": True},
            {"batch": (2, 1), "n": 2, "m": 3, "d": 3, "degree": 3, "normalize": False, "coef0": 0.5},
            {"batch": (), "n": 3, "m": 2, "d": 4, "degree": 0, "normalize": True},
        ),
        error_scale=_poly_scale,
        error_reason="length-d dot then the p-th power (p (d + 2)), two length-d norms and a division",
        reference=_ref_poly,
    ),
    Case(
        name="PolynomialSpectralKernel.compute_attention",
        forward=_poly_attention,
        vjp=_poly_attention_vjp,
        argnums=(0, 1),
        make=lambda rng, xp, dtype, **p: _make_poly_spectral(rng, xp, dtype, attention=True, **p),
        grid=(
            {"batch": (2,), "n": 5, "m": 4, "d": 4, "rank": 2, "degree": 2, "normalize": True},
            {"batch": (), "n": 4, "m": 6, "d": 3, "rank": 3, "degree": 1, "normalize": False},
            {"batch": (), "n": 6, "m": 5, "d": 5, "rank": 3, "degree": 3, "normalize": False, "alpha": 0.2},
        ),
        error_scale=_attention_scale,
        error_reason="centring, covariance, eigh amplified by ||C||/gap <= 10, projected dot, power, softmax",
    ),
    gram_matrix_case(
        "PolynomialSpectralKernel.gram_matrix",
        lambda rng, xp, dtype, **p: _make_poly_spectral(rng, xp, dtype, gram=True, **p),
        grid=({"batch": (2,), "n": 3, "d": 4, "degree": 2, "normalize": True},),
        error_scale=_poly_scale,
        error_reason="as .compute: length-d dot, p-th power, two length-d norms and a division",
    ),
    compute_case(
        "TruncatedSVDKernel.compute",
        _make_svd,
        argnums=(0, 1),
        grid=(
            {"batch": (2,), "n": 5, "m": 4, "d": 4, "rank": 2, "normalize": True},
            {"batch": (), "n": 3, "m": 6, "d": 4, "rank": 1, "normalize": False},
            {"batch": (), "n": 4, "m": 5, "d": 3, "rank": 3, "normalize": True},
        ),
        error_scale=_svd_scale,
        error_reason="matmul, SVD (backward stable, amplified by s_1 / gap <= 20 here) and the normalization",
        reference=_ref_svd,
    ),
    gram_matrix_case(
        "TruncatedSVDKernel.gram_matrix",
        lambda rng, xp, dtype, **p: _make_svd(rng, xp, dtype, gram=True, **p),
        # A = X X^T (n x n, rank d): its singular values are the squared column scales' spread, well apart
        grid=({"batch": (2,), "n": 5, "m": 5, "d": 4, "rank": 2, "normalize": True},),
        error_scale=_svd_scale,
        error_reason="as .compute: matmul, SVD (amplified by s_1 / gap) and the normalization",
    ),
]
