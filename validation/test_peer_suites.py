r"""The torch, jax, scipy, pywt and sklearn suites case by case, and what they cover.

Parametrized over :func:`specref.compare.suites.cases` of each peer: a case either passes (every tensor within
its derived bound ``2 c eps``, no peer error), or carries the known difference this test expects for its
configuration, and then the documented peer behaviour is asserted:

- ``scipy_dct_complex_orthogonalize``: complex input with an ``orthogonalize`` other than its default
  (``norm == "ortho"``), for a type with an orthogonalized variant (DCT-I, II, III; DST-II, III): scipy
  computes the default variant, i.e. specref's output with ``orthogonalize`` flipped (within the case's
  bound), while on the real and imaginary parts alone scipy follows the flag; the comparison differs by
  :math:`O(1)`.

The coverage tests check what the brief asks the suites to hold: every FFT pair specref exports, in torch
and JAX (and jax.scipy.fft's type-2 DCT), with every norm, odd and even lengths, a cropped and a padded
length and a non-last axis; every DCT/DST function and type with every norm and ``orthogonalize`` value,
real and complex input, 1-D and n-D; every discrete wavelet and every mode of pywt (the wavelets in dwt,
idwt, wavedec, waverec and dwt2; the modes in all eight wavelet functions). The per-peer "exits 0" runs
are in validation/test_compare_cli.py. Nothing is written.
"""

from __future__ import annotations

import numpy as np
import pytest

from specref.compare import suites
from specref.testing.checks import error_report

PEERS = ("torch", "jax", "scipy", "pywt", "sklearn")
FFT_PAIRS = ("fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn",
             "irfftn")
NORMS = {"backward", "ortho", "forward"}
TRIG = ("dct", "idct", "dst", "idst", "dctn", "idctn", "dstn", "idstn")
WAVELET_FUNCTIONS = ("dwt", "idwt", "wavedec", "waverec", "dwt2", "idwt2", "wavedec2", "waverec2")


def _params():
    out = []
    for peer in PEERS:
        installed, pip = suites.peer_available(peer)
        if not installed:
            out.append(pytest.param(peer, None, None, id=f"{peer}-not-installed",
                                    marks=pytest.mark.skip(reason=f"{peer} is not installed ({pip})")))
            continue
        case_list = suites.cases(peer)
        if peer == "torch":  # torch.nn's cases have their own tests (test_torch_conv_norm, _attention, _transformer)
            case_list = [c for c in case_list if c.component in FFT_PAIRS]
        configs = [None] * len(case_list)
        if peer == "scipy":
            from specref.compare.suites import scipy as scipy_suite

            configs = list(scipy_suite.points())
            assert len(configs) == len(case_list)
        out += [pytest.param(peer, case, config, id=f"{peer}:{case.id}")
                for case, config in zip(case_list, configs, strict=True)]
    return out


PARAMS = _params()


def normwise(a, b) -> float:
    return float(error_report(np.asarray(a), np.asarray(b)).normwise)


# ----------------------------------------------------------------------------------------------------------
# which configurations carry a known difference (the rule of the finding, restated here)


def expected_known(peer: str, config) -> str:
    if peer != "scipy":
        return ""
    name, _, complex_input, kw = config
    orth = kw.get("orthogonalize")
    if not complex_input or orth is None or orth == (kw.get("norm") == "ortho"):
        return ""
    variants = {1, 2, 3} if name in ("dct", "idct", "dctn", "idctn") else {2, 3}
    return "scipy_dct_complex_orthogonalize" if kw["type"] in variants else ""


def documented_scipy_complex_orthogonalize(config, comparison) -> None:
    """scipy(x) = specref(x) with orthogonalize flipped, for complex x; the real and imaginary parts alone
    follow the flag (so it is the complex branch); specref itself is C-linear."""
    import scipy.fft

    import specref.transforms as T

    name, shape, _, kw = config
    rng = np.random.default_rng(7)
    z = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    theirs = getattr(scipy.fft, name)(z, **kw)
    flipped = {**kw, "orthogonalize": kw.get("norm") == "ortho"}
    bound = comparison.tensor("output").bound.value
    ours = getattr(T, name)(z, **kw)
    assert normwise(theirs, getattr(T, name)(z, **flipped)) <= bound
    assert normwise(ours, getattr(T, name)(z.real, **kw) + 1j * getattr(T, name)(z.imag, **kw)) <= bound
    for part in (z.real, z.imag):
        assert normwise(getattr(scipy.fft, name)(part, **kw), getattr(T, name)(part, **kw)) <= bound
    assert normwise(theirs, ours) > 1e-3
    assert comparison.tensor("output").error > 1e-3  # O(1), not rounding


DOCUMENTED = {"scipy_dct_complex_orthogonalize": documented_scipy_complex_orthogonalize}


@pytest.mark.parametrize(("peer", "case", "config"), PARAMS)
def test_suite_case(peer, case, config):
    result = case.run()
    want = expected_known(peer, config)
    assert result.known == want, result.message()
    if want:
        DOCUMENTED[want](config, result)
    else:
        assert result.passed and not result.peer_error, result.message()
        # float64 wherever the peer allows: sklearn's one float32 case is the only other precision
        assert result.dtype == ("float32" if peer == "sklearn" and "float32" in case.label else "float64")


# ----------------------------------------------------------------------------------------------------------
# coverage


def _cases(peer):
    installed, pip = suites.peer_available(peer)
    if not installed:
        pytest.skip(f"{peer} is not installed ({pip})")
    return suites.cases(peer)


@pytest.mark.parametrize("peer", ["torch", "jax"])
def test_fft_suites_cover_every_pair_norm_and_length(peer):
    import specref.transforms as T

    cases = _cases(peer)
    assert set(FFT_PAIRS) <= set(T.__all__)
    assert not {"hfft", "ihfft", "fftshift"} & set(T.__all__), "specref grew an FFT function: add it to the suite"
    by_name = {name: [c for c in cases if c.component == name] for name in FFT_PAIRS}
    for name, got in by_name.items():
        labels = [c.label for c in got]
        assert {lab.split("norm=")[1].split()[0] for lab in labels} == NORMS, name
        if name in ("fft", "ifft", "rfft", "irfft"):
            assert any(" n=" in lab for lab in labels) and any("axis=0" in lab for lab in labels), name
        else:
            assert any(" s=" in lab for lab in labels) and any("axes=" in lab for lab in labels), name
    # odd and even lengths: an odd and an even transform length among the 1-D points
    lengths = {int(c.label.split(" n=")[1].split()[0]) % 2 for c in cases if " n=" in c.label}
    assert lengths == {0, 1}
    assert all(c.run is not None for c in cases)
    if peer == "jax":
        assert any(c.label.endswith("eager") for c in cases) and any(c.label.endswith("jit") for c in cases)
        # jax.scipy.fft's DCT (type 2 only), every norm it accepts, real and complex input
        from specref.compare.suites import jax as jax_suite

        dct = jax_suite.DCT_POINTS
        assert {p[0] for p in dct} == {"dct", "idct", "dctn", "idctn"}
        assert {p[3]["norm"] for p in dct} == {None, "backward", "ortho"} and {p[2] for p in dct} == {False, True}
        assert sum(c.component in ("dct", "idct", "dctn", "idctn") for c in cases) == len(dct)


def test_scipy_suite_covers_every_type_norm_orthogonalize_and_dtype():
    _cases("scipy")
    from specref.compare.suites import scipy as scipy_suite

    points = list(scipy_suite.points())
    for name in TRIG:
        mine = [p for p in points if p[0] == name]
        for t in (1, 2, 3, 4):
            of_type = [p for p in mine if p[3]["type"] == t]
            assert {p[2] for p in of_type} == {False, True}, (name, t)  # real and complex input
            if not name.endswith("n"):
                combos = {(p[3].get("norm"), p[3].get("orthogonalize")) for p in of_type}
                assert {(n, o) for n in (None, "ortho", "forward") for o in (None, True, False)} <= combos
                assert ("backward", None) in combos
        if name.endswith("n"):
            assert {p[3].get("norm") for p in mine} >= {None, "ortho", "forward", "backward"}
            assert {p[3].get("orthogonalize") for p in mine} == {None, True, False}
            assert any(isinstance(p[3].get("axes"), int) for p in mine) and any("s" in p[3] for p in mine)


def test_pywt_suite_covers_every_wavelet_and_mode():
    import pywt

    cases = _cases("pywt")
    wavelets = pywt.wavelist(kind="discrete")
    for name in ("dwt", "idwt", "wavedec", "waverec", "dwt2"):
        named = {c.label.split()[1] for c in cases if c.component == name}
        assert set(wavelets) <= named, (name, sorted(set(wavelets) - named))
    for name in WAVELET_FUNCTIONS:
        modes = {c.label.split()[2] for c in cases if c.component == name}
        assert set(pywt.Modes.modes) <= modes, (name, sorted(set(pywt.Modes.modes) - modes))
    # odd and even lengths along the transformed axis, a non-last axis, per-axis wavelets in 2-D
    assert any("axis=0" in c.label for c in cases) and any("(haar,db3)" in c.label for c in cases)
