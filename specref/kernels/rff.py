r"""Random Fourier features for the Gaussian and Laplacian kernels (``spectrans.kernels.rff``, seed 000).

Bochner's theorem writes a shift-invariant kernel with :math:`\kappa(0) = 1` as an expectation over a
probability density :math:`p` of frequencies,

.. math::
    k(\mathbf{x}, \mathbf{y}) = \kappa(\mathbf{x} - \mathbf{y})
    = \mathbb{E}_{\boldsymbol\omega \sim p}\left[\cos(\boldsymbol\omega\cdot(\mathbf{x} - \mathbf{y}))\right]
    = \mathbb{E}_{\boldsymbol\omega, b}\left[2\cos(\boldsymbol\omega\cdot\mathbf{x} + b)
      \cos(\boldsymbol\omega\cdot\mathbf{y} + b)\right],\quad b \sim U[0, 2\pi),

so with :math:`m` draws :math:`W = [\boldsymbol\omega_1 \dots \boldsymbol\omega_m]` (the ``omega`` array,
``(d, m)``) and phases ``bias`` (``(m,)``) the features

.. math::
    \varphi(\mathbf{x}) = \sqrt{2/m}\,\cos(\mathbf{x}^T W + \mathbf{b})
    \quad\text{or}\quad
    \varphi(\mathbf{x}) = \sqrt{1/m}\,[\cos(\mathbf{x}^T W + \mathbf{b}),\ \sin(\mathbf{x}^T W + \mathbf{b})]

give an unbiased estimate :math:`\varphi(\mathbf{x})^T\varphi(\mathbf{y})` of :math:`k(\mathbf{x}, \mathbf{y})`
whose standard deviation falls like :math:`m^{-1/2}` (the phase cancels in the second form).

This module is the one home of the random Fourier feature map and of the random draws, for every class that
uses them (here and in :mod:`specref.kernels.rff_structured` and :mod:`specref.kernels.attention_features`):

- :func:`fourier_features` / :func:`fourier_features_vjp`: the map :math:`Z + \mathbf{b} \mapsto \varphi` of
  projected inputs :math:`Z = XW` (any projection: a dense matrix, or the Hadamard-structured SORF product);
- :func:`rff_features` / :func:`rff_features_vjp`: the same map with a dense frequency matrix, :math:`Z = XW`;
- the samplers :func:`sample_gaussian_frequencies`, :func:`sample_orthogonal_gaussian_frequencies`,
  :func:`sample_cauchy_frequencies` and :func:`sample_phases` (host NumPy float64). One seed gives the same
  frequencies and phases whichever class draws them: ``GaussianRFFKernel(d, m, sigma=s, orthogonal=True,
  seed=k)`` and ``OrthogonalRandomFeatures(d, m, sigma=s, seed=k)`` compute the same features, bit for bit.

The map, its samplers and the two kernels built on them are one family (hence over 600 lines): the kernels
are the map applied to the samplers' draws, and their cases share the builders at the bottom.

Differences from spectrans (validation/FINDINGS.md):

- ``GaussianRFFKernel(orthogonal=True)``: spectrans scales orthogonal columns to the fixed norm
  :math:`\sqrt d/\sigma`, which is biased (the columns of a Gaussian matrix have :math:`\chi_d`-distributed
  norms); specref draws Haar-orthogonal blocks (QR with the sign fix :math:`Q\,\mathrm{diag}(\mathrm{sign}\,
  \mathrm{diag} R)`) and rescales each column by an independent :math:`\chi_d` norm (Yu et al. 2016), so each
  column is exactly :math:`N(0, \sigma^{-2} I)` and the estimate is unbiased.
- ``LaplacianRFFKernel.spectral_density``: spectrans returns :math:`\prod_i 2\sigma/(\pi(1 + \sigma^2\omega_i^2))`,
  twice the Cauchy density per coordinate (it integrates to :math:`2^d`) and :math:`\pi^{-d}` times the
  Fourier transform; specref returns the density :math:`p` or the Fourier transform :math:`S = (2\pi)^d p`
  (``normalization=``), and the Gaussian's ``normalization="fourier"`` equals spectrans's Gaussian.
- Loaded frequencies are used verbatim; specref's own draws come from an explicit seed (NumPy), never the
  global RNG, so they differ from spectrans's draws of the same integer seed.
"""

from __future__ import annotations

import math

import numpy as np

from specref._args import check_choice, check_flag
from specref.backend import as_generator, check_float_dtype, check_same_precision, namespace, random_normal
from specref.kernels.base import (
    DENSITY_NORMALIZATIONS,
    RandomFeatureMap,
    ShiftInvariantKernel,
    check_kernel_input,
    check_positive_float,
    check_projection,
    split_trainable,
    sum_outer_rows,
    sum_rows,
)
from specref.kernels.cases import gram_matrix_case, kernel_approximation_case
from specref.ops._common import check_cotangent
from specref.ops.broadcast import sum_to_shape
from specref.testing.case import Case, Inputs

__all__ = [
    "GaussianRFFKernel", "LaplacianRFFKernel", "fourier_features", "fourier_features_vjp", "rff_features",
    "rff_features_vjp", "sample_gaussian_frequencies", "sample_orthogonal_gaussian_frequencies",
    "sample_cauchy_frequencies", "sample_phases",
]


# ----------------------------------------------------------------------------------------------------------
# frequency samplers (host NumPy float64; the kernels cast and move with astype/to)


def sample_gaussian_frequencies(rng, input_dim: int, num_features: int, sigma: float = 1.0) -> np.ndarray:
    r"""i.i.d. frequencies :math:`\omega_{ij} \sim N(0, \sigma^{-2})`, shape ``(input_dim, num_features)``."""
    sigma = check_positive_float(sigma, "sigma")
    return as_generator(rng).standard_normal((input_dim, num_features)) / sigma


def sample_orthogonal_gaussian_frequencies(rng, input_dim: int, num_features: int, sigma: float = 1.0, *,
                                           norms: str = "chi") -> np.ndarray:
    r"""Orthogonal random features :math:`W = \sigma^{-1} [Q_1 S_1, Q_2 S_2, \dots]_{:, :m}` (Yu et al. 2016).

    Each block :math:`Q_b` is Haar-distributed on :math:`O(d)`: the Q factor of a :math:`d \times d` standard
    Gaussian matrix with the sign fix :math:`Q\,\mathrm{diag}(\mathrm{sign}\,\mathrm{diag} R)` (without it
    LAPACK's Householder QR is not Haar, Mezzadri 2006). :math:`B = \lceil m/d \rceil` blocks are drawn and
    the first :math:`m` columns kept. ``norms="chi"``: :math:`S_b = \mathrm{diag}(s_j)` holds independent
    :math:`\chi_d` lengths, and a uniformly random direction times a :math:`\chi_d` length is a standard
    Gaussian vector, so each column is exactly :math:`N(0, \sigma^{-2}I)` (the estimate stays unbiased) while
    columns within a block are orthogonal (lower variance). ``norms="fixed"``: every column has length
    :math:`\sqrt d/\sigma` (spectrans's choice; biased, kept to reproduce the finding).

    Draw order, block by block: the :math:`d^2` normals of the block's Gaussian matrix (row-major), then its
    :math:`d` chi-square draws; so the first columns do not depend on ``num_features``.
    """
    check_choice(norms, ("chi", "fixed"), "norms")
    sigma = check_positive_float(sigma, "sigma")
    gen = as_generator(rng)
    d, m = input_dim, num_features
    blocks = []
    for _ in range(-(-m // d)):
        q, r = np.linalg.qr(gen.standard_normal((d, d)))
        signs = np.where(np.diag(r) < 0, -1.0, 1.0)  # sign(0) taken as +1: probability zero anyway
        lengths = np.sqrt(gen.chisquare(d, size=d)) if norms == "chi" else np.full(d, math.sqrt(d))
        blocks.append(q * signs * lengths)
    return np.concatenate(blocks, axis=1)[:, :m] / sigma


def sample_cauchy_frequencies(rng, input_dim: int, num_features: int, sigma: float = 1.0) -> np.ndarray:
    r"""i.i.d. Cauchy frequencies of scale :math:`1/\sigma`: :math:`\tan(\pi(u - 1/2))/\sigma`, :math:`u \sim U[0,1)`.

    The Cauchy law of scale :math:`1/\sigma` has the characteristic function :math:`e^{-|t|/\sigma}`, so
    independent coordinates give the L1 Laplacian kernel :math:`\exp(-\|\delta\|_1/\sigma)`.
    """
    sigma = check_positive_float(sigma, "sigma")
    u = as_generator(rng).uniform(0.0, 1.0, (input_dim, num_features))
    return np.tan(np.pi * (u - 0.5)) / sigma


def sample_phases(rng, num_features: int) -> np.ndarray:
    r"""Phases :math:`b_j \sim U[0, 2\pi)`, shape ``(num_features,)``."""
    return as_generator(rng).uniform(0.0, 2.0 * np.pi, (num_features,))


# ----------------------------------------------------------------------------------------------------------
# the feature map and its VJP


def _check_fourier_arguments(z, bias, where: str):
    """``z`` real (..., n, m) and ``bias`` (m,) of one precision: one phase per column of ``z``."""
    check_float_dtype(z, allow_complex=False, name="z")
    check_float_dtype(bias, allow_complex=False, name="bias")
    if z.ndim < 1 or bias.ndim != 1 or z.shape[-1] != bias.shape[0]:
        raise ValueError(f"{where}: z has shape {tuple(z.shape)} and bias has shape {tuple(bias.shape)}; accepted: "
                         "z of shape (..., n, m) and bias of shape (m,), one phase per column of z")
    check_same_precision(z, bias, names=["z", "bias"])


def fourier_features(z, bias, *, use_cos_sin: bool = False):
    r"""The random Fourier feature map of projected inputs ``z`` (..., n, m) with phases ``bias`` (m,).

    .. math::
        \varphi = \sqrt{2/m}\cos(Z + \mathbf{b}) \quad\text{or}\quad
        \varphi = \sqrt{1/m}\,[\cos(Z + \mathbf{b}), \sin(Z + \mathbf{b})]

    (``use_cos_sin``: output ``(..., n, 2m)``), with :math:`m` = ``bias.shape[0]``. :math:`Z = XW` is the
    projection of the inputs on the frequencies: :func:`rff_features` (a dense :math:`W`) and
    :func:`specref.kernels.rff_structured.sorf_features` (the Hadamard-structured :math:`W`) call this map.

    See Also
    --------
    fourier_features_vjp
    """
    xp = namespace(z, bias)
    _check_fourier_arguments(z, bias, "fourier_features")
    m = bias.shape[-1]
    u = z + bias
    if use_cos_sin:
        return math.sqrt(1.0 / m) * xp.concat([xp.cos(u), xp.sin(u)], axis=-1)
    return math.sqrt(2.0 / m) * xp.cos(u)


def fourier_features_vjp(dphi, z, bias, phi, *, use_cos_sin: bool = False):
    r"""``(dz, dbias)``: the VJP of :func:`fourier_features`.

    .. math::
        \bar Z = -\sqrt{2/m}\,\sin(Z + \mathbf{b}) \odot \bar\varphi
        \quad\text{or}\quad
        \bar Z = \varphi_c \odot \bar\varphi_s - \varphi_s \odot \bar\varphi_c,
        \qquad \bar{\mathbf{b}} = \sum_{\text{rows}} \bar Z

    (cos+sin: :math:`\varphi_c = \sqrt{1/m}\cos` and :math:`\varphi_s = \sqrt{1/m}\sin` are read from the
    output ``phi``; cos only: the sine is recomputed, its sign is not in the output). The sum runs over every
    leading axis: all rows share :math:`\mathbf{b}`.
    """
    check_cotangent(dphi, z, phi, "fourier_features_vjp", names=("dphi", "z", "phi"))
    xp = namespace(dphi, z, bias)
    _check_fourier_arguments(z, bias, "fourier_features_vjp")
    m = bias.shape[-1]
    if use_cos_sin:
        phi_c, phi_s = phi[..., :m], phi[..., m:]
        dz = phi_c * dphi[..., m:] - phi_s * dphi[..., :m]
    else:
        dz = -math.sqrt(2.0 / m) * xp.sin(z + bias) * dphi
    return dz, sum_rows(dz)


def _check_rff_arguments(x, omega, bias, where: str):
    check_kernel_input(x, owner=where)
    check_projection(x, omega, owner=where, name="omega")
    m = omega.shape[1]
    if tuple(bias.shape) != (m,):
        raise ValueError(f"{where}: bias must have shape ({m},), one phase per column of omega, got "
                         f"{tuple(bias.shape)}")
    check_same_precision(x, bias, names=["x", "bias"])


def rff_features(x, omega, bias, *, use_cos_sin: bool = False):
    r"""Random Fourier features of ``x`` (..., n, d) with frequencies ``omega`` (d, m) and phases ``bias`` (m,).

    .. math::
        Z = X W, \qquad
        \varphi = \sqrt{2/m}\cos(Z + \mathbf{b}) \quad\text{or}\quad
        \varphi = \sqrt{1/m}\,[\cos(Z + \mathbf{b}), \sin(Z + \mathbf{b})]

    (:func:`fourier_features` of the projection; ``use_cos_sin``: output ``(..., n, 2m)``). The scale uses
    :math:`m` = ``omega.shape[-1]``, as spectrans. With :math:`\boldsymbol\omega \sim p` (the kernel's
    spectral density) and :math:`b \sim U[0, 2\pi)`, :math:`\varphi(x)\cdot\varphi(y)` is an unbiased
    estimate of :math:`k(x, y)` (Bochner).

    Raises
    ------
    ValueError
        For ``x`` not of shape (..., n, d), ``omega`` not (d, m), ``bias`` not (m,).
    TypeError
        For non-float or mixed-precision arrays.

    See Also
    --------
    rff_features_vjp
    """
    _check_rff_arguments(x, omega, bias, "rff_features")
    xp = namespace(x, omega, bias)
    return fourier_features(xp.matmul(x, omega), bias, use_cos_sin=use_cos_sin)


def rff_features_vjp(dphi, x, omega, bias, phi, *, use_cos_sin: bool = False):
    r"""``(dx, domega, dbias)``: the VJP of :func:`rff_features`.

    :math:`\bar Z` and :math:`\bar{\mathbf{b}}` from :func:`fourier_features_vjp`, then

    .. math::
        \bar X = \bar Z W^T, \qquad \bar W = \sum_{\text{rows}} X^T \bar Z,

    the sum running over every leading axis (all rows share :math:`W`).
    """
    check_cotangent(dphi, x, phi, "rff_features_vjp", names=("dphi", "x", "phi"))
    xp = namespace(dphi, x, omega, bias)
    dz, dbias = fourier_features_vjp(dphi, xp.matmul(x, omega), bias, phi, use_cos_sin=use_cos_sin)
    dx = sum_to_shape(xp.matmul(dz, xp.matrix_transpose(omega)), tuple(x.shape))
    domega = sum_outer_rows(xp.broadcast_to(x, (*dz.shape[:-1], x.shape[-1])), dz)
    return dx, domega, dbias


# ----------------------------------------------------------------------------------------------------------
# the kernels


def _check_frequencies(omega):
    """``omega`` is a real floating array of shape (..., d) with d >= 1."""
    check_float_dtype(omega, allow_complex=False, name="omega")
    if omega.ndim < 1 or omega.shape[-1] < 1:
        raise ValueError(f"spectral_density needs frequencies of shape (..., d), d >= 1; got {tuple(omega.shape)}")


class _RFFKernel(ShiftInvariantKernel, RandomFeatureMap):
    """What the Gaussian and Laplacian RFF kernels share: the arrays, the feature map and its VJPs."""

    def _init_rff(self, input_dim, num_features, sigma, use_cos_sin, trainable, seed):
        sigma = check_positive_float(sigma, "sigma")
        ShiftInvariantKernel.__init__(self, bandwidth=1.0 / sigma)
        RandomFeatureMap.__init__(self, input_dim, num_features, kernel_scale=sigma, seed=seed)
        self.sigma = sigma
        self.use_cos_sin = check_flag(use_cos_sin, "use_cos_sin")
        self.trainable = check_flag(trainable, "trainable")
        self.output_features = self.num_features * 2 if self.use_cos_sin else self.num_features

    def _store(self, omega, bias):
        self._init_arrays(*split_trainable({"omega": omega, "bias": bias}, self.trainable))

    @property
    def omega(self):
        """The frequencies ``(input_dim, num_features)`` (a param when trainable, else a buffer)."""
        return self._array("omega")

    @property
    def bias(self):
        """The phases ``(num_features,)`` (a param when trainable, else a buffer)."""
        return self._array("bias")

    def forward(self, x):
        r"""The features :math:`\varphi(\mathbf{x})`, (..., n, input_dim) -> (..., n, output_features)
        (:func:`rff_features`)."""
        self._check_feature_input(x)
        return rff_features(x, self.omega, self.bias, use_cos_sin=self.use_cos_sin)

    def forward_vjp(self, dphi, x, phi):
        r"""``(dx, grads)`` of ``forward`` (:func:`rff_features_vjp`); ``grads`` has ``omega`` and ``bias``
        when trainable and is empty otherwise."""
        check_cotangent(dphi, x, phi, f"{type(self).__name__}.forward_vjp", names=("dphi", "x", "phi"))
        dx, domega, dbias = rff_features_vjp(dphi, x, self.omega, self.bias, phi, use_cos_sin=self.use_cos_sin)
        grads = {"omega": domega, "bias": dbias} if self.trainable else {}
        return dx, grads

class GaussianRFFKernel(_RFFKernel):
    r"""Gaussian kernel :math:`k(\mathbf{x}, \mathbf{y}) = \exp(-\|\mathbf{x} - \mathbf{y}\|^2 / (2\sigma^2))`
    with its random Fourier features (spectrans ``GaussianRFFKernel``).

    Frequencies :math:`\boldsymbol\omega \sim N(0, \sigma^{-2} I)` (the spectral density of the kernel), or
    orthogonal blocks with :math:`\chi_d` norms (:func:`sample_orthogonal_gaussian_frequencies`); phases
    :math:`b \sim U[0, 2\pi)`. ``compute`` is the exact kernel, ``forward`` the features,
    ``kernel_approximation`` their inner products.

    Parameters
    ----------
    input_dim, num_features : int
        ``d`` and the number ``m`` of frequencies (the output has ``m`` features, ``2m`` with ``use_cos_sin``).
    sigma : float
        Length scale (> 0).
    use_cos_sin : bool
        Features :math:`\sqrt{1/m}[\cos, \sin]` instead of :math:`\sqrt{2/m}\cos`.
    orthogonal : bool
        Orthogonal random features (unbiased: :math:`\chi_d` column norms; spectrans's fixed norms are biased).
    trainable : bool
        ``omega`` and ``bias`` are ``params`` (with gradients from ``forward_vjp``) instead of ``buffers``.
    seed : int or numpy.random.Generator
        Source of the draws: ``omega`` first, then ``bias``, by this module's samplers (the same seed gives
        ``OrthogonalRandomFeatures(input_dim, num_features, sigma=sigma)`` the same frequencies and phases
        when ``orthogonal``).

    Examples
    --------
    >>> import numpy as np
    >>> kernel = GaussianRFFKernel(input_dim=4, num_features=8, sigma=1.0, seed=0)
    >>> kernel(np.zeros((2, 3, 4))).shape
    (2, 3, 8)
    """

    def __init__(self, input_dim: int, num_features: int, sigma: float = 1.0, use_cos_sin: bool = False,
                 orthogonal: bool = False, trainable: bool = False, seed=0):
        self._init_rff(input_dim, num_features, sigma, use_cos_sin, trainable, seed)
        self.orthogonal = check_flag(orthogonal, "orthogonal")
        gen = as_generator(seed)
        sample = sample_orthogonal_gaussian_frequencies if self.orthogonal else sample_gaussian_frequencies
        omega = sample(gen, self.input_dim, self.num_features, self.sigma)
        self._store(omega, sample_phases(gen, self.num_features))

    def evaluate_difference(self, diff):
        r""":math:`\kappa(\boldsymbol\delta) = \exp(-\|\boldsymbol\delta\|^2 / (2\sigma^2))`, (..., d) -> (...)."""
        xp = namespace(diff)
        return xp.exp(-xp.sum(diff * diff, axis=-1) / (2.0 * self.sigma**2))

    def evaluate_difference_vjp(self, dk, diff, k):
        r""":math:`\bar{\boldsymbol\delta} = -\bar k\,\kappa(\boldsymbol\delta)\,\boldsymbol\delta / \sigma^2`."""
        check_cotangent(dk, diff, k, f"{type(self).__name__}.evaluate_difference_vjp", names=("dk", "diff", "k"))
        xp = namespace(dk, diff)
        return xp.expand_dims(-(dk * k) / self.sigma**2, axis=-1) * diff

    def spectral_density(self, omega, *, normalization: str = "probability"):
        r"""The spectral density of the Gaussian kernel at ``omega`` (..., d) -> (...).

        .. math::
            p(\boldsymbol\omega) = \left(\frac{\sigma^2}{2\pi}\right)^{d/2}
            e^{-\sigma^2\|\boldsymbol\omega\|^2/2}
            \quad (\text{"probability"}), \qquad
            S(\boldsymbol\omega) = (2\pi)^d p(\boldsymbol\omega) = (2\pi\sigma^2)^{d/2}
            e^{-\sigma^2\|\boldsymbol\omega\|^2/2} \quad (\text{"fourier"}),

        with :math:`\kappa(\boldsymbol\delta) = \int p\, e^{i\boldsymbol\omega\cdot\boldsymbol\delta}
        d\boldsymbol\omega` and :math:`S(\boldsymbol\omega) = \int \kappa\,
        e^{-i\boldsymbol\omega\cdot\boldsymbol\delta} d\boldsymbol\delta`. ``"fourier"`` is spectrans's value.
        """
        normalization = check_choice(normalization, DENSITY_NORMALIZATIONS, "normalization")
        _check_frequencies(omega)
        xp = namespace(omega)
        d = omega.shape[-1]
        two_pi = 2.0 * math.pi
        const = (self.sigma**2 / two_pi) ** (d / 2) if normalization == "probability" else \
            (two_pi * self.sigma**2) ** (d / 2)
        return const * xp.exp(-0.5 * self.sigma**2 * xp.sum(omega * omega, axis=-1))


class LaplacianRFFKernel(_RFFKernel):
    r"""Laplacian (L1) kernel :math:`k(\mathbf{x}, \mathbf{y}) = \exp(-\|\mathbf{x} - \mathbf{y}\|_1 / \sigma)`
    with its random Fourier features (spectrans ``LaplacianRFFKernel``).

    Frequencies with independent Cauchy coordinates of scale :math:`1/\sigma`
    (:func:`sample_cauchy_frequencies`), phases :math:`U[0, 2\pi)`. The Cauchy law has no variance, but the
    features are bounded, so the estimate still has variance :math:`O(1/m)`.

    The kernel is not differentiable where a coordinate of :math:`\mathbf{x} - \mathbf{y}` is zero (the
    diagonal of a Gram matrix); ``compute_vjp`` takes :math:`\mathrm{sign}(0) = 0` there, as torch.

    Parameters
    ----------
    input_dim, num_features, sigma, use_cos_sin, trainable, seed
        As :class:`GaussianRFFKernel` (no orthogonal option, as in spectrans).
    """

    def __init__(self, input_dim: int, num_features: int, sigma: float = 1.0, use_cos_sin: bool = False,
                 trainable: bool = False, seed=0):
        self._init_rff(input_dim, num_features, sigma, use_cos_sin, trainable, seed)
        gen = as_generator(seed)
        omega = sample_cauchy_frequencies(gen, self.input_dim, self.num_features, self.sigma)
        self._store(omega, sample_phases(gen, self.num_features))

    def evaluate_difference(self, diff):
        r""":math:`\kappa(\boldsymbol\delta) = \exp(-\|\boldsymbol\delta\|_1 / \sigma)`, (..., d) -> (...)."""
        xp = namespace(diff)
        return xp.exp(-xp.sum(xp.abs(diff), axis=-1) / self.sigma)

    def evaluate_difference_vjp(self, dk, diff, k):
        r""":math:`\bar{\boldsymbol\delta} = -\bar k\,\kappa(\boldsymbol\delta)\,\mathrm{sign}(\boldsymbol\delta)
        / \sigma` (:math:`\mathrm{sign}(0) = 0`)."""
        check_cotangent(dk, diff, k, f"{type(self).__name__}.evaluate_difference_vjp", names=("dk", "diff", "k"))
        xp = namespace(dk, diff)
        return xp.expand_dims(-(dk * k) / self.sigma, axis=-1) * xp.sign(diff)

    def spectral_density(self, omega, *, normalization: str = "probability"):
        r"""The spectral density of the L1 Laplacian kernel at ``omega`` (..., d) -> (...).

        .. math::
            p(\boldsymbol\omega) = \prod_{i=1}^d \frac{\sigma}{\pi(1 + \sigma^2\omega_i^2)}
            \quad (\text{"probability"}), \qquad
            S(\boldsymbol\omega) = (2\pi)^d p(\boldsymbol\omega)
            = \prod_{i=1}^d \frac{2\sigma}{1 + \sigma^2\omega_i^2} \quad (\text{"fourier"}),

        from :math:`\int_{\mathbb{R}} e^{-|t|/\sigma} e^{-i\omega t} dt = 2\sigma/(1 + \sigma^2\omega^2)`.
        spectrans returns :math:`\prod_i 2\sigma/(\pi(1 + \sigma^2\omega_i^2)) = 2^d p`, which is neither.
        """
        normalization = check_choice(normalization, DENSITY_NORMALIZATIONS, "normalization")
        _check_frequencies(omega)
        xp = namespace(omega)
        numerator = self.sigma / math.pi if normalization == "probability" else 2.0 * self.sigma
        return xp.prod(numerator / (1.0 + (self.sigma * omega) ** 2), axis=-1)


# ----------------------------------------------------------------------------------------------------------
# verification cases

_KERNELS = {"GaussianRFFKernel": GaussianRFFKernel, "LaplacianRFFKernel": LaplacianRFFKernel}


def _kernel(name, d, m, sigma, use_cos_sin, trainable=True):
    return _KERNELS[name](d, m, sigma=sigma, use_cos_sin=use_cos_sin, trainable=trainable, seed=0)


def _make_forward(rng, xp, dtype, *, kernel, batch=(2,), n=3, d=4, m=5, sigma=1.0, use_cos_sin=False):
    gen = as_generator(rng)
    x = random_normal(gen, (*batch, n, d), dtype=dtype, xp=xp)
    if kernel == "GaussianRFFKernel":
        omega_host = sample_gaussian_frequencies(gen, d, m, sigma)
    else:  # Cauchy frequencies clipped to |omega| <= 4/sigma: the finite-difference step must resolve cos(omega x)
        omega_host = np.clip(sample_cauchy_frequencies(gen, d, m, sigma), -4.0 / sigma, 4.0 / sigma)
    omega = xp.asarray(omega_host.astype(dtype))
    bias = xp.asarray(sample_phases(gen, m).astype(dtype))
    return Inputs((x, omega, bias), {"kernel": kernel, "sigma": sigma, "use_cos_sin": use_cos_sin})


def _forward(x, omega, bias, *, kernel, sigma, use_cos_sin):
    d, m = omega.shape
    return _kernel(kernel, d, m, sigma, use_cos_sin).with_params({"omega": omega, "bias": bias}).forward(x)


def _forward_vjp(dphi, x, omega, bias, phi, *, kernel, sigma, use_cos_sin):
    d, m = omega.shape
    k = _kernel(kernel, d, m, sigma, use_cos_sin).with_params({"omega": omega, "bias": bias})
    dx, grads = k.forward_vjp(dphi, x, phi)
    return dx, grads["omega"], grads["bias"]


def _make_compute(rng, xp, dtype, *, kernel, batch=(2,), y_batch=None, n=3, m=4, d=3, sigma=1.5):
    gen = as_generator(rng)
    y_batch = batch if y_batch is None else y_batch
    x = random_normal(gen, (*batch, n, d), dtype=dtype, xp=xp)
    y = random_normal(gen, (*y_batch, m, d), dtype=dtype, xp=xp)
    return Inputs((x, y), {"kernel": kernel, "sigma": sigma})


def _compute(x, y, *, kernel, sigma):
    return _kernel(kernel, x.shape[-1], 1, sigma, False, trainable=False).compute(x, y)


def _compute_vjp(dk, x, y, k, *, kernel, sigma):
    return _kernel(kernel, x.shape[-1], 1, sigma, False, trainable=False).compute_vjp(dk, x, y, k)


def _forward_cases(name):
    return Case(
        name=f"{name}.forward",
        forward=_forward,
        vjp=_forward_vjp,
        argnums=(0, 1, 2),
        make=lambda rng, xp, dtype, **p: _make_forward(rng, xp, dtype, kernel=name, **p),
        grid=(
            {"batch": (2,), "n": 3, "d": 4, "m": 5, "sigma": 1.0, "use_cos_sin": False},
            {"batch": (2, 1), "n": 2, "d": 3, "m": 4, "sigma": 2.0, "use_cos_sin": True},
            {"batch": (), "n": 3, "d": 2, "m": 3, "sigma": 0.7, "use_cos_sin": False},
        ),
        # the argument z = x.omega + b has absolute error gamma_{d+1} (sum|x||omega| + |b|) <~ (d+1)(3d + 2 pi)
        # eps for these draws, cos/sin add 1 ulp, relative to max|phi| ~ sqrt(2/m): c = (d + 1)(3d + 7) + 1
        error_scale=lambda p: (p["d"] + 1) * (3 * p["d"] + 7) + 1.0,
        error_reason="argument x.omega + b: gamma_{d+1} (sum|x||omega| + 2 pi), then cos/sin: (d+1)(3d+7)+1",
    )


def _compute_case(name):
    return Case(
        name=f"{name}.compute",
        forward=_compute,
        vjp=_compute_vjp,
        argnums=(0, 1),
        make=lambda rng, xp, dtype, **p: _make_compute(rng, xp, dtype, kernel=name, **p),
        grid=(
            {"batch": (2,), "n": 3, "m": 4, "d": 3, "sigma": 1.5},
            {"batch": (2, 1), "y_batch": (3,), "n": 2, "m": 3, "d": 2, "sigma": 0.8},
        ),
        # differences exact to 1 ulp, a length-d sum (gamma_d), the scaling and exp (1 ulp each, the exp's
        # argument error is amplified by |argument| <= ~10 here): c = 10 (d + 2)
        error_scale=lambda p: 10.0 * (p["d"] + 2),
        error_reason="exact differences, length-d sum (gamma_d), exp amplifies by |argument| <= 10: 10(d+2)",
    )


def _make_difference(rng, xp, dtype, *, kernel, shape=(2, 3, 4), sigma=1.3):
    # |delta_i| >= 0.2: away from the kink of |delta| at 0 (Laplacian), where the finite difference would cross it
    host = as_generator(rng).standard_normal(shape)
    diff = xp.asarray((np.sign(host) * (0.2 + np.abs(host))).astype(dtype))
    return Inputs((diff,), {"kernel": kernel, "sigma": sigma})


def _difference(diff, *, kernel, sigma):
    return _kernel(kernel, diff.shape[-1], 1, sigma, False, trainable=False).evaluate_difference(diff)


def _difference_vjp(dk, diff, k, *, kernel, sigma):
    return _kernel(kernel, diff.shape[-1], 1, sigma, False, trainable=False).evaluate_difference_vjp(dk, diff, k)


def _difference_case(name):
    return Case(
        name=f"{name}.evaluate_difference",
        forward=_difference,
        vjp=_difference_vjp,
        make=lambda rng, xp, dtype, **p: _make_difference(rng, xp, dtype, kernel=name, **p),
        grid=({"shape": (2, 3, 4), "sigma": 1.3}, {"shape": (5, 2), "sigma": 0.8}),
        # a length-d sum of squares or absolute values (gamma_d), the scaling and exp, whose argument error is
        # amplified by |argument| <= ~3 d here: c = 3 d (d + 2)
        error_scale=lambda p: 3.0 * p["shape"][-1] * (p["shape"][-1] + 2),
        error_reason="length-d sum (gamma_d), scaling, exp amplifies by |argument| <= 3d: 3d(d+2)",
    )


def _make_gram(rng, xp, dtype, *, kernel, batch=(2,), n=4, d=3, sigma=1.5):
    x = random_normal(rng, (*batch, n, d), dtype=dtype, xp=xp)
    return Inputs((x,), {"kernel": _kernel(kernel, d, 1, sigma, False, trainable=False)})


def _make_approximation(rng, xp, dtype, *, kernel, batch=(2,), n=3, m=2, d=3, features=4, sigma=1.5,
                        use_cos_sin=False):
    inputs = _make_forward(rng, xp, dtype, kernel=kernel, batch=batch, n=n, d=d, m=features, sigma=sigma,
                           use_cos_sin=use_cos_sin)
    x, omega, bias = inputs.args
    y = random_normal(rng, (m, d), dtype=dtype, xp=xp)
    return Inputs((x, y, omega, bias), {"kernel": _kernel(kernel, d, features, sigma, use_cos_sin)})


def _kernel_cases(name):
    return [
        _forward_cases(name),
        _compute_case(name),
        _difference_case(name),
        gram_matrix_case(
            f"{name}.gram_matrix",
            lambda rng, xp, dtype, **p: _make_gram(rng, xp, dtype, kernel=name, **p),
            grid=({"batch": (2,), "n": 4, "d": 3, "sigma": 1.5},),
            error_scale=lambda p: 10.0 * (p["d"] + 2),
            error_reason="as .compute: exact differences, length-d sum, exp amplifies by <= 10: 10(d+2)",
        ),
        kernel_approximation_case(
            f"{name}.kernel_approximation",
            lambda rng, xp, dtype, **p: _make_approximation(rng, xp, dtype, kernel=name, **p),
            argnums=(0, 1, 2, 3),
            grid=({"batch": (2,), "n": 3, "m": 2, "d": 3, "features": 4, "use_cos_sin": False},
                  {"batch": (), "n": 2, "m": 3, "d": 2, "features": 3, "use_cos_sin": True}),
            # each feature as in .forward ((d+1)(3d+7)+1), then an m-feature dot of bounded features (m + 1)
            error_scale=lambda p: (p["d"] + 1) * (3 * p["d"] + 7) + p["features"] + 2.0,
            error_reason="features as .forward ((d+1)(3d+7)+1), then a dot over the features",
        ),
    ]


def _make_fourier_features(rng, xp, dtype, *, batch=(2,), n=3, m=4, use_cos_sin=False):
    gen = as_generator(rng)
    z = random_normal(gen, (*batch, n, m), dtype=dtype, xp=xp)
    bias = xp.asarray(sample_phases(gen, m).astype(dtype))
    return Inputs((z, bias), {"use_cos_sin": use_cos_sin})


CASES = [
    *_kernel_cases("GaussianRFFKernel"),
    *_kernel_cases("LaplacianRFFKernel"),
    Case(
        name="fourier_features",
        forward=fourier_features,
        vjp=fourier_features_vjp,
        argnums=(0, 1),
        make=_make_fourier_features,
        grid=({"batch": (2,), "n": 3, "m": 4, "use_cos_sin": False},
              {"batch": (2, 1), "n": 2, "m": 3, "use_cos_sin": True}),
        # z + b (|z + b| < 4 + 2 pi: 1 ulp of that), cos/sin and the scale: c = 2 (4 + 2 pi) + 2
        error_scale=2.0 * (4.0 + 2.0 * math.pi) + 2.0,
        error_reason="the phase z + b (1 ulp of |z + b| < 4 + 2 pi), cos/sin and the scale",
    ),
]
