r"""specref.compare's diagnosis: each recognised cause on a planted bug, and no cause where none applies.

The peers are NumPy functions (this suite has neither torch nor JAX). The reference peer is a GFNet layer,
:math:`y = \mathrm{irfft}(\mathrm{rfft}(x)\odot W)` along the sequence axis with a complex half-spectrum
weight :math:`W` of shape ``(N//2 + 1, D)``, and a hand-written VJP in PyTorch's convention
(:math:`\partial L/\partial a + i\,\partial L/\partial b` for :math:`W = a + ib`): with :math:`X =
\mathrm{rfft}(x)`, :math:`G = \mathrm{rfft}(dy)` and the Hermitian weights :math:`h_k` (1 at DC and Nyquist,
2 between),

.. math:: \bar x = \mathrm{irfft}(\overline W \odot G), \qquad \bar W = \textstyle\sum_{batch} h \odot
          \overline X \odot G,

(the weights cancel in :math:`\bar x`: irfft counts the interior bins twice). Each planted bug changes one
line of it.
"""

from __future__ import annotations

import numpy as np
import pytest

from specref.compare import ComparisonError, compare
from specref.testing import assert_matches

D = 4  # hidden size


def _rfft(a, norm="ortho"):
    return np.fft.rfft(a, axis=-2, norm=norm)


def _irfft(a, n, norm="ortho"):
    return np.fft.irfft(a, n=n, axis=-2, norm=norm)


def _hermitian(n):
    """The weights of a one-sided spectrum's bins: 1 at DC (and Nyquist for even n), 2 between."""
    h = np.full(n // 2 + 1, 2.0)
    h[0] = 1.0
    if n % 2 == 0:
        h[-1] = 1.0
    return h[:, None]


def _batch_sum(a):
    return a.reshape(-1, *a.shape[-2:]).sum(axis=0)


def gfnet(x, weight):
    return _irfft(_rfft(x) * weight, x.shape[-2])


def gfnet_vjp(dy, x, weight):
    n = x.shape[-2]
    g = _rfft(dy)
    return (_irfft(np.conj(weight) * g, n),), {"weight": _batch_sum(_hermitian(n) * np.conj(_rfft(x)) * g)}


def _setup(n, seed=0):
    rng = np.random.default_rng([n, seed])
    x = rng.standard_normal((3, n, D))
    k = n // 2 + 1
    w = rng.standard_normal((k, D)) + 1j * rng.standard_normal((k, D))
    return x, w


def _gf_compare(peer, vjp, n, **kw):
    x, w = _setup(n)
    return compare(peer, "GlobalFilterMixing", x=x, params={"weight": w}, weights="gfnet_half_spectrum", vjp=vjp,
                   **kw)


def _causes(result):
    return {t.name: t.cause for t in result.tensors if t.cause}


@pytest.mark.parametrize("n", [7, 8])
def test_a_correct_gfnet_passes_and_carries_no_cause(n):
    result = _gf_compare(gfnet, gfnet_vjp, n)
    assert result.passed, result.message()
    assert [t.name for t in result.tensors] == ["output", "grad x", "grad weight"]
    assert not _causes(result)


# ----------------------------------------------------------------------------------------------------------
# 1. a conjugated weight: y = irfft(X conj(W)); its exact gradient is conj of the gradient at conj(W)


def gfnet_conjugated(x, weight):
    return gfnet(x, np.conj(weight))


def gfnet_conjugated_vjp(dy, x, weight):
    (dx,), grads = gfnet_vjp(dy, x, np.conj(weight))
    return (dx,), {"weight": np.conj(grads["weight"])}


@pytest.mark.parametrize("n", [7, 8])
def test_a_conjugated_weight_is_named_on_every_tensor(n):
    result = _gf_compare(gfnet_conjugated, gfnet_conjugated_vjp, n)
    assert not result.passed
    causes = _causes(result)
    assert set(causes) == {"output", "grad x", "grad weight"}, result.message()
    for cause in causes.values():
        assert "complex conjugate of weight 'weight'" in cause
        assert "Fix:" in cause


def test_a_conjugated_weight_in_a_real_imaginary_pair_layout():
    x, w = _setup(8)
    pair = np.stack([w.real, w.imag], axis=-1)  # (K, D, 2), as torch.view_as_real

    def peer(x, weight):
        return gfnet_conjugated(x, weight[..., 0] + 1j * weight[..., 1])

    result = compare(peer, "GlobalFilterMixing", x=x, params={"weight": pair}, weights="gfnet_half_spectrum")
    assert "complex conjugate of weight 'weight'" in result.tensor("output").cause


# ----------------------------------------------------------------------------------------------------------
# 2. a norm mismatch


def gfnet_mixed_norms(x, weight):  # rfft "backward", irfft "ortho": sqrt(N) times the layer
    return _irfft(_rfft(x, norm="backward") * weight, x.shape[-2], norm="ortho")


def gfnet_mixed_norms_vjp(dy, x, weight):
    (dx,), grads = gfnet_vjp(dy, x, weight)
    c = np.sqrt(x.shape[-2])
    return (c * dx,), {"weight": c * grads["weight"]}


@pytest.mark.parametrize("n", [7, 8])
def test_a_transform_pair_with_mixed_norms_is_named(n):
    result = _gf_compare(gfnet_mixed_norms, gfnet_mixed_norms_vjp, n)
    causes = _causes(result)
    assert set(causes) == {"output", "grad x", "grad weight"}, result.message()
    assert "sqrt(N)" in causes["output"] and f"N = {n} along axis -2" in causes["output"]
    assert "do not pair their normalisations" in causes["output"]
    assert "forward norm='backward' with inverse norm='ortho'" in causes["output"]


def test_a_backward_norm_against_specref_ortho_is_named():
    x = np.random.default_rng(3).standard_normal((2, 8, D))
    result = compare(lambda x: np.fft.fft(x, axis=-2).real, "FourierMixing1D", x=x, config={"hidden_dim": D})
    cause = result.tensor("output").cause
    assert "sqrt(N)" in cause
    assert "norm='backward' where specref's FourierMixing1D has fft_norm='ortho'" in cause


# ----------------------------------------------------------------------------------------------------------
# 3. a backward without the Hermitian weights: the input gradient right, the weight's wrong


def gfnet_vjp_without_hermitian_weights(dy, x, weight):
    (dx,), _ = gfnet_vjp(dy, x, weight)
    return (dx,), {"weight": _batch_sum(np.conj(_rfft(x)) * _rfft(dy))}


@pytest.mark.parametrize("n", [7, 8])
def test_a_missing_hermitian_weight_is_named_on_the_weight_gradient(n):
    result = _gf_compare(gfnet, gfnet_vjp_without_hermitian_weights, n)
    assert result.tensor("output").passed and result.tensor("grad x").passed
    assert not result.tensor("grad weight").passed
    assert set(_causes(result)) == {"grad weight"}
    cause = result.tensor("grad weight").cause
    assert "half of it at the interior bins" in cause and "count twice" in cause
    assert ("specref's at DC and Nyquist (k = 0, N/2)" in cause) == (n % 2 == 0)


# ----------------------------------------------------------------------------------------------------------
# 4. dropped negative frequencies: a full fft, the negative half zeroed, ifft, real part


def gfnet_one_sided(x, weight):
    n = x.shape[-2]
    z = np.zeros(x.shape, dtype=complex)
    z[..., : n // 2 + 1, :] = np.fft.fft(x, axis=-2, norm="ortho")[..., : n // 2 + 1, :] * weight
    return np.fft.ifft(z, axis=-2, norm="ortho").real


def gfnet_one_sided_vjp(dy, x, weight):
    # The forward is S applied to the layer, S halving the interior bins (self-adjoint, commuting with the
    # filter): its VJP is the layer's VJP of S dy.
    n = x.shape[-2]
    return gfnet_vjp(_irfft(_rfft(dy) / _hermitian(n), n), x, weight)


@pytest.mark.parametrize("n", [7, 8])
def test_dropped_negative_frequencies_before_a_real_part_are_named(n):
    result = _gf_compare(gfnet_one_sided, gfnet_one_sided_vjp, n)
    causes = _causes(result)
    assert set(causes) == {"output", "grad x", "grad weight"}, result.message()
    assert "half of it at every other bin" in causes["output"]
    assert "negative frequencies were dropped" in causes["output"]
    assert "negative frequencies dropped" in causes["grad weight"]  # not a missing Hermitian weight


def test_dropped_negative_frequencies_of_a_spectrum_output_are_named():
    x = np.random.default_rng(4).standard_normal((2, 9, D))

    def peer(x):
        z = np.fft.fft(x, axis=-2, norm="ortho")
        z[..., x.shape[-2] // 2 + 1:, :] = 0
        return z.real

    result = compare(peer, "FourierMixing1D", x=x, config={"hidden_dim": D})
    assert "zero on the negative ones" in result.tensor("output").cause


# ----------------------------------------------------------------------------------------------------------
# 5. an off-by-one mode count: the last rfft bin (Nyquist for even N) dropped


def _mask(n):
    m = np.ones((n // 2 + 1, 1))
    m[-1] = 0.0
    return m


def gfnet_one_bin_short(x, weight):
    return gfnet(x, _mask(x.shape[-2]) * weight)


def gfnet_one_bin_short_vjp(dy, x, weight):
    (dx,), grads = gfnet_vjp(dy, x, _mask(x.shape[-2]) * weight)
    return (dx,), {"weight": _mask(x.shape[-2]) * grads["weight"]}


@pytest.mark.parametrize("n", [7, 8])
def test_one_bin_too_few_is_an_off_by_one_mode_count(n):
    result = _gf_compare(gfnet_one_bin_short, gfnet_one_bin_short_vjp, n)
    causes = _causes(result)
    assert set(causes) == {"output", "grad x", "grad weight"}, result.message()
    for cause in causes.values():
        assert "off-by-one in the number of modes" in cause
    expected = "the Nyquist bin" if n % 2 == 0 else f"bin {n // 2} and its mirror {n - n // 2}"
    assert expected in causes["output"]


def test_one_bin_too_few_in_a_spectrum_output_is_an_off_by_one():
    x = np.random.default_rng(5).standard_normal((2, 8, D))

    def peer(x):
        z = np.fft.fft(x, axis=-2, norm="ortho")
        z[..., 4, :] = 0  # keeps bins 0..3 and 5..7: the Nyquist bin lost
        return z.real

    result = compare(peer, "FourierMixing1D", x=x, config={"hidden_dim": D})
    assert "off-by-one in the number of modes" in result.tensor("output").cause


def test_a_weight_gradient_one_row_short_is_an_off_by_one():
    def vjp(dy, x, weight):
        (dx,), grads = gfnet_vjp(dy, x, weight)
        return (dx,), {"weight": grads["weight"][:-1]}

    result = _gf_compare(gfnet, vjp, 8)
    assert result.tensor("output").passed and result.tensor("grad x").passed
    cause = result.tensor("grad weight").cause
    assert "one fewer along axis 0" in cause and "off-by-one" in cause


def test_a_half_spectrum_weight_one_row_short_is_refused_as_an_off_by_one():
    x, w = _setup(8)
    with pytest.raises(ValueError, match="off-by-one"):
        compare(gfnet, "GlobalFilterMixing", x=x, params={"weight": w[:-1]}, weights="gfnet_half_spectrum")


# ----------------------------------------------------------------------------------------------------------
# 6. JAX's conjugate convention handed through a NumPy peer's vjp=


def gfnet_vjp_jax_convention(dy, x, weight):
    (dx,), grads = gfnet_vjp(dy, x, weight)
    return (dx,), {"weight": np.conj(grads["weight"])}


@pytest.mark.parametrize("n", [7, 8])
def test_jax_conjugate_convention_is_named_on_the_gradient(n):
    result = _gf_compare(gfnet, gfnet_vjp_jax_convention, n)
    assert result.tensor("output").passed
    assert set(_causes(result)) == {"grad weight"}
    cause = result.tensor("grad weight").cause
    assert "JAX's convention (dL/da - i dL/db" in cause
    assert "specref.interop.gradients.from_jax_grad" in cause


# ----------------------------------------------------------------------------------------------------------
# no false recognition


def _noisy(f, size=1e-3):
    def peer(x, weight):
        y = f(x, weight)
        return y + size * np.random.default_rng(11).standard_normal(y.shape) * np.max(np.abs(y))

    return peer


def gfnet_vjp_noisy(dy, x, weight):
    (dx,), grads = gfnet_vjp(dy, x, weight)
    g = grads["weight"]
    noise = np.random.default_rng(12).standard_normal(g.shape + (2,)) @ np.array([1.0, 1j])
    return (dx,), {"weight": g + 1e-3 * np.max(np.abs(g)) * noise}


@pytest.mark.parametrize("n", [7, 8])
def test_a_generic_disagreement_carries_no_cause(n):
    result = _gf_compare(_noisy(gfnet), gfnet_vjp_noisy, n)
    assert not result.tensor("output").passed and not result.tensor("grad weight").passed
    assert not _causes(result), result.message()


def test_an_unrelated_weight_carries_no_cause():
    x, w = _setup(8)
    other = _setup(8, seed=1)[1]
    result = compare(lambda x, weight: gfnet(x, other), "GlobalFilterMixing", x=x, params={"weight": w},
                     weights="gfnet_half_spectrum")
    assert not result.passed and not _causes(result)


# ----------------------------------------------------------------------------------------------------------
# the pytest helper


def test_assert_matches_says_the_tensor_the_error_the_index_and_the_cause():
    x, w = _setup(8)
    with pytest.raises(ComparisonError) as info:
        assert_matches(gfnet, "GlobalFilterMixing", x=x, params={"weight": w}, weights="gfnet_half_spectrum",
                       vjp=gfnet_vjp_without_hermitian_weights)
    text = str(info.value)
    result = _gf_compare(gfnet, gfnet_vjp_without_hermitian_weights, 8)
    failing = result.tensor("grad weight")
    assert "grad weight" in text
    assert f"{failing.error:.3e}" in text
    assert "index" in text and str(failing.index) in text
    assert failing.cause and failing.cause in text


def test_assert_matches_returns_a_passing_comparison():
    x, w = _setup(7)
    result = assert_matches(gfnet, "GlobalFilterMixing", x=x, params={"weight": w}, weights="gfnet_half_spectrum",
                            vjp=gfnet_vjp)
    assert result.passed


def test_a_jax_peer_conjugated_twice_is_named(monkeypatch):
    """compare() converts a JAX peer's gradients itself: a conjugate left after that is a second one."""
    import dataclasses

    import specref.compare.diagnose as diagnose

    seen = []
    explain = diagnose.explain
    monkeypatch.setattr(diagnose, "explain", lambda ev: seen.append(ev) or explain(ev))
    _gf_compare(gfnet, gfnet_vjp_jax_convention, 8)
    causes = explain(dataclasses.replace(seen[0], framework="jax"))
    assert set(causes) == {"grad weight"}
    assert "conjugated twice" in causes["grad weight"]


def test_recognitions_hold_in_float32():
    x, w = _setup(16)
    result = compare(lambda x, weight: gfnet(x, weight).astype(np.float32), "GlobalFilterMixing",
                     x=x.astype(np.float32), params={"weight": w.astype(np.complex64)},
                     weights="gfnet_half_spectrum",
                     vjp=lambda dy, x, weight: ((gfnet_vjp(dy, x, weight)[0][0].astype(np.float32),),
                                                {"weight": gfnet_vjp_without_hermitian_weights(dy, x, weight)[1]
                                                 ["weight"].astype(np.complex64)}))
    assert result.dtype == "float32"
    assert set(_causes(result)) == {"grad weight"}
    assert "half of it at the interior bins" in result.tensor("grad weight").cause


def test_a_conjugated_weight_held_as_real_and_imaginary_partners():
    """spectrans's layout: full-length filters ``filter_real``, ``filter_imag`` (specref's own names)."""
    rng = np.random.default_rng(6)
    x, fr, fi = rng.standard_normal((2, 8, D)), rng.standard_normal((8, D)), rng.standard_normal((8, D))

    def peer(x, filter_real, filter_imag):
        spectrum = np.fft.fft(x, axis=-2, norm="ortho") * (filter_real - 1j * filter_imag)
        return np.fft.ifft(spectrum, axis=-2, norm="ortho").real

    result = compare(peer, "GlobalFilterMixing", x=x, params={"filter_real": fr, "filter_imag": fi},
                     config={"hidden_dim": D, "sequence_length": 8, "activation": "identity"})
    assert "complex conjugate of weight 'filter_real + i filter_imag'" in result.tensor("output").cause
