"""ssm.s4d: the kernel equals the recurrent scan's impulse response and the dense matrix exponential (an mpmath
oracle for a small HiPPO system), bad input (the VJP runs in the registry against central differences)."""

import mpmath
import numpy as np
import pytest

from specref.ssm.hippo import nplr
from specref.ssm.s4d import s4d_kernel, ssm_scan

U = np.finfo(np.float64).eps / 2


def _params(rng, h=2, m=3):
    return (np.log(0.5 + rng.random((h, m))), np.pi * np.arange(m) + rng.standard_normal((h, m)),
            rng.standard_normal((h, m, 2)), np.log(np.full(h, 0.05)), rng.standard_normal((h, m, 2)))


@pytest.mark.parametrize("rule", ["zoh", "bilinear"])
def test_the_convolution_with_the_kernel_is_the_scan(rule):
    rng = np.random.default_rng(0)
    lar, ai, c, log_dt, b = _params(rng)
    u = rng.standard_normal((2, 40))
    k = s4d_kernel(lar, ai, c, log_dt, b, length=40, discretization=rule)
    conv = np.stack([np.convolve(u[h], k[h])[:40] for h in range(2)])
    y = ssm_scan(u, lar, ai, c, log_dt, b, discretization=rule)
    # 40 steps of a contraction (|A-bar| < 1): each output accumulates <= 40 roundings per mode, 3 modes
    assert np.abs(y - conv).max() <= 40 * 3 * 8 * U * max(1.0, np.abs(conv).max())


def test_the_vandermonde_kernel_equals_the_matrix_exponential():
    """A real LegS-like system: the normal part S of HiPPO-LegS (N = 4), C and B real; K_l = C expm(dt S)^l B-bar
    with B-bar = S^-1 (expm(dt S) - I) B in 40-digit arithmetic, against s4d_kernel on the eigen-modes (one of
    each conjugate pair, 2 Re)."""
    n, dt, length = 4, 0.1, 6
    lam, v, _ = nplr("legs", n)
    s = (v @ np.diag(lam) @ v.conj().T).real
    rng = np.random.default_rng(1)
    c, b = rng.standard_normal(n), rng.standard_normal(n)
    mpmath.mp.dps = 40
    sm = mpmath.matrix(s.tolist())
    e = mpmath.expm(sm * dt)
    b_bar = mpmath.lu_solve(sm, (e - mpmath.eye(n)) * mpmath.matrix(b.tolist()))
    cm = mpmath.matrix([c.tolist()])
    oracle, x = [], b_bar
    for _ in range(length):
        oracle.append(float((cm * x)[0]))
        x = e * x
    keep = lam.imag > 0  # one of each conjugate pair (N even: no real eigenvalue)
    cd, bd = (c @ v)[keep], (v.conj().T @ b)[keep]
    got = s4d_kernel(np.log(-lam.real[keep])[None], lam.imag[keep][None], np.stack([cd.real, cd.imag], -1)[None],
                     np.log([dt]), np.stack([bd.real, bd.imag], -1)[None], length=length)[0]
    # the eigenvectors carry a few eps (Hermitian eigensolver), the modes ~10 roundings each: 1e-14 normwise
    assert np.abs(got - np.array(oracle)).max() <= 1e-14 * max(1.0, np.abs(oracle).max())


def test_bad_input():
    rng = np.random.default_rng(2)
    lar, ai, c, log_dt, b = _params(rng)
    for bad in (np.array([np.inf, 0.0]), np.array([np.nan, 0.0]), np.array([-1000.0, 0.0])):
        with pytest.raises(ValueError, match="finite and positive"):
            s4d_kernel(lar, ai, c, bad, length=4)
    with pytest.raises(ValueError, match=r"\(H, M, 2\)"):
        s4d_kernel(lar, ai, c[..., :1], log_dt, length=4)
    with pytest.raises(ValueError, match="discretization"):
        s4d_kernel(lar, ai, c, log_dt, length=4, discretization="euler")
    with pytest.raises(TypeError, match="one precision"):
        s4d_kernel(lar.astype(np.float32), ai, c, log_dt, length=4)
    k = s4d_kernel(lar, ai, c, log_dt, length=5)  # B omitted: S4D's B = 1
    assert k.shape == (2, 5)
