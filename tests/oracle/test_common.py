"""specref.oracle.common: the bound c eps log2(max(n, 2)), the oracle check row, the cycled grid and the
oracle case every oracle module registers."""

from __future__ import annotations

import math

import numpy as np

from specref.backend import finfo_eps
from specref.oracle.common import ORACLE_LENGTHS, cycled_grid, log_bound, oracle_case, oracle_result


def test_log_bound():
    b = log_bound(6.0, 16, "float32", "derivation text")
    assert b.value == 6.0 * finfo_eps("float32") * 4.0
    assert b.reason.startswith("c eps log2(max(n, 2)), c = 6: derivation text; n = 16, eps = ")
    assert log_bound(2.0, 1, np.dtype("float64"), "d").value == 2.0 * finfo_eps("float64")  # log2 max(1, 2) = 1


def test_oracle_result_reports_the_largest_error():
    bound = log_bound(2.0, 8, "float64", "d")
    eps3 = finfo_eps("float64") * 3.0
    one = oracle_result({"fft": 0.5 * eps3}, bound, 8, "float64", "the exact DFT")
    assert one.check == "oracle" and one.passed is True and one.max_error == 0.5 * eps3
    assert one.reason == f"fft vs the exact DFT; bound {bound.reason}"
    assert one.detail == f"relative RMS error {0.5 * eps3:.3g} = 0.5 eps log2 n"
    two = oracle_result({"dct(type=2)": 0.5 * eps3, "idct(type=3)": 9 * eps3}, bound, 8, "float64", "oracle")
    assert two.passed is False and two.max_error == 9 * eps3 and two.reason.startswith("idct(type=3) vs oracle")
    assert two.detail == f"dct(type=2): {0.5 * eps3:.3g} = 0.5 eps log2 n, idct(type=3): {9 * eps3:.3g} = 9 eps log2 n"


def test_cycled_grid():
    assert cycled_grid((1, 2, 3, 4), ("a", "b", "c")) == (
        {"n": 1, "norm": "a"}, {"n": 2, "norm": "b"}, {"n": 3, "norm": "c"}, {"n": 4, "norm": "a"}
    )
    assert len(cycled_grid(ORACLE_LENGTHS, (None,), key="k")) == len(ORACLE_LENGTHS)


def test_oracle_case():
    def check(inputs, *, xp, dtype, params, rng):
        raise AssertionError("not called here")

    case = oracle_case("oracle_x", forward=abs, make=None, check=check, grid=({"n": 4},), full_grid=({"n": 8},),
                       constant=3.0, error_reason="why")
    assert case.name == "oracle_x" and case.extra_checks == (check,) and case.error_reason == "why"
    assert case.scale_for({"n": 8}) == 9.0 and case.scale_for({"n": 1}) == 3.0
    assert math.isclose(case.scale_for({"n": 5}), 3.0 * math.log2(5))
