"""specref functions as comparison targets (specref.compare.functions): NumPy peers with hand-written backwards.

The peer is numpy.fft with its adjoint written by hand from the DFT matrix (or pywt, forward only); specref's
side is the function's forward and its registered adjoint, with the bound derived from the function's verify
case (2 c eps with the case's c). A planted bug in the peer's backward fails on the gradient only.
"""

from __future__ import annotations

import numpy as np
import pytest

from specref.compare import compare
from specref.compare.bounds import EPS
from specref.compare.functions import find_case, function_pairing, pack, unpack
from specref.testing.tolerances import Bound, fft_error_scale
from specref.transforms import dwt, fft, irfft, rfft, wavedec

NORMS = ("backward", "ortho", "forward")


def scale(n: int, norm: str) -> float:
    return {"backward": 1.0, "ortho": 1.0 / np.sqrt(n), "forward": 1.0 / n}[norm]


def rfft_peer(norm):
    def peer(x):
        return np.fft.rfft(x, norm=norm)

    return peer


def rfft_vjp(norm, *, factor=1.0):
    r"""The adjoint of rfft in the real inner product: the gradient of Re sum(conj(dy) rfft(x)) is
    Re(F_half^H dy) = s Re sum_k conj(e^{-2 pi i jk/n}) dy_k, written from the dense half DFT matrix."""

    def vjp(dy, x):
        n = x.shape[-1]
        k = np.arange(n // 2 + 1)[:, None]
        j = np.arange(n)[None, :]
        f = scale(n, norm) * np.exp(-2j * np.pi * k * j / n)
        return factor * np.real(dy @ np.conj(f))  # factor != 1: a planted bug (a wrong norm in the backward)

    return vjp


@pytest.mark.parametrize("n", [8, 7, 1, 2])
@pytest.mark.parametrize("norm", NORMS)
def test_numpy_rfft_with_a_hand_written_vjp_matches(n, norm):
    x = np.random.default_rng(n).standard_normal((3, n))
    result = compare(rfft_peer(norm), rfft, x=x, config={"norm": norm}, vjp=rfft_vjp(norm))
    assert result.passed, result.message()
    assert [t.name for t in result.tensors] == ["output", "grad x"]
    c = fft_error_scale(n)  # rfft's case: c = 2 (1 + log2 N) over the transform's N points
    out, grad = result.tensor("output"), result.tensor("grad x")
    assert out.bound.value == pytest.approx(2 * c * EPS["float64"])
    assert grad.bound.value == out.bound.value  # the adjoint has the forward's error scale
    assert "verify case 'rfft'" in out.bound.reason and "2 c eps" in out.bound.reason
    assert result.component == "rfft" and result.config == {"norm": norm}


def test_a_planted_bug_in_the_peer_backward_fails_on_the_gradient_only():
    x = np.random.default_rng(0).standard_normal((2, 8))
    result = compare(rfft_peer("ortho"), rfft, x=x, config={"norm": "ortho"},
                     vjp=rfft_vjp("ortho", factor=0.5))
    assert not result.passed and result.verdict == "FAIL"
    assert result.tensor("output").passed and not result.tensor("grad x").passed
    assert result.tensor("grad x").error == pytest.approx(0.5)  # max|g/2 - g| / max|g|


def test_complex_fft_with_its_adjoint_and_config():
    """fft's adjoint is n ifft for "backward": F^H dy. The keywords reach specref through config=."""
    gen = np.random.default_rng(3)
    x = gen.standard_normal((2, 5)) + 1j * gen.standard_normal((2, 5))

    def peer(x):
        return np.fft.fft(x, n=8)

    def vjp(dy, x):
        return (8 * np.fft.ifft(dy))[..., :5]  # F^H dy, then the adjoint of zero-padding 5 -> 8: crop

    result = compare(peer, fft, x=x, config={"n": 8}, vjp=vjp)
    assert result.passed, result.message()
    assert result.tensor("output").bound.value == pytest.approx(2 * fft_error_scale(8) * EPS["float64"])


def test_irfft_odd_length_forward_only_and_float32():
    x = (np.random.default_rng(4).standard_normal((2, 4)) + 1j).astype(np.complex64)
    result = compare(lambda z: np.fft.irfft(z, n=7).astype(np.float32), irfft, x=x, config={"n": 7})
    assert result.passed, result.message()
    assert result.dtype == "float32" and [t.name for t in result.tensors] == ["output"]
    assert result.tensor("output").bound.value == pytest.approx(2 * fft_error_scale(7) * EPS["float32"])


def test_inputs_are_drawn_from_the_case_when_x_is_omitted():
    result = compare(rfft_peer("backward"), rfft, vjp=rfft_vjp("backward"))
    assert result.passed, result.message()
    assert result.tensor("output").peer_value is not None


def test_tuple_and_list_outputs_are_packed():
    """dwt's (cA, cD) stacked as numpy.asarray does; wavedec's ragged list raveled and concatenated."""
    pywt = pytest.importorskip("pywt")
    x = np.random.default_rng(5).standard_normal((2, 13))
    r1 = compare(lambda x: pywt.dwt(x, "db2", mode="periodization"), dwt, x=x,
                 config={"wavelet": "db2", "mode": "periodization"})
    assert r1.passed, r1.message()
    r2 = compare(lambda x: pack(pywt.wavedec(x, "db2", level=2)), wavedec, x=x,
                 config={"wavelet": "db2", "level": 2})
    assert r2.passed, r2.message()


def test_wavedec_backward_through_the_packed_cotangent():
    """The cotangent of a packed output is split back into wavedec's list before its adjoint runs: a peer
    whose backward is specref's own adjoint matches exactly."""
    from specref.transforms import wavedec_adjoint

    x = np.random.default_rng(6).standard_normal((2, 11))
    kw = {"wavelet": "haar", "level": 2}
    like = wavedec(x, **kw)

    def vjp(dy, x):
        return wavedec_adjoint(unpack(dy, like), input_shape=x.shape, **kw)

    result = compare(lambda x: pack(wavedec(x, **kw)), wavedec, x=x, config=kw, vjp=vjp)
    assert result.passed and result.tensor("grad x").error == 0.0, result.message()


def test_pack_and_unpack_round_trip():
    same = (np.arange(3.0), np.arange(3.0) + 10)
    assert pack(same).shape == (2, 3)
    ragged = [np.ones((2, 2)), np.arange(3.0), (np.zeros(1), np.full(2, 5.0))]
    flat = pack(ragged)
    assert flat.shape == (4 + 3 + 1 + 2,)
    back = unpack(flat, ragged)
    assert isinstance(back, list) and isinstance(back[2], tuple)
    for a, b in zip([back[0], back[1], *back[2]], [ragged[0], ragged[1], *ragged[2]], strict=True):
        assert np.array_equal(a, b)
    assert unpack(pack(same), same)[1][2] == 12.0
    with pytest.raises(ValueError, match="no arrays"):
        pack([])


def test_find_case_in_the_module_and_the_registry():
    assert find_case(rfft).name == "rfft" and find_case(rfft).forward is rfft
    assert find_case(wavedec).name == "wavedec"
    assert find_case(lambda x: x) is None


def test_a_function_without_a_case_needs_a_bound():
    from specref.kernels import rff_features

    gen = np.random.default_rng(7)
    x, omega, bias = gen.standard_normal((3, 2)), gen.standard_normal((2, 4)), gen.uniform(0, 2 * np.pi, 4)

    def peer(x, omega, bias):
        return np.sqrt(2.0 / omega.shape[1]) * np.cos(x @ omega + bias)

    with pytest.raises(ValueError, match="no verify case is registered for rff_features.*pass bound="):
        compare(peer, rff_features, x=(x, omega, bias))
    bound = Bound(1e-14, "given by the test")
    result = compare(peer, rff_features, x=(x, omega, bias), bound=(bound, bound))
    assert result.passed, result.message()
    assert any("no verify case of its own" in n and "rff_features_vjp" in n for n in result.notes)


def test_params_are_refused_for_a_function_and_inputs_are_required_without_a_case():
    with pytest.raises(ValueError, match=r"its arrays are inputs; pass them in x=\(\.\.\.\)"):
        function_pairing(rfft, {"w": np.ones(2)}, ((4,),), config={}, dtype="float64")

    def lonely(x):
        return x

    with pytest.raises(ValueError, match="cannot draw inputs for lonely"):
        function_pairing(lonely, {}, None, config={}, dtype="float64")


def test_error_scale_that_needs_unseen_parameters_asks_for_a_bound():
    from specref.compare.mapping import Pairing

    pairing = function_pairing(rfft, {}, ((2, 8),), config={}, dtype="float64")
    assert isinstance(pairing, Pairing)
    fwd, grad = pairing.bounds(((2, 8),), "float64")
    assert fwd.value == pytest.approx(2 * fft_error_scale(8) * EPS["float64"])
    with pytest.raises(ValueError, match="needs parameters this call does not show"):
        pairing.bounds((), "float64")


def test_an_int_axes_keyword_is_accepted():
    """``dctn(axes=1)``: an int where a tuple is usual (the pairing's spectral axes wrap it)."""
    import scipy.fft

    from specref.transforms import dctn

    x = np.random.default_rng(4).standard_normal((3, 6))
    result = compare(lambda x: scipy.fft.dctn(x, axes=1, norm="ortho"), dctn, x=x,
                     config={"axes": 1, "norm": "ortho"})
    assert result.passed, result.message()
