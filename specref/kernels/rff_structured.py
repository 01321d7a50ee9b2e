r"""Orthogonal random features (ORF) and their Hadamard-structured form (SORF): ``OrthogonalRandomFeatures``.

spectrans's ``OrthogonalRandomFeatures`` (seed 000, ``spectrans.kernels.rff``), with the same constructor
arguments and state_dict names: :math:`\varphi(x) = \sqrt{2/m}\,\cos(xW + b)` (the one random Fourier
feature map, :func:`specref.kernels.rff.fourier_features`) with ``W`` made of orthogonal blocks
(``projection``, QR mode: :func:`specref.kernels.rff.rff_features`), or

.. math:: xW = \mathrm{crop}_m(\tilde x\,D_0 \tilde H D_1 \tilde H D_2 \tilde H)

(Hadamard mode, ``diagonal_0..2``; ``diagonals.0..2`` when trainable: :func:`sorf_features`), where
:math:`\tilde H = H_n/\sqrt n` is the normalized Walsh-Hadamard matrix applied by the FWHT
(:func:`specref._jit.fwht.fwht`) and :math:`\tilde x` is ``x`` zero-padded to :math:`n = 2^{\lceil
\log_2 \max(d, m)\rceil}`. The structured projection is a plain function of arrays with its hand-written
VJP beside it (docs/design.md, "Adding a primitive"): :func:`sorf_projection`, :func:`sorf_features`.

Loaded state_dict arrays are used verbatim, so a comparison with spectrans tests the feature maps. specref's
*own* draws follow the math, not spectrans (validation/FINDINGS.md), and come from the samplers of
:mod:`specref.kernels.rff`, so one seed gives the same frequencies and phases as ``GaussianRFFKernel``
(``orthogonal=True``) or ``LaplacianRFFKernel``:

* orthogonal Gaussian blocks are Haar (QR with the sign fix :math:`Q\,\mathrm{diag}(\mathrm{sign}\,
  \mathrm{diag} R)`) with **chi-distributed column norms** (Yu et al., NeurIPS 2016): each column is then
  exactly :math:`N(0, I_d)`, so the estimator is unbiased; spectrans's fixed norms :math:`\sqrt d` are biased;
* ``kernel_type="laplacian"`` targets spectrans's Laplacian kernel :math:`\exp(-\|x - y\|_1/\sigma)`, whose
  spectral density is a product of Cauchy densities: it is not rotation invariant, so no orthogonal coupling
  keeps its marginals, and specref draws i.i.d. Cauchy frequencies (spectrans orthogonalises a Cauchy matrix,
  which gives frequencies of norm :math:`1/\sigma`, a different kernel); the Hadamard mode has no Laplacian
  analogue and raises for a fresh draw;
* the Hadamard mode uses the Walsh-Hadamard matrix (spectrans uses the all-ones matrix, rank 1) with
  Rademacher diagonals and the scale :math:`\sqrt n/\sigma` folded into ``diagonal_0`` (spectrans's
  diagonals are rescaled to norm :math:`\sqrt n`, which cancels :math:`\sigma`).

The FAVOR+, ReLU and ELU attention features (spectrans's ``RFFAttentionKernel``) are in
:mod:`specref.kernels.attention_features`. The math, the derivations of every VJP and the theory tests are on
docs/kernels/random_features.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from specref._args import as_int, check_choice, check_flag, check_power_of_two
from specref._jit.fwht import fwht
from specref.backend import (
    as_generator,
    check_float_dtype,
    check_same_precision,
    device_of,
    get_namespace,
    namespace,
    random_uniform,
)
from specref.interop.state_dict import load_arrays
from specref.kernels.base import (
    RandomFeatureMap,
    check_kernel_input,
    check_positive_float,
    split_trainable,
    sum_rows,
)
from specref.kernels.cases import kernel_approximation_case
from specref.kernels.rff import (
    fourier_features,
    fourier_features_vjp,
    rff_features,
    rff_features_vjp,
    sample_cauchy_frequencies,
    sample_orthogonal_gaussian_frequencies,
    sample_phases,
)
from specref.ops._common import check_cotangent
from specref.testing.case import Case, Inputs
from specref.transforms.structural import crop_or_pad

__all__ = [
    "OrthogonalRandomFeatures",
    "ORF_KERNEL_TYPES",
    "padded_dim",
    "sorf_projection",
    "sorf_projection_vjp",
    "sorf_features",
    "sorf_features_vjp",
]

ORF_KERNEL_TYPES = ("gaussian", "laplacian")


def padded_dim(input_dim: int, num_features: int) -> int:
    r"""The Hadamard length :math:`n = 2^{\lceil \log_2 \max(d, m) \rceil}` (spectrans's ``d_padded``)."""
    return 1 << max(0, (max(input_dim, num_features) - 1).bit_length())


# ----------------------------------------------------------------------------------------------------------
# the Hadamard-structured projection x D0 H D1 H D2 H (SORF)


def _hadamard_normalized(z):
    r""":math:`z \tilde H` with :math:`\tilde H = H_n/\sqrt n` (symmetric and orthogonal) along the last axis."""
    return fwht(z) * (1.0 / math.sqrt(z.shape[-1]))


def _check_diagonals(x, diagonals, where: str) -> int:
    if len(diagonals) != 3:
        raise ValueError(f"{where} needs three diagonals (HD HD HD), got {len(diagonals)}")
    n = diagonals[0].shape[-1] if diagonals[0].ndim == 1 else -1
    for i, diag in enumerate(diagonals):
        if diag.ndim != 1 or diag.shape[0] != n:
            raise ValueError(f"{where}: the diagonals must be 1-D of one length, diagonal {i} has shape "
                             f"{tuple(diag.shape)}")
        check_float_dtype(diag, allow_complex=False, name=f"diagonal_{i}")
        check_same_precision(x, diag, names=["x", f"diagonal_{i}"])
    check_power_of_two(n, f"{where}: the diagonals' length")
    if n < x.shape[-1]:
        raise ValueError(f"{where}: the diagonals' length {n} must be a power of two >= d = {x.shape[-1]}")
    return n


def _sorf_stages(x, d0, d1, d2):
    """The forward's intermediates: a0 = pad(x), a_{i+1} = (a_i * D_i) H~; returns [a0, a1, a2, a3]."""
    namespace(x, d0, d1, d2)  # one backend and device for all
    a = [crop_or_pad(x, d0.shape[0], axis=-1)]  # zero-pad d -> n (spectrans's F.pad(x, (0, n - d)))
    for diag in (d0, d1, d2):
        a.append(_hadamard_normalized(a[-1] * diag))
    return a


def sorf_projection(x, diagonal_0, diagonal_1, diagonal_2, *, num_features: int):
    r"""The structured projection :math:`\mathrm{crop}_m(\tilde x\, D_0 \tilde H D_1 \tilde H D_2 \tilde H)`.

    ``x`` (..., n_pts, d) is zero-padded to the diagonals' length :math:`n` (a power of two), multiplied
    entrywise by :math:`D_0`, transformed by :math:`\tilde H = H_n/\sqrt n` (the FWHT, :math:`O(n \log n)`),
    and so on three times; the first ``num_features`` = m entries are kept. As a matrix,
    :math:`W = D_0 \tilde H D_1 \tilde H D_2 \tilde H` restricted to its first d rows and m columns.

    Returns
    -------
    array (..., n_pts, m), the dtype of ``x``

    See Also
    --------
    sorf_projection_vjp
    """
    check_kernel_input(x, owner="sorf_projection")
    n = _check_diagonals(x, (diagonal_0, diagonal_1, diagonal_2), "sorf_projection")
    num_features = as_int(num_features, "num_features")
    if not 1 <= num_features <= n:
        raise ValueError(f"sorf_projection: num_features must be in [1, {n}], got {num_features}")
    return crop_or_pad(_sorf_stages(x, diagonal_0, diagonal_1, diagonal_2)[-1], num_features, axis=-1)


def sorf_projection_vjp(dy, x, diagonal_0, diagonal_1, diagonal_2, y, *, num_features: int):
    r"""VJP of :func:`sorf_projection` with respect to ``x`` and the three diagonals.

    The forward is :math:`a_0 = \mathrm{pad}(x)`, :math:`a_{i+1} = (a_i \odot D_i)\tilde H`,
    :math:`y = \mathrm{crop}_m(a_3)`. Reversed, with :math:`\tilde H` symmetric and orthogonal (its own
    adjoint) and the diagonal applied *after* the transform in reverse mode (zml PR#683's order):

    .. math::

        \bar a_3 = \mathrm{pad}_n(\bar y), \quad
        \bar c_i = \bar a_{i+1} \tilde H, \quad
        \bar D_i = \sum a_i \odot \bar c_i, \quad
        \bar a_i = \bar c_i \odot D_i, \quad
        \bar x = \mathrm{crop}_d(\bar a_0),

    sums over batch and points (docs/kernels/random_features.md, eq. (4)). The intermediates
    :math:`a_i` are recomputed from ``x`` (three FWHTs).

    Returns
    -------
    (dx, ddiagonal_0, ddiagonal_1, ddiagonal_2)
    """
    check_cotangent(dy, x, y, "sorf_projection_vjp")
    namespace(dy, x, diagonal_0, diagonal_1, diagonal_2)  # one backend and device for all
    diags = (diagonal_0, diagonal_1, diagonal_2)
    n = diagonal_0.shape[0]
    a = _sorf_stages(x, *diags)
    g = crop_or_pad(dy, n, axis=-1)
    grads = [None, None, None]
    for i in (2, 1, 0):
        c = _hadamard_normalized(g)
        grads[i] = sum_rows(a[i] * c)
        g = c * diags[i]
    return (crop_or_pad(g, x.shape[-1], axis=-1), *grads)


def sorf_features(x, diagonal_0, diagonal_1, diagonal_2, bias):
    r"""Hadamard-structured random features :math:`\sqrt{2/m}\cos(\mathrm{sorf\_projection}(x) + b)`.

    .. math:: \varphi(x) = \sqrt{2/m}\,\cos\big(\mathrm{crop}_m(\tilde x D_0 \tilde H D_1 \tilde H D_2 \tilde H)
              + b\big)

    (:func:`specref.kernels.rff.fourier_features` of :func:`sorf_projection`), ``m = bias.shape[0]``. With
    Rademacher diagonals and :math:`\sqrt n/\sigma` folded into :math:`D_0`, the frequencies are the SORF of
    Yu et al. (NeurIPS 2016), approximating the Gaussian kernel :math:`\exp(-\|x - y\|^2/(2\sigma^2))`.

    See Also
    --------
    sorf_features_vjp, sorf_projection
    """
    check_kernel_input(x, owner="sorf_features")
    m = bias.shape[0] if bias.ndim == 1 else -1
    if m < 1:
        raise ValueError(f"sorf_features: bias must be 1-D (m,), got shape {tuple(bias.shape)}")
    check_same_precision(x, bias, names=["x", "bias"])
    return fourier_features(sorf_projection(x, diagonal_0, diagonal_1, diagonal_2, num_features=m), bias)


def sorf_features_vjp(dy, x, diagonal_0, diagonal_1, diagonal_2, bias, y):
    r"""VJP of :func:`sorf_features`: :math:`\bar z` and :math:`\bar b` from
    :func:`specref.kernels.rff.fourier_features_vjp`, then :func:`sorf_projection_vjp` of :math:`\bar z`:

    .. math:: \bar z = -\sqrt{2/m}\sin(z + b)\odot\bar\varphi, \quad \bar b = \textstyle\sum \bar z.

    Returns
    -------
    (dx, ddiagonal_0, ddiagonal_1, ddiagonal_2, dbias)
    """
    check_cotangent(dy, x, y, "sorf_features_vjp")
    m = bias.shape[0]
    z = sorf_projection(x, diagonal_0, diagonal_1, diagonal_2, num_features=m)
    dz, dbias = fourier_features_vjp(dy, z, bias, y)
    dx, d0, d1, d2 = sorf_projection_vjp(dz, x, diagonal_0, diagonal_1, diagonal_2, z, num_features=m)
    return dx, d0, d1, d2, dbias



# ----------------------------------------------------------------------------------------------------------
# the class


class OrthogonalRandomFeatures(RandomFeatureMap):
    r"""Orthogonal random features (spectrans ``OrthogonalRandomFeatures``): QR blocks or HD HD HD (SORF).

    .. math:: \varphi(x) = \sqrt{2/m}\,\cos(xW + b), \qquad b \sim U[0, 2\pi)^m,

    where, with :math:`\sigma` the bandwidth,

    * ``use_hadamard=False`` (state ``projection`` (d, m), ``bias`` (m,)): for ``"gaussian"``,
      :math:`W = \frac1\sigma[Q_1 S_1, Q_2 S_2, \dots]_{:, :m}` with Haar blocks :math:`Q_k` and
      :math:`\chi_d` column norms :math:`S_k`
      (:func:`specref.kernels.rff.sample_orthogonal_gaussian_frequencies`): each column is exactly
      :math:`N(0, \sigma^{-2} I_d)`, so :math:`\varphi(x)\cdot\varphi(y)` is unbiased for
      :math:`\exp(-\|x - y\|^2/(2\sigma^2))`, with a lower mean squared error than i.i.d. columns
      (tests/kernels/test_theory_structured.py). For ``"laplacian"``,
      :math:`\exp(-\|x - y\|_1/\sigma)`: i.i.d. standard Cauchy entries over :math:`\sigma` (the product
      density is not rotation invariant, so there is nothing to orthogonalise: see the module docstring);
    * ``use_hadamard=True`` (state ``diagonal_0..2`` (n,), ``bias`` (m,); trainable: ``diagonals.0..2``):
      :math:`xW = \mathrm{crop}_m(\tilde x D_0 \tilde H D_1 \tilde H D_2 \tilde H)` (:func:`sorf_projection`),
      :math:`n = 2^{\lceil\log_2\max(d, m)\rceil}`, Rademacher :math:`D_i` with :math:`\sqrt n/\sigma`
      folded into :math:`D_0` (SORF, Yu et al. 2016; ``"gaussian"`` only for a fresh draw).

    Loaded spectrans arrays are used verbatim (``from_state_dict``), whatever their distribution.

    Parameters
    ----------
    input_dim : int
        d (>= 1).
    num_features : int
        m (>= 1), the number of features.
    kernel_type : {"gaussian", "laplacian"}
    sigma : float
        Bandwidth (> 0).
    use_hadamard : bool
        The structured HD HD HD projection through the FWHT (:math:`O(n\log n)` per point).
    trainable : bool
        The projection (or the diagonals) and the bias are ``params`` with gradients; otherwise ``buffers``.
    seed : int, SeedSequence or numpy.random.Generator
        The draws, in order: the projection's blocks (or the three diagonals), then the bias.

    Raises
    ------
    ValueError
        For ``input_dim``/``num_features`` < 1, ``sigma`` <= 0, an unknown ``kernel_type``, and a fresh
        Hadamard draw for ``"laplacian"``.
    """

    def __init__(self, input_dim: int, num_features: int, kernel_type: str = "gaussian", sigma: float = 1.0,
                 use_hadamard: bool = False, trainable: bool = False, seed=0):
        self._configure(input_dim, num_features, kernel_type, sigma, use_hadamard, trainable, seed)
        if use_hadamard and self.kernel_type == "laplacian":
            raise ValueError(
                "OrthogonalRandomFeatures(kernel_type='laplacian', use_hadamard=True): the Laplacian kernel "
                "exp(-|x - y|_1 / sigma) has a product-Cauchy spectral density, which no HD HD HD product "
                "samples; use use_hadamard=False (i.i.d. Cauchy frequencies), or load spectrans's diagonals with "
                "from_state_dict"
            )
        arrays = self._draw(as_generator(seed))
        self._store(arrays)

    # -- configuration and state ------------------------------------------------------------------------

    def _configure(self, input_dim, num_features, kernel_type, sigma, use_hadamard, trainable, seed):
        sigma = check_positive_float(sigma, "sigma")
        super().__init__(input_dim, num_features, kernel_scale=sigma, seed=seed)
        self.kernel_type = check_choice(kernel_type, ORF_KERNEL_TYPES, "kernel_type")
        self.sigma = sigma
        self.use_hadamard = check_flag(use_hadamard, "use_hadamard")
        self.trainable = check_flag(trainable, "trainable")
        self.d_padded = padded_dim(self.input_dim, self.num_features) if self.use_hadamard else None

    def _diag_names(self) -> tuple[str, str, str]:
        if self.trainable:
            return ("diagonals.0", "diagonals.1", "diagonals.2")
        return ("diagonal_0", "diagonal_1", "diagonal_2")

    def _shapes(self) -> dict:
        """spectrans's state_dict names and shapes, in its order."""
        if self.use_hadamard:
            shapes = {name: (self.d_padded,) for name in self._diag_names()}
        else:
            shapes = {"projection": (self.input_dim, self.num_features)}
        return {**shapes, "bias": (self.num_features,)}

    def _store(self, arrays: Mapping) -> None:
        self._init_arrays(*split_trainable(dict(arrays), self.trainable))

    def _draw(self, gen: np.random.Generator) -> dict:
        """Fresh host float64 arrays (see the class docstring for the distributions and the order)."""
        d, m, sigma = self.input_dim, self.num_features, self.sigma
        if self.use_hadamard:
            n = self.d_padded
            diags = [gen.choice(np.array([-1.0, 1.0]), size=n) for _ in range(3)]
            diags[0] = diags[0] * (math.sqrt(n) / sigma)  # W = (sqrt(n)/sigma) D0 H~ D1 H~ D2 H~ (SORF)
            arrays = dict(zip(self._diag_names(), diags, strict=True))
        else:
            sample = sample_orthogonal_gaussian_frequencies if self.kernel_type == "gaussian" else \
                sample_cauchy_frequencies
            arrays = {"projection": sample(gen, d, m, sigma)}
        arrays["bias"] = sample_phases(gen, m)
        return arrays

    @classmethod
    def from_state_dict(cls, state_dict: Mapping, prefix: str = "", dtype: str | None = None, strict: bool = True,
                        xp=None, **config):
        """Build from ``config`` and load spectrans's arrays verbatim (no draw when every array is given)."""
        obj = cls.__new__(cls)
        config = {"kernel_type": "gaussian", "sigma": 1.0, "use_hadamard": False, "trainable": False, "seed": 0,
                  **config}
        obj._configure(config["input_dim"], config["num_features"], config["kernel_type"], config["sigma"],
                       config["use_hadamard"], config["trainable"], config["seed"])
        expected = obj._shapes()
        own = {k: np.zeros(v) for k, v in expected.items()}  # float64 templates: the shapes and dtype kind
        loaded = load_arrays(state_dict, own, prefix=prefix, strict=strict, dtype=dtype)
        if len(loaded) < len(expected):  # strict=False with missing keys: the rest is drawn
            obj = cls(**config)
        else:
            obj._store(own)
        target = xp if xp is not None else get_namespace("numpy")
        return obj._replaced({k: target.asarray(v) for k, v in loaded.items()})

    # -- the feature map ----------------------------------------------------------------------------------

    def _arrays(self) -> tuple:
        if self.use_hadamard:
            return (*(self._array(k) for k in self._diag_names()), self._array("bias"))
        return (self._array("projection"), self._array("bias"))

    def forward(self, x):
        r"""The features :math:`\sqrt{2/m}\cos(xW + b)`, (..., n, d) -> (..., n, m)
        (:func:`specref.kernels.rff.rff_features` or :func:`sorf_features`)."""
        self._check_feature_input(x)
        if self.use_hadamard:
            return sorf_features(x, *self._arrays())
        return rff_features(x, *self._arrays())

    def forward_vjp(self, dphi, x, phi):
        r"""``(dx, grads)``: :func:`specref.kernels.rff.rff_features_vjp` or :func:`sorf_features_vjp`;
        ``grads`` has the keys of ``params`` (the projection or diagonals and the bias when trainable, else
        empty)."""
        check_cotangent(dphi, x, phi, f"{type(self).__name__}.forward_vjp", names=("dphi", "x", "phi"))
        if self.use_hadamard:
            dx, *rest = sorf_features_vjp(dphi, x, *self._arrays(), phi)
        else:
            dx, *rest = rff_features_vjp(dphi, x, *self._arrays(), phi)
        names = list(self._shapes())
        return dx, {k: g for k, g in zip(names, rest, strict=True) if k in self.params}

    def frequencies(self):
        r"""The effective frequency matrix :math:`W` (d, m) (in Hadamard mode: the projection of the identity)."""
        if not self.use_hadamard:
            return self._array("projection")
        xp = self.xp
        diags = self._arrays()[:3]
        eye = xp.eye(self.input_dim, dtype=diags[0].dtype, device=device_of(diags[0]))
        return sorf_projection(eye, *diags, num_features=self.num_features)


# ----------------------------------------------------------------------------------------------------------
# verification cases: the class's forward in both modes and its kernel_approximation, VJPs w.r.t. the input
# and every array (frequencies or diagonals, phases). Inputs are uniform in [-1/2, 1/2] and frequencies or
# diagonals in [-1, 1] so the arguments of cos are bounded and the error claims below hold for every draw.


def _trainable(d, m, use_hadamard):
    return OrthogonalRandomFeatures(d, m, use_hadamard=use_hadamard, trainable=True)


def _make_arrays(rng, xp, dtype, *, batch=(2,), n=4, d=5, m=3, use_hadamard=False):
    x = random_uniform(rng, (*batch, n, d), dtype=dtype, xp=xp)
    if use_hadamard:
        size = padded_dim(d, m)
        frequencies = [random_uniform(rng, (size,), low=-1.0, high=1.0, dtype=dtype, xp=xp) for _ in range(3)]
    else:
        frequencies = [random_uniform(rng, (d, m), low=-1.0, high=1.0, dtype=dtype, xp=xp)]
    b = random_uniform(rng, (m,), low=0.0, high=2.0 * math.pi, dtype=dtype, xp=xp)
    return x, (*frequencies, b)


def _make_forward(rng, xp, dtype, *, use_hadamard=False, **params):
    x, values = _make_arrays(rng, xp, dtype, use_hadamard=use_hadamard, **params)
    return Inputs((x, *values), {"use_hadamard": use_hadamard})


def _forward(x, *values, use_hadamard):
    return _trainable(x.shape[-1], values[-1].shape[0], use_hadamard).with_params(values).forward(x)


def _forward_vjp(dphi, x, *values_and_phi, use_hadamard):
    values, phi = values_and_phi[:-1], values_and_phi[-1]
    orf = _trainable(x.shape[-1], values[-1].shape[0], use_hadamard).with_params(values)
    dx, grads = orf.forward_vjp(dphi, x, phi)
    return (dx, *(grads[name] for name in orf.params))


def _make_approximation(rng, xp, dtype, *, m_points=2, use_hadamard=False, **params):
    x, values = _make_arrays(rng, xp, dtype, use_hadamard=use_hadamard, **params)
    y = random_uniform(rng, (m_points, x.shape[-1]), dtype=dtype, xp=xp)
    return Inputs((x, y, *values), {"kernel": _trainable(x.shape[-1], values[-1].shape[0], use_hadamard)})


def _cos_scale(p) -> float:
    # u = x W + b: |x_k| <= 1/2, |W_kj| <= 1, 0 <= b < 2 pi, so |u| <= d/2 + 2 pi and the d-term dot plus the
    # shift err by gamma_{d+1} (d/2 + 2 pi) (Higham 3.1); cos adds its own rounding (1 eps) and the scale
    # sqrt(2/m) one more. Normwise against max|phi| >= sqrt(2/m)/2 (n*m >= 12 cosines, not all below 1/2):
    # factor 2.
    d = p.get("d", 5)
    return 2.0 * ((d + 2) * (d / 2 + 2 * math.pi) + 3)


def _sorf_scale(p) -> float:
    # three stages: an entrywise product by |D_i| <= 1 (1 eps) then the FWHT, log2(n) additions per output
    # plus the 1/sqrt(n) scale: (log2 n + 2) eps relative to the stage's 2-norm <= ||x||_2 <= sqrt(d)/2
    # (H~ is orthogonal, |D| <= 1), then u = z + b (|u| <= sqrt(d)/2 + 2 pi), cos and the scale (3 eps);
    # normwise against max|phi| >= sqrt(2/m)/2: factor 2.
    d, m = p.get("d", 5), p.get("m", 3)
    log_n = padded_dim(d, m).bit_length() - 1
    return 2.0 * (3 * (log_n + 2) * math.sqrt(d) / 2 + math.sqrt(d) / 2 + 2 * math.pi + 3)


CASES = [
    Case(
        name="OrthogonalRandomFeatures.forward",
        forward=_forward,
        vjp=_forward_vjp,
        argnums=(0, 1, 2),
        make=_make_forward,
        grid=({"batch": (2,), "n": 4, "d": 5, "m": 3}, {"batch": (2, 3), "n": 3, "d": 4, "m": 6}),
        error_scale=_cos_scale,
        error_reason="u = xW + b (a d-term dot, |u| <= d/2 + 2 pi), cos and the scale: 2((d+2)(d/2 + 2 pi) + 3)",
    ),
    Case(
        name="OrthogonalRandomFeatures.forward[hadamard]",
        forward=_forward,
        vjp=_forward_vjp,
        argnums=(0, 1, 2, 3, 4),
        make=lambda rng, xp, dtype, **p: _make_forward(rng, xp, dtype, use_hadamard=True, **p),
        grid=({"batch": (2,), "n": 4, "d": 5, "m": 3}, {"batch": (3,), "n": 2, "d": 3, "m": 12},
              {"batch": (), "n": 3, "d": 4, "m": 4}),
        error_scale=_sorf_scale,
        error_reason="three (diagonal, FWHT, 1/sqrt n) stages of (log2 n + 2) eps relative to ||x||_2 <= "
                     "sqrt(d)/2, the phase, cos and the scale",
    ),
    kernel_approximation_case(
        "OrthogonalRandomFeatures.kernel_approximation",
        _make_approximation,
        argnums=(0, 1, 2, 3),
        grid=({"batch": (2,), "n": 3, "d": 4, "m": 5, "m_points": 2},),
        # the features as in .forward, then a dot over m features bounded by sqrt(2/m): + m + 1
        error_scale=lambda p: _cos_scale(p) + p["m"] + 1.0,
        error_reason="the features as .forward, then a dot over the m features",
    ),
    kernel_approximation_case(
        "OrthogonalRandomFeatures.kernel_approximation[hadamard]",
        lambda rng, xp, dtype, **p: _make_approximation(rng, xp, dtype, use_hadamard=True, **p),
        argnums=(0, 1, 2, 3, 4, 5),
        grid=({"batch": (2,), "n": 3, "d": 3, "m": 6, "m_points": 2},),
        error_scale=lambda p: _sorf_scale(p) + p["m"] + 1.0,
        error_reason="the features as .forward[hadamard], then a dot over the m features",
    ),
]
