"""Central differences for the guards: the one home of the finite-difference helpers tests/book/ shares.

Every helper uses the step :data:`STEP` = 1e-6 unless given another: for the O(1)-O(10) smooth maps the guards
differentiate, truncation is ~h^2 |f'''| ~ 1e-12 and rounding ~10 eps / h ~ 2e-9, so a gradient entry agrees to
about 1e-8 (each guard file states the tolerance it uses and why).
"""

from __future__ import annotations

import numpy as np

__all__ = ["STEP", "fd_entrywise", "fd_directional", "assert_directional", "fd_vjp"]

STEP = 1e-6


def fd_entrywise(loss, x, h=STEP):
    """Central differences of the scalar ``loss()`` at every entry of ``x``, which ``loss`` reads and which is
    perturbed in place and restored afterwards."""
    g = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + h
        up = loss()
        x[idx] = old - h
        down = loss()
        x[idx] = old
        g[idx] = (up - down) / (2 * h)
    return g


def fd_directional(loss, x, v, h=STEP):
    """The central difference of the scalar ``loss()`` along the direction ``v`` at ``x`` (perturbed in place,
    restored afterwards)."""
    x0 = x.copy()
    x[...] = x0 + h * v
    up = loss()
    x[...] = x0 - h * v
    down = loss()
    x[...] = x0
    return (up - down) / (2 * h)


def assert_directional(loss, x, grad, atol, n_dir=3, h=STEP):
    """``<grad, v>`` against :func:`fd_directional` along ``n_dir`` random directions (seed 99); ``atol`` is per
    entry, times the square root of the number of entries for the sum."""
    rng = np.random.default_rng(99)
    for _ in range(n_dir):
        v = rng.standard_normal(x.shape)
        fd = fd_directional(loss, x, v, h)
        assert abs(fd - np.sum(grad * v)) < atol * np.sqrt(v.size), (fd, np.sum(grad * v))  # atol per entry


def fd_vjp(f, x, dy, h=STEP):
    """``dL/da + i dL/db`` (``dL/dx`` for a real ``x``) of ``L = Re sum conj(dy) f(x)``, by central differences
    entry by entry; ``x`` is not modified."""
    def loss(v):
        return float(np.sum(np.real(np.conj(dy) * f(v))))

    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        for unit in ((1.0, 1j) if np.iscomplexobj(x) else (1.0,)):
            e = np.zeros_like(x)
            e[idx] = h * unit
            grad[idx] += unit * (loss(x + e) - loss(x - e)) / (2 * h)
    return grad
