"""ssm.hippo: the HiPPO matrices' defining entries, the normal-plus-low-rank identity, the S4D initialisations."""

import math

import numpy as np
import pytest

from specref.ssm.hippo import hippo, nplr, s4d_init


def test_legs_entries():
    a, b = hippo("legs", 4)
    assert a[2, 1] == -math.sqrt(5 * 3) and a[2, 2] == -3.0 and a[1, 2] == 0.0
    assert np.allclose(b, np.sqrt(2 * np.arange(4) + 1), rtol=1e-15)


def test_legt_and_fout_structure():
    a, b = hippo("legt", 5)
    r = np.sqrt(2 * np.arange(5) + 1)
    assert a[3, 1] == pytest.approx(-0.5 * r[3] * r[1]) and a[1, 4] == pytest.approx(0.5 * r[1] * r[4])  # (-1)^(-3)
    a, b = hippo("fout", 6)
    assert b.tolist() == [1.0, 0.0, math.sqrt(2), 0.0, math.sqrt(2), 0.0]
    # the rotation part is skew: A + B B^T = pi (-D+ + D-), frequency 1 on (cos1, sin1) = (2, 3), 2 on (4, 5)
    rot = a + np.outer(b, b)
    assert np.allclose(rot, -rot.T) and rot[3, 2] == pytest.approx(math.pi) and rot[5, 4] == pytest.approx(2 * math.pi)
    assert np.all(rot[:2] == 0) and rot[2, 1] == 0


@pytest.mark.parametrize("measure,n", [("legs", 8), ("legs", 7), ("legt", 8), ("legt", 5), ("fout", 8)])
def test_nplr_reconstructs_a(measure, n):
    a, _ = hippo(measure, n)
    lam, v, p = nplr(measure, n)
    assert np.allclose(v.conj().T @ v, np.eye(n), atol=1e-13)  # unitary (a Hermitian eigenproblem)
    # V diag(L) V^* - P^T P == A: entries of size ~n, a few eps each through the eigensolver
    assert np.abs(v @ np.diag(lam) @ v.conj().T - p.T @ p - a).max() <= 1e-13 * n
    if measure == "legs":
        assert np.allclose(lam.real, -0.5)


def test_s4d_inits_and_bad_input():
    lar, ai = s4d_init("lin", 2, 8)
    assert lar.shape == ai.shape == (2, 4) and np.allclose(np.exp(lar), 0.5)
    assert np.allclose(ai[0], np.pi * np.arange(4))
    _, ai = s4d_init("inv", 1, 8)
    assert ai[0, 0] == pytest.approx(8 / np.pi * (8 - 1))
    with pytest.raises(ValueError, match="even"):
        hippo("fout", 7)
    with pytest.raises(ValueError, match="measure"):
        hippo("lagt", 4)
