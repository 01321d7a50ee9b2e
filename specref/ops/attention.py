r"""Exact softmax attention: ``scaled_dot_product_attention``, its VJP, and the attention weights.

For queries :math:`q` (..., Lq, E), keys :math:`k` (..., Lk, E) and values :math:`v` (..., Lk, Ev):

.. math::

    S &= s\, q k^{\mathsf T} + A \qquad (s = 1/\sqrt E \text{ by default}) \\
    P &= \operatorname{softmax}_{\text{row}}(S) \qquad \text{(maximum subtracted; masked entries } 0) \\
    y &= \tilde P v, \qquad \tilde P = \frac{M \odot P}{1 - p} \text{ with a dropout keep-mask } M
         \text{ (else } \tilde P = P)

The mask :math:`A` is torch's ``scaled_dot_product_attention`` ``attn_mask``: a float mask is added to the
scores (``-inf`` entries take no part), a boolean mask says which entries *take part* (True = attend, False =
the score is replaced by :math:`-\infty`). A row of :math:`S` whose every entry is masked has no softmax;
specref defines its probabilities, its output row and every gradient through it as **zero** (the empty sum of
the values), so one fully padded query row does not poison a batch with NaN. torch 2.13's
``scaled_dot_product_attention`` (its math path on CPU) gives the same zeros, output and gradients; an explicit
``softmax(S) @ v``, as ``nn.MultiheadAttention`` computes with ``need_weights=True``, gives NaN.

Stability: the row maximum over the unmasked entries is subtracted before ``exp``, so every exponent is
:math:`\le 0` and the largest term is exactly 1: no overflow for any finite scores (large-magnitude queries and
keys included) and no division by zero for a row with at least one unmasked entry, for N up to the memory
limit in float32 and float64.

Memory: the rows of the softmax are independent, so the forward and the VJP run by blocks of query rows
(about ``BLOCK_SCORES`` = 2^20 scores per block), summing the blocks' terms of ``dk`` and ``dv``: the
temporaries are a few (..., rows, Lk) arrays, not (..., Lq, Lk) ones (:func:`attention_weights` returns the
whole P, which the caller asked for). The math is the same line by line; only the order of those two sums
changes.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from specref.backend import (
    check_float_dtype,
    check_same_precision,
    device_of,
    dtype_name,
    finfo_eps,
    from_host,
    namespace,
    to_numpy,
)
from specref.ops._common import check_cotangent, require_real
from specref.ops.broadcast import sum_to_shape
from specref.ops.dropout import dropout, dropout_mask, dropout_vjp
from specref.ops.softmax import softmax, softmax_vjp
from specref.testing.case import Case, Inputs
from specref.testing.tolerances import summation_factor

__all__ = ["scaled_dot_product_attention", "scaled_dot_product_attention_vjp", "attention_weights"]


def _check(q, k, v, mask, scale):
    """Shapes, dtypes and the scale of an attention call; returns the scale as a float."""
    names = ("q", "k", "v")
    for a, n in zip((q, k, v), names, strict=True):
        if a is not None:
            require_real(a, "scaled_dot_product_attention", name=n)
            if a.ndim < 2:
                raise ValueError(f"scaled_dot_product_attention needs {n} of shape (..., L, E), got shape "
                                 f"{tuple(a.shape)}")
    check_same_precision(q, k, v, names=names)
    if k.shape[-1] != q.shape[-1]:
        raise ValueError(f"q of shape {tuple(q.shape)} and k of shape {tuple(k.shape)} must have the same last "
                         "axis E (the scores are q k^T)")
    if v is not None and v.shape[-2] != k.shape[-2]:
        raise ValueError(f"k of shape {tuple(k.shape)} and v of shape {tuple(v.shape)} must have the same "
                         "number of keys (axis -2)")
    try:
        scores = np.broadcast_shapes(tuple(q.shape[:-2]), tuple(k.shape[:-2]), *(
            () if v is None else (tuple(v.shape[:-2]),))) + (q.shape[-2], k.shape[-2])
    except ValueError:
        raise ValueError(f"the batch shapes of q {tuple(q.shape)}, k {tuple(k.shape)}"
                         + ("" if v is None else f" and v {tuple(v.shape)}") + " do not broadcast") from None
    if mask is not None:
        kind = dtype_name(mask.dtype)
        if kind != "bool":
            check_float_dtype(mask, allow_complex=False, name="mask")
            if finfo_eps(mask.dtype) != finfo_eps(q.dtype):
                raise TypeError(f"a float mask must have the precision of q ({dtype_name(q.dtype)}), got "
                                f"{kind}; cast it first (or pass a boolean mask, True = attend)")
        ok = mask.ndim >= 1
        if ok:
            try:
                ok = np.broadcast_shapes(tuple(mask.shape), scores) == scores
            except ValueError:
                ok = False
        if not ok:
            raise ValueError(f"mask of shape {tuple(mask.shape)} does not broadcast to the scores' shape {scores} "
                             "(..., Lq, Lk) of q and k")
    if scale is None:
        return 1.0 / math.sqrt(q.shape[-1])
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not math.isfinite(scale):
        raise TypeError(f"scale must be a finite real number or None, got {scale!r}")
    return float(scale)


def attention_weights(q, k, *, mask=None, scale=None):
    r"""The attention probabilities :math:`P = \operatorname{softmax}(s\, q k^{\mathsf T} + A)` along the keys.

    Parameters
    ----------
    q : array, float32 or float64, shape (..., Lq, E)
    k : array, shape (..., Lk, E), the precision of ``q``; batch shapes broadcast
    mask : array, optional, broadcastable to (..., Lq, Lk)
        Boolean: True = the key takes part (torch's ``scaled_dot_product_attention``), False = masked out.
        Float (the precision of ``q``): added to the scores; ``-inf`` entries take no part.
    scale : float, optional
        :math:`s`, default :math:`1/\sqrt E`.

    Returns
    -------
    P : array of shape (..., Lq, Lk); each row sums to 1, except a row whose every key is masked: all 0.

    Raises
    ------
    TypeError
        For non-float or complex input, two precisions, a float mask of another precision, a non-real scale.
    ValueError
        For inputs of fewer than 2 axes, mismatched E, batch shapes or a mask that do not broadcast (naming the
        shapes).

    Notes
    -----
    With :math:`\mathcal K_i` the unmasked keys of row i and :math:`m_i = \max_{j \in \mathcal K_i} S_{ij}`:

    .. math:: P_{ij} = \frac{e^{S_{ij} - m_i}}{\sum_{l \in \mathcal K_i} e^{S_{il} - m_i}}
              \quad (j \in \mathcal K_i), \qquad P_{ij} = 0 \text{ otherwise, and for } \mathcal K_i = \emptyset.

    Every exponent is :math:`\le 0` and the largest term is 1, so no overflow for finite scores.
    """
    xp = namespace(q, k, mask)
    scale = _check(q, k, None, mask, scale)
    blocks = _blocks(q, k, mask)
    if len(blocks) == 1:
        return _weights(xp, q, k, mask, scale)
    batch = np.broadcast_shapes(tuple(q.shape[:-2]), tuple(k.shape[:-2]), *(() if mask is None else (
        tuple(mask.shape[:-2]),)))
    p = xp.empty((*batch, q.shape[-2], k.shape[-2]), dtype=q.dtype, device=device_of(q))
    for b in blocks:  # each block written into P as it is made: no second copy of P (as a concat would hold)
        p[..., b, :] = _weights(xp, _rows(q, b), k, _rows(mask, b), scale)
    return p


def _weights(xp, q, k, mask, scale):
    """:func:`attention_weights` of one block of query rows (the arguments checked by the caller)."""
    s = xp.matmul(scale * q, xp.matrix_transpose(k))  # s q first: Lq E products instead of Lq Lk
    if mask is None:
        return softmax(s, axis=-1)
    if dtype_name(mask.dtype) == "bool":
        s = xp.where(mask, s, -math.inf)  # masked out = -inf: exp gives exactly 0
    else:
        s = s + mask
    m = xp.max(s, axis=-1, keepdims=True)
    # a row with every key masked has max -inf: subtract 0 instead (exp(-inf - 0) = 0, no inf - inf = NaN)
    m = xp.where(m == -math.inf, 0.0, m)
    e = xp.exp(s - m)
    total = xp.sum(e, axis=-1, keepdims=True)
    # total >= 1 for a row with an unmasked key (its maximum term is e^0); 0 for an empty row: P = 0 / 1 = 0
    return e / xp.where(total == 0.0, 1.0, total)


#: scores per block of query rows (2^20: 4 MiB in float32, 8 MiB in float64): the rows of a softmax are
#: independent, so the forward and the VJP run block by block and never hold more than a few (..., rows, Lk)
#: temporaries, which stay in cache and in the allocator's reused memory (N = 4096 needs no N^2 scratch)
BLOCK_SCORES = 2**20


def _blocks(q, k, *others) -> list:
    """Slices of the query axis: blocks of rows whose scores (batch, rows, Lk) hold about BLOCK_SCORES entries."""
    batch = np.broadcast_shapes(*(tuple(a.shape[:-2]) for a in (q, k, *others) if a is not None and a.ndim > 2))
    lq, per_row = q.shape[-2], max(1, math.prod(batch) * k.shape[-2])
    rows = max(1, BLOCK_SCORES // per_row)
    return [slice(i, min(i + rows, lq)) for i in range(0, lq, rows)] or [slice(0, 0)]


def _rows(a, block):
    """Rows ``block`` of an array along the query axis (-2); one that broadcasts along it (a mask of shape
    (Lk,) or (..., 1, Lk)) or None is returned as it is."""
    if a is None or a.ndim < 2 or a.shape[-2] == 1:
        return a
    return a[..., block, :]


def _dropped(p, dropout_mask, dropout_p):
    """:math:`\tilde P`: the weights after the dropout keep-mask (``p`` itself without one)."""
    return p if dropout_mask is None else dropout(p, mask=dropout_mask, p=dropout_p)


def scaled_dot_product_attention(q, k, v, *, mask=None, scale=None, dropout_mask=None, dropout_p=0.0):
    r"""Softmax attention :math:`y = \tilde P v` with :math:`P = \operatorname{softmax}(s\, q k^{\mathsf T} + A)`.

    torch's ``torch.nn.functional.scaled_dot_product_attention`` (``attn_mask``, ``scale``, ``dropout_p``),
    with the dropout's randomness an argument: the keep-mask of the weights is given, never drawn.

    Parameters
    ----------
    q : array, float32 or float64, shape (..., Lq, E)
    k : array, shape (..., Lk, E)
    v : array, shape (..., Lk, Ev); the batch shapes of q, k, v broadcast
    mask : array, optional
        As in :func:`attention_weights` (bool True = attend; float added, ``-inf`` = masked).
    scale : float, optional
        Default :math:`1/\sqrt E`.
    dropout_mask : bool array of the weights' shape (..., Lq, Lk), optional
        Keep-mask of the dropout on :math:`P` (True = keep); draw one with
        :func:`specref.ops.dropout.dropout_mask`.
    dropout_p : float in [0, 1)
        The probability ``dropout_mask`` was drawn with; kept weights are scaled by :math:`1/(1-p)`.

    Returns
    -------
    y : array of shape (..., Lq, Ev), the precision of ``q``. A query row whose every key is masked gives a
        zero row (as torch's ``scaled_dot_product_attention``; an explicit softmax gives NaN).

    Raises
    ------
    TypeError, ValueError
        As :func:`attention_weights`; also for a ``v`` that does not fit ``k``, a dropout mask of the wrong
        shape or dtype, ``dropout_p`` outside [0, 1).

    Notes
    -----
    .. math:: y = \tilde P v, \qquad \tilde P = \frac{M \odot P}{1 - p}, \qquad
              P = \operatorname{softmax}_{\text{row}}(s\, q k^{\mathsf T} + A)

    See Also
    --------
    scaled_dot_product_attention_vjp, attention_weights
    """
    xp = namespace(q, k, v, mask, dropout_mask)
    scale = _check(q, k, v, mask, scale)
    parts = []
    for b in _blocks(q, k, v, mask):  # the rows of y are independent: block by block
        p = _weights(xp, _rows(q, b), k, _rows(mask, b), scale)
        parts.append(xp.matmul(_dropped(p, _rows(dropout_mask, b), dropout_p), v))  # y = P~ v
    return parts[0] if len(parts) == 1 else xp.concat(parts, axis=-2)


def scaled_dot_product_attention_vjp(dy, q, k, v, y, *, mask=None, scale=None, dropout_mask=None, dropout_p=0.0,
                                     weights=None):
    r"""VJP of :func:`scaled_dot_product_attention`: ``(dq, dk, dv)``.

    .. math:: \bar v = \tilde P^{\mathsf T} \bar y, \quad
              \bar P = \frac{M \odot \bar y v^{\mathsf T}}{1 - p}, \quad
              \bar S = P \odot \big(\bar P - \textstyle\sum_j (\bar P \odot P)_{\cdot j}\big), \quad
              \bar q = s \bar S k, \quad \bar k = s \bar S^{\mathsf T} q

    The forward is three maps, pulled back in reverse (each gradient summed to its input's batch shape):

    .. math::

        y = \tilde P v &\;\Rightarrow\; \bar v = \tilde P^{\mathsf T} \bar y, \quad
                                         \bar{\tilde P} = \bar y\, v^{\mathsf T} \\
        \tilde P = \frac{M \odot P}{1 - p} &\;\Rightarrow\; \bar P = \frac{M \odot \bar{\tilde P}}{1 - p} \\
        P = \operatorname{softmax}(S) &\;\Rightarrow\;
            \bar S = P \odot \Big(\bar P - \sum_j (\bar P \odot P)_{\cdot j}\Big) \\
        S = s\, q k^{\mathsf T} + A &\;\Rightarrow\; \bar q = s\, \bar S k, \quad \bar k = s\, \bar S^{\mathsf T} q

    The softmax row's Jacobian is :math:`P_i(\delta_{ij} - P_j)` over the unmasked keys and 0 at a masked
    key (its probability is the constant 0), and :math:`P \odot (\cdot)` vanishes there, so the same formula
    holds with masks. A row whose every key is masked has :math:`P = 0`, hence :math:`\bar S = 0`: its query
    gets a zero gradient and its keys and values receive nothing from it.

    Parameters
    ----------
    dy : array of the shape of ``y``
    q, k, v, y : the forward's inputs and output
    mask, scale, dropout_mask, dropout_p : as in the forward
    weights : array, optional
        The forward's :func:`attention_weights` ``P`` (before dropout), reused instead of recomputed.

    Returns
    -------
    dq, dk, dv : arrays of the shapes and dtype of ``q``, ``k``, ``v`` (no gradient for the mask)
    """
    xp = namespace(dy, q, k, v, mask, dropout_mask)
    check_cotangent(dy, q, y, "scaled_dot_product_attention_vjp", names=("dy", "q", "y"))
    scale = _check(q, k, v, mask, scale)
    dq, dk, dv = [], 0.0, 0.0
    for b in _blocks(q, k, v, mask):  # block by block of query rows; dk and dv sum the blocks' terms
        q_b, dy_b = _rows(q, b), _rows(dy, b)
        p = _weights(xp, q_b, k, _rows(mask, b), scale) if weights is None else weights[..., b, :]
        keep = _rows(dropout_mask, b)
        p_drop = _dropped(p, keep, dropout_p)
        # y = P~ v: dv = P~^T dy
        dv = dv + xp.matmul(xp.matrix_transpose(p_drop), dy_b)
        # y = P~ v: dP~ = dy v^T
        dp_drop = xp.matmul(dy_b, xp.matrix_transpose(v))
        # P~ = M P / (1 - p): dP = M dP~ / (1 - p)
        dp = dp_drop if keep is None else dropout_vjp(dp_drop, p, p_drop, mask=keep, p=dropout_p)
        # P = softmax(S): dS = P * (dP - rowsum(dP * P)); 0 at masked keys and on fully masked rows (P = 0)
        ds = softmax_vjp(dp, p, p, axis=-1)
        # S = s q k^T + A: dq = s dS k
        dq.append(scale * xp.matmul(ds, k))
        # S = s q k^T + A: dk = s dS^T q
        dk = dk + scale * xp.matmul(xp.matrix_transpose(ds), q_b)
    # the batch axes that broadcasting added or stretched are summed back to each input's shape
    dq = sum_to_shape(dq[0] if len(dq) == 1 else xp.concat(dq, axis=-2), tuple(q.shape))
    dk, dv = sum_to_shape(dk, tuple(k.shape)), sum_to_shape(dv, tuple(v.shape))
    return dq, dk, dv


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _rows_on_sphere(rng, shape, radius):
    """N(0, 1) rows rescaled to Euclidean norm ``radius`` (host float64): the bound of the scores is exact."""
    host = rng.standard_normal(shape)
    return host * (radius / np.linalg.norm(host, axis=-1, keepdims=True))


def _make_attention(rng, xp, dtype, *, batch_q, batch_k, lq, lk, e, ev, sigma=1.0, mask=None, dropout_p=0.0):
    radius = sigma * math.sqrt(e)
    q = from_host(_rows_on_sphere(rng, (*batch_q, lq, e), radius), xp, dtype)
    k = from_host(_rows_on_sphere(rng, (*batch_k, lk, e), radius), xp, dtype)
    # v in [0.5, 1.5]: every output is a positive combination of positive values (no cancellation)
    v = from_host(rng.uniform(0.5, 1.5, (*batch_k, lk, ev)), xp, dtype)
    kwargs = {}
    scores = np.broadcast_shapes(tuple(batch_q), tuple(batch_k)) + (lq, lk)
    if mask == "bool":  # True = attend; row 0 of every batch entry fully masked, the rest ~70 % kept
        host = rng.random((lq, lk)) < 0.7
        host[0] = False
        host[1:, 0] = True
        kwargs["mask"] = xp.asarray(host)
    elif mask == "float":  # uniform in [-1, 1], with -inf at ~20 % of the keys (never all of a row)
        host = rng.uniform(-1.0, 1.0, scores)
        host[rng.random(scores) < 0.2] = -math.inf
        host[..., 0] = 0.0
        kwargs["mask"] = from_host(host, xp, dtype)
    if dropout_p:
        kwargs["dropout_mask"] = dropout_mask(rng, scores, dropout_p, xp=xp)
        kwargs["dropout_p"] = dropout_p
    return Inputs((q, k, v), kwargs)


def _ref_attention(q, k, v, mask=None, dropout_mask=None, dropout_p=0.0):
    """NumPy in float64 on the host: scores, -inf at masked entries, exp of the max-subtracted scores."""
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if mask is not None:
        m = to_numpy(mask)
        s = np.where(m, s, -np.inf) if m.dtype == bool else s + m.astype(np.float64)
    s = np.broadcast_to(s, np.broadcast_shapes(s.shape, (*v.shape[:-2], 1, 1)))
    top = np.max(s, axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isinf(top), 0.0, top))
    total = e.sum(axis=-1, keepdims=True)
    p = e / np.where(total == 0.0, 1.0, total)
    if dropout_mask is not None:
        p = p * to_numpy(dropout_mask) / (1.0 - dropout_p)
    return p @ v


def _attention_error_scale(p) -> float:
    # Rows of q and k have norm sigma sqrt(E), so |S| <= s sigma^2 E = sigma^2 sqrt(E) and the length-E dot
    # errs by <= (1.5 E + 2) eps sum|q||k| s <= (1.5 E + 2) eps sigma^2 sqrt(E) (Cauchy-Schwarz; linear's
    # dot constant); s q (one rounding per q entry), a float mask in [-1, 1] and the max subtraction add
    # <= 2 ulp of |S| + 1 (the 4 - 2 = 2 of the constant). An absolute score error delta changes P_ij by a
    # relative 2 delta (numerator and normaliser), so 2 (1.5 E + 4)(sigma^2 sqrt E + 1); the softmax's own
    # exp, sum and division 4 + log2 Lk; the length-Lk products of positive terms 1.5 Lk + 2; dropout 1.
    e, lk = p["e"], p["lk"]
    scores = p.get("sigma", 1.0) ** 2 * math.sqrt(e) + 1.0
    return 2.0 * (1.5 * e + 4.0) * scores + 3.0 + summation_factor(lk) + 1.5 * lk + 2.0 + 1.0


CASES = [
    Case(
        name="scaled_dot_product_attention",
        forward=scaled_dot_product_attention,
        vjp=scaled_dot_product_attention_vjp,
        argnums=(0, 1, 2),
        make=_make_attention,
        grid=(
            {"batch_q": (2,), "batch_k": (2,), "lq": 3, "lk": 5, "e": 4, "ev": 3},
            # bool mask (True = attend) with one fully masked query row (zero output and gradients)
            {"batch_q": (2, 1), "batch_k": (2, 1), "lq": 4, "lk": 5, "e": 3, "ev": 2, "mask": "bool"},
            # float mask with -inf entries, q's batch broadcast against k's
            {"batch_q": (2, 3), "batch_k": (3,), "lq": 3, "lk": 4, "e": 4, "ev": 3, "mask": "float"},
            # dropout on the weights with a keep-mask
            {"batch_q": (2,), "batch_k": (2,), "lq": 5, "lk": 3, "e": 2, "ev": 4, "dropout_p": 0.25},
            # wide scores (|S| up to 9 sqrt(E) = 18): the max subtraction at work
            {"batch_q": (1,), "batch_k": (1,), "lq": 3, "lk": 6, "e": 4, "ev": 2, "sigma": 3.0},
        ),
        error_scale=_attention_error_scale,
        error_reason="length-E dots of rows of norm sigma sqrt(E) (|S| <= sigma^2 sqrt E), doubled through the "
        "softmax; exp, sum, division; length-Lk products of positive terms",
        reference=_ref_attention,
    ),
]
