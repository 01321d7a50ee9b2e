"""The spectrans cases built from a user's weights (``specref compare spectrans COMPONENT --weights FILE``).

The configuration is read off the weights' shapes: a global filter's ``filter_real`` of shape ``(N, D)`` gives
``sequence_length = N`` and ``hidden_dim = D``. The activation is not stored in a state dict, so every
activation spectrans offers is compared, each at the filter's own length and at the lengths either side
(an interpolated filter). Both sides load the same weights: spectrans through ``load_state_dict``, specref
through ``from_state_dict`` (the comparison reads the module's ``state_dict()``).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from functools import partial

import numpy as np

from specref.compare.suites import SuiteCase

__all__ = ["weight_cases", "WEIGHTED"]

WEIGHTED = ("GlobalFilterMixing", "GlobalFilterMixing2D", "AdaptiveGlobalFilter")
ACTIVATIONS = ("sigmoid", "tanh", "identity")


def _config(component: str, state_dict: Mapping) -> dict:
    if "filter_real" not in state_dict or "filter_imag" not in state_dict:
        raise ValueError(f"{component} weights hold filter_real and filter_imag; the file has "
                         f"{sorted(state_dict)}")
    shape = np.shape(state_dict["filter_real"])
    if len(shape) != 2 or np.shape(state_dict["filter_imag"]) != shape:
        raise ValueError(f"{component}'s filter_real and filter_imag are (sequence_length, hidden_dim) arrays of "
                         f"one shape; the file has {shape} and {np.shape(state_dict['filter_imag'])}")
    return {"sequence_length": int(shape[0]), "hidden_dim": int(shape[1])}


def _run(component: str, label: str, config: dict, length: int, state_dict: Mapping):
    import spectrans.layers.mixing.global_filter as sg  # peer-only
    import torch  # peer-only

    from specref.compare import compare

    module = getattr(sg, component)(**config).double()
    module.load_state_dict({k: torch.from_numpy(np.asarray(v, dtype=np.float64)) for k, v in state_dict.items()})
    gen = np.random.default_rng(zlib.crc32(label.encode()))
    x = gen.standard_normal((2, length, config["hidden_dim"]))
    return compare(module, x=x, seed=3, label=label)


def weight_cases(component: str, state_dict: Mapping) -> list[SuiteCase]:
    """The cases of ``component`` with the given weights (ValueError for a component without weights here)."""
    if component not in WEIGHTED:
        raise ValueError(f"--weights maps onto {', '.join(WEIGHTED)} (the spectrans classes with parameters whose "
                         f"configuration the weights determine); got {component}")
    base = _config(component, state_dict)
    n = base["sequence_length"]
    out = []
    for activation in ACTIVATIONS:
        for length in sorted({n, max(n - 1, 1), n + 1}):
            label = f"weights-N{n}-L{length}-activation={activation}"
            out.append(SuiteCase("spectrans", component, label,
                                 partial(_run, component, label, {**base, "activation": activation}, length,
                                         dict(state_dict))))
    return out
