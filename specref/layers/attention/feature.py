r"""Random-feature attention: spectrans's ``SpectralAttention`` and ``PerformerAttention``, linear in N.

Equations (1)-(7) and the feature maps (3a)-(3g) are those of :mod:`specref.layers.attention._linear_base`:
projections, heads, features :math:`\phi_q = \varphi(q_t)`, :math:`\phi_k = \varphi(k_t)`, the mask on the
keys' features and values, linear attention

.. math:: o_i = \frac{\phi_{q,i}^{\mathsf T} \sum_{j \in J_i} \phi_{k,j} v_j^{\mathsf T}}
                {\phi_{q,i}^{\mathsf T} \sum_{j \in J_i} \phi_{k,j} + \epsilon}

(:math:`J_i` all keys, or :math:`j \le i` with ``causal=True``: beyond spectrans), the output projection and
dropout. Constructor arguments, parameter and buffer names, shapes and order are spectrans 0.1.0's
(``spectrans/layers/attention/spectral.py``); two variants compute the features:

``variant="specref"`` (a layer built here; DESIGN section 8):

- ``kernel_type="softmax"``: FAVOR+ (3a), the positive estimator of softmax attention's kernel
  :math:`\exp(q\cdot k/\sqrt d)`: inputs scaled by :math:`d^{-1/4}`, ``kernel.projection`` (d, m) with
  :math:`N(0, I_d)` columns (``use_orthogonal``: Haar-orthogonal blocks with the QR sign correction and
  :math:`\chi_d` norms, :func:`specref.kernels.rff.sample_orthogonal_gaussian_frequencies`; else i.i.d.), the
  paired stabilisers of :func:`specref.kernels.attention_features.paired_positive_features` (a per-feature
  maximum over the kept keys, moved into the queries' row maximum), :math:`\epsilon = 0`. The stabilisers
  are constants of the estimator: (5) is invariant to them, so the backward holds them constant and is the
  exact gradient; without ``causal`` every normaliser is at least :math:`1/m` whatever the input norms.
- ``kernel_type="gaussian"``: positive features (3b) of the Gaussian kernel
  :math:`\exp(-\|q - k\|^2/(2 s^2))`, :math:`s = 1/\sqrt d` (spectrans's bandwidth), ``kernel.omega``
  :math:`\sim N(0, s^{-2} I)` per column (orthogonal or i.i.d. as above), the same stabilisers, :math:`\epsilon = 0`.
- ``PerformerAttention(generalized=True)``: :math:`\phi_q = \operatorname{relu}(q)/\sqrt d`,
  :math:`\phi_k = \operatorname{relu}(k)` (3g), **normalised** (:math:`\epsilon = 10^{-6}`).

``variant="spectrans"`` (the default of :meth:`from_state_dict`, which reads spectrans's buffers): "softmax"
:math:`\varphi(q) = e^{qP - \|q\|^2/2}/\sqrt m` (3d) from ``kernel.projection`` as stored, "gaussian"
:math:`\sqrt{2/m}\cos(q\Omega + b)` (3e) from ``kernel.omega`` and ``kernel.bias``, :math:`\epsilon = 10^{-6}`;
generalized: (3g) with **no normaliser**. A fresh layer of this variant draws its buffers by spectrans's laws
(orthogonal columns of norm 1, or i.i.d. :math:`N(0, 1/d)`; Gaussian columns of fixed norm :math:`d` or
i.i.d. :math:`N(0, d)`, phases :math:`U[0, 2\pi)`), never torch's numbers: load a state_dict to compare.

Where specref departs from spectrans (spectrans-inventory section 3):

- **#12** spectrans's "softmax" features divide :math:`P` by :math:`\sqrt d` and drop the temperature, so they
  estimate :math:`\exp(q\cdot k/d - (\|q\|^2 + \|k\|^2)(1 - 1/d)/2)`, not a softmax kernel, and have no
  stabiliser: inputs of large norm underflow every feature and the output silently becomes :math:`0/10^{-6} = 0`.
  specref's (3a) is FAVOR+ with :math:`N(0, I)` columns, the :math:`d^{-1/4}` temperature and the stabilisers.
- **#14** spectrans's Gaussian features are signed, so the normalisers can be negative or near 0 (the
  ``1e-6`` does not protect); specref's (3b) are positive.
- **#15** spectrans never uses its ``self.scale``; an explicit ``head_dim`` other than D/h is refused here
  with a clear message (spectrans asserts, with a misleading one); Performer's generalized path builds a relu
  kernel whose ``kernel.projection`` it never uses (specref keeps the buffer for the state_dict, drawn as the
  softmax one, and never uses it either), has no normaliser (specref's has one) and ignores
  ``return_attention`` (specref refuses it, as for every linear path: no weights are formed; spectrans's
  other paths return ``None`` for them).
- ``feature_redraw=True``: spectrans draws a new projection at every kernel call, so Q and K get **two
  different** projections and :math:`\phi(q)\cdot\phi(k)` estimates nothing; specref draws **one** per forward
  from the explicit ``rng`` (of the variant's law), used for Q and K and kept in the ctx for the backward.
  With ``kernel_type="gaussian"`` spectrans ignores the flag (its Gaussian kernel has no redraw); so does the
  spectrans variant, and the specref variant refuses the combination.
- A query with no kept key (a fully masked sequence; causal, before the first kept key) gives 0 and zero
  gradients in the specref variant (:math:`\epsilon = 0`, module :mod:`~specref.layers.attention._linear_base`),
  as exact attention does; spectrans's :math:`0/10^{-6}` gives 0 too.
"""

from __future__ import annotations

import math

import numpy as np

from specref._args import check_choice, check_flag
from specref.backend import as_generator, device_of, dtype_name, namespace
from specref.kernels.rff import sample_gaussian_frequencies, sample_orthogonal_gaussian_frequencies
from specref.layers.attention._linear_base import (
    SPECTRANS_EPS,
    FeatureMap,
    LinearAttentionBase,
    LinearAttentionCtx,
    draw_gaussian,
    feature_error,
    gaussian_feature_map,
)
from specref.layers.attention._linear_cases import linear_case

__all__ = ["SpectralAttention", "PerformerAttention", "LinearAttentionCtx"]

_KERNEL_TYPES = ("softmax", "gaussian")


class SpectralAttention(LinearAttentionBase):
    r"""Multi-head random-feature attention (spectrans ``SpectralAttention``); module docstring for the math.

    Parameters
    ----------
    hidden_dim : int
        D, divisible by ``num_heads``.
    num_heads : int
        h (default 8).
    num_features : int, optional
        m >= 1 features per head (default d = D/h).
    head_dim : int, optional
        Must equal D/h when given (the projections are D x D).
    kernel_type : {"softmax", "gaussian"}
    use_orthogonal : bool
        Orthogonal blocks of features (else i.i.d.).
    feature_redraw : bool
        No stored ``kernel.projection``: each forward draws one from ``rng`` ("softmax" only).
    dropout : float
        p of the output dropout ``"dropout"`` (keep-mask (..., N, D)), in training mode.
    use_bias : bool
        Biases of the four projections.
    variant : {"specref", "spectrans"}, keyword-only
        The features (module docstring); :meth:`from_state_dict` defaults to ``"spectrans"``.
    seed : int or numpy.random.Generator, keyword-only
        nn.Linear's init laws for the q, k, v, out projections (in that order), then the kernel's buffers.

    Attributes
    ----------
    params : dict
        ``q_proj.weight`` (D, D), ``q_proj.bias`` (D,) (with ``use_bias``), likewise ``k_proj``, ``v_proj``,
        ``out_proj``.
    buffers : dict
        "softmax": ``kernel.projection`` (d, m) (absent with ``feature_redraw``); "gaussian": ``kernel.omega``
        (d, m) and, in the spectrans variant, ``kernel.bias`` (m,).

    Raises
    ------
    ValueError
        For sizes < 1, D not divisible by h, a head_dim other than D/h, an unknown kernel type or variant,
        dropout outside [0, 1), feature_redraw with "gaussian" in the specref variant.
    TypeError
        For sizes that are not integers, flags that are not bool.

    Notes
    -----
    ``forward(x, *, mask=None, causal=False, return_attention=False, training=False, rng=None, masks=None)
    -> (y, ctx)`` (``ctx.weights`` is None: never formed; ``return_attention=True`` raises);
    ``backward(ctx, dy) -> (dx, grads)``.

    Examples
    --------
    >>> import numpy as np
    >>> layer = SpectralAttention(8, 2, num_features=6)
    >>> [(k, tuple(v.shape)) for k, v in layer.buffers.items()]
    [('kernel.projection', (4, 6))]
    >>> x = np.random.default_rng(0).standard_normal((3, 5, 8))
    >>> y, ctx = layer.forward(x, causal=True)
    >>> dx, grads = layer.backward(ctx, np.ones_like(y))
    >>> y.shape, dx.shape, list(grads) == list(layer.params)
    ((3, 5, 8), (3, 5, 8), True)
    """

    def __init__(self, hidden_dim: int, num_heads: int = 8, num_features: int | None = None,
                 head_dim: int | None = None, kernel_type: str = "softmax", use_orthogonal: bool = True,
                 feature_redraw: bool = False, dropout: float = 0.0, use_bias: bool = True, *,
                 variant: str = "specref", seed=0):
        self._init_heads(hidden_dim, num_heads, head_dim)
        self._init_features(num_features)
        self.kernel_type = check_choice(kernel_type, _KERNEL_TYPES, "kernel_type")
        self.use_orthogonal = check_flag(use_orthogonal, "use_orthogonal")
        self.feature_redraw = check_flag(feature_redraw, "feature_redraw")
        self._init_dropout(dropout)
        self.use_bias = check_flag(use_bias, "use_bias")
        self.variant = self._check_variant(variant)
        if self.feature_redraw and self.kernel_type == "gaussian" and self.variant == "specref":
            raise ValueError("feature_redraw applies to kernel_type='softmax' only (spectrans's Gaussian kernel has "
                             "no redraw and ignores the flag; so does variant='spectrans')")
        self._eps = 0.0 if self.variant == "specref" else SPECTRANS_EPS
        gen = as_generator(seed)
        params = self._projection_params(gen, self.use_bias)
        redraws = self.feature_redraw and self.kernel_type == "softmax"
        buffers = {} if redraws else {f"kernel.{k}": v for k, v in self._draw_kernel(gen).items()}
        self._init_arrays(params, buffers)

    # the kernel's random arrays: host float64 NumPy, by the variant's law

    def _draw_kernel(self, gen) -> dict:
        d, m = self.head_dim, self.num_features
        specref = self.variant == "specref"
        norms = "chi" if specref else "fixed"
        if self.kernel_type == "softmax":
            sigma = 1.0 if specref else math.sqrt(d)  # spectrans divides N(0, I) (or norm sqrt(d)) by sqrt(d)
            if self.use_orthogonal:
                return {"projection": sample_orthogonal_gaussian_frequencies(gen, d, m, sigma, norms=norms)}
            return {"projection": sample_gaussian_frequencies(gen, d, m, sigma)}
        return draw_gaussian(gen, d, m, self.variant, self.use_orthogonal)

    def draw_projection(self, rng, *, like):
        """The projection (d, m) a ``feature_redraw`` forward draws from ``rng`` (as ``like``'s dtype and
        backend): one draw, for Q and K."""
        xp = namespace(like)
        host = np.ascontiguousarray(self._draw_kernel(as_generator(rng))["projection"].astype(dtype_name(like.dtype)))
        return xp.asarray(host, device=device_of(like))

    def _feature_map(self, x, gen) -> FeatureMap:
        d = self.head_dim
        specref = self.variant == "specref"
        if self.kernel_type == "softmax":
            if self.feature_redraw:
                if gen is None:
                    raise ValueError(f"{type(self).__name__}(feature_redraw=True) stores no projection: forward "
                                     "needs rng= (a seed or numpy.random.Generator) to draw one")
                w = self.draw_projection(gen, like=x)
            else:
                w = self.buffers["kernel.projection"]
            if specref:  # (3a)
                return FeatureMap("positive", scale=d ** -0.25, projection=w, stabilize=True)
            return FeatureMap("positive", projection=w)  # (3d)
        return gaussian_feature_map(self.variant, d, self.buffers)  # (3b) or (3e)

    def _feature_error(self) -> float:
        return feature_error(self.variant, self.kernel_type, self.head_dim)


class PerformerAttention(SpectralAttention):
    r"""Performer attention (spectrans ``PerformerAttention``): :class:`SpectralAttention` with
    ``kernel_type="softmax"``, orthogonal features and biases; ``generalized``: the ReLU features (3g),
    normalised in the specref variant, unnormalised in the spectrans variant (module docstring).

    Parameters
    ----------
    hidden_dim, num_heads, num_features, dropout
        As :class:`SpectralAttention`.
    generalized : bool
        ReLU features instead of FAVOR+; ``kernel.projection`` is kept (spectrans's unused relu kernel) and
        unused.
    variant, seed : keyword-only
        As :class:`SpectralAttention`.
    """

    def __init__(self, hidden_dim: int, num_heads: int = 8, num_features: int | None = None,
                 generalized: bool = False, dropout: float = 0.0, *, variant: str = "specref", seed=0):
        super().__init__(hidden_dim, num_heads, num_features, None, "softmax", True, False, dropout, True,
                         variant=variant, seed=seed)
        self.generalized = check_flag(generalized, "generalized")
        if self.generalized:
            self._eps = SPECTRANS_EPS if self.variant == "specref" else None  # None: no normaliser

    def _feature_map(self, x, gen) -> FeatureMap:
        if self.generalized:
            return FeatureMap("relu")  # (3g)
        return super()._feature_map(x, gen)

    def _feature_error(self) -> float:
        return feature_error(self.variant, "relu" if self.generalized else "softmax", self.head_dim)


# the grids (KernelAttention's are in kernel.py)

_SPECTRAL_KEYS = ("hidden_dim", "num_heads", "num_features", "kernel_type", "use_orthogonal", "feature_redraw",
                  "dropout", "use_bias", "variant")
_PERFORMER_KEYS = ("hidden_dim", "num_heads", "num_features", "generalized", "dropout", "variant")

CASES = [
    linear_case(SpectralAttention, "SpectralAttention", _SPECTRAL_KEYS, (
        {"hidden_dim": 4, "num_heads": 2, "num_features": 3, "L": 5},  # FAVOR+, orthogonal
        {"hidden_dim": 4, "num_heads": 2, "L": 4, "masked": "empty", "dropout": 0.25},
        {"hidden_dim": 4, "num_heads": 2, "num_features": 3, "L": 4, "masked": "some", "causal": True,
         "feature_redraw": True, "batch": (2, 1)},
        {"hidden_dim": 4, "num_heads": 2, "num_features": 3, "L": 4, "kernel_type": "gaussian", "masked": "some"},
        {"hidden_dim": 4, "num_heads": 2, "num_features": 3, "L": 4, "variant": "spectrans", "masked": "some"},
        {"hidden_dim": 4, "num_heads": 2, "num_features": 5, "L": 4, "variant": "spectrans",
         "kernel_type": "gaussian", "use_orthogonal": False},
    )),
    linear_case(SpectralAttention, "SpectralAttentionNoBias", _SPECTRAL_KEYS, (
        {"hidden_dim": 6, "num_heads": 2, "num_features": 4, "L": 4, "use_orthogonal": False, "use_bias": False,
         "causal": True},
    )),
    linear_case(PerformerAttention, "PerformerAttention", _PERFORMER_KEYS, (
        {"hidden_dim": 4, "num_heads": 1, "num_features": 6, "L": 4, "masked": "some", "causal": True},
        {"hidden_dim": 4, "num_heads": 2, "L": 5, "generalized": True, "masked": "some"},
        {"hidden_dim": 4, "num_heads": 2, "L": 4, "generalized": True, "causal": True, "variant": "spectrans"},
    )),
]
