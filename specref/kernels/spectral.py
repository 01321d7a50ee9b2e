r"""Spectral kernels of ``spectrans.kernels.spectral`` (seed 000), with their VJPs.

- :class:`FourierKernel`: rows compared through their filtered low-frequency rFFT bins.
- :class:`LearnableSpectralKernel`: a learned eigenbasis and eigenvalues, :math:`K = \Phi_x \Phi_y^T`.
- :class:`PolynomialSpectralKernel`: the normalized polynomial kernel, and ``compute_attention`` on a rank-r
  PCA subspace.
- :class:`TruncatedSVDKernel`: the rank-r truncated SVD of :math:`XY^T` (exact, or randomized with an
  explicit ``rng``).

Every differentiable method has a ``<method>_vjp`` beside it; ``docs/kernels/spectral.md`` derives each one.
Where a spectral map is not differentiable (a repeated eigenvalue or singular value at the truncation cut,
QR) the docstring says so and the VJP raises.

Differences from spectrans (each a finding in validation/FINDINGS.md, see ``docs/kernels/spectral.md``):

- ``FourierKernel`` has no ``forward`` in spectrans (calling the module raises); specref defines
  ``forward(x, y=None)`` as ``LearnableSpectralKernel`` does: features when ``y`` is None (the kernel is
  exactly :math:`\Phi_x\Phi_y^T`), ``compute(x, y)`` otherwise. ``rank > d // 2 + 1`` raises (spectrans
  fails later with a broadcast error); an unknown ``filter_type`` raises (spectrans silently uses "ideal").
- ``LearnableSpectralKernel`` with ``rank > input_dim`` raises at construction (spectrans crashes at the
  first ``compute``); ``orthogonalize_eigenvectors`` returns a new kernel instead of mutating.
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

import math
from typing import Literal

import numpy as np

from specref.backend import (
    as_generator,
    device_of,
    dtype_name,
    finfo_eps,
    namespace,
    random_normal,
    to_numpy,
)
from specref.interop.params import ParamContainer
from specref.kernels.base import (
    SpectralKernel,
    check_kernel_input,
    check_kernel_pair,
    check_kernel_type,
    check_positive,
    check_positive_int,
)
from specref.ops.broadcast import sum_to_shape
from specref.ops.softmax import softmax, softmax_vjp
from specref.testing.case import Case, Inputs
from specref.transforms.fourier import rfft, rfft_adjoint
from specref.transforms.structural import crop_or_pad, crop_or_pad_adjoint

__all__ = [
    "FILTER_TYPES",
    "FourierKernel",
    "LearnableSpectralKernel",
    "PolynomialSpectralKernel",
    "TruncatedSVDKernel",
    "gram_spectral_decomposition",
]

FILTER_TYPES: tuple[str, ...] = ("gaussian", "butterworth", "ideal")

#: the eps spectrans adds under the square root of |eigenvalue| (LearnableSpectralKernel)
EIGENVALUE_EPS = 1e-8
#: ``F.normalize``'s default: rows are divided by max(||row||, 1e-12)
NORMALIZE_EPS = 1e-12
#: added to the norm products and row norms by PolynomialSpectralKernel and TruncatedSVDKernel
NORM_EPS = 1e-8
#: spectrans's oversampling of the randomized range finder (rank + 10 columns)
OVERSAMPLING = 10


def _mT(a, xp):  # noqa: N802  (torch's .mT)
    return xp.matrix_transpose(a)


# ----------------------------------------------------------------------------------------------------------
# shared pieces: row normalizations, the spectral decomposition, the projector VJP


def _row_norm(xp, a):
    return xp.linalg.vector_norm(a, axis=-1, keepdims=True)


def _normalize_rows_clamped(k):
    r""":math:`K_i / \max(\|K_i\|, 10^{-12})` (torch's ``F.normalize(K, p=2, dim=-1)``)."""
    xp = namespace(k)
    return k / xp.clip(_row_norm(xp, k), min=NORMALIZE_EPS)


def _normalize_rows_clamped_vjp(dy, k, y):
    r"""VJP of :func:`_normalize_rows_clamped`: for a row with :math:`r = \|k\| > 10^{-12}`,
    :math:`\bar k = (\bar y - y\,(y\cdot\bar y))/r`; for a smaller row (the clamp) :math:`\bar k = \bar y/10^{-12}`."""
    xp = namespace(dy, k)
    r = _row_norm(xp, k)
    above = r > NORMALIZE_EPS
    denom = xp.where(above, r, xp.full_like(r, NORMALIZE_EPS))
    proj = xp.where(above, xp.sum(y * dy, axis=-1, keepdims=True), xp.zeros_like(r))
    return (dy - y * proj) / denom


def _normalize_rows_shifted(k):
    r""":math:`K_i / (\|K_i\| + 10^{-8})` (TruncatedSVDKernel)."""
    xp = namespace(k)
    return k / (_row_norm(xp, k) + NORM_EPS)


def _normalize_rows_shifted_vjp(dy, k):
    r"""VJP of :func:`_normalize_rows_shifted`:
    :math:`\bar k = \bar y/(r+\epsilon) - k\,(k\cdot\bar y)/(r (r+\epsilon)^2)`, the second term 0 at :math:`k = 0`."""
    xp = namespace(dy, k)
    r = _row_norm(xp, k)
    r_safe = xp.where(r > 0, r, xp.ones_like(r))
    s = r + NORM_EPS
    return dy / s - k * (xp.sum(k * dy, axis=-1, keepdims=True) / (r_safe * s * s))


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
    eigenvalues, eigenvectors = xp.linalg.eigh(xp.matmul(x, _mT(x, xp)))
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
    s = xp.matmul(_mT(u_bot, xp), xp.matmul(g_p + _mT(g_p, xp), u_top))
    e = 1.0 / (xp.expand_dims(mu_top, axis=-2) - xp.expand_dims(mu_bot, axis=-1))
    h = xp.matmul(u_bot, xp.matmul(e * s, _mT(u_top, xp)))
    return 0.5 * (h + _mT(h, xp))


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


# ----------------------------------------------------------------------------------------------------------
# FourierKernel


def _fourier_filter(rank: int, filter_type: str, cutoff_freq: float) -> np.ndarray:
    """spectrans's ``_init_filter`` on t = linspace(0, 1, rank), in float64."""
    t = np.linspace(0.0, 1.0, rank)
    if filter_type == "gaussian":
        return np.exp(-((t / cutoff_freq) ** 2))
    if filter_type == "butterworth":
        return 1.0 / (1.0 + (t / cutoff_freq) ** 8)  # order 4: (t/c)^(2*4)
    return (t <= cutoff_freq).astype(np.float64)


class FourierKernel(ParamContainer, SpectralKernel):
    r"""Kernel defined in the Fourier domain (spectrans ``FourierKernel``).

    With :math:`R = \operatorname{rfft}(X)_{:, :r}` (backward norm, the first :math:`r` bins of the last
    axis) and the real filter :math:`f \in \mathbb{R}^r`,

    .. math::
        K_{ij} = \frac{1}{r}\sum_{k<r} \operatorname{Re}\big(f_k R^x_{ik}\,\overline{f_k R^y_{jk}}\big)
               = \Phi_x \Phi_y^T, \qquad
        \Phi = \frac{1}{\sqrt r}\big[\operatorname{Re}(R\,\mathrm{diag} f),\ \operatorname{Im}(R\,\mathrm{diag} f)\big].

    Parameters
    ----------
    rank : int
        Number of rFFT bins kept, :math:`1 \le r \le d//2 + 1` (checked against the input).
    input_dim : int
        :math:`d`.
    learnable_filter : bool
        ``filter`` in ``params`` (True) or ``buffers``.
    filter_type : {"gaussian", "butterworth", "ideal"}
        Initial filter on :math:`t = \mathrm{linspace}(0, 1, r)`: :math:`e^{-(t/c)^2}`,
        :math:`1/(1 + (t/c)^8)` or :math:`\mathbb{1}[t \le c]`.
    cutoff_freq : float
        :math:`c > 0`.

    Notes
    -----
    spectrans defines no ``forward`` (calling its module raises); specref's :meth:`forward` returns the
    features :math:`\Phi` for ``forward(x)`` and ``compute(x, y)`` for ``forward(x, y)``, as
    ``LearnableSpectralKernel`` does.
    """

    def __init__(self, rank: int, input_dim: int, learnable_filter: bool = True,
                 filter_type: Literal["gaussian", "butterworth", "ideal"] = "gaussian", cutoff_freq: float = 0.5):
        SpectralKernel.__init__(self, rank, normalize=True)
        self.input_dim = check_positive_int(input_dim, "input_dim")
        bins = self.input_dim // 2 + 1
        if self.rank > bins:
            raise ValueError(f"rank {self.rank} is larger than the data allows: input_dim {self.input_dim} has "
                             f"{bins} rfft bins")
        self.filter_type = check_kernel_type(filter_type, FILTER_TYPES, what="filter_type")
        self.cutoff_freq = check_positive(cutoff_freq, "cutoff_freq")
        self.learnable_filter = bool(learnable_filter)
        filt = _fourier_filter(self.rank, self.filter_type, self.cutoff_freq)
        if self.learnable_filter:
            self._init_arrays({"filter": filt}, {})
        else:
            self._init_arrays({}, {"filter": filt})

    def _check(self, x, name="x"):
        check_kernel_input(x, name=name, input_dim=self.input_dim, owner="FourierKernel")
        self._check_against_arrays(x, name=name)

    def _spectrum(self, x):
        """:math:`R = \\operatorname{rfft}(x)[..., :r]`."""
        return crop_or_pad(rfft(x, axis=-1), self.rank, axis=-1)

    def extract_features(self, x):
        r"""The features :math:`\Phi(X)`, (..., n, d) -> (..., n, 2r), with :math:`K = \Phi_x\Phi_y^T`."""
        self._check(x)
        xp = namespace(x)
        z = self._spectrum(x) * self._array("filter")
        return xp.concat([xp.real(z), xp.imag(z)], axis=-1) / math.sqrt(self.rank)

    def extract_features_vjp(self, dphi, x, phi):
        r"""``(dx, grads)`` of :meth:`extract_features`, ``grads`` keyed like ``params``.

        With :math:`Z = R\,\mathrm{diag} f` and :math:`\bar Z = (\bar\Phi_{:, :r} + i\bar\Phi_{:, r:})/\sqrt r`
        (specref's convention :math:`\partial L/\partial\operatorname{Re} + i\,\partial L/\partial\operatorname{Im}`):

        .. math::
            \bar R = \bar Z\,\mathrm{diag} f, \quad
            \bar f_k = \sum \operatorname{Re}(\bar Z_{ik}\overline{R_{ik}}), \quad
            \bar X = \operatorname{rfft}^*(\text{zero-pad}(\bar R)),

        the adjoint of the real-to-complex rFFT in the real inner product (``rfft_adjoint``).
        """
        xp = namespace(dphi, x)
        r = self.rank
        filt = self._array("filter")
        spectrum = self._spectrum(x)
        dz = (xp.astype(dphi[..., :r], spectrum.dtype) + 1j * xp.astype(dphi[..., r:], spectrum.dtype))
        dz = dz / math.sqrt(r)
        dspec = dz * filt
        full = crop_or_pad_adjoint(dspec, input_shape=(*x.shape[:-1], x.shape[-1] // 2 + 1), n=r, axis=-1)
        dx = rfft_adjoint(full, input_shape=tuple(x.shape), axis=-1)
        grads = {}
        if "filter" in self.params:
            dfilt = xp.real(dz * xp.conj(spectrum))
            grads["filter"] = sum_to_shape(dfilt, tuple(filt.shape))
        return dx, grads

    def compute(self, x, y):
        r""":math:`K = \Phi_x\Phi_y^T` (spectrans: the mean over the r bins of
        :math:`\operatorname{Re}(X_f \overline{Y_f})`), (..., n, m)."""
        check_kernel_pair(x, y, input_dim=self.input_dim, owner="FourierKernel")
        xp = namespace(x, y)
        return xp.matmul(self.extract_features(x), _mT(self.extract_features(y), xp))

    def compute_vjp(self, dk, x, y, k):
        r"""``(dx, dy, grads)``: :math:`\bar\Phi_x = \bar K\Phi_y`, :math:`\bar\Phi_y = \bar K^T\Phi_x`, each
        through :meth:`extract_features_vjp`; the filter's two gradients add."""
        xp = namespace(dk, x, y)
        phi_x, phi_y = self.extract_features(x), self.extract_features(y)
        dx, gx = self.extract_features_vjp(sum_to_shape(xp.matmul(dk, phi_y), tuple(phi_x.shape)), x, phi_x)
        dy, gy = self.extract_features_vjp(sum_to_shape(xp.matmul(_mT(dk, xp), phi_x), tuple(phi_y.shape)),
                                           y, phi_y)
        return dx, dy, {name: gx[name] + gy[name] for name in gx}

    def forward(self, x, y=None):
        """Features for ``forward(x)``, the kernel for ``forward(x, y)`` (specref's definition, see Notes)."""
        return self.extract_features(x) if y is None else self.compute(x, y)

    def __call__(self, x, y=None):
        return self.forward(x, y)

    def spectral_decomposition(self, x):
        """:func:`gram_spectral_decomposition` of ``x`` with this kernel's rank (spectrans's base method)."""
        return gram_spectral_decomposition(x, self.rank, self.normalize)


# ----------------------------------------------------------------------------------------------------------
# LearnableSpectralKernel


class LearnableSpectralKernel(ParamContainer, SpectralKernel):
    r"""Spectral kernel with a learnable eigenbasis and eigenvalues (spectrans ``LearnableSpectralKernel``).

    .. math::
        \Phi(X) = (X V)\,\mathrm{diag}(w), \quad w_k = \sqrt{|\lambda_k| + 10^{-8}}, \qquad
        K = \Phi(X)\Phi(Y)^T, \quad K_i \leftarrow \frac{K_i}{\max(\|K_i\|, 10^{-12})} \text{ if normalize.}

    Parameters
    ----------
    input_dim, rank : int
        :math:`V` is (input_dim, rank); ``rank <= input_dim`` (a QR of a (d, r) matrix has min(d, r)
        orthonormal columns; spectrans accepts rank > d and crashes at ``compute``).
    init_scale : float
        :math:`V = \mathrm{QR}(\mathcal{N}(0,1)^{d\times r}\cdot s).Q`,
        :math:`\lambda = \mathrm{linspace}(1, 0.1, r)\,s`.
    trainable_eigenvectors : bool
        ``eigenvectors`` in ``params`` (True) or ``buffers``; ``eigenvalues`` is always a param.
    normalize : bool
        Row-normalize ``compute`` as ``F.normalize``.
    seed : int or numpy.random.Generator, keyword-only
        The draw of :math:`V` (spectrans uses torch's global RNG; load its state_dict to compare).

    Notes
    -----
    :math:`|\lambda|` is not differentiable at 0; the VJPs use :math:`\operatorname{sign}(0) = 0` as torch.
    """

    def __init__(self, input_dim: int, rank: int, init_scale: float = 1.0, trainable_eigenvectors: bool = True,
                 normalize: bool = True, *, seed=0):
        SpectralKernel.__init__(self, rank, normalize)
        self.input_dim = check_positive_int(input_dim, "input_dim")
        if self.rank > self.input_dim:
            raise ValueError(f"rank {self.rank} is larger than the data allows: input_dim {self.input_dim} has at "
                             f"most {self.input_dim} orthonormal directions")
        self.init_scale = float(init_scale)
        self.trainable_eigenvectors = bool(trainable_eigenvectors)
        gen = as_generator(seed)
        q, _ = np.linalg.qr(gen.standard_normal((self.input_dim, self.rank)) * self.init_scale)
        eigenvalues = np.linspace(1.0, 0.1, self.rank) * self.init_scale
        if self.trainable_eigenvectors:
            self._init_arrays({"eigenvectors": q, "eigenvalues": eigenvalues}, {})
        else:
            self._init_arrays({"eigenvalues": eigenvalues}, {"eigenvectors": q})

    def _weights(self):
        xp = self.xp
        return xp.sqrt(xp.abs(self._array("eigenvalues")) + EIGENVALUE_EPS)

    def extract_features(self, x):
        r""":math:`\Phi(X) = (XV)\,\mathrm{diag}(w)`, (..., n, d) -> (..., n, r)."""
        check_kernel_input(x, input_dim=self.input_dim, owner="LearnableSpectralKernel")
        self._check_against_arrays(x)
        xp = namespace(x)
        return xp.matmul(x, self._array("eigenvectors")) * self._weights()

    def extract_features_vjp(self, dphi, x, phi):
        r"""``(dx, grads)`` of :meth:`extract_features`.

        .. math::
            \bar P = \bar\Phi\,\mathrm{diag}(w), \quad \bar X = \bar P V^T, \quad
            \bar V = \sum_{\text{batch}} X^T\bar P,
            \quad \bar\lambda_k = \frac{\operatorname{sign}(\lambda_k)}{2 w_k}\sum \bar\Phi_{:,k} P_{:,k},

        with :math:`P = XV` and :math:`\operatorname{sign}(0) = 0`.
        """
        xp = namespace(dphi, x)
        v = self._array("eigenvectors")
        lam = self._array("eigenvalues")
        w = self._weights()
        p = xp.matmul(x, v)
        dp = dphi * w
        dx = xp.matmul(dp, _mT(v, xp))
        grads = {}
        if "eigenvectors" in self.params:
            d, r = v.shape
            grads["eigenvectors"] = xp.matmul(_mT(xp.reshape(x, (-1, d)), xp), xp.reshape(dp, (-1, r)))
        dw = sum_to_shape(dphi * p, tuple(w.shape))
        grads["eigenvalues"] = dw * xp.sign(lam) / (2.0 * w)
        return dx, {k: grads[k] for k in self.params}

    def _raw(self, x, y):
        xp = namespace(x, y)
        return xp.matmul(self.extract_features(x), _mT(self.extract_features(y), xp))

    def compute(self, x, y):
        r""":math:`K = \Phi(X)\Phi(Y)^T`, rows divided by :math:`\max(\|K_i\|, 10^{-12})` if normalize."""
        check_kernel_pair(x, y, input_dim=self.input_dim, owner="LearnableSpectralKernel")
        k0 = self._raw(x, y)
        return _normalize_rows_clamped(k0) if self.normalize else k0

    def compute_vjp(self, dk, x, y, k):
        r"""``(dx, dy, grads)``: the row normalization's VJP (:math:`(\bar K - K (K\cdot\bar K))/\|K_i\|`),
        then :math:`\bar\Phi_x = \bar K_0\Phi_y`, :math:`\bar\Phi_y = \bar K_0^T\Phi_x` through
        :meth:`extract_features_vjp`; the params' two gradients add."""
        xp = namespace(dk, x, y)
        phi_x, phi_y = self.extract_features(x), self.extract_features(y)
        dk0 = dk
        if self.normalize:
            dk0 = _normalize_rows_clamped_vjp(dk, xp.matmul(phi_x, _mT(phi_y, xp)), k)
        dx, gx = self.extract_features_vjp(sum_to_shape(xp.matmul(dk0, phi_y), tuple(phi_x.shape)), x, phi_x)
        dy, gy = self.extract_features_vjp(sum_to_shape(xp.matmul(_mT(dk0, xp), phi_x), tuple(phi_y.shape)),
                                           y, phi_y)
        return dx, dy, {name: gx[name] + gy[name] for name in gx}

    def forward(self, x, y=None):
        """``extract_features(x)`` when ``y`` is None, else ``compute(x, y)`` (as spectrans)."""
        return self.extract_features(x) if y is None else self.compute(x, y)

    def __call__(self, x, y=None):
        return self.forward(x, y)

    def orthogonalize_eigenvectors(self):
        r"""A new kernel with :math:`V` replaced by the Q of its reduced QR (spectrans mutates in place).

        As spectrans, only when the eigenvectors are trainable (otherwise the kernel is returned unchanged).
        QR is computed on the host with LAPACK (numpy), the factorization torch uses, so the signs agree
        with spectrans's. It is a projection step, not differentiated (spectrans runs it under
        ``no_grad``).
        """
        if not self.trainable_eigenvectors:
            return self
        xp = self.xp
        v = self._array("eigenvectors")
        q, _ = np.linalg.qr(to_numpy(v))
        return self._replaced({"eigenvectors": xp.asarray(q.astype(dtype_name(v.dtype)), device=device_of(v))})

    def spectral_decomposition(self, x):
        """:func:`gram_spectral_decomposition` of ``x`` with this kernel's rank (spectrans's base method)."""
        return gram_spectral_decomposition(x, self.rank, self.normalize)


# ----------------------------------------------------------------------------------------------------------
# PolynomialSpectralKernel


class PolynomialSpectralKernel(SpectralKernel):
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
        self.degree = check_positive_int(degree, "degree", minimum=0)
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
        k = self._power(xp, self.alpha * xp.matmul(x, _mT(y, xp)) + self.coef0)
        if self.normalize:
            k = k / (xp.matmul(_row_norm(xp, x), _mT(_row_norm(xp, y), xp)) + NORM_EPS)
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
        xp = namespace(dk, x, y)
        t = self.alpha * xp.matmul(x, _mT(y, xp)) + self.coef0
        if self.normalize:
            a, b = _row_norm(xp, x), _row_norm(xp, y)
            den = xp.matmul(a, _mT(b, xp)) + NORM_EPS
            dt = dk / den * self._dpower(xp, t)
            dden = -dk * k / den
            unit_x = x / xp.where(a > 0, a, xp.ones_like(a))
            unit_y = y / xp.where(b > 0, b, xp.ones_like(b))
            dx = self.alpha * xp.matmul(dt, y) + xp.matmul(dden, b) * unit_x
            dy = self.alpha * xp.matmul(_mT(dt, xp), x) + xp.matmul(_mT(dden, xp), a) * unit_y
        else:
            dt = dk * self._dpower(xp, t)
            dx = self.alpha * xp.matmul(dt, y)
            dy = self.alpha * xp.matmul(_mT(dt, xp), x)
        return sum_to_shape(dx, tuple(x.shape)), sum_to_shape(dy, tuple(y.shape))

    # -- attention on a shared PCA subspace -------------------------------------------------------------

    def _attention_parts(self, q, k):
        xp = namespace(q, k)
        qc = q - xp.mean(q, axis=-2, keepdims=True)
        kc = k - xp.mean(k, axis=-2, keepdims=True)
        count = q.shape[-2] + k.shape[-2]
        cov = (xp.matmul(_mT(qc, xp), qc) + xp.matmul(_mT(kc, xp), kc)) / count
        mu, u = xp.linalg.eigh(cov)
        d = q.shape[-1]
        u_top = u[..., d - self.rank:]
        proj = xp.matmul(u_top, _mT(u_top, xp))
        score = self.alpha * xp.matmul(qc, xp.matmul(proj, _mT(kc, xp))) + self.coef0
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
        xp = namespace(da, q, k)
        self._check_rank(q)
        qc, kc, count, mu, u, proj, score = self._attention_parts(q, k)
        s = self._power(xp, score)
        ds = softmax_vjp(da, s, a, axis=-1) if self.normalize else da
        dg = self.alpha * ds * self._dpower(xp, score)
        dqc = xp.matmul(dg, xp.matmul(kc, proj))
        dkc = xp.matmul(_mT(dg, xp), xp.matmul(qc, proj))
        d = q.shape[-1]
        if self.rank < d:
            cut = d - self.rank
            _check_gap(xp, mu[..., cut], mu[..., cut - 1], xp.abs(mu[..., -1]),
                       "PolynomialSpectralKernel.compute_attention_vjp")
            dproj = xp.matmul(_mT(qc, xp), xp.matmul(dg, kc))
            dcov = _projector_vjp(dproj, u[..., cut:], mu[..., cut:], u[..., :cut], mu[..., :cut])
            dqc = dqc + (2.0 / count) * xp.matmul(qc, dcov)
            dkc = dkc + (2.0 / count) * xp.matmul(kc, dcov)
        dq = dqc - xp.mean(dqc, axis=-2, keepdims=True)
        dk = dkc - xp.mean(dkc, axis=-2, keepdims=True)
        return sum_to_shape(dq, tuple(q.shape)), sum_to_shape(dk, tuple(k.shape))

    def spectral_decomposition(self, x):
        """:func:`gram_spectral_decomposition` of ``x`` with this kernel's rank (spectrans's base method)."""
        return gram_spectral_decomposition(x, self.rank, self.normalize)


# ----------------------------------------------------------------------------------------------------------
# TruncatedSVDKernel


class TruncatedSVDKernel(SpectralKernel):
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
        self.use_randomized = bool(use_randomized)
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
        u_b, s_b, vh_b = xp.linalg.svd(xp.matmul(_mT(q, xp), a), full_matrices=False)
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
        a = xp.matmul(x, _mT(y, xp))
        if self.use_randomized:
            if rng is None:
                raise ValueError("TruncatedSVDKernel(use_randomized=True).compute needs rng= (a seed or "
                                 "numpy.random.Generator) for the random test matrix")
            ar = self._randomized(a, as_generator(rng))
        else:
            ar = self._exact(a)
        return _normalize_rows_shifted(ar) if self.normalize else ar

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
        if self.use_randomized:
            raise NotImplementedError("TruncatedSVDKernel: the randomized path has no VJP (it is a random "
                                      "estimate of the exact truncation; differentiate use_randomized=False)")
        self._check(x, y)
        xp = namespace(dk, x, y)
        a = xp.matmul(x, _mT(y, xp))
        r = self.rank
        d = x.shape[-1]
        if self.normalize:
            dar = _normalize_rows_shifted_vjp(dk, self._exact(a))
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
            proj = xp.matmul(u_top, _mT(u_top, xp))
            g_b = _projector_vjp(xp.matmul(dar, _mT(a, xp)), u_top, mu[..., :r], u_bot, mu[..., r:])
            da = xp.matmul(proj, dar) + 2.0 * xp.matmul(g_b, a)
        dx = sum_to_shape(xp.matmul(da, y), tuple(x.shape))
        dy = sum_to_shape(xp.matmul(_mT(da, xp), x), tuple(y.shape))
        return dx, dy

    def spectral_decomposition(self, x):
        """:func:`gram_spectral_decomposition` of ``x`` with this kernel's rank (spectrans's base method)."""
        return gram_spectral_decomposition(x, self.rank, self.normalize)


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _draw(rng, xp, dtype, shape, scales=None):
    host = rng.standard_normal(shape)
    if scales is not None:  # distinct column scales: well-separated spectra, so truncations are smooth
        host = host * np.asarray(scales)
    return xp.asarray(host.astype(dtype), dtype=getattr(xp, dtype))


def _make_fourier(rng, xp, dtype, *, batch=(2,), n=3, m=4, d=7, rank=3, filter_type="gaussian", features=False):
    kernel = FourierKernel(rank, d, filter_type=filter_type).astype(dtype).to(xp)
    filt = xp.asarray(kernel.params["filter"] + xp.asarray(rng.uniform(-0.3, 0.3, rank).astype(dtype)))
    x = _draw(rng, xp, dtype, (*batch, n, d))
    if features:
        return Inputs((x, filt), {"kernel": kernel})
    return Inputs((x, _draw(rng, xp, dtype, (m, d)), filt), {"kernel": kernel})


def _fourier_compute(x, y, filt, *, kernel):
    return kernel.with_params([filt]).compute(x, y)


def _fourier_compute_vjp(dk, x, y, filt, k, *, kernel):
    dx, dy, grads = kernel.with_params([filt]).compute_vjp(dk, x, y, k)
    return dx, dy, grads["filter"]


def _fourier_features(x, filt, *, kernel):
    return kernel.with_params([filt]).extract_features(x)


def _fourier_features_vjp(dphi, x, filt, phi, *, kernel):
    dx, grads = kernel.with_params([filt]).extract_features_vjp(dphi, x, phi)
    return dx, grads["filter"]


def _ref_fourier(x, y, filt, *, kernel):
    r = kernel.rank
    xf = np.fft.rfft(x, axis=-1)[..., :r] * filt
    yf = np.fft.rfft(y, axis=-1)[..., :r] * filt
    return np.mean((xf[..., :, None, :] * np.conj(yf[..., None, :, :])).real, axis=-1)


def _fourier_scale(p) -> float:
    # rfft over d points (2(1 + log2 d), fft_error_scale) + filter product and real part (4) + a 2r-term dot
    # (2r + 1) per side: c = 2 (2(1 + log2 d) + 4) + 2 r + 1
    return 2.0 * (2.0 * (1.0 + math.log2(p.get("d", 7))) + 4.0) + 2.0 * p.get("rank", 3) + 1.0


def _make_learnable(rng, xp, dtype, *, batch=(2,), n=3, m=4, d=5, rank=3, normalize=True, trainable=True,
                    features=False):
    kernel = LearnableSpectralKernel(d, rank, trainable_eigenvectors=trainable, normalize=normalize,
                                     seed=int(rng.integers(2**31))).astype(dtype).to(xp)
    # eigenvalues of both signs, away from the kink of |lambda| at 0
    lam = np.sign(rng.standard_normal(rank)) * rng.uniform(0.3, 1.5, rank)
    kernel = kernel._replaced({"eigenvalues": xp.asarray(lam.astype(dtype))})
    x = _draw(rng, xp, dtype, (*batch, n, d))
    params = tuple(kernel.params.values())
    if features:
        return Inputs((x, *params), {"kernel": kernel})
    return Inputs((x, _draw(rng, xp, dtype, (m, d)), *params), {"kernel": kernel})


def _learnable_compute(x, y, *params, kernel):
    return kernel.with_params(params).compute(x, y)


def _learnable_compute_vjp(dk, x, y, *params_and_k, kernel):
    params, k = params_and_k[:-1], params_and_k[-1]
    bound = kernel.with_params(params)
    dx, dy, grads = bound.compute_vjp(dk, x, y, k)
    return (dx, dy, *(grads[name] for name in bound.params))


def _learnable_features(x, *params, kernel):
    return kernel.with_params(params).extract_features(x)


def _learnable_features_vjp(dphi, x, *params_and_phi, kernel):
    params, phi = params_and_phi[:-1], params_and_phi[-1]
    bound = kernel.with_params(params)
    dx, grads = bound.extract_features_vjp(dphi, x, phi)
    return (dx, *(grads[name] for name in bound.params))


def _ref_learnable(x, y, *params, kernel):
    v = params[0] if len(params) == 2 else to_numpy(kernel.buffers["eigenvectors"])
    w = np.sqrt(np.abs(params[-1]) + EIGENVALUE_EPS)
    k0 = ((x @ v) * w) @ np.swapaxes((y @ v) * w, -1, -2)
    if kernel.normalize:
        k0 = k0 / np.maximum(np.linalg.norm(k0, axis=-1, keepdims=True), NORMALIZE_EPS)
    return k0


def _make_poly_spectral(rng, xp, dtype, *, batch=(2,), n=3, m=4, d=5, degree=2, normalize=True, rank=2,
                        attention=False, alpha=1.0, coef0=1.0):
    kernel = PolynomialSpectralKernel(rank, degree=degree, coef0=coef0, alpha=alpha, normalize=normalize)
    scales = [3.0, 2.0, 1.2, 0.6, 0.3, 0.15][:d] if attention else None
    x = _draw(rng, xp, dtype, (*batch, n, d), scales)
    y = _draw(rng, xp, dtype, (*batch, m, d), scales)
    return Inputs((x, y), {"kernel": kernel})


def _poly_compute(x, y, *, kernel):
    return kernel.compute(x, y)


def _poly_compute_vjp(dk, x, y, k, *, kernel):
    return kernel.compute_vjp(dk, x, y, k)


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


def _make_svd(rng, xp, dtype, *, batch=(2,), n=5, m=4, d=4, rank=2, normalize=True):
    kernel = TruncatedSVDKernel(rank, normalize=normalize)
    scales = [4.0, 2.0, 1.0, 0.5, 0.25, 0.125][:d]
    return Inputs((_draw(rng, xp, dtype, (*batch, n, d), scales), _draw(rng, xp, dtype, (m, d), scales)),
                  {"kernel": kernel})


def _svd_compute(x, y, *, kernel):
    return kernel.compute(x, y)


def _svd_compute_vjp(dk, x, y, k, *, kernel):
    return kernel.compute_vjp(dk, x, y, k)


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
    Case(
        name="FourierKernel.compute",
        forward=_fourier_compute,
        vjp=_fourier_compute_vjp,
        argnums=(0, 1, 2),
        make=_make_fourier,
        grid=(
            {"batch": (2,), "n": 3, "m": 4, "d": 7, "rank": 3},
            {"batch": (), "n": 4, "m": 2, "d": 8, "rank": 5, "filter_type": "butterworth"},
            {"batch": (2, 1), "n": 2, "m": 3, "d": 6, "rank": 4, "filter_type": "ideal"},
        ),
        error_scale=_fourier_scale,
        error_reason="rfft (2(1 + log2 d)) and the filter product per side, then a 2r-term dot",
        reference=_ref_fourier,
    ),
    Case(
        name="FourierKernel.extract_features",
        forward=_fourier_features,
        vjp=_fourier_features_vjp,
        argnums=(0, 1),
        make=lambda rng, xp, dtype, **p: _make_fourier(rng, xp, dtype, features=True, **p),
        grid=({"batch": (2,), "n": 3, "d": 7, "rank": 4}, {"batch": (), "n": 2, "d": 8, "rank": 5}),
        error_scale=_fourier_scale,
        error_reason="rfft (2(1 + log2 d)) and the filter product (4)",
    ),
    Case(
        name="LearnableSpectralKernel.compute",
        forward=_learnable_compute,
        vjp=_learnable_compute_vjp,
        argnums=(0, 1, 2, 3),
        make=_make_learnable,
        grid=(
            {"batch": (2,), "n": 3, "m": 4, "d": 5, "rank": 3, "normalize": True},
            {"batch": (), "n": 4, "m": 2, "d": 4, "rank": 4, "normalize": False},
        ),
        full_grid=(
            {"batch": (2,), "n": 3, "m": 4, "d": 5, "rank": 3, "normalize": True},
            {"batch": (), "n": 4, "m": 2, "d": 4, "rank": 4, "normalize": False},
            {"batch": (2, 1), "n": 2, "m": 3, "d": 3, "rank": 1, "normalize": True},
        ),
        # x V (d terms) and the weights per side, an r-term dot, the row norm (m terms) and division
        error_scale=lambda p: 2.0 * (p["d"] + p["rank"] + p["m"]) + 8.0,
        error_reason="d-term projections, r-term dot, m-term row norm (gamma_k each) and a few roundings",
        reference=_ref_learnable,
    ),
    Case(
        name="LearnableSpectralKernel.compute.frozen",
        forward=_learnable_compute,
        vjp=_learnable_compute_vjp,
        argnums=(0, 1, 2),
        make=lambda rng, xp, dtype, **p: _make_learnable(rng, xp, dtype, trainable=False, **p),
        grid=({"batch": (2,), "n": 3, "m": 2, "d": 4, "rank": 2, "normalize": True},),
        error_scale=lambda p: 2.0 * (p["d"] + p["rank"] + p["m"]) + 8.0,
        error_reason="d-term projections, r-term dot, m-term row norm (gamma_k each) and a few roundings",
    ),
    Case(
        name="LearnableSpectralKernel.extract_features",
        forward=_learnable_features,
        vjp=_learnable_features_vjp,
        argnums=(0, 1, 2),
        make=lambda rng, xp, dtype, **p: _make_learnable(rng, xp, dtype, features=True, **p),
        grid=({"batch": (2,), "n": 3, "d": 5, "rank": 3},),
        error_scale=lambda p: 2.0 * p["d"] + 6.0,
        error_reason="a d-term projection (gamma_d), the square root and the product",
    ),
    Case(
        name="PolynomialSpectralKernel.compute",
        forward=_poly_compute,
        vjp=_poly_compute_vjp,
        argnums=(0, 1),
        make=_make_poly_spectral,
        grid=(
            {"batch": (2,), "n": 3, "m": 4, "d": 5, "degree": 2, "normalize": True},
            {"batch": (2, 1), "n": 2, "m": 3, "d": 3, "degree": 3, "normalize": False, "coef0": 0.5},
            {"batch": (), "n": 3, "m": 2, "d": 4, "degree": 0, "normalize": True},
        ),
        # the dot (gamma_d of sum|x||y| <= sqrt(d) max|T|), times p for the power, two d-term norms and the
        # division: c = 2 (p (d + 2) + 2 d + 4)
        error_scale=lambda p: 2.0 * (p["degree"] * (p["d"] + 2) + 2 * p["d"] + 4),
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
    Case(
        name="TruncatedSVDKernel.compute",
        forward=_svd_compute,
        vjp=_svd_compute_vjp,
        argnums=(0, 1),
        make=_make_svd,
        grid=(
            {"batch": (2,), "n": 5, "m": 4, "d": 4, "rank": 2, "normalize": True},
            {"batch": (), "n": 3, "m": 6, "d": 4, "rank": 1, "normalize": False},
            {"batch": (), "n": 4, "m": 5, "d": 3, "rank": 3, "normalize": True},
        ),
        error_scale=_svd_scale,
        error_reason="matmul, SVD (backward stable, amplified by s_1 / gap <= 20 here) and the normalization",
        reference=_ref_svd,
    ),
]
