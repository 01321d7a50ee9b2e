"""The factored Jacobians (specref/neural_kernels/jacobian.py): the outer product multiplied out, the tangent-kernel
contraction against the dense definition, the one-hot cotangents, the shared checks."""

from __future__ import annotations

import numpy as np
import pytest

from specref.neural_kernels import AffineJacobian, dense_jacobian, one_hot_cotangents, tangent_kernel_block


def _term(rng, n, k=3, n_in=4, n_out=5):
    return AffineJacobian("w", "b", 0.7, 0.2, rng.standard_normal((n, n_in)), rng.standard_normal((n, k, n_out)))


def test_dense_jacobian_is_the_outer_product():
    t = _term(np.random.default_rng(0), 2)
    j = dense_jacobian([t])
    assert j["w"].shape == (2, 3, 5, 4) and j["b"].shape == (2, 3, 5)
    np.testing.assert_array_equal(j["w"][1, 2, 3, 0], 0.7 * t.delta[1, 2, 3] * t.inputs[1, 0])
    np.testing.assert_array_equal(j["b"], 0.2 * t.delta)


@pytest.mark.parametrize("outputs", ["mean", "full"])
def test_factored_contraction_equals_the_dense_one(outputs):
    rng = np.random.default_rng(1)
    a, b = _term(rng, 4), _term(rng, 3)
    ja, jb = dense_jacobian([a]), dense_jacobian([b])
    full = sum(np.einsum("aoq,bpq->aobp", ja[k].reshape(4, 3, -1), jb[k].reshape(3, 3, -1)) for k in ja)
    expected = full if outputs == "full" else np.einsum("aobo->ab", full) / 3
    # the same products summed in another order: ~P eps relative
    np.testing.assert_allclose(tangent_kernel_block([a], [b], outputs=outputs), expected, rtol=1e-13, atol=1e-13)
    with pytest.raises(ValueError, match="outputs"):
        tangent_kernel_block([a], [b], outputs="sum")


def test_one_hot_cotangents():
    e = one_hot_cotangents(np, np.zeros((2, 3), dtype="float32"))
    assert e.shape == (2, 3, 3) and e.dtype == np.float32
    np.testing.assert_array_equal(e[1], np.eye(3))
