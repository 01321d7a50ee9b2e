r"""torch-dct and ptwt against specref's transforms, through ``specref.compare`` (the suites
:mod:`specref.compare.suites.torch_dct` and :mod:`specref.compare.suites.ptwt`).

Each suite case compares the output and the autograd input gradient with specref's function and adjoint
under the derived bound ``2 c eps``. A case passes, or carries the known difference this test expects for
its configuration, and then the documented peer behaviour is asserted (what the finding in
``validation/findings/<slug>.md`` says, by the method of its reproduction script):

- ``torch_dct_lineardct_float32``: the ``LinearDCT(...).double()`` weight is the DCT matrix to float32
  accuracy only (error between 100 eps64 and 100 eps32), while the same layer built under
  ``torch.set_default_dtype(torch.float64)`` agrees with specref;
- ``ptwt_short_signal_padding``: ptwt raised torch's padding RuntimeError on a signal shorter than its pad,
  where pywt (and specref, equal to it) computes the transform;
- ``ptwt_swt_circular_wrap``: one level's pads straddle the length (``0 < D(F/2-1) < N < DF/2``); specref's
  ``swt`` equals the periodic formula evaluated directly, ptwt's differs by O(0.01 ... 1).

Outside the suites: every ptwt mode is covered for wavedec and wavedec2, the case ids are unique, the SWT cases
exist exactly when specref has ``swt``, the CLI runs the torch-dct suite and selects one ptwt component, and
importing the suites imports neither torch nor the peers.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch_dct = pytest.importorskip("torch_dct")
ptwt = pytest.importorskip("ptwt")
pywt = pytest.importorskip("pywt")

import specref.transforms as T  # noqa: E402
from specref.cli import main  # noqa: E402
from specref.compare import suites  # noqa: E402
from specref.compare.suites import ptwt as ptwt_suite  # noqa: E402
from specref.compare.suites import torch_dct as dct_suite  # noqa: E402

torch.set_num_threads(1)

# ptwt and specref (like pywt) compute levels above pywt's maximum, specref with pywt's UserWarning.
pytestmark = pytest.mark.filterwarnings("ignore:Level value of:UserWarning")

DCT_CASES = suites.cases("torch-dct")
PTWT_CASES = suites.cases("ptwt")


def normwise(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / np.abs(b).max())


@pytest.mark.parametrize("case", DCT_CASES, ids=[c.id for c in DCT_CASES])
def test_torch_dct_case(case):
    result = case.run()
    assert not result.peer_error, result.message()
    names = [t.name for t in result.tensors]
    assert names == ["output", "grad x"], names
    if result.passed:
        assert not case.label.startswith("LinearDCT"), "LinearDCT agreed: finding torch_dct_lineardct_float32 is gone"
        return
    assert result.known == dct_suite.LINEAR_DCT_KNOWN and case.label.startswith("LinearDCT"), result.message()
    kind, name, shape, keywords = next(p for p in dct_suite.LINEAR_POINTS if case.label.startswith(
        f"LinearDCT({p[0]!r}) x{p[2]}".replace(" ", "")))
    n = shape[-1]
    exact = getattr(T, name)(np.eye(n), **keywords).T  # rows = outputs: nn.Linear's weight
    weight = torch_dct.LinearDCT(n, kind, norm=keywords.get("norm")).double().weight.detach().numpy()
    err = normwise(weight, exact)
    assert 100 * 2.0**-52 < err < 100 * 2.0**-23, err  # float32-sized, not float64-sized
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        built64 = torch_dct.LinearDCT(n, kind, norm=keywords.get("norm")).weight.detach().numpy()
    finally:
        torch.set_default_dtype(previous)
    assert normwise(built64, exact) < 64 * 2.0**-52


def _swt_direct(x, wavelet, level):
    """[cA_L, cD_L, ..., cD_1]: a_n = sum_k h_k a_{(n + D F/2 - D k) mod N} per level (last axis)."""
    w = pywt.Wavelet(wavelet)
    h, g = np.array(w.dec_lo), np.array(w.dec_hi)
    n, f = x.shape[-1], len(h)
    a, details = x, []
    for j in range(level):
        d = 2**j
        idx = np.mod(np.arange(n)[:, None] + d * f // 2 - d * np.arange(f)[None, :], n)
        a, det = a[..., idx] @ h, a[..., idx] @ g
        details.append(det)
    return [a, *details[::-1]]


def _short_point(case):
    for name, wavelet, shape, mode, level, axes in ptwt_suite.POINTS_SHORT:
        if case.component == name and case.label.startswith(f"x{shape}".replace(" ", "") + f" {wavelet} {mode} "):
            return name, wavelet, shape, mode, level, axes
    raise AssertionError(f"no short point for {case.id}")


@pytest.mark.parametrize("case", PTWT_CASES, ids=[c.id for c in PTWT_CASES])
def test_ptwt_case(case):
    result = case.run()
    if result.passed:
        assert [t.name for t in result.tensors] == ["output", "grad x"], result.message()
        return
    if result.known == ptwt_suite.SHORT_KNOWN:
        name, wavelet, shape, mode, level, axes = _short_point(case)
        assert result.peer_error.startswith("RuntimeError") and "adding" in result.peer_error, result.peer_error
        x = np.random.default_rng(0).standard_normal(shape)
        kw = {"axes": axes} if name == "wavedec2" else {"axis": axes}
        ours, theirs = getattr(T, name)(x, wavelet, mode=mode, level=level, **kw), \
            getattr(pywt, name)(x, wavelet, mode=mode, level=level, **kw)
        from specref.compare.functions import pack

        assert normwise(pack(ours), pack(theirs)) < 1e-12  # defined, and pywt computes it
        return
    assert result.known == ptwt_suite.SWT_KNOWN, result.message()
    wavelet, shape, level, axis = next(p for p in ptwt_suite.POINTS_SWT if case.label.startswith(
        f"x{p[1]}".replace(" ", "") + f" {p[0]} level={p[2]}"))
    assert axis == -1
    x = np.random.default_rng(1).standard_normal(shape)
    direct = _swt_direct(x, wavelet, level)
    ours = T.swt(x, wavelet, level=level, trim_approx=True)
    assert max(normwise(a, b) for a, b in zip(ours, direct, strict=True)) < 1e-13
    theirs = [c.numpy() for c in ptwt.swt(torch.tensor(x), wavelet, level=level)]
    assert max(normwise(a, b) for a, b in zip(theirs, direct, strict=True)) > 1e-3


def test_ptwt_suite_covers_every_mode_and_has_unique_ids():
    ids = [c.id for c in PTWT_CASES]
    assert len(ids) == len(set(ids))
    assert len({c.id for c in DCT_CASES}) == len(DCT_CASES)
    for component in ("wavedec", "wavedec2"):
        modes = {m for m in ptwt_suite.MODES if any(c.component == component and f" {m} " in c.label
                                                    for c in PTWT_CASES)}
        assert modes == set(ptwt_suite.MODES), (component, modes)
    assert {c.component for c in PTWT_CASES} >= {"wavedec", "waverec", "wavedec2", "waverec2"}
    has_swt = {c.component for c in PTWT_CASES} >= {"swt", "iswt"}
    assert has_swt == ptwt_suite.swt_available()
    assert {c.component for c in DCT_CASES} == {"dct", "idct", "dctn", "idctn"}


def test_torch_pack_is_pack():
    from specref.compare.functions import pack

    ragged = [torch.arange(3.0), (torch.ones(2, 2), torch.zeros(1))]
    same = [torch.ones(2), torch.zeros(2)]
    for tree in (ragged, same):
        numpy_tree = [t.numpy() if isinstance(t, torch.Tensor) else tuple(u.numpy() for u in t) for t in tree]
        assert np.array_equal(ptwt_suite.torch_pack(tree).numpy(), pack(numpy_tree))


def test_cli_runs_the_torch_dct_suite_and_selects_a_ptwt_component(capsys):
    assert main(["compare", "torch-dct", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert f"{len(DCT_CASES)} comparisons" in out and "0 failed" in out
    n = sum(c.component == "waverec2" for c in PTWT_CASES)
    assert main(["compare", "ptwt", "waverec2", "--no-progress"]) == 0
    assert f"{n} comparisons: {n} passed" in capsys.readouterr().out


def test_importing_the_suites_imports_no_peer():
    code = ("import sys, specref.compare.suites.torch_dct as a, specref.compare.suites.ptwt as b; "
            "a.cases(); b.cases(); "
            "print(sorted(m for m in ('torch', 'torch_dct', 'ptwt') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
