r"""Spectral kernels that are inner products of features, :math:`K = \Phi(X)\Phi(Y)^T` (spectrans seed 000).

- :class:`FourierKernel`: rows compared through their filtered low-frequency rFFT bins.
- :class:`LearnableSpectralKernel`: a learned eigenbasis and eigenvalues, optionally row-normalized.

Both share :class:`FeatureSpectralKernel` (``compute``, ``compute_vjp``, ``forward``); each differentiable
method has a ``<method>_vjp`` beside it, derived on ``docs/kernels/spectral.md``. The kernels that decompose
their input (``PolynomialSpectralKernel``'s PCA attention, ``TruncatedSVDKernel``) and spectrans's
``spectral_decomposition`` are in :mod:`specref.kernels.spectral_eigen`.

Differences from spectrans (each a finding in validation/FINDINGS.md, see ``docs/kernels/spectral.md``):

- ``FourierKernel`` has no ``forward`` in spectrans (calling the module raises); specref defines
  ``forward(x, y=None)`` as ``LearnableSpectralKernel`` does: features when ``y`` is None (the kernel is
  exactly :math:`\Phi_x\Phi_y^T`), ``compute(x, y)`` otherwise. ``rank > d // 2 + 1`` raises (spectrans
  fails later with a broadcast error); an unknown ``filter_type`` raises (spectrans silently uses "ideal").
- ``LearnableSpectralKernel`` with ``rank > input_dim`` raises at construction (spectrans crashes at the
  first ``compute``); ``orthogonalize_eigenvectors`` returns a new kernel instead of mutating.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from specref._args import check_choice, check_flag, check_positive_int
from specref.backend import as_generator, device_of, dtype_name, namespace, random_normal, to_numpy
from specref.interop.params import ParamContainer
from specref.kernels.base import (
    SpectralKernel,
    check_feature_input,
    check_kernel_pair,
    check_positive_float,
    gram_product_vjp,
    split_trainable,
    sum_outer_rows,
)
from specref.kernels.cases import compute_case, gram_matrix_case
from specref.kernels.spectral_eigen import gram_spectral_decomposition
from specref.ops._common import check_cotangent
from specref.ops.broadcast import sum_to_shape
from specref.ops.row_normalize import CLAMP_EPS, normalize_rows_clamped, normalize_rows_clamped_vjp
from specref.testing.case import Case, Inputs
from specref.transforms.fourier import rfft, rfft_adjoint
from specref.transforms.structural import crop_or_pad, crop_or_pad_adjoint

__all__ = [
    "FILTER_TYPES",
    "FeatureSpectralKernel",
    "FourierKernel",
    "LearnableSpectralKernel",
]

FILTER_TYPES: tuple[str, ...] = ("gaussian", "butterworth", "ideal")

#: the eps spectrans adds under the square root of |eigenvalue| (LearnableSpectralKernel)
EIGENVALUE_EPS = 1e-8



def _fourier_filter(rank: int, filter_type: str, cutoff_freq: float) -> np.ndarray:
    """spectrans's ``_init_filter`` on t = linspace(0, 1, rank), in float64."""
    t = np.linspace(0.0, 1.0, rank)
    if filter_type == "gaussian":
        return np.exp(-((t / cutoff_freq) ** 2))
    if filter_type == "butterworth":
        return 1.0 / (1.0 + (t / cutoff_freq) ** 8)  # order 4: (t/c)^(2*4)
    return (t <= cutoff_freq).astype(np.float64)



class FeatureSpectralKernel(ParamContainer, SpectralKernel):
    r"""A spectral kernel that is an inner product of features: :math:`K = \Phi(X)\Phi(Y)^T`.

    Subclasses define ``extract_features(x)`` and ``extract_features_vjp(dphi, x, phi) -> (dx, grads)``
    (``grads`` keyed like ``params``) and ``input_dim``; with ``normalizes_rows`` the rows of :math:`K` are
    divided by :math:`\max(\|K_i\|, 10^{-12})` (:func:`specref.ops.row_normalize.normalize_rows_clamped`).
    ``compute`` depends on the params, so ``compute_vjp`` returns ``(dx, dy, grads)``.
    """

    normalizes_rows = False

    def extract_features(self, x):
        r"""The features :math:`\Phi(X)`, (..., n, d) -> (..., n, p)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement extract_features")

    def extract_features_vjp(self, dphi, x, phi):
        r"""``(dx, grads)`` of :meth:`extract_features`."""
        raise NotImplementedError(f"{type(self).__name__} does not implement extract_features_vjp")

    def compute(self, x, y):
        r""":math:`K = \Phi(X)\Phi(Y)^T`, (..., n, m), its rows normalized when ``normalizes_rows``."""
        check_kernel_pair(x, y, input_dim=self.input_dim, owner=type(self).__name__)
        xp = namespace(x, y)
        k = xp.matmul(self.extract_features(x), xp.matrix_transpose(self.extract_features(y)))
        return normalize_rows_clamped(k) if self.normalizes_rows else k

    def compute_vjp(self, dk, x, y, k):
        r"""``(dx, dy, grads)``: through the row normalization's VJP when ``normalizes_rows``
        (:math:`\bar K_0 = (\bar K - K (K\cdot\bar K))/\|K_{0,i}\|`), then
        :math:`\bar\Phi_x = \bar K_0\Phi_y`, :math:`\bar\Phi_y = \bar K_0^T\Phi_x`
        (:func:`specref.kernels.base.gram_product_vjp`), each through :meth:`extract_features_vjp`; the
        params' two gradients add."""
        check_cotangent(dk, x, k, f"{type(self).__name__}.compute_vjp", names=("dk", "x", "k"))
        xp = namespace(dk, x, y)
        phi_x, phi_y = self.extract_features(x), self.extract_features(y)
        if self.normalizes_rows:
            dk = normalize_rows_clamped_vjp(dk, xp.matmul(phi_x, xp.matrix_transpose(phi_y)), k)
        dphi_x, dphi_y = gram_product_vjp(dk, phi_x, phi_y)
        dx, gx = self.extract_features_vjp(dphi_x, x, phi_x)
        dy, gy = self.extract_features_vjp(dphi_y, y, phi_y)
        return dx, dy, {name: gx[name] + gy[name] for name in gx}

    def forward(self, x, y=None):
        """``extract_features(x)`` when ``y`` is None, else ``compute(x, y)`` (as spectrans's learnable kernel)."""
        return self.extract_features(x) if y is None else self.compute(x, y)

    def __call__(self, x, y=None):
        return self.forward(x, y)

    def spectral_decomposition(self, x):
        """:func:`~specref.kernels.spectral_eigen.gram_spectral_decomposition` of ``x`` with this kernel's rank."""
        return gram_spectral_decomposition(x, self.rank, self.normalize)


# ----------------------------------------------------------------------------------------------------------
# FourierKernel


class FourierKernel(FeatureSpectralKernel):
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
        self.filter_type = check_choice(filter_type, FILTER_TYPES, "filter_type")
        self.cutoff_freq = check_positive_float(cutoff_freq, "cutoff_freq")
        self.learnable_filter = check_flag(learnable_filter, "learnable_filter")
        filt = _fourier_filter(self.rank, self.filter_type, self.cutoff_freq)
        self._init_arrays(*split_trainable({"filter": filt}, self.learnable_filter))

    def _spectrum(self, x):
        """:math:`R = \\operatorname{rfft}(x)[..., :r]`."""
        return crop_or_pad(rfft(x, axis=-1), self.rank, axis=-1)

    def extract_features(self, x):
        r"""The features :math:`\Phi(X)`, (..., n, d) -> (..., n, 2r), with :math:`K = \Phi_x\Phi_y^T`."""
        check_feature_input(self, x)
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
        check_cotangent(dphi, x, phi, f"{type(self).__name__}.extract_features_vjp", names=("dphi", "x", "phi"))
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


# ----------------------------------------------------------------------------------------------------------
# LearnableSpectralKernel


class LearnableSpectralKernel(FeatureSpectralKernel):
    r"""Spectral kernel with a learnable eigenbasis and eigenvalues (spectrans ``LearnableSpectralKernel``).

    .. math::
        \Phi(X) = (X V)\,\mathrm{diag}(w), \quad w_k = \sqrt{|\lambda_k| + 10^{-8}}, \qquad
        K = \Phi(X)\Phi(Y)^T, \quad K_i \leftarrow \frac{K_i}{\max(\|K_i\|, 10^{-12})} \text{ if normalize.}

    Parameters
    ----------
    input_dim, rank : int
        :math:`V` is (input_dim, rank); ``rank <= input_dim`` (a QR of a (d, r) matrix has min(d, r)
        orthonormal columns; spectrans accepts rank > d and crashes at ``compute``).
    init_scale : float, finite and > 0
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
        self.init_scale = check_positive_float(init_scale, "init_scale")
        self.trainable_eigenvectors = check_flag(trainable_eigenvectors, "trainable_eigenvectors")
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
        check_feature_input(self, x)
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
        check_cotangent(dphi, x, phi, f"{type(self).__name__}.extract_features_vjp", names=("dphi", "x", "phi"))
        xp = namespace(dphi, x)
        v = self._array("eigenvectors")
        lam = self._array("eigenvalues")
        w = self._weights()
        p = xp.matmul(x, v)
        dp = dphi * w
        dx = xp.matmul(dp, xp.matrix_transpose(v))
        grads = {}
        if "eigenvectors" in self.params:
            grads["eigenvectors"] = sum_outer_rows(x, dp)
        dw = sum_to_shape(dphi * p, tuple(w.shape))
        grads["eigenvalues"] = dw * xp.sign(lam) / (2.0 * w)
        return dx, {k: grads[k] for k in self.params}

    @property
    def normalizes_rows(self) -> bool:
        """``compute`` row-normalizes as ``F.normalize`` when ``normalize`` (spectrans)."""
        return self.normalize

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


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_fourier(rng, xp, dtype, *, batch=(2,), n=3, m=4, d=7, rank=3, filter_type="gaussian", features=False):
    kernel = FourierKernel(rank, d, filter_type=filter_type).astype(dtype).to(xp)
    filt = xp.asarray(kernel.params["filter"] + xp.asarray(rng.uniform(-0.3, 0.3, rank).astype(dtype)))
    x = random_normal(rng, (*batch, n, d), dtype=dtype, xp=xp)
    if features:
        return Inputs((x, filt), {"kernel": kernel})
    return Inputs((x, random_normal(rng, (m, d), dtype=dtype, xp=xp), filt), {"kernel": kernel})


def _features(x, *values, kernel):
    return kernel.with_params(values).extract_features(x)


def _features_vjp(dphi, x, *values_and_phi, kernel):
    values, phi = values_and_phi[:-1], values_and_phi[-1]
    bound = kernel.with_params(values)
    dx, grads = bound.extract_features_vjp(dphi, x, phi)
    return (dx, *(grads[name] for name in bound.params))


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
                    features=False, gram=False):
    kernel = LearnableSpectralKernel(d, rank, trainable_eigenvectors=trainable, normalize=normalize,
                                     seed=int(rng.integers(2**31))).astype(dtype).to(xp)
    # eigenvalues of both signs, away from the kink of |lambda| at 0
    lam = np.sign(rng.standard_normal(rank)) * rng.uniform(0.3, 1.5, rank)
    kernel = kernel.with_params({"eigenvalues": xp.asarray(lam.astype(dtype))})
    x = random_normal(rng, (*batch, n, d), dtype=dtype, xp=xp)
    params = tuple(kernel.params.values())
    if features or gram:
        return Inputs((x, *params), {"kernel": kernel})
    return Inputs((x, random_normal(rng, (m, d), dtype=dtype, xp=xp), *params), {"kernel": kernel})


def _ref_learnable(x, y, *params, kernel):
    v = params[0] if len(params) == 2 else to_numpy(kernel.buffers["eigenvectors"])
    w = np.sqrt(np.abs(params[-1]) + EIGENVALUE_EPS)
    k0 = ((x @ v) * w) @ np.swapaxes((y @ v) * w, -1, -2)
    if kernel.normalize:
        k0 = k0 / np.maximum(np.linalg.norm(k0, axis=-1, keepdims=True), CLAMP_EPS)
    return k0


def _learnable_scale(p) -> float:
    # x V (d terms) and the weights per side, an r-term dot, the row norm (m terms) and division
    return 2.0 * (p["d"] + p["rank"] + p["m"]) + 8.0


CASES = [
    compute_case(
        "FourierKernel.compute",
        _make_fourier,
        argnums=(0, 1, 2),
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
        forward=_features,
        vjp=_features_vjp,
        argnums=(0, 1),
        make=lambda rng, xp, dtype, **p: _make_fourier(rng, xp, dtype, features=True, **p),
        grid=({"batch": (2,), "n": 3, "d": 7, "rank": 4}, {"batch": (), "n": 2, "d": 8, "rank": 5}),
        error_scale=_fourier_scale,
        error_reason="rfft (2(1 + log2 d)) and the filter product (4)",
    ),
    gram_matrix_case(
        "FourierKernel.gram_matrix",
        lambda rng, xp, dtype, **p: _make_fourier(rng, xp, dtype, features=True, **p),
        argnums=(0, 1),
        grid=({"batch": (2,), "n": 4, "d": 7, "rank": 3},),
        error_scale=_fourier_scale,
        error_reason="as .compute: rfft and the filter product per side, then a 2r-term dot",
    ),
    compute_case(
        "LearnableSpectralKernel.compute",
        _make_learnable,
        argnums=(0, 1, 2, 3),
        grid=(
            {"batch": (2,), "n": 3, "m": 4, "d": 5, "rank": 3, "normalize": True},
            {"batch": (), "n": 4, "m": 2, "d": 4, "rank": 4, "normalize": False},
        ),
        full_grid=(
            {"batch": (2,), "n": 3, "m": 4, "d": 5, "rank": 3, "normalize": True},
            {"batch": (), "n": 4, "m": 2, "d": 4, "rank": 4, "normalize": False},
            {"batch": (2, 1), "n": 2, "m": 3, "d": 3, "rank": 1, "normalize": True},
        ),
        error_scale=_learnable_scale,
        error_reason="d-term projections, r-term dot, m-term row norm (gamma_k each) and a few roundings",
        reference=_ref_learnable,
    ),
    compute_case(
        "LearnableSpectralKernel.compute.frozen",
        lambda rng, xp, dtype, **p: _make_learnable(rng, xp, dtype, trainable=False, **p),
        argnums=(0, 1, 2),
        grid=({"batch": (2,), "n": 3, "m": 2, "d": 4, "rank": 2, "normalize": True},),
        error_scale=_learnable_scale,
        error_reason="d-term projections, r-term dot, m-term row norm (gamma_k each) and a few roundings",
    ),
    Case(
        name="LearnableSpectralKernel.extract_features",
        forward=_features,
        vjp=_features_vjp,
        argnums=(0, 1, 2),
        make=lambda rng, xp, dtype, **p: _make_learnable(rng, xp, dtype, features=True, **p),
        grid=({"batch": (2,), "n": 3, "d": 5, "rank": 3},),
        error_scale=lambda p: 2.0 * p["d"] + 6.0,
        error_reason="a d-term projection (gamma_d), the square root and the product",
    ),
    gram_matrix_case(
        "LearnableSpectralKernel.gram_matrix",
        lambda rng, xp, dtype, **p: _make_learnable(rng, xp, dtype, gram=True, **p),
        argnums=(0, 1, 2),
        grid=({"batch": (2,), "n": 3, "m": 3, "d": 4, "rank": 3, "normalize": True},),
        error_scale=_learnable_scale,
        error_reason="as .compute: d-term projections, r-term dot, m-term row norm and a few roundings",
    ),
]
