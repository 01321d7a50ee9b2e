"""neuraloperator 2.0.0's SpectralConv against specref's spectral convolutions through the weight map.

- Every case of the neuraloperator suite (:mod:`specref.compare.suites.neuraloperator`): 1-D onto
  ``SpectralConv1d``, 2-D onto ``SpectralConv2dTwoCorners``, even sizes, output and the gradients of the input
  and of the complex weight within the derived float32 bounds (neuraloperator computes in complex64:
  ``neuralop_spectralconv_complex64``; the float64 case reports that slug and checks that neuraloperator
  raises).
- The weight map: the round trip (to specref and back by the gradient map: a selection, so mapping specref's
  own parameters as gradients returns the weight, zero-filled row dropped), its refusals (a bias, an odd H,
  modes beyond the spectrum), and the named map.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("neuralop")  # and torch, which it imports

from specref.compare import suites  # noqa: E402
from specref.compare.mapping import NeuralOperatorSpectralConv, weight_map  # noqa: E402

CASES = suites.cases("neuraloperator")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_neuraloperator_case(case):
    cmp = case.run()
    problems = [f"check fails: {c['what']}" for c in cmp.extra.get("checks", ()) if not c["holds"]]
    if case.label.endswith("float64"):  # neuraloperator raises: the finding, reported and checked
        expected = ("float32", "neuralop_spectralconv_complex64", True)
        verdict = (cmp.dtype, cmp.known, bool(cmp.peer_error))
    else:  # complex64 on neuraloperator's side: float32 bounds; the output, the input's and the weight's grads
        expected = ("float32", "", True, ["output", "grad x", "grad weight.tensor"])
        verdict = (cmp.dtype, cmp.known, cmp.passed, [t.name for t in cmp.tensors])
    assert not problems and verdict == expected, f"{problems}\n{cmp.message()}"


def test_suite_covers_1d_and_2d():
    components = {c.component for c in CASES}
    assert components == {"SpectralConv1d", "SpectralConv2dTwoCorners"}
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("shape, n1", [((3, 2, 9), None), ((3, 2, 4, 4), 4), ((2, 3, 5, 4), 5)])
def test_weight_map_round_trip(shape, n1):
    rng = np.random.default_rng(0)
    w = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)
    peer = {"weight.tensor": w}
    wmap = NeuralOperatorSpectralConv()
    input_shape = (2, shape[0], 16) if n1 is None else (2, shape[0], 8, 6)
    ours = wmap.to_specref(peer, input_shape)
    back = wmap.grads_to_peer(ours, peer, input_shape)["weight.tensor"]
    np.testing.assert_array_equal(back, w)
    assert back.dtype == np.complex64
    if n1 is not None:
        m1 = wmap.config(peer, input_shape)["modes"][0]
        assert m1 == (n1 + 1) // 2
        if n1 % 2:  # frequency -m1 is not kept: zero row
            assert not ours["weights2"][:, :, 0].any()


def test_weight_map_refuses():
    w = np.zeros((2, 2, 4, 3), np.complex64)
    wmap = weight_map("neuraloperator_spectral_conv")
    assert isinstance(wmap, NeuralOperatorSpectralConv)
    with pytest.raises(ValueError, match="bias=False"):
        wmap.to_specref({"weight.tensor": w, "bias": np.zeros((2, 1, 1), np.float32)}, (2, 2, 8, 4))
    with pytest.raises(ValueError, match="fftshift"):
        wmap.config({"weight.tensor": w}, (2, 2, 7, 4))
    with pytest.raises(ValueError, match="rfft bins"):
        wmap.config({"weight.tensor": w}, (2, 2, 8, 2))
    with pytest.raises(ValueError, match="complex weight"):
        wmap.config({"weight.tensor": w.real}, (2, 2, 8, 4))
