r"""spectrans's transforms against specref's transform functions, through ``specref.compare``.

Parametrized over the suite :mod:`specref.compare.suites.spectrans_transforms` (each case compares the
output and the input gradient of one spectrans transform with the specref function it computes, the
config read off the module). A case either passes (every tensor within its derived bound ``2 c eps``), or
carries the known difference this test expects for its configuration, and then the documented spectrans
behaviour is asserted (what the finding in ``validation/findings/<slug>.md`` says spectrans computes, by the
method of its reproduction script):

- ``spectrans_mdct``: spectrans's blocks are the first half of an orthonormal 2N-point DCT-IV of the windowed
  blocks, not the MDCT (the comparison differs by O(1));
- ``spectrans_sequency_hadamard``: the natural-order transform permuted by ``argsort(i ^ (i >> 1))``, whose
  rows do not change sign 0, 1, ..., n - 1 times (counted);
- ``spectrans_slant``: a ramp row over Hadamard rows (QR-orthonormalised when ``normalized``);
- ``spectrans_dct_float32_angles``: the dense matrix with its angles in the input dtype, an error growing
  linearly in n;
- ``spectrans_dwt_float32_filters``: pywt's transform with the taps rounded to float32 (float64 input), and
  a different extension of signals shorter than F - 2 that spectrans's own inverse still undoes.

Outside the suite: the empty axis of the Hadamard transform, SpectralPooling's Nyquist convention for an even
kept band (excluded from the suite), the pairing's argument checks, and the import-time rule (no torch).
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
spectrans_transforms = pytest.importorskip("spectrans.transforms")
pywt = pytest.importorskip("pywt")

import specref.transforms as T  # noqa: E402
from specref.compare import spectrans_transforms as mapping  # noqa: E402
from specref.compare.bounds import eps_of  # noqa: E402
from specref.compare.functions import pack  # noqa: E402
from specref.compare.suites.spectrans_transforms import SPECS, Spec  # noqa: E402
from specref.testing.checks import error_report  # noqa: E402

torch.set_num_threads(1)

# spectrans accepts levels above pywt's maximum silently; specref (like pywt) computes them with pywt's
# UserWarning. The suite covers such levels on purpose (db2 at level 4 on 8 samples; the short signals).
pytestmark = pytest.mark.filterwarnings("ignore:Level value of:UserWarning")


def normwise(a, b) -> float:
    """max|a - b| / max|b|."""
    return float(error_report(np.asarray(a), np.asarray(b)).normwise)


def spectrans_output(spec: Spec, x: np.ndarray) -> np.ndarray:
    """spectrans's forward transform of ``x`` (wavelets: pywt's coefficient order, packed as specref packs)."""
    module = spec.build()
    xt = torch.from_numpy(x)
    with torch.no_grad():
        if spec.cls == "DWT1D":
            approx, details = module.decompose(xt)
            return pack([approx.numpy(), *(d.numpy() for d in reversed(details))])
        if spec.cls == "DWT2D":
            approx, bands = module.decompose(xt)
            return pack([approx.numpy(), *((h.numpy(), v.numpy(), d.numpy()) for h, v, d in reversed(bands))])
        return module.transform(xt).numpy()


# ----------------------------------------------------------------------------------------------------------
# which configurations carry a known difference (the rules of the findings, restated independently)


def sign_changes(row) -> int:
    return int(np.sum(np.signbit(row[1:]) != np.signbit(row[:-1])))


def sylvester(n: int) -> np.ndarray:
    h = np.ones((1, 1))
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


def gray_sorted(n: int) -> np.ndarray:
    """spectrans's SequencyHadamardTransform order: the natural indices sorted by their Gray code."""
    i = np.arange(n)
    return np.argsort(i ^ (i >> 1), kind="stable")


def is_short(spec: Spec) -> bool:
    """A level transforms 2 <= n < F - 2 samples along an axis: spectrans's extension turns early."""
    f = pywt.Wavelet(spec.kwargs["wavelet"]).dec_len
    for axis in ((-1,) if spec.cls == "DWT1D" else (-2, -1)):
        n = spec.shape[axis]
        for _ in range(spec.kwargs.get("levels", 1)):
            if 2 <= n < f - 2:
                return True
            n = (n + f - 1) // 2
    return False


def expected_known(spec: Spec, comparison) -> str:
    n = spec.shape[-1]
    if spec.cls == "MDCT":
        return "spectrans_mdct"
    if spec.cls == "SlantTransform" and n >= 2:
        return "spectrans_slant"
    if spec.cls == "SequencyHadamardTransform":
        counts = [sign_changes(r) for r in sylvester(n)[gray_sorted(n)]]
        return "" if counts == list(range(n)) else "spectrans_sequency_hadamard"
    if spec.cls in ("DCT", "DST", "DCT2D"):
        # the pairing's rule: spectrans's dense-matrix error, ~ n eps per axis, reaches half the bound 2 c eps
        c = comparison.tensor("output").bound.value / (2 * eps_of(spec.dtype))
        lengths = spec.shape[-2:] if spec.cls == "DCT2D" else spec.shape[-1:]
        return "spectrans_dct_float32_angles" if sum(lengths) >= c else ""
    if spec.cls in ("DWT1D", "DWT2D") and (spec.dtype == "float64" or is_short(spec)):
        return "spectrans_dwt_float32_filters"
    return ""


# ----------------------------------------------------------------------------------------------------------
# the documented spectrans behaviour, per finding


def window(kind: str, n2: int) -> np.ndarray:
    t = (np.arange(n2) + 0.5) / n2
    return np.sin(np.pi * t) if kind == "sine" else np.sin(0.5 * np.pi * np.sin(np.pi * t) ** 2)


def documented_mdct(spec, x, comparison):
    """Blocks x[iN : iN + 2N] (i = 0 .. m - 2), windowed, times sqrt(1/N) cos(pi/2N (k + 1/2)(j + 1/2)),
    k < N: the first half of an orthonormal 2N-point DCT-IV. Bound: each output a sum of 2N products of
    exactly rounded factors (2N + 1), plus the cosine, window and scale (4), in either implementation."""
    n2 = spec.kwargs["block_size"]
    n = n2 // 2
    k, j = np.arange(n), np.arange(n2)
    kernel = math.sqrt(1.0 / n) * np.cos(np.pi / n2 * np.outer(k + 0.5, j + 0.5)) * window(
        spec.kwargs.get("window", "sine"), n2)
    x64 = x.astype(np.float64)
    blocks = np.stack([x64[..., i * n : i * n + n2] for i in range(x.shape[-1] // n - 1)], axis=-2)
    theirs = spectrans_output(spec, x).reshape(blocks.shape[:-1] + (n,))
    assert normwise(theirs, blocks @ kernel.T) <= 2 * (n2 + 5) * eps_of(spec.dtype)
    assert comparison.tensor("output").error > 0.1  # O(1) from the MDCT, not a rounding difference


def documented_sequency(spec, x, comparison):
    """The natural-order transform, outputs permuted by argsort(gray code); those rows' sign changes are
    not 0 .. n - 1 (counted on the rows of signs, as the reproduction script does)."""
    n = spec.shape[-1]
    natural = T.hadamard(x, normalized=spec.kwargs.get("normalized", True))
    bound = comparison.tensor("output").bound.value  # the two FWHTs differ by rounding only
    assert normwise(spectrans_output(spec, x), natural[..., gray_sorted(n)]) <= bound
    assert [sign_changes(r) for r in sylvester(n)[gray_sorted(n)]] != list(range(n))
    assert comparison.tensor("output").error > 0.1


def spectrans_slant_matrix(n: int, normalized: bool) -> np.ndarray:
    """Row 0 = 1/sqrt n, row 1 = (2j - n + 1)/sqrt(n^2 (n - 1)/3), rows 2.. = H_n[2:]/sqrt n; normalized:
    Q^T from the QR of its transpose (spectrans's _create_slant_matrix)."""
    m = sylvester(n) / math.sqrt(n)
    m[1] = (2 * np.arange(n) - n + 1) / math.sqrt(n * n * (n - 1) / 3)
    if normalized:
        q, _ = np.linalg.qr(m.T)
        m = q.T
    return m


def documented_slant(spec, x, comparison):
    """spectrans's matrix times x. Bound: a dense product, sums of n terms (n + 1), and Householder QR's
    computed Q within sqrt(n) gamma_{n^2} of an orthogonal factor of the same matrix (Higham, Thm 19.4):
    2 (n + 1 + n^2.5) eps."""
    n = spec.shape[-1]
    normalized = spec.kwargs.get("normalized", True)
    expected = x.astype(np.float64) @ spectrans_slant_matrix(n, normalized).T
    assert normwise(spectrans_output(spec, x), expected) <= 2 * (n + 1 + n**2.5) * eps_of(spec.dtype)
    assert comparison.tensor("output").error > 0.1


def dense_angles_matrix(kind: str, n: int, dtype, normalized: bool) -> np.ndarray:
    """spectrans's DCT-II / DST-II matrix, its angle pi (2j+1) k / 2n evaluated in ``dtype`` as spectrans does."""
    k, j = np.arange(n, dtype=dtype)[:, None], np.arange(n, dtype=dtype)[None, :]
    if kind == "DST":
        m = np.sin(dtype(math.pi) * (k + 1) * (2 * j + 1) / dtype(2 * n))
        if normalized:
            m = m * dtype(math.sqrt(2.0 / n))
            m[-1] /= dtype(math.sqrt(2.0))
    else:
        m = np.cos(dtype(math.pi) * (2 * j + 1) * k / dtype(2 * n))
        if normalized:
            alpha = np.full((n, 1), math.sqrt(2.0 / n), dtype=dtype)
            alpha[0] = math.sqrt(1.0 / n)
            m = m * alpha
    return (m if normalized else m * dtype(2)).astype(np.float64)


def documented_dct(spec, x, comparison):
    """spectrans equals the dense matrices with angles in the input dtype applied along the axes (bound: a
    sum of n terms per axis, n + 1, plus one ulp per entry of the matrices between NumPy's and torch's
    cos/sin, 3: 2 (n + 4) eps per axis), and its error against the exact transform grows like n eps per
    axis (measured 0.6 .. 1.1 n eps; asserted <= 2 n eps)."""
    dtype = np.float32 if spec.dtype == "float32" else np.float64
    normalized = spec.kwargs.get("normalized", True)
    kind = "DST" if spec.cls == "DST" else "DCT"
    lengths = spec.shape[-2:] if spec.cls == "DCT2D" else spec.shape[-1:]
    expected = x.astype(np.float64)
    for axis, n in zip((-2, -1)[-len(lengths):], lengths, strict=True):
        expected = np.moveaxis(np.moveaxis(expected, axis, -1) @ dense_angles_matrix(kind, n, dtype, normalized).T,
                               -1, axis)
    eps = eps_of(spec.dtype)
    assert normwise(spectrans_output(spec, x), expected) <= 2 * sum(n + 4 for n in lengths) * eps
    assert comparison.tensor("output").error <= 2 * sum(lengths) * eps


def rounded_wavelet(name: str) -> pywt.Wavelet:
    """pywt's filter bank with each tap rounded to float32 (widened back exactly): what spectrans stores."""
    bank = [np.asarray(f, dtype=np.float32).astype(np.float64) for f in pywt.Wavelet(name).filter_bank]
    return pywt.Wavelet(f"{name}_float32", filter_bank=bank)


def documented_dwt(spec, x, comparison):
    """Long enough signals: pywt's wavedec/wavedec2 with the float32-rounded taps, to the bound of the
    comparison (2 c eps: rounding only). Short signals: another extension than pywt's (coefficients off by
    more than 1e-3 relative), undone by spectrans's own inverse (up to the float32 taps' PR defect ~1e-7 and
    float32 arithmetic: 1e-5)."""
    wavelet, levels = spec.kwargs["wavelet"], spec.kwargs.get("levels", 1)
    theirs = spectrans_output(spec, x)
    if spec.cls == "DWT1D":
        expected = pywt.wavedec(x, rounded_wavelet(wavelet), "symmetric", level=levels, axis=-1)
    else:
        expected = pywt.wavedec2(x, rounded_wavelet(wavelet), "symmetric", level=levels, axes=(-2, -1))
    if not is_short(spec):
        assert normwise(theirs, pack(expected)) <= comparison.tensor("output").bound.value
        assert comparison.tensor("output").error > 1e-9  # the rounded taps, visible in float64
        return
    assert normwise(theirs, pack(expected)) > 1e-3
    module, xt = spec.build(), torch.from_numpy(x)
    with torch.no_grad():
        if spec.cls == "DWT1D":
            back = module.reconstruct(module.decompose(xt), output_len=x.shape[-1]).numpy()
        else:
            back = module.reconstruct(module.decompose(xt)).numpy()[..., : x.shape[-2], : x.shape[-1]]
    assert normwise(back, x) <= 1e-5


DOCUMENTED = {
    "spectrans_mdct": documented_mdct,
    "spectrans_sequency_hadamard": documented_sequency,
    "spectrans_slant": documented_slant,
    "spectrans_dct_float32_angles": documented_dct,
    "spectrans_dwt_float32_filters": documented_dwt,
}


@pytest.mark.parametrize("spec", SPECS, ids=[f"{s.component}-{s.label}" for s in SPECS])
def test_suite_case(spec):
    comparison = spec.run()
    assert not comparison.peer_error, comparison.message()
    expected = expected_known(spec, comparison)
    assert comparison.known == expected, comparison.message()
    if not expected:
        assert comparison.passed, comparison.message()
        assert [t.name for t in comparison.tensors] == ["output", "grad x"]
    else:
        DOCUMENTED[expected](spec, spec.inputs(), comparison)


def test_suite_covers_every_class():
    assert {s.cls for s in SPECS} == set(mapping.CLASSES)
    labels = [s.label for s in SPECS]
    assert len(labels) == len(set(labels))


# ----------------------------------------------------------------------------------------------------------
# outside the suite


def test_hadamard_empty_axis():
    """spectrans_hadamard_cost: spectrans accepts n = 0 (0 passes n & (n - 1) == 0); specref refuses it."""
    empty = spectrans_transforms.HadamardTransform().transform(torch.zeros(3, 0, dtype=torch.float64))
    assert tuple(empty.shape) == (3, 0)
    with pytest.raises(ValueError, match="empty"):
        T.hadamard(np.zeros((3, 0)))


@pytest.mark.parametrize("norm", ("backward", "ortho", "forward"))
@pytest.mark.parametrize(("n", "m"), ((16, 8), (12, 6), (9, 4), (8, 12), (6, 16)))
def test_spectral_pooling_even_band(norm, n, m):
    """For an even kept band p = min(n, m) spectrans keeps the real spectrum's Nyquist bin once: truncating,
    the bin m/2 alone (irfft drops its imaginary part) where specref sums the two bins +-m/2 (2 Re X_{m/2});
    zero-padding, the bin n/2 as an interior bin (counted at +-n/2 in full) where specref splits it in halves.
    So spectrans - specref = -s Re(X_{m/2}) (-1)^t (truncation) or s X_{n/2} cos(pi n t / m) (zero-padding),
    X the unnormalized DFT, s the norm's scale; asserted to the comparison's bound. (Not yet a finding: the
    suite keeps p odd.)"""
    x = np.random.default_rng(n * 100 + m).standard_normal((3, n))
    module = spectrans_transforms.SpectralPooling(m, norm=norm)
    theirs = module.transform(torch.from_numpy(x)).numpy()
    ours = T.spectral_pool(x, size=m, norm=norm)
    s = {"backward": 1.0 / m, "ortho": 1.0 / math.sqrt(n * m), "forward": 1.0 / n}[norm]
    spectrum, t = np.fft.fft(x), np.arange(m)
    if m < n:
        predicted = -s * spectrum[:, m // 2].real[:, None] * (-1.0) ** t
    else:
        predicted = s * spectrum[:, n // 2].real[:, None] * np.cos(np.pi * n * t / m)
    pairing = mapping.pairing(module, ((3, n),), dtype="float64")
    assert normwise(theirs - ours, ours) > 1e-3
    assert np.abs(theirs - ours - predicted).max() / np.abs(ours).max() <= pairing.bounds(((3, n),), "float64")[0].value


def test_pairing_reads_config_and_checks_component():
    pairing = mapping.pairing(spectrans_transforms.DWT1D("db2", levels=3), None)
    assert pairing.component == "wavedec"
    assert pairing.config == {"wavelet": "db2", "mode": "symmetric", "level": 3, "axis": -1}
    assert pairing.known == "spectrans_dwt_float32_filters"  # drawn in float64
    dct = spectrans_transforms.DCT(normalized=False)
    assert mapping.pairing(dct.transform, ((2, 8),), component=T.dct).config["norm"] == "backward"
    assert mapping.pairing(dct, ((2, 8),), component="dct", config={"norm": "ortho"}).config["norm"] == "ortho"
    with pytest.raises(ValueError, match="maps onto specref.transforms.dct, not dst"):
        mapping.pairing(dct, ((2, 8),), component="dst")
    with pytest.raises(ValueError, match="no specref mapping"):
        mapping.pairing(torch.nn.Linear(2, 2), ((2, 2),))
    assert mapping.is_transform(dct.transform) and not mapping.is_transform(torch.nn.Linear(2, 2))


def test_import_does_not_import_torch():
    code = ("import sys, specref.compare.spectrans_transforms, specref.compare.suites.spectrans_transforms as s; "
            "s.cases(); assert 'torch' not in sys.modules and 'spectrans' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
