r"""Parameter initialisation laws of torch's modules, drawn on the host from an explicit generator.

Every law returns float64 NumPy arrays drawn from a ``numpy.random.Generator`` (DESIGN section 5: draw on the
host in float64, then cast and move), so the same seed gives the same parameters on every backend. The laws
are torch's defaults, so a freshly built specref layer has the distribution of the torch module it mirrors
(not its values: the generators differ).

- :func:`fans`: ``fan_in`` and ``fan_out`` of a weight of shape ``(out, in, *kernel)``, as torch computes them;
- :func:`xavier_uniform`: :math:`U(-a, a)`, :math:`a = \sqrt{6 / (\mathrm{fan\_in} + \mathrm{fan\_out})}`
  (``nn.init.xavier_uniform_``; ``nn.MultiheadAttention``'s ``in_proj_weight``);
- :func:`torch_default_weight` / :func:`torch_default_bias`: the law of ``nn.Linear`` and ``nn.Conv2d``
  (``kaiming_uniform_(a=sqrt(5))``, which is :math:`U(-1/\sqrt{\mathrm{fan\_in}}, 1/\sqrt{\mathrm{fan\_in}})`
  for the weight, and the same bound for the bias).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["fans", "xavier_uniform", "torch_default_weight", "torch_default_bias"]


def fans(shape: tuple) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape = (out, in, *kernel)`` (torch's
    ``_calculate_fan_in_and_fan_out``: the receptive field multiplies both)."""
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a weight of at least 2 dimensions, got shape {tuple(shape)}")
    receptive = math.prod(shape[2:])
    return int(shape[1]) * receptive, int(shape[0]) * receptive


def xavier_uniform(gen: np.random.Generator, shape: tuple, gain: float = 1.0) -> np.ndarray:
    r""":math:`U(-a, a)` with :math:`a = \text{gain}\sqrt{6 / (\mathrm{fan\_in} + \mathrm{fan\_out})}`."""
    fan_in, fan_out = fans(shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return gen.uniform(-bound, bound, tuple(shape))


def torch_default_weight(gen: np.random.Generator, shape: tuple) -> np.ndarray:
    r"""``nn.Linear``/``nn.Conv2d``'s weight law: ``kaiming_uniform_(a=sqrt(5))``, i.e.
    :math:`U(-b, b)` with :math:`b = \sqrt{6 / ((1 + 5)\,\mathrm{fan\_in})} = 1/\sqrt{\mathrm{fan\_in}}`."""
    fan_in, _ = fans(shape)
    bound = 1.0 / math.sqrt(fan_in)
    return gen.uniform(-bound, bound, tuple(shape))


def torch_default_bias(gen: np.random.Generator, weight_shape: tuple) -> np.ndarray:
    r"""``nn.Linear``/``nn.Conv2d``'s bias law: :math:`U(-1/\sqrt{\mathrm{fan\_in}}, 1/\sqrt{\mathrm{fan\_in}})`,
    of shape ``(weight_shape[0],)``."""
    fan_in, _ = fans(weight_shape)
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return gen.uniform(-bound, bound, (int(weight_shape[0]),))
