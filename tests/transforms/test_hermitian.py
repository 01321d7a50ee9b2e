"""hermitian_real_2d and its adjoint: the real part of a full 2-D spectrum rebuilt from the rfft2 half (odd and
even n), the dense transpose, the argument checks and the registered case on every backend."""

from __future__ import annotations

import numpy as np
import pytest

from specref.backend import finfo_eps, random_normal, to_numpy
from specref.testing.checks import assert_close, check_dense_adjoint
from specref.testing.runner import run_case
from specref.testing.tolerances import fft_error_scale
from specref.transforms.hermitian import CASES, hermitian_real_2d, hermitian_real_2d_adjoint

EPS64 = finfo_eps("float64")


@pytest.mark.parametrize("n, m", [(4, 3), (5, 3), (1, 1), (2, 2), (7, 4)])
def test_hermitian_real_2d_rebuilds_the_real_part(xp, n, m):
    x = random_normal(4, (2, 3, n), xp=xp)
    half = np.fft.rfft2(to_numpy(x)).real
    full = to_numpy(hermitian_real_2d(xp.asarray(half), n=n))
    np.testing.assert_array_equal(full[..., : n // 2 + 1], half)  # the first columns are copied
    assert_close(full, np.fft.fft2(to_numpy(x)).real, rtol=4 * fft_error_scale(3 * n) * EPS64,  # two FFTs
                 reason="rfft2 and fft2 each within c eps")
    r = xp.asarray(np.random.default_rng(0).standard_normal((m, n // 2 + 1)))
    check_dense_adjoint(hermitian_real_2d, hermitian_real_2d_adjoint, r, kwargs={"n": n},
                        error_scale=1.0).raise_if_failed()
    with pytest.raises(ValueError, match="must have shape"):
        hermitian_real_2d(xp.asarray(np.zeros((3, n // 2 + 2))), n=n)
    with pytest.raises(ValueError, match="the cotangent has shape"):
        hermitian_real_2d_adjoint(xp.asarray(np.zeros((3, n + 1))), input_shape=(3, n // 2 + 1), n=n)
    with pytest.raises(ValueError, match=r"must be \(\.\.\., N, "):
        hermitian_real_2d_adjoint(xp.asarray(np.zeros((3, n))), input_shape=(3, n // 2 + 2), n=n)




def test_bad_arguments():
    with pytest.raises(ValueError, match="n = 0 is not a valid transform length"):
        hermitian_real_2d(np.zeros((3, 1)), n=0)
    with pytest.raises(TypeError, match="input_shape must be the forward input's shape"):
        hermitian_real_2d_adjoint(np.zeros((3, 4)), input_shape=None, n=4)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_registered_case_passes(xp, case):
    rows = [r for point in run_case(case, xp) for r in point]
    assert not [r for r in rows if r.passed is False]
    assert any(r.check == "dense_adjoint" and r.passed for r in rows)
