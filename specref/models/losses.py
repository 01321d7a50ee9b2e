r"""Losses with their VJPs: cross-entropy over class indices and the mean squared error (torch's semantics).

**Cross-entropy.** For logits :math:`z \in \mathbb{R}^{\dots \times C}` (the class axis **last**; torch's
``cross_entropy`` takes it at axis 1 for inputs of more than two axes: move it last first), integer targets
:math:`t`, label smoothing :math:`\varepsilon` and :math:`\log p = z - \operatorname{logsumexp}(z)`:

.. math::

    \ell_n = -(1 - \varepsilon) \log p_{n, t_n} - \frac{\varepsilon}{C} \sum_c \log p_{n,c}
    \quad (t_n \ne \texttt{ignore\_index}), \qquad \ell_n = 0 \text{ otherwise},

reduced by ``"mean"`` (:math:`\sum_n \ell_n / |\{n : t_n \ne \texttt{ignore\_index}\}|`), ``"sum"`` or ``"none"``.
The logsumexp subtracts the row maximum (:mod:`specref.ops.softmax`'s rule): no overflow for any finite logits.

**Its VJP**: :math:`\partial \ell_n / \partial z_{n,c} = p_{n,c} - (1-\varepsilon)[c = t_n] - \varepsilon/C` for a
counted sample, 0 for an ignored one, times the reduction's weight (:math:`\bar\ell/N_{\text{counted}}`,
:math:`\bar\ell`, or :math:`\bar\ell_n`). Targets are not differentiable.

**Mean squared error**: :math:`\ell = \operatorname{reduce}\,(x - y)^2`, VJPs
:math:`\bar x = 2 (x - y)\,w\,\bar\ell`, :math:`\bar y = -\bar x` (w = 1/n for ``"mean"``, 1 otherwise).
"""

from __future__ import annotations

import math

import numpy as np

from specref._args import check_choice, check_probability
from specref.backend import dtype_name, namespace, random_normal, to_numpy
from specref.ops._common import check_cotangent, require_real
from specref.ops.softmax import softmax
from specref.testing.case import Case, Inputs

__all__ = ["cross_entropy", "cross_entropy_vjp", "mse_loss", "mse_loss_vjp", "REDUCTIONS"]

REDUCTIONS = ("mean", "sum", "none")
_INTEGER = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def _check_targets(logits, targets, ignore_index, reduction, label_smoothing):
    require_real(logits, "cross_entropy", "logits")
    namespace(logits, targets)
    check_choice(reduction, REDUCTIONS, "reduction")
    check_probability(label_smoothing, "label_smoothing")
    if logits.ndim < 1 or logits.shape[-1] < 1:
        raise ValueError(f"cross_entropy needs logits (..., C) with C >= 1 classes on the last axis, got shape "
                         f"{tuple(logits.shape)}")
    if dtype_name(targets.dtype) not in _INTEGER:
        raise TypeError(f"cross_entropy takes integer class indices as targets, got dtype {dtype_name(targets.dtype)}"
                        " (probability targets are not supported)")
    if tuple(targets.shape) != tuple(logits.shape[:-1]):
        raise ValueError(f"targets have shape {tuple(targets.shape)}; logits {tuple(logits.shape)} need targets of "
                         f"shape {tuple(logits.shape[:-1])} (class axis last)")
    host = np.asarray(to_numpy(targets))
    counted = host != ignore_index
    c = logits.shape[-1]
    bad = counted & ((host < 0) | (host >= c))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise IndexError(f"targets{list(where)} = {int(host[where])} is not a class index in [0, {c}) nor "
                         f"ignore_index ({ignore_index})")
    if reduction == "mean" and not counted.any():
        raise ValueError("cross_entropy(reduction='mean'): every target equals ignore_index, so the mean is over no "
                         "sample (torch returns nan)")
    return counted


def _log_probs(xp, logits):
    shifted = logits - xp.max(logits, axis=-1, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))


def _weights(xp, counted, logits):
    """1 for counted samples, 0 for ignored ones, in the logits' precision and namespace."""
    return xp.asarray(counted.astype(dtype_name(logits.dtype)))


def cross_entropy(logits, targets, *, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0):
    r"""Cross-entropy of class-index targets (module docstring), torch's ``cross_entropy`` with the class axis
    last.

    .. math:: \ell_n = -(1 - \varepsilon) \log p_{n, t_n} - \frac{\varepsilon}{C} \sum_c \log p_{n,c}

    Parameters
    ----------
    logits : array, float32 or float64, shape (..., C)
    targets : integer array, shape (...)
        Class indices in [0, C), or ``ignore_index``.
    ignore_index : int
        Targets equal to it contribute 0 and are not counted by the mean.
    reduction : {"mean", "sum", "none"}
    label_smoothing : float in [0, 1)

    Returns
    -------
    loss : 0-d array ("mean", "sum") or array of ``targets``' shape ("none"), the logits' dtype

    Raises
    ------
    TypeError
        For non-integer targets, complex, integer or bool logits.
    IndexError
        For a target that is neither a class index nor ``ignore_index``.
    ValueError
        For targets of another shape than the logits' leading axes, an unknown reduction, a label smoothing
        outside [0, 1), a mean over no counted sample.
    """
    counted = _check_targets(logits, targets, ignore_index, reduction, label_smoothing)
    xp = namespace(logits)
    c = logits.shape[-1]
    logp = _log_probs(xp, logits)
    safe = xp.where(xp.asarray(counted), targets, xp.zeros_like(targets))
    picked = xp.take_along_axis(logp, xp.astype(safe, xp.int64)[..., None], axis=-1)[..., 0]
    per = -(1.0 - label_smoothing) * picked
    if label_smoothing:
        per = per - (label_smoothing / c) * xp.sum(logp, axis=-1)
    per = per * _weights(xp, counted, logits)
    if reduction == "none":
        return per
    total = xp.sum(per)
    return total / float(counted.sum()) if reduction == "mean" else total


def cross_entropy_vjp(dloss, logits, targets, loss, *, ignore_index: int = -100, reduction: str = "mean",
                      label_smoothing: float = 0.0):
    r"""VJP of :func:`cross_entropy` in the logits (``loss`` is the forward's output, used for its shape).

    .. math:: \bar z_{n,c} = w_n \bar\ell \left(p_{n,c} - (1-\varepsilon)[c = t_n] - \varepsilon / C\right)
    """
    counted = _check_targets(logits, targets, ignore_index, reduction, label_smoothing)
    xp = namespace(dloss, logits)
    check_cotangent(dloss, logits, loss, "cross_entropy_vjp", names=("dloss", "logits", "loss"))
    c = logits.shape[-1]
    p = softmax(logits, axis=-1)
    safe = xp.where(xp.asarray(counted), targets, xp.zeros_like(targets))
    one_hot = xp.astype(xp.reshape(safe, (*safe.shape, 1)) == xp.arange(c), logits.dtype)
    grad = p - (1.0 - label_smoothing) * one_hot - label_smoothing / c
    w = _weights(xp, counted, logits)
    if reduction == "none":
        w = w * dloss
    elif reduction == "mean":
        w = w * (dloss / float(counted.sum()))
    else:
        w = w * dloss
    return grad * w[..., None]


def _check_pair(x, y, reduction, op):
    require_real(x, op, "input")
    require_real(y, op, "target")
    namespace(x, y)
    check_choice(reduction, REDUCTIONS, "reduction")
    if tuple(x.shape) != tuple(y.shape):
        raise ValueError(f"{op}: input has shape {tuple(x.shape)} and target {tuple(y.shape)}; they must be equal "
                         "(torch broadcasts with a warning; specref refuses)")
    if dtype_name(x.dtype) != dtype_name(y.dtype):
        raise TypeError(f"{op}: input is {dtype_name(x.dtype)} and target {dtype_name(y.dtype)}; mixing precisions "
                        "is refused")


def mse_loss(input, target, *, reduction: str = "mean"):
    r"""Mean squared error, torch's ``mse_loss`` (shapes must be equal).

    .. math:: \ell = \operatorname{reduce}_n\,(x_n - y_n)^2
    """
    _check_pair(input, target, reduction, "mse_loss")
    xp = namespace(input)
    sq = (input - target) ** 2
    if reduction == "none":
        return sq
    return xp.mean(sq) if reduction == "mean" else xp.sum(sq)


def mse_loss_vjp(dloss, input, target, loss, *, reduction: str = "mean"):
    r"""VJP of :func:`mse_loss` in both arguments, ``(dinput, dtarget)``.

    .. math:: \bar x = 2 (x - y)\, w\, \bar\ell, \qquad \bar y = -\bar x
    """
    _check_pair(input, target, reduction, "mse_loss_vjp")
    check_cotangent(dloss, input, loss, "mse_loss_vjp", names=("dloss", "input", "loss"))
    scale = 2.0 / math.prod(input.shape) if reduction == "mean" else 2.0
    dx = (input - target) * (scale * dloss)
    return dx, -dx


# ----------------------------------------------------------------------------------------------------------
# verification cases


def _make_ce(rng, xp, dtype, *, shape, classes, ignore=False, **kw):
    logits = random_normal(rng, (*shape, classes), dtype=dtype, xp=xp)
    t = rng.integers(0, classes, shape)
    if ignore:
        t.ravel()[::3] = -100
    return Inputs((logits, xp.asarray(t)), kw)


def _ref_ce(logits, targets, *, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    z = np.asarray(logits, dtype=np.float64)
    t = np.asarray(targets)
    c = z.shape[-1]
    out = np.zeros(t.shape)
    for idx in np.ndindex(t.shape):
        if t[idx] == ignore_index:
            continue
        row = z[idx]
        lse = math.log(sum(math.exp(v - row.max()) for v in row)) + row.max()
        out[idx] = -(1 - label_smoothing) * (row[t[idx]] - lse) - label_smoothing / c * sum(v - lse for v in row)
    if reduction == "none":
        return out
    return out.sum() / (t != ignore_index).sum() if reduction == "mean" else out.sum()


def _make_mse(rng, xp, dtype, *, shape, **kw):
    return Inputs((random_normal(rng, shape, dtype=dtype, xp=xp), random_normal(rng, shape, dtype=dtype, xp=xp)), kw)


def _ce_scale(p) -> float:
    # logsumexp: C exponentials and a sum (C + 2), the pick or the smoothing sum (C), the batch sum (n)
    n = math.prod(p["shape"])
    return 2.0 * p["classes"] + 4.0 + n


CASES = [
    Case(name="cross_entropy", forward=cross_entropy, vjp=cross_entropy_vjp, make=_make_ce, argnums=(0,),
         grid=({"shape": (5,), "classes": 4}, {"shape": (2, 3), "classes": 5, "reduction": "sum", "ignore": True},
               {"shape": (4,), "classes": 3, "reduction": "none", "label_smoothing": 0.1},
               {"shape": (6,), "classes": 7, "label_smoothing": 0.2, "ignore": True}),
         error_scale=_ce_scale, error_reason="a stable logsumexp (C + 2), the smoothing sum (C), the batch sum (n)",
         reference=_ref_ce),
    Case(name="mse_loss", forward=mse_loss, vjp=mse_loss_vjp, make=_make_mse, argnums=(0, 1),
         grid=({"shape": (3, 4)}, {"shape": (5,), "reduction": "sum"}, {"shape": (2, 2), "reduction": "none"}),
         # a difference, a square (2 roundings) and a sum of at most 12 terms
         error_scale=16.0, error_reason="a difference, a square and a sum of at most 12 terms",
         reference=lambda x, y, reduction="mean": {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](
             (np.asarray(x, np.float64) - np.asarray(y, np.float64)) ** 2)),
]
