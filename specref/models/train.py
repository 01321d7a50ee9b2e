r"""Training by hand: the loop that trains any specref model (or layer) for k steps, every derivative explicit.

One step, for a batch :math:`(x, t)` (and an optional padding mask):

.. math::

    y, c &= \texttt{model.forward}(x) && \text{(training mode: dropout masks from the one rng stream)} \\
    \ell &= L(y, t) && \text{(cross-entropy or mean squared error, } \texttt{specref.models.losses}\text{)} \\
    \bar y &= L^*(1) && \text{(the loss's VJP with } \bar\ell = 1\text{)} \\
    \bar x, g &= \texttt{model.backward}(c, \bar y) && \text{(the model's hand-written backward)} \\
    p, s &\leftarrow \texttt{step}(p, g, s) && \text{(SGD or AdamW, } \texttt{specref.models.optim}\text{)}

and ``model = model.with_params(p)``: a new model each step, nothing mutated. The returned history holds the
loss and the gradient's 2-norm of every step (floats), the curve a tutorial plots.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from specref._args import check_choice, check_positive_int
from specref._progress import progress_bar
from specref.backend import as_generator, namespace, to_numpy
from specref.models.losses import cross_entropy, cross_entropy_vjp, mse_loss, mse_loss_vjp
from specref.models.optim import OPTIMIZERS

__all__ = ["train", "History", "LOSSES"]

#: loss names -> (loss, its VJP); the VJP's first result is the cotangent of the model's output
LOSSES = {"cross_entropy": (cross_entropy, cross_entropy_vjp), "mse": (mse_loss, mse_loss_vjp)}


@dataclass
class History:
    """What :func:`train` records: one entry per step."""

    loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)


def _batches(batches, steps):
    if callable(batches):
        for k in range(steps):
            yield batches(k)
        return
    it = iter(batches)
    for k in range(steps):
        try:
            yield next(it)
        except StopIteration:
            raise ValueError(f"train: the batches ran out after {k} of {steps} steps") from None


def _loss_pair(loss) -> tuple[Callable, Callable]:
    if isinstance(loss, str):
        return LOSSES[check_choice(loss, tuple(LOSSES), "loss")]
    if isinstance(loss, tuple) and len(loss) == 2 and all(callable(f) for f in loss):
        return loss
    raise TypeError("train: loss must be 'cross_entropy', 'mse' or a pair (loss, loss_vjp) of functions")


def train(model, batches: Iterable | Callable, *, loss="cross_entropy", optimizer: str = "adamw", steps: int,
          rng=None, progress: bool = True, **optimizer_kwargs):
    """Train ``model`` for ``steps`` steps (module docstring); returns ``(model, history)``.

    Parameters
    ----------
    model : a specref model or layer
        Anything with ``forward(x, *, training, rng, masks, [attention_mask])``, ``backward(ctx, dy)``,
        ``params`` and ``with_params``.
    batches : iterable or callable
        Yields ``(x, target)`` or ``(x, target, attention_mask)``; a callable is called with the step index.
    loss : {"cross_entropy", "mse"} or (loss, loss_vjp)
        A pair of functions ``loss(y, t) -> scalar`` and ``loss_vjp(dloss, y, t, loss) -> dy or (dy, ...)``.
    optimizer : {"adamw", "sgd"}
        Its keywords (``lr``, ``betas``, ``weight_decay``, ``momentum``...) go in ``optimizer_kwargs``.
    steps : int
    rng : int or numpy.random.Generator, optional
        One stream for every dropout mask of every step (needed when the model has dropout).
    progress : bool
        A progress bar on stderr.

    Raises
    ------
    ValueError
        For an unknown optimizer or loss name, batches that run out, a non-finite loss (naming the step).
    """
    steps = check_positive_int(steps, "steps")
    init, step_fn = OPTIMIZERS[check_choice(optimizer, tuple(OPTIMIZERS), "optimizer")]
    loss_fn, loss_vjp = _loss_pair(loss)
    gen = None if rng is None else as_generator(rng)
    init_kwargs = {"amsgrad": True} if optimizer == "adamw" and optimizer_kwargs.get("amsgrad") else {}
    state = init(model.params, **init_kwargs)
    history = History()
    with progress_bar("train", steps, enabled=progress) as tick:
        for k, batch in enumerate(_batches(batches, steps)):
            x, target, *rest = batch
            extra = {"attention_mask": rest[0]} if rest and rest[0] is not None else {}
            y, ctx = model.forward(x, training=True, rng=gen, **extra)
            value = loss_fn(y, target)
            xp = namespace(y)
            dy = loss_vjp(xp.ones_like(value), y, target, value)
            dy = dy[0] if isinstance(dy, tuple) else dy
            _, grads = model.backward(ctx, dy)
            number = float(to_numpy(value))
            if not math.isfinite(number):
                raise ValueError(f"train: the loss is {number} at step {k} (lower the learning rate?)")
            history.loss.append(number)
            history.grad_norm.append(math.sqrt(sum(float(np.sum(to_numpy(g) ** 2)) for g in grads.values())))
            params, state = step_fn(model.params, grads, state, **optimizer_kwargs)
            model = model.with_params(params)
            tick(f"step {k + 1} loss {number:.4g}")
    return model, history
