"""The approximation study of random-feature attention at larger sizes and with more draws than tests/ (NumPy
and SciPy only, so it also runs in .venv-peers): the m^(-1/2) rate, orthogonal < i.i.d., unbiasedness."""

from __future__ import annotations

import numpy as np
import pytest

from specref.layers.attention.approximation import Sizes, study

CONFIGS = {
    "d16": dict(seeds=64, draws=10000, pairs=12),  # the report's sizes, 4x the draws (~8 s)
    "d64": dict(seeds=32, num_features=[2 ** i for i in range(6, 12)], sizes=Sizes(n=128, d=64, dv=64),
                draws=5000, kernel_features=64, pairs=8),  # a typical head dimension (~16 s)
}


@pytest.fixture(scope="module", params=list(CONFIGS))
def result(request):
    return study(1, **CONFIGS[request.param])


def test_rate_is_m_to_the_minus_one_half(result):
    from specref.layers.attention.approximation import loglog_slope

    fitted = [i for i, m in enumerate(result.curve.num_features) if m >= result.curve.sizes.d]
    ms = [result.curve.num_features[i] for i in fitted]
    for orth in (True, False):
        # with many draws the O(1/m) curvature (loglog_slope's Notes) exceeds the plain fit's interval, so
        # the leading slope is fitted with its 1/m term; 95% t interval as the issue asks
        fit = loglog_slope(ms, result.curve.errors(orth)[fitted], next_order=True)
        assert fit.contains(-0.5), (orth, fit)  # 95% level, fixed seed 1 (not chosen)


def test_orthogonal_beats_iid(result):
    assert result.gain.p_value < 0.01 and result.gain.ratio < 1  # one-sided paired t test, level 1%


def test_unbiased(result):
    for km in result.kernel.values():
        assert np.all(np.abs(km.z) < 5), km.z  # 5 standard errors (issue); P(|Z| > 5) = 5.7e-7 per pair
