r"""The cases of a peer's FFT module (``torch.fft``, ``jax.numpy.fft``) against ``specref.transforms``.

One case per point and norm: the peer function of the same name is called with the point's keywords (renamed
where the peer spells them otherwise, e.g. torch's ``dim`` for ``axis``), on a seeded standard-normal input
(complex where the point says), and compared by :func:`specref.compare.compare` under the peer's framework:
the output and the input gradient of :math:`L = \operatorname{Re}\sum\bar{dy}\,y` (autograd, JAX's ``vjp``)
against specref's adjoint, each within ``2 c eps`` with ``c`` the FFT claim of the function's verify case
(:func:`specref.compare.functions.function_pairing`).

:data:`POINTS` is the table both suites share: every FFT pair ``specref.transforms`` exports (``fft``/``ifft``,
``rfft``/``irfft``, ``fft2``/``ifft2``, ``rfft2``/``irfft2``, ``fftn``/``ifftn``, ``rfftn``/``irfftn``; it has
no ``hfft``/``ihfft`` and exports no ``fftshift``), at odd and even lengths, a transform length that crops or
zero-pads, a non-last axis or unsorted axes. The 1-D points run every norm; the 2-D and n-D points name one
norm each, the four points of a transform the three norms between them (the norm is one real scale, the same
code in every rank), and ``every_norm=True`` runs every norm on them too (torch, where a case costs
milliseconds). The inputs of the c2r transforms (``irfft*``) are
random half spectra, not Hermitian: the imaginary parts of the bins whose imaginary part the transform
discards (DC and, for even n, Nyquist of the last axis after the other axes' inverse) get zero gradient on
both sides.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

from specref.compare.suites import SuiteCase

__all__ = ["NORMS", "POINTS", "fft_cases", "label", "one_norm_each"]

NORMS = ("backward", "ortho", "forward")

_1D = (
    # (input shape, keywords): even; odd padded to odd; non-last axis cropped to even; cropped to odd
    ((2, 8), {}),
    ((2, 7), {"n": 9}),
    ((5, 3), {"n": 4, "axis": 0}),
    ((2, 6), {"n": 5}),
)
_2D = (
    # each names its norm: the four points of a transform hold the three norms between them
    ((2, 4, 5), {"norm": "backward"}),
    ((3, 5), {"s": (4, 3), "norm": "ortho"}),  # pad one axis, crop the other
    ((2, 3, 4), {"s": (3, 5), "axes": (0, 2), "norm": "forward"}),
    ((5, 4), {"axes": (1, 0), "norm": "ortho"}),  # the last transformed axis is axis 0
)
_ND = (
    ((2, 3, 4), {"norm": "backward"}),  # every axis
    ((3, 5), {"s": (4, 2), "axes": (0, 1), "norm": "ortho"}),
    ((2, 3, 4), {"s": (3, 2), "axes": (2, 0), "norm": "forward"}),  # unsorted axes, both cropped/padded
    ((6,), {"norm": "forward"}),  # one axis
)

# (specref function, input shape, complex input, keywords); a keyword "norm" runs that norm only
POINTS = (
    *(("fft", s, True, kw) for s, kw in _1D),
    *(("ifft", s, True, kw) for s, kw in _1D),
    *(("rfft", s, False, kw) for s, kw in _1D[:3]),
    ("rfft", (4,), False, {"n": 7}),  # one axis, padded to odd
    # irfft: m input bins, n output points; n // 2 + 1 bins are read (cropped or zero-padded to that first)
    ("irfft", (2, 5), True, {}),  # default n = 8
    ("irfft", (2, 4), True, {"n": 7}),  # odd n, bins equal
    ("irfft", (2, 3), True, {"n": 9}),  # odd n, 3 bins padded to 5
    ("irfft", (2, 6), True, {"n": 4}),  # even n, 6 bins cropped to 3
    ("irfft", (4, 3), True, {"n": 6, "axis": 0}),  # non-last axis, even n, bins equal
    *(("fft2", s, True, kw) for s, kw in _2D),
    *(("ifft2", s, True, kw) for s, kw in _2D),
    *(("rfft2", s, False, kw) for s, kw in _2D),
    ("irfft2", (4, 4), True, {"norm": "backward"}),  # s = (4, 6)
    ("irfft2", (3, 3), True, {"s": (4, 5), "norm": "ortho"}),  # odd last length, the other axis padded
    ("irfft2", (2, 3, 4), True, {"s": (3, 5), "axes": (0, 2), "norm": "forward"}),  # 4 bins cropped to 3
    ("irfft2", (5, 4), True, {"s": (4, 7), "axes": (1, 0), "norm": "ortho"}),  # last transformed axis is 0
    *(("fftn", s, True, kw) for s, kw in _ND),
    *(("ifftn", s, True, kw) for s, kw in _ND),
    *(("rfftn", s, False, kw) for s, kw in _ND),
    ("irfftn", (2, 3, 3), True, {"norm": "backward"}),  # s = (2, 3, 4)
    ("irfftn", (3, 4), True, {"s": (4, 7), "axes": (0, 1), "norm": "ortho"}),  # odd last length
    ("irfftn", (2, 3, 4), True, {"s": (3, 2), "axes": (2, 0), "norm": "forward"}),  # last transformed axis 0
    ("irfftn", (4,), True, {"norm": "ortho"}),  # one axis, n = 6
)


def one_norm_each(points) -> tuple:
    """``points`` with one norm each: a point that names none gets the next of :data:`NORMS` in turn, counted
    per function, so every function with three or more points still meets every norm."""
    count: dict = {}
    out = []
    for name, shape, complex_input, keywords in points:
        if "norm" not in keywords:
            k = count.get(name, 0)
            count[name] = k + 1
            keywords = {**keywords, "norm": NORMS[k % len(NORMS)]}
        out.append((name, shape, complex_input, keywords))
    return tuple(out)


def label(shape, keywords: Mapping, norm: str) -> str:
    """``x(2,7) n=9 norm=ortho``: the input shape, then the keywords."""
    words = [f"x{shape}".replace(" ", "")] + [f"{k}={v}".replace(" ", "")
                                               for k, v in keywords.items() if k != "norm"]
    return " ".join([*words, f"norm={norm}"])


def _run(peer_name, module, framework, renames, prepare, wrap, name, shape, complex_input, keywords, case_label,
         seed):
    import numpy as np

    import specref.transforms as transforms
    from specref.compare import compare

    if prepare is not None:
        prepare()
    peer_fn = getattr(importlib.import_module(module), name)
    peer_kw = {renames.get(k, k): v for k, v in keywords.items()}

    def peer(x):
        return peer_fn(x, **peer_kw)

    peer.__module__, peer.__qualname__ = module, name
    if wrap is not None:
        peer = wrap(peer)
    gen = np.random.default_rng(seed)
    x = gen.standard_normal(shape) + (1j * gen.standard_normal(shape) if complex_input else 0.0)
    return compare(peer, getattr(transforms, name), x=x, config=keywords, framework=framework, label=case_label,
                   seed=seed)


def fft_cases(peer: str, module: str, framework: str, points, *, renames: Mapping | None = None,
              prepare: Callable | None = None, wrap: Callable | None = None, tag: str = "",
              every_norm: bool = False) -> list[SuiteCase]:
    """Every (point, norm) of ``points`` = ``(specref function, input shape, complex input, keywords)``.

    A point whose keywords hold ``"norm"`` runs that norm only (every norm of :data:`NORMS` with
    ``every_norm``), the others every norm.
    ``prepare()`` runs before each case (JAX's float64 switch), ``wrap(peer)`` replaces the peer function
    (``jax.jit``), and ``tag`` ends each label (``jit``); the seeds are the cases' positions, so equal
    points in two lists draw the same input.
    """
    out = []
    seed = 0
    for name, shape, complex_input, keywords in points:
        norms = (keywords["norm"],) if "norm" in keywords and not every_norm else NORMS
        for norm in norms:
            kw = {**keywords, "norm": norm}
            case_label = label(shape, keywords, norm) + (f" {tag}" if tag else "")
            run = _bind(peer, module, framework, dict(renames or {}), prepare, wrap, name, shape, complex_input,
                        kw, case_label, seed)
            out.append(SuiteCase(peer, name, case_label, run))
            seed += 1
    return out


def _bind(*args):
    def run():
        return _run(*args)

    return run
