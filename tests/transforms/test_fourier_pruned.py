"""rfft2_pruned / irfft2_pruned and their adjoints: equal to numpy.fft's full 2-D transforms cropped or padded
(odd, even and prime lengths, rows padded and cropped, every norm), the dense transposes, the argument checks,
the registered cases on every backend, and float32 kept float32."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specref.backend import dtype_name, finfo_eps, random_normal, to_numpy
from specref.testing.checks import assert_close, check_dense_adjoint
from specref.testing.runner import run_case
from specref.testing.tolerances import fft_error_scale
from specref.transforms.fourier_pruned import (
    CASES,
    irfft2_pruned,
    irfft2_pruned_adjoint,
    rfft2_pruned,
    rfft2_pruned_adjoint,
)

EPS64 = finfo_eps("float64")
NORMS = ("backward", "ortho", "forward")


@settings(deadline=None)  # examples from the profile ("ci": 10, "dev": 200)
@given(rows=st.sampled_from([1, 2, 5, 7, 8, 13, 16]), n=st.sampled_from([1, 2, 3, 4, 7, 8, 11, 16]),
       pad=st.integers(-1, 2), data=st.data())
def test_equal_to_the_full_transforms(rows, n, pad, data):
    cols = data.draw(st.integers(1, n // 2 + 1))
    norm = data.draw(st.sampled_from(NORMS))
    s = (rows, n)
    x = np.random.default_rng(rows * n).standard_normal((2, max(1, rows + pad), n))
    bound = 2 * fft_error_scale(rows * n) * EPS64  # both sides within c eps of the exact DFT
    want = np.fft.rfft2(x, s=s, norm=norm)[..., :cols]
    assert_close(rfft2_pruned(x, s=s, cols=cols, norm=norm), want, rtol=bound, reason="two FFTs, each c eps")
    z = np.random.default_rng(1).standard_normal((3, max(1, rows + pad), cols)) * (1 + 1j)
    full = np.zeros((*z.shape[:-1], n // 2 + 1), dtype=complex)
    full[..., :cols] = z
    assert_close(irfft2_pruned(z, s=s, norm=norm), np.fft.irfft2(full, s=s, norm=norm), rtol=bound,
                 reason="two inverse FFTs, each c eps")


@pytest.mark.parametrize("shape, s, cols", [((4, 6), (4, 6), 2), ((3, 5), (6, 5), 3), ((5, 7), (3, 8), 5),
                                            ((2, 4), (2, 4), 3)])
@pytest.mark.parametrize("norm", NORMS)
def test_dense_adjoints(shape, s, cols, norm):
    x = np.random.default_rng(0).standard_normal(shape)
    check_dense_adjoint(rfft2_pruned, rfft2_pruned_adjoint, x, kwargs={"s": s, "cols": cols, "norm": norm},
                        error_scale=fft_error_scale(s[0] * s[1])).raise_if_failed()
    z = np.random.default_rng(1).standard_normal((shape[0], cols)) * (1 - 2j)
    check_dense_adjoint(irfft2_pruned, irfft2_pruned_adjoint, z, kwargs={"s": s, "norm": norm},
                        error_scale=fft_error_scale(s[0] * s[1])).raise_if_failed()


@pytest.mark.parametrize("dtype, ctype", [("float32", "complex64"), ("float64", "complex128")])
def test_precision_is_kept(xp, dtype, ctype):
    x = random_normal(0, (2, 6, 8), dtype=dtype, xp=xp)
    y = rfft2_pruned(x, s=(6, 8), cols=3)
    assert dtype_name(y.dtype) == ctype and tuple(y.shape) == (2, 6, 3)
    back = irfft2_pruned(y, s=(6, 8))
    assert dtype_name(back.dtype) == dtype and tuple(back.shape) == (2, 6, 8)
    assert dtype_name(rfft2_pruned_adjoint(y, input_shape=(2, 6, 8), s=(6, 8), cols=3).dtype) == dtype
    assert dtype_name(irfft2_pruned_adjoint(back, input_shape=(2, 6, 3), s=(6, 8)).dtype) == ctype
    assert to_numpy(back).shape == (2, 6, 8)


def test_bad_arguments():
    x = np.zeros((4, 6))
    with pytest.raises(ValueError, match="exceeds the s\\[1\\] // 2 \\+ 1 = 4 bins"):
        rfft2_pruned(x, s=(4, 6), cols=5)
    with pytest.raises(ValueError, match="s must be two lengths"):
        rfft2_pruned(x, s=(4,), cols=2)
    with pytest.raises(ValueError, match="cols"):
        rfft2_pruned(x, s=(4, 6), cols=0)
    with pytest.raises(ValueError, match="exceeds"):
        irfft2_pruned(np.zeros((4, 5), dtype=complex), s=(4, 6))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_registered_case_passes(xp, case):
    rows = [r for point in run_case(case, xp) for r in point]
    assert not [r for r in rows if r.passed is False]
    assert any(r.check == "dense_adjoint" and r.passed for r in rows)
