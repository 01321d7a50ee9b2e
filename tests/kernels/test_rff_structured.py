"""OrthogonalRandomFeatures (QR and Hadamard modes): forward against dense references, VJPs, state, bad input.

The statistical properties (unbiasedness, lower MSE of orthogonal features) are in test_theory_structured.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg

from specref.backend import random_normal, to_numpy
from specref.interop.state_dict import StateDictError
from specref.kernels.rff import rff_features, sample_orthogonal_gaussian_frequencies
from specref.kernels.rff_structured import OrthogonalRandomFeatures, padded_dim, sorf_projection
from specref.testing.checks import assert_close, check_vjp

EPS64 = float(np.finfo(np.float64).eps)


def _x(xp, shape, seed=0, scale=0.5):
    return random_normal(seed, shape, xp=xp) * scale


# ----------------------------------------------------------------------------------------------------------
# forward against dense NumPy references


@pytest.mark.parametrize(("d", "m"), [(5, 3), (3, 12), (4, 4), (1, 1), (8, 20)])
def test_sorf_projection_equals_dense_matrix(xp, d, m):
    n = padded_dim(d, m)
    assert n == 2 ** math.ceil(math.log2(max(d, m)))
    rng = np.random.default_rng(1)
    diags = [rng.standard_normal(n) for _ in range(3)]
    h = scipy.linalg.hadamard(n) / math.sqrt(n)
    w = np.diag(diags[0]) @ h @ np.diag(diags[1]) @ h @ np.diag(diags[2]) @ h  # x_pad W, row vectors
    x = rng.standard_normal((2, 3, d))
    got = sorf_projection(xp.asarray(x), *(xp.asarray(v) for v in diags), num_features=m)
    expected = x @ w[:d, :m]
    # three FWHT stages (log2 n + 2 roundings each) against a dense triple product (3 n-term dots): a few
    # tens of eps normwise; 1e3 eps leaves a factor > 10
    rel_bound = 1e3 * EPS64  # FWHT chain vs dense H D H D H D
    assert_close(to_numpy(got), expected, rtol=rel_bound, reason="FWHT chain vs dense H D H D H D")


def test_orf_forward_matches_formula(xp):
    orf = OrthogonalRandomFeatures(6, 10, sigma=1.5, seed=3).to(xp)
    x = _x(xp, (2, 4, 6))
    w, b = (to_numpy(orf.buffers[k]) for k in ("projection", "bias"))
    expected = math.sqrt(2 / 10) * np.cos(to_numpy(x) @ w + b)
    # a 6-term dot (|u| < 10) then cos: (d+2) * 10 eps absolute, well below 1e3 eps
    rel_bound = 1e3 * EPS64  # same formula, reassociated dot
    assert_close(to_numpy(orf.forward(x)), expected, rtol=rel_bound, reason="same formula, reassociated dot")


def test_orf_hadamard_forward_and_frequencies(xp):
    orf = OrthogonalRandomFeatures(5, 7, sigma=2.0, use_hadamard=True, seed=4).to(xp)
    assert orf.d_padded == 8
    assert set(orf.buffers) == {"diagonal_0", "diagonal_1", "diagonal_2", "bias"}
    w = to_numpy(orf.frequencies())
    # W = (sqrt(n)/sigma) D0 H~ D1 H~ D2 H~ with Rademacher D: every column of the full n x n matrix has
    # norm sqrt(n)/sigma exactly (an orthogonal matrix times the scale); its first d rows are what x sees
    full = OrthogonalRandomFeatures(8, 8, sigma=2.0, use_hadamard=True, seed=4).frequencies()
    rel_bound = 1e3 * EPS64  # orthogonal times a scale: column norms exact to a few eps
    assert_close(np.linalg.norm(to_numpy(full), axis=0), np.full(8, math.sqrt(8) / 2.0), rtol=rel_bound,
                 reason="orthogonal times a scale: column norms exact to a few eps")  # noqa: E501
    x = _x(xp, (3, 5))
    expected = math.sqrt(2 / 7) * np.cos(to_numpy(x) @ w + to_numpy(orf.buffers["bias"]))
    # the FWHT chain against the same chain applied to the identity, then a 5-term dot: tens of eps
    rel_bound = 1e3 * EPS64  # chain vs its matrix
    assert_close(to_numpy(orf.forward(x)), expected, rtol=rel_bound, reason="chain vs its matrix")


# ----------------------------------------------------------------------------------------------------------
# draws


def test_orthogonal_gaussian_matrix_blocks_and_norms():
    w = sample_orthogonal_gaussian_frequencies(0, 4, 10)
    assert w.shape == (4, 10)
    for start in (0, 4):
        block = w[:, start:start + 4]
        gram = block.T @ block
        # columns orthogonal within a block (QR to a few eps), norms chi_4 (not all equal)
        off = gram - np.diag(np.diag(gram))
        assert np.max(np.abs(off)) < 1e2 * EPS64 * np.max(gram)  # QR orthogonality: O(d eps) relative
    norms = np.linalg.norm(w, axis=0)
    assert np.ptp(norms) > 0.1
    fixed = sample_orthogonal_gaussian_frequencies(0, 4, 8, norms="fixed")
    # fixed norms sqrt(d) to rounding (QR columns are unit to a few eps)
    rel_bound = 1e2 * EPS64  # unit columns * 2
    assert_close(np.linalg.norm(fixed, axis=0), np.full(8, 2.0), rtol=rel_bound, reason="unit columns * 2")
    with pytest.raises(ValueError, match="norms"):
        sample_orthogonal_gaussian_frequencies(0, 4, 8, norms="unit")


def test_draws_are_explicit_and_reproducible():
    a = OrthogonalRandomFeatures(3, 5, seed=7).state_dict()
    b = OrthogonalRandomFeatures(3, 5, seed=np.random.default_rng(7)).state_dict()
    c = OrthogonalRandomFeatures(3, 5, seed=8).state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["projection"], c["projection"])
    lap = OrthogonalRandomFeatures(3, 5, kernel_type="laplacian", sigma=2.0, seed=0)
    assert lap.buffers["projection"].shape == (3, 5)


# ----------------------------------------------------------------------------------------------------------
# VJPs of the class methods (the primitives' VJPs w.r.t. every array are registry cases)


@pytest.mark.parametrize(
    "build",
    [
        lambda: OrthogonalRandomFeatures(5, 6, sigma=2.0, seed=0),
        lambda: OrthogonalRandomFeatures(5, 6, sigma=2.0, trainable=True, seed=0),
        lambda: OrthogonalRandomFeatures(5, 6, sigma=2.0, use_hadamard=True, seed=0),
        lambda: OrthogonalRandomFeatures(5, 6, sigma=2.0, use_hadamard=True, trainable=True, seed=0),
    ],
    ids=["orf", "orf-trainable", "sorf", "sorf-trainable"],
)
def test_forward_vjp_of_the_class(xp, build):
    fmap = build().to(xp)
    names = list(fmap.params)

    def f(x, *values):
        return fmap.with_params(values).forward(x)

    def f_vjp(dphi, x, *values_and_phi):
        dx, grads = fmap.with_params(values_and_phi[:-1]).forward_vjp(dphi, x, values_and_phi[-1])
        assert set(grads) == set(names)
        return (dx, *(grads[k] for k in names)) if names else dx

    args = (_x(xp, (2, 3, 5)), *fmap.params.values())
    # c = 100: the forward's claim from the registry cases (a 5-term dot, |u| < 2 pi + 5, cos; FWHT chain)
    check_vjp(f, f_vjp, args, argnums=tuple(range(len(args))), error_scale=100.0).raise_if_failed()


def test_trainable_state_names():
    assert list(OrthogonalRandomFeatures(4, 6, trainable=True).params) == ["projection", "bias"]
    sorf = OrthogonalRandomFeatures(4, 6, use_hadamard=True, trainable=True)
    assert list(sorf.params) == ["diagonals.0", "diagonals.1", "diagonals.2", "bias"]
    assert sorf.buffers == {}


def test_kernel_approximation_vjp(xp):
    fmap = OrthogonalRandomFeatures(3, 8, trainable=True, use_hadamard=True, seed=1).to(xp)
    names = list(fmap.params)

    def f(x, y, *values):
        return fmap.with_params(values).kernel_approximation(x, y)

    def f_vjp(dk, x, y, *values_and_k):
        dx, dy, grads = fmap.with_params(values_and_k[:-1]).kernel_approximation_vjp(dk, x, y, values_and_k[-1])
        return (dx, dy, *(grads[k] for k in names))

    args = (_x(xp, (2, 3)), _x(xp, (4, 3), seed=1), *fmap.params.values())
    # c = 100 as above, plus an m = 8 term dot product of the features
    check_vjp(f, f_vjp, args, argnums=tuple(range(len(args))), error_scale=108.0).raise_if_failed()


# ----------------------------------------------------------------------------------------------------------
# state_dict


def test_state_dict_round_trip_and_errors():
    for config in ({"use_hadamard": False}, {"use_hadamard": True}, {"use_hadamard": True, "trainable": True}):
        orf = OrthogonalRandomFeatures(5, 6, seed=3, **config)
        sd = orf.state_dict()
        back = OrthogonalRandomFeatures.from_state_dict(sd, input_dim=5, num_features=6, **config)
        assert all(np.array_equal(back.state_dict()[k], sd[k]) for k in sd)
    sd = OrthogonalRandomFeatures(5, 6, use_hadamard=True, seed=3).state_dict()
    # a Laplacian Hadamard state (which specref does not draw) loads verbatim
    lap = OrthogonalRandomFeatures.from_state_dict(sd, input_dim=5, num_features=6, kernel_type="laplacian",
                                                   use_hadamard=True)
    assert np.array_equal(to_numpy(lap.buffers["diagonal_1"]), sd["diagonal_1"])
    with pytest.raises(StateDictError, match="diagonal_0"):
        OrthogonalRandomFeatures.from_state_dict({"bias": sd["bias"]}, input_dim=5, num_features=6,
                                                 use_hadamard=True)


# ----------------------------------------------------------------------------------------------------------
# bad input


def test_bad_input(xp):
    with pytest.raises(ValueError, match="num_features"):
        OrthogonalRandomFeatures(3, 0)
    with pytest.raises(ValueError, match="sigma"):
        OrthogonalRandomFeatures(3, 4, sigma=0.0)
    with pytest.raises(ValueError, match="kernel_type"):
        OrthogonalRandomFeatures(3, 4, kernel_type="cauchy")
    with pytest.raises(ValueError, match="laplacian"):
        OrthogonalRandomFeatures(3, 4, kernel_type="laplacian", use_hadamard=True)
    orf = OrthogonalRandomFeatures(3, 4).to(xp)
    with pytest.raises(ValueError, match=r"\(\.\.\., n, d\)"):
        orf.forward(_x(xp, (3,)))
    with pytest.raises(ValueError, match="input_dim"):
        orf.forward(_x(xp, (2, 4)))
    with pytest.raises(ValueError, match="y has 4 features"):
        orf.kernel_approximation(_x(xp, (2, 3)), _x(xp, (2, 4)))
    with pytest.raises(TypeError):
        orf.forward(xp.ones((2, 3), dtype=xp.int64))
    with pytest.raises(TypeError):
        orf.forward(xp.astype(_x(xp, (2, 3)), xp.float32))  # float64 arrays, float32 input
    x = _x(xp, (2, 3))
    with pytest.raises(ValueError, match="bias"):
        rff_features(x, xp.ones((3, 2), dtype=xp.float64), xp.ones((3,), dtype=xp.float64))
    with pytest.raises(ValueError, match="power of two"):
        sorf_projection(x, *(xp.ones((6,), dtype=xp.float64) for _ in range(3)), num_features=2)
    with pytest.raises(ValueError, match="num_features"):
        sorf_projection(x, *(xp.ones((4,), dtype=xp.float64) for _ in range(3)), num_features=5)
    with pytest.raises(TypeError, match="use_hadamard must be True or False"):
        OrthogonalRandomFeatures(3, 4, use_hadamard=1)
