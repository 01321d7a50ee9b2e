"""specref.kernels.base: the exact kernels against their formulas, the VJPs of gram_matrix and
kernel_approximation, is_positive_definite, the params container (state_dict, astype, to), argument checks and bad
input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref._args import check_choice, check_positive_int
from specref.backend import random_normal, to_numpy
from specref.interop.state_dict import StateDictError
from specref.kernels.base import (
    KERNEL_TYPES,
    CosineKernel,
    KernelFunction,
    PolynomialKernel,
    RandomFeatureMap,
    ShiftInvariantKernel,
    SpectralKernel,
    check_positive_float,
    gram_product_vjp,
    sum_outer_rows,
    sum_rows,
)
from specref.kernels.rff import GaussianRFFKernel
from specref.kernels.spectral import FourierKernel, LearnableSpectralKernel
from specref.testing.checks import assert_close, check_vjp

EPS64 = float(np.finfo(np.float64).eps)


def _pair(xp, shape_x=(2, 4, 3), shape_y=(2, 5, 3), seed=0):
    rng = np.random.default_rng(seed)
    return random_normal(rng, shape_x, xp=xp), random_normal(rng, shape_y, xp=xp)


def test_kernel_types_are_spectrans_literal():
    assert KERNEL_TYPES == ("gaussian", "laplacian", "polynomial", "cosine", "linear")
    assert check_choice("gaussian", KERNEL_TYPES, "kernel_type") == "gaussian"
    with pytest.raises(ValueError, match="unknown kernel_type 'rbf'.*'gaussian'"):
        check_choice("rbf", KERNEL_TYPES, "kernel_type")
    with pytest.raises(ValueError, match="unknown kernel_type"):
        check_choice(None, KERNEL_TYPES, "kernel_type")


def test_cosine_matches_formula(xp):
    x, y = _pair(xp)
    k = CosineKernel().compute(x, y)
    xh, yh = to_numpy(x), to_numpy(y)
    expected = np.einsum("bnd,bmd->bnm", xh, yh) / (
        (np.linalg.norm(xh, axis=-1)[..., :, None] + 1e-8) * (np.linalg.norm(yh, axis=-1)[..., None, :] + 1e-8)
    )
    # both sides: length-3 norms and dots (gamma_3) and two divisions, about 8 eps each: 16 eps
    rel_bound = 16 * EPS64  # two roundings of length-3 dots/norms
    assert_close(to_numpy(k), expected, rtol=rel_bound, reason="two roundings of length-3 dots/norms")


def test_cosine_zero_row_gives_zero_and_finite_gradient():
    x = np.zeros((1, 2, 3))
    x[0, 1] = [1.0, 2.0, 2.0]
    y = np.ones((1, 2, 3))
    kern = CosineKernel()
    k = kern.compute(x, y)
    assert np.all(k[0, 0] == 0.0)
    dx, dy = kern.compute_vjp(np.ones_like(k), x, y, k)
    assert np.all(np.isfinite(dx)) and np.all(np.isfinite(dy))
    # at x = 0 the gradient is (dk y_hat) / eps (the norm's subgradient is 0): y_hat = 1/(sqrt 3 + eps) per
    # entry, two columns: 2 / ((sqrt 3 + eps) eps) per entry
    expected = np.full(3, 2.0 / ((math.sqrt(3.0) + 1e-8) * 1e-8))
    rel_bound = 8 * EPS64  # a norm, three divisions, a 2-term sum: 8 eps
    assert_close(dx[0, 0], expected, rtol=rel_bound, reason="a norm, three divisions, a 2-term sum: 8 eps")


def test_polynomial_matches_formula(xp):
    x, y = _pair(xp)
    k = PolynomialKernel(degree=3, alpha=0.5, coef0=1.0).compute(x, y)
    expected = (0.5 * np.einsum("bnd,bmd->bnm", to_numpy(x), to_numpy(y)) + 1.0) ** 3
    # a length-3 dot (gamma_3 relative to sum|x||y| <= 3 max|base| for these draws), cubed (x3): 2 * 3 * 6 eps
    rel_bound = 36 * EPS64  # length-3 dot, shift, cube: 2*3*(3+3) eps
    assert_close(to_numpy(k), expected, rtol=rel_bound, reason="length-3 dot, shift, cube: 2*3*(3+3) eps")


def test_polynomial_degree_zero_is_ones_with_zero_gradient():
    x, y = _pair(np)
    kern = PolynomialKernel(degree=0, coef0=0.0)
    k = kern.compute(x, y)
    assert np.all(k == 1.0)
    dx, dy = kern.compute_vjp(np.ones_like(k), x, y, k)
    assert not np.any(dx) and not np.any(dy)


def test_polynomial_gradient_where_base_is_zero():
    # degree 1 at base 0 (x orthogonal to y, coef0 = 0): B^(p-1) = 1, never K / B
    x = np.array([[[1.0, 0.0]]])
    y = np.array([[[0.0, 1.0]]])
    kern = PolynomialKernel(degree=1)
    k = kern.compute(x, y)
    dx, dy = kern.compute_vjp(np.ones_like(k), x, y, k)
    np.testing.assert_array_equal(dx, y)
    np.testing.assert_array_equal(dy, x)


def test_gram_matrix_vjp():
    x, _ = _pair(np, (2, 4, 3))
    for kern in (CosineKernel(), PolynomialKernel(2, 0.7, 0.3), GaussianRFFKernel(3, 5, sigma=1.3, seed=1)):
        res = check_vjp(lambda a, kern=kern: kern.gram_matrix(a), lambda dk, a, k, kern=kern: kern.gram_matrix_vjp(
            dk, a, k), (x,), error_scale=16.0)
        res.raise_if_failed()


@pytest.mark.parametrize("kern", [FourierKernel(3, 6), LearnableSpectralKernel(4, 3, seed=1)],
                         ids=["fourier", "learnable"])
def test_gram_matrix_vjp_of_kernels_with_params(kern):
    # compute_vjp returns (dx, dy, grads) for these kernels: gram_matrix_vjp returns (dx, grads) (it raised
    # before: the inherited method unpacked two values)
    x = random_normal(4, (2, 3, kern.input_dim))
    names = list(kern.params)

    def f(a, *values):
        return kern.with_params(values).gram_matrix(a)

    def f_vjp(dk, a, *values_and_k):
        dx, grads = kern.with_params(values_and_k[:-1]).gram_matrix_vjp(dk, a, values_and_k[-1])
        assert sorted(grads) == sorted(names)
        return (dx, *(grads[n] for n in names))

    args = (x, *kern.params.values())
    check_vjp(f, f_vjp, args, argnums=tuple(range(len(args))), error_scale=32.0).raise_if_failed()


def test_shared_sums_and_product_vjp():
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 5))
    np.testing.assert_array_equal(sum_rows(b), b.reshape(-1, 5).sum(axis=0))
    # a 6-term sum of products in another order: 8 eps relative to the sum of |products|
    assert_close(sum_outer_rows(a, b), np.einsum("bnp,bnq->pq", a, b), rtol=8 * EPS64,
                 reason="6-term sums of products")
    x, y = rng.standard_normal((2, 1, 3, 4)), rng.standard_normal((5, 4))
    check_vjp(lambda p, q: np.matmul(p, np.swapaxes(q, -1, -2)), lambda dk, p, q, k: gram_product_vjp(dk, p, q),
              (x, y), argnums=(0, 1), error_scale=8.0).raise_if_failed()


@pytest.mark.parametrize("trainable", [False, True])
def test_kernel_approximation_vjp(trainable):
    x, y = _pair(np, (2, 3, 4), (1, 5, 4), seed=3)
    kern = GaussianRFFKernel(4, 6, sigma=1.5, use_cos_sin=True, trainable=trainable, seed=2)
    names = list(kern.params)

    def f(a, b, *values):
        return kern.with_params(values).kernel_approximation(a, b)

    def f_vjp(dk, a, b, *rest):
        values, k = rest[:-1], rest[-1]
        dx, dy, grads = kern.with_params(values).kernel_approximation_vjp(dk, a, b, k)
        assert sorted(grads) == sorted(names)
        return (dx, dy, *(grads[n] for n in names))

    args = (x, y, *(kern.params[n] for n in names))
    check_vjp(f, f_vjp, args, argnums=tuple(range(len(args))), error_scale=32.0).raise_if_failed()


def test_is_positive_definite_agrees_with_cholesky():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 3))
    x_dup = np.concatenate([x, x[:1]], axis=0)  # a repeated point: the Gram matrix is singular
    for kern in (GaussianRFFKernel(3, 4, sigma=1.0), PolynomialKernel(2, 1.0, 1.0), CosineKernel()):
        for pts in (x, x_dup):
            gram = kern.gram_matrix(pts)
            ev = np.linalg.eigvalsh(gram)
            # thresholds in the middle of the gaps of the spectrum (and below/above it), never within rounding
            # (n eps max|ev| ~ 1e-14) of an eigenvalue, so both tests see the same side of each eigenvalue
            mids = [ev[0] - 1.0, *((ev[:-1] + ev[1:]) / 2), ev[-1] + 1.0, 1e-6]
            for eps in mids:
                if np.min(np.abs(ev - eps)) < 1e-10:
                    continue
                try:
                    np.linalg.cholesky(gram - eps * np.eye(len(gram)))
                    chol = True
                except np.linalg.LinAlgError:
                    chol = False
                assert kern.is_positive_definite(pts, eps=eps) == chol, (type(kern).__name__, eps, ev)


def test_is_positive_definite_backends(xp):
    x, _ = _pair(xp, (2, 5, 3))
    assert GaussianRFFKernel(3, 4).is_positive_definite(x)
    assert not PolynomialKernel(1, 1.0, 0.0).is_positive_definite(x)  # rank 3 < 5: singular linear Gram


def test_abstract_methods_raise():
    x, y = _pair(np)
    calls = (lambda: KernelFunction().compute(x, y), lambda: KernelFunction().compute_vjp(x, x, y, x),
             lambda: ShiftInvariantKernel().evaluate_difference(x),
             lambda: ShiftInvariantKernel().spectral_density(x),
             lambda: RandomFeatureMap(3, 4).forward(x), lambda: RandomFeatureMap(3, 4).forward_vjp(x, x, x),
             lambda: SpectralKernel(2).spectral_decomposition(x))
    for call in calls:
        with pytest.raises(NotImplementedError):
            call()


# ----------------------------------------------------------------------------------------------------------
# the params container (specref.interop.params): state_dict, copies, dtype, backend


def test_state_dict_round_trip_and_strict():
    kern = GaussianRFFKernel(3, 5, sigma=2.0, trainable=True, seed=7)
    sd = kern.state_dict()
    assert sorted(sd) == ["bias", "omega"] and sd["omega"].shape == (3, 5)
    again = GaussianRFFKernel.from_state_dict(sd, input_dim=3, num_features=5, sigma=2.0, trainable=True, seed=99)
    for k in sd:
        np.testing.assert_array_equal(again.state_dict()[k], sd[k])
    sd["omega"][0, 0] = 123.0  # copied, never aliased
    assert again.omega[0, 0] != 123.0
    pref = GaussianRFFKernel.from_state_dict({"kernel." + k: v for k, v in sd.items()}, prefix="kernel.",
                                             input_dim=3, num_features=5, sigma=2.0)
    assert sorted(pref.buffers) == ["bias", "omega"] and not pref.params
    with pytest.raises(StateDictError, match="omega.*\\(3, 5\\).*\\(3, 4\\)|omega"):
        GaussianRFFKernel.from_state_dict(sd, input_dim=3, num_features=4)
    with pytest.raises(StateDictError, match="missing keys: bias"):
        GaussianRFFKernel.from_state_dict({"omega": sd["omega"]}, input_dim=3, num_features=5)


def test_astype_and_to(xp):
    kern = GaussianRFFKernel(3, 4, seed=0).astype("float32").to(xp)
    assert kern.dtype == "float32"
    x = random_normal(0, (2, 3), dtype="float32", xp=xp)
    phi = kern(x)
    assert str(phi.dtype).endswith("float32")
    with pytest.raises(TypeError):
        kern(random_normal(0, (2, 3), dtype="float64", xp=xp))  # precision mismatch with the arrays
    with pytest.raises(TypeError):
        kern.astype("int32")


# ----------------------------------------------------------------------------------------------------------
# bad input


def test_bad_inputs_exact_kernels():
    x, y = _pair(np, (4, 3), (5, 2))
    for kern in (CosineKernel(), PolynomialKernel(), GaussianRFFKernel(3, 4)):
        with pytest.raises(ValueError, match="same last dimension"):
            kern.compute(x, y)
        with pytest.raises(ValueError, match=r"shape \(\.\.\., n, d\).*\(4,\)"):
            kern.compute(np.ones(4), np.ones((2, 4)))
        with pytest.raises(TypeError):
            kern.compute(np.ones((2, 3), dtype=np.int64), np.ones((2, 3)))
        with pytest.raises(TypeError):
            kern.compute(np.ones((2, 3), dtype=np.float32), np.ones((2, 3)))
    with pytest.raises(ValueError, match="degree must be >= 0"):
        PolynomialKernel(degree=-1)
    with pytest.raises(TypeError, match="degree must be an integer"):
        PolynomialKernel(degree=1.5)
    with pytest.raises(ValueError, match="eps"):
        CosineKernel(eps=-1.0)


def test_argument_checks():
    assert check_positive_int(3, "n") == 3
    for bad in (0, -2):
        with pytest.raises(ValueError, match="num_features must be a positive integer"):
            check_positive_int(bad, "num_features")
    with pytest.raises(TypeError):
        check_positive_int(True, "num_features")
    assert check_positive_float(0.5, "sigma") == 0.5
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="sigma must be finite and > 0"):
            check_positive_float(bad, "sigma")
    for bad in (True, "1.0", None):  # the type rule of specref._args: a bool or a string is no number
        with pytest.raises(TypeError, match="sigma must be a real number"):
            check_positive_float(bad, "sigma")
    with pytest.raises(ValueError, match="rank must be a positive integer"):
        SpectralKernel(0)
    for bad in (0, -1):
        with pytest.raises(ValueError, match="num_features must be a positive integer"):
            RandomFeatureMap(3, bad)
    with pytest.raises(ValueError, match="input_dim must be a positive integer"):
        RandomFeatureMap(0, 3)
    with pytest.raises(TypeError, match="normalize must be True or False"):
        SpectralKernel(2, normalize="no")  # check_flag: a string is not a flag
    with pytest.raises(TypeError, match="eps must be a real number"):
        CosineKernel(eps="0.1")
