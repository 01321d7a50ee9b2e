"""PyWavelets against specref.transforms: dwt/idwt, wavedec/waverec, dwt2/idwt2, wavedec2/waverec2, values only.

pywt has no autograd, so only the outputs are compared (specref's adjoints are checked by its own verify
cases); ``specref.transforms`` has no n-dimensional wavelet transform (``dwtn``/``wavedecn``), so there is no
n-D case. specref reads its filter taps from pywt (finding ``pywt_symlet_filter_precision`` concerns the taps
themselves, which both sides share), so the two agree to rounding. Bounds: ``2 c eps`` with ``c`` the wavelet
family's claim (``specref.transforms.wavelet_dwt._error_scale``: per level and axis ``2 + log2 F``, times
``1 + log2 F`` in smooth mode), through :func:`specref.compare.functions.function_pairing`.

Sampling (106 discrete wavelets x 9 modes x 8 functions would be 7632 cases; these are ~610, ~5 s):

- **every wavelet** of ``pywt.wavelist(kind="discrete")``, the i-th (``MODES`` below is pywt's list of 9):
  ``dwt`` in mode ``MODES[i % 9]`` on ``2F + 1 + i % 2`` samples (F the filter length: odd and even in turn),
  ``idwt`` in mode ``MODES[(i + 3) % 9]`` on the coefficients of that length, ``dwt2`` in mode
  ``MODES[(i + 6) % 9]`` on an ``(F + 3) x (F + 2 + i % 2)`` image, ``wavedec`` and ``waverec`` at the maximum
  level (``4F`` or ``4F + 1`` samples: two levels or more) in modes ``MODES[(i + 1) % 9]`` and
  ``MODES[(i + 4) % 9]``: every wavelet's analysis and synthesis filters, single- and multilevel, in 1-D and
  2-D, each in 5 of the 9 modes, and every mode with some 60 wavelets of every family;
- **every mode** for each of the eight functions: :data:`FEW_WAVELETS` in turn (lengths 2 to 62), the signal
  length from :data:`LENGTHS` in turn (even, odd, and shorter than the filter), a non-last axis every third
  case, levels 1, 2 and the maximum in turn for the multilevel functions;
- **per-axis** wavelets and modes (pywt's tuples) for the four 2-D functions.

Inputs of the inverses are random coefficients of the shapes the forward produces (``dwt_coeff_len``,
``wavedec_shapes``, ``wavedec2_shapes``), not the coefficients of a signal: the whole synthesis operator is
compared. ``idwt`` takes ``(cA, cD)`` as two inputs; ``idwt2``, ``waverec`` and ``waverec2`` take one
coefficient structure, which both sides receive packed into one array (:func:`specref.compare.functions.pack`)
and unpack before calling their function (the specref side is :func:`structured`, a wrapper that keeps the
function's name and module, so its verify case, and that case's bound, are found). Outputs are compared
packed too (``dwt``'s ``(cA, cD)`` stacked, ``wavedec``'s list raveled and concatenated). A label names the
signal or image shape (for an inverse: the one whose forward has the coefficients' shapes), the wavelet, the
mode and the other keywords; a level above the maximum (short signals) draws the same UserWarning from
both, silenced here.
"""

from __future__ import annotations

from specref.compare.suites import SuiteCase

__all__ = ["cases", "points", "structured", "FEW_WAVELETS", "LENGTHS"]

# Few wavelets for the every-mode cases: orthogonal (haar, db, sym, coif), biorthogonal, reverse biorthogonal,
# and the longest everyday filter (dmey, F = 62).
FEW_WAVELETS = ("haar", "db2", "db4", "sym3", "coif1", "bior2.2", "rbio1.3", "db6", "dmey")
LENGTHS = (16, 13, 5, 10, 3, 7)  # even, odd, short (5 < F - 2 for db4 and longer), even, very short, odd
_MODES = ("zero", "constant", "symmetric", "periodic", "smooth", "periodization", "reflect", "antisymmetric",
          "antireflect")


def _label(name, shape, keywords) -> str:
    """``x(2,13) db2 periodization axis=0``: the signal or image shape, the wavelet and mode, the rest."""
    words = [f"x{shape}".replace(" ", ""), f"{keywords['wavelet']}".replace(" ", "").replace("'", ""),
             f"{keywords['mode']}".replace(" ", "").replace("'", "")]
    words += [f"{k}={v}".replace(" ", "") for k, v in keywords.items() if k not in ("wavelet", "mode")]
    return " ".join(words)


def points(wavelets) -> list[tuple]:
    """(function, signal or image shape, keywords) of every case, in order (module docstring)."""
    import pywt

    out = []
    for i, w in enumerate(wavelets):
        f = pywt.Wavelet(w).dec_len
        n = 2 * f + 1 + i % 2
        out.append(("dwt", (2, n), {"wavelet": w, "mode": _MODES[i % 9]}))
        out.append(("idwt", (2, n), {"wavelet": w, "mode": _MODES[(i + 3) % 9]}))
        out.append(("dwt2", (f + 3, f + 2 + i % 2), {"wavelet": w, "mode": _MODES[(i + 6) % 9]}))
        out.append(("wavedec", (2, 4 * f + i % 2), {"wavelet": w, "mode": _MODES[(i + 1) % 9], "level": None}))
        out.append(("waverec", (2, 4 * f + 1 - i % 2), {"wavelet": w, "mode": _MODES[(i + 4) % 9], "level": None}))
    for j, name in enumerate(("dwt", "idwt", "wavedec", "waverec", "dwt2", "idwt2", "wavedec2", "waverec2")):
        for k, mode in enumerate(_MODES):
            w = FEW_WAVELETS[(k + j) % len(FEW_WAVELETS)]
            n = LENGTHS[(k + 2 * j) % len(LENGTHS)]
            kw: dict = {"wavelet": w, "mode": mode}
            if name.endswith("2"):
                shape = (2, n, LENGTHS[(k + 2 * j + 1) % len(LENGTHS)]) if k % 2 else (n, n + 3)
                if k % 3 == 0:
                    kw["axes"] = (-1, -2) if k % 2 else (1, 0)  # swapped axes
            else:
                shape = (n, 3) if k % 3 == 0 else (2, n)
                if k % 3 == 0:
                    kw["axis"] = 0
            if name in ("wavedec", "waverec", "wavedec2", "waverec2"):
                kw["level"] = (1, 2, None)[k % 3]
            out.append((name, shape, kw))
    for name in ("dwt2", "idwt2", "wavedec2", "waverec2"):
        level = {"level": None} if name in ("wavedec2", "waverec2") else {}
        out.append((name, (9, 12), {"wavelet": ("haar", "db3"), "mode": ("zero", "smooth"), **level}))
        out.append((name, (2, 16, 11), {"wavelet": ("sym4", "bior3.5"), "mode": ("periodization", "antireflect"),
                                        "axes": (-1, -2), **level}))
    return out


def structured(name: str, like):
    """specref's ``name`` taking its coefficient structure packed into one array: ``fn(unpack(flat, like),
    **keywords)`` (``level`` dropped: it is the structure's depth, given for the bound). It carries ``name``
    and the function's module, so :func:`specref.compare.functions.find_case` finds the verify case."""
    import specref.transforms as T
    from specref.compare.functions import unpack

    fn = getattr(T, name)

    def wrapped(flat, **keywords):
        keywords.pop("level", None)
        return fn(unpack(flat, like), **keywords)

    wrapped.__name__ = wrapped.__qualname__ = name
    wrapped.__module__ = fn.__module__
    return wrapped


def _coefficients(name, shape, keywords, gen):
    """Random coefficients of the shapes the forward of ``name`` gives on ``shape``, and the level."""
    import specref.transforms as T

    kw = {k: v for k, v in keywords.items() if k != "level"}
    if name in ("idwt", "idwt2"):
        axes = (kw.get("axis", -1),) if name == "idwt" else kw.get("axes", (-2, -1))
        w, m = kw["wavelet"], kw["mode"]
        per_axis = (w if isinstance(w, tuple) else (w,) * len(axes), m if isinstance(m, tuple) else (m,) * len(axes))
        c_shape = list(shape)
        for a, wa, ma in zip(axes, *per_axis, strict=True):
            c_shape[a] = T.dwt_coeff_len(shape[a], wa, ma)
        draw = [gen.standard_normal(tuple(c_shape)) for _ in range(2 if name == "idwt" else 4)]
        return (draw if name == "idwt" else (draw[0], tuple(draw[1:]))), None
    shapes_of = T.wavedec_shapes if name == "waverec" else T.wavedec2_shapes
    shapes = shapes_of(shape, kw["wavelet"], mode=kw["mode"], level=keywords.get("level"),
                       **({"axis": kw["axis"]} if "axis" in kw else {"axes": kw["axes"]} if "axes" in kw else {}))

    def draw_tree(s):
        return gen.standard_normal(s) if all(isinstance(v, int) for v in s) else tuple(draw_tree(t) for t in s)

    coeffs = [draw_tree(s) for s in shapes]
    return coeffs, len(coeffs) - 1


def _run(name, shape, keywords, label, seed):
    import warnings

    import numpy as np
    import pywt

    import specref.transforms as T
    from specref.compare import compare
    from specref.compare.functions import pack, unpack

    gen = np.random.default_rng(seed)
    peer_fn = getattr(pywt, name)
    if name in ("dwt", "wavedec", "dwt2", "wavedec2"):
        def peer(x):
            return pack(peer_fn(x, **keywords))

        target, x, config = getattr(T, name), gen.standard_normal(shape), keywords
    elif name == "idwt":
        def peer(ca, cd):
            return peer_fn(ca, cd, **keywords)

        (ca, cd), _ = _coefficients(name, shape, keywords, gen)
        target, x, config = T.idwt, (ca, cd), keywords
    else:  # one coefficient structure, packed
        coeffs, level = _coefficients(name, shape, keywords, gen)
        peer_kw = {k: v for k, v in keywords.items() if k != "level"}

        def peer(flat):
            return peer_fn(unpack(flat, coeffs), **peer_kw)

        # level: the structure's depth, which the bound counts (the wrapper drops it before the call)
        config = peer_kw if level is None else {**peer_kw, "level": level}
        target, x = structured(name, coeffs), (pack(coeffs),)
    peer.__module__, peer.__qualname__ = "pywt", name
    with warnings.catch_warnings():  # a level above the maximum (the short signals): both warn alike
        warnings.filterwarnings("ignore", "Level value of", UserWarning)
        return compare(peer, target, x=x, config=config, framework="numpy", label=label, seed=seed)


def cases() -> list[SuiteCase]:
    import pywt

    out = []
    for seed, (name, shape, keywords) in enumerate(points(pywt.wavelist(kind="discrete"))):
        label = _label(name, shape, keywords)

        def run(name=name, shape=shape, kw=keywords, label=label, seed=seed):
            return _run(name, shape, kw, label, seed)

        out.append(SuiteCase("pywt", name, label, run))
    return out
