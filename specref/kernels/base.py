r"""Kernel interfaces and the exact kernels of ``spectrans.kernels.base`` (seed 000), with their VJPs.

A kernel :math:`k(\mathbf{x}, \mathbf{y})` compares the rows of ``x`` of shape ``(..., n, d)`` with the rows of
``y`` of shape ``(..., m, d)`` and returns the matrix ``(..., n, m)`` with entries
:math:`K_{ij} = k(\mathbf{x}_i, \mathbf{y}_j)`; the leading batch shapes broadcast as in ``matmul``.

The classes keep spectrans's names and methods, returning arrays:

- :class:`KernelFunction`: ``compute(x, y)``, ``gram_matrix(x)``, ``is_positive_definite(x, eps)``, and
  ``compute_vjp(dk, x, y, k) -> (dx, dy)`` beside ``compute`` (cotangent first, then the primal inputs,
  then the primal output, DESIGN.md section 2).
- :class:`ShiftInvariantKernel`: :math:`k(\mathbf{x}, \mathbf{y}) = \kappa(\mathbf{x} - \mathbf{y})` through
  ``evaluate_difference(diff)`` (and its VJP), ``spectral_density(omega, normalization=...)``.
- :class:`RandomFeatureMap`: a random feature map :math:`\varphi` with ``forward(x)`` (also ``kernel(x)``),
  ``forward_vjp(dphi, x, phi) -> (dx, grads)`` with ``grads`` keyed like ``params``, and
  ``kernel_approximation(x, y)`` :math:`= \varphi(x)\varphi(y)^T` with its VJP. Its random arrays live in
  ``params`` (trainable) and ``buffers`` under spectrans's ``state_dict`` names, with ``state_dict()``,
  ``from_state_dict(...)``, ``astype`` and ``to`` (:class:`specref.interop.params.ParamContainer`).
- :class:`SpectralKernel`: ``spectral_decomposition(x)`` (the concrete spectral kernels live in
  :mod:`specref.kernels.spectral`).
- The exact kernels :class:`CosineKernel` and :class:`PolynomialKernel`.

Differences from spectrans (each in validation/FINDINGS.md where it is a defect):

- spectrans's ``RandomFeatureMap(seed=...)`` calls the global ``torch.manual_seed``; specref draws from an
  explicit seed or ``numpy.random.Generator`` (default ``seed=0``, as specref's layers) and touches no global
  state.
- ``spectral_density`` states its normalization (``"probability"``: the density of the random-feature
  frequencies, integrating to :math:`\kappa(0)`; ``"fourier"``: :math:`\int \kappa(\delta) e^{-i\omega\cdot\delta}
  d\delta`); spectrans's Gaussian returns the second and its Laplacian neither (see :mod:`specref.kernels.rff`).
- 1-D inputs and mismatched feature dimensions raise a ``ValueError`` naming the shapes.
"""

from __future__ import annotations

import math
import numbers
from typing import Literal

from specref.backend import (
    check_float_dtype,
    check_same_precision,
    namespace,
)
from specref.interop.params import ParamContainer
from specref.ops.broadcast import sum_to_shape
from specref.testing.case import Case, Inputs

__all__ = [
    "KernelType",
    "KERNEL_TYPES",
    "DENSITY_NORMALIZATIONS",
    "KernelFunction",
    "ShiftInvariantKernel",
    "RandomFeatureMap",
    "SpectralKernel",
    "CosineKernel",
    "PolynomialKernel",
    "check_kernel_input",
    "check_kernel_pair",
    "check_kernel_type",
    "check_positive_int",
    "check_positive",
    "check_density_normalization",
]

#: spectrans's ``KernelType`` literal (``spectrans.kernels.base.KernelType``), the names of kernel selections.
KernelType = Literal["gaussian", "laplacian", "polynomial", "cosine", "linear"]
KERNEL_TYPES: tuple[str, ...] = ("gaussian", "laplacian", "polynomial", "cosine", "linear")

#: the two normalizations of ``ShiftInvariantKernel.spectral_density`` (see its docstring)
DENSITY_NORMALIZATIONS: tuple[str, ...] = ("probability", "fourier")


# ----------------------------------------------------------------------------------------------------------
# argument and input checks, shared by every kernel module


def check_kernel_type(kernel_type, accepted: tuple[str, ...], *, what: str = "kernel_type") -> str:
    """Return ``kernel_type`` if it is one of ``accepted``, else raise ``ValueError`` listing them."""
    if not isinstance(kernel_type, str) or kernel_type not in accepted:
        raise ValueError(f"unknown {what} {kernel_type!r}; accepted: {', '.join(map(repr, accepted))}")
    return kernel_type


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is an integer >= ``minimum`` (bools refused), else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_positive(value, name: str) -> float:
    """Return ``value`` as a float if it is a finite real number > 0, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be finite and > 0, got {value}")
    return float(value)


def check_density_normalization(normalization) -> str:
    """Return ``normalization`` if it is ``"probability"`` or ``"fourier"``, else raise ``ValueError``."""
    return check_kernel_type(normalization, DENSITY_NORMALIZATIONS, what="normalization")


def check_kernel_input(x, *, name: str = "x", input_dim: int | None = None, owner: str = "kernel"):
    """Require a real floating array of shape ``(..., n, d)`` (with ``d == input_dim`` when given)."""
    check_float_dtype(x, allow_complex=False, name=name)
    if x.ndim < 2:
        raise ValueError(
            f"{owner} needs {name} of shape (..., n, d) (n points of dimension d); {name} has shape "
            f"{tuple(x.shape)}: use shape (1, d) for one point or (n, 1) for n scalars"
        )
    if input_dim is not None and x.shape[-1] != input_dim:
        raise ValueError(
            f"{owner} has input_dim {input_dim} but {name} has {x.shape[-1]} features (shape {tuple(x.shape)})"
        )


def check_kernel_pair(x, y, *, input_dim: int | None = None, owner: str = "kernel"):
    """Check ``x`` (..., n, d) and ``y`` (..., m, d): real floats, same precision and backend, same ``d``."""
    check_kernel_input(x, name="x", input_dim=input_dim, owner=owner)
    check_kernel_input(y, name="y", input_dim=input_dim, owner=owner)
    namespace(x, y)
    check_same_precision(x, y, names=["x", "y"])
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(
            f"{owner}: x and y must have the same last dimension d; x has shape {tuple(x.shape)}, "
            f"y has shape {tuple(y.shape)}"
        )


def _mT(a, xp):  # noqa: N802  (the matrix transpose of the last two axes, as torch's .mT)
    return xp.matrix_transpose(a)


# ----------------------------------------------------------------------------------------------------------
# arrays of kernels with state: params, buffers, state_dict, dtype, backend


# ----------------------------------------------------------------------------------------------------------
# the interfaces


class KernelFunction:
    r"""Base class of kernels :math:`k(\mathbf{x}, \mathbf{y})` (spectrans ``KernelFunction``).

    Subclasses implement ``compute(x, y)`` and, where differentiable, ``compute_vjp(dk, x, y, k)``.
    """

    def compute(self, x, y):
        r"""The kernel matrix :math:`K_{ij} = k(\mathbf{x}_i, \mathbf{y}_j)`, shape ``(..., n, m)``.

        Parameters
        ----------
        x : array, shape (..., n, d)
        y : array, shape (..., m, d)
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement compute")

    def compute_vjp(self, dk, x, y, k):
        r"""``(dx, dy)``: the cotangent ``dk`` (..., n, m) pulled back to ``x`` and ``y``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement compute_vjp")

    def gram_matrix(self, x):
        r"""The Gram matrix :math:`K_{ij} = k(\mathbf{x}_i, \mathbf{x}_j)` = ``compute(x, x)``, (..., n, n)."""
        return self.compute(x, x)

    def gram_matrix_vjp(self, dk, x, k):
        r"""The VJP of ``gram_matrix``: both arguments of ``compute`` are ``x``, so ``dx = dx_1 + dx_2``."""
        dx1, dx2 = self.compute_vjp(dk, x, x, k)
        return dx1 + dx2

    def is_positive_definite(self, x, eps: float = 1e-6) -> bool:
        r"""True when every eigenvalue of every Gram matrix ``gram_matrix(x)`` exceeds ``eps``.

        The eigenvalues come from ``eigvalsh`` of the Gram matrix (which reads one triangle: the Gram matrix
        of a kernel is symmetric). This is the same test as spectrans; a Cholesky factorization of
        :math:`K - \epsilon I` succeeds exactly when it holds (up to rounding at the boundary).
        """
        xp = namespace(x)
        gram = self.gram_matrix(x)
        eigenvalues = xp.linalg.eigvalsh(gram)
        return bool(xp.all(eigenvalues > eps))


class ShiftInvariantKernel(KernelFunction):
    r"""Stationary kernels :math:`k(\mathbf{x}, \mathbf{y}) = \kappa(\mathbf{x} - \mathbf{y})`.

    Bochner's theorem: a continuous :math:`\kappa` with :math:`\kappa(0) = 1` is positive definite exactly
    when it is the characteristic function of a probability density :math:`p`,

    .. math::
        \kappa(\boldsymbol\delta) = \int_{\mathbb{R}^d} p(\boldsymbol\omega)\,
        e^{i \boldsymbol\omega \cdot \boldsymbol\delta}\, d\boldsymbol\omega
        = \mathbb{E}_{\boldsymbol\omega \sim p}\left[\cos(\boldsymbol\omega \cdot \boldsymbol\delta)\right],

    which is what random Fourier features sample. ``spectral_density(omega)`` returns :math:`p` by default
    (``normalization="probability"``) and the unnormalized Fourier transform
    :math:`S(\boldsymbol\omega) = \int \kappa(\boldsymbol\delta) e^{-i\boldsymbol\omega\cdot\boldsymbol\delta}
    d\boldsymbol\delta = (2\pi)^d p(\boldsymbol\omega)` with ``normalization="fourier"``.

    Parameters
    ----------
    bandwidth : float
        Inverse length scale (stored as spectrans stores it; the subclasses use their own ``sigma``).
    """

    def __init__(self, bandwidth: float = 1.0):
        self.bandwidth = bandwidth

    def evaluate_difference(self, diff):
        r""":math:`\kappa(\boldsymbol\delta)` for difference vectors ``diff`` (..., d) -> (...)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement evaluate_difference")

    def evaluate_difference_vjp(self, dk, diff, k):
        r"""The VJP of ``evaluate_difference``: ``dk`` (...) -> ``ddiff`` (..., d)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement evaluate_difference_vjp")

    def spectral_density(self, omega, *, normalization: str = "probability"):
        r"""The spectral density at frequencies ``omega`` (..., d) -> (...) (see the class docstring)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement spectral_density")

    @staticmethod
    def _differences(x, y):
        """``x_i - y_j`` of shape (..., n, m, d): the exact differences, no expansion of the square."""
        xp = namespace(x, y)
        return xp.expand_dims(x, axis=-2) - xp.expand_dims(y, axis=-3)

    def compute(self, x, y):
        r""":math:`K_{ij} = \kappa(\mathbf{x}_i - \mathbf{y}_j)`, (..., n, d) x (..., m, d) -> (..., n, m).

        The differences are formed explicitly, (..., n, m, d) in memory, so :math:`K` is exact to rounding
        (the expansion :math:`\|x\|^2 + \|y\|^2 - 2x\cdot y` would cancel catastrophically for near points).
        """
        check_kernel_pair(x, y, owner=type(self).__name__)
        return self.evaluate_difference(self._differences(x, y))

    def compute_vjp(self, dk, x, y, k):
        r"""``(dx, dy)`` of ``compute``.

        With :math:`\boldsymbol\delta_{ij} = \mathbf{x}_i - \mathbf{y}_j` and
        :math:`\bar{\boldsymbol\delta}_{ij}` the VJP of ``evaluate_difference``,

        .. math::
            \bar{\mathbf{x}}_i = \sum_j \bar{\boldsymbol\delta}_{ij}, \qquad
            \bar{\mathbf{y}}_j = -\sum_i \bar{\boldsymbol\delta}_{ij},

        then summed over broadcast batch axes.
        """
        xp = namespace(x, y)
        ddiff = self.evaluate_difference_vjp(dk, self._differences(x, y), k)  # (..., n, m, d)
        dx = sum_to_shape(xp.sum(ddiff, axis=-2), tuple(x.shape))
        dy = sum_to_shape(-xp.sum(ddiff, axis=-3), tuple(y.shape))
        return dx, dy


class RandomFeatureMap(ParamContainer):
    r"""Random feature maps :math:`\varphi: \mathbb{R}^d \to \mathbb{R}^D` with
    :math:`k(\mathbf{x}, \mathbf{y}) \approx \varphi(\mathbf{x})^T \varphi(\mathbf{y})` (spectrans
    ``RandomFeatureMap``).

    Subclasses draw their random arrays in ``__init__`` from ``as_generator(seed)`` (host float64, NumPy;
    ``astype``/``to`` move them), put them in ``params`` (trainable) or ``buffers`` with
    ``self._init_arrays(params, buffers)``, and implement ``forward(x)`` and
    ``forward_vjp(dphi, x, phi) -> (dx, grads)`` with ``grads`` keyed exactly like ``params`` (empty when
    nothing is trainable).

    Parameters
    ----------
    input_dim : int
        Dimension ``d`` of the input vectors (>= 1).
    num_features : int
        Number of random features ``D`` (>= 1).
    kernel_scale : float
        Kernel scale (stored as spectrans stores it).
    seed : int, numpy.random.SeedSequence or numpy.random.Generator
        Source of the random draws. spectrans's ``seed`` calls the global ``torch.manual_seed``; specref never
        touches global state, and ``None`` is refused (randomness is explicit), so the default is 0.
    """

    def __init__(self, input_dim: int, num_features: int, kernel_scale: float = 1.0, seed=0):
        self.input_dim = check_positive_int(input_dim, "input_dim")
        self.num_features = check_positive_int(num_features, "num_features")
        self.kernel_scale = kernel_scale
        self.seed = seed
        self._init_arrays({}, {})

    def forward(self, x):
        r"""The features :math:`\varphi(\mathbf{x})`, (..., n, d) -> (..., n, D)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def forward_vjp(self, dphi, x, phi):
        r"""``(dx, grads)``: the VJP of ``forward`` w.r.t. ``x`` and every array of ``params``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward_vjp")

    def __call__(self, x):
        """``forward(x)`` (spectrans's modules are called)."""
        return self.forward(x)

    def _check_feature_input(self, x, *, name: str = "x"):
        """``x`` is real (..., n, input_dim), with the arrays' precision and backend."""
        check_kernel_input(x, name=name, input_dim=self.input_dim, owner=type(self).__name__)
        self._check_against_arrays(x, name=name)

    def kernel_approximation(self, x, y):
        r"""The approximate kernel matrix :math:`\varphi(X)\varphi(Y)^T`, (..., n, m)."""
        check_kernel_pair(x, y, input_dim=self.input_dim, owner=type(self).__name__)
        xp = namespace(x, y)
        return xp.matmul(self.forward(x), _mT(self.forward(y), xp))

    def kernel_approximation_vjp(self, dk, x, y, k):
        r"""``(dx, dy, grads)`` of ``kernel_approximation``.

        With :math:`K = \Phi_x \Phi_y^T`: :math:`\bar\Phi_x = \bar K \Phi_y`, :math:`\bar\Phi_y = \bar K^T
        \Phi_x` (summed over broadcast batch axes), each pulled back through ``forward_vjp``; the gradients of
        the shared params add.
        """
        xp = namespace(x, y)
        phi_x, phi_y = self.forward(x), self.forward(y)
        dphi_x = sum_to_shape(xp.matmul(dk, phi_y), tuple(phi_x.shape))
        dphi_y = sum_to_shape(xp.matmul(_mT(dk, xp), phi_x), tuple(phi_y.shape))
        dx, grads_x = self.forward_vjp(dphi_x, x, phi_x)
        dy, grads_y = self.forward_vjp(dphi_y, y, phi_y)
        return dx, dy, {name: grads_x[name] + grads_y[name] for name in grads_x}


class SpectralKernel(KernelFunction):
    r"""Kernels built from a spectral decomposition (spectrans ``SpectralKernel``, spectral.py).

    Parameters
    ----------
    rank : int
        Rank of the approximation (>= 1).
    normalize : bool
        Normalize the kernel values (each subclass says how).
    """

    def __init__(self, rank: int, normalize: bool = True):
        self.rank = check_positive_int(rank, "rank")
        self.normalize = bool(normalize)

    def spectral_decomposition(self, x):
        r"""``(eigenvectors (..., n, rank), eigenvalues (..., rank))`` of the decomposition of ``x``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement spectral_decomposition")


# ----------------------------------------------------------------------------------------------------------
# exact kernels


class CosineKernel(KernelFunction):
    r"""Cosine similarity :math:`k(\mathbf{x}, \mathbf{y}) = \frac{\mathbf{x}\cdot\mathbf{y}}
    {(\|\mathbf{x}\| + \epsilon)(\|\mathbf{y}\| + \epsilon)}` (spectrans ``CosineKernel``).

    ``eps`` is added to each norm, as spectrans does, so a zero row gives zero similarities.

    Parameters
    ----------
    eps : float
        Added to each norm (>= 0).
    """

    def __init__(self, eps: float = 1e-8):
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not (eps >= 0 and math.isfinite(eps)):
            raise ValueError(f"eps must be a finite number >= 0, got {eps!r}")
        self.eps = float(eps)

    def compute(self, x, y):
        r"""The matrix :math:`\hat X \hat Y^T` with :math:`\hat{\mathbf{x}} = \mathbf{x}/(\|\mathbf{x}\|+\epsilon)`."""
        check_kernel_pair(x, y, owner="CosineKernel")
        xp = namespace(x, y)
        x_hat = x / (xp.linalg.vector_norm(x, axis=-1, keepdims=True) + self.eps)
        y_hat = y / (xp.linalg.vector_norm(y, axis=-1, keepdims=True) + self.eps)
        return xp.matmul(x_hat, _mT(y_hat, xp))

    def _normalize_vjp(self, du, x):
        r"""VJP of :math:`\hat{\mathbf{x}} = \mathbf{x}/(a + \epsilon)`, :math:`a = \|\mathbf{x}\|`.

        .. math::
            \bar{\mathbf{x}} = \frac{\bar{\mathbf{u}}}{a + \epsilon}
            - \mathbf{x}\,\frac{\bar{\mathbf{u}}\cdot\mathbf{x}}{a\,(a + \epsilon)^2},

        using :math:`\partial a/\partial \mathbf{x} = \mathbf{x}/a`; at :math:`\mathbf{x} = 0` the second term
        is taken as 0 (its limit, and torch's subgradient of the norm at 0).
        """
        xp = namespace(x)
        a = xp.linalg.vector_norm(x, axis=-1, keepdims=True)
        a_safe = xp.where(a > 0, a, xp.ones_like(a))
        scale = a + self.eps
        return du / scale - x * (xp.sum(du * x, axis=-1, keepdims=True) / (a_safe * scale * scale))

    def compute_vjp(self, dk, x, y, k):
        r"""``(dx, dy)``: with :math:`K = \hat X \hat Y^T`, :math:`\bar{\hat X} = \bar K \hat Y` and
        :math:`\bar{\hat Y} = \bar K^T \hat X`, then each through the normalization's VJP."""
        xp = namespace(x, y)
        x_hat = x / (xp.linalg.vector_norm(x, axis=-1, keepdims=True) + self.eps)
        y_hat = y / (xp.linalg.vector_norm(y, axis=-1, keepdims=True) + self.eps)
        dx_hat = sum_to_shape(xp.matmul(dk, y_hat), tuple(x.shape))
        dy_hat = sum_to_shape(xp.matmul(_mT(dk, xp), x_hat), tuple(y.shape))
        return self._normalize_vjp(dx_hat, x), self._normalize_vjp(dy_hat, y)


class PolynomialKernel(KernelFunction):
    r"""Polynomial kernel :math:`k(\mathbf{x}, \mathbf{y}) = (\alpha\,\mathbf{x}\cdot\mathbf{y} + c)^p`
    (spectrans ``PolynomialKernel``).

    Parameters
    ----------
    degree : int
        The power :math:`p` (an integer >= 0; :math:`p = 0` gives the all-ones kernel, as ``0**0 = 1``).
    alpha : float
        Scale :math:`\alpha` of the inner product.
    coef0 : float
        The constant :math:`c`.
    """

    def __init__(self, degree: int = 2, alpha: float = 1.0, coef0: float = 0.0):
        self.degree = check_positive_int(degree, "degree", minimum=0)
        self.alpha = float(alpha)
        self.coef0 = float(coef0)

    def _base(self, x, y):
        xp = namespace(x, y)
        return self.alpha * xp.matmul(x, _mT(y, xp)) + self.coef0

    def compute(self, x, y):
        r"""The matrix :math:`(\alpha X Y^T + c)^p`, (..., n, m)."""
        check_kernel_pair(x, y, owner="PolynomialKernel")
        xp = namespace(x, y)
        base = self._base(x, y)
        if self.degree == 0:
            return xp.ones_like(base)
        return base**self.degree

    def compute_vjp(self, dk, x, y, k):
        r"""``(dx, dy)``: with :math:`B = \alpha X Y^T + c` and :math:`\bar B = \bar K \odot p B^{p-1}`,

        .. math::
            \bar X = \alpha \bar B Y, \qquad \bar Y = \alpha \bar B^T X

        (zero for :math:`p = 0`; :math:`B^{p-1}` is formed directly, never as :math:`K / B`, which fails where
        :math:`B = 0`).
        """
        xp = namespace(x, y)
        if self.degree == 0:
            return xp.zeros_like(x), xp.zeros_like(y)
        base = self._base(x, y)
        dbase = dk * (self.degree * base ** (self.degree - 1))
        dx = sum_to_shape(self.alpha * xp.matmul(dbase, y), tuple(x.shape))
        dy = sum_to_shape(self.alpha * xp.matmul(_mT(dbase, xp), x), tuple(y.shape))
        return dx, dy


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_pair(rng, xp, dtype, *, batch=(2,), n=4, m=3, d=5, y_batch=None, **_):
    from specref.backend import random_normal

    y_batch = batch if y_batch is None else y_batch
    x = random_normal(rng, (*batch, n, d), dtype=dtype, xp=xp)
    y = random_normal(rng, (*y_batch, m, d), dtype=dtype, xp=xp)
    return x, y


def _make_cosine(rng, xp, dtype, **params):
    x, y = _make_pair(rng, xp, dtype, **params)
    return Inputs((x, y), {"eps": params.get("eps", 1e-8)})


def _cosine(x, y, *, eps):
    return CosineKernel(eps).compute(x, y)


def _cosine_vjp(dk, x, y, k, *, eps):
    return CosineKernel(eps).compute_vjp(dk, x, y, k)


def _make_poly(rng, xp, dtype, **params):
    x, y = _make_pair(rng, xp, dtype, **params)
    kw = {"degree": params.get("degree", 2), "alpha": params.get("alpha", 1.0), "coef0": params.get("coef0", 0.0)}
    return Inputs((x, y), kw)


def _poly(x, y, *, degree, alpha, coef0):
    return PolynomialKernel(degree, alpha, coef0).compute(x, y)


def _poly_vjp(dk, x, y, k, *, degree, alpha, coef0):
    return PolynomialKernel(degree, alpha, coef0).compute_vjp(dk, x, y, k)


CASES = [
    Case(
        name="CosineKernel",
        forward=_cosine,
        vjp=_cosine_vjp,
        argnums=(0, 1),
        make=_make_cosine,
        grid=(
            {"batch": (2,), "n": 4, "m": 3, "d": 5},
            {"batch": (2, 1), "y_batch": (3,), "n": 3, "m": 2, "d": 4, "eps": 0.5},
        ),
        # two norms (d terms, gamma_d each), two divisions and a length-d dot: c = 3 d + 4 covers d <= 5
        error_scale=20.0,
        error_reason="two length-d norms and a length-d dot of unit vectors (gamma_d each), two divisions: 3d+4",
    ),
    Case(
        name="PolynomialKernel",
        forward=_poly,
        vjp=_poly_vjp,
        argnums=(0, 1),
        make=_make_poly,
        grid=(
            {"batch": (2,), "n": 4, "m": 3, "d": 5, "degree": 2, "alpha": 1.0, "coef0": 0.0},
            {"batch": (2, 1), "y_batch": (3,), "n": 3, "m": 2, "d": 4, "degree": 3, "alpha": 0.5, "coef0": 1.0},
            {"batch": (), "n": 3, "m": 3, "d": 2, "degree": 1, "alpha": 2.0, "coef0": -0.5},
        ),
        # the dot (gamma_d relative to sum|x||y|, which is <= sqrt(d) max|B| for these draws) raised to the
        # power p multiplies relative errors by p: c = p (d + 2) <= 3 * 7 = 21, doubled for the normwise ratio
        error_scale=42.0,
        error_reason="length-d dot (gamma_d), scale and shift, then the p-th power multiplies it by p: 2p(d+2)",
    ),
]

