r"""Random features for linear attention: FAVOR+ positive, ReLU and ELU+1 features (``RFFAttentionKernel``).

spectrans's ``RFFAttentionKernel`` (seed 000, ``spectrans.kernels.rff``), with its constructor arguments and
state_dict names, and its three feature maps as plain functions of arrays with hand-written VJPs beside them
(docs/design.md, "Adding a primitive"): with :math:`z = xW` and :math:`W` (d, m) the ``projection``,

* :func:`positive_features`: FAVOR+ :math:`\varphi(x) = \exp(xW - \|x\|^2/2)/\sqrt m`, unbiased for the
  softmax kernel :math:`\exp(x\cdot y)` when the columns of :math:`W` are :math:`N(0, I_d)`;
* :func:`relu_features`: :math:`\sqrt{2/m}\,\max(0, xW)` (the order-1 arc-cosine kernel in expectation);
* :func:`elu_features`: :math:`(\operatorname{elu}(xW) + 1)/\sqrt m`.

The projection is drawn by :mod:`specref.kernels.rff`'s samplers (i.i.d. or orthogonal Haar blocks with
:math:`\chi_d` norms, the same routine every random-feature class uses). spectrans divides its columns by
:math:`\sqrt d`, which makes the "softmax" features estimate :math:`\exp(x\cdot y/d - (\|x\|^2 + \|y\|^2)
(1 - 1/d)/2)` instead of :math:`\exp(x \cdot y)` (validation/FINDINGS.md); a loaded ``projection`` is used
verbatim. The math and the derivations of the VJPs: docs/kernels/random_features.md, sections 4-5.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from specref._args import check_choice, check_flag
from specref.backend import (
    as_generator,
    device_of,
    dtype_name,
    from_host,
    get_namespace,
    namespace,
    random_uniform,
    to_numpy,
)
from specref.kernels.base import (
    RandomFeatureMap,
    check_kernel_input,
    check_projection,
    sum_outer_rows,
)
from specref.kernels.cases import kernel_approximation_case
from specref.kernels.rff import sample_gaussian_frequencies, sample_orthogonal_gaussian_frequencies
from specref.ops._common import check_cotangent
from specref.testing.case import Case, Inputs

__all__ = [
    "RFFAttentionKernel",
    "STABILIZERS",
    "paired_positive_features",
    "ATTENTION_KERNEL_TYPES",
    "positive_features",
    "positive_features_vjp",
    "relu_features",
    "relu_features_vjp",
    "elu_features",
    "elu_features_vjp",
]

ATTENTION_KERNEL_TYPES = ("softmax", "relu", "elu")


def _check_features_input(x, projection, where: str):
    check_kernel_input(x, owner=where)
    check_projection(x, projection, owner=where)


# ----------------------------------------------------------------------------------------------------------
# the feature maps: positive (FAVOR+), relu, elu + 1


#: the max-subtraction stabilisers of :func:`positive_features`: per row, or over the rows of a sequence
STABILIZERS = ("row", "sequence")


def positive_features(x, projection, *, stabilize=None, keep=None):
    r"""FAVOR+ positive random features :math:`\varphi(x) = \exp(xW - \|x\|^2/2 - c)/\sqrt m`.

    Parameters
    ----------
    x : array (..., n, d), float32 or float64
    projection : array (d, m)
        :math:`W`; its columns :math:`N(0, I_d)` make the estimate below unbiased.
    stabilize : {None, "row", "sequence"}
        The max-subtraction constant :math:`c` (0 for None): the largest exponent
        :math:`t = xW - \|x\|^2/2` of each row (``"row"``, shape (..., n, 1): for queries), or of all rows of a
        sequence (``"sequence"``, shape (..., 1, 1): for keys), so the largest feature is :math:`1/\sqrt m`
        and no row underflows to all zeros however large :math:`\|x\|` is.
    keep : bool array (..., n), optional
        With ``"sequence"``: only the kept rows enter the maximum (a masked key must not set the scale of the
        others); a sequence with no kept row gets :math:`c = 0`.

    Notes
    -----
    For :math:`w \sim N(0, I_d)`, :math:`\mathbb E\, e^{w\cdot(x+y)} = e^{\|x+y\|^2/2}`, hence

    .. math::

        \mathbb E\big[e^{w\cdot x - \|x\|^2/2}\, e^{w\cdot y - \|y\|^2/2}\big]
        = e^{(\|x + y\|^2 - \|x\|^2 - \|y\|^2)/2} = e^{x\cdot y},

    so with :math:`N(0, I_d)` columns and :math:`c = 0`, :math:`\varphi(x)\cdot\varphi(y)` is an unbiased,
    positive estimate of the softmax kernel :math:`\exp(x\cdot y)`, with variance
    :math:`\frac{1}{m} e^{2x\cdot y}(e^{\|x+y\|^2} - 1)` for i.i.d. columns (Choromanski et al., ICLR 2021).
    Softmax attention with temperature :math:`\sqrt d` needs :math:`x = d^{-1/4} q` (the caller's scaling).

    The stabiliser multiplies the features by :math:`e^{-c}`, a common factor of a query's row (``"row"``) or
    of every key of a sequence (``"sequence"``): both cancel in linear attention's ratio
    :math:`\varphi(q)^T S / \varphi(q)^T z` (with no :math:`\epsilon` added), so :math:`c` is a constant of
    the estimator. :func:`positive_features_vjp` treats it as a constant, which is the exact gradient of any
    function invariant to it (the attention output), not of :math:`\varphi` alone.

    See Also
    --------
    positive_features_vjp
    """
    _check_features_input(x, projection, "positive_features")
    xp = namespace(x, projection)
    m = projection.shape[1]
    t = xp.matmul(x, projection) - 0.5 * xp.sum(x * x, axis=-1, keepdims=True)
    if stabilize is not None:
        t = t - _stabilizer(xp, t, check_choice(stabilize, STABILIZERS, "stabilize"), keep)
    elif keep is not None:
        raise ValueError("positive_features: keep= selects the rows of the 'sequence' stabiliser; pass "
                         "stabilize='sequence' with it")
    return xp.exp(t) * (1.0 / math.sqrt(m))


def _stabilizer(xp, t, stabilize: str, keep):
    """The constant c of :func:`positive_features` for exponents ``t`` (..., n, m)."""
    if stabilize == "row":
        if keep is not None:
            raise ValueError("positive_features: keep= applies to stabilize='sequence' only")
        return xp.max(t, axis=-1, keepdims=True)
    row_max = xp.max(t, axis=-1, keepdims=True)  # (..., n, 1)
    if keep is None:
        return xp.max(row_max, axis=-2, keepdims=True)
    if dtype_name(keep.dtype) != "bool" or tuple(keep.shape) != tuple(t.shape[:-1]):
        raise ValueError(f"positive_features: keep must be a boolean array of shape {tuple(t.shape[:-1])} "
                         f"(the rows of x), got {dtype_name(keep.dtype)} {tuple(keep.shape)}")
    kept = xp.expand_dims(keep, axis=-1)
    floor = xp.full_like(row_max, -xp.inf)
    c = xp.max(xp.where(kept, row_max, floor), axis=-2, keepdims=True)
    return xp.where(xp.isfinite(c), c, xp.zeros_like(c))  # no kept row: c = 0


def paired_positive_features(q, k, projection, *, keep=None):
    r"""FAVOR+ features of queries and keys with one joint stabiliser: ``(phi_q, phi_k)``, products
    :math:`\varphi_{q,i}\cdot\varphi_{k,j}` that cannot all underflow for a query.

    With the exponents :math:`t^q = qW - \|q\|^2/2` (..., n, m) and :math:`t^k = kW - \|k\|^2/2`,

    .. math::

        c_r = \max_{j \text{ kept}} t^k_{jr}, \qquad M_i = \max_r (t^q_{ir} + c_r), \qquad
        \varphi_{k,jr} = e^{t^k_{jr} - c_r}/\sqrt m, \qquad \varphi_{q,ir} = e^{t^q_{ir} + c_r - M_i}/\sqrt m,

    so :math:`\varphi_{q,ir}\varphi_{k,jr} = e^{-M_i} e^{t^q_{ir} + t^k_{jr}}/m`: the unstabilised products
    times a factor common to query i's row, which cancels in linear attention's ratio (no :math:`\epsilon`
    added). The per-feature constant :math:`c_r` moves from the keys into the queries. At the feature
    :math:`r^*` attaining :math:`M_i` the query feature is :math:`1/\sqrt m` and the largest kept key's is
    :math:`1/\sqrt m`, so the normaliser :math:`\sum_{j}\varphi_{q,i}\cdot\varphi_{k,j} \ge 1/m` for every
    query, however large the inputs (non-causal; a causal prefix may lack that key). With no kept key at all,
    :math:`c = 0`. Masked keys' features are exactly 0 (their exponents are set to :math:`-\infty` before the
    maximum, so a masked key neither sets the scale nor overflows).

    Parameters
    ----------
    q, k : arrays (..., n, d), one batch shape
    projection : array (d, m)
    keep : bool array (..., n), optional
        The kept keys (True = keep).

    Returns
    -------
    phi_q, phi_k : arrays (..., n, m)

    Notes
    -----
    The VJP is :func:`positive_features_vjp` for each output (the constants :math:`c, M` held fixed: the exact
    gradient of any function invariant to them, as the attention output).
    """
    _check_features_input(q, projection, "paired_positive_features")
    _check_features_input(k, projection, "paired_positive_features")
    xp = namespace(q, k, projection)
    m = projection.shape[1]
    tq = xp.matmul(q, projection) - 0.5 * xp.sum(q * q, axis=-1, keepdims=True)
    tk = xp.matmul(k, projection) - 0.5 * xp.sum(k * k, axis=-1, keepdims=True)
    floor = xp.full_like(tk, -xp.inf)
    if keep is not None:
        if dtype_name(keep.dtype) != "bool" or tuple(keep.shape) != tuple(k.shape[:-1]):
            raise ValueError(f"paired_positive_features: keep must be a boolean array of shape "
                             f"{tuple(k.shape[:-1])} (the rows of k), got {dtype_name(keep.dtype)} {tuple(keep.shape)}")
        tk = xp.where(xp.expand_dims(keep, axis=-1), tk, floor)  # masked keys: features exactly 0
    c = xp.max(tk, axis=-2, keepdims=True)  # (..., 1, m); -inf only where no key is kept
    c = xp.where(xp.isfinite(c), c, xp.zeros_like(c))
    shifted = tq + c
    scale = 1.0 / math.sqrt(m)
    phi_q = xp.exp(shifted - xp.max(shifted, axis=-1, keepdims=True)) * scale
    phi_k = xp.exp(tk - c) * scale
    return phi_q, phi_k


def positive_features_vjp(dy, x, projection, y):
    r"""VJP of :func:`positive_features`, reusing the output (any stabiliser: :math:`c` held constant).

    :math:`\partial\varphi_j/\partial z_j = \varphi_j` for :math:`z = xW`, and
    :math:`\partial\varphi_j/\partial x = \varphi_j (w_j - x)`, so with :math:`\bar z = \bar\varphi \odot
    \varphi`:

    .. math:: \bar x = \bar z W^T - x \sum_j \bar z_j, \qquad \bar W = \sum x^T \bar z.

    Returns
    -------
    (dx, dprojection)
    """
    check_cotangent(dy, x, y, "positive_features_vjp")
    xp = namespace(dy, x, projection, y)
    dz = dy * y
    dx = xp.matmul(dz, xp.matrix_transpose(projection)) - x * xp.sum(dz, axis=-1, keepdims=True)
    return dx, sum_outer_rows(x, dz)


def relu_features(x, projection):
    r"""ReLU random features :math:`\varphi(x) = \sqrt{2/m}\,\max(0, xW)`.

    With :math:`N(0, I_d)` columns, :math:`\mathbb E\,\varphi(x)\cdot\varphi(y) = \frac{1}{\pi}\|x\|\|y\|
    (\sin\theta + (\pi - \theta)\cos\theta)`, the arc-cosine kernel of order 1 (Cho & Saul, 2009), with
    :math:`\theta` the angle between x and y. Not differentiable where :math:`xW = 0`; the VJP takes the
    derivative 0 there (as torch does).

    See Also
    --------
    relu_features_vjp
    """
    _check_features_input(x, projection, "relu_features")
    xp = namespace(x, projection)
    m = projection.shape[1]
    z = xp.matmul(x, projection)
    return math.sqrt(2.0 / m) * xp.where(z > 0, z, xp.zeros_like(z))


def relu_features_vjp(dy, x, projection, y):
    r"""VJP of :func:`relu_features`: :math:`\bar z = \sqrt{2/m}\,\mathbb 1[z > 0]\odot\bar\varphi`,
    :math:`\bar x = \bar z W^T`, :math:`\bar W = \sum x^T \bar z` (``y > 0`` exactly where ``z > 0``).

    Returns
    -------
    (dx, dprojection)
    """
    check_cotangent(dy, x, y, "relu_features_vjp")
    xp = namespace(dy, x, projection, y)
    m = projection.shape[1]
    dz = math.sqrt(2.0 / m) * xp.where(y > 0, dy, xp.zeros_like(dy))
    return xp.matmul(dz, xp.matrix_transpose(projection)), sum_outer_rows(x, dz)


def elu_features(x, projection):
    r"""ELU random features :math:`\varphi(x) = (\operatorname{elu}(xW) + 1)/\sqrt m`, positive everywhere.

    :math:`\operatorname{elu}(z) = z` for :math:`z > 0` and :math:`e^z - 1` otherwise (alpha = 1, torch's
    default), so :math:`\operatorname{elu}(z) + 1 = z + 1` or :math:`e^z`.

    See Also
    --------
    elu_features_vjp
    """
    _check_features_input(x, projection, "elu_features")
    xp = namespace(x, projection)
    m = projection.shape[1]
    z = xp.matmul(x, projection)
    return xp.where(z > 0, z + 1.0, xp.exp(xp.where(z > 0, xp.zeros_like(z), z))) * (1.0 / math.sqrt(m))


def elu_features_vjp(dy, x, projection, y):
    r"""VJP of :func:`elu_features`.

    :math:`\frac{d}{dz}(\operatorname{elu}(z) + 1) = 1` for :math:`z > 0` and :math:`e^z = \sqrt m\,\varphi`
    for :math:`z \le 0` (continuous at 0), so :math:`\bar z = \bar\varphi \odot (\mathbb 1[z > 0]/\sqrt m +
    \mathbb 1[z \le 0]\,\varphi)`, :math:`\bar x = \bar z W^T`, :math:`\bar W = \sum x^T \bar z`. The sign
    of ``z`` is recomputed (``y`` alone cannot tell ``z = 0.5`` from ``e^z = 1.5`` apart).

    Returns
    -------
    (dx, dprojection)
    """
    check_cotangent(dy, x, y, "elu_features_vjp")
    xp = namespace(dy, x, projection, y)
    m = projection.shape[1]
    z = xp.matmul(x, projection)
    dz = dy * xp.where(z > 0, xp.full_like(y, 1.0 / math.sqrt(m)), y)
    return xp.matmul(dz, xp.matrix_transpose(projection)), sum_outer_rows(x, dz)



# ----------------------------------------------------------------------------------------------------------
# the class


class RFFAttentionKernel(RandomFeatureMap):
    r"""Random features for linear attention (spectrans ``RFFAttentionKernel``): FAVOR+, ReLU or ELU+1.

    With :math:`z = xW` and :math:`W` (d, m) the ``projection`` buffer:

    * ``"softmax"``: :math:`\varphi(x) = \exp(z - \|x\|^2/2)/\sqrt m` (:func:`positive_features`), positive,
      unbiased for :math:`\exp(x\cdot y)` when the columns of :math:`W` are :math:`N(0, I_d)`;
    * ``"relu"``: :math:`\sqrt{2/m}\max(0, z)` (:func:`relu_features`);
    * ``"elu"``: :math:`(\operatorname{elu}(z) + 1)/\sqrt m` (:func:`elu_features`).

    specref draws :math:`W` with :math:`N(0, I_d)` columns: orthogonal Haar blocks with :math:`\chi_d`
    norms (``use_orthogonal=True``) or i.i.d.; spectrans divides by :math:`\sqrt d`, which breaks the
    softmax estimator (validation/FINDINGS.md). A loaded ``projection`` is used verbatim.

    Parameters
    ----------
    input_dim : int
        d (typically the head dimension).
    num_features : int
        m.
    kernel_type : {"softmax", "relu", "elu"}
    use_orthogonal : bool
    redraw : bool
        No stored projection (spectrans then has no ``projection`` buffer); each ``forward`` needs
        ``projection=`` (e.g. from :meth:`draw_projection`) or ``rng=``.
    seed : int, SeedSequence or numpy.random.Generator
        The draw of the stored projection (unused with ``redraw``).
    """

    def __init__(self, input_dim: int, num_features: int, kernel_type: str = "softmax", use_orthogonal: bool = True,
                 redraw: bool = False, seed=0):
        super().__init__(input_dim, num_features, seed=seed)
        self.kernel_type = check_choice(kernel_type, ATTENTION_KERNEL_TYPES, "kernel_type")
        self.use_orthogonal = check_flag(use_orthogonal, "use_orthogonal")
        self.redraw = check_flag(redraw, "redraw")
        buffers = {} if self.redraw else {"projection": self._draw_host(as_generator(seed))}
        self._init_arrays({}, buffers)

    def _draw_host(self, gen) -> np.ndarray:
        sample = sample_orthogonal_gaussian_frequencies if self.use_orthogonal else sample_gaussian_frequencies
        return sample(gen, self.input_dim, self.num_features)

    def draw_projection(self, rng, *, dtype: str = "float64", xp=None, device=None):
        r"""A fresh projection (d, m) with :math:`N(0, I_d)` columns, drawn on the host from ``rng``."""
        xp = xp if xp is not None else get_namespace("numpy")
        host = np.ascontiguousarray(self._draw_host(as_generator(rng)).astype(dtype))
        return xp.asarray(host) if device is None else xp.asarray(host, device=device)

    def _projection(self, x, projection, rng):
        if projection is not None:
            if tuple(projection.shape) != (self.input_dim, self.num_features):
                raise ValueError(f"projection must have shape ({self.input_dim}, {self.num_features}), got "
                                 f"{tuple(projection.shape)}")
            return projection
        if self.redraw:
            if rng is None:
                raise ValueError("RFFAttentionKernel(redraw=True) stores no projection: pass rng= (a seed or "
                                 "numpy.random.Generator) or projection= (see draw_projection) to forward")
            xp = namespace(x)
            return self.draw_projection(rng, dtype=dtype_name(x.dtype), xp=xp, device=device_of(x))
        if rng is not None:
            raise ValueError("rng= redraws the projection only for RFFAttentionKernel(redraw=True)")
        return self.buffers["projection"]

    def forward(self, x, *, projection=None, rng=None):
        r"""The features :math:`\varphi(x)` (..., n, d) -> (..., n, m).

        ``projection`` overrides the stored one; with ``redraw=True`` a projection is drawn from ``rng``
        when none is given (to differentiate, draw it with :meth:`draw_projection` and pass it to both
        ``forward`` and ``forward_vjp``).
        """
        self._check_feature_input(x)
        w = self._projection(x, projection, rng)
        return _ATTENTION_FEATURES[self.kernel_type][0](x, w)

    def forward_vjp(self, dphi, x, phi, *, projection=None):
        r"""``(dx, {})``: the VJP of :meth:`forward` (the projection is a buffer, so ``grads`` is empty; the
        gradient with respect to it is the second output of :func:`positive_features_vjp` etc.)."""
        check_cotangent(dphi, x, phi, f"{type(self).__name__}.forward_vjp", names=("dphi", "x", "phi"))
        if projection is None and self.redraw:
            raise ValueError("RFFAttentionKernel(redraw=True).forward_vjp needs the projection= used in forward")
        w = self._projection(x, projection, None)
        dx, _ = _ATTENTION_FEATURES[self.kernel_type][1](dphi, x, w, phi)
        return dx, {}


_ATTENTION_FEATURES = {
    "softmax": (positive_features, positive_features_vjp),
    "relu": (relu_features, relu_features_vjp),
    "elu": (elu_features, elu_features_vjp),
}


# ----------------------------------------------------------------------------------------------------------
# verification cases: every feature map's forward, VJP w.r.t. the input and the projection, and the class's
# forward and kernel_approximation. Inputs are uniform in [-1/2, 1/2] and projections in [-1, 1] so the
# arguments of exp are bounded and the error claims below hold for every draw.


#: the smallest |xW| the ReLU cases allow: 4 float32 central-difference steps (h ~ 5e-3 for these O(1)
#: inputs, the step verify reports), as xW moves by at most |W| h <= h per step
_RELU_GAP = 0.02


def _projection_away_from_relu_kink(rng, xs, d: int, m: int, kernel_type: str) -> np.ndarray:
    """Host U[-1, 1] projection (d, m); for ReLU features, each column redrawn until every :math:`|x W|` of
    the inputs ``xs`` (host arrays (..., d)) is at least ``_RELU_GAP`` (central differences across the kink
    are meaningless)."""
    rng = as_generator(rng)
    w = rng.uniform(-1.0, 1.0, (d, m))
    for _ in range(200):
        if kernel_type != "relu":
            return w
        bad = np.zeros(m, dtype=bool)
        for x in xs:
            bad |= (np.abs(x @ w) < _RELU_GAP).reshape(-1, m).any(axis=0)
        if not bad.any():
            return w
        w[:, bad] = rng.uniform(-1.0, 1.0, (d, int(bad.sum())))
    raise RuntimeError("no projection keeps x W away from the ReLU kink after 200 redraws")


def _make_x_w(rng, xp, dtype, *, batch=(2,), n=4, d=5, m=3, kernel_type="softmax", **_):
    x = random_uniform(rng, (*batch, n, d), dtype=dtype, xp=xp)
    w = _projection_away_from_relu_kink(rng, [to_numpy(x)], d, m, kernel_type)
    return x, from_host(w, xp, dtype)


def _make_attention(rng, xp, dtype, **params):
    return Inputs(_make_x_w(rng, xp, dtype, **params))


def _positive_scale(p) -> float:
    # t = x W - |x|^2 / 2 errs by gamma_{d+1} (sum|x||W| + |x|^2/2) <= gamma_{d+1} (d/2 + d/8); exp turns
    # that absolute error into a relative one, plus its own rounding and the 1/sqrt(m) scale: entrywise
    # relative error (d+1)(5d/8) + 3 eps, hence normwise too.
    d = p.get("d", 5)
    return (d + 1) * (5 * d / 8) + 3


def _relu_scale(p) -> float:
    # z = x W errs by gamma_d sum|x||W| <= gamma_d d/2 absolutely; normwise against max|phi| =
    # sqrt(2/m) max z, and max z >= 1/8 for these draws (n*m >= 12 entries of std ~ sqrt(d/36)):
    # relative error <= 4 d (d/2) + 2 (the scale).
    d = p.get("d", 5)
    return 4.0 * d * d / 2 + 2


def _elu_scale(p) -> float:
    # z > 0 branch: z + 1 >= 1 with the absolute error gamma_d d/2 of z; z <= 0 branch: exp(z) has the
    # relative error of |delta z| <= gamma_d d/2 plus its own; both relative to values >= e^(-d/2) ... but
    # normwise against max|phi| >= 1/sqrt(m) (some z > 0 among n*m >= 12 entries, so some value >= 1):
    # (d/2) d + 3.
    d = p.get("d", 5)
    return d * d / 2 + 3


_ATTENTION_GRID = ({"batch": (2,), "n": 4, "d": 5, "m": 3}, {"batch": (2, 3), "n": 3, "d": 4, "m": 6})

_SCALES = {"softmax": _positive_scale, "relu": _relu_scale, "elu": _elu_scale}


def _make_class(rng, xp, dtype, *, kernel_type, **params):
    x, w = _make_x_w(rng, xp, dtype, kernel_type=kernel_type, **params)
    kernel = RFFAttentionKernel(x.shape[-1], w.shape[-1], kernel_type=kernel_type, redraw=True)
    return Inputs((x,), {"kernel": kernel, "projection": w})


def _class_forward(x, *, kernel, projection):
    return kernel.forward(x, projection=projection)


def _class_forward_vjp(dphi, x, phi, *, kernel, projection):
    return kernel.forward_vjp(dphi, x, phi, projection=projection)[0]


def _make_approximation(rng, xp, dtype, *, kernel_type, batch=(2,), n=3, m=2, d=4, features=5):
    x = random_uniform(rng, (*batch, n, d), dtype=dtype, xp=xp)
    y = random_uniform(rng, (m, d), dtype=dtype, xp=xp)
    w = from_host(_projection_away_from_relu_kink(rng, [to_numpy(x), to_numpy(y)], d, features, kernel_type), xp,
                  dtype)
    kernel = RFFAttentionKernel(d, features, kernel_type=kernel_type).with_buffers({"projection": w})
    return Inputs((x, y), {"kernel": kernel})


_FEATURE_REASONS = {
    "softmax": "exp of xW - |x|^2/2 (absolute error gamma_{d+1} 5d/8) becomes relative: (d+1) 5d/8 + 3",
    "relu": "z = xW (gamma_d d/2 absolute) against max z >= 1/8: 4 d (d/2) + 2",
    "elu": "z = xW (gamma_d d/2 absolute), exp or +1, against max phi >= 1/sqrt(m): d^2/2 + 3",
}

CASES = [
    *(
        Case(
            name=f"RFFAttentionKernel.forward[{kind}]",
            forward=_ATTENTION_FEATURES[kind][0],
            vjp=_ATTENTION_FEATURES[kind][1],
            argnums=(0, 1),
            make=functools.partial(_make_attention, kernel_type=kind),
            grid=_ATTENTION_GRID,
            error_scale=_SCALES[kind],
            error_reason=_FEATURE_REASONS[kind],
        )
        for kind in ATTENTION_KERNEL_TYPES
    ),
    Case(
        name="RFFAttentionKernel.forward",
        forward=_class_forward,
        vjp=_class_forward_vjp,
        make=_make_class,
        grid=tuple({**_ATTENTION_GRID[0], "kernel_type": kind} for kind in ATTENTION_KERNEL_TYPES),
        error_scale=lambda p: _SCALES[p["kernel_type"]](p),
        error_reason="the feature map of the kernel_type (see RFFAttentionKernel.forward[...])",
    ),
    kernel_approximation_case(
        "RFFAttentionKernel.kernel_approximation",
        _make_approximation,
        argnums=(0, 1),
        grid=tuple({"kernel_type": kind, "batch": (2,), "n": 3, "m": 2, "d": 4, "features": 5}
                   for kind in ATTENTION_KERNEL_TYPES),
        # each feature as in .forward[...], then a dot over m = 5 positive (or ReLU) features: + m + 1
        error_scale=lambda p: _SCALES[p["kernel_type"]](p) + p["features"] + 1.0,
        error_reason="the feature map (see RFFAttentionKernel.forward[...]) and a dot over the features",
    ),
]
