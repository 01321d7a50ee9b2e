"""torch.fft against specref.transforms: fft, rfft, irfft and fft2, output and autograd gradients.

Odd and even lengths, a transform length cropping or padding the input, a non-last axis, every norm. The
inputs of irfft are random half spectra, not Hermitian (the imaginary parts of DC and, for even n, Nyquist
are ignored by both, and get zero gradient). specref's ``axis``/``axes`` are torch's ``dim``.
"""

from __future__ import annotations

from specref.compare.suites import SuiteCase

__all__ = ["cases", "POINTS"]

NORMS = ("backward", "ortho", "forward")
# (specref function, input shape, complex input, keywords)
POINTS = (
    ("fft", (2, 8), True, {}),
    ("fft", (2, 7), True, {"n": 9}),  # odd length padded to odd
    ("fft", (5, 3), True, {"n": 4, "axis": 0}),  # non-last axis, cropped to even
    ("rfft", (2, 8), False, {}),
    ("rfft", (2, 7), False, {}),
    ("rfft", (9, 2), False, {"n": 6, "axis": 0}),
    ("irfft", (2, 5), True, {}),  # n = 8
    ("irfft", (2, 4), True, {"n": 7}),  # odd n, bins equal
    ("irfft", (2, 3), True, {"n": 9}),  # odd n, 3 bins padded to 5
    ("fft2", (2, 4, 5), True, {}),
    ("fft2", (3, 5), True, {"s": (4, 6)}),  # pad both axes
)


def _label(shape, keywords, norm) -> str:
    """``x(2,7) n=9 norm=ortho``: the input shape, then the keywords."""
    words = [f"x{shape}".replace(" ", "")] + [f"{k}={v}".replace(" ", "") for k, v in keywords.items()]
    return " ".join([*words, f"norm={norm}"])


def _torch_keywords(keywords: dict) -> dict:
    return {("dim" if k in ("axis", "axes") else k): v for k, v in keywords.items()}


def _run(name, shape, complex_input, keywords, label, seed):
    import numpy as np
    import torch

    import specref.transforms as transforms
    from specref.compare import compare

    peer_fn = getattr(torch.fft, name)
    peer_kw = _torch_keywords(keywords)

    def peer(x):
        return peer_fn(x, **peer_kw)

    peer.__module__, peer.__qualname__ = "torch.fft", name
    gen = np.random.default_rng(seed)
    x = gen.standard_normal(shape) + (1j * gen.standard_normal(shape) if complex_input else 0.0)
    return compare(peer, getattr(transforms, name), x=x, config=keywords, framework="torch", label=label, seed=seed)


def cases() -> list[SuiteCase]:
    out = []
    for i, (name, shape, complex_input, keywords) in enumerate(POINTS):
        for j, norm in enumerate(NORMS):
            kw = {**keywords, "norm": norm}
            label = _label(shape, keywords, norm)

            def run(name=name, shape=shape, c=complex_input, kw=kw, label=label, seed=3 * i + j):
                return _run(name, shape, c, kw, label, seed)

            out.append(SuiteCase("torch", name, label, run))
    return out
