r"""The one log-log regression of specref: a power law's exponent with its confidence interval.

Three places fit :math:`\log y = a + b \log x` and need the interval of :math:`b`: the random-feature
attention study (error against the feature count: :math:`b = -1/2`), the benchmarks' scaling sweeps (time
against size: the work's exponent) and the neural-kernel study (Gram, CK and NTK errors against the feature
count or width, and the decay of a Gram spectrum). They all call :func:`loglog_slope`. This module imports
only NumPy (SciPy's Student t inside the call), so every layer of the package may use it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["SlopeFit", "loglog_slope"]


@dataclass(frozen=True)
class SlopeFit:
    """Ordinary least squares of log y on log x: slope, intercept, the slope's standard error and its
    confidence interval at ``level`` (t distribution, ``dof`` = points - parameters; infinite when
    ``dof`` is 0); ``next_order`` the coefficient of the :math:`1/x` term when it was fitted (None otherwise)."""

    slope: float
    intercept: float
    stderr: float
    ci: tuple[float, float]
    level: float
    dof: int
    next_order: float | None = None

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the confidence interval."""
        return self.ci[0] <= value <= self.ci[1]

    @property
    def points(self) -> int:
        """The number of (x, y) observations fitted."""
        return self.dof + (3 if self.next_order is not None else 2)


def loglog_slope(x, y, *, level: float = 0.95, next_order: bool = False) -> SlopeFit:
    r"""Fit :math:`\log y = a + b \log x` (``next_order``: :math:`+\, c/x`) by ordinary least squares over
    every point.

    ``y`` is (M,) or (M, S) (each of S independent observations at each of the M values of ``x``; every
    point a separate observation). The interval is :math:`b \pm t_{(1+\text{level})/2,\, n-p}\,
    \mathrm{se}(b)`, exact for independent homoscedastic normal residuals in log space.

    Parameters
    ----------
    x : sequence of float, positive, length M
    y : array (M,) or (M, S), positive
    level : float in (0, 1)
        The interval's confidence level.
    next_order : bool
        Also fit a :math:`c/x` term (the next order of an expansion in :math:`1/x`, which a plain fit turns
        into a slope bias; see :func:`specref.layers.attention.approximation.error_curve`).

    Returns
    -------
    SlopeFit

    Raises
    ------
    ValueError
        For fewer points than parameters, mismatched lengths, or a non-positive ``x`` or ``y``.
    """
    e = np.asarray(y, dtype=float)
    xs = np.asarray(x, dtype=float).ravel()
    if e.ndim not in (1, 2) or e.shape[0] != xs.size:
        raise ValueError(f"loglog_slope needs y of shape (M,) or (M, S) with M = len(x) = {xs.size}, got y of "
                         f"shape {e.shape}")
    params = 3 if next_order else 2
    if e.size < params:
        raise ValueError(f"loglog_slope needs at least {params} points, got {e.size}")
    if np.any(xs <= 0) or np.any(e <= 0) or not (np.all(np.isfinite(xs)) and np.all(np.isfinite(e))):
        raise ValueError("loglog_slope needs positive finite x and y (a log-log fit)")
    u = np.repeat(np.log(xs), e.shape[1]) if e.ndim == 2 else np.log(xs)
    v = np.log(e).ravel()
    # centred columns: the slope of a plain fit is sum(du dv) / sum(du^2), without the cancellation between
    # the intercept and slope columns of an uncentred design (log x far from 0)
    du, dv = u - u.mean(), v - v.mean()
    columns = [np.ones_like(u), du] + ([np.exp(-u) - np.exp(-u).mean()] if next_order else [])
    design = np.stack(columns, axis=1)
    if next_order:
        beta, *_ = np.linalg.lstsq(design, dv, rcond=None)
    else:
        beta = np.array([0.0, float(np.dot(du, dv) / np.dot(du, du))])
    # back to the uncentred intercept a = mean(v) - b mean(u) - c mean(1/x)
    intercept = float(v.mean() - beta[1] * u.mean() - (beta[2] * np.exp(-u).mean() if next_order else 0.0))
    dof = v.size - design.shape[1]
    slope = float(beta[1])
    if dof == 0:  # an exact fit: no residual to estimate the spread from
        return SlopeFit(slope, intercept, math.inf, (-math.inf, math.inf), level, 0,
                        float(beta[2]) if next_order else None)
    from scipy import stats

    resid = dv - design @ beta
    cov = (resid @ resid / dof) * np.linalg.inv(design.T @ design)
    stderr = float(np.sqrt(cov[1, 1]))
    half = float(stats.t.ppf(0.5 + level / 2, dof)) * stderr
    return SlopeFit(slope, intercept, stderr, (slope - half, slope + half), level, dof,
                    float(beta[2]) if next_order else None)
