"""scaled_dot_product_attention: values against an independent NumPy formula, masks (bool True = attend, float
added, -inf), fully masked rows (zero output and gradients), dropout, large-magnitude scores and N = 4096
without overflow, broadcast batch shapes, bad inputs. The VJP against central differences is the registry's
(CASES), with one N = 4096 check here."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from specref.backend import finfo_eps, to_numpy
from specref.ops.attention import (
    CASES,
    _attention_error_scale,
    _ref_attention,
    attention_weights,
    scaled_dot_product_attention,
    scaled_dot_product_attention_vjp,
)
from specref.ops.dropout import dropout_mask
from specref.testing import assert_close

EPS64 = finfo_eps("float64")


def _arr(xp, host, dtype="float64"):
    return xp.asarray(np.asarray(host).astype(dtype), dtype=getattr(xp, dtype))


def _qkv(xp, *, batch=(2,), lq=4, lk=5, e=4, ev=3, dtype="float64", seed=0, sigma=1.0):
    """q, k rows of norm sigma sqrt(E), v in [0.5, 1.5] (the registry case's draws, so its error scale holds)."""
    rng = np.random.default_rng(seed)
    rows = [rng.standard_normal((*batch, n, e)) for n in (lq, lk)]
    q, k = (r * (sigma * math.sqrt(e) / np.linalg.norm(r, axis=-1, keepdims=True)) for r in rows)
    v = rng.uniform(0.5, 1.5, (*batch, lk, ev))
    return _arr(xp, q, dtype), _arr(xp, k, dtype), _arr(xp, v, dtype)


def _claim(e, lk, sigma=1.0):
    return _attention_error_scale({"e": e, "lk": lk, "sigma": sigma})


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values_match_formula(xp, dtype):
    q, k, v = _qkv(xp, dtype=dtype)
    y = scaled_dot_product_attention(q, k, v)
    assert y.dtype == getattr(xp, dtype) and y.shape == (2, 4, 3)
    qh, kh, vh = (to_numpy(a).astype(np.float64) for a in (q, k, v))
    s = qh @ np.swapaxes(kh, -1, -2) / 2.0  # 1/sqrt(E), E = 4
    p = np.exp(s) / np.exp(s).sum(-1, keepdims=True)  # |s| <= sqrt(E) = 2: no overflow without the max
    # specref within c eps of exact (the case's claim), the float64 formula within c eps64 of exact
    assert_close(to_numpy(y), p @ vh, rtol=2 * _claim(4, 5) * finfo_eps(dtype), reason="2 c eps")  # derived above


def test_bool_mask_is_torch_sdpa_convention(xp):
    """bool True = attend (torch's scaled_dot_product_attention) equals the float mask 0 / -inf."""
    q, k, v = _qkv(xp)
    host = np.random.default_rng(1).random((4, 5)) < 0.6
    host[:, 2] = True
    y_bool = scaled_dot_product_attention(q, k, v, mask=xp.asarray(host))
    y_float = scaled_dot_product_attention(q, k, v, mask=_arr(xp, np.where(host, 0.0, -np.inf)))
    np.testing.assert_array_equal(to_numpy(y_bool), to_numpy(y_float))  # same scores, same exp: bit-equal
    p = to_numpy(attention_weights(q, k, mask=xp.asarray(host)))
    assert np.all(p[..., ~host] == 0.0)
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=0, atol=16 * EPS64)  # (c + 1 + log2 5) eps, c = 4 + log2 5


def test_fully_masked_row_gives_zero_output_and_gradients(xp):
    """A query row with every key masked: output 0 and dq 0 (as torch's sdpa; an explicit softmax gives NaN);
    the other rows' keys and values get exactly the gradients they get without that row."""
    q, k, v = _qkv(xp, lq=4)
    host = np.random.default_rng(2).random((4, 5)) < 0.7
    host[:, 0] = True
    host[2] = False
    mask = xp.asarray(host)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0/0, no inf - inf
        y = scaled_dot_product_attention(q, k, v, mask=mask)
        dy = _arr(xp, np.random.default_rng(3).standard_normal(tuple(y.shape)))
        dq, dk, dv = scaled_dot_product_attention_vjp(dy, q, k, v, y, mask=mask)
    assert np.all(to_numpy(y)[:, 2] == 0.0) and np.all(to_numpy(dq)[:, 2] == 0.0)
    assert np.all(np.isfinite(to_numpy(y)))
    keep = [0, 1, 3]
    q3, dy3 = (_arr(xp, to_numpy(a)[:, keep]) for a in (q, dy))
    mask3 = xp.asarray(host[keep])
    y3 = scaled_dot_product_attention(q3, k, v, mask=mask3)
    _, dk3, dv3 = scaled_dot_product_attention_vjp(dy3, q3, k, v, y3, mask=mask3)
    # the same products with one zero row more: equal up to the summation order of BLAS
    assert_close(to_numpy(dk), to_numpy(dk3), rtol=16 * EPS64, reason="a zero term added to length-4 sums")  # 16 eps
    assert_close(to_numpy(dv), to_numpy(dv3), rtol=16 * EPS64, reason="a zero term added to length-4 sums")  # 16 eps


def test_float_mask_fully_minus_inf_row(xp):
    q, k, v = _qkv(xp)
    host = np.zeros((4, 5))
    host[1] = -np.inf
    y = to_numpy(scaled_dot_product_attention(q, k, v, mask=_arr(xp, host)))
    assert np.all(y[:, 1] == 0.0) and np.all(np.isfinite(y))


def test_dropout_is_mask_times_weights(xp):
    q, k, v = _qkv(xp)
    keep = dropout_mask(4, (2, 4, 5), 0.3, xp=xp)
    y = scaled_dot_product_attention(q, k, v, dropout_mask=keep, dropout_p=0.3)
    p = attention_weights(q, k)
    expected = to_numpy(p) * to_numpy(keep) / 0.7 @ to_numpy(v)
    assert_close(to_numpy(y), expected, rtol=2 * _claim(4, 5) * EPS64, reason="2 c eps")  # derived in the case


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_large_magnitude_scores_are_finite_and_correct(xp, dtype):
    """q and k scaled by 100 (scores up to 2e4): finite, and within the claim for sigma = 100 (in float32 the
    scores themselves carry an absolute error ~ 2e4 eps, which the softmax turns into a relative one)."""
    q, k, v = _qkv(xp, dtype=dtype, sigma=100.0, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # exp(2e4) would overflow in either precision
        y = scaled_dot_product_attention(q, k, v)
        p = attention_weights(q, k)
    assert np.all(np.isfinite(to_numpy(y))) and np.all(np.isfinite(to_numpy(p)))
    expected = _ref_attention(*(to_numpy(a) for a in (q, k, v)))
    assert_close(to_numpy(y), expected, rtol=2 * _claim(4, 5, 100.0) * finfo_eps(dtype), reason="2 c eps, sigma=100")  # noqa: E501  (derived in the case)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_n4096(dtype):
    """N = 4096 queries and keys (B = 1, one head, E = 8): finite output matching the float64 formula, and (in
    float32) a finite VJP whose dv satisfies sum_j dv_j = sum_i dy_i (the rows of P sum to 1). The VJP's values are
    checked against central differences on the registry's grid."""
    import numpy as xp

    n = 4096
    q, k, v = _qkv(xp, batch=(1,), lq=n, lk=n, e=8, ev=2, dtype=dtype, seed=6)
    y = scaled_dot_product_attention(q, k, v)
    assert np.all(np.isfinite(y))
    c = _claim(8, n)
    assert_close(y, _ref_attention(q, k, v), rtol=2 * c * finfo_eps(dtype), reason="2 c eps, Lk = 4096")  # derived
    if dtype == "float64":
        return  # the VJP at N = 4096 once, in float32 (half the memory traffic)
    dy = np.random.default_rng(7).standard_normal(y.shape).astype(dtype)
    grads = scaled_dot_product_attention_vjp(dy, q, k, v, y)
    assert all(np.all(np.isfinite(g)) for g in grads)
    # dv_j = sum_i P_ij dy_i: P within c eps, a length-N dot (1.5 N + 2), a sum over j (1 + log2 N), all
    # relative to sum_ij P_ij |dy_i| = sum_i |dy_i|
    bound = (c + 1.5 * n + 2.0 + 1.0 + math.log2(n)) * finfo_eps(dtype) * np.abs(dy).astype(np.float64).sum(1)
    err = np.abs(grads[2].astype(np.float64).sum(1) - dy.astype(np.float64).sum(1))
    assert np.all(err <= bound), (err, bound)


def test_broadcast_batch_gradients_are_summed(xp):
    q, _, _ = _qkv(xp, batch=(2, 3))
    _, k, v = _qkv(xp, batch=(3,), seed=1)
    y = scaled_dot_product_attention(q, k, v)
    assert y.shape == (2, 3, 4, 3)
    dy = _arr(xp, np.random.default_rng(8).standard_normal((2, 3, 4, 3)))
    dq, dk, dv = scaled_dot_product_attention_vjp(dy, q, k, v, y)
    assert dq.shape == q.shape and dk.shape == k.shape and dv.shape == v.shape
    kb, vb = (_arr(xp, np.broadcast_to(to_numpy(a), (2, *a.shape))) for a in (k, v))
    _, dkb, dvb = scaled_dot_product_attention_vjp(dy, q, kb, vb, y)
    # the explicit copy's gradients summed over the copies: one addition more or less per entry
    assert_close(to_numpy(dk), to_numpy(dkb).sum(0), rtol=4 * EPS64, reason="sum of 2 terms")  # 2 roundings
    assert_close(to_numpy(dv), to_numpy(dvb).sum(0), rtol=4 * EPS64, reason="sum of 2 terms")  # 2 roundings


def test_vjp_reuses_weights(xp):
    q, k, v = _qkv(xp)
    y = scaled_dot_product_attention(q, k, v)
    dy = _arr(xp, np.random.default_rng(9).standard_normal(tuple(y.shape)))
    a = scaled_dot_product_attention_vjp(dy, q, k, v, y)
    b = scaled_dot_product_attention_vjp(dy, q, k, v, y, weights=attention_weights(q, k))
    for g, h in zip(a, b, strict=True):
        np.testing.assert_array_equal(to_numpy(g), to_numpy(h))


def test_explicit_scale(xp):
    q, k, v = _qkv(xp)
    p = to_numpy(attention_weights(q, k, scale=0.25))
    s = to_numpy(q) @ np.swapaxes(to_numpy(k), -1, -2) * 0.25
    expected = np.exp(s) / np.exp(s).sum(-1, keepdims=True)
    assert_close(p, expected, rtol=2 * _claim(4, 5) * EPS64, reason="2 c eps")  # derived in the case


def test_bad_inputs(xp):
    q, k, v = _qkv(xp)
    with pytest.raises(ValueError, match=r"\(3, 5\).*\(2, 4, 5\)"):
        scaled_dot_product_attention(q, k, v, mask=xp.ones((3, 5), dtype=xp.bool))
    with pytest.raises(TypeError, match="mask"):
        scaled_dot_product_attention(q, k, v, mask=xp.ones((4, 5), dtype=xp.int64))
    with pytest.raises(TypeError, match="precision"):
        scaled_dot_product_attention(q, k, v, mask=xp.zeros((4, 5), dtype=xp.float32))
    with pytest.raises(ValueError, match="last axis"):
        scaled_dot_product_attention(q, _arr(xp, np.zeros((2, 5, 3))), v)
    with pytest.raises(ValueError, match="number of keys"):
        scaled_dot_product_attention(q, k, _arr(xp, np.zeros((2, 6, 3))))
    with pytest.raises(TypeError, match="precision"):
        scaled_dot_product_attention(q, _arr(xp, to_numpy(k), "float32"), v)
    with pytest.raises(ValueError, match="shape"):
        scaled_dot_product_attention(_arr(xp, np.zeros(4)), k, v)
    with pytest.raises(ValueError, match="broadcast"):
        scaled_dot_product_attention(q, _arr(xp, np.zeros((3, 5, 4))), _arr(xp, np.zeros((3, 5, 3))))
    with pytest.raises(ValueError, match="shape"):
        scaled_dot_product_attention(q, k, v, dropout_mask=xp.ones((2, 4, 4), dtype=xp.bool), dropout_p=0.5)
    with pytest.raises(TypeError, match="scale"):
        attention_weights(q, k, scale="big")
    y = scaled_dot_product_attention(q, k, v)
    with pytest.raises(ValueError, match="shape"):
        scaled_dot_product_attention_vjp(_arr(xp, np.zeros((2, 4, 2))), q, k, v, y)
    with pytest.raises(TypeError, match="float32"):
        scaled_dot_product_attention_vjp(_arr(xp, to_numpy(y), "float32"), q, k, v, y)


@pytest.mark.parametrize("kind", ["none", "bool", "float", "dropout"])
def test_blocks_of_query_rows_change_nothing(xp, monkeypatch, kind):
    """The forward and the VJP run by blocks of query rows (BLOCK_SCORES scores per block): with blocks of one
    or two rows they equal the one-block result up to the summation order of dk and dv."""
    import specref.ops.attention as attention

    q, _, _ = _qkv(xp, batch=(2, 3), lq=5)
    _, k, v = _qkv(xp, batch=(3,), lk=4, seed=1)
    host = np.random.default_rng(11).random((5, 4)) < 0.6
    host[2] = False
    kw = {"none": {}, "bool": {"mask": xp.asarray(host)},
          "float": {"mask": _arr(xp, np.where(host, 0.5, -np.inf)[None, :, :])},
          "dropout": {"dropout_mask": dropout_mask(12, (2, 3, 5, 4), 0.25, xp=xp), "dropout_p": 0.25}}[kind]
    dy = _arr(xp, np.random.default_rng(13).standard_normal((2, 3, 5, 3)))

    def run():
        y = scaled_dot_product_attention(q, k, v, **kw)
        p = attention_weights(q, k, mask=kw.get("mask"))
        return (y, p, *scaled_dot_product_attention_vjp(dy, q, k, v, y, **kw))

    whole = run()
    for block in (24, 7):  # 24 scores = one row of the (2, 3) batch x 4 keys; 7 < one row: still one row
        monkeypatch.setattr(attention, "BLOCK_SCORES", block)
        assert len(attention._blocks(q, k, v)) == 5
        for a, b in zip(run(), whole, strict=True):
            # the same products; dk and dv add the blocks' terms in another order (5 terms)
            assert_close(to_numpy(a), to_numpy(b), rtol=16 * EPS64, reason="another order of 5-term sums")  # 16 eps


def test_case_is_registered():
    assert [c.name for c in CASES] == ["scaled_dot_product_attention"]
