r"""scikit-learn's ``RBFSampler`` against specref's random Fourier feature map, forward only.

``RBFSampler(gamma, n_components=m).fit(X)`` draws ``random_weights_`` :math:`W \sim \sqrt{2\gamma}\,N(0, 1)`
of shape ``(d, m)`` and ``random_offset_`` :math:`b \sim U[0, 2\pi)`, and ``transform`` computes
:math:`\sqrt{2/m}\cos(XW + b)`: the Gaussian kernel :math:`\exp(-\gamma\|x - y\|^2)`'s features, i.e.
:func:`specref.kernels.rff_features` with ``omega = W``, ``bias = b`` (specref's GaussianRFFKernel with
:math:`\sigma = 1/\sqrt{2\gamma}`). Both sides get sklearn's fitted arrays as inputs; the peer puts them back
into the sampler before ``transform``. sklearn has no autograd: the output only.

Bound: ``rff_features`` has no verify case of its own; it is the map of the case
``GaussianRFFKernel.forward``, whose claim :math:`c = (d + 1)(3d + 7) + 1` (the argument :math:`x\cdot\omega + b`
to :math:`\gamma_{d+1}(\sum|x||\omega| + 2\pi)`, then cos) holds for standard normal inputs and frequencies
of standard deviation up to :math:`1/0.7` (:math:`\gamma \le 1`, as here); two implementations differ by at
most :math:`2c\epsilon`.
"""

from __future__ import annotations

from specref.compare.suites import SuiteCase

__all__ = ["cases", "POINTS"]

# (samples n, features d, components m, gamma, dtype)
POINTS = (
    (5, 4, 8, 0.5, "float64"),
    (3, 2, 5, 1.0, "float64"),
    (7, 6, 16, 0.5, "float64"),
    (6, 8, 32, 0.1, "float64"),  # more features and components, a wider kernel
    (2, 1, 3, 0.25, "float64"),  # one feature
    (4, 3, 6, 1.0, "float32"),  # sklearn keeps float32 data's weights in float32
)


def _bound(d: int, dtype: str):
    from specref.compare.bounds import eps_of
    from specref.kernels.rff import CASES
    from specref.testing.tolerances import Bound

    case = next(c for c in CASES if c.name == "GaussianRFFKernel.forward")
    c = case.scale_for({"d": d})
    eps = eps_of(dtype)
    return Bound(2.0 * c * eps, f"2 c eps, c = {c:.3g} from specref's verify case {case.name!r} "
                                f"({case.error_reason}); eps = {eps:.3g}")


def _run(n, d, m, gamma, dtype, label, seed):
    import numpy as np
    from sklearn.kernel_approximation import RBFSampler  # peer-only

    from specref.compare import compare
    from specref.kernels import rff_features

    x = np.random.default_rng(seed).standard_normal((n, d)).astype(dtype)
    sampler = RBFSampler(gamma=gamma, n_components=m, random_state=seed).fit(x)

    def transform(x, omega, bias):
        sampler.random_weights_, sampler.random_offset_ = omega, bias
        return sampler.transform(x)

    transform.__module__, transform.__qualname__ = "sklearn", "RBFSampler.transform"
    inputs = (x, sampler.random_weights_, sampler.random_offset_)
    bound = _bound(d, dtype)
    return compare(transform, rff_features, x=inputs, framework="numpy", bound=(bound, bound), label=label,
                   seed=seed)


def cases() -> list[SuiteCase]:
    out = []
    for i, (n, d, m, gamma, dtype) in enumerate(POINTS):
        label = f"x({n},{d}) n_components={m} gamma={gamma} {dtype}"

        def run(n=n, d=d, m=m, gamma=gamma, dtype=dtype, label=label, seed=i):
            return _run(n, d, m, gamma, dtype, label, seed)

        out.append(SuiteCase("sklearn", "rff_features", label, run))
    return out
