"""scipy.fft's DCT and DST against specref.transforms: types 1-4, every norm and ``orthogonalize``, forward only.

Every function specref shares with scipy.fft's trigonometric transforms: ``dct``, ``idct``, ``dst``, ``idst``
and the n-dimensional ``dctn``, ``idctn``, ``dstn``, ``idstn``, each of types 1-4. SciPy has no autograd, so
only the outputs are compared (a NumPy peer without ``vjp=``); specref's adjoints are checked by its own
verify cases.

1-D: per function and type, every combination of ``norm`` in (None, ``"ortho"``, ``"forward"``) and
``orthogonalize`` in (None, True, False), plus ``norm="backward"`` (scipy's name for None), each on the next
of :data:`SHAPES_1D` in turn (started at the type's offset, so every type meets every shape): even and odd
lengths from 2, a transform length that crops or zero-pads along a non-last axis, real AND complex input
(scipy transforms the real and imaginary parts). n-D: per function and type, three consecutive points of
:data:`POINTS_ND` (from the type's index), so every type meets real and complex input: all axes, chosen and
unsorted axes, an int ``axes``, ``s`` cropping and padding, the norms, and ``orthogonalize`` at its default
and not.

specref's NumPy core *is* ``scipy.fft.dct``/``dst`` with ``norm=None`` on the last axis at the exact length
(:func:`specref.transforms.cosine._core`): this suite checks what specref does around it (the norm factors of
the logical length, the orthogonalize end weights, the inverse types, cropping/padding, axes, complex parts)
against scipy's own handling, not an independent core; the core's independent check is the 50-digit oracle
of :mod:`specref.oracle.dct` in specref's verify cases.

Known difference ``scipy_dct_complex_orthogonalize`` (:func:`known_for`): scipy's complex branch calls pocketfft
without ``orthogonalize``, so complex input gets the default variant (``norm == "ortho"``) whatever is passed;
where that differs from the value given and the type has an orthogonalized variant (DCT-I, II, III; DST-II,
III), the case carries the slug. Bounds: ``2 c eps`` with ``c`` the case's claim
(:func:`specref.transforms.cosine._dct_error_scale`), through :func:`specref.compare.functions.function_pairing`.
"""

from __future__ import annotations

from specref.compare.suites import SuiteCase

__all__ = ["cases", "points", "known_for", "SHAPES_1D", "POINTS_ND", "TYPES", "COMBOS"]

TYPES = (1, 2, 3, 4)
# (norm, orthogonalize): every pair, and "backward" once (scipy's alias of None)
COMBOS = tuple((norm, orth) for norm in (None, "ortho", "forward") for orth in (None, True, False)) + (
    ("backward", None),)
# (input shape, complex input, keywords besides type, norm, orthogonalize); DCT-I needs n >= 2: every length is
SHAPES_1D = (
    ((2, 8), False, {}),  # even
    ((2, 7), False, {}),  # odd
    ((6, 3), False, {"n": 5, "axis": 0}),  # crop 6 -> 5 along axis 0
    ((3, 4), True, {"n": 6}),  # complex, pad 4 -> 6
    ((5,), True, {}),  # complex, odd, one axis
    ((2,), False, {}),  # the shortest DCT-I
    ((4, 3), False, {"n": 9, "axis": -2}),  # pad 4 -> 9 along a non-last axis
)
# (input shape, complex input, keywords besides type); s never exceeds the largest input length (the case's
# error scale reads max(shape))
POINTS_ND = (
    ((3, 4), False, {"norm": "backward"}),  # every axis
    ((3, 2, 5), True, {"s": (4, 3), "axes": (0, 2), "norm": None, "orthogonalize": True}),
    ((2, 3, 4), False, {"axes": (-1, 0), "norm": "forward", "orthogonalize": True}),  # unsorted axes
    ((4, 3), True, {"s": (2, 4), "norm": "ortho"}),  # complex, crop one axis, pad the other
    ((2, 5, 3), False, {"axes": 1, "norm": "ortho", "orthogonalize": False}),  # an int axes
    ((3, 3), True, {"norm": "forward", "orthogonalize": False}),
)


def _label(shape, complex_input, keywords) -> str:
    """``x(2,7) complex type=2 norm=ortho``: the input shape, then the keywords."""
    words = [f"x{shape}".replace(" ", "")] + (["complex"] if complex_input else [])
    return " ".join(words + [f"{k}={v}".replace(" ", "") for k, v in keywords.items()])


SCIPY_COMPLEX_ORTHOGONALIZE = "scipy_dct_complex_orthogonalize"


def known_for(name: str, complex_input: bool, keywords) -> str:
    """The finding a configuration meets: complex input, ``orthogonalize`` given and not its default
    (``norm == "ortho"``), a type it changes (DCT I-III, DST II-III; idct/idst of those types too)."""
    orth = keywords.get("orthogonalize")
    if not complex_input or orth is None or bool(orth) == (keywords.get("norm") == "ortho"):
        return ""
    types = (1, 2, 3) if "dct" in name else (2, 3)
    return SCIPY_COMPLEX_ORTHOGONALIZE if keywords.get("type", 2) in types else ""


def _run(name, shape, complex_input, keywords, label, seed):
    import dataclasses

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
    got = compare(peer, getattr(transforms, name), x=x, config=keywords, framework="numpy", label=label, seed=seed)
    slug = known_for(name, complex_input, keywords)
    return dataclasses.replace(got, known=slug) if slug else got


def points():
    """(function, input shape, complex input, keywords) of every case, in the order of :func:`cases`."""
    for name in ("dct", "idct", "dst", "idst"):
        for t in TYPES:
            for i, (norm, orth) in enumerate(COMBOS):
                shape, complex_input, keywords = SHAPES_1D[(i + 2 * t) % len(SHAPES_1D)]
                yield name, shape, complex_input, {"type": t, **keywords, "norm": norm, "orthogonalize": orth}
    for name in ("dctn", "idctn", "dstn", "idstn"):
        for t in TYPES:
            for i in range(3):
                shape, complex_input, keywords = POINTS_ND[(t + i) % len(POINTS_ND)]
                yield name, shape, complex_input, {"type": t, **keywords}


def cases() -> list[SuiteCase]:
    out = []
    for seed, (name, shape, complex_input, kw) in enumerate(points()):
        label = _label(shape, complex_input, kw)

        def run(name=name, shape=shape, c=complex_input, kw=kw, label=label, seed=seed):
            return _run(name, shape, c, kw, label, seed)

        out.append(SuiteCase("scipy", name, label, run))
    return out
