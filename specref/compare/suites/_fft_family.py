"""The cases of a peer's FFT module (``torch.fft``, ``jax.numpy.fft``) against ``specref.transforms``.

One case per point and norm: the peer function of the same name is called with the point's keywords (renamed
where the peer spells them otherwise, e.g. torch's ``dim`` for ``axis``), on a seeded standard-normal input
(complex where the point says), and compared by :func:`specref.compare.compare` under the peer's framework.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

from specref.compare.suites import SuiteCase

__all__ = ["NORMS", "fft_cases", "label"]

NORMS = ("backward", "ortho", "forward")


def label(shape, keywords: Mapping, norm: str) -> str:
    """``x(2,7) n=9 norm=ortho``: the input shape, then the keywords."""
    words = [f"x{shape}".replace(" ", "")] + [f"{k}={v}".replace(" ", "") for k, v in keywords.items()]
    return " ".join([*words, f"norm={norm}"])


def _run(peer_name, module, framework, renames, prepare, name, shape, complex_input, keywords, case_label, seed):
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
    gen = np.random.default_rng(seed)
    x = gen.standard_normal(shape) + (1j * gen.standard_normal(shape) if complex_input else 0.0)
    return compare(peer, getattr(transforms, name), x=x, config=keywords, framework=framework, label=case_label,
                   seed=seed)


def fft_cases(peer: str, module: str, framework: str, points, *, renames: Mapping | None = None,
              prepare: Callable | None = None) -> list[SuiteCase]:
    """Every (point, norm) of ``points`` = ``(specref function, input shape, complex input, keywords)``."""
    out = []
    for i, (name, shape, complex_input, keywords) in enumerate(points):
        for j, norm in enumerate(NORMS):
            kw = {**keywords, "norm": norm}
            case_label = label(shape, keywords, norm)
            run = _bind(peer, module, framework, dict(renames or {}), prepare, name, shape, complex_input, kw,
                        case_label, 3 * i + j)
            out.append(SuiteCase(peer, name, case_label, run))
    return out


def _bind(*args):
    def run():
        return _run(*args)

    return run
