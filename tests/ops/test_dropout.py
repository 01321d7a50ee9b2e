"""dropout: values with an explicit mask, the host-drawn mask (same seed, same mask on every backend; keep
rate 1 - p within a derived statistical bound), validation, the VJP, and a wrong VJP that must fail."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.backend import finfo_eps, get_namespace, to_numpy
from specref.ops.dropout import dropout, dropout_mask, dropout_vjp
from specref.testing import assert_close, check_no_mutation, check_vjp


def _arr(xp, host, dtype="float64"):
    return xp.asarray(np.asarray(host).astype(dtype), dtype=getattr(xp, dtype))


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.9])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values(p, dtype, xp):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 6)).astype(dtype)
    mask = dropout_mask(1, (4, 6), p, xp=xp)
    y = dropout(_arr(xp, x, dtype), mask=mask, p=p)
    assert y.dtype == getattr(xp, dtype) and mask.dtype == xp.bool
    expected = x.astype(np.float64) * to_numpy(mask) / (1.0 - p)
    # specref: two roundings (the scale 1/(1-p), the product), <= 2u = eps per entry; the float64 reference
    # rounds 1 - p and the quotient, <= 2u = eps64 more: 2 eps
    assert_close(to_numpy(y), expected, rtol=2 * finfo_eps(dtype), reason="2u + 2u")  # 2u + 2u = 2 eps
    np.testing.assert_array_equal(to_numpy(y)[~to_numpy(mask)], 0.0)


def test_same_seed_same_mask_on_every_backend():
    masks = [to_numpy(dropout_mask(42, (5, 7), 0.3, xp=get_namespace(name))) for name in ("numpy", "strict")]
    np.testing.assert_array_equal(masks[0], masks[1])
    gen_mask = to_numpy(dropout_mask(np.random.default_rng(42), (5, 7), 0.3, xp=get_namespace("numpy")))
    np.testing.assert_array_equal(masks[0], gen_mask)
    assert not np.array_equal(masks[0], to_numpy(dropout_mask(43, (5, 7), 0.3, xp=get_namespace("numpy"))))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_keep_rate_is_one_minus_p(p, xp):
    n = 200_000
    keep = float(np.mean(to_numpy(dropout_mask(7, (n,), p, xp=xp))))
    # the keep rate of n independent Bernoulli(1 - p) entries has standard deviation sqrt(p (1 - p) / n);
    # 6 standard deviations: a correct sampler fails with probability ~2e-9 (and the seed is fixed)
    assert abs(keep - (1.0 - p)) <= 6.0 * math.sqrt(p * (1.0 - p) / n)


def test_output_expectation_is_input():
    # E[dropout(x)] = x: average over many masks; each entry's mean of n draws of x m / (1 - p) has standard
    # deviation |x| sqrt(p / ((1 - p) n)); 6 standard deviations
    p, n = 0.3, 20_000
    x = np.array([1.0, -2.0, 0.5])
    masks = to_numpy(dropout_mask(3, (n, 3), p, xp=get_namespace("numpy")))
    mean = np.mean(dropout(np.broadcast_to(x, (n, 3)).copy(), mask=masks, p=p), axis=0)
    assert np.all(np.abs(mean - x) <= 6.0 * np.abs(x) * math.sqrt(p / ((1.0 - p) * n)))


@pytest.mark.parametrize("shape, p", [((7,), 0.2), ((3, 4), 0.5), ((2, 3, 2), 0.0)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_vjp_and_no_mutation(shape, p, dtype, xp):
    rng = np.random.default_rng(4)
    x = _arr(xp, rng.standard_normal(shape), dtype)
    mask = dropout_mask(5, shape, p, xp=xp)
    kw = {"mask": mask, "p": p}
    check_vjp(dropout, dropout_vjp, (x,), kwargs=kw, rng=6, error_scale=2.0).raise_if_failed()
    y = dropout(x, **kw)
    dy = _arr(xp, rng.standard_normal(shape), dtype)
    assert dropout_vjp(dy, x, y, **kw).dtype == getattr(xp, dtype)
    check_no_mutation(dropout, x, **kw).raise_if_failed()
    check_no_mutation(dropout_vjp, dy, x, y, **kw).raise_if_failed()


def test_bad_inputs(xp):
    x = _arr(xp, np.ones((2, 3)))
    mask = dropout_mask(0, (2, 3), 0.5, xp=xp)
    with pytest.raises(ValueError, match=r"mask has shape \(3, 2\) but x has shape \(2, 3\)"):
        dropout(x, mask=dropout_mask(0, (3, 2), 0.5, xp=xp), p=0.5)
    with pytest.raises(TypeError, match="boolean"):
        dropout(x, mask=_arr(xp, np.ones((2, 3))), p=0.5)
    for p in (1.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match=r"\[0, 1\)"):
            dropout(x, mask=mask, p=p)
        with pytest.raises(ValueError, match=r"\[0, 1\)"):
            dropout_mask(0, (2, 3), p, xp=xp)
    with pytest.raises(TypeError, match="accepted"):
        dropout(xp.asarray(np.ones((2, 3), dtype=np.int64)), mask=mask, p=0.5)
    with pytest.raises(TypeError, match="explicit seed"):
        dropout_mask(None, (2, 3), 0.5, xp=xp)


@pytest.mark.parametrize("p", ["0.5", True, None, [0.5]])
def test_p_of_a_wrong_type_is_a_type_error(p, xp):
    # specref._args.check_probability: a wrong type is a TypeError, a wrong value a ValueError, everywhere
    x = _arr(xp, np.ones((2, 3)))
    mask = dropout_mask(0, (2, 3), 0.5, xp=xp)
    with pytest.raises(TypeError, match="real number"):
        dropout(x, mask=mask, p=p)
    with pytest.raises(TypeError, match="real number"):
        dropout_vjp(x, x, x, mask=mask, p=p)
    with pytest.raises(TypeError, match="real number"):
        dropout_mask(0, (2, 3), p, xp=xp)


def test_wrong_vjp_fails():
    def dropout_vjp_unscaled(dy, x, y, *, mask, p):
        return dy * mask  # forgets the 1 / (1 - p) of inverted dropout

    x = np.random.default_rng(8).standard_normal((4, 5))
    kw = {"mask": to_numpy(dropout_mask(9, (4, 5), 0.5, xp=get_namespace("numpy"))), "p": 0.5}
    result = check_vjp(dropout, dropout_vjp_unscaled, (x,), kwargs=kw, rng=10)
    assert result.passed is False and result.max_error > 100 * result.bound
