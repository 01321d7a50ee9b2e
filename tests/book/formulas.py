"""Formulas several guards evaluate as the pages write them, in plain NumPy (never through specref): their one
home in tests/book/."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["layer_norm", "gelu"]


def layer_norm(u, g, b, eps):
    """LN(u) = (u - mean) / sqrt(var + eps) * gamma + beta over the last axis (biased variance)."""
    mu = u.mean(axis=-1, keepdims=True)
    var = ((u - mu) ** 2).mean(axis=-1, keepdims=True)
    return (u - mu) / np.sqrt(var + eps) * g + b


def gelu(u):
    """The exact GELU, u Phi(u) = u (1 + erf(u / sqrt 2)) / 2, entry by entry with math.erf."""
    return 0.5 * u * (1 + np.vectorize(math.erf)(u / math.sqrt(2)))
