r"""Optimisers as plain functions of ``(params, grads, state)``: SGD and AdamW, torch's update rules.

Nothing is stored on a model: ``state = adamw_init(params)``, then each step
``params, state = adamw_step(params, grads, state, lr=...)`` returns new dicts (the inputs are not modified) and
``model = model.with_params(params)``. ``params`` and ``grads`` are dicts name -> array with the same keys (a
model's ``params`` and its ``backward``'s grads). The updates follow torch 2.13's single-tensor algorithms
(``torch.optim.SGD``, ``torch.optim.AdamW`` with ``foreach=False``) operation for operation, so the two agree to
the rounding of the same operations.

**SGD** (weight decay :math:`\lambda`, momentum :math:`\mu`, dampening :math:`\tau`, learning rate :math:`\eta`):

.. math::

    g &\leftarrow \pm g + \lambda p, \qquad
    b \leftarrow \begin{cases} g & \text{first step} \\ \mu b + (1 - \tau) g & \text{after} \end{cases}, \qquad
    d = \begin{cases} g + \mu b & \text{Nesterov} \\ b & \text{else} \end{cases}, \qquad p \leftarrow p - \eta d

(the minus sign of :math:`\pm g` with ``maximize``; without momentum, :math:`d = g`).

**AdamW** (step :math:`t = 1, 2, \dots`):

.. math::

    p &\leftarrow p\,(1 - \eta\lambda) \\
    m &\leftarrow m + (1 - \beta_1)(g - m) \qquad \text{(torch's } \texttt{lerp}\text{, from } g \text{ when }
        1 - \beta_1 \ge \tfrac12\text{)} \\
    v &\leftarrow \beta_2 v + (1 - \beta_2)\, g^2 \\
    \hat v &= \max(\hat v_{\text{prev}}, v) \text{ with AMSGrad, else } v \\
    p &\leftarrow p - \frac{\eta}{1 - \beta_1^t}\; \frac{m}{\sqrt{\hat v}/\sqrt{1 - \beta_2^t} + \epsilon}
"""

from __future__ import annotations

from collections.abc import Mapping

from specref._args import check_flag, check_nonnegative_float, check_positive_float
from specref.backend import namespace

__all__ = ["sgd_init", "sgd_step", "adamw_init", "adamw_step", "OPTIMIZERS"]


def _check_keys(params: Mapping, grads: Mapping, state: Mapping | None, what: str) -> None:
    missing = [k for k in params if k not in grads]
    extra = [k for k in grads if k not in params]
    if missing or extra:
        parts = ([f"first missing gradient {missing[0]!r}"] if missing else []) + (
            [f"first unexpected gradient {extra[0]!r}"] if extra else [])
        raise ValueError(f"{what}: grads must have exactly the keys of params; " + ", ".join(parts))
    for k in params:
        p, g = params[k], grads[k]
        namespace(p, g)
        if tuple(p.shape) != tuple(g.shape) or p.dtype != g.dtype:
            raise ValueError(f"{what}: grads[{k!r}] has shape {tuple(g.shape)} and dtype {g.dtype}, the parameter "
                             f"{tuple(p.shape)} and {p.dtype}")
    if state is not None and set(state.get("params", ())) != set(params):
        raise ValueError(f"{what}: the state was made for other params (init it from these params)")


def sgd_init(params: Mapping) -> dict:
    """The SGD state of ``params``: step 0 and no momentum buffers yet."""
    return {"step": 0, "params": tuple(params), "momentum_buffer": {}}


def sgd_step(params: Mapping, grads: Mapping, state: Mapping, *, lr: float, momentum: float = 0.0,
             dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
             maximize: bool = False) -> tuple[dict, dict]:
    """One SGD step (module docstring): ``(new_params, new_state)``.

    Raises
    ------
    ValueError
        For grads whose keys, shapes or dtypes differ from the params', a state of other params, a negative
        rate, Nesterov without momentum or with dampening (as torch).
    """
    _check_keys(params, grads, state, "sgd_step")
    lr = check_nonnegative_float(lr, "lr")
    momentum = check_nonnegative_float(momentum, "momentum")
    dampening = check_nonnegative_float(dampening, "dampening")
    weight_decay = check_nonnegative_float(weight_decay, "weight_decay")
    if check_flag(nesterov, "nesterov") and (momentum <= 0 or dampening != 0):
        raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening (as torch)")
    maximize = check_flag(maximize, "maximize")
    new_params, buffers = {}, dict(state["momentum_buffer"])
    for k, p in params.items():
        g = -grads[k] if maximize else grads[k]
        if weight_decay:
            g = g + weight_decay * p
        if momentum:
            b = buffers.get(k)
            b = g if b is None else momentum * b + (1.0 - dampening) * g
            buffers[k] = b
            g = g + momentum * b if nesterov else b
        new_params[k] = p - lr * g
    return new_params, {"step": state["step"] + 1, "params": tuple(params), "momentum_buffer": buffers}


def adamw_init(params: Mapping, *, amsgrad: bool = False) -> dict:
    """The AdamW state of ``params``: step 0, zero first and second moments (and maxima with AMSGrad)."""
    zeros = {k: namespace(p).zeros_like(p) for k, p in params.items()}
    state = {"step": 0, "params": tuple(params), "exp_avg": dict(zeros), "exp_avg_sq": dict(zeros)}
    if amsgrad:
        state["max_exp_avg_sq"] = dict(zeros)
    return state


def adamw_step(params: Mapping, grads: Mapping, state: Mapping, *, lr: float = 1e-3,
               betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
               amsgrad: bool = False, maximize: bool = False) -> tuple[dict, dict]:
    """One AdamW step (module docstring): ``(new_params, new_state)``.

    Raises
    ------
    ValueError
        For grads whose keys, shapes or dtypes differ from the params', a state of other params (or without
        AMSGrad maxima when ``amsgrad``), betas outside [0, 1), a negative rate, eps <= 0.
    """
    _check_keys(params, grads, state, "adamw_step")
    lr = check_nonnegative_float(lr, "lr")
    beta1, beta2 = (float(b) for b in betas)
    if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
        raise ValueError(f"betas must be in [0, 1), got {tuple(betas)}")
    eps = check_positive_float(eps, "eps")
    weight_decay = check_nonnegative_float(weight_decay, "weight_decay")
    amsgrad, maximize = check_flag(amsgrad, "amsgrad"), check_flag(maximize, "maximize")
    if amsgrad and "max_exp_avg_sq" not in state:
        raise ValueError("adamw_step(amsgrad=True) needs a state from adamw_init(params, amsgrad=True)")
    t = state["step"] + 1
    bias1, bias2 = 1.0 - beta1**t, 1.0 - beta2**t
    step_size, bias2_sqrt = lr / bias1, bias2**0.5
    new = {"step": t, "params": tuple(params), "exp_avg": {}, "exp_avg_sq": {}}
    if amsgrad:
        new["max_exp_avg_sq"] = {}
    new_params = {}
    for k, p in params.items():
        xp = namespace(p)
        g = -grads[k] if maximize else grads[k]
        p = p * (1.0 - lr * weight_decay)
        m = state["exp_avg"][k]
        w = 1.0 - beta1  # torch's lerp(m, g, w): from the nearer end, as its kernel
        m = m + w * (g - m) if w < 0.5 else g - (g - m) * (1.0 - w)
        v = beta2 * state["exp_avg_sq"][k] + (1.0 - beta2) * g * g  # torch's addcmul: ((1 - b2) g) g
        v_hat = v
        if amsgrad:
            v_hat = xp.maximum(state["max_exp_avg_sq"][k], v)
            new["max_exp_avg_sq"][k] = v_hat
        denom = xp.sqrt(v_hat) / bias2_sqrt + eps
        new_params[k] = p + (-step_size * m) / denom  # torch's addcdiv: p + (value t1) / t2
        new["exp_avg"][k], new["exp_avg_sq"][k] = m, v
    return new_params, new


#: optimiser names -> (init, step)
OPTIMIZERS = {"sgd": (sgd_init, sgd_step), "adamw": (adamw_init, adamw_step)}
