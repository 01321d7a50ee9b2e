"""batch_norm (training), batch_norm_inference and batch_norm_running_stats: values against direct NumPy
formulas (torch's semantics), the running-statistics update (momentum, momentum None, unbiased variance, the
int64 count), bad inputs (channel mismatch, one value per channel in training, dtypes), no mutation, the VJP's
structure, float32, and the inference case's premise. The VJPs run on the registry's grid (tests iterate
CASES)."""

from __future__ import annotations

import numpy as np
import pytest

from specref.backend import finfo_eps, to_numpy
from specref.ops.batch_norm import (
    CASES,
    batch_norm,
    batch_norm_inference,
    batch_norm_inference_vjp,
    batch_norm_running_stats,
    batch_norm_vjp,
)
from specref.testing import assert_close, check_no_mutation
from specref.testing.runner import case_rng

EPS64 = finfo_eps("float64")


def _arr(xp, host, dtype="float64"):
    return xp.asarray(np.asarray(host).astype(dtype), dtype=getattr(xp, dtype))


def _ref(x, w=None, b=None, eps=1e-5, axis=1):
    """torch's training mode, written independently: sums over the non-channel axes, biased variance."""
    x = np.moveaxis(x, axis, -1)
    n = x.size // x.shape[-1]
    mu = x.reshape(-1, x.shape[-1]).sum(axis=0) / n
    var = ((x - mu) ** 2).reshape(-1, x.shape[-1]).sum(axis=0) / n
    y = (x - mu) / np.sqrt(var + eps) * (1.0 if w is None else w) + (0.0 if b is None else b)
    return np.moveaxis(y, -1, axis)


@pytest.mark.parametrize("shape, axis", [((4, 3), 1), ((2, 3, 5), 1), ((2, 2, 3, 5), 1), ((3, 5, 2), -1),
                                         ((5, 3), 0)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values_match_reference(shape, axis, affine, dtype, xp):
    rng = np.random.default_rng(0)
    c = shape[axis]
    x = (1.0 + rng.standard_normal(shape)).astype(dtype)
    w = (1.0 + 0.5 * rng.standard_normal(c)).astype(dtype) if affine else None
    b = rng.standard_normal(c).astype(dtype) if affine else None
    y = batch_norm(_arr(xp, x, dtype), None if w is None else _arr(xp, w, dtype),
                   None if b is None else _arr(xp, b, dtype), axis=axis)
    assert y.dtype == getattr(xp, dtype) and tuple(y.shape) == shape
    # c = 2 (1.5 (2 + log2 n)(1 + offset) + 4) <= 45 for n <= 30, offset ~ 1; the reference adds eps64
    assert_close(to_numpy(y), _ref(x.astype(np.float64), w, b, axis=axis), rtol=46 * finfo_eps(dtype),  # c + 1
                 reason="(c + 1) eps")


def test_inference_values_and_vjp(xp):
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 3, 4)), 1.0 + rng.standard_normal(3), rng.standard_normal(3)
    m, v = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    kw = {"running_mean": _arr(xp, m), "running_var": _arr(xp, v), "eps": 1e-3}
    y = batch_norm_inference(_arr(xp, x), _arr(xp, w), _arr(xp, b), **kw)
    s = 1.0 / np.sqrt(v + 1e-3)
    expected = (x - m[:, None]) * s[:, None] * w[:, None] + b[:, None]
    assert_close(to_numpy(y), expected, rtol=16 * EPS64, reason="a few roundings, x - m: kappa <= 3")  # c = 16
    dy = rng.standard_normal(y.shape)
    dx, dw, db = batch_norm_inference_vjp(_arr(xp, dy), _arr(xp, x), _arr(xp, w), _arr(xp, b), y, **kw)
    assert_close(to_numpy(dx), dy * (w * s)[:, None], rtol=4 * EPS64, reason="2 roundings")  # dy w s
    assert_close(to_numpy(dw), (dy * (x - m[:, None]) * s[:, None]).sum(axis=(0, 2)), rtol=16 * EPS64,  # 8 terms
                 reason="8-term sums of c eps terms")
    assert_close(to_numpy(db), dy.sum(axis=(0, 2)), rtol=4 * EPS64, reason="8-term sums")  # log2 8 + 1


def test_inference_accepts_one_value_per_channel(xp):
    x = _arr(xp, np.ones((1, 3)))
    stats = {"running_mean": _arr(xp, np.zeros(3)), "running_var": _arr(xp, np.ones(3))}
    y = batch_norm_inference(x, None, None, eps=0.0, **stats)
    np.testing.assert_array_equal(to_numpy(y), np.ones((1, 3)))


def test_vjp_structure(xp):
    # per channel dx is orthogonal to 1 and, for eps = 0 (<x_hat^2> = 1), to x_hat: the Jacobian projects
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((4, 3, 5)), 1.0 + rng.standard_normal(3)
    dy = rng.standard_normal(x.shape)
    y = batch_norm(_arr(xp, x), _arr(xp, w), None, eps=0.0)
    dx, dw, db = batch_norm_vjp(_arr(xp, dy), _arr(xp, x), _arr(xp, w), None, y, eps=0.0)
    assert db is None
    dx = to_numpy(dx)
    x_hat = _ref(x, eps=0.0)
    scale = np.abs(dx).sum(axis=(0, 2))
    assert np.all(np.abs(dx.sum(axis=(0, 2))) <= 64 * EPS64 * scale)  # 20-term sums of c eps terms
    assert np.all(np.abs((dx * x_hat).sum(axis=(0, 2))) <= 64 * EPS64 * scale * np.abs(x_hat).max())  # same
    assert_close(to_numpy(dw), (dy * x_hat).sum(axis=(0, 2)), rtol=64 * EPS64, reason="x_hat (c eps) sums")  # c


def _running_ref(x, m, v, count, momentum, axis=1):
    x = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
    n = x.shape[0]
    a = 1.0 / (count + 1) if momentum is None else momentum
    mu = x.sum(axis=0) / n
    return (1 - a) * m + a * mu, (1 - a) * v + a * ((x - mu) ** 2).sum(axis=0) / (n - 1)


@pytest.mark.parametrize("momentum, count", [(0.1, 0), (0.3, 5), (1.0, 2), (0.0, 1), (None, 0), (None, 3)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_running_stats_formula(momentum, count, dtype, xp):
    rng = np.random.default_rng(3)
    x = (2.0 + rng.standard_normal((4, 3, 5))).astype(dtype)
    m, v = rng.standard_normal(3).astype(dtype), rng.uniform(0.5, 2.0, 3).astype(dtype)
    t = xp.asarray(count, dtype=xp.int64)
    new_m, new_v, new_t = batch_norm_running_stats(_arr(xp, x, dtype), _arr(xp, m, dtype), _arr(xp, v, dtype), t,
                                                   momentum=momentum)
    ref_m, ref_v = _running_ref(x.astype(np.float64), m, v, count, momentum)
    # mean: (4 + log2 n) eps of max|x| + max|m| ~ 5; var: 8 (2 + log2 n) + 5 ~ 60 eps of max|x|^2 + max|v| ~ 13
    assert_close(to_numpy(new_m), ref_m, rtol=0.0, atol=2 * 9.0 * 5.0 * finfo_eps(dtype), reason="c_m S_m")  # S_m
    assert_close(to_numpy(new_v), ref_v, rtol=0.0, atol=2 * 60.0 * 13.0 * finfo_eps(dtype), reason="c_v S_v")  # S_v
    assert new_m.dtype == new_v.dtype == getattr(xp, dtype)
    assert new_t.dtype == xp.int64 and tuple(new_t.shape) == () and int(new_t) == count + 1


def test_running_stats_momentum_none_is_the_cumulative_average():
    # torch's momentum=None: after k batches from count 0, the running mean is the plain average of the k batch
    # means (and the running var that of the unbiased batch variances), whatever the initial buffers
    rng = np.random.default_rng(4)
    batches = [rng.standard_normal((6, 2)) * (k + 1) + k for k in range(4)]
    m, v, t = np.full(2, 7.0), np.full(2, -3.0), np.asarray(0, dtype=np.int64)
    for xb in batches:
        m, v, t = batch_norm_running_stats(xb, m, v, t, momentum=None)
    assert int(t) == 4 and t.dtype == np.int64
    assert_close(m, np.mean([xb.mean(axis=0) for xb in batches], axis=0), rtol=32 * EPS64, reason="4 averages")  # few
    assert_close(v, np.mean([xb.var(axis=0, ddof=1) for xb in batches], axis=0), rtol=64 * EPS64,  # 4 averages
                 reason="4 averages of c_v eps variances")


def test_running_stats_unbiased_and_plain_int_count():
    x = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 16.0]])  # channel 0: mean 3, unbiased var 4; channel 1: 12, 12
    m, v, t = batch_norm_running_stats(x, np.zeros(2), np.ones(2), 0, momentum=0.5)
    np.testing.assert_array_equal(m, [1.5, 6.0])
    np.testing.assert_array_equal(v, [2.5, 6.5])
    assert int(t) == 1 and t.dtype == np.int64


def test_no_mutation(xp):
    rng = np.random.default_rng(5)
    x, w, b = _arr(xp, rng.standard_normal((3, 2, 4))), _arr(xp, rng.standard_normal(2)), _arr(xp, np.ones(2))
    m, v, t = _arr(xp, np.zeros(2)), _arr(xp, np.ones(2)), xp.asarray(3, dtype=xp.int64)
    y = batch_norm(x, w, b)
    dy = _arr(xp, rng.standard_normal((3, 2, 4)))
    check_no_mutation(batch_norm, x, w, b).raise_if_failed()
    check_no_mutation(batch_norm_vjp, dy, x, w, b, y).raise_if_failed()
    check_no_mutation(batch_norm_inference, x, w, b, running_mean=m, running_var=v).raise_if_failed()
    check_no_mutation(batch_norm_inference_vjp, dy, x, w, b, y, running_mean=m, running_var=v).raise_if_failed()
    for momentum in (0.1, None):
        check_no_mutation(batch_norm_running_stats, x, m, v, t, momentum=momentum).raise_if_failed()


def test_float32(xp):
    rng = np.random.default_rng(6)
    x, w, b = (_arr(xp, a, "float32") for a in (rng.standard_normal((4, 3)), rng.standard_normal(3), np.ones(3)))
    y = batch_norm(x, w, b)
    grads = batch_norm_vjp(_arr(xp, np.ones((4, 3)), "float32"), x, w, b, y)
    assert y.dtype == xp.float32 and all(g.dtype == xp.float32 for g in grads)


def test_bad_inputs(xp):
    x = _arr(xp, np.arange(24.0).reshape(2, 3, 4))
    stats = {"running_mean": _arr(xp, np.zeros(3)), "running_var": _arr(xp, np.ones(3))}
    with pytest.raises(ValueError, match=r"weight has shape \(4,\).*3 channels along axis 1"):
        batch_norm(x, _arr(xp, np.ones(4)), None)
    with pytest.raises(ValueError, match=r"bias has shape \(3, 1\)"):
        batch_norm(x, None, _arr(xp, np.ones((3, 1))))
    with pytest.raises(ValueError, match=r"running_var has shape \(2,\)"):
        batch_norm_inference(x, None, None, running_mean=stats["running_mean"], running_var=_arr(xp, np.ones(2)))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        batch_norm(_arr(xp, np.ones((1, 3))), None, None)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        batch_norm_vjp(_arr(xp, np.ones((1, 3, 1))), _arr(xp, np.ones((1, 3, 1))), None, None, None)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        batch_norm_running_stats(_arr(xp, np.ones((1, 3))), stats["running_mean"], stats["running_var"], 0)
    with pytest.raises(TypeError, match="real function"):
        batch_norm(xp.asarray(np.ones((2, 3), dtype=np.complex128)))
    with pytest.raises(TypeError, match="accepted"):
        batch_norm(xp.asarray(np.ones((2, 3), dtype=np.int64)))
    with pytest.raises(TypeError, match="precision"):
        batch_norm(x, _arr(xp, np.ones(3), "float32"))
    with pytest.raises(TypeError, match="precision"):
        batch_norm_inference(x, None, None, running_mean=_arr(xp, np.zeros(3), "float32"),
                             running_var=stats["running_var"])
    with pytest.raises(TypeError, match="running_mean and running_var"):
        batch_norm_inference(x, None, None, running_mean=None, running_var=stats["running_var"])
    with pytest.raises(ValueError, match="eps"):
        batch_norm(x, eps=-1.0)
    with pytest.raises(ValueError, match="out of range"):
        batch_norm(x, axis=3)
    with pytest.raises(ValueError, match="momentum"):
        batch_norm_running_stats(x, stats["running_mean"], stats["running_var"], 0, momentum=1.5)
    with pytest.raises(TypeError, match="momentum"):
        batch_norm_running_stats(x, stats["running_mean"], stats["running_var"], 0, momentum="0.1")
    with pytest.raises(TypeError, match="num_batches_tracked"):
        batch_norm_running_stats(x, stats["running_mean"], stats["running_var"], _arr(xp, np.zeros(())))
    with pytest.raises(TypeError, match="num_batches_tracked"):
        batch_norm_running_stats(x, stats["running_mean"], stats["running_var"], 1.0)
    with pytest.raises(ValueError, match="num_batches_tracked"):
        batch_norm_running_stats(x, stats["running_mean"], stats["running_var"], -1)
    y = batch_norm(x)
    with pytest.raises(ValueError, match="cotangent"):
        batch_norm_vjp(_arr(xp, np.ones((2, 3))), x, None, None, y)
    with pytest.raises(TypeError, match="precision"):
        batch_norm_vjp(_arr(xp, np.ones((2, 3, 4)), "float32"), x, None, None, y)


def test_inference_premise():
    """The inference case's c = 16 assumes kappa = max(|x| + |m|) / sqrt(v) / max|x_hat| <= 3 for its draws."""
    case = next(c for c in CASES if c.name == "batch_norm_inference")
    for seed in range(3):
        for point, params in enumerate(case.points(full=True)):
            for dtype in case.dtypes:
                inputs = case.make(case_rng(case.name, point, dtype, seed), np, "float64", **params)
                x, axis = inputs.args[0], inputs.kwargs.get("axis", 1) % inputs.args[0].ndim
                shape = [1] * x.ndim
                shape[axis] = x.shape[axis]
                m, v = (np.reshape(inputs.kwargs[k], shape) for k in ("running_mean", "running_var"))
                x_hat = (x - m) / np.sqrt(v)
                assert np.max((np.abs(x) + np.abs(m)) / np.sqrt(v)) <= 3.0 * np.max(np.abs(x_hat)), (params, seed)
