"""scipy.fft's DCT and DST against specref.transforms: types 1-4, forward only.

SciPy has no autograd, so only the outputs are compared (a NumPy peer without ``vjp=``); specref's adjoints
are checked by its own verify cases. Odd and even lengths, a cropped or padded length along a non-last axis,
the ``None`` and ``"ortho"`` norms (with ``orthogonalize`` at its default), complex input once.
"""

from __future__ import annotations

from specref.compare.suites import SuiteCase

__all__ = ["cases", "POINTS"]

TYPES = (1, 2, 3, 4)
# (input shape, complex input, keywords besides type); DCT-I needs n >= 2, every shape here has it
POINTS = (
    ((2, 8), False, {"norm": None}),
    ((2, 7), False, {"norm": "ortho"}),
    ((6, 3), False, {"n": 5, "axis": 0, "norm": None}),  # crop 6 -> 5 along axis 0
    ((3, 4), True, {"n": 6, "norm": "ortho"}),  # complex, pad 4 -> 6
)


def _label(shape, keywords) -> str:
    """``x(2,7) type=2 norm=ortho``: the input shape, then the keywords."""
    return " ".join([f"x{shape}".replace(" ", "")] + [f"{k}={v}" for k, v in keywords.items()])


def _run(name, shape, complex_input, keywords, label, seed):
    import numpy as np
    import scipy.fft

    import specref.transforms as transforms
    from specref.compare import compare

    peer_fn = getattr(scipy.fft, name)

    def peer(x):
        return peer_fn(x, **keywords)

    peer.__module__, peer.__qualname__ = "scipy.fft", name
    gen = np.random.default_rng(seed)
    x = gen.standard_normal(shape) + (1j * gen.standard_normal(shape) if complex_input else 0.0)
    return compare(peer, getattr(transforms, name), x=x, config=keywords, framework="numpy", label=label, seed=seed)


def cases() -> list[SuiteCase]:
    out = []
    seed = 0
    for name in ("dct", "dst"):
        for t in TYPES:
            for shape, complex_input, keywords in POINTS:
                kw = {"type": t, **keywords}
                label = _label(shape, kw)

                def run(name=name, shape=shape, c=complex_input, kw=kw, label=label, seed=seed):
                    return _run(name, shape, c, kw, label, seed)

                out.append(SuiteCase("scipy", name, label, run))
                seed += 1
    return out
