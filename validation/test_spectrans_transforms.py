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
  a different extension of signals shorter than F - 2 that spectrans's own inverse still undoes;
- ``spectrans_dwt_batch_input``: DWT1D on 3-D or 4-D input raises inside ``conv1d``, while the same lines as
  a 2-D batch give pywt's transform with the rounded taps;
- ``spectrans_spectral_pool_nyquist``: an even kept band: spectrans - specref is the Nyquist term, predicted
  from the DFT of the input along the pooled axis;
- ``spectrans_spectral_pool_dims``: ``irfft(rfft(x, axis=k)[..., : m // 2 + 1], n=m, axis=k)`` (int dim: the
  last axis cropped, the output shape differs from specref's) or ``irfftn`` of the ``rfftn`` bins
  ``0 .. m - 1`` on the non-last axes (tuple dims: an O(1) difference), restated in NumPy.

Outside the suite: the empty axis of the Hadamard transform, the pairing's argument checks (SpectralPooling's
axes among them), and the import-time rule (no torch).
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
        if spec.config:
            return module.transform(xt, dim=pool_dim(spec)).numpy()
        return module.transform(xt).numpy()


def pool_dim(spec: Spec):
    """The dim the pairing passes to SpectralPooling.transform: config axes (a tuple) or axis (an int)."""
    return tuple(spec.config["axes"]) if "axes" in spec.config else spec.config.get("axis", -1)


def pool_sizes(spec: Spec) -> tuple:
    size = spec.kwargs["output_size"]
    return tuple(size) if isinstance(size, tuple) else (size,)


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


def expected_pool_known(spec: Spec) -> str:
    """SpectralPooling: an int dim k != last slices the last axis (a change when it is longer than m // 2 + 1);
    tuple dims keep bins 0 .. m - 1 on the non-last axes (a change unless m is the length there); else an even
    band p = min(n, m), n != m, along the pooled axis meets the Nyquist bin."""
    shape, dim, sizes = spec.shape, pool_dim(spec), pool_sizes(spec)
    if isinstance(dim, int):
        axes = [dim % len(shape)]
        if axes[0] != len(shape) - 1 and shape[-1] > sizes[0] // 2 + 1:
            return "spectrans_spectral_pool_dims"
    else:
        axes = [d % len(shape) for d in dim]
        if any(shape[a] != m for a, m in zip(axes[:-1], sizes, strict=False)):
            return "spectrans_spectral_pool_dims"
    n, m = shape[axes[-1]], sizes[len(axes) - 1]
    return "spectrans_spectral_pool_nyquist" if min(n, m) % 2 == 0 and n != m else ""


def expected_known(spec: Spec, comparison) -> str:
    n = spec.shape[-1]
    if spec.cls == "SpectralPooling":
        return expected_pool_known(spec)
    if spec.cls == "DWT1D" and len(spec.shape) >= 3:
        return "spectrans_dwt_batch_input"
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


def norm_scale(norm: str, n: int, m: int) -> float:
    """The scale s of pooling n -> m (specref's docs/transforms/pooling.md): backward 1/m, ortho 1/sqrt(nm),
    forward 1/n."""
    return {"backward": 1.0 / m, "ortho": 1.0 / math.sqrt(n * m), "forward": 1.0 / n}[norm]


def pool_bound(spec: Spec) -> float:
    """The comparison's forward bound 2 c eps for this configuration (the pairing's, from specref's case)."""
    module = spec.build()
    pairing = mapping.pairing(module, (spec.shape,), config=spec.config or None, dtype=spec.dtype)
    return pairing.bounds((spec.shape,), spec.dtype)[0].value


def documented_nyquist(spec, x, comparison):
    """For an even kept band p = min(n, m) along the pooled axis spectrans keeps the real spectrum's Nyquist
    bin once: truncating, the bin m/2 alone (irfft drops its imaginary part) where specref sums the two bins
    +-m/2 (2 Re X_{m/2}); zero-padding, the bin n/2 as an interior bin (counted at +-n/2 in full) where specref
    splits it in halves. So spectrans - specref = -s Re(X_{m/2}) (-1)^t (truncation) or s X_{n/2} cos(pi n t/m)
    (zero-padding), X the unnormalized DFT along the pooled axis, s the norm's scale (a non-last axis of tuple
    dims is kept whole: the identity in every norm); asserted to the comparison's bound."""
    dim, sizes = pool_dim(spec), pool_sizes(spec)
    axis, m = (dim, sizes[0]) if isinstance(dim, int) else (dim[-1], sizes[-1])
    n, norm = spec.shape[axis], spec.kwargs.get("norm", "ortho")
    theirs = spectrans_output(spec, x)
    if isinstance(dim, int) or len(dim) == 1:
        ours = T.spectral_pool(x, size=m, axis=axis, norm=norm)
    else:
        ours = T.spectral_pool2d(x, size=sizes, axes=dim, norm=norm)
    spectrum = np.moveaxis(np.fft.fft(x.astype(np.float64), axis=axis), axis, -1)
    t, s = np.arange(m), norm_scale(norm, n, m)
    if m < n:
        predicted = -s * spectrum[..., m // 2].real[..., None] * (-1.0) ** t
    else:
        predicted = s * spectrum[..., n // 2].real[..., None] * np.cos(np.pi * n * t / m)
    predicted = np.moveaxis(predicted, -1, axis)
    assert comparison.tensor("output").error > 1e-3
    bound = comparison.tensor("output").bound.value
    assert np.abs(theirs - ours - predicted).max() / np.abs(ours).max() <= bound


def documented_pool_dims(spec, x, comparison):
    """spectrans's code restated in NumPy, to the bound of the same two FFTs: an int dim k pools along k and
    slices the *last* axis (``irfft(rfft(x, axis=k)[..., : m // 2 + 1], n=m, axis=k)``), so the result is
    specref's with the last axis cropped to m // 2 + 1 entries (where the band is odd); tuple dims keep bins
    0 .. m - 1 on the non-last axes (``irfftn(rfftn(x)[kept], s=output_size)``), an O(1) difference."""
    dim, sizes = pool_dim(spec), pool_sizes(spec)
    norm = spec.kwargs.get("norm", "ortho")
    x64, theirs, bound = x.astype(np.float64), spectrans_output(spec, x), pool_bound(spec)
    if isinstance(dim, int):
        m = sizes[0]
        expected = np.fft.irfft(np.fft.rfft(x64, axis=dim, norm=norm)[..., : m // 2 + 1], n=m, axis=dim, norm=norm)
        assert normwise(theirs, expected) <= bound
        ours = T.spectral_pool(x, size=m, axis=dim, norm=norm)
        assert ours.shape != theirs.shape and "output shape" in comparison.peer_error
        if min(spec.shape[dim], m) % 2:  # an even band adds the Nyquist difference
            assert normwise(theirs, ours[..., : m // 2 + 1]) <= bound
        return
    spectrum = np.fft.rfftn(x64, axes=dim, norm=norm)
    kept = [slice(None)] * x.ndim
    for d, m in zip(dim, sizes, strict=True):
        kept[d] = slice(0, m // 2 + 1) if d == dim[-1] else slice(0, m)
    expected = np.fft.irfftn(spectrum[tuple(kept)], s=sizes, axes=dim, norm=norm)
    assert normwise(theirs, expected) <= bound
    assert comparison.tensor("output").error > 0.1


def documented_dwt_batch(spec, x, comparison):
    """3-D or more: decompose raises inside conv1d (a 4-D tensor after spectrans adds its channel axis). The
    same lines as a 2-D batch run and give pywt's wavedec with the float32-rounded taps (to the bound of the
    2-D comparison): the map is defined, the N-D handling is missing."""
    assert comparison.peer_error.startswith("RuntimeError") and "conv1d" in comparison.peer_error
    rows = x.reshape(-1, x.shape[-1])
    flat = Spec(spec.cls, spec.kwargs, rows.shape, spec.dtype)
    module = flat.build()
    with torch.no_grad():
        approx, details = module.decompose(torch.from_numpy(rows))
    theirs = pack([approx.numpy(), *(d.numpy() for d in reversed(details))])
    expected = pywt.wavedec(rows, rounded_wavelet(spec.kwargs["wavelet"]), "symmetric",
                            level=spec.kwargs.get("levels", 1), axis=-1)
    bound = mapping.pairing(module, (rows.shape,), dtype=spec.dtype).bounds((rows.shape,), spec.dtype)[0].value
    assert normwise(theirs, pack(expected)) <= bound


DOCUMENTED = {
    "spectrans_mdct": documented_mdct,
    "spectrans_sequency_hadamard": documented_sequency,
    "spectrans_slant": documented_slant,
    "spectrans_dct_float32_angles": documented_dct,
    "spectrans_dwt_float32_filters": documented_dwt,
    "spectrans_dwt_batch_input": documented_dwt_batch,
    "spectrans_spectral_pool_nyquist": documented_nyquist,
    "spectrans_spectral_pool_dims": documented_pool_dims,
}

RAISES = ("spectrans_dwt_batch_input",)  # the peer raises: no tensor compared


@pytest.mark.parametrize("spec", SPECS, ids=[f"{s.component}-{s.label}" for s in SPECS])
def test_suite_case(spec):
    comparison = spec.run()
    expected = expected_known(spec, comparison)
    # a peer error only where the finding is one: it raises, or (int dim) its output has another shape
    shape_error = expected == "spectrans_spectral_pool_dims" and isinstance(pool_dim(spec), int)
    assert bool(comparison.peer_error) == (expected in RAISES or shape_error), comparison.message()
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


def test_pooling_axes_config():
    """SpectralPooling's config axis/axes: spectrans is called with that dim, tuple dims map onto
    spectral_pool2d with the whole output_size; the known rules follow the shape and the axes."""
    pool = spectrans_transforms.SpectralPooling((4, 5))
    pairing = mapping.pairing(pool, ((8, 12),), config={"axes": (0, 1)})
    assert pairing.component == "spectral_pool2d"
    assert pairing.config == {"size": (4, 5), "axes": (0, 1), "norm": "ortho"}
    assert pairing.known == "spectrans_spectral_pool_dims"
    assert mapping.pairing(pool, ((4, 12),), config={"axes": (0, 1)}).known == ""  # axis 0 kept whole, p = 5
    x = np.random.default_rng(0).standard_normal((8, 12))
    peer = pairing.peer_call(torch.from_numpy(x)).numpy()
    assert np.array_equal(peer, pool.transform(torch.from_numpy(x), dim=(0, 1)).numpy())
    with pytest.raises(ValueError, match="one output length per axis"):
        mapping.pairing(pool, ((8, 12),), config={"axes": (0,)})
    with pytest.raises(ValueError, match="one or two ints"):
        mapping.pairing(pool, ((2, 8, 12),), config={"axes": (0, 1, 2)})
    with pytest.raises(TypeError, match="tuple of ints"):
        mapping.pairing(pool, ((8, 12),), config={"axes": (0, 1.0)})
    with pytest.raises(ValueError, match="maps onto specref.transforms.spectral_pool2d, not spectral_pool"):
        mapping.pairing(pool, ((8, 12),), component="spectral_pool", config={"axes": (0, 1)})
    one = spectrans_transforms.SpectralPooling(8)
    assert mapping.pairing(one, ((3, 16),)).known == "spectrans_spectral_pool_nyquist"
    assert mapping.pairing(one, ((3, 8),)).known == ""  # n = m: the identity in both
    assert mapping.pairing(one, ((16, 5),), config={"axis": 0}).known == "spectrans_spectral_pool_nyquist"
    assert mapping.pairing(one, ((16, 6),), config={"axis": 0}).known == "spectrans_spectral_pool_dims"
    assert mapping.pairing(spectrans_transforms.DWT1D("db2"), ((2, 3, 32),), dtype="float32").known == \
        "spectrans_dwt_batch_input"


def test_import_does_not_import_torch():
    code = ("import sys, specref.compare.spectrans_transforms, specref.compare.suites.spectrans_transforms as s; "
            "s.cases(); assert 'torch' not in sys.modules and 'spectrans' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
