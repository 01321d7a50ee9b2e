"""The one log-log fit (specref/_loglog.py): exact power laws, intervals, refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref._loglog import loglog_slope


def test_exact_power_law_has_its_exponent():
    x = 2.0 ** np.arange(4, 12)
    fit = loglog_slope(x, 3.0 * x**-0.5)
    # a noiseless power law: slope and intercept exact up to the rounding of log (a few ulps of log x ~ 8)
    assert abs(fit.slope + 0.5) < 1e-13 and abs(fit.intercept - math.log(3.0)) < 1e-12
    assert fit.points == x.size and fit.dof == x.size - 2


def test_interval_covers_the_exponent_and_next_order_removes_curvature():
    rng = np.random.default_rng(0)
    x = 2.0 ** np.arange(3, 13)
    y = x[:, None] ** -0.5 * (1 + 2.0 / x[:, None]) * np.exp(rng.normal(0, 0.05, (x.size, 8)))
    fit = loglog_slope(x, y, next_order=True)
    assert fit.contains(-0.5) and fit.next_order is not None and fit.points == y.size


def test_two_points_give_an_infinite_interval():
    fit = loglog_slope([1.0, 4.0], [1.0, 2.0])
    assert fit.slope == pytest.approx(0.5) and fit.ci == (-math.inf, math.inf)


@pytest.mark.parametrize("x, y", [([1.0], [1.0]), ([1.0, 2.0], [1.0, 0.0]), ([0.0, 2.0], [1.0, 2.0]),
                                  ([1.0, 2.0, 3.0], [1.0, 2.0])])
def test_bad_input_is_refused(x, y):
    with pytest.raises(ValueError, match="loglog_slope"):
        loglog_slope(x, y)
