"""specref.compare.compare with NumPy peers: the result's contents, the weight maps, and bad input.

The peers here are NumPy functions with hand-written backward passes (the main test run has no torch or JAX;
the torch and JAX adapters are exercised in validation/). Each bad input gets its own test: parameters that
do not map (the message lists the expected and found names and shapes), inputs that do not fit the
component, a float32 peer given float64 inputs (a PrecisionWarning, float32 bounds), a peer that raises,
output shapes that differ, and a GPU tensor's move to the host (``gpu``-marked, skipped without a device).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from specref.compare import (
    Comparison,
    GFNetHalfSpectrum,
    PrecisionWarning,
    compare,
)
from specref.compare.mapping import SameNames
from specref.layers.mixing import GlobalFilterMixing


def gfnet(x, weight):
    """A GFNet layer in NumPy: irfft(rfft(x) * W) along axis -2 ("ortho"), W of shape (N//2 + 1, D)."""
    n = x.shape[-2]
    return np.fft.irfft(np.fft.rfft(x, axis=-2, norm="ortho") * weight, n=n, axis=-2, norm="ortho")


def gfnet_vjp(dy, x, weight):
    r"""Its backward in specref's convention (dL/dRe + i dL/dIm).

    irfft's adjoint is c * rfft with c = 1 at DC (and Nyquist for even N), 2 at the interior bins (each
    stands for itself and its mirror), so G = c rfft(dy); then dW = sum over the batch of conj(X) G with
    X = rfft(x), and dx = rfft's adjoint of conj(W) G, which is irfft(conj(W) G / c).
    """
    n = x.shape[-2]
    c = np.full((n // 2 + 1, 1), 2.0)
    c[0] = 1.0
    if n % 2 == 0:
        c[-1] = 1.0
    g = c * np.fft.rfft(dy, axis=-2, norm="ortho")
    dweight = np.sum(np.conj(np.fft.rfft(x, axis=-2, norm="ortho")) * g, axis=tuple(range(x.ndim - 2)))
    dx = np.fft.irfft(np.conj(weight) * g / c, n=n, axis=-2, norm="ortho")
    return dx, {"weight": dweight}


def draw(seed, n, d=3, b=2):
    gen = np.random.default_rng(seed)
    x = gen.standard_normal((b, n, d))
    w = gen.standard_normal((n // 2 + 1, d)) + 1j * gen.standard_normal((n // 2 + 1, d))
    return x, w


@pytest.mark.parametrize("n", [8, 7, 1, 2])
def test_numpy_gfnet_with_vjp_matches(n):
    x, w = draw(n, n)
    result = compare(gfnet, "GlobalFilterMixing", x=x, params={"weight": w}, weights="gfnet_half_spectrum",
                     vjp=gfnet_vjp)
    assert isinstance(result, Comparison)
    assert result.passed, result.message()
    assert [t.name for t in result.tensors] == ["output", "grad x", "grad weight"]
    for t in result.tensors:
        assert t.error <= t.bound.value and "2 c eps" in t.bound.reason and t.cause == ""
    assert result.component == "GlobalFilterMixing" and result.dtype == "float64"
    assert result.config["activation"] == "identity" and result.config["sequence_length"] == n
    js = result.to_json()
    assert js["passed"] and js["tensors"][2]["name"] == "grad weight"


def test_numpy_peer_without_vjp_compares_the_output_only():
    x, w = draw(1, 6)
    result = compare(gfnet, GlobalFilterMixing, x=x, params={"weight": w}, weights=GFNetHalfSpectrum())
    assert result.passed and [t.name for t in result.tensors] == ["output"]
    assert any("vjp" in n for n in result.notes)


def test_real_pair_weight_layout():
    """A half-spectrum weight stored real with a trailing axis of 2 maps the same way, and its gradient
    comes back in that layout."""
    x, w = draw(2, 9)
    pair = np.stack([w.real, w.imag], axis=-1)

    def peer(x, weight):
        return gfnet(x, weight[..., 0] + 1j * weight[..., 1])

    def vjp(dy, x, weight):
        dx, g = gfnet_vjp(dy, x, weight[..., 0] + 1j * weight[..., 1])
        return dx, {"weight": np.stack([g["weight"].real, g["weight"].imag], axis=-1)}

    result = compare(peer, "GlobalFilterMixing", x=x, params={"weight": pair}, weights="gfnet_half_spectrum",
                     vjp=vjp)
    assert result.passed, result.message()
    assert result.tensor("grad weight").index[-1] in (0, 1)


def test_a_wrong_peer_fails_with_the_worst_index():
    x, w = draw(3, 8)
    result = compare(lambda x, weight: gfnet(x, weight) + 1e-6 * (x[..., :1] ** 2), "GlobalFilterMixing", x=x,
                     params={"weight": w}, weights="gfnet_half_spectrum")
    assert not result.passed and not result.explained and result.verdict == "FAIL"
    out = result.tensor("output")
    assert out.error > out.bound.value and len(out.index) == 3
    assert "output" in result.message() and "index" in result.message()


def test_same_names_and_renames():
    """A peer whose parameters carry specref's names (or are renamed by a dict) maps without a WeightMap."""
    layer = GlobalFilterMixing(hidden_dim=3, sequence_length=8, activation="identity", seed=1)
    fr, fi = layer.params["filter_real"], layer.params["filter_imag"]

    def peer(x, filter_real, filter_imag):
        return np.real(np.fft.ifft(np.fft.fft(x, axis=-2, norm="ortho") * (filter_real + 1j * filter_imag),
                                   axis=-2, norm="ortho"))

    x = np.random.default_rng(0).standard_normal((2, 8, 3))
    cfg = {"activation": "identity", "sequence_length": 8, "hidden_dim": 3}
    assert compare(peer, GlobalFilterMixing, x=x, params={"filter_real": fr, "filter_imag": fi},
                   config=cfg).passed

    def renamed(x, re, im):
        return peer(x, re, im)

    result = compare(renamed, GlobalFilterMixing, x=x, params={"re": fr, "im": fi},
                     weights={"re": "filter_real", "im": "filter_imag"}, config=cfg)
    assert result.passed, result.message()
    assert isinstance(SameNames({"a": "b"}).to_specref({"a": 1}, ()), dict)


# ----------------------------------------------------------------------------------------------------------
# bad input


def test_parameters_that_do_not_map_are_named_with_shapes():
    x, _ = draw(4, 8)
    with pytest.raises(ValueError) as info:
        compare(lambda x, w: x, GlobalFilterMixing, x=x, params={"w": np.ones((8, 3))},
                config={"hidden_dim": 3, "sequence_length": 8})
    text = str(info.value)
    assert "expected" in text and "filter_real (8, 3)" in text and "found" in text and "w (8, 3)" in text


def test_half_spectrum_weight_with_a_wrong_row_count():
    x, w = draw(5, 8)
    with pytest.raises(ValueError, match="off-by-one"):
        compare(gfnet, "GlobalFilterMixing", x=x, params={"weight": w[:-1]}, weights="gfnet_half_spectrum")


def test_inputs_that_do_not_fit_the_component():
    _, w = draw(6, 8)
    x = np.ones((2, 8, 4))  # the weight has D = 3
    with pytest.raises(ValueError, match="do not fit specref GlobalFilterMixing"):
        compare(gfnet, "GlobalFilterMixing", x=x, params={"weight": w}, weights="gfnet_half_spectrum")


def test_float32_peer_with_float64_inputs_warns_and_uses_float32_bounds():
    x, w = draw(7, 8)
    w32 = w.astype(np.complex64)
    with pytest.warns(PrecisionWarning, match="float32 bounds"):
        result = compare(lambda x, weight: gfnet(x.astype(np.float32), weight).astype(np.float32),
                         "GlobalFilterMixing", x=x, params={"weight": w32}, weights="gfnet_half_spectrum")
    assert result.dtype == "float32" and result.passed, result.message()
    assert result.tensor("output").bound.value > 1e-6  # float32's epsilon (1.2e-7) times the constant
    assert any("float32" in n for n in result.notes)


def test_float32_inputs_get_float32_bounds():
    x, w = draw(8, 8)
    result = compare(lambda x, weight: gfnet(x, weight).astype(np.float32), "GlobalFilterMixing",
                     x=x.astype(np.float32), params={"weight": w.astype(np.complex64)},
                     weights="gfnet_half_spectrum")
    assert result.dtype == "float32" and result.passed, result.message()


def test_a_peer_that_raises_is_reported():
    x, w = draw(9, 8)

    def broken(x, weight):
        raise RuntimeError("boom")

    result = compare(broken, "GlobalFilterMixing", x=x, params={"weight": w}, weights="gfnet_half_spectrum")
    assert not result.passed and "RuntimeError: boom" in result.peer_error and "boom" in result.message()


def test_output_shapes_that_differ():
    x, w = draw(10, 8)
    result = compare(lambda x, weight: gfnet(x, weight)[..., :-1], "GlobalFilterMixing", x=x,
                     params={"weight": w}, weights="gfnet_half_spectrum")
    assert not result.passed and "output shape" in result.peer_error


def test_unknown_component_and_missing_component():
    x, w = draw(11, 8)
    with pytest.raises(ValueError, match="no component named"):
        compare(gfnet, "GlobalFilterMixin", x=x, params={"weight": w})
    with pytest.raises(TypeError, match="name the specref component"):
        compare(gfnet, x=x, params={"weight": w})
    with pytest.raises(ValueError, match="unknown weight map"):
        compare(gfnet, "GlobalFilterMixing", x=x, params={"weight": w}, weights="gfnet")


def test_user_bounds_override_the_derived_ones():
    x, w = draw(12, 8)
    result = compare(gfnet, "GlobalFilterMixing", x=x, params={"weight": w}, weights="gfnet_half_spectrum",
                     bound=1e-30)
    assert result.tensor("output").bound.reason == "given by the caller"


def test_seeded_inputs_and_cotangent_are_deterministic():
    _, w = draw(13, 8)
    kw = dict(params={"weight": w}, weights="gfnet_half_spectrum", vjp=gfnet_vjp)
    a = compare(gfnet, "GlobalFilterMixing", seed=3, **kw).to_json()
    b = compare(gfnet, "GlobalFilterMixing", seed=3, **kw).to_json()
    assert a == b


def test_importing_compare_imports_neither_torch_nor_jax():
    code = ("import sys, specref.compare, specref.compare.suites, specref.testing; "
            "from specref.testing import assert_matches; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'jax', 'jaxlib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.gpu
def test_gpu_tensors_move_to_the_host_through_dlpack():
    """A torch peer on a CUDA device: compare moves its tensors to the host (to_host: .cpu(), then DLPack)."""
    torch = pytest.importorskip("torch", reason="needs torch with a CUDA device (the peer venv on a GPU)")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA device here")
    from specref.compare.frameworks import to_host

    t = torch.arange(6.0, device="cuda").reshape(2, 3)
    np.testing.assert_array_equal(to_host(t), np.arange(6.0).reshape(2, 3))
