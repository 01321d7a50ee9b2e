r"""performer-pytorch's FAVOR+ feature maps and kernel estimate against specref's ``RFFAttentionKernel``.

performer-pytorch 1.1.4 (``performer_pytorch.performer_pytorch``) draws a projection ``P`` of shape (m, d) with
``gaussian_orthogonal_random_matrix`` (the buffer ``FastAttention.projection_matrix``) and computes, with the
data normaliser :math:`s = d^{-1/4}` (``normalize_data=True``) so that :math:`x' = s x`:

* ``softmax_kernel``: :math:`m^{-1/2}\big(\exp(x'P^T - \|x'\|^2/2 - c) + \epsilon\big)`, the FAVOR+ positive
  features of Choromanski et al. (ICLR 2021) times the stabiliser :math:`e^{-c}` (``c`` the detached max of
  :math:`x'P^T` over the features of each row for queries, over all rows and features of a (batch, head) for
  keys), plus ``eps`` (default :math:`10^{-4}`);
* ``generalized_kernel``: :math:`\mathrm{relu}(x'P^T) + \epsilon` (``kernel_epsilon``, default :math:`10^{-3}`).

specref's :func:`~specref.kernels.attention_features.positive_features` and
:func:`~specref.kernels.attention_features.relu_features` (``RFFAttentionKernel(kernel_type="softmax" |
"relu")``) compute :math:`\varphi(x') = m^{-1/2}\exp(x'W - \|x'\|^2/2)` and :math:`\sqrt{2/m}\max(0, x'W)` with
:math:`W = P^T`: the same projection is loaded into both. The data normaliser is the caller's in specref, so
this suite's functions ``favor_features``, ``favor_relu_features`` and ``favor_kernel_estimate`` apply
:math:`s` and call specref's class and VJPs (``compare`` pairs a NumPy function with its ``<name>_vjp``); the
peer side undoes the stabiliser with its detached factor :math:`e^{c}` (exact in exact arithmetic, and
performer's gradient treats :math:`c` as a constant, so the gradients are those of :math:`\varphi`) and
multiplies ``generalized_kernel`` by :math:`\sqrt{2/m}`. With ``eps=0`` (and ``kernel_epsilon=0``) the two
compute the same function, output and gradients (``x``, ``y`` and the projection); with performer's default
epsilons they do not: ``performer_favor_eps`` (validation/findings/). The orthogonal sampler is compared
statistically in validation/test_performer_neuralop.py (``performer_orthogonal_not_haar``).

specref has no attention layer yet (issue 15): FastAttention's output and gradients, i.e. the linear-attention
arithmetic :math:`D^{-1}\varphi(Q)(\varphi(K)^T V)`, wait for it (the findings' scripts check that arithmetic
against NumPy).

Bounds: derived as in :mod:`specref.compare.kernel_bounds` from the sizes read off the inputs (``T`` the largest
:math:`\sum_k |x'_k||w_k| + \|x'\|^2/2`, ``C`` the largest stabiliser, ``Z`` the largest :math:`\sum_k
|x'_k||w_k|`); gradients add a product and the longest sum (features or rows); cancellation in those sums is
not counted (random cotangents show none).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from specref.compare.suites import SuiteCase

__all__ = ["cases", "favor_features", "favor_features_vjp", "favor_relu_features", "favor_relu_features_vjp",
           "favor_kernel_estimate", "favor_kernel_estimate_vjp", "POINTS"]


# ----------------------------------------------------------------------------------------------------------
# specref's side: the feature maps of RFFAttentionKernel applied to d^(-1/4) x (the caller's scaling)


def _scale(x, normalize_data: bool) -> float:
    return x.shape[-1] ** -0.25 if normalize_data else 1.0


def favor_features(x, projection, *, normalize_data: bool = True):
    r""":math:`\varphi(sx)` with :math:`\varphi` specref's FAVOR+ features (``RFFAttentionKernel("softmax")``
    with ``projection`` = :math:`W` (d, m)) and :math:`s = d^{-1/4}` (1 without ``normalize_data``)."""
    from specref.kernels import RFFAttentionKernel

    d, m = projection.shape
    kernel = RFFAttentionKernel(d, m, kernel_type="softmax", redraw=True)
    return kernel.forward(x * _scale(x, normalize_data), projection=projection)


def favor_features_vjp(dy, x, projection, y, *, normalize_data: bool = True):
    r"""``(dx, dprojection)`` of :func:`favor_features`: :func:`positive_features_vjp` at :math:`sx`, and
    :math:`\bar x = s\,\bar{x'}`."""
    from specref.kernels.attention_features import positive_features_vjp

    s = _scale(x, normalize_data)
    dx, dw = positive_features_vjp(dy, x * s, projection, y)
    return dx * s, dw


def favor_relu_features(x, projection, *, normalize_data: bool = True):
    r""":math:`\sqrt{2/m}\max(0, sxW)`: specref's ``RFFAttentionKernel("relu")`` features of :math:`sx`."""
    from specref.kernels import RFFAttentionKernel

    d, m = projection.shape
    kernel = RFFAttentionKernel(d, m, kernel_type="relu", redraw=True)
    return kernel.forward(x * _scale(x, normalize_data), projection=projection)


def favor_relu_features_vjp(dy, x, projection, y, *, normalize_data: bool = True):
    r"""``(dx, dprojection)`` of :func:`favor_relu_features` (:func:`relu_features_vjp` at :math:`sx`)."""
    from specref.kernels.attention_features import relu_features_vjp

    s = _scale(x, normalize_data)
    dx, dw = relu_features_vjp(dy, x * s, projection, y)
    return dx * s, dw


def favor_kernel_estimate(q, k, projection, *, normalize_data: bool = True):
    r"""The FAVOR+ estimate :math:`\varphi(sq)\varphi(sk)^T` of :math:`\exp(q\cdot k/\sqrt d)` (per batch and
    head): ``RFFAttentionKernel.kernel_approximation`` with ``projection`` loaded."""
    from specref.kernels import RFFAttentionKernel

    d, m = projection.shape
    kernel = RFFAttentionKernel(d, m, kernel_type="softmax").with_buffers({"projection": projection})
    s = _scale(q, normalize_data)
    return kernel.kernel_approximation(q * s, k * s)


def favor_kernel_estimate_vjp(dkmat, q, k, projection, y, *, normalize_data: bool = True):
    r"""``(dq, dk, dprojection)`` of :func:`favor_kernel_estimate`: ``kernel_approximation_vjp`` for the
    inputs; the projection's gradient adds :func:`positive_features_vjp`'s second output on both sides
    (:math:`\bar\Phi_q = \bar K\Phi_k`, :math:`\bar\Phi_k = \bar K^T\Phi_q`)."""
    from specref.kernels import RFFAttentionKernel
    from specref.kernels.attention_features import positive_features, positive_features_vjp
    from specref.kernels.base import gram_product_vjp

    d, m = projection.shape
    kernel = RFFAttentionKernel(d, m, kernel_type="softmax").with_buffers({"projection": projection})
    s = _scale(q, normalize_data)
    qs, ks = q * s, k * s
    dq, dk, _ = kernel.kernel_approximation_vjp(dkmat, qs, ks, y)
    phi_q, phi_k = positive_features(qs, projection), positive_features(ks, projection)
    dphi_q, dphi_k = gram_product_vjp(dkmat, phi_q, phi_k)
    dw = positive_features_vjp(dphi_q, qs, projection, phi_q)[1] + positive_features_vjp(dphi_k, ks, projection,
                                                                                          phi_k)[1]
    return dq * s, dk * s, dw


# ----------------------------------------------------------------------------------------------------------
# the peer's side


def _unstabilised(torch, softmax_kernel, x, p_t, *, is_query, normalize_data, eps):
    """performer's softmax_kernel times its detached stabiliser e^c (x (b, h, n, d), p_t the projection (m, d))."""
    s = x.shape[-1] ** -0.25 if normalize_data else 1.0
    z = torch.einsum("...id,jd->...ij", s * x, p_t.type_as(x))
    c = torch.amax(z, dim=-1, keepdim=True) if is_query else torch.amax(z, dim=(-1, -2), keepdim=True)
    phi = softmax_kernel(x, projection_matrix=p_t, is_query=is_query, normalize_data=normalize_data, eps=eps)
    return phi * torch.exp(c.detach())


def _peer_features(is_query: bool, normalize_data: bool, eps: float):
    def features(x, projection):
        import torch  # peer-only
        from performer_pytorch.performer_pytorch import softmax_kernel  # peer-only

        return _unstabilised(torch, softmax_kernel, x, projection.T, is_query=is_query,
                             normalize_data=normalize_data, eps=eps)

    features.__module__, features.__qualname__ = "performer_pytorch", "softmax_kernel"
    return features


def _peer_relu(normalize_data: bool, eps: float):
    def features(x, projection):
        from performer_pytorch.performer_pytorch import generalized_kernel  # peer-only

        m = projection.shape[1]
        phi = generalized_kernel(x, projection_matrix=projection.T, kernel_epsilon=eps,
                                 normalize_data=normalize_data)
        return phi * math.sqrt(2.0 / m)

    features.__module__, features.__qualname__ = "performer_pytorch", "generalized_kernel"
    return features


def _peer_estimate(normalize_data: bool, eps: float):
    def estimate(q, k, projection):
        import torch  # peer-only
        from performer_pytorch.performer_pytorch import softmax_kernel  # peer-only

        p_t = projection.T
        phi_q = _unstabilised(torch, softmax_kernel, q, p_t, is_query=True, normalize_data=normalize_data, eps=eps)
        phi_k = _unstabilised(torch, softmax_kernel, k, p_t, is_query=False, normalize_data=normalize_data, eps=eps)
        return phi_q @ phi_k.transpose(-1, -2)

    estimate.__module__, estimate.__qualname__ = "performer_pytorch", "softmax_kernel(q) softmax_kernel(k)^T"
    return estimate


# ----------------------------------------------------------------------------------------------------------
# bounds


def _sizes(x, w, normalize_data, is_query=True):
    xs = np.asarray(x, dtype=np.float64) * _scale(x, normalize_data)
    w = np.asarray(w, dtype=np.float64)
    z_abs = np.abs(xs) @ np.abs(w)
    t = float(np.max(z_abs + 0.5 * np.sum(xs * xs, axis=-1, keepdims=True)))
    z = xs @ w
    c = np.max(z, axis=-1) if is_query else np.max(z, axis=(-1, -2))
    return t, float(np.max(np.abs(c))), float(np.max(z_abs)), float(np.max(z))


def _feature_c(x, w, normalize_data, is_query) -> tuple[float, str]:
    d = x.shape[-1]
    t, c, _, _ = _sizes(x, w, normalize_data, is_query)
    # each side's argument x'.w - |x'|^2/2: (d + 2) T (specref); performer adds the scaling of x and of the
    # squared norm, the subtraction of c and the recomputed e^c: (d + 5) T + 2 C; exp, scale, product: + 8,
    # relative to every entry (exp turns the absolute error into a relative one)
    value = (d + 5) * t + 2 * c + 8.0
    return value, f"exp of x'.w - |x'|^2/2 of size T = {t:.3g} with stabiliser C = {c:.3g}: (d + 5) T + 2 C + 8"


def _bounds(c_fwd: float, what: str, c_grad: float, grad_what: str, dtype: str):
    from specref.compare.bounds import eps_of
    from specref.testing.tolerances import Bound

    eps = eps_of(dtype)
    return (Bound(2.0 * c_fwd * eps, f"2 c eps, c = {c_fwd:.1f} ({what}); eps = {eps:.3g}"),
            Bound(2.0 * c_grad * eps, f"2 c eps, c = {c_grad:.1f} ({grad_what}); eps = {eps:.3g}"))


def _rows(x) -> int:
    return int(math.prod(x.shape[:-1]))


def _features_bound(x, w, normalize_data, is_query, dtype):
    c, what = _feature_c(x, w, normalize_data, is_query)
    longest = max(w.shape[1], _rows(x))
    return _bounds(c, what, c + 4.0 + longest + 1.0 + 2.0, f"the features' c, a product, sums of {longest} terms "
                   "(features or rows), the scale s", dtype)


def _relu_bound(x, w, normalize_data, dtype):
    d = x.shape[-1]
    _, _, z_abs, z_max = _sizes(x, w, normalize_data)
    # z = x'.w: (d + 1) Z absolute per side plus the scaling of x (Z); relu; sqrt(2/m) and its rounding: 4;
    # against max phi = sqrt(2/m) max z
    c = (d + 2) * z_abs / z_max + 4.0
    longest = max(w.shape[1], _rows(x))
    return _bounds(c, f"z = x'.w of size Z = {z_abs:.3g} ((d + 2) Z) against max z = {z_max:.3g}, relu, scale",
                   4.0 + longest + 1.0 + 2.0 + 4.0, f"relu's derivative is exact: a product, sums of {longest} "
                   "terms, two scales", dtype)


def _estimate_bound(q, k, w, normalize_data, dtype):
    cq, _ = _feature_c(q, w, normalize_data, True)
    ck, _ = _feature_c(k, w, normalize_data, False)
    m = w.shape[1]
    c = cq + ck + m + 1.0  # positive features: a dot of m positive terms, relative to every entry
    longest = max(m, q.shape[-2], k.shape[-2], _rows(q) + _rows(k))
    return _bounds(c, f"features of q and k (c = {cq:.3g}, {ck:.3g}) and an {m}-term dot of positive terms",
                   c + 4.0 + longest + 1.0 + 2.0, f"the estimate's c, a product, sums of {longest} terms, the "
                   "scale s", dtype)


# ----------------------------------------------------------------------------------------------------------
# the cases

# (kind, d, m, n, is_query, normalize_data, dtype, eps): eps None = performer's default
POINTS = (
    ("softmax", 16, 32, 5, True, True, "float64", 0.0),
    ("softmax", 16, 32, 5, False, True, "float64", 0.0),
    ("softmax", 4, 10, 6, True, False, "float64", 0.0),  # m not a multiple of d: a partial block
    ("softmax", 7, 5, 3, False, False, "float64", 0.0),  # m < d
    ("softmax", 8, 16, 4, True, True, "float64", 0.0),   # d^(-1/4) not a power of two
    ("softmax", 16, 24, 4, True, True, "float32", 0.0),
    ("softmax", 16, 32, 5, True, True, "float64", None),  # performer's default eps = 1e-4
    ("softmax", 16, 32, 5, False, True, "float64", None),
    ("relu", 16, 32, 5, None, True, "float64", 0.0),
    ("relu", 5, 12, 4, None, False, "float64", 0.0),
    ("relu", 16, 32, 5, None, True, "float64", None),  # performer's default kernel_epsilon = 1e-3
    ("estimate", 16, 32, 5, None, True, "float64", 0.0),
    ("estimate", 6, 9, 4, None, False, "float64", 0.0),
    ("estimate", 16, 32, 5, None, True, "float64", None),
)


def performer_projection(m: int, d: int, seed: int) -> np.ndarray:
    """performer's ``gaussian_orthogonal_random_matrix(m, d)`` (its FastAttention buffer) drawn under
    ``torch.manual_seed(seed)`` without touching torch's global RNG state; returned as (m, d) float64."""
    import torch  # peer-only
    from performer_pytorch.performer_pytorch import gaussian_orthogonal_random_matrix  # peer-only

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return gaussian_orthogonal_random_matrix(m, d).double().numpy()


def _run(kind, d, m, n, is_query, normalize_data, dtype, eps, label, seed):
    from specref.compare import compare

    rng = np.random.default_rng(seed)
    w = performer_projection(m, d, seed).T.astype(dtype)  # specref's W = P^T (d, m); float32-drawn values
    default = eps is None
    cfg = {"normalize_data": normalize_data}
    if kind == "estimate":
        q = rng.standard_normal((2, 2, n, d)).astype(dtype)
        k = rng.standard_normal((2, 2, n + 1, d)).astype(dtype)
        peer = _peer_estimate(normalize_data, 1e-4 if default else eps)
        out = compare(peer, favor_kernel_estimate, x=(q, k, w), config=cfg, framework="torch",
                      bound=_estimate_bound(q, k, w, normalize_data, dtype), label=label, seed=seed)
        component = "RFFAttentionKernel.kernel_approximation"
    else:
        x = rng.standard_normal((2, 2, n, d)).astype(dtype)
        if kind == "softmax":
            peer = _peer_features(is_query, normalize_data, 1e-4 if default else eps)
            fn, bound = favor_features, _features_bound(x, w, normalize_data, is_query, dtype)
        else:
            peer = _peer_relu(normalize_data, 1e-3 if default else eps)
            fn, bound = favor_relu_features, _relu_bound(x, w, normalize_data, dtype)
        out = compare(peer, fn, x=(x, w), config=cfg, framework="torch", bound=bound, label=label, seed=seed)
        component = f"RFFAttentionKernel.forward[{kind}]"
    note = (f"specref side: {component} of d^(-1/4) x" if normalize_data else f"specref side: {component}")
    return dataclasses.replace(out, component=component, known="performer_favor_eps" if default else out.known,
                               notes=(*out.notes, note + " with performer's projection loaded (W = P^T)"))


def _label(kind, d, m, n, is_query, normalize_data, dtype, eps) -> str:
    what = {"softmax": "softmax_kernel", "relu": "generalized_kernel(relu)",
            "estimate": "softmax_kernel(q) softmax_kernel(k)^T"}[kind]
    parts = [what, f"d={d} m={m} n={n}"]
    if is_query is not None:
        parts.append(f"is_query={is_query}")
    parts.append(f"normalize_data={normalize_data}")
    parts.append("eps=default" if eps is None else f"eps={eps:g}")
    return " ".join(parts + [dtype])


def cases() -> list[SuiteCase]:
    out = []
    for i, point in enumerate(POINTS):
        label = _label(*point)
        kind = point[0]
        component = ("RFFAttentionKernel.kernel_approximation" if kind == "estimate"
                     else f"RFFAttentionKernel.forward[{kind}]")

        def run(point=point, label=label, seed=i):
            return _run(*point, label, seed)

        out.append(SuiteCase("performer-pytorch", component, label, run))
    return out
