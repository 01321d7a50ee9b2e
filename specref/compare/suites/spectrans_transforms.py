"""The comparison suite of spectrans's transforms (``spectrans.transforms``) against specref's transform functions.

Every mapped class (:data:`specref.compare.spectrans_transforms.CLASSES`) over odd, even, prime and
power-of-two lengths (powers of two only where spectrans requires them: the Hadamard and Slant transforms),
every normalisation it accepts, real input (complex too where spectrans accepts it: FFT1D, FFT2D, the
Hadamard transform), float64, and float32 where spectrans's float32 differs from its float64 (the dense
DCT/DST matrices, the DWTs' float32 filters) plus one float32 point per class. Each case compares the output
and the input gradient (every spectrans transform is differentiable in torch). SpectralPooling runs with odd
kept bands :math:`p = \\min(n, m)` (where it computes the math), with even ones (the known difference
``spectrans_spectral_pool_nyquist``), and along other axes than the last through ``config`` (``axis=k``: spectrans
called with ``dim=k``; ``axes=(a, b)``: ``dim=(a, b)`` against ``spectral_pool2d``), where its int path crops the
last axis and its tuple path drops negative frequencies (``spectrans_spectral_pool_dims``) unless the shapes
avoid both. DWT1D also gets a 3-D (batch, channels, length) input, on which it raises
(``spectrans_dwt_batch_input``).

:data:`SPECS` holds the configurations (class, constructor arguments, input shape, dtype); :func:`cases`
turns each into a :class:`~specref.compare.suites.SuiteCase` whose ``run`` builds the spectrans module (torch
and spectrans are imported there only) and calls :func:`specref.compare.compare` on a seeded input.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from specref.compare.spectrans_transforms import CLASSES
from specref.compare.suites import SuiteCase

__all__ = ["Spec", "SPECS", "cases"]

NORMS = ("backward", "ortho", "forward")


@dataclass(frozen=True)
class Spec:
    """One configuration: ``spectrans.transforms.<cls>(**kwargs)`` on an input of ``shape`` and ``dtype``."""

    cls: str
    kwargs: dict = field(default_factory=dict)
    shape: tuple = (3, 16)
    dtype: str = "float64"
    complex_input: bool = False
    config: dict = field(default_factory=dict)  # specref keywords for compare(config=): SpectralPooling's axes

    @property
    def component(self) -> str:
        return "spectral_pool2d" if len(self.config.get("axes", ())) == 2 else CLASSES[self.cls]

    @property
    def label(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        kind = ("complex" if self.complex_input else "") + self.dtype
        config = "".join(f" {k}={v!r}" for k, v in self.config.items())
        return f"{self.cls}({args}){config} x{self.shape} {kind}"

    def build(self):
        """The spectrans module (imports spectrans)."""
        import spectrans.transforms as transforms  # peer-only

        return getattr(transforms, self.cls)(**self.kwargs)

    def inputs(self) -> np.ndarray:
        """The seeded input (standard normal; the seed is the label's CRC)."""
        gen = np.random.default_rng(zlib.crc32(self.label.encode()))
        x = gen.standard_normal(self.shape)
        if self.complex_input:
            x = x + 1j * gen.standard_normal(self.shape)
            return x.astype(np.complex64 if self.dtype == "float32" else np.complex128)
        return x.astype(self.dtype)

    def run(self):
        """The comparison of the spectrans module with specref on :meth:`inputs`."""
        from specref.compare import compare

        return compare(self.build(), x=self.inputs(), config=self.config or None, label=self.label)


def _fourier() -> list[Spec]:
    out = []
    for norm in NORMS:
        out += [Spec("FFT1D", {"norm": norm}, (3, n)) for n in (7, 12, 16)]
        out += [Spec("FFT1D", {"norm": norm}, (2, 13), complex_input=True)]
        out += [Spec("RFFT", {"norm": norm}, (3, n)) for n in (7, 12, 13, 16)]
        out += [Spec("FFT2D", {"norm": norm}, s) for s in ((2, 7, 8), (2, 12, 13))]
        out += [Spec("FFT2D", {"norm": norm}, (2, 9, 16), complex_input=True)]
        out += [Spec("RFFT2D", {"norm": norm}, s) for s in ((2, 7, 8), (2, 12, 13), (1, 16, 16))]
        # (n, m) with p = min(n, m) odd: truncation from even/odd/prime lengths, zero-padding, identity; then
        # p even (truncation to an even m, zero-padding from an even n: the Nyquist bin) and n = m even
        out += [Spec("SpectralPooling", {"output_size": m, "norm": norm}, (3, n))
                for n, m in ((16, 7), (12, 5), (13, 9), (7, 13), (9, 9),
                             (16, 8), (12, 6), (9, 4), (8, 12), (6, 16), (8, 8))]
    out += [Spec("FFT1D", {}, (3, 16), "float32"), Spec("RFFT", {}, (3, 13), "float32"),
            Spec("FFT2D", {}, (2, 7, 8), "float32"), Spec("RFFT2D", {}, (2, 12, 13), "float32"),
            Spec("SpectralPooling", {"output_size": 7}, (3, 16), "float32"),
            Spec("SpectralPooling", {"output_size": 8}, (3, 16), "float32")]
    return out + _pooling_dims()


def _pooling_dims() -> list[Spec]:
    """SpectralPooling along other axes (config axis / axes, passed to spectrans as dim)."""
    pool = "SpectralPooling"
    return [
        # int dim: the last axis longer than m // 2 + 1 is cropped (other shape); not longer: the math
        Spec(pool, {"output_size": 7}, (16, 10), config={"axis": 0}),
        Spec(pool, {"output_size": 9, "norm": "forward"}, (2, 13, 10), config={"axis": -2}),
        Spec(pool, {"output_size": 9}, (16, 4), config={"axis": 0}),
        Spec(pool, {"output_size": 5, "norm": "backward"}, (2, 11, 3), config={"axis": 1}),
        Spec(pool, {"output_size": 8}, (16, 4), config={"axis": 0}),  # p = 8 even along axis 0
        Spec(pool, {"output_size": (7,)}, (16, 10), config={"axes": (0,)}),  # a 1-tuple: pooled along 0
        # tuple dims: truncating or zero-padding a non-last axis drops its negative frequencies
        Spec(pool, {"output_size": (4, 5)}, (8, 12), config={"axes": (0, 1)}),
        Spec(pool, {"output_size": (5, 7), "norm": "forward"}, (2, 9, 12), config={"axes": (-2, -1)}),
        Spec(pool, {"output_size": (10, 5)}, (6, 8), config={"axes": (0, 1)}),
        Spec(pool, {"output_size": (5, 12)}, (2, 9, 12), config={"axes": (-1, -2)}),
        # tuple dims that keep the non-last axis whole: the math (odd p) or the Nyquist bin (even p)
        Spec(pool, {"output_size": (9, 7)}, (2, 9, 12), config={"axes": (-2, -1)}),
        Spec(pool, {"output_size": (12, 5), "norm": "backward"}, (2, 9, 12), config={"axes": (-1, -2)}),
        Spec(pool, {"output_size": (9, 6)}, (2, 9, 12), config={"axes": (-2, -1)}),
        Spec(pool, {"output_size": (9, 5)}, (2, 9, 12), "float32", config={"axes": (-2, -1)}),
    ]


def _cosine() -> list[Spec]:
    out = []
    for normalized in (True, False):
        for cls in ("DCT", "DST"):
            out += [Spec(cls, {"normalized": normalized}, (3, n)) for n in (7, 12, 13, 16, 64, 256)]
            out += [Spec(cls, {"normalized": normalized}, (3, n), "float32") for n in (8, 13, 64, 256)]
        out += [Spec("DCT2D", {"normalized": normalized}, s) for s in ((2, 7, 8), (2, 12, 13), (1, 32, 40))]
        out += [Spec("DCT2D", {"normalized": normalized}, s, "float32") for s in ((2, 7, 8), (1, 32, 40))]
    for block, window in ((4, "sine"), (8, "sine"), (8, "vorbis"), (6, "sine"), (10, "vorbis")):
        out += [Spec("MDCT", {"block_size": block, "window": window}, (2, 5 * (block // 2)))]
    out += [Spec("MDCT", {"block_size": 8}, (2, 24), "float32")]
    return out


def _hadamard() -> list[Spec]:
    out = []
    for normalized in (True, False):
        out += [Spec("HadamardTransform", {"normalized": normalized}, (3, n)) for n in (1, 2, 8, 64)]
        out += [Spec("HadamardTransform2D", {"normalized": normalized}, s) for s in ((2, 4, 8), (2, 16, 2))]
        out += [Spec("SequencyHadamardTransform", {"normalized": normalized}, (3, n)) for n in (2, 4, 16)]
        out += [Spec("SlantTransform", {"normalized": normalized}, (3, n)) for n in (1, 2, 8, 16)]
    out += [Spec("HadamardTransform", {}, (2, 16), complex_input=True),
            Spec("HadamardTransform", {}, (3, 32), "float32"), Spec("HadamardTransform2D", {}, (2, 8, 4), "float32"),
            Spec("SequencyHadamardTransform", {}, (3, 8), "float32"), Spec("SlantTransform", {}, (3, 8), "float32")]
    return out


def _wavelet() -> list[Spec]:
    out = []
    for wavelet in ("haar", "db2", "db4", "sym3", "coif1", "bior2.2"):
        out += [Spec("DWT1D", {"wavelet": wavelet, "levels": 1}, (3, 37), "float32"),
                Spec("DWT1D", {"wavelet": wavelet, "levels": 3}, (3, 64), "float32"),
                Spec("DWT1D", {"wavelet": wavelet, "levels": 2}, (2, 31), "float32"),
                Spec("DWT1D", {"wavelet": wavelet, "levels": 2}, (3, 64))]
    out += [
        Spec("DWT1D", {"wavelet": "db2", "levels": 4}, (2, 8), "float32"),  # above pywt's maximum level
        Spec("DWT1D", {"wavelet": "db4", "levels": 1}, (2, 5), "float32"),  # shorter than F - 2: the extension
        Spec("DWT1D", {"wavelet": "db4", "levels": 1}, (2, 5)),
        Spec("DWT1D", {"wavelet": "sym3", "levels": 2}, (2, 3), "float32"),
    ]
    for wavelet in ("haar", "db2", "sym3"):
        out += [Spec("DWT2D", {"wavelet": wavelet, "levels": 1}, (2, 16, 16), "float32"),
                Spec("DWT2D", {"wavelet": wavelet, "levels": 2}, (1, 13, 18), "float32"),
                Spec("DWT2D", {"wavelet": wavelet, "levels": 2}, (1, 13, 18))]
    out += [Spec("DWT2D", {"wavelet": "db4", "levels": 1}, (1, 5, 16), "float32")]  # short along one axis
    out += [Spec("DWT1D", {"wavelet": "db2", "levels": 2}, (2, 3, 32), "float32"),  # 3-D: spectrans raises
            Spec("DWT1D", {"wavelet": "haar", "levels": 1}, (2, 2, 3, 16))]
    return out


SPECS: tuple[Spec, ...] = tuple(_fourier() + _cosine() + _hadamard() + _wavelet())


def cases() -> list[SuiteCase]:
    """One :class:`~specref.compare.suites.SuiteCase` per :data:`SPECS` entry."""
    return [SuiteCase("spectrans", spec.component, spec.label, spec.run) for spec in SPECS]
