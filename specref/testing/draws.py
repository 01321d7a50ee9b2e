"""Random draws for verification cases that keep a nonlinearity's kinks out of reach of finite differences.

A central difference of a piecewise-smooth function (ReLU at 0, soft-shrinkage at :math:`\\pm\\lambda`) is
meaningless when the perturbed points straddle a kink: the difference quotient mixes two one-sided
derivatives. :func:`draw_away` redraws the entries that land too close to a kink, either of the drawn array
itself (an elementwise primitive's input) or of an image of it (a layer's pre-activations, as functions of a
bias drawn here). One mechanism for the primitives' cases (:mod:`specref.ops.elementwise`) and the layers'
(:mod:`specref.layers.mixing.afno`). A leaf: it imports only NumPy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["KINK_GAP", "draw_away"]

#: Central differences step by up to 2h ~ 0.04 in float32 (h = eps^(1/3) max|x|, max|x| ~ 3), so a gap of 0.1
#: keeps every perturbed point on one side of the kink, where the derivative is smooth.
KINK_GAP = 0.1


def draw_away(rng, shape, *, kinks=(), gap: float = KINK_GAP, scale: float = 1.0,
              image: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """Host float64 N(0, scale^2) draws of ``shape``, every watched entry at least ``gap`` from each kink.

    Without ``image`` the watched entries are the draws themselves: each entry within ``gap`` of a kink is
    redrawn until none is. With ``image``, the watched entries are ``image(draw)``, an array whose trailing
    axes have the draw's shape (e.g. the pre-activations ``x W^T + b`` of shape (..., H) as a function of
    the bias ``b`` of shape (H,)): a drawn entry is redrawn while any watched entry over the leading axes at
    its position is within ``gap`` of a kink.

    Parameters
    ----------
    rng : numpy.random.Generator
    shape : tuple of int
    kinks : sequence of float
        The points where the function is not differentiable (``(0.0,)`` for ReLU, ``(lambd, -lambd)`` for
        soft-shrinkage).
    gap : float
        The smallest distance allowed between a watched entry and a kink (:data:`KINK_GAP`).
    scale : float
        The standard deviation of the draws.
    image : callable, optional
        ``image(draw) -> watched`` (host float64 arrays).

    Raises
    ------
    RuntimeError
        If 100 rounds of redrawing leave an entry within ``gap`` of a kink.
    """
    shape = tuple(shape)
    host = scale * rng.standard_normal(shape)
    for _ in range(100):
        watched = host if image is None else np.asarray(image(host))
        bad = np.zeros(watched.shape, dtype=bool)
        for k in kinks:
            bad |= np.abs(watched - k) < gap
        if image is not None:  # an entry of the draw is bad if any watched entry at its position is
            bad = bad.reshape((-1, *shape)).any(axis=0)
        if not bad.any():
            return host
        host[bad] = scale * rng.standard_normal(int(bad.sum()))
    raise RuntimeError("could not draw inputs away from the kinks")
