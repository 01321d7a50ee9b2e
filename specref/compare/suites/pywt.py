"""PyWavelets against specref.transforms: dwt and wavedec, forward only.

pywt has no autograd, so only the outputs are compared (specref's adjoints are checked by its own verify
cases). specref reads its filter taps from pywt (finding ``pywt_symlet_filter_precision`` concerns the taps
themselves, which both sides share), so the two agree to rounding. The coefficients are compared as one
array (:func:`specref.compare.functions.pack`: ``dwt``'s ``(cA, cD)`` stacked, ``wavedec``'s list raveled
and concatenated), every mode and several filter lengths, odd and even signal lengths, a non-last axis.
"""

from __future__ import annotations

from specref.compare.suites import SuiteCase

__all__ = ["cases", "POINTS"]

# (specref function, input shape, keywords)
POINTS = (
    ("dwt", (2, 16), {"wavelet": "haar", "mode": "symmetric"}),
    ("dwt", (2, 13), {"wavelet": "db2", "mode": "periodization"}),
    ("dwt", (2, 13), {"wavelet": "db4", "mode": "zero"}),
    ("dwt", (2, 12), {"wavelet": "sym3", "mode": "reflect"}),
    ("dwt", (2, 11), {"wavelet": "coif1", "mode": "smooth"}),
    ("dwt", (2, 10), {"wavelet": "bior2.2", "mode": "constant"}),
    ("dwt", (2, 9), {"wavelet": "rbio1.3", "mode": "periodic"}),
    ("dwt", (2, 14), {"wavelet": "db3", "mode": "antisymmetric"}),
    ("dwt", (2, 15), {"wavelet": "sym2", "mode": "antireflect"}),
    ("dwt", (9, 3), {"wavelet": "db2", "mode": "symmetric", "axis": 0}),
    ("wavedec", (2, 37), {"wavelet": "db2", "mode": "symmetric", "level": None}),
    ("wavedec", (2, 64), {"wavelet": "sym4", "mode": "periodization", "level": 3}),
    ("wavedec", (21, 2), {"wavelet": "haar", "mode": "zero", "level": 2, "axis": 0}),
)


def _label(shape, keywords) -> str:
    """``x(2,13) db2 periodization axis=0``: the input shape, the wavelet and mode, the other keywords."""
    words = [f"x{shape}".replace(" ", ""), keywords["wavelet"], keywords["mode"]]
    words += [f"{k}={v}" for k, v in keywords.items() if k not in ("wavelet", "mode")]
    return " ".join(words)


def _run(name, shape, keywords, label, seed):
    import numpy as np
    import pywt

    import specref.transforms as transforms
    from specref.compare import compare
    from specref.compare.functions import pack

    peer_fn = getattr(pywt, name)

    def peer(x):
        return pack(peer_fn(x, **keywords))

    peer.__module__, peer.__qualname__ = "pywt", name
    x = np.random.default_rng(seed).standard_normal(shape)
    return compare(peer, getattr(transforms, name), x=x, config=keywords, framework="numpy", label=label, seed=seed)


def cases() -> list[SuiteCase]:
    out = []
    for i, (name, shape, keywords) in enumerate(POINTS):
        label = _label(shape, keywords)

        def run(name=name, shape=shape, kw=keywords, label=label, seed=i):
            return _run(name, shape, kw, label, seed)

        out.append(SuiteCase("pywt", name, label, run))
    return out
