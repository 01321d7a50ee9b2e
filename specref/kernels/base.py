r"""Kernel interfaces and the exact kernels of ``spectrans.kernels.base`` (seed 000), with their VJPs.

A kernel :math:`k(\mathbf{x}, \mathbf{y})` compares the rows of ``x`` of shape ``(..., n, d)`` with the rows of
``y`` of shape ``(..., m, d)`` and returns the matrix ``(..., n, m)`` with entries
:math:`K_{ij} = k(\mathbf{x}_i, \mathbf{y}_j)`; the leading batch shapes broadcast as in ``matmul``.

The classes keep spectrans's names and methods, returning arrays:

- :class:`KernelFunction`: ``compute(x, y)``, ``gram_matrix(x)``, ``is_positive_definite(x, eps)``, and
  ``compute_vjp(dk, x, y, k) -> (dx, dy)`` beside ``compute`` (cotangent first, then the primal inputs,
  then the primal output, docs/design.md, "Adding a primitive").
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

from typing import Literal

from specref._args import (
    as_int,
    check_cotangent_precision,
    check_flag,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)
from specref.backend import check_float_dtype, check_same_precision, namespace, random_normal
from specref.interop.params import ParamContainer, config_repr
from specref.kernels.cases import gram_matrix_case
from specref.ops._common import check_cotangent
from specref.ops.broadcast import sum_to_shape
from specref.ops.row_normalize import normalize_rows_shifted, normalize_rows_shifted_vjp
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
    "check_projection",
    "check_feature_input",
    "check_positive_float",
    "check_degree",
    "split_trainable",
    "sum_rows",
    "sum_outer_rows",
    "gram_product_vjp",
]

#: spectrans's ``KernelType`` literal (``spectrans.kernels.base.KernelType``), the names of kernel selections.
KernelType = Literal["gaussian", "laplacian", "polynomial", "cosine", "linear"]
KERNEL_TYPES: tuple[str, ...] = ("gaussian", "laplacian", "polynomial", "cosine", "linear")

#: the two normalizations of ``ShiftInvariantKernel.spectral_density`` (see its docstring)
DENSITY_NORMALIZATIONS: tuple[str, ...] = ("probability", "fourier")


# ----------------------------------------------------------------------------------------------------------
# argument and input checks of the kernel family (the shared ones are specref._args: check_positive_int for
# sizes and ranks, check_flag for every bool option, check_choice for names, check_nonnegative_float and
# check_positive_float for bandwidths and scales)


def check_degree(degree, name: str = "degree") -> int:
    """Return a polynomial degree, an integer ``>= 0`` (``0`` gives the all-ones kernel), as an int."""
    degree = as_int(degree, name)
    if degree < 0:
        raise ValueError(f"{name} must be >= 0, got {degree}")
    return degree


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


def check_projection(x, projection, *, owner: str, name: str = "projection"):
    """Require a real float frequency matrix ``projection`` of shape ``(d, m)``, ``d`` the last axis of ``x``."""
    if projection.ndim != 2 or projection.shape[0] != x.shape[-1]:
        raise ValueError(
            f"{owner}: {name} must have shape (d, m) with d = {x.shape[-1]} (the last axis of x), "
            f"got {tuple(projection.shape)}"
        )
    check_float_dtype(projection, allow_complex=False, name=name)
    check_same_precision(x, projection, names=["x", name])


def check_feature_input(kernel, x, *, name: str = "x"):
    """``x`` is real (..., n, ``kernel.input_dim``), with the precision and backend of the kernel's arrays."""
    check_kernel_input(x, name=name, input_dim=kernel.input_dim, owner=type(kernel).__name__)
    kernel._check_against_arrays(x, name=name)


# ----------------------------------------------------------------------------------------------------------
# small shared pieces: trainable arrays, sums over rows, the VJP of a product of features


def split_trainable(arrays: dict, trainable: bool) -> tuple[dict, dict]:
    """``(params, buffers)``: ``arrays`` are the params of a trainable kernel, else its buffers."""
    return (arrays, {}) if trainable else ({}, arrays)


def sum_rows(a):
    """Sum of ``a`` (..., q) over every axis but the last -> (q,): the gradient of an array every row shares."""
    xp = namespace(a)
    return xp.sum(xp.reshape(a, (-1, a.shape[-1])), axis=0)


def sum_outer_rows(a, b):
    r""":math:`\sum_{\text{rows}} a^T b`: ``a`` (..., n, p), ``b`` (..., n, q) -> (p, q), the gradient of a
    matrix every row is multiplied by (``b`` the cotangent of ``a W``)."""
    xp = namespace(a, b)
    a2 = xp.reshape(a, (-1, a.shape[-1]))
    b2 = xp.reshape(b, (-1, b.shape[-1]))
    return xp.matmul(xp.matrix_transpose(a2), b2)


def gram_product_vjp(dk, a, b):
    r"""``(da, db)``: the VJP of :math:`K = A B^T` (a kernel as an inner product of features).

    .. math:: \bar A = \bar K B, \qquad \bar B = \bar K^T A,

    each summed over the batch axes that ``a`` or ``b`` broadcast along.
    """
    check_cotangent_precision(dk, a, "gram_product_vjp", name="dk", forward_name="a")
    xp = namespace(dk, a, b)
    da = sum_to_shape(xp.matmul(dk, b), tuple(a.shape))
    db = sum_to_shape(xp.matmul(xp.matrix_transpose(dk), a), tuple(b.shape))
    return da, db



# ----------------------------------------------------------------------------------------------------------
# the interfaces


class KernelFunction:
    r"""Base class of kernels :math:`k(\mathbf{x}, \mathbf{y})` (spectrans ``KernelFunction``).

    Subclasses implement ``compute(x, y)`` and, where differentiable, ``compute_vjp(dk, x, y, k)``.
    The repr is the layers' (:func:`specref.interop.params.config_repr`): the class and its configuration.
    """

    __repr__ = config_repr

    def compute(self, x, y):
        r"""The kernel matrix :math:`K_{ij} = k(\mathbf{x}_i, \mathbf{y}_j)`, shape ``(..., n, m)``.

        Parameters
        ----------
        x : array, shape (..., n, d)
        y : array, shape (..., m, d)
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement compute")

    def compute_vjp(self, dk, x, y, k):
        r"""``(dx, dy)``: the cotangent ``dk`` (..., n, m) pulled back to ``x`` and ``y``.

        A kernel whose ``compute`` depends on its ``params`` (the learnable spectral kernels) returns
        ``(dx, dy, grads)``, ``grads`` keyed like ``params``.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement compute_vjp")

    def gram_matrix(self, x):
        r"""The Gram matrix :math:`K_{ij} = k(\mathbf{x}_i, \mathbf{x}_j)` = ``compute(x, x)``, (..., n, n)."""
        return self.compute(x, x)

    def gram_matrix_vjp(self, dk, x, k):
        r"""The VJP of ``gram_matrix``: both arguments of ``compute`` are ``x``, so

        .. math:: \bar{\mathbf{x}} = \bar{\mathbf{x}}_1 + \bar{\mathbf{x}}_2

        (the two cotangents of ``compute_vjp``). Returns ``dx``, or ``(dx, grads)`` for a kernel whose
        ``compute_vjp`` also returns the gradients of its params.
        """
        check_cotangent(dk, x, k, f"{type(self).__name__}.gram_matrix_vjp", names=("dk", "x", "k"))
        dx1, dx2, *grads = self.compute_vjp(dk, x, x, k)
        return (dx1 + dx2, *grads) if grads else dx1 + dx2

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
        self.bandwidth = check_positive_float(bandwidth, "bandwidth")

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
        check_cotangent(dk, x, k, f"{type(self).__name__}.compute_vjp", names=("dk", "x", "k"))
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
        self.kernel_scale = check_positive_float(kernel_scale, "kernel_scale")
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
        check_feature_input(self, x, name=name)

    def kernel_approximation(self, x, y):
        r"""The approximate kernel matrix :math:`\varphi(X)\varphi(Y)^T`, (..., n, m)."""
        check_kernel_pair(x, y, input_dim=self.input_dim, owner=type(self).__name__)
        xp = namespace(x, y)
        return xp.matmul(self.forward(x), xp.matrix_transpose(self.forward(y)))

    def kernel_approximation_vjp(self, dk, x, y, k):
        r"""``(dx, dy, grads)`` of ``kernel_approximation``.

        With :math:`K = \Phi_x \Phi_y^T`: :math:`\bar\Phi_x = \bar K \Phi_y`, :math:`\bar\Phi_y = \bar K^T
        \Phi_x` (summed over broadcast batch axes), each pulled back through ``forward_vjp``; the gradients of
        the shared params add.
        """
        check_cotangent(dk, x, k, f"{type(self).__name__}.kernel_approximation_vjp", names=("dk", "x", "k"))
        phi_x, phi_y = self.forward(x), self.forward(y)
        dphi_x, dphi_y = gram_product_vjp(dk, phi_x, phi_y)
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
        self.normalize = check_flag(normalize, "normalize")

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
        self.eps = check_nonnegative_float(eps, "eps")

    def compute(self, x, y):
        r"""The matrix :math:`\hat X \hat Y^T` with :math:`\hat{\mathbf{x}} = \mathbf{x}/(\|\mathbf{x}\|+\epsilon)`
        (:func:`specref.ops.row_normalize.normalize_rows_shifted`)."""
        check_kernel_pair(x, y, owner="CosineKernel")
        xp = namespace(x, y)
        x_hat = normalize_rows_shifted(x, eps=self.eps)
        y_hat = normalize_rows_shifted(y, eps=self.eps)
        return xp.matmul(x_hat, xp.matrix_transpose(y_hat))

    def compute_vjp(self, dk, x, y, k):
        r"""``(dx, dy)``: with :math:`K = \hat X \hat Y^T`, :math:`\bar{\hat X} = \bar K \hat Y` and
        :math:`\bar{\hat Y} = \bar K^T \hat X` (:func:`gram_product_vjp`), then each through the
        normalization's VJP :func:`specref.ops.row_normalize.normalize_rows_shifted_vjp`,

        .. math::
            \bar{\mathbf{x}} = \frac{\bar{\hat{\mathbf{x}}}}{a + \epsilon}
            - \mathbf{x}\,\frac{\bar{\hat{\mathbf{x}}}\cdot\mathbf{x}}{a\,(a + \epsilon)^2}, \quad a = \|\mathbf{x}\|,

        the second term taken as 0 at :math:`\mathbf{x} = 0` (torch's subgradient of the norm).
        """
        check_cotangent(dk, x, k, f"{type(self).__name__}.compute_vjp", names=("dk", "x", "k"))
        x_hat = normalize_rows_shifted(x, eps=self.eps)
        y_hat = normalize_rows_shifted(y, eps=self.eps)
        dx_hat, dy_hat = gram_product_vjp(dk, x_hat, y_hat)
        return (normalize_rows_shifted_vjp(dx_hat, x, x_hat, eps=self.eps),
                normalize_rows_shifted_vjp(dy_hat, y, y_hat, eps=self.eps))


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
        self.degree = check_degree(degree)
        self.alpha = float(alpha)
        self.coef0 = float(coef0)

    def _base(self, x, y):
        xp = namespace(x, y)
        return self.alpha * xp.matmul(x, xp.matrix_transpose(y)) + self.coef0

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
        check_cotangent(dk, x, k, f"{type(self).__name__}.compute_vjp", names=("dk", "x", "k"))
        xp = namespace(x, y)
        if self.degree == 0:
            return xp.zeros_like(x), xp.zeros_like(y)
        base = self._base(x, y)
        dbase = dk * (self.degree * base ** (self.degree - 1))
        dx = sum_to_shape(self.alpha * xp.matmul(dbase, y), tuple(x.shape))
        dy = sum_to_shape(self.alpha * xp.matmul(xp.matrix_transpose(dbase), x), tuple(y.shape))
        return dx, dy


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_pair(rng, xp, dtype, *, batch=(2,), n=4, m=3, d=5, y_batch=None, **_):
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


def _make_gram(build):
    def make(rng, xp, dtype, *, batch=(2,), n=4, d=3, **params):
        return Inputs((random_normal(rng, (*batch, n, d), dtype=dtype, xp=xp),), {"kernel": build(**params)})

    return make


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
    gram_matrix_case(
        "CosineKernel.gram_matrix",
        _make_gram(lambda eps=1e-8: CosineKernel(eps)),
        grid=({"batch": (2,), "n": 4, "d": 3}, {"batch": (), "n": 3, "d": 5, "eps": 0.5}),
        error_scale=20.0,
        error_reason="as CosineKernel: two length-d norms, a length-d dot, two divisions: 3d+4 for d <= 5",
    ),
    gram_matrix_case(
        "PolynomialKernel.gram_matrix",
        _make_gram(lambda degree=2, alpha=1.0, coef0=0.0: PolynomialKernel(degree, alpha, coef0)),
        grid=({"batch": (2,), "n": 4, "d": 3, "degree": 3, "alpha": 0.5, "coef0": 1.0},),
        error_scale=42.0,
        error_reason="as PolynomialKernel: a length-d dot, scale and shift, the p-th power: 2p(d+2)",
    ),
]
