r"""Linear attention with feature maps, non-causal and causal (prefix sums), and its hand-derived VJP.

With features :math:`\phi_q = \phi(Q)`, :math:`\phi_k = \phi(K)` (rows in :math:`\mathbb{R}^m`) and values
:math:`v` (rows in :math:`\mathbb{R}^{d_v}`), linear attention is

.. math::

    y_i = \frac{\phi_{q,i}^T S}{\phi_{q,i}^T z + \epsilon}, \qquad
    S = \sum_j \phi_{k,j} v_j^T, \qquad z = \sum_j \phi_{k,j},

that is, attention with weights :math:`A_{ij} \propto \phi_{q,i} \cdot \phi_{k,j}` computed in
:math:`O(N m d_v)` instead of :math:`O(N^2)`. The causal form runs both sums over :math:`j \le i` only
(:math:`S_i`, :math:`z_i`: prefix sums), which :mod:`specref._jit.causal_linear_attention` computes by a scan.
"""

from __future__ import annotations

import numpy as np

from specref._args import check_flag, check_nonnegative_float
from specref._jit.causal_linear_attention import causal_prefix
from specref.backend import check_same_precision, device_of, from_host, namespace
from specref.ops._common import check_cotangent, require_real
from specref.testing.case import Case, Inputs

__all__ = ["linear_attention", "linear_attention_vjp"]


def _check(phi_q, phi_k, v, causal, eps, op):
    names = ("phi_q", "phi_k", "v")
    for a, n in zip((phi_q, phi_k, v), names, strict=True):
        require_real(a, op, name=n)
        if a.ndim < 2:
            raise ValueError(f"{op} needs {n} of shape (..., N, m) or (..., N, dv), got shape {tuple(a.shape)}")
    check_same_precision(phi_q, phi_k, v, names=names)
    if tuple(phi_q.shape) != tuple(phi_k.shape):
        raise ValueError(f"{op}: phi_q of shape {tuple(phi_q.shape)} and phi_k of shape {tuple(phi_k.shape)} must "
                         "have one shape (..., N, m)")
    if tuple(v.shape[:-1]) != tuple(phi_k.shape[:-1]):
        raise ValueError(f"{op}: v of shape {tuple(v.shape)} must have the batch shape and length N of phi_k "
                         f"{tuple(phi_k.shape)}: (..., N, dv)")
    if phi_q.shape[-2] == 0:
        raise ValueError(f"{op}: the sequence has length N = 0; accepted: N >= 1")
    return check_flag(causal, "causal"), check_nonnegative_float(eps, "eps")


def _with_ones(v, xp):
    """``[v, 1]`` (..., N, dv + 1): the scan of ``phi_k [v, 1]^T`` carries S and z together."""
    ones = xp.ones((*v.shape[:-1], 1), dtype=v.dtype, device=device_of(v))
    return xp.concat([v, ones], axis=-1)


def _numerator_denominator(phi_q, phi_k, v, causal, eps, xp):
    """(num, den) with num (..., N, dv) and den (..., N, 1), eps included."""
    if causal:
        nd = causal_prefix(phi_q, phi_k, _with_ones(v, xp))  # [phi_q^T S_i, phi_q^T z_i]
        return nd[..., :-1], nd[..., -1:] + eps
    s = xp.matmul(xp.matrix_transpose(phi_k), v)  # S = sum_j phi_k_j v_j^T (m, dv)
    z = xp.sum(phi_k, axis=-2, keepdims=True)  # z^T = sum_j phi_k_j^T (1, m)
    return xp.matmul(phi_q, s), xp.matmul(phi_q, xp.matrix_transpose(z)) + eps


def linear_attention(phi_q, phi_k, v, *, causal: bool = False, eps: float = 0.0):
    r"""Linear attention :math:`y_i = \phi_{q,i}^T S_i / (\phi_{q,i}^T z_i + \epsilon)` with given features.

    Parameters
    ----------
    phi_q, phi_k : arrays (..., N, m), float32 or float64
        Query and key features (positive features keep the normaliser away from 0).
    v : array (..., N, dv), same batch shape, N and precision
    causal : bool
        Sums over :math:`j \le i` only (autoregressive), else over all :math:`j`.
    eps : float >= 0
        Added to the normaliser.

    Returns
    -------
    y : array (..., N, dv)

    Raises
    ------
    TypeError
        For non-float or complex input, or mixed precisions.
    ValueError
        For inputs of fewer than two axes, mismatched shapes, ``N = 0``, a negative ``eps``.

    Notes
    -----
    .. math::

        y_i = \frac{\phi_{q,i}^T S_i}{\phi_{q,i}^T z_i + \epsilon}, \qquad
        S_i = \sum_{j \in J_i} \phi_{k,j} v_j^T, \quad z_i = \sum_{j \in J_i} \phi_{k,j},

    with :math:`J_i = \{0..N-1\}` (non-causal, one :math:`S`, :math:`z` for all :math:`i`) or
    :math:`J_i = \{0..i\}` (causal). Equal to attention with weights
    :math:`A_{ij} = \phi_{q,i}\cdot\phi_{k,j} / (\sum_{l \in J_i} \phi_{q,i}\cdot\phi_{k,l} + \epsilon)`.

    See Also
    --------
    linear_attention_vjp
    """
    xp = namespace(phi_q, phi_k, v)
    causal, eps = _check(phi_q, phi_k, v, causal, eps, "linear_attention")
    num, den = _numerator_denominator(phi_q, phi_k, v, causal, eps, xp)
    return num / den


def linear_attention_vjp(dy, phi_q, phi_k, v, y, *, causal: bool = False, eps: float = 0.0):
    r"""VJP of :func:`linear_attention`: ``(dphi_q, dphi_k, dv)``.

    Write :math:`n_i = \phi_{q,i}^T S_i` (the numerator) and :math:`\delta_i = \phi_{q,i}^T z_i + \epsilon`
    (the normaliser), so :math:`y_i = n_i / \delta_i`. Then

    .. math::

        g_i = \bar y_i / \delta_i \;(= \bar n_i), \qquad
        \bar\delta_i = -\bar y_i \cdot n_i / \delta_i^2 = -g_i \cdot y_i,

        \bar\phi_{q,i} = S_i\, g_i + z_i\, \bar\delta_i, \qquad
        \bar S_j = \sum_{i: j \in J_i} \phi_{q,i}\, g_i^T, \qquad
        \bar z_j = \sum_{i: j \in J_i} \phi_{q,i}\, \bar\delta_i,

        \bar\phi_{k,j} = \bar S_j\, v_j + \bar z_j, \qquad \bar v_j = \bar S_j^T \phi_{k,j}.

    Non-causal, :math:`\bar S, \bar z` are single sums over all :math:`i`. Causal, :math:`j \in J_i` means
    :math:`i \ge j`: :math:`\bar S_j, \bar z_j` are *suffix* sums, reverse scans of the cotangent terms
    :math:`\phi_{q,i} g_i^T` and :math:`\phi_{q,i}\bar\delta_i`. With :math:`G = [g, \bar\delta]` and
    :math:`v' = [v, 1]` each is one causal prefix product :math:`P(x, u, w)_i = \sum_{j \le i}(x_i\cdot u_j) w_j`
    of :mod:`specref._jit.causal_linear_attention`:
    :math:`\bar\phi_q = P(G, v', \phi_k)`, :math:`\bar\phi_k = P^{\mathrm{rev}}(v', G, \phi_q)`,
    :math:`\bar v = P^{\mathrm{rev}}(\phi_k, \phi_q, g)`.

    Parameters
    ----------
    dy : array of the shape of ``y``
    phi_q, phi_k, v, y : the forward's inputs and output
    causal, eps : as in the forward

    Returns
    -------
    dphi_q, dphi_k, dv : arrays of the shapes and dtype of ``phi_q``, ``phi_k``, ``v``
    """
    xp = namespace(dy, phi_q, phi_k, v, y)
    check_cotangent(dy, phi_q, y, "linear_attention_vjp", names=("dy", "phi_q", "y"))
    causal, eps = _check(phi_q, phi_k, v, causal, eps, "linear_attention_vjp")
    _, den = _numerator_denominator(phi_q, phi_k, v, causal, eps, xp)
    # y = n / delta: g = dn = dy / delta
    g = dy / den
    # y = n / delta: d(delta) = -dy . n / delta^2 = -g . y
    dden = -xp.sum(g * y, axis=-1, keepdims=True)
    if causal:
        big_g, v1 = xp.concat([g, dden], axis=-1), _with_ones(v, xp)
        # dphi_q_i = S_i g_i + z_i d(delta)_i = sum_{j<=i} (G_i . v'_j) phi_k_j
        dq = causal_prefix(big_g, v1, phi_k)
        # dphi_k_j = dS_j v_j + dz_j = sum_{i>=j} (v'_j . G_i) phi_q_i  (a reverse scan)
        dk = causal_prefix(v1, big_g, phi_q, reverse=True)
        # dv_j = dS_j^T phi_k_j = sum_{i>=j} (phi_k_j . phi_q_i) g_i  (a reverse scan)
        dv = causal_prefix(phi_k, phi_q, g, reverse=True)
        return dq, dk, dv
    s = xp.matmul(xp.matrix_transpose(phi_k), v)  # S = phi_k^T v
    z = xp.sum(phi_k, axis=-2, keepdims=True)  # z^T (1, m)
    # dphi_q = g S^T + d(delta) z^T
    dq = xp.matmul(g, xp.matrix_transpose(s)) + dden * z
    # dS = phi_q^T g
    ds = xp.matmul(xp.matrix_transpose(phi_q), g)
    # dz^T = d(delta)^T phi_q  (1, m)
    dz = xp.matmul(xp.matrix_transpose(dden), phi_q)
    # dphi_k = v dS^T + 1 dz^T
    dk = xp.matmul(v, xp.matrix_transpose(ds)) + dz
    # dv = phi_k dS
    dv = xp.matmul(phi_k, ds)
    return dq, dk, dv


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_linear_attention(rng, xp, dtype, *, batch, n, m, dv, causal, eps=0.0):
    # positive features exp(0.5 N(0,1)) in ~[0.1, 10]: every normaliser is a sum of positive terms, far from 0
    phi_q = from_host(np.exp(0.5 * rng.standard_normal((*batch, n, m))), xp, dtype)
    phi_k = from_host(np.exp(0.5 * rng.standard_normal((*batch, n, m))), xp, dtype)
    # v in [0.5, 1.5]: every output is a positive combination of positive values (no cancellation)
    v = from_host(rng.uniform(0.5, 1.5, (*batch, n, dv)), xp, dtype)
    return Inputs((phi_q, phi_k, v), {"causal": causal, "eps": eps})


def _ref_linear_attention(phi_q, phi_k, v, causal=False, eps=0.0):
    """NumPy float64 quadratic form: A_ij = phi_q_i . phi_k_j [j <= i if causal] / row sum, y = A v."""
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (phi_q, phi_k, v))
    a = q @ np.swapaxes(k, -1, -2)
    if causal:
        a = np.tril(a)
    return (a @ v) / (a.sum(axis=-1, keepdims=True) + eps)


def _linear_attention_error_scale(p) -> float:
    # Positive terms only (positive features and values): the length-m dots phi_q . phi_k or phi_q^T S
    # (1.5 m + 2, linear's dot constant), at most N accumulations of the running sums (1.5 N), for the
    # numerator and the normaliser each; their errors add through the division (2x), which adds 1.
    return 2.0 * (1.5 * p["m"] + 1.5 * p["n"] + 2.0) + 1.0


CASES = [
    Case(
        name="linear_attention",
        forward=linear_attention,
        vjp=linear_attention_vjp,
        argnums=(0, 1, 2),
        make=_make_linear_attention,
        grid=(
            {"batch": (2,), "n": 5, "m": 3, "dv": 2, "causal": False},
            {"batch": (2,), "n": 6, "m": 4, "dv": 3, "causal": True},
            {"batch": (2, 1), "n": 7, "m": 2, "dv": 3, "causal": True, "eps": 0.5},
            {"batch": (), "n": 4, "m": 3, "dv": 2, "causal": False, "eps": 0.25},
            {"batch": (1,), "n": 1, "m": 2, "dv": 1, "causal": True},
        ),
        full_grid=(
            {"batch": (2,), "n": 5, "m": 3, "dv": 2, "causal": False},
            {"batch": (2,), "n": 6, "m": 4, "dv": 3, "causal": True},
            {"batch": (2, 1), "n": 7, "m": 2, "dv": 3, "causal": True, "eps": 0.5},
            {"batch": (3,), "n": 70, "m": 8, "dv": 4, "causal": True},  # more than one block of the reference
            {"batch": (3,), "n": 33, "m": 8, "dv": 4, "causal": False},
        ),
        error_scale=_linear_attention_error_scale,
        error_reason="positive terms: length-m dots (1.5 m + 2) and N accumulations (1.5 N), numerator and "
        "normaliser each, doubled through the division",
        reference=_ref_linear_attention,
    ),
]
