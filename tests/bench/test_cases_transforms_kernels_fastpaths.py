"""The bench cases of the transforms, the kernels and the fast paths: well formed, their quick points run in
the main venv (torch, JAX and scikit-learn absent: those columns say why), specref's callables return what
the math says (an adjoint's result has the input's shape), and the peers that run here (scipy, pywt, the
dense matrices, the array-API references, the cumsum form) compute what specref computes. No timing asserts.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from specref.bench.case import COMPLEXITIES, PeerUnavailable
from specref.bench.cases import fastpaths, kernels, transforms
from specref.bench.runner import run_case

MODULES = {"transforms": transforms, "kernels": kernels, "fast paths": fastpaths}
CASES = [c for m in MODULES.values() for c in m.CASES]
IDS = [c.name for c in CASES]
FRAMEWORKS = {"torch", "jax", "sklearn"}  # not installed in the main venv


def _setup(case, dtype="float64"):
    point = case.quick[0]
    return point, case.setup(point, dtype, np.random.default_rng(0))


def _leaves(y):
    if isinstance(y, (list, tuple)):
        return [leaf for a in y for leaf in _leaves(a)]
    return [np.asarray(y)]


def test_cases_are_well_formed():
    assert len(set(IDS)) == len(IDS), "two cases share a name"
    for family, module in MODULES.items():
        for case in module.CASES:
            assert case.family == family, case.name
            assert case.grid and len(case.quick) == 1, case.name
            assert set(case.goals) <= set(case.peers), case.name
            if case.sweep is not None:
                assert case.sweep.claim in COMPLEXITIES
                assert set(case.sweep.quick) <= set(case.sweep.values)


def test_the_issue_families_are_covered():
    names = set(IDS)
    assert {"fft", "rfft", "irfft", "fft2", "rfft2", "fftn", "dct", "dst", "idct", "hadamard", "wavedec", "waverec",
            "dwt2", "swt", "mdct", "spectral_pool", "slant", "hermitian_real_2d"} <= names
    assert {"GaussianRFFKernel", "GaussianRFFKernel[cos+sin]", "OrthogonalRandomFeatures",
            "RFFAttentionKernel"} <= names
    assert {"fwht", "dwt_filterbank", "causal_prefix"} <= names
    sweeps = {c.name: c.sweep.claim for c in CASES if c.sweep is not None}
    assert set(sweeps) == names, "every case is swept"
    fast = {"fft", "rfft", "irfft", "dct", "dst", "idct", "mdct", "hadamard", "slant", "fwht", "fft2", "rfft2", "fftn",
            "rfft2_pruned", "irfft2_pruned", "spectral_pool", "spectral_pool2d", "interpolate_periodic"}
    linear = {"dwt", "swt", "wavedec", "waverec", "dwt2", "wavedec2", "swt2", "dwt_filterbank", "causal_prefix",
              "interpolate_linear", "interpolate_bilinear", "hermitian_real", "hermitian_real_2d", "hermitian_half",
              "rotary"}
    features = {"GaussianRFFKernel", "GaussianRFFKernel[cos+sin]", "LaplacianRFFKernel", "OrthogonalRandomFeatures",
                "RFFAttentionKernel", "LearnableSpectralKernel"}
    grams = {"CosineKernel", "PolynomialKernel", "FourierKernel", "PolynomialSpectralKernel"}
    assert sweeps == {**dict.fromkeys(fast, "n log n"), **dict.fromkeys(linear | features, "n"),
                      **dict.fromkeys(grams, "n^2"), "TruncatedSVDKernel": "n^3"}
    # the 2-D and 3-D transforms sweep the pixel count over even powers of two: square images, 4 x r x r volumes
    assert all(math.isqrt(v) ** 2 == v for v in next(c for c in CASES if c.name == "fftn").sweep.values)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_quick_point_runs_here(case):
    rows = run_case(case, quick=True, dtypes=[case.dtypes[0]], repeats=1, budget=0.0)
    assert {r["mode"] for r in rows} == {"forward", "forward_backward"}
    for r in rows:
        assert "specref" in r["times"]
        assert FRAMEWORKS & set(case.peers) <= set(r["unavailable"]), r["unavailable"]
        assert all(r["unavailable"].values())


@pytest.mark.parametrize("case", transforms.CASES, ids=[c.name for c in transforms.CASES])
def test_transform_adjoint_has_the_input_structure(case):
    _, setup = _setup(case)
    assert setup.specref.floor_bytes is None
    assert setup.specref.forward() is not None
    dx = setup.specref.forward_backward()
    assert [a.shape for a in _leaves(dx)] == [a.shape for a in _leaves(setup.data["x"])]


@pytest.mark.parametrize("case", kernels.CASES, ids=[c.name for c in kernels.CASES])
def test_kernel_runs_return(case):
    _, setup = _setup(case, "float32")
    y = setup.specref.forward()
    assert y.dtype == np.float32 and y.shape == setup.data["dy"].shape
    grads = setup.specref.forward_backward()
    dx = grads[0] if isinstance(grads, tuple) else grads
    assert dx.shape == setup.data["x"].shape
    assert setup.specref.floor_bytes > 0


@pytest.mark.parametrize("case", fastpaths.CASES, ids=[c.name for c in fastpaths.CASES])
def test_fast_path_peers_agree(case):
    """The reference and the natural peer compute what the Numba loop computes (forward and backward)."""
    point, setup = _setup(case)
    ours = setup.specref
    for name, build in case.peers.items():
        run = build(setup, point, "float64")
        for a, b in zip(_leaves(ours.forward()), _leaves(run.forward()), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * np.abs(b).max(), err_msg=name)
        if run.forward_backward is not None:
            for a, b in zip(_leaves(ours.forward_backward()), _leaves(run.forward_backward()), strict=True):
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * np.abs(b).max(), err_msg=name)
    assert (ours.floor_bytes is not None) == (case.name == "causal_prefix")


def _local_peers(case):
    return {k: v for k, v in case.peers.items() if k in ("scipy", "pywt", "dense")}


@pytest.mark.parametrize("case", [c for c in transforms.CASES if _local_peers(c)],
                         ids=[c.name for c in transforms.CASES if _local_peers(c)])
def test_transform_peers_compute_the_transform(case):
    """scipy.fft, scipy.signal.resample, pywt and the dense matrices give specref's forward (float64)."""
    point, setup = _setup(case)
    y = _leaves(setup.specref.forward())
    for name, build in _local_peers(case).items():
        try:
            run = build(setup, point, "float64")
        except PeerUnavailable:
            continue
        theirs = _leaves(run.forward())
        assert len(theirs) == len(y), name
        for a, b in zip(y, theirs, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * np.abs(b).max(), err_msg=name)


def test_dense_peer_stops_at_its_size():
    case = next(c for c in transforms.CASES if c.name == "hadamard")
    point = {"B": 2, "n": 2 * transforms.DENSE_MAX}
    setup = case.setup(point, "float32", np.random.default_rng(0))
    with pytest.raises(PeerUnavailable):
        case.peers["dense"](setup, point, "float32")
