r"""Closed-form kernels the empirical ones converge to: the expected random-Fourier-feature kernel of seed 004's
layer, and the infinite-width NNGP (conjugate) and neural tangent kernels of ReLU MLPs.

**Expected RFF kernel.** One feature is :math:`\varphi(x) = \sin(\pi w \cdot x + b)` with
:math:`w_j \sim U(-a, a)` independent, :math:`a = s/d`, and :math:`b \sim U(-1, 1)`. With
:math:`\sin A \sin B = \frac12[\cos(A - B) - \cos(A + B)]`, :math:`A - B = \pi w\cdot(x - x')` free of
:math:`b`, and :math:`\mathbb E_b \cos(u + 2b) = \frac14[\sin(u + 2) - \sin(u - 2)] = \frac{\sin 2}{2}\cos u`:

.. math::

    k(x, x') = \mathbb E\,\varphi(x)\varphi(x') = \frac12\Big[\prod_j \operatorname{sinc}\big(a (x_j -
    x'_j)\big) - \frac{\sin 2}{2} \prod_j \operatorname{sinc}\big(a (x_j + x'_j)\big)\Big],

using :math:`\mathbb E_w \cos(\pi w\cdot v) = \prod_j \frac{\sin(\pi a v_j)}{\pi a v_j}` (the characteristic
function of a uniform law; :math:`\operatorname{sinc} t = \sin(\pi t)/(\pi t)`, NumPy's). It is not
shift-invariant: :math:`b` is not uniform over a period (Rahimi and Recht's :math:`b \sim U(0, 2\pi)`
would remove the second term). The Gram matrix of m features, :math:`\Phi\Phi^{\mathsf T}`, has mean
:math:`m\,K` and, as an average of m independent terms, :math:`\|\Phi\Phi^{\mathsf T}/m - K\| =
O_p(m^{-1/2})`.

**ReLU MLP at infinite width** (Neal 1996; Cho and Saul 2009; Lee et al. 2018; Jacot et al. 2018), for the
network of :class:`~specref.neural_kernels.mlp.ReLUMLP` (depth L, :math:`\sigma_w`, :math:`\sigma_b`). The
first layer's pre-activation covariance is :math:`\Sigma^{1}(x, x') = \sigma_w^2\, x\cdot x'/d +
\sigma_b^2`; for a pair with covariances :math:`q = \Sigma(x, x)`, :math:`q' = \Sigma(x', x')`,
:math:`c = \Sigma(x, x')` and :math:`\theta = \arccos(c/\sqrt{q q'})`, the Gaussian expectations of the
ReLU :math:`\phi` and of its derivative are the arc-cosine kernels

.. math::

    \kappa_1 = \mathbb E\,\phi(u)\phi(v) = \frac{\sqrt{q q'}}{2\pi}\big(\sin\theta + (\pi - \theta)
    \cos\theta\big), \qquad \kappa_0 = \mathbb E\,\phi'(u)\phi'(v) = \frac{\pi - \theta}{2\pi},

and for :math:`l = 1, \dots, L`:

.. math::

    \Sigma^{l+1} = \sigma_w^2\, \kappa_1(\Sigma^l) + \sigma_b^2, \qquad
    \Theta^{l+1} = \Sigma^{l+1} + \sigma_w^2\, \kappa_0(\Sigma^l)\, \Theta^l, \qquad \Theta^1 = \Sigma^1.

The output's NNGP kernel is :math:`\Sigma^{L+1}`, its NTK (NTK parameterisation) :math:`\Theta^{L+1}`, and
the conjugate kernel, the limit of :math:`a_L(x)\cdot a_L(x')/n` for the last hidden layer, is
:math:`\kappa_1(\Sigma^L)`, the same in both parameterisations (the function at initialisation has the same
law). Rounding: :math:`\arccos` has derivative :math:`-1/\sqrt{1 - \rho^2}`, so for nearly parallel
points :math:`\theta` carries an error of order :math:`\sqrt\epsilon`; :math:`\kappa_1` stays accurate
(its :math:`\theta`-derivative vanishes at :math:`\theta = 0`) while :math:`\kappa_0` inherits it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from specref._args import check_nonnegative_float, check_positive_float, check_positive_int
from specref.neural_kernels.jacobian import check_scale
from specref.testing.case import Case, Inputs
from specref.testing.checks import CheckResult

__all__ = ["rff_expected_kernel", "arccos_kernels", "relu_kernels", "ReLUKernels", "quadrature_rff_kernel",
           "quadrature_relu_expectations"]


def _points(x, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"{name} must be points of shape (n, d) with n, d >= 1, got shape {x.shape}")
    return x


def _pair(x1, x2):
    x1 = _points(x1, "x1")
    x2 = x1 if x2 is None else _points(x2, "x2")
    if x1.shape[1] != x2.shape[1]:
        raise ValueError(f"x1 and x2 must have the same dimension d, got {x1.shape[1]} and {x2.shape[1]}")
    return x1, x2


def rff_expected_kernel(x1, x2=None, *, scale: float = 1.0) -> np.ndarray:
    r"""The expected product of one seed-004 feature :math:`\sin(\pi w\cdot x + b)` at two points (module
    docstring), for points (n1, d) and (n2, d) (``x2`` defaults to ``x1``): shape (n1, n2), float64.

    Raises
    ------
    ValueError
        For points that are not (n, d) matrices, of different d, or a scale that is not finite and > 0.
    """
    x1, x2 = _pair(x1, x2)
    a = check_scale(scale) / x1.shape[1]
    diff = np.prod(np.sinc(a * (x1[:, None, :] - x2[None, :, :])), axis=-1)
    total = np.prod(np.sinc(a * (x1[:, None, :] + x2[None, :, :])), axis=-1)
    return 0.5 * (diff - 0.5 * math.sin(2.0) * total)


def arccos_kernels(c, q1, q2) -> tuple:
    r"""``(kappa1, kappa0)``: :math:`\mathbb E\,\phi(u)\phi(v)` and :math:`\mathbb E\,\phi'(u)\phi'(v)` for a
    centred Gaussian pair with :math:`\mathbb E u^2 = q_1`, :math:`\mathbb E v^2 = q_2`, :math:`\mathbb E
    uv = c` (arrays broadcasting together; :math:`\phi` = ReLU)."""
    norm = np.sqrt(q1 * q2)
    rho = np.clip(c / norm, -1.0, 1.0)  # |rho| <= 1 up to rounding
    theta = np.arccos(rho)
    kappa1 = norm / (2.0 * math.pi) * (np.sin(theta) + (math.pi - theta) * rho)
    kappa0 = (math.pi - theta) / (2.0 * math.pi)
    return kappa1, kappa0


@dataclass(frozen=True)
class ReLUKernels:
    r"""The infinite-width kernels of a ReLU MLP between two point sets: ``nngp`` (the output's
    :math:`\Sigma^{L+1}`), ``ntk`` (:math:`\Theta^{L+1}`) and ``ck`` (:math:`\kappa_1(\Sigma^L)`, the
    conjugate kernel of the last hidden layer), each (n1, n2) float64."""

    nngp: np.ndarray
    ntk: np.ndarray
    ck: np.ndarray


def relu_kernels(x1, x2=None, *, depth: int = 1, sigma_w: float = math.sqrt(2.0), sigma_b: float = 0.1
                 ) -> ReLUKernels:
    r"""The NNGP, NTK and conjugate kernel of an infinitely wide ReLU MLP with ``depth`` hidden layers
    (module docstring's recursion), for points (n1, d) and (n2, d).

    Parameters
    ----------
    x1, x2 : array-like (n1, d), (n2, d)
        ``x2`` defaults to ``x1``.
    depth : int >= 1
    sigma_w : float > 0
    sigma_b : float >= 0
        As :class:`~specref.neural_kernels.mlp.ReLUMLP`'s.

    Returns
    -------
    ReLUKernels

    Raises
    ------
    ValueError
        For bad points, depth < 1, sigma_w <= 0 or sigma_b < 0.
    """
    x1, x2 = _pair(x1, x2)
    depth = check_positive_int(depth, "depth")
    sw2 = check_positive_float(sigma_w, "sigma_w") ** 2
    sb2 = check_nonnegative_float(sigma_b, "sigma_b") ** 2
    d = x1.shape[1]
    cross = sw2 * (x1 @ x2.T) / d + sb2  # Sigma^1
    q1 = sw2 * np.sum(x1 * x1, axis=1) / d + sb2
    q2 = sw2 * np.sum(x2 * x2, axis=1) / d + sb2
    ntk = cross
    ck = None
    for _ in range(depth):
        ck, kappa0 = arccos_kernels(cross, q1[:, None], q2[None, :])
        cross = sw2 * ck + sb2
        ntk = cross + sw2 * kappa0 * ntk
        # the diagonal: theta = 0, kappa1 = q / 2
        q1, q2 = sw2 * q1 / 2.0 + sb2, sw2 * q2 / 2.0 + sb2
    return ReLUKernels(cross, ntk, ck)


# ----------------------------------------------------------------------------------------------------------
# verification cases: each closed form against quadrature of the expectation that defines it


def _gauss_legendre(n, lo, hi):
    t, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (hi - lo) * t + 0.5 * (hi + lo), 0.5 * (hi - lo) * w


def quadrature_rff_kernel(x, *, scale: float, nodes: int) -> np.ndarray:
    """The mean over w ~ U(-a, a)^d and b ~ U(-1, 1) of sin(pi w.x + b) sin(pi w.x' + b) by tensor
    Gauss-Legendre quadrature with ``nodes`` points per axis (the integrand is entire, with frequencies at
    most pi a |x| + 1: the rule converges exponentially once ``nodes`` exceeds that)."""
    x = _points(x, "x")
    d = x.shape[1]
    a = scale / d
    w1, ww = _gauss_legendre(nodes, -a, a)
    b1, bw = _gauss_legendre(nodes, -1.0, 1.0)
    w = np.stack([g.ravel() for g in np.meshgrid(*([w1] * d), indexing="ij")], axis=1)
    weights = np.prod(np.meshgrid(*([ww] * d), indexing="ij"), axis=0).ravel() / (2 * a) ** d
    feats = np.sin((np.pi * x @ w.T)[:, :, None] + b1[None, None, :])
    return np.einsum("iwb,jwb,w,b->ij", feats, feats, weights, bw / 2.0)


def quadrature_relu_expectations(q1: float, q2: float, c: float) -> tuple:
    """``(E relu(u) relu(v), E 1[u > 0] 1[v > 0], error)`` for a centred Gaussian pair by quadrature: in polar
    coordinates of the whitened pair the radial integrals are analytic (:math:`\\int r^3 e^{-r^2/2} dr = 2`,
    :math:`\\int r e^{-r^2/2} dr = 1`, over the angle's measure :math:`2\\pi`) and the angle is integrated
    numerically (``scipy.integrate.quad``) with the kinks as breakpoints; ``error`` is the larger of quad's two
    absolute error estimates, scaled like the values."""
    from scipy import integrate

    rho = c / math.sqrt(q1 * q2)
    s = math.sqrt(max(1.0 - rho * rho, 0.0))
    kinks = sorted(k for k in (-math.pi / 2, math.pi / 2, math.atan2(-rho, s), math.atan2(rho, -s))
                   if -math.pi < k < math.pi)

    def angular(f):
        def g(phi):
            z1, z2 = math.cos(phi), math.sin(phi)
            return f(math.sqrt(q1) * z1, math.sqrt(q2) * (rho * z1 + s * z2))
        return integrate.quad(g, -math.pi, math.pi, points=kinks, limit=200, epsabs=0.0, epsrel=1e-12)

    relu, relu_err = angular(lambda u, v: max(u, 0.0) * max(v, 0.0))
    step, step_err = angular(lambda u, v: float(u > 0 and v > 0))
    return relu / math.pi, step / (2 * math.pi), max(relu_err / math.pi, step_err / (2 * math.pi))


def _make_points(rng, xp, dtype, *, n, d, nodes=None, **kwargs):  # nodes: the quadrature's, not the forward's
    return Inputs((rng.uniform(0.0, 1.0, (n, d)),), kwargs)


# quadrature converges to ~1e-15 absolute (exponential rule; quad's epsrel 1e-14 on a smooth wedge): the bound
# is the closed form's own rounding, a few eps per sinc/arccos/product, times 64 for the products over d and the
# recursion's depth
_CLOSED_FORM_BOUND = 64 * np.finfo(float).eps


def _check_rff_quadrature(inputs, *, xp, dtype, params, rng):
    (x,), kw = inputs.args, inputs.kwargs
    quad = quadrature_rff_kernel(x, scale=kw["scale"], nodes=params["nodes"])
    err = float(np.max(np.abs(rff_expected_kernel(x, scale=kw["scale"]) - quad)) / np.max(np.abs(quad)))
    return CheckResult("quadrature", err, _CLOSED_FORM_BOUND, err <= _CLOSED_FORM_BOUND,
                       "Gauss-Legendre over w and b; closed form's rounding (64 eps)")


def _check_arccos_quadrature(inputs, *, xp, dtype, params, rng):
    (x,), kw = inputs.args, inputs.kwargs
    sw2, sb2, d = kw["sigma_w"] ** 2, kw["sigma_b"] ** 2, x.shape[1]
    cross = sw2 * (x @ x.T) / d + sb2  # Sigma^1
    worst = 0.0
    for i, j in ((0, 1), (1, 2), (0, 2)):
        k1, k0 = arccos_kernels(cross[i, j], cross[i, i], cross[j, j])
        relu, step, quad_err = quadrature_relu_expectations(cross[i, i], cross[j, j], cross[i, j])
        worst = max(worst, (abs(k1 - relu) - quad_err) / abs(relu), (abs(k0 - step) - quad_err) / abs(step))
    return CheckResult("quadrature", max(worst, 0.0), _CLOSED_FORM_BOUND, worst <= _CLOSED_FORM_BOUND,
                       "the arc-cosine kernels against polar quadrature of E relu relu and E relu' relu' (less "
                       "quad's error estimate); closed form's rounding (64 eps)")


_HOST_ONLY = {"strict": "closed forms are host float64 NumPy functions (the empirical kernels run on every backend)",
              "cupy": "closed forms are host float64 NumPy functions (the empirical kernels run on every backend)"}

CASES = [
    Case(name="rff_expected_kernel", forward=lambda x, scale: rff_expected_kernel(x, scale=scale),
         make=_make_points, extra_checks=(_check_rff_quadrature,), dtypes=("float64",), backend_limits=_HOST_ONLY,
         grid=({"n": 4, "d": 1, "scale": 10.0, "nodes": 120}, {"n": 3, "d": 2, "scale": 2.0, "nodes": 40})),
    Case(name="relu_kernels", forward=lambda x, sigma_w, sigma_b: relu_kernels(x, depth=2, sigma_w=sigma_w,
                                                                                 sigma_b=sigma_b).ntk,
         make=_make_points, extra_checks=(_check_arccos_quadrature,), dtypes=("float64",), backend_limits=_HOST_ONLY,
         grid=({"n": 3, "d": 2, "sigma_w": math.sqrt(2.0), "sigma_b": 0.1},
               {"n": 3, "d": 3, "sigma_w": 1.0, "sigma_b": 0.5})),
]
