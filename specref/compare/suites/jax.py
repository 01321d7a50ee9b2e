"""jax.numpy.fft against specref.transforms: rfft and irfft, output and ``jax.vjp`` gradients.

Odd and even lengths, a cropped or padded transform length, a non-last axis, every norm, in float64
(``jax_enable_x64`` is switched on first: without it JAX computes float64 input in float32). JAX's
gradients are conjugated into specref's convention by the adapter (:mod:`specref.compare.frameworks`).
"""

from __future__ import annotations

from specref.compare.suites import SuiteCase

__all__ = ["cases", "POINTS"]

NORMS = ("backward", "ortho", "forward")
# (specref function, input shape, complex input, keywords)
POINTS = (
    ("rfft", (2, 8), False, {}),
    ("rfft", (2, 7), False, {"n": 9}),
    ("rfft", (9, 2), False, {"n": 6, "axis": 0}),
    ("irfft", (2, 5), True, {}),  # n = 8
    ("irfft", (2, 4), True, {"n": 7}),
    ("irfft", (3, 2), True, {"n": 9, "axis": 0}),  # 3 bins padded to 5 along a non-last axis
)


def _label(shape, keywords, norm) -> str:
    """``x(2,7) n=9 norm=ortho``: the input shape, then the keywords."""
    words = [f"x{shape}".replace(" ", "")] + [f"{k}={v}" for k, v in keywords.items()]
    return " ".join([*words, f"norm={norm}"])


def _run(name, shape, complex_input, keywords, label, seed):
    import jax
    import numpy as np

    import specref.transforms as transforms
    from specref.compare import compare

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    peer_fn = getattr(jnp.fft, name)

    def peer(x):
        return peer_fn(x, **keywords)

    peer.__module__, peer.__qualname__ = "jax.numpy.fft", name
    gen = np.random.default_rng(seed)
    x = gen.standard_normal(shape) + (1j * gen.standard_normal(shape) if complex_input else 0.0)
    return compare(peer, getattr(transforms, name), x=x, config=keywords, framework="jax", label=label, seed=seed)


def cases() -> list[SuiteCase]:
    out = []
    for i, (name, shape, complex_input, keywords) in enumerate(POINTS):
        for j, norm in enumerate(NORMS):
            kw = {**keywords, "norm": norm}
            label = _label(shape, keywords, norm)

            def run(name=name, shape=shape, c=complex_input, kw=kw, label=label, seed=3 * i + j):
                return _run(name, shape, c, kw, label, seed)

            out.append(SuiteCase("jax", name, label, run))
    return out
