r"""Kernel attention: spectrans's ``KernelAttention`` ('gaussian', 'spectral': linear in N; 'polynomial': quadratic).

The feature kernels follow equations (1)-(7) and the feature maps of :mod:`specref.layers.attention._linear_base`
(linear attention :math:`o_i = \phi_{q,i}^{\mathsf T}\sum_j \phi_{k,j} v_j^{\mathsf T} / (\phi_{q,i}^{\mathsf T}
\sum_j \phi_{k,j} + \epsilon)`, causal with ``causal=True``):

- ``"gaussian"``: ``kernel.omega`` (d, m), i.i.d. :math:`N(0, s^{-2})`, :math:`s = 1/\sqrt d` (no orthogonal
  option, as spectrans). specref variant: positive features (3b) of :math:`\exp(-\|q-k\|^2/(2s^2))` with the
  stabilisers, :math:`\epsilon = 0`; spectrans variant: :math:`\sqrt{2/m}\cos(q\Omega + b)` (3e) with
  ``kernel.bias``, :math:`\epsilon = 10^{-6}`.
- ``"spectral"``: the learnable ``kernel.eigenvectors`` :math:`V` (d, r) and ``kernel.eigenvalues``
  :math:`\lambda` (r,) (:class:`specref.kernels.spectral.LearnableSpectralKernel`). spectrans variant: its
  features :math:`(qV)\operatorname{diag}(\sqrt{|\lambda| + 10^{-8}})` (3f), signed, :math:`\epsilon = 10^{-6}`;
  specref variant: FAVOR+ positive features with that learned projection,
  :math:`W = V\operatorname{diag}(\sqrt{|\lambda| + 10^{-8}})` and inputs scaled by :math:`d^{-1/4}` (3c), with
  the stabilisers, :math:`\epsilon = 0`. :math:`W` is the kernel's features of the identity, so its gradient
  reaches :math:`V` and :math:`\lambda` through the kernel's own VJP (:math:`\operatorname{sign}(0) = 0` at
  :math:`\lambda = 0`, as torch).

``"polynomial"`` (both variants; quadratic, spectrans's normalised-polynomial softmax), per head:

.. math::

    S &= \frac{(q_t k_t^{\mathsf T} + 1)^2}{\|q_t\| \|k_t\|^{\mathsf T} + 10^{-8}} \qquad (P1) \\
    A &= \operatorname{softmax}_{j \in K_i}(S_{ij}), \quad K_i = \{j: \mu_j = 1\ (\text{and } j \le i
         \text{ if causal})\} \qquad (P2) \\
    o_t &= \tilde A v_t, \quad \tilde A = \operatorname{drop}_w(A) \qquad (P3)

(P1) is :meth:`specref.kernels.spectral_eigen.PolynomialSpectralKernel.compute` (rank unused there), (P2) gives
the excluded keys weight 0 (spectrans fills :math:`-10^9` before the softmax: the same weights unless every key
of a row is excluded, where spectrans spreads the row uniformly over the masked keys and specref gives 0, as
exact attention), (P3) the weights' dropout ``"weights_dropout"`` (keep-mask (..., h, N, N)); then (6), (7)
with the output dropout ``"dropout"``. ``ctx.weights`` is :math:`A` (before its dropout), and
``return_attention=True`` is accepted here only (the feature kernels never form the weights). spectrans applies
one ``nn.Dropout`` module to both; specref names the two masks.

Where specref departs from spectrans: the divisibility of ``hidden_dim`` by ``num_heads`` is checked
(spectrans fails in a ``view``), ``rank <= d`` (spectrans's spectral kernel breaks at ``rank > d``), the feature
choices of the specref variant above (spectrans-inventory #14: signed Gaussian and spectral features make
normalisers negative or near 0), and a row with no kept key gives 0 (in both variants' polynomial path, and in
the specref variant's feature path). :meth:`from_state_dict` defaults to the spectrans variant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from specref._args import check_choice, check_flag, check_positive_int
from specref.backend import as_generator, device_of
from specref.kernels.spectral import LearnableSpectralKernel
from specref.kernels.spectral_eigen import PolynomialSpectralKernel
from specref.layers.attention._linear_base import (
    SPECTRANS_EPS,
    FeatureMap,
    LinearAttentionBase,
    draw_gaussian,
    feature_error,
    gaussian_feature_map,
)
from specref.layers.attention._linear_cases import linear_case
from specref.layers.base import prefixed
from specref.ops.dropout import dropout, dropout_vjp
from specref.ops.softmax import softmax, softmax_vjp

__all__ = ["KernelAttention", "PolynomialMixCtx"]

_KERNEL_TYPES = ("gaussian", "polynomial", "spectral")


@dataclass(frozen=True)
class PolynomialMixCtx:
    """Equations (P1)-(P3) of one forward (``ctx.mix`` of the polynomial path)."""

    scores: object  # (P1) S (..., h, N, N)
    scores_in: object  # (P2) S with the excluded keys at -inf (a row with no key: 0), the softmax's input
    probs: object  # (P2) softmax(scores_in)
    has_key: object | None  # (P2) 1.0 for a row with a kept key, (..., 1 or h, N, 1); None without exclusions
    weights_mask: object | None  # (P3) keep-mask of "weights_dropout" (None when inactive)
    weights_dropped: object  # (P3) A~


class KernelAttention(LinearAttentionBase):
    r"""Kernel attention (spectrans ``KernelAttention``); module docstring for the math.

    Parameters
    ----------
    hidden_dim : int
        D, divisible by ``num_heads``.
    num_heads : int
        h (default 8).
    kernel_type : {"gaussian", "polynomial", "spectral"}
    rank : int, optional
        r <= d (default min(64, d)): the spectral kernel's rank (the polynomial kernel stores it unused).
    num_features : int, optional
        m >= 1 Gaussian features per head (default d).
    dropout : float
        p of the dropouts (``"dropout"`` on the output; polynomial also ``"weights_dropout"`` on A).
    variant : {"specref", "spectrans"}, keyword-only
        The features of "gaussian" and "spectral" (module docstring); :meth:`from_state_dict` defaults to
        ``"spectrans"``.
    seed : int or numpy.random.Generator, keyword-only
        nn.Linear's init laws for the q, k, v, out projections (in that order), then the kernel's arrays.

    Attributes
    ----------
    params : dict
        ``q_proj.weight`` (D, D), ``q_proj.bias`` (D,), likewise ``k_proj``, ``v_proj``, ``out_proj``;
        "spectral": then ``kernel.eigenvectors`` (d, r), ``kernel.eigenvalues`` (r,).
    buffers : dict
        "gaussian": ``kernel.omega`` (d, m) and, in the spectrans variant, ``kernel.bias`` (m,).

    Raises
    ------
    ValueError
        For sizes < 1, D not divisible by h, rank > d, an unknown kernel type or variant, dropout outside [0, 1).
    TypeError
        For sizes that are not integers.

    Examples
    --------
    >>> import numpy as np
    >>> layer = KernelAttention(8, 2, kernel_type="polynomial")
    >>> x = np.random.default_rng(0).standard_normal((3, 5, 8))
    >>> y, ctx = layer.forward(x, return_attention=True)
    >>> ctx.weights.shape
    (3, 2, 5, 5)
    >>> dx, grads = layer.backward(ctx, np.ones_like(y))
    >>> dx.shape, list(grads) == list(layer.params)
    ((3, 5, 8), True)
    """

    def __init__(self, hidden_dim: int, num_heads: int = 8, kernel_type: str = "gaussian", rank: int | None = None,
                 num_features: int | None = None, dropout: float = 0.0, *, variant: str = "specref", seed=0):
        self._init_heads(hidden_dim, num_heads)
        self.kernel_type = check_choice(kernel_type, _KERNEL_TYPES, "kernel_type")
        d = self.head_dim
        self.rank = min(64, d) if rank is None else check_positive_int(rank, "rank")
        if self.rank > d:
            raise ValueError(f"rank {self.rank} must be <= the head dimension d = {d} (a rank-r spectral kernel needs "
                             f"r orthonormal directions in R^d; spectrans breaks at rank > d)")
        self._init_features(num_features)
        self._init_dropout(dropout)
        self.use_bias = True
        self.variant = self._check_variant(variant)
        self._eps = 0.0 if self.variant == "specref" else SPECTRANS_EPS
        if self.kernel_type == "polynomial":
            self.dropout_names = ("weights_dropout", "dropout")
        gen = as_generator(seed)
        params = self._projection_params(gen, True)
        buffers = {}
        self._children = {}
        if self.kernel_type == "gaussian":
            buffers = prefixed("kernel", draw_gaussian(gen, d, self.num_features, self.variant, False))
        elif self.kernel_type == "spectral":
            kernel = LearnableSpectralKernel(d, self.rank, seed=gen)
            self._children = {"kernel": kernel}
            params.update(prefixed("kernel", kernel.params))
        self._init_arrays(params, buffers)

    # ------------------------------------------------------------------------------------------------
    # hooks of the base

    def _feature_map(self, x, gen) -> FeatureMap:
        if self.kernel_type == "gaussian":
            return gaussian_feature_map(self.variant, self.head_dim, self.buffers)  # (3b) or (3e)
        kernel = self._child("kernel")
        if self.variant == "spectrans":
            return FeatureMap("spectral", kernel=kernel)  # (3f)
        xp = self.xp
        eye = xp.eye(self.head_dim, dtype=x.dtype, device=device_of(x))
        return FeatureMap("positive", scale=self.head_dim ** -0.25, projection=kernel.extract_features(eye),
                          stabilize=True, kernel=kernel)  # (3c): W = Phi(I) = V diag(w)

    def _feature_count(self) -> int:
        return self.rank if self.kernel_type == "spectral" else self.num_features

    def _feature_error(self) -> float:
        kind = "softmax" if self.kernel_type == "spectral" and self.variant == "specref" else self.kernel_type
        return feature_error(self.variant, kind, self.head_dim)

    def _check_return_attention(self, return_attention):
        if self.kernel_type != "polynomial":
            super()._check_return_attention(return_attention)
        else:
            check_flag(return_attention, "return_attention")  # the weights are in ctx.weights either way

    def _dropout_shapes(self, shape: tuple) -> dict:
        n = shape[-2]
        if self.kernel_type != "polynomial":
            return {"dropout": shape}
        return {"weights_dropout": (*shape[:-2], self.num_heads, n, n), "dropout": shape}

    def error_scale(self, n: int) -> float:
        r"""The claim :math:`c` for sequences of length n (the feature kernels: the base's derivation).

        Polynomial: four projections :math:`1.5 D + 2`; :math:`S` from length-d dots and norms,
        :math:`3(1.5 d + 2) + 3` relative, which the softmax turns into an absolute error of its exponent, so
        times :math:`\max|S| \le r^2 + 3` with :math:`r = 1.2(\sqrt d + 3)` (the cases' q, k norms); the
        softmax's length-N sum :math:`1.5 N + 2` and the length-N product with v :math:`1.5 N + 2`; the
        dropouts 2; doubled.
        """
        if self.kernel_type != "polynomial":
            return super().error_scale(n)
        d = self.head_dim
        r = 1.2 * (math.sqrt(d) + 3.0)
        scores = (3.0 * (1.5 * d + 2.0) + 3.0) * (r * r + 3.0)
        return 2.0 * (4.0 * (1.5 * self.hidden_dim + 2.0) + scores + 2.0 * (1.5 * n + 2.0) + 2.0)

    # ------------------------------------------------------------------------------------------------
    # the polynomial path (P1)-(P3)

    def _mix(self, xp, x, qh, kh, vh, mask, keep, causal, gen, training, masks):
        if self.kernel_type != "polynomial":
            return super()._mix(xp, x, qh, kh, vh, mask, keep, causal, gen, training, masks)
        kern = PolynomialSpectralKernel(self.rank, degree=2)
        s = kern.compute(qh, kh)  # (P1)
        n = x.shape[-2]
        allowed = None
        if mask is not None:
            allowed = xp.expand_dims(xp.expand_dims(mask, axis=-2), axis=-2)  # (..., 1, 1, N)
        if causal:
            tri = xp.tril(xp.ones((n, n), dtype=xp.bool, device=device_of(x)))
            allowed = tri if allowed is None else xp.logical_and(allowed, tri)
        s_in, has_key = s, None
        if allowed is not None:  # (P2) excluded keys at -inf; a row with no key: scores 0, weights zeroed below
            has = xp.any(allowed, axis=-1, keepdims=True)
            has_key = xp.astype(has, x.dtype)
            s_in = xp.where(allowed, s, xp.asarray(-math.inf, dtype=x.dtype, device=device_of(x)))
            s_in = xp.where(has, s_in, xp.zeros_like(s))
        probs = softmax(s_in, axis=-1)  # (P2)
        a = probs if has_key is None else probs * has_key
        wmask = self._dropout_mask("weights_dropout", tuple(a.shape), self.dropout, x=x, training=training, rng=gen,
                                   masks=masks)
        a_drop = a if wmask is None else dropout(a, mask=wmask, p=self.dropout)  # (P3)
        o = xp.matmul(a_drop, vh)  # (P3)
        mix = PolynomialMixCtx(scores=s, scores_in=s_in, probs=probs, has_key=has_key, weights_mask=wmask,
                               weights_dropped=a_drop)
        return o, mix, a

    def _mix_vjp(self, xp, ctx, do, causal):
        if self.kernel_type != "polynomial":
            return super()._mix_vjp(xp, ctx, do, causal)
        mix = ctx.mix
        # (P3) o = A~ v: dA~ = do v^T, dv = A~^T do
        da_drop = xp.matmul(do, xp.matrix_transpose(ctx.vh))
        dvh = xp.matmul(xp.matrix_transpose(mix.weights_dropped), do)
        # (P3) A~ = drop_w(A)
        da = da_drop if mix.weights_mask is None else dropout_vjp(da_drop, ctx.weights, mix.weights_dropped,
                                                                  mask=mix.weights_mask, p=self.dropout)
        # (P2) A = softmax(S_in) (times 1[row has a key]); excluded entries have probability 0, hence gradient 0
        dprobs = da if mix.has_key is None else da * mix.has_key
        ds = softmax_vjp(dprobs, mix.scores_in, mix.probs, axis=-1)
        # (P1) S = (q k^T + 1)^2 / (|q| |k|^T + 1e-8): the kernel's VJP
        dqh, dkh = PolynomialSpectralKernel(self.rank, degree=2).compute_vjp(ds, ctx.qh, ctx.kh, mix.scores)
        return dqh, dkh, dvh, {}


# ----------------------------------------------------------------------------------------------------------
# verification cases

_KEYS = ("hidden_dim", "num_heads", "kernel_type", "rank", "num_features", "dropout", "variant")

CASES = [
    linear_case(KernelAttention, "KernelAttention", _KEYS, (
        {"hidden_dim": 4, "num_heads": 2, "num_features": 3, "L": 4, "masked": "some"},  # positive Gaussian
        {"hidden_dim": 4, "num_heads": 2, "num_features": 5, "L": 4, "variant": "spectrans"},  # cos features
        {"hidden_dim": 4, "num_heads": 2, "kernel_type": "polynomial", "L": 4, "masked": "empty", "dropout": 0.25},
        {"hidden_dim": 4, "num_heads": 2, "kernel_type": "polynomial", "L": 5, "causal": True, "masked": "some"},
    )),
    linear_case(KernelAttention, "KernelAttentionSpectral", _KEYS, (
        {"hidden_dim": 4, "num_heads": 2, "kernel_type": "spectral", "L": 4, "masked": "some", "causal": True},
        {"hidden_dim": 6, "num_heads": 2, "kernel_type": "spectral", "rank": 2, "L": 4, "variant": "spectrans"},
    )),
]
