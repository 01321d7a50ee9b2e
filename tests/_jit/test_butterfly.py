"""_jit.butterfly: the Numba stage loops against the array-API reference (also under NUMBA_DISABLE_JIT=1 in CI)."""

import numpy as np
import pytest

from specref._jit import butterfly as bf


@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("s", [0, 1, 3])
def test_numba_stages_match_the_reference(s, complex_):
    rng = np.random.default_rng(s)
    n = 16
    x = rng.standard_normal((5, n)) + (1j * rng.standard_normal((5, n)) if complex_ else 0)
    t = rng.standard_normal((n // 2, 2, 2)) + (1j * rng.standard_normal((n // 2, 2, 2)) if complex_ else 0)
    eps = np.finfo(np.float64).eps
    # the same two products and one sum per output in the same order: bit for bit on real data; a complex product
    # may be fused (FMA) in NumPy's vector loop and not in the scalar one: <= 2 eps per product, 4 eps per output
    y, y_ref = bf.stage_numba(x, t, s), bf.stage_reference(x, t, s)
    assert np.array_equal(y, y_ref) if not complex_ else np.abs(y - y_ref).max() <= 4 * eps * np.abs(y_ref).max()
    dy = rng.standard_normal(x.shape) + (1j * rng.standard_normal(x.shape) if complex_ else 0)
    dx, dt = bf.stage_vjp_numba(dy, x, t, s)
    dx_ref, dt_ref = bf.stage_vjp_reference(dy, x, t, s)
    assert np.array_equal(dx, dx_ref) if not complex_ else np.abs(dx - dx_ref).max() <= 4 * eps * np.abs(dx_ref).max()
    # the twiddles' gradients sum 5 rows in another order (pairwise vs sequential): <= 4 roundings of O(1) terms
    assert np.abs(dt - dt_ref).max() <= 8 * eps * max(1.0, np.abs(dt_ref).max())
